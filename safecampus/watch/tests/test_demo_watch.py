"""The demo's duty watch: the Spring Festival rosters published, 我的值班 showing the
``school`` account's shifts, one missed shift."""

import pytest
from django.urls import reverse
from django.utils import timezone

from safecampus.accounts.models import User
from safecampus.watch.choices import Post, RosterStatus
from safecampus.watch.models import Roster, Shift, WatchPeriod
from safecampus.watch.services import GRACE

pytestmark = pytest.mark.dates


@pytest.fixture
def seeded(demo_district, demo_seed_output):
    """The shared demo district (conftest.py: seeded once for the tests that read it)."""
    assert "Duty watch:" in demo_seed_output
    return demo_district


def test_the_demo_has_rosters_and_my_duty(seeded, client):
    spring = WatchPeriod.objects.get(bureau=seeded, name="2027年春节")
    rosters = Roster.objects.filter(period=spring)
    assert rosters.count() == 2
    assert set(rosters.values_list("status", flat=True)) == {RosterStatus.PUBLISHED}
    client.force_login(User.objects.get(username="school"))
    r = client.get(reverse("watch:my_shifts"))
    assert r.status_code == 200
    assert 'data-testid="my-shift-' in r.content.decode()
    client.force_login(User.objects.get(username="centre"))
    r = client.get(reverse("watch:missed_list"))
    # the vice principal's yesterday, and the school account's shift under way once its grace
    # has passed (left for a newcomer to check in)
    now = timezone.now()
    current = Shift.objects.filter(
        bureau=seeded, person__username="school", starts_at__lte=now, ends_at__gt=now
    ).first()
    late = current is not None and now > current.starts_at + GRACE
    assert r.content.decode().count('data-testid="missed-row"') == 1 + late


def test_the_school_account_may_check_in_today(seeded, client, clock):
    """Seeded during today's shift (the clock stands at 10:00), the ``school`` account's shift
    is not checked in: 我的值班 offers 签到."""
    now = timezone.now()
    current = Shift.objects.filter(
        bureau=seeded, person__username="school", starts_at__lte=now, ends_at__gt=now
    ).first()
    if current is None:  # a frozen session at night: no shift under way
        pytest.skip("no shift of the school account under way at this instant")
    assert current.checked_in_at is None
    client.force_login(User.objects.get(username="school"))
    html = client.get(reverse("watch:my_shifts")).content.decode()
    assert f'data-testid="check-in-{current.pk}"' in html
    # the vice principal's shift of yesterday stays missed
    missed = Shift.objects.filter(bureau=seeded).missed(now=now, grace=GRACE)
    assert missed.filter(person__isnull=True, post=Post.LEADER).count() == 1
