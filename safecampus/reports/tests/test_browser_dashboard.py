"""Browser journey through the bureau dashboard: Debian's Chromium driven by Playwright.
Run with ``pytest -m browser safecampus/reports/tests/test_browser_dashboard.py``.
Screenshots go to var/screenshots/."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from safecampus.core.tests.test_browser import (  # noqa: F401 (fixtures, found by name)
    PHONE,
    _async_unsafe_allowed,
    _path,
    browser,
    journey,
)
from safecampus.hazards.tests.test_browser import _open

from . import dashboard_world

pytestmark = pytest.mark.browser
dash = dashboard_world.dash  # the fixture

CHARTS = ["status", "colour", "area", "department", "stage", "overdue", "trend", "map"]


@pytest.fixture(autouse=True)
def _no_session_write_per_request(settings):
    """As in the register's journeys: the live server's threads share one in-memory SQLite
    connection, so sessions are saved only when they change (no idle-timeout refresh)."""
    settings.SESSION_REFRESH_SECONDS = 24 * 3600


@pytest.fixture
def dash_live(_async_unsafe_allowed, transactional_db, dash):  # noqa: F811
    """The hand-built register, in a committed database the live server can see."""
    return dash


def _expect_charts_drawn(page, charts=CHARTS) -> None:
    for name in charts:
        chart = page.locator(f"#chart-{name}")
        chart.scroll_into_view_if_needed()
        expect(chart.locator("canvas").first).to_be_attached()
    # ECharts drew into the canvas: it is as wide as its box
    width = page.eval_on_selector("#chart-trend canvas", "c => c.width")
    assert width > 100


def test_centre_opens_the_dashboard_sees_charts_and_follows_a_number(dash_live, journey):  # noqa: F811
    d = dash_live
    j = _open(journey)
    page = j.page
    page.goto("/dashboard/")
    j.log_in(d.centre.username)
    expect(page).to_have_url(_path("reports:dashboard"))
    _expect_charts_drawn(page)
    expect(page.locator("[data-figure=open]")).to_have_text("8")
    expect(page.locator("[data-figure=overdue]")).to_have_text("5")
    expect(page.get_by_test_id("rectification-rate")).to_have_text("22.2%")
    j.screenshot("dashboard-centre")

    # a click on the overdue bucket 8–30 opens the register with those two hazards
    page.locator("[data-figure='overdue-8_30']").click()
    expect(page).to_have_url(re.compile(r"/hazards/\?overdue_min=8&overdue_max=30$"))
    expect(page.get_by_test_id("result-count")).to_contain_text("2")
    rows = page.locator("#hazard-table tbody tr")
    expect(rows).to_have_count(2)

    # the filter form narrows the figures (school type: kindergarten)
    page.goto("/dashboard/")
    page.select_option("#id_stage", "kindergarten")
    page.get_by_test_id("dashboard-filters").locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"stage=kindergarten"))
    expect(page.locator("[data-figure=open]")).to_have_text("2")
    _expect_charts_drawn(page, [c for c in CHARTS if c != "map"])
    # school B has no coordinates: no map, and the note says so
    expect(page.locator("#chart-map canvas")).to_have_count(0)
    expect(page.get_by_test_id("map-note")).to_contain_text("1")
    j.assert_clean()


def test_department_reads_its_dashboard_on_a_phone(dash_live, journey):  # noqa: F811
    d = dash_live
    j = _open(journey, **PHONE)
    page = j.page
    page.goto("/dashboard/")
    j.log_in(d.other_dept_user.username)
    expect(page).to_have_url(_path("reports:dashboard"))
    # 安保科 counts only its own hazard
    expect(page.locator("[data-figure=open]")).to_have_text("1")
    _expect_charts_drawn(page)
    # cards stack on a phone: no sideways scrolling of the page
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    j.screenshot("dashboard-department-phone")
    j.assert_clean()


def test_a_large_scope_waits_for_its_figures_then_sees_them_as_of_their_time(
    dash_live,
    journey,  # noqa: F811
    settings,
):
    """A city-wide dashboard is counted by a job: the page shows the progress, opens the
    figures by itself when they are ready, and says how old they are."""
    settings.DASHBOARD_LIVE_MAX_SCHOOLS = 0
    d = dash_live
    j = _open(journey)
    page = j.page
    page.goto("/dashboard/")
    j.log_in(d.centre.username)
    expect(page.get_by_test_id("snapshot-bar")).to_contain_text(re.compile(r"\d{4}-\d\d-\d\d"))
    expect(page.locator("[data-figure=open]")).to_have_text("8")
    _expect_charts_drawn(page)
    j.screenshot("dashboard-snapshot")

    # update now: the figures are counted again and the page comes back with them
    page.get_by_test_id("snapshot-refresh").click()
    expect(page.get_by_test_id("snapshot-bar")).to_be_visible()
    expect(page.locator("[data-figure=open]")).to_have_text("8")
    j.assert_clean()
