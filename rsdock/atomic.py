"""Replacing one file atomically: a thin front of :mod:`rsdock.fs` for single-file callers.

Commands that change a workspace use :class:`rsdock.fs.Transaction` directly (all files of one
change as a set, under the workspace lock); this keeps the one-file form for a file whose folder
is the whole "workspace" (a report written with ``--output``, a test's scratch file).
"""

from __future__ import annotations

import re
from pathlib import Path

from rsdock import fs


def write_atomic(path: Path | str, text: str, *, keep_bom: bool = False,
                 force: bool = False) -> None:
    """Replace ``path`` with ``text`` so readers see the old file or the new one, never half.

    Writes a temporary file in the same directory, fsyncs it and renames it over ``path``, then
    fsyncs the directory (through :func:`rsdock.fs.write_files`, so the folder's lock, journal and
    refusals apply). The text is written as is (no newline translation, so ``\\r\\n`` files stay
    ``\\r\\n``); an existing file keeps its permission bits and owner, a new one gets the default
    mode for the umask; missing parent directories are created.

    Args:
        path: the file to replace or create.
        text: its new content.
        keep_bom: keep a UTF-8 byte order mark the existing file starts with (for edits of a
            user's file whose text was read without it).
        force: replace a read-only or hard-linked file too.

    Raises:
        UserError: located, for any file system error or refusal.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise fs.os_error(error, path.parent, "create the folder") from None
    fs.write_files(path.parent, {path.name: text}, keep_bom=keep_bom, force=force)


_LONE_LF = re.compile(r"(?<!\r)\n")


def uses_crlf(text: str) -> bool:
    """Whether ``text``'s lines end in CRLF (most of them): lines written into it must too."""
    crlf = text.count("\r\n")
    return crlf > 0 and crlf * 2 >= text.count("\n")


def crlf_lines(text: str) -> str:
    """``text`` with every lone LF made CRLF (a CRLF stays as it is)."""
    return _LONE_LF.sub("\r\n", text)
