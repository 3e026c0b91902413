"""``rsdock refusal [ID]``: why rsdock refuses a choice, the long explanation a refusal points at.

A refusal of ``rsdock init``, ``rsdock edit`` or the TUI is one sentence with its ways out and
ends with ``why: `rsdock refusal ID```; this prints that explanation (without an id, the list).
"""

from __future__ import annotations

import argparse

from rsdock.errors import UserError
from rsdock.lint.knowledge import refusals

HELP = "explain a refusal: why rsdock will not build a choice, and every way out"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """``rsdock refusal`` takes the refusal's id, or nothing for the list."""
    parser.add_argument("refusal_id", nargs="?", metavar="ID",
                        help="the id a refusal names, e.g. no-bindings (default: list them)")


def run(args: argparse.Namespace) -> int:
    """Print the explanation (or the list); an unknown id is a usage error (exit 2)."""
    if args.refusal_id is None:
        width = max(len(r.id) for r in refusals.REFUSALS)
        for refusal in refusals.REFUSALS:
            print(f"{refusal.id:<{width}}  {refusal.title}")
        return 0
    found = refusals.get(args.refusal_id.strip().lower())
    if found is None:
        raise UserError(f"no refusal has the id {args.refusal_id!r}",
                        hint="choose one of " + ", ".join(r.id for r in refusals.REFUSALS)
                             + " (`rsdock refusal` lists them)")
    print(refusals.page(found), end="")
    return 0
