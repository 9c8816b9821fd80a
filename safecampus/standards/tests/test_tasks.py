"""The evaluation job and the nightly run: idempotent, and consistent after a worker died in the
middle of a bureau."""

import datetime

import pytest

from safecampus.core.jobs import job_run, job_start
from safecampus.core.models import Job
from safecampus.core.roles import Role
from safecampus.standards import services, tasks
from safecampus.standards.choices import FindingStatus, Outcome
from safecampus.standards.models import Finding, SchoolStanding, StandardsTally
from safecampus.standards.testing import (
    compliant_gate,
    compliant_values,
    record_facts,
    standards_world,
)

pytestmark = pytest.mark.dates

RECORDED = datetime.datetime(2026, 12, 1, 10)


@pytest.fixture
def sw(world, clock):
    standards_world(world)
    clock.move_to(RECORDED)
    # A: compliant, alarm tested 2026-11-20 (ages past 30 days on 2026-12-21);
    # B (kindergarten): no night guard
    record_facts(world.school_a, world.users[Role.SCHOOL_OFFICER])
    centre = world.users[Role.SAFETY_CENTRE]
    record_facts(
        world.school_b, centre, values=compliant_values(), gates=[compliant_gate(guards_night=0)]
    )
    return world


def state(bureau):
    standings = {
        s.school_id: (s.results, s.failing, s.unknown, s.four_guards, s.four_alarm_video)
        for s in SchoolStanding.objects.filter(bureau=bureau)
    }
    findings = sorted(
        Finding.objects.filter(bureau=bureau).values_list(
            "school_id", "key", "status", "explanation"
        )
    )
    tally = {
        (t.key, t.stage, t.outcome): t.count
        for t in StandardsTally.objects.filter(bureau=bureau)
        if t.count
    }
    return standings, findings, tally


def consistent(bureau):
    """Every open finding matches a failed requirement on its school's card and back, and the
    live figures equal a recount from the cards."""
    standings, findings, tally = state(bureau)
    failed = {
        (school, key)
        for school, (results, *_rest) in standings.items()
        for key, r in results.items()
        if r["o"] == Outcome.FAIL
    }
    opened = {(s, k) for s, k, status, _e in findings if status == FindingStatus.OPEN}
    assert failed == opened
    # every finding, opened one by one or in bulk, has its opening event
    for finding in Finding.objects.filter(bureau=bureau):
        assert finding.events.filter(action="open").count() == 1, finding.key
    services.recount_tally(bureau.pk)
    assert state(bureau)[2] == tally


def test_the_job_run_twice_changes_nothing_the_second_time(sw, clock):
    clock.move_to(datetime.datetime(2026, 12, 21, 1))
    centre = sw.users[Role.SAFETY_CENTRE]
    first = job_start(
        kind="standards.evaluate", title="检查", user=centre, params={"bureau": sw.bureau.pk}
    )
    first = job_run(first.pk)
    assert first.status == Job.Status.SUCCEEDED, first.result
    assert first.result["schools"] == 2
    before = state(sw.bureau)
    assert ("alarm.tested", FindingStatus.OPEN) in {(k, s) for _i, k, s, _e in before[1]}
    second = job_start(
        kind="standards.evaluate", title="检查", user=centre, params={"bureau": sw.bureau.pk}
    )
    second = job_run(second.pk)
    assert second.status == Job.Status.SUCCEEDED
    assert not second.result.get("opened") and not second.result.get("resolved")
    assert state(sw.bureau) == before
    consistent(sw.bureau)


def test_the_job_refuses_a_bureau_out_of_scope(sw, world):
    job = job_start(
        kind="standards.evaluate",
        title="检查",
        user=world.users[Role.SAFETY_CENTRE],
        params={"bureau": world.other_bureau.pk},
    )
    job = job_run(job.pk)
    assert job.status == Job.Status.FAILED
    assert not SchoolStanding.objects.filter(bureau=world.other_bureau).exists()


class WorkerDied(Exception):
    pass


def test_a_worker_dying_mid_way_leaves_consistent_results(sw, clock):
    now = clock.move_to(datetime.datetime(2026, 12, 21, 1))

    def die_after_the_first_chunk(done, total):
        raise WorkerDied

    with pytest.raises(WorkerDied):
        services.evaluate_bureau(sw.bureau, now=now, progress=die_after_the_first_chunk, chunk=1)
    # the first chunk (school A) is whole, the second untouched
    a = SchoolStanding.objects.get(school=sw.school_a)
    b = SchoolStanding.objects.get(school=sw.school_b)
    assert a.results["alarm.tested"]["o"] == Outcome.FAIL
    assert b.results["alarm.tested"]["o"] == Outcome.PASS
    assert Finding.objects.filter(school=sw.school_a, key="alarm.tested").count() == 1
    # the run again finishes the rest, with no duplicate
    services.evaluate_bureau(sw.bureau, now=now, chunk=1)
    after = state(sw.bureau)
    services.evaluate_bureau(sw.bureau, now=now, chunk=500)
    assert state(sw.bureau) == after
    assert Finding.objects.filter(key="alarm.tested", status=FindingStatus.OPEN).count() == 2
    consistent(sw.bureau)


def test_the_nightly_run_ages_date_derived_facts(sw, clock):
    clock.move_to(datetime.datetime(2026, 12, 20, 1))
    out = tasks.evaluate_all()
    assert set(out["bureaus"]) == {sw.bureau.pk}
    assert not Finding.objects.filter(key="alarm.tested").exists()  # 30 days: still in time
    clock.move_to(datetime.datetime(2026, 12, 21, 1))
    tasks.evaluate_all()
    finding = Finding.objects.get(school=sw.school_a, key="alarm.tested")
    assert finding.explanation.endswith("已31日")
    tasks.evaluate_all()  # the same night again
    assert Finding.objects.filter(key="alarm.tested").count() == 2
    consistent(sw.bureau)


def test_the_nightly_task_runs_at_night_in_shanghai():
    from huey.contrib.djhuey import HUEY

    task = tasks.standards_evaluate_nightly.task_class
    # Huey reads its crontab on the local clock (Asia/Shanghai) since HUEY["utc"] is False;
    # were it UTC, 00:50 Shanghai would be 16:50 UTC
    assert HUEY.utc is False
    assert task.validate_datetime(task, datetime.datetime(2026, 12, 21, 0, 50))
    assert not task.validate_datetime(task, datetime.datetime(2026, 12, 20, 16, 50))
