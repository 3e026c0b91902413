"""``Cargo.lock``'s dependency graph: which crates a workspace member's build can reach on Linux.

Pure Python (``tomllib``), offline. What a lockfile records and what it does not:

* every package of the resolve (members have no ``source``), each with ``dependencies`` written
  as ``"name"``, ``"name version"`` or ``"name version (source)"`` (the longer forms only when
  the name alone is ambiguous in the file);
* one resolve for every target and every feature some member may enable: an edge is there when
  *some* platform or feature combination needs it. Neither the ``cfg`` of an edge nor the
  features are written down.

So a walk over the edges over-reports: :mod:`rsdock.lint.model.cargo_features` walks it the
way cargo's feature resolver does, with the members' manifests; this module parses the file and
decides whether a ``[target.<spec>]`` table can apply on Linux (:func:`linux_may_match`).
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from rsdock.lint.model.cargo_toml import ScanError, check_nesting
from rsdock.records import field, record

# The biggest real lockfiles are about a megabyte; tomllib reads one megabyte in about 0.7 s.
MAX_LOCK_CHARS = 4_000_000

_ENTRY_RE = re.compile(r"^(?P<name>\S+)(?: (?P<version>[^ (]+))?(?: \((?P<source>.+)\))?$")


@record(frozen=True)
class LockPackage:
    """One ``[[package]]`` of the lockfile.

    Attributes:
        name: the crate name.
        version: its version.
        source: ``registry+...``/``git+...``, or None for a path package (a member).
        dependencies: the raw ``dependencies`` entries.
    """

    name: str
    version: str
    source: str | None
    dependencies: tuple[str, ...] = ()


@record(frozen=True)
class Lockfile:
    """A parsed ``Cargo.lock``."""

    path: str
    packages: tuple[LockPackage, ...]
    _by_name: dict[str, tuple[LockPackage, ...]] = field(default_factory=dict, repr=False,
                                                           compare=False)

    def named(self, name: str) -> tuple[LockPackage, ...]:
        """Every package called ``name`` (several versions may coexist)."""
        return self._by_name.get(name, ())

    def member(self, name: str) -> LockPackage | None:
        """The path package (workspace member) called ``name``, or None."""
        return next((p for p in self.named(name) if p.source is None), None)

    def resolve(self, entry: str) -> LockPackage | None:
        """The package a ``dependencies`` entry names, or None when the file lacks it."""
        match = _ENTRY_RE.match(entry.strip())
        if not match:
            return None
        candidates = self.named(match["name"])
        if match["version"]:
            candidates = tuple(p for p in candidates if p.version == match["version"])
        if match["source"]:
            candidates = tuple(p for p in candidates if p.source == match["source"]) or candidates
        return candidates[0] if candidates else None


def parse_lockfile(path: Path) -> Lockfile:
    """Read ``Cargo.lock`` (formats v1 to v4).

    Raises:
        ScanError: the file cannot be read or is not a lockfile (located, with a hint).
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScanError(f"cannot read Cargo.lock: {exc}", path=str(path),
                        hint="check that the file is readable") from None
    if len(text) > MAX_LOCK_CHARS:
        raise ScanError(f"Cargo.lock is bigger than {MAX_LOCK_CHARS:,} characters; rsdock reads "
                        f"lockfiles up to that size", path=str(path),
                        hint="no real lockfile comes close: check that this is the right file")
    data = read_cargo_layout(text)
    if data is None:  # not cargo's own layout: the TOML parser decides (and locates errors)
        check_nesting(text, str(path))  # before tomllib recurses into it
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ScanError(f"Cargo.lock is not valid TOML: {exc}", path=str(path),
                            hint="regenerate it with `cargo generate-lockfile`") from None
    return lockfile_from_data(data, str(path))


# The lines cargo writes in a lockfile (v1 to v4), each a complete TOML statement: a string key
# `= "..."` (a basic string without escapes or control characters), an array of such strings
# over several lines, `version = N` before the first table, `[[package]]`, comments.
_LOCK_STRING = r'"([^"\\\x00-\x08\x0a-\x1f\x7f]*)"'
_LOCK_PAIR_RE = re.compile(r"([A-Za-z0-9_-]+) = " + _LOCK_STRING + r"[ \t]*")
_LOCK_ITEM_RE = re.compile(r"[ \t]*" + _LOCK_STRING + r",[ \t]*")
_LOCK_ARRAY_RE = re.compile(r"([A-Za-z0-9_-]+) = \[[ \t]*")
_LOCK_VERSION_RE = re.compile(r"version = ([1-9][0-9]{0,8})[ \t]*")
_LOCK_COMMENT_RE = re.compile(r"[ \t]*(?:#[^\x00-\x08\x0a-\x1f\x7f]*)?")


def read_cargo_layout(text: str) -> dict[str, Any] | None:
    """``Cargo.lock`` as :func:`tomllib.loads` reads it, when every line is one that cargo
    itself writes (see the patterns above); None for anything else (a ``[metadata]`` table,
    an inline array, an escape, a hand edit), which the TOML parser then reads.

    tomllib is pure Python and takes a fifth of a second for a large lockfile (vector's 15,000
    lines); this reads the same lines with one regular expression each. Every line it accepts
    is valid TOML with the meaning given here, and a repeated key, which TOML forbids, sends the
    file to the TOML parser, so the two never disagree (tests/lint/model/test_cargo_lock.py
    compares them).
    """
    if "\r" in text:
        return None  # let the TOML parser judge line ends
    data: dict[str, Any] = {}
    packages: list[dict[str, Any]] = []
    table: dict[str, Any] = data
    array: list[str] | None = None
    pair, item, opens = _LOCK_PAIR_RE.fullmatch, _LOCK_ITEM_RE.fullmatch, _LOCK_ARRAY_RE.fullmatch
    for line in text.split("\n"):
        if array is not None:
            found = item(line)
            if found:
                array.append(found[1])
                continue
            if line != "]":
                return None
            array = None
            continue
        found = pair(line)
        if found:
            if found[1] in table:
                return None
            table[found[1]] = found[2]
            continue
        if line == "[[package]]":
            table = {}
            packages.append(table)
            continue
        found = opens(line)
        if found:
            if found[1] in table:
                return None
            array = table[found[1]] = []
            continue
        if table is data and not packages:
            found = _LOCK_VERSION_RE.fullmatch(line)
            if found and "version" not in data:
                data["version"] = int(found[1])
                continue
        if not _LOCK_COMMENT_RE.fullmatch(line):
            return None
    if array is not None:
        return None
    if packages:
        if "package" in data:
            return None
        data["package"] = packages
    return data


def lockfile_from_data(data: dict[str, Any], path: str = "Cargo.lock") -> Lockfile:
    """A :class:`Lockfile` from parsed TOML (tests build them in memory)."""
    packages = []
    for raw in data.get("package") or []:
        if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
            continue
        deps = raw.get("dependencies") or []
        packages.append(LockPackage(raw["name"], str(raw.get("version", "")),
                                    raw.get("source") if isinstance(raw.get("source"), str)
                                    else None,
                                    tuple(d for d in deps if isinstance(d, str))))
    by_name: dict[str, list[LockPackage]] = {}
    for package in packages:
        by_name.setdefault(package.name, []).append(package)
    return Lockfile(path, tuple(packages), {k: tuple(v) for k, v in by_name.items()})


# ---------------------------------------------------------------------------- cfg on Linux

_CFG_TOKEN = re.compile(r'\s*(?:(?P<ident>[A-Za-z_][A-Za-z0-9_]*)|(?P<str>"[^"]*")|(?P<p>[(),=]))')
# What is true for every Linux target rsdock builds; other keys (target_arch, target_env,
# target_pointer_width, feature) may hold for some of them, so they count as "maybe".
_LINUX_FACTS = {"target_os": "linux", "target_family": "unix"}
_LINUX_FLAGS = {"unix": True, "windows": False}


def linux_may_match(spec: str, arch: str | None = None) -> bool:
    """Whether a ``[target.<spec>]`` table can apply to a Linux target.

    ``spec`` is a triple (``x86_64-pc-windows-msvc``) or a ``cfg(...)`` expression. Keys that
    differ between the Linux targets (``target_arch``, ``target_env``) count as possibly true;
    an expression rsdock cannot parse counts as true (the safe direction). With ``arch``,
    ``target_arch`` is decided for that architecture.
    """
    spec = spec.strip()
    if not spec.startswith("cfg("):
        return "-linux" in spec and (arch is None or spec.split("-", 1)[0].startswith(
            _TRIPLE_ARCH.get(arch, arch)))
    try:
        tokens = [m for m in _CFG_TOKEN.finditer(spec)]
        value, _rest = _eval(tokens, 0, arch)
    except (IndexError, ValueError):
        return True
    return value is not False


# A triple's first component for each target_arch (armv7-unknown-... is target_arch "arm").
_TRIPLE_ARCH = {"x86": "i686", "arm": "arm", "powerpc64": "powerpc64"}


def _eval(tokens: list[re.Match[str]], i: int, arch: str | None = None
          ) -> tuple[bool | None, int]:
    """Evaluate one cfg predicate at ``tokens[i]``: True, False or None (maybe)."""
    token = tokens[i]
    ident = token["ident"]
    if ident is None:
        raise ValueError("expected a cfg predicate")
    if ident == "cfg":
        value, i = _eval(tokens, i + 2, arch)
        return value, i + 1
    following = tokens[i + 1] if i + 1 < len(tokens) else None
    if ident in ("all", "any", "not") and following is not None and following["p"] == "(":
        values, i = [], i + 2
        while tokens[i]["p"] != ")":
            value, i = _eval(tokens, i, arch)
            values.append(value)
            if tokens[i]["p"] == ",":
                i += 1
        i += 1
        if ident == "not":
            return (None if values[0] is None else not values[0]), i
        if ident == "all":
            return (False if False in values else None if None in values else True), i
        return (True if True in values else None if None in values else False), i
    if following is not None and following["p"] == "=":
        wanted = tokens[i + 2]["str"].strip('"')
        if ident in _LINUX_FACTS:
            return _LINUX_FACTS[ident] == wanted, i + 3
        if ident == "target_arch" and arch is not None:
            return arch == wanted, i + 3
        if ident == "target_vendor":
            return (False if wanted in ("apple", "pc") else None), i + 3
        return None, i + 3
    return _LINUX_FLAGS.get(ident), i + 1
