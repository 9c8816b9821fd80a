"""The test clock: fixed where it starts, moved only by the test."""

import datetime

import pytest
from django.utils import timezone

from conftest import DEFAULT_NOW, SHANGHAI

pytestmark = pytest.mark.dates


def test_the_clock_starts_at_a_fixed_instant_and_django_reads_it(clock, request):
    start = request.config.frozen_now or DEFAULT_NOW
    assert clock.start == start
    assert datetime.timedelta(0) <= timezone.now() - start < datetime.timedelta(minutes=1)
    assert timezone.localdate() == clock.today == start.astimezone(SHANGHAI).date()


def test_the_clock_moves_to_a_day_an_instant_or_by_a_delta(clock):
    assert clock.move_to(datetime.date(2027, 1, 3)).replace(microsecond=0, second=0) == (
        datetime.datetime(2027, 1, 3, 10, 0, tzinfo=SHANGHAI)
    )
    clock.move_to("2026-12-31T23:59:30", tick=False)
    assert timezone.localdate() == datetime.date(2026, 12, 31)
    clock.shift(seconds=60)
    assert timezone.localdate() == datetime.date(2027, 1, 1)
    assert timezone.now() == datetime.datetime(2026, 12, 31, 16, 0, 30, tzinfo=datetime.UTC)
