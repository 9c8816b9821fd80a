"""A weekly report's figures against a hand-built register, exact values."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from safecampus.hazards.models import Hazard
from safecampus.hazards.testing import hazard_at
from safecampus.weekly.choices import METRIC_KEYS
from safecampus.weekly.selectors import report_figures

from .conftest import place

pytestmark = [pytest.mark.django_db, pytest.mark.dates]

ZERO = dict.fromkeys(METRIC_KEYS, 0)


def local(day: datetime.date, hour: int, minute: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


@pytest.fixture
def register(wk):
    """普教一科's hazards of the campaign around last week, and some that must not count."""
    w, week = wk, wk.last_week
    before, inside = week.start - datetime.timedelta(days=3), week.start + datetime.timedelta(1)
    as_of = w.today
    h1 = place(w, "reported", reported_on=inside)  # new, in progress
    Hazard.objects.filter(pk=h1.pk).update(reported_at=local(week.end, 23, 50))  # last minute
    place(w, "closed", reported_on=before, closed_on=week.start + datetime.timedelta(2))
    h3 = place(w, "closed", reported_on=before, closed_on=week.start - datetime.timedelta(1))
    Hazard.objects.filter(pk=h3.pk).update(  # a minute before the week began: not new
        reported_at=local(week.start - datetime.timedelta(1), 23, 59)
    )
    place(  # new at school B, overdue since yesterday
        w, "assigned", school=w.school_b, reported_on=inside, deadline=as_of - datetime.timedelta(1)
    )
    place(w, "hard", reported_on=before, deadline=as_of - datetime.timedelta(5))
    place(w, "reported", item="A02-01", reported_on=inside, department=w.department)  # moved
    # not counted: withdrawn, another department's, outside the campaign
    place(w, "withdrawn", reported_on=inside)
    place(w, "reported", item="A02-01", reported_on=inside)
    hazard_at("reported", school=w.school_a, school_user=w.school_user, dept_user=w.dept_user)
    return w


def test_figures_count_the_register_by_school_and_area(register):
    w = register
    with CaptureQueriesContext(connection) as ctx:
        figures = report_figures(
            campaign=w.campaign, department=w.department, week=w.last_week, as_of=w.today
        )
    assert len(ctx) == 4  # totals, by school, by area, the previous report
    assert figures["totals"] == {
        "new": 3,
        "closed": 1,
        "in_progress": 3,
        "overdue": 2,
        "hard": 1,
        "resolved": 2,
        "total": 6,
        "major": 0,
    }
    assert [(r["school"], {k: r[k] for k in ZERO}) for r in figures["by_school"]] == [
        ("乙幼儿园", {**ZERO, "new": 1, "in_progress": 1, "overdue": 1, "total": 1}),
        (
            "甲小学",
            {
                "new": 2,
                "closed": 1,
                "in_progress": 2,
                "overdue": 1,
                "hard": 1,
                "resolved": 2,
                "total": 5,
                "major": 0,
            },
        ),
    ]
    assert [(r["area_code"], r["area"], r["total"], r["new"]) for r in figures["by_area"]] == [
        ("A01", "消防安全", 5, 2),
        ("A02", "食品安全", 1, 1),
    ]
    assert figures["as_of"] == w.today.isoformat()
    assert figures["change"] is None and figures["previous_week"] is None


def test_other_department_sees_only_its_own(register):
    w = register
    figures = report_figures(
        campaign=w.campaign, department=w.other_dept, week=w.last_week, as_of=w.today
    )
    assert figures["totals"] == {**ZERO, "new": 1, "in_progress": 1, "total": 1}
    assert [r["school"] for r in figures["by_school"]] == ["甲小学"]


def test_overdue_depends_on_the_as_of_date(register):
    w = register
    earlier = report_figures(
        campaign=w.campaign,
        department=w.department,
        week=w.last_week,
        as_of=w.today - datetime.timedelta(days=1),
    )
    assert earlier["totals"]["overdue"] == 1  # the one due yesterday is not yet overdue
