"""RS205: the Rust target is installed before cargo builds for it."""

from __future__ import annotations

from typing import Iterable

from rsdock.lint.analysis import build, dockerfacts as facts
from rsdock.lint.knowledge import platforms
from rsdock.lint.model.dockerfile import Dockerfile
from rsdock.lint.model.findings import Finding, Severity
from rsdock.lint.rules.rule import Context, DockerfileRule


class RS205(DockerfileRule):
    """Run ``rustup target add <triple>`` before building with ``--target <triple>``.

    The ``rust`` and ``cargo-chef`` images ship only the standard library of the machine they
    run on; any other ``--target`` fails with "can't find crate for `std`". ``cross`` and
    ``xx-cargo`` install the target themselves and are not flagged.

    Fails:
        FROM --platform=$BUILDPLATFORM rust:1.95 AS builder
        ENV CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
        RUN apt-get update && apt-get install -y gcc-aarch64-linux-gnu libc6-dev-arm64-cross
        WORKDIR /app
        COPY . .
        RUN cargo build --release --target aarch64-unknown-linux-gnu

    Passes:
        FROM --platform=$BUILDPLATFORM rust:1.95 AS builder
        ENV CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
        RUN apt-get update && apt-get install -y gcc-aarch64-linux-gnu libc6-dev-arm64-cross
        RUN rustup target add aarch64-unknown-linux-gnu
        WORKDIR /app
        COPY . .
        RUN cargo build --release --target aarch64-unknown-linux-gnu
    """

    id = "RS205"
    name = "rustup-target-add"
    severity = Severity.ERROR
    message = "run `rustup target add <triple>` before building for it"

    def check(self, file: Dockerfile, ctx: Context) -> Iterable[Finding]:
        found = []
        for stage in file.stages:
            if facts.rust_version(facts.root_image(stage)) is None:
                continue  # another image may ship the targets it is made for
            for platform in build.platforms_of(file, stage):
                commands = build.ancestry_commands(file, stage, platform)
                # The host's own triple comes with the toolchain: on QEMU it is the target's.
                host = platforms.require(build.host_platform(stage, platform)).gnu_triple
                for call in build.stage_calls(file, stage, platform):
                    if not call.builds_project or not call.target_known or call.target == host \
                            or call.tool in ("cross", "xx-cargo"):
                        continue
                    installed, unknown = facts.rustup_targets(
                        [(i, c) for i, c in commands if c.line <= call.line])
                    if unknown or call.target in installed or call.command.opaque:
                        continue
                    found.append(self.finding(file.path, call.line, span=call.span(file), message=(
                        f"cargo builds for {call.target} but no `rustup target add "
                        f"{call.target}` runs before it: add it to the builder")))
        return facts.merge_by_line(found)
