#!/usr/bin/env python
"""A rush on a real server: 200 logins at once, and API writers sending large photos.

Usage::

    .venv/bin/python bench/bench_rush.py                   # SQLite (the embedded default), ~3 min
    .venv/bin/python bench/bench_rush.py --postgres        # PostgreSQL database sc_rush
    .venv/bin/python bench/bench_rush.py --code /tmp/old   # the server runs another source tree

Starts the server ``scripts/run`` starts (gunicorn ``config.wsgi``, 3 workers × 4 threads, or
``--workers``/``--threads``) on 127.0.0.1:``--port`` with the production settings
(``bench_settings``: DEBUG off, the real PBKDF2 hasher, SQLite in WAL with IMMEDIATE
transactions), on a fresh database, and then:

1. **Login rush.** ``--users`` (200) accounts log in through the page, ``--login-concurrency``
   (64) at once: each GETs ``/accounts/login/`` for the CSRF token and POSTs its username and
   password. A login is good when it answers 302 and the session it sets opens the home page.
2. **Writers with photos.** ``--writers`` (36) API clients with tokens, each a school officer
   and a safety centre officer of one school, all released together. Each runs ``--rounds``
   rounds of: report with ``--photos`` JPEGs of ``--photo-mb`` MB (multipart), confirm with a
   deadline, edit, then either submit (one more photo) and accept, or mark hard and decide (new
   deadline, supervise).

Each part reports the count of 500s (must be 0), the other non-2xx with their ``code``/reason,
p50/p95/max, and whether nothing was lost: every accepted write is in the database afterwards
(each accepted action exactly one event, each accepted report a hazard, the edits' values, the
final statuses) and every accepted photo is stored (its sha256, size and file). The JSON goes
to ``bench/out/rush_<db>[_<tag>].json``. Exit status 0 only if both parts pass.
"""

from __future__ import annotations

import datetime
import http.client
import io
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from collections import Counter
from pathlib import Path

import harness  # stdlib only: options, environment, timing, report, JSON
from harness import ROOT, pg_admin

PG_NAME = "sc_rush"
PASSWORD = "Rush@2026pw"


def parse_args(argv=None):
    p = harness.parser(__doc__)
    harness.add_postgres(p, help=f"PostgreSQL database {PG_NAME}")
    p.add_argument("--code", default=str(ROOT), help="source tree the server runs (this one)")
    p.add_argument("--port", type=int, default=18300)
    p.add_argument("--workers", type=int, default=3, help="gunicorn workers (scripts/run: 3)")
    p.add_argument("--threads", type=int, default=4, help="threads per worker (scripts/run: 4)")
    p.add_argument("--users", type=int, default=200, help="accounts in the login rush")
    p.add_argument("--login-concurrency", type=int, default=64)
    p.add_argument("--writers", type=int, default=36, help="concurrent API writers")
    p.add_argument("--rounds", type=int, default=2, help="hazards per writer")
    p.add_argument("--photos", type=int, default=2, help="photos per report")
    p.add_argument("--photo-mb", type=float, default=2.5, help="size of each photo")
    p.add_argument("--parts", default="login,writers")
    harness.add_tag(p, "suffix of the JSON file (e.g. before, after)", default="")
    p.add_argument("--keep-db", action="store_true")
    args = harness.parse(p, argv)
    args.parts = harness.names(args.parts)
    args.code = str(Path(args.code).resolve())
    return args


# --- environment --------------------------------------------------------------------------------


def prepare_environment(args) -> dict:
    vendor = harness.vendor_of(args.postgres)
    var = Path(tempfile.mkdtemp(prefix=f"safecampus-bench-rush-{vendor}-"))
    code = Path(args.code)
    env = harness.bench_env(
        var,
        database_url=harness.pg_url(PG_NAME) if args.postgres else None,
        pythonpath=[code, code / "bench"],
    )
    if args.postgres:
        harness.recreate_pg_database(PG_NAME)
    for k in harness.CLEARED:
        os.environ.pop(k, None)
    os.environ.update(env)
    harness.use_paths(code)
    return {"vendor": vendor, "var": var, "env": env}


def build_fixture(args) -> dict:
    """seed_demo's district without activity, the login accounts and the writers' accounts and
    tokens. One PBKDF2 hash (the production hasher) for every account: the server still checks
    each login in full."""
    import django

    django.setup()
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import transaction

    from safecampus.accounts.models import ApiToken, RoleAssignment, User
    from safecampus.catalog.models import CheckItem
    from safecampus.core.roles import Role
    from safecampus.orgs.models import Bureau, School

    call_command("migrate", verbosity=0, interactive=False)
    call_command("seed_demo", schools=80, no_activity=True, stdout=io.StringIO())
    hashed = make_password(PASSWORD)
    assert hashed.startswith("pbkdf2_sha256$"), hashed[:20]
    with transaction.atomic():
        mh = Bureau.objects.get(code_prefix="MH")
        schools = list(School.objects.filter(bureau=mh).order_by("code"))
        users = [
            User(username=f"rush{i:03d}", full_name=f"登录{i}", bureau=mh, password=hashed)
            for i in range(args.users)
        ]
        for i in range(args.writers):
            users.append(
                User(username=f"ws{i:02d}", full_name=f"学校{i}", bureau=mh, password=hashed)
            )
            users.append(
                User(username=f"wc{i:02d}", full_name=f"中心{i}", bureau=mh, password=hashed)
            )
        User.objects.bulk_create(users, batch_size=500)
        ids = dict(User.objects.filter(bureau=mh).values_list("username", "pk"))
        roles = [
            RoleAssignment(
                user_id=ids[f"rush{i:03d}"],
                role=Role.SCHOOL_OFFICER,
                school=schools[i % len(schools)],
            )
            for i in range(args.users)
        ]
        writers = []
        for i in range(args.writers):
            school = schools[i % len(schools)]
            roles.append(
                RoleAssignment(user_id=ids[f"ws{i:02d}"], role=Role.SCHOOL_OFFICER, school=school)
            )
            roles.append(
                RoleAssignment(user_id=ids[f"wc{i:02d}"], role=Role.SAFETY_CENTRE, bureau=mh)
            )
            writers.append(
                {
                    "school": school.pk,
                    "school_token": ApiToken.issue(User.objects.get(pk=ids[f"ws{i:02d}"]))[1],
                    "centre_token": ApiToken.issue(User.objects.get(pk=ids[f"wc{i:02d}"]))[1],
                }
            )
        RoleAssignment.objects.bulk_create(roles, batch_size=500)
    item = (
        CheckItem.objects.filter(
            version__bureau=mh, version__status="published", default_level="general"
        ).first()
        or CheckItem.objects.filter(version__bureau=mh, version__status="published").first()
    )
    from django.db import connections

    connections.close_all()
    return {"writers": writers, "item": item.pk}


# --- the server ---------------------------------------------------------------------------------


class Server:
    def __init__(self, args, env):
        self.args, self.env = args, env
        self.proc = None
        self.log = Path(env["SAFECAMPUS_VAR"]) / "gunicorn.log"

    def start(self):
        gunicorn = str(ROOT / ".venv" / "bin" / "gunicorn")
        cmd = [
            gunicorn, "config.wsgi", "--bind", f"127.0.0.1:{self.args.port}",
            "--workers", str(self.args.workers), "--threads", str(self.args.threads),
            "--timeout", "120", "--log-level", "warning",
        ]  # fmt: skip
        self.logfh = open(self.log, "ab")  # noqa: SIM115 (closed in stop)
        self.proc = subprocess.Popen(
            cmd,
            cwd=self.args.code,
            env=self.env,
            start_new_session=True,
            stdout=self.logfh,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.args.port, timeout=5)
                conn.request("GET", "/accounts/login/")
                if conn.getresponse().status == 200:
                    return
            except OSError:
                pass
            if self.proc.poll() is not None:
                raise SystemExit(f"gunicorn exited: see {self.log}")
            time.sleep(0.5)
        raise SystemExit("gunicorn did not answer within 60 s")

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.logfh.close()

    def errors(self) -> list[str]:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        keys = ("Error", "locked", "retried", "Traceback")
        return [line for line in text.splitlines() if any(k in line for k in keys)][-60:]


# --- HTTP ---------------------------------------------------------------------------------------


class Client:
    """One keep-alive connection with a cookie jar (enough for the login page and the API)."""

    def __init__(self, port: int, token: str = ""):
        self.port, self.token = port, token
        self.cookies: dict[str, str] = {}
        self.conn = None

    def request(self, method: str, path: str, *, body: bytes = b"", headers=None):
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if self.token:
            headers["Authorization"] = f"Token {self.token}"
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=180)
            try:
                self.conn.request(method, path, body=body or None, headers=headers)
                resp = self.conn.getresponse()
                data = resp.read()
                break
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
        for value in resp.headers.get_all("Set-Cookie") or []:
            name, _eq, rest = value.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        if resp.getheader("Connection", "").lower() == "close":
            self.conn.close()
            self.conn = None
        return resp.status, dict(resp.getheaders()), data

    def close(self):
        if self.conn is not None:
            self.conn.close()


def multipart(fields: dict, files: list[tuple[str, str, bytes]]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    out = io.BytesIO()
    for name, value in fields.items():
        values = value if isinstance(value, list) else [value]
        for v in values:
            out.write(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
            )
            out.write(str(v).encode() + b"\r\n")
    for name, filename, content in files:
        out.write(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: image/jpeg\r\n\r\n'.encode()
        )
        out.write(content + b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


def reason(status: int, data: bytes) -> str:
    try:
        body = json.loads(data)
        return f"{status} {body.get('code')}: {str(body.get('message'))[:80]}"
    except (ValueError, AttributeError):
        text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", data.decode("utf-8", "replace")))
        return f"{status} {text.strip()[:80]}"


# --- part 1: the login rush ---------------------------------------------------------------------

_CSRF = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


def login_rush(args) -> dict:
    users = [f"rush{i:03d}" for i in range(args.users)]
    results: list[dict] = []
    lock = threading.Lock()
    work = list(users)
    barrier = threading.Barrier(args.login_concurrency)

    def worker():
        barrier.wait()
        while True:
            with lock:
                if not work:
                    return
                username = work.pop()
            client = Client(args.port)
            rec = {"user": username}
            t0 = time.perf_counter()
            try:
                status, _h, page = client.request("GET", "/accounts/login/")
                rec["get_status"] = status
                m = _CSRF.search(page)
                if status != 200 or not m:
                    rec["reason"] = reason(status, page)
                    continue
                body = urllib.parse.urlencode(
                    {
                        "csrfmiddlewaretoken": m.group(1).decode(),
                        "username": username,
                        "password": PASSWORD,
                    }
                ).encode()
                t1 = time.perf_counter()
                status, headers, data = client.request(
                    "POST",
                    "/accounts/login/",
                    body=body,
                    headers={
                        "Content-Type": "application/x-www-form-urlencoded",
                        "Referer": f"http://127.0.0.1:{args.port}/accounts/login/",
                    },
                )
                rec["post_s"] = time.perf_counter() - t1
                rec["status"] = status
                if status != 302:
                    rec["reason"] = reason(status, data)
                else:
                    home, _h, _d = client.request("GET", "/")
                    rec["home"] = home
            except Exception as exc:  # noqa: BLE001 - reported, not fatal
                rec["reason"] = f"client error {type(exc).__name__}: {exc}"
            finally:
                rec["total_s"] = time.perf_counter() - t0
                client.close()
                with lock:
                    results.append(rec)

    t = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(args.login_concurrency)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    elapsed = time.perf_counter() - t
    statuses = Counter(str(r.get("status", r.get("get_status", "error"))) for r in results)
    others = Counter(r["reason"] for r in results if r.get("reason"))
    good = [r for r in results if r.get("status") == 302 and r.get("home") == 200]
    # nothing lost: each good login is a LOGIN_SUCCEEDED event and a last_login
    from safecampus.accounts.models import User
    from safecampus.audit.models import Action, AuditEvent

    succeeded = Counter(
        AuditEvent.objects.filter(action=Action.LOGIN_SUCCEEDED).values_list(
            "actor_username", flat=True
        )
    )
    with_last_login = set(
        User.objects.filter(username__in=users, last_login__isnull=False).values_list(
            "username", flat=True
        )
    )
    lost = [
        r["user"] for r in good if succeeded[r["user"]] != 1 or r["user"] not in with_last_login
    ]
    locked = User.objects.filter(username__in=users, failed_logins__gt=0).count()
    return {
        "users": args.users,
        "concurrency": args.login_concurrency,
        "elapsed_s": round(elapsed, 2),
        "statuses": dict(statuses),
        "count_500": sum(
            1 for r in results if r.get("status") == 500 or r.get("get_status") == 500
        ),
        "good": len(good),
        "other_failures": dict(others.most_common()),
        "post": harness.seconds_summary([r["post_s"] for r in results if "post_s" in r]),
        "total": harness.seconds_summary([r["total_s"] for r in results]),
        "lost": lost,
        "accounts_with_failures": locked,
        "nothing_lost": not lost,
        "pass": len(good) == args.users and not lost,
    }


# --- part 2: writers with photos ----------------------------------------------------------------


def make_photos(args, n: int = 4) -> list[bytes]:
    """Noise JPEGs of about ``--photo-mb`` MB (noise does not compress)."""
    from PIL import Image

    rng = random.Random(7)
    target = int(args.photo_mb * 1024 * 1024)
    photos = []
    for k in range(n):
        side = int((target / 0.75) ** 0.5)
        w, h = int(side * 1.2), int(side / 1.2)
        noise = bytes(rng.getrandbits(8) for _ in range(256 * 1024))
        raw = (noise * (w * h * 3 // len(noise) + 1))[: w * h * 3]
        img = Image.frombytes("RGB", (w, h), raw)
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=85)
        photos.append(buf.getvalue())
        del k
    return photos


def writers_rush(args, fixture: dict) -> dict:
    import hashlib

    photos = make_photos(args)
    sizes = [len(p) for p in photos]
    records: list[dict] = []
    hazards: list[dict] = []
    lock = threading.Lock()
    barrier = threading.Barrier(args.writers)
    today = datetime.date.today()

    def unique(k: int) -> bytes:
        # bytes after the JPEG's end marker: still a valid photo, a digest of its own
        return photos[k % len(photos)] + uuid.uuid4().bytes

    def call(client, kind, method, path, *, fields=None, files=None, json_body=None):
        if files is not None:
            body, ctype = multipart(fields or {}, files)
        else:
            body, ctype = json.dumps(json_body or {}).encode(), "application/json"
        t0 = time.perf_counter()
        try:
            status, _h, data = client.request(
                method, path, body=body, headers={"Content-Type": ctype}
            )
        except Exception as exc:  # noqa: BLE001
            status, data = 0, f"client error {type(exc).__name__}: {exc}".encode()
        rec = {"kind": kind, "status": status, "s": time.perf_counter() - t0, "bytes": len(body)}
        if not 200 <= status < 300:
            rec["reason"] = reason(status, data)
        with lock:
            records.append(rec)
        try:
            return status, json.loads(data) if data else {}
        except ValueError:
            return status, {}

    def writer(i: int, w: dict):
        school = Client(args.port, w["school_token"])
        centre = Client(args.port, w["centre_token"])
        barrier.wait()
        for r in range(args.rounds):
            hz = {"writer": i, "round": r, "accepted": Counter(), "photos": []}
            files = [unique(i + r + k) for k in range(args.photos)]
            desc = f"基准隐患 {i}-{r} {uuid.uuid4().hex[:8]}"
            st, body = call(
                school, "report", "POST", "/api/v1/hazards/",
                fields={
                    "school": w["school"], "item": fixture["item"], "description": desc,
                    "location": "教学楼", "responsible_person": "张老师",
                    "remedy_type": "deadline",
                },
                files=[("files", f"p{k}.jpg", f) for k, f in enumerate(files)],
            )  # fmt: skip
            if st != 201:
                with lock:
                    hazards.append(hz)
                continue
            hz["id"], hz["description"] = body["id"], desc
            hz["accepted"]["report"] += 1
            hz["photos"] += [hashlib.sha256(f).hexdigest() for f in files]
            version = body["version"]
            base = f"/api/v1/hazards/{hz['id']}"

            def act(client, name, payload=None, files=None, hz=hz, base=base):
                nonlocal version
                fields = {"version": version, **(payload or {})}
                if files is not None:
                    st, body = call(
                        client, name, "POST", f"{base}/{name}/", fields=fields, files=files
                    )
                else:
                    st, body = call(client, name, "POST", f"{base}/{name}/", json_body=fields)
                if 200 <= st < 300:
                    version = body["version"]
                    hz["accepted"][name] += 1
                    return True
                return False

            deadline = (today + datetime.timedelta(days=30)).isoformat()
            if not act(centre, "confirm", {"deadline": deadline, "measures": "清理杂物"}):
                with lock:
                    hazards.append(hz)
                continue
            new_desc = desc + " 已核实"
            if act(centre, "edit", {"description": new_desc, "comment": "核实后修正"}):
                hz["description"] = new_desc
            if r % 2 == 0:
                photo = unique(i + r + 7)
                if act(
                    school, "submit", {"comment": "已整改"}, files=[("files", "after.jpg", photo)]
                ):
                    hz["photos"].append(hashlib.sha256(photo).hexdigest())
                    if act(centre, "accept", {"comment": "验收通过"}):
                        hz["final"] = "closed"
                    else:
                        hz["final"] = "submitted"
            else:
                if act(centre, "mark-hard", {"comment": "需协调资金"}):
                    new_deadline = (today + datetime.timedelta(days=90)).isoformat()
                    if act(
                        centre,
                        "decide",
                        {
                            "decisions": ["new_deadline", "supervise"],
                            "deadline": new_deadline,
                            "comment": "领导小组研究决定",
                        },
                    ):
                        hz["final"] = "rectifying"
                        hz["deadline"] = new_deadline
            with lock:
                hazards.append(hz)
        school.close()
        centre.close()

    t = time.perf_counter()
    threads = [
        threading.Thread(target=writer, args=(i, w)) for i, w in enumerate(fixture["writers"])
    ]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    elapsed = time.perf_counter() - t
    lost = check_writes(hazards)
    by_kind = {}
    for kind in ("report", "confirm", "edit", "submit", "accept", "mark-hard", "decide"):
        recs = [r for r in records if r["kind"] == kind]
        by_kind[kind] = {
            "requests": len(recs),
            "ok": sum(1 for r in recs if 200 <= r["status"] < 300),
            **harness.seconds_summary([r["s"] for r in recs]),
        }
    statuses = Counter(str(r["status"]) for r in records)
    uploaded = sum(r["bytes"] for r in records)
    return {
        "writers": args.writers,
        "rounds": args.rounds,
        "photo_bytes": sizes,
        "elapsed_s": round(elapsed, 2),
        "requests": len(records),
        "uploaded_mb": round(uploaded / 1024 / 1024, 1),
        "statuses": dict(statuses),
        "count_500": statuses.get("500", 0),
        "other_failures": dict(
            Counter(r["reason"] for r in records if "reason" in r).most_common()
        ),
        "all": harness.seconds_summary([r["s"] for r in records]),
        "by_kind": by_kind,
        "hazards_reported": sum(1 for h in hazards if "id" in h),
        "photos_accepted": sum(len(h["photos"]) for h in hazards),
        "lost": lost,
        "nothing_lost": not lost,
        "pass": statuses.get("500", 0) == 0
        and not lost
        and all(200 <= r["status"] < 300 for r in records),
    }


def check_writes(hazards: list[dict]) -> list[str]:
    """Every accepted write is in the database: each accepted action exactly one event, the
    edited description, the final status and deadline, every accepted photo stored."""
    from safecampus.hazards.models import Hazard, HazardEvidence

    action_of = {"mark-hard": "mark_hard"}
    lost = []
    for hz in hazards:
        if "id" not in hz:
            continue
        h = Hazard.objects.filter(pk=hz["id"]).first()
        if h is None:
            lost.append(f"hazard {hz['id']} missing")
            continue
        events = Counter(h.events.values_list("action", flat=True))
        for name, n in hz["accepted"].items():
            if events[action_of.get(name, name)] != n:
                lost.append(f"hazard {h.pk}: {name} accepted {n}×, {events[name]} events")
        if h.description != hz["description"]:
            lost.append(f"hazard {h.pk}: description {h.description!r} != {hz['description']!r}")
        if hz.get("final") and h.status != hz["final"]:
            lost.append(f"hazard {h.pk}: status {h.status} != {hz['final']}")
        if hz.get("deadline") and str(h.deadline) != hz["deadline"]:
            lost.append(f"hazard {h.pk}: deadline {h.deadline} != {hz['deadline']}")
        stored = {e.sha256: e for e in HazardEvidence.objects.filter(hazard=h)}
        for sha in hz["photos"]:
            ev = stored.get(sha)
            if ev is None:
                lost.append(f"hazard {h.pk}: photo {sha[:12]} missing")
                continue
            try:
                with ev.file.open("rb") as fh:
                    if hashlib_sha(fh) != sha:
                        lost.append(f"hazard {h.pk}: photo {sha[:12]} differs on disk")
            except OSError:
                lost.append(f"hazard {h.pk}: photo {sha[:12]} file missing")
            if ev.content_type.startswith("image/") and not ev.thumbnail:
                lost.append(f"hazard {h.pk}: photo {sha[:12]} has no thumbnail")
    return lost


def hashlib_sha(fh) -> str:
    import hashlib

    d = hashlib.sha256()
    for chunk in iter(lambda: fh.read(1 << 20), b""):
        d.update(chunk)
    return d.hexdigest()


# --- main ---------------------------------------------------------------------------------------


def main(argv=None) -> int:
    args = parse_args(argv)
    envinfo = prepare_environment(args)
    vendor = envinfo["vendor"]
    commit = harness.git_head(args.code, missing="(not a git tree)")
    print(f"== rush on {vendor}, server code {args.code} ({commit}), port {args.port}")
    t = time.perf_counter()
    fixture = build_fixture(args)
    print(f"fixture: {time.perf_counter() - t:.1f} s")
    server = Server(args, envinfo["env"])
    report: dict = {
        "vendor": vendor,
        "code": args.code,
        "commit": commit,
        "when": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "server": f"gunicorn config.wsgi --workers {args.workers} --threads {args.threads}",
        "load_before": os.getloadavg(),
    }
    ok = True
    try:
        server.start()
        if "login" in args.parts:
            res = login_rush(args)
            report["login"] = res
            ok &= res["pass"] and res["count_500"] == 0
            print(
                f"login rush: {res['users']} users, {res['concurrency']} at once, "
                f"{res['elapsed_s']} s; statuses {res['statuses']}; 500s {res['count_500']}; "
                f"good {res['good']}; POST p50/p95/max {res['post'].get('p50_ms')}/"
                f"{res['post'].get('p95_ms')}/{res['post'].get('max_ms')} ms; "
                f"nothing lost: {res['nothing_lost']}"
            )
            for why, n in res["other_failures"].items():
                print(f"    {n} × {why}")
        if "writers" in args.parts:
            res = writers_rush(args, fixture)
            report["writers"] = res
            ok &= res["pass"]
            print(
                f"writers: {res['writers']} × {res['rounds']} rounds, {res['requests']} requests, "
                f"{res['uploaded_mb']} MB up, {res['elapsed_s']} s; statuses {res['statuses']}; "
                f"500s {res['count_500']}; p50/p95/max {res['all'].get('p50_ms')}/"
                f"{res['all'].get('p95_ms')}/{res['all'].get('max_ms')} ms; "
                f"reported {res['hazards_reported']}, photos {res['photos_accepted']}; "
                f"nothing lost: {res['nothing_lost']}"
            )
            for kind, k in res["by_kind"].items():
                print(
                    f"    {kind:9} {k['ok']}/{k['requests']} ok, p50 {k.get('p50_ms')} "
                    f"p95 {k.get('p95_ms')} max {k.get('max_ms')} ms"
                )
            for why, n in res["other_failures"].items():
                print(f"    {n} × {why}")
            for line in res["lost"][:20]:
                print(f"    LOST {line}")
    finally:
        server.stop()
        report["server_errors"] = server.errors()
        report["load_after"] = os.getloadavg()
        path = harness.write_json(report, f"rush_{vendor}{'_' + args.tag if args.tag else ''}")
        print(f"server log lines with errors: {len(report['server_errors'])}")
        for line in report["server_errors"][-8:]:
            print(f"    {line[:200]}")
        print(f"{harness.verdict(ok)} -> {path.relative_to(ROOT)}")
        from django.db import connections

        connections.close_all()
        if not args.keep_db:
            shutil.rmtree(envinfo["var"], ignore_errors=True)
            if args.postgres:
                pg_admin(f'DROP DATABASE IF EXISTS "{PG_NAME}" WITH (FORCE)')
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
