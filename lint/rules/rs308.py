"""RS308: the runtime's glibc is not older than the builder's."""

from __future__ import annotations

from rsdock.lint.analysis import build, dockerfacts as facts, images
from rsdock.lint.knowledge import debian
from rsdock.lint.model.dockerfile import Dockerfile, Stage
from rsdock.lint.model.findings import Finding, Severity
from rsdock.lint.rules.rule import Context, DockerfileRule


class RS308(DockerfileRule):
    """Run the binary on a Debian release no older than the one that built it.

    A glibc binary needs the glibc it was linked against, or newer: built on bookworm (glibc
    2.36) and run on buster (2.28) it stops at once with "version `GLIBC_2.34' not found". Use
    the same release for the builder and the runtime (``rust:1.95-slim-bookworm`` with
    ``debian:bookworm-slim`` or ``gcr.io/distroless/cc-debian12``), or a newer runtime. musl
    binaries (``*-musl`` targets) are static and not checked; tags that do not name a release
    (``rust:1.95``) are not judged.

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

    def check(self, file: Dockerfile, ctx: Context) -> list[Finding]:
        return [finding for final in images.image_stages(ctx, file)
                for finding in self._check_stage(file, ctx, final)]

    def _check_stage(self, file: Dockerfile, ctx: Context, final: Stage) -> list[Finding]:
        """The findings for one image stage (the last one, or a ``target:``)."""
        if final is None:
            return []
        runtime = debian.of_image(final.ancestry()[-1].base)
        if runtime is None:
            return []
        found = []
        for copy in final.copies():
            source = file.stage(copy.source_stage) if copy.source_stage else None
            if source is None:
                continue
            calls = [c for c in build.stage_calls(file, source, None, ancestry=True)
                     if c.action == "build"]
            if not calls or all(c.target and "musl" in c.target for c in calls):
                continue
            builder = debian.of_image(source.ancestry()[-1].base)
            if builder is None or builder.glibc <= runtime.glibc:
                continue
            found.append(self.finding(file.path, final.from_.line, message=(
                f"the binary is built on {builder.codename} (glibc {builder.glibc_text}) and "
                f"runs on {runtime.codename} (glibc {runtime.glibc_text}): it will not start "
                f"(\"GLIBC_2.xx not found\"); {self.message}")))
        return list(facts.unique(found))
