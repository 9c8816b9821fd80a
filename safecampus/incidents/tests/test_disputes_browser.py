"""The dispute register in a browser, in the Chinese UI: a school officer registers a dispute at
risk of petitions on a phone; the safety centre finds it on the register highlighted with the
sensitive period that flags it, and records a mediation step on its page.

Run with ``pytest -m browser safecampus/incidents/tests/test_disputes_browser.py``. The browser
keeps the real clock: the fake sensitive period starts from the real today.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

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
    world_live,
)
from safecampus.incidents import dispute_selectors
from safecampus.incidents.models import Dispute

pytestmark = pytest.mark.browser


@dataclass
class Period:
    name: str
    kind: str
    starts_on: datetime.date
    ends_on: datetime.date


def test_school_registers_on_a_phone_and_the_centre_sees_it_flagged(
    world_live,  # noqa: F811
    journey,  # noqa: F811
    monkeypatch,
):
    world = world_live
    today = timezone.localdate()
    monkeypatch.setattr(
        dispute_selectors,
        "_periods_around",
        lambda **kw: {
            world.bureau.pk: [
                Period(
                    "全国两会",
                    "sensitive",
                    today + datetime.timedelta(days=3),
                    today + datetime.timedelta(days=12),
                )
            ]
        },
    )
    school = journey(**PHONE)
    page = school.page
    page.goto(reverse("incidents:dispute_list"))
    school.log_in(world.users[Role.SCHOOL_OFFICER].username)
    expect(page).to_have_url(_path("incidents:dispute_list"))
    expect(page.get_by_test_id("dispute-cards")).to_be_visible()
    expect(page.get_by_test_id("dispute-table")).to_be_hidden()
    page.get_by_test_id("dispute-new").tap()
    expect(page).to_have_url(_path("incidents:dispute_new"))
    form = page.get_by_test_id("dispute-form")
    form.locator("select[name=subject]").select_option("fees")
    form.locator("input[name=title]").fill("家长联名反对收费调整")
    form.locator("select[name=party_role_0]").select_option("parent")
    form.locator("input[name=party_count_0]").fill("12")
    form.locator("select[name=party_role_1]").select_option("school")
    form.locator("input[name=party_count_1]").fill("1")
    form.locator("textarea[name=summary]").fill(
        "多名家长对课后服务收费调整有异议，扬言集体到区里反映。"
    )
    form.locator("select[name=risk]").select_option("medium")
    form.locator("input[name=petition_risk]").check()
    expect(form.locator("input[name=found_on]")).to_have_value(today.isoformat())
    page.get_by_test_id("dispute-submit").tap()
    expect(page).to_have_url(re.compile(r"/incidents/disputes/\d+/$"))
    dispute = Dispute.objects.get()
    expect(page).to_have_url(_path("incidents:dispute_detail", dispute.pk))
    expect(page.get_by_test_id("petition")).to_be_visible()
    expect(page.get_by_test_id("parties")).to_contain_text("家长")
    school.screenshot("disputes-1-school-phone-detail")
    school.assert_clean()

    centre = journey()
    page = centre.page
    page.goto(reverse("incidents:dispute_list"))
    centre.log_in(world.users[Role.SAFETY_CENTRE].username)
    expect(page).to_have_url(_path("incidents:dispute_list"))
    row = page.get_by_test_id("dispute-row").filter(has_text="家长联名反对收费调整")
    expect(row.get_by_test_id("flagged")).to_contain_text("全国两会")
    centre.screenshot("disputes-2-centre-list-flagged")
    row.get_by_role("link", name="家长联名反对收费调整").click()
    expect(page).to_have_url(_path("incidents:dispute_detail", dispute.pk))
    expect(page.get_by_test_id("flagged")).to_contain_text("全国两会")
    page.get_by_test_id("action-mediate").click()
    panel = page.locator("#act-mediate")
    panel.locator("select[name=mediate-kind]").select_option("administrative")
    panel.locator("select[name=mediate-value]").select_option("session")
    panel.locator("textarea[name=mediate-note]").fill("教育局组织家长代表座谈。")
    page.get_by_test_id("do-mediate").click()
    expect(page).to_have_url(_path("incidents:dispute_detail", dispute.pk))
    expect(page.get_by_test_id("mediation")).to_contain_text("行政调解")
    expect(page.get_by_test_id("dispute-status")).to_contain_text("调解中")
    centre.screenshot("disputes-3-centre-mediated")
    centre.assert_clean()
    assert re.search("mediating", Dispute.objects.get().status)
