"""Fixtures of the weekly report tests: a launched campaign whose rectification phase has
weekly reports around today, two departments that owe them, and a helper to place hazards."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from safecampus.campaigns.models import Campaign
from safecampus.campaigns.services import campaign_launch, campaign_save
from safecampus.core.roles import Role
from safecampus.core.testing import DepartmentFactory, user_with_role
from safecampus.hazards.models import Hazard
from safecampus.hazards.testing import hazard_at, small_catalog
from safecampus.weekly.weeks import current_week, report_weeks


def at_noon(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))


@pytest.fixture
def wk(clock, world):
    """``world`` with a catalog (A01 → 普教一科, A02-01 → 安保科), 安保科's officer, school B's
    officer, and a launched campaign whose rectification phase runs from the Monday two weeks
    ago to three weeks ahead (weeks Monday–Sunday, reports due Friday)."""
    w = world
    w.other_dept = DepartmentFactory(bureau=w.bureau, name="安保科")
    w.catalog = small_catalog(w.bureau, w.department)
    w.catalog.items.get(code="A02-01").responsible_departments.set([w.other_dept])
    w.other_dept_user = user_with_role(Role.DEPARTMENT_OFFICER, w.other_dept, username="dept_other")
    w.school_b_user = user_with_role(Role.SCHOOL_OFFICER, w.school_b, username="school_b")
    w.centre = w.users[Role.SAFETY_CENTRE]
    w.school_user = w.users[Role.SCHOOL_OFFICER]
    w.dept_user = w.users[Role.DEPARTMENT_OFFICER]
    w.today = clock.today
    monday = w.today - datetime.timedelta(days=w.today.weekday())
    starts = monday - datetime.timedelta(days=14)
    w.campaign = campaign_save(
        actor=w.centre,
        bureau=w.bureau,
        data={"name": "校园安全专项整治", "forms_due": starts, "catalog_version": w.catalog},
        phases=[
            {
                "name": "集中排查",
                "kind": "inspection",
                "starts_on": starts - datetime.timedelta(days=20),
                "ends_on": starts - datetime.timedelta(days=1),
            },
            {
                "name": "专项整治",
                "kind": "rectification",
                "starts_on": starts,
                "ends_on": monday + datetime.timedelta(days=20),
                "weekly_reports": True,
            },
        ],
    )
    campaign_launch(actor=w.centre, campaign_id=w.campaign.pk, confirm_past_deadline=True)
    # launched in time, before the inspection phase began (weeks before a launch are not owed)
    Campaign.objects.filter(pk=w.campaign.pk).update(
        launched_at=at_noon(starts - datetime.timedelta(days=21))
    )
    w.campaign.refresh_from_db()
    w.weeks = report_weeks(w.campaign)
    w.week = current_week(w.campaign, w.today)
    w.last_week = w.weeks[w.weeks.index(w.week) - 1]
    return w


def place(
    w,
    status,
    *,
    school=None,
    reported_on,
    closed_on=None,
    deadline=None,
    item="A01-01",
    department=None,
    campaign=None,
):
    """A hazard of the campaign in ``status``, reported on ``reported_on`` (noon, Shanghai)."""
    school = school or w.school_a
    user = w.school_user if school == w.school_a else w.school_b_user
    item_obj = w.catalog.items.get(code=item)
    dept_user = w.dept_user if item.startswith("A01") else w.other_dept_user
    hazard = hazard_at(status, school=school, school_user=user, dept_user=dept_user, item=item_obj)
    changes = {"campaign": campaign or w.campaign, "reported_at": at_noon(reported_on)}
    if closed_on is not None:
        changes["closed_on"] = closed_on
    if deadline is not None:
        changes["deadline"] = deadline
    if department is not None:
        changes["responsible_department"] = department
    Hazard.objects.filter(pk=hazard.pk).update(**changes)
    hazard.refresh_from_db()
    return hazard
