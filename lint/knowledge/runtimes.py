"""Runtime bases: the final stage's image and what it does and does not carry; the only place
these facts live.

The generator (plan validation, rendering, the ``runtime-<name>.j2`` templates), the editor
(inferring the runtime of existing files, refusing a platform), both front ends and the linter
(RS302's CA-bundle check) read this table. Adding a runtime is one :class:`Runtime` row here plus
its ``templates/runtime-<name>.j2``; ``tests/lint/knowledge/test_runtimes.py`` renders and lints
every row.

Sources (checked 2026-12-01): Docker Hub's official ``debian`` and ``alpine`` images (tags and
architectures); GoogleContainerTools/distroless README (``cc-debian12``/``cc-debian13``,
``:nonroot`` runs as 65532, architectures amd64, arm64, arm, ppc64le, s390x); Debian's ``tini``
package (``/usr/bin/tini`` and ``/usr/bin/tini-static`` on every release architecture) and
alpine's (``/sbin/tini``); the research digest (DIGEST.md section 2: riscv64 is a Debian
architecture from trixie on; no rustup std for s390x musl).
"""

from __future__ import annotations

import re
from typing import Literal

from rsdock.lint.knowledge.platforms import Platform
from rsdock.records import field, record

ALPINE_VERSION = "3.22"


@record(frozen=True)
class DebianRelease:
    """A Debian release a runtime (and the tini stage) can be based on.

    Attributes:
        name: the codename (``bookworm``).
        version: the release number (``12``), as distroless names its images.
        architectures: the dpkg architectures it publishes images and packages for, or None for
            every architecture of the platform table.
    """

    name: str
    version: str
    architectures: frozenset[str] | None = None

    def has(self, platform: Platform) -> bool:
        """Whether the release publishes ``platform``'s architecture."""
        return self.architectures is None or platform.debian_arch in self.architectures


DEBIAN_RELEASES: tuple[DebianRelease, ...] = (
    DebianRelease("bookworm", "12", frozenset({"amd64", "arm64", "armhf", "armel", "i386",
                                               "ppc64el", "s390x", "mips64el"})),
    DebianRelease("trixie", "13"),
)
DEFAULT_DEBIAN = "bookworm"


def debian(name: str) -> DebianRelease:
    """The release named ``name``.

    Raises:
        KeyError: for a codename rsdock does not offer.
    """
    for release in DEBIAN_RELEASES:
        if release.name == name:
            return release
    raise KeyError(f"unknown Debian release {name!r}")


def debian_names() -> tuple[str, ...]:
    """The Debian releases rsdock offers, oldest first."""
    return tuple(r.name for r in DEBIAN_RELEASES)


def debian_for(chosen: tuple[Platform, ...], preferred: str) -> str:
    """``preferred``, or the first later release that publishes every one of ``chosen``
    (riscv64 needs trixie) — for stages that must run on every target architecture."""
    names = debian_names()
    for name in names[names.index(preferred):]:
        if all(debian(name).has(p) for p in chosen):
            return name
    return names[-1]


@record(frozen=True, eq=False)
class Runtime:
    """One runtime base rsdock generates and recognises.

    Attributes:
        name: the choice's name (``--runtime``, ``rsdock.toml``), also its template's suffix.
        summary: why one would pick it, for the wizard and the prompts; ``{release}`` is the
            chosen Debian release.
        images: the ``FROM`` image by Debian release (a runtime that does not follow the release
            has the same image for every one).
        pattern: what an existing ``FROM`` of this runtime looks like (lower-case, no digest);
            a ``release`` group reads the Debian release from it.
        libc: ``gnu`` (glibc, dynamically linked binary) or ``musl`` (static binary).
        shell: whether the image has a shell (to debug with, and for shell-form commands).
        package_manager: ``apt``, ``apk`` or None.
        target_run: whether the runtime stage always runs ``RUN`` (on the target platform, so
            under QEMU in CI). None does: tini, the CA bundle, the app user and the C
            libraries are prepared on the build machine.
        tini: where tini is in the image (the ENTRYPOINT's first word).
        tini_from: ``package`` (installed by the package manager) or ``tini-stage`` (Debian's
            tini for the target architecture, unpacked on ``$BUILDPLATFORM`` and copied).
        uid: the unprivileged uid:gid the image runs as (created by the RUN, or the image's own
            ``nonroot`` user).
        ca: ``install`` (the image has no CA bundle: install ``ca-certificates``), ``bundled``
            (the image ships one) or ``copy`` (copied from the tini stage).
        c_libraries: how the shared libraries of C crates get into the image: ``copy`` (their
            Depends closure minus what the image ships, downloaded for the target architecture
            and unpacked in the tini stage on the build machine) or None (static binary).
        asks_release: whether the user chooses the Debian release for this runtime.
        published: the platforms the image is published for, or None for those the release
            (or, for static runtimes, the libc) allows.
        unpublished: the refusal for a platform outside ``published`` (``{platform}``).
        release_bound: whether the image exists only for the Debian release's architectures.
    """

    name: str
    summary: str
    images: dict[str, str]
    pattern: str
    libc: Literal["gnu", "musl"]
    shell: bool
    package_manager: str | None
    target_run: bool
    tini: str
    tini_from: Literal["package", "tini-stage"]
    uid: int
    ca: Literal["install", "bundled", "copy"]
    c_libraries: Literal["copy"] | None
    asks_release: bool = False
    published: frozenset[str] | None = None
    unpublished: str = ""
    release_bound: bool = False
    _compiled: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_compiled", re.compile(self.pattern))

    def image(self, release: str = DEFAULT_DEBIAN) -> str:
        """The ``FROM`` image for Debian ``release``."""
        return self.images.get(release) or next(iter(self.images.values()))

    def describe(self, release: str = DEFAULT_DEBIAN) -> str:
        """:attr:`summary` for Debian ``release``."""
        return self.summary.format(release=release)

    @property
    def needs_tini_stage(self) -> bool:
        """Whether the Dockerfile needs the ``$BUILDPLATFORM`` stage that fetches tini-static."""
        return self.tini_from == "tini-stage" or self.ca == "copy" or self.c_libraries == "copy"

    def match(self, image: str) -> tuple[bool, str | None]:
        """Whether ``image`` (a ``FROM`` reference) is this runtime, and its Debian release
        when the reference names one."""
        found = self._compiled.match(image.split("@", 1)[0].lower())
        if not found:
            return False, None
        return True, found.groupdict().get("release")

    def supports(self, platform: Platform, release: str) -> bool:
        """Whether the runtime exists for ``platform`` on Debian ``release``."""
        return ((not self.release_bound or debian(release).has(platform))
                and (self.published is None or platform.name in self.published)
                and (self.libc == "gnu" or platform.musl_triple is not None))

    def refusal(self, platform: Platform, release: str) -> tuple[str, str] | None:
        """Why no image of this runtime exists for ``platform`` on ``release`` and the way out,
        or None."""
        if self.release_bound and not debian(release).has(platform):
            releases = [r.name for r in DEBIAN_RELEASES if r.has(platform)]
            others = _others(self, platform)
            return (f"{platform.name} has no {self.image(release)} image",
                    f"choose the Debian release {join_or(releases)}"
                    + (f", or the {join_or(others)} runtime" if others else ""))
        if self.published is not None and platform.name not in self.published:
            return (self.unpublished.format(platform=platform.name),
                    f"drop the platform or use the {join_or(_others(self, platform))} runtime")
        return None

    def libc_refusal(self, platform: Platform) -> tuple[str, str] | None:
        """Why the runtime's libc cannot be targeted on ``platform`` and the way out, or None."""
        if self.libc == "musl" and platform.musl_triple is None:
            glibc = [r.name for r in RUNTIMES if r.libc == "gnu" and _anywhere(r, platform)]
            return (f"{platform.name} has no musl target with a rustup std, which the "
                    f"{self.name} runtime needs",
                    f"drop the platform or use a glibc runtime ({join_or(glibc)})")
        return None


def _anywhere(runtime: Runtime, platform: Platform) -> bool:
    """Whether ``runtime`` exists for ``platform`` on some Debian release."""
    return any(runtime.supports(platform, r.name) for r in DEBIAN_RELEASES)


def _others(runtime: Runtime, platform: Platform) -> list[str]:
    return [r.name for r in RUNTIMES if r is not runtime and _anywhere(r, platform)]


def join_or(names: list[str] | tuple[str, ...]) -> str:
    """``a``, ``a or b``, ``a, b or c``."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


_DISTROLESS_PLATFORMS = frozenset({"linux/amd64", "linux/arm64", "linux/arm/v7", "linux/ppc64le",
                                   "linux/s390x"})

RUNTIMES: tuple[Runtime, ...] = (
    Runtime(
        "debian-slim",
        "debian:{release}-slim with tini and ca-certificates: glibc, so crates linking C "
        "(OpenSSL, libpq) just work, and a shell to debug with; about 80 MB plus your binary.",
        images={r.name: f"debian:{r.name}-slim" for r in DEBIAN_RELEASES},
        pattern=r"^(?:docker\.io/library/)?debian:(?P<release>[\w.-]+)-slim$",
        libc="gnu", shell=True, package_manager="apt", target_run=False,
        tini="/usr/bin/tini", tini_from="tini-stage", uid=10001, ca="copy",
        c_libraries="copy", asks_release=True, release_bound=True,
    ),
    Runtime(
        "distroless",
        "gcr.io/distroless/cc: glibc without shell or package manager, smaller attack surface; "
        "tini-static is copied in as PID 1. No shell to debug with.",
        images={r.name: f"gcr.io/distroless/cc-debian{r.version}:nonroot"
                for r in DEBIAN_RELEASES},
        pattern=r"^gcr\.io/distroless/",
        libc="gnu", shell=False, package_manager=None, target_run=False,
        tini="/usr/bin/tini", tini_from="tini-stage", uid=65532, ca="bundled",
        c_libraries="copy", published=_DISTROLESS_PLATFORMS,
        unpublished="gcr.io/distroless/cc publishes no {platform} image",
    ),
    Runtime(
        "alpine",
        "alpine with a static musl binary: about 10 MB, a shell and apk; C-library crates need "
        "musl builds and musl's allocator is slower.",
        images={"": f"alpine:{ALPINE_VERSION}"},
        pattern=r"^(?:docker\.io/library/)?alpine(?::|$)",
        libc="musl", shell=True, package_manager="apk", target_run=False,
        tini="/sbin/tini", tini_from="tini-stage", uid=10001, ca="bundled", c_libraries=None,
    ),
    Runtime(
        "scratch",
        "an empty image with a static musl binary, tini-static and the CA bundle: smallest, "
        "but nothing to debug with.",
        images={"": "scratch"},
        pattern=r"^scratch$",
        libc="musl", shell=False, package_manager=None, target_run=False,
        tini="/usr/bin/tini", tini_from="tini-stage", uid=65532, ca="copy", c_libraries=None,
    ),
)
DEFAULT_RUNTIME = "debian-slim"

_BY_NAME = {r.name: r for r in RUNTIMES}


def get(name: str) -> Runtime | None:
    """The runtime named ``name``, or None."""
    return _BY_NAME.get(name)


def require(name: str) -> Runtime:
    """The runtime named ``name``, for names already validated.

    Raises:
        KeyError: when rsdock offers no such runtime (a bug in the caller).
    """
    runtime = get(name)
    if runtime is None:
        raise KeyError(f"{name!r} is not in the runtime table")
    return runtime


def names() -> tuple[str, ...]:
    """Every runtime rsdock offers, in the table's order (the first is the default)."""
    return tuple(r.name for r in RUNTIMES)


def identify(image: str) -> tuple[Runtime, str | None] | None:
    """The runtime an existing ``FROM`` image is, with the Debian release it names, or None."""
    for runtime in RUNTIMES:
        matched, release = runtime.match(image)
        if matched:
            return runtime, release
    return None


def platform_refusal(runtime: str, release: str, platform: Platform) -> tuple[str, str] | None:
    """Why ``platform`` cannot be built for the ``runtime`` base on ``release``, with the way
    out; None when it can (or the runtime is unknown: the plan refuses that on its own)."""
    found = get(runtime)
    if found is None:
        return None
    return found.refusal(platform, release) or found.libc_refusal(platform)

