"""Office documents as evidence: over the limits of a zip they are refused before anything is
expanded; accepted only when their package really is a Word, Excel or PowerPoint document."""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from docx import Document

from safecampus.core.roles import Role
from safecampus.core.testing_excel import inflated, xlsx_bomb, xlsx_bytes, zip_bytes
from safecampus.hazards import services
from safecampus.hazards.choices import Action
from safecampus.hazards.models import Hazard, HazardEvidence
from safecampus.hazards.testing import jpeg_upload

from .helpers import state, temporary_media

URL = "/api/v1/hazards/"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    temporary_media(settings, tmp_path)
    return tmp_path


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


def stored_files(root) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def docx() -> bytes:
    buf = io.BytesIO()
    doc = Document()
    doc.add_paragraph("整改报告")
    doc.save(buf)
    return buf.getvalue()


def docx_bomb() -> bytes:
    return inflated(docx(), "word/media/image1.png")


def bomb_message(name: str, content: bytes, member: str) -> str:
    info = zipfile.ZipFile(io.BytesIO(content)).getinfo(member)
    return (
        f"“{name}”中的“{member}”压缩比达 {info.file_size // info.compress_size} 倍"
        "（上限 200 倍），疑似“压缩炸弹”，已拒绝。"
    )


def add(reg, hazard, *files):
    return services.hazard_act(
        actor=reg.users[Role.SCHOOL_OFFICER],
        hazard_id=hazard.pk,
        action=Action.ADD_EVIDENCE,
        version=hazard.version,
        files=list(files),
    )


@pytest.mark.parametrize(
    ("name", "make", "member"),
    [
        ("整改报告.docx", docx_bomb, "word/media/image1.png"),
        ("台账.xlsx", xlsx_bomb, "xl/worksheets/sheet1.xml"),
    ],
    ids=["docx", "xlsx"],
)
def test_a_zip_bomb_posing_as_a_document_is_refused_with_the_reason(reg, media, name, make, member):
    hazard = reg.make()
    before = state(hazard)
    content = make()
    assert len(content) < 64_000  # small on disk, 2 MiB more once expanded
    with pytest.raises(ValidationError) as exc:
        add(reg, hazard, jpeg_upload(), SimpleUploadedFile(name, content))
    assert exc.value.code == "evidence_invalid"
    assert exc.value.messages == [bomb_message(name, content, member)]
    assert state(hazard) == before
    assert stored_files(media) == []


NOT_DOCUMENTS = {
    "renamed_zip": lambda: zip_bytes({"报告.txt": "整改完成".encode()}),
    "member_names_only": lambda: zip_bytes(
        {
            "[Content_Types].xml": b"<Types/>",
            "_rels/.rels": b"<Relationships/>",
            "word/document.xml": b"<w/>",
        }
    ),
    "xlsx_without_content_types": lambda: zip_bytes(
        {
            k: v
            for k, v in (
                (i.filename, zipfile.ZipFile(io.BytesIO(xlsx_bytes())).read(i))
                for i in zipfile.ZipFile(io.BytesIO(xlsx_bytes())).infolist()
            )
            if k != "[Content_Types].xml"
        }
    ),
}


@pytest.mark.parametrize("kind", NOT_DOCUMENTS)
def test_a_zip_that_only_looks_like_a_document_is_refused(reg, media, kind):
    hazard = reg.make()
    before = state(hazard)
    with pytest.raises(ValidationError) as exc:
        add(reg, hazard, SimpleUploadedFile("报告.docx", NOT_DOCUMENTS[kind]()))
    assert exc.value.code == "evidence_invalid"
    assert state(hazard) == before
    assert stored_files(media) == []


@pytest.mark.parametrize(
    ("make", "content_type"),
    [
        (docx, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        (xlsx_bytes, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ],
    ids=["docx", "xlsx"],
)
def test_a_real_document_is_accepted(reg, media, make, content_type):
    hazard = add(reg, reg.make(), SimpleUploadedFile("整改材料", make()))
    assert hazard.evidence.get().content_type == content_type


def test_the_api_answers_a_zip_bomb_with_400_json_and_saves_nothing(reg, client_for):
    content = docx_bomb()
    data = {
        "school": reg.school_a.pk,
        "item": reg.item.pk,
        "remedy_type": "deadline",
        "description": "配电箱未上锁",
        "responsible_person": "李老师",
        "files": [jpeg_upload("现场.jpg"), SimpleUploadedFile("整改报告.docx", content)],
    }
    response = client_for(reg.users[Role.SCHOOL_OFFICER]).post(URL, data)
    assert response.status_code == 400
    message = bomb_message("整改报告.docx", content, "word/media/image1.png")
    assert response.json() == {
        "code": "evidence_invalid",
        "message": message,
        "errors": {"files": [message]},
    }
    assert (Hazard.objects.count(), HazardEvidence.objects.count()) == (0, 0)


def test_the_report_page_shows_the_reason_on_the_files_field(reg, client_for, media):
    content = docx_bomb()
    response = client_for(reg.users[Role.SCHOOL_OFFICER]).post(
        reverse("hazards:hazard_create"),
        {
            "school": reg.school_a.pk,
            "item": reg.item.pk,
            "description": "灭火器过期",
            "location": "一楼走廊",
            "source": "self_inspection",
            "found_on": "2026-01-05",
            "remedy_type": "deadline",
            "level": "general",
            "responsible_person": "王老师",
            "files": [jpeg_upload(), SimpleUploadedFile("整改报告.docx", content)],
        },
    )
    assert response.status_code == 200
    message = bomb_message("整改报告.docx", content, "word/media/image1.png")
    assert response.context["form"].errors["files"] == [message]
    assert (Hazard.objects.count(), HazardEvidence.objects.count()) == (0, 0)
    assert stored_files(media) == []
