"""Generate every bureau's duty occurrences and mark the missed ones (what the daily jobs do;
safe to run again)."""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from safecampus.duties.tasks import run_daily


class Command(BaseCommand):
    help = "Generate the duty occurrences now owed and mark missed those past their grace."

    def add_arguments(self, parser):
        parser.add_argument("--today", help="the day, YYYY-MM-DD (default: today, Asia/Shanghai)")

    def handle(self, *args, today=None, **options):
        if today:
            try:
                day = datetime.date.fromisoformat(today)
            except ValueError as exc:
                raise CommandError(f"--today: {exc}") from exc
        else:
            day = timezone.localdate()
        result = run_daily(today=day)
        self.stdout.write(
            f"{result['today']}: {result['created']} occurrences created, "
            f"{result['missed']} marked missed"
        )
