"""RS211: the cross linker named for a triple is the one that links for it."""

from __future__ import annotations

from typing import Iterable

import posixpath
import re

from rsdock.lint.analysis import build, dockerfacts as facts
from rsdock.lint.knowledge import platforms
from rsdock.lint.model.dockerfile import Dockerfile
from rsdock.lint.model.findings import Finding, Related, Severity
from rsdock.lint.rules.rule import Context, DockerfileRule

# A Debian/GNU cross gcc driver: <arch>-linux-gnu[eabi|eabihf]-gcc[-12] (or g++).
_GNU_CROSS_RE = re.compile(r"^(?P<prefix>[a-z0-9_]+-linux-gnu[a-z0-9]*)-(?:gcc|g\+\+|cc)(?:-\d+)?$")


class RS211(DockerfileRule):
    """Link each triple with its own cross gcc: ``arm-linux-gnueabihf-gcc`` for armv7 gnueabihf.

    ``CARGO_TARGET_<TRIPLE>_LINKER`` (or ``[target.<triple>] linker``) naming another
    architecture's or ABI's gcc links objects the target cannot run: ``arm-linux-gnueabi-gcc``
    is Debian's armel (soft-float ARMv5) compiler, so an armv7 hard-float binary fails to link
    ("uses VFP register arguments") or crashes at start. Only GNU cross gcc names are judged;
    clang, ``rust-lld``, zig and wrapper scripts are other valid choices.

    Fails:
        FROM --platform=$BUILDPLATFORM rust:1.95 AS builder
        RUN apt-get update && apt-get install -y gcc-arm-linux-gnueabihf libc6-dev-armhf-cross
        ENV CARGO_TARGET_ARMV7_UNKNOWN_LINUX_GNUEABIHF_LINKER=arm-linux-gnueabi-gcc
        RUN rustup target add armv7-unknown-linux-gnueabihf
        RUN cargo build --release --target armv7-unknown-linux-gnueabihf

    Passes:
        FROM --platform=$BUILDPLATFORM rust:1.95 AS builder
        RUN apt-get update && apt-get install -y gcc-arm-linux-gnueabihf libc6-dev-armhf-cross
        ENV CARGO_TARGET_ARMV7_UNKNOWN_LINUX_GNUEABIHF_LINKER=arm-linux-gnueabihf-gcc
        RUN rustup target add armv7-unknown-linux-gnueabihf
        RUN cargo build --release --target armv7-unknown-linux-gnueabihf
    """

    id = "RS211"
    name = "cross-linker-name"
    severity = Severity.ERROR
    message = "name the cross gcc of the target's own architecture and ABI"

    def check(self, file: Dockerfile, ctx: Context) -> Iterable[Finding]:
        found = []
        linkers = build.workspace_linkers(ctx)
        for stage in file.stages:
            for platform in build.platforms_of(file, stage):
                for call in build.stage_calls(file, stage, platform):
                    target = platforms.by_triple(call.target or "")
                    if not call.builds_project or target is None or not call.target_known \
                            or call.target != target.gnu_triple:
                        continue
                    var = platforms.linker_env_var(call.target)
                    linker = call.command.env.get(var) or call.config_linkers.get(call.target) \
                        or linkers.get(call.target)
                    match = _GNU_CROSS_RE.match(posixpath.basename(linker or ""))
                    wanted = target.linker.removesuffix("-gcc")
                    if not match or match["prefix"] == wanted:
                        continue
                    found.append(self.finding(file.path, call.line, span=call.span(
                        file, linker or "--target"), message=(
                        f"{linker} does not link for {call.target}: "
                        f"use {target.linker} from {target.gcc_package}"),
                        related=[Related(file.path, call.line, f"cargo builds {call.target} here")]))
        return list(facts.unique(found))
