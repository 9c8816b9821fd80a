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

from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from .choices import Action, Status, Topic, Transport
from .lifecycle import MESSAGES
from .models import Channel, Message, MessageEvent, MessagingSettings, Preference
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


def _neutral(post: Post | None) -> tuple[str, str]:
    return (
        _("A case that concerns you waits on SafeCampus"),
        _("Details are shown only on the platform, to the people named on the case."),
    )


def post(p: Post, *, now: datetime.datetime | None = None) -> int:
    """Queue ``p`` for its robots and people. Returns how many messages were queued."""
    return post_many([p], now=now)


def post_many(posts: Iterable[Post], *, now: datetime.datetime | None = None) -> int:
    """Queue many posts at once (a daily job's): a fixed number of queries however many posts
    (the bureaus' settings, their robots, the people's preferences, one insert). Returns how
    many messages were offered."""
    now = now or timezone.now()
    posts = list(posts)
    if not posts:
        return 0
    bureau_ids = sorted({p.bureau_id for p in posts})
    saved = {s.bureau_id: s for s in MessagingSettings.objects.filter(bureau_id__in=bureau_ids)}
    cfgs = {b: saved.get(b) or MessagingSettings(bureau_id=b) for b in bureau_ids}
    channels = list(Channel.objects.live().filter(bureau_id__in=bureau_ids))
    user_ids = sorted({u for p in posts for u in p.users})
    prefs = (
        list(Preference.objects.filter(user_id__in=user_ids).exclude(email="")) if user_ids else []
    )
    rows: list[Message] = []
    for p in posts:
        cfg = cfgs[p.bureau_id]
        for channel in _robots_among(p, channels):
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
        wanted = set(p.users)
        rows.extend(_emails(p, cfg, now, [f for f in prefs if f.user_id in wanted]))
    return enqueue(rows)


def _robots_among(p: Post, channels) -> list[Channel]:
    """Of the bureaus' live ``channels``, those ``p`` goes to (as :func:`robots_for`)."""
    if p.restricted:
        return []
    schools, departments = set(p.schools), set(p.departments)
    out = []
    for c in channels:
        if c.bureau_id != p.bureau_id or not c.carries(p.topic):
            continue
        if c.school_id is not None:
            mine = c.school_id in schools
        elif c.department_id is not None:
            mine = c.department_id in departments
        else:
            mine = p.bureau
        if mine:
            out.append(c)
    return out


def _emails(p: Post, cfg: MessagingSettings, now, prefs=None) -> Iterable[Message]:
    if not p.users:
        return []
    if prefs is None:
        prefs = Preference.objects.filter(user_id__in=sorted(set(p.users))).exclude(email="")
    title, body = _neutral(p) if p.restricted else (p.title, p.body)
    out = []
    for pref in prefs:
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


def withdraw(key_prefix: str, *, now: datetime.datetime | None = None, actor=None) -> int:
    """A case became restricted: what was queued for it under ``key_prefix`` and not yet sent
    never reaches a robot (cancelled, as are failed or uncertain copies a person could send
    again), and its e-mails not yet sent lose their detail (the neutral text). Call in the
    restricting transaction. Returns how many robot messages were cancelled."""
    now = now or timezone.now()
    if not key_prefix:
        raise ValueError("a key prefix is required")
    # a message being sent is withdrawn too: the worker's answer then moves nothing, so no
    # further part (and no retry) of it ever goes out
    (cancel,) = [m for m in MESSAGES.moves if m.action == Action.WITHDRAW]
    mine = Message.objects.filter(key__startswith=key_prefix)
    robots = list(
        mine.filter(channel__isnull=False, status__in=sorted(cancel.sources)).values_list(
            "pk", "status"
        )
    )
    detail = _("Withdrawn: the case became restricted.")
    if robots:
        Message.objects.filter(
            pk__in=[pk for pk, _s in robots], status__in=sorted(cancel.sources)
        ).update(
            status=Status.CANCELLED,
            version=F("version") + 1,
            last_error=detail,
            body="",
            title=_("Withdrawn"),
        )
        MessageEvent.objects.bulk_create(
            [
                MessageEvent(
                    message_id=pk,
                    action=Action.WITHDRAW,
                    from_status=status,
                    to_status=Status.CANCELLED,
                    actor=actor,
                    at=now,
                    detail=detail,
                )
                for pk, status in robots
            ]
        )
    # what was already sent cannot be called back, but the outbox's readers (the robot's keepers,
    # the centre) must not read the case there any more: its copy keeps only that it was
    # withdrawn (robots) or the neutral text (e-mails)
    mine.filter(channel__isnull=False).exclude(title=_("Withdrawn")).update(
        title=_("Withdrawn"), body="", version=F("version") + 1
    )
    title, body = _neutral(None)
    mine.filter(channel__isnull=True).update(title=title, body=body, version=F("version") + 1)
    return len(robots)


__all__ = ["Post", "Topic", "bureau_settings", "post", "post_many", "robots_for", "withdraw"]
