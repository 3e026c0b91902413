"""RS104: before cargo chef cook, the builder copies only recipe.json from the planner."""

from __future__ import annotations

import posixpath
from typing import Iterable

from rsdock.lint.analysis import build, dockerfacts as facts
from rsdock.lint.model.dockerfile import Copy, Dockerfile, Stage
from rsdock.lint.model.findings import Finding, Related, Severity
from rsdock.lint.rules.rule import Context, DockerfileRule


class RS104(DockerfileRule):
    """Copy only ``recipe.json`` from the planner stage before ``cargo chef cook``.

    The recipe is the cache key of the dependency layer. Copying sources (``src/``,
    ``Cargo.toml``) into the builder before cook makes the layer change whenever they do; a
    recipe that does not come from the planner stage (a stale one from the context, or none)
    cooks the wrong dependencies. Toolchain files (``rust-toolchain.toml``, ``.cargo/``) may
    come first: they configure the build itself, and so may a script that a RUN up to the cook
    sources or executes (``. ./target.sh``): it decides how cook runs.

    Fails:
        FROM lukemathwalker/cargo-chef:latest-rust-1.95 AS chef
        WORKDIR /app

        FROM chef AS planner
        COPY . .
        RUN cargo chef prepare --recipe-path recipe.json

        FROM chef AS builder
        COPY --from=planner /app/recipe.json recipe.json
        COPY Cargo.toml Cargo.lock ./
        RUN cargo chef cook --release --recipe-path recipe.json
        COPY . .
        RUN cargo build --release

    Passes:
        FROM lukemathwalker/cargo-chef:latest-rust-1.95 AS chef
        WORKDIR /app

        FROM chef AS planner
        COPY . .
        RUN cargo chef prepare --recipe-path recipe.json

        FROM chef AS builder
        COPY .cargo .cargo
        COPY --from=planner /app/recipe.json recipe.json
        RUN cargo chef cook --release --recipe-path recipe.json
        COPY . .
        RUN cargo build --release
    """

    id = "RS104"
    name = "recipe-only-before-cook"
    severity = Severity.WARNING
    message = "copy only recipe.json (from the planner stage) before cargo chef cook"

    def check(self, file: Dockerfile, ctx: Context) -> Iterable[Finding]:
        found = []
        planners = {s.label for s in build.stages_running(file, "prepare")}
        for stage in file.stages:
            cooks = [c for c in build.stage_calls(file, stage, None) if c.action == "cook"]
            if not cooks:
                continue
            cook = min(cooks, key=lambda c: c.line)
            recipe = posixpath.basename(cook.recipe or "recipe.json")
            before = [c for s in stage.ancestry() for c in s.copies()
                      if c.instruction.line < cook.line]
            from_planner = [c for c in before if c.source_stage in planners
                            and any(posixpath.basename(src) == recipe for src in c.sources)]
            if planners and not from_planner:
                found.append(self.finding(file.path, cook.line, message=(
                    f"`cargo chef cook` does not use a {recipe} copied from the planner stage: "
                    f"add `COPY --from={sorted(planners)[0]} <workdir>/{recipe} {recipe}` "
                    "before it")))
            scripts = _scripts_run(file, stage, cook.line)
            for copy in before:
                if not facts.is_context_copy(copy) or facts.copies_everything(copy):
                    continue  # RS101 reports `COPY . .`
                extra = [s for s in copy.sources if not _toolchain_file(s)
                         and _destination(stage, copy, s) not in scripts]
                if extra:
                    found.append(self.finding(file.path, copy.instruction.line, message=(
                        f"`{copy.instruction.original}` copies {', '.join(extra)} before "
                        "`cargo chef cook`, so editing it rebuilds every dependency: copy it "
                        "after cook; recipe.json already holds the manifests"),
                        related=[Related(file.path, cook.line, "cargo chef cook runs here")]))
        return list(facts.unique(found))


def _toolchain_file(source: str) -> bool:
    name = posixpath.normpath(source)
    return name in facts.TOOLCHAIN_FILES or name.startswith(".cargo/")


def _destination(stage: Stage, copy: Copy, source: str) -> str:
    """Where ``source`` lands: ``COPY a.sh b/`` puts it at ``<workdir>/b/a.sh``."""
    dest = posixpath.join(facts.workdir(stage, copy.instruction), copy.dest)
    if copy.dest.endswith("/") or len(copy.sources) > 1:
        dest = posixpath.join(dest, posixpath.basename(source.rstrip("/")))
    return posixpath.normpath(dest)


def _scripts_run(file: Dockerfile, stage: Stage, until: int) -> set[str]:
    """The files that RUNs up to line ``until`` source (``. f``) or execute (``sh f``, ``./f``),
    as absolute paths."""
    found = set()
    for inst, command in build.ancestry_commands(file, stage, None):
        if command.line > until or inst not in stage.instructions:
            continue
        argv = command.argv
        if argv[0] in (".", "source", "sh", "bash") and len(argv) > 1:
            path = argv[1]
        elif "/" in argv[0]:
            path = argv[0]
        else:
            continue
        found.add(posixpath.normpath(posixpath.join(facts.workdir(stage, inst), path)))
    return found
