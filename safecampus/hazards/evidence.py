"""Evidence files: recognised by their content, never by their name; thumbnails for photos.

An Office document (.docx, .xlsx, .pptx) is a zip: it is checked against the limits of
``core.archives`` before anything in it is expanded, and accepted only if its package says it is
one (content types, relationships and main part), not merely because of its member names.
"""

from __future__ import annotations

import hashlib
import io
import uuid

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from safecampus.core.archives import ArchiveRefused, office_kind

MAX_EVIDENCE_BYTES = 20 * 1024 * 1024
THUMB_SIZE = (320, 320)
_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"mif1", b"msf1", b"heim", b"heis"}

#: what the upload field tells the phone's file picker to offer
ACCEPT = (
    "image/jpeg,image/png,image/webp,image/heic,image/heif,.heic,.heif,application/pdf,"
    ".doc,.docx,.xls,.xlsx,.ppt,.pptx"
)

#: content type → file extension we store it under
KINDS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "image/heic": "heic",
    "application/pdf": "pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "pptx",
    "application/x-ole-storage": "doc",
}


#: the kind ``core.archives.office_kind`` names → its content type
OFFICE_TYPES = {ext: ct for ct, ext in KINDS.items() if ext in ("docx", "xlsx", "pptx")}


def sniff(head: bytes, fileobj, *, name: str = "") -> str | None:
    """The content type of a file from its first bytes (and, for an Office document, its
    package). Raises ``ArchiveRefused`` for a zip over the limits."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        return "image/heic"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "application/x-ole-storage"  # .doc / .xls / .ppt of old Office and WPS
    if head.startswith(b"PK\x03\x04"):
        try:
            kind = office_kind(fileobj, name=name)
        finally:
            fileobj.seek(0)
        return OFFICE_TYPES.get(kind) if kind else None
    return None


def _open_image(fileobj, content_type: str) -> Image.Image:
    if content_type == "image/heic":
        import pillow_heif

        pillow_heif.register_heif_opener()
    fileobj.seek(0)
    return Image.open(fileobj)


def check_upload(upload) -> tuple[str, str, str]:
    """Validate an uploaded file; return (content type, extension, sha256 hex).

    Raises a ValidationError (code ``evidence_invalid`` or ``evidence_too_large``) naming the file.
    A file already checked by :func:`prepare_uploads` is not read again.
    """
    if (prepared := getattr(upload, _PREPARED, None)) is not None:
        return prepared.result()
    name = getattr(upload, "name", "") or _("file")
    if upload.size > MAX_EVIDENCE_BYTES:
        raise ValidationError(
            _("%(name)s is larger than 20 MB.") % {"name": name}, code="evidence_too_large"
        )
    upload.seek(0)
    head = upload.read(32)
    try:
        content_type = sniff(head, upload, name=name)
    except ArchiveRefused as refusal:
        raise ValidationError(refusal.message, code="evidence_invalid") from refusal
    if content_type is None:
        raise ValidationError(
            _(
                "%(name)s is not a photo (JPEG, PNG, WebP, HEIC), PDF or Office document. "
                "Files are checked by their content, not their name."
            )
            % {"name": name},
            code="evidence_invalid",
        )
    if content_type.startswith("image/"):
        try:
            img = _open_image(upload, content_type)
            img.verify()
        except (
            UnidentifiedImageError,
            Image.DecompressionBombError,
            OSError,
            SyntaxError,
            ValueError,
        ) as exc:
            raise ValidationError(
                _("%(name)s is not a readable image; it may be damaged.") % {"name": name},
                code="evidence_invalid",
            ) from exc
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in (
        upload.chunks() if hasattr(upload, "chunks") else iter(lambda: upload.read(65536), b"")
    ):
        digest.update(chunk)
    upload.seek(0)
    return content_type, KINDS[content_type], digest.hexdigest()


def thumbnail_of(upload, content_type: str) -> ContentFile | None:
    """A JPEG thumbnail of a photo, or None when none can be made (the original still counts)."""
    if (prepared := getattr(upload, _PREPARED, None)) is not None and prepared.checked:
        if prepared.thumbnail is None:
            return None
        return ContentFile(prepared.thumbnail, name=f"{uuid.uuid4().hex}-thumb.jpg")
    if not content_type.startswith("image/"):
        return None
    try:
        img = _open_image(upload, content_type)
        from PIL import ImageOps

        img = ImageOps.exif_transpose(img)
        img.thumbnail(THUMB_SIZE)
        out = io.BytesIO()
        img.convert("RGB").save(out, "JPEG", quality=80)
    except Exception:  # noqa: BLE001 - a thumbnail is a convenience; the upload is already valid
        return None
    finally:
        upload.seek(0)
    return ContentFile(out.getvalue(), name=f"{uuid.uuid4().hex}-thumb.jpg")


#: attribute of an upload that holds its :class:`Prepared` check
_PREPARED = "_safecampus_prepared"


class Prepared:
    """What checking a file found (its type and digest, or the refusal) and its thumbnail."""

    def __init__(self, *, checked=None, error: ValidationError | None = None, thumbnail=None):
        self.checked, self.error, self.thumbnail = checked, error, thumbnail

    def result(self) -> tuple[str, str, str]:
        if self.error is not None:
            raise ValidationError(self.error.messages[0], code=self.error.code)
        return self.checked


def prepare_uploads(files):
    """Check every file and make its thumbnail now, before any write transaction.

    Decoding a 3 MB photo, its digest and its thumbnail take tens of milliseconds of CPU each.
    Inside a transaction that time is spent holding SQLite's only write lock (and row locks on
    PostgreSQL), so every other writer queues behind it. The result is kept on the upload, and
    :func:`check_upload` and :func:`thumbnail_of` then answer from it without reading the file
    again. Returns ``files``."""
    for upload in files or ():
        if getattr(upload, _PREPARED, None) is not None:
            continue
        try:
            checked = check_upload(upload)
        except ValidationError as exc:
            setattr(upload, _PREPARED, Prepared(error=exc))
            continue
        thumb = thumbnail_of(upload, checked[0])
        setattr(
            upload,
            _PREPARED,
            Prepared(checked=checked, thumbnail=thumb.read() if thumb is not None else None),
        )
    return files


def checked_before_transaction(fn):
    """Decorate a service that takes ``files=`` and writes in one transaction: the files are
    checked (:func:`prepare_uploads`) before the transaction begins, and the rest of the
    service runs in it, as with ``transaction.atomic``."""
    import functools

    from django.db import transaction

    atomic = transaction.atomic(fn)

    @functools.wraps(fn)
    def service(*args, **kwargs):
        files = kwargs.get("files")
        if files:
            kwargs["files"] = prepare_uploads(list(files))
        return atomic(*args, **kwargs)

    return service


def stored_name(extension: str) -> str:
    """A random stored name: the original name never reaches the file system."""
    return f"{uuid.uuid4().hex}.{extension}"


def upload_problems(files) -> list[str]:
    """Every problem of every file, checked before anything is stored."""
    problems: list[str] = []
    for upload in files or ():
        try:
            check_upload(upload)
        except ValidationError as exc:
            problems.extend(exc.messages)
    return problems


def store_upload(evidence, upload, *, actor):
    """Fill an unsaved evidence row (any model with the evidence fields) from ``upload``: the
    content type and digest from the content, the file under a random name, a thumbnail for a
    photo. Saves and returns it."""
    content_type, ext, digest = check_upload(upload)
    evidence.original_name = (getattr(upload, "name", "") or "")[-200:]
    evidence.content_type = content_type
    evidence.size = upload.size
    evidence.sha256 = digest
    evidence.uploaded_by = actor
    evidence.file.save(stored_name(ext), upload, save=False)
    if thumb := thumbnail_of(upload, content_type):
        evidence.thumbnail.save(thumb.name, thumb, save=False)
    evidence.save()
    return evidence


def serve_stored(field, *, content_type: str, name: str, inline: bool):
    """The response for a stored evidence file, for a view that has checked the scope: the
    type we recognised (never sniffed by the browser), sandboxed, cached privately only."""
    from django.http import FileResponse, Http404

    try:
        fh = field.open("rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404 from exc
    response = FileResponse(fh, as_attachment=not inline, filename=name, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    return response


def serve_evidence(evidence, *, thumbnail: bool = False):
    """A photo or document (or its thumbnail) of any evidence model with ``file``,
    ``thumbnail``, ``content_type`` and ``original_name``."""
    if thumbnail:
        return serve_stored(
            evidence.thumbnail, content_type="image/jpeg", name="thumb.jpg", inline=True
        )
    inline = (
        evidence.content_type.startswith("image/") or evidence.content_type == "application/pdf"
    )
    return serve_stored(
        evidence.file,
        content_type=evidence.content_type,
        name=evidence.original_name,
        inline=inline,
    )
