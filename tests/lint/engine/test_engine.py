"""The lint engine: discovery, context, rule runs, hadolint merge, configuration filters."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from rsdock.errors import UserError
from rsdock.lint.engine import discover, runner as engine
from rsdock.lint.model.paths import is_vendored
from rsdock.lint.rules import rule as rule_mod
from rsdock.lint.engine.settings import LintConfig
from rsdock.lint.model.findings import Finding, Severity
from rsdock.lint.rules.rule import Rule

NO_HADOLINT = LintConfig(hadolint=False)


class LatestTag(Rule):
    """Flags `:latest` base images (a test rule).

    Fails:
        FROM debian:latest

    Passes:
        FROM debian:bookworm-slim
    """

    id = "RS199"
    name = "test-latest"
    severity = Severity.WARNING
    message = "pin the base image"
    target = "dockerfile"

    def check(self, file, ctx):
        for number, line in enumerate(file.text.splitlines(), 1):
            if line.startswith("FROM") and ":latest" in line:
                yield self.finding(file.path, number, 1)


class Crashes(Rule):
    """Raises on every Dockerfile (a test rule).

    Fails:
        FROM x

    Passes:
        FROM x
    """

    id = "RS198"
    name = "test-crash"
    severity = Severity.ERROR
    message = "never seen"
    target = "dockerfile"

    def check(self, file, ctx):
        raise RuntimeError("boom")


class SeesContext(Rule):
    """Reports how many workflows the context holds (a test project rule).

    Fails:
        # file: Dockerfile
        FROM x

    Passes:
        # file: Dockerfile
        FROM x
    """

    id = "RS597"
    name = "test-context"
    severity = Severity.INFO
    message = "context"
    target = "project"

    def check(self, file, ctx):
        for path in ctx.dockerfiles:
            yield self.finding(path, 1, 0, f"workflows={len(ctx.workflows)} "
                                           f"workspace={ctx.workspace is not None}")


@pytest.fixture(autouse=True)
def extra_rules(monkeypatch):
    """Only the meta rules (the engine's own) plus the test rules a test adds: the engine's
    behaviour is tested apart from what the research rules say about the inputs."""
    registry = {k: v for k, v in rule_mod.all_rules().items() if k < "RS010"}
    monkeypatch.setattr(rule_mod, "_REGISTRY", registry)

    def add(*classes):
        for cls in classes:
            registry[cls.id] = cls
    return add


@pytest.mark.parametrize("path, kind", [
    ("Dockerfile", "dockerfile"),
    ("docker/Dockerfile.frontend", "dockerfile"),
    ("Dockerfile-dev", "dockerfile"),
    ("api.Dockerfile", "dockerfile"),
    ("api.dockerfile", "dockerfile"),
    (".github/scripts/Containerfile", "dockerfile"),  # podman's name (trustify)
    ("Containerfile.xtask", "dockerfile"),
    ("api.containerfile", "dockerfile"),
    ("Containerfile.md", None),
    (".dockerignore", "dockerignore"),
    ("Dockerfile.frontend.dockerignore", "dockerignore"),
    (".github/workflows/ci.yml", "workflow"),
    (".github/workflows/release.yaml", "workflow"),
    ("ci.yml", None),
    ("templates/Dockerfile.bin.j2", None),
    ("Dockerfile.md", None),
    ("src/main.rs", None),
])
def test_kind_of(path, kind):
    assert discover.kind_of(path) == kind


def test_walk_skips_build_output_and_vcs(tmp_path):
    for rel in ("Dockerfile", "target/Dockerfile", ".git/Dockerfile", "node_modules/x/Dockerfile",
                "web/Dockerfile", ".github/workflows/ci.yml", "README.md"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("FROM x\n")
    assert discover.walk(tmp_path) == [".github/workflows/ci.yml", "Dockerfile", "web/Dockerfile"]


def test_walk_skips_vendored_trees_and_notes_build_files(tmp_path):
    for rel in ("vendor/lib/.github/workflows/ci.yml", "third_party/x/Dockerfile",
                "ext/zlib/Dockerfile", "ext/keep/Dockerfile", "docker-compose.yml",
                "deploy/compose.prod.yaml", "docker-bake.hcl", "Dockerfile"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("FROM x\n")
    (tmp_path / ".gitattributes").write_text("ext/zlib/** linguist-vendored\n*.rs diff=rust\n")
    tree = discover.scan(tmp_path)
    assert tree.lintable == ["Dockerfile", "ext/keep/Dockerfile"]
    assert tree.build_files == ["deploy/compose.prod.yaml", "docker-bake.hcl",
                                "docker-compose.yml"]
    assert is_vendored("vendor/lib/.github/workflows/ci.yml")
    assert not is_vendored(".github/workflows/ci.yml")


def test_resolve_targets_uses_git_top_and_rejects_missing_paths(tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "Dockerfile").write_text("FROM x\n")
    root, targets = discover.resolve_targets([], cwd=tmp_path / "sub")
    assert root == tmp_path.resolve() and targets == ["sub/Dockerfile"]
    root, targets = discover.resolve_targets(["Dockerfile"], cwd=tmp_path / "sub")
    assert root == tmp_path.resolve() and targets == ["sub/Dockerfile"]
    with pytest.raises(UserError, match="no such file"):
        discover.resolve_targets(["nope"], cwd=tmp_path)
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(UserError, match="what kind of file"):
        discover.resolve_targets(["notes.txt"], cwd=tmp_path)


def test_in_memory_files_override_disk(tmp_path, extra_rules):
    extra_rules(LatestTag)
    (tmp_path / "Dockerfile").write_text("FROM debian:latest\n")
    on_disk = engine.lint_paths(["Dockerfile"], tmp_path, NO_HADOLINT).findings
    assert [f.rule for f in on_disk] == ["RS199"]
    overridden = engine.lint_texts({"Dockerfile": "FROM debian:bookworm\n"}, tmp_path, NO_HADOLINT)
    assert overridden == []


def test_lint_texts_without_root_reports_only_lintable_files(extra_rules):
    extra_rules(LatestTag)
    findings = engine.lint_texts({"Dockerfile": "FROM a:latest\n", "notes/x.rs": "FROM a:latest\n"},
                                 config=NO_HADOLINT)
    assert [(f.path, f.line, f.rule) for f in findings] == [("Dockerfile", 1, "RS199")]


def test_context_holds_every_repository_file_and_the_workspace(tmp_path, extra_rules):
    extra_rules(SeesContext)
    files = {
        "Dockerfile": "FROM x\n",
        ".github/workflows/ci.yml": "on: [push]\njobs: {}\n# builds with docker/build-push\n",
        # context that builds no image: never parsed, so a rule never sees it
        ".github/workflows/test.yml": "on: [push]\njobs: {}\n",
        "Cargo.toml": '[package]\nname = "app"\nversion = "0.1.0"\nedition = "2021"\n',
        "src/main.rs": "fn main() {}\n",
    }
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    result = engine.lint_paths(["Dockerfile"], tmp_path, LintConfig(hadolint=False,
                                                                     select=("RS597",)))
    assert [f.message for f in result.findings] == ["workflows=1 workspace=True"]
    assert set(result.targets) == {"Dockerfile"}


def test_broken_workspace_is_a_finding_not_a_crash(tmp_path):
    (tmp_path / "Cargo.toml").write_text("[workspace\n")
    (tmp_path / "Dockerfile").write_text("FROM x\n")
    result = engine.lint_paths(["Dockerfile"], tmp_path, NO_HADOLINT)
    rs005 = [f for f in result.findings if f.rule == "RS005"]
    assert len(rs005) == 1 and rs005[0].path == "Cargo.toml" and rs005[0].line == 1


def test_a_crashing_rule_is_reported_and_others_still_run(tmp_path, extra_rules):
    extra_rules(LatestTag, Crashes)
    findings = engine.lint_texts({"Dockerfile": "FROM a:latest\n"}, config=NO_HADOLINT)
    rules = {f.rule: f for f in findings}
    assert "RS199" in rules and "RS009" in rules
    assert "RS198 crashed: RuntimeError: boom" in rules["RS009"].message


@pytest.mark.parametrize("data, line, why", [
    (b"FROM x\n\x00\x01", 2, "binary"),
    (b"FROM x\nRUN echo \xff\n", 2, "not UTF-8"),
    (b"#" * (engine.MAX_BYTES + 1), 1, "rsdock reads files up to"),
], ids=["binary", "not-utf8", "too-large"])
def test_unreadable_files_are_located_rs001(tmp_path, data, line, why):
    (tmp_path / "Dockerfile").write_bytes(data)
    findings = engine.lint_paths(["Dockerfile"], tmp_path, NO_HADOLINT).findings
    assert [(f.rule, f.line) for f in findings] == [("RS001", line)]
    assert why in findings[0].message


def test_select_ignore_and_per_file_ignores(tmp_path, extra_rules):
    extra_rules(LatestTag)
    files = {"Dockerfile": "FROM a:latest\n", "legacy/Dockerfile": "FROM a:latest\n"}

    def paths(config):
        return [f.path for f in engine.lint_texts(files, config=config) if f.rule == "RS199"]

    assert paths(NO_HADOLINT) == ["Dockerfile", "legacy/Dockerfile"]
    assert paths(LintConfig(hadolint=False, ignore=("chef",))) == []
    assert paths(LintConfig(hadolint=False, select=("RS0",))) == []
    assert paths(LintConfig(hadolint=False, per_file_ignores={"legacy/*": ("RS1",)})) == \
        ["Dockerfile"]


def test_hadolint_findings_are_merged_with_mapped_severity(tmp_path):
    findings = engine.lint_texts({"Dockerfile": "FROM debian\nRUN apt-get install -y curl\n"
                                                "RUN cd /x\n"})
    by_rule = {f.rule: f for f in findings}
    assert by_rule["DL3006"].severity is Severity.WARNING and by_rule["DL3006"].line == 1
    assert by_rule["DL3015"].severity is Severity.INFO
    assert "SC2164" in by_rule
    assert all(f.path == "Dockerfile" for f in findings)


def test_hadolint_parse_failure_is_an_info_note(tmp_path):
    text = "FROM debian:bookworm-slim\nRUN <<EOT\necho hi\nEOT\nENV A=1\n"
    findings = engine.lint_texts({"Dockerfile": text})
    notes = [f for f in findings if f.rule == "RS004"]
    assert [(n.line, n.severity) for n in notes] == [(5, Severity.INFO)]
    assert not any(f.rule == "DL1000" for f in findings)


def test_hadolint_config_is_honoured_and_can_be_turned_off(tmp_path):
    (tmp_path / "Dockerfile").write_text("FROM debian\n")
    assert "DL3006" in {f.rule for f in engine.lint_paths(["Dockerfile"], tmp_path).findings}
    (tmp_path / ".hadolint.yaml").write_text("ignored:\n  - DL3006\n")
    assert "DL3006" not in {f.rule for f in engine.lint_paths(["Dockerfile"], tmp_path).findings}
    (tmp_path / ".hadolint.yaml").unlink()
    result = engine.lint_paths(["Dockerfile"], tmp_path, NO_HADOLINT)
    assert not result.hadolint_ran and not any(f.rule.startswith("DL") for f in result.findings)


def test_missing_hadolint_is_a_note(tmp_path, monkeypatch):
    from rsdock.lint.engine import hadolint

    monkeypatch.setattr(hadolint, "find_executable", lambda: None)
    findings = engine.lint_texts({"Dockerfile": "FROM debian\n"})
    assert [f.rule for f in findings] == ["RS004"]
    assert "not installed" in findings[0].message
    # about hadolint, not the files: said once, on the first Dockerfile
    two = engine.lint_texts({"b/Dockerfile": "FROM debian\n", "a.Dockerfile": "FROM debian\n"})
    assert [(f.path, f.rule) for f in two] == [("b/Dockerfile", "RS004")]


def test_the_engine_parses_only_the_kinds_at_hand(tmp_path):
    # Only the meta rules: workflow rules import the workflow model themselves.
    (tmp_path / "Dockerfile").write_text("FROM x\n")
    code = ("import sys; from pathlib import Path; from rsdock.lint.engine import runner as engine, settings as config; "
            "from rsdock.lint.rules import rule; rule._REGISTRY = {k: v for k, v in rule.all_rules().items() if k < 'RS010'}; "
            "[sys.modules.pop(m) for m in list(sys.modules) if m.startswith(('ruamel', "
            "'rsdock.lint.model.workflow_reader'))]; "
            f"engine.lint_paths(['Dockerfile'], Path({str(tmp_path)!r}), "
            "config.LintConfig(hadolint=False)); "
            "print(sorted(m for m in sys.modules if m.startswith(('ruamel', 'rsdock.lint.model.workflow_reader'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_result_failed_compares_with_threshold():
    from rsdock.lint.model.findings import Finding

    info = Finding("Dockerfile", 1, 0, "RS004", Severity.INFO, "note")
    result = engine.Result(Path("."), {"Dockerfile": "dockerfile"}, [info])
    assert not result.failed(Severity.WARNING) and result.failed(Severity.INFO)


@pytest.mark.parametrize("path", ["../Dockerfile", "/etc/Dockerfile", "a/../../Dockerfile"])
def test_lint_texts_refuses_paths_outside_the_repository(path):
    with pytest.raises(ValueError, match="inside the repository"):
        engine.lint_texts({path: "FROM x\n", "Cargo.toml": ""}, config=NO_HADOLINT)


def test_lint_texts_with_rsdock_toml_lints_in_place(tmp_path, monkeypatch):
    import shutil as shutil_mod

    def no_copy(*args, **kwargs):
        raise AssertionError("the repository was copied")

    monkeypatch.setattr(shutil_mod, "copytree", no_copy)
    files = {"Dockerfile": "FROM x\n", "rsdock.toml": "[lint]\n"}
    assert engine.lint_texts(files, tmp_path, NO_HADOLINT) == []


def test_a_crashing_parser_is_reported_not_raised(monkeypatch):
    from rsdock.lint.model import dockerignore

    def broken(path, text):
        raise KeyError("parser bug")

    monkeypatch.setattr(dockerignore, "parse_dockerignore", broken)
    findings = engine.lint_texts({".dockerignore": "target/\n"}, config=NO_HADOLINT)
    assert [(f.rule, f.path) for f in findings] == [("RS009", ".dockerignore")]
    assert "the dockerignore parser crashed: KeyError" in findings[0].message


def test_hadolint_starts_first_once_for_all_dockerfiles(tmp_path, monkeypatch):
    from rsdock.lint.engine import hadolint

    events = []
    real_start, real_read = hadolint.start, engine._read

    def start(root, files, executable=None, texts=None):
        events.append(("hadolint", sorted(files.values())))
        return real_start(root, files, executable, texts)

    def read(*args):
        events.append(("read", None))
        return real_read(*args)

    monkeypatch.setattr(hadolint, "start", start)
    monkeypatch.setattr(engine, "_read", read)
    for rel in ("Dockerfile", "web/Dockerfile.web", "api.Dockerfile"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("FROM debian\n")
    result = engine.lint_paths(discover.walk(tmp_path), tmp_path)
    assert events == [("hadolint", ["Dockerfile", "api.Dockerfile", "web/Dockerfile.web"]),
                      ("read", None)]
    assert {f.path for f in result.findings if f.rule == "DL3006"} == \
        {"Dockerfile", "api.Dockerfile", "web/Dockerfile.web"}


def test_hadolint_runtime_is_sized_to_the_cores_unless_the_user_says(monkeypatch):
    from rsdock.lint.engine import hadolint

    monkeypatch.delenv("GHCRTS", raising=False)
    monkeypatch.setattr(hadolint.os, "cpu_count", lambda: 8)
    assert hadolint._environment(1)["GHCRTS"] == "-N2"  # one process: two capabilities
    assert hadolint._environment(4)["GHCRTS"] == "-N1"  # one process per core: one each
    monkeypatch.setattr(hadolint.os, "cpu_count", lambda: 1)
    assert hadolint._environment(1)["GHCRTS"] == "-N1"
    monkeypatch.setenv("GHCRTS", "-N3")
    assert hadolint._environment(1)["GHCRTS"] == "-N3"


def test_a_broken_hadolint_config_is_a_note_and_findings_still_come(tmp_path):
    (tmp_path / "Dockerfile").write_text("FROM debian\n")
    (tmp_path / ".hadolint.yaml").write_text("bogus: [\n")
    findings = engine.lint_paths(["Dockerfile"], tmp_path).findings
    rules = [f.rule for f in findings]
    assert "DL3006" in rules
    notes = [f for f in findings if f.rule == "RS004"]
    assert len(notes) == 1 and "config" in notes[0].message


def test_hadolint_is_not_rerun_for_an_in_memory_text_it_already_checked(tmp_path, monkeypatch):
    """The wizard's live preview lints the same Dockerfiles after every answer: hadolint runs
    again only for a text it has not seen, and the findings stay the same."""
    from rsdock.lint.engine import hadolint as hadolint_mod

    if hadolint_mod.find_executable() is None:
        pytest.skip("hadolint is not installed")
    started = []
    real_popen = hadolint_mod.subprocess.Popen

    def counting_popen(command, *args, **kwargs):
        if command[0] == hadolint_mod.find_executable():
            started.append(command)
        return real_popen(command, *args, **kwargs)

    monkeypatch.setattr(hadolint_mod.subprocess, "Popen", counting_popen)
    unique = f"FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y curl  # {tmp_path}\n"
    first = engine.lint_texts({"Dockerfile": unique}, root=tmp_path)
    again = engine.lint_texts({"Dockerfile": unique}, root=tmp_path)
    changed = engine.lint_texts({"Dockerfile": unique + "USER 10001\n"}, root=tmp_path)
    assert len(started) == 2  # the first text and the changed one, not the repeat
    assert "DL3008" in {f.rule for f in first} and first == again
    assert "DL3008" in {f.rule for f in changed}


def test_a_hung_hadolint_is_stopped_and_reported(tmp_path, monkeypatch):
    from rsdock.lint.engine import hadolint as hadolint_mod

    hung = tmp_path / "hadolint"
    hung.write_text("#!/bin/sh\nexec sleep 30\n")
    hung.chmod(0o755)
    (tmp_path / "Dockerfile").write_text("FROM scratch\n")
    monkeypatch.setattr(hadolint_mod, "BUDGET_PER_FILE", 0.3)
    run = hadolint_mod.start(tmp_path, {"Dockerfile": "Dockerfile"}, executable=str(hung))
    findings, problem = run.collect()
    assert findings == [Finding("Dockerfile", 1, 0, hadolint_mod.TIMEOUT_CODE, Severity.INFO,
                                "0.3")]
    assert problem is None
    assert all(p.returncode is not None for p in run.processes)  # killed, not left behind


def test_hadolint_out_of_budget_on_a_big_file_costs_only_that_file_its_checks(tmp_path,
                                                                               monkeypatch):
    """A big Dockerfile gets a process and a budget of its own; when hadolint runs out on it,
    that file gets an RS004 note and the other files keep their DL findings."""
    from rsdock.lint.engine import hadolint as hadolint_mod

    fake = tmp_path / "bin" / "hadolint"
    fake.parent.mkdir()
    fake.write_text('#!/bin/sh\nfor a; do case "$a" in *big*) exec sleep 30;; esac; done\n'
                    'for a; do last="$a"; done\n'
                    'printf \'[{"code":"DL3008","file":"%s","line":2,"level":"warning",'
                    '"message":"pin versions"}]\' "$last"\n')
    fake.chmod(0o755)
    monkeypatch.setattr(hadolint_mod, "find_executable", lambda: str(fake))
    monkeypatch.setattr(hadolint_mod, "BUDGET_PER_FILE", 1.0)
    (tmp_path / "small").mkdir()
    (tmp_path / "small" / "Dockerfile").write_text("FROM debian:bookworm-slim\nRUN true\n")
    (tmp_path / "big").mkdir()
    (tmp_path / "big" / "Dockerfile").write_text(
        "FROM debian:bookworm-slim\n" + "RUN echo padding\n" * 5000)
    findings = engine.lint_paths(["small/Dockerfile", "big/Dockerfile"], tmp_path).findings
    notes = [f for f in findings if f.rule == "RS004"]
    assert [(f.path, f.line) for f in notes] == [("big/Dockerfile", 1)]
    assert "did not finish checking this file within 1 s" in notes[0].message
    assert [(f.path, f.rule) for f in findings if f.rule.startswith("DL")] == [
        ("small/Dockerfile", "DL3008")]


def test_hadolint_is_stopped_on_a_16000_line_dockerfile(tmp_path, monkeypatch):
    from rsdock.lint.engine import hadolint as hadolint_mod

    if hadolint_mod.find_executable() is None:
        pytest.skip("hadolint is not installed")
    monkeypatch.setattr(hadolint_mod, "BUDGET_PER_FILE", 2.0)
    (tmp_path / "Dockerfile").write_text("FROM debian:bookworm-slim\n" + "".join(
        f"RUN apt-get install -y pkg{i} && echo {i}\n" for i in range(16_000)))
    result = engine.lint_paths(["Dockerfile"], tmp_path)
    assert [f.rule for f in result.findings if f.rule == "RS004"] == ["RS004"]
    assert not any(f.rule.startswith("DL") for f in result.findings)


def test_many_dockerfiles_are_shared_among_hadolint_processes(tmp_path, monkeypatch):
    from rsdock.lint.engine import hadolint as hadolint_mod

    if hadolint_mod.find_executable() is None:
        pytest.skip("hadolint is not installed")
    monkeypatch.setattr(hadolint_mod.os, "cpu_count", lambda: 2)
    names = [f"svc{n}/Dockerfile" for n in range(60)]
    assert sorted(sum(hadolint_mod._shares(names), [])) == sorted(names)
    assert len(hadolint_mod._shares(names)) == 4  # at least four, even on two cores
    assert hadolint_mod._shares(names[:3]) == [[n] for n in names[:3]]
    assert hadolint_mod._shares([]) == []
    monkeypatch.setattr(hadolint_mod.os, "cpu_count", lambda: 64)
    assert len(hadolint_mod._shares(names)) == 8
    monkeypatch.setattr(hadolint_mod.os, "cpu_count", lambda: 2)
    for name in names:
        (tmp_path / name).parent.mkdir()
        (tmp_path / name).write_text("FROM debian:bookworm-slim\nRUN apt-get install -y curl\n")
    run = hadolint_mod.start(tmp_path, {n: n for n in names})
    assert len(run.processes) == 4
    findings, problem = run.collect()
    assert problem is None
    assert {f.path for f in findings if f.rule == "DL3008"} == set(names)


def test_every_kind_has_a_parser_and_a_place_in_the_context(tmp_path):
    """discover's kinds, the engine's parsers and Context's fields name the same kinds."""
    from rsdock.lint.engine import discover
    from rsdock.lint.rules.rule import Context

    ctx = Context(root=tmp_path)
    assert set(engine.PARSERS) == set(discover.KINDS)
    for kind in discover.KINDS:
        ctx.models(kind)["x"] = kind
    assert (ctx.dockerfiles, ctx.workflows, ctx.dockerignores) == (
        {"x": "dockerfile"}, {"x": "workflow"}, {"x": "dockerignore"})


def test_killing_a_run_stops_its_processes_and_closes_their_output_files(tmp_path):
    from rsdock.lint.engine import hadolint as hadolint_mod

    hung = tmp_path / "hadolint"
    hung.write_text("#!/bin/sh\nexec sleep 30\n")
    hung.chmod(0o755)
    files = {f"d{n}/Dockerfile": f"d{n}/Dockerfile" for n in range(3)}
    run = hadolint_mod.start(tmp_path, files, executable=str(hung))
    run.kill()
    assert all(p.returncode is not None for p in run.processes)
    assert all(p.stdout.closed and p.stderr.closed for p in run.processes)
