"""What a repository path is, as far as its name tells (vendored code), and glob matching.

The engine's walk (``lint/engine/discover.py``) and the rules both ask; it lives with the models
so that rules need not import the engine.
"""

from __future__ import annotations

from fnmatch import fnmatchcase

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
