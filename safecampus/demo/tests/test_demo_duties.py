"""The demo's recurring duties: a Shanghai calendar, the default catalog and this year's plan
published, occurrences up to today and a history with records, late ones, missed ones, an
excuse pending and the kindergarten's quarterly drill, on whatever day the demo is seeded."""

import datetime
import io

import pytest
from django.core.management import call_command

from safecampus.duties import selectors
from safecampus.duties.defaults import DUTIES
from safecampus.duties.models import (
    CalendarDay,
    DutyCatalogVersion,
    DutyEvidence,
    DutyRecord,
    Occurrence,
    SchoolTerm,
    WorkPlan,
)
from safecampus.orgs.models import Bureau

pytestmark = pytest.mark.dates


@pytest.fixture
def seeded(demo_district):
    """The shared demo district (conftest.py: seeded once for the tests that read it)."""
    return demo_district


def test_the_demo_has_duties_a_plan_and_a_history(seeded, clock):
    district = seeded
    today = clock.today
    terms = SchoolTerm.objects.filter(bureau=district)
    assert {"2025-2026", "2026-2027"} <= set(terms.values_list("school_year", flat=True))
    autumn = terms.get(school_year="2026-2027", kind="autumn")
    assert (autumn.start, autumn.end) == (datetime.date(2026, 9, 1), datetime.date(2027, 1, 20))
    # no invented holiday
    assert not CalendarDay.objects.filter(bureau=district).exists()
    version = DutyCatalogVersion.objects.get(bureau=district, status="published")
    assert version.duties.count() == len(DUTIES)
    plan = WorkPlan.objects.get(bureau=district)
    assert plan.status == "published" and plan.tasks.count() == 41
    occ = Occurrence.objects.filter(bureau=district)
    assert occ.filter(duty__plan=plan).exists()
    assert not occ.filter(window_start__gt=today + datetime.timedelta(days=14)).exists()
    f = selectors.tallies(selectors.compliance_queryset(occ, today), today)[()]
    assert f.done > 0 and f.missed > 0
    assert occ.filter(status="excuse_requested").count() == 1
    assert DutyEvidence.objects.filter(kind="photo").exists()
    drills = DutyRecord.objects.filter(occurrence__code="EVAC-PS")
    assert drills.exists() and all(r.participants and r.evacuation_seconds for r in drills[:20])
    # the kindergarten owes its quarterly drill, not the monthly one, and the current
    # quarter's is left for the demo to record
    from safecampus.accounts.models import User

    kg = User.objects.get(username="kg").role_assignments.first().school
    drills = Occurrence.objects.filter(school=kg, code="EVAC-KG").order_by("window_start")
    assert drills.exists()
    current = [o for o in drills if o.window_start <= today <= o.window_end]
    # the current quarter's drill is left for the demo to record; the past ones are done
    assert all(o.status == "due" for o in current)
    past = [o for o in drills if o.window_end < today]
    assert all(o.status == "done" for o in past)
    assert all(o.records.get().files.filter(kind="photo").exists() for o in past)
    assert Occurrence.objects.filter(school=kg, code="EVAC-PS").count() == 0
    # the primary school's monthly drills go back to the catalog's first month (the demo's
    # schools stand for schools on record before it), each of them past recorded or missed
    from django.utils import timezone

    school = User.objects.get(username="school").role_assignments.first().school
    first = timezone.localtime(version.published_at).date().replace(day=1)
    past = list(
        Occurrence.objects.filter(school=school, code="EVAC-PS", grace_end__lt=today).order_by(
            "period_start"
        )
    )
    if first < today.replace(day=1) - datetime.timedelta(days=31):
        assert past and past[0].period_start == first
        assert all(o.effective_status(today) in ("done", "done_late", "missed") for o in past)


@pytest.mark.parametrize("day", ["2026-09-10", "2027-07-15"])
def test_the_demo_seeds_on_any_day(db, clock, settings, tmp_path, day):
    settings.MEDIA_ROOT = tmp_path
    clock.move_to(datetime.datetime.combine(datetime.date.fromisoformat(day), datetime.time(9)))
    call_command("seed_demo", schools=12, stdout=io.StringIO(), stderr=io.StringIO())
    district = Bureau.objects.get(code_prefix="MH")
    assert WorkPlan.objects.get(bureau=district).status == "published"
    assert DutyRecord.objects.exists()
