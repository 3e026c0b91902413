"""The field test's regressions (docs/field-test.md): each fixture under tests/fixtures/field/
is trimmed from a public repository (its README names the repository, file and commit) and is
linted here whole; the exact RS findings at warning and above are asserted.

fp-* fixtures reproduced a false alarm of rsdock before issue #11 (the named rule must be absent
now, or, where noted, is still open); miss-* fixtures reproduced a silence (the finding must be
there now); crash-* reproduced a crash.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from rsdock.lint.engine import discover, runner as engine
from rsdock.lint.engine.settings import LintConfig
from rsdock.lint.model.findings import Severity

FIELD = Path(__file__).resolve().parents[1] / "fixtures" / "field"

# fixture -> the RS findings (path, line, rule) at warning and above, exactly
EXPECTED = {
    'crash-symlink-loop': [],
    'fp-RS005-toml-1.1-inline-table': [],
    'fp-RS102-cook-build-in-matching-if-arms': [],
    'fp-RS102-feature-gates-own-code': [('server/Dockerfile.delete-worker', 18, 'RS306')],
    'fp-RS104-cook-and-build-share-target-cache-mount': [('docker/Dockerfile.bridge', 1, 'RS505'), ('docker/Dockerfile.bridge', 100, 'RS306'), ('docker/Dockerfile.bridge', 117, 'RS304')],
    'fp-RS104-makefile-installs-toolchain': [('.dockerignore', 1, 'RS603'), ('Dockerfile', 45, 'RS306')],
    'fp-RS104-toolchain-script-before-cook': [('Dockerfile', 13, 'RS302'), ('Dockerfile', 13, 'RS304'), ('Dockerfile', 13, 'RS306')],
    'fp-RS105-rust-toolchain-file': [('Dockerfile', 6, 'RS302'), ('Dockerfile', 6, 'RS304'), ('Dockerfile', 6, 'RS306')],
    'fp-RS107-cargo-install-bin': [('Dockerfile', 3, 'RS302'), ('Dockerfile', 3, 'RS304'), ('Dockerfile', 3, 'RS306')],
    'fp-RS111-build-script-tolerates-missing-git': [],
    'fp-RS201-RS206-arch-specific-native-dockerfile': [('deploy/Dockerfile.aarch64', 4, 'RS207'), ('deploy/Dockerfile.aarch64', 4, 'RS205'), ('deploy/Dockerfile.aarch64', 6, 'RS302'), ('deploy/Dockerfile.aarch64', 6, 'RS306'), ('deploy/Dockerfile.aarch64', 8, 'RS304')],
    'fp-RS111-member-built-in-its-folder': [('cli/Dockerfile', 21, 'RS306'), ('cli/Dockerfile', 23, 'RS304')],
    'fp-RS201-host-triple-from-rustc': [],
    'fp-RS201-no-target-native-build': [('Dockerfile', 7, 'RS302'), ('Dockerfile', 7, 'RS306'), ('Dockerfile', 7, 'RS308'), ('Dockerfile', 9, 'RS304')],
    'fp-RS201-wasm-only-target': [('Dockerfile', 7, 'RS305')],
    'fp-RS203-case-not-a-triple-map': [('Dockerfile', 10, 'RS206'), ('Dockerfile', 10, 'RS207'), ('Dockerfile', 12, 'RS302'), ('Dockerfile', 12, 'RS306'), ('Dockerfile', 14, 'RS304')],
    'fp-RS204-armv6-hardfloat-musl': [('Dockerfile', 12, 'RS306'), ('Dockerfile', 14, 'RS304')],
    'fp-RS206-RS207-RS502-cross-rs-stage-per-arch': [('.github/workflows/container-build.yml', 21, 'RS413'), ('.github/workflows/container-build.yml', 25, 'RS410'), ('.github/workflows/container-build.yml', 28, 'RS410'), ('.github/workflows/container-build.yml', 31, 'RS410'), ('.github/workflows/container-build.yml', 49, 'RS410'), ('.github/workflows/container-build.yml', 55, 'RS424'), ('.github/workflows/container-build.yml', 56, 'RS424'), ('Dockerfile', 59, 'RS304')],
    'fp-RS206-gxx-brings-cross-libc': [('cli/Dockerfile', 22, 'RS306'), ('cli/Dockerfile', 24, 'RS304')],
    'fp-RS208-RS202-parent-stage-arg': [],
    'fp-RS212-downloaded-musl-toolchain': [('Dockerfile', 27, 'RS203'), ('Dockerfile', 52, 'RS304')],
    'fp-RS212-native-musl-tools': [('Dockerfile', 1, 'RS201'), ('Dockerfile', 28, 'RS304')],
    'fp-RS301-RS111-full-variant-and-install-script': [('docker/Dockerfile', 32, 'RS304')],
    'fp-RS301-RS304-RS505-devcontainer': [],
    'fp-RS301-cargo-test-image': [],
    'fp-RS301-compose-dev-target': [],
    'fp-RS301-keep-alive-workload-image': [],
    'fp-RS301-target-builder-exported': [('lambda.Dockerfile', 12, 'RS304')],
    'fp-RS301-toolchain-image': [],
    'fp-RS302-RS304-compose-rustup-dev-target': [],
    'fp-RS302-copies-etc-ssl': [('Dockerfile', 13, 'RS304')],
    'fp-RS302-program-bundles-roots': [('Dockerfile', 5, 'RS306'), ('Dockerfile', 7, 'RS304')],
    # the runtime is FROM rust:1.75-slim-bookworm, which installs ca-certificates itself
    'fp-RS302-rust-slim-runtime-has-certificates': [('nodes/Dockerfile.pathfinder', 2, 'RS105'), ('nodes/Dockerfile.pathfinder', 14, 'RS301')],
    'fp-RS302-recommends-bring-ca-certificates': [('Dockerfile', 11, 'RS304')],
    'fp-RS302-root-filesystem-copied-from-distroless': [('Dockerfile', 1, 'RS505'), ('Dockerfile', 27, 'RS304')],
    'fp-RS302-feature-picks-bundled-roots': [('Dockerfile', 16, 'RS304')],
    'fp-RS302-tls-only-in-dev-dependency': [('Dockerfile-release', 14, 'RS306'), ('Dockerfile-release', 17, 'RS304')],
    'fp-RS304-RS306-packaging-builder-image': [],
    'fp-RS304-RS306-pushed-to-runner-registry': [('.github/workflows/integration.yml', 10, 'RS410'), ('.github/workflows/integration.yml', 20, 'RS410')],
    'fp-RS304-RS306-test-helper-image': [],
    'fp-RS304-RS306-windows-container': [],
    'fp-RS304-go-image-published': [('.github/workflows/push-collapse-query-script.yml', 2, 'RS412'), ('.github/workflows/push-collapse-query-script.yml', 10, 'RS413')],
    'fp-RS304-java-benchmark-image': [],
    # a kubectl-debug toolbox: nothing builds it, no Rust, ENTRYPOINT a bare bash (blind batch F)
    'fp-RS304-RS306-shell-toolbox-nothing-builds': [],
    'fp-RS304-actix-server': [],
    # linera-exporter copied from the builder into the WORKDIR, no ENTRYPOINT (blind batch F)
    'fp-RS304-binary-copied-into-workdir': [('docker/Dockerfile.exporter', 1, 'RS505'), ('docker/Dockerfile.exporter', 30, 'RS306')],
    'fp-RS304-entrypoint-forwards-signals': [],
    'fp-RS304-entrypoint-of-own-published-base': [],
    'fp-RS304-handler-through-reexport': [('Dockerfile-ci', 2, 'RS306')],
    'fp-harness-endpoint-published-by-make': [('Dockerfile', 16, 'RS304'), ('Dockerfile', 16, 'RS306')],
    'fp-RS304-inherited-entrypoint': [],
    'fp-RS304-nested-workspace-handlers': [('server/Dockerfile.delete-worker', 15, 'RS306'), ('server/Dockerfile.server', 15, 'RS306')],
    'fp-RS304-renamed-binary': [],
    'fp-RS304-rocket-server': [],
    'fp-RS304-stopsignal-sigint': [('Dockerfile', 12, 'RS302'), ('Dockerfile', 12, 'RS306')],
    'fp-RS304-third-party-db-image': [],
    # an image of a `cargo test --no-run` binary, built and run by CI, never pushed (blind batch F)
    'fp-RS304-test-binary-image-built-in-ci': [],
    'fp-RS304-tokio-sigterm-handler': [('Dockerfile', 2, 'RS306')],
    'fp-RS305-cargo-auditable': [('Dockerfile', 6, 'RS302'), ('Dockerfile', 10, 'RS304')],
    'fp-RS305-cd-in-the-run': [('Dockerfile', 14, 'RS306'), ('Dockerfile', 14, 'RS308'), ('Dockerfile', 24, 'RS304')],
    'fp-RS305-cdylib-and-run-cp': [('Dockerfile', 6, 'RS302'), ('Dockerfile', 6, 'RS306'), ('Dockerfile', 10, 'RS304')],
    'fp-RS305-member-writes-workspace-target': [('admin_frontend/Dockerfile', 19, 'RS302'), ('admin_frontend/Dockerfile', 39, 'RS304')],
    'fp-RS305-opaque-make-build': [('Dockerfile', 5, 'RS302'), ('Dockerfile', 5, 'RS306'), ('Dockerfile', 7, 'RS304')],
    'fp-RS305-workdir-from-own-builder-image': [],
    'fp-RS306-program-switches-account': [('Dockerfile', 11, 'RS304')],
    'fp-RS306-entrypoint-drops-privileges': [],
    'fp-RS306-heredoc-entrypoint-drops-privileges': [],
    'fp-RS309-feature-guessed-for-unknown-crate': [],
    'fp-RS309-liblzma-below-minimum': [('Dockerfile', 9, 'RS304')],
    'fp-RS309-optional-db-feature-off': [('Dockerfile', 7, 'RS306'), ('Dockerfile', 16, 'RS304')],
    'fp-RS401-local-composite-action': [],
    'fp-RS402-matrix-native-runner': [],
    'fp-RS405-push-to-job-local-registry': [],
    'fp-RS406-mode-max-inside-expression': [('Dockerfile', 5, 'RS302'), ('Dockerfile', 5, 'RS304'), ('Dockerfile', 5, 'RS306')],
    'fp-RS408-heredoc-written-dockerfile': [],
    'fp-RS408-checkout-path': [],
    'fp-RS408-default-git-context': [],
    'fp-RS409-expression-every-branch-valid': [('Dockerfile', 4, 'RS304')],
    'fp-RS410-checkout-v5-v6-node24': [],
    # a SHA the table knows (checkout 7.0.1) with a stale '# v4.5.4' comment (blind batch F)
    'fp-RS410-known-sha-stale-comment': [],
    'fp-RS410-vendored-workflow': [],
    'fp-RS413-script-pushes-with-git': [],
    'fp-RS413-job-pushes-with-git': [],
    'fp-RS416-ecr-login-action': [('.github/workflows/build-pr-image.yml', 19, 'RS410'), ('.github/workflows/build-pr-image.yml', 55, 'RS410'), ('deploy/build/Dockerfile.pr', 1, 'RS304'), ('deploy/build/Dockerfile.pr', 1, 'RS306')],
    'fp-RS416-job-local-registry': [],
    'fp-RS418-workflows-on-different-branches': [('Dockerfile', 3, 'RS304')],
    'fp-RS421-buildkit-before-attestations': [('tools/templates/ockam.dockerfile', 16, 'RS304')],
    'fp-RS424-provenance-attested-by-action': [],
    'fp-RS4xx-nested-workflow-never-runs': [],
    # rancher/turtles signs the digest its script wrote to $GITHUB_ENV (RS422's tracer, issue #25)
    'fp-RS422-digest-through-github-env': [],
    'fp-RS504-compose-build-context': [],
    'fp-RS504-reincluded-file': [('Dockerfile', 7, 'RS302'), ('Dockerfile', 7, 'RS304'), ('Dockerfile', 7, 'RS306')],
    'fp-RS505-context-without-build-output': [],
    'fp-RS505-dockerfile-reads-no-context': [('.github/workflows/release-image.yml', 25, 'RS402'), ('Dockerfile', 16, 'RS306'), ('Dockerfile', 20, 'RS304')],
    'fp-RS505-no-context-copy': [],
    'fp-RS602-RS603-subdir-context': [],
    'fp-RS505-named-copies': [('Dockerfile', 17, 'RS304'), ('Dockerfile', 17, 'RS306')],
    'fp-RS501-case-tunes-one-platform': [('.github/workflows/docker.yml', 3, 'RS412'), ('.github/workflows/docker.yml', 19, 'RS413'), ('.github/workflows/docker.yml', 28, 'RS410'), ('.github/workflows/docker.yml', 58, 'RS406'), ('ci/Dockerfile', 1, 'RS209'), ('ci/Dockerfile', 19, 'RS306')],
    'fp-RS603-git-needed-by-build': [('Dockerfile', 6, 'RS302'), ('Dockerfile', 6, 'RS304'), ('Dockerfile', 6, 'RS306')],
    'fp-RS604-RS603-prebuilt-binaries': [('Dockerfile', 10, 'RS304')],
    'fp-RS604-build-script-git-from-env': [('Dockerfile', 10, 'RS304')],
    # pathfinder: the build-arg the workflow passes skips vergen; hermes: git after a probe
    'fp-RS604-build-arg-skips-vergen': [('.github/workflows/docker.yml', 6, 'RS412'), ('.github/workflows/docker.yml', 26, 'RS410'), ('.github/workflows/docker.yml', 30, 'RS410'), ('.github/workflows/docker.yml', 30, 'RS413'), ('.github/workflows/docker.yml', 40, 'RS410'), ('.github/workflows/docker.yml', 46, 'RS410'), ('.github/workflows/docker.yml', 52, 'RS410'), ('.github/workflows/docker.yml', 61, 'RS410')],
    'fp-RS604-build-script-probes-git': [('ci/release/hermes.Dockerfile', 48, 'RS304')],
    'fp-RS604-test-module-attributes': [('Dockerfile', 8, 'RS304')],
    'fp-RS604-tolerant-git-and-named-folders': [],
    'miss-RS102-cook-behind-a-switch': [('docker/full.Dockerfile', 21, 'RS102'), ('docker/full.Dockerfile', 32, 'RS304')],
    'miss-RS110-cook-into-cache-mount': [('Dockerfile', 1, 'RS505'), ('Dockerfile', 12, 'RS110'), ('Dockerfile', 23, 'RS304')],
    # hermes: `platforms: ${{ matrix.platform.id }}`, a property of a matrix value
    'miss-RS209-matrix-object-platform': [('.github/workflows/docker.yml', 5, 'RS412'), ('.github/workflows/docker.yml', 27, 'RS410'), ('.github/workflows/docker.yml', 27, 'RS413'), ('.github/workflows/docker.yml', 31, 'RS410'), ('.github/workflows/docker.yml', 40, 'RS410'), ('.github/workflows/docker.yml', 44, 'RS410'), ('.github/workflows/docker.yml', 47, 'RS410'), ('.github/workflows/docker.yml', 54, 'RS410'), ('.github/workflows/docker.yml', 62, 'RS407'), ('ci/release/hermes.Dockerfile', 6, 'RS209'), ('ci/release/hermes.Dockerfile', 48, 'RS304')],
    # trustify: a job calls a reusable workflow at @main (with secrets: inherit)
    'miss-RS414-reusable-workflow-on-a-branch': [('.github/workflows/backport.yaml', 35, 'RS414')],
    'miss-RS214-add-url-without-checksum': [('docker/Dockerfile', 4, 'RS214'), ('docker/Dockerfile', 18, 'RS304')],
    'miss-RS215-tilde-in-env-path': [('Dockerfile', 4, 'RS215')],
    'miss-RS301-binary-in-compiler-image': [('Dockerfile', 1, 'RS505'), ('Dockerfile', 7, 'RS301')],
    'miss-RS306-bake-targets-published-by-composite-action': [('rust/Dockerfile', 10, 'RS306'), ('rust/Dockerfile', 12, 'RS304'), ('rust/Dockerfile', 14, 'RS306'), ('rust/Dockerfile', 16, 'RS304')],
    # Supply-chain traps (issue #25): merging attested images with `docker manifest create`
    # (RS408: the fixture leaves the Dockerfile out) and provenance turned off on a push.
    # trustify: a Containerfile built by buildah in a composite action (RS304: the workspace is
    # not in the fixture, so trustd's actix server is not seen)
    'miss-RS306-containerfile-built-by-buildah': [('.github/scripts/Containerfile', 33, 'RS306'), ('.github/scripts/Containerfile', 43, 'RS304')],
    'miss-RS306-published-prebuilt-binary-image': [('Dockerfile.cross', 4, 'RS304'), ('Dockerfile.cross', 4, 'RS306')],
    'miss-RS308-ubuntu-runtime-digest-pinned-builder': [('Dockerfile', 13, 'RS308'), ('Dockerfile', 23, 'RS304')],
    'miss-RS420-RS421-manifest-create-of-attested-images': [('.github/workflows/publish.yml', 29, 'RS408'), ('.github/workflows/publish.yml', 45, 'RS420'), ('.github/workflows/publish.yml', 45, 'RS421')],
    # A signature of a tag the script assigned (argo-workflows), an attestation on pull requests.
    'miss-RS422-composite-action-output-tag': [('.github/workflows/release.yml', 17, 'RS437'), ('.github/workflows/release.yml', 28, 'RS437'), ('.github/workflows/release.yml', 47, 'RS422')],
    'miss-RS422-sign-tag-after-manifest-push': [('.github/workflows/release.yaml', 32, 'RS422')],
    'miss-RS422-sign-tag-of-merged-index': [('.github/workflows/release-v2.yaml', 25, 'RS414'), ('.github/workflows/release-v2.yaml', 51, 'RS422')],
    'miss-RS425-attest-on-pull-requests': [('.github/workflows/build-attested-binaries.yml', 31, 'RS425')],
    'miss-RS423-workflow-wide-id-token': [('.github/workflows/publish-paradedb-docker.yml', 13, 'RS423')],
    'miss-RS424-provenance-off-on-push-by-digest': [('.github/workflows/docker-publish.yml', 42, 'RS408'), ('.github/workflows/docker-publish.yml', 53, 'RS424')],
    'miss-RS306-wolfi-base-installs-as-root': [('Dockerfile', 12, 'RS306'), ('Dockerfile', 15, 'RS304')],
    'miss-RS307-computed-triple-folder': [('Dockerfile', 1, 'RS505'), ('Dockerfile', 21, 'RS307'), ('Dockerfile', 24, 'RS306'), ('Dockerfile', 26, 'RS304')],
    'miss-RS308-unnamed-release-builder': [('Dockerfile', 1, 'RS505'), ('Dockerfile', 6, 'RS306'), ('Dockerfile', 6, 'RS308'), ('Dockerfile', 8, 'RS304')],
    'miss-RS410-composite-action': [('.github/actions/docker/action.yml', 17, 'RS410'), ('.github/actions/docker/action.yml', 20, 'RS410'), ('.github/actions/docker/action.yml', 23, 'RS410'), ('.github/actions/docker/action.yml', 31, 'RS410'), ('.github/actions/docker/action.yml', 36, 'RS410'), ('.github/actions/docker/action.yml', 39, 'RS405'), ('.github/workflows/docker.yml', 18, 'RS413')],
    'miss-RS410-configure-aws-credentials-v1': [('.github/workflows/main.yml', 13, 'RS410')],
    'miss-RS430-release-without-types': [('.github/workflows/release-image.yml', 3, 'RS412'), ('.github/workflows/release-image.yml', 3, 'RS430'), ('.github/workflows/release-image.yml', 10, 'RS410'), ('.github/workflows/release-image.yml', 13, 'RS410'), ('.github/workflows/release-image.yml', 20, 'RS402'), ('.github/workflows/release-image.yml', 20, 'RS410'), ('Dockerfile', 16, 'RS306'), ('Dockerfile', 20, 'RS304')],
    'miss-RS431-paths-only-negated': [('.github/workflows/build-and-push.yaml', 4, 'RS431'), ('.github/workflows/build-and-push.yaml', 26, 'RS410'), ('.github/workflows/build-and-push.yaml', 26, 'RS413'), ('.github/workflows/build-and-push.yaml', 29, 'RS410'), ('.github/workflows/build-and-push.yaml', 32, 'RS410'), ('.github/workflows/build-and-push.yaml', 36, 'RS410'), ('.github/workflows/build-and-push.yaml', 48, 'RS410'), ('.github/workflows/build-and-push.yaml', 55, 'RS410'), ('.github/workflows/build-and-push.yaml', 59, 'RS424'), ('Dockerfile', 3, 'RS304')],
    'miss-RS436-workflow-run-without-conclusion': [('.github/workflows/main-docker.yml', 15, 'RS436')],
    'miss-RS437-RS438-retired-runner-and-shell-variable': [('.github/workflows/ockam-healthcheck.yml', 20, 'RS437'), ('.github/workflows/ockam-healthcheck.yml', 34, 'RS438')],
    'miss-RS439-runtime-release-past-support': [('docker/Dockerfile', 15, 'RS439')],
    'miss-action-pinned-to-branch': [('.github/workflows/docker.yml', 9, 'RS414'), ('.github/workflows/docker.yml', 10, 'RS414')],
    'miss-chef-image-latest': [('Dockerfile', 1, 'RS108'), ('Dockerfile', 11, 'RS302'), ('Dockerfile', 11, 'RS304'), ('Dockerfile', 11, 'RS306'), ('Dockerfile', 11, 'RS308')],
    'miss-compile-under-qemu': [('Dockerfile', 1, 'RS209'), ('Dockerfile', 7, 'RS304')],
    'miss-platform-arg-default': [('Dockerfile', 2, 'RS210')],
    'miss-user-id-zero-default': [('Dockerfile', 5, 'RS302'), ('Dockerfile', 9, 'RS306')],
}
# false alarms the field test found that are still reported (docs/field-test.md, "open")
STILL_OPEN: dict[str, str] = {}


def lint(root: Path):
    result = engine.lint_paths(discover.walk(root), root, LintConfig(hadolint=False))
    return result.findings


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_field_fixture(name, tmp_path):
    root = tmp_path / name
    shutil.copytree(FIELD / name, root, symlinks=True)
    if name == "crash-symlink-loop":  # committed as a self-referencing symlink upstream
        link = root / "tests/fixtures/symlink/unknown.md"
        link.parent.mkdir(parents=True, exist_ok=True)  # git keeps no empty folder
        os.symlink("unknown.md", link)
    # by place and rule (findings sort by column too: a narrower span must not reorder these)
    found = sorted((f.path, f.line, f.rule) for f in lint(root)
                   if f.rule.startswith("RS") and f.severity >= Severity.WARNING)
    assert found == sorted(EXPECTED[name])
    rules = {rule for _path, _line, rule in found}
    if name.startswith("fp-"):
        named = set(name.split("-")[1:3]) & {r for r in name.split("-") if r.startswith("RS")}
        assert not (named - {STILL_OPEN.get(name)}) & rules, "a fixed false alarm is back"
    if name.startswith("miss-"):
        assert rules - {"RS302", "RS304"}, "the missed finding must be reported"
