"""The ``[lint]`` table of ``rsdock.toml`` and the rule selection it (and the CLI) makes.

```toml
[lint]
select = ["ALL"]              # IDs, prefixes (RS2), families (cross), DL/SC codes, "hadolint"
ignore = ["RS302", "DL3008"]
severity = "warning"          # the failure threshold: exit 1 on findings at or above it
hadolint = true               # run hadolint alongside rsdock's own rules
exclude = ["tests/fixtures"]  # folders or fnmatch patterns never linted nor read as context

[lint.per-file-ignores]
"docker/legacy/*" = ["RS2"]   # fnmatch pattern on the root-relative path -> selectors
```

Unknown keys, unknown rule IDs and bad values are errors located at ``rsdock.toml:LINE``:
a typo must never silently turn a rule off.
"""

from __future__ import annotations

import fnmatch
import re
import tomllib
from pathlib import Path
from typing import Any, Callable

from rsdock import fs
from rsdock.errors import UserError
from rsdock.lint.model.cargo_toml import MAX_TOML_BYTES, check_nesting
from rsdock.lint.model.findings import Severity
from rsdock.lint.rules.rule import RegistryError, all_rules, resolve_selector
from rsdock.records import field, record, replace

CONFIG_NAME = "rsdock.toml"
_KEYS = ("select", "ignore", "severity", "hadolint", "exclude", "per-file-ignores")
# hadolint's own codes: DL (Dockerfile) and SC (ShellCheck, inside RUN); prefixes allowed.
_EXTERNAL_RE = re.compile(r"^(DL|SC)\d{0,4}$", re.IGNORECASE)
EXTERNAL_FAMILY = "hadolint"


@record(frozen=True)
class Selection:
    """A resolved set of selectors: rsdock IDs plus hadolint code prefixes."""

    ids: frozenset[str] = frozenset()
    external: tuple[str, ...] = ()

    def matches(self, code: str) -> bool:
        """Whether ``code`` (``RS201``, ``DL3008``, ``SC2086``) is in this selection."""
        if code in self.ids:
            return True
        return any(code.upper().startswith(prefix) for prefix in self.external)


def resolve(selectors: list[str] | tuple[str, ...]) -> Selection:
    """Resolve selectors into a :class:`Selection`.

    Raises:
        RegistryError: for a selector that names no rule, family or hadolint code.
    """
    ids: set[str] = set()
    external: list[str] = []
    for raw in selectors:
        text = str(raw).strip()
        if text.upper() == "ALL":
            ids |= set(all_rules())
            external += ["DL", "SC"]
        elif text.lower() == EXTERNAL_FAMILY:
            external += ["DL", "SC"]
        elif _EXTERNAL_RE.match(text):
            external.append(text.upper())
        else:
            ids |= resolve_selector(text)
    return Selection(frozenset(ids), tuple(dict.fromkeys(external)))


@record(frozen=True)
class LintConfig:
    """What to check and when to fail.

    Attributes:
        select: selectors of the rules to run; None means every rule and every hadolint code.
        ignore: selectors of rules never reported.
        severity: the failure threshold: findings at or above it make the exit code 1.
        hadolint: whether to run hadolint and merge its DL/SC findings.
        per_file_ignores: fnmatch pattern on the root-relative path -> selectors ignored there.
        exclude: folders or fnmatch patterns (root-relative) that are neither linted nor read as
            context, even when named on the command line (pre-commit names every staged file).
    """

    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] = ()
    severity: Severity = Severity.WARNING
    hadolint: bool = True
    per_file_ignores: dict[str, tuple[str, ...]] = field(default_factory=dict)
    exclude: tuple[str, ...] = ()

    def excluded(self, path: str) -> bool:
        """Whether the root-relative ``path`` is excluded (a pattern match or inside a folder)."""
        for pattern in self.exclude:
            folder = pattern.rstrip("/")
            if fnmatch.fnmatch(path, pattern) or path.startswith(folder + "/"):
                return True
        return False

    def selection(self) -> tuple[Selection | None, Selection]:
        """(selected or None for all, ignored) as resolved selections."""
        selected = None if self.select is None else resolve(self.select)
        return selected, resolve(self.ignore)

    def wants_hadolint(self) -> bool:
        """Whether hadolint should run: on, and some DL or SC code could be reported."""
        if not self.hadolint:
            return False
        selected, _ = self.selection()
        return selected is None or bool(selected.external)

    def merged(self, *, select: list[str] | None = None, ignore: list[str] | None = None,
               severity: str | None = None, hadolint: bool | None = None) -> "LintConfig":
        """This config with command-line overrides: ``select`` replaces, ``ignore`` adds.

        Raises:
            UserError: for an unknown selector or severity on the command line.
        """
        changes: dict[str, Any] = {}
        if select:
            changes["select"] = tuple(select)
        if ignore:
            changes["ignore"] = self.ignore + tuple(ignore)
        if severity:
            try:
                changes["severity"] = Severity.parse(severity)
            except ValueError as error:
                raise UserError(str(error)) from None
        if hadolint is not None:
            changes["hadolint"] = hadolint
        result = replace(self, **changes)
        for option, values in (("--select", select or ()), ("--ignore", ignore or ())):
            for value in values:
                try:
                    resolve([value])
                except RegistryError as error:
                    raise UserError(f"{option}: {error}",
                                    hint="`rsdock rules` lists the IDs and families") from None
        return result


def load_config(root: Path) -> LintConfig:
    """The ``[lint]`` settings of ``root/rsdock.toml``, or the defaults when it has none.

    Raises:
        UserError: located at ``rsdock.toml:LINE`` for invalid TOML, unknown keys, unknown rule
            IDs or bad values.
    """
    path = root / CONFIG_NAME
    if not path.is_file() and not path.is_symlink():
        return LintConfig()
    try:
        text = fs.read_text(root, CONFIG_NAME, limit=MAX_TOML_BYTES) or ""
    except UserError as error:
        raise UserError(error.message, path=CONFIG_NAME, line=error.line,
                        hint=error.hint) from None
    check_nesting(text, CONFIG_NAME)
    try:
        data = tomllib.loads(text)
    except RecursionError:
        raise UserError("the TOML nests values too deeply to read", path=CONFIG_NAME,
                        hint="flatten the value") from None
    except tomllib.TOMLDecodeError as error:
        match = re.search(r"line (\d+)", str(error))
        line = int(match[1]) if match else None
        if line is None and "end of document" in str(error):
            line = max(len(text.splitlines()), 1)
        raise UserError(f"invalid TOML: {error}", path=CONFIG_NAME, line=line,
                        hint="fix the syntax (https://toml.io)") from None
    table = data.get("lint")
    if table is None:
        return LintConfig()
    return _parse_table(table, text)


def _parse_table(table: object, text: str) -> LintConfig:
    def fail(message: str, key: str, hint: str) -> UserError:
        return UserError(message, path=CONFIG_NAME, line=_line_of(text, key), hint=hint)

    if not isinstance(table, dict):
        raise fail("[lint] must be a table", "lint", "write it as a [lint] section")
    for key in table:
        if key not in _KEYS:
            raise fail(f"unknown key {key!r} in [lint]", key, f"known keys: {', '.join(_KEYS)}")
    config = LintConfig()
    changes: dict[str, Any] = {}
    for key in ("select", "ignore"):
        if key in table:
            changes[key] = _selectors(table[key], key, fail)
    if "severity" in table:
        try:
            changes["severity"] = Severity.parse(str(table["severity"]))
        except ValueError as error:
            raise fail(str(error), "severity", 'for example severity = "warning"') from None
    if "hadolint" in table:
        if not isinstance(table["hadolint"], bool):
            raise fail("hadolint must be true or false", "hadolint", "hadolint = false")
        changes["hadolint"] = table["hadolint"]
    if "exclude" in table:
        value = table["exclude"]
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise fail("exclude must be a list of folders or patterns", "exclude",
                       'for example exclude = ["tests/fixtures"]')
        changes["exclude"] = tuple(value)
    if "per-file-ignores" in table:
        pfi = table["per-file-ignores"]
        if not isinstance(pfi, dict):
            raise fail("per-file-ignores must be a table of pattern = [selectors]",
                       "per-file-ignores", '[lint.per-file-ignores] "docker/*" = ["RS2"]')
        changes["per_file_ignores"] = {str(k): _selectors(v, str(k), fail) for k, v in pfi.items()}
    return replace(config, **changes)


def _selectors(value: object, key: str,
               fail: Callable[[str, str, str], UserError]) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise fail(f"{key} must be a list of rule IDs, prefixes or families", key,
                   f'for example {key} = ["RS201", "cross"]')
    for item in value:
        try:
            resolve([item])
        except RegistryError as error:
            raise fail(str(error), item, "`rsdock rules` lists the IDs and families") from None
    return tuple(value)


def _line_of(text: str, needle: str) -> int | None:
    """The first line mentioning ``needle`` after ``[lint]`` (as a key or a quoted value)."""
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines)
                  if re.match(r"\s*\[\s*lint\s*[\].]", line)), 0)
    for index in range(start, len(lines)):
        line = lines[index]
        if re.match(rf"\s*[\"']?{re.escape(needle)}[\"']?\s*=", line) or \
                f'"{needle}"' in line or f"'{needle}'" in line:
            return index + 1
    return start + 1 if lines else None
