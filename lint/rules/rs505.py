"""RS505: every built Dockerfile has a .dockerignore."""

from __future__ import annotations

import os
import re
from typing import Iterable

from rsdock.lint.model import dockerignore as di, paths
from rsdock.lint.analysis import images
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
    nginx.conf sends nothing to leave out).

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
            if not _reads_context(model):
                continue  # BuildKit sends only what a COPY, ADD or bind mount names: nothing
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


def _reads_context(model: Dockerfile) -> bool:
    """Whether any instruction reads the build context: a COPY or ADD of local files (not
    ``--from``, not a heredoc, not a URL), or a RUN's ``--mount=type=bind`` (or
    ``type=cache,source=``) without ``from=``."""
    for stage in model.stages:
        for inst in stage.instructions:
            if inst.cmd in ("COPY", "ADD") and not inst.flag("from") and not inst.heredocs:
                if any(not re.match(r"^(?:https?|git)[:@]", s) for s in inst.value[:-1]):
                    return True
            if inst.cmd == "RUN":
                for flag in inst.flags:
                    if not flag.startswith("--mount="):
                        continue
                    options = dict(part.partition("=")[::2] for part in flag[8:].split(","))
                    if options.get("type", "bind") == "bind" and "from" not in options:
                        return True
    return False
