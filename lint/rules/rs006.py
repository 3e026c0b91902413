"""RS006: a path dependency outside the workspace cannot be in the Docker build context."""

from __future__ import annotations

from typing import Iterable

from rsdock.lint.model.findings import Finding, Severity
from rsdock.lint.rules.rule import Context, ProjectRule


class RS006(ProjectRule):
    """Keep path dependencies inside the workspace: the image build cannot see outside it.

    A Dockerfile builds from a context, usually the workspace root (``docker build .``), and
    BuildKit sends nothing above it: ``COPY ../shared`` is refused, and ``cargo build`` in the
    image fails with "failed to read .../shared/Cargo.toml" for a dependency written
    ``{ path = "../shared" }``. Move the crate into the workspace, publish it (or use a ``git``
    dependency), or build with a context that contains both. Reported once per dependency, at
    the ``Cargo.toml`` line, when the repository has a Dockerfile.

    Fails:
        # file: Cargo.toml
        [package]
        name = "server"
        version = "0.1.0"
        edition = "2021"
        [dependencies]
        shared = { path = "../shared" }
        # file: src/main.rs
        fn main() {}
        # file: Dockerfile
        FROM rust:1.95 AS build
        WORKDIR /app
        COPY . .
        RUN cargo build --release

    Passes:
        # file: Cargo.toml
        [package]
        name = "server"
        version = "0.1.0"
        edition = "2021"
        [dependencies]
        shared = { path = "shared" }
        # file: src/main.rs
        fn main() {}
        # file: shared/Cargo.toml
        [package]
        name = "shared"
        version = "0.1.0"
        edition = "2021"
        # file: shared/src/lib.rs
        pub fn f() {}
        # file: Dockerfile
        FROM rust:1.95 AS build
        WORKDIR /app
        COPY . .
        RUN cargo build --release
    """

    id = "RS006"
    name = "path-dependency-outside-context"
    severity = Severity.WARNING
    message = "move the crate into the workspace, or depend on it by version or git"

    def check(self, file: None, ctx: Context) -> Iterable[Finding]:
        """Yield one finding per path dependency leading out of the workspace root."""
        if ctx.workspace is None or not ctx.dockerfiles:
            return
        for dep in ctx.workspace.outside_path_deps:
            yield self.finding(dep.manifest, dep.line or 1, 0, message=(
                f"dependency {dep.name!r} has path = {dep.path!r}, outside the workspace: a "
                f"Docker build of the workspace cannot see it; {self.message}"))
