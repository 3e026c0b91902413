"""Regenerate the rule table in README.md and the rule pages in docs/rules.md from the rules'
docstrings, and docs/refusals.md from lint/knowledge/refusals.py.

Usage: ``python scripts/gen_docs.py`` (rewrite) or ``python scripts/gen_docs.py --check`` (exit 1
when either is out of date, for CI). In README.md only the text between the rules markers changes.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rsdock.lint.engine.docs import render_readme, rules_page

README = Path(__file__).resolve().parent.parent / "README.md"
RULES_PAGE = README.parent / "docs" / "rules.md"
REFUSALS = README.parent / "docs" / "refusals.md"


def main(argv: list[str] | None = None) -> int:
    """Rewrite (or with ``--check``, verify) README.md's rule table and docs/rules.md and docs/refusals.md; return
    the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail instead of writing")
    args = parser.parse_args(argv)
    stale = 0
    pages = ((README, render_readme), (RULES_PAGE, lambda _: rules_page()),
             (REFUSALS, lambda _: _refusals_page()))
    for path, render in pages:
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        wanted = render(current)
        if wanted == current:
            continue
        if args.check:
            print(f"{path.name} is out of date: run python scripts/gen_docs.py", file=sys.stderr)
            stale = 1
            continue
        path.write_text(wanted, encoding="utf-8")
        print(f"{path.name}: updated")
    return stale


def _refusals_page() -> str:
    """docs/refusals.md, from lint/knowledge/refusals.py."""
    from rsdock.lint.knowledge.refusals import markdown

    return markdown()


if __name__ == "__main__":
    sys.exit(main())
