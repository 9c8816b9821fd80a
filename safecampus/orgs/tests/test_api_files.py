"""The school list's Excel export through the API: the page's workbook, content type and
Chinese file name, the same audit record, the caller's scope (another bureau's schools not in
it, a role that does not manage schools 403), and a job when the list is large."""

import pytest
from django.urls import reverse

from safecampus.audit.models import Action, AuditEvent
from safecampus.core.excel import XLSX_CONTENT_TYPE
from safecampus.core.models import Job
from safecampus.core.roles import Role
from safecampus.core.testing import scope_matrix
from safecampus.core.testing_excel import table
from safecampus.orgs import excel

pytestmark = pytest.mark.django_db

EXPORT = "/api/v1/schools/export/"


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_school_export_through_the_api_is_the_pages_workbook(world, client_for):
    centre = world.users[Role.SAFETY_CENTRE]
    client = client_for(centre)
    api = client.get(EXPORT, {"stage": world.school_a.stage})
    page = client.get(reverse("orgs:school_export"), {"stage": world.school_a.stage})
    assert api.status_code == page.status_code == 200
    assert api["Content-Type"] == page["Content-Type"] == XLSX_CONTENT_TYPE
    assert api["Content-Disposition"] == page["Content-Disposition"]
    assert "%E5%AD%A6%E6%A0%A1%E5%90%8D%E5%8D%95" in api["Content-Disposition"]  # 学校名单
    api_head, api_rows = table(_body(api))
    page_head, page_rows = table(_body(page))
    assert api_head == page_head and api_rows == page_rows
    assert world.school_a.code in {r[0] for r in api_rows}
    assert world.school_other.code not in {r[0] for r in api_rows}
    exports = AuditEvent.objects.filter(action=Action.EXPORT, actor=centre)
    assert [e.data["kind"] for e in exports] == ["schools", "schools"]


def test_a_large_school_export_through_the_api_is_a_job(world, client_for, monkeypatch):
    monkeypatch.setattr(excel, "EXPORT_INLINE_LIMIT", 0)
    client = client_for(world.users[Role.SAFETY_CENTRE])
    response = client.get(EXPORT, {"stage": "primary", "page": "2"})
    assert response.status_code == 202, response.content
    job = Job.objects.get(pk=response.json()["job"])
    assert job.kind == "orgs.school_export"
    assert job.params == {"filters": {"stage": ["primary"]}}
    assert response.json()["url"].endswith(f"/api/v1/jobs/{job.pk}/")


def test_school_export_scope_matrix(world, client):
    u = world.users
    scope_matrix(
        client,
        EXPORT,
        permitted=u[Role.SAFETY_CENTRE],
        wrong_role=[u[Role.LEADERSHIP], u[Role.SCHOOL_OFFICER], u[Role.AUDITOR]],
    )
