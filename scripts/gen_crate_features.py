"""Regenerate ``lint/knowledge/crate_features.toml``: registry crates' ``[features]`` tables.

Offline, rsdock sees a registry crate only as a ``Cargo.lock`` entry, which lists every
optional dependency that *some* feature somewhere may enable (and, through weak ``dep?/feat``
features, some that none does: rust-lang/cargo#10801). For the few crates whose optional
dependencies decide whether a binary links a C library (diesel's ``pq-sys``, sqlx's
``sqlx-sqlite``), the table keeps each released version's ``[features]`` and dependency specs,
read from the crate's own manifest at each release tag; consecutive tags with the same data
become one version range.

Usage::

    python scripts/gen_crate_features.py GITDIR_FOR=owner/name ... [--out FILE]

Each argument maps a repository named in ``CRATES`` below to a local git directory holding its
tags (``git clone --bare https://github.com/owner/name``). Crates whose repository is not given
keep their rows from the current file.
"""

from __future__ import annotations

import argparse
import datetime
import fnmatch
import re
import subprocess
import sys
import tomllib
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "lint" / "knowledge" / "crate_features.toml"

# (crate, repository, manifest path inside it, tag patterns): the crates whose optional
# dependencies lead to C libraries and whose dependents reach them only through features.
CRATES = (
    ("diesel", "diesel-rs/diesel", "diesel/Cargo.toml", ("v2.*",)),
    ("diesel_migrations", "diesel-rs/diesel", "diesel_migrations/Cargo.toml", ("v2.*",)),
    ("sqlx", "launchbadge/sqlx", "Cargo.toml", ("v0.7.*", "v0.8.*")),
    ("sqlx-macros", "launchbadge/sqlx", "sqlx-macros/Cargo.toml", ("v0.7.*", "v0.8.*")),
    ("sqlx-macros-core", "launchbadge/sqlx", "sqlx-macros-core/Cargo.toml",
     ("v0.7.*", "v0.8.*")),
    # HTTP clients and servers whose features choose the TLS stack: native-tls/openssl (the
    # system certificate store, a C library) or rustls with bundled webpki-roots (RS302, RS309)
    ("reqwest", "seanmonstar/reqwest", "Cargo.toml", ("v0.11.*", "v0.12.*", "v0.13.*")),
    ("awc", "actix/actix-web", "awc/Cargo.toml", ("awc-v3.*",)),
    ("actix-web", "actix/actix-web", "actix-web/Cargo.toml", ("web-v4.*", "actix-web-v4.*")),
    ("actix-http", "actix/actix-web", "actix-http/Cargo.toml", ("http-v3.*", "actix-http-v3.*")),
    ("actix-tls", "actix/actix-net", "actix-tls/Cargo.toml", ("tls-v3.*", "actix-tls-v3.*")),
    # telemetry and error-reporting clients that bring reqwest with their own TLS choice
    ("opentelemetry-otlp", "open-telemetry/opentelemetry-rust", "opentelemetry-otlp/Cargo.toml",
     ("opentelemetry-otlp-0.*",)),
    ("sentry", "getsentry/sentry-rust", "sentry/Cargo.toml", ("0.3*", "0.4*")),
)
_DEP_KINDS = {"dependencies": "normal", "build-dependencies": "build"}


def _git(gitdir: str, *args: str) -> str:
    return subprocess.run(["git", "--git-dir", gitdir, *args], check=True,
                          capture_output=True, text=True).stdout


# a release tag: `v1.2.3` (`1.2.3`), or a crate's own in a repository of several (`awc-v3.8.2`,
# `opentelemetry-otlp-0.31.1`)
_TAG_RE = re.compile(r"(?:[a-z][\w-]*-)?v?(\d+\.\d+\.\d+)")


def _version(tag: str) -> str:
    """The crate version a release tag names (``awc-v3.8.2`` -> ``3.8.2``)."""
    found = _TAG_RE.fullmatch(tag)
    return found[1] if found else tag.lstrip("v")


def _version_key(tag: str) -> tuple[int, ...]:
    return tuple(int(n) for n in _version(tag).split("."))


def _release_tags(gitdir: str, patterns: tuple[str, ...]) -> list[str]:
    tags = [t for t in _git(gitdir, "tag").split()
            if any(fnmatch.fnmatch(t, p) for p in patterns) and _TAG_RE.fullmatch(t)]
    return sorted(tags, key=_version_key)


def _normalise(manifest: dict, workspace_deps: dict) -> dict:
    """The manifest's features and dependency specs, with ``workspace = true`` merged."""
    deps = []
    tables = [("", manifest)] + [(spec, table) for spec, table in
                                 (manifest.get("target") or {}).items()]
    for target, table in tables:
        for section, kind in _DEP_KINDS.items():
            for key, value in sorted((table.get(section) or {}).items()):
                spec = {"version": value} if isinstance(value, str) else dict(value)
                if spec.get("workspace"):
                    inherited = workspace_deps.get(key, {})
                    inherited = {"version": inherited} if isinstance(inherited, str) else inherited
                    features = list(inherited.get("features", [])) + list(spec.get("features", []))
                    spec = {**inherited, **spec, "features": features}
                entry = {"name": key, "package": spec.get("package", key), "kind": kind,
                         "optional": bool(spec.get("optional", False)),
                         "default-features": bool(spec.get("default-features",
                                                           spec.get("default_features", True))),
                         "features": sorted(set(spec.get("features", [])))}
                if target:
                    entry["target"] = target
                deps.append(entry)
    return {"features": manifest.get("features") or {}, "dependencies": deps}


def _read(gitdir: str, tag: str, path: str) -> dict:
    manifest = tomllib.loads(_git(gitdir, "show", f"{tag}:{path}"))
    root = tomllib.loads(_git(gitdir, "show", f"{tag}:Cargo.toml"))
    return _normalise(manifest, (root.get("workspace") or {}).get("dependencies") or {})


def rows_for(crate: str, repo: str, gitdir: str, path: str, patterns: tuple[str, ...]) -> list:
    """One row per run of consecutive release tags whose manifest data are equal."""
    tags = _release_tags(gitdir, patterns)
    groups: list[tuple[list[str], dict]] = []
    for tag in tags:
        try:
            data = _read(gitdir, tag, path)
        except subprocess.CalledProcessError:
            continue  # the crate did not exist at that tag
        if groups and groups[-1][1] == data:
            groups[-1][0].append(tag)
        else:
            groups.append(([tag], data))
    rows = []
    for i, (group, data) in enumerate(groups):
        low = _version(group[0])
        high = (f"<{_version(groups[i + 1][0][0])}" if i + 1 < len(groups)
                else f"<={_version(group[-1])}")
        commit = _git(gitdir, "rev-list", "-n", "1", group[-1]).strip()
        rows.append({"name": crate, "versions": f">={low}, {high}",
                     "source": f"{repo}@{commit}:{path} (tags {group[0]}..{group[-1]})",
                     **data})
    return rows


# ---------------------------------------------------------------------------- TOML out

def _value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_value(k)} = {_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(value)


def render(rows: list[dict]) -> str:
    out = [f"# Registry crates' [features] and dependency specs, by version range: written by "
           f"scripts/gen_crate_features.py on {datetime.date.today().isoformat()}; do not edit "
           "by hand.", "# Read by lint/knowledge/crate_features.py (see its docstring).", ""]
    for row in rows:
        out += ["[[crate]]", f"name = {_value(row['name'])}",
                f"versions = {_value(row['versions'])}", f"source = {_value(row['source'])}",
                "dependencies = ["]
        out += [f"  {_value(d)}," for d in row["dependencies"]]
        out += ["]", "[crate.features]"]
        out += [f"{_value(k)} = {_value(v)}" for k, v in row["features"].items()]
        out += [""]
    return "\n".join(out)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("gitdirs", nargs="*", help="GITDIR=owner/name")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    given = {repo: gitdir for gitdir, _, repo in (a.rpartition("=") for a in args.gitdirs)}
    old = tomllib.loads(args.out.read_text()) if args.out.exists() else {}
    rows: list[dict] = []
    for crate, repo, path, patterns in CRATES:
        if repo in given:
            rows += rows_for(crate, repo, given[repo], path, patterns)
        else:
            rows += [r for r in old.get("crate", []) if r["name"] == crate]
    args.out.write_text(render(rows), encoding="utf-8")
    print(f"wrote {len(rows)} rows to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
