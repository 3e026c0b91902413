"""RS101: cargo chef cook must run before the source is copied."""

from __future__ import annotations

from typing import Iterable

from rsdock.lint.analysis import build, dockerfacts as facts
from rsdock.lint.model.dockerfile import Dockerfile
from rsdock.lint.model.findings import Finding, Related, Severity
from rsdock.lint.rules.rule import Context, DockerfileRule


class RS101(DockerfileRule):
    """Run ``cargo chef cook`` before ``COPY . .``.

    The cooked dependency layer is only reused while nothing before it changes. Copying the
    whole source first means every source edit rebuilds every dependency, which is what
    cargo-chef exists to avoid.

    Fails:
        FROM lukemathwalker/cargo-chef:latest-rust-1.95 AS chef
        WORKDIR /app

        FROM chef AS planner
        COPY . .
        RUN cargo chef prepare --recipe-path recipe.json

        FROM chef AS builder
        COPY --from=planner /app/recipe.json recipe.json
        COPY . .
        RUN cargo chef cook --release --recipe-path recipe.json
        RUN cargo build --release

    Passes:
        FROM lukemathwalker/cargo-chef:latest-rust-1.95 AS chef
        WORKDIR /app

        FROM chef AS planner
        COPY . .
        RUN cargo chef prepare --recipe-path recipe.json

        FROM chef AS builder
        COPY --from=planner /app/recipe.json recipe.json
        RUN cargo chef cook --release --recipe-path recipe.json
        COPY . .
        RUN cargo build --release
    """

    id = "RS101"
    name = "cook-before-copy"
    severity = Severity.ERROR
    message = "move `COPY . .` after `cargo chef cook`: copy only recipe.json before cooking"

    def check(self, file: Dockerfile, ctx: Context) -> Iterable[Finding]:
        found = []
        for stage in file.stages:
            cooks = [c for c in build.stage_calls(file, stage, None) if c.action == "cook"]
            if not cooks:
                continue
            first_cook = min(c.line for c in cooks)
            for ancestor in stage.ancestry():
                for copy in ancestor.copies():
                    if facts.copies_everything(copy) and copy.instruction.line < first_cook:
                        found.append(self.finding(
                            file.path, copy.instruction.line, message=(
                                f"`{copy.instruction.original}` comes before `cargo chef cook`, "
                                "so any source change rebuilds every dependency: copy only "
                                "recipe.json before cook and the source after it"),
                            related=[Related(file.path, first_cook, "cargo chef cook runs here")]))
        return list(facts.unique(found))
