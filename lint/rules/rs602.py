"""RS602: .dockerignore leaves cargo's target/ out of the build context."""

from __future__ import annotations

import posixpath
from typing import Iterable

from rsdock.lint.analysis import dockerfacts as facts, images
from rsdock.lint.model.dockerignore import DockerIgnore
from rsdock.lint.model.findings import Finding, Fix, Severity
from rsdock.lint.rules.rule import Context, DockerignoreRule


class RS602(DockerignoreRule):
    """Ignore ``target/``: cargo's build output is gigabytes the image build never needs.

    Everything not ignored is sent to BuildKit before the first instruction runs, and a host
    ``target/`` copied by ``COPY . .`` overwrites the builder's own. A Dockerfile that copies a
    prebuilt binary out of ``target/`` is a legitimate exception and is not flagged, and so is
    an ignore file no build uses or whose contexts hold no cargo project.

    Fails:
        # file: .dockerignore
        .git

    Fixed:
        # file: .dockerignore
        .git
        target/

    Passes:
        # file: .dockerignore
        .git
        target/
    """

    id = "RS602"
    name = "dockerignore-target"
    severity = Severity.WARNING
    message = "add `target/` to .dockerignore"
    fixable = "always"

    def check(self, file: DockerIgnore, ctx: Context) -> Iterable[Finding]:
        """Yield one finding when target/ reaches the build context."""
        contexts = images.ignore_contexts(ctx, file.path)
        if contexts is not None and not any(
                (ctx.root / c / "Cargo.toml").is_file() for c in contexts):
            return  # no build uses this file, or none of its contexts is a cargo project
        if ctx.dockerfiles and not _sends_everything(ctx, file.path, contexts):
            return  # BuildKit transfers only the paths COPY names: no build sends target/
        probe = "target/release"
        if (file.excludes(probe) or file.excludes_but_for_comments(probe)
                or _copies_from_target(ctx)):
            return
        fix = Fix("ignore target/", (file.append_line("target/"),))
        yield self.finding(file.path, 1, 0, fix=fix)


def _copies_from_target(ctx: Context) -> bool:
    for model in ctx.dockerfiles.values():
        for stage in model.stages:
            for copy in stage.copies():
                if copy.source_stage is None and any(
                        posixpath.normpath(s.lstrip("/")).split("/")[0] == "target"
                        for s in copy.sources):
                    return True
    return False


def _sends_everything(ctx: Context, ignore_path: str, contexts: list[str] | None) -> bool:
    """Whether a build that uses the ignore file copies its whole context (``COPY . .``), the
    only way a host ``target/`` reaches the build."""
    own = ignore_path[: -len(".dockerignore")] if not ignore_path.endswith("/.dockerignore") \
        and ignore_path != ".dockerignore" else None
    wanted = set(contexts) if contexts is not None else {"."}
    for item in images.builds(ctx):
        if own is not None and item.dockerfile != own:
            continue
        if own is None and item.context not in wanted:
            continue
        model = ctx.dockerfiles.get(item.dockerfile)
        if model is not None and any(facts.copies_everything(c) for s in model.stages
                                     for c in s.copies()):
            return True
    return False
