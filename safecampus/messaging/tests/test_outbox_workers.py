"""Several senders at once, and senders that die: real ``manage.py outbox_drain`` processes on a
database they share with the test (a copy of the test database in a file on SQLite, the test
database itself on PostgreSQL), against the local imitation of the robots.

- two senders draining the same robots at the same moment never exceed 20 requests a minute
  for one robot, and never send one message twice;
- a sender killed while a request is in flight leaves that message ``uncertain`` (not sent
  again by itself), and its messages whose requests had not started are sent once by the next;
- a slow sender whose messages were reaped sends nothing more for them, and its late answers
  move nothing.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from safecampus.messaging import outbox
from safecampus.messaging.choices import Action, Outcome, Status, Transport
from safecampus.messaging.models import Attempt, Message
from safecampus.messaging.outbox import drain, reap
from safecampus.messaging.transports import Answer

from .helpers import NOW, actions, make_world, queue, robot, seconds, status

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.dates]

TIMEOUT = 60.0


class Shared:
    """The database the test shares with the sender processes it starts."""

    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.sqlite = connection.vendor == "sqlite"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.test_settings",
            "SAFECAMPUS_VAR": str(tmp),
            "PYTHONUNBUFFERED": "1",
        }
        if self.sqlite:
            self.env.pop("DATABASE_URL", None)
        else:
            db = connection.settings_dict
            self.env["DATABASE_URL"] = (
                f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}"
                f":{db['PORT'] or 5432}/{db['NAME']}"
            )
        self.procs: list[subprocess.Popen] = []

    @property
    def file(self) -> Path:
        return self.tmp / "safecampus.sqlite3"

    def publish(self) -> None:
        """What the test wrote, visible to the senders (SQLite: copied to a file)."""
        if self.sqlite:
            target = sqlite3.connect(self.file)
            connection.ensure_connection()
            connection.connection.backup(target)
            target.close()

    def take_back(self) -> None:
        """What the senders wrote, visible to the test (SQLite: the file copied back)."""
        if self.sqlite:
            source = sqlite3.connect(self.file, timeout=20)
            connection.ensure_connection()
            source.backup(connection.connection)
            source.close()

    def start(self, *, now) -> subprocess.Popen:
        log = open(self.tmp / f"sender-{len(self.procs) + 1}.log", "wb")  # noqa: SIM115
        proc = subprocess.Popen(
            [sys.executable, "manage.py", "outbox_drain", "--once", "--now", now.isoformat()],
            cwd=settings.BASE_DIR,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        self.procs.append(proc)
        return proc

    def wait(self, proc: subprocess.Popen) -> None:
        try:
            code = proc.wait(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            pytest.fail(f"a sender did not finish\n{self.logs()}")
        assert code == 0, self.logs()

    def logs(self) -> str:
        return "\n".join(
            f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}"
            for p in sorted(self.tmp.glob("sender-*.log"))
        )

    def close(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


@pytest.fixture
def shared(tmp_path):
    shared = Shared(tmp_path)
    yield shared
    shared.close()


@pytest.fixture
def world():
    return make_world()


def _key_counts(robots, keys) -> dict[str, int]:
    texts = [r.text for r in robots.received]
    return {k: sum(f"【{k}】" in t for t in texts) for k in keys}


def test_two_senders_at_once_keep_each_robot_within_twenty_a_minute(robots, world, shared):
    tokens = ["dtalk001", "dtalk002", "wecom001"]
    keys = []
    for token in tokens:
        transport = Transport.WECOM if token.startswith("wecom") else Transport.DINGTALK
        channel = robot(robots, world, token, transport=transport)
        for i in range(26):
            key = f"{token}:{i}"
            queue(channel, key, title=f"测试{i}", body=f"编号【{key}】")
            keys.append(key)
    # both senders' first requests wait for each other (or 3 s), so their claims overlap
    robots.hold = threading.Event()
    shared.publish()
    first, second = shared.start(now=NOW), shared.start(now=NOW)
    deadline = time.monotonic() + 3
    while robots.arrivals < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    robots.hold.set()
    shared.wait(first)
    shared.wait(second)
    robots.hold = None
    shared.take_back()

    assert not robots.limited
    for token in tokens:
        assert len(robots.for_token(token)) == 20
        assert robots.max_per_minute(token) == 20
        assert Attempt.objects.filter(channel__webhook__contains=token, counted=True).count() == 20
    assert set(_key_counts(robots, keys).values()) == {0, 1}
    assert Message.objects.filter(status=Status.SENT).count() == 60
    assert Message.objects.filter(status=Status.PENDING).count() == 18

    robots.clock = lambda: time.time() + 61  # the next minute
    assert drain(now=NOW + seconds(60)) == {Outcome.OK: 18}
    assert set(_key_counts(robots, keys).values()) == {1}
    assert Message.objects.filter(status=Status.SENT).count() == 78
    assert max(robots.max_per_minute(t) for t in tokens) == 20


def test_a_sender_killed_mid_request_leaves_that_message_uncertain(robots, world, shared):
    channel = robot(robots, world, "kill1234")
    held = queue(channel, "k:1", body="编号【k:1】")
    waiting = queue(channel, "k:2", body="编号【k:2】")
    robots.hold = threading.Event()
    shared.publish()
    sender = shared.start(now=NOW)
    assert robots.arrived.wait(TIMEOUT), shared.logs()
    sender.send_signal(signal.SIGKILL)
    sender.wait(timeout=10)
    robots.hold.set()  # the service answers (to nobody): the message did arrive
    robots.hold = None
    shared.take_back()
    assert (status(held), status(waiting)) == (Status.SENDING, Status.SENDING)

    # before its lease runs out nothing is taken from it
    assert reap(now=NOW + seconds(60)) == {"released": 0, "uncertain": 0}
    assert drain(now=NOW + seconds(60)) == {}
    # after: the message in flight is uncertain, the one not started is released and sent
    later = NOW + seconds(settings.SAFECAMPUS_OUTBOX_LEASE_SECONDS + 1)
    assert reap(now=later) == {"released": 1, "uncertain": 1}
    held.refresh_from_db()
    assert held.status == Status.UNCERTAIN
    assert "结果未知" in held.last_error
    assert actions(held) == [Action.CLAIM, Action.LOSE]
    assert drain(now=later) == {Outcome.OK: 1}
    assert status(waiting) == Status.SENT
    assert actions(waiting) == [Action.CLAIM, Action.RELEASE, Action.CLAIM, Action.DELIVER]
    assert drain(now=later + seconds(3600)) == {}
    assert status(held) == Status.UNCERTAIN
    assert _key_counts(robots, ["k:1", "k:2"]) == {"k:1": 1, "k:2": 1}
    stopped = Attempt.objects.get(message=waiting, worker__contains=":", outcome=Outcome.ERROR)
    assert "中断" in stopped.detail


def _claim(channel, worker: str):
    (send,) = outbox._claim_channel(channel.pk, NOW, worker)
    return send


def test_a_late_answer_after_the_reaper_moves_nothing(robots, world):
    channel = robot(robots, world, "slow1234")
    message = queue(channel, "s:1")
    send = _claim(channel, "slow")
    assert outbox._start(send, worker="slow", now=NOW)
    later = NOW + seconds(settings.SAFECAMPUS_OUTBOX_LEASE_SECONDS + 1)
    assert reap(now=later) == {"released": 0, "uncertain": 1}
    before = actions(message)
    outbox.in_write_transaction(
        lambda: outbox._record(send, Answer(Outcome.OK, 200, 0), worker="slow", now=later)
    )
    assert status(message) == Status.UNCERTAIN
    assert actions(message) == before
    message.refresh_from_db()
    assert message.sent_at is None


def test_a_slow_sender_whose_message_was_released_does_not_send_it(robots, world):
    channel = robot(robots, world, "slow1234")
    message = queue(channel, "s:1", body="编号【s:1】")
    send = _claim(channel, "slow")
    later = NOW + seconds(settings.SAFECAMPUS_OUTBOX_LEASE_SECONDS + 1)
    # the minutely drain reaps first: released, then sent by the drain that reaped it
    assert drain(now=later, worker="fast") == {Outcome.OK: 1}
    assert status(message) == Status.SENT
    # the slow sender wakes up: its message is no longer its own, nothing goes out
    assert outbox._deliver(send, worker="slow", clock=lambda: later) == "skipped"
    assert _key_counts(robots, ["s:1"]) == {"s:1": 1}
    assert status(message) == Status.SENT


def test_a_starting_worker_reaps_at_once(robots, world, clock):
    from safecampus.messaging import tasks

    channel = robot(robots, world, "boot1234")
    message = queue(channel, "b:1")
    _claim(channel, "dead")
    clock.move_to(NOW + seconds(settings.SAFECAMPUS_OUTBOX_LEASE_SECONDS + 1))
    tasks._reaped_at_startup = threading.Lock()
    tasks.outbox_reap_at_startup()
    assert status(message) == Status.PENDING
    assert actions(message)[-1] == Action.RELEASE
