"""The backup archive: a tar.gz of ``database/<dump>``, ``media/<storage name>``, an optional
``secret_key`` and, last, ``manifest.json`` with the sha256 of every other member.

An archive is read as untrusted input, with the same care as an uploaded zip: before anything
is extracted, every member is checked (a regular file, a plain relative name under one of the
known prefixes, no duplicates, sizes within limits and within the free disk space) and hashed,
and the hashes are compared with the manifest. Extraction streams each member again and checks
its hash once more, so an archive changed between the two reads is caught too.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tarfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import IO

MANIFEST = "manifest.json"
SECRET_KEY = "secret_key"
DATABASE_PREFIX = "database/"
MEDIA_PREFIX = "media/"
FORMAT = "safecampus-backup"
FORMAT_VERSION = 1

#: limits on what an archive may ask us to write
MAX_MEMBERS = 5_000_000
MAX_MANIFEST_BYTES = 512 * 1024 * 1024
MAX_SECRET_KEY_BYTES = 4096
MAX_NAME_CHARS = 400
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup, restore or verification that cannot go on; the message says why."""


class VerificationFailed(BackupError):
    """The archive or the restored data does not match its manifest; ``problems`` lists how."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        shown = problems[:20]
        more = f"\n… and {len(problems) - len(shown)} more" if len(problems) > len(shown) else ""
        super().__init__(
            f"verification failed ({len(problems)} problem(s)):\n  " + "\n  ".join(shown) + more
        )


def sha256_stream(fileobj: IO[bytes], *, sink: Callable[[bytes], object] | None = None) -> str:
    """The sha256 of everything left in ``fileobj``, passing each chunk to ``sink`` as well."""
    digest = hashlib.sha256()
    while chunk := fileobj.read(CHUNK):
        digest.update(chunk)
        if sink is not None:
            sink(chunk)
    return digest.hexdigest()


class HashingReader:
    """Wraps a file so that what ``tarfile.addfile`` reads is hashed on the way."""

    def __init__(self, fileobj: IO[bytes]):
        self._f = fileobj
        self._digest = hashlib.sha256()
        self.size = 0

    def read(self, n: int = -1) -> bytes:
        data = self._f.read(n)
        self._digest.update(data)
        self.size += len(data)
        return data

    def hexdigest(self) -> str:
        return self._digest.hexdigest()


def safe_member_name(name: str) -> str | None:
    """``name`` when it is a plain relative path under a known prefix, else None."""
    if not name or len(name) > MAX_NAME_CHARS or "\\" in name or "\x00" in name:
        return None
    path = PurePosixPath(name)
    if path.is_absolute() or str(path) != name:
        return None
    if any(part in ("", ".", "..") for part in path.parts):
        return None
    if name in (MANIFEST, SECRET_KEY):
        return name
    if name.startswith(DATABASE_PREFIX) and len(path.parts) == 2:
        return name
    if name.startswith(MEDIA_PREFIX) and len(path.parts) >= 2:
        return name
    return None


@dataclass
class Scan:
    """What a full read of an archive found: every member's size and sha256, and the manifest."""

    manifest: dict
    members: dict[str, tuple[int, str]] = field(default_factory=dict)

    @property
    def total_bytes(self) -> int:
        return sum(size for size, _sha in self.members.values())


def _open(path) -> tarfile.TarFile:
    try:
        return tarfile.open(path, mode="r|gz")
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise BackupError(f"{path}: not a readable backup archive (tar.gz): {exc}") from exc


def _checked_members(tar: tarfile.TarFile, *, free_bytes: int | None) -> Iterator:
    seen: set[str] = set()
    total = 0
    try:
        for count, member in enumerate(tar, start=1):
            if count > MAX_MEMBERS:
                raise BackupError(f"more than {MAX_MEMBERS} members: refused")
            name = safe_member_name(member.name)
            if name is None:
                raise BackupError(f"unsafe member name refused: {member.name!r}")
            if not member.isreg():
                raise BackupError(f"{name}: not a regular file (link or device refused)")
            if name in seen:
                raise BackupError(f"{name}: appears twice in the archive")
            seen.add(name)
            if name == MANIFEST and member.size > MAX_MANIFEST_BYTES:
                raise BackupError(f"{name}: {member.size} bytes is over the limit")
            if name == SECRET_KEY and member.size > MAX_SECRET_KEY_BYTES:
                raise BackupError(f"{name}: {member.size} bytes is over the limit")
            total += member.size
            if free_bytes is not None and total > free_bytes:
                raise BackupError(
                    f"the archive unpacks to more than the {free_bytes} bytes free at the "
                    "destination: refused"
                )
            yield name, member
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise BackupError(f"the archive is damaged: {exc}") from exc


def scan(path, *, free_bytes: int | None = None, keep_database=None, progress=None) -> Scan:
    """Read the whole archive once: check every member and hash it; parse the manifest; compare.
    With ``keep_database`` (a directory), the database dump is also written there, as
    ``keep_database / <its file name>``.

    Raises BackupError for an unsafe or unreadable archive and VerificationFailed when the
    members differ from the manifest (a changed, missing or extra file)."""
    members: dict[str, tuple[int, str]] = {}
    manifest_raw = None
    done = 0
    with _open(path) as tar:
        for name, member in _checked_members(tar, free_bytes=free_bytes):
            fh = tar.extractfile(member)
            if name == MANIFEST:
                manifest_raw = fh.read()
                continue
            if keep_database is not None and name.startswith(DATABASE_PREFIX):
                if member.size > shutil.disk_usage(keep_database).free:
                    raise BackupError(f"{name}: {member.size} bytes do not fit in {keep_database}")
                with open(keep_database / PurePosixPath(name).name, "wb") as out:
                    members[name] = (member.size, sha256_stream(fh, sink=out.write))
            else:
                members[name] = (member.size, sha256_stream(fh))
            done += member.size
            if progress and len(members) % 500 == 0:
                progress(f"  checked {len(members)} members ({done / 1e6:.1f} MB)")
    if manifest_raw is None:
        raise BackupError(f"{path}: no {MANIFEST} in the archive (not a SafeCampus backup)")
    try:
        manifest = json.loads(manifest_raw)
    except ValueError as exc:
        raise BackupError(f"{MANIFEST} is not valid JSON: {exc}") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{path}: not a SafeCampus backup (unknown manifest format)")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(
            f"backup format version {manifest.get('format_version')} is not supported "
            f"(this version reads {FORMAT_VERSION})"
        )
    result = Scan(manifest=manifest, members=members)
    problems = compare(result)
    if problems:
        raise VerificationFailed(problems)
    return result


def expected_members(manifest: dict) -> dict[str, tuple[int, str]]:
    """Every member the manifest promises, with its size and sha256."""
    expected = {}
    db = manifest.get("database") or {}
    if db.get("member"):
        expected[db["member"]] = (db.get("size"), db.get("sha256"))
    for name, info in (manifest.get("files") or {}).items():
        expected[MEDIA_PREFIX + name] = (info.get("size"), info.get("sha256"))
    key = manifest.get("secret_key") or {}
    if key.get("included"):
        expected[SECRET_KEY] = (key.get("size"), key.get("sha256"))
    return expected


def compare(found: Scan) -> list[str]:
    """How the archive's members differ from its manifest (empty when they agree)."""
    problems = []
    expected = expected_members(found.manifest)
    for name, (size, sha) in sorted(expected.items()):
        if name not in found.members:
            problems.append(f"{name}: listed in the manifest but missing from the archive")
        elif found.members[name][1] != sha:
            problems.append(
                f"{name}: sha256 {found.members[name][1][:12]}… differs from the manifest's "
                f"{str(sha)[:12]}… (the file was changed or damaged)"
            )
        elif found.members[name][0] != size:
            problems.append(f"{name}: {found.members[name][0]} bytes, the manifest says {size}")
    for name in sorted(set(found.members) - set(expected)):
        problems.append(f"{name}: in the archive but not in the manifest")
    return problems


def extract(path, expected: dict[str, tuple[int, str]], handle: Callable, *, free_bytes=None):
    """Stream the archive again and call ``handle(name, fileobj, size, sha256)`` for each
    member other than the manifest. ``fileobj`` is read by the handler; the hash of what it read
    is then checked against ``expected`` (the scanned and verified values)."""
    with _open(path) as tar:
        for name, member in _checked_members(tar, free_bytes=free_bytes):
            if name == MANIFEST:
                continue
            if name not in expected:
                raise BackupError(f"{name}: not in the manifest (the archive changed)")
            reader = HashingReader(tar.extractfile(member))
            handle(name, reader, expected[name][0], expected[name][1])
            reader.read()  # anything the handler left unread still counts
            if reader.hexdigest() != expected[name][1]:
                raise BackupError(f"{name}: the archive changed while it was being restored")
