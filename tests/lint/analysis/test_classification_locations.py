"""A file's name never silences a rule on its own (issue #20).

Every rule's ``Fails:`` example is linted again with its Dockerfile moved to places real
repositories keep production Dockerfiles under names that sound like CI or tooling
(``docker/ci/Dockerfile``, ``Dockerfile.cross``...). Nothing in the example builds or publishes
the image, so the publication model has nothing to say, and the name alone must not turn the
image into a test, CI or toolchain image: where the rule goes silent at such a place, the
image's kind must be what it is as ``Dockerfile`` (a rule may go silent for its own reasons,
such as a workflow naming the old path, but never because the name changed the classification).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rsdock.lint.analysis import images
from rsdock.lint.engine import discover, docs, runner
from rsdock.lint.engine.settings import LintConfig
from rsdock.lint.rules.rule import all_rules

LOCATIONS = ("docker/ci/Dockerfile", "ci/Dockerfile", "Dockerfile.ci", "Dockerfile.cross",
             "docker/cross/Dockerfile", "docker/Dockerfile.dev", "docker/builder/Dockerfile",
             "Dockerfile.test", "build/Dockerfile")
CONFIG = LintConfig(hadolint=False)


def _dockerfile_examples() -> list[tuple[str, str]]:
    """(rule, location) for each rule whose Fails example has one Dockerfile at the root."""
    cases = []
    for rule_id, rule in sorted(all_rules().items()):
        files = docs.example_files(rule, rule.docs().fails)
        if list(files).count("Dockerfile") == 1 and \
                not any(p != "Dockerfile" and discover.kind_of(p) == "dockerfile" for p in files):
            cases += [(rule_id, location) for location in LOCATIONS]
    return cases


def _write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def _kind(root: Path, dockerfile: str) -> images.ImageKind:
    tree = discover.scan(root)
    # every file a target, as when `rsdock lint` runs at the root
    targets = {rel: kind for rel in (runner._relative(Path(p), root) for p in discover.walk(root))
               if (kind := discover.kind_of(rel))}
    texts, _ = runner._read(root, targets, {}, CONFIG, tree)
    ctx, _ = runner._context(root, targets, texts)
    ctx.build_files = runner._build_files(root, tree, {}, CONFIG)
    return images.kind(ctx, ctx.dockerfiles[dockerfile])


@pytest.mark.parametrize(("rule_id", "location"), _dockerfile_examples())
def test_a_name_alone_never_silences_a_rule(rule_id, location, tmp_path):
    rule = all_rules()[rule_id]
    files = docs.example_files(rule, rule.docs().fails)
    at_root = tmp_path / "root"
    _write(at_root, files)
    if not [f for f in runner.lint_paths(discover.walk(at_root), at_root, CONFIG).findings
            if f.rule == rule_id]:
        pytest.skip("the Fails example is checked by test_rule_docs")
    moved = {(location if path == "Dockerfile" else path): text for path, text in files.items()}
    root = tmp_path / "moved"
    _write(root, moved)
    found = [f for f in runner.lint_paths(discover.walk(root), root, CONFIG).findings
             if f.rule == rule_id]
    if found:
        return
    kind, at_start = _kind(root, location), _kind(at_root, "Dockerfile")
    assert kind.kind == at_start.kind, (
        f"{rule_id} is silent on its Fails example at {location}: the image is {kind.kind} "
        f"({kind.reason}) there, {at_start.kind} as Dockerfile")


CANONICAL_RS301 = """\
FROM rust:1.86-bookworm AS builder
WORKDIR /app
COPY . .
RUN cargo build --release

FROM rust:1.86-bookworm
COPY --from=builder /app/target/release/server /usr/local/bin/server
ENTRYPOINT ["/usr/local/bin/server"]
"""


@pytest.mark.parametrize("location", ("Dockerfile",) + LOCATIONS)
def test_a_binary_run_in_a_compiler_image_is_rs301(location, tmp_path):
    # the canonical case: the toolchain classification must not swallow it
    _write(tmp_path, {location: CANONICAL_RS301, "Cargo.toml":
                      '[package]\nname = "server"\nversion = "0.1.0"\nedition = "2021"\n',
                      "src/main.rs": "fn main() {}\n"})
    found = [(f.path, f.line) for f in runner.lint_paths(discover.walk(tmp_path), tmp_path,
                                                         CONFIG).findings if f.rule == "RS301"]
    assert found == [(location, 6)]
