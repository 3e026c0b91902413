"""Regenerate ``lint/knowledge/debian_deps.json`` from Debian's package lists.

For each release rsdock supports (bookworm, trixie) and each architecture its platforms use
(amd64, arm64, armhf), read ``dists/<release>/main/binary-<arch>/Packages.xz`` and keep the
packages rsdock's knowledge names (the C-crate table's runtime and ``-dev`` packages, and the
packages the generated and linted runtimes install: ca-certificates, tini, git, curl, ...) with
their Depends/Pre-Depends/Recommends closure. An alternative (``a | b``) is apt's choice, the
first; a virtual package is resolved to its first real provider.

Usage::

    python scripts/gen_debian_deps.py [--mirror URL] [--cache DIR] [--out FILE]

``--cache DIR`` keeps the downloaded ``<release>-<arch>.xz`` files (and reads them from there
when present, so a re-run is offline).
"""

from __future__ import annotations

import argparse
import datetime
import email.utils
import json
import lzma
import re
import sys
import tomllib
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "lint" / "knowledge" / "debian_deps.json"
CCRATES = ROOT / "lint" / "knowledge" / "ccrates.toml"
MIRROR = "http://deb.debian.org/debian"
RELEASES = ("bookworm", "trixie")
ARCHES = ("amd64", "arm64", "armhf")
# Packages rules and templates name besides the C-crate table's.
EXTRA_SEEDS = ("ca-certificates", "tini", "git", "wget", "curl", "openssl", "tzdata", "libc6",
               "libgcc-s1", "libstdc++6", "libssl3", "libssl3t64", "zlib1g", "netbase",
               "base-files", "media-types", "gcc-12-base", "gcc-14-base", "libgomp1",
               "libzstd1", "musl-tools")
_DEP_FIELDS = ("Pre-Depends", "Depends")


def seeds() -> list[str]:
    """Every Debian package the C-crate table names, the cross toolchains of the platforms
    rsdock builds for (``gcc-``/``g++-<arch>-linux-gnu``, ``libc6-dev-<arch>-cross``: RS206
    asks what they bring), and :data:`EXTRA_SEEDS` (``musl-tools``: RS212 asks whether it
    brings the stage's own ``musl-dev``)."""
    from rsdock.lint.knowledge import platforms
    table = tomllib.loads(CCRATES.read_text(encoding="utf-8"))
    found = list(EXTRA_SEEDS)
    for platform in platforms.PLATFORMS:
        found += [platform.gcc_package, platform.gcc_package.replace("gcc-", "g++-", 1),
                  platform.libc_package, f"crossbuild-essential-{platform.debian_arch}"]
    for row in table.get("crate", {}).values():
        mode = row.get("system_mode") or {}
        extras = [e for e in (row.get("with_dependency") or {}).values() if isinstance(e, dict)]
        for key in ("runtime_packages", "runtime_packages_trixie", "dev_packages"):
            found += list(row.get(key) or []) + list(mode.get(key) or [])
            found += [p for extra in extras for p in extra.get(key) or []]
    return sorted(set(found))


def fetch(release: str, arch: str, mirror: str, cache: Path | None) -> tuple[bytes, str]:
    """The Packages.xz bytes and the URL they came from (the cache first)."""
    url = f"{mirror}/dists/{release}/main/binary-{arch}/Packages.xz"
    cached = cache / f"{release}-{arch}.xz" if cache else None
    if cached and cached.exists():
        return cached.read_bytes(), url
    with urllib.request.urlopen(url, timeout=120) as response:  # noqa: S310 (a fixed mirror)
        data = response.read()
    if cached:
        cached.parent.mkdir(parents=True, exist_ok=True)
        cached.write_bytes(data)
    return data, url


def release_date(release: str, mirror: str) -> str:
    """The ``Date:`` of the release's ``Release`` file, as ISO 8601."""
    with urllib.request.urlopen(f"{mirror}/dists/{release}/Release", timeout=60) as response:
        for line in response.read().decode("utf-8", "replace").splitlines():
            if line.startswith("Date:"):
                return email.utils.parsedate_to_datetime(line[5:].strip()).isoformat()
    return ""


def parse(text: str) -> tuple[dict[str, dict[str, str]], dict[str, list[str]]]:
    """``({package: fields}, {virtual name: providers})`` of a Packages file."""
    packages: dict[str, dict[str, str]] = {}
    provides: dict[str, list[str]] = {}
    for stanza in text.split("\n\n"):
        fields: dict[str, str] = {}
        key = ""
        for line in stanza.splitlines():
            if line.startswith((" ", "\t")) and key:
                fields[key] += " " + line.strip()
            elif ":" in line:
                key, _, value = line.partition(":")
                fields[key] = value.strip()
        name = fields.get("Package")
        if not name or name in packages:
            continue
        packages[name] = fields
        for item in _items(fields.get("Provides", "")):
            provides.setdefault(item[0], []).append(name)
    return packages, provides


def _items(value: str) -> list[list[str]]:
    """A dependency field as a list of alternatives, each a list of package names."""
    found = []
    for group in value.split(","):
        names = [re.sub(r"[\s(\[<].*$", "", a.strip()).split(":")[0] for a in group.split("|")]
        names = [n for n in names if n]
        if names:
            found.append(names)
    return found


def _choose(alternatives: list[str], packages: dict, provides: dict) -> str | None:
    for name in alternatives:
        if name in packages:
            return name
        if provides.get(name):
            return sorted(provides[name])[0]
    return None


def closure(start: list[str], packages: dict, provides: dict) -> dict[str, dict]:
    """Each package reachable from ``start`` over Depends, Pre-Depends and Recommends."""
    rows: dict[str, dict] = {}
    queue = [p for p in start if p in packages]
    while queue:
        name = queue.pop()
        if name in rows:
            continue
        fields = packages[name]
        depends = [c for f in _DEP_FIELDS for alt in _items(fields.get(f, ""))
                   if (c := _choose(alt, packages, provides))]
        recommends = [c for alt in _items(fields.get("Recommends", ""))
                      if (c := _choose(alt, packages, provides))]
        rows[name] = {"version": fields.get("Version", ""),
                      "depends": sorted(set(depends)), "recommends": sorted(set(recommends))}
        if fields.get("Essential") == "yes":
            rows[name]["essential"] = True
        if fields.get("Architecture") == "all":  # `apt-get download NAME`, never NAME:<arch>
            rows[name]["all"] = True
        queue += depends + recommends
    return rows


def render(tables: dict[tuple[str, str], dict], sources: dict, dates: dict,
           start: list[str]) -> str:
    """JSON (parsed in a millisecond, where tomllib takes a quarter second on this size): per
    release the first architecture's packages, and for the others only what differs."""
    data: dict = {"generated_by": "scripts/gen_debian_deps.py (do not edit by hand)",
                  "read_by": "lint/knowledge/debian_deps.py", "read_on": datetime.date.today().isoformat(),
                  "seeds": start, "releases": {}}
    for release in RELEASES:
        base = tables[release, ARCHES[0]]
        entry = {"date": dates[release], "base_arch": ARCHES[0],
                 "sources": {arch: sources[release, arch] for arch in ARCHES},
                 "packages": base, "differences": {}}
        for arch in ARCHES[1:]:
            rows = tables[release, arch]
            entry["differences"][arch] = {
                "packages": {n: r for n, r in rows.items() if base.get(n) != r},
                "absent": sorted(set(base) - set(rows))}
        data["releases"][release] = entry
    return json.dumps(data, indent=1, sort_keys=True) + "\n"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mirror", default=MIRROR)
    parser.add_argument("--cache", type=Path)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    start = seeds()
    tables, sources, dates = {}, {}, {}
    for release in RELEASES:
        dates[release] = release_date(release, args.mirror)
        for arch in ARCHES:
            data, url = fetch(release, arch, args.mirror, args.cache)
            packages, provides = parse(lzma.decompress(data).decode("utf-8", "replace"))
            tables[release, arch] = closure(start, packages, provides)
            sources[release, arch] = url
            missing = [p for p in start if p not in packages]
            print(f"{release}/{arch}: {len(tables[release, arch])} packages"
                  + (f" (not in this release: {', '.join(missing)})" if missing else ""))
    args.out.write_text(render(tables, sources, dates, start), encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
