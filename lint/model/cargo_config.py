"""What cargo reads besides the manifests: ``.cargo/config.toml`` and the toolchain file.

A helper of :mod:`rsdock.lint.model.cargo`. Cargo's search, as its configuration reference
describes it: ``.cargo/config.toml`` (or the legacy ``.cargo/config``, preferred when both exist)
in the directory cargo runs in and in every parent, nearer files winning key by key, then
``$CARGO_HOME/config.toml``. A ``target-dir`` is relative to the directory holding ``.cargo``.

Two views matter, and they differ:

* on the developer's machine, every config from the workspace root up to ``/`` applies;
* in an image build, the context is the workspace root copied to ``/app``: only the root's own
  ``.cargo/config.toml`` comes along, so a parent's ``target-dir`` or linker does not apply there.

rustup reads ``rust-toolchain.toml`` (or the legacy ``rust-toolchain``, which may be plain text
naming a channel) from the directory cargo runs in and its parents; ``channel`` picks the
toolchain, ``targets`` the targets it installs with it.
"""

from __future__ import annotations

import os
import re
import tomli as tomllib  # TOML 1.1 (multi-line inline tables), as cargo reads it
from pathlib import Path

from rsdock.lint.model.cargo_toml import (MAX_TOML_BYTES, ScanError, Table, check_nesting,
                                          confined, line_of_key, read_toml)
from rsdock.records import field, record

TOOLCHAIN_FILES = ("rust-toolchain.toml", "rust-toolchain")
CONFIG_NAMES = ("config", "config.toml")  # cargo prefers the legacy name when both exist
_VERSION_CHANNEL = re.compile(r"^1\.\d+(\.\d+)?$")


@record(frozen=True)
class Toolchain:
    """A ``rust-toolchain.toml`` (or ``rust-toolchain``) at the workspace root.

    Attributes:
        file: its file name (``rust-toolchain.toml`` or ``rust-toolchain``).
        channel: the channel it pins (``1.86.0``, ``stable``, ``nightly-2025-01-01``), or "".
        targets: the targets it asks rustup to install with the toolchain.
        line: the line of ``channel`` (for located messages), or None.
    """

    file: str
    channel: str
    targets: tuple[str, ...] = ()
    line: int | None = None

    @property
    def version(self) -> str | None:
        """The Rust version when the channel is one (``1.86`` or ``1.86.0``), else None."""
        return self.channel if _VERSION_CHANNEL.match(self.channel) else None


@record(frozen=True)
class CargoConfig:
    """The ``.cargo/config.toml`` settings rsdock needs, as one view (see the module docstring).

    Attributes:
        files: the config files read, nearest first, as paths relative to the workspace root
            (``.cargo/config.toml``, ``../.cargo/config.toml``).
        target_dir: ``[build] target-dir`` resolved against the directory holding its
            ``.cargo``, written relative to the workspace root when inside it (``out/target``),
            else absolute; None when no file sets it.
        target_dir_file: the file that set ``target_dir``, or "".
        build_targets: ``[build] target`` (a string or a list of triples).
        linkers: ``[target.<triple>] linker``.
        rustflags: ``[target.<triple>] rustflags`` (a string is split on whitespace, as cargo
            does).
        env: the ``[env]`` table, each value as cargo passes it (a table's ``value``).
    """

    files: tuple[str, ...] = ()
    target_dir: str | None = None
    target_dir_file: str = ""
    build_targets: tuple[str, ...] = ()
    linkers: dict[str, str] = field(default_factory=dict)
    rustflags: dict[str, tuple[str, ...]] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)


def config_files(root: Path, *, parents: bool) -> list[Path]:
    """The ``.cargo`` config files cargo reads for a build at ``root``, nearest first.

    Args:
        root: the workspace root.
        parents: also the parents' files (the developer's view), not only the root's (the
            image build's view).
    """
    absolute = Path(os.path.abspath(root))
    found = []
    for directory in (absolute, *absolute.parents) if parents else (absolute,):
        for name in CONFIG_NAMES:
            path = directory / ".cargo" / name
            if path.is_file():
                # the root's own config must not lead out; the parents' lie outside by design
                found.append(confined(absolute, path) if directory == absolute else path)
                break
    return found


def read_config(root: Path, *, parents: bool = False) -> CargoConfig:
    """Merge the config files cargo reads at ``root`` (nearer files win key by key).

    Args:
        root: the workspace root.
        parents: the developer's view (root and parents) instead of the image build's (root).

    Raises:
        ScanError: a config file is not valid TOML, or a known key has the wrong type.
    """
    absolute = Path(os.path.abspath(root))
    merged = _Merged()
    files = config_files(root, parents=parents)
    for path in reversed(files):  # farthest first, so nearer files overwrite
        merged.add(path, absolute)
    return CargoConfig(
        files=tuple(_relative(path, absolute) for path in files),
        target_dir=merged.target_dir,
        target_dir_file=merged.target_dir_file,
        build_targets=merged.build_targets,
        linkers=merged.linkers,
        rustflags=merged.rustflags,
        env=merged.env,
    )


class _Merged:
    def __init__(self) -> None:
        self.target_dir: str | None = None
        self.target_dir_file = ""
        self.build_targets: tuple[str, ...] = ()
        self.linkers: dict[str, str] = {}
        self.rustflags: dict[str, tuple[str, ...]] = {}
        self.env: dict[str, str] = {}

    def add(self, path: Path, root: Path) -> None:
        data, text = read_toml(path)
        build = _table(data.get("build"))
        target_dir = build.get("target-dir")
        if target_dir is not None:
            self.target_dir = _target_dir(target_dir, path, root, text)
            self.target_dir_file = _relative(path, root)
        target = build.get("target")
        if isinstance(target, str):
            self.build_targets = (target,)
        elif isinstance(target, list):
            self.build_targets = tuple(str(t) for t in target)
        for triple, table in _table(data.get("target")).items():
            if not isinstance(table, dict):
                continue
            if isinstance(table.get("linker"), str):
                self.linkers[triple] = table["linker"]
            flags = table.get("rustflags")
            if isinstance(flags, str):
                self.rustflags[triple] = tuple(flags.split())
            elif isinstance(flags, list):
                self.rustflags[triple] = tuple(str(f) for f in flags)
        for name, value in _table(data.get("env")).items():
            if isinstance(value, dict):
                value = value.get("value")
            if isinstance(value, (str, int, float, bool)):
                self.env[name] = str(value)


def _target_dir(value: object, path: Path, root: Path, text: str) -> str:
    """``[build] target-dir`` of the config ``path``, validated where it enters rsdock.

    The value reaches a ``RUN cp`` line of the generated Dockerfile and a ``.dockerignore``
    pattern, so it must be a plain path: the root's own config must name a relative folder
    inside the workspace (an image build sees nothing else: an absolute path, or one climbing
    out, would be the host's path inside the image), made of :data:`_SAFE_SEGMENT` parts. A
    parent's config (the developer's view) may point anywhere outside the workspace (a shared
    ``~/.cargo`` target folder is common): that value is kept absolute and never rendered; inside
    the workspace it must be as plain as the root's.

    Returns:
        The folder relative to ``root`` when inside it, else absolute.

    Raises:
        ScanError: located at the ``target-dir`` line, saying what to write instead.
    """
    line = line_of_key(text, "target-dir", "build")
    where = str(path)
    if not isinstance(value, str) or not value:
        raise ScanError("[build] `target-dir` must be a path (a string)", path=where, line=line,
                        hint=_TARGET_DIR_HINT)
    # Relative to the directory holding .cargo (cargo's ConfigRelativePath).
    resolved = Path(os.path.normpath(path.parent.parent / value))
    own = os.path.normpath(path.parent.parent) == os.path.normpath(root)
    problem = None
    if _UNSAFE_TEXT.search(value):
        problem = "holds a line break or control character"
    elif not resolved.is_relative_to(root):
        if not own:
            return str(resolved)  # the developer's own output folder, outside: never rendered
        problem = "leads outside the workspace, where an image build cannot write"
    elif own and os.path.isabs(value):
        problem = ("is absolute: inside the image the workspace is not where it is on this "
                   "machine")
    elif resolved == root:
        problem = "is the workspace root itself: its build output would be the sources"
    else:
        relative = _relative(resolved, root)
        if not all(_SAFE_SEGMENT.match(part) for part in relative.split("/")):
            problem = ("holds characters a Dockerfile or .dockerignore would misread (use "
                       "letters, digits, `.`, `_`, `+` and `-`, and `/` between folders; a "
                       "folder may not start with `-`)")
        else:
            return relative
    raise ScanError(f"[build] `target-dir` = {_shown_value(value)} {problem}", path=where,
                    line=line, hint=_TARGET_DIR_HINT)


_TARGET_DIR_HINT = ('write a folder relative to the workspace root, inside it, like '
                    '`target-dir = "target"` or `"out/cargo"`; for a folder elsewhere set '
                    'CARGO_TARGET_DIR on your machine instead')
_SAFE_SEGMENT = re.compile(r"^[A-Za-z0-9_.+][A-Za-z0-9_.+-]*$")
# Line breaks of any kind (YAML also breaks lines at U+0085, U+2028 and U+2029) and controls.
_UNSAFE_TEXT = re.compile("[\x00-\x1f\x7f\x85\u2028\u2029]")


def _shown_value(value: str) -> str:
    """``value`` quoted for a message, every non-printable character escaped."""
    return "'" + "".join(c if c.isprintable() and c != "\\" else
                         (f"\\u{ord(c):04x}" if ord(c) > 0xff else f"\\x{ord(c):02x}")
                         for c in value) + "'"


def _table(value: object) -> Table:
    return value if isinstance(value, dict) else {}


def _relative(path: Path, root: Path) -> str:
    """``path`` relative to ``root`` with ``/`` separators (``..`` for parents)."""
    return Path(os.path.relpath(path, root)).as_posix()


def read_toolchain(root: Path) -> Toolchain | None:
    """The toolchain file at the workspace root, or None.

    rustup prefers ``rust-toolchain`` when both exist (and warns); so does this.

    Raises:
        ScanError: the file cannot be read, or pins nothing rustup understands.
    """
    for name in reversed(TOOLCHAIN_FILES):
        path = Path(root) / name
        if not path.is_file():
            continue
        confined(Path(root), path)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ScanError(f"cannot read the toolchain file: {exc}", path=str(path),
                            hint="check that it is readable UTF-8") from None
        stripped = text.strip()
        if name == "rust-toolchain" and stripped and "\n" not in stripped and "=" not in stripped:
            _check_channel(stripped, path, 1)
            return Toolchain(name, stripped, line=1)  # the legacy one-line form
        if len(text) > MAX_TOML_BYTES:
            raise ScanError(f"the toolchain file is bigger than {MAX_TOML_BYTES:,} characters",
                            path=str(path), hint="a toolchain file is a few lines: check that "
                                                 "this is the right file")
        check_nesting(text, str(path))  # before tomllib recurses into it
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ScanError(f"invalid TOML in the toolchain file: {exc}", path=str(path),
                            hint="rustup expects [toolchain] with `channel = \"1.86.0\"`"
                            ) from None
        table = data.get("toolchain")
        table = table if isinstance(table, dict) else {}
        channel = table.get("channel", "")
        if not isinstance(channel, str):
            raise ScanError("[toolchain] `channel` must be a string", path=str(path),
                            line=line_of_key(text, "channel", "toolchain"),
                            hint='write it like `channel = "1.86.0"`')
        targets = table.get("targets") or []
        if not isinstance(targets, list) or not all(isinstance(t, str) and _TRIPLE.match(t)
                                                    for t in targets):
            raise ScanError("[toolchain] `targets` must be a list of target triples",
                            path=str(path), line=line_of_key(text, "targets", "toolchain"),
                            hint='write it like `targets = ["aarch64-unknown-linux-gnu"]`')
        line = line_of_key(text, "channel", "toolchain")
        if channel.strip():
            _check_channel(channel.strip(), path, line)
        return Toolchain(name, channel.strip(), tuple(targets), line)
    return None


# rustup's toolchain names: a channel (``stable``, ``1.86.0``, ``nightly-2025-01-01``) with an
# optional host triple, or a custom toolchain's name; none holds a space, quote or slash.
_CHANNEL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]*$")
_TRIPLE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def _check_channel(channel: str, path: Path, line: int | None) -> None:
    """Refuse a channel rustup could not name, before it reaches a message or a file."""
    if not _CHANNEL.match(channel):
        raise ScanError(f"the toolchain channel {_shown_value(channel)} is not a toolchain name "
                        "rustup accepts", path=str(path), line=line,
                        hint='write it like `channel = "1.86.0"`, "stable" or '
                             '"nightly-2025-01-01"')
