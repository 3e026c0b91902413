"""Findings: the small value objects every rule, parser and reporter exchanges."""

from __future__ import annotations

from enum import IntEnum

from rsdock.records import field, record


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


@record(frozen=True)
class Fix:
    """A mechanical change that resolves a finding: one or more non-overlapping edits.

    Attributes:
        description: what the change does, in a few words.
        edits: the edits, applied whole or not at all.
        safe: whether the change cannot break a build. ``rsdock lint --fix`` applies safe fixes
            only; an unsafe one is a suggestion (``--unsafe-fixes`` applies it too).
        manual: for a fix rsdock cannot make safely (no edits, not safe: display-only), the
            exact lines to add by hand; ``description`` says why. ``rsdock edit --fix`` refuses
            with them.
    """

    description: str
    edits: tuple[Edit, ...]
    safe: bool = True
    manual: tuple[str, ...] = ()

    @property
    def display_only(self) -> bool:
        """Whether the fix only says what to change (no edits to apply)."""
        return not self.edits


@record(frozen=True, order=True)
class Finding:
    """One problem at one place.

    Lines and columns are 1-based; column 0 means "the whole line".
    """

    path: str
    line: int
    column: int
    rule: str
    severity: Severity
    message: str
    fix: Fix | None = field(default=None, compare=False)

    def to_dict(self) -> dict[str, object]:
        """The JSON form documented in README (``rule``, ``severity``, ``path``, ...)."""
        return {
            "rule": self.rule,
            "severity": str(self.severity),
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "message": self.message,
            "fixable": self.fix is not None and self.fix.safe,
            "fix": None if self.fix is None else {
                "description": self.fix.description, "safe": self.fix.safe,
                **({"manual": list(self.fix.manual)} if self.fix.manual else {})},
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
