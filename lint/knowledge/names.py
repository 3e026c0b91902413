"""What cargo accepts as package and binary names: checked where a value enters rsdock.

Sources (read 2026-12-01):

* cargo ``crates/cargo-util-schemas/src/restricted_names.rs`` ``validate_name`` (package names):
  not empty, the first character a Unicode XID start character or ``_`` and not a digit, every
  other one XID continue or ``-``.
* cargo ``src/cargo/util/toml/targets.rs`` ``to_bin_targets``/``validate_target_name`` and
  ``restricted_names::is_conflicting_artifact_name``: a binary target name is not empty and is
  none of ``deps``, ``examples``, ``build``, ``incremental`` (they clash with the folders of
  ``target/<profile>/``); rustc then takes it as the crate name (``-`` becoming ``_``), which may
  hold only alphanumeric characters and ``_``. Checked with cargo 1.95: ``build`` fails to parse,
  ``a b`` and ``a.b`` fail to compile ("invalid character in crate name"), while ``1abc`` and
  ``Ünï`` build (a bin name, unlike a package name, may start with a digit).

Docker image references are checked by :mod:`rsdock.validate` (the reference grammar).
"""

from __future__ import annotations

CONFLICTING_ARTIFACT_NAMES = frozenset({"deps", "examples", "build", "incremental"})


def package_name_problem(name: object) -> str | None:
    """Why cargo rejects ``name`` as a package name, or None when it accepts it."""
    if not isinstance(name, str) or not name:
        return "the name is empty"
    first = name[0]
    if first.isdigit():
        return "the name cannot start with a digit"
    if not (first == "_" or first.isidentifier()):
        return f"the first character {first!r} must be a letter or `_`"
    for char in name[1:]:
        if not (char == "-" or ("a" + char).isidentifier()):
            return f"the character {char!r} is not allowed (use letters, digits, `-` and `_`)"
    return None


def bin_name_problem(name: object) -> str | None:
    """Why ``name`` cannot be a binary target rsdock packages, or None when it can."""
    if not isinstance(name, str) or not name.strip():
        return "the name is empty"
    for char in name:
        if not (char.isalnum() or char in "_-"):
            return (f"the character {char!r} is not allowed: rustc's crate names take letters, "
                    "digits, `-` and `_`")
    if name in CONFLICTING_ARTIFACT_NAMES:
        return (f"`{name}` is forbidden as a binary name: it conflicts with cargo's build "
                "directory names")
    return None
