"""The core of incidents end to end through the services: report, follow up, close; the first
report's timeliness at the limit's edge; restricted cases invisible to those not named; the
cluster trigger."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError

from safecampus.audit.models import Action, AuditEvent
from safecampus.core.roles import Role
from safecampus.incidents import illness, selectors, services
from safecampus.incidents.choices import IncidentAction, IncidentStatus, IncidentType, StepKind
from safecampus.incidents.models import Incident
from safecampus.incidents.testing import designate, report, second_centre_officer

pytestmark = pytest.mark.dates

NOW = datetime.datetime(2027, 3, 1, 9, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=8)))


@pytest.fixture
def school(world):
    return world.users[Role.SCHOOL_OFFICER]


def test_report_follow_up_close(world, school):
    incident = report(school, world.school_a, now=NOW, minutes_after=30)
    assert incident.status == IncidentStatus.OPEN
    assert incident.first_late is False  # exactly 30 minutes: on time
    incident = services.incident_act(
        actor=school,
        incident_id=incident.pk,
        action=IncidentAction.FOLLOW_UP,
        data={"note": "学生已就医，无大碍。"},
        now=NOW + datetime.timedelta(hours=2),
    )
    incident = services.incident_act(
        actor=school,
        incident_id=incident.pk,
        action=IncidentAction.CLOSE,
        data={"note": "处置完毕。"},
        now=NOW + datetime.timedelta(hours=5),
    )
    assert incident.status == IncidentStatus.CLOSED
    kinds = list(incident.steps.values_list("kind", flat=True))
    assert kinds == [StepKind.INITIAL, StepKind.FOLLOW_UP, StepKind.FINAL]
    with pytest.raises(ValidationError) as exc:
        services.incident_act(
            actor=school,
            incident_id=incident.pk,
            action=IncidentAction.CLOSE,
            data={"note": "再次终报"},
            now=NOW + datetime.timedelta(hours=6),
        )
    assert exc.value.code == "invalid_transition"


def test_one_minute_more_is_late(world, school):
    incident = report(school, world.school_a, now=NOW, minutes_after=31)
    assert incident.first_late is True


def test_future_incident_refused(world, school):
    with pytest.raises(ValidationError) as exc:
        report(school, world.school_a, now=NOW, minutes_after=-10)
    assert exc.value.code == "in_future"
    assert not Incident.objects.exists()


def test_restricted_case_seen_only_by_named(world, school):
    named = world.users[Role.SAFETY_CENTRE]
    designate(world, named)
    other = second_centre_officer(world)
    incident = report(
        school, world.school_a, now=NOW, incident_type=IncidentType.BULLYING, title="欺凌"
    )
    assert incident.restricted
    assert set(Incident.objects.visible_to(named)) == {incident}
    assert set(Incident.objects.visible_to(school)) == {incident}  # the reporter
    for user in (other, world.users[Role.LEADERSHIP], world.users[Role.PRINCIPAL]):
        assert not Incident.objects.visible_to(user).exists()
        assert Incident.objects.counted_for(user).count() == 1
    from django.http import Http404

    with pytest.raises(Http404):
        selectors.incident_get(other, incident.pk)
    selectors.incident_get(named, incident.pk)
    actions = list(AuditEvent.objects.order_by("pk").values_list("action", flat=True))
    assert actions == [Action.RESTRICTED_DENIED, Action.RESTRICTED_READ]
    assert "欺凌" not in AuditEvent.objects.first().target_repr


def test_cluster_alert_and_report(world, school):
    day = NOW.date()
    for n, d in ((2, day - datetime.timedelta(days=1)), (2, day)):
        record, alert = illness.illness_record(
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
        assert alert is None
    record, alert = illness.illness_record(
        actor=school,
        data={
            "school": world.school_a.pk,
            "class_name": "三(2)班",
            "day": day.isoformat(),
            "cases": 1,
            "symptoms": "发热",
        },
        now=NOW,
    )
    assert alert is not None and alert.rule == "day" and alert.cases == 3
    incident = report(
        school,
        world.school_a,
        now=NOW + datetime.timedelta(minutes=61),
        incident_type=IncidentType.INFECTIOUS,
        cluster=alert.pk,
        occurred_at=NOW - datetime.timedelta(hours=20),
        known_at=NOW,
    )
    assert incident.first_late is True  # the cluster's 60 minutes ran out


def test_a_future_time_is_said_once_under_the_field_given(world, school):
    with pytest.raises(ValidationError) as exc:
        report(school, world.school_a, now=NOW, minutes_after=-10)
    # the blank 知悉时间 is the occurrence's own: no second message under it
    assert set(exc.value.message_dict) == {"occurred_at"}


def test_a_closed_incident_is_not_acknowledged_any_more(world, school):
    incident = report(school, world.school_a, now=NOW)
    services.incident_act(
        actor=school,
        incident_id=incident.pk,
        action=IncidentAction.CLOSE,
        data={"note": "处置完毕。"},
        now=NOW + datetime.timedelta(hours=1),
    )
    with pytest.raises(ValidationError) as exc:
        services.incident_act(
            actor=world.users[Role.SAFETY_CENTRE],
            incident_id=incident.pk,
            action=IncidentAction.ACKNOWLEDGE,
            now=NOW + datetime.timedelta(hours=2),
        )
    assert exc.value.code == "invalid_transition"
