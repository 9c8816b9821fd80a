"""Django's SQLite backend, with the single write lock waited for again instead of failing.

SQLite has one writer. Each statement that needs the lock waits ``busy_timeout`` for it; under a
rush (a login storm, 36 phones sending photos) the queue can outlast that wait, and Django
turns "database is locked" into a 500. A statement that failed that way *outside* a
transaction did nothing: it was a ``BEGIN IMMEDIATE`` (every ``transaction.atomic`` starts with
one) or a write in autocommit, and the database is exactly as before. Such a statement is run
again here, a few times, wherever it comes from: a service, a session save, an audit write, a
view. A statement that fails inside an open transaction is not retried here: the transaction's
earlier statements would be lost; ``core.db.in_write_transaction`` retries a whole transaction.
"""

from __future__ import annotations

import logging
import time

from django.db.backends.sqlite3 import base

log = logging.getLogger("safecampus.core.db")

#: extra turns a statement gets after ``busy_timeout`` ran out (each waits ``busy_timeout`` again)
LOCKED_RETRIES = 3


class LockRetryingCursorWrapper(base.SQLiteCursorWrapper):
    def _retrying(self, run):
        attempt = 0
        while True:
            try:
                return run()
            except base.Database.OperationalError as exc:
                if (
                    "locked" not in str(exc)
                    or self.connection.in_transaction
                    or attempt >= LOCKED_RETRIES
                ):
                    raise
                attempt += 1
                log.warning(
                    "database locked; statement retried (attempt %s of %s)",
                    attempt,
                    LOCKED_RETRIES,
                )
                time.sleep(0.05 * attempt)

    def execute(self, query, params=None):
        return self._retrying(lambda: super(LockRetryingCursorWrapper, self).execute(query, params))

    def executemany(self, query, param_list):
        rows = list(param_list)  # a generator could not be read a second time
        return self._retrying(
            lambda: super(LockRetryingCursorWrapper, self).executemany(query, rows)
        )


class DatabaseWrapper(base.DatabaseWrapper):
    def create_cursor(self, name=None):
        return self.connection.cursor(factory=LockRetryingCursorWrapper)
