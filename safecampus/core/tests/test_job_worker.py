"""A job survives the death of its worker, with real worker processes.

Each test starts ``manage.py run_huey`` (settings ``worker_settings``: leases of 1.5 s, at most 2
attempts, a slow test-only job kind) on a database it shares with the test, kills the worker with
SIGKILL while the job runs, starts a new worker and looks at the job. The database is a copy of
the test database in a file (SQLite) or the test database itself (PostgreSQL); the queue is a
SQLite file or Redis db 2 (skipped, saying so, when Redis does not answer).
Select them with ``-m worker``.
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
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from huey import RedisHuey, SqliteHuey
from huey.contrib.djhuey import HUEY

from safecampus.accounts.models import User
from safecampus.core.jobs import run_job_task
from safecampus.core.models import Job
from safecampus.notifications.models import Notice

from .worker_app import KIND

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

REDIS_URL = os.environ.get("SAFECAMPUS_TEST_REDIS_URL", "redis://127.0.0.1:6379/2")
LEASE = 1.5  # worker_settings.JOB_LEASE_SECONDS
TIMEOUT = 30.0
GIVEN_UP = (
    "该任务已尝试 2 次，每次执行它的后台进程都中断了（例如服务器重启或内存不足），任务已终止。"
    "请重新发起；如仍失败，请联系系统管理员。"
)


class Shared:
    """The database and queue that the test shares with the worker processes it starts."""

    def __init__(self, tmp: Path, queue_kind: str):
        self.tmp = tmp
        self.queue_name = f"sc-test-{uuid.uuid4().hex[:12]}"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "safecampus.core.tests.worker_settings",
            "SAFECAMPUS_VAR": str(tmp),
            "SAFECAMPUS_TEST_QUEUE": self.queue_name,
            "PYTHONUNBUFFERED": "1",
        }
        self.env.pop("SAFECAMPUS_JOBS_IMMEDIATE", None)
        self.env.pop("REDIS_URL", None)
        if queue_kind == "redis":
            self.env["REDIS_URL"] = REDIS_URL
            self.queue = RedisHuey(self.queue_name, url=REDIS_URL)
        else:
            self.queue = SqliteHuey(self.queue_name, filename=str(tmp / "jobs.sqlite3"))
        self.sqlite = connection.vendor == "sqlite"
        if self.sqlite:
            self.env.pop("DATABASE_URL", None)
        else:
            db = connection.settings_dict
            self.env["DATABASE_URL"] = (
                f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}"
                f":{db['PORT'] or 5432}/{db['NAME']}"
            )
        self.workers: list[subprocess.Popen] = []

    def publish(self) -> None:
        """Make what the test wrote visible to the workers (SQLite: a copy in a file)."""
        if self.sqlite:
            target = sqlite3.connect(self.tmp / "safecampus.sqlite3")
            connection.ensure_connection()
            connection.connection.backup(target)
            target.close()

    def enqueue(self, job: Job) -> None:
        self.queue.storage.enqueue(HUEY.serialize_task(run_job_task.s(job.pk)))

    def job(self, pk: int) -> dict:
        fields = ("status", "attempts", "done", "total", "result")
        if not self.sqlite:
            return Job.objects.filter(pk=pk).values(*fields).get()
        with sqlite3.connect(self.tmp / "safecampus.sqlite3", timeout=20) as db:
            query = f"SELECT {', '.join(fields)} FROM core_job WHERE id = ?"
            row = db.execute(query, [pk]).fetchone()
        return dict(zip(fields[:4], row[:4], strict=True)) | {"result": json.loads(row[4])}

    def notices(self, user_id: int) -> list[tuple]:
        fields = ("kind", "text", "url")
        if not self.sqlite:
            return list(Notice.objects.filter(recipient_id=user_id).values_list(*fields))
        with sqlite3.connect(self.tmp / "safecampus.sqlite3", timeout=20) as db:
            return db.execute(
                "SELECT kind, text, url FROM notifications_notice WHERE recipient_id = ?",
                [user_id],
            ).fetchall()

    def start_worker(self) -> subprocess.Popen:
        log = open(self.tmp / f"worker-{len(self.workers) + 1}.log", "wb")  # noqa: SIM115
        worker = subprocess.Popen(
            [sys.executable, "manage.py", "run_huey", "--workers", "2"],
            cwd=settings.BASE_DIR,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        self.workers.append(worker)
        return worker

    def wait_for(self, pk: int, what: str, predicate) -> dict:
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            row = self.job(pk)
            if predicate(row):
                return row
            if self.workers and self.workers[-1].poll() is not None:
                break
            time.sleep(0.1)
        pytest.fail(f"job {pk} never {what}: {self.job(pk)}\n{self.logs()}")

    def logs(self) -> str:
        return "\n".join(
            f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}"
            for p in sorted(self.tmp.glob("worker-*.log"))
        )

    def wait_running(self, *pks: int, attempt: int) -> None:
        """Wait until the worker runs ``attempt`` of each job."""
        for pk in pks:
            self.wait_for(
                pk,
                f"ran attempt {attempt}",
                lambda r: r["status"] == "running" and r["attempts"] == attempt and r["done"] >= 1,
            )

    def kill_worker(self) -> None:
        """Kill the last worker with SIGKILL, and wait until the leases it held ran out."""
        worker = self.workers[-1]
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
        time.sleep(LEASE + 0.3)

    def close(self) -> None:
        for worker in self.workers:
            if worker.poll() is None:
                worker.terminate()
                try:
                    worker.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    worker.kill()
                    worker.wait()
        self.queue.storage.flush_all()


def _redis_answers() -> str | None:
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


@pytest.fixture(params=["sqlite-queue", "redis-queue"])
def shared(request, tmp_path):
    queue_kind = request.param.removesuffix("-queue")
    if queue_kind == "redis" and (why := _redis_answers()):
        pytest.skip(f"Redis does not answer on {REDIS_URL} ({why}): the Redis queue is untested")
    shared = Shared(tmp_path, queue_kind)
    yield shared
    shared.close()


def _slow_job(user: User, title: str, *, steps: int, step: float) -> Job:
    return Job.objects.create(
        kind=KIND, title=title, created_by=user, params={"steps": steps, "step": step}
    )


def test_a_killed_workers_jobs_are_retried_then_given_up(shared):
    """Two jobs run on a worker killed mid-run: the short one succeeds on its retry, the long
    one dies on every attempt and ends failed, with a message to the person who started it."""
    user = User.objects.create(username="owner")
    short = _slow_job(user, "短任务", steps=6, step=0.15)
    doomed = _slow_job(user, "慢任务", steps=600, step=0.1)
    shared.publish()
    shared.enqueue(short)
    shared.enqueue(doomed)

    shared.start_worker()
    shared.wait_running(short.pk, doomed.pk, attempt=1)
    shared.kill_worker()
    assert (shared.job(short.pk)["status"], shared.job(doomed.pk)["status"]) == (
        "running",
        "running",
    )  # what every job of a killed worker did before leases: running for ever

    shared.start_worker()  # finds both at start: queued again, run again
    row = shared.wait_for(short.pk, "finished", lambda r: r["status"] in ("succeeded", "failed"))
    assert row == {
        "status": "succeeded",
        "attempts": 2,
        "done": 6,
        "total": 6,
        "result": {"rows": 6},
    }
    shared.wait_running(doomed.pk, attempt=2)
    shared.kill_worker()

    shared.start_worker()  # the last attempt is used up: the job is given up
    row = shared.wait_for(doomed.pk, "failed", lambda r: r["status"] != "running")
    assert (row["status"], row["attempts"], row["result"]) == (
        "failed",
        2,
        {"message": GIVEN_UP},
    )
    told = "任务“慢任务”已终止：每次尝试时执行它的后台进程都中断了。"
    assert shared.notices(user.pk) == [("job_failed", told, f"/jobs/{doomed.pk}/")]
    assert shared.job(short.pk)["attempts"] == 2  # a finished job is left alone
