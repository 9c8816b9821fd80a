"""The outbox: every outgoing message is a :class:`~.models.Message` row, sent by the job
workers, never twice, and never faster than a robot may receive.

How one drain goes (any number of workers may drain at once, on SQLite or PostgreSQL):

1. **Claim**, in one short write transaction per robot that holds the robot's row
   (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite's single writer): count the robot's requests of
   the last minute in the ledger (:class:`~.models.Attempt`), take at most the free slots' worth
   of due messages, mark them ``sending`` under this drain's token and a lease, and reserve one
   ledger row per request. A long message takes one slot per part; when more messages wait than
   slots are free, small messages of one topic are merged into one request rather than dropped.
2. **Send**, outside any transaction: each ledger row is marked ``in_flight`` just before its
   request, then the answer is recorded (sent, the next part, tried again later with back-off,
   held while the service blocks the robot, or failed for good with the service's reason).
3. **Reap**: a message whose worker died keeps ``sending`` until its lease runs out. If none of
   its requests had started, it is simply queued again; if one was in flight, it may have
   arrived, so it becomes ``uncertain`` and is not sent again by itself (a person who keeps the
   robot may send it again from its page).

Every status change goes through the lifecycle table (``lifecycle.MESSAGES``): the worker's moves
in bulk through :func:`_system_move`, a person's through :func:`message_act`.
"""

from __future__ import annotations

import datetime
import logging
import os
import random
import socket
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from safecampus.core.access import roles_on
from safecampus.core.db import in_write_transaction, retry_locked

from . import transports
from .choices import ROBOTS, Action, Outcome, Status, Topic, Transport
from .lifecycle import MESSAGES
from .models import Attempt, Channel, Message, MessageEvent

log = logging.getLogger(__name__)

WINDOW = datetime.timedelta(seconds=60)
#: robots one drain step claims for
ROBOT_PAGE = 500
#: most e-mails one drain step claims
EMAIL_BATCH = 50
#: the first back-off after an error, doubled each attempt, at most an hour
BACKOFF_FIRST = 30
BACKOFF_MAX = 3600


def worker_token() -> str:
    return f"{socket.gethostname()[:24]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass
class Send:
    """One request to make: a part of one message, or several small messages merged."""

    transport: str
    message_ids: list[int]
    attempt_ids: list[int]
    part: int
    last_part: bool
    payload: dict = field(default_factory=dict)
    channel_id: int | None = None
    webhook: str = ""
    secret: str = ""
    address: str = ""
    subject: str = ""
    text: str = ""


# --- queueing -----------------------------------------------------------------------------------


def enqueue(messages: Iterable[Message]) -> int:
    """Queue ``messages`` (unsaved rows); one already queued under the same ``key`` is kept as it
    is. Call inside the business transaction that caused them; a drain starts when it commits.
    Returns how many rows were offered."""
    rows = list(messages)
    if not rows:
        return 0
    for row in rows:
        if row.channel_id is not None and row.transport not in ROBOTS:
            raise ValueError("a robot's message must name the robot's service")
        row.title = row.title[:200]
        row.key = row.key[:200]
        row.url = row.url[:300]
        if not row.parts_total:
            row.parts_total = (
                transports.part_count(row.transport, row.title, row.body, row.url)
                if row.transport in ROBOTS
                else 1
            )
    Message.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    kick()
    return len(rows)


def kick() -> None:
    """Start a drain when the current transaction commits (the worker also drains every
    minute)."""
    if not settings.SAFECAMPUS_OUTBOX_KICK:
        return
    from .tasks import outbox_drain_soon

    transaction.on_commit(lambda: outbox_drain_soon())


# --- the worker's moves -------------------------------------------------------------------------


def _system_move(
    ids: list[int],
    action: str,
    *,
    now: datetime.datetime,
    held_by: str | None = None,
    detail: str = "",
    **fields,
) -> list[int]:
    """Move the messages ``ids`` that are still where ``action`` starts (and, with ``held_by``,
    still held by that drain) to where the table leads; one UPDATE and one INSERT of events.
    Returns the ids moved."""
    (move,) = [m for m in MESSAGES.moves if m.action == action]
    (source,) = move.sources
    target = move.leads(source)
    if not ids:
        return []
    rows = Message.objects.filter(pk__in=ids, status=source)
    if held_by is not None:
        rows = rows.filter(worker=held_by)
    # the rows are locked until the transaction ends (PostgreSQL; SQLite has one writer), so the
    # events written are exactly the rows moved even when a reaper or another worker is at work
    moved = list(rows.select_for_update().order_by("pk").values_list("pk", flat=True))
    if not moved:
        return []
    rows.filter(pk__in=moved).update(status=target, version=F("version") + 1, **fields)
    MessageEvent.objects.bulk_create(
        [
            MessageEvent(
                message_id=pk,
                action=action,
                from_status=source,
                to_status=target,
                at=now,
                detail=detail[:300],
            )
            for pk in moved
        ]
    )
    return moved


def _merge(messages: list[Message], free: int) -> list[list[Message]]:
    """Groups of messages, one request each. Messages wait in order; when more wait than
    ``free`` requests remain, neighbours of one topic that fit in one request together (all
    single-part, within the byte limit) are merged."""
    groups: list[list[Message]] = [[m] for m in messages]
    if len(groups) <= free:
        return groups
    merged: list[list[Message]] = []
    for group in groups:
        m = group[0]
        last = merged[-1] if merged else None
        if (
            last is not None
            and m.parts_total == 1
            and all(x.parts_total == 1 and x.topic == m.topic for x in last)
            and m.topic != Topic.TEST
        ):
            title, body = _merged_text(last + [m])
            if transports.part_count(m.transport, title, body) == 1:
                last.append(m)
                continue
        merged.append(list(group))
    return merged


def _merged_text(group: list[Message]) -> tuple[str, str]:
    if len(group) == 1:
        return group[0].title, group[0].body
    title = _("%(count)s messages: %(topic)s") % {
        "count": len(group),
        "topic": Topic(group[0].topic).label,
    }
    blocks = []
    for m in group:
        block = f"**{m.title}**\n{m.body}"
        if m.url:
            block += f"\n[{_('Open')}]({absolute_url(m.url)})"
        blocks.append(block)
    return title, "\n\n".join(blocks)


def absolute_url(url: str) -> str:
    """A path on the platform with ``SAFECAMPUS_BASE_URL`` in front (a full URL as it is)."""
    return settings.SAFECAMPUS_BASE_URL + url if url.startswith("/") else url


def _keyword(channel: Channel) -> str:
    words = [w for w in (channel.keywords or "").replace("，", ",").split(",") if w.strip()]
    return words[0].strip() if words else ""


def _claim_channel(
    channel_id: int, now: datetime.datetime, worker: str, only: set[int] | None = None
) -> list[Send]:
    limit = settings.SAFECAMPUS_ROBOT_PER_MINUTE
    lease = now + datetime.timedelta(seconds=settings.SAFECAMPUS_OUTBOX_LEASE_SECONDS)

    def work() -> list[Send]:
        channel = (
            # a robot another worker is claiming for is skipped, not waited for (PostgreSQL;
            # SQLite's single writer serialises the claims anyway)
            Channel.objects.select_for_update(skip_locked=True)
            .filter(pk=channel_id, active=True, removed_at__isnull=True)
            .first()
        )
        if channel is None or (channel.blocked_until and channel.blocked_until > now):
            return []
        # a request counts from when it leaves (``at`` is moved then) for a minute; one reserved
        # but not yet sent counts however old its claim, until its lease is long over (its
        # worker died; the reaper will say so)
        used = (
            Attempt.objects.filter(channel_id=channel_id, counted=True)
            .filter(
                Q(at__gt=now - WINDOW)
                | Q(
                    outcome=Outcome.RESERVED,
                    at__gt=now
                    - datetime.timedelta(seconds=2 * settings.SAFECAMPUS_OUTBOX_LEASE_SECONDS),
                )
            )
            .count()
        )
        free = limit - used
        if free <= 0:
            return []
        due = Message.objects.due(now).filter(channel_id=channel_id)
        if only is not None:
            due = due.filter(pk__in=sorted(only))
        due = list(due.order_by(_urgent_first(), "created_at", "id")[: max(free * 8, 40)])
        if not due:
            return []
        sends: list[Send] = []
        attempts: list[Attempt] = []
        claimed: list[int] = []
        keyword = _keyword(channel)
        for group in _merge(due, free):
            if free <= 0:
                break
            head = group[0]
            if len(group) == 1:
                payloads = transports.layout(
                    channel.transport, head.title, head.body, absolute_url(head.url), keyword
                )
                # a layout that changed since the message's last part (a longer address, a new
                # keyword) never leaves a claimed message without a request: its last part again
                first = min(head.parts_sent, len(payloads) - 1)
                take = payloads[first : first + free]
                for offset, payload in enumerate(take):
                    part = first + offset + 1
                    attempts.append(
                        Attempt(
                            channel_id=channel_id,
                            message_id=head.pk,
                            part=part,
                            at=now,
                            worker=worker,
                        )
                    )
                    sends.append(
                        Send(
                            transport=channel.transport,
                            message_ids=[head.pk],
                            attempt_ids=[],
                            part=part,
                            last_part=part == len(payloads),
                            payload=payload,
                            channel_id=channel_id,
                            webhook=channel.webhook,
                            secret=channel.secret,
                        )
                    )
                free -= len(take)
            else:
                title, body = _merged_text(group)
                (payload,) = transports.layout(channel.transport, title, body, "", keyword)
                for m in group:
                    attempts.append(
                        Attempt(
                            channel_id=channel_id,
                            message_id=m.pk,
                            part=1,
                            at=now,
                            worker=worker,
                            counted=False,
                            detail=_("merged with %(n)s others") % {"n": len(group) - 1},
                        )
                    )
                sends.append(
                    Send(
                        transport=channel.transport,
                        message_ids=[m.pk for m in group],
                        attempt_ids=[],
                        part=1,
                        last_part=True,
                        payload=payload,
                        channel_id=channel_id,
                        webhook=channel.webhook,
                        secret=channel.secret,
                    )
                )
                free -= 1
            claimed.extend(m.pk for m in group)
        moved = set(_claim_rows(claimed, now=now, worker=worker, lease=lease))
        attempts = [a for a in attempts if a.message_id in moved]
        # one ledger row counts per request, whichever of a merged request's messages it is
        merged_heads: set[int] = set()
        for send in sends:
            if len(send.message_ids) > 1:
                kept = [i for i in send.message_ids if i in moved]
                if kept:
                    merged_heads.add(kept[0])
        for a in attempts:
            if a.message_id in merged_heads:
                a.counted = True
        Attempt.objects.bulk_create(attempts)
        by_message: dict[int, list[int]] = {}
        for a in Attempt.objects.filter(
            message_id__in=moved, worker=worker, outcome=Outcome.RESERVED
        ).values_list("message_id", "part", "pk"):
            by_message.setdefault((a[0], a[1]), []).append(a[2])
        out = []
        for send in sends:
            send.message_ids = [i for i in send.message_ids if i in moved]
            if not send.message_ids:
                continue
            send.attempt_ids = [
                pk for i in send.message_ids for pk in by_message.get((i, send.part), [])
            ]
            out.append(send)
        return out

    return in_write_transaction(work)


def _claim_rows(ids: list[int], *, now, worker: str, lease) -> list[int]:
    return _system_move(
        ids,
        Action.CLAIM,
        now=now,
        lease_until=lease,
        worker=worker,
        attempts=F("attempts") + 1,
    )


def _urgent_first():
    from django.db.models import Case, IntegerField, Value, When

    return Case(
        When(topic__in=[Topic.ALERT, Topic.TEST], then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )


def _claim_emails(now: datetime.datetime, worker: str) -> list[Send]:
    lease = now + datetime.timedelta(seconds=settings.SAFECAMPUS_OUTBOX_LEASE_SECONDS)

    def work() -> list[Send]:
        ids = list(
            Message.objects.due(now)
            .filter(channel__isnull=True, transport=Transport.EMAIL)
            .order_by(_urgent_first(), "created_at", "id")
            .values_list("pk", flat=True)[:EMAIL_BATCH]
        )
        moved = _claim_rows(ids, now=now, worker=worker, lease=lease)
        if not moved:
            return []
        Attempt.objects.bulk_create(
            [Attempt(message_id=pk, part=1, at=now, worker=worker) for pk in moved]
        )
        attempt_of = dict(
            Attempt.objects.filter(
                message_id__in=moved, worker=worker, outcome=Outcome.RESERVED
            ).values_list("message_id", "pk")
        )
        return [
            Send(
                transport=Transport.EMAIL,
                message_ids=[m.pk],
                attempt_ids=[attempt_of[m.pk]],
                part=1,
                last_part=True,
                address=m.address,
                subject=m.title,
                text=m.body + (f"\n\n{absolute_url(m.url)}" if m.url else ""),
            )
            for m in Message.objects.filter(pk__in=moved).only(
                "pk", "address", "title", "body", "url"
            )
        ]

    return in_write_transaction(work)


# --- sending and recording ----------------------------------------------------------------------


def _backoff(attempts: int) -> datetime.timedelta:
    return datetime.timedelta(seconds=min(BACKOFF_FIRST * 2 ** max(attempts - 1, 0), BACKOFF_MAX))


def _start(send: Send, *, worker: str, now: datetime.datetime) -> bool:
    """Just before a request: whether this drain still holds every message of ``send`` (a
    reaper may have taken it from a worker that was too slow); if so its lease is renewed and
    its ledger rows marked in flight, in one transaction that a reaper waits for (the message
    rows are locked), so a reaper sees either a request in flight or none started."""
    lease = now + datetime.timedelta(seconds=settings.SAFECAMPUS_OUTBOX_LEASE_SECONDS)

    def work() -> bool:
        held = Message.objects.filter(pk__in=send.message_ids, status=Status.SENDING, worker=worker)
        if held.update(lease_until=lease) != len(send.message_ids):
            return False
        # the ledger counts the request from when it leaves, not from its claim: the service
        # counts it on arrival, and a claim's last request may leave long after the claim
        Attempt.objects.filter(pk__in=send.attempt_ids, outcome=Outcome.RESERVED).update(
            outcome=Outcome.IN_FLIGHT, at=now
        )
        return True

    return in_write_transaction(work)


def _skip(send: Send, why: str) -> None:
    """A reserved request that is not made: its ledger rows say so and no longer count."""
    retry_locked(
        lambda: Attempt.objects.filter(pk__in=send.attempt_ids, outcome=Outcome.RESERVED).update(
            outcome=Outcome.ERROR, counted=False, detail=why[:300]
        )
    )


def _deliver(send: Send, *, worker: str, clock: Callable[[], datetime.datetime]) -> str:
    if not _start(send, worker=worker, now=clock()):
        _skip(send, _("Not sent: the message was taken from its worker."))
        return "skipped"
    if send.transport == Transport.EMAIL:
        answer = transports.send_email(address=send.address, subject=send.subject, body=send.text)
    else:
        answer = transports.send_robot(send.transport, send.webhook, send.secret, send.payload)
    now = clock()
    in_write_transaction(lambda: _record(send, answer, worker=worker, now=now))
    return answer.outcome


def _record(send: Send, answer: transports.Answer, *, worker: str, now) -> None:
    Attempt.objects.filter(pk__in=send.attempt_ids).update(
        outcome=answer.outcome,
        http_status=answer.http_status,
        errcode=answer.errcode,
        detail=answer.detail[:300],
    )
    ids = send.message_ids
    if answer.outcome == Outcome.OK:
        if send.last_part:
            _system_move(
                ids,
                Action.DELIVER,
                now=now,
                held_by=worker,
                sent_at=now,
                parts_sent=send.part,
                lease_until=None,
                last_error="",
            )
        else:
            Message.objects.filter(pk__in=ids, status=Status.SENDING, worker=worker).update(
                parts_sent=send.part
            )
        return  # the robot's last_ok_at is written once a round (drain)
    # the message's remaining parts of this claim are not sent
    if answer.outcome == Outcome.LIMITED:
        blocked = now + datetime.timedelta(seconds=transports.BLOCKED_FOR[send.transport])
        Channel.objects.filter(pk=send.channel_id).update(
            blocked_until=blocked, last_error=answer.detail[:300], last_error_at=now
        )
        _system_move(
            ids,
            Action.RETRY,
            now=now,
            held_by=worker,
            detail=answer.detail,
            next_attempt_at=blocked,
            lease_until=None,
            last_error=answer.detail[:300],
        )
        return
    if send.channel_id:
        Channel.objects.filter(pk=send.channel_id).update(
            last_error=answer.detail[:300], last_error_at=now
        )
    if answer.outcome == Outcome.REFUSED:
        _system_move(
            ids,
            Action.FAIL,
            now=now,
            held_by=worker,
            detail=answer.detail,
            lease_until=None,
            last_error=answer.detail[:300],
        )
        return
    rows = Message.objects.filter(pk__in=ids, status=Status.SENDING, worker=worker)
    spent = [pk for pk, n in rows.values_list("pk", "attempts") if n >= _max_attempts()]
    _system_move(
        spent,
        Action.FAIL,
        now=now,
        held_by=worker,
        detail=answer.detail,
        lease_until=None,
        last_error=answer.detail[:300],
    )
    retry_at = {
        pk: now + _backoff(n) for pk, n in rows.exclude(pk__in=spent).values_list("pk", "attempts")
    }
    retry_at = _outside_quiet_hours(retry_at)
    by_time: dict[datetime.datetime, list[int]] = {}
    for pk, when in retry_at.items():
        by_time.setdefault(when, []).append(pk)
    for when, pks in by_time.items():
        _system_move(
            pks,
            Action.RETRY,
            now=now,
            held_by=worker,
            detail=answer.detail,
            next_attempt_at=when,
            lease_until=None,
            last_error=answer.detail[:300],
        )


def _outside_quiet_hours(times: dict[int, datetime.datetime]) -> dict[int, datetime.datetime]:
    """The retry times of messages moved past the quiet hours that hold them (the robot's own,
    the person's own, else the bureau's), alerts excepted: a reminder that failed at 21:59 is not
    tried again at 22:30. A few queries, on failures only."""
    from .models import MessagingSettings, Preference
    from .quiet import quiet_until

    if not times:
        return times
    rows = list(
        Message.objects.filter(pk__in=list(times)).values_list(
            "pk", "topic", "bureau_id", "channel__quiet_start", "channel__quiet_end", "recipient_id"
        )
    )
    cfgs = {
        c.bureau_id: c for c in MessagingSettings.objects.filter(bureau_id__in={r[2] for r in rows})
    }
    prefs = {
        p.user_id: p for p in Preference.objects.filter(user_id__in={r[5] for r in rows if r[5]})
    }
    out = dict(times)
    for pk, topic, bureau_id, c_start, c_end, recipient_id in rows:
        cfg = cfgs.get(bureau_id) or MessagingSettings(bureau_id=bureau_id)
        own = prefs.get(recipient_id)
        start, end = (
            (c_start, c_end)
            if c_start is not None
            else (own.quiet_start, own.quiet_end)
            if own is not None and own.quiet_start is not None
            else (cfg.quiet_start, cfg.quiet_end)
        )
        out[pk] = quiet_until(times[pk], start, end, topic)
    return out


def _max_attempts() -> int:
    return settings.SAFECAMPUS_OUTBOX_MAX_ATTEMPTS


def _finish_claim(
    sends: list[Send],
    *,
    worker: str,
    now,
    tried: set[int] = frozenset(),
    later: dict[int, datetime.datetime] | None = None,
) -> None:
    """After a claim's sends: a message still held goes back to waiting. One whose parts are
    left for the next minute continues from the part it reached; one for which no request was
    made (its robot was blocked meanwhile) waits without the attempt counted."""
    held = {i for s in sends for i in s.message_ids}
    rows = Message.objects.filter(pk__in=held, status=Status.SENDING, worker=worker)
    ids = list(rows.values_list("pk", flat=True))
    if not ids:
        return
    untried = [i for i in ids if i not in tried]

    def work():
        _system_move(
            [i for i in ids if i in tried],
            Action.PART,
            now=now,
            held_by=worker,
            lease_until=None,
            next_attempt_at=now,
        )
        waits = later or {}
        slow = {i for i in untried if i in waits}
        waits = _outside_quiet_hours({i: waits.get(i, now) for i in untried})
        for when in sorted(set(waits.values())):
            group = [i for i in untried if waits[i] == when]
            _system_move(
                group,
                Action.RETRY,
                now=now,
                held_by=worker,
                detail=(
                    _("Not sent: the service did not answer an earlier request.")
                    if slow.intersection(group)
                    else _("Not sent: the service blocked the robot.")
                ),
                lease_until=None,
                next_attempt_at=when,
                attempts=F("attempts") - 1,
            )

    in_write_transaction(work)


# --- draining -----------------------------------------------------------------------------------


def drain(
    *,
    now: datetime.datetime | None = None,
    clock: Callable[[], datetime.datetime] | None = None,
    worker: str | None = None,
    max_rounds: int = 1000,
    channel_ids: Iterable[int] | None = None,
    message_ids: Iterable[int] | None = None,
) -> dict:
    """Send what is due until nothing due may be sent now (every robot with waiting messages is
    at its limit or blocked). ``now`` fixes the time (tests); ``clock`` reads it (the worker).
    ``channel_ids`` limits the drain to some robots and ``message_ids`` to some messages (a test
    send: that message alone, never the robot's backlog). Returns counts by outcome."""
    only = set(message_ids) if message_ids is not None else None
    if clock is None:
        clock = (lambda: now) if now is not None else timezone.now
    worker = worker or worker_token()
    counts: dict[str, int] = {}
    reap(now=clock())
    # robots are taken in pages of ROBOT_PAGE by id, so that a page of robots at their limit
    # (or blocked) never hides the robots after it; the drain ends after a whole pass over
    # every page that sent nothing
    # each drain starts at a robot of its own, so that several workers spread over the robots
    # instead of queueing behind each other on the first ones; the pass then wraps round
    after = _start_robot(channel_ids)
    idle_pass = after == 0
    for _round in range(max_rounds):
        at = clock()
        due = Message.objects.due(at).filter(channel__isnull=False, channel_id__gt=after)
        if channel_ids is not None:
            due = due.filter(channel_id__in=list(channel_ids))
        # ordered by the robot alone: the model's ordering would put created_at and id in the
        # DISTINCT, one row per message, and one busy robot would fill the round
        robots = list(
            due.order_by("channel_id").values_list("channel_id", flat=True).distinct()[:ROBOT_PAGE]
        )
        after = robots[-1] if len(robots) == ROBOT_PAGE else 0
        sends: list[Send] = []
        for channel_id in robots:
            sends.extend(_claim_channel(channel_id, at, worker, only))
        if channel_ids is None and only is None:
            sends.extend(_claim_emails(at, worker))
        if sends:
            idle_pass = False
        if not sends:
            if after:
                continue  # the next page of robots
            if idle_pass:
                break
            idle_pass = True  # one more pass from the first robot: some may have room again
            continue
        stopped: set[int] = set()  # messages with a part that failed: no later part is sent
        answered: dict[int, datetime.datetime] = {}  # robots that took a request: when
        tried: set[int] = set()  # messages a request was made for
        later: dict[int, datetime.datetime] = {}  # messages skipped after an error: when again
        blocked: set[int] = set()  # robots the service blocked: nothing more goes to them
        # robots (0: the mail server) that did not answer or answered an error: the rest of
        # their requests of this round wait for the back-off, so one dead robot never holds up
        # the others for a timeout per message
        erring: dict[int, datetime.datetime] = {}
        for send in sends:
            target = send.channel_id or 0
            if target in erring:
                _skip(send, _("Not sent: the service did not answer an earlier request."))
                counts["skipped"] = counts.get("skipped", 0) + 1
                later.update(dict.fromkeys(send.message_ids, erring[target]))
                continue
            if send.channel_id in blocked or stopped.intersection(send.message_ids):
                why = (
                    _("Not sent: the service blocked the robot.")
                    if send.channel_id in blocked
                    else _("Not sent: an earlier part failed.")
                )
                _skip(send, why)
                counts["skipped"] = counts.get("skipped", 0) + 1
                continue
            outcome = _deliver(send, worker=worker, clock=clock)
            counts[outcome] = counts.get(outcome, 0) + 1
            if outcome != "skipped":
                tried.update(send.message_ids)
            if outcome == Outcome.OK:
                if send.channel_id:
                    answered[send.channel_id] = clock()
            else:
                stopped.update(send.message_ids)
            if outcome == Outcome.LIMITED:
                blocked.add(send.channel_id)
            if outcome == Outcome.ERROR:
                erring[target] = clock() + _backoff(1)
        _finish_claim(sends, worker=worker, now=clock(), tried=tried, later=later)
        later.clear()
        for channel_id, at_ok in answered.items():
            retry_locked(lambda: Channel.objects.filter(pk=channel_id).update(last_ok_at=at_ok))  # noqa: B023
        answered.clear()
    if not connection.in_atomic_block:  # never inside a caller's transaction (a test's)
        connection.close_if_unusable_or_obsolete()
    return counts


def _start_robot(channel_ids) -> int:
    """A random robot id to start a drain after (0: from the first)."""
    if channel_ids is not None:
        return 0
    top = Channel.objects.order_by("-pk").values_list("pk", flat=True).first()
    return random.randrange(top) if top and top > ROBOT_PAGE else 0


def reap(*, now: datetime.datetime | None = None) -> dict:
    """Messages whose drain stopped (its lease ran out): queued again when none of their
    requests had started, ``uncertain`` when one was in flight."""
    now = now or timezone.now()

    def work():
        # locked first (PostgreSQL), so a worker starting a request waits, and then finds the
        # message no longer its own; or it started before, and its request is seen in flight
        stale = list(
            Message.objects.select_for_update()
            .filter(status=Status.SENDING, lease_until__lt=now)
            .order_by("pk")
            .values_list("pk", flat=True)[:5000]
        )
        if not stale:
            return {"released": 0, "uncertain": 0}
        in_flight = set(
            Attempt.objects.filter(message_id__in=stale, outcome=Outcome.IN_FLIGHT).values_list(
                "message_id", flat=True
            )
        )
        lost = _system_move(
            [pk for pk in stale if pk in in_flight],
            Action.LOSE,
            now=now,
            detail=_("Its worker stopped while the service was answering: it may have arrived."),
            lease_until=None,
            last_error=_("Outcome unknown: the worker stopped mid-send."),
        )
        released = _system_move(
            [pk for pk in stale if pk not in in_flight],
            Action.RELEASE,
            now=now,
            lease_until=None,
            next_attempt_at=now,
        )
        Attempt.objects.filter(message_id__in=stale, outcome=Outcome.RESERVED).update(
            outcome=Outcome.ERROR, detail=_("Not sent: its worker stopped.")
        )
        return {"released": len(released), "uncertain": len(lost)}

    return in_write_transaction(work)


# --- a person's moves ---------------------------------------------------------------------------


def message_act(*, actor, message: Message, action: str, now=None) -> Message:
    """Send a failed or uncertain message again, or cancel one, as a person who keeps its robot
    (or the bureau's centre). Refused through the lifecycle table."""
    now = now or timezone.now()

    def work():
        locked = Message.objects.select_for_update().get(pk=message.pk)
        move = MESSAGES.check(locked, action, roles_on(actor, locked))
        fields = {}
        if action == Action.RESEND:
            locked.next_attempt_at = now
            locked.not_before = min(locked.not_before, now)
            locked.attempts = 0
            locked.parts_sent = 0 if locked.status == Status.FAILED else locked.parts_sent
            fields = {"next_attempt_at", "not_before", "attempts", "parts_sent"}
        MESSAGES.commit(
            locked,
            move,
            now=now,
            update_fields=fields,
            event=lambda before, after: MessageEvent.objects.create(
                message=locked,
                action=action,
                from_status=before,
                to_status=after,
                actor=actor,
                at=now,
            ),
        )
        if action == Action.RESEND:
            kick()
        return locked

    return in_write_transaction(work)


def channel_figures(channel_ids: Iterable[int]) -> dict[int, dict[str, int]]:
    """Per robot: messages waiting, failed and uncertain (one query)."""
    from django.db.models import Count

    out: dict[int, dict[str, int]] = {}
    rows = (
        Message.objects.filter(
            channel_id__in=list(channel_ids),
            status__in=[Status.PENDING, Status.FAILED, Status.UNCERTAIN],
        )
        .values("channel_id", "status")
        .annotate(n=Count("pk"))
    )
    for row in rows:
        out.setdefault(row["channel_id"], {})[row["status"]] = row["n"]
    return out


__all__ = ["drain", "enqueue", "kick", "message_act", "reap", "worker_token"]
