"""Recording notices. Call :func:`notify` inside the business transaction that caused it."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Notice, Notification
from .registry import collect
from .signals import Recorded, digests_folded, notices_recorded


def _tell(items: list[Recorded], now) -> None:
    """Send ``notices_recorded`` for the notices just recorded (none: nothing is sent)."""
    items = [i for i in items if i.recipient_ids]
    if items:
        notices_recorded.send(sender=Notice, items=items, now=now)


def notify(
    recipients: Iterable, *, kind: str, text: str, url: str = "", key: str = "", now=None
) -> int:
    """Record a notice for each recipient (users or user ids) for their next daily digest. With
    a ``key``, a notice already recorded for that person under the same key is not repeated.
    Returns how many were recorded (``notices_recorded`` names them)."""
    ids = sorted({getattr(r, "pk", r) for r in recipients if r is not None})
    if not ids:
        return 0
    if key:
        seen = set(
            Notice.objects.filter(recipient_id__in=ids, key=key).values_list(
                "recipient_id", flat=True
            )
        )
        ids = [i for i in ids if i not in seen]
    Notice.objects.bulk_create(
        [
            Notice(recipient_id=i, kind=kind, text=text[:300], url=url[:300], key=key[:120])
            for i in ids
        ],
        ignore_conflicts=bool(key),
    )
    _tell([Recorded(kind, text[:300], url[:300], key[:120], tuple(ids))], now)
    return len(ids)


def notify_now(
    recipients: Iterable, *, kind: str, text: str, url: str = "", key: str = "", now=None
) -> int:
    """Record notices that cannot wait (an urgent incident, a cluster alert): they are folded at
    once into each recipient's notifications of the day, unread, instead of waiting for the
    daily digest. Call inside the business transaction that caused them."""
    ids = sorted({getattr(r, "pk", r) for r in recipients if r is not None})
    if not ids:
        return 0
    before = Notice.objects.filter(digest__isnull=True, recipient_id__in=ids).aggregate(
        m=Max("pk")
    )["m"]
    count = notify(ids, kind=kind, text=text, url=url, key=key, now=now)
    if not count:
        return 0
    day = timezone.localtime(now or timezone.now()).date()
    title = _("Notices of %(date)s") % {"date": day.isoformat()}
    Notification.objects.bulk_create(
        [Notification(recipient_id=r, date=day, title=title) for r in ids],
        ignore_conflicts=True,
    )
    fresh = Notice.objects.filter(digest__isnull=True, recipient_id__in=ids, kind=kind)
    if before is not None:
        fresh = fresh.filter(pk__gt=before)
    digest = Notification.objects.filter(recipient_id=OuterRef("recipient_id"), date=day)
    fresh.update(digest_id=Subquery(digest.values("pk")[:1]))
    Notification.objects.filter(date=day, recipient_id__in=ids).update(read_at=None)
    return count


def notify_now_many(notices: Iterable[Notice], *, now=None) -> int:
    """:func:`notify_now` for many notices of different texts at once (a daily job's), in a
    fixed number of queries: each ``Notice`` (unsaved, with a ``key``) is recorded unless its
    recipient already has one under that key, and folded at once into the recipient's
    notifications of the day, unread. Call inside the business transaction."""
    rows = [n for n in notices if n.recipient_id is not None]
    if not rows:
        return 0
    for n in rows:
        if not n.key:
            raise ValueError("notify_now_many needs keyed notices")
        n.text, n.url, n.key = n.text[:300], n.url[:300], n.key[:120]
    ids = sorted({n.recipient_id for n in rows})
    keys = sorted({n.key for n in rows})
    seen = set(
        Notice.objects.filter(recipient_id__in=ids, key__in=keys).values_list("recipient_id", "key")
    )
    new, taken = [], set(seen)
    for n in rows:
        if (n.recipient_id, n.key) not in taken:
            taken.add((n.recipient_id, n.key))
            new.append(n)
    if not new:
        return 0
    Notice.objects.bulk_create(new, ignore_conflicts=True, batch_size=500)
    day = timezone.localtime(now or timezone.now()).date()
    title = _("Notices of %(date)s") % {"date": day.isoformat()}
    who = sorted({n.recipient_id for n in new})
    Notification.objects.bulk_create(
        [Notification(recipient_id=r, date=day, title=title) for r in who],
        ignore_conflicts=True,
        batch_size=500,
    )
    digest = Notification.objects.filter(recipient_id=OuterRef("recipient_id"), date=day)
    Notice.objects.filter(
        digest__isnull=True, recipient_id__in=who, key__in=sorted({n.key for n in new})
    ).update(digest_id=Subquery(digest.values("pk")[:1]))
    Notification.objects.filter(date=day, recipient_id__in=who).update(read_at=None)
    return len(new)


# --- reminders and the daily digest -------------------------------------------------------------


def _officers_by_department(department_ids) -> dict[int, list[int]]:
    from safecampus.accounts.models import RoleAssignment
    from safecampus.core.roles import Role

    out: dict[int, list[int]] = {}
    rows = (
        RoleAssignment.objects.active()
        .filter(role=Role.DEPARTMENT_OFFICER, department_id__in=list(department_ids))
        .values_list("department_id", "user_id")
        .distinct()
    )
    for dept_id, user_id in rows:
        out.setdefault(dept_id, []).append(user_id)
    return out


def reminders_record(*, today: datetime.date, now: datetime.datetime | None = None) -> int:
    """Record the reminders the apps contribute (see ``registry``) for their recipients: a
    department's reminder goes to each of its active officers. Each reminder is keyed, so it is
    recorded once per person however often this runs. One query for the officers, one for the
    reminders already recorded, one insert for all (plus what the providers read)."""
    reminders = collect(today=today)
    if not reminders:
        return 0
    officers = _officers_by_department({r.department_id for r in reminders if r.department_id})
    notices = [
        Notice(recipient_id=user_id, kind=r.kind, text=r.text[:300], url=r.url, key=r.key)
        for r in reminders
        for user_id in (
            *(officers.get(r.department_id, []) if r.department_id else []),
            *r.recipient_ids,
        )
    ]
    if not notices:
        return 0
    seen = set(
        Notice.objects.filter(
            key__in={n.key for n in notices}, recipient_id__in={n.recipient_id for n in notices}
        ).values_list("recipient_id", "key")
    )
    new = [n for n in notices if (n.recipient_id, n.key) not in seen]
    Notice.objects.bulk_create(new, ignore_conflicts=True, batch_size=500)
    people: dict[str, list[int]] = {}
    for n in new:
        if n.recipient_id not in people.setdefault(n.key, []):
            people[n.key].append(n.recipient_id)
    _tell(
        [
            Recorded(r.kind, r.text[:300], r.url, r.key, tuple(people.pop(r.key)))
            for r in reminders
            if r.key in people
        ],
        now,
    )
    return len(new)


def digest_fold(*, day: datetime.date) -> int:
    """Fold every pending notice into its recipient's digest of ``day``: one Notification per
    person and day, created when missing; a digest that receives new notices is unread again.
    A fixed number of queries whatever the number of notices. Returns how many were folded."""
    with transaction.atomic():
        pending = Notice.objects.filter(digest__isnull=True)
        last = pending.aggregate(m=Max("pk"))["m"]
        if last is None:
            return 0
        pending = pending.filter(pk__lte=last)
        recipients = set(pending.values_list("recipient_id", flat=True).distinct())
        have = set(
            Notification.objects.filter(date=day, recipient_id__in=recipients).values_list(
                "recipient_id", flat=True
            )
        )
        title = _("Notices of %(date)s") % {"date": day.isoformat()}
        Notification.objects.bulk_create(
            [Notification(recipient_id=r, date=day, title=title) for r in recipients - have],
            ignore_conflicts=True,
            batch_size=500,
        )
        digest = Notification.objects.filter(recipient_id=OuterRef("recipient_id"), date=day)
        folded = pending.update(digest_id=Subquery(digest.values("pk")[:1]))
        Notification.objects.filter(date=day, recipient_id__in=recipients).update(read_at=None)
    return folded


def daily_run(*, today: datetime.date | None = None, now: datetime.datetime | None = None) -> dict:
    """The daily job: record the reminders, then fold everything pending into today's digests
    (``digests_folded`` is sent after, with the day)."""
    if today is None:
        today = timezone.localdate(now) if now else timezone.localdate()
    reminders = reminders_record(today=today, now=now)
    folded = digest_fold(day=today)
    digests_folded.send(sender=Notification, day=today, now=now)
    return {"reminders": reminders, "folded": folded}


@transaction.atomic
def notification_read(*, user, notification: Notification) -> None:
    if notification.recipient_id != user.pk:
        raise PermissionDenied
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=timezone.now()
        )


@transaction.atomic
def notifications_read_all(*, user) -> int:
    return Notification.objects.visible_to(user).unread().update(read_at=timezone.now())
