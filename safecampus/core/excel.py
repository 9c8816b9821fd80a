"""Excel helpers shared by imports and exports: one way to write a cell, streamed writing,
careful reading.

Every workbook the product writes puts its values through :func:`set_cell` (directly, or through
:func:`append_row`, :func:`write_cell`, :func:`write_workbook` and :func:`add_table_sheet`):
text stays text. openpyxl turns a string starting with "=" into a formula, and Excel or WPS
evaluate text starting with = + - @ (or a tab or carriage return before them) once the cell is
edited; such user text is written as a string cell with Excel's "quote prefix", so it shows and
stays as typed. Numbers stay numbers and dates stay dates.

Writing a long table uses openpyxl's write-only mode, so memory stays flat however many rows
there are. Reading checks the zip before openpyxl expands anything (``core.archives``), reads in
read-only (streamed) mode and refuses anything that is not an .xlsx workbook with a message a
user understands.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from .archives import ArchiveRefused, inspect_zip, is_zip

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_ROWS_VALIDATED = 100_000


@dataclass
class Column:
    header: str
    width: int = 14
    #: drop-down choices for data validation, or None
    choices: list[str] | None = None
    required: bool = False
    help: str = ""


@dataclass
class RowError:
    row: int
    column: str
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass
class Sheet:
    headers: list[str]
    rows: list[tuple[int, dict]] = field(default_factory=list)


class ExcelRefused(Exception):
    def __init__(self, message: str, *, over_limits: bool = False):
        super().__init__(message)
        self.message = message
        #: the zip is over the limits (as opposed to damaged or not a workbook)
        self.over_limits = over_limits


# --- writing ------------------------------------------------------------------------------------

#: text starting with one of these is a formula to Excel or WPS (at once, or once edited)
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")


def set_cell(cell: Cell, value) -> Cell:
    """Put ``value`` into ``cell`` (of a normal or a write-only sheet): a string is always a
    string cell, never a formula; other values (numbers, dates, None) as openpyxl writes them."""
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"  # openpyxl made a string starting with "=" a formula
        if value.startswith(FORMULA_PREFIXES):
            cell.quotePrefix = True  # Excel and WPS keep it text when the cell is edited
    return cell


def text_cell(ws, value, **style) -> Cell:
    """A cell for :func:`append_row` (either kind of sheet) holding ``value`` safely, with
    optional ``font``, ``fill``, ``alignment``, ``border`` or ``number_format``."""
    cell = set_cell(WriteOnlyCell(ws), value)
    for attr, v in style.items():
        setattr(cell, attr, v)
    return cell


def append_row(ws: Worksheet | WriteOnlyWorksheet, values) -> None:
    """``ws.append(values)`` with every string written as text (see :func:`set_cell`). Cells
    made by :func:`text_cell` pass through. Only a string that could be read as a formula needs
    a cell of its own; openpyxl stores every other string as text already (a cell object per
    string would slow a streamed export of the whole register)."""
    ws.append(
        [
            text_cell(ws, v) if isinstance(v, str) and v.startswith(FORMULA_PREFIXES) else v
            for v in values
        ]
    )


def write_cell(ws: Worksheet, row: int, column: int, value) -> Cell:
    """``ws.cell(row, column, value)`` with strings written as text (see :func:`set_cell`)."""
    return set_cell(ws.cell(row=row, column=column), value)


def print_setup(ws, *, landscape: bool = True, title_rows: str | None = None) -> None:
    """A4, fit to the page width, the header rows repeated on every printed page."""
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    if title_rows:
        ws.print_title_rows = title_rows


def add_table_sheet(
    wb: Workbook, title: str, headers: list, rows: Iterable[list], widths: list[int] | None = None
) -> Worksheet:
    """A sheet of ``wb`` holding one table: a bold shaded header row, then ``rows``."""
    ws = wb.create_sheet(title[:31])
    append_row(ws, headers)
    for cell in ws[1]:
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
    for idx, width in enumerate(widths or [28] + [14] * (len(headers) - 1), start=1):
        ws.column_dimensions[_column_letter(idx)].width = width
    ws.freeze_panes = "A2"
    for row in rows:
        append_row(ws, row)
    print_setup(ws, title_rows="1:1")
    return ws


def write_workbook(
    fileobj,
    *,
    title: str,
    columns: list[Column],
    rows: Iterable[list],
    progress: Callable[[int], None] | None = None,
) -> int:
    """Stream ``rows`` into a one-sheet workbook. Returns the number of data rows written."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title[:31])
    print_setup(ws, title_rows="1:1")
    for idx, col in enumerate(columns, start=1):
        letter = _column_letter(idx)
        ws.column_dimensions[letter].width = col.width
        if col.choices:
            dv = DataValidation(
                type="list",
                formula1='"' + ",".join(col.choices) + '"',
                allow_blank=not col.required,
                showErrorMessage=True,
                errorTitle=_("Invalid value"),
                error=_("Choose a value from the list."),
            )
            dv.add(f"{letter}2:{letter}{MAX_ROWS_VALIDATED}")
            ws.data_validations.append(dv)
    ws.freeze_panes = "A2"
    header_cells = [
        text_cell(
            ws,
            col.header + ("*" if col.required else ""),
            font=HEADER_FONT,
            fill=HEADER_FILL,
            alignment=Alignment(horizontal="center", vertical="center", wrap_text=True),
        )
        for col in columns
    ]
    ws.append(header_cells)
    n = 0
    for row in rows:
        append_row(ws, row)
        n += 1
        if progress is not None and n % 500 == 0:
            progress(n)
    wb.save(fileobj)
    if progress is not None:
        progress(n)
    return n


def _column_letter(idx: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(idx)


def xlsx_problem(head: bytes) -> str | None:
    """Why the first bytes of a file are not an .xlsx workbook, or None if they may be."""
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return _("This is an old-format .xls file. Save it as .xlsx in Excel or WPS and try again.")
    if not head.startswith(b"PK"):
        return _("The file is not an Excel workbook (.xlsx).")
    return None


# --- reading ------------------------------------------------------------------------------------


def upload_problem(upload) -> str | None:
    """Why an uploaded file cannot be imported as a workbook, checked before a job starts: not
    an .xlsx, or a zip over the limits (nothing is expanded). A damaged file is left to the
    job, which says so in its result."""
    try:
        check_workbook_file(upload, name=getattr(upload, "name", "") or _("The workbook"))
    except ExcelRefused as refusal:
        if refusal.over_limits or not is_zip(upload):
            return refusal.message
    return None


def check_workbook_file(fileobj, *, name: str) -> None:
    """Refuse (:class:`ExcelRefused`) a file that is not an .xlsx workbook, is damaged, or whose
    zip is over the limits of ``core.archives``; nothing is expanded. Leaves it at the start."""
    fileobj.seek(0)
    head = fileobj.read(8)
    fileobj.seek(0)
    if problem := xlsx_problem(head):
        raise ExcelRefused(problem)
    try:
        inspect_zip(fileobj, name=name, kind="office").close()
    except ArchiveRefused as refusal:
        raise ExcelRefused(refusal.message, over_limits=True) from refusal
    except zipfile.BadZipFile as exc:
        raise ExcelRefused(
            _("The file cannot be read as an Excel workbook (.xlsx); it may be damaged.")
        ) from exc
    finally:
        fileobj.seek(0)


def read_workbook(fileobj, *, columns: list[Column], name: str = "") -> Sheet:
    """Read the first sheet into ``(excel row number, {header: value})`` pairs.

    Headers are matched by name (a trailing '*' is ignored), so columns may be reordered.
    Raises :class:`ExcelRefused` for a file that is not an .xlsx workbook, is over the limits of
    a zip (checked before anything is expanded) or lacks columns.
    """
    check_workbook_file(fileobj, name=name or _("The workbook"))
    try:
        wb = load_workbook(fileobj, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        raise ExcelRefused(
            _("The file cannot be read as an Excel workbook (.xlsx); it may be damaged.")
        ) from exc
    except Exception as exc:  # openpyxl raises assorted errors for damaged files
        raise ExcelRefused(
            _("The file cannot be read as an Excel workbook (.xlsx); it may be damaged.")
        ) from exc
    try:
        ws = wb.worksheets[0]
        rows = ws.iter_rows(values_only=True)
        try:
            header_row = next(rows)
        except StopIteration as exc:
            raise ExcelRefused(_("The workbook is empty.")) from exc
        headers = [_clean_header(h) for h in header_row]
        wanted = [c.header for c in columns]
        missing = [h for h in wanted if h not in headers and _is_required(columns, h)]
        if missing:
            raise ExcelRefused(
                _("The first row lacks these columns: %(cols)s. Start from the exported template.")
                % {"cols": "、".join(missing)}
            )
        index = {h: i for i, h in enumerate(headers) if h in wanted}
        sheet = Sheet(headers=wanted)
        for number, raw in enumerate(rows, start=2):
            if raw is None or all(v is None or (isinstance(v, str) and not v.strip()) for v in raw):
                continue
            sheet.rows.append(
                (number, {h: (raw[i] if i < len(raw) else None) for h, i in index.items()})
            )
        return sheet
    finally:
        wb.close()


def _clean_header(value) -> str:
    return str(value or "").strip().rstrip("*").strip()


def _is_required(columns: list[Column], header: str) -> bool:
    return next(c.required for c in columns if c.header == header)


def cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def iter_chunks(iterable: Iterable, size: int) -> Iterator[list]:
    chunk = []
    for item in iterable:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
