"""Database helpers for the embedded SQLite default: planner statistics, and write
transactions that wait their turn instead of failing when many schools submit at once."""

import logging
import time
from collections.abc import Callable
from typing import TypeVar

from django.db import OperationalError, connection, transaction

log = logging.getLogger(__name__)
T = TypeVar("T")

#: Extra turns a write gets when SQLite's ``busy_timeout`` ran out while it queued for the lock.
LOCKED_RETRIES = 3


def db_optimize(*, full: bool = False) -> None:
    """Refresh the planner's statistics.

    SQLite keeps no statistics unless asked: without them it cannot tell that an index on
    ``(name, id)`` serves the school list. ``full`` runs ``ANALYZE`` (after bulk loads); otherwise
    ``PRAGMA optimize`` analyses only what changed. PostgreSQL's autovacuum does this itself.
    """
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE" if full else "PRAGMA optimize")


def in_write_transaction(fn: Callable[[], T], *, retries: int = LOCKED_RETRIES) -> T:
    """Run ``fn`` in one transaction; on SQLite, start it again if the database stayed locked.

    SQLite has a single writer. With ``transaction_mode = IMMEDIATE`` a transaction takes the
    lock at ``BEGIN`` and waits up to ``busy_timeout`` for it; under a burst (200 schools
    submitting in the same minute, many threads in one process sharing the GIL) the queue can
    outlast that wait. The failed attempt has rolled back whole, so running it again is safe,
    and better for the school than an error page. Inside an outer transaction there is nothing
    to retry (the outer block holds the lock), and PostgreSQL never raises "locked" here."""
    attempt = 0
    while True:
        try:
            with transaction.atomic():
                return fn()
        except OperationalError as exc:
            locked = connection.vendor == "sqlite" and "locked" in str(exc)
            if not locked or connection.in_atomic_block or attempt >= retries:
                raise
            attempt += 1
            log.warning("database locked; write retried (attempt %s of %s)", attempt, retries)
            time.sleep(0.05 * attempt)
