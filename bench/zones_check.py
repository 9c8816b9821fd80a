#!/usr/bin/env python
"""Benchmark of the student safety zone: checking every venue against every school again, one
new venue as a user enters it, a moved gate, and the map of a district.

Usage::

    .venv/bin/python bench/zones_check.py                       # SQLite, 400 schools, 2,000 venues
    .venv/bin/python bench/zones_check.py --postgres            # PostgreSQL, 40,000 / 200,000
    .venv/bin/python bench/zones_check.py --postgres --schools 4000 --venues 20000

It builds its own database (``bench/out/zones-<db>``; PostgreSQL: ``safecampus_bench_zones`` on
127.0.0.1:5432): ``seed_demo --schools N --no-activity`` for the bureaus (400 schools each, 1–3
gates each in GCJ-02), the schools and the accounts; the shipped zone rules (national, and the
闵行, gate and waiting-area packs in the city bureau, so that every district has them); then with
bulk inserts a boundary (a rectangle around the gates, GCJ-02) for about 30% of the schools and
M venues of mixed types, recorded in WGS-84, GCJ-02 or BD-09, about 25% of them 20–200 m from a
gate of a school of their bureau, the rest anywhere in the district.

Measured:

- **recheck (first)**: ``detection.recheck_bureau`` on the city bureau (every school, every
  venue): the sites and cells built, every venue measured, the hits and cases written;
- **recheck (again)**: the same, nothing changed (every case already open);
- **register venue**: ``services.register_venue`` as the district's safety centre, a venue
  near a school or anywhere, the way a user enters one (checks, the venue, its event, its
  check and its case), 200 times;
- **move gate**: a gate moved by a few metres, then ``detection.check_school`` (the site
  rebuilt, the venues around measured against it again);
- **district map**: ``selectors.map_rows`` as the district's centre, time and JSON size.

Targets: recheck < 60 s for 40,000 schools / 200,000 venues on PostgreSQL (< 5 s for 400 /
2,000 on SQLite); register venue p95 < 50 ms; move gate p95 < 200 ms; district map p95 < 1 s.
Not a test; see bench/README.md for the conventions.
"""

from __future__ import annotations

import io
import json
import random
import sys
from time import perf_counter

import harness  # stdlib only: options, environment, timing, report, JSON

harness.use_paths()

PG_NAME = "safecampus_bench_zones"
PG_URL = harness.pg_url(PG_NAME)
DEFAULT_SCHOOLS = {"sqlite": 400, "postgresql": 40_000}
DEFAULT_VENUES = {"sqlite": 2_000, "postgresql": 200_000}
#: (database, row) -> limit: seconds for a whole run, else p95 in ms
TARGETS = {
    ("sqlite", "recheck (first)"): 5.0,
    ("postgresql", "recheck (first)"): 60.0,
    ("sqlite", "recheck (again)"): 5.0,
    ("postgresql", "recheck (again)"): 60.0,
    ("sqlite", "register venue"): 50.0,
    ("postgresql", "register venue"): 50.0,
    ("sqlite", "move gate"): 200.0,
    ("postgresql", "move gate"): 200.0,
    ("sqlite", "district map"): 1000.0,
    ("postgresql", "district map"): 1000.0,
}
KINDS = [
    ("internet_cafe", 20),
    ("entertainment", 15),
    ("game_hall", 10),
    ("bar", 8),
    ("hotel", 15),
    ("lottery", 8),
    ("polluting", 5),
    ("vice", 4),
    ("stalls", 10),
    ("other", 5),
]
SYSTEMS = [("gcj02", 60), ("wgs84", 25), ("bd09", 15)]


def parse_args(argv=None):
    p = harness.parser(__doc__)
    harness.add_postgres(p, PG_URL)
    harness.add_requests(p, requests=200, warmup=5)
    p.add_argument("--schools", type=int, help="schools to seed (400 / 40000)")
    p.add_argument("--venues", type=int, help="venues to seed (2000 / 200000)")
    p.add_argument("--profile", action="store_true", help="cProfile both rechecks")
    harness.add_tag(p, "write bench/out/zones_<db>_<tag>.json")
    return harness.parse(p, argv)


def prepare(args) -> str:
    vendor = harness.vendor_of(args.postgres)
    args.schools = args.schools or DEFAULT_SCHOOLS[vendor]
    args.venues = args.venues or DEFAULT_VENUES[vendor]
    var = harness.fresh_dir(harness.OUT_DIR / f"zones-{vendor}")
    harness.prepare_environment(var, database_url=PG_URL if args.postgres else None)
    if args.postgres:
        harness.recreate_pg_database(PG_NAME)
    return vendor


def _pick(rng, weighted):
    return rng.choices([w[0] for w in weighted], [w[1] for w in weighted])[0]


def seed(args, now) -> dict:
    from django.core.management import call_command

    from safecampus.core import geo
    from safecampus.orgs.models import Bureau, SchoolGate
    from safecampus.zones.loading import load_pack
    from safecampus.zones.models import SchoolBoundary, Venue

    info = {}
    rng = random.Random(18)
    t = perf_counter()
    call_command("seed_demo", schools=args.schools, no_activity=True, stdout=io.StringIO())
    info["seed_demo_s"] = round(perf_counter() - t, 2)
    print(f"  seed_demo --schools {args.schools}: {info['seed_demo_s']:.1f} s", flush=True)

    t = perf_counter()
    city = Bureau.objects.get(code_prefix="MH").parent
    for pack in ("minhang", "safety_zone_gate", "waiting_area"):
        load_pack(city, pack, now=now)
    gates: dict[int, list] = {}
    bureau_of: dict[int, int] = {}
    for school_id, bureau_id, lon, lat in SchoolGate.objects.values_list(
        "school_id", "school__bureau_id", "longitude", "latitude"
    ):
        gates.setdefault(school_id, []).append((float(lon), float(lat)))
        bureau_of[school_id] = bureau_id
    school_ids = sorted(gates)
    margin_lon, margin_lat = 0.0005, 0.0004  # about 50 m and 45 m beyond the outer gates
    boundaries = []
    for school_id in school_ids:
        if rng.random() >= 0.30:
            continue
        lons = [g[0] for g in gates[school_id]]
        lats = [g[1] for g in gates[school_id]]
        # the gates stand on the south-west edge; the campus lies north-east of them
        x0, y0 = min(lons) - 0.00002, min(lats) - 0.00002
        x1, y1 = max(lons) + margin_lon * 3, max(lats) + margin_lat * 3
        ring = [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]
        ring = [[round(x, 6), round(y, 6)] for x, y in ring]
        boundaries.append(
            SchoolBoundary(
                school_id=school_id,
                bureau_id=bureau_of[school_id],
                coord_system="gcj02",
                vertices=ring,
                wgs=[list(geo.to_wgs84(x, y, "gcj02")) for x, y in ring],
                source="api",
                area_m2=(x1 - x0) * 95_000 * (y1 - y0) * 111_000,
            )
        )
    SchoolBoundary.objects.bulk_create(boundaries, batch_size=2000)
    info["boundaries"] = len(boundaries)

    by_bureau: dict[int, list[int]] = {}
    for school_id in school_ids:
        by_bureau.setdefault(bureau_of[school_id], []).append(school_id)
    bureaus = sorted(by_bureau)
    from safecampus.demo.organisations import LAT, LNG

    batch, near = [], 0
    for i in range(args.venues):
        bureau_id = bureaus[i % len(bureaus)]
        if rng.random() < 0.25:
            school_id = rng.choice(by_bureau[bureau_id])
            glon, glat = geo.to_wgs84(*rng.choice(gates[school_id]), "gcj02")
            wlon, wlat = geo.offset(glon, glat, rng.uniform(0, 360), rng.uniform(20, 200))
            near += 1
        else:
            wlon, wlat = geo.to_wgs84(rng.uniform(*LNG), rng.uniform(*LAT), "gcj02")
        system = _pick(rng, SYSTEMS)
        lon, lat = geo.from_wgs84(wlon, wlat, system)
        lon, lat = round(lon, 6), round(lat, 6)
        wlon, wlat = geo.to_wgs84(lon, lat, system)
        batch.append(
            Venue(
                bureau_id=bureau_id,
                kind=_pick(rng, KINDS),
                name=f"场所{i + 1}",
                address=f"测试路{i + 1}号",
                longitude=f"{lon:.6f}",
                latitude=f"{lat:.6f}",
                coord_system=system,
                wgs_lon=wlon,
                wgs_lat=wlat,
                cell=geo.cell_of(wlon, wlat),
                source="import",
                created_at=now,
                updated_at=now,
                status_changed_at=now,
            )
        )
        if len(batch) >= 5000:
            Venue.objects.bulk_create(batch, batch_size=5000)
            batch = []
    Venue.objects.bulk_create(batch, batch_size=5000)
    info["venues_near"] = near
    info["zone_seed_s"] = round(perf_counter() - t, 2)
    print(
        f"  rules, {len(boundaries):,} boundaries, {args.venues:,} venues ({near:,} near a "
        f"gate), bulk: {info['zone_seed_s']:.1f} s",
        flush=True,
    )
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
    from django.core.exceptions import ValidationError
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from safecampus.accounts.models import User
    from safecampus.core import geo
    from safecampus.orgs.models import Bureau, SchoolGate
    from safecampus.zones import detection, selectors, services
    from safecampus.zones.models import Venue, ZoneCase, ZoneHit

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
    report["venues"] = Venue.objects.count()
    rows = []
    city = Bureau.objects.get(code_prefix="MH").parent

    print("checking everything:", flush=True)
    t = perf_counter()
    if args.profile:
        import cProfile
        import pstats

        prof = cProfile.Profile()
        first_counts = prof.runcall(detection.recheck_bureau, city.pk, now=now)
        pstats.Stats(prof).sort_stats("tottime").print_stats(25)
    else:
        first_counts = detection.recheck_bureau(city.pk, now=now)
    first = perf_counter() - t
    report["hits"] = ZoneHit.objects.count()
    report["cases"] = ZoneCase.objects.count()
    rows.append(row("recheck (first)", vendor, seconds=first, counts=dict(first_counts)))
    print(f"  first: {first:.2f} s, {report['hits']:,} hits, {report['cases']:,} cases", flush=True)
    t = perf_counter()
    later = now + datetime.timedelta(hours=1)
    if args.profile:
        prof = cProfile.Profile()
        again_counts = prof.runcall(detection.recheck_bureau, city.pk, now=later)
        pstats.Stats(prof).sort_stats("tottime").print_stats(25)
    else:
        again_counts = detection.recheck_bureau(city.pk, now=later)
    again = perf_counter() - t
    rows.append(row("recheck (again)", vendor, seconds=again, counts=dict(again_counts)))
    print(f"  again: {again:.2f} s", flush=True)

    centre = User.objects.get(username="centre")
    mh = Bureau.objects.get(code_prefix="MH")
    rng = random.Random(7)
    mh_gates = list(
        SchoolGate.objects.filter(school__bureau=mh).values_list(
            "pk", "school_id", "longitude", "latitude"
        )
    )

    def register(i):
        for _attempt in range(20):
            if rng.random() < 0.5:
                _pk, _s, lon, lat = rng.choice(mh_gates)
                wlon, wlat = geo.to_wgs84(lon, lat, "gcj02")
                wlon, wlat = geo.offset(wlon, wlat, rng.uniform(0, 360), rng.uniform(30, 190))
            else:
                from safecampus.demo.organisations import LAT, LNG

                wlon, wlat = geo.to_wgs84(rng.uniform(*LNG), rng.uniform(*LAT), "gcj02")
            system = _pick(rng, SYSTEMS)
            lon, lat = geo.from_wgs84(wlon, wlat, system)
            data = {
                "kind": _pick(rng, KINDS),
                "name": f"新场所{i}",
                "address": "测试路",
                "longitude": f"{lon:.6f}",
                "latitude": f"{lat:.6f}",
                "coord_system": system,
            }
            try:
                return services.register_venue(actor=centre, bureau_id=mh.pk, data=data, now=now)
            except ValidationError:
                continue  # inside a campus or at a gate: another spot
        raise RuntimeError("no spot for a venue")

    before = ZoneCase.objects.count()
    rows.append(row("register venue", vendor, times=timed(register, args.requests, args.warmup)))
    report["register_cases"] = ZoneCase.objects.count() - before
    print(f"  register venue: done ({report['register_cases']} cases opened)", flush=True)

    def move(i):
        pk, school_id, lon, lat = mh_gates[(i * 7919) % len(mh_gates)]
        shift = 0.00003 if i % 2 == 0 else 0.0
        SchoolGate.objects.filter(pk=pk).update(
            longitude=f"{float(lon) + shift:.6f}", latitude=f"{float(lat):.6f}"
        )
        detection.check_school(school_id, now=now)

    rows.append(row("move gate", vendor, times=timed(move, args.requests, args.warmup)))
    print("  move gate: done", flush=True)

    size = {}

    def district_map(_i):
        rows_ = selectors.map_rows(centre, bureau_id=mh.pk, tiles_system="gcj02")
        size["bytes"] = len(json.dumps(rows_, ensure_ascii=False, separators=(",", ":")))
        size["schools"] = len(rows_["schools"])
        size["venues"] = len(rows_["venues"])

    n = max(2, args.requests // 10)
    rows.append(row("district map", vendor, times=timed(district_map, n, 2), **size))
    print(
        f"  district map: {size['schools']} schools, {size['venues']} venues, "
        f"{size['bytes'] / 1024:.0f} KiB",
        flush=True,
    )
    connection.close()
    report["results"] = rows
    report["load_avg_end"] = harness.load_avg()
    judged = [r["pass"] for r in rows if r["pass"] is not None]
    report["pass"] = all(judged) if judged else None
    return report


def print_report(report: dict) -> None:
    print()
    print(
        f"Student safety zone on {report['db_version']}: {report['schools']:,} schools "
        f"({report['boundaries']:,} with a boundary), {report['venues']:,} venues; "
        f"{report['hits']:,} hits and {report['cases']:,} cases after the first run; "
        f"{report['requests']} timed runs per timed row"
    )
    head = f"{'row':<18} {'p50/run':>10} {'p95':>10} {'target':>9} {'ratio':>6}  verdict"
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
        extra = ""
        if "bytes" in r:
            extra = f"  ({r['schools']} schools, {r['venues']} venues, {r['bytes'] / 1024:.0f} KiB)"
        print(f"{r['label']:<18} {p50:>10} {p95:>10} {target:>9} {ratio:>6}  {verdict}{extra}")
    overall = {True: "PASS", False: "FAIL", None: "(nothing judged)"}[report["pass"]]
    print(f"OVERALL: {overall}")


def write_json(report: dict):
    tag = f"_{report['tag']}" if report.get("tag") else ""
    return harness.write_json(report, f"zones_{report['database']}{tag}")


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
