"""The figures of a weekly report and the states of a department's report in a week."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .models import ReportAction, ReportStatus

#: the figures of a report, in the order of its tables: (key, label)
METRICS: list[tuple[str, object]] = [
    ("new", _("New this week")),
    ("closed", _("Closed this week")),
    # not the form's "In progress" (填报中) nor the yes/no "Overdue" (是否逾期): counts of hazards
    ("in_progress", pgettext_lazy("hazards", "Being rectified")),
    ("overdue", pgettext_lazy("count", "Overdue")),
    ("hard", _("Hard to resolve")),
    ("resolved", _("Resolved in all")),
    ("total", _("Total hazards")),
    # major hazards (重大隐患) still open: 002 §三.4 asks for them to be watched apart
    ("major", _("Major hazards open")),
]
METRIC_KEYS = [key for key, _label in METRICS]


class WeekState(models.TextChoices):
    """Where a department's report of one week stands, as the viewer may know it."""

    ON_TIME = "on_time", _("Submitted")
    LATE = "late", _("Submitted late")
    DRAFT = "draft", _("Draft")
    MISSING = "missing", _("Missing")
    NOT_DUE = "not_due", _("Not yet due")


__all__ = ["METRICS", "METRIC_KEYS", "WeekState", "ReportStatus", "ReportAction"]
