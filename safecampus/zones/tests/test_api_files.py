"""The files of the zone case pages through the API: the Excel 清单 of the cases (a job, as the
list page's export button starts) and a case's photos and documents, with the page's scope
(another school or department 404, a role that does not reach them 403)."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.urls import reverse

from safecampus.core.models import Job
from safecampus.core.roles import Role
from safecampus.core.testing import scope_matrix, user_with_role
from safecampus.hazards.tests.helpers import temporary_media

from .test_cases_helpers import case_world, photo
from .test_cases_pages import _post

pytestmark = [pytest.mark.django_db, pytest.mark.dates]

NOW = "2026-12-01T10:00"
EXPORT = "/api/v1/zone-cases/export/"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    temporary_media(settings, tmp_path)


@pytest.fixture
def cw(world, clock):
    clock.move_to(NOW)
    return case_world(world)


def test_case_export_through_the_api_starts_the_pages_job(
    cw, client_for, django_capture_on_commit_callbacks
):
    client = client_for(cw.z.law_officer)
    filters = {"status": "open", "q": "网吧"}
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(reverse("zones:case_export"), filters)
    with django_capture_on_commit_callbacks(execute=True):
        api = client.post(f"{EXPORT}?{urlencode(filters)}")
    assert page.status_code == 302 and api.status_code == 202, api.content
    page_job, api_job = Job.objects.filter(kind="zones.case_export").order_by("pk")
    assert api.json()["job"] == api_job.pk
    assert api.json()["url"].endswith(f"/api/v1/jobs/{api_job.pk}/")
    assert api_job.params == page_job.params
    assert api_job.params["filters"]["status"] == "open"
    assert api_job.params["filters"]["q"] == "网吧"
    api_job.refresh_from_db()
    page_job.refresh_from_db()
    assert api_job.status == Job.Status.SUCCEEDED
    assert api_job.output_name == page_job.output_name
    assert api_job.output_name.startswith("闵行区教育局法制科_学生安全区域周边场所整治清单_")
    detail = client.get(f"/api/v1/jobs/{api_job.pk}/")
    assert detail.status_code == 200 and detail.json()["kind"] == "zones.case_export"


def test_case_export_scope_matrix(cw, client):
    scope_matrix(
        client,
        EXPORT,
        method="post",
        permitted=cw.users[Role.PARTNER],
        wrong_role=[cw.users[Role.AUDITOR], cw.users[Role.SCHOOL_OFFICER]],
        ok=(202,),
    )


def _evidence(cw, client_for):
    law = client_for(cw.z.law_officer)
    assert _post(law, cw.fresh(), "add_evidence", files=photo()).status_code == 302
    return law, cw.fresh().evidence.get()


def test_case_evidence_through_the_api_is_the_pages_file(cw, client_for):
    law, ev = _evidence(cw, client_for)
    api_url = f"/api/v1/zone-cases/{cw.case.pk}/evidence/{ev.pk}/"
    listed = law.get(f"/api/v1/zone-cases/{cw.case.pk}/").json()["evidence"]
    assert [e["download_url"] for e in listed] == [api_url]
    page_url = reverse("zones:case_evidence", args=[cw.case.pk, ev.pk])
    api, page = law.get(api_url), law.get(page_url)
    assert api.status_code == page.status_code == 200
    assert api["Content-Type"] == page["Content-Type"] == "image/jpeg"
    assert api["Content-Disposition"] == page["Content-Disposition"]
    assert "%E7%8E%B0%E5%9C%BA" in api["Content-Disposition"]  # 现场
    content = b"".join(api.streaming_content)
    assert content == b"".join(page.streaming_content) and content[:3] == b"\xff\xd8\xff"
    thumb = law.get(api_url, {"thumb": "1"})
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/jpeg"
    # another case's file through this case's URL, or no such id: 404
    missing = law.get(f"/api/v1/zone-cases/{cw.case.pk}/evidence/{ev.pk + 1000}/")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    assert law.get(f"/api/v1/zone-cases/{cw.case.pk}/evidence/x/").status_code == 404
    assert law.get(f"/api/v1/zone-cases/x/evidence/{ev.pk}/").status_code == 404


def test_case_evidence_scope_matrix(cw, client_for, client):
    _law, ev = _evidence(cw, client_for)
    outsider = user_with_role(Role.SCHOOL_OFFICER, cw.world.school_b, username="school_b")
    other_dept = cw.users[Role.SAFETY_CENTRE].__class__.objects.get(username="dept")
    scope_matrix(
        client,
        f"/api/v1/zone-cases/{cw.case.pk}/evidence/{ev.pk}/",
        permitted=cw.users[Role.PARTNER],
        out_of_scope=[outsider, other_dept],
        wrong_role=[cw.users[Role.AUDITOR]],
    )
