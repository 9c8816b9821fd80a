"""The lifecycles of standards records, each one table (``core.lifecycle``).

- A finding is opened by the engine; the department it goes to (or the centre) turns it into a
  hazard, or links it to the open hazard of the same school and requirement; the engine resolves
  it when the facts comply again.
- A school's facts sheet is submitted by every change; the bureau's departments or centre verify
  it or return it with a reason.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from safecampus.core.capabilities import (
    STANDARDS_FACTS_EDIT,
    STANDARDS_FINDING_ACT,
    STANDARDS_MANAGE,
    STANDARDS_ROLE_ORDER,
    STANDARDS_VERIFY,
)
from safecampus.core.lifecycle import Lifecycle, Move

from .choices import (
    FactsAction,
    FactsStatus,
    FindingAction,
    FindingStatus,
    VersionAction,
    VersionStatus,
)


def _no_hazard(finding) -> str | None:
    if finding.hazard_id is not None:
        return _("This finding is already a hazard.")
    return None


FINDINGS = Lifecycle(
    [
        Move(
            FindingAction.RAISE_HAZARD,
            frozenset({FindingStatus.OPEN}),
            None,
            STANDARDS_FINDING_ACT,
            guard=_no_hazard,
        ),
        # the engine: the open hazard of an earlier finding of the same school and requirement
        Move(
            FindingAction.LINK_HAZARD,
            frozenset({FindingStatus.OPEN}),
            None,
            STANDARDS_FINDING_ACT,
            guard=_no_hazard,
            internal=True,
        ),
        # the engine: the facts comply again
        Move(
            FindingAction.RESOLVE,
            frozenset({FindingStatus.OPEN}),
            FindingStatus.RESOLVED,
            frozenset({"engine"}),
            internal=True,
            stamp="resolved_at",
        ),
        # the engine: the rule no longer applies to the school, or left the bureau's policy
        Move(
            FindingAction.LAPSE,
            frozenset({FindingStatus.OPEN}),
            FindingStatus.RESOLVED,
            frozenset({"engine"}),
            internal=True,
            stamp="resolved_at",
        ),
        # the engine: the school's numbers changed but it still fails
        Move(
            FindingAction.REVISE,
            frozenset({FindingStatus.OPEN}),
            None,
            frozenset({"engine"}),
            internal=True,
        ),
    ],
    statuses=FindingStatus.values,
    action_label=lambda a: str(FindingAction(a).label) if a in FindingAction.values else a,
    stamp_field="status_changed_at",
    version_field="version",
    role_order=STANDARDS_ROLE_ORDER,
)

#: the facts sheet: every change submits it again
_ANY = frozenset(FactsStatus.values)
FACTS = Lifecycle(
    [
        Move(FactsAction.UPDATE, _ANY, FactsStatus.SUBMITTED, STANDARDS_FACTS_EDIT),
        Move(FactsAction.IMPORT, _ANY, FactsStatus.SUBMITTED, STANDARDS_FACTS_EDIT, internal=True),
        Move(
            FactsAction.VERIFY,
            frozenset({FactsStatus.SUBMITTED}),
            FactsStatus.VERIFIED,
            STANDARDS_VERIFY,
            stamp="verified_at",
        ),
        Move(
            FactsAction.RETURN,
            frozenset({FactsStatus.SUBMITTED}),
            FactsStatus.RETURNED,
            STANDARDS_VERIFY,
        ),
    ],
    statuses=FactsStatus.values,
    action_label=lambda a: str(FactsAction(a).label) if a in FactsAction.values else a,
    version_field="version",
    role_order=STANDARDS_ROLE_ORDER,
)

#: a rule set version: a draft is edited, then published once and frozen
VERSIONS = Lifecycle(
    [
        Move(
            VersionAction.PUBLISH,
            frozenset({VersionStatus.DRAFT}),
            VersionStatus.PUBLISHED,
            STANDARDS_MANAGE,
            stamp="published_at",
        ),
    ],
    statuses=VersionStatus.values,
    action_label=lambda a: str(VersionAction(a).label) if a in VersionAction.values else a,
    role_order=STANDARDS_ROLE_ORDER,
)
