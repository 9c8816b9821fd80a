"""Every shipped rule at its threshold and one below, through ``services.update_facts``: the
school's card (``SchoolStanding.results``) and its findings."""

import datetime

import pytest
from django.utils import timezone

from safecampus.core.roles import Role
from safecampus.standards.choices import FindingStatus, Outcome
from safecampus.standards.models import Finding, SchoolStanding
from safecampus.standards.testing import (
    compliant_gate,
    compliant_values,
    record_facts,
    standards_world,
)

pytestmark = pytest.mark.dates

NOW = timezone.make_aware(datetime.datetime(2026, 12, 1, 10))
TODAY = datetime.date(2026, 12, 1)
SH, GB, SD, ZJ = ("shanghai",), ("gb29315",), ("shandong",), ("zhejiang",)
PASS, FAIL, NA, UNKNOWN = Outcome.PASS, Outcome.FAIL, Outcome.NA, Outcome.UNKNOWN


def days_ago(n: int) -> str:
    return (TODAY - datetime.timedelta(days=n)).isoformat()


def judge(world, codes, *, school=None, values=None, gates=None, gate=None):
    """Record facts for school A (shaped by ``school``) under a policy of ``codes``; the card."""
    standards_world(world, codes=codes)
    shape = {"gate_count": 1, "students": 800, "stage": "primary", **(school or {})}
    for name, value in shape.items():
        setattr(world.school_a, name, value)
    world.school_a.save()
    if gates is None:
        gates = [compliant_gate(**(gate or {})) for _ in range(world.school_a.gate_count)]
    record_facts(
        world.school_a,
        world.users[Role.SCHOOL_OFFICER],
        values=compliant_values(**(values or {})),
        gates=gates,
        now=NOW,
    )
    return SchoolStanding.objects.get(school=world.school_a)


def check(standing, key, outcome, required=None):
    result = standing.results[key]
    assert result["o"] == outcome, (key, result)
    if required is not None:
        assert result["req"] == required, (key, result)
    findings = Finding.objects.filter(school=standing.school, key=key, status=FindingStatus.OPEN)
    assert findings.exists() == (outcome == FAIL)
    return result


# --- Shanghai --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "total", "each"),
    [
        ((2, 2), PASS, PASS),
        ((3, 1), PASS, FAIL),  # enough in total, one gate short
        ((2, 1), FAIL, FAIL),
    ],
)
def test_shanghai_day_guards_per_gate(world, day, total, each):
    gates = [compliant_gate(guards_day=n) for n in day]
    standing = judge(world, SH, school={"gate_count": 2}, gates=gates)
    check(standing, "guards.day", total, 4)
    check(standing, "guards.day.each_gate", each, 2)


@pytest.mark.parametrize(
    ("boarding", "night", "outcome"),
    [(False, 1, PASS), (False, 0, FAIL), (True, 2, PASS), (True, 1, FAIL)],
)
def test_shanghai_night_guards(world, boarding, night, outcome):
    shape = {"boarding": boarding, "boarders": 200 if boarding else 0}
    standing = judge(world, SH, school=shape, gate={"guards_night": night})
    key = "guards.night.boarding" if boarding else "guards.night"
    other = "guards.night" if boarding else "guards.night.boarding"
    check(standing, key, outcome, 2 if boarding else 1)
    check(standing, other, NA)


@pytest.mark.parametrize(
    ("stage", "peak", "outcome"),
    [
        ("primary", 6, PASS),
        ("primary", 5, FAIL),
        ("kindergarten", 6, PASS),
        ("kindergarten", 5, FAIL),
        ("junior", 0, NA),
    ],
)
def test_shanghai_peak_guards(world, stage, peak, outcome):
    gates = [compliant_gate(guards_peak=peak // 2), compliant_gate(guards_peak=peak - peak // 2)]
    standing = judge(world, SH, school={"stage": stage, "gate_count": 2}, gates=gates)
    check(standing, "guards.peak", outcome, None if outcome == NA else 6)


@pytest.mark.parametrize(("days", "outcome"), [(30, PASS), (29, FAIL)])
def test_shanghai_video_days(world, days, outcome):
    check(judge(world, SH, values={"video_days": days}), "video.days", outcome, 30)


@pytest.mark.parametrize(("ago", "outcome"), [(30, PASS), (31, FAIL)])
def test_shanghai_alarm_tested(world, ago, outcome):
    standing = judge(world, SH, values={"alarm_tested_on": days_ago(ago)})
    result = check(standing, "alarm.tested", outcome, 30)
    assert result["act"] == ago


@pytest.mark.parametrize(
    ("values", "key"),
    [
        ({"perimeter_armed_24h": False}, "perimeter"),
        ({"perimeter_alarm": False}, "perimeter"),
        ({"closed_management": False}, "closed_management"),
        ({"guards_fulltime": False}, "guards.fulltime"),
        ({"alarm_installed": False}, "alarm.installed"),
    ],
)
def test_shanghai_checks(world, values, key):
    check(judge(world, SH), key, PASS)
    check(judge(world, SH, values=values), key, FAIL)


def test_shanghai_gate_video_must_be_linked(world):
    check(judge(world, SH, gate={"video_linked": False}), "video.gates", FAIL, 0)


@pytest.mark.parametrize(
    ("canteen", "values", "outcome"),
    [
        (False, {"video_canteen": False}, NA),
        (True, {"video_canteen": True}, PASS),
        (True, {"video_canteen_linked": False}, FAIL),
    ],
)
def test_shanghai_canteen_video_only_with_a_canteen(world, canteen, values, outcome):
    standing = judge(world, SH, school={"has_canteen": canteen}, values=values)
    check(standing, "video.canteen", outcome)


@pytest.mark.parametrize(
    ("canteen", "online", "outcome"), [(False, False, NA), (True, True, PASS), (True, False, FAIL)]
)
def test_shanghai_food_traceability(world, canteen, online, outcome):
    standing = judge(
        world, SH, school={"has_canteen": canteen}, values={"food_trace_online": online}
    )
    check(standing, "food_trace", outcome)


@pytest.mark.parametrize(
    ("codes", "lab", "values", "outcome", "winner"),
    [
        (SH, False, {"lab_safe": False, "video_lab": False}, NA, None),
        (SH, True, {}, PASS, None),
        # the national rule asks for a security door OR a safe; Shanghai for both
        (GB, True, {"lab_safe": False}, PASS, "gb29315"),
        (SH, True, {"lab_safe": False}, FAIL, "shanghai"),
        (("shanghai", "gb29315"), True, {"lab_safe": False}, FAIL, "shanghai"),
        (GB, True, {"lab_intrusion": False}, FAIL, "gb29315"),
    ],
)
def test_lab_security_only_with_a_chemistry_lab(world, codes, lab, values, outcome, winner):
    standing = judge(world, codes, school={"has_chem_lab": lab}, values=values)
    result = check(standing, "lab.security", outcome)
    if winner:
        assert result["set"] == winner


@pytest.mark.parametrize(("teachers", "outcome"), [(1, PASS), (0, FAIL)])
def test_shanghai_safety_teacher(world, teachers, outcome):
    standing = judge(world, SH, values={"safety_teachers": teachers})
    check(standing, "safety_teachers", outcome, 1)


# --- GB/T 29315-2022 -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("students", "guards", "outcome", "required"),
    [
        (99, 1, PASS, 1),
        (99, 0, FAIL, 1),
        (1000, 3, PASS, 3),
        (1000, 2, FAIL, 3),
        (1500, 4, PASS, 4),
        (1500, 3, FAIL, 4),
        (1499, 3, PASS, 3),
        (2000, 4, FAIL, 5),
        (500, 0, NA, None),  # the 100–999 band is not applied
        (999, 0, NA, None),
        (100, 0, NA, None),
    ],
)
def test_national_headcount_bands(world, students, guards, outcome, required):
    standing = judge(world, GB, school={"students": students}, gate={"guards_day": guards})
    check(standing, "guards.day", outcome, required)


def test_national_headcount_counts_non_boarders(world):
    shape = {"students": 1200, "boarding": True, "boarders": 300}
    standing = judge(world, GB, school=shape, gate={"guards_day": 0})
    check(standing, "guards.day", NA)  # 900 non-boarders: the unverified band


def test_national_gatehouse_24h(world):
    check(judge(world, GB), "gatehouse.24h", PASS)
    check(judge(world, GB, values={"gatehouse_24h": False}), "gatehouse.24h", FAIL)


@pytest.mark.parametrize(("patrols", "outcome"), [(5, PASS), (4, FAIL)])
def test_national_patrols(world, patrols, outcome):
    standing = judge(world, GB, values={"patrols_per_day": patrols})
    check(standing, "patrols", outcome, 5)


@pytest.mark.parametrize(
    ("gate", "key"),
    [
        ({"barrier": False}, "barriers"),
        ({"alarm": False}, "gatehouse.alarm"),
        ({"video": False}, "video.gates"),
    ],
)
def test_national_gate_equipment(world, gate, key):
    gates = [compliant_gate(), compliant_gate(**gate)]
    standing = judge(world, GB, school={"gate_count": 2}, gates=gates)
    result = check(standing, key, FAIL, 0)
    assert result["act"] == 1
    check(judge(world, GB, school={"gate_count": 2}), key, PASS)


# --- Shandong: 4个100% -----------------------------------------------------------------------


def test_shandong_compliant_school_meets_all_four(world):
    standing = judge(world, SD)
    assert (standing.four_guards, standing.four_closed) == (True, True)
    assert (standing.four_alarm_video, standing.four_escort) == (True, True)


@pytest.mark.parametrize(
    ("values", "gate", "key", "part"),
    [
        ({"guards_fulltime": False}, {}, "guards.fulltime", "four_guards"),
        ({"guards_certified": 11}, {}, "guards.certified", "four_guards"),
        ({"closed_management": False}, {}, "closed_management", "four_closed"),
        ({"alarm_installed": False}, {}, "alarm.installed", "four_alarm_video"),
        ({}, {"video": False}, "video.gates", "four_alarm_video"),
        ({"escort_with_police": False}, {}, "escort.police", "four_escort"),
    ],
)
def test_shandong_four_parts(world, values, gate, key, part):
    standing = judge(world, SD, values=values, gate=gate)
    check(standing, key, FAIL)
    assert getattr(standing, part) is False
    others = {"four_guards", "four_closed", "four_alarm_video", "four_escort"} - {part}
    assert all(getattr(standing, p) is True for p in others)


def test_shandong_asks_what_its_source_asks_and_no_more(world):
    # 002 §二.3 asks for one-button alarms and closed management to be in place; linking the
    # alarm to the police and a gatehouse staffed 24 h are other requirements
    standing = judge(world, SD, values={"alarm_linked": False, "gatehouse_24h": False})
    check(standing, "alarm.installed", PASS)
    check(standing, "closed_management", PASS)
    assert (standing.four_alarm_video, standing.four_closed) == (True, True)


def test_shandong_part_unknown_when_facts_missing(world):
    standing = judge(world, SD, values={"escort_with_police": None})
    check(standing, "escort.police", UNKNOWN)
    assert standing.four_escort is None


# --- Zhejiang ------------------------------------------------------------------------------


@pytest.mark.parametrize(("members", "outcome"), [(5, PASS), (4, FAIL)])
def test_zhejiang_escort_size(world, members, outcome):
    standing = judge(world, ZJ, values={"escort_members": members})
    check(standing, "escort.size", outcome, 5)


def test_zhejiang_escort_led_by_a_leader(world):
    check(judge(world, ZJ), "escort.leader", PASS)
    check(judge(world, ZJ, values={"escort_led_by_leader": False}), "escort.leader", FAIL)


@pytest.mark.parametrize(("ago", "outcome"), [(365, PASS), (366, FAIL)])
def test_zhejiang_training_within_a_year(world, ago, outcome):
    standing = judge(world, ZJ, values={"guard_training_on": days_ago(ago)})
    check(standing, "guards.training", outcome, 365)


def test_zhejiang_barriers(world):
    check(judge(world, ZJ), "barriers", PASS)
    check(judge(world, ZJ, gate={"barrier": False}), "barriers", FAIL)
