"""Browser journey through a weekly report: Debian's Chromium driven by Playwright.

Run with ``pytest -m browser safecampus/weekly/tests/test_browser.py``. The browser, the live
server and the ``Journey`` helper come from the core journeys, the console-error watch from the
register's. Screenshots go to var/screenshots/.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from safecampus.core.tests.test_browser import (  # noqa: F401 (fixtures, found by name)
    PHONE,
    _async_unsafe_allowed,
    _path,
    browser,
    journey,
)
from safecampus.hazards.tests.test_browser import _open
from safecampus.weekly.models import WeeklyReport

from .conftest import place

pytestmark = pytest.mark.browser


@pytest.fixture
def wk_live(_async_unsafe_allowed, transactional_db, wk):  # noqa: F811
    """The weekly ``wk`` world, in a committed database the live server can see."""
    return wk


@pytest.fixture(autouse=True)
def _no_session_write_per_request(settings):
    """As in the register's journeys: the live server's threads share one in-memory SQLite
    connection, so sessions are saved only when they change (no idle-timeout refresh)."""
    settings.SESSION_REFRESH_SECONDS = 24 * 3600


def test_department_submits_its_week_and_the_centre_sees_it(wk_live, journey):  # noqa: F811
    w = wk_live
    place(w, "reported", reported_on=w.week.start)
    progress = "本周完成甲小学疏散通道清理，复查合格"

    # 1. The department officer opens this week's report from /weekly/ on a phone.
    dept = _open(journey, **PHONE)
    page = dept.page
    page.goto(reverse("weekly:weekly_index"))
    dept.log_in(w.dept_user.username)
    expect(page).to_have_url(_path("weekly:weekly_index"))
    entry = page.get_by_test_id(f"due-{w.department.pk}-{w.week.key}")
    expect(entry).to_contain_text(w.campaign.name)
    entry.get_by_test_id("open-report").tap()
    expect(page).to_have_url(re.compile(r"/weekly/reports/\d+/$"))
    report = WeeklyReport.objects.get(department=w.department, week_start=w.week.start)
    expect(page).to_have_url(_path("weekly:report_detail", report.pk))
    expect(page.get_by_test_id("figures-2")).to_contain_text("甲小学")

    # 2. Writes the narrative and submits, confirmed in the dialog.
    page.locator("textarea[name=progress]").fill(progress)
    page.locator("textarea[name=next_plan]").fill("下周复查乙幼儿园")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["viewport"]["width"]
    dialogs = []
    page.once("dialog", lambda d: (dialogs.append(d.type), d.accept()))
    with page.expect_navigation():
        page.get_by_test_id("report-submit").tap()
    assert dialogs == ["confirm"]
    expect(page.get_by_test_id("report-status")).to_have_attribute("class", "badge text-bg-success")
    expect(page.get_by_test_id("narrative")).to_contain_text(progress)
    expect(page.get_by_test_id("narrative-form")).to_have_count(0)
    dept.screenshot("weekly-report-phone-submitted")

    # 3. The centre's matrix shows the department as submitted this week.
    centre = _open(journey)
    cpage = centre.page
    cpage.goto(reverse("weekly:campaign_weeks", args=[w.campaign.pk]))
    centre.log_in(w.centre.username)
    expect(cpage).to_have_url(_path("weekly:campaign_weeks", w.campaign.pk))
    cell = cpage.get_by_test_id(f"week-{w.week.key}").get_by_test_id(f"cell-{w.department.pk}")
    expect(cell.get_by_test_id("state")).to_have_attribute("data-state", "on_time")
    other = cpage.get_by_test_id(f"week-{w.week.key}").get_by_test_id(f"cell-{w.other_dept.pk}")
    expect(other.get_by_test_id("state")).not_to_have_attribute("data-state", "on_time")
    cell.locator("a").click()
    expect(cpage).to_have_url(_path("weekly:report_detail", report.pk))
    expect(cpage.get_by_test_id("narrative")).to_contain_text(progress)
    centre.screenshot("weekly-matrix-centre")

    report.refresh_from_db()
    assert (report.status, report.progress, report.late) == ("submitted", progress, False)
    assert report.figures["totals"]["new"] == 1
    dept.assert_clean()
    centre.assert_clean()
