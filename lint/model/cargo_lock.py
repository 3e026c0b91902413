"""``Cargo.lock``'s dependency graph: which crates a workspace member's build can reach on Linux.

Pure Python (``tomllib``), offline. What a lockfile records and what it does not:

* every package of the resolve (members have no ``source``), each with ``dependencies`` written
  as ``"name"``, ``"name version"`` or ``"name version (source)"`` (the longer forms only when
  the name alone is ambiguous in the file);
* one resolve for every target and every feature some member may enable: an edge is there when
  *some* platform or feature combination needs it. Neither the ``cfg`` of an edge nor the
  features are written down.

So a walk over the edges over-reports. Three things narrow it, all offline:

1. the members' own ``Cargo.toml`` files are read: ``[target.'cfg(windows)'.dependencies]`` and
   other tables whose ``cfg`` (or triple) cannot hold on Linux are skipped, and so are
   ``dev-dependencies`` and optional dependencies that no default feature of the member enables;
2. crates that only exist for other operating systems (``windows-sys``, ``winapi``,
   ``core-foundation``, ``security-framework``, ...: :func:`ccrates.other_os_crates`, from the
   C-crate table) are not walked
   into, whoever depends on them: the edge is a ``cfg(windows)``/``cfg(target_vendor =
   "apple")`` edge in the dependency's manifest, which the lockfile does not keep;
3. everything else counts. The limits, in the safe direction (a package installed that was not
   needed): a feature a crate enables only for another member, or a non-default feature of a
   registry crate, still counts; an ``cfg(target_arch = ...)`` edge of a registry crate counts
   for every architecture.
"""

from __future__ import annotations

import re
import tomllib
from collections import deque
from pathlib import Path
from typing import Any

from rsdock.lint.knowledge import ccrates
from rsdock.lint.model.cargo_toml import ScanError, check_nesting
from rsdock.records import field, record

# The biggest real lockfiles are about a megabyte; tomllib reads one megabyte in about 0.7 s.
MAX_LOCK_CHARS = 4_000_000

# Crates that build only for Windows, Apple systems, wasm, Android or other non-Linux targets
# (the C-crate table's ``non_linux`` lists): their dependents reach them through a cfg edge a
# Linux build never takes.

_DEP_TABLES = ("dependencies", "build-dependencies")
_ENTRY_RE = re.compile(r"^(?P<name>\S+)(?: (?P<version>[^ (]+))?(?: \((?P<source>.+)\))?$")


@record(frozen=True)
class LockPackage:
    """One ``[[package]]`` of the lockfile.

    Attributes:
        name: the crate name.
        version: its version.
        source: ``registry+...``/``git+...``, or None for a path package (a member).
        dependencies: the raw ``dependencies`` entries.
    """

    name: str
    version: str
    source: str | None
    dependencies: tuple[str, ...] = ()


@record(frozen=True)
class Lockfile:
    """A parsed ``Cargo.lock``."""

    path: str
    packages: tuple[LockPackage, ...]
    _by_name: dict[str, tuple[LockPackage, ...]] = field(default_factory=dict, repr=False,
                                                           compare=False)

    def named(self, name: str) -> tuple[LockPackage, ...]:
        """Every package called ``name`` (several versions may coexist)."""
        return self._by_name.get(name, ())

    def member(self, name: str) -> LockPackage | None:
        """The path package (workspace member) called ``name``, or None."""
        return next((p for p in self.named(name) if p.source is None), None)

    def resolve(self, entry: str) -> LockPackage | None:
        """The package a ``dependencies`` entry names, or None when the file lacks it."""
        match = _ENTRY_RE.match(entry.strip())
        if not match:
            return None
        candidates = self.named(match["name"])
        if match["version"]:
            candidates = tuple(p for p in candidates if p.version == match["version"])
        if match["source"]:
            candidates = tuple(p for p in candidates if p.source == match["source"]) or candidates
        return candidates[0] if candidates else None


def parse_lockfile(path: Path) -> Lockfile:
    """Read ``Cargo.lock`` (formats v1 to v4).

    Raises:
        ScanError: the file cannot be read or is not a lockfile (located, with a hint).
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScanError(f"cannot read Cargo.lock: {exc}", path=str(path),
                        hint="check that the file is readable") from None
    if len(text) > MAX_LOCK_CHARS:
        raise ScanError(f"Cargo.lock is bigger than {MAX_LOCK_CHARS:,} characters; rsdock reads "
                        f"lockfiles up to that size", path=str(path),
                        hint="no real lockfile comes close: check that this is the right file")
    check_nesting(text, str(path))  # before tomllib recurses into it
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScanError(f"Cargo.lock is not valid TOML: {exc}", path=str(path),
                        hint="regenerate it with `cargo generate-lockfile`") from None
    return lockfile_from_data(data, str(path))


def lockfile_from_data(data: dict[str, Any], path: str = "Cargo.lock") -> Lockfile:
    """A :class:`Lockfile` from parsed TOML (tests build them in memory)."""
    packages = []
    for raw in data.get("package") or []:
        if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
            continue
        deps = raw.get("dependencies") or []
        packages.append(LockPackage(raw["name"], str(raw.get("version", "")),
                                    raw.get("source") if isinstance(raw.get("source"), str)
                                    else None,
                                    tuple(d for d in deps if isinstance(d, str))))
    by_name: dict[str, list[LockPackage]] = {}
    for package in packages:
        by_name.setdefault(package.name, []).append(package)
    return Lockfile(path, tuple(packages), {k: tuple(v) for k, v in by_name.items()})


# ---------------------------------------------------------------------------- members

def member_dependencies(manifest: dict[str, Any], workspace_deps: dict[str, Any] | None = None,
                        arch: str | None = None) -> tuple[str, ...]:
    """The lockfile names of the dependencies a member's Linux build compiles.

    Normal and build dependencies, the target tables whose ``cfg`` can hold on Linux, without
    optional dependencies that the member's ``default`` features do not enable. A renamed
    dependency (``package = "..."``) is named as the lockfile names it.

    Args:
        manifest: the member's parsed ``Cargo.toml``.
        workspace_deps: ``[workspace.dependencies]`` (for ``dep.workspace = true``).
        arch: the Rust ``target_arch`` (``aarch64``) when one platform is asked about; None
            counts every ``target_arch`` table as possibly taken.
    """
    tables = [manifest.get(t) for t in _DEP_TABLES]
    for spec, table in _table(manifest.get("target")).items():
        if linux_may_match(spec, arch):
            tables += [_table(table).get(t) for t in _DEP_TABLES]
    enabled = _default_enabled(manifest)
    names: list[str] = []
    for table in tables:
        for key, value in _table(table).items():
            if isinstance(value, dict):
                inherited = _table(workspace_deps).get(key) if value.get("workspace") else None
                merged = {**(inherited if isinstance(inherited, dict) else {}), **value}
                if merged.get("optional") and key not in enabled:
                    continue
                name = merged.get("package", key)
            else:
                name = key
            if isinstance(name, str) and name not in names:
                names.append(name)
    return tuple(names)


def _default_enabled(manifest: dict[str, Any]) -> set[str]:
    """Optional dependency keys the ``default`` feature enables (transitively)."""
    features = _table(manifest.get("features"))
    enabled: set[str] = set()
    queue = deque(["default"])
    seen: set[str] = set()
    while queue:
        feature = queue.popleft()
        if feature in seen:
            continue
        seen.add(feature)
        for item in features.get(feature) or []:
            if not isinstance(item, str):
                continue
            if item.startswith("dep:"):
                enabled.add(item[4:])
            elif "/" in item:
                enabled.add(item.split("/", 1)[0].rstrip("?"))
            elif item in features:
                queue.append(item)
            else:
                enabled.add(item)  # an optional dependency's implicit feature
    return enabled


def _table(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


# ---------------------------------------------------------------------------- cfg on Linux

_CFG_TOKEN = re.compile(r'\s*(?:(?P<ident>[A-Za-z_][A-Za-z0-9_]*)|(?P<str>"[^"]*")|(?P<p>[(),=]))')
# What is true for every Linux target rsdock builds; other keys (target_arch, target_env,
# target_pointer_width, feature) may hold for some of them, so they count as "maybe".
_LINUX_FACTS = {"target_os": "linux", "target_family": "unix"}
_LINUX_FLAGS = {"unix": True, "windows": False}


def linux_may_match(spec: str, arch: str | None = None) -> bool:
    """Whether a ``[target.<spec>]`` table can apply to a Linux target.

    ``spec`` is a triple (``x86_64-pc-windows-msvc``) or a ``cfg(...)`` expression. Keys that
    differ between the Linux targets (``target_arch``, ``target_env``) count as possibly true;
    an expression rsdock cannot parse counts as true (the safe direction). With ``arch``,
    ``target_arch`` is decided for that architecture.
    """
    spec = spec.strip()
    if not spec.startswith("cfg("):
        return "-linux" in spec and (arch is None or spec.split("-", 1)[0].startswith(
            _TRIPLE_ARCH.get(arch, arch)))
    try:
        tokens = [m for m in _CFG_TOKEN.finditer(spec)]
        value, _rest = _eval(tokens, 0, arch)
    except (IndexError, ValueError):
        return True
    return value is not False


# A triple's first component for each target_arch (armv7-unknown-... is target_arch "arm").
_TRIPLE_ARCH = {"x86": "i686", "arm": "arm", "powerpc64": "powerpc64"}


def _eval(tokens: list[re.Match[str]], i: int, arch: str | None = None
          ) -> tuple[bool | None, int]:
    """Evaluate one cfg predicate at ``tokens[i]``: True, False or None (maybe)."""
    token = tokens[i]
    ident = token["ident"]
    if ident is None:
        raise ValueError("expected a cfg predicate")
    if ident == "cfg":
        value, i = _eval(tokens, i + 2, arch)
        return value, i + 1
    following = tokens[i + 1] if i + 1 < len(tokens) else None
    if ident in ("all", "any", "not") and following is not None and following["p"] == "(":
        values, i = [], i + 2
        while tokens[i]["p"] != ")":
            value, i = _eval(tokens, i, arch)
            values.append(value)
            if tokens[i]["p"] == ",":
                i += 1
        i += 1
        if ident == "not":
            return (None if values[0] is None else not values[0]), i
        if ident == "all":
            return (False if False in values else None if None in values else True), i
        return (True if True in values else None if None in values else False), i
    if following is not None and following["p"] == "=":
        wanted = tokens[i + 2]["str"].strip('"')
        if ident in _LINUX_FACTS:
            return _LINUX_FACTS[ident] == wanted, i + 3
        if ident == "target_arch" and arch is not None:
            return arch == wanted, i + 3
        if ident == "target_vendor":
            return (False if wanted in ("apple", "pc") else None), i + 3
        return None, i + 3
    return _LINUX_FLAGS.get(ident), i + 1


# ---------------------------------------------------------------------------- the walk

def reachable(lock: Lockfile, roots: dict[str, tuple[str, ...]],
              members: dict[str, tuple[str, ...]] | None = None) -> dict[str, tuple[str, ...]]:
    """Every crate a Linux build of the root members can compile, with one path to it.

    Args:
        lock: the parsed lockfile.
        roots: ``{member name: its Linux dependencies}`` (see :func:`member_dependencies`);
            for a member whose manifest is not known, pass ``()``: its lockfile edges are used.
        members: the same for every workspace member, so a path dependency's own manifest
            narrows its edges too.

    Returns:
        ``{crate name: (root member, ..., crate name)}``, breadth-first, so each path is a
        shortest one. Crates in :func:`ccrates.other_os_crates` and everything only they lead to are
        left out.
    """
    paths: dict[str, tuple[str, ...]] = {}
    other_os = ccrates.other_os_crates()  # read here: the C-crate table loads when first used
    queue: deque[tuple[LockPackage, tuple[str, ...]]] = deque()
    seen: set[tuple[str, str]] = set()
    for member, deps in roots.items():
        package = lock.member(member)
        if package is None:
            continue
        seen.add((package.name, package.version))
        paths.setdefault(member, (member,))
        entries = package.dependencies
        if deps:
            entries = tuple(e for e in entries if e.split(" ", 1)[0] in deps)
        for entry in entries:
            _push(lock, entry, (member,), queue, seen, other_os)
    members = members or {}
    while queue:
        package, path = queue.popleft()
        path = path + (package.name,)
        paths.setdefault(package.name, path)
        entries = package.dependencies
        if package.source is None and members.get(package.name):
            entries = tuple(e for e in entries if e.split(" ", 1)[0] in members[package.name])
        for entry in entries:
            _push(lock, entry, path, queue, seen, other_os)
    return paths


def _push(lock: Lockfile, entry: str, path: tuple[str, ...],
          queue: deque[tuple[LockPackage, tuple[str, ...]]], seen: set[tuple[str, str]],
          other_os: frozenset[str]) -> None:
    dep = lock.resolve(entry)
    if dep is None or dep.name in other_os or (dep.name, dep.version) in seen:
        return
    seen.add((dep.name, dep.version))
    queue.append((dep, path))
