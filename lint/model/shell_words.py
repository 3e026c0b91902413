"""Shell words: quote removal and the expansions the RUN simulation can do.

Split from :mod:`rsdock.lint.model.shell`, which mixes :class:`Words` into its simulator: parameter
expansion (``${V:-d}``, ``${V%gcc}``...), ``$(cat file)`` of a file an earlier RUN wrote,
``echo``/``printf`` output.
"""

from __future__ import annotations

import fnmatch
import re
import shlex
from typing import Any, Iterator


def node_text(node: Any) -> str:
    """The source text of a tree-sitter node."""
    text: bytes = node.text
    return text.decode(errors="replace")


def walk(node: Any) -> Iterator[Any]:
    """Every node of a tree-sitter subtree, depth first (in source order)."""
    # tree-sitter's cursor, not a stack of `node.children` lists (each a list of new Python
    # objects): twice as fast, and each node passes once, not once per level above it
    cursor = node.walk()
    depth = 0
    while True:
        yield cursor.node
        if cursor.goto_first_child():
            depth += 1
            continue
        while not cursor.goto_next_sibling():
            if depth == 0 or not cursor.goto_parent():
                return
            depth -= 1
        if depth == 0:
            return  # moved on to a sibling of the subtree's own node


_ESCAPED_RE = re.compile(r"\\(.)")
_SHLEX_SPECIAL = re.compile(r"[\s'\"\\]")


def unquote_word(text: str) -> str:
    """A shell word without its quotes (``"linux/amd64"`` -> ``linux/amd64``)."""
    if not _SHLEX_SPECIAL.search(text):
        return text  # what shlex would give, without its tokenizer
    try:
        return "".join(shlex.split(text)) or text
    except ValueError:
        return text


_EXPANSION_RE = re.compile(r"\$(?:\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?P<op>:?[-+=?]|%%|%|##|#)?"
                           r"(?P<word>[^}]*)\}|(?P<plain>[A-Za-z_][A-Za-z0-9_]*))")


# The name after every `$` and `${` of a text (a superset of what expansions there read).
_NAME_AFTER_DOLLAR = re.compile(rb"\$\{?([A-Za-z_][A-Za-z0-9_]*)")


class Words:
    """Word expansion against a simulation state (``variables``, ``files``, ``unset``)."""

    def assignment(self, node: Any, state: Any) -> tuple[str, str | None]:
        """``(name, value)`` of a ``NAME=value`` node; the value is None when not known."""
        name_node = node.child_by_field_name("name")
        value_node = node.child_by_field_name("value")
        name = node_text(name_node) if name_node else node_text(node).split("=", 1)[0]
        if value_node is None:
            return name, ""
        value, known = self.word(value_node, state)
        return name, value if known else None

    def word(self, node: Any, state: Any) -> tuple[str, bool]:
        """``(text, known)``: the word after quote removal and the expansions we can do."""
        kind = node.type
        if kind in ("word", "number", "extglob_pattern"):
            text = node_text(node)
            return (_ESCAPED_RE.sub(r"\1", text) if "\\" in text else text), True
        if kind == "raw_string":
            return node_text(node)[1:-1], True
        if kind in ("simple_expansion", "expansion"):
            return self._expand(node_text(node), state)
        if kind == "command_substitution":
            return self._substitute(node, state)
        if kind in ("string", "concatenation"):
            parts, known, last = [], True, node.start_byte
            for child in node.children:
                if kind == "string" and child.type == '"':
                    last = child.end_byte
                    continue
                if child.start_byte > last and kind == "string":
                    parts.append(node.text[last - node.start_byte: child.start_byte - node.start_byte]
                                 .decode(errors="replace"))
                text, ok = self.word(child, state)
                parts.append(text)
                known = known and ok
                last = child.end_byte
            return "".join(parts), known
        if kind == "string_content":
            return node_text(node), True
        return node_text(node), False

    def _expand(self, text: str, state: Any) -> tuple[str, bool]:
        known = True

        def one(match: re.Match[str]) -> str:
            nonlocal known
            name = match["braced"] or match["plain"]
            value: str | None = state.variables.get(name)
            op, word = match["op"], match["word"] or ""
            if op in (":-", "-", ":=", "="):
                if value:
                    return value
                if name not in state.variables or op.startswith(":"):
                    return word
            if op in (":+", "+"):
                return word if value else ""
            if op in ("%", "%%", "#", "##") and value is not None:
                return _trim(value, op, word)
            if value is None:
                known = False
                if name not in state.variables:
                    state.unset.add(name)
                return match[0]
            return value

        return _EXPANSION_RE.sub(one, text), known

    def command_words(self, node: Any, state: Any) -> list[tuple[str, bool]]:
        """``(text, known)`` for each word of the simple command ``node``, inline assignments
        (``A=1 cmd``) left out."""
        return [self.word(c.named_children[0] if c.type == "command_name" else c, state)
                for c in node.named_children if c.type != "variable_assignment"]

    def _reads(self, node: Any, state: Any) -> set[str]:
        names: set[str] = set()
        text = node.text
        if b"$" not in text:  # no expansion below (the common plain word)
            return names
        # Each name an expansion below reads follows one of the text's `$` or `${`: when every
        # such name is set, none is reported and the subtree need not be walked.
        variables = state.variables
        if all(name.decode() in variables for name in _NAME_AFTER_DOLLAR.findall(text)):
            return names
        for sub in walk(node):
            if sub.type in ("simple_expansion", "expansion"):
                for match in _EXPANSION_RE.finditer(node_text(sub)):
                    name = match["braced"] or match["plain"]
                    if name not in state.variables and not match["op"]:
                        names.add(name)
        return names

    def _substitute(self, node: Any, state: Any) -> tuple[str, bool]:
        inner = [c for c in node.named_children if c.type == "command"]
        if len(inner) == 1:
            words = self.command_words(inner[0], state)
            if words and all(ok for _, ok in words):
                argv = [w for w, _ in words]
                path = state.path(argv[1]) if len(argv) == 2 else ""
                if argv[0] == "cat" and path in state.files:
                    return state.files[path].strip(), True
                if argv[0] == "echo":
                    return " ".join(argv[1:]), True
        return node_text(node), False


def _trim(value: str, op: str, pattern: str) -> str:
    """``${v%pat}``, ``${v%%pat}``, ``${v#pat}``, ``${v##pat}``: strip a matching suffix/prefix."""
    cuts = range(len(value) + 1)
    if op.startswith("%"):
        order = reversed(cuts) if op == "%" else cuts  # shortest suffix first for `%`
        for i in order:
            if fnmatch.fnmatchcase(value[i:], pattern):
                return value[:i]
    else:
        order = cuts if op == "#" else reversed(cuts)
        for i in order:
            if fnmatch.fnmatchcase(value[:i], pattern):
                return value[i:]
    return value


def printf_output(fmt: str, args: list[str]) -> str:
    """What ``printf FORMAT ARGS...`` prints for ``%s``/``%d``/``%b`` formats; like the shell,
    the format is reused until the arguments run out."""
    fmt = fmt.replace("\\n", "\n").replace("\\t", "\t")
    slots = len(re.findall(r"%[sdb]", fmt))
    if not slots:
        return fmt.replace("%%", "%")
    out = []
    for start in range(0, max(len(args), 1), slots):
        chunk = iter(args[start:start + slots])
        # the replacement runs at once, with this round's chunk
        out.append(re.sub(r"%[sdb]", lambda _m: next(chunk, ""), fmt)  # noqa: B023
                   .replace("%%", "%"))
    return "".join(out)
