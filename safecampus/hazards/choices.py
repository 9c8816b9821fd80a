"""Code lists of the hazard register and its lifecycle as one table (DOMAIN.md §5)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from safecampus.catalog.choices import HazardLevel
from safecampus.core.capabilities import HAZARD_VIEW
from safecampus.core.roles import Role


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


SCHOOL = frozenset({Role.SCHOOL_OFFICER, Role.PRINCIPAL})
DEPARTMENT = frozenset({Role.DEPARTMENT_OFFICER, Role.SAFETY_CENTRE})
CENTRE = frozenset({Role.SAFETY_CENTRE})
LEADERSHIP = frozenset({Role.LEADERSHIP, Role.SAFETY_CENTRE})

#: The lifecycle: from status → {to status: roles that may make the move}. A department officer
#: acts only on hazards its department is responsible for; a school only on its own.
TRANSITIONS: dict[str, dict[str, frozenset[str]]] = {
    Status.REPORTED: {
        Status.ASSIGNED: DEPARTMENT,
        Status.SUBMITTED: SCHOOL,  # only a hazard fixed on the spot
        Status.WITHDRAWN: DEPARTMENT,
    },
    Status.ASSIGNED: {
        Status.RECTIFYING: SCHOOL,
        Status.SUBMITTED: SCHOOL,
        Status.HARD: DEPARTMENT,
        Status.WITHDRAWN: DEPARTMENT,
    },
    Status.RECTIFYING: {
        Status.SUBMITTED: SCHOOL,
        Status.HARD: DEPARTMENT,
    },
    Status.SUBMITTED: {
        Status.CLOSED: DEPARTMENT,
        Status.RECTIFYING: DEPARTMENT,
    },
    Status.HARD: {
        Status.RECTIFYING: LEADERSHIP,
    },
    Status.CLOSED: {},
    Status.WITHDRAWN: {},
}

#: The verb of each move in TRANSITIONS (the button a person presses).
MOVES: dict[tuple[str, str], str] = {
    (Status.REPORTED, Status.ASSIGNED): Action.CONFIRM,
    (Status.REPORTED, Status.SUBMITTED): Action.SUBMIT,
    (Status.REPORTED, Status.WITHDRAWN): Action.WITHDRAW,
    (Status.ASSIGNED, Status.RECTIFYING): Action.START,
    (Status.ASSIGNED, Status.SUBMITTED): Action.SUBMIT,
    (Status.ASSIGNED, Status.HARD): Action.MARK_HARD,
    (Status.ASSIGNED, Status.WITHDRAWN): Action.WITHDRAW,
    (Status.RECTIFYING, Status.SUBMITTED): Action.SUBMIT,
    (Status.RECTIFYING, Status.HARD): Action.MARK_HARD,
    (Status.SUBMITTED, Status.CLOSED): Action.ACCEPT,
    (Status.SUBMITTED, Status.RECTIFYING): Action.REJECT,
    (Status.HARD, Status.RECTIFYING): Action.DECIDE,
}

#: Actions that keep the status: action → (statuses it applies in, roles).
UPDATES: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    Action.EDIT: (OPEN_STATUSES, DEPARTMENT),
    Action.EXTEND: (frozenset({Status.ASSIGNED, Status.RECTIFYING}), DEPARTMENT),
    Action.TRANSFER: (OPEN_STATUSES, CENTRE),
    Action.EXPLAIN: (OPEN_STATUSES, SCHOOL | DEPARTMENT),
    Action.ADD_EVIDENCE: (OPEN_STATUSES, SCHOOL | DEPARTMENT | {Role.INSPECTOR}),
    Action.DISPUTE: (OPEN_STATUSES - {Status.HARD}, frozenset({Role.DEPARTMENT_OFFICER})),
}

#: Who may report a new hazard (each within their scope).
REPORTERS = SCHOOL | DEPARTMENT | {Role.INSPECTOR}

#: Roles that see the register at all (partner units do not).
REGISTER_VIEW = HAZARD_VIEW


def move_for(action: str, status: str) -> str | None:
    """The status ``action`` leads to from ``status``, or None if it is not a move from there."""
    for (src, dst), verb in MOVES.items():
        if verb == action and src == status:
            return dst
    return None


__all__ = [
    "Action",
    "Decision",
    "EvidencePhase",
    "HazardLevel",
    "MOVES",
    "OPEN_STATUSES",
    "REGISTER_VIEW",
    "REPORTERS",
    "RemedyType",
    "RiskColour",
    "Source",
    "Status",
    "Summary",
    "TRANSITIONS",
    "UPDATES",
    "move_for",
]
