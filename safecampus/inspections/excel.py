"""The self-inspection form as an Excel workbook, and back (附件2 of 000, filled offline).

The workbook opens cleanly in Excel and WPS and prints as it is (A4 landscape, fitted to the page
width, the column headers on every page): one row per check item, its text printed in full
(wrapped, the row as high as it needs), whether its hazards are 重大 by default and the 科室 that
takes it; the item columns locked
(the sheet is protected without a password, as WPS expects); a drop-down for the result; date
validation on the deadline; input cells shaded. A very hidden sheet ``_form`` identifies the
campaign, the form, the school and the item list, so a workbook for another school, another
campaign or with altered rows is refused with the reason. The workbook is a Chinese document
whatever the UI language.

Import is all-or-nothing per workbook: every bad cell is reported (row, column, what is wrong),
and a workbook with any error saves nothing. Re-importing the same workbook changes nothing.
An upload whose zip (the zip of workbooks, or any workbook in it) is over the limits of
``core.archives`` is refused as a whole before anything is expanded or saved. The workbooks of
a zip are read one at a time.

Every cell is written through ``core.excel.write_cell``: user text is never a formula.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import io
import tempfile
import zipfile
from copy import copy
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from safecampus.campaigns.models import Campaign
from safecampus.core.archives import ArchiveRefused, inspect_zip, is_zip
from safecampus.core.excel import (
    ExcelRefused,
    append_row,
    as_of_text,
    check_workbook_file,
    file_name,
    print_setup,
    set_cell,
    wrapped_height,
    write_cell,
)
from safecampus.core.jobs import JobRefused, job_start

from . import services
from .choices import Answer, FormAction
from .models import FormAnswer, InspectionForm

FORMAT = "safecampus.form/1"
META_SHEET = "_form"
SHEET = "排查表"
HEADER_ROW = 4
FIRST_ROW = 5

ANSWER_TEXT = {
    Answer.COMPLIANT: "符合",
    Answer.NON_COMPLIANT: "不符合",
    Answer.NOT_APPLICABLE: "不适用",
}
TEXT_ANSWER = {v: k for k, v in ANSWER_TEXT.items()}

#: (header, width, answer field or None for a locked item column)
COLUMNS = [
    ("序号", 5, None),
    ("编码", 8, None),
    ("风险领域", 14, None),
    ("排查项", 40, None),
    ("依据", 16, None),
    ("重大", 5, None),
    ("责任科室", 10, None),
    ("排查结果", 9, "answer"),
    ("情况说明", 18, "note"),
    ("隐患描述", 22, "description"),
    ("整改措施", 22, "plan"),
    ("整改时限", 11, "deadline"),
    ("整改责任人", 10, "responsible_person"),
    ("临时管控措施", 18, "interim_measures"),
    ("不适用理由", 14, "na_reason"),
]
HEADERS = [c[0] for c in COLUMNS]
#: the columns of a workbook exported before 重大 and 责任科室 were shown: still imported
LEGACY_HEADERS = [h for h in HEADERS if h not in ("重大", "责任科室")]

FIELD_COLUMN = {f: i for i, (_h, _w, f) in enumerate(COLUMNS) if f}
_THIN = Side(style="thin", color="999999")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
_HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")


def item_digest(codes: list[str]) -> str:
    return hashlib.sha256("\n".join(codes).encode()).hexdigest()[:16]


def export_name(form: InspectionForm) -> str:
    """ "<school>_<campaign>_自查表.xlsx" """
    return file_name(form.school.name, form.campaign.name, "自查表")


def form_rows(form: InspectionForm) -> list[FormAnswer]:
    return list(
        form.answers.select_related("item", "item__area", "department").order_by("sort_order", "id")
    )


def write_form_workbook(fileobj, form: InspectionForm, answers: list[FormAnswer] | None = None):
    """Write ``form`` (blank or partly filled) as a workbook to ``fileobj``."""
    answers = form_rows(form) if answers is None else answers
    campaign = form.campaign
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    last_col = len(COLUMNS)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=last_col)
    write_cell(ws, 1, 1, f"{campaign.name} · 校园安全风险隐患排查表").font = Font(
        bold=True, size=14
    )
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=last_col)
    write_cell(
        ws,
        2,
        1,
        f"范围：{form.school.name}（学校标识码 {form.school.code}）    "
        f"填报截止：{campaign.forms_due:%Y年%m月%d日}"
        + (f"    文号：{campaign.doc_number}" if campaign.doc_number else "")
        + f"    {as_of_text()}",
    ).alignment = Alignment(wrap_text=True, vertical="center")
    ws.row_dimensions[2].height = 30
    ws.merge_cells(start_row=3, start_column=1, end_row=3, end_column=last_col)
    note = write_cell(
        ws,
        3,
        1,
        "填写说明：只填黄色单元格。排查结果从下拉列表选择“符合/不符合/不适用”；“不符合”须填写"
        "隐患描述、整改措施、整改时限（日期）和整改责任人，重大隐患还须填写临时管控措施；"
        "“不适用”须填写理由。请勿增删行、调整顺序或修改灰色列，填好后在平台“导入排查表”上传。",
    )
    note.alignment = Alignment(wrap_text=True, vertical="top")
    ws.row_dimensions[3].height = 36
    ws.row_dimensions[1].height = 24
    ws.cell(1, 1).alignment = Alignment(horizontal="center", vertical="center")
    for col, (header, width, fld) in enumerate(COLUMNS, start=1):
        cell = write_cell(ws, HEADER_ROW, col, header + ("*" if fld == "answer" else ""))
        cell.font = Font(bold=True)
        cell.fill = _HEAD_FILL
        cell.border = _BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.column_dimensions[cell.column_letter].width = width
    # one styled prototype cell per kind of column; every data cell copies its style array,
    # which is far cheaper than setting border, alignment, fill and protection cell by cell
    protos = []
    for col, (header, _w, fld) in enumerate(COLUMNS, start=1):
        proto = ws.cell(FIRST_ROW, col)
        proto.border = _BORDER
        proto.alignment = Alignment(wrap_text=True, vertical="top")
        if fld:
            proto.protection = Protection(locked=False)
            proto.fill = _INPUT_FILL
        if fld == "deadline":
            proto.number_format = "yyyy-mm-dd"
        if header in ("序号", "重大"):
            proto.alignment = Alignment(horizontal="center", vertical="top")
            proto.number_format = "0"
        protos.append(copy(proto._style))
    for n, a in enumerate(answers, start=1):
        r = HEADER_ROW + n
        values = [
            n,
            a.item.code,
            a.item.area.name,
            a.item.text,
            a.item.legal_basis,
            "是" if a.item.default_level == "major" else "",
            a.department.name if a.department_id else "",
            ANSWER_TEXT.get(a.answer, ""),
            a.note,
            a.description,
            a.plan,
            a.deadline,
            a.responsible_person,
            a.interim_measures,
            a.na_reason,
        ]
        for col, value in enumerate(values, start=1):
            cell = ws.cell(r, col)
            cell._style = copy(protos[col - 1])
            set_cell(cell, value if value != "" else None)
        # every text printed in full: the row as high as its longest wrapped text
        ws.row_dimensions[r].height = max(
            wrapped_height(v, w) for v, (_h, w, _f) in zip(values, COLUMNS, strict=True)
        )
    last_row = HEADER_ROW + len(answers)
    if answers:
        answer_col = ws.cell(HEADER_ROW, FIELD_COLUMN["answer"] + 1).column_letter
        dv = DataValidation(
            type="list",
            formula1='"' + ",".join(ANSWER_TEXT.values()) + '"',
            allow_blank=True,
            showErrorMessage=True,
            errorTitle="排查结果",
            error="请从下拉列表选择：符合、不符合或不适用。",
        )
        dv.add(f"{answer_col}{FIRST_ROW}:{answer_col}{last_row}")
        ws.add_data_validation(dv)
        date_col = ws.cell(HEADER_ROW, FIELD_COLUMN["deadline"] + 1).column_letter
        dd = DataValidation(
            type="date",
            operator="between",
            formula1="DATE(2000,1,1)",
            formula2="DATE(2099,12,31)",
            allow_blank=True,
            showErrorMessage=True,
            errorTitle="整改时限",
            error="请填写日期，例如 2026-03-20。",
        )
        dd.add(f"{date_col}{FIRST_ROW}:{date_col}{last_row}")
        ws.add_data_validation(dd)
    ws.freeze_panes = ws.cell(FIRST_ROW, HEADERS.index("依据") + 1)
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
    print_setup(ws, title_rows=f"{HEADER_ROW}:{HEADER_ROW}")

    meta = wb.create_sheet(META_SHEET)
    codes = [a.item.code for a in answers]
    for key, value in (
        ("format", FORMAT),
        ("campaign", campaign.pk),
        ("form", form.pk),
        ("school_code", form.school.code),
        ("items", item_digest(codes)),
        ("exported_at", datetime.datetime.now().isoformat(timespec="seconds")),
    ):
        append_row(meta, [key, value])
    meta.sheet_state = "veryHidden"
    meta.protection.sheet = True
    wb.save(fileobj)


def form_workbook_bytes(form: InspectionForm) -> bytes:
    buf = io.BytesIO()
    write_form_workbook(buf, form)
    return buf.getvalue()


# --- import -------------------------------------------------------------------------------------


@dataclass
class WorkbookReport:
    name: str
    status: str = "refused"  # saved / unchanged / refused
    school: str = ""
    form_id: int | None = None
    changed: int = 0
    submitted: bool = False
    message: str = ""
    errors: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return self.__dict__.copy()


class WorkbookRefused(Exception):
    def __init__(self, message: str, errors: list[dict] | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or []


def _cell_date(value):
    if value in (None, ""):
        return None, None
    if isinstance(value, datetime.datetime):
        return value.date(), None
    if isinstance(value, datetime.date):
        return value, None
    if isinstance(value, int | float) and 20000 < value < 80000:  # an Excel serial date
        return datetime.date(1899, 12, 30) + datetime.timedelta(days=int(value)), None
    parsed = services.parse_date_text(str(value))
    if parsed is None:
        return None, "不是日期，请填写如 2026-03-20 的日期"
    return parsed, None


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def read_form_workbook(fileobj, *, name: str = "") -> tuple[dict, list[tuple[int, tuple]]]:
    """The workbook's identification and its item rows ``(excel row, values)``.

    Raises :class:`WorkbookRefused` for a file that is not this form, and
    :class:`~safecampus.core.archives.ArchiveRefused` for one over the limits of a zip (which
    refuses the whole upload)."""
    try:
        check_workbook_file(fileobj, name=name or _("The workbook"))
    except ExcelRefused as refusal:
        if refusal.over_limits:
            raise ArchiveRefused(refusal.message) from refusal
        raise WorkbookRefused(refusal.message) from refusal
    try:
        wb = load_workbook(fileobj, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises assorted errors for damaged files
        raise WorkbookRefused(
            _("The file cannot be read as an Excel workbook (.xlsx); it may be damaged.")
        ) from exc
    try:
        if META_SHEET not in wb.sheetnames or SHEET not in wb.sheetnames:
            raise WorkbookRefused(
                _(
                    "This is not a self-inspection form exported by the platform. Download the "
                    "school's form from the platform, fill it in and import that workbook."
                )
            )
        meta = {
            _text(row[0]): row[1]
            for row in wb[META_SHEET].iter_rows(values_only=True)
            if row and row[0]
        }
        if meta.get("format") != FORMAT:
            raise WorkbookRefused(_("The workbook's format is not one this platform reads."))
        ws = wb[SHEET]
        rows = []
        for number, raw in enumerate(
            ws.iter_rows(min_row=HEADER_ROW, values_only=True), start=HEADER_ROW
        ):
            if number == HEADER_ROW:
                headers = [_text(h).rstrip("*") for h in raw[: len(HEADERS)]]
                # a workbook exported before 重大 and 责任科室: its columns moved into place
                legacy = headers[: len(LEGACY_HEADERS)] == LEGACY_HEADERS
                if legacy:
                    where = [
                        LEGACY_HEADERS.index(h) if h in LEGACY_HEADERS else None for h in HEADERS
                    ]
                elif headers != HEADERS:
                    raise WorkbookRefused(
                        _(
                            "The columns of the form were changed (row %(row)s). "
                            "Use the workbook as exported."
                        )
                        % {"row": HEADER_ROW}
                    )
                continue
            if raw is None or all(v is None or (isinstance(v, str) and not v.strip()) for v in raw):
                continue
            if legacy:
                raw = tuple(raw[i] if i is not None and i < len(raw) else None for i in where)
            rows.append((number, tuple(raw[: len(HEADERS)]) + (None,) * (len(HEADERS) - len(raw))))
        return meta, rows
    finally:
        wb.close()


def _parse_rows(rows, answers: list[FormAnswer]) -> tuple[dict[int, dict], list[dict]]:
    """Turn the item rows into ``{answer id: fields}``, or report every bad cell."""
    errors: list[dict] = []

    def bad(row: int, col: int, message: str) -> None:
        errors.append({"row": row, "column": _column_label(col), "message": message})

    codes = [a.item.code for a in answers]
    # a line without item code or answers (e.g. "填表人：张三" under the table) is not an item
    rows = [
        (r, v) for r, v in rows if _text(v[1]) or any(_text(v[i]) for i in FIELD_COLUMN.values())
    ]
    got = [_text(v[1]) for _r, v in rows]
    if got != codes:
        missing = [c for c in codes if c not in got]
        extra = [c for c in got if c and c not in codes]
        added = [str(r) for r, v in rows if not _text(v[1])]
        parts = []
        if added:
            parts.append(
                _("rows %(rows)s added without an item code") % {"rows": "、".join(added[:10])}
            )
        if missing:
            parts.append(_("missing items %(codes)s") % {"codes": "、".join(missing[:10])})
        if extra:
            parts.append(_("unknown items %(codes)s") % {"codes": "、".join(extra[:10])})
        if not parts:
            parts.append(_("the rows were reordered"))
        raise WorkbookRefused(
            _("The item list of the workbook was altered (%(what)s). Use the workbook as exported.")
            % {"what": "；".join(parts)}
        )
    out: dict[int, dict] = {}
    for (row, v), answer in zip(rows, answers, strict=True):
        fields = {}
        text = _text(v[FIELD_COLUMN["answer"]])
        if text and text not in TEXT_ANSWER:
            bad(row, FIELD_COLUMN["answer"], "只能填写“符合”“不符合”或“不适用”")
        fields["answer"] = TEXT_ANSWER.get(text, "")
        deadline, problem = _cell_date(v[FIELD_COLUMN["deadline"]])
        if problem:
            bad(row, FIELD_COLUMN["deadline"], problem)
        fields["deadline"] = deadline
        for name in (
            "note",
            "description",
            "plan",
            "responsible_person",
            "interim_measures",
            "na_reason",
        ):
            value = _text(v[FIELD_COLUMN[name]])
            limit = services.ANSWER_FIELDS[name]
            if limit and len(value) > limit:
                bad(row, FIELD_COLUMN[name], f"超过 {limit} 个字")
            fields[name] = value
        out[answer.pk] = fields
    return out, errors


def _column_label(col: int) -> str:
    """ "H 隐患描述" for the 0-based column ``col``."""
    return f"{get_column_letter(col + 1)} {HEADERS[col]}"


def import_form_workbook(
    fileobj,
    *,
    actor,
    name: str,
    campaign: Campaign | None = None,
    form_id: int | None = None,
    submit: bool = False,
) -> WorkbookReport:
    """Import one filled workbook into its form, all or nothing. Bad input is reported, not
    raised, except a file over the limits of a zip (``ArchiveRefused``): that refuses the
    whole upload."""
    report = WorkbookReport(name=name)
    try:
        meta, rows = read_form_workbook(fileobj, name=name)
        try:
            form_pk = int(meta.get("form"))
        except (TypeError, ValueError) as exc:  # a damaged identification sheet
            raise WorkbookRefused(
                _("The workbook's identification is damaged. Use the workbook as exported.")
            ) from exc
        form = (
            InspectionForm.objects.editable_by(actor)
            .select_related("campaign", "school")
            .filter(pk=form_pk)
            .first()
        )
        if form is None:
            raise WorkbookRefused(
                _("The workbook is the form of a school you may not fill in (%(code)s).")
                % {"code": _text(meta.get("school_code"))}
            )
        report.school, report.form_id = form.school.name, form.pk
        if _text(meta.get("school_code")) != form.school.code or str(meta.get("campaign")) != str(
            form.campaign_id
        ):
            raise WorkbookRefused(_("The workbook's school or campaign does not match its form."))
        # the campaign first: a school's own form of another campaign is not "another school"
        if campaign is not None and form.campaign_id != campaign.pk:
            raise WorkbookRefused(
                _("The workbook belongs to another campaign: %(name)s.")
                % {"name": form.campaign.name}
            )
        if form_id is not None and form.pk != int(form_id):
            raise WorkbookRefused(
                _("The workbook is the form of another school: %(school)s.")
                % {"school": form.school.name}
            )
        answers = form_rows(form)
        if _text(meta.get("items")) != item_digest([a.item.code for a in answers]):
            raise WorkbookRefused(
                _("The item list of the workbook was altered. Use the workbook as exported.")
            )
        values, errors = _parse_rows(rows, answers)
        if errors:
            raise WorkbookRefused(
                _("%(n)s cells are wrong; nothing of this workbook was saved.")
                % {"n": len(errors)},
                errors,
            )
        with transaction.atomic():
            if not form.is_editable and not _same(values, answers):
                raise WorkbookRefused(
                    _(
                        "The form was already submitted and is locked; "
                        "ask the department to return it."
                    )
                )
            changed = 0
            if form.is_editable:
                _form, changed = services.form_save(
                    actor=actor, form_id=form.pk, rows=values, via=FormAction.IMPORT, comment=name
                )
            report.changed = changed
            report.status = "saved" if changed else "unchanged"
            if submit and form.is_editable:
                services.form_submit(actor=actor, form_id=form.pk)
                report.submitted = True
    except WorkbookRefused as exc:
        report.status = "refused"
        report.message = exc.message
        report.errors = exc.errors
    except ValidationError as exc:
        report.status = "refused"
        rows_errors = getattr(exc, "rows", None)
        report.message = _("The form could not be saved or submitted: %(why)s") % {
            "why": "；".join(exc.messages[:20])
        }
        if rows_errors:
            excel_row = {str(a.pk): FIRST_ROW + n for n, a in enumerate(form_rows(form))}
            report.errors = [
                {
                    "row": excel_row.get(key, ""),
                    "column": _column_label(FIELD_COLUMN.get(f, 0)),
                    "message": msg,
                }
                for key, row in rows_errors.items()
                for f, msg in row.items()
            ]
    except PermissionDenied as exc:
        report.status = "refused"
        report.message = str(exc)
    return report


def _same(values: dict[int, dict], answers: list[FormAnswer]) -> bool:
    by_id = {a.pk: a for a in answers}
    return all(
        getattr(by_id[pk], f) == v for pk, fields in values.items() for f, v in fields.items()
    )


def check_import_upload(upload, name: str) -> None:
    """Refuse (:class:`ArchiveRefused`) an upload for the form import that is over the limits:
    a zip of workbooks by its own directory (``bundle`` limits, no zip inside), a workbook by
    its directory (``office`` limits). Nothing is expanded; a damaged file passes (the import
    says so)."""
    if not is_zip(upload):
        return
    kind, nested = ("bundle", False) if name.lower().endswith(".zip") else ("office", True)
    try:
        inspect_zip(upload, name=name, kind=kind, allow_nested=nested).close()
    except zipfile.BadZipFile:
        pass
    finally:
        upload.seek(0)


def _workbooks(upload, name: str):
    """``(count, iterator of (name, file))`` of the workbooks in an upload: one .xlsx, or a zip
    of them. A zip is checked before anything is expanded, then each workbook's own directory
    (one at a time) before any is imported: one over the limits refuses the whole upload.
    The iterator expands one workbook at a time."""
    if not (is_zip(upload) and name.lower().endswith(".zip")):
        return 1, iter([(name, upload)])
    try:
        archive = inspect_zip(upload, name=name, kind="bundle", allow_nested=False)
    except zipfile.BadZipFile as exc:
        raise JobRefused(_("The zip file is damaged.")) from exc
    except ArchiveRefused as refusal:
        raise JobRefused(refusal.message) from refusal
    members = [
        m
        for m in archive.infolist()
        if not m.is_dir()
        and not m.filename.startswith("__MACOSX")
        and not m.filename.split("/")[-1].startswith(".")
    ]
    if not members:
        raise JobRefused(_("The zip file holds no workbook."))

    def expand(member):
        try:
            return io.BytesIO(archive.read(member))
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise JobRefused(_("The zip file is damaged.")) from exc

    for m in members:
        fileobj = expand(m)
        if is_zip(fileobj):
            try:
                inspect_zip(fileobj, name=_member_name(m), kind="office").close()
            except zipfile.BadZipFile:
                pass  # reported as damaged when its turn comes
            except ArchiveRefused as refusal:
                raise JobRefused(refusal.message) from refusal
        del fileobj
    return len(members), ((_member_name(m), expand(m)) for m in members)


def _member_name(member: zipfile.ZipInfo) -> str:
    name = member.filename
    if not member.flag_bits & 0x800:  # not flagged UTF-8: Windows zips use GBK for Chinese
        with contextlib.suppress(UnicodeEncodeError, UnicodeDecodeError):
            name = name.encode("cp437").decode("gbk")
    return name.split("/")[-1]


def form_import_job(*, job, progress) -> dict:
    """Import the workbooks of a job's upload (one .xlsx or a zip of many), each on its own."""
    campaign = None
    if cid := job.params.get("campaign"):
        campaign = Campaign.objects.visible_to(job.created_by).filter(pk=cid).first()
        if campaign is None:
            raise JobRefused(_("The campaign is not within your scope."))
    name = job.params.get("name") or job.input_file.name
    reports = []
    with job.input_file.open("rb") as upload:
        total, entries = _workbooks(upload, name)
        progress(0, total, force=True)
        for n, (label, fileobj) in enumerate(entries, start=1):
            try:
                report = import_form_workbook(
                    fileobj,
                    actor=job.created_by,
                    name=label,
                    campaign=campaign,
                    form_id=job.params.get("form"),
                    submit=bool(job.params.get("submit")),
                )
            except ArchiveRefused as refusal:
                # only a single workbook gets here: a zip's workbooks were checked up front
                raise JobRefused(refusal.message) from refusal
            reports.append(report.as_dict())
            del fileobj
            progress(n, total)
    counts = {
        s: sum(1 for r in reports if r["status"] == s) for s in ("saved", "unchanged", "refused")
    }
    return {"workbooks": reports, **counts}


def forms_zip_job(*, job, progress) -> dict:
    """Every form of a campaign the user may see, one workbook per school, in one zip."""
    campaign = Campaign.objects.visible_to(job.created_by).filter(pk=job.params["campaign"]).first()
    if campaign is None:
        raise JobRefused(_("The campaign is not within your scope."))
    forms = list(
        InspectionForm.objects.visible_to(job.created_by)
        .filter(campaign=campaign)
        .select_related("campaign", "school")
        .order_by("school__code")
    )
    progress(0, len(forms), force=True)
    with tempfile.TemporaryFile() as tmp:
        names: set[str] = set()
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as archive:
            for n, form in enumerate(forms, start=1):
                name = export_name(form)
                if name in names:  # two schools of one name: the school code tells them apart
                    name = file_name(form.school.name, form.school.code, campaign.name, "自查表")
                names.add(name)
                archive.writestr(name, form_workbook_bytes(form))
                progress(n, len(forms))
        tmp.seek(0)
        job.output_name = file_name(campaign.name, "自查表", timezone.localdate(), ext="zip")
        job.output_file.save(f"forms-{campaign.pk}.zip", File(tmp), save=False)
    return {"rows": len(forms)}


# --- starting the jobs (the pages and the API) ---------------------------------------------------


def forms_zip_start(*, actor, campaign):
    """Start the job that zips every form of ``campaign`` the actor sees."""
    return job_start(
        kind="campaigns.forms_zip",
        title=_("All forms of %(name)s") % {"name": campaign.name},
        user=actor,
        params={"campaign": campaign.pk},
    )


def form_import_start(*, actor, campaign, files: list, submit: bool, form_id: int | None = None):
    """Start the job that imports ``files`` (workbooks or zips of them, already checked by
    :func:`check_import_upload`) into ``campaign``'s forms (or the one form ``form_id``);
    several files travel to the job as one zip."""
    if len(files) == 1:
        upload, name = files[0], files[0].name
    else:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
            for f in files:
                archive.writestr(f.name, f.read())
        name = f"{len(files)} workbooks.zip"
        upload = ContentFile(buf.getvalue(), name="workbooks.zip")
    return job_start(
        kind="campaigns.form_import",
        title=_("Import forms: %(name)s") % {"name": name},
        user=actor,
        params={"campaign": campaign.pk, "form": form_id, "name": name, "submit": submit},
        input_file=upload,
    )
