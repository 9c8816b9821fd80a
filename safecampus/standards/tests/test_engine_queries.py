"""Pinned query counts: one school's evaluation does not grow with its rules or gates; a
bureau's evaluation queries per chunk, not per school."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from safecampus.core.roles import Role
from safecampus.core.testing import SchoolFactory
from safecampus.standards import engine, services
from safecampus.standards.models import SchoolStanding, SecurityFacts, StandardsTally
from safecampus.standards.testing import compliant_values, record_facts, standards_world

pytestmark = pytest.mark.dates

NOW = timezone.make_aware(datetime.datetime(2026, 12, 1, 10))


def queries(fn) -> int:
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx)


def school_queries(world, codes, gates):
    standards_world(world, codes=codes)
    school = world.school_a
    school.gate_count = gates
    school.save()
    record_facts(school, world.users[Role.SCHOOL_OFFICER], now=NOW)
    effective = engine.effective_rules(world.bureau)

    def run():
        return queries(lambda: services.evaluate_school(school, now=NOW, effective=effective))

    same = run()  # nothing changed: the card is written, the figures do not move
    SecurityFacts.objects.filter(school=school).update(video_days=15, patrols_per_day=1)
    failed = run()  # two requirements fail: the figures move, two findings open
    SecurityFacts.objects.filter(school=school).update(video_days=30, patrols_per_day=6)
    passed = run()  # they comply again: the findings resolve
    return same, failed, passed, len(SchoolStanding.objects.get(school=school).results)


@pytest.mark.parametrize("gates", [1, 4])
@pytest.mark.parametrize("codes", [("gb29315", "shanghai"), ("shanghai", "gb29315", "zhejiang")])
def test_one_school_issues_a_fixed_number_of_queries(world, codes, gates):
    same, failed, passed, rules = school_queries(world, codes, gates)
    assert rules >= 19
    # the same fixed counts whatever the rules and gates (opening and resolving findings
    # costs per finding, not per rule; moving the figures takes the bureau's figures lock)
    assert (same, failed, passed) == (5, 19, 13), (codes, gates, rules)
    # the live figures agree with a recount from the cards
    live = tally(world.bureau)
    services.recount_tally(world.bureau.pk)
    assert tally(world.bureau) == live


def tally(bureau):
    return {
        (t.key, t.stage, t.outcome): t.count
        for t in StandardsTally.objects.filter(bureau=bureau)
        if t.count
    }


def test_a_bureau_queries_per_chunk_not_per_school(world):
    standards_world(world)
    for _ in range(6):
        SchoolFactory(bureau=world.bureau, gate_count=2)
    centre = world.users[Role.SAFETY_CENTRE]
    for school in world.bureau.schools.all()[:4]:
        record_facts(school, centre, values=compliant_values(), now=NOW)
    services.evaluate_bureau(world.bureau, now=NOW)
    small = queries(lambda: services.evaluate_bureau(world.bureau, now=NOW, chunk=500))
    for _ in range(20):
        SchoolFactory(bureau=world.bureau, gate_count=3)
    services.evaluate_bureau(world.bureau, now=NOW)
    large = queries(lambda: services.evaluate_bureau(world.bureau, now=NOW, chunk=500))
    assert small == large, (small, large)
    # a chunk costs the same fixed number of queries
    chunked = queries(lambda: services.evaluate_bureau(world.bureau, now=NOW, chunk=10))
    assert chunked - large == 2 * PER_CHUNK, (large, chunked)


PER_CHUNK = 8
