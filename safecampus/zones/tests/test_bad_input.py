"""Bad input to the zone's core: each refused with a clear message in Chinese, and nothing saved.

A coordinate outside China, longitude and latitude swapped, a missing or unknown coordinate
system, a self-intersecting or open boundary, a boundary far from the school's gates, a venue
at the school's gate or inside its campus.
"""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from safecampus.core import geo
from safecampus.core.roles import Role
from safecampus.zones import services
from safecampus.zones.models import (
    SchoolBoundary,
    Venue,
    VenueEvent,
    WaitingArea,
    ZoneCase,
    ZoneEvent,
    ZoneHit,
)
from safecampus.zones.testing import ORIGIN, away, square, venue_data, zone_world

pytestmark = [pytest.mark.django_db, pytest.mark.dates]

CAMPUS_CENTRE = geo.offset(*ORIGIN, 90.0, 50.0)


def centre(world):
    return world.users[Role.SAFETY_CENTRE]


def snapshot():
    return tuple(
        m.objects.count()
        for m in (Venue, VenueEvent, ZoneCase, ZoneHit, SchoolBoundary, WaitingArea, ZoneEvent)
    )


def refused(call, *, code: str, field: str, chinese: str) -> list[str]:
    """Run ``call`` in Chinese: it must refuse with ``code`` on ``field``, say ``chinese``, and
    save nothing."""
    before = snapshot()
    with translation.override("zh-hans"), pytest.raises(ValidationError) as caught:
        call()
    assert snapshot() == before
    exc = caught.value
    messages = exc.message_dict[field]
    assert any(chinese in m for m in messages), messages
    assert exc.error_dict[field][0].code == code
    return messages


def register(world, lon, lat, system, *, now):
    data = venue_data((lon, lat), system=system)
    return lambda: services.register_venue(
        actor=centre(world), bureau_id=world.bureau.pk, data=data, now=now
    )


# --- points -------------------------------------------------------------------------------------


def test_a_point_outside_china(world, clock):
    zone_world(world)
    (message,) = refused(
        register(world, "2.294481", "48.858370", "wgs84", now=clock.now),
        code="coordinates_invalid",
        field="coordinates",
        chinese="境外",
    )
    assert "2.294481" in message


def test_longitude_and_latitude_swapped(world, clock):
    zone_world(world)
    lon, lat = away(ORIGIN, 150)
    refused(
        register(world, lat, lon, "gcj02", now=clock.now),
        code="coordinates_invalid",
        field="coordinates",
        chinese="经纬度似乎填反了",
    )


@pytest.mark.parametrize("system", ["", None])
def test_a_missing_coordinate_system(world, clock, system):
    zone_world(world)
    refused(
        register(world, *away(ORIGIN, 150), system, now=clock.now),
        code="coordinates_invalid",
        field="coordinates",
        chinese="缺少坐标系",
    )


@pytest.mark.parametrize("system", ["cgcs2000x", "UTM", "gcj-02"])
def test_an_unknown_coordinate_system(world, clock, system):
    zone_world(world)
    (message,) = refused(
        register(world, *away(ORIGIN, 150), system, now=clock.now),
        code="coordinates_invalid",
        field="coordinates",
        chinese="不是坐标系",
    )
    assert system in message


@pytest.mark.parametrize("lon", ["abc", "nan", "inf", ""])
def test_a_coordinate_that_is_not_a_number(world, clock, lon):
    zone_world(world)
    refused(
        register(world, lon, "31.1", "wgs84", now=clock.now),
        code="coordinates_invalid",
        field="coordinates",
        chinese="必须是以度为单位的数字",
    )


def test_a_waiting_area_outside_china_is_refused(world, clock):
    zone_world(world)
    refused(
        lambda: services.add_waiting_area(
            actor=centre(world),
            school_id=world.school_a.pk,
            name="等候区",
            lon="139.7",
            lat="35.7",
            system="wgs84",
            now=clock.now,
        ),
        code="coordinates_invalid",
        field="coordinates",
        chinese="境外",
    )


# --- a venue at the school ------------------------------------------------------------------------


@pytest.mark.parametrize("system", ["wgs84", "gcj02", "bd09"])
def test_a_venue_at_the_school_gate(world, clock, system):
    zone_world(world)
    lon, lat = away(ORIGIN, 0.5, 90.0, system)
    (message,) = refused(
        register(world, lon, lat, system, now=clock.now),
        code="at_school",
        field="coordinates",
        chinese="的校门",
    )
    assert world.school_a.name in message


def test_a_venue_inside_the_campus(world, clock):
    zone_world(world)
    services.save_boundary(
        actor=centre(world),
        school_id=world.school_a.pk,
        vertices=square(CAMPUS_CENTRE, 50),
        system="wgs84",
        source="api",
        now=clock.now,
    )
    (message,) = refused(
        register(world, *away(ORIGIN, 60), "wgs84", now=clock.now),
        code="at_school",
        field="coordinates",
        chinese="校园内",
    )
    assert world.school_a.name in message


def test_moving_a_venue_to_the_gate_is_refused(world, clock):
    zone_world(world)
    venue = services.register_venue(
        actor=centre(world),
        bureau_id=world.bureau.pk,
        data=venue_data(away(ORIGIN, 400)),
        now=clock.now,
    )
    lon, lat = away(ORIGIN, 1)
    refused(
        lambda: services.update_venue(
            actor=centre(world),
            venue_id=venue.pk,
            data={"longitude": lon, "latitude": lat},
            now=clock.now,
        ),
        code="at_school",
        field="coordinates",
        chinese="的校门",
    )
    venue.refresh_from_db()
    assert (str(venue.longitude), str(venue.latitude)) == away(ORIGIN, 400)


def test_moving_a_venue_without_a_system_is_refused(world, clock):
    zone_world(world)
    venue = services.register_venue(
        actor=centre(world),
        bureau_id=world.bureau.pk,
        data=venue_data(away(ORIGIN, 400)),
        now=clock.now,
    )
    refused(
        lambda: services.update_venue(
            actor=centre(world),
            venue_id=venue.pk,
            data={"coord_system": ""},
            now=clock.now,
        ),
        code="coordinates_invalid",
        field="coordinates",
        chinese="缺少坐标系",
    )


# --- boundaries -----------------------------------------------------------------------------------


def save(world, vertices, system="wgs84", *, now):
    return lambda: services.save_boundary(
        actor=centre(world),
        school_id=world.school_a.pk,
        vertices=vertices,
        system=system,
        source="api",
        now=now,
    )


def test_a_self_intersecting_boundary(world, clock):
    zone_world(world)
    sw, se, ne, nw, _closing = square(CAMPUS_CENTRE, 50)
    bow_tie = [sw, ne, se, nw, sw]
    (message,) = refused(
        save(world, bow_tie, now=clock.now),
        code="boundary_invalid",
        field="boundary",
        chinese="自相交",
    )
    # the crossing is the square's centre, reported in the system the corners were given in
    assert f"{CAMPUS_CENTRE[0]:.4f}" in message and f"{CAMPUS_CENTRE[1]:.4f}" in message


def test_a_self_intersecting_boundary_in_baidu_is_reported_in_baidu(world, clock):
    zone_world(world)
    sw, se, ne, nw, _closing = square(CAMPUS_CENTRE, 50, "bd09")
    (message,) = refused(
        save(world, [sw, ne, se, nw, sw], "bd09", now=clock.now),
        code="boundary_invalid",
        field="boundary",
        chinese="自相交",
    )
    bd = geo.from_wgs84(*CAMPUS_CENTRE, "bd09")
    assert f"{bd[0]:.4f}" in message and f"{bd[1]:.4f}" in message


def test_an_open_boundary(world, clock):
    zone_world(world)
    ring = square(CAMPUS_CENTRE, 50)[:-1]
    refused(
        save(world, ring, now=clock.now),
        code="boundary_invalid",
        field="boundary",
        chinese="边界未闭合",
    )


def test_a_boundary_of_two_corners(world, clock):
    zone_world(world)
    sw, se, *_rest = square(CAMPUS_CENTRE, 50)
    refused(
        save(world, [sw, se, sw], now=clock.now),
        code="boundary_invalid",
        field="boundary",
        chinese="至少需要三个",
    )


def test_a_boundary_far_from_the_gates(world, clock):
    zone_world(world)
    far = geo.offset(*CAMPUS_CENTRE, 90.0, 1000.0)
    (message,) = refused(
        save(world, square(far, 50), now=clock.now),
        code="boundary_invalid",
        field="boundary",
        chinese="校门应位于边界上",
    )
    assert "1号门" in message


def test_a_boundary_in_the_wrong_system_is_far_from_the_gates(world, clock):
    """The corners of a campus read off Baidu but labelled GCJ-02 lie hundreds of metres off."""
    zone_world(world)
    refused(
        save(world, square(CAMPUS_CENTRE, 50, "bd09"), "gcj02", now=clock.now),
        code="boundary_invalid",
        field="boundary",
        chinese="校门应位于边界上",
    )


def test_a_boundary_without_a_system(world, clock):
    zone_world(world)
    refused(
        save(world, square(CAMPUS_CENTRE, 50), "", now=clock.now),
        code="boundary_invalid",
        field="boundary",
        chinese="缺少坐标系",
    )


def test_a_boundary_corner_outside_china(world, clock):
    zone_world(world)
    ring = square(CAMPUS_CENTRE, 50)
    ring[2] = [2.29, 48.85]
    (message,) = refused(
        save(world, ring, now=clock.now),
        code="boundary_invalid",
        field="boundary",
        chinese="第3个拐点",
    )
    assert "境外" in message


def test_a_boundary_corner_that_is_not_a_pair(world, clock):
    zone_world(world)
    ring = square(CAMPUS_CENTRE, 50)
    ring[1] = "121.4"
    refused(
        save(world, ring, now=clock.now),
        code="boundary_invalid",
        field="boundary",
        chinese="不是经度和纬度",
    )


def test_a_boundary_that_is_not_a_list(world, clock):
    zone_world(world)
    refused(
        save(world, "121.4,31.1", now=clock.now),
        code="boundary_invalid",
        field="boundary",
        chinese="至少需要三个拐点",
    )


def test_a_huge_boundary(world, clock):
    zone_world(world)
    refused(
        save(world, square(ORIGIN, 2000), now=clock.now),
        code="boundary_invalid",
        field="boundary",
        chinese="远大于一所校园",
    )


def test_a_bad_boundary_leaves_the_old_one(world, clock):
    zone_world(world)
    good = square(CAMPUS_CENTRE, 50)
    save(world, good, now=clock.now)()
    sw, se, ne, nw, _closing = good
    refused(
        save(world, [sw, ne, se, nw, sw], now=clock.now),
        code="boundary_invalid",
        field="boundary",
        chinese="自相交",
    )
    assert SchoolBoundary.objects.get(school=world.school_a).vertices == good
