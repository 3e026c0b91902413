"""The cargo workspace model: members, binary targets, trunk web apps, MSRV, ``.cargo`` config.

Pure Python (``tomllib``), no cargo needed: the linter and the generator both read a workspace
with :func:`scan`. The rules reproduce what cargo 1.95 does (``cargo metadata`` is the reference
the tests compare against, see :func:`cargo_metadata`):

* the root is the nearest ancestor ``Cargo.toml`` with ``[workspace]`` that does not exclude the
  package (cargo's own search), otherwise the package itself;
* members are the ``members`` entries (globs expanded, directories only), minus ``exclude``
  prefixes unless listed literally, plus the root package, plus path dependencies inside the root;
* ``version``/``rust-version``/``edition`` may be inherited from ``[workspace.package]``.

Typical use::

    ws = scan(Path("."))
    require_packageable(ws)
    for package, target in ws.binaries: ...
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from rsdock.lint.model.cargo_lock import Lockfile, parse_lockfile
from rsdock.lint.model.cargo_config import CargoConfig, Toolchain, read_config, read_toolchain
from rsdock.lint.model.cargo_package import (BinTarget, OutsidePathDependency, Package,
                                              dependency_paths, outside_path_dependencies,
                                              read_package, rel, table_or_empty)
from rsdock.fs import shown as printable
from rsdock.lint.model.cargo_toml import (ScanError, Table, confined, expand_glob, is_glob,
                                           line_of_key, line_of_string, read_toml)
from rsdock.records import field, record

MAX_MEMBERS = 5_000  # a real workspace has tens, the largest known a few hundred

__all__ = ["BinTarget", "Package", "Workspace", "CargoConfig", "Toolchain", "ScanError", "find_root", "scan",
           "require_packageable", "cargo_metadata"]


@record(frozen=True)
class Workspace:
    """A scanned cargo workspace (a lone package is a workspace of one).

    Attributes:
        root: the workspace root directory, as given (relative paths stay relative).
        manifest_path: the root manifest relative to ``root`` (always ``Cargo.toml``).
        virtual: True when the root manifest has ``[workspace]`` and no ``[package]``.
        members: the member packages, sorted by directory (the root package first).
        default_members: directories (as in :attr:`Package.dir`) that a plain ``cargo build`` at
            the root builds: ``default-members``, else every member of a virtual workspace,
            else the root package.
        rust_version: ``[workspace.package] rust-version`` if set, else the highest member
            ``rust-version`` (a builder image must satisfy every member, so the highest one
            binds), else None.
        has_lockfile: whether ``Cargo.lock`` exists at the root.
        linkers: ``[target.<triple>] linker`` from the root's ``.cargo/config.toml``.
        rustflags: ``[target.<triple>] rustflags`` from the same file (a string is split on
            whitespace, as cargo does).
        config: the root's ``.cargo`` config: what an image build of the root sees.
        local_config: the root's and its parents' configs merged: what a build on the
            developer's machine sees (its ``target-dir`` is where local output lands).
        toolchain: the root's ``rust-toolchain.toml`` (or ``rust-toolchain``), or None.
        lock: the parsed ``Cargo.lock``, or None without one.
        manifests: each member's parsed ``Cargo.toml``, by member name (the feature resolver
            reads them, :mod:`rsdock.lint.model.cargo_features`), and ``workspace_deps`` the
            root's ``[workspace.dependencies]``.
        outside_path_deps: path dependencies that lead out of the root, which a build whose
            context is the root cannot see.
    """

    root: Path
    manifest_path: str
    virtual: bool
    members: tuple[Package, ...]
    default_members: tuple[str, ...]
    rust_version: str | None
    has_lockfile: bool
    linkers: dict[str, str] = field(default_factory=dict)
    rustflags: dict[str, tuple[str, ...]] = field(default_factory=dict)
    config: CargoConfig = field(default_factory=CargoConfig)
    local_config: CargoConfig = field(default_factory=CargoConfig)
    toolchain: Toolchain | None = None
    lock: Lockfile | None = None
    manifests: dict[str, dict[str, Any]] = field(default_factory=dict, repr=False)
    workspace_deps: dict[str, Any] = field(default_factory=dict, repr=False)
    outside_path_deps: tuple[OutsidePathDependency, ...] = ()

    @property
    def target_dir(self) -> str:
        """Where an image build of the root writes its output: ``target`` unless configured."""
        return self.config.target_dir or "target"

    @property
    def binaries(self) -> tuple[tuple[Package, BinTarget], ...]:
        """Every binary target with its package, in member order."""
        return tuple((package, target) for package in self.members for target in package.bins)

    @property
    def native_binaries(self) -> tuple[tuple[Package, BinTarget], ...]:
        """Binary targets of packages that are not web apps: what goes into a server image."""
        return tuple((p, t) for p, t in self.binaries if not p.is_web_app)

    @property
    def web_apps(self) -> tuple[Package, ...]:
        """Members that are trunk web apps."""
        return tuple(package for package in self.members if package.is_web_app)

    @property
    def bin_names(self) -> tuple[str, ...]:
        """The names ``cargo build --bin`` accepts, in member order."""
        return tuple(target.name for _, target in self.binaries)

    def package_of(self, bin_name: str) -> Package | None:
        """The package owning binary ``bin_name``, or None when no member has it."""
        for package, target in self.binaries:
            if target.name == bin_name:
                return package
        return None

    def package(self, name: str) -> Package | None:
        """The member named ``name``, or None."""
        return next((p for p in self.members if p.name == name), None)


def find_root(start: Path) -> Path:
    """Find the workspace root for a directory (or a file) inside a cargo project.

    Walks up to the nearest ``Cargo.toml``, then on to the nearest ancestor manifest with a
    ``[workspace]`` that does not ``exclude`` it, which is how cargo itself finds the root (a
    workspace nested in another's ``exclude`` stays its own root).

    Args:
        start: where to start; a path relative to the current directory stays relative.

    Returns:
        The root directory.

    Raises:
        ScanError: ``start`` does not exist, no ``Cargo.toml`` is here or above, or one on the
            way is not valid TOML.
    """
    start = Path(start)
    if not start.exists():
        raise ScanError("no such file or directory", path=str(start),
                        hint="pass the directory of a cargo workspace (or one of its members)")
    here = start.parent if start.is_file() else start
    absolute = Path(os.path.abspath(here))
    candidates = [d for d in (absolute, *absolute.parents) if (d / "Cargo.toml").is_file()]
    if not candidates:
        raise ScanError("not a cargo project: no Cargo.toml here or in any parent directory",
                        path=str(here),
                        hint="run rsdock inside a cargo workspace, or pass its directory")
    package_manifest = candidates[0] / "Cargo.toml"
    found = candidates[0]
    for directory in candidates:
        data, _ = read_toml(_shown(directory, absolute, here) / "Cargo.toml")
        workspace = data.get("workspace")
        if isinstance(workspace, dict) and not _is_excluded(directory, workspace, package_manifest):
            found = directory
            break
    return _shown(found, absolute, here)


def _shown(directory: Path, absolute: Path, given: Path) -> Path:
    """``directory`` written relative to what the user gave when that was relative."""
    if given.is_absolute():
        return directory
    return Path(os.path.normpath(os.path.join(given, os.path.relpath(directory, absolute))))


def _is_excluded(root: Path, workspace: Table, manifest: Path) -> bool:
    """Cargo's rule: under an ``exclude`` entry and not under a literal ``members`` entry."""
    def under(entries: object) -> bool:
        return isinstance(entries, list) and any(
            isinstance(e, str) and manifest.is_relative_to(Path(os.path.normpath(root / e)))
            for e in entries)
    return under(workspace.get("exclude")) and not under(workspace.get("members"))


def scan(path: Path) -> Workspace:
    """Scan the cargo workspace containing ``path``.

    Args:
        path: the workspace root, a member directory, or a ``Cargo.toml``.

    Returns:
        The workspace model.

    Raises:
        ScanError: located (``path:line``) with a hint: not a cargo project, invalid TOML, a
            member glob matching nothing, a member without ``Cargo.toml``, a default member that
            is not a member, a package without a name, an inherited field the workspace does not
            set, a binary target cargo would reject, or a file or folder the scan may not read
            (located at it).
    """
    try:
        return _scan(path)
    except OSError as error:  # mid-scan: a member folder or file without read permission
        raise ScanError(f"cannot read this path: {error.strerror or error}",
                        path=str(error.filename or path),
                        hint="make it readable for you (chmod), or leave it out of the "
                             "workspace's `members`") from None


def _scan(path: Path) -> Workspace:
    """:func:`scan`'s work."""
    root = find_root(path)
    root_manifest = root / "Cargo.toml"
    data, text = read_toml(confined(root, root_manifest))
    workspace = data.get("workspace")
    if not isinstance(workspace, dict):
        workspace = None
    if workspace is None and "package" not in data:
        raise ScanError("the manifest has neither [package] nor [workspace]", path=str(root_manifest),
                        hint="add a [package] table, or [workspace] with `members`")
    ws_table = workspace or {}
    ws_package = table_or_empty(ws_table.get("package"))
    ws_deps = table_or_empty(ws_table.get("dependencies"))
    virtual = workspace is not None and "package" not in data

    for key in ("members", "exclude", "default-members"):
        _check_string_list(ws_table, key, root_manifest, text)
    member_dirs = _member_dirs(root, root_manifest, text, ws_table, "package" in data)
    manifests: dict[str, tuple[Path, Table, str]] = {}
    queue = list(member_dirs)
    while queue:
        directory = queue.pop(0)
        key = os.path.normpath(os.path.abspath(directory))
        if key in manifests:
            continue
        manifest = Path(os.path.normpath(directory)) / "Cargo.toml"
        member_data, member_text = (data, text) if key == os.path.abspath(root) \
            else read_toml(confined(root, manifest))
        manifests[key] = (manifest, member_data, member_text)
        for dep_dir in dependency_paths(member_data, manifest.parent, ws_deps, root):
            if _is_path_dep_member(root, ws_table, dep_dir):
                queue.append(dep_dir)

    members = tuple(sorted(
        (read_package(root, m, d, t, ws_package, root_manifest, ws_deps)
         for m, d, t in manifests.values()),
        key=lambda p: (p.dir != ".", p.dir)))
    return Workspace(
        root=root,
        manifest_path="Cargo.toml",
        virtual=virtual,
        members=members,
        default_members=_default_members(root, root_manifest, text, ws_table, members, virtual),
        rust_version=_rust_version(ws_package, members),
        has_lockfile=(root / "Cargo.lock").is_file(),
        lock=parse_lockfile(confined(root, root / "Cargo.lock"))
        if (root / "Cargo.lock").is_file() else None,
        manifests={d["package"]["name"]: d for _m, d, _t in manifests.values()
                   if isinstance(d.get("package"), dict)
                   and isinstance(d["package"].get("name"), str)},
        workspace_deps=ws_deps,
        outside_path_deps=tuple(dep for m, d, t in manifests.values()
                                for dep in outside_path_dependencies(root, m, d, t, text, ws_deps)),
        **_cargo_config(root),
    )


def _check_string_list(workspace: Table, key: str, manifest: Path, text: str) -> None:
    """Raise a located error unless ``workspace[key]`` is absent or a list of strings."""
    value = workspace.get(key)
    if value is None or (isinstance(value, list) and all(isinstance(v, str) for v in value)):
        return
    raise ScanError(f"[workspace] `{key}` must be a list of paths (strings)", path=str(manifest),
                    line=line_of_key(text, key, "workspace"),
                    hint=f'write it as `{key} = ["crates/*"]`')


def _member_dirs(root: Path, root_manifest: Path, text: str, workspace: Table,
                 root_is_package: bool) -> list[Path]:
    """The directories ``members`` names (globs expanded), each checked for a Cargo.toml."""
    dirs = [root] if root_is_package else []
    entries = workspace.get("members") or []
    if len(entries) > MAX_MEMBERS:
        raise ScanError(f"[workspace] `members` lists {len(entries):,} entries; rsdock reads up "
                        f"to {MAX_MEMBERS:,}", path=str(root_manifest),
                        line=line_of_key(text, "members", "workspace"),
                        hint="use a glob such as `crates/*` instead of listing every member")
    for entry in entries:
        if _leaves_root(entry):
            raise ScanError(f"workspace member `{printable(entry)}` lies outside the workspace root",
                            path=str(root_manifest),
                            line=line_of_string(text, entry, "workspace"),
                            hint="the image builds with the workspace root as its context, so "
                                 "it cannot reach that folder: move the crate inside, or make "
                                 "the root a common parent")
        if is_glob(entry):
            matched = expand_glob(root, entry)
            if not matched:
                raise ScanError(f"workspace member glob `{entry}` matches no directory",
                                path=str(root_manifest),
                                line=line_of_string(text, entry, "workspace"),
                                hint="fix the pattern or remove it from `members`; cargo fails "
                                     "on it too")
            matched = [d for d in matched
                       if not _is_excluded(root, workspace, d / "Cargo.toml")]
        else:
            matched = [root / entry]
        for directory in matched:
            if not (directory / "Cargo.toml").is_file():
                member = rel(directory, root)
                raise ScanError(f"workspace member `{member}` has no Cargo.toml",
                                path=str(root_manifest),
                                line=line_of_string(text, entry, "workspace"),
                                hint=f"create {member}/Cargo.toml, add `{member}` to `exclude`, "
                                     "or fix the path")
        dirs.extend(matched)
        if len(dirs) > MAX_MEMBERS:
            raise ScanError(f"the workspace has more than {MAX_MEMBERS:,} members; rsdock reads "
                            f"up to {MAX_MEMBERS:,}", path=str(root_manifest),
                            line=line_of_string(text, entry, "workspace"),
                            hint="package a smaller workspace, or narrow `members`")
    return dirs


def _leaves_root(entry: str) -> bool:
    normal = os.path.normpath(entry.replace("\\", "/"))
    return os.path.isabs(normal) or normal == ".." or normal.startswith("../")


def _is_path_dep_member(root: Path, workspace: Table, dep_dir: Path) -> bool:
    """Cargo makes a path dependency a member when it lies inside the root and is not excluded."""
    absolute = Path(os.path.normpath(os.path.abspath(dep_dir)))
    if not absolute.is_relative_to(os.path.abspath(root)) or not (absolute / "Cargo.toml").is_file():
        return False
    return not _is_excluded(Path(os.path.abspath(root)), workspace, absolute / "Cargo.toml")


def _default_members(root: Path, root_manifest: Path, text: str, workspace: Table,
                     members: tuple[Package, ...], virtual: bool) -> tuple[str, ...]:
    """``default-members`` as member directories, or cargo's default when it is absent."""
    entries = workspace.get("default-members")
    if entries is None:
        return tuple(p.dir for p in members) if virtual else (".",)
    member_dirs = {p.dir for p in members}
    chosen: list[str] = []
    for entry in entries:
        line = line_of_string(text, entry, "workspace")
        dirs = expand_glob(root, entry) if is_glob(entry) else [root / entry]
        for directory in dirs:
            shown = rel(directory, root)
            if shown not in member_dirs:
                raise ScanError(f"default member `{shown}` is not a workspace member",
                                path=str(root_manifest), line=line,
                                hint="add it to `members` or remove it from `default-members`")
            if shown not in chosen:
                chosen.append(shown)
    return tuple(chosen)


def _version_key(version: str) -> tuple[int, ...]:
    """``"1.86"`` -> ``(1, 86, 0)``; non-numeric parts count as 0."""
    parts = [int(p) if p.isdigit() else 0 for p in version.split(".")[:3]]
    return tuple(parts + [0] * (3 - len(parts)))


def _rust_version(ws_package: Table, members: tuple[Package, ...]) -> str | None:
    """The workspace MSRV: the declared one, else the highest member's."""
    if ws_package.get("rust-version") is not None:
        return str(ws_package["rust-version"])
    versions = [p.rust_version for p in members if p.rust_version]
    return max(versions, key=_version_key) if versions else None


def _cargo_config(root: Path) -> Table:
    """The ``.cargo`` configs (image and developer views) and the toolchain file."""
    config = read_config(root)
    return {"linkers": dict(config.linkers), "rustflags": dict(config.rustflags),
            "config": config, "local_config": read_config(root, parents=True),
            "toolchain": read_toolchain(root)}


def require_packageable(ws: Workspace) -> None:
    """Check that the workspace has something to put in an image.

    Kept apart from :func:`scan` because the linter reads library-only workspaces too.

    Raises:
        ScanError: no member has a binary target (outside web apps) and none is a trunk web app.
    """
    if ws.native_binaries or ws.web_apps:
        return
    raise ScanError("nothing to package: no member has a binary target or is a trunk web app",
                    path=str(ws.root / ws.manifest_path),
                    hint="add src/main.rs (or a [[bin]] table) to a member, or an index.html "
                         "for trunk; a library-only workspace has no program to run in an image")


def cargo_metadata(root: Path) -> Table | None:
    """What cargo itself reports: ``cargo metadata --no-deps --format-version 1 --offline``.

    Args:
        root: the workspace root.

    Returns:
        The parsed JSON, or None when cargo is not on PATH or fails (the scanner does not need
        it; tests and diagnostics use it as the reference).
    """
    import json
    import shutil
    import subprocess

    cargo = shutil.which("cargo")
    if cargo is None:
        return None
    try:
        done = subprocess.run([cargo, "metadata", "--no-deps", "--format-version", "1", "--offline"],
                              cwd=root, capture_output=True, text=True, timeout=120, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0:
        return None
    try:
        metadata = json.loads(done.stdout)
    except json.JSONDecodeError:
        return None
    return metadata if isinstance(metadata, dict) else None
