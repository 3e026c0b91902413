"""RS303: the container command is in exec form."""

from __future__ import annotations

from rsdock.lint.analysis import dockerfacts as facts
from rsdock.lint.model.dockerfile import Dockerfile, Stage
from rsdock.lint.model.findings import Finding, Severity
from rsdock.lint.rules.image_rule import ImageStageRule
from rsdock.lint.rules.rule import Context


class RS303(ImageStageRule):
    """Write ``ENTRYPOINT`` (and ``CMD``) in exec form: ``["/usr/bin/tini", "--", "/app"]``.

    In shell form Docker runs ``/bin/sh -c "..."``: the shell is PID 1, ``docker stop``'s
    SIGTERM never reaches the program, and it is killed after the timeout. Images without a
    shell (distroless, scratch) cannot run it at all. After an exec-form ``ENTRYPOINT``, a
    shell-form ``CMD`` is no better: Docker appends ``/bin/sh -c "..."`` to the entrypoint as its
    arguments, so the program is handed ``/bin/sh`` instead of its options.

    Fails:
        FROM debian:bookworm-slim
        COPY server /usr/local/bin/server
        ENTRYPOINT /usr/local/bin/server

    Passes:
        FROM debian:bookworm-slim
        COPY server /usr/local/bin/server
        ENTRYPOINT ["/usr/local/bin/server"]
    """

    id = "RS303"
    name = "exec-form"
    severity = Severity.WARNING
    message = "use the JSON (exec) form: ENTRYPOINT [\"/usr/bin/tini\", \"--\", \"/usr/local/bin/app\"]"

    def check_stage(self, file: Dockerfile, ctx: Context, final: Stage) -> list[Finding]:
        """The findings for one image stage (the last one, or a ``target:``)."""
        if final is None:
            return []
        found = []
        entry = final.of("ENTRYPOINT")
        last = [entry[-1]] if entry else final.of("CMD")[-1:]
        for inst in last:
            if not inst.json and inst.value and inst.value[0]:
                found.append(self.finding(file.path, inst.line, span=file.word_span(
                    inst.line, inst.value[0].split()[0], to_end=True), message=(
                    f"{inst.cmd} in shell form runs under /bin/sh, which does not forward "
                    f"signals: write it as {inst.cmd} [\"/usr/bin/tini\", \"--\", "
                    f"\"{inst.value[0].split()[0]}\"]")))
        command = final.of("CMD")[-1:]
        if entry and entry[-1].json and command and not command[0].json and \
                command[0].value and command[0].value[0]:
            words = command[0].value[0].split()
            shown = ", ".join(f'"{w}"' for w in words)
            found.append(self.finding(file.path, command[0].line, span=file.word_span(
                command[0].line, words[0], to_end=True), message=(
                "CMD in shell form after an exec-form ENTRYPOINT reaches it as "
                f"`/bin/sh -c \"{command[0].value[0]}\"`: write CMD [{shown}]")))
        return list(facts.unique(found))
