"""A primary school's officer on a phone (390×844) sees on the 人防物防技防 card that the school
lacks night guards, raises them on the facts form and sees the requirement complied with.

Run with ``pytest -m browser safecampus/standards/tests/test_browser_facts.py``. Screenshots go
to var/screenshots/.
"""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
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
from safecampus.hazards.tests.test_browser import (  # noqa: F401 (fixtures, found by name)
    _media,
    _no_session_write_per_request,
    _open,
)
from safecampus.standards.choices import FindingStatus
from safecampus.standards.models import Finding
from safecampus.standards.testing import (
    compliant_gate,
    compliant_values,
    record_facts,
    standards_world,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def facts_live(_async_unsafe_allowed, transactional_db, world):  # noqa: F811
    """School A: a non-boarding primary school with two gates and no guard at night at either,
    committed for the live server."""
    standards_world(world)
    school = world.school_a
    school.gate_count = 2
    school.boarding = False
    school.boarders = 0
    school.save()
    today = timezone.localdate()
    record_facts(
        school,
        world.users[Role.SCHOOL_OFFICER],
        values=compliant_values(
            alarm_tested_on=(today - datetime.timedelta(days=10)).isoformat(),
            guard_training_on=(today - datetime.timedelta(days=60)).isoformat(),
        ),
        gates=[compliant_gate(guards_night=0), compliant_gate(guards_night=0)],
    )
    return world


def test_school_officer_raises_night_guards_on_a_phone(facts_live, journey):  # noqa: F811
    world = facts_live
    school = world.school_a
    assert Finding.objects.get(school=school, key="guards.night").status == FindingStatus.OPEN

    j = _open(journey, **PHONE)
    page = j.page
    page.goto(reverse("standards:my_card"))
    j.log_in(world.users[Role.SCHOOL_OFFICER].username)
    expect(page).to_have_url(_path("standards:card", school.pk))

    # 1. The card shows the night-guards requirement failing, in the school's own numbers.
    night = page.get_by_test_id("req-guards.night")
    expect(night).to_have_attribute("data-outcome", "fail")
    expect(night.get_by_test_id("outcome")).to_have_text("不符合")
    expect(night.get_by_test_id("finding")).to_be_visible()
    expect(night.get_by_test_id("rule-set")).to_contain_text("上海")
    j.screenshot("standards-card-phone-before")

    # 2. The facts form: one card per gate, usable on the phone.
    page.get_by_test_id("edit-facts").click()
    expect(page).to_have_url(_path("standards:facts_edit", school.pk))
    gate1 = page.get_by_test_id("field-gate1.guards_night")
    gate2 = page.get_by_test_id("field-gate2.guards_night")
    expect(gate1).to_have_value("0")
    gate1.fill("1")
    gate2.fill("1")
    box = gate2.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    j.screenshot("standards-facts-form-phone")
    page.get_by_test_id("save").click()

    # 3. Back on the card: the requirement complies and the finding is resolved.
    expect(page).to_have_url(_path("standards:card", school.pk))
    night = page.get_by_test_id("req-guards.night")
    expect(night).to_have_attribute("data-outcome", "pass")
    expect(night.get_by_test_id("outcome")).to_have_text("符合")
    expect(night.get_by_test_id("finding")).to_have_count(0)
    expect(page.get_by_text("已解决：1项")).to_be_visible()
    j.screenshot("standards-card-phone-after")
    assert Finding.objects.get(school=school, key="guards.night").status == FindingStatus.RESOLVED
    j.assert_clean()
