"""RS207: the linker is configured where cargo runs."""

from __future__ import annotations

import re
from typing import Iterable

from rsdock.lint.analysis import build, dockerfacts as facts
from rsdock.lint.knowledge import platforms
from rsdock.lint.model.dockerfile import Dockerfile, Stage
from rsdock.lint.model.findings import Finding, Related, Severity
from rsdock.lint.rules.rule import Context, DockerfileRule


class RS207(DockerfileRule):
    r"""Configure the cross linker in the environment of the ``cargo`` that needs it.

    Cargo links with ``cc`` unless ``CARGO_TARGET_<TRIPLE>_LINKER`` (or ``RUSTFLAGS=-C
    linker=``, or ``[target.<triple>] linker`` in ``.cargo/config.toml``) says otherwise, and
    ``cc`` cannot link for another architecture. Each RUN starts a fresh shell: an ``export`` in
    one RUN is gone in the next. Set it with ``ENV``, inline (``VAR=... cargo build``), in the
    same RUN, or in ``.cargo/config.toml``; ``cross``, ``xx-cargo`` and ``cargo zigbuild`` need
    none of that. A name a letter or two off (``..._LINUX_GNU_LINKR``) is ignored by cargo just
    the same: it is reported where it is spelt, its ``ENV`` line or, when a script writes the
    settings (``printf 'export %s=%s\n' "$linker_var" "$linker" > env``), the assignment of the
    shell variable that holds the name, with the name cargo reads.

    Fails:
        FROM --platform=$BUILDPLATFORM rust:1.95 AS builder
        RUN apt-get update && apt-get install -y gcc-aarch64-linux-gnu libc6-dev-arm64-cross
        RUN rustup target add aarch64-unknown-linux-gnu
        RUN export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
        WORKDIR /app
        COPY . .
        RUN cargo build --release --target aarch64-unknown-linux-gnu

    Passes:
        FROM --platform=$BUILDPLATFORM rust:1.95 AS builder
        RUN apt-get update && apt-get install -y gcc-aarch64-linux-gnu libc6-dev-arm64-cross
        RUN rustup target add aarch64-unknown-linux-gnu
        ENV CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
        WORKDIR /app
        COPY . .
        RUN cargo build --release --target aarch64-unknown-linux-gnu
    """

    id = "RS207"
    name = "linker-where-cargo-runs"
    severity = Severity.ERROR
    message = "set CARGO_TARGET_<TRIPLE>_LINKER with ENV or in the RUN that runs cargo"

    def check(self, file: Dockerfile, ctx: Context) -> Iterable[Finding]:
        found = []
        linkers = build.workspace_linkers(ctx)
        for stage in file.stages:
            for platform in build.platforms_of(file, stage):
                for call in build.stage_calls(file, stage, platform):
                    triple = call.resolved_target
                    if not call.builds_project or triple is None or \
                            facts.is_native(triple, build.host_platform(stage, platform)) \
                            or call.command.opaque:
                        continue
                    if platforms.by_triple(triple) is None:
                        continue  # wasm32 and other non-Linux targets link with rust-lld
                    if call.linker_source(linkers):
                        continue
                    var = platforms.linker_env_var(triple)
                    linker = platforms.linker_for_triple(triple) or "<cross gcc>"
                    typo = _misspelt(call.command.env, var)
                    if typo is not None:
                        at = _where_named(file, stage, platform, call, typo)
                        found.append(self.finding(file.path, at or call.line, span=file.word_span(
                            at or call.line, typo), message=(
                            f"{typo} is not a variable cargo reads: the linker for {triple} is "
                            f"{var}, so cargo links with cc and fails: "
                            f"rename {typo} to {var}"),
                            related=[Related(file.path, call.line, "cargo links here")]))
                        continue
                    lost = self._exported_earlier(file, stage, platform, call, var)
                    related = []
                    if lost:
                        text = (f"{var} is exported in an earlier RUN, but every RUN "
                                f"starts a new shell, so cargo links "
                                f"{call.target} with cc: use `ENV {var}={linker}` or export it "
                                "in this RUN")
                        related = [Related(file.path, lost, f"{var} is exported here")]
                    else:
                        text = (f"nothing sets the linker for {call.target} where cargo runs, so "
                                f"it links with cc and fails: add `ENV {var}={linker}`, or "
                                "set it inline or in .cargo/config.toml")
                    found.append(self.finding(file.path, call.line, message=text,
                                              span=call.span(file),
                                              related=related))
        return facts.merge_by_line(found)

    @staticmethod
    def _exported_earlier(file: Dockerfile, stage: Stage, platform: str | None,
                          call: build.CargoCall, var: str) -> int | None:
        for ancestor in stage.ancestry():
            for result in build.simulate_stage(file, ancestor, platform).runs:
                if result.instruction is call.instruction:
                    continue
                if result.instruction.line < call.line and any(
                        var in o.exported and var in o.variables for o in result.outcomes):
                    return result.instruction.line
        return None


def _misspelt(env: dict[str, str], var: str) -> str | None:
    """A variable of cargo's environment that is ``var`` mistyped (at most two letters off,
    or in the wrong case): cargo ignores it, so its linker never reaches the build."""
    for name in sorted(env):
        if name == var or not name.upper().startswith("CARGO_TARGET_") or \
                _distance(name.upper(), var, limit=2) > 2:
            continue
        if name != name.upper() or not _OTHER_TRIPLE_RE.match(name):
            return name
    return None


# The linker variable of another Linux triple, well spelt (i586 beside i686, arm beside
# armv7): a build for several targets sets several; not a typo of this one.
_OTHER_TRIPLE_RE = re.compile(r"^CARGO_TARGET_[A-Z0-9_]+_UNKNOWN_LINUX_(GNU|MUSL)[A-Z0-9]*_LINKER$")


def _distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance of ``a`` and ``b``, or ``limit + 1`` once it is larger."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    row = list(range(len(b) + 1))
    for i, char in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, other in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (char != other))
        if min(row) > limit:
            return limit + 1
    return row[-1]


def _where_named(file: Dockerfile, stage: Stage, platform: str | None, call: build.CargoCall,
                 name: str) -> int | None:
    """The line that spells ``name`` before cargo runs: the assignment of a shell variable
    whose value is it (``linker_var=NAME`` behind ``printf 'export %s=%s' "$linker_var" ...
    > env``), its own assignment, or else the first instruction line that writes it (ENV)."""
    runs = [r for ancestor in reversed(stage.ancestry())
            for r in build.simulate_stage(file, ancestor, platform).runs
            if r.instruction.line <= call.line]
    for result in reversed(runs):
        for outcome in result.outcomes:
            for variable, value in outcome.variables.items():
                if value == name and variable in outcome.assigned_at:
                    return outcome.assigned_at[variable]
            if name in outcome.assigned_at:
                return outcome.assigned_at[name]
    lines = file.text.splitlines()
    for ancestor in reversed(stage.ancestry()):
        for inst in ancestor.instructions:
            for number in range(inst.line, min(inst.end_line, call.line) + 1):
                if name in lines[number - 1] and not lines[number - 1].lstrip().startswith("#"):
                    return number
    return None
