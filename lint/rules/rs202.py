"""RS202: a stage declares the platform ARGs it reads."""

from __future__ import annotations

import re
from typing import Iterable

from rsdock.lint.analysis import dockerfacts as facts
from rsdock.lint.model.dockerfile import AUTOMATIC_ARGS
from rsdock.lint.model.dockerfile import Dockerfile
from rsdock.lint.model.findings import Edit, Finding, Fix, Related, Severity, line_offsets
from rsdock.lint.rules.rule import Context, DockerfileRule
from rsdock.lint.model.shell import parse_script

_READ = re.compile(r"\$\{?(" + "|".join(AUTOMATIC_ARGS) + r")\b")


class RS202(DockerfileRule):
    r"""Declare ``ARG TARGETPLATFORM`` (and the other platform ARGs) in the stage that reads it.

    BuildKit only exposes ``TARGETPLATFORM``, ``TARGETARCH``, ``BUILDPLATFORM`` and friends to
    a stage that declares them with ``ARG``; a global ``ARG`` before the first ``FROM`` does
    not count. Undeclared, ``$TARGETPLATFORM`` is empty, so a ``case`` on it falls through to
    its ``*)`` arm and the build fails (or silently builds for the wrong platform).

    Fails:
        FROM --platform=$BUILDPLATFORM rust:1.95 AS builder
        RUN case "$TARGETPLATFORM" in \
              linux/amd64) rustup target add x86_64-unknown-linux-gnu ;; \
              *) echo "unsupported: $TARGETPLATFORM" >&2; exit 1 ;; \
            esac

    Fixed:
        FROM --platform=$BUILDPLATFORM rust:1.95 AS builder
        ARG TARGETPLATFORM
        RUN case "$TARGETPLATFORM" in \
              linux/amd64) rustup target add x86_64-unknown-linux-gnu ;; \
              *) echo "unsupported: $TARGETPLATFORM" >&2; exit 1 ;; \
            esac

    Passes:
        FROM --platform=$BUILDPLATFORM rust:1.95 AS builder
        ARG TARGETPLATFORM
        RUN case "$TARGETPLATFORM" in \
              linux/amd64) rustup target add x86_64-unknown-linux-gnu ;; \
              *) echo "unsupported: $TARGETPLATFORM" >&2; exit 1 ;; \
            esac
    """

    id = "RS202"
    name = "declare-platform-arg"
    severity = Severity.ERROR
    message = "declare `ARG TARGETPLATFORM` in the stage that reads it"
    fixable = "always"

    def check(self, file: Dockerfile, ctx: Context) -> Iterable[Finding]:
        found = []
        offsets = line_offsets(file.text)
        for stage in file.stages:
            # ARGs of the stages it is built FROM are inherited
            declared: set[str] = stage.declared_args() - stage.declared_args(inherited=False)
            for inst in stage.instructions:
                if inst.cmd == "ARG":
                    declared |= {w.partition("=")[0] for w in inst.value}
                    continue
                script = file.script(inst)
                if script is not None and script.form != "exec":
                    # The shell's own view: comments and '$X' in single quotes are not reads.
                    # A variable's name is spelled in the script: without an automatic ARG's
                    # name there is no tree to walk (4,000 RUNs of a long Dockerfile).
                    names = []
                    if any(name in script.text for name in AUTOMATIC_ARGS):
                        reads = parse_script(script.text, script.first_line).reads()
                        names = [n for n in reads if n in AUTOMATIC_ARGS]
                elif inst.cmd in ("ENV", "WORKDIR", "COPY", "ADD", "LABEL", "USER", "EXPOSE") \
                        and "$" in inst.original:  # _READ matches from a `$`
                    names = list(dict.fromkeys(_READ.findall(inst.original)))
                else:
                    names = []
                for name in names:
                    if name in declared:
                        continue
                    declared.add(name)  # report each ARG once per stage
                    end = stage.from_.end_line
                    at = offsets[end] if end < len(offsets) else len(file.text)
                    prefix = "" if file.text[:at].endswith("\n") else "\n"
                    fix = Fix(f"declare ARG {name} after FROM", (Edit(at, at, f"{prefix}ARG {name}\n"),))
                    found.append(self.finding(file.path, inst.line, span=file.word_span(
                        inst.line, "${" + name, "$" + name), message=(
                        f"${name} is empty here: stage {stage.label} does not declare it; add "
                        f"`ARG {name}` after its FROM"), fix=fix,
                        related=[Related(file.path, stage.from_.line, f"stage {stage.label} starts here")]))
        return list(facts.unique(found))
