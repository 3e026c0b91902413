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
ZIG = "build with cargo-zigbuild yourself"
GLIBC = "choose debian-slim or distroless (glibc)"
SYSTEM_WAY_OUT = f"{GLIBC}, or enable the crates' vendored/bundled feature and {ZIG}"
OTHER_WAY_OUT = f"{GLIBC}, or {ZIG}"
UNPROVEN = "for the target, and rsdock has no proven musl C compiler"

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


# name -> (make the workspace under a folder, image, [(why, way out, refusal id, chain)])
CASES = {
    "openssl-and-sqlite": (
        lambda d: copy(WORKSPACE_FIXTURES / "cdeps", d), "api",
        [("openssl-sys, libsqlite3-sys link system libraries that Debian builds for glibc "
          "only", SYSTEM_WAY_OUT, "musl-system", "via api -> openssl -> openssl-sys; 1 more")]),
    # Debian's zstd-sys (the lab's) has no `cc` dependency: it can only link the system libzstd.
    "zstd-sys-system": (
        lambda d: copy(E2E / "zstd", d), "labzstd",
        [("zstd-sys links a system library that Debian builds for glibc only",
          SYSTEM_WAY_OUT, "musl-system", "via labzstd -> zstd -> zstd-safe -> zstd-sys")]),
    # Upstream's zstd-sys compiles its bundled zstd with cc.
    "zstd-sys-bundled": (
        lambda d: lock_workspace(d, "zstd-sys", '"cc"'), "api",
        [(f"zstd-sys compiles C {UNPROVEN}", OTHER_WAY_OUT, "musl-c", "via api -> zstd-sys")]),
    "openssl-vendored": (
        # (the member turns `vendored` on: the features decide, the lock edge alone does not)
        lambda d: lock_workspace(d, "openssl-sys", '"cc", "openssl-src"',
                                 '{ version = "1", features = ["vendored"] }'), "api",
        [(f"openssl-sys compiles C {UNPROVEN}", OTHER_WAY_OUT, "musl-c",
          "via api -> openssl-sys")]),
    # A member's build.rs compiling C through the cc crate (the lab's ccbuild workspace).
    "build-script-cc": (
        lambda d: copy(E2E / "ccbuild", d), "labcc",
        [(f"a build script through cc compiles C {UNPROVEN}", OTHER_WAY_OUT, "musl-c",
          "via labcc -> cc")]),
    "c++": (
        lambda d: lock_workspace(d, "snappy-sys", '"cc"'), "api",
        [("snappy-sys needs C++, which Debian has no musl library for", OTHER_WAY_OUT,
          "musl-cxx", "via api -> snappy-sys")]),
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
    assert result.returncode == 1, result.stdout + result.stderr  # refused, not bad input
    expected = "".join(f"  {image} cannot be a static musl binary for the {runtime} runtime: "
                       f"{why} ({chain})\n    ways out: {way} (why: `rsdock refusal {id_}`)\n"
                       for why, way, id_, chain in refusals)
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
