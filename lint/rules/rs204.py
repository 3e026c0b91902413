"""RS204: each platform arm chooses that platform's triple and packages."""

from __future__ import annotations

import re
from typing import Iterable

from rsdock.lint.analysis import build, dockerfacts as facts
from rsdock.lint.knowledge import platforms
from rsdock.lint.model.dockerfile import Dockerfile
from rsdock.lint.model.findings import Finding, Severity
from rsdock.lint.model.shell import Arm, Case
from rsdock.lint.rules.rule import Context, DockerfileRule

_TRIPLE = re.compile(r"\b[a-z0-9_]+-(?:unknown|pc|alpine)-linux-[a-z0-9_]+\b")


class RS204(DockerfileRule):
    r"""Choose the right Rust triple and Debian cross packages in each platform's ``case`` arm.

    ``linux/arm/v7`` is ``armv7-unknown-linux-gnueabihf`` (not ``arm-unknown-linux-gnueabihf``,
    which is ARMv6 hard-float), ``linux/arm/v6`` is ``arm-unknown-linux-gnueabi``,
    ``linux/386`` is ``i686-unknown-linux-gnu``. A wrong triple builds a binary that crashes
    with "exec format error" or illegal instructions on the real device; a package for another
    architecture leaves the linker missing. An arm spelled as a platform BuildKit never sets
    (``linux/arm64/v8``; TARGETARCH ``x86_64``) never runs at all.

    Fails:
        FROM --platform=$BUILDPLATFORM rust:1.95 AS builder
        ARG TARGETPLATFORM
        RUN case "$TARGETPLATFORM" in \
              linux/amd64) echo x86_64-unknown-linux-gnu > /target ;; \
              linux/arm/v7) echo arm-unknown-linux-gnueabihf > /target ;; \
              *) exit 1 ;; \
            esac

    Passes:
        FROM --platform=$BUILDPLATFORM rust:1.95 AS builder
        ARG TARGETPLATFORM
        RUN case "$TARGETPLATFORM" in \
              linux/amd64) echo x86_64-unknown-linux-gnu > /target ;; \
              linux/arm/v7) echo armv7-unknown-linux-gnueabihf > /target ;; \
              *) exit 1 ;; \
            esac
    """

    id = "RS204"
    name = "triple-per-platform"
    severity = Severity.ERROR
    message = "use the Rust triple and cross packages of the arm's platform"

    def check(self, file: Dockerfile, ctx: Context) -> Iterable[Finding]:
        found = []
        packages = {pkg: p for p in platforms.PLATFORMS for pkg in p.apt_packages}
        for stage in file.stages:
            for _inst, case in build.platform_cases(file, stage):
                for arm in case.arms:
                    chosen = build.arm_platforms(case, arm.patterns)
                    if not chosen:
                        found += self._dead_aliases(file, case, arm)
                        continue
                    names = " or ".join(p.name for p in chosen)
                    text = " ".join(list(arm.words) + list(arm.assigned.values()))
                    for triple in dict.fromkeys(_TRIPLE.findall(text)):
                        owner = platforms.platform_of_triple(triple)
                        if owner in chosen:
                            continue
                        right = ", ".join(f"{p.gnu_triple}" + (f" or {p.musl_triple}" if
                                                               p.musl_triple else "")
                                          for p in chosen)
                        what = (f"the triple for {owner.name}" if owner else
                                "not a triple rsdock knows")
                        found.append(self.finding(file.path, arm.line, span=file.word_span(
                            arm.line, triple), message=(
                            f"the {names} arm chooses {triple}, {what}: use {right}")))
                    for word in arm.words:
                        owner = packages.get(re.split(r"[=:]", word)[0])
                        if owner and owner not in chosen and not facts.is_native(owner.gnu_triple):
                            right = ", ".join(" ".join(p.apt_packages) for p in chosen)
                            found.append(self.finding(file.path, arm.line, span=file.word_span(
                                arm.line, word), message=(
                                f"the {names} arm installs {word}, a package for "
                                f"{owner.name}: install {right}")))
        return list(facts.unique(found))

    def _dead_aliases(self, file: Dockerfile, case: Case, arm: Arm) -> list[Finding]:
        """An arm whose only patterns are aliases BuildKit never produces: it never runs.

        BuildKit normalizes the platform before setting the ARGs: ``linux/arm64/v8`` arrives as
        TARGETPLATFORM ``linux/arm64``, and TARGETARCH is ``amd64``/``arm64``, never
        ``x86_64``/``aarch64``.
        """
        variable = build.case_variable(case)
        by_arch = variable == "TARGETARCH"
        for pattern in arm.patterns:
            if any(c in pattern for c in "*?["):
                return []
            name = f"linux/{pattern}" if by_arch else pattern
            platform = platforms.get(name)
            if platform is None:
                continue
            value = build.platform_args(platform.name)[variable]
            if value != pattern:
                return [self.finding(file.path, arm.line, span=file.word_span(
                    arm.line, pattern), message=(
                    f"BuildKit sets {variable} to {value}, never {pattern}, so this arm never "
                    f"runs: write the pattern as `{value})`"))]
        return []
