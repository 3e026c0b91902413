"""The fix engine: non-overlapping edits, re-lint until stable, byte preservation, atomic writes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from rsdock.cli import main
from rsdock.errors import UserError
from rsdock.lint.engine import fix
from rsdock.lint.rules import rule as rule_mod
from rsdock.lint.model.findings import Applicability, Edit, Fix, Severity, line_offsets
from rsdock.lint.rules.rule import Rule


class PinLatest(Rule):
    """Replace `:latest` with `:bookworm` (a test rule with a fix).

    Fails:
        FROM debian:latest

    Passes:
        FROM debian:bookworm
    """

    id = "RS198"
    name = "test-pin"
    severity = Severity.WARNING
    message = "pin the tag"
    target = "dockerfile"

    def check(self, file, ctx):
        offsets = line_offsets(file.text)
        for number, line in enumerate(file.text.splitlines(), 1):
            col = line.find(":latest")
            if line.startswith("FROM") and col >= 0:
                start = offsets[number - 1] + col
                yield self.finding(file.path, number, col + 1,
                                   fix=Fix("pin", (Edit(start, start + 7, ":bookworm"),)))


class SlimAfterPin(Rule):
    """`debian:bookworm` -> `debian:bookworm-slim`: only visible once RS198's fix ran.

    Fails:
        FROM debian:bookworm

    Passes:
        FROM debian:bookworm-slim
    """

    id = "RS199"
    name = "test-slim"
    severity = Severity.WARNING
    message = "use slim"
    target = "dockerfile"

    def check(self, file, ctx):
        offsets = line_offsets(file.text)
        for number, line in enumerate(file.text.splitlines(), 1):
            col = line.find("debian:bookworm")
            end = col + len("debian:bookworm")
            if line.startswith("FROM") and col >= 0 and not line[end:].startswith("-slim"):
                at = offsets[number - 1] + end
                yield self.finding(file.path, number, col + 1,
                                   fix=Fix("slim", (Edit(at, at, "-slim"),)))


@pytest.fixture(autouse=True)
def rules(monkeypatch):
    registry = dict(rule_mod.all_rules())
    registry.update({"RS198": PinLatest, "RS199": SlimAfterPin})
    monkeypatch.setattr(rule_mod, "_REGISTRY", registry)


def test_apply_fixes_skips_overlaps_and_out_of_range_edits():
    text = "abcdef"
    fixes = [Fix("a", (Edit(1, 3, "X"),)), Fix("overlaps a", (Edit(2, 4, "Y"),)),
             Fix("b", (Edit(4, 5, "Z"), Edit(0, 0, ">"))), Fix("stale", (Edit(3, 99, "!"),))]
    assert fix.apply_fixes(text, fixes) == (">aXdZf", 2)


def test_two_inserts_at_one_point_are_ambiguous():
    fixes = [Fix("a", (Edit(1, 1, "X"),)), Fix("b", (Edit(1, 1, "Y"),))]
    assert fix.apply_fixes("ab", fixes) == ("aXb", 1)


def test_fix_loop_reaches_a_fixed_point(tmp_path):
    texts = {"Dockerfile": "FROM debian:latest AS a\nFROM debian:latest\n"}
    from rsdock.lint.engine.runner import lint_texts
    from rsdock.lint.engine.settings import LintConfig

    findings = lint_texts(texts, tmp_path, LintConfig(hadolint=False))
    changed = fix.fix_texts(tmp_path, texts, findings)
    assert changed == {"Dockerfile": "FROM debian:bookworm-slim AS a\nFROM debian:bookworm-slim\n"}


def write(root: Path, text: bytes) -> Path:
    (root / ".git").mkdir(exist_ok=True)
    path = root / "Dockerfile"
    path.write_bytes(text)
    return path


def test_fix_preserves_every_other_byte(tmp_path, monkeypatch):
    original = (b"# syntax=docker/dockerfile:1\r\n\r\nFROM debian:latest   \r\n"
                b"RUN echo \xc3\xa9t\xc3\xa9 \t\\\r\n  && true\r\n")
    path = write(tmp_path, original)
    os.chmod(path, 0o640)
    monkeypatch.chdir(tmp_path)
    assert main(["lint", "--fix", "--no-hadolint", "--select", "RS198,RS199"]) == 0
    after = path.read_bytes()
    assert after == original.replace(b"debian:latest", b"debian:bookworm-slim")
    assert path.stat().st_mode & 0o777 == 0o640
    assert [p.name for p in tmp_path.iterdir() if p.name != ".git"] == ["Dockerfile"]


def test_diff_shows_the_change_and_writes_nothing(tmp_path, monkeypatch, capsys):
    path = write(tmp_path, b"FROM debian:latest\n")
    monkeypatch.chdir(tmp_path)
    assert main(["lint", "--diff", "--no-hadolint", "--select", "RS198,RS199"]) == 1
    out = capsys.readouterr().out
    assert "--- a/Dockerfile\n+++ b/Dockerfile\n" in out
    assert "-FROM debian:latest\n+FROM debian:bookworm-slim\n" in out
    assert path.read_bytes() == b"FROM debian:latest\n"


def test_diff_without_fixes_is_empty_and_exit_0(tmp_path, monkeypatch, capsys):
    write(tmp_path, b"FROM debian:bookworm-slim\n")
    monkeypatch.chdir(tmp_path)
    assert main(["lint", "--diff", "--no-hadolint"]) == 0
    assert capsys.readouterr().out == ""


def test_unified_diff_marks_a_missing_final_newline():
    out = fix.unified_diff("f", "a\n", "b")
    assert out.endswith("+b\n\\ No newline at end of file\n")


def test_write_atomic_keeps_bom_and_leaves_no_temp_files(tmp_path):
    path = tmp_path / "Dockerfile"
    path.write_bytes(b"\xef\xbb\xbfFROM a\n")
    fix.write_atomic(path, "FROM b\n")
    assert path.read_bytes() == b"\xef\xbb\xbfFROM b\n"
    assert [p.name for p in tmp_path.iterdir()] == ["Dockerfile"]


def test_write_atomic_failure_keeps_the_original(tmp_path, monkeypatch):
    path = tmp_path / "Dockerfile"
    path.write_text("FROM a\n")

    def broken(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(UserError, match="No space left on device") as info:
        fix.write_atomic(path, "FROM b\n")
    assert "free some disk space" in info.value.hint
    assert path.read_text() == "FROM a\n"
    assert [p.name for p in tmp_path.iterdir()] == ["Dockerfile"]


@pytest.mark.parametrize("text, expected", [
    ("", [0]), ("a", [0]), ("\n", [0, 1]), ("a\nb", [0, 2]), ("a\r\nb\n", [0, 3, 5]),
    ("\n\nx", [0, 1, 2]),
])
def test_line_offsets(text, expected):
    assert line_offsets(text) == expected


class UnsafeSlim(SlimAfterPin):
    """`debian:bookworm` -> `debian:bookworm-slim`, declared unsafe (slim lacks packages).

    Fails:
        FROM debian:bookworm

    Passes:
        FROM debian:bookworm-slim
    """

    id = "RS197"
    fixable = "always"
    fix_applicability = Applicability.UNSAFE


def test_unsafe_fixes_only_with_unsafe_fixes(tmp_path, monkeypatch, capsys):
    rule_mod._REGISTRY["RS197"] = UnsafeSlim
    path = write(tmp_path, b"FROM debian:bookworm\n")
    monkeypatch.chdir(tmp_path)
    assert main(["lint", "--fix", "--no-hadolint", "--select", "RS197"]) == 1
    out = capsys.readouterr().out
    assert "[unsafe fix]" in out and "1 with an unsafe fix" in out
    assert path.read_bytes() == b"FROM debian:bookworm\n"
    assert main(["lint", "--fix", "--unsafe-fixes", "--no-hadolint", "--select", "RS197"]) == 0
    assert path.read_bytes() == b"FROM debian:bookworm-slim\n"
