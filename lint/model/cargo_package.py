"""One workspace member: its manifest, inherited fields, and its targets as cargo sees them.

A helper of :mod:`rsdock.lint.model.cargo`, which re-exports :class:`BinTarget` and :class:`Package`.
Target discovery follows cargo's ``util/toml/targets.rs``: ``src/main.rs`` is a binary named after
the package, ``src/bin/*.rs`` and ``src/bin/*/main.rs`` are binaries named after the file or
directory, explicit ``[[bin]]`` tables come first and hide inferred ones with the same name or
path, and ``autobins = false`` (or edition 2015 with explicit tables) stops adding the rest.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from rsdock.lint.knowledge.names import CONFLICTING_ARTIFACT_NAMES
from rsdock.lint.model.cargo_toml import (ScanError, Table, confined, line_of, line_of_key,
                                            line_of_string)
from rsdock.records import record

# Dependencies that mark a crate as built for the browser (with index.html: a trunk app).
_WASM_CRATES = frozenset({"wasm-bindgen", "web-sys", "yew", "leptos", "dioxus", "sycamore"})
_DEP_TABLES = ("dependencies", "dev-dependencies", "build-dependencies")
# Package fields a member may take from [workspace.package] with `key.workspace = true`.
_INHERITED = ("version", "rust-version", "edition")


@record(frozen=True)
class BinTarget:
    """A binary target.

    Attributes:
        name: the name ``cargo build --bin`` takes (a package name's ``-`` is kept).
        path: the source file, relative to the workspace root, ``/``-separated.
        features_off: its ``required-features`` that the package's default features do not
            enable: cargo refuses ``--bin NAME`` without ``--features`` naming them.
    """

    name: str
    path: str
    features_off: tuple[str, ...] = ()


@record(frozen=True)
class Package:
    """A workspace member.

    Attributes:
        name: the package name.
        version: the version after workspace inheritance (``0.0.0`` when omitted, as cargo does).
        manifest_path: its ``Cargo.toml``, relative to the workspace root.
        dir: its directory relative to the workspace root, ``.`` for the root package.
        rust_version: the MSRV after inheritance, or None.
        bins: the binary targets, explicit ``[[bin]]`` tables first, then inferred ones.
        has_lib: whether it has a library target.
        crate_types: the library's crate types (``("lib",)`` by default), empty without a lib.
        is_web_app: a trunk app: ``index.html`` beside ``Cargo.toml`` and a wasm setup (the
            html has a ``data-trunk`` link, a ``Trunk.toml`` exists, the lib is a ``cdylib``, or
            it depends on wasm-bindgen, web-sys, yew, leptos, dioxus or sycamore).
        has_build_rs: whether cargo runs a build script for it.
        publish: False when the manifest says ``publish = false`` (or an empty registry list),
            after workspace inheritance.
        uses: the directories (as in :attr:`dir`) of the path dependencies it needs to build or
            run (``[dependencies]``, plain or per target; not dev or build dependencies), so a
            package other members use is recognisable as a library.
    """

    name: str
    version: str
    manifest_path: str
    dir: str
    rust_version: str | None
    bins: tuple[BinTarget, ...]
    has_lib: bool
    crate_types: tuple[str, ...]
    is_web_app: bool
    has_build_rs: bool
    publish: bool = True
    uses: tuple[str, ...] = ()


def rel(path: Path, root: Path) -> str:
    """``path`` relative to ``root``, normalised and ``/``-separated (``.`` for the root)."""
    return Path(os.path.normpath(os.path.relpath(path, root))).as_posix()


def dependency_paths(manifest: Table, pkg_dir: Path, workspace_deps: Table, root: Path,
                     tables: tuple[str, ...] = _DEP_TABLES) -> list[Path]:
    """Directories of the path dependencies a manifest declares (cargo makes those members).

    Args:
        manifest: the parsed member manifest.
        pkg_dir: the member's directory (relative ``path`` keys are resolved against it).
        workspace_deps: the root's ``[workspace.dependencies]``, for ``dep.workspace = true``.
        root: the workspace root (inherited ``path`` keys are resolved against it).
        tables: which dependency tables to read (all three kinds by default).
    """
    found = []
    for table in _dependency_tables(manifest, tables):
        for dep_name, spec in table.items():
            if not isinstance(spec, dict):
                continue
            if isinstance(spec.get("path"), str):
                found.append(pkg_dir / spec["path"])
            elif spec.get("workspace") is True:
                inherited = workspace_deps.get(dep_name)
                if isinstance(inherited, dict) and isinstance(inherited.get("path"), str):
                    found.append(root / inherited["path"])
    return found


@record(frozen=True)
class OutsidePathDependency:
    """A ``path`` dependency that leads out of the workspace root (so out of the build context).

    Attributes:
        manifest: the ``Cargo.toml`` declaring the path, relative to the root.
        line: the 1-based line of the path (or of the dependency's key), or None.
        name: the dependency's name.
        path: the path as written.
    """

    manifest: str
    line: int | None
    name: str
    path: str


def outside_path_dependencies(root: Path, manifest: Path, data: Table, text: str,
                              root_text: str, workspace_deps: Table
                              ) -> list[OutsidePathDependency]:
    """The path dependencies of one parsed manifest that resolve outside ``root``.

    A dependency inherited with ``workspace = true`` is located in the root manifest, where its
    path is written.
    """
    found = []
    base = os.path.abspath(root)
    for table in _dependency_tables(data):
        for name, spec in table.items():
            if not isinstance(spec, dict):
                continue
            where, source, written = manifest, text, spec.get("path")
            if not isinstance(written, str) and spec.get("workspace") is True:
                inherited = workspace_deps.get(name)
                written = inherited.get("path") if isinstance(inherited, dict) else None
                where, source = root / "Cargo.toml", root_text
            if not isinstance(written, str):
                continue
            resolved = os.path.normpath(os.path.join(os.path.abspath(where.parent), written))
            if resolved == base or resolved.startswith(base + os.sep):
                continue
            rel = os.path.relpath(where, root).replace(os.sep, "/")
            line = line_of_string(source, written) or line_of_key(source, name)
            found.append(OutsidePathDependency(rel, line, str(name), written))
    return found


def _dependency_tables(manifest: Table, tables: tuple[str, ...] = _DEP_TABLES) -> list[Table]:
    """Every dependency table of ``tables``' kinds, plain and under ``[target.*]``."""
    targets = table_or_empty(manifest.get("target")).values()
    scopes = [manifest] + [t for t in targets if isinstance(t, dict)]
    return [table_or_empty(scope.get(name)) for scope in scopes for name in tables]


def table_or_empty(value: object) -> Table:
    """``value`` when it is a table, else an empty one (cargo reports such type errors itself)."""
    return value if isinstance(value, dict) else {}


def read_package(root: Path, manifest: Path, data: Table, text: str, ws_package: Table,
                 root_manifest: Path, workspace_deps: Table | None = None) -> Package:
    """Build the :class:`Package` of one parsed member manifest.

    Args:
        root: the workspace root directory.
        manifest: the member's ``Cargo.toml`` (as shown in errors).
        data: its parsed TOML.
        text: its text, to locate errors.
        ws_package: the root's ``[workspace.package]`` table, for inherited fields.
        root_manifest: the root ``Cargo.toml`` (named in hints about inheritance).
        workspace_deps: the root's ``[workspace.dependencies]``, for ``dep.workspace = true``.

    Raises:
        ScanError: no ``[package]`` name, an inherited field the workspace does not set, a
            ``[[bin]]`` without a name or with no source file, or duplicate binary names.
    """
    pkg_dir = manifest.parent
    package = data.get("package") or data.get("project")
    if not isinstance(package, dict) or not isinstance(package.get("name"), str):
        raise ScanError("the manifest has no [package] table with a `name`", path=str(manifest),
                        line=line_of(text, r"^\s*\[\s*package\s*\]"),
                        hint="add `name = \"...\"` under [package], or remove the path from the "
                             "workspace members")
    fields = {}
    for key in _INHERITED:
        value = package.get(key)
        if isinstance(value, dict) and value.get("workspace") is True:
            if key not in ws_package:
                raise ScanError(
                    f"`{key}.workspace = true` but the workspace does not set `{key}`",
                    path=str(manifest), line=line_of_key(text, key, "package"),
                    hint=f"add `{key} = ...` under [workspace.package] in {root_manifest}, "
                         "or set the value in this manifest")
            value = ws_package[key]
        elif isinstance(value, (dict, list)):
            raise ScanError(f"`{key}` must be a string or `{{ workspace = true }}`",
                            path=str(manifest), line=line_of_key(text, key, "package"),
                            hint=f'write `{key} = "..."` or `{key}.workspace = true`')
        fields[key] = str(value) if value is not None else None
    name = package["name"]
    edition = fields["edition"] or "2015"
    lib, crate_types = _lib_target(pkg_dir, data, package, manifest, text)
    bins = _bin_targets(root, pkg_dir, name, data, package, edition, lib, manifest, text)
    return Package(
        name=name,
        version=fields["version"] or "0.0.0",
        manifest_path=rel(manifest, root),
        dir=rel(pkg_dir, root),
        rust_version=fields["rust-version"],
        bins=bins,
        has_lib=lib,
        crate_types=crate_types,
        is_web_app=_is_web_app(root, pkg_dir, data, crate_types),
        has_build_rs=_has_build_script(pkg_dir, package.get("build")),
        publish=_publishes(package.get("publish"), ws_package.get("publish")),
        uses=tuple(dict.fromkeys(
            rel(path, root) for path in dependency_paths(
                data, pkg_dir, workspace_deps or {}, root, tables=("dependencies",)))),
    )


def _publishes(value: object, inherited: object) -> bool:
    """cargo's ``publish``: false, or an empty registry list, means never published."""
    if isinstance(value, dict) and value.get("workspace") is True:
        value = inherited
    return not (value is False or value == [])


def _lib_target(pkg_dir: Path, data: Table, package: Table, manifest: Path,
                text: str) -> tuple[bool, tuple[str, ...]]:
    """Whether there is a library target, and its crate types."""
    lib = data.get("lib")
    inferred = (pkg_dir / "src" / "lib.rs").exists() and package.get("autolib") is not False
    if not isinstance(lib, dict):
        return (True, ("lib",)) if inferred else (False, ())
    if "path" not in lib and not inferred:
        raise ScanError("[lib] has no `path` and src/lib.rs does not exist", path=str(manifest),
                        line=line_of(text, r"^\s*\[\s*lib\s*\]"),
                        hint="create src/lib.rs or set `path` under [lib]")
    kinds = lib.get("crate-type", lib.get("crate_type"))
    if isinstance(kinds, list) and kinds:
        return True, tuple(str(k) for k in kinds)
    if lib.get("proc-macro", lib.get("proc_macro")) is True:
        return True, ("proc-macro",)
    return True, ("lib",)


def _inferred_bins(pkg_dir: Path, package_name: str) -> list[tuple[str, Path]]:
    """Binaries cargo finds on its own: src/main.rs, src/bin/*.rs, src/bin/*/main.rs."""
    found = []
    if (pkg_dir / "src" / "main.rs").exists():
        found.append((package_name, pkg_dir / "src" / "main.rs"))
    bin_dir = pkg_dir / "src" / "bin"
    try:
        entries = sorted(os.listdir(bin_dir))
    except OSError:
        entries = []
    for entry in entries:
        path = bin_dir / entry
        if entry.startswith("."):
            continue
        if path.is_dir():
            if (path / "main.rs").exists():
                found.append((entry, path / "main.rs"))
        elif entry.endswith(".rs"):
            found.append((entry[:-3], path))
    return found


def _bin_targets(root: Path, pkg_dir: Path, package_name: str, data: Table, package: Table,
                 edition: str, has_lib: bool, manifest: Path, text: str) -> tuple[BinTarget, ...]:
    """The binary targets, merged from ``[[bin]]`` tables and discovery as cargo does."""
    inferred = _inferred_bins(pkg_dir, package_name)
    tables = data.get("bin")
    autobins = package.get("autobins")
    if not isinstance(tables, list):
        tables = []
        autobins = autobins is not False  # with no [[bin]] tables even edition 2015 discovers
    explicit: list[tuple[str, Path | None, int | None]] = []
    features_off: dict[str, tuple[str, ...]] = {}
    for index, table in enumerate(tables):
        line = _nth_bin_header(text, index)
        name = table.get("name") if isinstance(table, dict) else None
        if not isinstance(name, str) or not name.strip():
            raise ScanError("a [[bin]] table has no `name`", path=str(manifest), line=line,
                            hint="add `name = \"...\"`: it is what `cargo build --bin` takes")
        path = table.get("path")
        explicit.append((name, pkg_dir / path if isinstance(path, str) else None, line))
        required = table.get("required-features")
        if isinstance(required, list):
            on = _default_features(data.get("features"))
            features_off[name] = tuple(f for f in required if isinstance(f, str) and f not in on)
    seen_names = {name for name, _, _ in explicit}
    seen_paths = {os.path.normpath(path) for _, path, _ in explicit if path is not None}
    remaining = [(n, p) for n, p in inferred
                 if n not in seen_names and os.path.normpath(p) not in seen_paths]
    # Edition 2015 with explicit [[bin]] tables and no autobins key discovers nothing more.
    if autobins is None:
        autobins = edition != "2015"
    merged = list(explicit) + ([(n, p, None) for n, p in remaining] if autobins else [])

    result = []
    names_seen: set[str] = set()
    for name, path, line in merged:
        if name in CONFLICTING_ARTIFACT_NAMES:
            raise ScanError(f"the binary target name `{name}` is forbidden: it conflicts with "
                            "cargo's build directory names", path=str(manifest), line=line,
                            hint="rename the binary (cargo itself refuses this manifest)")
        if name in names_seen:
            raise ScanError(f"two binary targets are named `{name}`", path=str(manifest), line=line,
                            hint="binary names must be unique within a package: rename one")
        names_seen.add(name)
        if path is None:
            path = _infer_bin_path(name, inferred, pkg_dir, edition, has_lib, manifest, line)
        result.append(BinTarget(name, rel(path, root), features_off.get(name, ())))
    return tuple(result)


def _default_features(features: object) -> set[str]:
    """The features a plain build enables: ``default`` and what it enables, transitively
    (``dep:x`` and ``x/y`` entries name dependencies, not features, and are followed no
    further; ``x/y`` also counts ``x``, the optional dependency cargo turns on, ``x?/y`` not)."""
    table = features if isinstance(features, dict) else {}
    on: set[str] = set()
    pending = ["default"]
    while pending:
        feature = pending.pop()
        if feature in on or feature.startswith("dep:"):
            continue
        on.add(feature)
        if "/" in feature:
            name = feature.split("/", 1)[0]
            if not name.endswith("?"):  # `x?/y` enables y only if x is on already
                pending.append(name)
            continue
        enables = table.get(feature)
        if isinstance(enables, list):
            pending.extend(str(entry) for entry in enables)
    on.discard("default")
    return on


def _infer_bin_path(name: str, inferred: list[tuple[str, Path]], pkg_dir: Path, edition: str,
                    has_lib: bool, manifest: Path, line: int | None) -> Path:
    """The source of a ``[[bin]]`` without ``path``: the discovered file with that name."""
    matching = [p for n, p in inferred if n == name]
    if len(matching) == 1:
        return matching[0]
    if edition == "2015":
        legacy = ([] if has_lib else [pkg_dir / "src" / f"{name}.rs"]) + [
            pkg_dir / "src" / "main.rs", pkg_dir / "src" / "bin" / "main.rs"]
        for candidate in legacy:
            if candidate.exists():
                return candidate
    if matching:
        first, second = sorted(rel(p, pkg_dir) for p in matching[:2])
        raise ScanError(f"cannot tell which file is binary `{name}`: both {first} and {second} exist",
                        path=str(manifest), line=line,
                        hint="set `path` in its [[bin]] table, or remove one of the files")
    raise ScanError(f"binary `{name}` has no source file: neither src/bin/{name}.rs nor "
                    f"src/bin/{name}/main.rs exists", path=str(manifest), line=line,
                    hint="create one of them, or set `path` in its [[bin]] table")


def _nth_bin_header(text: str, index: int) -> int | None:
    """The line of the ``index``-th ``[[bin]]`` header (0-based)."""
    headers = [n for n, line in enumerate(text.splitlines(), start=1)
               if re.match(r"^\s*\[\[\s*bin\s*\]\]", line)]
    return headers[index] if index < len(headers) else None


def _is_web_app(root: Path, pkg_dir: Path, data: Table, crate_types: tuple[str, ...]) -> bool:
    """A trunk app: ``index.html`` next to the manifest plus a sign that it targets wasm."""
    index = pkg_dir / "index.html"
    if not index.is_file():
        return False
    confined(root, index)  # read like every cargo file: never through a link leading out
    try:
        html = index.read_text(encoding="utf-8", errors="replace")
    except OSError:
        html = ""
    if "data-trunk" in html or (pkg_dir / "Trunk.toml").is_file() or "cdylib" in crate_types:
        return True
    deps = {name for table in _dependency_tables(data) for name in table}
    return bool(deps & _WASM_CRATES)


def _has_build_script(pkg_dir: Path, build: object) -> bool:
    """Whether cargo compiles and runs a build script (``build = false`` turns it off)."""
    if build is False:
        return False
    if build is True or isinstance(build, str) or (isinstance(build, list) and build):
        return True  # a list is cargo's (unstable) multiple build scripts
    return (pkg_dir / "build.rs").is_file()
