"""Reading cargo's TOML files with located errors, and cargo's member-glob expansion.

A helper of :mod:`rsdock.lint.model.cargo`; only the standard library (``tomllib``) so that the lint
path stays light.
"""

from __future__ import annotations

import fnmatch
import os
import re
import tomli as tomllib  # TOML 1.1 (multi-line inline tables), as cargo reads it
from pathlib import Path
from typing import Any

from rsdock import fs
from rsdock.errors import UserError

# A parsed TOML (or JSON) table: what tomllib returns, checked key by key where it is read.
Table = dict[str, Any]

# Python 3.11's TOMLDecodeError has no lineno attribute; the position is only in the message.
_TOML_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")
_TOML_AT_END = re.compile(r"\s*\(at end of document\)$")
_GLOB_CHARS = re.compile(r"[*?\[]")
MAX_TOML_BYTES = 2_000_000  # the biggest real manifests are a few tens of kilobytes
MAX_TOML_NESTING = 100  # tomllib recurses per level: thousands of levels overflow the stack


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
        with open(path, "rb") as handle:
            data = handle.read(MAX_TOML_BYTES + 1)
    except OSError as exc:
        raise ScanError(f"cannot read the file: {exc.strerror or exc}", path=str(path),
                        hint="check that the file exists and is readable") from None
    if len(data) > MAX_TOML_BYTES:
        raise ScanError(f"the file is bigger than {MAX_TOML_BYTES:,} bytes", path=str(path),
                        hint="no real cargo manifest is that big: check that this is the right "
                             "file")
    try:
        # cargo reads a manifest that starts with a UTF-8 byte order mark (editors on Windows
        # write one); tomllib refuses it, so it goes before parsing (line numbers are unchanged).
        text = data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        raise ScanError(f"the file is not UTF-8 text (byte {exc.start})", path=str(path),
                        line=data[:exc.start].count(b"\n") + 1,
                        hint="save it as UTF-8; cargo reads only UTF-8 manifests") from None
    check_nesting(text, str(path))
    try:
        return tomllib.loads(text), text
    except RecursionError:
        raise ScanError("the TOML nests values too deeply to read", path=str(path),
                        hint="flatten the value; no cargo setting needs that depth") from None
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


def check_nesting(text: str, path: str) -> None:
    """Refuse TOML nested deeper than :data:`MAX_TOML_NESTING` before tomllib recurses into it.

    Raises:
        ScanError: located at the first line that opens that many levels.
    """
    depth = _nesting(text)
    if depth > MAX_TOML_NESTING:
        raise ScanError(f"the TOML nests arrays or tables {depth} levels deep; rsdock reads up "
                        f"to {MAX_TOML_NESTING}", path=path, line=_deepest_line(text),
                        hint="flatten the value; no real setting needs that depth")


def _nesting(text: str) -> int:
    """An upper bound of the ``[``/``{`` nesting of inline values (strings and comments skipped),
    exact when it is over :data:`MAX_TOML_NESTING`.

    tomllib recurses once per level, so a manifest nested thousands deep would end in a
    RecursionError; checking first keeps the error a located one. Strings and comments go in one
    regex pass and every other character but the brackets in one ``bytes.translate``; only a file
    with more brackets than the limit is walked bracket by bracket (a 10 MB lockfile takes about
    half a second, a fraction of what tomllib takes).
    """
    if '"' in text or "'" in text or "#" in text:
        text = _STRINGS_AND_COMMENTS.sub("", text)
    brackets = text.encode("utf-8", "surrogatepass").translate(_AS_SQUARE, _NOT_BRACKETS)
    opened = brackets.count(b"[")
    if opened <= MAX_TOML_NESTING:
        return opened
    depth = deepest = 0
    for char in brackets:
        if char == _OPEN:
            depth += 1
            deepest = max(deepest, depth)
        elif depth:
            depth -= 1
    return deepest


# A comment, or a string up to its closing quote (to the end of its line, or of the file, when
# it has none; TOML lets up to two quotes end a multi-line string's text before its closing
# three): what may hold brackets that open nothing. The alternatives start differently, so a
# match never backtracks more than once.
_STRINGS_AND_COMMENTS = re.compile(
    r'#[^\n]*|"""(?:[^"\\]|\\.|"(?!""))*(?:"{3,5}|\\?\Z)|' + r"'''.*?(?:'{3,5}|\Z)|"
    + r'"(?:[^"\\\n]|\\.)*"?|' + r"'[^'\n]*'?", re.DOTALL)
_AS_SQUARE = bytes.maketrans(b"{}", b"[]")
_NOT_BRACKETS = bytes(range(256)).translate(None, b"[]{}")
_OPEN = ord("[")


def _deepest_line(text: str) -> int | None:
    for number, line in enumerate(text.splitlines(), start=1):
        if line.count("[") + line.count("{") > MAX_TOML_NESTING:
            return number
    return None


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


def confined(root: Path, path: Path) -> Path:
    """``path`` (a file of the workspace at ``root``), refused when it or a folder on its way is
    a symlink leading out of the workspace: :func:`rsdock.fs.confine`, the one rule for what
    rsdock reads or writes, as a located :class:`ScanError`. An image build copies the link,
    not what it points to, so what lies outside could not be read there either.

    Raises:
        ScanError: the path leads out of ``root`` (the link's target is never shown).
    """
    try:
        fs.confine(root, path)
    except UserError as error:
        raise ScanError(error.message, path=fs.shown(path), hint=error.hint) from None
    return path
