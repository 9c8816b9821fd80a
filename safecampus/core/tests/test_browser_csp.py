"""The Content-Security-Policy in a real browser: the main pages of the demo district, as
several demo roles, raise no CSP violation and no console error, and still work (charts drawn,
HTMX autosave, photo preview, Swagger UI).

Run with ``pytest -m browser safecampus/core/tests/test_browser_csp.py``.
"""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from PIL import Image
from playwright.sync_api import expect

from safecampus.accounts.models import User
from safecampus.core import testing
from safecampus.core.roles import Role
from safecampus.hazards.models import Hazard, HazardEvidence
from safecampus.inspections.choices import FormStatus
from safecampus.inspections.models import InspectionForm
from safecampus.weekly.models import WeeklyReport

from .test_browser import (  # noqa: F401 (fixtures, found by name)
    Journey,
    _async_unsafe_allowed,
    browser,
    journey,
)

pytestmark = pytest.mark.browser

DEMO_PASSWORD = "Demo@2026"

#: records every securitypolicyviolation event of the page, before any of its scripts run
WATCH_CSP = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"}`
                    + ` at ${e.sourceFile}:${e.lineNumber} ${e.sample || ""}`);
});
"""


@pytest.fixture(autouse=True)
def _no_session_write_per_request(settings):
    """The live server's threads share the test run's one in-memory SQLite connection:
    sessions are saved only when they change (as in the other journeys)."""
    settings.SESSION_REFRESH_SECONDS = 24 * 3600


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "media"},
        },
    }


@pytest.fixture
def demo_live(_async_unsafe_allowed, transactional_db):  # noqa: F811
    call_command("seed_demo", schools=60, stdout=io.StringIO())


class CspJourney:
    def __init__(self, j: Journey):
        self.j = j
        self.page = j.page
        self.messages: list[str] = []
        j.context.add_init_script(WATCH_CSP)
        self.page.on("console", self._console)

    def _console(self, msg):
        if msg.type in ("error", "warning"):
            self.messages.append(f"console {msg.type}: {msg.text}")

    def log_in(self, username: str, password: str = DEMO_PASSWORD) -> None:
        page = self.page
        page.goto("/accounts/login/")
        self.check("login page")
        page.locator("input[name=username]").fill(username)
        page.locator("input[name=password]").fill(password)
        page.locator("main button[type=submit]").click()
        expect(page.get_by_test_id("login-error")).to_have_count(0)
        expect(page.get_by_test_id("user-menu")).to_be_visible()

    def visit(self, url: str, what: str) -> None:
        response = self.page.goto(url)
        assert response.status == 200, f"{what} {url}: HTTP {response.status}"
        assert "script-src" in response.headers["content-security-policy"]
        self.page.wait_for_load_state("networkidle")
        self.check(what)

    def check(self, what: str) -> None:
        violations = self.page.evaluate("window.__csp || []")
        problems = [*violations, *self.messages, *self.j.problems]
        self.messages.clear()
        self.j.problems.clear()
        assert not problems, f"{what} ({self.page.url}):\n" + "\n".join(problems)


def _photo() -> dict:
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 40, 40)).save(buf, "JPEG")
    return {"name": "photo.jpg", "mimeType": "image/jpeg", "buffer": buf.getvalue()}


def test_main_pages_raise_no_csp_violation(demo_live, journey):  # noqa: F811
    centre = User.objects.get(username="centre")
    hazard = Hazard.objects.visible_to(centre).order_by("pk").first()
    with_photo = (
        Hazard.objects.visible_to(centre)
        .filter(pk__in=HazardEvidence.objects.values("hazard_id"))
        .order_by("pk")
        .first()
    )
    # a form still being filled in (the demo submits the first schools' forms), and an officer
    # of its school
    form = (
        InspectionForm.objects.filter(status=FormStatus.IN_PROGRESS)
        .order_by("pk")
        .select_related("school")
        .first()
    )
    filler = testing.user_with_role(Role.SCHOOL_OFFICER, form.school, username="csp_school")
    report = WeeklyReport.objects.visible_to(centre).order_by("pk").first()
    assert None not in (hazard, with_photo, form, report)

    # the safety centre
    c = CspJourney(journey())
    # the watch itself: an inline script without the nonce is reported
    c.page.goto("/accounts/login/")
    c.page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.x = 1';"
        " document.body.append(s); }"
    )
    c.page.wait_for_timeout(100)
    assert c.page.evaluate("window.__csp.length") == 1
    assert c.page.evaluate("window.x") is None
    c.messages.clear()
    c.log_in("centre")
    c.visit("/", "home")
    c.visit("/orgs/schools/", "school list")
    c.page.locator("input[name=q]").fill("小学")  # the HTMX filter swaps the table
    c.page.wait_for_load_state("networkidle")
    c.check("school list filtered")
    c.visit("/hazards/", "hazard register")
    c.visit(hazard.get_absolute_url(), "hazard detail")
    c.visit(with_photo.get_absolute_url(), "hazard detail with photos")
    expect(c.page.get_by_test_id("evidence")).to_be_visible()
    c.visit("/dashboard/", "dashboard")
    for name in ("status", "trend", "map"):
        expect(c.page.locator(f"#chart-{name} canvas").first).to_be_attached()
    c.visit("/dashboard/print/", "dashboard print")
    c.visit("/weekly/", "weekly reports")
    c.visit(f"/weekly/reports/{report.pk}/", "weekly report")
    c.visit("/accounts/tokens/", "API tokens")
    c.visit("/api/docs/", "API docs")
    expect(c.page.locator(".swagger-ui .info .title")).to_contain_text("SafeCampus API")
    expect(c.page.locator(".opblock").first).to_be_visible()
    c.check("API docs rendered")

    # a school officer: the report form with a photo, and a self-inspection form's autosave
    s = CspJourney(journey())
    s.log_in(filler.username, password=testing.PASSWORD)
    s.visit("/", "school home")
    s.visit("/hazards/new/", "hazard report form")
    s.page.locator("input[type=file]").first.set_input_files(_photo())
    s.page.wait_for_timeout(300)
    s.check("photo chosen")
    s.visit(f"/campaigns/forms/{form.pk}/", "self-inspection form")
    radio = s.page.locator("input.btn-check[value=compliant]:not(:checked)").first
    card_id = radio.get_attribute("id").split("-")[0]
    with s.page.expect_response(re.compile(r"/save/$")) as saved:
        s.page.locator(f"label[for={radio.get_attribute('id')}]").click()
    assert saved.value.status == 200
    expect(s.page.locator(f"#{card_id}")).to_be_visible()
    s.page.wait_for_load_state("networkidle")
    s.check("autosave")
    # the indicator style is ours, not injected by HTMX
    assert s.page.evaluate("document.querySelectorAll('style').length") == 0

    # the leadership group's dashboard and the auditor's log
    leader = CspJourney(journey())
    leader.log_in("leader")
    leader.visit("/dashboard/", "leader dashboard")
    # the language menu submits itself from static JS (it had an inline onchange)
    with leader.page.expect_navigation():
        leader.page.locator("footer select[name=language]").select_option("en")
    expect(leader.page.locator("html")).to_have_attribute("lang", "en")
    leader.check("language switched")
    auditor = CspJourney(journey())
    auditor.log_in("auditor")
    auditor.visit("/audit/", "audit log")
