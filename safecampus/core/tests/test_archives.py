"""Zips checked on their directory before expansion; Office documents told by their package."""

import datetime
import io
import zipfile

import pytest
from django.utils import translation
from docx import Document
from openpyxl import Workbook

from safecampus.core import archives
from safecampus.core.archives import ArchiveRefused, inspect_zip, office_kind
from safecampus.core.excel import Column, add_table_sheet, append_row, write_cell, write_workbook
from safecampus.core.testing_excel import (
    FORMULA_TEXTS,
    MIB,
    assert_text_not_formula,
    inflated,
    xlsx_bomb,
    xlsx_bytes,
    zeros_zip,
    zip_bytes,
)


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


def refusal(content: bytes, *, name="上传.zip", kind="office", allow_nested=True) -> str:
    with pytest.raises(ArchiveRefused) as exc:
        inspect_zip(io.BytesIO(content), name=name, kind=kind, allow_nested=allow_nested)
    return exc.value.message


def limits(settings, **office):
    settings.SAFECAMPUS_ZIP_LIMITS = {"office": office}


def test_a_real_workbook_passes_and_nothing_is_expanded(monkeypatch):
    content = xlsx_bytes()
    monkeypatch.setattr(zipfile.ZipFile, "read", lambda *a, **k: pytest.fail("expanded"))
    archive = inspect_zip(io.BytesIO(content), name="学校.xlsx")
    assert "xl/workbook.xml" in archive.namelist()


def test_too_many_members(settings):
    limits(settings, members=3)
    content = zip_bytes({f"{n}.xml": b"<a/>" for n in range(4)})
    assert refusal(content) == "“上传.zip”包含 4 个文件，最多接受 3 个，已拒绝。"
    inspect_zip(io.BytesIO(zip_bytes({f"{n}.xml": b"<a/>" for n in range(3)})), name="x")


def test_too_many_members_is_refused_before_the_directory_is_parsed(settings, monkeypatch):
    limits(settings, members=3)
    content = zip_bytes({f"{n}.xml": b"<a/>" for n in range(4)})
    monkeypatch.setattr(zipfile.ZipFile, "_RealGetContents", lambda self: pytest.fail("parsed"))
    assert refusal(content) == "“上传.zip”包含 4 个文件，最多接受 3 个，已拒绝。"


def test_a_directory_larger_than_its_claimed_count_is_refused_before_it_is_parsed(
    settings, monkeypatch
):
    """The member count in the end record is the archive's own claim: a zip that says "1
    member" but carries a huge directory is refused on the directory's size."""
    limits(settings, members=3)
    content = bytearray(zip_bytes({f"{n:0200d}.xml": b"<a/>" for n in range(20)}))
    end = content.rfind(b"PK\x05\x06")
    content[end + 8 : end + 12] = (1).to_bytes(2, "little") * 2  # "1 member" on this disk, total
    monkeypatch.setattr(zipfile.ZipFile, "_RealGetContents", lambda self: pytest.fail("parsed"))
    message = refusal(bytes(content))
    assert message.startswith("“上传.zip”中的文件目录过大（")
    assert message.endswith("字节），与最多 3 个文件不符，不像正常的文件，已拒绝。")


def test_a_member_larger_than_allowed(settings):
    limits(settings, member_bytes=MIB, ratio=10_000)
    content = zip_bytes({"a.bin": b"\0" * (MIB + 1)})
    assert refusal(content) == "“上传.zip”中的“a.bin”解压后为 1.0 MB，每个文件最多 1.0 MB，已拒绝。"


def test_members_larger_than_allowed_together(settings):
    limits(settings, total_bytes=3 * MIB, ratio=10_000)
    assert refusal(zeros_zip(members=4, member_bytes=MIB, name="{n}.bin")) == (
        "“上传.zip”解压后总大小超过 3.0 MB，已拒绝。"
    )
    inspect_zip(io.BytesIO(zeros_zip(members=3, member_bytes=MIB, name="{n}.bin")), name="x")


def test_a_member_compressed_like_a_bomb():
    content = zeros_zip(members=1, member_bytes=2 * MIB, name="sheet.xml")
    info = zipfile.ZipFile(io.BytesIO(content)).getinfo("sheet.xml")
    ratio = info.file_size // info.compress_size
    assert ratio > 200
    assert refusal(content) == (
        f"“上传.zip”中的“sheet.xml”压缩比达 {ratio} 倍（上限 200 倍），疑似“压缩炸弹”，已拒绝。"
    )


def test_a_small_member_may_compress_well():
    """Below the grace size a high ratio is normal (styles, empty sheets) and harmless."""
    inspect_zip(io.BytesIO(zip_bytes({"styles.xml": b"\0" * (MIB // 2)})), name="x")


@pytest.mark.parametrize(
    "member", ["../../etc/passwd", "/etc/passwd", "a/../../b.xlsx", "..\\..\\b.xlsx", "C:/b.xlsx"]
)
def test_a_member_name_that_climbs_out_is_refused(member):
    assert refusal(zip_bytes({member: b"x"})) == (
        f"“上传.zip”中有文件名不安全的文件（{member}），已拒绝。"
    )


def test_a_zip_inside_a_zip_of_workbooks_is_refused():
    content = zip_bytes({"内层.zip": zip_bytes({"a.xlsx": xlsx_bytes()})})
    assert refusal(content, kind="bundle", allow_nested=False) == (
        "“上传.zip”中还有压缩包（内层.zip）。请把工作簿本身直接放进一个 zip 压缩包。"
    )


def test_damaged_zip_is_bad_zip_not_refusal():
    with pytest.raises(zipfile.BadZipFile):
        inspect_zip(io.BytesIO(b"PK\x03\x04broken"), name="x")


def docx_bytes() -> bytes:
    buf = io.BytesIO()
    Document().save(buf)
    return buf.getvalue()


def test_real_office_documents_are_told_by_their_package():
    assert office_kind(io.BytesIO(docx_bytes()), name="a.docx") == "docx"
    assert office_kind(io.BytesIO(xlsx_bytes()), name="a.xlsx") == "xlsx"


def _parts(document: bytes) -> dict[str, bytes]:
    z = zipfile.ZipFile(io.BytesIO(document))
    return {i.filename: z.read(i) for i in z.infolist()}


def _without(document: bytes, part: str) -> bytes:
    return zip_bytes({k: v for k, v in _parts(document).items() if k != part})


def _replaced(document: bytes, part: str, old: bytes, new: bytes) -> bytes:
    members = _parts(document)
    members[part] = members[part].replace(old, new)
    return zip_bytes(members)


FAKES = {
    # a plain zip renamed .docx
    "renamed_zip": lambda: zip_bytes({"payload.sh": b"#!/bin/sh\n"}),
    # the member names of a document and nothing behind them
    "names_only": lambda: zip_bytes(
        {"[Content_Types].xml": b"", "_rels/.rels": b"", "word/document.xml": b""}
    ),
    "no_relationships": lambda: _without(docx_bytes(), "_rels/.rels"),
    "no_main_part": lambda: _without(docx_bytes(), "word/document.xml"),
    "content_types_not_xml": lambda: _replaced(
        docx_bytes(), "[Content_Types].xml", b"<Types", b"<Types <<"
    ),
    "main_part_declared_as_something_else": lambda: _replaced(
        docx_bytes(),
        "[Content_Types].xml",
        b"wordprocessingml.document.main+xml",
        b"wordprocessingml.template.main+xml",
    ),
    "a_dtd_in_the_content_types": lambda: _replaced(
        docx_bytes(), "[Content_Types].xml", b"<Types", b'<!DOCTYPE t [<!ENTITY a "b">]><Types'
    ),
}


@pytest.mark.parametrize("fake", FAKES)
def test_a_zip_that_only_looks_like_a_document_is_not_one(fake):
    assert office_kind(io.BytesIO(FAKES[fake]()), name="报告.docx") is None


def test_a_document_over_the_limits_is_refused_before_its_package_is_read():
    with pytest.raises(ArchiveRefused):
        office_kind(io.BytesIO(inflated(docx_bytes(), "word/media/image1.png")), name="报告.docx")
    with pytest.raises(ArchiveRefused):
        office_kind(io.BytesIO(xlsx_bomb()), name="表.xlsx")


def test_limits_come_from_settings_key_by_key(settings):
    settings.SAFECAMPUS_ZIP_LIMITS = {"bundle": {"members": 5}}
    assert archives.limits("bundle").members == 5
    assert (
        archives.limits("bundle").member_bytes == archives.DEFAULT_LIMITS["bundle"]["member_bytes"]
    )


# --- the one cell writer ------------------------------------------------------------------------


def _save(wb) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@pytest.mark.parametrize("write_only", [False, True], ids=["normal", "write_only"])
def test_user_text_is_written_as_text_numbers_and_dates_as_themselves(write_only):
    wb = Workbook(write_only=write_only)
    ws = wb.create_sheet("表")
    day = datetime.date(2026, 3, 20)
    append_row(ws, [*FORMULA_TEXTS, 42, 3.5, day, None, "普通文字"])
    content = _save(wb)
    cells = assert_text_not_formula(content)
    by_value = {c.value: c for c in cells}
    assert all(by_value[t].quotePrefix for t in FORMULA_TEXTS)
    assert not by_value["普通文字"].quotePrefix
    assert (by_value[42].data_type, by_value[3.5].data_type) == ("n", "n")
    dates = [c for c in cells if c.is_date]
    assert [c.value.date() for c in dates] == [day]


def test_write_cell_and_table_sheets_and_the_streamed_workbook():
    wb = Workbook()
    write_cell(wb.active, 1, 1, "=1+1")
    add_table_sheet(wb, "表", ["+SUM(A1)", "数"], [["-2+3", 7], ["@cmd", 8], ["\t=x", 9]])
    write_cell(wb.active, 2, 1, "\r=x")
    assert_text_not_formula(_save(wb))
    buf = io.BytesIO()
    write_workbook(
        buf,
        title="清单",
        columns=[Column("=1+1"), Column("数")],
        rows=[[t, 1] for t in FORMULA_TEXTS[1:]],
    )
    cells = assert_text_not_formula(buf.getvalue())
    ws = cells[0].parent
    assert (ws.page_setup.paperSize, ws.print_title_rows) == (9, "$5:$5")
