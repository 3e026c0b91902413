"""``rsdock edit`` and ``rsdock lint`` on both shapes rsdock has written.

The new shape: one Dockerfile for every binary (a final stage each, built with ``target:``) and
one job for it. The old shape (``tests/fixtures/generated_v1``: what rsdock wrote before, one
Dockerfile and one job per image) must still be read, linted and edited correctly.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from rsdock.cli import main
from rsdock.lint.engine.runner import lint_texts
from rsdock.lint.engine.settings import LintConfig
from rsdock.lint.model.dockerfile import parse_dockerfile
from rsdock.wizard.edit.infer import infer, load_sources
from tests.tools import FIXTURES, copy_example

WORKFLOW = ".github/workflows/docker.yml"


def _old_shape(tmp_path: Path, strategy: str) -> Path:
    root = copy_example(tmp_path, f"v1-{strategy}")
    shutil.copytree(FIXTURES / "generated_v1" / strategy, root, dirs_exist_ok=True)
    return root


def _new_shape(tmp_path: Path, strategy: str, capsys) -> Path:
    root = copy_example(tmp_path, f"new-{strategy}")
    assert main(["init", str(root), "--yes", "--strategy", strategy]) == 0
    capsys.readouterr()
    return root


def _findings(root: Path) -> list[str]:
    texts = {p.relative_to(root).as_posix(): p.read_text() for p in root.rglob("*")
             if p.is_file() and (p.name.startswith("Dockerfile") or p.suffix == ".yml"
                                 or p.name == ".dockerignore")}
    found = lint_texts(texts, root=root, config=LintConfig(hadolint=False))
    return [f"{f.path}:{f.line}: {f.rule} {f.message}" for f in found
            if f.severity.name in ("WARNING", "ERROR")]


@pytest.mark.parametrize("strategy", ["cross", "native"])
def test_the_new_shape_is_inferred_one_image_per_target(tmp_path, capsys, strategy):
    root = _new_shape(tmp_path, strategy, capsys)
    inferred = infer(load_sources(root))
    assert [(i.dockerfile, i.target, i.name.value, i.kind) for i in inferred.images] == [
        ("Dockerfile", "server", "server", "bin"), ("Dockerfile", "migrate", "migrate", "bin"),
        ("Dockerfile.web", "", "web", "web")]
    assert inferred.strategy.value == strategy
    plan, unknown = inferred.to_plan()
    assert plan is not None and [i.dockerfile for i in plan.images] == [
        "Dockerfile", "Dockerfile", "Dockerfile.web"]
    assert main(["edit", str(root)]) == 0
    assert "image:         Dockerfile --target migrate -> migrate" in capsys.readouterr().out


# (flags, whether the result is byte for byte what `rsdock init` renders from the edited
# rsdock.toml). A registry switch writes its own key order and comments (as for any shape).
EDITS = [(["--add-platform", "linux/ppc64le"], True), (["--remove-platform", "linux/arm/v7"], True),
         (["--cache", "registry"], True), (["--cache", "local"], False),
         (["--registry", "ghcr"], False), (["--runtime", "distroless"], True)]


@pytest.mark.parametrize("strategy", ["cross", "native"])
@pytest.mark.parametrize("args, exact", EDITS, ids=[" ".join(e[0]) for e in EDITS])
def test_edits_of_the_new_shape_stay_clean(tmp_path, capsys, strategy, args, exact):
    root = _new_shape(tmp_path, strategy, capsys)
    code = main(["edit", str(root), *args, "--yes"])
    if args == ["--cache", "local"]:  # refused (it needs actions/cache steps): nothing changes
        assert code == 1
        return
    assert code == 0, capsys.readouterr()
    capsys.readouterr()
    if exact is True or exact == strategy:
        assert main(["init", str(root), "--check"]) == 0, capsys.readouterr().out
    assert _findings(root) == []


def test_adding_a_platform_to_the_shared_dockerfile_edits_it_once(tmp_path, capsys):
    root = _new_shape(tmp_path, "cross", capsys)
    assert main(["edit", str(root), "--add-platform", "linux/ppc64le", "--yes"]) == 0
    text = (root / "Dockerfile").read_text()
    assert text.count("      linux/ppc64le) triple=powerpc64le-unknown-linux-gnu") == 1
    assert text.count("      linux/ppc64le) arch=ppc64el ;;") == 1
    workflow = (root / WORKFLOW).read_text()
    assert workflow.count("platforms: linux/amd64,linux/arm64,linux/arm/v7,linux/ppc64le") == 3


@pytest.mark.parametrize("strategy", ["cross", "native"])
def test_the_old_shape_is_still_read_one_image_per_dockerfile(tmp_path, strategy):
    root = _old_shape(tmp_path, strategy)
    inferred = infer(load_sources(root))
    assert [(i.dockerfile, i.target, i.name.value) for i in inferred.images] == [
        ("Dockerfile", "", "server"), ("Dockerfile.migrate", "", "migrate"),
        ("Dockerfile.web", "", "web")]
    assert inferred.cache_scopes == {"Dockerfile": "server", "Dockerfile.migrate": "migrate",
                                     "Dockerfile.web": "web"} or strategy == "native"
    assert inferred.strategy.value == strategy
    assert _findings(root) == []


@pytest.mark.parametrize("strategy", ["cross", "native"])
def test_the_old_shape_is_still_edited_correctly(tmp_path, capsys, strategy):
    root = _old_shape(tmp_path, strategy)
    assert main(["edit", str(root), "--add-platform", "linux/ppc64le", "--yes"]) == 0
    for name in ("Dockerfile", "Dockerfile.migrate"):
        text = (root / name).read_text()
        assert text.count("      linux/ppc64le) triple=powerpc64le-unknown-linux-gnu") == 1, name
        parse_dockerfile(name, text)
    toml = (root / "rsdock.toml").read_text()
    assert 'platforms = ["linux/amd64", "linux/arm64", "linux/arm/v7", "linux/ppc64le"]' in toml
    assert 'dockerfile = "Dockerfile.migrate"' in toml  # its shape is kept
    assert main(["edit", str(root), "--cache", "registry", "--yes"]) == 0
    workflow = (root / WORKFLOW).read_text()
    # each image keeps a cache of its own (its own job, its own image's :buildcache)
    for image in ("server", "migrate", "web"):
        assert f"/{image}" in workflow
    assert _findings(root) == []
    capsys.readouterr()
    # rsdock.toml still names one Dockerfile per image: regenerating keeps that shape.
    assert main(["init", str(root), "--yes", "--force"]) == 0
    assert (root / "Dockerfile.migrate").exists()
    assert "--bin server" not in (root / "Dockerfile.migrate").read_text()
    assert _findings(root) == []


def test_init_on_the_old_shape_says_how_to_build_once(tmp_path, capsys):
    root = _old_shape(tmp_path, "cross")
    assert main(["init", str(root), "--yes", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert ("note: the binaries have 2 Dockerfiles (Dockerfile, Dockerfile.migrate), so CI "
            "compiles the workspace once per Dockerfile and platform; give every binary image "
            'dockerfile = "Dockerfile" in rsdock.toml') in out


@pytest.mark.parametrize("start, to", [("registry", "gha"), ("gha", "registry"),
                                       ("inline", "gha")])
def test_a_native_cache_switch_gives_every_leg_its_own_cache(tmp_path, capsys, start, to):
    root = copy_example(tmp_path, "native")
    assert main(["init", str(root), "--yes", "--strategy", "native", "--cache", start]) == 0
    assert main(["edit", str(root), "--cache", to, "--yes"]) == 0
    caches = [line.strip() for line in (root / WORKFLOW).read_text().splitlines()
              if line.strip().startswith(("cache-to:", "cache-from:"))]
    assert caches and all("${{ matrix.slug }}" in line or "matrix.slug)" in line
                          for line in caches), caches
    assert _findings(root) == []
