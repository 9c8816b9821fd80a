"""The groups' daily digest: at the bureau's hour, once a day, each robot hears only of its own
organisation's items, in Chinese, with links."""

import datetime

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from safecampus.core.testing import DepartmentFactory, SchoolFactory
from safecampus.messaging.choices import Status, Topic, Transport
from safecampus.messaging.digests import group_digests
from safecampus.messaging.models import Channel, GroupDigest, Message, MessagingSettings
from safecampus.messaging.outbox import drain
from safecampus.notifications import registry
from safecampus.notifications.models import NoticeKind
from safecampus.notifications.registry import Reminder

pytestmark = [pytest.mark.django_db, pytest.mark.dates]


def at(*args) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(*args))


MONDAY = datetime.date(2026, 12, 7)


def _robot(bureau, token, *, robots=None, transport=Transport.DINGTALK, **org):
    if robots is not None:
        webhook = (
            robots.dingtalk_webhook(token)
            if transport == Transport.DINGTALK
            else robots.wecom_webhook(token)
        )
    else:
        webhook = f"https://oapi.dingtalk.com/robot/send?access_token={token}"
    return Channel.objects.create(
        bureau=bureau, transport=transport, name=f"群{token}", webhook=webhook, **org
    )


@pytest.fixture
def only(monkeypatch):
    """Replace the registered reminder providers by the reminders given."""

    def _only(*reminders: Reminder):
        monkeypatch.setattr(registry, "_providers", [lambda *, today: list(reminders)])

    return _only


@pytest.fixture
def two_schools(world, only):
    w = world
    w.dept_b = DepartmentFactory(bureau=w.bureau, name="安保科")
    w.robot_a = _robot(w.bureau, "schoola1", school=w.school_a)
    w.robot_b = _robot(w.bureau, "schoolb1", school=w.school_b)
    w.robot_dept = _robot(w.bureau, "dept0001", department=w.department)
    w.robot_bureau = _robot(w.bureau, "bureau01")
    w.robot_other = _robot(w.other_bureau, "other001", school=w.school_other)
    b = w.bureau.pk
    w.items = [
        Reminder(
            NoticeKind.HAZARD_DUE,
            "hazard_due:1",
            "/hazards/1/",
            "隐患 甲-001 须于 2026-12-10 前整改",
            w.department.pk,
            school_id=w.school_a.pk,
            bureau_id=b,
        ),
        Reminder(
            NoticeKind.FORM_DUE,
            "form_due:2:1",
            "/inspections/forms/2/",
            "乙幼儿园排查表明天截止",
            school_id=w.school_b.pk,
            bureau_id=b,
        ),
        Reminder(
            NoticeKind.REPORT_DUE,
            "report_due:3",
            "/weekly/3/",
            "普教一科周报明天截止",
            w.department.pk,
            bureau_id=b,
        ),
        Reminder(
            NoticeKind.REPORT_DUE,
            "report_due:4",
            "/weekly/4/",
            "安保科周报明天截止",
            w.dept_b.pk,
            bureau_id=b,
        ),
        # no bureau named: found from its school
        Reminder(
            NoticeKind.FORM_DUE,
            "form_due:5:1",
            "/inspections/forms/5/",
            "外区中学排查表明天截止",
            school_id=w.school_other.pk,
        ),
    ]
    only(*w.items)
    return w


def _body(channel) -> str:
    return Message.objects.get(channel=channel).body


def test_at_0729_nothing_at_0730_queued_once(two_schools):
    assert group_digests(now=at(2026, 12, 7, 7, 29)) == {"bureaus": 0, "messages": 0}
    assert not Message.objects.exists()
    done = group_digests(now=at(2026, 12, 7, 7, 30))
    assert done == {"bureaus": 2, "messages": 5}
    assert Message.objects.filter(topic=Topic.DIGEST).count() == 5
    assert group_digests(now=at(2026, 12, 7, 7, 35)) == {"bureaus": 0, "messages": 0}
    assert group_digests(now=at(2026, 12, 7, 18, 0)) == {"bureaus": 0, "messages": 0}
    assert Message.objects.count() == 5
    keys = set(Message.objects.values_list("key", flat=True))
    w = two_schools
    assert f"digest:2026-12-07:school:{w.school_a.pk}@c{w.robot_a.pk}" in keys
    # the next day, again once
    assert group_digests(now=at(2026, 12, 8, 7, 30))["messages"] == 5
    assert Message.objects.count() == 10


def test_a_second_worker_queues_nothing_more(two_schools):
    group_digests(now=at(2026, 12, 7, 7, 30))
    GroupDigest.objects.all().delete()  # as if two workers had both found the digest due
    group_digests(now=at(2026, 12, 7, 7, 31))
    assert Message.objects.count() == 5


def test_a_schools_robot_never_carries_another_schools_items(two_schools):
    w = two_schools
    group_digests(now=at(2026, 12, 7, 7, 30))
    a, b = _body(w.robot_a), _body(w.robot_b)
    assert "甲-001" in a and "乙幼儿园" not in a and "周报" not in a
    assert "乙幼儿园排查表" in b and "甲-001" not in b
    assert "外区中学" not in a + b
    assert "外区中学排查表" in _body(w.robot_other)
    dept = _body(w.robot_dept)
    assert "甲-001" in dept and "普教一科周报" in dept
    assert "安保科" not in dept and "乙幼儿园" not in dept
    summary = _body(w.robot_bureau)
    # counts per kind, and the departments' own items; no school's detail
    assert "4" in summary and "：2" in summary
    assert "普教一科周报明天截止" in summary and "安保科周报明天截止" in summary
    assert "甲-001" not in summary and "乙幼儿园排查表" not in summary
    assert "外区中学" not in summary


def test_chinese_short_with_links(two_schools, settings):
    w = two_schools
    group_digests(now=at(2026, 12, 7, 7, 30))
    m = Message.objects.get(channel=w.robot_a)
    assert m.title == "甲小学 每日提醒（2026-12-07）"
    assert m.url == "/notifications/"
    assert "共 1 项待办" in m.body
    assert f"[查看]({settings.SAFECAMPUS_BASE_URL}/hazards/1/)" in m.body
    assert "明天截止" in _body(w.robot_b)
    summary = _body(w.robot_bureau)
    assert "周报" in summary or "Weekly" not in summary
    assert "Weekly" not in summary and "items" not in summary


def test_an_organisation_without_items_gets_nothing(world, only):
    _robot(world.bureau, "schoola1", school=world.school_a)
    only(
        Reminder(
            NoticeKind.FORM_DUE,
            "f:1",
            "/x/",
            "乙幼儿园排查表",
            school_id=world.school_b.pk,
            bureau_id=world.bureau.pk,
        )
    )
    assert group_digests(now=at(2026, 12, 7, 8, 0)) == {"bureaus": 1, "messages": 0}
    assert not Message.objects.exists()
    # done for the day all the same
    assert GroupDigest.objects.get().date == MONDAY


def test_a_robot_that_does_not_carry_digests_or_is_paused(two_schools):
    w = two_schools
    Channel.objects.filter(pk=w.robot_a.pk).update(topics=[Topic.ALERT])
    Channel.objects.filter(pk=w.robot_b.pk).update(active=False)
    group_digests(now=at(2026, 12, 7, 7, 30))
    assert not Message.objects.filter(channel__in=[w.robot_a, w.robot_b]).exists()
    assert Message.objects.count() == 3


def test_the_bureaus_own_digest_hour(two_schools):
    MessagingSettings.objects.create(bureau=two_schools.bureau, digest_time=datetime.time(8, 15))
    done = group_digests(now=at(2026, 12, 7, 8, 14))
    assert done == {"bureaus": 1, "messages": 1}  # the other bureau, at 07:30 by default
    assert group_digests(now=at(2026, 12, 7, 8, 15)) == {"bureaus": 1, "messages": 4}


def test_a_sunday_night_run_is_held_until_the_morning(two_schools):
    sunday_night = at(2026, 12, 6, 23, 10)
    assert sunday_night.weekday() == 6
    group_digests(now=sunday_night)
    assert Message.objects.count() == 5
    assert set(Message.objects.values_list("not_before", flat=True)) == {at(2026, 12, 7, 7, 0)}
    assert all(
        k.startswith("digest:2026-12-06:") for k in Message.objects.values_list("key", flat=True)
    )
    # Monday's digest is another one
    group_digests(now=at(2026, 12, 7, 7, 30))
    assert Message.objects.count() == 10


def test_a_fixed_number_of_queries(world, only):
    def run(n_schools: int, day: datetime.date) -> int:
        schools = [SchoolFactory(bureau=world.bureau) for _ in range(n_schools)]
        for i, school in enumerate(schools):
            _robot(world.bureau, f"s{day.day}x{i:05d}", school=school)
        only(
            *[
                Reminder(
                    NoticeKind.FORM_DUE,
                    f"f:{day}:{s.pk}",
                    f"/f/{s.pk}/",
                    "排查表明天截止",
                    school_id=s.pk,
                    bureau_id=world.bureau.pk,
                )
                for s in schools
            ]
        )
        with CaptureQueriesContext(connection) as ctx:
            group_digests(now=at(day.year, day.month, day.day, 7, 30))
        return len(ctx.captured_queries)

    few = run(2, datetime.date(2026, 12, 7))
    many = run(12, datetime.date(2026, 12, 8))
    assert few == many
    assert few <= 8


def test_the_command(two_schools):
    call_command("messages_digest", "--date", "2026-12-07", "--now", "2026-12-07T07:29:00+08:00")
    assert not Message.objects.exists()
    call_command("messages_digest", "--date", "2026-12-07", "--now", "2026-12-07T07:30:00+08:00")
    assert Message.objects.count() == 5
    # a past day is done whatever the hour, once
    call_command("messages_digest", "--date", "2026-12-06", "--now", "2026-12-07T07:00:00+08:00")
    call_command("messages_digest", "--date", "2026-12-06", "--now", "2026-12-07T07:00:00+08:00")
    assert Message.objects.count() == 10


def test_the_imitation_receives_the_schools_digest_in_chinese(robots, clock, world, settings):
    """End to end with the real reminder providers: a hazard due in three days reaches the
    school's and the department's groups, through the outbox, in Chinese."""
    from safecampus.core.roles import Role
    from safecampus.hazards.testing import hazard_at, small_catalog

    small_catalog(world.bureau, world.department)
    today = clock.today
    hazard = hazard_at(
        "rectifying",
        school=world.school_a,
        school_user=world.users[Role.SCHOOL_OFFICER],
        dept_user=world.users[Role.DEPARTMENT_OFFICER],
        deadline=today + datetime.timedelta(days=3),
    )
    _robot(world.bureau, "schoola1", robots=robots, school=world.school_a)
    _robot(world.bureau, "schoolb1", robots=robots, school=world.school_b)
    _robot(
        world.bureau,
        "wkdept01",
        robots=robots,
        transport=Transport.WECOM,
        department=world.department,
    )
    now = timezone.make_aware(datetime.datetime.combine(today, datetime.time(7, 30)))
    assert group_digests(now=now) == {"bureaus": 1, "messages": 2}
    assert drain(now=now) == {"ok": 2}
    by_token = {r.token: r.text for r in robots.received}
    assert set(by_token) == {"schoola1", "wkdept01"}
    text = by_token["schoola1"]
    assert "甲小学 每日提醒" in text and hazard.code in text
    assert "须于" in text or "整改" in text
    assert f"{settings.SAFECAMPUS_BASE_URL}/hazards/{hazard.pk}/" in text
    assert hazard.code in by_token["wkdept01"]
    assert set(Message.objects.values_list("status", flat=True)) == {Status.SENT}


def test_the_job_every_five_minutes(two_schools, clock):
    from huey.contrib.djhuey import HUEY

    from safecampus.messaging.tasks_daily import messages_group_digests

    periodic = {getattr(t, "name", "") for t in HUEY._registry.periodic_tasks}
    assert "messages_group_digests" in periodic
    clock.move_to("2026-12-07T07:25:00")
    assert messages_group_digests.call_local() == {"bureaus": 0, "messages": 0}
    clock.move_to("2026-12-07T07:30:00")
    assert messages_group_digests.call_local() == {"bureaus": 2, "messages": 5}
    clock.move_to("2026-12-07T07:35:00")
    assert messages_group_digests.call_local() == {"bureaus": 0, "messages": 0}
