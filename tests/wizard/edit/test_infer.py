"""Inferring the plan of hand-written setups: known fields with sources, unknowns with reasons."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from rsdock.wizard.edit import infer
from tests.tools import HANDWRITTEN, copy_handwritten

FIXTURES = HANDWRITTEN


project = copy_handwritten  # project(tmp_path, "shop"): a private copy of a fixture


def inferred(root: Path) -> infer.InferredPlan:
    return infer.infer(infer.load_sources(root))


def test_research_style_project():
    plan = inferred(FIXTURES / "shop")
    assert [(i.dockerfile, i.name.value, i.kind, i.package) for i in plan.images] == [
        ("Dockerfile", "backend", "bin", "backend"),
        ("Dockerfile.frontend", "frontend", "web", "frontend")]
    assert plan.images[0].name.source == "Dockerfile:29 (--bin)"
    assert plan.platforms == infer.Fact(("linux/amd64", "linux/arm64"),
                                        ".github/workflows/release.yml:44")
    assert plan.dockerfile_platforms == {
        "Dockerfile": infer.Fact(("linux/amd64", "linux/arm64"), "Dockerfile:22")}
    assert (plan.runtime.value, plan.debian.value, plan.rust_version.value) == (
        "debian-slim", "bookworm", "1.95")
    assert plan.cache == infer.Fact("gha", ".github/workflows/release.yml:50")
    assert plan.cache_scopes == {"Dockerfile": "backend", "Dockerfile.frontend": "frontend"}
    assert plan.registry == infer.Fact("dockerhub", ".github/workflows/release.yml:32")
    assert plan.secrets == ("DOCKERHUB_USERNAME", "DOCKERHUB_TOKEN")
    assert plan.unknowns() == []


def test_heredoc_distroless_ghcr_project():
    plan = inferred(FIXTURES / "ledger")
    [image] = plan.images
    assert (image.name.value, image.package) == ("ledger-api", "ledger")
    assert plan.platforms.value == ("linux/amd64", "linux/arm64")
    assert plan.dockerfile_platforms["Dockerfile"].value == ("linux/amd64", "linux/arm64")
    assert (plan.runtime.value, plan.registry.value, plan.secrets) == (
        "distroless", "ghcr", ("GITHUB_TOKEN",))


def test_matrix_platforms_are_expanded():
    plan = inferred(FIXTURES / "relay")
    assert plan.platforms.value == ("linux/amd64", "linux/arm64")
    assert not plan.dockerfile_platforms["Dockerfile"].known


def test_to_plan_uses_the_known_fields():
    plan, unknown = inferred(FIXTURES / "shop").to_plan()
    assert unknown == []
    assert plan.platforms == ("linux/amd64", "linux/arm64")
    assert [(i.name, i.kind, i.dockerfile) for i in plan.images] == [
        ("backend", "bin", "Dockerfile"), ("frontend", "web", "Dockerfile.frontend")]
    assert plan.workflow == ".github/workflows/release.yml"


@pytest.mark.parametrize("change, field, reason", [
    (("Dockerfile", "FROM debian:bookworm-slim AS runtime", "FROM ubuntu:24.04 AS runtime"),
     "runtime", "ubuntu:24.04 is not one of"),
    (("Dockerfile", "rust:1.95-slim-bookworm", "rust:1.94-slim-bookworm"), "rust-version",
     "different Rust versions: 1.94, 1.95"),
    ((".github/workflows/release.yml", "platforms: *platforms",
      "platforms: ${{ fromJSON(vars.PLATFORMS) }}"), "platforms", "cannot evaluate"),
    ((".github/workflows/release.yml", "cache-from: type=gha,scope=frontend",
      "cache-from: type=s3,bucket=x"), "cache", "type=s3"),
    ((".github/workflows/release.yml", "      - *login\n",
      "      - uses: docker/login-action@v4\n        with:\n          registry: quay.io\n"),
     "registry", "several registries"),
])
def test_what_cannot_be_read_is_unknown_with_a_reason(tmp_path, change, field, reason):
    root = project(tmp_path, "shop")
    path, old, new = change
    text = (root / path).read_text()
    assert old in text
    (root / path).write_text(text.replace(old, new))
    plan = inferred(root)
    assert field in plan.unknowns()
    facts = {"runtime": plan.runtime, "rust-version": plan.rust_version,
             "platforms": plan.platforms, "cache": plan.cache, "registry": plan.registry}
    assert reason in facts[field].reason
    assert f"unknown: {facts[field].reason}" in plan.format()


def test_a_dockerfile_naming_no_binary_leaves_the_image_unknown(tmp_path):
    root = project(tmp_path, "relay")
    (root / "Dockerfile").write_text("FROM rust:1.95\nRUN cargo build --release\n")
    plan = inferred(root)
    assert not plan.images[0].name.known
    assert "image in Dockerfile" in plan.unknowns()
    assert plan.to_plan()[0] is None


def test_without_a_workflow(tmp_path):
    root = project(tmp_path, "ledger")
    shutil.rmtree(root / ".github")
    plan = inferred(root)
    assert not plan.workflow.known and "rsdock would write" in plan.workflow.reason
    assert not plan.platforms.known
    assert plan.images[0].name.value == "ledger-api"


def test_drift_against_rsdock_toml():
    from rsdock.wizard.generate.plan import Image, Plan

    plan = inferred(FIXTURES / "shop")
    recorded = Plan((Image("backend", "bin", "backend", "Dockerfile"),),
                    platforms=("linux/arm64", "linux/amd64"), cache="registry")
    assert plan.drift(recorded) == [
        "rsdock.toml says cache registry, but .github/workflows/release.yml:50 says gha"]


def test_the_researchs_own_snippets():
    plan = inferred(FIXTURES / "research")
    assert plan.platforms.value == ("linux/amd64", "linux/arm64", "linux/arm/v7")
    assert plan.dockerfile_platforms["Dockerfile"].value == plan.platforms.value
    assert (plan.rust_version.value, plan.cache.value, plan.registry.value) == (
        "1.86", "gha", "dockerhub")
    assert plan.cache_scopes == {}
