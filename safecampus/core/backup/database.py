"""Consistent database snapshots and their restore, for SQLite and PostgreSQL.

SQLite: the online backup API (``sqlite3.Connection.backup``) copies the live WAL database in one
step under a read transaction, which in WAL mode never blocks the product's writers; the copy is
switched to a single self-contained file. PostgreSQL: a REPEATABLE READ transaction exports its
snapshot; the row counts and file references are read in that transaction and ``pg_dump
--snapshot`` dumps exactly the same state, so the manifest describes the dump exactly.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.db import models

from .archive import BackupError

PG_DUMP = shutil.which("pg_dump") or "/usr/bin/pg_dump"
PG_RESTORE = shutil.which("pg_restore") or "/usr/bin/pg_restore"


@dataclass(frozen=True)
class FileColumn:
    """A FileField (or ImageField) column: every value in it names a file in storage."""

    label: str  # app_label.Model.field, for messages
    table: str
    pk: str
    column: str


def file_columns() -> list[FileColumn]:
    """Every FileField/ImageField of every installed model with a table of its own."""
    found = []
    for model in apps.get_models():
        meta = model._meta
        if not meta.managed or meta.proxy:
            continue
        for f in meta.local_concrete_fields:
            if isinstance(f, models.FileField):
                found.append(
                    FileColumn(
                        f"{meta.app_label}.{meta.object_name}.{f.name}",
                        meta.db_table,
                        meta.pk.column,
                        f.column,
                    )
                )
    return sorted(found, key=lambda c: (c.table, c.column))


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


Ref = tuple[FileColumn, object, str]


def read_state(cursor, tables: list[str]) -> tuple[dict[str, int], list[Ref]]:
    """Row counts of ``tables`` and every (column, pk, file name) referenced, through a DB-API
    cursor (one snapshot: the caller holds the transaction)."""
    counts = {}
    for table in tables:
        cursor.execute(f"SELECT COUNT(*) FROM {_q(table)}")
        counts[table] = cursor.fetchone()[0]
    refs = []
    for col in file_columns():
        if col.table not in counts:
            continue
        cursor.execute(
            f"SELECT {_q(col.pk)}, {_q(col.column)} FROM {_q(col.table)} "
            f"WHERE {_q(col.column)} IS NOT NULL AND {_q(col.column)} <> '' ORDER BY 1"
        )
        refs.extend((col, pk, name) for pk, name in cursor.fetchall())
    return counts, refs


def _digest_file_field(model):
    """The FileField whose upload digest the model keeps in ``sha256``: ``file`` (evidence,
    beside its ``thumbnail``) or the model's only FileField (a campaign archive's snapshot)."""
    fields = [f for f in model._meta.local_concrete_fields if isinstance(f, models.FileField)]
    names = {f.name for f in model._meta.local_concrete_fields}
    if "sha256" not in names or not fields:
        return None
    named = [f for f in fields if f.name == "file"]
    if named:
        return named[0]
    return fields[0] if len(fields) == 1 else None


def sha256_column_checks(cursor, tables) -> list[tuple[str, object, str, str]]:
    """(label, pk, file name, recorded sha256) for models that store the digest of their file
    when it was written (evidence, campaign archives): the file must still have that digest."""
    rows = []
    for model in apps.get_models():
        meta = model._meta
        file_field = _digest_file_field(model)
        if file_field is None or meta.db_table not in tables:
            continue
        file_col, sha_col = file_field.column, meta.get_field("sha256").column
        cursor.execute(
            f"SELECT {_q(meta.pk.column)}, {_q(file_col)}, {_q(sha_col)} FROM "
            f"{_q(meta.db_table)} WHERE {_q(sha_col)} <> '' AND {_q(file_col)} <> ''"
        )
        label = f"{meta.app_label}.{meta.object_name}.{file_field.name}"
        rows.extend((label, pk, name, sha) for pk, name, sha in cursor.fetchall())
    return rows


# --- SQLite -------------------------------------------------------------------------------------


def sqlite_connect(settings_dict: dict, **extra) -> sqlite3.Connection:
    name = str(settings_dict["NAME"])
    uri = name.startswith("file:")
    return sqlite3.connect(name, uri=uri, timeout=20, **extra)


def sqlite_tables(conn: sqlite3.Connection) -> list[str]:
    rows = conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "ORDER BY name"
    ).fetchall()
    return [r[0] for r in rows]


def sqlite_snapshot(settings_dict: dict, target: Path):
    """Copy the live database into ``target`` (online backup API, one step) and read the
    snapshot's row counts and file references from the copy."""
    src = sqlite_connect(settings_dict)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)  # pages=-1: one consistent step; WAL readers do not block writers
        finally:
            dst.close()
    finally:
        src.close()
    return sqlite_read(target, switch_to_single_file=True)


def sqlite_read(path: Path, *, switch_to_single_file: bool = False, integrity: bool = False):
    conn = sqlite3.connect(path)
    try:
        if switch_to_single_file:
            conn.execute("PRAGMA journal_mode=DELETE")
        if integrity:
            result = conn.execute("PRAGMA quick_check").fetchone()[0]
            if result != "ok":
                raise BackupError(f"the database copy is damaged: {result}")
        cursor = conn.cursor()
        tables = sqlite_tables(conn)
        counts, refs = read_state(cursor, tables)
        digests = sha256_column_checks(cursor, tables)
        migrations = _applied_migrations(cursor, tables)
        return counts, refs, digests, migrations
    finally:
        conn.close()


def sqlite_has_data(path: Path) -> bool:
    if not path.exists() or path.stat().st_size == 0:
        return False
    conn = sqlite3.connect(path)
    try:
        return bool(sqlite_tables(conn))
    finally:
        conn.close()


def sqlite_install(source: Path, target: Path) -> None:
    """Put the restored copy ``source`` (same directory) in place of ``target``."""
    for suffix in ("-wal", "-shm", "-journal"):
        Path(str(target) + suffix).unlink(missing_ok=True)
    os.replace(source, target)


def _applied_migrations(cursor, tables) -> dict[str, str]:
    if "django_migrations" not in tables:
        return {}
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY id")
    latest = {}
    for app, name in cursor.fetchall():
        latest[app] = name
    return latest


# --- PostgreSQL ---------------------------------------------------------------------------------


def _run(args: list[str], **kwargs) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(args, capture_output=True, text=True, **kwargs)
    except OSError as exc:
        raise BackupError(f"cannot run {args[0]}: {exc} (install the PostgreSQL client)") from exc


def _pg_env(settings_dict: dict) -> dict:
    env = dict(os.environ)
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER")):
        if settings_dict.get(key):
            env[var] = str(settings_dict[key])
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings_dict["PASSWORD"])
    return env


@contextmanager
def pg_connection(settings_dict: dict):
    import psycopg

    params = {
        "dbname": settings_dict["NAME"],
        "user": settings_dict.get("USER") or None,
        "password": settings_dict.get("PASSWORD") or None,
        "host": settings_dict.get("HOST") or None,
        "port": settings_dict.get("PORT") or None,
    }
    params = {k: v for k, v in params.items() if v}
    try:
        conn = psycopg.connect(**params, autocommit=True)
    except psycopg.Error as exc:
        name = params["dbname"]
        raise BackupError(f"cannot connect to PostgreSQL database {name}: {exc}") from exc
    try:
        yield conn
    finally:
        conn.close()


def pg_tables(cursor) -> list[str]:
    cursor.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename"
    )
    return [r[0] for r in cursor.fetchall()]


def pg_snapshot(settings_dict: dict, target: Path):
    """``pg_dump --format=custom`` of the database into ``target``, with the row counts and file
    references read in the very snapshot the dump is taken from."""
    with pg_connection(settings_dict) as conn, conn.cursor() as cursor:
        cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        tables = pg_tables(cursor)
        counts, refs = read_state(cursor, tables)
        digests = sha256_column_checks(cursor, tables)
        migrations = _applied_migrations(cursor, tables)
        run = _run(
            [
                PG_DUMP,
                "--format=custom",
                f"--snapshot={snapshot}",
                f"--file={target}",
                f"--dbname={settings_dict['NAME']}",
            ],
            env=_pg_env(settings_dict),
        )
        cursor.execute("ROLLBACK")
    if run.returncode != 0:
        raise BackupError(f"pg_dump failed: {run.stderr.strip()}")
    return counts, refs, digests, migrations


def pg_has_data(settings_dict: dict) -> bool:
    with pg_connection(settings_dict) as conn, conn.cursor() as cursor:
        return bool(pg_tables(cursor))


def pg_list(dump: Path) -> None:
    """Read the dump's table of contents (a damaged dump fails here)."""
    run = _run([PG_RESTORE, "--list", str(dump)])
    if run.returncode != 0:
        raise BackupError(f"pg_restore cannot read the dump: {run.stderr.strip()}")


def pg_restore(settings_dict: dict, dump: Path, *, clean: bool) -> None:
    args = [
        PG_RESTORE,
        "--no-owner",
        "--exit-on-error",
        "--single-transaction",
        f"--dbname={settings_dict['NAME']}",
    ]
    if clean:
        args += ["--clean", "--if-exists"]
    run = _run([*args, str(dump)], env=_pg_env(settings_dict))
    if run.returncode != 0:
        raise BackupError(f"pg_restore failed (nothing was restored): {run.stderr.strip()}")


def pg_read(settings_dict: dict):
    with pg_connection(settings_dict) as conn, conn.cursor() as cursor:
        cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        tables = pg_tables(cursor)
        counts, refs = read_state(cursor, tables)
        digests = sha256_column_checks(cursor, tables)
        cursor.execute("ROLLBACK")
    return counts, refs, digests
