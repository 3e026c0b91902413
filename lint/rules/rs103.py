"""RS103: the stage that runs cargo chef prepare must have the source to plan from."""

from __future__ import annotations

from typing import Iterable

from rsdock.lint.analysis import build, dockerfacts as facts
from rsdock.lint.model.dockerfile import Dockerfile
from rsdock.lint.model.findings import Finding, Severity
from rsdock.lint.rules.rule import Context, DockerfileRule


class RS103(DockerfileRule):
    """Copy the source into the planner stage before ``cargo chef prepare``.

    ``cargo chef prepare`` reads every ``Cargo.toml`` and ``Cargo.lock`` to write recipe.json;
    without the source the recipe is empty (or prepare fails) and cook caches nothing.

    Fails:
        FROM lukemathwalker/cargo-chef:latest-rust-1.95 AS chef
        WORKDIR /app

        FROM chef AS planner
        RUN cargo chef prepare --recipe-path recipe.json

    Passes:
        FROM lukemathwalker/cargo-chef:latest-rust-1.95 AS chef
        WORKDIR /app

        FROM chef AS planner
        COPY . .
        RUN cargo chef prepare --recipe-path recipe.json
    """

    id = "RS103"
    name = "planner-copies-source"
    severity = Severity.ERROR
    message = "add `COPY . .` before `cargo chef prepare` so the planner sees the workspace"

    def check(self, file: Dockerfile, ctx: Context) -> Iterable[Finding]:
        found = []
        for stage in file.stages:
            for call in build.stage_calls(file, stage, None):
                if call.action != "prepare":
                    continue
                copied = [c for s in stage.ancestry() for c in s.copies()
                          if c.instruction.line < call.line and (
                              facts.is_context_copy(c) or c.source_stage is not None)]
                if not copied:
                    found.append(self.finding(file.path, call.line, span=call.span(file), message=(
                        f"`cargo chef prepare` in stage {stage.label} runs without the source: "
                        "add `COPY . .` before it so the recipe lists the workspace's "
                        "dependencies")))
        return list(facts.unique(found))
