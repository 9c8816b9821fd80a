"""Word (.docx) and Excel (.xlsx) copies of a department's weekly report and of the district
report, in the layout of the 周报 template: title, period, unit, the figures (totals, by school,
by risk area), the narrative sections and the signature line (填报人 / 审核人 / 日期).

Both formats are written from one :class:`ReportDocument`, built from the report's figures
(frozen for a submitted report), so the two always say the same.
"""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from .choices import METRIC_KEYS, METRICS

DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@dataclass
class ReportDocument:
    title: str
    period: str
    unit: str
    figures: dict
    #: (heading, text) in order; a heading with text None starts a group
    sections: list[tuple[str, str | None]] = field(default_factory=list)
    filename: str = "weekly-report"


def signed_change(value: int | None) -> str:
    """+n / −n / 0, or — when there is no earlier report to compare with."""
    if value is None:
        return "—"
    if value > 0:
        return f"+{value}"
    if value < 0:
        return f"\u2212{-value}"
    return "0"


def _title(campaign) -> str:
    return _("%(campaign)s weekly report") % {"campaign": campaign.name}


def _period(start: datetime.date, end: datetime.date) -> str:
    return _("Period: %(start)s to %(end)s") % {
        "start": start.isoformat(),
        "end": end.isoformat(),
    }


def report_document(report, figures: dict) -> ReportDocument:
    """The document of a department's report; ``figures`` are its frozen (or live) figures."""
    return ReportDocument(
        title=_title(report.campaign),
        period=_period(report.week_start, report.week_end),
        unit=_("Department: %(name)s") % {"name": report.department.name},
        figures=figures,
        sections=[
            (_("Progress this week"), report.progress),
            (_("Problems"), report.problems),
            (_("Plan for next week"), report.next_plan),
        ],
        filename=f"weekly-{report.week_start:%Y%m%d}-{report.department_id}",
    )


def district_document(district) -> ReportDocument:
    sections: list[tuple[str, str | None]] = [(_("Summary"), district.summary)]
    for dept in district.departments:
        note = _("late") if dept.get("late") else ""
        sections.append((f"{dept['department']} {note}".strip(), None))
        sections += [
            (_("Progress this week"), dept.get("progress", "")),
            (_("Problems"), dept.get("problems", "")),
            (_("Plan for next week"), dept.get("next_plan", "")),
        ]
    missing = district.figures.get("missing") or []
    sections.append(
        (
            _("Departments that have not submitted"),
            "、".join(m["department"] for m in missing) or _("None"),
        )
    )
    return ReportDocument(
        title=_title(district.campaign),
        period=_period(district.week_start, district.week_end),
        unit=_("District summary (全区汇总)")
        + " · "
        + _("version %(n)s") % {"n": district.version},
        figures=district.figures,
        sections=sections,
        filename=f"weekly-district-{district.week_start:%Y%m%d}-v{district.version}",
    )


def figure_tables(figures: dict) -> list[tuple[str, list[str], list[list]]]:
    """(caption, header, rows) of the three figure tables, as the pages and documents show
    them: totals with the change since last week, then by school, then by risk area."""
    labels = [str(label) for _key, label in METRICS]
    chg = figures.get("change")
    totals = [
        [
            str(label),
            figures["totals"].get(key, 0),
            signed_change(chg.get(key) if chg else None),
        ]
        for key, label in METRICS
    ]
    schools = [[r["school"]] + [r.get(k, 0) for k in METRIC_KEYS] for r in figures["by_school"]]
    areas = [
        [f"{r['area_code']} {r['area'] or ''}".strip()] + [r.get(k, 0) for k in METRIC_KEYS]
        for r in figures["by_area"]
    ]
    return [
        (_("Totals"), [_("Figure"), _("This week"), _("Change since last week")], totals),
        (_("By school"), [_("School")] + labels, schools),
        (_("By risk area"), [_("Risk area")] + labels, areas),
    ]


def _signature() -> str:
    return "　　".join(
        [
            _("Filled in by (填报人): ________"),
            _("Reviewed by (审核人): ________"),
            _("Date (日期): ________"),
        ]
    )


# --- Word ---------------------------------------------------------------------------------------


def docx_bytes(doc: ReportDocument) -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Pt

    document = Document()
    normal = document.styles["Normal"]
    normal.font.name = "SimSun"
    normal.font.size = Pt(10.5)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "宋体")

    heading = document.add_heading(doc.title, level=1)
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    meta = document.add_paragraph(f"{doc.unit}　　{doc.period}")
    meta.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for caption, header, rows in figure_tables(doc.figures):
        document.add_heading(caption, level=2)
        table = document.add_table(rows=1, cols=len(header))
        table.style = "Table Grid"
        for cell, text in zip(table.rows[0].cells, header, strict=True):
            cell.text = str(text)
            for run in cell.paragraphs[0].runs:
                run.bold = True
        for row in rows:
            cells = table.add_row().cells
            for cell, value in zip(cells, row, strict=True):
                cell.text = str(value)
        if not rows:
            document.add_paragraph(_("No hazards."))
    for title, text in doc.sections:
        if text is None:
            document.add_heading(title, level=2)
            continue
        document.add_heading(title, level=3)
        for line in (text or "—").splitlines() or ["—"]:
            document.add_paragraph(line)
    document.add_paragraph()
    document.add_paragraph(_signature())
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


# --- Excel --------------------------------------------------------------------------------------


def xlsx_bytes(doc: ReportDocument) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    from safecampus.core.excel import append_row, print_setup

    width = 1 + len(METRIC_KEYS)
    wb = Workbook()
    ws = wb.active
    ws.title = _("Weekly report")[:31]
    ws.column_dimensions["A"].width = 28
    for i in range(2, width + 1):
        ws.column_dimensions[get_column_letter(i)].width = 12
    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    head_fill = PatternFill("solid", fgColor="DDEBF7")

    def line(text, *, bold=False, size=None, center=False, wrap=False) -> None:
        append_row(ws, [text])
        r = ws.max_row
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=width)
        cell = ws.cell(row=r, column=1)
        cell.font = Font(bold=bold, size=size or 11)
        cell.alignment = Alignment(
            horizontal="center" if center else "left", vertical="top", wrap_text=wrap
        )
        if wrap and text:
            ws.row_dimensions[r].height = min(400, 15 * (1 + len(str(text)) // 60))

    line(doc.title, bold=True, size=16, center=True)
    line(f"{doc.unit}　　{doc.period}", center=True)
    for caption, header, rows in figure_tables(doc.figures):
        append_row(ws, [])
        line(caption, bold=True)
        append_row(ws, header)
        for cell in ws[ws.max_row]:
            cell.font, cell.fill, cell.border = Font(bold=True), head_fill, box
            cell.alignment = Alignment(horizontal="center", wrap_text=True)
        for row in rows:
            append_row(ws, row)
            for cell in ws[ws.max_row]:
                cell.border = box
    append_row(ws, [])
    for title, text in doc.sections:
        line(title, bold=True)
        if text is not None:
            line(text or "—", wrap=True)
    append_row(ws, [])
    line(_signature())
    print_setup(ws, landscape=False)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
