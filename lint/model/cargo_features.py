"""Offline Cargo feature resolution: which packages of ``Cargo.lock`` a build really compiles.

``Cargo.lock`` holds one resolve for every feature some member may enable, so an optional
dependency is there whether the chosen binary turns it on or not (and a weak ``dep?/feat`` keeps
one there even when nothing does: :mod:`rsdock.lint.knowledge.crate_features`). This module
walks the lock graph the way cargo's feature resolver does, from one member and the build
command's ``--features``/``--no-default-features``/``--all-features``:

* a package whose manifest is known — a workspace member, a registry crate Debian packages
  under ``/usr/share/cargo/registry``, or a row of the crate-features table for its version —
  compiles its non-optional dependencies (those of ``[target.<cfg>]`` tables only when the cfg
  can hold on Linux), and the optional ones its enabled features turn on (``dep:x``, ``x``,
  ``x/feat``; ``x?/feat`` only adds a feature to an ``x`` turned on otherwise). Each dependency
  gets the features its spec names, ``default`` unless ``default-features = false`` (merged
  with ``[workspace.dependencies]`` for ``workspace = true``), and those forwarded to it;
* a package whose manifest is not known compiles every dependency the lock lists, with every
  feature on: the conservative answer (a package installed that was not needed, never the
  reverse); so does a lock entry that the known manifest does not name at all (a stale lock).

Limits, all in the safe direction: features of build dependencies unify with normal ones, and a
``cfg(target_arch)`` table counts for every architecture unless one is asked about.
"""

from __future__ import annotations

import os
import tomli as tomllib  # TOML 1.1 (multi-line inline tables), as cargo reads it
from collections import deque
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

from rsdock.lint.knowledge import ccrates, crate_features
from rsdock.lint.model.cargo_lock import LockPackage, Lockfile, linux_may_match
from rsdock.records import field, record

DEBIAN_REGISTRY = Path("/usr/share/cargo/registry")
_KINDS = {"dependencies": "normal", "build-dependencies": "build"}


@record(frozen=True)
class Dependency:
    """One dependency spec of a manifest (dev-dependencies are never kept).

    Attributes:
        name: the key in the manifest (what features call it).
        package: the crate's real name (``package = "..."``), as Cargo.lock names it.
        optional: whether only a feature turns it on.
        default_features: whether its ``default`` feature is on.
        features: the features the spec enables.
        target: the ``[target.<spec>]`` it is under, or "".
    """

    name: str
    package: str
    optional: bool = False
    default_features: bool = True
    features: tuple[str, ...] = ()
    target: str = ""


@record(frozen=True)
class Manifest:
    """What the resolver needs of a package's manifest: features and dependency specs."""

    features: dict[str, tuple[str, ...]] = field(default_factory=dict)
    dependencies: tuple[Dependency, ...] = ()
    dev_packages: frozenset[str] = frozenset()
    named: frozenset[str] = frozenset()

    def names(self, package: str) -> bool:
        """Whether any dependency table (dev-dependencies too) names crate ``package``."""
        return package in self.named or package in self.dev_packages


@record(frozen=True)
class Request:
    """The features a build command asks of the packages it selects.

    Attributes:
        features: ``--features`` names (``feat`` or ``dep/feat``).
        all_features: ``--all-features``.
        default: False with ``--no-default-features``.
    """

    features: tuple[str, ...] = ()
    all_features: bool = False
    default: bool = True

    @classmethod
    def of_flags(cls, features: Iterable[str], flags: Iterable[str]) -> "Request":
        """The request of a cargo call's ``--features`` names and switches (written with or
        without their leading dashes: ``all-features``)."""
        flags = {f.lstrip("-") for f in flags}
        return cls(tuple(sorted(features)), "all-features" in flags,
                   "no-default-features" not in flags)


DEFAULT = Request()


# ---------------------------------------------------------------------------- manifests

def normalise(data: dict[str, Any], workspace_deps: dict[str, Any] | None = None) -> Manifest:
    """A parsed ``Cargo.toml`` as a :class:`Manifest` (``workspace = true`` merged)."""
    features = {k: tuple(v for v in vs if isinstance(v, str))
                for k, vs in _table(data.get("features")).items() if isinstance(vs, list)}
    tables: list[tuple[str, Any]] = [("", data)]
    tables += [(spec, table) for spec, table in _table(data.get("target")).items()]
    deps = []
    dev: set[str] = set()
    for target, table in tables:
        for section in _KINDS:
            for key, value in _table(_table(table).get(section)).items():
                deps.append(_dependency(key, value, workspace_deps or {}, target))
        for key, value in _table(_table(table).get("dev-dependencies")).items():
            dev.add(_dependency(key, value, workspace_deps or {}, target).package)
    return Manifest(features, tuple(deps), frozenset(dev), frozenset(d.package for d in deps))


def _dependency(key: str, value: Any, workspace_deps: dict[str, Any], target: str) -> Dependency:
    spec = dict(value) if isinstance(value, dict) else {}
    extra: list[str] = []
    if spec.get("workspace"):
        inherited = workspace_deps.get(key)
        inherited = dict(inherited) if isinstance(inherited, dict) else {}
        extra = [f for f in inherited.get("features") or [] if isinstance(f, str)]
        spec = {**inherited, **{k: v for k, v in spec.items() if k != "features"},
                "features": extra + list(spec.get("features") or [])}
    package = spec.get("package", key)
    default = spec.get("default-features", spec.get("default_features", True))
    return Dependency(key, package if isinstance(package, str) else key,
                      bool(spec.get("optional", False)), default is not False,
                      tuple(f for f in spec.get("features") or [] if isinstance(f, str)), target)


def _from_row(row: dict[str, Any]) -> Manifest:
    deps = tuple(Dependency(d["name"], d.get("package", d["name"]), bool(d.get("optional")),
                            bool(d.get("default-features", True)), tuple(d.get("features", ())),
                            str(d.get("target", "")))
                 for d in row.get("dependencies", ()))
    return Manifest({k: tuple(v) for k, v in row.get("features", {}).items()}, deps,
                    named=frozenset(d.package for d in deps))


@lru_cache(maxsize=4096)
def registry_manifest(name: str, version: str) -> Manifest | None:
    """A registry crate's manifest: Debian's packaged copy of that exact version, else the
    crate-features table's row for it, else None (not known offline)."""
    packaged = _debian_manifest(name, version)
    if packaged is not None:
        return packaged
    row = crate_features.manifest(name, version)
    return _from_row(row) if row is not None else None


def _debian_manifest(name: str, version: str) -> Manifest | None:
    if not _has_debian_registry():
        return None
    path = DEBIAN_REGISTRY / f"{name}-{version}" / "Cargo.toml"
    try:
        return normalise(tomllib.loads(path.read_text(encoding="utf-8")))
    except (OSError, UnicodeDecodeError, ValueError):
        return None


@lru_cache(maxsize=1)
def _has_debian_registry() -> bool:
    return os.path.isdir(DEBIAN_REGISTRY)


def _table(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


# ---------------------------------------------------------------------------- resolution

ALL = None  # "every feature": what an unknown dependent may enable
Features = frozenset[str] | None


def resolve(lock: Lockfile, root: str, request: Request = DEFAULT,
            members: dict[str, Manifest] | None = None,
            arch: str | None = None,
            features: dict[str, frozenset[str] | None] | None = None,
            guessed: set[str] | None = None,
            ) -> dict[str, tuple[str, ...]]:
    """Every crate a Linux build of member ``root`` compiles, with one path to it.

    Args:
        lock: the parsed lockfile.
        root: the member the build selects.
        request: the build command's features.
        members: the workspace members' manifests by name (see :func:`normalise`); a member
            without one counts as unknown.
        arch: the Rust ``target_arch`` of one platform, or None for any Linux platform.
        features: when given, filled with each compiled crate's enabled features by name
            (``default`` included when on; None when an unknown dependent may enable any).
        guessed: when given, filled with the crates compiled only if an unknown dependent
            enables more than its dependencies' default features (rsdock assumes every
            feature: pgvector's ``sqlx`` turns on sqlx-sqlite that way, though pgvector asks
            for ``postgres`` only). Found by resolving again with defaults for the unknown.

    Returns:
        ``{crate name: (root, ..., crate name)}``; crates of
        :func:`ccrates.other_os_crates` and what only they lead to are left out.
    """
    members = members or {}
    start = lock.member(root)
    if start is None:
        return {}
    wanted: set[str] = set(request.features) | ({"default"} if request.default else set())
    state = _Walk(lock, members, arch, ccrates.other_os_crates())
    state.activate(start, None if request.all_features else frozenset(wanted), ())
    state.run()
    if guessed is not None and state.met_unknown:
        modest = _Walk(lock, members, arch, ccrates.other_os_crates(), unknown=frozenset({"default"}))
        modest.activate(start, None if request.all_features else frozenset(wanted), ())
        modest.run()
        guessed |= set(state.paths) - set(modest.paths)
    if features is not None:
        for (name, _version), enabled in state.enabled.items():
            old = features.get(name, frozenset())
            features[name] = None if old is None or enabled is None else old | enabled
    return state.paths


def turned_on(manifest: Manifest, request: Request) -> tuple[frozenset[str], dict[str, frozenset[str]]]:
    """What ``request`` turns on in a package with ``manifest``: its optional dependencies, and
    the features forwarded to each dependency (by the manifest's dependency names).

    Two requests with the same answer compile the same dependencies with the same features:
    a feature that only gates the package's own code (``runtime-env = []``) changes nothing
    below it."""
    wanted: set[str] = set(request.features) | ({"default"} if request.default else set())
    on, forwarded = _closure(manifest, None if request.all_features else frozenset(wanted))
    return frozenset(on), {name: frozenset(features) for name, features in forwarded.items()}


class _Walk:
    """The worklist: a package is (re)visited whenever its enabled features grow."""

    def __init__(self, lock: Lockfile, members: dict[str, Manifest], arch: str | None,
                 other_os: frozenset[str], unknown: Features = ALL) -> None:
        self.lock, self.members, self.arch, self.other_os = lock, members, arch, other_os
        # what a crate whose manifest rsdock lacks asks of its dependencies
        self.unknown = unknown
        self.met_unknown = False
        self.enabled: dict[tuple[str, str], Features] = {}
        self.paths: dict[str, tuple[str, ...]] = {}
        self.queue: deque[tuple[LockPackage, tuple[str, ...]]] = deque()

    def activate(self, package: LockPackage, features: Features, path: tuple[str, ...]) -> None:
        key = (package.name, package.version)
        if key in self.enabled:
            old = self.enabled[key]
            if old is ALL or (features is not ALL and features <= old):
                return
            features = ALL if features is ALL else old | features
        self.enabled[key] = features
        path = path + (package.name,)
        self.paths.setdefault(package.name, path)
        self.queue.append((package, self.paths[package.name]))

    def run(self) -> None:
        while self.queue:
            package, path = self.queue.popleft()
            features = self.enabled[(package.name, package.version)]
            for child, child_features in self._children(package, features):
                if child.name not in self.other_os:
                    self.activate(child, child_features, path)

    def _manifest(self, package: LockPackage) -> Manifest | None:
        if package.source is None:
            return self.members.get(package.name)
        if package.source.startswith("registry+") or package.source.startswith("sparse+"):
            return registry_manifest(package.name, package.version)
        return None

    def _children(self, package: LockPackage, features: Features
                  ) -> list[tuple[LockPackage, Features]]:
        entries = _edges(self.lock).get((package.name, package.version), ())
        manifest = self._manifest(package)
        if manifest is None:
            self.met_unknown = self.met_unknown or bool(entries)
            return [(dep, self.unknown) for dep in entries]
        on, forwarded = _closure(manifest, features)
        # A lock entry the manifest does not name at all: the lock and the manifest disagree
        # (a stale lock, a table rsdock does not read): it counts, with every feature.
        children: list[tuple[LockPackage, Features]] = [
            (entry, self.unknown) for entry in entries if not manifest.names(entry.name)]
        self.met_unknown = self.met_unknown or len(children) > 0
        for dep in manifest.dependencies:
            if dep.optional and dep.name not in on:
                continue
            if dep.target and not linux_may_match(dep.target, self.arch):
                continue
            wanted = set(dep.features) | forwarded.get(dep.name, set())
            if dep.default_features:
                wanted.add("default")
            children += [(entry, frozenset(wanted)) for entry in entries
                         if entry.name == dep.package]
        return children


_EDGE_CACHE: list[tuple[Lockfile, dict[tuple[str, str], tuple[LockPackage, ...]]]] = []


def _edges(lock: Lockfile) -> dict[tuple[str, str], tuple[LockPackage, ...]]:
    """Each package's resolved dependency entries, computed once per lockfile (a workspace's
    C plan resolves it once per member and platform)."""
    for cached, edges in _EDGE_CACHE:
        if cached is lock:
            return edges
    edges = {(p.name, p.version): tuple(found for e in p.dependencies
                                        if (found := lock.resolve(e)) is not None)
             for p in lock.packages}
    _EDGE_CACHE[:] = [(lock, edges)] + _EDGE_CACHE[:3]
    return edges


def _closure(manifest: Manifest, features: Features) -> tuple[set[str], dict[str, set[str]]]:
    """The optional dependencies ``features`` turn on, and the features forwarded to each
    dependency (by the manifest's dependency names)."""
    optional = {d.name for d in manifest.dependencies if d.optional}
    items = deque(manifest.features) if features is ALL else deque(features)
    if features is ALL:
        items.extend(optional)
    seen: set[str] = set()
    on: set[str] = set()
    forwarded: dict[str, set[str]] = {}
    weak: list[tuple[str, str]] = []
    while items:
        item = items.popleft()
        if item in seen:
            continue
        seen.add(item)
        if item.startswith("dep:"):
            on.add(item[4:])
        elif "/" in item:
            dep, feature = item.split("/", 1)
            if dep.endswith("?"):
                weak.append((dep[:-1], feature))
            else:
                if dep in optional:
                    on.add(dep)
                forwarded.setdefault(dep, set()).add(feature)
        elif item in manifest.features:
            items.extend(manifest.features[item])
        elif item in optional:
            on.add(item)  # an optional dependency's implicit feature
    for dep, feature in weak:
        if dep in on or dep not in optional:
            forwarded.setdefault(dep, set()).add(feature)
    return on, forwarded


def own_features(manifest: Manifest | None, request: Request = DEFAULT) -> frozenset[str] | None:
    """The package's own features ``request`` turns on (``default`` expanded through its
    ``[features]`` table); None for ``--all-features`` (every one)."""
    if request.all_features:
        return None
    table = manifest.features if manifest is not None else {}
    items = deque(set(request.features) | ({"default"} if request.default else set()))
    on: set[str] = set()
    while items:
        item = items.popleft()
        if item in on or item.startswith("dep:") or "/" in item:
            continue
        on.add(item)
        items.extend(table.get(item, ()))
    return frozenset(on)


def missing_required(manifest: Manifest | None, required: Iterable[str],
                     request: Request = DEFAULT) -> tuple[str, ...]:
    """The ``required-features`` of a binary that ``request`` leaves off: cargo builds the
    binary only when this is empty (``cargo build`` skips it, ``--bin`` refuses)."""
    on = own_features(manifest, request)
    return () if on is None else tuple(f for f in required if f not in on)
