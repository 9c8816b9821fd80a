"""The one builder of every Word document the product writes, in the 公文 layout of
GB/T 9704-2012 (党政机关公文格式).

- A4; margins top 37 mm, bottom 35 mm, left 28 mm, right 26 mm (§5.2.1).
- Title in 方正小标宋简体 二号 (22 pt), centred; body in 仿宋_GB2312 三号 (16 pt) on a fixed line
  of 28 pt, first line indented two characters; level headings 黑体 ("一、"), 楷体_GB2312
  ("（一）") and 仿宋 bold ("1.") (§7.3.3).
- The issuing body (发文机关标志, optionally red), the document number (发文字号,
  闵教安〔2026〕12号), the addressee (主送机关), the signature (发文机关署名) and the
  date in Chinese numerals (二〇二六年十二月五日, §7.3.5).
- Page numbers "— 1 —" in 4号 宋体 in the footer, as a PAGE field (§7.5).

Each style names the 公文 font for East Asian text and Times New Roman for Latin text; a machine
without the 公文 fonts substitutes an installed CJK font of the same kind (LibreOffice and WPS
do), so the layout holds. Use::

    doc = Document(bureau=bureau, title="…", number=doc_number(bureau, 2026, 12), addressee="…")
    doc.heading(1, "一、总体情况")
    doc.para("……")
    doc.table(["学校", "隐患"], [["…", 3]])
    doc.signature(date)
    doc.save(stream)   # or doc.bytes()
"""

from __future__ import annotations

import datetime
import io
import re
from collections.abc import Iterable

from docx import Document as _new_document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

# --- the 公文 fonts and sizes --------------------------------------------------------------------

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
H1_FONT = "黑体"
H2_FONT = "楷体_GB2312"
H3_FONT = "仿宋_GB2312"
PAGE_NUMBER_FONT = "宋体"
LATIN_FONT = "Times New Roman"

TITLE_SIZE = Pt(22)  # 二号
BODY_SIZE = Pt(16)  # 三号
PAGE_NUMBER_SIZE = Pt(14)  # 四号
TABLE_SIZE = Pt(12)  # 小四: tables are set smaller than the body
LINE = Pt(28)  # a fixed line: 22 lines a page on the 公文 type area
RED = RGBColor(0xE6, 0x00, 0x12)

PAGE_WIDTH, PAGE_HEIGHT = Mm(210), Mm(297)
MARGINS = {"top": Mm(37), "bottom": Mm(35), "left": Mm(28), "right": Mm(26)}

#: style name → (East Asian font, size, bold)
STYLES = {
    "Normal": (BODY_FONT, BODY_SIZE, False),
    "Title": (TITLE_FONT, TITLE_SIZE, False),
    "Heading 1": (H1_FONT, BODY_SIZE, False),
    "Heading 2": (H2_FONT, BODY_SIZE, False),
    "Heading 3": (H3_FONT, BODY_SIZE, True),
}

_DIGITS = "〇一二三四五六七八九"


def chinese_date(date: datetime.date) -> str:
    """``date`` the way a 公文 writes it: 二〇二六年十二月五日 (year digit by digit, the month and
    day as numbers: 十, 十二, 二十一, 三十)."""
    year = "".join(_DIGITS[int(d)] for d in str(date.year))
    return f"{year}年{_chinese_number(date.month)}月{_chinese_number(date.day)}日"


def _chinese_number(n: int) -> str:
    """1 to 99 in Chinese numerals: 五, 十, 十二, 二十, 三十一."""
    tens, ones = divmod(n, 10)
    if tens == 0:
        return _DIGITS[ones]
    head = "" if tens == 1 else _DIGITS[tens]
    return head + "十" + (_DIGITS[ones] if ones else "")


def doc_number(bureau, year: int, serial: int | str | None) -> str:
    """The document number (发文字号): 闵教安〔2026〕12号, from the bureau's prefix; an empty
    string when the bureau has no prefix or there is no serial."""
    prefix = getattr(bureau, "doc_number_prefix", "") or ""
    if not prefix or serial in (None, ""):
        return ""
    return f"{prefix}〔{year}〕{serial}号"


def issuer_of(bureau) -> str:
    """The issuing body (发文机关) of ``bureau``: its own setting, else its name."""
    if bureau is None:
        return ""
    return getattr(bureau, "issuing_body", "") or getattr(bureau, "name", "") or ""


def safe_filename_part(text: str) -> str:
    """``text`` fit for a file name: no path separators or characters Windows refuses."""
    bad = '\\/:*?"<>|\r\n\t'
    cleaned = "".join("_" if c in bad else c for c in str(text)).strip(" .")
    return cleaned[:80] or "_"


def file_stem(*parts: str) -> str:
    """A file name without extension that says what, whose and when: the non-empty ``parts``
    joined by "_" (闵行区教育局_周报_2026年第49周_法制科)."""
    return "_".join(safe_filename_part(p) for p in parts if p)


def file_name(*parts: str, ext: str) -> str:
    """:func:`file_stem` of ``parts`` with the extension ``ext``."""
    return f"{file_stem(*parts)}.{ext}"


def content_disposition(name: str) -> str:
    """An attachment header carrying ``name`` in UTF-8 (RFC 6266 ``filename*``), with an ASCII
    fallback for old clients."""
    from urllib.parse import quote

    ascii_name = name.encode("ascii", "ignore").decode() or "document"
    ascii_name = ascii_name.replace('"', "")
    if ascii_name.startswith("_") or ascii_name.startswith("."):
        ascii_name = "document" + ascii_name
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"


# --- low-level helpers --------------------------------------------------------------------------


def set_fonts(target, east_asia: str, *, latin: str = LATIN_FONT) -> None:
    """Name ``east_asia`` for Chinese text and ``latin`` for Latin text on a run or a style
    (w:rFonts eastAsia / ascii / hAnsi)."""
    element = target.element if hasattr(target, "element") else target._element
    rpr = element.get_or_add_rPr()
    fonts = rpr.get_or_add_rFonts()
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:cs"), latin)
    fonts.set(qn("w:eastAsia"), east_asia)
    fonts.set(qn("w:hint"), "eastAsia")


#: characters XML 1.0 cannot hold (tab, line feed and carriage return aside)
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _style_run(run, font: str, size, *, bold: bool = False, color=None) -> None:
    run.font.size = size
    run.font.bold = bold
    run.font.name = LATIN_FONT
    set_fonts(run, font)
    if color is not None:
        run.font.color.rgb = color


def _fixed_lines(paragraph_format, line=LINE) -> None:
    paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    paragraph_format.line_spacing = line
    paragraph_format.space_before = Pt(0)
    paragraph_format.space_after = Pt(0)


def _add_field(run, instruction: str) -> None:
    """A field (PAGE, NUMPAGES) in ``run``: begin, instruction, separate, a shown 1, end."""
    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    separate = OxmlElement("w:fldChar")
    separate.set(qn("w:fldCharType"), "separate")
    shown = OxmlElement("w:t")
    shown.text = "1"
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    for el in (begin, instr, separate, shown, end):
        run._r.append(el)


def _bottom_border(paragraph, color: str = "E60012", size: int = 12) -> None:
    """The red line (版头中的分隔线) under the issuing body and number."""
    ppr = paragraph._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    bottom.set(qn("w:val"), "single")
    bottom.set(qn("w:sz"), str(size))
    bottom.set(qn("w:space"), "4")
    bottom.set(qn("w:color"), color)
    borders.append(bottom)
    ppr.append(borders)


# --- the document -------------------------------------------------------------------------------


class Document:
    """A 公文: header (issuing body, number), title, addressee, body, signature and date.

    ``bureau`` gives the issuing body (``issuing_body`` or ``name``); ``issuer`` overrides it.
    ``red_header`` prints the issuing body as the red 发文机关标志 with the red line under the
    number; otherwise the number alone stands above the title. ``subtitle`` is a line under
    the title (a period, or the 草稿 mark of a draft). ``landscape`` turns the page for wide
    tables.
    """

    def __init__(
        self,
        *,
        bureau=None,
        title: str,
        number: str = "",
        addressee: str = "",
        issuer: str = "",
        subtitle: str = "",
        red_header: bool = False,
        landscape: bool = False,
    ):
        self.issuer = issuer or issuer_of(bureau)
        self.title = title
        self.number = number
        self._doc = _new_document()
        self._setup_page(landscape=landscape)
        self._setup_styles()
        self._footer()
        self._doc.core_properties.title = title
        self._doc.core_properties.author = self.issuer
        if red_header and self.issuer:
            self._red_header()
        elif number:
            p = self._doc.add_paragraph()
            p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            self._run(p, number, BODY_FONT, BODY_SIZE)
            p.paragraph_format.first_line_indent = Pt(0)
        self._title(title)
        if subtitle:
            p = self._doc.add_paragraph()
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            p.paragraph_format.first_line_indent = Pt(0)
            self._run(p, subtitle, H2_FONT, BODY_SIZE)
        self._doc.add_paragraph()  # a blank line after the title (§7.3.2)
        if addressee:
            p = self._doc.add_paragraph()
            p.paragraph_format.first_line_indent = Pt(0)
            self._run(p, f"{addressee}：", BODY_FONT, BODY_SIZE)

    # -- page and styles

    def _setup_page(self, *, landscape: bool) -> None:
        section = self._doc.sections[0]
        if landscape:
            section.orientation = WD_ORIENT.LANDSCAPE
            section.page_width, section.page_height = PAGE_HEIGHT, PAGE_WIDTH
        else:
            section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
        section.top_margin = MARGINS["top"]
        section.bottom_margin = MARGINS["bottom"]
        section.left_margin = MARGINS["left"]
        section.right_margin = MARGINS["right"]
        section.footer_distance = Mm(24)  # the number about 7 mm under the type area
        section.header_distance = Mm(15)

    def _setup_styles(self) -> None:
        styles = self._doc.styles
        for name, (font, size, bold) in STYLES.items():
            style = styles[name]
            style.font.name = LATIN_FONT
            style.font.size = size
            style.font.bold = bold
            style.font.italic = False
            style.font.color.rgb = RGBColor(0, 0, 0)
            set_fonts(style, font)
            fmt = style.paragraph_format
            _fixed_lines(fmt)
            if name == "Normal":
                fmt.first_line_indent = Pt(32)  # two characters of 三号
            elif name == "Title":
                fmt.alignment = WD_ALIGN_PARAGRAPH.CENTER
                fmt.first_line_indent = Pt(0)
                _fixed_lines(fmt, Pt(35))
            else:
                fmt.first_line_indent = Pt(32)
                fmt.keep_with_next = True
                fmt.space_before = Pt(6)  # apart from a table above
        # a Title style carries a bottom border in the default template: drop it
        ppr = styles["Title"].element.find(qn("w:pPr"))
        if ppr is not None:
            for border in ppr.findall(qn("w:pBdr")):
                ppr.remove(border)

    def _footer(self) -> None:
        footer = self._doc.sections[0].footer
        p = footer.paragraphs[0]
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        p.paragraph_format.first_line_indent = Pt(0)
        p.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
        self._run(p, "— ", PAGE_NUMBER_FONT, PAGE_NUMBER_SIZE)
        run = p.add_run()
        _style_run(run, PAGE_NUMBER_FONT, PAGE_NUMBER_SIZE)
        _add_field(run, "PAGE")
        self._run(p, " —", PAGE_NUMBER_FONT, PAGE_NUMBER_SIZE)

    def _run(self, paragraph, text: str, font: str, size, *, bold=False, color=None):
        # a control character (pasted text, an import, the API) is no XML: python-docx would
        # refuse the whole document
        run = paragraph.add_run(_XML_ILLEGAL.sub("", str(text)))
        _style_run(run, font, size, bold=bold, color=color)
        return run

    def _red_header(self) -> None:
        p = self._doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        p.paragraph_format.first_line_indent = Pt(0)
        _fixed_lines(p.paragraph_format, Pt(50))
        self._run(p, f"{self.issuer}文件", TITLE_FONT, Pt(36), color=RED)
        p = self._doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        p.paragraph_format.first_line_indent = Pt(0)
        self._run(p, self.number or " ", BODY_FONT, BODY_SIZE)
        _bottom_border(p)
        self._doc.add_paragraph()

    def _title(self, title: str) -> None:
        self._doc.add_paragraph()
        p = self._doc.add_paragraph(style="Title")
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        self._run(p, title, TITLE_FONT, TITLE_SIZE)

    # -- the body

    def heading(self, level: int, text: str):
        """A heading of ``level`` 1 (黑体, "一、"), 2 (楷体, "（一）") or 3 (仿宋 bold, "1.");
        ``text`` carries its own numbering."""
        if level not in (1, 2, 3):
            raise ValueError("level must be 1, 2 or 3")
        font, size, bold = STYLES[f"Heading {level}"]
        p = self._doc.add_paragraph(style=f"Heading {level}")
        self._run(p, text, font, size, bold=bold)
        return p

    def para(self, text: str, *, indent: bool = True, center: bool = False, bold: bool = False):
        """Body text; each line of ``text`` is a paragraph. Returns the last paragraph."""
        p = None
        for line in str(text).splitlines() or [""]:
            p = self._doc.add_paragraph()
            if not indent or center:
                p.paragraph_format.first_line_indent = Pt(0)
            if center:
                p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            self._run(p, line, BODY_FONT, BODY_SIZE, bold=bold)
        return p

    def blank(self) -> None:
        self._doc.add_paragraph()

    def table(
        self,
        headers: list,
        rows: Iterable[list],
        *,
        caption: str = "",
        widths: list[float] | None = None,
        empty: str = "",
    ):
        """A table in 仿宋 小四, header row bold and repeated on every page; numbers right
        aligned. ``widths`` are relative column widths. With no rows, ``empty`` is written as
        a paragraph instead (when given)."""
        rows = [list(r) for r in rows]
        if caption:
            p = self._doc.add_paragraph()
            p.paragraph_format.first_line_indent = Pt(0)
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            self._run(p, caption, H1_FONT, TABLE_SIZE)
        if not rows and empty:
            return self.para(empty)
        table = self._doc.add_table(rows=1, cols=len(headers))
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        head = table.rows[0]
        trpr = head._tr.get_or_add_trPr()
        repeat = OxmlElement("w:tblHeader")
        repeat.set(qn("w:val"), "true")
        trpr.append(repeat)
        for cell, text in zip(head.cells, headers, strict=True):
            self._cell(cell, text, bold=True, center=True)
        for row in rows:
            cells = table.add_row().cells
            for i, (cell, value) in enumerate(zip(cells, row, strict=True)):
                number = isinstance(value, int | float) and not isinstance(value, bool)
                short = i > 0 and (value is None or len(str(value)) <= 5)
                self._cell(cell, value, center=number or short)
        section = self._doc.sections[-1]
        usable = section.page_width - section.left_margin - section.right_margin
        widths = widths or [1] * len(headers)
        total = sum(widths)
        twips = [int(usable * w / total) for w in widths]
        table.autofit = False
        # the grid is what LibreOffice and WPS lay out by; the cells' widths are Word's
        for col, width in zip(table._tbl.tblGrid.findall(qn("w:gridCol")), twips, strict=True):
            col.set(qn("w:w"), str(int(width / 635)))  # EMU → twentieths of a point
        for row in table.rows:
            for cell, width in zip(row.cells, twips, strict=True):
                cell.width = width
        return table

    def _cell(self, cell, value, *, bold: bool = False, center: bool = False) -> None:
        text = "—" if value is None or value == "" else str(value)
        lines = text.splitlines() or [""]
        p = cell.paragraphs[0]
        for i, line in enumerate(lines):
            if i:
                p = cell.add_paragraph()
            p.paragraph_format.first_line_indent = Pt(0)
            p.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
            p.paragraph_format.space_before = Pt(2)
            p.paragraph_format.space_after = Pt(2)
            if center:
                p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            self._run(p, line, BODY_FONT, TABLE_SIZE, bold=bold)

    def signature(self, date: datetime.date, *, issuer: str | None = None) -> None:
        """The signature block: the issuing body, and under it the date in Chinese numerals,
        right aligned with four characters of space on the right (§7.3.5.2)."""
        name = self.issuer if issuer is None else issuer
        # the date never stands alone on a page (§7.3.5.1): the last line of the body goes
        # with it
        last = self._doc.paragraphs[-1] if self._doc.paragraphs else None
        if last is not None:
            last.paragraph_format.keep_with_next = True
        for _blank in range(2):
            self._doc.add_paragraph().paragraph_format.keep_with_next = True
        texts = [t for t in (name, chinese_date(date)) if t]
        for i, text in enumerate(texts):
            p = self._doc.add_paragraph()
            p.paragraph_format.keep_with_next = i < len(texts) - 1
            p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            p.paragraph_format.first_line_indent = Pt(0)
            p.paragraph_format.right_indent = Pt(64)
            self._run(p, text, BODY_FONT, BODY_SIZE)

    # -- output

    def save(self, stream) -> None:
        self._doc.save(stream)

    def bytes(self) -> bytes:
        out = io.BytesIO()
        self._doc.save(out)
        return out.getvalue()

    @property
    def docx(self):
        """The underlying python-docx document (for tests)."""
        return self._doc
