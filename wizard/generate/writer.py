"""Putting generated files on disk safely: compare, show, ask, then write atomically.

The policy every front end (``rsdock init``, the TUI) shares: a new file or an identical one is
fine; a file that differs from what rsdock would write is never overwritten unless the user
forced it or agreed to that file. Callers check every file before writing any, so a refusal
leaves the disk untouched.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from rsdock.atomic import write_atomic  # noqa: F401  (re-exported: the writer's public API)
from rsdock.errors import UserError

NEW = "new"
SAME = "same"
DIFFERS = "differs"


@dataclass(frozen=True)
class Change:
    """What writing one generated file would do.

    Attributes:
        path: the file's path relative to the root, with ``/`` separators.
        status: ``new``, ``same`` or ``differs``.
        text: the text rsdock would write.
        old: the text on disk, or None for a new file.
    """

    path: str
    status: str
    text: str
    old: str | None = None

    @property
    def diff(self) -> str:
        """A unified diff from the disk to the new text (``a/path`` -> ``b/path``); "" if same.

        A new file is diffed against ``/dev/null``, as git does.
        """
        if self.status == SAME:
            return ""
        before = "/dev/null" if self.old is None else f"a/{self.path}"
        lines = difflib.unified_diff(
            _lines(self.old or ""), _lines(self.text), fromfile=before, tofile=f"b/{self.path}",
        )
        return "".join(lines)


def plan_changes(root: Path | str, files: dict[str, str]) -> list[Change]:
    """Compare each generated file with what is on disk under ``root``.

    Args:
        root: the workspace root the relative paths of ``files`` start from.
        files: generated text by relative path.

    Returns:
        One :class:`Change` per file, in path order.

    Raises:
        UserError: when a path leaves ``root`` or names a directory or an unreadable file.
    """
    root = Path(root)
    changes = []
    for rel in sorted(files):
        target = _target(root, rel)
        text = files[rel]
        if target.is_dir():
            raise UserError(f"{rel} is a directory, but rsdock would write a file there",
                            path=str(target), hint="rename or move that directory")
        if not target.exists():
            changes.append(Change(rel, NEW, text))
            continue
        try:
            # newline="" keeps CRLF visible: a file that differs only in line endings differs.
            with open(target, encoding="utf-8", newline="") as handle:
                old = handle.read()
        except (OSError, UnicodeDecodeError) as error:
            raise UserError(f"cannot read {rel}: {error}", path=str(target),
                            hint="make it readable UTF-8 text, or move it away") from None
        changes.append(Change(rel, SAME if old == text else DIFFERS, text, old))
    return changes


def blocked(changes: Iterable[Change], *, force: bool = False,
            agreed: Iterable[str] = ()) -> list[Change]:
    """The changes the consent policy forbids: differing files neither forced nor agreed to."""
    if force:
        return []
    agreed = set(agreed)
    return [c for c in changes if c.status == DIFFERS and c.path not in agreed]


def apply_changes(root: Path | str, changes: Iterable[Change], *, force: bool = False,
                  agreed: Iterable[str] = ()) -> list[Change]:
    """Write every new or differing file, or nothing at all when any write is not allowed.

    Args:
        root: the workspace root.
        changes: from :func:`plan_changes`.
        force: overwrite differing files without asking.
        agreed: relative paths of differing files the user agreed to overwrite.

    Returns:
        The changes written (new and differing files), in order.

    Raises:
        UserError: (exit code 1) naming the files it refused to overwrite; nothing was written.
    """
    changes = list(changes)
    refused = blocked(changes, force=force, agreed=agreed)
    if refused:
        raise UserError(
            "refusing to overwrite files that differ from what rsdock generates: "
            + ", ".join(c.path for c in refused) + "; nothing was written",
            hint="review the diff, then rerun with --force to overwrite them",
            exit_code=1,
        )
    written = []
    for change in changes:
        if change.status != SAME:
            write_atomic(_target(Path(root), change.path), change.text)
            written.append(change)
    return written


def _target(root: Path, rel: str) -> Path:
    parts = Path(rel).parts
    if Path(rel).is_absolute() or ".." in parts:
        raise UserError(f"refusing to write {rel}: it is outside the workspace",
                        hint="generated paths must be relative to the workspace root")
    return root / rel


def _lines(text: str) -> list[str]:
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n\\ No newline at end of file\n"
    return lines
