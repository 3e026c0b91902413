"""RS107: --bin and --package name real targets of the workspace."""

from __future__ import annotations

from typing import Iterable

from rsdock.lint.analysis import build, dockerfacts as facts
from rsdock.lint.model.dockerfile import Dockerfile
from rsdock.lint.model.findings import Finding, Severity
from rsdock.lint.rules.rule import Context, DockerfileRule


class RS107(DockerfileRule):
    """Name a binary target of the workspace in ``--bin`` (and a member in ``--package``).

    ``cargo build --bin x`` fails when no member has a binary ``x``. A trunk web app is usually
    a ``cdylib`` library, not a binary: build it with ``trunk build`` instead.

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
        RUN cargo build --release --bin backend

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
        WORKDIR /app
        COPY . .
        RUN cargo build --release --bin server
    """

    id = "RS107"
    name = "bin-exists"
    severity = Severity.ERROR
    message = "name a binary target of the workspace in --bin"

    def check(self, file: Dockerfile, ctx: Context) -> Iterable[Finding]:
        workspace = ctx.workspace_for(file.path)
        if workspace is None:
            return []
        bins = set(workspace.bin_names)
        members = {p.name for p in workspace.members}
        web = {p.name for p in workspace.web_apps}
        found = []
        for stage in file.stages:
            for platform in build.platforms_of(file, stage):
                for call in build.stage_calls(file, stage, platform):
                    if call.action not in ("build", "cook", "install", "run", "rustc"):
                        continue
                    if call.action == "install" and "path" not in call.options:
                        continue  # `cargo install <crate> --bin x`: a bin of that crate
                    for name in call.bins:
                        if "$" in name or name in bins:
                            continue
                        if name in web:
                            hint = f"{name} is a trunk web app, not a binary: build it with trunk"
                        else:
                            hint = f"use one of: {', '.join(sorted(bins)) or '(none)'}"
                        found.append(self.finding(file.path, call.line, span=call.span(
                            file, f"--bin {name}", f"--bin={name}", name), message=(
                            f"--bin {name} names no binary target of the workspace: {hint}")))
                    for name in call.packages:
                        if "$" not in name and name.split("@")[0] not in members:
                            found.append(self.finding(file.path, call.line, span=call.span(
                                file, f"--package {name}", f"--package={name}", f"-p {name}"),
                                message=(
                                f"--package {name} is not a workspace member: use one of "
                                f"{', '.join(sorted(members))}")))
        return list(facts.unique(found))
