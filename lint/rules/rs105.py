"""RS105: chef, planner and builder stages use one Rust version."""

from __future__ import annotations

import posixpath
from typing import Iterable

from rsdock.lint.analysis import build, dockerfacts as facts
from rsdock.lint.model.dockerfile import Dockerfile, Stage
from rsdock.lint.model.findings import Finding, Related, Severity
from rsdock.lint.rules.rule import Context, DockerfileRule


def _minor(version: str) -> tuple[int, ...] | None:
    if version == "latest":
        return None
    return tuple(int(p) for p in version.split(".")[:2])


class RS105(DockerfileRule):
    """Build the recipe, the dependencies and the binary with the same pinned Rust version.

    A floating tag such as cargo-chef's ``latest-rust-1`` moves with every Rust release, so the
    planner (or the cooked dependencies) and the builder end up on different toolchains: the
    cache misses, or the recipe written by one cargo-chef is read by another. Pin the same
    version in every stage that runs cargo, and no older than the workspace's
    ``rust-version``.

    Fails:
        FROM lukemathwalker/cargo-chef:latest-rust-1 AS chef
        WORKDIR /app

        FROM chef AS planner
        COPY . .
        RUN cargo chef prepare --recipe-path recipe.json

        FROM rust:1.86-bookworm AS builder
        RUN cargo install cargo-chef --locked
        WORKDIR /app
        COPY --from=planner /app/recipe.json recipe.json
        RUN cargo chef cook --release --recipe-path recipe.json
        COPY . .
        RUN cargo build --release

    Passes:
        FROM lukemathwalker/cargo-chef:latest-rust-1.86 AS chef
        WORKDIR /app

        FROM chef AS planner
        COPY . .
        RUN cargo chef prepare --recipe-path recipe.json

        FROM rust:1.86-bookworm AS builder
        RUN cargo install cargo-chef --locked
        WORKDIR /app
        COPY --from=planner /app/recipe.json recipe.json
        RUN cargo chef cook --release --recipe-path recipe.json
        COPY . .
        RUN cargo build --release
    """

    id = "RS105"
    name = "one-rust-version"
    severity = Severity.WARNING
    message = "pin the same Rust version in the chef, planner and builder stages"

    def check(self, file: Dockerfile, ctx: Context) -> Iterable[Finding]:
        stages = build.stages_running(file, "prepare", "cook", "build")
        roots: dict[int, tuple[Stage, str]] = {}
        for stage in stages:
            root = stage.ancestry()[-1]
            version = facts.rust_version(root.base)
            if version is not None and not self._installs_toolchain(file, stage):
                roots[root.index] = (root, version)
        found = []
        builders = build.stages_running(file, "build")
        reference = roots.get(builders[-1].ancestry()[-1].index) if builders else None
        if reference:
            ref_root, ref_version = reference
            for root, version in roots.values():
                if root is ref_root or _minor(version) == _minor(ref_version) and version != "latest":
                    continue
                found.append(self.finding(file.path, root.from_.line, span=file.span(
                    root.from_.line, root.base_raw), message=(
                    f"stage {root.label} uses Rust {self._show(version)} but the builder "
                    f"uses {self._show(ref_version)}: pin one "
                    "version in every stage that runs cargo, e.g. "
                    "lukemathwalker/cargo-chef:latest-rust-1.95 and rust:1.95"),
                    related=[Related(file.path, ref_root.from_.line,
                                     f"the builder uses Rust {self._show(ref_version)}")]))
            workspace = ctx.workspace_for(file.path)
            minimum = workspace.rust_version if workspace is not None else None
            ref_minor, min_minor = _minor(ref_version), _minor(minimum) if minimum else None
            if ref_minor and min_minor and ref_minor < min_minor:
                found.append(self.finding(file.path, ref_root.from_.line, span=file.word_span(
                    ref_root.from_.line, ref_root.base_raw), message=(
                    f"the builder's Rust {ref_version} is older than the workspace's "
                    f"rust-version {minimum}: use an image with Rust {minimum} or newer")))
        return list(facts.unique(found))

    @staticmethod
    def _show(version: str) -> str:
        return "from a floating tag" if version == "latest" else version

    @staticmethod
    def _installs_toolchain(file: Dockerfile, stage: Stage) -> bool:
        # A stage that installs its own toolchain does not run the image's Rust; nor does one
        # that copies a rust-toolchain file in: rustup installs the channel it names.
        for ancestor in stage.ancestry():
            for copy in ancestor.copies():
                if any(posixpath.basename(s.rstrip("/")) in ("rust-toolchain.toml",
                                                               "rust-toolchain")
                       for s in copy.sources):
                    return True
        for _inst, command in build.ancestry_commands(file, stage, None):
            if command.argv[:3] == ("rustup", "toolchain", "install") or \
                    command.argv[:2] == ("rustup", "default"):
                return True
        return False
