"""The register API: scope per role, filters, pinned query count, report, actions and refusals."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from safecampus.core.roles import Role
from safecampus.core.testing import user_with_role
from safecampus.hazards.choices import Status
from safecampus.hazards.models import Hazard, HazardEvidence
from safecampus.hazards.testing import FIVE_IN_PLACE, jpeg_upload
from safecampus.hazards.tests.helpers import days

URL = "/api/v1/hazards/"


class InDays(int):
    """A deadline ``n`` days after the test's today, written into a payload when it is sent
    (the parameters below are built at import, before the test's clock is set)."""

    def iso(self) -> str:
        return str(days(self))


D30, D60 = InDays(30), InDays(60)
WHO = {
    "centre": Role.SAFETY_CENTRE,
    "leader": Role.LEADERSHIP,
    "dept": Role.DEPARTMENT_OFFICER,
    "school": Role.SCHOOL_OFFICER,
}


def _user(reg, who):
    if who == "centre_other":
        return user_with_role(Role.SAFETY_CENTRE, reg.other_bureau, username="centre_other")
    extra = {"dept_other": reg.other_dept_user, "school_b": reg.school_b_user}
    return extra[who] if who in extra else reg.users[WHO.get(who, who)]


def _files(bad=False):
    script = SimpleUploadedFile("x.jpg", b"#!/bin/sh\nrm -rf /\n", "image/jpeg")
    return [jpeg_upload("整改.jpg"), script] if bad else [jpeg_upload("整改.jpg")]


def _post(client, hazard, path, payload):
    """JSON, or multipart when files are sent (``"files": "ok"`` or ``"bad"``)."""
    url = f"{URL}{hazard.pk}/{path}/"
    payload = {k: v.iso() if isinstance(v, InDays) else v for k, v in payload.items()}
    if "files" in payload:
        return client.post(url, {**payload, "files": _files(payload["files"] == "bad")})
    return client.post(url, payload, content_type="application/json")


def _ids(response):
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def _pick(body, *keys):
    return tuple(body[k] for k in keys)


def _snapshot(hazard):
    hazard = Hazard.objects.get(pk=hazard.pk)
    counts = hazard.events.count(), hazard.evidence.count()
    return hazard.version, hazard.status, hazard.deadline, hazard.responsible_department_id, counts


@pytest.fixture
def three(reg, client_for):
    """h1: A01-01 at school A (department responsible, 安保科 cooperating); h2: A01-02 at school
    B, assigned and 3 days overdue; h3: A02-01 at school A, named no department, then
    transferred through the API by the centre to 安保科."""
    items = {i.code: i for i in reg.catalog.items.all()}
    overdue = days(-3)
    h1 = reg.make("reported")
    h2 = reg.make(
        "assigned", school=reg.school_b, item=items["A01-02"], level="general", deadline=overdue
    )
    h3 = reg.make("reported", item=items["A02-01"], description="食堂后门堆放纸箱")
    transfer = {"version": 1, "responsible_department": reg.other_dept.pk, "comment": "协调会"}
    response = _post(client_for(reg.users[Role.SAFETY_CENTRE]), h3, "transfer", transfer)
    assert response.json()["responsible_department"] == {"id": reg.other_dept.pk, "name": "安保科"}
    reg.h = {"h1": h1, "h2": h2, "h3": h3}
    return reg


VISIBLE = {
    "centre": {"h1", "h2", "h3"},
    "leader": {"h1", "h2", "h3"},
    Role.INSPECTOR: {"h1", "h2", "h3"},
    "dept": {"h1", "h2"},
    "dept_other": {"h1", "h3"},  # cooperating on h1, responsible for h3 after the transfer
    "school": {"h1", "h3"},
    Role.PRINCIPAL: {"h1", "h3"},
    "school_b": {"h2"},
    "centre_other": set(),
    Role.PARTNER: None,
    Role.AUDITOR: None,
    Role.SYSTEM_ADMIN: None,
    Role.SECURITY_ADMIN: None,
}


@pytest.mark.parametrize("who", list(VISIBLE))
def test_list_and_detail_obey_scope(three, client_for, who):
    client = client_for(_user(three, who))
    response = client.get(URL)
    if VISIBLE[who] is None:
        assert (response.status_code, response.json()["code"]) == (403, "permission_denied")
        assert client.get(f"{URL}{three.h['h1'].pk}/").status_code == 403
        return
    assert _ids(response) == {three.h[k].pk for k in VISIBLE[who]}
    for key, hazard in three.h.items():
        detail = client.get(f"{URL}{hazard.pk}/")
        got = detail.json()["id" if detail.status_code == 200 else "code"]
        expected = (200, hazard.pk) if key in VISIBLE[who] else (404, "not_found")
        assert (detail.status_code, got) == expected, key
    for pk in ("99999999999999999999", "abc"):
        assert client.get(f"{URL}{pk}/").json()["code"] == "not_found"


@pytest.mark.parametrize("path", ["confirm", "withdraw", "explain", "evidence"])
def test_actions_outside_scope_are_404_and_change_nothing(three, client_for, path):
    h1, client = three.h["h1"], client_for(three.school_b_user)
    before = _snapshot(h1)
    for version in ("x", h1.version):  # scope is checked before the input
        response = _post(client, h1, path, {"version": version, "comment": "越权"})
        assert (response.status_code, response.json()["code"]) == (404, "not_found")
    assert _snapshot(h1) == before


@pytest.mark.dates
@pytest.mark.parametrize(
    "query, expected",
    [
        ("status=assigned", {"h2"}),
        ("status=reported&status=assigned", {"h1", "h2", "h3"}),
        ("status=bogus", {"h1", "h2", "h3"}),  # an invalid filter is ignored
        ("overdue=true", {"h2"}),
        ("overdue=false", {"h1", "h3"}),
        ("department={other_dept}", {"h3"}),
        ("department={dept}", {"h1", "h2"}),
        ("department={dept}&page_size=1", {"h2"}),  # newest first; page_size is no filter
        ("area=A01", {"h1", "h2"}),
        ("area=A02", {"h3"}),
        ("q=食堂", {"h3"}),
        ("q={h1_code}", {"h1"}),
    ],
)
def test_filters_return_exact_ids(three, client_for, query, expected):
    query = query.format(
        other_dept=three.other_dept.pk, dept=three.department.pk, h1_code=three.h["h1"].code
    )
    response = client_for(three.users[Role.SAFETY_CENTRE]).get(f"{URL}?{query}")
    assert _ids(response) == {three.h[k].pk for k in expected}


@pytest.mark.dates
def test_list_row(three, client_for):
    h2 = three.h["h2"]
    rows = client_for(three.users[Role.SAFETY_CENTRE]).get(f"{URL}?overdue=true").json()
    assert rows["count"] == 1
    assert rows["results"][0] == {
        "id": h2.pk,
        "code": h2.code,
        "school": {"id": three.school_b.pk, "name": "乙幼儿园"},
        "area_code": "A01",
        "area_name": "消防安全",
        "item_code": "A01-02",
        "description": "二楼东侧疏散通道堆放杂物",
        "location": "",
        "source": "self_inspection",
        "level": "general",
        "risk_colour": "",
        "risk_score": None,
        "status": "assigned",
        "status_display": str(Status.ASSIGNED.label),
        "responsible_department": {"id": three.department.pk, "name": "普教一科"},
        "deadline": str(days(-3)),
        "is_overdue": True,
        "days_overdue": 3,
        "summary": "in_progress",
        "supervised": False,
        "found_on": str(timezone.localdate()),
        "version": 2,
    }


def _count(client, url=URL):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_query_counts_are_pinned(three, client_for):
    client = client_for(three.users[Role.SAFETY_CENTRE])
    client.get(URL)  # warm the session
    few = _count(client)
    for i in range(27):
        three.make("reported", item=three.catalog.items.get(code=("A01-01", "A02-01")[i % 2]))
    # session, user, role assignments + bureau subtree (scope), count, page rows; the session's
    # idle-timeout refresh was written by the warming request and is not due again for a minute
    assert (few, _count(client), client.get(URL).json()["count"]) == (6, 6, 30)
    # the detail: the same 4 + 1 around the hazard, its departments, events, evidence twice
    closed = three.make("closed")
    details = [_count(client, f"{URL}{h.pk}/") for h in (three.h["h1"], closed)]
    assert details == [9, 9]


def test_create_with_photo(reg, client_for):
    payload = {"school": reg.school_a.pk, "item": reg.item.pk, "description": "楼梯扶手松动"}
    payload |= {"responsible_person": "王老师", "lec_l": "3", "lec_e": "6", "lec_c": "7"}
    response = client_for(reg.users[Role.SCHOOL_OFFICER]).post(
        URL, {**payload, "files": [jpeg_upload("扶手.jpg")]}
    )
    assert response.status_code == 201, response.content
    body, hazard, evidence = response.json(), Hazard.objects.get(), HazardEvidence.objects.get()
    event = hazard.events.get()
    expected = (hazard.pk, hazard.code, "reported", 1, "126.00", "yellow")  # D = 3 × 6 × 7
    assert _pick(body, "id", "code", "status", "version", "risk_score", "risk_colour") == expected
    assert body["responsible_department"] == {"id": reg.department.pk, "name": "普教一科"}
    assert body["cooperating_departments"] == [{"id": reg.other_dept.pk, "name": "安保科"}]
    assert body["catalog_version"] == reg.catalog.pk
    assert body["allowed_actions"] == ["explain", "add_evidence"]
    [shown] = body["evidence"]
    assert shown == {
        "id": evidence.pk,
        "event": event.pk,
        "phase": "before",
        "original_name": "扶手.jpg",
        "content_type": "image/jpeg",
        "size": evidence.size,
        "uploaded_at": shown["uploaded_at"],
        "url": f"/hazards/evidence/{evidence.pk}/",
        "thumbnail_url": f"/hazards/evidence/{evidence.pk}/thumb/",
        "download_url": f"/api/v1/hazard-evidence/{evidence.pk}/",
    }
    [shown] = body["events"]
    expected = (event.pk, "report", None, "reported", "school_officer", [evidence.pk])
    assert _pick(shown, "id", "action", "from_status", "to_status", "actor_role", "evidence") == (
        expected
    )


@pytest.mark.parametrize(
    "who, payload, status, code, field",
    [
        ("school", {"files": "bad"}, 400, "evidence_invalid", "files"),
        ("school", {"level": "major"}, 400, "interim_measures_required", "interim_measures"),
        ("school", {"found_on": "2026-13-01"}, 400, "invalid", "found_on"),
        ("school", {"lec_l": "abc"}, 400, "invalid", "lec_l"),
        ("school", {"lec_l": "3"}, 400, "lec_incomplete", "lec_l"),
        ("school", {"school": "other"}, 400, "invalid", "school"),  # outside the scope
        ("school", {"school": "x"}, 400, "invalid", "school"),
        ("school", {"item": 99999999}, 400, "invalid", "item"),
        ("leader", {}, 403, "permission_denied", None),
    ],
)
def test_create_refused_saves_nothing(reg, client_for, who, payload, status, code, field):
    data = {"school": reg.school_a.pk, "item": reg.item.pk, "remedy_type": "deadline"}
    data |= {"description": "配电箱未上锁", "responsible_person": "李老师", **payload}
    if data["school"] == "other":
        data["school"] = reg.school_other.pk
    if "files" in data:  # a good photo and a renamed script: one bad file refuses them all
        data["files"] = _files(bad=True)
    response = client_for(_user(reg, who)).post(URL, data)
    body = response.json()
    assert (response.status_code, body["code"]) == (status, code), body
    if field:
        assert body["message"] == body["errors"][field][0]
    if code == "interim_measures_required":
        fields = {"interim_measures", "interim_unit", "interim_person", "interim_deadline"}
        assert set(body["errors"]) == fields
    assert (Hazard.objects.count(), HazardEvidence.objects.count()) == (0, 0)


@pytest.mark.dates
@pytest.mark.parametrize(
    "start, who, path, payload, after",
    [
        ("reported", "dept", "confirm", {"deadline": D30, **FIVE_IN_PLACE}, "assigned"),
        ("assigned", "school", "start", {}, "rectifying"),
        ("rectifying", "school", "submit", {"files": "ok"}, "submitted"),
        ("submitted", "dept", "accept", {}, "closed"),
        ("submitted", "dept", "reject", {"comment": "照片不清"}, "rectifying"),
        ("reported", "dept", "withdraw", {"comment": "不是隐患"}, "withdrawn"),
        ("assigned", "dept", "mark-hard", {"comment": "需专项资金"}, "hard"),
        ("hard", "leader", "decide", {"decisions": ["new_deadline", "supervise"]}, "rectifying"),
        ("assigned", "dept", "extend", {"deadline": D60, "comment": "材料未到"}, "assigned"),
        ("assigned", "school", "explain", {"comment": "假期施工"}, "assigned"),
        ("assigned", "school", "evidence", {"files": "ok", "phase": "before"}, "assigned"),
    ],
)
def test_each_action_endpoint(reg, client_for, start, who, path, payload, after):
    hazard = reg.make(start)
    if path == "decide":
        payload = {**payload, "deadline": D60, "comment": "专题研商"}
    payload = {"version": hazard.version, **payload}
    response = _post(client_for(_user(reg, who)), hazard, path, payload)
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["version"]) == (after, hazard.version + 1)
    action = {"evidence": "add_evidence", "mark-hard": "mark_hard"}.get(path, path)
    event = body["events"][-1]
    assert (event["action"], event["comment"]) == (action, payload.get("comment", ""))
    if "files" in payload:
        assert event["evidence"] == [body["evidence"][-1]["id"]]


MAJOR = {"deadline": D30, "level": "major"}
NEW_DEADLINE = {"decisions": ["new_deadline"]}


@pytest.mark.parametrize(
    "start, who, path, payload, status, code",
    [
        ("assigned", "dept", "extend", {"deadline": D60, "version": 1}, 409, "stale"),
        ("submitted", "school", "accept", {}, 403, "not_allowed"),
        ("reported", "dept", "accept", {}, 409, "invalid_transition"),
        ("closed", "dept", "explain", {}, 409, "invalid_transition"),
        ("submitted", "dept", "reject", {"comment": " "}, 400, "reason_required"),
        ("rectifying", "school", "submit", {}, 400, "evidence_required"),
        ("rectifying", "school", "submit", {"files": "bad"}, 400, "evidence_invalid"),
        ("assigned", "dept", "evidence", {}, 400, "invalid"),
        ("reported", "dept", "confirm", {}, 400, "five_in_place_required"),
        ("reported", "dept", "confirm", MAJOR, 400, "interim_measures_required"),
        ("hard", "leader", "decide", NEW_DEADLINE, 400, "deadline_required"),
        ("hard", "leader", "decide", {"decisions": []}, 400, "decision_required"),
        ("hard", "leader", "decide", {"decisions": ["bogus"]}, 400, "invalid"),
        ("assigned", "dept", "extend", {"deadline": "2026-13-01"}, 400, "invalid"),
        ("assigned", "dept", "extend", {"deadline": D60, "version": "abc"}, 400, "invalid"),
        ("reported", "centre", "transfer", {"responsible_department": 99999999}, 400, "invalid"),
        ("reported", "centre", "transfer", {"responsible_department": "科"}, 400, "invalid"),
    ],
)
def test_refused_action_changes_nothing(reg, client_for, start, who, path, payload, status, code):
    hazard = reg.make(start)
    before = _snapshot(hazard)
    payload = {"version": hazard.version, "comment": "理由", **payload}
    response = _post(client_for(_user(reg, who)), hazard, path, payload)
    body = response.json()
    assert (response.status_code, body["code"]) == (status, code), body
    assert body["message"] and isinstance(body["errors"], dict)
    assert _snapshot(hazard) == before


@pytest.mark.dates
def test_full_loop_confirm_submit_accept(reg, client_for):
    hazard, dept = reg.make("reported"), reg.users[Role.DEPARTMENT_OFFICER]
    confirm = {"version": 1, "deadline": D30, **FIVE_IN_PLACE, "measures": "清理杂物"}
    body = _post(client_for(dept), hazard, "confirm", confirm).json()
    expected = ("assigned", D30.iso(), "清理杂物", 2)
    assert _pick(body, "status", "deadline", "measures", "version") == expected
    school = client_for(reg.users[Role.SCHOOL_OFFICER])
    body = _post(school, hazard, "submit", {"version": 2, "files": "ok"}).json()
    assert (body["status"], [e["phase"] for e in body["evidence"]]) == ("submitted", ["after"])
    body = _post(client_for(dept), hazard, "accept", {"version": 3, "comment": "现场核实"}).json()
    expected = ("closed", "resolved", str(timezone.localdate()), [])
    assert _pick(body, "status", "summary", "closed_on", "allowed_actions") == expected
    assert [e["action"] for e in body["events"]] == ["report", "confirm", "submit", "accept"]
    assert Hazard.objects.get(pk=hazard.pk).status == Status.CLOSED
