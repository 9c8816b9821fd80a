"""Sending something to the groups and people it concerns: the one way the apps put messages
in the outbox.

An app describes what happened as a :class:`Post` (what, for which organisations and people)
and calls :func:`post` inside the business transaction. The post goes to the live robots of
exactly the schools, departments and bureau it names that carry its topic, and by e-mail to the
people it names who asked for that topic. A restricted post (a bullying or abuse case) never
goes to a robot, and its e-mails say only that something waits on the platform.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from .choices import Topic, Transport
from .models import Channel, Message, MessagingSettings, Preference
from .outbox import enqueue
from .quiet import quiet_until


@dataclass(frozen=True)
class Post:
    #: a ``Topic``
    topic: str
    #: the post's identity; each robot's or person's copy is queued once under it
    key: str
    bureau_id: int
    title: str
    #: Markdown lines in Chinese
    body: str
    #: a path on the platform (the base URL is put in front when sent)
    url: str = ""
    schools: tuple[int, ...] = ()
    departments: tuple[int, ...] = ()
    #: the bureau's own robots
    bureau: bool = False
    #: people, by e-mail, as their preferences say
    users: tuple[int, ...] = ()
    #: a restricted case: never to a robot, and no detail by e-mail
    restricted: bool = False


def bureau_settings(bureau_id: int) -> MessagingSettings:
    """The bureau's settings, the defaults when it has saved none (not written)."""
    found = MessagingSettings.objects.filter(bureau_id=bureau_id).first()
    return found or MessagingSettings(bureau_id=bureau_id)


def robots_for(post: Post):
    """The live robots ``post`` goes to: those of the organisations it names, carrying its
    topic. Never a restricted post's."""
    if post.restricted:
        return Channel.objects.none()
    where = Q(pk__in=[])
    if post.schools:
        where |= Q(school_id__in=post.schools)
    if post.departments:
        where |= Q(department_id__in=post.departments, school__isnull=True)
    if post.bureau:
        where |= Q(department__isnull=True, school__isnull=True)
    channels = Channel.objects.live().filter(where, bureau_id=post.bureau_id)
    return [c for c in channels if c.carries(post.topic)]


def _neutral(post: Post) -> tuple[str, str]:
    return (
        _("A case that concerns you waits on SafeCampus"),
        _("Details are shown only on the platform, to the people named on the case."),
    )


def post(p: Post, *, now: datetime.datetime | None = None) -> int:
    """Queue ``p`` for its robots and people. Returns how many messages were queued."""
    now = now or timezone.now()
    cfg = bureau_settings(p.bureau_id)
    rows: list[Message] = []
    for channel in robots_for(p):
        start = channel.quiet_start if channel.quiet_start is not None else cfg.quiet_start
        end = channel.quiet_end if channel.quiet_end is not None else cfg.quiet_end
        rows.append(
            Message(
                bureau_id=p.bureau_id,
                channel=channel,
                transport=channel.transport,
                topic=p.topic,
                key=f"{p.key}@c{channel.pk}",
                title=p.title,
                body=p.body,
                url=p.url,
                created_at=now,
                not_before=quiet_until(now, start, end, p.topic),
                next_attempt_at=now,
            )
        )
    rows.extend(_emails(p, cfg, now))
    return enqueue(rows)


def _emails(p: Post, cfg: MessagingSettings, now) -> Iterable[Message]:
    if not p.users:
        return []
    title, body = _neutral(p) if p.restricted else (p.title, p.body)
    out = []
    for pref in Preference.objects.filter(user_id__in=sorted(set(p.users))).exclude(email=""):
        if not pref.wants(p.topic):
            continue
        start = pref.quiet_start if pref.quiet_start is not None else cfg.quiet_start
        end = pref.quiet_end if pref.quiet_end is not None else cfg.quiet_end
        out.append(
            Message(
                bureau_id=p.bureau_id,
                recipient_id=pref.user_id,
                address=pref.email,
                transport=Transport.EMAIL,
                topic=p.topic,
                key=f"{p.key}@u{pref.user_id}",
                title=title,
                body=body,
                url=p.url,
                created_at=now,
                not_before=quiet_until(now, start, end, p.topic),
                next_attempt_at=now,
            )
        )
    return out


__all__ = ["Post", "Topic", "bureau_settings", "post", "robots_for"]
