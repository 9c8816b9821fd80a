"""The daily digests that leave the platform, and the e-mails of notices as they are recorded.

- :func:`group_digests`: once a day per bureau, at its ``digest_time`` (Asia/Shanghai), the day's
  reminders (``notifications.registry.collect``) go to the groups they concern: a school's robot
  lists its school's items only, a department's robot its department's, the bureau's robot a
  short summary (how many of each kind, and the items of the departments and the centre
  themselves). One message per robot, keyed ``digest:{date}:school:{id}@c{robot}``, so a second
  run queues nothing.
- :func:`person_digests`: after the daily fold, one e-mail with the day's notices to each person
  who asked for the daily digest by e-mail.
- :func:`notice_emails`: the notices just recorded, by e-mail at once to the people who chose
  their topic (quiet hours hold all but alerts).

The messaging app never reaches into the business apps: it reads the registry's reminders and
the notifications app's notices only. A fixed number of queries per call (plus what the
reminder providers read), whatever the number of bureaus, robots, people or items.
"""

from __future__ import annotations

import datetime
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable

from django.conf import settings
from django.db.models import Prefetch
from django.db.models.functions import Coalesce
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from safecampus.core.db import in_write_transaction
from safecampus.notifications.models import Notice, NoticeKind, Notification
from safecampus.notifications.registry import Reminder, collect

from .choices import Topic, Transport
from .models import Channel, GroupDigest, Message, MessagingSettings, Preference
from .outbox import absolute_url, enqueue
from .quiet import quiet_until

#: notice kinds whose e-mails the app that records them sends itself, through ``dispatch.post``
#: with the same people (alerts and escalations: the incidents app keeps a restricted case's
#: detail out of them): not e-mailed again from the notice
POSTED_KINDS = frozenset(
    {
        NoticeKind.INCIDENT,
        NoticeKind.CLUSTER,
        NoticeKind.DISPUTE,
        NoticeKind.HAZARD_MAJOR,
        NoticeKind.ESCALATION,
    }
)

#: most items listed in one robot's digest; the rest are counted and left to the platform
MAX_ITEMS = 30

#: notice kinds that cannot wait: by e-mail as alerts (never held by quiet hours)
ALERT_KINDS = frozenset(
    {NoticeKind.INCIDENT, NoticeKind.CLUSTER, NoticeKind.DISPUTE, NoticeKind.HAZARD_MAJOR}
)


def topic_of(kind: str) -> str:
    """The messaging topic of a notice of ``kind``."""
    if kind in ALERT_KINDS:
        return Topic.ALERT
    if kind == NoticeKind.ESCALATION:
        return Topic.ESCALATION
    return Topic.REMINDER


def _line(text: str, url: str) -> str:
    text = " ".join(text.split())
    if not url:
        return f"- {text}"
    label = pgettext("link", "View")
    return f"- {text} [{label}]({absolute_url(url)})"


def _kind_label(kind: str) -> str:
    try:
        return str(NoticeKind(kind).label)
    except ValueError:
        return kind


def _notifications_url() -> str:
    try:
        return reverse("notifications:notification_list")
    except NoReverseMatch:
        return ""


def _settings(bureau_ids: Iterable[int]) -> dict[int, MessagingSettings]:
    found = {
        s.bureau_id: s for s in MessagingSettings.objects.filter(bureau_id__in=list(bureau_ids))
    }
    return defaultdict(lambda: MessagingSettings(), found)


def bureaus_of(user_ids: Iterable[int]) -> dict[int, int]:
    """Each person's bureau, from their active role assignments (the lowest id when they hold
    roles in several); people without a role are left out. One query."""
    from safecampus.accounts.models import RoleAssignment

    rows = (
        RoleAssignment.objects.active()
        .filter(user_id__in=list(user_ids))
        .annotate(
            org_bureau=Coalesce(
                "bureau_id", "department__bureau_id", "school__bureau_id", "partner__bureau_id"
            )
        )
        .order_by()
        .values_list("user_id", "org_bureau")
        .distinct()
    )
    out: dict[int, int] = {}
    for user_id, bureau_id in rows:
        if bureau_id is not None and (user_id not in out or bureau_id < out[user_id]):
            out[user_id] = bureau_id
    return out


# --- the groups' digest -------------------------------------------------------------------------


def _bureau_of_reminders(reminders: list[Reminder]) -> list[tuple[int, Reminder]]:
    """(bureau id, reminder) for each reminder, its bureau taken from its school or department
    when it names none (two queries at most, only then)."""
    from safecampus.orgs.models import Department, School

    schools = {r.school_id for r in reminders if r.bureau_id is None and r.school_id}
    depts = {
        r.department_id
        for r in reminders
        if r.bureau_id is None and not r.school_id and r.department_id
    }
    school_bureau = (
        dict(School.objects.filter(pk__in=schools).values_list("pk", "bureau_id"))
        if schools
        else {}
    )
    dept_bureau = (
        dict(Department.objects.filter(pk__in=depts).values_list("pk", "bureau_id"))
        if depts
        else {}
    )
    out = []
    for r in reminders:
        bureau_id = (
            r.bureau_id or school_bureau.get(r.school_id) or dept_bureau.get(r.department_id)
        )
        if bureau_id:
            out.append((bureau_id, r))
    return out


def _org_names(channels: list[Channel]) -> tuple[dict[int, str], dict[int, str], dict[int, str]]:
    from safecampus.orgs.models import Bureau, Department, School

    schools = {c.school_id for c in channels if c.school_id}
    depts = {c.department_id for c in channels if c.department_id and not c.school_id}
    bureaus = {c.bureau_id for c in channels if not c.school_id and not c.department_id}
    return (
        dict(School.objects.filter(pk__in=schools).values_list("pk", "name")) if schools else {},
        dict(Department.objects.filter(pk__in=depts).values_list("pk", "name")) if depts else {},
        dict(Bureau.objects.filter(pk__in=bureaus).values_list("pk", "name")) if bureaus else {},
    )


def _items_body(reminders: list[Reminder]) -> str:
    lines = [_("%(count)s items need attention:") % {"count": len(reminders)}]
    lines += [_line(r.text, r.url) for r in reminders[:MAX_ITEMS]]
    if len(reminders) > MAX_ITEMS:
        lines.append(
            _("…and %(more)s more on the platform.") % {"more": len(reminders) - MAX_ITEMS}
        )
    return "\n".join(lines)


def _summary_body(reminders: list[Reminder]) -> str:
    counts = Counter(r.kind for r in reminders)
    lines = [_("Today's reminders across the bureau: %(count)s.") % {"count": len(reminders)}]
    lines += [f"- {_kind_label(kind)}：{n}" for kind, n in counts.most_common()]
    own = [r for r in reminders if not r.school_id]
    if own:
        lines.append("")
        lines.append(_("Of the departments and the centre:"))
        lines += [_line(r.text, r.url) for r in own[:MAX_ITEMS]]
        if len(own) > MAX_ITEMS:
            lines.append(_("…and %(more)s more on the platform.") % {"more": len(own) - MAX_ITEMS})
    return "\n".join(lines)


def digest_due(cfg: MessagingSettings, now: datetime.datetime) -> bool:
    """Whether the bureau's digest hour has come on ``now``'s day (Asia/Shanghai)."""
    return timezone.localtime(now).time() >= cfg.digest_time


def group_digests(*, now: datetime.datetime, today: datetime.date | None = None) -> dict:
    """Queue the day's group digest of each bureau whose digest hour has passed and whose digest
    of the day is not queued yet (idempotent: run it as often as you like). ``today`` (the
    local date of ``now`` by default) names the day. Returns how many bureaus were done and how
    many messages were offered to the outbox."""
    local = timezone.localtime(now)
    today = today or local.date()
    channels = [
        c
        for c in Channel.objects.live().only(
            "pk",
            "bureau_id",
            "department_id",
            "school_id",
            "transport",
            "topics",
            "quiet_start",
            "quiet_end",
        )
        if c.carries(Topic.DIGEST)
    ]
    bureau_ids = {c.bureau_id for c in channels}
    if not bureau_ids:
        return {"bureaus": 0, "messages": 0}
    cfgs = _settings(bureau_ids)
    done = set(
        GroupDigest.objects.filter(date=today, bureau_id__in=bureau_ids).values_list(
            "bureau_id", flat=True
        )
    )
    due = {
        b
        for b in bureau_ids - done
        if today < local.date() or (today == local.date() and digest_due(cfgs[b], now))
    }
    if not due:
        return {"bureaus": 0, "messages": 0}
    channels = [c for c in channels if c.bureau_id in due]
    with translation.override(settings.LANGUAGE_CODE):
        reminders = [(b, r) for b, r in _bureau_of_reminders(collect(today=today)) if b in due]
        rows = _group_rows(channels, reminders, cfgs, today, now)
    per_bureau = Counter(m.bureau_id for m in rows)

    def write() -> int:
        GroupDigest.objects.bulk_create(
            [
                GroupDigest(bureau_id=b, date=today, queued_at=now, messages=per_bureau[b])
                for b in sorted(due)
            ],
            ignore_conflicts=True,
        )
        return enqueue(rows)

    offered = in_write_transaction(write)
    return {"bureaus": len(due), "messages": offered}


def _group_rows(channels, reminders, cfgs, today, now) -> list[Message]:
    by_school: dict[int, list[Reminder]] = defaultdict(list)
    by_dept: dict[int, list[Reminder]] = defaultdict(list)
    by_bureau: dict[int, list[Reminder]] = defaultdict(list)
    for bureau_id, r in reminders:
        by_bureau[bureau_id].append(r)
        if r.school_id:
            by_school[r.school_id].append(r)
        if r.department_id:
            by_dept[r.department_id].append(r)
    school_names, dept_names, bureau_names = _org_names(
        [
            c
            for c in channels
            if (c.school_id and by_school.get(c.school_id))
            or (c.department_id and not c.school_id and by_dept.get(c.department_id))
            or (not c.school_id and not c.department_id and by_bureau.get(c.bureau_id))
        ]
    )
    url = _notifications_url()
    day = today.isoformat()
    rows = []
    for c in channels:
        if c.school_id:
            items, scope = by_school.get(c.school_id), f"school:{c.school_id}"
            name = school_names.get(c.school_id)
            body = _items_body(items) if items else ""
        elif c.department_id:
            items, scope = by_dept.get(c.department_id), f"department:{c.department_id}"
            name = dept_names.get(c.department_id)
            body = _items_body(items) if items else ""
        else:
            items, scope = by_bureau.get(c.bureau_id), f"bureau:{c.bureau_id}"
            name = bureau_names.get(c.bureau_id)
            body = _summary_body(items) if items else ""
        if not items:
            continue
        cfg = cfgs[c.bureau_id]
        start = c.quiet_start if c.quiet_start is not None else cfg.quiet_start
        end = c.quiet_end if c.quiet_end is not None else cfg.quiet_end
        rows.append(
            Message(
                bureau_id=c.bureau_id,
                channel=c,
                transport=c.transport,
                topic=Topic.DIGEST,
                key=f"digest:{day}:{scope}@c{c.pk}",
                title=_("Daily reminders of %(org)s, %(date)s") % {"org": name or "", "date": day},
                body=body,
                url=url,
                created_at=now,
                not_before=quiet_until(now, start, end, Topic.DIGEST),
                next_attempt_at=now,
            )
        )
    return rows


# --- people by e-mail ---------------------------------------------------------------------------


def _email(pref: Preference, cfg, *, bureau_id, topic, key, title, body, url, now) -> Message:
    start = pref.quiet_start if pref.quiet_start is not None else cfg.quiet_start
    end = pref.quiet_end if pref.quiet_end is not None else cfg.quiet_end
    return Message(
        bureau_id=bureau_id,
        recipient_id=pref.user_id,
        address=pref.email,
        transport=Transport.EMAIL,
        topic=topic,
        key=f"{key}@u{pref.user_id}"[:200],
        title=title,
        body=body,
        url=url,
        created_at=now,
        not_before=quiet_until(now, start, end, topic),
        next_attempt_at=now,
    )


def person_digests(*, day: datetime.date, now: datetime.datetime | None = None) -> int:
    """One e-mail with the day's notices to each person who asked for the daily digest by
    e-mail and has notices that day (keyed ``digest:{day}:person@u{id}``: once a day). Returns
    how many were offered to the outbox."""
    now = now or timezone.now()
    prefs = {
        p.user_id: p
        for p in Preference.objects.filter(email_digest=True).exclude(email="")
        if p.wants(Topic.DIGEST)
    }
    if not prefs:
        return 0
    digests = list(
        Notification.objects.filter(date=day, recipient_id__in=list(prefs)).prefetch_related(
            Prefetch("notices", queryset=Notice.objects.order_by("created_at", "id"))
        )
    )
    if not digests:
        return 0
    bureaus = bureaus_of(d.recipient_id for d in digests)
    cfgs = _settings(set(bureaus.values()))
    rows = []
    with translation.override(settings.LANGUAGE_CODE):
        for digest in digests:
            notices = list(digest.notices.all())
            bureau_id = bureaus.get(digest.recipient_id)
            if not notices or bureau_id is None:
                continue
            lines = [_("%(count)s notices for you today:") % {"count": len(notices)}]
            lines += [_line(n.text, n.url) for n in notices]
            rows.append(
                _email(
                    prefs[digest.recipient_id],
                    cfgs[bureau_id],
                    bureau_id=bureau_id,
                    topic=Topic.DIGEST,
                    key=f"digest:{day.isoformat()}:person",
                    title=_("Your notices of %(date)s") % {"date": day.isoformat()},
                    body="\n".join(lines),
                    url=digest.get_absolute_url(),
                    now=now,
                )
            )
    return enqueue(rows)


def notice_emails(items, *, now: datetime.datetime | None = None) -> int:
    """E-mail the notices just recorded (``notifications.signals.Recorded``) to those of their
    people who chose their topic by e-mail: alerts at once, reminders and escalations outside
    quiet hours. Returns how many were offered to the outbox."""
    now = now or timezone.now()
    items = list(items)
    everyone = {u for i in items for u in i.recipient_ids}
    if not everyone:
        return 0
    prefs = {
        p.user_id: p for p in Preference.objects.filter(user_id__in=everyone).exclude(email="")
    }
    if not prefs:
        return 0
    wanted = [
        (item, [prefs[u] for u in item.recipient_ids if u in prefs and prefs[u].wants(topic)])
        for item in items
        if item.kind not in POSTED_KINDS
        for topic in [topic_of(item.kind)]
    ]
    wanted = [(item, people) for item, people in wanted if people]
    if not wanted:
        return 0
    bureaus = bureaus_of({p.user_id for _item, people in wanted for p in people})
    cfgs = _settings(set(bureaus.values()))
    rows = []
    with translation.override(settings.LANGUAGE_CODE):
        for item, people in wanted:
            topic = topic_of(item.kind)
            key = f"notice:{item.key}" if item.key else f"notice:{item.kind}:{uuid.uuid4().hex}"
            for pref in people:
                bureau_id = bureaus.get(pref.user_id)
                if bureau_id is None:
                    continue
                rows.append(
                    _email(
                        pref,
                        cfgs[bureau_id],
                        bureau_id=bureau_id,
                        topic=topic,
                        key=key,
                        title=_kind_label(item.kind),
                        body=item.text,
                        url=item.url,
                        now=now,
                    )
                )
    return enqueue(rows)


__all__ = [
    "ALERT_KINDS",
    "bureaus_of",
    "digest_due",
    "group_digests",
    "notice_emails",
    "person_digests",
    "topic_of",
]
