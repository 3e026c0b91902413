"""Facts about images, packages, paths and copies that the Dockerfile rules share.

Pure functions over the Dockerfile model and simulated commands (:mod:`rsdock.lint.analysis.build` does
the simulating): which Rust an image pins, what ``apt-get install`` installs, where a WORKDIR
points, and small helpers to report one finding per problem.
"""

from __future__ import annotations

import posixpath
import re
from typing import Any, Iterable, Iterator, Mapping

from rsdock.lint.knowledge import platforms
from rsdock.lint.model.dockerfile import Copy, Dockerfile, Instruction, Stage
from rsdock.lint.model.findings import Finding
from rsdock.lint.model.shell import Command
from rsdock.records import replace


def apt_packages(commands: list[tuple[Instruction, Command]]) -> set[str]:
    """The packages ``apt-get install``/``apt install``/``apk add`` install, without versions."""
    packages: set[str] = set()
    for _inst, command in commands:
        argv = command.argv
        if not argv or argv[0] not in ("apt-get", "apt", "apk", "aptitude"):
            continue
        verbs = ("install", "add")
        if not any(v in argv for v in verbs):
            continue
        start = next(i for i, w in enumerate(argv) if w in verbs) + 1
        # an unquoted `$PKGS` reaches apt as several words: split what the simulation joined
        for word in (w for item in argv[start:] for w in item.split()):
            if not word.startswith("-"):
                packages.add(re.split(r"[=:]", word)[0])
    return packages


def apt_installs_recommends(commands: list[tuple[Instruction, Command]]) -> bool:
    """Whether an ``apt-get install`` among ``commands`` installs recommended packages (apt's
    default, unless ``--no-install-recommends`` or ``APT::Install-Recommends`` false)."""
    for _inst, command in commands:
        argv = command.argv
        if argv[:1] not in (("apt-get",), ("apt",)) or "install" not in argv:
            continue
        words = " ".join(argv)
        if "--no-install-recommends" not in argv and "Install-Recommends=false" not in words \
                and "Install-Recommends=0" not in words:
            return True
    return False


def rustup_targets(commands: list[tuple[Instruction, Command]]) -> tuple[set[str], bool]:
    """``(targets, unknown)``: the triples ``rustup target add`` (or ``toolchain install
    --target``) installs, and whether one of them could not be resolved."""
    targets: set[str] = set()
    unknown = False
    for _inst, command in commands:
        argv = [w for w in command.argv if not w.startswith("+")]
        if not argv or posixpath.basename(argv[0]) != "rustup":
            continue
        words: list[str] = []
        if argv[1:3] in (["target", "add"], ["target", "install"]):
            words = [w for w in argv[3:] if not w.startswith("-")]
        elif argv[1:3] == ["toolchain", "install"] and ("--target" in argv or "-t" in argv):
            flag = "--target" if "--target" in argv else "-t"
            index = argv.index(flag) + 1
            words = argv[index].split(",") if index < len(argv) else []
        for word in words:
            for triple in word.split():
                if "$" in triple:
                    unknown = True
                targets.add(triple)
    return targets, unknown


_RUST_IMAGE_RE = re.compile(r"^(?:(?:docker\.io/)?(?:library/)?rust|(?:docker\.io/)?"
                            r"lukemathwalker/cargo-chef)(?::(?P<tag>[^@]+))?(?:@.*)?$")


def root_image(stage: Stage) -> str:
    """The image a stage ultimately builds on (following ``FROM <stage>``)."""
    return stage.ancestry()[-1].base


# Cross images whose tag names the target and whose ENV sets CARGO_BUILD_TARGET to it
# (messense/rust-musl-cross:aarch64-musl: a plain cargo build makes aarch64-unknown-linux-musl).
_MUSL_CROSS_RE = re.compile(r"^(?:docker\.io/|ghcr\.io/rust-cross/)?messense/rust-musl-cross:"
                            r"(?P<arch>[a-z0-9_]+)-(?P<abi>musl[a-z]*)(?:@.*)?$")


# cross-rs's per-target images (ghcr.io/cross-rs/<triple>:<tag>, formerly
# rustembedded/cross:<triple>) ship the target's cross gcc and point cargo and cc at it:
# cross-rs/cross@8c1a8aa4 docker/Dockerfile.<triple> sets CROSS_TOOLCHAIN_PREFIX
# (aarch64-linux-musl-, arm-linux-gnueabihf-), CARGO_TARGET_<TRIPLE>_LINKER (a gcc.sh wrapper for
# musl, the gcc for gnu) and CC_<triple>; no CARGO_BUILD_TARGET (cross passes --target).
_CROSS_RS_RE = re.compile(r"^(?:ghcr\.io/cross-rs/(?P<name>[a-z0-9_]+-unknown-linux-[a-z]+)(?::[^@]*)?|"
                          r"(?:docker\.io/)?rustembedded/cross:(?P<tag>[a-z0-9_]+-unknown-linux-"
                          r"[a-z]+)[^@]*)(?:@.*)?$")


def image_env(image: str) -> dict[str, str]:
    """The ENV an image is known to set that changes what cargo does: the default target and
    its linker (``CARGO_BUILD_TARGET``, ``CARGO_TARGET_<TRIPLE>_LINKER``, ``CC_<triple>``)."""
    match = _MUSL_CROSS_RE.match(image.lower())
    if match:
        triple = f"{match['arch']}-unknown-linux-{match['abi']}"
        # The image ships a musl cross gcc named after the triple and points cargo at it.
        return {"CARGO_BUILD_TARGET": triple, platforms.linker_env_var(triple): f"{triple}-gcc"}
    cross = _CROSS_RS_RE.match(image.lower())
    if cross:
        triple = cross["name"] or cross["tag"]
        arch, abi = triple.split("-")[0], triple.split("-")[-1]
        prefix = f"{'arm' if arch.startswith('arm') else arch}-linux-{abi}-"
        linker = f"{prefix}gcc.sh" if abi.startswith("musl") else f"{prefix}gcc"
        return {platforms.linker_env_var(triple): linker,
                f"CC_{triple.replace('-', '_')}": f"{prefix}gcc"}
    return {}


# Images that install a CA bundle in their own layers, so a runtime built on them has
# /etc/ssl/certs/ca-certificates.crt without installing anything:
# - the official rust images and cargo-chef's (built on them): rust-lang/docker-rust's
#   `*/slim/Dockerfile` runs `apt-get install --no-install-recommends ca-certificates gcc
#   libc6-dev wget`, the full variants are FROM buildpack-deps:<release> (its curl layer installs
#   ca-certificates) and the alpine ones `apk add --no-cache ca-certificates gcc`;
# - Microsoft's .NET images: dotnet/dotnet-docker's runtime-deps Dockerfiles (which runtime,
#   aspnet and sdk are built FROM) install ca-certificates with libc6, libicu, libssl and tzdata.
_CA_BUNDLE_IMAGE_RE = re.compile(r"^(?:mcr\.microsoft\.com/dotnet/(?:nightly/)?"
                                 r"(?:runtime-deps|runtime|aspnet|sdk))(?::[^@]*)?(?:@.*)?$")


def ships_ca_bundle(image: str) -> bool:
    """Whether ``image`` is known to carry a CA bundle already (rust, cargo-chef, .NET)."""
    name = image.lower()
    return bool(_RUST_IMAGE_RE.match(name) or _CA_BUNDLE_IMAGE_RE.match(name))


# The official rust images' CARGO_HOME: its config.toml configures cargo, `cargo install`
# puts binaries in its bin/.
CARGO_HOME = "/usr/local/cargo"


def written_cargo_linkers(files: Mapping[str, str], env: Mapping[str, str]) -> dict[str, str]:
    """``[target.<triple>] linker`` settings in cargo config files that RUNs wrote
    (``printf '[target.…]\\nlinker = "…"' > $CARGO_HOME/config.toml``), by triple."""
    home = env.get("CARGO_HOME") or CARGO_HOME
    found: dict[str, str] = {}
    for path, text in files.items():
        directory, name = posixpath.split(path)
        if name not in ("config.toml", "config") or not (
                posixpath.basename(directory) == ".cargo" or directory == home.rstrip("/")):
            continue
        section = None
        for line in text.splitlines():
            header = re.match(r"\s*\[target\.['\"]?([^'\"\]]+)['\"]?\]", line)
            if header:
                section = header[1]
            elif line.strip().startswith("["):
                section = None
            elif section:
                value = re.match(r"\s*linker\s*=\s*['\"]([^'\"]+)['\"]", line) or \
                    re.search(r"linker=([^'\"\s,\]]+)", line)
                if value:
                    found.setdefault(section, value[1])
    return found


def is_artifact_image(stage: Stage) -> bool:
    """Whether ``stage`` is a ``FROM scratch`` image with no ENTRYPOINT or CMD: a carrier of
    files (exported with ``--output`` or copied with ``COPY --from=<image>``), not a program,
    so runtime advice (CA bundle, init, user) does not apply to it."""
    chain = stage.ancestry()
    return chain[-1].base.lower() == "scratch" and not any(
        s.of("ENTRYPOINT") or s.of("CMD") for s in chain)


def rust_version(image: str) -> str | None:
    """The Rust version a ``rust`` or ``cargo-chef`` image tag pins (``1.86``), ``latest`` for a
    floating tag (``latest-rust-1``, ``rust:1-slim``, ``rust:slim``), or None for other images."""
    match = _RUST_IMAGE_RE.match(image)
    if not match:
        return None
    tag = match["tag"] or "latest"
    found = re.search(r"(?:^|rust-)(1\.\d+(?:\.\d+)?)(?=$|-)", tag)
    return found[1] if found else "latest"


# Base images of test harnesses: an image built FROM one is an endpoint the harness starts in
# its own network (with its own compose file and stop), never a service a user runs.
# martenseemann/quic-network-simulator-endpoint: the QUIC interop runner's endpoint base
# (marten-seemann/quic-network-simulator README, "Framework": docker-compose runs the simulator,
# a client and a server image built FROM it by each QUIC implementation; read 2026-12-08: used
# so by cloudflare/quiche, aiortc/aioquic-qns, facebook/mvfst's qns image, tquic).
HARNESS_BASES = frozenset({"martenseemann/quic-network-simulator-endpoint"})


def is_harness_base(image: str) -> bool:
    """Whether ``image`` is the base image of a test harness's endpoints."""
    name = image.split("@")[0].lower().removeprefix("docker.io/")
    if ":" in name.rsplit("/", 1)[-1]:
        name = name.rsplit(":", 1)[0]
    return name in HARNESS_BASES


def is_compiler_image(image: str) -> bool:
    """Whether ``image`` is a Rust build image (rust, cargo-chef, cross-compile images)."""
    name = image.split("@")[0].rsplit(":", 1)[0] if ":" in image.split("/")[-1] else image
    last = name.split("/")[-1]
    return bool(_RUST_IMAGE_RE.match(image)) or last in (
        "rust", "cargo-chef", "rust-musl-cross", "muslrust", "rust-musl-builder") or \
        name.startswith("ghcr.io/cross-rs/")


def workdir(stage: Stage, before: Instruction | None = None) -> str:
    """The working directory at ``before`` (or the stage's end), following parents."""
    # One pass per stage, cached: rules ask at every instruction of very long Dockerfiles.
    cached = stage.__dict__.get("_workdirs")
    if cached is None:
        cached = stage.__dict__["_workdirs"] = _scan_workdirs(stage)
    at, end = cached
    return at.get(id(before), end) if before is not None else end


def _scan_workdirs(stage: Stage) -> tuple[dict[int, str], str]:
    at: dict[int, str] = {}
    path = "/"
    for ancestor in reversed(stage.ancestry()):
        for inst in ancestor.instructions:
            at.setdefault(id(inst), path)
            if inst.cmd != "WORKDIR":
                continue
            value = inst.value[0] if inst.value else "/"
            path = posixpath.normpath(posixpath.join(path, value))
    return at, path


def is_native(triple: str | None, host: str | None = None) -> bool:
    """Whether ``triple`` builds for ``host`` (the platform the RUN executes on; default the
    build platform), so the default ``cc`` links it."""
    native = platforms.get(host or platforms.NATIVE_PLATFORM) or \
        platforms.require(platforms.NATIVE_PLATFORM)
    return triple in (native.gnu_triple, native.musl_triple)


def merge_by_line(findings: Iterable[Finding]) -> list[Finding]:
    """One finding per line: per-platform variants of a message become the first one plus a
    count, so a problem repeated for three platforms is reported once."""
    groups: dict[int, list[Finding]] = {}
    for finding in unique(findings):
        groups.setdefault(finding.line, []).append(finding)
    merged = []
    for first, *more in groups.values():
        if more:
            first = replace(first, message=f"{first.message} (and {len(more)} more like it on "
                                           "this line)")
        merged.append(first)
    return merged


def unique(findings: Iterable[Finding]) -> Iterator[Finding]:
    """``findings`` without repeats (the same line, message and related places from several
    platforms)."""
    seen: set[tuple[int, int, str, tuple[tuple[str, int], ...]]] = set()
    for finding in findings:
        key = (finding.line, finding.column, finding.message,
               tuple((r.path, r.line) for r in finding.related))
        if key not in seen:
            seen.add(key)
            yield finding


# Files that configure the toolchain rather than hold source: copying them before cook is right.
TOOLCHAIN_FILES = ("rust-toolchain", "rust-toolchain.toml", ".cargo", ".cargo/config.toml",
                   ".cargo/config")


def is_context_copy(copy: Any) -> bool:
    """Whether a COPY/ADD takes files from the build context (no ``--from``, no heredoc)."""
    return copy.source_stage is None and not copy.instruction.heredocs


def copies_everything(copy: Any) -> bool:
    """Whether a context COPY copies the whole context (``COPY . .``)."""
    return is_context_copy(copy) and any(s.rstrip("/") in (".", "", "*", "./*") for s in copy.sources)


def needed_stages(model: Dockerfile, target: str | None,
                  platform_args: dict[str, str] | None = None) -> list[Stage]:
    """The stages BuildKit builds for ``target`` (the last stage by default), in file order:
    the stages it is built FROM (every candidate of ``FROM build-$TARGETARCH``, or the one
    ``platform_args`` such as ``TARGETARCH=arm64`` select) and the stages it copies from,
    transitively."""
    final = model.stage(target) if target else model.final_stage
    if final is None:
        return []
    needed, todo = set(), [final]
    while todo:
        stage = todo.pop()
        if stage.index in needed:
            continue
        needed.add(stage.index)
        chosen = stage.parent_for(platform_args) if platform_args else None
        if chosen is not None and stage.candidates:
            todo.append(chosen)  # `FROM build-$TARGETARCH` names one stage per platform
        else:
            if stage.parent is not None:
                todo.append(stage.parent)
            todo.extend(stage.candidates)  # each platform's own stage
        for copy in stage.copies():
            source = model.stage(copy.source_stage) if copy.source_stage else None
            if source is not None:
                todo.append(source)
    return [s for s in model.stages if s.index in needed]


def copied_root_image(model: Dockerfile, copy: Copy, depth: int = 0) -> str | None:
    """The image whose whole root file system ``copy`` puts at ``/``, or None.

    ``COPY --from=base / /`` brings ``base``'s files; ``COPY --from=cleaner /clean /`` brings
    them when ``cleaner`` filled ``/clean`` with ``COPY --from=base / /clean`` (lakekeeper trims
    a distroless root in busybox and copies it into ``scratch``). None when the copy is not a
    whole root, or a RUN of the stage in between touches ``/etc/ssl`` or ``ca-certificates``
    (what is left of the image is then not known)."""
    if depth > 4 or copy.source_stage is None or len(copy.sources) != 1 or \
            posixpath.normpath(copy.dest) != "/":
        return None
    source = posixpath.normpath(posixpath.join("/", copy.sources[0]))
    stage = model.stage(copy.source_stage)
    if stage is None:  # `--from=<image>`
        return copy.source_stage if source == "/" else None
    if any("/etc/ssl" in run.original or "ca-certificates" in run.original
           for ancestor in stage.ancestry() for run in ancestor.runs()):
        return None
    if source == "/":
        return root_image(stage)
    for ancestor in stage.ancestry():
        for inner in ancestor.copies():
            dest = posixpath.normpath(posixpath.join(workdir(ancestor, inner.instruction),
                                                     inner.dest))
            if dest == source and inner.source_stage is not None and len(inner.sources) == 1 \
                    and posixpath.normpath(posixpath.join("/", inner.sources[0])) == "/":
                whole = replace(inner, dest="/")
                return copied_root_image(model, whole, depth + 1)
    return None
