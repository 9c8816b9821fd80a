"""The public selectors: ``periods_around`` (one query) and ``figures``."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from safecampus.core.roles import Role
from safecampus.watch import selectors
from safecampus.watch.choices import PeriodKind, RosterStatus
from safecampus.watch.models import WatchPeriod
from safecampus.watch.testing import at, cover_leaders, watch_world

pytestmark = pytest.mark.dates


@pytest.fixture
def w(world):
    return watch_world(world)


@pytest.mark.parametrize(
    "day,lead,found",
    [
        (datetime.date(2027, 1, 30), 7, True),  # the period starts on the 7th day ahead
        (datetime.date(2027, 1, 29), 7, False),
        (datetime.date(2027, 2, 12), 0, True),  # its last day
        (datetime.date(2027, 2, 13), 7, False),
    ],
)
def test_periods_around(w, django_assert_num_queries, day, lead, found):
    other = WatchPeriod.objects.create(
        bureau=w.world.other_bureau,
        name="2027年春节",
        kind=PeriodKind.HOLIDAY,
        starts_on=datetime.date(2027, 2, 6),
        ends_on=datetime.date(2027, 2, 12),
    )
    with django_assert_num_queries(1):
        out = selectors.periods_around(
            bureau_ids=[w.world.bureau.pk, w.world.other_bureau.pk], day=day, lead_days=lead
        )
    assert (w.period in out.get(w.world.bureau.pk, [])) is found
    assert (other in out.get(w.world.other_bureau.pk, [])) is found


def test_figures(w, world):
    cover_leaders(w.roster_a)
    w.roster_a.status = RosterStatus.PUBLISHED
    w.roster_a.save()
    centre = world.users[Role.SAFETY_CENTRE]
    f = selectors.figures(user=centre, today=datetime.date(2027, 2, 1), now=at(6, 9, 31))
    assert f["period"]["name"] == "2027年春节"
    assert (f["expected"]["value"], f["published"]["value"], f["missing"]["value"]) == (2, 1, 1)
    assert f["rate"]["value"] == 0.5
    assert f["missed"]["value"] == 1
    assert f["missed"]["url"] == reverse("watch:missed_list") + f"?period={w.period.pk}"
    assert f["published"]["url"].endswith("?status=published")
    assert (
        selectors.figures(user=world.users[Role.SCHOOL_OFFICER], today=datetime.date(2027, 2, 1))
        is None
    )
    assert selectors.figures(user=centre, today=datetime.date(2027, 2, 13)) is None
