"""Issue #27, wrong output (item 11): what rsdock writes and prints means what it should.

YAML values are quoted whenever a reader could take them for another type; fixes keep a file's
line endings; Dockerfiles BuildKit refuses are reported; terminal output escapes control and
bidi characters; folders rsdock cannot read are reported, not skipped.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st
from ruamel.yaml import YAML

from rsdock.lint.model.yaml_scalar import double_quoted, yaml_scalar
from tests.test_hardening import run
from tests.tools import EXAMPLE


def load(text: str, version: tuple[int, int] | None = None):
    yaml = YAML(typ="safe")
    if version:
        yaml.version = version
    return yaml.load(text)


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("target"))
    return root


def crate(root: Path, name: str) -> Path:
    (root / "src").mkdir(parents=True)
    (root / "Cargo.toml").write_text(f'[package]\nname = "{name}"\nversion = "0.1.0"\n'
                                     'edition = "2021"\n')
    (root / "src" / "main.rs").write_text("fn main() {}\n")
    return root


# --- YAML: one emitter decides by YAML's own reading ---------------------------------------------

@settings(max_examples=300, deadline=None)
@given(st.text(max_size=20))
def test_every_string_reads_back_as_itself_under_yaml_1_1_and_1_2(value):
    for version in ((1, 1), (1, 2)):
        assert load(f"k: {yaml_scalar(value)}\n", version) == {"k": value}
        assert load(f"- {yaml_scalar(value)}\n", version) == [value]
        assert load(f"{yaml_scalar(value)}: x\n", version) == {value: "x"}


@pytest.mark.parametrize("value", ["null", "Null", "~", "true", "yes", "on", "y", "0x10", "017",
                                   "1_000", "12:30", "1e3", ".inf", "<<"])
def test_words_and_numbers_of_either_yaml_version_are_quoted(value):
    assert yaml_scalar(value) == f'"{value}"'


def test_line_breaks_yaml_folds_are_escaped():
    assert double_quoted("a\x85b\u2028c") == '"a\\Nb\\Lc"'


@pytest.mark.parametrize("name", ["null", "true", "yes", "on", "off", "no"])
def test_a_package_named_like_a_yaml_word_gets_a_string_job_key(tmp_path, capsys, name):
    root = crate(tmp_path / "ws", name)
    assert run(capsys, "init", "--yes", str(root))[0] == 0
    text = (root / ".github/workflows/docker.yml").read_text()
    for version in ((1, 1), (1, 2)):
        data = load(text, version)
        assert name in data["jobs"], sorted(map(repr, data["jobs"]))
        steps = data["jobs"][name]["steps"]
        assert [s["with"]["target"] for s in steps if "target" in s.get("with", {})] == [name]
    code, out = run(capsys, "lint", "--no-hadolint", str(root))
    assert code == 0 and "RS001" not in out, out
    code, out = run(capsys, "edit", "--remove-platform", "linux/arm/v7", "--yes", str(root))
    assert code == 0, out


def test_branches_are_written_as_the_strings_they_are(ws, capsys):
    assert run(capsys, "init", "--yes", str(ws))[0] == 0
    branches = ["0x10", "a\x85b", "yes", "1_0", "main"]
    config = ws / "rsdock.toml"
    config.write_text(config.read_text().replace(
        'branches = ["main"]', "branches = [" + ", ".join(
            '"' + b.replace("\x85", "\\u0085") + '"' for b in branches) + "]"))
    assert run(capsys, "init", "--yes", "--force", str(ws))[0] == 0
    text = (ws / ".github/workflows/docker.yml").read_text()
    for version in ((1, 1), (1, 2)):
        data = load(text, version)
        on = data["on"] if "on" in data else data[True]  # YAML 1.1 reads the key `on` as true
        assert on["push"]["branches"] == branches
    assert run(capsys, "init", "--check", str(ws))[0] == 0


# --- fixes keep the file's line endings ----------------------------------------------------------

CRLF_WORKFLOW = ("on: push\r\njobs:\r\n  build:\r\n    runs-on: ubuntu-24.04\r\n    steps:\r\n"
                 "      - uses: actions/checkout@v7\r\n"
                 "      - uses: docker/setup-buildx-action@v4\r\n")


def test_lint_fix_writes_crlf_lines_into_a_crlf_workflow(tmp_path, capsys):
    (tmp_path / ".git").mkdir()
    path = tmp_path / ".github/workflows/docker.yml"
    path.parent.mkdir(parents=True)
    path.write_bytes(CRLF_WORKFLOW.encode())
    run(capsys, "lint", "--no-hadolint", "--select", "RS413", "--fix", str(tmp_path))
    after = path.read_bytes()
    assert b"persist-credentials: false\r\n" in after
    assert after.count(b"\n") == after.count(b"\r\n"), after


# --- Dockerfiles BuildKit refuses ----------------------------------------------------------------

@pytest.mark.parametrize("text, line, words", [
    ("FROM\n", 1, "FROM"),
    ("FROM debian AS b AS c\n", 1, "FROM"),
    ("FROM debian:bookworm\nUSER\n", 2, "USER requires exactly one argument"),
    ("FROM debian AS 1x\n", 1, "stage name '1x'"),
    ("FROM debian\nCOPY x\n", 2, "source and a destination"),
    ("FROM debian\nSHELL sh -c\n", 2, "JSON array"),
    ("FROM debian\nENV\n", 2, "ENV requires at least one argument"),
])
def test_instructions_buildkit_refuses_are_parse_errors_at_their_line(tmp_path, capsys, text,
                                                                      line, words):
    (tmp_path / ".git").mkdir()
    (tmp_path / "Dockerfile").write_text(text)
    code, out = run(capsys, "lint", "--no-hadolint", "--select", "RS001", str(tmp_path))
    assert code == 1 and f"Dockerfile:{line}:1: RS001 error: " in out and words in out, out


@pytest.mark.parametrize("text", ["FROM debian\nHEALTHCHECK NONE\n", "FROM debian\nONBUILD RUN x\n",
                                  "FROM debian AS b\nCOPY <<EOF /x\nhi\nEOF\n",
                                  "ARG V=1\nFROM debian:$V AS Build.1\nWORKDIR /a\n"])
def test_instructions_buildkit_accepts_are_no_parse_errors(tmp_path, capsys, text):
    (tmp_path / ".git").mkdir()
    (tmp_path / "Dockerfile").write_text(text)
    code, out = run(capsys, "lint", "--no-hadolint", "--select", "RS001", str(tmp_path))
    assert code == 0, out


# --- terminal output escapes what a terminal would obey -------------------------------------------

RLO, CSI = "\u202e", "\x9b"


def test_the_text_report_escapes_escape_sequences_and_bidi_overrides(tmp_path, capsys):
    (tmp_path / ".git").mkdir()
    (tmp_path / "Dockerfile").write_text(f"FROM debian\nRUN{RLO}{CSI}2J\x1b[31m echo\n")
    folder = tmp_path / f"d{RLO}x"
    folder.mkdir()
    (folder / "Dockerfile").write_text("FROM debian\nUSER\n")
    code, out = run(capsys, "lint", "--no-hadolint", "--select", "RS001", str(tmp_path))
    assert code == 1
    assert not any(c in out for c in (RLO, CSI, "\x1b")), ascii(out)
    assert "RUN\\u202e\\x9b2J\\x1b[31m" in out and "d\\u202ex/Dockerfile:2:" in out


def test_cli_error_messages_escape_escape_sequences_and_bidi_overrides(capsys, tmp_path):
    code, out = run(capsys, "lint", str(tmp_path / f"nope{RLO}{CSI}2J\x1b[0m"))
    assert code == 2
    assert not any(c in out for c in (RLO, CSI, "\x1b")), ascii(out)
    assert "nope\\u202e\\x9b2J\\x1b[0m" in out


# --- readers accept what cargo accepts; SARIF is valid URIs -------------------------------------

def test_a_cargo_toml_with_a_byte_order_mark_is_read_as_cargo_reads_it(ws, capsys):
    for manifest in (ws / "Cargo.toml", ws / "crates/server/Cargo.toml"):
        manifest.write_bytes(b"\xef\xbb\xbf" + manifest.read_bytes())
    code, out = run(capsys, "init", "--yes", str(ws))
    assert code == 0, out
    assert "Dockerfile" in out and (ws / "Dockerfile").is_file()


def test_sarif_uris_are_percent_encoded(tmp_path, capsys):
    import json
    from urllib.parse import unquote

    (tmp_path / ".git").mkdir()
    folder = tmp_path / "my app#1 é%"
    folder.mkdir()
    (folder / "Dockerfile").write_text("FROM debian\nUSER\n")
    code, out = run(capsys, "lint", "--no-hadolint", "--format", "sarif", str(tmp_path))
    uris = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in json.loads(out)["runs"][0]["results"]]
    assert uris == ["my%20app%231%20%C3%A9%25/Dockerfile"]
    assert unquote(uris[0]) == "my app#1 é%/Dockerfile"


# --- a path dependency the build context cannot hold ---------------------------------------------

def test_a_path_dependency_outside_the_workspace_is_warned_at_its_line(tmp_path, capsys):
    (tmp_path / ".git").mkdir()
    shared = tmp_path / "shared"
    (shared / "src").mkdir(parents=True)
    (shared / "Cargo.toml").write_text('[package]\nname = "shared"\nversion = "0.1.0"\n')
    (shared / "src/lib.rs").write_text("")
    root = crate(tmp_path / "ws", "server")
    (root / ".git").mkdir()
    with (root / "Cargo.toml").open("a") as manifest:
        manifest.write('\n[dependencies]\nshared = { path = "../shared" }\n')
    code, out = run(capsys, "init", "--yes", str(root))
    assert code == 0 and re.search(r"Cargo\.toml:7: warning: dependency 'shared'.*RS006", out), out
    code, out = run(capsys, "lint", "--no-hadolint", "--select", "RS006", str(root))
    assert code == 1 and "Cargo.toml:7:1: RS006 warning: " in out, out


# --- folders rsdock cannot or will not look into are reported ----------------------------------

@pytest.fixture
def unlistable(monkeypatch):
    """Make ``os.scandir`` refuse the folders whose path ends in one of the given names, as it
    does for a non-root user on a folder without read permission (the tests run as root, which
    reads everything)."""
    import os

    real = os.scandir
    refused: list[str] = []

    def scandir(path="."):
        if any(str(path).rstrip("/").endswith("/" + name) for name in refused):
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)
    monkeypatch.setattr(os, "scandir", scandir)
    return refused


def test_unreadable_and_symlinked_folders_are_reported_by_lint(tmp_path, capsys, unlistable):
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    (root / "real").mkdir()
    (root / "real/Dockerfile").write_text("FROM debian\n")
    (root / "secret").mkdir()
    (root / "linked").symlink_to(root / "real")
    unlistable.append("secret")
    code, out = run(capsys, "lint", "--no-hadolint", str(root))
    assert code == 0
    assert "rsdock: note: secret: not linted: cannot list it: Permission denied" in out
    assert "rsdock: note: linked: not linted: a symlink to a folder" in out


def test_unreadable_and_symlinked_folders_are_reported_by_edit(ws, capsys, unlistable):
    assert run(capsys, "init", "--yes", str(ws))[0] == 0
    (ws / "secret").mkdir()
    (ws / "linked").symlink_to(ws / "crates")
    unlistable.append("secret")
    code, out = run(capsys, "edit", str(ws))
    assert code == 0, out
    assert "rsdock: note: secret: not looked into: cannot list it: Permission denied" in out
    assert "rsdock: note: linked: not looked into: a symlink to a folder" in out


@pytest.mark.parametrize("argv", [["lint", "--no-hadolint"],
                                  ["edit", "--yes", "--remove-platform", "linux/arm64"]])
def test_an_unlistable_root_is_an_error_not_nothing_to_do(ws, capsys, unlistable, argv):
    assert run(capsys, "init", "--yes", str(ws))[0] == 0
    unlistable.append(ws.name)
    code, out = run(capsys, *argv, str(ws))
    assert code == 2 and "cannot list this folder: Permission denied" in out, out
    assert "nothing to change" not in out


def test_an_unreadable_folder_is_reported_for_a_real_unprivileged_user(tmp_path):
    """Real: a non-root process lints a repository with a folder it cannot list (skipped when
    the tests cannot switch users)."""
    import os
    import subprocess
    import sys
    import tempfile

    if os.geteuid() != 0:
        pytest.skip("needs root to run rsdock as another user")
    base = Path(tempfile.mkdtemp(prefix="rsdock-unreadable-", dir="/tmp"))
    try:
        base.chmod(0o755)
        (base / ".git").mkdir()
        (base / "Dockerfile").write_text("FROM debian\n")
        (base / "secret").mkdir(mode=0o700)
        try:
            done = subprocess.run(
                [sys.executable, "-m", "rsdock", "lint", "--no-hadolint", str(base)],
                capture_output=True, text=True, timeout=120, user=65534, group=65534,
                env={**os.environ, "HOME": str(base)})
        except PermissionError:
            pytest.skip("this Python is not runnable by nobody here")
        if "ModuleNotFoundError" in done.stderr or "Permission denied: '" in done.stderr:
            pytest.skip("rsdock's checkout is not readable by nobody here")
        assert "secret: not linted: cannot list it: Permission denied" in done.stderr, done
    finally:
        shutil.rmtree(base)


# --- a named file is not blamed for another file's crash ---------------------------------------

def test_a_cross_file_rule_crashing_on_another_file_is_not_reported_on_the_named_one(
        tmp_path, capsys, monkeypatch):
    from rsdock.lint.rules.rs505 import RS505

    original = RS505.check

    def check(self, file, ctx):  # a bug that only a file elsewhere in the repository triggers
        if "other/Dockerfile" in ctx.dockerfiles:
            raise RecursionError("maximum recursion depth exceeded")
        return original(self, file, ctx)
    monkeypatch.setattr(RS505, "check", check)
    (tmp_path / ".git").mkdir()
    (tmp_path / "Dockerfile").write_text("FROM debian:bookworm-slim\nCOPY . .\n")
    (tmp_path / "other").mkdir()
    (tmp_path / "other/Dockerfile").write_text("FROM debian:bookworm-slim\n")
    code, out = run(capsys, "lint", "--no-hadolint", "--select", "RS505,RS009",
                    str(tmp_path / "Dockerfile"))
    assert code == 0 and "RS009" not in out, out
    # the file that triggers it, linted, still shows the crash
    code, out = run(capsys, "lint", "--no-hadolint", "--select", "RS505,RS009",
                    str(tmp_path / "other/Dockerfile"))
    assert "RS009 error: RS505 crashed" in out, out


def test_a_crlf_checkout_is_no_drift_and_stays_crlf_when_regenerated(ws, capsys):
    """git's autocrlf on Windows checks the generated files out with CRLF lines."""
    assert run(capsys, "init", "--yes", str(ws))[0] == 0
    generated = ["Dockerfile", "Dockerfile.web", ".dockerignore", ".github/workflows/docker.yml",
                 "rsdock.toml"]
    for rel in generated:
        path = ws / rel
        path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    assert run(capsys, "init", "--check", str(ws))[0] == 0
    assert run(capsys, "init", "--yes", "--force", "--platform", "linux/amd64", str(ws))[0] == 0
    for rel in generated:
        data = (ws / rel).read_bytes()
        assert data.count(b"\n") == data.count(b"\r\n"), rel
    assert b"linux/arm64" not in (ws / ".github/workflows/docker.yml").read_bytes()
