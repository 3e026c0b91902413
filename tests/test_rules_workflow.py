"""RS4xx workflow rules: table-driven cases, the research's own workflow, and fixes."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from rsdock.lint import actions
from rsdock.lint.dockerfile import parse_dockerfile
from rsdock.lint.dockerignore import parse_dockerignore
from rsdock.lint.findings import Finding
from rsdock.lint.rule import Context, all_rules, get_rule
from rsdock.lint.workflow import parse_workflow

WF = ".github/workflows/docker.yml"

# The research's workflow (research.ko.md section 4), verbatim: it logs in on pull requests,
# shares the default gha scope once a frontend is added, and uses retired majors.
RESEARCH = """\
name: Docker Multiplatform Build

on:
  push:
    branches: [main]
  pull_request:

jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - name: Checkout
        uses: actions/checkout@v4

      - name: Set up QEMU
        uses: docker/setup-qemu-action@v3

      - name: Set up Docker Buildx
        uses: docker/setup-buildx-action@v3

      - name: Login to Docker Hub
        uses: docker/login-action@v3
        with:
          username: ${{ secrets.DOCKERHUB_USERNAME }}
          password: ${{ secrets.DOCKERHUB_TOKEN }}

      - name: Build and push backend
        uses: docker/build-push-action@v6
        with:
          context: .
          file: ./Dockerfile
          platforms: linux/amd64,linux/arm64,linux/arm/v7
          push: ${{ github.event_name != 'pull_request' }}
          tags: |
            ${{ secrets.DOCKERHUB_USERNAME }}/realtime-svg-backend:latest
            ${{ secrets.DOCKERHUB_USERNAME }}/realtime-svg-backend:${{ github.sha }}
          cache-from: type=gha
          cache-to: type=gha,mode=max
"""
# The research's frontend step, as its decision 1 implies: a second image on the same scope.
RESEARCH_WITH_FRONTEND = RESEARCH + """
      - name: Build and push frontend
        uses: docker/build-push-action@v6
        with:
          context: .
          file: ./Dockerfile.frontend
          platforms: linux/amd64,linux/arm64,linux/arm/v7
          push: ${{ github.event_name != 'pull_request' }}
          tags: ${{ secrets.DOCKERHUB_USERNAME }}/realtime-svg-frontend:latest
          cache-from: type=gha
          cache-to: type=gha,mode=max
"""


def _pin(repo: str) -> str:
    action = actions.ACTIONS[repo]
    return f"{action.uses()} # {action.comment()}"


# What rsdock's generator writes: every rule passes.
CLEAN = f"""\
name: images
on:
  push:
    branches: [main]
    tags: ['v*']
  pull_request:
permissions:
  contents: read
jobs:
  backend:
    runs-on: ubuntu-24.04
    steps:
      - uses: {_pin("actions/checkout")}
        with:
          persist-credentials: false
      - uses: {_pin("docker/setup-qemu-action")}
      - uses: {_pin("docker/setup-buildx-action")}
      - uses: {_pin("docker/login-action")}
        if: github.event_name != 'pull_request'
        with:
          username: ${{{{ secrets.DOCKERHUB_USERNAME }}}}
          password: ${{{{ secrets.DOCKERHUB_TOKEN }}}}
      - uses: {_pin("docker/build-push-action")}
        with:
          context: .
          file: ./Dockerfile
          platforms: linux/amd64,linux/arm64,linux/arm/v7
          push: ${{{{ github.event_name != 'pull_request' }}}}
          tags: user/backend:latest
          cache-from: type=gha,scope=backend
          cache-to: type=gha,scope=backend,mode=max
"""

RUNTIME_RUN = "FROM debian:bookworm-slim\nRUN apt-get update\n"


def sections(text: str) -> dict[str, str]:
    """Split a multi-file example (``# file: <path>`` headers) into path -> text."""
    files: dict[str, list[str]] = {}
    current = None
    for line in textwrap.dedent(text).splitlines():
        if line.startswith("# file: "):
            current = line[len("# file: "):].strip()
            files[current] = []
        elif current is not None:
            files[current].append(line)
    return {path: "\n".join(lines) + "\n" for path, lines in files.items()}


def context(files: dict[str, str], root: Path) -> Context:
    """Write ``files`` under ``root`` and parse each into the context the engine would build."""
    ctx = Context(root=root)
    for path, text in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
        name = path.rsplit("/", 1)[-1]
        if path.endswith((".yml", ".yaml")):
            ctx.workflows[path] = parse_workflow(path, text)
        elif name.endswith(".dockerignore"):
            ctx.dockerignores[path] = parse_dockerignore(path, text)
        elif name.startswith("Dockerfile"):
            ctx.dockerfiles[path] = parse_dockerfile(path, text)
    return ctx


def run(rule_id: str, files: dict[str, str], root: Path) -> list[Finding]:
    """Every finding of ``rule_id`` over ``files``."""
    ctx = context(files, root)
    rule = get_rule(rule_id)()
    if rule.target == "project":
        return sorted(rule.check(None, ctx))
    models = {"workflow": ctx.workflows, "dockerignore": ctx.dockerignores,
              "dockerfile": ctx.dockerfiles}[rule.target]
    return sorted(f for model in models.values() for f in rule.check(model, ctx))


def apply(text: str, finding: Finding) -> str:
    """``text`` with the finding's fix applied (edits from the end, as the engine does)."""
    assert finding.fix is not None
    for edit in sorted(finding.fix.edits, key=lambda e: e.start, reverse=True):
        text = text[:edit.start] + edit.text + text[edit.end:]
    return text


MINE = [r for r in all_rules() if r.startswith(("RS4", "RS5", "RS6"))]


@pytest.mark.parametrize("rule_id", [r for r in MINE if r.startswith("RS4")])
def test_docs_examples(rule_id, tmp_path):
    docs = get_rule(rule_id).docs()
    assert {f.rule for f in run(rule_id, sections(docs.fails), tmp_path / "f")} == {rule_id}
    assert run(rule_id, sections(docs.passes), tmp_path / "p") == []


@pytest.mark.parametrize("rule_id", [r for r in MINE if r.startswith("RS4")])
def test_generated_style_workflow_is_clean(rule_id, tmp_path):
    files = {WF: CLEAN, "Dockerfile": RUNTIME_RUN}
    assert run(rule_id, files, tmp_path) == []


def lines(rule_id: str, text: str, tmp_path: Path, **extra: str) -> list[int]:
    files = {WF: text, "Dockerfile": RUNTIME_RUN, "Dockerfile.frontend": RUNTIME_RUN}
    files.update({k.replace("__", "/").replace("_", "."): v for k, v in extra.items()})
    return [f.line for f in run(rule_id, files, tmp_path)]


def test_research_workflow(tmp_path):
    expected = {
        "RS404": [22],            # logs in on pull requests
        "RS410": [13, 16, 19, 22, 28],  # every action on a retired major
        "RS412": [3],             # no permissions block
        "RS413": [13],            # checkout keeps the token
    }
    for rule_id in [r for r in MINE if r.startswith("RS4")]:
        assert lines(rule_id, RESEARCH, tmp_path) == expected.get(rule_id, []), rule_id
    assert lines("RS407", RESEARCH_WITH_FRONTEND, tmp_path) == [49]
