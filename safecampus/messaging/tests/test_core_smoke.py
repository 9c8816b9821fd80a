"""The outbox end to end against the local imitation: queue, sign, send, split, limit."""

import datetime

import pytest
from django.utils import timezone

from safecampus.core.testing import BureauFactory, DepartmentFactory, SchoolFactory
from safecampus.messaging.choices import Status, Topic, Transport
from safecampus.messaging.dispatch import Post, post
from safecampus.messaging.models import Channel, Message
from safecampus.messaging.outbox import drain

pytestmark = [pytest.mark.django_db, pytest.mark.dates]

# a Monday 10:00 in Shanghai: outside the default quiet hours
NOW = timezone.make_aware(datetime.datetime(2026, 12, 7, 10, 0))


@pytest.fixture
def world():
    bureau = BureauFactory()
    return {
        "bureau": bureau,
        "dept": DepartmentFactory(bureau=bureau),
        "school": SchoolFactory(bureau=bureau),
        "other": SchoolFactory(bureau=bureau),
    }


def _robot(robots, world, *, transport=Transport.DINGTALK, token="tok12345", secret="", **org):
    webhook = (
        robots.dingtalk_webhook(token)
        if transport == Transport.DINGTALK
        else robots.wecom_webhook(token)
    )
    if secret:
        robots.secrets[token] = secret
    return Channel.objects.create(
        bureau=world["bureau"],
        transport=transport,
        name="群",
        webhook=webhook,
        secret=secret,
        **org,
    )


def test_a_signed_dingtalk_robot_receives_the_schools_post_only(robots, world):
    mine = _robot(robots, world, token="mine1234", secret="SECabc", school=world["school"])
    _robot(robots, world, token="other123", school=world["other"])
    n = post(
        Post(
            topic=Topic.ALERT,
            key="t:1",
            bureau_id=world["bureau"].pk,
            title="重大隐患",
            body="- 消防通道堵塞",
            url="/hazards/1/",
            schools=(world["school"].pk,),
        ),
        now=NOW,
    )
    assert n == 1
    counts = drain(now=NOW)
    assert counts == {"ok": 1}
    assert [r.token for r in robots.received] == ["mine1234"]
    assert "消防通道堵塞" in robots.received[0].text
    message = Message.objects.get()
    assert (message.channel_id, message.status) == (mine.pk, Status.SENT)


def test_a_long_wecom_message_is_split_within_4096_bytes(robots, world):
    _robot(robots, world, transport=Transport.WECOM, token="wk123456", department=world["dept"])
    body = "\n".join(f"第{i}条：学校门口护学岗未按时到岗，需立即整改。" for i in range(400))
    post(
        Post(
            topic=Topic.DIGEST,
            key="d:1",
            bureau_id=world["bureau"].pk,
            title="每日汇总",
            body=body,
            departments=(world["dept"].pk,),
        ),
        now=NOW,
    )
    drain(now=NOW)
    parts = robots.received
    assert len(parts) > 1
    assert all(len(r.text.encode()) <= 4096 for r in parts)
    assert Message.objects.get().status == Status.SENT
    joined = "\n".join(r.text for r in parts)
    assert all(f"第{i}条" in joined for i in range(400))


def test_more_than_twenty_messages_in_a_minute_are_merged_not_dropped(robots, world):
    _robot(robots, world, token="busy1234", school=world["school"])
    for i in range(45):
        post(
            Post(
                topic=Topic.REMINDER,
                key=f"r:{i}",
                bureau_id=world["bureau"].pk,
                title=f"提醒{i}",
                body=f"事项{i}",
                schools=(world["school"].pk,),
            ),
            now=NOW,
        )
    drain(now=NOW)
    assert robots.max_per_minute() <= 20
    assert not robots.limited
    assert Message.objects.filter(status=Status.SENT).count() == 45


def test_the_centre_sets_up_a_robot_and_the_test_send_says_what_happened(robots, world):
    from safecampus.core.roles import Role
    from safecampus.core.testing import user_with_role
    from safecampus.messaging import services

    centre = user_with_role(Role.SAFETY_CENTRE, world["bureau"])
    robots.secrets["good1234"] = "SECright"
    channel = services.channel_create(
        actor=centre,
        bureau=world["bureau"],
        transport=Transport.DINGTALK,
        name="安全中心群",
        webhook=robots.dingtalk_webhook("good1234"),
        secret="SECwrong",
    )
    ok, said = services.channel_test_send(actor=centre, channel=channel, now=NOW)
    assert not ok and "加签" in said or "secret" in said
    services.channel_secret_replace(actor=centre, channel=channel, secret="SECright")
    ok, said = services.channel_test_send(actor=centre, channel=channel, now=NOW)
    assert ok, said
    assert len(robots.received) == 1
