"""The lifecycles of a spot check and of its drawn items, each in one table.

A drawn item is pending until the person assigned (or the centre, or a leader) records its
result, once: confirmed as claimed, or not as claimed (which reopens the hazard and opens an
accountability record). Who may record a given item is narrower than the roles of the table: the
centre and the leaders of its bureau any item, anyone else only the items they are assigned
(``access.record_roles`` gives the roles a user holds for that).

A check is open while any item is pending; the system completes it when the last result is
recorded. Hazards are assigned while it is open.
"""

from __future__ import annotations

from safecampus.core.capabilities import (
    SPOT_CHECK_ORDER,
    SPOT_CHECK_RECORD,
    SUPERVISION_ROLE_ORDER,
)
from safecampus.core.lifecycle import Lifecycle, Move

from .models import EventAction, Result, SpotCheckStatus

CONFIRM = Result.CONFIRMED.value
NOT_AS_CLAIMED = Result.NOT_AS_CLAIMED.value
ASSIGN = "assign"
COMPLETE = "complete"

_ITEM_LABELS = {CONFIRM: Result.CONFIRMED.label, NOT_AS_CLAIMED: Result.NOT_AS_CLAIMED.label}
_CHECK_LABELS = {ASSIGN: EventAction.ASSIGN.label, COMPLETE: EventAction.COMPLETE.label}

#: the result of one drawn hazard: the action is the result recorded
ITEMS = Lifecycle(
    [
        Move(CONFIRM, frozenset({Result.PENDING}), Result.CONFIRMED, SPOT_CHECK_RECORD),
        Move(NOT_AS_CLAIMED, frozenset({Result.PENDING}), Result.NOT_AS_CLAIMED, SPOT_CHECK_RECORD),
    ],
    statuses=Result.values,
    action_label=lambda a: str(_ITEM_LABELS.get(a, a)),
    status_field="result",
    stamp_field="recorded_at",
    role_order=SUPERVISION_ROLE_ORDER,
)

#: a check: assigned while open, completed by the system with its last result
CHECKS = Lifecycle(
    [
        Move(ASSIGN, frozenset({SpotCheckStatus.OPEN}), None, SPOT_CHECK_ORDER),
        Move(
            COMPLETE,
            frozenset({SpotCheckStatus.OPEN}),
            SpotCheckStatus.DONE,
            SPOT_CHECK_RECORD,
            internal=True,
        ),
    ],
    statuses=SpotCheckStatus.values,
    action_label=lambda a: str(_CHECK_LABELS.get(a, a)),
    stamp_field="completed_at",
    role_order=SUPERVISION_ROLE_ORDER,
)
