"""Which files ``rsdock lint`` looks at, and what kind each one is.

A repository's lintable files are its Dockerfiles (``Dockerfile``, ``Dockerfile.*``,
``*.Dockerfile``, ``*.dockerfile``, and podman's ``Containerfile``, ``Containerfile.*``), its
``.dockerignore`` files (``.dockerignore`` and the per-Dockerfile
``<Dockerfile>.dockerignore``) and its GitHub workflows
(``.github/workflows/*.yml``/``*.yaml``, and local composite actions
``.github/actions/<name>/action.yml``, read as workflows with one job). Build output and
vendored trees (``vendor/``, ``third_party/``, ``node_modules/``, and what ``.gitattributes``
marks ``linguist-vendored``) are
never walked: someone else's workflows are not the repository's to lint or fix.

The same walk notes the files that say how images are built (docker compose files and bake
files, :data:`BUILD_FILE_RE`): they are context, never linted.
"""

from __future__ import annotations

import fnmatch
import os
import re
from pathlib import Path

from rsdock.errors import UserError
from rsdock.fs import shown
from rsdock.lint.model.paths import workflow_role
from rsdock.records import field, record

SKIPPED_DIRS = frozenset({"target", ".git", "node_modules", "vendor", "third_party",
                          "third-party", ".venv", "__pycache__"})
# docker compose files and buildx bake files: they name the Dockerfile and context of a build.
BUILD_FILE_RE = re.compile(r"^(?:(?:docker-)?compose(?:[.-][\w.-]+)?\.ya?ml|"
                           r"docker-bake(?:[.-][\w.-]+)?\.(?:hcl|json))$", re.IGNORECASE)
# `Dockerfile.*` names that are not Dockerfiles: templates, backups, docs and scripts about them.
NOT_DOCKERFILE_SUFFIXES = (
    ".j2", ".jinja", ".jinja2", ".tpl", ".tmpl", ".template", ".in", ".orig", ".rej", ".bak",
    ".swp", ".md", ".txt", ".sh", ".py", ".json", ".yml", ".yaml", ".toml",
)
KINDS = ("dockerfile", "workflow", "dockerignore")


def kind_of(relpath: str) -> str | None:
    """The kind of file at ``relpath`` (POSIX, relative to the root), or None if rsdock skips it.

    Args:
        relpath: the path relative to the repository root, with ``/`` separators.

    Returns:
        ``"dockerfile"``, ``"workflow"``, ``"dockerignore"`` or None.
    """
    parts = relpath.split("/")
    name = parts[-1]
    lower = name.lower()
    if lower.endswith(".dockerignore"):
        return "dockerignore"
    if workflow_role(relpath) == "action":
        return "workflow"  # a local composite action: its steps pin actions too
    if lower.endswith(NOT_DOCKERFILE_SUFFIXES) and "workflows" not in parts[:-1]:
        return None
    for stem in ("Dockerfile", "Containerfile"):  # podman and buildah read Containerfile
        if name == stem or name.startswith(stem + ".") or name.startswith(stem + "-"):
            return "dockerfile"
    if lower.endswith((".dockerfile", ".containerfile")):
        return "dockerfile"
    if (len(parts) >= 3 and parts[-3] == ".github" and parts[-2] == "workflows"
            and lower.endswith((".yml", ".yaml"))):
        return "workflow"
    return None


def find_root(start: Path) -> Path:
    """The repository ``start`` stands in: the git top level, else ``start`` itself.

    Args:
        start: a file or directory inside the repository.
    """
    here = start if start.is_dir() else start.parent
    here = here.resolve()
    # Walking up for .git is cheaper than spawning git and works without git installed.
    for candidate in (here, *here.parents):
        if (candidate / ".git").exists():
            return candidate
    if "GIT_DIR" not in os.environ:
        # without a .git above it, git finds a repository only through GIT_DIR: do not spawn
        # it to be told there is none (a process start on every lint outside a repository)
        return here
    import subprocess

    try:
        out = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=here,
                             capture_output=True, text=True, timeout=10)
        if out.returncode == 0 and out.stdout.strip():
            return Path(out.stdout.strip()).resolve()
    except (OSError, subprocess.SubprocessError):
        pass
    return here


@record
class Tree:
    """What one walk of a repository found.

    Attributes:
        lintable: the lintable files, sorted root-relative paths.
        build_files: docker compose and bake files (context for the build model), sorted.
        skipped: folders the walk could not or would not enter (root-relative path, why):
            unreadable ones, and symlinks to folders (never followed), sorted.
    """

    lintable: list[str] = field(default_factory=list)
    build_files: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)


def scan(root: Path, top: Path | None = None) -> Tree:
    """Walk ``top`` (default ``root``) once: its lintable files and its build files.

    Args:
        root: the repository root paths are made relative to.
        top: the directory to walk; must be ``root`` or inside it.
    """
    root = root.resolve()
    start = (top or root).resolve()
    vendored = _linguist_vendored(root)
    tree = Tree()
    prefix = _relative(start, root)
    prefix = "" if prefix == "." else prefix + "/"
    # Paths are built from the walk's own names: resolving each of 10,000 files costs seconds.
    pending = [(str(start), prefix)]
    while pending:
        directory, rel_dir = pending.pop()
        try:
            entries = list(os.scandir(directory))
        except OSError as error:
            if directory == str(start):
                raise UserError(f"cannot list this folder: {error.strerror or error}",
                                path=shown(start), hint="make it readable for you (chmod u+rx), "
                                "or run rsdock as a user who can read it") from None
            tree.skipped.append((rel_dir.rstrip("/"), f"cannot list it: {error.strerror or error}"))
            continue
        for entry in entries:
            name = entry.name
            rel = rel_dir + name
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                continue
            try:
                linked_dir = not is_dir and entry.is_symlink() and entry.is_dir()
            except OSError:
                linked_dir = False  # a symlink loop: a lintable name is reported as one
            if linked_dir and name not in SKIPPED_DIRS:
                tree.skipped.append((rel, "a symlink to a folder, which rsdock does not follow"))
            if is_dir:
                if name not in SKIPPED_DIRS and not (vendored and _matches(vendored, rel, True)):
                    pending.append((entry.path, rel + "/"))
            elif kind_of(rel):
                if not (vendored and _matches(vendored, rel, False)):
                    tree.lintable.append(rel)
            elif BUILD_FILE_RE.match(name):
                tree.build_files.append(rel)
    tree.lintable.sort()
    tree.build_files.sort()
    tree.skipped.sort()
    return tree


def walk(root: Path, top: Path | None = None) -> list[str]:
    """Every lintable file under ``top`` (default ``root``), as sorted root-relative paths.

    Args:
        root: the repository root paths are made relative to.
        top: the directory to walk; must be ``root`` or inside it.
    """
    return scan(root, top).lintable


def _linguist_vendored(root: Path) -> list[str]:
    """The patterns ``.gitattributes`` marks ``linguist-vendored`` (GitHub's vendored code)."""
    try:
        text = (root / ".gitattributes").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    patterns = []
    for line in text.splitlines():
        words = line.split()
        if len(words) >= 2 and not words[0].startswith("#") and any(
                w in ("linguist-vendored", "linguist-vendored=true") for w in words[1:]):
            patterns.append(words[0].lstrip("/"))
    return patterns


def _matches(patterns: list[str], rel: str, is_dir: bool) -> bool:
    for pattern in patterns:
        folder = pattern.removesuffix("/**").removesuffix("/*").rstrip("/")
        if is_dir and folder == rel:
            return True
        if not is_dir and fnmatch.fnmatchcase(rel, pattern):
            return True
    return False


def _relative(path: Path, root: Path) -> str:
    absolute = Path(os.path.abspath(path))
    try:
        return absolute.relative_to(root).as_posix()
    except ValueError:
        pass
    try:
        return path.resolve().relative_to(root).as_posix()
    except (ValueError, RuntimeError, OSError):
        return absolute.as_posix()


def resolve_targets(paths: list[str], cwd: Path | None = None) -> tuple[Path, list[str]]:
    """The root and the root-relative files to lint for the command line ``paths``.

    No paths means the whole repository the working directory stands in (its git top level). A
    directory means every lintable file under it; the root is the directory itself when it holds
    a ``Cargo.toml``, else its repository. A file is linted whatever its name, as long as its kind can be
    told (an explicit ``*.yml`` outside ``.github/workflows`` is taken as a workflow).

    Args:
        paths: what the user passed (may be empty).
        cwd: the directory relative paths start from (default: the process's).

    Raises:
        UserError: for a path that does not exist or whose kind rsdock cannot tell.
    """
    root, targets, _tree = resolve(paths, cwd)
    return root, targets


def resolve(paths: list[str], cwd: Path | None = None) -> tuple[Path, list[str], Tree | None]:
    """:func:`resolve_targets`, and the walk of the whole repository when it took one (so the
    engine need not walk again)."""
    cwd = (cwd or Path.cwd()).resolve()
    if not paths:
        root = find_root(cwd)
        tree = scan(root)
        return root, tree.lintable, tree
    absolute = [(cwd / p) for p in paths]
    for given, path in zip(paths, absolute):
        if not path.exists():
            raise UserError("no such file or directory", path=given,
                            hint="pass Dockerfiles, workflows, .dockerignore files or folders")
    first = absolute[0]
    # A folder holding a cargo workspace is its own root (an example inside a bigger repository)
    root = first.resolve() if first.is_dir() and (first / "Cargo.toml").is_file() \
        else find_root(first)
    targets: list[str] = []
    for given, path in zip(paths, absolute):
        if path.is_dir():
            targets.extend(walk(root, path))
            continue
        rel = _relative(path, root)
        if explicit_kind(rel) is None:
            raise UserError("rsdock cannot tell what kind of file this is", path=given,
                            hint="name Dockerfiles Dockerfile*, *.Dockerfile; workflows *.yml")
        targets.append(rel)
    return root, sorted(dict.fromkeys(targets)), None


def explicit_kind(relpath: str) -> str | None:
    """Like :func:`kind_of`, but a YAML file the user named is a workflow wherever it lives."""
    kind = kind_of(relpath)
    name = relpath.rsplit("/", 1)[-1]
    if kind is None and name.startswith("Dockerfile"):
        return "dockerfile"  # named on purpose, so `Dockerfile.in` is linted as one
    if kind is None and relpath.lower().endswith((".yml", ".yaml")):
        return "workflow"
    return kind
