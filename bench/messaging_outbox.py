#!/usr/bin/env python
"""Benchmark of the outbox: a province's morning digests through the outbox to a local
imitation of the DingTalk and WeCom robot services, and one robot with 60 messages at once.

Usage::

    .venv/bin/python bench/messaging_outbox.py                  # SQLite: 400 schools, 30 depts
    .venv/bin/python bench/messaging_outbox.py --postgres       # PostgreSQL: 40,000 / 3,000
    .venv/bin/python bench/messaging_outbox.py --postgres --timed-posts 5000 --drain-budget 60
    .venv/bin/python bench/messaging_outbox.py --postgres --schools 4000 --departments 300
    .venv/bin/python bench/messaging_outbox.py --workers 1,2

It builds its own database (``bench/out/messaging-<db>``; PostgreSQL:
``safecampus_bench_msg`` on 127.0.0.1:5432): ``seed_demo --schools N --no-activity`` for the
bureaus and schools, departments added in bulk up to M, then one group robot per school and per
department (bulk inserts): DingTalk for two thirds of them (half of those signed with 加签, a
quarter with a custom keyword), WeCom for the rest, every webhook on one
:class:`~safecampus.messaging.testing.RobotImitation` started in this process (a real HTTP
server on 127.0.0.1 checking signatures, keywords, byte limits and 20 messages a minute per
robot).

Measured:

- **enqueue**: one daily digest per school and per department through ``dispatch.post`` (the
  path the producers take: the bureau's settings, the robots named, quiet hours, the insert), one
  ``post`` per organisation, timed one by one: total, posts/s, p50/p95 per post;
- **drain with K workers** (K = 1, 2, 4): K processes run ``outbox.drain()`` against the same
  database at once, the imitation answering in this process; the outbox is put back to
  "waiting" between runs. Time until every message is sent, messages/s, and the most messages any
  robot received in any 60 s (imitation and ledger), which must stay <= 20, with no rate-limit
  answer;
- **the imitation's own capacity**: K processes posting straight to it (no database), to tell
  whether the imitation, not the outbox, is the ceiling;
- **one robot, 60 messages**: 60 messages queued at once for one robot (small reminders to a
  DingTalk robot, the same to a WeCom robot, 60 long notices of 12 KB each that cannot be
  merged), drained with an injected clock that jumps to the next free slot instead of waiting
  (the imitation's clock jumps with it): requests made, messages per request, the most in any
  minute, and the time until the last one is delivered.

Targets: every message sent, none refused or rate-limited, no robot over 20 in any minute.
Not a test; see bench/README.md for the conventions.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
import urllib.request
from time import perf_counter

import harness  # stdlib only: options, environment, timing, report, JSON

harness.use_paths()

PG_NAME = "safecampus_bench_msg"
PG_URL = harness.pg_url(PG_NAME)
DEFAULT_SCHOOLS = {"sqlite": 400, "postgresql": 40_000}
DEFAULT_DEPARTMENTS = {"sqlite": 30, "postgresql": 3_000}
LIMIT = 20
KEYWORD = "校园安全"


def parse_args(argv=None):
    p = harness.parser(__doc__)
    harness.add_postgres(p, PG_URL)
    p.add_argument("--schools", type=int, help="schools (400 / 40000)")
    p.add_argument("--departments", type=int, help="departments (30 / 3000)")
    p.add_argument("--workers", default="1,2,4", help="drain runs: worker processes each (1,2,4)")
    p.add_argument(
        "--timed-posts",
        type=int,
        default=0,
        help="time only the first N posts; queue the rest's rows in bulk as post() builds them "
        "(0: time every post)",
    )
    p.add_argument("--single", type=int, default=60, help="messages for the one robot (60)")
    p.add_argument(
        "--capacity", type=int, default=3000, help="requests per imitation-capacity run (3000)"
    )
    harness.add_reuse_db(p, "keep the robots of the previous run (the outbox is emptied)")
    harness.add_tag(p, "write bench/out/messaging_outbox_<db>_<tag>.json")
    # internal: a drain worker or a capacity client (child processes)
    p.add_argument(
        "--drain-budget",
        type=float,
        default=0,
        help="stop each drain run after this many seconds and extrapolate (0: drain everything)",
    )
    p.add_argument("--drain-worker", action="store_true", help=argparse_hidden())
    p.add_argument("--client", default="", help=argparse_hidden())
    return harness.parse(p, argv)


def argparse_hidden():
    import argparse

    return argparse.SUPPRESS


# --- child processes ----------------------------------------------------------------------------


def drain_worker(budget: float) -> int:
    """One worker: ``outbox.drain()`` until nothing is due (or, with a ``budget`` in seconds,
    one round at a time until the budget is spent); prints its figures as JSON."""
    import django

    django.setup()
    from safecampus.messaging import outbox

    t0 = time.time()
    c0 = perf_counter()
    if budget:
        counts: dict[str, int] = {}
        while perf_counter() - c0 < budget:
            got = outbox.drain(max_rounds=1)
            if not got:
                break
            for outcome, n in got.items():
                counts[outcome] = counts.get(outcome, 0) + n
    else:
        counts = outbox.drain(max_rounds=100_000)
    print(json.dumps({"start": t0, "end": time.time(), "s": perf_counter() - c0, "counts": counts}))
    return 0


def capacity_client(spec: str) -> int:
    """Post ``n`` small messages straight to the imitation (``base,offset,n``)."""
    base, offset, n = spec.split(",")
    offset, n = int(offset), int(n)
    payload = json.dumps(
        {"msgtype": "markdown", "markdown": {"content": "**每日汇总**\n- 测试"}}
    ).encode()
    t0 = time.time()
    errors = 0
    for i in range(n):
        token = f"cap{offset + i // LIMIT:06d}"  # at most 20 requests per token
        req = urllib.request.Request(
            f"{base}/cgi-bin/webhook/send?key={token}",
            data=payload,
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(req, timeout=10) as resp:
            if json.loads(resp.read()).get("errcode") != 0:
                errors += 1
    print(json.dumps({"start": t0, "end": time.time(), "n": n, "errors": errors}))
    return 0


def spawn(args_list: list[list[str]]) -> list[dict]:
    """Start the children at once, wait for all, return what each printed."""
    script = os.path.abspath(__file__)
    procs = [
        subprocess.Popen(
            [sys.executable, script, *a], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for a in args_list
    ]
    out = []
    for p in procs:
        stdout, stderr = p.communicate()
        if p.returncode != 0:
            raise RuntimeError(f"child failed ({p.returncode}): {stderr[-3000:]}")
        out.append(json.loads(stdout.strip().splitlines()[-1]))
    return out


# --- the world ----------------------------------------------------------------------------------


def prepare(args) -> str:
    vendor = harness.vendor_of(args.postgres)
    args.schools = args.schools or DEFAULT_SCHOOLS[vendor]
    args.departments = args.departments or DEFAULT_DEPARTMENTS[vendor]
    var = harness.fresh_dir(harness.OUT_DIR / f"messaging-{vendor}", keep=args.reuse_db)
    harness.prepare_environment(var, database_url=PG_URL if args.postgres else None)
    # nothing kicks a Huey task: the bench's workers drain
    os.environ["SAFECAMPUS_OUTBOX_KICK"] = "0"
    if args.postgres and not args.reuse_db:
        harness.recreate_pg_database(PG_NAME)
    return vendor


def seed(args, imitation) -> dict:
    from django.core.management import call_command
    from django.db.models import Count

    from safecampus.messaging.choices import Transport
    from safecampus.messaging.models import Channel
    from safecampus.orgs.choices import DepartmentKind
    from safecampus.orgs.models import Bureau, Department, School

    info: dict = {}
    t = perf_counter()
    call_command("seed_demo", schools=args.schools, no_activity=True, stdout=io.StringIO())
    info["seed_demo_s"] = round(perf_counter() - t, 2)
    print(f"  seed_demo --schools {args.schools}: {info['seed_demo_s']:.1f} s", flush=True)

    t = perf_counter()
    bureaus = list(
        Bureau.objects.annotate(n=Count("schools"))
        .filter(n__gt=0)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    have = Department.objects.filter(bureau_id__in=bureaus).count()
    extra, i = [], 0
    while have + len(extra) < args.departments:
        bureau_id = bureaus[i % len(bureaus)]
        extra.append(
            Department(
                bureau_id=bureau_id,
                name=f"街镇教育办{i // len(bureaus) + 1:03d}",
                kind=DepartmentKind.OFFICE,
                sort_order=200 + i // len(bureaus),
            )
        )
        i += 1
    Department.objects.bulk_create(extra, batch_size=2000)
    departments = list(
        Department.objects.filter(bureau_id__in=bureaus)
        .order_by("pk")
        .values_list("pk", "bureau_id")[: args.departments]
    )
    schools = list(School.objects.order_by("pk").values_list("pk", "bureau_id"))
    base = imitation.base
    rows = []
    for n, (kind, pk, bureau_id) in enumerate(
        [("s", pk, b) for pk, b in schools] + [("d", pk, b) for pk, b in departments]
    ):
        token = f"{kind}{pk:07d}tok"
        if n % 3 == 2:
            transport, webhook, secret, keywords = (
                Transport.WECOM,
                f"{base}/cgi-bin/webhook/send?key={token}",
                "",
                "",
            )
        else:
            transport = Transport.DINGTALK
            webhook = f"{base}/robot/send?access_token={token}"
            secret = f"SEC{pk:07d}{kind}signingsecret" if n % 2 == 0 else ""
            keywords = KEYWORD if n % 4 == 1 else ""
        rows.append(
            Channel(
                bureau_id=bureau_id,
                school_id=pk if kind == "s" else None,
                department_id=pk if kind == "d" else None,
                transport=transport,
                name=f"{'学校' if kind == 's' else '科室'}{pk}安全群",
                webhook=webhook,
                secret=secret,
                keywords=keywords,
            )
        )
    Channel.objects.bulk_create(rows, batch_size=2000)
    info["robots_s"] = round(perf_counter() - t, 2)
    print(
        f"  {len(extra)} departments added, {len(rows)} robots: {info['robots_s']:.1f} s",
        flush=True,
    )
    return info


def point_robots_at(imitation) -> dict:
    """The stored webhooks on this run's imitation (its port changes), and the imitation told
    each signed robot's secret and each robot's keywords."""
    import urllib.parse

    from django.db.models import Value
    from django.db.models.functions import Replace

    from safecampus.messaging.models import Channel

    first = Channel.objects.order_by("pk").values_list("webhook", flat=True).first()
    old = urllib.parse.urlsplit(first)
    old_base = f"{old.scheme}://{old.netloc}"
    if old_base != imitation.base:
        Channel.objects.update(webhook=Replace("webhook", Value(old_base), Value(imitation.base)))
    figures = {"dingtalk": 0, "wecom": 0, "signed": 0, "keywords": 0}
    for webhook, transport, secret, keywords in Channel.objects.values_list(
        "webhook", "transport", "secret", "keywords"
    ):
        token = urllib.parse.parse_qs(urllib.parse.urlsplit(webhook).query)
        token = (token.get("access_token") or token.get("key"))[0]
        figures[transport] += 1
        if secret:
            imitation.secrets[token] = secret
            figures["signed"] += 1
        if keywords:
            imitation.keywords[token] = [keywords]
            figures["keywords"] += 1
    return figures


def morning():
    """The last 07:30 (Shanghai) before now: the digests' hour, outside the quiet hours."""
    import datetime

    from django.utils import timezone

    local = timezone.localtime(timezone.now())
    at = local.replace(hour=7, minute=30, second=0, microsecond=0)
    if at > local:
        at -= datetime.timedelta(days=1)
    return at


def digest_body(i: int) -> str:
    lines = [
        f"- 待整改隐患 {i % 7 + 1} 项，其中逾期 {i % 3} 项",
        f"- 今日到期自查表 {i % 4} 份",
        f"- 护学岗到岗率 {90 + i % 10}%",
        f"- 未闭环事件 {i % 2} 起",
        "- 请登录平台查看明细并按期处置",
    ]
    return "\n".join(lines)


# --- measurements -------------------------------------------------------------------------------


def enqueue_all(at, timed: int = 0) -> dict:
    from safecampus.messaging.choices import Topic
    from safecampus.messaging.dispatch import Post, post
    from safecampus.messaging.models import Channel, Message

    day = at.date().isoformat()
    orgs = list(
        Channel.objects.order_by("pk").values_list("school_id", "department_id", "bureau_id")
    )
    times = []
    queued = 0
    t0 = perf_counter()
    timed = timed or len(orgs)
    for i, (school_id, department_id, bureau_id) in enumerate(orgs[:timed]):
        who = f"s{school_id}" if school_id else f"d{department_id}"
        p = Post(
            topic=Topic.DIGEST,
            key=f"digest:{day}:{who}",
            bureau_id=bureau_id,
            title=f"{KEYWORD}每日汇总（{day}）",
            body=digest_body(i),
            url="/hazards/",
            schools=(school_id,) if school_id else (),
            departments=(department_id,) if department_id else (),
        )
        t = perf_counter()
        queued += post(p, now=at)
        times.append((perf_counter() - t) * 1000)
    total = perf_counter() - t0
    bulk_s = 0.0
    if timed < len(orgs):
        # the rest: the rows post() builds (every robot here is outside quiet hours and carries
        # digests), queued 1,000 at a time
        from safecampus.messaging.outbox import enqueue

        t1 = perf_counter()
        batch = []
        channels = Channel.objects.order_by("pk").values_list("pk", "transport")
        for i, ((school_id, department_id, bureau_id), (channel_id, transport)) in enumerate(
            zip(orgs, channels, strict=True)
        ):
            if i < timed:
                continue
            who = f"s{school_id}" if school_id else f"d{department_id}"
            batch.append(
                Message(
                    bureau_id=bureau_id,
                    channel_id=channel_id,
                    transport=transport,
                    topic=Topic.DIGEST,
                    key=f"digest:{day}:{who}@c{channel_id}",
                    title=f"{KEYWORD}每日汇总（{day}）",
                    body=digest_body(i),
                    url="/hazards/",
                    created_at=at,
                    not_before=at,
                    next_attempt_at=at,
                )
            )
            if len(batch) == 1000:
                queued += enqueue(batch)
                batch = []
        queued += enqueue(batch)
        bulk_s = perf_counter() - t1
    rows = Message.objects.count()
    return {
        "timed_posts": timed,
        "bulk_rows_s": round(bulk_s, 2),
        "posts": len(orgs),
        "queued": queued,
        "rows": rows,
        "s": round(total, 2),
        "posts_per_s": round(timed / total, 1),
        **harness.summary(times),
    }


def reset_outbox(at) -> None:
    """Every message back to waiting, its history and requests gone (between drain runs)."""
    from safecampus.messaging.choices import Status
    from safecampus.messaging.models import Attempt, Message, MessageEvent

    Attempt.objects.all().delete()
    MessageEvent.objects.all().delete()
    Message.objects.update(
        status=Status.PENDING,
        sent_at=None,
        parts_sent=0,
        attempts=0,
        lease_until=None,
        worker="",
        next_attempt_at=at,
        last_error="",
    )


def ledger_max_per_minute() -> int:
    """The most counted requests of one robot in any 60 s, from the outbox's own ledger."""
    from collections import defaultdict

    from safecampus.messaging.models import Attempt

    by: dict[int, list] = defaultdict(list)
    for channel_id, at in Attempt.objects.filter(counted=True, channel__isnull=False).values_list(
        "channel_id", "at"
    ):
        by[channel_id].append(at.timestamp())
    best = 0
    for times in by.values():
        times.sort()
        j = 0
        for i, t in enumerate(times):
            while times[j] <= t - 60:
                j += 1
            best = max(best, i - j + 1)
    return best


def drain_run(k: int, imitation, expected: int, budget: float) -> dict:
    from django.db import connection
    from django.db.models import Count

    from safecampus.messaging.models import Attempt, Message

    imitation.received.clear()
    imitation.limited.clear()
    connection.close()  # the children get the database to themselves
    meter = harness.CpuMeter()
    t = perf_counter()
    results = spawn([["--drain-worker", "--drain-budget", str(budget)] for _ in range(k)])
    wall = perf_counter() - t
    cpu = meter.stop()
    start = min(r["start"] for r in results)
    end = max(r["end"] for r in results)
    counts: dict[str, int] = {}
    for r in results:
        for outcome, n in r["counts"].items():
            counts[outcome] = counts.get(outcome, 0) + n
    statuses = dict(Message.objects.values_list("status").annotate(n=Count("pk")))
    sent = statuses.get("sent", 0)
    drain_s = end - start
    requests = len(imitation.received)
    return {
        "workers": k,
        "drain_s": round(drain_s, 2),
        "wall_s": round(wall, 2),
        "per_worker_s": [round(r["s"], 2) for r in results],
        "sent": sent,
        "messages_per_s": round(sent / drain_s, 1) if drain_s else None,
        "requests": requests,
        "requests_per_s": round(requests / drain_s, 1) if drain_s else None,
        "statuses": statuses,
        "outcomes": counts,
        "attempts": Attempt.objects.count(),
        "imitation_max_per_minute": imitation.max_per_minute(),
        "ledger_max_per_minute": ledger_max_per_minute(),
        "rate_limited_answers": len(imitation.limited),
        "cpu": cpu,
        "budget_s": budget or None,
        "expected": expected,
        "extrapolated_drain_s": round(expected * drain_s / sent, 1) if budget and sent else None,
        "pass": drain_verdict(sent, expected, budget, statuses)
        and imitation.max_per_minute() <= LIMIT
        and not imitation.limited,
    }


def drain_verdict(sent: int, expected: int, budget: float, statuses: dict) -> bool:
    """Everything sent; with a budget, something sent and nothing failed or left sending."""
    if not budget:
        return sent == expected
    return sent > 0 and not statuses.get("failed") and not statuses.get("sending")


def capacity_run(k: int, imitation, n: int, offset: int) -> dict:
    imitation.received.clear()
    per = n // k
    meter = harness.CpuMeter()
    results = spawn([["--client", f"{imitation.base},{offset + i * per},{per}"] for i in range(k)])
    cpu = meter.stop()
    s = max(r["end"] for r in results) - min(r["start"] for r in results)
    done = sum(r["n"] for r in results)
    return {
        "clients": k,
        "requests": done,
        "errors": sum(r["errors"] for r in results),
        "s": round(s, 2),
        "requests_per_s": round(done / s, 1),
        "imitation_cpus": cpu["bench_process_cpus"],
        "host_cpus": cpu["host_busy_cpus"],
    }


class VirtualTime:
    """Real time plus an offset the bench moves forward: the drain's clock and the imitation's."""

    def __init__(self):
        self.offset = 0.0

    def time(self) -> float:
        return time.time() + self.offset

    def now(self):
        import datetime

        from django.utils import timezone

        return timezone.now() + datetime.timedelta(seconds=self.offset)

    def sleep(self, s):
        time.sleep(s)


def single_robot(label: str, transport: str, n: int, imitation, *, long: bool) -> dict:
    """``n`` messages queued at once for one new robot, drained with a clock that jumps to the
    next free slot."""
    import datetime

    from django.db.models import Max, Min

    from safecampus.messaging import outbox, testing
    from safecampus.messaging.choices import Outcome, Status, Topic, Transport
    from safecampus.messaging.models import Attempt, Channel, Message
    from safecampus.orgs.models import School

    vt = VirtualTime()
    real_time = testing.time
    testing.time = vt  # the imitation's clock jumps with the drain's
    try:
        school = School.objects.order_by("pk").first()
        token = f"single{label}{int(time.time() * 1000)}"
        secret = ""
        if transport == Transport.DINGTALK:
            webhook = imitation.dingtalk_webhook(token)
            secret = f"SEC{token}"
            imitation.secrets[token] = secret
        else:
            webhook = imitation.wecom_webhook(token)
        channel = Channel.objects.create(
            bureau_id=school.bureau_id,
            school=school,
            transport=transport,
            name=f"单个机器人{label}",
            webhook=webhook,
            secret=secret,
            active=True,
        )
        start = vt.now()
        filler = "学校门口护学岗未按时到岗，已电话提醒，请各校核实并于今日内整改完毕。"
        rows = []
        for i in range(n):
            body = (
                "\n".join(f"{j + 1}. {filler}" for j in range(110))
                if long
                else f"- 第{i + 1}项：自查表今日到期，请尽快提交"
            )
            rows.append(
                Message(
                    bureau_id=school.bureau_id,
                    channel=channel,
                    transport=transport,
                    topic=Topic.REMINDER,
                    key=f"single:{token}:{i}",
                    title=f"{KEYWORD}提醒{i + 1}",
                    body=body,
                    url=f"/campaigns/{i + 1}/",
                    created_at=start,
                    not_before=start,
                    next_attempt_at=start,
                )
            )
        outbox.enqueue(rows)
        body_bytes = len(rows[0].body.encode())
        drains = 0
        t = perf_counter()
        while drains < 200:
            outbox.drain(clock=vt.now, channel_ids=[channel.pk])
            drains += 1
            left = Message.objects.filter(channel=channel, status=Status.PENDING)
            if not left.exists():
                break
            now = vt.now()
            oldest = Attempt.objects.filter(
                channel=channel, counted=True, at__gt=now - datetime.timedelta(seconds=60)
            ).aggregate(m=Min("at"))["m"]
            # the drain stopped with messages waiting: the earliest moment one is due and the
            # robot has a free slot (its oldest request of the last minute ages out) and is not
            # blocked
            target = max(left.aggregate(m=Min("next_attempt_at"))["m"], now)
            if oldest is not None:
                target = max(target, oldest + datetime.timedelta(seconds=60, milliseconds=1))
            channel.refresh_from_db(fields=["blocked_until"])
            if channel.blocked_until:
                target = max(target, channel.blocked_until)
            vt.offset += (target - now).total_seconds()
        real_s = perf_counter() - t
        mine = [r for r in imitation.received if r.token == token]
        per_request = Attempt.objects.filter(channel=channel, outcome=Outcome.OK)
        merged = per_request.filter(counted=False).count()
        last = Message.objects.filter(channel=channel).aggregate(m=Max("sent_at"))["m"]
        statuses = {
            s: Message.objects.filter(channel=channel, status=s).count()
            for s in (Status.SENT, Status.PENDING, Status.FAILED)
        }
        parts = Message.objects.filter(channel=channel).aggregate(m=Max("parts_total"))["m"]
        return {
            "label": label,
            "transport": transport,
            "messages": n,
            "body_bytes": body_bytes,
            "parts_per_message": parts,
            "requests": len(mine),
            "merged_rows": merged,
            "limited_answers": len([r for r in imitation.limited if r.token == token]),
            "max_per_minute": imitation.max_per_minute(token),
            "statuses": {str(k): v for k, v in statuses.items()},
            "drains": drains,
            "last_delivered_after_s": round((last - start).total_seconds(), 1) if last else None,
            "real_s": round(real_s, 2),
            "pass": statuses[Status.SENT] == n
            and imitation.max_per_minute(token) <= LIMIT
            and not [r for r in imitation.limited if r.token == token],
        }
    finally:
        testing.time = real_time


# --- the run ------------------------------------------------------------------------------------


def run(args, vendor) -> dict:
    from safecampus.messaging.testing import RobotImitation

    imitation = RobotImitation(per_minute=LIMIT)
    base = imitation.start()
    os.environ["SAFECAMPUS_DINGTALK_API"] = base
    os.environ["SAFECAMPUS_WECOM_API"] = base

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from safecampus.messaging.models import Channel, Message

    assert not settings.DEBUG and not settings.SAFECAMPUS_OUTBOX_KICK
    assert settings.SAFECAMPUS_ROBOT_PER_MINUTE == LIMIT
    report: dict = {
        **harness.report_head(vendor),
        "git": harness.git_state(),
        "load_avg_start": harness.load_avg(),
    }
    t = perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    print(f"migrate: {perf_counter() - t:.1f} s\nseed:", flush=True)
    if args.reuse_db and Channel.objects.exists():
        print("  (the previous run's robots, kept)", flush=True)
        report["reused"] = True
        Message.objects.all().delete()
    else:
        report.update(seed(args, imitation))
    report["db_version"] = harness.db_description(vendor)
    report["robots"] = point_robots_at(imitation)
    report["schools"] = args.schools
    report["departments"] = args.departments
    at = morning()

    print("enqueue:", flush=True)
    report["enqueue"] = enqueue_all(at, args.timed_posts)
    e = report["enqueue"]
    print(
        f"  {e['timed_posts']:,} of {e['posts']:,} posts timed, {e['rows']:,} rows; "
        f"{e['s']:.1f} s (the rest in bulk {e['bulk_rows_s']:.1f} s) "
        f"({e['posts_per_s']:.0f}/s), p50 {e['p50_ms']:.2f} ms, p95 {e['p95_ms']:.2f} ms",
        flush=True,
    )
    expected = e["rows"]
    report["drains"] = []
    for n, k in enumerate(int(x) for x in args.workers.split(",") if x.strip()):
        if n:
            reset_outbox(at)
        r = drain_run(k, imitation, expected, args.drain_budget)
        report["drains"].append(r)
        print(
            f"drain, {k} worker(s): {r['sent']:,} sent in {r['drain_s']:.1f} s "
            f"({r['messages_per_s']:.0f}/s), max/robot/min {r['imitation_max_per_minute']} "
            f"(ledger {r['ledger_max_per_minute']}), limited {r['rate_limited_answers']}, "
            f"imitation process {r['cpu']['bench_process_cpus']} CPUs",
            flush=True,
        )
    connection.close()
    report["capacity"] = []
    for n, k in enumerate((1, 2, 4)):
        r = capacity_run(k, imitation, args.capacity, offset=n * 100_000)
        report["capacity"].append(r)
        print(
            f"imitation alone, {k} client(s): {r['requests_per_s']:.0f} requests/s "
            f"(imitation {r['imitation_cpus']} CPUs, errors {r['errors']})",
            flush=True,
        )
    from safecampus.messaging.choices import Transport

    report["single"] = []
    for label, transport, long in (
        ("dingtalk-small", Transport.DINGTALK, False),
        ("wecom-small", Transport.WECOM, False),
        ("dingtalk-long", Transport.DINGTALK, True),
    ):
        r = single_robot(label, transport, args.single, imitation, long=long)
        report["single"].append(r)
        print(
            f"one robot, {r['messages']} {label}: {r['requests']} requests "
            f"({r['merged_rows']} merged rows), max/min {r['max_per_minute']}, "
            f"last delivered after {r['last_delivered_after_s']} s (clock), "
            f"{r['real_s']:.1f} s real",
            flush=True,
        )
    imitation.stop()
    report["load_avg_end"] = harness.load_avg()
    report["pass"] = all(r["pass"] for r in report["drains"] + report["single"])
    return report


def print_report(report: dict) -> None:
    e = report["enqueue"]
    print()
    print(
        f"Outbox on {report['db_version']}: {report['schools']:,} schools, "
        f"{report['departments']:,} departments, robots {report['robots']}"
    )
    print(
        f"enqueue: {e['timed_posts']:,} of {e['posts']:,} posts timed → {e['rows']:,} rows; "
        f"the timed ones in {e['s']:.1f} s, "
        f"{e['posts_per_s']:.0f} posts/s, per post p50 {e['p50_ms']:.2f} ms "
        f"p95 {e['p95_ms']:.2f} ms max {e['max_ms']:.1f} ms"
    )
    head = (
        f"{'workers':>7} {'drain s':>8} {'msg/s':>7} {'max/robot/min':>14} {'limited':>8} "
        f"{'imitation CPUs':>15}  verdict"
    )
    print(head)
    print("-" * len(head))
    for r in report["drains"]:
        print(
            f"{r['workers']:>7} {r['drain_s']:>8.1f} {r['messages_per_s']:>7.0f} "
            f"{r['imitation_max_per_minute']:>14} {r['rate_limited_answers']:>8} "
            f"{r['cpu']['bench_process_cpus']:>15}  {harness.verdict(r['pass'])}"
        )
    for r in report["capacity"]:
        print(
            f"imitation alone, {r['clients']} client process(es): "
            f"{r['requests_per_s']:.0f} requests/s (its process {r['imitation_cpus']} CPUs)"
        )
    for r in report["single"]:
        print(
            f"one robot, {r['messages']} × {r['label']} ({r['body_bytes']} B body, "
            f"{r['parts_per_message']} part(s)): {r['requests']} requests, max/min "
            f"{r['max_per_minute']}, limited {r['limited_answers']}, last delivered after "
            f"{r['last_delivered_after_s']} s, {r['drains']} drains  {harness.verdict(r['pass'])}"
        )
    print(f"OVERALL: {harness.verdict(report['pass'])}")


def write_json(report: dict):
    tag = f"_{report['tag']}" if report.get("tag") else ""
    return harness.write_json(report, f"messaging_outbox_{report['database']}{tag}")


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.drain_worker:
        return drain_worker(args.drain_budget)
    if args.client:
        return capacity_client(args.client)
    vendor = prepare(args)

    def go():
        report = run(args, vendor)
        report["tag"] = args.tag
        return report

    return harness.run_and_report(go, print_report, write_json)


if __name__ == "__main__":
    sys.exit(main())
