"""A drain's round takes each robot once: one robot with a long queue never hides the others."""

import datetime

import pytest
from django.utils import timezone

from safecampus.core.testing import BureauFactory, SchoolFactory
from safecampus.messaging.choices import Status, Topic, Transport
from safecampus.messaging.models import Channel, Message
from safecampus.messaging.outbox import drain, enqueue

pytestmark = [pytest.mark.django_db, pytest.mark.dates]

NOW = timezone.make_aware(datetime.datetime(2026, 12, 7, 10, 0))


def _robot(robots, bureau, school, token):
    return Channel.objects.create(
        bureau=bureau,
        school=school,
        transport=Transport.WECOM,
        name=token,
        webhook=robots.wecom_webhook(token),
    )


def _queue(channel, n, at, prefix):
    enqueue(
        Message(
            bureau_id=channel.bureau_id,
            channel=channel,
            transport=channel.transport,
            topic=Topic.REMINDER,
            key=f"{prefix}:{i}",
            title=f"提醒{i}",
            body="\n".join(f"第{j}行：请及时处理本校安全事项。" for j in range(60)),
            created_at=at,
            not_before=at,
            next_attempt_at=at,
        )
        for i in range(n)
    )


def test_a_robot_with_a_long_queue_does_not_hide_the_others(robots):
    bureau = BureauFactory()
    busy = _robot(robots, bureau, SchoolFactory(bureau=bureau), "busy1234")
    quiet = _robot(robots, bureau, SchoolFactory(bureau=bureau), "quiet123")
    _queue(quiet, 1, NOW - datetime.timedelta(minutes=5), "q")
    # newer than the quiet robot's message, and more than one round's worth of robots
    _queue(busy, 520, NOW, "b")
    drain(now=NOW)
    assert Message.objects.get(channel=quiet).status == Status.SENT
    assert len(robots.for_token("quiet123")) == 1
    assert robots.max_per_minute("busy1234") <= 20
    assert not robots.limited
