"""The duties API, reading: the catalog, the occurrence list (scope per role, filters, pinned
query counts) and the compliance figures against hand-built records; real answers validate
against the schema."""

import datetime

import jsonschema
import pytest

from safecampus.core.roles import Role
from safecampus.core.testing import scope_matrix, user_with_role
from safecampus.duties import selectors, services
from safecampus.duties.models import DutyCatalogVersion, Occurrence

from .api_fixtures import (
    OCC_URL,
    assert_json_error,
    aw_fixture,  # noqa: F401 - the fixture `aw`
    is_chinese,
    photo,
    post_record,
)

pytestmark = pytest.mark.dates

R = Role
#: the roles that never reach business data (三员)
ADMINS = (R.SYSTEM_ADMIN, R.SECURITY_ADMIN, R.AUDITOR)
VERSIONS = "/api/v1/duty-versions/"
COMPLIANCE = "/api/v1/duty-compliance/"


def _ids(client, **params) -> set[int]:
    """The ids of every page of the occurrence list."""
    ids, page, count = set(), 1, None
    while True:
        response = _list(client, page=page, **params)
        assert response.status_code == 200, response.content
        body = response.json()
        count = body["count"]
        ids |= {row["id"] for row in body["results"]}
        if not body["next"]:
            break
        page += 1
    assert count == len(ids)
    return ids


def _list(client, **params):
    return client.get(OCC_URL, {"page_size": 200, **params})


def _months(aw):
    """The first day of the previous month, and the current month's first and last day."""
    cur_start, cur_end = selectors.month_bounds(aw.today)
    prev_start = (cur_start - datetime.timedelta(days=1)).replace(day=1)
    return prev_start, cur_start, cur_end


def _record(aw, occ, user):
    from django.core.files.uploadedfile import SimpleUploadedFile

    files = {
        kind: [SimpleUploadedFile(p.name, p.content, content_type=p.content_type)]
        for kind, p in (("photo", photo()), ("signin", photo("签到.jpg", (9, 9, 9))))
    }
    return services.record(
        actor=user,
        occurrence_id=occ.pk,
        data={
            "occurred_at": aw.now - datetime.timedelta(minutes=5),
            "participants": 10,
            "evacuation_seconds": 60,
        },
        files=files,
    )


# --- the catalog ----------------------------------------------------------------------------


def test_catalog_scope_and_content(aw, client):
    version = DutyCatalogVersion.objects.get(bureau=aw.w.bureau)
    scope_matrix(
        client,
        VERSIONS,
        permitted=aw.w.users[R.PARTNER],
        wrong_role=[aw.w.users[r] for r in ADMINS],
    )
    school_other = user_with_role(R.SCHOOL_OFFICER, aw.w.school_other, username="school_x")
    scope_matrix(
        client,
        f"{VERSIONS}{version.pk}/",
        permitted=aw.w.users[R.SCHOOL_OFFICER],
        out_of_scope=[aw.other_centre, school_other],
        wrong_role=[aw.w.users[r] for r in ADMINS],
    )
    for who in (R.SAFETY_CENTRE, R.LEADERSHIP, R.DEPARTMENT_OFFICER, R.INSPECTOR, R.PRINCIPAL):
        client.force_login(aw.w.users[who])
        assert client.get(VERSIONS).json()["count"] == 1, who
        assert client.get(f"{VERSIONS}{version.pk}/").status_code == 200, who
    client.force_login(aw.other_centre)
    assert client.get(VERSIONS).json()["count"] == 0
    client.force_login(aw.w.users[R.SCHOOL_OFFICER])
    (row,) = client.get(VERSIONS).json()["results"]
    assert (row["id"], row["number"], row["status"]) == (version.pk, 1, "published")
    body = client.get(f"{VERSIONS}{version.pk}/").json()
    duties = {d["code"]: d for d in body["duties"]}
    assert list(duties) == ["BOARD", "CHECK", "DAY512", "DRILL", "KDRILL", "MEET", "WATER"]
    drill = duties["DRILL"]
    assert (drill["name"], drill["category"], drill["frequency"]) == (
        "应急疏散演练",
        "drill",
        "monthly",
    )
    assert drill["frequency_label"].startswith("每月")
    assert (drill["evidence"], drill["figures"]) == (
        ["photo", "signin"],
        ["participants", "evacuation_seconds"],
    )
    assert (drill["window_days"], drill["grace_days"], drill["in_vacation"]) == (0, 5, False)
    assert "kindergarten" not in drill["stages"] and "primary" in drill["stages"]
    assert drill["overseeing_department"] == {"id": aw.w.department.pk, "name": "普教一科"}
    assert drill["source"] == "002 §二.1；003 §17"
    meet = duties["MEET"]
    assert (meet["owed_by_schools"], meet["owed_by_departments"]) == (
        False,
        [{"id": aw.w.department.pk, "name": "普教一科"}],
    )
    assert duties["WATER"]["partner_kinds"] == ["health", "police"]
    assert duties["BOARD"]["boarding_only"] is True


# --- the occurrence list --------------------------------------------------------------------


def test_occurrence_list_scope_per_role(aw, client):
    everything = set(Occurrence.objects.filter(bureau=aw.w.bureau).values_list("pk", flat=True))
    scope_matrix(
        client,
        OCC_URL,
        permitted=aw.w.users[R.PARTNER],
        wrong_role=[aw.w.users[r] for r in ADMINS],
    )

    def seen(who):
        client.force_login(aw.user(who))
        return _ids(client)

    occ = Occurrence.objects.filter(bureau=aw.w.bureau)
    for who in (R.SAFETY_CENTRE, R.LEADERSHIP, R.INSPECTOR):
        assert seen(who) == everything
    school_a = set(occ.filter(school=aw.w.school_a).values_list("pk", flat=True))
    assert school_a and seen(R.SCHOOL_OFFICER) == school_a == seen(R.PRINCIPAL)
    assert seen("school_b") == set(occ.filter(school=aw.w.school_b).values_list("pk", flat=True))
    assert seen(R.PARTNER) == set(occ.filter(partner=aw.w.partner).values_list("pk", flat=True))
    dept = aw.w.department
    owes = set(occ.filter(department=dept).values_list("pk", flat=True))
    assert owes and seen(R.DEPARTMENT_OFFICER) == owes | set(
        occ.filter(overseeing_department=dept).values_list("pk", flat=True)
    )
    assert seen("dept_other") == set() == seen("centre_other")
    # mine: what the caller's own body owes
    client.force_login(aw.w.users[R.DEPARTMENT_OFFICER])
    assert _ids(client, mine="true") == owes
    client.force_login(aw.w.users[R.SAFETY_CENTRE])
    assert _ids(client, mine="true") == set()  # the small catalog owes the centre nothing


def _expected(aw, key):
    occ = Occurrence.objects.filter(bureau=aw.w.bureau)
    prev_start, cur_start, cur_end = _months(aw)
    w = aw.w
    return {
        "code": ({"code": "KDRILL"}, occ.filter(code="KDRILL")),
        "school": ({"school": w.school_b.pk}, occ.filter(school=w.school_b)),
        "stage": ({"stage": "kindergarten"}, occ.filter(school__stage="kindergarten")),
        "owner_kind": ({"owner_kind": "department"}, occ.filter(owner_kind="department")),
        "overseer": (
            {"overseeing_department": w.department.pk},
            occ.filter(overseeing_department=w.department),
        ),
        "month": (
            {"month": f"{cur_start:%Y-%m}"},
            occ.filter(window_end__gte=cur_start, window_end__lte=cur_end),
        ),
        "window_end": (
            {"window_end_from": str(prev_start), "window_end_to": str(cur_start)},
            occ.filter(window_end__gte=prev_start, window_end__lte=cur_start),
        ),
        "done": ({"status": "done"}, occ.filter(pk=aw.occ.pk)),
        "open-drill": (
            {"status": "open", "code": "DRILL", "month": f"{cur_start:%Y-%m}"},
            occ.filter(pk=aw.occ_c.pk),
        ),
        "missed": ({"status": "missed"}, occ.filter(selectors.status_q("missed", aw.today))),
    }[key]


@pytest.mark.parametrize(
    "key",
    [
        "code",
        "school",
        "stage",
        "owner_kind",
        "overseer",
        "month",
        "window_end",
        "done",
        "open-drill",
        "missed",
    ],
)
def test_filters_return_exact_ids(aw, client, key):
    _record(aw, aw.occ, aw.w.users[R.SCHOOL_OFFICER])
    params, expected = _expected(aw, key)
    expected = set(expected.values_list("pk", flat=True))
    assert expected or key == "missed"
    client.force_login(aw.w.users[R.SAFETY_CENTRE])
    assert _ids(client, **params) == expected


@pytest.mark.parametrize(
    "params, field",
    [
        ({"month": "2026-13"}, "month"),
        ({"status": "late-ish"}, "status"),
        ({"school": "abc"}, "school"),
        ({"window_end_from": "昨天"}, "window_end_from"),
        ({"owner_kind": "alien"}, "owner_kind"),
    ],
)
def test_bad_filters_are_400(aw, client, params, field):
    client.force_login(aw.w.users[R.SAFETY_CENTRE])
    body = assert_json_error(client.get(OCC_URL, params), 400, "invalid")
    assert field in body["errors"]
    assert is_chinese(body["message"]), body


def test_list_query_counts_are_pinned(aw, client, django_assert_max_num_queries):
    client.force_login(aw.w.users[R.SAFETY_CENTRE])
    _record(aw, aw.occ, aw.w.users[R.SCHOOL_OFFICER])
    _list(client)  # the session's refresh
    assert Occurrence.objects.filter(bureau=aw.w.bureau).count() > 20
    # session and user (2), scope (2), count, page: whatever the number of rows
    with django_assert_max_num_queries(6):
        assert len(_list(client).json()["results"]) > 20
    with django_assert_max_num_queries(6):
        assert _list(client, code="DRILL", status="done").json()["count"] == 1
    with django_assert_max_num_queries(6):
        assert client.get(VERSIONS).status_code == 200
    version = DutyCatalogVersion.objects.get(bureau=aw.w.bureau)
    with django_assert_max_num_queries(7):
        assert len(client.get(f"{VERSIONS}{version.pk}/").json()["duties"]) == 7
    # detail: the occurrence, the duty's departments, records, their files, events
    with django_assert_max_num_queries(9):
        assert client.get(f"{OCC_URL}{aw.occ.pk}/").status_code == 200
    # compliance: overall, per duty, per stage, per month, the duties' names
    with django_assert_max_num_queries(9):
        assert client.get(COMPLIANCE).status_code == 200


# --- compliance -----------------------------------------------------------------------------


def test_compliance_scope(aw, client):
    scope_matrix(
        client,
        COMPLIANCE,
        permitted=aw.w.users[R.DEPARTMENT_OFFICER],
        wrong_role=[aw.w.users[r] for r in (R.SCHOOL_OFFICER, R.PRINCIPAL, R.PARTNER, *ADMINS)],
    )
    for who in (R.SAFETY_CENTRE, R.LEADERSHIP, R.INSPECTOR):
        client.force_login(aw.w.users[who])
        assert client.get(COMPLIANCE).status_code == 200, who
    for who in ("centre_other", "dept_other"):
        client.force_login(aw.user(who))
        assert client.get(COMPLIANCE).json()["overall"]["owed"] == 0


def test_compliance_figures_against_hand_built_records(aw, client):
    """The drill over the previous and the current month: school A records this month's,
    school C is excused; last month both are missed once the grace is over (open before)."""
    school_a, dept = aw.w.users[R.SCHOOL_OFFICER], aw.w.users[R.DEPARTMENT_OFFICER]
    _record(aw, aw.occ, school_a)
    services.ask_excuse(actor=aw.school_c_user, occurrence_id=aw.occ_c.pk, reason="校舍维修")
    services.decide_excuse(actor=dept, occurrence_id=aw.occ_c.pk, accept=True)
    prev_start, cur_start, cur_end = _months(aw)
    prev = Occurrence.objects.filter(code="DRILL", period_start=prev_start)
    assert {o.school_id for o in prev} == {aw.w.school_a.pk, aw.school_c.pk}
    prev_missed = prev[0].grace_end < aw.today
    last = {
        "owed": 2,
        "done": 0,
        "late": 0,
        "missed": 2 if prev_missed else 0,
        "open": 0 if prev_missed else 2,
        "excused": 0,
        "rate": 0.0,
    }
    this = {"owed": 1, "done": 1, "late": 0, "missed": 0, "open": 0, "excused": 1, "rate": 1.0}
    overall = {k: last[k] + this[k] for k in ("owed", "done", "late", "missed", "open", "excused")}
    overall["rate"] = round(1 / 3, 4)

    client.force_login(dept)
    params = {"from": str(prev_start), "to": str(cur_end), "code": "DRILL"}
    body = client.get(COMPLIANCE, params).json()
    assert (body["start"], body["end"]) == (str(prev_start), str(cur_end))
    assert body["overall"] == overall
    assert body["per_duty"] == [{"code": "DRILL", "name": "应急疏散演练", **overall}]
    assert body["per_stage"] == [{"stage": "primary", "stage_display": "小学", **overall}]
    assert body["per_month"] == [
        {"month": f"{prev_start:%Y-%m}", **last},
        {"month": f"{cur_start:%Y-%m}", **this},
    ]
    assert body["today"] == str(aw.today) and body["as_of"]
    # one month; a stage that owes no drill
    month = client.get(COMPLIANCE, {"month": f"{cur_start:%Y-%m}", "code": "DRILL"}).json()
    assert month["overall"] == this
    assert (
        client.get(COMPLIANCE, {**params, "stage": "kindergarten"}).json()["overall"]["owed"] == 0
    )
    # each figure is the occurrence list filtered by the same status
    for key in ("owed", "done", "late", "missed", "open", "excused"):
        listed = _list(
            client,
            code="DRILL",
            status=key,
            window_end_from=str(prev_start),
            window_end_to=str(cur_end),
        )
        assert listed.json()["count"] == overall[key], key


@pytest.mark.parametrize(
    "params, field",
    [
        ({"month": "2026-7"}, "month"),
        ({"from": "2026-10-01", "to": "2026-09-01"}, "to"),
        ({"stage": "university"}, "stage"),
        ({"overseeing_department": "x"}, "overseeing_department"),
    ],
)
def test_bad_compliance_filters_are_400(aw, client, params, field):
    client.force_login(aw.w.users[R.SAFETY_CENTRE])
    body = assert_json_error(client.get(COMPLIANCE, params), 400, "invalid")
    assert field in body["errors"]
    assert is_chinese(body["message"]), body


# --- the schema -----------------------------------------------------------------------------


def _json_schema(node):
    """OpenAPI 3.0's ``nullable`` in JSON Schema's words."""
    if isinstance(node, list):
        return [_json_schema(n) for n in node]
    if not isinstance(node, dict):
        return node
    node = {k: _json_schema(v) for k, v in node.items()}
    if node.pop("nullable", False):
        if "type" in node and "enum" not in node:
            node["type"] = [node["type"], "null"]
        else:
            node = {"anyOf": [node, {"type": "null"}]}
    return node


def _check(schema, path, method, response, status):
    """The answer has ``status``, the schema declares it, and the body validates."""
    assert response.status_code == status, response.content
    declared = schema["paths"][path][method]["responses"]
    assert str(status) in declared, (path, method, status, sorted(declared))
    body_schema = {**declared[str(status)]["content"]["application/json"]["schema"]}
    body_schema["components"] = schema["components"]
    jsonschema.validate(response.json(), _json_schema(body_schema))


def test_real_answers_validate_against_the_schema(aw, client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    version = DutyCatalogVersion.objects.get(bureau=aw.w.bureau)
    occ = "/api/v1/duty-occurrences/{id}/"
    client.force_login(aw.w.users[R.SCHOOL_OFFICER])
    _check(schema, VERSIONS, "get", client.get(VERSIONS), 200)
    _check(schema, f"{VERSIONS}{{id}}/", "get", client.get(f"{VERSIONS}{version.pk}/"), 200)
    _check(schema, OCC_URL, "get", _list(client), 200)
    record = post_record(client, aw.occ, aw.drill_payload())
    _check(schema, f"{occ}record/", "post", record, 201)
    _check(schema, occ, "get", client.get(f"{OCC_URL}{aw.occ.pk}/"), 200)
    again = post_record(client, aw.occ, aw.drill_payload(files_signin=None))
    _check(schema, f"{occ}record/", "post", again, 400)
    _check(schema, occ, "get", client.get(f"{OCC_URL}{aw.occ_c.pk}/"), 404)
    _check(schema, COMPLIANCE, "get", client.get(COMPLIANCE), 403)
    client.force_login(aw.w.users[R.DEPARTMENT_OFFICER])
    response = client.post(
        f"{OCC_URL}{aw.occ_c.pk}/decide-excuse/", {"accept": True}, content_type="application/json"
    )
    _check(schema, f"{occ}decide-excuse/", "post", response, 409)
    _check(schema, COMPLIANCE, "get", client.get(COMPLIANCE), 200)
    _check(schema, COMPLIANCE, "get", client.get(COMPLIANCE, {"month": "x"}), 400)
