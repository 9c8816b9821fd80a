"""The compliance summary (``DutyTally``): each bureau's occurrences counted per duty code,
month and school stage, refreshed by a job, so that a scope of many bureaus (a city, a province:
millions of occurrences a year) reads a few thousand rows instead of counting them all.

The counts are those of ``selectors.tallies`` on the day of the refresh (``today``): an
occurrence counts once its window has opened; "missed" is marked missed, or still due after its
grace. The pages say "as of" the refresh. A refresh of one bureau replaces its rows in one
transaction; running it twice, or after a worker died, leaves the same rows.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models.functions import TruncMonth
from django.utils import timezone

from safecampus.core.db import retry_locked

from . import selectors
from .models import DutyTally, Occurrence


def refresh(bureau_id: int, *, today: datetime.date, now=None) -> int:
    """Count ``bureau_id``'s occurrences as of ``today`` into its summary rows."""
    now = now or timezone.now()
    rows = (
        Occurrence.objects.filter(bureau_id=bureau_id, window_start__lte=today)
        .order_by()
        .annotate(month=TruncMonth("window_end"))
        .values("code", "month", "school__stage")
        .annotate(**selectors.tally_aggregates(today))
    )
    tallies = [
        DutyTally(
            bureau_id=bureau_id,
            code=r["code"],
            month=r["month"],
            stage=r["school__stage"] or "",
            done=r["done"],
            late=r["late"],
            missed=r["missed"],
            open=r["open"],
            excused=r["excused"],
            as_of=now,
            today=today,
        )
        for r in rows
    ]

    def write():
        with transaction.atomic():
            DutyTally.objects.filter(bureau_id=bureau_id).delete()
            DutyTally.objects.bulk_create(tallies, batch_size=2000)

    retry_locked(write)
    return len(tallies)


def refresh_all(*, today: datetime.date, now=None) -> int:
    """Refresh every bureau that has occurrences (the periodic job); returns the rows written."""
    from safecampus.orgs.models import Bureau

    now = now or timezone.now()
    total = 0
    for bureau_id in Bureau.objects.order_by("pk").values_list("pk", flat=True):
        if Occurrence.objects.filter(bureau_id=bureau_id).exists():
            total += refresh(bureau_id, today=today, now=now)
        else:
            DutyTally.objects.filter(bureau_id=bureau_id).delete()
    return total
