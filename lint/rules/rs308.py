"""RS308: the runtime's glibc is not older than the builder's."""

from __future__ import annotations

from rsdock.lint.analysis import build, dockerfacts as facts
from rsdock.lint.knowledge import debian
from rsdock.lint.model.dockerfile import Dockerfile, Stage
from rsdock.lint.model.findings import Finding, Related, Severity
from rsdock.lint.rules.image_rule import ImageStageRule
from rsdock.lint.rules.rule import Context
from rsdock.records import replace


# glibc 2.34 moved __libc_start_main to a new symbol version that every program links.
_START_MAIN = (2, 34)


class RS308(ImageStageRule):
    """Run the binary on a Debian release no older than the one that built it.

    A glibc binary needs the glibc it was linked against, or newer: built on bookworm (glibc
    2.36) and run on buster (2.28) it stops at once with "version `GLIBC_2.34' not found". Use
    the same release for the builder and the runtime (``rust:1.95-slim-bookworm`` with
    ``debian:bookworm-slim`` or ``gcr.io/distroless/cc-debian12``), or a newer runtime. musl
    binaries (``*-musl`` targets) are static and not checked. Ubuntu runtimes count by their
    glibc (``ubuntu:22.04`` has 2.35, older than bookworm's 2.36). Tags that name no release are
    read as the release they are built on (``lint/knowledge/debian.py``): ``rust:latest``,
    ``rust:1`` and cargo-chef's ``latest-rust-1`` follow Debian's newest release (trixie, glibc
    2.41), ``rust:1.86`` stayed on bookworm. Built on glibc 2.34 or later and run on an older
    one, every binary fails (an error); between two newer releases only a binary that uses a
    newer symbol fails (C code built on 2.38 or later often does): a warning.

    Fails:
        FROM rust:1.95-slim-bookworm AS builder
        WORKDIR /app
        COPY . .
        RUN cargo build --release

        FROM debian:buster-slim
        COPY --from=builder /app/target/release/server /usr/local/bin/server

    Passes:
        FROM rust:1.95-slim-bookworm AS builder
        WORKDIR /app
        COPY . .
        RUN cargo build --release

        FROM debian:bookworm-slim
        COPY --from=builder /app/target/release/server /usr/local/bin/server
    """

    id = "RS308"
    name = "runtime-glibc-older-than-builder"
    severity = Severity.ERROR
    message = "use a runtime of the builder's Debian release or newer"

    production_only = False  # a test or helper image fails the same way

    def check_stage(self, file: Dockerfile, ctx: Context, final: Stage) -> list[Finding]:
        """The findings for one image stage (the last one, or a ``target:``)."""
        if final is None:
            return []
        found_runtime = debian.glibc_release(final.ancestry()[-1].base)
        if found_runtime is None:
            return []
        runtime, runtime_why = found_runtime
        found = []
        for copy in final.copies():
            source = file.stage(copy.source_stage) if copy.source_stage else None
            if source is None:
                continue
            calls = [c for c in build.stage_calls(file, source, None, ancestry=True)
                     if c.action == "build"]
            if not calls or all(c.target and "musl" in c.target for c in calls):
                continue
            found_builder = debian.glibc_release(source.ancestry()[-1].base)
            if found_builder is None or found_builder[0].glibc <= runtime.glibc:
                continue
            builder, builder_why = found_builder
            why = "; ".join(w for w in (builder_why, runtime_why) if w)
            # Every binary linked on glibc >= 2.34 asks for __libc_start_main@GLIBC_2.34; above
            # that, only the symbols it uses count (C code built with _GNU_SOURCE on 2.38 asks
            # for __isoc23_strtol@GLIBC_2.38): a "may", reported as a warning.
            certain = builder.glibc >= _START_MAIN > runtime.glibc
            root = final.ancestry()[-1]
            finding = self.finding(file.path, final.from_.line, span=file.span(
                final.from_.line, final.base_raw if root is final else ""), message=(
                f"the binary is built on {builder.label} (glibc {builder.glibc_text}) and "
                f"runs on {runtime.label} (glibc {runtime.glibc_text}): it "
                f"{'will' if certain else 'may'} not start (\"GLIBC_2.xx not found\")"
                f"{f' ({why})' if why else ''}; {self.message}"
                + (f", or a builder tag that names {runtime.codename} (`-{runtime.codename}`)"
                   if builder_why and runtime.distro == "debian" else "")), related=[
                       Related(file.path, source.ancestry()[-1].from_.line,
                               f"the builder is {builder.label} (glibc {builder.glibc_text})"),
                       Related(file.path, copy.instruction.line, "the binary is copied here")])
            found.append(finding if certain else replace(finding, severity=Severity.WARNING))
        return list(facts.unique(found))
