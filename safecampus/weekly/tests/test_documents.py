"""The weekly report's Word copy is a 公文 and its workbook is ready to print, both under a
name that says what, whose and when."""

import io
from urllib.parse import unquote

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from safecampus.core.documents import chinese_date
from safecampus.core.testing_documents import assert_gongwen, docx_text
from safecampus.weekly import services

from .conftest import place
from .test_district import submit

pytestmark = pytest.mark.django_db


def download_name(response) -> str:
    header = response["Content-Disposition"]
    return unquote(header.split("filename*=UTF-8''", 1)[1])


def week_no(week) -> int:
    return week.start.isocalendar()[1]


def test_the_department_report_is_a_gongwen_named_in_chinese(wk, client_for):
    w, week = wk, wk.last_week
    place(w, "hard", reported_on=week.start)
    report = submit(w, w.dept_user, w.department, week, "消防通道清理完毕")
    r = client_for(w.centre).get(reverse("weekly:report_docx", args=[report.pk]))
    assert r.status_code == 200
    year = week.start.isocalendar()[0]
    assert download_name(r) == (
        f"闵行区教育局_周报_{year}年第{week_no(week)}周_{w.department.name}.docx"
    )
    doc = assert_gongwen(
        r.content,
        title=f"{w.campaign.name} 周报",
        date=chinese_date(week.due),
        headings=4,
    )
    text = docx_text(doc)
    assert "消防通道清理完毕" in text and f"闵行区教育局{w.department.name}" in text
    # dates in the text are written the Chinese way, not 2026-11-09
    start, end = week.start, week.end
    assert (
        f"{start.year}年{start.month}月{start.day}日至{end.year}年{end.month}月{end.day}日" in text
    )
    assert start.isoformat() not in text


def test_the_district_report_is_a_gongwen_named_in_chinese(wk, client_for):
    w, week = wk, wk.last_week
    place(w, "reported", reported_on=week.start)
    submit(w, w.dept_user, w.department, week, "进展")
    district = services.district_report_compile(
        actor=w.centre, campaign=w.campaign, week_start=week.start, summary="全区小结"
    )
    r = client_for(w.centre).get(reverse("weekly:district_docx", args=[district.pk]))
    year = week.start.isocalendar()[0]
    assert download_name(r) == f"闵行区教育局_全区周报_{year}年第{week_no(week)}周.docx"
    doc = assert_gongwen(
        r.content, title=f"{w.campaign.name} 周报", date=chinese_date(w.today), headings=4
    )
    assert "全区小结" in docx_text(doc)
    r = client_for(w.centre).get(reverse("weekly:district_xlsx", args=[district.pk]))
    assert download_name(r) == f"闵行区教育局_全区周报_{year}年第{week_no(week)}周.xlsx"


def test_the_workbook_is_ready_to_print(wk, client_for):
    w, week = wk, wk.last_week
    place(w, "hard", reported_on=week.start)
    report = submit(w, w.dept_user, w.department, week, "进展")
    r = client_for(w.centre).get(reverse("weekly:report_xlsx", args=[report.pk]))
    assert download_name(r).endswith(f"周_{w.department.name}.xlsx")
    ws = load_workbook(io.BytesIO(r.content)).active
    # the title block: what, whose and period, as of; merged over the table's width
    assert ws["A1"].value == f"{w.campaign.name} 周报" and ws["A1"].font.size == 16
    assert ws.row_dimensions[1].height >= 28
    last = get_column_letter(ws.max_column)  # the title block spans the whole table
    assert {f"A{r}:{last}{r}" for r in (1, 2, 3)} <= {str(m) for m in ws.merged_cells.ranges}
    assert ws["A3"].value.startswith("数据为提交时")
    # A4 landscape, fit to the page width, the title block repeated on every page
    assert int(ws.page_setup.paperSize) == 9  # A4
    assert ws.page_setup.orientation == "landscape"
    assert int(ws.page_setup.fitToWidth) == 1 and int(ws.page_setup.fitToHeight) == 0
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == "$1:$3"
    # numbers are numbers; the change since last week too (no earlier report: "—")
    rows = {row[0].value: row for row in ws.iter_rows() if row[0].value}
    total = rows["隐患总数"]
    assert total[1].value == 1 and total[1].data_type == "n"
    assert total[2].value == "—"
    school = rows["甲小学"]
    assert [c.data_type for c in school[1:]] == ["n"] * (ws.max_column - 1)
