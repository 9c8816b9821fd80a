"""Alerts of major hazards: reported or raised to major, and overdue; to exactly the school's,
the department's and the bureau's robots, at once whatever the hour, once."""

import datetime

import pytest
from django.db import transaction
from django.utils import timezone

from safecampus.core.roles import Role
from safecampus.core.testing import user_with_role
from safecampus.hazards import services
from safecampus.hazards.choices import Action
from safecampus.hazards.messages import overdue_major_alerts
from safecampus.messaging.choices import Status, Topic, Transport
from safecampus.messaging.models import Channel, Message, Preference
from safecampus.messaging.outbox import drain
from safecampus.notifications.models import Notice, NoticeKind

pytestmark = [pytest.mark.django_db, pytest.mark.dates]

INTERIM = {
    "interim_measures": "设置警戒线，专人看守",
    "interim_unit": "总务处",
    "interim_person": "李老师",
}


def interim(today: datetime.date) -> dict:
    """Interim measures of a major hazard, in place within a month of ``today``."""
    return {**INTERIM, "interim_deadline": today + datetime.timedelta(days=30)}


def _robot(robots, world, token, **org):
    return Channel.objects.create(
        bureau=org.pop("bureau", world.bureau),
        transport=Transport.DINGTALK,
        name=f"群{token}",
        webhook=robots.dingtalk_webhook(token),
        **org,
    )


@pytest.fixture
def groups(robots, reg, clock):
    w = reg
    w.clock = clock
    return {
        "school_a": _robot(robots, w, "schoolaa", school=w.school_a),
        "school_b": _robot(robots, w, "schoolbb", school=w.school_b),
        "dept": _robot(robots, w, "deptdept", department=w.department),
        "other_dept": _robot(robots, w, "otherdep", department=w.other_dept),
        "bureau": _robot(robots, w, "bureauxx"),
        "other_bureau": _robot(robots, w, "otherbur", bureau=w.other_bureau),
    }


def _major(reg, **data):
    item = reg.catalog.items.get(code="A01-02")
    return reg.make("reported", item=item, **interim(reg.clock.today), **data)


def test_a_major_hazard_reported_reaches_its_school_department_and_bureau(
    robots, reg, groups, clock
):
    hazard = _major(reg)
    rows = Message.objects.filter(key__startswith=f"alert:hazard_major:{hazard.pk}@")
    assert {m.channel_id for m in rows} == {
        groups["school_a"].pk,
        groups["dept"].pk,
        groups["bureau"].pk,
    }
    assert {m.topic for m in rows} == {Topic.ALERT}
    notices = Notice.objects.filter(kind=NoticeKind.HAZARD_MAJOR)
    assert set(notices.values_list("recipient_id", flat=True)) == {
        reg.users[Role.DEPARTMENT_OFFICER].pk,
        reg.users[Role.SAFETY_CENTRE].pk,
    }
    # in-app at once: folded into today's notifications, not waiting for the digest
    assert all(n.digest_id for n in notices)

    assert drain(now=clock.now) == {"ok": 3}
    assert sorted(r.token for r in robots.received) == ["bureauxx", "deptdept", "schoolaa"]
    text = robots.for_token("schoolaa")[0].text
    assert hazard.code in text and "甲小学" in text and "普教一科" in text
    assert f"/hazards/{hazard.pk}/" in str(robots.for_token("schoolaa")[0].payload)


def test_a_schools_robot_never_carries_another_schools_alert(robots, reg, groups, clock):
    _major(reg, school=reg.school_b, school_user=reg.school_b_user)
    drain(now=clock.now)
    tokens = {r.token for r in robots.received}
    assert "schoolbb" in tokens
    assert "schoolaa" not in tokens and "otherdep" not in tokens and "otherbur" not in tokens


def test_a_general_hazard_is_not_alerted_until_raised_to_major(robots, reg, groups, clock):
    hazard = reg.make("reported")
    assert not Message.objects.exists()
    services.hazard_act(
        actor=reg.users[Role.DEPARTMENT_OFFICER],
        hazard_id=hazard.pk,
        action=Action.EDIT,
        version=hazard.version,
        comment="复核后定为重大隐患",
        changes={"level": "major", **interim(clock.today)},
    )
    assert Message.objects.filter(key__startswith=f"alert:hazard_major:{hazard.pk}@").count() == 3
    # a second change of the level does not alert again
    hazard.refresh_from_db()
    for level in ("general", "major"):
        hazard = services.hazard_act(
            actor=reg.users[Role.DEPARTMENT_OFFICER],
            hazard_id=hazard.pk,
            action=Action.EDIT,
            version=hazard.version,
            comment="调整",
            changes={"level": level},
        )
    assert Message.objects.count() == 3


def test_a_rolled_back_report_queues_nothing(robots, reg, groups):
    class Undo(Exception):
        pass

    with pytest.raises(Undo), transaction.atomic():
        _major(reg)
        assert Message.objects.count() == 3
        raise Undo
    assert not Message.objects.exists()
    assert not Notice.objects.filter(kind=NoticeKind.HAZARD_MAJOR).exists()


def test_quiet_hours_do_not_hold_an_alert(robots, reg, groups, clock):
    night = clock.move_to(timezone.make_aware(datetime.datetime(2026, 11, 18, 23, 0)), tick=False)
    _major(reg)
    assert [m.not_before for m in Message.objects.all()] == [night] * 3
    assert drain(now=night) == {"ok": 3}


def test_email_follows_each_persons_preferences(robots, reg, groups):
    centre = reg.users[Role.SAFETY_CENTRE]
    Preference.objects.create(user=centre, email="centre@example.cn")  # alerts by default
    Preference.objects.create(
        user=reg.users[Role.DEPARTMENT_OFFICER], email="dept@example.cn", email_topics=[]
    )
    _major(reg)
    emails = Message.objects.filter(transport=Transport.EMAIL)
    assert [(m.recipient_id, m.address) for m in emails] == [(centre.pk, "centre@example.cn")]


def test_a_major_hazard_overdue_is_alerted_once_on_its_first_days(robots, reg, groups, clock):
    deadline = datetime.date(2026, 11, 10)
    hazard = _major(reg)
    type(hazard).objects.filter(pk=hazard.pk).update(deadline=deadline)
    general = reg.make("reported")
    type(general).objects.filter(pk=general.pk).update(deadline=deadline)
    now = clock.now
    key = f"alert:hazard_overdue:{hazard.pk}@"

    assert overdue_major_alerts(today=deadline, now=now) == 0
    overdue_major_alerts(today=deadline + datetime.timedelta(days=1), now=now)
    assert Message.objects.filter(key__startswith=key).count() == 3
    assert not Message.objects.filter(key__contains=f":{general.pk}@").exists()
    overdue_major_alerts(today=deadline + datetime.timedelta(days=2), now=now)
    assert Message.objects.filter(key__startswith=key).count() == 3
    notices = Notice.objects.filter(key=f"alert:hazard_overdue:{hazard.pk}")
    assert notices.count() == 2  # the department's officer and the centre, once each
    assert "逾期" in Message.objects.filter(key__startswith=key).first().title
    assert {m.status for m in Message.objects.all()} == {Status.PENDING}


def test_a_long_overdue_major_hazard_is_left_to_the_ladder(robots, reg, groups, clock):
    hazard = _major(reg)
    type(hazard).objects.filter(pk=hazard.pk).update(deadline=datetime.date(2026, 10, 1))
    assert overdue_major_alerts(today=datetime.date(2026, 11, 18), now=clock.now) == 0


def test_officers_of_other_departments_are_not_told(reg, groups):
    stranger = user_with_role(Role.DEPARTMENT_OFFICER, reg.other_dept, username="stranger")
    _major(reg)
    assert not Notice.objects.filter(recipient=stranger).exists()
