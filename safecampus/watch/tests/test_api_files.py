"""A duty roster's workbook through the API: the page's bytes, content type and Chinese file
name, with the page's scope (another school or bureau 404, a role that does not reach the
watch 403)."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from safecampus.core.excel import XLSX_CONTENT_TYPE
from safecampus.core.roles import Role
from safecampus.core.testing import scope_matrix
from safecampus.watch.choices import Post
from safecampus.watch.testing import at, shift

pytestmark = pytest.mark.dates


def _url(roster) -> str:
    return f"/api/v1/watch-rosters/{roster.pk}/export/"


def _cells(response) -> list:
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return [list(r) for r in wb.worksheets[0].iter_rows(values_only=True)]


def test_roster_export_through_the_api_is_the_pages_workbook(client_for, w):
    shift(w.roster_a, at(6, 20), at(7, 8), post=Post.LEADER, name="李校长")
    client = client_for(w.world.users[Role.LEADERSHIP])
    api = client.get(_url(w.roster_a))
    page = client.get(reverse("watch:roster_export", args=[w.roster_a.pk]))
    assert api.status_code == page.status_code == 200
    assert api["Content-Type"] == page["Content-Type"] == XLSX_CONTENT_TYPE
    assert api["Content-Disposition"] == page["Content-Disposition"]
    assert "filename*=utf-8''" in api["Content-Disposition"]
    cells = _cells(api)
    assert cells == _cells(page)
    assert cells[0][0] == "甲小学2027年春节值班表"
    assert "李校长" in [c for row in cells for c in row]
    assert client.get("/api/v1/watch-rosters/x/export/").status_code == 404


def test_roster_export_scope_matrix(client, w, others):
    scope_matrix(
        client,
        _url(w.roster_a),
        permitted=w.world.users[Role.INSPECTOR],
        out_of_scope=[others["school_b"], others["centre_other"]],
        wrong_role=[w.world.users[Role.PARTNER], w.world.users[Role.AUDITOR]],
    )
