"""Browser journey through the compliance page on a phone: Debian's Chromium driven by
Playwright. Run with ``pytest -m browser safecampus/duties/tests/test_browser_oversight.py``."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from safecampus.core.roles import Role
from safecampus.core.tests.test_browser import (  # noqa: F401 (fixtures, found by name)
    PHONE,
    _async_unsafe_allowed,
    browser,
    journey,
)
from safecampus.hazards.tests.test_browser import _open

from . import oversight_world

pytestmark = pytest.mark.browser
ow = oversight_world.ow  # the fixture


@pytest.fixture(autouse=True)
def _no_session_write_per_request(settings):
    settings.SESSION_REFRESH_SECONDS = 24 * 3600


@pytest.fixture
def ow_live(_async_unsafe_allowed, transactional_db, ow):  # noqa: F811
    return ow


def test_department_reads_compliance_on_a_phone_and_follows_a_number(ow_live, journey):  # noqa: F811
    j = _open(journey, **PHONE)
    page = j.page
    page.goto("/duties/compliance/")
    j.log_in(ow_live.world.users[Role.DEPARTMENT_OFFICER].username)
    page.goto("/duties/compliance/")
    overall = page.get_by_test_id("overall")
    expect(overall.get_by_test_id("owed")).to_have_text("8")
    expect(overall.get_by_test_id("rate")).to_have_text("37.5%")
    chart = page.locator("#duty-month-chart")
    chart.scroll_into_view_if_needed()
    expect(chart.locator("canvas").first).to_be_attached()
    assert page.eval_on_selector("#duty-month-chart canvas", "c => c.width") > 100
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    j.screenshot("duties-compliance-phone")
    overall.get_by_test_id("missed").click()
    expect(page).to_have_url(re.compile(r"/duties/occurrences/\?.*status=missed"))
    expect(page.get_by_test_id("occurrence-row")).to_have_count(3)
    j.assert_clean()
