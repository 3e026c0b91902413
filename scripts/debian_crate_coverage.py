#!/usr/bin/env python3
"""How much of a Cargo.lock Debian packages: which of its registry crates a Debian release has
as ``librust-<crate>-dev`` at a semver-compatible version (the same major version, or the same
minor below 1.0; for 0.0.x the same patch).

The build lab (tests/e2e) builds with Debian's crates as its registry (trixie's
``/usr/share/cargo/registry``), so a repository can be built there only when every crate its
lock compiles is covered. Crates for other systems (``windows-*``, ``winapi``, ``objc*``, ...)
are left out of the count. Issue #21, session 8's blind init table.

Usage: python scripts/debian_crate_coverage.py PACKAGES LOCK [LOCK ...]
    PACKAGES: a Debian ``Packages`` file (``dists/trixie/main/binary-amd64/Packages``,
    decompressed), or ``-`` for ``apt-cache dumpavail`` of this machine's release.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from collections import defaultdict
from pathlib import Path

NON_LINUX = re.compile(r"(windows|winapi|wasm-bindgen|wasi|js-sys|web-sys|objc|core-foundation|"
                       r"security-framework|block2|android|redox|hermit|dispatch2|libredox|ndk)")
_PACKAGE = re.compile(r"^Package: librust-(.+)-dev$", re.M)
_VERSION = re.compile(r"^Version: (?:\d+:)?(\S+)$", re.M)


def bucket(version: str) -> tuple[int, ...]:
    """The semver-compatibility class of ``version``: ``(1,)``, ``(0, 4)`` or ``(0, 0, 3)``."""
    parts = [int(m.group()) if (m := re.match(r"\d+", p)) else 0
             for p in version.split("+")[0].split("-")[0].split(".")[:3]]
    parts += [0] * (3 - len(parts))
    if parts[0]:
        return (parts[0],)
    return (0, parts[1]) if parts[1] else (0, 0, parts[2])


def debian_crates(packages_text: str) -> dict[str, set[str]]:
    """``{crate name (dashes): {upstream versions}}`` of the ``librust-*-dev`` packages."""
    have: dict[str, set[str]] = defaultdict(set)
    for stanza in packages_text.split("\n\n"):
        name, version = _PACKAGE.search(stanza), _VERSION.search(stanza)
        if name and version:
            # librust-nom-7-dev, librust-bitflags-1.3-dev: the semver suffix is not the name
            crate = re.sub(r"-\d+(\.\d+)*$", "", name.group(1))
            have[crate].add(version.group(1).rsplit("-", 1)[0])
    return have


def coverage(lock_text: str, have: dict[str, set[str]]) -> tuple[int, list[str]]:
    """The number of the lock's (Linux) registry crates, and those Debian lacks."""
    crates = [p for p in tomllib.loads(lock_text).get("package", [])
              if "registry" in str(p.get("source", "")) and not NON_LINUX.match(p["name"])]
    missing = [f"{p['name']} {p['version']}" for p in crates
               if not any(bucket(v) == bucket(p["version"])
                          for v in have.get(p["name"].lower().replace("_", "-"), ()))]
    return len(crates), missing


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    text = subprocess.run(["apt-cache", "dumpavail"], capture_output=True, text=True,
                          check=True).stdout if argv[0] == "-" else Path(argv[0]).read_text()
    have = debian_crates(text)
    for lock in argv[1:]:
        total, missing = coverage(Path(lock).read_text(), have)
        shown = ", ".join(missing[:12]) + (" ..." if len(missing) > 12 else "")
        print(f"{lock}: {total - len(missing)}/{total} covered; missing {len(missing)}: {shown}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
