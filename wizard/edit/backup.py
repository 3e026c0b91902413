"""Backups of the files ``rsdock edit`` changes, kept until the user discards them.

Each apply copies the files it is about to change to ``.rsdock/backup/<timestamp>/<path>.bak``
before writing anything. The ``.bak`` suffix matters: it keeps ``rsdock lint`` (and anything
else that looks for ``Dockerfile*`` or ``.github/workflows/*.yml``) from mistaking a backup for a
live file.
"""

from __future__ import annotations

import shutil
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable

from rsdock.atomic import write_atomic
from rsdock.errors import UserError

BACKUP_DIR = ".rsdock/backup"
SUFFIX = ".bak"


def backup_root(root: Path | str) -> Path:
    """The folder holding every backup of the workspace at ``root``."""
    return Path(root) / BACKUP_DIR


def make_backup(root: Path | str, paths: Iterable[str], *, now: datetime | None = None) -> Path:
    """Copy each existing file of ``paths`` (relative to ``root``) into a new backup folder.

    Args:
        root: the workspace root.
        paths: root-relative paths of the files about to change; missing ones are skipped.
        now: the timestamp to name the folder by (default: the current UTC time).

    Returns:
        The new backup folder (``.rsdock/backup/<timestamp>``).

    Raises:
        UserError: when a backup cannot be written (then nothing may be edited).
    """
    root = Path(root)
    stamp = (now or datetime.now(timezone.utc)).strftime("%Y%m%dT%H%M%S%fZ")
    folder = backup_root(root) / stamp
    try:
        folder.mkdir(parents=True, exist_ok=False)
        for rel in paths:
            source = root / rel
            if source.is_file():
                target = folder / (rel + SUFFIX)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, target)
    except OSError as error:
        raise UserError(f"cannot write a backup: {error.strerror or error}", path=str(folder),
                        hint="make the workspace writable; nothing was edited") from None
    return folder


def list_backups(root: Path | str) -> list[Path]:
    """The backup folders of ``root``, oldest first."""
    folder = backup_root(root)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_dir())


def backed_up_files(folder: Path) -> list[str]:
    """The root-relative paths a backup folder holds (without the ``.bak`` suffix)."""
    return sorted(p.relative_to(folder).as_posix()[: -len(SUFFIX)]
                  for p in folder.rglob("*" + SUFFIX) if p.is_file())


def restore_backup(root: Path | str, folder: Path) -> list[str]:
    """Put the files of backup ``folder`` back in place (an undo for a TUI); return their paths.

    Each file gets back exactly the bytes it had when backed up, a UTF-8 byte order mark
    included or not: the backup is the original, so nothing of the edited file is kept.
    The backup itself is kept until discarded.
    """
    restored = backed_up_files(folder)
    for rel in restored:
        # Decoding keeps a leading BOM as U+FEFF, which encodes back to the same three bytes.
        write_atomic(Path(root) / rel, (folder / (rel + SUFFIX)).read_bytes().decode("utf-8"))
    return restored


def discard_backups(root: Path | str) -> int:
    """Delete every backup of ``root``; return how many backup folders were deleted."""
    folders = list_backups(root)
    for folder in folders:
        shutil.rmtree(folder)
    base = backup_root(root)
    # Leave no empty .rsdock/ behind: it would only puzzle the user.
    for empty in (base, base.parent):
        try:
            empty.rmdir()
        except OSError:
            break
    return len(folders)
