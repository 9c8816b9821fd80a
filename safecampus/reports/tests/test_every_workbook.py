"""Every .xlsx the product writes is ready to print and to read (issue 15): A4 landscape fitted
to the page width, the table's header row on every printed page, a title row and a header block
(scope, filters, "截至 …"), numbers stored as numbers with a number format, dates as dates, no
formula. The weekly workbook is tested with the weekly documents.

Set ``SAFECAMPUS_SAVE_WORKBOOKS`` to a directory to keep the generated files (to convert them
with LibreOffice and look at the pages)."""

from __future__ import annotations

import datetime
import io
import os
import re
import zipfile
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils.http import content_disposition_header
from openpyxl import load_workbook

from safecampus.core.excel import as_of_text
from safecampus.core.models import Job
from safecampus.core.roles import Role
from safecampus.core.testing_excel import header_row
from safecampus.hazards.models import Hazard
from safecampus.reports.tests.dashboard_world import dash  # noqa: F401

pytestmark = pytest.mark.django_db


def _content(response) -> bytes:
    assert response.status_code == 200, response.status_code
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def _name(response) -> str:
    """The file name the browser saves, from the Content-Disposition."""
    header = response["Content-Disposition"]
    if "filename*=" in header:
        from urllib.parse import unquote

        return unquote(header.split("''", 1)[1])
    return re.search(r'filename="([^"]+)"', header).group(1)


@pytest.fixture
def workbooks(dash, client_for, django_capture_on_commit_callbacks):  # noqa: F811
    """[(file name, bytes, scope named in the header block)] of every workbook."""
    w = dash.world
    bureau, school = w.bureau.name, w.school_a.name
    centre = client_for(w.centre)
    out = []

    def get(client, url, scope):
        response = client.get(url)
        assert response.status_code == 200, url
        out.append((_name(response), _content(response), scope))
        return response

    get(centre, reverse("hazards:hazard_export"), bureau)
    get(centre, reverse("hazards:hazard_export") + f"?school={w.school_a.pk}", bureau)
    form = w.campaign.forms.get(school=w.school_a)
    get(centre, reverse("inspections:form_export", args=[form.pk]), school)
    get(centre, "/dashboard/export.xlsx", bureau)
    get(centre, reverse("reports:school_dashboard_xlsx", args=[w.school_a.pk]), school)
    get(centre, reverse("orgs:school_export"), bureau)
    get(centre, reverse("catalog:version_export", args=[w.catalog.pk]), bureau)
    with django_capture_on_commit_callbacks(execute=True):
        centre.post(reverse("inspections:campaign_forms_zip", args=[w.campaign.pk]))
    job = Job.objects.get(kind="campaigns.forms_zip")
    download = centre.get(reverse("core:job_download", args=[job.pk]))
    archive = zipfile.ZipFile(io.BytesIO(_content(download)))
    for member in archive.namelist():
        out.append((member, archive.read(member), member.split("_")[0]))
    # last: ``client_for`` logs the one test client in as the auditor
    get(client_for(w.users[Role.AUDITOR]), reverse("audit:event_export"), bureau)
    if target := os.environ.get("SAFECAMPUS_SAVE_WORKBOOKS"):
        Path(target).mkdir(parents=True, exist_ok=True)
        for n, (name, content, _scope) in enumerate(out):
            (Path(target) / f"{n:02}_{name}").write_bytes(content)
    return out


def test_every_workbook_is_named_what_whose_and_when(dash, workbooks):  # noqa: F811
    w = dash.world
    today = f"{dash.today:%Y-%m-%d}"
    names = {name for name, _c, _s in workbooks}
    assert {
        f"{w.bureau.name}_隐患清单_{today}.xlsx",
        f"{w.school_a.name}_{w.campaign.name}_自查表.xlsx",
        f"{w.school_b.name}_{w.campaign.name}_自查表.xlsx",
        f"{w.bureau.name}_统计分析_{today}.xlsx",
        f"{w.school_a.name}_学校工作台_{today}.xlsx",
        f"{w.bureau.name}_学校名单_{today}.xlsx",
        f"审计日志_{w.bureau.name}_{today}.xlsx",
        f"{w.bureau.name}_排查标准_第{w.catalog.number}版_{today}.xlsx",
    } <= names
    assert all(re.fullmatch(r"[^\s/\\:*?\"<>|]+\.xlsx", n) for n in names)


def test_every_sheet_prints_on_a4_landscape_with_its_heading(workbooks, clock):
    as_of = as_of_text()
    assert re.fullmatch(r"截至 \d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d", as_of)
    checked = 0
    for name, content, scope in workbooks:
        wb = load_workbook(io.BytesIO(content))
        for ws in wb.worksheets:
            if ws.sheet_state != "visible":
                continue  # the form's identification sheet
            where = f"{name} / {ws.title}"
            setup = ws.page_setup
            assert (setup.paperSize, setup.orientation) == (9, "landscape"), where
            assert (int(setup.fitToWidth), int(setup.fitToHeight)) == (1, 0), where
            assert ws.sheet_properties.pageSetUpPr.fitToPage, where
            head = header_row(ws)
            assert ws.print_title_rows == f"${head}:${head}", where
            # the title row: merged across the table, bold 14 pt, high enough not to clip
            title = ws["A1"]
            assert title.value and title.font.b and title.font.sz == 14, where
            if ws.max_column > 1:
                assert any(r.min_row == 1 and r.max_col > 1 for r in ws.merged_cells.ranges), where
            assert ws.row_dimensions[1].height and ws.row_dimensions[1].height >= 20, where
            block = " ".join(str(ws.cell(r, 1).value or "") for r in range(2, head))
            assert scope in block and "截至" in block, where
            if "范围：" in block and "自查表" not in name:
                assert as_of in block, where
            # the header cells wrap; the panes are frozen under them
            assert all(c.alignment.wrap_text for c in ws[head] if c.value), where
            assert ws.freeze_panes and int(re.sub(r"\D", "", ws.freeze_panes)) == head + 1, where
            for row in ws.iter_rows(min_row=head + 1):
                for cell in row:
                    value = cell.value
                    if isinstance(value, bool) or value is None:
                        continue
                    if isinstance(value, int | float):
                        assert cell.number_format != "General", (where, cell.coordinate)
                    elif isinstance(value, datetime.datetime | datetime.date):
                        assert "yy" in cell.number_format, (where, cell.coordinate)
                    else:
                        assert cell.data_type == "s", (where, cell.coordinate)
                        # numbers and percentages are never text
                        assert not re.fullmatch(r"-?\d+(\.\d+)?%", value), (where, value)
                        assert not value.startswith("=") or cell.quotePrefix, (where, value)
            checked += 1
    assert checked >= 25


def test_rates_are_percentages_and_counts_numbers(workbooks, dash):  # noqa: F811
    name = f"{dash.world.bureau.name}_统计分析_{dash.today:%Y-%m-%d}.xlsx"
    content = next(c for n, c, _s in workbooks if n == name)
    ws = load_workbook(io.BytesIO(content)).worksheets[0]
    cells = [row[1] for row in ws.iter_rows(min_row=header_row(ws) + 1)]
    formats = {c.number_format for c in cells if isinstance(c.value, int | float)}
    assert formats <= {"0", "0.0", "0.0%"} and "0" in formats
    rates = [c for c in cells if c.number_format == "0.0%"]
    assert rates and all(0 <= c.value <= 1 for c in rates)


def test_the_register_names_its_filters(dash, workbooks):  # noqa: F811
    w = dash.world
    filtered = [
        content
        for name, content, _s in workbooks
        if "隐患清单" in name
        and "学校：" + w.school_a.name
        in " ".join(str(c.value) for c in load_workbook(io.BytesIO(content)).worksheets[0]["A"][:5])
    ]
    assert filtered  # the filtered export says 学校：甲小学, not an id
    ws = load_workbook(io.BytesIO(filtered[0])).worksheets[0]
    codes = {r[1] for r in ws.iter_rows(min_row=header_row(ws) + 1, values_only=True)}
    assert codes == set(Hazard.objects.filter(school=w.school_a).values_list("code", flat=True))


def test_the_header_is_sent_in_utf8(client_for, dash):  # noqa: F811
    response = client_for(dash.world.centre).get("/dashboard/export.xlsx")
    assert response["Content-Disposition"] == content_disposition_header(True, _name(response))
    assert "filename*=utf-8''" in response["Content-Disposition"]
