"""Periodic housekeeping jobs (run by the Huey worker)."""

import threading

from django.db import close_old_connections, connection
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, on_startup

from .db import db_optimize
from .jobs import jobs_reap


@db_periodic_task(crontab(hour="3", minute="17"))
def nightly_db_optimize() -> None:
    db_optimize()


@db_periodic_task(crontab(minute="*"))
def reap_dead_jobs() -> dict:
    """Retry or give up the jobs of workers that died (see ``jobs_reap``)."""
    return jobs_reap()


_reaped_at_startup = threading.Lock()


@on_startup()
def reap_dead_jobs_at_startup() -> None:
    """A worker that starts (after a crash or a restart) looks for jobs left behind at once,
    rather than at the next minute. Each worker thread calls the hook; one reaps."""
    if not _reaped_at_startup.acquire(blocking=False):
        return
    close_old_connections()
    try:
        jobs_reap()
    finally:
        connection.close()
