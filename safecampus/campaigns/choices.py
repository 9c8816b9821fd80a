"""Code lists of campaigns (专项行动), DOMAIN.md §4."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    LAUNCHED = "launched", _("Launched")
    CLOSED = "closed", pgettext_lazy("campaign", "Closed")


class SchoolSelection(models.TextChoices):
    ALL = "all", _("All schools of the bureau")
    STAGES = "stages", _("Schools of the chosen types")
    LIST = "list", _("A list of schools")


class PhaseKind(models.TextChoices):
    INSPECTION = "inspection", _("Concentrated inspection")
    RECTIFICATION = "rectification", _("Special rectification")
    EVALUATION = "evaluation", _("Summary and evaluation")
    OTHER = "other", _("Other")


#: weekday numbers as ``datetime.date.weekday()`` gives them
WEEKDAYS = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]
