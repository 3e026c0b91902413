"""RS206: the cross gcc and libc packages are installed for each foreign triple."""

from __future__ import annotations

from typing import Iterable

from rsdock.lint.analysis import build, dockerfacts as facts
from rsdock.lint.knowledge import debian, debian_deps, platforms
from rsdock.lint.model.dockerfile import Dockerfile, Instruction, Stage
from rsdock.lint.model.shell import Command
from rsdock.lint.model.findings import Finding, Related, Severity
from rsdock.lint.rules.rule import Context, DockerfileRule


class RS206(DockerfileRule):
    """Install the cross ``gcc-*`` and ``libc6-dev-*-cross`` packages for each foreign triple.

    Linking for another architecture needs its gcc driver (``aarch64-linux-gnu-gcc``) and its C
    library (``libc6-dev-arm64-cross``); without them the build fails with "linker not found"
    or "cannot find -lgcc_s". musl targets need only the gcc (Rust brings its own C library).
    ``cargo zigbuild``, ``xx-cargo`` and ``cross`` bring their own toolchains and are not
    flagged, nor is a linker that is not a Debian cross gcc (clang, rust-lld). What the
    installed packages bring counts, from Debian's lists: ``g++-aarch64-linux-gnu`` depends on
    the C library, and ``gcc-aarch64-linux-gnu`` recommends it (so without
    ``--no-install-recommends`` apt installs it).

    Fails:
        FROM --platform=$BUILDPLATFORM rust:1.95 AS builder
        ENV CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
        RUN apt-get update && apt-get install -y --no-install-recommends gcc-aarch64-linux-gnu
        RUN rustup target add aarch64-unknown-linux-gnu
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

    id = "RS206"
    name = "cross-packages"
    severity = Severity.ERROR
    message = "install the target's cross gcc and libc6-dev-*-cross packages"

    def check(self, file: Dockerfile, ctx: Context) -> Iterable[Finding]:
        found = []
        linkers = build.workspace_linkers(ctx)
        for stage in file.stages:
            if not build.cross_targets(file, stage) and stage.platform_flag() is None:
                continue  # a fixed triple on the platform it runs on (built natively), or wasm
            if "alpine" in facts.root_image(stage).lower():
                continue  # Alpine links with its own clang/lld or musl-gcc, not Debian's packages
            for platform in build.platforms_of(file, stage):
                commands = build.ancestry_commands(file, stage, platform)
                for call in build.stage_calls(file, stage, platform):
                    triple = call.target or ""
                    target = platforms.by_triple(triple)
                    if not call.builds_project or target is None or \
                            facts.is_native(triple, build.host_platform(stage, platform)):
                        continue
                    if call.tool in build.SELF_LINKING or "zigbuild" in call.flags:
                        continue
                    linker = call.command.env.get(
                        platforms.linker_env_var(triple),
                        linkers.get(triple) or call.config_linkers.get(triple))
                    if linker and not linker.endswith(target.linker):
                        continue  # clang, rust-lld or a wrapper: not ours to judge
                    before = [(i, c) for i, c in commands if c.line <= call.line]
                    installed = _with_dependencies(facts.apt_packages(before), stage, before,
                                                   build.host_platform(stage, platform))
                    if f"crossbuild-essential-{target.debian_arch}" in installed:
                        continue
                    wanted = [target.gcc_package]
                    if call.target == target.gnu_triple:
                        wanted.append(target.libc_package)
                    missing = [p for p in wanted if p not in installed
                               and p.replace("gcc-", "g++-", 1) not in installed]
                    if not missing or call.command.opaque:
                        continue
                    installs = [c.args_line or c.line for _i, c in before
                                if c.argv[:1] in (("apt-get",), ("apt",))
                                and "install" in c.argv]
                    line = installs[-1] if installs else call.line
                    found.append(self.finding(file.path, line, span=file.word_span(
                        line, "apt-get install", "apt install", to_end=True) if installs else
                        call.span(file), message=(
                        f"building for {call.target} needs "
                        f"{' and '.join(missing)}: add {'them' if len(missing) > 1 else 'it'} "
                        "to apt-get install in the builder"),
                        related=[Related(file.path, call.line, f"cargo builds for {call.target}")]))
        return facts.merge_by_line(found)


def _with_dependencies(installed: set[str], stage: Stage,
                       commands: list[tuple[Instruction, Command]], host: str) -> set[str]:
    """``installed`` with what Debian's lists say those packages bring on the stage's release
    and host architecture (``g++-aarch64-linux-gnu`` depends, through ``libstdc++-12-dev-arm64-
    cross``, on ``libc6-dev-arm64-cross``)."""
    release = debian.of_image(facts.root_image(stage))
    codename = release.codename if release else "bookworm"
    target = platforms.get(host)
    arch = target.debian_arch if target and target.debian_arch in \
        debian_deps.arches(codename) else "amd64"
    return installed | debian_deps.closure(
        installed, codename, arch, recommends=facts.apt_installs_recommends(commands))
