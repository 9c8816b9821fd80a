"""The audit log's hash chain: appending under a lock, and verifying.

Every event gets the next ``seq`` (1, 2, 3 … without gaps), the ``hash`` of the event before it
(``prev_hash``; 64 zeros for the first) and its own ``hash``: the SHA-256 of a canonical
serialisation of its content and ``prev_hash`` (:func:`canonical`). Editing a row changes what its
hash covers; deleting one leaves a gap in ``seq``; moving one breaks the link to its neighbour.
:func:`verify` walks the chain in ``seq`` order and names the first broken link.

Appending is serial. On PostgreSQL the writer takes a transaction-scoped advisory lock and reads
the chain head in one round trip (the ``audit_chain_head()`` function installed by migration
0004: a volatile PL/pgSQL function sees the head committed by the writer it waited for), then
inserts; the lock is released when the caller's transaction ends, so an audit row should be the
last thing a transaction writes. On SQLite a write transaction holds the database's only write
lock from ``BEGIN IMMEDIATE`` (``transaction_mode``), so reading the head inside it is enough.
"""

from __future__ import annotations

import datetime
import hashlib
import ipaddress
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.db import connection, transaction

from .models import AuditEvent

GENESIS = "0" * 64
#: part of every hashed document, so that a future change of the canonical form is visible
CANONICAL_VERSION = 1
#: the key of the advisory lock that serialises appends (any constant unique to this product)
ADVISORY_LOCK_KEY = 0x5AFE_CA4D_A0D1
UTC = datetime.UTC

#: the columns :func:`canonical` reads, in the order :func:`verify` fetches them
COLUMNS = (
    "id",
    "seq",
    "at",
    "action",
    "actor_id",
    "actor_username",
    "bureau_id",
    "target_type",
    "target_id",
    "target_repr",
    "ip",
    "request_id",
    "data",
    "prev_hash",
    "hash",
)


def _canon_json(value):
    """JSON data as both databases give it back: string keys, lists, integral floats as ints
    (PostgreSQL's jsonb prints 1e+20 as 100000000000000000000)."""
    if isinstance(value, dict):
        return {str(k): _canon_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_canon_json(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _canon_ip(ip: str | None) -> str | None:
    # the bytes of the address: PostgreSQL's inet and Python print IPv6 addresses differently
    if not ip:
        return None
    try:
        return ipaddress.ip_address(ip).packed.hex()
    except ValueError:  # whatever the server put in REMOTE_ADDR (SQLite stores it as it is)
        return str(ip)


def canonical(
    *,
    seq: int,
    at: datetime.datetime,
    action: str,
    actor_id: int | None,
    actor_username: str,
    bureau_id: int | None,
    target_type: str,
    target_id: str,
    target_repr: str,
    ip: str | None,
    request_id: str,
    data,
    prev_hash: str,
    **_ignored,
) -> bytes:
    """The bytes an event's hash covers: sorted-key JSON of its content and ``prev_hash``."""
    doc = {
        "v": CANONICAL_VERSION,
        "seq": seq,
        "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
        "action": action,
        "actor": [actor_id, actor_username],
        "bureau": bureau_id,
        "target": [target_type, target_id, target_repr],
        "ip": _canon_ip(ip),
        "request_id": request_id,
        "data": _canon_json(data),
        "prev": prev_hash,
    }
    return json.dumps(doc, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def event_hash(**values) -> str:
    return hashlib.sha256(canonical(**values)).hexdigest()


def _values(event: AuditEvent) -> dict:
    return {name: getattr(event, name) for name in COLUMNS if name not in ("id", "hash")}


def _head() -> tuple[int, str]:
    """The last ``(seq, hash)``; on PostgreSQL also takes the append lock (see the module doc)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT seq, hash FROM audit_chain_head()")
        else:
            cursor.execute("SELECT seq, hash FROM audit_auditevent ORDER BY seq DESC LIMIT 1")
        row = cursor.fetchone()
    return (row[0], row[1]) if row and row[0] is not None else (0, GENESIS)


def append(events: list[AuditEvent]) -> list[AuditEvent]:
    """Seal and insert ``events`` at the end of the chain, in the caller's transaction."""
    if not events:
        return events
    with transaction.atomic(savepoint=False):
        seq, prev = _head()
        for event in events:
            seq += 1
            event.seq, event.prev_hash = seq, prev
            event.hash = prev = event_hash(**_values(event))
        if len(events) == 1:
            events[0].save(force_insert=True)
        else:
            AuditEvent.objects.bulk_create(events, batch_size=1000)
    return events


# --- verifying ----------------------------------------------------------------------------------


@dataclass
class Break:
    """One broken link: the row where the chain stops holding, and why."""

    kind: str  # "edited", "deleted", "reordered", "truncated"
    seq: int
    id: int | None
    at: datetime.datetime | None
    detail: str

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "seq": self.seq,
            "id": self.id,
            "at": self.at.isoformat() if self.at else None,
            "detail": self.detail,
        }


@dataclass
class Result:
    rows: int = 0
    head_seq: int = 0
    head_hash: str = GENESIS
    head_at: datetime.datetime | None = None
    breaks: int = 0
    first: Break | None = None
    extra: list[Break] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.breaks == 0


def _rows(chunk_size: int) -> Iterator[tuple]:
    qs = AuditEvent.objects.order_by("seq").values_list(*COLUMNS)
    return qs.iterator(chunk_size=chunk_size)


def verify(
    *,
    chunk_size: int = 5000,
    anchors: Iterable[tuple[int, str]] = (),
    keep: int = 10,
    rows: Iterable[tuple] | None = None,
) -> Result:
    """Walk the whole chain in ``seq`` order, streamed, and report what is broken.

    ``anchors`` are ``(seq, hash)`` pairs known to be good (an earlier verification, a figure
    written down elsewhere): the row at each must still carry that hash, and the chain must still
    reach it. After a break the walk goes on from the broken row, so one edit is one break, not
    all the rows after it; the first ``keep`` breaks are kept.
    """
    result = Result()
    expected = dict(anchors)

    def broken(b: Break) -> None:
        result.breaks += 1
        if result.first is None:
            result.first = b
        elif len(result.extra) < keep - 1:
            result.extra.append(b)

    prev_seq, prev_hash, prev_id = 0, GENESIS, 0
    for row in rows if rows is not None else _rows(chunk_size):
        values = dict(zip(COLUMNS, row, strict=True))
        seq, rid, at = values["seq"], values["id"], values["at"]
        result.rows += 1
        recomputed = event_hash(**values)
        if seq != prev_seq + 1:
            missing = f"{prev_seq + 1}" if seq == prev_seq + 2 else f"{prev_seq + 1}–{seq - 1}"
            broken(
                Break(
                    "deleted",
                    seq,
                    rid,
                    at,
                    f"rows with seq {missing} are missing (deleted) before this row",
                )
            )
        elif recomputed != values["hash"]:
            broken(
                Break(
                    "edited",
                    seq,
                    rid,
                    at,
                    "the row's content no longer matches its hash (edited after it was written)",
                )
            )
        elif values["prev_hash"] != prev_hash:
            broken(
                Break(
                    "reordered",
                    seq,
                    rid,
                    at,
                    f"the row was not written after the row before it (seq {prev_seq}, "
                    f"id {prev_id}): rows were moved or inserted, or the row before was "
                    "rewritten with a recomputed hash",
                )
            )
        elif rid < prev_id:
            broken(
                Break(
                    "reordered",
                    seq,
                    rid,
                    at,
                    f"the row was stored before the row it follows (id {rid} < {prev_id})",
                )
            )
        if seq in expected and expected.pop(seq) != values["hash"]:
            broken(Break("edited", seq, rid, at, "the row's hash differs from a verified anchor"))
        prev_seq, prev_hash, prev_id = seq, values["hash"], rid
        result.head_seq, result.head_hash, result.head_at = seq, values["hash"], at
    for seq in sorted(s for s in expected if s > prev_seq):
        broken(
            Break(
                "truncated",
                seq,
                None,
                None,
                f"the chain ends at seq {prev_seq}, before seq {seq} that was verified earlier "
                "(the last rows were deleted)",
            )
        )
    return result


def check(*, record: bool = False, anchors: Iterable[tuple[int, str]] = (), chunk_size: int = 5000):
    """Verify the whole chain against the heads of the earlier good checks (and ``anchors``);
    with ``record`` store the outcome as a :class:`~safecampus.audit.models.ChainCheck`.
    Returns ``(result, check or None)``."""
    from django.utils import timezone

    from .models import ChainCheck

    started = timezone.now()
    known = list(ChainCheck.objects.filter(ok=True).values_list("head_seq", "head_hash"))
    known = [(seq, h) for seq, h in known if seq > 0] + list(anchors)
    result = verify(chunk_size=chunk_size, anchors=known)
    if not record:
        return result, None
    row = ChainCheck.objects.create(
        started_at=started,
        finished_at=timezone.now(),
        ok=result.ok,
        rows=result.rows,
        head_seq=result.head_seq,
        head_hash=result.head_hash,
        head_at=result.head_at,
        breaks=result.breaks,
        first_break=result.first.as_dict() if result.first else None,
    )
    return result, row
