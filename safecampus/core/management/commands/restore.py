"""``manage.py restore ARCHIVE [--var DIR | --database-url URL] [--force]``."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from safecampus.core.backup import BackupError, backup_restore, restore_target


class Command(BaseCommand):
    help = (
        "Restore a backup archive into a fresh installation (or, with --force, over this one; "
        "stop the product first), then verify row counts and file hashes against its manifest."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path)
        target = parser.add_mutually_exclusive_group()
        target.add_argument(
            "--var",
            type=Path,
            default=None,
            help="restore a SQLite backup into this directory (database, media, secret_key) "
            "instead of the configured one",
        )
        target.add_argument(
            "--database-url",
            default=None,
            help="restore a PostgreSQL backup into this (empty) database instead of DATABASE_URL",
        )
        parser.add_argument(
            "--force", action="store_true", help="replace a database and files that hold data"
        )

    def handle(self, *args, archive, var, database_url, force, **options):
        if not archive.is_file():
            raise CommandError(f"{archive}: no such file")
        try:
            target = restore_target(var_dir=var, database_url=database_url)
            result = backup_restore(archive, target=target, force=force, progress=self.stdout.write)
        except BackupError as exc:
            raise CommandError(f"restore failed: {exc}") from exc
        secs = result.seconds
        self.stdout.write(
            f"archive checked ({secs['check']:.1f} s); "
            f"restored the backup of {result.manifest['created_at']}: {result.rows} rows in "
            f"{result.tables} tables ({secs['database']:.1f} s), {result.files} files "
            f"({secs['files']:.1f} s); verified {result.references} file references "
            f"({secs['verify']:.1f} s)"
        )
        for note in result.notes:
            self.stdout.write(f"  {note}")
        self.stdout.write(
            self.style.SUCCESS("Restore complete and verified.")
            + " Run `manage.py migrate` next if this version is newer than the backup's."
        )
