"""Backup of a whole installation: database, uploaded files and secret key, in one archive.

Order: the database snapshot is taken first, then the files are copied. Files are only ever
added (evidence, form answer files, spot-check photos, thumbnails, job inputs and outputs,
campaign archives are stored under new names and never rewritten or deleted), so every file a
row of the snapshot names already exists when the files are copied; files added after the
snapshot are copied too and are simply not referenced yet. A referenced file that is absent
anyway (lost before the backup) is listed in the manifest and fails the backup loudly.
"""

from __future__ import annotations

import datetime
import io
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.db import connections

from . import archive, database
from .archive import BackupError

Progress = Callable[[str], object]
ARCHIVE_PREFIX = "safecampus-"
ARCHIVE_SUFFIX = ".tar.gz"


def _quiet(_message: str) -> None:
    return None


# --- what is where --------------------------------------------------------------------------


def storage_files(storage: Storage, top: str = "") -> list[str]:
    """Every file name in ``storage`` (recursively), sorted."""
    try:
        dirs, files = storage.listdir(top)
    except FileNotFoundError:
        return []
    names = [f"{top}/{f}" if top else f for f in files]
    for d in dirs:
        names.extend(storage_files(storage, f"{top}/{d}" if top else d))
    return sorted(names)


def _storage_kind(storage: Storage) -> str:
    return type(storage).__name__


def _product() -> dict:
    info: dict = {}
    try:
        with open(Path(settings.BASE_DIR) / "pyproject.toml", "rb") as fh:
            info["version"] = tomllib.load(fh)["project"]["version"]
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        pass
    try:
        run = subprocess.run(
            ["git", "-C", str(settings.BASE_DIR), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
        )
        if run.returncode == 0:
            info["commit"] = run.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        pass
    return info


def _secret_key_file() -> Path:
    return Path(settings.VAR_DIR) / "secret_key"


# --- backup ---------------------------------------------------------------------------------


@dataclass
class BackupResult:
    path: Path
    size: int
    sha256: str
    vendor: str
    rows: int
    tables: int
    files: int
    file_bytes: int
    references: int
    missing: list[dict]
    seconds: dict[str, float] = field(default_factory=dict)


def _tarinfo(name: str, size: int, mtime: float) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = size, int(mtime), 0o600
    return info


def backup_create(
    *,
    output_dir: Path,
    include_secret_key: bool = True,
    keep: int | None = None,
    now: datetime.datetime | None = None,
    progress: Progress = _quiet,
) -> BackupResult:
    """Write one archive of the database, the uploaded files and the secret key into
    ``output_dir``; safe while the product serves. ``keep`` removes all but the newest ``keep``
    archives of the directory afterwards."""
    now = now or datetime.datetime.now(datetime.UTC)
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    conn = connections["default"]
    vendor = conn.vendor
    if vendor not in ("sqlite", "postgresql"):
        raise BackupError(f"backups of {vendor} databases are not supported")
    storage = storages["default"]
    if isinstance(storage, FileSystemStorage) and output_dir.resolve().is_relative_to(
        Path(storage.location).resolve()
    ):
        raise BackupError(f"{output_dir} is inside the uploaded files: choose another --output")
    stamp = now.strftime("%Y%m%d-%H%M%S")
    final = output_dir / f"{ARCHIVE_PREFIX}{stamp}{ARCHIVE_SUFFIX}"
    if final.exists():
        raise BackupError(f"{final} exists already")
    partial = final.with_name(final.name + ".partial")
    seconds: dict[str, float] = {}
    staging = Path(tempfile.mkdtemp(prefix=".backup-", dir=output_dir))
    try:
        # 1. the database, first: every file a row of this snapshot names exists already
        started = time.monotonic()
        progress(f"database ({vendor}): taking a consistent snapshot …")
        if vendor == "sqlite":
            dump = staging / "safecampus.sqlite3"
            counts, refs, _digests, migrations = database.sqlite_snapshot(conn.settings_dict, dump)
        else:
            dump = staging / "safecampus.pgdump"
            counts, refs, _digests, migrations = database.pg_snapshot(conn.settings_dict, dump)
        seconds["database"] = time.monotonic() - started
        progress(
            f"database: {sum(counts.values())} rows in {len(counts)} tables, "
            f"{dump.stat().st_size / 1e6:.1f} MB, {seconds['database']:.1f} s"
        )

        # 2. the files, then the key and the manifest, into one archive
        started = time.monotonic()
        names = storage_files(storage)
        progress(f"files ({_storage_kind(storage)}): copying {len(names)} files …")
        files: dict[str, dict] = {}
        copied_bytes = 0
        last_report = time.monotonic()
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with (
            os.fdopen(fd, "wb") as raw,
            tarfile.open(
                fileobj=raw, mode="w:gz", compresslevel=6, format=tarfile.PAX_FORMAT
            ) as tar,
        ):
            member = archive.DATABASE_PREFIX + dump.name
            with open(dump, "rb") as fh:
                reader = archive.HashingReader(fh)
                tar.addfile(_tarinfo(member, dump.stat().st_size, now.timestamp()), reader)
            db_info = {
                "vendor": vendor,
                "member": member,
                "size": reader.size,
                "sha256": reader.hexdigest(),
                "tables": counts,
                "migrations": migrations,
            }
            for i, name in enumerate(names, start=1):
                try:
                    size = storage.size(name)
                    fh = storage.open(name, "rb")
                except FileNotFoundError:
                    continue  # never referenced by the snapshot (checked below)
                with fh:
                    reader = archive.HashingReader(fh)
                    info = _tarinfo(archive.MEDIA_PREFIX + name, size, now.timestamp())
                    tar.addfile(info, reader)
                files[name] = {"size": size, "sha256": reader.hexdigest()}
                copied_bytes += size
                if time.monotonic() - last_report > 2 or i == len(names):
                    progress(f"  files: {i}/{len(names)} ({copied_bytes / 1e6:.1f} MB)")
                    last_report = time.monotonic()
            key = _backup_secret_key(tar, include=include_secret_key, mtime=now.timestamp())
            missing = [
                {"field": col.label, "id": pk, "name": name}
                for col, pk, name in refs
                if name not in files
            ]
            manifest = {
                "format": archive.FORMAT,
                "format_version": archive.FORMAT_VERSION,
                "created_at": now.isoformat(),
                "product": _product(),
                "database": db_info,
                "storage": _storage_kind(storage),
                "files": files,
                "references": len(refs),
                "missing_files": missing,
                "secret_key": key,
            }
            raw_manifest = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
            tar.addfile(
                _tarinfo(archive.MANIFEST, len(raw_manifest), now.timestamp()),
                io.BytesIO(raw_manifest),
            )
        seconds["files"] = time.monotonic() - started
        with open(partial, "rb") as fh:
            digest = archive.sha256_stream(fh)
            os.fsync(fh.fileno())
        os.replace(partial, final)
        final.with_name(final.name + ".sha256").write_text(f"{digest}  {final.name}\n")
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        partial.unlink(missing_ok=True)
    if keep:
        _prune(output_dir, keep, progress)
    result = BackupResult(
        path=final,
        size=final.stat().st_size,
        sha256=digest,
        vendor=vendor,
        rows=sum(counts.values()),
        tables=len(counts),
        files=len(files),
        file_bytes=copied_bytes,
        references=len(refs),
        missing=missing,
        seconds=seconds,
    )
    return result


def _backup_secret_key(tar, *, include: bool, mtime: float) -> dict:
    if os.environ.get("SAFECAMPUS_SECRET_KEY"):
        return {"source": "environment", "included": False}
    path = _secret_key_file()
    if not include or not path.exists():
        return {"source": "file", "included": False}
    data = path.read_bytes()
    reader = archive.HashingReader(io.BytesIO(data))
    tar.addfile(_tarinfo(archive.SECRET_KEY, len(data), mtime), reader)
    return {"source": "file", "included": True, "size": len(data), "sha256": reader.hexdigest()}


def _prune(output_dir: Path, keep: int, progress: Progress) -> None:
    archives = sorted(output_dir.glob(f"{ARCHIVE_PREFIX}*{ARCHIVE_SUFFIX}"))
    for old in archives[:-keep]:
        old.unlink()
        old.with_name(old.name + ".sha256").unlink(missing_ok=True)
        progress(f"removed old backup {old.name}")
