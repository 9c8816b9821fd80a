"""Verify the audit log's hash chain and name the first broken link.

Exit status 0 when the chain is intact, 1 when it is broken. Streams the table in ``seq`` order
(``--chunk-size`` rows at a time), so it runs in flat memory on millions of events.
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from safecampus.audit import chain


def _when(at) -> str:
    return timezone.localtime(at).strftime("%Y-%m-%d %H:%M:%S") if at else "-"


def _anchor(value: str) -> tuple[int, str]:
    seq, _sep, digest = value.partition(":")
    if not seq.isdigit() or len(digest) != 64:
        raise CommandError(f"--anchor takes SEQ:HASH (64 hex digits), not {value!r}")
    return int(seq), digest.lower()


class Command(BaseCommand):
    help = "Verify the audit log's hash chain; name the first broken link (exit 1 if broken)."

    def add_arguments(self, parser):
        parser.add_argument("--chunk-size", type=int, default=5000)
        parser.add_argument(
            "--record",
            action="store_true",
            help="store the outcome (shown on the audit log page; a good head is an anchor "
            "for later checks)",
        )
        parser.add_argument(
            "--anchor",
            action="append",
            default=[],
            metavar="SEQ:HASH",
            help="a head printed by an earlier run and kept elsewhere: that row must still "
            "carry that hash",
        )

    def handle(self, *args, chunk_size, record, anchor, **options):
        anchors = [_anchor(a) for a in anchor]
        result, _row = chain.check(record=record, anchors=anchors, chunk_size=chunk_size)
        if result.ok:
            self.stdout.write(
                f"Audit chain intact: {result.rows} events, last seq {result.head_seq} at "
                f"{_when(result.head_at)}, head {result.head_seq}:{result.head_hash}"
            )
            return
        for b in [result.first, *result.extra]:
            self.stderr.write(
                f"broken at seq {b.seq} (id {b.id if b.id is not None else '-'}, "
                f"{_when(b.at)}): {b.kind}: {b.detail}"
            )
        first = result.first
        raise CommandError(
            f"Audit chain BROKEN: {result.breaks} broken link(s) in {result.rows} events; the "
            f"first at seq {first.seq} (id {first.id if first.id is not None else '-'}, "
            f"{_when(first.at)}): {first.kind}",
            returncode=1,
        )
