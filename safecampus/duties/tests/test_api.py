"""The duties API, acting on occurrences: each endpoint's scope matrix, recording through the
API against the service, refusals (the documented JSON, nothing saved) and evidence files."""

import datetime

import pytest
from django.test.client import MULTIPART_CONTENT

from safecampus.core.roles import Role
from safecampus.core.testing import scope_matrix
from safecampus.duties import services
from safecampus.duties.models import DutyEvidence, DutyRecord, Occurrence, OccurrenceEvent

from .api_fixtures import (
    OCC_URL,
    PDF,
    Upload,
    assert_json_error,
    aw_fixture,  # noqa: F401 - the fixture `aw`
    photo,
    post_json,
    post_record,
)

pytestmark = pytest.mark.dates

R = Role
#: the roles that never reach business data (三员)
ADMINS = (R.SYSTEM_ADMIN, R.SECURITY_ADMIN, R.AUDITOR)


def _users(aw, whos):
    return [aw.user(w) for w in whos]


def _record_by_service(aw, occ=None, user=None):
    payload = aw.drill_payload()
    return services.record(
        actor=user or aw.w.users[R.SCHOOL_OFFICER],
        occurrence_id=(occ or aw.occ).pk,
        data={
            "occurred_at": aw.now - datetime.timedelta(minutes=10),
            "participants": 820,
            "evacuation_seconds": 185,
            "scenario": payload["scenario"],
            "summary": payload["summary"],
        },
        files={
            "photo": [_uploaded(photo())],
            "signin": [_uploaded(photo("签到表.jpg", (1, 2, 3)))],
        },
    )


def _uploaded(upload: Upload):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(upload.name, upload.content, content_type=upload.content_type)


def _snapshot(occ):
    occ = Occurrence.objects.get(pk=occ.pk)
    return (
        occ.status,
        occ.recorded,
        occ.row_version,
        occ.grace_end,
        DutyRecord.objects.count(),
        DutyEvidence.objects.count(),
        OccurrenceEvent.objects.count(),
    )


# --- scope matrices -------------------------------------------------------------------------


def test_occurrence_detail_scope(aw, client):
    scope_matrix(
        client,
        f"{OCC_URL}{aw.occ.pk}/",
        permitted=aw.w.users[R.PRINCIPAL],
        out_of_scope=_users(aw, ["school_b", R.PARTNER, "dept_other", "centre_other"]),
        wrong_role=_users(aw, ADMINS),
    )
    for who in (R.SCHOOL_OFFICER, R.DEPARTMENT_OFFICER, R.SAFETY_CENTRE, R.LEADERSHIP, R.INSPECTOR):
        client.force_login(aw.w.users[who])
        assert client.get(f"{OCC_URL}{aw.occ.pk}/").json()["id"] == aw.occ.pk


def test_record_scope(aw, client):
    scope_matrix(
        client,
        f"{OCC_URL}{aw.occ.pk}/record/",
        method="post",
        data=aw.drill_payload(),
        content_type=MULTIPART_CONTENT,
        permitted=aw.w.users[R.SCHOOL_OFFICER],
        ok=(201,),
        out_of_scope=_users(aw, ["school_b", R.PARTNER, "dept_other", "centre_other"]),
        # the department and the centre see it but do not owe it
        wrong_role=_users(
            aw, [*ADMINS, R.LEADERSHIP, R.INSPECTOR, R.DEPARTMENT_OFFICER, R.SAFETY_CENTRE]
        ),
    )
    assert Occurrence.objects.get(pk=aw.occ.pk).status == "done"


def test_ask_excuse_scope(aw, client):
    scope_matrix(
        client,
        f"{OCC_URL}{aw.occ.pk}/ask-excuse/",
        method="post",
        data={"reason": "校舍维修，场地封闭"},
        permitted=aw.w.users[R.PRINCIPAL],
        out_of_scope=_users(aw, ["school_b", R.PARTNER, "dept_other", "centre_other"]),
        wrong_role=_users(
            aw, [*ADMINS, R.LEADERSHIP, R.INSPECTOR, R.DEPARTMENT_OFFICER, R.SAFETY_CENTRE]
        ),
    )
    assert Occurrence.objects.get(pk=aw.occ.pk).status == "excuse_requested"


def test_decide_excuse_scope(aw, client):
    services.ask_excuse(actor=aw.w.users[R.SCHOOL_OFFICER], occurrence_id=aw.occ.pk, reason="维修")
    scope_matrix(
        client,
        f"{OCC_URL}{aw.occ.pk}/decide-excuse/",
        method="post",
        data={"accept": True, "comment": "同意"},
        permitted=aw.w.users[R.DEPARTMENT_OFFICER],
        out_of_scope=_users(aw, ["dept_other", "centre_other"]),
        wrong_role=_users(
            aw,
            [
                *ADMINS,
                R.LEADERSHIP,
                R.INSPECTOR,
                R.SCHOOL_OFFICER,
                R.PRINCIPAL,
                R.PARTNER,
                "school_b",
            ],
        ),
    )
    assert Occurrence.objects.get(pk=aw.occ.pk).status == "excused"


def test_not_credible_scope(aw, client):
    _record_by_service(aw)
    scope_matrix(
        client,
        f"{OCC_URL}{aw.occ.pk}/not-credible/",
        method="post",
        data={"reason": "照片与上月相同"},
        permitted=aw.w.users[R.SAFETY_CENTRE],
        out_of_scope=_users(aw, ["dept_other", "centre_other"]),
        wrong_role=_users(
            aw, [*ADMINS, R.LEADERSHIP, R.INSPECTOR, R.SCHOOL_OFFICER, R.PRINCIPAL, R.PARTNER]
        ),
    )
    assert Occurrence.objects.get(pk=aw.occ.pk).status == "due"


def test_evidence_scope(aw, client):
    record = _record_by_service(aw)
    evidence = record.files.get(kind="photo")
    url = f"/api/v1/duty-evidence/{evidence.pk}/"
    scope_matrix(
        client,
        url,
        permitted=aw.w.users[R.DEPARTMENT_OFFICER],
        out_of_scope=_users(aw, ["school_b", R.PARTNER, "dept_other", "centre_other"]),
        wrong_role=_users(aw, ADMINS),
    )
    for who in (R.SAFETY_CENTRE, R.LEADERSHIP, R.INSPECTOR, R.PRINCIPAL):
        client.force_login(aw.w.users[who])
        assert client.get(url).status_code == 200, who
    client.force_login(aw.w.users[R.SCHOOL_OFFICER])
    response = client.get(url, HTTP_ACCEPT="image/*")
    assert (response.status_code, response["Content-Type"]) == (200, "image/jpeg")
    assert b"".join(response.streaming_content) == evidence.file.open("rb").read()
    assert response["X-Content-Type-Options"] == "nosniff"
    thumb = client.get(url, {"thumbnail": "1"})
    assert (thumb.status_code, thumb["Content-Type"]) == (200, "image/jpeg")
    # a file that does not exist and one out of scope answer alike, in JSON
    assert_json_error(client.get("/api/v1/duty-evidence/999999/"), 404, "not_found")
    client.force_login(aw.school_b_user)
    assert_json_error(client.get(url, HTTP_ACCEPT="image/*"), 404, "not_found")


# --- recording ------------------------------------------------------------------------------


def test_recording_through_the_api_is_the_service(aw, client):
    """School A records through the API, school C through the service, with the same input:
    the same status, counter, record, evidence and event."""
    client.force_login(aw.w.users[R.SCHOOL_OFFICER])
    response = post_record(client, aw.occ, aw.drill_payload())
    assert response.status_code == 201, response.content
    _record_by_service(aw, aw.occ_c, aw.school_c_user)

    def effect(occ):
        occ = Occurrence.objects.get(pk=occ.pk)
        rec = DutyRecord.objects.get(occurrence=occ)
        event = OccurrenceEvent.objects.get(occurrence=occ)
        return (
            occ.status,
            occ.recorded,
            occ.row_version,
            (rec.occurred_at, rec.scenario, rec.summary, rec.participants),
            (rec.evacuation_seconds, rec.figures, rec.created_role),
            sorted(rec.files.values_list("kind", "original_name", "content_type")),
            (event.action, event.from_status, event.to_status, event.role, event.record_id),
        )

    api, service = effect(aw.occ), effect(aw.occ_c)
    assert api[:-1] == service[:-1]
    assert api[-1][:4] == service[-1][:4] == ("record", "due", "done", R.SCHOOL_OFFICER)
    event = OccurrenceEvent.objects.get(occurrence=aw.occ)
    assert event.actor == aw.w.users[R.SCHOOL_OFFICER]
    # the answer is the occurrence's detail: the record, its files and the event
    body = response.json()
    assert (body["status"], body["recorded"]) == ("done", 1)
    (record,) = body["records"]
    assert (record["participants"], record["evacuation_seconds"]) == (820, 185)
    assert sorted(f["kind"] for f in record["files"]) == ["photo", "signin"]
    assert record["files"][0]["url"] == f"/api/v1/duty-evidence/{record['files'][0]['id']}/"
    assert [e["action"] for e in body["events"]] == ["record"]
    assert body["events"][0]["record"] == record["id"]
    assert body["allowed_actions"] == ["correct"]


def test_a_correction_supersedes_and_keeps_history(aw, client):
    first = _record_by_service(aw)
    client.force_login(aw.w.users[R.SCHOOL_OFFICER])
    response = post_record(client, aw.occ, aw.drill_payload(participants=830, supersedes=first.pk))
    assert response.status_code == 201, response.content
    body = response.json()
    assert [r["participants"] for r in body["records"]] == [820, 830]
    assert body["records"][1]["supersedes"] == first.pk
    assert [e["action"] for e in body["events"]] == ["record", "correct"]
    assert (body["status"], body["recorded"]) == ("done", 1)


SCRIPT = b"#!/bin/sh\nrm -rf /\n"


def _tomorrow(aw):
    return (aw.now + datetime.timedelta(days=1)).isoformat()


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"files_signin": None}, "files_signin"),
        ({"files_photo": None}, "files_photo"),
        ({"participants": None}, "participants"),
        ({"occurred_at": "tomorrow"}, "occurred_at"),
        ({"files_photo": [Upload("演练.jpg", PDF, "image/jpeg")]}, "files"),
        ({"files_signin": [Upload("签到表.pdf", SCRIPT, "application/pdf")]}, "files"),
        ({"occurred_at": "昨天"}, "occurred_at"),
        ({"participants": -5}, "participants"),
    ],
    ids=[
        "no-signin",
        "no-photo",
        "no-participants",
        "future",
        "jpg-that-is-a-pdf",
        "script",
        "unparseable-date",
        "negative",
    ],
)
def test_bad_record_is_refused_and_saves_nothing(aw, client, changes, field):
    if changes.get("occurred_at") == "tomorrow":
        changes = {"occurred_at": _tomorrow(aw)}
    before = _snapshot(aw.occ)
    client.force_login(aw.w.users[R.SCHOOL_OFFICER])
    response = post_record(client, aw.occ, aw.drill_payload(**changes))
    body = assert_json_error(response, 400, "invalid")
    assert field in body["errors"], body
    assert body["message"] == next(iter(body["errors"].values()))[0]
    assert _snapshot(aw.occ) == before


def test_recording_twice_is_refused(aw, client):
    _record_by_service(aw)
    before = _snapshot(aw.occ)
    client.force_login(aw.w.users[R.SCHOOL_OFFICER])
    body = assert_json_error(
        post_record(client, aw.occ, aw.drill_payload()), 400, "already_recorded"
    )
    assert body["errors"] == {"non_field_errors": [body["message"]]}
    assert _snapshot(aw.occ) == before


# --- excuses and oversight ------------------------------------------------------------------


def test_excuse_asked_refused_accepted(aw, client):
    school, dept = aw.w.users[R.SCHOOL_OFFICER], aw.w.users[R.DEPARTMENT_OFFICER]
    client.force_login(dept)
    assert client.get(f"{OCC_URL}{aw.occ.pk}/").json()["allowed_actions"] == []
    client.force_login(school)
    detail = client.get(f"{OCC_URL}{aw.occ.pk}/").json()
    assert detail["allowed_actions"] == ["record", "ask_excuse"]
    body = post_json(client, aw.occ, "ask-excuse", {"reason": "校舍维修"}).json()
    assert (body["status"], body["allowed_actions"]) == ("excuse_requested", [])
    client.force_login(dept)
    detail = client.get(f"{OCC_URL}{aw.occ.pk}/").json()
    assert detail["allowed_actions"] == ["decide_excuse"]
    response = post_json(client, aw.occ, "decide-excuse", {"accept": False, "comment": "可另择日"})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "due"
    client.force_login(school)
    post_json(client, aw.occ, "ask-excuse", {"reason": "场地仍在维修"})
    client.force_login(dept)
    body = post_json(client, aw.occ, "decide-excuse", {"accept": True}).json()
    assert body["status"] == "excused"
    assert [(e["action"], e["comment"], e["role"]) for e in body["events"]] == [
        ("ask_excuse", "校舍维修", R.SCHOOL_OFFICER),
        ("refuse_excuse", "可另择日", R.DEPARTMENT_OFFICER),
        ("ask_excuse", "场地仍在维修", R.SCHOOL_OFFICER),
        ("accept_excuse", "", R.DEPARTMENT_OFFICER),
    ]


def test_not_credible_reopens_and_opens_accountability(aw, client):
    from safecampus.accountability.models import AccountabilityRecord

    _record_by_service(aw)
    client.force_login(aw.w.users[R.DEPARTMENT_OFFICER])
    response = post_json(
        client, aw.occ, "not-credible", {"reason": "照片与上月相同", "open_accountability": True}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["recorded"]) == ("due", 0)
    assert body["allowed_actions"] == []  # the department oversees; the school records anew
    event = body["events"][-1]
    assert (event["action"], event["from_status"], event["to_status"]) == (
        "not_credible",
        "done",
        "due",
    )
    record = AccountabilityRecord.objects.get(pk=event["accountability_record"])
    assert record.school_id == aw.w.school_a.pk


COMMENT = "comment_required"


@pytest.mark.parametrize(
    "path, payload, who, status, code, field",
    [
        ("ask-excuse", {}, R.SCHOOL_OFFICER, 400, "comment_required", "reason"),
        ("ask-excuse", {"reason": "  "}, R.SCHOOL_OFFICER, 400, "comment_required", "reason"),
        ("decide-excuse", {"comment": "x"}, R.DEPARTMENT_OFFICER, 400, "invalid", "accept"),
        ("decide-excuse", {"accept": False}, R.DEPARTMENT_OFFICER, 400, COMMENT, "comment"),
        ("not-credible", {"reason": ""}, R.DEPARTMENT_OFFICER, 400, "comment_required", "reason"),
        # a due occurrence: there is no excuse to decide and no record to doubt
        ("decide-excuse", {"accept": True}, R.DEPARTMENT_OFFICER, 409, "invalid_transition", None),
        ("not-credible", {"reason": "x"}, R.SAFETY_CENTRE, 409, "invalid_transition", None),
    ],
)
def test_refused_actions_change_nothing(aw, client, path, payload, who, status, code, field):
    if path == "decide-excuse" and status == 400:
        services.ask_excuse(actor=aw.w.users[R.SCHOOL_OFFICER], occurrence_id=aw.occ.pk, reason="x")
    before = _snapshot(aw.occ)
    client.force_login(aw.w.users[who])
    body = assert_json_error(post_json(client, aw.occ, path, payload), status, code)
    if field:
        assert field in body["errors"], body
    assert _snapshot(aw.occ) == before


def test_never_html_from_the_api(aw, client):
    client.force_login(aw.w.users[R.SCHOOL_OFFICER])
    assert_json_error(client.get(f"{OCC_URL}abc/"), 404, "not_found")
    assert_json_error(client.get(f"{OCC_URL}{aw.occ.pk}/nothing-here/"), 404, "not_found")
    assert_json_error(client.get(f"{OCC_URL}{2**70}/"), 404, "not_found")
    response = client.post(
        f"{OCC_URL}{aw.occ.pk}/ask-excuse/", "{not json", content_type="application/json"
    )
    assert_json_error(response, 400, "parse_error")
    response = client.post(f"{OCC_URL}{aw.occ.pk}/record/", {"x": 1}, content_type="text/plain")
    assert_json_error(response, 415, "unsupported_media_type")
    assert_json_error(client.get(f"{OCC_URL}{aw.occ.pk}/record/"), 405, "method_not_allowed")


@pytest.mark.django_db
def test_the_schema_marks_the_refused_reasons_required(client):
    schemas = client.get("/api/schema/", {"format": "json"}).json()["components"]["schemas"]
    assert schemas["AskExcuseRequest"]["required"] == ["reason"]
    assert schemas["NotCredibleRequest"]["required"] == ["reason"]
