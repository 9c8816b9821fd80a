"""Excel helpers shared by imports and exports: one way to write a cell, streamed writing,
careful reading.

Every workbook the product writes puts its values through :func:`set_cell` (directly, or through
:func:`append_row`, :func:`write_cell`, :func:`write_workbook` and :func:`add_table_sheet`):
text stays text. openpyxl turns a string starting with "=" into a formula, and Excel or WPS
evaluate text starting with = + - @ (or a tab or carriage return before them) once the cell is
edited; such user text is written as a string cell with Excel's "quote prefix", so it shows and
stays as typed. Numbers stay numbers and dates stay dates.

Every sheet written by :func:`write_workbook` or :func:`add_table_sheet` is a document a person
can print and read as it is (:class:`Heading`): a title row (merged, bold 14 pt), a header block
saying the scope, the filters and the time of the figures ("截至 2026年12月5日 10:00",
Asia/Shanghai), then the table with its header row repeated on every printed page; A4
landscape fitted to the page width, text wrapped in columns sized by their content (capped),
panes frozen under the header; numbers stored as numbers with a number format ("0", "0.0",
"0.0%" for a :class:`Percent`), dates as dates ("yyyy-mm-dd").

Writing a long table uses openpyxl's write-only mode, so memory stays flat however many rows
there are. Reading checks the zip before openpyxl expands anything (``core.archives``), reads in
read-only (streamed) mode and refuses anything that is not an .xlsx workbook with a message a
user understands.
"""

from __future__ import annotations

import datetime
import itertools
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from copy import copy
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.cell_range import CellRange
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from .archives import ArchiveRefused, inspect_zip, is_zip

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_ROWS_VALIDATED = 100_000
#: how far down an import looks for the table's header row
HEADER_SEARCH_ROWS = 12


@dataclass
class Column:
    header: str
    #: the widest the column gets; narrower when its content is short
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
TITLE_FONT = Font(bold=True, size=14)
_THIN = Side(style="thin", color="999999")
GRID = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
WRAP = Alignment(wrap_text=True, vertical="top")
HEADER_ALIGNMENT = Alignment(horizontal="center", vertical="center", wrap_text=True)
#: the widest a column sized by its content gets, in characters
MAX_WIDTH = 50
#: rows looked at to size the columns of a streamed table
SAMPLE_ROWS = 200
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
INT_FORMAT = "0"
FLOAT_FORMAT = "0.0"
PERCENT_FORMAT = "0.0%"


class Percent(float):
    """A fraction (0.453) written as a number shown as a percentage (45.3%)."""


def as_of_text(moment: datetime.datetime | None = None) -> str:
    """ "截至 2026年12月5日 10:00" (Asia/Shanghai, the project's time zone)."""
    moment = timezone.localtime(moment or timezone.now())
    return f"截至 {moment.year}年{moment.month}月{moment.day}日 {moment:%H:%M}"


def scope_label(user) -> str:
    """The units ``user`` acts for, as a person names them: "闵行区教育局", "闵行区教育局法制科",
    a school's name; several joined with "、"."""
    if user is None or not getattr(user, "pk", None):
        return ""
    names: list[str] = []
    assignments = user.role_assignments.filter(revoked_at__isnull=True).select_related(
        "bureau", "department__bureau", "school", "partner"
    )
    for a in assignments:
        if a.department_id:
            name = f"{a.department.bureau.name}{a.department.name}"
        else:
            org = a.bureau or a.school or a.partner
            name = org.name if org is not None else ""
        if name and name not in names:
            names.append(name)
    return "、".join(names)


def filters_label(pairs: Iterable[tuple[str, str]]) -> str:
    """ "状态：整改中；学校：一中" from (label, value) pairs, leaving out empty values."""
    return "；".join(f"{label}：{value}" for label, value in pairs if value not in (None, ""))


#: filterset fields that order or page a list rather than choose its rows
NOT_FILTERS = frozenset({"sort", "order", "o", "page", "per_page", "view"})


def filterset_label(fs, resolve: dict[str, Callable] | None = None) -> str:
    """The filters a bound django-filter ``fs`` applies, as "状态：整改中、已验收；学校：一中"
    (in the active language). ``resolve`` names a value a person would not recognise (an id):
    ``{field name: function(value) -> text}``."""
    return filters_label(form_filters(fs.form, resolve))


def form_filters(form, resolve: dict[str, Callable] | None = None) -> list[tuple[str, str]]:
    """(label, value) of each filter a bound filter form applies, values as a person reads
    them: choices by their label, dates yyyy-mm-dd, ids named by ``resolve`` (see
    :func:`filterset_label`)."""
    resolve = resolve or {}
    if not form.is_bound:
        return []
    form.is_valid()
    data = getattr(form, "cleaned_data", {}) or {}
    pairs = []
    for name, fld in form.fields.items():
        value = data.get(name)
        if name in NOT_FILTERS or name in form.errors or value in (None, "", [], (), set()):
            continue
        values = list(value) if isinstance(value, list | tuple | set) else [value]
        if name in resolve:
            text = "、".join(str(resolve[name](v)) for v in values)
        else:
            choices = {str(k): str(v) for k, v in getattr(fld, "choices", ()) or ()}
            text = "、".join(_value_text(v, choices) for v in values)
        pairs.append((str(fld.label or name), text))
    return pairs


def _value_text(value, choices: dict[str, str]) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime.date):
        return f"{value:%Y-%m-%d}"
    return choices.get(str(value), str(value))


def heading_for(user, title: str, filters: str = "", **kwargs) -> Heading:
    """The :class:`Heading` of a table ``user`` exports: their units as its scope."""
    return Heading(title, scope=scope_label(user), filters=filters, **kwargs)


@dataclass
class Heading:
    """What the rows above a table say: its title, whose figures (``scope``), which
    (``filters``; none means all) and as of when (``as_of``, default now)."""

    title: str
    scope: str = ""
    filters: str = ""
    as_of: datetime.datetime | None = None
    #: further lines of the header block, after the standard ones
    notes: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        return [
            f"范围：{self.scope or '—'}",
            f"筛选条件：{self.filters or '无（全部）'}",
            as_of_text(self.as_of),
            *self.notes,
        ]


def display_width(value) -> int:
    """How many narrow characters ``value`` takes on screen (a Chinese character takes two)."""
    if value is None:
        return 0
    if isinstance(value, datetime.datetime):
        return 16
    if isinstance(value, datetime.date):
        return 10
    if isinstance(value, Percent):  # shown as 45.3%, not 0.5: a narrower column shows ###
        return len(f"{value * 100:.1f}%")
    if isinstance(value, float):
        return len(f"{value:.1f}")
    text = str(value)
    longest = max(text.split("\n"), key=len) if text else ""
    return sum(2 if ord(ch) >= 0x2E80 else 1 for ch in longest)


def number_format(value) -> str | None:
    """The number format a value is written with, or None for text."""
    if isinstance(value, bool):
        return None
    if isinstance(value, Percent):
        return PERCENT_FORMAT
    if isinstance(value, int):
        return INT_FORMAT
    if isinstance(value, float):
        return FLOAT_FORMAT
    if isinstance(value, datetime.datetime):
        return DATETIME_FORMAT
    if isinstance(value, datetime.date):
        return DATE_FORMAT
    return None


def set_cell(cell: Cell, value) -> Cell:
    """Put ``value`` into ``cell`` (of a normal or a write-only sheet): a string is always a
    string cell, never a formula; other values (numbers, dates, None) as openpyxl writes them."""
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        value = timezone.localtime(value).replace(tzinfo=None)  # Excel has no time zones
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
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    if title_rows:
        ws.print_title_rows = title_rows


def wrapped_height(text, width: float, *, points: float = 15.0) -> float:
    """The height (points) of a wrapped row showing ``text`` in a cell ``width`` characters
    wide, so that it prints in full."""
    if text in (None, ""):
        return points
    per_line = max(int(width) - 1, 1)
    lines = sum(max(1, -(-display_width(part) // per_line)) for part in str(text).split("\n"))
    return points * lines


def write_heading(ws, heading: Heading, ncols: int, widths: list[float]) -> int:
    """The title row and the header block at the top of ``ws`` (either kind of sheet, before
    any other row); returns the number of the table's header row."""
    ncols = max(ncols, 1)
    total = sum(widths[:ncols]) or 14 * ncols
    # a row's height is set before it is written (a write-only sheet writes it at once); it is
    # merged once written (merging first makes a normal sheet append below it)
    ws.row_dimensions[1].height = max(24.0, wrapped_height(heading.title, total / 2, points=20))
    ws.append([text_cell(ws, heading.title, font=TITLE_FONT, alignment=HEADER_ALIGNMENT)])
    _merge(ws, 1, ncols)
    row = 1
    for line in heading.lines():
        row += 1
        ws.row_dimensions[row].height = wrapped_height(line, total)
        ws.append([text_cell(ws, line, alignment=Alignment(wrap_text=True, vertical="center"))])
        _merge(ws, row, ncols)
    return row + 1


def _set_height(ws, row: int, values: list, widths: list[float]) -> None:
    """Give row ``row`` the height its longest wrapped text needs (set before the row is
    written; a write-only sheet writes it at once): without it a spreadsheet shows and prints
    the row one line high, the wrapped lines drawn over the next rows."""
    height = max(
        (
            wrapped_height(v, widths[i])
            for i, v in enumerate(values)
            if i < len(widths) and isinstance(v, str)
        ),
        default=15.0,
    )
    if height > 15.0:
        ws.row_dimensions[row].height = height


def _merge(ws, row: int, ncols: int) -> None:
    if ncols < 2:
        return
    if isinstance(ws, WriteOnlyWorksheet):
        ws.merged_cells.add(CellRange(min_row=row, min_col=1, max_row=row, max_col=ncols))
    else:
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=ncols)


def header_width(header: str) -> int:
    """The width at which a header shows whole: up to three Chinese characters on one line,
    a longer one in two even lines ("隐患/编号", "临时管/控措施") rather than widen its column."""
    width = display_width(header)
    if width <= 6:
        return width + 1
    return -(-width // 4) * 2 + 1


def _sized(columns: list[Column], sample: list[list]) -> list[float]:
    """Column widths by content: at least the header's longest word, at most the column's
    ``width`` (and :data:`MAX_WIDTH`)."""
    widths = []
    for idx, col in enumerate(columns):
        content = max((display_width(r[idx]) for r in sample if idx < len(r)), default=0)
        header = header_width(col.header + ("*" if col.required else ""))
        cap = max(min(col.width, MAX_WIDTH), header)
        widths.append(float(min(max(content + 2, header), cap)))
    return widths


def _header_cells(ws, columns: list[Column]) -> list:
    return [
        text_cell(
            ws,
            col.header + ("*" if col.required else ""),
            font=HEADER_FONT,
            fill=HEADER_FILL,
            border=GRID,
            alignment=HEADER_ALIGNMENT,
        )
        for col in columns
    ]


class _RowStyler:
    """Data rows for a write-only sheet: each value in a cell with the grid, wrapped text and
    the number format of its kind. One reusable styled cell per (column, format) keeps a streamed
    export fast (a write-only sheet writes a row as soon as it is appended)."""

    def __init__(self, ws):
        self.ws = ws
        self.cells: dict[tuple[int, str | None], WriteOnlyCell] = {}
        #: a normal sheet keeps the cell objects appended: each needs its own
        self.reuse = isinstance(ws, WriteOnlyWorksheet)

    def _cell(self, idx: int, fmt: str | None) -> WriteOnlyCell:
        cell = self.cells.get((idx, fmt))
        if cell is None:
            cell = self.cells[idx, fmt] = WriteOnlyCell(self.ws)
            cell.border, cell.alignment = GRID, WRAP
            if fmt:
                cell.number_format = fmt
        return cell

    def row(self, values) -> list:
        out = []
        cells = self.cells
        for idx, value in enumerate(values):
            if type(value) is str:  # the common case first
                if value.startswith(FORMULA_PREFIXES):
                    out.append(text_cell(self.ws, value, border=GRID, alignment=WRAP))
                    continue
                fmt = None
            elif isinstance(value, Cell):
                out.append(value)
                continue
            else:
                fmt = number_format(value)
            cell = cells.get((idx, fmt)) or self._cell(idx, fmt)
            if not self.reuse:
                proto, cell = cell, WriteOnlyCell(self.ws)
                cell._style = copy(proto._style)
            set_cell(cell, value)
            if isinstance(value, datetime.date):
                cell.number_format = fmt  # openpyxl set its own for a date
            out.append(cell)
        return out


def add_table_sheet(
    wb: Workbook,
    title: str,
    headers: list,
    rows: Iterable[list],
    widths: list[int] | None = None,
    *,
    heading: Heading | None = None,
) -> Worksheet:
    """A sheet of ``wb`` holding one table under its :class:`Heading` (by default titled
    ``title``): a bold shaded header row, then ``rows``. ``widths`` are the widest each column
    gets; columns are sized by their content."""
    rows = [list(r) for r in rows]
    caps = list(widths or [28] + [14] * (len(headers) - 1))
    caps += [14] * (len(headers) - len(caps))
    columns = [Column(str(h or ""), caps[i]) for i, h in enumerate(headers)]
    ws = wb.create_sheet(title[:31])
    _table(ws, heading or Heading(title), columns, rows)
    return ws


def _table(ws, heading: Heading, columns: list[Column], rows: Iterable[list], progress=None) -> int:
    """Write heading, header row and ``rows`` (an iterator is read once) into ``ws``; returns
    the number of rows."""
    rows = iter(rows)
    sample = list(itertools.islice(rows, SAMPLE_ROWS))
    widths = _sized(columns, sample)
    for idx, width in enumerate(widths, start=1):
        ws.column_dimensions[_column_letter(idx)].width = width
    # a write-only sheet writes its properties, views and columns with its first row: all are
    # set before the heading
    head = len(heading.lines()) + 2
    ws.freeze_panes = f"A{head + 1}"
    print_setup(ws, title_rows=f"{head}:{head}")
    assert write_heading(ws, heading, len(columns), widths) == head
    _set_height(ws, head, [col.header for col in columns], widths)
    ws.append(_header_cells(ws, columns))
    styler = _RowStyler(ws)
    n = 0
    for row in itertools.chain(sample, rows):
        _set_height(ws, head + 1 + n, row, widths)
        ws.append(styler.row(row))
        n += 1
        if progress is not None and n % 500 == 0:
            progress(n)
    return n


def write_workbook(
    fileobj,
    *,
    title: str,
    columns: list[Column],
    rows: Iterable[list],
    progress: Callable[[int], None] | None = None,
    heading: Heading | None = None,
) -> int:
    """Stream ``rows`` into a one-sheet workbook (sheet ``title``) under ``heading`` (by
    default titled ``title``). Returns the number of data rows written."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title[:31])
    first_data_row = len((heading or Heading(title)).lines()) + 3
    for idx, col in enumerate(columns, start=1):
        if col.choices:
            letter = _column_letter(idx)
            dv = DataValidation(
                type="list",
                formula1='"' + ",".join(col.choices) + '"',
                allow_blank=not col.required,
                showErrorMessage=True,
                errorTitle=_("Invalid value"),
                error=_("Choose a value from the list."),
            )
            dv.add(f"{letter}{first_data_row}:{letter}{MAX_ROWS_VALIDATED}")
            ws.data_validations.append(dv)
    n = _table(ws, heading or Heading(title), columns, rows, progress)
    wb.save(fileobj)
    if progress is not None:
        progress(n)
    return n


def _column_letter(idx: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(idx)


# --- file names ---------------------------------------------------------------------------------

_UNSAFE = re.compile(r'[\\/:*?"<>|\s]+')


def file_name(*parts, ext: str = "xlsx") -> str:
    """ "闵行区教育局_隐患清单_2026-12-05.xlsx": the non-empty ``parts`` (dates written
    yyyy-mm-dd) joined by "_", without characters a file system refuses."""
    words = []
    for part in parts:
        if isinstance(part, datetime.date):
            part = f"{part:%Y-%m-%d}"
        word = _UNSAFE.sub("", str(part or "")).strip("._")
        if word:
            words.append(word[:60])
    return "_".join(words) + f".{ext}"


def attachment(name: str) -> str:
    """The Content-Disposition of a download named ``name`` (any language): Django's, as
    ``FileResponse(..., filename=name)`` sends it (``filename*=utf-8''…`` for a Chinese name)."""
    return content_disposition_header(True, name)


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

    The table starts at its header row, found among the top rows. Headers are matched by name
    (a trailing '*' is ignored), so columns may be reordered.
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
        wanted = [c.header for c in columns]
        rows = ws.iter_rows(values_only=True)
        # the header row: the first of the top rows naming a required column (an exported
        # workbook has a title and a header block above it; a hand-made one may not)
        top = list(itertools.islice(rows, HEADER_SEARCH_ROWS))
        if not top:
            raise ExcelRefused(_("The workbook is empty."))
        required = {c.header for c in columns if c.required} or set(wanted)
        at = next(
            (
                i
                for i, r in enumerate(top)
                if r and required & {_clean_header(h) for h in r if isinstance(h, str)}
            ),
            0,
        )
        headers = [_clean_header(h) for h in top[at] or ()]
        rows = itertools.chain(top[at + 1 :], rows)
        missing = [h for h in wanted if h not in headers and _is_required(columns, h)]
        if missing:
            raise ExcelRefused(
                _("The first row lacks these columns: %(cols)s. Start from the exported template.")
                % {"cols": "、".join(missing)}
            )
        index = {h: i for i, h in enumerate(headers) if h in wanted}
        sheet = Sheet(headers=wanted)
        for number, raw in enumerate(rows, start=at + 2):
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


#: the public name of ``_table``: a :class:`Heading`, the header row and ``rows`` into a sheet
#: (a write-only one too), sized by their content; returns the number of rows
write_table = _table
