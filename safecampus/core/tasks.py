"""Periodic housekeeping jobs (run by the Huey worker)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .db import db_optimize


@db_periodic_task(crontab(hour="3", minute="17"))
def nightly_db_optimize() -> None:
    db_optimize()
