"""The exit codes of every command are the README's table (issue 26: "exit codes documented in
one table and the same everywhere"): each case runs the CLI and finds its code's row by a phrase
of that row, so a code that moves, or a row that stops describing it, fails here."""

from __future__ import annotations

import re

import pytest

from rsdock import errors
from rsdock.cli import main
from tests.tools import REPO, copy_example
from tests.wizard.commands.test_init import AWS_LC_LOCK


def table() -> dict[int, str]:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### Exit codes"):]
    section = section[:section.index("\n### ", 1)]
    return {int(code): text for code, text in re.findall(r"^\| `(\d+)` \| (.+) \|$", section,
                                                          re.M)}


def test_the_table_has_the_codes_the_cli_uses():
    assert sorted(table()) == [errors.OK, errors.REFUSED, errors.BAD_INPUT, errors.UPGRADE, 130]


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    root = copy_example(tmp_path_factory.mktemp("exit"), "ws")
    assert main(["init", str(root), "--yes"]) == 0
    return root


@pytest.fixture
def ws(generated, tmp_path):
    import shutil

    root = tmp_path / "ws"
    shutil.copytree(generated, root)
    return root


def aws_lc(root):
    (root / "src").mkdir(parents=True)
    (root / "src" / "main.rs").write_text("fn main() {}\n")
    (root / "Cargo.toml").write_text('[package]\nname = "app"\nversion = "0.1.0"\n'
                                     'edition = "2021"\n\n[dependencies]\naws-lc-rs = "1"\n')
    (root / "Cargo.lock").write_text(AWS_LC_LOCK)
    return root


def drifted(ws):
    path = ws / "Dockerfile"
    path.write_text(path.read_text() + "# mine\n")
    return ws


# (what happens, the phrase of its row, the arguments given the workspace, set-up)
CASES = [
    ("rsdock refusal lists the refusals", "nothing to change", lambda ws: ["refusal"], None),
    ("init --check, up to date", "clean", lambda ws: ["init", str(ws), "--check"], None),
    ("init --dry-run", "init --dry-run", lambda ws: ["init", str(ws), "--dry-run", "--yes"],
     None),
    ("edit, nothing to change", "nothing to change",
     lambda ws: ["edit", str(ws), "--add-platform", "linux/amd64", "--yes"], None),
    ("lint findings", "lint findings",
     lambda ws: ["lint", str(ws), "--no-hadolint", "--select", "RS", "--severity", "info"],
     lambda ws: (ws / "Dockerfile").write_text("FROM rust\nRUN cargo build\n")),
    ("init --check drift", "drift", lambda ws: ["init", str(ws), "--check"], drifted),
    ("init refuses an unbuildable platform", "a choice the workspace cannot be built with",
     lambda ws: ["init", str(ws / "aws"), "--yes", "--platform", "linux/arm/v7"],
     lambda ws: aws_lc(ws / "aws")),
    ("edit refuses an unbuildable platform", "edit --add-platform",
     lambda ws: ["edit", str(ws), "--add-platform", "linux/riscv64", "--yes"], None),
    ("edit refuses a runtime the platforms do not have", "edit --runtime",
     lambda ws: ["edit", str(ws), "--runtime", "alpine", "--yes"],
     lambda ws: main(["init", str(ws), "--yes", "--force", "--platform",
                      "linux/amd64,linux/s390x"])),  # s390x has no musl target
    ("edit refuses a cache it cannot edit safely", "edit --cache local",
     lambda ws: ["edit", str(ws), "--cache", "local", "--yes"], None),
    ("edit without a build step", "a workflow without a build step",
     lambda ws: ["edit", str(ws), "--cache", "registry", "--yes"],
     lambda ws: (ws / ".github" / "workflows" / "docker.yml").write_text(
         "on: push\njobs:\n  b:\n    runs-on: ubuntu-24.04\n    steps:\n"
         "      - uses: docker/setup-buildx-action@v3\n")),
    ("an unknown value", "an unknown value", lambda ws: ["init", str(ws), "--yes",
                                                          "--runtime", "nope"], None),
    ("an unknown refusal id", "an unknown value or id", lambda ws: ["refusal", "nope"], None),
    ("an unknown platform to add", "an unknown value",
     lambda ws: ["edit", str(ws), "--add-platform", "linux/nope"], None),
    ("flags that do not go together", "flags that do not go together",
     lambda ws: ["init", str(ws), "--check", "--runtime", "alpine"], None),
    ("a file rsdock cannot parse", "cannot read or parse",
     lambda ws: ["init", str(ws), "--check"],
     lambda ws: (ws / "rsdock.toml").write_text("runtime = [\n")),
    ("init cannot ask without a terminal", "a question that cannot be asked",
     lambda ws: ["init", str(ws)], None),
    ("init --keep cannot ask without a terminal", "init --keep",
     lambda ws: ["init", str(ws), "--keep"], drifted),
    ("edit cannot ask without a terminal", "without a terminal and without `--yes`",
     lambda ws: ["edit", str(ws), "--remove-platform", "linux/arm/v7"], None),
    ("lint finds nothing to lint", "nothing to lint",
     lambda ws: ["lint", str(ws / "empty")], lambda ws: (ws / "empty").mkdir()),
]


@pytest.mark.parametrize("what, phrase, argv, setup", CASES, ids=[c[0] for c in CASES])
def test_each_case_exits_with_the_code_of_its_row(ws, capsys, monkeypatch, what, phrase, argv,
                                                  setup):
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    if setup:
        setup(ws)
    rows = [code for code, text in table().items() if phrase in text]
    assert len(rows) == 1, f"{phrase!r} is in rows {rows}"
    code = main(argv(ws))
    out = capsys.readouterr()
    assert code == rows[0], (what, out.out[-800:], out.err[-800:])
    assert "Traceback" not in out.err


def test_no_at_the_question_is_its_row(ws, capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("builtins.input", lambda *_: "n")
    [code] = [c for c, text in table().items() if '"no" at a question' in text]
    assert main(["edit", str(ws), "--remove-platform", "linux/arm/v7"]) == code
    assert main(["init", str(drifted(ws)), "--keep"]) == code


def test_an_interrupt_is_its_row(monkeypatch, capsys):
    from rsdock.wizard.commands import refusal

    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr(refusal, "run", interrupted)
    [code] = [c for c, text in table().items() if "interrupted" in text]
    assert main(["refusal"]) == code
    assert "interrupted" in capsys.readouterr().err
