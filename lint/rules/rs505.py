"""RS505: every built Dockerfile has a .dockerignore."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable

from rsdock.lint.model import cargo, dockerignore as di, paths
from rsdock.lint.analysis import dockerfacts as facts, images
from rsdock.lint.model.dockerfile import Dockerfile
from rsdock.lint.model.findings import Finding, Severity
from rsdock.lint.rules.rule import Context, ProjectRule


class RS505(ProjectRule):
    """Give each build context a ``.dockerignore`` leaving out ``target/`` and ``.git``.

    Without one, BuildKit receives cargo's ``target/`` (often gigabytes) and the git history on
    every build, and ``COPY . .`` puts them in a layer, whose cache then breaks on any build or
    commit. The file is ``<context>/.dockerignore`` (or ``<Dockerfile>.dockerignore``).

    Only production images are judged (a devcontainer or test image ships no context), and only
    contexts where cargo can leave a ``target/``: the repository root, or a folder holding a
    ``Cargo.toml``, a ``target/`` or a ``.git`` (``docker/web`` with a Dockerfile and an
    nginx.conf sends nothing to leave out). BuildKit sends only the paths a Dockerfile names:
    one that copies named folders (``COPY crates crates``, ``COPY .git .git`` on purpose) and
    never the whole context is judged only when a named folder can hold a ``target/`` of its
    own (one is there, or it holds a cargo workspace root of its own).

    Fails:
        # file: Dockerfile
        FROM rust:1.95 AS build
        COPY . .
        RUN cargo build --release
        FROM debian:bookworm-slim
        COPY --from=build /target/release/app /usr/local/bin/app

    Passes:
        # file: Dockerfile
        FROM rust:1.95 AS build
        COPY . .
        RUN cargo build --release
        FROM debian:bookworm-slim
        COPY --from=build /target/release/app /usr/local/bin/app
        # file: .dockerignore
        target/
        .git
    """

    id = "RS505"
    name = "dockerignore-missing"
    severity = Severity.WARNING
    message = "add a .dockerignore with `target/` and `.git` to the build context"

    def check(self, file: None, ctx: Context) -> Iterable[Finding]:
        """Yield a finding at line 1 of each Dockerfile whose context has no ignore file."""
        for dockerfile, context in images.contexts(ctx):
            model = ctx.dockerfiles.get(dockerfile)
            if model is None:
                continue  # a missing Dockerfile is RS408's
            if not images.is_production(ctx, model):
                continue  # a devcontainer, toolchain or test image: its context is not shipped
            if paths.leaves_root(context):
                continue  # a context outside the repository is not read, so not judged
            if di.applicable(dockerfile, context, ctx.dockerignores, ctx.root) is not None:
                continue
            if not _may_hold_build_output(ctx, context):
                continue
            if not images.reads_whole_context(model) and \
                    not _named_paths_hold_output(ctx, model, context):
                continue  # BuildKit sends only the paths the Dockerfile names
            yield self.finding(dockerfile, 1, 0, f"{self.message} (BuildKit looks for "
                                                 f"{di.candidates(dockerfile, context)[1]})")


_WALK_LIMIT = 2000


def _may_hold_build_output(ctx: Context, context: str) -> bool:
    """Whether the context can send cargo's ``target/`` or git history: the repository root,
    or a folder with a ``Cargo.toml``, ``target`` or ``.git`` in it (True when it is too big
    to look through)."""
    root = getattr(ctx, "root", None)
    if context in ("", ".") or root is None:
        return True
    seen = 0
    for _folder, dirs, files in os.walk(root / context):
        seen += len(dirs) + len(files)
        if "Cargo.toml" in files or "target" in dirs or ".git" in dirs or ".git" in files \
                or seen > _WALK_LIMIT:
            return True
    return False


def _named_paths_hold_output(ctx: Context, model: Dockerfile, context: str) -> bool:
    """Whether a context path the Dockerfile copies or mounts can hold a cargo ``target/``:
    one is inside it, or it holds a workspace root of its own (members of the context's
    workspace write to the context's ``target/``, which a named path leaves out). A computed
    or wildcard path counts as holding one."""
    root = getattr(ctx, "root", None)
    if root is None:
        return True
    sources: list[str] = []
    for stage in model.stages:
        sources += [s for c in stage.copies() if facts.is_context_copy(c) for s in c.sources]
        for inst in stage.runs():
            for flag in inst.flags:
                if flag.startswith("--mount=") and "type=bind" in flag and "from=" not in flag:
                    options = dict(p.partition("=")[::2] for p in flag[8:].split(","))
                    sources.append(options.get("source", options.get("src", ".")))
    seen = 0
    for source in sources:
        if "$" in source or "*" in source or "?" in source:
            return True
        rel = os.path.normpath(os.path.join(context, source))
        if paths.leaves_root(rel) or rel.split(os.sep)[0] == ".git":
            continue  # outside the repository, or the history copied on purpose
        top = root / rel
        if not top.is_dir():
            continue
        for folder, dirs, files in os.walk(top):
            seen += len(dirs) + len(files)
            if "target" in dirs or seen > _WALK_LIMIT:
                return True
            dirs[:] = [d for d in dirs if d != ".git"]
            if "Cargo.toml" in files and _own_workspace_root(Path(folder), top):
                return True
    return False


def _own_workspace_root(folder: Path, top: Path) -> bool:
    """Whether the cargo project at ``folder`` has its workspace root at or below ``top``."""
    try:
        found = cargo.find_root(folder)
    except Exception:  # an unreadable manifest: cargo may still build there
        return True
    return found == top or top in found.parents

