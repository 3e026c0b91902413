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
