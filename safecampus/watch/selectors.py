"""Every read of the duty watch a user sees, through ``visible_to`` (the scope of
``access.py``), and two public selectors for other apps:

- :func:`periods_around` (the incidents app): the periods of each bureau that touch the days
  ahead, one query;
- :func:`figures` (the dashboards): for the current or next period, the schools expected, those
  with a published roster, the rate and the missed shifts so far, each with the URL of the list
  that shows them.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone

from safecampus.core.access import scope_for
from safecampus.orgs.models import School

from . import access
from .choices import RosterStatus
from .models import Roster, Shift, WatchPeriod
from .services import GRACE, hours_text, local_day_bounds

#: the roster list's "no roster yet" filter value
MISSING = "missing"


def periods(user):
    return WatchPeriod.objects.visible_to(user).select_related("bureau")


def periods_around(
    *, bureau_ids, day: datetime.date, lead_days: int = 7
) -> dict[int, list[WatchPeriod]]:
    """The periods of each bureau that contain any day in [day, day + lead_days]: one query."""
    out: dict[int, list[WatchPeriod]] = defaultdict(list)
    rows = WatchPeriod.objects.filter(
        bureau_id__in=list(bureau_ids),
        starts_on__lte=day + datetime.timedelta(days=lead_days),
        ends_on__gte=day,
    ).order_by("starts_on", "pk")
    for period in rows:
        out[period.bureau_id].append(period)
    return dict(out)


@dataclass(frozen=True)
class RosterFilters:
    status: str = ""  # draft / published / missing
    q: str = ""


def school_rows(user, period: WatchPeriod, filters: RosterFilters = RosterFilters()):
    """The schools of the period's bureau that ``user`` sees, each annotated with its roster
    (``roster_id``, ``roster_status``; none: not drawn up yet)."""
    rosters = Roster.objects.filter(period=period, school=OuterRef("pk"))
    qs = (
        School.objects.visible_to(user)
        .filter(bureau_id=period.bureau_id, is_active=True)
        .annotate(
            roster_id=Subquery(rosters.values("pk")[:1]),
            roster_status=Subquery(rosters.values("status")[:1]),
        )
        .only("pk", "name", "code", "bureau_id")
        .order_by("name", "pk")
    )
    if filters.q:
        qs = qs.filter(name__icontains=filters.q)
    if filters.status == MISSING:
        qs = qs.filter(roster_id__isnull=True)
    elif filters.status in RosterStatus.values:
        qs = qs.filter(roster_status=filters.status)
    return qs


def bureau_roster(user, period: WatchPeriod) -> Roster | None:
    return Roster.objects.visible_to(user).filter(period=period, school__isnull=True).first()


def rosters(user):
    return Roster.objects.visible_to(user).select_related("period", "school", "bureau")


def shifts_by_day(roster: Roster, shifts=None) -> list[tuple[datetime.date, list[Shift]]]:
    """The period's days, each with the shifts that start on it (in the current time zone):
    every shift shows once, a night shift under the day it starts. Each shift gets
    ``hours_text`` ("08:00–20:00", "20:00 至次日08:00")."""
    if shifts is None:
        shifts = list(roster.shifts.select_related("person").order_by("starts_at", "pk"))
    by_day: dict[datetime.date, list[Shift]] = defaultdict(list)
    for s in shifts:
        s.hours_text = hours_text(s.starts_at, s.ends_at)
        by_day[timezone.localdate(s.starts_at)].append(s)
    return [(day, by_day.get(day, [])) for day in roster.period.days()]


def my_shifts(user, *, now: datetime.datetime):
    """The user's shifts of published rosters not ended before today, soonest first."""
    start, _end = local_day_bounds(timezone.localdate(now))
    return (
        Shift.objects.visible_to(user)
        .filter(person_id=user.pk, roster__status=RosterStatus.PUBLISHED, ends_at__gte=start)
        .select_related("roster__period", "roster__school", "roster__bureau")
        .order_by("starts_at", "pk")
    )


@dataclass(frozen=True)
class MissedFilters:
    period: int | None = None
    school: int | None = None
    day: datetime.date | None = None


def missed(user, *, now: datetime.datetime, filters: MissedFilters = MissedFilters()):
    """Shifts of published rosters with no check-in by their start plus the grace, that
    ``user`` sees; from ``checked_in_at`` alone (no query per row)."""
    qs = (
        Shift.objects.visible_to(user)
        .missed(now=now, grace=GRACE)
        .select_related("roster__period", "roster__school", "roster__bureau")
        .order_by("-starts_at", "pk")
    )
    if filters.period:
        qs = qs.filter(roster__period_id=filters.period)
    if filters.school:
        qs = qs.filter(roster__school_id=filters.school)
    if filters.day:
        start, end = local_day_bounds(filters.day)
        qs = qs.filter(starts_at__gte=start, starts_at__lt=end)
    return qs


def current_period(user, *, today: datetime.date, bureau_ids=None) -> WatchPeriod | None:
    """The period under way (or, if none, the next one) of the bureaus ``user`` sees."""
    qs = periods(user).filter(ends_on__gte=today)
    if bureau_ids is not None:
        qs = qs.filter(bureau_id__in=list(bureau_ids))
    return qs.order_by("starts_on", "pk").first()


def figures(*, user, today: datetime.date, now: datetime.datetime | None = None) -> dict | None:
    """For the current or next period of the bureaus whose figures ``user`` sees: the schools
    expected (active schools of the bureau), those with a published roster, the rate and the
    missed shifts so far, each as ``{"value", "url"}``. None when there is no such period or
    the user's roles do not reach the figures."""
    bureaus = access.figures_bureaus(scope_for(user))
    if not bureaus:
        return None
    period = current_period(user, today=today, bureau_ids=bureaus)
    if period is None:
        return None
    now = now or timezone.now()
    counts = (
        School.objects.visible_to(user)
        .filter(bureau_id=period.bureau_id, is_active=True)
        .aggregate(
            expected=_count("pk"),
            published=_count(
                "pk",
                filter=Q(
                    pk__in=Roster.objects.filter(
                        period=period, status=RosterStatus.PUBLISHED, school__isnull=False
                    ).values("school_id")
                ),
            ),
        )
    )
    missed_count = missed(user, now=now, filters=MissedFilters(period=period.pk)).count()
    base = reverse("watch:period_detail", args=[period.pk])
    expected, published = counts["expected"], counts["published"]
    return {
        "period": {"id": period.pk, "name": period.name, "url": base},
        "expected": {"value": expected, "url": base},
        "published": {"value": published, "url": f"{base}?status={RosterStatus.PUBLISHED}"},
        "missing": {"value": expected - published, "url": f"{base}?status={MISSING}"},
        "rate": {
            "value": round(published / expected, 4) if expected else None,
            "url": f"{base}?status={RosterStatus.PUBLISHED}",
        },
        "missed": {
            "value": missed_count,
            "url": reverse("watch:missed_list") + f"?period={period.pk}",
        },
    }


def _count(field, **kwargs):
    from django.db.models import Count

    return Count(field, **kwargs)
