"""Facts over time and bad input: the facts on a past date, rules refused at publishing with the
position of the error, facts out of range refused with nothing changed, unknown facts never a
finding."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from safecampus.core.roles import Role
from safecampus.standards import services
from safecampus.standards.choices import Outcome, VersionStatus
from safecampus.standards.models import (
    FactsRevision,
    Finding,
    Rule,
    RuleSetVersion,
    SchoolStanding,
    SecurityFacts,
)
from safecampus.standards.testing import (
    compliant_gate,
    compliant_values,
    record_facts,
    standards_world,
)

pytestmark = pytest.mark.dates


def at(day, hour=10):
    return timezone.make_aware(datetime.datetime(2026, 12, day, hour))


@pytest.fixture
def sw(world):
    standards_world(world)
    return world


def test_facts_as_of_a_past_date_after_two_changes(sw):
    school, user = sw.school_a, sw.users[Role.SCHOOL_OFFICER]
    record_facts(school, user, values=compliant_values(video_days=30), now=at(2))
    services.update_facts(actor=user, school_id=school.pk, values={"video_days": 15}, now=at(10))
    services.update_facts(
        actor=user, school_id=school.pk, values={"video_days": 45}, now=at(20, 23)
    )
    assert services.facts_as_of(school, datetime.date(2026, 12, 1)) is None
    for day, days in ((2, 30), (9, 30), (10, 15), (19, 15), (20, 45), (30, 45)):
        revision = services.facts_as_of(school, datetime.date(2026, 12, day))
        assert revision.data["school"]["video_days"] == days, day
    second = services.facts_as_of(school, datetime.date(2026, 12, 15))
    assert second.changes == {"video_days": [30, 15]}


def draft_with(sw, **fields):
    centre = sw.users[Role.SAFETY_CENTRE]
    rule_set = services.create_rule_set(
        actor=centre, bureau=sw.bureau, code="own", name="本区规则集"
    )
    draft = services.draft_of(actor=centre, rule_set_id=rule_set.pk)
    data = {
        "key": "bad",
        "title": "测试",
        "pillar": "people",
        "kind": "min",
        "measure": "guards_day",
        "threshold": "2",
        "clause": "测试条款",
        "explanation": "应为{required}",
        **fields,
    }
    # written past the service's own check, as an older release or an import might have
    Rule.objects.create(version=draft, **data)
    return centre, draft


@pytest.mark.parametrize(
    ("fields", "field", "needle"),
    [
        ({"threshold": "2 * gate_cnt"}, "threshold", "gate_cnt"),
        ({"measure": "guards_day +"}, "measure", "13"),
        ({"kind": "check", "condition": "closed_management and"}, "condition", "22"),
        ({"applies": "stage == "}, "applies", "9"),
    ],
)
def test_publishing_refuses_a_bad_rule_with_its_position(sw, fields, field, needle):
    centre, draft = draft_with(sw, **fields)
    with pytest.raises(ValidationError) as caught:
        services.publish(actor=centre, version_id=draft.pk)
    messages = caught.value.message_dict[f"bad.{field}"]
    assert any(needle in m for m in messages), messages
    assert any(ch.isdigit() for m in messages for ch in m), messages  # the position
    assert RuleSetVersion.objects.get(pk=draft.pk).status == VersionStatus.DRAFT


def test_saving_a_rule_naming_an_unknown_fact_is_refused(sw):
    centre = sw.users[Role.SAFETY_CENTRE]
    rule_set = services.create_rule_set(actor=centre, bureau=sw.bureau, code="own2", name="本区")
    draft = services.draft_of(actor=centre, rule_set_id=rule_set.pk)
    with pytest.raises(ValidationError) as caught:
        services.save_rule(
            actor=centre,
            version_id=draft.pk,
            data={
                "key": "x",
                "title": "测试",
                "pillar": "people",
                "kind": "min",
                "measure": "guard_count",
                "threshold": "1",
                "clause": "测试条款",
                "explanation": "应为{required}",
            },
        )
    assert "measure" in caught.value.message_dict
    assert not draft.rules.exists()


@pytest.mark.parametrize(
    ("values", "gates", "field"),
    [
        ({"guards_total": 201}, None, "guards_total"),
        ({"video_days": -1}, None, "video_days"),
        ({"guards_certified": 13}, None, "guards_certified"),  # more than employed
        ({"guards_fulltime": "maybe"}, None, "guards_fulltime"),
        ({"alarm_tested_on": "2027-01-05"}, None, "alarm_tested_on"),  # in the future
        ({"no_such_fact": 1}, None, "no_such_fact"),
        ({}, [compliant_gate(guards_day=51)], "gate1.guards_day"),
    ],
)
def test_facts_out_of_range_are_refused_and_nothing_changes(sw, values, gates, field):
    school, user = sw.school_a, sw.users[Role.SCHOOL_OFFICER]
    record_facts(school, user, now=at(2))
    before = (
        SecurityFacts.objects.get(school=school).version,
        FactsRevision.objects.filter(school=school).count(),
        SchoolStanding.objects.get(school=school).results,
    )
    with pytest.raises(ValidationError) as caught:
        services.update_facts(
            actor=user,
            school_id=school.pk,
            values=values,
            gates=gates,
            now=at(30),
        )
    assert field in caught.value.message_dict
    after = (
        SecurityFacts.objects.get(school=school).version,
        FactsRevision.objects.filter(school=school).count(),
        SchoolStanding.objects.get(school=school).results,
    )
    assert after == before
    assert SecurityFacts.objects.get(school=school).video_days == 30


def test_unknown_facts_are_facts_missing_never_a_finding(sw):
    school, user = sw.school_a, sw.users[Role.SCHOOL_OFFICER]
    values = compliant_values(video_days=None, alarm_tested_on=None, closed_management=None)
    record_facts(school, user, values=values, gates=[compliant_gate(guards_day=None)], now=at(2))
    results = SchoolStanding.objects.get(school=school).results
    for key, fact in (
        ("video.days", "video_days"),
        ("alarm.tested", "days_since_alarm_test"),
        ("closed_management", "closed_management"),
        ("guards.day", "guards_day"),
        ("guards.day.each_gate", "min_guards_day_per_gate"),
    ):
        assert results[key]["o"] == Outcome.UNKNOWN, key
        assert fact in results[key]["missing"], key
    assert not Finding.objects.filter(school=school).exists()
    standing = SchoolStanding.objects.get(school=school)
    assert standing.unknown >= 5 and standing.failing == 0


def test_a_school_with_no_facts_has_no_finding(sw):
    services.evaluate_school(sw.school_b, now=at(2))
    standing = SchoolStanding.objects.get(school=sw.school_b)
    assert standing.failing == 0 and standing.unknown > 0
    assert not Finding.objects.filter(school=sw.school_b).exists()
