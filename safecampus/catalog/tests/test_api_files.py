"""A catalog version's Excel export through the API: the page's workbook, content type and
Chinese file name, with the page's scope (another bureau 404, a role that does not read the
catalog 403)."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from safecampus.core.excel import XLSX_CONTENT_TYPE
from safecampus.core.roles import Role
from safecampus.core.testing import scope_matrix

from .test_scope_matrix import cat  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def _cells(response) -> list:
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return [list(r) for ws in wb.worksheets for r in ws.iter_rows(values_only=True)]


def test_version_export_through_the_api_is_the_pages_workbook(world, cat, client_for):  # noqa: F811
    v = cat["version"]
    client = client_for(world.users[Role.PRINCIPAL])
    api = client.get(f"/api/v1/catalog/versions/{v.pk}/export/")
    page = client.get(reverse("catalog:version_export", args=[v.pk]))
    assert api.status_code == page.status_code == 200
    assert api["Content-Type"] == page["Content-Type"] == XLSX_CONTENT_TYPE
    assert api["Content-Disposition"] == page["Content-Disposition"]
    assert "filename*=utf-8''" in api["Content-Disposition"]
    cells = _cells(api)
    assert cells == _cells(page)
    values = [c for row in cells for c in row]
    assert "疏散通道畅通" in values and "A01-02" in values
    assert client.get("/api/v1/catalog/versions/x/export/").status_code == 404


def test_version_export_scope_matrix(world, cat, client):  # noqa: F811
    scope_matrix(
        client,
        f"/api/v1/catalog/versions/{cat['version'].pk}/export/",
        permitted=world.users[Role.PRINCIPAL],
        out_of_scope=[cat["other_centre"]],
        wrong_role=[world.users[Role.AUDITOR]],
    )
