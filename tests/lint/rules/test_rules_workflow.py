"""RS4xx workflow rules: table-driven cases, the research's own workflow, and fixes."""

from __future__ import annotations

import textwrap

import pytest

from rsdock.lint.knowledge import actions
from rsdock.lint.rules.rule import all_rules
from tests.lint.rules.harness import catches, catches_not, fixed, reports
from rsdock.lint.model.workflow_reader import parse_workflow

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
DOCKERFILES = {"Dockerfile": RUNTIME_RUN, "Dockerfile.frontend": RUNTIME_RUN}


MINE = [r for r in all_rules() if r.startswith(("RS4", "RS5", "RS6"))]


@pytest.mark.parametrize("rule_id", [r for r in MINE if r.startswith("RS4")])
def test_generated_style_workflow_is_clean(rule_id):
    catches_not(rule_id, {WF: CLEAN, "Dockerfile": RUNTIME_RUN})


def test_research_workflow():
    expected = {
        "RS404": [22],            # logs in on pull requests
        "RS410": [13, 16, 19, 22, 28],  # every action on a retired major
        "RS412": [3],             # no permissions block
        "RS413": [13],            # checkout keeps the token
    }
    for rule_id in [r for r in MINE if r.startswith("RS4")]:
        reports(rule_id, {WF: RESEARCH, **DOCKERFILES}, expected.get(rule_id, []))
    catches("RS407", {WF: RESEARCH_WITH_FRONTEND, **DOCKERFILES}, lines=[49])


def workflow(steps: str, on: str = "push", head: str = "", runs_on: str = "ubuntu-24.04",
             job: str = "") -> str:
    """A one-job workflow; ``steps`` is the YAML list under ``steps:`` (no indentation)."""
    body = textwrap.indent(textwrap.dedent(steps).strip("\n"), "      ")
    job_extra = textwrap.indent(textwrap.dedent(job).strip("\n"), "    ")
    return (f"on: {on}\n{head}jobs:\n  build:\n    runs-on: {runs_on}\n"
            + (job_extra + "\n" if job else "") + f"    steps:\n{body}\n")


BUILDX = "- uses: docker/setup-buildx-action@v4\n"
QEMU = "- uses: docker/setup-qemu-action@v4\n"
BP = "- uses: docker/build-push-action@v7\n  with:\n"
COPY_FILE = "    file: Dockerfile.copy\n"
META_LOCAL = ("- id: meta\n  uses: docker/metadata-action@v6\n  with:\n    images: |\n"
              "      localhost:5000/lldap/lldap\n    tags: debian-base\n")
LOGIN = ("- uses: docker/login-action@v4\n{cond}  with:\n"
         "    username: u\n    password: ${{{{ secrets.{secret} }}}}\n")

NATIVE_MATRIX = """\
strategy:
  matrix:
    include:
      - {platform: linux/amd64, runner: ubuntu-24.04}
      - {platform: linux/arm64, runner: ubuntu-24.04-arm}"""

# (rule, workflow text, expected finding lines); the job's steps start on line 6.
CASES = [
    ("RS401", workflow(BP + "    platforms: linux/amd64,linux/arm64\n"), [6]),
    ("RS401", workflow(BP + "    cache-to: type=gha,mode=max\n"), [6]),
    ("RS401", workflow(BP + "    cache-from: type=gha\n"), [6]),
    ("RS401", workflow(BP + "    platforms: linux/amd64\n"), []),  # docker driver suffices
    ("RS401", workflow(BP + "    platforms: linux/amd64,linux/arm64\n" + BUILDX), [6]),
    ("RS401", workflow("- run: docker buildx create --use\n" + BP
                       + "    platforms: linux/amd64,linux/arm64\n"), []),
    ("RS401", workflow(BP + "    builder: mine\n    platforms: linux/amd64,linux/arm64\n"), []),
    ("RS402", workflow(BUILDX + BP + "    platforms: linux/amd64,linux/arm64\n"), [7]),
    ("RS402", workflow(BUILDX + BP + "    platforms: linux/amd64\n"), []),
    ("RS402", workflow(BUILDX + BP + "    platforms: linux/arm64\n", runs_on="ubuntu-24.04-arm"),
     []),
    ("RS402", workflow(BUILDX + BP + "    platforms: linux/amd64\n", runs_on="ubuntu-24.04-arm"),
     [7]),
    ("RS402", workflow(QEMU + BUILDX + BP + "    platforms: linux/amd64,linux/arm64\n"), []),
    ("RS402", workflow("- run: docker run --privileged tonistiigi/binfmt --install all\n"
                       + BP + "    platforms: linux/amd64,linux/arm64\n"), []),
    # only COPY in the target stage: nothing runs emulated
    ("RS402", workflow(BP + "    file: Dockerfile.copy\n    platforms: linux/arm64\n"), []),
    # the build stops at a stage on $BUILDPLATFORM (inherited from the stage it is built FROM)
    ("RS402", workflow(BP + "    file: Dockerfile.copy\n    target: build\n"
                       "    platforms: linux/arm64\n"), []),
    ("RS402", workflow(BP + "    file: Dockerfile.copy\n    target: emulated\n"
                       "    platforms: linux/arm64\n"), [6]),
    ("RS402", workflow(BP + "    platforms: ${{ matrix.platform }}\n",
                       job="strategy:\n  matrix:\n    platform: [linux/amd64, linux/arm/v7]"),
     [9]),
    # a native-runner matrix: each leg is judged on its own runner
    ("RS402", workflow(BUILDX + BP + "    platforms: ${{ matrix.platform }}\n",
                       runs_on="${{ matrix.runner }}", job=NATIVE_MATRIX), []),
    ("RS402", workflow(BUILDX + BP + "    platforms: ${{ matrix.platform }}\n",
                       runs_on="${{ matrix.runner }}",
                       job=NATIVE_MATRIX + "\n      - {platform: linux/arm/v7, "
                       "runner: ubuntu-24.04}"), [13]),
    ("RS402", workflow(BUILDX + BP + "    platforms: ${{ matrix.platform }}\n",
                       runs_on="${{ matrix.runner }}",
                       job=NATIVE_MATRIX.replace("ubuntu-24.04-arm", "ubuntu-24.04")), [12]),
    ("RS403", workflow(LOGIN.format(cond="", secret="DOCKERHUB_PASSWORD")), [9]),
    ("RS403", workflow(LOGIN.format(cond="", secret="REGISTRY_PASS")), [9]),
    ("RS403", workflow(LOGIN.format(cond="", secret="DOCKERHUB_TOKEN")), []),
    # field test: a password-like name is a hint only (info): many such secrets hold tokens
    ("RS403", workflow(LOGIN.format(cond="", secret="GITHUB_TOKEN")), []),
    ("RS403", workflow("- uses: docker/login-action@v4\n  with:\n    username: u\n"
                       "    password: hunter2\n"), [9]),
    ("RS403", workflow("- uses: docker/login-action@v4\n  with:\n    registry: ecr\n"
                       "    password: ${{ steps.ecr.outputs.password }}\n"), []),
    ("RS404", workflow(LOGIN.format(cond="", secret="T"), on="[push, pull_request]"), [6]),
    ("RS404", workflow(LOGIN.format(cond="", secret="T")), []),  # never runs on PRs
    ("RS404", workflow(LOGIN.format(cond="", secret="GITHUB_TOKEN"), on="[push, pull_request]"),
     []),
    ("RS404", workflow(LOGIN.format(cond="", secret="T"), on="pull_request_target"), []),
    ("RS404", workflow(LOGIN.format(cond="  if: github.event_name == 'push'\n", secret="T"),
                       on="[push, pull_request]"), []),
    ("RS404", workflow(LOGIN.format(cond="  if: ${{ startsWith(github.ref, 'refs/tags/') }}\n",
                                    secret="T"), on="[push, pull_request]"), []),
    ("RS404", workflow(LOGIN.format(cond="  if: github.ref == 'refs/heads/main'\n", secret="T"),
                       on="[push, pull_request]"), []),
    ("RS404", workflow(LOGIN.format(cond="  if: success()\n", secret="T"),
                       on="[push, pull_request]"), [6]),
    # a fork check rsdock cannot evaluate: not flagged
    ("RS404", workflow(LOGIN.format(
        cond="  if: github.event.pull_request.head.repo.full_name == github.repository\n",
        secret="T"), on="[push, pull_request]"), []),
    ("RS404", workflow(LOGIN.format(cond="", secret="T"), on="[push, pull_request]",
                       job="if: github.event_name != 'pull_request'"), []),
    ("RS405", workflow(BP + "    push: true\n", on="[push, pull_request]"), [8]),
    ("RS405", workflow(BP + "    push: ${{ github.event_name == 'push' }}\n",
                       on="[push, pull_request]"), []),
    ("RS405", workflow(BP + "    push: ${{ github.event_name != 'pull_request' }}\n",
                       on="[push, pull_request]"), []),
    ("RS405", workflow(BP + "    push: true\n"), []),
    ("RS405", workflow(BP + "    tags: a/b\n", on="[push, pull_request]"), []),
    ("RS405", workflow(BP + "    push: ${{ github.ref_type == 'branch' }}\n",
                       on="[push, pull_request]"), [8]),
    # the job's own registry (a `services:` container), named through docker/metadata-action
    ("RS405", workflow(META_LOCAL + BP + "    push: true\n"
                       "    tags: ${{ steps.meta.outputs.tags }}\n", on="[push, pull_request]"),
     []),
    ("RS405", workflow(META_LOCAL.replace("localhost:5000/", "ghcr.io/") + BP + "    push: true\n"
                       "    tags: ${{ steps.meta.outputs.tags }}\n", on="[push, pull_request]"),
     [14]),
    ("RS405", workflow(META_LOCAL + BP + "    push: true\n"
                       "    tags: ${{ steps.other.outputs.tags }}\n", on="[push, pull_request]"),
     [14]),
    # Dockerfile.copy compiles in a stage mode=min drops
    ("RS406", workflow(BUILDX + BP + COPY_FILE + "    cache-to: type=gha\n"), [10]),
    ("RS406", workflow(BUILDX + BP + COPY_FILE + "    cache-to: type=registry,ref=r/c:cache,"
                       "mode=min\n"), [10]),
    ("RS406", workflow(BUILDX + BP + COPY_FILE + "    cache-to: type=inline\n"), []),
    ("RS406", workflow(BUILDX + BP + COPY_FILE + "    cache-to: |\n      type=gha,scope=a,"
                       "mode=max\n      type=registry,ref=r/c:cache\n"), [12]),
    ("RS406", workflow(BUILDX + BP + "    file: nowhere/Dockerfile\n    cache-to: type=gha\n"),
     [10]),  # an unreadable Dockerfile may well cook: flag
    # field test: no cargo outside the final stage (it ships prebuilt binaries): nothing is lost
    ("RS406", workflow(BUILDX + BP + "    cache-to: type=local,dest=/tmp/c-new\n"), []),
    ("RS407", workflow(BUILDX + BP + "    file: Dockerfile\n    cache-to: type=gha,mode=max\n"
                       + BP + "    file: Dockerfile.frontend\n"
                       "    cache-to: type=gha,mode=max\n"), [14]),
    ("RS407", workflow(BUILDX + BP + "    file: Dockerfile\n    cache-to: type=gha,mode=max\n"
                       + BP + "    file: Dockerfile\n    cache-to: type=gha,mode=max\n"), []),
    ("RS407", workflow(BUILDX + BP + "    file: Dockerfile\n"
                       "    cache-to: type=gha,scope=a,mode=max\n"
                       + BP + "    file: Dockerfile.frontend\n"
                       "    cache-to: type=gha,scope=b,mode=max\n"), []),
    ("RS407", workflow(BUILDX + BP + "    platforms: ${{ matrix.p }}\n"
                       "    cache-to: type=gha,mode=max\n",
                       job="strategy:\n  matrix:\n    p: [linux/amd64, linux/arm64]"), [13]),
    ("RS407", workflow(BUILDX + BP + "    platforms: ${{ matrix.p }}\n"
                       "    cache-to: type=gha,scope=b-${{ matrix.p }},mode=max\n",
                       job="strategy:\n  matrix:\n    p: [linux/amd64, linux/arm64]"), []),
    # one builder for many images: targets needing the same compiling stage share its cache
    ("RS407", workflow(BUILDX + BP + COPY_FILE + "    target: build\n"
                       "    cache-to: type=gha,scope=s,mode=max\n" + BP + COPY_FILE
                       + "    cache-to: type=gha,scope=s,mode=max\n"), []),
    ("RS407", workflow(BUILDX + BP + COPY_FILE + "    target: build\n"
                       "    cache-to: type=gha,scope=s,mode=max\n" + BP + COPY_FILE
                       + "    target: emulated\n    cache-to: type=gha,scope=s,mode=max\n"),
     [16]),
    ("RS408", workflow(BP + "    file: ./Dockerfile.backend\n"), [8]),
    ("RS408", workflow(BP + "    file: ./Dockerfile\n"), []),
    ("RS408", workflow(BP + "    context: web\n"), [6]),
    ("RS408", workflow(BP + "    context: web\n    file: Dockerfile.frontend\n"), []),
    ("RS408", workflow(BP + "    file: ${{ matrix.f }}\n",
                       job="strategy:\n  matrix:\n    f: [Dockerfile, Dockerfile.nope]"), [11]),
    ("RS408", workflow(BP + "    file: ${{ inputs.dockerfile }}\n"), []),
    ("RS409", workflow(BP + "    platforms: linux/amd64, linux/arm64/v8\n"), []),
    ("RS409", workflow(BP + "    platforms: |\n      linux/amd64\n      arm64\n"), [10]),
    ("RS409", workflow(BP + "    platforms: ${{ matrix.p }}\n",
                       job="strategy:\n  matrix:\n    p: [linux/amd64, aarch64]"), [11]),
    # every outcome of the expression is a valid list / one outcome is not (blind C: rustpad)
    ("RS409", workflow(BP + "    platforms: ${{ github.event_name == 'push' && "
                       "'linux/amd64,linux/arm64' || 'linux/amd64' }}\n"), []),
    ("RS409", workflow(BP + "    platforms: ${{ github.event_name == 'push' && "
                       "'linux/amd64,linux/armv7' || 'linux/amd64' }}\n"), [8]),
    ("RS408", workflow(BP + "    context: \"{{defaultContext}}:nope\"\n"), [6]),
    ("RS410", workflow("- uses: docker/build-push-action@v6\n"
                       "- uses: docker/login-action@v4.1.0\n- uses: some/other@v1\n"), [6]),
    ("RS410", workflow("- uses: docker/build-push-action@"
                       "263435318d21b8e681c14492fe198d362a7d2c83 # v6.18.0\n"), [6]),
    ("RS410", workflow("- uses: docker/build-push-action@"
                       "263435318d21b8e681c14492fe198d362a7d2c83\n"), []),
    ("RS411", workflow(BP + "    build-args: |\n      A=1\n      T=${{ secrets.T }}\n"), [10]),
    ("RS411", workflow(BP + "    build-args: VERSION=${{ github.sha }}\n"), []),
    ("RS412", workflow(BUILDX), [1]),
    ("RS412", workflow(BUILDX, head="permissions: write-all\n"), [2]),
    ("RS412", workflow(BUILDX, job="permissions:\n  contents: read"), []),
    ("RS412", workflow("- run: echo not docker\n"), []),
    ("RS413", workflow("- uses: actions/checkout@v7\n" + BUILDX), [6]),
    ("RS413", workflow("- uses: actions/checkout@v7\n  with:\n    persist-credentials: true\n"
                       + BUILDX), [8]),
    ("RS413", workflow("- uses: actions/checkout@v7\n  with:\n    persist-credentials: false\n"
                       + BUILDX), []),
]

COPY_ONLY = """\
FROM --platform=$BUILDPLATFORM rust:1.95 AS toolchain
FROM toolchain AS build
RUN cargo build --release
FROM debian:bookworm-slim AS emulated
RUN apt-get update
FROM gcr.io/distroless/cc-debian12
COPY --from=build /app/target/release/app /app
"""


@pytest.mark.parametrize("rule_id,text,expected", CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_rule_cases(rule_id, text, expected):
    files = {WF: text, "Dockerfile": RUNTIME_RUN, "web/Dockerfile.frontend": RUNTIME_RUN,
             "Dockerfile.frontend": RUNTIME_RUN, "Dockerfile.copy": COPY_ONLY}
    reports(rule_id, files, expected)


FIXES = [
    ("RS404", workflow(LOGIN.format(cond="", secret="T"), on="[push, pull_request]"),
     "- uses: docker/login-action@v4\n        if: github.event_name != 'pull_request'\n"
     "        with:\n"),
    ("RS405", workflow(BP + "    push: true\n", on="[push, pull_request]"),
     "    push: ${{ github.event_name != 'pull_request' }}\n"),
    ("RS406", workflow(BUILDX + BP + COPY_FILE + "    cache-to: type=gha,scope=a\n"),
     "    cache-to: type=gha,scope=a,mode=max\n"),
    ("RS406", workflow(BUILDX + BP + COPY_FILE + "    cache-to: |\n      type=gha,scope=a\n"
                       "      type=inline\n"),
     "  type=gha,scope=a,mode=max\n            type=inline\n"),
    ("RS406", workflow(BUILDX + BP + COPY_FILE + "    cache-to: \"type=gha,mode=min\"  # keep\n"),
     "    cache-to: \"type=gha,mode=max\"  # keep\n"),
    ("RS410", workflow("- uses: docker/build-push-action@v6 # old\n"),
     "- uses: docker/build-push-action@v7 # old\n"),
    ("RS410", workflow("- uses: docker/login-action@"
                       "74a5d142397b4f367a81961eba4e8cd7edddf772 # v3.4.0\n"),
     f"- uses: {_pin('docker/login-action')}\n"),
    ("RS413", workflow("- uses: actions/checkout@v7\n" + BUILDX),
     "- uses: actions/checkout@v7\n        with:\n          persist-credentials: false\n"),
    ("RS413", workflow("- name: co\n  uses: actions/checkout@v7\n  with:\n    fetch-depth: 0\n"
                       + BUILDX),
     "  with:\n          persist-credentials: false\n          fetch-depth: 0\n"),
    ("RS413", workflow("- uses: actions/checkout@v7\n  with:\n    persist-credentials: true\n"
                       + BUILDX), "persist-credentials: false\n"),
]


@pytest.mark.parametrize("rule_id,text,expected", FIXES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(FIXES)])
def test_fixes(rule_id, text, expected):
    files = {WF: text, "Dockerfile": RUNTIME_RUN, "Dockerfile.copy": COPY_ONLY}
    [finding] = catches(rule_id, files)
    assert finding.fix is not None and finding.fix.edits
    after = fixed(rule_id, files)
    assert expected in after[WF]
    # the fix changes only what it must, and resolves the finding
    assert {p for p in files if after[p] != files[p]} == {WF}
    assert parse_workflow(WF, after[WF]).errors == []
    catches_not(rule_id, after)


def test_qemu_message_names_each_foreign_platform_of_a_comma_matrix_value():
    text = workflow(BP + "    platforms: ${{ matrix.platforms }}\n",
                    job="strategy:\n  matrix:\n    platforms: ['linux/amd64,linux/arm64']")
    [finding] = catches("RS402", {WF: text, "Dockerfile": RUNTIME_RUN})
    assert " for linux/arm64: " in finding.message


def test_no_fix_for_expressions():
    text = workflow(BP + "    push: ${{ github.ref_type == 'branch' }}\n", on="[push, pull_request]")
    (finding,) = catches("RS405", {WF: text})
    assert finding.fix is None


def test_no_login_fix_when_an_if_exists():
    text = workflow(LOGIN.format(cond="  if: success()\n", secret="T"), on="[push, pull_request]")
    (finding,) = catches("RS404", {WF: text})
    assert finding.fix is None


ODD = [
    "on: push\njobs:\n  a:\n    uses: ./.github/workflows/reusable.yml\n",
    "on: push\njobs:\n  a:\n    runs-on: [self-hosted, arm64]\n    steps:\n      - 42\n      - null\n"
    "      - uses: null\n      - uses: docker/build-push-action\n",
    "on: push\njobs:\n  a:\n    steps:\n      - uses: docker/build-push-action@v7\n        with:\n"
    "          platforms: [linux/amd64]\n          push: {a: 1}\n          cache-to: ''\n"
    "          file: 3\n",
    "on: push\njobs:\n  a:\n    steps:\n      - uses: docker/build-push-action@v7\n        with:\n"
    "          platforms: ${{ matrix.p }}\n    strategy:\n      matrix:\n        p: 5\n",
    "on: push\njobs:\n  a:\n    strategy:\n      matrix:\n        include: 3\n        exclude: [1]\n"
    "    steps:\n      - uses: docker/login-action@v4\n        with:\n          password: ''\n",
    "on:\n  pull_request:\njobs:\n  a:\n    if: ${{ }}\n    steps:\n"
    "      - uses: docker/login-action@v4\n        if: \"${{ a == }}\"\n",
    "on: push\npermissions: read-all\njobs: [1, 2]\n",
    "on: push\njobs:\n  a:\n    steps:\n      - &s\n        uses: actions/checkout@v4\n"
    "      - <<: *s\n        name: again\n",
    "true: push\njobs: {}\n",
]


@pytest.mark.parametrize("text", ODD)
def test_odd_workflows_never_crash(text):
    assert parse_workflow(WF, text).errors == []
    # a rule that raises is reported as RS009 (the engine catches it): none may
    catches_not("RS009", {WF: text, "Dockerfile": RUNTIME_RUN})


def test_rs410_says_what_the_runner_does():
    # GitHub's runners do not refuse a node20 major: they run it on node24 (actions/runner#3948)
    text = workflow("- uses: actions/checkout@v4\n")
    [found] = catches("RS410", {WF: text})
    assert "run it on node24 instead" in found.message
    assert "no longer starts" not in found.message and "not maintained" not in found.message
