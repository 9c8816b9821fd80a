"""Test helpers for Word documents: :func:`assert_gongwen` opens a generated .docx and checks the
公文 layout of ``core.documents`` (GB/T 9704-2012): A4, the margins, the fonts of the title, the
body and the three heading levels, the title text, the document number, the Chinese date and the
"— PAGE —" footer. :func:`pdf_page_png` converts one to PDF and PNG (LibreOffice) to look at."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

from docx import Document as open_docx
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from .documents import BODY_FONT, H1_FONT, H2_FONT, H3_FONT, LINE, TITLE_FONT

TOLERANCE = Mm(0.2)


def east_asian_font(element) -> str | None:
    """The eastAsia font a run or a style names (w:rFonts/@w:eastAsia)."""
    rpr = element.find(qn("w:rPr"))
    fonts = rpr.find(qn("w:rFonts")) if rpr is not None else None
    return fonts.get(qn("w:eastAsia")) if fonts is not None else None


def _close(a, b) -> bool:
    return abs(int(a) - int(b)) <= TOLERANCE


def docx_text(doc) -> str:
    """Every paragraph and table cell of a python-docx document, one a line."""
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


def assert_gongwen(
    content: bytes,
    *,
    title: str,
    number: str | None = None,
    date: str | None = None,
    headings: int = 1,
    landscape: bool = False,
):
    """``content`` is a 公文 of ``core.documents`` titled ``title``, with ``number`` (when
    given) above the title, ``date`` (in Chinese numerals, when given) under the signature and
    at least ``headings`` level-1 headings. Returns the python-docx document."""
    doc = open_docx(io.BytesIO(content))
    section = doc.sections[0]
    width, height = (Mm(297), Mm(210)) if landscape else (Mm(210), Mm(297))
    assert _close(section.page_width, width) and _close(section.page_height, height), "A4"
    assert _close(section.top_margin, Mm(37)), "top margin"
    assert _close(section.bottom_margin, Mm(35)), "bottom margin"
    assert _close(section.left_margin, Mm(28)), "left margin"
    assert _close(section.right_margin, Mm(26)), "right margin"

    styles = doc.styles
    normal = styles["Normal"]
    assert east_asian_font(normal.element) == BODY_FONT
    assert normal.font.size == Pt(16)
    assert normal.font.name == "Times New Roman"
    assert normal.paragraph_format.line_spacing_rule == WD_LINE_SPACING.EXACTLY
    assert normal.paragraph_format.line_spacing == LINE
    assert normal.paragraph_format.first_line_indent == Pt(32)
    for name, font, bold in (
        ("Title", TITLE_FONT, False),
        ("Heading 1", H1_FONT, False),
        ("Heading 2", H2_FONT, False),
        ("Heading 3", H3_FONT, True),
    ):
        assert east_asian_font(styles[name].element) == font, name
        assert bool(styles[name].font.bold) is bold, name

    titles = [p for p in doc.paragraphs if p.style.name == "Title"]
    assert [p.text for p in titles] == [title]
    run = titles[0].runs[0]
    assert east_asian_font(run._r) == TITLE_FONT and run.font.size == Pt(22)
    assert titles[0].alignment == WD_ALIGN_PARAGRAPH.CENTER

    level1 = [p for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert len(level1) >= headings
    for p in level1:
        assert east_asian_font(p.runs[0]._r) == H1_FONT, p.text
    for p in doc.paragraphs:
        if p.style.name == "Normal" and p.runs:
            assert east_asian_font(p.runs[0]._r) in (BODY_FONT, H2_FONT, TITLE_FONT), p.text

    texts = [p.text for p in doc.paragraphs]
    if number:
        assert number in texts[: texts.index(title)], "the number stands above the title"
    if date:
        assert date in texts[texts.index(title) :], "the date under the signature"

    footer = section.footer._element.xml
    assert "PAGE" in footer and "— " in footer and " —" in footer, "page number — 1 —"
    return doc


def pdf_page_png(content: bytes, out_dir: str | Path, stem: str) -> dict:
    """Write ``stem``.docx, convert it to PDF with LibreOffice and page 1 to PNG (pdftoppm),
    when these are installed. Returns the paths made."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    docx = out / f"{stem}.docx"
    docx.write_bytes(content)
    made = {"docx": str(docx)}
    soffice = shutil.which("soffice")
    if not soffice:
        return made
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{out / 'lo-profile'}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out),
            str(docx),
        ],
        check=False,
        capture_output=True,
        timeout=180,
    )
    pdf = out / f"{stem}.pdf"
    if pdf.exists():
        made["pdf"] = str(pdf)
        if shutil.which("pdftoppm"):
            subprocess.run(
                ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf), str(out / stem)],
                check=False,
                capture_output=True,
                timeout=60,
            )
            pngs = sorted(out.glob(f"{stem}*.png"))
            if pngs:
                made["png"] = str(pngs[0])
    return made
