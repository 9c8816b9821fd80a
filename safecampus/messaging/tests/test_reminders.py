"""Notices by e-mail as they are recorded, to the people who chose their topic, outside quiet
hours (alerts at once); the daily digest by e-mail to those who asked for it."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from safecampus.core.roles import Role
from safecampus.core.testing import UserFactory, user_with_role
from safecampus.messaging.choices import Topic, Transport
from safecampus.messaging.models import Message, MessagingSettings, Preference
from safecampus.notifications import registry
from safecampus.notifications.models import NoticeKind
from safecampus.notifications.registry import Reminder
from safecampus.notifications.services import daily_run, notify, notify_now, reminders_record

pytestmark = [pytest.mark.django_db, pytest.mark.dates]


def at(*args) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(*args))


MON_10 = at(2026, 12, 7, 10, 0)
MON_23 = at(2026, 12, 7, 23, 0)


def _pref(user, *, email="a@example.cn", topics=(Topic.REMINDER,), digest=False, **kw):
    return Preference.objects.create(
        user=user, email=email, email_topics=list(topics), email_digest=digest, **kw
    )


@pytest.fixture
def officer(world):
    return world.users[Role.SCHOOL_OFFICER]


def _report_due(user, *, now, key="report_due:1:2:2026-W50"):
    return notify(
        [user],
        kind=NoticeKind.REPORT_DUE,
        text="普教一科周报明日截止",
        url="/weekly/1/",
        key=key,
        now=now,
    )


def test_a_reminder_by_email_for_who_chose_reminders(world, officer):
    _pref(officer)
    _report_due(officer, now=MON_10)
    m = Message.objects.get()
    assert (m.transport, m.topic, m.recipient_id, m.address) == (
        Transport.EMAIL,
        Topic.REMINDER,
        officer.pk,
        "a@example.cn",
    )
    assert (m.bureau_id, m.not_before, m.url) == (world.bureau.pk, MON_10, "/weekly/1/")
    assert m.key == f"notice:report_due:1:2:2026-W50@u{officer.pk}"
    assert m.title == "周报明日截止" and m.body == "普教一科周报明日截止"
    # the same reminder again: recorded once, e-mailed once
    _report_due(officer, now=MON_10)
    assert Message.objects.count() == 1


def test_a_reminder_at_2300_is_held_until_0700(officer):
    _pref(officer)
    _report_due(officer, now=MON_23)
    assert Message.objects.get().not_before == at(2026, 12, 8, 7, 0)


def test_an_alerts_notice_is_not_emailed_again_from_the_notice(officer):
    # alerts and escalations are e-mailed by the app that posts them (dispatch.post, which keeps
    # a restricted case's detail out): the notice itself adds no second e-mail
    _pref(officer, topics=(Topic.ALERT, Topic.ESCALATION))
    notify_now(
        [officer],
        kind=NoticeKind.INCIDENT,
        text="甲小学：学生受伤送医",
        url="/incidents/1/",
        key="incident:1:urgent",
        now=MON_23,
    )
    notify(
        [officer],
        kind=NoticeKind.ESCALATION,
        text="隐患 甲-001 逾期 3 天，已升级至科室负责人",
        url="/hazards/1/",
        key="escalation:1:head",
        now=MON_23,
    )
    assert not Message.objects.exists()


def test_own_quiet_hours_then_the_bureaus(world, officer):
    _pref(officer, quiet_start=datetime.time(21, 0), quiet_end=datetime.time(8, 0))
    _report_due(officer, now=at(2026, 12, 7, 21, 30))
    assert Message.objects.get().not_before == at(2026, 12, 8, 8, 0)
    principal = world.users[Role.PRINCIPAL]
    _pref(principal, email="p@example.cn")
    MessagingSettings.objects.create(
        bureau=world.bureau, quiet_start=datetime.time(20, 0), quiet_end=datetime.time(6, 30)
    )
    _report_due(principal, now=at(2026, 12, 7, 20, 30), key="k2")
    assert Message.objects.get(recipient=principal).not_before == at(2026, 12, 8, 6, 30)


def test_no_email_address_or_no_preference_nothing(world, officer):
    _pref(officer, email="")
    _report_due(officer, now=MON_10)
    _report_due(world.users[Role.PRINCIPAL], now=MON_10)  # no preference saved
    assert not Message.objects.exists()


def test_a_topic_not_chosen_nothing(world, officer):
    # the defaults: alerts and escalations by e-mail, not reminders
    Preference.objects.create(user=officer, email="a@example.cn")
    _report_due(officer, now=MON_10)
    assert not Message.objects.exists()
    Preference.objects.filter(user=officer).update(email_topics=[Topic.REMINDER])
    _report_due(officer, now=MON_10, key="k3")
    assert Message.objects.get().topic == Topic.REMINDER


def test_someone_without_a_role_gets_no_email(db):
    loner = UserFactory()
    _pref(loner)
    _report_due(loner, now=MON_10)
    assert not Message.objects.exists()


def test_the_reminders_of_the_daily_run_by_email(world, officer, monkeypatch):
    dept_user = world.users[Role.DEPARTMENT_OFFICER]
    _pref(officer)
    _pref(dept_user, email="d@example.cn")
    monkeypatch.setattr(
        registry,
        "_providers",
        [
            lambda *, today: [
                Reminder(
                    NoticeKind.HAZARD_DUE,
                    f"hazard_due:1:{today + datetime.timedelta(days=3)}",
                    "/hazards/1/",
                    "隐患 甲-001 须于 2026-12-10 前整改",
                    world.department.pk,
                    recipient_ids=(officer.pk,),
                    school_id=world.school_a.pk,
                    bureau_id=world.bureau.pk,
                )
            ]
        ],
    )
    at_0730 = at(2026, 12, 7, 7, 30)
    assert reminders_record(today=at_0730.date(), now=at_0730) == 2
    assert reminders_record(today=at_0730.date(), now=at_0730) == 0
    assert set(Message.objects.values_list("recipient_id", "topic")) == {
        (officer.pk, Topic.REMINDER),
        (dept_user.pk, Topic.REMINDER),
    }


def test_the_daily_digest_by_email_only_when_asked(world, officer):
    principal = world.users[Role.PRINCIPAL]
    _pref(officer, topics=(), digest=True)
    _pref(principal, email="p@example.cn", topics=(), digest=False)
    for user in (officer, principal):
        notify([user], kind=NoticeKind.FORM_RETURNED, text="排查表已退回：请补充照片", url="/f/1/")
        _report_due(user, now=MON_10)
    at_0730 = at(2026, 12, 8, 7, 30)
    daily_run(today=at_0730.date(), now=at_0730)
    m = Message.objects.get()
    assert (m.recipient_id, m.topic, m.transport) == (officer.pk, Topic.DIGEST, Transport.EMAIL)
    assert m.title == "您 2026-12-08 的通知"
    assert "排查表已退回：请补充照片" in m.body and "普教一科周报明日截止" in m.body
    assert "今日您有 2 条通知" in m.body
    assert m.not_before == at_0730
    assert m.key == f"digest:2026-12-08:person@u{officer.pk}"
    daily_run(today=at_0730.date(), now=at_0730)
    assert Message.objects.count() == 1


def test_no_notices_no_digest_email(officer):
    _pref(officer, topics=(), digest=True)
    daily_run(today=datetime.date(2026, 12, 8), now=at(2026, 12, 8, 7, 30))
    assert not Message.objects.exists()


def test_a_fixed_number_of_queries_for_the_emails(world, monkeypatch):
    def run(n: int, tag: str) -> int:
        people = [
            user_with_role(Role.SCHOOL_OFFICER, world.school_b, username=f"{tag}{i}")
            for i in range(n)
        ]
        for p in people:
            _pref(p, email=f"{p.username}@example.cn")
        with CaptureQueriesContext(connection) as ctx:
            notify(
                people,
                kind=NoticeKind.REPORT_DUE,
                text="周报明日截止",
                url="/weekly/",
                key=f"k:{tag}",
                now=MON_10,
            )
        assert Message.objects.filter(key__startswith=f"notice:k:{tag}@").count() == n
        return len(ctx.captured_queries)

    assert run(2, "few") == run(7, "many")
