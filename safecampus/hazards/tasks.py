"""The register's daily job (run by the Huey worker; crontab in Asia/Shanghai): the overdue
alerts of major hazards and the escalation ladder of overdue hazards."""

from __future__ import annotations

import datetime

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from safecampus.core.db import in_write_transaction

from .escalation import escalate_overdue
from .messages import overdue_major_alerts


def daily_messages(*, today: datetime.date, now: datetime.datetime) -> dict:
    """Alert the major hazards that fell overdue and escalate the overdue ones, in one
    transaction (a failed run queues nothing and the next one does it all)."""

    def work() -> dict:
        alerts = overdue_major_alerts(today=today, now=now)
        steps = escalate_overdue(today=today, now=now)
        return {"alerts": alerts, "escalations": steps}

    return in_write_transaction(work)


@db_periodic_task(crontab(hour="8", minute="0"))
def hazards_daily() -> dict:
    now = timezone.now()
    return daily_messages(today=timezone.localdate(now), now=now)


__all__ = ["daily_messages", "hazards_daily"]
