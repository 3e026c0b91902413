"""RS504: .dockerignore does not hide what a Dockerfile copies from the context."""

from __future__ import annotations

import posixpath
from pathlib import Path
from typing import Any, Iterable, Iterator

from rsdock.lint.analysis import dockerfacts as facts
from rsdock.lint.model import dockerignore as di, paths
from rsdock.lint.analysis import images
from rsdock.lint.model.findings import Finding, Related, Severity
from rsdock.lint.rules.rule import Context, ProjectRule

_WILDCARDS = set("*?[")


class RS504(ProjectRule):
    """Do not ignore what the Dockerfile copies: an ignored file is simply absent in the build.

    BuildKit leaves ignored paths out of the context, so ``COPY Cargo.lock .`` fails and
    ``COPY . .`` silently loses them (a build with ``--locked`` then fails, or a workspace
    member is missing). For ``COPY . .`` the workspace's manifests, lockfile and sources are
    checked. The ignore file is ``<Dockerfile>.dockerignore`` when it exists, else
    ``<context>/.dockerignore``, the context coming from the workflow (the repository root
    otherwise).

    Fails:
        # file: .dockerignore
        target/
        *.lock
        # file: Dockerfile
        FROM rust:1.95 AS builder
        WORKDIR /app
        COPY Cargo.toml Cargo.lock ./

    Passes:
        # file: .dockerignore
        target/
        .git
        # file: Dockerfile
        FROM rust:1.95 AS builder
        WORKDIR /app
        COPY Cargo.toml Cargo.lock ./
    """

    id = "RS504"
    name = "dockerignore-hides-copy"
    severity = Severity.ERROR
    message = "stop ignoring it, or re-include it with a `!` line"

    def check(self, file: None, ctx: Context) -> Iterable[Finding]:
        """Yield a finding for each COPY source the applicable ignore file excludes."""
        for dockerfile, context in images.contexts(ctx):
            model = ctx.dockerfiles.get(dockerfile)
            ignore = di.applicable(dockerfile, context, ctx.dockerignores, ctx.root)
            if model is None or model.errors or ignore is None:
                continue
            for stage in model.stages:
                for copy in stage.copies():
                    if not facts.is_context_copy(copy):
                        continue
                    for source in copy.sources:
                        for path in _paths(ctx, context, source, ignore):
                            pattern = ignore.matching(path)
                            if pattern is None:
                                continue
                            yield self.finding(
                                dockerfile, copy.instruction.line, 0, span=model.word_span(
                                    copy.instruction.line, source), message=(
                                    f"{pattern.raw.strip()!r} in {ignore.path} excludes "
                                    f"{path}, which this {copy.instruction.cmd} needs: "
                                    f"{self.message}"), related=[Related(
                                    ignore.path, pattern.line, f"excludes {path}")])
                            break


def _paths(ctx: Context, context: str, source: str, ignore: di.DockerIgnore) -> Iterator[str]:
    """The context-relative paths a COPY source stands for that must reach the build.

    Nothing is looked up outside the context (BuildKit reads ``COPY ../x`` as ``x``), and a
    context outside the repository is not judged: what is there is not the repository's.
    """
    if paths.leaves_root(context):
        return
    source = paths.context_source(source)
    if source in (".", "*"):
        # workspace paths are relative to the repository root: they only apply to that context
        yield from _workspace_paths(ctx.workspace if context == "." else None, ctx.root / context)
    elif _WILDCARDS & set(source):
        matches = paths.context_glob(ctx.root, context, source) or []
        # a glob may leave some files out on purpose; with none left, COPY itself fails
        if matches and all(ignore.excludes(m) for m in matches):
            yield matches[0]
    elif "$" not in source:
        # a folder of which a `!` line re-includes something still reaches the build: the COPY
        # gets what the ignore file meant it to get
        if ignore.reincludes_under(source):
            return
        yield source


def _workspace_paths(workspace: Any, root: Path) -> Iterator[str]:
    """What ``COPY . .`` must bring for cargo: manifests, the lockfile, the members' sources."""
    if workspace is None:
        if (root / "Cargo.toml").is_file():
            yield "Cargo.toml"
        return
    yield "Cargo.toml"
    if workspace.has_lockfile:
        yield "Cargo.lock"
    for package in workspace.members:
        yield posixpath.normpath(package.manifest_path)
        for target in getattr(package, "bins", ()):
            path = getattr(target, "path", None)
            if path:
                yield posixpath.normpath(path)
