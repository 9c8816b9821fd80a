"""The compliance workbook: opens, numbers as numbers, the matrix as the cards say, scope."""

import io
from urllib.parse import unquote

import pytest
from openpyxl import load_workbook

from safecampus.core.roles import Role
from safecampus.standards.models import SchoolStanding
from safecampus.standards.tests.test_compliance_views import _other_bureau, cw  # noqa: F401

pytestmark = pytest.mark.dates

URL = "/standards/compliance/export.xlsx"


def _sheets(client, user):
    client.force_login(user)
    response = client.get(URL)
    assert response.status_code == 200
    return response, load_workbook(io.BytesIO(response.content))


def _table(ws):
    rows = list(ws.iter_rows(values_only=True))
    head = next(i for i, r in enumerate(rows) if r[0] == "序号")
    return rows[:head], rows[head], rows[head + 1 :]


def test_workbook_numbers_and_matrix(cw, client):  # noqa: F811
    _other_bureau(cw)
    response, wb = _sheets(client, cw.users[Role.SAFETY_CENTRE])
    name = unquote(response["Content-Disposition"])
    assert "人防物防技防达标情况" in name and "闵行区教育局" in name and name.endswith(".xlsx")
    by_rule, by_school = wb.worksheets
    top, header, rows = _table(by_rule)
    assert top[0][0] == "人防物防技防达标情况（按要求）"
    assert any("适用规则集" in (r[0] or "") for r in top)
    assert header[:4] == ("序号", "要求", "类别", "依据条款")
    assert by_rule.page_setup.orientation == "landscape"
    assert int(by_rule.page_setup.paperSize) == int(by_rule.PAPERSIZE_A4)
    for r in rows:
        assert all(isinstance(v, int) for v in r[4:8]), r
        assert r[8] is None or isinstance(r[8], int | float)
    # sheet 2: one row per card of this bureau, cells as the cards say
    _top, header, rows = _table(by_school)
    assert len(rows) == SchoolStanding.objects.filter(bureau=cw.bureau).count() == 2
    assert "外区中学" not in {r[1] for r in rows}
    school_a = next(r for r in rows if r[1] == cw.school_a.name)
    assert isinstance(school_a[3], int) and school_a[3] == cw.school_a.standing.failing
    assert set(school_a[9:]) <= {"符合", "不符合", "待填报", "不适用"}
    assert school_a[9:].count("不符合") == school_a[3] == 2


def test_department_workbook_counts_only_its_findings(cw, client):  # noqa: F811
    _r, wb = _sheets(client, cw.users[Role.DEPARTMENT_OFFICER])
    top, _h, rows = _table(wb.worksheets[0])
    assert any("本科室" in (r[0] or "") for r in top)
    assert all(r[4] == 0 for r in rows)  # no complying counts for a department


def test_large_scope_is_written_by_a_job(cw, client, monkeypatch):  # noqa: F811
    from safecampus.core.jobs import job_run
    from safecampus.core.models import Job
    from safecampus.standards import exports

    monkeypatch.setattr(exports, "EXPORT_INLINE_LIMIT", 1)
    client.force_login(cw.users[Role.LEADERSHIP])
    response = client.get(URL + "?stage=kindergarten")
    assert response.status_code == 200  # one kindergarten: written at once
    response = client.get(URL)
    assert response.status_code == 302
    job = Job.objects.get(kind="standards.compliance_export")
    assert response["Location"] == job.get_absolute_url()
    job = job_run(job.pk)
    assert job.status == Job.Status.SUCCEEDED, job.result
    assert "人防物防技防达标情况" in job.output_name
    wb = load_workbook(job.output_file.open("rb"))
    assert len(list(wb.worksheets[1].iter_rows())) > 2


def test_the_export_uses_only_public_helpers_of_core_excel():
    import ast
    import inspect

    from safecampus.standards import exports

    tree = ast.parse(inspect.getsource(exports))
    private = [
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and (node.module or "").endswith("excel")
        for alias in node.names
        if alias.name.startswith("_")
    ]
    assert private == []
