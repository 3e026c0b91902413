"""The research's platform knowledge (DIGEST.md section 2), and the only place it lives.

The generator, the linter and the wizard all read this table; nothing else in rsdock may spell a
Rust triple, a Debian cross package or a linker name for a platform.
"""

from __future__ import annotations

import re

from rsdock.records import record


@record(frozen=True)
class Platform:
    """One Docker target platform and what cross-compiling Rust for it takes on a Debian builder.

    Attributes:
        name: the BuildKit platform string, as in ``TARGETPLATFORM`` (``linux/arm/v7``).
        gnu_triple: the Rust target triple for glibc.
        musl_triple: the Rust target triple for musl, or None where rustup ships no std for it.
        gcc_package: the Debian cross gcc package.
        libc_package: the Debian ``libc6-dev-*-cross`` package.
        linker: the cross gcc driver that links for the gnu triple.
        debian_arch: the Debian (dpkg) architecture of the target (which Debian releases and
            runtime images exist for it is in :mod:`rsdock.lint.knowledge.runtimes`).
        caveat: what a user should know before choosing it, or "".
        multiarch: the Debian multiarch tuple: where the target's libraries and ``.pc`` files
            live (``/usr/lib/<multiarch>/pkgconfig``) once ``PKG:<debian_arch>`` is installed.
    """

    name: str
    gnu_triple: str
    musl_triple: str | None
    gcc_package: str
    libc_package: str
    linker: str
    debian_arch: str
    caveat: str = ""
    multiarch: str = ""

    @property
    def rust_arch(self) -> str:
        """Rust's ``target_arch`` for the platform (``cfg(target_arch = "arm")`` on arm/v7)."""
        first = self.gnu_triple.split("-", 1)[0]
        return _RUST_ARCH.get(first, first)

    @property
    def cross_prefix(self) -> str:
        """The prefix of the cross tools (``aarch64-linux-gnu-``): gcc, g++, ar, strip."""
        return self.linker.removesuffix("gcc")

    @property
    def gxx_package(self) -> str:
        """The Debian cross C++ compiler package (``g++-aarch64-linux-gnu``)."""
        return self.gcc_package.replace("gcc-", "g++-", 1)

    @property
    def slug(self) -> str:
        """A name usable in file names and cache scopes: ``linux-arm-v7``."""
        return self.name.replace("/", "-")

    @property
    def apt_packages(self) -> tuple[str, str]:
        """The Debian packages a builder needs to link for this platform."""
        return (self.gcc_package, self.libc_package)

    def triple(self, libc: str = "gnu") -> str:
        """The Rust triple for ``libc`` ("gnu" or "musl").

        Raises:
            ValueError: when rustup has no std for this platform and libc.
        """
        if libc == "gnu":
            return self.gnu_triple
        if libc == "musl":
            if self.musl_triple is None:
                raise ValueError(f"{self.name} has no musl target with a rustup std (tier 3)")
            return self.musl_triple
        raise ValueError(f"unknown libc {libc!r}: use 'gnu' or 'musl'")


# A triple's first component -> Rust's target_arch, where they differ.
_RUST_ARCH = {"armv7": "arm", "i686": "x86", "powerpc64le": "powerpc64", "riscv64gc": "riscv64"}

PLATFORMS: tuple[Platform, ...] = (
    Platform(
        "linux/amd64", "x86_64-unknown-linux-gnu", "x86_64-unknown-linux-musl",
        "gcc-x86-64-linux-gnu", "libc6-dev-amd64-cross", "x86_64-linux-gnu-gcc",
        "amd64",
        multiarch="x86_64-linux-gnu",
    ),
    Platform(
        "linux/arm64", "aarch64-unknown-linux-gnu", "aarch64-unknown-linux-musl",
        "gcc-aarch64-linux-gnu", "libc6-dev-arm64-cross", "aarch64-linux-gnu-gcc",
        "arm64",
        multiarch="aarch64-linux-gnu",
    ),
    Platform(
        "linux/arm/v7", "armv7-unknown-linux-gnueabihf", "armv7-unknown-linux-musleabihf",
        "gcc-arm-linux-gnueabihf", "libc6-dev-armhf-cross", "arm-linux-gnueabihf-gcc",
        "armhf",
        multiarch="arm-linux-gnueabihf",
    ),
    Platform(
        "linux/arm/v6", "arm-unknown-linux-gnueabi", "arm-unknown-linux-musleabi",
        "gcc-arm-linux-gnueabi", "libc6-dev-armel-cross", "arm-linux-gnueabi-gcc",
        "armel",
        caveat=(
            "soft-float ARMv6 (Raspberry Pi Zero/1) matching Debian armel; Debian's armhf gcc "
            "targets ARMv7 and cannot build for it, and debian:bookworm-slim resolves to armel (v5)"
        ),
        multiarch="arm-linux-gnueabi",
    ),
    Platform(
        "linux/386", "i686-unknown-linux-gnu", "i686-unknown-linux-musl",
        "gcc-i686-linux-gnu", "libc6-dev-i386-cross", "i686-linux-gnu-gcc",
        "i386",
        caveat="32-bit x86; few hosts still need it and distroless publishes no image for it",
        multiarch="i386-linux-gnu",
    ),
    Platform(
        "linux/ppc64le", "powerpc64le-unknown-linux-gnu", "powerpc64le-unknown-linux-musl",
        "gcc-powerpc64le-linux-gnu", "libc6-dev-ppc64el-cross", "powerpc64le-linux-gnu-gcc",
        "ppc64el",
        multiarch="powerpc64le-linux-gnu",
    ),
    Platform(
        "linux/s390x", "s390x-unknown-linux-gnu", None,
        "gcc-s390x-linux-gnu", "libc6-dev-s390x-cross", "s390x-linux-gnu-gcc",
        "s390x",
        caveat="its musl target is tier 3 with no rustup std: glibc runtimes only",
        multiarch="s390x-linux-gnu",
    ),
    Platform(
        "linux/riscv64", "riscv64gc-unknown-linux-gnu", "riscv64gc-unknown-linux-musl",
        "gcc-riscv64-linux-gnu", "libc6-dev-riscv64-cross", "riscv64-linux-gnu-gcc",
        "riscv64",
        caveat="no bookworm runtime image: needs a trixie, alpine or scratch runtime",
        multiarch="riscv64-linux-gnu",
    ),
)

DEFAULT_PLATFORMS: tuple[str, ...] = ("linux/amd64", "linux/arm64", "linux/arm/v7")
# GitHub's hosted ubuntu-latest runners, where BUILDPLATFORM is linux/amd64.
NATIVE_PLATFORM = "linux/amd64"

_BY_NAME = {p.name: p for p in PLATFORMS}
_BY_TRIPLE = {t: p for p in PLATFORMS for t in (p.gnu_triple, p.musl_triple) if t}
# What BuildKit accepts in --platform / platforms: os/arch[/variant].
_PLATFORM_RE = re.compile(r"^[a-z0-9]+/[a-z0-9_]+(/[a-z0-9]+)?$")
# Aliases BuildKit normalises (linux/arm64/v8 is linux/arm64, linux/arm is linux/arm/v7).
_ALIASES = {"linux/arm64/v8": "linux/arm64", "linux/arm": "linux/arm/v7", "linux/x86_64": "linux/amd64",
            "linux/aarch64": "linux/arm64"}


def normalize(name: str) -> str:
    """The canonical spelling of a platform string (``linux/arm64/v8`` -> ``linux/arm64``).

    A bare architecture is a Linux platform, as BuildKit parses it (``--platform=amd64`` is
    ``linux/amd64``, ``arm`` is ``linux/arm/v7``).
    """
    name = name.strip().lower()
    name = _ALIASES.get(name, name)
    if "/" not in name and name and "$" not in name:
        prefixed = _ALIASES.get(f"linux/{name}", f"linux/{name}")
        if prefixed in _BY_NAME:
            return prefixed
    return name


def get(name: str) -> Platform | None:
    """The platform named ``name`` (any BuildKit alias), or None when rsdock does not know it."""
    return _BY_NAME.get(normalize(name))


def require(name: str) -> Platform:
    """The platform named ``name``, for names that come from this table.

    Raises:
        KeyError: when rsdock does not know ``name`` (a bug in the caller).
    """
    platform = get(name)
    if platform is None:
        raise KeyError(f"{name!r} is not in the platform table")
    return platform


def by_triple(triple: str) -> Platform | None:
    """The platform a Rust triple (gnu or musl) builds for, or None."""
    return _BY_TRIPLE.get(triple)


def is_platform_string(text: str) -> bool:
    """Whether ``text`` is shaped like a BuildKit platform (``os/arch[/variant]``)."""
    return bool(_PLATFORM_RE.match(text.strip()))


def linker_env_var(triple: str) -> str:
    """The cargo variable that sets the linker for ``triple``: ``CARGO_TARGET_<TRIPLE>_LINKER``."""
    return f"CARGO_TARGET_{triple.upper().replace('-', '_').replace('.', '_')}_LINKER"


def cc_env_suffix(triple: str) -> str:
    """The suffix cc-rs reads for per-target tools: ``CC_<triple_with_underscores>``."""
    return triple.replace("-", "_")


def linker_for_triple(triple: str) -> str | None:
    """The Debian cross gcc that links ``triple`` (gnu or musl), or None for an unknown triple."""
    platform = by_triple(triple)
    return platform.linker if platform else None


def names() -> tuple[str, ...]:
    """Every platform rsdock offers, in the table's order."""
    return tuple(p.name for p in PLATFORMS)


# Spellings BuildKit does not normalise (containerd's platforms.Normalize knows aarch64, x86_64,
# armhf, armel and i386, but not these): a build for them fails with "unknown platform" or
# builds the wrong variant. Each maps to the platform that was meant.
MISSPELLED: dict[str, str] = {
    "linux/armv7": "linux/arm/v7",
    "linux/armv7l": "linux/arm/v7",
    "linux/armv6": "linux/arm/v6",
    "linux/armv6l": "linux/arm/v6",
    "linux/arm64v8": "linux/arm64",
    "linux/ppc64el": "linux/ppc64le",
    "linux/x86-64": "linux/amd64",
}


def misspelled(name: str) -> str | None:
    """The platform ``name`` was meant to be when it is a known misspelling, else None."""
    return MISSPELLED.get(name.strip().lower())


# Real Rust triples for a platform besides the table's gnu and musl ones, and why they fit.
# (Checked against `rustc --print target-list` of rustc 1.95, tier 2 with host tools or std.)
ALTERNATE_TRIPLES: dict[str, str] = {
    # Alpine's armhf is ARMv6 hard-float: what linux/arm/v6 Alpine images run
    "arm-unknown-linux-musleabihf": "linux/arm/v6",
    # ARMv7 with NEON, and ARMv7 soft-float musl: both run on linux/arm/v7
    "thumbv7neon-unknown-linux-gnueabihf": "linux/arm/v7",
    "armv7-unknown-linux-musleabi": "linux/arm/v7",
    "armv7-unknown-linux-gnueabi": "linux/arm/v7",
    # 64-bit x86 with glibc 2.17 compatibility is the same triple; i586 runs on linux/386
    "i586-unknown-linux-gnu": "linux/386",
    "i586-unknown-linux-musl": "linux/386",
}


def platform_of_triple(triple: str) -> Platform | None:
    """The platform a Rust triple builds for: the table's own triples, then the
    :data:`ALTERNATE_TRIPLES` that also fit it."""
    return by_triple(triple) or get(ALTERNATE_TRIPLES.get(triple, ""))
