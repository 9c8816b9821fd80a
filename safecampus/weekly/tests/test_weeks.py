"""The report weeks a campaign owes: none for a week that ended before the launch."""

import datetime

import pytest
from django.utils import timezone

from safecampus.campaigns.models import Campaign
from safecampus.weekly.selectors import campaign_matrix
from safecampus.weekly.weeks import report_weeks

from .conftest import at_noon

pytestmark = [pytest.mark.django_db, pytest.mark.dates]


def test_weeks_owed_start_at_the_week_of_the_launch(wk):
    w = wk
    every = report_weeks(w.campaign)  # launched before the phase began: every week
    assert every[0].start == w.campaign.phases.get(weekly_reports=True).starts_on
    # launched on the Wednesday of the phase's second week (late)
    launch_day = every[1].start + datetime.timedelta(days=2)
    Campaign.objects.filter(pk=w.campaign.pk).update(launched_at=at_noon(launch_day))
    campaign = Campaign.objects.get(pk=w.campaign.pk)
    owed = report_weeks(campaign)
    assert owed == every[1:]  # the first week ended before the launch: not owed
    assert owed[0].contains(launch_day)


def test_no_missing_report_for_a_week_before_the_launch(wk):
    w = wk
    Campaign.objects.filter(pk=w.campaign.pk).update(launched_at=timezone.now())
    campaign = Campaign.objects.get(pk=w.campaign.pk)
    matrix = campaign_matrix(user=w.centre, campaign=campaign, today=w.today)
    # the first week owed is the first one due on or after today: this week's if its due day
    # is still to come (or today), next week's after it (a launch on a Saturday)
    first = w.week if w.week.due >= w.today else next(x for x in w.weeks if x.start > w.week.start)
    assert [row.week.start for row in matrix["rows"]][0] == first.start
    assert all(row.counts["missing"] == 0 for row in matrix["rows"])


def test_a_draft_shows_every_week_of_its_plan(wk):
    w = wk
    Campaign.objects.filter(pk=w.campaign.pk).update(launched_at=None)
    assert len(report_weeks(Campaign.objects.get(pk=w.campaign.pk))) == len(w.weeks)
