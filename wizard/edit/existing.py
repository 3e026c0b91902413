"""Whether a folder has files edit mode could work on: a cheap walk, without edit mode's
modules (``rsdock-tui`` asks this before its first screen, so it must not import them)."""

from __future__ import annotations

from pathlib import Path

from rsdock.lint.engine import discover

EDITABLE_KINDS = ("dockerfile", "workflow")


def existing_files(root: Path | str) -> list[str]:
    """The Dockerfiles and workflows under ``root`` (root-relative, sorted); [] when none.

    A folder that cannot be walked has nothing rsdock could edit, so it counts as empty.
    """
    root = Path(root)
    if not root.is_dir():
        return []
    try:
        return [rel for rel in discover.walk(root) if discover.kind_of(rel) in EDITABLE_KINDS]
    except OSError:
        return []
