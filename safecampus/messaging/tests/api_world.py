"""What the API tests share: the people, robots and messages of a bureau."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.utils import timezone

from safecampus.core.roles import Role
from safecampus.core.testing import user_with_role
from safecampus.messaging.choices import Status, Topic, Transport
from safecampus.messaging.models import Channel, Message

# a Monday 10:00 in Shanghai: outside the default quiet hours
NOW = timezone.make_aware(datetime.datetime(2026, 12, 7, 10, 0))
CJK = re.compile(r"[\u4e00-\u9fff]")

TOKEN = "centreTok1234"
SECRET = "SECcentreSecret99"


@dataclass
class ApiWorld:
    world: object
    centre: object
    dept: object
    school: object
    auditor: object
    other_centre: object
    centre_robot: Channel
    dept_robot: Channel
    school_robot: Channel
    other_robot: Channel


def chinese(text: str) -> bool:
    return bool(CJK.search(text or ""))


def webhook(token: str, transport=Transport.DINGTALK) -> str:
    """A webhook of the service the settings name (the closed port, or the imitation)."""
    if transport == Transport.DINGTALK:
        return f"{settings.SAFECAMPUS_DINGTALK_API}/robot/send?access_token={token}"
    return f"{settings.SAFECAMPUS_WECOM_API}/cgi-bin/webhook/send?key={token}"


def robot(world_bureau, *, token, secret="", transport=Transport.DINGTALK, **org):
    return Channel.objects.create(
        bureau=world_bureau,
        transport=transport,
        name=f"群{token[:4]}",
        webhook=webhook(token, transport),
        secret=secret,
        **org,
    )


def message(channel=None, *, status=Status.PENDING, created_at=NOW, key=None, **kw) -> Message:
    bureau_id = channel.bureau_id if channel else kw.pop("bureau_id")
    return Message.objects.create(
        bureau_id=bureau_id,
        channel=channel,
        transport=channel.transport if channel else Transport.EMAIL,
        topic=kw.pop("topic", Topic.REMINDER),
        key=key or f"k:{Message.objects.count() + 1}:{status}:{created_at.isoformat()}",
        title=kw.pop("title", "提醒"),
        body=kw.pop("body", "- 事项"),
        status=status,
        created_at=created_at,
        not_before=created_at,
        next_attempt_at=created_at,
        **kw,
    )


@pytest.fixture
def aw(world):
    users = world.users
    return ApiWorld(
        world=world,
        centre=users[Role.SAFETY_CENTRE],
        dept=users[Role.DEPARTMENT_OFFICER],
        school=users[Role.SCHOOL_OFFICER],
        auditor=users[Role.AUDITOR],
        other_centre=user_with_role(Role.SAFETY_CENTRE, world.other_bureau, username="centre2"),
        centre_robot=robot(world.bureau, token=TOKEN, secret=SECRET),
        dept_robot=robot(
            world.bureau,
            token="deptTok12345",
            transport=Transport.WECOM,
            department=world.department,
        ),
        school_robot=robot(world.bureau, token="schoolTok123", school=world.school_a),
        other_robot=robot(world.other_bureau, token="otherTok1234"),
    )


def api(client, user):
    client.force_login(user)
    return client
