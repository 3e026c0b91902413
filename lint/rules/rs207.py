"""RS207: the linker is configured where cargo runs."""

from __future__ import annotations

from typing import Iterable

from rsdock.lint.analysis import build, dockerfacts as facts
from rsdock.lint.knowledge import platforms
from rsdock.lint.model.dockerfile import Dockerfile, Stage
from rsdock.lint.model.findings import Finding, Severity
from rsdock.lint.rules.rule import Context, DockerfileRule


class RS207(DockerfileRule):
    r"""Configure the cross linker in the environment of the ``cargo`` that needs it.

    Cargo links with ``cc`` unless ``CARGO_TARGET_<TRIPLE>_LINKER`` (or ``RUSTFLAGS=-C
    linker=``, or ``[target.<triple>] linker`` in ``.cargo/config.toml``) says otherwise, and
    ``cc`` cannot link for another architecture. Each RUN starts a fresh shell: an ``export`` in
    one RUN is gone in the next. Set it with ``ENV``, inline (``VAR=... cargo build``), in the
    same RUN, or in ``.cargo/config.toml``; ``cross``, ``xx-cargo`` and ``cargo zigbuild`` need
    none of that.

    Fails:
        FROM --platform=$BUILDPLATFORM rust:1.95 AS builder
        RUN apt-get update && apt-get install -y gcc-aarch64-linux-gnu libc6-dev-arm64-cross
        RUN rustup target add aarch64-unknown-linux-gnu
        RUN export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
        WORKDIR /app
        COPY . .
        RUN cargo build --release --target aarch64-unknown-linux-gnu

    Passes:
        FROM --platform=$BUILDPLATFORM rust:1.95 AS builder
        RUN apt-get update && apt-get install -y gcc-aarch64-linux-gnu libc6-dev-arm64-cross
        RUN rustup target add aarch64-unknown-linux-gnu
        ENV CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
        WORKDIR /app
        COPY . .
        RUN cargo build --release --target aarch64-unknown-linux-gnu
    """

    id = "RS207"
    name = "linker-where-cargo-runs"
    severity = Severity.ERROR
    message = "set CARGO_TARGET_<TRIPLE>_LINKER with ENV or in the RUN that runs cargo"

    def check(self, file: Dockerfile, ctx: Context) -> Iterable[Finding]:
        found = []
        linkers = build.workspace_linkers(ctx)
        for stage in file.stages:
            for platform in build.platforms_of(file, stage):
                for call in build.stage_calls(file, stage, platform):
                    triple = call.resolved_target
                    if not call.builds_project or triple is None or \
                            facts.is_native(triple, build.host_platform(stage, platform)) \
                            or call.command.opaque:
                        continue
                    if platforms.by_triple(triple) is None:
                        continue  # wasm32 and other non-Linux targets link with rust-lld
                    if call.linker_source(linkers):
                        continue
                    var = platforms.linker_env_var(triple)
                    lost = self._exported_earlier(file, stage, platform, call, var)
                    linker = platforms.linker_for_triple(triple) or "<cross gcc>"
                    if lost:
                        text = (f"{var} is exported in the RUN at line {lost}, but every RUN "
                                f"starts a new shell, so cargo (line {call.line}) links "
                                f"{call.target} with cc: use `ENV {var}={linker}` or export it "
                                "in this RUN")
                    else:
                        text = (f"nothing sets the linker for {call.target} where cargo runs, so "
                                f"it links with cc and fails: add `ENV {var}={linker}`, or "
                                "set it inline or in .cargo/config.toml")
                    found.append(self.finding(file.path, call.line, message=text))
        return facts.merge_by_line(found)

    @staticmethod
    def _exported_earlier(file: Dockerfile, stage: Stage, platform: str | None,
                          call: build.CargoCall, var: str) -> int | None:
        for ancestor in stage.ancestry():
            for result in build.simulate_stage(file, ancestor, platform).runs:
                if result.instruction is call.instruction:
                    continue
                if result.instruction.line < call.line and any(
                        var in o.exported and var in o.variables for o in result.outcomes):
                    return result.instruction.line
        return None
