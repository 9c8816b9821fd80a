"""Distances at the edge of a zone, from a gate and from a boundary, in each coordinate system.

School A's gate stands at ``ORIGIN``; its campus (when recorded) is a 100 m square whose west
wall runs through the gate, so its east wall lies 100 m east of the gate. Points are written
with 6 decimals (about 0.1 m), so 199 m and 201 m stay on their side of 200 m.
"""

import pytest

from safecampus.core import geo
from safecampus.core.roles import Role
from safecampus.zones import detection, services
from safecampus.zones.models import ZoneCase, ZoneHit
from safecampus.zones.testing import ORIGIN, away, gate_at, square, venue_data, zone_world

pytestmark = [pytest.mark.django_db, pytest.mark.dates]

#: the campus square: west wall through the gate, east wall 100 m east of it
CAMPUS_CENTRE = geo.offset(*ORIGIN, 90.0, 50.0)


def centre(world):
    return world.users[Role.SAFETY_CENTRE]


def register(world, point, *, kind="internet_cafe", system=geo.WGS84, now=None, name="星空网吧"):
    return services.register_venue(
        actor=centre(world),
        bureau_id=world.bureau.pk,
        data=venue_data(point, kind=kind, system=system, name=name),
        now=now,
    )


def add_campus(world, clock, system=geo.WGS84):
    return services.save_boundary(
        actor=centre(world),
        school_id=world.school_a.pk,
        vertices=square(CAMPUS_CENTRE, 50, system),
        system=system,
        source="api",
        now=clock.now,
    )


@pytest.mark.parametrize("metres, inside", [(199, True), (201, False)])
@pytest.mark.parametrize("azimuth", [90.0, 0.0, 225.0])
def test_a_gate_zone_ends_at_200_m(world, clock, metres, inside, azimuth):
    zone_world(world)
    # an entertainment venue: only the gate rule (004 §二(二)) concerns it
    venue = register(world, away(ORIGIN, metres, azimuth), kind="entertainment", now=clock.now)
    hits = list(ZoneHit.objects.filter(venue=venue))
    cases = list(ZoneCase.objects.filter(venue=venue))
    if inside:
        assert [h.rule.code for h in hits] == ["ZONE_GATE_200"]
        assert hits[0].line == "gate"
        assert hits[0].distance_m == pytest.approx(metres, abs=0.3)
        assert len(cases) == 1 and cases[0].school_id == world.school_a.pk
        assert cases[0].distance_m == pytest.approx(metres, abs=0.3)
    else:
        assert hits == [] and cases == []


@pytest.mark.parametrize("metres, inside", [(199, True), (201, False)])
def test_a_boundary_zone_ends_at_200_m_from_the_wall(world, clock, metres, inside):
    zone_world(world)
    add_campus(world, clock)
    # due east of the east wall, which lies 100 m east of the gate: the gate rule's 200 m
    # stops well short of the café, only the boundary rule can reach it
    venue = register(world, away(ORIGIN, 100 + metres), now=clock.now)
    hits = list(ZoneHit.objects.filter(venue=venue))
    if inside:
        assert [(h.rule.code, h.line) for h in hits] == [("NET_CAFE_200", "boundary")]
        assert hits[0].distance_m == pytest.approx(metres, abs=0.3)
        case = ZoneCase.objects.get(venue=venue)
        assert case.rule_codes == ["NET_CAFE_200"]
        assert case.distance_m == pytest.approx(metres, abs=0.3)
    else:
        assert hits == []
        assert not ZoneCase.objects.filter(venue=venue).exists()


def test_a_boundary_in_gcj_measures_as_the_same_wall_in_wgs(world, clock):
    zone_world(world)
    add_campus(world, clock, system=geo.GCJ02)
    venue = register(world, away(ORIGIN, 299), now=clock.now)
    hit = ZoneHit.objects.get(venue=venue)
    assert hit.line == "boundary"
    assert hit.distance_m == pytest.approx(199, abs=0.5)


def test_a_point_on_the_corner_side_is_measured_to_the_nearest_corner(world, clock):
    zone_world(world)
    add_campus(world, clock)
    # the north-east corner lies 100 m east and 50 m north of the gate; 150 m further north-east
    corner = geo.offset(*geo.offset(*ORIGIN, 90.0, 100.0), 0.0, 50.0)
    venue = register(world, away(corner, 150, 45.0), now=clock.now)
    hit = ZoneHit.objects.get(venue=venue, rule__code="NET_CAFE_200")
    assert hit.distance_m == pytest.approx(150, abs=0.5)


@pytest.mark.parametrize("system", [geo.GCJ02, geo.BD09])
def test_a_venue_given_in_another_system_is_measured_at_its_real_place(world, clock, system):
    zone_world(world)
    point = away(ORIGIN, 150, 90.0, system)
    venue = register(world, point, kind="entertainment", system=system, now=clock.now)
    assert venue.coord_system == system
    assert (str(venue.longitude), str(venue.latitude)) == point  # kept as entered
    hit = ZoneHit.objects.get(venue=venue)
    assert hit.distance_m == pytest.approx(150, abs=0.5)
    # the same numbers read as WGS-84 would put the venue hundreds of metres away
    assert geo.distance_m(*ORIGIN, float(point[0]), float(point[1])) > 400


@pytest.mark.parametrize("gate_system", [geo.GCJ02, geo.BD09])
@pytest.mark.parametrize("venue_system", [geo.WGS84, geo.GCJ02, geo.BD09])
def test_gate_and_venue_in_different_systems(world, clock, gate_system, venue_system):
    z = zone_world(world, packs=("safety_zone_gate",))
    # move school A's gate: the same place, written in another system
    z.gate_a.delete()
    gate_at(world.school_a, *geo.from_wgs84(*ORIGIN, gate_system), system=gate_system)
    for metres, expect in ((190, 1), (210, 0)):
        venue = register(
            world,
            away(ORIGIN, metres, 0.0, venue_system),
            kind="game_hall",
            system=venue_system,
            now=clock.now,
            name=f"游戏厅{metres}",
        )
        assert ZoneCase.objects.filter(venue=venue).count() == expect, metres


def test_a_venue_labelled_with_the_wrong_system_lands_elsewhere(world, clock):
    """The figures of a point 150 m from the gate in GCJ-02, entered as WGS-84: half a kilometre
    off, so nothing is found (this is why a point without its system is refused)."""
    zone_world(world)
    point = away(ORIGIN, 150, 90.0, geo.GCJ02)
    venue = register(world, point, kind="entertainment", system=geo.WGS84, now=clock.now)
    assert not ZoneHit.objects.filter(venue=venue).exists()


def test_a_gate_lying_across_the_200_m_mark_from_two_gates(world, clock):
    """With two gates, the nearest one counts."""
    zone_world(world, packs=("safety_zone_gate",))
    north = gate_at(world.school_a, *geo.offset(*ORIGIN, 0.0, 300.0), name="北门")
    venue = register(world, away(ORIGIN, 280, 0.0), kind="bar", now=clock.now)
    hit = ZoneHit.objects.get(venue=venue)
    assert hit.gate_id == north.pk and hit.gate_name == "北门"
    assert hit.distance_m == pytest.approx(20, abs=0.3)


def test_sites_hold_gates_in_wgs(world, clock):
    z = zone_world(world)
    site = detection.sites_of([world.school_a.pk])[world.school_a.pk]
    assert site.gates[0][0] == z.gate_a.pk
    assert site.gates[0][2:] == pytest.approx(list(ORIGIN), abs=1e-7)
