"""RS212: a C crate gets its target packages and environment on every platform built."""

from __future__ import annotations

from typing import Iterable

from rsdock.lint.analysis import build, cdeps
from rsdock.lint.knowledge import ccrates, platforms
from rsdock.lint.model import workflow_reader as wf
from rsdock.lint.model.cargo import Workspace
from rsdock.lint.model.dockerfile import Dockerfile, Instruction
from rsdock.lint.model.findings import Finding, Severity
from rsdock.lint.model.shell import Command
from rsdock.lint.rules.rule import Context, ProjectRule

# Ways to point pkg-config at the target's files other than PKG_CONFIG_LIBDIR_<triple>.
_PKG_CONFIG_ALTERNATIVES = ("PKG_CONFIG_LIBDIR", "PKG_CONFIG_PATH", "PKG_CONFIG_SYSROOT_DIR",
                            "TARGET_PKG_CONFIG_LIBDIR", "TARGET_PKG_CONFIG_PATH",
                            "TARGET_PKG_CONFIG_SYSROOT_DIR", "PKG_CONFIG")


class RS212(ProjectRule):
    """Give each C library the binary links its target's packages and build environment.

    For every platform the workflow builds: a crate such as ``openssl-sys`` or ``libsqlite3-sys`` (without ``bundled``) links a library
    that must exist for the *target*: cross-compiling for arm64 needs ``libssl-dev:arm64``
    (after ``dpkg --add-architecture arm64``), and pkg-config pointed at the target's ``.pc``
    files (``PKG_CONFIG_ALLOW_CROSS=1`` and ``PKG_CONFIG_LIBDIR_<triple>``); a C++ crate needs
    ``CXX_<triple>``. Without them the build script fails with "openssl/opensslconf.h: No such
    file" or links the build machine's library. Which crates the binary reaches is read from
    ``Cargo.lock`` (see ``rsdock rules``: the C-crate table); checked only for platforms the
    workflows name literally, and for plain ``cargo`` builds (``cross``, ``xx-cargo`` and
    ``cargo zigbuild`` bring their own). A missing package is reported where that platform's
    package list is written (its ``apt-get install`` line, or the ``case`` arm's ``set --`` line
    whose words an ``apt-get install "$@"`` installs), missing environment at the ``cargo`` line.

    Fails:
        # file: .github/workflows/docker.yml
        on: push
        jobs:
          build:
            runs-on: ubuntu-24.04
            steps:
              - uses: docker/build-push-action@v7
                with:
                  platforms: linux/arm64
        # file: Cargo.toml
        [package]
        name = "server"
        version = "0.1.0"
        edition = "2021"
        [dependencies]
        openssl-sys = "0.9"
        # file: Cargo.lock
        version = 4
        [[package]]
        name = "server"
        version = "0.1.0"
        dependencies = ["openssl-sys"]
        [[package]]
        name = "openssl-sys"
        version = "0.9.104"
        source = "registry+https://github.com/rust-lang/crates.io-index"
        dependencies = ["cc", "pkg-config"]
        # file: src/main.rs
        fn main() {}
        # file: Dockerfile
        FROM --platform=$BUILDPLATFORM rust:1.95-slim-bookworm AS builder
        RUN apt-get update && apt-get install -y gcc-aarch64-linux-gnu libc6-dev-arm64-cross \
            && rustup target add aarch64-unknown-linux-gnu
        ENV CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
        WORKDIR /app
        COPY . .
        RUN cargo build --release --target aarch64-unknown-linux-gnu

    Passes:
        # file: .github/workflows/docker.yml
        on: push
        jobs:
          build:
            runs-on: ubuntu-24.04
            steps:
              - uses: docker/build-push-action@v7
                with:
                  platforms: linux/arm64
        # file: Cargo.toml
        [package]
        name = "server"
        version = "0.1.0"
        edition = "2021"
        [dependencies]
        openssl-sys = "0.9"
        # file: Cargo.lock
        version = 4
        [[package]]
        name = "server"
        version = "0.1.0"
        dependencies = ["openssl-sys"]
        [[package]]
        name = "openssl-sys"
        version = "0.9.104"
        source = "registry+https://github.com/rust-lang/crates.io-index"
        dependencies = ["cc", "pkg-config"]
        # file: src/main.rs
        fn main() {}
        # file: Dockerfile
        FROM --platform=$BUILDPLATFORM rust:1.95-slim-bookworm AS builder
        RUN dpkg --add-architecture arm64 && apt-get update \
            && apt-get install -y gcc-aarch64-linux-gnu libc6-dev-arm64-cross pkg-config \
               libssl-dev:arm64 \
            && rustup target add aarch64-unknown-linux-gnu
        ENV CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc \
            PKG_CONFIG_ALLOW_CROSS=1 \
            PKG_CONFIG_LIBDIR_aarch64_unknown_linux_gnu=/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig
        WORKDIR /app
        COPY . .
        RUN cargo build --release --target aarch64-unknown-linux-gnu
    """

    id = "RS212"
    name = "c-crate-cross-needs"
    severity = Severity.ERROR
    message = "install the target's -dev packages and set the C build environment"

    def check(self, file: None, ctx: Context) -> Iterable[Finding]:
        """Yield a finding per cargo build missing what a reached C crate needs."""
        workspace = ctx.workspace
        if workspace is None or getattr(workspace, "lock", None) is None:
            return
        built: dict[str, set[str]] = {}
        for image in wf.built_images(ctx.workflows):
            if image.complete:
                built.setdefault(image.dockerfile, set()).update(n for _w, n in image.platforms)
        config_env = set(getattr(getattr(workspace, "config", None), "env", {}) or {})
        reported: set[tuple[str, int, str]] = set()
        for path, names in sorted(built.items()):
            model = ctx.dockerfiles.get(path)
            if model is None or model.errors:
                continue
            for name in sorted(names):
                platform = platforms.get(name)
                if platform is None:
                    continue
                for finding in self._platform(model, workspace, platform, config_env):
                    key = (finding.path, finding.line, finding.message)
                    if key not in reported:
                        reported.add(key)
                        yield finding

    def _platform(self, model: Dockerfile, workspace: Workspace, platform: platforms.Platform,
                  config_env: set[str]) -> Iterable[Finding]:
        for stage in build.stages_running(model, "build"):
            calls = [c for c in build.stage_calls(model, stage, platform.name)
                     if c.action == "build" and c.tool == "cargo"]
            if not calls:
                continue
            crates = tuple(r.crate for r in cdeps.crates_of_calls(workspace, calls,
                                                                  platform.rust_arch))
            if not crates:
                continue
            commands = build.ancestry_commands(model, stage, platform.name)
            installed = _installed(commands)
            for call in calls:
                triple = call.target if call.target_known else None
                if triple is None or platforms.by_triple(triple) is not platform:
                    continue
                libc = "musl" if "musl" in triple else "gnu"
                need = ccrates.needs(crates, platform, triple, libc=libc, with_common=True)
                native = platform.name == platforms.NATIVE_PLATFORM
                missing = [p for p in need.target_packages if not _has(installed, p, native)]
                env = set(call.command.env) | config_env
                env_missing = [k for k, _v in need.env if k not in env]
                if any(a in env for a in _PKG_CONFIG_ALTERNATIVES):
                    env_missing = [k for k in env_missing if not k.startswith("PKG_CONFIG")]
                if native:
                    env_missing = [k for k in env_missing if not k.startswith("PKG_CONFIG")]
                if not missing and not env_missing:
                    continue
                crate_names = ", ".join(c.name for c in crates)
                lead = (f"the {platform.name} build reaches {crate_names} (Cargo.lock) but lacks "
                        f"what {'it needs' if len(crates) == 1 else 'they need'}: ")
                # The packages are named where this platform's package list is written (the
                # apt-get line, or the `set --` line whose words its "$@" installs); the
                # environment where cargo runs.
                at = _install_line(commands, call.line)
                parts = []
                if missing:
                    parts.append("install " + " ".join(missing) + (
                        "" if native else f" (after dpkg --add-architecture {platform.debian_arch})"))
                    if at is not None and env_missing:
                        yield self.finding(model.path, at, 0, message=(
                            lead + parts.pop() + f" (cargo runs at line {call.line})"))
                    elif at is not None:
                        parts[-1] += f" (cargo runs at line {call.line})"
                if env_missing:
                    parts.append("set " + ", ".join(f"{k}={v}" for k, v in need.env
                                                   if k in env_missing))
                if parts:
                    line = at if at is not None and not env_missing else call.line
                    yield self.finding(model.path, line, 0, message=lead + "; ".join(parts))


def _installed(commands: list[tuple[Instruction, Command]]) -> set[str]:
    """Packages ``apt-get install`` installs, keeping ``:arch`` qualifiers."""
    found: set[str] = set()
    for _inst, command in commands:
        argv = command.argv
        if not argv or argv[0] not in ("apt-get", "apt", "aptitude") or "install" not in argv:
            continue
        start = argv.index("install") + 1
        found |= {w.split("=")[0] for w in argv[start:] if not w.startswith("-")}
    return found


def _install_line(commands: list[tuple[Instruction, Command]], before: int) -> int | None:
    """The line of the last ``apt-get install`` before line ``before`` (for ``"$@"``, where
    the words it installs were set), or None when nothing installs packages."""
    lines = [c.args_line or c.line for _inst, c in commands
             if c.argv[:1] in (("apt-get",), ("apt",), ("aptitude",)) and "install" in c.argv
             and c.line <= before]
    return lines[-1] if lines else None


def _has(installed: set[str], package: str, native: bool) -> bool:
    name, _, arch = package.partition(":")
    return package in installed or (native and name in installed)
