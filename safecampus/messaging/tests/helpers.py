"""Shared pieces of the outbox tests: a fixed instant, a bureau with a school, robots on the
local imitation and messages queued directly."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from safecampus.core.testing import BureauFactory, SchoolFactory
from safecampus.messaging.choices import Status, Topic, Transport
from safecampus.messaging.models import Channel, Message, MessageEvent
from safecampus.messaging.outbox import enqueue

SHANGHAI = ZoneInfo("Asia/Shanghai")
#: a Monday 10:00 in Shanghai: outside the default quiet hours
NOW = datetime.datetime(2026, 12, 7, 10, 0, tzinfo=SHANGHAI)


def seconds(n: float) -> datetime.timedelta:
    return datetime.timedelta(seconds=n)


def make_world() -> dict:
    bureau = BureauFactory()
    return {"bureau": bureau, "school": SchoolFactory(bureau=bureau)}


def robot(
    robots,
    world,
    token: str,
    *,
    transport=Transport.DINGTALK,
    secret: str = "",
    keywords: str = "",
    webhook: str = "",
) -> Channel:
    if not webhook:
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
        name=f"群{token}",
        webhook=webhook,
        secret=secret,
        keywords=keywords,
        school=world["school"],
    )


def queue(
    channel: Channel | None,
    key: str,
    *,
    title: str = "安全提醒",
    body: str = "请及时处理",
    topic: str = Topic.TEST,
    url: str = "",
    now: datetime.datetime = NOW,
    address: str = "",
    bureau=None,
) -> Message:
    message = Message(
        bureau=bureau or channel.bureau,
        channel=channel,
        transport=channel.transport if channel else Transport.EMAIL,
        address=address,
        topic=topic,
        key=key,
        title=title,
        body=body,
        url=url,
        created_at=now,
        not_before=now,
        next_attempt_at=now,
    )
    enqueue([message])
    return Message.objects.get(key=key)


def status(message: Message) -> str:
    message.refresh_from_db()
    return message.status


def actions(message: Message) -> list[str]:
    return list(
        MessageEvent.objects.filter(message=message).order_by("id").values_list("action", flat=True)
    )


__all__ = ["NOW", "Status", "actions", "make_world", "queue", "robot", "seconds", "status"]
