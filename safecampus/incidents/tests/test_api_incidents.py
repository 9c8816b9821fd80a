"""The incident API: list, detail, report and every action of the incident page, scoped as the
pages (another bureau 404, a role that does not reach incidents 403, a school 403 on the
centre's actions); restricted cases invisible to everyone not named, every read audited;
refusals as ``{"code", "message", "errors"}`` with nothing saved; illness records and cluster
alerts, limits and settings, the figures; the schema."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image

from safecampus.audit.models import Action, AuditEvent
from safecampus.core.roles import Role
from safecampus.core.testing import count_queries, scope_matrix, user_with_role
from safecampus.hazards.tests.helpers import temporary_media
from safecampus.incidents.choices import IncidentType, Severity
from safecampus.incidents.models import (
    ClusterAlert,
    IllnessRecord,
    Incident,
    IncidentEvidence,
    IncidentStep,
    ReportingLimit,
)
from safecampus.incidents.testing import designate, report, second_centre_officer

pytestmark = [pytest.mark.django_db, pytest.mark.dates]

LIST = "/api/v1/incidents/"


def detail(incident) -> str:
    return f"/api/v1/incidents/{incident.pk}/"


def act(incident, path: str) -> str:
    return f"/api/v1/incidents/{incident.pk}/{path}/"


def iso(at: datetime.datetime) -> str:
    return at.isoformat()


def photo(name: str = "现场.jpg") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(out, "JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    temporary_media(settings, tmp_path)


@pytest.fixture
def now(clock):
    clock.move_to("2027-03-01T09:00")
    return clock.now


@pytest.fixture
def school(world):
    return world.users[Role.SCHOOL_OFFICER]


@pytest.fixture
def centre(world):
    return world.users[Role.SAFETY_CENTRE]


@pytest.fixture
def outsider(world):
    """A safety centre officer of the other bureau."""
    return user_with_role(Role.SAFETY_CENTRE, world.other_bureau, username="centre_other")


@pytest.fixture
def incident(world, school, now):
    return report(school, world.school_a, now=now - datetime.timedelta(minutes=5))


def post(client, url, data=None):
    return client.post(url, data or {}, content_type="application/json")


def report_body(world, now, **overrides) -> dict:
    body = {
        "school": world.school_a.pk,
        "incident_type": "injury",
        "severity": "general",
        "title": "学生课间摔伤",
        "occurred_at": iso(now - datetime.timedelta(minutes=20)),
        "place": "操场",
        "description": "课间一名学生在操场跑动时摔倒，右臂擦伤。",
        "measures": "校医现场处置，已通知家长。",
        "affected_students": 1,
        "injured": 1,
    }
    body.update(overrides)
    return body


# --- list and detail -----------------------------------------------------------------------------


def test_list_filters_and_detail(world, school, centre, now, client_for):
    late = report(school, world.school_a, now=now, minutes_after=45, title="食堂起火")
    on_time = report(
        school,
        world.school_a,
        now=now,
        minutes_after=10,
        incident_type=IncidentType.FIRE,
        severity=Severity.LARGER,
        title="实验室起火",
    )
    client = client_for(centre)
    body = client.get(LIST).json()
    assert body["count"] == 2 and body["count_is_capped"] is False
    assert [r["id"] for r in body["results"]] == [on_time.pk, late.pk]  # newest first
    row = body["results"][0]
    assert row["school"] == {"id": world.school_a.pk, "name": "甲小学"}
    assert row["incident_type"] == "fire" and row["severity"] == "larger"
    assert row["status"] == "open" and row["restricted"] is False
    assert "description" not in row and "private_details" not in row

    def ids(**params):
        return [r["id"] for r in client.get(LIST, params).json()["results"]]

    assert ids(timeliness="late") == [late.pk]
    assert ids(timeliness="on_time") == [on_time.pk]
    assert ids(type="fire") == [on_time.pk]
    assert ids(serious="true") == [on_time.pk]
    assert ids(q="食堂") == [late.pk]
    assert ids(status="closed") == []
    assert ids(school=world.school_b.pk) == []
    assert client.get(LIST, {"type": "meteor"}).status_code == 400

    d = client.get(detail(late)).json()
    assert d["description"].startswith("课间一名学生")
    assert d["private_details"] is None and d["access"] == []
    assert [s["kind"] for s in d["steps"]] == ["initial"]
    assert d["steps"][0]["late"] is False  # written within the hour, the call was not made
    assert [e["action"] for e in d["events"]] == ["report"]
    t = d["timeliness"]
    assert t["written_late"] is False and t["verbal_late"] is True and t["first_late"] is True
    assert t["windows"] == [] and t["late_count"] == 1
    assert {"follow_up", "close", "acknowledge", "escalate", "restrict"} <= set(
        d["allowed_actions"]
    )
    school_view = client_for(school).get(detail(late)).json()
    assert "escalate" not in school_view["allowed_actions"]
    assert "follow_up" in school_view["allowed_actions"]


def test_the_list_query_count_is_pinned(world, school, centre, now, client_for):
    for n in range(3):
        report(school, world.school_a, now=now, minutes_after=10 + n)
    client = client_for(centre)
    few = count_queries(client, LIST)
    for n in range(6):
        report(centre, world.school_b, now=now, minutes_after=20 + n)
    assert count_queries(client, LIST) == few
    assert few == 6  # session and user, scope, count, page


def test_the_detail_reads_a_fixed_number_of_rows(incident, centre, client_for, now):
    client = client_for(centre)
    for note in ("一", "二", "三"):
        assert post(client, act(incident, "comment"), {"note": note}).status_code == 200
    client.get(detail(incident))
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(detail(incident)).status_code == 200
    assert len(ctx) == 8  # the same whatever the number of steps and events


# --- scope ---------------------------------------------------------------------------------------


def test_scope_of_list_and_detail(world, incident, outsider, client):
    scope_matrix(
        client,
        LIST,
        permitted=world.users[Role.SCHOOL_OFFICER],
        wrong_role=[world.users[Role.AUDITOR], world.users[Role.PARTNER]],
    )
    scope_matrix(
        client,
        detail(incident),
        permitted=world.users[Role.LEADERSHIP],
        out_of_scope=[outsider],
        wrong_role=[world.users[Role.AUDITOR], world.users[Role.PARTNER]],
    )
    other_school = user_with_role(Role.SCHOOL_OFFICER, world.school_b, username="school_b")
    client.force_login(other_school)
    assert client.get(detail(incident)).status_code == 404
    assert client.get(LIST).json()["count"] == 0


@pytest.mark.parametrize("path", ["comment", "close", "follow-up", "acknowledge", "evidence"])
def test_another_bureau_gets_404_on_actions(incident, outsider, client_for, path):
    assert client_for(outsider).get(f"{detail(incident)}files/1/").status_code == 404
    before = (incident.version, incident.events.count())
    response = post(client_for(outsider), act(incident, path), {"note": "越权"})
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    incident.refresh_from_db()
    assert (incident.version, incident.events.count()) == before


@pytest.mark.parametrize("path", ["escalate", "restrict"])
def test_a_school_may_not_escalate_or_restrict(incident, school, client_for, path):
    response = post(client_for(school), act(incident, path), {"note": "学校尝试", "version": "x"})
    assert response.status_code == 403
    assert response.json()["code"] == "not_allowed"
    incident.refresh_from_db()
    assert incident.escalated_at is None and incident.restricted is False
    assert incident.version == 0


def test_roles_without_incidents_get_403_on_every_write(world, incident, client_for):
    for role in (Role.AUDITOR, Role.PARTNER):
        client = client_for(world.users[role])
        assert post(client, LIST, {}).status_code == 403
        assert post(client, act(incident, "comment"), {"note": "x"}).status_code == 403
    leader = client_for(world.users[Role.LEADERSHIP])
    response = post(leader, LIST, {})
    assert response.status_code == 403  # the leadership group does not report


# --- reporting -----------------------------------------------------------------------------------


def test_a_school_reports_an_incident(world, school, now, client_for):
    body = report_body(world, now, verbal_at=iso(now - datetime.timedelta(minutes=15)))
    body["verbal_to"] = "区教育局安全管理中心"
    response = post(client_for(school), LIST, body)
    assert response.status_code == 201, response.content
    d = response.json()
    incident = Incident.objects.get()
    assert d["id"] == incident.pk and d["status"] == "open"
    assert [s["kind"] for s in d["steps"]] == ["verbal", "initial"]
    assert d["steps"][0]["recipient"] == "区教育局安全管理中心"
    assert d["first_late"] is False and d["timeliness"]["verbal_late"] is False
    assert incident.reported_by == school and incident.school == world.school_a


@pytest.mark.parametrize(
    ("verbal", "written", "verbal_late", "written_late"),
    [
        ("2027-03-02T00:15", "2027-03-02T00:45", False, False),  # exactly 30 and 60 minutes
        ("2027-03-02T00:16", "2027-03-02T00:46", True, True),  # a minute more: late
    ],
)
def test_timeliness_at_the_limits_edge_across_midnight(
    world, school, clock, client_for, verbal, written, verbal_late, written_late
):
    """Occurred (and known) at 23:45 Shanghai time; the call and the written report after
    midnight."""
    clock.move_to(written, tick=False)
    body = report_body(
        world,
        clock.now,
        occurred_at="2027-03-01T23:45:00+08:00",
        verbal_at=f"{verbal}:00+08:00",
        verbal_to="区教育局值班室",
    )
    response = post(client_for(school), LIST, body)
    assert response.status_code == 201, response.content
    t = response.json()["timeliness"]
    assert t["verbal_due"] == "2027-03-02T00:15:00+08:00"
    assert t["written_due"] == "2027-03-02T00:45:00+08:00"
    assert (t["verbal_late"], t["written_late"]) == (verbal_late, written_late)
    assert response.json()["first_late"] is (verbal_late or written_late)
    late = [r["id"] for r in client_for(school).get(LIST, {"timeliness": "late"}).json()["results"]]
    assert late == ([response.json()["id"]] if verbal_late else [])


def test_a_department_reports_for_a_school_whose_incidents_go_elsewhere(world, now, client_for):
    dept = client_for(world.users[Role.DEPARTMENT_OFFICER])
    response = post(dept, LIST, report_body(world, now))
    assert response.status_code == 201, response.content
    assert "follow_up" in response.json()["allowed_actions"]
    incident = Incident.objects.get()
    assert incident.department_id == world.department.pk  # its reporter's own department
    assert dept.get(detail(incident)).status_code == 200


def test_a_report_with_files_in_multipart(world, school, now, client_for):
    body = report_body(world, now)
    body["files"] = [photo("一.jpg"), photo("二.jpg")]
    response = client_for(school).post(LIST, body)  # multipart
    assert response.status_code == 201, response.content
    assert sorted(e["original_name"] for e in response.json()["evidence"]) == ["一.jpg", "二.jpg"]


def test_a_file_that_is_not_what_its_name_says_is_refused(world, school, now, client_for):
    body = report_body(world, now)
    body["files"] = [SimpleUploadedFile("假.jpg", b"not an image at all", "image/jpeg")]
    response = client_for(school).post(LIST, body)
    assert response.status_code == 400
    assert response.json()["code"] in ("evidence_invalid", "invalid")
    assert not Incident.objects.exists() and not IncidentEvidence.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        ({"occurred_at": "+10"}, "in_future", "occurred_at"),
        ({"incident_type": "meteor"}, "invalid", "incident_type"),
        ({"title": ""}, "invalid", "title"),
        ({"private_details": "张三，男，10岁"}, "invalid", "private_details"),
        ({"school": "other"}, "out_of_scope", "school"),
    ],
)
def test_bad_reports_are_refused_and_nothing_saved(
    world, school, now, client_for, overrides, code, field
):
    if overrides.get("occurred_at") == "+10":
        overrides = {"occurred_at": iso(now + datetime.timedelta(minutes=10))}
    if overrides.get("school") == "other":
        overrides = {"school": world.school_other.pk}
    response = post(client_for(school), LIST, report_body(world, now, **overrides))
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == code and field in body["errors"]
    assert body["message"]
    assert not Incident.objects.exists() and not AuditEvent.objects.exists()


# --- actions -------------------------------------------------------------------------------------

ACTIONS = [
    ("verbal", "verbal", {"verbal_to": "区教育局值班室"}),
    ("follow-up", "follow_up", {"note": "学生已就医，无大碍。", "injured": 2}),
    ("close", "close", {"note": "处置完毕。"}),
    ("acknowledge", "acknowledge", {}),
    ("escalate", "escalate", {}),
    ("sync", "sync", {"item": "report", "note": "已同步报告"}),
    ("responsibility", "responsibility", {"value": "partly", "note": "校方承担次要责任"}),
    ("insurance", "insurance", {"value": "paid", "amount": "12000.50"}),
    (
        "mediation",
        "mediation",
        {"kind": "peoples", "value": "agreed", "amount": "5000", "note": "达成调解协议"},
    ),
    ("disturbance", "disturbance", {"value": "dialogue", "note": "与家长沟通"}),
    ("comment", "comment", {"note": "请跟进"}),
    ("restrict", "restrict", {"note": "涉及未成年人隐私"}),
]


@pytest.mark.parametrize(("path", "action", "data"), ACTIONS)
def test_each_action_endpoint(incident, centre, now, client_for, path, action, data):
    if path == "verbal":
        data = {**data, "verbal_at": iso(now - datetime.timedelta(minutes=3))}
    response = post(client_for(centre), act(incident, path), {**data, "version": 0})
    assert response.status_code == 200, response.content
    d = response.json()
    assert d["events"][-1]["action"] == action
    assert d["version"] == 1
    incident.refresh_from_db()
    assert incident.events.order_by("pk").last().actor == centre
    if action == "close":
        assert d["status"] == "closed" and d["steps"][-1]["kind"] == "final"
    if action == "follow_up":
        assert d["injured"] == 2 and d["steps"][-1]["kind"] == "follow_up"
    if action == "mediation":
        assert d["mediation"] == "agreed"
    if action == "restrict":
        assert d["restricted"] is True
        assert centre.pk in {p["user"] for p in d["access"]}


def test_evidence_in_multipart(incident, school, client_for):
    response = client_for(school).post(
        act(incident, "evidence"), {"files": [photo()], "note": "现场照片"}
    )
    assert response.status_code == 200, response.content
    assert [e["original_name"] for e in response.json()["evidence"]] == ["现场.jpg"]
    assert response.json()["events"][-1]["action"] == "add_evidence"
    url = response.json()["evidence"][0]["url"]
    download = client_for(school).get(url)
    assert download.status_code == 200 and download["Content-Type"] == "image/jpeg"
    assert b"".join(download.streaming_content)[:2] == b"\xff\xd8"
    assert client_for(school).get(url, {"thumbnail": 1}).status_code == 200
    assert client_for(school).get(url.replace("/files/", "/files/9")).status_code == 404
    assert post(client_for(school), act(incident, "evidence"), {}).status_code == 400


def test_follow_up_before_the_report_is_refused(incident, school, client_for):
    before = incident.steps.count()
    response = post(
        client_for(school),
        act(incident, "follow-up"),
        {"note": "续报", "as_of": iso(incident.reported_at - datetime.timedelta(minutes=1))},
    )
    assert response.status_code == 400
    assert "as_of" in response.json()["errors"]
    assert incident.steps.count() == before
    response = post(client_for(school), act(incident, "follow-up"), {"note": ""})
    assert response.status_code == 400 and response.json()["code"] == "comment_required"


def test_closing_twice_and_a_stale_version_are_409(incident, school, client_for):
    client = client_for(school)
    assert post(client, act(incident, "close"), {"note": "终报"}).status_code == 200
    response = post(client, act(incident, "close"), {"note": "再次终报"})
    assert response.status_code == 409 and response.json()["code"] == "invalid_transition"
    assert IncidentStep.objects.filter(incident=incident, kind="final").count() == 1
    response = post(client, act(incident, "comment"), {"note": "旧页面", "version": 0})
    assert response.status_code == 409 and response.json()["code"] == "stale"
    incident.refresh_from_db()
    assert incident.version == 1


# --- restricted cases ----------------------------------------------------------------------------


def _audits(user, action):
    return AuditEvent.objects.filter(actor=user, action=action).count()


def test_restricted_case_through_the_api(world, school, centre, now, client_for):
    designate(world, centre)
    other = second_centre_officer(world)
    leader = world.users[Role.LEADERSHIP]
    body = report_body(
        world,
        now,
        incident_type="bullying",
        title="校园欺凌事件",
        private_details="受害学生：张三（四年级）",
    )
    response = post(client_for(school), LIST, body)
    assert response.status_code == 201, response.content
    incident = Incident.objects.get()
    assert incident.restricted

    for user in (other, leader):
        client = client_for(user)
        response = client.get(detail(incident))
        assert response.status_code == 404
        assert _audits(user, Action.RESTRICTED_DENIED) == 1
        assert client.get(LIST).json()["count"] == 0
        assert client.get(LIST, {"q": "欺凌"}).json()["count"] == 0
        figures = client.get(f"{LIST}figures/").json()
        assert figures["total"]["n"] == 0 and figures["restricted"] == 1
        assert "受限" not in str(figures) and "欺凌事件" not in str(figures)
    assert post(client_for(other), act(incident, "comment"), {"note": "x"}).status_code == 404
    assert _audits(other, Action.RESTRICTED_DENIED) == 2
    assert client_for(other).get(f"{detail(incident)}files/1/").status_code == 404
    assert _audits(other, Action.RESTRICTED_DENIED) == 3

    named = client_for(centre)
    d = named.get(detail(incident)).json()
    assert d["private_details"] == "受害学生：张三（四年级）"
    assert {p["user"] for p in d["access"]} == {centre.pk, school.pk}
    assert _audits(centre, Action.RESTRICTED_READ) == 1
    assert named.get(LIST).json()["count"] == 1

    d = post(named, act(incident, "grant"), {"user": other.pk}).json()
    assert other.pk in {p["user"] for p in d["access"]}
    assert client_for(other).get(detail(incident)).status_code == 200
    d = post(client_for(centre), act(incident, "revoke"), {"user": other.pk}).json()
    assert other.pk not in {p["user"] for p in d["access"]}
    assert client_for(other).get(detail(incident)).status_code == 404
    response = post(client_for(centre), act(incident, "grant"), {"user": 10**6})
    assert response.status_code == 400 and "user" in response.json()["errors"]


def test_taking_oneself_off_the_access_list_answers_204(world, school, centre, now, client_for):
    incident = report(school, world.school_a, now=now, incident_type=IncidentType.ABUSE)
    assert set(incident.access.values_list("user_id", flat=True)) == {centre.pk, school.pk}
    client = client_for(centre)
    response = post(client, act(incident, "revoke"), {"user": centre.pk})
    assert response.status_code == 204 and response.content == b""
    assert client.get(detail(incident)).status_code == 404
    response = post(client_for(school), act(incident, "revoke"), {"user": school.pk})
    assert response.status_code == 403  # only the centre keeps the list
    assert list(incident.access.values_list("user_id", flat=True)) == [school.pk]


def test_daily_follow_ups_of_a_public_health_event(world, school, now, clock, client_for):
    incident = report(
        school,
        world.school_a,
        now=now,
        incident_type=IncidentType.FOOD_POISONING,
        title="午餐后多名学生呕吐",
    )
    client = client_for(school)
    t = client.get(detail(incident)).json()["timeliness"]
    assert t["written_due"].startswith("2027-03-01T10:50:00") and t["written_late"] is False
    clock.move_to("2027-03-02T16:30")
    client = client_for(school)  # a day later: a new session
    assert post(client, act(incident, "follow-up"), {"note": "学生均已返校"}).status_code == 200
    clock.move_to("2027-03-03T17:01")
    client = client_for(school)
    t = client.get(detail(incident)).json()["timeliness"]
    assert [w["state"] for w in t["windows"]] == ["done", "missed", "pending"]
    assert t["missed"] == 1 and t["late_count"] == 1
    assert [w["due"] for w in t["windows"]] == [
        "2027-03-02T17:00:00+08:00",
        "2027-03-03T17:00:00+08:00",
        "2027-03-04T17:00:00+08:00",
    ]


def test_the_access_list_is_only_for_restricted_cases(incident, centre, client_for):
    response = post(client_for(centre), act(incident, "grant"), {"user": centre.pk})
    assert response.status_code == 409 and response.json()["code"] == "invalid_transition"


# --- figures -------------------------------------------------------------------------------------


def test_figures(world, school, centre, now, client_for):
    report(school, world.school_a, now=now, minutes_after=45)
    report(school, world.school_a, now=now, incident_type=IncidentType.FIRE)
    report(centre, world.school_b, now=now, incident_type=IncidentType.ABUSE, title="受限")
    body = client_for(centre).get(f"{LIST}figures/").json()
    assert body["total"]["n"] == 2 and body["open"]["n"] == 2
    assert body["late"]["n"] == 1 and body["on_time"]["n"] == 1
    assert body["rate"] == pytest.approx(50.0)
    assert body["restricted"] == 1
    assert body["late"]["url"] == "/incidents/?timeliness=late"
    assert body["total"]["label"] == "全部事件" and body["late"]["label"] == "首报迟报"
    assert {r["key"]: r["n"] for r in body["by_type"]} == {"injury": 1, "fire": 1}  # abuse: apart
    assert [r["key"] for r in body["by_severity"]] == list(Severity.values)
    school_b = user_with_role(Role.PRINCIPAL, world.school_b, username="principal_b")
    own = client_for(school_b).get(f"{LIST}figures/").json()
    # the school's own restricted case: counted apart, as for everyone not named on it
    assert own["total"]["n"] == 0 and own["restricted"] == 1
    assert client_for(world.users[Role.AUDITOR]).get(f"{LIST}figures/").status_code == 403


# --- illness records and cluster alerts ----------------------------------------------------------


def test_illness_records_raise_a_cluster_alert(world, school, now, client_for):
    client = client_for(school)
    record = {
        "school": world.school_a.pk,
        "class_name": "三(2)班",
        "day": now.date().isoformat(),
        "symptoms": "发热、呕吐",
    }
    first = post(client, "/api/v1/illness-records/", {**record, "cases": 2})
    assert first.status_code == 201 and first.json()["cluster_alert"] is None
    second = post(client, "/api/v1/illness-records/", {**record, "cases": 1})
    alert = second.json()["cluster_alert"]
    assert alert["rule"] == "day" and alert["cases"] == 3 and alert["open"] is True
    assert client.get("/api/v1/illness-records/").json()["count"] == 2
    open_alerts = client.get("/api/v1/cluster-alerts/", {"open": 1}).json()
    assert [a["id"] for a in open_alerts["results"]] == [alert["id"]]
    future = post(client, "/api/v1/illness-records/", {**record, "cases": 1, "day": "2099-01-01"})
    assert future.status_code == 400 and IllnessRecord.objects.count() == 2
    dept = client_for(world.users[Role.DEPARTMENT_OFFICER])
    assert post(dept, "/api/v1/illness-records/", {**record, "cases": 1}).status_code == 403
    assert dept.get("/api/v1/cluster-alerts/").json()["count"] == 1
    assert client_for(world.users[Role.PARTNER]).get("/api/v1/cluster-alerts/").status_code == 403
    outsider = user_with_role(Role.SAFETY_CENTRE, world.other_bureau, username="c_other")
    assert client_for(outsider).get("/api/v1/cluster-alerts/").json()["count"] == 0
    assert ClusterAlert.objects.count() == 1


def test_illness_and_cluster_lists_have_pinned_query_counts(world, centre, now, client_for):
    from safecampus.incidents import illness

    def record(school, cls, cases):
        illness.illness_record(
            actor=centre,
            data={
                "school": school.pk,
                "class_name": cls,
                "day": now.date().isoformat(),
                "cases": cases,
                "symptoms": "发热",
            },
            now=now,
        )

    record(world.school_a, "一(1)班", 3)
    client = client_for(centre)
    urls = ("/api/v1/illness-records/", "/api/v1/cluster-alerts/")
    few = {url: count_queries(client, url) for url in urls}
    for n in range(2, 6):
        record(world.school_b, f"大{n}班", 3)
    for url, n in few.items():
        assert count_queries(client, url) == n, url
    assert few == {"/api/v1/illness-records/": 6, "/api/v1/cluster-alerts/": 6}


# --- limits and settings -------------------------------------------------------------------------


def test_limits(world, centre, school, outsider, client_for):
    client = client_for(centre)
    rows = client.get("/api/v1/incident-limits/").json()["results"]
    assert len(rows) == 3 and all(r["default"] and r["id"] is None for r in rows)
    response = post(
        client, "/api/v1/incident-limits/", {"incident_type": "fire", "verbal_minutes": 15}
    )
    assert response.status_code == 201, response.content
    limit = response.json()
    assert limit["verbal_minutes"] == 15 and limit["default"] is False
    assert ReportingLimit.objects.filter(bureau=world.bureau).count() == 4
    url = f"/api/v1/incident-limits/{limit['id']}/"
    response = client.patch(url, {"written_minutes": 40}, content_type="application/json")
    assert response.status_code == 200 and response.json()["written_minutes"] == 40
    assert response.json()["verbal_minutes"] == 15
    bad = client.patch(url, {"verbal_minutes": -5}, content_type="application/json")
    assert bad.status_code == 400
    assert ReportingLimit.objects.get(pk=limit["id"]).verbal_minutes == 15
    school_client = client_for(school)
    assert len(school_client.get("/api/v1/incident-limits/").json()["results"]) == 4
    assert post(school_client, "/api/v1/incident-limits/", {"verbal_minutes": 5}).status_code == 403
    assert school_client.delete(url).status_code == 403
    other = client_for(outsider)
    assert other.get("/api/v1/incident-limits/", {"bureau": world.bureau.pk}).status_code == 404
    assert other.delete(url).status_code == 404
    assert client_for(centre).delete(url).status_code == 204
    assert not ReportingLimit.objects.filter(pk=limit["id"]).exists()


def test_settings(world, centre, school, outsider, client_for):
    url = f"/api/v1/incident-settings/{world.bureau.pk}/"
    client = client_for(centre)
    body = client.get(url).json()
    assert body["cluster_day_cases"] == 3 and body["may_edit"] is True
    response = client.patch(
        url,
        {"cluster_day_cases": 4, "restricted_officers": [centre.pk], "version": body["version"]},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["cluster_day_cases"] == 4
    assert response.json()["restricted_officers"] == [
        {"id": centre.pk, "name": centre.display_name}
    ]
    bad = client.patch(url, {"cluster_day_cases": 1}, content_type="application/json")
    assert bad.status_code == 400 and "cluster_day_cases" in bad.json()["errors"]
    stale = client.patch(
        url, {"cluster_minutes": 30, "version": 0}, content_type="application/json"
    )
    assert stale.status_code == 409
    school_client = client_for(school)
    assert school_client.get(url).json()["may_edit"] is False
    denied = school_client.patch(url, {"cluster_day_cases": 5}, content_type="application/json")
    assert denied.status_code == 403
    assert client_for(outsider).get(url).status_code == 404
    assert client_for(world.users[Role.AUDITOR]).get(url).status_code == 403


def test_routing_brings_an_incident_to_its_department(world, centre, school, now, client_for):
    dept = client_for(world.users[Role.DEPARTMENT_OFFICER])
    routed = report(school, world.school_a, now=now, title="未分派")
    assert dept.get(LIST).json()["count"] == 0
    assert dept.get(detail(routed)).status_code == 404
    response = client_for(centre).patch(
        f"/api/v1/incident-settings/{world.bureau.pk}/",
        {"routing": {"injury": world.department.pk}},
        content_type="application/json",
    )
    assert response.json()["routing"] == {"injury": world.department.pk}
    incident = report(school, world.school_a, now=now, title="已分派")
    dept = client_for(world.users[Role.DEPARTMENT_OFFICER])
    assert [r["id"] for r in dept.get(LIST).json()["results"]] == [incident.pk]
    d = post(dept, act(incident, "acknowledge")).json()
    assert d["acknowledged_at"] is not None and d["department"]["id"] == world.department.pk
    response = post(dept, act(incident, "acknowledge"))
    assert response.status_code == 409 and response.json()["code"] == "invalid_transition"


# --- the schema ----------------------------------------------------------------------------------


def test_the_schema_documents_these_paths_without_warnings(db):
    from drf_spectacular.drainage import GENERATOR_STATS
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.validation import validate_schema

    GENERATOR_STATS.reset()
    schema = SchemaGenerator().get_schema(request=None, public=True)
    validate_schema(schema)
    mine = ("/incidents/", "/incident-limits/", "/incident-settings/", "illness", "cluster-alerts")
    paths = {p: item for p, item in schema["paths"].items() if any(m in p for m in mine)}
    for path in [p for p, _a, _d in ACTIONS] + ["grant", "revoke", "evidence"]:
        assert f"/api/v1/incidents/{{id}}/{path}/" in paths, path
    for path in (
        "/api/v1/incidents/",
        "/api/v1/incidents/{id}/",
        "/api/v1/incidents/figures/",
        "/api/v1/illness-records/",
        "/api/v1/cluster-alerts/",
        "/api/v1/incident-limits/",
        "/api/v1/incident-limits/{id}/",
        "/api/v1/incident-settings/{bureau_id}/",
    ):
        assert path in paths, path
    for path, item in paths.items():
        for method, operation in item.items():
            assert "Roles:" in operation["description"], (path, method)
            assert {"401", "403"} <= set(operation["responses"]), (path, method)
            if method == "post" and "{id}" in path:
                assert {"400", "404", "409"} <= set(operation["responses"]), path
    warnings = " ".join(GENERATOR_STATS._warn_cache) + " ".join(GENERATOR_STATS._error_cache)
    for word in ("ncident", "llness", "luster", "imit"):
        assert word not in warnings, warnings


def test_a_note_absent_is_refused_as_a_blank_one_and_the_schema_requires_it(
    incident, school, client_for
):
    client = client_for(school)
    before = incident.steps.count()
    response = post(client, act(incident, "follow-up"), {})
    assert response.status_code == 400 and response.json()["code"] == "comment_required"
    assert list(response.json()["errors"]) == ["note"]
    assert incident.steps.count() == before
    schemas = client.get("/api/schema/", {"format": "json"}).json()["components"]["schemas"]
    assert "note" in schemas["IncidentNoteRequest"]["required"]
