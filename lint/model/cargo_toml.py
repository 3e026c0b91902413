"""Reading cargo's TOML files with located errors, and cargo's member-glob expansion.

A helper of :mod:`rsdock.lint.model.cargo`; only the standard library (``tomllib``) so that the lint
path stays light.
"""

from __future__ import annotations

import fnmatch
import os
import re
import tomllib
from pathlib import Path
from typing import Any

from rsdock.errors import UserError

# A parsed TOML (or JSON) table: what tomllib returns, checked key by key where it is read.
Table = dict[str, Any]

# Python 3.11's TOMLDecodeError has no lineno attribute; the position is only in the message.
_TOML_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")
_TOML_AT_END = re.compile(r"\s*\(at end of document\)$")
_GLOB_CHARS = re.compile(r"[*?\[]")


class ScanError(UserError):
    """A cargo workspace that cannot be read: located at ``path:line`` where possible."""


def read_toml(path: Path) -> tuple[Table, str]:
    """Read and parse one TOML file.

    Args:
        path: the file, as it should appear in error messages.

    Returns:
        The parsed table and the file's text (kept to locate later errors).

    Raises:
        ScanError: the file cannot be read or is not valid TOML (located at the line tomllib
            reports).
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        why = exc.strerror if isinstance(exc, OSError) else None
        raise ScanError(f"cannot read the file: {why or exc}", path=str(path),
                        hint="check that the file exists, is readable and is UTF-8") from None
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        line = None
        match = _TOML_POSITION.search(message)
        if match:
            line = int(match.group(1))
            message = message[:match.start()] + f" (column {match.group(2)})"
        elif _TOML_AT_END.search(message):
            line = text.count("\n") + (0 if text.endswith("\n") else 1) or 1
            message = _TOML_AT_END.sub(" (at end of file)", message)
        raise ScanError(f"invalid TOML: {message}", path=str(path), line=line,
                        hint="fix the TOML syntax; `cargo metadata` reports the same problem") from None


def line_of(text: str, pattern: str, start_line: int = 1) -> int | None:
    """The 1-based number of the first line at or after ``start_line`` matching a regex.

    Args:
        text: the file's text.
        pattern: a regular expression searched in each line.
        start_line: the first line to look at.

    Returns:
        The line number, or None when no line matches (a value written in an inline table on
        another line, for example): errors then carry the path only.
    """
    regex = re.compile(pattern)
    for number, line in enumerate(text.splitlines(), start=1):
        if number >= start_line and regex.search(line):
            return number
    return None


def line_of_string(text: str, value: str, section: str | None = None) -> int | None:
    """The line where the string literal ``value`` is written, after ``[section]`` if given."""
    quoted = rf"""(["']){re.escape(value)}\1"""
    return line_of(text, quoted, _section_start(text, section))


def line_of_key(text: str, key: str, section: str | None = None) -> int | None:
    """The line assigning ``key`` (``key =``, ``key.sub =``), after ``[section]`` if given."""
    return line_of(text, rf"^\s*{re.escape(key)}\s*[.=]", _section_start(text, section))


def _section_start(text: str, section: str | None) -> int:
    """The line of the ``[section]`` header (1 when there is none, or no section is asked)."""
    if not section:
        return 1
    return line_of(text, rf"^\s*\[\s*{re.escape(section)}\s*\]") or 1


def is_glob(pattern: str) -> bool:
    """Whether a workspace member entry is a glob rather than a plain path."""
    return bool(_GLOB_CHARS.search(pattern))


def expand_glob(root: Path, pattern: str) -> list[Path]:
    """Expand a member glob the way cargo's ``glob`` crate does, keeping directories only.

    Cargo's defaults let ``*`` match names starting with a dot, and files matched by a member
    glob are skipped (checked with cargo 1.95), so both behaviours are reproduced here rather
    than using :mod:`glob`, which hides dot-directories.

    Args:
        root: the workspace root the pattern is relative to.
        pattern: the glob, ``/``-separated.

    Returns:
        The matching directories, sorted.
    """
    current = [root]
    for segment in [s for s in pattern.replace("\\", "/").split("/") if s not in ("", ".")]:
        following: list[Path] = []
        for base in current:
            if segment == "..":
                following.append(base / "..")
            elif segment == "**":
                following.extend(_all_dirs(base))
            elif not is_glob(segment):
                if (base / segment).is_dir():
                    following.append(base / segment)
            else:
                try:
                    names = sorted(os.listdir(base))
                except OSError:
                    continue
                following.extend(base / name for name in names
                                 if fnmatch.fnmatchcase(name, segment) and (base / name).is_dir())
        current = following
    return sorted(set(current))


def _all_dirs(base: Path) -> list[Path]:
    """``base`` and every directory below it (what ``**`` matches)."""
    found = [base]
    for dirpath, dirnames, _ in os.walk(base):
        dirnames.sort()
        found.extend(Path(dirpath) / d for d in dirnames)
    return found
