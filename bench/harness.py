"""What the benchmark scripts share, written once: paths, options, environment, timing, report,
JSON.

Standard library only at module level, so a script can import it before Django is set up (the
environment must be ready before ``django.setup()``)::

    import harness

    p = harness.parser(__doc__)
    harness.add_postgres(p, PG_URL)
    harness.add_requests(p, requests=50, warmup=5)
    harness.add_reuse_db(p)
    args = harness.parse(p, argv)
    harness.prepare_environment(harness.OUT_DIR / "sqlite", database_url=..., fresh=...)
    ...
    return harness.run_and_report(lambda: run(args, vendor), print_table, write_json)

- **Paths**: ``BENCH_DIR``, ``ROOT``, ``OUT_DIR`` (``bench/out``); ``use_paths()`` puts the
  checkout and ``bench/`` first on ``sys.path`` (for ``bench_settings`` and ``safecampus``).
- **Options**: ``parser``, ``add_postgres``, ``add_requests`` (``--requests``/``--warmup``),
  ``add_reuse_db``, ``add_tag``, ``parse`` (``--requests`` at least 2), ``names``.
- **Environment**: ``prepare_environment`` (this process) and ``bench_env`` (a child process):
  ``SAFECAMPUS_VAR``, ``DJANGO_SETTINGS_MODULE`` (``bench_settings``), the database choice
  (``DATABASE_URL`` set for PostgreSQL, removed for the embedded SQLite) and no Redis, S3 or
  debug settings of the caller's shell. ``pg_url``, ``pg_admin``, ``recreate_pg_database``.
- **Timing**: ``pct``, ``summary`` (milliseconds in, ``p50_ms``/``p95_ms``/...), ``ms_summary``
  (also for fewer than two values), ``seconds_summary`` (seconds in, milliseconds out),
  ``CpuMeter`` (busy CPUs of the host and of this process).
- **Report**: ``report_head`` (started, database, argv, versions, CPUs), ``load_avg``,
  ``db_description``, ``git_head``/``git_state``, ``verdict``.
- **JSON**: ``write_json`` (``bench/out/<name>.json``, or ``<name>_<stamp>.json`` and
  ``<name>_latest.json``), ``stamp_of``, ``run_and_report``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
OUT_DIR = BENCH_DIR / "out"

PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
#: the settings every bench runs with (production settings, DEBUG off; see bench_settings.py)
SETTINGS = "bench_settings"
#: what a developer's shell may have set that would change what is measured
CLEARED = ("SAFECAMPUS_DEBUG", "REDIS_URL", "SAFECAMPUS_S3_BUCKET", "DATABASE_URL")


# --- paths --------------------------------------------------------------------------------------


def use_paths(code: Path | str = ROOT) -> None:
    """Put the checkout ``code`` and its ``bench/`` first on ``sys.path``."""
    code = Path(code)
    sys.path[:0] = [str(code), str(code / "bench")]


# --- options ------------------------------------------------------------------------------------


def parser(doc: str, *, first: str = "\n\n") -> argparse.ArgumentParser:
    """An argument parser described by the first paragraph (or line) of the script's docstring."""
    return argparse.ArgumentParser(description=doc.split(first)[0])


def add_postgres(p: argparse.ArgumentParser, where: str | None = None, *, help: str | None = None):
    p.add_argument(
        "--postgres",
        action="store_true",
        help=help if help is not None else (f"use PostgreSQL ({where})" if where else None),
    )


def add_requests(p: argparse.ArgumentParser, *, requests: int, warmup: int) -> None:
    p.add_argument(
        "--requests", type=int, default=requests, help=f"timed requests per row ({requests})"
    )
    p.add_argument("--warmup", type=int, default=warmup, help=f"untimed requests first ({warmup})")


def add_reuse_db(p: argparse.ArgumentParser, help: str | None = None) -> None:
    p.add_argument(
        "--reuse-db",
        action="store_true",
        help=help
        or "keep the database of the previous run (migrate only, seed if empty); "
        "for investigating, not for reported figures",
    )


def add_tag(p: argparse.ArgumentParser, help: str, default=None) -> None:
    p.add_argument("--tag", default=default, help=help)


def parse(p: argparse.ArgumentParser, argv=None) -> argparse.Namespace:
    """Parse ``argv``; a ``--requests`` option, where there is one, needs two requests at least
    (a percentile of one value means nothing)."""
    args = p.parse_args(argv)
    if getattr(args, "requests", 2) < 2:
        p.error("--requests must be at least 2")
    return args


def names(text: str | None) -> set[str]:
    """``"a, b,"`` -> ``{"a", "b"}``."""
    return {x.strip() for x in (text or "").split(",") if x.strip()}


# --- environment --------------------------------------------------------------------------------


def vendor_of(postgres: bool) -> str:
    return "postgresql" if postgres else "sqlite"


def pg_url(name: str) -> str:
    return f"postgres://postgres@127.0.0.1:5432/{name}"


def pg_admin(*sql: str) -> None:
    """Run statements on the local server's ``postgres`` database (autocommit)."""
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        for statement in sql:
            conn.execute(statement)


def recreate_pg_database(name: str) -> None:
    pg_admin(
        f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
        f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0",
    )


def fresh_dir(path: Path, *, keep: bool = False) -> Path:
    """``path`` as an existing folder, emptied first unless ``keep``."""
    if path.exists() and not keep:
        shutil.rmtree(path)
    path.mkdir(parents=True, exist_ok=True)
    return path


def bench_env(
    var: Path | str,
    *,
    database_url: str | None = None,
    settings: str | None = SETTINGS,
    clear: tuple[str, ...] = CLEARED,
    pythonpath: list[Path | str] | None = None,
    base: dict | None = None,
) -> dict:
    """The environment of a bench process (a copy of ``base``, by default ``os.environ``): its
    files under ``var``, the embedded SQLite unless ``database_url`` is given, ``settings`` as
    Django's settings module (None: leave it), ``clear`` removed."""
    env = dict(os.environ if base is None else base)
    for name in clear:
        env.pop(name, None)
    env["SAFECAMPUS_VAR"] = str(var)
    if settings:
        env["DJANGO_SETTINGS_MODULE"] = settings
    if database_url:
        env["DATABASE_URL"] = database_url
    if pythonpath:
        env["PYTHONPATH"] = os.pathsep.join(str(x) for x in pythonpath)
    return env


def prepare_environment(
    var: Path | str,
    *,
    database_url: str | None = None,
    settings: str = SETTINGS,
    clear: tuple[str, ...] = CLEARED,
) -> None:
    """Set this process's environment for Django (call before ``django.setup()``)."""
    env = bench_env(var, database_url=database_url, settings=settings, clear=clear)
    for name in clear:
        if name not in env:
            os.environ.pop(name, None)
    os.environ.update(env)


# --- timing -------------------------------------------------------------------------------------


def pct(values: list[float], p: int) -> float:
    """The p-th percentile, linear interpolation between closest ranks."""
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


def summary(values: list[float]) -> dict:
    """Milliseconds in; p50, p95, mean, min and max in milliseconds out (two values at least)."""
    return {
        "p50_ms": round(pct(values, 50), 3),
        "p95_ms": round(pct(values, 95), 3),
        "mean_ms": round(statistics.fmean(values), 3),
        "min_ms": round(min(values), 3),
        "max_ms": round(max(values), 3),
    }


def ms_summary(values: list[float]) -> dict:
    """``summary``, also of one value or none (every figure is that value, or 0)."""
    if len(values) >= 2:
        return summary(values)
    v = values[0] if values else 0.0
    return {"p50_ms": v, "p95_ms": v, "mean_ms": v, "min_ms": v, "max_ms": v}


def seconds_summary(values: list[float]) -> dict:
    """Seconds in; the count and p50, p95 (exclusive method) and max in milliseconds out."""
    if not values:
        return {"n": 0}
    values = sorted(values)
    q = statistics.quantiles(values, n=100) if len(values) > 1 else [values[0]] * 99
    return {
        "n": len(values),
        "p50_ms": round(q[49] * 1000, 1),
        "p95_ms": round(q[94] * 1000, 1),
        "max_ms": round(values[-1] * 1000, 1),
    }


class CpuMeter:
    """Average busy CPUs of the whole host (/proc/stat) and of this process over a stretch."""

    def __init__(self):
        self.start = self._sample()

    @staticmethod
    def _sample():
        try:
            fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
            ticks = [int(x) for x in fields]
            host_busy = (sum(ticks[:8]) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError):
            host_busy = None
        t = os.times()
        return time.monotonic(), host_busy, t.user + t.system

    def stop(self) -> dict:
        (w0, h0, p0), (w1, h1, p1) = self.start, self._sample()
        wall = w1 - w0
        own = (p1 - p0) / wall
        host = (h1 - h0) / wall if h0 is not None else None
        return {
            "host_busy_cpus": None if host is None else round(host, 2),
            "bench_process_cpus": round(own, 2),
            "other_cpus": None if host is None else round(max(0.0, host - own), 2),
        }


# --- report -------------------------------------------------------------------------------------


def load_avg() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def report_head(vendor: str) -> dict:
    """The first lines of a report (after ``django.setup()``): when, where, with what."""
    import django

    return {
        "started": datetime.now().isoformat(timespec="seconds"),
        "database": vendor,
        "argv": sys.argv[1:],
        "python": platform.python_version(),
        "django": django.get_version(),
        "cpus": os.cpu_count(),
    }


def db_description(vendor: str) -> str:
    """``PostgreSQL 16.4`` or ``SQLite 3.46.1``: the server or library measured."""
    from django.db import connection

    with connection.cursor() as cur:
        if vendor == "postgresql":
            cur.execute("SHOW server_version")
            return f"PostgreSQL {cur.fetchone()[0]}"
        cur.execute("SELECT sqlite_version()")
        return f"SQLite {cur.fetchone()[0]}"


def _git(root: Path | str, *cmd: str) -> str:
    try:
        res = subprocess.run(
            ["git", "-C", str(root), *cmd], capture_output=True, text=True, check=False
        )
    except OSError:
        return ""
    return res.stdout.strip()


def git_head(root: Path | str = ROOT, *, fmt: str = "%h", missing: str = "") -> str:
    """The commit measured (``git log -1 --format=fmt``), or ``missing`` outside a git tree."""
    return _git(root, "log", "-1", f"--format={fmt}") or missing


def git_state(root: Path | str = ROOT, *, files: bool = False) -> dict:
    """The commit measured and whether the checkout had uncommitted changes: ``dirty`` (a flag),
    or with ``files`` the ``uncommitted`` product files (under safecampus/ and config/)."""
    changed = [line[3:] for line in _git(root, "status", "--porcelain").splitlines()]
    state: dict = {"commit": git_head(root)}
    if files:
        state["uncommitted"] = [f for f in changed if f.startswith(("safecampus/", "config/"))]
    else:
        state["dirty"] = bool(changed)
    return state


def verdict(ok: bool | None) -> str:
    return "PASS" if ok else "FAIL"


# --- JSON ---------------------------------------------------------------------------------------


def stamp_of(started: str) -> str:
    """``2026-11-18T10:00:00`` -> ``20261118T100000``."""
    return started.replace(":", "").replace("-", "")


def write_json(report: dict, name: str, *, stamp: str | None = None) -> Path:
    """Write ``bench/out/<name>.json``; with ``stamp``, ``<name>_<stamp>.json`` and a copy as
    ``<name>_latest.json``. Returns the path written (the stamped one)."""
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    text = json.dumps(report, ensure_ascii=False, indent=2, default=str)
    path = OUT_DIR / (f"{name}_{stamp}.json" if stamp else f"{name}.json")
    path.write_text(text, encoding="utf-8")
    if stamp:
        (OUT_DIR / f"{name}_latest.json").write_text(text, encoding="utf-8")
    return path


def run_and_report(run, print_report, write, *, passed=None) -> int:
    """Time ``run()`` (its report gets ``total_s``), print the report, write its JSON and say
    where; the exit status is 0 when ``passed(report)`` (by default ``report["pass"]``)."""
    t = time.monotonic()
    report = run()
    report["total_s"] = round(time.monotonic() - t, 1)
    print_report(report)
    path = write(report)
    print(f"\nJSON: {path.relative_to(ROOT)}  (total {report['total_s']:.0f} s)")
    ok = passed(report) if passed else report["pass"]
    return 0 if ok else 1
