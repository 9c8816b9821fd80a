"""Pinned query counts of detection: one venue costs a fixed handful of queries, and checking
many venues costs the same number of queries as checking a few.

A bulk insert is one statement per table, which the backend may split into batches when the rows
exceed its limit of bound parameters (SQLite: 999); those batches grow with the rows written, one
per hundred or so, never per venue. So the comparisons count every statement but the inserts,
and require the same tables inserted into, with at most a few batches each.
"""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from safecampus.core import geo
from safecampus.core.roles import Role
from safecampus.core.testing import SchoolFactory, cover
from safecampus.zones import detection, services
from safecampus.zones.models import Venue, ZoneCase
from safecampus.zones.testing import ORIGIN, gate_at, venue_data, zone_world

pytestmark = [pytest.mark.django_db, pytest.mark.dates]

#: register_venue for one venue near three schools (checks, the venue and its event, the
#: measuring, the hits, two cases with their partners and events)
REGISTER_MAX = 29
#: check_venues for a chunk of venues, whatever its size
CHECK_MAX = 20


def three_schools(world):
    zone_world(world)
    c = SchoolFactory(bureau=world.bureau, name="丙中学", stage="junior")
    gate_at(c, *geo.offset(*ORIGIN, 90.0, 250.0))
    d = SchoolFactory(bureau=world.bureau, name="丁小学", stage="primary")
    gate_at(d, *geo.offset(*ORIGIN, 0.0, 250.0))
    cover(world.partner, c)
    return c, d


def make_venues(world, n, now, *, start=0):
    """``n`` internet cafés on a ring 120–180 m around school A's gate, written directly."""
    rows = []
    for i in range(start, start + n):
        lon, lat = geo.offset(*ORIGIN, (i * 37) % 360, 120 + (i % 60))
        rows.append(
            Venue(
                bureau=world.bureau,
                kind="internet_cafe",
                name=f"网吧{i}",
                longitude=f"{lon:.6f}",
                latitude=f"{lat:.6f}",
                coord_system=geo.WGS84,
                wgs_lon=lon,
                wgs_lat=lat,
                cell=geo.cell_of(lon, lat),
                source="import",
                created_at=now,
                updated_at=now,
                status_changed_at=now,
            )
        )
    Venue.objects.bulk_create(rows)
    return list(Venue.objects.filter(name__in=[r.name for r in rows]).order_by("pk"))


def test_registering_one_venue_near_three_schools(world, clock, django_assert_max_num_queries):
    three_schools(world)
    centre = world.users[Role.SAFETY_CENTRE]
    # 125 m east and 125 m north of school A's gate: 177 m from each of the three gates
    lon, lat = geo.offset(*geo.offset(*ORIGIN, 90.0, 125.0), 0.0, 125.0)
    data = venue_data((f"{lon:.6f}", f"{lat:.6f}"))
    with django_assert_max_num_queries(REGISTER_MAX):
        venue = services.register_venue(
            actor=centre, bureau_id=world.bureau.pk, data=data, now=clock.now
        )
    assert ZoneCase.objects.filter(venue=venue).count() == 3


class Shape:
    """The statements of a run: every statement but the inserts, and the inserts per table."""

    def __init__(self, ctx):
        self.total = len(ctx)
        self.inserts: dict[str, int] = {}
        self.others = 0
        for query in ctx.captured_queries:
            # PostgreSQL writes many rows by COPY, after taking their keys from the sequence
            found = re.match(r'\s*(?:INSERT INTO|COPY) "(\w+)"', query["sql"]) or re.match(
                r"\s*SELECT nextval\(pg_get_serial_sequence\('(\w+)'", query["sql"]
            )
            if found:
                self.inserts[found[1]] = self.inserts.get(found[1], 0) + 1
            else:
                self.others += 1

    def same_as(self, other) -> bool:
        return (
            self.others == other.others
            and set(self.inserts) == set(other.inserts)
            and all(n <= 3 for n in self.inserts.values())
        )

    def __repr__(self):
        return f"<{self.others} statements, inserts {self.inserts}>"


def count_check(venues, now):
    with CaptureQueriesContext(connection) as ctx:
        counts = detection.check_venues(venues, now=now)
    return Shape(ctx), counts


def test_checking_a_chunk_costs_the_same_for_5_and_50_venues(world, clock):
    three_schools(world)
    few, few_counts = count_check(make_venues(world, 5, clock.now), clock.now)
    many, many_counts = count_check(make_venues(world, 50, clock.now, start=5), clock.now)
    assert few_counts["opened"] >= 5 and many_counts["opened"] >= 50
    assert many.same_as(few), (few, many)
    assert many.total <= CHECK_MAX


def test_checking_again_costs_the_same_as_checking_first(world, clock):
    three_schools(world)
    venues = make_venues(world, 50, clock.now)
    first, _ = count_check(venues, clock.now)
    again, counts = count_check(venues, clock.now)
    assert counts["opened"] == 0 and counts["revised"] == 0 and counts["lapsed"] == 0
    assert again.total <= first.total


def count_recheck(world, now):
    with CaptureQueriesContext(connection) as ctx:
        counts = detection.recheck_bureau(world.bureau.pk, now=now)
    return Shape(ctx), counts


def test_the_bureau_check_costs_the_same_for_20_and_60_venues(world, clock):
    three_schools(world)
    make_venues(world, 20, clock.now)
    twenty, counts = count_recheck(world, clock.now)
    assert counts["venues"] == 20 and counts["opened"] >= 20
    make_venues(world, 40, clock.now, start=20)
    sixty, counts = count_recheck(world, clock.now)
    assert counts["venues"] == 60 and counts["opened"] >= 40
    assert sixty.same_as(twenty), (twenty, sixty)
