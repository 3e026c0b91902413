"""Hand edits kept across regeneration: ``# rsdock:keep`` ... ``# rsdock:end`` blocks.

A user who adds a ``HEALTHCHECK`` to a generated Dockerfile, or changes the workflow's
``timeout-minutes``, marks the lines, in the file itself::

    # rsdock:keep
    HEALTHCHECK CMD ["/app", "--health"]
    # rsdock:end

        # rsdock:keep
        # rsdock:replaces timeout-minutes: 90
        timeout-minutes: 120
        # rsdock:end

A block is kept after the generated line before it (its anchor); ``# rsdock:replaces LINE``
lines, right after ``# rsdock:keep``, name the generated lines the block stands in for (each
indented as that line was). Regeneration (``init``, ``init --check``, ``edit``, the TUI) renders
the files from the plan, then puts every block of the file on disk back into the new text
(:func:`apply`): after the same anchor, in place of the same replaced lines. The old file (its
blocks taken out, their replaced lines put back) is aligned line by line with the new text, as
``diff`` aligns two files, so a line that occurs in several places (``timeout-minutes`` in every
job) is the one at the block's place. When rsdock writes the anchor differently now, the
generated line after the block anchors it instead (it stays in front of the same line). A block whose place is gone, or
whose replaced lines rsdock now writes differently, is a located error naming the block's line:
it is never dropped silently.

:func:`mark` writes the markers for the user (``rsdock init --keep``): each difference between
what rsdock renders and the file on disk becomes a block.

Everything here is text, after rendering: it does not depend on how the templates are shaped.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping

from rsdock.errors import UserError
from rsdock.records import record

KEEP = "# rsdock:keep"
REPLACES = "# rsdock:replaces "
END = "# rsdock:end"

_KEEP_RE = re.compile(r"^(?P<indent>[ \t]*)#[ \t]*rsdock[ \t]*:[ \t]*keep(?:[ \t]+\S.*)?[ \t]*$")
_REPLACES_RE = re.compile(r"^(?P<indent>[ \t]*)#[ \t]*rsdock[ \t]*:[ \t]*replaces(?: (?P<line>.*))?$")
_END_RE = re.compile(r"^[ \t]*#[ \t]*rsdock[ \t]*:[ \t]*end[ \t]*$")

HOW = ("mark a deliberate edit with `# rsdock:keep` ... `# rsdock:end` lines around it "
       "(`rsdock init --keep` writes them for every difference), or run "
       "`rsdock init --yes --force` to discard the edits")


@record(frozen=True)
class Block:
    """One kept block of a file on disk.

    Attributes:
        line: the 1-based line of its ``# rsdock:keep`` marker.
        text: the block's lines as they are on disk, markers included.
        replaced: the generated lines it stands in for (without line ends).
        at: how many generated lines come before it (its place in :attr:`Kept.view`).
    """

    line: int
    text: tuple[str, ...]
    replaced: tuple[str, ...]
    at: int


@record(frozen=True)
class Kept:
    """A file's kept blocks and the file as rsdock generated it (the blocks taken out).

    Attributes:
        blocks: in file order.
        view: the file's lines outside the blocks, with each block's replaced lines in its
            place (without line ends): what the anchors are looked up in.
    """

    blocks: tuple[Block, ...]
    view: tuple[str, ...]


def _strip(line: str) -> str:
    return line.rstrip("\r\n")


def parse(text: str, path: str) -> Kept:
    """Find the kept blocks of one file.

    Raises:
        UserError: at the line of a marker out of place (an ``# rsdock:end`` with no block open,
            a block inside a block, a ``replaces`` line after the block's own lines, a block
            never ended).
    """
    blocks: list[Block] = []
    view: list[str] = []
    lines = text.splitlines(keepends=True)
    start: int | None = None
    body: list[str] = []
    replaced: list[str] = []
    in_head = False
    for number, raw in enumerate(lines, 1):
        line = _strip(raw)
        if start is None:
            if _END_RE.match(line):
                raise UserError("`# rsdock:end` with no `# rsdock:keep` before it", path=path,
                                line=number, hint="delete it, or add `# rsdock:keep` above the "
                                "lines it ends")
            if _REPLACES_RE.match(line):
                raise UserError("`# rsdock:replaces` outside a kept block", path=path,
                                line=number, hint="put it right after a `# rsdock:keep` line")
            if _KEEP_RE.match(line):
                start, body, replaced, in_head = number, [raw], [], True
                continue
            view.append(line)
            continue
        body.append(raw)
        if _KEEP_RE.match(line):
            raise UserError(f"`# rsdock:keep` inside the block opened at line {start}",
                            path=path, line=number,
                            hint=f"end the first block with `{END}` before opening another")
        if _END_RE.match(line):
            blocks.append(Block(start, tuple(body), tuple(replaced), len(view)))
            view.extend(replaced)
            start = None
            continue
        match = _REPLACES_RE.match(line)
        if match:
            if not in_head:
                raise UserError("`# rsdock:replaces` after the block's own lines", path=path,
                                line=number, hint="put the replaces lines right after "
                                f"`{KEEP}` (line {start})")
            # Nothing after it: the block stands in for a blank generated line.
            named = (match["line"] or "").rstrip()
            replaced.append(match["indent"] + named if named else "")
            continue
        in_head = False
    if start is not None:
        raise UserError(f"the block opened by `{KEEP}` never ends", path=path, line=start,
                        hint=f"add a `{END}` line after the lines to keep")
    return Kept(tuple(blocks), tuple(view))


def _alignment(view: tuple[str, ...], new: list[str]) -> dict[int, int | None]:
    """Which line of ``new`` each line of ``view`` is, where the two texts agree (difflib's
    longest-common-blocks alignment, as ``diff`` and ``patch`` use): a line repeated in several
    places (``timeout-minutes: 90`` in every job) is told apart by where it sits."""
    matcher = difflib.SequenceMatcher(None, view, new, autojunk=False)
    pairs: dict[int, int | None] = {}
    for tag, i1, i2, j1, _j2 in matcher.get_opcodes():
        for offset in range(i2 - i1):
            # A line rsdock now writes differently maps to None; a line it no longer writes at
            # all (its whole region deleted) has no entry.
            if tag == "equal":
                pairs[i1 + offset] = j1 + offset
            elif tag == "replace":
                pairs[i1 + offset] = None
    return pairs


def _place(block: Block, view: tuple[str, ...], pairs: dict[int, int | None], path: str) -> int:
    """Where ``block``'s replaced lines start in the new text (or where it goes, with none).

    The generated line before the block anchors it; when rsdock writes that line differently
    now, the line after it does (the block stays in front of the same line). A block whose
    anchor went with everything around it (a dropped image's stage), or whose replaced lines
    are not all there as they were, is an error.
    """
    r = len(block.replaced)
    if r:
        spots = [pairs.get(block.at + i) for i in range(r)]
        if spots[0] is not None and spots == list(range(spots[0], spots[0] + r)):
            return spots[0]
        lines = " / ".join(f"`{line.strip()}`" for line in block.replaced)
        raise UserError(
            f"this kept block no longer applies: it replaces the generated line {lines}, which "
            "rsdock no longer generates there", path=path, line=block.line,
            hint="compare with `rsdock init --dry-run`: change the `# rsdock:replaces` line to "
                 "what rsdock writes now, or delete the block; nothing was written")
    if block.at == 0:
        return 0  # at the start of the file: the start is always there
    before = pairs.get(block.at - 1)
    if before is not None:
        return before + 1
    # The anchor is written differently now (not gone with its whole region, as when an image
    # is dropped): the block stays in front of the line after it.
    after = pairs.get(block.at) if block.at - 1 in pairs and block.at < len(view) else None
    if after is not None:
        return after
    raise UserError(
        f"this kept block no longer applies: it follows the generated line "
        f"`{view[block.at - 1].strip()}`, which rsdock no longer generates", path=path,
        line=block.line,
        hint="move the block after a line rsdock still writes (see `rsdock init --dry-run`), or "
             "delete it; nothing was written")


def blocks_of(text: str | None, path: str) -> tuple[Block, ...]:
    """The kept blocks of ``text`` (none for a missing file)."""
    return parse(text, path).blocks if text else ()


def apply(rendered: str, on_disk: str | None, path: str) -> str:
    """``rendered`` with the kept blocks of ``on_disk`` put back in their places.

    Args:
        rendered: what rsdock generates for ``path`` now.
        on_disk: the file as it is, or None when there is none.
        path: its root-relative path, for errors.

    Raises:
        UserError: a marker out of place, or a block whose place the new text no longer has
            (located at the block's ``# rsdock:keep`` line).
    """
    if not on_disk or "rsdock" not in on_disk:
        return rendered
    kept = parse(on_disk, path)
    if not kept.blocks:
        return rendered
    new_raw = rendered.splitlines(keepends=True)
    pairs = _alignment(kept.view, [_strip(line) for line in new_raw])
    spots = sorted(((_place(b, kept.view, pairs, path), i, b)
                    for i, b in enumerate(kept.blocks)), key=lambda spot: (spot[0], spot[1]))
    out: list[str] = []
    cursor = 0
    for pos, _order, block in spots:
        if pos < cursor:
            raise UserError("this kept block overlaps the one before it (both replace or follow "
                            "the same generated lines)", path=path, line=block.line,
                            hint="merge the two blocks into one")
        out.extend(new_raw[cursor:pos])
        out.extend(line if line.endswith("\n") else line + "\n" for line in block.text)
        cursor = pos + len(block.replaced)
    out.extend(new_raw[cursor:])
    return "".join(out)


def apply_all(files: dict[str, str], on_disk: Mapping[str, str | None]) -> dict[str, str]:
    """:func:`apply` to every rendered file (``on_disk`` by the same relative paths)."""
    return {rel: apply(text, on_disk.get(rel), rel) for rel, text in files.items()}


def _indent(line: str) -> str:
    return line[:len(line) - len(line.lstrip(" \t"))]


def mark(rendered: str, on_disk: str, path: str) -> tuple[str, list[int]]:
    """``on_disk`` with every difference from ``rendered`` inside a kept block.

    ``rendered`` is what rsdock generates, with the blocks already kept in it (:func:`apply`);
    added lines become a block after the generated line before them, changed or deleted lines a
    block with ``# rsdock:replaces`` lines naming the generated ones.

    Returns:
        The new text, and the 1-based line of each new ``# rsdock:keep`` marker in it.

    Raises:
        UserError: a difference that reaches into an existing block (edit that block instead).
    """
    old_raw = on_disk.splitlines(keepends=True)
    if old_raw and not old_raw[-1].endswith("\n"):
        old_raw[-1] += "\n"
    old = [_strip(line) for line in old_raw]
    new = [_strip(line) for line in rendered.splitlines()]
    inside: set[int] = set()
    for block in parse(on_disk, path).blocks:
        inside.update(range(block.line - 1, block.line - 1 + len(block.text)))
    matcher = difflib.SequenceMatcher(None, new, old, autojunk=False)
    out: list[str] = []
    markers: list[int] = []
    cursor = 0
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        touched = inside.intersection(range(j1, j2))
        if touched:
            raise UserError("this kept block differs from the edit around it: rsdock cannot "
                            "tell which lines belong to it", path=path, line=min(touched) + 1,
                            hint="move the changed lines into the block by hand")
        out.extend(old_raw[cursor:j1])
        first = old[j1] if j2 > j1 else new[i1]
        indent = _indent(first)
        markers.append(len(out) + 1)
        out.append(indent + KEEP + "\n")
        for line in new[i1:i2]:
            out.append((_indent(line) + REPLACES + line.lstrip(" \t")).rstrip() + "\n")
        out.extend(old_raw[j1:j2])
        out.append(indent + END + "\n")
        cursor = j2
    out.extend(old_raw[cursor:])
    return "".join(out), markers


def review_note(status: str, on_disk: str | None, path: str, how: str = "") -> str:
    """What a front end says above a file's diff about hand edits (plain text).

    Args:
        status: the file's :class:`rsdock.wizard.generate.writer.Change` status.
        on_disk: the file's text on disk, or None.
        path: its root-relative path.
        how: the change's ``how`` (:mod:`rsdock.wizard.generate.upgrade`): an upgrade or a
            merge after one is said as such.
    """
    try:
        lines = [b.line for b in blocks_of(on_disk, path)]
    except UserError:
        lines = []  # the preview itself reports a misplaced marker
    notes = []
    if lines:
        where = ", ".join(str(line) for line in lines)
        notes.append(f"{len(lines)} kept block(s) of the file on disk (line {where}) are in "
                     "the new text.")
    if status == "differs" and how in _UPGRADE_NOTES:
        notes.append(_UPGRADE_NOTES[how])
    elif status == "differs":
        notes.append("The file on disk differs (- its lines, + what rsdock writes); writing "
                     "replaces it. To keep a hand edit, put `# rsdock:keep` and `# rsdock:end` "
                     "lines around it (`rsdock init --keep` marks every difference).")
    return " ".join(notes)


# What the review says about a file rsdock renders differently since it last wrote it (the
# values of rsdock.wizard.generate.upgrade's constants, which imports this module).
_UPGRADE_NOTES = {
    "upgrade": "Unchanged since rsdock last wrote it: rsdock's new text replaces it (no "
               "question asked).",
    "merged": "Your edits and rsdock's changes since it last wrote this file are merged "
              "(- the file on disk, + the merge); your version is backed up first.",
    "conflict": "Your edits and rsdock's changes overlap: writing puts both between "
                "<<<<<<< and >>>>>>> lines for you to resolve (your version is backed up "
                "first).",
}
