"""What the outbox does with each kind of answer: a refused signature or token fails the message
with the reason in Chinese, errors and timeouts are tried again with back-off until the last
attempt, rate limits hold the robot (the message waits), and one robot's trouble never holds
back another's messages."""

import time

import pytest

from safecampus.messaging.choices import Action, Outcome, Status, Transport
from safecampus.messaging.models import Attempt, Channel
from safecampus.messaging.outbox import drain

from .helpers import NOW, actions, make_world, queue, robot, seconds, status

pytestmark = [pytest.mark.django_db, pytest.mark.dates]


@pytest.fixture
def world():
    return make_world()


def test_a_wrong_secret_fails_the_message_with_the_reason_on_the_robot(robots, world):
    channel = robot(robots, world, "signed12", secret="SECright")
    Channel.objects.filter(pk=channel.pk).update(secret="SECwrong")
    message = queue(channel, "m:1")
    assert drain(now=NOW) == {Outcome.REFUSED: 1}
    message.refresh_from_db()
    channel.refresh_from_db()
    assert message.status == Status.FAILED
    assert "加签" in message.last_error and "密钥" in message.last_error
    assert channel.last_error == message.last_error
    assert channel.last_error_at == NOW
    assert actions(message) == [Action.CLAIM, Action.FAIL]
    attempt = Attempt.objects.get(message=message)
    assert (attempt.outcome, attempt.errcode) == (Outcome.REFUSED, 310000)
    assert not robots.received


def test_a_signed_robot_with_the_right_secret_receives_it(robots, world):
    channel = robot(robots, world, "signed12", secret="SECright")
    message = queue(channel, "m:1")
    assert drain(now=NOW) == {Outcome.OK: 1}
    assert status(message) == Status.SENT
    channel.refresh_from_db()
    assert channel.last_ok_at == NOW


def test_a_stale_timestamp_fails_the_message_saying_the_servers_clock_is_off(robots, world):
    channel = robot(robots, world, "signed12", secret="SECright")
    robots.clock = lambda: time.time() + 3700  # the server's clock is over an hour behind
    message = queue(channel, "m:1")
    drain(now=NOW)
    message.refresh_from_db()
    assert message.status == Status.FAILED
    assert "时间" in message.last_error


def test_a_robot_with_keywords_receives_a_message_without_them(robots, world):
    robots.keywords["kw123456"] = ["安全", "隐患"]
    channel = robot(robots, world, "kw123456", keywords="安全，隐患")
    message = queue(channel, "m:1", title="护学岗提醒", body="今日到岗情况")
    assert drain(now=NOW) == {Outcome.OK: 1}
    assert status(message) == Status.SENT
    (got,) = robots.received
    assert got.payload["markdown"]["title"] == "安全护学岗提醒"


def test_an_error_is_tried_again_later_with_growing_back_off(robots, world):
    channel = robot(robots, world, "flaky123")
    message = queue(channel, "m:1")
    robots.fail_next = 3
    at = NOW
    waits = []
    for _ in range(3):
        assert drain(now=at) == {Outcome.ERROR: 1}
        message.refresh_from_db()
        assert message.status == Status.PENDING
        assert "HTTP 500" in message.last_error and "稍后重试" in message.last_error
        waits.append((message.next_attempt_at - at).total_seconds())
        assert drain(now=message.next_attempt_at - seconds(1)) == {}  # not before its time
        at = message.next_attempt_at
    assert waits == [30, 60, 120]
    assert drain(now=at) == {Outcome.OK: 1}
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == (Status.SENT, 4, "")
    assert len(robots.received) == 1
    assert actions(message) == [Action.CLAIM, Action.RETRY] * 3 + [Action.CLAIM, Action.DELIVER]


def test_a_timeout_is_tried_again(robots, world, settings):
    settings.SAFECAMPUS_ROBOT_TIMEOUT = 0.2
    channel = robot(robots, world, "slow1234")
    message = queue(channel, "m:1")
    robots.delay = 0.5
    assert drain(now=NOW) == {Outcome.ERROR: 1}
    message.refresh_from_db()
    assert message.status == Status.PENDING
    assert "未及时答复" in message.last_error
    robots.delay = 0
    assert drain(now=NOW + seconds(30)) == {Outcome.OK: 1}
    assert status(message) == Status.SENT


def test_after_the_last_attempt_the_message_fails_with_the_reason(robots, world, settings):
    settings.SAFECAMPUS_OUTBOX_MAX_ATTEMPTS = 3
    channel = robot(robots, world, "down1234")
    message = queue(channel, "m:1")
    robots.fail_next = 100
    robots.fail_status = 502
    at = NOW
    for _ in range(3):
        drain(now=at)
        message.refresh_from_db()
        at = message.next_attempt_at
    assert message.status == Status.FAILED
    assert message.attempts == 3
    assert "HTTP 502" in message.last_error
    assert actions(message)[-1] == Action.FAIL
    assert drain(now=at + seconds(3600)) == {}


def test_one_robots_trouble_does_not_hold_back_anothers(robots, world):
    robots.known = {"good1234"}
    unknown = robot(robots, world, "gone1234")
    closed = robot(
        robots, world, "dead1234", webhook="http://127.0.0.1:9/robot/send?access_token=dead1234"
    )
    good = robot(robots, world, "good1234")
    wecom = robot(robots, world, "nokey123", transport=Transport.WECOM)
    a = queue(unknown, "a:1")
    b = queue(closed, "b:1")
    c = [queue(good, f"c:{i}") for i in range(3)]
    d = queue(wecom, "d:1")
    counts = drain(now=NOW)
    assert counts == {Outcome.REFUSED: 2, Outcome.ERROR: 1, Outcome.OK: 3}
    assert [status(m) for m in c] == [Status.SENT] * 3
    a.refresh_from_db()
    assert a.status == Status.FAILED and "钉钉找不到该机器人" in a.last_error
    d.refresh_from_db()
    assert d.status == Status.FAILED and "企业微信找不到该机器人" in d.last_error
    b.refresh_from_db()
    assert b.status == Status.PENDING and "无法连接钉钉" in b.last_error


def test_dingtalk_130101_blocks_the_robot_ten_minutes_and_the_messages_wait(robots, world):
    robots.per_minute = 2  # the service counts more strictly than the outbox
    channel = robot(robots, world, "busy1234")
    messages = [queue(channel, f"m:{i}") for i in range(5)]
    counts = drain(now=NOW)
    assert counts == {Outcome.OK: 2, Outcome.LIMITED: 1, "skipped": 2}
    assert len(robots.limited) == 1  # nothing more went to the blocked robot
    channel.refresh_from_db()
    assert channel.blocked_until == NOW + seconds(600)
    assert "发送过于频繁" in channel.last_error
    waiting = [m for m in messages if status(m) == Status.PENDING]
    assert len(waiting) == 3
    # the two not tried wait without an attempt counted; the refused one counts its attempt
    assert sorted((m.attempts, actions(m)[-1]) for m in waiting) == [
        (0, Action.RETRY),
        (0, Action.RETRY),
        (1, Action.RETRY),
    ]
    for m in waiting:
        assert m.next_attempt_at in (NOW, NOW + seconds(600))
    assert drain(now=NOW + seconds(599)) == {}
    robots.clock = lambda: time.time() + 601
    assert drain(now=NOW + seconds(600)) == {Outcome.OK: 2, Outcome.LIMITED: 1}
    robots.per_minute = 20
    robots.clock = lambda: time.time() + 1300
    drain(now=NOW + seconds(1300))
    assert [status(m) for m in messages] == [Status.SENT] * 5
    assert len(robots.received) == 5


def test_wecom_45009_holds_the_robot_a_minute(robots, world):
    robots.per_minute = 1
    channel = robot(robots, world, "wbusy123", transport=Transport.WECOM)
    messages = [queue(channel, f"m:{i}") for i in range(3)]
    drain(now=NOW)
    channel.refresh_from_db()
    assert channel.blocked_until == NOW + seconds(60)
    assert [status(m) for m in messages].count(Status.PENDING) == 2
    assert all(status(m) != Status.FAILED for m in messages)
    robots.per_minute = 20
    drain(now=NOW + seconds(60))
    assert [status(m) for m in messages] == [Status.SENT] * 3
