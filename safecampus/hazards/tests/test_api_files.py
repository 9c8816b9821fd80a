"""The register's files through the API: the Excel export (the page's workbook and name, a job
when large) and the evidence files, each with the page's scope check."""

import pytest
from django.urls import reverse
from django.utils.encoding import escape_uri_path

from safecampus.core.excel import XLSX_CONTENT_TYPE
from safecampus.core.models import Job
from safecampus.core.roles import Role
from safecampus.hazards import excel
from safecampus.hazards.tests.test_views import table

pytestmark = pytest.mark.dates


def test_export_through_the_api_is_the_pages_workbook(reg, client_for):
    a = reg.make("assigned")
    reg.make("reported", school=reg.school_b)
    client = client_for(reg.users[Role.SCHOOL_OFFICER])
    api = client.get("/api/v1/hazards/export/")
    page = client.get(reverse("hazards:hazard_export"))
    assert api.status_code == 200 and api["Content-Type"] == XLSX_CONTENT_TYPE
    assert api["Content-Disposition"] == page["Content-Disposition"]
    assert "%E9%9A%90%E6%82%A3%E6%B8%85%E5%8D%95" in api["Content-Disposition"]  # 隐患清单
    headers, rows = table(b"".join(api.streaming_content))
    assert headers[:3] == ["序号", "隐患编号", "学校"]
    assert [r[1] for r in rows] == [a.code]
    assert escape_uri_path("隐患清单") in page["Content-Disposition"]
    # a client that asks for the workbook's own type gets it (not 406)
    asked = client.get("/api/v1/hazards/export/", HTTP_ACCEPT=XLSX_CONTENT_TYPE)
    assert asked.status_code == 200 and asked["Content-Type"] == XLSX_CONTENT_TYPE


def test_a_large_export_through_the_api_is_a_job(reg, client_for, monkeypatch):
    reg.make("assigned")
    monkeypatch.setattr(excel, "EXPORT_INLINE_LIMIT", 0)
    client = client_for(reg.users[Role.SCHOOL_OFFICER])
    response = client.get("/api/v1/hazards/export/", {"status": "assigned"})
    assert response.status_code == 202, response.content
    job = Job.objects.get(pk=response.json()["job"])
    assert job.kind == "hazards.export" and job.params == {"filters": {"status": ["assigned"]}}
    assert response.json()["url"].endswith(f"/api/v1/jobs/{job.pk}/")
    assert response["Location"] == response.json()["url"]
    detail = client.get(f"/api/v1/jobs/{job.pk}/")
    assert detail.status_code == 200 and detail.json()["kind"] == "hazards.export"


def test_evidence_through_the_api_follows_the_hazards_scope(reg, client_for):
    h = reg.make("submitted")
    ev = h.evidence.get()
    own = client_for(reg.users[Role.SCHOOL_OFFICER])
    detail = own.get(f"/api/v1/hazards/{h.pk}/").json()
    listed = {e["id"]: e for e in detail["evidence"]}
    assert listed[ev.pk]["download_url"] == f"/api/v1/hazard-evidence/{ev.pk}/"
    response = own.get(f"/api/v1/hazard-evidence/{ev.pk}/")
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content)[:3] == b"\xff\xd8\xff"
    thumb = own.get(f"/api/v1/hazard-evidence/{ev.pk}/thumb/")
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/jpeg"
    other = client_for(reg.school_b_user)
    assert other.get(f"/api/v1/hazard-evidence/{ev.pk}/").json()["code"] == "not_found"
    assert other.get(f"/api/v1/hazard-evidence/{ev.pk}/thumb/").status_code == 404
    assert own.get("/api/v1/hazard-evidence/x1/").status_code == 404
