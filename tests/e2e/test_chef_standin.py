"""The lab's cargo-chef stand-in (images/rust/cargo-chef.rs), checked against cargo-chef's own
documented behaviour and its test cases (tests/caching/tests.rs and tests/skeletons/ of
LukeMathWalker/cargo-chef at 52669eb): fast suite, no lab, skipped without rustc and cargo.

The workspace here has a crates.io dependency served, as in the lab, from a directory source
that replaces crates-io (CARGO_HOME/config.toml), so everything runs offline.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

SOURCE = Path(__file__).parent / "images" / "rust" / "cargo-chef.rs"

pytestmark = pytest.mark.skipif(not (shutil.which("rustc") and shutil.which("cargo")),
                                reason="needs rustc and cargo on PATH")


def _write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)


@pytest.fixture(scope="module")
def chef(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("chef") / "cargo-chef"
    subprocess.run(["rustc", "--edition", "2021", "-o", str(out), str(SOURCE)], check=True,
                   capture_output=True)
    return out


@pytest.fixture
def env(tmp_path) -> dict[str, str]:
    """CARGO_HOME whose crates-io is a directory source holding one crate, `extdep`."""
    registry = tmp_path / "registry"
    _write(registry / "extdep-1.0.0", {
        "Cargo.toml": '[package]\nname = "extdep"\nversion = "1.0.0"\nedition = "2021"\n',
        "src/lib.rs": "pub fn answer() -> u32 { 42 }\n",
        ".cargo-checksum.json": '{"files":{}}',
    })
    home = tmp_path / "cargo-home"
    _write(home, {"config.toml": '[source.crates-io]\nreplace-with = "lab"\n\n'
                                 f'[source.lab]\ndirectory = "{registry}"\n'})
    e = dict(os.environ, CARGO_HOME=str(home), CARGO_TERM_COLOR="never")
    e.pop("CARGO_TARGET_DIR", None)
    e.pop("RUSTFLAGS", None)
    return e


WORKSPACE = {
    "Cargo.toml": '[workspace]\nmembers = ["crates/*"]\nresolver = "2"\n\n'
                  '[workspace.package]\nversion = "0.3.0"\nedition = "2021"\n\n'
                  '[workspace.dependencies]\nlibw = { path = "crates/libw", version = "0.3.0" }\n\n'
                  '[workspace.lints.rust]\nmissing_docs = "deny"\n',
    "crates/libw/Cargo.toml": '[package]\nname = "libw"\nversion.workspace = true\n'
                              'edition.workspace = true\n\n[lints]\nworkspace = true\n\n'
                              '[dependencies]\nextdep = "1"\n',
    "crates/libw/src/lib.rs": "//! The library.\n/// Forty-two.\n"
                              "pub fn value() -> u32 { extdep::answer() }\n",
    "crates/app/Cargo.toml": '[package]\nname = "app"\nversion = "1.2.3"\nedition = "2021"\n\n'
                             '[dependencies]\nlibw.workspace = true\n',
    "crates/app/build.rs": 'fn main() { println!("cargo:rustc-env=APP_BUILT=yes"); }\n',
    "crates/app/src/main.rs": 'fn main() { println!("app {} {}", libw::value(), env!("APP_BUILT")); }\n',
    "crates/app/src/bin/tool.rs": 'fn main() { println!("tool"); }\n',
}


def _project(root: Path, env: dict[str, str]) -> Path:
    _write(root, WORKSPACE)
    subprocess.run(["cargo", "generate-lockfile", "--offline"], cwd=root, env=env, check=True,
                   capture_output=True)
    return root


def _prepare(chef: Path, project: Path, env: dict[str, str]) -> dict:
    subprocess.run([str(chef), "chef", "prepare", "--recipe-path", "recipe.json"], cwd=project,
                   env=env, check=True, capture_output=True, text=True)
    return json.loads((project / "recipe.json").read_text())


def _compiled(log: str) -> list[str]:
    return sorted(re.findall(r"^\s*Compiling (\S+) v", log, re.M))


def test_recipe_is_the_skeleton(chef, env, tmp_path):
    project = _project(tmp_path / "src", env)
    recipe = _prepare(chef, project, env)["skeleton"]
    manifests = {m["relative_path"]: m for m in recipe["manifests"]}
    assert sorted(manifests) == ["Cargo.toml", "crates/app/Cargo.toml", "crates/libw/Cargo.toml"]
    kinds = {(t["kind"], t["path"]) for t in manifests["crates/app/Cargo.toml"]["targets"]}
    assert kinds == {("bin", "src/main.rs"), ("bin", "src/bin/tool.rs"),
                     ("custom-build", "build.rs")}
    # Local versions masked (cargo-chef's version_masking), lints dropped (read.rs).
    assert 'version = "0.0.1"' in manifests["crates/app/Cargo.toml"]["contents"]
    root = manifests["Cargo.toml"]["contents"]
    assert "0.3.0" not in root and "lints" not in root
    assert "lints" not in manifests["crates/libw/Cargo.toml"]["contents"]
    lock = recipe["lock_file"]
    assert re.search(r'name = "app"\nversion = "0.0.1"', lock)
    assert re.search(r'name = "extdep"\nversion = "1.0.0"', lock)


def test_recipe_follows_dependencies_not_versions_or_sources(chef, env, tmp_path):
    """cargo-chef's tests: recipe_is_unchanged_when_workspace_member_version_changes,
    recipe_changes_when_workspace_member_dependencies_change (and a source edit)."""
    project = _project(tmp_path / "src", env)
    before = _prepare(chef, project, env)
    app = project / "crates/app/Cargo.toml"
    app.write_text(app.read_text().replace('version = "1.2.3"', 'version = "9.9.9"'))
    (project / "crates/app/src/main.rs").write_text('fn main() { println!("changed"); }\n')
    subprocess.run(["cargo", "generate-lockfile", "--offline"], cwd=project, env=env, check=True,
                   capture_output=True)
    assert _prepare(chef, project, env) == before
    app.write_text(app.read_text() + 'extdep = "1"\n')
    assert _prepare(chef, project, env) != before


def test_cook_then_build_compiles_only_the_workspace(chef, env, tmp_path):
    """The point of cook: the dependencies are built in the cooked layer, the real build after
    `COPY . .` compiles the workspace's crates only, and the binary is the real one (the
    dummies' artifacts are gone), for --release --target --bin as rsdock's Dockerfile cooks."""
    project = _project(tmp_path / "src", env)
    _prepare(chef, project, env)
    host = re.search(r"^host: (\S+)", subprocess.run(["rustc", "-vV"], capture_output=True,
                                                       text=True).stdout, re.M).group(1)
    build = tmp_path / "build"
    build.mkdir()
    shutil.copy(project / "recipe.json", build / "recipe.json")
    flags = ["--release", "--locked", "--target", host, "--bin", "app"]
    cook = subprocess.run([str(chef), "chef", "cook", *flags, "--recipe-path", "recipe.json"],
                          cwd=build, env=env, capture_output=True, text=True)
    assert cook.returncode == 0, cook.stderr
    assert "extdep" in _compiled(cook.stderr)
    shutil.copytree(project, build, dirs_exist_ok=True)  # COPY . .
    real = subprocess.run(["cargo", "build", *flags], cwd=build, env=env, capture_output=True,
                          text=True)
    assert real.returncode == 0, real.stderr
    assert _compiled(real.stderr) == ["app", "libw"], real.stderr
    out = subprocess.run([str(build / "target" / host / "release" / "app")], capture_output=True,
                         text=True)
    assert out.stdout.strip() == "app 42 yes"


def test_cook_refuses_what_it_does_not_know(chef, env, tmp_path):
    project = _project(tmp_path / "src", env)
    _prepare(chef, project, env)
    res = subprocess.run([str(chef), "chef", "cook", "--frobnicate"], cwd=project, env=env,
                         capture_output=True, text=True)
    assert res.returncode != 0 and "unknown cook argument '--frobnicate'" in res.stderr
