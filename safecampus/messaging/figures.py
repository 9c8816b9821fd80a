"""The messaging figures of a bureau, as the caller may see them: its robots working, failing and
paused, and its outgoing messages waiting, failed and of unknown outcome. The API's
``message-figures`` and the dashboard's 消息推送 card read them here, in a fixed number of
queries whatever the number of robots or messages.

Definitions
    live robot      not removed
    paused          live and not active
    failing         live, active, and either blocked by the service now (``blocked_until`` in
                    the future) or its last error came after its last delivery
    working         live, active and not failing
    waiting         messages ``pending`` (whatever their age: they are still to be sent)
    failed, uncertain  messages of that status created in the last 7 days (from the start of
                    the local day six days ago: ``since``)
"""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils import timezone

from .choices import Status
from .models import Channel, Message

#: days of failed and uncertain messages counted
DAYS = 7
#: failing robots named on the card
FAILING_SHOWN = 5


def failing_q(now: datetime.datetime) -> Q:
    """Active robots the service refuses or blocks now (their last word was an error)."""
    last_error_last = Q(last_error_at__isnull=False) & (
        Q(last_ok_at__isnull=True) | Q(last_error_at__gt=F("last_ok_at"))
    )
    return Q(active=True) & (last_error_last | Q(blocked_until__gt=now))


def is_failing(channel: Channel, now: datetime.datetime) -> bool:
    """``failing_q`` for one robot already read."""
    if not channel.active or channel.removed_at is not None:
        return False
    if channel.blocked_until is not None and channel.blocked_until > now:
        return True
    return channel.last_error_at is not None and (
        channel.last_ok_at is None or channel.last_error_at > channel.last_ok_at
    )


def since(now: datetime.datetime) -> datetime.date:
    """The first local day of the last ``DAYS`` days."""
    return timezone.localdate(now) - datetime.timedelta(days=DAYS - 1)


def day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def figures(user, *, now: datetime.datetime, bureau_id: int | None = None, bureaus=None) -> dict:
    """Three queries: the robots' counts, the failing robots shown, the messages' counts.

    ``bureaus``: only the robots and messages of these bureaus (the dashboard counts those of
    the bureaus the centre keeps, the same for every user of a scope)."""
    robots = Channel.objects.visible_to(user).filter(removed_at__isnull=True).order_by()
    messages = Message.objects.visible_to(user).order_by()
    if bureau_id is not None:
        robots = robots.filter(bureau_id=bureau_id)
        messages = messages.filter(bureau_id=bureau_id)
    if bureaus is not None:
        robots = robots.filter(bureau_id__in=list(bureaus))
        messages = messages.filter(bureau_id__in=list(bureaus))
    failing = failing_q(now)
    r = robots.aggregate(
        total=Count("pk"),
        paused=Count("pk", filter=Q(active=False)),
        failing=Count("pk", filter=failing),
    )
    shown = list(
        robots.filter(failing)
        .order_by(F("last_error_at").desc(nulls_last=True), "pk")
        .values("pk", "name", "transport", "last_error", "last_error_at", "blocked_until")[
            :FAILING_SHOWN
        ]
    )
    first = since(now)
    recent = Q(created_at__gte=day_start(first))
    m = messages.filter(
        Q(status=Status.PENDING) | Q(recent, status__in=[Status.FAILED, Status.UNCERTAIN])
    ).aggregate(
        waiting=Count("pk", filter=Q(status=Status.PENDING)),
        failed=Count("pk", filter=Q(status=Status.FAILED)),
        uncertain=Count("pk", filter=Q(status=Status.UNCERTAIN)),
    )
    return {
        "robots": {
            "working": r["total"] - r["paused"] - r["failing"],
            "failing": r["failing"],
            "paused": r["paused"],
        },
        "failing_robots": [
            {
                "id": row["pk"],
                "name": row["name"],
                "transport": row["transport"],
                "last_error": row["last_error"],
                "last_error_at": row["last_error_at"],
                "blocked_until": row["blocked_until"],
            }
            for row in shown
        ],
        "messages": {
            "waiting": m["waiting"],
            "failed": m["failed"],
            "uncertain": m["uncertain"],
        },
        "since": first,
    }


def _url(name: str, **params) -> str:
    query = {k: str(v) for k, v in params.items() if v not in (None, "")}
    return reverse(name) + ("?" + urlencode(query) if query else "")


def linked(f: dict, *, bureau_id: int | None = None) -> dict:
    """``figures`` with each number the URL of the page listing exactly what it counts."""
    robots = "messaging:channel_list"
    outbox = "messaging:message_list"
    b = {"bureau": bureau_id}
    first = f["since"].isoformat()
    return {
        **f,
        "robots": {
            "working": {
                "n": f["robots"]["working"],
                "url": _url(robots, **b, active="true", failing="false"),
            },
            "failing": {"n": f["robots"]["failing"], "url": _url(robots, **b, failing="true")},
            "paused": {"n": f["robots"]["paused"], "url": _url(robots, **b, active="false")},
        },
        "messages": {
            "waiting": {
                "n": f["messages"]["waiting"],
                "url": _url(outbox, **b, status=Status.PENDING.value),
            },
            "failed": {
                "n": f["messages"]["failed"],
                "url": _url(outbox, **b, status=Status.FAILED.value, created_from=first),
            },
            "uncertain": {
                "n": f["messages"]["uncertain"],
                "url": _url(outbox, **b, status=Status.UNCERTAIN.value, created_from=first),
            },
        },
    }
