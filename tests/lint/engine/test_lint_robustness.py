"""Hostile input never crashes the linter: every problem is a located finding.

Mutated Dockerfiles, workflows and .dockerignore files, random text and bytes, non-UTF-8, empty
and very large files, and a YAML alias bomb.
"""

from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from rsdock.lint.engine import runner as engine
from rsdock.lint.engine.settings import LintConfig

NO_HADOLINT = LintConfig(hadolint=False)
SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

DOCKERFILE = """\
# syntax=docker/dockerfile:1
FROM --platform=$BUILDPLATFORM rust:1.85-bookworm AS chef
RUN cargo install cargo-chef --locked
WORKDIR /app
FROM chef AS planner
COPY . .
RUN cargo chef prepare --recipe-path recipe.json
FROM chef AS builder
ARG TARGETPLATFORM
RUN case "$TARGETPLATFORM" in \\
      linux/amd64) triple=x86_64-unknown-linux-gnu ;; \\
      linux/arm64) triple=aarch64-unknown-linux-gnu ;; \\
      *) echo "unsupported $TARGETPLATFORM" >&2; exit 1 ;; \\
    esac && echo "$triple" > /triple
COPY --from=planner /app/recipe.json recipe.json
RUN cargo chef cook --release --target "$(cat /triple)" --recipe-path recipe.json
COPY . .
RUN <<EOT
cargo build --release --target "$(cat /triple)" --bin server
EOT
FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates tini
COPY --from=builder /app/target/x86_64-unknown-linux-gnu/release/server /usr/local/bin/server
USER 10001
ENTRYPOINT ["/usr/bin/tini", "--", "/usr/local/bin/server"]
"""

WORKFLOW = """\
name: images
on:
  push:
    branches: [main]
  pull_request:
jobs:
  build:
    runs-on: ubuntu-24.04
    steps:
      - uses: actions/checkout@v4
      - uses: docker/setup-qemu-action@v3
      - uses: docker/setup-buildx-action@v3
      - if: github.event_name != 'pull_request'
        uses: docker/login-action@v3
        with:
          username: ${{ secrets.DOCKERHUB_USERNAME }}
          password: ${{ secrets.DOCKERHUB_TOKEN }}
      - uses: docker/build-push-action@v6
        with:
          platforms: linux/amd64,linux/arm64
          push: ${{ github.event_name != 'pull_request' }}
          cache-from: type=gha,scope=server
          cache-to: type=gha,mode=max,scope=server
"""

DOCKERIGNORE = "target/\n.git\n# docs\ndocs/\n!docs/keep.md\n**/*.log\n"
SAMPLES = {"Dockerfile": DOCKERFILE, ".github/workflows/ci.yml": WORKFLOW,
           ".dockerignore": DOCKERIGNORE}
NASTY = ["\\", "\n", "<<EOT", "EOT", "${", "}", "$(", "'", '"', "[", "{", ":", "- ", "&a", "*a",
         "#", "\t", "\r", "\x00", "\ufeff", "--platform=", "FROM", "RUN", "case", "esac", ";;",
         "!!binary", "|", ">", "%", "`"]


@st.composite
def mutated(draw, text: str) -> str:
    """``text`` with a few random splices: inserted tokens, deleted and duplicated spans."""
    for _ in range(draw(st.integers(1, 6))):
        if not text:
            break
        at = draw(st.integers(0, len(text)))
        action = draw(st.sampled_from(["insert", "delete", "duplicate", "truncate"]))
        if action == "insert":
            token = draw(st.sampled_from(NASTY) | st.text(max_size=8))
            text = text[:at] + token + text[at:]
        elif action == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 40)):]
        elif action == "duplicate":
            text = text[:at] + text[at:at + draw(st.integers(1, 80))] + text[at:]
        else:
            text = text[:at]
    return text


def check(files: dict[str, str], findings) -> None:
    """Located findings on the given files only, and no rule crashed."""
    for finding in findings:
        assert finding.path in files, finding
        lines = max(len(files[finding.path].splitlines()), 1)
        assert 1 <= finding.line <= lines + 1, finding
        assert finding.column >= 0 and finding.message.strip(), finding
        assert finding.rule != "RS009", f"a rule crashed: {finding.message}"


@SETTINGS
@given(path=st.sampled_from(sorted(SAMPLES)), data=st.data())
def test_mutated_files(path, data):
    files = {path: data.draw(mutated(SAMPLES[path]))}
    check(files, engine.lint_texts(files, config=NO_HADOLINT))


@SETTINGS
@given(data=st.data())
def test_mutated_repository(data):
    files = {p: data.draw(mutated(t)) for p, t in SAMPLES.items()}
    check(files, engine.lint_texts(files, config=NO_HADOLINT))


@SETTINGS
@given(path=st.sampled_from(sorted(SAMPLES)), text=st.text(max_size=400))
def test_random_text(path, text):
    files = {path: text}
    check(files, engine.lint_texts(files, config=NO_HADOLINT))


@settings(max_examples=15, deadline=None)
@given(text=mutated(DOCKERFILE))
def test_mutated_dockerfile_with_hadolint(text):
    files = {"Dockerfile": text}
    check(files, engine.lint_texts(files))


@SETTINGS
@given(path=st.sampled_from(sorted(SAMPLES)), blob=st.binary(max_size=300))
def test_random_bytes_on_disk(tmp_path_factory, path, blob):
    root = tmp_path_factory.mktemp("bytes")
    (root / path).parent.mkdir(parents=True, exist_ok=True)
    (root / path).write_bytes(blob)
    result = engine.lint_paths([path], root, NO_HADOLINT)
    text = blob.decode("utf-8", "replace")
    check({path: text}, result.findings)
    if b"\0" in blob or _not_utf8(blob):
        assert [f.rule for f in result.findings] == ["RS001"]


def _not_utf8(blob: bytes) -> bool:
    try:
        blob.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


@pytest.mark.parametrize("path", sorted(SAMPLES))
def test_empty_files(path):
    files = {path: ""}
    check(files, engine.lint_texts(files, config=NO_HADOLINT))


def test_yaml_alias_bomb_is_refused_quickly():
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for index in range(1, 10):
        prev, name = chr(ord("a") + index - 1), chr(ord("a") + index)
        lines.append(f"{name}: &{name} [{', '.join(['*' + prev] * 9)}]")
    text = "on: [push]\n" + "\n".join(lines) + "\njobs:\n  x:\n    steps: *j\n"
    files = {".github/workflows/ci.yml": text}
    start = time.monotonic()
    findings = engine.lint_texts(files, config=NO_HADOLINT)
    assert time.monotonic() - start < 10
    check(files, findings)
    assert any(f.rule == "RS001" for f in findings)


def test_very_large_files(tmp_path):
    # thousands of instructions: far beyond any real Dockerfile, still linted in seconds
    big = DOCKERFILE + "RUN echo hello\n" * 3_000
    start = time.monotonic()
    check({"Dockerfile": big}, engine.lint_texts({"Dockerfile": big}, config=NO_HADOLINT))
    assert time.monotonic() - start < 30
    (tmp_path / "Dockerfile").write_bytes(b"# " + b"x" * engine.MAX_BYTES)
    findings = engine.lint_paths(["Dockerfile"], tmp_path, NO_HADOLINT).findings
    assert [(f.rule, f.line) for f in findings] == [("RS001", 1)]
