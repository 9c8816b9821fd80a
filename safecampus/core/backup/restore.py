"""Verification of an archive, and its restore into a fresh installation (or, forced, over one).

Nothing is written before the whole archive has been read, checked against unsafe names and
sizes, and every member's sha256 compared with the manifest; after writing, the restored
database and storage are verified again: row counts, and every file a row names present with the
sha256 the backup recorded.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from django.core.files import File
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.db import connections

from . import archive, database
from .archive import BackupError, VerificationFailed
from .services import Progress, _quiet, _secret_key_file, storage_files

# --- verification ---------------------------------------------------------------------------


@dataclass
class VerifyResult:
    manifest: dict
    tables: int = 0
    rows: int = 0
    files: int = 0
    references: int = 0
    notes: list[str] = field(default_factory=list)


def _check_state(manifest: dict, counts, refs, digests, *, file_sha: Callable) -> list[str]:
    """How a database's state differs from the manifest: row counts, and every file a row names
    present with the sha256 recorded (``file_sha(name)`` gives the file's actual sha256 or None
    when it is absent)."""
    problems = []
    expected = manifest["database"]["tables"]
    for table in sorted(set(expected) | set(counts)):
        if expected.get(table) != counts.get(table):
            problems.append(
                f"table {table}: {counts.get(table, 'no table')} rows, the manifest says "
                f"{expected.get(table, 'no table')}"
            )
    files = manifest["files"]
    actual: dict[str, str | None] = {}
    for col, pk, name in refs:
        if name not in files:
            problems.append(f"{col.label} id={pk}: its file {name} is not in the backup")
            continue
        if name not in actual:
            actual[name] = file_sha(name)
        if actual[name] is None:
            problems.append(f"{col.label} id={pk}: its file {name} is missing")
        elif actual[name] != files[name]["sha256"]:
            problems.append(
                f"{col.label} id={pk}: its file {name} has sha256 {actual[name][:12]}…, "
                f"the backup recorded {files[name]['sha256'][:12]}…"
            )
    for label, pk, name, sha in digests:
        if name in files and files[name]["sha256"] != sha:
            problems.append(
                f"{label} id={pk}: {name} is not the file that was uploaded (its sha256 differs "
                "from the one recorded at upload)"
            )
    return problems


def _missing_problems(manifest: dict) -> list[str]:
    return [
        f"{m['field']} id={m['id']}: its file {m['name']} was already missing when the backup "
        "was taken"
        for m in manifest.get("missing_files") or []
    ]


def backup_verify(path: Path, *, progress: Progress = _quiet) -> VerifyResult:
    """Check an archive without restoring it: safe members whose sha256 match the manifest; for
    SQLite also the dump's integrity, its row counts and that every file it references is in
    the archive with the recorded sha256. Raises VerificationFailed with every problem found."""
    path = Path(path)
    with tempfile.TemporaryDirectory(prefix="sc-verify-") as tmp:
        progress(f"reading {path.name} …")
        found = archive.scan(path, keep_database=Path(tmp), progress=progress)
        manifest = found.manifest
        db = manifest["database"]
        dump = Path(tmp) / PurePosixPath(db["member"]).name
        result = VerifyResult(manifest=manifest, files=len(manifest["files"]))
        result.tables, result.rows = len(db["tables"]), sum(db["tables"].values())
        problems = _missing_problems(manifest)
        if db["vendor"] == "sqlite":
            counts, refs, digests, _migrations = database.sqlite_read(dump, integrity=True)
            files = manifest["files"]
            problems += _check_state(
                manifest, counts, refs, digests, file_sha=lambda n: files[n]["sha256"]
            )
            result.references = len(refs)
        else:
            database.pg_list(dump)
            result.references = manifest.get("references", 0)
            result.notes.append(
                "PostgreSQL dump readable; its row counts are compared when it is restored"
            )
    if problems:
        raise VerificationFailed(problems)
    return result


# --- restore --------------------------------------------------------------------------------


@dataclass
class RestoreTarget:
    vendor: str
    settings_dict: dict
    storage: Storage
    key_path: Path | None
    is_default: bool

    @property
    def sqlite_path(self) -> Path:
        return Path(self.settings_dict["NAME"])


def restore_target(*, var_dir: Path | None = None, database_url: str | None = None):
    """Where a restore writes: a fresh var directory (SQLite), a given PostgreSQL database, or
    the installation's own database and storage."""
    key_path = None if os.environ.get("SAFECAMPUS_SECRET_KEY") else _secret_key_file()
    if var_dir is not None:
        var_dir = Path(var_dir).resolve()
        return RestoreTarget(
            "sqlite",
            {"NAME": var_dir / "safecampus.sqlite3"},
            FileSystemStorage(location=var_dir / "media", base_url=None),
            var_dir / "secret_key",
            is_default=False,
        )
    if database_url:
        import dj_database_url

        parsed = dj_database_url.parse(database_url)
        if "postgresql" not in parsed["ENGINE"]:
            raise BackupError("--database-url must be a postgres:// URL")
        return RestoreTarget("postgresql", parsed, storages["default"], key_path, False)
    conn = connections["default"]
    return RestoreTarget(conn.vendor, conn.settings_dict, storages["default"], key_path, True)


@dataclass
class RestoreResult:
    manifest: dict
    rows: int
    tables: int
    files: int
    references: int
    seconds: dict[str, float]
    notes: list[str]


def _free_bytes(target: RestoreTarget) -> int | None:
    if not isinstance(target.storage, FileSystemStorage):
        return None
    where = Path(target.storage.location)
    while not where.exists():
        where = where.parent
    return shutil.disk_usage(where).free


def backup_restore(
    path: Path, *, target: RestoreTarget, force: bool = False, progress: Progress = _quiet
) -> RestoreResult:
    """Restore an archive into ``target``, then verify the result against the manifest.

    Refuses a target that holds data (a database with tables, any stored file) unless
    ``force``. Nothing is written before the whole archive has been checked."""
    path = Path(path)
    seconds: dict[str, float] = {}
    notes: list[str] = []
    name = str(target.settings_dict.get("NAME", ""))
    if target.vendor == "sqlite" and (name.startswith("file:") or name == ":memory:"):
        raise BackupError("cannot restore into an in-memory database; give --var DIR")
    # 1. refuse to overwrite live data
    if target.vendor == "sqlite":
        has_data = database.sqlite_has_data(target.sqlite_path)
        where = str(target.sqlite_path)
    elif target.vendor == "postgresql":
        has_data = database.pg_has_data(target.settings_dict)
        where = f"PostgreSQL database {name}"
    else:
        raise BackupError(f"cannot restore into a {target.vendor} database")
    stored = storage_files(target.storage)
    if not force and (has_data or stored):
        what = [where] if has_data else []
        if stored:
            what.append(f"{len(stored)} stored files")
        raise BackupError(
            "the target holds data already (" + ", ".join(what) + "): refused. Restore into a "
            "fresh SAFECAMPUS_VAR (or --var DIR) or an empty database, or stop the product and "
            "give --force to replace it."
        )
    # 2. check the whole archive before writing anything
    started = time.monotonic()
    work_parent = target.sqlite_path.parent if target.vendor == "sqlite" else None
    if work_parent is not None:
        work_parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".restore-", dir=work_parent) as tmp:
        tmp = Path(tmp)
        progress(f"checking {path.name} …")
        found = archive.scan(path, free_bytes=_free_bytes(target), keep_database=tmp)
        manifest = found.manifest
        db = manifest["database"]
        if db["vendor"] != target.vendor:
            raise BackupError(
                f"the archive holds a {db['vendor']} database; the target is {target.vendor}"
            )
        dump = tmp / PurePosixPath(db["member"]).name
        if db["vendor"] == "sqlite":
            counts, *_rest = database.sqlite_read(dump, integrity=True)
            if counts != db["tables"]:
                raise BackupError("the database in the archive does not match its manifest")
        else:
            database.pg_list(dump)
        seconds["check"] = time.monotonic() - started
        # 3. the database
        started = time.monotonic()
        progress(f"database: restoring {sum(db['tables'].values())} rows …")
        if target.vendor == "sqlite":
            if target.is_default:
                connections["default"].close()
            database.sqlite_install(dump, target.sqlite_path)
        else:
            if target.is_default:
                connections["default"].close()
            database.pg_restore(target.settings_dict, dump, clean=force)
        seconds["database"] = time.monotonic() - started
    # 4. the files and the secret key
    started = time.monotonic()
    restored = _restore_files(path, found, target, force=force, progress=progress, notes=notes)
    seconds["files"] = time.monotonic() - started
    # 5. verify what is now in place
    started = time.monotonic()
    progress("verifying the restored data …")
    if target.vendor == "sqlite":
        counts, refs, digests, _m = database.sqlite_read(target.sqlite_path, integrity=True)
    else:
        counts, refs, digests = database.pg_read(target.settings_dict)
    problems = _missing_problems(manifest) + _check_state(
        manifest, counts, refs, digests, file_sha=lambda n: _stored_sha(target.storage, n)
    )
    seconds["verify"] = time.monotonic() - started
    if problems:
        raise VerificationFailed(problems)
    return RestoreResult(
        manifest=manifest,
        rows=sum(counts.values()),
        tables=len(counts),
        files=restored,
        references=len(refs),
        seconds=seconds,
        notes=notes,
    )


def _stored_sha(storage: Storage, name: str) -> str | None:
    try:
        with storage.open(name, "rb") as fh:
            return archive.sha256_stream(fh)
    except (FileNotFoundError, OSError):
        return None


def _restore_files(path, found, target: RestoreTarget, *, force, progress, notes) -> int:
    manifest = found.manifest
    expected = archive.expected_members(manifest)
    total = len(manifest["files"])
    done = 0
    last_report = time.monotonic()

    def handle(member: str, reader, size: int, sha: str) -> None:
        nonlocal done, last_report
        if member.startswith(archive.DATABASE_PREFIX):
            return  # restored already
        if member == archive.SECRET_KEY:
            _restore_secret_key(reader, target, sha, notes)
            return
        name = member[len(archive.MEDIA_PREFIX) :]
        with tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024) as spool:
            archive.sha256_stream(reader, sink=spool.write)
            if reader.hexdigest() != sha:
                raise BackupError(f"{member}: the archive changed while it was being restored")
            spool.seek(0)
            if target.storage.exists(name):
                target.storage.delete(name)  # only with --force: the target was empty otherwise
            saved = target.storage.save(name, File(spool, name=PurePosixPath(name).name))
        if saved != name:
            raise BackupError(f"{name}: the storage saved it as {saved}")
        done += 1
        if time.monotonic() - last_report > 2 or done == total:
            progress(f"  files: {done}/{total}")
            last_report = time.monotonic()

    archive.extract(path, expected, handle)
    return done


def _restore_secret_key(reader, target: RestoreTarget, sha: str, notes: list[str]) -> None:
    data = reader.read()
    if reader.hexdigest() != sha:
        raise BackupError("secret_key: the archive changed while it was being restored")
    if target.key_path is None:
        notes.append(
            "SAFECAMPUS_SECRET_KEY is set: the key in the archive was not written; keep using "
            "the key the backed-up installation used, or sessions and reset links end"
        )
        return
    target.key_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.key_path.with_name(".secret_key.restore")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, target.key_path)
    notes.append(f"secret key restored into {target.key_path}")
