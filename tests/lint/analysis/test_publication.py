"""The image-publication model (rsdock.lint.analysis.publication) and what images.kind makes
of it: one case a line, each a small repository written to a temporary folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from rsdock.lint.analysis import images, publication
from rsdock.lint.engine import discover, runner
from rsdock.lint.engine.settings import LintConfig

CONFIG = LintConfig(hadolint=False)
APP = """\
FROM rust:1.95 AS build
COPY . .
RUN cargo build --release
FROM debian:bookworm-slim
COPY --from=build /target/release/app /usr/local/bin/app
ENTRYPOINT ["/usr/local/bin/app"]
"""


def _ctx(root: Path, files: dict[str, str]):
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    tree = discover.scan(root)
    # every file a target, as when `rsdock lint` runs at the root
    targets = {rel: kind for rel in (runner._relative(Path(p), root) for p in discover.walk(root))
               if (kind := discover.kind_of(rel))}
    texts, _ = runner._read(root, targets, {}, CONFIG, tree)
    ctx, _ = runner._context(root, targets, texts)
    ctx.build_files = runner._build_files(root, tree, {}, CONFIG)
    return ctx


def _workflow(*steps: str, env: str = "") -> str:
    body = "\n".join("      " + line for step in steps for line in step.splitlines())
    return (f"on: push\n{env}jobs:\n  build:\n    runs-on: ubuntu-24.04\n    steps:\n"
            f"      - uses: actions/checkout@v6\n{body}\n")


def _built(tmp_path, files):
    ctx = _ctx(tmp_path, files)
    return sorted((i.dockerfile, i.target, i.pushes) for i in publication.images(ctx))


BUILD_PUSH = "- uses: docker/build-push-action@v7\n  with:\n"

CASES = {
    "push-by-digest": ({".github/workflows/w.yml": _workflow(
        BUILD_PUSH + "    file: docker/ci/Dockerfile\n"
        "    outputs: type=image,name=ghcr.io/a/b,push-by-digest=true,name-canonical=true,"
        "push=true\n")}, [("docker/ci/Dockerfile", "", True)]),
    "push on some events": ({".github/workflows/w.yml": _workflow(
        BUILD_PUSH + "    push: ${{ github.event_name != 'pull_request' }}\n")},
        [("Dockerfile", "", True)]),
    "load only": ({".github/workflows/w.yml": _workflow(
        BUILD_PUSH + "    push: false\n    load: true\n")}, [("Dockerfile", "", False)]),
    "files exported, no image": ({".github/workflows/w.yml": _workflow(
        BUILD_PUSH + "    target: debug-symbols\n    outputs: type=local,dest=./out\n")}, []),
    "an output an expression chooses": ({".github/workflows/w.yml": _workflow(
        BUILD_PUSH + "    outputs: ${{ inputs.tar == '' && 'type=registry' || '' }}\n")},
        [("Dockerfile", "", True)]),
    "a fork of build-push-action": ({".github/workflows/w.yml": _workflow(
        "- uses: useblacksmith/build-push-action@v2\n  with:\n    file: rust/Dockerfile\n"
        "    target: cli\n    push: true\n")}, [("rust/Dockerfile", "cli", True)]),
    "file from the workflow env": ({".github/workflows/w.yml": _workflow(
        BUILD_PUSH + "    file: ${{ env.DOCKERFILE }}\n    push: true\n",
        env="env:\n  DOCKERFILE: Dockerfile-CI.Dockerfile\n")},
        [("Dockerfile-CI.Dockerfile", "", True)]),
    "a pushed to the runner's registry": ({".github/workflows/w.yml": _workflow(
        BUILD_PUSH + "    push: true\n    tags: localhost:5000/app:ci\n")},
        [("Dockerfile", "", False)]),
    "docker build, tag and push in run:": ({".github/workflows/w.yml": _workflow(
        "- run: |\n    docker build -t acme/app:latest -f docker/app.Dockerfile .\n"
        "    docker tag acme/app:latest ghcr.io/acme/app:$TAG\n"
        "    docker push ghcr.io/acme/app:$TAG\n")},
        [("docker/app.Dockerfile", "", True)]),
    "built in run: and never pushed": ({".github/workflows/w.yml": _workflow(
        "- run: docker build -t acme/app:test --target tests .\n")},
        [("Dockerfile", "tests", False)]),
    "a script builds, the step pushes": ({
        ".github/workflows/w.yml": _workflow(
            "- run: |\n    ./dev/build.sh\n    docker tag a/exec:latest ghcr.io/a/exec:1\n"
            "    docker push ghcr.io/a/exec:1\n"),
        "dev/build.sh": "#!/bin/sh\nset -e\n"
                        "docker build -t a/exec:latest -f dev/docker/exec.Dockerfile .\n"
                        "docker build -t a/chaos:test -f dev/docker/chaos.Dockerfile .\n"},
        [("dev/docker/chaos.Dockerfile", "", False), ("dev/docker/exec.Dockerfile", "", True)]),
    "buildx build --push": ({".github/workflows/w.yml": _workflow(
        "- run: docker buildx build --platform linux/amd64,linux/arm64 --push -t a/b "
        "-f build/Dockerfile.cross build\n")}, [("build/Dockerfile.cross", "", True)]),
    "bake action": ({
        ".github/workflows/w.yml": _workflow(
            "- uses: docker/bake-action@v7\n  with:\n    files: docker-bake.hcl\n"
            "    push: true\n"),
        "docker-bake.hcl": 'group "default" {\n  targets = ["api"]\n}\n'
                           'target "api" {\n  dockerfile = "Dockerfile"\n  args = {\n'
                           '    A = "1"\n  }\n  target = "runtime"\n}\n'
                           'target "tools" {\n  dockerfile = "tools.Dockerfile"\n}\n'},
        [("Dockerfile", "runtime", True)]),
    "bake --push in run: with a target": ({
        ".github/workflows/w.yml": _workflow(
            "- run: docker buildx bake -f ci/bake.hcl --push tools\n"),
        "ci/bake.hcl": 'target "api" {\n  dockerfile = "Dockerfile"\n}\n'
                       'target "tools" {\n  dockerfile = "tools.Dockerfile"\n}\n'},
        [("tools.Dockerfile", "", True)]),
    "compose push": ({
        ".github/workflows/w.yml": _workflow("- run: docker compose -f deploy/compose.yml push\n"),
        "deploy/compose.yml": "services:\n  api:\n    image: ghcr.io/a/api\n    build:\n"
                              "      context: ..\n      dockerfile: docker/api/Dockerfile\n"
                              "  db:\n    image: postgres:16\n"},
        [("docker/api/Dockerfile", "", True)]),
    "a local composite action": ({
        ".github/workflows/w.yml": _workflow("- uses: ./.github/actions/publish\n"),
        ".github/actions/publish/action.yml":
            "name: publish\nruns:\n  using: composite\n  steps:\n"
            "    - uses: docker/build-push-action@v7\n      with:\n"
            "        file: docker/ci/Dockerfile\n        push: true\n"},
        [("docker/ci/Dockerfile", "", True)]),
    "an archive another job pushes": ({".github/workflows/w.yml": (
        "on: push\njobs:\n  build:\n    runs-on: ubuntu-24.04\n    steps:\n"
        "      - uses: docker/build-push-action@v7\n        with:\n"
        "          file: rlm_python/Dockerfile\n"
        "          outputs: type=oci,dest=/tmp/radius.tar\n"
        "  push:\n    needs: build\n    runs-on: ubuntu-24.04\n    steps:\n"
        "      - run: oras copy --from-oci-layout /tmp/radius.tar:devel ghcr.io/a/radius:devel\n")},
        [("rlm_python/Dockerfile", "", True)]),
    "an archive nobody pushes": ({".github/workflows/w.yml": _workflow(
        BUILD_PUSH + "    outputs: type=docker,dest=/tmp/app.tar\n")},
        [("Dockerfile", "", False)]),
    # trustify: buildah builds a Containerfile into a local image, push-to-registry pushes it
    "buildah-build pushed by push-to-registry": ({".github/workflows/w.yml": _workflow(
        "- uses: redhat-actions/buildah-build@v2\n  with:\n    image: app\n"
        "    tags: v1\n    containerfiles: |\n      build/Containerfile\n",
        "- uses: redhat-actions/push-to-registry@v2\n  with:\n    image: app\n"
        "    tags: v1\n    registry: ghcr.io/me\n")},
        [("build/Containerfile", "", True)]),
    "buildah-build of an image nobody pushes": ({".github/workflows/w.yml": _workflow(
        "- uses: redhat-actions/buildah-build@v2\n  with:\n    image: app\n"
        "    containerfiles: |\n      Containerfile\n",
        "- uses: redhat-actions/push-to-registry@v2\n  with:\n    image: other\n")},
        [("Containerfile", "", False)]),
    "a container action": ({
        ".github/actions/scan/action.yml":
            "name: scan\nruns:\n  using: docker\n  image: Dockerfile\n",
        ".github/actions/scan/Dockerfile": "FROM python:3.12\n"},
        [(".github/actions/scan/Dockerfile", "", False)]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_publication(case, tmp_path):
    files, expected = CASES[case]
    assert _built(tmp_path, files) == sorted(expected)


GO_IMAGE = """\
FROM golang:1.23 AS build
COPY . .
RUN go build -o /out/sysdb ./cmd/sysdb
FROM debian:bookworm-slim
COPY --from=build /out/sysdb /usr/local/bin/sysdb
CMD ["sysdb"]
"""
WINDOWS = """\
FROM python:3.11.9
SHELL ["powershell", "-Command"]
WORKDIR C:\\\\chroma
COPY app.exe C:\\\\chroma\\\\app.exe
ENTRYPOINT ["C:\\\\chroma\\\\app.exe"]
"""
PUSH_STEP = "- uses: docker/build-push-action@v7\n  with:\n    file: {}\n    push: true\n"
BUILD_STEP = "- run: docker build -f {} -t acme/app:{} .\n"

FLINK = """\
FROM flink:1.15
WORKDIR /opt/nexmark
COPY {} /usr/local/bin/
ENTRYPOINT ["/opt/nexmark/bin/entrypoint.sh"]
"""
KINDS = {
    # published: the name does not matter
    "published Dockerfile.ci": ("Dockerfile.ci", APP, PUSH_STEP.format("Dockerfile.ci"),
                                "production"),
    # nothing builds it: the name alone decides nothing
    "unbuilt Dockerfile.test": ("Dockerfile.test", APP, "", "production"),
    "unbuilt docker/cross/Dockerfile": ("docker/cross/Dockerfile", APP, "", "production"),
    # built but never pushed: the name breaks the tie
    "built, never pushed Dockerfile.test": ("Dockerfile.test", APP,
                                            BUILD_STEP.format("Dockerfile.test", "ci"), "test"),
    "built, never pushed, tagged :test": ("docker/chaos.Dockerfile", APP,
                                          BUILD_STEP.format("docker/chaos.Dockerfile", "test"),
                                          "test"),
    "built, never pushed, plain name": ("docker/app.Dockerfile", APP,
                                        BUILD_STEP.format("docker/app.Dockerfile", "ci"),
                                        "production"),
    # another language: judged only when published
    "unpublished Go image": ("go/Dockerfile", GO_IMAGE, "", "other"),
    "published Go image": ("go/Dockerfile", GO_IMAGE, PUSH_STEP.format("go/Dockerfile"),
                           "production"),
    # an unpublished image under a benchmark folder (feldera's Flink benchmarks): the folder's
    # name breaks the tie between "ships a program" and "a harness"
    "benchmark image": ("benchmark/flink/Dockerfile", FLINK.format("nexmark-flink"), "", "test"),
    "another image elsewhere": ("deploy/Dockerfile", FLINK.format("app"), "", "production"),
    "Windows container": ("Dockerfile.windows", WINDOWS, "", "other"),
    # an endpoint of the QUIC interop runner, published or not
    "harness endpoint": ("Dockerfile", "FROM rust:1.95 AS build\nRUN cargo build --release\n"
                         "FROM martenseemann/quic-network-simulator-endpoint:latest\n"
                         "COPY --from=build /target/release/app ./\n"
                         'ENTRYPOINT ["./run_endpoint.sh"]\n', PUSH_STEP.format("Dockerfile"),
                         "test"),
    # folders that hold tests keep their meaning
    "under tests/": ("tests/e2e/Dockerfile", APP, "", "test"),
}


@pytest.mark.parametrize("case", sorted(KINDS))
def test_kind(case, tmp_path):
    path, text, step, expected = KINDS[case]
    files = {path: text, "Cargo.toml": '[package]\nname = "app"\nversion = "0.1.0"\n',
             "src/main.rs": "fn main() {}\n"}
    if step:
        files[".github/workflows/w.yml"] = _workflow(step)
    ctx = _ctx(tmp_path, files)
    runner._workspace(ctx)  # the workspace's binaries, as `rsdock lint` scans them
    kind = images.kind(ctx, ctx.dockerfiles[path])
    assert kind.kind == expected, kind.reason


def test_a_compose_file_without_the_word_build_is_not_parsed(monkeypatch):
    from rsdock.lint.analysis import publication

    parsed = []
    real = publication._load_yaml
    monkeypatch.setattr(publication, "_load_yaml", lambda text: parsed.append(text) or real(text))
    assert publication.compose_services("compose.yml", "services:\n  db:\n    image: pg\n") == []
    assert parsed == []
    # an escaped key is still read: `"\x62uild"` is `build`
    escaped = 'services:\n  app:\n    "\\x62uild": ./app\n'
    assert [s.context for s in publication.compose_services("compose.yml", escaped)] == ["app"]
    assert parsed == [escaped]


def test_the_name_index_lists_what_os_walk_lists_in_its_order(tmp_path):
    import os

    from rsdock.lint.analysis import publication

    for rel in ("a.sh", "ci/build.sh", "ci/deep/x/build.sh", ".git/hooks/build.sh", "z/a.sh"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("echo\n")
    (tmp_path / "linked").symlink_to(tmp_path / "ci")  # listed as a folder, never entered
    (tmp_path / "dangling").symlink_to(tmp_path / "missing")  # a file name, as os.walk has it
    expected: dict[str, list[str]] = {}
    for current, dirs, files in os.walk(tmp_path):
        dirs[:] = [d for d in dirs if d != ".git"]
        rel = os.path.relpath(current, tmp_path).replace(os.sep, "/")
        for name in files:
            expected.setdefault(name, []).append(name if rel == "." else f"{rel}/{name}")
    found = publication._index_names(tmp_path)
    assert list(found.items()) == list(expected.items())
    assert sorted(found["build.sh"]) == ["ci/build.sh", "ci/deep/x/build.sh"]
    assert "dangling" in found


MAKEFILE = """\
DOCKER    = docker
REPO = example/app
TAG  ?= latest
EXTRA := --pull

images: image-base image-test

.PHONY: image-base
image-base: Dockerfile
\t@$(DOCKER) build $(EXTRA) --target base -t $(REPO):${TAG} .

image-test:
\t$(DOCKER) build --target test -t $(REPO)-test:$(TAG) .

publish:
\t-$(DOCKER) push $(REPO):$(TAG)
\tfor f in *; do echo $$f; done
"""


def test_make_recipes_follow_prerequisites_and_variables():
    assert publication.make_recipes(MAKEFILE, ["images"]).splitlines() == [
        "docker build --pull --target base -t example/app:latest .",
        "docker build --target test -t example/app-test:latest .",
    ]
    assert publication.make_recipes(MAKEFILE, ["publish"], {"TAG": "v1"}).splitlines() == [
        "docker push example/app:v1", "for f in *; do echo $f; done"]
    # no target named: the first one, as make does
    assert publication.make_recipes(MAKEFILE, []).startswith("docker build --pull")
    assert publication.make_recipes(MAKEFILE, ["missing"]) == ""


@pytest.mark.parametrize("run, pushed", [
    ("make images\n- run: make publish", {("Dockerfile", "base", True), ("Dockerfile", "test", False)}),
    ("make -C . images", {("Dockerfile", "base", False), ("Dockerfile", "test", False)}),
    ("make -f build.mk publish-all", set()),  # a makefile that is not there
])
def test_a_make_call_builds_and_pushes_what_its_recipes_do(run, pushed, tmp_path):
    files = {"Makefile": MAKEFILE,
             "Dockerfile": "FROM rust:1.95 AS base\nFROM base AS test\n",
             ".github/workflows/w.yml": _workflow(f"- run: {run}")}
    assert set(_built(tmp_path, files)) == pushed
