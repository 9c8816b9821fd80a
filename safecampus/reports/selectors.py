"""The bureau dashboard (领导驾驶舱 / 统计分析) of the centre, the leadership group, inspectors and
departments: every figure counted in the database from the register as the user may see it.

Everything starts from ``Hazard.objects.visible_to(user)``, the register's own scope, narrowed by
the dashboard's filters (campaign, period of ``found_on``, bureau, school type, department).

A department's dashboard (a department officer's) counts the hazards the department is
responsible for (``department``), as its waiting panel does: the officer also sees the hazards
the department cooperates on, and counting those in the charts but not in the tiles gave two
figures named 待验收 or 逾期 that disagreed. Each figure
carries the URL of the register filtered to exactly the hazards it counts, so a number on the
dashboard and the count of the page it links to can never disagree.

Definitions
    campaign filter  one campaign, or "current" (当前专项行动): every campaign launched and not
                  closed (``hazards.filtersets.current_campaign_q``), or none: every hazard
    open          status in OPEN_STATUSES (reported, assigned, rectifying, submitted, hard)
    confirmed     status in assigned, rectifying, submitted, hard, closed
    rectification rate  closed ÷ confirmed; None (shown "—") when nothing is confirmed
    on-time rate  closed with closed_on ≤ deadline (or without a deadline) ÷ closed; None when
                  nothing is closed
    overdue       open with deadline < today (``hazards.models.overdue_q``; today in
                  Asia/Shanghai); days overdue = today − deadline, in buckets 1–7, 8–30, >30
    worst schools / departments   the 10 with the most overdue hazards
    by bureau     open and overdue per bureau (shown when the figures span several); a
                  department is then named with its bureau
    major         open and of level major;  hard   status hard
    campaign      the filter's campaign, or else the latest launched campaign the user sees:
                  its forms (scoped, school type filter applied), submitted (submitted or
                  accepted), submission rate, late forms (``InspectionForm.objects.late``)
    trend         each of the last 12 weeks (Monday to Sunday, Asia/Shanghai): new = reported
                  that week (local date of ``reported_at``), closed = ``closed_on`` that week
    league        per school: open, overdue, closed and the average days from found to closed
    spot checks   hazards of the dashboard drawn in a spot check, by the result of the draw (a
                  hazard drawn twice counts under each result it got)
    accountability  the records the user sees (``AccountabilityRecord.objects.visible_to``), by
                  measure and status; not narrowed by the dashboard's filters (the record list
                  has none of them)
    duties        duty compliance (``duties.selectors.compliance_figures``: the summary for a
                  bureau-wide scope, refreshed every 30 minutes, else counted live) of the
                  occurrences the user sees (``Occurrence.objects.visible_to``) narrowed by the
                  bureau, school type and department (oversees or owes: always live) filters,
                  for the current month and the current school year (1 September – 31 August):
                  owed, done (on time or late), missed and the rate; each number links to
                  ``duties:occurrence_list`` with the same filters, the period's dates and the
                  status; not narrowed by the campaign or the period of ``found_on`` (they are
                  hazards' filters)
    standards     人防物防技防 (``standards.selectors.dashboard_figures``): the "4个100%" of the
                  bureaus whose cards the user reads, from the standards tally (narrowed by the
                  bureau and school type filters), and the schools with open findings and the
                  open findings not yet hazards among the findings the user sees (narrowed by
                  the bureau, school type and department filters); each links to exactly its
                  schools or findings; None for a role that does not see compliance figures
    zones         学生安全区域 (``zones.selectors.figures``): the zone cases the user sees (narrowed
                  by the bureau and department filters; not by the school type or the campaign,
                  which the case list has not): open, overdue and the venues in zones
                  by type (of the open cases); each links to the case list filtered alike; None
                  for a role that does not see zone figures
    incidents     突发事件 (``Incident.objects.counted_for``: restricted cases counted, never shown;
                  the counts depend on the scope's fingerprint only, as snapshots need), narrowed
                  by the bureau and department filters (not by the school type or the campaign,
                  which the incident list has not): open, serious (grade III and above) open, this
                  month's first reports on time ÷ this month's incidents (by when they occurred),
                  and the open cluster alerts the user sees; each number links to the incident
                  list (or the cluster alerts) filtered alike, except the count of open restricted
                  cases, shown as a plain number; None for a role that does not see incident
                  figures
    messaging     消息推送 (``messaging.figures``), the centre's only: the robots of the bureaus it
                  keeps that fail (the service refused or blocked them last; the first five
                  named with their last error), the messages waiting, and those failed or of
                  unknown outcome queued in the last 7 days; each links to the robot list or
                  the outbox filtered alike; narrowed by the bureau filter only; None for
                  other roles
    map           schools in scope (bureau and type filters) with coordinates (their first
                  gate), coloured by the worst risk colour among their open hazards; the page
                  loads the points separately (``map_points``)
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import (
    Avg,
    Case,
    Count,
    Exists,
    F,
    FloatField,
    Func,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from safecampus.accountability.models import AccountabilityRecord, RecordKind, RecordStatus
from safecampus.campaigns.choices import CampaignStatus
from safecampus.campaigns.models import Campaign
from safecampus.catalog.choices import HazardLevel
from safecampus.hazards.choices import OPEN_STATUSES, RiskColour, Status
from safecampus.hazards.filtersets import (
    CONFIRMED_STATUSES,
    CURRENT_CAMPAIGNS,
    current_campaign_q,
    on_time_q,
    overdue_days_q,
)
from safecampus.hazards.models import Hazard, overdue_q
from safecampus.inspections.choices import FormStatus
from safecampus.inspections.models import InspectionForm
from safecampus.orgs.choices import SchoolStage
from safecampus.orgs.models import School, SchoolGate
from safecampus.spotchecks.models import Result as SpotCheckResult
from safecampus.spotchecks.models import SpotCheckItem

#: rows in each top list (worst schools, worst departments, league tables, majors)
TOP = 10
#: departments shown on the page and its charts (a province has thousands; the workbook has all)
TOP_DEPARTMENTS = 20
#: weeks in the trend
WEEKS = 12
#: (label, low, high) of the days-overdue buckets; None = no bound
BUCKETS = (("1_7", 1, 7), ("8_30", 8, 30), ("31_", 31, None))
#: risk colours from worst to mildest; their rank is their position (5 = no colour)
COLOUR_ORDER = (RiskColour.RED, RiskColour.ORANGE, RiskColour.YELLOW, RiskColour.BLUE)
UNGRADED_RANK = len(COLOUR_ORDER) + 1
#: submitted forms for the submission rate
SUBMITTED_FORMS = (FormStatus.SUBMITTED, FormStatus.ACCEPTED)


@dataclass(frozen=True)
class Filters:
    """The dashboard's filters, already checked against the user's scope."""

    campaign: Campaign | None = None
    #: the current campaigns (launched, not closed) rather than one
    current: bool = False
    found_from: datetime.date | None = None
    found_to: datetime.date | None = None
    bureau_id: int | None = None
    stage: str = ""
    #: a department's dashboard: the hazards this department is responsible for
    department_id: int | None = None

    def register_params(self) -> dict[str, str]:
        """The same filters as register parameters."""
        params = {}
        if self.campaign is not None:
            params["campaign"] = str(self.campaign.pk)
        elif self.current:
            params["campaign"] = CURRENT_CAMPAIGNS
        if self.found_from:
            params["found_from"] = self.found_from.isoformat()
        if self.found_to:
            params["found_to"] = self.found_to.isoformat()
        if self.bureau_id:
            params["bureau"] = str(self.bureau_id)
        if self.stage:
            params["stage"] = self.stage
        if self.department_id:
            params["department"] = str(self.department_id)
        return params

    def hazard_q(self) -> Q:
        q = Q()
        if self.campaign is not None:
            q &= Q(campaign_id=self.campaign.pk)
        elif self.current:
            q &= current_campaign_q()
        if self.found_from:
            q &= Q(found_on__gte=self.found_from)
        if self.found_to:
            q &= Q(found_on__lte=self.found_to)
        if self.bureau_id:
            q &= Q(bureau_id=self.bureau_id)
        if self.stage:
            q &= Q(school__stage=self.stage)
        if self.department_id:
            q &= Q(responsible_department_id=self.department_id)
        return q


def register_url(base: dict[str, str], **params) -> str:
    """The register filtered by the dashboard's filters plus ``params``."""
    query = {**base, **{k: str(v) for k, v in params.items() if v is not None}}
    return reverse("hazards:hazard_list") + ("?" + urlencode(query) if query else "")


def rate(part: int, whole: int) -> float | None:
    """``part`` ÷ ``whole`` as a percentage with one decimal; None when ``whole`` is 0."""
    return round(100 * part / whole, 1) if whole else None


def week_start(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def scoped_hazards(*, user, filters: Filters) -> QuerySet[Hazard]:
    """The register as ``user`` sees it, narrowed by the dashboard filters, unordered."""
    return Hazard.objects.visible_to(user).filter(filters.hazard_q()).order_by()


def dashboard(*, user, filters: Filters, campaigns: list | None = None, progress=None) -> dict:
    """Every figure of the bureau dashboard for ``user``, as plain values (numbers, strings,
    dates, lists and dicts), so that it can be kept as a snapshot (``snapshots``).

    ``campaigns``: the launched or closed campaigns the user sees, newest first, if the caller
    already has them (the filter form does); otherwise they are read here. ``progress(done,
    total)`` is called after each group of figures.
    """
    today = timezone.localdate()
    hz = scoped_hazards(user=user, filters=filters)
    base = filters.register_params()
    data = {"today": today, "base_url": register_url(base)}
    steps = [
        lambda: data.update(_totals(hz, base, today)),
        lambda: data.update(_breakdowns(hz, base, today)),
        lambda: data.update(majors=_majors(hz)),
        lambda: data.update(
            campaign=_campaign(user=user, filters=filters, campaigns=campaigns, today=today)
        ),
        lambda: data.update(trend=_trend(hz, base, today)),
        lambda: data.update(league=_league(hz, base, today)),
        lambda: data.update(spot_checks=_spot_checks(hz, base)),
        lambda: data.update(accountability=_accountability(user)),
        lambda: data.update(duties=_duties(user, filters, today)),
        lambda: data.update(standards=_standards(user, filters)),
        lambda: data.update(zones=_zones(user, filters)),
        lambda: data.update(incidents=_incidents(user, filters, today)),
        lambda: data.update(messaging=_messaging(user, filters)),
        lambda: data.update(map=_map(user=user, filters=filters)),
    ]
    for done, step in enumerate(steps, start=1):
        step()
        if progress is not None:
            progress(done, len(steps))
    data["worst_schools"] = [r for r in data["league"]["overdue"] if r["overdue"]]
    return data


# --- totals, rates, statuses and overdue buckets: one query grouped by status -------------------


def _totals(hz, base: dict, today: datetime.date) -> dict:
    buckets = {
        f"b{key}": Count("pk", filter=overdue_days_q(today, low, high))
        for key, low, high in BUCKETS
    }
    rows = {
        r["status"]: r
        for r in hz.values("status").annotate(
            n=Count("pk"),
            major=Count("pk", filter=Q(level=HazardLevel.MAJOR)),
            on_time=Count("pk", filter=on_time_q()),
            **buckets,
        )
    }

    def total(key: str, statuses) -> int:
        return sum(r[key] for s, r in rows.items() if s in statuses)

    all_statuses = set(Status.values)
    closed = total("n", {Status.CLOSED})
    confirmed = total("n", CONFIRMED_STATUSES)
    on_time = total("on_time", {Status.CLOSED})
    bucket_rows = []
    for key, low, high in BUCKETS:
        label = f"{low}–{high}" if high else f"> {low - 1}"
        bucket_rows.append(
            {
                "key": key,
                "label": _("%(range)s days") % {"range": label},
                "n": total(f"b{key}", OPEN_STATUSES),
                "url": register_url(base, overdue_min=low, overdue_max=high),
            }
        )
    figures = {
        "total": (total("n", all_statuses), {}),
        "open": (total("n", OPEN_STATUSES), {"open": "true"}),
        "confirmed": (confirmed, {"confirmed": "true"}),
        "closed": (closed, {"status": Status.CLOSED}),
        "on_time": (on_time, {"on_time": "true"}),
        "overdue": (sum(b["n"] for b in bucket_rows), {"overdue": "true"}),
        "major": (total("major", OPEN_STATUSES), {"open": "true", "level": HazardLevel.MAJOR}),
        "hard": (total("n", {Status.HARD}), {"status": Status.HARD}),
        "reported": (total("n", {Status.REPORTED}), {"status": Status.REPORTED}),
    }
    by_status = [
        {
            "key": s,
            "label": str(Status(s).label),
            "n": rows.get(s, {}).get("n", 0),
            "url": register_url(base, status=s),
        }
        for s in Status.values
        if s in OPEN_STATUSES
    ]
    return {
        "totals": {k: {"n": n, "url": register_url(base, **p)} for k, (n, p) in figures.items()},
        "rates": {
            "rectification": rate(closed, confirmed),
            "on_time": rate(on_time, closed),
        },
        "overdue_buckets": bucket_rows,
        "by_status": by_status,
    }


# --- breakdowns of the open hazards -------------------------------------------------------------


def _open(hz):
    return hz.filter(status__in=OPEN_STATUSES)


def _breakdowns(hz, base: dict, today: datetime.date) -> dict[str, list[dict]]:
    """The open hazards by risk area, department, school type, risk colour and bureau, and the
    overdue ones by department and bureau: one grouped query per dimension, so each returns at
    most as many rows as that dimension has values (a single query grouped by all of them
    returned 100,000 groups for a province)."""
    opened = _open(hz)
    areas = list(
        opened.annotate(g=IndexFree("area_code"))
        .values("g")
        .annotate(n=Count("pk"), name=Max("area__name"))
        .order_by()
    )
    departments = list(
        opened.annotate(g=IndexFree("responsible_department_id"))
        .values("g")
        .annotate(
            n=Count("pk"),
            overdue=Count("pk", filter=overdue_q(today)),
            name=Max("responsible_department__name"),
            bureau_name=Max("responsible_department__bureau__name"),
        )
        .order_by()
    )
    for r in areas:
        r["area_code"] = r.pop("g")
    for r in departments:
        r["responsible_department_id"] = r.pop("g")
    bureaus = list(
        opened.values("bureau_id")
        .annotate(
            n=Count("pk"), overdue=Count("pk", filter=overdue_q(today)), name=Max("bureau__name")
        )
        .order_by()
    )
    if len(bureaus) > 1:
        # every district has its 普教一科: name the bureau too
        for r in departments:
            if r["name"]:
                r["name"] = f"{r['name']}（{r['bureau_name']}）"
    stages = list(opened.values("school__stage").annotate(n=Count("pk")).order_by())
    colours = dict(
        opened.annotate(g=IndexFree("risk_colour"))
        .values("g")
        .annotate(n=Count("pk"))
        .values_list("g", "n")
        .order_by()
    )
    stage_labels = dict(SchoolStage.choices)

    def dept_rows(measure: str, **params) -> list[dict]:
        rows = [
            _department_row(r["responsible_department_id"], r["name"], r[measure], base, **params)
            for r in departments
            if r[measure]
        ]
        return sorted(rows, key=lambda r: (-r["n"], r["label"]))

    by_colour = [
        {
            "key": c,
            "label": str(RiskColour(c).label),
            "n": colours.get(c, 0),
            "url": register_url(base, open="true", colour=c),
        }
        for c in COLOUR_ORDER
    ]
    if colours.get(""):
        by_colour.append(
            {
                "key": "none",
                "label": _("Not graded"),
                "n": colours[""],
                "url": register_url(base, open="true", graded="false"),
            }
        )
    return {
        "by_area": [
            {
                "key": r["area_code"],
                "label": f"{r['area_code']} {r['name']}",
                "n": r["n"],
                "url": register_url(base, open="true", area=r["area_code"]),
            }
            for r in sorted(areas, key=lambda r: (-r["n"], r["area_code"]))
        ],
        "by_department": dept_rows("n", open="true"),
        "by_bureau": sorted(
            (
                {
                    "key": r["bureau_id"],
                    "label": r["name"],
                    "n": r["n"],
                    "overdue": r["overdue"],
                    "url": register_url({**base, "bureau": r["bureau_id"]}, open="true"),
                    "overdue_url": register_url({**base, "bureau": r["bureau_id"]}, overdue="true"),
                }
                for r in bureaus
            ),
            key=lambda r: (-r["n"], r["label"]),
        ),
        "by_stage": [
            {
                "key": r["school__stage"],
                "label": str(stage_labels.get(r["school__stage"], r["school__stage"])),
                "n": r["n"],
                "url": register_url(base, open="true", stage=r["school__stage"]),
            }
            for r in sorted(stages, key=lambda r: (-r["n"], r["school__stage"]))
        ],
        "by_colour": by_colour,
        "worst_departments": dept_rows("overdue", overdue="true")[:TOP],
    }


def _department_row(dept: int | None, name: str | None, n: int, base: dict, **params) -> dict:
    where = {"department": dept} if dept else {"unassigned": "true"}
    return {
        "key": dept or 0,
        "label": name or _("No responsible department"),
        "n": n,
        "url": register_url(base, **params, **where),
    }


def _majors(hz) -> list[dict]:
    """Open major hazards and hard ones, nearest deadline first (no deadline last). The ten
    ids are chosen first (from the index alone where one covers the scope), then only those
    rows are read with their school and department."""
    chosen = hz.filter(
        Q(status__in=OPEN_STATUSES, level=HazardLevel.MAJOR) | Q(status=Status.HARD)
    ).order_by(F("deadline").asc(nulls_last=True), "id")
    ids = list(chosen.values_list("pk", flat=True)[:TOP])
    if not ids:
        return []
    rows = (
        Hazard.objects.filter(pk__in=ids)
        .select_related("school", "responsible_department")
        .only(
            "code",
            "status",
            "deadline",
            "supervised",
            "school__name",
            "responsible_department__name",
        )
    )
    by_id = {h.pk: h for h in rows}
    return [
        {
            "id": h.pk,
            "code": h.code,
            "url": h.get_absolute_url(),
            "supervised": h.supervised,
            "school": h.school.name,
            "department": h.responsible_department.name if h.responsible_department else "",
            "status": h.status,
            "status_label": h.get_status_display(),
            "deadline": h.deadline,
        }
        for h in (by_id[pk] for pk in ids)
    ]


# --- the campaign's forms -----------------------------------------------------------------------


def visible_campaigns(user) -> list[Campaign]:
    """Launched and closed campaigns the user sees, latest launched first."""
    return list(
        Campaign.objects.visible_to(user)
        .exclude(status=CampaignStatus.DRAFT)
        .order_by(F("launched_at").desc(nulls_last=True), "-id")
    )


def _campaign(*, user, filters: Filters, campaigns, today) -> dict | None:
    campaign = filters.campaign
    if campaign is None:
        if campaigns is None:
            campaigns = visible_campaigns(user)
        launched = [
            c
            for c in campaigns
            if c.status == CampaignStatus.LAUNCHED
            and (not filters.bureau_id or c.bureau_id == filters.bureau_id)
        ]
        campaign = launched[0] if launched else None
    if campaign is None:
        return None
    forms = InspectionForm.objects.visible_to(user).filter(campaign=campaign).order_by()
    if filters.stage:
        forms = forms.filter(school__stage=filters.stage)
    late = forms.late(today).values("pk")
    counts = forms.aggregate(
        n=Count("pk"),
        submitted=Count("pk", filter=Q(status=FormStatus.SUBMITTED)),
        accepted=Count("pk", filter=Q(status=FormStatus.ACCEPTED)),
        returned=Count("pk", filter=Q(status=FormStatus.RETURNED)),
        late=Count("pk", filter=Q(pk__in=late)),
    )
    list_url = reverse("inspections:form_list", args=[campaign.pk])

    def url(**params) -> str:
        query = {"stage": filters.stage} if filters.stage else {}
        query.update(params)
        return list_url + ("?" + urlencode(query) if query else "")

    done = counts["submitted"] + counts["accepted"]
    return {
        "campaign": {
            "id": campaign.pk,
            "name": campaign.name,
            "url": campaign.get_absolute_url(),
        },
        "forms": {"n": counts["n"], "url": url()},
        "submitted": {"n": counts["submitted"], "url": url(status=FormStatus.SUBMITTED)},
        "accepted": {"n": counts["accepted"], "url": url(status=FormStatus.ACCEPTED)},
        "returned": {"n": counts["returned"], "url": url(status=FormStatus.RETURNED)},
        "late": {"n": counts["late"], "url": url(late=1)},
        "done": done,
        "rate": rate(done, counts["n"]),
    }


# --- weekly trend: one query of conditional counts ------------------------------------------


def _trend(hz, base: dict, today: datetime.date) -> list[dict]:
    """One query of 24 conditional counts: plain range comparisons on ``reported_at`` and
    ``closed_on`` (no per-row date functions, which SQLite runs in Python)."""
    first = week_start(today) - datetime.timedelta(weeks=WEEKS - 1)
    tz = timezone.get_current_timezone()
    starts = [first + datetime.timedelta(weeks=i) for i in range(WEEKS + 1)]
    moments = [datetime.datetime.combine(d, datetime.time.min, tz) for d in starts]
    counts = {}
    for i in range(WEEKS):
        counts[f"new{i}"] = Count(
            "pk", filter=Q(reported_at__gte=moments[i], reported_at__lt=moments[i + 1])
        )
        counts[f"closed{i}"] = Count(
            "pk", filter=Q(closed_on__gte=starts[i], closed_on__lt=starts[i + 1])
        )
    row = hz.filter(Q(reported_at__gte=moments[0]) | Q(closed_on__gte=first)).aggregate(**counts)
    weeks = []
    for i in range(WEEKS):
        start, end = starts[i], starts[i + 1] - datetime.timedelta(days=1)
        weeks.append(
            {
                "start": start,
                "end": end,
                "new": row[f"new{i}"],
                "new_url": register_url(
                    base, reported_from=start.isoformat(), reported_to=end.isoformat()
                ),
                "closed": row[f"closed{i}"],
                "closed_url": register_url(
                    base, closed_from=start.isoformat(), closed_to=end.isoformat()
                ),
            }
        )
    return weeks


# --- school league table ------------------------------------------------------------------------


class IndexFree(Func):
    """A column to group by, read so that SQLite cannot take the grouping from an index on it.

    Grouping a bureau's hazards by, say, risk area, SQLite prefers walking an index on (bureau,
    area) to avoid sorting, and reads every row of the bureau from the table; the covering index
    on (bureau, status, …) would serve the open ones from the index alone. A unary ``+`` (a no-op
    on any value, and SQLite's documented way to keep an index from being used for a term) makes
    the covering index the plan: 25–45 ms → a few ms per query at 40,000 hazards. Other
    databases get the plain column."""

    template = "%(expressions)s"

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="+%(expressions)s", **extra)


class DaysBetween(Func):
    """``end − start`` in days for two date columns, evaluated natively: PostgreSQL subtracts
    dates into an integer; SQLite's ``julianday`` is built in (Django's own date arithmetic on
    SQLite calls a Python function for every row)."""

    arg_joiner = " - "
    template = "(%(expressions)s)"
    output_field = FloatField()

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template="(julianday(%(expressions)s))",
            arg_joiner=") - julianday(",
            **extra,
        )


def _league(hz, base: dict, today: datetime.date) -> dict[str, list[dict]]:
    """The schools with the most open, the most overdue and the slowest to close. Each top 10
    is chosen by a grouped query of its own measure; then one query reads every figure of the
    (at most 30) schools chosen, with their names."""
    closed = Q(closed_on__isnull=False)
    per_school = hz.values("school_id").order_by()
    ranked = hz.annotate(g=IndexFree("school_id")).values("g").order_by()
    chosen = {
        "open": ranked.filter(status__in=OPEN_STATUSES)
        .annotate(k=Count("pk"))
        .order_by("-k", "g")[:TOP],
        "overdue": ranked.filter(overdue_q(today))
        .annotate(k=Count("pk"))
        .order_by("-k", "g")[:TOP],
        "slowest": ranked.filter(closed)
        .annotate(k=Avg(DaysBetween("closed_on", "found_on")))
        .order_by("-k", "g")[:TOP],
    }
    ids = {key: [r["g"] for r in qs] for key, qs in chosen.items()}
    wanted = set().union(*ids.values())
    figures = (
        {
            r["school_id"]: r
            for r in per_school.filter(school_id__in=wanted).annotate(
                name=Max("school__name"),
                open=Count("pk", filter=Q(status__in=OPEN_STATUSES)),
                overdue=Count("pk", filter=overdue_q(today)),
                closed=Count("pk", filter=closed),
                close_days=Sum(DaysBetween("closed_on", "found_on"), filter=closed),
            )
        }
        if wanted
        else {}
    )
    return {key: [_league_row(figures[pk], base) for pk in pks] for key, pks in ids.items()}


def _league_row(r: dict, base: dict) -> dict:
    school = r["school_id"]
    closed = r["closed"]
    avg = round(r["close_days"] / closed, 1) if closed else None
    return {
        "school_id": school,
        "name": r["name"],
        "open": r["open"],
        "open_url": register_url(base, school=school, open="true"),
        "overdue": r["overdue"],
        "overdue_url": register_url(base, school=school, overdue="true"),
        "closed": closed,
        "closed_url": register_url(base, school=school, status=Status.CLOSED),
        "avg_days": avg,
    }


# --- supervision: spot checks and accountability ------------------------------------------------


def _spot_checks(hz, base: dict) -> list[dict]:
    """Read from the drawn items (a small table), counting each hazard once per result."""
    results = [SpotCheckResult.CONFIRMED, SpotCheckResult.NOT_AS_CLAIMED, SpotCheckResult.PENDING]
    counts = dict(
        SpotCheckItem.objects.filter(hazard_id__in=hz.values("pk"))
        .values_list("result")
        .annotate(n=Count("hazard_id", distinct=True))
        .order_by()
    )
    return [
        {
            "key": r,
            "label": str(SpotCheckResult(r).label),
            "n": counts.get(r, 0),
            "url": register_url(base, spot_check=r),
        }
        for r in results
    ]


def _accountability(user) -> list[dict]:
    counts = {
        (r["kind"], r["status"]): r["n"]
        for r in AccountabilityRecord.objects.visible_to(user)
        .values("kind", "status")
        .annotate(n=Count("pk"))
        .order_by()
    }
    url = reverse("accountability:record_list")
    rows = []
    for kind in RecordKind.values:
        cells = [
            {
                "status": status,
                "n": counts.get((kind, status), 0),
                "url": url + "?" + urlencode({"kind": kind, "status": status}),
            }
            for status in RecordStatus.values
        ]
        rows.append(
            {
                "key": kind,
                "label": str(RecordKind(kind).label),
                "cells": cells,
                "n": sum(c["n"] for c in cells),
                "url": url + "?" + urlencode({"kind": kind}),
            }
        )
    return rows


def duty_figures(qs, params: dict, today: datetime.date) -> list[dict]:
    """Duty compliance of ``qs`` (occurrences the viewer sees, already narrowed) for the current
    month and school year: plain values, each number with its occurrence-list link."""
    from safecampus.duties.compliance import period_figures
    from safecampus.duties.selectors import month_bounds, school_year_bounds

    periods = {"month": month_bounds(today), "year": school_year_bounds(today)}
    return _duty_rows(period_figures(qs, today, periods), periods, params)


def _duty_rows(figures: dict, periods: dict, params: dict, as_of=None) -> list[dict]:
    from safecampus.duties.compliance import list_url

    labels = {
        "month": pgettext("duty oversight", "This month"),
        "year": pgettext("duty oversight", "This school year"),
    }
    rows = []
    for key, (start, end) in periods.items():
        f = figures[key]
        p = {**params, "start": start.isoformat(), "end": end.isoformat()}
        rows.append(
            {
                "key": key,
                "label": str(labels[key]),
                "start": start,
                "end": end,
                "rate": f["rate"],
                "as_of": as_of,
                **{
                    name: {"n": f[name], "url": list_url(p, status=name)}
                    for name in ("owed", "completed", "missed", "open")
                },
            }
        )
    return rows


def _duties(user, filters: Filters, today: datetime.date) -> list[dict]:
    """The dashboard's duty figures through ``duties.selectors.compliance_figures``: one read
    of the school year (from the summary for a bureau-wide scope unless a department is
    chosen; counted live otherwise), this month being one of its months."""
    from safecampus.duties.selectors import (
        compliance_figures,
        month_bounds,
        school_year_bounds,
    )

    params: dict[str, str] = {}
    if filters.bureau_id:
        params["bureau"] = str(filters.bureau_id)
    if filters.stage:
        params["stage"] = filters.stage
    narrow = None
    if filters.department_id:
        d = filters.department_id
        params["department"] = str(d)

        def narrow(qs):
            return qs.filter(Q(overseeing_department_id=d) | Q(department_id=d))

    periods = {"month": month_bounds(today), "year": school_year_bounds(today)}
    year_start, year_end = periods["year"]
    figures = compliance_figures(
        user=user,
        today=today,
        start=year_start,
        end=year_end,
        stage=filters.stage or None,
        bureau=filters.bureau_id or None,
        narrow=narrow,
    )
    month = figures.by_month.get((f"{today:%Y-%m}",))
    tallies = {"month": month, "year": figures.total}
    out = {}
    for key, t in tallies.items():
        owed = t.owed if t else 0
        completed = t.completed if t else 0
        out[key] = {
            "owed": owed,
            "completed": completed,
            "missed": t.missed if t else 0,
            "open": t.open if t else 0,
            "rate": round(100 * completed / owed, 1) if owed else None,
        }
    return _duty_rows(out, periods, params, as_of=figures.as_of)


def _standards(user, filters: Filters) -> dict | None:
    """The 人防物防技防 card (two reads: the tally and one count of the open findings)."""
    from safecampus.core.access import can
    from safecampus.core.capabilities import STANDARDS_COMPLIANCE_VIEW
    from safecampus.standards.selectors import dashboard_figures

    if not can(user, STANDARDS_COMPLIANCE_VIEW):
        return None
    return dashboard_figures(
        user,
        bureau_id=filters.bureau_id,
        stage=filters.stage,
        department_id=filters.department_id,
    )


def _zones(user, filters: Filters) -> dict | None:
    """The 学生安全区域 card (``zones.selectors.figures``: the cases' totals, the venues in zones
    by type and, for a bureau-wide reader, the schools with no boundary, which the card leaves to
    the zone's overview), each figure with the URL of the case list filtered to exactly what it
    counts."""
    from safecampus.core.access import can
    from safecampus.core.capabilities import ZONE_FIGURES_VIEW
    from safecampus.zones.selectors import figures

    if not can(user, ZONE_FIGURES_VIEW):
        return None
    f = figures(
        user,
        bureau_id=filters.bureau_id,
        department_id=filters.department_id,
        stage=filters.stage,
    )
    base = {}
    if filters.bureau_id:
        base["bureau"] = str(filters.bureau_id)
    if filters.stage:
        base["stage"] = filters.stage
    if filters.department_id:
        base["department"] = str(filters.department_id)

    def url(**params) -> str:
        query = {**base, **{k: str(v) for k, v in params.items()}}
        return reverse("zones:overview") + "cases/?" + urlencode(query)

    return {
        "open": {"n": f["open"], "url": url(status="open")},
        "overdue": {"n": f["overdue"], "url": url(overdue=1)},
        "by_kind": [{**row, "url": url(status="open", kind=row["kind"])} for row in f["by_kind"]],
        "overview_url": reverse("zones:overview"),
    }


def _incidents(user, filters: Filters, today: datetime.date) -> dict | None:
    """The 突发事件 card: one grouped count of the incidents, one of the open cluster alerts, one
    of the disputes, and the duty watch of the current or next period. Every linked number
    counts what its list shows (restricted cases left out); the restricted cases being handled
    are a plain count beside them."""
    from safecampus.core.access import can
    from safecampus.core.capabilities import INCIDENT_FIGURES_VIEW
    from safecampus.incidents.choices import SERIOUS, IncidentStatus
    from safecampus.incidents.models import ClusterAlert, Incident

    if not can(user, INCIDENT_FIGURES_VIEW):
        return None
    qs = Incident.objects.counted_for(user).order_by()
    alerts = ClusterAlert.objects.visible_to(user).filter(incident__isnull=True).order_by()
    base: dict[str, str] = {}
    if filters.bureau_id:
        qs = qs.filter(bureau_id=filters.bureau_id)
        alerts = alerts.filter(bureau_id=filters.bureau_id)
        base["bureau_id"] = str(filters.bureau_id)
    if filters.department_id:
        qs = qs.filter(department_id=filters.department_id)
        base["department_id"] = str(filters.department_id)
    first = today.replace(day=1)
    last = (first + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
    is_open = Q(status=IncidentStatus.OPEN)
    listed = Q(restricted=False)
    month = listed & Q(occurred_at__date__gte=first, occurred_at__date__lte=last)
    c = qs.aggregate(
        open=Count("pk", filter=is_open & listed),
        serious_open=Count("pk", filter=is_open & listed & Q(severity__in=SERIOUS)),
        restricted_open=Count("pk", filter=is_open & Q(restricted=True)),
        month=Count("pk", filter=month),
        month_late=Count("pk", filter=month & Q(first_late=True)),
    )
    period = {"since": first.isoformat(), "until": last.isoformat()}

    def url(**params) -> str:
        query = {**base, **{k: str(v) for k, v in params.items()}}
        return reverse("incidents:incident_list") + "?" + urlencode(query)

    on_time = c["month"] - c["month_late"]
    return {
        "open": {"n": c["open"], "url": url(status="open")},
        "serious_open": {"n": c["serious_open"], "url": url(status="open", serious=1)},
        "restricted_open": c["restricted_open"],
        "month": {"n": c["month"], "url": url(**period)},
        "on_time": {"n": on_time, "url": url(**period, timeliness="on_time")},
        "rate": rate(on_time, c["month"]),
        "clusters": {"n": alerts.count(), "url": reverse("incidents:cluster_list")},
        "month_start": first,
        "overview_url": reverse("incidents:overview"),
        "disputes": _disputes(user, filters, today),
        "watch": _watch(user, today),
    }


def _messaging(user, filters: Filters) -> dict | None:
    """The 消息推送 card of the centre (three reads: the robots' counts, the failing robots
    named, the messages' counts), each figure with the page listing exactly what it counts."""
    from safecampus.core.access import can, scope_for
    from safecampus.core.capabilities import MESSAGING_MANAGE
    from safecampus.messaging import access as messaging_access
    from safecampus.messaging import figures as messaging_figures

    if not can(user, MESSAGING_MANAGE):
        return None
    f = messaging_figures.figures(
        user,
        now=timezone.now(),
        bureau_id=filters.bureau_id,
        bureaus=messaging_access.manage_bureaus(scope_for(user)),
    )
    linked = messaging_figures.linked(f, bureau_id=filters.bureau_id)
    return {
        "robots": linked["robots"],
        "messages": linked["messages"],
        "failing_robots": [
            {
                "name": r["name"],
                "last_error": r["last_error"],
                "url": reverse("messaging:channel_detail", args=[r["id"]]),
            }
            for r in f["failing_robots"]
        ],
        "since": f["since"],
        "overview_url": reverse("messaging:overview"),
    }


def _disputes(user, filters: Filters, today: datetime.date) -> dict:
    """The disputes on the incident card: open, at risk of petitions, flagged for a sensitive
    period (each linked, restricted ones left out), and the restricted open ones as a count.
    Narrowed by the bureau filter (the dispute list has no department filter: a department
    officer counts its own disputes through its scope)."""
    from safecampus.incidents.choices import OPEN_DISPUTE
    from safecampus.incidents.dispute_selectors import DisputeFilters, disputes
    from safecampus.incidents.models import Dispute

    qs = Dispute.objects.counted_for(user).order_by().filter(status__in=OPEN_DISPUTE)
    base: dict[str, str] = {"status": "open"}
    if filters.bureau_id:
        qs = qs.filter(bureau_id=filters.bureau_id)
        base["bureau"] = str(filters.bureau_id)
    c = qs.aggregate(
        open=Count("pk", filter=Q(restricted=False)),
        petition=Count("pk", filter=Q(restricted=False, petition_risk=True)),
        restricted=Count("pk", filter=Q(restricted=True)),
    )
    flagged = (
        disputes(user, DisputeFilters(bureau_id=filters.bureau_id, flagged=True), today=today)
        .filter(restricted=False)  # the same for every user of a scope (snapshots)
        .order_by()
        .count()
    )

    def url(**params) -> str:
        return reverse("incidents:dispute_list") + "?" + urlencode({**base, **params})

    return {
        "open": {"n": c["open"], "url": url()},
        "petition": {"n": c["petition"], "url": url(petition_risk="on")},
        "flagged": {"n": flagged, "url": url(flagged="on")},
        "restricted": c["restricted"],
    }


def _watch(user, today: datetime.date) -> dict | None:
    """The duty watch of the current or next holiday or sensitive period
    (``watch.selectors.figures``): rosters published of the schools expected, missed shifts."""
    from safecampus.watch.selectors import figures

    return figures(user=user, today=today)


def accountability_statuses() -> list[tuple[str, str]]:
    return [(s, str(RecordStatus(s).label)) for s in RecordStatus.values]


# --- map ----------------------------------------------------------------------------------------


def schools_in_scope(*, user, filters: Filters) -> QuerySet[School]:
    """The schools the dashboard covers: the user's, narrowed by the bureau and type filters."""
    schools = School.objects.visible_to(user).order_by()
    if filters.bureau_id:
        schools = schools.filter(bureau_id=filters.bureau_id)
    if filters.stage:
        schools = schools.filter(stage=filters.stage)
    return schools


def _first_gates():
    return SchoolGate.objects.filter(school_id=OuterRef("pk")).order_by("id")


def _map(*, user, filters: Filters) -> dict:
    """How many schools the map covers and how many have no coordinates. The points themselves
    are read by :func:`map_points`, which the page loads separately."""
    counts = schools_in_scope(user=user, filters=filters).aggregate(
        n=Count("pk"), unmapped=Count("pk", filter=~Q(Exists(_first_gates())))
    )
    return {"schools": counts["n"], "unmapped": counts["unmapped"]}


def map_points(*, user, filters: Filters) -> dict:
    """Schools with coordinates (their first gate), each with its open count and worst open
    colour, as compact rows ``[school id, name, longitude, latitude, open, colour]``; the
    register URL of a point is ``url`` plus ``school=<id>`` (built by the page, not 40,000
    times here)."""
    gates = _first_gates()
    points = (
        schools_in_scope(user=user, filters=filters)
        .filter(Exists(gates))
        .annotate(
            lon=Subquery(gates.values("longitude")[:1]),
            lat=Subquery(gates.values("latitude")[:1]),
        )
        .values_list("pk", "name", "lon", "lat")
    )
    rank = Case(
        *[When(risk_colour=c, then=Value(i + 1)) for i, c in enumerate(COLOUR_ORDER)],
        default=Value(UNGRADED_RANK),
        output_field=IntegerField(),
    )
    hz = scoped_hazards(user=user, filters=filters)
    worst = {
        school: (n, rank)
        for school, n, rank in _open(hz)
        .annotate(g=IndexFree("school_id"))
        .values("g")
        .annotate(n=Count("pk"), worst=Min(rank))
        .values_list("g", "n", "worst")
    }
    colours = dict(enumerate(COLOUR_ORDER, start=1))
    rows = []
    for pk, name, lon, lat in points.iterator(chunk_size=5000):
        n, worst_rank = worst.get(pk, (0, None))
        colour = colours.get(worst_rank, "none") if n else ""
        rows.append([pk, name, float(lon), float(lat), n, colour])
    url = register_url(filters.register_params(), open="true")
    return {"points": rows, "url": url}


def dashboard_title(department) -> str:
    """A department's dashboard is the department's statistics, not the leaders' cockpit."""
    if department is not None:
        return _("%(department)s · Statistics") % {"department": department.name}
    return _("Safety dashboard (领导驾驶舱)")


def waiting_for(user) -> dict | None:
    """What waits for a department officer's action (``waiting.department_waiting``); None
    for anyone else."""
    from .waiting import department_waiting

    return department_waiting(user=user)
