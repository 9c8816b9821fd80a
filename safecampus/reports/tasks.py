"""The periodic refresh of dashboard snapshots (run by the Huey worker)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .snapshots import refresh_snapshots


@db_periodic_task(crontab(minute="*/5"))
def refresh_dashboard_snapshots() -> None:
    refresh_snapshots()
