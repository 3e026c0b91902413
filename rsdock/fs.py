"""The one safe file layer: every read and write rsdock does inside a user's workspace.

What it guarantees, for ``rsdock init``, ``rsdock edit``, ``rsdock lint --fix`` and the TUI:

* **Confinement.** A path is relative, has no ``..``, no newline or control character, and its
  real location (symlinks resolved) is inside the workspace root. A symlink that leads out is
  refused with a located error: never followed for reading or writing, its target never printed.
  A symlink loop is reported, not followed.
* **Located errors.** Every :class:`OSError` (disk full, permission denied, read-only file
  system, a parent that is a file...) becomes a :class:`~rsdock.errors.UserError`
  ``path: error: ...`` with a hint, exit 2.
* **One writer per workspace.** A :class:`Transaction` holds an exclusive ``flock`` on the
  workspace root directory itself (no lock file is left behind), so two ``rsdock init --force``
  cannot interleave; the second waits for the first.
* **All files of one change, or none.** A transaction writes every new file to a temporary
  ``.NAME.<id>.rsdock-tmp`` beside its target and fsyncs it, then records the set in a journal
  (``.rsdock/journal.json``, written atomically) and renames them. A kill before the journal is
  committed leaves the old files (the next run deletes the temporaries); a kill after it leaves
  the journal, and the next run finishes the renames: all-old or all-new, never a mix. Stale
  temporaries of older runs are swept by the next transaction.
* **A journal is trusted only when it is rsdock's.** It names each target with the temporary
  its transaction made and that temporary's SHA-256; a recovery checks every entry before the
  first rename and refuses (renaming nothing) a journal that names a file rsdock never writes
  (:func:`rsdock_writes`: never a manifest, a source file or ``.git/``), a temporary of another
  name or content, or lies outside the workspace (a symlinked ``.rsdock``).
* **Confinement of what rsdock found itself**: :func:`confine` applies the same symlink rule to
  paths found by walking a workspace (the cargo scanner's manifests, lock and toolchain files).
* **Freshness.** A caller may give the text it based a change on; the file is compared with it
  immediately before the renames, and once more afterwards through the old file's open
  descriptor: a write by another program in between is detected and the old files (with that
  write) are put back, so nothing is lost.
* **The user's expectations.** A file that is read-only (no owner write bit) or has other hard
  links is refused unless forced (forcing replaces this name only: other links keep the old
  text); mode and owner are kept; a UTF-8 byte order mark can be kept.
"""

from __future__ import annotations

import errno
import fcntl
import os
import re
import shutil
import _thread
import stat
import time
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from types import TracebackType
from typing import Iterator, Mapping

from rsdock.errors import TERMINAL_CONTROL, UserError, escaped_char
from rsdock.records import record

TEMP_SUFFIX = ".rsdock-tmp"
STATE_DIR = ".rsdock"
JOURNAL = f"{STATE_DIR}/journal.json"
BACKUPS = f"{STATE_DIR}/backup"  # rsdock edit's backups (rsdock.wizard.edit.backup)
# What rsdock last rendered, compressed (rsdock.wizard.generate.upgrade): written in the same
# transaction as the files, the one file under .rsdock/ a journal may name.
RENDERS = f"{STATE_DIR}/last-render.json.gz"
BACKUP_MANIFEST = "manifest.json"  # written last: a backup folder without it was cut short
BACKUP_PENDING = "pending.json"  # a complete backup whose edit had not committed yet
MAX_READ_BYTES = 5_000_000  # no real Dockerfile, workflow or manifest comes close
LOCK_TIMEOUT = 30.0

_BOM = "\ufeff".encode("utf-8")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_SHOWN_ESCAPE = re.compile(r"[\x00-\x1f\x7f]|" + TERMINAL_CONTROL.pattern)
_TEMP_NAME = re.compile(r"^\..+\.[0-9a-f-]+\.rsdock-tmp$|^\..+\.rsdock-tmp$")

_HINTS = {
    errno.ENOSPC: "free some disk space, then rerun; nothing was changed",
    errno.EDQUOT: "the disk quota is exhausted: free some space, then rerun",
    errno.EACCES: "make it writable for you (chmod u+w, or the folder's owner), then rerun",
    errno.EPERM: "make it writable for you (chmod u+w, or the folder's owner), then rerun",
    errno.EROFS: "the file system is mounted read-only: work on a writable copy",
    errno.ENOTDIR: "a part of this path is a file, not a folder: rename or move that file",
    errno.EISDIR: "a folder is in the way: rename or move it",
    errno.ELOOP: "a symlink loop: fix or remove the link",
    errno.ENAMETOOLONG: "shorten the path",
    errno.EEXIST: "a file is in the way: rename or move it",
}


# --- paths --------------------------------------------------------------------------------------

def shown(path: object) -> str:
    """``path`` as it may be printed: control characters (a newline!) escaped, never raw.

    A file name is data: printed raw, a newline in it would forge a line of output.
    """
    text = str(path)
    if not _SHOWN_ESCAPE.search(text) and "\\" not in text:
        return text
    return _SHOWN_ESCAPE.sub(lambda m: escaped_char(m[0]) if m[0] not in "\n\t\r"
                        else {"\n": "\\n", "\t": "\\t", "\r": "\\r"}[m[0]],
                        text.replace("\\", "\\\\"))


def check_relpath(rel: str, what: str = "path", *, where: str | None = None,
                  line: int | None = None) -> str:
    """Validate a workspace-relative path as it enters rsdock; return it with ``/`` separators.

    Args:
        rel: the path.
        what: what the path is, for the message (``dockerfile``, ``package-dir``...).
        where: the file the value comes from (for the error location), if any.
        line: its line there.

    Raises:
        UserError: for an empty or absolute path, ``..``, a backslash, or a control character.
    """
    problem = None
    if not isinstance(rel, str) or not rel.strip():
        problem = "is empty"
    elif _CONTROL.search(rel):
        problem = "contains a newline or control character"
    elif rel.startswith("/") or re.match(r"^[A-Za-z]:", rel):
        problem = "is absolute, outside the workspace"
    elif "\\" in rel:
        problem = "contains a backslash"
    elif ".." in rel.split("/"):
        problem = "climbs outside the workspace with `..`"
    if problem:
        raise UserError(f"{what} '{shown(rel)}' {problem}", path=where, line=line,
                        hint="give a path relative to the workspace root, inside it, made of "
                             "plain characters")
    parts = [p for p in rel.split("/") if p not in ("", ".")]
    return "/".join(parts) or "."


def _where(root: Path | str, rel: str) -> str:
    """``rel`` as the user knows it: under the root as they gave it (``.`` adds nothing)."""
    return shown(os.path.join(root, rel) if str(root) not in ("", ".") else rel)


def os_error(error: OSError, path: object, doing: str) -> UserError:
    """The located :class:`UserError` for an :class:`OSError` met while ``doing`` something."""
    reason = error.strerror or str(error)
    return UserError(f"cannot {doing}: {reason}", path=shown(path),
                     hint=_HINTS.get(error.errno or 0, "check the path, its permissions and the "
                                                        "free space"))


def inside(root: Path | str, rel: str) -> Path:
    """The real path of ``rel`` under ``root``, refused unless it stays inside ``root``.

    Missing files are fine (their real location is where they would be created).

    Raises:
        UserError: ``rel`` is not a plain relative path, leads outside ``root`` through a symlink,
            or meets a symlink loop.
    """
    rel = check_relpath(rel)
    base = os.path.realpath(root)
    return _confined(root, rel, os.path.join(base, rel), base)


def confine(root: Path | str, path: Path | str) -> Path:
    """The real path of ``path`` (a path under ``root``, as found by walking it), refused unless
    it stays inside ``root``: the same rule as :func:`inside` for a path rsdock found itself
    rather than one a user wrote (a member folder, a manifest), so its name is not judged.

    Raises:
        UserError: ``path`` lies outside ``root``, leads out through a symlink, or meets a loop.
    """
    base = os.path.realpath(root)
    absolute = os.path.abspath(path)
    lexical = os.path.normpath(os.path.join(base, os.path.relpath(absolute, os.path.abspath(root))))
    rel = os.path.relpath(lexical, base)
    return _confined(root, rel, lexical, base)


def _confined(root: Path | str, rel: str, candidate: str, base: str) -> Path:
    """``candidate``'s real path, refused unless it lies in ``base``, ``root``'s real path
    (resolved once by the caller: every file a lint reads comes here)."""
    try:
        os.stat(candidate)
    except FileNotFoundError:
        pass
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise UserError("a symlink loop: this path cannot be resolved", path=_where(root, rel),
                            hint="fix or remove the symlink") from None
        if error.errno != errno.ENOTDIR:
            raise os_error(error, _where(root, rel), "look at it") from None
    real = os.path.realpath(candidate)
    if real != base and not real.startswith(base.rstrip("/") + "/"):
        raise UserError("this is a symlink (or lies in a symlinked folder) that leads outside "
                        "the workspace; rsdock neither reads nor writes through it",
                        path=_where(root, rel), hint="replace the link by the file itself, or remove it")
    return Path(real)


def read_bytes(root: Path | str, rel: str, *, limit: int = MAX_READ_BYTES) -> bytes | None:
    """The bytes of ``rel`` under ``root``, or None when it does not exist.

    Raises:
        UserError: outside the workspace, a loop, not a regular file (a folder, FIFO or device:
            reading those could block or never end), bigger than ``limit``, or unreadable.
    """
    real = inside(root, rel)
    try:
        fd = os.open(real, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    except OSError as error:
        if error.errno == errno.ENOTDIR:
            return None
        raise os_error(error, _where(root, rel), "read it") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise UserError(f"{shown(rel)} is a directory, where rsdock expects a file",
                            path=_where(root, rel), hint="rename or move that directory")
        if not stat.S_ISREG(info.st_mode):
            raise UserError("this is not a regular file (a FIFO, socket or device)",
                            path=_where(root, rel), hint="replace it by a regular file")
        if info.st_size > limit:
            raise too_big(_where(root, rel), info.st_size, limit)
        chunks, total = [], 0
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            total += len(chunk)
            if total > limit:
                raise too_big(_where(root, rel), total, limit)
            chunks.append(chunk)
        return b"".join(chunks)
    except OSError as error:
        raise os_error(error, _where(root, rel), "read it") from None
    finally:
        os.close(fd)


def too_big(where: str, size: int, limit: int) -> UserError:
    """The error for a file over rsdock's size limit (``where``: the path as shown)."""
    return UserError(f"this file is {size:,} bytes or more; rsdock reads files up to {limit:,}",
                     path=where, hint="no real Dockerfile, workflow or manifest is that "
                                           "big: check that this is the right file")


def read_text(root: Path | str, rel: str, *, limit: int = MAX_READ_BYTES) -> str | None:
    """Like :func:`read_bytes`, decoded as UTF-8 (newlines kept as they are)."""
    data = read_bytes(root, rel, limit=limit)
    if data is None:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise UserError(f"this file is not UTF-8 text (byte {error.start})", path=_where(root, rel),
                        line=line, hint="save it as UTF-8") from None


def fsync_dir(directory: Path | str) -> None:
    """Make a rename in ``directory`` durable (best effort: not every OS allows it)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def digest(data: bytes) -> str:
    """The SHA-256 of ``data`` in hex (how backups are verified)."""
    import hashlib

    return hashlib.sha256(data).hexdigest()


# --- fault injection ----------------------------------------------------------------------------

def step(name: str) -> None:
    """A point between two file-system operations of a write; tests replace it to kill or fail.

    Every operation a transaction makes on disk is preceded by a call, so a test that raises or
    SIGKILLs at the n-th call covers every point where a real crash could land.
    """


# --- the workspace lock -------------------------------------------------------------------------

_held: dict[str, tuple[int, int]] = {}
_held_guard = _thread.allocate_lock()  # threading.Lock() without importing threading


@contextmanager
def locked(root: Path | str, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    """Hold the workspace's exclusive lock (an ``flock`` on its root folder); reentrant.

    Raises:
        UserError: another rsdock kept the workspace locked for ``timeout`` seconds, or the root
            cannot be opened.
    """
    key = os.path.realpath(root)
    with _held_guard:
        if key in _held:
            fd, depth = _held[key]
            _held[key] = (fd, depth + 1)
            reentered = True
        else:
            reentered = False
    if not reentered:
        try:
            fd = os.open(key, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        except OSError as error:
            raise os_error(error, root, "open the workspace") from None
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    os.close(fd)
                    raise UserError("another rsdock is writing to this workspace",
                                    path=shown(root), hint="wait for it to finish, then rerun"
                                    ) from None
                time.sleep(0.02)
        with _held_guard:
            _held[key] = (fd, 1)
    try:
        yield
    finally:
        with _held_guard:
            fd, depth = _held[key]
            if depth > 1:
                _held[key] = (fd, depth - 1)
            else:
                del _held[key]
                os.close(fd)  # closing the descriptor releases the flock


# --- recovery -----------------------------------------------------------------------------------

def recover(root: Path | str, dirs: tuple[str, ...] = ()) -> list[str]:
    """Finish or undo an interrupted transaction, and delete stale temporaries.

    Call with the workspace lock held. A committed journal is rolled forward (its renames are
    finished), an uncommitted one rolled back (its temporaries deleted); then every
    ``.NAME.*.rsdock-tmp`` in the root, ``.github/workflows``, ``.rsdock`` and ``dirs`` is removed.

    The journal is checked before anything is renamed (see :func:`_read_journal`): it must be a
    regular file inside the workspace naming only files rsdock writes, each with the temporary
    its own transaction made and that temporary's SHA-256. A journal that is not rsdock's (or
    a ``.rsdock`` leading out of the workspace) is refused: nothing is renamed or deleted.

    Returns:
        What was done, one note per action, for the user.

    Raises:
        UserError: the journal is not one rsdock wrote, or a rename fails.
    """
    base = Path(os.path.realpath(root))
    notes: list[str] = []
    journal = base / JOURNAL
    sweep = {".", ".github/workflows", STATE_DIR, *dirs}
    found = _read_journal(root)
    if found is not None:
        committed, entries = found
        finished = []
        for entry in entries:
            sweep.add(os.path.dirname(entry.target) or ".")
            if committed and entry.temp_path is not None:
                step("recover-rename")
                try:
                    os.replace(entry.temp_path, entry.target_path)
                    finished.append(entry.target)
                except OSError as error:
                    raise os_error(error, entry.target, "finish an interrupted write") from None
        if committed:
            notes.append("finished an interrupted write of an earlier run"
                         + (f": {', '.join(shown(p) for p in finished)}" if finished else ""))
        else:
            notes.append("an earlier run was interrupted before it changed anything; "
                         "its temporary files were removed")
        try:
            journal.unlink()
        except FileNotFoundError:
            pass
        except OSError as error:
            raise os_error(error, JOURNAL, "remove the journal of an interrupted write") from None
        fsync_dir(journal.parent)
    removed = 0
    for rel in sorted(sweep):
        try:
            folder = inside(base, rel)  # a folder leading out of the workspace is not swept
        except UserError:
            continue
        try:
            names = os.listdir(folder) if not (base / rel).is_symlink() else []
        except OSError:
            continue
        for name in names:
            if _TEMP_NAME.match(name):
                path = folder / name
                if path.is_symlink() or not path.is_file():
                    continue
                try:
                    path.unlink()
                    removed += 1
                except OSError:
                    pass
    if removed:
        notes.append(f"removed {removed} temporary file(s) an interrupted run left behind")
    cut_short = _remove_incomplete_backups(base)
    if cut_short:
        notes.append(f"removed {cut_short} incomplete backup(s) an interrupted run left behind")
    _remove_empty_state_dir(base)
    return notes


# --- the journal --------------------------------------------------------------------------------

JOURNAL_VERSION = 2
MAX_JOURNAL_BYTES = 1_000_000  # a few hundred bytes per file of a set
_TX_ID = re.compile(r"^[0-9a-f]+-[0-9a-f]{8}$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
# What a transaction may write, as the journal is checked against it: rsdock's own file set
# (Dockerfiles, .dockerignore files, workflows, rsdock.toml). Nothing else is ever renamed by
# a recovery, whatever a journal says: never a manifest, a source file or .git/.
_DOCKERFILE_NAME = re.compile(r"^(Dockerfile|Containerfile)([.-].*)?$|.+\.[Dd]ockerfile$")
_NEVER_UNDER = (".git", STATE_DIR, ".cargo")


def rsdock_writes(rel: str) -> bool:
    """Whether ``rel`` is a kind of file rsdock writes (and so a journal may name).

    Dockerfiles (``Dockerfile``, ``Dockerfile.*``, ``Containerfile``, ``*.Dockerfile``),
    ``.dockerignore`` files, GitHub workflows (``.github/workflows/*.yml``) and ``rsdock.toml``;
    never anything under ``.git/``, ``.rsdock/`` or ``.cargo/`` but :data:`RENDERS`.
    """
    if rel == RENDERS:
        return True
    parts = rel.split("/")
    if any(part in _NEVER_UNDER for part in parts[:-1]):
        return False
    name = parts[-1]
    if name == "rsdock.toml" or name.endswith(".dockerignore"):
        return True
    if parts[-3:-1] == [".github", "workflows"] and name.endswith((".yml", ".yaml")):
        return True
    return bool(_DOCKERFILE_NAME.match(name))


@record(frozen=True)
class _JournalEntry:
    target: str
    target_path: Path
    temp_path: Path | None  # None when the temporary is gone (already renamed, or swept)


def _journal_record(tx_id: str, state: str, staged: list[_Staged], base: Path) -> bytes:
    import json

    return json.dumps({"version": JOURNAL_VERSION, "id": tx_id, "state": state, "files": [
        {"target": item.target.relative_to(base).as_posix(),
         "temp": Transaction._temp(item).relative_to(base).as_posix(),
         "sha256": digest(item.data)} for item in staged]}).encode()


def _read_journal(root: Path | str) -> tuple[bool, list[_JournalEntry]] | None:
    """The interrupted transaction's journal, checked: ``(committed, entries)``, or None.

    Raises:
        UserError: ``.rsdock`` or the journal leads out of the workspace or is not a regular
            file, or the journal is not one rsdock wrote: unreadable, another shape, a file
            that is not of rsdock's set (:func:`rsdock_writes`), a temporary not named after its
            target and the transaction, or (once committed) a temporary whose SHA-256 differs.
            Nothing is renamed then.
    """
    import json

    where = _where(root, JOURNAL)
    try:
        if os.path.islink(os.path.join(os.path.realpath(root), JOURNAL)):
            raise UserError("the journal is a symlink; rsdock writes its journal itself and "
                            "never follows a link to it", path=where, hint=_NOT_OURS)
        data = read_bytes(root, JOURNAL, limit=MAX_JOURNAL_BYTES)
    except UserError as error:
        raise UserError(error.message, path=error.path or where,
                        hint=error.hint or _NOT_OURS) from None
    if data is None:
        return None
    base = Path(os.path.realpath(root))

    def refuse(why: str) -> UserError:
        return UserError(f"this journal of an interrupted write is not one rsdock wrote: {why}; "
                         "nothing was renamed", path=where, hint=_NOT_OURS)

    try:
        record = json.loads(data)
    except ValueError:
        raise refuse("it is not JSON") from None
    if not isinstance(record, dict) or record.get("version") != JOURNAL_VERSION \
            or record.get("state") not in ("prepare", "commit") \
            or not isinstance(record.get("id"), str) or not _TX_ID.match(record["id"]) \
            or not isinstance(record.get("files"), list) or set(record) != {
                "version", "id", "state", "files"}:
        raise refuse("its fields are not rsdock's (version, id, state, files)")
    committed = record["state"] == "commit"
    entries: list[_JournalEntry] = []
    seen: set[str] = set()
    for item in record["files"]:
        if not isinstance(item, dict) or set(item) != {"target", "temp", "sha256"} or not all(
                isinstance(v, str) for v in item.values()) or not _SHA256.match(item["sha256"]):
            raise refuse("an entry is not a target, its temporary and a SHA-256")
        target = item["target"]
        try:
            if check_relpath(target, "the target") != target:
                raise refuse(f"{shown(target)} is not written the way rsdock writes paths")
        except UserError as error:
            raise refuse(error.message) from None
        if not rsdock_writes(target) or target in seen:
            raise refuse(f"it names {shown(target)}, which is not a file rsdock writes"
                         if target not in seen else f"it names {shown(target)} twice")
        seen.add(target)
        folder, name = os.path.split(target)
        temp = os.path.join(folder, f".{name}.{record['id']}{TEMP_SUFFIX}")
        if item["temp"] != temp:
            raise refuse(f"the temporary of {shown(target)} is not the one its transaction made")
        try:
            target_path, temp_path = inside(root, target), inside(root, temp)
        except UserError as error:
            raise refuse(f"{shown(target)}: {error.message}") from None
        present = os.path.lexists(temp_path)
        if committed and present:
            if os.path.islink(base / temp) or not temp_path.is_file():
                raise refuse(f"the temporary of {shown(target)} is not a regular file")
            content = read_bytes(root, temp)
            if content is None or digest(content) != item["sha256"]:
                raise refuse(f"the temporary of {shown(target)} is not what was written")
        entries.append(_JournalEntry(target, target_path, temp_path if present else None))
    return committed, entries


_NOT_OURS = ("if no rsdock run was interrupted in this workspace, the file is not rsdock's: "
             "look at it, delete .rsdock/journal.json (and any .*.rsdock-tmp files), then rerun")


def _remove_incomplete_backups(base: Path) -> int:
    folder = base / BACKUPS
    if folder.is_symlink() or (base / STATE_DIR).is_symlink() or not folder.is_dir():
        return 0
    removed = 0
    for backup in list(folder.iterdir()):
        if backup.is_dir() and not backup.is_symlink() and \
                not (backup / BACKUP_MANIFEST).is_file():
            if _edit_happened(base, backup):
                os.replace(backup / BACKUP_PENDING, backup / BACKUP_MANIFEST)
                fsync_dir(backup)
                continue
            shutil.rmtree(backup, ignore_errors=True)
            removed += 1
    if removed:
        try:
            folder.rmdir()
        except OSError:
            pass
    return removed


def _edit_happened(base: Path, backup: Path) -> bool:
    """Whether the edit a pending backup was taken for committed (after this run's recovery):
    a file on disk differs from its backed-up copy. A backup of files still unchanged would make
    undo put back the same text, so it is removed instead of offered."""
    import json

    try:
        files = json.loads((backup / BACKUP_PENDING).read_bytes())["files"]
        return any(digest(read_bytes(base, rel) or b"") != entry["sha256"]
                   for rel, entry in files.items())
    except (OSError, ValueError, KeyError, TypeError, AttributeError, UserError):
        return False


# Written beside the edit backups (as pytest and ruff do for their caches), so `git status`
# does not list them as untracked files (rsdock.wizard.edit.backup writes it).
STATE_GITIGNORE = f"{STATE_DIR}/.gitignore"
STATE_GITIGNORE_TEXT = ("# rsdock's edit backups and write journal, not for git (written by "
                        "rsdock;\n# `rsdock edit --discard-backups` deletes the backups and this "
                        "file). The last render\n# stays tracked: after a fresh clone, `rsdock "
                        "init` merges an upgrade with your edits\n# through it "
                        "(docs/hand-edits.md).\n*\n!last-render.json.gz\n")


def remove_empty_state_dir(base: Path) -> None:
    """Remove ``.rsdock/`` when nothing of rsdock's is left in it but its own ``.gitignore``."""
    state, ignore = base / STATE_DIR, base / STATE_GITIGNORE
    try:
        if not state.is_symlink() and {p.name for p in state.iterdir()} == {".gitignore"} \
                and not ignore.is_symlink() \
                and ignore.read_bytes() == STATE_GITIGNORE_TEXT.encode():
            ignore.unlink()
        state.rmdir()
    except OSError:
        pass


_remove_empty_state_dir = remove_empty_state_dir


# --- transactions -------------------------------------------------------------------------------

@record
class _Staged:
    rel: str
    target: Path
    data: bytes
    mode: int | None
    owner: tuple[int, int] | None
    expect: bytes | None
    expect_missing: bool
    temp: Path | None = None
    old_fd: int | None = None
    old_stat: tuple[int, int, int] | None = None
    checked: bytes = b""


class Changed(UserError):
    """A file changed on disk after rsdock read it; nothing was changed (exit 1)."""


UNCHECKED = object()  # stage(expect=UNCHECKED): the caller read nothing to compare with


class Transaction:
    """Replace several files of a workspace as a set, under its lock (see the module doc).

    Use::

        with Transaction(root) as tx:
            tx.stage("Dockerfile", text)
            tx.stage(".github/workflows/ci.yml", other, expect=old)
            tx.commit()

    Leaving the block without :meth:`commit` (an error) changes nothing on disk.

    Args:
        root: the workspace root.
        force: replace read-only files and files with other hard links too.
    """

    def __init__(self, root: Path | str, *, force: bool = False):
        self.root = Path(root)
        self.base = Path(os.path.realpath(root))
        self.force = force
        self.staged: list[_Staged] = []
        self.notes: list[str] = []
        self._lock: AbstractContextManager[None] = nullcontext()
        self._committed = False
        import secrets

        self._id = f"{os.getpid():x}-{secrets.token_hex(4)}"

    def __enter__(self) -> "Transaction":
        self._lock = locked(self.root)
        self._lock.__enter__()
        try:
            self.notes += recover(self.root)
        except BaseException:
            self._lock.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 tb: TracebackType | None) -> None:
        try:
            self._discard()
        finally:
            self._lock.__exit__(kind, value, tb)

    def stage(self, rel: str, text: str | bytes, *, keep_bom: bool = False,
              expect: str | bytes | None | object = UNCHECKED) -> None:
        """Check that ``rel`` may be replaced and remember its new content (nothing is written).

        Args:
            rel: the workspace-relative path.
            text: its new content (text is written as UTF-8, without newline translation).
            keep_bom: keep a UTF-8 byte order mark the file on disk starts with.
            expect: what the caller read from the file (text compared without a BOM, or bytes),
                or None when it expected no file: checked again right before the rename.

        Raises:
            UserError: the path is refused (outside, a loop, a folder, read-only or hard-linked
                without ``force``, a parent that is a file), or cannot be looked at.
        """
        target = inside(self.root, rel)
        data = text.encode("utf-8") if isinstance(text, str) else bytes(text)
        mode = owner = None
        try:
            info = os.stat(target)
        except (FileNotFoundError, NotADirectoryError):
            info = None  # a parent that is a file is reported by _check_parents
        except OSError as error:
            raise os_error(error, _where(self.root, rel), "write it") from None
        if info is not None:
            if stat.S_ISDIR(info.st_mode):
                raise UserError(f"{shown(rel)} is a directory, but rsdock would write a file "
                                "there", path=_where(self.root, rel),
                                hint="rename or move that directory")
            if not stat.S_ISREG(info.st_mode):
                raise UserError("this is not a regular file (a FIFO, socket or device)",
                                path=_where(self.root, rel), hint="replace it by a regular file")
            if not self.force and not info.st_mode & stat.S_IWUSR:
                raise UserError("this file is read-only; rsdock does not replace it unless "
                                "forced", path=_where(self.root, rel),
                                hint="make it writable (chmod u+w), or rerun with --force")
            if not self.force and info.st_uid != os.geteuid() and os.geteuid() != 0:
                # Only root can give the new file the old owner; it would become ours.
                raise UserError("this file is owned by another user; replacing it would make "
                                "it yours", path=_where(self.root, rel),
                                hint="run rsdock as its owner, or rerun with --force")
            if not self.force and info.st_nlink > 1:
                raise UserError(f"this file has {info.st_nlink - 1} other hard link(s); "
                                "replacing it would leave them with the old text",
                                path=_where(self.root, rel), hint="break the link (cp the file over itself), "
                                                      "or rerun with --force")
            mode, owner = stat.S_IMODE(info.st_mode), (info.st_uid, info.st_gid)
            if keep_bom and not data.startswith(_BOM):
                head = read_bytes(self.root, rel) or b""
                if head.startswith(_BOM):
                    data = _BOM + data
        self._check_parents(rel)
        if expect is UNCHECKED:
            expected, missing = None, False
        elif expect is None:
            expected, missing = None, True
        else:
            assert isinstance(expect, (str, bytes))
            expected = expect.encode("utf-8") if isinstance(expect, str) else bytes(expect)
            missing = False
        self.staged.append(_Staged(rel, target, data, mode, owner, expected, missing))

    def _check_parents(self, rel: str) -> None:
        current = self.base
        for part in rel.split("/")[:-1]:
            current = current / part
            if current.exists() and not current.is_dir():
                raise UserError(f"{shown(current.relative_to(self.base).as_posix())} is a file, "
                                "where rsdock needs a folder", path=_where(self.root, rel),
                                hint="rename or move that file")

    def commit(self) -> list[str]:
        """Write every staged file, all or none; return the paths written.

        Raises:
            UserError: a file system error (nothing was changed), or :class:`Changed` (exit 1)
                when a file changed on disk since the caller read it (nothing was changed).
        """
        if not self.staged:
            return []
        journal = self.base / JOURNAL
        try:
            self._write_journal(journal, "prepare")
            for item in self.staged:
                self._write_temp(item)
            self._check_fresh()
            self._write_journal(journal, "commit")
            self._committed = True
        except OSError as error:
            raise os_error(error, _where(self.root, getattr(error, "rsdock_rel", JOURNAL)),
                           "write it") from None
        # Past the commit point: a kill from here on is finished by the next run's recover().
        try:
            for item in self.staged:
                step("rename")
                assert item.temp is not None
                os.replace(item.temp, item.target)
                item.temp = None
            for folder in sorted({item.target.parent for item in self.staged}):
                step("fsync-dir")
                fsync_dir(folder)
            self._check_still_fresh()
            step("unlink-journal")
            journal.unlink()
            fsync_dir(journal.parent)
        except OSError as error:
            raise os_error(error, self.root, "finish writing (rerun rsdock to complete it)"
                           ) from None
        _remove_empty_state_dir(self.base)
        written = [item.rel for item in self.staged]
        self._close_old()
        self.staged = []
        return written

    def _write_journal(self, journal: Path, state: str) -> None:
        inside(self.root, JOURNAL)  # a .rsdock leading out of the workspace is refused
        step("journal-mkdir")
        try:
            journal.parent.mkdir(exist_ok=True)
        except OSError as error:
            error.rsdock_rel = STATE_DIR  # type: ignore[attr-defined]
            raise
        for item in self.staged:
            if item.temp is None:
                item.temp = item.target.parent / f".{item.target.name}.{self._id}{TEMP_SUFFIX}"
        record = _journal_record(self._id, state, self.staged, self.base)
        temp = journal.parent / f".journal.{self._id}{TEMP_SUFFIX}"
        try:
            self._write_file(temp, record, 0o600, None)
            step("journal-rename")
            os.replace(temp, journal)
            step("journal-fsync-dir")
            fsync_dir(journal.parent)
        except OSError as error:
            _unlink(temp)
            error.rsdock_rel = JOURNAL  # type: ignore[attr-defined]
            raise

    def _write_temp(self, item: _Staged) -> None:
        try:
            self._make_parents(item)
            mode = item.mode if item.mode is not None else 0o666 & ~_umask()
            self._write_file(self._temp(item), item.data, mode, item.owner)
        except OSError as error:
            error.rsdock_rel = item.rel  # type: ignore[attr-defined]
            raise

    @staticmethod
    def _temp(item: _Staged) -> Path:
        assert item.temp is not None, "the journal names every temporary first"
        return item.temp

    def _make_parents(self, item: _Staged) -> None:
        current = self.base
        for part in item.rel.split("/")[:-1]:
            current = current / part
            if not current.is_dir():
                step("mkdir")
                current.mkdir()
                # a folder the user could not see coming must not be a symlink race target
                if current.is_symlink():
                    raise OSError(errno.ELOOP, "a symlink appeared where a folder was created")

    @staticmethod
    def _write_file(path: Path, data: bytes, mode: int, owner: tuple[int, int] | None) -> None:
        step("open")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
                     0o600)
        try:
            view = memoryview(data)
            while view:
                step("write")
                written = os.write(fd, view)
                view = view[written:]
            step("fsync")
            os.fsync(fd)
            step("chmod")
            os.fchmod(fd, mode)
            if owner is not None and owner != (os.geteuid(), os.getegid()):
                step("chown")
                try:
                    os.fchown(fd, *owner)
                except PermissionError:
                    pass  # only root may give a file away; the user's own files stay theirs
        except BaseException:
            os.close(fd)
            _unlink(path)
            raise
        os.close(fd)

    def _check_fresh(self) -> None:
        for item in self.staged:
            if item.expect is None and not item.expect_missing:
                continue
            step("check")
            try:
                fd = os.open(item.target, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK |
                             os.O_CLOEXEC)
            except FileNotFoundError:
                if item.expect_missing:
                    continue
                raise Changed("this file was removed since rsdock read it; nothing was changed",
                              path=_where(self.root, item.rel), hint="rerun rsdock", exit_code=1) from None
            if item.expect_missing:
                os.close(fd)
                raise Changed("this file appeared since rsdock looked; nothing was changed",
                              path=_where(self.root, item.rel), hint="rerun rsdock", exit_code=1)
            item.old_fd = fd
            # The size and time before the read: a line appended between the read and a later
            # fstat would look already checked, and the carry-over would drop it.
            info = os.fstat(fd)
            item.old_stat = (info.st_size, info.st_mtime_ns, info.st_ino)
            data = item.checked = _read_fd(fd)
            if not _same(data, item.expect):
                raise Changed("this file changed since rsdock read it; nothing was changed",
                              path=_where(self.root, item.rel), hint="rerun rsdock", exit_code=1)

    def _check_still_fresh(self) -> None:
        """Carry over what another process wrote to a replaced file between check and rename.

        A process that opened the old file before the rename may write to it after; so first
        wait (briefly) until no other process holds the old file open, then compare. What was
        appended is appended to the new file too (as if it had come after the edit); any other
        change puts the old file back, with the change, and nothing is changed (exit 1).
        """
        rewritten = []
        for item in self.staged:
            if item.old_fd is None:
                continue
            _wait_for_holders(item.old_fd)
            info = os.fstat(item.old_fd)
            if item.old_stat is None or (info.st_size, info.st_mtime_ns) == item.old_stat[:2]:
                continue
            os.lseek(item.old_fd, 0, os.SEEK_SET)
            now = _read_fd(item.old_fd)
            if now.startswith(item.checked):
                step("carry-over")
                fd = os.open(item.target, os.O_WRONLY | os.O_APPEND | os.O_NOFOLLOW | os.O_CLOEXEC)
                try:
                    os.write(fd, now[len(item.checked):])
                    os.fsync(fd)
                finally:
                    os.close(fd)
                self.notes.append(f"{shown(item.rel)} grew while rsdock wrote it; the new lines "
                                  "were kept after the edit")
            else:
                rewritten.append((item, now))
        if not rewritten:
            return
        # All or none: every file of the set goes back to what it was (with the other program's
        # change), lines appended to the new files meanwhile kept after it.
        for item in self.staged:
            step("undo")
            if item.expect_missing:
                _unlink(item.target)
                continue
            if item.old_fd is None:
                continue
            os.lseek(item.old_fd, 0, os.SEEK_SET)
            old = _read_fd(item.old_fd)
            current = item.target.read_bytes() if item.target.exists() else item.data
            since = current[len(item.data):] if current.startswith(item.data) else b""
            temp = item.target.parent / f".{item.target.name}.{self._id}-undo{TEMP_SUFFIX}"
            self._write_file(temp, old + since, item.mode or 0o644, item.owner)
            os.replace(temp, item.target)
        (self.base / JOURNAL).unlink()
        self._committed = False
        self._close_old()
        self.staged = []
        raise Changed("this file was changed by another program while rsdock wrote it; that "
                      "version was put back, so rsdock's edit of it is not applied",
                      path=_where(self.root, rewritten[0][0].rel), hint="rerun rsdock",
                      exit_code=1)

    def _close_old(self) -> None:
        for item in self.staged:
            if item.old_fd is not None:
                os.close(item.old_fd)
                item.old_fd = None

    def _discard(self) -> None:
        """Remove what an uncommitted transaction wrote (its temporaries and journal).

        A transaction that failed past its commit point is finished instead (its journal says
        which renames are left); if even that fails, the next run's :func:`recover` does it.
        """
        if not self.staged:
            return
        self._close_old()
        if self._committed:
            self.staged = []
            try:
                self.notes += recover(self.root)
            except (UserError, OSError):
                pass
            return
        if any(item.temp is not None for item in self.staged):
            import json

            for item in self.staged:
                if item.temp is not None:
                    _unlink(item.temp)
            journal = self.base / JOURNAL
            try:
                record = json.loads(journal.read_bytes())
                if record.get("state") != "commit":
                    journal.unlink()
            except (OSError, ValueError, AttributeError):
                pass
            _remove_empty_state_dir(self.base)
        self.staged = []


def write_files(root: Path | str, files: Mapping[str, str | bytes], *, force: bool = False,
                keep_bom: bool = False) -> list[str]:
    """Replace ``files`` (relative path -> content) under ``root`` as one set; see Transaction."""
    with Transaction(root, force=force) as tx:
        for rel, text in files.items():
            tx.stage(rel, text, keep_bom=keep_bom)
        return tx.commit()


HOLDER_WAIT = 2.0  # seconds an edit waits for another process to close the file it replaced


def _wait_for_holders(fd: int, timeout: float = HOLDER_WAIT) -> None:
    """Wait until no other process has the file behind ``fd`` open (Linux /proc; else no-op).

    ``echo >> Dockerfile`` opens, writes and closes: once it has closed, what it wrote is in the
    old file for the freshness check to see. A program holding the file open longer (an editor)
    is waited for up to ``timeout``, then the check runs with what it has written so far.
    """
    info = os.fstat(fd)
    deadline = time.monotonic() + timeout
    while _held_elsewhere(info.st_dev, info.st_ino) and time.monotonic() < deadline:
        time.sleep(0.002)


def _held_elsewhere(device: int, inode: int) -> bool:
    own = str(os.getpid())
    try:
        pids = [p for p in os.listdir("/proc") if p.isdigit() and p != own]
    except OSError:
        return False
    for pid in pids:
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue  # gone, or another user's process (unreadable without privileges)
        for fd in fds:
            try:
                info = os.stat(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if info.st_ino == inode and info.st_dev == device:
                return True
    return False


def _same(data: bytes, expect: bytes | None) -> bool:
    if expect is None:
        return True
    return data.removeprefix(_BOM) == expect.removeprefix(_BOM)


def _read_fd(fd: int) -> bytes:
    chunks: list[bytes] = []
    while True:
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def _unlink(path: Path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def _umask() -> int:
    current = os.umask(0o022)
    os.umask(current)
    return current
