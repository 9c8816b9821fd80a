"""``manage.py backup_verify ARCHIVE``: check an archive without restoring it."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from safecampus.core.backup import BackupError, backup_verify


class Command(BaseCommand):
    help = (
        "Check a backup archive: safe member names, every sha256 against the manifest, and (for "
        "SQLite) the database's integrity, row counts and the files its rows reference."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path)

    def handle(self, *args, archive, **options):
        if not archive.is_file():
            raise CommandError(f"{archive}: no such file")
        try:
            result = backup_verify(archive, progress=self.stdout.write)
        except BackupError as exc:
            raise CommandError(f"{archive}: {exc}") from exc
        m = result.manifest
        self.stdout.write(
            f"taken {m['created_at']} ({m['database']['vendor']}, "
            f"{m.get('product', {}).get('commit', 'commit unknown')})\n"
            f"  {result.rows} rows in {result.tables} tables, {result.files} files, "
            f"{result.references} file references"
        )
        for note in result.notes:
            self.stdout.write(f"  {note}")
        self.stdout.write(self.style.SUCCESS("Archive verified."))
