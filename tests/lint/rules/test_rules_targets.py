"""Runtime rules judge every image a Dockerfile builds: one Dockerfile for many images has a
final stage per image, built with ``target:`` (rsdock's one build for many images), and each of
those stages is a runtime, not only the last one."""

from __future__ import annotations

import pytest

from tests.lint.rules.harness import catches, catches_not, reports

WF = ".github/workflows/docker.yml"
DOCKERFILE = """\
FROM --platform=$BUILDPLATFORM rust:1.95-slim-bookworm AS builder
WORKDIR /app
COPY . .
RUN cargo build --release --bin api --bin worker \\
 && mkdir -p /out && cp target/release/api target/release/worker /out/
FROM debian:bookworm-slim AS api
RUN apt-get update && apt-get install -y --no-install-recommends tini ca-certificates \\
 && rm -rf /var/lib/apt/lists/*
COPY --from=builder /out/api /usr/local/bin/api
{api_user}
ENTRYPOINT ["/usr/bin/tini", "--", "/usr/local/bin/api"]
FROM debian:bookworm-slim AS worker
RUN apt-get update && apt-get install -y --no-install-recommends tini ca-certificates \\
 && rm -rf /var/lib/apt/lists/*
COPY --from=builder /out/worker /usr/local/bin/worker
USER 10001:10001
ENTRYPOINT ["/usr/bin/tini", "--", "/usr/local/bin/worker"]
"""


def workflow(*targets: str) -> str:
    steps = "".join(
        "      - uses: docker/build-push-action@v7\n        with:\n          file: Dockerfile\n"
        + (f"          target: {t}\n" if t else "") + "          push: true\n"
        for t in targets)
    return ("on: push\njobs:\n  images:\n    runs-on: ubuntu-24.04\n    steps:\n"
            "      - uses: docker/setup-buildx-action@v4\n" + steps)


@pytest.mark.parametrize("targets, api_user, expected", [
    # the api stage runs as root: a target the workflow builds is a runtime
    (("api", "worker"), "", [6]),
    (("api", "worker"), "USER 10001:10001", []),
    # nothing builds the api stage as an image: only the last stage (worker) is judged
    (("",), "", []),
    (("worker",), "", []),
])
def test_rs306_judges_each_target_the_workflow_builds(targets, api_user, expected):
    files = {WF: workflow(*targets), "Dockerfile": DOCKERFILE.format(api_user=api_user)}
    reports("RS306", files, expected)


def test_rs304_and_rs303_judge_a_target_stage():
    text = DOCKERFILE.format(api_user="USER 10001:10001").replace(
        'ENTRYPOINT ["/usr/bin/tini", "--", "/usr/local/bin/api"]', "ENTRYPOINT /usr/local/bin/api")
    files = {WF: workflow("api", "worker"), "Dockerfile": text}
    catches("RS303", files, lines=[11])
    catches("RS304", files, lines=[11])
    files[WF] = workflow("worker")
    catches_not("RS303", files)
