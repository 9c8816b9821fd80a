"""The daily jobs and the command: generation and the sweep, safe to run twice and after a
worker died; the compliance summary's refresh."""

import datetime

import pytest
from django.core.management import CommandError, call_command

from safecampus.duties import selectors, summary, tasks
from safecampus.duties.models import DutyTally, Occurrence
from safecampus.duties.testing import school_year_terms, small_duty_catalog
from safecampus.duties.tests.edge_helpers import D, at

pytestmark = pytest.mark.dates


@pytest.fixture
def dw(world):
    small_duty_catalog(world.bureau, world.department)
    school_year_terms(world.bureau, 2026)
    return world


def test_the_command_generates_and_sweeps_and_is_safe_to_run_again(dw, capsys):
    call_command("duties_generate", today="2026-11-18")
    first = capsys.readouterr().out
    drills = Occurrence.objects.filter(code="DRILL", school=dw.school_a)
    # the catalog was published on 1 August 2025: the job looks back CATCH_UP_DAYS only
    since = D(2026, 11, 18) - datetime.timedelta(days=tasks.CATCH_UP_DAYS)
    assert sorted(drills.values_list("period_key", flat=True)) == [
        "2026-M09",
        "2026-M10",
        "2026-M11",
        "2026-M12",
    ]
    assert not Occurrence.objects.filter(window_end__lt=since).exists()
    # September and October are past their grace: swept
    assert list(drills.order_by("period_start").values_list("status", flat=True)) == [
        "missed",
        "missed",
        "due",
        "due",
    ]
    n = Occurrence.objects.count()
    assert first.startswith(f"2026-11-18: {n} occurrences created, ")
    call_command("duties_generate", today="2026-11-18")
    assert capsys.readouterr().out == "2026-11-18: 0 occurrences created, 0 marked missed\n"
    assert Occurrence.objects.count() == n


def test_after_a_worker_died_the_next_run_catches_up(dw):
    tasks.run_daily(today=D(2026, 11, 18))
    # no run for ten days: the next one makes the missing days and sweeps what passed
    result = tasks.run_daily(today=D(2026, 11, 28))
    checks = Occurrence.objects.filter(code="CHECK", school=dw.school_a)
    days = set(checks.values_list("period_start", flat=True))
    assert {D(2026, 11, 19), D(2026, 11, 20), D(2026, 11, 23), D(2026, 11, 27)} <= days
    assert result["created"] > 0 and result["missed"] > 0
    assert not Occurrence.objects.effective_missed(D(2026, 11, 28)).filter(status="due").exists()


def test_a_bad_day_is_refused(dw):
    with pytest.raises(CommandError, match="--today"):
        call_command("duties_generate", today="2026-13-01")
    assert not Occurrence.objects.exists()


def test_the_periodic_tasks_run_on_the_shanghai_day(dw, clock):
    clock.move_to("2026-11-18T00:10")
    assert tasks.duties_generate_daily.call_local()["today"] == "2026-11-18"
    assert tasks.duties_sweep_missed.call_local()["today"] == "2026-11-18"
    assert Occurrence.objects.filter(code="DRILL", period_key="2026-M11").exists()
    assert tasks.duties_refresh_tallies.call_local()["rows"] == DutyTally.objects.count() > 0


def test_the_summary_refresh_replaces_a_bureaus_rows(dw):
    tasks.run_daily(today=D(2026, 11, 18))
    n = summary.refresh_all(today=D(2026, 11, 18), now=at(2026, 11, 18, 1))
    rows = list(DutyTally.objects.values_list("code", "month", "stage", "done", "missed", "open"))
    assert n == len(rows) > 0
    assert summary.refresh_all(today=D(2026, 11, 18), now=at(2026, 11, 18, 2)) == n
    again = list(DutyTally.objects.values_list("code", "month", "stage", "done", "missed", "open"))
    assert again == rows
    assert set(DutyTally.objects.values_list("as_of", flat=True)) == {at(2026, 11, 18, 2)}
    # the other bureau has no occurrences and no rows
    assert not DutyTally.objects.filter(bureau=dw.other_bureau).exists()
    # a drill month's counts: September and October missed, November open
    drill = {
        r.month: (r.missed, r.open) for r in DutyTally.objects.filter(code="DRILL", stage="primary")
    }
    assert drill == {D(2026, 9, 1): (1, 0), D(2026, 10, 1): (1, 0), D(2026, 11, 1): (0, 1)}


def test_the_summary_is_read_by_bureau_wide_scopes_only(dw):
    from safecampus.core.roles import Role

    tasks.run_daily(today=D(2026, 11, 18))
    today = D(2026, 11, 18)
    centre = dw.users[Role.SAFETY_CENTRE]
    # before the first refresh: counted live
    assert selectors.compliance_figures(user=centre, today=today).source == "live"
    summary.refresh_all(today=today, now=at(2026, 11, 18, 1))
    figures = selectors.compliance_figures(user=centre, today=today)
    assert figures.source == "summary" and figures.as_of == at(2026, 11, 18, 1)
    # whole months only; a school counts its own, live
    part = selectors.compliance_figures(user=centre, today=today, start=D(2026, 11, 10))
    assert part.source == "live"
    school = selectors.compliance_figures(user=dw.users[Role.SCHOOL_OFFICER], today=today)
    assert school.source == "live"
    assert {k[0] for k in school.by_stage} == {"primary"}
    assert school.total.owed < figures.total.owed
