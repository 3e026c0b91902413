"""Upgrades: telling rsdock's own changes to a generated file from the user's.

``rsdock.toml`` records which rsdock rendered the files and, per file, the SHA-256 of what it
rendered (:class:`Record`, its ``[generated]`` table). Only rsdock's part of a file is digested
(:func:`owned`): ``# rsdock:keep`` blocks are the user's (their replaced lines are rsdock's), and
so are the lines of the ``.dockerignore``'s ``# rsdock:project`` section.

The last render itself is kept too, compressed, in ``.rsdock/last-render.json.gz``
(:data:`rsdock.fs.RENDERS`), written in the same transaction as the files: a three-way merge
needs the text, not only its digest. It is trusted only when it matches the digests of
``rsdock.toml``; when it is missing (a fresh clone that did not commit it) a file still equal
to its digest is known untouched, and any other is an unknown baseline, never merged blindly.

On ``init`` each differing file is classified (:func:`classify`):

* rsdock renders it as it did last time: a difference is the user's edit (drift, as before);
* it is unchanged since the last render: rsdock's new text replaces it without asking;
* both changed: a three-way merge (:func:`merge3`, git merge-file semantics) of the last render,
  the user's file and the new render; a clean merge is written, a conflict only with consent;
* no record (generated before rsdock recorded renders): an unknown baseline, handled as drift.
"""

from __future__ import annotations

import difflib
import gzip
import hashlib
import json
import tomllib
import zlib
from importlib.metadata import PackageNotFoundError, version as installed
from pathlib import Path
from typing import Callable, Collection

from rsdock import __version__, fs
from rsdock.errors import UserError
from rsdock.records import record
from rsdock.wizard.generate import ignore_merge, keep

TABLE = "generated"
MAX_RENDERS_BYTES = 4 * fs.MAX_READ_BYTES  # every generated file together, uncompressed
CONFIG_NAME = "rsdock.toml"  # answers.CONFIG_NAME (answers imports the writer, which imports this)
# Where each release says what changed in the files it generates (docs/hand-edits.md).
CHANGELOG = "rsdock's CHANGELOG.md, section \"Generated files\""

# How a differing file came to differ (Change.how).
# keep._UPGRADE_NOTES says the first three in the TUI's review (keep cannot import this module).
UPGRADE = "upgrade"      # unchanged since the last render: rsdock's new text, without asking
MERGED = "merged"        # the user's edits and rsdock's changes merged cleanly
CONFLICT = "conflict"    # both changed the same lines: conflict markers, only with consent
UNKNOWN = "unknown"      # no record of the last render: handled as the user's edit
RECORD = "record"        # rsdock.toml whose only change is its [generated] record


def version() -> str:
    """The running rsdock's version, from the package metadata (the source tree's otherwise)."""
    try:
        return installed("rsdock")
    except PackageNotFoundError:
        return __version__


@record(frozen=True)
class Record:
    """What rsdock last rendered: its version and a digest of rsdock's part of each file.

    Attributes:
        version: the rsdock version that rendered them, or "" when none is recorded.
        digests: ``(path, "sha256:...")`` pairs, paths relative to the git root, sorted.
    """

    version: str = ""
    digests: tuple[tuple[str, str], ...] = ()

    def digest(self, rel: str) -> str | None:
        """The recorded digest of ``rel``, or None."""
        return dict(self.digests).get(rel)

    @property
    def known(self) -> bool:
        """Whether anything is recorded (False for projects generated before records)."""
        return bool(self.version)


def _lf(text: str) -> str:
    return text.replace("\r\n", "\n").removeprefix("\ufeff")


def view(text: str, rel: str) -> str:
    """``text`` as rsdock generated it: LF line ends, kept blocks taken out (their replaced
    lines put back).

    Raises:
        UserError: a keep marker out of place (at its line).
    """
    text = _lf(text)
    if "rsdock" not in text:
        return text
    kept = keep.parse(text, rel)
    if not kept.blocks:
        return text
    return "".join(line + "\n" for line in kept.view)


def owned(text: str, rel: str) -> str:
    """rsdock's part of ``text``: :func:`view`, and for a ``.dockerignore`` without the lines of
    its project section (the project's own, copied from disk by every render)."""
    text = view(text, rel)
    if not rel.endswith(".dockerignore") or ignore_merge.PROJECT not in text:
        return text
    out, inside = [], False
    for line in text.splitlines(keepends=True):
        if inside and ignore_merge.END_PROJECT in line:
            inside = False
        if not inside:
            out.append(line)
        if line.lstrip().startswith(ignore_merge.PROJECT) and not inside:
            inside = not line.lstrip().startswith(ignore_merge.END_PROJECT)
    return "".join(out)


def digest(text: str, rel: str) -> str:
    """``sha256:`` of rsdock's part of ``text`` (:func:`owned`)."""
    return "sha256:" + hashlib.sha256(owned(text, rel).encode("utf-8")).hexdigest()


def record_of(files: dict[str, str]) -> Record:
    """The record of rendering ``files`` (pure renders, by git-root-relative path)."""
    return Record(version(), tuple(sorted((rel, digest(text, rel))
                                          for rel, text in files.items())))


# --- rsdock.toml's [generated] table -------------------------------------------------------------

def dumps_record(rec: Record, toml_string: Callable[[str], str]) -> str:
    """The ``[generated]`` table for ``rec`` (with its comment), or "" for an empty record;
    ``toml_string`` quotes a value (``answers.toml_string``, which imports this module)."""
    if not rec.known:
        return ""
    lines = ["# What rsdock last wrote (`rsdock init` tells its own changes from yours with it; "
             "see docs/hand-edits.md).",
             f"[{TABLE}]", f"rsdock = {toml_string(rec.version)}", "", f"[{TABLE}.files]"]
    lines += [f"{toml_string(rel)} = {toml_string(value)}" for rel, value in rec.digests]
    return "\n".join(lines) + "\n"


def parse_record(data: object, path: str, line: int | None) -> Record:
    """The :class:`Record` of rsdock.toml's parsed ``[generated]`` table.

    Raises:
        UserError: when it is not shaped as rsdock writes it (at ``line``).
    """
    hint = "delete the [generated] tables: the next `rsdock init` writes them again"
    if not isinstance(data, dict) or set(data) - {"rsdock", "files"}:
        raise UserError("[generated] must hold `rsdock = \"VERSION\"` and a [generated.files] "
                        "table", path=path, line=line, hint=hint)
    files = data.get("files", {})
    found = data.get("rsdock", "")
    if not isinstance(found, str) or not isinstance(files, dict) or not all(
            isinstance(v, str) and v.startswith("sha256:") for v in files.values()):
        raise UserError("[generated] is not as rsdock writes it (a version string and "
                        "\"path\" = \"sha256:...\" lines)", path=path, line=line, hint=hint)
    return Record(found, tuple(sorted(files.items())))


def record_in(config: str | None) -> Record:
    """The record in an ``rsdock.toml`` text (an empty one when there is none or it is bad)."""
    if not config:
        return Record()
    try:
        data = tomllib.loads(config)
        return parse_record(data[TABLE], "", None) if TABLE in data else Record()
    except (tomllib.TOMLDecodeError, RecursionError, UserError):
        return Record()


def without_record(config: str) -> str:
    """``config`` with its ``[generated]`` tables (and their comment) taken out."""
    out: list[str] = []
    skipping = False
    for line in config.splitlines(keepends=True):
        head = line.strip()
        if head.startswith("["):
            name = head.strip("[] \t\r\n").split("#")[0].strip().strip("[]").strip()
            skipping = name == TABLE or name.startswith(TABLE + ".")
        if head.startswith("# What rsdock last wrote"):
            continue
        if not skipping:
            out.append(line)
    return "".join(out).rstrip("\n") + "\n" if out else ""


def with_record(config: str, rec: Record, toml_string: Callable[[str], str]) -> str:
    """``config`` with its ``[generated]`` tables replaced by ``rec``'s, in place (after the
    answers, before any table that follows them); appended when it had none."""
    table = dumps_record(rec, toml_string)
    lines = config.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines)
                  if line.startswith("# What rsdock last wrote")
                  or line.strip().replace(" ", "") == f"[{TABLE}]"), None)
    if start is None:
        return config.rstrip("\n") + "\n\n" + table if table else config
    end = start + 1
    while end < len(lines):
        head = lines[end].strip()
        if head.startswith("[") and not head.strip("[] ").startswith(TABLE):
            break
        end += 1
    while end > start and lines[end - 1].strip() == "" and end < len(lines):
        end -= 1  # the blank line before the next table stays
    return "".join(lines[:start]) + table + "".join(lines[end:])


# --- the stored last render ----------------------------------------------------------------------

def pack(renders: dict[str, str]) -> bytes:
    """The bytes of :data:`rsdock.fs.RENDERS` for ``renders`` (stable: same renders, same bytes)."""
    data = json.dumps(renders, sort_keys=True, ensure_ascii=False).encode("utf-8")
    return gzip.compress(data, mtime=0)


def unpack(data: bytes | None) -> dict[str, str]:
    """The renders stored in :data:`rsdock.fs.RENDERS` bytes ({} when absent or unreadable)."""
    if not data:
        return {}
    # Decompressed with a cap: a planted gzip bomb is refused, not expanded.
    inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        raw = inflate.decompress(data, MAX_RENDERS_BYTES + 1)
        if len(raw) > MAX_RENDERS_BYTES or inflate.unconsumed_tail:
            return {}
        renders = json.loads(raw)
    except (zlib.error, ValueError, RecursionError):
        return {}
    if not isinstance(renders, dict):
        return {}
    return {k: v for k, v in renders.items() if isinstance(k, str) and isinstance(v, str)}


@record(frozen=True)
class Baseline:
    """The record of ``rsdock.toml`` and the last renders that match it.

    Attributes:
        record: the recorded version and digests.
        renders: the stored last render of each file whose digest matches the record.
        stored: the bytes of the stored renders as read (None when there is no file).
    """

    record: Record
    renders: tuple[tuple[str, str], ...] = ()
    stored: bytes | None = None

    def render(self, rel: str) -> str | None:
        """The last render of ``rel``, verified against the record, or None."""
        return dict(self.renders).get(rel)


def load(out: Path | str, config: str | None) -> Baseline:
    """The baseline of the workspace whose files are under ``out`` (the git root).

    Args:
        out: the folder the rendered paths are relative to.
        config: the text of its rsdock.toml, or None.

    Raises:
        UserError: when the stored renders cannot be read (a symlink leading out, say).
    """
    rec = record_in(config)
    stored = fs.read_bytes(out, fs.RENDERS)
    renders = unpack(stored)
    verified = tuple(sorted((rel, text) for rel, text in renders.items()
                            if rec.digest(rel) == digest(text, rel)))
    return Baseline(rec, verified, stored)


def renders_to_store(baseline: Baseline | None, renders: dict[str, str],
                     declined: Collection[str] = frozenset()) -> tuple[Record, dict[str, str]]:
    """The record and the renders to store once ``renders`` are written; a ``declined`` file
    (left as it was) keeps what was recorded for it, or gets no record."""
    old_record = baseline.record if baseline else Record()
    old_texts = dict(baseline.renders) if baseline else {}
    texts = {rel: text for rel, text in renders.items() if rel not in declined}
    digests = dict(record_of(texts).digests)
    for rel in declined:
        old_digest = old_record.digest(rel)
        if old_digest:
            digests[rel] = old_digest
            if rel in old_texts:
                texts[rel] = old_texts[rel]
    return Record(version(), tuple(sorted(digests.items()))), texts


# --- classification and the three-way merge ------------------------------------------------------

@record(frozen=True)
class Verdict:
    """How a file that differs from its new render came to differ.

    Attributes:
        how: one of :data:`UPGRADE`, :data:`MERGED`, :data:`CONFLICT`, :data:`UNKNOWN`, or ""
            (the user's edit: rsdock renders the file as it did last time).
        text: the text to write for a merge or upgrade (before keep blocks go back in), or None.
        conflicts: how many conflicting regions the merge left.
    """

    how: str
    text: str | None = None
    conflicts: int = 0


def classify(rel: str, old: str, new: str, baseline: Baseline | None) -> Verdict:
    """Tell why ``old`` (the file on disk) differs from ``new`` (what rsdock renders now).

    Raises:
        UserError: a keep marker out of place in ``old`` (at its line).
    """
    if baseline is None or not baseline.record.known:
        return Verdict(UNKNOWN)
    recorded = baseline.record.digest(rel)
    if recorded is None:
        return Verdict(UNKNOWN)
    if digest(new, rel) == recorded:
        return Verdict("")  # rsdock writes what it wrote: the difference is the user's
    if digest(old, rel) == recorded:
        return Verdict(UPGRADE, new)
    base = baseline.render(rel)
    if base is None:
        return Verdict(UNKNOWN)
    merged, conflicts = merge3(base, view(old, rel), new,
                               ours=f"yours ({rel})", theirs=f"rsdock {version()} ({rel})")
    return Verdict(CONFLICT if conflicts else MERGED, merged, conflicts)


def _sync_regions(base: list[str], ours: list[str],
                  theirs: list[str]) -> list[tuple[int, int, int, int]]:
    """Stretches of ``base`` both sides kept as they were: ``(base start, base end, ours start,
    theirs start)``, ending with an empty stretch at the three ends."""
    mine = difflib.SequenceMatcher(None, base, ours, autojunk=False).get_matching_blocks()
    other = difflib.SequenceMatcher(None, base, theirs, autojunk=False).get_matching_blocks()
    regions = []
    i = j = 0
    while i < len(mine) - 1 and j < len(other) - 1:
        a_base, a_at, a_len = mine[i]
        b_base, b_at, b_len = other[j]
        low, high = max(a_base, b_base), min(a_base + a_len, b_base + b_len)
        if low < high:
            regions.append((low, high, a_at + low - a_base, b_at + low - b_base))
        if a_base + a_len < b_base + b_len:
            i += 1
        else:
            j += 1
    regions.append((len(base), len(base), len(ours), len(theirs)))
    return regions


def merge3(base: str, mine: str, new: str, *, ours: str = "yours",
           theirs: str = "rsdock") -> tuple[str, int]:
    """Merge ``mine`` (the user's file) and ``new`` (rsdock's new render), both made from
    ``base`` (rsdock's last render), line by line as ``git merge-file`` does.

    A region only one side changed takes that side; a region both changed the same way takes
    it once; a region both changed differently is a conflict, written between
    ``<<<<<<< ours``, ``=======`` and ``>>>>>>> theirs`` lines (the user's lines first).

    Returns:
        The merged text and the number of conflicting regions.
    """
    b, a, t = (text.splitlines(keepends=True) for text in (base, mine, new))
    for lines in (b, a, t):
        if lines and not lines[-1].endswith("\n"):
            lines[-1] += "\n"
    out: list[str] = []
    conflicts = 0
    at_b = at_a = at_t = 0
    for start, end, a_start, t_start in _sync_regions(b, a, t):
        chunk_b, chunk_a, chunk_t = b[at_b:start], a[at_a:a_start], t[at_t:t_start]
        if chunk_a == chunk_t or chunk_b == chunk_a:
            out += chunk_t
        elif chunk_b == chunk_t:
            out += chunk_a
        else:
            conflicts += 1
            out += [f"<<<<<<< {ours}\n", *chunk_a, "=======\n", *chunk_t, f">>>>>>> {theirs}\n"]
        out += b[start:end]
        at_b, at_a, at_t = end, a_start + end - start, t_start + end - start
    return "".join(out), conflicts


def upgrade_message(rec: Record, paths: list[str]) -> str:
    """What ``init --check`` says about files only rsdock's new rendering changed."""
    now = version()
    if rec.version and rec.version != now:
        return (f"rsdock {now} renders these files differently from rsdock {rec.version}, which "
                f"wrote them: {', '.join(paths)}: run `rsdock init` to upgrade (what changed: "
                f"{CHANGELOG} of {now})")
    return (f"rsdock.toml or the workspace now renders these files differently: "
            f"{', '.join(paths)}: run `rsdock init --yes` to regenerate them")


def verb(how: str, conflicts: int = 0) -> str:
    """The summary's word for writing a differing file of this kind."""
    return {UPGRADE: "upgraded (untouched since rsdock wrote it)",
            MERGED: "merged (your edits kept, rsdock's changes applied)",
            CONFLICT: f"wrote with {conflicts} conflict(s) to resolve (<<<<<<< lines)",
            RECORD: "updated"}.get(how, "overwrote")


NO_RECORD = ("rsdock.toml has no [generated] record of what rsdock last wrote (it was written "
             "before rsdock kept one), so a file that differs is treated as your edit: nothing "
             "is overwritten without --force. From this write on, upgrades are told apart and "
             "merged.")
FIRST_WRITE = ("rsdock has not written here before (there is no rsdock.toml), so the files "
               "that exist already are yours: a merge that changes them needs your consent "
               "(review the diff, then --force)")
MISSING_RENDERS = (f"{fs.RENDERS} (rsdock's last render) is missing or does not match "
                   "rsdock.toml's record, so files you edited cannot be merged with rsdock's "
                   "changes and are treated as your edit; commit that file with rsdock.toml")
