"""``rsdock.toml``: the plan ``rsdock init`` used, kept at the workspace root.

Reading uses :mod:`tomllib`; writing uses a small emitter of our own so the file is stable
(same plan, same bytes) and commented, without another dependency. A ``[lint]`` table (and any
``[lint.*]``) belongs to the linter: this module never interprets it and copies it byte for byte
when it saves.

Every problem is reported as ``rsdock.toml:LINE: error: ...`` with the way out; the line is found
by looking for the key in the text, since tomllib reports no positions.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any

from rsdock import fs
from rsdock.errors import UserError
from rsdock.lint.model.cargo import scan
from rsdock.lint.model.cargo_toml import check_nesting
from rsdock.records import record
from rsdock.wizard.generate.defaults import validated, with_workspace
from rsdock.wizard.generate.plan import (CACHES, DEBIAN_RELEASES, DEFAULT_TAG_PATTERNS,
                                         IMAGE_KINDS, Image, PIN_MODES, Plan, Problem, REGISTRIES, RUNTIMES, SIGNINGS, STRATEGIES,
                                         Triggers, UPDATERS)
from rsdock.wizard.generate import upgrade
from rsdock.wizard.generate.writer import write_atomic  # writer imports nothing of ours back

CONFIG_NAME = "rsdock.toml"
MAX_CONFIG_BYTES = 1_000_000  # a real rsdock.toml is a few hundred bytes
LINT_TABLE = "lint"

_TOP_STR = ("rust-version", "runtime", "debian", "cache", "registry", "pin-actions", "workflow",
            "strategy", "signing", "updates")
_TOP_KEYS = (*_TOP_STR, "platforms", "ci", "image", LINT_TABLE, upgrade.TABLE)
_CI_KEYS = {"branches": list, "tags": bool, "tag-patterns": list, "pull-requests": bool}
_IMAGE_REQUIRED = ("name", "kind", "package", "dockerfile")
_IMAGE_KEYS = (*_IMAGE_REQUIRED, "package-dir", "image")
_HEADER_RE = re.compile(r"^\s*(\[\[?)\s*([^\[\]#]+?)\s*(\]\]?)\s*(#.*)?$")


@record(frozen=True)
class _Section:
    """A table header's extent in the text: lines [start, end) (0-based), start is the header."""

    name: str
    array: bool
    start: int
    end: int


def config_path(root: Path | str) -> Path:
    """Where the workspace at ``root`` keeps its ``rsdock.toml``."""
    return Path(root) / CONFIG_NAME


def load(root: Path | str) -> Plan:
    """Read and validate ``rsdock.toml`` at the workspace ``root``.

    Raises:
        UserError: when the file is missing, unreadable or invalid (located, with the way out).
    """
    path = config_path(root)
    text = read_text(root)
    if text is None:
        raise UserError(f"no {CONFIG_NAME} in {Path(root)}", path=str(path),
                        hint="run `rsdock init` first to create it")
    return loads(text, str(path))


def load_for_rendering(root: Path | str) -> Plan:
    """:func:`load`, with the facts of the workspace at ``root`` attached: the workspace decides
    part of the files (toolchain file, Cargo.lock, target-dir, C libraries), so rendering the
    saved answers alone would not reproduce them.

    Raises:
        UserError: as :func:`load`, or when the workspace cannot be scanned or the answers do not
            fit it (a Rust version older than its rust-version, say).
    """
    plan = load(root)
    return validated(with_workspace(plan, scan(Path(root))))


def read_text(root: Path | str) -> str | None:
    """The text of ``rsdock.toml`` at the workspace ``root``, or None when there is none.

    Raises:
        UserError: when the file exists but cannot be read as UTF-8 text.
    """
    try:
        return fs.read_text(root, CONFIG_NAME, limit=MAX_CONFIG_BYTES)
    except UserError as error:
        raise UserError(f"cannot read {CONFIG_NAME}: {error.message}", path=str(config_path(root)),
                        line=error.line,
                        hint=error.hint) from None


def loads(text: str, path: str = CONFIG_NAME) -> Plan:
    """Parse ``rsdock.toml`` text into a validated :class:`Plan`.

    Args:
        text: the file's content.
        path: the name used in error locations.

    Raises:
        UserError: for TOML syntax errors, unknown keys, wrong types and invalid values.
    """
    check_nesting(text, path)
    try:
        data = tomllib.loads(text)
    except RecursionError:
        raise UserError("the TOML nests values too deeply to read", path=path,
                        hint="flatten the value") from None
    except tomllib.TOMLDecodeError as error:
        line = _decode_error_line(error, text)
        raise UserError(f"not valid TOML: {error}", path=path, line=line,
                        hint="fix the syntax (see https://toml.io)") from None
    return _Reader(text, path).plan(data)


def dumps(plan: Plan, previous: str | None = None,
          generated: upgrade.Record | None = None) -> str:
    """The ``rsdock.toml`` text for ``plan``.

    Args:
        plan: the plan to record.
        previous: the file's current text, if any: its ``[lint]`` tables are kept byte for byte.
        generated: what rsdock rendered from it (the ``[generated]`` table:
            :mod:`rsdock.wizard.generate.upgrade`); None keeps the one of ``previous``.

    Raises:
        UserError: when ``previous`` holds linter settings outside a ``[lint]`` table header
            (dotted keys or an inline table), which cannot be carried over verbatim.
    """
    out = [
        "# rsdock.toml: the choices `rsdock init` rendered the Dockerfiles and workflow from.",
        "# Edit it, then run `rsdock init --yes` to regenerate; `rsdock init --check` reports drift.",
        "",
        "# The Rust toolchain of the builder images.",
        f"rust-version = {toml_string(plan.rust_version)}",
        "# Target platforms (BuildKit TARGETPLATFORM strings).",
        f"platforms = {toml_array(plan.platforms)}",
        f"# Runtime base image: {', '.join(RUNTIMES)}.",
        f"runtime = {toml_string(plan.runtime)}",
        f"# Debian release of the builder and debian-slim runtime: {', '.join(DEBIAN_RELEASES)}.",
        f"debian = {toml_string(plan.debian)}",
        f"# BuildKit cache backend: {', '.join(CACHES)}.",
        f"cache = {toml_string(plan.cache)}",
        f"# Container registry: {', '.join(REGISTRIES)}.",
        f"registry = {toml_string(plan.registry)}",
        f"# Pin actions to a full commit SHA or a major tag: {', '.join(PIN_MODES)}.",
        f"pin-actions = {toml_string(plan.pin_actions)}",
        f"workflow = {toml_string(plan.workflow)}",
        f"# How CI builds the platforms: {', '.join(STRATEGIES)} (see docs/ci-strategies.md).",
        f"strategy = {toml_string(plan.strategy)}",
        f"# How pushed images are signed (with provenance and SBOM): {', '.join(SIGNINGS)}.",
        f"signing = {toml_string(plan.signing)}",
        f"# The bot that keeps action SHAs and base image tags fresh: {', '.join(UPDATERS)}.",
        f"updates = {toml_string(plan.updates)}",
        "",
        "# When the workflow runs.",
        "[ci]",
        f"branches = {toml_array(plan.triggers.branches)}",
        f"tags = {_bool(plan.triggers.tags)}",
        # The project's own release tags (read from its workflows); v* is not written.
        *([f"tag-patterns = {toml_array(plan.triggers.tag_patterns)}"]
          if plan.triggers.tag_patterns != DEFAULT_TAG_PATTERNS else []),
        f"pull-requests = {_bool(plan.triggers.pull_requests)}",
    ]
    for number, image in enumerate(plan.images):
        out += [
            "",
            *([f"# One image per deliverable; kind is {' or '.join(IMAGE_KINDS)}. Binaries "
               "naming one dockerfile share it",
               "# (one cargo build per platform, a final stage each); a web app has its own."]
              if number == 0 else []),
            "[[image]]",
            f"name = {toml_string(image.name)}",
            f"kind = {toml_string(image.kind)}",
            f"package = {toml_string(image.package)}",
            f"dockerfile = {toml_string(image.dockerfile)}",
            f"package-dir = {toml_string(image.package_dir)}",
        ]
        if image.image:
            out.append(f"image = {toml_string(image.image)}")
    text = "\n".join(out) + "\n"
    table = upgrade.dumps_record(generated if generated is not None
                                 else upgrade.record_in(previous), toml_string)
    if table:
        text += "\n" + table
    lint = lint_tables(previous) if previous else ""
    if lint:
        text += "\n" + lint
    return text


def save(root: Path | str, plan: Plan) -> Path:
    """Write ``plan`` to ``rsdock.toml`` at ``root`` atomically, keeping its ``[lint]`` tables.

    Returns:
        The path written.
    """
    path = config_path(root)
    write_atomic(path, dumps(plan, read_text(root)))
    return path


def lint_tables(text: str) -> str:
    """The ``[lint]`` and ``[lint.*]`` tables of ``text``, verbatim, or "" when there are none.

    Raises:
        UserError: when linter settings exist but not under a ``[lint...]`` header.
    """
    try:
        data = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError):
        data = {}
    lines = text.splitlines(keepends=True)
    kept = [
        "".join(lines[s.start:s.end])
        for s in _sections(lines)
        if s.name == LINT_TABLE or s.name.startswith(LINT_TABLE + ".")
    ]
    if LINT_TABLE in data and not kept:
        raise UserError(
            "the linter settings are not written as a [lint] table, so they cannot be kept",
            path=CONFIG_NAME, line=_key_line(lines, None, LINT_TABLE),
            hint="move them under a `[lint]` header, then run rsdock init again",
        )
    block = "".join(kept)
    if block and not block.endswith("\n"):
        block += "\n"
    return block


def dockerfile_line(text: str, rel: str) -> int | None:
    """The line of the first ``[[image]]`` whose ``dockerfile`` is ``rel`` in ``text``, or None."""
    try:
        images = tomllib.loads(text).get("image", [])
    except (tomllib.TOMLDecodeError, RecursionError):
        return None
    for index, image in enumerate(images if isinstance(images, list) else []):
        if isinstance(image, dict) and image.get("dockerfile") == rel:
            return line_of(text, "image", "dockerfile", index)
    return None


def line_of(text: str, table: str | None, key: str | None, index: int = 0) -> int | None:
    """The 1-based line of ``key`` in the ``index``-th ``[table]`` of ``text`` (None: top level).

    With ``key`` None it is the table's header line; None when not found.
    """
    return _Reader(text, CONFIG_NAME).line_of(table, key, index)


class _Reader:
    """Turns parsed TOML into a Plan, locating each problem in the original text."""

    def __init__(self, text: str, path: str):
        self.path = path
        self.lines = text.splitlines()
        self.sections = _sections(self.lines)

    def error(self, message: str, hint: str, table: str | None = None, key: str | None = None,
              index: int = 0) -> UserError:
        return UserError(message, path=self.path,
                         line=self.line_of(table, key, index), hint=hint)

    def line_of(self, table: str | None, key: str | None, index: int = 0) -> int | None:
        """The 1-based line of ``key`` in ``table`` (the index-th of that name), or None."""
        if table is None:
            end = self.sections[0].start if self.sections else len(self.lines)
            return _key_line(self.lines[:end], 0, key) if key else None
        matching = [s for s in self.sections if s.name == table] or [
            s for s in self.sections if key is None and s.name.startswith(table + ".")]
        if index >= len(matching):
            return None
        section = matching[index]
        if key is None:
            return section.start + 1
        found = _key_line(self.lines[section.start + 1:section.end], section.start + 1, key)
        return found or section.start + 1

    def plan(self, data: dict[str, Any]) -> Plan:
        for key in data:
            if key not in _TOP_KEYS:
                # An unknown key may be a plain key or a table header ([foo]).
                line = self.line_of(None, key) or self.line_of(key, None)
                raise UserError(f"unknown key {key!r}", path=self.path, line=line,
                                hint=f"use one of {', '.join(_TOP_KEYS)}")
        values: dict[str, Any] = {}
        for key in _TOP_STR:
            if key in data:
                values[key.replace("-", "_")] = self.string(data[key], None, key)
        if "platforms" in data:
            values["platforms"] = self.strings(data["platforms"], None, "platforms")
        # A file written before rsdock signed images or configured an update bot rendered
        # neither: reading it must not change what it renders (`init --check` stays clean).
        values.setdefault("signing", "none")
        values.setdefault("updates", "none")
        values["triggers"] = self.triggers(data.get("ci", {}))
        values["images"] = self.images(data.get("image", []))
        if upgrade.TABLE in data:  # checked here, read by the upgrade module
            upgrade.parse_record(data[upgrade.TABLE], self.path,
                                 self.line_of(upgrade.TABLE, None))
        plan = Plan(**values)
        problems = plan.problems()
        if problems:
            first = problems[0]
            detail = "\n".join(f"  {p}" for p in problems[1:])
            raise UserError(
                f"{first.field}: {first.message}" + (f"\n{detail}" if detail else ""),
                path=self.path, line=self.problem_line(first), hint=first.way_out,
            )
        return plan

    def problem_line(self, problem: Problem) -> int | None:
        """The line of the answer a :class:`Problem` of the plan is about, or None."""
        if problem.image_index is not None:
            return self.line_of("image", problem.image_key, problem.image_index)
        if problem.field == "images":
            return None
        if problem.field == "ci":
            return self.line_of("ci", None)
        return self.line_of(None, problem.field)

    def string(self, value: Any, table: str | None, key: str, index: int = 0) -> str:
        if not isinstance(value, str):
            raise self.error(f"{key} must be a string, not {_toml_type(value)}",
                             f'quote it: {key} = "..."', table, key, index)
        return value

    def strings(self, value: Any, table: str | None, key: str) -> tuple[str, ...]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.error(f"{key} must be a list of strings",
                             f'write it as {key} = ["...", "..."]', table, key)
        return tuple(value)

    def triggers(self, ci: Any) -> Triggers:
        if not isinstance(ci, dict):
            raise self.error("ci must be a table", "write it as a [ci] section", None, "ci")
        for key, value in ci.items():
            if key not in _CI_KEYS:
                raise self.error(f"unknown key {key!r} in [ci]",
                                 f"use one of {', '.join(_CI_KEYS)}", "ci", key)
            if _CI_KEYS[key] is bool and not isinstance(value, bool):
                raise self.error(f"ci.{key} must be true or false, not {_toml_type(value)}",
                                 f"write {key} = true or {key} = false", "ci", key)
        branches = self.strings(ci["branches"], "ci", "branches") if "branches" in ci else ("main",)
        patterns = (self.strings(ci["tag-patterns"], "ci", "tag-patterns")
                    if "tag-patterns" in ci else DEFAULT_TAG_PATTERNS)
        return Triggers(branches=branches, tags=ci.get("tags", True),
                        pull_requests=ci.get("pull-requests", True), tag_patterns=patterns)

    def images(self, tables: Any) -> tuple[Image, ...]:
        if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
            raise self.error("image must be an array of tables",
                             "write each image as an [[image]] section", None, "image")
        images = []
        for index, table in enumerate(tables):
            for key in table:
                if key not in _IMAGE_KEYS:
                    raise self.error(f"unknown key {key!r} in [[image]]",
                                     f"use one of {', '.join(_IMAGE_KEYS)}", "image", key, index)
            for key in _IMAGE_REQUIRED:
                if key not in table:
                    raise self.error(f"[[image]] number {index + 1} has no {key}",
                                     f'add {key} = "..." to it', "image", None, index)
            fields = {k.replace("-", "_"): self.string(v, "image", k, index)
                      for k, v in table.items()}
            images.append(Image(**fields))
        return tuple(images)


def _sections(lines: list[str]) -> list[_Section]:
    """Table headers and their extents, skipping lines inside multi-line strings and arrays."""
    headers: list[tuple[str, bool, int]] = []
    in_string: str | None = None
    depth = 0
    for number, line in enumerate(lines):
        if in_string is None and depth == 0:
            match = _HEADER_RE.match(line)
            if match and (match.group(1) == "[[") == (match.group(3) == "]]"):
                name = ".".join(part.strip().strip("\"'") for part in match.group(2).split("."))
                headers.append((name, match.group(1) == "[[", number))
                continue
        in_string, depth = _scan_line(line, in_string, depth)
    return [
        _Section(name, array, start, headers[i + 1][2] if i + 1 < len(headers) else len(lines))
        for i, (name, array, start) in enumerate(headers)
    ]


def _scan_line(line: str, in_string: str | None, depth: int) -> tuple[str | None, int]:
    """Track open multi-line strings and bracket depth (multi-line arrays) across a line."""
    i = 0
    while i < len(line):
        if in_string:
            if line.startswith(in_string, i) and (in_string == "'''" or line[i - 1:i] != "\\"):
                i += len(in_string)
                in_string = None
                continue
            i += 1
            continue
        char = line[i]
        if char == "#":
            break
        if line.startswith('"""', i) or line.startswith("'''", i):
            in_string = line[i:i + 3]
            i += 3
            continue
        if char in "\"'":
            end = line.find(char, i + 1)
            while char == '"' and end > 0 and line[end - 1] == "\\":
                end = line.find(char, end + 1)
            i = end + 1 if end > 0 else len(line)
            continue
        if char in "[{":
            depth += 1
        elif char in "]}":
            depth = max(0, depth - 1)
        i += 1
    return in_string, depth


def _key_line(lines: list[str], offset: int | None, key: str) -> int | None:
    pattern = re.compile(rf"^\s*(?:{re.escape(key)}|\"{re.escape(key)}\"|'{re.escape(key)}')\s*[.=]")
    for number, line in enumerate(lines):
        if pattern.match(line):
            return (offset or 0) + number + 1
    return None


def _decode_error_line(error: tomllib.TOMLDecodeError, text: str) -> int | None:
    match = re.search(r"line (\d+)", str(error))
    if match:
        return int(match.group(1))
    # "at end of document": the last line is where the reader gave up.
    return max(1, len(text.splitlines()))


def _toml_type(value: Any) -> str:
    names = {bool: "a boolean", int: "an integer", float: "a float", str: "a string",
             list: "an array", dict: "a table"}
    return names.get(type(value), type(value).__name__)


def toml_string(value: str) -> str:
    """``value`` as a TOML basic string (double-quoted, escaped)."""
    # JSON string escapes are a subset of TOML basic-string escapes; DEL must be escaped too.
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")


def toml_array(values) -> str:
    """``values`` as a one-line TOML array of basic strings."""
    return "[" + ", ".join(toml_string(v) for v in values) + "]"


def _bool(value: bool) -> str:
    return "true" if value else "false"
