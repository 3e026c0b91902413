"""Debian releases and their glibc: what a binary built on one needs at run time.

A binary linked against glibc 2.36 (bookworm) asks for symbol versions up to ``GLIBC_2.36`` (in
practice the ones it uses, often 2.34 and later on bookworm) and does not start on an older
glibc: "version `GLIBC_2.34' not found". So the runtime's release must not be older than the
builder's. The one place rsdock knows which release an image tag means.

Source: the libc6 version of each release on packages.debian.org (buster 2.28-10, bullseye
2.31-13, bookworm 2.36-9, trixie 2.41-12), checked 2026-12-01; Ubuntu's on packages.ubuntu.com
(focal 2.31, jammy 2.35, noble 2.39, oracular 2.40, plucky 2.41, questing 2.42).

Tags that name no release (``rust:latest``, ``rust:1``, ``rust:1.95``, cargo-chef's
``latest-rust-1``) are read too, by :func:`glibc_release`: Docker's official ``rust`` image gives
its unsuffixed tags the newest Debian stable variant, so ``rust:1`` is :data:`CURRENT`. A tag
pinned to one Rust version (``rust:1.86``) stopped moving when that version was superseded: it
is the release that was newest then (:data:`RUST_DEFAULT_SINCE`).
"""

from __future__ import annotations

import re

from rsdock.records import record


@record(frozen=True)
class Release:
    """A Debian release: codename, number and its glibc version."""

    codename: str
    number: int
    glibc: tuple[int, int]
    distro: str = "debian"
    version: str = ""  # Ubuntu's "22.04"; Debian's is its number

    @property
    def glibc_text(self) -> str:
        """``2.36``."""
        return f"{self.glibc[0]}.{self.glibc[1]}"

    @property
    def label(self) -> str:
        """How messages name it: ``bookworm``, ``Ubuntu 22.04``."""
        return self.codename if self.distro == "debian" else f"Ubuntu {self.version}"


RELEASES: tuple[Release, ...] = (
    Release("buster", 10, (2, 28)),
    Release("bullseye", 11, (2, 31)),
    Release("bookworm", 12, (2, 36)),
    Release("trixie", 13, (2, 41)),
)
UBUNTU_RELEASES: tuple[Release, ...] = (
    Release("focal", 20, (2, 31), "ubuntu", "20.04"),
    Release("jammy", 22, (2, 35), "ubuntu", "22.04"),
    Release("noble", 24, (2, 39), "ubuntu", "24.04"),
    Release("oracular", 24, (2, 40), "ubuntu", "24.10"),
    Release("plucky", 25, (2, 41), "ubuntu", "25.04"),
    Release("questing", 25, (2, 42), "ubuntu", "25.10"),
)
# The Debian release that is "stable" now: what unsuffixed tags of Debian-based official images
# (rust:latest, rust:1, debian:stable-slim) are built on. trixie became stable on 2025-08-09
# (https://www.debian.org/News/2025/20250809); update this row when forky is released.
CURRENT = "trixie"
CURRENT_SINCE = "2025-08-09"
# Rust minor version -> the Debian release its unsuffixed official image tag (rust:1.N) ended on:
# each tag is rebuilt only while its version is the newest, so it keeps the release that was
# default then. Read from the release dates (Rust 1.70 was newest when bookworm was released on
# 2023-06-10, Rust 1.89 when trixie was on 2025-08-09), checked 2026-12-07; older minors are
# not judged.
RUST_DEFAULT_SINCE: tuple[tuple[int, str], ...] = ((89, "trixie"), (70, "bookworm"))
_BY_CODENAME = {r.codename: r for r in RELEASES}
_UBUNTU = {r.version: r for r in UBUNTU_RELEASES} | {r.codename: r for r in UBUNTU_RELEASES}
_BY_NUMBER = {r.number: r for r in RELEASES}
_CODENAME_RE = re.compile(r"(?<![a-z])(" + "|".join(_BY_CODENAME) + r")(?![a-z])")
_DEBIAN_NUMBER_RE = re.compile(r"^(?:docker\.io/)?(?:library/)?debian:(\d+)(?:[.-]|$)")
_DISTROLESS_RE = re.compile(r"^gcr\.io/distroless/[a-z0-9_-]+?-debian(\d+)(?::|@|$)")


def get(codename: str) -> Release | None:
    """The release called ``codename`` (``bookworm``), or None."""
    return _BY_CODENAME.get(codename)


def of_image(image: str) -> Release | None:
    """The Debian release an image reference is built on, when its name or tag says so.

    ``debian:bookworm-slim``, ``debian:12``, ``rust:1.86-slim-bookworm``,
    ``gcr.io/distroless/cc-debian12``; None for a tag that does not say (``rust:1.86``, whose
    release changes with the Rust version) or an image that is not Debian.
    """
    image = image.strip().lower().split("@", 1)[0]  # a digest pins the tag; the tag names it
    match = _DISTROLESS_RE.match(image)
    if match:
        return _BY_NUMBER.get(int(match[1]))
    match = _DEBIAN_NUMBER_RE.match(image)
    if match:
        return _BY_NUMBER.get(int(match[1]))
    name, _, tag = image.rpartition(":") if ":" in image.rsplit("/", 1)[-1] else (image, "", "")
    match = _CODENAME_RE.search(tag)
    return _BY_CODENAME[match[1]] if match else None


_REFERENCE_RE = re.compile(r"^(?:docker\.io/)?(?:library/)?(?P<name>[a-z0-9._/-]+?)"
                           r"(?::(?P<tag>[a-z0-9._-]+))?(?:@sha256:[0-9a-f]+)?$")
_RUST_TAG_RE = re.compile(r"^(?:latest|slim|1(?:\.(?P<minor>\d+)(?:\.\d+)?)?(?:-slim)?)$")
_CHEF_TAG_RE = re.compile(r"^(?:latest|[0-9.]+)-rust-(?P<rust>[a-z0-9._-]+)$")


def glibc_release(image: str) -> tuple[Release, str] | None:
    """The release whose glibc a binary built or run on ``image`` gets, and how it was read.

    Names and tags that say their release (:func:`of_image`) come first; then Ubuntu
    (``ubuntu:22.04``, ``ubuntu:jammy``); then tags that name none: ``rust:latest``, ``rust:1``,
    ``rust:1-slim`` and ``debian:stable-slim`` are :data:`CURRENT` (``ubuntu:latest`` is not
    read: it follows Ubuntu's LTS releases, not Debian's); ``rust:1.N`` is the release
    that was newest while Rust 1.N was (:data:`RUST_DEFAULT_SINCE`); cargo-chef's
    ``latest-rust-<tag>`` is its ``rust:<tag>``.

    Returns:
        ``(release, why)``: ``why`` is "" when the image names its release, else a phrase saying
        how the release was inferred; None when it cannot be told (alpine, a variable, an
        unknown image).
    """
    named = of_image(image)
    if named is not None:
        return named, ""
    match = _REFERENCE_RE.match(image.strip().lower())
    if match is None:
        return None
    name, tag = match["name"], match["tag"] or "latest"
    short = name.rsplit("/", 1)[-1]
    if short == "ubuntu":
        # `ubuntu:latest` moves with each LTS (26.04 since April 2026, not in the table): unknown
        release = _UBUNTU.get(tag)
        return (release, "") if release is not None else None
    if short == "cargo-chef":
        chef = _CHEF_TAG_RE.match(tag)
        if chef is None:
            return None
        found = glibc_release(f"rust:{chef['rust']}")
        return (found[0], f"{image.strip()} is built on rust:{chef['rust']}"
                + (f", which {found[1].split(' ', 1)[1]}" if found[1] else "")) if found else None
    if name == "debian" and tag in ("latest", "stable", "stable-slim", "slim"):
        return _BY_CODENAME[CURRENT], f"{image.strip()} is Debian's current stable"
    if name != "rust":
        return None
    rust = _RUST_TAG_RE.match(tag)
    if rust is None:
        return None
    minor = rust["minor"]
    if minor is None:
        return (_BY_CODENAME[CURRENT],
                f"rust:{tag} follows Debian's newest release ({CURRENT} since {CURRENT_SINCE})")
    for since, codename in RUST_DEFAULT_SINCE:
        if int(minor) >= since:
            return (_BY_CODENAME[codename],
                    f"rust:{tag} names no release and was built on {codename}, Debian's newest "
                    f"while Rust 1.{minor} was")
    return None


# The last day each release gets security fixes: Debian's LTS end (wiki.debian.org/LTS: buster
# 2024-06-30, bullseye 2026-08-31, bookworm 2028-06-30, trixie 2030-06-30) and the end of
# Ubuntu's standard support (ubuntu.com/about/release-cycle: LTS five years, interim releases
# nine months). Checked 2026-12-08.
SECURITY_END: dict[str, str] = {
    "buster": "2024-06-30", "bullseye": "2026-08-31", "bookworm": "2028-06-30",
    "trixie": "2030-06-30",
    "focal": "2025-05-31", "jammy": "2027-06-01", "noble": "2029-05-31",
    "oracular": "2025-07-10", "plucky": "2026-01-15", "questing": "2026-07-09",
}
_UBUNTU_IMAGE_RE = re.compile(r"^(?:docker\.io/)?(?:library/)?ubuntu:(?P<tag>[a-z0-9._-]+)")


def release_of_image(image: str) -> Release | None:
    """The Debian (:func:`of_image`) or Ubuntu release an image names: ``ubuntu:20.04``,
    ``ubuntu:focal-20240530``; None when the tag does not say (``ubuntu:latest``)."""
    found = of_image(image)
    if found is not None:
        return found
    match = _UBUNTU_IMAGE_RE.match(image.strip().lower().split("@", 1)[0])
    if match is None:
        return None
    tag = match["tag"]
    return _UBUNTU.get(tag) or _UBUNTU.get(tag.split("-", 1)[0])
