#!/usr/bin/env python
"""The autosave race (issue 13, item 1): K schools tap through their whole self-inspection form
at once, on phones, through a real server; then reload and count what was lost.

Usage::

    .venv/bin/python bench/bench_autosave.py                  # K = 2, 3, 8 on SQLite, ~4-6 min
    .venv/bin/python bench/bench_autosave.py --schools-at-once 3 --tap-ms 80

Builds a fresh SQLite database under bench/out/autosave-sqlite (``migrate`` and ``seed_demo
--schools 70``: the demo campaign leaves 15 forms not started), gives each of those schools an
officer, and starts ``gunicorn config.wsgi --workers 4 --threads 4`` (the README's shape) on it.

Each school is a client that behaves as the form page does in a phone's browser:

- up to 6 requests at once (a browser's connections per host); each tap on an item's answer is
  the card's HTMX autosave: a POST of the whole form (every card's fields, as HTMX includes the
  enclosing form) with ``HX-Request`` and ``HX-Target: a<id>``;
- per card, as HTMX does on the card's element: one request at a time, a change made while it
  is under way is queued (``queue last``). What happens to the queued change depends on the page
  the server sent: the page before the fix swaps the answer in, replacing the element that holds
  the queue, so the queued change is dropped and the card shows the earlier answer; the page
  after the fix (it carries ``a<id>-seq`` fields) does not swap in an answer to an earlier
  change, so the queued change is sent;
- taps every ``--tap-ms`` ms, and on ``--change-of-mind`` of the items a second tap on another
  answer ``--mind-ms`` later;
- ``--reload-after`` seconds after its last tap the person reloads the page. The page before the
  fix lets them (requests not yet sent are lost); the page after the fix warns while a save is
  under way or failed, so they wait for it;
- then it counts, from the reloaded page, answers that differ from the person's last choice,
  and submits the form as the page does (the page's fields, as the reloaded page shows them):
  a refused first submission and the number of unanswered items it names.

Prints a table and writes bench/out/autosave_<timestamp>.json and autosave_latest.json.
"""

from __future__ import annotations

import http.client
import json
import os
import platform
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime as dt
from pathlib import Path

import harness  # stdlib only: options, environment, timing, report, JSON
from harness import BENCH_DIR, OUT_DIR, ROOT

PASSWORD = "Demo@2026"
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
CARD = re.compile(r'id="a(\d+)" data-testid="item-')
CHOICES = ["compliant", "non_compliant", "not_applicable"]


def parse_args(argv=None):
    p = harness.parser(__doc__)
    p.add_argument("--schools-at-once", default="2,3,8", help="K values, comma-separated")
    p.add_argument("--schools", type=int, default=70, help="schools seeded (70: 15 blank forms)")
    p.add_argument("--tap-ms", type=float, default=120.0, help="time between taps (120 ms)")
    p.add_argument("--change-of-mind", type=float, default=0.15, help="share of items re-tapped")
    p.add_argument("--mind-ms", type=float, default=80.0, help="delay of the second tap (80 ms)")
    p.add_argument("--reload-after", type=float, default=1.0, help="reload this long after")
    p.add_argument(
        "--patience", type=float, default=900.0, help="longest wait of a warned person (900 s)"
    )
    p.add_argument("--port", type=int, default=0, help="server port (0: a free one)")
    p.add_argument("--seed", type=int, default=13)
    harness.add_reuse_db(p, "keep the seeded database")
    return harness.parse(p, argv)


# --- the server ---------------------------------------------------------------------------------


def environment(var: Path) -> dict:
    return harness.bench_env(var, clear=("DATABASE_URL",), pythonpath=[BENCH_DIR, ROOT])


def prepare_database(args, var: Path) -> dict:
    python = str(ROOT / ".venv" / "bin" / "python")
    env = environment(var)
    seeded = var / "seeded.sqlite3"
    t0 = time.perf_counter()
    if not (args.reuse_db and seeded.exists()):
        shutil.rmtree(var, ignore_errors=True)
        var.mkdir(parents=True)
        manage = [python, str(ROOT / "manage.py")]
        subprocess.run([*manage, "migrate", "-v0"], env=env, check=True, cwd=ROOT)
        subprocess.run(
            [*manage, "seed_demo", "--schools", str(args.schools)],
            env=env,
            check=True,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
        )
        code = (
            "import django, json; django.setup()\n"
            "from safecampus.inspections.models import InspectionForm\n"
            "from safecampus.demo.hazards import _school_officer\n"
            "forms = InspectionForm.objects.filter(status='not_started', "
            "campaign__status='launched').select_related('school').order_by('id')\n"
            f"print(json.dumps([[f.pk, f.item_count, _school_officer(f.school, {PASSWORD!r})"
            ".username] for f in forms]))\n"
        )
        out = subprocess.run(
            [python, "-c", code], env=env, check=True, cwd=ROOT, capture_output=True, text=True
        ).stdout
        (var / "forms.json").write_text(out)
        shutil.copy(var / "safecampus.sqlite3", seeded)
    forms = json.loads((var / "forms.json").read_text())
    return {"seconds": round(time.perf_counter() - t0, 1), "blank_forms": forms}


def reset_database(var: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        (var / f"safecampus.sqlite3{suffix}").unlink(missing_ok=True)
    shutil.copy(var / "seeded.sqlite3", var / "safecampus.sqlite3")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(var: Path, port: int) -> subprocess.Popen:
    gunicorn = str(ROOT / ".venv" / "bin" / "gunicorn")
    cmd = [gunicorn, "config.wsgi", "--workers", "4", "--threads", "4"]
    cmd += ["--bind", f"127.0.0.1:{port}", "--timeout", "120"]
    proc = subprocess.Popen(
        cmd,
        env=environment(var),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=open(var / "gunicorn.log", "ab"),  # noqa: SIM115 (lives as long as the server)
        start_new_session=True,
    )
    for _ in range(200):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return proc
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("the server did not start; see gunicorn.log")


def stop_server(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=30)


# --- a phone's browser --------------------------------------------------------------------------


class Browser:
    """Cookies, and one HTTP connection per worker thread (a browser's connection pool)."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}
        self.local = threading.local()
        self.lock = threading.Lock()

    def request(self, method, path, data=None, headers=None):
        if not hasattr(self.local, "conn"):
            self.local.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        with self.lock:
            cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        h = {"Cookie": cookie, "Referer": f"http://127.0.0.1:{self.port}{path}"}
        h.update(headers or {})
        body = None
        if data is not None:
            body = urllib.parse.urlencode(data)
            h["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in (1, 2):
            conn = self.local.conn
            try:
                conn.request(method, path, body=body, headers=h)
                resp = conn.getresponse()
                text = resp.read().decode()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # the server closed an idle keep-alive connection: a browser opens a new one
                conn.close()
                self.local.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
                if attempt == 2:
                    raise
        with self.lock:
            for key, value in resp.getheaders():
                if key.lower() == "set-cookie":
                    name, val = value.split(";")[0].split("=", 1)
                    self.cookies[name] = val
        return resp.status, text, resp.getheader("Location")


class Page:
    """The form page of one school, as its HTMX cards behave."""

    def __init__(self, browser: Browser, form_id: int, html: str):
        self.browser = browser
        self.form_id = form_id
        self.token = CSRF.search(html)[1]
        self.ids = [int(x) for x in CARD.findall(html)]
        self.new_page = '-seq"' in html  # the page after the fix numbers each change
        self.shown: dict[int, str] = {}  # what each card shows as chosen
        self.seq: dict[int, int] = dict.fromkeys(self.ids, 0)
        self.busy: dict[int, bool] = dict.fromkeys(self.ids, False)
        self.queued: dict[int, bool] = dict.fromkeys(self.ids, False)
        self.failed: set[int] = set()
        self.leaving = False
        self.lock = threading.Lock()
        self.pool = ThreadPoolExecutor(6)
        self.sent = 0
        self.dropped = 0  # queued changes HTMX dropped
        self.statuses: Counter = Counter()
        self.in_flight = 0

    def fields(self) -> list[tuple[str, str]]:
        data = [("csrfmiddlewaretoken", self.token)]
        for aid in self.ids:
            if aid in self.shown:
                data.append((f"a{aid}-answer", self.shown[aid]))
                if self.shown[aid] == "not_applicable":
                    data.append((f"a{aid}-na_reason", "本校无此设施"))
            if self.new_page:
                data.append((f"a{aid}-seq", str(self.seq[aid])))
            data.append((f"a{aid}-note", ""))
        return data

    def tap(self, aid: int, value: str) -> None:
        with self.lock:
            self.shown[aid] = value
            if self.new_page:
                self.seq[aid] = max(int(time.time() * 1000), self.seq[aid] + 1)
            if self.busy[aid]:
                self.queued[aid] = True  # hx-sync's default for the element: queue last
                return
            self._send(aid)

    def _send(self, aid: int) -> None:  # holds self.lock
        self.busy[aid] = True
        self.in_flight += 1
        data = self.fields()
        self.sent += 1
        self.pool.submit(self._post, aid, data, self.seq[aid])

    def _post(self, aid: int, data, seq: int) -> None:
        try:
            path = f"/campaigns/forms/{self.form_id}/save/"
            headers = {"HX-Request": "true", "HX-Target": f"a{aid}"}
            if self.leaving and not self.new_page:
                status, text = 0, ""  # the page was left: the browser cancelled it
            else:
                status, text, _loc = self.browser.request("POST", path, data, headers)
        except Exception:  # noqa: BLE001 (a failed request is what is counted)
            status, text = -1, ""
        with self.lock:
            self.in_flight -= 1
            self.statuses[status] += 1
            self.busy[aid] = False
            ok = status == 200 and "unsaved-" not in text
            if not ok:
                self.failed.add(aid)
            m = re.search(r'data-seq="(\d+)"', text)
            stale = self.new_page and m and int(m[1]) < self.seq[aid]
            if status == 200 and not stale:
                chosen = re.search(rf'name="a{aid}-answer" id="[^"]+" value="(\w+)" checked', text)
                if chosen:
                    self.shown[aid] = chosen[1]  # the swapped-in card
                if ok:
                    self.failed.discard(aid)
            if self.queued[aid]:
                self.queued[aid] = False
                if self.leaving:
                    self.dropped += 1  # the page was left before it went
                elif self.new_page or status != 200:
                    self._send(aid)
                else:
                    self.dropped += 1  # the element holding the queue was swapped out

    def idle(self) -> bool:
        with self.lock:
            return self.in_flight == 0 and not any(self.queued.values())


def run_school(port, form_id, username, rng, args, t_start) -> dict:
    b = Browser(port)
    _s, html, _l = b.request("GET", "/accounts/login/")
    login = {"csrfmiddlewaretoken": CSRF.search(html)[1], "username": username}
    status, _t, _l = b.request("POST", "/accounts/login/", {**login, "password": PASSWORD})
    assert status == 302, f"login of {username}: {status}"
    _s, html, _l = b.request("GET", f"/campaigns/forms/{form_id}/")
    page = Page(b, form_id, html)
    last: dict[int, str] = {}
    while time.perf_counter() < t_start:
        time.sleep(0.005)
    t0 = time.perf_counter()
    for aid in page.ids:
        # the last tap of an item is 符合 or 不适用 (whose reason is sent with it), so a form
        # whose every last tap was kept can be submitted
        if rng.random() < args.change_of_mind:
            first = rng.choice(CHOICES)
            final = rng.choice([c for c in ("compliant", "not_applicable") if c != first])
            page.tap(aid, first)
            time.sleep(args.mind_ms / 1000)
            page.tap(aid, final)
        else:
            final = "compliant" if rng.random() < 0.95 else "not_applicable"
            page.tap(aid, final)
        last[aid] = final
        time.sleep(args.tap_ms / 1000)
    taps_s = time.perf_counter() - t0
    time.sleep(args.reload_after)
    waited = 0.0
    if page.new_page:  # the page warns before leaving while a save is under way
        t1 = time.perf_counter()
        while not page.idle() and time.perf_counter() - t1 < args.patience:
            time.sleep(0.05)
        waited = time.perf_counter() - t1
    page.leaving = True
    pending_at_reload = sum(page.queued.values()) + page.in_flight
    page.pool.shutdown(wait=True)
    _s, html, _l = b.request("GET", f"/campaigns/forms/{form_id}/")
    reloaded = dict(re.findall(r'name="a(\d+)-answer" id="[^"]+" value="(\w+)" checked', html))
    lost = [aid for aid in page.ids if reloaded.get(str(aid)) != last[aid]]
    empty = [aid for aid in page.ids if str(aid) not in reloaded]
    # submit as the reloaded page does: its fields, the form's submit button
    again = Page(b, form_id, html)
    again.shown = {int(k): v for k, v in reloaded.items()}
    for k in again.ids:
        m = re.search(rf'name="a{k}-seq" value="(\d+)"', html)
        again.seq[k] = int(m[1]) if m else 0
    again.pool.shutdown()
    status, text, _l = b.request("POST", f"/campaigns/forms/{form_id}/submit/", again.fields())
    m = re.search(r"(\d+) (?:个排查项|items need)", text) if status != 302 else None
    return {
        "form": form_id,
        "items": len(page.ids),
        "page": "after" if page.new_page else "before",
        "taps_seconds": round(taps_s, 1),
        "waited_for_saves_seconds": round(waited, 1),
        "autosaves_sent": page.sent,
        "responses": dict(page.statuses),
        "queued_changes_dropped": page.dropped,
        "pending_at_reload": pending_at_reload,
        "lost_answers": len(lost),
        "empty_after_reload": len(empty),
        "wrong_after_reload": len(lost) - len(empty),
        "first_submit_status": status,
        "first_submit_refused_items": int(m[1]) if m else (None if status == 302 else -1),
    }


def run_round(port, forms, args, k: int) -> dict:
    rng = random.Random(args.seed + k)
    t_start = time.perf_counter() + 2.0
    results = [None] * k
    threads = []
    for i, (form_id, _n, username) in enumerate(forms[:k]):
        child = random.Random(rng.random())

        def work(i=i, form_id=form_id, username=username, child=child):
            results[i] = run_school(port, form_id, username, child, args, t_start)

        threads.append(threading.Thread(target=work))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    lost = sum(r["lost_answers"] for r in results)
    print(f"  K={k}: {lost} answers lost of {sum(r['items'] for r in results)}", flush=True)
    return {"k": k, "schools": results}


def main(argv=None) -> int:
    args = parse_args(argv)
    ks = [int(x) for x in args.schools_at_once.split(",") if x.strip()]
    var = OUT_DIR / "autosave-sqlite"
    print(f"Seeding (seed_demo --schools {args.schools}) under {var} …", flush=True)
    prep = prepare_database(args, var)
    forms = prep["blank_forms"]
    if len(forms) < max(ks):
        raise SystemExit(f"only {len(forms)} blank forms; raise --schools")
    print(f"  {prep['seconds']} s; {len(forms)} blank forms", flush=True)
    rounds = []
    for k in ks:
        reset_database(var)
        port = args.port or free_port()
        server = start_server(var, port)
        try:
            rounds.append(run_round(port, forms, args, k))
        finally:
            stop_server(server)
    report = {
        "at": dt.now().isoformat(timespec="seconds"),
        "git": harness.git_state(),
        "python": platform.python_version(),
        "server": "gunicorn config.wsgi --workers 4 --threads 4, SQLite (WAL)",
        "args": vars(args),
        "rounds": rounds,
    }
    print()
    head = f"{'K':>2} {'form':>5} {'page':>6} {'items':>5} {'sent':>5} {'200':>5} {'other':>5} "
    head += f"{'dropped':>7} {'pending':>7} {'lost':>5} {'empty':>5} {'wrong':>5} {'submit':>6}"
    print(head)
    for r in rounds:
        for s in r["schools"]:
            other = sum(n for st, n in s["responses"].items() if st != 200)
            refused = s["first_submit_refused_items"]
            verdict = "ok" if s["first_submit_status"] == 302 else f"no:{refused}"
            print(
                f"{r['k']:>2} {s['form']:>5} {s['page']:>6} {s['items']:>5} "
                f"{s['autosaves_sent']:>5} {s['responses'].get(200, 0):>5} {other:>5} "
                f"{s['queued_changes_dropped']:>7} {s['pending_at_reload']:>7} "
                f"{s['lost_answers']:>5} {s['empty_after_reload']:>5} "
                f"{s['wrong_after_reload']:>5} {verdict:>6}"
            )
    total_items = sum(s["items"] for r in rounds for s in r["schools"])
    total_lost = sum(s["lost_answers"] for r in rounds for s in r["schools"])
    refused = sum(s["first_submit_status"] != 302 for r in rounds for s in r["schools"])
    schools = sum(len(r["schools"]) for r in rounds)
    print(
        f"\nlost answers: {total_lost} of {total_items} ({total_lost / total_items:.1%}); "
        f"refused first submissions: {refused} of {schools}"
    )
    report["totals"] = {"items": total_items, "lost": total_lost, "refused_first_submits": refused}
    path = harness.write_json(report, "autosave", stamp=dt.now().strftime("%Y%m%d-%H%M%S"))
    print(f"JSON: {path.relative_to(ROOT)}")
    return 0 if total_lost == 0 and refused == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
