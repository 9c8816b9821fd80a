"""``manage.py backup [--output DIR] [--keep N]``: one archive of database, files and key."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from safecampus.core.backup import BackupError, backup_create


class Command(BaseCommand):
    help = (
        "Back up the database (a consistent snapshot), the uploaded files and the secret key "
        "into one archive; safe while the product serves."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            type=Path,
            default=None,
            help="directory for the archive (default: var/backups)",
        )
        parser.add_argument(
            "--keep", type=int, default=None, help="then keep only the newest N archives there"
        )
        parser.add_argument(
            "--no-secret-key",
            action="store_true",
            help="leave var/secret_key out of the archive (keep it elsewhere)",
        )

    def handle(self, *args, output, keep, no_secret_key, **options):
        output = output or Path(settings.VAR_DIR) / "backups"
        if keep is not None and keep < 1:
            raise CommandError("--keep must be at least 1")
        try:
            result = backup_create(
                output_dir=output,
                include_secret_key=not no_secret_key,
                keep=keep,
                progress=self.stdout.write,
            )
        except BackupError as exc:
            raise CommandError(f"backup failed: {exc}") from exc
        secs = result.seconds
        self.stdout.write(
            f"{result.path}\n  {result.size / 1e6:.1f} MB, sha256 {result.sha256}\n"
            f"  database ({result.vendor}): {result.rows} rows in {result.tables} tables, "
            f"{secs.get('database', 0):.1f} s\n"
            f"  files: {result.files} ({result.file_bytes / 1e6:.1f} MB), "
            f"{result.references} referenced by the database, {secs.get('files', 0):.1f} s"
        )
        if result.missing:
            shown = "\n  ".join(
                f"{m['field']} id={m['id']}: {m['name']}" for m in result.missing[:20]
            )
            raise CommandError(
                f"the archive was written, but {len(result.missing)} file(s) referenced by the "
                f"database were already missing from storage:\n  {shown}"
            )
        self.stdout.write(self.style.SUCCESS("Backup complete."))
