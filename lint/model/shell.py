"""RUN scripts: parse with tree-sitter-bash and simulate what each command sees.

The simulation is deliberately small: it follows ``&&``/``;`` lists, ``case`` and ``if``
(alternatives become separate paths), subshells, ``export``/assignments, ``. file`` and the files
a script writes with ``echo``/``printf``/``cat <<EOF`` redirections, so a later RUN (or ``source``)
can read them. A ``case`` on a value we know (``$TARGETPLATFORM`` when simulating one platform)
takes exactly the arm BuildKit's shell would take. Unknown values stay written as ``$NAME``.
"""

from __future__ import annotations

import functools
import posixpath
import re
from collections.abc import ItemsView, Iterator, Mapping, MutableMapping
from typing import Any

from rsdock.lint.model.paths import glob_match
from rsdock.lint.model.shell_words import Words, node_text, printf_output, unquote_word, walk
from rsdock.records import field, record, replace

_MAX_PATHS = 64
# Real RUN scripts nest a handful of levels. The simulation recurses once per level of the syntax
# tree, so a script nested deeper (a 4 KB RUN of 1,000 subshells) is not simulated: its path is
# opaque, and the Dockerfile reports it (RS001). An `a && b && ...` chain is a left-nested tree
# walked as one flat list: it does not count.
MAX_DEPTH = 100
# What opens a level: subshells, groups, substitutions, expansions, tests, compound commands.
# Each adds at most three levels, so a script with few of them needs no walk to be measured.
_NESTING_RE = re.compile(r"[({`\[$]|\b(?:if|while|until|for|case|select|function)\b")
_NESTING_MARKS = ("(", "{", "`", "[", "$", "if", "while", "until", "for", "case", "select",
                  "function")
# `|| true`, `|| exit 1`, `|| { echo ... >&2; exit 1; }`: a fallback that only ends the path.
_TRIVIAL_FALLBACK = re.compile(r"^[{(]?\s*(?:(?:echo|printf)\b(?:[^;&|]|>&\d)*(?:;|&&)\s*)?"
                               r"(?:true|:|false|exit(?:\s+\d+)?|return(?:\s+\d+)?)\s*;?\s*[})]?$")
_PARSER: Any = None


def _parser() -> Any:
    # Loaded once, lazily: the grammar is a compiled extension and most lint runs need it once.
    global _PARSER
    if _PARSER is None:
        import tree_sitter
        import tree_sitter_bash

        _PARSER = tree_sitter.Parser(tree_sitter.Language(tree_sitter_bash.language()))
    return _PARSER


@record
class Arm:
    """One ``case`` arm: its patterns, where it starts, and what it does."""

    patterns: tuple[str, ...]
    line: int
    exits_nonzero: bool
    assigned: dict[str, str]
    words: tuple[str, ...]
    node: Any = field(repr=False, default=None)


@record
class Case:
    """A ``case WORD in ... esac`` statement."""

    subject: str
    line: int
    arms: list[Arm]

    @property
    def subject_vars(self) -> set[str]:
        """The variables the subject word reads (``{"TARGETPLATFORM"}``)."""
        return set(re.findall(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)", self.subject))

    @property
    def has_default(self) -> bool:
        """Whether an arm matches anything (``*)``)."""
        return any(p == "*" for arm in self.arms for p in arm.patterns)


@record
class Command:
    """One simple command as executed on one path.

    Attributes:
        argv: the words after expansion (unknown expansions stay as written, e.g. ``$T``).
        line: the file line of the command's first word.
        assignments: inline ``VAR=value`` prefixes.
        env: the exported variables the command receives (ENV, ARG, exports, inline).
        variables: every shell variable set at that point, exported or not.
        unset: variables the command's words read that are set nowhere on this path.
        opaque: a file sourced earlier on this path could not be read, so the env may hold more.
        args_line: where the words ``"$@"`` expanded to were given (the ``set --`` line), or 0.
        cwd: the working directory it runs in (WORKDIR, then ``cd``).
    """

    argv: tuple[str, ...]
    line: int
    assignments: dict[str, str]
    env: dict[str, str]
    variables: dict[str, str]
    unset: frozenset[str] = frozenset()
    opaque: bool = False
    args_line: int = 0
    cwd: str = "/"


_GONE = object()


class Files(MutableMapping[str, str]):
    """The files RUNs wrote, by absolute path: a copy-on-write layer over earlier ones.

    Each RUN (and each path a ``case`` forks) writes into its own layer and reads through to
    the RUNs before it, so a Dockerfile of thousands of RUNs is simulated without copying
    everything written so far at every step. A layer is never written to once another layer
    is built on it.
    """

    __slots__ = ("_own", "_base", "_size")
    _own: dict[str, Any]
    _base: Mapping[str, str] | None
    _size: int

    def __init__(self, base: Mapping[str, str] | None = None):
        self._own = {}
        self._size = 1  # how many layers this one stands for (see _compacted)
        if isinstance(base, Files):
            base = base._compacted()
        # (never `if base`: the truth of a layer is its length, a merge of every layer below)
        self._base = None if base is None or (isinstance(base, dict) and not base) else base

    def _compacted(self) -> "Files":
        """This layer, with the layers below it that stand for no more layers than it merged
        into one: a binary counter, so n RUNs leave about log2(n) layers (reads stay cheap)
        and each path is copied about log2(n) times in all (flattening every few layers
        copied everything written so far: quadratic in a long Dockerfile). New layers are
        built; none is changed, so a layer another one stands on keeps what it saw."""
        top = self
        while isinstance(top._base, Files) and top._base._size <= top._size:
            below = top._base
            merged = Files.__new__(Files)
            merged._own = {**below._own, **top._own}  # _GONE marks hide what lies below
            merged._base = below._base
            merged._size = below._size + top._size
            top = merged
        return top

    def child(self) -> "Files":
        """A new layer over this one (which must not be written to afterwards)."""
        return Files(self)

    def __getitem__(self, path: str) -> str:
        value = self._own.get(path, _GONE if path in self._own else None)
        if value is _GONE:
            raise KeyError(path)
        if value is not None:
            return str(value)
        if self._base is None:
            raise KeyError(path)
        return self._base[path]

    def __setitem__(self, path: str, content: str) -> None:
        self._own[path] = content

    def __delitem__(self, path: str) -> None:
        if path not in self:
            raise KeyError(path)
        self._own[path] = _GONE

    def _merged(self) -> dict[str, str]:
        layers, base = [self._own], self._base
        while isinstance(base, Files):  # walk down once, then apply the layers bottom-up
            layers.append(base._own)
            base = base._base
        merged = dict(base) if base is not None else {}
        for own in reversed(layers):
            for path, value in own.items():
                if value is _GONE:
                    merged.pop(path, None)
                else:
                    merged[path] = value
        return merged

    def __iter__(self) -> Iterator[str]:
        return iter(self._merged())

    def __len__(self) -> int:
        return len(self._merged())

    def items(self) -> ItemsView[str, str]:  # one merge instead of a lookup per key
        return self._merged().items()


@record
class _State:
    variables: dict[str, str | None]
    exported: set[str]
    files: Files
    commands: list[Command] = field(default_factory=list)
    exit_code: int | None = None
    opaque: bool = False
    unset: set[str] = field(default_factory=set)
    positional: tuple[str, ...] = ()
    positional_line: int = 0
    cwd: str = "/"
    # The script line where each variable was last assigned (not for a sourced file's lines).
    assigned_at: dict[str, int] = field(default_factory=dict)
    # Every file a redirection wrote (`> f`, `>> f`), whatever its content; None: one whose
    # name is unknown.
    written: list[str | None] = field(default_factory=list)
    # The line of an `a || b` whose `b` was not followed (and is more than `true` or `exit`).
    unfollowed: int = 0
    # Ended by `exit` (the shell is gone), not by a command that failed (`false`, a failing
    # subshell): only a failure takes the `||` branch.
    exited: bool = False

    def path(self, name: str) -> str:
        """``name`` as an absolute path: files are keyed so, so that ``> t`` in WORKDIR /b and a
        later ``cat ./t`` or ``cat /b/t`` meet."""
        return posixpath.normpath(posixpath.join(self.cwd, name))

    def fork(self) -> "_State":
        base = self.files  # both paths write on their own layer from here on
        self.files = base.child()
        return replace(self, variables=dict(self.variables), exported=set(self.exported),
                       files=base.child(), commands=list(self.commands), unset=set(self.unset),
                       assigned_at=dict(self.assigned_at), written=list(self.written))


@record
class Outcome:
    """One path through a script: the commands run, and the state it ends in."""

    commands: list[Command]
    exit_code: int | None
    variables: dict[str, str | None]
    exported: set[str]
    files: MutableMapping[str, str]
    opaque: bool
    # The file line where each variable of ``variables`` was last assigned in this script.
    assigned_at: dict[str, int] = field(default_factory=dict)
    # Every file a redirection wrote (None: a name not known), and the line of an `a || b`
    # whose `b` was not simulated (0: none): what a stage's files can be known from.
    written: list[str | None] = field(default_factory=list)
    unfollowed: int = 0


@record
class ScriptModel:
    """A parsed script: its ``case`` statements and the lines tree-sitter could not parse."""

    cases: list[Case]
    errors: list[int]
    tree: Any = field(repr=False, default=None)
    first_line: int = 1
    # The file line where the syntax tree passes MAX_DEPTH levels, 0 when it does not.
    too_deep: int = 0

    def reads(self) -> dict[str, int]:
        """Every variable the script expands (not in comments or single quotes), with the file
        line of its first use."""
        found: dict[str, int] = {}
        for node in walk(self.tree.root_node):
            if node.type in ("simple_expansion", "expansion"):
                names = [c for c in node.named_children if c.type == "variable_name"]
                if names:
                    found.setdefault(node_text(names[0]), self.first_line + node.start_point[0])
        return found


# Large enough for every RUN of a very long Dockerfile: a miss re-parses the script.
@functools.lru_cache(maxsize=16384)
def parse_script(text: str, first_line: int = 1) -> ScriptModel:
    """Parse ``text`` (a RUN script whose row 0 is file line ``first_line``).

    Cached: every rule asks about the same RUNs, and the model is never changed after parsing.
    """
    tree = _parser().parse(text.encode())
    root = tree.root_node
    # has_error covers ERROR and MISSING nodes below; without it there is nothing to look for
    errors = sorted({first_line + n.start_point[0] for n in walk(root)
                     if n.type == "ERROR" or n.is_missing}) if root.has_error else []
    model = ScriptModel([], errors, tree, first_line)
    model.too_deep = _too_deep(root, first_line) if might_be_too_deep(text) else 0
    if model.too_deep:
        return model  # rules must not walk it either: nothing more is read from it
    if "case" in text:  # no keyword, no case statement
        for node in walk(root):
            if node.type == "case_statement":
                model.cases.append(_case(node, first_line))
    return model


def might_be_too_deep(text: str) -> bool:
    """Whether ``text`` has enough nesting constructs to pass :data:`MAX_DEPTH` (cheap: no
    parse); when True, :attr:`ScriptModel.too_deep` says whether it does."""
    # each construct holds one of these characters or words: fewer than the bound of them in
    # all (most scripts) cannot reach it, and counting is far cheaper than the regex
    if sum(map(text.count, _NESTING_MARKS)) * 3 + 10 <= MAX_DEPTH:
        return False
    return len(_NESTING_RE.findall(text)) * 3 + 10 > MAX_DEPTH


def _too_deep(root: Any, first_line: int) -> int:
    """The file line of the first node more than :data:`MAX_DEPTH` levels down, else 0.
    Iterative: it measures what must not be recursed into."""
    stack = [(root, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            return first_line + int(node.start_point[0])
        for child in node.children:
            chained = node.type == "list" and child.type == "list"
            stack.append((child, depth if chained else depth + 1))
    return 0


def simulate(text: str, first_line: int = 1, env: dict[str, str | None] | None = None,
             files: Mapping[str, str] | None = None, cwd: str = "/") -> list[Outcome]:
    """Run ``text`` symbolically and return its paths (alternatives at ``case``/``if``).

    Args:
        text: the script.
        first_line: the file line of the script's row 0.
        env: the variables the RUN starts with (ENV and ARG; None = declared, value unknown).
        files: what earlier RUNs wrote, by absolute path.
        cwd: the working directory the RUN starts in (the stage's WORKDIR).
    """
    model = parse_script(text, first_line)
    start = _State(dict(env or {}), set(env or {}), Files(files), cwd=cwd)
    # too deep to follow: one path on which nothing is known (the Dockerfile reports it)
    start.opaque = start.opaque or bool(model.too_deep)
    states = [start] if model.too_deep else _Sim(first_line).run(model.tree.root_node, [start])
    return [Outcome(s.commands, s.exit_code, s.variables, s.exported, s.files, s.opaque,
                    s.assigned_at, s.written, s.unfollowed) for s in states]


def _case(node: Any, first_line: int) -> Case:
    subject = node.child_by_field_name("value")
    arms: list[Arm] = []
    for item in (c for c in node.children if c.type == "case_item"):
        patterns, body = _arm_parts(item)
        words: list[str] = []
        assigned: dict[str, str] = {}
        exits = False
        for sub in (n for b in body for n in walk(b)):
            if sub.type == "variable_assignment":
                name, value = node_text(sub).split("=", 1)
                assigned[name] = unquote_word(value)
            elif sub.type == "command":
                argv = [node_text(w) for w in sub.children if w.type != "variable_assignment"]
                words.extend(unquote_word(w) for w in argv)
                if argv and argv[0] in ("exit", "return") and len(argv) > 1 and argv[1] != "0":
                    exits = True
                if argv and argv[0] == "false":
                    exits = True
        arms.append(Arm(patterns, first_line + item.start_point[0], exits, assigned, tuple(words),
                        item))
    return Case(node_text(subject) if subject else "", first_line + node.start_point[0], arms)


def _arm_parts(item: Any) -> tuple[tuple[str, ...], list[Any]]:
    """A ``case_item``'s patterns (quotes removed) and the statements of its body."""
    values = item.children_by_field_name("value")
    return (tuple(unquote_word(node_text(v)) for v in values),
            [c for c in item.named_children if c not in values])


class _Sim(Words):
    """The symbolic executor; one instance per script."""

    def __init__(self, first_line: int):
        self.first_line = first_line
        # The words of a redirected command, expanded once for its output (`echo x > f`) and
        # used again when the command runs: by id(state), with the node and the state, for
        # words no write can change (no command substitution, which may `cat` the file).
        self._expanded: dict[int, tuple[Any, _State, list[tuple[str, bool]]]] = {}

    # -- statements -------------------------------------------------------------------------
    def run(self, node: Any, states: list[_State]) -> list[_State]:
        if all(s.exit_code is None for s in states):  # the common case: no path has ended
            live, done = states, []
        else:
            live = [s for s in states if s.exit_code is None]
            done = [s for s in states if s.exit_code is not None]
        if not live:
            return states
        handler = getattr(self, f"_n_{node.type}", None)
        if handler is None:
            result = live
            for child in node.named_children:
                if child.type != "comment":
                    result = self.run(child, result)
        else:
            result = handler(node, live)
        return (done + result)[:_MAX_PATHS]

    def _n_list(self, node: Any, states: list[_State]) -> list[_State]:
        # `a && b || c` is the left-nested list(list(a, b), c): flattened, not recursed into
        chain: list[Any] = []
        while node.type == "list" and node.children:
            chain[:0] = node.children[1:]
            node = node.children[0]
        return self._run_list([node, *chain], states)

    def _run_list(self, children: list[Any], states: list[_State]) -> list[_State]:
        """Run ``a && b ; c`` given as ``[a, op, b, op, c]``."""
        states = self.run(children[0], states)
        for op, right in zip(children[1::2], children[2::2]):
            if node_text(op) == "||":
                # `a || b` is the failure path; scripts use it for `|| exit 1`, `|| true`:
                # the success path continues, so it is the one that matters for what follows.
                # A path known to have failed (`$NO_CHEF || cargo chef cook` with NO_CHEF=false)
                # takes `b`.
                failed = [s for s in states if s.exit_code is not None and not s.exited]
                others = [s for s in states if s.exit_code is None or s.exited]
                if not _TRIVIAL_FALLBACK.match(node_text(right)):
                    for state in others:
                        state.unfollowed = state.unfollowed or self.first_line + right.start_point[0]
                for state in failed:
                    state.exit_code = None
                states = others + (self.run(right, failed) if failed else [])
                continue
            states = self.run(right, states)
        return states

    def _n_subshell(self, node: Any, states: list[_State]) -> list[_State]:
        out = []
        for state in states:
            for inner in self._isolated(node, state):
                kept = state.fork()
                kept.commands, kept.files, kept.exit_code = inner.commands, inner.files, inner.exit_code
                out.append(kept)
        return out

    def _isolated(self, node: Any, state: _State) -> list[_State]:
        result: list[_State] = [state.fork()]
        for child in node.named_children:
            result = self.run(child, result)
        return result

    def _n_pipeline(self, node: Any, states: list[_State]) -> list[_State]:
        # Every part of a pipeline runs in a subshell: it sees the env but changes none of it.
        return self._n_subshell(node, states)

    def _n_case_statement(self, node: Any, states: list[_State]) -> list[_State]:
        out: list[_State] = []
        arms = [_arm_parts(c) for c in node.children if c.type == "case_item"]
        # A literal `*)` arm (as written, not a quoted "*") catches what the others do not.
        catch_all = any(node_text(v) == "*" for c in node.children if c.type == "case_item"
                        for v in c.children_by_field_name("value"))
        subject = node.child_by_field_name("value")
        for state in states:
            value, known = self.word(subject, state) if subject else ("", True)
            chosen = []
            for patterns, body in arms:
                if known and any(glob_match(value, p) for p in patterns):
                    chosen = [body]
                    break
                if not known:
                    chosen.append(body)
            if not known and not catch_all:
                out.append(state.fork())  # no arm matched
            if known and not chosen:
                out.append(state)
            for body in chosen:
                branch = [state.fork()]
                for child in body:
                    if child.type != "comment":
                        branch = self.run(child, branch)
                out.extend(branch)
        return out

    def _n_if_statement(self, node: Any, states: list[_State]) -> list[_State]:
        condition = node.child_by_field_name("condition")
        states = self.run(condition, states) if condition else states
        body = [c for c in node.named_children if c is not condition
                and c.type not in ("elif_clause", "else_clause", "comment")]
        alternatives = [c for c in node.named_children if c.type in ("elif_clause", "else_clause")]
        out: list[_State] = []
        for state in states:
            branch = [state.fork()]
            for child in body:
                branch = self.run(child, branch)
            out.extend(branch)
            for alt in alternatives:
                out.extend(self.run(alt, [state.fork()]))
            if not any(a.type == "else_clause" for a in alternatives):
                out.append(state.fork())
        return out

    def _n_function_definition(self, node: Any, states: list[_State]) -> list[_State]:
        return states

    def _n_comment(self, node: Any, states: list[_State]) -> list[_State]:
        return states

    def _n_variable_assignment(self, node: Any, states: list[_State]) -> list[_State]:
        line = self.first_line + node.start_point[0]
        for state in states:
            name, value = self.assignment(node, state)
            state.variables[name] = value
            state.assigned_at[name] = line
        return states

    def _n_declaration_command(self, node: Any, states: list[_State]) -> list[_State]:
        keyword = node_text(node.children[0])
        flags = {node_text(c) for c in node.named_children if c.type == "word"}
        exporting = keyword == "export" or any(f.startswith("-") and "x" in f for f in flags)
        for state in states:
            for child in node.named_children:
                if child.type == "variable_assignment":
                    name, value = self.assignment(child, state)
                    state.variables[name] = value
                    state.assigned_at[name] = self.first_line + child.start_point[0]
                elif child.type == "variable_name" or (child.type == "word"
                                                        and not node_text(child).startswith("-")):
                    name = node_text(child)
                else:
                    continue
                if exporting:
                    state.exported.add(name)
        return states

    def _n_redirected_statement(self, node: Any, states: list[_State]) -> list[_State]:
        body = node.child_by_field_name("body")
        redirects = [c for c in node.named_children if c is not body]
        if body is not None and body.type == "list":
            # tree-sitter-bash hangs `a && b > f` on the whole list; bash redirects only `b`.
            children = body.children
            if len(children) > 1:
                states = self._run_list(children[:-2], states)
            body = children[-1]
        for state in states:
            if state.exit_code is None:
                self._writes(body, redirects, state)
        return self.run(body, states) if body is not None else states

    def _n_command(self, node: Any, states: list[_State]) -> list[_State]:
        out = []
        for state in states:
            self.command(node, state)
            out.append(state)
        return out

    # -- commands ---------------------------------------------------------------------------
    def command(self, node: Any, state: _State) -> None:
        inline: dict[str, str] = {}
        argv: list[str] = []
        reads: set[str] = set()
        args_line = 0
        lines: dict[str, int] = {}
        shared = self._expanded.pop(id(state), None) if self._expanded else None
        expanded = shared[2] if shared and shared[0] is node and shared[1] is state else None
        index = -1  # the word's place among the children that are not assignments
        for child in node.named_children:
            if child.type != "variable_assignment":
                index += 1
            if child.type == "variable_assignment":
                name, value = self.assignment(child, state)
                inline[name] = node_text(child).split("=", 1)[1] if value is None else value
                lines[name] = self.first_line + child.start_point[0]
            elif child.type in ("file_redirect", "heredoc_redirect", "herestring_redirect"):
                continue
            elif child.end_byte - child.start_byte <= 6 and \
                    node_text(child) in ('"$@"', "$@", '"${@}"'):
                argv.extend(state.positional)
                args_line = state.positional_line
            else:
                target = child.named_children[0] if child.type == "command_name" else child
                text = expanded[index][0] if expanded else self.word(target, state)[0]
                reads |= self._reads(target, state)
                argv.append(text)
        if not argv:  # `A=1 B=2` alone: plain assignments
            state.variables.update(inline)
            state.assigned_at.update(lines)
            return
        variables = {k: v for k, v in state.variables.items() if v is not None}
        exported = state.exported
        env = {k: v for k, v in variables.items() if k in exported}
        env.update(inline)
        variables.update(inline)  # the order of {**variables, **inline}
        line = self.first_line + node.start_point[0]
        state.commands.append(Command(tuple(argv), line, inline, env, variables,
                                      frozenset(reads), state.opaque, args_line, state.cwd))
        name = argv[0]
        if name in (".", "source") and len(argv) > 1:
            self._source(state.path(argv[1]), state)
        elif name == "cd" and len(argv) > 1 and not state.opaque:
            state.cwd = state.path(argv[1])
        elif name == "exit":
            code = argv[1] if len(argv) > 1 else "0"
            state.exit_code = int(code) if code.isdigit() else 1
            state.exited = True
        elif name == "false":
            state.exit_code = 1
        elif name == "set" and "--" in argv:
            state.positional = tuple(argv[argv.index("--") + 1:])
            state.positional_line = line
        elif name == "unset":
            for var in argv[1:]:
                state.variables.pop(var, None)
                state.exported.discard(var)

    def _source(self, path: str, state: _State) -> None:
        content = state.files.get(path)
        if content is None:
            state.opaque = True  # we cannot tell what it sets: rules must not assume "nothing"
            return
        inner = _State(state.variables, state.exported, state.files, opaque=state.opaque,
                       cwd=state.cwd)
        model = parse_script(content)
        ends = self.run(model.tree.root_node, [inner])
        final = next((s for s in ends if s.exit_code is None), ends[0])
        state.variables, state.exported = final.variables, final.exported

    def _writes(self, body: Any, redirects: list[Any], state: _State) -> None:
        # tree-sitter-bash nests `> file` inside the heredoc redirect in `cat <<EOF > file`.
        nested = [c for r in redirects if r.type == "heredoc_redirect" for c in r.named_children]
        for redirect in redirects + nested:
            if redirect.type != "file_redirect":
                continue
            op = node_text(redirect.children[0])
            dest = redirect.child_by_field_name("destination")
            if dest is not None and (op in ("&>", "&>>", ">|") or redirect.children[0].type
                                     == "file_descriptor" and node_text(redirect.children[1])
                                     in (">", ">>", ">|")):
                # `2> f`, `&> f`: the file is written, with nothing we can tell
                name, named = self.word(dest, state)
                state.written.append(state.path(name) if named else None)
            if op not in (">", ">>") or dest is None:
                continue
            name, known = self.word(dest, state)
            path = state.path(name)  # word expansion never moves cwd: one join for both uses
            state.written.append(path if known else None)
            content = self._output(body, redirects, state)
            if not known or content is None:
                state.files.pop(path, None)
                continue
            state.files[path] = (state.files.get(path, "") if op == ">>" else "") + content

    def _output(self, body: Any, redirects: list[Any], state: _State) -> str | None:
        """What ``echo``/``printf``/``cat <<EOF`` print, when we can tell."""
        if body is None or body.type != "command":
            return None
        expanded = self.command_words(body, state)
        if b"$(" not in body.text and b"`" not in body.text:
            self._expanded[id(state)] = (body, state, expanded)
        words = [text for text, _known in expanded]
        if not words:
            return None
        if words[0] == "echo":
            args = [w for w in words[1:] if w not in ("-n", "-e")]
            return " ".join(args) + ("" if "-n" in words[1:] else "\n")
        if words[0] == "printf" and len(words) > 1:
            return printf_output(words[1], words[2:])
        if words[0] == "cat":
            for redirect in redirects:
                if redirect.type == "heredoc_redirect":
                    bodies = [c for c in redirect.named_children if c.type == "heredoc_body"]
                    return node_text(bodies[0]) if bodies else ""
        return None
