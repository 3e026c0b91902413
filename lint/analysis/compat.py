"""Whether a platform, runtime and C-library set can work: the one answer to that question.

``rsdock init``, ``rsdock edit --add-platform``, the TUI (all through ``Plan.problems()``)
and ``rsdock lint`` (RS506) ask :func:`refusals`; none of them decides it on its own. The
inputs are what each knows: the chosen (or published) platforms, the runtime base and its
Debian release, and per binary the C crates Cargo.lock shows it compiles on each platform.
Each answer is one sentence (what cannot work, for which binary and platform, through which
dependency chain), the way out, and the id of its explanation (``rsdock refusal ID``,
:mod:`rsdock.lint.knowledge.refusals`).
"""

from __future__ import annotations

from typing import Iterable, Mapping, Sequence

from rsdock.lint.knowledge import ccrates, debian_deps, platforms, refusals, runtimes, versions
from rsdock.lint.knowledge.ccrates import CCrate
from rsdock.lint.knowledge.platforms import Platform
from rsdock.records import field, record

# The Debian release of every builder image rsdock writes (rust:<version>-slim-bookworm); a
# hand-written builder on another release is judged by the same one (its C libraries come
# from Debian's archive, which publishes the same architectures for bookworm and trixie).
BUILDER_DEBIAN = "bookworm"


@record(frozen=True)
class Binary:
    """One binary an image ships, as far as the question needs it.

    Attributes:
        name: the binary (the image's name in a plan).
        crates: per platform name, the C-crate rows the binary's build compiles there, each
            as Cargo.lock shows it is built (``CCrate.with_flags``); a platform not listed
            compiles none.
        paths: ``{crate: "api -> reqwest -> openssl-sys"}``, one dependency chain per crate.
    """

    name: str
    crates: Mapping[str, tuple[CCrate, ...]] = field(default_factory=dict)
    paths: Mapping[str, str] = field(default_factory=dict)

    def crates_on(self, platform: str) -> tuple[CCrate, ...]:
        """The C crates the binary compiles on ``platform``."""
        return self.crates.get(platform, ())

    def via(self, names: Iterable[str]) -> str:
        """``via api -> reqwest -> openssl-sys``: the chain to the first of ``names`` (its name
        alone when none is known), and how many more."""
        names = list(names)
        chain = self.paths.get(names[0], names[0])
        return f"via {chain}" + (f"; {len(names) - 1} more" if len(names) > 1 else "")


@record(frozen=True)
class Refused:
    """One reason a platform, runtime and C-library set cannot work.

    Attributes:
        field: the answer at fault: ``platforms`` (drop or change the platform) or
            ``runtime`` (a static musl runtime refused for the C crates, on every platform).
        message: what cannot work, one sentence.
        way_out: what to do instead, ending with ``rsdock refusal ID``'s pointer.
        refusal: the refusal id (:mod:`rsdock.lint.knowledge.refusals`).
        platform: the platform at fault ("" for a runtime refusal that holds on all).
        binary: the binary at fault ("" when the runtime image itself is missing).
        binary_index: its position in the binaries given, or None.
    """

    field: str
    message: str
    way_out: str
    refusal: str
    platform: str = ""
    binary: str = ""
    binary_index: int | None = None


def with_pointer(way_out: str, refusal: str) -> str:
    """A refusal's ways out, then where its explanation is."""
    return f"{way_out} ({refusals.pointer(refusal)})"


def refusals_for(platform_names: Sequence[str], runtime: str, debian: str,
                 binaries: Sequence[Binary], *, libc: str | None = None,
                 musl_c: bool = True, builder: str | None = BUILDER_DEBIAN) -> list[Refused]:
    """Every reason the set cannot work, in platform order (the order given).

    Args:
        platform_names: the platforms (unknown names are skipped: whoever asks refuses those
            with its own words, a spelling hint or a choice list).
        runtime: the runtime base's name (:mod:`rsdock.lint.knowledge.runtimes`); an unknown
            one is judged only by its C libraries, with ``libc``.
        debian: the runtime's Debian release; its image's availability is judged only when it
            is a release rsdock knows.
        binaries: the binaries the images ship.
        libc: ``gnu`` or ``musl``: what the build targets, when it is known (lint reads it
            from the ``--target``); else the runtime's.
        musl_c: whether to refuse C compiled for musl (``musl-c``): rsdock never generates it;
            lint asks only of a build that has no musl C compiler of its own.
        builder: the builder's Debian release, whose system libraries a crate's version
            check judges (rsdock's builders are bookworm); None when it is not known (a
            hand-written builder on another base): that check is skipped.
    """
    base = runtimes.get(runtime)
    libc = libc or (base.libc if base is not None else "gnu")
    known = [p for p in (platforms.get(n) for n in platform_names) if p is not None]
    chosen: list[Platform] = []
    for platform in known:
        if platform not in chosen:
            chosen.append(platform)
    # A static musl runtime refuses the C crates once, not per platform: judged with the crates
    # of the first platform in the table's order (what ``Plan.platform_objects`` gives).
    first = next((p for p in platforms.PLATFORMS if p in chosen), None)
    found: list[Refused] = []
    for platform in chosen:
        if base is not None and debian in runtimes.debian_names():
            image = base.refusal(platform, debian)
            if image:
                found.append(Refused("platforms", image[0],
                                     with_pointer(image[1], "runtime-image"), "runtime-image",
                                     platform.name))
        found += _c_crates(platform, runtime, libc, binaries, platform is first, musl_c,
                           builder)
        no_musl = base.libc_refusal(platform) if base is not None else None
        if no_musl:
            found.append(Refused("platforms", no_musl[0], with_pointer(no_musl[1], "musl-target"),
                                 "musl-target", platform.name))
    return found


def _c_crates(platform: Platform, runtime: str, libc: str, binaries: Sequence[Binary],
              first: bool, musl_c: bool, builder: str | None = BUILDER_DEBIAN
              ) -> list[Refused]:
    """C libraries that cannot be had for the platform: refused in one sentence each (the
    binary, the platform, the dependency chain), then the ways out."""
    if libc == "musl" and platform.musl_triple is None:
        return []  # refused as a platform without musl already
    triple = platform.triple(libc)
    found: list[Refused] = []
    for index, binary in enumerate(binaries):
        crates = binary.crates_on(platform.name)
        if libc == "musl" and crates and first:
            for group in ccrates.musl_refusal_groups(crates):
                if group.refusal == "musl-c" and not musl_c:
                    continue
                found.append(Refused(
                    "runtime", f"{binary.name} cannot be a static musl binary for the {runtime} "
                    f"runtime: {group.why} ({binary.via(group.crates)})",
                    with_pointer(group.way_out, group.refusal), group.refusal, "",
                    binary.name, index))
        for crate in crates:
            why = crate.bindgen_refusal(triple)
            if why:
                found.append(Refused(
                    "platforms", f"{binary.name} cannot be built for {platform.name}: {why} "
                    f"({binary.via([crate.name])})",
                    with_pointer(crate.bindgen_way_out(platform.name), "no-bindings"),
                    "no-bindings", platform.name, binary.name, index))
        if first and libc == "gnu" and builder:
            found += _too_new(binary, index, crates, platform, builder)
        system = [c.name for c in crates if c.links == ccrates.SYSTEM]
        if libc == "gnu" and system and not runtimes.debian(BUILDER_DEBIAN).has(platform):
            verb = "links a system library" if len(system) == 1 else "link system libraries"
            found.append(Refused(
                "platforms", f"{binary.name} cannot be built for {platform.name}: "
                f"{', '.join(system)} {verb} from Debian, and the builder's {BUILDER_DEBIAN} "
                f"has no {platform.debian_arch} packages ({binary.via(system)})",
                with_pointer(f"drop {platform.name}, or enable the crates' vendored/bundled "
                             "feature", "debian-arch"),
                "debian-arch", platform.name, binary.name, index))
    return found


def _too_new(binary: Binary, index: int, crates: Sequence[CCrate],
             platform: Platform, builder: str) -> list[Refused]:
    """A system library the builder's Debian has at a version the crate's build script
    refuses (openssl-sys before 0.9.64 and OpenSSL 3): one refusal per binary, whatever the
    platform (every architecture of a release has the same version)."""
    found = []
    for crate in crates:
        if crate.links != ccrates.SYSTEM or not crate.system_before_version \
                or not crate.dev_packages:
            continue
        have = debian_deps.upstream_version(crate.dev_packages[0], builder)
        if not have or not versions.at_least(have, crate.system_before_version):
            continue
        found.append(Refused(
            "images", f"{binary.name} cannot be built: {crate.name} {crate.version} takes "
            f"{crate.dev_packages[0]} older than {crate.system_before_version} only, and the "
            f"builder's {builder} has {have} ({binary.via([crate.name])})",
            with_pointer(f"update {crate.name} (`cargo update -p {crate.name}`) to a version "
                         "that takes it, or enable the crate's vendored/bundled feature",
                         "system-library-too-new"),
            "system-library-too-new", platform.name, binary.name, index))
    return found
