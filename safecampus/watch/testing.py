"""Test builders for the duty watch: a period (2027年春节, 2月6日–2月12日, Asia/Shanghai) in
the world's bureau, the rosters of the bureau and of school A, and shifts at given local
times."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from .choices import PeriodKind, Post
from .models import Roster, Shift, WatchPeriod

SHANGHAI = ZoneInfo("Asia/Shanghai")
FIRST = datetime.date(2027, 2, 6)
LAST = datetime.date(2027, 2, 12)
#: a moment before the period, when rosters are drawn up
BEFORE = datetime.datetime(2027, 1, 20, 10, 0, tzinfo=SHANGHAI)


def at(day: int, hour: int = 0, minute: int = 0, month: int = 2) -> datetime.datetime:
    """An instant of February 2027 (``month`` otherwise) in Shanghai."""
    return datetime.datetime(2027, month, day, hour, minute, tzinfo=SHANGHAI)


@dataclass
class Watch:
    world: object
    period: WatchPeriod
    bureau_roster: Roster
    roster_a: Roster


def watch_world(world, *, now=BEFORE) -> Watch:
    period = WatchPeriod.objects.create(
        bureau=world.bureau,
        name="2027年春节",
        kind=PeriodKind.HOLIDAY,
        starts_on=FIRST,
        ends_on=LAST,
        created_at=now,
        updated_at=now,
    )
    bureau_roster = Roster.objects.create(
        bureau=world.bureau, period=period, created_at=now, status_changed_at=now
    )
    roster_a = Roster.objects.create(
        bureau=world.bureau,
        school=world.school_a,
        period=period,
        created_at=now,
        status_changed_at=now,
    )
    return Watch(world, period, bureau_roster, roster_a)


def shift(roster, start, end, *, post=Post.OFFICER, name="张三", phone="13800000001", person=None):
    """A shift written directly (no rules), for arranging a test."""
    return Shift.objects.create(
        roster=roster,
        bureau_id=roster.bureau_id,
        post=post,
        person=person,
        person_name=person.display_name if person and not name else name,
        phone=phone,
        starts_at=start,
        ends_at=end,
    )


def cover_leaders(roster, *, name="李校长", phone="13900000000", days=None):
    """A leader on every day of the period (09:00–17:00)."""
    for day in days or roster.period.days():
        shift(
            roster,
            datetime.datetime.combine(day, datetime.time(9), tzinfo=SHANGHAI),
            datetime.datetime.combine(day, datetime.time(17), tzinfo=SHANGHAI),
            post=Post.LEADER,
            name=name,
            phone=phone,
        )
