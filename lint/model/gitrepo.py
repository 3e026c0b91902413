"""The git repository a cargo workspace stands in, read from ``.git`` without running git.

A workflow only runs from the repository's own ``.github/workflows/``: when the workspace is a
sub-folder (``crates/Cargo.toml``), the generated workflow goes under the git root and names
its build context and Dockerfile relative to it. The push branch of that workflow should be the
repository's default branch (a ``master`` repository never pushes on ``main``), and its tag
triggers the release tags the project already uses (``server-v*``).

Everything here reads files: ``.git`` (a directory, or a ``gitdir:`` file for worktrees and
submodules), ``HEAD``, ``refs/remotes/origin/HEAD``, ``packed-refs`` and the existing workflows'
``on.push`` triggers. The walk up for ``.git`` stays on one filesystem (as git does unless
``GIT_DISCOVERY_ACROSS_FILESYSTEM`` is set), never goes up into a directory of
``GIT_CEILING_DIRECTORIES`` (git's own ceiling), never accepts the home directory itself (a
dotfiles repository there is not the project's), and stops after :data:`MAX_DEPTH` levels.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from rsdock.lint.model.yaml_load import load_plain
from rsdock.records import record

MAX_DEPTH = 32
# A name git accepts for a branch, and nothing a workflow would need to quote or escape.
_BRANCH_RE = re.compile(r"^[A-Za-z0-9._/-]{1,200}$")
_GLOB_CHARS = frozenset("*?[]!+")
# A tag filter pattern as GitHub reads them (globs with ``*``, ``?``, ``[]``, ``+``), no negation.
_TAG_RE = re.compile(r"^[A-Za-z0-9._/*?\[\]+-]{1,200}$")
_MAX_WORKFLOW_BYTES = 1_000_000


@record(frozen=True)
class Repository:
    """What the git repository around a workspace says about the workflow to write.

    Attributes:
        root: the git work tree's root; the workspace root when no repository was found.
        found: whether a ``.git`` was found (False: ``root`` is the workspace root).
        prefix: the workspace root relative to ``root``, ``/``-separated; "" when they are one.
        default_branch: the repository's default branch, or None when it cannot be told.
        branch_source: where :attr:`default_branch` was read (for the summary), or why not.
        push_branches: the literal branch names existing workflows push on, in file order.
        tag_patterns: the tag patterns existing workflows push on (``v*``, ``server-v*``).
        tag_source: the workflow the tag patterns come from, or "".
    """

    root: Path
    found: bool
    prefix: str = ""
    default_branch: str | None = None
    branch_source: str = ""
    push_branches: tuple[str, ...] = ()
    tag_patterns: tuple[str, ...] = ()
    tag_source: str = ""

    def path(self, rel: str) -> str:
        """``rel`` (relative to the workspace root) relative to the repository root."""
        if not self.prefix or rel in (".", ""):
            return self.prefix or rel or "."
        return f"{self.prefix}/{rel}"


def find_git_root(start: Path) -> Path | None:
    """The nearest ancestor of ``start`` (itself included) holding a ``.git``, or None.

    A ``.git`` counts when it is a directory with a ``HEAD`` file or a file starting with
    ``gitdir:`` (a worktree or submodule). The walk stops at a filesystem boundary, before the
    home directory, and after :data:`MAX_DEPTH` levels.
    """
    here = Path(os.path.abspath(start))
    home = _home()
    ceilings = {Path(os.path.abspath(p)) for p in
                os.environ.get("GIT_CEILING_DIRECTORIES", "").split(os.pathsep) if p}
    for depth, directory in enumerate((here, *here.parents)):
        if depth > MAX_DEPTH or (directory != here and (directory == home
                                                         or directory in ceilings)):
            return None
        if _git_dir(directory) is not None:
            return directory
        if os.path.ismount(directory):
            return None
    return None


def _home() -> Path | None:
    home = os.environ.get("HOME")
    return Path(os.path.abspath(home)) if home and home != "/" else None


def _git_dir(directory: Path) -> Path | None:
    """The git directory of a work tree root: ``.git`` itself, or where its ``gitdir:`` points."""
    dot_git = directory / ".git"
    try:
        if dot_git.is_dir():
            return dot_git if (dot_git / "HEAD").is_file() else None
        if dot_git.is_file():
            text = _read(dot_git, 4096)
            if text is not None and text.startswith("gitdir:"):
                target = Path(text[len("gitdir:"):].strip())
                return target if target.is_absolute() else directory / target
    except OSError:
        return None
    return None


def _common_dir(git_dir: Path) -> Path:
    """Where refs shared by every worktree live (``commondir``, else the git dir itself)."""
    common = _read(git_dir / "commondir", 4096)
    if common and common.strip():
        target = Path(common.strip())
        return target if target.is_absolute() else git_dir / target
    return git_dir


def _read(path: Path, limit: int) -> str | None:
    try:
        with open(path, "rb") as handle:
            return handle.read(limit).decode("utf-8", "replace")
    except OSError:
        return None


def _symbolic(text: str | None, prefix: str) -> str | None:
    """``ref: refs/heads/master`` -> ``master`` (for ``prefix`` ``refs/heads/``)."""
    if text is None or not text.startswith("ref:"):
        return None
    ref = text[4:].strip()
    if ref.startswith(prefix) and _BRANCH_RE.match(ref[len(prefix):]):
        return ref[len(prefix):]
    return None


def _refs(common: Path) -> set[str]:
    """The branch refs that exist (loose or packed): ``heads/main``, ``remotes/origin/master``."""
    found = set()
    packed = _read(common / "packed-refs", 10_000_000) or ""
    for line in packed.splitlines():
        parts = line.split(" ", 1)
        if len(parts) == 2 and parts[1].startswith("refs/"):
            found.add(parts[1].strip()[5:])
    for kind in ("heads", "remotes/origin"):
        for name in ("main", "master"):
            if (common / "refs" / kind / name).is_file():
                found.add(f"{kind}/{name}")
    return found


def default_branch(git_root: Path) -> tuple[str | None, str]:
    """The repository's default branch and where it was read, or (None, why not).

    In order: ``origin``'s HEAD (what a clone checks out), then ``main`` or ``master`` when only
    one of the two exists (locally or on origin, loose or packed), then the branch checked out.
    """
    git_dir = _git_dir(git_root)
    if git_dir is None:
        return None, f"{git_root} has no readable .git"
    common = _common_dir(git_dir)
    origin = _symbolic(_read(common / "refs" / "remotes" / "origin" / "HEAD", 4096),
                       "refs/remotes/origin/")
    if origin:
        return origin, "origin's HEAD (.git/refs/remotes/origin/HEAD)"
    refs = _refs(common)
    present = [name for name in ("main", "master")
               if f"heads/{name}" in refs or f"remotes/origin/{name}" in refs]
    if len(present) == 1:
        kind = "heads" if f"heads/{present[0]}" in refs else "remotes/origin"
        return present[0], f"the only one of main and master in .git (refs/{kind}/{present[0]})"
    current = _symbolic(_read(git_dir / "HEAD", 4096), "refs/heads/")
    if current:
        return current, "the branch checked out (.git/HEAD)"
    return None, "origin's HEAD is not recorded and .git/HEAD is detached"


def workflow_triggers(git_root: Path) -> tuple[tuple[str, ...], tuple[str, ...], str]:
    """The literal push branches and the tag patterns the existing workflows push on.

    Returns:
        (branches, tag patterns, the workflow the tags come from). Workflows that do not parse
        are skipped; branch globs (``release/**``) are left out, as rsdock's workflow names
        branches literally. The tag patterns are the first workflow's that has any, preferring
        one that builds an image (uses ``docker/build-push-action``).
    """
    folder = git_root / ".github" / "workflows"
    try:
        names = sorted(p.name for p in folder.iterdir()
                       if p.name.endswith((".yml", ".yaml")) and p.is_file())
    except OSError:
        return (), (), ""
    branches: list[str] = []
    tags: list[tuple[bool, str, tuple[str, ...]]] = []
    for name in names:
        text = _read(folder / name, _MAX_WORKFLOW_BYTES)
        push = _push_trigger(text) if text else None
        if push is None:
            continue
        for branch in _strings(push.get("branches")):
            if not (_GLOB_CHARS & set(branch)) and _BRANCH_RE.match(branch) \
                    and branch not in branches:
                branches.append(branch)
        patterns = tuple(t for t in _strings(push.get("tags")) if _TAG_RE.match(t))
        if patterns:
            builds = "docker/build-push-action" in (text or "")
            tags.append((not builds, f".github/workflows/{name}", patterns))
    if not tags:
        return tuple(branches), (), ""
    _, source, patterns = sorted(tags, key=lambda t: t[0])[0]
    return tuple(branches), patterns, source


def _push_trigger(text: str) -> dict[str, Any] | None:
    try:
        data = load_plain(text)
    except Exception:  # a workflow that is not YAML says nothing about triggers
        return None
    if not isinstance(data, dict):
        return None
    on = data.get("on", data.get(True))
    if not isinstance(on, dict):
        return None
    push = on.get("push")
    return push if isinstance(push, dict) else None


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def read_repository(workspace_root: Path) -> Repository:
    """The repository around ``workspace_root``, with its default branch and workflow triggers.

    Without a ``.git`` above the workspace the workspace root stands in for the repository
    (``found`` False) and the workflows are read from there.
    """
    absolute = Path(os.path.abspath(workspace_root))
    git_root = find_git_root(absolute)
    if git_root is None:
        branches, tags, tag_source = workflow_triggers(absolute)
        return Repository(Path(workspace_root), False, "", None,
                          "no .git in the workspace or above it", branches, tags, tag_source)
    prefix = Path(os.path.relpath(absolute, git_root)).as_posix()
    prefix = "" if prefix == "." else prefix
    branch, source = default_branch(git_root)
    branches, tags, tag_source = workflow_triggers(git_root)
    shown_root = git_root if Path(workspace_root).is_absolute() else Path(
        os.path.normpath(os.path.join(workspace_root, os.path.relpath(git_root, absolute))))
    return Repository(shown_root, True, prefix, branch, source, branches, tags, tag_source)
