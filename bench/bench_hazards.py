#!/usr/bin/env python
"""Benchmark of the hazard register (issue 3): list page and API, hazard page, Excel export.

Usage::

    .venv/bin/python bench/bench_hazards.py              # SQLite: 400 schools, 40,000 hazards
    .venv/bin/python bench/bench_hazards.py --postgres   # PostgreSQL: 40,000 schools, 4,000,000

Builds a fresh database (SQLite under bench/out/hazards-sqlite, or the PostgreSQL database
``safecampus_bench_hazards`` on 127.0.0.1 with ``--postgres``), seeds the demo organisation with
``seed_demo``, ~30 departments and the default catalog per district, then the hazards (bulk
inserts on SQLite, ``INSERT … SELECT FROM generate_series`` on PostgreSQL). It then times
``/hazards/`` and ``/api/v1/hazards/`` for several filters as four users, each against the same
hazard SQL run through a plain DB-API cursor, the hazard page, and the Excel export of 10,000 to
100,000 rows (time and peak memory, each size in a fresh process). See bench/README.md.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import io
import json
import math
import os
import random
import re
import subprocess
import sys
import time
from datetime import datetime as dt
from pathlib import Path
from time import perf_counter

import harness  # stdlib only: options, environment, timing, report, JSON

harness.use_paths()

from bench_school_list import (  # noqa: E402  (stdlib-only helpers shared with the school bench)
    QueryRecorder,
    explain,
    readable,
)
from harness import summary  # noqa: E402

#: a database of its own, so that the school bench (which drops ``safecampus_bench``) and this
#: one can be run in turn without reseeding 4,000,000 hazards
PG_NAME = "safecampus_bench_hazards"
PG_URL = harness.pg_url(PG_NAME)

DEFAULTS = {
    "sqlite": {"schools": 400, "hazards": 40_000},
    "postgresql": {"schools": 40_000, "hazards": 4_000_000},
}
TARGET_P95_MS = 200.0
TARGET_RATIO = 5.0
TARGET_EXPORT_S = 60.0
TARGET_EXPORT_MB = 300.0
TARGET_SEED_S = {"sqlite": 120.0, "postgresql": 600.0}
EXPORT_SIZES = (10_000, 50_000, 100_000)
PAGE_SIZE = 50

USERS = {
    "city": "safety centre of the city bureau: every district's hazards",
    "centre": "safety centre of 闵行: the bureau's hazards",
    "pj1": "department officer (普教一科): responsible or cooperating",
    "school": "school officer: the school's own hazards",
}
ENDPOINTS = {"page": "/hazards/", "api": "/api/v1/hazards/"}
#: (id, label, parameters). Placeholders are filled from the seeded data (see case_params).
CASES = [
    ("a", "unfiltered", {}),
    (
        "b",
        "dept+status+overdue",
        {"department": "{dept}", "status": ["assigned", "rectifying"], "overdue": "true"},
    ),
    ("c", "school", {"school": "{school}"}),
    ("d", "area A02", {"area": "A02"}),
    ("e", "q=灭火器", {"q": "灭火器"}),
    ("f", "unfiltered p20", {"page": 20}),
]
DETAIL_ENDPOINTS = {"page": "/hazards/{pk}/", "api": "/api/v1/hazards/{pk}/"}

# --- what the seeded hazards look like (shared by the SQLite and the PostgreSQL seed) -----------


def words(text: str) -> list[str]:
    return text.split()


#: the filler departments that bring each district to 30 (seed_demo creates 13 in 闵行)
EXTRA_DEPARTMENTS = words(
    "后勤保障科 计划财务科 德育科 体卫艺科 信息中心 招生考试中心 督导事务中心 "
    "青少年活动中心 校外教育科 民办教育管理科 教师发展中心 审计科 组织科 "
    "宣传科 纪检监察室 老干部科 工会"
)
#: hazards are found evenly over this many days up to today; ids grow with the date found
SPAN_DAYS = 3 * 365
#: share (per mille) of hazards whose responsible department is the check item's default one
#: (the rest are spread evenly over the bureau's departments: transfers, other arrangements)
ITEM_DEPT_PERMILLE = 800
COOPERATION_PERCENT = 10
#: (found at most this many days ago, [(status, cumulative per mille)]): older means closed
STATUS_BY_AGE = [
    (
        30,
        [
            ("closed", 250),
            ("withdrawn", 280),
            ("hard", 300),
            ("rectifying", 500),
            ("submitted", 600),
            ("assigned", 800),
            ("reported", 1000),
        ],
    ),
    (
        120,
        [
            ("closed", 700),
            ("withdrawn", 730),
            ("hard", 760),
            ("rectifying", 850),
            ("submitted", 900),
            ("assigned", 970),
            ("reported", 1000),
        ],
    ),
    (
        None,
        [
            ("closed", 930),
            ("withdrawn", 960),
            ("hard", 985),
            ("rectifying", 995),
            ("assigned", 1000),
        ],
    ),
]
SOURCES = [
    ("self_inspection", 550),
    ("department_inspection", 750),
    ("video_patrol", 800),
    ("spot_check", 880),
    ("seasonal_check", 950),
    ("task_from_above", 970),
    ("public_report", 990),
    ("rule_finding", 1000),
]
COLOURS = [("", 400), ("blue", 700), ("yellow", 880), ("orange", 970), ("red", 1000)]
PROBLEMS = words(
    "灭火器压力不足 灭火器过期未检 疏散通道堆放杂物 安全出口被锁闭 "
    "应急照明灯不亮 疏散指示标志损坏 消火栓箱被遮挡 电线私拉乱接 插座超负荷使用 "
    "配电箱未上锁 楼梯扶手松动 护栏高度不足 窗户限位器缺失 地面湿滑无警示标识 "
    "食堂生熟食品未分开存放 食品留样记录不全 冷库温度超标 从业人员健康证过期 "
    "监控摄像头故障 一键报警装置失灵 门卫来访登记不规范 保安员配备不足 "
    "围墙局部破损 校门口防冲撞设施缺失 校车座椅安全带损坏 危化品台账不清 "
    "实验室药品混放 电梯年检过期 雨水井盖缺失 施工区域未封闭隔离 体育器材锈蚀 "
    "篮球架底座松动 宿舍使用违规电器 心理辅导记录缺失 应急预案未及时修订 "
    "应急演练记录不全 网络设备使用默认密码 外墙瓷砖空鼓 树木枯枝有坠落风险 "
    "大型玩具螺丝松动"
)
DETAILS = words(
    "，需尽快整改。 ，已设置临时警示。 ，学校自查发现。 ，影响师生安全。 "
    "，已通知后勤部门处理。 ，需联系维保单位维修。 ，存在一定安全隐患。 。"
)
LOCATIONS = words(
    "教学楼一楼东侧 教学楼二楼走廊 教学楼三楼楼梯间 食堂后厨 食堂仓库 "
    "学生宿舍楼 化学实验室 操场 体育馆 图书馆 行政楼 地下车库 校门口 门卫室 "
    "配电房 锅炉房 幼儿活动室 午睡室 户外游戏场地 围墙东侧"
)
MEASURES = words(
    "立即清理并加强日常巡查 更换损坏设施 联系维保单位维修 完善制度并组织培训 "
    "设置警示标识并限期整改 报请区教育局协调解决"
)


def parse_args(argv=None):
    p = harness.parser(__doc__)
    harness.add_postgres(p, PG_URL)
    harness.add_requests(p, requests=50, warmup=3)
    p.add_argument(
        "--row-seconds",
        type=float,
        default=30.0,
        help="stop timing a row after this long once 5 requests are done (30)",
    )
    p.add_argument("--schools", type=int, help="schools (400 on SQLite, 40000 on PostgreSQL)")
    p.add_argument("--hazards", type=int, help="hazards (40000 on SQLite, 4000000 on PostgreSQL)")
    p.add_argument(
        "--export-sizes",
        default=",".join(str(n) for n in EXPORT_SIZES),
        help="rows per export, comma-separated, each capped at the hazards there are "
        "(10000,50000,100000)",
    )
    p.add_argument(
        "--parts",
        default="lists,detail,export",
        help="what to measure, comma-separated: lists, detail, export (all)",
    )
    p.add_argument("--cases", help="only these list cases, e.g. a,b (all)")
    p.add_argument("--users", help="only these users, e.g. city,pj1 (all)")
    p.add_argument(
        "--tracemalloc",
        action="store_true",
        help="also run each export under tracemalloc for the peak of Python allocations (slower)",
    )
    p.add_argument(
        "--sqlite-no-analyze",
        action="store_true",
        help="skip ANALYZE after seeding SQLite (seed_demo and imports run it; the nightly job "
        "runs PRAGMA optimize)",
    )
    p.add_argument("--explain", action="store_true", help="print the query plans of the SQL")
    harness.add_reuse_db(p)
    p.add_argument("--export-child", type=int, help=argparse.SUPPRESS)
    p.add_argument("--export-user", default="city", help=argparse.SUPPRESS)
    args = harness.parse(p, argv)
    vendor = harness.vendor_of(args.postgres)
    args.schools = args.schools or DEFAULTS[vendor]["schools"]
    args.hazards = args.hazards or DEFAULTS[vendor]["hazards"]
    args.parts = harness.names(args.parts)
    args.export_sizes = [int(x) for x in args.export_sizes.split(",") if x.strip()]
    args.cases = set(args.cases.split(",")) if args.cases else None
    args.users = [u for u in USERS if u in args.users.split(",")] if args.users else list(USERS)
    return args


# --- environment (before Django is imported) ----------------------------------------------------


def prepare_environment(args) -> str:
    vendor = harness.vendor_of(args.postgres)
    reuse = args.reuse_db or args.export_child is not None
    var = harness.fresh_dir(harness.OUT_DIR / f"hazards-{vendor}", keep=reuse)
    harness.prepare_environment(var, database_url=PG_URL if args.postgres else None)
    if args.postgres and not reuse:
        harness.recreate_pg_database(PG_NAME)
    return vendor


def _postgres_cpu_seconds() -> float | None:
    """CPU used so far by the local PostgreSQL server: every ``postgres`` process, with the CPU of
    its exited children (parallel workers, closed backends) that the postmaster has reaped."""
    total, tick = 0, os.sysconf("SC_CLK_TCK")
    try:
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                text = stat.read_text()
            except OSError:
                continue
            if text[text.index("(") + 1 : text.rindex(")")] != "postgres":
                continue
            fields = text[text.rindex(")") + 2 :].split()
            total += sum(int(x) for x in fields[11:15])  # utime stime cutime cstime
    except OSError:
        return None
    return total / tick


class CpuMeter(harness.CpuMeter):
    """The harness's meter, plus the PostgreSQL server's share: on PostgreSQL the server does
    much of the work, so it is not "another process" that makes the host noisy."""

    def __init__(self, vendor: str):
        self.pg_start = _postgres_cpu_seconds() if vendor == "postgresql" else None
        super().__init__()

    def stop(self) -> dict:
        out = super().stop()
        wall = time.monotonic() - self.start[0]
        pg_end = _postgres_cpu_seconds() if self.pg_start is not None else None
        if self.pg_start is not None and pg_end is not None and out["other_cpus"] is not None:
            pg = (pg_end - self.pg_start) / wall
            out["postgres_cpus"] = round(pg, 2)
            out["other_cpus"] = round(max(0.0, out["other_cpus"] - pg), 2)
        return out


# --- seeding ------------------------------------------------------------------------------------


def pick(table: list[tuple[str, int]], r: int) -> str:
    """The value of a cumulative per-mille table for ``r`` in 0..999."""
    return next(value for value, upto in table if r < upto)


def status_for(age: int, r: int) -> str:
    for max_age, table in STATUS_BY_AGE:
        if max_age is None or age <= max_age:
            return pick(table, r)
    raise AssertionError


def sql_pick(r: str, table: list[tuple[str, int]]) -> str:
    whens = " ".join(f"WHEN {r} < {upto} THEN '{value}'" for value, upto in table[:-1])
    return f"CASE {whens} ELSE '{table[-1][0]}' END"


def sql_status(age: str, r: str) -> str:
    parts = [f"WHEN {age} <= {m} THEN {sql_pick(r, t)}" for m, t in STATUS_BY_AGE if m]
    return f"CASE {' '.join(parts)} ELSE {sql_pick(r, STATUS_BY_AGE[-1][1])} END"


def seed(args, vendor: str) -> dict:
    """seed_demo, departments and catalogs for every district, then the hazards."""
    from django.core.management import call_command

    from safecampus.hazards.models import Hazard

    info: dict = {}
    existing = Hazard.objects.count()
    if existing:
        print(f"seed: skipped, reusing {existing} hazards (--reuse-db)")
        return {"seed_reused": True}
    t0 = perf_counter()
    out = io.StringIO()
    t = perf_counter()
    call_command("seed_demo", schools=args.schools, no_activity=True, stdout=out)
    info["seed_demo_s"] = round(perf_counter() - t, 2)
    print(f"  seed_demo --schools {args.schools}: {info['seed_demo_s']:.1f} s", flush=True)
    print(f"  removed seed_demo's {remove_demo_hazards()} demo hazards", flush=True)

    t = perf_counter()
    n_dept, n_cat = seed_departments_and_catalogs()
    info["departments_catalogs_s"] = round(perf_counter() - t, 2)
    print(
        f"  {n_dept} departments, {n_cat} more catalogs: {info['departments_catalogs_s']:.1f} s",
        flush=True,
    )
    if vendor == "postgresql":
        info.update(seed_hazards_pg(args.hazards))
    else:
        info.update(seed_hazards_sqlite(args.hazards))
    t = perf_counter()
    info["detail_pk"] = seed_detail_hazard()
    info["detail_s"] = round(perf_counter() - t, 2)
    info["seed_total_s"] = round(perf_counter() - t0, 2)
    return info


def remove_demo_hazards() -> int:
    """seed_demo reports a couple of hundred hazards through the services. The bench seeds its
    own spread (ids in the order found, codes numbered from 1), so those go first."""
    from django.db import transaction

    from safecampus.hazards.models import (
        Hazard,
        HazardCooperation,
        HazardCounter,
        HazardEvent,
        HazardEvidence,
    )

    with transaction.atomic():
        n = Hazard.objects.count()
        # other apps' rows that point at a demo hazard (a campaign's answer or site finding that
        # raised it) keep their row and lose the link
        for rel in Hazard._meta.related_objects:
            model, field = rel.related_model, rel.field
            if model._meta.app_label != "hazards" and field.null:
                linked = model.objects.filter(**{f"{field.name}__isnull": False})
                linked.update(**{field.name: None})
        for model in (HazardEvidence, HazardEvent, HazardCooperation, Hazard, HazardCounter):
            model.objects.all()._raw_delete(model.objects.db)
    return n


def seed_departments_and_catalogs() -> tuple[int, int]:
    """30 departments in every district (13 from seed_demo + filler) and its default catalog."""
    from django.db import transaction

    from safecampus.catalog.management.commands.load_default_catalog import default_catalog_data
    from safecampus.catalog.models import CatalogVersion
    from safecampus.catalog.services import catalog_load
    from safecampus.demo.organisations import DEPARTMENTS
    from safecampus.orgs.models import Bureau, Department, School

    districts = Bureau.objects.filter(pk__in=School.objects.values("bureau_id")).order_by("pk")
    data = default_catalog_data()
    names = [name for name, _kind in DEPARTMENTS] + EXTRA_DEPARTMENTS
    kinds = dict(DEPARTMENTS)
    created = catalogs = 0
    with transaction.atomic():
        for bureau in districts:
            have = set(Department.objects.filter(bureau=bureau).values_list("name", flat=True))
            new = [
                Department(bureau=bureau, name=name, kind=kinds.get(name, "section"), sort_order=i)
                for i, name in enumerate(names)
                if name not in have
            ]
            Department.objects.bulk_create(new)
            created += len(new)
            if not CatalogVersion.objects.filter(bureau=bureau, status="published").exists():
                catalog_load(bureau=bureau, data=data)
                catalogs += 1
    return created, catalogs


def seed_context() -> dict:
    """Ids the cases and the seed need: users, their school and departments."""
    from safecampus.accounts.models import RoleAssignment, User
    from safecampus.orgs.models import Bureau, Department

    mh = Bureau.objects.get(code_prefix="MH")
    school_ra = RoleAssignment.objects.active().get(user__username="school", role="school_officer")
    pj1_ra = RoleAssignment.objects.active().get(user__username="pj1", role="department_officer")
    return {
        "mh": mh.pk,
        "school": school_ra.school_id,
        "school_user": school_ra.user_id,
        "pj1_dept": pj1_ra.department_id,
        "dept": Department.objects.get(bureau=mh, name="安全管理中心").pk,
        "users": dict(User.objects.filter(username__in=USERS).values_list("username", "pk")),
    }


def seed_hazards_sqlite(n: int) -> dict:
    """Hazard objects made in Python, bulk-inserted in chunks inside one transaction."""
    from django.db import transaction
    from django.utils import timezone

    from safecampus.catalog.models import CheckItem
    from safecampus.demo.organisations import GIVEN, SURNAMES
    from safecampus.hazards.models import Hazard, HazardCooperation, HazardCounter
    from safecampus.orgs.models import Bureau, Department, School

    ctx = seed_context()
    rng = random.Random(2026)
    today = timezone.localdate()
    schools = list(School.objects.order_by("pk").values_list("pk", "bureau_id"))
    depts: dict[int, list[int]] = {}
    for pk, bureau_id in Department.objects.order_by("pk").values_list("pk", "bureau_id"):
        depts.setdefault(bureau_id, []).append(pk)
    items: dict[int, list] = {}
    qs = CheckItem.objects.filter(version__status="published").select_related("area", "version")
    for item in qs.order_by("pk").prefetch_related("responsible_departments"):
        default = sorted(item.responsible_departments.all(), key=lambda d: (d.sort_order, d.pk))
        items.setdefault(item.version.bureau_id, []).append(
            (item, default[0].pk if default else None)
        )
    seqs: dict[tuple[int, int], int] = {}
    prefixes = dict(Bureau.objects.values_list("pk", "code_prefix"))
    info = {}
    t = perf_counter()
    with transaction.atomic():
        batch: list[Hazard] = []
        coops: list[HazardCooperation] = []
        for g in range(1, n + 1):
            school_id, bureau_id = rng.choice(schools)
            age = (n - g) * SPAN_DAYS // n
            found_on = today - datetime.timedelta(days=age)
            year = found_on.year
            seqs[bureau_id, year] = seq = seqs.get((bureau_id, year), 0) + 1
            item, item_dept = rng.choice(items[bureau_id])
            dept = item_dept
            if dept is None or rng.randrange(1000) >= ITEM_DEPT_PERMILLE:
                dept = rng.choice(depts[bureau_id])
            status = status_for(age, rng.randrange(1000))
            deadline = found_on + datetime.timedelta(days=7 + rng.randrange(84))
            if status == "reported" and rng.randrange(2):
                deadline = None
            closed_on = None
            changed = found_on
            if status == "closed":
                closed_on = min(found_on + datetime.timedelta(days=1 + rng.randrange(60)), today)
                changed = closed_on
            elif status != "reported":
                changed = min(found_on + datetime.timedelta(days=1 + rng.randrange(20)), today)
            at = dt.combine(found_on, datetime.time(1), tzinfo=datetime.UTC)
            at += datetime.timedelta(seconds=rng.randrange(28800))
            changed_at = dt.combine(changed, datetime.time(6), tzinfo=datetime.UTC)
            major = item.default_level == "major"
            is_open = status not in ("closed", "withdrawn")
            batch.append(
                Hazard(
                    id=g,
                    bureau_id=bureau_id,
                    school_id=school_id,
                    code=f"{prefixes[bureau_id]}-{year}-{seq:06d}",
                    year=year,
                    seq=seq,
                    catalog_version_id=item.version_id,
                    area_id=item.area_id,
                    item_id=item.pk,
                    area_code=item.area.code,
                    item_code=item.code,
                    description=rng.choice(PROBLEMS) + rng.choice(DETAILS),
                    location=rng.choice(LOCATIONS),
                    source=pick(SOURCES, rng.randrange(1000)),
                    found_on=found_on,
                    found_by=rng.choice(SURNAMES) + rng.choice(GIVEN),
                    reported_by_id=ctx["school_user"],
                    reported_at=at,
                    remedy_type="on_spot" if rng.randrange(100) < 15 else "deadline",
                    level=item.default_level,
                    risk_colour=pick(COLOURS, rng.randrange(1000)),
                    responsible_department_id=dept,
                    responsible_person=rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
                    responsible_phone=f"139{rng.randrange(10**8):08d}",
                    measures="" if status == "reported" else rng.choice(MEASURES),
                    deadline=deadline,
                    funds=f"{(1 + rng.randrange(50)) * 1000}元" if rng.randrange(10) == 0 else "",
                    interim_measures="设置警示标识，专人看护" if major and is_open else "",
                    supervised=status == "hard" or rng.randrange(100) < 2,
                    status=status,
                    status_changed_at=changed_at,
                    closed_on=closed_on,
                    version={"reported": 1, "assigned": 2, "closed": 4}.get(status, 3),
                )
            )
            if rng.randrange(100) < COOPERATION_PERCENT:
                other = rng.choice(depts[bureau_id])
                if other != dept:
                    coops.append(HazardCooperation(hazard_id=g, department_id=other))
            if len(batch) >= 5000:
                Hazard.objects.bulk_create(batch, batch_size=500)
                batch = []
        Hazard.objects.bulk_create(batch, batch_size=500)
        info["hazards_s"] = round(perf_counter() - t, 2)
        t = perf_counter()
        HazardCooperation.objects.bulk_create(coops, batch_size=2000)
        HazardCounter.objects.bulk_create(
            [HazardCounter(bureau_id=b, year=y, last=s) for (b, y), s in seqs.items()]
        )
        info["cooperations_s"] = round(perf_counter() - t, 2)
    print(f"  {n} hazards (bulk_create): {info['hazards_s']:.1f} s", flush=True)
    print(f"  {len(coops)} cooperations, counters: {info['cooperations_s']:.1f} s", flush=True)
    return info


def seed_hazards_pg(n: int) -> dict:
    """``INSERT … SELECT FROM generate_series`` with the hazard table's secondary indexes and
    unique constraints dropped during the load and rebuilt after it; FK triggers off meanwhile
    (``session_replication_role = replica``, as pg_restore does): every id comes from a join."""
    from django.db import connection, transaction
    from django.utils import timezone

    from safecampus.catalog.models import CheckItem
    from safecampus.demo.organisations import GIVEN, SURNAMES
    from safecampus.hazards.models import Hazard

    ctx = seed_context()
    table = Hazard._meta.db_table
    through = CheckItem.responsible_departments.through._meta.db_table
    today = timezone.localdate()
    info: dict = {}

    def h(salt: int, m: int, g: str = "b.g") -> str:
        """A deterministic pseudo-random 0..m-1 for row ``g``."""
        return f"mod(hashint8({g}::bigint * 64 + {salt})::bigint + 2147483648, {m})::int"

    def step(label: str, sql: str, params=None) -> float:
        t = perf_counter()
        cur.execute(sql, params)
        took = perf_counter() - t
        print(f"    {label}: {took:.1f} s", flush=True)
        return took

    with transaction.atomic(), connection.cursor() as cur:
        for setting in (
            "work_mem = '256MB'",
            "maintenance_work_mem = '1GB'",
            "session_replication_role = replica",
            "synchronous_commit = off",
        ):
            cur.execute(f"SET LOCAL {setting}")
        t0 = perf_counter()
        step(
            "temp tables",
            f"""
            CREATE TEMP TABLE bench_school ON COMMIT DROP AS
              SELECT (row_number() OVER (ORDER BY id) - 1)::int AS k, id, bureau_id
              FROM orgs_school;
            CREATE UNIQUE INDEX ON bench_school (k);
            CREATE TEMP TABLE bench_item ON COMMIT DROP AS
              SELECT v.bureau_id,
                     (row_number() OVER (PARTITION BY v.bureau_id ORDER BY i.id) - 1)::int AS k,
                     i.id AS item_id, i.code AS item_code, i.area_id, a.code AS area_code,
                     i.version_id, i.default_level,
                     (SELECT d.id FROM {through} r JOIN orgs_department d ON d.id = r.department_id
                       WHERE r.checkitem_id = i.id ORDER BY d.sort_order, d.id LIMIT 1) AS dept_id
              FROM catalog_checkitem i
              JOIN catalog_riskarea a ON a.id = i.area_id
              JOIN catalog_catalogversion v ON v.id = i.version_id
              WHERE v.status = 'published';
            CREATE UNIQUE INDEX ON bench_item (bureau_id, k);
            CREATE TEMP TABLE bench_dept ON COMMIT DROP AS
              SELECT bureau_id, (row_number() OVER (PARTITION BY bureau_id ORDER BY id) - 1)::int
                     AS k, id
              FROM orgs_department;
            CREATE UNIQUE INDEX ON bench_dept (bureau_id, k);
            """,
        )
        cur.execute("SELECT count(*) FROM bench_school")
        n_schools = cur.fetchone()[0]
        cur.execute(
            "SELECT min(c), max(c) FROM (SELECT count(*) c FROM bench_item GROUP BY bureau_id) x"
        )
        n_items, check = cur.fetchone()
        cur.execute(
            "SELECT min(c), max(c) FROM (SELECT count(*) c FROM bench_dept GROUP BY bureau_id) x"
        )
        n_depts, check_d = cur.fetchone()
        assert n_items == check and n_depts == check_d, "every district needs the same catalog"
        step(
            "base rows (school, date, seq per bureau and year)",
            f"""
            CREATE TEMP TABLE bench_base ON COMMIT DROP AS
            SELECT g, school_id, bureau_id, age, found_on, year,
                   row_number() OVER (PARTITION BY bureau_id, year ORDER BY g) AS seq
            FROM (
              SELECT b.g, s.id AS school_id, s.bureau_id, a.age,
                     %(today)s::date - a.age AS found_on,
                     extract(year FROM %(today)s::date - a.age)::int AS year
              FROM generate_series(1, %(n)s) AS b(g)
              JOIN bench_school s ON s.k = {h(1, n_schools)}
              CROSS JOIN LATERAL (SELECT ((%(n)s - b.g)::bigint * {SPAN_DAYS} / %(n)s)::int
                                  AS age) a
            ) x
            ORDER BY g
            """,
            {"today": today, "n": n},
        )

        # drop what slows a bulk load: unique constraints and secondary indexes (not the pk)
        cur.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype = 'u'",
            [table],
        )
        constraints = cur.fetchall()
        cur.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname NOT IN "
            "(SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)",
            [table, table],
        )
        indexes = cur.fetchall()
        for name, _def in constraints:
            cur.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for name, _def in indexes:
            cur.execute(f'DROP INDEX "{name}"')

        status = sql_status("b.age", h(3, 1000))
        info["hazards_s"] = round(
            step(
                f"INSERT {n} hazards",
                f"""
                INSERT INTO {table} (
                  id, bureau_id, school_id, code, year, seq, catalog_version_id, area_id, item_id,
                  area_code, item_code, description, location, source, found_on, found_by,
                  reported_by_id, reported_at, remedy_type, level, lec_l, lec_e, lec_c, risk_score,
                  risk_colour, responsible_department_id, responsible_person, responsible_phone,
                  measures, deadline, funds, contingency_plan, interim_measures, interim_unit,
                  interim_person, interim_deadline, supervised, escalated, delay_explanation,
                  responsibility_disputed, status, status_changed_at, closed_on, version,
                  updated_at)
                SELECT
                  b.g, b.bureau_id, b.school_id,
                  bu.code_prefix || '-' || b.year || '-' || lpad(b.seq::text, 6, '0'),
                  b.year, b.seq, it.version_id, it.area_id, it.item_id, it.area_code,
                  it.item_code,
                  (%(problems)s::text[])[1 + {h(9, len(PROBLEMS))}]
                    || (%(details)s::text[])[1 + {h(10, len(DETAILS))}],
                  (%(locations)s::text[])[1 + {h(11, len(LOCATIONS))}],
                  {sql_pick(h(12, 1000), SOURCES)},
                  b.found_on,
                  substr(%(surnames)s, 1 + {h(13, len(SURNAMES))}::int, 1)
                    || substr(%(given)s, 1 + {h(14, len(GIVEN))}::int, 1),
                  %(reporter)s,
                  b.found_on + time '01:00' + make_interval(secs => {h(15, 28800)}),
                  CASE WHEN {h(16, 100)} < 15 THEN 'on_spot' ELSE 'deadline' END,
                  it.default_level, NULL, NULL, NULL, NULL,
                  {sql_pick(h(17, 1000), COLOURS)},
                  CASE WHEN it.dept_id IS NULL OR {h(18, 1000)} >= {ITEM_DEPT_PERMILLE}
                       THEN d.id ELSE it.dept_id END,
                  substr(%(surnames)s, 1 + {h(19, len(SURNAMES))}::int, 1)
                    || substr(%(given)s, 1 + {h(20, len(GIVEN))}::int, 1)
                    || substr(%(given)s, 1 + {h(21, len(GIVEN))}::int, 1),
                  '139' || lpad({h(22, 10**8)}::text, 8, '0'),
                  CASE WHEN st.status = 'reported' THEN ''
                       ELSE (%(measures)s::text[])[1 + {h(23, len(MEASURES))}] END,
                  CASE WHEN st.status = 'reported' AND {h(24, 2)} = 0 THEN NULL
                       ELSE b.found_on + 7 + {h(25, 84)}::int END,
                  CASE WHEN {h(26, 10)} = 0 THEN ((1 + {h(27, 50)}) * 1000)::text || '元'
                       ELSE '' END,
                  '',
                  CASE WHEN it.default_level = 'major'
                        AND st.status NOT IN ('closed', 'withdrawn')
                       THEN '设置警示标识，专人看护' ELSE '' END,
                  '', '', NULL,
                  st.status = 'hard' OR {h(28, 100)} < 2,
                  false, '', false,
                  st.status,
                  ch.changed + time '06:00',
                  CASE WHEN st.status = 'closed' THEN ch.changed END,
                  CASE st.status WHEN 'reported' THEN 1 WHEN 'assigned' THEN 2
                                 WHEN 'closed' THEN 4 ELSE 3 END,
                  ch.changed + time '06:00'
                FROM bench_base b
                JOIN orgs_bureau bu ON bu.id = b.bureau_id
                JOIN bench_item it ON it.bureau_id = b.bureau_id AND it.k = {h(1, n_items)}
                JOIN bench_dept d ON d.bureau_id = b.bureau_id AND d.k = {h(2, n_depts)}
                CROSS JOIN LATERAL (SELECT {status} AS status) st
                CROSS JOIN LATERAL (
                  SELECT CASE
                    WHEN st.status = 'closed'
                      THEN least(b.found_on + 1 + {h(29, 60)}::int, %(today)s::date)
                    WHEN st.status = 'reported' THEN b.found_on
                    ELSE least(b.found_on + 1 + {h(30, 20)}::int, %(today)s::date)
                  END AS changed) ch
                """,
                {
                    "problems": PROBLEMS,
                    "details": DETAILS,
                    "locations": LOCATIONS,
                    "measures": MEASURES,
                    "surnames": SURNAMES,
                    "given": GIVEN,
                    "reporter": ctx["school_user"],
                    "today": today,
                },
            ),
            2,
        )
        t = perf_counter()
        for name, definition in constraints:
            step(f"constraint {name}", f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        for name, definition in indexes:
            step(f"index {name}", definition)
        info["indexes_s"] = round(perf_counter() - t, 2)
        cur.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
        )
        t = perf_counter()
        step(
            "cooperations",
            f"""
            INSERT INTO hazards_hazardcooperation (hazard_id, department_id)
            SELECT z.id, d.id FROM {table} z
            JOIN bench_dept d ON d.bureau_id = z.bureau_id AND d.k = {h(31, n_depts, "z.id")}
            WHERE {h(32, 100, "z.id")} < {COOPERATION_PERCENT}
              AND d.id IS DISTINCT FROM z.responsible_department_id
            """,
        )
        step(
            "counters",
            f"""
            INSERT INTO hazards_hazardcounter (bureau_id, year, last)
            SELECT bureau_id, year, max(seq) FROM {table} GROUP BY bureau_id, year
            """,
        )
        info["cooperations_s"] = round(perf_counter() - t, 2)
        info["hazards_total_s"] = round(perf_counter() - t0, 2)
    # what autovacuum does after a bulk load: statistics and the visibility map
    t = perf_counter()
    with connection.cursor() as cur:
        for name in (table, "hazards_hazardcooperation", "hazards_hazardcounter"):
            cur.execute(f"VACUUM ANALYZE {name}")
    info["vacuum_analyze_s"] = round(perf_counter() - t, 2)
    print(f"    VACUUM ANALYZE: {info['vacuum_analyze_s']:.1f} s", flush=True)
    return info


def seed_detail_hazard() -> int:
    """The hazard opened on the detail page: at the demo school, 普教一科 responsible (so all four
    users see it), rectifying and overdue, two cooperating departments, six events, three files."""
    from django.db import transaction
    from django.utils import timezone

    from safecampus.hazards.models import Hazard, HazardCooperation, HazardEvent, HazardEvidence
    from safecampus.orgs.models import Department

    ctx = seed_context()
    today = timezone.localdate()
    with transaction.atomic():
        hz = Hazard.objects.filter(school_id=ctx["school"]).order_by("-id").first()
        Hazard.objects.filter(pk=hz.pk).update(
            responsible_department_id=ctx["pj1_dept"],
            status="rectifying",
            deadline=today - datetime.timedelta(days=5),
            level="major",
            interim_measures="设置警示标识，专人看护",
            interim_unit="后勤保障处",
            interim_person="张伟",
            supervised=True,
            version=6,
            closed_on=None,
        )
        HazardCooperation.objects.filter(hazard=hz).delete()
        names = ["安全管理中心", "法制科"]
        others = Department.objects.filter(bureau_id=hz.bureau_id, name__in=names)
        HazardCooperation.objects.bulk_create(
            [HazardCooperation(hazard=hz, department=d) for d in others]
        )
        u = ctx["users"]
        at = dt.combine(hz.found_on, datetime.time(2), tzinfo=datetime.UTC)
        steps = [
            ("report", "", "reported", u["school"], "school_officer", "", {"code": hz.code}),
            ("confirm", "reported", "assigned", u["pj1"], "department_officer", "", {}),
            ("start", "assigned", "rectifying", u["school"], "school_officer", "", {}),
            (
                "extend",
                "rectifying",
                "rectifying",
                u["pj1"],
                "department_officer",
                "需采购配件",
                {"deadline": [str(today - datetime.timedelta(days=20)), str(today)]},
            ),
            ("explain", "rectifying", "rectifying", u["school"], "school_officer", "厂家延期", {}),
            ("add_evidence", "rectifying", "rectifying", u["school"], "school_officer", "", {}),
        ]
        events = HazardEvent.objects.bulk_create(
            [
                HazardEvent(
                    hazard=hz,
                    action=a,
                    from_status=f,
                    to_status=to,
                    actor_id=actor,
                    actor_role=role,
                    at=at + datetime.timedelta(days=i),
                    comment=comment,
                    data=data,
                )
                for i, (a, f, to, actor, role, comment, data) in enumerate(steps)
            ]
        )
        files = [
            (events[0], "before", "现场1.jpg", "image/jpeg", True),
            (events[0], "before", "现场2.jpg", "image/jpeg", True),
            (events[5], "document", "采购合同.pdf", "application/pdf", False),
        ]
        HazardEvidence.objects.bulk_create(
            [
                HazardEvidence(
                    hazard=hz,
                    event=ev,
                    phase=phase,
                    file=f"evidence/{hz.bureau_id}/bench/{i}-{name}",
                    thumbnail=f"evidence/{hz.bureau_id}/bench/{i}-thumb.jpg" if thumb else "",
                    original_name=name,
                    content_type=ctype,
                    size=123456,
                    sha256="0" * 64,
                    uploaded_by_id=u["school"],
                )
                for i, (ev, phase, name, ctype, thumb) in enumerate(files)
            ]
        )
    return hz.pk


def build_database(args, vendor: str) -> dict:
    from django.core.management import call_command
    from django.db import connection

    from safecampus.core.db import db_optimize
    from safecampus.hazards.models import Hazard, HazardEvent

    info: dict = {}
    t = perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    info["migrate_s"] = round(perf_counter() - t, 2)
    print(f"migrate: {info['migrate_s']:.1f} s")
    print("seed:", flush=True)
    info.update(seed(args, vendor))
    if info.get("seed_reused"):
        info["statistics"] = "as the seeding run left them (--reuse-db)"
    elif vendor == "sqlite":
        info["statistics"] = "none (--sqlite-no-analyze)"
        if not args.sqlite_no_analyze:
            t = perf_counter()
            db_optimize(full=True)
            info["analyze_s"] = round(perf_counter() - t, 2)
            info["statistics"] = "ANALYZE"
            print(f"  ANALYZE: {info['analyze_s']:.1f} s")
    elif vendor == "postgresql":
        info["statistics"] = "VACUUM ANALYZE"
    if "seed_total_s" in info:
        ok = info["seed_total_s"] < TARGET_SEED_S[vendor]
        print(
            f"  seed total: {info['seed_total_s']:.1f} s (limit {TARGET_SEED_S[vendor]:.0f} s: "
            f"{harness.verdict(ok)})"
        )
    info["hazards"] = Hazard.objects.count()
    info["detail_pk"] = (
        HazardEvent.objects.order_by("hazard_id").values_list("hazard_id", flat=True).first()
    )
    with connection.cursor() as cur:
        if vendor == "postgresql":
            cur.execute("SHOW server_version")
            info["db_version"] = f"PostgreSQL {cur.fetchone()[0]}"
            cur.execute(
                "SELECT pg_size_pretty(pg_total_relation_size('hazards_hazard')), "
                "pg_size_pretty(pg_relation_size('hazards_hazard'))"
            )
            total, heap = cur.fetchone()
            info["table_size"] = f"{heap} heap, {total} with indexes"
        else:
            cur.execute("SELECT sqlite_version()")
            info["db_version"] = f"SQLite {cur.fetchone()[0]}"
            size = os.path.getsize(connection.settings_dict["NAME"])
            info["table_size"] = f"{size >> 20} MB database file"
    return info


# --- measuring ----------------------------------------------------------------------------------


def is_hazard_list_sql(sql: str) -> bool:
    return 'FROM "hazards_hazard"' in sql


def is_hazard_sql(sql: str) -> bool:
    return '"hazards_' in sql and not sql.lstrip().upper().startswith(("SAVEPOINT", "RELEASE"))


def kind_of(sql: str) -> str:
    if is_hazard_list_sql(sql):
        return "hazard count" if "COUNT(*)" in sql else "hazard rows"
    if is_hazard_sql(sql):
        return "hazard related"
    for table, kind in (
        ('FROM "django_session"', "session"),
        ('UPDATE "django_session"', "session"),
        ('FROM "accounts_roleassignment"', "scope"),
        ('FROM "orgs_bureau"', "scope"),
        ('FROM "accounts_user"', "auth"),
        ('FROM "orgs_school"', "form: schools"),
        ('FROM "orgs_department"', "form: departments"),
        ('FROM "catalog_', "form: catalog"),
    ):
        if table in sql:
            return kind
    return sql.split(" ", 1)[0].lower()


def clients() -> dict:
    from django.test import Client

    from safecampus.accounts.models import User

    out = {}
    for username in USERS:
        client = Client(HTTP_ACCEPT="application/json, text/html")
        client.force_login(User.objects.get(username=username))
        out[username] = client
    return out


def case_params(params: dict, ctx: dict, client) -> dict:
    out = {}
    for key, value in params.items():
        if isinstance(value, str) and value.startswith("{"):
            value = str(ctx[value.strip("{}")])
        out[key] = value
    if "page" in out:  # page N, or the last page when the user's result has fewer pages
        probe = {k: v for k, v in out.items() if k != "page"}
        resp = client.get(ENDPOINTS["api"], probe)
        assert resp.status_code == 200, resp.status_code
        pages = max(1, math.ceil(resp.json()["count"] / PAGE_SIZE))
        out["page"] = min(int(out["page"]), pages)
    return out


def capture(client, url: str, params: dict):
    from django.db import connection

    rec = QueryRecorder()
    with connection.execute_wrapper(rec):
        resp = client.get(url, params)
    assert resp.status_code == 200, (url, params, resp.status_code, resp.content[:300])
    return rec.calls, resp


def timed(fn, n: int, warmup: int, budget: float) -> list[float]:
    """``fn`` ``warmup`` times, then up to ``n`` timed calls, fewer (at least 5) past ``budget``."""
    for _ in range(warmup):
        fn()
    gc.collect()
    times: list[float] = []
    start = perf_counter()
    while len(times) < n:
        t = perf_counter()
        fn()
        times.append((perf_counter() - t) * 1000)
        if perf_counter() - start > budget and len(times) >= 5:
            break
    return times


def measure_row(args, vendor, client, url, params, select) -> tuple[dict, dict]:
    """Time one endpoint, then its hazard SQL through a DB-API cursor."""
    from django.db import connection

    calls, resp = capture(client, url, params)
    statements = [(sql, p) for sql, p, _many in calls if select(sql)]

    def request():
        r = client.get(url, params)
        assert r.status_code == 200, (url, params, r.status_code)

    times = timed(request, args.requests, args.warmup, args.row_seconds)
    results: list = []

    def raw():
        nonlocal results
        with connection.cursor() as cur:
            rows = []
            for sql, p in statements:
                cur.execute(sql, p)
                rows.append(cur.fetchall())
            results = rows

    raw_times = timed(raw, args.requests, args.warmup, args.row_seconds)
    counts = [
        (r[0][0], capped_count_limit(sql))
        for (sql, _p), r in zip(statements, results, strict=True)
        if "COUNT(*)" in sql and r and len(r[0]) == 1
    ]
    # a capped count (``COUNT(*) FROM (… LIMIT cap + 1)``) that reached its limit: "cap+"
    matched, limit = counts[0] if counts else (None, None)
    matched_capped = limit is not None and matched == limit
    ep, rw = summary(times), summary(raw_times)
    row = {
        "url": url,
        "params": params,
        **ep,
        "n": len(times),
        "raw": {**rw, "n": len(raw_times)},
        "ratio": round(ep["p95_ms"] / rw["p95_ms"], 2) if rw["p95_ms"] else None,
        "overhead_p50_ms": round(ep["p50_ms"] - rw["p50_ms"], 3),
        "queries": len(calls),
        "hazard_queries": len(statements),
        "query_kinds": [kind_of(sql) for sql, _p, _m in calls],
        "matched": matched - 1 if matched_capped else matched,
        "matched_capped": matched_capped,
        "response_bytes": len(resp.content),
        "sql": [readable(sql, p) for sql, p in statements],
    }
    plans = {}
    if args.explain:
        for sql, p in statements:
            plans[sql[:60]] = {"sql": readable(sql, p), "plan": explain(vendor, sql, p)}
    return row, plans


def capped_count_limit(sql: str) -> int | None:
    """The LIMIT of a count over a limited subquery (the register's capped count), else None."""
    found = re.search(r"LIMIT (\d+)\) subquery", sql)
    return int(found.group(1)) if found else None


def matched_text(row: dict) -> str:
    if row["matched"] is None:
        return ""
    return f"{row['matched']}+" if row.get("matched_capped") else str(row["matched"])


def print_row(row: dict) -> None:
    print(
        f"  {row['case']:<2} {row['user']:<6} {row['endpoint']:<4} p50 {row['p50_ms']:7.1f}  "
        f"p95 {row['p95_ms']:7.1f}  raw p95 {row['raw']['p95_ms']:7.1f} ms  "
        f"ratio {row['ratio'] or 0:5.1f}  {row['queries']} q  n={row['n']}  "
        f"matched {matched_text(row)}",
        flush=True,
    )


def measure_lists(args, vendor, ctx, cls, plans) -> list[dict]:
    rows = []
    for case_id, label, base in CASES:
        if args.cases and case_id not in args.cases:
            continue
        for username in args.users:
            client = cls[username]
            params = case_params(base, ctx, client)
            for endpoint, url in ENDPOINTS.items():
                row, p = measure_row(args, vendor, client, url, params, is_hazard_list_sql)
                row.update(case=case_id, label=label, user=username, endpoint=endpoint)
                row["pass"] = bool(
                    row["p95_ms"] < TARGET_P95_MS and (row["ratio"] or 0) < TARGET_RATIO
                )
                rows.append(row)
                print_row(row)
                if endpoint == "page":
                    plans.update({f"{case_id}/{username}/{k}": v for k, v in p.items()})
    return rows


def measure_detail(args, vendor, pk, cls, plans) -> list[dict]:
    rows = []
    for username in args.users:
        for endpoint, url in DETAIL_ENDPOINTS.items():
            row, p = measure_row(args, vendor, cls[username], url.format(pk=pk), {}, is_hazard_sql)
            row.update(case="h", label="hazard page", user=username, endpoint=endpoint)
            row["pass"] = bool(row["p95_ms"] < TARGET_P95_MS)
            rows.append(row)
            print_row(row)
            if endpoint == "page":
                plans.update({f"detail/{username}/{k}": v for k, v in p.items()})
    return rows


# --- export (each size in a fresh process, so that its peak memory is its own) -------------------


def _proc_status(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise KeyError(field)


def export_child(args) -> None:
    """Run in a child process: export ``args.export_child`` rows, print one JSON line."""
    import tempfile
    import tracemalloc

    import django

    django.setup()
    from safecampus.accounts.models import User
    from safecampus.hazards.excel import write_hazard_workbook
    from safecampus.hazards.selectors import hazard_list

    user = User.objects.get(username=args.export_user)
    with tempfile.TemporaryFile() as tmp:  # warm up: imports, translations, connection
        write_hazard_workbook(tmp, hazard_list(user=user, filters={})[:100])
    gc.collect()
    base = _proc_status("VmRSS")
    try:  # reset the peak (VmHWM) to the current RSS, so that the peak is the export's
        Path("/proc/self/clear_refs").write_text("5")
        hwm_reset = True
    except OSError:
        hwm_reset = False
    if args.tracemalloc:
        tracemalloc.start()
    cpu = time.process_time()
    t = perf_counter()
    with tempfile.TemporaryFile() as tmp:
        rows = write_hazard_workbook(tmp, hazard_list(user=user, filters={})[: args.export_child])
        size = tmp.tell()
    took = perf_counter() - t
    out = {
        "rows": rows,
        "seconds": round(took, 2),
        "cpu_seconds": round(time.process_time() - cpu, 2),
        "rows_per_s": round(rows / took),
        "xlsx_mb": round(size / 2**20, 1),
        "rss_before_mb": round(base / 2**20, 1),
        "peak_rss_mb": round(_proc_status("VmHWM") / 2**20, 1),
        "hwm_reset": hwm_reset,
    }
    out["rss_growth_mb"] = round(out["peak_rss_mb"] - out["rss_before_mb"], 1)
    if args.tracemalloc:
        out["tracemalloc_peak_mb"] = round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
        tracemalloc.stop()
    print("EXPORT-RESULT " + json.dumps(out))


def measure_export(args, total: int) -> list[dict]:
    sizes = sorted({min(n, total) for n in args.export_sizes})
    results = []
    for n in sizes:
        for tm in [False, True] if args.tracemalloc else [False]:
            cmd = [sys.executable, str(Path(__file__)), "--export-child", str(n)]
            cmd += ["--postgres"] if args.postgres else []
            cmd += ["--tracemalloc"] if tm else []
            proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
            line = next(
                (x for x in proc.stdout.splitlines() if x.startswith("EXPORT-RESULT ")), None
            )
            if line is None:
                raise RuntimeError(f"export child failed:\n{proc.stdout}\n{proc.stderr}")
            res = json.loads(line.removeprefix("EXPORT-RESULT "))
            res["requested"] = n
            res["tracemalloc"] = tm
            res["s_per_100k"] = round(res["seconds"] * 100_000 / max(1, res["rows"]), 1)
            if not tm:  # the time target is for 100,000 rows; memory must hold at every size
                res["pass"] = bool(
                    res["peak_rss_mb"] < TARGET_EXPORT_MB
                    and (res["rows"] < 100_000 or res["seconds"] < TARGET_EXPORT_S)
                )
            results.append(res)
            extra = f", tracemalloc peak {res['tracemalloc_peak_mb']} MB" if tm else ""
            print(
                f"  export {res['rows']:>7} rows: {res['seconds']:6.1f} s "
                f"({res['rows_per_s']} rows/s), peak RSS {res['peak_rss_mb']} MB "
                f"(+{res['rss_growth_mb']} MB over {res['rss_before_mb']} MB), "
                f"xlsx {res['xlsx_mb']} MB{extra}",
                flush=True,
            )
    return results


# --- the run ------------------------------------------------------------------------------------


def run(args, vendor: str) -> dict:
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    assert not settings.DEBUG
    report: dict = {
        **harness.report_head(vendor),
        "requests": args.requests,
        "warmup": args.warmup,
        "row_seconds": args.row_seconds,
        "load_avg_start": harness.load_avg(),
        "reuse_db": args.reuse_db,
        "targets": {
            "p95_ms": TARGET_P95_MS,
            "ratio": TARGET_RATIO,
            "export_s_per_100k": TARGET_EXPORT_S,
            "export_mb": TARGET_EXPORT_MB,
            "seed_s": TARGET_SEED_S[vendor],
        },
    }
    report.update(build_database(args, vendor))
    print(
        f"{report['db_version']}: {report['hazards']} hazards ({report['table_size']}), "
        f"DEBUG={settings.DEBUG}",
        flush=True,
    )
    ctx = seed_context()
    report["context"] = {k: v for k, v in ctx.items() if k != "users"}
    cls = clients()
    plans: dict = {}
    meter = CpuMeter(vendor)
    rows: list[dict] = []
    if "lists" in args.parts:
        print("register list (page, API):")
        rows += measure_lists(args, vendor, ctx, cls, plans)
    if "detail" in args.parts:
        print(f"hazard page (pk {report['detail_pk']}):")
        rows += measure_detail(args, vendor, report["detail_pk"], cls, plans)
    report["results"] = rows
    report["cpu_during_timing"] = meter.stop()
    connection.close()
    if "export" in args.parts:
        print("export (each size in a fresh process):")
        meter = CpuMeter(vendor)
        report["export"] = measure_export(args, report["hazards"])
        report["cpu_during_export"] = meter.stop()
    report["load_avg_end"] = harness.load_avg()
    if plans:
        report["plans"] = plans
    report["pass"] = all(r["pass"] for r in rows) and all(
        e["pass"] for e in report.get("export", []) if not e["tracemalloc"]
    )
    return report


# --- output -------------------------------------------------------------------------------------


def print_report(report: dict) -> None:
    print()
    print(
        f"Hazard register on {report['db_version']}: {report['hazards']} hazards, "
        f"statistics {report.get('statistics')}; up to {report['requests']} requests per row"
    )
    cpu = report["cpu_during_timing"]
    busy = cpu["other_cpus"] is not None and cpu["other_cpus"] > 0.5 * report["cpus"]
    pg = f", PostgreSQL {cpu['postgres_cpus']}" if "postgres_cpus" in cpu else ""
    print(
        f"CPU while timing: host {cpu['host_busy_cpus']} of {report['cpus']}, this process "
        f"{cpu['bench_process_cpus']}{pg}, other processes {cpu['other_cpus']}"
        + ("  ** busy host: p95 is inflated **" if busy else "")
    )
    print(
        "ms; raw = the same hazard SQL (list: COUNT + page SELECT; hazard page: every hazards_* "
        "query) through a DB-API cursor; ratio = p95 / raw p95; ovh = p50 - raw p50"
    )
    head = (
        f"{'case':<22} {'user':<6} {'ep':<4} {'p50':>7} {'p95':>7} {'raw p50':>8} {'raw p95':>8} "
        f"{'ratio':>6} {'ovh':>6} {'queries':>8} {'matched':>8} {'n':>3}  verdict"
    )
    print(head)
    print("-" * len(head))
    for r in report["results"]:
        page = r["params"].get("page") if isinstance(r["params"], dict) else None
        label = f"{r['case']} {r['label']}" + (f" ({page})" if page and page != 20 else "")
        verdict = harness.verdict(r["pass"])
        queries = f"{r['queries']} ({r['hazard_queries']})"
        if r["case"] == "h":
            verdict += " (p95 only)"
        print(
            f"{label:<22} {r['user']:<6} {r['endpoint']:<4} {r['p50_ms']:7.1f} {r['p95_ms']:7.1f} "
            f"{r['raw']['p50_ms']:8.1f} {r['raw']['p95_ms']:8.1f} {r['ratio'] or 0:6.1f} "
            f"{r['overhead_p50_ms']:6.1f} {queries:>8} "
            f"{matched_text(r):>8} {r['n']:>3}  {verdict}"
        )
    failed = [r for r in report["results"] if not r["pass"]]
    print(
        f"list targets: p95 < {TARGET_P95_MS:.0f} ms and ratio < {TARGET_RATIO:.0f}; hazard page: "
        f"p95 < {TARGET_P95_MS:.0f} ms. {len(report['results']) - len(failed)} of "
        f"{len(report['results'])} rows pass"
    )
    for r in failed:
        why = []
        if r["p95_ms"] >= TARGET_P95_MS:
            why.append(f"p95 {r['p95_ms']:.1f} ms")
        if r["case"] != "h" and (r["ratio"] or 0) >= TARGET_RATIO:
            why.append(f"ratio {r['ratio']:.1f} (raw p95 {r['raw']['p95_ms']:.1f} ms)")
        print(f"  FAIL {r['case']} {r['user']} {r['endpoint']}: {', '.join(why)}")
    if report.get("export"):
        print(
            f"\nExport (write_hazard_workbook, user city, newest first; target 100,000 rows "
            f"< {TARGET_EXPORT_S:.0f} s, peak RSS < {TARGET_EXPORT_MB:.0f} MB at every size):"
        )
        if max(e["rows"] for e in report["export"]) < 100_000:
            print(
                "  (no export of 100,000 rows, so the time target is not judged: see 'per 100k', "
                "or seed 100,000 hazards with --hazards 100000 --parts export)"
            )
        for e in report["export"]:
            tm = f", tracemalloc peak {e['tracemalloc_peak_mb']} MB" if e["tracemalloc"] else ""
            verdict = "" if e["tracemalloc"] else harness.verdict(e["pass"])
            print(
                f"  {e['rows']:>7} rows: {e['seconds']:6.1f} s ({e['s_per_100k']:.0f} s per 100k), "
                f"peak RSS {e['peak_rss_mb']:6.1f} MB (+{e['rss_growth_mb']:5.1f}), "
                f"xlsx {e['xlsx_mb']:5.1f} MB{tm}  {verdict}"
            )
        cpu = report["cpu_during_export"]
        print(f"  CPU during the exports: host {cpu['host_busy_cpus']} of {report['cpus']}")
    seed = {k: v for k, v in report.items() if k.endswith("_s") and k != "total_s"}
    print("\nseed/setup (s): " + ", ".join(f"{k.removesuffix('_s')} {v}" for k, v in seed.items()))
    print(f"OVERALL: {harness.verdict(report['pass'])}")
    if report.get("plans"):
        print("\nQuery plans:")
        for key, item in report["plans"].items():
            print(f"\n[{key}]\n{item['sql']}\n{item['plan']}")


def write_json(report: dict) -> Path:
    name = f"hazards_{report['database']}"
    return harness.write_json(report, name, stamp=harness.stamp_of(report["started"]))


def main(argv=None) -> int:
    args = parse_args(argv)
    vendor = prepare_environment(args)
    if args.export_child is not None:
        export_child(args)
        return 0
    return harness.run_and_report(lambda: run(args, vendor), print_report, write_json)


if __name__ == "__main__":
    sys.exit(main())
