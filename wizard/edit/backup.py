"""Backups of the files ``rsdock edit`` changes, kept until the user discards them.

Each apply copies the files it is about to change to ``.rsdock/backup/<timestamp>/<path>.bak``
before writing anything. The ``.bak`` suffix matters: it keeps ``rsdock lint`` (and anything
else that looks for ``Dockerfile*`` or ``.github/workflows/*.yml``) from mistaking a backup for a
live file.

A backup is complete only once its ``manifest.json`` (size and SHA-256 of every ``.bak``) is
written, last, after every copy was fsynced and the edit committed (until then it is
``pending.json``): a backup cut short (a full disk, a kill) or of an edit that never happened
has no manifest and is never listed, and :func:`restore_backup` checks every file against the
manifest before it replaces anything, so a damaged backup is never put back.
"""

from __future__ import annotations

import json
import os
import shutil
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable

from rsdock import fs
from rsdock.errors import UserError

BACKUP_DIR = fs.BACKUPS
SUFFIX = ".bak"
MANIFEST = fs.BACKUP_MANIFEST
GITIGNORE = fs.STATE_GITIGNORE
GITIGNORE_TEXT = fs.STATE_GITIGNORE_TEXT


def backup_root(root: Path | str) -> Path:
    """The folder holding every backup of the workspace at ``root``."""
    return Path(root) / BACKUP_DIR


def make_backup(root: Path | str, paths: Iterable[str], *, now: datetime | None = None,
                expect: dict[str, str] | None = None, pending: bool = False) -> Path:
    """Copy each existing file of ``paths`` (relative to ``root``) into a new backup folder.

    Every copy is written and fsynced before the manifest, and the manifest before this returns:
    the caller replaces files only after that.

    Args:
        root: the workspace root.
        paths: root-relative paths of the files about to change; missing ones are skipped.
        now: the timestamp to name the folder by (default: the current UTC time).
        expect: the text each file was read as; a file that differs from it now is not backed
            up but refused (it changed since it was read).
        pending: write the manifest as ``pending.json``: the backup is not an undo target
            until :func:`confirm_backup` (after the edit committed). A run killed in between
            leaves it to the next run's recovery, which keeps it only if the edit happened.

    Returns:
        The new backup folder (``.rsdock/backup/<timestamp>``).

    Raises:
        UserError: when a backup cannot be written (then nothing may be edited; the partial
            folder is removed), or (exit 1) a file changed since it was read.
    """
    root = Path(root)
    stamp = (now or datetime.now(timezone.utc)).strftime("%Y%m%dT%H%M%S%fZ")
    folder = backup_root(root) / stamp
    shown = f"{BACKUP_DIR}/{stamp}"
    manifest: dict[str, dict[str, Any]] = {}
    try:
        fs.inside(root, BACKUP_DIR)  # .rsdock must not be a symlink leading out
        folder.mkdir(parents=True, exist_ok=False)
        _ignore_state_dir(root)
        for rel in paths:
            data = fs.read_bytes(root, rel)
            if data is None:
                continue
            if expect is not None and rel in expect and \
                    data.removeprefix(b"\xef\xbb\xbf") != expect[rel].encode().removeprefix(
                        b"\xef\xbb\xbf"):
                raise fs.Changed("this file changed since rsdock read it; nothing was written",
                                 path=fs.shown(rel), hint="rerun `rsdock edit`", exit_code=1)
            target = folder / (rel + SUFFIX)
            target.parent.mkdir(parents=True, exist_ok=True)
            _write_synced(target, data)
            manifest[rel] = {"size": len(data), "sha256": fs.digest(data)}
        for directory in sorted({(folder / rel).parent for rel in manifest}, reverse=True):
            fs.fsync_dir(directory)
        # written aside and renamed: a manifest is either complete or absent
        _write_synced(folder / (MANIFEST + fs.TEMP_SUFFIX),
                      json.dumps({"files": manifest}, indent=1).encode())
        fs.step("backup-manifest-rename")
        os.replace(folder / (MANIFEST + fs.TEMP_SUFFIX),
                   folder / (fs.BACKUP_PENDING if pending else MANIFEST))
        fs.fsync_dir(folder)
        fs.fsync_dir(folder.parent)
    except OSError as error:
        _remove_partial(folder)
        raise UserError(f"cannot write a backup: {error.strerror or error}", path=shown,
                        hint="make the workspace writable and free some space; nothing was "
                             "edited") from None
    except UserError:
        _remove_partial(folder)
        raise
    return folder


def confirm_backup(folder: Path) -> None:
    """Make a pending backup (:func:`make_backup` with ``pending``) an undo target: its edit
    committed. If this fails the next run's recovery confirms it (the files differ from it)."""
    try:
        fs.step("backup-confirm")
        os.replace(folder / fs.BACKUP_PENDING, folder / MANIFEST)
        fs.fsync_dir(folder)
    except OSError:
        pass


class PendingBackup:
    """A backup made before a write, confirmed by calling it once the write committed; its
    ``folder`` is the backup's."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def __call__(self) -> None:
        confirm_backup(self.folder)


def write_hook(root: Path, paths: list[str], expect: dict[str, str]) -> PendingBackup:
    """A pending backup of ``paths`` for a regeneration that changes the user's text (a merge
    after an upgrade, an agreed overwrite): ``writer.apply_changes``' ``backup``. Returns what
    confirms it once the write committed; the folder is the returned callable's ``folder``."""
    return PendingBackup(make_backup(root, paths, expect=expect, pending=True))


def _ignore_state_dir(root: Path) -> None:
    """Write ``.rsdock/.gitignore`` (ignoring everything in ``.rsdock/``) unless it exists;
    atomically: a temporary file (swept by recovery if a kill leaves it) renamed into place."""
    path = root / GITIGNORE
    if path.exists() or path.is_symlink():
        return
    temp = path.with_name(f".gitignore.{os.getpid():x}{fs.TEMP_SUFFIX}")
    try:
        _write_synced(temp, GITIGNORE_TEXT.encode())
        os.replace(temp, path)
        fs.fsync_dir(path.parent)
    except OSError:  # a convenience: never the reason an edit fails, nor a file left behind
        try:
            temp.unlink()
        except OSError:
            pass


def _write_synced(path: Path, data: bytes) -> None:
    fs.step("backup-open")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    try:
        view = memoryview(data)
        while view:
            fs.step("backup-write")
            view = view[os.write(fd, view):]
        fs.step("backup-fsync")
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove_partial(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
    try:
        folder.parent.rmdir()
    except OSError:
        return
    fs.remove_empty_state_dir(folder.parent.parent.parent)


def list_backups(root: Path | str) -> list[Path]:
    """The complete backup folders of ``root`` (with a manifest), oldest first.

    A folder without a manifest is a backup that was cut short: it is never offered for undo.
    """
    folder = backup_root(root)
    if folder.is_symlink() or backup_root(root).parent.is_symlink() or not folder.is_dir():
        return []
    try:
        return sorted(p for p in folder.iterdir()
                      if p.is_dir() and not p.is_symlink() and (p / MANIFEST).is_file())
    except OSError:
        return []


def _manifest(folder: Path) -> dict[str, dict[str, Any]]:
    try:
        files = json.loads((folder / MANIFEST).read_bytes())["files"]
        if not isinstance(files, dict):
            raise TypeError
        return files
    except (OSError, ValueError, KeyError, TypeError):
        raise UserError("this backup is incomplete or damaged (its manifest is missing or "
                        "unreadable); nothing was restored", path=str(folder),
                        hint="copy the .bak files back by hand if you trust them") from None


def backed_up_files(folder: Path) -> list[str]:
    """The root-relative paths a backup folder holds (without the ``.bak`` suffix)."""
    try:
        return sorted(_manifest(folder))
    except UserError:
        return []


def verified_backup(folder: Path) -> dict[str, bytes]:
    """Every file of backup ``folder``, checked against its manifest (size and SHA-256).

    Raises:
        UserError: a file is missing, cut short or altered: the backup must not be used.
    """
    contents = {}
    for rel, entry in sorted(_manifest(folder).items()):
        fs.check_relpath(rel, "a backed-up path", where=str(folder / MANIFEST))
        try:
            data = (folder / (rel + SUFFIX)).read_bytes()
        except OSError as error:
            raise UserError(f"this backup is damaged: {rel}{SUFFIX}: {error.strerror or error}",
                            path=str(folder), hint="nothing was restored") from None
        if len(data) != entry.get("size") or fs.digest(data) != entry.get("sha256"):
            raise UserError(f"this backup is damaged: {rel}{SUFFIX} is not the file that was "
                            f"backed up ({len(data)} bytes, expected {entry.get('size')})",
                            path=str(folder), hint="nothing was restored; the files on disk are "
                                                   "unchanged")
        contents[rel] = data
    return contents


def restore_backup(root: Path | str, folder: Path) -> list[str]:
    """Put the files of backup ``folder`` back in place (an undo for a TUI); return their paths.

    Each file gets back exactly the bytes it had when backed up, a UTF-8 byte order mark
    included or not: the backup is the original, so nothing of the edited file is kept. Every
    file is verified first and all are replaced as one set: a damaged backup restores nothing.
    The backup itself is kept until discarded.

    Raises:
        UserError: the backup is damaged or incomplete, or a file cannot be written.
    """
    contents = verified_backup(folder)
    fs.write_files(root, contents)
    return sorted(contents)


def discard_backups(root: Path | str) -> int:
    """Delete every backup of ``root``; return how many backup folders were deleted."""
    base = backup_root(root)
    try:
        fs.inside(root, BACKUP_DIR)
        folders = sorted(p for p in base.iterdir() if p.is_dir()) if base.is_dir() else []
        for folder in folders:
            shutil.rmtree(folder)
    except OSError as error:
        raise UserError(f"cannot delete the backups: {error.strerror or error}",
                        path=fs.shown(getattr(error, "filename", None) or BACKUP_DIR),
                        hint=f"make {BACKUP_DIR} writable, or delete it by hand") from None
    # Leave no empty .rsdock/ behind (nor one holding only its .gitignore): it would only
    # puzzle the user.
    try:
        base.rmdir()
    except OSError:
        return len(folders)
    fs.remove_empty_state_dir(base.parent.parent)
    return len(folders)
