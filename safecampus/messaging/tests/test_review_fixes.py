"""Fixes after review: the limit with a slow claim, a robot that does not answer, a test send,
a webhook that does not parse, a withdrawn case's sent copies."""

import pytest

from safecampus.core.roles import Role
from safecampus.core.testing import user_with_role
from safecampus.messaging import outbox, services
from safecampus.messaging.choices import Status, Topic, Transport
from safecampus.messaging.dispatch import Post, post, withdraw
from safecampus.messaging.models import Message

from .helpers import NOW, make_world, queue, robot, seconds

pytestmark = [pytest.mark.django_db, pytest.mark.dates]


def test_a_slow_claim_still_counts_so_a_second_worker_takes_nothing(robots):
    world = make_world()
    r = robot(robots, world, "tok12345")
    for i in range(40):
        queue(r, f"k{i}")
    first = outbox._claim_channel(r.pk, NOW, "A")
    assert len(first) == 20
    # A has sent nothing yet, 61 s later (its lease is 120 s): its 20 reserved requests count
    assert outbox._claim_channel(r.pk, NOW + seconds(61), "B") == []


def test_a_test_send_on_a_robot_that_does_not_answer_tries_once(robots, settings):
    world = make_world()
    r = robot(robots, world, "slow1234")
    for i in range(10):
        queue(r, f"w{i}", topic=Topic.ALERT)
    centre = user_with_role(Role.SAFETY_CENTRE, world["bureau"])
    settings.SAFECAMPUS_ROBOT_TIMEOUT = 0.3
    robots.delay = 1.0
    ok, said = services.channel_test_send(actor=centre, channel=r, now=NOW)
    assert not ok and said
    assert robots.arrivals == 1
    # the backlog was not touched by the test send
    assert Message.objects.filter(channel=r, topic=Topic.ALERT, attempts=0).count() == 10


def test_one_robot_that_does_not_answer_holds_up_only_itself(robots, settings):
    world = make_world()
    slow = robot(robots, world, "slow1234")
    fine = robot(robots, world, "fine1234")
    for i in range(5):
        queue(slow, f"s{i}")
        queue(fine, f"f{i}")
    settings.SAFECAMPUS_ROBOT_TIMEOUT = 0.3
    robots.delay_for = {"slow1234": 1.0}
    outbox.drain(now=NOW)
    # one request to the robot that does not answer; its other messages wait for the back-off
    assert sum(1 for t in robots.arrival_tokens if t == "slow1234") == 1
    waiting = Message.objects.filter(channel=slow, status=Status.PENDING)
    assert waiting.count() == 5
    assert all(m.next_attempt_at > NOW for m in waiting)
    assert Message.objects.filter(channel=fine, status=Status.SENT).count() == 5


@pytest.mark.parametrize(
    "webhook",
    ["https://[oapi.dingtalk.com/robot/send?access_token=abcdefgh", "http://[::1", "::::"],
)
def test_a_webhook_that_does_not_parse_is_refused_in_chinese(webhook):
    from django.core.exceptions import ValidationError

    world = make_world()
    centre = user_with_role(Role.SAFETY_CENTRE, world["bureau"])
    with pytest.raises(ValidationError) as caught:
        services.channel_create(
            actor=centre,
            bureau=world["bureau"],
            transport=Transport.DINGTALK,
            name="群",
            webhook=webhook,
        )
    assert caught.value.code == "webhook_invalid"


def test_a_withdrawn_cases_sent_copies_keep_no_detail(robots):
    world = make_world()
    robot(robots, world, "tok12345")
    post(
        Post(
            topic=Topic.ALERT,
            key="alert:incident:9:report",
            bureau_id=world["bureau"].pk,
            title="甲小学 学生受伤",
            body="- 类型：校园欺凌\n- 受伤 1 人",
            schools=(world["school"].pk,),
        ),
        now=NOW,
    )
    outbox.drain(now=NOW)
    assert Message.objects.get().status == Status.SENT
    withdraw("alert:incident:9", now=NOW)
    sent = Message.objects.get()
    assert sent.status == Status.SENT
    assert "欺凌" not in sent.body and "受伤" not in sent.title


def test_a_reminder_that_fails_before_the_quiet_hours_waits_for_the_morning(robots):
    import datetime

    world = make_world()
    r = robot(robots, world, "tok12345")
    late = NOW.replace(hour=21, minute=59, second=50)
    queue(r, "reminder", topic=Topic.REMINDER, now=late)
    queue(r, "alert", topic=Topic.ALERT, now=late)
    robots.fail_next = 2
    outbox.drain(now=late)
    reminder = Message.objects.get(key="reminder")
    alert = Message.objects.get(key="alert")
    assert reminder.status == alert.status == Status.PENDING
    # the default quiet hours (22:00–07:00): the reminder waits for 07:00, the alert does not
    assert reminder.next_attempt_at == (NOW + datetime.timedelta(days=1)).replace(hour=7, minute=0)
    assert alert.next_attempt_at == late + seconds(30)
