"""The outbox's lifecycle table: every move of an outgoing message. The worker's moves are
``internal`` (taken by the system, never offered as a button); a person who keeps the robot (or
the bureau's centre) sends a failed or uncertain message again, or cancels one not yet sent."""

from __future__ import annotations

from safecampus.core.capabilities import MESSAGING_KEEP
from safecampus.core.lifecycle import Lifecycle, Move

from .choices import Action, Status

P, S, OK, F, U, C = (
    Status.PENDING,
    Status.SENDING,
    Status.SENT,
    Status.FAILED,
    Status.UNCERTAIN,
    Status.CANCELLED,
)
KEEPERS = MESSAGING_KEEP


def _label(action: str) -> str:
    return str(Action(action).label)


MESSAGES = Lifecycle(
    [
        Move(Action.CLAIM, frozenset({P}), S, KEEPERS, internal=True),
        Move(Action.DELIVER, frozenset({S}), OK, KEEPERS, internal=True),
        Move(Action.PART, frozenset({S}), P, KEEPERS, internal=True),
        Move(Action.RETRY, frozenset({S}), P, KEEPERS, internal=True),
        Move(Action.FAIL, frozenset({S}), F, KEEPERS, internal=True),
        Move(Action.RELEASE, frozenset({S}), P, KEEPERS, internal=True),
        Move(Action.LOSE, frozenset({S}), U, KEEPERS, internal=True),
        Move(Action.RESEND, frozenset({F, U}), P, KEEPERS),
        Move(Action.CANCEL, frozenset({P, F, U}), C, KEEPERS),
        Move(Action.WITHDRAW, frozenset({P, S, F, U}), C, KEEPERS, internal=True),
    ],
    statuses=[s.value for s in Status],
    action_label=_label,
    version_field="version",
)
