"""What a repository path is, as far as its name tells (vendored code), and glob matching.

The engine's walk (``lint/engine/discover.py``) and the rules both ask; it lives with the models
so that rules need not import the engine.
"""

from __future__ import annotations

import os
import posixpath
from fnmatch import fnmatchcase
from pathlib import Path

from rsdock import fs
from rsdock.errors import UserError

# Folders holding someone else's code: what is in them is not the repository's to fix.
VENDORED_DIRS = frozenset({"vendor", "vendored", "third_party", "third-party", "node_modules"})


def is_vendored(relpath: str) -> bool:
    """Whether ``relpath`` lies in a vendored tree (``vendor/``, ``third_party/``...)."""
    return any(part in VENDORED_DIRS for part in relpath.split("/")[:-1])


def workflow_role(relpath: str) -> str:
    """How GitHub treats a workflow-like YAML file at ``relpath`` (relative to the repository
    root): ``"action"`` for a local composite action (``.github/actions/<name>/action.yml``),
    ``"idle"`` for a workflow in a nested ``.github/workflows/`` folder (GitHub runs only the
    root's ``.github/workflows/*.yml``: a vendored or sub-project copy never runs), else
    ``"runs"`` (the root's workflows, and any YAML file the user names as a workflow)."""
    parts = relpath.split("/")
    if len(parts) >= 4 and parts[-1].lower() in ("action.yml", "action.yaml") \
            and parts[-4:-2] == [".github", "actions"]:
        return "action"
    if len(parts) > 3 and parts[-3:-1] == [".github", "workflows"]:
        return "idle"
    return "runs"


def glob_match(name: str, pattern: str) -> bool:
    """``fnmatch.fnmatchcase(name, pattern)``, without compiling a regular expression for a
    pattern with no wildcard (most paths the rules compare are literal: a compile is ~40 us)."""
    if "*" not in pattern and "?" not in pattern and "[" not in pattern:
        return name == pattern
    return fnmatchcase(name, pattern)


# --- paths of a Docker build context ---------------------------------------------------------

MAX_CONTEXT_ENTRIES = 20_000  # folder entries a COPY glob may look at before it gives up


def leaves_root(path: str) -> bool:
    """Whether a repository-relative path (a build context) climbs out of the repository."""
    normal = posixpath.normpath(path or ".")
    return normal == ".." or normal.startswith(("../", "/"))


def context_source(source: str) -> str:
    """A COPY/ADD source as BuildKit reads it: relative to the context root, which ``..`` never
    climbs out of (``../x`` and ``/x`` are ``x``); ``.`` for the context itself."""
    return posixpath.normpath("/" + source).lstrip("/") or "."


def context_glob(root: Path, context: str, pattern: str, *,
                 limit: int = MAX_CONTEXT_ENTRIES) -> list[str] | None:
    """The context-relative paths a COPY source glob matches, found without leaving the context.

    The walk stays inside ``root / context`` (:func:`context_source`; a symlink is matched as a
    name, never followed, as the context BuildKit receives holds the link itself) and looks at
    ``limit`` folder entries at most; ``**`` spans any number of folders.

    Returns:
        The sorted matches, or None when it cannot be told from the repository: the context
        lies outside ``root`` (or is a symlink leading out), or the walk would exceed ``limit``.
    """
    if leaves_root(context):
        return None
    try:
        base = fs.confine(root, root / context)
    except UserError:
        return None
    parts = [p for p in context_source(pattern).split("/") if p not in ("", ".")]
    if not parts:
        return ["."]
    found: set[str] = set()
    seen: set[tuple[str, int]] = set()
    pending = [("", 0)]
    budget = limit
    while pending:
        rel, index = pending.pop()
        if (rel, index) in seen:
            continue
        seen.add((rel, index))
        if index == len(parts):
            found.add(rel or ".")
            continue
        part, last = parts[index], index == len(parts) - 1
        if part == "**":
            pending.append((rel, index + 1))  # no folder at all
        elif "*" not in part and "?" not in part and "[" not in part:
            path = base / rel / part
            if os.path.lexists(path) and (last or (path.is_dir() and not path.is_symlink())):
                pending.append((posixpath.join(rel, part), index + 1))
            continue
        try:
            with os.scandir(base / rel) as entries:
                listed = [(e.name, e.is_dir(follow_symlinks=False)) for e in entries]
        except OSError:
            continue
        budget -= len(listed)
        if budget < 0:
            return None
        for name, is_dir in listed:
            child = posixpath.join(rel, name)
            if part == "**":
                if is_dir:
                    pending.append((child, index))
            elif fnmatchcase(name, part) and (last or is_dir):
                pending.append((child, index + 1))
    return sorted(found)
