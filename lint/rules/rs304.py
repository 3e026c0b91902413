"""RS304: an init process runs as PID 1."""

from __future__ import annotations

import posixpath
from typing import Iterable

from rsdock.lint.analysis import build, dockerfacts as facts, images
from rsdock.lint.model.dockerfile import Dockerfile, Stage
from rsdock.lint.model.findings import Finding, Severity
from rsdock.lint.rules.rule import Context, DockerfileRule

_INITS = {"tini", "tini-static", "dumb-init", "catatonit", "docker-init", "init", "s6-svscan",
          "runsvdir", "supervisord"}


class RS304(DockerfileRule):
    r"""Run the program under an init such as ``tini``: ``ENTRYPOINT ["/usr/bin/tini", "--", ...]``.

    PID 1 gets no default signal handlers and must reap zombies. A Rust server that does
    not install a SIGTERM handler ignores ``docker stop`` and is killed after ten seconds.
    Debian's ``tini`` package ships ``/usr/bin/tini`` (and ``tini-static`` for distroless and
    scratch images).

    Only production images are judged. An ENTRYPOINT inherited from a base image that is not a
    plain OS image, one set by docker compose, and an entrypoint script (copied from the
    context) that starts the program under an init or traps SIGTERM and passes it on all pass. A
    script that only ``exec``\ s the program leaves it PID 1 without an init, like an exec-form
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

    def check(self, file: Dockerfile, ctx: Context) -> Iterable[Finding]:
        if not images.is_production(ctx, file):
            return []  # a devcontainer, toolchain, test or helper image: not a runtime
        return [finding for final in images.image_stages(ctx, file)
                for finding in self._check_stage(file, ctx, final)]

    def _check_stage(self, file: Dockerfile, ctx: Context, final: Stage) -> list[Finding]:
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
        if not entry and not command:
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
        shown = words[0] if words else "<binary>"
        return [self.finding(file.path, inst.line, message=(
            f"{shown} runs as PID 1 with no init, so docker stop's SIGTERM may be ignored and "
            f"zombies are not reaped: use {inst.cmd} [\"/usr/bin/tini\", \"--\", \"{shown}\"] "
            "and install tini"))]
