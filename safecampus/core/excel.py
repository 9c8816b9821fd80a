"""Excel helpers shared by imports and exports: streamed writing, careful reading.

Writing uses openpyxl's write-only mode, so memory stays flat however many rows there are.
Reading refuses anything that is not an .xlsx workbook with a message a user understands.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

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
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


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
    header_font = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="DDEBF7")
    header_cells = []
    for col in columns:
        cell = WriteOnlyCell(ws, value=col.header + ("*" if col.required else ""))
        cell.font = header_font
        cell.fill = header_fill
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        header_cells.append(cell)
    ws.append(header_cells)
    n = 0
    for row in rows:
        ws.append(row)
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


def read_workbook(fileobj, *, columns: list[Column]) -> Sheet:
    """Read the first sheet into ``(excel row number, {header: value})`` pairs.

    Headers are matched by name (a trailing '*' is ignored), so columns may be reordered.
    Raises :class:`ExcelRefused` for a file that is not an .xlsx workbook or lacks columns.
    """
    head = fileobj.read(8)
    fileobj.seek(0)
    if problem := xlsx_problem(head):
        raise ExcelRefused(problem)
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
