"""Reading incidents, scoped: the list with its filters, one incident (its read of a restricted
case audited), its timeliness, the figures of the dashboards. Pages, the API, the exports and the
documents read through these, never around them.

Figures count restricted cases (``counted_for``) and show nothing else of them: their numbers
are never links to the cases, and the per-type and per-school breakdowns of the lists leave them
out unless the reader is named on them.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Q
from django.http import Http404
from django.utils import timezone

from safecampus.core.access import get_for

from . import restriction, timeliness
from .choices import SERIOUS, IncidentStatus, IncidentType, Severity
from .models import ClusterAlert, Incident, IncidentAccess, IncidentStep


@dataclass
class IncidentFilters:
    bureau_id: int | None = None
    school_id: int | None = None
    department_id: int | None = None
    status: str = ""
    incident_type: str = ""
    severity: str = ""
    #: "late": the first report was late; "on_time": it was not
    timeliness: str = ""
    serious: bool = False
    since: datetime.date | None = None
    until: datetime.date | None = None
    q: str = ""


def day_start(day: datetime.date) -> datetime.datetime:
    """Midnight at the start of ``day``, Asia/Shanghai (the site's time zone)."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


def _window(qs, since, until, field: str = "occurred_at"):
    """Days ``since``..``until`` (both included, Asia/Shanghai) as instant bounds, so that the
    ``(bureau, -occurred_at)`` indexes serve the range (``__date`` would wrap the column)."""
    if since:
        qs = qs.filter(**{f"{field}__gte": day_start(since)})
    if until:
        qs = qs.filter(**{f"{field}__lt": day_start(until + datetime.timedelta(days=1))})
    return qs


def _filtered(qs, f: IncidentFilters):
    if f.bureau_id:
        qs = qs.filter(bureau_id=f.bureau_id)
    if f.school_id:
        qs = qs.filter(school_id=f.school_id)
    if f.department_id:
        qs = qs.filter(department_id=f.department_id)
    if f.status:
        qs = qs.filter(status=f.status)
    if f.incident_type:
        qs = qs.filter(incident_type=f.incident_type)
    if f.severity:
        qs = qs.filter(severity=f.severity)
    if f.serious:
        qs = qs.filter(severity__in=SERIOUS)
    if f.timeliness == "late":
        qs = qs.filter(first_late=True)
    elif f.timeliness == "on_time":
        qs = qs.filter(first_late=False)
    return _window(qs, f.since, f.until)


def incidents(user, filters: IncidentFilters | None = None):
    """The incidents ``user`` sees (restricted ones only where named), newest first, with what a
    list row shows joined in. The text search looks at titles and places of those alone."""
    f = filters or IncidentFilters()
    qs = _filtered(Incident.objects.visible_to(user).select_related("school", "department"), f)
    if f.q:
        qs = qs.filter(
            Q(title__icontains=f.q) | Q(place__icontains=f.q) | Q(school__name__icontains=f.q)
        )
    return qs.order_by("-occurred_at", "-pk")


def incident_get(user, pk, *, what: str = "page") -> Incident:
    """One incident for ``user`` (404 outside their scope). A restricted case's read is audited,
    and so is an attempt on one by someone not named on it."""
    try:
        incident = get_for(
            user, Incident.objects.select_related("school", "department", "reported_by"), pk
        )
    except Http404:
        restriction.audit_denied(user, Incident, pk, what=what)
        raise
    restriction.audit_read(user, incident, what=what)
    return incident


def timeline(incident: Incident) -> dict:
    """The steps, events, files and access list of one incident, in a fixed number of reads."""
    return {
        "steps": list(incident.steps.select_related("actor").order_by("at", "pk")),
        "events": list(incident.events.select_related("actor").order_by("at", "pk")),
        "evidence": list(incident.evidence.order_by("uploaded_at", "pk")),
        "named": list(
            IncidentAccess.objects.filter(incident=incident)
            .select_related("user")
            .order_by("granted_at", "pk")
        )
        if incident.restricted
        else [],
    }


def timeliness_of(incident: Incident, steps=None, *, now=None) -> timeliness.Summary:
    now = now or timezone.now()
    steps = steps if steps is not None else list(incident.steps.all())
    cluster_due = (
        ClusterAlert.objects.filter(pk=incident.cluster_id).values_list("due_at", flat=True).first()
        if incident.cluster_id
        else None
    )
    return timeliness.summarise(incident, steps, now=now, cluster_due=cluster_due)


def missed_follow_ups(qs, *, now) -> dict[int, int]:
    """For the open incidents of ``qs`` that owe daily follow-ups: incident id → days missed.
    Two reads whatever the number of incidents."""
    rows = list(
        qs.filter(status=IncidentStatus.OPEN, limits__daily_follow_up_by__isnull=False)
        .exclude(limits__daily_follow_up_by=None)
        .only("pk", "reported_at", "closed_at", "limits", "known_at", "verbal_at")
    )
    if not rows:
        return {}
    filed: dict[int, list] = {}
    for incident_id, at in IncidentStep.objects.filter(
        incident_id__in=[r.pk for r in rows], kind__in=("follow_up", "final")
    ).values_list("incident_id", "at"):
        filed.setdefault(incident_id, []).append(at)
    out = {}
    for row in rows:
        windows = timeliness.follow_up_windows(
            reported_at=row.reported_at,
            closed_at=row.closed_at,
            limits=timeliness.Limits.from_dict(row.limits),
            filed=filed.get(row.pk, []),
            now=now,
        )
        missed = sum(1 for w in windows if w.state == "missed")
        if missed:
            out[row.pk] = missed
    return out


def figures(
    user,
    *,
    bureau_id: int | None = None,
    department_id: int | None = None,
    since: datetime.date | None = None,
    until: datetime.date | None = None,
    now=None,
) -> dict:
    """The incident figures: totals, open, serious, the first-report timeliness rate, by type
    and by grade, missed follow-ups — each counting what its list shows, so restricted cases are
    left out of them — and ``restricted``, the restricted cases of the same period, a count
    never shown as a link nor broken down."""
    now = now or timezone.now()
    qs = Incident.objects.counted_for(user)
    if bureau_id:
        qs = qs.filter(bureau_id=bureau_id)
    if department_id:
        qs = qs.filter(department_id=department_id)
    qs = _window(qs, since, until)
    restricted = qs.filter(restricted=True).count()
    qs = qs.filter(restricted=False)
    totals = qs.aggregate(
        total=Count("pk"),
        open=Count("pk", filter=Q(status=IncidentStatus.OPEN)),
        serious=Count("pk", filter=Q(severity__in=SERIOUS)),
        late=Count("pk", filter=Q(first_late=True)),
    )
    totals["restricted"] = restricted
    on_time = totals["total"] - totals["late"]
    type_labels = dict(IncidentType.choices)
    severity_labels = dict(Severity.choices)
    by_type = [
        {
            "key": r["incident_type"],
            "label": str(type_labels.get(r["incident_type"], "")),
            "n": r["n"],
        }
        for r in qs.values("incident_type").annotate(n=Count("pk")).order_by("-n", "incident_type")
    ]
    by_severity = {r["severity"]: r["n"] for r in qs.values("severity").annotate(n=Count("pk"))}
    return {
        **totals,
        "on_time": on_time,
        "rate": round(100.0 * on_time / totals["total"], 1) if totals["total"] else None,
        "by_type": by_type,
        "by_severity": [
            {"key": s, "label": str(severity_labels[s]), "n": by_severity.get(s, 0)}
            for s in Severity.values
        ],
        "missed_follow_ups": sum(missed_follow_ups(qs, now=now).values()),
    }


def open_clusters(user):
    """Cluster alerts not yet reported as an incident, oldest deadline first."""
    return (
        ClusterAlert.objects.visible_to(user)
        .filter(incident__isnull=True)
        .select_related("school")
        .order_by("due_at", "pk")
    )
