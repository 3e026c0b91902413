"""RS439: the runtime is a Debian or Ubuntu release that no longer gets security fixes."""

from __future__ import annotations

import datetime
from typing import Iterable

from rsdock.lint.analysis import dockerfacts as facts
from rsdock.lint.knowledge import debian
from rsdock.lint.model.dockerfile import Dockerfile, Stage
from rsdock.lint.model.findings import Finding, Severity
from rsdock.lint.rules.image_rule import ImageStageRule
from rsdock.lint.rules.rule import Context


class RS439(ImageStageRule):
    """Run on a supported release: ``debian:bullseye`` gets no security fixes any more.

    A runtime image built on a release past the end of its security support (Debian's LTS end,
    Ubuntu's standard support; the table with its sources is ``SECURITY_END`` in
    ``lint/knowledge/debian.py``) ships its OpenSSL, glibc and CA bundle as they were that day:
    every vulnerability found since stays in the image, and scanners flag it. The release is
    read from the image reference (``debian:bullseye-20260803``, ``ubuntu:20.04``,
    ``gcr.io/distroless/cc-debian11``, ``rust:1.80-slim-buster``); a tag that names none is
    left alone. Move the runtime (and, for glibc, the builder with it: RS308) to a supported
    release.

    Fails:
        FROM rust:1.95-bookworm AS builder
        WORKDIR /app
        COPY . .
        RUN cargo build --release

        FROM debian:buster-slim
        COPY --from=builder /app/target/release/app /usr/local/bin/app
        ENTRYPOINT ["/usr/local/bin/app"]

    Passes:
        FROM rust:1.95-bookworm AS builder
        WORKDIR /app
        COPY . .
        RUN cargo build --release

        FROM debian:bookworm-slim
        COPY --from=builder /app/target/release/app /usr/local/bin/app
        ENTRYPOINT ["/usr/local/bin/app"]
    """

    id = "RS439"
    name = "runtime-release-end-of-life"
    severity = Severity.WARNING
    message = "move the runtime to a release that still gets security fixes"

    def check_stage(self, file: Dockerfile, ctx: Context, stage: Stage) -> Iterable[Finding]:
        """A finding when the image stage's base names a release past its security support."""
        image = facts.root_image(stage)
        release = debian.release_of_image(image)
        if release is None:
            return []
        end = debian.SECURITY_END.get(release.codename)
        today = datetime.date.today().isoformat()
        if end is None or end >= today:
            return []
        supported = [r.label for r in (debian.RELEASES if release.distro == "debian"
                                       else debian.UBUNTU_RELEASES)
                     if debian.SECURITY_END.get(r.codename, "") >= today
                     and (release.distro == "debian" or r.version.endswith(".04")
                          and int(r.version[:2]) % 2 == 0)]
        instead = " or ".join(supported[:2]) or "a supported release"
        return [self.finding(file.path, stage.from_.line, span=file.word_span(
            stage.from_.line, stage.base_raw), message=(
            f"the runtime is {release.label}, whose security support ended on {end}: its "
            f"packages (OpenSSL, glibc, the CA bundle) get no more fixes; move it to {instead}"))]
