#!/usr/bin/env python
"""Benchmark of security standards: every rule on every school, one school again after a
change of its facts, and the compliance figures.

Usage::

    .venv/bin/python bench/standards_evaluate.py                              # SQLite, 400 schools
    .venv/bin/python bench/standards_evaluate.py --postgres                   # PostgreSQL, 40,000
    .venv/bin/python bench/standards_evaluate.py --postgres --schools 4000

It builds its own database (``bench/out/standards-<db>``; PostgreSQL: ``safecampus_bench_
standards`` on 127.0.0.1:5432): ``seed_demo --schools N --no-activity`` for the bureaus (400
schools each), the schools and the accounts; the shipped rule sets and a policy for every
bureau (Shanghai over the national standard, take the stricter); then every school's facts
with bulk inserts, spread as in the demo (most compliant, 8% short of a night guard, 6% keeping
video 15 days).

Measured:

- **evaluate all (first)**: ``tasks.evaluate_all`` (the nightly run) on schools never evaluated:
  every card written, findings opened for every failed requirement, the figures recounted;
- **evaluate all (again)**: the same night run again, nothing changed (the common night);
- **update facts**: ``services.update_facts`` of one school's video retention as the district's
  safety centre, alternating 15 and 30 days (a finding opens, then resolves), on another school
  each time, through the real path (checks, revision, the school's rules, its findings);
- **figures**: the compliance page's ``selectors.requirement_rows`` + ``stage_rows`` +
  ``four100_figures`` as the district's centre ("centre") and, on PostgreSQL, the city's
  ("city", every district).

Targets: evaluate all < 5 s for 400 schools on SQLite and < 60 s for 40,000 on PostgreSQL;
update facts p95 < 200 ms; figures p95 < 300 ms (district), < 500 ms (city). Not a test; see
bench/README.md for the conventions.
"""

from __future__ import annotations

import io
import sys
from time import perf_counter

import harness  # stdlib only: options, environment, timing, report, JSON

harness.use_paths()

PG_NAME = "safecampus_bench_standards"
PG_URL = harness.pg_url(PG_NAME)
DEFAULT_SCHOOLS = {"sqlite": 400, "postgresql": 40_000}
#: (database, row) -> limit: seconds for a whole run, else p95 in ms
TARGETS = {
    ("sqlite", "evaluate all (first)"): 5.0,
    ("postgresql", "evaluate all (first)"): 60.0,
    ("sqlite", "update facts"): 200.0,
    ("postgresql", "update facts"): 200.0,
    ("sqlite", "centre figures"): 300.0,
    ("postgresql", "centre figures"): 300.0,
    ("postgresql", "city figures"): 500.0,
    ("sqlite", "centre page"): 300.0,
    ("postgresql", "centre page"): 300.0,
    ("postgresql", "city page"): 500.0,
}


def parse_args(argv=None):
    p = harness.parser(__doc__)
    harness.add_postgres(p, PG_URL)
    harness.add_requests(p, requests=40, warmup=3)
    p.add_argument("--schools", type=int, help="schools to seed (400 / 40000)")
    harness.add_tag(p, "write bench/out/standards_<db>_<tag>.json")
    return harness.parse(p, argv)


def prepare(args) -> str:
    vendor = harness.vendor_of(args.postgres)
    args.schools = args.schools or DEFAULT_SCHOOLS[vendor]
    var = harness.fresh_dir(harness.OUT_DIR / f"standards-{vendor}")
    harness.prepare_environment(var, database_url=PG_URL if args.postgres else None)
    if args.postgres:
        harness.recreate_pg_database(PG_NAME)
    return vendor


def seed(args, now) -> dict:
    from django.core.management import call_command

    from safecampus.demo.standards import write_facts
    from safecampus.orgs.models import Bureau, School
    from safecampus.standards.choices import PolicyMode
    from safecampus.standards.loading import ensure_policy, load_rule_sets

    info = {}
    t = perf_counter()
    call_command("seed_demo", schools=args.schools, no_activity=True, stdout=io.StringIO())
    info["seed_demo_s"] = round(perf_counter() - t, 2)
    print(f"  seed_demo --schools {args.schools}: {info['seed_demo_s']:.1f} s", flush=True)
    t = perf_counter()
    load_rule_sets(now=now)
    for bureau in Bureau.objects.filter(schools__isnull=False).distinct():
        ensure_policy(bureau, ["shanghai", "gb29315"], PolicyMode.STRICTER)
    schools = School.objects.filter(is_active=True).order_by("pk")
    for start in range(0, schools.count(), 5000):
        write_facts(list(schools[start : start + 5000]), now=now, seed=start)
    info["facts_s"] = round(perf_counter() - t, 2)
    print(f"  rule sets, policies and facts (bulk): {info['facts_s']:.1f} s", flush=True)
    analyze()
    return info


def analyze() -> None:
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("VACUUM ANALYZE")
    else:
        from safecampus.core.db import db_optimize

        db_optimize(full=True)


def timed(fn, n: int, warmup: int) -> list[float]:
    import gc

    for i in range(warmup):
        fn(-1 - i)
    gc.collect()
    out = []
    for i in range(n):
        t = perf_counter()
        fn(i)
        out.append((perf_counter() - t) * 1000)
    return out


def row(label, vendor, *, seconds=None, times=None, **extra) -> dict:
    target = TARGETS.get((vendor, label))
    r = {"label": label, "target": target, **extra}
    if seconds is not None:
        r.update(seconds=round(seconds, 2), unit="s", value=seconds)
    else:
        r.update(harness.ms_summary(times), unit="ms", value=harness.pct(times, 95))
    r["ratio"] = round(r["value"] / target, 2) if target else None
    r["pass"] = (r["value"] <= target) if target else None
    return r


def run(args, vendor: str) -> dict:
    import datetime

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, reset_queries
    from django.utils import timezone

    from safecampus.accounts.models import User
    from safecampus.orgs.models import Bureau, School
    from safecampus.standards import selectors, services, tasks
    from safecampus.standards.models import Finding, SchoolStanding

    assert not settings.DEBUG
    report: dict = {
        **harness.report_head(vendor),
        "requests": args.requests,
        "warmup": args.warmup,
        "git": harness.git_state(),
        "load_avg_start": harness.load_avg(),
    }
    now = timezone.now()
    t = perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    print(f"migrate: {perf_counter() - t:.1f} s\nseed:", flush=True)
    report.update(seed(args, now))
    report["db_version"] = harness.db_description(vendor)
    report["schools"] = School.objects.count()
    report["bureaus"] = Bureau.objects.filter(standards_policy__isnull=False).count()
    rows = []

    print("evaluating:", flush=True)
    t = perf_counter()
    tasks.evaluate_all(now=now)
    first = perf_counter() - t
    report["cards"] = SchoolStanding.objects.count()
    report["findings"] = Finding.objects.count()
    rows.append(row("evaluate all (first)", vendor, seconds=first, schools=report["cards"]))
    print(f"  first: {first:.2f} s, {report['cards']:,} cards, {report['findings']:,} findings")
    t = perf_counter()
    tasks.evaluate_all(now=now + datetime.timedelta(hours=1))
    again = perf_counter() - t
    rows.append(row("evaluate all (again)", vendor, seconds=again, schools=report["cards"]))
    print(f"  again: {again:.2f} s", flush=True)

    centre = User.objects.get(username="centre")
    mh = Bureau.objects.get(code_prefix="MH")
    targets = list(
        School.objects.filter(bureau=mh, is_active=True, security_facts__isnull=False)
        .order_by("pk")
        .values_list("pk", flat=True)[: args.requests + args.warmup]
    )

    def update(i):
        school_id = targets[i % len(targets)]
        services.update_facts(
            actor=centre,
            school_id=school_id,
            values={"video_days": 15 if (i // len(targets)) % 2 == 0 else 30},
        )

    reset_queries()
    times = timed(update, args.requests, args.warmup)
    rows.append(row("update facts", vendor, times=times))
    print("  update facts: done", flush=True)

    def figures(user):
        def go(_i):
            selectors.requirement_rows(user)
            selectors.stage_rows(user)
            selectors.four100_figures(user)

        return go

    rows.append(row("centre figures", vendor, times=timed(figures(centre), args.requests, 2)))
    if vendor == "postgresql" or report["bureaus"] > 1:
        city = User.objects.get(username="city")
        rows.append(row("city figures", vendor, times=timed(figures(city), args.requests, 2)))

    # the page people open: the compliance page through the test client (figures, titles from
    # the effective rules, the 4个100%, rendering)
    from django.test import Client

    who = [("centre page", centre)]
    if vendor == "postgresql" or report["bureaus"] > 1:
        who.append(("city page", User.objects.get(username="city")))
    for label, user in who:
        client = Client()
        client.force_login(user)

        def page(_i, c=client):
            resp = c.get("/standards/compliance/")
            assert resp.status_code == 200, resp.status_code

        rows.append(row(label, vendor, times=timed(page, args.requests, 2)))
    connection.close()
    report["results"] = rows
    report["load_avg_end"] = harness.load_avg()
    judged = [r["pass"] for r in rows if r["pass"] is not None]
    report["pass"] = all(judged) if judged else None
    return report


def print_report(report: dict) -> None:
    print()
    print(
        f"Security standards on {report['db_version']}: {report['schools']:,} schools in "
        f"{report['bureaus']} bureaus, {report['findings']:,} findings after the first run; "
        f"{report['requests']} timed runs per timed row"
    )
    head = f"{'row':<22} {'p50/run':>10} {'p95':>10} {'target':>9} {'ratio':>6}  verdict"
    print(head)
    print("-" * len(head))
    for r in report["results"]:
        if r["unit"] == "s":
            p50, p95 = f"{r['seconds']:.2f} s", "—"
            target = f"{r['target']:.0f} s" if r["target"] else "—"
        else:
            p50, p95 = f"{r['p50_ms']:.1f} ms", f"{r['p95_ms']:.1f} ms"
            target = f"{r['target']:.0f} ms" if r["target"] else "—"
        ratio = f"{r['ratio']:.2f}" if r["ratio"] is not None else "—"
        verdict = {True: "PASS", False: "FAIL", None: "(no target)"}[r["pass"]]
        print(f"{r['label']:<22} {p50:>10} {p95:>10} {target:>9} {ratio:>6}  {verdict}")
    overall = {True: "PASS", False: "FAIL", None: "(nothing judged)"}[report["pass"]]
    print(f"OVERALL: {overall}")


def write_json(report: dict):
    tag = f"_{report['tag']}" if report.get("tag") else ""
    return harness.write_json(report, f"standards_{report['database']}{tag}")


def main(argv=None) -> int:
    args = parse_args(argv)
    vendor = prepare(args)

    def go():
        report = run(args, vendor)
        report["tag"] = args.tag
        return report

    return harness.run_and_report(go, print_report, write_json)


if __name__ == "__main__":
    sys.exit(main())
