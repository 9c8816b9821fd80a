"""The venue register's pages: list, detail, register, correct, the status buttons; scope."""

from __future__ import annotations

import pytest
from django.urls import reverse

from safecampus.core.roles import Role
from safecampus.core.testing import (
    DepartmentFactory,
    PartnerUnitFactory,
    count_queries,
    scope_matrix,
    user_with_role,
)
from safecampus.zones import services
from safecampus.zones.choices import VenueStatus
from safecampus.zones.models import Venue, VenueEvent, ZoneCase
from safecampus.zones.testing import ORIGIN, away, venue_data, zone_world

pytestmark = pytest.mark.django_db

#: the queries of the list page, whatever the number of rows (session, user, scope, count,
#: page, hits, open cases)
PINNED_LIST_QUERIES = 9


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


def test_list_shows_schools_in_zone_and_open_cases(client_for, zw):
    c = client_for(zw.world.users[Role.SAFETY_CENTRE])
    r = c.get(reverse("zones:venue_list"))
    assert r.status_code == 200
    html = r.content.decode()
    assert "星空网吧" in html and "远处KTV" in html
    near = next(v for v in r.context["rows"] if v.pk == zw.near.pk)
    assert near.open_cases == 1
    [(name, distance)] = near.zone_schools
    assert name == zw.world.school_a.name and 149 < distance < 151
    assert "d-md-none" in html  # the phone layout: cards
    r = c.get(reverse("zones:venue_list"), {"in_zone": "yes"})
    assert [v.pk for v in r.context["rows"]] == [zw.near.pk]
    r = c.get(reverse("zones:venue_list"), {"in_zone": "no", "kind": "entertainment"})
    assert [v.pk for v in r.context["rows"]] == [zw.far.pk]
    r = c.get(reverse("zones:venue_list"), {"q": "远处"})
    assert [v.pk for v in r.context["rows"]] == [zw.far.pk]
    r = c.get(reverse("zones:venue_list"), {"status": "nonsense"})
    assert r.status_code == 400


def test_a_school_lists_only_venues_in_its_zone_and_a_partner_those_of_its_cases(client_for, zw):
    for user, expected in (
        (zw.world.users[Role.SCHOOL_OFFICER], [zw.near.pk]),
        (zw.school_b, []),
        (zw.world.users[Role.PARTNER], [zw.near.pk]),
        (zw.other_partner, []),
        (zw.outsider, []),
    ):
        r = client_for(user).get(reverse("zones:venue_list"))
        assert r.status_code == 200
        assert [v.pk for v in r.context["rows"]] == expected, user


def test_list_query_count_is_pinned(client_for, zw):
    c = client_for(zw.world.users[Role.SAFETY_CENTRE])
    url = reverse("zones:venue_list")
    first = count_queries(c, url)
    centre = zw.world.users[Role.SAFETY_CENTRE]
    for i in range(5):
        services.register_venue(
            actor=centre,
            bureau_id=zw.world.bureau.pk,
            data=venue_data(away(ORIGIN, 120 + i * 10, azimuth=180), name=f"网吧{i}"),
        )
    assert count_queries(c, url) == first
    assert first == PINNED_LIST_QUERIES, first


def test_detail_shows_coordinates_hits_cases_and_history(client_for, zw):
    c = client_for(zw.world.users[Role.SAFETY_CENTRE])
    r = c.get(reverse("zones:venue_detail", args=[zw.near.pk]))
    assert r.status_code == 200
    html = r.content.decode()
    case = ZoneCase.objects.get(venue=zw.near)
    assert f"/zones/cases/{case.pk}/" in html
    assert zw.world.school_a.name in html
    assert {h.rule.code for h in r.context["hits"]} == {"NET_CAFE_200", "ZONE_GATE_200"}
    assert "WGS-84" in html
    assert zw.world.users[Role.SAFETY_CENTRE].display_name in html
    # a venue with an open case offers no register buttons
    assert r.context["buttons"] == []
    r = c.get(reverse("zones:venue_detail", args=[zw.far.pk]))
    actions = [b["action"] for b in r.context["buttons"]]
    assert actions == ["rectify", "close", "relocate", "exempt"]


def test_register_through_the_form_opens_a_case(client_for, zw):
    c = client_for(zw.law_officer)
    r = c.get(reverse("zones:venue_create"))
    assert r.status_code == 200
    assert r.context["form"]["coord_system"].value() in (None, "")
    lon, lat = away(ORIGIN, 150, azimuth=0)
    data = {
        "bureau": zw.world.bureau.pk,
        "kind": "game_hall",
        "name": "欢乐游戏厅",
        "licence": "",
        "address": "北路2号",
        "longitude": lon,
        "latitude": lat,
        "coord_system": "wgs84",
        "partners": [zw.world.partner.pk],
        "source": "public_report",
        "note": "",
    }
    r = c.post(reverse("zones:venue_create"), data)
    assert r.status_code == 302, r.context["form"].errors
    venue = Venue.objects.get(name="欢乐游戏厅")
    assert venue.source == "public_report"
    assert ZoneCase.objects.filter(venue=venue, school=zw.world.school_a).exists()
    r = c.get(r["Location"])
    assert "/zones/cases/" in r.content.decode()


def test_register_refusals_are_shown_field_by_field(client_for, zw):
    c = client_for(zw.law_officer)
    base = {
        "bureau": zw.world.bureau.pk,
        "kind": "bar",
        "name": "酒吧",
        "longitude": "121.40",
        "latitude": "31.10",
        "coord_system": "",
        "source": "inspection",
    }
    r = c.post(reverse("zones:venue_create"), base)
    assert r.status_code == 400
    assert "coord_system" in r.context["form"].errors
    r = c.post(
        reverse("zones:venue_create"),
        base | {"coord_system": "wgs84", "longitude": "31.1", "latitude": "121.4"},
    )
    assert r.status_code == 400
    assert "swapped" in str(r.context["form"].errors["longitude"]) or "填反" in str(
        r.context["form"].errors["longitude"]
    )
    # at the gate itself
    r = c.post(
        reverse("zones:venue_create"),
        base
        | {
            "coord_system": "wgs84",
            "longitude": f"{ORIGIN[0]:.6f}",
            "latitude": f"{ORIGIN[1]:.6f}",
        },
    )
    assert r.status_code == 400
    assert r.context["form"].errors["longitude"]
    assert not Venue.objects.filter(name="酒吧").exists()


def test_edit_moves_the_venue_and_checks_again(client_for, zw):
    c = client_for(zw.law_officer)
    url = reverse("zones:venue_edit", args=[zw.far.pk])
    r = c.get(url)
    assert r.status_code == 200
    form = r.context["form"]
    lon, lat = away(ORIGIN, 100, azimuth=270)
    data = {k: "" if form[k].value() is None else form[k].value() for k in form.fields}
    data.pop("partners")
    data |= {"longitude": lon, "latitude": lat}
    r = c.post(url, data)
    assert r.status_code == 302, r.context["form"].errors
    assert ZoneCase.objects.filter(venue=zw.far, status="open").exists()
    assert VenueEvent.objects.filter(venue=zw.far, action="move").exists()
    # a stale version is refused
    data["name"] = "改名"
    r = c.post(url, data)
    assert r.status_code == 400
    zw.far.refresh_from_db()
    assert zw.far.name == "远处KTV"


def test_status_buttons(client_for, zw):
    c = client_for(zw.law_officer)
    url = reverse("zones:venue_status", args=[zw.far.pk])
    r = c.post(url, {"action": "exempt", "reason": "", "version": zw.far.version})
    assert r.status_code == 302
    zw.far.refresh_from_db()
    assert zw.far.status == VenueStatus.OPERATING
    r = c.post(url, {"action": "close", "version": zw.far.version})
    zw.far.refresh_from_db()
    assert zw.far.status == VenueStatus.CLOSED
    r = c.post(url, {"action": "reopen", "version": zw.far.version})
    zw.far.refresh_from_db()
    assert zw.far.status == VenueStatus.OPERATING
    # the venue with an open case is refused
    near = reverse("zones:venue_status", args=[zw.near.pk])
    c.post(near, {"action": "close", "version": zw.near.version})
    zw.near.refresh_from_db()
    assert zw.near.status == VenueStatus.OPERATING


def test_scope_matrix(client, zw):
    w = zw.world
    near, far = zw.near.pk, zw.far.pk
    sysadmin = w.users[Role.SYSTEM_ADMIN]
    scope_matrix(
        client, reverse("zones:venue_list"), permitted=w.users[Role.PARTNER], wrong_role=[sysadmin]
    )
    scope_matrix(
        client,
        reverse("zones:venue_detail", args=[near]),
        permitted=w.users[Role.SCHOOL_OFFICER],
        out_of_scope=[zw.outsider, zw.school_b, zw.other_partner],
        wrong_role=[sysadmin],
    )
    scope_matrix(
        client,
        reverse("zones:venue_detail", args=[near]),
        permitted=w.users[Role.PARTNER],
    )
    scope_matrix(
        client,
        reverse("zones:venue_edit", args=[near]),
        permitted=zw.law_officer,
        out_of_scope=[zw.outsider, zw.school_b],
        wrong_role=[w.users[Role.SCHOOL_OFFICER], w.users[Role.LEADERSHIP], w.users[Role.PARTNER]],
    )
    scope_matrix(
        client,
        reverse("zones:venue_status", args=[far]),
        method="post",
        data={"action": "rectify"},
        permitted=zw.law_officer,
        out_of_scope=[zw.outsider, w.users[Role.SCHOOL_OFFICER]],
        wrong_role=[w.users[Role.LEADERSHIP], w.users[Role.INSPECTOR]],
    )
    for name in ("zones:venue_create", "zones:venue_import", "zones:venue_template"):
        scope_matrix(
            client,
            reverse(name),
            permitted=zw.law_officer,
            wrong_role=[
                w.users[Role.SCHOOL_OFFICER],
                w.users[Role.LEADERSHIP],
                w.users[Role.PARTNER],
            ],
        )
