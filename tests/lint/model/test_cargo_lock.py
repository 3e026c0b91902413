"""Cargo.lock's graph: which crates a member's Linux build reaches (real-shaped lockfiles)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from rsdock.lint.model.cargo_features import normalise, resolve
from rsdock.lint.model.cargo_lock import linux_may_match, parse_lockfile
from rsdock.lint.model.cargo_toml import ScanError

LOCKS = Path(__file__).parent / "lockfiles"

API_MANIFEST = tomllib.loads('''
[package]
name = "api"
version = "0.1.0"

[dependencies]
reqwest = "0.12"
tokio = { version = "1", features = ["full"] }

[target.'cfg(windows)'.build-dependencies]
winres = "0.1"
''')


def test_a_windows_only_and_a_macos_only_path_do_not_count():
    lock = parse_lockfile(LOCKS / "native-tls.lock")
    paths = resolve(lock, "api", members={"api": normalise(API_MANIFEST)})
    assert paths["openssl-sys"] == ("api", "reqwest", "native-tls", "openssl-sys")
    for other_os in ("schannel", "windows-sys", "security-framework", "core-foundation-sys",
                     "winres", "toml"):
        assert other_os not in paths


def test_without_the_manifest_the_lockfile_edges_count_but_other_os_crates_still_do_not():
    lock = parse_lockfile(LOCKS / "native-tls.lock")
    paths = resolve(lock, "api")
    assert "openssl-sys" in paths and "tokio" in paths
    assert not {"schannel", "winres", "toml", "security-framework"} & set(paths)


def test_a_member_cfg_table_is_skipped_even_for_a_crate_with_no_os_in_its_name():
    lock = parse_lockfile(LOCKS / "native-tls.lock")
    manifest = {"dependencies": {"tokio": "1"},
                "target": {'cfg(target_os = "macos")': {"dependencies": {"reqwest": "0.12"}}}}
    paths = resolve(lock, "api", members={"api": normalise(manifest)})
    assert "openssl-sys" not in paths and "tokio" in paths


def test_each_binary_reaches_only_its_own_c_crates():
    lock = parse_lockfile(LOCKS / "two-members.lock")
    assert "libsqlite3-sys" in resolve(lock, "indexer")
    assert "libsqlite3-sys" not in resolve(lock, "gateway")
    assert "zstd-sys" in resolve(lock, "gateway")
    desktop = resolve(lock, "desktop")
    assert "freetype-sys" not in desktop and "serde" in desktop  # core-text is Apple's


@pytest.mark.parametrize("spec, linux", [
    ("cfg(windows)", False),
    ("cfg(unix)", True),
    ('cfg(target_os = "macos")', False),
    ('cfg(target_os = "linux")', True),
    ('cfg(not(target_os = "linux"))', False),
    ("cfg(not(windows))", True),
    ('cfg(any(target_os = "macos", target_os = "ios"))', False),
    ('cfg(any(windows, target_os = "linux"))', True),
    ('cfg(all(unix, not(target_vendor = "apple")))', True),
    ('cfg(target_vendor = "apple")', False),
    ('cfg(target_arch = "x86_64")', True),  # some Linux platforms: counts
    ('cfg(target_family = "wasm")', False),
    ('cfg(all(target_arch = "wasm32", target_os = "unknown"))', False),
    ("x86_64-pc-windows-msvc", False),
    ("aarch64-unknown-linux-gnu", True),
    ("cfg(this is not cfg", True),  # unparseable: the safe direction
])
def test_target_tables_that_can_hold_on_linux(spec, linux):
    assert linux_may_match(spec) is linux


def test_a_broken_lockfile_is_a_located_error(tmp_path):
    path = tmp_path / "Cargo.lock"
    path.write_text("[[package]\nname = 1\n")
    with pytest.raises(ScanError) as info:
        parse_lockfile(path)
    assert info.value.path == str(path) and "cargo generate-lockfile" in info.value.hint
