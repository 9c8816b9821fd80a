"""The duty watch of the demo district (值班值守): the 2027 Spring Festival with the bureau's
roster and the demo primary school's published (a leader on duty every day), and a sensitive
period around today in which the ``school`` account has shifts yesterday, today and ahead (so
that 我的值班 shows something), yesterday's checked in with its duty log, today's left to check
in when the demo is seeded during it, and one missed shift (the vice principal's, yesterday:
no check-in)."""

from __future__ import annotations

import datetime

from django.utils import timezone

from safecampus.accounts.models import User
from safecampus.orgs.models import School
from safecampus.watch import services
from safecampus.watch.choices import LogKind, PeriodKind, Post
from safecampus.watch.models import Shift


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    tz = timezone.get_current_timezone()
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=tz)


def _shift(actor, roster, post, person, day, start, end, *, now, name="", phone=""):
    end_day = day + datetime.timedelta(days=1) if end <= start else day
    return services.shift_add(
        actor=actor,
        roster=roster,
        data={
            "post": post,
            "person": person,
            "person_name": name,
            "phone": phone,
            "starts_at": _at(day, start),
            "ends_at": _at(end_day, end),
        },
        now=now,
    )


def seed_demo_watch(*, district, now=None) -> dict:
    now = now or timezone.now()
    today = timezone.localdate(now)
    users = {
        u.username: u
        for u in User.objects.filter(username__in=["centre", "leader", "school", "principal"])
    }
    centre, leader, school_user, principal = (
        users["centre"],
        users["leader"],
        users["school"],
        users["principal"],
    )
    school = School.objects.get(role_assignments__user=school_user, bureau=district)
    drafted = now - datetime.timedelta(days=3)

    spring = services.period_save(
        actor=centre,
        bureau=district,
        data={
            "name": "2027年春节",
            "kind": PeriodKind.HOLIDAY,
            "starts_on": datetime.date(2027, 2, 6),
            "ends_on": datetime.date(2027, 2, 12),
            "note": "严格落实节假日期间领导带班应急值守制度",
        },
        now=drafted,
    )
    bureau_roster = services.roster_create(actor=centre, period=spring, now=drafted)
    nights = spring.days()[:-1]  # a night shift ends the next morning, within the period
    for day in spring.days():
        _shift(centre, bureau_roster, Post.LEADER, leader, day, 8, 20, now=drafted)
        _shift(centre, bureau_roster, Post.OFFICER, centre, day, 8, 20, now=drafted)
        if day in nights:
            _shift(
                centre,
                bureau_roster,
                Post.OFFICER,
                None,
                day,
                20,
                8,
                now=drafted,
                name="值班员 孙涛",
                phone="021-64120000",
            )
    services.roster_publish(actor=centre, roster=bureau_roster, now=drafted)
    school_spring = services.roster_create(
        actor=school_user, period=spring, school=school, now=drafted
    )
    for day in spring.days():
        _shift(school_user, school_spring, Post.LEADER, principal, day, 8, 20, now=drafted)
        if day in nights:
            _shift(
                school_user,
                school_spring,
                Post.GUARD,
                None,
                day,
                20,
                8,
                now=drafted,
                name="门卫 王师傅",
                phone="13900001111",
            )
    services.roster_publish(actor=school_user, roster=school_spring, now=drafted)

    yesterday = today - datetime.timedelta(days=1)
    current = services.period_save(
        actor=centre,
        bureau=district,
        data={
            "name": f"{today.year}年{today.month}月重点时段值守",
            "kind": PeriodKind.SENSITIVE,
            "starts_on": yesterday,
            "ends_on": today + datetime.timedelta(days=5),
            "note": "敏感时段加强应急值守，发生突发事件第一时间报告",
        },
        now=drafted,
    )
    roster = services.roster_create(actor=school_user, period=current, school=school, now=drafted)
    for day in current.days():
        # the vice principal leads here (no account), so that this period may overlap the
        # Spring Festival's (the principal leads there) when the demo is seeded in February
        _shift(
            school_user,
            roster,
            Post.LEADER,
            None,
            day,
            8,
            20,
            now=drafted,
            name="副校长 周华",
            phone="13900002222",
        )
        _shift(school_user, roster, Post.OFFICER, school_user, day, 8, 20, now=drafted)
    services.roster_publish(actor=school_user, roster=roster, now=drafted)
    mine = roster.shifts.filter(person=school_user).order_by("starts_at")
    first = mine.first()
    services.log_record(
        actor=school_user, shift=first, kind=LogKind.CHECK_IN, now=_at(yesterday, 7, 52)
    )
    services.log_record(
        actor=school_user,
        shift=first,
        kind=LogKind.PATROL,
        note="校园巡查一遍，门卫在岗，消防通道畅通",
        now=_at(yesterday, 10, 5),
    )
    services.log_record(
        actor=school_user,
        shift=first,
        kind=LogKind.CALL,
        note="家长来电询问返校安排，已答复",
        now=_at(yesterday, 14, 30),
    )
    services.log_record(
        actor=school_user, shift=first, kind=LogKind.CHECK_OUT, now=_at(yesterday, 20, 2)
    )
    # every other shift begun so far was checked in on time (the demo may be seeded during
    # the Spring Festival too), so that yesterday's leader here is the one missed shift; but
    # the ``school`` account's shift under way now is left for a newcomer to check in on
    # 我的值班 (it shows as missed once its grace has passed, with its check-in button)
    left_out = roster.shifts.filter(post=Post.LEADER).order_by("starts_at").first()
    current = Shift.objects.filter(
        bureau=district, person=school_user, starts_at__lte=now, ends_at__gt=now
    )
    begun = (
        Shift.objects.filter(bureau=district, starts_at__lte=now, checked_in_at__isnull=True)
        .exclude(pk=left_out.pk)
        .exclude(pk__in=current.values("pk"))
        .select_related("roster")
        .order_by("starts_at")
    )
    for s in begun:
        keeper = centre if s.roster.school_id is None else school_user
        services.log_record(
            actor=s.person or keeper,
            shift=s,
            kind=LogKind.CHECK_IN,
            now=s.starts_at - datetime.timedelta(minutes=5),
        )
    missed = Shift.objects.filter(bureau=district).missed(now=now, grace=services.GRACE).count()
    return {"periods": 2, "rosters": 3, "missed": missed}
