"""RS210: no default on an automatic platform ARG."""

from __future__ import annotations

from typing import Iterable

from rsdock.lint.model.dockerfile import AUTOMATIC_ARGS
from rsdock.lint.model.dockerfile import Dockerfile
from rsdock.lint.model.findings import Finding, Severity
from rsdock.lint.rules.rule import Context, DockerfileRule


class RS210(DockerfileRule):
    """Declare the platform ARGs without a default: ``ARG TARGETARCH``, never ``ARG TARGETARCH=amd64``.

    BuildKit sets ``TARGETPLATFORM``, ``TARGETARCH``, ``BUILDPLATFORM`` and the rest for every
    build, but a default written in the Dockerfile wins over the automatic value inside the
    stage: built for ``linux/arm64``, a stage with ``ARG TARGETARCH=amd64`` sees ``amd64``
    (checked with a real build), so the image silently gets the wrong architecture. Neither
    hadolint nor BuildKit's own checks say so. Pass another value with ``--build-arg`` if you
    must, but leave the declaration bare.

    Fails:
        FROM --platform=$BUILDPLATFORM rust:1.95 AS builder
        ARG TARGETARCH=amd64
        RUN echo "building for $TARGETARCH"

    Passes:
        FROM --platform=$BUILDPLATFORM rust:1.95 AS builder
        ARG TARGETARCH
        RUN echo "building for $TARGETARCH"
    """

    id = "RS210"
    name = "platform-arg-default"
    severity = Severity.ERROR
    message = "drop the default: BuildKit sets the platform ARGs itself"

    def check(self, file: Dockerfile, ctx: Context) -> Iterable[Finding]:
        found = []
        for inst in file.instructions:
            if inst.cmd != "ARG":
                continue
            for word in inst.value:
                name, eq, default = word.partition("=")
                if eq and name in AUTOMATIC_ARGS:
                    found.append(self.finding(file.path, inst.line, span=file.word_span(
                        inst.line, word), message=(
                        f"ARG {name}={default} overrides the value BuildKit sets for each "
                        f"platform, so every build sees {default or 'an empty value'}: "
                        f"declare it as `ARG {name}`")))
        return found
