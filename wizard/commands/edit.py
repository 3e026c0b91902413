"""``rsdock edit``: change an existing Dockerfile + workflow setup minimally, with consent.

Without change flags it prints the plan inferred from the files (known fields with their source,
unknown ones with the reason) and a summary of the lint findings. With flags it shows the diff
of the minimal edits and asks before writing (``--yes`` skips the question, ``--dry-run`` only
shows). Exit codes: 0 done (or nothing to do), 1 refused or declined (nothing written), 2 bad
input (located), or a question that cannot be asked: no terminal and no ``--yes`` (as for
``rsdock init``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rsdock.fs import shown
from rsdock.lint.knowledge import runtimes

HELP = "edit existing Dockerfiles and workflows minimally (add platforms, switch cache, fix)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``rsdock edit``'s options to ``parser``."""
    parser.add_argument("path", nargs="?", default=".", metavar="PATH",
                        help="the workspace root (default: the current directory)")
    parser.add_argument("--add-platform", action="append", default=[], metavar="P",
                        help="build for platform P too (e.g. linux/arm/v7); repeatable")
    parser.add_argument("--remove-platform", action="append", default=[], metavar="P",
                        help="stop building for platform P; repeatable")
    parser.add_argument("--runtime", metavar="R",
                        help=f"switch the runtime base ({', '.join(runtimes.names())})")
    parser.add_argument("--cache", metavar="C",
                        help="switch every cache-from/cache-to to C (gha, registry, local, inline)")
    parser.add_argument("--registry", metavar="G", help="log in to G (dockerhub or ghcr)")
    parser.add_argument("--fix", action="store_true", help="apply the linter's safe fixes")
    parser.add_argument("--sign", action="store_true",
                        help="attach provenance and an SBOM to published images and sign them "
                             "by digest with cosign in a job of their own")
    parser.add_argument("--dry-run", action="store_true", help="show the diff; write nothing")
    parser.add_argument("--yes", "-y", action="store_true", help="write without asking")
    parser.add_argument("--discard-backups", action="store_true",
                        help="delete the backups earlier edits kept in .rsdock/backup")


def _root(path: str) -> Path:
    from rsdock.errors import UserError

    root = Path(path)
    if not root.is_dir():
        raise UserError("no such directory", path=path,
                        hint="pass the workspace root (the folder with Cargo.toml)")
    return root


def run(args: argparse.Namespace) -> int:
    """Run ``rsdock edit`` and return the exit code."""
    from rsdock.wizard.edit import backup, infer
    from rsdock.wizard.edit.propose import Request, apply, propose

    from rsdock.wizard.edit.sources import split_root

    root = _root(args.path)
    if args.discard_backups:
        count = backup.discard_backups(split_root(root)[0])
        print(f"rsdock: discarded {count} backup(s)")
        return 0
    sources = infer.load_sources(root)
    for reason in sources.skipped:
        print(f"rsdock: skipped {reason} (rsdock edits only files it can parse; this one is "
              "left as it is)", file=sys.stderr)
    for folder, why in sources.skipped_folders:  # said, not silently left out
        print(f"rsdock: note: {shown(folder)}: not looked into: {why}", file=sys.stderr)
    inferred = infer.infer(sources)
    _upgrade_note(sources.workspace_root)
    request = Request(tuple(args.add_platform), tuple(args.remove_platform), args.runtime,
                      args.cache, args.registry, args.fix, args.sign)
    if request.empty:
        from rsdock.wizard.edit.session import config_drift

        sys.stdout.write(inferred.format())
        sys.stdout.write("".join(f"  drift: {note}\n" for note in config_drift(root, inferred)))
        sys.stdout.write(_lint_summary(sources))
        return 0
    proposal = propose(sources, request, inferred)
    for note in proposal.notes:
        print(f"note: {note}", file=sys.stderr)
    if proposal.refusals:
        for refusal in proposal.refusals:
            sys.stderr.write(refusal.format())
        print("rsdock: nothing was written", file=sys.stderr)
        return 1
    changed = proposal.changed
    if not changed:
        print("rsdock: nothing to change: the files already do that")
        return 0
    sys.stdout.write(proposal.diff())
    for edit in changed:
        for reason in edit.reasons:
            print(f"  {edit.path}: {reason}", file=sys.stderr)
    if args.dry_run:
        return 0
    if not args.yes and not _confirm(f"Write {len(changed)} file(s)?"):
        print("rsdock: nothing was written", file=sys.stderr)
        return 1
    notes: list[str] = []
    root = sources.root  # the git root when the workspace is a sub-folder of it
    backups = apply(root, proposal, notes=notes)
    for note in notes:
        print(f"rsdock: {note}", file=sys.stderr)
    print(f"rsdock: edited {', '.join(e.path for e in changed)}; the previous versions are in "
          f"{backups.relative_to(root) if backups else '-'} "
          "(`rsdock edit --discard-backups` deletes them)")
    return 0


def _upgrade_note(root: Path) -> None:
    """Say when the files were written by another rsdock: an edit changes only what it is asked
    (never the templates' lines either way); `rsdock init` upgrades, merging the edits."""
    from rsdock.errors import UserError
    from rsdock.wizard.generate import answers, upgrade

    try:
        record = upgrade.record_in(answers.read_text(root))
    except UserError:
        return
    if record.known and record.version != upgrade.version():
        print(f"rsdock: note: rsdock {record.version} wrote these files; `rsdock init` brings "
              f"them to rsdock {upgrade.version()}'s templates, keeping this edit (see "
              "docs/hand-edits.md)", file=sys.stderr)


def _confirm(question: str) -> bool:
    if not sys.stdin.isatty():
        from rsdock.errors import UserError

        # The same situation as `rsdock init` without a terminal, so the same exit code (2):
        # the command as given cannot run, which is not a user declining (1).
        raise UserError("stdin is not a terminal, so rsdock edit cannot ask before writing; "
                        "nothing was written",
                        hint="pass --yes to write the diff above, or --dry-run to only show it")
    try:
        answer = input(f"{question} [y/N] ")
    except EOFError:
        return False
    return answer.strip().lower() in ("y", "yes")


def _lint_summary(sources) -> str:
    from rsdock.wizard.edit.session import lint_sources

    if not (sources.dockerfiles or sources.workflows):
        return "Lint: no Dockerfile or workflow to check\n"
    findings = lint_sources(sources)
    if not findings:
        return "Lint: no findings\n"
    counts: dict[str, int] = {}
    for finding in findings:
        counts[str(finding.severity)] = counts.get(str(finding.severity), 0) + 1
    fixable = sum(1 for f in findings if f.fix is not None and f.fix.safe)
    lines = [f"Lint: {len(findings)} finding(s) ("
             + ", ".join(f"{n} {s}" for s, n in sorted(counts.items())) + f"), {fixable} fixable "
             "with --fix"]
    lines += [f"  {f.path}:{f.line}: {f.rule} {f.message}" for f in findings]
    return "\n".join(lines) + "\n"
