"""A small Rust tokenizer: enough to find macro calls and string literals in real sources.

It is not a parser. It splits a ``.rs`` file into identifiers, string literals (decoded) and
single punctuation characters, each with its 1-based line, and drops what a regex over the raw
text would misread: line and (nested) block comments, the insides of string, byte-string, raw
string (``r#"..."#``) and character literals, and lifetimes (``'a`` is not a character).
Numbers are dropped too. That is what :mod:`rsdock.lint.analysis.needs` asks of a source file:
``include_str!("...")`` outside comments, ``Command::new("git")`` in a build script.
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING, Iterator

from rsdock.records import record

if TYPE_CHECKING:
    from rsdock.lint.model.context import Context

IDENT = "ident"
STR = "str"
PUNCT = "punct"

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "\\": "\\", "'": "'", '"': '"'}


@record(frozen=True)
class Token:
    """One token: ``kind`` is ``ident``, ``str`` (``value`` decoded) or ``punct`` (one char)."""

    kind: str
    value: str
    line: int


def tokens(text: str) -> list[Token]:
    """The tokens of Rust source ``text``, comments and numbers left out.

    An unterminated comment or literal ends the file quietly (a string with what it holds).
    """
    return list(_scan(text))


# One alternative per token shape, tried in this order at each position (a regex per token,
# not per character, keeps a large workspace's scan well under a second).
_TOKEN_RE = re.compile(r"""
    (?P<space>\s+)
  | (?P<line_comment>//[^\n]*)
  | (?P<block_comment>/\*)
  | (?P<raw>[bc]?r(?P<hashes>\#*)")
  | (?P<string>[bc]?")
  | (?P<char>b?'(?:\\(?:u\{[0-9a-fA-F_]{1,8}\}|x[0-9a-fA-F]{2}|.)|[^'\\\n])')
  | (?P<lifetime>'[A-Za-z_]\w*)
  | (?P<number>\d(?:[\w]|\.\d)*)
  | (?P<ident>(?:r\#)?[^\W\d]\w*)
  | (?P<punct>.)
""", re.VERBOSE | re.DOTALL)


def _scan(text: str) -> Iterator[Token]:
    i, line, n = 0, 1, len(text)
    match = _TOKEN_RE.match
    while i < n:
        m = match(text, i)
        if m is None:  # pragma: no cover - the last alternative matches any character
            break
        kind = m.lastgroup if m.lastgroup != "hashes" else "raw"
        end = m.end()
        if kind == "space" or kind == "line_comment" or kind == "number" \
                or kind == "lifetime" or kind == "char":
            line += text.count("\n", i, end)
            i = end
        elif kind == "block_comment":
            i, line = _skip_block_comment(text, i, line)
        elif kind == "raw":
            value, i, line2 = _raw_string(text, i, line)
            yield Token(STR, value, line)
            line = line2
        elif kind == "string":
            value, i, line2 = _string(text, end, line)
            yield Token(STR, value, line)
            line = line2
        elif kind == "ident":
            name = m.group()
            yield Token(IDENT, name[2:] if name.startswith("r#") else name, line)
            i = end
        else:
            yield Token(PUNCT, m.group(), line)
            i = end


def _skip_block_comment(text: str, i: int, line: int) -> tuple[int, int]:
    depth, i = 1, i + 2
    while i < len(text) and depth:
        if text.startswith("/*", i):
            depth, i = depth + 1, i + 2
        elif text.startswith("*/", i):
            depth, i = depth - 1, i + 2
        else:
            line += text[i] == "\n"
            i += 1
    return i, line


def _string(text: str, i: int, line: int) -> tuple[str, int, int]:
    """A ``"..."`` literal's value from just after its quote; the index after the closing one."""
    out: list[str] = []
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == '"':
            return "".join(out), i + 1, line
        if ch == "\\" and i + 1 < n:
            nxt = text[i + 1]
            if nxt == "\n":  # a line continuation skips the newline and the next indentation
                line += 1
                i += 2
                while i < n and text[i] in " \t\r\n":
                    line += text[i] == "\n"
                    i += 1
                continue
            if nxt in ("x", "u"):
                end = text.find("}", i) + 1 if nxt == "u" else i + 4
                out.append("\ufffd")
                i = max(end, i + 2)
                continue
            out.append(_ESCAPES.get(nxt, nxt))
            i += 2
            continue
        line += ch == "\n"
        out.append(ch)
        i += 1
    return "".join(out), n, line


def _raw_prefix(text: str, i: int) -> bool:
    """Whether a raw string starts at ``i``: ``r"``, ``r#"``, ``br"``, ``cr##"``..."""
    j = i + 1 if text[i] in "bc" else i
    if not text.startswith("r", j):
        return False
    j += 1
    while j < len(text) and text[j] == "#":
        j += 1
    return text.startswith('"', j)


def _raw_string(text: str, i: int, line: int) -> tuple[str, int, int]:
    j = i + 1 if text[i] in "bc" else i
    j += 1  # the r
    hashes = 0
    while text[j] == "#":
        hashes, j = hashes + 1, j + 1
    closing = '"' + "#" * hashes
    end = text.find(closing, j + 1)
    if end < 0:
        end = len(text)
    value = text[j + 1:end]
    return value, min(end + len(closing), len(text)), line + value.count("\n")


_STRING_END_RE = re.compile(r'(?:[^"\\]|\\.)*"', re.DOTALL)
_CHAR_RE = re.compile(r"b?'(?:\\(?:u\{[0-9a-fA-F_]{1,8}\}|x[0-9a-fA-F]{2}|.)|[^'\\\n])'")
_OPENERS_RE = re.compile(r"[/\"']")


def mask(text: str) -> str:
    """``text`` with every comment and the inside of every literal replaced by spaces (line
    breaks kept, so offsets and line numbers stay): what a regex may search for code.

    A large file has few comments and literals next to its tokens, so this is much cheaper
    than :func:`tokens`; tokenize only the spans the masked text shows are of interest.
    """
    out: list[str] = []
    i = at = 0
    n = len(text)
    search = _OPENERS_RE.search
    while at < n:
        m = search(text, at)
        if m is None:
            break
        start = end = m.start()
        ch = text[start]
        if ch == "/":
            if text.startswith("//", start):
                end = text.find("\n", start)
                end = n if end < 0 else end
            elif text.startswith("/*", start):
                end = _skip_block_comment(text, start, 0)[0]
            else:
                at = start + 1
                continue
        elif ch == '"':
            prefix = _literal_prefix(text, start)
            if "r" in prefix:
                start = start - len(prefix)
                end = _raw_string(text, start, 0)[1]
            else:
                found = _STRING_END_RE.match(text, start + 1)
                end = found.end() if found else n
        else:
            char = _CHAR_RE.match(text, start - (text[start - 1:start] == "b"))
            if char is None:  # a lifetime or a label
                at = start + 1
                continue
            end = char.end()
        out.append(text[i:start])
        out.append(_blank(text[start:end]))
        i = at = end
    out.append(text[i:])
    return "".join(out)


def _literal_prefix(text: str, quote: int) -> str:
    """The raw-string prefix before the ``"`` at ``quote`` (``r##``, ``br#``, ``cr``) when it
    starts a token, else ""."""
    j = quote
    while j > 0 and text[j - 1] == "#":
        j -= 1
    if j > 0 and text[j - 1] == "r":
        k = j - 1
        if k > 0 and text[k - 1] in "bc":
            k -= 1
        if k == 0 or not (text[k - 1].isalnum() or text[k - 1] == "_"):
            return text[k:quote]
    return ""


def _blank(span: str) -> str:
    """``span`` as spaces, its line breaks kept (one string operation per line, not per
    character: a file's literals and comments are a good part of its text)."""
    if "\n" not in span:
        return " " * len(span)
    return "\n".join(" " * len(part) for part in span.split("\n"))


# --- the workspace's sources, read once per run -------------------------------------------------

class SourceFiles:
    """Folder listings, sizes and texts of source files, each read from disk at most once.

    Several analyses read the same ``.rs`` files in one lint run (the build-needs scan reads
    every member's sources, the stop-signal reading those of each shipped binary): they share
    one instance through :func:`shared`, so each folder is listed and each file is read once,
    and only when an analysis asks. Paths are keyed absolute and normalised, so a workspace in
    a sub-folder of the repository and the repository itself name the same file alike.
    Nothing is filtered here: which folders and files count is each analysis's decision.
    """

    def __init__(self) -> None:
        self._listings: dict[str, tuple[list[str], list[str], frozenset[str]]] = {}
        self._sizes: dict[str, int | None] = {}
        self._texts: dict[str, str | None] = {}

    def walk(self, top: str | os.PathLike[str]) -> Iterator[tuple[str, list[str], list[str]]]:
        """Like :func:`os.walk` (top-down, symbolic links to folders listed but not entered,
        unreadable folders skipped): the caller may prune ``subdirs`` in place."""
        todo = [os.fspath(top)]
        while todo:
            current = todo.pop()
            listing = self._listing(current)
            if listing is None:
                continue
            dirs, files, links = listing
            subdirs = list(dirs)
            yield current, subdirs, list(files)
            todo += [os.path.join(current, d) for d in reversed(subdirs) if d not in links]

    def _listing(self, folder: str) -> tuple[list[str], list[str], frozenset[str]] | None:
        key = _key(folder)
        if key not in self._listings:
            dirs: list[str] = []
            files: list[str] = []
            links: set[str] = set()
            try:
                with os.scandir(folder) as entries:
                    for entry in entries:
                        try:
                            is_dir = entry.is_dir()
                        except OSError:
                            is_dir = False
                        (dirs if is_dir else files).append(entry.name)
                        if is_dir and entry.is_symlink():
                            links.add(entry.name)
            except OSError:
                return None
            self._listings[key] = (dirs, files, frozenset(links))
        return self._listings[key]

    def size(self, path: str | os.PathLike[str]) -> int | None:
        """The file's size in bytes, or None when it cannot be read."""
        key = _key(path)
        if key not in self._sizes:
            try:
                self._sizes[key] = os.stat(key).st_size
            except OSError:
                self._sizes[key] = None
        return self._sizes[key]

    def text(self, path: str | os.PathLike[str]) -> str | None:
        """The file's text (UTF-8, undecodable bytes replaced), or None when it cannot be
        read; line ends are read as :meth:`pathlib.Path.read_text` reads them (``\\r\\n``
        and ``\\r`` become ``\\n``). Callers check :meth:`size` first for their own limits."""
        key = _key(path)
        if key not in self._texts:
            try:
                with open(key, "rb") as handle:
                    text = handle.read().decode("utf-8", errors="replace")
            except OSError:
                self._texts[key] = None
            else:
                if "\r" in text:
                    text = text.replace("\r\n", "\n").replace("\r", "\n")
                self._texts[key] = text
        return self._texts[key]


def _key(path: str | os.PathLike[str]) -> str:
    """``os.path.abspath(path)``, without asking for the working folder when ``path`` is
    absolute already (every path a lint run asks about: one system call less per file)."""
    path = os.fspath(path)
    return os.path.normpath(path) if os.path.isabs(path) else os.path.abspath(path)


def shared(ctx: Context) -> SourceFiles:
    """The run's one :class:`SourceFiles` (kept in ``ctx.memo``)."""
    found: SourceFiles = ctx.memo.setdefault("rust_source:files", SourceFiles())
    return found
