"""A kindergarten on a phone (390×844) records its quarterly evacuation drill with a photo and
sees it done.

Run with ``pytest -m browser safecampus/duties/tests/test_browser_owner.py``. Screenshots go to
var/screenshots/. The journey is one function, :func:`kindergarten_records_its_drill`, so that a
longer journey (the department seeing the compliance rate rise) can start from it.
"""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from safecampus.core.roles import Role
from safecampus.core.testing import user_with_role
from safecampus.core.tests.test_browser import (  # noqa: F401 (fixtures, found by name)
    PHONE,
    _async_unsafe_allowed,
    _path,
    browser,
    journey,
)
from safecampus.duties import services
from safecampus.duties.choices import OccurrenceStatus
from safecampus.duties.models import Occurrence
from safecampus.duties.testing import school_year_terms, small_duty_catalog
from safecampus.hazards.tests.test_browser import (  # noqa: F401 (fixtures, found by name)
    _media,
    _no_session_write_per_request,
    _open,
    _photo,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def duties_live(_async_unsafe_allowed, transactional_db, world):  # noqa: F811
    """The shared world with the small duty catalog and this school year's terms, committed
    for the live server, and an officer of the kindergarten (school B)."""
    today = timezone.localdate()
    small_duty_catalog(world.bureau, world.department)
    school_year_terms(world.bureau, today.year if today.month >= 9 else today.year - 1)
    world.kindergarten_user = user_with_role(
        Role.SCHOOL_OFFICER, world.school_b, username="kg_officer"
    )
    services.generate(world.bureau, today=today)  # the daily job
    return world


def _held_at() -> str:
    """An hour ago (today's, if midnight is nearer), as a datetime-local input takes it."""
    now = timezone.localtime()
    at = now - datetime.timedelta(hours=1)
    if at.date() != now.date():
        at = now.replace(minute=0)
    return f"{at:%Y-%m-%dT%H:%M}"


def kindergarten_records_its_drill(journey, world) -> Occurrence:  # noqa: F811
    """The kindergarten's officer, on a phone, opens 本单位常态化工作, records this quarter's
    evacuation drill (幼儿园应急疏散演练) with a photo and sees it done. Returns the
    occurrence."""
    kg = _open(journey, **PHONE)
    page = kg.page
    page.goto(reverse("duties:my"))
    kg.log_in(world.kindergarten_user.username)
    expect(page).to_have_url(_path("duties:my"))

    # 1. The quarterly drill is due this week, with a big button to record it.
    card = page.get_by_test_id("panel-this_week").get_by_test_id("occurrence-KDRILL")
    expect(card).to_contain_text("幼儿园应急疏散演练")
    expect(card.get_by_test_id("period")).to_have_text(re.compile(r"^\d{4}年第[1-4]季度$"))
    expect(card.get_by_test_id("occurrence-status")).to_have_attribute("data-status", "due")
    expect(page.get_by_test_id("count-done-term")).to_have_text("0")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["viewport"]["width"]
    kg.screenshot("duties-1-phone-my")
    # past the panel's first five (early in a week, when the weekly duties are due too) the
    # card is under "N more": open it, as a person would
    more = page.get_by_test_id("panel-this_week").get_by_test_id("more-this_week")
    if more.count() and not card.is_visible():
        more.locator("summary").tap()
    card.get_by_test_id("record-KDRILL").tap()

    # 2. The record form: when, how many took part, a photo from the camera.
    occ = Occurrence.objects.get(school=world.school_b, code="KDRILL", period_key=_quarter())
    expect(page).to_have_url(
        re.compile(re.escape(reverse("duties:occurrence_detail", args=[occ.pk])) + "#record$")
    )
    form = page.get_by_test_id("record-form")
    form.locator("input[name=occurred_at]").fill(_held_at())
    form.locator("input[name=scenario]").fill("午睡时段火灾疏散")
    form.locator("input[name=participants]").fill("286")
    photo = form.locator("input[type=file][name=files_photo]")
    expect(photo).to_have_attribute("capture", "environment")
    photo.set_input_files(_photo("drill", (40, 120, 200)))
    kg.screenshot("duties-2-phone-record-form")
    with page.expect_navigation():
        page.get_by_test_id("record-submit").tap()

    # 3. Done: the badge, the message, the photo's thumbnail.
    expect(page).to_have_url(_path("duties:occurrence_detail", occ.pk))
    expect(page.get_by_test_id("status").get_by_test_id("occurrence-status")).to_have_attribute(
        "data-status", "done"
    )
    expect(page.locator(".alert-success")).to_have_count(1)
    thumb = page.get_by_test_id("records").locator("img.evidence-thumb")
    expect(thumb).to_have_count(1)
    expect(thumb).to_have_js_property("complete", True)
    assert thumb.evaluate("img => img.naturalWidth") > 0
    kg.screenshot("duties-3-phone-recorded")

    # 4. Back on 本单位常态化工作: counted as done this term, listed as done.
    page.goto(reverse("duties:my"))
    expect(page.get_by_test_id("count-done-term")).to_have_text("1")
    expect(page.get_by_test_id("panel-done").get_by_test_id("occurrence-KDRILL")).to_have_count(1)
    expect(
        page.get_by_test_id("panel-this_week").get_by_test_id("occurrence-KDRILL")
    ).to_have_count(0)
    kg.assert_clean()

    occ.refresh_from_db()
    assert occ.status == OccurrenceStatus.DONE
    rec = occ.records.get()
    assert (rec.participants, rec.scenario) == (286, "午睡时段火灾疏散")
    assert list(rec.files.values_list("kind", flat=True)) == ["photo"]
    return occ


def _quarter() -> str:
    """The quarter of today, as the occurrence's key (2026-Q4)."""
    today = timezone.localdate()
    return f"{today.year}-Q{(today.month - 1) // 3 + 1}"


def _kdrill_rate(dept) -> str:
    """The department's compliance rate for the kindergartens' quarterly drill, as shown."""
    dept.page.goto(reverse("duties:compliance") + "?code=KDRILL")
    return dept.page.get_by_test_id("overall").get_by_test_id("rate").inner_text()


def test_a_kindergarten_records_its_quarterly_drill_on_a_phone(duties_live, journey):  # noqa: F811
    # the overseeing department looks at the drill's compliance first: owed, nothing done
    dept = _open(journey)
    dept.page.goto(reverse("duties:compliance"))
    dept.log_in(duties_live.users[Role.DEPARTMENT_OFFICER].username)
    assert _kdrill_rate(dept) == "0.0%"
    kindergarten_records_its_drill(journey, duties_live)
    # and sees the rate rise once the kindergarten has recorded it
    assert _kdrill_rate(dept) == "100.0%"
    dept.screenshot("duties-4-department-rate-risen")
    dept.assert_clean()
