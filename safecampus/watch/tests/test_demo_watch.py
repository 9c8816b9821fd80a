"""The demo's duty watch: the Spring Festival rosters published, 我的值班 showing the
``school`` account's shifts, one missed shift."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from safecampus.accounts.models import User
from safecampus.orgs.models import Bureau
from safecampus.watch.choices import RosterStatus
from safecampus.watch.models import Roster, WatchPeriod

pytestmark = pytest.mark.dates


@pytest.fixture
def seeded(db, clock, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    out = io.StringIO()
    call_command("seed_demo", schools=40, stdout=out, stderr=io.StringIO())
    assert "Duty watch:" in out.getvalue()
    return Bureau.objects.get(code_prefix="MH")


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
    assert r.content.decode().count('data-testid="missed-row"') == 1
