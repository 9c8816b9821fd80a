"""Browser journey through the school dashboard on a phone: Debian's Chromium driven by
Playwright. Run with ``pytest -m browser safecampus/reports/tests/test_browser_school.py``.
Screenshots go to var/screenshots/."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from safecampus.core.roles import Role
from safecampus.core.tests.test_browser import (  # noqa: F401 (fixtures, found by name)
    PHONE,
    _async_unsafe_allowed,
    _path,
    browser,
    journey,
)
from safecampus.hazards.choices import Status
from safecampus.hazards.testing import hazard_at, small_catalog
from safecampus.hazards.tests.helpers import temporary_media
from safecampus.hazards.tests.test_browser import _open

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _no_session_write_per_request(settings):
    """As in the register's journeys: the live server's threads share one in-memory SQLite
    connection, so sessions are saved only when they change (no idle-timeout refresh)."""
    settings.SESSION_REFRESH_SECONDS = 24 * 3600


@pytest.fixture
def dash_live(_async_unsafe_allowed, transactional_db, world, settings, tmp_path):  # noqa: F811
    temporary_media(settings, tmp_path)
    world.catalog = small_catalog(world.bureau, world.department)
    return world


def test_school_officer_reads_the_dashboard_on_a_phone_and_follows_a_number(dash_live, journey):  # noqa: F811
    w = dash_live
    today = timezone.localdate()
    school_user, dept_user = w.users[Role.SCHOOL_OFFICER], w.users[Role.DEPARTMENT_OFFICER]

    def make(status, deadline):
        return hazard_at(
            status, school=w.school_a, school_user=school_user, dept_user=dept_user,
            deadline=deadline, description=f"{status} 隐患",
        )  # fmt: skip

    late = make(Status.RECTIFYING, today - datetime.timedelta(days=1))
    make(Status.RECTIFYING, today)
    make(Status.SUBMITTED, today + datetime.timedelta(days=20))

    # 1. On a phone, the school's officer opens their dashboard
    j = _open(journey, **PHONE)
    page = j.page
    page.goto("/dashboard/school/")
    j.log_in(school_user.username)
    expect(page).to_have_url(_path("reports:school_dashboard"))
    expect(page.get_by_test_id("school-name")).to_have_text(w.school_a.name)
    expect(page.get_by_test_id("value-open")).to_have_text("3")
    expect(page.get_by_test_id("value-overdue")).to_have_text("1")
    expect(page.get_by_test_id("value-submitted")).to_have_text("1")
    # the figures sit two by two and nothing runs off the side of the screen
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["viewport"]["width"]
    first = page.get_by_test_id("open-hazards").locator(".list-group-item").first
    expect(first).to_contain_text(late.code)
    expect(first.get_by_test_id("overdue")).to_be_visible()
    j.screenshot("school-dashboard-phone")

    # 2. Tapping the overdue number opens the register with exactly that hazard
    page.get_by_test_id("figure-overdue").tap()
    expect(page).to_have_url(_path("hazards:hazard_list"))
    rows = page.get_by_test_id("hazard-table").locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(late.code)

    # 3. The printable page is its own A4 document
    page.goto(f"/dashboard/school/{w.school_a.pk}/print/")
    expect(page.get_by_test_id("print-figures")).to_contain_text("3")
    j.screenshot("school-dashboard-print")
    j.assert_clean()
