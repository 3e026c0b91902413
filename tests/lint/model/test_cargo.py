"""Tests for rsdock.lint.model.cargo: one fixture workspace per layout under fixtures/workspaces/.

Valid fixtures are checked twice: against the expectations below, and (when cargo is on PATH)
against ``cargo metadata``, the reference for what cargo itself sees.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from rsdock.lint.model import cargo
from rsdock.lint.knowledge import platforms
from rsdock.lint.model.cargo import BinTarget, ScanError, find_root, require_packageable, scan
from rsdock.lint.model.cargo_toml import expand_glob
from tests.tools import EXAMPLE, WORKSPACE_FIXTURES

FIXTURES = WORKSPACE_FIXTURES
HAS_CARGO = shutil.which("cargo") is not None
needs_cargo = pytest.mark.skipif(not HAS_CARGO, reason="cargo is not on PATH")

# case -> {package: (dir, version, rust_version, bins as ((name, path), ...), crate_types,
#                    is_web_app, has_build_rs)}
PACKAGES = {
    "single_package": {"my-app": (".", "1.2.3", "1.80", (("my-app", "src/main.rs"),), (), False, True)},
    "virtual_glob_exclude": {
        "api": ("crates/api", "0.1.0", None, (("api", "crates/api/src/main.rs"),), (), False, False),
        "util": ("crates/util", "0.1.0", None, (), ("lib",), False, False),
    },
    "root_package": {
        "root-app": (".", "0.2.0", None, (("root-app", "src/main.rs"),), ("lib",), False, False),
        "shared": ("libs/shared", "0.1.0", None, (), ("lib",), False, False),
        "cli": ("tools/cli", "0.1.0", None, (("cli", "tools/cli/src/main.rs"),), (), False, False),
    },
    "bin_layouts": {"multi": (".", "0.1.0", None, (
        ("custom", "tools/custom.rs"), ("one", "src/bin/one.rs"), ("multi", "src/main.rs"),
        ("two", "src/bin/two/main.rs")), (), False, False)},
    "autobins_false": {"quiet": (".", "0.1.0", None, (("only", "src/main.rs"),), (), False, False)},
    "bin_renamed": {"pkg-name": (".", "0.1.0", None, (("tool", "src/main.rs"),), (), False, False)},
    "inheritance": {
        "lib": ("lib", "0.9.0", "1.90", (), ("lib",), False, False),
        "svc": ("svc", "3.1.4", "1.86", (("svc", "svc/src/main.rs"),), (), False, False),
    },
    "msrv_max": {
        "a": ("a", "0.1.0", "1.70", (("a", "a/src/main.rs"),), (), False, False),
        "b": ("b", "0.1.0", "1.85.1", (("b", "b/src/main.rs"),), (), False, False),
    },
    "cargo_config": {"my-app": (".", "1.2.3", "1.80", (("my-app", "src/main.rs"),), (), False, False)},
    "legacy_cargo_config": {
        "my-app": (".", "1.2.3", "1.80", (("my-app", "src/main.rs"),), (), False, False)},
    "web_apps": {
        "docs-site": ("docs-site", "0.1.0", None, (("docs-site", "docs-site/src/main.rs"),), (),
                      False, False),
        "frontend": ("frontend", "0.1.0", None, (("frontend", "frontend/src/main.rs"),), (),
                     True, False),
        "wasm-lib": ("wasm-lib", "0.1.0", None, (), ("cdylib",), True, False),
    },
    "lib_only": {"just-a-lib": (".", "0.1.0", None, (), ("lib",), False, False)},
    "nested": {"outer-app": ("outer-app", "0.1.0", None, (("outer-app", "outer-app/src/main.rs"),),
                             (), False, False)},
}

# case -> (virtual, default_members, rust_version)
WORKSPACES = {
    "single_package": (False, (".",), "1.80"),
    "virtual_glob_exclude": (True, ("crates/api",), None),
    "root_package": (False, (".",), None),
    "bin_layouts": (False, (".",), None),
    "autobins_false": (False, (".",), None),
    "bin_renamed": (False, (".",), None),
    "inheritance": (True, ("lib", "svc"), "1.86"),  # [workspace.package] wins over lib's 1.90
    "msrv_max": (True, ("a", "b"), "1.85.1"),  # none declared: the highest member's
    "cargo_config": (False, (".",), "1.80"),
    "legacy_cargo_config": (False, (".",), "1.80"),
    "web_apps": (True, ("docs-site", "frontend", "wasm-lib"), None),
    "lib_only": (False, (".",), None),
    "nested": (True, ("outer-app",), None),
}
VALID = sorted(PACKAGES)


def summary(ws: cargo.Workspace) -> dict:
    """The scanned packages in the shape of PACKAGES."""
    return {p.name: (p.dir, p.version, p.rust_version, tuple((b.name, b.path) for b in p.bins),
                     p.crate_types, p.is_web_app, p.has_build_rs) for p in ws.members}


@pytest.mark.parametrize("case", VALID)
def test_scan_packages(case):
    ws = scan(FIXTURES / case)
    assert summary(ws) == PACKAGES[case]
    assert (ws.virtual, ws.default_members, ws.rust_version) == WORKSPACES[case]
    assert ws.root == FIXTURES / case
    assert ws.manifest_path == "Cargo.toml"
    assert all(p.manifest_path == ("Cargo.toml" if p.dir == "." else f"{p.dir}/Cargo.toml")
               for p in ws.members)
    assert [p.dir for p in ws.members][0] == ("." if not ws.virtual else sorted(p.dir for p in ws.members)[0])


def test_cargo_config_linkers_and_rustflags():
    arm64 = platforms.get("linux/arm64").gnu_triple
    armv7 = platforms.get("linux/arm/v7").gnu_triple
    ws = scan(FIXTURES / "cargo_config")
    assert ws.linkers == {arm64: platforms.get("linux/arm64").linker}
    assert ws.rustflags == {arm64: ("-C", "target-feature=+crt-static"),
                            armv7: ("-C", "link-arg=-s")}


def test_legacy_cargo_config_wins_like_cargo():
    ws = scan(FIXTURES / "legacy_cargo_config")
    assert ws.linkers == {platforms.get("linux/arm64").gnu_triple: "legacy-gcc"}


def test_no_cargo_config_and_no_lockfile():
    ws = scan(FIXTURES / "single_package")
    assert (ws.linkers, ws.rustflags, ws.has_lockfile) == ({}, {}, False)


def test_workspace_queries():
    ws = scan(FIXTURES / "web_apps")
    assert ws.bin_names == ("docs-site", "frontend")
    assert [(p.name, t.name) for p, t in ws.binaries] == [("docs-site", "docs-site"),
                                                          ("frontend", "frontend")]
    assert [t.name for _, t in ws.native_binaries] == ["docs-site"]
    assert [p.name for p in ws.web_apps] == ["frontend", "wasm-lib"]
    assert ws.package_of("frontend").dir == "frontend"
    assert ws.package_of("nope") is None
    assert ws.package("wasm-lib").crate_types == ("cdylib",)
    assert ws.package("nope") is None


@pytest.mark.parametrize("start, root", [
    ("virtual_glob_exclude/crates/api", "virtual_glob_exclude"),
    ("virtual_glob_exclude/crates/api/src/main.rs", "virtual_glob_exclude"),
    ("root_package/tools/cli/src", "root_package"),
    ("single_package", "single_package"),
    ("nested/outer-app", "nested"),
    ("nested/inner/member", "nested/inner"),  # excluded by the outer workspace: its own root
])
def test_find_root(start, root):
    assert find_root(FIXTURES / start) == FIXTURES / root


def test_find_root_keeps_relative_paths(monkeypatch):
    monkeypatch.chdir(FIXTURES / "virtual_glob_exclude" / "crates" / "api")
    assert find_root(Path(".")) == Path("../..")
    assert scan(Path("src")).root == Path("../..")


def test_scan_from_member_sees_whole_workspace():
    ws = scan(FIXTURES / "root_package" / "tools" / "cli")
    assert sorted(p.name for p in ws.members) == ["cli", "root-app", "shared"]


def test_glob_skips_files_and_matches_dot_dirs(tmp_path):
    (tmp_path / "crates" / ".hidden").mkdir(parents=True)
    (tmp_path / "crates" / "a").mkdir()
    (tmp_path / "crates" / "file.txt").write_text("")
    assert expand_glob(tmp_path, "crates/*") == [tmp_path / "crates" / ".hidden",
                                                 tmp_path / "crates" / "a"]
    assert expand_glob(tmp_path, "crates/[ab]") == [tmp_path / "crates" / "a"]
    assert expand_glob(tmp_path, "nothing/*") == []


# case -> the exact located message ({d} is the fixture directory).
ERRORS = {
    "err_toml_syntax": "{d}/Cargo.toml:3: error: invalid TOML: Expected newline or end of document "
                       "after a statement (column 14)\n"
                       "  hint: fix the TOML syntax; `cargo metadata` reports the same problem",
    "err_member_toml": "{d}/bad/Cargo.toml:4: error: invalid TOML: Cannot declare ('package',) "
                       "twice (column 9)\n"
                       "  hint: fix the TOML syntax; `cargo metadata` reports the same problem",
    "err_glob_nothing": "{d}/Cargo.toml:5: error: workspace member glob `plugins/*` matches no "
                        "directory\n"
                        "  hint: fix the pattern or remove it from `members`; cargo fails on it too",
    "err_member_missing": "{d}/Cargo.toml:2: error: workspace member `crates/gone` has no "
                          "Cargo.toml\n"
                          "  hint: create crates/gone/Cargo.toml, add `crates/gone` to `exclude`, "
                          "or fix the path",
    "err_inherit_missing": "{d}/app/Cargo.toml:4: error: `rust-version.workspace = true` but the "
                           "workspace does not set `rust-version`\n"
                           "  hint: add `rust-version = ...` under [workspace.package] in "
                           "{d}/Cargo.toml, or set the value in this manifest",
    "err_bin_no_source": "{d}/Cargo.toml:9: error: binary `ghost` has no source file: neither "
                         "src/bin/ghost.rs nor src/bin/ghost/main.rs exists\n"
                         "  hint: create one of them, or set `path` in its [[bin]] table",
    "err_bin_no_name": "{d}/Cargo.toml:6: error: a [[bin]] table has no `name`\n"
                       "  hint: add `name = \"...\"`: it is what `cargo build --bin` takes",
    "err_default_member": "{d}/Cargo.toml:3: error: default member `b` is not a workspace member\n"
                          "  hint: add it to `members` or remove it from `default-members`",
}


@pytest.mark.parametrize("case", sorted(ERRORS))
def test_scan_errors_are_located(case, monkeypatch):
    monkeypatch.chdir(FIXTURES)
    with pytest.raises(ScanError) as info:
        scan(Path(case))
    assert info.value.format() == ERRORS[case].format(d=case)
    assert info.value.exit_code == 2


@needs_cargo
@pytest.mark.parametrize("case", sorted(ERRORS))
def test_cargo_rejects_the_error_fixtures_too(case, tmp_path):
    shutil.copytree(FIXTURES / case, tmp_path / case)
    assert cargo.cargo_metadata(tmp_path / case) is None


def test_not_a_cargo_project(tmp_path):
    with pytest.raises(ScanError) as info:
        scan(tmp_path)
    assert info.value.format() == (
        f"{tmp_path}: error: not a cargo project: no Cargo.toml here or in any parent directory\n"
        "  hint: run rsdock inside a cargo workspace, or pass its directory")


def test_manifest_without_package_or_workspace(tmp_path):
    (tmp_path / "Cargo.toml").write_text("[dependencies]\n")
    with pytest.raises(ScanError, match=r"neither \[package\] nor \[workspace\]"):
        scan(tmp_path)


def test_toml_error_at_end_of_file(tmp_path):
    (tmp_path / "Cargo.toml").write_text('[package]\nname = "x"\nversion = "0.1.0')
    with pytest.raises(ScanError) as info:
        scan(tmp_path)
    assert info.value.line == 3
    assert "invalid TOML" in info.value.message


def test_duplicate_bin_names(tmp_path):
    (tmp_path / "src" / "bin").mkdir(parents=True)
    (tmp_path / "src" / "main.rs").write_text("fn main() {}\n")
    (tmp_path / "src" / "bin" / "x.rs").write_text("fn main() {}\n")
    (tmp_path / "Cargo.toml").write_text('[package]\nname = "x"\nedition = "2021"\n')
    with pytest.raises(ScanError, match="two binary targets are named `x`"):
        scan(tmp_path)


def test_edition_2015_explicit_bins_stop_discovery(tmp_path):
    (tmp_path / "src" / "bin").mkdir(parents=True)
    (tmp_path / "src" / "bin" / "extra.rs").write_text("fn main() {}\n")
    (tmp_path / "src" / "main.rs").write_text("fn main() {}\n")
    (tmp_path / "Cargo.toml").write_text(
        '[package]\nname = "old"\nversion = "0.1.0"\n\n[[bin]]\nname = "old"\n')
    assert scan(tmp_path).bin_names == ("old",)


def test_build_false_disables_build_script(tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "lib.rs").write_text("")
    (tmp_path / "build.rs").write_text("fn main() {}\n")
    (tmp_path / "Cargo.toml").write_text('[package]\nname = "b"\nedition = "2021"\nbuild = false\n')
    assert scan(tmp_path).members[0].has_build_rs is False


def test_require_packageable():
    with pytest.raises(ScanError) as info:
        require_packageable(scan(FIXTURES / "lib_only"))
    assert info.value.format() == (
        f"{FIXTURES / 'lib_only' / 'Cargo.toml'}: error: nothing to package: no member has a "
        "binary target or is a trunk web app\n"
        "  hint: add src/main.rs (or a [[bin]] table) to a member, or an index.html for trunk; "
        "a library-only workspace has no program to run in an image")
    require_packageable(scan(FIXTURES / "web_apps"))
    require_packageable(scan(FIXTURES / "single_package"))


def _relative(path: str, root: Path) -> str:
    return Path(os.path.relpath(path, root)).as_posix()


@needs_cargo
@pytest.mark.parametrize("case", VALID + ["<example>"])
def test_scan_matches_cargo_metadata(case, tmp_path):
    # Copy first: cargo may write into the tree, and the fixtures must stay as committed.
    source = EXAMPLE if case == "<example>" else FIXTURES / case
    root = tmp_path / "ws"
    shutil.copytree(source, root)
    ws = scan(root)
    meta = cargo.cargo_metadata(root)
    assert meta is not None, f"cargo metadata failed on {case}"
    real_root = Path(meta["workspace_root"])
    theirs = {}
    for package in meta["packages"]:
        targets = package["targets"]
        bins = sorted((t["name"], _relative(t["src_path"], real_root))
                      for t in targets if t["kind"] == ["bin"])
        libs = [t["crate_types"] for t in targets
                if not set(t["kind"]) & {"bin", "test", "bench", "example", "custom-build"}]
        theirs[package["name"]] = (
            _relative(package["manifest_path"], real_root), package["version"],
            package["rust_version"], bins, tuple(libs[0]) if libs else (),
            any(t["kind"] == ["custom-build"] for t in targets))
    ours = {p.name: (p.manifest_path, p.version, p.rust_version,
                     sorted((b.name, b.path) for b in p.bins), p.crate_types, p.has_build_rs)
            for p in ws.members}
    assert ours == theirs
    dirs_by_id = {p["id"]: _relative(str(Path(p["manifest_path"]).parent), real_root)
                  for p in meta["packages"]}
    assert sorted(ws.default_members) == sorted(dirs_by_id[i] for i in
                                                meta["workspace_default_members"])


def test_cargo_metadata_without_cargo(monkeypatch):
    monkeypatch.setattr("shutil.which", lambda name: None)  # cargo_metadata imports shutil when run
    assert cargo.cargo_metadata(FIXTURES / "single_package") is None


def test_example_workspace():
    ws = scan(EXAMPLE)
    assert ws.virtual and ws.has_lockfile
    assert ws.rust_version == "1.86"
    assert ws.bin_names == ("server", "migrate")
    assert ws.package("server").bins == (BinTarget("server", "crates/server/src/main.rs"),
                                         BinTarget("migrate", "crates/server/src/bin/migrate.rs"))
    assert [p.name for p in ws.web_apps] == ["web"]
    assert ws.package("web").crate_types == ("cdylib", "rlib")
    assert ws.package_of("migrate").dir == "crates/server"
    assert ws.package("app-core").has_lib
    require_packageable(ws)


@needs_cargo
def test_example_workspace_builds_offline(tmp_path):
    root = tmp_path / "example"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("target"))
    done = subprocess.run(["cargo", "build", "--offline", "--locked", "--quiet"], cwd=root,
                          capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr
    assert (root / "target" / "debug" / "server").is_file()
    assert (root / "target" / "debug" / "migrate").is_file()
    assert not (EXAMPLE / "target").exists()


def test_missing_start_path(tmp_path):
    with pytest.raises(ScanError) as info:
        find_root(tmp_path / "nope")
    assert info.value.format() == (
        f"{tmp_path / 'nope'}: error: no such file or directory\n"
        "  hint: pass the directory of a cargo workspace (or one of its members)")


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


def test_inherited_path_dependency_becomes_member(tmp_path):
    _write(tmp_path, {
        "Cargo.toml": '[workspace]\nmembers = ["app"]\n\n[workspace.dependencies]\n'
                      'helper = { path = "libs/helper" }\nfar = { path = "../far" }\n',
        "app/Cargo.toml": '[package]\nname = "app"\nedition = "2021"\n\n'
                          '[target.\'cfg(unix)\'.dependencies]\nhelper.workspace = true\n',
        "app/src/main.rs": "fn main() {}\n",
        "libs/helper/Cargo.toml": '[package]\nname = "helper"\nedition = "2021"\n',
        "libs/helper/src/lib.rs": "",
    })
    ws = scan(tmp_path)
    assert [p.dir for p in ws.members] == ["app", "libs/helper"]
    assert ws.members[0].version == "0.0.0"  # omitted: cargo's default


def test_custom_lib_path_autolib_and_build_path(tmp_path):
    _write(tmp_path, {
        "Cargo.toml": '[package]\nname = "odd"\nedition = "2021"\nbuild = "tools/gen.rs"\n'
                      'autolib = false\n\n[lib]\npath = "code/lib.rs"\nproc-macro = true\n',
        "code/lib.rs": "",
        "src/lib.rs": "",
    })
    package = scan(tmp_path).members[0]
    assert (package.has_lib, package.crate_types, package.has_build_rs) == (True, ("proc-macro",), True)
    (tmp_path / "Cargo.toml").write_text('[package]\nname = "odd"\nautolib = false\n')
    assert scan(tmp_path).members[0].has_lib is False


def test_lib_table_without_source(tmp_path):
    _write(tmp_path, {"Cargo.toml": '[package]\nname = "nolib"\n\n[lib]\ncrate-type = ["cdylib"]\n'})
    with pytest.raises(ScanError) as info:
        scan(tmp_path)
    assert (info.value.line, info.value.message) == (4, "[lib] has no `path` and src/lib.rs does "
                                                        "not exist")


def test_cargo_config_toml_error_is_located(tmp_path):
    _write(tmp_path, {"Cargo.toml": '[package]\nname = "c"\n', "src/main.rs": "fn main() {}\n",
                      ".cargo/config.toml": '[target.x]\nlinker = \n'})
    with pytest.raises(ScanError) as info:
        scan(tmp_path)
    assert (info.value.path, info.value.line) == (str(tmp_path / ".cargo" / "config.toml"), 2)


def test_member_listed_literally_overrides_exclude(tmp_path):
    _write(tmp_path, {
        "Cargo.toml": '[workspace]\nmembers = ["crates/*", "crates/keep"]\n'
                      'exclude = ["crates/keep", "crates/drop"]\n',
        "crates/keep/Cargo.toml": '[package]\nname = "keep"\n',
        "crates/keep/src/main.rs": "fn main() {}\n",
        "crates/drop/Cargo.toml": '[package]\nname = "drop"\n',
        "crates/drop/src/main.rs": "fn main() {}\n",
    })
    assert [p.name for p in scan(tmp_path).members] == ["keep"]


@pytest.mark.parametrize("value", ['"crates/*"', '["crates/a", 3]'])
def test_members_must_be_a_list_of_strings(tmp_path, value):
    _write(tmp_path, {"Cargo.toml": f'[workspace]\nresolver = "2"\nmembers = {value}\n'})
    with pytest.raises(ScanError) as info:
        scan(tmp_path)
    assert (info.value.line, info.value.message) == (
        3, "[workspace] `members` must be a list of paths (strings)")


def test_inheritable_field_of_the_wrong_type(tmp_path):
    _write(tmp_path, {"Cargo.toml": '[package]\nname = "a"\nversion = { workspace = 1 }\n'})
    with pytest.raises(ScanError) as info:
        scan(tmp_path)
    assert (info.value.line, info.value.message) == (
        3, "`version` must be a string or `{ workspace = true }`")


@pytest.mark.parametrize("manifest", [
    'target = "x"\n[package]\nname = "a"\n',
    '[package]\nname = "a"\n[target.x]\ndependencies = 5\n',
    'dependencies = "x"\nbin = 3\nlib = 4\n[package]\nname = "a"\n',
    '[workspace]\npackage = 3\ndependencies = 4\n[package]\nname = "a"\n',
])
def test_odd_tables_do_not_crash(tmp_path, manifest):
    _write(tmp_path, {"Cargo.toml": manifest, ".cargo/config.toml": "target = 4\n"})
    assert [p.name for p in scan(tmp_path).members] == ["a"]


def test_edition_2015_legacy_bin_path(tmp_path):
    _write(tmp_path, {"Cargo.toml": '[package]\nname = "old"\n\n[[bin]]\nname = "tool"\n',
                      "src/tool.rs": "fn main() {}\n"})
    assert scan(tmp_path).members[0].bins == (BinTarget("tool", "src/tool.rs"),)


def test_ambiguous_bin_source(tmp_path):
    _write(tmp_path, {"Cargo.toml": '[package]\nname = "a"\nedition = "2021"\n\n[[bin]]\nname = "x"\n',
                      "src/bin/x.rs": "fn main() {}\n", "src/bin/x/main.rs": "fn main() {}\n"})
    with pytest.raises(ScanError) as info:
        scan(tmp_path)
    assert (info.value.line, info.value.message) == (
        5, "cannot tell which file is binary `x`: both src/bin/x.rs and src/bin/x/main.rs exist")
