"""Putting generated files on disk safely: compare, show, ask, then write atomically.

The policy every front end (``rsdock init``, the TUI) shares: a new file or an identical one is
fine; a file that differs from what rsdock would write is never overwritten unless the user
forced it or agreed to that file. Callers check every file before writing any, so a refusal
leaves the disk untouched.
"""

from __future__ import annotations

import difflib
import os
import re
from pathlib import Path
from typing import Callable, Iterable

from rsdock import atomic, fs
from rsdock.atomic import write_atomic  # noqa: F401  (re-exported: the writer's public API)
from rsdock.errors import UserError
from rsdock.records import record
from rsdock.wizard.generate import keep, updates, upgrade

NEW = "new"
SAME = "same"
DIFFERS = "differs"


@record(frozen=True)
class Change:
    """What writing one generated file would do.

    Attributes:
        path: the file's path relative to the root, with ``/`` separators.
        status: ``new``, ``same`` or ``differs``.
        text: the text rsdock would write.
        old: the text on disk, or None for a new file.
        how: why a differing file differs (:mod:`rsdock.wizard.generate.upgrade`):
            ``upgrade`` (unchanged since rsdock last wrote it), ``merged`` or ``conflict`` (a
            three-way merge of the user's edits and rsdock's changes), ``unknown`` (no record
            of what rsdock last wrote), ``record`` (rsdock.toml's record only), or "" (the
            user's edit, or a new or same file).
        rendered: what rsdock renders for the file, before the user's kept blocks and merges
            (what is recorded as its last render once written).
        conflicts: the conflicting regions a ``conflict`` merge left in :attr:`text`.
    """

    path: str
    status: str
    text: str
    old: str | None = None
    how: str = ""
    rendered: str = ""
    conflicts: int = 0

    @property
    def needs_consent(self) -> bool:
        """Whether writing it replaces something of the user's without a merge keeping it: a
        differing file that is neither an upgrade of an untouched file nor a clean merge."""
        return self.status == DIFFERS and self.how not in (upgrade.UPGRADE, upgrade.MERGED,
                                                           upgrade.RECORD)

    @property
    def diff(self) -> str:
        """A unified diff from the disk to the new text (``a/path`` -> ``b/path``); "" if same.

        A new file is diffed against ``/dev/null``, as git does.
        """
        if self.status == SAME:
            return ""
        before = "/dev/null" if self.old is None else f"a/{self.path}"
        lines = difflib.unified_diff(
            _lines(self.old or ""), _lines(self.text), fromfile=before, tofile=f"b/{self.path}",
        )
        return "".join(lines)


def plan_changes(root: Path | str, files: dict[str, str], *,
                 keep_edits: bool = True,
                 baseline: upgrade.Baseline | None = None) -> list[Change]:
    """Compare each generated file with what is on disk under ``root``.

    Args:
        root: the workspace root the relative paths of ``files`` start from.
        files: generated text by relative path.
        keep_edits: put the ``# rsdock:keep`` blocks of each file on disk back into its new
            text (:func:`rsdock.wizard.generate.keep.apply`); the :class:`Change`'s ``text``
            is then what would be written.
        baseline: what rsdock last rendered (:func:`rsdock.wizard.generate.upgrade.load`):
            a differing file is then classified, and merged when both the user and rsdock
            changed it (:attr:`Change.how`). Without it a differing file is the user's edit.

    Returns:
        One :class:`Change` per file, in path order.

    Raises:
        UserError: when a path leaves ``root`` or names a directory or an unreadable file, or
            a kept block of a file no longer applies (at the block's line).
    """
    root = Path(root)
    changes = []
    for rel in sorted(files):
        text = files[rel]
        # fs refuses a path that leads outside the workspace (a symlinked Dockerfile pointing at
        # /etc/passwd must never be shown as a diff), a folder, a loop or an unreadable file.
        try:
            old = fs.read_text(root, rel)
        except UserError as error:
            raise UserError(error.message, path=error.path, line=error.line,
                            hint=f"{error.hint}; nothing was written") from None
        if old is None:
            changes.append(Change(rel, NEW, text, rendered=text))
            continue
        if is_dockerfile_text(text) and not is_dockerfile_text(old):
            # A Dockerfile path naming Cargo.toml or a source file must never replace it.
            raise NotADockerfile(root, rel)
        if atomic.uses_crlf(old):
            # A checkout with CRLF lines (git's autocrlf on Windows) keeps them: the same text
            # with other line endings is no change, and an overwrite keeps the file's endings.
            text = atomic.crlf_lines(text)
        rendered = files[rel]
        text = _kept(root, rel, text, old) if keep_edits else text
        if old == text:
            changes.append(Change(rel, SAME, text, old, rendered=rendered))
            continue
        if rel.rsplit("/", 1)[-1] == upgrade.CONFIG_NAME:
            # rsdock.toml whose answers are the same: only its record of the render changed.
            how = upgrade.RECORD if upgrade.without_record(old) == upgrade.without_record(
                text) else ""
            changes.append(Change(rel, DIFFERS, text, old, how, rendered))
            continue
        try:
            verdict = upgrade.classify(rel, old, rendered, baseline) if baseline else None
        except UserError as error:
            raise _located(root, rel, error) from None
        if (verdict is None or verdict.how == upgrade.UNKNOWN) and _adds_only(rel, old, text):
            # An update bot configuration rsdock only adds entries to: the project's lines
            # all stay, in order, so writing it needs no consent (a first `init --yes` of a
            # repository with its own dependabot.yml used to refuse to write anything).
            changes.append(Change(rel, DIFFERS, text, old, upgrade.MERGED, rendered))
            continue
        if verdict is None:
            changes.append(Change(rel, DIFFERS, text, old, rendered=rendered))
            continue
        if verdict.how in (upgrade.MERGED, upgrade.CONFLICT):
            assert verdict.text is not None  # a merge, clean or not, always has its text
            merged = atomic.crlf_lines(verdict.text) if atomic.uses_crlf(old) else verdict.text
            text = _kept(root, rel, merged, old) if keep_edits else merged
        changes.append(Change(rel, SAME if old == text else DIFFERS, text, old, verdict.how,
                              rendered, verdict.conflicts))
    return changes


def _adds_only(rel: str, old: str, text: str) -> bool:
    """Whether ``text`` is ``old`` with lines added and none changed or dropped, for the update
    bot configurations rsdock merges its entries into (:mod:`.updates`)."""
    if rel not in updates.ALL_FILES:
        return False
    new_lines = iter(text.splitlines())
    return all(any(line == candidate for candidate in new_lines) for line in old.splitlines())


def _kept(root: Path, rel: str, text: str, old: str) -> str:
    """``text`` with the user's `# rsdock:keep` blocks of ``old`` put back, in their places."""
    try:
        return keep.apply(text, old, rel)
    except UserError as error:
        raise _located(root, rel, error) from None


def _located(root: Path, rel: str, error: UserError) -> UserError:
    return UserError(error.message, path=fs.shown(os.path.join(root, rel))
                     if str(root) not in ("", ".") else rel, line=error.line, hint=error.hint)


class NotADockerfile(UserError):
    """An existing file that is not a Dockerfile stands where rsdock would write one.

    Attributes:
        root: the workspace root.
        rel: the file's path relative to it.
    """

    def __init__(self, root: Path, rel: str):
        super().__init__("rsdock would write a Dockerfile here, but this file is not one (its "
                         "first instruction is not FROM or ARG); nothing was written",
                         path=fs.shown(os.path.join(root, rel)) if str(root) not in ("", ".")
                         else fs.shown(rel),
                         hint="choose another Dockerfile path (rsdock.toml's dockerfile = ...), "
                              "or move this file away")
        self.root = root
        self.rel = rel


_FIRST_INSTRUCTION = re.compile(r"(?i)(?:FROM|ARG)\s+[^\s=]")


def is_dockerfile_text(text: str) -> bool:
    """Whether ``text`` reads as a Dockerfile: empty, or its first instruction (past comments,
    parser directives and blank lines) is ``FROM`` or ``ARG``, the only ones BuildKit accepts
    first. ``Cargo.toml``, source files and ``.git/config`` never do."""
    for line in text.removeprefix("\ufeff").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            return bool(_FIRST_INSTRUCTION.match(line))
    return True


def blocked(changes: Iterable[Change], *, force: bool = False,
            agreed: Iterable[str] = ()) -> list[Change]:
    """The changes the consent policy forbids: differing files neither forced nor agreed to
    (an upgrade of an untouched file and a clean merge need no consent:
    :attr:`Change.needs_consent`)."""
    if force:
        return []
    agreed = set(agreed)
    return [c for c in changes if c.needs_consent and c.path not in agreed]


def apply_changes(root: Path | str, changes: Iterable[Change], *, force: bool = False,
                  agreed: Iterable[str] = (), extra: dict[str, str | bytes] | None = None,
                  notes: list[str] | None = None,
                  backup: Callable[[Path, list[str], dict[str, str]], Callable[[], None]]
                  | None = None) -> list[Change]:
    """Write every new or differing file, or nothing at all when any write is not allowed.

    Args:
        root: the workspace root.
        changes: from :func:`plan_changes`.
        force: overwrite differing files without asking.
        agreed: relative paths of differing files the user agreed to overwrite.
        extra: more files to replace in the same set (the TUI's rsdock.toml).
        notes: collects what recovering an interrupted earlier write did, for the user.
        backup: called under the lock, before anything is replaced, with the root, the files
            whose text of the user's is changed (merged, conflicting or overwritten files) and
            the text each was read as; it backs them up and returns what to call once the
            write committed (``rsdock edit``'s backups: :func:`backup_hook` in the commands).

    All files are replaced as one set under the workspace lock (:class:`rsdock.fs.Transaction`):
    a crash leaves the old files or the new ones, and a file that changed on disk since it was
    compared is not overwritten.

    Returns:
        The changes written (new and differing files), in order.

    Raises:
        UserError: (exit code 1) naming the files it refused to overwrite, or a file changed
            since it was compared; (exit code 2) a file system error. Nothing was written.
    """
    changes = list(changes)
    refused = blocked(changes, force=force, agreed=agreed)
    if refused:
        conflicts = [c.path for c in refused if c.how == upgrade.CONFLICT]
        raise UserError(
            "refusing to overwrite files that differ from what rsdock generates: "
            + ", ".join(c.path for c in refused) + "; nothing was written",
            hint=("review the diff, then rerun with --force to overwrite them"
                  + (f" ({', '.join(conflicts)}: your edits and rsdock's changes overlap; "
                     "--force writes both between <<<<<<< and >>>>>>> lines for you to resolve, "
                     "after a backup in .rsdock/backup)" if conflicts else "")),
            exit_code=1,
        )
    written = [c for c in changes if c.status != SAME]
    contents: dict[str, str | bytes] = {c.path: c.text for c in written}
    contents.update(extra or {})
    users = [c for c in written if c.status == DIFFERS and c.how not in (upgrade.UPGRADE,
                                                                          upgrade.RECORD)]
    with fs.Transaction(root, force=force) as tx:
        for rel, text in contents.items():
            change = next((c for c in written if c.path == rel), None)
            tx.stage(rel, text, expect=fs.UNCHECKED if change is None else
                     (None if change.status == NEW else change.old))
        confirm = backup(Path(root), [c.path for c in users],
                         {c.path: c.old or "" for c in users}) if backup and users else None
        tx.commit()
        if confirm is not None:
            confirm()
        if notes is not None:
            notes.extend(tx.notes)
    return written


def _lines(text: str) -> list[str]:
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n\\ No newline at end of file\n"
    return lines
