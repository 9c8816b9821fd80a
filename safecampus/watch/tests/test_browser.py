"""Browser check of 我的值班 on a phone: the school's officer sees today's shift as a card,
checks in with one tap and the shift shows 在岗; no horizontal scrolling, no script error, no
outside request. Run with ``pytest -m browser safecampus/watch/tests/test_browser.py``.

Chromium and the live server keep the real clock, so the shift is placed around the real now
(the only test of the app that reads it; frozen sessions skip browser tests)."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from safecampus.core.roles import Role
from safecampus.core.tests.test_browser import (  # noqa: F401 (fixtures, found by name)
    PHONE,
    _async_unsafe_allowed,
    browser,
    journey,
)
from safecampus.hazards.tests.test_browser import _open
from safecampus.watch.choices import PeriodKind, Post, RosterStatus
from safecampus.watch.models import Roster, Shift, WatchPeriod

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _no_session_write_per_request(settings):
    settings.SESSION_REFRESH_SECONDS = 24 * 3600


@pytest.fixture
def on_duty(_async_unsafe_allowed, transactional_db, world):  # noqa: F811
    now = timezone.now()
    today = timezone.localdate(now)
    period = WatchPeriod.objects.create(
        bureau=world.bureau,
        name="重点时段",
        kind=PeriodKind.SENSITIVE,
        starts_on=today - datetime.timedelta(days=1),
        ends_on=today + datetime.timedelta(days=1),
    )
    roster = Roster.objects.create(
        bureau=world.bureau, school=world.school_a, period=period, status=RosterStatus.PUBLISHED
    )
    me = world.users[Role.SCHOOL_OFFICER]
    return Shift.objects.create(
        roster=roster,
        bureau=world.bureau,
        post=Post.OFFICER,
        person=me,
        person_name=me.display_name,
        starts_at=now - datetime.timedelta(minutes=10),
        ends_at=now + datetime.timedelta(hours=4),
    )


def test_the_school_checks_in_on_a_phone(on_duty, world, journey):  # noqa: F811
    j = _open(journey, **PHONE)
    page = j.page
    page.goto("/watch/mine/")
    j.log_in(world.users[Role.SCHOOL_OFFICER].username)
    expect(page).to_have_url(re.compile(r"/watch/mine/$"))
    card = page.get_by_test_id(f"my-shift-{on_duty.pk}")
    expect(card).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    card.get_by_test_id(f"check-in-{on_duty.pk}").click()
    expect(page.get_by_test_id(f"my-shift-{on_duty.pk}")).to_contain_text("在岗")
    on_duty.refresh_from_db()
    assert on_duty.checked_in_at is not None
    assert j.problems == []


def test_the_next_shift_is_asked_for_a_handover_only(on_duty, world, journey):  # noqa: F811
    on_duty.checked_in_at = on_duty.starts_at
    on_duty.save(update_fields=["checked_in_at"])
    j = _open(journey, **PHONE)
    page = j.page
    page.goto(f"/watch/shifts/{on_duty.pk}/")
    j.log_in(world.users[Role.SCHOOL_OFFICER].username)
    expect(page).to_have_url(re.compile(rf"/watch/shifts/{on_duty.pk}/$"))
    box = page.get_by_test_id("next-shift-box")
    expect(box).to_be_hidden()
    page.select_option('select[name="kind"]', "handover")
    expect(box).to_be_visible()
    page.select_option('select[name="kind"]', "patrol")
    expect(box).to_be_hidden()
    assert j.problems == []
