"""The outbox's worker side: a drain every minute and one as soon as messages are queued."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from .outbox import drain


@db_task()
def outbox_drain_soon() -> dict:
    return drain()


@db_periodic_task(crontab(minute="*"))
def outbox_drain_minutely() -> dict:
    """Reap what stopped workers left and send what is due (robots at their limit wait for the
    next minute). Several workers may run it at once: the claims keep them apart."""
    return drain()


__all__ = ["outbox_drain_minutely", "outbox_drain_soon"]
