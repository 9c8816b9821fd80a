"""Browser check of the safety zone map: Leaflet from local static files draws the schools and
venues of the centre's district on a phone, with no outside request and no script error.
Run with ``pytest -m browser safecampus/zones/tests/test_overview_browser.py``."""

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
from safecampus.zones import services
from safecampus.zones.testing import ORIGIN, away, venue_data, zone_world

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _no_session_write_per_request(settings):
    settings.SESSION_REFRESH_SECONDS = 24 * 3600


@pytest.fixture
def zone_live(_async_unsafe_allowed, transactional_db, world):  # noqa: F811
    z = zone_world(world)
    z.cafe = services.register_venue(
        actor=world.users[Role.SAFETY_CENTRE],
        bureau_id=world.bureau.pk,
        data=venue_data(away(ORIGIN, 150)),
    )
    return z


def test_the_centre_sees_the_map_on_a_phone(zone_live, world, journey):  # noqa: F811
    j = _open(journey, **PHONE)
    page = j.page
    page.goto("/zones/map/")
    j.log_in(world.users[Role.SAFETY_CENTRE].username)
    expect(page).to_have_url(re.compile(r"/zones/map/$"))
    # two schools, one venue, drawn on Leaflet's canvas
    expect(page.locator("#zone-map-status")).to_contain_text("2")
    expect(page.locator("#zone-map canvas").first).to_be_attached()
    expect(page.locator(".leaflet-control-scale")).to_be_visible()
    box = page.locator("#zone-map").bounding_box()
    assert box and box["height"] >= 300
    assert j.problems == []
