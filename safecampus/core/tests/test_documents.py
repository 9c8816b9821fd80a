"""The one Word builder (``core.documents``): the 公文 layout, the Chinese date, the document
number and the file names."""

import datetime
import io
from types import SimpleNamespace

import pytest

from safecampus.core.documents import (
    Document,
    chinese_date,
    content_disposition,
    doc_number,
    file_name,
    issuer_of,
)
from safecampus.core.testing_documents import assert_gongwen, east_asian_font


@pytest.mark.parametrize(
    ("day", "text"),
    [
        (datetime.date(2026, 12, 5), "二〇二六年十二月五日"),
        (datetime.date(2027, 1, 1), "二〇二七年一月一日"),
        (datetime.date(2026, 12, 31), "二〇二六年十二月三十一日"),
        (datetime.date(2026, 10, 10), "二〇二六年十月十日"),
        (datetime.date(2030, 11, 20), "二〇三〇年十一月二十日"),
        (datetime.date(2000, 2, 29), "二〇〇〇年二月二十九日"),
    ],
)
def test_chinese_date(day, text):
    assert chinese_date(day) == text


BUREAU = SimpleNamespace(
    name="闵行区教育局", issuing_body="上海市闵行区教育局", doc_number_prefix="闵教安"
)


def test_number_and_issuer_come_from_the_bureau():
    assert doc_number(BUREAU, 2026, 12) == "闵教安〔2026〕12号"
    assert doc_number(SimpleNamespace(doc_number_prefix=""), 2026, 12) == ""
    assert doc_number(BUREAU, 2026, None) == ""
    assert issuer_of(BUREAU) == "上海市闵行区教育局"
    assert issuer_of(SimpleNamespace(name="闵行区教育局", issuing_body="")) == "闵行区教育局"


def test_file_names_say_what_whose_and_when():
    name = file_name("闵行区教育局", "周报", "2026年第49周", "法制科", "", ext="docx")
    assert name == "闵行区教育局_周报_2026年第49周_法制科.docx"
    assert file_name("a/b", 'c:"d"', ext="xlsx") == "a_b_c__d_.xlsx"
    header = content_disposition(name)
    assert "filename*=UTF-8''%E9%97%B5" in header and header.startswith("attachment;")


def make(**kwargs) -> bytes:
    doc = Document(
        bureau=BUREAU,
        title="关于开展校园安全隐患排查整治专项行动的通知",
        number=doc_number(BUREAU, 2026, 12),
        addressee="各中小学、幼儿园",
        **kwargs,
    )
    doc.heading(1, "一、总体要求")
    doc.para("全面排查校园安全风险隐患。\n第二段。")
    doc.heading(2, "（一）排查范围")
    doc.heading(3, "1.学校")
    doc.table(["学校", "隐患"], [["甲小学", 3], ["乙幼儿园", None]], widths=[3, 1])
    doc.signature(datetime.date(2026, 12, 5))
    return doc.bytes()


@pytest.mark.parametrize("red_header", [False, True])
def test_the_layout_is_gb_t_9704(red_header):
    content = make(red_header=red_header)
    doc = assert_gongwen(
        content,
        title="关于开展校园安全隐患排查整治专项行动的通知",
        number="闵教安〔2026〕12号",
        date="二〇二六年十二月五日",
    )
    texts = [p.text for p in doc.paragraphs]
    assert "各中小学、幼儿园：" in texts
    assert texts[-2:] == ["上海市闵行区教育局", "二〇二六年十二月五日"]
    assert ("上海市闵行区教育局文件" in texts) is red_header
    assert [
        p.style.name for p in doc.paragraphs if p.text.startswith(("一、", "（一）", "1."))
    ] == [
        "Heading 1",
        "Heading 2",
        "Heading 3",
    ]
    table = doc.tables[0]
    assert [[c.text for c in r.cells] for r in table.rows] == [
        ["学校", "隐患"],
        ["甲小学", "3"],
        ["乙幼儿园", "—"],
    ]
    cell_run = table.rows[1].cells[0].paragraphs[0].runs[0]
    assert east_asian_font(cell_run._r) == "仿宋_GB2312" and cell_run.font.size.pt == 12
    assert "w:tblHeader" in table.rows[0]._tr.xml  # the header row repeats on every page


def test_a_landscape_document_turns_the_page():
    doc = Document(title="宽表", landscape=True)
    doc.para("x")
    assert_gongwen(doc.bytes(), title="宽表", landscape=True, headings=0)


def test_a_document_without_number_or_bureau_still_has_the_layout():
    doc = Document(title="书面材料", subtitle="（草稿）")
    doc.para("正文")
    out = io.BytesIO()
    doc.save(out)
    word = assert_gongwen(out.getvalue(), title="书面材料", headings=0)
    texts = [p.text for p in word.paragraphs]
    assert texts[texts.index("书面材料") + 1] == "（草稿）"


def test_control_characters_in_user_text_do_not_break_the_document():
    """Text from users (an import, the API) may hold control characters XML cannot: they are
    left out rather than refusing the whole document."""
    from safecampus.core.testing_documents import docx_text

    doc = Document(title="书面材料")
    doc.para("消防通道\x02堵塞\x01")
    doc.table(["隐患描述"], [["灭火器\x08过期"]])
    text = docx_text(assert_gongwen(doc.bytes(), title="书面材料", headings=0))
    assert "消防通道堵塞" in text and "灭火器过期" in text
