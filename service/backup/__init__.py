"""Backup and restore of the whole service state: the database and the attachment files (`duban backup`)."""

from __future__ import annotations

from service.backup.create import BackupResult, create_backup
from service.backup.restore import RestoreResult, restore_backup

__all__ = ["BackupResult", "RestoreResult", "create_backup", "restore_backup"]
