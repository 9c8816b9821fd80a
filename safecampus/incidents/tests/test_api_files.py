"""The files of the incident and dispute pages through the API: the Excel 台账 of incidents and
of disputes (a job, as the pages' export buttons start), the Word 公文 of an incident's report
and a bureau's monthly summary: the page's bytes, content type and Chinese file name, the
page's scope (another bureau 404, a role that does not reach them 403) and audit records."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from safecampus.audit.models import Action, AuditEvent
from safecampus.core.documents import DOCX_CONTENT_TYPE
from safecampus.core.models import Job
from safecampus.core.roles import Role
from safecampus.core.testing import scope_matrix, user_with_role
from safecampus.core.testing_documents import docx_text
from safecampus.incidents import dispute_selectors
from safecampus.incidents.choices import IncidentType
from safecampus.incidents.testing import designate, report, second_centre_officer

from .test_disputes import register

pytestmark = [pytest.mark.django_db, pytest.mark.dates]

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))
NOW = datetime.datetime(2027, 3, 1, 9, 0, tzinfo=SHANGHAI)
LATER = datetime.datetime(2027, 4, 2, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture
def school(world):
    return world.users[Role.SCHOOL_OFFICER]


@pytest.fixture
def centre(world):
    return world.users[Role.SAFETY_CENTRE]


@pytest.fixture
def outsider(world):
    """A safety centre officer of the other bureau."""
    return user_with_role(Role.SAFETY_CENTRE, world.other_bureau, username="centre_other")


@pytest.fixture
def wrong_roles(world):
    return [world.users[Role.AUDITOR], world.users[Role.PARTNER]]


@pytest.fixture
def no_periods(monkeypatch):
    monkeypatch.setattr(dispute_selectors, "_periods_around", lambda **kw: {})


# --- the incidents' 台账 ----------------------------------------------------------------------


def test_incident_export_through_the_api_starts_the_pages_job(
    world, school, client_for, clock, django_capture_on_commit_callbacks
):
    clock.move_to(NOW)
    report(school, world.school_a, now=NOW)
    client = client_for(school)
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(reverse("incidents:incident_export"), {"incident_type": "injury"})
    assert page.status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        api = client.post("/api/v1/incidents/export/?type=injury&serious=true")
    assert api.status_code == 202, api.content
    page_job, api_job = Job.objects.order_by("pk")
    assert api.json()["job"] == api_job.pk
    assert api.json()["url"].endswith(f"/api/v1/jobs/{api_job.pk}/")
    assert api_job.kind == page_job.kind == "incidents.export"
    assert page_job.params == {"filters": {"incident_type": "injury"}}
    assert api_job.params == {"filters": {"incident_type": "injury", "serious": "1"}}
    api_job.refresh_from_db()
    page_job.refresh_from_db()
    assert api_job.status == "succeeded", api_job.result
    assert api_job.output_name == page_job.output_name
    assert api_job.output_name.endswith("突发事件台账_2027-03-01.xlsx")
    detail = client.get(f"/api/v1/jobs/{api_job.pk}/")
    assert detail.status_code == 200 and detail.json()["kind"] == "incidents.export"


def test_incident_export_refuses_a_bad_filter_and_starts_nothing(school, client_for):
    r = client_for(school).post("/api/v1/incidents/export/?type=nothing")
    assert r.status_code == 400 and r.json()["code"] == "invalid"
    assert not Job.objects.exists()


def test_incident_export_scope_matrix(client, school, wrong_roles):
    scope_matrix(
        client,
        "/api/v1/incidents/export/",
        method="post",
        permitted=school,
        wrong_role=wrong_roles,
        ok=(202,),
    )


# --- the disputes' 台账 -----------------------------------------------------------------------


def test_dispute_export_through_the_api_starts_the_pages_job(
    world, school, client_for, no_periods, django_capture_on_commit_callbacks
):
    register(school, world.school_a, now=NOW)
    client = client_for(school)
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(reverse("incidents:dispute_export"), {"status": "open"})
    with django_capture_on_commit_callbacks(execute=True):
        api = client.post("/api/v1/disputes/export/?status=open")
    assert page.status_code == 302 and api.status_code == 202, api.content
    page_job, api_job = Job.objects.order_by("pk")
    assert api_job.kind == page_job.kind == "incidents.dispute_export"
    assert api_job.params == page_job.params
    assert api_job.params["filters"]["status"] == "open"
    api_job.refresh_from_db()
    page_job.refresh_from_db()
    assert api_job.status == "succeeded", api_job.result
    assert api_job.output_name == page_job.output_name
    assert "矛盾纠纷台账" in api_job.output_name


def test_dispute_export_scope_matrix(client, school, wrong_roles, no_periods):
    scope_matrix(
        client,
        "/api/v1/disputes/export/",
        method="post",
        permitted=school,
        wrong_role=wrong_roles,
        ok=(202,),
    )


# --- an incident's Word documents ---------------------------------------------------------------


def _same_file(api, page):
    assert api.status_code == page.status_code == 200, api.content[:300]
    assert api["Content-Type"] == page["Content-Type"] == DOCX_CONTENT_TYPE
    assert api["Content-Disposition"] == page["Content-Disposition"]
    assert api["Cache-Control"] == page["Cache-Control"] == "private, no-store"
    api_bytes = b"".join(api.streaming_content)
    assert docx_text_of(api_bytes) == docx_text_of(page.content)


def docx_text_of(content: bytes) -> str:
    import io

    from docx import Document

    return docx_text(Document(io.BytesIO(content)))


def test_incident_document_through_the_api_is_the_pages(world, school, client_for, clock):
    clock.move_to(NOW)
    incident = report(school, world.school_a, now=NOW, minutes_after=20)
    client = client_for(school)
    api = client.get(f"/api/v1/incidents/{incident.pk}/documents/initial/")
    page = client.get(reverse("incidents:incident_document", args=[incident.pk, "initial"]))
    _same_file(api, page)
    assert "%E4%BA%8B%E4%BB%B6%E5%BF%AB%E6%8A%A5" in api["Content-Disposition"]  # 事件快报
    assert "报送单位：甲小学" in docx_text_of(page.content)
    for missing in ("final", "verbal", "x"):
        r = client.get(f"/api/v1/incidents/{incident.pk}/documents/{missing}/")
        assert r.status_code == 404 and r.json()["code"] == "not_found"
    r = client.get(f"/api/v1/incidents/{incident.pk}/documents/follow_up/", {"n": "x"})
    assert r.status_code == 404
    assert client.get("/api/v1/incidents/x1/documents/initial/").status_code == 404


def test_incident_document_scope_matrix(world, school, outsider, wrong_roles, client, clock):
    clock.move_to(NOW)
    incident = report(school, world.school_a, now=NOW)
    scope_matrix(
        client,
        f"/api/v1/incidents/{incident.pk}/documents/initial/",
        permitted=world.users[Role.LEADERSHIP],
        out_of_scope=[outsider],
        wrong_role=wrong_roles,
    )


def test_a_restricted_cases_document_only_for_those_named_each_attempt_audited(
    world, school, centre, client_for, clock
):
    clock.move_to(NOW)
    designate(world, centre)
    restricted = report(
        school, world.school_a, now=NOW, incident_type=IncidentType.BULLYING, title="欺凌"
    )
    url = f"/api/v1/incidents/{restricted.pk}/documents/initial/"
    before = AuditEvent.objects.count()
    other = client_for(second_centre_officer(world))
    assert other.get(url).status_code == 404
    assert AuditEvent.objects.count() > before
    named = client_for(school)
    page = named.get(reverse("incidents:incident_document", args=[restricted.pk, "initial"]))
    _same_file(named.get(url), page)


# --- the monthly summary ------------------------------------------------------------------------


SUMMARY = "/api/v1/incidents/summary/"


def test_monthly_summary_through_the_api_is_the_pages_and_audited(
    world, school, centre, client_for, clock
):
    clock.move_to(NOW)
    report(school, world.school_a, now=NOW, title="三月事件")
    clock.move_to(LATER)
    client = client_for(centre)
    page = client.get(reverse("incidents:monthly_summary"), {"month": "2027-03"})
    api = client.get(SUMMARY, {"month": "2027-03"})
    _same_file(api, page)
    exports = AuditEvent.objects.filter(action=Action.EXPORT, actor=centre).order_by("pk")
    assert [e.data for e in exports] == [{"kind": "incidents.summary", "month": "2027-03"}] * 2
    assert exports[1].bureau_id == world.bureau.pk


def test_monthly_summary_refuses_a_month_to_come_or_none(centre, client_for, clock):
    clock.move_to(LATER)
    client = client_for(centre)
    r = client.get(SUMMARY, {"month": "2027-05"})
    assert r.json()["message"] == "请选择已开始的月份，格式如 2027-03。"
    for month in ({}, {"month": "2027-05"}, {"month": "2027-13"}, {"month": "x"}):
        r = client.get(SUMMARY, month)
        assert r.status_code == 400 and r.json()["code"] == "invalid", (month, r.content)
        assert "month" in r.json()["errors"]
        assert any("\u4e00" <= c <= "\u9fff" for c in r.json()["message"]), r.json()
    assert not AuditEvent.objects.filter(action=Action.EXPORT).exists()


def test_monthly_summary_scope_matrix(world, school, outsider, client, clock):
    clock.move_to(LATER)
    scope_matrix(
        client,
        f"{SUMMARY}?month=2027-03&bureau={world.bureau.pk}",
        permitted=world.users[Role.INSPECTOR],
        out_of_scope=[outsider],
        wrong_role=[school, world.users[Role.AUDITOR]],
    )
