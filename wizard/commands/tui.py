"""The ``rsdock-tui [PATH]`` entry point."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    """Run the wizard (or edit mode, for existing files) on PATH and return the exit code."""
    parser = argparse.ArgumentParser(
        prog="rsdock-tui",
        description="Walk through getting a cargo workspace into multi-platform images.")
    parser.add_argument("path", nargs="?", type=Path, default=None,
                        help="the cargo workspace (default: the current directory); one that "
                             "already has Dockerfiles or workflows opens in edit mode")
    parser.add_argument("--new", action="store_true",
                        help="start the fresh-setup wizard even when files already exist")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    from rsdock.wizard.tui.app import RsdockApp  # textual loads only when the wizard really runs

    app = RsdockApp(args.path, edit_existing=not args.new)
    try:
        code = app.run()
    except KeyboardInterrupt:
        print("rsdock-tui: interrupted; nothing more was written", file=sys.stderr)
        return 130
    finally:
        app.remove_example_copies()  # also when the app did not get to unmount
    return code if isinstance(code, int) else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
