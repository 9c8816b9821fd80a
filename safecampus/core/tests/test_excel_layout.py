"""The layout every workbook of ``core.excel`` gets (issue 15): heading, print setup, widths,
number formats, names; and an import finds its table under the heading."""

import datetime
import io

from django.utils import timezone
from openpyxl import Workbook, load_workbook

from safecampus.core.excel import (
    Column,
    Heading,
    Percent,
    add_table_sheet,
    as_of_text,
    attachment,
    file_name,
    filters_label,
    header_width,
    read_workbook,
    write_workbook,
)
from safecampus.core.testing_excel import header_row


def _streamed(**kwargs) -> bytes:
    buf = io.BytesIO()
    write_workbook(buf, **kwargs)
    return buf.getvalue()


def test_as_of_is_shanghai_time_written_the_chinese_way(clock):
    moment = datetime.datetime(2026, 12, 5, 2, 0, tzinfo=datetime.UTC)
    assert as_of_text(moment) == "截至 2026年12月5日 10:00"
    assert as_of_text() == "截至 2026年11月18日 10:00"


def test_a_streamed_table_under_its_heading(clock):
    content = _streamed(
        title="清单",
        columns=[Column("学校", 30), Column("隐患数", 10), Column("整改率", 10), Column("日期")],
        rows=[["甲小学" * 20, 3, Percent(0.453), datetime.date(2026, 12, 5)]],
        heading=Heading("校园安全风险隐患清单", scope="闵行区教育局", filters="状态：整改中"),
    )
    ws = load_workbook(io.BytesIO(content)).active
    assert [ws.cell(r, 1).value for r in range(1, 5)] == [
        "校园安全风险隐患清单",
        "范围：闵行区教育局",
        "筛选条件：状态：整改中",
        "截至 2026年11月18日 10:00",
    ]
    assert ws["A1"].font.b and ws["A1"].font.sz == 14 and ws.row_dimensions[1].height >= 24
    assert "A1:D1" in {str(r) for r in ws.merged_cells.ranges}
    head = header_row(ws)
    assert head == 5 and ws.print_title_rows == "$5:$5" and ws.freeze_panes == "A6"
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    name, count, rate, day = ws[6]
    assert (count.value, count.number_format) == (3, "0")
    assert (rate.value, rate.number_format) == (0.453, "0.0%")
    assert (day.value, day.number_format) == (datetime.datetime(2026, 12, 5), "yyyy-mm-dd")
    assert name.alignment.wrap_text
    # widths by content, capped: the long name at its cap, the short ones narrow
    widths = [ws.column_dimensions[c].width for c in "ABCD"]
    assert widths[0] == 30 and widths[1] < 10


def test_a_table_sheet_of_a_normal_workbook_gets_the_same_layout(clock):
    wb = Workbook()
    add_table_sheet(wb, "概况", ["指标", "数量"], [["隐患", 8]])
    buf = io.BytesIO()
    wb.save(buf)
    ws = load_workbook(io.BytesIO(buf.getvalue()))["概况"]
    assert ws["A1"].value == "概况" and ws["A4"].value == "截至 2026年11月18日 10:00"
    assert [c.value for c in ws[5]] == ["指标", "数量"] and [c.value for c in ws[6]] == ["隐患", 8]


def test_an_import_finds_the_header_row_under_the_heading(clock):
    columns = [Column("学校标识码", required=True), Column("学校名称", required=True)]
    content = _streamed(title="学校名单", columns=columns, rows=[["3101120001", "甲小学"]])
    sheet = read_workbook(io.BytesIO(content), columns=columns)
    assert sheet.rows == [(6, {"学校标识码": "3101120001", "学校名称": "甲小学"})]
    # a hand-made workbook with the headers on its first row still reads
    wb = Workbook()
    wb.active.append(["学校名称", "学校标识码"])
    wb.active.append(["乙小学", "3101120002"])
    buf = io.BytesIO()
    wb.save(buf)
    assert read_workbook(buf, columns=columns).rows == [
        (2, {"学校标识码": "3101120002", "学校名称": "乙小学"})
    ]


def test_names_and_labels(clock):
    today = timezone.localdate()
    assert file_name("闵行区教育局", "隐患清单", today) == "闵行区教育局_隐患清单_2026-11-18.xlsx"
    assert file_name("A/B: 小学?", "", "自查表") == "AB小学_自查表.xlsx"
    assert attachment("隐患清单.xlsx").startswith("attachment; filename*=utf-8''%E9%9A%90")
    assert filters_label([("状态", "整改中"), ("学校", ""), ("逾期", "是")]) == (
        "状态：整改中；逾期：是"
    )
    assert [header_width(h) for h in ("序号", "发现人", "隐患编号", "临时管控措施")] == [5, 7, 5, 7]


def test_a_percentage_column_is_wide_enough_for_the_percentage_shown(clock):
    """A rate written as 0.305 shows as 30.5%: its column is sized for that text, not for
    "0.3" (a too narrow column prints ### in the dashboard workbook)."""
    wb = Workbook()
    add_table_sheet(wb, "概况", ["指标", "数值"], [["整改率", Percent(0.305)], ["隐患", 8]])
    buf = io.BytesIO()
    wb.save(buf)
    ws = load_workbook(io.BytesIO(buf.getvalue()))["概况"]
    assert ws.column_dimensions["B"].width >= len("30.5%") + 2


def test_a_row_of_wrapped_text_is_as_high_as_its_lines(clock):
    """Long text wraps in its capped column: the row is made high enough to print it in full
    (LibreOffice draws a one-line row's wrapped lines over the next rows)."""
    text = "是否在春季、冬季等传染病高发季节开展传染病防控和饮食饮水卫生安全检查" * 2
    data = _streamed(
        title="隐患清单",
        columns=[Column("隐患编号", width=16), Column("隐患描述", width=20)],
        rows=[["MH-1", text], ["MH-2", "短"]],
    )
    ws = load_workbook(io.BytesIO(data)).active
    head = header_row(ws)
    assert ws.row_dimensions[head + 1].height >= 15 * 6
    assert ws.row_dimensions[head + 2].height in (None, 15)
