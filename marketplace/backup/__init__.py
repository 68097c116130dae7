"""Backups that lose nothing: ``marketplace backup DIR`` and ``marketplace restore DIR``.

See ``service`` for the two operations, ``manifest`` for what a backup directory holds.
"""

from marketplace.backup.manifest import BackupError, Manifest, verify_backup
from marketplace.backup.service import BackupSummary, RestoreSummary, backup, restore

__all__ = ["BackupError", "BackupSummary", "Manifest", "RestoreSummary", "backup", "restore", "verify_backup"]
