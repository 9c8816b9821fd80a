"""The API of a school's zone geometry and of the check of a point."""

import json

import pytest

from safecampus.core.roles import Role
from safecampus.core.testing import scope_matrix, user_with_role
from safecampus.zones import services
from safecampus.zones.models import SchoolBoundary, WaitingArea, ZoneEvent
from safecampus.zones.testing import ORIGIN, away, square, venue_data, zone_world

pytestmark = pytest.mark.django_db

CAMPUS = (ORIGIN[0] + 0.0005, ORIGIN[1])


@pytest.fixture
def z(world, clock):
    return zone_world(world)


def school_url(school, tail="") -> str:
    return f"/api/v1/zone-schools/{school.pk}/{tail}"


def put(client, url, body):
    return client.put(url, json.dumps(body), content_type="application/json")


def test_school_geometry(z, client_for):
    world = z.world
    centre = world.users[Role.SAFETY_CENTRE]
    services.save_boundary(
        actor=centre,
        school_id=world.school_a.pk,
        vertices=square(CAMPUS, 50, system="gcj02"),
        system="gcj02",
        source="drawn",
    )
    services.add_waiting_area(
        actor=centre,
        school_id=world.school_a.pk,
        name="南门等候区",
        lon=away(ORIGIN, 30, 180)[0],
        lat=away(ORIGIN, 30, 180)[1],
        system="wgs84",
    )
    services.register_venue(
        actor=centre, bureau_id=world.bureau.pk, data=venue_data(away(ORIGIN, 150, 270))
    )
    client = client_for(world.users[Role.SCHOOL_OFFICER])
    response = client.get(school_url(world.school_a))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["school"]["id"] == world.school_a.pk
    (gate,) = body["gates"]
    assert gate["coord_system"] == "wgs84"
    assert gate["wgs84"] == [pytest.approx(ORIGIN[0]), pytest.approx(ORIGIN[1])]
    assert body["boundary"]["coord_system"] == "gcj02"
    assert body["boundary"]["version"] == 1
    assert body["boundary"]["wgs84"][0][0] == pytest.approx(square(CAMPUS, 50)[0][0], abs=1e-5)
    (area,) = body["waiting_areas"]
    assert area["compliant"] is True and area["limit_m"] == 50
    assert 29 < area["gate_distance_m"] < 31
    assert area["nearest_gate"] == "1号门"
    assert area["clause"]
    assert body["hits"] and body["hits"][0]["venue"]["name"] == "星空网吧"
    assert body["may_edit"] is True


def test_school_geometry_scope(z, client):
    world = z.world
    other = user_with_role(Role.SCHOOL_OFFICER, world.school_b, username="school_b")
    scope_matrix(
        client,
        school_url(world.school_a),
        permitted=world.users[Role.SCHOOL_OFFICER],
        out_of_scope=[other],
        wrong_role=[world.users[Role.PARTNER]],
    )


def test_put_boundary(z, client_for):
    world = z.world
    client = client_for(world.users[Role.PRINCIPAL])
    response = put(
        client,
        school_url(world.school_a, "boundary/"),
        {"vertices": square(CAMPUS, 50), "coord_system": "wgs84"},
    )
    assert response.status_code == 200, response.content
    row = SchoolBoundary.objects.get()
    assert row.source == "api" and row.version == 1
    stale = put(
        client,
        school_url(world.school_a, "boundary/"),
        {"vertices": square(CAMPUS, 60), "coord_system": "wgs84", "version": 0},
    )
    assert stale.status_code == 409
    assert stale.json()["code"] == "stale"


@pytest.mark.parametrize(
    "ring, system",
    [
        (square(CAMPUS, 50)[:-1], "wgs84"),
        (square((ORIGIN[0] + 0.0115, ORIGIN[1]), 50), "wgs84"),
        (square(CAMPUS, 50), ""),
        ([[lat, lon] for lon, lat in square(CAMPUS, 50)], "wgs84"),
    ],
    ids=["open", "1 km away", "no system", "swapped"],
)
def test_put_bad_boundary_is_refused(z, client_for, ring, system):
    client = client_for(z.world.users[Role.SCHOOL_OFFICER])
    response = put(
        client,
        school_url(z.world.school_a, "boundary/"),
        {"vertices": ring, "coord_system": system},
    )
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] and body["message"] and body["errors"]
    assert not SchoolBoundary.objects.exists()
    assert not ZoneEvent.objects.filter(kind="boundary").exists()


def test_boundary_scope(z, client):
    world = z.world
    other = user_with_role(Role.SCHOOL_OFFICER, world.school_b, username="school_b")
    scope_matrix(
        client,
        school_url(world.school_a, "boundary/"),
        method="put",
        data={"vertices": square(CAMPUS, 50), "coord_system": "wgs84"},
        permitted=world.users[Role.SAFETY_CENTRE],
        out_of_scope=[other],
        wrong_role=[world.users[Role.INSPECTOR], world.users[Role.PARTNER]],
    )


def test_delete_boundary(z, client_for):
    world = z.world
    client = client_for(world.users[Role.SCHOOL_OFFICER])
    put(
        client,
        school_url(world.school_a, "boundary/"),
        {"vertices": square(CAMPUS, 50), "coord_system": "wgs84"},
    )
    inspector = client_for(world.users[Role.INSPECTOR])
    assert inspector.delete(school_url(world.school_a, "boundary/")).status_code == 403
    client = client_for(world.users[Role.SCHOOL_OFFICER])
    assert client.delete(school_url(world.school_a, "boundary/") + "?version=1").status_code == 204
    assert not SchoolBoundary.objects.exists()


def test_waiting_areas(z, client_for):
    world = z.world
    client = client_for(world.users[Role.SCHOOL_OFFICER])
    url = school_url(world.school_a, "waiting-areas/")
    near, far = away(ORIGIN, 45, 180), away(ORIGIN, 55, 180)
    r = client.post(
        url,
        {"name": "南门", "longitude": near[0], "latitude": near[1], "coord_system": "wgs84"},
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    assert r.json()["compliant"] is True
    r = client.post(
        url,
        {"name": "北门", "longitude": far[0], "latitude": far[1], "coord_system": "wgs84"},
        content_type="application/json",
    )
    assert r.json()["compliant"] is False
    bad = client.post(
        url,
        {"name": "西门", "longitude": near[1], "latitude": near[0], "coord_system": "wgs84"},
        content_type="application/json",
    )
    assert bad.status_code == 400
    assert WaitingArea.objects.count() == 2
    area = WaitingArea.objects.get(name="北门")
    other = user_with_role(Role.SCHOOL_OFFICER, world.school_b, username="school_b")
    assert client_for(other).delete(f"{url}{area.pk}/").status_code == 404
    assert client_for(world.users[Role.INSPECTOR]).delete(f"{url}{area.pk}/").status_code == 403
    client = client_for(world.users[Role.SCHOOL_OFFICER])
    assert client.delete(f"{url}{area.pk}/").status_code == 204
    assert WaitingArea.objects.count() == 1


def test_waiting_area_scope(z, client):
    world = z.world
    other = user_with_role(Role.SCHOOL_OFFICER, world.school_b, username="school_b")
    near = away(ORIGIN, 30, 180)
    scope_matrix(
        client,
        school_url(world.school_a, "waiting-areas/"),
        method="post",
        data={"name": "南门", "longitude": near[0], "latitude": near[1], "coord_system": "wgs84"},
        permitted=world.users[Role.SCHOOL_OFFICER],
        out_of_scope=[other],
        wrong_role=[world.users[Role.INSPECTOR], world.users[Role.PARTNER]],
        ok=(201,),
    )


# --- zone-check ---------------------------------------------------------------------------------


def check(client, point, system="wgs84", **extra):
    params = {"lon": point[0], "lat": point[1], **extra}
    if system is not None:
        params["system"] = system
    return client.get("/api/v1/zone-check/", params)


def test_zone_check_199_and_201_m_from_a_gate(z, client_for):
    client = client_for(z.world.users[Role.SAFETY_CENTRE])
    inside = check(client, away(ORIGIN, 199, 270))
    assert inside.status_code == 200, inside.content
    (school,) = inside.json()["schools"]
    assert school["school_id"] == z.world.school_a.pk
    assert 198.5 < school["gate_distance_m"] < 199.5
    assert inside.json()["metres"] == 200
    outside = check(client, away(ORIGIN, 201, 270))
    assert outside.json()["schools"] == []


def test_zone_check_in_gcj02_and_with_venues(z, client_for):
    world = z.world
    centre = world.users[Role.SAFETY_CENTRE]
    services.register_venue(
        actor=centre, bureau_id=world.bureau.pk, data=venue_data(away(ORIGIN, 150, 270))
    )
    client = client_for(centre)
    body = check(client, away(ORIGIN, 199, 270, system="gcj02"), system="gcj02").json()
    assert [s["school_id"] for s in body["schools"]] == [world.school_a.pk]
    assert [v["name"] for v in body["venues"]] == ["星空网吧"]
    assert 48 < body["venues"][0]["distance_m"] < 50
    wider = check(client, away(ORIGIN, 450, 270), metres=500).json()
    assert [s["school_id"] for s in wider["schools"]] == [world.school_a.pk]


def test_zone_check_sees_only_the_callers_schools(z, client_for):
    other = user_with_role(Role.SCHOOL_OFFICER, z.world.school_b, username="school_b")
    body = check(client_for(other), away(ORIGIN, 100, 270)).json()
    assert body["schools"] == []


@pytest.mark.parametrize(
    "point, system, extra",
    [
        (away(ORIGIN, 100), None, {}),
        (away(ORIGIN, 100), "", {}),
        (away(ORIGIN, 100), "mars", {}),
        (tuple(reversed(away(ORIGIN, 100))), "wgs84", {}),
        (("2.35", "48.85"), "wgs84", {}),
        (away(ORIGIN, 100), "wgs84", {"metres": 5000}),
    ],
    ids=["no system", "empty system", "unknown system", "swapped", "Paris", "too far"],
)
def test_zone_check_refuses_a_bad_point(z, client_for, point, system, extra):
    client = client_for(z.world.users[Role.SAFETY_CENTRE])
    response = check(client, point, system=system, **extra)
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["message"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["message"]), body


def test_zone_check_wrong_role(z, client):
    scope_matrix(
        client,
        "/api/v1/zone-check/?lon=121.4&lat=31.1&system=wgs84",
        permitted=z.world.users[Role.INSPECTOR],
        wrong_role=[z.world.users[Role.SECURITY_ADMIN]],
    )
