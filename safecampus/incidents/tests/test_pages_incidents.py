"""The incident pages: the list with its filters and flags, the first report from a phone (and
its refusals, nothing saved), one incident with its timeliness, steps, 三同步 and accident
handling, every action posted from the page, files, scope, restricted cases (404 and audited
for everyone not named) and pinned query counts."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from safecampus.audit.models import Action, AuditEvent
from safecampus.core.roles import Role
from safecampus.core.testing import count_queries, scope_matrix, user_with_role
from safecampus.core.tests.test_browser import (  # noqa: F401 (fixtures, found by name)
    PHONE,
    _async_unsafe_allowed,
    _path,
    browser,
    journey,
)
from safecampus.hazards.testing import jpeg_upload
from safecampus.hazards.tests.helpers import temporary_media
from safecampus.incidents import services
from safecampus.incidents.choices import (
    IncidentAction,
    IncidentStatus,
    IncidentType,
    Severity,
    StepKind,
)
from safecampus.incidents.models import Incident, IncidentAccess, IncidentEvent
from safecampus.incidents.testing import designate, report, second_centre_officer

pytestmark = [pytest.mark.django_db, pytest.mark.dates]

NOW = "2027-03-01T09:00"
LIST = "/incidents/"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    temporary_media(settings, tmp_path)


@pytest.fixture
def now(clock):
    return clock.move_to(NOW)


@pytest.fixture
def school(world):
    return world.users[Role.SCHOOL_OFFICER]


@pytest.fixture
def centre(world):
    return world.users[Role.SAFETY_CENTRE]


@pytest.fixture
def outsider(world):
    """A school officer of another bureau's school."""
    return user_with_role(Role.SCHOOL_OFFICER, world.school_other, username="outsider")


@pytest.fixture
def incident(world, school, now):
    return report(school, world.school_a, now=now, minutes_after=20, title="学生课间摔伤")


def _detail(incident):
    return reverse("incidents:incident_detail", args=[incident.pk])


def _act(client, incident, action, **fields):
    incident.refresh_from_db()
    data = {f"{action}-version": incident.version}
    data.update({f"{action}-{k}": v for k, v in fields.items()})
    response = client.post(reverse("incidents:incident_act", args=[incident.pk, action]), data)
    if response.status_code == 302:  # a success lands on the incident, never on the login
        assert response["Location"] == _detail(incident)
    return response


def _form(when: datetime.datetime, **overrides) -> dict:
    data = {
        "incident_type": IncidentType.INJURY,
        "severity": Severity.GENERAL,
        "title": "学生体育课扭伤",
        "occurred_at": when.strftime("%Y-%m-%dT%H:%M"),
        "place": "体育馆",
        "description": "一名学生体育课上扭伤脚踝。",
        "measures": "校医处置，已通知家长。",
        "affected_students": "1",
        "injured": "1",
    }
    data.update(overrides)
    return data


# --- the list ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role",
    [Role.SAFETY_CENTRE, Role.LEADERSHIP, Role.INSPECTOR, Role.SCHOOL_OFFICER, Role.PRINCIPAL],
)
def test_the_list_shows_the_incident_to_each_role_in_scope(world, incident, client_for, role):
    response = client_for(world.users[role]).get(LIST)
    html = response.content.decode()
    assert response.status_code == 200
    assert "学生课间摔伤" in html and _detail(incident) in html
    assert 'data-testid="on-time"' in html


def test_the_list_refuses_the_auditor_and_the_partner(world, incident, client_for, outsider):
    scope_matrix(
        client_for(outsider),
        LIST,
        permitted=outsider,
        wrong_role=[world.users[Role.AUDITOR], world.users[Role.PARTNER]],
    )
    response = client_for(outsider).get(LIST)
    assert "学生课间摔伤" not in response.content.decode()


def test_the_report_button_only_for_reporting_roles(world, incident, client_for):
    assert (
        reverse("incidents:incident_new")
        in client_for(world.users[Role.SCHOOL_OFFICER]).get(LIST).content.decode()
    )
    html = client_for(world.users[Role.LEADERSHIP]).get(LIST).content.decode()
    assert 'data-testid="report-incident"' not in html


def test_the_list_flags_a_late_first_report_with_its_minutes(world, school, now, client_for):
    report(school, world.school_a, now=now, minutes_after=45, title="迟到的报告")
    html = client_for(world.users[Role.SAFETY_CENTRE]).get(LIST).content.decode()
    assert 'data-testid="late"' in html
    assert "45" in html  # reported 45 minutes after it was known
    assert "15" in html  # 15 minutes past the 30-minute verbal limit


def test_the_list_filters(world, school, now, client_for):
    report(school, world.school_a, now=now, minutes_after=10, title="普通摔伤")
    report(
        school,
        world.school_a,
        now=now,
        minutes_after=45,
        title="火情",
        incident_type=IncidentType.FIRE,
        severity=Severity.MAJOR,
    )
    client = client_for(world.users[Role.SAFETY_CENTRE])

    def titles(**params):
        html = client.get(LIST, params).content.decode()
        return {t for t in ("普通摔伤", "火情") if t in html}

    assert titles() == {"普通摔伤", "火情"}
    assert titles(incident_type="fire") == {"火情"}
    assert titles(severity="general") == {"普通摔伤"}
    assert titles(serious="on") == {"火情"}
    assert titles(timeliness="late") == {"火情"}
    assert titles(timeliness="on_time") == {"普通摔伤"}
    assert titles(q="火") == {"火情"}
    assert titles(status="closed") == set()
    assert titles(school=world.school_b.pk) == set()
    assert titles(since="2027-03-02") == set()
    assert titles(until="2027-03-01", since="2027-03-01") == {"普通摔伤", "火情"}


def test_the_list_counts_missed_daily_follow_ups(world, school, now, clock, client_for):
    report(
        school,
        world.school_a,
        now=now,
        title="食物中毒",
        incident_type=IncidentType.FOOD_POISONING,
    )
    clock.move_to("2027-03-03T10:00")  # the 17:00 deadline of 2 March passed without one
    html = client_for(world.users[Role.SAFETY_CENTRE]).get(LIST).content.decode()
    assert 'data-testid="missed"' in html


def test_the_list_query_count_does_not_grow_with_rows(world, school, centre, now, client_for):
    client = client_for(centre)
    report(school, world.school_a, now=now, incident_type=IncidentType.FOOD_POISONING)
    one = count_queries(client, LIST)
    for n in range(6):
        report(
            centre if n % 2 else school,
            world.school_b if n % 2 else world.school_a,
            now=now,
            title=f"事件{n}",
            incident_type=IncidentType.FOOD_POISONING,
        )
    assert count_queries(client, LIST) == one
    assert one <= 11


# --- the first report --------------------------------------------------------------------------


def test_the_report_form_for_a_school_hides_its_one_school(world, school, now, client_for):
    response = client_for(school).get(reverse("incidents:incident_new"))
    html = response.content.decode()
    assert response.status_code == 200
    assert f'type="hidden" name="school" value="{world.school_a.pk}"' in html
    assert 'name="restricted"' not in html  # only the centre restricts a case
    assert 'data-testid="limits-hint"' in html
    assert "30" in html  # the default verbal limit


def test_the_centre_chooses_a_school_and_may_restrict(world, centre, now, client_for):
    html = client_for(centre).get(reverse("incidents:incident_new")).content.decode()
    assert "甲小学" in html and "乙幼儿园" in html and "外区中学" not in html
    assert 'name="restricted"' in html


@pytest.mark.parametrize("role", [Role.LEADERSHIP, Role.INSPECTOR, Role.AUDITOR, Role.PARTNER])
def test_the_report_form_refuses_roles_that_do_not_report(world, now, client_for, role):
    response = client_for(world.users[role]).get(reverse("incidents:incident_new"))
    assert response.status_code == 403


def test_a_school_reports_on_time_and_lands_on_the_incident(world, school, now, client_for):
    client = client_for(school)
    data = _form(now - datetime.timedelta(minutes=10), school=world.school_a.pk)
    data["files"] = [jpeg_upload("现场.jpg")]
    response = client.post(reverse("incidents:incident_new"), data)
    incident = Incident.objects.get()
    assert response.status_code == 302
    assert response["Location"] == _detail(incident)
    assert incident.school == world.school_a and incident.first_late is False
    assert incident.evidence.count() == 1
    [message] = list(get_messages(response.wsgi_request))
    assert message.level_tag == "success"
    page = client.get(_detail(incident)).content.decode()
    assert 'data-testid="first-on-time"' in page
    assert 'data-testid="written-on-time"' in page
    ev = incident.evidence.get()
    assert reverse("incidents:incident_evidence", args=[incident.pk, ev.pk]) in page


def test_a_late_report_says_so(world, school, now, client_for):
    client = client_for(school)
    data = _form(now - datetime.timedelta(minutes=90), school=world.school_a.pk)
    response = client.post(reverse("incidents:incident_new"), data)
    incident = Incident.objects.get()
    assert incident.first_late is True
    [message] = list(get_messages(response.wsgi_request))
    assert message.level_tag == "warning"
    assert "60" in str(message)  # 90 minutes after: 60 past the verbal limit, 30 past the written
    page = client.get(_detail(incident)).content.decode()
    assert 'data-testid="verbal-late"' in page and 'data-testid="written-late"' in page


def test_a_report_in_the_future_is_refused_and_nothing_saved(world, school, now, client_for):
    client = client_for(school)
    data = _form(now + datetime.timedelta(hours=2), school=world.school_a.pk)
    response = client.post(reverse("incidents:incident_new"), data)
    assert response.status_code == 400
    assert (
        "这个时间在未来" in response.content.decode()
        or response.context["form"].errors["occurred_at"]
    )
    assert not Incident.objects.exists()
    assert not IncidentEvent.objects.exists()


def test_a_report_missing_fields_is_refused(world, school, now, client_for):
    data = _form(now, school=world.school_a.pk, title="", place="")
    response = client_for(school).post(reverse("incidents:incident_new"), data)
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"title", "place"}
    assert not Incident.objects.exists()


def test_names_are_refused_on_an_unrestricted_case(world, school, now, client_for):
    data = _form(now, school=world.school_a.pk, private_details="张三")
    response = client_for(school).post(reverse("incidents:incident_new"), data)
    assert response.status_code == 400
    assert "private_details" in response.context["form"].errors
    assert not Incident.objects.exists()


def test_a_school_cannot_report_for_another_school(world, school, now, client_for):
    data = _form(now, school=world.school_b.pk)
    response = client_for(school).post(reverse("incidents:incident_new"), data)
    assert response.status_code == 400
    assert not Incident.objects.exists()


def test_a_bullying_report_is_restricted_with_its_names(world, school, centre, now, client_for):
    designate(world, centre)
    data = _form(
        now,
        school=world.school_a.pk,
        incident_type=IncidentType.BULLYING,
        title="欺凌事件",
        private_details="受害学生：李四",
    )
    response = client_for(school).post(reverse("incidents:incident_new"), data)
    assert response.status_code == 302
    incident = Incident.objects.get()
    assert incident.restricted and incident.private_details == "受害学生：李四"
    page = client_for(centre).get(_detail(incident)).content.decode()
    assert 'data-testid="private-details"' in page and "李四" in page


def test_a_cluster_alert_prefills_the_report(world, school, now, client_for):
    from safecampus.incidents import illness

    _record, alert = illness.illness_record(
        actor=school,
        data={
            "school": world.school_a.pk,
            "class_name": "三(2)班",
            "day": now.date().isoformat(),
            "cases": 3,
            "symptoms": "发热",
        },
        now=now,
    )
    assert alert is not None
    client = client_for(school)
    response = client.get(reverse("incidents:incident_new"), {"cluster": alert.pk})
    form = response.context["form"]
    assert form["incident_type"].value() == IncidentType.INFECTIOUS
    assert "三(2)班" in form["title"].value()
    assert form["cluster"].value() == alert.pk
    assert 'data-testid="cluster-note"' in response.content.decode()
    data = _form(
        now - datetime.timedelta(minutes=5),
        school=world.school_a.pk,
        incident_type=IncidentType.INFECTIOUS,
        title=form["title"].value(),
        cluster=alert.pk,
    )
    assert client.post(reverse("incidents:incident_new"), data).status_code == 302
    assert Incident.objects.get().cluster_id == alert.pk
    # another bureau's alert (or a made-up id) prefills nothing
    response = client.get(reverse("incidents:incident_new"), {"cluster": alert.pk + 99})
    assert response.context["form"]["cluster"].value() is None


def test_the_department_sees_what_is_routed_to_it(world, school, now, client_for):
    settings = services.settings_for(world.bureau.pk)
    settings.routing = {IncidentType.FIRE: world.department.pk}
    settings.save()
    fire = report(school, world.school_a, now=now, incident_type=IncidentType.FIRE, title="火情")
    injury = report(school, world.school_a, now=now, title="摔伤")
    client = client_for(world.users[Role.DEPARTMENT_OFFICER])
    html = client.get(LIST).content.decode()
    assert "火情" in html and "摔伤" not in html
    assert client.get(_detail(fire)).status_code == 200
    assert client.get(_detail(injury)).status_code == 404
    assert _act(client, fire, "acknowledge").status_code == 302


# --- one incident ------------------------------------------------------------------------------


def test_the_detail_scope(world, incident, centre, outsider, client_for):
    other_centre = user_with_role(Role.SAFETY_CENTRE, world.other_bureau, username="centre_x")
    scope_matrix(
        client_for(centre),
        _detail(incident),
        permitted=centre,
        out_of_scope=[outsider, other_centre],
        wrong_role=[world.users[Role.AUDITOR], world.users[Role.PARTNER]],
    )


@pytest.mark.parametrize(
    ("role", "actions"),
    [
        (Role.SCHOOL_OFFICER, {"verbal", "follow_up", "close", "comment"}),
        (Role.SAFETY_CENTRE, {"acknowledge", "escalate", "restrict", "follow_up"}),
        (Role.LEADERSHIP, {"acknowledge", "comment"}),
        (Role.INSPECTOR, {"comment"}),
    ],
)
def test_the_detail_offers_the_actions_of_each_role(world, incident, client_for, role, actions):
    html = client_for(world.users[role]).get(_detail(incident)).content.decode()
    offered = {a for a in IncidentAction.values if f'data-testid="action-{a}"' in html}
    assert actions <= offered
    if role != Role.SAFETY_CENTRE:
        assert "escalate" not in offered and "restrict" not in offered
    assert "sync" not in offered  # a general (grade IV) incident has no 三同步


def test_the_detail_shows_the_timeliness_panel(world, incident, centre, client_for):
    html = client_for(centre).get(_detail(incident)).content.decode()
    assert 'data-testid="timeliness"' in html
    assert 'data-testid="verbal-on-time"' in html and 'data-testid="written-on-time"' in html
    assert 'data-testid="step-initial"' in html
    assert reverse("incidents:incident_document", args=[incident.pk, "initial"]) in html


def test_follow_up_and_close_from_the_page(world, incident, school, clock, client_for):
    clock.shift(hours=2)
    client = client_for(school)  # logged in again: the session idled out meanwhile
    response = _act(client, incident, "follow_up", note="学生已就医，无大碍。", injured="1")
    assert response.status_code == 302
    clock.shift(hours=2)
    client = client_for(school)
    response = _act(client, incident, "close", note="处置完毕。")
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.CLOSED
    assert list(incident.steps.values_list("kind", flat=True)) == [
        StepKind.INITIAL,
        StepKind.FOLLOW_UP,
        StepKind.FINAL,
    ]
    html = client.get(_detail(incident)).content.decode()
    assert 'data-testid="event-close"' in html and 'data-testid="event-statuses"' in html
    for kind in ("follow_up", "final"):
        assert reverse("incidents:incident_document", args=[incident.pk, kind]) in html
    # a closing report on a closed case: refused (409), nothing changed
    before = incident.steps.count(), incident.version
    response = _act(client, incident, "close", note="再次终报")
    assert response.status_code == 409
    incident.refresh_from_db()
    assert (incident.steps.count(), incident.version) == before


def test_a_follow_up_without_a_note_is_refused(world, incident, school, client_for):
    response = _act(client_for(school), incident, "follow_up", note="")
    assert response.status_code == 400
    assert incident.steps.count() == 1


def test_a_school_cannot_escalate(world, incident, school, client_for):
    response = _act(client_for(school), incident, "escalate", note="上报")
    assert response.status_code == 403
    incident.refresh_from_db()
    assert incident.escalated_at is None and incident.events.count() == 1


def test_the_centre_escalates(world, incident, centre, client_for):
    response = _act(client_for(centre), incident, "escalate", note="请领导小组关注")
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.escalated_at is not None


def test_an_unknown_action_is_404(world, incident, centre, client_for):
    response = _act(client_for(centre), incident, "explode", note="x")
    assert response.status_code == 404


def test_another_bureau_cannot_act(world, incident, outsider, client_for):
    response = _act(client_for(outsider), incident, "comment", note="x")
    assert response.status_code == 404
    assert incident.events.count() == 1


def test_a_stale_version_is_refused(world, incident, centre, school, client_for):
    version = incident.version
    _act(client_for(centre), incident, "acknowledge")
    response = client_for(school).post(
        reverse("incidents:incident_act", args=[incident.pk, "comment"]),
        {"comment-version": version, "comment-note": "晚到的评论"},
    )
    assert response.status_code == 409
    assert not incident.events.filter(action="comment").exists()


def test_sync_checklist_and_accident_handling(world, school, centre, now, client_for):
    incident = report(school, world.school_a, now=now, severity=Severity.LARGER, title="较大事故")
    client = client_for(school)
    assert _act(client, incident, "sync", item="report", note="已同步上报").status_code == 302
    assert (
        _act(client, incident, "responsibility", value="partly", note="监护不到位").status_code
        == 302
    )
    assert _act(client, incident, "insurance", value="paid", amount="12000.50").status_code == 302
    assert (
        _act(
            client, incident, "mediation", kind="peoples", value="agreed", note="达成调解协议"
        ).status_code
        == 302
    )
    assert (
        _act(client, incident, "disturbance", value="dialogue", note="与家长沟通").status_code
        == 302
    )
    html = client.get(_detail(incident)).content.decode()
    assert 'data-testid="sync"' in html
    assert 'data-testid="sync-report"' in html and school.display_name in html
    for action in ("responsibility", "insurance", "mediation", "disturbance"):
        assert f'data-testid="handling-{action}"' in html
    assert "12000.50" in html
    # a ticked item is not offered again
    response = _act(client, incident, "sync", item="report", note="再勾")
    assert response.status_code == 400
    incident.refresh_from_db()
    assert incident.mediation == "agreed" and incident.responsibility == "partly"


def test_files_served_only_within_scope(world, school, centre, outsider, now, client_for):
    incident = services.incident_report(
        actor=school,
        data={
            **_form(now - datetime.timedelta(minutes=5), school=world.school_a.pk),
            "occurred_at": now - datetime.timedelta(minutes=5),
        },
        files=[jpeg_upload()],
        now=now,
    )
    ev = incident.evidence.get()
    url = reverse("incidents:incident_evidence", args=[incident.pk, ev.pk])
    scope_matrix(
        client_for(centre),
        url,
        permitted=centre,
        out_of_scope=[outsider],
        wrong_role=[world.users[Role.AUDITOR]],
    )
    missing = reverse("incidents:incident_evidence", args=[incident.pk, ev.pk + 99])
    assert client_for(centre).get(missing).status_code == 404


def test_the_detail_query_count_is_pinned(world, incident, centre, client_for):
    client = client_for(centre)
    first = count_queries(client, _detail(incident))
    for n in range(3):
        _act(client, incident, "comment", note=f"评论{n}")
    assert count_queries(client, _detail(incident)) == first
    assert first <= 9


# --- restricted cases --------------------------------------------------------------------------


@pytest.fixture
def restricted(world, school, centre, now):
    designate(world, centre)
    return report(
        school,
        world.school_a,
        now=now,
        incident_type=IncidentType.BULLYING,
        title="校园欺凌",
        place="宿舍",
    )


def test_a_restricted_case_is_404_and_audited_for_everyone_not_named(world, restricted, client_for):
    others = [
        second_centre_officer(world),
        world.users[Role.LEADERSHIP],
        world.users[Role.PRINCIPAL],
        world.users[Role.INSPECTOR],
    ]
    for user in others:
        assert client_for(user).get(_detail(restricted)).status_code == 404
        assert _act(client_for(user), restricted, "comment", note="x").status_code == 404
    denied = AuditEvent.objects.filter(action=Action.RESTRICTED_DENIED)
    assert denied.count() == 2 * len(others)
    assert set(denied.values_list("actor_id", flat=True)) == {u.pk for u in others}
    assert not AuditEvent.objects.filter(action=Action.RESTRICTED_READ).exists()
    assert not any("欺凌" in r for r in AuditEvent.objects.values_list("target_repr", flat=True))


def test_the_named_officer_reads_it_and_the_read_is_audited(world, restricted, centre, client_for):
    response = client_for(centre).get(_detail(restricted))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="access-list"' in html and 'data-testid="action-grant"' in html
    read = AuditEvent.objects.get(action=Action.RESTRICTED_READ)
    assert read.actor == centre and read.data["what"] == "page"


def test_the_list_and_search_hide_a_restricted_case_from_others(
    world, restricted, centre, client_for
):
    others = [second_centre_officer(world), world.users[Role.LEADERSHIP]]
    for user in others:
        client = client_for(user)
        for params in ({}, {"q": "欺凌"}, {"q": "宿舍"}, {"incident_type": "bullying"}):
            html = client.get(LIST, params).content.decode()
            assert "校园欺凌" not in html and _detail(restricted) not in html
    html = client_for(centre).get(LIST, {"q": "欺凌"}).content.decode()
    assert "校园欺凌" in html and 'data-testid="restricted"' in html


def test_the_centre_names_and_removes_a_person(world, restricted, centre, client_for):
    leader = world.users[Role.LEADERSHIP]
    client = client_for(centre)
    html = client.get(_detail(restricted)).content.decode()
    assert f'value="{leader.pk}"' in html  # offered in the grant select
    assert _act(client, restricted, "grant", user=str(leader.pk)).status_code == 302
    assert client_for(leader).get(_detail(restricted)).status_code == 200
    client = client_for(centre)
    assert _act(client, restricted, "revoke", user=str(leader.pk)).status_code == 302
    assert client_for(leader).get(_detail(restricted)).status_code == 404
    assert not IncidentAccess.objects.filter(incident=restricted, user=leader).exists()


def test_a_school_cannot_grant(world, restricted, school, client_for):
    leader = world.users[Role.LEADERSHIP]
    response = _act(client_for(school), restricted, "grant", user=str(leader.pk))
    assert response.status_code == 403
    assert not IncidentAccess.objects.filter(incident=restricted, user=leader).exists()


# --- the menu -----------------------------------------------------------------------------------


def test_the_menu_has_the_incident_group(world, client_for, now):
    html = client_for(world.users[Role.SAFETY_CENTRE]).get(LIST).content.decode()
    for name in ("incident_list", "dispute_list", "cluster_list", "overview", "settings"):
        assert reverse(f"incidents:{name}") in html
    html = client_for(world.users[Role.SCHOOL_OFFICER]).get(LIST).content.decode()
    assert reverse("incidents:incident_list") in html
    assert reverse("incidents:overview") not in html and reverse("incidents:settings") not in html


# --- on a phone ---------------------------------------------------------------------------------


@pytest.fixture
def world_live(_async_unsafe_allowed, transactional_db, world):  # noqa: F811
    return world


@pytest.mark.browser
def test_a_school_reports_on_a_phone_and_the_centre_sees_it_on_time(world_live, journey):  # noqa: F811
    """The school fills the report on a phone (the limits of the chosen type shown, the notice
    of a restricted type only for bullying and abuse), lands on the incident with its first
    report on time; the centre finds it at once in its list, flagged on time."""
    from playwright.sync_api import expect

    world = world_live
    j = journey(**PHONE)
    page = j.page
    page.goto(reverse("incidents:incident_new"))
    j.log_in(world.users[Role.SCHOOL_OFFICER].username)
    expect(page).to_have_url(_path("incidents:incident_new"))
    form = page.get_by_test_id("incident-form")
    expect(page.locator("#limits-line")).to_contain_text("30")
    expect(page.get_by_test_id("restricted-notice")).to_be_hidden()
    expect(page.get_by_test_id("private-box")).to_be_hidden()
    form.locator("[name=incident_type]").select_option(IncidentType.FOOD_POISONING)
    expect(page.locator("#limits-line")).to_contain_text("17:00")
    form.locator("[name=incident_type]").select_option(IncidentType.BULLYING)
    expect(page.get_by_test_id("restricted-notice")).to_be_visible()
    expect(page.get_by_test_id("private-box")).to_be_visible()
    form.locator("[name=incident_type]").select_option(IncidentType.INJURY)
    expect(page.get_by_test_id("private-box")).to_be_hidden()
    form.locator("[name=title]").fill("学生午休时坠床")
    form.locator("[name=place]").fill("二楼宿舍")
    form.locator("[name=description]").fill("一名学生午休时从上铺坠落，头部擦伤。")
    form.locator("[name=injured]").fill("1")
    j.screenshot("incident-report-phone")
    page.get_by_test_id("submit-report").click()
    incident = Incident.objects.get()
    expect(page).to_have_url(_path("incidents:incident_detail", incident.pk))
    expect(page.get_by_test_id("first-on-time")).to_be_visible()
    expect(page.get_by_test_id("written-on-time")).to_be_visible()
    j.screenshot("incident-detail-phone")
    j.assert_clean()

    centre = journey(**PHONE)
    centre.page.goto(LIST)
    centre.log_in(world.users[Role.SAFETY_CENTRE].username)
    card = centre.page.get_by_test_id("incident-cards").locator("a", has_text="学生午休时坠床")
    expect(card).to_be_visible()
    expect(card).to_contain_text("按时")
    centre.screenshot("incident-list-phone-centre")
    card.click()
    expect(centre.page).to_have_url(_path("incidents:incident_detail", incident.pk))
    expect(centre.page.get_by_test_id("action-acknowledge")).to_be_attached()
    centre.screenshot("incident-detail-phone-centre")
    centre.assert_clean()


def test_a_restricted_case_file_is_served_only_to_the_named_and_audited(
    world, school, centre, now, client_for
):
    designate(world, centre)
    incident = services.incident_report(
        actor=school,
        data={
            **_form(now, school=world.school_a.pk, incident_type=IncidentType.BULLYING),
            "occurred_at": now - datetime.timedelta(minutes=5),
        },
        files=[jpeg_upload()],
        now=now,
    )
    ev = incident.evidence.get()
    url = reverse("incidents:incident_evidence", args=[incident.pk, ev.pk])
    other = second_centre_officer(world)
    assert client_for(other).get(url).status_code == 404
    assert client_for(centre).get(url).status_code == 200
    rows = list(AuditEvent.objects.order_by("pk").values_list("action", "actor_id", "data"))
    assert rows == [
        (Action.RESTRICTED_DENIED, other.pk, {"what": "file"}),
        (Action.RESTRICTED_READ, centre.pk, {"what": "file"}),
    ]
