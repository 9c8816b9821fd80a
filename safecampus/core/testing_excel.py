"""Test helpers for workbooks and zips: user text that Excel would take for a formula, a check
that an exported workbook holds it as text, and zip bombs that are small on disk."""

from __future__ import annotations

import io
import zipfile

from openpyxl import Workbook, load_workbook

MIB = 1024 * 1024

#: user text that Excel or WPS would evaluate (at once, or once the cell is edited)
FORMULA_TEXTS = ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\t=x", "\r=x"]


def workbook_cells(content: bytes) -> list:
    """Every non-empty cell of every sheet of a workbook (read back by openpyxl)."""
    wb = load_workbook(io.BytesIO(content))
    return [
        cell
        for ws in wb.worksheets
        for row in ws.iter_rows()
        for cell in row
        if cell.value is not None
    ]


def assert_text_not_formula(content: bytes, texts=FORMULA_TEXTS) -> list:
    """Each of ``texts`` is in the workbook as the same text in a string cell, and no cell is a
    formula. Returns the cells, for further checks."""
    cells = workbook_cells(content)
    formulas = [(c.parent.title, c.coordinate, c.value) for c in cells if c.data_type == "f"]
    assert formulas == []
    for text in texts:
        found = [c for c in cells if c.value == text]
        assert found, f"{text!r} is not in the workbook"
        assert {c.data_type for c in found} == {"s"}, text
    return cells


def zip_bytes(members: dict[str, bytes], *, compression=zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buf.getvalue()


def zeros_zip(members: int = 3, member_bytes: int = 2 * MIB, name: str = "学校{n}.xlsx") -> bytes:
    """A zip bomb: ``members`` members of zeros, each compressed about 1,000 times."""
    zeros = b"\0" * member_bytes
    return zip_bytes({name.format(n=n): zeros for n in range(1, members + 1)})


def xlsx_bytes() -> bytes:
    wb = Workbook()
    wb.active["A1"] = "学校"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def inflated(document: bytes, part: str, member_bytes: int = 2 * MIB) -> bytes:
    """A real Office document (.xlsx, .docx) with ``part`` replaced by ``member_bytes`` of
    zeros: it looks like the real thing, its central directory tells the bomb."""
    source = zipfile.ZipFile(io.BytesIO(document))
    members = {i.filename: source.read(i) for i in source.infolist()}
    members[part] = b"\0" * member_bytes
    return zip_bytes(members)


def xlsx_bomb(member_bytes: int = 2 * MIB) -> bytes:
    return inflated(xlsx_bytes(), "xl/worksheets/sheet1.xml", member_bytes)


def header_row(ws) -> int:
    """The number of the table's header row of a sheet written by ``core.excel``: the row after
    the title row and the header block (the first row with more than one value)."""
    for row in ws.iter_rows(max_row=20):
        if sum(1 for c in row if c.value not in (None, "")) > 1:
            return row[0].row
    return 1


def table(content: bytes, sheet: int | str = 0) -> tuple[list, list[list]]:
    """``(headers, rows)`` of the table of a sheet written by ``core.excel``."""
    wb = load_workbook(io.BytesIO(content))
    ws = wb[sheet] if isinstance(sheet, str) else wb.worksheets[sheet]
    at = header_row(ws)
    rows = [list(r) for r in ws.iter_rows(min_row=at, values_only=True)]
    return rows[0], rows[1:]
