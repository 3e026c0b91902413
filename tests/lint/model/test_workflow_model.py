"""The workflow model (parse_workflow) and the expression evaluator."""

from __future__ import annotations

import pytest

from rsdock.lint.model import expressions as ex
from rsdock.lint.model.workflow_reader import (BUILD_PUSH, build_push, built_contexts,
                                                built_images, dockerfile_paths, parse_workflow)

TEXT = """\
name: images
on:
  push:
    branches: [main]
  pull_request:
permissions:
  contents: read
jobs:
  build:
    if: github.repository == 'me/app'
    runs-on: ubuntu-24.04-arm
    strategy:
      matrix:
        image: [backend, frontend]
        platform: [linux/amd64, linux/arm64]
        exclude:
          - image: frontend
            platform: linux/arm64
        include:
          - image: backend
            file: Dockerfile
          - image: frontend
            file: Dockerfile.frontend
    steps:
      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1
      - id: bp
        uses: docker/build-push-action@v7
        if: always()
        with:
          file: ${{ matrix.file }}
          platforms: |
            linux/amd64

            linux/arm64,linux/arm/v7
          push: false
          cache-from: type=gha,scope=x
          cache-to: |
            type=gha,scope=x,mode=max
            type=registry,ref=me/app:cache,"oci-mediatypes=true"
          build-args: |
            A=1,2
            B=3
          tags: me/app:latest,me/app:${{ github.sha }}
"""


def test_model_positions_and_values():
    wf = parse_workflow("w.yml", TEXT)
    assert wf.errors == []
    assert wf.name == "images"
    assert list(wf.triggers) == ["push", "pull_request"]
    assert wf.triggers["push"].line == 3 and wf.triggers["push"].value == {"branches": ["main"]}
    assert wf.runs_on_pull_request()
    assert wf.permissions.line == 7 and wf.permissions.value == {"contents": "read"}
    job = wf.jobs["build"]
    assert (job.line, job.if_.value, job.runs_on.text) == (9, "github.repository == 'me/app'",
                                                          "ubuntu-24.04-arm")
    assert job.native_platform() == "linux/arm64"
    checkout, bp = job.steps
    assert checkout.uses.repo == "actions/checkout" and checkout.uses.is_sha
    assert (checkout.uses.version, checkout.uses.line, checkout.uses.column) == ("v7.0.1", 25, 15)
    assert bp.uses.ref == "v7" and not bp.uses.is_sha and bp.if_.line == 28
    assert bp.label() == "docker/build-push-action" and bp.with_line == 29
    assert (bp.input_text("push"), bp.input_text("target")) == ("false", None)
    push = bp.with_["push"]
    start, end = wf.span(push.line, push.column, "false")
    assert TEXT[start:end] == "false"
    assert wf.span(push.line, push.column, "true") is None  # not written so: no mechanical edit
    assert wf.span(999, 1, "false") is None


def test_matrix_expansion():
    job = parse_workflow("w.yml", TEXT).jobs["build"]
    assert job.matrix_combinations() == [
        {"image": "backend", "platform": "linux/amd64", "file": "Dockerfile"},
        {"image": "backend", "platform": "linux/arm64", "file": "Dockerfile"},
        {"image": "frontend", "platform": "linux/amd64", "file": "Dockerfile.frontend"},
    ]
    assert job.expand("${{ matrix.file }}") == ["Dockerfile", "Dockerfile.frontend"]
    assert job.expand("${{ matrix.image }}-${{ github.sha }}") is None
    assert job.expand("plain") == ["plain"]


def test_matrix_include_only_and_computed():
    text = ("on: push\njobs:\n  a:\n    strategy:\n      matrix:\n        include:\n"
            "          - p: linux/amd64\n          - p: linux/arm64\n    steps: []\n"
            "  b:\n    strategy:\n      matrix: ${{ fromJSON(needs.x.outputs.m) }}\n    steps: []\n")
    wf = parse_workflow("w.yml", text)
    assert wf.jobs["a"].expand("${{ matrix.p }}") == ["linux/amd64", "linux/arm64"]
    assert wf.jobs["b"].matrix_combinations() is None


def test_matrix_value_properties():
    """hermes: `platform: [{id: linux/amd64, name: amd64}, ...]` read as `${{ matrix.platform.id }}`."""
    text = ("on: push\njobs:\n  a:\n    strategy:\n      matrix:\n        platform:\n"
            "          - id: linux/amd64\n            name: amd64\n"
            "          - id: linux/arm64\n            name: arm64\n    steps: []\n")
    job = parse_workflow("w.yml", text).jobs["a"]
    assert job.expand("${{ matrix.platform.id }}") == ["linux/amd64", "linux/arm64"]
    assert job.expand("digests-${{ matrix.platform.name }}") == ["digests-amd64", "digests-arm64"]
    assert job.expand("${{ matrix.platform }}") is None  # a mapping: no text
    assert job.expand("${{ matrix.platform.missing }}") is None


def test_build_push_inputs_split_like_the_action():
    wf = parse_workflow("w.yml", TEXT)
    job = wf.jobs["build"]
    (_, step), = wf.action_steps(BUILD_PUSH)
    build = build_push(wf, step)
    assert [(p.value, p.line) for p in build.platforms] == [
        ("linux/amd64", 32), ("linux/arm64", 34), ("linux/arm/v7", 34)]
    assert build.platforms[2].column == 25
    assert build.push.value is False
    assert [(c.type, c.options, c.item.line) for c in build.cache_to] == [
        ("gha", {"scope": "x", "mode": "max"}, 38),
        ("registry", {"ref": "me/app:cache", "oci-mediatypes": "true"}, 39)]
    assert [c.type for c in build.cache_from] == ["gha"]
    assert [a.value for a in build.build_args] == ["A=1,2", "B=3"]  # newline-separated only
    assert [t.value for t in build.tags] == ["me/app:latest", "me/app:${{ github.sha }}"]
    assert dockerfile_paths(job, build) == ["Dockerfile", "Dockerfile.frontend"]


def _one_build(with_lines: str):
    text = ("on: push\njobs:\n  build:\n    runs-on: ubuntu-24.04\n    steps:\n"
            "      - uses: docker/build-push-action@v7\n        with:\n" + with_lines)
    return {"ci.yml": parse_workflow("ci.yml", text)}


@pytest.mark.parametrize("with_lines,dockerfile,context", [
    ("          context: ./app\n", "app/Dockerfile", "app"),
    ("          context: https://github.com/me/app.git#main\n", "Dockerfile", "."),
    ("          context: git@github.com:me/app.git\n", "Dockerfile", "."),
    ("          file: docker/Dockerfile\n", "docker/Dockerfile", "."),
])
def test_built_images_and_dockerfile_paths_agree_on_the_context(with_lines, dockerfile, context):
    [image] = built_images(_one_build(with_lines))
    assert (image.dockerfile, image.context) == (dockerfile, context)
    assert image.platforms[0][1] == "linux/amd64"  # no platforms: the runner's own


def test_built_contexts_adds_unbuilt_dockerfiles_with_the_root_context():
    workflows = _one_build("          context: ./app\n")
    assert built_contexts(workflows, ["app/Dockerfile", "Dockerfile.dev"]) == [
        ("Dockerfile.dev", "."), ("app/Dockerfile", "app")]


def test_triggers_in_every_form():
    assert list(parse_workflow("w", "on: push\njobs: {}\n").triggers) == ["push"]
    wf = parse_workflow("w", "on: [push, pull_request]\njobs: {}\n")
    assert [(k, v.line, v.column) for k, v in wf.triggers.items()] == [
        ("push", 1, 6), ("pull_request", 1, 12)]
    assert not parse_workflow("w", "on: workflow_dispatch\njobs: {}\n").runs_on_pull_request()


def test_uses_forms():
    text = ("on: push\njobs:\n  a:\n    steps:\n      - uses: ./.github/actions/x\n"
            "      - uses: docker://alpine:3\n      - uses: github/codeql-action/init@v3\n")
    steps = parse_workflow("w", text).jobs["a"].steps
    assert [s.uses.repo for s in steps] == ["./.github/actions/x", "docker://alpine:3",
                                            "github/codeql-action"]
    assert steps[2].uses.path == "init" and steps[2].uses.comment == ""


BOMB = "a0: &a0 [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]\n" for i in range(1, 10))


@pytest.mark.parametrize("text,line,snippet", [
    ("", 1, "is empty"),
    ("  \n\n", 1, "is empty"),
    ("on: [push\n", 2, "not valid YAML"),
    ("on: push\non: pull_request\n", 2, "duplicate key"),
    ("on: push\njobs:\n\tbuild: {}\n", 3, "tab"),
    ("on: push\njobs:\n  a:\n    steps:\n\t- run: x\n", 5, "tab"),
    ("- just\n- a list\n", 1, "not a mapping"),
    (BOMB, 1, "aliases"),
    (b"on: push\n# caf\xe9\n", 2, "not UTF-8"),
    ("[" * 5000, 1, "nest more than 100 levels deep"),
], ids=["empty", "blank", "unclosed", "duplicate-key", "tab", "tab-in-list", "list", "alias-bomb",
        "not-utf8", "deep-nesting"])
def test_unreadable_workflows_are_located_rs001(text, line, snippet):
    wf = parse_workflow("w.yml", text)
    (error,) = wf.errors
    assert (error.rule, error.line, error.path) == ("RS001", line, "w.yml")
    assert snippet in error.message
    assert wf.jobs == {}


def test_tabs_inside_a_block_scalar_are_fine():
    text = ("on: push\njobs:\n  a:\n    steps:\n      - run: |\n          cat <<-EOF\n"
            "          \t\tx\n          \tEOF\n")
    wf = parse_workflow("w", text)
    assert wf.errors == [] and "\t\tx" in wf.jobs["a"].steps[0].run.text


def test_bytes_and_bom_are_accepted():
    wf = parse_workflow("w", "\ufeffon: push\njobs: {}\n".encode())
    assert wf.errors == [] and list(wf.triggers) == ["push"]


PR = ex.pull_request_context()


@pytest.mark.parametrize("expr,value", [
    ("github.event_name != 'pull_request'", False),
    ("${{ github.event_name == 'PULL_REQUEST' }}", True),  # GitHub ignores case
    ("!(github.event_name == 'pull_request')", False),
    ("github.event_name == 'push' || github.event_name == 'workflow_dispatch'", False),
    ("startsWith(github.ref, 'refs/tags/')", False),
    ("startsWith(github.ref, 'refs/')", True),
    ("github.ref == 'refs/heads/main'", False),
    ("github['event_name'] == 'pull_request'", True),
    ("secrets.X != ''", ex.UNKNOWN),
    ("secrets.X != '' && github.event_name == 'push'", False),
    ("secrets.X != '' || github.event_name == 'pull_request'", True),
    ("1 < 2 && null == 0 && '' == false && true", True),
    ("0x10 == 16", True),
    ("contains('abc', 'B')", True),
    ("'it''s' == 'IT''S'", True),
])
def test_evaluate(expr, value):
    assert ex.evaluate(expr, PR) == value or ex.evaluate(expr, PR) is value


@pytest.mark.parametrize("conditions,off", [
    ((None,), False),
    ((True,), False),
    (("false",), True),
    (("${{ github.event_name != 'pull_request' }}",), True),
    (("github.event_name != 'pull_request'",), True),
    ((None, "github.event.pull_request.head.repo.fork == false"), None),
    (("always()", "${{ github.event_name == 'push' }}"), True),
    (("image-${{ github.sha }}",), None),
    (("github.event_name ==",), None),  # unparseable: undecided, never a crash
])
def test_is_off_for_pull_requests(conditions, off):
    assert ex.is_off_for_pull_requests(*conditions) is off


@pytest.mark.parametrize("bad", ["a ==", "(a", "a $ b", "f(a,", "a.1"])
def test_expression_errors(bad):
    with pytest.raises(ex.ExpressionError):
        ex.evaluate(bad, {})


from hypothesis import given, settings, strategies as st  # noqa: E402

_YAMLISH = st.text(alphabet=st.sampled_from(list("on:jobs- \n\t&*[]{}!|>'\"#%@`,?\\x1")),
                   max_size=120)
_EXPRISH = st.lists(st.sampled_from(list("()!=&|<>'., ab_0x1-$[]{}*") + [
    "github.event_name", "'pull_request'", "startsWith(", "true", "null", "${{", "}}"]),
    max_size=20).map("".join)


@settings(max_examples=300, deadline=None)
@given(_YAMLISH)
def test_parse_workflow_never_raises(text):
    model = parse_workflow("w.yml", text)
    assert all(e.rule == "RS001" and e.line >= 1 for e in model.errors)


@settings(max_examples=300, deadline=None)
@given(st.lists(_EXPRISH, max_size=3))
def test_is_off_for_pull_requests_never_raises(conditions):
    assert ex.is_off_for_pull_requests(*conditions) in (True, False, None)
