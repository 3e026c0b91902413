"""``rsdock lint``, ``rsdock rules`` and ``rsdock rule``: exit codes, options, rsdock.toml."""

from __future__ import annotations

import json

import pytest

from rsdock.cli import main
from rsdock.lint.engine import settings as config_mod
from tests.tools import REPO


@pytest.fixture(autouse=True)
def meta_rules_only(monkeypatch):
    """The CLI is tested with the engine's own rules; the research rules have their own tests."""
    from rsdock.lint.rules import rule as rule_mod

    registry = {k: v for k, v in rule_mod.all_rules().items() if k < "RS010"}
    monkeypatch.setattr(rule_mod, "_REGISTRY", registry)


@pytest.fixture
def repo(tmp_path, monkeypatch):
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_clean_repository_exits_0(repo, capsys):
    (repo / ".dockerignore").write_text("target/\n.git\n")
    code, out, _ = run(capsys, "lint", "--no-hadolint")
    assert code == 0 and out == "1 file checked: no findings.\n"


def test_findings_exit_1_and_info_only_exits_0(repo, capsys):
    (repo / ".dockerignore").write_text("# rsdock: ignore=RS001 stale\ntarget/\n")
    code, out, _ = run(capsys, "lint", "--no-hadolint")
    assert code == 1 and ".dockerignore:1:18: RS002 warning:" in out
    code, _, _ = run(capsys, "lint", "--no-hadolint", "--severity", "error")
    assert code == 0  # reported, but below the failure threshold
    (repo / "Dockerfile").write_text("FROM debian:bookworm-slim\nRUN <<EOT\necho\nEOT\nENV A=1\n")
    code, out, _ = run(capsys, "lint", "Dockerfile")
    assert "RS004 info" in out and code == 0
    assert run(capsys, "lint", "Dockerfile", "--severity", "info")[0] == 1


def test_formats(repo, capsys):
    (repo / ".dockerignore").write_text("# rsdock: ignore=RS001 stale\ntarget/\n")
    _, out, _ = run(capsys, "lint", "--no-hadolint", "--format", "json")
    assert json.loads(out)["findings"][0]["rule"] == "RS002"
    _, out, _ = run(capsys, "lint", "--no-hadolint", "--format", "github")
    assert out.startswith(
        "::warning file=.dockerignore,line=1,col=18,endLine=1,endColumn=23,title=RS002::")
    _, out, _ = run(capsys, "lint", "--no-hadolint", "--format", "sarif")
    assert json.loads(out)["version"] == "2.1.0"


def test_output_file(repo, capsys):
    (repo / ".dockerignore").write_text("target/\n")
    code, out, _ = run(capsys, "lint", "--no-hadolint", "--format", "json", "-o", "r.json")
    assert code == 0 and out == "" and json.loads((repo / "r.json").read_text())["findings"] == []


def test_select_and_ignore_on_the_command_line(repo, capsys):
    (repo / ".dockerignore").write_text("# rsdock: ignore=RS001 stale\ntarget/\n")
    assert run(capsys, "lint", "--no-hadolint", "--ignore", "RS002")[0] == 0
    assert run(capsys, "lint", "--no-hadolint", "--select", "RS001,RS003")[0] == 0
    assert run(capsys, "lint", "--no-hadolint", "--select", "meta")[0] == 1


@pytest.mark.parametrize("argv, message", [
    (["--select", "RS999"], "--select: 'RS999' names no rule"),
    (["--ignore", "nonsense"], "--ignore: 'nonsense' names no rule"),
    (["missing/Dockerfile"], "missing/Dockerfile: error: no such file"),
])
def test_usage_errors_exit_2(repo, capsys, argv, message):
    code, _, err = run(capsys, "lint", *argv)
    assert code == 2 and message in err


@pytest.mark.parametrize("toml, line, message", [
    ('[lint]\nselect = ["RS001"]\nsevrity = "error"\n', 3, "unknown key 'sevrity'"),
    ('[lint]\nignore = [\n  "RS001",\n  "RS777",\n]\n', 4, "'RS777' names no rule"),
    ('[lint]\nseverity = "fatal"\n', 2, "unknown severity"),
    ('[lint]\nhadolint = "yes"\n', 2, "true or false"),
    ('[lint]\nselect = "RS001"\n', 2, "must be a list"),
    ('[lint]\nselect = [\n', 2, "invalid TOML"),
    ('[package]\nx = 1\n[lint.per-file-ignores]\n"docker/*" = ["RSX"]\n', 4, "names no rule"),
])
def test_config_errors_are_located(repo, capsys, toml, line, message):
    (repo / "rsdock.toml").write_text(toml)
    (repo / ".dockerignore").write_text("target/\n")
    code, _, err = run(capsys, "lint", "--no-hadolint")
    assert code == 2
    assert err.startswith(f"rsdock.toml:{line}: error: ") and message in err


def test_config_is_applied(repo, capsys):
    (repo / ".dockerignore").write_text("# rsdock: ignore=RS001 stale\ntarget/\n")
    (repo / "sub").mkdir()
    (repo / "sub" / ".dockerignore").write_text("# rsdock: ignore=RS001 stale\ntarget/\n")
    (repo / "rsdock.toml").write_text('[lint]\nhadolint = false\nseverity = "error"\n'
                                      '[lint.per-file-ignores]\n"sub/*" = ["meta"]\n')
    code, out, _ = run(capsys, "lint")
    assert code == 0 and ".dockerignore:1:18: RS002" in out and "sub/" not in out
    # the command line overrides the file
    assert run(capsys, "lint", "--severity", "warning")[0] == 1


def test_config_defaults_without_a_lint_table(tmp_path):
    (tmp_path / "rsdock.toml").write_text('rust-version = "1.85"\n')
    assert config_mod.load_config(tmp_path) == config_mod.LintConfig()


def test_hadolint_selectors():
    sel = config_mod.resolve(["DL3008", "sc", "hadolint"])
    assert sel.matches("DL3008") and sel.matches("SC2086") and sel.matches("DL3006")
    assert not config_mod.resolve(["DL3"]).matches("SC2086")
    assert not config_mod.LintConfig(select=("RS001",)).wants_hadolint()
    assert config_mod.LintConfig(select=("DL3008",)).wants_hadolint()


def test_rules_table(capsys):
    code, out, _ = run(capsys, "rules")
    lines = out.splitlines()
    assert code == 0 and lines[0].split() == ["ID", "FAMILY", "SEVERITY", "FIX", "SUMMARY"]
    assert any(line.startswith("RS001  meta") for line in lines)
    assert all(line.split()[3] == "-" for line in lines[1:])  # no meta rule has a fix
    code, out, _ = run(capsys, "rules", "meta")
    assert code == 0 and all(line.split()[1] in ("FAMILY", "meta") for line in out.splitlines())


def test_rule_page(capsys):
    code, out, _ = run(capsys, "rule", "rs003")
    assert code == 0 and out.startswith("RS003 malformed-suppression (meta, error)")
    assert "\nFails:\n    # file: Dockerfile\n" in out and "\nPasses:\n" in out


@pytest.mark.parametrize("rule_id, message", [("RS777", "unknown rule"),
                                              ("DL3008", "hadolint's rule")])
def test_rule_page_errors(capsys, rule_id, message):
    code, _, err = run(capsys, "rule", rule_id)
    assert code == 2 and message in err


@pytest.mark.parametrize("rule_id, url", [
    ("DL3008", "https://github.com/hadolint/hadolint/wiki/DL3008"),
    ("sc2086", "https://www.shellcheck.net/wiki/SC2086"),
])
def test_rule_page_points_hadolint_codes_to_their_wiki(capsys, rule_id, url):
    code, _, err = run(capsys, "rule", rule_id)
    assert code == 2 and url in err


@pytest.mark.parametrize("path", [
    "Dockerfile", "web/Dockerfile.frontend", "api.Dockerfile", "api.dockerfile", "Dockerfile-dev",
    ".dockerignore", "Dockerfile.web.dockerignore", ".github/workflows/ci.yml",
    ".github/workflows/release.yaml", "templates/Dockerfile.bin.j2", "src/main.rs",
    "docs/x.yml", "Dockerfile.md", "sub/.github/workflows/ci.yml",
])
def test_pre_commit_hook_files_match_discovery(path):
    """The hook hands rsdock exactly the files ``rsdock lint`` would find itself."""
    import re

    from ruamel.yaml import YAML

    from rsdock.lint.engine.discover import kind_of

    hooks = YAML(typ="safe").load(REPO / ".pre-commit-hooks.yaml")
    (hook,) = hooks
    assert hook["id"] == "rsdock-lint" and hook["entry"] == "rsdock lint"
    assert hook["require_serial"] is True
    matched = bool(re.search(hook["files"], path)) and not re.search(hook["exclude"], path)
    # a workflow folder below the top is not GitHub's: the hook skips it, discovery too at the top
    expected = kind_of(path) is not None and not path.startswith("sub/")
    assert matched == expected


def test_exclude_skips_files_even_when_named(repo, capsys):
    (repo / "fixtures" / "bad").mkdir(parents=True)
    (repo / "fixtures" / "bad" / ".dockerignore").write_text("# rsdock: ignore=RS001 x\nt/\n")
    (repo / "other.dockerignore").write_text("# rsdock: ignore=RS001 x\nt/\n")
    (repo / "rsdock.toml").write_text('[lint]\nhadolint = false\nexclude = ["fixtures/", '
                                      '"other.*"]\n')
    code, out, _ = run(capsys, "lint", "--allow-empty")
    assert code == 0 and out == ("nothing to lint: no Dockerfile, GitHub workflow or "
                                 ".dockerignore was found.\n")
    code, out, _ = run(capsys, "lint", "fixtures/bad/.dockerignore")
    assert code == 0 and "RS002" not in out
    (repo / "rsdock.toml").write_text('[lint]\nexclude = "fixtures"\n')
    code, _, err = run(capsys, "lint")
    assert code == 2 and err.startswith("rsdock.toml:2: error: exclude must be a list")


def test_nothing_to_lint_is_an_error_unless_allowed(repo, capsys):
    (repo / "src").mkdir()
    (repo / "src" / "main.rs").write_text("fn main() {}\n")
    for argv in (["lint"], ["lint", "src"]):
        code, out, err = run(capsys, *argv, "--no-hadolint")
        assert code == 2 and out == ""
        assert "error: nothing to lint: no Dockerfile, GitHub workflow or .dockerignore" in err
        assert "hint: pass the folder or files that hold them (or --allow-empty" in err
    code, out, _ = run(capsys, "lint", "src", "--allow-empty", "--no-hadolint")
    assert code == 0 and out.startswith("nothing to lint")
