#!/usr/bin/env python
"""Benchmark of the duty watch: a roster for every school of a district over a holiday.

Usage::

    .venv/bin/python bench/watch_rosters.py                 # SQLite, 400 schools
    .venv/bin/python bench/watch_rosters.py --postgres      # PostgreSQL, 4,000 schools
    .venv/bin/python bench/watch_rosters.py --schools 1000

It builds its own database (``bench/out/watch-<db>``; PostgreSQL: ``safecampus_bench_watch``):
``seed_demo --schools N --no-activity`` for the district, its schools and accounts; then with
bulk inserts a seven-day period around today, the bureau's roster and one published roster per
school with three shifts a day (a leader 08–20, an officer 08–20, a guard 20–08), about 80% of
the shifts begun so far checked in (the rest are missed), and the demo ``school`` account on
duty every day.

Measured (p95):

- **period rosters**: ``selectors.school_rows`` page 1 (50 schools, with each roster's status)
  and its count, as the district's safety centre (the roster list page);
- **missed shifts**: ``selectors.missed`` page 1 and its count, as the centre;
- **my duty**: ``selectors.my_shifts`` of the ``school`` account (the phone page);
- **figures**: ``selectors.figures`` as the centre (expected, published, rate, missed);
- **add shift**: ``services.shift_add`` on a draft roster (the times, the period and the
  overlap rule across the bureau's rosters, the event), 200 times.

Targets: p95 < 200 ms each on SQLite for a district and < 500 ms on PostgreSQL; add shift
p95 < 200 ms. Not a test; see bench/README.md for the conventions.
"""

from __future__ import annotations

import io
import sys
from time import perf_counter

import harness  # stdlib only: options, environment, timing, report, JSON

harness.use_paths()

PG_NAME = "safecampus_bench_watch"
PG_URL = harness.pg_url(PG_NAME)
DEFAULT_SCHOOLS = {"sqlite": 400, "postgresql": 4_000}
LABELS = ("period rosters", "missed shifts", "my duty", "figures", "add shift")
TARGETS = {
    **{("sqlite", label): 200.0 for label in LABELS},
    **{("postgresql", label): 500.0 for label in LABELS},
    ("postgresql", "add shift"): 200.0,
}


def parse_args(argv=None):
    p = harness.parser(__doc__)
    harness.add_postgres(p, PG_URL)
    harness.add_requests(p, requests=200, warmup=5)
    p.add_argument("--schools", type=int, help="schools to seed (400 / 4000)")
    harness.add_tag(p, "write bench/out/watch_<db>_<tag>.json")
    return harness.parse(p, argv)


def prepare(args) -> str:
    vendor = harness.vendor_of(args.postgres)
    args.schools = args.schools or DEFAULT_SCHOOLS[vendor]
    var = harness.fresh_dir(harness.OUT_DIR / f"watch-{vendor}")
    harness.prepare_environment(var, database_url=PG_URL if args.postgres else None)
    if args.postgres:
        harness.recreate_pg_database(PG_NAME)
    return vendor


def seed(args, now) -> dict:
    import datetime
    import random

    from django.core.management import call_command
    from django.utils import timezone

    from safecampus.accounts.models import User
    from safecampus.orgs.models import Bureau, School
    from safecampus.watch.choices import PeriodKind, Post, RosterStatus
    from safecampus.watch.models import Roster, Shift, WatchPeriod
    from safecampus.watch.services import local_day_bounds

    info = {}
    rng = random.Random(19)
    t = perf_counter()
    call_command("seed_demo", schools=args.schools, no_activity=True, stdout=io.StringIO())
    info["seed_demo_s"] = round(perf_counter() - t, 2)
    print(f"  seed_demo --schools {args.schools}: {info['seed_demo_s']:.1f} s", flush=True)
    t = perf_counter()
    district = Bureau.objects.get(code_prefix="MH")
    today = timezone.localdate(now)
    period = WatchPeriod.objects.create(
        bureau=district,
        name="基准节假日",
        kind=PeriodKind.HOLIDAY,
        starts_on=today - datetime.timedelta(days=3),
        ends_on=today + datetime.timedelta(days=3),
    )
    schools = list(School.objects.filter(bureau=district).values_list("pk", flat=True))
    me = User.objects.get(username="school")
    my_school = me.role_assignments.values_list("school_id", flat=True).first()
    rosters = Roster.objects.bulk_create(
        [Roster(bureau=district, period=period, status=RosterStatus.PUBLISHED, published_at=now)]
        + [
            Roster(
                bureau=district,
                school_id=s,
                period=period,
                status=RosterStatus.PUBLISHED,
                published_at=now,
            )
            for s in schools
        ],
        batch_size=2000,
    )
    rosters = list(Roster.objects.filter(period=period).order_by("pk"))
    shifts, n = [], 0
    for roster in rosters:
        for day in period.days():
            start, end = local_day_bounds(day)
            for post, h0, h1, name in (
                (Post.LEADER, 8, 20, "带班"),
                (Post.OFFICER, 8, 20, "值班"),
                (Post.GUARD, 20, 32, "门卫"),
            ):
                if day == period.ends_on and h1 > 24:
                    continue
                s0 = start + datetime.timedelta(hours=h0)
                s1 = start + datetime.timedelta(hours=h1)
                mine = roster.school_id == my_school and post == Post.OFFICER
                checked = s0 <= now and rng.random() < 0.8
                shifts.append(
                    Shift(
                        roster=roster,
                        bureau=district,
                        post=post,
                        person=me if mine else None,
                        person_name=me.display_name if mine else f"{name}{roster.pk}",
                        phone=f"139{roster.pk:08d}",
                        starts_at=s0,
                        ends_at=s1,
                        checked_in_at=s0 - datetime.timedelta(minutes=5) if checked else None,
                    )
                )
                n += 1
        if len(shifts) >= 5000:
            Shift.objects.bulk_create(shifts, batch_size=5000)
            shifts = []
    Shift.objects.bulk_create(shifts, batch_size=5000)
    info["rosters"] = len(rosters)
    info["shifts"] = n
    info["watch_seed_s"] = round(perf_counter() - t, 2)
    print(f"  {len(rosters):,} rosters, {n:,} shifts: {info['watch_seed_s']:.1f} s", flush=True)
    from safecampus.core.db import db_optimize

    db_optimize(full=True)
    return info


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


def row(label, vendor, times) -> dict:
    target = TARGETS.get((vendor, label))
    r = {"label": label, "target": target, **harness.ms_summary(times), "unit": "ms"}
    r["value"] = harness.pct(times, 95)
    r["ratio"] = round(r["value"] / target, 2) if target else None
    r["pass"] = (r["value"] <= target) if target else None
    return r


def run(args, vendor: str) -> dict:
    import datetime

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.core.paginator import Paginator
    from django.utils import timezone

    from safecampus.accounts.models import User
    from safecampus.core.access import forget_scope
    from safecampus.watch import selectors, services
    from safecampus.watch.choices import Post
    from safecampus.watch.models import Roster, WatchPeriod

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
    report["schools"] = args.schools
    centre = User.objects.get(username="centre")
    school = User.objects.get(username="school")
    period = WatchPeriod.objects.get(name="基准节假日")
    today = timezone.localdate(now)
    rows = []

    def fresh(user):
        forget_scope(user)
        return user

    def period_rosters(_i):
        qs = selectors.school_rows(fresh(centre), period)
        page = Paginator(qs, 50).get_page(1)
        assert len(list(page.object_list)) == 50 and page.paginator.count >= 50

    def missed(_i):
        qs = selectors.missed(fresh(centre), now=now)
        page = Paginator(qs, 50).get_page(1)
        assert list(page.object_list) and page.paginator.count

    def my_duty(_i):
        assert list(selectors.my_shifts(fresh(school), now=now)[:30])

    def figures(_i):
        f = selectors.figures(user=fresh(centre), today=today, now=now)
        assert f and f["expected"]["value"] >= args.schools

    draft = Roster.objects.filter(period=period, school__isnull=False).order_by("pk").first()
    draft.status = "draft"
    draft.save(update_fields=["status"])
    first, _end = services.local_day_bounds(period.starts_on)

    def add_shift(i):
        start = first + datetime.timedelta(minutes=10 * (i + 10))
        services.shift_add(
            actor=fresh(centre),
            roster=draft,
            data={
                "post": Post.GUARD,
                "person": None,
                "person_name": f"基准{i}",
                "phone": "",
                "starts_at": start,
                "ends_at": start + datetime.timedelta(minutes=10),
            },
            now=now,
        )

    for label, fn in zip(
        LABELS, (period_rosters, missed, my_duty, figures, add_shift), strict=True
    ):
        times = timed(fn, args.requests, args.warmup)
        rows.append(row(label, vendor, times))
        print(f"  {label}: p95 {rows[-1]['p95_ms']:.1f} ms", flush=True)
    report["results"] = rows
    report["pass"] = all(r["pass"] for r in rows if r["pass"] is not None)
    report["load_avg_end"] = harness.load_avg()
    return report


def print_report(report: dict) -> None:
    print(
        f"\nDuty watch on {report['db_version']}: {report['schools']:,} schools, "
        f"{report['rosters']:,} rosters, {report['shifts']:,} shifts, "
        f"{report['requests']} requests each"
    )
    print(f"{'':<16} {'p50':>10} {'p95':>10} {'target':>9} {'ratio':>6}")
    for r in report["results"]:
        target = f"{r['target']:.0f} ms" if r["target"] else "—"
        ratio = f"{r['ratio']:.2f}" if r["ratio"] is not None else "—"
        verdict = {True: "PASS", False: "FAIL", None: "(no target)"}[r["pass"]]
        print(
            f"{r['label']:<16} {r['p50_ms']:>7.1f} ms {r['p95_ms']:>7.1f} ms {target:>9} "
            f"{ratio:>6}  {verdict}"
        )
    print(f"OVERALL: {'PASS' if report['pass'] else 'FAIL'}")


def write_json(report: dict):
    tag = f"_{report['tag']}" if report.get("tag") else ""
    return harness.write_json(report, f"watch_{report['database']}{tag}")


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
