"""RS307: a RUN copies the binary from the folder the cargo build wrote."""

from __future__ import annotations

from typing import Iterable

import re

from rsdock.lint.analysis import build, dockerfacts as facts
from rsdock.lint.model.dockerfile import Dockerfile
from rsdock.lint.model.findings import Finding, Severity
from rsdock.lint.rules.rule import Context, DockerfileRule

_TRIPLE_RE = re.compile(r"^[a-z0-9_]+(?:-[a-z0-9_.]+){2,3}$")
_COPIERS = ("cp", "mv", "install", "strip", "ln")


class RS307(DockerfileRule):
    """Copy the binary out of ``target/<triple>/release`` only when the build used ``--target``.

    ``cargo build --release`` writes ``target/release/<bin>``; with ``--target <triple>`` (or
    ``CARGO_BUILD_TARGET``) it writes ``target/<triple>/release/<bin>``. A ``RUN cp`` (``mv``,
    ``install``, ``strip``) from the other folder fails with "No such file or directory" after
    the whole build has run. (RS305 checks the same for ``COPY --from``.)

    Fails:
        FROM rust:1.95 AS builder
        WORKDIR /app
        COPY . .
        RUN cargo build --release
        RUN cp target/x86_64-unknown-linux-gnu/release/app /usr/local/bin/app

    Passes:
        FROM rust:1.95 AS builder
        WORKDIR /app
        COPY . .
        RUN cargo build --release --target x86_64-unknown-linux-gnu
        RUN cp target/x86_64-unknown-linux-gnu/release/app /usr/local/bin/app
    """

    id = "RS307"
    name = "cp-build-output"
    severity = Severity.ERROR
    message = "copy from the folder the build wrote"

    def check(self, file: Dockerfile, ctx: Context) -> Iterable[Finding]:
        found = []
        for stage in file.stages:
            own = {id(i) for i in stage.instructions}
            for platform in build.platforms_of(file, stage):
                last = None
                for inst, command in build.ancestry_commands(file, stage, platform):
                    call = build.parse_cargo(command, inst)
                    if call is not None:
                        if call.builds_project and call.action in ("build", "rustc") \
                                and "target-dir" not in call.options \
                                and "CARGO_TARGET_DIR" not in call.command.env:
                            last = call
                        elif call.builds_project:
                            last = None  # writes elsewhere: nothing to compare against
                        continue
                    argv = command.argv
                    if last is None or id(inst) not in own or not argv or \
                            argv[0] not in _COPIERS:
                        continue
                    message = _mismatch(last, [w for w in argv[1:] if not w.startswith("-")])
                    if message:
                        found.append(self.finding(file.path, command.line, message=(
                            f"{message}: {self.message}")))
        return facts.merge_by_line(found)  # one finding per line, whatever the platforms


def _mismatch(call: build.CargoCall, words: list[str]) -> str:
    """Why a copy source under ``target/`` is not where ``call`` wrote ("" when it is)."""
    for word in words[:-1] if len(words) > 1 else words:
        if "$" in word or "target/" not in word:
            continue
        rest = word.split("target/", 1)[1].split("/")
        if len(rest) < 2:
            continue
        has_triple = bool(_TRIPLE_RE.match(rest[0])) and rest[0] not in ("release", "debug")
        if has_triple and not call.target and rest[1] == call.profile_dir:
            return (f"{word} is not written: cargo at line {call.line} builds without --target, "
                    f"into target/{call.profile_dir}/")
        if not has_triple and call.target_known and rest[0] == call.profile_dir:
            return (f"{word} is not written: cargo at line {call.line} builds with --target "
                    f"{call.target}, into target/{call.target}/{call.profile_dir}/")
    return ""
