"""The Dockerfile model: instructions, parser directives, stages, ARG/ENV scopes and RUN scripts.

Parsing is BuildKit's own parser (the ``dockerfile`` package); this module adds what rules need on
top: 1-based lines, stages with their base image and ``--platform``, the ARG and ENV values in
effect at each instruction, and each RUN's script laid out so that a script row maps back to a
real line of the file (:mod:`rsdock.lint.model.run_script`). Problems become ``RS001`` findings in
:attr:`Dockerfile.errors`.
"""

from __future__ import annotations

import fnmatch
import functools
import re
import shlex
from typing import Mapping

from rsdock.lint.model.findings import Finding, Severity, Span, on_line, token_end
from rsdock.lint.model.run_script import Script, read_script
from rsdock.lint.model.shell import MAX_DEPTH as MAX_SHELL_DEPTH, might_be_too_deep, parse_script
from rsdock.records import field, record

# The longest real Dockerfiles have a few thousand lines; the rules' time grows with the count
# (the build simulation: a 49,000-line file of RUNs took 12 s of CPU, 290,000 lines minutes).
MAX_LINES = 20_000

PARSE_RULE = "RS001"
# Instructions BuildKit knows; anything else is an error at build time.
KNOWN = {
    "ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "FROM", "HEALTHCHECK", "LABEL",
    "MAINTAINER", "ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR",
}
# How many arguments BuildKit's instruction parser accepts (frontend/dockerfile/instructions/
# parse.go): exactly one, at least one, at least two (a source and a destination).
_EXACTLY_ONE = {"USER", "STOPSIGNAL", "MAINTAINER", "WORKDIR"}
_AT_LEAST_ONE = {"ENV", "LABEL", "EXPOSE", "VOLUME", "ARG", "ONBUILD", "HEALTHCHECK"}
_AT_LEAST_TWO = {"ADD", "COPY"}
_STAGE_NAME_RE = re.compile(r"^[a-z][a-z0-9-_.]*$")
# BuildKit sets these for every build; they still need an ARG line inside a stage to be visible.
AUTOMATIC_ARGS = (
    "TARGETPLATFORM", "TARGETOS", "TARGETARCH", "TARGETVARIANT",
    "BUILDPLATFORM", "BUILDOS", "BUILDARCH", "BUILDVARIANT",
)
_DIRECTIVE_RE = re.compile(r"^#\s*([a-zA-Z][a-zA-Z0-9_-]*)\s*=\s*(.*?)\s*$")
_VAR_RE = re.compile(r"\$(?:\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?P<op>:?[-+])?(?P<word>[^}]*)\}"
                     r"|(?P<plain>[A-Za-z_][A-Za-z0-9_]*))")


@record
class Instruction:
    """One instruction as BuildKit parsed it.

    Attributes:
        cmd: the upper-case keyword (``RUN``).
        flags: the ``--name=value`` flags as written.
        value: the arguments (JSON form: the decoded list).
        original: the instruction text with continuations joined.
        line: the 1-based first line; ``end_line`` is the last one.
        json: whether the arguments are in JSON (exec) form.
        heredocs: ``(name, content)`` for each heredoc.
        sub_cmd: the wrapped keyword of ``ONBUILD``.
    """

    cmd: str
    flags: tuple[str, ...]
    value: tuple[str, ...]
    original: str
    line: int
    end_line: int
    json: bool = False
    heredocs: tuple[tuple[str, str], ...] = ()
    sub_cmd: str | None = None

    def flag(self, name: str) -> str | None:
        """The value of ``--name=value`` (``name`` without dashes), or None when absent."""
        for text in self.flags:
            key, _, value = text.lstrip("-").partition("=")
            if key.lower() == name.lower():
                return value
        return None


@record
class Copy:
    """A COPY or ADD: where from, what, to where."""

    instruction: Instruction
    source_stage: str | None
    sources: tuple[str, ...]
    dest: str


@record(eq=False)  # stages compare by identity: `stage in other.ancestry()`
class Stage:
    """One build stage: its FROM and the instructions up to the next FROM.

    Attributes:
        index: 0-based position among the stages.
        name: the ``AS`` name, lower-cased as BuildKit matches it, or None.
        base: the base image with global ARGs expanded (``rust:1.95-slim``).
        base_raw: the base image as written.
        platform: the ``--platform`` flag as written (``$BUILDPLATFORM``), or None.
        from_: the FROM instruction.
        instructions: the instructions after FROM.
        parent: the stage this one is built ``FROM``, or None for an image.
        global_args: the ARGs declared before the first FROM (visible only when redeclared).
        candidates: for ``FROM build-$TARGETARCH``, the earlier stages the name may resolve to
            (``parent`` is the first; :meth:`ancestry` picks the right one for a platform).
    """

    index: int
    name: str | None
    base: str
    base_raw: str
    platform: str | None
    from_: Instruction
    instructions: list[Instruction] = field(default_factory=list)
    parent: "Stage | None" = None
    global_args: dict[str, str | None] = field(default_factory=dict)
    candidates: tuple["Stage", ...] = ()

    def parent_for(self, platform_args: dict[str, str] | None = None) -> "Stage | None":
        """The stage this one is built FROM when BuildKit sets ``platform_args``
        (``TARGETARCH=arm64``...): ``FROM build-$TARGETARCH`` then names one candidate."""
        if not self.candidates or not platform_args:
            return self.parent
        name = expand(self.base_raw, {**self.global_args, **platform_args}).lower()
        return next((s for s in self.candidates if s.name == name), self.parent)

    @property
    def label(self) -> str:
        """The name a user knows the stage by: its ``AS`` name or its index."""
        return self.name or str(self.index)

    def of(self, cmd: str) -> list[Instruction]:
        """The stage's instructions with keyword ``cmd``."""
        return [i for i in self.instructions if i.cmd == cmd]

    @property
    def args(self) -> dict[str, str | None]:
        """The ARGs declared in this stage, with their defaults (None: no default)."""
        found: dict[str, str | None] = {}
        for inst in self.of("ARG"):
            found.update(_arg_pairs(inst, {**self.global_args, **found}))
        return found

    def vars_before(self, target: Instruction | None = None,
                    overrides: Mapping[str, str | None] | None = None) -> dict[str, str | None]:
        """The variables a RUN at ``target`` sees: inherited ENV, then the stage's ARG and ENV.

        A stage built FROM another stage inherits that stage's ARGs and ENV ("Arguments and
        variables are inherited from parent stages", BuildKit's reference).

        Args:
            target: stop before this instruction; None means the end of the stage.
            overrides: values for declared ARGs (e.g. a simulated ``TARGETPLATFORM``); an ARG
                that is not declared in the stage or a parent stays invisible, as in BuildKit.
        """
        return dict(self.scope_before(target, overrides))

    def scope_before(self, target: Instruction | None = None,
                     overrides: Mapping[str, str | None] | None = None
                     ) -> Mapping[str, str | None]:
        """:meth:`vars_before`, not copied: shared with every instruction of the same scope,
        to read only (expanding a word; the RUN simulation copies what it starts from)."""
        # One pass per stage and overrides, cached: asking at every RUN of a 16,000-line
        # Dockerfile must not replay the stage each time.
        cache: dict[frozenset[tuple[str, str | None]], tuple[
            dict[int, dict[str, str | None]], dict[str, str | None]] | None
        ] = self.__dict__.setdefault("_scopes", {})
        key = frozenset(overrides.items()) if overrides else frozenset()
        if key not in cache:
            cache[key] = None  # a FROM cycle reads an empty scope instead of recursing
            cache[key] = self._scan_scopes(dict(overrides or {}))
        scopes = cache[key]
        if scopes is None:
            return {}
        before, end = scopes
        scope = before.get(id(target)) if target is not None else None
        return scope if scope is not None else end

    def _scan_scopes(self, overrides: Mapping[str, str | None]
                     ) -> tuple[dict[int, dict[str, str | None]], dict[str, str | None]]:
        parent = self.parent if self.parent is not self else None
        values: dict[str, str | None] = parent.vars_before(None, overrides) if parent else {}
        before: dict[int, dict[str, str | None]] = {}
        # one scope shared by the instructions between two ARG/ENV: never changed, since
        # vars_before hands out copies and scope_before is read only (a copy per instruction
        # cost 16,000 copies a pass)
        snapshot = dict(values)
        for inst in self.instructions:
            before[id(inst)] = snapshot
            if inst.cmd == "ARG":
                for name, default in _arg_pairs(inst, {**self.global_args, **values}).items():
                    if name in overrides:
                        values[name] = overrides[name]
                    elif name in self.global_args and default is None:
                        values[name] = self.global_args[name]
                    else:
                        values[name] = values.get(name) if default is None else default
            elif inst.cmd == "ENV":
                values.update(_env_pairs(inst, values))
            if inst.cmd in ("ARG", "ENV"):
                snapshot = dict(values)
        return before, values

    def declared_args(self, inherited: bool = True) -> set[str]:
        """The ARG names declared in this stage, and (``inherited``) in the stages it is built
        FROM, which BuildKit passes down."""
        stages = self.ancestry() if inherited else [self]
        return {w.partition("=")[0] for s in stages for i in s.of("ARG") for w in i.value}

    @property
    def env(self) -> dict[str, str | None]:
        """The ENV in effect at the end of the stage (what a stage built FROM it inherits)."""
        values: dict[str, str | None] = dict(self.parent.env if self.parent else {})
        scope = dict(values)
        for inst in self.instructions:
            if inst.cmd == "ARG":
                scope.update(_arg_pairs(inst, scope))
            elif inst.cmd == "ENV":
                pairs = _env_pairs(inst, scope)
                values.update(pairs)
                scope.update(pairs)
        return values

    def copies(self) -> list[Copy]:
        """The stage's COPY and ADD instructions (read once: rules ask for them often)."""
        cached = self.__dict__.get("_copies")
        if cached is None or cached[0] != len(self.instructions):
            cached = (len(self.instructions),
                      [_copy(i) for i in self.instructions if i.cmd in ("COPY", "ADD")])
            self.__dict__["_copies"] = cached
        return list(cached[1])

    def runs(self) -> list[Instruction]:
        """The stage's RUN instructions."""
        return self.of("RUN")

    def ancestry(self, platform_args: dict[str, str] | None = None) -> list["Stage"]:
        """This stage and the stages it is built FROM, nearest first.

        Args:
            platform_args: the automatic platform ARGs of one target platform, to follow a
                platform-dependent ``FROM build-$TARGETARCH``; None follows :attr:`parent`.
        """
        chain: list[Stage] = []
        stage: Stage | None = self
        while stage is not None and stage not in chain:
            chain.append(stage)
            stage = stage.parent_for(platform_args)
        return chain

    def platform_flag(self, platform_args: dict[str, str] | None = None) -> str | None:
        """The ``--platform`` this stage runs with, as written, or None for the target's.

        BuildKit gives a stage built FROM another stage that stage's platform, so the nearest
        flag along :meth:`ancestry` decides: ``FROM chef AS builder`` runs where
        ``FROM --platform=$BUILDPLATFORM ... AS chef`` does.
        """
        return next((s.platform for s in self.ancestry(platform_args) if s.platform), None)


@record
class Dockerfile:
    """A parsed Dockerfile.

    Attributes:
        path: the path findings use.
        text: the file's text.
        directives: parser directives (``syntax``, ``escape``, ``check``) by lower-case name.
        instructions: every instruction in order.
        global_args: ARGs before the first FROM, with defaults (None: no default).
        stages: the build stages in order.
        errors: ``RS001`` findings for what could not be parsed.
    """

    path: str
    text: str
    directives: dict[str, str] = field(default_factory=dict)
    instructions: list[Instruction] = field(default_factory=list)
    global_args: dict[str, str | None] = field(default_factory=dict)
    stages: list[Stage] = field(default_factory=list)
    errors: list[Finding] = field(default_factory=list)
    # Rules ask for the same scripts many times; reading each once keeps lint linear in size.
    _scripts: dict[int, Script | None] = field(default_factory=dict, repr=False, compare=False)
    _lines: list[str] | None = field(default=None, repr=False, compare=False)

    @property
    def lines(self) -> list[str]:
        """The file's lines (without line ends), split once."""
        if self._lines is None:
            self._lines = self.text.splitlines()
        return self._lines

    def span(self, line: int, *words: str, to_end: bool = False) -> Span | None:
        """Where the first of ``words`` is written on ``line`` (:func:`findings.on_line`):
        the exact place for a finding, or None to span the line."""
        return on_line(self.lines, line, *words, to_end=to_end)

    def word_span(self, line: int, *words: str, word_end: bool = False,
                  to_end: bool = False) -> Span:
        """Where the first of ``words`` is written on ``line`` (with ``word_end``: to the end
        of the blank-separated word it starts; with ``to_end``: to the end of the line); the
        line's own text (a continuation backslash left out) when none is there. A finding
        about one word of a long instruction spans that word, never every line of it."""
        found = on_line(self.lines, line, *words, to_end=to_end)
        if found is None:
            text = self.lines[line - 1] if 1 <= line <= len(self.lines) else ""
            first = text.split()[0] if text.split() else ""
            return on_line(self.lines, line, first, to_end=True) or \
                (line, 1, line, max(2, len(text.rstrip()) + 1))
        if word_end:
            return found[0], found[1], found[2], max(found[3],
                                                     token_end(self.lines, line, found[1]))
        return found

    @property
    def escape(self) -> str:
        """The line-continuation character (``\\`` unless an ``escape`` directive says otherwise)."""
        return self.directives.get("escape", "\\")[:1] or "\\"

    @property
    def final_stage(self) -> Stage | None:
        """The last stage: what ``docker build`` produces without ``--target``."""
        return self.stages[-1] if self.stages else None

    def stage(self, ref: str) -> Stage | None:
        """The stage named ``ref`` (case-insensitive) or with index ``ref``, or None."""
        key = ref.lower()
        for stage in self.stages:
            if stage.name == key:
                return stage
        if key.isdigit() and int(key) < len(self.stages):
            return self.stages[int(key)]
        return None

    def script(self, inst: Instruction) -> Script | None:
        """The shell script a RUN executes, or None when it is not a shell script we can read."""
        if inst.line not in self._scripts:
            self._scripts[inst.line] = read_script(self.lines, inst, self.escape)
        return self._scripts[inst.line]


def parse_dockerfile(path: str, text: str | bytes) -> Dockerfile:
    """Parse a Dockerfile into a :class:`Dockerfile`; problems go to ``errors``, never raised.

    Args:
        path: the path findings should carry (relative to the repository root).
        text: the file's contents; bytes are decoded as UTF-8.
    """
    if isinstance(text, bytes):
        data = text
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            model = Dockerfile(path, data.decode("utf-8", "replace"))
            model.errors.append(_error(path, line, f"not UTF-8 (byte {exc.start}): save the "
                                       "file as UTF-8, which BuildKit expects"))
            return model
    model = Dockerfile(path, text, directives=_directives(text))
    if text.count("\n") > MAX_LINES:
        model.errors.append(_error(path, MAX_LINES + 1, f"the file has more than {MAX_LINES:,} "
                                   "lines; rsdock reads Dockerfiles of up to that many: split "
                                   "it, or check that this is the right file"))
        return model
    import dockerfile as buildkit  # imported here: only parsing needs the Go extension

    try:
        commands = buildkit.parse_string(text)
    except Exception as exc:  # GoParseError and anything the extension raises
        model.errors.append(_parse_error(path, text, str(exc)))
        return model
    for command in commands:
        if command.cmd is None:
            # A dangling line continuation (`\` at the end of the file) arrives as a command
            # with no keyword; BuildKit reads nothing there.
            continue
        inst = Instruction(command.cmd.upper(), tuple(command.flags), tuple(command.value),
                           command.original, command.start_line, command.end_line, command.json,
                           tuple((h.name, h.content) for h in command.heredocs), command.sub_cmd)
        if inst.cmd not in KNOWN:
            model.errors.append(_error(path, inst.line, f"unknown instruction {inst.cmd}: use a "
                                       "Dockerfile instruction (RUN, COPY, ...) or fix the typo"))
            continue
        problem = _argument_problem(inst)
        if problem:
            model.errors.append(_error(path, inst.line, f"BuildKit refuses this {inst.cmd}: "
                                       f"{problem}"))
            if inst.cmd != "FROM":  # a broken FROM still opens a stage: no cascade of errors
                continue
        model.instructions.append(inst)
    _build_stages(model)
    _check_shell_depth(model)
    model.errors.sort()
    return model


def _check_shell_depth(model: Dockerfile) -> None:
    """An ``RS001`` for each RUN whose shell nests past what the simulation follows (its paths
    are then opaque to the rules); only RUNs with many nesting constructs are parsed here."""
    for inst in model.instructions:
        if inst.cmd != "RUN":
            continue  # no script (read_script says None): 12,000 of a 16,000-line file's lines
        script = model.script(inst)
        if script is None or not might_be_too_deep(script.text):
            continue
        line = parse_script(script.text, script.first_line).too_deep
        if line:
            model.errors.append(_error(model.path, line, f"this RUN's shell nests more than "
                                       f"{MAX_SHELL_DEPTH} levels deep; rsdock follows up to "
                                       f"{MAX_SHELL_DEPTH}: move the inner part into a script "
                                       "file or a function"))


def image_name(ref: str) -> tuple[str, str]:
    """The last path segment of an image reference and its tag, lowercased, the digest dropped:
    ``ghcr.io/acme/Rust:1.85-slim@sha256:...`` is ``("rust", "1.85-slim")``."""
    last = ref.lower().split("@", 1)[0].rsplit("/", 1)[-1]
    name, _, tag = last.partition(":")
    return name, tag


def expand(text: str, values: Mapping[str, str | None]) -> str:
    """Expand ``$VAR``, ``${VAR}``, ``${VAR:-default}`` and ``${VAR:+alt}`` from ``values``.

    A variable that is unknown (or None) stays as written, so ``$BUILDPLATFORM`` survives.
    """
    def replace(match: re.Match[str]) -> str:
        name = match["braced"] or match["plain"]
        value = values.get(name)
        op, word = match["op"], match["word"] or ""
        if op in (":-", "-"):
            return value if value else (word if value is None or op == ":-" else value)
        if op in (":+", "+"):
            return word if value else ""
        return match[0] if value is None else value

    return _VAR_RE.sub(replace, text)


_SHLEX_SPECIAL = re.compile(r"[\s'\"\\]")


def unquote(text: str) -> str:
    """A Dockerfile word without its quotes (``"x y"`` -> ``x y``); odd quoting stays as is."""
    if not _SHLEX_SPECIAL.search(text):
        return text  # what shlex would give: every ENV and ARG of every scope pass comes here
    return _unquote(text)


@functools.lru_cache(maxsize=4096)
def _unquote(text: str) -> str:
    try:
        parts = shlex.split(text, posix=True)
    except ValueError:
        return text
    return " ".join(parts) if parts else ""


def _argument_problem(inst: Instruction) -> str:
    """What BuildKit's instruction parser rejects in ``inst``'s arguments (its words), or ""."""
    count = len(inst.value)
    if inst.cmd == "FROM":
        if count == 3 and inst.value[1].upper() == "AS":
            if not _STAGE_NAME_RE.match(inst.value[2].lower()):
                return (f"the stage name {inst.value[2]!r} must start with a letter and hold only "
                        "letters, digits, '-', '_' and '.'")
            return ""
        if count != 1:
            return "FROM takes an image and optionally `AS name` (one or three words)"
        return ""
    if inst.cmd in _EXACTLY_ONE and count != 1:
        return f"{inst.cmd} requires exactly one argument"
    if inst.cmd in _AT_LEAST_ONE and count == 0 and not inst.sub_cmd:
        return f"{inst.cmd} requires at least one argument"
    if inst.cmd in _AT_LEAST_TWO and count < 2:
        return f"{inst.cmd} requires a source and a destination"
    if inst.cmd == "SHELL" and (not count or not inst.json):
        return 'SHELL takes a JSON array, e.g. SHELL ["/bin/sh", "-c"]'
    return ""


def _error(path: str, line: int, message: str) -> Finding:
    return Finding(path, max(line, 1), 0, PARSE_RULE, Severity.ERROR, message)


def _parse_error(path: str, text: str, message: str) -> Finding:
    if "no instructions" in message:
        return _error(path, 1, "no FROM instruction: a Dockerfile needs at least one stage "
                      "(FROM <image>)")
    match = re.search(r"line (\d+)", message)
    line = int(match[1]) if match else 1
    if "heredoc" in message:
        # The parser does not say where: the last heredoc opener is the one left open.
        openers = [n for n, row in enumerate(text.splitlines(), 1) if "<<" in row]
        line = openers[-1] if openers else line
    return _error(path, line, f"BuildKit cannot parse this Dockerfile: {message}; fix the "
                  "syntax so `docker build` accepts it")


def _directives(text: str) -> dict[str, str]:
    # Directives are comments at the very top, before any other line (BuildKit's rule).
    found: dict[str, str] = {}
    for line in text.splitlines():
        match = _DIRECTIVE_RE.match(line.strip())
        if not match or match[1].lower() in found:
            break
        found[match[1].lower()] = match[2]
    return found


def _arg_pairs(inst: Instruction, scope: dict[str, str | None]) -> dict[str, str | None]:
    pairs: dict[str, str | None] = {}
    for word in inst.value:
        name, eq, default = word.partition("=")
        pairs[name] = expand(unquote(default), {**scope, **pairs}) if eq else None
    return pairs


def _env_pairs(inst: Instruction, scope: dict[str, str | None]) -> dict[str, str | None]:
    values = list(inst.value)
    pairs: dict[str, str | None] = {}
    # BuildKit gives name/value pairs; the legacy `ENV NAME value with spaces` arrives as 2 words.
    for name, raw in zip(values[::2], values[1::2]):
        pairs[name] = expand(unquote(raw), {**scope, **pairs})
    return pairs


def _copy(inst: Instruction) -> Copy:
    words = [w for w in inst.value if w]
    if inst.heredocs:
        words = [w for w in words if not w.startswith("<<")] or words
    source = inst.flag("from")
    return Copy(inst, source.lower() if source else None, tuple(words[:-1]),
                words[-1] if words else "")


def _build_stages(model: Dockerfile) -> None:
    current: Stage | None = None
    for inst in model.instructions:
        if inst.cmd == "FROM":
            words = list(inst.value)
            raw = words[0] if words else ""
            name = words[2].lower() if len(words) >= 3 and words[1].upper() == "AS" else None
            base = expand(raw, model.global_args)
            parent = model.stage(base) if not base.isdigit() else None
            candidates: tuple[Stage, ...] = ()
            if parent is None and "$" in base:
                # `FROM build-$TARGETARCH$TARGETVARIANT`: one of the earlier stages per platform.
                pattern = _VAR_RE.sub("*", base).lower()
                candidates = tuple(s for s in model.stages
                                   if s.name and fnmatch.fnmatchcase(s.name, pattern))
                parent = candidates[0] if candidates else None
            current = Stage(len(model.stages), name, base, raw, inst.flag("platform"), inst,
                            parent=parent, global_args=model.global_args,
                            candidates=candidates)
            model.stages.append(current)
        elif current is None:
            if inst.cmd == "ARG":
                model.global_args.update(_arg_pairs(inst, model.global_args))
            else:
                model.errors.append(_error(model.path, inst.line, f"{inst.cmd} before the first "
                                           "FROM: only ARG may come before FROM; move it into "
                                           "a stage"))
        else:
            current.instructions.append(inst)
    if not model.stages and not model.errors:
        model.errors.append(_error(model.path, 1, "no FROM instruction: a Dockerfile needs at "
                                   "least one stage (FROM <image>)"))


__all__ = ["AUTOMATIC_ARGS", "Copy", "Dockerfile", "Instruction", "Script", "Stage", "expand",
           "parse_dockerfile", "unquote"]
