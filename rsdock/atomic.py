"""Atomic file replacement, shared by the generator, the editor and ``rsdock lint --fix``."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

_BOM = "\ufeff".encode("utf-8")


def write_atomic(path: Path | str, text: str, *, keep_bom: bool = False) -> None:
    """Replace ``path`` with ``text`` so readers see the old file or the new one, never half.

    Writes a temporary file in the same directory, fsyncs it and renames it over ``path``, then
    fsyncs the directory. The text is written as is (no newline translation, so ``\\r\\n`` files
    stay ``\\r\\n``); an existing file keeps its permission bits, a new one gets the default mode
    for the umask; missing parent directories are created.

    Args:
        path: the file to replace or create.
        text: its new content.
        keep_bom: keep a UTF-8 byte order mark the existing file starts with (for edits of a
            user's file whose text was read without it).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = text.encode("utf-8")
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
        if keep_bom and not data.startswith(_BOM) and path.read_bytes().startswith(_BOM):
            data = _BOM + data
    except FileNotFoundError:
        mode = 0o666 & ~_umask()
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".rsdock-tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, mode)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def _umask() -> int:
    # os.umask can only be read by setting it; restore at once.
    current = os.umask(0o022)
    os.umask(current)
    return current


def _fsync_dir(directory: Path) -> None:
    # The rename is durable only once the directory entry is; not every OS allows this.
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
