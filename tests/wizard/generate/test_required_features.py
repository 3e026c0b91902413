"""``[[bin]] required-features`` (issue #21): a binary cargo builds only with features the
defaults leave off is left out by default and said so; chosen by hand it is built with
``--features package/feature`` (cargo refuses ``--bin NAME`` without them), its C crates are
resolved with those features on, and lint's RS507 reports a ``--bin`` build that leaves them
off. The fixture is shadowsocks-rust's ``sswinservice`` (tests/fixtures/workspaces/
required_features/README)."""

from __future__ import annotations

import io
import json
import shutil
import sys
from pathlib import Path

import pytest

from rsdock.cli import main
from rsdock.errors import UserError
from rsdock.lint.model.cargo import scan
from rsdock.wizard.generate.defaults import workspace_facts

FIXTURE = Path(__file__).parents[2] / "fixtures" / "workspaces" / "required_features"
REG = 'source = "registry+https://github.com/rust-lang/crates.io-index"'


@pytest.fixture(autouse=True)
def no_terminal(monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))


@pytest.fixture
def ss(tmp_path) -> Path:
    return Path(shutil.copytree(FIXTURE, tmp_path / "ss"))


def _cargo_lines(root: Path) -> list[str]:
    return [line for line in (root / "Dockerfile").read_text().splitlines()
            if (" cargo build " in line or " cargo chef cook " in line)
            and not line.startswith("#")]


def _rs507(root: Path, capsys) -> list[dict]:
    capsys.readouterr()
    main(["lint", str(root), "--format", "json", "--no-hadolint"])
    return [f for f in json.loads(capsys.readouterr().out)["findings"] if f["rule"] == "RS507"]


def test_the_scan_reads_required_features(ss):
    bins = {t.name: t.required_features for t in scan(ss).package("shadowsocks-rust").bins}
    assert bins == {"ssserver": ("server",), "sswinservice": ("winservice",)}


def test_a_binary_the_defaults_do_not_build_is_left_out_and_said(ss, capsys):
    assert main(["init", str(ss), "--yes"]) == 0
    out = capsys.readouterr().out
    assert "sswinservice: its required-features (winservice) are not among the default " \
           "features" in out
    lines = _cargo_lines(ss)
    assert lines and all("--bin ssserver" in line and "sswinservice" not in line
                         and "--features" not in line for line in lines)
    assert _rs507(ss, capsys) == []


def test_chosen_by_hand_it_is_built_with_its_features(ss, capsys):
    assert main(["init", str(ss), "--yes", "--bin", "ssserver", "--bin", "sswinservice"]) == 0
    lines = _cargo_lines(ss)
    assert len(lines) == 2 and all(
        "--features shadowsocks-rust/winservice" in line for line in lines), lines
    assert _rs507(ss, capsys) == []
    # Without them (the Dockerfile rsdock wrote before): cargo refuses, and lint says so.
    dockerfile = ss / "Dockerfile"
    dockerfile.write_text(dockerfile.read_text().replace(
        " --features shadowsocks-rust/winservice", ""))
    found = _rs507(ss, capsys)
    assert found and all("cargo refuses `--bin sswinservice`: it requires the features "
                         "winservice" in f["message"] for f in found)
    assert "--features shadowsocks-rust/winservice" in found[0]["message"]


def test_the_c_crates_of_a_binary_are_resolved_with_its_required_features(tmp_path):
    root = tmp_path / "ws"
    (root / "src" / "bin").mkdir(parents=True)
    (root / "src" / "main.rs").write_text("fn main() {}\n")
    (root / "src" / "bin" / "archive.rs").write_text("fn main() {}\n")
    (root / "Cargo.toml").write_text(
        '[package]\nname = "app"\nversion = "0.1.0"\nedition = "2021"\n\n'
        '[[bin]]\nname = "archive"\npath = "src/bin/archive.rs"\nrequired-features = ["db"]\n\n'
        '[features]\ndb = ["dep:libsqlite3-sys"]\n\n'
        '[dependencies]\nlibsqlite3-sys = { version = "0.30", optional = true }\n')
    (root / "Cargo.lock").write_text(
        'version = 3\n\n[[package]]\nname = "app"\nversion = "0.1.0"\n'
        'dependencies = ["libsqlite3-sys"]\n\n[[package]]\nname = "libsqlite3-sys"\n'
        f'version = "0.30.1"\n{REG}\ndependencies = ["pkg-config"]\n\n'
        f'[[package]]\nname = "pkg-config"\nversion = "0.3.31"\n{REG}\n')
    facts = workspace_facts(scan(root))
    assert [c.name for c in facts.crates_of("archive")] == ["libsqlite3-sys"]
    assert facts.crates_of("app") == ()  # the default build leaves the optional one off
    assert dict(facts.bin_features) == {"archive": ("app/db",)}


def test_a_malformed_required_features_is_a_located_error(ss):
    manifest = ss / "Cargo.toml"
    manifest.write_text(manifest.read_text().replace('required-features = ["winservice"]',
                                                     'required-features = "winservice"'))
    with pytest.raises(UserError) as raised:
        scan(ss)
    assert "required-features" in raised.value.message and raised.value.line == 11
