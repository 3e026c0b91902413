"""RS106: the stage that cooks the dependencies is the stage that builds."""

from __future__ import annotations

from typing import Iterable

from rsdock.lint.analysis import build, dockerfacts as facts
from rsdock.lint.model.dockerfile import Dockerfile
from rsdock.lint.model.findings import Finding, Related, Severity
from rsdock.lint.rules.rule import Context, DockerfileRule


class RS106(DockerfileRule):
    """Run ``cargo build`` in the stage that ran ``cargo chef cook`` (or one built FROM it).

    The cooked dependencies live in that stage's ``target/`` directory. A build in another
    stage starts from an empty ``target/`` and compiles everything again.

    Fails:
        FROM lukemathwalker/cargo-chef:latest-rust-1.95 AS chef
        WORKDIR /app

        FROM chef AS planner
        COPY . .
        RUN cargo chef prepare --recipe-path recipe.json

        FROM chef AS deps
        COPY --from=planner /app/recipe.json recipe.json
        RUN cargo chef cook --release --recipe-path recipe.json

        FROM chef AS builder
        COPY . .
        RUN cargo build --release

    Passes:
        FROM lukemathwalker/cargo-chef:latest-rust-1.95 AS chef
        WORKDIR /app

        FROM chef AS planner
        COPY . .
        RUN cargo chef prepare --recipe-path recipe.json

        FROM chef AS deps
        COPY --from=planner /app/recipe.json recipe.json
        RUN cargo chef cook --release --recipe-path recipe.json

        FROM deps AS builder
        COPY . .
        RUN cargo build --release
    """

    id = "RS106"
    name = "build-where-cooked"
    severity = Severity.ERROR
    message = "run cargo build in the stage that ran cargo chef cook, or FROM it"

    def check(self, file: Dockerfile, ctx: Context) -> Iterable[Finding]:
        cook_stages = build.stages_running(file, "cook")
        if not cook_stages:
            return []
        found = []
        cook = cook_stages[0]
        cook_line = next((c.line for c in build.stage_calls(file, cook, None)
                          if c.action == "cook"), cook.from_.line)
        for stage in file.stages:
            if any(s in stage.ancestry() for s in cook_stages):
                continue
            for call in build.stage_calls(file, stage, None):
                if call.action == "build":
                    found.append(self.finding(file.path, call.line, span=call.span(file), message=(
                        f"this build in stage {stage.label} cannot use the dependencies cooked "
                        f"in stage {cook_stages[0].label}: build there, or start this stage "
                        f"with `FROM {cook_stages[0].label}`"), related=[
                            Related(file.path, cook_line, f"stage {cook.label} cooks here")]))
        return list(facts.unique(found))
