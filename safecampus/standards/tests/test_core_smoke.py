"""The engine end to end on the small world: facts, findings, hazards, take the stricter."""

import datetime

import pytest
from django.utils import timezone

from safecampus.core.roles import Role
from safecampus.hazards.choices import Source, Status
from safecampus.standards import services
from safecampus.standards.choices import FindingStatus, Outcome
from safecampus.standards.models import Finding, SchoolStanding, StandardsTally
from safecampus.standards.testing import (
    compliant_gate,
    compliant_values,
    record_facts,
    standards_world,
)

pytestmark = pytest.mark.dates

INTERIM = {
    "interim_measures": "上放学时段由教师补位值守",
    "interim_unit": "甲小学",
    "interim_person": "王校长",
    "interim_deadline": "2026-12-31",
}
NOW = timezone.make_aware(datetime.datetime(2026, 12, 1, 10))


@pytest.fixture
def sw(world):
    standards_world(world)
    world.school_a.gate_count = 3
    world.school_a.students = 800
    world.school_a.save()
    return world


def test_compliant_school_passes_everything(sw):
    school_user = sw.users[Role.SCHOOL_OFFICER]
    record_facts(sw.school_a, school_user, now=NOW)
    standing = SchoolStanding.objects.get(school=sw.school_a)
    fails = {k: r for k, r in standing.results.items() if r["o"] == Outcome.FAIL}
    assert fails == {}
    assert standing.four_guards is True and standing.four_alarm_video is True
    assert not Finding.objects.exists()


def test_day_guards_fail_with_explanation_and_hazard(sw):
    school_user = sw.users[Role.SCHOOL_OFFICER]
    gates = [
        compliant_gate(guards_day=2),
        compliant_gate(guards_day=1),
        compliant_gate(guards_day=1),
    ]
    record_facts(sw.school_a, school_user, gates=gates, now=NOW)
    finding = Finding.objects.get(school=sw.school_a, key="guards.day")
    assert finding.explanation == "本校3个校门，白天应至少配备6名保安员，现有4名"
    assert finding.rule_set_code == "shanghai"
    assert finding.department == sw.department
    dept = sw.users[Role.DEPARTMENT_OFFICER]
    services.raise_hazard(actor=dept, finding_id=finding.pk, now=NOW, interim=INTERIM)
    finding.refresh_from_db()
    assert finding.hazard.source == Source.RULE_FINDING
    assert finding.hazard.status == Status.REPORTED
    # facts comply again: the finding resolves and its hazard is offered for acceptance
    record_facts(sw.school_a, school_user, now=NOW + datetime.timedelta(days=1))
    finding.refresh_from_db()
    assert finding.status == FindingStatus.RESOLVED
    finding.hazard.refresh_from_db()
    assert finding.hazard.status == Status.SUBMITTED


def test_stricter_takes_the_national_headcount(sw):
    sw.school_a.gate_count = 1
    sw.school_a.students = 1600
    sw.school_a.save()
    school_user = sw.users[Role.SCHOOL_OFFICER]
    record_facts(sw.school_a, school_user, gates=[compliant_gate(guards_day=3)], now=NOW)
    finding = Finding.objects.get(school=sw.school_a, key="guards.day")
    assert finding.rule_set_code == "gb29315"
    assert finding.required == "4" and finding.actual == "3"


def test_tally_follows_changes_and_bulk_recount_agrees(sw):
    school_user = sw.users[Role.SCHOOL_OFFICER]
    record_facts(sw.school_a, school_user, values=compliant_values(video_days=15), now=NOW)
    live = {
        (t.key, t.stage, t.outcome): t.count
        for t in StandardsTally.objects.filter(bureau=sw.bureau)
        if t.count
    }
    assert live[("video.days", sw.school_a.stage, Outcome.FAIL)] == 1
    services.evaluate_bureau(sw.bureau, now=NOW)
    recount = {
        (t.key, t.stage, t.outcome): t.count
        for t in StandardsTally.objects.filter(bureau=sw.bureau)
        if t.count
    }
    # the bulk run also evaluated school B (no facts: unknown), A is as before
    assert recount[("video.days", sw.school_a.stage, Outcome.FAIL)] == 1
    assert SchoolStanding.objects.filter(bureau=sw.bureau).count() == 2
