"""Pages: the incident figures (突发事件统计) for the bureau roles (``INCIDENT_FIGURES_VIEW``).

Figures come from ``selectors.figures`` for one month (``?month=YYYY-MM``, this month by
default; incidents by when they occurred): total, open, serious, the first-report timeliness
rate, by type and by grade (charts drawn with the locally served ECharts), missed daily
follow-ups and the open cluster alerts. Restricted cases are counted (``counted_for``) and their
number is shown as a plain count, never a link. Every other number links to the incident list
with the query-string names of ``selectors.IncidentFilters`` (``since``, ``until``, ``status``,
``incident_type``, ``severity``, ``serious``, ``timeliness``), so that the list shows what is
counted — restricted cases only to those named on them, which is why the list may show fewer.
Missed follow-ups have no list filter of their own: the number links to the period's open
incidents, whose rows show their missed days.
"""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from safecampus.core.access import require
from safecampus.core.capabilities import INCIDENT_FIGURES_VIEW

from .. import dispute_selectors, selectors
from ..choices import OPEN_DISPUTE, RiskLevel
from ..models import Dispute


def list_url(**params) -> str:
    """The incident list filtered by ``params`` (``IncidentFilters`` names)."""
    query = {k: str(v) for k, v in params.items() if v not in (None, "", False)}
    return reverse("incidents:incident_list") + ("?" + urlencode(query) if query else "")


def month_bounds(raw: str, today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The first and last day of ``raw`` (YYYY-MM; this month when blank). 404 on nonsense."""
    if raw:
        try:
            first = datetime.date.fromisoformat(f"{raw}-01")
        except ValueError:
            raise Http404 from None
    else:
        first = today.replace(day=1)
    following = (first + datetime.timedelta(days=32)).replace(day=1)
    return first, following - datetime.timedelta(days=1)


def overview_figures(user, *, since, until, now) -> dict:
    f = selectors.figures(user, since=since, until=until, now=now)
    period = {"since": since.isoformat(), "until": until.isoformat()}
    tiles = [
        {"key": "total", "n": f["total"], "url": list_url(**period)},
        {"key": "open", "n": f["open"], "url": list_url(**period, status="open")},
        {"key": "serious", "n": f["serious"], "url": list_url(**period, serious=1)},
        {"key": "late", "n": f["late"], "url": list_url(**period, timeliness="late")},
        {"key": "on_time", "n": f["on_time"], "url": list_url(**period, timeliness="on_time")},
        {
            "key": "missed_follow_ups",
            "n": f["missed_follow_ups"],
            "url": list_url(**period, status="open"),
        },
    ]
    # restricted cases (bullying and abuse always) are left out of these: counted apart
    by_type = [{**r, "url": list_url(**period, incident_type=r["key"])} for r in f["by_type"]]
    by_severity = [{**r, "url": list_url(**period, severity=r["key"])} for r in f["by_severity"]]
    clusters = selectors.open_clusters(user).count()
    return {
        "tiles": {t["key"]: t for t in tiles},
        "rate": f["rate"],
        "restricted": f["restricted"],
        "by_type": by_type,
        "by_severity": by_severity,
        "clusters": {"n": clusters, "url": reverse("incidents:cluster_list")},
        "disputes": dispute_figures(user, now=now),
        "summary_url": reverse("incidents:monthly_summary") + f"?month={since:%Y-%m}",
        "chart": {
            "types": [{"label": r["label"], "n": r["n"], "url": r["url"]} for r in by_type],
            "grades": [{"label": r["label"], "n": r["n"], "url": r["url"]} for r in by_severity],
        },
    }


def dispute_figures(user, *, now) -> dict:
    """The disputes as their list shows them (restricted ones apart, a count): open by risk, at
    risk of petitions, flagged for a sensitive period, resolved this month."""
    f = dispute_selectors.figures(user, now=now)
    base = reverse("incidents:dispute_list")

    def url(**params) -> str:
        return base + "?" + urlencode({"status": "open", **params})

    listed = Dispute.objects.visible_to(user).filter(restricted=False)
    counts = listed.filter(status__in=OPEN_DISPUTE).aggregate(
        open=Count("pk"),
        petition=Count("pk", filter=Q(petition_risk=True)),
        **{f"risk_{r}": Count("pk", filter=Q(risk=r)) for r in RiskLevel.values},
    )
    flagged = (
        dispute_selectors.disputes(
            user, dispute_selectors.DisputeFilters(flagged=True), today=timezone.localdate(now)
        )
        .filter(restricted=False)
        .count()
    )
    return {
        "open": {"n": counts["open"], "url": url()},
        "petition": {"n": counts["petition"], "url": url(petition_risk="on")},
        "flagged": {"n": flagged, "url": url(flagged="on")},
        "by_risk": [
            {"key": r, "label": label, "n": counts[f"risk_{r}"], "url": url(risk=r)}
            for r, label in reversed(RiskLevel.choices)
        ],
        "restricted": f["restricted"],
    }


@login_required
@require_GET
def overview(request):
    require(request.user, INCIDENT_FIGURES_VIEW)
    now = timezone.now()
    today = timezone.localdate(now)
    since, until = month_bounds(request.GET.get("month", ""), today)
    data = overview_figures(request.user, since=since, until=until, now=now)
    return render(
        request,
        "incidents/overview.html",
        {**data, "month": f"{since:%Y-%m}", "since": since, "until": until},
    )


urlpatterns = [
    path("overview/", overview, name="overview"),
]
