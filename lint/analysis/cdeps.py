"""Which C-dependency crates a workspace member's binary reaches on Linux, and what they cost.

Joins the Cargo.lock graph (:mod:`rsdock.lint.model.cargo_lock`) with the C-crate table
(:mod:`rsdock.lint.knowledge.ccrates`). The ``cc`` and ``cmake`` crates count on their own only when a
member's ``build.rs`` or a ``-sys`` crate the table does not know uses them: a table crate's use of ``cc``
is already that crate's row, and other crates that use ``cc`` (blake3, psm) compile
freestanding C or assembly that any C compiler for the target handles (a limit: such a crate
that needs libc headers is not refused for musl).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

from rsdock.lint.knowledge import ccrates, versions
from rsdock.lint.knowledge.ccrates import CCrate
from rsdock.lint.model.cargo import Workspace
from rsdock.lint.model.cargo_features import DEFAULT, Manifest, Request, normalise, resolve
from rsdock.lint.model.cargo_lock import Lockfile
from rsdock.records import record

if TYPE_CHECKING:  # an annotation only: the build simulation (Dockerfile and shell models)
    from rsdock.lint.analysis.build import CargoCall  # need not load to scan a workspace


@record(frozen=True)
class Reached:
    """A C crate a member reaches, and one shortest path to it (member first)."""

    crate: CCrate
    path: tuple[str, ...]
    flags: tuple[str, ...] = ()
    # reached only because rsdock assumed every feature of an unknown dependent (pgvector's
    # sqlx turning on sqlx-sqlite): the build may well not compile it
    guessed: bool = False

    @property
    def via(self) -> str:
        """The path as text: ``api -> reqwest -> native-tls -> openssl-sys``."""
        return " -> ".join(self.path)


def c_crates(workspace: Workspace | None, package: str, arch: str | None = None,
             request: Request = DEFAULT) -> tuple[Reached, ...]:
    """The C crates the Linux build of member ``package`` compiles, in table order (memoised on
    the workspace: a Dockerfile with many image stages asks for the same builds again).
    See :func:`_c_crates`."""
    if workspace is None:
        return _c_crates(workspace, package, arch, request)
    cache: dict[tuple[str, str | None, Request], tuple[object, tuple[Reached, ...]]] = \
        workspace.__dict__.setdefault("_c_crates", {})
    lock = getattr(workspace, "lock", None)
    hit = cache.get((package, arch, request))
    if hit is None or hit[0] is not lock:  # the same lock object, not one read since
        hit = cache[(package, arch, request)] = (lock, _c_crates(workspace, package, arch,
                                                                 request))
    return hit[1]


def _c_crates(workspace: Workspace | None, package: str, arch: str | None = None,
              request: Request = DEFAULT) -> tuple[Reached, ...]:
    """The C crates the Linux build of member ``package`` compiles, in table order.

    Args:
        workspace: a scanned ``rsdock.lint.model.cargo.Workspace`` (or None).
        package: the member's name.
        arch: the Rust ``target_arch`` of one platform (``aarch64``), or None for "some Linux
            platform" (``target_arch``-gated tables count).
        request: the build's ``--features``/``--no-default-features``/``--all-features``
            (the defaults when the generator builds the binary as it is).

    Returns:
        Empty without a Cargo.lock (nothing is resolved yet: the build resolves afresh, and
        rsdock says so) or when the member is not in it. Optional dependencies count only
        when the member's features turn them on (:mod:`rsdock.lint.model.cargo_features`).
    """
    lock = getattr(workspace, "lock", None)
    if lock is None:
        return ()
    enabled: dict[str, frozenset[str] | None] = {}
    guessed: set[str] = set()
    paths = resolve(lock, package, request, member_manifests(workspace), arch, enabled,
                    guessed)
    known = ccrates.names()
    if known.isdisjoint(paths):
        return ()  # the table's rows are parsed only for a workspace that reaches one
    found = []
    for crate in ccrates.rows():
        if crate.name not in paths:
            continue
        if crate.name in _ONLY_OUTSIDE_THE_TABLE and not _used_outside_the_table(
                lock, paths, known, crate.name):
            continue
        if _unlinked(crate, enabled):
            continue  # pyo3-ffi with `extension-module`: links nothing into a binary
        flags = crate.lock_flags(e for p in lock.named(crate.name) for e in p.dependencies)
        flags = _feature_flags(crate, flags, enabled.get(crate.name))
        flags += _version_flags(lock, paths, crate)
        found.append(Reached(crate.with_flags(flags), paths[crate.name], flags,
                             crate.name in guessed))
    return tuple(found)


def _unlinked(crate: CCrate, enabled: dict[str, frozenset[str] | None]) -> bool:
    """Whether a feature the resolver knows is on makes the crate link nothing (its
    ``unlinked_features``: ``extension-module`` its own, ``pyo3/extension-module`` a
    dependent's that turns it on)."""
    for entry in crate.unlinked_features:
        owner, _, feature = entry.rpartition("/")
        on = enabled.get(owner or crate.name)
        if on is not None and feature in on:
            return True
    return False


def _feature_flags(crate: CCrate, flags: tuple[str, ...],
                   enabled: frozenset[str] | None) -> tuple[str, ...]:
    """``bundled`` decided by the crate's enabled features when every crate that depends on it
    is known (Cargo.lock's ``cc`` edge only says *some* feature set bundles it: vaultwarden's
    ``sqlite`` does, its ``sqlite_system`` does not); the lock's answer otherwise."""
    if not crate.bundled_features or enabled is None:
        return flags
    others = tuple(f for f in flags if f != "bundled")
    return others + (("bundled",) if enabled & set(crate.bundled_features) else ())


def _version_flags(lock: Lockfile, paths: dict[str, tuple[str, ...]], crate: CCrate
                   ) -> tuple[str, ...]:
    """``version=<v>`` and ``dependents=<a,b>`` for a row whose facts depend on the version
    (the oldest version the lock holds, the answer that asks the most of the build) and on
    which compiled crates depend on it."""
    if not crate.ranges:
        return ()
    held = sorted((p.version for p in lock.named(crate.name)),
                  key=lambda v: versions.parse(v) or (0, 0, 0, 0, ()))
    users = sorted({p.name for name in paths for p in lock.named(name)
                    if any(e.split(" ", 1)[0] == crate.name for e in p.dependencies)})
    return (f"version={held[0]}", "dependents=" + ",".join(users)) if held else ()


def member_manifests(workspace: Workspace | None) -> dict[str, Manifest]:
    """The members' manifests as the feature resolver reads them, by package name (normalised
    once per workspace: every C-crate and build-needs question of every member asks again, and
    a large workspace's members normalise in about half a second)."""
    raw = getattr(workspace, "manifests", {}) or {}
    cached = workspace.__dict__.get("_member_manifests") if workspace is not None else None
    if cached is not None and cached[0] is raw:
        return cached[1]  # type: ignore[no-any-return]
    ws_deps = getattr(workspace, "workspace_deps", {}) or {}
    manifests = {name: normalise(data, ws_deps) for name, data in raw.items()}
    if workspace is not None:
        workspace.__dict__["_member_manifests"] = (raw, manifests)
    return manifests


# Build helpers every table row that uses them already accounts for (aws-lc-sys always
# depends on the cmake crate and runs cmake only off its pregenerated targets).
_ONLY_OUTSIDE_THE_TABLE = ("cc", "cmake")


def _used_outside_the_table(lock: Lockfile, paths: dict[str, tuple[str, ...]], known: frozenset[str], helper: str) -> bool:
    for name in paths:
        if name in known or name in ccrates.other_os_crates():
            continue
        for package in lock.named(name):
            if package.source is not None and not name.endswith("-sys"):
                continue
            if any(entry.split(" ", 1)[0] == helper for entry in package.dependencies):
                return True
    return False


def _in_table_order(reached: Iterable[Reached]) -> tuple[Reached, ...]:
    found = list(reached)
    if not found:
        return ()  # no row needed: the table stays unparsed
    order = [c.name for c in ccrates.rows()]
    return tuple(sorted(found, key=lambda r: order.index(r.crate.name)))


def crates_of_binaries(workspace: Workspace | None,
                       packages: Iterable[str]) -> tuple[Reached, ...]:
    """The C crates of several members, each crate once (the first member's path)."""
    seen: dict[str, Reached] = {}
    for package in packages:
        for reached in c_crates(workspace, package):
            seen.setdefault(reached.crate.name, reached)
    return _in_table_order(seen.values())


# ---------------------------------------------------------------------------- in a Dockerfile

def packages_built(workspace: Workspace | None, calls: Iterable[CargoCall]) -> tuple[str, ...]:
    """The workspace members that ``cargo build`` calls compile (``--bin`` owners, ``-p``
    names; every member with a binary when neither is given), in member order."""
    if workspace is None:
        return ()
    calls = list(calls)
    names: list[str] = []
    for call in calls:
        chosen = [p.name for b in call.bins if (p := workspace.package_of(b)) is not None]
        chosen += [p.split("@")[0] for p in call.packages if workspace.package(p.split("@")[0])]
        if not call.bins and not call.packages:
            chosen += [p.name for p, _t in workspace.native_binaries]
        names += [n for n in chosen if n not in names]
    return tuple(names)


def crates_of_calls(workspace: Workspace | None, calls: Iterable[CargoCall],
                    arch: str | None = None,
                    probes: Iterable[tuple[str, str, str]] = ()) -> tuple[Reached, ...]:
    """The C crates the packages of ``calls`` compile (on ``arch`` when given), each once,
    with each call's ``--features``, ``--no-default-features`` and ``--all-features``; with
    ``probes`` (:attr:`rsdock.lint.analysis.needs.Needs.pkg_config`) also the table's
    ``pkgconfig-<module>`` rows of the libraries their members' build scripts look up."""
    seen: dict[str, Reached] = {}
    probes = tuple(probes)
    for call in calls:
        for package in packages_built(workspace, (call,)):
            for reached in c_crates(workspace, package, arch, call_request(call, package)):
                seen.setdefault(reached.crate.name, reached)
            for reached in probed(workspace, package, probes):
                seen.setdefault(reached.crate.name, reached)
    return _in_table_order(seen.values())


def probed(workspace: Workspace | None, package: str,
           probes: Iterable[tuple[str, str, str]]) -> tuple[Reached, ...]:
    """The table's ``pkgconfig-<module>`` rows for the pkg-config lookups (``(member, module,
    "build.rs:12")``) of the members ``package``'s build compiles: itself and its path
    dependencies, transitively (mountpoint-s3's vendored fuser probes fuse3)."""
    members = tuple(getattr(workspace, "members", ()) or ())
    by_dir = {m.dir: m for m in members}
    start = next((m for m in members if m.name == package), None)
    built: set[str] = set()
    todo = [start] if start is not None else []
    while todo:
        member = todo.pop()
        if member.name in built:
            continue
        built.add(member.name)
        todo += [by_dir[d] for d in getattr(member, "uses", ()) if d in by_dir]
    found = []
    for member, module, _where in probes:
        row = ccrates.get(f"pkgconfig-{module}") if member in built else None
        if row is not None:
            path = (package,) if member == package else (package, member)
            found.append(Reached(row, path + (f"pkgconfig-{module}",)))
    return tuple(found)


def call_request(call: CargoCall, package: str) -> Request:
    """The features ``call`` asks of member ``package``: a ``--features`` value rsdock cannot
    read (``$DB`` without a default) counts as every feature (the conservative answer);
    ``package/feat`` names the member's own feature."""
    if any("$" in f for f in call.features):
        return Request(all_features=True)
    own = tuple(f.split("/", 1)[1] if f.startswith(package + "/") else f
                for f in call.features)
    return Request.of_flags(own, call.flags)
