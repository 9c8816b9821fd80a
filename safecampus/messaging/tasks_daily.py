"""The groups' daily digest job: every five minutes, each bureau whose digest hour has come and
whose digest of the day is not queued yet gets it (idempotent; imported by ``receivers``, since
the job runner discovers ``tasks`` modules only)."""

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .digests import group_digests


@db_periodic_task(crontab(minute="*/5"))
def messages_group_digests() -> dict:
    return group_digests(now=timezone.now())


__all__ = ["messages_group_digests"]
