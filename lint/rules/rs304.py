"""RS304: an init process runs as PID 1."""

from __future__ import annotations

import posixpath
import re

from rsdock.lint.analysis import build, dockerfacts as facts, images, signals
from rsdock.lint.model.dockerfile import Dockerfile, Stage
from rsdock.lint.model.findings import Finding, Severity
from rsdock.lint.rules.image_rule import ImageStageRule
from rsdock.lint.rules.rule import Context

_INITS = {"tini", "tini-static", "dumb-init", "catatonit", "docker-init", "init", "s6-svscan",
          "runsvdir", "supervisord"}


class RS304(ImageStageRule):
    r"""Run the program under an init such as ``tini``: ``ENTRYPOINT ["/usr/bin/tini", "--", ...]``.

    PID 1 gets no default signal handlers and must reap zombies. A Rust server that does
    not install a SIGTERM handler ignores ``docker stop`` and is killed after ten seconds.
    Debian's ``tini`` package ships ``/usr/bin/tini`` (and ``tini-static`` for distroless and
    scratch images).

    Only production images are judged. An ENTRYPOINT inherited from a base image that is not a
    plain OS image, one set by docker compose, and an entrypoint script (copied from the
    context) that starts the program under an init or traps SIGTERM and passes it on all pass. A
    script that only ``exec``s the program leaves it PID 1 without an init, like an exec-form
    ENTRYPOINT of the binary: that is still reported.

    Fails:
        FROM debian:bookworm-slim
        COPY server /usr/local/bin/server
        ENTRYPOINT ["/usr/local/bin/server"]

    Passes:
        FROM debian:bookworm-slim
        RUN apt-get update && apt-get install -y --no-install-recommends tini \
            && rm -rf /var/lib/apt/lists/*
        COPY server /usr/local/bin/server
        ENTRYPOINT ["/usr/bin/tini", "--", "/usr/local/bin/server"]
    """

    id = "RS304"
    name = "init-pid1"
    severity = Severity.WARNING
    message = "run under tini: ENTRYPOINT [\"/usr/bin/tini\", \"--\", \"/usr/local/bin/app\"]"

    def check_stage(self, file: Dockerfile, ctx: Context, final: Stage) -> list[Finding]:
        """The findings for one image stage (the last one, or a ``target:``)."""
        if final is None or build.is_build_image(file, final):
            return []  # RS301 already says the final stage is wrong
        if facts.is_artifact_image(final):
            return []  # files to export, nothing runs as PID 1
        entry = [i for s in final.ancestry() for i in s.of("ENTRYPOINT")][-1:]
        command = [i for s in final.ancestry() for i in s.of("CMD")][-1:]
        if not entry and images.opaque_base(final):
            return []  # the base image's own ENTRYPOINT (an init, maybe) wraps the CMD
        if any(b.overrides_entrypoint for b in images.builds_of(ctx, file.path)):
            return []  # docker compose sets the entrypoint or `init: true`
        if images.other_language(file) == "Go" and not _runs_script(final):
            # Go's runtime handles every signal itself; on SIGTERM with no handler it exits
            # (runtime.dieFromSignal falls back to exit(2) when the kernel ignores the signal
            # for PID 1), so a Go program stops on docker stop and spawns no shell children
            return []
        if not entry and not command:
            # `docker run image <program> ...`: the program the image ships is PID 1
            stop = _stop_signal(final)
            shipped = [signals.stop_handling(ctx, name, stop)
                       for name in sorted(images.program_names(final))]
            if shipped and all(h is not None and h.handles and not h.children for h in shipped):
                return []
            return [self.finding(file.path, final.from_.line, message=(
                "the image has no ENTRYPOINT: add ENTRYPOINT [\"/usr/bin/tini\", \"--\", "
                "\"/usr/local/bin/<binary>\"]"))]
        inst = (entry or command)[0]
        words = inst.value if inst.json else tuple(inst.value[0].split()) if inst.value else ()
        program = posixpath.basename(words[0]) if words else ""
        if program in _INITS or program.startswith("tini"):
            return []
        script = images.entrypoint_script(ctx, file)
        if script is not None and images.script_forwards_signals(script):
            return []  # the script starts an init, or traps SIGTERM and forwards it itself
        if script is None and words and images.opaque_base(final) and \
                not _placed_by(final, words[0]):
            return []  # a script of the base image (FROM the project's own published
            # image): what it starts cannot be read here
        shown = words[0] if words else "<binary>"
        if posixpath.basename(shown) in ("sh", "bash", "dash") and "-c" in words:
            # `sh -c "... && exec ./app"`: exec makes ./app PID 1, not the shell
            shown = next(iter(_shell_execs(words)), shown)
        stop = _stop_signal(final)
        handling = self._program_handling(ctx, file, final, words, script, stop)
        if handling is not None and handling.handles and not handling.children:
            return []  # PID 1 is the program, which handles the stop signal and starts no child
        if handling is not None and handling.handles:
            return [self.finding(file.path, inst.line, span=file.word_span(
                inst.line, shown), message=(
                f"{handling.binary} handles {stop} ({handling.handles}) but starts child "
                f"processes ({handling.children}), and as PID 1 nothing reaps their orphans: "
                f"use {inst.cmd} [\"/usr/bin/tini\", \"--\", \"{shown}\"] and install tini"))]
        return [self.finding(file.path, inst.line, span=file.word_span(inst.line, shown), message=(
            f"{shown} runs as PID 1 with no init, so docker stop's {stop} may be ignored and "
            f"zombies are not reaped: use {inst.cmd} [\"/usr/bin/tini\", \"--\", \"{shown}\"] "
            "and install tini"))]

    def _program_handling(self, ctx: Context, file: Dockerfile, final: Stage,
                          words: tuple[str, ...], script: str | None,
                          stop: str) -> signals.StopHandling | None:
        """What the workspace binary that ends up as PID 1 does with the stop signal: the
        ENTRYPOINT/CMD runs it directly, through ``sh -c "... exec it"``, or through an
        entrypoint script that ``exec``s it (or ``"$@"``, the CMD). None when no workspace
        binary is PID 1 (a shell that runs it as a child forwards nothing)."""
        chain = final.ancestry()
        command = [i for s in chain for i in s.of("CMD")][-1:]
        cmd_words = [] if not command else list(command[0].value) if command[0].json else \
            command[0].value[0].split() if command[0].value else []
        program = posixpath.basename(words[0]) if words else ""
        candidates: list[str] = []
        if program in ("sh", "bash", "dash") and "-c" in words:
            candidates = _shell_execs(words)
        elif script is not None:
            execs = re.findall(r"(?m)^\s*exec\s+(.+)$", script)
            for line in execs:
                if '"$@"' in line or "$@" in line or "${@}" in line:
                    candidates += [str(w) for w in cmd_words]
                candidates += line.split()
        else:
            candidates = [words[0]] if words else []
        # the cargo workspaces the image is built from: beside the Dockerfile, or its contexts'
        workspaces = [ctx.workspace_for(file.path)] + [
            ctx.workspace_for(posixpath.join(b.context or ".", "Dockerfile"))
            for b in images.builds_of(ctx, file.path)]
        for word in candidates:
            name = posixpath.basename(word.strip("\"'"))
            # the binary's names before a RUN renamed it (`mv .../router .../router-75`)
            for known in [name, *images.original_names(file, final, name)] if name else []:
                found = signals.stop_handling(ctx, known, stop, workspaces)
                if found is not None:
                    return found
        return None


def _shell_execs(words: tuple[str, ...]) -> list[str]:
    """The programs a ``sh -c "..."`` command line ``exec``s."""
    body = " ".join(words[words.index("-c") + 1:])
    return re.findall(r"\bexec\s+(?:\S+=\S+\s+)*([\w./-]+)", body)


def _stop_signal(final: Stage) -> str:
    """The signal ``docker stop`` sends: the image's last STOPSIGNAL, else SIGTERM."""
    found = [i for s in final.ancestry() for i in s.of("STOPSIGNAL")][-1:]
    if found and found[0].value and "$" not in found[0].value[0]:
        value = found[0].value[0].strip().upper()
        return value if value.startswith("SIG") or value.isdigit() else "SIG" + value
    return "SIGTERM"


def _placed_by(final: Stage, program: str) -> bool:
    """Whether the image's own Dockerfile puts ``program`` in the image (a COPY or ADD
    naming it, or a RUN that mentions it), rather than its base image."""
    name = posixpath.basename(program)
    if not name.endswith((".sh", ".bash")):
        return True  # a binary: judged as before
    for stage in final.ancestry():
        for copy in stage.copies():
            if name in {posixpath.basename(p.rstrip("/")) for p in (*copy.sources, copy.dest)}:
                return True
        if any(name in inst.original for inst in stage.runs()):
            return True
    return False


def _runs_script(final: Stage) -> bool:
    """Whether the image's command starts a shell script or a shell (which, unlike the
    program, ignores SIGTERM as PID 1)."""
    inst = ([i for s in final.ancestry() for i in s.of("ENTRYPOINT")][-1:] or
            [i for s in final.ancestry() for i in s.of("CMD")][-1:])
    if not inst or not inst[0].value:
        return False
    words = inst[0].value if inst[0].json else tuple(inst[0].value[0].split())
    first = posixpath.basename(words[0]) if words else ""
    return not inst[0].json or first in ("sh", "bash", "dash") or first.endswith(".sh")
