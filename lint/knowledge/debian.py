"""Debian releases and their glibc: what a binary built on one needs at run time.

A binary linked against glibc 2.36 (bookworm) asks for symbol versions up to ``GLIBC_2.36`` (in
practice the ones it uses, often 2.34 and later on bookworm) and does not start on an older
glibc: "version `GLIBC_2.34' not found". So the runtime's release must not be older than the
builder's. The one place rsdock knows which release an image tag means.

Source: the libc6 version of each release on packages.debian.org (buster 2.28-10, bullseye
2.31-13, bookworm 2.36-9, trixie 2.41-12), checked 2026-12-01.
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

    @property
    def glibc_text(self) -> str:
        """``2.36``."""
        return f"{self.glibc[0]}.{self.glibc[1]}"


RELEASES: tuple[Release, ...] = (
    Release("buster", 10, (2, 28)),
    Release("bullseye", 11, (2, 31)),
    Release("bookworm", 12, (2, 36)),
    Release("trixie", 13, (2, 41)),
)
_BY_CODENAME = {r.codename: r for r in RELEASES}
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
    image = image.strip().lower()
    match = _DISTROLESS_RE.match(image)
    if match:
        return _BY_NUMBER.get(int(match[1]))
    match = _DEBIAN_NUMBER_RE.match(image)
    if match:
        return _BY_NUMBER.get(int(match[1]))
    name, _, tag = image.rpartition(":") if ":" in image.rsplit("/", 1)[-1] else (image, "", "")
    match = _CODENAME_RE.search(tag)
    return _BY_CODENAME[match[1]] if match else None
