"""Alerts of urgent incidents, illness clusters and disputes at risk to the groups concerned;
restricted cases never reach a robot, not even later."""

from __future__ import annotations

import datetime

import pytest

from safecampus.core.roles import Role
from safecampus.incidents import dispute_services, illness, services
from safecampus.incidents.choices import IncidentAction, IncidentType, Severity
from safecampus.incidents.testing import designate, report
from safecampus.messaging.choices import Status, Transport
from safecampus.messaging.models import Channel, Message, Preference
from safecampus.messaging.outbox import drain

pytestmark = [pytest.mark.django_db, pytest.mark.dates]

NOW = datetime.datetime(2027, 3, 1, 9, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=8)))
NIGHT = NOW.replace(hour=23)


@pytest.fixture
def school(world):
    return world.users[Role.SCHOOL_OFFICER]


@pytest.fixture
def groups(world, robots):
    settings = services.settings_for(world.bureau.pk)
    settings.routing = {"*": world.department.pk}
    settings.save()

    def robot(token, **org):
        return Channel.objects.create(
            bureau=org.pop("bureau", world.bureau),
            transport=Transport.DINGTALK,
            name=f"群{token}",
            webhook=robots.dingtalk_webhook(token),
            **org,
        )

    return {
        "school_a": robot("schoolaa", school=world.school_a),
        "school_b": robot("schoolbb", school=world.school_b),
        "dept": robot("deptdept", department=world.department),
        "bureau": robot("bureauxx"),
        "other": robot("otherbur", bureau=world.other_bureau),
    }


def _tokens(robots) -> list[str]:
    return sorted(r.token for r in robots.received)


def test_an_urgent_incident_reaches_its_school_department_and_bureau(world, school, groups, robots):
    incident = report(school, world.school_a, now=NOW, severity=Severity.LARGER, title="食堂火情")
    rows = Message.objects.filter(key__startswith=f"alert:incident:{incident.pk}:report@")
    assert {m.channel_id for m in rows} == {
        groups["school_a"].pk,
        groups["dept"].pk,
        groups["bureau"].pk,
    }
    assert drain(now=NOW) == {"ok": 3}
    assert _tokens(robots) == ["bureauxx", "deptdept", "schoolaa"]
    assert "食堂火情" in robots.received[0].text


def test_quiet_hours_do_not_hold_an_urgent_incident(world, school, groups, robots):
    report(school, world.school_a, now=NIGHT, incident_type=IncidentType.FIRE, injured=0)
    assert [m.not_before for m in Message.objects.all()] == [NIGHT] * 3
    drain(now=NIGHT)
    assert "schoolaa" in _tokens(robots)
    assert "schoolbb" not in _tokens(robots) and "otherbur" not in _tokens(robots)


def test_an_incident_that_is_not_urgent_goes_to_no_group(world, school, groups):
    report(school, world.school_a, now=NOW, injured=0)
    assert not Message.objects.exists()


def test_a_restricted_case_never_reaches_a_robot(world, school, groups, robots):
    named = world.users[Role.SAFETY_CENTRE]
    designate(world, named)
    Preference.objects.create(user=named, email="centre@example.cn")
    incident = report(
        school,
        world.school_a,
        now=NOW,
        incident_type=IncidentType.BULLYING,
        severity=Severity.LARGER,
        title="三年级学生欺凌",
        private_details="张某某",
    )
    assert incident.restricted
    assert not Message.objects.filter(channel__isnull=False).exists()
    (email,) = Message.objects.filter(transport=Transport.EMAIL)
    assert email.recipient_id == named.pk
    assert "欺凌" not in email.title + email.body and "张某某" not in email.body
    drain(now=NOW)
    assert robots.received == []


def test_a_case_restricted_later_withdraws_what_is_queued_for_robots(world, school, groups, robots):
    centre = world.users[Role.SAFETY_CENTRE]
    Preference.objects.create(user=centre, email="centre@example.cn")
    incident = report(school, world.school_a, now=NOW, title="学生受伤送医")
    assert Message.objects.filter(channel__isnull=False).count() == 3
    services.incident_act(
        actor=centre,
        incident_id=incident.pk,
        action=IncidentAction.RESTRICT,
        data={"note": "涉及未成年人隐私"},
        now=NOW,
    )
    robot_rows = Message.objects.filter(channel__isnull=False)
    assert {m.status for m in robot_rows} == {Status.CANCELLED}
    assert all("学生受伤" not in m.title + m.body for m in robot_rows)
    (email,) = Message.objects.filter(transport=Transport.EMAIL)
    assert email.status == Status.PENDING and "学生受伤" not in email.title + email.body
    drain(now=NOW)
    assert robots.received == []


def test_a_cluster_alert_reaches_its_schools_groups(world, school, groups, robots):
    day = NOW.date()
    alert = None
    for d, n in ((day - datetime.timedelta(days=1), 2), (day, 3)):
        _record, alert = illness.illness_record(
            actor=school,
            data={
                "school": world.school_a.pk,
                "class_name": "三(2)班",
                "day": d.isoformat(),
                "cases": n,
                "symptoms": "发热",
            },
            now=NOW,
        )
    assert alert is not None
    rows = Message.objects.filter(key__startswith=f"alert:cluster:{alert.pk}@")
    assert {m.channel_id for m in rows} == {
        groups["school_a"].pk,
        groups["dept"].pk,
        groups["bureau"].pk,
    }
    drain(now=NOW)
    assert "三(2)班" in robots.for_token("schoolaa")[0].text


def _dispute(world, actor, **overrides):
    data = {
        "school": world.school_a.pk,
        "subject": "discipline",
        "title": "家长对教师批评方式有异议",
        "parties": [{"role": "parent", "count": 2}, {"role": "staff", "count": 1}],
        "summary": "家长要求学校道歉。",
        "risk": "high",
        "petition_risk": True,
        "source": "screening",
        "found_on": NOW.date().isoformat(),
    }
    data.update(overrides)
    return dispute_services.dispute_register(actor=actor, data=data, now=NOW)


def test_a_dispute_at_risk_reaches_the_groups_a_bullying_one_never(world, school, groups, robots):
    dispute = _dispute(world, school)
    assert Message.objects.filter(key__startswith=f"alert:dispute:{dispute.pk}:").count() == 3
    bullying = _dispute(world, school, subject="bullying", title="校园欺凌纠纷")
    assert bullying.restricted
    assert not Message.objects.filter(key__startswith=f"alert:dispute:{bullying.pk}:").exists()
    drain(now=NOW)
    assert _tokens(robots) == ["bureauxx", "deptdept", "schoolaa"]
    assert all("欺凌" not in r.text for r in robots.received)


def test_restricting_an_incident_withdraws_its_disputes_messages_too(world, school, groups, robots):
    incident = report(school, world.school_a, now=NOW, title="学生受伤送医")
    dispute = _dispute(world, school, incident=incident.pk)
    queued = Message.objects.filter(key__startswith=f"alert:dispute:{dispute.pk}:")
    assert queued.count() == 3
    services.incident_act(
        actor=world.users[Role.SAFETY_CENTRE],
        incident_id=incident.pk,
        action=IncidentAction.RESTRICT,
        data={"note": "涉及未成年人隐私"},
        now=NOW,
    )
    assert {m.status for m in queued} == {Status.CANCELLED}
    assert drain(now=NOW) == {}
    assert robots.received == []


def test_an_incident_escalated_to_the_leaders_is_e_mailed_to_them(world, school, groups):
    centre = world.users[Role.SAFETY_CENTRE]
    leader = world.users[Role.LEADERSHIP]
    Preference.objects.create(user=leader, email="leader@example.cn")
    incident = report(school, world.school_a, now=NOW, injured=0, title="操场围墙倒塌")
    services.incident_act(
        actor=centre,
        incident_id=incident.pk,
        action=IncidentAction.ESCALATE,
        data={"note": "请领导小组研究"},
        now=NOW,
    )
    (email,) = Message.objects.filter(transport=Transport.EMAIL, recipient=leader)
    assert email.key.startswith(f"alert:incident:{incident.pk}:escalate")
    assert "操场围墙倒塌" in email.title


def test_a_restricted_incident_escalated_is_e_mailed_without_detail(world, school, groups):
    centre = world.users[Role.SAFETY_CENTRE]
    leader = world.users[Role.LEADERSHIP]
    designate(world, centre)
    Preference.objects.create(user=leader, email="leader@example.cn")
    incident = report(
        school, world.school_a, now=NOW, incident_type=IncidentType.BULLYING, title="秘密标题"
    )
    for action, data in (
        (IncidentAction.GRANT, {"user": leader.pk}),
        (IncidentAction.ESCALATE, {"note": "请领导小组研究"}),
    ):
        services.incident_act(
            actor=centre, incident_id=incident.pk, action=action, data=data, now=NOW
        )
    (email,) = Message.objects.filter(
        transport=Transport.EMAIL, recipient=leader, key__contains=":escalate"
    )
    assert "秘密标题" not in email.title + email.body
    assert not Message.objects.filter(channel__isnull=False, key__contains=":escalate").exists()
