"""musl (alpine, scratch) with C dependencies: what rsdock refuses, and the way out it names.

A system library (openssl-sys, libsqlite3-sys, Debian's zstd-sys) cannot be had for musl from
Debian; C++ has no musl library there; and C compiled for musl would go through Debian's
musl-dev wrapper, which no build has proven (the lab has no musl Rust std): every one is refused
by ``rsdock init`` (exit 2, nothing written), each with the way out (a glibc runtime, cargo-zigbuild, the crate's vendored/bundled feature). The TUI shows the
same refusals: tests/wizard/tui/test_tui_cdeps.py.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.tools import REPO, WORKSPACE_FIXTURES

E2E = REPO / "tests" / "e2e" / "workspaces"
ZIG = "cargo-zigbuild (zig as the musl C compiler; rsdock does not generate that build)"
GLIBC = "choose debian-slim or distroless (glibc)"
SYSTEM_WAY_OUT = f"{GLIBC}, or enable the crates' vendored/bundled feature and build with {ZIG}"
OTHER_WAY_OUT = f"{GLIBC}, or build with {ZIG}"
UNPROVEN = ("for the target, and no musl C compiler is proven by a build here (Debian's musl-dev "
            "wrapper is untried: the build lab has no musl Rust std)")

# A one-binary workspace whose Cargo.lock reaches ``crate`` (with ``deps``) from ``api``.
LOCK = """version = 4
[[package]]
name = "api"
version = "0.1.0"
dependencies = ["{crate}"]
[[package]]
name = "{crate}"
version = "1.0.0"
source = "registry+https://github.com/rust-lang/crates.io-index"
dependencies = [{deps}]
[[package]]
name = "cc"
version = "1.2.1"
source = "registry+https://github.com/rust-lang/crates.io-index"
"""


def lock_workspace(root: Path, crate: str, deps: str, spec: str = '"1"') -> Path:
    (root / "src").mkdir(parents=True)
    (root / "Cargo.toml").write_text(
        f'[package]\nname = "api"\nversion = "0.1.0"\nedition = "2021"\n'
        f'rust-version = "1.85"\n[dependencies]\n{crate} = {spec}\n')
    (root / "src" / "main.rs").write_text("fn main() {}\n")
    (root / "Cargo.lock").write_text(LOCK.format(crate=crate, deps=deps))
    return root


def copy(source: Path, root: Path) -> Path:
    shutil.copytree(source, root, ignore=shutil.ignore_patterns("target"))
    return root


# name -> (make the workspace under a folder, image, [(why, way out)])
CASES = {
    "openssl-and-sqlite": (
        lambda d: copy(WORKSPACE_FIXTURES / "cdeps", d), "api",
        [("openssl-sys, libsqlite3-sys link system libraries, which Debian builds for glibc "
          "only", SYSTEM_WAY_OUT)]),
    # Debian's zstd-sys (the lab's) has no `cc` dependency: it can only link the system libzstd.
    "zstd-sys-system": (
        lambda d: copy(E2E / "zstd", d), "labzstd",
        [("zstd-sys links a system library, which Debian builds for glibc only",
          SYSTEM_WAY_OUT)]),
    # Upstream's zstd-sys compiles its bundled zstd with cc.
    "zstd-sys-bundled": (
        lambda d: lock_workspace(d, "zstd-sys", '"cc"'), "api",
        [(f"zstd-sys compiles C {UNPROVEN}", OTHER_WAY_OUT)]),
    "openssl-vendored": (
        # (the member turns `vendored` on: the features decide, the lock edge alone does not)
        lambda d: lock_workspace(d, "openssl-sys", '"cc", "openssl-src"',
                                 '{ version = "1", features = ["vendored"] }'), "api",
        [(f"openssl-sys compiles C {UNPROVEN}", OTHER_WAY_OUT)]),
    # A member's build.rs compiling C through the cc crate (the lab's ccbuild workspace).
    "build-script-cc": (
        lambda d: copy(E2E / "ccbuild", d), "labcc",
        [(f"a build script through cc compiles C {UNPROVEN}", OTHER_WAY_OUT)]),
    "c++": (
        lambda d: lock_workspace(d, "snappy-sys", '"cc"'), "api",
        [("snappy-sys needs C++, and Debian has no C++ library for musl", OTHER_WAY_OUT)]),
}


def init(root: Path, runtime: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "rsdock", "init", str(root), "--yes",
                           "--runtime", runtime], capture_output=True, text=True, cwd=REPO)


@pytest.mark.parametrize("runtime", ["alpine", "scratch"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_init_refuses_c_on_musl_with_the_way_out(tmp_path, case, runtime):
    make, image, refusals = CASES[case]
    root = make(tmp_path / "ws")
    result = init(root, runtime)
    assert result.returncode == 2, result.stdout + result.stderr
    expected = "".join(f"  runtime: image '{image}': the {runtime} runtime needs a static musl "
                       f"binary, but {why}; {way}\n" for why, way in refusals)
    assert result.stderr == ("error: these choices cannot be built:\n" + expected
                             + "  hint: change the choices named above\n")
    assert not (root / "Dockerfile").exists() and not (root / "rsdock.toml").exists()


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_same_workspaces_are_generated_for_a_glibc_runtime(tmp_path, case):
    root = CASES[case][0](tmp_path / "ws")
    result = init(root, "debian-slim")
    assert result.returncode == 0, result.stderr
    assert (root / "Dockerfile").is_file()


def test_a_pure_rust_workspace_still_gets_alpine(tmp_path):
    root = lock_workspace(tmp_path / "ws", "itoa", "")
    assert init(root, "alpine").returncode == 0
