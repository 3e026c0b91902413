"""A RUN instruction's shell script, laid out so that a script row maps back to a file line.

Split from :mod:`rsdock.lint.model.dockerfile`, whose :meth:`Dockerfile.script` reads each RUN's
script through :func:`read_script` once: exec form (``["sh", "-c", ...]``), a heredoc body run
as the script, or shell form with the keyword and flags blanked so rows and columns match.
"""

from __future__ import annotations

import re
import shlex
from typing import TYPE_CHECKING

from rsdock.records import record

if TYPE_CHECKING:  # dockerfile imports this module: the type is for annotations only
    from rsdock.lint.model.dockerfile import Instruction

_SHELLS = {"sh", "bash", "/bin/sh", "/bin/bash", "/usr/bin/bash", "dash", "/bin/dash"}


@record
class Script:
    """A RUN instruction's shell script, placed so its row ``n`` is file line ``first_line + n``.

    Attributes:
        text: the script; for shell form it is the raw lines with the keyword and flags blanked,
            so rows and columns match the file.
        first_line: the file line of row 0.
        form: ``shell``, ``heredoc`` or ``exec``.
        argv: the exec-form argument list, else ().
    """

    text: str
    first_line: int
    form: str
    argv: tuple[str, ...] = ()

    def line_of(self, row: int) -> int:
        """The file line of script row ``row`` (0-based)."""
        return self.first_line + row


def read_script(file_lines: list[str], inst: Instruction, escape: str = "\\") -> Script | None:
    """The shell script the RUN ``inst`` executes, or None for any other instruction.

    Args:
        file_lines: the Dockerfile's lines (without line ends).
        inst: the instruction.
        escape: the Dockerfile's line-continuation character.
    """
    if inst.cmd != "RUN":
        return None
    if inst.json:
        argv = tuple(inst.value)
        if len(argv) >= 3 and argv[0] in _SHELLS and argv[1] in ("-c", "-ec", "-exc", "-ce"):
            return Script(argv[2], inst.line, "exec", argv)
        return Script(shlex.join(argv), inst.line, "exec", argv)
    if inst.heredocs:
        head = inst.value[0].split() if inst.value else []
        name, content = inst.heredocs[0]
        # `RUN <<EOT` and `RUN <<EOT bash` run the body as the script; anything else (`cat <<EOF
        # > file`) is a command line whose heredoc is data.
        if head and head[0].lstrip("<-").strip("'\"") == name and (
                len(head) == 1 or head[1] in _SHELLS):
            return Script(content, inst.line + 1, "heredoc")
    lines = file_lines[inst.line - 1: inst.end_line]
    return Script(_blank_prefix(lines, inst, escape), inst.line, "shell")


def _blank_prefix(lines: list[str], inst: Instruction, escape: str) -> str:
    """The RUN's raw lines with ``RUN`` and its flags blanked and comment lines made neutral."""
    text = "\n".join(lines)
    match = re.match(r"\s*RUN\b", text, re.IGNORECASE)
    cursor = match.end() if match else 0
    for flag in inst.flags:
        found = text.find(flag, cursor)
        if found >= 0:
            cursor = found + len(flag)
    text = re.sub(r"[^\n]", " ", text[:cursor]) + text[cursor:]
    out = text.split("\n")
    for index in range(1, len(out)):
        stripped = out[index].strip()
        # BuildKit drops comment and blank lines inside a continuation; a lone `\` keeps the
        # shell's continuation going without shifting any row.
        if out[index - 1].rstrip().endswith(escape) and (stripped.startswith("#") or not stripped):
            out[index] = "\\"
    script = "\n".join(out)
    if escape != "\\":
        script = script.replace(escape + "\n", "\\\n")
    return script
