"""The safety zone's main journey in a browser, in the Chinese UI:

1. the 法制科 officer imports a workbook of venues (an internet café 120 m from school A's gate,
   given in GCJ-02, and one 600 m away), follows the import job, sees the café on the map and one
   new case for school A in the case list;
2. the partner unit (the police station covering school A) on a phone opens the case and records
   the café's closure with a note and a photo: the case awaits verification;
3. the 法制科 officer verifies and closes it (已销号).

Run with ``pytest -m browser safecampus/zones/tests/test_browser_journey.py``. Browser tests are
skipped in a ``--frozen-now`` session (Chromium keeps the real clock); nothing here depends on
the date: the deadline the case gets is whatever the rules give from now.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from django.urls import reverse
from openpyxl import Workbook
from PIL import Image
from playwright.sync_api import expect

from safecampus.core import geo
from safecampus.core.roles import Role
from safecampus.core.tests.test_browser import (  # noqa: F401 (fixtures, found by name)
    PHONE,
    _async_unsafe_allowed,
    _path,
    browser,
    journey,
)
from safecampus.hazards.tests.test_browser import (  # noqa: F401 (fixtures, found by name)
    _media,
    _no_session_write_per_request,
    _open,
)
from safecampus.zones import imports
from safecampus.zones.choices import CaseAction, CaseStatus, VenueStatus
from safecampus.zones.models import Venue, ZoneCase, ZoneCaseEvent
from safecampus.zones.testing import ORIGIN, away, zone_world

pytestmark = pytest.mark.browser

CAFE = "星空网吧"
FAR = "远郊网吧"


@pytest.fixture
def zone_live(_async_unsafe_allowed, transactional_db, world):  # noqa: F811
    """``world`` with 法制科, school A's gate at ORIGIN and the gate-zone packs, committed for the
    live server."""
    return zone_world(world)


def _venue_workbook(path: Path) -> Path:
    """A workbook as the template lays it out (headers from ``imports.columns()``, required ones
    marked with '*'): the café 120 m east of school A's gate and another venue 600 m north, both
    read off Amap (GCJ-02)."""
    near = away(ORIGIN, 120, system=geo.GCJ02)
    far = away(ORIGIN, 600, azimuth=0.0, system=geo.GCJ02)
    values = {
        CAFE: ["网吧", CAFE, "沪文网0001", "测试路1号", near[0], near[1], "GCJ-02", "排查", ""],
        FAR: ["网吧", FAR, "沪文网0002", "测试路99号", far[0], far[1], "高德", "", ""],
    }
    wb = Workbook()
    ws = wb.active
    ws.title = "场所"
    ws.append([c.header + ("*" if c.required else "") for c in imports.columns()])
    for row in values.values():
        # coordinates as numbers, as a user pasting from a map would leave them
        ws.append([float(v) if i in (4, 5) else v for i, v in enumerate(row)])
    wb.save(path)
    return path


def _png() -> dict:
    img = Image.new("RGB", (320, 240), (90, 90, 90))
    out = io.BytesIO()
    img.save(out, format="PNG")
    return {"name": "关停现场.png", "mimeType": "image/png", "buffer": out.getvalue()}


def _open_zone_menu(page, label: str, *, phone: bool = False) -> None:
    """学生安全区域 → ``label`` through the navbar (collapsed on a phone)."""
    if phone:
        page.locator(".navbar-toggler").tap()
    menu = page.get_by_test_id("nav-geo-alt")
    expect(menu).to_have_text(re.compile("学生安全区域"))
    menu.click()
    # (the icon's glyph is part of the link's accessible name: match the text)
    page.locator("#nav .dropdown-menu a.dropdown-item", has_text=label).click()


def test_law_office_imports_venues_and_a_partner_records_the_closure(
    zone_live,
    world,
    journey,  # noqa: F811
    tmp_path,
):
    z = zone_live
    school = world.school_a

    # --- 1. 法制科 imports venues ------------------------------------------------------------
    officer = _open(journey)
    page = officer.page
    page.goto("/")
    officer.log_in(z.law_officer.username)
    expect(page).to_have_url(_path("core:home"))

    _open_zone_menu(page, "周边场所")
    expect(page).to_have_url(_path("zones:venue_list"))
    page.get_by_test_id("venue-import").click()
    expect(page).to_have_url(_path("zones:venue_import"))
    page.locator("input[name=file]").set_input_files(_venue_workbook(tmp_path / "周边场所.xlsx"))
    page.get_by_test_id("venue-import-form").locator("button[type=submit]").click()

    # the job page: jobs run inline in tests, so it shows the outcome at once (or after a poll)
    status = page.get_by_test_id("job-status")
    expect(status).to_have_attribute("data-status", "succeeded")
    expect(status.locator(".alert-success")).to_contain_text("2")
    cafe = Venue.objects.get(name=CAFE)
    assert Venue.objects.filter(name=FAR).exists()
    assert cafe.coord_system == geo.GCJ02
    officer.screenshot("zones-journey-1-import-done")

    # the map: its rows come from map.json after the page is drawn
    with page.expect_response(lambda r: r.url.endswith(reverse("zones:map_data"))) as resp:
        _open_zone_menu(page, "地图")
    expect(page).to_have_url(_path("zones:map"))
    data = resp.value.json()
    rows = {v[1]: v for v in data["venues"]}
    assert set(rows) == {CAFE, FAR}
    assert rows[CAFE][0] == cafe.pk
    assert rows[CAFE][3] == VenueStatus.OPERATING
    assert rows[CAFE][6] == 1  # one open case
    assert rows[FAR][6] == 0
    assert school.pk in {s[0] for s in data["schools"]}
    expect(page.get_by_test_id("map-status")).to_contain_text("2")  # schools and venues shown
    expect(page.locator("#zone-map canvas, #zone-map path").first).to_be_attached()
    officer.screenshot("zones-journey-2-map")

    # the case list: one new case, for school A, ≈120 m
    _open_zone_menu(page, "整治案件")
    expect(page).to_have_url(_path("zones:case_list"))
    rows = page.get_by_test_id("case-row")
    expect(rows).to_have_count(1)
    row = rows.first
    expect(row).to_contain_text(CAFE)
    expect(row).to_contain_text(school.name)
    expect(row).not_to_contain_text(FAR)
    distance = float(row.locator("td").nth(3).inner_text())
    assert 118 <= distance <= 122, distance
    case = ZoneCase.objects.get(venue=cafe)
    assert case.school_id == school.pk
    assert ZoneCase.objects.count() == 1
    assert world.partner in case.partners.all()
    assert case.department_id == z.law.pk

    # --- 2. the police station on a phone records the closure -------------------------------
    partner = _open(journey, **PHONE)
    ppage = partner.page
    ppage.goto("/")
    partner.log_in(world.users[Role.PARTNER].username)
    expect(ppage).to_have_url(_path("core:home"))
    _open_zone_menu(ppage, "整治案件", phone=True)
    expect(ppage).to_have_url(_path("zones:case_list"))
    cards = ppage.get_by_test_id("case-cards").locator("a.card")
    expect(cards).to_have_count(1)
    expect(cards.first).to_contain_text(CAFE)
    cards.first.tap()
    expect(ppage).to_have_url(_path("zones:case_detail", case.pk))
    expect(ppage.get_by_test_id("distance")).to_contain_text("12")

    ppage.get_by_test_id(f"action-{CaseAction.RECORD_CLOSURE}").tap()
    form = ppage.locator(f"#act-{CaseAction.RECORD_CLOSURE}")
    expect(form).to_be_visible()
    form.locator("textarea[name$=note]").fill("已责令停业，招牌已拆除。")
    form.locator("input[type=file]").set_input_files(_png())
    box = form.locator("input[type=file]").bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    # wait for the POST itself (the page was already at the case's URL, so the URL alone says
    # nothing): a slow upload on a loaded machine must not pass for a refused one
    act_url = reverse("zones:case_act", args=[case.pk, CaseAction.RECORD_CLOSURE])
    with ppage.expect_response(
        lambda r: r.request.method == "POST" and r.url.endswith(act_url), timeout=60_000
    ) as posted:
        ppage.get_by_test_id(f"do-{CaseAction.RECORD_CLOSURE}").tap()
    assert posted.value.status == 302, posted.value.status
    ppage.wait_for_url(_path("zones:case_detail", case.pk), wait_until="load", timeout=60_000)
    expect(ppage.get_by_test_id("case-status")).to_contain_text("待核验")
    expect(ppage.get_by_test_id("evidence").locator("img")).to_have_count(1)
    closure = ppage.get_by_test_id(f"event-{CaseAction.RECORD_CLOSURE}")
    expect(closure).to_contain_text("已责令停业")
    # the timeline speaks in words, not stored codes
    expect(closure.get_by_test_id("event-statuses")).to_have_text("待交办 → 待核验")
    expect(closure).to_contain_text("协作单位")
    expect(ppage.get_by_test_id("timeline")).not_to_contain_text(re.compile(r"submitted|partner"))
    partner.screenshot("zones-journey-3-partner-closure-phone")

    case.refresh_from_db()
    assert case.status == CaseStatus.SUBMITTED
    cafe.refresh_from_db()
    assert cafe.status == VenueStatus.CLOSED
    event = ZoneCaseEvent.objects.get(case=case, action=CaseAction.RECORD_CLOSURE)
    assert event.actor_id == world.users[Role.PARTNER].pk
    assert [e.original_name for e in event.evidence.all()] == ["关停现场.png"]
    assert event.evidence.get().uploaded_by_id == world.users[Role.PARTNER].pk
    partner.assert_clean()

    # --- 3. 法制科 verifies and closes it ----------------------------------------------------
    page.get_by_test_id("case-row").first.get_by_role("link", name=CAFE).click()
    expect(page).to_have_url(_path("zones:case_detail", case.pk))
    expect(page.get_by_test_id("case-status")).to_contain_text("待核验")
    page.get_by_test_id(f"action-{CaseAction.VERIFY}").click()
    verify = page.locator(f"#act-{CaseAction.VERIFY}")
    expect(verify).to_be_visible()
    verify.locator("textarea[name$=note]").fill("现场核实已关停。")
    page.get_by_test_id(f"do-{CaseAction.VERIFY}").click()
    expect(page).to_have_url(_path("zones:case_detail", case.pk))
    expect(page.get_by_test_id("case-status")).to_contain_text("已销号")
    expect(page.get_by_test_id("actions")).to_have_count(0)
    officer.screenshot("zones-journey-4-closed")
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    assert case.closed_at is not None
    officer.assert_clean()
