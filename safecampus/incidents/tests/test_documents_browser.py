"""Browser check of the monthly summary on a phone: the centre chooses a month and downloads
the 公文, with no outside request, no script error and nothing wider than the screen.
Run with ``pytest -m browser safecampus/incidents/tests/test_documents_browser.py``."""

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
    world_live,
)
from safecampus.hazards.tests.test_browser import _open

pytestmark = pytest.mark.browser


def test_the_centre_downloads_the_monthly_summary_on_a_phone(world_live, journey):  # noqa: F811
    j = _open(journey, **PHONE)
    page = j.page
    page.goto("/incidents/summary/")
    j.log_in(world_live.users[Role.SAFETY_CENTRE].username)
    expect(page).to_have_url(re.compile(r"/incidents/summary/$"))
    form = page.get_by_test_id("monthly-summary-form")
    expect(form).to_be_visible()
    expect(page.locator("h1")).to_contain_text("突发事件月度汇总")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    month = page.locator("#summary-month").input_value()
    assert re.fullmatch(r"\d{4}-\d{2}", month)
    with page.expect_download() as info:
        form.locator("button[type=submit]").click()
    name = info.value.suggested_filename
    year, mon = (int(x) for x in month.split("-"))
    assert name == f"闵行区教育局{year}年{mon}月校园突发事件情况汇总.docx"
    j.assert_clean()
