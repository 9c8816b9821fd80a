#!/usr/bin/env python
"""Benchmark of incidents: the incident list and the timeliness figures a bureau reads, and
reporting an incident the way a school does (the report form's POST).

Usage::

    .venv/bin/python bench/incidents.py                 # SQLite: 400 schools, 6,000 incidents
    .venv/bin/python bench/incidents.py --postgres      # PostgreSQL: 40,000 / 60,000

It builds its own database (``bench/out/incidents-<db>``; PostgreSQL: ``safecampus_bench_incidents``
on 127.0.0.1:5432): ``seed_demo --schools N --no-activity`` for the bureaus, schools and accounts,
then with bulk inserts N incidents over the past year (types, grades and timeliness mixed as a
district reports them; 4% restricted, with their access lists), each with its first written
report and, for most, follow-ups and a closing report.

Measured (logged in, through the pages, as users reach them):

- **incident list**: ``GET /incidents/`` as the district's safety centre (the city's centre on
  PostgreSQL: a province), first page, and filtered to the late first reports;
- **timeliness figures**: ``GET /incidents/overview/`` (this year's figures: totals, by type and
  grade, timeliness rate, missed follow-ups);
- **report incident**: the school safety officer's ``POST /incidents/new/`` (checks, the
  incident, its event and step, the notices), 200 times.

Targets (p95): list and figures < 200 ms for a district on SQLite, < 500 ms for a province on
PostgreSQL; report < 200 ms. Not a test; see bench/README.md for the conventions.
"""

from __future__ import annotations

import io
import random
import sys
from time import perf_counter

import harness  # stdlib only: options, environment, timing, report, JSON

harness.use_paths()

PG_NAME = "safecampus_bench_incidents"
PG_URL = harness.pg_url(PG_NAME)
DEFAULT_SCHOOLS = {"sqlite": 400, "postgresql": 40_000}
DEFAULT_INCIDENTS = {"sqlite": 6_000, "postgresql": 60_000}
TARGETS = {
    ("sqlite", "incident list"): 200.0,
    ("sqlite", "incident list (late)"): 200.0,
    ("sqlite", "timeliness figures"): 200.0,
    ("sqlite", "report incident"): 200.0,
    ("postgresql", "incident list"): 500.0,
    ("postgresql", "incident list (late)"): 500.0,
    ("postgresql", "timeliness figures"): 500.0,
    ("postgresql", "report incident"): 200.0,
}
TYPES = [
    ("injury", 40),
    ("traffic", 10),
    ("fire", 3),
    ("food_poisoning", 4),
    ("infectious", 8),
    ("violence", 5),
    ("bullying", 3),
    ("abuse", 1),
    ("disaster", 2),
    ("public_opinion", 8),
    ("disturbance", 4),
    ("other", 12),
]
SEVERITIES = [("general", 85), ("larger", 11), ("major", 3), ("extraordinary", 1)]


def parse_args(argv=None):
    p = harness.parser(__doc__)
    harness.add_postgres(p, PG_URL)
    harness.add_requests(p, requests=200, warmup=5)
    p.add_argument("--schools", type=int, help="schools to seed (400 / 40000)")
    p.add_argument("--incidents", type=int, help="incidents to seed (6000 / 60000)")
    harness.add_reuse_db(p, "keep the seeded database of the previous run (after a code change)")
    harness.add_tag(p, "write bench/out/incidents_<db>_<tag>.json")
    return harness.parse(p, argv)


def prepare(args) -> str:
    vendor = harness.vendor_of(args.postgres)
    args.schools = args.schools or DEFAULT_SCHOOLS[vendor]
    args.incidents = args.incidents or DEFAULT_INCIDENTS[vendor]
    var = harness.fresh_dir(harness.OUT_DIR / f"incidents-{vendor}", keep=args.reuse_db)
    harness.prepare_environment(var, database_url=PG_URL if args.postgres else None)
    if args.postgres and not args.reuse_db:
        harness.recreate_pg_database(PG_NAME)
    return vendor


def _pick(rng, weighted):
    return rng.choices([w[0] for w in weighted], [w[1] for w in weighted])[0]


def seed(args, now) -> dict:
    import datetime

    from django.core.management import call_command

    from safecampus.accounts.models import RoleAssignment
    from safecampus.core.roles import Role
    from safecampus.incidents.models import Incident, IncidentAccess, IncidentStep
    from safecampus.incidents.services import limits_for
    from safecampus.orgs.models import School

    info = {}
    rng = random.Random(19)
    t = perf_counter()
    call_command("seed_demo", schools=args.schools, no_activity=True, stdout=io.StringIO())
    info["seed_demo_s"] = round(perf_counter() - t, 2)
    print(f"  seed_demo --schools {args.schools}: {info['seed_demo_s']:.1f} s", flush=True)

    t = perf_counter()
    schools = list(School.objects.values_list("pk", "bureau_id"))
    reporter = RoleAssignment.objects.filter(role=Role.SCHOOL_OFFICER).values_list(
        "user_id", flat=True
    )[0]
    centre_of = dict(
        RoleAssignment.objects.filter(role=Role.SAFETY_CENTRE).values_list("bureau_id", "user_id")
    )
    limits_cache: dict = {}
    batch = []
    for i in range(args.incidents):
        school_id, bureau_id = schools[(i * 7919) % len(schools)]
        kind = _pick(rng, TYPES)
        severity = _pick(rng, SEVERITIES)
        key = (bureau_id, kind, severity)
        if key not in limits_cache:
            limits_cache[key] = limits_for(bureau_id, kind, severity)
        limits = limits_cache[key]
        occurred = now - datetime.timedelta(minutes=rng.randint(60, 365 * 24 * 60))
        delay = rng.choice([5, 10, 20, 25, 30, 35, 45, 60, 90, 180])
        reported = occurred + datetime.timedelta(minutes=delay)
        written_due = occurred + datetime.timedelta(minutes=limits.written_minutes or 60)
        verbal_due = occurred + datetime.timedelta(minutes=limits.verbal_minutes or 30)
        closed = reported + datetime.timedelta(days=rng.randint(0, 20))
        is_closed = closed < now and rng.random() < 0.9
        batch.append(
            Incident(
                bureau_id=bureau_id,
                school_id=school_id,
                incident_type=kind,
                severity=severity,
                title=f"事件{i + 1}",
                occurred_at=occurred,
                known_at=occurred,
                place="校内",
                description="基本情况",
                affected_students=rng.randint(0, 5),
                injured=rng.randint(0, 2),
                restricted=kind in ("bullying", "abuse"),
                status="closed" if is_closed else "open",
                limits=limits.as_dict(),
                reported_at=reported,
                reported_by_id=reporter,
                verbal_due_at=verbal_due,
                written_due_at=written_due,
                first_late=reported > verbal_due or reported > written_due,
                follow_ups=1,
                last_step_at=reported,
                closed_at=closed if is_closed else None,
                status_changed_at=closed if is_closed else reported,
            )
        )
        if len(batch) >= 5000:
            Incident.objects.bulk_create(batch, batch_size=5000)
            batch = []
    Incident.objects.bulk_create(batch, batch_size=5000)
    steps, access = [], []
    for pk, reported, closed, bureau_id, restricted, written_due in Incident.objects.values_list(
        "pk", "reported_at", "closed_at", "bureau_id", "restricted", "written_due_at"
    ).iterator(chunk_size=5000):
        steps.append(
            IncidentStep(
                incident_id=pk,
                kind="initial",
                at=reported,
                recorded_at=reported,
                due_at=written_due,
                late=reported > written_due,
                actor_id=reporter,
            )
        )
        steps.append(
            IncidentStep(
                incident_id=pk,
                kind="follow_up",
                at=reported + datetime.timedelta(hours=3),
                recorded_at=reported + datetime.timedelta(hours=3),
                actor_id=reporter,
            )
        )
        if closed:
            steps.append(
                IncidentStep(
                    incident_id=pk, kind="final", at=closed, recorded_at=closed, actor_id=reporter
                )
            )
        if restricted:
            access.append(IncidentAccess(incident_id=pk, user_id=reporter))
            if centre_of.get(bureau_id):
                access.append(IncidentAccess(incident_id=pk, user_id=centre_of[bureau_id]))
        if len(steps) >= 10000:
            IncidentStep.objects.bulk_create(steps, batch_size=5000)
            steps = []
    IncidentStep.objects.bulk_create(steps, batch_size=5000)
    IncidentAccess.objects.bulk_create(access, batch_size=5000, ignore_conflicts=True)
    info["incident_seed_s"] = round(perf_counter() - t, 2)
    print(f"  {args.incidents:,} incidents with steps, bulk: {info['incident_seed_s']:.1f} s")
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


def row(label, vendor, *, times, **extra) -> dict:
    target = TARGETS.get((vendor, label))
    r = {"label": label, "target": target, **extra}
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
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from safecampus.accounts.models import User
    from safecampus.incidents.models import Incident

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
    if args.reuse_db and Incident.objects.exists():
        print("  (the previous run's database, kept)", flush=True)
        report["reused"] = True
    else:
        report.update(seed(args, now))
    report["db_version"] = harness.db_description(vendor)
    report["schools"] = args.schools
    report["incidents"] = Incident.objects.count()
    rows = []
    reader = User.objects.get(username="city" if vendor == "postgresql" else "centre")
    school = User.objects.get(username="school")
    school_id = school.role_assignments.filter(revoked_at__isnull=True).first().school_id

    client = Client(HTTP_HOST="localhost")
    client.force_login(reader)
    sizes = {}

    def page(url):
        def go(_i):
            resp = client.get(url)
            if resp.status_code != 200:
                raise RuntimeError(f"{url}: {resp.status_code}")
            sizes[url] = len(resp.content)

        return go

    n = args.requests
    for label, url in (
        ("incident list", "/incidents/"),
        ("incident list (late)", "/incidents/?timeliness=late"),
        ("timeliness figures", "/incidents/overview/"),
    ):
        rows.append(row(label, vendor, times=timed(page(url), n, args.warmup), url=url))
        print(f"  {label}: done", flush=True)

    poster = Client(HTTP_HOST="localhost")
    poster.force_login(school)
    local = timezone.localtime(now)

    def report_one(i):
        occurred = local - datetime.timedelta(minutes=15)
        resp = poster.post(
            "/incidents/new/",
            {
                "school": school_id,
                "incident_type": "injury",
                "severity": "general",
                "title": f"学生摔伤{i}",
                "occurred_at": occurred.strftime("%Y-%m-%dT%H:%M"),
                "place": "操场",
                "description": "课间摔倒，擦伤。",
                "measures": "校医处置。",
                "affected_students": 1,
                "injured": 1,
            },
        )
        if resp.status_code != 302:
            raise RuntimeError(f"report: {resp.status_code} {resp.content[:400]!r}")

    rows.append(row("report incident", vendor, times=timed(report_one, n, args.warmup)))
    print("  report incident: done", flush=True)
    connection.close()
    report["results"] = rows
    report["load_avg_end"] = harness.load_avg()
    judged = [r["pass"] for r in rows if r["pass"] is not None]
    report["pass"] = all(judged) if judged else None
    return report


def print_report(report: dict) -> None:
    print()
    print(
        f"Incidents on {report['db_version']}: {report['schools']:,} schools, "
        f"{report['incidents']:,} incidents; {report['requests']} timed requests per row"
    )
    head = f"{'row':<22} {'p50':>10} {'p95':>10} {'target':>9} {'ratio':>6}  verdict"
    print(head)
    print("-" * len(head))
    for r in report["results"]:
        target = f"{r['target']:.0f} ms" if r["target"] else "—"
        ratio = f"{r['ratio']:.2f}" if r["ratio"] is not None else "—"
        verdict = {True: "PASS", False: "FAIL", None: "(no target)"}[r["pass"]]
        print(
            f"{r['label']:<22} {r['p50_ms']:>7.1f} ms {r['p95_ms']:>7.1f} ms {target:>9} "
            f"{ratio:>6}  {verdict}"
        )
    overall = {True: "PASS", False: "FAIL", None: "(nothing judged)"}[report["pass"]]
    print(f"OVERALL: {overall}")


def write_json(report: dict):
    tag = f"_{report['tag']}" if report.get("tag") else ""
    return harness.write_json(report, f"incidents_{report['database']}{tag}")


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
