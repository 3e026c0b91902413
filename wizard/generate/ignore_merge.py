"""The ``.dockerignore`` rsdock writes is shared: its lines and the project's own.

rsdock owns the top of the file; the project's own lines (``.env``, ``node_modules/``, keys)
live in a marked section below it, which regeneration copies verbatim::

    # rsdock:project (...)
    .env
    node_modules/
    # rsdock:end-project

The first time rsdock writes over a ``.dockerignore`` it did not mark (hand-written, or from an
older rsdock), every line of it is the project's except the lines rsdock writes itself; a
secrets-like entry (:data:`SECRET_RE`) is never dropped. After the section, rsdock re-includes
(``!path``) every file the compile reads that a line above would hide (a project line
``docs/`` and an ``include_str!("../docs/api.yaml")``): the build must see what it compiles.
"""

from __future__ import annotations

import re
from pathlib import Path

PROJECT = "# rsdock:project"
PROJECT_NOTE = ("(the lines between these markers are this project's own: rsdock keeps them "
                "when it regenerates the file)")
END_PROJECT = "# rsdock:end-project"
_PROJECT_RE = re.compile(r"^[ \t]*#[ \t]*rsdock[ \t]*:[ \t]*project\b(?!-)")
_END_RE = re.compile(r"^[ \t]*#[ \t]*rsdock[ \t]*:[ \t]*end-project[ \t]*$")
# Entries that keep credentials out of the build context: never dropped by a merge.
SECRET_RE = re.compile(r"(?:^|/)\.env\b|\.pem\b|\.key\b|\.p12\b|\.pfx\b|id_rsa|id_ed25519|"
                       r"id_ecdsa|credentials|secret|\.netrc|\.npmrc|\.pypirc|token", re.I)


def read_project_lines(path: Path) -> tuple[tuple[str, ...], bool]:
    """The project's lines of the ``.dockerignore`` at ``path`` and whether they came from a
    marked section; ``((), False)`` when there is no readable file."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return (), False
    return project_lines(text)


def project_lines(text: str) -> tuple[tuple[str, ...], bool]:
    """The project's own lines of a ``.dockerignore`` text (see the module docstring): the
    marked section's lines, or every line of an unmarked file (filtered later, against what
    rsdock writes, by :func:`merge_lines`)."""
    lines = text.removeprefix("\ufeff").splitlines()
    start = next((i for i, line in enumerate(lines) if _PROJECT_RE.match(line)), None)
    if start is None:
        return _trim(lines), False
    end = next((i for i in range(start + 1, len(lines)) if _END_RE.match(lines[i])), len(lines))
    return _trim(lines[start + 1:end]), True


def merge_lines(own: tuple[str, ...], marked: bool, generated: list[str]) -> list[str]:
    """The project's lines to write in the marked section.

    A marked section is kept verbatim. From an unmarked file, a line rsdock itself writes
    (``target/``, its comments) is dropped unless it is secrets-like; blank runs collapse.
    """
    if marked:
        return list(own)
    ours = {line.strip() for line in generated if line.strip()}
    kept = [line for line in own
            if line.strip() not in ours or SECRET_RE.search(line)
            or _PROJECT_RE.match(line)]
    return list(_trim(kept))


def _trim(lines: list[str]) -> tuple[str, ...]:
    """Without leading and trailing blank lines, and with each blank run made one line."""
    out: list[str] = []
    for line in lines:
        line = line.rstrip("\r")
        if not line.strip() and (not out or not out[-1].strip()):
            continue
        out.append(line)
    while out and not out[-1].strip():
        out.pop()
    return tuple(out)
