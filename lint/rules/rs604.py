"""RS604: .dockerignore leaves out a file the compile reads."""

from __future__ import annotations

import posixpath
import re
from typing import Iterable

from rsdock.lint.analysis import images, needs
from rsdock.lint.model.dockerignore import DockerIgnore
from rsdock.lint.model.findings import Finding, Fix, Related, Severity
from rsdock.lint.rules.rule import Context, DockerignoreRule

_GLOB_RE = re.compile(r"([\\*?\[\]])")


class RS604(DockerignoreRule):
    """Do not ignore what the compile reads: ``include_str!`` files, migrations, ``.proto`` files.

    ``include_str!("../docs/openapi.yaml")``, ``include_bytes!``, ``sqlx::migrate!()`` (the
    package's ``migrations/``), sqlx's offline data (``.sqlx/``), the files a build script
    compiles or watches (``prost_build::compile_protos(&["proto/api.proto"], ...)``), and
    ``.git`` for a build script that runs git: a ``.dockerignore`` line that leaves one of them
    out of the build context makes the image build fail where ``cargo build`` on the host
    works. What the compile reads is found in the workspace's sources (comments and strings
    skipped; tests, benches, examples and ``#[cfg(test)]`` modules are not compiled by a release
    build). Only builds that compile count: an ignore file whose Dockerfiles copy in binaries
    built elsewhere hides nothing from a compile, and ``.git`` is not needed where the build
    script reads a variable first (``env::var("GIT_SHA")``, or through a string constant) that
    the compiling RUN has set (``ENV``, an ``ARG`` with a default or a build-arg the build
    passes, or ``GIT_SHA=v1 cargo build`` in the command itself), where its git call goes on
    when git fails (``.output().ok()``) or waits for a tolerated ``git rev-parse --git-dir`` to
    find a repository, where git only clones another repository, or where the compile gets
    named folders only (bind mounts or COPYs of crate folders, never the context's root). The
    fix re-includes each path with ``!path`` at the end of the file.

    Fails:
        # file: Cargo.toml
        [package]
        name = "api"
        version = "0.1.0"
        edition = "2021"
        # file: src/main.rs
        const SPEC: &str = include_str!("../docs/openapi.yaml");
        fn main() { println!("{SPEC}"); }
        # file: docs/openapi.yaml
        openapi: 3.1.0
        # file: .dockerignore
        target/
        docs/

    Fixed:
        # file: .dockerignore
        target/
        docs/
        !docs/openapi.yaml

    Passes:
        # file: Cargo.toml
        [package]
        name = "api"
        version = "0.1.0"
        edition = "2021"
        # file: src/main.rs
        const SPEC: &str = include_str!("../docs/openapi.yaml");
        fn main() { println!("{SPEC}"); }
        # file: docs/openapi.yaml
        openapi: 3.1.0
        # file: .dockerignore
        target/
        docs/
        !docs/openapi.yaml
    """

    id = "RS604"
    name = "dockerignore-hides-compile-input"
    severity = Severity.ERROR
    message = "re-include it with a `!` line: the compile reads it"
    fixable = "always"

    def check(self, file: DockerIgnore, ctx: Context) -> Iterable[Finding]:
        """Yield one finding per pattern that leaves compile inputs out of a build context."""
        found = needs.of(ctx)
        runs = _compile_runs(ctx, file.path)
        if runs == []:
            return  # the builds this file serves compile nothing: no compile reads the context
        wanted: list[tuple[str, str, Related | None]] = [
            (needs.repository_path(ctx, i.path), f"{i.how} in {i.source}",
             Related(needs.repository_path(ctx, i.source), i.line, f"{i.how} reads `{i.path}`"))
            for i in found.inputs if i.exists]
        if found.git == "needs-git" and not (
                runs and all(needs.git_skipped(found, run.env) or not run.whole_context
                             for run in runs)):
            reason, place = needs.placed(ctx, found.git_reason)
            wanted.append((needs.repository_path(ctx, ".git"), reason, place))
        if not wanted:
            return
        contexts = images.ignore_contexts(ctx, file.path)
        if contexts is None:
            contexts = [posixpath.dirname(file.path) or "."]
        by_line: dict[int, list[tuple[str, str, Related | None]]] = {}
        for path, why, place in wanted:
            for context in contexts:
                inside = posixpath.relpath(path, context) if context != "." else path
                if inside.startswith("../") or inside == "..":
                    continue
                probe = inside + "/HEAD" if inside.endswith(".git") else inside
                pattern = file.matching(probe)
                if pattern is not None:
                    by_line.setdefault(pattern.line, []).append((inside, why, place))
        for line, hidden in sorted(by_line.items()):
            paths = list(dict.fromkeys(p for p, _, _ in hidden))
            shown = ", ".join(f"`{p}` ({why})" for p, why, _ in hidden[:2])
            related = [place for _, _, place in hidden if place is not None]
            more = f" and {len(paths) - 2} more" if len(paths) > 2 else ""
            lines = "\n".join("!" + _GLOB_RE.sub(r"\\\1", p) for p in paths)
            fix = Fix("re-include " + ", ".join(paths), (file.append_line(lines),))
            yield self.finding(file.path, line, 0,
                               f"this line leaves out {shown}{more}: {self.message}", fix,
                               related=list(dict.fromkeys(related)))


def _compile_runs(ctx: Context, ignore_path: str) -> list[images.CompileRun] | None:
    """The compiling RUNs of the builds ``ignore_path`` serves; None when that is not known (no
    build names it, or a Dockerfile it serves was not parsed)."""
    builds = images.ignore_builds(ctx, ignore_path)
    if not builds:
        return None
    runs: list[images.CompileRun] = []
    for build in builds:
        found = images.compile_runs(ctx, build)
        if found is None:
            return None
        runs += found
    return runs
