"""The lifecycle of an occurrence, in one table.

An occurrence is due when its period is generated. The owner records it: within its window it
is done; in the grace days after, done late; for a duty asked N times per period, each record
before the last keeps it due. The owner may ask to be excused, with a reason; the overseeing
department (or the centre) accepts or refuses. The overseer may mark a done occurrence not
credible, which reopens it. A record is corrected only by a new record that supersedes it. The
system marks an occurrence missed when its window and grace have passed without a record.

Who may record is narrower than the roles of the table: only the owner (``access.record_roles``);
who may decide, the overseer (``access.oversee_roles``); services pass those roles.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from safecampus.core.capabilities import DUTY_OVERSEE, DUTY_RECORD, DUTY_ROLE_ORDER
from safecampus.core.lifecycle import Lifecycle, Move

from .choices import OccurrenceStatus as S

RECORD = "record"
RECORD_LATE = "record_late"
RECORD_PART = "record_part"
CORRECT = "correct"
ASK_EXCUSE = "ask_excuse"
ACCEPT_EXCUSE = "accept_excuse"
REFUSE_EXCUSE = "refuse_excuse"
NOT_CREDIBLE = "not_credible"
MISS = "miss"

LABELS = {
    RECORD: "Record as done",
    RECORD_LATE: "Record as done late",
    RECORD_PART: "Record one time",
    CORRECT: "Correct the record",
    ASK_EXCUSE: "Ask to be excused",
    ACCEPT_EXCUSE: "Accept the excuse",
    REFUSE_EXCUSE: "Refuse the excuse",
    NOT_CREDIBLE: "Mark not credible",
    MISS: "Missed",
}

DONE = frozenset({S.DONE, S.DONE_LATE})

OCCURRENCES = Lifecycle(
    [
        Move(RECORD, frozenset({S.DUE}), S.DONE, DUTY_RECORD),
        Move(RECORD_LATE, frozenset({S.DUE}), S.DONE_LATE, DUTY_RECORD),
        Move(RECORD_PART, frozenset({S.DUE}), None, DUTY_RECORD),
        Move(CORRECT, DONE, None, DUTY_RECORD),
        Move(ASK_EXCUSE, frozenset({S.DUE}), S.EXCUSE_REQUESTED, DUTY_RECORD),
        Move(ACCEPT_EXCUSE, frozenset({S.EXCUSE_REQUESTED}), S.EXCUSED, DUTY_OVERSEE),
        Move(REFUSE_EXCUSE, frozenset({S.EXCUSE_REQUESTED}), S.DUE, DUTY_OVERSEE),
        Move(NOT_CREDIBLE, DONE, S.DUE, DUTY_OVERSEE, stamp="reopened_at"),
        Move(MISS, frozenset({S.DUE}), S.MISSED, DUTY_OVERSEE, internal=True),
    ],
    statuses=S.values,
    action_label=lambda a: _(LABELS.get(a, a)),
    stamp_field="status_at",
    version_field="row_version",
    role_order=DUTY_ROLE_ORDER,
)
