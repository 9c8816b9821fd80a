"""Which rule applies to which school and venue, and from which line it measures.

The national internet-café rule (NET_CAFE_200, loaded by a migration) covers primary and
secondary schools and measures from the campus boundary; 004's gate rule (ZONE_GATE_200)
measures from the gate whatever else is recorded; the waiting area lies within 50 m of a gate.
"""

import pytest
from django.utils import translation

from safecampus.core import geo
from safecampus.core.roles import Role
from safecampus.core.testing import SchoolFactory
from safecampus.zones import selectors, services
from safecampus.zones.defaults import PRIMARY_AND_SECONDARY
from safecampus.zones.models import ZoneCase, ZoneHit, ZoneRule
from safecampus.zones.testing import ORIGIN, away, gate_at, square, venue_data, zone_world

pytestmark = [pytest.mark.django_db, pytest.mark.dates]

CAMPUS_CENTRE = geo.offset(*ORIGIN, 90.0, 50.0)


def centre(world):
    return world.users[Role.SAFETY_CENTRE]


def register(world, point, *, kind="internet_cafe", now, name="星空网吧"):
    return services.register_venue(
        actor=centre(world),
        bureau_id=world.bureau.pk,
        data=venue_data(point, kind=kind, name=name),
        now=now,
    )


def test_the_national_rule_is_loaded_by_the_migration():
    rule = ZoneRule.objects.get(code="NET_CAFE_200", bureau=None)
    assert rule.is_active
    assert rule.kind == "exclusion"
    assert rule.venue_types == ["internet_cafe"]
    assert rule.distance_m == 200
    assert rule.measure_from == "boundary"
    assert "第九条" in rule.clause
    assert sorted(rule.stages) == sorted(PRIMARY_AND_SECONDARY)
    assert "kindergarten" not in rule.stages


@pytest.mark.parametrize("stage", PRIMARY_AND_SECONDARY)
def test_the_internet_cafe_rule_covers_primary_and_secondary_schools(world, clock, stage):
    # only the national rule: no pack loaded
    zone_world(world, packs=())
    school = SchoolFactory(bureau=world.bureau, name=f"{stage}学校", stage=stage)
    gate = geo.offset(*ORIGIN, 180.0, 2000.0)
    gate_at(school, *gate)
    with translation.override("zh-hans"):
        venue = register(world, away(gate, 150), now=clock.now)
    case = ZoneCase.objects.get(venue=venue)
    assert case.school_id == school.pk
    assert case.rule_codes == ["NET_CAFE_200"]
    # no boundary recorded: measured from the gates, and the hit says so
    hit = ZoneHit.objects.get(venue=venue)
    assert hit.line == "gates_instead"
    assert hit.distance_m == pytest.approx(150, abs=0.3)
    assert "1号门（未录入校园边界）" in case.summary


@pytest.mark.parametrize("stage", ["kindergarten", "vocational"])
def test_the_internet_cafe_rule_leaves_other_schools_alone(world, clock, stage):
    zone_world(world, packs=())
    school = SchoolFactory(bureau=world.bureau, name=f"{stage}学校", stage=stage)
    gate = geo.offset(*ORIGIN, 180.0, 2000.0)
    gate_at(school, *gate)
    venue = register(world, away(gate, 50), now=clock.now)
    assert not ZoneHit.objects.filter(venue=venue).exists()
    assert not ZoneCase.objects.filter(venue=venue).exists()


def test_the_kindergarten_gets_the_gate_rule_only(world, clock):
    z = zone_world(world)
    from safecampus.zones.testing import wgs_gate

    venue = register(world, away(wgs_gate(z.gate_b), 120), now=clock.now)
    case = ZoneCase.objects.get(venue=venue)
    assert case.school_id == world.school_b.pk
    assert case.rule_codes == ["ZONE_GATE_200"]


def test_the_internet_cafe_rule_measures_from_the_boundary(world, clock):
    zone_world(world)
    services.save_boundary(
        actor=centre(world),
        school_id=world.school_a.pk,
        vertices=square(CAMPUS_CENTRE, 50),
        system="wgs84",
        source="api",
        now=clock.now,
    )
    # 180 m east of the gate, 80 m east of the east wall
    venue = register(world, away(ORIGIN, 180), now=clock.now)
    hits = {h.rule.code: h for h in ZoneHit.objects.filter(venue=venue)}
    assert set(hits) == {"NET_CAFE_200", "ZONE_GATE_200"}
    assert hits["NET_CAFE_200"].line == "boundary"
    assert hits["NET_CAFE_200"].distance_m == pytest.approx(80, abs=0.3)
    # the 004 gate rule keeps measuring from the gate although a boundary exists
    assert hits["ZONE_GATE_200"].line == "gate"
    assert hits["ZONE_GATE_200"].gate_id == world.school_a.gates.get().pk
    assert hits["ZONE_GATE_200"].distance_m == pytest.approx(180, abs=0.3)
    case = ZoneCase.objects.get(venue=venue)
    assert case.distance_m == pytest.approx(80, abs=0.3)  # the nearest line
    assert case.rule_codes == ["NET_CAFE_200", "ZONE_GATE_200"]


def test_the_gate_rule_does_not_stretch_to_the_boundary(world, clock):
    zone_world(world)
    services.save_boundary(
        actor=centre(world),
        school_id=world.school_a.pk,
        vertices=square(CAMPUS_CENTRE, 50),
        system="wgs84",
        source="api",
        now=clock.now,
    )
    # 250 m from the gate, 150 m from the east wall: a game hall (gate rule only) is outside,
    # an internet café (boundary rule too) is inside
    hall = register(world, away(ORIGIN, 250, 90.0), kind="game_hall", now=clock.now, name="厅")
    assert not ZoneHit.objects.filter(venue=hall).exists()
    cafe = register(world, away(ORIGIN, 250, 88.0), now=clock.now)
    assert [h.rule.code for h in ZoneHit.objects.filter(venue=cafe)] == ["NET_CAFE_200"]


def test_a_venue_inside_the_boundary_is_refused_but_one_at_zero_metres_is_not_measured(
    world, clock
):
    """A campus boundary holds no venue: the boundary distance is 0 only for a point inside,
    which registration refuses (see test_bad_input); a point on the wall's outside is close to
    0 m."""
    zone_world(world)
    services.save_boundary(
        actor=centre(world),
        school_id=world.school_a.pk,
        vertices=square(CAMPUS_CENTRE, 50),
        system="wgs84",
        source="api",
        now=clock.now,
    )
    venue = register(world, away(ORIGIN, 110), now=clock.now)
    hit = ZoneHit.objects.get(venue=venue, rule__code="NET_CAFE_200")
    assert hit.distance_m == pytest.approx(10, abs=0.3)


@pytest.mark.parametrize("kind", ["hotel", "lottery", "stalls", "other"])
def test_a_venue_type_no_rule_lists_opens_no_case(world, clock, kind):
    zone_world(world)
    venue = register(world, away(ORIGIN, 60), kind=kind, now=clock.now, name="某店")
    assert not ZoneHit.objects.filter(venue=venue).exists()
    assert not ZoneCase.objects.filter(venue=venue).exists()


def test_a_rule_of_another_bureau_does_not_apply(world, clock):
    from safecampus.zones.loading import load_pack

    zone_world(world, packs=())
    load_pack(world.other_bureau, "safety_zone_gate", now=clock.now)
    venue = register(world, away(ORIGIN, 60), kind="game_hall", now=clock.now, name="厅")
    assert not ZoneCase.objects.filter(venue=venue).exists()


# --- the parents' waiting area ------------------------------------------------------------------


@pytest.mark.parametrize("metres, within", [(49, True), (51, False)])
def test_the_waiting_area_lies_within_50_m_of_the_gate(world, clock, metres, within):
    z = zone_world(world)
    assert selectors.waiting_rule_distance(world.school_a) == 50
    assert services.waiting_limit(world.school_a) == 50
    lon, lat = away(ORIGIN, metres, 180.0, geo.GCJ02)
    area = services.add_waiting_area(
        actor=centre(world),
        school_id=world.school_a.pk,
        name="南门家长等候区",
        lon=lon,
        lat=lat,
        system=geo.GCJ02,
        now=clock.now,
    )
    assert area.nearest_gate_id == z.gate_a.pk
    assert area.gate_distance_m == pytest.approx(metres, abs=0.3)
    assert (area.gate_distance_m <= selectors.waiting_rule_distance(world.school_a)) is within


def test_a_waiting_area_is_measured_again_when_the_gate_moves(world, clock):
    z = zone_world(world)
    area = services.add_waiting_area(
        actor=centre(world),
        school_id=world.school_a.pk,
        name="等候区",
        lon=away(ORIGIN, 40)[0],
        lat=away(ORIGIN, 40)[1],
        system=geo.WGS84,
        now=clock.now,
    )
    assert area.gate_distance_m == pytest.approx(40, abs=0.3)
    z.gate_a.delete()
    gate_at(world.school_a, *geo.offset(*ORIGIN, 270.0, 30.0))
    area.refresh_from_db()
    assert area.gate_distance_m == pytest.approx(70, abs=0.3)


def test_no_waiting_rule_no_limit(world, clock):
    zone_world(world, packs=())
    assert selectors.waiting_rule_distance(world.school_a) is None
