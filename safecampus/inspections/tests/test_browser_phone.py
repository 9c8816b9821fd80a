"""A school on a phone (390×844): from its home page to a submitted form, with a whole section
marked 符合 in one tap; a refused submission that lists its items, opens at the first and keeps
the marks; and the register as cards on a narrow screen, a table on a wide one.

Run one file at a time: ``pytest -m browser safecampus/inspections/tests/test_browser_phone.py``.
Screenshots go to var/screenshots/.
"""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from safecampus.campaigns.tests.test_browser import (  # noqa: F401 (fixtures, found by name)
    _choose,
    _no_session_write_per_request,
    _progress,
    _submit,
    _type,
    camp_live,
)
from safecampus.core.tests.test_browser import (  # noqa: F401 (fixtures, found by name)
    PHONE,
    _async_unsafe_allowed,
    _path,
    browser,
    journey,
)
from safecampus.hazards.choices import Status
from safecampus.hazards.models import Hazard
from safecampus.hazards.testing import hazard_at
from safecampus.hazards.tests.test_browser import _forgive_refusal, _open, _zh
from safecampus.inspections.choices import Answer, FormStatus
from safecampus.inspections.models import FormAnswer

pytestmark = pytest.mark.browser
RED = re.compile(r"\bborder-danger\b")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "media"},
        },
    }


def _answers(form) -> dict[str, str]:
    return dict(FormAnswer.objects.filter(form=form).values_list("item__code", "answer"))


def test_a_school_marks_a_section_compliant_and_submits_on_a_phone(camp_live, journey):  # noqa: F811
    camp = camp_live
    form = camp.form_a
    deadline = timezone.localdate() + datetime.timedelta(days=14)
    school = _open(journey, **PHONE)
    page = school.page

    # 1. Home shows the form to fill, with a big button that opens it.
    page.goto("/")
    school.log_in(camp.school_user.username)
    expect(page).to_have_url(_path("core:home"))
    card = page.get_by_test_id("form-to-fill")
    expect(card).to_contain_text(camp.campaign.name)
    expect(card.get_by_test_id("form-status")).to_have_text(_zh(FormStatus.NOT_STARTED.label))
    school.screenshot("15-phone-home")
    card.get_by_test_id("open-form").tap()
    expect(page).to_have_url(_path("inspections:form_detail", form.pk))
    progress = page.get_by_test_id("form-progress")
    expect(progress).to_have_text(_progress(0, 3))

    # 2. One tap marks section A01 符合: both of its items, in one request.
    mark = page.get_by_test_id("mark-section-A01")
    expect(mark).to_have_text(re.compile("本节全部符合"))
    with page.expect_navigation():
        mark.tap()
    expect(page).to_have_url(re.compile(r"#area-\d+$"))
    expect(page.locator(".alert-success")).to_contain_text("A01-01、A01-02")
    for code in ("A01-01", "A01-02"):
        expect(page.get_by_test_id(f"answer-{code}-{Answer.COMPLIANT}")).to_be_checked()
    expect(progress).to_have_text(_progress(2, 3))
    expect(page.get_by_test_id("mark-section-A01")).to_have_count(0)
    school.screenshot("15-phone-section-marked")

    # 3. Each item stays changeable by itself (the undo), then the rest is filled in.
    _choose(page, form, "A01-02", Answer.NON_COMPLIANT)
    _choose(page, form, "A01-02", Answer.COMPLIANT)
    _choose(page, form, "A02-01", Answer.NON_COMPLIANT)
    _type(page, form, "A02-01", "description", "食堂许可证已过期")
    _type(page, form, "A02-01", "plan", "向市场监管部门申请换证")
    _type(page, form, "A02-01", "deadline", deadline.isoformat())
    _type(page, form, "A02-01", "responsible_person", "王老师")
    expect(progress).to_have_text(_progress(3, 3, 1))
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["viewport"]["width"]

    # 4. Submitted.
    _submit(page)
    expect(page).to_have_url(_path("inspections:form_detail", form.pk))
    expect(page.get_by_test_id("form-status")).to_have_text(_zh(FormStatus.SUBMITTED.label))
    expect(page.get_by_test_id("form-submit")).to_have_count(0)
    school.screenshot("15-phone-submitted")

    form.refresh_from_db()
    assert form.status == FormStatus.SUBMITTED
    assert _answers(form) == {
        "A01-01": Answer.COMPLIANT,
        "A01-02": Answer.COMPLIANT,
        "A02-01": Answer.NON_COMPLIANT,
    }
    assert Hazard.objects.filter(school=camp.school_a, description="食堂许可证已过期").count() == 1
    # the section's line in the history, with its items
    assert form.events.filter(comment__contains="A01").count() == 1
    school.assert_clean()


def test_a_refused_submission_lists_and_marks_the_items_at_fault(camp_live, journey):  # noqa: F811
    camp = camp_live
    form = camp.form_a
    school = _open(journey, **PHONE)
    page = school.page
    page.goto(form.get_absolute_url())
    school.log_in(camp.school_user.username)
    _choose(page, form, "A02-01", Answer.COMPLIANT)
    _choose(page, form, "A01-02", Answer.NON_COMPLIANT)  # a major item: fields to fill

    _submit(page)
    _forgive_refusal(school, reverse("inspections:form_submit", args=[form.pk]))

    listed = page.get_by_test_id("faulty-items")
    for code in ("A01-01", "A01-02"):
        expect(listed.get_by_test_id(f"faulty-{code}")).to_be_visible()
        expect(page.get_by_test_id(f"item-{code}")).to_have_class(RED)
    expect(listed.get_by_test_id("faulty-A02-01")).to_have_count(0)
    expect(page.get_by_test_id("item-A02-01")).not_to_have_class(RED)
    # the page opens at the first item at fault
    first = page.get_by_test_id("item-A01-01")
    expect(first).to_be_in_viewport()
    page.wait_for_function(
        "el => Math.abs(el.getBoundingClientRect().top) < 5", arg=first.element_handle()
    )
    school.screenshot("15-phone-refused")

    # a link of the list leads to its item
    listed.get_by_test_id("faulty-A01-02").tap()
    expect(page).to_have_url(re.compile(r"#a\d+$"))
    expect(page.get_by_test_id("item-A01-02")).to_be_in_viewport()

    # coming back to the page: the same list and the same red marks
    page.goto(form.get_absolute_url())
    expect(page.get_by_test_id("faulty-items").get_by_test_id("faulty-A01-02")).to_be_visible()
    for code in ("A01-01", "A01-02"):
        expect(page.get_by_test_id(f"item-{code}")).to_have_class(RED)
    card = page.get_by_test_id("item-A01-02")
    expect(card.locator("[name$='-plan']")).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(card.locator("[name$='-interim_measures']")).to_have_class(re.compile(r"\bis-invalid\b"))
    school.screenshot("15-phone-refused-reloaded")

    form.refresh_from_db()
    assert form.status == FormStatus.IN_PROGRESS
    school.assert_clean()


@pytest.fixture
def register_live(camp_live):  # noqa: F811
    today = timezone.localdate()
    camp = camp_live
    made = []
    for n, (status, days) in enumerate(
        [(Status.RECTIFYING, -4), (Status.ASSIGNED, 10), (Status.REPORTED, None)]
    ):
        made.append(
            hazard_at(
                status,
                school=camp.school_a,
                school_user=camp.school_user,
                dept_user=camp.dept_user,
                description=f"第{n + 1}处：教学楼二楼东侧疏散通道堆放课桌椅和体育器材，"
                "安全出口被部分堵塞，应急照明灯不亮，需要立即清理并更换灯具。",
                **({"deadline": today + datetime.timedelta(days=days)} if days else {}),
            )
        )
    camp.hazards = made
    return camp


def test_the_register_is_cards_on_a_phone_and_a_table_on_a_desktop(register_live, journey):  # noqa: F811
    camp = register_live
    late = camp.hazards[0]
    phone = _open(journey, **PHONE)
    page = phone.page
    page.goto(reverse("hazards:hazard_list"))
    phone.log_in(camp.dept_user.username)
    expect(page).to_have_url(_path("hazards:hazard_list"))
    expect(page.get_by_test_id("hazard-table")).to_be_hidden()
    card = page.get_by_test_id(f"hazard-card-{late.code}")
    expect(card).to_be_visible()
    expect(card).to_contain_text(late.description)  # in full
    expect(card).to_contain_text(camp.school_a.name)
    expect(card.get_by_test_id("card-overdue")).to_contain_text("逾期 4 天")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["viewport"]["width"]
    phone.screenshot("15-register-phone")
    card.tap()
    expect(page).to_have_url(_path("hazards:hazard_detail", late.pk))

    desk = _open(journey, viewport={"width": 1280, "height": 800})
    dpage = desk.page
    dpage.goto(reverse("hazards:hazard_list"))
    desk.log_in(camp.dept_user.username)
    expect(dpage.get_by_test_id("hazard-table")).to_be_visible()
    expect(dpage.get_by_test_id("hazard-cards")).to_be_hidden()
    expect(dpage.get_by_test_id("hazard-table").locator("tbody tr")).to_have_count(3)
    desk.screenshot("15-register-desktop")
    phone.assert_clean()
    desk.assert_clean()
