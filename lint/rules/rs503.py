"""RS503: the cross toolchain is there for every platform the workflow builds."""

from __future__ import annotations

from typing import Iterable

from rsdock.lint import build, platforms
from rsdock.lint import workflow as wf
from rsdock.lint.findings import Finding, Severity
from rsdock.lint.rule import Context, Rule


class RS503(Rule):
    r"""Install the cross gcc and libc and set the linker for every platform the workflow builds.

    When the Rust target depends on ``TARGETPLATFORM`` through something other than a ``case``
    (an ``if`` chain, ``$TARGETARCH`` in a string), only the workflow says which targets are
    built. For each of them the builder needs the Debian cross gcc, its ``libc6-dev-*-cross``
    (gnu targets) and ``CARGO_TARGET_<TRIPLE>_LINKER`` where cargo runs. Targets that do not
    depend on the platform, and ``case`` arms, are RS206's and RS207's.

    Fails:
        # file: .github/workflows/docker.yml
        on: push
        jobs:
          build:
            runs-on: ubuntu-24.04
            steps:
              - uses: docker/build-push-action@v7
                with:
                  platforms: linux/amd64,linux/arm64
        # file: Dockerfile
        FROM --platform=$BUILDPLATFORM rust:1.95 AS builder
        ARG TARGETPLATFORM
        WORKDIR /app
        COPY . .
        RUN if [ "$TARGETPLATFORM" = "linux/arm64" ]; then T=aarch64-unknown-linux-gnu; \
            else T=x86_64-unknown-linux-gnu; fi; \
            rustup target add "$T" && cargo build --release --target "$T"

    Passes:
        # file: .github/workflows/docker.yml
        on: push
        jobs:
          build:
            runs-on: ubuntu-24.04
            steps:
              - uses: docker/build-push-action@v7
                with:
                  platforms: linux/amd64,linux/arm64
        # file: Dockerfile
        FROM --platform=$BUILDPLATFORM rust:1.95 AS builder
        ARG TARGETPLATFORM
        RUN apt-get update && apt-get install -y gcc-aarch64-linux-gnu libc6-dev-arm64-cross
        ENV CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
        WORKDIR /app
        COPY . .
        RUN if [ "$TARGETPLATFORM" = "linux/arm64" ]; then T=aarch64-unknown-linux-gnu; \
            else T=x86_64-unknown-linux-gnu; fi; \
            rustup target add "$T" && cargo build --release --target "$T"
    """

    id = "RS503"
    name = "workflow-platform-toolchain"
    severity = Severity.ERROR
    message = "install the platform's cross packages and set its linker in the builder"
    target = "project"

    def check(self, file: None, ctx: Context) -> Iterable[Finding]:
        """Yield a finding per cargo call that lacks a workflow platform's cross toolchain."""
        linkers = build.workspace_linkers(ctx)
        seen: set[tuple] = set()
        for image in wf.built_images(ctx.workflows):
            model = ctx.dockerfiles.get(image.dockerfile)
            if model is None or model.errors:
                continue
            native = platforms.get(image.job.native_platform())
            for stage in model.stages:
                if build.platforms_of(model, stage) != [None]:
                    continue  # a platform case: RS206 and RS207 check each arm
                fixed = {(c.line, c.target) for c in build.stage_calls(model, stage, None)}
                for where, name in image.platforms:
                    for call in build.stage_calls(model, stage, name):
                        target = platforms.by_triple(call.target or "")
                        if (not call.builds_project or target is None or target is native
                                or (call.line, call.target) in fixed or call.command.opaque
                                or call.tool in build.SELF_LINKING or "zigbuild" in call.flags):
                            continue
                        problems = _missing(model, stage, name, call, target, linkers)
                        key = (model.path, call.line, call.target)
                        if problems and key not in seen:
                            seen.add(key)
                            yield self.finding(
                                model.path, call.line, 0,
                                f"{image.workflow.path}:{where.line} builds {name}, so cargo "
                                f"here links {call.target}, but {' and '.join(problems)}")


def _missing(model, stage, name, call, target, linkers) -> list[str]:
    """What the builder lacks to link ``call.target``: packages, linker setting."""
    problems = []
    before = [(i, c) for i, c in build.ancestry_commands(model, stage, name)
              if c.line <= call.line]
    installed = build.apt_packages(before)
    wanted = [target.gcc_package]
    if call.target == target.gnu_triple:
        wanted.append(target.libc_package)
    absent = [p for p in wanted if p not in installed]
    if absent and f"crossbuild-essential-{target.debian_arch}" not in installed:
        problems.append(f"apt-get install lacks {', '.join(absent)}")
    if not call.linker_source(linkers):
        problems.append(f"nothing sets {platforms.linker_env_var(call.target)}={target.linker}")
    return problems
