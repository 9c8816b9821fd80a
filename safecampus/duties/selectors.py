"""Reads of recurring duties: the effective catalog and calendar of a bureau, what a body owes,
and compliance figures.

Compliance counts the occurrences whose window has opened (``window_start <= today``):

- **done** / **late**: recorded within the window / in the grace after it;
- **missed**: still due after the grace (or marked missed by the daily sweep);
- **open**: due (or an excuse asked) and still within window or grace;
- **excused**: excused by the overseer (not owed);
- **owed** = done + late + missed + open; **rate** = (done + late) / owed.

Every figure is one of ``STATUS_FILTERS``, and the occurrence list filters with the same
conditions, so a number and the list its link opens always agree.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Min, Q, Sum
from django.utils import timezone

from .choices import OccurrenceStatus as S
from .choices import VersionStatus
from .schoolcal import SchoolCalendar, Term


def _status_filters(today: datetime.date) -> dict[str, Q]:
    open_statuses = [S.DUE, S.EXCUSE_REQUESTED]
    missed = Q(status=S.MISSED) | Q(status=S.DUE, grace_end__lt=today)
    open_ = Q(status__in=open_statuses) & ~Q(status=S.DUE, grace_end__lt=today)
    return {
        "done": Q(status=S.DONE),
        "late": Q(status=S.DONE_LATE),
        "missed": missed,
        "open": open_,
        "excused": Q(status=S.EXCUSED),
        "owed": ~Q(status=S.EXCUSED),
        "completed": Q(status__in=[S.DONE, S.DONE_LATE]),
        "excuse_requested": Q(status=S.EXCUSE_REQUESTED),
    }


STATUS_KEYS = ("owed", "done", "late", "missed", "open", "excused", "completed", "excuse_requested")


def status_q(key: str, today: datetime.date) -> Q:
    return _status_filters(today)[key]


# --- the effective catalog and calendar -----------------------------------------------------


def _ancestor_ids(bureau) -> list[int]:
    """The bureau and those above it, nearest first (from the materialised path)."""
    ids = [int(p) for p in bureau.path.strip("/").split("/") if p]
    ids = [i for i in ids if i != bureau.pk]
    return [bureau.pk, *reversed(ids)]


def effective_version(bureau):
    """The latest published duty catalog of ``bureau`` or of the nearest bureau above it."""
    from .models import DutyCatalogVersion

    chain = _ancestor_ids(bureau)
    versions = list(
        DutyCatalogVersion.objects.filter(
            bureau_id__in=chain, status=VersionStatus.PUBLISHED
        ).order_by("-number")
    )
    for bureau_id in chain:
        for v in versions:
            if v.bureau_id == bureau_id:
                return v
    return None


def owed_duties(bureau) -> list[tuple]:
    """(duty, the date from which it is owed) for the effective catalog and the bureau's
    published work plans."""
    from .models import Duty

    out = []
    version = effective_version(bureau)
    if version is not None:
        # the Shanghai day of publication (a catalog published at 07:30 on 1 December is owed
        # from 1 December, not from the UTC date, 30 November)
        since = (
            timezone.localtime(version.published_at).date()
            if version.published_at
            else datetime.date.min
        )
        out += [
            (d, since)
            for d in Duty.objects.filter(version=version)
            .select_related("version")
            .prefetch_related("owed_by_departments")
        ]
    tasks = (
        Duty.objects.filter(plan__bureau=bureau, plan__status=VersionStatus.PUBLISHED)
        .select_related("plan")
        .prefetch_related("owed_by_departments")
    )
    out += [(d, datetime.date(d.plan.year, 1, 1)) for d in tasks]
    return out


def calendar_for(bureau) -> SchoolCalendar:
    """The calendar of ``bureau``: the terms of the nearest bureau (itself or above) that has
    any, and the override days of all of them (the nearest wins)."""
    from .models import CalendarDay, SchoolTerm

    chain = _ancestor_ids(bureau)
    terms_by_bureau: dict[int, list] = {}
    for t in SchoolTerm.objects.filter(bureau_id__in=chain):
        terms_by_bureau.setdefault(t.bureau_id, []).append(
            Term(t.school_year, t.get_kind_display(), t.start, t.end)
        )
    terms = next((terms_by_bureau[b] for b in chain if b in terms_by_bureau), [])
    overrides: dict = {}
    for b in reversed(chain):
        for day in CalendarDay.objects.filter(bureau_id=b):
            overrides[day.date] = (day.kind == "workday", day.name)
    return SchoolCalendar(terms, overrides)


# --- what a body owes -----------------------------------------------------------------------


def week_bounds(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    start = today - datetime.timedelta(days=today.weekday())
    return start, start + datetime.timedelta(days=6)


def month_bounds(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    start = today.replace(day=1)
    if start.year == datetime.MAXYEAR and start.month == 12:
        return start, datetime.date.max
    nxt = (start + datetime.timedelta(days=32)).replace(day=1)
    return start, nxt - datetime.timedelta(days=1)


def owner_panels(qs, today: datetime.date) -> dict[str, list]:
    """A body's occurrences (``qs``, already restricted to it) in the panels of its page:
    overdue (missed in the last 60 days), due this week, due later this month, excuses
    pending, done recently."""
    week_start, week_end = week_bounds(today)
    _m_start, month_end = month_bounds(today)
    base = qs.select_related("duty", "school", "department", "partner", "bureau")
    f = _status_filters(today)
    return {
        "this_week": list(
            base.filter(f["open"], window_start__lte=week_end, grace_end__gte=today)
            .filter(Q(window_end__lte=week_end) | Q(window_start__lte=today))
            .order_by("window_end", "code")
        ),
        "this_month": list(
            base.filter(f["open"], window_start__lte=month_end, window_end__gt=week_end)
            .exclude(window_start__lte=today)
            .order_by("window_end", "code")
        ),
        "missed": list(
            base.filter(f["missed"], grace_end__gte=today - datetime.timedelta(days=60)).order_by(
                "-window_end"
            )[:100]
        ),
        "done": list(
            base.filter(
                f["completed"], window_end__gte=today - datetime.timedelta(days=31)
            ).order_by("-status_at")[:100]
        ),
    }


# --- compliance -----------------------------------------------------------------------------


@dataclass
class Tally:
    done: int = 0
    late: int = 0
    missed: int = 0
    open: int = 0
    excused: int = 0

    @property
    def owed(self) -> int:
        return self.done + self.late + self.missed + self.open

    @property
    def completed(self) -> int:
        return self.done + self.late

    @property
    def rate(self) -> float | None:
        """The share of what is owed that is done (on time or late), or None."""
        return self.completed / self.owed if self.owed else None

    @property
    def percent(self) -> str:
        return "—" if self.rate is None else f"{self.rate * 100:.1f}%"

    def add(self, other: Tally) -> None:
        for key in ("done", "late", "missed", "open", "excused"):
            setattr(self, key, getattr(self, key) + getattr(other, key))


def tally_aggregates(today):
    """The five counts of a :class:`Tally`, as aggregates (also ``duties.summary``'s)."""
    f = _status_filters(today)
    return {
        key: Count("pk", filter=f[key]) for key in ("done", "late", "missed", "open", "excused")
    }


def compliance_queryset(qs, today: datetime.date, *, start=None, end=None, code=None, stage=None):
    """The occurrences counted: window opened by ``today``, window ending in [start, end]."""
    qs = qs.filter(window_start__lte=today)
    if start is not None:
        qs = qs.filter(window_end__gte=start)
    if end is not None:
        qs = qs.filter(window_end__lte=end)
    if code:
        qs = qs.filter(code=code)
    if stage:
        qs = qs.filter(school__stage=stage)
    return qs


def tallies(qs, today: datetime.date, group: tuple[str, ...] = ()) -> dict:
    """Group → :class:`Tally` over ``qs`` (one query). ``group`` names fields (``code``,
    ``school_id``, ``school__stage``, ``period_key`` …); with none, the key is ``()``."""
    rows = (
        qs.order_by().values(*group).annotate(**tally_aggregates(today))
        if group
        else [qs.aggregate(**tally_aggregates(today))]
    )
    out = {}
    for row in rows:
        key = tuple(row[g] for g in group)
        out[key] = Tally(*(row[k] or 0 for k in ("done", "late", "missed", "open", "excused")))
    return out


def month_tallies(qs, today: datetime.date, group: tuple[str, ...] = ()) -> dict:
    """(group…, "YYYY-MM" of the window's end) → Tally, in one query."""
    from django.db.models.functions import TruncMonth

    rows = (
        qs.order_by()
        .annotate(month=TruncMonth("window_end"))
        .values(*group, "month")
        .annotate(**tally_aggregates(today))
    )
    out = {}
    for row in rows:
        month = row["month"]
        key = (*(row[g] for g in group), f"{month:%Y-%m}" if month else "")
        out[key] = Tally(*(row[k] or 0 for k in ("done", "late", "missed", "open", "excused")))
    return out


#: the longest span of months a page lists (ten school years)
MAX_MONTHS = 120


def months_between(start: datetime.date, end: datetime.date) -> list[str]:
    out, day = [], start.replace(day=1)
    while day <= end and len(out) < MAX_MONTHS:
        out.append(f"{day:%Y-%m}")
        if day.year == datetime.MAXYEAR and day.month == 12:
            break
        day = (day + datetime.timedelta(days=32)).replace(day=1)
    return out


def school_year_bounds(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """1 September to 31 August of the school year ``today`` lies in."""
    year = today.year if today.month >= 9 else today.year - 1
    return datetime.date(year, 9, 1), datetime.date(year + 1, 8, 31)


def reused_photos(records, *, user) -> dict[int, list]:
    """record id → other evidence with the same content (a photo reused), for oversight: only
    among the records ``user`` may see (nothing of another bureau's schools is named)."""
    from .models import DutyEvidence, Occurrence

    records = list(records)
    mine = list(DutyEvidence.objects.filter(record__in=records).values("record_id", "sha256", "pk"))
    if not mine:
        return {}
    digests = {m["sha256"] for m in mine}
    others = (
        DutyEvidence.objects.filter(
            sha256__in=digests,
            record__occurrence_id__in=Occurrence.objects.visible_to(user).values("pk"),
        )
        .exclude(record__in=records)
        .select_related("record__occurrence")
        .order_by("uploaded_at")
    )
    by_digest: dict[str, list] = {}
    for ev in others:
        by_digest.setdefault(ev.sha256, []).append(ev)
    out: dict[int, list] = {}
    for m in mine:
        if m["sha256"] in by_digest:
            out.setdefault(m["record_id"], []).extend(by_digest[m["sha256"]])
    return out


# --- compliance figures, live or from the summary -------------------------------------------

#: a scope of at least this many bureaus (seen bureau-wide) reads the summary (``DutyTally``):
#: counted live, one district's school year (~200,000 occurrences) takes 1–2 s on SQLite
SUMMARY_MIN_BUREAUS = 1


@dataclass
class ComplianceFigures:
    """The compliance page's figures: in total, per duty code, per school stage (None: not a
    school's), per month ("YYYY-MM" of the window's end). ``as_of`` is when the summary was
    counted (None: counted live now); ``source`` says which."""

    total: Tally
    by_code: dict
    by_stage: dict
    by_month: dict
    as_of: datetime.datetime | None = None
    source: str = "live"


def _month_aligned(start, end) -> bool:
    return (start is None or start.day == 1) and (
        end is None or (end + datetime.timedelta(days=1)).day == 1
    )


def compliance_figures(
    *,
    user,
    today: datetime.date,
    start=None,
    end=None,
    code=None,
    stage=None,
    bureau=None,
    narrow=None,
    live: bool = False,
) -> ComplianceFigures:
    """The compliance figures of ``user``'s scope for windows ending in [start, end]. A scope of
    ``SUMMARY_MIN_BUREAUS`` or more bureaus seen bureau-wide, over whole months, reads the
    summary (one grouped sum over a few thousand rows; ``as_of`` says when it was counted);
    any other, or with ``live``, is counted now (one grouped count over the occurrences).
    Either way one query gives (code, stage, month) cells, folded here into the four views.

    ``bureau`` narrows to one bureau (the summary answers it); ``narrow`` (a function of the
    occurrence queryset) narrows by anything else, and is always counted live."""
    from safecampus.core.access import scope_for

    from . import access
    from .models import DutyTally, Occurrence

    bureaus = access.tally_bureaus(scope_for(user))
    if (
        not live
        and narrow is None
        and bureaus is not None
        and (bureau is None or bureau in bureaus)
        and len(bureaus) >= SUMMARY_MIN_BUREAUS
        and _month_aligned(start, end)
        and DutyTally.objects.filter(bureau_id__in=bureaus if bureau is None else [bureau]).exists()
    ):
        rows = DutyTally.objects.visible_to(user).filter(
            bureau_id__in=bureaus if bureau is None else [bureau]
        )
        if start is not None:
            rows = rows.filter(month__gte=start)
        if end is not None:
            rows = rows.filter(month__lte=end)
        if code:
            rows = rows.filter(code=code)
        if stage:
            rows = rows.filter(stage=stage)
        sums = {k: Sum(k) for k in _SUM_KEYS}
        data = list(
            rows.order_by()
            .values("code", "stage", "month")
            .annotate(**sums, as_of=Min("as_of"))
            .values_list("code", "stage", "month", *_SUM_KEYS, "as_of")
        )
        cells = (
            (code, stage or None, f"{month:%Y-%m}", *(n or 0 for n in counts))
            for code, stage, month, *counts, _as_of in data
        )
        as_of = min((r[-1] for r in data), default=None)
        return _fold(cells, as_of=as_of, source="summary")
    qs = compliance_queryset(
        Occurrence.objects.visible_to(user), today, start=start, end=end, code=code, stage=stage
    )
    if bureau is not None:
        qs = qs.filter(bureau_id=bureau)
    if narrow is not None:
        qs = narrow(qs)
    cells = month_tallies(qs, today, ("code", "school__stage"))
    return _fold((*key, t.done, t.late, t.missed, t.open, t.excused) for key, t in cells.items())


def _fold(cells, *, as_of=None, source: str = "live") -> ComplianceFigures:
    """(code, stage, "YYYY-MM", done, late, missed, open, excused) rows, folded into the four
    views of the figures (plain sums: a province's summary has thousands of cells)."""
    total = [0] * 5
    views: tuple[dict, dict, dict] = ({}, {}, {})
    for code, stage, month, *counts in cells:
        for i, n in enumerate(counts):
            total[i] += n
        for view, key in zip(views, ((code,), (stage,), (month,)), strict=True):
            acc = view.get(key)
            if acc is None:
                view[key] = list(counts)
            else:
                for i, n in enumerate(counts):
                    acc[i] += n
    by_code, by_stage, by_month = ({k: Tally(*v) for k, v in view.items()} for view in views)
    return ComplianceFigures(Tally(*total), by_code, by_stage, by_month, as_of=as_of, source=source)


_SUM_KEYS = ("done", "late", "missed", "open", "excused")
