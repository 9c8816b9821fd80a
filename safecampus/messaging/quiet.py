"""Quiet hours: when a message that can wait is held until the morning (Asia/Shanghai)."""

from __future__ import annotations

import datetime

from django.utils import timezone

from .choices import URGENT_TOPICS


def quiet_until(
    now: datetime.datetime,
    start: datetime.time | None,
    end: datetime.time | None,
    topic: str = "",
) -> datetime.datetime:
    """When a message of ``topic`` made at ``now`` may go out: ``now``, or the end of the quiet
    hours ``start``–``end`` (which may run past midnight) when ``now`` falls inside them. Alerts
    and test messages go out at once."""
    if topic in URGENT_TOPICS or start is None or end is None or start == end:
        return now
    local = timezone.localtime(now)
    t = local.time()
    if start < end:
        inside = start <= t < end
        end_day = local.date()
    else:  # e.g. 22:00–07:00
        inside = t >= start or t < end
        end_day = local.date() + datetime.timedelta(days=1) if t >= start else local.date()
    if not inside:
        return now
    return timezone.make_aware(datetime.datetime.combine(end_day, end), local.tzinfo)
