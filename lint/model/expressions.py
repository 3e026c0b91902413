"""Enough of GitHub's ``${{ }}`` expression language to ask "is this off for pull requests?"
(or for a push of some branch or tag).

Workflows guard login and push with expressions such as
``${{ github.event_name != 'pull_request' }}`` or ``startsWith(github.ref, 'refs/tags/')``. This
module parses the whole expression grammar (literals, property access, ``!``, comparisons,
``&&``, ``||``, function calls) and evaluates it against what is known about a run, using
three-valued logic: anything rsdock cannot know (a secret, a repository name) is :data:`UNKNOWN`,
and a result is only decided when every unknown part could not change it.
"""

from __future__ import annotations

import math
import re
from typing import Any

__all__ = ["UNKNOWN", "ExpressionError", "evaluate", "is_off", "is_off_for_pull_requests",
           "pull_request_context", "push_context", "strip_braces"]


class _Unknown:
    """The value of anything the linter cannot know; sticky through most operations."""

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Any = _Unknown()
# A parsed expression: ("or", left, right), ("lit", value), ("name", "github")...
Node = tuple[Any, ...]


class ExpressionError(ValueError):
    """An expression rsdock cannot parse (GitHub would reject it too)."""


class _RefPrefix:
    """A string known only by its prefix: ``github.ref`` on a pull request is ``refs/pull/N/merge``."""

    def __init__(self, prefix: str):
        self.prefix = prefix


_TOKEN_RE = re.compile(r"""
    (?P<ws>\s+)
  | (?P<string>'(?:[^']|'')*')
  | (?P<number>-?(?:0x[0-9a-fA-F]+|\d+(?:\.\d+)?(?:[eE][+-]?\d+)?))
  | (?P<op>==|!=|<=|>=|&&|\|\||[!<>()\[\],.*])
  | (?P<ident>[A-Za-z_][A-Za-z0-9_-]*)
""", re.VERBOSE)


def _tokenize(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN_RE.match(text, pos)
        if not match:
            raise ExpressionError(f"unexpected {text[pos]!r} at column {pos + 1} of {text!r}")
        pos = match.end()
        if match.lastgroup is not None and match.lastgroup != "ws":
            tokens.append((match.lastgroup, match.group()))
    return tokens


class _Parser:
    """A recursive-descent parser producing nested tuples: (kind, ...)."""

    def __init__(self, text: str):
        self.text = text
        self.tokens = _tokenize(text)
        self.pos = 0

    def peek(self) -> str | None:
        return self.tokens[self.pos][1] if self.pos < len(self.tokens) else None

    def take(self, expected: str | None = None) -> tuple[str, str]:
        if self.pos >= len(self.tokens):
            raise ExpressionError(f"unexpected end of expression {self.text!r}")
        token = self.tokens[self.pos]
        if expected is not None and token[1] != expected:
            raise ExpressionError(f"expected {expected!r}, found {token[1]!r} in {self.text!r}")
        self.pos += 1
        return token

    def parse(self) -> Node:
        node = self.or_()
        if self.pos != len(self.tokens):
            raise ExpressionError(f"unexpected {self.peek()!r} in {self.text!r}")
        return node

    def or_(self) -> Node:
        node = self.and_()
        while self.peek() == "||":
            self.take()
            node = ("or", node, self.and_())
        return node

    def and_(self) -> Node:
        node = self.compare()
        while self.peek() == "&&":
            self.take()
            node = ("and", node, self.compare())
        return node

    def compare(self) -> Node:
        node = self.unary()
        while self.peek() in ("==", "!=", "<", "<=", ">", ">="):
            op = self.take()[1]
            node = ("cmp", op, node, self.unary())
        return node

    def unary(self) -> Node:
        if self.peek() == "!":
            self.take()
            return ("not", self.unary())
        return self.postfix()

    def postfix(self) -> Node:
        node = self.primary()
        while self.peek() in (".", "["):
            if self.take()[1] == ".":
                kind, name = self.take()
                if kind != "ident" and name != "*":
                    raise ExpressionError(f"expected a property name after '.' in {self.text!r}")
                node = ("prop", node, ("lit", name))
            else:
                index = self.or_()
                self.take("]")
                node = ("prop", node, index)
        return node

    def primary(self) -> Node:
        kind, text = self.take()
        if kind == "string":
            return ("lit", text[1:-1].replace("''", "'"))
        if kind == "number":
            return ("lit", float(int(text, 16)) if "x" in text.lower() else float(text))
        if text == "(":
            node = self.or_()
            self.take(")")
            return node
        if kind != "ident":
            raise ExpressionError(f"unexpected {text!r} in {self.text!r}")
        literals = {"true": True, "false": False, "null": None}
        if text in literals:
            return ("lit", literals[text])
        if self.peek() == "(":
            self.take()
            args = []
            while self.peek() != ")":
                args.append(self.or_())
                if self.peek() != ")":
                    self.take(",")
            self.take(")")
            return ("call", text.lower(), args)
        return ("name", text)


def strip_braces(text: str) -> str:
    """``"${{ a == b }}"`` -> ``"a == b"``; text without a single wrapping ``${{ }}`` is returned stripped."""
    text = text.strip()
    match = re.fullmatch(r"\$\{\{(.*)\}\}", text, re.DOTALL)
    if match and "${{" not in match[1]:
        return match[1].strip()
    return text


def _truthy(value: Any) -> Any:
    if value is UNKNOWN:
        return UNKNOWN
    if isinstance(value, _RefPrefix):
        return True
    if isinstance(value, float):
        return not (value == 0 or math.isnan(value))
    return bool(value) if value is not None else False


def _number(value: Any) -> float:
    if value is None:
        return 0.0
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, float):
        return value
    if isinstance(value, str):
        try:
            return float(value.strip()) if value.strip() else 0.0
        except ValueError:
            return math.nan
    return math.nan


def _equal(left: Any, right: Any) -> Any:
    if left is UNKNOWN or right is UNKNOWN:
        return UNKNOWN
    for known, other in ((left, right), (right, left)):
        if isinstance(known, _RefPrefix):
            if isinstance(other, str) and not other.lower().startswith(known.prefix):
                return False
            return UNKNOWN
    if isinstance(left, str) and isinstance(right, str):
        return left.lower() == right.lower()  # GitHub compares strings case-insensitively
    if type(left) is type(right) and not isinstance(left, float):
        return left == right
    return _number(left) == _number(right)


def _call(name: str, args: list[Any]) -> Any:
    if name in ("success", "always"):
        return True  # the question is whether the step runs at all on a pull request
    if name in ("failure", "cancelled"):
        return False
    if name in ("startswith", "endswith") and len(args) == 2:
        haystack, needle = args
        if needle is UNKNOWN or not isinstance(needle, str):
            return UNKNOWN
        if isinstance(haystack, _RefPrefix) and name == "startswith":
            if haystack.prefix.startswith(needle.lower()):
                return True
            return UNKNOWN if needle.lower().startswith(haystack.prefix) else False
        if isinstance(haystack, str):
            test = str.startswith if name == "startswith" else str.endswith
            return test(haystack.lower(), needle.lower())
        return UNKNOWN
    if name == "contains" and len(args) == 2 and all(isinstance(a, str) for a in args):
        return args[1].lower() in args[0].lower()
    return UNKNOWN


def _eval(node: Node, context: dict[str, Any]) -> Any:
    kind = node[0]
    if kind == "lit":
        return node[1]
    if kind in ("name", "prop"):
        path = _dotted(node)
        return _lookup(path.lower(), context) if path else UNKNOWN
    if kind == "not":
        value = _truthy(_eval(node[1], context))
        return UNKNOWN if value is UNKNOWN else not value
    if kind == "and":
        left = _eval(node[1], context)
        if _truthy(left) is False:
            return left
        right = _eval(node[2], context)
        if _truthy(left) is True:
            return right
        return False if _truthy(right) is False else UNKNOWN
    if kind == "or":
        left = _eval(node[1], context)
        if _truthy(left) is True:
            return left
        right = _eval(node[2], context)
        if _truthy(left) is False:
            return right
        return True if _truthy(right) is True else UNKNOWN
    if kind == "cmp":
        op, left, right = node[1], _eval(node[2], context), _eval(node[3], context)
        if op in ("==", "!="):
            equal = _equal(left, right)
            return equal if equal is UNKNOWN or op == "==" else not equal
        if UNKNOWN in (left, right) or isinstance(left, _RefPrefix) or isinstance(right, _RefPrefix):
            return UNKNOWN
        a, b = _number(left), _number(right)
        return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]
    if kind == "call":
        return _call(node[1], [_eval(arg, context) for arg in node[2]])
    raise ExpressionError(f"unknown node {kind}")  # pragma: no cover - the parser makes no others


def _lookup(path: str, context: dict[str, Any]) -> Any:
    """``path``'s value; below a property known to be null (``github.event.pull_request`` on a
    push) every property is null too, as GitHub reads a missing object."""
    if path in context:
        return context[path]
    parts = path.split(".")
    for end in range(len(parts) - 1, 0, -1):
        prefix = ".".join(parts[:end])
        if prefix in context:
            return None if context[prefix] is None else UNKNOWN
    return UNKNOWN


def _dotted(node: Node) -> str | None:
    """``github.event_name`` for a name/property chain with literal keys, else None."""
    if node[0] == "name":
        return str(node[1])
    if node[0] == "prop" and node[2][0] == "lit" and isinstance(node[2][1], str):
        base = _dotted(node[1])
        return f"{base}.{node[2][1]}" if base else None
    return None


def pull_request_context(event: str = "pull_request") -> dict[str, Any]:
    """What is known about every run triggered by ``event`` (a pull request by default)."""
    context: dict[str, Any] = {"github.event_name": event}
    if event in ("pull_request", "pull_request_target"):
        context["github.ref_type"] = "branch"
        if event == "pull_request":
            context["github.ref"] = _RefPrefix("refs/pull/")
    return context


def push_context(ref: str) -> dict[str, Any]:
    """What is known about a run triggered by a push of ``ref`` (``refs/heads/main``,
    ``refs/tags/v1.2.0``): no pull request is at hand."""
    kind = "tag" if ref.startswith("refs/tags/") else "branch"
    name = ref.split("/", 2)[2] if ref.count("/") >= 2 else ref
    return {"github.event_name": "push", "github.ref": ref, "github.ref_name": name,
            "github.ref_type": kind, "github.event.ref": ref, "github.head_ref": "",
            "github.base_ref": "", "github.event.pull_request": None}


def evaluate(expression: str, context: dict[str, Any]) -> Any:
    """Evaluate ``expression`` (with or without ``${{ }}``) given known ``context`` values.

    Args:
        expression: the expression text.
        context: lower-case dotted names (``github.event_name``) to their values.

    Returns:
        The value, or :data:`UNKNOWN` when it depends on something not in ``context``.

    Raises:
        ExpressionError: when the text is not a valid expression.
    """
    return _eval(_Parser(strip_braces(expression)).parse(), context)


def _condition_value(value: Any, context: dict[str, Any]) -> Any:
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    text = str(value).strip()
    if "${{" in text and strip_braces(text) == text:
        return UNKNOWN  # interpolated into a longer string: a non-empty string at run time
    try:
        return _truthy(evaluate(text, context))
    except ExpressionError:
        return UNKNOWN


def is_off_for_pull_requests(*conditions: Any, event: str = "pull_request") -> bool | None:
    """Whether something guarded by ``conditions`` is off on a pull request run.

    Each condition is an ``if:`` or a ``push:`` value: a bool, an expression (with or without
    ``${{ }}``), a string such as ``"true"``, or None for "not set" (always on). The thing is off
    when any condition is false on pull requests.

    Returns:
        True when off for every pull request, False when on for every pull request, None when it
        depends on something unknown (a fork check, a repository name...).
    """
    return is_off(*conditions, context=pull_request_context(event))


def is_off(*conditions: Any, context: dict[str, Any]) -> bool | None:
    """Whether something guarded by ``conditions`` (as :func:`is_off_for_pull_requests` takes
    them) is off in runs described by ``context`` (:func:`push_context`...).

    Returns:
        True when some condition is false there, False when all are true, None when unknown.
    """
    result: bool | None = False
    for condition in conditions:
        if isinstance(condition, str) and condition.strip().lower() in ("true", "false"):
            condition = condition.strip().lower() == "true"
        value = _condition_value(condition, context)
        if value is False:
            return True
        if value is UNKNOWN:
            result = None
    return result


def possible_values(expression: str) -> list[Any] | None:
    """Every value ``expression`` (with or without ``${{ }}``) can yield, when each is a literal:
    ``cond && 'a,b' || 'c'`` gives ``['a,b', 'c']`` whatever ``cond`` is; None when some outcome
    is computed (a property, a function call) or the expression does not parse."""
    try:
        node = _Parser(strip_braces(expression)).parse()
    except ExpressionError:
        return None
    found = _outcomes(node)
    return None if found is None else list(dict.fromkeys(found))


def _outcomes(node: Node) -> list[Any] | None:
    """The values ``node`` can evaluate to, when all are literals. ``a && b`` is ``a`` when ``a``
    is falsy, else ``b``; ``a || b`` is ``a`` when truthy, else ``b``; a comparison or ``!``
    is either boolean."""
    kind = node[0]
    if kind == "lit":
        return [node[1]]
    if kind in ("cmp", "not"):
        return [True, False]
    if kind in ("and", "or"):
        left, right = _outcomes(node[1]), _outcomes(node[2])
        if left is None or right is None:
            return None
        passes = [v for v in left if (_truthy(v) is False) == (kind == "and")]
        return passes + right
    return None
