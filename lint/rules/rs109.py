"""RS109: no --locked without a Cargo.lock."""

from __future__ import annotations

from rsdock.lint.analysis import build, dockerfacts as facts
from rsdock.lint.model.dockerfile import Dockerfile
from rsdock.lint.model.findings import Finding, Severity
from rsdock.lint.rules.rule import Context, DockerfileRule

_LOCKING = ("--locked", "--frozen")


class RS109(DockerfileRule):
    """Do not build with ``--locked`` (or ``--frozen``) when the workspace has no ``Cargo.lock``.

    ``--locked`` tells cargo to fail rather than write a lockfile; without one in the build
    context every ``cargo build --locked`` and ``cargo chef cook --locked`` stops with "the lock
    file needs to be updated but --locked was passed". Commit a ``Cargo.lock`` (the usual choice
    for a workspace that ships a binary), or drop the flag. ``cargo install --locked`` of a tool
    such as cargo-chef uses the tool's own lockfile and is not flagged.

    Fails:
        # file: Cargo.toml
        [package]
        name = "server"
        version = "0.1.0"
        edition = "2021"
        # file: src/main.rs
        fn main() {}
        # file: Dockerfile
        FROM rust:1.95 AS builder
        WORKDIR /app
        COPY . .
        RUN cargo build --release --locked --bin server

    Passes:
        # file: Cargo.toml
        [package]
        name = "server"
        version = "0.1.0"
        edition = "2021"
        # file: src/main.rs
        fn main() {}
        # file: Dockerfile
        FROM rust:1.95 AS builder
        RUN cargo install cargo-chef --locked
        WORKDIR /app
        COPY . .
        RUN cargo build --release --bin server
    """

    id = "RS109"
    name = "locked-without-lockfile"
    severity = Severity.ERROR
    message = "commit a Cargo.lock, or drop --locked: without one cargo refuses to build"

    def check(self, file: Dockerfile, ctx: Context) -> list[Finding]:
        workspace = ctx.workspace_for(file.path)
        if workspace is None or workspace.has_lockfile:
            return []
        found = []
        for stage in file.stages:
            for call in build.stage_calls(file, stage, None):
                if call.action == "install" and not call.builds_project:
                    continue
                flag = next((w for w in call.command.argv if w in _LOCKING), None)
                if flag and call.action in ("build", "cook", "run", "test", "install", "rustc"):
                    found.append(self.finding(file.path, call.line, span=call.span(file, flag),
                                              message=(
                        f"`cargo {call.action} {flag}` but the workspace has no Cargo.lock: "
                        f"{self.message}")))
        return list(facts.unique(found))
