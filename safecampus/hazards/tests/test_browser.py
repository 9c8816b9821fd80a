"""Browser journeys through the hazard register: Debian's Chromium driven by Playwright.

Run with ``pytest -m browser safecampus/hazards/tests/test_browser.py``. The browser, the live
server and the ``Journey`` helper (no JavaScript errors, no request leaving the server) come from
the core journeys; this module adds a watch on console errors. Screenshots go to var/screenshots/.
"""

from __future__ import annotations

import datetime
import io
import re

import pytest
from django.urls import reverse
from django.utils import formats, timezone, translation
from PIL import Image, ImageDraw
from playwright.sync_api import expect

from safecampus.core.roles import Role
from safecampus.core.tests.test_browser import (  # noqa: F401 (fixtures, found by name)
    PHONE,
    Journey,
    _async_unsafe_allowed,
    _path,
    browser,
    journey,
)
from safecampus.hazards.choices import Action, Status
from safecampus.hazards.models import Hazard, HazardEvent

pytestmark = pytest.mark.browser


@pytest.fixture
def reg_live(_async_unsafe_allowed, transactional_db, reg):  # noqa: F811
    """The register's ``reg`` world, in a committed database the live server can see."""
    return reg


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """Evidence files of these journeys go to a temporary directory (the server shares it)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "media"},
        },
    }


@pytest.fixture(autouse=True)
def _no_session_write_per_request(settings):
    """The live server's request threads share the test run's one in-memory SQLite connection.
    With a session refresh written by a request, two thumbnails loading at once can both open a
    write transaction on it and one fails ("cannot start a transaction within a transaction"), so
    the picture stays broken. A test-run artefact (each thread has its own connection in
    production); sessions are saved here only when they change (no idle-timeout refresh)."""
    settings.SESSION_REFRESH_SECONDS = 24 * 3600


def _open(journey, **context_options) -> Journey:  # noqa: F811
    """A journey that also counts every error written to the browser console."""
    j = journey(**context_options)
    j.page.on(
        "console",
        lambda msg: (
            msg.type == "error"
            and j.problems.append(f"console error: {msg.text} [{msg.location.get('url', '')}]")
        ),
    )
    return j


def _forgive_refusal(j: Journey, url: str) -> None:
    """A refused action answers HTTP 400 with the form again; Chromium logs that document load
    as a console error. Forgive exactly that one entry, and nothing else."""
    refusal = [p for p in j.problems if "status of 400" in p and p.endswith(f"{url}]")]
    assert len(refusal) == 1, j.problems
    j.problems.remove(refusal[0])


def _photo(label: str, colour: tuple[int, int, int]) -> dict:
    """A real JPEG, drawn with Pillow, as the file a phone camera would hand to the form."""
    img = Image.new("RGB", (800, 600), colour)
    draw = ImageDraw.Draw(img)
    for x in range(0, 800, 40):
        draw.line([(x, 0), (x + 200, 600)], fill=(255, 255, 255), width=3)
    draw.rectangle([250, 200, 550, 400], outline=(0, 0, 0), width=8)
    draw.text((270, 220), label, fill=(0, 0, 0))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=85)
    return {"name": f"{label}.jpg", "mimeType": "image/jpeg", "buffer": buf.getvalue()}


def _zh(text) -> str:
    with translation.override("zh-hans"):
        return str(text)


def _date(day: datetime.date) -> str:
    """A date as the pages show it to a Chinese user."""
    with translation.override("zh-hans"):
        return formats.date_format(day)


def _expect_status(page, status: str) -> None:
    badge = page.get_by_test_id("hazard-status").locator(".badge").first
    expect(badge).to_have_class(re.compile(rf"\bstatus-{status}\b"))
    expect(badge).to_have_text(_zh(Status(status).label))


def _expect_image_loaded(img) -> None:
    """The <img> really shows a picture (it is lazy: bring it into view first)."""
    expect(img).to_be_visible()
    img.scroll_into_view_if_needed()
    img.page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=img.element_handle()
    )


def _act(page, action: str, *, tap: bool = False, **fields) -> None:
    """Open the action in the Actions accordion, fill its fields, and submit it."""
    press = "tap" if tap else "click"
    getattr(page.get_by_test_id(f"action-{action}"), press)()
    panel = page.locator(f"#act-{action}")
    # Bootstrap gives the panel "show" once it has finished sliding open
    expect(panel).to_have_class(re.compile(r"\bshow\b"))
    for name, value in fields.items():
        field = panel.locator(f"[name='{action}-{name}']")
        if name == "files":
            field.set_input_files(value)
        else:
            field.fill(value)
    with page.expect_navigation():  # the form is posted: the answer is a new page
        getattr(page.get_by_test_id(f"do-{action}"), press)()


# --- journey 1: a hazard from a phone photo to 销号 -------------------------------------------


def test_hazard_from_phone_report_to_closing(reg_live, journey):  # noqa: F811
    reg = reg_live
    today = timezone.localdate()
    deadline = today + datetime.timedelta(days=14)
    description = "二楼东侧疏散通道堆放课桌椅，安全出口被堵"

    # 1. The school's safety officer reports it from a phone, with a photo.
    school = _open(journey, **PHONE)
    page = school.page
    page.goto("/")
    school.log_in(reg.users[Role.SCHOOL_OFFICER].username)
    expect(page).to_have_url(_path("core:home"))

    toggler = page.locator(".navbar-toggler")
    menu_link = page.locator(f'#nav a[href="{reverse("hazards:hazard_list")}"]')
    expect(toggler).to_be_visible()
    expect(menu_link).to_be_hidden()
    toggler.tap()
    menu_link.tap()
    expect(page).to_have_url(_path("hazards:hazard_list"))

    page.get_by_test_id("report-hazard").tap()
    expect(page).to_have_url(_path("hazards:hazard_create"))
    form = page.get_by_test_id("hazard-form")
    form.locator("select[name=item]").select_option(str(reg.item.pk))
    form.locator("textarea[name=description]").fill(description)
    form.locator("input[name=location]").fill("教学楼二楼东侧")
    form.locator("input[name=responsible_person]").fill("张老师")
    photo_input = form.locator("input[type=file][name=files]")
    expect(photo_input).to_have_attribute("capture", "environment")
    photo_input.set_input_files(_photo("before", (200, 60, 40)))
    school.screenshot("3-hazard-phone-report-form")
    page.get_by_test_id("submit-report").tap()

    expect(page).to_have_url(re.compile(r"/hazards/\d+/$"))
    hazard = Hazard.objects.get(description=description)
    expect(page).to_have_url(_path("hazards:hazard_detail", hazard.pk))
    expect(page.get_by_test_id("hazard-code")).to_have_text(hazard.code)
    assert re.fullmatch(rf"{reg.bureau.code_prefix}-{today.year}-\d{{6}}", hazard.code)
    expect(page.locator(".alert-success")).to_contain_text(hazard.code)
    _expect_status(page, Status.REPORTED)
    expect(page.get_by_test_id("responsible-department")).to_have_text(reg.department.name)
    _expect_image_loaded(page.get_by_test_id("evidence").locator("img"))
    school.screenshot("3-hazard-phone-reported")

    # 2. The responsible department's officer (desktop) opens it from the register, confirms it.
    dept = _open(journey)
    dpage = dept.page
    dpage.goto(reverse("hazards:hazard_list"))
    dept.log_in(reg.users[Role.DEPARTMENT_OFFICER].username)
    expect(dpage).to_have_url(_path("hazards:hazard_list"))
    dpage.get_by_test_id("hazard-table").get_by_role("link", name=hazard.code).click()
    expect(dpage).to_have_url(_path("hazards:hazard_detail", hazard.pk))
    _act(
        dpage,
        Action.CONFIRM,
        deadline=deadline.isoformat(),
        measures="清理通道杂物",  # 五落实: funds, measures, deadline and plan are required
        funds="学校公用经费",
        contingency_plan="清理前专人值守",
        comment="请于两周内清理完毕",
    )
    expect(dpage).to_have_url(_path("hazards:hazard_detail", hazard.pk))
    _expect_status(dpage, Status.ASSIGNED)
    expect(dpage.get_by_test_id("deadline")).to_have_text(_date(deadline))

    # 3. The school submits the rectification with an after-photo, still on the phone.
    page.reload()
    _expect_status(page, Status.ASSIGNED)
    _act(
        page,
        Action.SUBMIT,
        tap=True,
        files=_photo("after", (40, 160, 80)),
        comment="杂物已清理，通道畅通",
    )
    expect(page).to_have_url(_path("hazards:hazard_detail", hazard.pk))
    _expect_status(page, Status.SUBMITTED)
    thumbs = page.get_by_test_id("evidence").locator("img")
    expect(thumbs).to_have_count(2)
    for i in range(2):
        _expect_image_loaded(thumbs.nth(i))

    # 4. The department accepts it and closes it (销号).
    dpage.reload()
    _expect_status(dpage, Status.SUBMITTED)
    _act(dpage, Action.ACCEPT, comment="现场复核合格")
    expect(dpage).to_have_url(_path("hazards:hazard_detail", hazard.pk))

    # 5. Closed, with the whole story in the timeline, and listed among closed hazards.
    _expect_status(dpage, Status.CLOSED)
    expect(dpage.get_by_test_id("actions")).to_have_count(0)  # nothing left to do
    timeline = dpage.get_by_test_id("timeline")
    steps = [Action.REPORT, Action.CONFIRM, Action.SUBMIT, Action.ACCEPT]
    for step in steps:
        expect(timeline.get_by_test_id(f"event-{step}")).to_have_count(1)
    order = timeline.locator("li").evaluate_all("els => els.map(e => e.dataset.testid)")
    assert order == [f"event-{s}" for s in steps]
    expect(timeline.get_by_test_id("event-submit")).to_contain_text("杂物已清理，通道畅通")
    for i in range(2):
        _expect_image_loaded(dpage.get_by_test_id("evidence").locator("img").nth(i))
    dept.screenshot("3-hazard-closed")

    dpage.locator(f'#nav a[href="{reverse("hazards:hazard_list")}"]').click()
    expect(dpage).to_have_url(_path("hazards:hazard_list"))
    table = dpage.get_by_test_id("hazard-table")
    expect(table).to_contain_text(hazard.code)
    dpage.get_by_test_id("hazard-filters").locator("details summary").click()
    dpage.locator("input[name=status][value=reported]").check()  # HTMX: filters on change
    expect(dpage).to_have_url(re.compile(r"[?&]status=reported(&|$)"))
    expect(table).not_to_contain_text(hazard.code)
    dpage.locator("input[name=status][value=reported]").uncheck()
    dpage.locator("input[name=status][value=closed]").check()
    expect(dpage).to_have_url(re.compile(r"[?&]status=closed(&|$)"))
    expect(table.get_by_role("link", name=hazard.code)).to_be_visible()
    expect(table.locator("tbody tr")).to_have_count(1)
    # the same URL typed in gives the same list
    dpage.goto(reverse("hazards:hazard_list") + "?status=closed")
    expect(
        dpage.get_by_test_id("hazard-table").get_by_role("link", name=hazard.code)
    ).to_be_visible()

    # The school sees it closed too, on the phone.
    page.reload()
    _expect_status(page, Status.CLOSED)
    school.screenshot("3-hazard-phone-closed")

    hazard.refresh_from_db()
    assert hazard.status == Status.CLOSED and hazard.closed_on == today
    assert hazard.deadline == deadline
    assert list(hazard.events.values_list("action", flat=True)) == steps
    assert sorted(hazard.evidence.values_list("phase", flat=True)) == ["after", "before"]
    school.assert_clean()
    dept.assert_clean()


# --- journey 2: two people change the deadline at once; the second is told, input kept --------


def test_stale_deadline_change_keeps_the_reason(reg_live, journey):  # noqa: F811
    reg = reg_live
    today = timezone.localdate()
    hazard = reg.make("assigned", deadline=today + datetime.timedelta(days=10))
    first_deadline = today + datetime.timedelta(days=30)
    my_deadline = today + datetime.timedelta(days=45)
    my_reason = "施工队伍下周才能进场，申请延期"

    pages = []
    people = []
    for user in (reg.users[Role.SAFETY_CENTRE], reg.users[Role.DEPARTMENT_OFFICER]):
        j = _open(journey)
        j.page.goto(hazard.get_absolute_url())
        j.log_in(user.username)
        expect(j.page).to_have_url(_path("hazards:hazard_detail", hazard.pk))
        people.append(j)
        pages.append(j.page)
    centre, mine = pages

    # Both opened the page; the centre changes the deadline first.
    _act(centre, Action.EXTEND, deadline=first_deadline.isoformat(), comment="资金未到位")
    expect(centre.get_by_test_id("deadline")).to_have_text(_date(first_deadline))
    events = HazardEvent.objects.filter(hazard=hazard).count()

    # The department officer, on the page opened before that, sends their own change.
    _act(mine, Action.EXTEND, deadline=my_deadline.isoformat(), comment=my_reason)
    form = mine.locator("#act-extend")
    expect(form).to_be_visible()  # the accordion stays open on the refused action
    error = form.get_by_test_id("action-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text(re.compile(r"someone else|他人|别人"))
    expect(form.locator("textarea[name=extend-comment]")).to_have_value(my_reason)
    expect(form.locator("input[name=extend-deadline]")).to_have_value(my_deadline.isoformat())
    # the page now shows the hazard as it is: the centre's deadline
    expect(mine.get_by_test_id("deadline")).to_have_text(_date(first_deadline))
    people[1].screenshot("4-hazard-stale-extend")
    _forgive_refusal(people[1], reverse("hazards:hazard_action", args=[hazard.pk, "extend"]))
    hazard.refresh_from_db()
    assert hazard.deadline == first_deadline
    assert HazardEvent.objects.filter(hazard=hazard).count() == events

    # Having seen the latest state, they send it again, and now it goes through.
    with mine.expect_navigation():
        mine.get_by_test_id("do-extend").click()
    expect(mine.get_by_test_id("action-error")).to_have_count(0)
    expect(mine.get_by_test_id("deadline")).to_have_text(_date(my_deadline))
    hazard.refresh_from_db()
    assert hazard.deadline == my_deadline
    assert hazard.events.last().comment == my_reason
    for j in people:
        j.assert_clean()
