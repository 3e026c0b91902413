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
import tomllib
from pathlib import Path

from rsdock.lint.model.cargo_toml import (MAX_TOML_BYTES, ScanError, Table, check_nesting,
                                          line_of_key, read_toml)
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
                found.append(path)
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
            if not isinstance(target_dir, str) or not target_dir:
                raise ScanError("[build] `target-dir` must be a path (a string)", path=str(path),
                                line=line_of_key(text, "target-dir", "build"),
                                hint='write it like `target-dir = "out/target"`')
            # Relative to the directory holding .cargo (cargo's ConfigRelativePath).
            resolved = Path(os.path.normpath(path.parent.parent / target_dir))
            self.target_dir = _relative(resolved, root) if resolved.is_relative_to(root) \
                else str(resolved)
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
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ScanError(f"cannot read the toolchain file: {exc}", path=str(path),
                            hint="check that it is readable UTF-8") from None
        stripped = text.strip()
        if name == "rust-toolchain" and stripped and "\n" not in stripped and "=" not in stripped:
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
        if not isinstance(targets, list) or not all(isinstance(t, str) for t in targets):
            raise ScanError("[toolchain] `targets` must be a list of target triples",
                            path=str(path), line=line_of_key(text, "targets", "toolchain"),
                            hint='write it like `targets = ["aarch64-unknown-linux-gnu"]`')
        return Toolchain(name, channel.strip(), tuple(targets),
                         line_of_key(text, "channel", "toolchain"))
    return None
