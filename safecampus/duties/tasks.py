"""The daily jobs of recurring duties (run by the Huey worker): generate what is owed, then
mark missed what was not recorded in time.

Both run shortly after midnight in Asia/Shanghai. Huey evaluates a crontab in UTC unless its
``utc`` setting is off; Shanghai keeps no summer time, so 00:10 there is 16:10 UTC. Both jobs
are idempotent: run twice, or after a worker died, they create or mark only what is missing
(generation looks back ``CATCH_UP_DAYS``, so a few days' outage is made good the next night).
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from . import services

#: how far back the daily generation looks for periods it has not made yet
CATCH_UP_DAYS = 62

_HOUR = "16" if settings.HUEY.get("utc", True) else "0"


def run_daily(*, today: datetime.date) -> dict:
    """Generate every bureau's occurrences up to the horizon, then sweep the missed ones."""
    created = services.generate_all(
        today=today, since=today - datetime.timedelta(days=CATCH_UP_DAYS)
    )
    missed = services.sweep_missed(today=today)
    return {"today": today.isoformat(), "created": created, "missed": missed}


@db_periodic_task(crontab(hour=_HOUR, minute="10"))
def duties_generate_daily() -> dict:
    today = timezone.localdate()
    return {
        "today": today.isoformat(),
        "created": services.generate_all(
            today=today, since=today - datetime.timedelta(days=CATCH_UP_DAYS)
        ),
    }


@db_periodic_task(crontab(hour=_HOUR, minute="40"))
def duties_sweep_missed() -> dict:
    today = timezone.localdate()
    return {"today": today.isoformat(), "missed": services.sweep_missed(today=today)}


@db_periodic_task(crontab(minute="*/30"))
def duties_refresh_tallies() -> dict:
    """The compliance summary of every bureau (``duties.summary``), every half hour."""
    from . import summary

    today = timezone.localdate()
    return {"today": today.isoformat(), "rows": summary.refresh_all(today=today)}
