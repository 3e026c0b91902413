"""RS108: the cargo-chef image pins its Rust version."""

from __future__ import annotations

from typing import Iterable

from rsdock.lint.analysis import dockerfacts as facts
from rsdock.lint.model.dockerfile import Dockerfile
from rsdock.lint.model.findings import Finding, Severity
from rsdock.lint.rules.rule import Context, DockerfileRule


class RS108(DockerfileRule):
    """Pin the Rust version in the cargo-chef tag: ``:latest-rust-1.95``, not ``:latest-rust-1``.

    ``lukemathwalker/cargo-chef:latest`` and ``:latest-rust-1`` move to each new Rust release:
    the cooked dependency layer is rebuilt whenever the tag moves, a build that passed yesterday
    may fail on a new compiler's lints, and the Rust version stops matching the workspace's
    ``rust-version``. A tag naming the Rust minor (``latest-rust-1.95-bookworm``) or a digest
    (``@sha256:...``) is reproducible enough. (RS105 compares the stages with each other; this
    rule is about the image itself.)

    Fails:
        FROM lukemathwalker/cargo-chef:latest-rust-1 AS chef
        WORKDIR /app

    Passes:
        FROM lukemathwalker/cargo-chef:latest-rust-1.95-bookworm AS chef
        WORKDIR /app
    """

    id = "RS108"
    name = "chef-image-pinned"
    severity = Severity.WARNING
    message = "pin the Rust version in the cargo-chef tag (latest-rust-1.95-bookworm) or a digest"

    def check(self, file: Dockerfile, ctx: Context) -> Iterable[Finding]:
        found = []
        for stage in file.stages:
            image = stage.base
            name = image.split("@")[0].lower()
            if "cargo-chef" not in name.rsplit("/", 1)[-1].split(":")[0] or "@" in image \
                    or "$" in image or stage.parent is not None:
                continue
            if facts.rust_version(image) != "latest":
                continue
            found.append(self.finding(file.path, stage.from_.line, span=file.span(
                stage.from_.line, stage.base_raw), message=(
                f"{image} follows the newest Rust, so the cooked dependencies and the compiler "
                f"change under the build: {self.message}")))
        return found
