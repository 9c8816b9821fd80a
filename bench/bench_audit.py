#!/usr/bin/env python
"""Benchmark of the audit log's hash chain: what chaining costs a write, and how fast the chain
is verified.

Usage::

    .venv/bin/python bench/bench_audit.py              # SQLite (bench/out/audit-sqlite)
    .venv/bin/python bench/bench_audit.py --postgres   # PostgreSQL (safecampus_bench_audit)

Builds a fresh database, then

1. writes ``--events`` (10,000) audit events one transaction each, as a login does, twice, in
   alternating rounds (so that a busy host weighs on both alike): "plain" is the insert the log
   made before the chain (no head read, no hash, no lock); "chained" is ``audit_record`` (lock +
   head read, SHA-256, insert);
2. writes the same number again from ``--writers`` (8) processes at once, and checks that they
   formed one gap-free chain;
3. fills the log to ``--verify-rows`` (100,000) events and times ``audit_verify`` over them
   (streamed; peak memory of the process is printed too).
"""

from __future__ import annotations

import multiprocessing
import resource
import time

import harness  # stdlib only: options, environment, timing, report, JSON

harness.use_paths()

PG_NAME = "safecampus_bench_audit"
PG_URL = harness.pg_url(PG_NAME)


def prepare(postgres: bool) -> None:
    out = harness.fresh_dir(harness.OUT_DIR / f"audit-{harness.vendor_of(postgres)}")
    if postgres:
        harness.recreate_pg_database(PG_NAME)
    harness.prepare_environment(out, database_url=PG_URL if postgres else None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def empty_log() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET safecampus.audit_truncate = 'allowed'")
            cursor.execute("TRUNCATE audit_auditevent, audit_chaincheck")
        else:
            cursor.execute("DELETE FROM audit_auditevent")
            cursor.execute("DELETE FROM audit_chaincheck")


def event_kwargs(i: int) -> dict:
    return {
        "action": "login_failed",
        "actor_username": f"user{i % 997}",
        "data": {"failures": i % 5 + 1},
    }


def write_plain(n: int, start: int = 1) -> None:
    """The write as it was before the chain: one INSERT, nothing read, nothing hashed (negative
    ``seq`` values keep these rows out of the chain's way)."""
    from django.db import transaction

    from safecampus.audit.models import AuditEvent
    from safecampus.core.context import client_ip, request_id

    for i in range(start, start + n):
        with transaction.atomic():
            AuditEvent(
                seq=-i,
                ip=client_ip.get() or "10.0.0.1",
                request_id=request_id.get() or f"req{i}",
                **event_kwargs(i),
            ).save(force_insert=True)


def write_chained(n: int, offset: int = 0) -> None:
    from django.db import transaction

    from safecampus.audit.services import audit_record
    from safecampus.core.context import client_ip, request_id

    client_ip.set("10.0.0.1")
    for i in range(offset, offset + n):
        request_id.set(f"req{i}")
        with transaction.atomic():
            audit_record(**event_kwargs(i))


def _writer(args) -> None:
    n, offset = args
    from django.db import connections

    connections.close_all()
    write_chained(n, offset)
    connections.close_all()


def fill(total: int) -> None:
    from django.db import transaction

    from safecampus.audit.models import AuditEvent
    from safecampus.audit.services import audit_record_many

    have = AuditEvent.objects.count()
    while have < total:
        k = min(5000, total - have)
        with transaction.atomic():
            audit_record_many([AuditEvent(**event_kwargs(have + j)) for j in range(k)])
        have += k


def main() -> None:
    parser = harness.parser(__doc__, first="\n")
    harness.add_postgres(parser)
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--verify-rows", type=int, default=100_000)
    args = harness.parse(parser)
    prepare(args.postgres)

    from django.db import connection, connections

    from safecampus.audit import chain
    from safecampus.audit.models import AuditEvent

    n = args.events
    print(f"== audit chain on {connection.vendor} ==")
    rounds = 5
    print(f"1. {n} events, one transaction each, one process (in {rounds} alternating rounds)")
    empty_log()
    write_chained(1, offset=n)  # the chain's first event, so the head is never a plain row
    plain = chained = 0.0
    per_round = n // rounds
    for r in range(rounds):
        started = time.perf_counter()
        write_plain(per_round, start=r * per_round + 1)
        plain += time.perf_counter() - started
        started = time.perf_counter()
        write_chained(per_round, offset=r * per_round)
        chained += time.perf_counter() - started
    for label, took in (("plain insert (before the chain)", plain), ("chained (after)", chained)):
        print(f"  {label:<44} {took:7.2f} s  {took / n * 1e6:7.0f} µs/event  {n / took:8.0f}/s")
    extra = (chained - plain) / n * 1e6
    print(f"  cost of chaining: {extra:+.0f} µs/event ({chained / plain:.2f}×)")
    in_chain = AuditEvent.objects.filter(seq__gt=0).order_by("seq").values_list(*chain.COLUMNS)
    assert chain.verify(rows=in_chain.iterator(chunk_size=5000)).ok

    w = args.writers
    print(f"2. {n} events from {w} processes at once")
    empty_log()
    connections.close_all()
    per = n // w
    started = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(w) as pool:
        pool.map(_writer, [(per, k * per) for k in range(w)])
    took = time.perf_counter() - started
    seqs = list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))
    gap_free = seqs == list(range(1, per * w + 1))
    result = chain.verify()
    print(
        f"  {'chained, concurrent':<44} {took:7.2f} s  {per * w / took:8.0f}/s  "
        f"gap-free: {gap_free}, verifies: {result.ok}"
    )

    rows = args.verify_rows
    print(f"3. verify {rows} events")
    empty_log()
    started = time.perf_counter()
    fill(rows)
    print(f"  {'fill (bulk appends of 5000)':<44} {time.perf_counter() - started:7.2f} s")
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    result = chain.verify(chunk_size=5000)
    took = time.perf_counter() - started
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"  {'audit_verify (chunk 5000)':<44} {took:7.2f} s  {rows / took:8.0f} rows/s  "
        f"ok: {result.ok}  peak RSS {rss_before:.0f} -> {rss_after:.0f} MB"
    )


if __name__ == "__main__":
    main()
