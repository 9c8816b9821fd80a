"""What a review of the first version found, held in place: take the stricter does not depend
on the policy's order; extending never drops a parent's requirement; a finding whose rule no
longer applies lapses without offering its hazard; the preview reads a draft through the sets
that extend it; verification is refused on a stale page and for one's own change; the shipped
loader never takes over a bureau's set; publishing and policy changes are events."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from safecampus.core.roles import Role
from safecampus.hazards.choices import Status
from safecampus.standards import services
from safecampus.standards.choices import FindingAction, FindingStatus, Outcome, VersionAction
from safecampus.standards.loading import load_rule_sets
from safecampus.standards.models import (
    Finding,
    RuleSet,
    SchoolStanding,
    StandardsEvent,
)
from safecampus.standards.testing import (
    compliant_gate,
    compliant_values,
    record_facts,
    standards_world,
)

from .test_engine_policy import own_set, rule

pytestmark = pytest.mark.dates

NOW = timezone.make_aware(datetime.datetime(2026, 12, 1, 10))
INTERIM = {
    "interim_measures": "由教师在实验室门口值守",
    "interim_unit": "甲小学",
    "interim_person": "王校长",
    "interim_deadline": "2026-12-31",
}


def results_of(school):
    return SchoolStanding.objects.get(school=school).results


def apply(world, codes, mode="stricter"):
    services.set_policy(
        actor=world.users[Role.SAFETY_CENTRE],
        bureau=world.bureau,
        mode=mode,
        rule_set_ids=[RuleSet.objects.get(code=c).pk for c in codes],
    )


@pytest.mark.parametrize("codes", [("shanghai", "gb29315"), ("gb29315", "shanghai")])
def test_take_the_stricter_does_not_depend_on_the_order(world, codes):
    standards_world(world, codes=codes)
    school = world.school_a
    gates = [compliant_gate(video_linked=False) for _ in range(school.gate_count)]
    record_facts(school, world.users[Role.SCHOOL_OFFICER], gates=gates, now=NOW)
    video = results_of(school)["video.gates"]
    # the national rule (video exists) passes, Shanghai's (linked to the centre) fails
    assert (video["o"], video["set"]) == (Outcome.FAIL, "shanghai")


def test_a_local_set_alone_keeps_the_national_minimum_it_extends(world):
    standards_world(world, codes=("shanghai",))
    school = world.school_a
    school.students, school.gate_count, school.boarding = 2500, 1, False
    school.save()
    record_facts(
        school, world.users[Role.SCHOOL_OFFICER], gates=[compliant_gate(guards_day=2)], now=NOW
    )
    day = results_of(school)["guards.day"]
    # 2 per gate is met; the national 3 + 1 per further 500 (6) is not
    assert (day["o"], day["set"], day["req"], day["act"]) == (Outcome.FAIL, "gb29315", 6, 2)


def test_met_requirements_carry_no_sentence(world):
    standards_world(world)
    record_facts(world.school_a, world.users[Role.SCHOOL_OFFICER], now=NOW)
    results = results_of(world.school_a)
    assert all("why" not in r for r in results.values() if r["o"] == Outcome.PASS)


def test_a_rule_that_stops_applying_lapses_and_leaves_its_hazard_alone(world):
    standards_world(world)
    school = world.school_a
    school.has_chem_lab = True
    school.save()
    record_facts(
        school,
        world.users[Role.SCHOOL_OFFICER],
        values=compliant_values(lab_safe=False),
        now=NOW,
    )
    finding = Finding.objects.get(school=school, key="lab.security", status=FindingStatus.OPEN)
    services.raise_hazard(
        actor=world.users[Role.DEPARTMENT_OFFICER], finding_id=finding.pk, interim=INTERIM, now=NOW
    )
    school.has_chem_lab = False  # the lab was closed: the rule no longer applies
    school.save()
    services.evaluate_bureau(world.bureau, now=NOW + datetime.timedelta(days=1))  # the night
    finding.refresh_from_db()
    assert finding.status == FindingStatus.RESOLVED
    event = finding.events.order_by("-pk").first()
    assert (event.action, event.data["hazard_offered"]) == (FindingAction.LAPSE, False)
    finding.hazard.refresh_from_db()
    assert finding.hazard.status == Status.REPORTED


def test_the_preview_reads_a_draft_through_the_set_that_extends_it(world):
    standards_world(world)
    centre = world.users[Role.SAFETY_CENTRE]
    base = own_set(world, "mhbase", [rule("patrols", "min", "patrols_per_day", "5")])
    child = services.create_rule_set(
        actor=centre, bureau=world.bureau, code="mhchild", name="子规则集", extends=base
    )
    draft = services.draft_of(actor=centre, rule_set_id=child.pk)
    services.save_rule(
        actor=centre, version_id=draft.pk, data=rule("guards.age", "max", "guard_max_age", "70")
    )
    services.publish(actor=centre, version_id=draft.pk, now=NOW)
    services.set_policy(actor=centre, bureau=world.bureau, mode="stricter", rule_set_ids=[child.pk])
    record_facts(world.school_a, world.users[Role.SCHOOL_OFFICER], now=NOW)  # 6 patrols
    base_draft = services.draft_of(actor=centre, rule_set_id=base.pk)
    patrols = base_draft.rules.get(key="patrols")
    services.save_rule(
        actor=centre,
        version_id=base_draft.pk,
        rule_id=patrols.pk,
        data={**rule("patrols", "min", "patrols_per_day", "8")},
    )
    rows = {r["key"]: r for r in services.preview(actor=centre, version_id=base_draft.pk)["rows"]}
    assert (rows["patrols"]["before"], rows["patrols"]["after"]) == (0, 1)


def test_a_set_not_applied_yet_is_previewed_as_if_applied(world):
    standards_world(world)
    centre = world.users[Role.SAFETY_CENTRE]
    record_facts(world.school_a, world.users[Role.SCHOOL_OFFICER], now=NOW)
    own = services.create_rule_set(actor=centre, bureau=world.bureau, code="mh", name="闵行")
    draft = own.versions.get()
    services.save_rule(
        actor=centre, version_id=draft.pk, data=rule("patrols", "min", "patrols_per_day", "9")
    )
    out = services.preview(actor=centre, version_id=draft.pk)
    rows = {r["key"]: r for r in out["rows"]}
    assert out["not_applied"] == [world.bureau.pk]
    assert (rows["patrols"]["before"], rows["patrols"]["after"]) == (0, 1)


def test_verification_is_refused_on_a_stale_page_and_for_ones_own_change(world):
    standards_world(world)
    centre, dept = world.users[Role.SAFETY_CENTRE], world.users[Role.DEPARTMENT_OFFICER]
    record_facts(world.school_a, world.users[Role.SCHOOL_OFFICER], now=NOW)
    seen = world.school_a.security_facts.version
    services.update_facts(
        actor=centre, school_id=world.school_a.pk, values={"video_days": 31}, now=NOW
    )
    with pytest.raises(ValidationError) as stale:
        services.verify_facts(actor=dept, school_id=world.school_a.pk, approve=True, version=seen)
    assert stale.value.code == "stale"
    with pytest.raises(ValidationError) as own:
        services.verify_facts(actor=centre, school_id=world.school_a.pk, approve=True)
    assert own.value.code == "not_allowed"
    current = world.school_a.security_facts.__class__.objects.get(school=world.school_a).version
    services.verify_facts(actor=dept, school_id=world.school_a.pk, approve=True, version=current)


def test_the_loader_never_takes_over_a_bureaus_own_set(world):
    standards_world(world)
    centre = world.users[Role.SAFETY_CENTRE]
    with pytest.raises(ValidationError):
        services.create_rule_set(actor=centre, bureau=world.bureau, code="shandong", name="x")
    # a bureau's set holding a shipped code (made before the codes were reserved) is refused
    # by the loader, never turned into the shipped set
    RuleSet.objects.filter(code="zhejiang").update(code="zhejiang-old")
    RuleSet.objects.create(code="zhejiang", name="本局浙江", bureau=world.bureau)
    with pytest.raises(ValueError, match="zhejiang"):
        load_rule_sets()
    assert RuleSet.objects.get(code="zhejiang").bureau_id == world.bureau.pk


def test_publishing_and_policy_changes_are_events(world):
    standards_world(world)
    centre = world.users[Role.SAFETY_CENTRE]
    own = own_set(world, "mh2", [rule("patrols", "min", "patrols_per_day", "5")])
    published = StandardsEvent.objects.get(rule_set=own, action=VersionAction.PUBLISH)
    assert (published.actor, published.data["rules"]) == (centre, 1)
    services.set_policy(actor=centre, bureau=world.bureau, mode="specific", rule_set_ids=[own.pk])
    change = StandardsEvent.objects.filter(bureau=world.bureau, action=VersionAction.POLICY).first()
    assert change.data["before"]["rule_sets"] == ["shanghai", "gb29315"]
    assert change.data["after"] == {"mode": "specific", "rule_sets": ["mh2"], "partners": []}
