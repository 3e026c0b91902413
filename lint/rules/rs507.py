"""RS507: a `cargo build --bin NAME` turns on the binary's required-features."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Iterable

from rsdock import fs
from rsdock.errors import UserError

from rsdock.lint.analysis import build, cdeps
from rsdock.lint.model.cargo import Workspace
from rsdock.lint.model.cargo_features import missing_required
from rsdock.lint.model.dockerfile import Dockerfile
from rsdock.lint.model.findings import Finding, Related, Severity
from rsdock.lint.rules.rule import Context, DockerfileRule


class RS507(DockerfileRule):
    r"""Build a binary with its ``required-features``: cargo refuses ``--bin NAME`` without them.

    A ``[[bin]]`` table with ``required-features = ["winservice"]`` is built only when every
    one of those features is on. A plain ``cargo build`` silently skips it; ``cargo build --bin
    NAME`` (or ``cargo chef cook --bin NAME``) stops with "target `NAME` in package `P`
    requires the features: `winservice`". The features a call turns on are read as the feature
    resolver does: the package's ``default`` (unless ``--no-default-features``), expanded
    through its ``[features]`` table, plus ``--features`` (``P/feature`` or ``feature``);
    ``--all-features`` turns on every one. A ``--features`` value rsdock cannot read (``$FEATS``)
    is not judged.

    Fails:
        # file: Cargo.toml
        [package]
        name = "proxy"
        version = "0.1.0"
        edition = "2021"
        [[bin]]
        name = "proxy-winservice"
        path = "bin/winservice.rs"
        required-features = ["winservice"]
        [features]
        default = ["server"]
        server = []
        winservice = ["server"]
        # file: bin/winservice.rs
        fn main() {}
        # file: Dockerfile
        FROM rust:1.95-slim-bookworm AS builder
        WORKDIR /app
        COPY . .
        RUN cargo build --release --bin proxy-winservice
        FROM debian:bookworm-slim
        COPY --from=builder /app/target/release/proxy-winservice /usr/local/bin/proxy-winservice
        ENTRYPOINT ["/usr/local/bin/proxy-winservice"]

    Passes:
        # file: Cargo.toml
        [package]
        name = "proxy"
        version = "0.1.0"
        edition = "2021"
        [[bin]]
        name = "proxy-winservice"
        path = "bin/winservice.rs"
        required-features = ["winservice"]
        [features]
        default = ["server"]
        server = []
        winservice = ["server"]
        # file: bin/winservice.rs
        fn main() {}
        # file: Dockerfile
        FROM rust:1.95-slim-bookworm AS builder
        WORKDIR /app
        COPY . .
        RUN cargo build --release --bin proxy-winservice --features proxy/winservice
        FROM debian:bookworm-slim
        COPY --from=builder /app/target/release/proxy-winservice /usr/local/bin/proxy-winservice
        ENTRYPOINT ["/usr/local/bin/proxy-winservice"]
    """

    id = "RS507"
    name = "bin-required-features"
    severity = Severity.ERROR
    message = "add the binary's required-features to the build's --features"

    def check(self, file: Dockerfile, ctx: Context) -> Iterable[Finding]:
        """Yield a finding at each cargo call naming a binary whose required features it
        leaves off."""
        workspace = ctx.workspace_for(file.path)
        if workspace is None:
            return
        manifests = cdeps.member_manifests(workspace)
        seen: set[tuple[int, str]] = set()
        for stage in file.stages:
            for call in build.stage_calls(file, stage, None):
                if call.action not in ("build", "cook", "install") or not call.bins:
                    continue
                if any("$" in f for f in call.features):
                    continue  # features rsdock cannot read
                for name in call.bins:
                    package = workspace.package_of(name)
                    target = next((t for t in package.bins if t.name == name),
                                  None) if package is not None else None
                    if package is None or target is None or not target.required_features:
                        continue
                    missing = missing_required(manifests.get(package.name),
                                               target.required_features,
                                               cdeps.call_request(call, package.name))
                    if not missing or (call.line, name) in seen:
                        continue
                    seen.add((call.line, name))
                    wanted = ",".join(f"{package.name}/{f}" for f in missing)
                    yield self.finding(
                        file.path, call.line, 0,
                        f"cargo refuses `--bin {name}`: it requires the features "
                        f"{', '.join(missing)} ([[bin]] required-features), which this build "
                        f"leaves off; {self.message} (--features {wanted}), or stop building it",
                        span=call.span(file, f"--bin {name}"),
                        related=[_required_at(ctx, workspace, package.manifest_path, name)])


def _required_at(ctx: Context, workspace: Workspace, manifest: str, name: str) -> Related:
    """Where binary ``name``'s ``required-features`` is written (its ``[[bin]]`` table)."""
    path = Path(getattr(workspace, "root", ctx.root)) / manifest
    rel = Path(os.path.relpath(path, ctx.root)).as_posix()
    try:
        text = fs.read_text(ctx.root, rel) or ""
    except UserError:
        text = ""
    line, in_bin = 1, False
    for number, raw in enumerate(text.splitlines(), 1):
        stripped = raw.strip()
        if stripped.startswith("["):
            in_bin = False
        if re.match(rf"""name\s*=\s*["']{re.escape(name)}["']""", stripped):
            in_bin, line = True, number
        elif in_bin and stripped.startswith("required-features"):
            line = number
            break
    return Related(rel, line, f"{name}'s required-features")
