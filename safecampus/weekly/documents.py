"""Word (.docx) and Excel (.xlsx) copies of a department's weekly report and of the district
report: title, period, unit, the figures (totals, by school, by risk area), the narrative
sections and the signature.

Both formats are written from one :class:`ReportDocument`, built from the report's figures
(frozen for a submitted report), so the two always say the same. The Word copy is a 公文 from
``core.documents``; the workbook is ready to print (``core.excel.print_setup``: A4 landscape,
fit to the width, the title block repeated on every page) with numbers stored as numbers. File
names say what, whose and when: 闵行区教育局_周报_2026年第49周_法制科.docx.
"""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _

from safecampus.core.documents import (
    DOCX_CONTENT_TYPE,
    Document,
    chinese_date,
    file_stem,
    issuer_of,
)

from .choices import METRIC_KEYS, METRICS

__all__ = [
    "DOCX_CONTENT_TYPE",
    "ReportDocument",
    "district_document",
    "docx_bytes",
    "figure_tables",
    "report_document",
    "signed_change",
    "xlsx_bytes",
]


@dataclass
class ReportDocument:
    title: str
    period: str
    unit: str
    figures: dict
    #: (heading, text) in order; a heading with text None starts a group
    sections: list[tuple[str, str | None]] = field(default_factory=list)
    #: (heading, text) after the groups (the departments that have not submitted)
    closing: list[tuple[str, str]] = field(default_factory=list)
    #: the heading above the groups (the departments' reports)
    groups_heading: str = ""
    #: the file name without its extension (Chinese: what, whose, when)
    filename: str = "weekly-report"
    #: the bureau whose document it is (its issuing body heads the document)
    bureau: object = None
    #: who signs: the bureau's issuing body, with the department for a department's report
    signer: str = ""
    #: the date under the signature (submission or compilation), None while a draft
    date: datetime.date | None = None
    #: "as of" line of the workbook's header block
    as_of: str = ""
    #: the document number (发文字号) stored when the document became final; empty otherwise
    number: str = ""


def week_label(start: datetime.date) -> str:
    """2026年第49周 (the ISO week of its Monday)."""
    year, week, _day = start.isocalendar()
    return _("%(year)s week %(week)s") % {"year": year, "week": week}


def _local(at) -> datetime.datetime | None:
    return timezone.localtime(at) if at else None


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


def _day(day: datetime.date) -> str:
    """2026年11月23日: a date in a document's text (the signature date is 二〇二六年…)."""
    return f"{day.year}年{day.month}月{day.day}日"


def _moment(moment: datetime.datetime) -> str:
    return f"{_day(moment)} {moment:%H:%M}"


def _period(start: datetime.date, end: datetime.date) -> str:
    return _("Period: %(start)s to %(end)s") % {"start": _day(start), "end": _day(end)}


def report_document(report, figures: dict) -> ReportDocument:
    """The document of a department's report; ``figures`` are its frozen (or live) figures."""
    bureau = report.bureau
    submitted = _local(report.submitted_at)
    if submitted:
        as_of = _("Figures as submitted on %(at)s") % {"at": _moment(submitted)}
    else:
        as_of = _("Draft: figures of the register as of %(at)s") % {
            "at": _moment(timezone.localtime())
        }
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
        filename=file_stem(
            bureau.name,
            _("Weekly report"),
            week_label(report.week_start),
            report.department.name,
            "" if submitted else _("draft"),
        ),
        bureau=bureau,
        signer=issuer_of(bureau) + report.department.name,
        date=submitted.date() if submitted else None,
        as_of=as_of,
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
    closing = [
        (
            _("Departments that have not submitted"),
            "、".join(m["department"] for m in missing) or _("None"),
        )
    ]
    bureau = district.bureau
    compiled = _local(district.compiled_at)
    version = _("version %(n)s") % {"n": district.version}
    return ReportDocument(
        title=_title(district.campaign),
        period=_period(district.week_start, district.week_end),
        unit=_("District summary (全区汇总)") + " · " + version,
        figures=district.figures,
        sections=sections,
        closing=closing,
        groups_heading=_("Reports of the departments"),
        filename=file_stem(
            bureau.name,
            _("Whole-district weekly report"),
            week_label(district.week_start),
            version if district.version > 1 else "",
        ),
        bureau=bureau,
        signer=issuer_of(bureau),
        date=compiled.date() if compiled else None,
        as_of=_("Compiled on %(at)s") % {"at": _moment(compiled)} if compiled else "",
        number=district.doc_number,
    )


def figure_tables(
    figures: dict, *, numbers: bool = False
) -> list[tuple[str, list[str], list[list]]]:
    """(caption, header, rows) of the three figure tables, as the pages and documents show
    them: totals with the change since last week, then by school, then by risk area. With
    ``numbers`` the change is an int (None when there is no earlier report), for a workbook."""
    labels = [str(label) for _key, label in METRICS]
    chg = figures.get("change")
    totals_of = figures.get("totals") or {}

    def change(key):
        value = chg.get(key) if chg else None
        return value if numbers else signed_change(value)

    reported = figures.get("reported_totals")
    if reported is None:  # a department's report
        totals_header = [_("Figure"), _("This week"), _("Change since last week")]
        totals = [[str(label), totals_of.get(key, 0), change(key)] for key, label in METRICS]
    else:  # the district report: the register, the departments' reports beside it
        totals_header = [
            _("Figure"),
            _("From the register"),
            _("In the departments' reports"),
            _("Change since last week"),
        ]
        totals = [
            [str(label), totals_of.get(key, 0), reported.get(key, 0), change(key)]
            for key, label in METRICS
        ]
    departments = [
        [r["department"] + ("" if r.get("submitted") else "（{}）".format(_("Not submitted")))]
        + [r.get(k, 0) for k in METRIC_KEYS]
        for r in figures.get("by_department") or []
    ]
    schools = [
        [r["school"]] + [r.get(k, 0) for k in METRIC_KEYS] for r in figures.get("by_school", [])
    ]
    areas = [
        [f"{r['area_code']} {r['area'] or ''}".strip()] + [r.get(k, 0) for k in METRIC_KEYS]
        for r in figures.get("by_area", [])
    ]
    tables = [
        (_("Totals"), totals_header, totals),
        (_("By school"), [_("School")] + labels, schools),
        (_("By risk area"), [_("Risk area")] + labels, areas),
    ]
    if departments:
        tables.append(
            (_("By department (from the register)"), [_("Department")] + labels, departments)
        )
    return tables


# --- Word ---------------------------------------------------------------------------------------

_LEVEL1 = "一二三四五六七八九十"


def docx_bytes(doc: ReportDocument) -> bytes:
    """The report as a 公文 (``core.documents``): the figures as tables, the narrative under
    numbered headings, the signature with the date of submission or compilation."""
    word = Document(
        bureau=doc.bureau,
        title=doc.title,
        number=doc.number,
        subtitle=f"（{doc.period}）",
    )
    word.para(doc.unit, indent=False, center=True)
    n = 0
    for caption, header, rows in figure_tables(doc.figures):
        word.heading(1, f"{_LEVEL1[n]}、{caption}")
        n += 1
        if rows:
            word.table(header, rows, widths=[3] + [1] * (len(header) - 1))
        else:
            word.para(_("No hazards."))
    sub = 0
    for title, text in doc.sections:
        if text is None:  # a department's group in the district report
            if not sub and doc.groups_heading:
                word.heading(1, f"{_LEVEL1[n % 10]}、{doc.groups_heading}")
                n += 1
            sub += 1
            word.heading(2, f"（{_LEVEL1[(sub - 1) % 10]}）{title}")
            continue
        if sub:
            word.heading(3, title)
        else:
            word.heading(1, f"{_LEVEL1[n % 10]}、{title}")
            n += 1
        word.para(text or "—")
    for title, text in doc.closing:
        word.heading(1, f"{_LEVEL1[n % 10]}、{title}")
        n += 1
        word.para(text or "—")
    if doc.date:
        word.signature(doc.date, issuer=doc.signer)
    else:
        word.blank()
        word.para(_("Draft: not yet submitted."), indent=False)
    return word.bytes()


# --- Excel --------------------------------------------------------------------------------------

#: the signed change since last week, as a number: +2 / −1 / 0
CHANGE_FORMAT = '+0;"−"0;0'


def xlsx_bytes(doc: ReportDocument) -> bytes:
    """The report as a workbook ready to print: the title and header block (what, whose,
    period, as of) repeated on every page, A4 landscape fitted to the width, the figures as
    numbers."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    from safecampus.core.excel import append_row, print_setup

    width = 1 + len(METRIC_KEYS)
    wb = Workbook()
    ws = wb.active
    ws.title = _("Weekly report")[:31]
    ws.column_dimensions["A"].width = 34
    for i in range(2, width + 1):
        ws.column_dimensions[get_column_letter(i)].width = 13
    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    head_fill = PatternFill("solid", fgColor="DDEBF7")

    def line(text, *, bold=False, size=None, center=False, wrap=False, height=None) -> None:
        append_row(ws, [text])
        r = ws.max_row
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=width)
        cell = ws.cell(row=r, column=1)
        cell.font = Font(bold=bold, size=size or 11)
        cell.alignment = Alignment(
            horizontal="center" if center else "left",
            vertical="center" if center else "top",
            wrap_text=True,
        )
        if height:
            ws.row_dimensions[r].height = height
        elif wrap and text:
            lines = sum(1 + len(part) // 70 for part in str(text).splitlines() or [""])
            ws.row_dimensions[r].height = min(400, 15 * lines)

    line(doc.title, bold=True, size=16, center=True, height=30)
    line(f"{doc.unit}　　{doc.period}", center=True, height=18)
    line(doc.as_of, center=True, height=18)
    for caption, header, rows in figure_tables(doc.figures, numbers=True):
        append_row(ws, [])
        line(caption, bold=True)
        append_row(ws, header)
        ws.row_dimensions[ws.max_row].height = 30
        for cell in ws[ws.max_row][: len(header)]:
            cell.font, cell.fill, cell.border = Font(bold=True), head_fill, box
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        is_totals = str(header[0]) == str(_("Figure"))  # the last column is the change
        for row in rows:
            if is_totals and row[-1] is None:
                row = [*row[:-1], "—"]
            append_row(ws, row)
            for cell in ws[ws.max_row][: len(row)]:
                cell.border = box
                if isinstance(cell.value, int):
                    last = is_totals and cell.column == len(header)
                    cell.number_format = CHANGE_FORMAT if last else "0"
                    cell.alignment = Alignment(horizontal="right")
                elif cell.column > 1:
                    cell.alignment = Alignment(horizontal="center")
                else:
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
        if not rows:
            line(_("No hazards."))
    append_row(ws, [])
    for title, text in [*doc.sections, *doc.closing]:
        line(title, bold=True)
        if text is not None:
            line(text or "—", wrap=True)
    append_row(ws, [])
    if doc.date:
        line(f"{doc.signer}　　{chinese_date(doc.date)}")
    print_setup(ws, landscape=True, title_rows="1:3")
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.5
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
