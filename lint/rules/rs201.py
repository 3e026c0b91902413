"""RS201: a cross-compiling builder runs on the build platform."""

from __future__ import annotations

import re
from typing import Iterable

from rsdock.lint.analysis import build, dockerfacts as facts
from rsdock.lint.model.dockerfile import Dockerfile, Stage
from rsdock.lint.model.findings import (
    Applicability, Edit, Finding, Fix, Related, Severity, line_offsets,
)
from rsdock.lint.rules.rule import Context, DockerfileRule

_BUILDPLATFORM = re.compile(r"^\$\{?BUILDPLATFORM\}?$")
_TARGET_VARS = re.compile(r"\$\{?(TARGETPLATFORM|TARGETARCH|TARGETOS|TARGETVARIANT)\b")
# The machine's own architecture: a --target chosen from it is native wherever the stage runs.
# rustc's own host triple is one too: the `host:` line of `rustc -vV` (read with sed, grep, awk
# or cut) and `rustc --print host-tuple` (Rust 1.84).
_HOST_PROBE = re.compile(r"dpkg\s+--print-architecture|uname\s+-m|apk\s+--print-arch|\$\(arch\)|"
                         r"rustc\s+(?:-vV|-Vv|--version\s+--verbose|-V\s+-v)\b[^\n;&)]*\bhost\b|"
                         r"rustc\s+--print[= ]host-tuple")


def _chains(stage: Stage, platform: str | None) -> list[list[Stage]]:
    """The ancestries ``stage`` may have for ``platform``; with no platform known, one per
    candidate of a ``FROM build-$TARGETARCH`` along the way."""
    if platform:
        return [stage.ancestry(build.platform_args(platform))]
    chain = stage.ancestry()
    for index, ancestor in enumerate(chain):
        if ancestor.candidates:
            return [chain[:index + 1] + c.ancestry() for c in ancestor.candidates]
    return [chain]


def _native(chain: list[Stage]) -> bool:
    """Whether the nearest ``--platform`` along ``chain`` (a stage's ancestry) is the builder's."""
    flagged = [s.platform for s in chain if s.platform]
    return bool(flagged) and bool(_BUILDPLATFORM.match(flagged[0]))


class RS201(DockerfileRule):
    r"""Start a cross-compiling builder with ``FROM --platform=$BUILDPLATFORM``.

    Without it BuildKit runs the builder under the target platform, so for arm64 or arm/v7
    the whole compiler runs under QEMU: many times slower and prone to crashes. A builder that
    passes ``--target`` or reads ``$TARGETPLATFORM`` is meant to cross-compile, so it should
    run natively. A plain single-platform build (no ``--target``) is not flagged, nor is one
    whose ``--target`` follows the machine's own architecture (``dpkg --print-architecture``):
    that builder is native by design, and on ``$BUILDPLATFORM`` it would build the wrong triple.

    Fails:
        FROM rust:1.95 AS builder
        ARG TARGETPLATFORM
        RUN case "$TARGETPLATFORM" in \
              linux/amd64) echo x86_64-unknown-linux-gnu > /target ;; \
              *) echo "unsupported: $TARGETPLATFORM" >&2; exit 1 ;; \
            esac
        RUN cargo build --release --target "$(cat /target)"

    Fixed:
        FROM --platform=$BUILDPLATFORM rust:1.95 AS builder
        ARG TARGETPLATFORM
        RUN case "$TARGETPLATFORM" in \
              linux/amd64) echo x86_64-unknown-linux-gnu > /target ;; \
              *) echo "unsupported: $TARGETPLATFORM" >&2; exit 1 ;; \
            esac
        RUN cargo build --release --target "$(cat /target)"

    Passes:
        FROM --platform=$BUILDPLATFORM rust:1.95 AS builder
        ARG TARGETPLATFORM
        RUN case "$TARGETPLATFORM" in \
              linux/amd64) echo x86_64-unknown-linux-gnu > /target ;; \
              *) echo "unsupported: $TARGETPLATFORM" >&2; exit 1 ;; \
            esac
        RUN cargo build --release --target "$(cat /target)"
    """

    id = "RS201"
    name = "builder-on-buildplatform"
    severity = Severity.ERROR
    message = "add --platform=$BUILDPLATFORM to the builder's FROM so the compiler runs natively"
    fixable = "sometimes"
    fix_applicability = Applicability.UNSAFE
    fix_note = ('The fix runs the stage on the build machine, so every RUN in it must then cross-compile: '
                'review it with `rsdock lint --diff --unsafe-fixes`.')

    def check(self, file: Dockerfile, ctx: Context) -> Iterable[Finding]:
        found = []
        offsets = line_offsets(file.text)
        for stage in file.stages:
            calls = [c for p in build.platforms_of(file, stage)
                     for c in build.stage_calls(file, stage, p) if c.builds_project]
            scripts = [s.text for i in stage.runs() if (s := file.script(i)) is not None]
            reads_target = any(_TARGET_VARS.search(text) for text in scripts)
            if not calls or not build.cross_targets(file, stage):
                continue  # no --target, a fixed one, or wasm: nothing follows TARGETPLATFORM
            if not reads_target and any(_HOST_PROBE.search(text) for text in scripts):
                # A native build per platform by design (the triple follows `dpkg
                # --print-architecture`): on $BUILDPLATFORM it would build the wrong one.
                continue
            chains = [c for p in build.platforms_of(file, stage) for c in _chains(stage, p)]
            # `FROM build-$TARGETARCH`: the stage is native only if every platform's chain is.
            chain = next((c for c in chains if not _native(c)), None)
            if chain is None:
                continue
            flagged = [s for s in chain if s.platform]
            root = chain[-1]
            line = root.from_.line
            if flagged:
                found.append(self.finding(file.path, flagged[0].from_.line, message=(
                    f"stage {stage.label} cross-compiles but runs on --platform="
                    f"{flagged[0].platform}: use --platform=$BUILDPLATFORM so the compiler is "
                    "not emulated")))
                continue
            start = offsets[line - 1]
            keyword = re.match(r"\s*FROM\s+", file.text[start:], re.IGNORECASE)
            fix = None
            if keyword:
                at = start + keyword.end()
                fix = Fix("add --platform=$BUILDPLATFORM to FROM",
                          (Edit(at, at, "--platform=$BUILDPLATFORM "),))
            if root is stage:
                message = (f"stage {stage.label} cross-compiles but its "
                           "FROM has no --platform=$BUILDPLATFORM, so the compiler runs under "
                           "QEMU emulation: add it")
            else:
                # The finding sits where the fix goes, the FROM the stage's ancestry starts at,
                # and the message names that stage first so line and words agree.
                message = (f"stage {root.label}'s FROM has no --platform=$BUILDPLATFORM, but "
                           f"stage {stage.label}, built FROM it, cross-compiles, so the "
                           "compiler runs under QEMU emulation: add "
                           "it here")
            found.append(self.finding(file.path, line, message=message, fix=fix, related=[
                Related(file.path, calls[0].line, f"stage {stage.label} cross-compiles here")]))
        return list(facts.unique(found))
