"""What the messaging app listens to (connected in ``apps.ready``): the notices the
notifications app records (e-mailed at once to the people who chose their topic) and its daily
fold (the daily digest by e-mail)."""

from django.dispatch import receiver

from safecampus.notifications.signals import digests_folded, notices_recorded


@receiver(notices_recorded, dispatch_uid="messaging.notice_emails")
def _notices_recorded(sender, *, items, now=None, **kwargs) -> None:
    from .digests import notice_emails

    notice_emails(items, now=now)


@receiver(digests_folded, dispatch_uid="messaging.person_digests")
def _digests_folded(sender, *, day, now=None, **kwargs) -> None:
    from .digests import person_digests

    person_digests(day=day, now=now)


from . import tasks_daily  # noqa: E402, F401  (the digest job; djhuey discovers ``tasks`` only)
