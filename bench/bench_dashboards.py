#!/usr/bin/env python
"""Benchmark of the dashboards (issue 6): the bureau dashboard and the school dashboard.

Usage::

    .venv/bin/python bench/bench_dashboards.py                        # SQLite: 400 / 40,000
    .venv/bin/python bench/bench_dashboards.py --postgres --reuse-db  # PG: 40,000 / 4,000,000

The database is the hazard benchmark's (``bench_hazards.build_database``): SQLite under
bench/out/hazards-sqlite, or the PostgreSQL database ``safecampus_bench_hazards``, rebuilt unless
``--reuse-db``. As the users city (the city bureau's safety centre, every district: the province
case), centre (闵行's safety centre), pj1 (a department officer) and school (a school officer) it
times ``GET /dashboard/`` (the school officer: ``/dashboard/school/<their school>/``) with the
Django test client, counts its queries, and times the one grouped SQL the dashboard's main
figures answer (``SELECT status, COUNT(*) FROM hazards_hazard WHERE <the user's scope> GROUP BY
status``) through a DB-API cursor; then the centre's print page and Excel export. See
bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from time import perf_counter

import harness  # stdlib only: options, environment, timing, report, JSON

harness.use_paths()

import bench_hazards as bh  # noqa: E402  (the hazard bench: database, users, timing helpers)

#: the issue's targets: (database, row) -> p95 limit in ms. Rows without one are reported only.
TARGETS_MS = {
    ("sqlite", "centre"): 300.0,
    ("postgresql", "city"): 500.0,
    ("postgresql", "centre"): 500.0,
    ("postgresql", "school"): 100.0,
}
USERS = {
    "city": "safety centre of the city bureau: every district (the province-scale case)",
    "centre": "safety centre of 闵行: one district",
    "pj1": "department officer (普教一科): responsible or cooperating",
    "school": "school officer: the school dashboard of their school",
}
#: the centre's other two views of the same figures (p95 only, no target)
EXTRAS = {
    "print": "/dashboard/print/",
    "export": "/dashboard/export.xlsx",
}


def parse_args(argv=None):
    p = harness.parser(__doc__)
    harness.add_postgres(p, bh.PG_URL)
    harness.add_reuse_db(
        p,
        "keep the hazard bench's database (migrate only, seed if empty) instead of "
        "rebuilding it; the PostgreSQL one takes minutes to seed",
    )
    harness.add_requests(p, requests=30, warmup=3)
    p.add_argument(
        "--row-seconds",
        type=float,
        default=60.0,
        help="stop timing a row after this long once 5 requests are done (60)",
    )
    p.add_argument("--schools", type=int, help="schools when seeding (400 / 40000)")
    p.add_argument("--hazards", type=int, help="hazards when seeding (40000 / 4000000)")
    p.add_argument("--users", help="only these users, e.g. city,school (all)")
    p.add_argument("--no-extras", action="store_true", help="skip the centre's print and export")
    p.add_argument(
        "--sqlite-no-analyze", action="store_true", help="skip ANALYZE after seeding SQLite"
    )
    p.add_argument(
        "--no-analyze",
        action="store_true",
        help="PostgreSQL: leave tables that were never analysed without statistics (by default "
        "they get ANALYZE, as autovacuum would give them; the hazard bench's seed analyses only "
        "the hazard tables)",
    )
    p.add_argument(
        "--explain",
        action="store_true",
        help="print the plan of each of the dashboard's queries for --explain-user, slowest "
        "first (EXPLAIN (ANALYZE, BUFFERS) on PostgreSQL: runs each query once more)",
    )
    p.add_argument("--explain-user", default="city", choices=list(USERS), help="(city)")
    p.add_argument(
        "--pg-set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="PostgreSQL: SET this on every connection the bench opens, e.g. jit=off "
        "(repeatable; for investigating, the server's settings are not changed)",
    )
    harness.add_tag(p, "write bench/out/dashboards_<db>_<tag>.json instead of dashboards_<db>.json")
    args = harness.parse(p, argv)
    args.users = [u for u in USERS if u in args.users.split(",")] if args.users else list(USERS)
    return args


def hazard_bench_args(args) -> argparse.Namespace:
    """The hazard bench's own options for the same database, so that its environment and
    ``build_database`` run exactly as they do there."""
    argv = ["--parts", "none"]
    argv += ["--postgres"] if args.postgres else []
    argv += ["--reuse-db"] if args.reuse_db else []
    argv += ["--schools", str(args.schools)] if args.schools else []
    argv += ["--hazards", str(args.hazards)] if args.hazards else []
    argv += ["--sqlite-no-analyze"] if args.sqlite_no_analyze else []
    return bh.parse_args(argv)


def analyze_missing(vendor: str, skip: bool) -> dict:
    """PostgreSQL: ``ANALYZE`` each table that has rows but has never been analysed.

    The hazard bench's seed gives the hazard tables ``VACUUM ANALYZE`` and leaves the rest
    (schools, gates, departments, catalog) to autovacuum, which analyses them within a minute of
    the load. Where autovacuum is off (as on the reference VM) they have no statistics at all,
    and the dashboard's map query takes a plan that is 400 times slower (see bench/README.md)."""
    from django.db import connection

    if vendor != "postgresql":
        return {}
    with connection.cursor() as cur:
        cur.execute("SHOW autovacuum")
        autovacuum = cur.fetchone()[0]
        # no column statistics at all (``last_analyze`` is not reliable: it is set even by an
        # ANALYZE whose transaction rolled back)
        cur.execute(
            "SELECT relname FROM pg_stat_user_tables t WHERE schemaname = 'public' "
            "AND n_live_tup > 0 AND NOT EXISTS (SELECT 1 FROM pg_stats s "
            "WHERE s.schemaname = t.schemaname AND s.tablename = t.relname) ORDER BY relname"
        )
        missing = [r[0] for r in cur.fetchall()]
        info = {"autovacuum": autovacuum, "never_analyzed": missing}
        if skip or not missing:
            print(
                f"statistics: {len(missing)} tables never analysed, left so (autovacuum "
                f"{autovacuum})"
                if missing
                else "statistics: every table analysed"
            )
            info["analyzed"] = []
            return info
        t = perf_counter()
        for name in missing:
            cur.execute(f'ANALYZE "{name}"')
        info["analyzed"] = missing
        info["analyze_s"] = round(perf_counter() - t, 2)
    print(
        f"statistics: ANALYZE of {len(missing)} tables never analysed (autovacuum {autovacuum}): "
        f"{info['analyze_s']:.1f} s",
        flush=True,
    )
    return info


def pg_set(vendor: str, settings_: list[str]) -> dict:
    """``SET`` each ``NAME=VALUE`` on the current and every later connection; returns the
    server's values of the settings that matter to the dashboard's big aggregates."""
    from django.db import connection
    from django.db.backends.signals import connection_created

    if vendor != "postgresql":
        return {}
    pairs = []
    for item in settings_:
        name, _eq, value = item.partition("=")
        if not name.replace("_", "").isalnum() or not value:
            raise SystemExit(f"--pg-set: expected NAME=VALUE, got {item!r}")
        pairs.append((name, value))

    def apply(sender=None, connection=None, **kwargs):
        with connection.cursor() as cur:
            for name, value in pairs:
                cur.execute(f"SET {name} = %s", [value])

    if pairs:
        connection_created.connect(apply, weak=False)
        connection.close()
    out = {"set": dict(pairs)}
    with connection.cursor() as cur:
        for name in ("jit", "work_mem", "shared_buffers", "max_parallel_workers_per_gather"):
            cur.execute(f"SHOW {name}")
            out[name] = cur.fetchone()[0]
    return out


# --- measuring ----------------------------------------------------------------------------------


def dashboard_url(username: str, ctx: dict) -> str:
    return f"/dashboard/school/{ctx['school']}/" if username == "school" else "/dashboard/"


def raw_aggregate(username: str, ctx: dict) -> tuple[str, tuple]:
    """The one grouped SQL the dashboard's headline figures answer: the user's hazards (the
    register's scope, as the dashboard reads them) counted by status; for the school dashboard,
    those of the school. Compiled by the ORM so that the scope is exactly the dashboard's."""
    from django.db.models import Count

    from safecampus.accounts.models import User
    from safecampus.hazards.models import Hazard

    qs = Hazard.objects.visible_to(User.objects.get(username=username))
    if username == "school":
        qs = qs.filter(school_id=ctx["school"])
    qs = qs.order_by().values("status").annotate(n=Count("pk"))
    return qs.query.sql_with_params()


def capture(client, url: str):
    """One request under ``CaptureQueriesContext`` (count and per-query time) and the hazard
    bench's recorder (each statement with its parameters, for EXPLAIN)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    rec = bh.QueryRecorder()
    with CaptureQueriesContext(connection) as cq, connection.execute_wrapper(rec):
        resp = client.get(url)
    assert resp.status_code == 200, (url, resp.status_code, resp.content[:300])
    # Django also logs the transaction markers (BEGIN, COMMIT) it sends through the driver;
    # they are no statements of the view's, and the recorder doesn't see them
    queries = [
        {"ms": round(float(q["time"]) * 1000, 2), "sql": q["sql"]}
        for q in cq.captured_queries
        if q["sql"] not in TRANSACTION_MARKERS
    ]
    return queries, rec.calls, resp


TRANSACTION_MARKERS = {"BEGIN", "COMMIT", "ROLLBACK"}


def query_summary(queries: list[dict]) -> dict:
    slow = sorted(queries, key=lambda q: -q["ms"])
    return {
        "queries": len(queries),
        "sql_ms": round(sum(q["ms"] for q in queries), 1),
        "slowest": [{"ms": q["ms"], "sql": q["sql"][:2000]} for q in slow[:5]],
    }


def measure(args, client, url: str, raw: tuple[str, tuple] | None) -> tuple[dict, list]:
    from django.db import connection

    def request():
        r = client.get(url)
        assert r.status_code == 200, (url, r.status_code)

    times = bh.timed(request, args.requests, args.warmup, args.row_seconds)
    # after the warmup, so that the per-query times are those of a warm request
    queries, calls, resp = capture(client, url)
    row = {
        "url": url,
        **bh.summary(times),
        "n": len(times),
        **query_summary(queries),
        "response_bytes": len(resp.content),
    }
    if raw is not None:
        sql, params = raw
        result: list = []

        def run_raw():
            nonlocal result
            with connection.cursor() as cur:
                cur.execute(sql, params)
                result = cur.fetchall()

        raw_times = bh.timed(run_raw, args.requests, args.warmup, args.row_seconds)
        rw = bh.summary(raw_times)
        row["raw"] = {**rw, "n": len(raw_times), "sql": bh.readable(sql, params)}
        row["raw"]["result"] = {str(s): n for s, n in result}
        row["raw"]["hazards"] = sum(n for _s, n in result)
        row["ratio"] = round(row["p95_ms"] / rw["p95_ms"], 1) if rw["p95_ms"] else None
    return row, (calls, queries)


def count_snapshot(client, username: str) -> dict | None:
    """For a scope counted from a snapshot (more schools than ``DASHBOARD_LIVE_MAX_SCHOOLS``):
    drop the user's snapshots, open the page once (it creates the snapshot and its job, and
    shows the progress), then run that job here and time it: the cost of one count, which the
    periodic refresh pays every few minutes. None for a scope counted live."""
    from safecampus.accounts.models import User
    from safecampus.core.jobs import job_run
    from safecampus.core.models import Job
    from safecampus.reports import selectors, snapshots
    from safecampus.reports.models import DashboardSnapshot

    user = User.objects.get(username=username)
    if snapshots.counted_live(user=user, filters=selectors.Filters()):
        return None
    DashboardSnapshot.objects.filter(viewed_by=user).delete()
    resp = client.get("/dashboard/")
    assert b"snapshot-pending" in resp.content, resp.content[:300]
    job = Job.objects.filter(kind=snapshots.JOB_KIND, created_by=user).latest("created_at")
    started = perf_counter()
    job = job_run(job.pk)
    count_ms = (perf_counter() - started) * 1000
    assert job.status == Job.Status.SUCCEEDED, job.result
    snap = DashboardSnapshot.objects.get(job=job)
    return {
        "count_ms": round(count_ms, 1),
        "duration_ms": snap.duration_ms,
        "data_bytes": len(json.dumps(snap.data, ensure_ascii=False).encode()),
        "points_bytes": len(json.dumps(snap.points, ensure_ascii=False).encode()),
    }


def is_app_query(sql: str) -> bool:
    """The dashboard's own queries: not the session, the user, transactions."""
    skip = ('"django_session"', 'FROM "accounts_user"', "SAVEPOINT", "RELEASE SAVEPOINT")
    return not any(s in sql for s in skip)


def plans_for(vendor: str, calls: list, queries: list[dict]) -> list[dict]:
    """EXPLAIN of each of the request's own queries, slowest (as timed in the request) first."""
    if len(queries) == len(calls):
        timed_calls = [(q["ms"], sql, p) for q, (sql, p, _m) in zip(queries, calls, strict=True)]
    else:  # the two recorders disagree: keep the request's order, without times
        timed_calls = [(0.0, sql, p) for sql, p, _m in calls]
    out = []
    for ms, sql, p in sorted(timed_calls, key=lambda x: -x[0]):
        if not is_app_query(sql):
            continue
        out.append({"ms": ms, "sql": bh.readable(sql, p), "plan": bh.explain(vendor, sql, p)})
    return out


def verdict(vendor: str, key: str, p95: float) -> tuple[float | None, bool | None]:
    target = TARGETS_MS.get((vendor, key))
    return target, (None if target is None else bool(p95 < target))


def print_row(r: dict) -> None:
    raw = r.get("raw")
    raw_text = f"raw p95 {raw['p95_ms']:8.1f} ms  ratio {r['ratio']:6.1f}" if raw else ""
    print(
        f"  {r['label']:<14} p50 {r['p50_ms']:8.1f}  p95 {r['p95_ms']:8.1f}  n={r['n']:<3} "
        f"{r['queries']:>3} q  SQL {r['sql_ms']:8.1f} ms  {raw_text}",
        flush=True,
    )


# --- the run ------------------------------------------------------------------------------------


def run(args, hargs, vendor: str) -> dict:
    import django

    # the snapshots counted at the start of a row stay fresh while it is timed
    os.environ["SAFECAMPUS_DASHBOARD_SNAPSHOT_MAX_AGE"] = str(24 * 3600)

    django.setup()
    from django.conf import settings
    from django.db import connection

    assert not settings.DEBUG
    report: dict = {
        **harness.report_head(vendor),
        "requests": args.requests,
        "warmup": args.warmup,
        "row_seconds": args.row_seconds,
        "reuse_db": args.reuse_db,
        "load_avg_start": harness.load_avg(),
        "targets_ms": {k: v for (db, k), v in TARGETS_MS.items() if db == vendor},
    }
    report.update(bh.build_database(hargs, vendor))
    report["tag"] = args.tag
    report["pg_set"] = pg_set(vendor, args.pg_set)
    report["pg_statistics"] = analyze_missing(vendor, args.no_analyze)
    from safecampus.orgs.models import School, SchoolGate

    report["schools"] = School.objects.count()
    report["schools_with_gates"] = SchoolGate.objects.values("school_id").distinct().count()
    print(
        f"{report['db_version']}: {report['hazards']} hazards ({report['table_size']}), "
        f"{report['schools']} schools, DEBUG={settings.DEBUG}",
        flush=True,
    )
    ctx = bh.seed_context()
    report["context"] = {k: v for k, v in ctx.items() if k != "users"}
    cls = bh.clients()
    meter = bh.CpuMeter(vendor)
    rows: list[dict] = []
    plans: dict = {}
    print("dashboards:")
    for username in args.users:
        url = dashboard_url(username, ctx)
        snap = None if username == "school" else count_snapshot(cls[username], username)
        if snap is not None:
            print(
                f"  {username:<14} snapshot counted by its job in {snap['count_ms']:,.0f} ms "
                f"(figures {snap['data_bytes']:,} B, map {snap['points_bytes']:,} B)",
                flush=True,
            )
        row, (calls, queries) = measure(args, cls[username], url, raw_aggregate(username, ctx))
        row.update(key=username, user=username, label=username, kind="dashboard")
        row["mode"] = "live" if snap is None else "snapshot"
        row["snapshot"] = snap
        row["target_ms"], row["pass"] = verdict(vendor, username, row["p95_ms"])
        rows.append(row)
        print_row(row)
        if args.explain and username == args.explain_user:
            plans[f"{username} {url}"] = plans_for(vendor, calls, queries)
        if username != "school":
            # the map's points, which the page loads after it is drawn
            row, _captured = measure(args, cls[username], "/dashboard/map.json", None)
            label = f"{username} map"
            row.update(key=label, user=username, label=label, kind="map")
            row["mode"] = "live" if snap is None else "snapshot"
            row["target_ms"], row["pass"] = None, None
            rows.append(row)
            print_row(row)
    if not args.no_extras:
        for key, url in EXTRAS.items():
            row, _captured = measure(args, cls["centre"], url, None)
            row.update(key=f"centre {key}", user="centre", label=f"centre {key}", kind=key)
            row["target_ms"], row["pass"] = None, None
            rows.append(row)
            print_row(row)
    report["results"] = rows
    report["cpu_during_timing"] = meter.stop()
    report["load_avg_end"] = harness.load_avg()
    if plans:
        report["plans"] = plans
    judged = [r["pass"] for r in rows if r["pass"] is not None]
    report["pass"] = all(judged) if judged else None
    connection.close()
    return report


# --- output -------------------------------------------------------------------------------------


def print_report(report: dict) -> None:
    print()
    print(
        f"Dashboards on {report['db_version']}: {report['hazards']} hazards, "
        f"{report['schools']} schools ({report['schools_with_gates']} on the map), statistics "
        f"{report.get('statistics')}; up to {report['requests']} requests per row"
    )
    cpu = report["cpu_during_timing"]
    busy = cpu["other_cpus"] is not None and cpu["other_cpus"] > 0.5 * report["cpus"]
    pg = f", PostgreSQL {cpu['postgres_cpus']}" if "postgres_cpus" in cpu else ""
    print(
        f"CPU while timing: host {cpu['host_busy_cpus']} of {report['cpus']}, this process "
        f"{cpu['bench_process_cpus']}{pg}, other processes {cpu['other_cpus']}"
        + ("  ** busy host: p95 is inflated **" if busy else "")
    )
    if report.get("pg_set"):
        s = report["pg_set"]
        print(
            "PostgreSQL: "
            + ", ".join(f"{k} {v}" for k, v in s.items() if k != "set")
            + (f"; SET per connection: {s['set']}" if s["set"] else "")
        )
    stats = report.get("pg_statistics") or {}
    if stats.get("analyzed"):
        print(
            f"ANALYZE first (never analysed, autovacuum {stats['autovacuum']}): "
            + ", ".join(stats["analyzed"])
        )
    print(
        "ms; q = queries in one request, SQL = their time in it (debug cursor, 1 ms steps), "
        "p50-SQL = the rest (Python, template); raw = SELECT status, COUNT(*) … GROUP BY status "
        "in the user's scope through a DB-API cursor; ratio = p95 / raw p95; KB = response; "
        "* = read from a snapshot"
    )
    head = (
        f"{'row':<15} {'p50':>8} {'p95':>8} {'n':>3} {'q':>4} {'SQL':>8} {'p50-SQL':>8} "
        f"{'raw p50':>8} "
        f"{'raw p95':>8} {'ratio':>6} {'hazards':>8} {'KB':>6}  target  verdict"
    )
    print(head)
    print("-" * len(head))
    for r in report["results"]:
        raw = r.get("raw")
        raw_cols = (
            f"{raw['p50_ms']:8.1f} {raw['p95_ms']:8.1f} {r['ratio']:6.1f} {raw['hazards']:>8}"
            if raw
            else f"{'':>8} {'':>8} {'':>6} {'':>8}"
        )
        target = f"< {r['target_ms']:.0f}" if r["target_ms"] else "—"
        label = r["label"] + (" *" if r.get("mode") == "snapshot" else "")
        verdict = {True: "PASS", False: "FAIL", None: "(no target)"}[r["pass"]]
        print(
            f"{label:<15} {r['p50_ms']:8.1f} {r['p95_ms']:8.1f} {r['n']:>3} "
            f"{r['queries']:>4} {r['sql_ms']:8.1f} {r['p50_ms'] - r['sql_ms']:8.1f} {raw_cols} "
            f"{r['response_bytes'] >> 10:>6}  "
            f"{target:<6}  {verdict}"
        )
    counted = [r for r in report["results"] if r.get("snapshot")]
    if counted:
        print("\nsnapshots (the row's page reads them; the job counts them, every few minutes):")
        for r in counted:
            snap = r["snapshot"]
            print(
                f"  {r['label']:<15} counted in {snap['count_ms']:,.0f} ms; figures "
                f"{snap['data_bytes'] >> 10} KB, map points {snap['points_bytes'] >> 10} KB"
            )
    print("\nslowest query of each row (as timed in the captured request):")
    for r in report["results"]:
        if r["slowest"]:
            q = r["slowest"][0]
            text = " ".join(q["sql"].split())
            print(f"  {r['label']:<15} {q['ms']:8.1f} ms  {text[:150]}")
    overall = {True: "PASS", False: "FAIL", None: "(nothing judged)"}[report["pass"]]
    print(f"OVERALL: {overall}")
    for key, items in report.get("plans", {}).items():
        print(f"\nQuery plans, {key}, slowest first:")
        for item in items:
            print(f"\n[{item['ms']} ms in the request]\n{item['sql']}\n{item['plan']}")


def write_json(report: dict) -> Path:
    tag = f"_{report['tag']}" if report.get("tag") else ""
    return harness.write_json(report, f"dashboards_{report['database']}{tag}")


def main(argv=None) -> int:
    args = parse_args(argv)
    hargs = hazard_bench_args(args)
    vendor = bh.prepare_environment(hargs)
    return harness.run_and_report(
        lambda: run(args, hargs, vendor),
        print_report,
        write_json,
        passed=lambda report: report["pass"] is not False,
    )


if __name__ == "__main__":
    sys.exit(main())
