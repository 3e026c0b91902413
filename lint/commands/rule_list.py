"""``rsdock rules``: the table of every rule."""

from __future__ import annotations

import argparse

HELP = "list every lint rule: ID, family, severity and summary"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """``rsdock rules`` takes an optional family or prefix filter."""
    parser.add_argument("selector", nargs="?",
                        help="only rules of this family (cross) or prefix (RS2)")


def run(args: argparse.Namespace) -> int:
    """Print the table; exit 0."""
    from rsdock.errors import UserError
    from rsdock.lint.engine.docs import fix_label, plain_text
    from rsdock.lint.rules.rule import RegistryError, all_rules, resolve_selector

    rules = all_rules()
    if args.selector:
        try:
            wanted = resolve_selector(args.selector)
        except RegistryError as error:
            raise UserError(str(error)) from None
        rules = {k: v for k, v in rules.items() if k in wanted}
    rows = [(rid, r.family(), str(r.severity), fix_label(r),
             plain_text(r.docs().summary))
            for rid, r in rules.items()]
    headers = ("ID", "FAMILY", "SEVERITY", "FIX")
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(headers)]
    print("  ".join(f"{h:<{w}}" for h, w in zip(headers, widths)) + "  SUMMARY")
    for row in rows:
        print("  ".join(f"{c:<{w}}" for c, w in zip(row, widths)) + f"  {row[-1]}")
    return 0

