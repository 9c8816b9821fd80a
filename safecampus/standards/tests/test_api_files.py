"""The files of the security standards pages through the API: the findings workbook and the
compliance workbook (the page's bytes, content type and Chinese file name; the compliance
export a job for a large scope and in the audit log), and a facts revision's evidence, each
with the page's scope (another school or bureau 404 or not in the file, a wrong role 403)."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from safecampus.audit.models import Action, AuditEvent
from safecampus.core.excel import XLSX_CONTENT_TYPE
from safecampus.core.models import Job
from safecampus.core.roles import Role
from safecampus.core.testing import scope_matrix, user_with_role
from safecampus.hazards.tests.test_browser import _media  # noqa: F401 (fixture)
from safecampus.standards.models import FactsEvidence
from safecampus.standards.tests.test_compliance_views import cw  # noqa: F401 (fixture)
from safecampus.standards.tests.test_facts_views import (  # noqa: F401 (fixtures)
    _jpeg,
    edit_url,
    form_data,
    sw,
)
from safecampus.standards.tests.test_findings_views import fw  # noqa: F401 (fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.dates]

FINDINGS = "/api/v1/standard-findings/export/"
COMPLIANCE = "/api/v1/standard-compliance/export/"


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def _rows(content: bytes, first: str) -> tuple[list, list]:
    ws = load_workbook(io.BytesIO(content)).active
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    head = next(i for i, r in enumerate(rows) if r and r[0] == first)
    return rows[head], [r for r in rows[head + 1 :] if r and r[0]]


def _same_file(api, page, first: str):
    assert api.status_code == page.status_code == 200, _body(api)[:300]
    assert api["Content-Type"] == page["Content-Type"] == XLSX_CONTENT_TYPE
    assert api["Content-Disposition"] == page["Content-Disposition"]
    api_head, api_rows = _rows(_body(api), first)
    page_head, page_rows = _rows(_body(page), first)
    assert api_head == page_head and api_rows == page_rows
    return api_head, api_rows


# --- findings -----------------------------------------------------------------------------------


def test_findings_export_through_the_api_is_the_pages_workbook(fw, client_for):  # noqa: F811
    client = client_for(fw.users[Role.SAFETY_CENTRE])
    query = {"key": "video.days"}
    api = client.get(FINDINGS, query)
    page = client.get(reverse("standards:finding_xlsx"), query)
    head, rows = _same_file(api, page, "学校")
    assert head[:3] == ["学校", "学校代码", "要求"] or head[0] == "学校"
    assert sorted(r[0] for r in rows) == sorted([fw.school_a.name, fw.school_b.name])
    assert "filename*=utf-8''" in api["Content-Disposition"].lower()


def test_findings_export_is_the_callers_scope(fw, client_for):  # noqa: F811
    api = client_for(fw.school_b_user).get(FINDINGS)
    assert api.status_code == 200
    _head, rows = _rows(_body(api), "学校")
    assert rows and {r[0] for r in rows} == {fw.school_b.name}


def test_findings_export_refuses_a_bad_filter(fw, client_for):  # noqa: F811
    r = client_for(fw.users[Role.SAFETY_CENTRE]).get(FINDINGS, {"status": "nonsense"})
    assert r.status_code == 400 and r.json()["code"] == "invalid"
    assert "status" in r.json()["errors"]
    assert any("\u4e00" <= c <= "\u9fff" for c in r.json()["message"]), r.json()


def test_findings_export_scope_matrix(fw, client):  # noqa: F811
    scope_matrix(
        client,
        FINDINGS,
        permitted=fw.users[Role.SCHOOL_OFFICER],
        wrong_role=[fw.users[Role.SYSTEM_ADMIN], fw.users[Role.AUDITOR]],
    )


# --- compliance ---------------------------------------------------------------------------------


def test_compliance_export_through_the_api_is_the_pages_and_audited(cw, client_for):  # noqa: F811
    leader = cw.users[Role.LEADERSHIP]
    client = client_for(leader)
    page = client.get(reverse("standards:compliance_xlsx"))
    api = client.get(COMPLIANCE)
    _same_file(api, page, "序号")
    exports = AuditEvent.objects.filter(action=Action.EXPORT, actor=leader)
    assert [e.data for e in exports] == [{"kind": "standards.compliance", "stage": ""}] * 2


def test_compliance_export_of_a_large_scope_is_a_job(cw, client_for, monkeypatch):  # noqa: F811
    from safecampus.standards import exports

    monkeypatch.setattr(exports, "EXPORT_INLINE_LIMIT", 1)
    client = client_for(cw.users[Role.LEADERSHIP])
    assert client.get(COMPLIANCE, {"stage": "kindergarten"}).status_code == 200
    response = client.get(COMPLIANCE)
    assert response.status_code == 202, response.content
    job = Job.objects.get(pk=response.json()["job"])
    assert job.kind == "standards.compliance_export" and job.params == {"stage": ""}
    assert response.json()["url"].endswith(f"/api/v1/jobs/{job.pk}/")


def test_compliance_export_refuses_an_unknown_stage(cw, client_for):  # noqa: F811
    r = client_for(cw.users[Role.LEADERSHIP]).get(COMPLIANCE, {"stage": "x"})
    assert r.status_code == 400 and r.json()["code"] == "invalid"
    assert not AuditEvent.objects.filter(action=Action.EXPORT).exists()


def test_compliance_export_scope_matrix(cw, client):  # noqa: F811
    scope_matrix(
        client,
        COMPLIANCE,
        permitted=cw.users[Role.INSPECTOR],
        wrong_role=[cw.users[Role.SCHOOL_OFFICER], cw.users[Role.AUDITOR]],
    )


# --- facts evidence -----------------------------------------------------------------------------


def _evidence(sw, client_for):  # noqa: F811
    c = client_for(sw.users[Role.SCHOOL_OFFICER])
    data = form_data(sw.school_a)
    data["files"] = [SimpleUploadedFile("夜间值守.jpg", _jpeg(), content_type="image/jpeg")]
    assert c.post(edit_url(sw.school_a), data).status_code == 302
    return c, FactsEvidence.objects.get()


def test_facts_evidence_through_the_api_is_the_pages_file(sw, client_for, _media):  # noqa: F811
    c, ev = _evidence(sw, client_for)
    api = c.get(f"/api/v1/standard-facts/evidence/{ev.pk}/")
    page = c.get(reverse("standards:facts_evidence", args=[ev.pk]))
    assert api.status_code == page.status_code == 200
    assert api["Content-Type"] == page["Content-Type"] == "image/jpeg"
    assert api["Content-Disposition"] == page["Content-Disposition"]
    assert "%E5%A4%9C%E9%97%B4%E5%80%BC%E5%AE%88" in api["Content-Disposition"]  # 夜间值守
    content = _body(api)
    assert content == _body(page) and content[:3] == b"\xff\xd8\xff"
    missing = c.get(f"/api/v1/standard-facts/evidence/{ev.pk + 1000}/")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    assert c.get("/api/v1/standard-facts/evidence/x/").status_code == 404


def test_facts_evidence_scope_matrix(sw, client_for, client, _media):  # noqa: F811
    _c, ev = _evidence(sw, client_for)
    other = user_with_role(Role.SAFETY_CENTRE, sw.other_bureau, username="other_centre")
    school_b_user = user_with_role(Role.SCHOOL_OFFICER, sw.school_b, username="b_officer")
    scope_matrix(
        client,
        f"/api/v1/standard-facts/evidence/{ev.pk}/",
        permitted=sw.users[Role.SAFETY_CENTRE],
        out_of_scope=[school_b_user, other],
        wrong_role=[sw.users[Role.SYSTEM_ADMIN]],
    )
