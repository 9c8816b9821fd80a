"""The words the dispute register shows for its codes, each with its own translation context
("dispute risk", "mediation route"…) so that they never clash with the same English word
elsewhere. The API keeps the codes; the pages, forms and the export show these."""

from __future__ import annotations

from django.utils.translation import pgettext_lazy

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

PARTY = {
    PartyRole.SCHOOL: pgettext_lazy("dispute party", "School"),
    PartyRole.STAFF: pgettext_lazy("dispute party", "Staff"),
    PartyRole.PARENT: pgettext_lazy("dispute party", "Parent"),
    PartyRole.STUDENT: pgettext_lazy("dispute party", "Student"),
    PartyRole.OTHER: pgettext_lazy("dispute party", "Other"),
}
SUBJECT = {
    DisputeSubject.INJURY: pgettext_lazy("dispute subject", "Injury or accident"),
    DisputeSubject.DISCIPLINE: pgettext_lazy("dispute subject", "Discipline and teaching"),
    DisputeSubject.FEES: pgettext_lazy("dispute subject", "Fees and money"),
    DisputeSubject.LABOUR: pgettext_lazy("dispute subject", "Staff employment"),
    DisputeSubject.ADMISSION: pgettext_lazy("dispute subject", "Admission and enrolment"),
    DisputeSubject.BULLYING: pgettext_lazy("dispute subject", "Bullying"),
    DisputeSubject.NEIGHBOURHOOD: pgettext_lazy("dispute subject", "Neighbourhood"),
    DisputeSubject.OTHER: pgettext_lazy("dispute subject", "Other"),
}
RISK = {
    RiskLevel.LOW: pgettext_lazy("dispute risk", "Low"),
    RiskLevel.MEDIUM: pgettext_lazy("dispute risk", "Medium"),
    RiskLevel.HIGH: pgettext_lazy("dispute risk", "High"),
}
SOURCE = {
    DisputeSource.SCREENING: pgettext_lazy("dispute source", "Monthly screening"),
    DisputeSource.REPORT: pgettext_lazy("dispute source", "Reported"),
    DisputeSource.PETITION: pgettext_lazy("dispute source", "Letter or visit (信访)"),
    DisputeSource.INCIDENT: pgettext_lazy("dispute source", "Arising from an incident"),
}
STATUS = {
    DisputeStatus.OPEN: pgettext_lazy("dispute status", "Registered"),
    DisputeStatus.MEDIATING: pgettext_lazy("dispute status", "Being mediated"),
    DisputeStatus.ESCALATED: pgettext_lazy("dispute status", "Escalated"),
    DisputeStatus.RESOLVED: pgettext_lazy("dispute status", "Resolved"),
}
ACTION = {
    DisputeAction.REGISTER: pgettext_lazy("dispute action", "Register"),
    DisputeAction.MEDIATE: pgettext_lazy("dispute action", "Record a mediation step"),
    DisputeAction.ESCALATE: pgettext_lazy("dispute action", "Escalate"),
    DisputeAction.RESOLVE: pgettext_lazy("dispute action", "Record the resolution"),
    DisputeAction.REOPEN: pgettext_lazy("dispute action", "Reopen"),
    DisputeAction.ASSESS: pgettext_lazy("dispute action", "Assess the risk again"),
    DisputeAction.COMMENT: pgettext_lazy("dispute action", "Comment"),
    DisputeAction.RESTRICT: pgettext_lazy("dispute action", "Restrict the case"),
    DisputeAction.GRANT: pgettext_lazy("dispute action", "Name a person on the case"),
    DisputeAction.REVOKE: pgettext_lazy("dispute action", "Remove a person from the case"),
}
ROUTE = {
    MediationKind.PEOPLES: pgettext_lazy("mediation route", "People's mediation (人民调解)"),
    MediationKind.ADMINISTRATIVE: pgettext_lazy("mediation route", "Administrative mediation"),
    MediationKind.ARBITRATION: pgettext_lazy("mediation route", "Arbitration"),
    MediationKind.COURT: pgettext_lazy("mediation route", "Court"),
}
OUTCOME = {
    MediationOutcome.STARTED: pgettext_lazy("mediation outcome", "Started"),
    MediationOutcome.SESSION: pgettext_lazy("mediation outcome", "Session held"),
    MediationOutcome.AGREED: pgettext_lazy("mediation outcome", "Agreement reached"),
    MediationOutcome.FAILED: pgettext_lazy("mediation outcome", "Failed"),
    MediationOutcome.JUDGED: pgettext_lazy("mediation outcome", "Decided (award or judgement)"),
}


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
