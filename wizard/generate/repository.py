"""What the git repository around a workspace decides: where the workflow goes, the push
branch, the release tags, and what the build context cannot reach.

The facts are read by :mod:`rsdock.lint.model.gitrepo` (files only, no git); this module turns
them into defaults (:func:`default_triggers`, :func:`repo_prefix`) and into the sentences
``rsdock init`` and the front ends show (:func:`repository_notes`, :func:`branch_note`,
:func:`context_notes`).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from rsdock import resources
from rsdock.lint.model.cargo_package import dependency_paths, rel
from rsdock.lint.model.gitrepo import Repository, find_git_root, read_repository
from rsdock.wizard.generate.plan import DEFAULT_TAG_PATTERNS, Plan, Triggers

__all__ = ["branch_note", "context_notes", "default_triggers", "member_submodules", "repo_prefix",
           "repository", "repository_notes"]


def repo_prefix(ws) -> str:
    """The workspace root relative to its git root (``crates``), "" when they are one or no
    ``.git`` is found (the workflow then goes under the workspace root)."""
    root = Path(getattr(ws, "root", "."))
    git_root = None if _is_bundled_example(root) else find_git_root(root)
    if git_root is None:
        return ""
    prefix = Path(os.path.relpath(os.path.abspath(root), git_root)).as_posix()
    return "" if prefix == "." else prefix


def repository(ws) -> Repository:
    """The git repository around ``ws`` (see :func:`rsdock.lint.model.gitrepo.read_repository`)."""
    root = Path(getattr(ws, "root", "."))
    if _is_bundled_example(root):
        return Repository(root, False, branch_source="the bundled example is in no repository")
    return read_repository(root)


_SUBMODULE_PATH = re.compile(r"^\s*path\s*=\s*(.+?)\s*$", re.MULTILINE)


def member_submodules(ws) -> tuple[str, ...]:
    """The git submodules inside a member's directory other than the workspace root (paths
    relative to the workspace root): sources a crate's build compiles, which actions/checkout
    fetches only with ``submodules: recursive`` (``.gitmodules`` at the git root; a submodule
    elsewhere, docs or a root package's assets, is left to the project)."""
    root = Path(getattr(ws, "root", "."))
    prefix = repo_prefix(ws)
    git_root = root.joinpath(*[".."] * len(prefix.split("/"))) if prefix else root
    try:
        text = (git_root / ".gitmodules").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ()
    members = [m.dir for m in getattr(ws, "members", ()) if m.dir not in ("", ".")]
    found = []
    for match in _SUBMODULE_PATH.finditer(text):
        path = match[1].strip().strip('"').strip("/")
        if prefix:
            if not path.startswith(prefix + "/"):
                continue
            path = path[len(prefix) + 1:]
        if any(path == d or path.startswith(d + "/") for d in members):
            found.append(path)
    return tuple(dict.fromkeys(found))


def _is_bundled_example(root: Path) -> bool:
    """rsdock's own example stands alone, even where rsdock is installed inside a project's
    repository (a ``.venv`` in it) or run from its own checkout."""
    try:
        return os.path.samefile(root, resources.example_workspace())
    except OSError:
        return False


def default_triggers(repo: Repository) -> Triggers:
    """When the workflow runs by default: on pushes to the repository's default branch (else
    the branches its workflows push on, else ``main``) and on its release tags (else ``v*``)."""
    if repo.default_branch:
        branches: tuple[str, ...] = (repo.default_branch,)
    elif repo.push_branches:
        branches = repo.push_branches[:1]
    else:
        branches = ("main",)
    return Triggers(branches=branches, tag_patterns=repo.tag_patterns or DEFAULT_TAG_PATTERNS)


def outside_path_dependencies(ws) -> list[tuple[str, str]]:
    """(member, dependency path shown from the workspace root) for each path dependency that
    leaves the workspace root: the build context cannot reach it (Rocket's examples depend
    on ``../core/lib``)."""
    root = Path(getattr(ws, "root", "."))
    absolute = Path(os.path.abspath(root))
    found = []
    for package in getattr(ws, "members", ()):
        manifest = getattr(ws, "manifests", {}).get(package.name)
        if not isinstance(manifest, dict):
            continue
        for path in dependency_paths(manifest, root / package.dir,
                                     getattr(ws, "workspace_deps", {}), root):
            if not Path(os.path.abspath(path)).is_relative_to(absolute):
                shown = rel(path, root)
                if (package.name, shown) not in found:
                    found.append((package.name, shown))
    return found


def context_notes(ws) -> list[str]:
    """What the build context (the workspace root) cannot reach, one sentence each."""
    users: dict[str, list[str]] = {}
    for member, dep in outside_path_dependencies(ws):
        users.setdefault(dep, []).append(member)
    if not users:
        return []
    listed = "; ".join(f"{dep} (by {', '.join(names[:3])}"
                       f"{f' and {len(names) - 3} more' if len(names) > 3 else ''})"
                       for dep, names in users.items())
    return [f"path dependencies outside the workspace root: {listed}. The image build, whose "
            "context is the workspace root, cannot read them (cargo fails to load their "
            "manifests); depend on published versions, or build from a context holding both "
            "(rsdock does not generate that yet)"]


def repository_notes(repo: Repository, plan: Plan) -> list[str]:
    """What the repository decided about the workflow, for the summary (one sentence each)."""
    found = []
    branches = ", ".join(plan.triggers.branches) or "no branch"
    if not repo.found:
        found.append(f"no git repository found ({repo.branch_source}): the workflow goes "
                     f"under the workspace root ({plan.workflow}), which GitHub runs only if "
                     f"it is the repository's root, and pushes from {branches}, the default "
                     "branch being unknown (--branch NAME changes it)")
    elif repo.prefix:
        found.append(f"the workspace is the folder {repo.prefix}/ of the git repository "
                     f"{os.path.abspath(repo.root)}: the workflow goes to the repository's "
                     f"{plan.workflow} (GitHub runs no other) and builds with context "
                     f"{repo.prefix}")
    if repo.default_branch and plan.triggers.branches == (repo.default_branch,):
        found.append(f"images are pushed from {branches}: the default branch, read from "
                     f"{repo.branch_source}")
    elif repo.found and not repo.default_branch:
        how = ("the branches the existing workflows push on" if repo.push_branches and
               plan.triggers.branches == repo.push_branches[:1] else "an assumption")
        found.append(f"the default branch is unknown ({repo.branch_source}): images are "
                     f"pushed from {branches} ({how}); check it, --branch NAME changes it")
    if repo.tag_patterns and plan.triggers.tag_patterns == repo.tag_patterns \
            and repo.tag_patterns != DEFAULT_TAG_PATTERNS:
        found.append(f"release tags {', '.join(repo.tag_patterns)} are kept from "
                     f"{repo.tag_source}; the images are tagged with the git tag itself")
    return found


def branch_note(repo: Repository, plan: Plan) -> str:
    """One line for the front ends' branch question: where its default came from, or that
    the default branch is unknown."""
    if repo.default_branch and plan.triggers.branches == (repo.default_branch,):
        return f"{repo.default_branch} is the default branch (from {repo.branch_source})"
    if not repo.default_branch:
        return f"The default branch is unknown ({repo.branch_source}): check these branches"
    return ""
