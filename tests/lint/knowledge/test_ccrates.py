"""The C-crate table: what is read off its text matches what parsing all of it gives."""

from __future__ import annotations

import tomllib

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
