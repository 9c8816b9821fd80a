"""The lifecycle of a hazard (DOMAIN.md §5) as one table: every move, the buttons a person
presses and the moves the system makes on behalf of a form, a spot check or a consultation.

A department officer acts only on hazards its department is responsible for; a school only on
its own (``access.roles_on_hazard``). Services check a move here and write it through
``LIFECYCLE.commit``.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from safecampus.core.capabilities import (
    CONSULTATION_MANAGE,
    FORM_FILL,
    SPOT_CHECK_RECORD,
    STANDARDS_OFFER,
)
from safecampus.core.lifecycle import Lifecycle, Move
from safecampus.core.roles import SCHOOL_ROLES, Role

from .choices import OPEN_STATUSES, Action, RemedyType, Status

SCHOOL = SCHOOL_ROLES
DEPARTMENT = frozenset({Role.DEPARTMENT_OFFICER, Role.SAFETY_CENTRE})
CENTRE = frozenset({Role.SAFETY_CENTRE})
LEADERSHIP = frozenset({Role.LEADERSHIP, Role.SAFETY_CENTRE})

#: order in which a person's roles are named on an event, most specific first
ROLE_ORDER = (
    Role.SCHOOL_OFFICER,
    Role.PRINCIPAL,
    Role.DEPARTMENT_OFFICER,
    Role.SAFETY_CENTRE,
    Role.LEADERSHIP,
    Role.INSPECTOR,
)

#: the role a form's move is taken as when the person holds none on the hazard
FORM_FALLBACK_ROLES = CENTRE

#: the system's moves on behalf of a resubmitted self-inspection form (their events are a
#: withdrawal and a correction, as if a person had made them)
WITHDRAW_FROM_FORM = "withdraw_from_form"
AMEND_FROM_FORM = "amend_from_form"
#: the system's move when a school's security facts comply again with the rule whose finding
#: opened the hazard (DOMAIN.md §8): offered for acceptance, as if the school had submitted it
OFFER_FROM_RULE = "offer_from_rule"

#: the event kind each move writes (an action not listed writes itself)
EVENT_ACTION = {
    WITHDRAW_FROM_FORM: Action.WITHDRAW,
    AMEND_FROM_FORM: Action.EDIT,
    OFFER_FROM_RULE: Action.SUBMIT,
}

#: statuses a spot check can find "not as claimed": a claim of resolved or in progress
REOPENABLE = frozenset({Status.ASSIGNED, Status.RECTIFYING, Status.SUBMITTED, Status.CLOSED})


def fixed_on_the_spot(hazard) -> str | None:
    """A report goes straight to acceptance only when it was fixed on the spot."""
    if hazard.remedy_type != RemedyType.ON_SPOT:
        return _("Only a hazard fixed on the spot can be submitted before it is confirmed.")
    return None


def action_label(action: str) -> str:
    action = EVENT_ACTION.get(action, action)
    return str(Action(action).label) if action in Action.values else action


def _s(*statuses: str) -> frozenset[str]:
    return frozenset(statuses)


LIFECYCLE = Lifecycle(
    [
        # --- the buttons: moves of the status ----------------------------------------------
        Move(Action.CONFIRM, _s(Status.REPORTED), Status.ASSIGNED, DEPARTMENT),
        Move(Action.START, _s(Status.ASSIGNED), Status.RECTIFYING, SCHOOL),
        Move(Action.SUBMIT, _s(Status.REPORTED), Status.SUBMITTED, SCHOOL, guard=fixed_on_the_spot),
        Move(Action.SUBMIT, _s(Status.ASSIGNED, Status.RECTIFYING), Status.SUBMITTED, SCHOOL),
        Move(Action.MARK_HARD, _s(Status.ASSIGNED, Status.RECTIFYING), Status.HARD, DEPARTMENT),
        Move(Action.WITHDRAW, _s(Status.REPORTED, Status.ASSIGNED), Status.WITHDRAWN, DEPARTMENT),
        Move(Action.ACCEPT, _s(Status.SUBMITTED), Status.CLOSED, DEPARTMENT),
        Move(Action.REJECT, _s(Status.SUBMITTED), Status.RECTIFYING, DEPARTMENT),
        Move(Action.DECIDE, _s(Status.HARD), Status.RECTIFYING, LEADERSHIP),
        # --- the buttons: updates that keep the status ---------------------------------------
        Move(Action.EDIT, OPEN_STATUSES, None, DEPARTMENT),
        Move(Action.EXTEND, _s(Status.ASSIGNED, Status.RECTIFYING), None, DEPARTMENT),
        Move(Action.TRANSFER, OPEN_STATUSES, None, CENTRE),
        Move(Action.EXPLAIN, OPEN_STATUSES, None, SCHOOL | DEPARTMENT),
        Move(Action.ADD_EVIDENCE, OPEN_STATUSES, None, SCHOOL | DEPARTMENT | {Role.INSPECTOR}),
        Move(
            Action.DISPUTE,
            OPEN_STATUSES - {Status.HARD},
            None,
            frozenset({Role.DEPARTMENT_OFFICER}),
        ),
        # --- the system's moves, on behalf of another record ---------------------------------
        # a spot check found the claim false (000 §四(三).1): back to rectifying, whatever it
        # claimed, a closed hazard too
        Move(Action.REOPEN, REOPENABLE, Status.RECTIFYING, SPOT_CHECK_RECORD, internal=True),
        # a consultation's decision: a hazard hard to resolve goes back to rectifying
        Move(
            Action.CONSULT,
            OPEN_STATUSES,
            {Status.HARD: Status.RECTIFYING},
            CONSULTATION_MANAGE,
            internal=True,
        ),
        # a resubmitted form: the item is now compliant before any department took it up
        Move(WITHDRAW_FROM_FORM, _s(Status.REPORTED), Status.WITHDRAWN, FORM_FILL, internal=True),
        # a resubmitted form: its changed answer is carried over to the open hazard
        Move(AMEND_FROM_FORM, OPEN_STATUSES, None, FORM_FILL, internal=True),
        # the school's facts comply again with the rule of the finding: offered for acceptance
        # (closing stays the department's decision)
        Move(
            OFFER_FROM_RULE,
            _s(Status.REPORTED, Status.ASSIGNED, Status.RECTIFYING),
            Status.SUBMITTED,
            STANDARDS_OFFER,
            internal=True,
        ),
    ],
    statuses=Status.values,
    action_label=action_label,
    stamp_field="status_changed_at",
    version_field="version",
    role_order=ROLE_ORDER,
)

__all__ = [
    "AMEND_FROM_FORM",
    "EVENT_ACTION",
    "FORM_FALLBACK_ROLES",
    "LIFECYCLE",
    "OFFER_FROM_RULE",
    "REOPENABLE",
    "ROLE_ORDER",
    "WITHDRAW_FROM_FORM",
]
