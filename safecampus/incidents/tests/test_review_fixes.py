"""The review's findings, each pinned by a test that fails without its fix."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError

from safecampus.accounts.models import RoleAssignment
from safecampus.core.access import roles_on
from safecampus.core.roles import Role
from safecampus.core.testing import user_with_role
from safecampus.incidents import restriction
from safecampus.incidents.choices import IncidentType
from safecampus.incidents.models import Incident
from safecampus.incidents.testing import designate, report

pytestmark = pytest.mark.dates

NOW = datetime.datetime(2027, 3, 1, 9, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=8)))


def _fresh(user):
    return type(user).objects.get(pk=user.pk)


def _leave(user, world):
    """``user`` leaves the world's bureau for the other one."""
    RoleAssignment.objects.filter(user=user).update(revoked_at=NOW)
    RoleAssignment.objects.create(user=user, role=Role.SAFETY_CENTRE, bureau=world.other_bureau)
    return _fresh(user)


# --- 1. a named person who left the bureau -------------------------------------------------------


def test_named_person_loses_restricted_case_on_leaving_bureau(world):
    school = world.users[Role.SCHOOL_OFFICER]
    centre = world.users[Role.SAFETY_CENTRE]
    designate(world, centre)
    incident = report(school, world.school_a, now=NOW, incident_type=IncidentType.BULLYING)
    assert incident.restricted and incident.names(centre.pk)
    assert Incident.objects.visible_to(centre).filter(pk=incident.pk).exists()
    gone = _leave(centre, world)
    assert not Incident.objects.visible_to(gone).exists()
    assert not Incident.objects.restrict(gone, "manage").exists()
    assert roles_on(gone, incident) == frozenset()
    # the school officer named as reporter still sees it while in the bureau's school
    assert Incident.objects.visible_to(_fresh(school)).filter(pk=incident.pk).exists()


def test_first_names_only_eligible_people(world):
    centre = world.users[Role.SAFETY_CENTRE]
    designate(world, centre)
    _leave(centre, world)
    outsider = user_with_role(Role.SAFETY_CENTRE, world.other_bureau, username="outsider")
    school = world.users[Role.SCHOOL_OFFICER]
    names = restriction.first_names(world.bureau.pk, school, outsider)
    assert names == [school.pk]


# --- 2. Word documents of a restricted case ----------------------------------------------------


def _act(actor, incident, action, at, **data):
    from safecampus.incidents import services

    return services.incident_act(
        actor=actor, incident_id=incident.pk, action=action, data=data, now=at
    )


SECRETS = ("秘密标题", "秘密地点", "秘密经过", "秘密措施", "秘密续报", "秘密新措施", "秘密终报")


@pytest.mark.parametrize("kind", ["initial", "follow_up", "final"])
def test_restricted_documents_hold_no_free_text(world, kind):
    import io

    from docx import Document as open_docx

    from safecampus.core.testing_documents import docx_text
    from safecampus.incidents import documents
    from safecampus.incidents.choices import IncidentAction

    school = world.users[Role.SCHOOL_OFFICER]
    incident = report(
        school,
        world.school_a,
        now=NOW,
        incident_type=IncidentType.BULLYING,
        title="秘密标题",
        place="秘密地点",
        description="秘密经过",
        measures="秘密措施",
    )
    _act(
        school,
        incident,
        IncidentAction.FOLLOW_UP,
        NOW + datetime.timedelta(hours=2),
        note="秘密续报",
        measures="秘密新措施",
    )
    _act(school, incident, IncidentAction.CLOSE, NOW + datetime.timedelta(hours=3), note="秘密终报")
    incident.refresh_from_db()
    content, name = documents.incident_document(
        incident, kind=kind, now=NOW + datetime.timedelta(hours=4)
    )
    text = docx_text(open_docx(io.BytesIO(content)))
    for secret in SECRETS:
        assert secret not in text, secret
    assert "受限案件" in text and documents.RESTRICTED_MASK in text
    assert documents.PRIVACY_LINE in text


# --- 3. restricting later scrubs the notices already sent ---------------------------------------


def test_restricting_an_incident_scrubs_its_notices(world):
    from safecampus.incidents.choices import IncidentAction, Severity
    from safecampus.notifications.models import Notice

    school = world.users[Role.SCHOOL_OFFICER]
    centre = world.users[Role.SAFETY_CENTRE]
    incident = report(school, world.school_a, now=NOW, title="秘密标题", severity=Severity.MAJOR)
    sent = set(
        Notice.objects.filter(key__startswith=f"incident:{incident.pk}:").values_list(
            "recipient_id", flat=True
        )
    )
    assert {centre.pk, world.users[Role.LEADERSHIP].pk} <= sent
    designate(world, centre)
    _act(
        centre,
        incident,
        IncidentAction.RESTRICT,
        NOW + datetime.timedelta(hours=1),
        note="涉未成年人",
    )
    left = Notice.objects.filter(key__startswith=f"incident:{incident.pk}:")
    assert set(left.values_list("recipient_id", flat=True)) == {centre.pk}
    notice = left.get()
    assert "秘密标题" not in notice.text and "甲小学" not in notice.text
    assert notice.url == incident.get_absolute_url()


def test_restricting_a_dispute_scrubs_its_notices(world):
    from safecampus.incidents import dispute_services
    from safecampus.incidents.choices import DisputeAction, RiskLevel
    from safecampus.incidents.models import Dispute
    from safecampus.incidents.tests.test_disputes import dispute_data
    from safecampus.notifications.models import Notice

    school = world.users[Role.SCHOOL_OFFICER]
    centre = world.users[Role.SAFETY_CENTRE]
    centre2 = user_with_role(Role.SAFETY_CENTRE, world.bureau, username="centre2")
    dispute = dispute_services.dispute_register(
        actor=school,
        data=dispute_data(world.school_a, risk=RiskLevel.HIGH, title="秘密纠纷"),
        now=NOW,
    )
    assert Notice.objects.filter(recipient=centre2, key__startswith=f"dispute:{dispute.pk}:")
    designate(world, centre)
    dispute_services.dispute_act(
        actor=centre,
        dispute_id=dispute.pk,
        action=DisputeAction.RESTRICT,
        data={"note": "涉未成年人"},
        version=Dispute.objects.get(pk=dispute.pk).version,
        now=NOW + datetime.timedelta(hours=1),
    )
    left = Notice.objects.filter(key__startswith=f"dispute:{dispute.pk}:")
    assert set(left.values_list("recipient_id", flat=True)) == {centre.pk}
    assert "秘密纠纷" not in left.get().text


# --- 4. a dispute arising from a restricted incident --------------------------------------------


def test_dispute_of_a_restricted_incident_is_restricted_and_hides_the_link(world, client_for):
    from django.urls import reverse

    from safecampus.incidents import dispute_services
    from safecampus.incidents.choices import DisputeAction
    from safecampus.incidents.models import Dispute, DisputeAccess, IncidentAccess
    from safecampus.incidents.tests.test_disputes import dispute_data

    school = world.users[Role.SCHOOL_OFFICER]
    centre = world.users[Role.SAFETY_CENTRE]
    leader = world.users[Role.LEADERSHIP]
    designate(world, centre)
    incident = report(school, world.school_a, now=NOW, incident_type=IncidentType.BULLYING)
    dispute = dispute_services.dispute_register(
        actor=school, data=dispute_data(world.school_a, incident=incident.pk), now=NOW
    )
    assert dispute.restricted
    assert set(DisputeAccess.objects.filter(dispute=dispute).values_list("user_id", flat=True)) == (
        set(IncidentAccess.objects.filter(incident=incident).values_list("user_id", flat=True))
    )
    dispute_services.dispute_act(
        actor=centre,
        dispute_id=dispute.pk,
        action=DisputeAction.GRANT,
        data={"user": leader.pk},
        version=Dispute.objects.get(pk=dispute.pk).version,
        now=NOW,
    )
    client = client_for(leader)
    page = client.get(reverse("incidents:dispute_detail", args=[dispute.pk]))
    assert page.status_code == 200
    assert f"/incidents/{incident.pk}/" not in page.content.decode()
    assert 'data-testid="incident-link"' not in page.content.decode()
    api = client.get(f"/api/v1/disputes/{dispute.pk}/")
    assert api.status_code == 200 and api.json()["incident"] is None
    client = client_for(centre)
    assert client.get(f"/api/v1/disputes/{dispute.pk}/").json()["incident"] == incident.pk


# --- 5. a department officer reaches what it reports --------------------------------------------


@pytest.fixture
def routed_elsewhere(world):
    """Injuries and disputes routed to a department other than the world's one."""
    from safecampus.core.testing import DepartmentFactory
    from safecampus.incidents import services

    other = DepartmentFactory(bureau=world.bureau, name="普教二科")
    settings = services.settings_for(world.bureau.pk)
    settings.routing = {"injury": other.pk, "dispute": other.pk, "*": other.pk}
    settings.save()
    return other


def test_department_officer_reaches_the_incident_it_reports_page(
    world, routed_elsewhere, client_for, clock
):
    from django.urls import reverse

    from safecampus.incidents.tests.test_pages_incidents import _form

    clock.move_to(NOW)
    client = client_for(world.users[Role.DEPARTMENT_OFFICER])
    data = _form(NOW - datetime.timedelta(minutes=10), school=world.school_a.pk)
    response = client.post(reverse("incidents:incident_new"), data)
    incident = Incident.objects.get()
    assert response.status_code == 302
    assert incident.department_id == world.department.pk
    assert client.get(response["Location"]).status_code == 200


def test_department_officer_reaches_the_incident_and_dispute_it_reports_api(
    world, routed_elsewhere, client_for, clock
):
    from safecampus.incidents.models import Dispute
    from safecampus.incidents.tests.test_api_incidents import report_body
    from safecampus.incidents.tests.test_disputes import dispute_data

    clock.move_to(NOW)
    client = client_for(world.users[Role.DEPARTMENT_OFFICER])
    r = client.post("/api/v1/incidents/", report_body(world, NOW), content_type="application/json")
    assert r.status_code == 201, r.content
    incident = Incident.objects.get()
    assert incident.department_id == world.department.pk
    assert client.get(f"/api/v1/incidents/{incident.pk}/").status_code == 200
    body = dispute_data(world.school_a)
    body["found_on"] = NOW.date().isoformat()
    r = client.post("/api/v1/disputes/", body, content_type="application/json")
    assert r.status_code == 201, r.content
    dispute = Dispute.objects.get()
    assert dispute.department_id == world.department.pk
    assert client.get(f"/api/v1/disputes/{dispute.pk}/").status_code == 200


# --- 6. routing keys for disputes and the default ----------------------------------------------


def test_settings_accept_dispute_and_default_routing(world, client_for):
    from safecampus.incidents import configuration, services
    from safecampus.incidents.models import IncidentSettings
    from safecampus.incidents.tests.test_pages_settings import URL, _settings_post

    centre = world.users[Role.SAFETY_CENTRE]
    dept = world.department.pk
    configuration.settings_save(
        actor=centre, bureau_id=world.bureau.pk, data={"routing": {"dispute": dept, "*": dept}}
    )
    assert services.settings_for(world.bureau.pk).routing == {"dispute": dept, "*": dept}
    client = client_for(centre)
    page = client.get(URL).content.decode()
    assert 'name="route_dispute"' in page and 'name="route_default"' in page
    assert "矛盾纠纷" in page and "其他类型（默认）" in page
    response = client.post(URL, _settings_post(world, route_dispute=dept, route_default=""))
    assert response.status_code == 302
    assert IncidentSettings.objects.get(bureau=world.bureau).routing == {"dispute": dept}


# --- 7. escalating a restricted incident -------------------------------------------------------


def test_escalating_a_restricted_case_needs_a_named_leader(world):
    from django.core.exceptions import ValidationError
    from django.utils import translation

    from safecampus.incidents.choices import IncidentAction
    from safecampus.incidents.models import IncidentEvent
    from safecampus.notifications.models import Notice

    school = world.users[Role.SCHOOL_OFFICER]
    centre = world.users[Role.SAFETY_CENTRE]
    leader = world.users[Role.LEADERSHIP]
    designate(world, centre)
    incident = report(
        school, world.school_a, now=NOW, incident_type=IncidentType.BULLYING, title="秘密标题"
    )
    at = NOW + datetime.timedelta(hours=1)
    with translation.override("zh-hans"), pytest.raises(ValidationError) as exc:
        _act(centre, incident, IncidentAction.ESCALATE, at)
    assert "受限案件须先将领导小组成员列入知情名单，再报领导小组" in str(exc.value.messages)
    assert not IncidentEvent.objects.filter(action=IncidentAction.ESCALATE).exists()
    _act(centre, incident, IncidentAction.GRANT, at, user=leader.pk)
    _act(centre, incident, IncidentAction.ESCALATE, at)
    notice = Notice.objects.get(recipient=leader, key=f"incident:{incident.pk}:escalate")
    assert "秘密标题" not in notice.text and str(incident.pk) in notice.text


# --- 8. input that used to be a 500 -------------------------------------------------------------

HUGE = "99999999999999999999"


@pytest.fixture
def at_now(clock):
    clock.move_to(NOW)
    return clock


def test_huge_ids_in_list_filters_are_not_a_500(world, client_for, at_now, monkeypatch):
    from django.urls import reverse

    from safecampus.incidents import dispute_selectors

    monkeypatch.setattr(dispute_selectors, "_periods_around", lambda **kw: {})
    client = client_for(world.users[Role.SAFETY_CENTRE])
    for url in (reverse("incidents:incident_list"), reverse("incidents:dispute_list")):
        for param in ("school", "department"):
            assert client.get(url, {param: HUGE}).status_code in (200, 400), (url, param)
    for url in ("/api/v1/incidents/", "/api/v1/disputes/"):
        assert client.get(url, {"school": HUGE}).status_code in (200, 400)


def test_dispute_api_huge_user_and_infinite_count_refused(world, client_for, at_now):
    from safecampus.incidents import dispute_services
    from safecampus.incidents.models import Dispute, DisputeAccess
    from safecampus.incidents.tests.test_disputes import dispute_data

    school = world.users[Role.SCHOOL_OFFICER]
    centre = world.users[Role.SAFETY_CENTRE]
    designate(world, centre)
    client = client_for(school)
    body = dispute_data(world.school_a)
    body = __import__("json").dumps(body).replace('"count": 2', '"count": 1e400')
    r = client.post("/api/v1/disputes/", body, content_type="application/json")
    assert r.status_code == 400, r.content
    assert "parties" in r.json()["errors"]
    assert not Dispute.objects.exists()
    dispute = dispute_services.dispute_register(
        actor=school, data=dispute_data(world.school_a, subject="bullying"), now=NOW
    )
    client = client_for(centre)
    before = DisputeAccess.objects.count()
    r = client.post(
        f"/api/v1/disputes/{dispute.pk}/grant/",
        {"user": int(HUGE), "version": dispute.version},
        content_type="application/json",
    )
    assert r.status_code == 400, r.content
    assert DisputeAccess.objects.count() == before
    # and through the service (the page's path), a huge id is a refusal, not an overflow
    with pytest.raises(ValidationError):
        dispute_services.dispute_act(
            actor=centre,
            dispute_id=dispute.pk,
            action="grant",
            data={"user": HUGE},
            now=NOW,
        )


def test_illness_far_in_the_past_or_too_many_cases_refused(world, client_for, at_now):
    from django.utils import translation

    from safecampus.incidents.models import IllnessRecord

    client = client_for(world.users[Role.SCHOOL_OFFICER])
    body = {
        "school": world.school_a.pk,
        "class_name": "三(2)班",
        "day": (NOW.date() - datetime.timedelta(days=31)).isoformat(),
        "cases": 1,
        "symptoms": "发热",
    }
    with translation.override("zh-hans"):
        r = client.post(
            "/api/v1/illness-records/",
            body,
            content_type="application/json",
            HTTP_ACCEPT_LANGUAGE="zh-hans",
        )
    assert r.status_code == 400, r.content
    assert "30" in str(r.json()["errors"]["day"])
    body["day"] = (NOW.date() - datetime.timedelta(days=30)).isoformat()
    body["cases"] = 1001
    r = client.post("/api/v1/illness-records/", body, content_type="application/json")
    assert r.status_code == 400 and "cases" in r.json()["errors"]
    assert not IllnessRecord.objects.exists()
    body["cases"] = 2
    r = client.post("/api/v1/illness-records/", body, content_type="application/json")
    assert r.status_code == 201, r.content


def test_impossible_times_and_non_finite_amounts_are_refused():
    from safecampus.incidents import inputs

    errors: dict = {}
    assert inputs.when("2027-02-30 10:00", "as_of", errors) is None
    assert "as_of" in errors
    for bad in ("NaN", "Infinity", "-Infinity", "sNaN"):
        errors = {}
        assert inputs.money(bad, "amount", errors) is None
        assert "amount" in errors
    errors = {}
    assert inputs.count(float("inf"), "injured", errors) == 0 and "injured" in errors


def test_nan_amount_through_the_service_nothing_saved(world):
    from safecampus.incidents.choices import IncidentAction
    from safecampus.incidents.models import IncidentEvent

    school = world.users[Role.SCHOOL_OFFICER]
    incident = report(school, world.school_a, now=NOW)
    with pytest.raises(ValidationError):
        _act(school, incident, IncidentAction.INSURANCE, NOW, value="filed", amount="NaN")
    assert not IncidentEvent.objects.filter(action=IncidentAction.INSURANCE).exists()


# --- 10. a follow-up raising the grade to III or above -----------------------------------------


def test_a_follow_up_raising_the_grade_tells_the_leaders_at_once(world):
    from safecampus.incidents.choices import IncidentAction, Severity
    from safecampus.incidents.models import IncidentEvent
    from safecampus.notifications.models import Notice, Notification

    school = world.users[Role.SCHOOL_OFFICER]
    leader = world.users[Role.LEADERSHIP]
    incident = report(school, world.school_a, now=NOW, title="学生摔伤")
    assert not Notice.objects.filter(recipient=leader).exists()
    at = NOW + datetime.timedelta(hours=2)
    _act(school, incident, IncidentAction.FOLLOW_UP, at, note="伤情加重", severity=Severity.LARGER)
    notice = Notice.objects.get(recipient=leader, key__startswith=f"incident:{incident.pk}:raised")
    assert "学生摔伤" in notice.text
    assert Notification.objects.filter(recipient=leader).exists()  # delivered at once
    event = IncidentEvent.objects.get(action=IncidentAction.FOLLOW_UP)
    assert event.data["changes"]["severity"] == [Severity.GENERAL, Severity.LARGER]
    assert event.data["raised"] == [Severity.GENERAL, Severity.LARGER]


def test_raising_a_restricted_case_tells_only_named_leaders_without_detail(world):
    from safecampus.incidents.choices import IncidentAction, Severity
    from safecampus.notifications.models import Notice

    school = world.users[Role.SCHOOL_OFFICER]
    centre = world.users[Role.SAFETY_CENTRE]
    leader = world.users[Role.LEADERSHIP]
    other_leader = user_with_role(Role.LEADERSHIP, world.bureau, username="leader2")
    designate(world, centre)
    incident = report(
        school, world.school_a, now=NOW, incident_type=IncidentType.BULLYING, title="秘密标题"
    )
    _act(centre, incident, IncidentAction.GRANT, NOW, user=leader.pk)
    at = NOW + datetime.timedelta(hours=2)
    _act(school, incident, IncidentAction.FOLLOW_UP, at, note="升级", severity=Severity.MAJOR)
    raised = Notice.objects.filter(key__startswith=f"incident:{incident.pk}:raised")
    assert set(raised.values_list("recipient_id", flat=True)) == {leader.pk}
    assert "秘密标题" not in raised.get().text
    assert not Notice.objects.filter(recipient=other_leader).exists()


# --- 11. a cluster alert is reported as an infectious-disease cluster ---------------------------


def _alert(world, school):
    from safecampus.incidents import illness

    alert = None
    for _n in range(3):
        _record, alert = illness.illness_record(
            actor=school,
            data={
                "school": world.school_a.pk,
                "class_name": "三(2)班",
                "day": NOW.date().isoformat(),
                "cases": 1,
                "symptoms": "发热",
            },
            now=NOW,
        )
    assert alert is not None
    return alert


def test_a_cluster_alert_must_be_reported_as_infectious(world):
    school = world.users[Role.SCHOOL_OFFICER]
    alert = _alert(world, school)
    with pytest.raises(ValidationError) as exc:
        report(school, world.school_a, now=NOW, cluster=alert.pk)
    assert "incident_type" in exc.value.message_dict
    for bad in ("abc", HUGE):
        with pytest.raises(ValidationError) as exc:
            report(school, world.school_a, now=NOW, cluster=bad, incident_type="infectious")
        assert "cluster" in exc.value.message_dict
    assert not Incident.objects.exists()
    incident = report(school, world.school_a, now=NOW, cluster=alert.pk, incident_type="infectious")
    assert incident.cluster_id == alert.pk


def test_illness_record_locks_the_school_row(world, monkeypatch):
    """Concurrent records of one school are serialised by locking its row first."""
    from safecampus.incidents import illness
    from safecampus.orgs.models import School

    locked = []
    real = School.objects.select_for_update

    def spy(*args, **kwargs):
        locked.append(True)
        return real(*args, **kwargs)

    monkeypatch.setattr(School.objects, "select_for_update", spy)
    illness.illness_record(
        actor=world.users[Role.SCHOOL_OFFICER],
        data={
            "school": world.school_a.pk,
            "class_name": "一(1)班",
            "day": NOW.date().isoformat(),
            "cases": 1,
            "symptoms": "发热",
        },
        now=NOW,
    )
    assert locked


# --- 13. date bounds as Asia/Shanghai instants ---------------------------------------------------


def test_the_window_is_shanghai_days_as_instant_bounds(world):
    from safecampus.incidents import selectors

    school = world.users[Role.SCHOOL_OFFICER]
    sh = NOW.tzinfo
    just_in = report(
        school,
        world.school_a,
        now=NOW,
        occurred_at=datetime.datetime(2027, 2, 28, 0, 0, tzinfo=sh),
        title="零点",
    )
    late_evening = report(
        school,
        world.school_a,
        now=NOW,
        occurred_at=datetime.datetime(2027, 2, 28, 23, 59, tzinfo=sh),
        title="深夜",
    )
    report(
        school,
        world.school_a,
        now=NOW,
        occurred_at=datetime.datetime(2027, 2, 27, 23, 59, tzinfo=sh),
        title="前一天",
    )
    qs = selectors._window(Incident.objects.all(), NOW.date().replace(day=28, month=2), None)
    qs = selectors._window(qs, None, datetime.date(2027, 2, 28))
    assert set(qs) == {just_in, late_evening}
    sql = str(qs.query)
    assert "django_datetime_cast_date" not in sql and "AT TIME ZONE" not in sql


# --- 14. removing oneself from a restricted case -------------------------------------------------


def test_removing_oneself_lands_on_the_list(world, client_for, at_now):
    from django.contrib.messages import get_messages
    from django.urls import reverse

    from safecampus.incidents.choices import IncidentAction

    school = world.users[Role.SCHOOL_OFFICER]
    centre = world.users[Role.SAFETY_CENTRE]
    designate(world, centre)
    incident = report(school, world.school_a, now=NOW, incident_type=IncidentType.BULLYING)
    incident.refresh_from_db()
    client = client_for(centre)
    r = client.post(
        reverse("incidents:incident_act", args=[incident.pk, IncidentAction.REVOKE]),
        {"revoke-version": incident.version, "revoke-user": str(centre.pk)},
    )
    assert r.status_code == 302, r.content[:500]
    assert r["Location"] == reverse("incidents:incident_list")
    assert [m.level_tag for m in get_messages(r.wsgi_request)] == ["success"]
    assert not Incident.objects.visible_to(centre).exists()


def test_removing_oneself_from_a_dispute_lands_on_the_list(world, client_for, at_now):
    from django.urls import reverse

    from safecampus.incidents import dispute_services
    from safecampus.incidents.models import Dispute
    from safecampus.incidents.tests.test_disputes import dispute_data

    school = world.users[Role.SCHOOL_OFFICER]
    centre = world.users[Role.SAFETY_CENTRE]
    designate(world, centre)
    dispute = dispute_services.dispute_register(
        actor=school, data=dispute_data(world.school_a, subject="bullying"), now=NOW
    )
    version = Dispute.objects.get(pk=dispute.pk).version
    r = client_for(centre).post(
        reverse("incidents:dispute_act", args=[dispute.pk, "revoke"]),
        {"revoke-version": version, "revoke-user": str(centre.pk)},
    )
    assert r.status_code == 302, r.content[:500]
    assert r["Location"] == reverse("incidents:dispute_list")


def test_restricting_an_incident_restricts_its_disputes(world):
    from safecampus.incidents import dispute_services
    from safecampus.incidents.choices import DisputeAction, IncidentAction
    from safecampus.incidents.models import Dispute, DisputeAccess, DisputeEvent, IncidentAccess
    from safecampus.incidents.tests.test_disputes import dispute_data

    school = world.users[Role.SCHOOL_OFFICER]
    centre = world.users[Role.SAFETY_CENTRE]
    designate(world, centre)
    incident = report(school, world.school_a, now=NOW)
    dispute = dispute_services.dispute_register(
        actor=school, data=dispute_data(world.school_a, incident=incident.pk), now=NOW
    )
    assert not dispute.restricted
    _act(centre, incident, IncidentAction.RESTRICT, NOW, note="涉未成年人")
    dispute = Dispute.objects.get(pk=dispute.pk)
    assert dispute.restricted
    assert set(DisputeAccess.objects.filter(dispute=dispute).values_list("user_id", flat=True)) == (
        set(IncidentAccess.objects.filter(incident=incident).values_list("user_id", flat=True))
    )
    assert DisputeEvent.objects.filter(dispute=dispute, action=DisputeAction.RESTRICT).exists()
    assert not Dispute.objects.visible_to(world.users[Role.LEADERSHIP]).exists()
