"""Send what waits in the outbox, beside (or instead of) the job workers' minutely drain.

``manage.py outbox_drain --once`` drains once and exits (after a restart, to see at once what the
robots answer); without ``--once`` it drains every few seconds until stopped (an extra sender
when many messages wait). Any number of these and of the job workers may run at once: the claims
keep them apart, and the robots' limits are counted across all of them."""

from __future__ import annotations

import datetime
import time

from django.core.management.base import BaseCommand, CommandError

from safecampus.messaging.outbox import drain, worker_token


def _instant(value: str) -> datetime.datetime:
    from zoneinfo import ZoneInfo

    try:
        instant = datetime.datetime.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--now: {exc}") from None
    return instant if instant.tzinfo else instant.replace(tzinfo=ZoneInfo("Asia/Shanghai"))


class Command(BaseCommand):
    help = "Send the outbox's messages that are due (robots within their limits, e-mail)."
    requires_system_checks = []  # a sender starts at once (the web and the workers check)

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="drain once and exit")
        parser.add_argument(
            "--every", type=float, default=5.0, help="seconds between drains (default 5)"
        )
        parser.add_argument(
            "--now",
            default="",
            help="drain as at this ISO instant instead of the clock (rehearsals, tests); "
            "only with --once",
        )

    def handle(self, *args, once: bool, every: float, now: str, **options):
        fixed = _instant(now) if now else None
        if fixed is not None and not once:
            raise CommandError("--now needs --once")
        worker = worker_token()
        while True:
            counts = drain(now=fixed, worker=worker)
            said = ", ".join(f"{k}={v}" for k, v in sorted(counts.items())) or "nothing due"
            self.stdout.write(f"outbox drained: {said}")
            self.stdout.flush()
            if once:
                return
            try:
                time.sleep(max(every, 0.5))
            except KeyboardInterrupt:
                return
