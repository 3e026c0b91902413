"""The e2e modules name nothing undefined (fast suite, no docker).

Their tests run only as root in the build lab, so a name lost in a merge (seen: ``gen`` after
make_broken took over generating the broken project) failed all five broken variants in the lab
only. This reads each module's functions and names every name loaded that no scope defines.
"""

from __future__ import annotations

import ast
import builtins
from pathlib import Path

import pytest

HERE = Path(__file__).parent


def _stores(node: ast.AST) -> set[str]:
    names: set[str] = set()
    for n in ast.walk(node):
        if isinstance(n, ast.Name) and isinstance(n.ctx, (ast.Store, ast.Del)):
            names.add(n.id)
        elif isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(n.name)
        elif isinstance(n, ast.arg):
            names.add(n.arg)
        elif isinstance(n, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in n.names)
        elif isinstance(n, ast.ExceptHandler) and n.name:
            names.add(n.name)
        elif isinstance(n, (ast.Global, ast.Nonlocal)):
            names.update(n.names)
    return names


def undefined_names(source: str) -> list[tuple[int, str]]:
    """``(line, name)`` of each name a top-level function or method loads that neither it, the
    module nor builtins define (a nested scope counts as its outer function's)."""
    tree = ast.parse(source)
    module = _stores(ast.Module(body=[n for n in tree.body if not isinstance(
        n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))], type_ignores=[]))
    module |= {n.name for n in tree.body if isinstance(
        n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}
    known = module | set(dir(builtins))
    funcs = [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    for cls in (n for n in tree.body if isinstance(n, ast.ClassDef)):
        funcs += [n for n in cls.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    found = []
    for fn in funcs:
        local = _stores(fn) | known
        found += [(n.lineno, n.id) for n in ast.walk(fn)
                  if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and n.id not in local]
    return sorted(found)


@pytest.mark.parametrize("path", sorted(HERE.glob("*.py")), ids=lambda p: p.name)
def test_no_undefined_names(path):
    assert undefined_names(path.read_text()) == [], path.name


def test_the_check_sees_a_name_no_scope_defines():
    src = "import re\nX = 1\ndef f(a):\n    b = [c for c in a]\n    return re, X, b, gen['builds']\n"
    assert undefined_names(src) == [(5, "gen")]
