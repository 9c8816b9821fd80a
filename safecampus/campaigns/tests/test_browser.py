"""Browser journeys through a self-inspection form: Debian's Chromium driven by Playwright.

Run with ``pytest -m browser safecampus/campaigns/tests/test_browser.py``. The browser, the live
server and the ``Journey`` helper come from the core journeys, the console-error watch from the
register's. Screenshots go to var/screenshots/.
"""

from __future__ import annotations

import datetime
import re
from contextlib import contextmanager
from types import SimpleNamespace

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from playwright.sync_api import expect

from safecampus.core.tests.test_browser import (  # noqa: F401 (fixtures, found by name)
    PHONE,
    _async_unsafe_allowed,
    _path,
    browser,
    journey,
)
from safecampus.hazards.choices import Source, Status
from safecampus.hazards.models import Hazard
from safecampus.hazards.tests.test_browser import _forgive_refusal, _open, _zh
from safecampus.inspections.choices import Answer, FormStatus
from safecampus.inspections.models import FormAnswer

pytestmark = pytest.mark.browser
NO_THROTTLE = {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}


@pytest.fixture
def camp_live(_async_unsafe_allowed, transactional_db, camp):  # noqa: F811
    """The campaigns' ``camp`` world, in a committed database the live server can see."""
    return camp


@pytest.fixture(autouse=True)
def _no_session_write_per_request(settings):
    """As in the register's journeys: the live server's threads share one in-memory SQLite
    connection, so sessions are saved only when they change (no idle-timeout refresh)."""
    settings.SESSION_REFRESH_SECONDS = 24 * 3600


def _t(message: str) -> str:
    """A message of the pages as a Chinese user reads it."""
    with translation.override("zh-hans"):
        return translation.gettext(message)


def _progress(answered: int, total: int, non_compliant: int = 0) -> str:
    """The progress line as the page renders it for a Chinese user."""
    counts = SimpleNamespace(
        answered_count=answered, item_count=total, non_compliant_count=non_compliant
    )
    with translation.override("zh-hans"):
        return render_to_string("inspections/_form_progress.html", {"form": counts}).strip()


@contextmanager
def _autosaved(page, form, code: str, *, card_swapped: bool):
    """Wrap an edit of one item's card: its HTMX autosave is answered 200 and a fresh "Saved"
    mark shows. A new answer re-renders the whole card; typed text only swaps the mark, so
    whatever is typed meanwhile stays (the old elements carry a mark the new ones lack)."""
    card = page.get_by_test_id(f"item-{code}")
    saved = card.get_by_test_id(f"saved-{code}")
    card.evaluate("el => el.dataset.stale = 'yes'")
    saved.evaluate_all("els => els.forEach(el => el.dataset.stale = 'yes')")
    save_url = reverse("inspections:form_save", args=[form.pk])
    with page.expect_response(
        lambda r: r.request.method == "POST" and r.url.endswith(save_url)
    ) as response:
        yield card
    assert response.value.status == 200, response.value.text()
    assert response.value.request.headers.get("hx-request") == "true"
    expect(saved).to_be_visible()
    expect(saved).not_to_have_attribute("data-stale", "yes")
    if card_swapped:
        expect(card).not_to_have_attribute("data-stale", "yes")
    else:
        expect(card).to_have_attribute("data-stale", "yes")


def _choose(page, form, code: str, value: str) -> None:
    """Tap the answer's button (the radio itself is visually hidden behind its label)."""
    radio = page.get_by_test_id(f"answer-{code}-{value}")
    label = page.locator(f'label[for="{radio.get_attribute("id")}"]')
    with _autosaved(page, form, code, card_swapped=True):
        label.tap()
    expect(page.get_by_test_id(f"answer-{code}-{value}")).to_be_checked()


def _type(page, form, code: str, field: str, value: str) -> None:
    """Type into one field of the card and leave it (the phone keyboard's 完成): autosaved."""
    card = page.get_by_test_id(f"item-{code}")
    box = card.locator(f"[name$='-{field}']")
    with _autosaved(page, form, code, card_swapped=False):
        box.tap()
        box.fill(value)
        if box.get_attribute("type") != "date":  # a date input sends "change" when it is set
            box.blur()
    expect(box).to_have_value(value)


def _submit(page) -> str:
    """Tap Submit and accept its confirm() dialog; returns the dialog's text."""
    seen = []

    def accept(dialog):
        seen.append((dialog.type, dialog.message))
        dialog.accept()

    page.once("dialog", accept)
    with page.expect_navigation():
        page.get_by_test_id("form-submit").tap()
    assert len(seen) == 1 and seen[0][0] == "confirm", seen
    return seen[0][1]


# --- journey 1: a school fills its form on a phone; the department finds the hazard ----------


def test_school_fills_form_on_phone_and_department_sees_the_hazard(camp_live, journey):  # noqa: F811
    camp = camp_live
    form = camp.form_a
    today = timezone.localdate()
    deadline = today + datetime.timedelta(days=21)
    description = "二楼东侧疏散通道堆放课桌椅，安全出口被堵"
    plan = "清理杂物，安全出口改为推闩门"
    codes = list(form.answers.order_by("sort_order").values_list("item__code", flat=True))
    assert codes == ["A01-01", "A01-02", "A02-01"]

    # 1. The school's safety officer logs in on a phone and opens the form from the menu.
    school = _open(journey, **PHONE)
    page = school.page
    page.goto("/")
    school.log_in(camp.school_user.username)
    expect(page).to_have_url(_path("core:home"))
    menu_link = page.locator(f'#nav a[href="{reverse("campaigns:campaign_list")}"]')
    expect(menu_link).to_be_hidden()
    page.locator(".navbar-toggler").tap()
    menu_link.tap()
    expect(page).to_have_url(_path("campaigns:campaign_list"))
    entry = page.get_by_test_id("my-forms").locator(f'a[href="{form.get_absolute_url()}"]')
    expect(entry).to_contain_text(camp.campaign.name)
    expect(entry.get_by_test_id("form-status")).to_have_text(_zh(FormStatus.NOT_STARTED.label))
    entry.tap()
    expect(page).to_have_url(_path("inspections:form_detail", form.pk))
    progress = page.get_by_test_id("form-progress")
    expect(progress).to_have_text(_progress(0, 3))

    # 2. Every item compliant except A01-01; each tap and each field is saved as it goes.
    _choose(page, form, "A01-02", Answer.COMPLIANT)
    expect(progress).to_have_text(_progress(1, 3))
    _choose(page, form, "A02-01", Answer.COMPLIANT)
    expect(progress).to_have_text(_progress(2, 3))
    _choose(page, form, "A01-01", Answer.NON_COMPLIANT)
    expect(progress).to_have_text(_progress(3, 3, 1))
    card = page.get_by_test_id("item-A01-01")
    expect(card).to_have_class(re.compile(r"\bborder-warning\b"))
    # A01-01 is not major: no interim measures asked
    expect(card.locator("[name$='-interim_measures']")).to_have_count(0)
    # On a slow mobile network the officer types on while the last field is still saving:
    # leaving the description saves it, and the plan typed meanwhile must not be wiped.
    slow = school.context.new_cdp_session(page)
    slow.send("Network.enable")
    slow.send("Network.emulateNetworkConditions", {**NO_THROTTLE, "latency": 400})
    with _autosaved(page, form, "A01-01", card_swapped=False):
        card.locator("[name$='-description']").tap()
        page.keyboard.type(description)
        card.locator("[name$='-plan']").tap()
        page.keyboard.type(plan)
    expect(card.locator("[name$='-description']")).to_have_value(description)
    expect(card.locator("[name$='-plan']")).to_have_value(plan)
    expect(card.locator("[name$='-plan']")).to_be_focused()
    slow.send("Network.emulateNetworkConditions", NO_THROTTLE)
    with _autosaved(page, form, "A01-01", card_swapped=False):
        card.locator("[name$='-plan']").blur()
    _type(page, form, "A01-01", "deadline", deadline.isoformat())
    _type(page, form, "A01-01", "responsible_person", "张老师")

    answer = FormAnswer.objects.get(form=form, item__code="A01-01")
    assert (answer.answer, answer.description, answer.plan) == (
        Answer.NON_COMPLIANT,
        description,
        plan,
    )
    assert (answer.deadline, answer.responsible_person) == (deadline, "张老师")

    # usable at 390 px: nothing wider than the screen, Submit within reach
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["viewport"]["width"]
    submit = page.get_by_test_id("form-submit")
    expect(submit).to_be_in_viewport()
    school.screenshot("5-form-phone-filled")

    # 3. Submit, confirmed in the dialog.
    assert _submit(page) == _t(
        "Submit the form? It is then locked, and every non-compliant item becomes a hazard "
        "in the register."
    )
    expect(page).to_have_url(_path("inspections:form_detail", form.pk))
    hazard = Hazard.objects.get(description=description)
    expect(page.locator(".alert-success")).to_contain_text(hazard.code)
    expect(page.get_by_test_id("form-status")).to_have_text(_zh(FormStatus.SUBMITTED.label))
    expect(page.get_by_test_id("form-submit")).to_have_count(0)  # locked
    expect(page.get_by_test_id("item-A01-01").get_by_test_id("hazard-link")).to_contain_text(
        hazard.code
    )
    school.screenshot("5-form-phone-submitted")

    # 4. The department responsible for A01-01 finds it in the register (desktop).
    dept = _open(journey)
    dpage = dept.page
    dpage.goto(reverse("hazards:hazard_list"))
    dept.log_in(camp.dept_user.username)
    expect(dpage).to_have_url(_path("hazards:hazard_list"))
    table = dpage.get_by_test_id("hazard-table")
    row = table.locator("tbody tr").filter(has_text=hazard.code)
    expect(row).to_contain_text(description)
    row.get_by_role("link", name=description).click()
    expect(dpage).to_have_url(_path("hazards:hazard_detail", hazard.pk))
    expect(dpage.get_by_test_id("hazard-description")).to_have_text(description)
    source = dpage.locator("dl.facts dt", has_text=_t("Source")).locator(
        "xpath=following-sibling::dd[1]"
    )
    label = re.escape(_zh(Source.SELF_INSPECTION.label))
    expect(source).to_have_text(re.compile(rf"^{label}(\s|$)"))  # then a link to the form
    expect(source.get_by_test_id("source-form")).to_have_attribute("href", form.get_absolute_url())
    expect(dpage.get_by_test_id("responsible-department")).to_have_text(camp.department.name)
    dept.screenshot("5-form-hazard-at-department")

    form.refresh_from_db()
    answer.refresh_from_db()
    hazard.refresh_from_db()
    assert form.status == FormStatus.SUBMITTED and form.round == 1
    assert answer.hazard_id == hazard.pk
    assert (hazard.source, hazard.status) == (Source.SELF_INSPECTION, Status.REPORTED)
    assert (hazard.school_id, hazard.deadline) == (camp.school_a.pk, deadline)
    assert hazard.responsible_department_id == camp.department.pk
    assert Hazard.objects.filter(school=camp.school_a).count() == 1
    school.assert_clean()
    dept.assert_clean()


# --- journey 2: a refused submission marks the items in red and keeps what was typed ---------


def test_refused_submit_marks_items_red_and_keeps_input(camp_live, journey):  # noqa: F811
    camp = camp_live
    form = camp.form_a
    description = "配电间门锁损坏，无法锁闭"
    school = _open(journey, **PHONE)
    page = school.page
    page.goto(form.get_absolute_url())
    school.log_in(camp.school_user.username)
    expect(page).to_have_url(_path("inspections:form_detail", form.pk))

    # A02-01 answered, A01-02 left unanswered, A01-01 non-compliant with only its description
    _choose(page, form, "A02-01", Answer.COMPLIANT)
    _choose(page, form, "A01-01", Answer.NON_COMPLIANT)
    _type(page, form, "A01-01", "description", description)
    _submit(page)
    _forgive_refusal(school, reverse("inspections:form_submit", args=[form.pk]))

    expect(page.get_by_test_id("form-errors")).to_be_visible()
    expect(page.locator(".alert-danger").first).to_be_visible()
    red = re.compile(r"\bborder-danger\b")
    for code in ("A01-01", "A01-02"):
        expect(page.get_by_test_id(f"item-{code}")).to_have_class(red)
    expect(page.get_by_test_id("item-A02-01")).not_to_have_class(red)
    card = page.get_by_test_id("item-A01-01")
    expect(card.locator("[name$='-description']")).to_have_value(description)
    expect(card.locator("[name$='-description']")).not_to_have_class(re.compile("is-invalid"))
    for field in ("plan", "deadline", "responsible_person"):
        expect(card.locator(f"[name$='-{field}']")).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(page.get_by_test_id("answer-A01-01-non_compliant")).to_be_checked()
    expect(page.get_by_test_id("answer-A02-01-compliant")).to_be_checked()
    expect(page.get_by_test_id("form-status")).to_have_text(_zh(FormStatus.IN_PROGRESS.label))
    school.screenshot("6-form-phone-refused")

    form.refresh_from_db()
    assert form.status == FormStatus.IN_PROGRESS and form.submitted_at is None
    assert not Hazard.objects.filter(school=camp.school_a).exists()
    school.assert_clean()


# --- quick taps on a phone, and a double tap on Submit ------------------------------------------


@pytest.fixture
def many_live(_async_unsafe_allowed, transactional_db, world):  # noqa: F811
    """School A's form of 12 items (one area), in a committed database."""
    from safecampus.campaigns.testing import launched_campaign
    from safecampus.catalog.services import catalog_load
    from safecampus.core.roles import Role

    data = {
        "title": "快速点选测试",
        "areas": [
            {
                "code": "C01",
                "name": "校舍安全",
                "items": [
                    {"code": f"C01-{n:02d}", "text": f"检查项 {n}", "responsible": []}
                    for n in range(1, 13)
                ],
            }
        ],
    }
    version, _warnings = catalog_load(bureau=world.bureau, data=data)
    campaign = launched_campaign(world.bureau, version, world.users[Role.SAFETY_CENTRE])
    world.form = campaign.forms.get(school=world.school_a)
    world.school_user = world.users[Role.SCHOOL_OFFICER]
    return world


def test_quick_taps_on_a_phone_are_all_kept_after_reload(many_live, journey):  # noqa: F811
    form = many_live.form
    codes = list(form.answers.order_by("sort_order").values_list("item__code", flat=True))
    school = _open(journey, **PHONE)
    page = school.page
    page.goto(form.get_absolute_url())
    school.log_in(many_live.school_user.username)
    page.goto(form.get_absolute_url())
    # a slow mobile network, so that taps overtake the saves
    slow = school.context.new_cdp_session(page)
    slow.send("Network.enable")
    slow.send("Network.emulateNetworkConditions", {**NO_THROTTLE, "latency": 300})
    last = {}
    for n, code in enumerate(codes):
        # a change of mind while the first tap is still saving. A card that ends "not
        # applicable" grows a reason field, which moves the cards below: only the last one does
        choices = [Answer.COMPLIANT]
        if n % 3 == 1:
            choices = [Answer.NOT_APPLICABLE, Answer.COMPLIANT]
        if n % 4 == 2:
            choices = [Answer.NON_COMPLIANT, Answer.NOT_APPLICABLE, Answer.COMPLIANT]
        if n == len(codes) - 1:
            choices = [Answer.COMPLIANT, Answer.NON_COMPLIANT, Answer.NOT_APPLICABLE]
        for value in choices:
            radio = page.get_by_test_id(f"answer-{code}-{value}")
            page.locator(f'label[for="{radio.get_attribute("id")}"]').tap(no_wait_after=True)
        last[code] = choices[-1]
    # while saves are under way the cards say so, and leaving the page would be questioned
    assert page.locator('[data-testid^="saving-"]').count() > 0
    assert page.evaluate(
        "() => { const e = new Event('beforeunload', {cancelable: true});"
        " window.dispatchEvent(e); return e.defaultPrevented; }"
    )
    expect(page.locator('[data-testid^="saving-"]')).to_have_count(0, timeout=30_000)
    expect(page.locator('[data-testid^="unsaved-"]')).to_have_count(0)
    for code, value in last.items():  # the page kept every last tap
        expect(page.get_by_test_id(f"answer-{code}-{value}")).to_be_checked()
    slow.send("Network.emulateNetworkConditions", NO_THROTTLE)
    page.reload()
    for code, value in last.items():
        expect(page.get_by_test_id(f"answer-{code}-{value}")).to_be_checked()
    saved = dict(form.answers.values_list("item__code", "answer"))
    assert saved == last
    school.assert_clean()


def test_a_double_tap_on_submit_sends_the_form_once(camp_live, journey):  # noqa: F811
    from safecampus.campaigns.testing import complete_rows
    from safecampus.inspections import services

    camp = camp_live
    form = camp.form_a
    services.form_save(actor=camp.school_user, form_id=form.pk, rows=complete_rows(form))
    school = _open(journey, **PHONE)
    page = school.page
    page.goto(form.get_absolute_url())
    school.log_in(camp.school_user.username)
    page.goto(form.get_absolute_url())
    posts = []
    submit_url = reverse("inspections:form_submit", args=[form.pk])
    page.on(
        "request",
        lambda r: posts.append(r.url) if r.method == "POST" and r.url.endswith(submit_url) else 0,
    )
    page.on("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.get_by_test_id("form-submit").dblclick()
    expect(page.locator(".alert-success")).to_contain_text(_t("Form submitted."))
    expect(page.locator(".alert-danger")).to_have_count(0)
    assert len(posts) == 1, posts
    form.refresh_from_db()
    assert form.status == FormStatus.SUBMITTED
    school.assert_clean()


def test_an_autosave_that_fails_says_not_saved_and_can_be_retried(camp_live, journey):  # noqa: F811
    camp = camp_live
    form = camp.form_a
    school = _open(journey, **PHONE)
    page = school.page
    page.goto(form.get_absolute_url())
    school.log_in(camp.school_user.username)
    page.goto(form.get_absolute_url())
    save_url = reverse("inspections:form_save", args=[form.pk])
    page.route(f"**{save_url}", lambda route: route.abort("internetdisconnected"))
    radio = page.get_by_test_id("answer-A01-02-compliant")
    page.locator(f'label[for="{radio.get_attribute("id")}"]').tap()
    card = page.get_by_test_id("item-A01-02")
    unsaved = card.locator('[data-testid^="unsaved-"]')
    failed = _t("Not saved: the connection failed. Your choice is still on the page.")
    expect(unsaved).to_contain_text(failed)
    expect(radio).to_be_checked()  # the choice stays on the page
    assert page.evaluate(
        "() => { const e = new Event('beforeunload', {cancelable: true});"
        " window.dispatchEvent(e); return e.defaultPrevented; }"
    )
    assert FormAnswer.objects.get(form=form, item__code="A01-02").answer == ""
    school.problems.clear()  # the cut connection was logged as a failed request, on purpose
    page.unroute(f"**{save_url}")
    with page.expect_response(lambda r: r.url.endswith(save_url)) as response:
        unsaved.get_by_role("button", name=_t("Retry")).tap()
    assert response.value.status == 200
    expect(card.get_by_test_id("saved-A01-02")).to_be_visible()
    expect(page.get_by_test_id("answer-A01-02-compliant")).to_be_checked()
    assert FormAnswer.objects.get(form=form, item__code="A01-02").answer == Answer.COMPLIANT
    assert not page.evaluate(
        "() => { const e = new Event('beforeunload', {cancelable: true});"
        " window.dispatchEvent(e); return e.defaultPrevented; }"
    )
