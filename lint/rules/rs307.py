"""RS307: a RUN copies the binary from the folder the cargo build wrote."""

from __future__ import annotations

from typing import Iterable

import re

from rsdock.lint.analysis import build, dockerfacts as facts
from rsdock.lint.model.dockerfile import Dockerfile
from rsdock.lint.model.findings import Finding, Related, Severity
from rsdock.lint.model.partial import HOLE, Shape
from rsdock.lint.rules.rule import Context, DockerfileRule

_TRIPLE_RE = re.compile(r"^[a-z0-9_]+(?:-[a-z0-9_.]+){2,3}$")
# A triple whose architecture is computed (``$(uname -m)-unknown-linux-gnu``): the known part
# has the vendor-os(-env) tail of a triple.
_PARTIAL_TRIPLE_RE = re.compile(r"^\x00(?:-[a-z0-9_.]+){2,3}$")
_COPIERS = ("cp", "mv", "install", "strip", "ln")


class RS307(DockerfileRule):
    """Copy the binary out of ``target/<triple>/release`` only when the build used ``--target``.

    ``cargo build --release`` writes ``target/release/<bin>``; with ``--target <triple>`` (or
    ``CARGO_BUILD_TARGET``) it writes ``target/<triple>/release/<bin>``. A ``RUN cp`` (``mv``,
    ``install``, ``strip``) from the other folder fails with "No such file or directory" after
    the whole build has run. (RS305 checks the same for ``COPY --from``.) A computed folder is
    judged by its known part: ``target/$(uname -m)-unknown-linux-gnu/`` is a triple folder
    whatever the architecture; ``target/$TARGET/`` cannot be told.

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
                        sources = [w for w in argv[1:-1] if not w.startswith("-")]
                        found.append(self.finding(file.path, command.line, span=file.word_span(
                            command.line, *sources), message=(
                            f"{message}: {self.message}"), related=[
                                Related(file.path, last.line, "cargo builds here")]))
        return facts.merge_by_line(found)  # one finding per line, whatever the platforms


def _mismatch(call: build.CargoCall, words: list[str]) -> str:
    """Why a copy source under ``target/`` is not where ``call`` wrote ("" when it is).

    A word with an expansion the model could not resolve is read as a :class:`Shape`: its
    folder under ``target/`` is a triple when the known part says so
    (``$(uname -m)-unknown-linux-gnu``), and unknown when nothing is known (``$TARGET``).
    """
    for word in words[:-1] if len(words) > 1 else words:
        marked = Shape.of_shell_word(word).marked() if "$" in word or "`" in word else word
        if "target/" not in marked:
            continue
        rest = marked.split("target/", 1)[1].split("/")
        if len(rest) < 2 or HOLE in rest[1]:
            continue
        has_triple = _is_triple(rest[0])
        if has_triple is None:
            continue
        if has_triple and not call.target and rest[1] == call.profile_dir:
            return (f"{word} is not written: cargo builds without --target, "
                    f"into target/{call.profile_dir}/")
        target = _target_shape(call)
        if not has_triple and target and rest[0] == call.profile_dir:
            return (f"{word} is not written: cargo builds with --target "
                    f"{call.target}, into target/{target}/{call.profile_dir}/")
    return ""


def _is_triple(folder: str) -> bool | None:
    """Whether a folder under ``target/`` is a target triple; None when it cannot be told."""
    if HOLE not in folder:
        return bool(_TRIPLE_RE.match(folder)) and folder not in ("release", "debug")
    return True if _PARTIAL_TRIPLE_RE.match(folder) else None


def _target_shape(call: build.CargoCall) -> str | None:
    """The ``--target`` folder as far as it is known to be a triple (``<…>-unknown-linux-gnu``
    for ``$(uname -m)-unknown-linux-gnu``), or None when it was not given or could be anything."""
    if call.target is None:
        return None
    if call.target_known:
        return call.target
    shape = Shape.of_shell_word(call.target)
    return str(shape) if _PARTIAL_TRIPLE_RE.match(shape.marked()) else None
