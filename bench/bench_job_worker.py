"""What happens to a job whose worker is killed (kill -9), with the product's lease settings.

Starts real ``manage.py run_huey`` workers on a fresh database under ``bench/out/jobworker``
(SQLite queue, or Redis with ``--redis``), runs a slow job (the test-only kind of
``safecampus/core/tests/worker_app.py``), kills the worker with SIGKILL while the job runs and
starts a new worker ``--restart-delay`` seconds later, as a supervisor would. Prints when the job
was taken up again and how it ended, and what its page says at each step.

    .venv/bin/python bench/bench_job_worker.py                   # one kill, then the retry succeeds
    .venv/bin/python bench/bench_job_worker.py --kill-every-attempt   # every attempt dies
    .venv/bin/python bench/bench_job_worker.py --redis           # Redis queue (db 2)

Lease settings come from the environment as in production (``SAFECAMPUS_JOB_LEASE_SECONDS``
default 60, ``SAFECAMPUS_JOB_HEARTBEAT_SECONDS`` default lease / 6, ``SAFECAMPUS_JOB_MAX_ATTEMPTS``
default 3).
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid

import harness  # stdlib only: options, environment, timing, report, JSON
from harness import ROOT

OUT = harness.OUT_DIR / "jobworker"
PY = sys.executable

SETUP = """
from safecampus.accounts.models import User
from safecampus.core.models import Job
from django.utils import timezone
user = User.objects.create(username="owner")
job = Job.objects.create(kind="test.slow", title="学校名单导出", created_by=user,
    params={"steps": %(steps)d, "step": %(step)f}, queued_at=timezone.now())
print(job.pk)
"""

PAGE = """
import re
from django.template.loader import render_to_string
from django.utils import translation
from safecampus.core.models import Job
with translation.override("zh-hans"):
    html = render_to_string("core/_job_status.html", {"job": Job.objects.get(pk=%(pk)d)})
print(" ".join(re.sub(r"<[^>]+>", " ", html).split()))
"""


def main() -> None:
    parser = harness.parser(__doc__, first="\n")
    parser.add_argument("--redis", action="store_true", help="Redis queue redis://…/2")
    parser.add_argument("--kill-every-attempt", action="store_true")
    parser.add_argument("--restart-delay", type=float, default=1.0)
    args = harness.parse(parser)

    harness.fresh_dir(OUT)
    queue = f"bench-{uuid.uuid4().hex[:8]}"
    env = harness.bench_env(
        OUT,
        settings="safecampus.core.tests.worker_settings",
        clear=("DATABASE_URL", "REDIS_URL", "SAFECAMPUS_JOBS_IMMEDIATE"),
    )
    env |= {
        "SAFECAMPUS_TEST_QUEUE": queue,
        "SAFECAMPUS_JOB_LEASE_SECONDS": os.environ.get("SAFECAMPUS_JOB_LEASE_SECONDS", "60"),
        "SAFECAMPUS_JOB_MAX_ATTEMPTS": os.environ.get("SAFECAMPUS_JOB_MAX_ATTEMPTS", "3"),
    }
    lease = float(env["SAFECAMPUS_JOB_LEASE_SECONDS"])
    env["SAFECAMPUS_JOB_HEARTBEAT_SECONDS"] = os.environ.get(
        "SAFECAMPUS_JOB_HEARTBEAT_SECONDS", str(lease / 6)
    )
    if args.redis:
        env["REDIS_URL"] = "redis://127.0.0.1:6379/2"

    def manage(*argv: str) -> str:
        return subprocess.run(
            [PY, "manage.py", *argv], cwd=ROOT, env=env, check=True, capture_output=True, text=True
        ).stdout.strip()

    print(
        f"lease {lease:g} s, heartbeat {env['SAFECAMPUS_JOB_HEARTBEAT_SECONDS']} s, "
        f"{env['SAFECAMPUS_JOB_MAX_ATTEMPTS']} attempts, "
        f"queue {'Redis' if args.redis else 'SQLite'}"
    )
    manage("migrate", "--noinput", "-v0")
    steps, step = (100000, 0.5) if args.kill_every_attempt else (20, 0.5)
    pk = int(manage("shell", "-c", SETUP % {"steps": steps, "step": step}).splitlines()[-1])
    manage("shell", "-c", f"from safecampus.core.jobs import run_job_task; run_job_task({pk})")

    def row() -> dict:
        with sqlite3.connect(OUT / "safecampus.sqlite3", timeout=20) as db:
            status, attempts, done, total = db.execute(
                "SELECT status, attempts, done, total FROM core_job WHERE id = ?", [pk]
            ).fetchone()
        return {"status": status, "attempts": attempts, "done": done, "total": total}

    def page() -> str:
        return manage("shell", "-c", PAGE % {"pk": pk}).splitlines()[-1]

    workers: list[subprocess.Popen] = []

    def start() -> None:
        log = open(OUT / f"worker-{len(workers) + 1}.log", "wb")  # noqa: SIM115
        argv = [PY, "manage.py", "run_huey"]
        workers.append(subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log, stderr=log))

    def wait(predicate, timeout: float = 900) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            r = row()
            if predicate(r):
                return r
            time.sleep(0.2)
        raise SystemExit(f"timed out: {row()}")

    t0 = time.monotonic()
    clock = lambda: f"{time.monotonic() - t0:6.1f} s"  # noqa: E731
    start()
    attempt = 1
    try:
        while True:
            wait(lambda r, a=attempt: r["status"] == "running" and r["attempts"] == a and r["done"])
            print(f"{clock()}  attempt {attempt} running: {row()}")
            workers[-1].send_signal(signal.SIGKILL)
            workers[-1].wait()
            killed = time.monotonic()
            print(f"{clock()}  worker killed (SIGKILL)")
            time.sleep(args.restart_delay)
            print(f"{clock()}  page: {page()}")
            start()
            print(f"{clock()}  new worker started")
            r = wait(lambda r, a=attempt: r["status"] != "running" or r["attempts"] > a)
            if r["status"] == "failed":
                print(f"{clock()}  given up {time.monotonic() - killed:.1f} s after the kill: {r}")
                break
            attempt += 1
            wait(lambda r, a=attempt: r["attempts"] == a and r["status"] != "pending")
            print(
                f"{clock()}  attempt {attempt} taken up {time.monotonic() - killed:.1f} s "
                f"after the kill; page: {page()}"
            )
            if not args.kill_every_attempt:
                r = wait(lambda r: r["status"] in ("succeeded", "failed"))
                print(f"{clock()}  {r['status']}: {r}")
                break
        print(f"{clock()}  page: {page()}")
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.terminate()
                worker.wait()
        if args.redis:
            from huey import RedisHuey

            RedisHuey(queue, url=env["REDIS_URL"]).storage.flush_all()
    print(json.dumps({"job": pk, **row()}))


if __name__ == "__main__":
    main()
