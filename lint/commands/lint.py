"""``rsdock lint``: check Dockerfiles, workflows and .dockerignore files against rsdock's rules.

Exit codes (like ruff and hadolint): 0 when no finding is at or above the failure threshold,
1 when one is, 2 for usage errors (bad flags, bad ``rsdock.toml``, a missing path, nothing to
lint unless ``--allow-empty``: a CI step pointed at the wrong folder must not go green). Every
finding is reported; ``--severity`` only moves the threshold (default ``warning``: notes such as
hadolint's limitations never fail a build).
"""

from __future__ import annotations

import argparse
import re
import stat
import sys
from pathlib import Path

HELP = "lint Dockerfiles, GitHub workflows and .dockerignore files (runs hadolint too)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``rsdock lint``'s options to ``parser``."""
    parser.epilog = ("Exit status: 0 when no finding is at or above the --severity threshold, 1 "
                     "when one is, 2 for usage errors and when there is nothing to lint (unless "
                     "--allow-empty). Suppress one finding with a comment line "
                     "`# rsdock: ignore=RS201 reason` before it; configure in rsdock.toml [lint].")
    parser.add_argument("paths", nargs="*", metavar="PATH",
                        help="files or folders to lint (default: the repository you stand in)")
    parser.add_argument("--format", choices=("text", "json", "sarif", "github"), default="text",
                        help="output format (default: text)")
    parser.add_argument("--severity", choices=("error", "warning", "info"),
                        help="exit 1 on findings at or above this level (default: warning, or "
                             "rsdock.toml [lint] severity)")
    parser.add_argument("--select", action="append", metavar="RULES",
                        help="only these rules: IDs, prefixes (RS2), families (cross), DL/SC "
                             "codes or 'hadolint'; comma-separated or repeated")
    parser.add_argument("--ignore", action="append", metavar="RULES",
                        help="never report these rules (same forms as --select)")
    parser.add_argument("--no-hadolint", action="store_true",
                        help="do not run hadolint alongside rsdock's rules")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--fix", action="store_true", help="apply safe fixes in place")
    group.add_argument("--diff", action="store_true",
                       help="print the safe fixes as a unified diff; change nothing")
    parser.add_argument("--allow-empty", action="store_true",
                        help="exit 0 when there is no Dockerfile, workflow or .dockerignore to "
                             "lint (default: exit 2, so a mis-pointed CI step fails)")
    parser.add_argument("--unsafe-fixes", action="store_true",
                        help="with --fix or --diff, apply the fixes that may break a build too "
                             "(marked [unsafe fix]); review the diff first")
    parser.add_argument("--output", "-o", metavar="FILE",
                        help="write the report to FILE instead of standard output")


def _split(values: list[str] | None) -> list[str]:
    return [v.strip() for value in values or () for v in value.split(",") if v.strip()]


def run(args: argparse.Namespace) -> int:
    """Lint, report, and return the exit code."""
    from rsdock.errors import UserError
    from rsdock.fs import shown
    from rsdock.lint.engine import discover, report, runner
    from rsdock.lint.engine.settings import load_config

    root, targets, tree = discover.resolve(args.paths)
    config = load_config(root).merged(select=_split(args.select), ignore=_split(args.ignore),
                                      severity=args.severity,
                                      hadolint=False if args.no_hadolint else None)
    result = runner.lint_paths(targets, root, config, tree)
    # Files named one by one (pre-commit passes them) may all be excluded on purpose; a folder
    # or the repository with nothing in it is a mis-pointed command.
    named_files = any(Path(p).is_file() for p in args.paths)
    if not result.targets and not named_files and not args.allow_empty:
        where = ", ".join(args.paths) if args.paths else str(root)
        raise UserError(f"nothing to lint: no Dockerfile, GitHub workflow or .dockerignore in "
                        f"{where}", hint="pass the folder or files that hold them (or "
                        "--allow-empty when an empty folder is expected)")
    if args.output:
        _check_output(Path(args.output), root, result.targets, args.paths)
    if args.fix or args.diff:
        from rsdock.lint.engine import fix

        changed = fix.fix_texts(root, result.texts, result.findings, config,
                                 unsafe=args.unsafe_fixes)
        if args.diff:
            sys.stdout.write("".join(fix.unified_diff(p, result.texts[p], t)
                                     for p, t in sorted(changed.items())))
            return 1 if changed else 0
        for note in fix.write_fixes(root, changed, result.texts):
            print(f"rsdock: {note}", file=sys.stderr)
        if changed:
            print(f"rsdock: fixed {len(changed)} file(s): {', '.join(sorted(changed))}",
                  file=sys.stderr)
            result = runner.lint_paths(targets, root, config)
    for folder, why in result.skipped:  # said, not silently left out of the check
        if config.excluded(folder):
            continue
        print(f"rsdock: note: {shown(folder)}: not linted: {why}", file=sys.stderr)
    rendered = report.REPORTERS[args.format](result)
    if args.output:
        try:
            Path(args.output).write_text(rendered, encoding="utf-8")
        except OSError as error:
            raise UserError(f"cannot write the report: {error.strerror or error}",
                            path=args.output) from None
    else:
        sys.stdout.write(rendered)
    return 1 if result.failed(config.severity) else 0


_TEXT_SUMMARY = re.compile(r"^(?:\d+ files? checked: |nothing to lint: )", re.MULTILINE)
_MAX_REPORT = 256 * 1024 * 1024


def _check_output(output: Path, root: Path, targets: dict[str, str], paths: list[str]) -> None:
    """Refuse a report path that would replace a linted file or any file that is not a report.

    The report may go to a new file, a device or pipe (``/dev/stdout``), an empty file, or a
    report rsdock wrote before (in any format); anything else is somebody's data.
    """
    from rsdock.errors import UserError

    try:
        info = output.stat()
    except FileNotFoundError:
        return
    except OSError as error:
        raise UserError(f"cannot write the report: {error.strerror or error}",
                        path=str(output)) from None
    if stat.S_ISDIR(info.st_mode):
        raise UserError("the report path is a directory", path=str(output),
                        hint="give --output a file name, e.g. rsdock-report.txt")
    if not stat.S_ISREG(info.st_mode):
        return  # /dev/stdout, a pipe: nothing on disk is replaced
    real = output.resolve()
    inputs = {(root / rel).resolve() for rel in targets}
    inputs |= {Path(p).resolve() for p in paths if Path(p).is_file()}
    if real in inputs:
        raise UserError("--output names a file this run lints; writing the report there would "
                        "replace it", path=str(output), exit_code=2,
                        hint="write the report to a file of its own, e.g. rsdock-report.txt")
    if info.st_size and not _is_report(output, info.st_size):
        raise UserError("--output names an existing file that is not a report rsdock wrote; "
                        "it is left as it is", path=str(output),
                        hint="write the report to a new file (or delete this one first)")


def _is_report(path: Path, size: int) -> bool:
    """Whether ``path`` holds a report of rsdock's (text, JSON, SARIF or GitHub annotations)."""
    if size > _MAX_REPORT:
        return False
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    if _TEXT_SUMMARY.search(text):
        return True
    lines = [line for line in text.splitlines() if line.strip()]
    if lines and all(line.startswith("::") for line in lines):
        return True  # GitHub annotations
    import json

    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return False
    if not isinstance(data, dict):
        return False
    tool = data.get("tool")
    if isinstance(tool, dict) and tool.get("name") == "rsdock":
        return True
    runs = data.get("runs")
    try:
        return runs[0]["tool"]["driver"]["name"] == "rsdock"  # type: ignore[index, no-any-return]
    except (TypeError, KeyError, IndexError):
        return False
