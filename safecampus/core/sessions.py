"""The database session store, with SQLite's lock retried.

A login writes a new session row and every minute of activity refreshes it. Under a rush on the
embedded SQLite those writes queue for the single write lock; one that waited ``busy_timeout``
in vain is started again (``core.db.retry_locked``) instead of turning a successful login into
"the request's session was deleted before the request completed" (400)."""

from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db import OperationalError

from .db import is_locked_error, retry_locked


class SessionStore(DatabaseSessionStore):
    def save(self, must_create=False):
        try:
            return retry_locked(lambda: super(SessionStore, self).save(must_create=must_create))
        except UpdateError as exc:
            if is_locked_error(exc):
                # still locked after the retries: the database was busy, not the session
                # deleted; raised as such, it is answered 503 (core.middleware), not 400
                raise OperationalError("database is locked") from exc
            raise

    def delete(self, session_key=None):
        return retry_locked(lambda: super(SessionStore, self).delete(session_key))
