"""Zip files checked before anything in them is expanded, and Office documents told by content.

Every zip the product reads goes through :func:`inspect_zip` first: an .xlsx workbook, a zip of
workbooks, a .docx/.xlsx/.pptx uploaded as evidence. It reads only the central directory (the
list of members with their declared sizes) and refuses, with a message a user understands:

- more members than allowed;
- a member name that climbs out of its folder (``../``, an absolute path, a drive letter);
- an encrypted member;
- a zip inside a zip where none is expected;
- a member larger than allowed once expanded, or all members together larger than allowed;
- a member compressed far more than real documents are (a "zip bomb"; checked for members
  above a grace size, as tiny parts of real files compress well too).

The declared sizes are binding: Python's zipfile never expands a member past the size in the
central directory (and fails on a CRC mismatch), so a zip that lies about them cannot expand
further than the check allowed. Limits are in ``settings.SAFECAMPUS_ZIP_LIMITS`` per kind.

:func:`office_kind` tells whether a zip really is a Word, Excel or PowerPoint document: its
``[Content_Types].xml`` parses and declares the main part with the content type of the kind, the
package relationships name that main part, and the part exists. Only those two small XML parts
are ever expanded (each below :data:`MAX_XML_PART`).
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from dataclasses import dataclass
from xml.etree import ElementTree

from django.conf import settings
from django.utils.translation import gettext as _

MIB = 1024 * 1024

#: defaults of ``settings.SAFECAMPUS_ZIP_LIMITS``; a setting overrides single keys of a kind
DEFAULT_LIMITS: dict[str, dict[str, int]] = {
    # one Office document: a school or catalog workbook, a filled form, a .docx/.pptx as evidence
    "office": {
        "members": 1000,
        "member_bytes": 64 * MIB,
        "total_bytes": 256 * MIB,
        "ratio": 200,
        "ratio_grace_bytes": 1 * MIB,
    },
    # a zip of filled form workbooks (one per school); each workbook is then checked as "office"
    "bundle": {
        "members": 2000,
        "member_bytes": 20 * MIB,
        "total_bytes": 512 * MIB,
        "ratio": 200,
        "ratio_grace_bytes": 1 * MIB,
    },
}

#: the largest ``[Content_Types].xml`` or ``_rels/.rels`` :func:`office_kind` expands
MAX_XML_PART = 1 * MIB

_NESTED = (".zip", ".rar", ".7z", ".gz", ".tgz", ".bz2", ".xz", ".tar", ".jar")
_DRIVE = re.compile(r"^[A-Za-z]:")

CT_NS = "{http://schemas.openxmlformats.org/package/2006/content-types}"
REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
OFFICE_DOCUMENT_RELS = {
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument",
    "http://purl.oclc.org/ooxml/officeDocument/relationships/officeDocument",
}
#: extension → content type of the package's main part
MAIN_CONTENT_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
}


class ArchiveRefused(Exception):
    """A zip refused before expansion (over the limits, unsafe names); ``message`` says why."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Limits:
    members: int
    member_bytes: int
    total_bytes: int
    ratio: int
    ratio_grace_bytes: int


def limits(kind: str) -> Limits:
    configured = getattr(settings, "SAFECAMPUS_ZIP_LIMITS", {}) or {}
    return Limits(**{**DEFAULT_LIMITS[kind], **configured.get(kind, {})})


def _mb(n: int) -> str:
    return f"{n / MIB:.1f} MB" if n < 10 * MIB else f"{n / MIB:.0f} MB"


def unsafe_name(name: str) -> bool:
    """A member name that would leave its folder if it were ever written to disk."""
    if not name or "\x00" in name:
        return True
    parts = name.replace("\\", "/")
    if parts.startswith("/") or _DRIVE.match(parts):
        return True
    return ".." in parts.split("/")


def is_zip(fileobj) -> bool:
    """Whether the file starts like a zip (also .xlsx/.docx/.pptx); leaves it at the start."""
    fileobj.seek(0)
    head = fileobj.read(4)
    fileobj.seek(0)
    return head.startswith(b"PK")


def inspect_zip(
    fileobj, *, name: str, kind: str = "office", allow_nested: bool = True
) -> zipfile.ZipFile:
    """Open ``fileobj`` as a zip and check its central directory against the limits of ``kind``;
    nothing is expanded. Returns the open ZipFile.

    Raises :class:`ArchiveRefused` with the reason, or ``zipfile.BadZipFile`` for a file that is
    not a readable zip (the caller says "damaged" in its own words).
    """
    lim = limits(kind)
    # the member count first, from the end record: parsing a directory of a million members
    # would itself take the memory the check is there to protect
    fileobj.seek(0)
    try:
        end = zipfile._EndRecData(fileobj)
    except (OSError, ValueError, EOFError):
        end = None
    if end and end[zipfile._ECD_ENTRIES_TOTAL] > lim.members:
        raise ArchiveRefused(_too_many(name, end[zipfile._ECD_ENTRIES_TOTAL], lim))
    # The count above is the archive's own claim. zipfile parses exactly the directory's
    # declared size, so bounding that size bounds the entries (and the memory) it can hold,
    # whatever the count says: an entry takes at least 46 bytes, a name at most ~1 KB here.
    if end and end[zipfile._ECD_SIZE] > lim.members * 1024:
        raise ArchiveRefused(
            _(
                "The list of files inside %(name)s is too large (%(size)s bytes) for the "
                "%(limit)s files accepted; it does not look like a real file."
            )
            % {"name": name, "size": end[zipfile._ECD_SIZE], "limit": lim.members}
        )
    fileobj.seek(0)
    try:
        archive = zipfile.ZipFile(fileobj)
    except (OSError, ValueError, EOFError) as exc:
        raise zipfile.BadZipFile(str(exc)) from exc
    try:
        _check(archive.infolist(), name=name, lim=lim, allow_nested=allow_nested)
    except ArchiveRefused:
        archive.close()
        raise
    return archive


def _too_many(name: str, n: int, lim: Limits) -> str:
    return _("%(name)s holds %(n)s files; at most %(limit)s are accepted.") % {
        "name": name,
        "n": n,
        "limit": lim.members,
    }


def _check(members: list[zipfile.ZipInfo], *, name: str, lim: Limits, allow_nested: bool) -> None:
    if len(members) > lim.members:
        raise ArchiveRefused(_too_many(name, len(members), lim))
    total = 0
    for m in members:
        member = m.filename
        if unsafe_name(member):
            raise ArchiveRefused(
                _("%(name)s holds a file with an unsafe name (%(member)s) and is refused.")
                % {"name": name, "member": member[:100]}
            )
        if m.flag_bits & 0x1:
            raise ArchiveRefused(
                _("%(name)s holds an encrypted file (%(member)s). Remove the password and retry.")
                % {"name": name, "member": member[:100]}
            )
        if not allow_nested and member.lower().endswith(_NESTED):
            raise ArchiveRefused(
                _(
                    "%(name)s holds another compressed file (%(member)s). "
                    "Put the workbooks themselves into one zip."
                )
                % {"name": name, "member": member[:100]}
            )
        if m.file_size > lim.member_bytes:
            raise ArchiveRefused(
                _(
                    "%(member)s in %(name)s expands to %(size)s; at most %(limit)s per file "
                    "are accepted."
                )
                % {
                    "member": member[:100],
                    "name": name,
                    "size": _mb(m.file_size),
                    "limit": _mb(lim.member_bytes),
                }
            )
        if m.file_size > lim.ratio_grace_bytes and m.file_size > lim.ratio * max(
            m.compress_size, 1
        ):
            raise ArchiveRefused(
                _(
                    "%(member)s in %(name)s is compressed %(ratio)s times (at most %(limit)s): "
                    "it looks like a zip bomb and is refused."
                )
                % {
                    "member": member[:100],
                    "name": name,
                    "ratio": m.file_size // max(m.compress_size, 1),
                    "limit": lim.ratio,
                }
            )
        total += m.file_size
        if total > lim.total_bytes:
            raise ArchiveRefused(
                _("%(name)s expands to more than %(limit)s in all and is refused.")
                % {"name": name, "limit": _mb(lim.total_bytes)}
            )


def _xml_part(archive: zipfile.ZipFile, names: dict[str, zipfile.ZipInfo], part: str):
    info = names.get(part.lower())
    if info is None or info.file_size > MAX_XML_PART:
        return None
    data = archive.read(info)
    if b"<!DOCTYPE" in data.upper() or b"<!ENTITY" in data.upper():
        return None  # a DTD has no place in these parts (entity expansion)
    try:
        return ElementTree.fromstring(data)
    except ElementTree.ParseError:
        return None


def office_kind(fileobj, *, name: str) -> str | None:
    """``"docx"``, ``"xlsx"`` or ``"pptx"`` when ``fileobj`` really is such a document, else
    None. Checks the limits first (raises :class:`ArchiveRefused`); never raises BadZipFile."""
    try:
        archive = inspect_zip(fileobj, name=name, kind="office")
    except zipfile.BadZipFile:
        return None
    try:
        return _package_kind(archive)
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, ValueError):
        return None
    finally:
        archive.close()
        fileobj.seek(0)


def _package_kind(archive: zipfile.ZipFile) -> str | None:
    names = {m.filename.lower(): m for m in archive.infolist()}
    types = _xml_part(archive, names, "[Content_Types].xml")
    rels = _xml_part(archive, names, "_rels/.rels")
    if types is None or rels is None or types.tag != f"{CT_NS}Types":
        return None
    main = [
        r.get("Target", "")
        for r in rels.iter(f"{REL_NS}Relationship")
        if r.get("Type") in OFFICE_DOCUMENT_RELS and r.get("TargetMode") != "External"
    ]
    if len(main) != 1:
        return None
    part = posixpath.normpath("/" + main[0].lstrip("/"))
    if part.lstrip("/").lower() not in names:
        return None
    overrides = {
        (o.get("PartName") or "").lower(): o.get("ContentType")
        for o in types.iter(f"{CT_NS}Override")
    }
    defaults = {
        (d.get("Extension") or "").lower(): d.get("ContentType")
        for d in types.iter(f"{CT_NS}Default")
    }
    content_type = overrides.get(part.lower()) or defaults.get(part.rsplit(".", 1)[-1].lower())
    for ext, main_type in MAIN_CONTENT_TYPES.items():
        if content_type == main_type:
            return ext
    return None
