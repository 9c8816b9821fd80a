"""The words the dispute register shows for its codes (the choices' own labels, each with its
translation context in ``choices``), and the helpers that put them on a dispute for a page."""

from __future__ import annotations

from .choices import (
    DisputeAction,
    DisputeSource,
    DisputeStatus,
    DisputeSubject,
    MediationKind,
    MediationOutcome,
    PartyRole,
    RiskLevel,
)

PARTY = dict(PartyRole.choices)
SUBJECT = dict(DisputeSubject.choices)
RISK = dict(RiskLevel.choices)
SOURCE = dict(DisputeSource.choices)
STATUS = dict(DisputeStatus.choices)
ACTION = dict(DisputeAction.choices)
ROUTE = dict(MediationKind.choices)
OUTCOME = dict(MediationOutcome.choices)


def choices(table: dict) -> list[tuple[str, object]]:
    return [(str(k), v) for k, v in table.items()]


def label(table: dict, value) -> str:
    return str(table.get(value, value or ""))


def dress(dispute) -> None:
    """Set the labels a page shows on ``dispute`` (``subject_label``, ``risk_label``…)."""
    dispute.subject_label = label(SUBJECT, dispute.subject)
    dispute.risk_label = label(RISK, dispute.risk)
    dispute.source_label = label(SOURCE, dispute.source)
    dispute.status_label = label(STATUS, dispute.status)
    dispute.party_list = [
        {"label": label(PARTY, p.get("role")), "count": p.get("count")}
        for p in dispute.parties or []
    ]
