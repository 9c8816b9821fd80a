"""Fixtures of the evaluation tests: the campaigns' ``camp`` world in its evaluation phase, with
campaign hazards of both departments in each summary category."""

import datetime
from types import SimpleNamespace

import pytest
from django.utils import timezone

from safecampus.campaigns.models import Campaign, CampaignMilestone, CampaignPhase
from safecampus.campaigns.testing import launched_campaign
from safecampus.catalog.models import CheckItem
from safecampus.core.roles import Role
from safecampus.core.testing import DepartmentFactory, user_with_role
from safecampus.hazards.choices import Status
from safecampus.hazards.models import Hazard
from safecampus.hazards.testing import hazard_at, small_catalog

DAY = datetime.timedelta(days=1)


def in_evaluation(campaign, *, starts: datetime.date, feedback: datetime.date | None = None):
    """Give ``campaign`` a rectification phase with weekly reports ending the day before
    ``starts`` and an evaluation phase from ``starts``, with the feedback deadline."""
    CampaignPhase.objects.create(
        campaign=campaign,
        name="专项整治",
        kind="rectification",
        starts_on=starts - 28 * DAY,
        ends_on=starts - DAY,
        weekly_reports=True,
    )
    CampaignPhase.objects.create(
        campaign=campaign,
        name="总结评估",
        kind="evaluation",
        starts_on=starts,
        ends_on=starts + 29 * DAY,
    )
    if feedback is not None:
        CampaignMilestone.objects.create(campaign=campaign, name="部门反馈", due_on=feedback)


@pytest.fixture
def camp(clock, world):
    """``world`` with a published catalog (A01 items → 普教一科, A02-01 → 安保科), a second
    department with its officer, and a launched campaign now in its evaluation phase (feedback
    due in 9 days)."""
    world.other_dept = DepartmentFactory(bureau=world.bureau, name="安保科")
    world.catalog = small_catalog(world.bureau, world.department)
    item = world.catalog.items.get(code="A02-01")
    item.responsible_departments.set([world.other_dept])
    world.other_dept_user = user_with_role(
        Role.DEPARTMENT_OFFICER, world.other_dept, username="dept_other"
    )
    world.centre = world.users[Role.SAFETY_CENTRE]
    world.leader = world.users[Role.LEADERSHIP]
    world.school_user = world.users[Role.SCHOOL_OFFICER]
    world.dept_user = world.users[Role.DEPARTMENT_OFFICER]
    world.campaign = launched_campaign(world.bureau, world.catalog, world.centre)
    world.today = timezone.localdate()
    # launched in time, in March (weeks that ended before a launch owe no report)
    Campaign.objects.filter(pk=world.campaign.pk).update(
        launched_at=timezone.make_aware(datetime.datetime(2026, 3, 1, 12))
    )
    world.campaign.refresh_from_db()
    in_evaluation(world.campaign, starts=world.today - 2 * DAY, feedback=world.today + 9 * DAY)
    return world


def campaign_hazard(camp, status: str, *, item_code: str = "A01-01", campaign=None, **data):
    """A hazard of school A in ``status`` found by the campaign; A02-01 is 安保科's."""
    item = CheckItem.objects.get(version=camp.catalog, code=item_code)
    dept_user = camp.other_dept_user if item_code == "A02-01" else camp.dept_user
    hazard = hazard_at(
        status,
        school=camp.school_a,
        school_user=camp.school_user,
        dept_user=dept_user,
        item=item,
        **data,
    )
    Hazard.objects.filter(pk=hazard.pk).update(campaign=campaign or camp.campaign)
    hazard.refresh_from_db()
    return hazard


@pytest.fixture
def hazards(camp):
    """普教一科: closed, rectifying, hard (with interim measures), withdrawn; 安保科: assigned."""
    return SimpleNamespace(
        closed=campaign_hazard(camp, Status.CLOSED, description="消防通道已清理"),
        rectifying=campaign_hazard(camp, Status.RECTIFYING, description="灭火器过期"),
        hard=campaign_hazard(
            camp,
            Status.HARD,
            item_code="A01-02",
            description="教学楼消防设施老化",
            interim_measures="设置警戒线，专人看守",
            interim_unit="甲小学总务处",
            interim_person="李主任",
            interim_deadline=datetime.date(2030, 1, 1),
        ),
        withdrawn=campaign_hazard(camp, Status.WITHDRAWN, description="误报"),
        other=campaign_hazard(
            camp, Status.ASSIGNED, item_code="A02-01", description="食堂证照过期"
        ),
    )
