"""The nightly evaluation of security standards (run by the Huey worker).

Some facts age with the date alone (days since the alarm was tested, since the guards were
trained), so every bureau with a policy is evaluated again shortly after midnight in
Asia/Shanghai. Huey evaluates a crontab in UTC unless its ``utc`` setting is off; Shanghai keeps
no summer time, so 00:50 there is 16:50 UTC. Idempotent: a school whose outcomes did not change
gets only its card's time written, and a run after a worker died finishes the rest.
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from . import services
from .models import StandardsPolicy

logger = logging.getLogger(__name__)

_HOUR = "16" if settings.HUEY.get("utc", True) else "0"


def evaluate_all(*, now: datetime.datetime | None = None) -> dict:
    """Evaluate every bureau with a policy; a bureau whose rule sets cannot be resolved is
    logged and skipped, the others still run."""
    now = now or timezone.now()
    out: dict = {"at": now.isoformat(), "bureaus": {}, "failed": []}
    bureau_ids = StandardsPolicy.objects.order_by("bureau_id").values_list("bureau_id", flat=True)
    for bureau_id in list(bureau_ids):
        try:
            out["bureaus"][bureau_id] = services.evaluate_bureau(bureau_id, now=now)
        except ValueError:
            logger.exception("standards: bureau %s not evaluated", bureau_id)
            out["failed"].append(bureau_id)
    return out


@db_periodic_task(crontab(hour=_HOUR, minute="50"))
def standards_evaluate_nightly() -> dict:
    return evaluate_all()
