"""Browser check on a phone (390×844): a school records three cases in one class, the cluster
alert appears with its countdown and the button to report; the centre sees it at once on its
own phone, and the figures page draws its charts from local assets with no script error.
Run with ``pytest -m browser safecampus/incidents/tests/test_pages_clusters_browser.py``."""

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

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _no_session_write_per_request(settings):
    settings.SESSION_REFRESH_SECONDS = 24 * 3600


@pytest.fixture
def live(_async_unsafe_allowed, transactional_db, world):  # noqa: F811
    return world


def test_a_school_records_a_cluster_on_a_phone_and_the_centre_sees_it(live, journey):  # noqa: F811
    school = _open(journey, **PHONE)
    page = school.page
    page.goto("/incidents/clusters/illness/new/")
    school.log_in(live.users[Role.SCHOOL_OFFICER].username)
    expect(page.get_by_test_id("illness-form")).to_be_visible()
    page.locator("input[name=class_name]").fill("三年级2班")
    page.locator("input[name=cases]").fill("3")
    page.locator("input[name=symptoms]").fill("发热、咳嗽")
    page.get_by_test_id("illness-save").click()
    expect(page).to_have_url(re.compile(r"/incidents/clusters/\?school=\d+$"))
    expect(page.get_by_test_id("alert-countdown")).to_contain_text("剩余")
    expect(page.get_by_test_id("alert-report")).to_be_visible()
    expect(page.get_by_test_id("illness-cards")).to_be_visible()  # the grid as cards
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width
    school.assert_clean()

    centre = _open(journey, **PHONE)
    centre.page.goto("/incidents/clusters/")
    centre.log_in(live.users[Role.SAFETY_CENTRE].username)
    expect(centre.page.get_by_test_id("alert-countdown")).to_be_visible()
    centre.page.goto("/incidents/overview/")
    expect(centre.page.locator("[data-figure=incident-clusters]")).to_have_text("1")
    expect(centre.page.locator("#incident-grade-chart canvas").first).to_be_attached()
    centre.page.goto("/incidents/settings/")
    expect(centre.page.get_by_test_id("limit-cards")).to_be_visible()
    centre.assert_clean()
