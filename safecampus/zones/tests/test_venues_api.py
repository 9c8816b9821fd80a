"""The venue register's API: list, retrieve, create, partial update, status; refusals; scope."""

from __future__ import annotations

import pytest

from safecampus.core import geo
from safecampus.core.roles import Role
from safecampus.core.testing import (
    DepartmentFactory,
    PartnerUnitFactory,
    scope_matrix,
    user_with_role,
)
from safecampus.zones import services
from safecampus.zones.models import Venue
from safecampus.zones.testing import ORIGIN, away, venue_data, zone_world

pytestmark = pytest.mark.django_db

LIST = "/api/v1/zone-venues/"


@pytest.fixture
def zw(world, clock):
    clock.move_to("2026-12-01T10:00")
    z = zone_world(world)
    centre = world.users[Role.SAFETY_CENTRE]
    z.near = services.register_venue(
        actor=centre, bureau_id=world.bureau.pk, data=venue_data(away(ORIGIN, 150))
    )
    z.far = services.register_venue(
        actor=centre,
        bureau_id=world.bureau.pk,
        data=venue_data(away(ORIGIN, 600, azimuth=270), name="远处KTV", kind="entertainment"),
    )
    other_dept = DepartmentFactory(bureau=world.other_bureau, name="外区法制科")
    z.outsider = user_with_role(Role.DEPARTMENT_OFFICER, other_dept, username="outsider")
    z.other_partner = user_with_role(
        Role.PARTNER, PartnerUnitFactory(bureau=world.bureau, name="市场监管所"), username="mkt"
    )
    z.school_b = user_with_role(Role.SCHOOL_OFFICER, world.school_b, username="school_b")
    return z


def test_list_and_retrieve_show_coordinates_and_hits(client_for, zw):
    c = client_for(zw.world.users[Role.LEADERSHIP])
    r = c.get(LIST)
    assert r.status_code == 200
    body = r.json()
    assert body["count"] == 2
    near = next(v for v in body["results"] if v["id"] == zw.near.pk)
    assert near["coord_system"] == "wgs84"
    assert near["open_cases"] == 1
    [hit] = near["hits"]
    assert hit["school_id"] == zw.world.school_a.pk
    assert hit["school_name"] == zw.world.school_a.name
    assert hit["rule_code"] in {"NET_CAFE_200", "ZONE_GATE_200"}
    assert hit["line"] in {"gate", "gates_instead"}
    assert 149 < hit["distance_m"] < 151
    assert c.get(LIST, {"in_zone": "false"}).json()["count"] == 1
    assert c.get(LIST, {"kind": "entertainment"}).json()["results"][0]["id"] == zw.far.pk
    assert c.get(LIST, {"q": "星空"}).json()["count"] == 1
    r = c.get(LIST, {"status": "nope"})
    assert r.status_code == 400 and r.json()["code"] == "invalid"
    r = c.get(f"{LIST}{zw.near.pk}/")
    assert r.status_code == 200
    assert {h["rule_code"] for h in r.json()["hits"]} == {"NET_CAFE_200", "ZONE_GATE_200"}
    assert len(r.json()["wgs84"]) == 2


def test_create_opens_a_case_and_refuses_bad_points(client_for, zw):
    c = client_for(zw.law_officer)
    lon, lat = away(ORIGIN, 150, azimuth=0, system=geo.BD09)
    data = {
        "kind": "bar",
        "name": "北门酒吧",
        "address": "北路1号",
        "longitude": lon,
        "latitude": lat,
        "coord_system": "bd09",
        "partners": [zw.world.partner.pk],
    }
    r = c.post(LIST, data, content_type="application/json")
    assert r.status_code == 201, r.json()
    body = r.json()
    assert body["coord_system"] == "bd09" and body["partners"] == [zw.world.partner.pk]
    assert body["hits"][0]["school_id"] == zw.world.school_a.pk
    assert Venue.objects.get(pk=body["id"]).coord_system == "bd09"

    for bad, code in (
        ({"coord_system": ""}, "coordinates_invalid"),
        ({"longitude": lat, "latitude": lon}, "coordinates_invalid"),
        (
            {"longitude": "2.35", "latitude": "48.85", "coord_system": "wgs84"},
            "coordinates_invalid",
        ),
        ({"kind": "sauna"}, "invalid"),
        (
            {
                "longitude": f"{ORIGIN[0]:.6f}",
                "latitude": f"{ORIGIN[1]:.6f}",
                "coord_system": "wgs84",
            },
            "at_school",
        ),
    ):
        r = c.post(LIST, data | bad | {"name": "坏"}, content_type="application/json")
        assert r.status_code == 400, (bad, r.json())
        assert r.json()["code"] == code, (bad, r.json())
        assert r.json()["message"]
    assert not Venue.objects.filter(name="坏").exists()


def test_patch_moves_and_checks_with_version(client_for, zw):
    c = client_for(zw.law_officer)
    lon, lat = away(ORIGIN, 100, azimuth=270)
    url = f"{LIST}{zw.far.pk}/"
    r = c.patch(
        url,
        {"longitude": lon, "latitude": lat, "coord_system": "wgs84", "version": zw.far.version},
        content_type="application/json",
    )
    assert r.status_code == 200, r.json()
    assert r.json()["open_cases"] == 1
    r = c.patch(url, {"name": "改名", "version": 0}, content_type="application/json")
    assert r.status_code == 409 and r.json()["code"] == "stale"


def test_status_action(client_for, zw):
    c = client_for(zw.law_officer)
    url = f"{LIST}{zw.far.pk}/status/"
    r = c.post(url, {"action": "exempt"}, content_type="application/json")
    assert r.status_code == 400 and r.json()["code"] == "reason_required"
    r = c.post(url, {"action": "exempt", "reason": "已取得许可"}, content_type="application/json")
    assert r.status_code == 200 and r.json()["status"] == "exempt"
    r = c.post(url, {"action": "close"}, content_type="application/json")
    assert r.status_code == 409 and r.json()["code"] == "invalid_transition"
    r = c.post(f"{LIST}{zw.near.pk}/status/", {"action": "close"}, content_type="application/json")
    assert r.status_code == 409 and r.json()["code"] == "invalid_transition"


def test_a_school_and_a_partner_list_only_their_venues(client_for, zw):
    for user, expected in (
        (zw.world.users[Role.SCHOOL_OFFICER], [zw.near.pk]),
        (zw.school_b, []),
        (zw.world.users[Role.PARTNER], [zw.near.pk]),
        (zw.other_partner, []),
        (zw.outsider, []),
    ):
        r = client_for(user).get(LIST)
        assert [v["id"] for v in r.json()["results"]] == expected, user


def test_scope_matrix(client, zw):
    w = zw.world
    sysadmin = w.users[Role.SYSTEM_ADMIN]
    scope_matrix(client, LIST, permitted=w.users[Role.PARTNER], wrong_role=[sysadmin])
    scope_matrix(
        client,
        f"{LIST}{zw.near.pk}/",
        permitted=w.users[Role.SCHOOL_OFFICER],
        out_of_scope=[zw.outsider, zw.school_b, zw.other_partner],
        wrong_role=[sysadmin],
    )
    lon, lat = away(ORIGIN, 700, azimuth=180)
    scope_matrix(
        client,
        LIST,
        method="post",
        data={
            "kind": "bar",
            "name": "新",
            "longitude": lon,
            "latitude": lat,
            "coord_system": "wgs84",
        },
        permitted=zw.law_officer,
        wrong_role=[w.users[Role.SCHOOL_OFFICER], w.users[Role.LEADERSHIP], w.users[Role.PARTNER]],
        ok=(201,),
    )
    scope_matrix(
        client,
        f"{LIST}{zw.near.pk}/",
        method="patch",
        data={"note": "核实"},
        permitted=zw.law_officer,
        out_of_scope=[zw.outsider],
        wrong_role=[w.users[Role.SCHOOL_OFFICER], w.users[Role.LEADERSHIP], w.users[Role.PARTNER]],
    )
    scope_matrix(
        client,
        f"{LIST}{zw.far.pk}/status/",
        method="post",
        data={"action": "rectify"},
        permitted=zw.law_officer,
        out_of_scope=[zw.outsider],
        wrong_role=[
            w.users[Role.SCHOOL_OFFICER],
            w.users[Role.LEADERSHIP],
            w.users[Role.INSPECTOR],
        ],
    )
