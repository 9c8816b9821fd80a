"""Queue the groups' daily digest of a day (the same as the job that runs every five minutes;
safe to run again: a bureau's digest of a day is queued once)."""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from safecampus.messaging.digests import group_digests


class Command(BaseCommand):
    help = "Queue the daily digest of each bureau's group robots whose digest hour has come."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="the day, YYYY-MM-DD (default: today, Asia/Shanghai)")
        parser.add_argument(
            "--now",
            help="the time to act at, ISO 8601 (default: now; a past --date is done whatever "
            "the hour)",
        )

    def handle(self, *args, date=None, now=None, **options):
        if now:
            try:
                at = datetime.datetime.fromisoformat(now)
            except ValueError as exc:
                raise CommandError(f"--now: {exc}") from exc
            if timezone.is_naive(at):
                at = timezone.make_aware(at)
        else:
            at = timezone.now()
        if date:
            try:
                day = datetime.date.fromisoformat(date)
            except ValueError as exc:
                raise CommandError(f"--date: {exc}") from exc
        else:
            day = timezone.localtime(at).date()
        if day > timezone.localtime(at).date():
            raise CommandError("--date: a day after --now")
        result = group_digests(now=at, today=day)
        self.stdout.write(
            f"{day.isoformat()}: {result['bureaus']} bureaus, {result['messages']} messages queued"
        )
