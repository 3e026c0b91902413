"""RS212: a C crate gets its target packages and environment on every platform built."""

from __future__ import annotations

import re
from typing import Iterable

from rsdock.lint.analysis import build, cdeps, compat, needs
from rsdock.lint.knowledge import ccrates, debian_deps, platforms
from rsdock.lint.model import workflow_reader as wf
from rsdock.lint.model.cargo import Workspace
from rsdock.lint.model.dockerfile import Dockerfile, Instruction, Stage
from rsdock.lint.model.findings import Finding, Fix, Related, Severity
from rsdock.lint.model.shell import Command
from rsdock.lint.rules.rule import Context, ProjectRule

# Ways to point pkg-config at the target's files other than PKG_CONFIG_LIBDIR_<triple>.
_PKG_CONFIG_ALTERNATIVES = ("PKG_CONFIG_LIBDIR", "PKG_CONFIG_PATH", "PKG_CONFIG_SYSROOT_DIR",
                            "TARGET_PKG_CONFIG_LIBDIR", "TARGET_PKG_CONFIG_PATH",
                            "TARGET_PKG_CONFIG_SYSROOT_DIR", "PKG_CONFIG")


class RS212(ProjectRule):
    r"""Give each C library the binary links its target's packages and build environment.

    For every platform the workflow builds: a crate such as ``openssl-sys`` or ``libsqlite3-sys`` (without ``bundled``) links a library
    that must exist for the *target*: cross-compiling for arm64 needs ``libssl-dev:arm64``
    (after ``dpkg --add-architecture arm64``), and pkg-config pointed at the target's ``.pc``
    files (``PKG_CONFIG_ALLOW_CROSS=1`` and ``PKG_CONFIG_LIBDIR_<triple>``); a C++ crate needs
    ``CXX_<triple>``. Without them the build script fails with "openssl/opensslconf.h: No such
    file" or links the build machine's library. Which crates the binary reaches is read from
    ``Cargo.lock`` (see ``rsdock rules``: the C-crate table); checked only for platforms the
    workflows name literally, and for plain ``cargo`` builds (``cross``, ``xx-cargo`` and
    ``cargo zigbuild`` bring their own), and not for a platform the crates rule out altogether
    (RS506 reports that one: aws-lc-sys without bindings, a system library built for glibc
    only). A missing package is reported where that platform's
    package list is written (its ``apt-get install`` line, or the ``case`` arm's ``set --`` line
    whose words an ``apt-get install "$@"`` installs), missing environment at the ``cargo`` line.

    The fix (``rsdock edit --fix``, ``rsdock lint --fix``) adds it all where the file keeps it:
    the packages to the platform's own list (a ``case`` arm naming its cross gcc) or to the
    ``apt-get install`` of the cross compilers, ``dpkg --add-architecture`` before that RUN's
    ``apt-get update``, and the environment in one ``ENV`` before the first cargo build. It is
    safe only on a Debian builder with such a list; elsewhere ``rsdock edit --fix`` refuses and
    prints the exact lines to add.

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

    Fixed:
        # file: Dockerfile
        FROM --platform=$BUILDPLATFORM rust:1.95-slim-bookworm AS builder
        RUN dpkg --add-architecture arm64 && apt-get update && apt-get install -y gcc-aarch64-linux-gnu libc6-dev-arm64-cross pkg-config libssl-dev:arm64 \
            && rustup target add aarch64-unknown-linux-gnu
        ENV CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
        WORKDIR /app
        COPY . .
        # What the build scripts of the C crates in Cargo.lock (openssl-sys) read; added by rsdock edit
        # (RS212).
        ENV PKG_CONFIG_ALLOW_CROSS=1 \
            PKG_CONFIG_LIBDIR_aarch64_unknown_linux_gnu=/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig
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
    fixable = "sometimes"
    fix_note = ('When rsdock cannot place the packages safely (an `apt-get install` with no `apt-get '
                'update` before it in the same RUN), the fix is display-only: it names the lines to add by '
                'hand.')
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
        for path, names in sorted(built.items()):
            model = ctx.dockerfiles.get(path)
            if model is None or model.errors:
                continue
            found = _Found()
            for name in sorted(names):
                platform = platforms.get(name)
                if platform is not None:
                    self._platform(model, workspace, platform, config_env, found,
                                   needs.of(ctx).pkg_config)
            if not found.messages:
                continue
            fix, refused_at = found.fix(model)
            for line, message, cargo_line in found.messages:
                related = [Related(model.path, cargo_line, "cargo runs here")] if cargo_line else []
                if refused_at and refused_at != line:
                    related.append(Related(model.path, refused_at, "no apt-get update before this install: the fix stops here"))
                span = model.word_span(line, "apt-get install", "apt install", "set --",
                                       to_end=True) if cargo_line else \
                    model.word_span(line, "cargo build", "cargo ", to_end=True)
                yield self.finding(model.path, line, 0, message=message, fix=fix, related=related,
                                   span=span)

    def _platform(self, model: Dockerfile, workspace: Workspace, platform: platforms.Platform,
                  config_env: set[str], found: "_Found",
                  probes: tuple[tuple[str, str, str], ...] = ()) -> None:
        for stage in build.stages_running(model, "build"):
            calls = [c for c in build.stage_calls(model, stage, platform.name)
                     if c.action == "build" and c.tool == "cargo"]
            # cook compiles the C crates too: the fix's environment goes before the first
            # cargo that compiles, in this stage or one it is built FROM.
            every = [c for c in build.stage_calls(model, stage, platform.name, ancestry=True)
                     if c.tool == "cargo" and c.action in ("build", "cook")]
            if not calls:
                continue
            crates = tuple(r.crate for r in cdeps.crates_of_calls(workspace, calls,
                                                                  platform.rust_arch, probes))
            if not crates:
                continue
            commands = build.ancestry_commands(model, stage, platform.name)
            # The stage runs on the target platform itself (no --platform=$BUILDPLATFORM, so
            # under QEMU when foreign): the target's packages are its own, unqualified ones.
            native = build.host_platform(stage, platform.name) == platform.name
            installed = _installed(commands, native)
            # A cargo line simulated along several paths (an `if` decided at build time) is
            # reported only when no path has what it needs: the others are fallbacks.
            complete = {c.line for c in calls if c.target_known
                        and platforms.by_triple(c.target or "") is platform
                        and not any(self._lacking(c, crates, platform, installed, native,
                                                  config_env)[1:])}
            for call in calls:
                triple = call.target if call.target_known else None
                if triple is None or platforms.by_triple(triple) is not platform \
                        or call.line in complete:
                    continue
                libc = "musl" if "musl" in triple else "gnu"
                if compat.refusals_for([platform.name], "", "", [compat.Binary(
                        "", {platform.name: crates})], libc=libc, musl_c=False):
                    continue  # it cannot work with these crates at all: RS506 says so, and
                    # installing packages for it would be a fix that cannot work
                need, missing, env_missing = self._lacking(call, crates, platform, installed,
                                                           native, config_env)
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
                        found.add(at, lead + parts.pop(), call.line)
                if env_missing:
                    parts.append("set " + ", ".join(f"{k}={v}" for k, v in need.env
                                                   if k in env_missing))
                if parts:
                    line = at if at is not None and not env_missing else call.line
                    found.add(line, lead + "; ".join(parts), call.line if line != call.line else 0)
                found.lack(stage, min(c.instruction.line for c in every), platform, crates,
                           [p for p in need.builder_packages if not _has(installed, p, native)],
                           [(k, v) for k, v in need.env if k in env_missing])


    @staticmethod
    def _lacking(call: build.CargoCall, crates: tuple[ccrates.CCrate, ...],
                 platform: platforms.Platform, installed: set[str], native: bool,
                 config_env: set[str]) -> tuple[ccrates.Needs, list[str], list[str]]:
        """What ``call`` needs, and the target packages and environment it lacks."""
        triple = call.target or ""
        libc = "musl" if "musl" in triple else "gnu"
        need = ccrates.needs(crates, platform, triple, libc=libc, with_common=True)
        env_values = dict(call.command.env)
        env = set(env_values) | config_env
        own = _own_toolchain(env_values, triple)
        missing = [p for p in need.target_packages if not _has(installed, p, native)
                   and not (own and _is_libc_package(p))]
        env_missing = [k for k, _v in need.env if k not in env
                       and not _compiler_given(k, env, triple)]
        if any(a in env for a in _PKG_CONFIG_ALTERNATIVES) or native:
            env_missing = [k for k in env_missing if not k.startswith("PKG_CONFIG")]
        return need, missing, env_missing


def _compiler_given(key: str, env: set[str], triple: str) -> bool:
    """Whether the compiler variable ``key`` (``CC_<triple>``, ``CXX_<triple>``) is given
    another way the ``cc`` crate reads: ``CC_<triple-with-dashes>``, ``TARGET_CC`` or plain
    ``CC`` (its lookup order; a generic ``CC`` set for the cargo command is the one every
    build script uses)."""
    tool = key.split("_", 1)[0]
    if tool not in ("CC", "CXX") or key != f"{tool}_{triple.replace('-', '_')}":
        return False
    return bool({f"{tool}_{triple}", f"TARGET_{tool}", tool} & env)


# Where a distribution's package manager puts compilers: a compiler elsewhere came with the
# Dockerfile's own toolchain (an extracted musl.cc or crosstool tarball) and its sysroot.
_PACKAGED_BIN = ("/usr/bin/", "/bin/", "/usr/lib/")


def _own_toolchain(env: dict[str, str], triple: str) -> bool:
    """Whether cargo's C compiler or linker for ``triple`` is one the Dockerfile brought
    itself (an absolute path outside the package manager's folders): such a toolchain carries
    its own C library headers, so the target's libc ``-dev`` package is not needed."""
    underscored = triple.replace("-", "_")
    compilers = [env.get(k, "") for k in (f"CC_{underscored}", f"CC_{triple}", "TARGET_CC", "CC",
                                          platforms.linker_env_var(triple))]
    for var in ("RUSTFLAGS", "CARGO_ENCODED_RUSTFLAGS"):
        found = re.search(r"linker=(\S+)", env.get(var, ""))
        compilers.append(found.group(1) if found else "")
    return any(c.startswith("/") and not c.startswith(_PACKAGED_BIN) for c in compilers)


def _is_libc_package(package: str) -> bool:
    """Whether ``package`` is a target's C library headers (``musl-dev:arm64``,
    ``libc6-dev-arm64-cross``)."""
    name = package.partition(":")[0]
    return name == "musl-dev" or (name.startswith("libc6-dev") and name.endswith("-cross"))


class _Found:
    """One Dockerfile's findings, and what its builds lack, for the one fix that adds it all."""

    def __init__(self) -> None:
        self.messages: list[tuple[int, str, int]] = []  # line, message, cargo's line
        self.stage: Stage | None = None
        self.first_call = 0
        self.lacking: dict[str, tuple[platforms.Platform, list[str], list[tuple[str, str]]]] = {}
        self.crates: list[str] = []
        self.single_arch: set[str] = set()

    def add(self, line: int, message: str, cargo_line: int = 0) -> None:
        if (line, message, cargo_line) not in self.messages:
            self.messages.append((line, message, cargo_line))

    def lack(self, stage: Stage, first_call: int, platform: platforms.Platform,
             crates: tuple[ccrates.CCrate, ...], packages: list[str],
             env: list[tuple[str, str]]) -> None:
        if self.stage is None or first_call < self.first_call:
            self.stage, self.first_call = stage, first_call
        _p, have_packages, have_env = self.lacking.setdefault(platform.name, (platform, [], []))
        have_packages.extend(p for p in packages if p not in have_packages)
        have_env.extend(e for e in env if e not in have_env)
        self.crates.extend(c.name for c in crates if c.name not in self.crates)
        self.single_arch |= {p for c in crates if not c.multiarch_same for p in c.dev_packages}

    def fix(self, model: Dockerfile) -> tuple[Fix | None, int]:
        """The fix, and the line of the instruction a refused fix is about (or 0)."""
        if self.stage is None:
            return None, 0
        from rsdock.lint.analysis import cfix
        first = next(i for i in model.instructions if i.line == self.first_call)
        order = platforms.names()
        lacking = [cfix.Lacking(p, tuple(packages), tuple(env)) for p, packages, env in
                   sorted(self.lacking.values(), key=lambda v: order.index(v[0].name))]
        return cfix.c_needs_fix(model, self.stage, first, lacking, ", ".join(self.crates),
                                frozenset(self.single_arch))


def _installed(commands: list[tuple[Instruction, Command]], native: bool = False) -> set[str]:
    """Packages ``apt-get install`` (or ``apk add``) installs, keeping ``:arch`` qualifiers;
    on a stage running on the target itself, with what they depend on (``musl-tools`` brings
    ``musl-dev``)."""
    found: set[str] = set()
    for _inst, command in commands:
        argv = command.argv
        verb = _INSTALL_VERB.get(argv[0] if argv else "")
        if verb is None or verb not in argv:
            continue
        start = argv.index(verb) + 1
        # an unquoted "$pkgs" is split into words by the shell
        found |= {w.split("=")[0] for word in argv[start:] for w in word.split()
                  if not w.startswith("-")}
    if native:
        found |= debian_deps.closure(sorted(p for p in found if ":" not in p), "bookworm")
    return found


_INSTALL_VERB = {"apt-get": "install", "apt": "install", "aptitude": "install", "apk": "add"}


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
