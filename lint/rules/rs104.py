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
    come first: they configure the build itself, and so may a script or makefile that a RUN up
    to the cook (in the builder or a stage it is built FROM) sources, executes or hands to
    make (``. ./target.sh``, ``make -f Makefile install-llvm``): it decides how cook runs, or
    installs the toolchain cook needs.

    Where the cooked dependencies live decides what an early copy costs. When cook and the
    build after it (in the stage or one built FROM it) both compile into the same
    ``--mount=type=cache`` over ``target/``, the dependencies are in the builder's cache mount,
    not in the cook layer: a copied file that invalidates the layer re-runs a cook that finds
    them fresh, and where the builder keeps no mount (fresh CI runners, RS110's case) every build
    compiles them whatever the order. Either way, editing the file does not rebuild them, so
    those copies are not reported (a missing planner recipe still is).

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
            if _shared_target_mount(file, stage, cook):
                continue  # the dependencies live in the cache mount, not in the cook layer
            scripts = _scripts_run(file, stage, cook.line)
            for copy in before:
                if not facts.is_context_copy(copy) or facts.copies_everything(copy):
                    continue  # RS101 reports `COPY . .`
                owner = next((a for a in stage.ancestry()
                              if copy.instruction in a.instructions), stage)
                extra = [s for s in copy.sources if not _toolchain_file(s)
                         and _destination(owner, copy, s) not in scripts]
                if extra:
                    found.append(self.finding(file.path, copy.instruction.line, message=(
                        f"`{copy.instruction.original}` copies {', '.join(extra)} before "
                        "`cargo chef cook`, so editing it rebuilds every dependency: copy it "
                        "after cook; recipe.json already holds the manifests"),
                        related=[Related(file.path, cook.line, "cargo chef cook runs here")]))
        return list(facts.unique(found))


def _shared_target_mount(file: Dockerfile, stage: Stage, cook: build.CargoCall) -> bool:
    """Whether ``cook`` compiles into a cache mount over target/ that a later cargo build
    of ``stage``, or of a stage built FROM it, compiles into too."""
    mount = _mounted_at(cook)
    if mount is None:
        return False
    later = [s for s in file.stages if stage in s.ancestry()]
    return any(c.action == "build" and c.builds_project and c.instruction.line > cook.line
               and _mounted_at(c) == mount
               for s in later for c in build.stage_calls(file, s, None))


def _mounted_at(call: build.CargoCall) -> str | None:
    """The absolute folder of the cache mount ``call`` compiles into, or None."""
    mount = build.mount_over_target(call)
    if mount is None:
        return None
    return posixpath.normpath(posixpath.join(call.command.cwd or "/", mount))


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
    """The files that RUNs up to line ``until`` (in the stage or the stages it is built FROM)
    source (``. f``), execute (``sh f``, ``./f``, ``python3 f``) or hand to make (``make -f f``,
    ``make -C dir``, a ``Makefile`` in the working directory), as absolute paths."""
    found = set()
    for inst, command in build.ancestry_commands(file, stage, None):
        if inst in stage.instructions and command.line > until:
            continue
        for path in _files_read(command.argv):
            found.add(posixpath.normpath(posixpath.join(command.cwd, path)))
    return found


_INTERPRETERS = (".", "source", "sh", "bash", "dash", "python", "python3", "perl", "node")
_MAKEFILES = ("GNUmakefile", "makefile", "Makefile")


def _files_read(argv: tuple[str, ...]) -> list[str]:
    """The script or makefile paths one command runs, as written (relative to its cwd)."""
    program = posixpath.basename(argv[0]) if argv else ""
    if program in _INTERPRETERS and len(argv) > 1 and not argv[1].startswith("-"):
        return [argv[1]]
    if program in ("make", "gmake"):
        files, folder = [], "."
        for index, word in enumerate(argv[1:], 1):
            nxt = argv[index + 1] if index + 1 < len(argv) else ""
            if word in ("-f", "--file", "--makefile") and nxt:
                files.append(nxt)
            elif word.startswith(("--file=", "--makefile=")):
                files.append(word.split("=", 1)[1])
            elif word in ("-C", "--directory") and nxt:
                folder = nxt
            elif word.startswith("--directory="):
                folder = word.split("=", 1)[1]
        if files:
            return [posixpath.join(folder, f) for f in files]
        return [posixpath.join(folder, name) for name in _MAKEFILES]
    return [argv[0]] if "/" in argv[0] else []
