"""Take the stricter (就高不就低) over two of a bureau's own rule sets, the first listed under
"specific", a set extending another, and a circle of ``extends`` refused."""

import datetime

import pytest
from django.utils import timezone

from safecampus.core.jobs import JobRefused
from safecampus.core.models import Job
from safecampus.core.roles import Role
from safecampus.standards import engine, services
from safecampus.standards.choices import Outcome, PolicyMode
from safecampus.standards.jobs import evaluate_job
from safecampus.standards.models import RuleSet, SchoolStanding
from safecampus.standards.testing import compliant_values, record_facts

pytestmark = pytest.mark.dates

NOW = timezone.make_aware(datetime.datetime(2026, 12, 1, 10))


def rule(key, kind, measure, threshold):
    return {
        "key": key,
        "title": f"测试要求 {key}",
        "pillar": "people",
        "kind": kind,
        "measure": measure,
        "threshold": threshold,
        "clause": "测试条款 第1条",
        "explanation": "应为{required}，现为{actual}",
    }


def own_set(world, code, rules, *, extends=None):
    centre = world.users[Role.SAFETY_CENTRE]
    rule_set = services.create_rule_set(
        actor=centre, bureau=world.bureau, code=code, name=f"规则集 {code}", extends=extends
    )
    draft = services.draft_of(actor=centre, rule_set_id=rule_set.pk)
    for data in rules:
        services.save_rule(actor=centre, version_id=draft.pk, data=data)
    services.publish(actor=centre, version_id=draft.pk, now=NOW)
    return rule_set


@pytest.fixture
def two_sets(world):
    a = own_set(
        world,
        "age50",
        [
            rule("guards.age", "max", "guard_max_age", "50"),
            rule("patrols", "min", "patrols_per_day", "6"),
        ],
    )
    b = own_set(
        world,
        "age55",
        [
            rule("guards.age", "max", "guard_max_age", "55"),
            rule("patrols", "min", "patrols_per_day", "7"),
        ],
    )
    return a, b


def card(world, sets, mode, **values):
    centre = world.users[Role.SAFETY_CENTRE]
    services.set_policy(
        actor=centre, bureau=world.bureau, mode=mode, rule_set_ids=[s.pk for s in sets]
    )
    record_facts(
        world.school_a,
        world.users[Role.SCHOOL_OFFICER],
        values=compliant_values(**values),
        now=NOW,
    )
    services.evaluate_school(world.school_a, now=NOW)
    return SchoolStanding.objects.get(school=world.school_a).results


def test_stricter_takes_the_smaller_maximum_and_the_larger_minimum(world, two_sets):
    a, b = two_sets
    results = card(world, [b, a], PolicyMode.STRICTER, guard_max_age=52, patrols_per_day=6)
    age, patrols = results["guards.age"], results["patrols"]
    assert (age["o"], age["req"], age["set"]) == (Outcome.FAIL, 50, "age50")
    assert (patrols["o"], patrols["req"], patrols["set"]) == (Outcome.FAIL, 7, "age55")


def test_stricter_passes_when_the_strictest_holds(world, two_sets):
    a, b = two_sets
    results = card(world, [a, b], PolicyMode.STRICTER, guard_max_age=50, patrols_per_day=7)
    assert results["guards.age"]["o"] == Outcome.PASS
    assert results["guards.age"]["set"] == "age50"
    assert results["patrols"]["o"] == Outcome.PASS
    assert results["patrols"]["set"] == "age55"


def test_specific_takes_the_first_listed_set(world, two_sets):
    a, b = two_sets
    results = card(world, [b, a], PolicyMode.SPECIFIC, guard_max_age=52, patrols_per_day=6)
    assert (results["guards.age"]["o"], results["guards.age"]["set"]) == (Outcome.PASS, "age55")
    assert (results["patrols"]["o"], results["patrols"]["req"]) == (Outcome.FAIL, 7)
    results = card(world, [a, b], PolicyMode.SPECIFIC, guard_max_age=53, patrols_per_day=6)
    assert (results["guards.age"]["o"], results["guards.age"]["set"]) == (Outcome.FAIL, "age50")
    assert (results["patrols"]["o"], results["patrols"]["set"]) == (Outcome.PASS, "age50")


def test_an_extending_set_overrides_its_parent_only_under_the_first_set_mode(world, two_sets):
    a, _b = two_sets
    child = own_set(world, "age60", [rule("guards.age", "max", "guard_max_age", "60")], extends=a)
    # the first set: the child's own rule stands for its chain
    results = card(world, [child], PolicyMode.SPECIFIC, guard_max_age=58, patrols_per_day=5)
    assert (results["guards.age"]["o"], results["guards.age"]["set"]) == (Outcome.PASS, "age60")
    assert results["guards.age"]["req"] == 60
    # the parent's other rule still applies, named after the parent
    assert (results["patrols"]["o"], results["patrols"]["set"]) == (Outcome.FAIL, "age50")


def test_extending_never_weakens_the_parent_under_take_the_stricter(world, two_sets):
    a, _b = two_sets
    child = own_set(world, "age60", [rule("guards.age", "max", "guard_max_age", "60")], extends=a)
    results = card(world, [child], PolicyMode.STRICTER, guard_max_age=58, patrols_per_day=5)
    # the parent's maximum of 50 is still a candidate, and the smaller maximum wins
    assert (results["guards.age"]["o"], results["guards.age"]["set"]) == (Outcome.FAIL, "age50")
    assert results["guards.age"]["req"] == 50


def test_a_circle_of_extends_is_refused(world, two_sets):
    a, b = two_sets
    child = own_set(world, "age60", [rule("guards.age", "max", "guard_max_age", "60")], extends=a)
    RuleSet.objects.filter(pk=a.pk).update(extends=child)
    services.set_policy(
        actor=world.users[Role.SAFETY_CENTRE],
        bureau=world.bureau,
        mode=PolicyMode.STRICTER,
        rule_set_ids=[child.pk],
    )
    with pytest.raises(ValueError, match="circle|循环"):
        engine.effective_rules(world.bureau)
    job = Job.objects.create(
        kind="standards.evaluate",
        title="检查",
        created_by=world.users[Role.SAFETY_CENTRE],
        params={"bureau": world.bureau.pk},
    )
    with pytest.raises(JobRefused):
        evaluate_job(job=job, progress=lambda *a, **k: None)
