"""RS506: every platform the workflow publishes can work with the runtime and the C libraries."""

from __future__ import annotations

import re
from typing import Iterable

from rsdock.lint.analysis import build, cdeps, compat, images
from rsdock.lint.knowledge import debian, platforms, runtimes
from rsdock.lint.knowledge.ccrates import CCrate
from rsdock.lint.model import workflow_reader as wf
from rsdock.lint.model.cargo import Workspace
from rsdock.lint.model.dockerfile import Dockerfile
from rsdock.lint.model.findings import Finding, Related, Severity
from rsdock.lint.model.workflow import Scalar
from rsdock.lint.rules.rule import Context, ProjectRule

# What gives a build its own musl C compiler: then compiling C for musl is the build's
# business (``musl-c`` is rsdock's refusal to generate such a build, not a fact of the target).
_MUSL_CC_RE = re.compile(r"\b(?:musl-tools|musl-dev|musl-gcc|zig|ziglang|cargo-zigbuild)\b")
_DISTROLESS_RELEASE_RE = re.compile(r"-debian(\d+)")


class RS506(ProjectRule):
    r"""Publish only platforms the runtime image and the binary's C libraries can work on.

    The question ``rsdock init``, ``rsdock edit --add-platform`` and the wizard ask before they
    write a platform, asked of the files as they are, with the same answer (one validator,
    ``rsdock.lint.analysis.compat``): for each platform the workflow publishes a Dockerfile
    for, with the runtime its image stage is built ``FROM`` (debian-slim, distroless, alpine,
    scratch) and the C crates its ``cargo build`` reaches in ``Cargo.lock`` (with the build's
    ``--features``): a runtime image that does not exist for the platform (``runtime-image``), a
    static musl runtime without a musl target (``musl-target``), a crate without pregenerated
    bindings for the target and no ``bindgen`` in the lock (``no-bindings``: aws-lc-sys before
    0.37 on linux/arm/v7), a system library Debian does not build for the platform
    (``debian-arch``), or for a static musl binary a crate linking a system library
    (``musl-system``), needing C++ (``musl-cxx``) or compiling C with no musl C compiler in the
    build (``musl-c``). The message is the sentence ``rsdock init`` refuses with, ending with
    the id ``rsdock refusal ID`` explains. Only plain ``cargo`` builds are judged (``cross``,
    ``cargo zigbuild`` and ``xx-cargo`` bring their own toolchains).

    Fails:
        # file: .github/workflows/docker.yml
        on: push
        jobs:
          build:
            runs-on: ubuntu-24.04
            steps:
              - uses: docker/build-push-action@v7
                with:
                  platforms: linux/amd64,linux/arm/v7
        # file: Cargo.toml
        [package]
        name = "server"
        version = "0.1.0"
        edition = "2021"
        [dependencies]
        aws-lc-rs = "1"
        # file: Cargo.lock
        version = 4
        [[package]]
        name = "server"
        version = "0.1.0"
        dependencies = ["aws-lc-rs"]
        [[package]]
        name = "aws-lc-rs"
        version = "1.13.0"
        source = "registry+https://github.com/rust-lang/crates.io-index"
        dependencies = ["aws-lc-sys"]
        [[package]]
        name = "aws-lc-sys"
        version = "0.29.0"
        source = "registry+https://github.com/rust-lang/crates.io-index"
        dependencies = ["cc", "cmake"]
        # file: src/main.rs
        fn main() {}
        # file: Dockerfile
        FROM --platform=$BUILDPLATFORM rust:1.95-slim-bookworm AS builder
        ARG TARGETPLATFORM
        WORKDIR /app
        COPY . .
        RUN case "$TARGETPLATFORM" in \
              linux/amd64) T=x86_64-unknown-linux-gnu ;; \
              linux/arm/v7) T=armv7-unknown-linux-gnueabihf ;; \
            esac \
            && cargo build --release --target "$T" && cp target/$T/release/server /server
        FROM debian:bookworm-slim
        COPY --from=builder /server /usr/local/bin/server
        ENTRYPOINT ["/usr/local/bin/server"]

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
        # file: Cargo.toml
        [package]
        name = "server"
        version = "0.1.0"
        edition = "2021"
        [dependencies]
        aws-lc-rs = "1"
        # file: Cargo.lock
        version = 4
        [[package]]
        name = "server"
        version = "0.1.0"
        dependencies = ["aws-lc-rs"]
        [[package]]
        name = "aws-lc-rs"
        version = "1.13.0"
        source = "registry+https://github.com/rust-lang/crates.io-index"
        dependencies = ["aws-lc-sys"]
        [[package]]
        name = "aws-lc-sys"
        version = "0.29.0"
        source = "registry+https://github.com/rust-lang/crates.io-index"
        dependencies = ["cc", "cmake"]
        # file: src/main.rs
        fn main() {}
        # file: Dockerfile
        FROM --platform=$BUILDPLATFORM rust:1.95-slim-bookworm AS builder
        ARG TARGETPLATFORM
        WORKDIR /app
        COPY . .
        RUN case "$TARGETPLATFORM" in \
              linux/amd64) T=x86_64-unknown-linux-gnu ;; \
              linux/arm64) T=aarch64-unknown-linux-gnu ;; \
            esac \
            && cargo build --release --target "$T" && cp target/$T/release/server /server
        FROM debian:bookworm-slim
        COPY --from=builder /server /usr/local/bin/server
        ENTRYPOINT ["/usr/local/bin/server"]
    """

    id = "RS506"
    name = "platform-cannot-work"
    severity = Severity.ERROR
    message = "drop the platform, or change what rules it out"

    def check(self, file: None, ctx: Context) -> Iterable[Finding]:
        """Yield the validator's refusals for each Dockerfile the workflows publish."""
        published: dict[str, dict[str, tuple[str, Scalar]]] = {}
        for image in wf.built_images(ctx.workflows):
            entries = published.setdefault(image.dockerfile, {})
            for where, name in image.platforms:
                if platforms.get(name) is not None:
                    entries.setdefault(platforms.require(name).name, (image.workflow.path, where))
        for path, entries in sorted(published.items()):
            model = ctx.dockerfiles.get(path)
            if model is None or model.errors or not entries:
                continue
            yield from self._dockerfile(ctx, model, entries)

    def _dockerfile(self, ctx: Context, model: Dockerfile,
                    entries: dict[str, tuple[str, Scalar]]) -> Iterable[Finding]:
        names = [p.name for p in platforms.PLATFORMS if p.name in entries]
        workspace = ctx.workspace_for(model.path)
        calls = {name: [c for s in build.stages_running(model, "build")
                        for c in build.stage_calls(model, s, name)
                        if c.action == "build"] for name in names}
        if any(c.tool != "cargo" for found in calls.values() for c in found):
            return  # cross, zigbuild, xx-cargo: their own toolchains decide
        binaries = _binaries(workspace, calls)
        libc = _libc(calls)
        musl_cc = _has_musl_cc(model)
        seen: set[tuple[str, str]] = set()
        for stage in images.image_stages(ctx, model):
            base = stage.ancestry()[-1]
            found = runtimes.identify(base.base)
            runtime, release = (found[0].name, _release(found, base.base)) if found else ("", "")
            if not runtime and not binaries:
                continue
            for refused in compat.refusals_for(names, runtime, release, binaries, libc=libc,
                                               musl_c=not musl_cc,
                                               builder=_builder_release(model)):
                key = (refused.refusal, refused.message)
                if key in seen:
                    continue
                seen.add(key)
                text = f"{refused.message}; {refused.way_out}"
                runtime_at = Related(model.path, base.from_.line,
                                     f"the runtime image ({base.base})")
                if refused.platform:
                    workflow, where = entries[refused.platform]
                    yield self.finding(workflow, where.line, where.column, text,
                                       related=[runtime_at])
                else:
                    yield self.finding(model.path, base.from_.line, 0, text,
                                       related=[_first_call(model, calls)])


def _builder_release(model: Dockerfile) -> str | None:
    """The Debian release of the first compiling stage's base image, or None (unknown)."""
    for stage in build.stages_running(model, "build"):
        found = debian.glibc_release(stage.ancestry()[-1].base.lower())
        if found and found[0].distro == "debian":
            return found[0].codename
        return None
    return None


def _binaries(workspace: Workspace | None,
              calls: dict[str, list[build.CargoCall]]) -> tuple[compat.Binary, ...]:
    """The binaries the build compiles, each with its C crates per platform."""
    if workspace is None or getattr(workspace, "lock", None) is None:
        return ()
    crates: dict[str, dict[str, tuple[CCrate, ...]]] = {}
    paths: dict[str, dict[str, str]] = {}
    for name, found in calls.items():
        platform = platforms.require(name)
        for call in found:
            for package in cdeps.packages_built(workspace, (call,)):
                owned = [b for b in call.bins if (p := workspace.package_of(b)) is not None
                         and p.name == package]
                label = owned[0] if owned else package
                reached = cdeps.c_crates(workspace, package, platform.rust_arch,
                                         cdeps.call_request(call, package))
                have = crates.setdefault(label, {}).setdefault(name, ())
                crates[label][name] = have + tuple(r.crate for r in reached
                                                   if r.crate.name not in {c.name for c in have})
                for r in reached:
                    paths.setdefault(label, {}).setdefault(r.crate.name, r.via)
    return tuple(compat.Binary(label, per, paths.get(label, {}))
                 for label, per in crates.items())


def _libc(calls: dict[str, list[build.CargoCall]]) -> str | None:
    """``musl`` or ``gnu`` when the build's ``--target`` says so, else None (the runtime's)."""
    targets = [c.target for found in calls.values() for c in found
               if c.target_known and c.target]
    if any("musl" in t for t in targets):
        return "musl"
    return "gnu" if targets else None


def _release(found: tuple[runtimes.Runtime, str | None], image: str) -> str:
    """The Debian release of a runtime image: named in its tag (``debian:bookworm-slim``), by
    number (``distroless/cc-debian12``), or the default release."""
    if found[1]:
        return found[1]
    number = _DISTROLESS_RELEASE_RE.search(image)
    if number:
        return next((r.name for r in runtimes.DEBIAN_RELEASES if r.version == number.group(1)),
                    runtimes.DEFAULT_DEBIAN)
    return runtimes.DEFAULT_DEBIAN


def _has_musl_cc(model: Dockerfile) -> bool:
    """Whether the Dockerfile gives its build a musl C compiler of its own (installs one, or
    sets a ``CC_<musl triple>``)."""
    return any(_MUSL_CC_RE.search(inst.original) or
               re.search(r"\bCC_\w*musl", inst.original) for inst in model.instructions)


def _first_call(model: Dockerfile, calls: dict[str, list[build.CargoCall]]) -> Related:
    line = min((c.line for found in calls.values() for c in found), default=1)
    return Related(model.path, line, "cargo builds the binary here")

