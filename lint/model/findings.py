"""Findings: the small value objects every rule, parser and reporter exchanges."""

from __future__ import annotations

from enum import Enum, IntEnum
from typing import Callable

from rsdock.records import field, record, replace


class Severity(IntEnum):
    """How much a finding matters; ordered so thresholds compare with ``>=``."""

    INFO = 1
    WARNING = 2
    ERROR = 3

    def __str__(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> "Severity":
        """``"warning"`` -> ``Severity.WARNING``.

        Raises:
            ValueError: for anything but error, warning or info (or hadolint's style).
        """
        value = text.strip().lower()
        if value == "style":  # hadolint's lowest level
            return cls.INFO
        try:
            return cls[value.upper()]
        except KeyError:
            raise ValueError(f"unknown severity {text!r}: use error, warning or info") from None


@record(frozen=True)
class Edit:
    """Replace ``[start, end)`` (byte-free character offsets into the file's text) with ``text``."""

    start: int
    end: int
    text: str


class Applicability(str, Enum):
    """How far a fix may be trusted (ruff's ``Applicability``).

    ``safe``: it cannot change what the build does beyond resolving the finding; ``rsdock lint
    --fix`` applies it. ``unsafe``: it may change the build (a suggestion to review); only
    ``--unsafe-fixes`` applies it. ``display-only``: rsdock shows what to change but never
    applies it (the change needs a person: the lines to add are in :attr:`Fix.manual`).
    """

    SAFE = "safe"
    UNSAFE = "unsafe"
    DISPLAY_ONLY = "display-only"

    def __str__(self) -> str:
        return self.value

    @property
    def rank(self) -> int:
        """2 for safe, 1 for unsafe, 0 for display-only: ``min`` of two is the less trusted."""
        return {"safe": 2, "unsafe": 1, "display-only": 0}[self.value]


class Fix:
    """A change that resolves a finding: one or more non-overlapping edits and how far the change
    may be trusted.

    Attributes:
        description: what the change does, in a few words.
        edits: the edits, applied whole or not at all (none for a display-only fix).
        applicability: :class:`Applicability`. A fix without edits is always display-only.
        manual: for a display-only fix, the exact lines to add by hand; ``description`` says
            why rsdock does not make the change. ``rsdock edit --fix`` refuses with them.

    ``safe=False`` (the constructor's older spelling) means ``Applicability.UNSAFE``.
    """

    __slots__ = ("description", "edits", "applicability", "manual")
    description: str
    edits: tuple[Edit, ...]
    applicability: Applicability
    manual: tuple[str, ...]

    def __init__(self, description: str, edits: tuple[Edit, ...] = (),
                 applicability: Applicability | None = None, manual: tuple[str, ...] = (),
                 *, safe: bool | None = None) -> None:
        if applicability is None:
            applicability = Applicability.SAFE if safe is None or safe else Applicability.UNSAFE
        if not edits:
            applicability = Applicability.DISPLAY_ONLY
        set_ = object.__setattr__
        set_(self, "description", description)
        set_(self, "edits", tuple(edits))
        set_(self, "applicability", applicability)
        set_(self, "manual", tuple(manual))

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"Fix is immutable: use Fix.with_applicability, not .{name} =")

    def _key(self) -> tuple[object, ...]:
        return (self.description, self.edits, self.applicability, self.manual)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Fix) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return (f"Fix({self.description!r}, {self.edits!r}, {str(self.applicability)!r}"
                + (f", manual={self.manual!r})" if self.manual else ")"))

    @property
    def safe(self) -> bool:
        """Whether ``rsdock lint --fix`` applies it (:attr:`Applicability.SAFE`)."""
        return self.applicability is Applicability.SAFE

    @property
    def display_only(self) -> bool:
        """Whether the fix only says what to change (never applied)."""
        return self.applicability is Applicability.DISPLAY_ONLY

    def applies(self, unsafe: bool = False) -> bool:
        """Whether ``--fix`` (``unsafe``: ``--fix --unsafe-fixes``) applies this fix."""
        return self.safe or (unsafe and self.applicability is Applicability.UNSAFE)

    def with_applicability(self, applicability: Applicability) -> "Fix":
        """This fix, no more trusted than ``applicability`` (a lower one is kept)."""
        if applicability.rank >= self.applicability.rank:
            return self
        return Fix(self.description, self.edits, applicability, self.manual)


@record(frozen=True)
class Related:
    """Another place a finding involves (the stage it copies from, the step that logs in),
    with a short label saying what is there. Lines and columns as in :class:`Finding`."""

    path: str
    line: int
    label: str
    column: int = 0
    end_line: int = 0
    end_column: int = 0


@record(frozen=True, order=True)
class Finding:
    """One problem at one place: a span, zero or more related places, and an optional fix.

    Lines and columns are 1-based. The span runs from ``line:column`` to ``end_line:end_column``,
    the end column exclusive (the character after the span, as SARIF counts). A rule may give
    only ``line`` (``column`` 0: "the line") or ``line:column``; the engine completes the span
    from the file's text (:func:`complete_span`), so every reported finding has all four.
    Equality and order use path, line, column, rule, severity and message only: the span's end,
    the related places and the fix do not make two findings different.
    """

    path: str
    line: int
    column: int
    rule: str
    severity: Severity
    message: str
    fix: Fix | None = field(default=None, compare=False)
    end_line: int = field(default=0, compare=False)
    end_column: int = field(default=0, compare=False)
    related: tuple[Related, ...] = field(default=(), compare=False)

    def to_dict(self) -> dict[str, object]:
        """The JSON form documented in ``docs/lint-json.md``."""
        fix: dict[str, object] | None = None
        if self.fix is not None:
            fix = {"description": self.fix.description,
                   "applicability": str(self.fix.applicability), "safe": self.fix.safe}
            if self.fix.manual:
                fix["manual"] = list(self.fix.manual)
        return {
            "rule": self.rule,
            "severity": str(self.severity),
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line or self.line,
            "end_column": self.end_column,
            "message": self.message,
            "related": [{"path": r.path, "line": r.line, "column": r.column,
                         "end_line": r.end_line or r.line, "end_column": r.end_column,
                         "label": r.label} for r in self.related],
            "fixable": self.fix is not None and self.fix.safe,
            "fix": fix,
        }


def line_offsets(text: str) -> list[int]:
    """The character offset at which each line starts; ``offsets[n - 1]`` is line ``n``'s start.

    Rules anchor :class:`Edit` offsets with this, so one fix engine can apply every rule's fixes.
    """
    # str.find runs in C: every Dockerfile rule with a fix calls this on each lint run.
    offsets = [0]
    index = text.find("\n")
    while index >= 0:
        offsets.append(index + 1)
        index = text.find("\n", index + 1)
    return offsets


Span = tuple[int, int, int, int]
"""``(line, column, end_line, end_column)``: 1-based, the end column exclusive."""


def line_extent(lines: list[str], line: int) -> tuple[int, int]:
    """The 1-based first column and exclusive end column of line ``line``'s text, blanks and a
    trailing CR left out (``(1, 1)`` for a blank or missing line)."""
    if not 1 <= line <= len(lines):
        return 1, 1
    text = lines[line - 1].rstrip()
    if not text:
        return 1, 1
    return len(text) - len(text.lstrip()) + 1, len(text) + 1


def word_span(lines: list[str], line: int, word: str, last_line: int = 0,
              after: int = 0) -> Span | None:
    """Where ``word`` is first written in lines ``line``..``last_line`` (``after``: at or after
    that column of the first line), or None when it is not there (a word written across a
    line continuation, or one computed from variables)."""
    if not word:
        return None
    for number in range(max(line, 1), min(max(last_line, line), len(lines)) + 1):
        index = lines[number - 1].find(word, after - 1 if number == line and after > 0 else 0)
        if index >= 0:
            return number, index + 1, number, index + 1 + len(word)
    return None


def on_line(lines: list[str], line: int, *words: str, to_end: bool = False) -> Span | None:
    """Where the first of ``words`` written on line ``line`` is (with ``to_end``: from there to
    the end of the line's text, a continuation backslash left out), or None when none is there
    (the finding then spans the line). A span never leaves its line, so the finding's line
    stays the one the rule chose."""
    if not 1 <= line <= len(lines):
        return None
    text = lines[line - 1]
    for word in words:
        index = text.find(word) if word else -1
        if index < 0:
            continue
        end = index + len(word)
        if to_end:
            rest = text.rstrip()
            rest = rest[:-1].rstrip() if rest.endswith("\\") else rest
            end = max(end, len(rest))
        return line, index + 1, line, end + 1
    return None


def token_end(lines: list[str], line: int, column: int) -> int:
    """The exclusive end column of the token starting at ``line:column``: up to a blank, or
    the end of the line (a YAML value's end, a pattern's end)."""
    if not 1 <= line <= len(lines):
        return column + 1
    text = lines[line - 1].rstrip()
    end = column - 1
    while end < len(text) and not text[end].isspace():
        end += 1
    return max(end + 1, column + 1)


def yaml_value_end(lines: list[str], line: int, column: int) -> int:
    """The exclusive end column of the YAML scalar written at ``line:column``: a quoted one to
    its closing quote, a plain one to a comment, or inside a flow collection (``[a, b]``) to
    the next ``,``, ``]`` or ``}``; else to the end of the line."""
    if not 1 <= line <= len(lines) or column > len(lines[line - 1]):
        return column + 1
    text = lines[line - 1]
    start = column - 1
    if text[start] in "'\"":
        close = text.find(text[start], start + 1)
        return close + 2 if close > 0 else len(text.rstrip()) + 1
    in_flow = text[:start].count("[") + text[:start].count("{") > \
        text[:start].count("]") + text[:start].count("}")
    end = len(text)
    comment = text.find(" #", start)
    if comment >= 0:
        end = comment
    if in_flow:
        stops = [i for i in (text.find(c, start) for c in ",]}") if 0 <= i < end]
        end = min(stops, default=end)
    return max(len(text[:end].rstrip()) + 1, column + 1)


Source = Callable[[str], "tuple[list[str], dict[int, tuple[int, int]], bool] | None"]
"""A file's lines by path, and for a file whose statements run over several lines (a
Dockerfile's instructions) the last line of the statement starting at each line; None for a file
whose text is not known; and whether the file is YAML (a value's span is the YAML scalar)."""


def complete_span(finding: Finding, source: Source) -> Finding:
    """``finding`` with every part of its span known, and its related places' spans.

    A finding with a column spans the token there; one without (``column`` 0, "the line")
    spans the line's text, or the whole statement starting on that line (a Dockerfile
    instruction and its continuation lines). The line never changes.
    """
    related = tuple(_complete_related(r, source) for r in finding.related)
    if finding.column and finding.end_line:
        return finding if related == finding.related else _with(finding, related=related)
    known = source(finding.path)
    if known is None:
        return _with(finding, related=related) if related != finding.related else finding
    _, column, end_line, end_column = _span(finding.line, finding.column, *known)
    return _with(finding, column=column, end_line=end_line, end_column=end_column,
                 related=related)


def _span(line: int, column: int, lines: list[str], ranges: dict[int, tuple[int, int]],
          yaml: bool = False) -> Span:
    if column:
        end = yaml_value_end(lines, line, column) if yaml else token_end(lines, line, column)
        return line, column, line, end
    first, last = ranges.get(line, (line, line))
    start, _ = line_extent(lines, first)
    _, end = line_extent(lines, last)
    if last > first and end == 1:  # a statement ending on a blank continuation
        end = len(lines[last - 1]) + 1 if last <= len(lines) else 1
    return first, start, last, end


def _complete_related(related: Related, source: Source) -> Related:
    known = None if related.column and related.end_line else source(related.path)
    if known is None:
        return related
    line, column, end_line, end_column = _span(related.line, related.column, *known)
    return Related(related.path, line, related.label, column, end_line, end_column)


def _with(finding: Finding, **changes: object) -> Finding:
    return replace(finding, **changes)
