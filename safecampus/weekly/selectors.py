"""Reads of the weekly reports: a report's figures from the register, the campaigns with weekly
reports, a department's reports due and the centre's weeks × departments matrix.

Every read that reaches a user goes through ``visible_to``/``editable_by``; ``report_figures``
takes a campaign and a department the caller has already reached through its scope.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

from django.db.models import Count, Exists, Max, OuterRef, Prefetch, Q
from django.http import Http404
from django.utils import timezone

from safecampus.campaigns.choices import CampaignStatus
from safecampus.campaigns.models import Campaign, CampaignPhase
from safecampus.catalog.choices import HazardLevel
from safecampus.core.access import get_for, scope_for
from safecampus.hazards.choices import OPEN_STATUSES, Status
from safecampus.hazards.models import Hazard, overdue_q
from safecampus.orgs.models import Department

from . import access
from .choices import METRIC_KEYS, METRICS, WeekState
from .models import DistrictReport, ReportStatus, WeeklyReport
from .weeks import Week, departments_owing, report_weeks, week_of


def day_start(day: datetime.date) -> datetime.datetime:
    """Midnight at the start of ``day`` in the bureau's time zone (Asia/Shanghai)."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _counts(week: Week, as_of: datetime.date) -> dict:
    start, end = day_start(week.start), day_start(week.end + datetime.timedelta(days=1))
    return {
        "new": Count("pk", filter=Q(reported_at__gte=start, reported_at__lt=end)),
        "closed": Count(
            "pk", filter=Q(status=Status.CLOSED, closed_on__range=(week.start, week.end))
        ),
        "in_progress": Count("pk", filter=Q(status__in=OPEN_STATUSES - {Status.HARD})),
        "overdue": Count("pk", filter=overdue_q(as_of)),
        "hard": Count("pk", filter=Q(status=Status.HARD)),
        "resolved": Count("pk", filter=Q(status=Status.CLOSED)),
        "total": Count("pk"),
        "major": Count("pk", filter=Q(level=HazardLevel.MAJOR, status__in=OPEN_STATUSES)),
    }


def change(current: dict, previous: dict | None) -> dict | None:
    """Each figure's change against ``previous`` (None when there is nothing to compare)."""
    if previous is None:
        return None
    return {k: current.get(k, 0) - previous.get(k, 0) for k in METRIC_KEYS}


def _register(campaign, as_of: datetime.date):
    """The campaign's hazards (all of them in the campaign's bureau and the schools it covers) in
    the register as of ``as_of`` (end of that day), withdrawn ones left out."""
    return Hazard.objects.filter(
        campaign=campaign,
        reported_at__lt=day_start(as_of + datetime.timedelta(days=1)),
    ).exclude(status=Status.WITHDRAWN)


def _by_school(hazards, counts: dict) -> list[dict]:
    return [
        {"school_id": r["school_id"], "school": r["school__name"], **{k: r[k] for k in counts}}
        for r in hazards.values("school_id", "school__name")
        .annotate(**counts)
        .order_by("school__name", "school_id")
    ]


def _by_area(hazards, counts: dict) -> list[dict]:
    return [
        {"area_code": r["area_code"], "area": r["area_name"], **{k: r[k] for k in counts}}
        for r in hazards.values("area_code")
        .annotate(area_name=Max("area__name"), **counts)
        .order_by("area_code")
    ]


def register_figures(*, campaign, week: Week, as_of: datetime.date | None = None) -> dict:
    """The campaign's figures for ``week`` read from the register as of ``as_of``, over all the
    campaign's hazards of its bureau, whichever department holds them and whether or not it has
    reported: totals, by responsible department, by school, by risk area. The counts are those
    of a department's report (:func:`report_figures`), so a department's row here is what its
    own report would say. Four queries."""
    as_of = as_of or timezone.localdate()
    hazards = _register(campaign, as_of)
    counts = _counts(week, as_of)
    by_department = [
        {
            "department_id": r["responsible_department_id"],
            "department": r["responsible_department__name"] or "",
            **{k: r[k] for k in counts},
        }
        for r in hazards.values(
            "responsible_department_id",
            "responsible_department__name",
            "responsible_department__sort_order",
        )
        .annotate(**counts)
        .order_by("responsible_department__sort_order", "responsible_department__name")
    ]
    return {
        "as_of": as_of.isoformat(),
        "week_start": week.start.isoformat(),
        "week_end": week.end.isoformat(),
        "totals": hazards.aggregate(**counts),
        "by_department": by_department,
        "by_school": _by_school(hazards, counts),
        "by_area": _by_area(hazards, counts),
    }


def report_figures(*, campaign, department, week: Week, as_of: datetime.date | None = None) -> dict:
    """The figures of ``department``'s report on ``campaign`` for ``week``, read from the
    register as of ``as_of`` (today by default): totals, by school, by risk area, and the change
    since the department's previous submitted report. Four queries, whatever the register's
    size; JSON-serialisable, so that submission can freeze it."""
    as_of = as_of or timezone.localdate()
    hazards = _register(campaign, as_of).filter(responsible_department=department)
    counts = _counts(week, as_of)
    totals = hazards.aggregate(**counts)
    by_school, by_area = _by_school(hazards, counts), _by_area(hazards, counts)
    previous = (
        WeeklyReport.objects.filter(
            campaign=campaign,
            department=department,
            status=ReportStatus.SUBMITTED,
            week_start__lt=week.start,
        )
        .order_by("-week_start")
        .values("week_start", "figures")
        .first()
    )
    prev_totals = previous["figures"].get("totals") if previous else None
    return {
        "as_of": as_of.isoformat(),
        "week_start": week.start.isoformat(),
        "week_end": week.end.isoformat(),
        "totals": totals,
        "by_school": by_school,
        "by_area": by_area,
        "previous_week": previous["week_start"].isoformat() if previous else None,
        "change": change(totals, prev_totals),
    }


def figures_of(report: WeeklyReport) -> dict:
    """A submitted report's frozen figures; a draft's live ones."""
    if report.status == ReportStatus.SUBMITTED:
        return report.figures
    return report_figures(
        campaign=report.campaign, department=report.department, week=week_of_report(report)
    )


def week_of_report(report) -> Week:
    return Week(report.week_start, report.week_end, report.due_on)


# --- lists --------------------------------------------------------------------------------------


def _weekly_campaigns(campaigns):
    weekly = CampaignPhase.objects.filter(campaign=OuterRef("pk"), weekly_reports=True)
    return (
        campaigns.exclude(status=CampaignStatus.DRAFT)
        .filter(Exists(weekly))
        .prefetch_related(
            Prefetch("phases", queryset=CampaignPhase.objects.filter(weekly_reports=True))
        )
        .order_by("-year", "-id")
    )


def weekly_campaigns(*, user):
    """Launched (or closed) campaigns in scope that have a phase with weekly reports, newest
    first, with those phases prefetched for ``report_weeks``."""
    return _weekly_campaigns(Campaign.objects.visible_to(user))


def campaign_get(*, user, pk: int):
    """One campaign of :func:`weekly_campaigns` (404 outside the user's scope)."""
    return get_for(user, _weekly_campaigns(Campaign.objects.all()), pk)


class NoSuchWeek(Http404):
    """A date that does not start one of the campaign's report weeks (a 404)."""


_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def week_get(campaign, start: str) -> Week:
    """The campaign's report week starting on ``start`` (``YYYY-MM-DD`` only, as in a URL); 404
    for a text that is not such a date, ``NoSuchWeek`` (a 404) for a day that does not start one
    of its report weeks."""
    start = str(start)
    if not (start.isascii() and _DAY.fullmatch(start)):
        raise Http404  # not 20261116, nor an ISO week date (2026-W47-1)
    try:
        day = datetime.date.fromisoformat(start)
    except ValueError:
        raise Http404 from None
    week = week_of(campaign, day)
    if week is None:
        raise NoSuchWeek
    return week


def report_get(*, user, pk: int, action: str = "view") -> WeeklyReport:
    return get_for(
        user,
        WeeklyReport.objects.select_related("campaign", "department", "submitted_by"),
        pk,
        action,
    )


def district_get(*, user, pk: int) -> DistrictReport:
    return get_for(user, DistrictReport.objects.select_related("campaign", "compiled_by"), pk)


def own_department_get(*, user, pk) -> Department:
    """A department whose weekly reports the user writes (404 for any other)."""
    department = get_for(user, Department.objects.all(), pk or 0)
    if not access.files_for(scope_for(user), department.pk):
        raise Http404
    return department


def district_versions(*, user, district):
    return (
        DistrictReport.objects.visible_to(user)
        .filter(campaign_id=district.campaign_id, week_start=district.week_start)
        .order_by("-version")
        .only("pk", "version", "compiled_at")
    )


def week_state(report: WeeklyReport | None, week: Week, today: datetime.date) -> str:
    if report is not None and report.status == ReportStatus.SUBMITTED:
        return WeekState.LATE if report.late else WeekState.ON_TIME
    if today > week.due:
        return WeekState.MISSING
    if report is not None:
        return WeekState.DRAFT
    return WeekState.NOT_DUE


@dataclass
class DueReport:
    campaign: Campaign
    department: Department
    week: Week
    report: WeeklyReport | None
    state: str
    current: bool


def owing_pairs(campaigns, department_ids) -> set[tuple[int, int]]:
    """(campaign id, department id) for each of ``department_ids`` that owes reports on one of
    ``campaigns``: two queries for any number of campaigns (see ``weeks.departments_owing``)."""
    from safecampus.catalog.models import CheckItem

    campaigns = list(campaigns)
    if not campaigns or not department_ids:
        return set()
    by_version: dict[int, list[int]] = {}
    for c in campaigns:
        by_version.setdefault(c.catalog_version_id, []).append(c.pk)
    through = CheckItem.responsible_departments.through
    pairs: set[tuple[int, int]] = set()
    rows = (
        through.objects.filter(
            checkitem__version_id__in=by_version, department_id__in=department_ids
        )
        .values_list("checkitem__version_id", "department_id")
        .distinct()
    )
    for version_id, dept_id in rows:
        pairs.update((cid, dept_id) for cid in by_version[version_id])
    pairs.update(
        Hazard.objects.filter(
            campaign_id__in=[c.pk for c in campaigns], responsible_department_id__in=department_ids
        )
        .values_list("campaign_id", "responsible_department_id")
        .distinct()
    )
    return pairs


def due_reports(*, user, today: datetime.date | None = None, limit: int = 30) -> list[DueReport]:
    """A department officer's reports of running campaigns: the current week's first (whatever
    its state), then earlier weeks not yet submitted, newest first."""
    today = today or timezone.localdate()
    own = access.own_department_ids(scope_for(user))
    if not own:
        return []
    campaigns = list(weekly_campaigns(user=user).filter(status=CampaignStatus.LAUNCHED)[:20])
    pairs = owing_pairs(campaigns, own)
    if not pairs:
        return []
    departments = {
        d.pk: d for d in Department.objects.visible_to(user).filter(pk__in={d for _c, d in pairs})
    }
    reports = {
        (r.campaign_id, r.department_id, r.week_start): r
        for r in WeeklyReport.objects.editable_by(user).filter(
            campaign_id__in={c for c, _d in pairs}
        )
    }
    current, earlier = [], []
    for campaign in campaigns:
        for week in report_weeks(campaign):
            if week.start > today:
                continue
            for dept_id in sorted(d for c, d in pairs if c == campaign.pk):
                if dept_id not in departments:
                    continue
                report = reports.get((campaign.pk, dept_id, week.start))
                entry = DueReport(
                    campaign,
                    departments[dept_id],
                    week,
                    report,
                    week_state(report, week, today),
                    week.contains(today),
                )
                if entry.current:
                    current.append(entry)
                elif entry.state not in (WeekState.ON_TIME, WeekState.LATE):
                    earlier.append(entry)
    earlier.sort(key=lambda e: e.week.start, reverse=True)
    return (current + earlier)[:limit]


# --- the centre's matrix ------------------------------------------------------------------------


@dataclass
class MatrixRow:
    week: Week
    cells: list[tuple[Department, str, WeeklyReport | None]]
    counts: dict[str, int] = field(default_factory=dict)


def _visible_departments(user, campaign) -> list[Department]:
    """The departments owing reports on ``campaign`` whose row the user may see: all of them
    for the bureau's readers, only their own for a department officer."""
    scope = scope_for(user)
    owing = departments_owing(campaign).visible_to(user).order_by("sort_order", "name")
    if not access.reads_whole_bureau(scope, campaign.bureau_id):
        owing = owing.filter(pk__in=access.own_department_ids(scope))
    return list(owing)


def campaign_matrix(*, user, campaign, today: datetime.date | None = None) -> dict:
    """Weeks × departments: each department's report state per week as the user may know it
    (the centre does not see drafts: a draft counts as not submitted), with counts per week and
    per department. A fixed number of queries."""
    today = today or timezone.localdate()
    departments = _visible_departments(user, campaign)
    reports = {
        (r.department_id, r.week_start): r
        for r in WeeklyReport.objects.visible_to(user)
        .filter(campaign=campaign, department__in=departments)
        .only("pk", "department_id", "week_start", "status", "late", "submitted_at")
    }
    rows = []
    per_dept = {d.pk: 0 for d in departments}
    for week in report_weeks(campaign):
        cells = []
        counts = dict.fromkeys(WeekState.values, 0)
        for dept in departments:
            report = reports.get((dept.pk, week.start))
            state = week_state(report, week, today)
            counts[state] += 1
            if state in (WeekState.ON_TIME, WeekState.LATE):
                per_dept[dept.pk] += 1
            cells.append((dept, state, report))
        counts["submitted"] = counts[WeekState.ON_TIME] + counts[WeekState.LATE]
        rows.append(MatrixRow(week, cells, counts))
    return {
        "departments": departments,
        "rows": rows,
        "per_department": [per_dept[d.pk] for d in departments],
        "today": today,
    }


def week_reports(*, user, campaign, week: Week, today: datetime.date | None = None) -> list:
    """One week's row of the matrix as (department, state, report) triples."""
    matrix = campaign_matrix(user=user, campaign=campaign, today=today)
    return next((r.cells for r in matrix["rows"] if r.week.start == week.start), [])


def district_reports(*, user, campaign, week: Week):
    return (
        DistrictReport.objects.visible_to(user)
        .filter(campaign=campaign, week_start=week.start)
        .select_related("compiled_by")
        .order_by("-version")
    )


# --- the district report's page -----------------------------------------------------------------


def district_tables(figures: dict) -> dict:
    """What the district page shows of a compiled report's figures beside its tables by school
    and by risk area: ``register`` (each figure from the register beside the departments'
    reports summed and the change since last week) and ``by_department`` (the register per
    department beside its own report). None for a report compiled before the register was
    stated (no ``reported``), which shows its old tables as they were."""
    if "reported" not in figures:
        return {"register": None, "by_department": None}
    reported, chg = figures["reported_totals"], figures.get("change")
    register = [
        {
            "label": label,
            "register": figures["totals"].get(key, 0),
            "reported": reported.get(key, 0),
            "change": None if chg is None else chg.get(key),
        }
        for key, label in METRICS
    ]
    by_department = [
        {
            "department": row["department"],
            "submitted": row["submitted"],
            "cells": [
                (row.get(key, 0), (row["reported"] or {}).get(key) if row["submitted"] else None)
                for key in METRIC_KEYS
            ],
        }
        for row in figures["by_department"]
    ]
    return {"register": register, "by_department": by_department}
