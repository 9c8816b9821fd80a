"""Reminders that other apps contribute to the daily digest.

Notifications are called, they do not reach in: an app that has something to remind people of
registers a provider in its ``AppConfig.ready()``::

    from safecampus.notifications.registry import reminder
    reminder(my_reminders)

A provider is ``provider(*, today) -> Iterable[Reminder]``. The daily run asks every provider,
sends each reminder to its recipients (the users named, or the active officers of the
department named) and records it once per person under its ``key``, however often it runs.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Reminder:
    #: a ``NoticeKind``
    kind: str
    #: the reminder's identity: recorded once per person under it
    key: str
    url: str
    text: str
    #: sent to the active officers of this department …
    department_id: int | None = None
    #: … and to these users
    recipient_ids: tuple[int, ...] = ()
    #: where the groups hear of it (the messaging app's daily group digest): the robots of this
    #: school, of ``department_id``, or of this bureau's own group
    school_id: int | None = None
    bureau_id: int | None = None
    #: the messaging topic (``reminder`` or ``escalation``)
    topic: str = "reminder"


Provider = Callable[..., Iterable[Reminder]]

_providers: list[Provider] = []


def reminder(provider: Provider) -> Provider:
    """Register ``provider`` (once, however often an app's ``ready()`` runs)."""
    if provider not in _providers:
        _providers.append(provider)
    return provider


def providers() -> list[Provider]:
    return list(_providers)


def collect(*, today: datetime.date) -> list[Reminder]:
    """Every registered provider's reminders of ``today``, in registration order."""
    out: list[Reminder] = []
    for provider in _providers:
        out.extend(provider(today=today))
    return out


__all__ = ["Reminder", "collect", "providers", "reminder"]
