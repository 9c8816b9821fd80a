"""Reporting timeliness: the limits that apply to an incident and whether each report met them.

Pure functions of times and limits (no database): the services store what they find on the
incident and its steps, the pages and figures read it back, and the tests hold every edge.

- **Limits** are configured per bureau by incident type and grade (``ReportingLimit`` rows, blank
  meaning any); for each limit the most specific row that sets it wins (type and grade, then
  type, then grade, then the bureau's general row), so a bureau may set the written limit for
  food poisoning alone and keep its general verbal limit.
- **First reports** run from when the school learned of the incident (``known_at``): the verbal
  report is on time when the call, or the report filed here, came at most ``verbal_minutes``
  after it; the written report when the report filed here came at most ``written_minutes``
  after it (exactly on the limit is on time; a minute more is late). Times are compared to the
  minute (the limits are in minutes and the forms have no seconds): 30 min 20 s after is still
  the 30th minute, on time; 31 min 0 s is late. ``minutes_late`` is the one count of "how many
  minutes late" every page, export and document shows. An infectious-disease
  report raised by a cluster alert is due by the alert's own deadline, if that is earlier.
- **Daily follow-ups** (public-health events): every day after the first report, while the
  incident is open, a follow-up (or the closing report) is due by ``daily_follow_up_by``
  Asia/Shanghai time; each day's report is the one filed after the previous day's deadline and by
  this one (the first day's: after the first report and after the previous day's deadline time,
  so a follow-up filed on the day of the first report, before that day's deadline, does not
  count for the next day). A deadline that passed without one is *missed*.
- **The closing report**, when the bureau sets ``final_within_days``, is due that many days
  after ``known_at``.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings

FIELDS = ("verbal_minutes", "written_minutes", "daily_follow_up_by", "final_within_days")


def _tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


@dataclass(frozen=True)
class Limits:
    verbal_minutes: int | None = None
    written_minutes: int | None = None
    #: "HH:MM", Asia/Shanghai
    daily_follow_up_by: str | None = None
    final_within_days: int | None = None
    #: the sources of the rows that set the limits
    sources: tuple[str, ...] = ()

    def as_dict(self) -> dict:
        out = asdict(self)
        out["sources"] = list(self.sources)
        return out

    @classmethod
    def from_dict(cls, data: dict | None) -> Limits:
        data = dict(data or {})
        return cls(
            **{k: data.get(k) for k in FIELDS},
            sources=tuple(data.get("sources") or ()),
        )

    @property
    def follow_up_time(self) -> datetime.time | None:
        if not self.daily_follow_up_by:
            return None
        hour, minute = (int(x) for x in str(self.daily_follow_up_by).split(":")[:2])
        return datetime.time(hour, minute)


@dataclass(frozen=True)
class LimitRow:
    """One configured row: ``incident_type``/``severity`` blank for any."""

    incident_type: str
    severity: str
    verbal_minutes: int | None = None
    written_minutes: int | None = None
    daily_follow_up_by: datetime.time | str | None = None
    final_within_days: int | None = None
    source: str = ""

    def specificity(self) -> int:
        return (2 if self.incident_type else 0) + (1 if self.severity else 0)


def resolve(rows: Iterable, incident_type: str, severity: str) -> Limits:
    """The limits for an incident of ``incident_type`` and ``severity``: for each limit, the
    value of the most specific matching row that sets it."""
    matching = [
        r for r in rows if r.incident_type in ("", incident_type) and r.severity in ("", severity)
    ]
    matching.sort(key=lambda r: -LimitRow.specificity(r))
    values: dict = {}
    sources: list[str] = []
    for row in matching:
        used = False
        for name in FIELDS:
            value = getattr(row, name)
            if value is not None and value != "" and name not in values:
                if isinstance(value, datetime.time):
                    value = value.strftime("%H:%M")
                values[name] = value
                used = True
        if used and row.source and row.source not in sources:
            sources.append(row.source)
    return Limits(**{k: values.get(k) for k in FIELDS}, sources=tuple(sources))


def minute(at: datetime.datetime) -> datetime.datetime:
    """``at`` to the minute (seconds dropped): the precision of every comparison here."""
    return at.replace(second=0, microsecond=0)


def is_late(at: datetime.datetime | None, due: datetime.datetime | None) -> bool:
    """Whether ``at`` came after ``due``, to the minute (no deadline: never late)."""
    return at is not None and due is not None and minute(at) > minute(due)


def minutes_late(at: datetime.datetime | None, due: datetime.datetime | None) -> int:
    """Whole minutes ``at`` came after ``due`` (0 when on time or without a deadline)."""
    if not is_late(at, due):
        return 0
    return int((minute(at) - minute(due)).total_seconds() // 60)


def minutes_between(start: datetime.datetime, end: datetime.datetime) -> int:
    """Whole minutes from ``start`` to ``end``, to the minute (never negative)."""
    return max(0, int((minute(end) - minute(start)).total_seconds() // 60))


def first_minutes_late(incident) -> int:
    """How late the first report of ``incident`` was, in minutes: the later of the verbal and
    the written report's lateness (0 when on time)."""
    first_verbal = min(t for t in (incident.verbal_at, incident.reported_at) if t is not None)
    return max(
        minutes_late(first_verbal, incident.verbal_due_at),
        minutes_late(incident.reported_at, incident.written_due_at),
    )


def _plus(start: datetime.datetime, minutes: int | None) -> datetime.datetime | None:
    return None if minutes is None else start + datetime.timedelta(minutes=minutes)


@dataclass(frozen=True)
class FirstReport:
    verbal_due: datetime.datetime | None
    written_due: datetime.datetime | None
    verbal_late: bool
    written_late: bool

    @property
    def late(self) -> bool:
        return self.verbal_late or self.written_late


def first_report(
    *,
    known_at: datetime.datetime,
    reported_at: datetime.datetime,
    verbal_at: datetime.datetime | None,
    limits: Limits,
    cluster_due: datetime.datetime | None = None,
) -> FirstReport:
    verbal_due = _plus(known_at, limits.verbal_minutes)
    written_due = _plus(known_at, limits.written_minutes)
    if cluster_due is not None and (written_due is None or cluster_due < written_due):
        written_due = cluster_due
    first_verbal = min(t for t in (verbal_at, reported_at) if t is not None)
    return FirstReport(
        verbal_due=verbal_due,
        written_due=written_due,
        verbal_late=is_late(first_verbal, verbal_due),
        written_late=is_late(reported_at, written_due),
    )


def _at_local(day: datetime.date, at: datetime.time) -> datetime.datetime:
    return datetime.datetime.combine(day, at, tzinfo=_tz())


def follow_up_deadlines(
    *,
    reported_at: datetime.datetime,
    closed_at: datetime.datetime | None,
    limits: Limits,
    until: datetime.datetime,
) -> list[datetime.datetime]:
    """The daily follow-up deadlines from the day after the first report, while the incident is
    open, up to ``until`` (the next one still to come included)."""
    at = limits.follow_up_time
    if at is None:
        return []
    day = reported_at.astimezone(_tz()).date() + datetime.timedelta(days=1)
    out = []
    while True:
        due = _at_local(day, at)
        if closed_at is not None and closed_at <= due - datetime.timedelta(days=1):
            break  # closed before this day's window opened
        out.append(due)
        if due >= until or (closed_at is not None and closed_at <= due):
            break
        day += datetime.timedelta(days=1)
    return out


@dataclass(frozen=True)
class Window:
    due: datetime.datetime
    filed_at: datetime.datetime | None
    #: "done", "missed" or "pending" (its deadline is still to come)
    state: str


def follow_up_windows(
    *,
    reported_at: datetime.datetime,
    closed_at: datetime.datetime | None,
    limits: Limits,
    filed: Iterable[datetime.datetime],
    now: datetime.datetime,
) -> list[Window]:
    """Each day's follow-up deadline and what was filed for it (``filed``: the times of the
    follow-ups and of the closing report)."""
    filed = sorted(filed)
    until = closed_at if closed_at is not None and closed_at < now else now
    out = []
    previous = None
    for due in follow_up_deadlines(
        reported_at=reported_at, closed_at=closed_at, limits=limits, until=until
    ):
        # the first day's window opens at the later of the first report and the day before's
        # deadline time: a same-day follow-up at 09:30 is not tomorrow's
        start = (
            previous if previous is not None else max(reported_at, due - datetime.timedelta(days=1))
        )
        hit = next((t for t in filed if minute(t) > minute(start) and not is_late(t, due)), None)
        if hit is not None:
            state = "done"
        elif due < now and (closed_at is None or closed_at > due):
            state = "missed"
        else:
            state = "pending"
        if not (state == "pending" and closed_at is not None and closed_at <= due):
            out.append(Window(due, hit, state))
        previous = due
    return out


def follow_up_due_for(at: datetime.datetime, limits: Limits) -> datetime.datetime | None:
    """The deadline of the daily window a report filed at ``at`` falls in."""
    t = limits.follow_up_time
    if t is None:
        return None
    local = at.astimezone(_tz())
    due = _at_local(local.date(), t)
    return due if not is_late(at, due) else _at_local(local.date() + datetime.timedelta(days=1), t)


def final_due(known_at: datetime.datetime, limits: Limits) -> datetime.datetime | None:
    if limits.final_within_days is None:
        return None
    return known_at + datetime.timedelta(days=limits.final_within_days)


@dataclass
class Summary:
    """Everything the incident page says about timeliness."""

    first: FirstReport
    windows: list[Window] = field(default_factory=list)
    final_due: datetime.datetime | None = None
    final_late: bool = False

    @property
    def missed(self) -> int:
        return sum(1 for w in self.windows if w.state == "missed")

    @property
    def late_count(self) -> int:
        return (
            int(self.first.verbal_late)
            + int(self.first.written_late)
            + self.missed
            + int(self.final_late)
        )


def summarise(incident, steps, *, now: datetime.datetime, cluster_due=None) -> Summary:
    """The timeliness of ``incident`` from its ``steps`` (``IncidentStep`` rows or the like)."""
    limits = Limits.from_dict(incident.limits)
    first = first_report(
        known_at=incident.known_at,
        reported_at=incident.reported_at,
        verbal_at=incident.verbal_at,
        limits=limits,
        cluster_due=cluster_due,
    )
    filed = [s.at for s in steps if s.kind in ("follow_up", "final")]
    windows = follow_up_windows(
        reported_at=incident.reported_at,
        closed_at=incident.closed_at,
        limits=limits,
        filed=filed,
        now=now,
    )
    due = final_due(incident.known_at, limits)
    final_late = is_late(incident.closed_at or now, due)
    return Summary(first=first, windows=windows, final_due=due, final_late=final_late)


# --- cluster trigger -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Trigger:
    rule: str  # "day" or "window"
    cases: int
    first_day: datetime.date
    last_day: datetime.date


def cluster_trigger(
    counts: dict[datetime.date, int],
    *,
    day: datetime.date,
    day_cases: int,
    window_days: int,
    window_cases: int,
) -> Trigger | None:
    """Whether the cases of one class (``counts``: day → cases) reach a threshold in a window that
    contains ``day``: ``day_cases`` in one day, or ``window_cases`` within ``window_days``
    consecutive days."""
    if counts.get(day, 0) >= day_cases:
        return Trigger("day", counts[day], day, day)
    for end_offset in range(window_days):
        end = day + datetime.timedelta(days=end_offset)
        start = end - datetime.timedelta(days=window_days - 1)
        total = sum(n for d, n in counts.items() if start <= d <= end)
        if total >= window_cases:
            days = [d for d, n in counts.items() if start <= d <= end and n]
            return Trigger("window", total, min(days), max(days))
    return None
