"""Glob matching that skips the compile for literal paths (vendored trees: test_engine.py)."""

from __future__ import annotations

import fnmatch

import pytest

from rsdock.lint.model.paths import glob_match


@pytest.mark.parametrize(("name", "pattern"), [
    ("target/release/app", "target/release/app"), ("target/release/app", "target/release/ap"),
    ("target/x86_64-unknown-linux-gnu/release/app", "target/*/release/app"),
    ("lib.so", "lib?.so"), ("libz.so", "lib[xyz].so"), ("a\\b", "a\\b"), ("", ""),
    ("target/release/app", "*"),
])
def test_glob_match_is_fnmatchcase(name, pattern):
    assert glob_match(name, pattern) is fnmatch.fnmatchcase(name, pattern)
