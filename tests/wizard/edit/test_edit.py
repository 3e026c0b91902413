"""Minimal edits of hand-written and generated setups: exact diffs, idempotence, refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from rsdock.errors import UserError
from rsdock.lint.engine.runner import lint_texts
from rsdock.lint.engine.settings import LintConfig
from rsdock.records import replace
from rsdock.wizard.edit import infer
from rsdock.wizard.edit.propose import Request, apply, propose
from rsdock.wizard.generate.plan import Image, Plan
from tests.tools import copy_example, copy_handwritten

NO_HADOLINT = LintConfig(hadolint=False)


# A platform each fixture does not build yet.
NEW = {"shop": "linux/arm/v7", "ledger": "linux/arm/v7", "relay": "linux/arm/v7",
       "research": "linux/ppc64le"}


project = copy_handwritten  # project(tmp_path, "shop"): a private copy of a fixture


def edit(root: Path, **request):
    return propose(infer.load_sources(root), Request(**request))


def write(root: Path, proposal) -> None:
    assert not proposal.refusals, [r.format() for r in proposal.refusals]
    apply(root, proposal)


SHOP_ARMV7 = '''\
--- a/.github/workflows/release.yml
+++ b/.github/workflows/release.yml
@@ -41,7 +41,7 @@
         with:
           context: .
           file: Dockerfile
-          platforms: &platforms linux/amd64,linux/arm64   # keep in sync with Dockerfile
+          platforms: &platforms linux/amd64,linux/arm64,linux/arm/v7   # keep in sync with Dockerfile
           push: ${{ github.event_name != 'pull_request' }}
           tags: |
             acme/backend:latest
--- a/Dockerfile
+++ b/Dockerfile
@@ -16,12 +16,16 @@
 RUN apt-get update && apt-get install -y --no-install-recommends \\
       gcc-aarch64-linux-gnu \\
       libc6-dev-arm64-cross \\
+      gcc-arm-linux-gnueabihf \\
+      libc6-dev-armhf-cross \\
     && rm -rf /var/lib/apt/lists/*
 ENV CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
+ENV CARGO_TARGET_ARMV7_UNKNOWN_LINUX_GNUEABIHF_LINKER=arm-linux-gnueabihf-gcc
 # Pick the Rust target for the requested platform.
 RUN case "$TARGETPLATFORM" in \\
       "linux/amd64") echo x86_64-unknown-linux-gnu > /rust_target.txt ;; \\
       "linux/arm64") echo aarch64-unknown-linux-gnu > /rust_target.txt ;; \\
+      "linux/arm/v7") echo armv7-unknown-linux-gnueabihf > /rust_target.txt ;; \\
       *) echo "unsupported platform $TARGETPLATFORM" >&2; exit 1 ;; \\
     esac \\
  && rustup target add "$(cat /rust_target.txt)"
'''

LEDGER_ARMV7 = '''\
--- a/.github/workflows/ci.yml
+++ b/.github/workflows/ci.yml
@@ -50,6 +50,7 @@
           platforms: |
             linux/amd64
             linux/arm64
+            linux/arm/v7
           push: ${{ github.event_name != 'pull_request' }}
           tags: ${{ steps.meta.outputs.tags }}
           labels: ${{ steps.meta.outputs.labels }}
--- a/Dockerfile
+++ b/Dockerfile
@@ -7,7 +7,7 @@
 # One line per concern; DL3008: we follow Debian point releases on purpose.
 # hadolint ignore=DL3008
 RUN apt-get update \\
- && apt-get install -y --no-install-recommends gcc-aarch64-linux-gnu libc6-dev-arm64-cross \\
+ && apt-get install -y --no-install-recommends gcc-aarch64-linux-gnu libc6-dev-arm64-cross gcc-arm-linux-gnueabihf libc6-dev-armhf-cross \\
  && rm -rf /var/lib/apt/lists/*
 COPY . .
 RUN <<EOT
@@ -20,6 +20,11 @@
     TARGET=aarch64-unknown-linux-gnu
     # the linker must be set in this RUN: cargo runs here
     export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
+    ;;
+  linux/arm/v7)
+    TARGET=armv7-unknown-linux-gnueabihf
+    # the linker must be set in this RUN: cargo runs here
+    export CARGO_TARGET_ARMV7_UNKNOWN_LINUX_GNUEABIHF_LINKER=arm-linux-gnueabihf-gcc
     ;;
   *)
     echo "unsupported platform: $TARGETPLATFORM" >&2
'''

RESEARCH_PPC64LE = '''\
--- a/.github/workflows/docker.yml
+++ b/.github/workflows/docker.yml
@@ -29,7 +29,7 @@
         with:
           context: .
           file: ./Dockerfile
-          platforms: linux/amd64,linux/arm64,linux/arm/v7
+          platforms: linux/amd64,linux/arm64,linux/arm/v7,linux/ppc64le
           push: ${{ github.event_name != 'pull_request' }}
           tags: |
             ${{ secrets.DOCKERHUB_USERNAME }}/realtime-svg-backend:latest
--- a/Dockerfile
+++ b/Dockerfile
@@ -9,6 +9,7 @@
       "linux/amd64") echo x86_64-unknown-linux-gnu > /rust_target.txt ;; \\
       "linux/arm64") echo aarch64-unknown-linux-gnu > /rust_target.txt ;; \\
       "linux/arm/v7") echo armv7-unknown-linux-gnueabihf > /rust_target.txt ;; \\
+      "linux/ppc64le") echo powerpc64le-unknown-linux-gnu > /rust_target.txt ;; \\
       *) echo "Unsupported platform: $TARGETPLATFORM" && exit 1 ;; \\
     esac
 
@@ -21,9 +22,11 @@
 RUN apt-get update && apt-get install -y --no-install-recommends \\
     gcc-aarch64-linux-gnu \\
     gcc-arm-linux-gnueabihf \\
+    gcc-powerpc64le-linux-gnu \\
     gcc-x86-64-linux-gnu \\
     libc6-dev-arm64-cross \\
     libc6-dev-armhf-cross \\
+    libc6-dev-ppc64el-cross \\
     && rm -rf /var/lib/apt/lists/*
 
 COPY . .
@@ -35,6 +38,8 @@
         export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc ;; \\
       "armv7-unknown-linux-gnueabihf") \\
         export CARGO_TARGET_ARMV7_UNKNOWN_LINUX_GNUEABIHF_LINKER=arm-linux-gnueabihf-gcc ;; \\
+      "powerpc64le-unknown-linux-gnu") \\
+        export CARGO_TARGET_POWERPC64LE_UNKNOWN_LINUX_GNU_LINKER=powerpc64le-linux-gnu-gcc ;; \\
     esac && \\
     cargo build --release --target $RUST_TARGET --bin backend \\
  && cp "target/$RUST_TARGET/release/backend" /backend
'''

RELAY_ARMV7 = '''\
--- a/.github/workflows/images.yaml
+++ b/.github/workflows/images.yaml
@@ -8,7 +8,7 @@
     strategy:
       fail-fast: false
       matrix:
-        platform: [linux/amd64, linux/arm64]   # one cache per platform
+        platform: [linux/amd64, linux/arm64, linux/arm/v7]   # one cache per platform
     runs-on: ubuntu-latest
     steps:
       - uses: actions/checkout@v7
'''


@pytest.mark.parametrize("name, platform, expected", [
    ("shop", "linux/arm/v7", SHOP_ARMV7), ("ledger", "linux/arm/v7", LEDGER_ARMV7),
    ("relay", "linux/arm/v7", RELAY_ARMV7), ("research", "linux/ppc64le", RESEARCH_PPC64LE)])
def test_add_platform_changes_exactly_the_expected_lines(tmp_path, name, platform, expected):
    root = project(tmp_path, name)
    proposal = edit(root, add_platforms=(platform,))
    assert not proposal.refusals
    assert proposal.diff() == expected


@pytest.mark.parametrize("name", ["shop", "ledger", "research", "relay"])
def test_a_second_identical_edit_is_a_no_op(tmp_path, name):
    root = project(tmp_path, name)
    write(root, edit(root, add_platforms=(NEW[name],)))
    again = edit(root, add_platforms=(NEW[name],))
    assert again.changed == [] and not again.refusals


@pytest.mark.parametrize("name", ["shop", "ledger", "research"])
def test_the_edited_files_agree_on_platforms(tmp_path, name):
    root = project(tmp_path, name)
    write(root, edit(root, add_platforms=(NEW[name],)))
    sources = infer.load_sources(root)
    findings = lint_texts(sources.texts(), root, replace(NO_HADOLINT, select=("RS2", "RS5")))
    assert findings == []
    plan = infer.infer(sources)
    assert NEW[name] in plan.platforms.value
    assert NEW[name] in plan.dockerfile_platforms["Dockerfile"].value


@pytest.mark.parametrize("name", ["shop", "ledger", "research", "relay"])
def test_removing_an_added_platform_restores_every_byte(tmp_path, name):
    root = project(tmp_path, name)
    before = {p: (root / p).read_bytes() for p in infer.load_sources(root).texts()}
    write(root, edit(root, add_platforms=(NEW[name],)))
    write(root, edit(root, remove_platforms=(NEW[name],)))
    assert {p: (root / p).read_bytes() for p in before} == before


def test_remove_platform_from_a_matrix(tmp_path):
    root = project(tmp_path, "relay")
    diff = edit(root, remove_platforms=("linux/amd64",)).diff()
    assert "-        platform: [linux/amd64, linux/arm64]   # one cache per platform\n" \
           "+        platform: [linux/arm64]   # one cache per platform\n" in diff


def test_block_sequence_matrix_gets_a_line_in_its_style(tmp_path):
    root = project(tmp_path, "relay")
    path = root / ".github/workflows/images.yaml"
    path.write_text(path.read_text().replace(
        "        platform: [linux/amd64, linux/arm64]   # one cache per platform\n",
        "        platform:\n          - linux/amd64   # native\n          - linux/arm64\n"))
    diff = edit(root, add_platforms=("linux/ppc64le",)).diff()
    assert [line for line in diff.splitlines() if line[:1] in "+-" and line[:3] not in
            ("+++", "---")] == ["+          - linux/ppc64le"]
    assert "           - linux/arm64\n+          - linux/ppc64le\n" in diff


def test_cache_switch_edits_every_cache_input(tmp_path):
    root = project(tmp_path, "ledger")
    proposal = edit(root, cache="registry")
    assert proposal.diff() == '''\
--- a/.github/workflows/ci.yml
+++ b/.github/workflows/ci.yml
@@ -53,5 +53,5 @@
           push: ${{ github.event_name != 'pull_request' }}
           tags: ${{ steps.meta.outputs.tags }}
           labels: ${{ steps.meta.outputs.labels }}
-          cache-from: type=gha,scope=ledger-api
-          cache-to: type=gha,scope=ledger-api,mode=max
+          cache-from: type=registry,ref=ghcr.io/ledger-co/ledger-api:buildcache
+          cache-to: ${{ github.event_name != 'pull_request' && 'type=registry,ref=ghcr.io/ledger-co/ledger-api:buildcache,mode=max,image-manifest=true,oci-mediatypes=true' || '' }}
'''
    write(root, proposal)
    assert edit(root, cache="registry").changed == []
    assert infer.infer(infer.load_sources(root)).cache.value == "registry"


def test_cache_switch_keeps_quotes_and_scopes(tmp_path):
    root = project(tmp_path, "shop")
    write(root, edit(root, cache="registry"))
    diff = edit(root, cache="gha").diff()
    text = (root / ".github/workflows/release.yml").read_text()
    assert "ref=acme/backend:buildcache" in text and "ref=acme/frontend:buildcache" in text
    assert "          cache-to: 'type=gha,scope=backend,mode=max'\n" in diff.replace("+", "", 1) \
        or "+          cache-to: 'type=gha,scope=backend,mode=max'" in diff


def test_local_cache_is_refused_with_the_lines_to_add(tmp_path):
    root = project(tmp_path, "shop")
    proposal = edit(root, cache="local")
    assert [r.line for r in proposal.refusals] == [39, 61]
    assert "type=local needs actions/cache steps" in proposal.refusals[0].message
    assert any("cache-to: type=local" in line for line in proposal.refusals[0].manual)


def test_runtime_switch_is_refused_with_the_runtime_stage_to_use(tmp_path):
    root = project(tmp_path, "shop")
    proposal = edit(root, runtime="distroless")
    [refusal] = proposal.refusals
    assert refusal.path == "Dockerfile"
    assert any(line.startswith("FROM gcr.io/distroless/cc-debian12") for line in refusal.manual)
    # the binary comes from where this Dockerfile's builder puts it, not rsdock's /out/
    assert "COPY --from=builder /backend /usr/local/bin/backend" in refusal.manual
    assert not any("/out/" in line for line in refusal.manual)
    assert edit(root, runtime="debian-slim").changed == []


def test_registry_switch_on_literal_image_names_is_refused(tmp_path):
    root = project(tmp_path, "shop")
    proposal = edit(root, registry="ghcr")
    assert [(r.path, r.line) for r in proposal.refusals] == [
        (".github/workflows/release.yml", 46), (".github/workflows/release.yml", 68)]
    with pytest.raises(UserError) as error:
        apply(root, proposal)
    assert error.value.exit_code == 1


def test_platform_without_a_case_is_refused_with_file_line_and_lines(tmp_path):
    root = project(tmp_path, "shop")
    dockerfile = root / "Dockerfile"
    dockerfile.write_text(dockerfile.read_text().replace(
        'case "$TARGETPLATFORM" in', 'case "$TARGETARCH" in').replace(
        '"linux/amd64")', "amd64)").replace('"linux/arm64")', "arm64)"))
    before = dockerfile.read_text()
    proposal = edit(root, add_platforms=("linux/arm/v7",))
    [refusal] = proposal.refusals
    assert (refusal.path, refusal.line) == ("Dockerfile", 22)
    assert "ENV CARGO_TARGET_ARMV7_UNKNOWN_LINUX_GNUEABIHF_LINKER=arm-linux-gnueabihf-gcc" \
        in refusal.manual
    with pytest.raises(UserError):
        apply(root, proposal)
    assert dockerfile.read_text() == before


def test_emulated_dockerfile_needs_only_the_workflow(tmp_path):
    root = project(tmp_path, "relay")
    proposal = edit(root, add_platforms=("linux/arm/v7",))
    assert [e.path for e in proposal.changed] == [".github/workflows/images.yaml"]
    assert proposal.notes == ["Dockerfile: maps no platforms (it compiles nothing for the "
                              "target); the workflow alone decides them"]


def test_an_alias_shared_with_a_non_build_use_is_refused(tmp_path):
    root = project(tmp_path, "shop")
    workflow = root / ".github/workflows/release.yml"
    workflow.write_text(workflow.read_text().replace(
        "  frontend:\n    needs: test\n",
        "  frontend:\n    needs: test\n    env:\n      PLATFORMS: *platforms\n"))
    proposal = edit(root, add_platforms=("linux/arm/v7",))
    assert any("would change more than asked" in r.message for r in proposal.refusals)
    assert proposal.changed == [e for e in proposal.changed if e.path == "Dockerfile"]


@pytest.mark.parametrize("bad, message", [
    ("tab", "tab"),
    ("duplicate", "duplicate key"),
])
def test_unreadable_yaml_is_a_located_error(tmp_path, bad, message):
    root = project(tmp_path, "shop")
    workflow = root / ".github/workflows/release.yml"
    text = workflow.read_text()
    if bad == "tab":
        text = text.replace("      - run: cargo test", "\t  - run: cargo test")
    else:
        text = text.replace("    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout",
                            "    runs-on: ubuntu-latest\n    runs-on: ubuntu-22.04\n    steps:\n"
                            "      - uses: actions/checkout", 1)
    workflow.write_text(text)
    with pytest.raises(UserError) as error:
        infer.load_sources(root)
    assert error.value.path == ".github/workflows/release.yml"
    assert error.value.line and message in error.value.message


def test_unparseable_dockerfile_is_a_located_error(tmp_path):
    root = project(tmp_path, "ledger")
    (root / "Dockerfile").write_text("FROM rust:1.95\nRUN <<EOT\necho never closed\n")
    with pytest.raises(UserError) as error:
        infer.load_sources(root)
    assert error.value.path == "Dockerfile"


def test_workflow_without_a_build_step_is_a_located_error(tmp_path):
    root = project(tmp_path, "relay")
    workflow = root / ".github/workflows/images.yaml"
    text = workflow.read_text()
    workflow.write_text(text[: text.index("      - uses: docker/build-push-action@v7")])
    with pytest.raises(UserError) as error:
        edit(root, add_platforms=("linux/arm/v7",))
    assert (error.value.path, error.value.line) == (".github/workflows/images.yaml", 6)
    assert "no docker/build-push-action step" in error.value.message


def test_unknown_platform_is_refused_before_anything(tmp_path):
    root = project(tmp_path, "shop")
    with pytest.raises(UserError) as error:
        edit(root, add_platforms=("linux/mips",))
    assert "linux/mips" in error.value.message and error.value.exit_code == 2


def test_removing_every_platform_is_refused(tmp_path):
    root = project(tmp_path, "relay")
    with pytest.raises(UserError):
        edit(root, remove_platforms=("linux/amd64", "linux/arm64"))


def test_apply_refuses_a_file_changed_since_it_was_read(tmp_path):
    root = project(tmp_path, "ledger")
    proposal = edit(root, add_platforms=("linux/arm/v7",))
    (root / "Dockerfile").write_text((root / "Dockerfile").read_text() + "# local change\n")
    with pytest.raises(UserError) as error:
        apply(root, proposal)
    assert error.value.path == "Dockerfile"
    assert "linux/arm/v7" not in (root / ".github/workflows/ci.yml").read_text()


def test_apply_keeps_backups(tmp_path):
    from rsdock.wizard.edit.backup import backed_up_files

    root = project(tmp_path, "ledger")
    old = (root / "Dockerfile").read_text()
    folder = apply(root, edit(root, add_platforms=("linux/arm/v7",)))
    assert backed_up_files(folder) == [".github/workflows/ci.yml", "Dockerfile"]
    assert (folder / "Dockerfile.bak").read_text() == old


def test_fix_applies_the_linters_safe_fixes(tmp_path):
    root = project(tmp_path, "ledger")
    workflow = root / ".github/workflows/ci.yml"
    workflow.write_text(workflow.read_text().replace(
        "cache-to: type=gha,scope=ledger-api,mode=max", "cache-to: type=gha,scope=ledger-api"))
    proposal = edit(root, fix=True)
    assert [e.path for e in proposal.changed] == [".github/workflows/ci.yml"]
    assert "+          cache-to: type=gha,scope=ledger-api,mode=max" in proposal.diff()


# -- generated files ----------------------------------------------------------------------------

def _generated(tmp_path: Path, platform_names: tuple[str, ...], **plan) -> tuple[Path, Plan]:
    from rsdock.wizard.generate.render import render

    root = copy_example(tmp_path, "gen")
    images = (Image("server", "bin", "server", "Dockerfile", "crates/server"),
              Image("web", "web", "web", "Dockerfile.web", "crates/web"))
    chosen = Plan(images, platforms=platform_names, **plan)
    for rel, text in render(chosen).items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root, chosen


@pytest.mark.parametrize("runtime, strategy", [("debian-slim", "cross"), ("alpine", "cross"),
                                               ("debian-slim", "native"), ("alpine", "native")])
def test_editing_generated_files_matches_generating_them(tmp_path, runtime, strategy):
    from rsdock.wizard.generate.render import render

    root, plan = _generated(tmp_path, ("linux/amd64", "linux/arm64"), runtime=runtime,
                            strategy=strategy)
    proposal = edit(root, add_platforms=("linux/ppc64le",))
    assert not proposal.refusals
    expected = render(plan.with_changes(platforms=("linux/amd64", "linux/arm64", "linux/ppc64le")))
    for change in proposal.changed:
        assert change.new == expected[change.path], change.path


@pytest.mark.parametrize("strategy", ["cross", "native"])
def test_removing_from_generated_files_matches_generating_them(tmp_path, strategy):
    from rsdock.wizard.generate.render import render

    root, plan = _generated(tmp_path, ("linux/amd64", "linux/arm64", "linux/arm/v7"),
                            strategy=strategy)
    proposal = edit(root, remove_platforms=("linux/arm/v7",))
    expected = render(plan.with_changes(platforms=("linux/amd64", "linux/arm64")))
    assert {c.path for c in proposal.changed} == {"Dockerfile", "Dockerfile.web",
                                                  ".github/workflows/docker.yml"}
    assert infer.infer(infer.load_sources(root)).strategy.value == strategy
    for change in proposal.changed:
        assert change.new == expected[change.path], change.path


def test_generated_registry_switch_matches_generating_it(tmp_path):
    from rsdock.wizard.generate.render import render

    root, plan = _generated(tmp_path, ("linux/amd64", "linux/arm64"))
    proposal = edit(root, registry="ghcr")
    assert not proposal.refusals
    [change] = proposal.changed
    regenerated = render(plan.with_changes(registry="ghcr"))[change.path]
    assert _data(change.new) == _data(regenerated)


def _data(text: str) -> dict:
    """The workflow as data, login step names aside (the edit keeps the user's step names)."""
    from ruamel.yaml import YAML

    data = YAML(typ="safe").load(text)
    for job in data["jobs"].values():
        for step in job["steps"]:
            if "login-action" in step.get("uses", ""):
                step.pop("name", None)
    return data


@pytest.mark.parametrize("name", ["shop", "ledger"])
def test_crlf_and_bom_files_keep_their_bytes(tmp_path, name):
    root = project(tmp_path, name)
    paths = list(infer.load_sources(root).texts())
    for rel in paths:
        data = (root / rel).read_bytes().replace(b"\n", b"\r\n")
        (root / rel).write_bytes(b"\xef\xbb\xbf" + data if rel.endswith("Dockerfile") else data)
    before = {rel: (root / rel).read_bytes() for rel in paths}
    write(root, edit(root, add_platforms=("linux/arm/v7",)))
    after = {rel: (root / rel).read_bytes() for rel in paths}
    for rel in paths:
        assert b"\n" not in after[rel].replace(b"\r\n", b""), rel
    assert after["Dockerfile"].startswith(b"\xef\xbb\xbf")
    assert not after["Dockerfile"].startswith(b"\xef\xbb\xbf" * 2)
    write(root, edit(root, remove_platforms=("linux/arm/v7",)))
    assert {rel: (root / rel).read_bytes() for rel in paths} == before


def test_remove_refuses_a_platform_left_in_a_hard_coded_path(tmp_path):
    root = project(tmp_path, "shop")
    dockerfile = root / "Dockerfile"
    dockerfile.write_text(dockerfile.read_text().replace(
        'COPY --from=builder /backend /usr/local/bin/backend',
        'COPY --from=builder /backend /usr/local/bin/backend\n'
        'RUN ls /app/target/aarch64-unknown-linux-gnu/release'))
    proposal = edit(root, remove_platforms=("linux/arm64",))
    assert [(r.path, r.line) for r in proposal.refusals] == [("Dockerfile", 41)]
    assert "still names linux/arm64" in proposal.refusals[0].message


def _rules(root: Path, texts: dict[str, str]) -> set[tuple[str, str]]:
    return {(f.path, f.rule) for f in lint_texts(texts, root, NO_HADOLINT)}


@pytest.mark.parametrize("name, request_", [
    ("ledger", {"cache": "registry"}), ("ledger", {"cache": "inline"}),
    ("shop", {"cache": "registry"}), ("relay", {"add_platforms": ("linux/arm/v7",)}),
    ("shop", {"remove_platforms": ("linux/arm64",)}),
    ("research", {"remove_platforms": ("linux/arm/v7",)}),
    ("research", {"add_platforms": ("linux/ppc64le",)}),
])
def test_edits_add_no_lint_finding(tmp_path, name, request_):
    root = project(tmp_path, name)
    texts = infer.load_sources(root).texts()
    proposal = edit(root, **request_)
    assert proposal.changed and not proposal.refusals
    after = dict(texts, **{e.path: e.new for e in proposal.changed})
    assert _rules(root, after) - _rules(root, texts) == set()


def test_a_platform_the_runtime_image_lacks_is_refused(tmp_path):
    root = project(tmp_path, "ledger")  # distroless: no linux/386 image
    with pytest.raises(UserError) as error:
        edit(root, add_platforms=("linux/386",))
    assert "distroless/cc publishes no linux/386 image" in error.value.message
    assert "Dockerfile:34" in error.value.message


@pytest.mark.parametrize("env, expected", [
    # a continued ENV that is only about arm64: copied whole, after it
    ("ENV CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc \\\n"
     "    CC_aarch64_unknown_linux_gnu=aarch64-linux-gnu-gcc\n",
     "+ENV CARGO_TARGET_ARMV7_UNKNOWN_LINUX_GNUEABIHF_LINKER=arm-linux-gnueabihf-gcc \\\n"
     "+    CC_armv7_unknown_linux_gnueabihf=arm-linux-gnueabihf-gcc\n"),
    # one ENV with shared settings: only arm64's line is copied, before the last line
    ("ENV PKG_CONFIG_ALLOW_CROSS=1 \\\n"
     "    CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc\n",
     "+    CARGO_TARGET_ARMV7_UNKNOWN_LINUX_GNUEABIHF_LINKER=arm-linux-gnueabihf-gcc \\\n"),
])
def test_linker_env_styles(tmp_path, env, expected):
    root = project(tmp_path, "shop")
    dockerfile = root / "Dockerfile"
    dockerfile.write_text(dockerfile.read_text().replace(
        "ENV CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc\n", env))
    proposal = edit(root, add_platforms=("linux/arm/v7",))
    assert not proposal.refusals
    added = [line for line in proposal.edits["Dockerfile"].diff.splitlines(keepends=True)
             if line.startswith("+") and not line.startswith("+++")]
    assert "".join(added).endswith(expected) or expected in "".join(added)
    write(root, proposal)
    write(root, edit(root, remove_platforms=("linux/arm/v7",)))
    assert "ARMV7" not in dockerfile.read_text() and env in dockerfile.read_text()


@pytest.mark.parametrize("old, new, added", [
    # quoted
    ("platforms: &platforms linux/amd64,linux/arm64   # keep in sync with Dockerfile",
     'platforms: "linux/amd64, linux/arm64"',
     '+          platforms: "linux/amd64, linux/arm64, linux/arm/v7"'),
    # from the workflow's env
    ("platforms: &platforms linux/amd64,linux/arm64   # keep in sync with Dockerfile",
     "platforms: ${{ env.PLATFORMS }}",
     "+  PLATFORMS: linux/amd64,linux/arm64,linux/arm/v7  # both images"),
])
def test_platform_input_styles(tmp_path, old, new, added):
    root = project(tmp_path, "shop")
    workflow = root / ".github/workflows/release.yml"
    text = workflow.read_text().replace(old, new).replace("platforms: *platforms", new)
    text = text.replace("permissions:\n  contents: read\n",
                        "permissions:\n  contents: read\n\nenv:\n"
                        "  PLATFORMS: linux/amd64,linux/arm64  # both images\n")
    workflow.write_text(text)
    assert infer.infer(infer.load_sources(root)).platforms.value == ("linux/amd64", "linux/arm64")
    diff = edit(root, add_platforms=("linux/arm/v7",)).edits[".github/workflows/release.yml"].diff
    changed = [line for line in diff.splitlines() if line[:1] in "+-" and line[:3] not in
               ("+++", "---")]
    assert added in changed and len(changed) == (2 if "env" in new else 4)


def test_flow_mapping_inputs(tmp_path):
    root = project(tmp_path, "relay")
    workflow = root / ".github/workflows/images.yaml"
    data = workflow.read_text()
    start = data.index("      - uses: docker/build-push-action@v7")
    workflow.write_text(data[:start] + "      - uses: docker/build-push-action@v7\n"
                        "        with: {platforms: linux/amd64, push: true, tags: x/relay}\n")
    proposal = edit(root, add_platforms=("linux/arm64",))
    assert not proposal.refusals, proposal.refusals
    assert proposal.diff().splitlines()[-2:] == [
        "-        with: {platforms: linux/amd64, push: true, tags: x/relay}",
        '+        with: {platforms: "linux/amd64,linux/arm64", push: true, tags: x/relay}']


@pytest.mark.parametrize("cache", ["registry", "inline"])
def test_generated_cache_switch_matches_generating_it(tmp_path, cache):
    from rsdock.wizard.generate.render import render

    root, plan = _generated(tmp_path, ("linux/amd64", "linux/arm64"))
    proposal = edit(root, cache=cache)
    assert not proposal.refusals
    expected = render(plan.with_changes(cache=cache))
    assert [c.path for c in proposal.changed] == [".github/workflows/docker.yml"]
    assert proposal.changed[0].new == expected[".github/workflows/docker.yml"]


def test_registry_switch_through_an_anchored_login_step(tmp_path):
    root = project(tmp_path, "shop")
    workflow = root / ".github/workflows/release.yml"
    workflow.write_text(workflow.read_text().replace(
        "acme/", "${{ secrets.DOCKERHUB_USERNAME || github.repository_owner }}/"))
    proposal = edit(root, registry="ghcr")
    assert not proposal.refusals
    new = proposal.edits[".github/workflows/release.yml"].new
    assert new.count("registry: ghcr.io") == 1  # the anchored step, once
    assert new.count("      packages: write\n") == 2
    assert "            ghcr.io/${{ github.repository_owner }}/frontend:${{ github.sha }}\n" in new
    write(root, proposal)
    assert edit(root, registry="ghcr").changed == []
    assert infer.infer(infer.load_sources(root)).registry.value == "ghcr"


def _env_image_tags(root: Path, tags: str) -> Path:
    """The shop's backend build tagged ``tags``, its image named in the workflow's env."""
    workflow = root / ".github" / "workflows" / "release.yml"
    text = workflow.read_text().replace("permissions:\n  contents: read\n",
                                        "permissions:\n  contents: read\n\nenv:\n"
                                        "  IMAGE: acme/backend\n", 1)
    text = text.replace("          tags: |\n            acme/backend:latest\n"
                        "            acme/backend:${{ github.sha }}", f"          tags: {tags}", 1)
    assert "IMAGE" in text and f"tags: {tags}" in text
    workflow.write_text(text)
    return workflow


def test_registry_cache_on_env_image_tags_uses_the_expression(tmp_path):
    root = project(tmp_path, "shop")
    workflow = _env_image_tags(root, "${{ env.IMAGE }}:latest")
    proposal = edit(root, cache="registry")
    write(root, proposal)
    text = workflow.read_text()
    assert "cache-from: type=registry,ref=${{ env.IMAGE }}:buildcache" in text
    assert "format(''type=registry,ref={0}:buildcache,mode=max" in text and "env.IMAGE)" in text
    assert lint_texts({".github/workflows/release.yml": text}, root=root,
                      config=LintConfig(hadolint=False, select=("RS406",))) == []


def test_registry_cache_on_unreadable_tags_gives_the_lines_to_paste(tmp_path):
    root = project(tmp_path, "shop")
    _env_image_tags(root, "${{ steps.meta.outputs.tags }}")
    [refusal] = edit(root, cache="registry").refusals
    assert "the image name is unknown" in refusal.message
    assert refusal.manual[0] == "cache-from: type=registry,ref=IMAGE:buildcache"
    assert refusal.manual[1].startswith("cache-to: ${{ github.event_name != 'pull_request' && "
                                        "'type=registry,ref=IMAGE:buildcache,mode=max")
    assert "IMAGE replaced by the image's repository" in refusal.manual[2]


def test_removing_the_only_cross_platform_drops_its_install_and_comment(tmp_path):
    root = project(tmp_path, "shop")
    write(root, edit(root, remove_platforms=("linux/arm64",)))
    text = (root / "Dockerfile").read_text()
    assert "apt-get install -y --no-install-recommends \\\n    && rm" not in text
    assert "# Cross toolchains for every platform we ship." not in text
    assert "FROM chef AS builder\nARG TARGETPLATFORM\n# Pick the Rust target" in text
    assert "aarch64" not in text and "arm64" not in text
