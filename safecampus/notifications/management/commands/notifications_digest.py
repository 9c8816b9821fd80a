"""Record the weekly-report reminders and fold pending notices into the day's digests (the same
as the daily job; safe to run again the same day)."""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from safecampus.notifications.services import daily_run


class Command(BaseCommand):
    help = "Record reminders and fold pending notices into one digest per person for the day."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="the day, YYYY-MM-DD (default: today, Asia/Shanghai)")

    def handle(self, *args, date=None, **options):
        if date:
            try:
                today = datetime.date.fromisoformat(date)
            except ValueError as exc:
                raise CommandError(f"--date: {exc}") from exc
        else:
            today = timezone.localdate()
        result = daily_run(today=today)
        self.stdout.write(
            f"{today.isoformat()}: {result['reminders']} reminders, "
            f"{result['folded']} notices folded into digests"
        )
