"""RS310: a ``cp`` of the build output follows the workspace's ``target-dir``."""

from __future__ import annotations

import posixpath

from rsdock.lint.analysis import build, dockerfacts as facts
from rsdock.lint.model.dockerfile import Dockerfile
from rsdock.lint.model.findings import Finding, Severity
from rsdock.lint.rules.rule import Context, DockerfileRule


class RS310(DockerfileRule):
    """Copy the binary out of the ``target-dir`` the workspace's ``.cargo/config.toml`` sets.

    With ``[build] target-dir = "out"`` in the workspace's ``.cargo/config.toml`` (which
    ``COPY . .`` brings into the image), cargo writes ``out/<triple>/release/<bin>``, and a
    ``cp target/<triple>/release/<bin> ...`` after the build fails with "No such file or
    directory". Copy from the configured directory, or pass ``--target-dir`` (or
    ``CARGO_TARGET_DIR``) to the build so the path is explicit. ``COPY --from`` paths are
    RS305's.

    Fails:
        # file: Cargo.toml
        [package]
        name = "server"
        version = "0.1.0"
        edition = "2021"
        # file: src/main.rs
        fn main() {}
        # file: .cargo/config.toml
        [build]
        target-dir = "out"
        # file: Dockerfile
        FROM rust:1.95 AS builder
        WORKDIR /app
        COPY . .
        RUN cargo build --release --bin server && cp target/release/server /server

    Passes:
        # file: Cargo.toml
        [package]
        name = "server"
        version = "0.1.0"
        edition = "2021"
        # file: src/main.rs
        fn main() {}
        # file: .cargo/config.toml
        [build]
        target-dir = "out"
        # file: Dockerfile
        FROM rust:1.95 AS builder
        WORKDIR /app
        COPY . .
        RUN cargo build --release --bin server && cp out/release/server /server
    """

    id = "RS310"
    name = "cp-follows-target-dir"
    severity = Severity.ERROR
    message = "copy from the target-dir the workspace's .cargo/config.toml sets"

    def check(self, file: Dockerfile, ctx: Context) -> list[Finding]:
        configured = getattr(getattr(ctx.workspace_for(file.path), "config", None), "target_dir",
                             None)
        if not configured or configured.rstrip("/") == "target":
            return []
        found = []
        for stage in file.stages:
            built_in: set[str] = set()
            for inst, command in build.simulate_stage(file, stage, None).commands():
                here = facts.workdir(stage, inst)
                call = build.parse_cargo(command, inst)
                if call is not None and call.action == "build":
                    if not (call.options.get("target-dir") or command.env.get("CARGO_TARGET_DIR")):
                        built_in.add(here)
                    continue
                argv = [w for w in command.argv if not w.startswith("-")]
                if not built_in or len(argv) < 3 or argv[0] not in ("cp", "mv", "install"):
                    continue
                for source in argv[1:-1]:
                    path = posixpath.normpath(posixpath.join(here, source))
                    for root in built_in:
                        default = posixpath.join(root, "target")
                        if path == default or path.startswith(default + "/"):
                            wanted = posixpath.join(root, configured)
                            found.append(self.finding(
                                file.path, command.line, span=file.word_span(
                                    command.line, source), message=(
                                f"{source} is under target/, but .cargo/config.toml sets "
                                f"target-dir = {configured!r}: cargo wrote to "
                                f"{wanted}{path[len(default):]}; {self.message}")))
        return list(facts.unique(found))
