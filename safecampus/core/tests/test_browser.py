"""Browser journeys: Debian's Chromium driven by Playwright against the live test server.

Run with ``pytest -m browser safecampus/core/tests/test_browser.py``. Chromium is never
downloaded: these tests use /usr/bin/chromium, and skip loudly if it is missing.
Each journey leaves one screenshot in var/screenshots/ for a human to look at.
"""

from __future__ import annotations

import os
import re
import threading
import time
import warnings
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook

from safecampus.core import testing
from safecampus.core.roles import Role
from safecampus.orgs.choices import Ownership, SchoolStage
from safecampus.orgs.excel import columns
from safecampus.orgs.models import School

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    _MISSING = (
        f"!!! BROWSER TESTS SKIPPED: {CHROMIUM} is missing. Install Debian's `chromium` "
        "package (apt-get install chromium); never run `playwright install`. !!!"
    )
    warnings.warn(_MISSING, stacklevel=1)  # shown in the summary even without -rs
    pytest.skip(_MISSING, allow_module_level=True)

from playwright.sync_api import expect, sync_playwright  # noqa: E402

pytestmark = pytest.mark.browser
expect.set_options(timeout=10_000)

CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}


@pytest.fixture(scope="module")
def _async_unsafe_allowed():
    """Playwright's sync API runs an asyncio loop in this thread; let the ORM run beside it."""
    old = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if old is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = old


@pytest.fixture(scope="module")
def browser(_async_unsafe_allowed):
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def world_live(_async_unsafe_allowed, transactional_db, world):
    """The shared ``world``, built in a real (committed) database the live server can see."""
    return world


class Journey:
    """A page in a fresh browser context that notes what a user should never run into:
    JavaScript errors, missing static files, and requests leaving the server (assets are local).
    """

    def __init__(self, browser, base_url: str, **context_options):
        self.base_url = base_url
        self.host = urlsplit(base_url).netloc
        self.context = browser.new_context(base_url=base_url, locale="zh-CN", **context_options)
        self.context.set_default_timeout(10_000)
        self.problems: list[str] = []
        self.context.route(
            re.compile(r"^(?!https?://" + re.escape(self.host) + r"/).*"), self._block_outside
        )
        self.page = self.context.new_page()
        self.page.on("pageerror", lambda exc: self.problems.append(f"JS error: {exc}"))
        self.page.on("response", self._check_response)
        self.page.on("requestfailed", self._check_failed)

    def _block_outside(self, route):
        url = route.request.url
        if url.startswith(("data:", "blob:", "about:")):
            route.continue_()
            return
        self.problems.append(f"request outside the server: {url}")
        route.abort()

    def _check_response(self, response):
        if "/static/" in response.url and response.status >= 400:
            self.problems.append(f"static file {response.url} answered {response.status}")

    def _check_failed(self, request):
        # ERR_ABORTED is the browser cancelling a load when the page navigates away.
        if request.url.startswith(self.base_url) and request.failure != "net::ERR_ABORTED":
            self.problems.append(f"request {request.url} failed: {request.failure}")

    def log_in(self, username: str) -> None:
        page = self.page
        expect(page).to_have_url(re.compile(re.escape(reverse("accounts:login"))))
        form = page.locator("form").filter(has=page.locator("input[name=password]"))
        form.locator("input[name=username]").fill(username)
        form.locator("input[name=password]").fill(testing.PASSWORD)
        form.locator("button[type=submit]").click()
        expect(page.get_by_test_id("login-error")).to_have_count(0)

    def screenshot(self, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def assert_clean(self) -> None:
        assert not self.problems, "\n".join(self.problems)

    def close(self) -> None:
        # Leave the page first: that cancels pending loads (Chromium's late /favicon.ico, HTMX
        # polling) before they reach the server while the database is being flushed.
        if not self.page.is_closed():
            self.page.goto("about:blank")
        self.context.close()


@pytest.fixture
def journey(request, browser, live_server):
    """Open journeys; if the test fails, keep a screenshot of where each one stood."""
    opened: list[Journey] = []
    failed_before = request.session.testsfailed

    def _open(**context_options) -> Journey:
        j = Journey(browser, live_server.url, **context_options)
        opened.append(j)
        return j

    yield _open
    for i, j in enumerate(opened):
        if request.session.testsfailed > failed_before:
            path = j.screenshot(f"FAILED-{request.node.name}-{i}")
            print(f"failure screenshot: {path}; page at {j.page.url}")
            print("browser problems:", *j.problems or ["none"], sep="\n  ")
        j.close()
    _wait_for_idle_server()


def _wait_for_idle_server(timeout: float = 5.0) -> None:
    """Let the live server finish its requests before transactional_db flushes the tables.

    Its request threads are socketserver's, named after ``process_request_thread``.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        busy = [t for t in threading.enumerate() if "process_request_thread" in t.name]
        if not busy:
            return
        time.sleep(0.02)


def _path(pattern: str, *args) -> re.Pattern:
    """Match the page URL's path exactly, with or without a query string."""
    return re.compile(r"^https?://[^/]+" + re.escape(reverse(pattern, args=args)) + r"(\?.*)?$")


# --- journey 1: a school officer sees their own school and nothing else ------------------------


def test_school_officer_sees_only_own_school(world_live, journey):
    world = world_live
    j = journey()
    page = j.page

    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))
    j.log_in(world.users[Role.SCHOOL_OFFICER].username)

    expect(page).to_have_url(_path("core:home"))
    card = page.get_by_test_id("my-school")
    expect(card).to_have_count(1)
    expect(card).to_contain_text("甲小学")
    expect(card).to_contain_text(world.school_a.code)
    expect(page.locator("main")).not_to_contain_text("乙幼儿园")

    card.get_by_role("link", name="甲小学").click()
    expect(page).to_have_url(_path("orgs:school_detail", world.school_a.pk))
    expect(page.get_by_test_id("school-name")).to_have_text("甲小学")
    j.screenshot("1-school-officer-own-school")

    for school in (world.school_b, world.school_other):
        response = page.goto(reverse("orgs:school_detail", args=[school.pk]))
        assert response.status == 404, f"{school.name}: HTTP {response.status}"
        expect(page.get_by_test_id("not-found")).to_be_visible()
        expect(page.locator("body")).not_to_contain_text(school.name)

        # The API URL typed into the address bar: DRF's browsable API answers in HTML.
        api_url = f"/api/v1/schools/{school.pk}/"
        response = page.goto(api_url)
        assert response.status == 404, f"API {school.name}: HTTP {response.status}"
        assert school.name not in response.text()
        # The same URL asked for JSON with the browser's session cookie.
        response = page.request.get(api_url, headers={"Accept": "application/json"})
        assert response.status == 404, f"API {school.name}: HTTP {response.status}"
        assert response.headers["content-type"].startswith("application/json")
        body = response.json()
        assert body.get("code") == "not_found", body
        assert school.name not in response.text()

    # Their own school is still there through the API, so the 404s above are about scope.
    response = page.request.get(
        f"/api/v1/schools/{world.school_a.pk}/", headers={"Accept": "application/json"}
    )
    assert response.status == 200
    assert response.json()["name"] == "甲小学"
    j.assert_clean()


# --- journey 2: the safety centre on a phone filters schools and imports from Excel ------------


def _workbook(path: Path, rows: list[dict]) -> Path:
    """An .xlsx laid out like the exported template: headers from ``columns()``."""
    cols = columns()
    wb = Workbook()
    ws = wb.active
    ws.title = "学校名单"
    ws.append([c.header + ("*" if c.required else "") for c in cols])
    for row in rows:
        ws.append([row.get(c.header) for c in cols])
    wb.save(path)
    return path


def _open_school_list(j: Journey) -> None:
    """On a phone the menu is collapsed: open it, then follow the schools link."""
    page = j.page
    toggler = page.locator(".navbar-toggler")
    expect(toggler).to_be_visible()
    link = page.locator(f'#nav a[href="{reverse("orgs:school_list")}"]')
    expect(link).to_be_hidden()
    toggler.tap()
    link.tap()
    expect(page).to_have_url(_path("orgs:school_list"))


def test_safety_centre_filters_and_imports_on_a_phone(world_live, journey, tmp_path):
    world = world_live
    j = journey(**PHONE)
    page = j.page

    page.goto("/")
    j.log_in(world.users[Role.SAFETY_CENTRE].username)
    expect(page).to_have_url(_path("core:home"))

    # The school list through the collapsed navbar; the other bureau's school is not there.
    _open_school_list(j)
    table = page.get_by_test_id("school-table")
    expect(table).to_contain_text("甲小学")
    expect(table).to_contain_text("乙幼儿园")
    expect(table).not_to_contain_text("外区中学")

    # Typing in the search box filters through HTMX: the table changes, the page stays.
    page.evaluate("window.__notReloaded = true")
    search = page.locator("#id_q")
    search.press_sequentially(world.school_b.code, delay=30)  # live search on keyup
    expect(table).not_to_contain_text("甲小学")
    expect(table).to_contain_text("乙幼儿园")
    expect(page).to_have_url(re.compile(rf"[?&]q={world.school_b.code}"))
    # Playwright enters Chinese as committed input-method text, without key events; the
    # search key of the phone keyboard then submits it.
    search.fill("")
    search.press("Backspace")  # the keyup that brings the full list back
    expect(table).to_contain_text("甲小学")
    search.focus()
    page.keyboard.insert_text("小学")
    search.press("Enter")
    expect(table).not_to_contain_text("乙幼儿园")
    expect(table).to_contain_text("甲小学")
    expect(page.get_by_test_id("result-count")).to_contain_text(re.compile(r"\b1\b"))
    expect(page).to_have_url(re.compile(r"[?&]q=%E5%B0%8F%E5%AD%A6"))
    assert page.evaluate("window.__notReloaded") is True, "the search reloaded the whole page"

    # Import: one good row and one bad row. Nothing may be imported.
    with translation.override("zh-hans"):
        primary = str(SchoolStage.PRIMARY.label)
        junior = str(SchoolStage.JUNIOR.label)
        public = str(Ownership.PUBLIC.label)
    good = {
        "学校标识码": "3100009001",
        "学校名称": "丙中学",
        "学段类型": junior,
        "办学性质": public,
        "在校学生数": 1200,
        "教职工数": 90,
    }
    bad = {
        "学校标识码": "310000900",  # nine digits
        "学校名称": "丁小学",
        "学段类型": primary,
        "办学性质": public,
        "在校学生数": 450,
    }
    page.locator(f'a[href="{reverse("orgs:school_import")}"]').tap()
    expect(page).to_have_url(_path("orgs:school_import"))
    page.locator("input[name=file]").set_input_files(
        _workbook(tmp_path / "学校名单-有错.xlsx", [good, bad])
    )
    page.locator("form[enctype='multipart/form-data'] button[type=submit]").tap()

    status = page.get_by_test_id("job-status")
    expect(status).to_have_attribute("data-status", "failed")
    errors = page.get_by_test_id("job-errors")
    expect(errors.locator("tbody tr")).to_have_count(1)
    bad_row = errors.locator("tbody tr").first
    expect(bad_row.locator("td").nth(0)).to_have_text("3")  # Excel row: header is row 1
    expect(bad_row.locator("td").nth(1)).to_have_text("学校标识码")
    expect(bad_row.locator("td").nth(2)).to_contain_text("310000900")
    j.screenshot("2-safety-centre-phone-import-failed")
    assert not School.objects.filter(name__in=["丙中学", "丁小学"]).exists()

    # Corrected file: both rows are imported.
    fixed = {**bad, "学校标识码": "3100009002"}
    page.goto(reverse("orgs:school_import"))
    page.locator("input[name=file]").set_input_files(
        _workbook(tmp_path / "学校名单.xlsx", [good, fixed])
    )
    page.locator("form[enctype='multipart/form-data'] button[type=submit]").tap()
    expect(status).to_have_attribute("data-status", "succeeded")
    expect(status.locator(".alert-success")).to_contain_text(re.compile(r"\b2\b"))
    imported = School.objects.filter(code__in=["3100009001", "3100009002"])
    assert sorted(imported.values_list("name", "bureau_id")) == [
        ("丁小学", world.bureau.pk),
        ("丙中学", world.bureau.pk),
    ]

    _open_school_list(j)
    table = page.get_by_test_id("school-table")
    expect(table).to_contain_text("丙中学")
    expect(table).to_contain_text("丁小学")
    expect(page.get_by_test_id("result-count")).to_contain_text(re.compile(r"\b4\b"))
    j.assert_clean()
