"""Backup and restore of an installation (``manage.py backup``, ``restore``, ``backup_verify``)."""

from .archive import BackupError, VerificationFailed
from .restore import backup_restore, backup_verify, restore_target
from .services import backup_create

__all__ = [
    "BackupError",
    "VerificationFailed",
    "backup_create",
    "backup_restore",
    "backup_verify",
    "restore_target",
]
