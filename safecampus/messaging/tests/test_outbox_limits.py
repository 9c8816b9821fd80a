"""The robots' limits: at most 20 requests a minute per robot (the rest wait for the next
minute), a long message sent part by part across minutes from the part it reached, a failed
part holding back the parts after it, merged messages counted once; and a drain's queries
pinned (they grow with the robots, not with the messages beyond the sends themselves)."""

import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from safecampus.messaging.choices import Action, Outcome, Status, Topic, Transport
from safecampus.messaging.models import Attempt, Message
from safecampus.messaging.outbox import drain

from .helpers import NOW, actions, make_world, queue, robot, seconds, status

pytestmark = [pytest.mark.django_db, pytest.mark.dates]


@pytest.fixture
def world():
    return make_world()


def _next_minute(robots, minutes: int = 1) -> None:
    robots.clock = lambda: time.time() + 61 * minutes


def test_twenty_requests_a_minute_the_rest_wait_for_the_next(robots, world):
    channel = robot(robots, world, "busy1234")
    messages = [queue(channel, f"t:{i}", title=f"测试{i}") for i in range(25)]
    assert drain(now=NOW) == {Outcome.OK: 20}
    assert drain(now=NOW + seconds(59)) == {}
    assert [status(m) for m in messages].count(Status.PENDING) == 5
    _next_minute(robots)
    assert drain(now=NOW + seconds(60)) == {Outcome.OK: 5}
    assert [status(m) for m in messages] == [Status.SENT] * 25
    assert robots.max_per_minute("busy1234") == 20
    assert not robots.limited


def _long_body(lines: int) -> str:
    return "\n".join(f"第{i}条：学校门口护学岗未按时到岗，需立即整改。" for i in range(lines))


def test_a_long_message_continues_next_minute_from_the_part_it_reached(robots, world):
    channel = robot(robots, world, "wk123456", transport=Transport.WECOM)
    message = queue(channel, "d:1", topic=Topic.DIGEST, body=_long_body(1700), url="/x/1/")
    total = message.parts_total
    assert total > 20
    assert drain(now=NOW) == {Outcome.OK: 20}
    message.refresh_from_db()
    assert (message.status, message.parts_sent) == (Status.PENDING, 20)
    assert actions(message) == [Action.CLAIM, Action.PART]
    _next_minute(robots)
    assert drain(now=NOW + seconds(60)) == {Outcome.OK: total - 20}
    message.refresh_from_db()
    assert (message.status, message.parts_sent) == (Status.SENT, total)
    heads = [r.text.split("\n", 1)[0] for r in robots.received]
    assert heads == [f"**安全提醒**（{i}/{total}）" for i in range(1, total + 1)]
    joined = "\n".join(r.text for r in robots.received)
    assert all(f"第{i}条" in joined for i in range(1700))
    assert all(len(r.text.encode()) <= 4096 for r in robots.received)


def test_a_failed_part_holds_back_the_parts_after_it(robots, world):
    channel = robot(robots, world, "wk123456", transport=Transport.WECOM)
    message = queue(channel, "d:1", topic=Topic.DIGEST, body=_long_body(150))
    assert message.parts_total == 3
    robots.fail_if = lambda payload: "（2/3）" in payload["markdown"]["content"]
    assert drain(now=NOW) == {Outcome.OK: 1, Outcome.ERROR: 1, "skipped": 1}
    message.refresh_from_db()
    assert (message.status, message.parts_sent) == (Status.PENDING, 1)
    assert message.next_attempt_at == NOW + seconds(30)
    skipped = Attempt.objects.get(message=message, part=3)
    assert (skipped.outcome, skipped.counted) == (Outcome.ERROR, False)
    robots.fail_if = None
    assert drain(now=NOW + seconds(30)) == {Outcome.OK: 2}
    message.refresh_from_db()
    assert (message.status, message.parts_sent) == (Status.SENT, 3)
    heads = [r.text.split("\n", 1)[0] for r in robots.received]
    assert heads == [f"**安全提醒**（{i}/3）" for i in (1, 2, 3)]  # each part once, in order


def test_merged_messages_count_once_and_arrive_once(robots, world):
    channel = robot(robots, world, "busy1234")
    messages = [
        queue(channel, f"r:{i}", topic=Topic.REMINDER, title=f"提醒{i:02d}", body=f"事项{i:02d}")
        for i in range(45)
    ]
    robots.fail_next = 1  # the first request fails: its messages are tried again
    drain(now=NOW)
    _next_minute(robots)
    drain(now=NOW + seconds(60))
    assert [status(m) for m in messages] == [Status.SENT] * 45
    requests = Attempt.objects.filter(channel=channel).exclude(outcome=Outcome.ERROR, counted=False)
    assert requests.filter(counted=True).count() == len(robots.received) + 1  # + the failure
    assert robots.max_per_minute() <= 20
    texts = [r.text for r in robots.received]
    for i in range(45):
        assert sum(f"事项{i:02d}" in t for t in texts) == 1
    assert not Message.objects.filter(status=Status.SENDING).exists()


def _world_of(robots, world, m: int, n: int) -> None:
    for r in range(m):
        channel = robot(robots, world, f"robot{r:03d}")
        for i in range(n):
            queue(channel, f"q:{r}:{i}", title=f"测试{i}")


def _queries(robots, world, m: int, n: int) -> int:
    _world_of(robots, world, m, n)
    with CaptureQueriesContext(connection) as ctx:
        counts = drain(now=NOW)
    assert counts == {Outcome.OK: m * n}
    return len(ctx.captured_queries)


@pytest.mark.parametrize(("m", "n"), [(2, 3), (4, 10)])
def test_a_drains_queries_grow_with_robots_and_sends_only(robots, world, m, n):
    # per robot: its claim; per request: marking it in flight, the answer; a few per round
    assert _queries(robots, world, m, n) <= 20 + 12 * m + 10 * m * n
