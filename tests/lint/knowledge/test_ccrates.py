"""The C-crate table: what is read off its text matches what parsing all of it gives."""

from __future__ import annotations

import tomllib

import pytest

from rsdock.lint.knowledge import ccrates


def _parsed() -> dict:
    return tomllib.loads(ccrates.DATA.read_text(encoding="utf-8"))


def test_names_read_off_the_headers_are_the_rows():
    assert ccrates.names() == {c.name for c in ccrates.rows()}
    assert {"openssl-sys", "libz-sys", "cc"} <= ccrates.names()


def test_other_os_crates_are_the_whole_non_linux_section():
    section = _parsed()["non_linux"]
    expected = {n for names in section.values() if isinstance(names, list) for n in names}
    assert ccrates.other_os_crates() == expected
    assert {"windows-sys", "core-foundation", "wasm-bindgen"} <= ccrates.other_os_crates()


def test_curl_sys_without_cc_in_the_lock_links_the_system_libcurl():
    """Debian's packaged curl-sys (dependencies libc, openssl-sys, pkg-config: no cc) cannot
    build its bundled copy: the lab's libcurl workspace failed to link until the row said so."""
    curl = ccrates.get("curl-sys")
    debian = curl.with_flags(curl.lock_flags(["libc", "openssl-sys", "pkg-config"]))
    assert debian.links == ccrates.SYSTEM and debian.dev_packages == ("libcurl4-openssl-dev",)
    assert debian.runtime_needed("debian-slim", "bookworm") == ("libcurl4",)
    assert debian.runtime_for("trixie") == ("libcurl4t64",)
    upstream = curl.with_flags(curl.lock_flags(["cc", "libc", "libz-sys", "openssl-sys",
                                                "pkg-config", "vcpkg"]))
    # rsdock installs no libcurl -dev for it, so it compiles its bundled curl: nothing to ship.
    assert upstream.links != ccrates.SYSTEM
    assert upstream.runtime_needed("debian-slim", "bookworm") == ()
    assert upstream.runtime_needed("distroless", "bookworm") == ()


@pytest.mark.parametrize("version, minimum", [
    ("0.1.20", ""), ("0.1.24", "5.2.0"), ("0.2.4", "5.4.4"), ("0.2.5", "5.4.6"),
    ("0.3.3", "5.6.0"), ("0.3.13", "5.6.2"), ("0.4.6", "5.8.0")])
def test_liblzma_sys_minimum_system_version_by_crate_version(version, minimum):
    row = ccrates.get("liblzma-sys").with_flags([f"version={version}"])
    assert row.system_min_version == minimum


def test_liblzma_sys_bundles_below_its_minimum_and_links_a_new_enough_system_library():
    row = ccrates.get("liblzma-sys").with_flags(["version=0.4.6"])
    assert not row.links_dynamically({}, True, False, "5.4.1")  # bookworm: bundled xz
    assert row.links_dynamically({}, True, False, "5.8.1")  # trixie: the system liblzma
    assert row.links_dynamically({}, True, False, "")  # release unknown: as before


@pytest.mark.parametrize("found, minimum, ok", [
    ("5.4.1", "5.8.0", False), ("5.8.1", "5.8.0", True), ("5.8", "5.8.0", True),
    ("5.6.1", "5.6.2", False), ("10.0", "9.9.9", True), ("", "5.2.0", True)])
def test_versions_at_least_compares_like_pkg_config(found, minimum, ok):
    from rsdock.lint.knowledge import versions
    assert versions.at_least(found, minimum) is ok
