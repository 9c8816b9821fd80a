"""The files of the duty pages through the API: the compliance workbook, a school's duty log
(Excel and Word) and a catalog version's workbook: the page's bytes, content type and Chinese
file name, with the page's scope (another school or bureau 404, a wrong role 403)."""

from __future__ import annotations

import io
from urllib.parse import urlencode

import pytest
from django.urls import reverse
from docx import Document
from openpyxl import load_workbook

from safecampus.core.documents import DOCX_CONTENT_TYPE
from safecampus.core.excel import XLSX_CONTENT_TYPE
from safecampus.core.roles import Role
from safecampus.core.testing import scope_matrix, user_with_role
from safecampus.duties.testing import small_duty_catalog
from safecampus.duties.tests import oversight_world
from safecampus.duties.tests import test_owner_views as owner

ow = oversight_world.ow  # the fixture
_media, dw = owner._media, owner.dw  # the fixtures of the owner's pages

pytestmark = [pytest.mark.dates, pytest.mark.django_db]

COMPLIANCE = "/api/v1/duty-compliance/export/"
LOG = "/api/v1/duty-log/export/"


def _body(response) -> bytes:
    """The response's content (read once: a streamed one is kept for the next reader)."""
    if response.streaming:
        response._body_read = getattr(response, "_body_read", None) or b"".join(
            response.streaming_content
        )
        return response._body_read
    return response.content


def _cells(content: bytes) -> list[list]:
    wb = load_workbook(io.BytesIO(content))
    return [list(r) for ws in wb.worksheets for r in ws.iter_rows(values_only=True)]


def _same_file(api, page, content_type=XLSX_CONTENT_TYPE):
    assert api.status_code == page.status_code == 200, _body(api)[:300]
    assert api["Content-Type"] == page["Content-Type"] == content_type
    assert api["Content-Disposition"] == page["Content-Disposition"]


def _rows_after_heading(content: bytes) -> list[list]:
    """The table of every sheet, the heading block (which says when it was written) left out."""
    wb = load_workbook(io.BytesIO(content))
    out = []
    for ws in wb.worksheets:
        rows = [list(r) for r in ws.iter_rows(values_only=True)]
        out += [r for r in rows if not (r and isinstance(r[0], str) and r[0].startswith("截至"))]
    return out


# --- compliance ---------------------------------------------------------------------------------


def test_compliance_export_through_the_api_is_the_pages_workbook(ow, client_for):
    client = client_for(ow.world.users[Role.SAFETY_CENTRE])
    query = "?" + urlencode({"code": "DRILL", **ow.params})
    api = client.get(COMPLIANCE + query)
    page = client.get(reverse("duties:compliance_export") + query)
    _same_file(api, page)
    assert "%E5%B8%B8%E6%80%81%E5%8C%96%E5%B7%A5%E4%BD%9C" in api["Content-Disposition"]
    assert _rows_after_heading(_body(api)) == _rows_after_heading(_body(page))
    assert load_workbook(io.BytesIO(_body(api))).sheetnames == ["汇总", "按工作", "按学校"]


def test_compliance_export_refuses_a_bad_filter(ow, client_for):
    r = client_for(ow.world.users[Role.SAFETY_CENTRE]).get(COMPLIANCE, {"period": "nonsense"})
    assert r.status_code == 400 and r.json()["code"] == "invalid"
    assert "period" in r.json()["errors"]
    assert any("\u4e00" <= c <= "\u9fff" for c in r.json()["message"]), r.json()


def test_compliance_export_scope_matrix(ow, client):
    u = ow.world.users
    scope_matrix(
        client,
        f"{COMPLIANCE}?school={ow.world.school_a.pk}",
        permitted=u[Role.SAFETY_CENTRE],
        out_of_scope=[ow.other_centre],
        wrong_role=[u[Role.SCHOOL_OFFICER], u[Role.PARTNER], u[Role.AUDITOR]],
    )


# --- the duty log -------------------------------------------------------------------------------


def test_duty_log_through_the_api_is_the_pages_file(dw, client_for):
    c = client_for(dw.users[Role.SCHOOL_OFFICER])
    api, page = c.get(LOG), c.get(reverse("duties:log_export"))
    _same_file(api, page)
    assert _rows_after_heading(_body(api)) == _rows_after_heading(_body(page))
    query = f"?school={dw.school_a.pk}&format=docx"
    api, page = c.get(LOG + query), c.get(reverse("duties:log_export") + query)
    _same_file(api, page, DOCX_CONTENT_TYPE)
    text = "\n".join(p.text for p in Document(io.BytesIO(_body(api))).paragraphs)
    assert text == "\n".join(p.text for p in Document(io.BytesIO(_body(page))).paragraphs)
    assert f"{dw.school_a.name}常态化工作台账" in text


def test_duty_log_scope_matrix(dw, client):
    scope_matrix(
        client,
        f"{LOG}?school={dw.school_a.pk}",
        permitted=dw.users[Role.SCHOOL_OFFICER],
        out_of_scope=[dw.users["school_b"]],
        wrong_role=[dw.users[Role.AUDITOR]],
    )


# --- a catalog version --------------------------------------------------------------------------


def test_catalog_version_export_through_the_api_is_the_pages_workbook(world, client_for):
    version = small_duty_catalog(world.bureau, world.department)
    client = client_for(world.users[Role.PRINCIPAL])
    api = client.get(f"/api/v1/duty-versions/{version.pk}/export/")
    page = client.get(reverse("duties:catalog_export", args=[version.pk]))
    _same_file(api, page)
    assert "%E5%B8%B8%E6%80%81%E5%8C%96" in api["Content-Disposition"]  # 常态化…
    assert _cells(_body(api)) == _cells(_body(page))
    assert _cells(_body(api))[0][0] == "常态化工作清单（第1版）"
    assert client.get("/api/v1/duty-versions/x/export/").status_code == 404


def test_catalog_version_export_scope_matrix(world, client):
    version = small_duty_catalog(world.bureau, world.department)
    outsider = user_with_role(Role.SAFETY_CENTRE, world.other_bureau, username="other_centre")
    scope_matrix(
        client,
        f"/api/v1/duty-versions/{version.pk}/export/",
        permitted=world.users[Role.SCHOOL_OFFICER],
        out_of_scope=[outsider],
        wrong_role=[world.users[Role.AUDITOR]],
    )
