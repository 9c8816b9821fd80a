"""Fixtures of the notification tests: ``world`` with a published catalog and a launched
campaign whose rectification phase (2026-04-01 – 2026-04-30) has weekly reports."""

import datetime

import pytest
from django.utils import timezone

from safecampus.campaigns.services import campaign_launch, campaign_save
from safecampus.core.roles import Role
from safecampus.core.testing import user_with_role
from safecampus.hazards.testing import small_catalog


@pytest.fixture
def wk(clock, world):
    """Report weeks start on Monday and are due on Friday: the first runs 03-30 – 04-05 and is
    due 04-03, the second 04-06 – 04-12, due 04-10. 普教一科 owes reports (its catalog items);
    it has two officers."""
    world.catalog = small_catalog(world.bureau, world.department)
    world.centre = world.users[Role.SAFETY_CENTRE]
    world.dept_user = world.users[Role.DEPARTMENT_OFFICER]
    world.dept_user2 = user_with_role(Role.DEPARTMENT_OFFICER, world.department, username="dept2")
    campaign = campaign_save(
        actor=world.centre,
        bureau=world.bureau,
        data={
            "name": "2026年校园安全专项整治",
            "forms_due": datetime.date(2026, 3, 20),
            "catalog_version": world.catalog,
        },
        phases=[
            {
                "name": "集中排查",
                "kind": "inspection",
                "starts_on": datetime.date(2026, 3, 1),
                "ends_on": datetime.date(2026, 3, 28),
            },
            {
                "name": "专项整治",
                "kind": "rectification",
                "starts_on": datetime.date(2026, 4, 1),
                "ends_on": datetime.date(2026, 4, 30),
                "weekly_reports": True,
            },
        ],
    )
    campaign_launch(actor=world.centre, campaign_id=campaign.pk, confirm_past_deadline=True)
    # launched before its phases began, as it was (no week is owed before a launch)
    type(campaign).objects.filter(pk=campaign.pk).update(
        launched_at=timezone.make_aware(datetime.datetime(2026, 2, 20, 12))
    )
    campaign.refresh_from_db()
    world.campaign = campaign
    return world
