"""RS505: every built Dockerfile has a .dockerignore."""

from __future__ import annotations

from typing import Iterable

from rsdock.lint.model import dockerignore as di, paths
from rsdock.lint.analysis import images
from rsdock.lint.model.findings import Finding, Severity
from rsdock.lint.rules.rule import Context, ProjectRule


class RS505(ProjectRule):
    """Give each build context a ``.dockerignore`` leaving out ``target/`` and ``.git``.

    Without one, BuildKit receives cargo's ``target/`` (often gigabytes) and the git history on
    every build, and ``COPY . .`` puts them in a layer, whose cache then breaks on any build or
    commit. The file is ``<context>/.dockerignore`` (or ``<Dockerfile>.dockerignore``).

    Only production images are judged (a devcontainer or test image ships no context).

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
            yield self.finding(dockerfile, 1, 0, f"{self.message} (BuildKit looks for "
                                                 f"{di.candidates(dockerfile, context)[1]})")
