"""The ``.dockerignore`` model and a matcher with Docker's own semantics.

Reading follows BuildKit's ``dockerignore.ReadAll``: a line is a comment only when its first
character is ``#`` (a trailing `` # note`` is part of the pattern), lines are trimmed, ``!``
re-includes, patterns are cleaned like Go's ``filepath.Clean`` and a leading ``/`` is dropped.
Matching follows moby's ``patternmatcher``: Go ``filepath.Match`` syntax plus ``**``, a path is
excluded when it or one of its parent directories matches, and the last matching pattern wins.

Matching is linear in the path whatever the patterns (:mod:`rsdock.lint.model.ignore_match`), and
a file of many patterns is indexed (:class:`_Index`): exact, ``dir/**`` and ``**/name`` patterns
by the text they need, the others by their literal head or tail, so a path only meets the few
patterns that could match it. Each path's answer is remembered.
"""

from __future__ import annotations

import bisect
import functools
import posixpath
import re
from pathlib import Path
from typing import Any, Mapping

from rsdock import fs
from rsdock.errors import UserError
from rsdock.fs import MAX_READ_BYTES
from rsdock.lint.model.findings import Edit, Finding, Severity
from rsdock.lint.model.ignore_match import (MAX_PATH, Token, compile_pattern, kind_of,
                                            literal_ends, matcher)
from rsdock.records import field, record

__all__ = ["DockerIgnore", "PARSE_RULE", "Pattern", "TRAILING_COMMENT_RE", "applicable",
           "candidates", "compile_pattern", "parse_dockerignore"]

PARSE_RULE = "RS001"
# A pattern this long (runs of '*' counted as one or two) is no real one; reading it costs time.
MAX_PATTERN = 16_384
# Where a pattern line holds a would-be trailing comment: Docker reads it as part of the pattern.
TRAILING_COMMENT_RE = re.compile(r"\s+#")


@record(frozen=True)
class Pattern:
    """One pattern line.

    Attributes:
        line: its 1-based line number.
        raw: the line as written (without the newline).
        pattern: the cleaned pattern Docker matches with, without the ``!``.
        exclusion: True for a ``!`` line, which re-includes what it matches.
    """

    line: int
    raw: str
    pattern: str
    exclusion: bool
    tokens: list[Token] = field(compare=False, repr=False, default_factory=list)
    kind: str = field(compare=False, repr=False, default="regexp")

    @functools.cached_property
    def _matcher(self) -> Any:
        # tokenized and built when first needed: most patterns of a long file never are
        return matcher(self.tokens or compile_pattern(self.pattern)[0])

    def matches(self, path: str) -> bool:
        """Whether ``path`` itself (not its parents) matches."""
        if self.kind == "exact":
            return path == self.pattern
        if self.kind == "prefix":
            return path.startswith(self.pattern[:-2])
        if self.kind == "suffix":
            suffix = self.pattern[2:]
            return path.endswith(suffix) or (suffix.startswith("/") and path == suffix[1:])
        return bool(self._matcher.match(path))


@record
class DockerIgnore:
    """A parsed ``.dockerignore``: its patterns in order, comments, and unreadable lines."""

    path: str
    text: str
    patterns: list[Pattern] = field(default_factory=list)
    comments: list[int] = field(default_factory=list)
    errors: list[Finding] = field(default_factory=list)

    def excludes(self, path: str) -> bool:
        """Whether Docker leaves ``path`` (relative to the context, ``/``-separated) out of the
        build context: the last pattern matching it or a parent folder is not a ``!`` line."""
        last = self._last_match(path)
        return last is not None and not last.exclusion

    def matching(self, path: str) -> Pattern | None:
        """The last pattern that excludes ``path`` when it is excluded, else None."""
        last = self._last_match(path)
        return last if last is not None and not last.exclusion else None

    def excludes_but_for_comments(self, path: str) -> bool:
        """Whether ``path`` would be excluded if trailing `` # notes`` were comments, as their
        authors meant (RS601 reports and fixes those lines)."""
        return self._repaired.excludes(path)

    def reincludes_under(self, folder: str) -> bool:
        """Whether a ``!`` line names something inside ``folder`` (as written, ``/`` trimmed)."""
        prefix = folder.rstrip("/") + "/"
        names = self._reincluded
        at = bisect.bisect_left(names, prefix)
        return at < len(names) and names[at].startswith(prefix)

    @functools.cached_property
    def _repaired(self) -> DockerIgnore:
        if not any(TRAILING_COMMENT_RE.search(p.raw) for p in self.patterns):
            return self
        repaired = "\n".join(TRAILING_COMMENT_RE.split(p.raw, maxsplit=1)[0] for p in self.patterns)
        return parse_dockerignore(self.path, repaired)

    @functools.cached_property
    def _reincluded(self) -> list[str]:
        return sorted(p.raw.strip()[1:].lstrip("/") for p in self.patterns
                      if p.raw.strip().startswith("!"))

    @functools.cached_property
    def _index(self) -> _Index:
        return _Index(self.patterns)

    @functools.cached_property
    def _answers(self) -> dict[str, Pattern | None]:
        return {}

    def _last_match(self, path: str) -> Pattern | None:
        """The last pattern matching ``path`` or one of its parent folders (remembered)."""
        if path not in self._answers:
            if len(self._answers) > 100_000:
                self._answers.clear()
            found = (self._index.last(_self_and_parents(path))
                     if len(path) <= MAX_PATH else None)
            self._answers[path] = None if found is None else self.patterns[found]
        return self._answers[path]

    def append_line(self, line: str) -> Edit:
        """The edit that adds ``line`` at the end of the file, on a line of its own."""
        end = len(self.text)
        separator = "" if not self.text or self.text.endswith("\n") else "\n"
        return Edit(end, end, f"{separator}{line}\n")


def candidates(dockerfile: str, context: str = ".") -> tuple[str, str]:
    """The ignore files BuildKit reads for ``dockerfile`` built with ``context``, in priority
    order: ``<Dockerfile>.dockerignore`` beside the Dockerfile, then ``<context>/.dockerignore``
    (repository-relative paths)."""
    return (_clean(dockerfile + ".dockerignore"), _clean(posixpath.join(context, ".dockerignore")))


def applicable(dockerfile: str, context: str, parsed: Mapping[str, DockerIgnore],
               root: Path) -> DockerIgnore | None:
    """The ignore file BuildKit applies to ``dockerfile`` built with ``context``: the first of
    :func:`candidates` already in ``parsed``, or present under ``root`` (read and parsed then);
    None when the context has none."""
    for candidate in candidates(dockerfile, context):
        if candidate in parsed:
            return parsed[candidate]
        try:  # confined to the repository and bounded: a context outside it is not read
            data = fs.read_bytes(root, candidate)
        except UserError:
            try:
                real = fs.inside(root, candidate)
                too_big = real.is_file() and real.stat().st_size > MAX_READ_BYTES
            except (UserError, OSError):
                too_big = False
            if too_big:
                return DockerIgnore(candidate, "", errors=[Finding(  # the engine reports it
                    candidate, 1, 0, PARSE_RULE, Severity.ERROR,
                    f"this file is bigger than {MAX_READ_BYTES:,} bytes: rsdock does not read it")])
            continue
        if data is not None:
            return parse_dockerignore(candidate, data)
    return None


def _self_and_parents(path: str) -> list[str]:
    """``path`` cleaned, then each of its parent directories: what a pattern may match to
    exclude it (``a/b/c`` -> ``a/b/c``, ``a``, ``a/b``)."""
    path = _clean(path.lstrip("/"))
    parts = path.split("/")
    return [path] + ["/".join(parts[: i + 1]) for i in range(len(parts) - 1)]


def _clean(path: str) -> str:
    """Go's ``filepath.Clean`` for ``/``-separated paths."""
    if not path:
        return "."
    cleaned = posixpath.normpath(path)
    return "/" + cleaned.lstrip("/") if cleaned.startswith("//") else cleaned


class _Index:
    """The patterns of one file, found by what a path must contain for them to match.

    ``exact`` patterns by their text, ``prefix`` (``dir/**``) by their head, ``suffix``
    (``**/name``) by their tail; ``regexp`` ones by their literal head (the text before the first
    wildcard) or, without one, their literal tail, and the rest in one list. :meth:`last` then
    looks up each length a key of that kind has: a handful of dictionary lookups per path,
    however many patterns the file holds.
    """

    def __init__(self, patterns: list[Pattern]):
        self.patterns = patterns
        self.exact: dict[str, int] = {}
        self.prefix: dict[str, int] = {}
        self.suffix: dict[str, int] = {}
        self.heads: dict[str, list[int]] = {}
        self.tails: dict[str, list[int]] = {}
        self.rest: list[int] = []
        for index, pattern in enumerate(patterns):
            if pattern.kind == "exact":
                self.exact[pattern.pattern] = index
            elif pattern.kind == "prefix":
                self.prefix[pattern.pattern[:-2]] = index
            elif pattern.kind == "suffix":
                self.suffix[pattern.pattern[2:]] = index
            else:
                head, tail = literal_ends(pattern.pattern)
                if head:
                    self.heads.setdefault(head, []).append(index)
                elif tail:
                    self.tails.setdefault(tail, []).append(index)
                else:
                    self.rest.append(index)
        self.prefix_lengths = sorted({len(k) for k in self.prefix})
        self.suffix_lengths = sorted({len(k) for k in self.suffix})
        self.head_lengths = sorted({len(k) for k in self.heads})
        self.tail_lengths = sorted({len(k) for k in self.tails})

    def last(self, candidates: list[str]) -> int | None:
        """The index of the last pattern matching one of ``candidates`` (a path and its parent
        folders, the path first), or None."""
        best = -1
        path = candidates[0]
        for length in self.prefix_lengths:  # a parent's prefix is the path's prefix too
            if length > len(path):
                break
            best = max(best, self.prefix.get(path[:length], -1))
        for candidate in candidates:
            best = max(best, self.exact.get(candidate, -1),
                       self.suffix.get("/" + candidate, -1))  # **/name matches name itself
            for length in self.suffix_lengths:
                if length > len(candidate):
                    break
                best = max(best, self.suffix.get(candidate[len(candidate) - length:], -1))
            groups = [self.rest]
            groups += [self.heads.get(candidate[:n], []) for n in self.head_lengths
                       if n <= len(candidate)]
            groups += [self.tails.get(candidate[-n:], []) for n in self.tail_lengths
                       if n <= len(candidate)]
            for group in groups:
                for index in reversed(group):
                    if index <= best:
                        break
                    if self.patterns[index].matches(candidate):
                        best = index
                        break
        return best if best >= 0 else None


def parse_dockerignore(path: str, text: str | bytes) -> DockerIgnore:
    """Parse a ``.dockerignore`` file.

    Args:
        path: its path relative to the repository root (used in findings).
        text: its contents, as text or UTF-8 bytes.

    Returns:
        The model; a pattern Docker would refuse is an ``RS001`` finding in ``errors``.
    """
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    model = DockerIgnore(path, text)
    for number, raw in enumerate(text.removeprefix("\ufeff").splitlines(), 1):
        if raw.startswith("#"):
            model.comments.append(number)
            continue
        pattern = raw.strip()
        if not pattern:
            continue
        exclusion = pattern.startswith("!")
        if exclusion:
            pattern = pattern[1:].strip()
        if not pattern:
            model.errors.append(Finding(path, number, 0, PARSE_RULE, Severity.ERROR,
                                        "a lone '!' is not a pattern: Docker refuses this file; "
                                        "write the path to re-include after the '!'"))
            continue
        pattern = _clean(pattern)
        if len(pattern) > 1 and pattern.startswith("/"):
            pattern = pattern[1:]
        if len(pattern) > MAX_PATTERN:
            model.errors.append(Finding(
                path, number, 0, PARSE_RULE, Severity.ERROR,
                f"this pattern is {len(pattern):,} characters long; rsdock reads patterns of up "
                f"to {MAX_PATTERN:,} (no path is longer than {MAX_PATH:,}): shorten it"))
            continue
        try:
            # only a class can make a pattern malformed: the others are tokenized when needed
            tokens, kind = compile_pattern(pattern) if "[" in pattern else ([], kind_of(pattern))
        except re.error:
            model.errors.append(Finding(
                path, number, 0, PARSE_RULE, Severity.ERROR,
                f"Docker cannot read the pattern {raw.strip()!r}: close its '[' "
                "or escape it with a backslash"))
            continue
        model.patterns.append(Pattern(number, raw, pattern, exclusion, tokens, kind))
    return model
