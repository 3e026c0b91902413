"""The ``.dockerignore`` model and a matcher with Docker's own semantics.

Reading follows BuildKit's ``dockerignore.ReadAll``: a line is a comment only when its first
character is ``#`` (a trailing `` # note`` is part of the pattern), lines are trimmed, ``!``
re-includes, patterns are cleaned like Go's ``filepath.Clean`` and a leading ``/`` is dropped.
Matching follows moby's ``patternmatcher``: Go ``filepath.Match`` syntax plus ``**``, a path is
excluded when it or one of its parent directories matches, and the last matching pattern wins.
"""

from __future__ import annotations

import posixpath
import re
from pathlib import Path
from typing import Mapping

from rsdock.lint.model.findings import Edit, Finding, Severity
from rsdock.records import field, record

PARSE_RULE = "RS001"
# Where a pattern line holds a would-be trailing comment: Docker reads it as part of the pattern.
TRAILING_COMMENT_RE = re.compile(r"\s+#")
# moby escapes these because they mean something in a regexp but nothing in filepath.Match.
_ESCAPE = set(".+()|{}$")


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
    regex: re.Pattern[str] | None = field(compare=False, repr=False)
    kind: str = field(compare=False, repr=False, default="regexp")

    def matches(self, path: str) -> bool:
        """Whether ``path`` itself (not its parents) matches."""
        if self.kind == "exact":
            return path == self.pattern
        if self.kind == "prefix":
            return path.startswith(self.pattern[:-2])
        if self.kind == "suffix":
            suffix = self.pattern[2:]
            return path.endswith(suffix) or (suffix.startswith("/") and path == suffix[1:])
        return bool(self.regex and self.regex.match(path))


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
        build context."""
        candidates = _self_and_parents(path)
        matched = False
        for pattern in self.patterns:
            # An exclusion can only undo a match, an inclusion only make one: skip the rest.
            if pattern.exclusion != matched:
                continue
            if any(pattern.matches(c) for c in candidates):
                matched = not pattern.exclusion
        return matched

    def matching(self, path: str) -> Pattern | None:
        """The last pattern that excludes ``path`` when it is excluded, else None."""
        if not self.excludes(path):
            return None
        candidates = _self_and_parents(path)
        for pattern in reversed(self.patterns):
            if not pattern.exclusion and any(pattern.matches(c) for c in candidates):
                return pattern
        return None  # pragma: no cover - excludes() found one

    def excludes_but_for_comments(self, path: str) -> bool:
        """Whether ``path`` would be excluded if trailing `` # notes`` were comments, as their
        authors meant (RS601 reports and fixes those lines)."""
        repaired = "\n".join(TRAILING_COMMENT_RE.split(p.raw, maxsplit=1)[0] for p in self.patterns)
        return parse_dockerignore(self.path, repaired).excludes(path)

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
        if (root / candidate).is_file():
            return parse_dockerignore(candidate, (root / candidate).read_bytes())
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


def compile_pattern(pattern: str) -> tuple[re.Pattern[str] | None, str]:
    """The regexp and match kind moby's ``patternmatcher`` builds for a cleaned pattern.

    Kinds are moby's: ``exact`` (no wildcard), ``prefix`` (``dir/**``), ``suffix`` (``**/name``)
    and ``regexp``; only the last uses the regexp.

    Raises:
        re.error: when the pattern is malformed (an unclosed ``[``), as Docker would refuse it.
    """
    regex, kind, i, step, in_class = "^", "exact", 0, 0, False
    while i < len(pattern):
        ch = pattern[i]
        i += 1
        if in_class:
            # filepath.Match: inside [...] only ']', '-', a leading '^' and '\\' mean anything
            if ch == "]":
                in_class = False
                regex += "]"
            elif ch == "\\" and i < len(pattern):
                regex += re.escape(pattern[i])
                i += 1
            elif ch == "-" and not regex.endswith(("[", "-")) and pattern[i:i + 1] not in ("-", "]"):
                regex += "-"  # a range; Python would read "--" as a set operation
            elif ch == "^" and regex.endswith("["):
                regex += "^"
            else:
                regex += re.escape(ch)
        elif ch == "*" and pattern[i:i + 1] == "*":
            i += 1
            if pattern[i:i + 1] == "/":
                i += 1  # "**/" is "**"
            if i >= len(pattern):
                if kind == "exact":
                    kind = "prefix"
                else:
                    regex, kind = regex + ".*", "regexp"
            else:
                regex, kind = regex + "(.*/)?", "regexp"
            if step == 0:
                kind = "suffix"
        elif ch == "*":
            regex, kind = regex + "[^/]*", "regexp"
        elif ch == "?":
            regex, kind = regex + "[^/]", "regexp"
        elif ch in _ESCAPE:
            regex += "\\" + ch
        elif ch == "\\":
            if i < len(pattern):
                regex, kind = regex + re.escape(pattern[i]), "regexp"
                i += 1
            else:
                regex += "\\\\"
        elif ch == "[":
            regex, kind, in_class = regex + "[", "regexp", True
        elif ch == "]":
            regex, kind = regex + "\\]", "regexp"
        else:
            regex += re.escape(ch)
        step += 1
    # Docker validates every pattern with filepath.Match, so a bad one fails even when exact.
    compiled = re.compile(regex + r"\Z", re.DOTALL)
    return (compiled if kind == "regexp" else None), kind


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
        try:
            regex, kind = compile_pattern(pattern)
        except re.error:
            model.errors.append(Finding(
                path, number, 0, PARSE_RULE, Severity.ERROR,
                f"Docker cannot read the pattern {raw.strip()!r}: close its '[' "
                "or escape it with a backslash"))
            continue
        model.patterns.append(Pattern(number, raw, pattern, exclusion, regex, kind))
    return model
