"""The escalation ladder of overdue hazards, step by step, with a bureau's own days."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from safecampus.core.roles import Role
from safecampus.core.testing import user_with_role
from safecampus.hazards.escalation import escalate_overdue
from safecampus.hazards.tasks import daily_messages
from safecampus.messaging.choices import Topic, Transport
from safecampus.messaging.models import Channel, DepartmentHead, Message, MessagingSettings
from safecampus.messaging.outbox import drain
from safecampus.notifications.models import Notice, NoticeKind

pytestmark = [pytest.mark.django_db, pytest.mark.dates]

DEADLINE = datetime.date(2026, 11, 2)
INTERIM = {
    "interim_measures": "设置警戒线，专人看守",
    "interim_unit": "总务处",
    "interim_person": "李老师",
}


def interim(today: datetime.date) -> dict:
    """Interim measures of a major hazard, in place within a month of ``today``."""
    return {**INTERIM, "interim_deadline": today + datetime.timedelta(days=30)}


def at(day: datetime.date, hour: int = 8) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 0)))


def day(n: int) -> datetime.date:
    """``n`` days after the deadline."""
    return DEADLINE + datetime.timedelta(days=n)


@pytest.fixture
def ladder(reg, robots, clock):
    reg.clock = clock
    MessagingSettings.objects.create(
        bureau=reg.bureau,
        general_head_days=2,
        general_centre_days=4,
        general_leaders_days=6,
        major_head_days=1,
        major_centre_days=2,
        major_leaders_days=3,
    )
    reg.dept_robot = Channel.objects.create(
        bureau=reg.bureau,
        department=reg.department,
        transport=Transport.DINGTALK,
        name="科室群",
        webhook=robots.dingtalk_webhook("deptdept"),
    )
    reg.bureau_robot = Channel.objects.create(
        bureau=reg.bureau,
        transport=Transport.WECOM,
        name="局群",
        webhook=robots.wecom_webhook("bureauxx"),
    )
    reg.school_robot = Channel.objects.create(
        bureau=reg.bureau,
        school=reg.school_a,
        transport=Transport.DINGTALK,
        name="学校群",
        webhook=robots.dingtalk_webhook("schoolaa"),
    )
    reg.head = user_with_role(Role.DEPARTMENT_OFFICER, reg.department, username="head")
    reg.centre = reg.users[Role.SAFETY_CENTRE]
    reg.leader = reg.users[Role.LEADERSHIP]
    reg.officer = reg.users[Role.DEPARTMENT_OFFICER]
    return reg


def _overdue(reg, *, major=False, **data):
    if major:
        data["item"] = reg.catalog.items.get(code="A01-02")
        data.update(interim(reg.clock.today))
    hazard = reg.make("rectifying", **data)
    type(hazard).objects.filter(pk=hazard.pk).update(deadline=DEADLINE)
    hazard.refresh_from_db()
    return hazard


def _esc(hazard, step=None):
    key = f"esc:{hazard.pk}:" + (f"{step}" if step else "")
    return Message.objects.filter(topic=Topic.ESCALATION, key__startswith=key)


def _told(hazard, step):
    return set(
        Notice.objects.filter(
            kind=NoticeKind.ESCALATION, key=f"esc:{hazard.pk}:{step}"
        ).values_list("recipient_id", flat=True)
    )


def _run(n: int, hour: int = 8):
    return escalate_overdue(today=day(n), now=at(day(n), hour))


def test_a_general_hazard_climbs_the_bureaus_ladder_step_by_step(ladder):
    DepartmentHead.objects.create(department=ladder.department, user=ladder.head)
    hazard = _overdue(ladder)

    _run(1)  # general: the head after 2 days
    assert not _esc(hazard).exists() and not _told(hazard, 1)

    _run(2)
    assert _told(hazard, 1) == {ladder.head.pk}
    assert [m.channel_id for m in _esc(hazard, 1)] == [ladder.dept_robot.pk]

    _run(3)
    assert not _esc(hazard, 2).exists()

    _run(4)
    assert _told(hazard, 2) == {ladder.centre.pk}
    assert [m.channel_id for m in _esc(hazard, 2)] == [ladder.bureau_robot.pk]

    _run(5)
    assert not _esc(hazard, 3).exists()

    _run(6)
    assert _told(hazard, 3) == {ladder.leader.pk}
    assert [m.channel_id for m in _esc(hazard, 3)] == [ladder.bureau_robot.pk]
    # the school's group is never told of an escalation; each step was said once
    assert not _esc(hazard).filter(channel=ladder.school_robot).exists()
    assert _esc(hazard).count() == 3


def test_a_major_hazard_climbs_faster(ladder):
    hazard = _overdue(ladder, major=True)
    assert escalate_overdue(today=day(0), now=at(day(0))) == {1: 0, 2: 0, 3: 0}
    assert _run(1) == {1: 1, 2: 0, 3: 0}
    assert _run(2) == {1: 0, 2: 1, 3: 0}
    assert _run(3) == {1: 0, 2: 0, 3: 1}
    assert [_esc(hazard, s).count() for s in (1, 2, 3)] == [1, 1, 1]


def test_without_a_named_head_all_the_departments_officers_hear(ladder):
    hazard = _overdue(ladder)
    gone = user_with_role(Role.DEPARTMENT_OFFICER, ladder.department, username="gone")
    gone.is_active = False
    gone.save()
    _run(2)
    assert _told(hazard, 1) == {ladder.officer.pk, ladder.head.pk}


def test_a_second_run_repeats_nothing(ladder):
    hazard = _overdue(ladder)
    _run(2)
    messages, notices = Message.objects.count(), Notice.objects.count()
    _run(2)
    _run(3)
    assert (Message.objects.count(), Notice.objects.count()) == (messages, notices)
    assert _esc(hazard).count() == 1


def test_a_long_overdue_hazard_gets_only_its_highest_step(ladder):
    hazard = _overdue(ladder)
    assert _run(30) == {1: 0, 2: 0, 3: 1}
    assert [_esc(hazard, s).count() for s in (1, 2, 3)] == [0, 0, 1]
    assert not _told(hazard, 1) and not _told(hazard, 2)
    assert _told(hazard, 3) == {ladder.leader.pk}


def test_closed_and_withdrawn_hazards_are_not_escalated(ladder):
    done = ladder.make("closed")
    type(done).objects.filter(pk=done.pk).update(deadline=DEADLINE)
    _run(30)
    assert not Message.objects.filter(topic=Topic.ESCALATION).exists()


def test_the_text_names_the_hazard_school_days_department_and_links_to_it(ladder, robots):
    hazard = _overdue(ladder)
    _run(4)
    (message,) = _esc(hazard, 2)
    assert hazard.code in message.title and "4" in message.title
    assert "甲小学" in message.body and "普教一科" in message.body
    assert "逾期天数：4" in message.body
    assert message.url == f"/hazards/{hazard.pk}/"
    drain(now=at(day(4)))
    (received,) = robots.for_token("bureauxx")
    assert hazard.code in received.text and f"/hazards/{hazard.pk}/" in received.text


def test_quiet_hours_hold_escalations_but_not_alerts(ladder):
    hazard = _overdue(ladder, major=True)
    night = at(day(1), 23)
    daily_messages(today=day(1), now=night)
    morning = at(day(2), 7)
    assert {m.not_before for m in _esc(hazard)} == {morning}
    alerts = Message.objects.filter(key__startswith=f"alert:hazard_overdue:{hazard.pk}@")
    assert alerts.count() == 3  # school, department, bureau
    assert {m.not_before for m in alerts} == {night}
    assert drain(now=night) == {"ok": 3}
    assert _esc(hazard).get().status == "pending"


def test_a_fixed_number_of_queries_however_many_hazards(ladder, django_assert_max_num_queries):
    for _i in range(2):
        _overdue(ladder)
    with CaptureQueriesContext(connection) as few:
        _run(2)
    for _i in range(6):
        _overdue(ladder)
    _overdue(ladder, major=True)
    with CaptureQueriesContext(connection) as many:
        _run(6)
    assert len(many) == len(few)
    with django_assert_max_num_queries(16):
        _run(7)
