"""Crate versions and the ranges a knowledge row holds for (``">=0.37.0, <0.45.0"``).

Semver as cargo writes it in ``Cargo.lock`` (``1.2.3``, ``0.8.0-alpha.1``, ``1.0.0+build``);
a range is comma-separated comparisons (``>=``, ``>``, ``<=``, ``<``, ``=``), all of which must
hold. A pre-release sorts before its release; build metadata is ignored. A version that does not
parse matches no range (the caller then knows nothing about it: the conservative answer).
"""

from __future__ import annotations

import re
from functools import lru_cache

_VERSION_RE = re.compile(r"^(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$")
_COMPARE_RE = re.compile(r"^(>=|<=|>|<|=)?\s*(\S+)$")

Key = tuple[int, int, int, int, tuple[str, ...]]


def parse(version: str) -> Key | None:
    """A sortable key for ``version``, or None when it is not a semver version."""
    match = _VERSION_RE.match(version.strip())
    if match is None:
        return None
    pre = tuple(match[4].split(".")) if match[4] else ()
    # A release (no pre-release part) sorts after every pre-release of the same version.
    return (int(match[1]), int(match[2]), int(match[3]), 0 if pre else 1, pre)


@lru_cache(maxsize=512)
def _comparisons(spec: str) -> tuple[tuple[str, Key], ...] | None:
    found = []
    for part in spec.split(","):
        match = _COMPARE_RE.match(part.strip())
        key = parse(match[2]) if match else None
        if match is None or key is None:
            return None
        found.append((match[1] or "=", key))
    return tuple(found)


def in_range(version: str, spec: str) -> bool:
    """Whether ``version`` satisfies every comparison of ``spec``.

    Raises:
        ValueError: ``spec`` is not a range (a knowledge table's mistake, not the user's).
    """
    comparisons = _comparisons(spec)
    if comparisons is None:
        raise ValueError(f"not a version range: {spec!r}")
    key = parse(version)
    if key is None:
        return False
    checks = {">=": key.__ge__, ">": key.__gt__, "<=": key.__le__, "<": key.__lt__,
              "=": key.__eq__}
    return all(checks[op](bound) for op, bound in comparisons)


def at_least(found: str, minimum: str) -> bool:
    """Whether a library version ``found`` (``5.4.1``, a Debian upstream version; fewer parts
    are padded with zeros) is at least ``minimum``, as pkg-config's ``--atleast-version``
    compares them. A version that does not parse counts as new enough (nothing is known)."""
    def numbers(text: str) -> tuple[int, ...] | None:
        parts = re.findall(r"\d+", text.split("~")[0].split("+")[0])
        return tuple(int(p) for p in parts) if parts else None
    have, want = numbers(found), numbers(minimum)
    if have is None or want is None:
        return True
    width = max(len(have), len(want))
    return have + (0,) * (width - len(have)) >= want + (0,) * (width - len(want))
