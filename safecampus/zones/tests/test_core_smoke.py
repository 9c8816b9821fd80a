"""The core of the zone: a venue near a gate opens one case, the partner records a closure, the
department verifies; moving a gate measures again."""

import datetime

import pytest

from safecampus.core.roles import Role
from safecampus.zones import services
from safecampus.zones.choices import CaseStatus, VenueStatus
from safecampus.zones.models import ZoneCase, ZoneHit
from safecampus.zones.testing import ORIGIN, away, square, venue_data, zone_world

pytestmark = [pytest.mark.django_db, pytest.mark.dates]


def test_a_venue_150_m_from_the_gate_opens_a_case_and_runs_to_closure(world, clock):
    z = zone_world(world)
    centre = world.users[Role.SAFETY_CENTRE]
    venue = services.register_venue(
        actor=centre, bureau_id=world.bureau.pk, data=venue_data(away(ORIGIN, 150))
    )
    case = ZoneCase.objects.get(venue=venue)
    assert case.school_id == world.school_a.pk
    assert case.department_id == z.law.pk
    assert 149 < case.distance_m < 151
    assert world.partner.pk in case.partner_id_set()
    assert sorted(case.rule_codes) == ["NET_CAFE_200", "ZONE_GATE_200"]

    case = services.act_on_case(
        actor=z.law_officer,
        case_id=case.pk,
        action="assign",
        data={"deadline": clock.today + datetime.timedelta(days=20), "note": "限期整改"},
    )
    assert case.status == CaseStatus.RECTIFYING
    case = services.act_on_case(
        actor=world.users[Role.PARTNER],
        case_id=case.pk,
        action="record_closure",
        data={"note": "已关停"},
    )
    assert case.status == CaseStatus.SUBMITTED
    venue.refresh_from_db()
    assert venue.status == VenueStatus.CLOSED
    case = services.act_on_case(
        actor=z.law_officer, case_id=case.pk, action="verify", data={"note": "核实关停"}
    )
    assert case.status == CaseStatus.CLOSED


def test_201_m_is_outside_and_a_boundary_brings_it_inside(world, clock):
    zone_world(world)
    centre = world.users[Role.SAFETY_CENTRE]
    venue = services.register_venue(
        actor=centre, bureau_id=world.bureau.pk, data=venue_data(away(ORIGIN, 201))
    )
    assert not ZoneCase.objects.filter(venue=venue).exists()
    # the campus lies east of the gate: its wall comes within 101 m of the café
    ring = square((ORIGIN[0] + 0.0005, ORIGIN[1]), 50)
    services.save_boundary(
        actor=centre, school_id=world.school_a.pk, vertices=ring, system="wgs84", source="api"
    )
    hit = ZoneHit.objects.get(venue=venue, rule__code="NET_CAFE_200")
    assert hit.line == "boundary"
    assert ZoneCase.objects.filter(venue=venue, status="open").count() == 1
