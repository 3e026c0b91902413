"""The ``rsdock`` command: a thin dispatcher.

Each subcommand lives in its own module exposing ``HELP`` (one line), ``add_arguments(parser)``
and ``run(args) -> int``; those modules import nothing heavy at module level, and only the chosen
one is imported, so ``rsdock lint`` never loads textual, jinja2 or questionary.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import os
import sys
from types import ModuleType

from rsdock import __version__
from rsdock.errors import UserError

# Commands that leave nothing behind when they return (no child process, no open file, no
# terminal state): their process may end without the interpreter's teardown (see entry()).
NO_TEARDOWN = ("lint", "rules", "rule", "refusal")
_ran: list[str] = []  # the command main() ran, for entry()

COMMANDS: dict[str, str] = {
    "init": "rsdock.wizard.commands.init",
    "edit": "rsdock.wizard.commands.edit",
    "lint": "rsdock.lint.commands.lint",
    "rules": "rsdock.lint.commands.rule_list",
    "rule": "rsdock.lint.commands.rule_doc",
    "refusal": "rsdock.wizard.commands.refusal",
}


def _available() -> dict[str, ModuleType]:
    modules: dict[str, ModuleType] = {}
    for name, module_name in COMMANDS.items():
        try:
            modules[name] = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if error.name != module_name:
                raise
    return modules


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The argument parser; with ``only`` it imports just that subcommand's module."""
    parser = argparse.ArgumentParser(
        prog="rsdock",
        description="Rust cargo workspaces into multi-platform container images, done right.",
        epilog="The interactive wizard is a program of its own: rsdock-tui [PATH] (with "
               "existing files it opens in edit mode; --new starts the wizard). "
               "`rsdock COMMAND --help` shows a command's options. Exit codes: 0 done or "
               "clean, 1 findings, drift or a refusal, 2 bad input, 130 interrupted.",
    )
    parser.add_argument("--version", action="version", version=f"rsdock {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    if only is not None:
        modules = {only: importlib.import_module(COMMANDS[only])}
    else:
        modules = _available()
    for name, module in modules.items():
        command = sub.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(command)
        command.set_defaults(run=module.run)
    return parser


def main(argv: list[str] | None = None, process_ends: bool = False) -> int:
    """Run ``rsdock`` with ``argv`` and return the exit code.

    ``process_ends``: the process ends right after (:func:`entry`). A command that skips the
    teardown then also runs without the cyclic garbage collector: a lint allocates millions of
    long-lived objects (parse trees, models) and almost no cyclic garbage, so each full
    collection walked every one of them for nothing (about a tenth of the 16,000-line
    Dockerfile's CPU, for 2-3 MB more memory at the end); the process frees it all at exit.
    """
    argv = sys.argv[1:] if argv is None else argv
    first = next((a for a in argv if not a.startswith("-")), None)
    parser = build_parser(first if first in COMMANDS else None)
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help()
        return 2
    _ran.append(args.command)
    if process_ends and args.command in NO_TEARDOWN:
        gc.disable()
    try:
        code: int = args.run(args)
        return code
    except UserError as error:
        print(error.format(), file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("rsdock: interrupted; nothing more was written", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


def entry() -> None:
    """The ``rsdock`` program: :func:`main`, then the exit.

    After ``rsdock lint`` (and ``rules``, ``rule``) the interpreter's teardown, freeing every
    module, parse tree and table one by one, is a sixth of a small lint's CPU time, and nothing
    is left to clean up: the output is flushed and the process ends at once. Other commands
    (a prompt or the TUI restoring the terminal, files being replaced) exit normally.
    """
    code = main(process_ends=True)
    if _ran and _ran[-1] in NO_TEARDOWN:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except (BrokenPipeError, OSError):
            pass  # the reader went away (`rsdock lint | head`): nothing more to say
        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":  # pragma: no cover
    entry()
