"""The wizard's shared step definitions (steps.py) and the review/write work (review.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from rsdock.errors import UserError
from rsdock.lint.model import cargo
from rsdock.lint.knowledge import platforms
from rsdock.wizard.generate import answers as config, defaults, review, steps
from rsdock.wizard.generate.plan import Problem


@pytest.fixture
def root(example_copy: Path) -> Path:
    return example_copy


@pytest.fixture
def workspace(root: Path):
    return cargo.scan(root)


def test_steps_are_the_eight_of_the_brief():
    assert steps.STEP_IDS == ("project", "images", "platforms", "runtime", "cache", "registry",
                              "review", "write")
    assert steps.step("cache").title == "Cache"
    with pytest.raises(KeyError, match="unknown wizard step"):
        steps.step("nope")


def test_platform_choices_explain_every_table_entry():
    choices = steps.platform_choices()
    assert [c.value for c in choices] == list(platforms.names())
    for choice, platform in zip(choices, platforms.PLATFORMS):
        assert platform.gnu_triple in choice.help and platform.linker in choice.help
        assert all(package in choice.help for package in platform.apt_packages)
        assert (platform.caveat in choice.help) if platform.caveat else "Caveat" not in choice.help
    s390x = next(c for c in choices if c.value == "linux/s390x")
    assert "musl: none" in s390x.help


def test_single_choices_come_from_plan_explanations():
    from rsdock.wizard.generate.plan import CACHES, REGISTRIES, RUNTIMES

    assert {c.value: c.help for c in steps.runtime_choices()} == RUNTIMES
    assert {c.value: c.help for c in steps.cache_choices()} == CACHES
    assert {c.value: c.help for c in steps.registry_choices()} == REGISTRIES
    assert [c.value for c in steps.pin_choices()] == ["sha", "tag"]


def test_candidates_keep_saved_image_paths(workspace):
    base = defaults.default_plan(workspace)
    edited = steps.set_image_field(base, "web", dockerfile="docker/web.Dockerfile")
    candidates = steps.candidate_images(workspace, edited)
    assert [c.name for c in candidates] == ["server", "migrate", "web"]
    assert next(c for c in candidates if c.name == "web").dockerfile == "docker/web.Dockerfile"


def test_set_images_keeps_candidate_order_and_edits(workspace):
    base = defaults.default_plan(workspace)
    candidates = steps.candidate_images(workspace, base)
    plan = steps.set_image_field(base, "server", image="ghcr.io/acme/server")
    plan = steps.set_images(plan, candidates, ["web", "server"])
    assert [i.name for i in plan.images] == ["server", "web"]
    assert plan.images[0].image == "ghcr.io/acme/server"
    assert [c.value for c in steps.image_choices(candidates)] == ["server", "migrate", "web"]


def test_set_image_field_strips_and_changes_only_the_named_image(workspace):
    base = defaults.default_plan(workspace)
    plan = steps.set_image_field(base, "server", dockerfile=" docker/s.Dockerfile ",
                                 image=" ghcr.io/acme/server\t")
    server = next(i for i in plan.images if i.name == "server")
    old = next(i for i in base.images if i.name == "server")
    assert (server.dockerfile, server.image) == ("docker/s.Dockerfile", "ghcr.io/acme/server")
    assert (server.kind, server.package, server.package_dir) == (old.kind, old.package,
                                                                 old.package_dir)
    assert [i for i in plan.images if i.name != "server"] == [
        i for i in base.images if i.name != "server"]
    assert steps.set_image_field(base, "server") == base


def test_set_rust_version_strips(workspace):
    plan = steps.set_rust_version(defaults.default_plan(workspace), " 1.90 ")
    assert plan.rust_version == "1.90"


def test_answer_setters(workspace):
    plan = defaults.default_plan(workspace)
    assert steps.set_platforms(plan, ["linux/s390x", "linux/amd64"]).platforms == (
        "linux/amd64", "linux/s390x")
    assert steps.set_choice(plan, "cache", "local").cache == "local"
    with pytest.raises(KeyError):
        steps.set_choice(plan, "images", "x")
    triggers = steps.set_triggers(plan, branches="main, release  dev", tags=False).triggers
    assert triggers.branches == ("main", "release", "dev") and not triggers.tags
    assert triggers.pull_requests == plan.triggers.pull_requests
    assert steps.set_workflow(plan, " .github/workflows/x.yml ").workflow == (
        ".github/workflows/x.yml")


def test_problems_are_routed_to_the_step_that_makes_the_answer(workspace):
    plan = defaults.default_plan(workspace)
    assert steps.problem_step(Problem("image 'web'", "m", "w")) == "images"
    assert steps.problem_step(Problem("debian", "m", "w")) == "runtime"
    assert steps.problem_step(Problem("ci", "m", "w")) == "registry"
    bad = steps.set_platforms(steps.set_choice(plan, "runtime", "distroless"), ["linux/riscv64"])
    assert [p.field for p in steps.problems_for(bad, "platforms")] == ["platforms"]
    # The clash is shown where either answer is made; "no platform" only on the platform step.
    assert steps.problems_for(bad, "runtime") == steps.problems_for(bad, "platforms")
    empty = steps.set_platforms(plan, [])
    assert steps.problems_for(empty, "runtime") == [] and steps.problems_for(empty, "platforms")
    assert ("debian-slim", "trixie") in steps.runtimes_allowing(bad)
    assert ("distroless", plan.debian) not in steps.runtimes_allowing(bad)


def test_workspace_summary_lists_what_the_scan_found(workspace, root):
    (root / "Dockerfile").write_text("FROM scratch\n")
    rows = dict(steps.workspace_summary(workspace, root))
    assert rows["Binaries"] == "server, migrate" and rows["Web apps"] == "web"
    assert rows["Existing files"] == "Dockerfile"


def test_next_steps_name_the_secrets_and_build_commands(workspace):
    plan = defaults.default_plan(workspace)
    text = "\n".join(steps.next_steps(plan))
    assert "DOCKERHUB_USERNAME" in text and "DOCKERHUB_TOKEN" in text
    assert "--platform linux/amd64,linux/arm64,linux/arm/v7 -f Dockerfile.web" in text
    ghcr = "\n".join(steps.next_steps(steps.set_choice(plan, "registry", "ghcr")))
    assert "DOCKERHUB" not in ghcr and "GITHUB_TOKEN" in ghcr


def test_preview_of_invalid_plan_renders_nothing(workspace, root):
    plan = steps.set_platforms(defaults.default_plan(workspace), [])
    result = review.preview(root, plan)
    assert result.changes == () and result.problems and not result.writable


def test_preview_renders_diffs_and_lints(workspace, root):
    (root / "Dockerfile").write_text("FROM scratch\n")
    result = review.preview(root, defaults.default_plan(workspace))
    statuses = {c.path: c.status for c in result.changes}
    assert statuses["Dockerfile"] == "differs" and statuses["Dockerfile.web"] == "new"
    assert [c.path for c in result.overwrites] == ["Dockerfile"]
    assert "-FROM scratch" in result.overwrites[0].diff
    assert result.writable and isinstance(result.findings, tuple)


def test_preview_with_a_directory_in_the_way_is_a_located_error(workspace, root):
    (root / "Dockerfile").mkdir()
    with pytest.raises(UserError, match="is a directory"):
        review.preview(root, defaults.default_plan(workspace))


@pytest.mark.parametrize("overwrite", [False, True])
def test_write_respects_consent_and_saves_config(workspace, root, overwrite):
    (root / "Dockerfile").write_text("FROM scratch\n")
    plan = steps.set_choice(defaults.default_plan(workspace), "cache", "registry")
    result = review.write(root, review.preview(root, plan), overwrite=overwrite)
    assert ("Dockerfile" in result.written) is overwrite
    assert result.kept == (() if overwrite else ("Dockerfile",))
    assert ((root / "Dockerfile").read_text() == "FROM scratch\n") is not overwrite
    assert config.load(root).cache == "registry" and result.config == root / "rsdock.toml"


def test_fast_preview_skips_hadolint_and_says_so(workspace, root):
    plan = defaults.default_plan(workspace)
    fast = review.preview(root, plan, hadolint=False)
    full = review.preview(root, plan)
    assert not fast.complete and full.complete
    assert [c.path for c in fast.changes] == [c.path for c in full.changes]
    assert not any(f.rule.startswith("DL") for f in fast.findings)
