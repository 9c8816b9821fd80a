"""Code lists of the hazard register (DOMAIN.md §5); its lifecycle table is in ``lifecycle``."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from safecampus.catalog.choices import HazardLevel


class Status(models.TextChoices):
    REPORTED = "reported", _("Reported")
    ASSIGNED = "assigned", _("Assigned")
    RECTIFYING = "rectifying", _("Rectifying")
    SUBMITTED = "submitted", _("Awaiting acceptance")
    CLOSED = "closed", _("Closed")
    HARD = "hard", _("Hard to resolve")
    WITHDRAWN = "withdrawn", _("Withdrawn")


#: Statuses in which a hazard still needs work (it counts as open, and can be overdue).
OPEN_STATUSES = frozenset(
    {Status.REPORTED, Status.ASSIGNED, Status.RECTIFYING, Status.SUBMITTED, Status.HARD}
)


class Source(models.TextChoices):
    SELF_INSPECTION = "self_inspection", _("School self-inspection")
    DEPARTMENT_INSPECTION = "department_inspection", _("Department inspection")
    VIDEO_PATROL = "video_patrol", _("Video patrol")
    SPOT_CHECK = "spot_check", _("Spot check")
    SEASONAL_CHECK = "seasonal_check", _("Seasonal or holiday check")
    TASK_FROM_ABOVE = "task_from_above", _("Task from above")
    PUBLIC_REPORT = "public_report", _("Public report")
    RULE_FINDING = "rule_finding", _("Rule finding")


class RemedyType(models.TextChoices):
    ON_SPOT = "on_spot", _("Fixed on the spot")
    DEADLINE = "deadline", _("Fixed by a deadline")


class RiskColour(models.TextChoices):
    RED = "red", _("Red (major risk)")
    ORANGE = "orange", _("Orange (considerable risk)")
    YELLOW = "yellow", _("Yellow (general risk)")
    BLUE = "blue", _("Blue (low risk)")


class Summary(models.TextChoices):
    """The three-way classification of 000 §四(三), derived from the status."""

    RESOLVED = "resolved", _("Resolved")
    IN_PROGRESS = "in_progress", _("Being resolved, with a deadline")
    HARD = "hard", _("Hard to resolve in the short term")


class EvidencePhase(models.TextChoices):
    BEFORE = "before", _("Before rectification")
    AFTER = "after", _("After rectification")
    DOCUMENT = "document", _("Document")


class Action(models.TextChoices):
    """What a person does to a hazard; each is one event kind in the timeline."""

    REPORT = "report", _("Report")
    CONFIRM = "confirm", _("Confirm and assign")
    START = "start", _("Start rectification")
    SUBMIT = "submit", _("Submit rectification")
    ACCEPT = "accept", _("Accept and close")
    REJECT = "reject", _("Reject acceptance")
    WITHDRAW = "withdraw", _("Withdraw (not a hazard)")
    MARK_HARD = "mark_hard", _("Mark hard to resolve")
    DECIDE = "decide", _("Record leadership decision")
    EDIT = "edit", _("Correct details")
    EXTEND = "extend", _("Change deadline")
    TRANSFER = "transfer", _("Transfer responsibility")
    EXPLAIN = "explain", _("Explain delay")
    ADD_EVIDENCE = "add_evidence", _("Add evidence")
    DISPUTE = "dispute", _("Dispute responsibility")
    REOPEN = "reopen", _("Reopened after a spot check")
    CONSULT = "consult", _("Consultation decision")


class Decision(models.TextChoices):
    """What the leadership group may decide on a hazard hard to resolve (000 §四(三).2)."""

    NEW_DEADLINE = "new_deadline", _("New deadline")
    NEW_DEPARTMENT = "new_department", _("New responsible department")
    SUPERVISE = "supervise", _("Supervise by listing (挂牌督办)")
    ESCALATE = "escalate", _("Ask district leaders to supervise on site")


__all__ = [
    "Action",
    "Decision",
    "EvidencePhase",
    "HazardLevel",
    "OPEN_STATUSES",
    "RemedyType",
    "RiskColour",
    "Source",
    "Status",
    "Summary",
]
