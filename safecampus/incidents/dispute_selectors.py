"""Reading disputes, scoped: the register with its filters, one dispute (its read of a restricted
case audited), the figures of the dashboards, and the disputes flagged for the centre around
sensitive periods. Pages, the API and the export read through these, never around them.

**Flagged**: an open dispute at high risk or at risk of group or level-skipping petitions
(群访、越级上访, 003 §3) in a bureau whose sensitive or holiday period (kept by the duty-watch app)
starts within ``IncidentSettings.sensitive_lead_days`` days or is under way. A period starting
exactly ``lead_days`` days after today counts; one day later does not.

Figures count restricted cases (``counted_for``) and show nothing else of them.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Q
from django.http import Http404
from django.utils import timezone

from safecampus.core.access import get_for

from . import restriction
from .choices import OPEN_DISPUTE, DisputeStatus, RiskLevel
from .models import Dispute, DisputeAccess, IncidentSettings
from .selectors import day_start

#: the kinds of watch periods around which pressing disputes are flagged
FLAG_PERIOD_KINDS = frozenset({"sensitive", "holiday"})


@dataclass
class DisputeFilters:
    bureau_id: int | None = None
    school_id: int | None = None
    #: a status, or "open" for every dispute not yet resolved
    status: str = ""
    risk: str = ""
    petition_risk: bool = False
    subject: str = ""
    flagged: bool = False
    q: str = ""


def _pressing_q() -> Q:
    return Q(petition_risk=True) | Q(risk=RiskLevel.HIGH)


def _filtered(qs, f: DisputeFilters):
    if f.bureau_id:
        qs = qs.filter(bureau_id=f.bureau_id)
    if f.school_id:
        qs = qs.filter(school_id=f.school_id)
    if f.status == "open":
        qs = qs.filter(status__in=OPEN_DISPUTE)
    elif f.status:
        qs = qs.filter(status=f.status)
    if f.risk:
        qs = qs.filter(risk=f.risk)
    if f.petition_risk:
        qs = qs.filter(petition_risk=True)
    if f.subject:
        qs = qs.filter(subject=f.subject)
    return qs


def disputes(user, filters: DisputeFilters | None = None, *, today: datetime.date | None = None):
    """The disputes ``user`` sees (restricted ones only where named), newest first. ``flagged``
    keeps the pressing open ones of bureaus in or near a sensitive period."""
    f = filters or DisputeFilters()
    qs = _filtered(Dispute.objects.visible_to(user).select_related("school", "department"), f)
    if f.q:
        qs = qs.filter(Q(title__icontains=f.q) | Q(school__name__icontains=f.q))
    if f.flagged:
        today = today or timezone.localdate()
        pressing = qs.filter(status__in=OPEN_DISPUTE).filter(_pressing_q())
        bureaus = sorted(set(pressing.values_list("bureau_id", flat=True).distinct()))
        qs = pressing.filter(bureau_id__in=sorted(sensitive_periods(bureaus, today)))
    return qs.order_by("-found_on", "-pk")


def dispute_get(user, pk, *, what: str = "page") -> Dispute:
    """One dispute for ``user`` (404 outside their scope). A restricted case's read is audited,
    and so is an attempt on one by someone not named on it."""
    try:
        dispute = get_for(
            user,
            Dispute.objects.select_related("school", "department", "registered_by", "incident"),
            pk,
        )
    except Http404:
        restriction.audit_denied(user, Dispute, pk, what=what)
        raise
    restriction.audit_read(user, dispute, what=what)
    return dispute


def timeline(dispute: Dispute) -> dict:
    """The events and the access list of one dispute, in a fixed number of reads."""
    events = list(dispute.events.select_related("actor").order_by("at", "pk"))
    return {
        "events": events,
        "mediation": [e for e in events if e.action == "mediate"],
        "named": list(
            DisputeAccess.objects.filter(dispute=dispute)
            .select_related("user")
            .order_by("granted_at", "pk")
        )
        if dispute.restricted
        else [],
    }


# --- sensitive periods ---------------------------------------------------------------------------


def _periods_around(*, bureau_ids, day, lead_days):
    """The watch periods around ``day`` ({bureau id: [periods with .name .kind .starts_on
    .ends_on]}); none while the duty-watch app is not installed."""
    try:
        from safecampus.watch.selectors import periods_around
    except ImportError:
        return {}
    return periods_around(bureau_ids=bureau_ids, day=day, lead_days=lead_days)


def _default_lead_days() -> int:
    return IncidentSettings._meta.get_field("sensitive_lead_days").default


def sensitive_periods(bureau_ids, today: datetime.date) -> dict[int, object]:
    """For each of ``bureau_ids`` in or near a sensitive or holiday period: that period (the
    soonest). A period counts from ``lead_days`` days before it starts until it ends."""
    ids = sorted({int(b) for b in bureau_ids})
    if not ids:
        return {}
    default = _default_lead_days()
    lead = dict.fromkeys(ids, default)
    lead.update(
        IncidentSettings.objects.filter(bureau_id__in=ids).values_list(
            "bureau_id", "sensitive_lead_days"
        )
    )
    found = _periods_around(bureau_ids=ids, day=today, lead_days=max(lead.values())) or {}
    out: dict[int, object] = {}
    for bureau_id, periods in found.items():
        if bureau_id not in lead:
            continue
        days = datetime.timedelta(days=lead[bureau_id])
        near = [
            p
            for p in periods
            if str(getattr(p, "kind", "")) in FLAG_PERIOD_KINDS
            and p.starts_on - days <= today <= p.ends_on
        ]
        if near:
            out[bureau_id] = min(near, key=lambda p: (p.starts_on, p.ends_on))
    return out


def mark_flagged(rows, today: datetime.date) -> list:
    """Set ``row.period`` on each dispute of ``rows`` that is flagged (else ``None``)."""
    rows = list(rows)
    pressing = {
        r.pk: r.bureau_id
        for r in rows
        if r.status in OPEN_DISPUTE and (r.petition_risk or r.risk == RiskLevel.HIGH)
    }
    periods = sensitive_periods(set(pressing.values()), today) if pressing else {}
    for row in rows:
        row.period = periods.get(row.bureau_id) if row.pk in pressing else None
    return rows


def flagged(user, today: datetime.date | None = None) -> list[Dispute]:
    """The open disputes ``user`` sees at high risk or at risk of petitions, in bureaus in or
    near a sensitive period, each with ``.period`` (the period that flags it), newest first."""
    today = today or timezone.localdate()
    rows = disputes(user, DisputeFilters(flagged=True), today=today)
    return mark_flagged(rows, today)


# --- figures -------------------------------------------------------------------------------------


def figures(user, *, bureau_id: int | None = None, now=None) -> dict:
    """The dashboards' dispute card, restricted cases counted (never shown): open, open by risk,
    open at risk of petitions, resolved this month, and how many of the open are restricted."""
    now = now or timezone.now()
    month_start = timezone.localtime(now).date().replace(day=1)
    qs = Dispute.objects.counted_for(user)
    if bureau_id:
        qs = qs.filter(bureau_id=bureau_id)
    is_open = Q(status__in=OPEN_DISPUTE)
    totals = qs.aggregate(
        open=Count("pk", filter=is_open),
        petition=Count("pk", filter=is_open & Q(petition_risk=True)),
        escalated=Count("pk", filter=Q(status=DisputeStatus.ESCALATED)),
        resolved_month=Count(
            "pk",
            filter=Q(status=DisputeStatus.RESOLVED, resolved_at__gte=day_start(month_start)),
        ),
        restricted=Count("pk", filter=is_open & Q(restricted=True)),
        **{f"risk_{r}": Count("pk", filter=is_open & Q(risk=r)) for r in RiskLevel.values},
    )
    labels = dict(RiskLevel.choices)
    return {
        "open": totals["open"],
        "petition": totals["petition"],
        "escalated": totals["escalated"],
        "resolved_month": totals["resolved_month"],
        "restricted": totals["restricted"],
        "month_start": month_start,
        "by_risk": [
            {"key": r, "label": str(labels[r]), "n": totals[f"risk_{r}"]}
            for r in reversed(RiskLevel.values)
        ],
    }


__all__ = [
    "DisputeFilters",
    "dispute_get",
    "disputes",
    "figures",
    "flagged",
    "mark_flagged",
    "sensitive_periods",
    "timeline",
]
