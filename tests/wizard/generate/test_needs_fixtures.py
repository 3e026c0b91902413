"""Trimmed real workspaces (tests/fixtures/needs, each README names the repository, path and
commit): what `rsdock lint` says about the project's own .dockerignore, and what `rsdock init
--force` writes for what the build reads and runs."""

from __future__ import annotations

import io
import shutil
import sys
from pathlib import Path

import pytest

from rsdock.cli import main
from rsdock.lint.model.dockerignore import parse_dockerignore

FIXTURES = Path(__file__).parents[2] / "fixtures" / "needs"


@pytest.fixture(autouse=True)
def no_terminal(monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))


def copy(tmp_path: Path, name: str) -> Path:
    root = tmp_path / name
    shutil.copytree(FIXTURES / name, root)
    (root / ".git").mkdir()  # a checkout: what RS603/RS604 judge .git in
    (root / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    return root


def lint(root: Path, capsys) -> str:
    capsys.readouterr()
    main(["lint", "--no-hadolint", "--select", "RS604,RS111,RS603", str(root)])
    return capsys.readouterr().out


# name: (the findings on the project's own files, what init leaves in the context,
#        what init leaves out, a line of the generated Dockerfile)
CASES = {
    "symbolicator-build-git": ([], [".git/HEAD", "crates/symbolicator/build.rs"], ["README.md"],
                               "crates/symbolicator/build.rs:4 runs git"),
    "lychee-build-git": (["RS604"], [".git/HEAD"], ["assets/x", "target/x"],
                         "lychee-bin/build.rs:4 runs git"),
    "dufs-include-assets": ([], ["assets/index.html", "assets/favicon.ico"],
                            [".git/HEAD", "README.md", "docs/x"], "COPY . ."),
    "appflowy-sqlx-migrate": (["RS604", "RS603"], ["migrations/20230312043000_user.sql",
                                          ".sqlx/query-0389af6b.json"], [".git/HEAD"],
                              "COPY . ."),
    "restate-vergen8": ([], ["cli/build.rs"], [".git/HEAD"], "COPY . ."),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_real_workspace(name, tmp_path, capsys):
    before, sent, left_out, dockerfile_line = CASES[name]
    root = copy(tmp_path, name)
    own = (root / ".dockerignore").read_text() if (root / ".dockerignore").exists() else ""
    found = lint(root, capsys)
    assert [r for r in ("RS604", "RS111", "RS603") if f" {r} " in found] == before, found
    assert main(["init", str(root), "--yes", "--force"]) == 0
    text = (root / ".dockerignore").read_text()
    ignore = parse_dockerignore(".dockerignore", text)
    assert [p for p in sent if ignore.excludes(p)] == []
    assert [p for p in left_out if not ignore.excludes(p)] == []
    # every line of the project's own file is still there
    assert [line for line in own.splitlines() if line not in text.splitlines()] == []
    assert dockerfile_line in (root / "Dockerfile").read_text()
    assert "no findings" in lint(root, capsys)
    assert main(["init", str(root), "--check"]) == 0


def test_vergen8_gets_no_commit_argument(tmp_path, capsys):
    root = copy(tmp_path, "restate-vergen8")
    assert main(["init", str(root), "--yes"]) == 0
    assert "GIT_COMMIT" not in (root / "Dockerfile").read_text()
    assert "cli/build.rs reads git through vergen 8, which emits placeholders without it, but " \
        ".git is not in the build context" in capsys.readouterr().out
