"""The rules, settings, re-check, figures and map API: each endpoint has the page's effect (the
rule's event, the re-check job), is scoped as the pages (another bureau 404, a role that may
only read 403), refuses bad input with its code and saves nothing; the schema documents it."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from safecampus.core.jobs import job_run
from safecampus.core.models import Job
from safecampus.core.roles import Role
from safecampus.core.testing import DepartmentFactory, count_queries, scope_matrix, user_with_role
from safecampus.zones import services
from safecampus.zones.choices import ZoneEventKind
from safecampus.zones.models import ZoneCase, ZoneEvent, ZoneRule, ZoneSettings
from safecampus.zones.testing import ORIGIN, away, venue_data, zone_world

pytestmark = [pytest.mark.django_db, pytest.mark.dates]

RULES = "/api/v1/zone-rules/"
RULE = {
    "code": "MH_BAR_100",
    "name": "校门100米内不得开设酒吧",
    "kind": "exclusion",
    "venue_types": ["bar"],
    "stages": ["primary", "junior"],
    "distance_m": 100,
    "measure_from": "gate",
    "clause": "000 §四(一)10",
    "days": 20,
}


@pytest.fixture
def zw(world, clock):
    clock.move_to("2026-12-01T10:00")
    z = zone_world(world)
    z.centre = world.users[Role.SAFETY_CENTRE]
    z.other_centre = user_with_role(Role.SAFETY_CENTRE, world.other_bureau, username="other_centre")
    z.own = ZoneRule.objects.create(
        bureau=world.bureau,
        **{**RULE, "code": "OWN_1", "name": "自定规则", "distance_m": 120},
    )
    z.foreign = ZoneRule.objects.create(
        bureau=world.other_bureau, **{**RULE, "code": "FOREIGN_1", "name": "外区规则"}
    )
    return z


def _json(client, method, url, data):
    return getattr(client, method)(url, json.dumps(data), content_type="application/json")


def _jobs() -> int:
    return Job.objects.filter(kind="zones.recheck").count()


# --- rules ---------------------------------------------------------------------------------------


def test_list_filters_and_retrieve(zw, world, client_for):
    c = client_for(world.users[Role.DEPARTMENT_OFFICER])
    r = c.get(RULES)
    assert r.status_code == 200
    codes = {row["code"] for row in r.json()["results"]}
    assert {"OWN_1", "NET_CAFE_200"} <= codes
    assert "FOREIGN_1" not in codes
    national = next(row for row in r.json()["results"] if row["code"] == "NET_CAFE_200")
    assert national["national"] is True and national["measure_from"] == "boundary"
    ZoneRule.objects.filter(pk=zw.own.pk).update(is_active=False)
    inactive = c.get(RULES, {"active": "false"}).json()["results"]
    assert [row["code"] for row in inactive] == ["OWN_1"]
    applied = {row["code"] for row in c.get(RULES, {"bureau": world.bureau.pk}).json()["results"]}
    assert "NET_CAFE_200" in applied and "OWN_1" not in applied
    assert c.get(RULES, {"bureau": world.other_bureau.pk}).status_code == 404
    r = c.get(RULES, {"active": "maybe"})
    assert r.status_code == 400 and r.json()["code"] == "invalid"
    r = c.get(f"{RULES}{zw.own.pk}/")
    assert r.status_code == 200 and r.json()["distance_m"] == 120
    assert c.get(f"{RULES}{zw.foreign.pk}/").status_code == 404


def test_the_centre_creates_changes_and_deactivates_a_rule(zw, world, client_for):
    c = client_for(zw.centre)
    r = _json(c, "post", RULES, RULE)
    assert r.status_code == 201, r.json()
    body = r.json()
    rule = ZoneRule.objects.get(bureau=world.bureau, code="MH_BAR_100")
    assert body["id"] == rule.pk and body["venue_types"] == ["bar"] and body["days"] == 20
    job = Job.objects.get(pk=body["job"]["id"])
    assert job.kind == "zones.recheck" and job.params == {"bureau": world.bureau.pk}
    assert body["job"]["url"] == job.get_absolute_url()
    event = ZoneEvent.objects.get(kind=ZoneEventKind.RULE, object_id=rule.pk, action="create")
    assert event.actor == zw.centre

    r = _json(c, "patch", f"{RULES}{rule.pk}/", {"distance_m": 150, "version": rule.version})
    assert r.status_code == 200, r.json()
    rule.refresh_from_db()
    assert (rule.distance_m, rule.name, rule.venue_types) == (150, RULE["name"], ["bar"])
    event = ZoneEvent.objects.get(kind=ZoneEventKind.RULE, object_id=rule.pk, action="update")
    assert (event.data["before"]["distance_m"], event.data["after"]["distance_m"]) == (100, 150)
    assert _jobs() == 2 and r.json()["job"]["id"] != body["job"]["id"]

    r = _json(c, "post", f"{RULES}{rule.pk}/active/", {"active": False, "version": rule.version})
    assert r.status_code == 200, r.json()
    assert r.json()["is_active"] is False
    rule.refresh_from_db()
    assert not rule.is_active and _jobs() == 3
    r = _json(c, "post", f"{RULES}{rule.pk}/active/", {"active": True, "version": rule.version})
    assert r.status_code == 200 and r.json()["is_active"] is True and _jobs() == 4


@pytest.mark.parametrize(
    "change, field",
    [
        ({"distance_m": 0}, "distance_m"),
        ({"venue_types": ["casino"]}, "venue_types"),
        ({"kind": "waiting_area", "measure_from": "boundary"}, "measure_from"),
        ({"clause": ""}, "clause"),
    ],
)
def test_a_bad_rule_is_refused_and_nothing_is_saved(zw, world, client_for, change, field):
    c = client_for(zw.centre)
    events = ZoneEvent.objects.count()
    r = _json(c, "post", RULES, {**RULE, **change})
    assert r.status_code == 400
    assert r.json()["code"] == "invalid" and field in r.json()["errors"]
    assert not ZoneRule.objects.filter(code="MH_BAR_100").exists()
    r = _json(c, "patch", f"{RULES}{zw.own.pk}/", {**change, "version": zw.own.version})
    assert r.status_code == 400 and field in r.json()["errors"]
    zw.own.refresh_from_db()
    assert zw.own.distance_m == 120 and zw.own.version == 0
    assert ZoneEvent.objects.count() == events and _jobs() == 0


def test_a_refusal_is_in_chinese(zw, client_for):
    c = client_for(zw.centre)
    r = c.post(
        RULES,
        json.dumps({**RULE, "distance_m": 0}),
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert r.status_code == 400
    assert "米" in r.json()["errors"]["distance_m"][0]


def test_stale_version_and_duplicate_code(zw, client_for):
    c = client_for(zw.centre)
    r = _json(c, "patch", f"{RULES}{zw.own.pk}/", {"distance_m": 90, "version": 7})
    assert r.status_code == 409 and r.json()["code"] == "stale"
    r = _json(c, "post", f"{RULES}{zw.own.pk}/active/", {"active": False, "version": 7})
    assert r.status_code == 409 and r.json()["code"] == "stale"
    zw.own.refresh_from_db()
    assert zw.own.distance_m == 120 and zw.own.is_active
    r = _json(c, "post", RULES, {**RULE, "code": "OWN_1"})
    assert r.status_code == 400 and r.json()["code"] == "duplicate"
    assert _jobs() == 0


def test_the_national_rule_is_read_only(zw, client_for):
    national = ZoneRule.objects.get(code="NET_CAFE_200", bureau__isnull=True)
    c = client_for(zw.centre)
    assert c.get(f"{RULES}{national.pk}/").status_code == 200
    assert _json(c, "patch", f"{RULES}{national.pk}/", {"days": 5}).status_code == 403
    assert _json(c, "post", f"{RULES}{national.pk}/active/", {"active": False}).status_code == 403
    assert _jobs() == 0


def test_scope_of_the_rule_endpoints(zw, world, client):
    officer = world.users[Role.DEPARTMENT_OFFICER]
    school = world.users[Role.SCHOOL_OFFICER]
    partner = world.users[Role.PARTNER]
    scope_matrix(client, RULES, permitted=school, wrong_role=[partner])
    scope_matrix(
        client,
        f"{RULES}{zw.own.pk}/",
        permitted=officer,
        out_of_scope=[zw.other_centre],
        wrong_role=[partner],
    )
    scope_matrix(
        client,
        RULES,
        method="post",
        data={**RULE, "code": "NEW_1"},
        permitted=zw.centre,
        out_of_scope=[],
        wrong_role=[officer, school, world.users[Role.LEADERSHIP]],
        ok=(201,),
    )
    scope_matrix(
        client,
        f"{RULES}{zw.own.pk}/",
        method="patch",
        data={"days": 25},
        permitted=zw.centre,
        out_of_scope=[zw.other_centre],
        wrong_role=[officer, school],
    )
    scope_matrix(
        client,
        f"{RULES}{zw.own.pk}/active/",
        method="post",
        data={"active": False},
        permitted=zw.centre,
        out_of_scope=[zw.other_centre],
        wrong_role=[officer, school],
    )
    # another bureau's centre may not write into this bureau
    c = client
    c.force_login(zw.other_centre)
    assert _json(c, "post", RULES, {**RULE, "bureau": world.bureau.pk}).status_code == 404
    assert not ZoneRule.objects.filter(bureau=world.bureau, code=RULE["code"]).exists()


def test_the_rule_list_query_count_is_pinned(zw, world, client_for):
    c = client_for(world.users[Role.DEPARTMENT_OFFICER])
    before = count_queries(c, RULES)
    for i in range(5):
        ZoneRule.objects.create(bureau=world.bureau, **{**RULE, "code": f"MORE_{i}"})
    assert count_queries(c, RULES) == before == 7


# --- settings ------------------------------------------------------------------------------------


def test_settings_read_and_choose_the_department(zw, world, client_for):
    url = f"/api/v1/zone-settings/{world.bureau.pk}/"
    officer = client_for(world.users[Role.DEPARTMENT_OFFICER])
    r = officer.get(url)
    assert r.status_code == 200 and r.json()["department"] is None
    assert r.json()["may_edit"] is False
    assert _json(officer, "patch", url, {"department": zw.law.pk}).status_code == 403

    c = client_for(zw.centre)
    r = _json(c, "patch", url, {"department": zw.law.pk})
    assert r.status_code == 200, r.json()
    assert r.json()["department"] == zw.law.pk and r.json()["department_name"] == "法制科"
    assert ZoneSettings.objects.get(bureau=world.bureau).department_id == zw.law.pk
    assert ZoneEvent.objects.filter(kind=ZoneEventKind.SETTINGS, actor=zw.centre).count() == 1
    assert officer.get(url).json()["department"] == zw.law.pk

    foreign = DepartmentFactory(bureau=world.other_bureau, name="外区科")
    for bad in (foreign.pk, 999999):
        r = _json(c, "patch", url, {"department": bad})
        assert r.status_code == 400 and r.json()["code"] == "invalid"
        assert "department" in r.json()["errors"]
    assert ZoneSettings.objects.get(bureau=world.bureau).department_id == zw.law.pk
    assert ZoneEvent.objects.filter(kind=ZoneEventKind.SETTINGS).count() == 1
    r = _json(c, "patch", url, {"department": None})
    assert r.status_code == 200 and r.json()["department"] is None


def test_scope_of_the_settings(zw, world, client):
    url = f"/api/v1/zone-settings/{world.bureau.pk}/"
    wrong = [world.users[Role.SCHOOL_OFFICER], world.users[Role.PARTNER]]
    scope_matrix(
        client,
        url,
        permitted=world.users[Role.DEPARTMENT_OFFICER],
        out_of_scope=[zw.other_centre],
        wrong_role=wrong,
    )
    scope_matrix(
        client,
        url,
        method="patch",
        data={"department": zw.law.pk},
        permitted=zw.centre,
        out_of_scope=[zw.other_centre],
        wrong_role=[*wrong, world.users[Role.DEPARTMENT_OFFICER]],
    )
    client.force_login(zw.centre)
    assert client.get("/api/v1/zone-settings/abc/").status_code == 404


# --- re-check ------------------------------------------------------------------------------------


def test_recheck_starts_the_job(zw, world, client, client_for):
    c = client_for(zw.centre)
    r = _json(c, "post", "/api/v1/zone-recheck/", {})
    assert r.status_code == 202
    job = Job.objects.get(kind="zones.recheck")
    assert r.json() == {
        "id": job.pk,
        "kind": "zones.recheck",
        "status": job.status,
        "url": job.get_absolute_url(),
    }
    assert job.params == {"bureau": world.bureau.pk} and job.created_by == zw.centre
    job_run(job.pk)
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED
    assert ZoneEvent.objects.filter(
        kind=ZoneEventKind.RECHECK, bureau=world.bureau, actor=zw.centre
    ).exists()
    r = _json(c, "post", "/api/v1/zone-recheck/", {"bureau": "x"})
    assert r.status_code == 400 and _jobs() == 1
    scope_matrix(
        client,
        "/api/v1/zone-recheck/",
        method="post",
        data={"bureau": world.bureau.pk},
        permitted=zw.centre,
        out_of_scope=[zw.other_centre],
        wrong_role=[world.users[Role.DEPARTMENT_OFFICER], world.users[Role.SCHOOL_OFFICER]],
        ok=(202,),
    )
    assert _jobs() == 2


# --- figures and the map -------------------------------------------------------------------------


@pytest.fixture
def cases(zw, world):
    """A venue in school A's zone and one in school B's: one case each."""
    services.register_venue(
        actor=zw.centre, bureau_id=world.bureau.pk, data=venue_data(away(ORIGIN, 150))
    )
    services.register_venue(
        actor=zw.centre,
        bureau_id=world.bureau.pk,
        data=venue_data(away(ORIGIN, 1080), name="东边网吧"),
    )
    return zw


def test_figures_for_the_centre_and_a_school(cases, world, client_for):
    r = client_for(cases.centre).get("/api/v1/zone-figures/")
    assert r.status_code == 200
    body = r.json()
    total = ZoneCase.objects.filter(bureau=world.bureau).count()
    figures = {f["key"]: f for f in body["figures"]}
    assert figures["open"]["n"] == total >= 2
    assert figures["open"]["url"] == "/zones/cases/?status=open"
    assert figures["overdue"]["danger"] is True
    assert body["by_kind"][0]["kind"] == "internet_cafe"
    assert body["no_boundary"]["url"].startswith("/zones/schools/?boundary=0")

    school = world.users[Role.SCHOOL_OFFICER]
    r = client_for(school).get("/api/v1/zone-figures/")
    assert r.status_code == 200
    own = ZoneCase.objects.filter(school=world.school_a).count()
    assert own < total
    assert {f["key"]: f["n"] for f in r.json()["figures"]}["open"] == own
    assert r.json()["no_boundary"] is None

    c = client_for(cases.centre)
    r = c.get("/api/v1/zone-figures/", {"stage": "kindergarten", "bureau": world.bureau.pk})
    assert r.status_code == 200
    assert "stage=kindergarten" in r.json()["figures"][0]["url"]
    assert c.get("/api/v1/zone-figures/", {"stage": "nope"}).status_code == 400
    assert c.get("/api/v1/zone-figures/", {"department": "x"}).status_code == 400
    assert c.get("/api/v1/zone-figures/", {"department": 999999}).status_code == 400
    r = client_for(cases.other_centre).get("/api/v1/zone-figures/")
    assert {f["key"]: f["n"] for f in r.json()["figures"]}["open"] == 0


def test_map_rows_are_the_pages(cases, world, client, client_for):
    c = client_for(cases.centre)
    r = c.get("/api/v1/zone-map/")
    assert r.status_code == 200
    assert r.json() == c.get("/zones/map.json").json()
    assert len(r.json()["venues"]) == 2 and r.json()["system"] == "wgs84"
    assert c.get("/api/v1/zone-map/", {"bureau": world.bureau.pk}).status_code == 200
    school = client_for(world.users[Role.SCHOOL_OFFICER]).get("/api/v1/zone-map/").json()
    assert [row[0] for row in school["schools"]] == [world.school_a.pk]
    scope_matrix(
        client,
        f"/api/v1/zone-map/?bureau={world.bureau.pk}",
        permitted=world.users[Role.DEPARTMENT_OFFICER],
        out_of_scope=[cases.other_centre],
        wrong_role=[world.users[Role.SYSTEM_ADMIN]],
    )
    scope_matrix(
        client,
        "/api/v1/zone-figures/",
        permitted=world.users[Role.PARTNER],
        wrong_role=[world.users[Role.SYSTEM_ADMIN]],
    )


# --- the schema ----------------------------------------------------------------------------------


def test_the_schema_documents_these_paths_without_warnings(db):
    from drf_spectacular.drainage import GENERATOR_STATS
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.validation import validate_schema

    GENERATOR_STATS.reset()
    with CaptureQueriesContext(connection):
        schema = SchemaGenerator().get_schema(request=None, public=True)
    validate_schema(schema)
    mine = ("zone-rules", "zone-settings", "zone-recheck", "zone-figures", "zone-map")
    paths = {p: item for p, item in schema["paths"].items() if any(m in p for m in mine)}
    assert set(paths) == {
        "/api/v1/zone-rules/",
        "/api/v1/zone-rules/{id}/",
        "/api/v1/zone-rules/{id}/active/",
        "/api/v1/zone-settings/{bureau_id}/",
        "/api/v1/zone-recheck/",
        "/api/v1/zone-figures/",
        "/api/v1/zone-map/",
    }
    for path, item in paths.items():
        for method, operation in item.items():
            assert "Roles:" in operation["description"], (path, method)
            assert {"401", "403"} <= set(operation["responses"]), (path, method)
    warnings = " ".join(GENERATOR_STATS._warn_cache) + " ".join(GENERATOR_STATS._error_cache)
    for word in ("rules", "Rule", "Settings", "Recheck", "Figures", "ZoneMap", '"kind"'):
        assert word not in warnings, warnings
