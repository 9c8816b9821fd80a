"""School pages and API: filters, pinned query counts, create/edit with validation."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from safecampus.audit.models import Action, AuditEvent
from safecampus.core.roles import Role
from safecampus.core.testing import SchoolFactory, SchoolGateFactory
from safecampus.orgs.models import School


@pytest.fixture
def many_schools(world):
    for i in range(30):
        school = SchoolFactory(
            bureau=world.bureau,
            name=f"七宝第{i}幼儿园" if i % 2 else f"莘庄第{i}小学",
            stage="kindergarten" if i % 2 else "primary",
            ownership="private" if i % 3 == 0 else "public",
        )
        SchoolGateFactory(school=school)
    return world


def _count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), response


def test_list_page_query_count_is_pinned(many_schools, client_for):
    client = client_for(many_schools.users[Role.SAFETY_CENTRE])
    client.get("/orgs/schools/")  # warm the session
    n, response = _count(client, "/orgs/schools/")
    # session, user, role assignments + bureau subtree (scope), count, unread notifications,
    # page rows (the session's idle-timeout refresh was written by the warming request)
    assert n == 7, n
    n_filtered, _ = _count(client, "/orgs/schools/?stage=kindergarten&ownership=public&q=七宝")
    assert n_filtered == n


def test_list_endpoint_query_count_is_pinned(many_schools, client_for):
    client = client_for(many_schools.users[Role.SAFETY_CENTRE])
    client.get("/api/v1/schools/")
    n, response = _count(client, "/api/v1/schools/")
    assert n == 6, n
    assert response.json()["count"] == 32


@pytest.mark.parametrize(
    "query, expected",
    [
        ("stage=kindergarten", {f"七宝第{i}幼儿园" for i in range(1, 30, 2)} | {"乙幼儿园"}),
        ("q=莘庄第2", {"莘庄第2小学"} | {f"莘庄第{i}小学" for i in (20, 22, 24, 26, 28)}),
        ("stage=primary&ownership=private", {f"莘庄第{i}小学" for i in (0, 6, 12, 18, 24)}),
    ],
)
def test_filters_page_and_api_agree(many_schools, client_for, query, expected):
    client = client_for(many_schools.users[Role.SAFETY_CENTRE])
    api = client.get(f"/api/v1/schools/?{query}&page_size=100").json()
    assert {r["name"] for r in api["results"]} == expected
    page = client.get(f"/orgs/schools/?{query}").content.decode()
    assert all(name in page for name in expected)


def test_search_by_full_school_code(many_schools, client_for):
    client = client_for(many_schools.users[Role.SAFETY_CENTRE])
    code = many_schools.school_b.code
    api = client.get(f"/api/v1/schools/?q={code}").json()
    assert [r["code"] for r in api["results"]] == [code]


def test_list_is_paginated(many_schools, client_for):
    SchoolFactory.create_batch(60, bureau=many_schools.bureau)
    client = client_for(many_schools.users[Role.SAFETY_CENTRE])
    page = client.get("/orgs/schools/?page=2")
    assert page.status_code == 200
    assert len(page.context["page"].object_list) == 42
    assert page.context["page"].paginator.count == 92
    assert len(client.get("/api/v1/schools/?page=1").json()["results"]) == 50


def test_htmx_request_gets_only_the_table(world, client_for):
    client = client_for(world.users[Role.SAFETY_CENTRE])
    response = client.get("/orgs/schools/?q=甲", HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "<html" not in body and "甲小学" in body and "乙幼儿园" not in body


VALID = {
    "code": "3101129999",
    "name": "新开小学",
    "stage": "primary",
    "ownership": "public",
    "students": 500,
    "boarders": 0,
    "staff": 40,
    "gate_count": 1,
    "address": "测试路1号",
    "principal": "",
    "safety_officer": "",
    "phone": "",
    "region": "",
    "is_active": "on",
    "gates_text": "121.40,31.10",
    "coord_system": "gcj02",
}


def test_centre_creates_a_school_with_gates_and_audit(world, client_for):
    client = client_for(world.users[Role.SAFETY_CENTRE])
    response = client.post("/orgs/schools/new/", {**VALID, "bureau": world.bureau.pk})
    school = School.objects.get(code="3101129999")
    assert response.status_code == 302 and response["Location"] == f"/orgs/schools/{school.pk}/"
    assert school.gates.get().coord_system == "gcj02"
    assert AuditEvent.objects.filter(action=Action.CONFIG_CREATED, target_id=str(school.pk))


@pytest.mark.parametrize(
    "change, field",
    [
        ({"code": "12345"}, "code"),
        ({"students": -1}, "students"),
        ({"boarders": 10}, "boarders"),  # not boarding
        ({"gates_text": "31.10,121.40"}, "gates_text"),  # latitude first
        ({"coord_system": ""}, "coord_system"),
    ],
)
def test_invalid_school_is_refused_with_a_message(world, client_for, change, field):
    client = client_for(world.users[Role.SAFETY_CENTRE])
    response = client.post("/orgs/schools/new/", {**VALID, "bureau": world.bureau.pk, **change})
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not School.objects.filter(name="新开小学").exists()


def test_duplicate_code_is_refused(world, client_for):
    client = client_for(world.users[Role.SAFETY_CENTRE])
    response = client.post(
        "/orgs/schools/new/", {**VALID, "bureau": world.bureau.pk, "code": world.school_a.code}
    )
    assert response.status_code == 200
    assert "code" in response.context["form"].errors


def test_edit_records_before_and_after(world, client_for):
    client = client_for(world.users[Role.SAFETY_CENTRE])
    data = {
        **VALID,
        "bureau": world.bureau.pk,
        "code": world.school_a.code,
        "name": "甲小学",
        "students": 850,
    }
    response = client.post(f"/orgs/schools/{world.school_a.pk}/edit/", data)
    assert response.status_code == 302
    event = AuditEvent.objects.get(action=Action.CONFIG_CHANGED, target_id=str(world.school_a.pk))
    assert event.data["changes"]["students"] == [800, 850]
    assert event.actor == world.users[Role.SAFETY_CENTRE]


def test_api_create_and_validation_errors_are_json(world, client_for):
    client = client_for(world.users[Role.SAFETY_CENTRE])
    payload = {
        "bureau": world.bureau.pk,
        "code": "3101128888",
        "name": "接口小学",
        "stage": "primary",
        "ownership": "public",
        "students": 100,
        "gates": [
            {"name": "1号门", "longitude": "121.4", "latitude": "31.1", "coord_system": "wgs84"}
        ],
    }
    response = client.post("/api/v1/schools/", payload, content_type="application/json")
    assert response.status_code == 201, response.json()
    assert School.objects.get(code="3101128888").gates.get().coord_system == "wgs84"
    bad = client.post("/api/v1/schools/", {**payload, "code": "x"}, content_type="application/json")
    assert bad.status_code == 400
    body = bad.json()
    assert body["code"] == "invalid" and "code" in body["errors"] and body["message"]


def test_openapi_schema_and_docs_are_served_locally(world, client_for):
    client = client_for(world.users[Role.SAFETY_CENTRE])
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/schools/" in schema.content
    docs = client.get("/api/docs/").content.decode()
    assert "swagger-ui" in docs and "http://" not in docs.replace("http://testserver", "")
    assert "cdn" not in docs.lower()


def test_saving_unchanged_school_records_nothing(world, client_for):
    client = client_for(world.users[Role.SAFETY_CENTRE])
    data = {
        **VALID,
        "bureau": world.bureau.pk,
        "code": world.school_a.code,
        "name": "甲小学",
        "students": 850,
    }
    client.post(f"/orgs/schools/{world.school_a.pk}/edit/", data)
    client.post(f"/orgs/schools/{world.school_a.pk}/edit/", data)
    changes = AuditEvent.objects.filter(
        action=Action.CONFIG_CHANGED, target_id=str(world.school_a.pk)
    )
    assert changes.count() == 1
