"""The demo's student safety zone: venues around the demo schools checked, cases for the demo
primary school, the police partner named on some and acting on them, and the vectorised check
finding exactly what measuring one pair at a time finds."""

import random

import pytest

from safecampus.accounts.models import User
from safecampus.core import geo
from safecampus.orgs.models import PartnerUnit
from safecampus.zones import detection
from safecampus.zones.choices import CaseStatus
from safecampus.zones.models import SchoolBoundary, Venue, WaitingArea, ZoneCase, ZoneRule

pytestmark = pytest.mark.dates


@pytest.fixture
def seeded(demo_district):
    """The shared demo district (conftest.py: seeded once for the tests that read it)."""
    return demo_district


def test_the_demo_district_has_venues_and_cases(seeded):
    district = seeded
    assert {r.code for r in ZoneRule.objects.filter(bureau=district)} == {
        "MH_AROUND_200",
        "ZONE_GATE_200",
        "WAITING_50",
    }
    assert PartnerUnit.objects.filter(bureau=district, kind="culture").exists()
    venues = Venue.objects.filter(bureau=district)
    assert venues.count() >= 150
    assert {v.coord_system for v in venues} == {geo.WGS84, geo.GCJ02, geo.BD09}
    assert SchoolBoundary.objects.filter(bureau=district).exists()
    areas = WaitingArea.objects.filter(bureau=district)
    assert areas.filter(gate_distance_m__lte=50).exists()
    assert areas.filter(gate_distance_m__gt=50).exists()

    school = User.objects.get(username="school").role_assignments.first().school
    kg = User.objects.get(username="kg").role_assignments.first().school
    assert ZoneCase.objects.filter(school=school).count() >= 3
    assert ZoneCase.objects.filter(school=kg).exists()
    # a venue between two schools: one case for each
    assert (
        ZoneCase.objects.filter(bureau=district)
        .values("venue_id")
        .annotate(n=__import__("django.db.models", fromlist=["Count"]).Count("pk"))
        .filter(n__gte=2)
        .exists()
    )
    statuses = set(ZoneCase.objects.filter(school=school).values_list("status", flat=True))
    assert {CaseStatus.CLOSED, CaseStatus.RECTIFYING, CaseStatus.SUBMITTED} <= statuses

    police = User.objects.get(username="police")
    seen = ZoneCase.objects.visible_to(police)
    assert seen.exists()
    assert seen.filter(events__actor=police).exists()
    assert (
        not ZoneCase.objects.visible_to(User.objects.get(username="school"))
        .exclude(school=school)
        .exists()
    )


def test_the_batch_finds_what_measuring_one_pair_finds(seeded):
    district = seeded
    ctx = detection.Context()
    ctx.need([district.pk])
    sites = list(detection.sites_of(district.schools.values_list("pk", flat=True)).values())
    rng = random.Random(3)
    batch = detection.Batch(ctx.rules)
    expected = {}
    n = 0
    for site in sites:
        if not site.gates:
            continue
        for _ in range(6):
            lon, lat = geo.offset(
                site.gates[0][2], site.gates[0][3], rng.uniform(0, 360), rng.uniform(0, 260)
            )
            kind = rng.choice(["internet_cafe", "entertainment", "hotel", "polluting"])
            batch.add(n, lon, lat, kind, site)
            expected[n] = detection.measure(lon, lat, kind, site, ctx.rules[site.bureau_id])
            n += 1
    got = batch.run()
    for key, found in expected.items():
        mine = got.get(key, [])
        assert [(f.school_id, f.rule_id, f.line, f.gate_id) for f in mine] == [
            (f.school_id, f.rule_id, f.line, f.gate_id) for f in found
        ]
        assert all(abs(a.distance - b.distance) < 1e-6 for a, b in zip(mine, found, strict=True))
    assert sum(len(f) for f in expected.values()) > 20
