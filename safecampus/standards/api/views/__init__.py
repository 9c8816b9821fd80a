"""Security standards over HTTP: facts sheets (read, change, history, verify, return), cards,
rule sets (read), findings (list, detail, turn into hazards) and the compliance figures.
One module per part; see ``common`` for the shared error handling and scope helpers."""

from .cards import CardViewSet, RuleSetViewSet
from .common import facts_school
from .facts import FactsViewSet
from .findings import ComplianceView, FindingViewSet

__all__ = [
    "CardViewSet",
    "ComplianceView",
    "FactsViewSet",
    "FindingViewSet",
    "RuleSetViewSet",
    "facts_school",
]
