"""The lifecycles of an accountability record and of a consultation, each in one table.

A record is opened (by hand, or by the system when a spot check finds a claim false), followed
up any number of times (the first follow-up moves it from open to being followed up) and closed
once; a closed record takes no further steps. A consultation is planned, then its decisions are
applied to its hazards, all at once and once.
"""

from __future__ import annotations

from safecampus.core.capabilities import (
    ACCOUNTABILITY_MANAGE,
    CONSULTATION_MANAGE,
    SUPERVISION_ROLE_ORDER,
)
from safecampus.core.lifecycle import Lifecycle, Move

from .access import APPLY, CLOSE, FOLLOW_UP
from .models import ConsultationStatus, RecordAction, RecordStatus

_RECORD_LABELS = {FOLLOW_UP: RecordAction.FOLLOW_UP.label, CLOSE: RecordAction.CLOSE.label}
_OPEN = frozenset({RecordStatus.OPEN, RecordStatus.FOLLOW_UP})

RECORDS = Lifecycle(
    [
        Move(FOLLOW_UP, _OPEN, {RecordStatus.OPEN: RecordStatus.FOLLOW_UP}, ACCOUNTABILITY_MANAGE),
        Move(CLOSE, _OPEN, RecordStatus.CLOSED, ACCOUNTABILITY_MANAGE, stamp="closed_at"),
    ],
    statuses=RecordStatus.values,
    action_label=lambda a: str(_RECORD_LABELS.get(a, a)),
    role_order=SUPERVISION_ROLE_ORDER,
)

CONSULTATIONS = Lifecycle(
    [
        Move(
            APPLY,
            frozenset({ConsultationStatus.PLANNED}),
            ConsultationStatus.DECIDED,
            CONSULTATION_MANAGE,
        )
    ],
    statuses=ConsultationStatus.values,
    action_label=lambda a: str(ConsultationStatus.DECIDED.label if a == APPLY else a),
    stamp_field="decided_at",
    role_order=SUPERVISION_ROLE_ORDER,
)
