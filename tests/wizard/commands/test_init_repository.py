"""`rsdock init` in a git repository: the workflow under the git root, the default branch,
the project's own release tags (issue #21 "Repository facts", #26 item 1)."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from rsdock.cli import main
from rsdock.lint.model.gitrepo import default_branch, find_git_root, read_repository
from tests.tools import copy_example


@pytest.fixture(autouse=True)
def no_terminal(monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))


def git_dir(repo: Path, head: str = "ref: refs/heads/master\n", **files: str) -> Path:
    """A ``.git`` directory as git writes it (only the files rsdock reads)."""
    dot_git = repo / ".git"
    (dot_git / "refs" / "heads").mkdir(parents=True)
    (dot_git / "HEAD").write_text(head)
    for rel, text in files.items():
        path = dot_git / rel.replace("__", "/")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return dot_git


def test_a_workspace_in_a_sub_folder_gets_its_workflow_under_the_git_root(tmp_path, capsys):
    repo = tmp_path / "repo"
    ws = copy_example(repo, "crates")
    git_dir(repo)
    assert main(["init", str(ws), "--yes"]) == 0
    out = capsys.readouterr().out
    assert not (ws / ".github").exists()  # GitHub never runs a workflow from there
    workflow = (repo / ".github" / "workflows" / "docker.yml").read_text()
    assert "          context: crates\n" in workflow
    assert "          file: crates/Dockerfile\n" in workflow
    assert "          file: crates/Dockerfile.web\n" in workflow
    assert "    branches:\n      - master\n" in workflow
    for name in ("Dockerfile", "Dockerfile.web", ".dockerignore", "rsdock.toml"):
        assert (ws / name).is_file(), name  # the build context is the workspace
        assert not (repo / name).exists(), name
    assert "the workspace is the folder crates/ of the git repository" in out
    assert "images are pushed from master: the default branch, read from the branch " \
           "checked out (.git/HEAD)" in out
    assert "-f crates/Dockerfile --target server crates" in out  # the local build command

    # --check, lint and a rerun see the same files in the same places.
    assert main(["init", str(ws), "--check"]) == 0
    capsys.readouterr()
    assert main(["init", str(ws), "--yes"]) == 0
    assert "(0 new, 0 changed, 6 unchanged)" in capsys.readouterr().out
    assert main(["lint", str(repo), "--no-hadolint", "--format", "json"]) == 0, \
        capsys.readouterr().out


def test_a_worktree_gitdir_file_marks_the_root_and_its_common_dir_holds_origin_head(tmp_path):
    main_repo = tmp_path / "main"
    common = git_dir(main_repo, **{"refs__remotes__origin__HEAD":
                                   "ref: refs/remotes/origin/trunk\n"})
    (common / "worktrees" / "wt").mkdir(parents=True)
    (common / "worktrees" / "wt" / "HEAD").write_text("ref: refs/heads/feature\n")
    (common / "worktrees" / "wt" / "commondir").write_text("../..\n")
    tree = tmp_path / "wt"
    (tree / "svc").mkdir(parents=True)
    (tree / ".git").write_text(f"gitdir: {common / 'worktrees' / 'wt'}\n")
    assert find_git_root(tree / "svc") == tree
    repo = read_repository(tree / "svc")
    assert (repo.found, repo.prefix, repo.default_branch) == (True, "svc", "trunk")


@pytest.mark.parametrize("files, head, expected", [
    ({"refs__remotes__origin__HEAD": "ref: refs/remotes/origin/master\n"},
     "ref: refs/heads/feature\n", "master"),
    ({"packed-refs": "# pack-refs with: peeled fully-peeled sorted\n"
                     "0123456789012345678901234567890123456789 refs/remotes/origin/master\n"},
     "ref: refs/heads/feature\n", "master"),
    ({}, "ref: refs/heads/develop\n", "develop"),
    ({}, "0123456789012345678901234567890123456789\n", None),
])
def test_the_default_branch_is_read_from_git_files(tmp_path, files, head, expected):
    git_dir(tmp_path, head, **files)
    assert default_branch(tmp_path)[0] == expected


def test_a_master_repository_pushes_from_master_and_keeps_its_release_tags(tmp_path, capsys):
    repo = copy_example(tmp_path, "repo")
    git_dir(repo, "ref: refs/heads/feature/x\n",
            **{"refs__remotes__origin__HEAD": "ref: refs/remotes/origin/master\n"})
    (repo / ".github" / "workflows").mkdir(parents=True)
    (repo / ".github" / "workflows" / "release.yml").write_text(
        "on:\n  push:\n    tags: ['server-v*']\njobs:\n  x:\n    runs-on: ubuntu-latest\n"
        "    steps:\n      - run: echo\n")
    assert main(["init", str(repo), "--yes"]) == 0
    out = capsys.readouterr().out
    workflow = (repo / ".github" / "workflows" / "docker.yml").read_text()
    assert "    branches:\n      - master\n    tags:\n      - \"server-v*\"\n" in workflow
    assert "type=ref,event=tag" in workflow and "type=semver" not in workflow
    assert "origin's HEAD" in out
    assert "release tags server-v* are kept from .github/workflows/release.yml" in out
    toml = (repo / "rsdock.toml").read_text()
    assert 'branches = ["master"]' in toml and 'tag-patterns = ["server-v*"]' in toml
    assert main(["init", str(repo), "--check"]) == 0


def test_branch_flag_and_unknown_default_are_said(tmp_path, capsys):
    ws = copy_example(tmp_path, "ws")  # no .git anywhere above (pytest's tmp)
    assert main(["init", str(ws), "--yes", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "note: no git repository found" in out and "pushes from main, the default " \
        "branch being unknown (--branch NAME changes it)" in out
    assert main(["init", str(ws), "--yes", "--branch", "release,stable"]) == 0
    workflow = (ws / ".github" / "workflows" / "docker.yml").read_text()
    assert "    branches:\n      - release\n      - stable\n" in workflow


def test_the_walk_for_git_stops_at_the_ceiling_and_home(tmp_path, monkeypatch):
    git_dir(tmp_path)
    inner = tmp_path / "a" / "b"
    inner.mkdir(parents=True)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", "")
    assert find_git_root(inner) == tmp_path
    monkeypatch.setenv("HOME", str(tmp_path))  # a dotfiles repository is not the project's
    assert find_git_root(inner) is None
    assert find_git_root(tmp_path) == tmp_path  # run in the home folder itself: it is the repo
    monkeypatch.setenv("HOME", "/nonexistent")
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path / "a"))
    assert find_git_root(inner) is None


def test_lint_judges_a_sub_folder_dockerfile_by_its_own_workspace(tmp_path, capsys):
    # Rocket's shape: a workspace at the repository root and another in examples/; the
    # examples' Dockerfile names binaries of the examples workspace only.
    import json

    repo = tmp_path / "repo"
    ws = copy_example(repo, "examples")
    git_dir(repo)
    (repo / "Cargo.toml").write_text('[package]\nname = "core"\nversion = "0.1.0"\n'
                                     'edition = "2021"\n[workspace]\nexclude = ["examples"]\n')
    (repo / "src").mkdir()
    (repo / "src" / "lib.rs").write_text("")
    assert main(["init", str(ws), "--yes"]) == 0
    capsys.readouterr()
    main(["lint", str(repo), "--no-hadolint", "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    rules = {f["rule"] for f in report["findings"]}
    assert "RS107" not in rules, report["findings"]
    # and a binary the examples workspace lacks is still reported there
    dockerfile = ws / "Dockerfile"
    dockerfile.write_text(dockerfile.read_text().replace("--bin migrate", "--bin migrat"))
    main(["lint", str(repo), "--no-hadolint", "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    assert any(f["rule"] == "RS107" and "migrat" in f["message"] for f in report["findings"])


def test_edit_of_a_sub_folder_workspace_edits_the_git_roots_workflow(tmp_path, capsys):
    repo = tmp_path / "repo"
    ws = copy_example(repo, "crates")
    git_dir(repo)
    assert main(["init", str(ws), "--yes"]) == 0
    capsys.readouterr()
    assert main(["edit", str(ws)]) == 0
    assert "platforms:     linux/amd64, linux/arm64, linux/arm/v7  (from " \
           ".github/workflows/docker.yml:" in capsys.readouterr().out
    assert main(["edit", str(ws), "--remove-platform", "linux/arm/v7", "--yes"]) == 0
    out = capsys.readouterr().out
    assert "edited .github/workflows/docker.yml, crates/Dockerfile" in out
    assert "linux/arm/v7" not in (repo / ".github" / "workflows" / "docker.yml").read_text()
    assert 'platforms = ["linux/amd64", "linux/arm64"]' in (ws / "rsdock.toml").read_text()
    assert main(["init", str(ws), "--check"]) == 0, capsys.readouterr()


def test_the_tuis_review_and_write_place_the_workflow_under_the_git_root(tmp_path):
    from rsdock.lint.model.cargo import scan
    from rsdock.wizard.generate import review
    from rsdock.wizard.generate.defaults import default_plan

    repo = tmp_path / "repo"
    ws = copy_example(repo, "crates")
    git_dir(repo)
    plan = default_plan(scan(ws))
    preview = review.preview(ws, plan, hadolint=False)
    assert [c.path for c in preview.changes] == [
        ".github/dependabot.yml", ".github/workflows/docker.yml", "crates/.dockerignore", "crates/Dockerfile",
        "crates/Dockerfile.web"]
    assert not [f for f in preview.findings if f.severity == "error"]
    result = review.write(ws, preview, overwrite=False)
    assert (repo / ".github" / "workflows" / "docker.yml").is_file()
    assert result.config == ws / "rsdock.toml" and result.config.is_file()
    assert main(["init", str(ws), "--check"]) == 0
