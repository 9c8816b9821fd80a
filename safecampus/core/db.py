"""Database helpers for the embedded SQLite default: planner statistics, and write
transactions that wait their turn instead of failing when many schools submit at once."""

import logging
import sqlite3
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


def is_locked_error(exc: BaseException | None) -> bool:
    """Whether ``exc`` is SQLite's "database is locked" (or a Django error raised while handling
    it, such as the session store's ``UpdateError``): a write that waited ``busy_timeout`` for
    the single write lock and did not get it. Nothing of that statement was written."""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, OperationalError | sqlite3.OperationalError) and "locked" in str(exc):
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


def retry_locked(fn: Callable[[], T], *, retries: int = LOCKED_RETRIES) -> T:
    """Run ``fn`` (statements in autocommit, or a function that opens its own transaction) and
    run it again when SQLite stayed locked. Inside an outer transaction nothing is retried: the
    outer block owns the lock and its caller retries the whole of it."""
    attempt = 0
    while True:
        try:
            return fn()
        except Exception as exc:
            if (
                not is_locked_error(exc)
                or connection.vendor != "sqlite"
                or connection.in_atomic_block
                or attempt >= retries
            ):
                raise
            attempt += 1
            log.warning("database locked; write retried (attempt %s of %s)", attempt, retries)
            time.sleep(0.05 * attempt)


def in_write_transaction(fn: Callable[[], T], *, retries: int = LOCKED_RETRIES) -> T:
    """Run ``fn`` in one transaction; on SQLite, start it again if the database stayed locked.

    SQLite has a single writer. With ``transaction_mode = IMMEDIATE`` a transaction takes the
    lock at ``BEGIN`` and waits up to ``busy_timeout`` for it; under a burst (200 schools
    submitting in the same minute, many threads in one process sharing the GIL) the queue can
    outlast that wait. The failed attempt has rolled back whole, so running it again is safe,
    and better for the school than an error page. Inside an outer transaction there is nothing
    to retry (the outer block holds the lock), and PostgreSQL never raises "locked" here."""

    def once() -> T:
        with transaction.atomic():
            return fn()

    return retry_locked(once, retries=retries)
