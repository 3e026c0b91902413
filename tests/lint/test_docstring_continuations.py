"""A rule's docstring keeps the line continuations of its examples (issue 26 item 11: RS309's
example lost one: ``\\`` before a newline in a plain string literal joins the lines, so
`rsdock rule RS309` printed one long RUN line and the example tested that instead)."""

from __future__ import annotations

import ast

from tests.tools import REPO


def test_no_rule_docstring_swallows_a_backslash_newline():
    lost = []
    for path in sorted((REPO / "lint" / "rules").glob("rs*.py")):
        source = path.read_text(encoding="utf-8")
        for node in ast.walk(ast.parse(source)):
            if not isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.Module)):
                continue
            doc = node.body[0] if node.body else None
            if not (isinstance(doc, ast.Expr) and isinstance(doc.value, ast.Constant)
                    and isinstance(doc.value.value, str)):
                continue
            written = ast.get_source_segment(source, doc.value) or ""
            if written[:1] in "rR":
                continue
            # In a plain literal, `\` + newline vanishes unless the backslash is doubled.
            inner, i = written[3:-3], 0
            while i < len(inner):
                if inner[i] == "\\" and inner[i + 1] == "\n":
                    lost.append(f"{path.name}:{doc.value.lineno}")
                    break
                i += 2 if inner[i] == "\\" else 1
    assert lost == [], "write the docstring as r\"\"\"...\"\"\" (or double the backslash)"
