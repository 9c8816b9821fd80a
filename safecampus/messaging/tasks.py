"""The outbox's worker side: a drain every minute, one as soon as messages are queued, and a
reap when a worker starts (messages a stopped worker left ``sending``)."""

import threading

from django.db import close_old_connections, connection
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, on_startup

from .outbox import drain, reap


@db_task()
def outbox_drain_soon() -> dict:
    return drain()


@db_periodic_task(crontab(minute="*"))
def outbox_drain_minutely() -> dict:
    """Reap what stopped workers left (``drain`` starts with it) and send what is due (robots at
    their limit wait for the next minute). Several workers may run it at once: the claims keep
    them apart."""
    return drain()


_reaped_at_startup = threading.Lock()


@on_startup()
def outbox_reap_at_startup() -> None:
    """A worker that starts after a crash looks at once for messages its predecessor left
    ``sending`` (those whose lease ran out): queued again, or ``uncertain`` when a request was
    in flight. Each worker thread calls the hook; one reaps."""
    if not _reaped_at_startup.acquire(blocking=False):
        return
    close_old_connections()
    try:
        reap()
    finally:
        connection.close()


__all__ = ["outbox_drain_minutely", "outbox_drain_soon", "outbox_reap_at_startup"]
