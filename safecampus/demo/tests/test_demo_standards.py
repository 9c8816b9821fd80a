"""The demo's security standards: the shipped rule sets, 闵行's policy, facts for its schools
(most compliant, some short), every school evaluated and two findings already hazards."""

import pytest

from safecampus.accounts.models import User
from safecampus.hazards.choices import Source
from safecampus.standards import selectors
from safecampus.standards.choices import FindingStatus, Outcome
from safecampus.standards.models import Finding, SchoolStanding, SecurityFacts, StandardsPolicy

pytestmark = pytest.mark.dates


@pytest.fixture
def seeded(demo_district):
    """The shared demo district (conftest.py: seeded once for the tests that read it)."""
    return demo_district


def test_the_demo_district_has_standards_evaluated(seeded):
    district = seeded
    policy = StandardsPolicy.objects.get(bureau=district)
    assert [e.rule_set.code for e in policy.entries.order_by("position")] == [
        "shanghai",
        "gb29315",
    ]
    schools = district.schools.filter(is_active=True)
    assert SchoolStanding.objects.filter(bureau=district).count() == schools.count()
    # one school has not filled in its facts: unknown, never a finding
    blank = schools.exclude(pk__in=SecurityFacts.objects.values("school_id")).get()
    card = SchoolStanding.objects.get(school=blank)
    assert card.failing == 0 and card.unknown > 0
    assert not Finding.objects.filter(school=blank).exists()
    # most comply with everything
    clean = SchoolStanding.objects.filter(bureau=district, failing=0, unknown=0).count()
    assert clean >= schools.count() * 0.7
    keys = set(
        Finding.objects.filter(bureau=district, status=FindingStatus.OPEN).values_list(
            "key", flat=True
        )
    )
    assert {"guards.night", "video.days", "guards.peak"} <= keys
    kg = User.objects.get(username="kg").role_assignments.first().school
    assert SchoolStanding.objects.get(school=kg).results["guards.peak"]["o"] == Outcome.FAIL
    school = User.objects.get(username="school").role_assignments.first().school
    assert SchoolStanding.objects.get(school=school).failing == 0
    hazards = Finding.objects.filter(bureau=district, hazard__isnull=False)
    assert hazards.count() == 2
    assert {f.hazard.source for f in hazards} == {Source.RULE_FINDING}
    # the centre's figures read
    centre = User.objects.get(username="centre")
    rows = {r["key"]: r for r in selectors.requirement_rows(centre)["rows"]}
    assert rows["video.days"][Outcome.FAIL] >= 1
    four = {f["part"]: f for f in selectors.four100_figures(centre)}
    assert four["guards"]["pass"] >= 1
