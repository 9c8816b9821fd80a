#!/usr/bin/env python
"""Benchmark of campaigns and self-inspection forms (排查表) on 400 schools × ~80 items.

Usage::

    .venv/bin/python bench/bench_campaigns.py              # SQLite file DB (WAL), ~5-10 min
    .venv/bin/python bench/bench_campaigns.py --postgres   # PostgreSQL on 127.0.0.1
    .venv/bin/python bench/bench_campaigns.py --profile import   # cProfile one part instead

Builds a fresh database (SQLite under bench/out/campaigns-sqlite, or the PostgreSQL database
``safecampus_bench_campaigns``), seeds the organisation with ``seed_demo --no-users`` (one
district of 400 schools and its departments), publishes a bench catalog of ~86 items of which each
school gets ~80, and adds the centre user and one school officer per school. It then times:

1. ``campaign_launch`` (400 forms, ~32,000 answers);
2. ``form_workbook_bytes`` for every form (blank workbooks);
3. ``import_form_workbook`` of all 400 workbooks once filled with openpyxl (5 non-compliant items
   each), with ``submit=False`` and with ``submit=True``, against the floor of merely reading the
   same files (openpyxl read-only over every cell; python-calamine if it is installed);
4. online submission: ``form_save`` then ``form_submit`` for 100 forms, and the POST to
   ``inspections:form_submit`` through the test client when that URL exists;
5. a burst: 200 forms submitted at once by 32 threads and by 16 processes calling
   ``form_submit``, and by 32 threads POSTing the page (each its own connection), then checks
   that every form was submitted and every hazard made exactly once.

Prints figures, ratios and PASS/FAIL per target, and writes bench/out/campaigns.json (SQLite) or
bench/out/campaigns_postgresql.json. See bench/README.md.
"""

from __future__ import annotations

import atexit
import cProfile
import datetime
import gc
import io
import os
import pstats
import queue
import random
import shutil
import signal
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from contextlib import contextmanager
from pathlib import Path
from time import perf_counter

import harness  # stdlib only: options, environment, timing, report, JSON

harness.use_paths()

from bench_hazards import LOCATIONS, MEASURES, PROBLEMS  # noqa: E402  (stdlib-only module level)
from harness import ROOT, CpuMeter, ms_summary, pg_admin  # noqa: E402

PG_NAME = "safecampus_bench_campaigns"
PG_URL = harness.pg_url(PG_NAME)

TARGET_IMPORT_S = 60.0  # 400 filled workbooks
TARGET_IMPORT_RATIO = 3.0  # import time / fastest read of the same files
TARGET_SUBMIT_P95_MS = 500.0
NON_COMPLIANT_PER_FORM = 5
#: items of the bench catalog every school gets, and the conditional ones on top
#: (canteen, chemistry lab, boarding, non-kindergarten stages, kindergarten only)
UNCONDITIONAL_ITEMS = 74
CONDITIONAL_ITEMS = {"canteen": 4, "chem_lab": 3, "boarding": 2, "school_stages": 3, "kg_only": 3}
PROFILE_PARTS = ("launch", "generate", "import", "import_submit", "submit", "http")
#: service calls from threads and from processes; the page's POST (test client) from threads or
#: from processes; "4x4" is 4 processes of 4 threads, the README's gunicorn shape
BURST_MODES = {"thread": "32", "process": "16", "http-process": "4x4"}
BURST_KINDS = ("thread", "process", "http", "http-process")


def parse_args(argv=None):
    p = harness.parser(__doc__)
    harness.add_postgres(p, f"{PG_URL}_<pid>")
    p.add_argument("--schools", type=int, default=400, help="schools (400)")
    p.add_argument("--online", type=int, default=100, help="forms submitted one by one (100)")
    p.add_argument("--burst", type=int, default=200, help="forms submitted at once (200)")
    p.add_argument(
        "--burst-modes",
        default=",".join(f"{m}:{n}" for m, n in BURST_MODES.items()),
        help="concurrent submitters, mode:workers, comma-separated, from thread, process, http "
        "(threads POSTing the page), http-process; a process mode takes PxT for P processes of T "
        "threads. Each mode gets its own campaign (thread:32,process:16,http-process:4x4)",
    )
    p.add_argument(
        "--burst-spread",
        type=float,
        default=0.0,
        help="spread the burst's arrivals evenly over this many seconds (0: all at once)",
    )
    p.add_argument(
        "--profile",
        default="",
        help=f"run these parts under cProfile and print the hotspots ({','.join(PROFILE_PARTS)}); "
        "their timings are then inflated, so the JSON goes to campaigns_profile.json",
    )
    p.add_argument(
        "--parts",
        default="import,online,burst",
        help="what to measure: import (launch, workbooks, read floor, imports), online, burst "
        "(all three)",
    )
    p.add_argument("--seed", type=int, default=2026, help="random seed of the filled answers")
    p.add_argument(
        "--keep-db", action="store_true", help="keep this run's database at exit (for poking at)"
    )
    args = p.parse_args(argv)
    args.profile = harness.names(args.profile)
    args.parts = harness.names(args.parts)
    if unknown := args.parts - {"import", "online", "burst"}:
        p.error(f"unknown --parts: {', '.join(sorted(unknown))}")
    if unknown := args.profile - set(PROFILE_PARTS):
        p.error(f"unknown --profile parts: {', '.join(sorted(unknown))}")
    modes = []
    for spec in filter(None, (x.strip() for x in args.burst_modes.split(","))):
        mode, _sep, n = spec.partition(":")
        if mode not in BURST_KINDS:
            p.error(f"unknown burst mode {mode!r} ({', '.join(BURST_KINDS)})")
        procs, _x, per = (n or BURST_MODES.get(mode, "16")).partition("x")
        if per and not mode.endswith("process"):
            p.error(f"{spec}: only process modes take processes x threads")
        modes.append((mode, int(procs), int(per or 1)))
    args.burst_modes = modes
    if args.schools < 2 * args.online or args.schools < args.burst:
        p.error("--schools must be at least 2 × --online and at least --burst")
    return args


# --- environment (before Django is imported) ----------------------------------------------------


def prepare_environment(args) -> str:
    """A database of this run's own, removed at exit (``--keep-db`` keeps it): a temporary
    folder for SQLite (the same disk as the project here), ``safecampus_bench_campaigns_<pid>``
    on PostgreSQL. Runs started by different people at the same time then never share it: an
    earlier version wiped a fixed folder, which replaced the database under a running burst."""
    vendor = harness.vendor_of(args.postgres)
    var = Path(tempfile.mkdtemp(prefix=f"safecampus-bench-campaigns-{vendor}-"))
    owner = os.getpid()
    pg_name = f"{PG_NAME}_{owner}"
    harness.prepare_environment(var, database_url=f"{PG_URL}_{owner}" if args.postgres else None)

    def cleanup():
        if os.getpid() != owner:  # a burst child process exiting
            return
        if args.keep_db:
            print(f"database kept: {var}" + (f", PostgreSQL {pg_name}" if args.postgres else ""))
            return
        shutil.rmtree(var, ignore_errors=True)
        if args.postgres:
            pg_admin(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')

    atexit.register(cleanup)
    if args.postgres:
        pg_admin(f"CREATE DATABASE \"{pg_name}\" ENCODING 'UTF8' TEMPLATE template0")
    return vendor


# --- helpers ------------------------------------------------------------------------------------


class FamilyCpuMeter(CpuMeter):
    """The harness's meter, counting this process's finished children (the burst's worker
    processes) as part of the bench rather than as "other" processes."""

    @staticmethod
    def _sample():
        wall, host, _own = CpuMeter._sample()
        t = os.times()
        return wall, host, t.user + t.system + t.children_user + t.children_system


class QueryCounter:
    """An execute wrapper that counts statements."""

    def __init__(self):
        self.n = 0

    def __call__(self, execute, sql, params, many, context):
        self.n += 1
        return execute(sql, params, many, context)


@contextmanager
def counting():
    from django.db import connection

    counter = QueryCounter()
    with connection.execute_wrapper(counter):
        yield counter


class Profiler:
    """cProfile around the parts named in ``--profile``; the hotspots go to the report."""

    def __init__(self, parts: set[str]):
        self.parts = parts
        self.results: dict[str, dict] = {}

    @contextmanager
    def part(self, name: str):
        if name not in self.parts:
            yield
            return
        prof = cProfile.Profile()
        prof.enable()
        try:
            yield
        finally:
            prof.disable()
            self.results[name] = hotspots(prof)
            print(f"\n--- cProfile: {name} ---")
            print(self.results[name]["text"])


def hotspots(prof: cProfile.Profile) -> dict:
    out = {}
    for key, sort, limit, restrict in (
        ("tottime", "tottime", 25, ()),
        ("cumulative_project", "cumulative", 30, ("safecampus",)),
        ("cumulative", "cumulative", 30, ()),
    ):
        buf = io.StringIO()
        stats = pstats.Stats(prof, stream=buf)
        stats.sort_stats(sort).print_stats(*restrict, limit)
        text = buf.getvalue()
        text = text.replace(str(ROOT) + "/", "").replace(str(ROOT / ".venv") + "/", "")
        out[key] = text[text.find("   ncalls") :]
    out["text"] = "\n".join(f"[{k}]\n{v}" for k, v in out.items())
    return out


def who(b: dict) -> str:
    return describe(b["mode"], b["workers"], b.get("threads_per_process", 1))


def describe(mode: str, workers: int, per: int = 1) -> str:
    """ "32 threads", "4 processes × 4 threads POSTing the page"…"""
    who = f"{workers} threads" if mode in ("thread", "http") else f"{workers} processes"
    if per > 1:
        who += f" × {per} threads"
    return who + (" POSTing the page" if mode.startswith("http") else "")


def item_counts(values: list[int]) -> dict:
    return {
        "min": min(values),
        "mean": round(statistics.fmean(values), 1),
        "max": max(values),
    }


# --- fixture ------------------------------------------------------------------------------------


def bench_catalog_data() -> dict:
    """~86 items from the shipped default catalog: 74 that apply to every school (all of its
    unconditional major items first, then round-robin over the areas) and 15 conditional ones,
    each with a responsible department that exists in seed_demo's district."""
    from safecampus.catalog.management.commands.load_default_catalog import default_catalog_data
    from safecampus.demo.organisations import DEPARTMENTS

    data = default_catalog_data()
    known = {name for name, _kind in DEPARTMENTS}
    pool: dict[str, list[tuple[str, dict]]] = {k: [] for k in ("plain", *CONDITIONAL_ITEMS)}
    for area in data["areas"]:
        for item in area["items"]:
            stages = item.get("stages") or []
            if item.get("needs_canteen"):
                kind = "canteen"
            elif item.get("needs_chem_lab"):
                kind = "chem_lab"
            elif item.get("boarding_only"):
                kind = "boarding"
            elif stages == ["kindergarten"]:
                kind = "kg_only"
            elif stages and "kindergarten" not in stages and "primary" in stages:
                kind = "school_stages"
            elif not stages:
                kind = "plain"
            else:
                continue
            pool[kind].append((area["code"], item))
    majors = [x for x in pool["plain"] if x[1].get("default_level") == "major"]
    chosen = {id(item) for _a, item in majors[:UNCONDITIONAL_ITEMS]}
    by_area: dict[str, list[dict]] = {}
    for code, item in pool["plain"]:
        by_area.setdefault(code, []).append(item)
    while len(chosen) < UNCONDITIONAL_ITEMS and any(by_area.values()):
        for items in by_area.values():
            while items and id(items[0]) in chosen:
                items.pop(0)
            if items and len(chosen) < UNCONDITIONAL_ITEMS:
                chosen.add(id(items.pop(0)))
    for kind, n in CONDITIONAL_ITEMS.items():
        chosen |= {id(item) for _a, item in pool[kind][:n]}
    areas = []
    for area in data["areas"]:
        items = []
        for item in area["items"]:
            if id(item) not in chosen:
                continue
            responsible = [n for n in item.get("responsible", []) if n in known] or ["安全管理中心"]
            items.append(
                {
                    **item,
                    "school_facing": True,
                    "responsible": responsible,
                    "cooperating": [n for n in item.get("cooperating", []) if n in known],
                }
            )
        if items:
            areas.append({**area, "items": items})
    return {"title": "专项行动基准排查标准", "areas": areas}


def build_fixture(args) -> dict:
    """seed_demo's district (400 schools, 13 departments), the bench catalog, the centre user and
    one school officer ``s<学校标识码>`` per school."""
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import transaction

    from safecampus.accounts.models import RoleAssignment, User
    from safecampus.catalog.models import CheckItem
    from safecampus.catalog.services import catalog_load
    from safecampus.core.roles import Role
    from safecampus.core.testing import PASSWORD, user_with_role
    from safecampus.orgs.models import Bureau, School

    info: dict = {}
    t = perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    info["migrate_s"] = round(perf_counter() - t, 2)
    t = perf_counter()
    call_command("seed_demo", schools=args.schools, no_users=True, stdout=io.StringIO())
    info["seed_demo_s"] = round(perf_counter() - t, 2)
    t = perf_counter()
    with transaction.atomic():
        mh = Bureau.objects.get(code_prefix="MH")
        version, warnings = catalog_load(bureau=mh, data=bench_catalog_data())
        assert not warnings, warnings
        centre = user_with_role(Role.SAFETY_CENTRE, mh, username="centre", full_name="安全管理中心")
        schools = list(School.objects.filter(bureau=mh).order_by("code"))
        hashed = make_password(PASSWORD)  # one PBKDF2 hash for all: force_login needs none
        User.objects.bulk_create(
            [
                User(
                    username=f"s{s.code}",
                    full_name=f"{s.name} 安全员",
                    bureau=mh,
                    password=hashed,
                )
                for s in schools
            ],
            batch_size=500,
        )
        names = [f"s{s.code}" for s in schools]
        ids = dict(User.objects.filter(username__in=names).values_list("username", "pk"))
        RoleAssignment.objects.bulk_create(
            [
                RoleAssignment(user_id=ids[f"s{s.code}"], role=Role.SCHOOL_OFFICER, school=s)
                for s in schools
            ],
            batch_size=500,
        )
    info["catalog_users_s"] = round(perf_counter() - t, 2)
    items = list(CheckItem.objects.filter(version=version))
    per_school = [sum(1 for i in items if i.applies_to(s)) for s in schools]
    info.update(
        {
            "schools": len(schools),
            "bureau_id": mh.pk,
            "centre_id": centre.pk,
            "catalog_version_id": version.pk,
            "catalog_items": len(items),
            "school_facing_items": sum(1 for i in items if i.school_facing),
            "major_items": sum(1 for i in items if i.default_level == "major"),
            "items_per_school": item_counts(per_school),
            "stages": dict(Counter(s.stage for s in schools).most_common()),
        }
    )
    return info


def officers() -> dict[int, int]:
    """school id → its officer's user id."""
    from safecampus.accounts.models import RoleAssignment

    return dict(
        RoleAssignment.objects.filter(role="school_officer").values_list("school_id", "user_id")
    )


def new_campaign(ctx: dict, name: str):
    from safecampus.accounts.models import User
    from safecampus.campaigns.services import campaign_save
    from safecampus.orgs.models import Bureau

    today = datetime.date.today()
    return campaign_save(
        actor=User.objects.get(pk=ctx["centre_id"]),
        bureau=Bureau.objects.get(pk=ctx["bureau_id"]),
        data={
            "name": name,
            "forms_due": today + datetime.timedelta(days=30),
            "catalog_version": ctx["catalog_version_id"],
        },
        phases=[
            {
                "name": "集中排查",
                "kind": "inspection",
                "starts_on": today - datetime.timedelta(days=1),
                "ends_on": today + datetime.timedelta(days=30),
            }
        ],
    )


def launch(ctx: dict, name: str) -> tuple[object, float]:
    from safecampus.accounts.models import User
    from safecampus.campaigns.services import campaign_launch

    campaign = new_campaign(ctx, name)
    centre = User.objects.get(pk=ctx["centre_id"])
    t = perf_counter()
    campaign_launch(actor=centre, campaign_id=campaign.pk)
    return campaign, perf_counter() - t


def campaign_forms(campaign) -> list:
    from safecampus.inspections.models import InspectionForm

    return list(
        InspectionForm.objects.filter(campaign=campaign)
        .select_related("campaign", "school")
        .order_by("school__code")
    )


def form_plan(campaign) -> dict[int, list[tuple[int, str, str]]]:
    """form id → its answers in workbook order: (answer id, item code, default level)."""
    from safecampus.inspections.models import FormAnswer

    plan: dict[int, list] = {}
    rows = (
        FormAnswer.objects.filter(form__campaign=campaign)
        .order_by("form_id", "sort_order", "id")
        .values_list("form_id", "pk", "item__code", "item__default_level")
    )
    for form_id, pk, code, level in rows:
        plan.setdefault(form_id, []).append((pk, code, level))
    return plan


def filled_values(seed: int, form_id: int, answers: list, today) -> list[dict]:
    """The answers a school gives: compliant, except ``NON_COMPLIANT_PER_FORM`` items filled in
    completely (description, measures, a date, the person; interim measures when major)."""
    rng = random.Random(seed * 1_000_003 + form_id)
    bad = set(rng.sample(range(len(answers)), min(NON_COMPLIANT_PER_FORM, len(answers))))
    out = []
    for n, (_pk, code, level) in enumerate(answers):
        if n not in bad:
            out.append({"answer": "compliant"})
            continue
        row = {
            "answer": "non_compliant",
            "note": rng.choice(LOCATIONS),
            "description": f"{rng.choice(PROBLEMS)}（{code}）",
            "plan": rng.choice(MEASURES),
            "deadline": today + datetime.timedelta(days=14 + rng.randrange(60)),
            "responsible_person": rng.choice("王李张刘陈杨黄赵") + "老师",
        }
        if level == "major":
            row["interim_measures"] = "设置警戒线和警示标识，专人看守"
        out.append(row)
    return out


def fill_workbook(blank: bytes, answers: list, values: list[dict]) -> bytes:
    """Fill a blank workbook as a school would, in Excel: the input columns of every row."""
    from openpyxl import load_workbook

    from safecampus.inspections.excel import ANSWER_TEXT, FIELD_COLUMN, FIRST_ROW, SHEET

    wb = load_workbook(io.BytesIO(blank))
    ws = wb[SHEET]
    for n, ((_pk, code, _level), row) in enumerate(zip(answers, values, strict=True)):
        r = FIRST_ROW + n
        assert ws.cell(r, 2).value == code, (r, ws.cell(r, 2).value, code)
        for field, value in row.items():
            if field == "answer":
                value = ANSWER_TEXT[value]
            ws.cell(r, FIELD_COLUMN[field] + 1, value)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def rows_for_save(answers: list, values: list[dict]) -> dict[int, dict]:
    return {pk: row for (pk, _c, _l), row in zip(answers, values, strict=True)}


# --- readers (the floor) ------------------------------------------------------------------------


def read_openpyxl(data: bytes) -> int:
    """Every cell of every sheet, openpyxl read-only: the cheapest openpyxl read."""
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    n = 0
    for ws in wb.worksheets:
        for row in ws.iter_rows(values_only=True):
            n += len(row)
    wb.close()
    return n


def read_calamine(data: bytes) -> int:
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
    n = 0
    for name in wb.sheet_names:
        for row in wb.get_sheet_by_name(name).to_python():
            n += len(row)
    return n


def read_product(data: bytes) -> int:
    from safecampus.inspections.excel import read_form_workbook

    _meta, rows = read_form_workbook(io.BytesIO(data))
    return len(rows)


def time_reader(fn, files: list[bytes]) -> dict:
    for data in files[:3]:  # warm up imports
        fn(data)
    gc.collect()
    times = []
    t0 = perf_counter()
    for data in files:
        t = perf_counter()
        fn(data)
        times.append((perf_counter() - t) * 1000)
    return {"total_s": round(perf_counter() - t0, 2), **ms_summary(times)}


# --- parts --------------------------------------------------------------------------------------


def part_launch(ctx, prof) -> tuple[object, dict]:
    from safecampus.inspections.models import FormAnswer

    print("1. launch", flush=True)
    gc.collect()
    with prof.part("launch"):
        campaign, took = launch(ctx, "2026年校园安全专项整治（基准）")
    forms = campaign.forms.count()
    answers = FormAnswer.objects.filter(form__campaign=campaign).count()
    out = {
        "seconds": round(took, 2),
        "forms": forms,
        "answers": answers,
        "answers_per_s": round(answers / took),
        "items_per_form": item_counts(list(campaign.forms.values_list("item_count", flat=True))),
    }
    print(f"   {forms} forms, {answers} answers in {took:.2f} s", flush=True)
    return campaign, out


def part_generate(forms, prof) -> tuple[dict[int, bytes], dict]:
    from safecampus.inspections.excel import form_workbook_bytes

    print("2. blank workbooks", flush=True)
    form_workbook_bytes(forms[0])  # warm up (imports, fonts)
    gc.collect()
    blanks, times = {}, []
    with prof.part("generate"):
        t0 = perf_counter()
        for form in forms:
            t = perf_counter()
            blanks[form.pk] = form_workbook_bytes(form)
            times.append((perf_counter() - t) * 1000)
        total = perf_counter() - t0
    out = {
        "workbooks": len(blanks),
        "total_s": round(total, 2),
        **ms_summary(times),
        "mean_kb": round(statistics.fmean(len(b) for b in blanks.values()) / 1024, 1),
    }
    print(
        f"   {len(blanks)} workbooks in {total:.1f} s, p50 {out['p50_ms']:.0f} ms, "
        f"p95 {out['p95_ms']:.0f} ms, {out['mean_kb']} KB each",
        flush=True,
    )
    return blanks, out


def part_fill(forms, blanks, plan, seed) -> tuple[dict[int, bytes], dict]:
    print("   filling them with openpyxl (as a school would in Excel)", flush=True)
    today = datetime.date.today()
    filled = {}
    t = perf_counter()
    for form in forms:
        values = filled_values(seed, form.pk, plan[form.pk], today)
        filled[form.pk] = fill_workbook(blanks[form.pk], plan[form.pk], values)
    took = perf_counter() - t
    out = {
        "total_s": round(took, 2),
        "mean_kb": round(statistics.fmean(len(b) for b in filled.values()) / 1024, 1),
    }
    print(f"   filled in {took:.1f} s ({out['mean_kb']} KB each)", flush=True)
    return filled, out


def part_read_floor(files: list[bytes]) -> dict:
    print("3a. read floor", flush=True)
    out: dict = {}
    out["openpyxl_read_only"] = time_reader(read_openpyxl, files)
    print(
        f"   openpyxl read-only, every cell: {out['openpyxl_read_only']['total_s']} s", flush=True
    )
    try:
        import python_calamine  # noqa: F401

        out["calamine"] = time_reader(read_calamine, files)
        print(f"   python-calamine, every cell: {out['calamine']['total_s']} s", flush=True)
    except ImportError as exc:
        out["calamine"] = None
        out["calamine_skipped"] = f"python-calamine is not importable ({exc})"
        print(f"   python-calamine: skipped ({exc})", flush=True)
    out["product_reader"] = time_reader(read_product, files)
    print(
        f"   read_form_workbook (the import's own reader): {out['product_reader']['total_s']} s",
        flush=True,
    )
    readers = {"openpyxl_read_only": out["openpyxl_read_only"]["total_s"]}
    if out["calamine"]:
        readers["calamine"] = out["calamine"]["total_s"]
    out["fastest"] = min(readers, key=readers.get)
    out["floor_s"] = readers[out["fastest"]]
    return out


def run_imports(forms, files: dict[int, bytes], actor, *, submit: bool) -> dict:
    from safecampus.inspections.excel import export_name, import_form_workbook

    gc.collect()
    times, queries, statuses, refused = [], [], {}, []
    t0 = perf_counter()
    for form in forms:
        t = perf_counter()
        with counting() as c:
            report = import_form_workbook(
                io.BytesIO(files[form.pk]), actor=actor, name=export_name(form), submit=submit
            )
        times.append((perf_counter() - t) * 1000)
        queries.append(c.n)
        statuses[report.status] = statuses.get(report.status, 0) + 1
        if report.status == "refused" and len(refused) < 5:
            refused.append(
                {"name": report.name, "message": report.message, "errors": report.errors[:5]}
            )
        if submit and not report.submitted and report.status != "refused":
            refused.append({"name": report.name, "message": "not submitted"})
    total = perf_counter() - t0
    return {
        "workbooks": len(forms),
        "total_s": round(total, 2),
        **ms_summary(times),
        "queries_p50": statistics.median(queries),
        "queries_max": max(queries),
        "statuses": statuses,
        "refused_sample": refused,
    }


def reset_answers(campaign) -> None:
    """Blank every answer of the campaign again (bench-side, not a product operation), so that
    the submit=True import starts from the same state as the first import."""
    from django.db import transaction

    from safecampus.inspections.models import FormAnswer, InspectionForm

    with transaction.atomic():
        FormAnswer.objects.filter(form__campaign=campaign).update(
            answer="",
            note="",
            description="",
            plan="",
            deadline=None,
            responsible_person="",
            na_reason="",
            interim_measures="",
        )
        InspectionForm.objects.filter(campaign=campaign).update(
            status="not_started", answered_count=0, non_compliant_count=0
        )


def part_import(ctx, campaign, forms, filled, floor, prof) -> dict:
    from safecampus.accounts.models import User
    from safecampus.hazards.models import Hazard
    from safecampus.inspections.models import FormAnswer

    centre = User.objects.get(pk=ctx["centre_id"])  # the import job's user, as in form_import_job
    out: dict = {}
    print("3b. import (submit=False)", flush=True)
    with prof.part("import"):
        out["save"] = run_imports(forms, filled, centre, submit=False)
    print(f"   {out['save']['total_s']} s, statuses {out['save']['statuses']}", flush=True)
    print("3c. the same workbooks again (nothing changes)", flush=True)
    out["unchanged"] = run_imports(forms, filled, centre, submit=False)
    print(
        f"   {out['unchanged']['total_s']} s, statuses {out['unchanged']['statuses']}", flush=True
    )
    reset_answers(campaign)
    print("3d. import (submit=True), after blanking the answers again", flush=True)
    before = Hazard.objects.count()
    with prof.part("import_submit"):
        out["submit"] = run_imports(forms, filled, centre, submit=True)
    made = Hazard.objects.count() - before
    expected = len(forms) * NON_COMPLIANT_PER_FORM
    linked = FormAnswer.objects.filter(form__campaign=campaign, hazard__isnull=False).count()
    submitted = campaign.forms.filter(status="submitted").count()
    out["submit"]["check"] = {
        "hazards_made": made,
        "expected": expected,
        "answers_with_hazard": linked,
        "forms_submitted": submitted,
        "ok": made == expected == linked and submitted == len(forms),
    }
    print(
        f"   {out['submit']['total_s']} s, statuses {out['submit']['statuses']}, "
        f"{made} hazards (expected {expected}), {submitted} forms submitted",
        flush=True,
    )
    floor_s = floor["floor_s"]
    opx = floor["openpyxl_read_only"]["total_s"]
    for key in ("save", "unchanged", "submit"):
        r = out[key]
        r["ratio_to_floor"] = round(r["total_s"] / floor_s, 2)
        r["ratio_to_openpyxl"] = round(r["total_s"] / opx, 2)
        if floor.get("calamine"):
            r["ratio_to_calamine"] = round(r["total_s"] / floor["calamine"]["total_s"], 2)
    return out


def page_post(rows: dict[int, dict]) -> dict[str, str]:
    """What the form page's submit button posts: every field of every answer (``a<id>-<field>``),
    as the browser shows them after the last autosave."""
    from safecampus.inspections.services import ANSWER_FIELDS

    data = {}
    for pk, row in rows.items():
        for field in ANSWER_FIELDS:
            value = row.get(field) or ""
            data[f"a{pk}-{field}"] = value.isoformat() if hasattr(value, "isoformat") else value
    return data


def submit_url(pk: int) -> tuple[str | None, str | None]:
    try:
        from django.urls import reverse

        return reverse("inspections:form_submit", args=[pk]), None
    except Exception as exc:  # the URL or the campaigns URLconf does not exist (yet)
        return None, f"{type(exc).__name__}: {exc}"


def part_online(ctx, args, prof) -> dict:
    from django.test import Client

    from safecampus.accounts.models import User
    from safecampus.inspections.models import InspectionForm
    from safecampus.inspections.services import form_save, form_submit

    print("4. online submission", flush=True)
    campaign, took = launch(ctx, "2026年校园安全专项整治（在线提交）")
    forms = campaign_forms(campaign)
    plan = form_plan(campaign)
    who = officers()
    today = datetime.date.today()
    out: dict = {"launch_s": round(took, 2)}

    def values(form):
        return rows_for_save(plan[form.pk], filled_values(args.seed, form.pk, plan[form.pk], today))

    gc.collect()
    save_ms, submit_ms, queries, hazards = [], [], [], []
    with prof.part("submit"):
        for form in forms[: args.online]:
            user = User.objects.get(pk=who[form.school_id])  # a fresh user, as in a request
            t = perf_counter()
            form_save(actor=user, form_id=form.pk, rows=values(form))
            save_ms.append((perf_counter() - t) * 1000)
            user = User.objects.get(pk=who[form.school_id])
            t = perf_counter()
            with counting() as c:
                result = form_submit(actor=user, form_id=form.pk)
            submit_ms.append((perf_counter() - t) * 1000)
            queries.append(c.n)
            hazards.append(len(result["created"]))
    out["save"] = {"n": len(save_ms), **ms_summary(save_ms)}
    out["service"] = {
        "n": len(submit_ms),
        **ms_summary(submit_ms),
        "queries_p50": statistics.median(queries),
        "queries_max": max(queries),
        "hazards_per_form": statistics.median(hazards),
    }
    print(
        f"   form_save p95 {out['save']['p95_ms']:.0f} ms; form_submit p50 "
        f"{out['service']['p50_ms']:.0f} ms, p95 {out['service']['p95_ms']:.0f} ms, "
        f"{out['service']['queries_p50']:.0f} queries",
        flush=True,
    )

    batch = forms[args.online : 2 * args.online]
    url, why = submit_url(batch[0].pk)
    if url is None:
        out["http"] = {"skipped": f"no URL inspections:form_submit ({why})"}
        print(f"   HTTP: skipped ({why})", flush=True)
        return out
    posted = {}
    for form in batch:  # filled in beforehand; only the submit request is timed
        user = User.objects.get(pk=who[form.school_id])
        rows = values(form)
        form_save(actor=user, form_id=form.pk, rows=rows)
        posted[form.pk] = page_post(rows)
    http_ms, statuses, queries = [], {}, []
    with prof.part("http"):
        for form in batch:
            client = Client(HTTP_ACCEPT="text/html")
            client.force_login(User.objects.get(pk=who[form.school_id]))
            url, _why = submit_url(form.pk)
            t = perf_counter()
            with counting() as c:
                resp = client.post(url, posted[form.pk])
            http_ms.append((perf_counter() - t) * 1000)
            queries.append(c.n)
            statuses[resp.status_code] = statuses.get(resp.status_code, 0) + 1
    submitted = InspectionForm.objects.filter(
        pk__in=[f.pk for f in batch], status="submitted"
    ).count()
    out["http"] = {
        "n": len(http_ms),
        **ms_summary(http_ms),
        "status_codes": {str(k): v for k, v in statuses.items()},
        "forms_submitted": submitted,
        "queries_p50": statistics.median(queries),
    }
    print(
        f"   POST {url.rsplit('/', 3)[0]}/<pk>/submit/: p50 {out['http']['p50_ms']:.0f} ms, "
        f"p95 {out['http']['p95_ms']:.0f} ms, codes {statuses}, {submitted} submitted",
        flush=True,
    )
    return out


# --- burst --------------------------------------------------------------------------------------


def _due(opened: float, due_s: float) -> None:
    """Sleep until the submission's arrival time (``--burst-spread``)."""
    delay = opened + due_s - perf_counter()
    if delay > 0:
        time.sleep(delay)


#: the exception of the request each thread is serving (see _record_exception)
_request_errors: dict[int, BaseException] = {}


def _record_exception(sender, request=None, **kwargs) -> None:
    """``got_request_exception`` receiver: the failing request's own thread sends it.

    The test client's own receiver can't be used from many threads: every client in flight is
    connected to the signal, so each would store and re-raise another thread's exception."""
    _request_errors[threading.get_ident()] = sys.exc_info()[1]


def _post_one(form_id: int, http: tuple[str, dict], t0: float) -> dict:
    """The submit button's POST through the test client, with the school's session."""
    from django.conf import settings
    from django.test import Client

    from safecampus.inspections.models import InspectionForm

    cookie, data = http
    client = Client(HTTP_ACCEPT="text/html", raise_request_exception=False)
    client.cookies[settings.SESSION_COOKIE_NAME] = cookie
    url, _why = submit_url(form_id)
    _request_errors.pop(threading.get_ident(), None)
    start = perf_counter()
    resp = client.post(url, data)
    end = perf_counter()
    exc = _request_errors.pop(threading.get_ident(), None)
    error = None
    if exc is not None or resp.status_code not in (302, 303):
        status = InspectionForm.objects.filter(pk=form_id).values_list("status", flat=True)[0]
        error = f"HTTP {resp.status_code}" + (
            f": {type(exc).__name__}: {exc} [at {where(exc)}]" if exc is not None else ""
        )
        if exc is None:  # a response Django made itself: the page's message, or its text
            error += f" «{page_alerts(resp) or page_text(resp)}»"
        error += f"; form now {status}"
    return {
        "form": form_id,
        "ms": (end - start) * 1000,
        "wait_ms": None,
        "hold_ms": None,
        "start_s": start - t0,
        "end_s": end - t0,
        "error": error,
    }


def page_alerts(resp) -> str:
    """The page's flash messages (``role="alert"``), as the person would read them."""
    import html
    import re

    text = resp.content.decode("utf-8", "replace")
    found = re.findall(r'role="alert">\s*(.*?)\s*<button', text, flags=re.S)
    return " / ".join(html.unescape(m)[:200] for m in found)


def page_text(resp) -> str:
    import re

    text = re.sub(r"<[^>]+>", " ", resp.content.decode("utf-8", "replace"))
    return " ".join(text.split())[:120]


def where(exc: BaseException) -> str:
    """The innermost frames of the project and of Django's session middleware that led to
    ``exc``: which write of the request failed."""
    import traceback

    def label(f) -> str:
        path = f.filename.split("site-packages/")[-1].removeprefix(str(ROOT) + "/")
        return f"{path}:{f.lineno} {f.name}"

    tb = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in tb if "/safecampus/" in f.filename or "contrib/sessions/" in f.filename]
    django = [f for f in tb if "django/db/transaction.py" in f.filename]
    parts = [label(f) for f in ours[-1:] + django[-1:]]
    return " < ".join(reversed(parts)) or "?"


def _submit_one(form_id: int, user_id: int, t0: float, http: tuple | None = None) -> dict:
    from django.db import connection

    from safecampus.accounts.models import User
    from safecampus.inspections.services import form_submit

    if http is not None:
        return _post_one(form_id, http, t0)
    user = User.objects.get(pk=user_id)  # the request's user, before the submit
    first: list[float] = []

    def first_query(execute, sql, params, many, context):
        # on SQLite the atomic block's first statement is BEGIN IMMEDIATE, which returns once
        # the write lock is taken: its end splits waiting from holding the lock
        result = execute(sql, params, many, context)
        if not first:
            first.append(perf_counter())
        return result

    start = perf_counter()
    try:
        with connection.execute_wrapper(first_query):
            form_submit(actor=user, form_id=form_id)
        error = None
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
    end = perf_counter()
    got = first[0] if first else end
    return {
        "form": form_id,
        "ms": (end - start) * 1000,
        "wait_ms": (got - start) * 1000,
        "hold_ms": (end - got) * 1000,
        "start_s": start - t0,
        "end_s": end - t0,
        "error": error,
    }


def _burst_thread(work: list[tuple], workers: int, per: int = 1) -> tuple[list[dict], float]:
    from django.db import connections

    q: queue.SimpleQueue = queue.SimpleQueue()
    for w in work:
        q.put(w)
    barrier = threading.Barrier(workers + 1)
    results: list[dict] = []

    def worker():
        try:
            barrier.wait()
            opened = perf_counter()
            while True:
                try:
                    form_id, user_id, due_s, http = q.get_nowait()
                except queue.Empty:
                    break
                _due(opened, due_s)
                results.append({**_submit_one(form_id, user_id, opened, http), "due_s": due_s})
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, name=f"submit-{i}") for i in range(workers)]
    for th in threads:
        th.start()
    barrier.wait()
    start = perf_counter()
    for th in threads:
        th.join()
    return results, perf_counter() - start


def _process_worker(work_q, result_q, barrier, per: int) -> None:
    from django.db import connections

    def serve(opened: float) -> None:
        try:
            while (item := work_q.get()) is not None:
                form_id, user_id, due_s, http = item
                _due(opened, due_s)
                result_q.put({**_submit_one(form_id, user_id, opened, http), "due_s": due_s})
        finally:
            connections.close_all()

    try:
        barrier.wait()
        opened = perf_counter()
        threads = [threading.Thread(target=serve, args=(opened,)) for _ in range(per)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
    finally:
        result_q.put(None)


def _burst_process(work: list[tuple], workers: int, per: int = 1) -> tuple[list[dict], float]:
    """Each process (of ``per`` threads) opens its own connections; times are relative to its
    own release from the barrier (they are released together)."""
    import multiprocessing

    from django.db import connections

    ctx = multiprocessing.get_context("fork")
    work_q, result_q = ctx.Queue(), ctx.Queue()
    for w in work:
        work_q.put(w)
    for _ in range(workers * per):
        work_q.put(None)
    barrier = ctx.Barrier(workers + 1)
    connections.close_all()  # never share a connection across fork
    procs = [
        ctx.Process(target=_process_worker, args=(work_q, result_q, barrier, per))
        for _ in range(workers)
    ]
    for p in procs:
        p.start()
    barrier.wait()
    results, done = [], 0
    while done < workers:
        item = result_q.get()
        if item is None:
            done += 1
        else:
            results.append(item)
    for p in procs:
        p.join()
    return results, max((r["end_s"] for r in results), default=0.0)


def part_burst(ctx, args, mode: str, workers: int, per: int) -> dict:
    from django.conf import settings
    from django.core.signals import got_request_exception
    from django.db.models import Count, Max
    from django.test import Client

    from safecampus.accounts.models import User
    from safecampus.hazards.models import Hazard, HazardCounter
    from safecampus.inspections.models import FormAnswer, FormEvent, InspectionForm
    from safecampus.inspections.services import form_save

    print(
        f"5. burst: {args.burst} forms, {describe(mode, workers, per)}, arrivals over "
        f"{args.burst_spread:.0f} s",
        flush=True,
    )
    campaign, _took = launch(ctx, f"2026年校园安全专项整治（并发提交 {mode}）")
    forms = campaign_forms(campaign)[: args.burst]
    plan = form_plan(campaign)
    who = officers()
    today = datetime.date.today()
    http: dict[int, tuple | None] = {}
    for form in forms:  # the schools filled their forms in earlier
        user = User.objects.get(pk=who[form.school_id])
        rows = rows_for_save(plan[form.pk], filled_values(args.seed, form.pk, plan[form.pk], today))
        form_save(actor=user, form_id=form.pk, rows=rows)
        http[form.pk] = None
        if mode.startswith("http"):  # logged in beforehand: the burst is the submit button
            client = Client()
            client.force_login(user)
            http[form.pk] = (client.cookies[settings.SESSION_COOKIE_NAME].value, page_post(rows))
    hazards_before = Hazard.objects.count()
    work = [(f.pk, who[f.school_id]) for f in forms]
    random.Random(args.seed).shuffle(work)
    # arrival times: all at once, or evenly over --burst-spread seconds
    work = [
        (pk, user, n * args.burst_spread / len(work), http[pk]) for n, (pk, user) in enumerate(work)
    ]
    gc.collect()
    meter = FamilyCpuMeter()
    runner = _burst_process if mode.endswith("process") else _burst_thread
    got_request_exception.connect(_record_exception, dispatch_uid="bench-burst")
    try:
        results, elapsed = runner(work, workers, per)
    finally:
        got_request_exception.disconnect(dispatch_uid="bench-burst")
    cpu = meter.stop()

    ok = [r for r in results if r["error"] is None]
    failed = [r for r in results if r["error"] is not None]
    locked = [r for r in failed if "locked" in r["error"].lower()]
    times = [r["ms"] for r in results]
    ids = [f.pk for f in forms]
    timeline = sorted(results, key=lambda r: r["start_s"])
    # afterwards: every form submitted once, every non-compliant answer with its own hazard
    submitted = InspectionForm.objects.filter(pk__in=ids, status="submitted").count()
    submit_events = (
        FormEvent.objects.filter(form_id__in=ids, action="submit")
        .values("form_id")
        .annotate(n=Count("pk"))
    )
    events_per_form = sorted({e["n"] for e in submit_events})
    nc = FormAnswer.objects.filter(form_id__in=ids, answer="non_compliant")
    expected = len(ids) * NON_COMPLIANT_PER_FORM
    linked = nc.filter(hazard__isnull=False).count()
    distinct_hazards = nc.filter(hazard__isnull=False).values("hazard_id").distinct().count()
    made = Hazard.objects.count() - hazards_before
    codes = Hazard.objects.values("code").distinct().count()
    total_hazards = Hazard.objects.count()
    bureau = ctx["bureau_id"]
    counter = HazardCounter.objects.filter(bureau_id=bureau).aggregate(m=Max("last"))["m"]
    seq = Hazard.objects.filter(bureau_id=bureau).aggregate(m=Max("seq"))["m"]
    n_bureau = Hazard.objects.filter(bureau_id=bureau).count()
    check = {
        "forms_submitted": submitted,
        "submit_events_per_form": events_per_form,
        "non_compliant_answers": nc.count(),
        "answers_with_hazard": linked,
        "distinct_hazards": distinct_hazards,
        "hazards_made": made,
        "expected_hazards": expected,
        "hazard_codes_unique": codes == total_hazards,
        "codes_gap_free": counter == seq == n_bureau,
    }
    check["ok"] = bool(
        submitted == len(ids)
        and events_per_form == [1]
        and linked == distinct_hazards == made == expected
        and check["hazard_codes_unique"]
        and check["codes_gap_free"]
    )
    out = {
        "mode": mode,
        "workers": workers,
        "threads_per_process": per,
        "forms": len(ids),
        "elapsed_s": round(elapsed, 2),
        "throughput_per_s": round(len(ok) / elapsed, 1) if elapsed else None,
        **ms_summary(times),
        "spread_s": args.burst_spread,
        #: from the arrival time to the start of the submit: waiting for a free worker
        "queued": ms_summary([max(0.0, r["start_s"] - r["due_s"]) * 1000 for r in results]),
        "wait": ms_summary([r["wait_ms"] for r in ok if r["wait_ms"] is not None] or [0.0]),
        "hold": ms_summary([r["hold_ms"] for r in ok if r["hold_ms"] is not None] or [0.0]),
        "failed_after_ms": ms_summary([r["ms"] for r in failed]) if failed else None,
        "ok": len(ok),
        "failed": len(failed),
        "database_locked": len(locked),
        "errors": dict(Counter(r["error"][:400] for r in failed).most_common()),
        "cpu": cpu,
        "check": check,
        #: every submission: form id, start (s after the start), ms waiting for the lock, ms
        #: holding it, and the error if any
        "requests": [
            [
                r["form"],
                round(r["start_s"], 3),
                None if r["wait_ms"] is None else round(r["wait_ms"], 1),
                None if r["hold_ms"] is None else round(r["hold_ms"], 1),
                r["error"],
            ]
            for r in timeline
        ],
    }
    out["pass"] = bool(not failed and check["ok"])
    print(
        f"   {elapsed:.1f} s, {out['throughput_per_s']}/s, p50 {out['p50_ms']:.0f} ms, "
        f"p95 {out['p95_ms']:.0f} ms, max {out['max_ms']:.0f} ms; lock held p50 "
        f"{out['hold']['p50_ms']:.0f} / p95 {out['hold']['p95_ms']:.0f} ms; ok {len(ok)}, failed "
        f"{len(failed)} (locked {len(locked)}); check {'ok' if check['ok'] else 'FAILED'} {check}",
        flush=True,
    )
    return out


# --- the run ------------------------------------------------------------------------------------


def run(args, vendor: str) -> dict:
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    assert not settings.DEBUG
    report: dict = {
        **harness.report_head(vendor),
        "load_avg_start": harness.load_avg(),
        "profile": sorted(args.profile),
        "parts": sorted(args.parts),
        "targets": {
            "import_s": TARGET_IMPORT_S,
            "import_ratio": TARGET_IMPORT_RATIO,
            "submit_p95_ms": TARGET_SUBMIT_P95_MS,
            "burst": "every submission saved, none failed or lost",
        },
    }
    try:
        import openpyxl

        report["openpyxl"] = openpyxl.__version__
        from importlib.metadata import version

        report["python_calamine"] = version("python-calamine")
    except Exception:
        report["python_calamine"] = None
    report["git"] = harness.git_state(files=True)
    print("fixture:", flush=True)
    fixture = build_fixture(args)
    with connection.cursor() as cur:
        if vendor == "postgresql":
            cur.execute("SHOW server_version")
            report["db_version"] = f"PostgreSQL {cur.fetchone()[0]}"
        else:
            cur.execute("SELECT sqlite_version()")
            report["db_version"] = f"SQLite {cur.fetchone()[0]}"
            cur.execute("PRAGMA journal_mode")
            report["sqlite_journal_mode"] = cur.fetchone()[0]
    report["fixture"] = fixture
    print(
        f"   {report['db_version']}: {fixture['schools']} schools, catalog of "
        f"{fixture['catalog_items']} items, {fixture['items_per_school']} items per school; "
        f"seed_demo {fixture['seed_demo_s']} s",
        flush=True,
    )
    prof = Profiler(args.profile)
    meter = CpuMeter()

    from safecampus.core.db import db_optimize

    if "import" in args.parts:
        campaign, report["launch"] = part_launch(fixture, prof)
    db_optimize(full=True)  # statistics, as seed_demo and the nightly job leave them
    if "import" in args.parts:
        forms = campaign_forms(campaign)
        plan = form_plan(campaign)
        blanks, report["generate"] = part_generate(forms, prof)
        filled, report["fill"] = part_fill(forms, blanks, plan, args.seed)
        del blanks
        report["read_floor"] = part_read_floor([filled[f.pk] for f in forms])
        report["import"] = part_import(fixture, campaign, forms, filled, report["read_floor"], prof)
        del filled
    if "online" in args.parts:
        report["online"] = part_online(fixture, args, prof)
    report["cpu_sequential_parts"] = meter.stop()
    report["burst"] = []
    if "burst" in args.parts:
        report["burst"] = [part_burst(fixture, args, *mode) for mode in args.burst_modes]
    report["load_avg_end"] = harness.load_avg()
    if prof.results:
        report["hotspots"] = prof.results
    report["verdicts"] = verdicts(report)
    report["pass"] = all(v["pass"] for v in report["verdicts"] if v["pass"] is not None)
    connection.close()
    return report


def verdicts(r: dict) -> list[dict]:
    out = []
    if "import" in r:
        out += import_verdicts(r)
    if "online" in r:
        out += online_verdicts(r)
    for b in r["burst"]:
        out.append(
            {
                "target": f"burst {b['forms']} forms, {who(b)}: all saved, none failed",
                "value": f"{b['ok']} ok, {b['failed']} failed ({b['database_locked']} locked), "
                f"check {'ok' if b['check']['ok'] else 'FAILED'}",
                "pass": b["pass"],
            }
        )
    return out


def import_verdicts(r: dict) -> list[dict]:
    imp = r["import"]
    return [
        {
            "target": f"import {imp['save']['workbooks']} workbooks (submit=False) < 60 s",
            "value": f"{imp['save']['total_s']} s",
            "pass": imp["save"]["total_s"] < TARGET_IMPORT_S
            and imp["save"]["statuses"].get("saved") == imp["save"]["workbooks"],
        },
        {
            "target": f"import (submit=False) ≤ 3× read floor ({r['read_floor']['fastest']})",
            "value": f"{imp['save']['ratio_to_floor']}×",
            "pass": imp["save"]["ratio_to_floor"] <= TARGET_IMPORT_RATIO,
        },
        {
            "target": f"import {imp['submit']['workbooks']} workbooks (submit=True) < 60 s",
            "value": f"{imp['submit']['total_s']} s",
            "pass": imp["submit"]["total_s"] < TARGET_IMPORT_S and imp["submit"]["check"]["ok"],
        },
        {
            "target": f"import (submit=True) ≤ 3× read floor ({r['read_floor']['fastest']})",
            "value": f"{imp['submit']['ratio_to_floor']}×",
            "pass": imp["submit"]["ratio_to_floor"] <= TARGET_IMPORT_RATIO,
        },
    ]


def online_verdicts(r: dict) -> list[dict]:
    out = [
        {
            "target": "form_submit (service) p95 < 500 ms",
            "value": f"{r['online']['service']['p95_ms']:.0f} ms",
            "pass": r["online"]["service"]["p95_ms"] < TARGET_SUBMIT_P95_MS,
        },
    ]
    http = r["online"]["http"]
    if "skipped" in http:
        out.append({"target": "POST form_submit p95 < 500 ms", "value": "skipped", "pass": None})
    else:
        out.append(
            {
                "target": "POST form_submit p95 < 500 ms",
                "value": f"{http['p95_ms']:.0f} ms",
                "pass": http["p95_ms"] < TARGET_SUBMIT_P95_MS
                and http["forms_submitted"] == http["n"],
            }
        )
    return out


# --- output -------------------------------------------------------------------------------------


def line(label: str, value: str, per: str = "") -> None:
    print(f"{label:<58} {value:>12} {per:>22}")


def print_report(r: dict) -> None:
    fx = r["fixture"]
    print()
    print(
        f"Campaigns on {r['db_version']}"
        + (f" ({r['sqlite_journal_mode']})" if r.get("sqlite_journal_mode") else "")
        + f": {fx['schools']} schools "
        f"({fx['items_per_school']['min']}-{fx['items_per_school']['max']} items per form, "
        f"mean {fx['items_per_school']['mean']}), {NON_COMPLIANT_PER_FORM} non-compliant per form; "
        f"{r['cpus']} CPUs"
    )
    cpu = r["cpu_sequential_parts"]
    print(
        f"CPU during parts 1-4: host {cpu['host_busy_cpus']} of {r['cpus']}, this process "
        f"{cpu['bench_process_cpus']}, others {cpu['other_cpus']}"
    )
    if r["profile"]:
        print(f"** profiled parts ({', '.join(r['profile'])}): their times are inflated **")
    print()
    head = f"{'figure':<58} {'value':>12} {'per item':>22}"
    print(head)
    print("-" * len(head))

    if "import" in r:
        print_import(r)
    if "online" in r:
        print_online(r)
    for b in r["burst"]:
        print_burst(b)
    print()
    print("Targets:")
    for v in r["verdicts"]:
        verdict = {True: "PASS", False: "FAIL", None: "n/a"}[v["pass"]]
        print(f"  {verdict:<4}  {v['target']:<66} {v['value']}")
    print(f"OVERALL: {harness.verdict(r['pass'])}")


def print_import(r: dict) -> None:
    imp, fl = r["import"], r["read_floor"]
    la = r["launch"]
    line(
        "1. launch (forms + answers)", f"{la['seconds']:.2f} s", f"{la['answers_per_s']} answers/s"
    )
    g = r["generate"]
    line(
        f"2. generate {g['workbooks']} blank workbooks",
        f"{g['total_s']:.1f} s",
        f"p50 {g['p50_ms']:.0f} / p95 {g['p95_ms']:.0f} ms",
    )
    line("   (bench: fill them with openpyxl)", f"{r['fill']['total_s']:.1f} s")
    line(
        "3. read floor: openpyxl read-only, every cell",
        f"{fl['openpyxl_read_only']['total_s']:.2f} s",
        f"p50 {fl['openpyxl_read_only']['p50_ms']:.1f} ms",
    )
    if fl.get("calamine"):
        line(
            "   read floor: python-calamine, every cell",
            f"{fl['calamine']['total_s']:.2f} s",
            f"p50 {fl['calamine']['p50_ms']:.1f} ms",
        )
    else:
        line("   read floor: python-calamine", "skipped", fl.get("calamine_skipped", "")[:22])
    line(
        "   read_form_workbook (the import's reader)",
        f"{fl['product_reader']['total_s']:.2f} s",
        f"p50 {fl['product_reader']['p50_ms']:.1f} ms",
    )
    for key, label in (
        ("save", "import, submit=False"),
        ("unchanged", "import again, unchanged"),
        ("submit", "import, submit=True"),
    ):
        i = imp[key]
        ratios = f"{i['ratio_to_openpyxl']}× openpyxl" + (
            f", {i['ratio_to_calamine']}× calamine" if "ratio_to_calamine" in i else ""
        )
        line(
            f"   {label} ({i['statuses']})"[:58],
            f"{i['total_s']:.1f} s",
            f"p50 {i['p50_ms']:.0f} / p95 {i['p95_ms']:.0f} ms",
        )
        line(f"      ratio to read floor: {ratios}", "", f"{i['queries_p50']:.0f} queries/wb")


def print_online(r: dict) -> None:
    on = r["online"]
    line(
        f"4. form_save ({on['save']['n']} forms, 5 non-compliant)",
        f"p95 {on['save']['p95_ms']:.0f} ms",
        f"p50 {on['save']['p50_ms']:.0f} ms",
    )
    line(
        "   form_submit (service)",
        f"p95 {on['service']['p95_ms']:.0f} ms",
        f"p50 {on['service']['p50_ms']:.0f}, max {on['service']['max_ms']:.0f} ms",
    )
    line("      queries per submit", f"{on['service']['queries_p50']:.0f}")
    if "skipped" in on["http"]:
        line("   POST inspections:form_submit", "skipped")
        print(f"      ({on['http']['skipped'][:150]})")
    else:
        h = on["http"]
        line(
            f"   POST inspections:form_submit ({h['status_codes']})",
            f"p95 {h['p95_ms']:.0f} ms",
            f"p50 {h['p50_ms']:.0f}, max {h['max_ms']:.0f} ms",
        )


def print_burst(b: dict) -> None:
    line(
        f"5. burst {b['forms']} forms, {who(b)}"
        + (f", arrivals over {b['spread_s']:.0f} s" if b["spread_s"] else ", all at once"),
        f"{b['elapsed_s']:.1f} s",
        f"{b['throughput_per_s']} forms/s",
    )
    line(
        "      latency p50 / p95 / max",
        f"{b['p50_ms']:.0f} ms",
        f"{b['p95_ms']:.0f} / {b['max_ms']:.0f} ms",
    )
    if not b["mode"].startswith("http"):  # a request has several transactions: no one wait
        line(
            "      of which waiting for the write lock p50 / p95",
            f"{b['wait']['p50_ms']:.0f} ms",
            f"{b['wait']['p95_ms']:.0f} ms",
        )
        line(
            "      holding it (the submit itself) p50 / p95",
            f"{b['hold']['p50_ms']:.0f} ms",
            f"{b['hold']['p95_ms']:.0f} ms",
        )
    line(
        "      ok / failed / database locked",
        f"{b['ok']} / {b['failed']} / {b['database_locked']}",
    )
    c = b["check"]
    line(
        "      after: forms submitted, hazards (expected)",
        f"{c['forms_submitted']}, {c['hazards_made']}",
        f"({c['expected_hazards']}) {'ok' if c['ok'] else 'FAILED'}",
    )
    for e, n in b["errors"].items():
        print(f"      {n} × {e}")


def write_json(report: dict) -> Path:
    name = "campaigns" if report["database"] == "sqlite" else f"campaigns_{report['database']}"
    if report["parts"] != ["burst", "import", "online"]:
        name += "_" + "-".join(report["parts"])
    if report["profile"]:
        name += "_profile"
    return harness.write_json(report, name)


def main(argv=None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # still remove the database
    vendor = prepare_environment(args)
    return harness.run_and_report(lambda: run(args, vendor), print_report, write_json)


if __name__ == "__main__":
    sys.exit(main())
