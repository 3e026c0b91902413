"""``rsdock init``: generate the Dockerfiles, the workflow and rsdock.toml for a workspace.

With ``--yes`` every choice not given as a flag takes its default (or its value in an existing
``rsdock.toml``); without it, and on a terminal, the questionary prompts ask. Nothing differing
on disk is overwritten without ``--force``: every file is checked before any is written.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from rsdock import errors, fs, validate
from rsdock.errors import UserError
from rsdock.wizard.generate.plan import (stage_name, CACHES, DEBIAN_RELEASES, PIN_MODES, REGISTRIES,
                                          REGISTRY_HOSTS, RUNTIMES, SIGNINGS, STRATEGIES,
                                          UPDATERS)

HELP = "generate Dockerfiles, a GitHub Actions workflow and rsdock.toml for a cargo workspace"

_EXAMPLE_COMMAND = "rsdock init --example --dry-run --yes"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare ``rsdock init``'s arguments on ``parser``."""
    parser.add_argument("path", nargs="?", metavar="PATH",
                        help="the cargo workspace (default: the current directory)")
    parser.add_argument("--yes", "-y", action="store_true",
                        help="take the default for every choice not given as a flag")
    parser.add_argument("--example", action="store_true",
                        help="work on the bundled example workspace (files go to a temporary copy)")
    parser.add_argument("--bin", action="append", metavar="NAME",
                        help="package this binary or web app (repeatable; default: all)")
    parser.add_argument("--platform", action="append", metavar="P",
                        help="target platform, e.g. linux/arm64 (repeatable or comma-separated)")
    parser.add_argument("--runtime", metavar="R", help=f"runtime base: {', '.join(RUNTIMES)}")
    parser.add_argument("--cache", metavar="C", help=f"cache backend: {', '.join(CACHES)}")
    parser.add_argument("--registry", metavar="G", help=f"registry: {', '.join(REGISTRIES)}")
    parser.add_argument("--debian", metavar="D",
                        help=f"Debian release: {', '.join(DEBIAN_RELEASES)}")
    parser.add_argument("--pin-actions", choices=PIN_MODES,
                        help="pin actions to a commit SHA (default) or a major tag")
    parser.add_argument("--strategy", choices=tuple(STRATEGIES),
                        help="how CI builds the platforms: cross-compile on one runner "
                             "(default) or a native runner per platform")
    parser.add_argument("--signing", choices=tuple(SIGNINGS),
                        help="sign pushed images: cosign keyless (default), GitHub artifact "
                             "attestations, or none (provenance and SBOM are always attached)")
    parser.add_argument("--updates", choices=tuple(UPDATERS),
                        help="keep action SHAs and base image tags fresh: dependabot (default), "
                             "renovate or none (merged into an existing configuration)")
    parser.add_argument("--branch", action="append", metavar="NAME",
                        help="push images from this branch (repeatable or comma-separated; "
                             "default: the repository's default branch, read from .git)")
    parser.add_argument("--image", action="append", metavar="NAME=REF",
                        help="image reference for an image, e.g. server=ghcr.io/acme/server")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--dry-run", action="store_true",
                      help="print new files and diffs of changed ones; write nothing")
    mode.add_argument("--check", action="store_true",
                      help="compare the files with rsdock.toml: exit 1 with a diff on drift, "
                           "3 when only a newer rsdock renders them differently (`rsdock init` "
                           "upgrades them), 0 when clean")
    mode.add_argument("--keep", action="store_true",
                      help="keep the hand edits --check reports: mark each difference with "
                           "# rsdock:keep ... # rsdock:end lines, which regeneration keeps")
    parser.add_argument("--force", action="store_true",
                        help="overwrite files that differ from what rsdock generates")


def run(args: argparse.Namespace) -> int:
    """Run ``rsdock init``; 0 written or clean, 1 refused, declined or drift, 2 bad input,
    3 (``--check``) files only a newer rsdock renders differently (README.md, "Exit codes")."""
    from rsdock.wizard.generate import writer

    try:
        return _run(args)
    except writer.NotADockerfile as error:
        raise _at_config_line(error) from None


def _at_config_line(error) -> UserError:
    """A :class:`NotADockerfile` error, located at the rsdock.toml line naming the path."""
    from rsdock.wizard.generate import answers

    try:
        text = answers.read_text(error.root) or ""
    except UserError:
        return error
    line = answers.dockerfile_line(text, error.rel)
    if line is None:
        return error
    return UserError(f"dockerfile = {error.rel!r} names an existing file that is not a "
                     "Dockerfile (its first instruction is not FROM or ARG); nothing was written",
                     path=str(answers.config_path(error.root)), line=line, hint=error.hint)


def _run(args: argparse.Namespace) -> int:
    _check_flags(args)
    start = _start(args)
    if args.check:
        return _check(start, _shown_path(args))
    if args.keep:
        return _keep(start, args.yes)
    from rsdock.lint.model.cargo import require_packageable
    from rsdock.wizard.generate import answers
    from rsdock.wizard.generate.defaults import default_plan

    ws = _scan(start, given=args.path is not None or args.example)
    require_packageable(ws)
    for dep in ws.outside_path_deps:  # lint's RS006, said before anything is generated
        print(f"{fs.shown(Path(ws.root) / dep.manifest)}:{dep.line or 1}: warning: dependency "
              f"{dep.name!r} has path = {dep.path!r}, outside the workspace: the image build "
              "cannot see it (RS006)", file=sys.stderr)
    root = Path(ws.root)
    previous = answers.read_text(root)
    base = answers.loads(previous, str(answers.config_path(root))) if previous else None
    if base is not None and args.bin is None:
        assert previous is not None  # base was read from it
        _check_images_exist(ws, base, previous, str(answers.config_path(root)))
    from rsdock.wizard.generate.defaults import platform_hint
    from rsdock.wizard.generate.repository import context_notes, repository, repository_notes

    left_out: list[str] = []
    repo = repository(ws)
    plan = default_plan(
        ws, bins=args.bin, platforms=_platforms(args.platform), runtime=args.runtime,
        cache=args.cache, registry=args.registry, debian=args.debian,
        pin_actions=args.pin_actions, strategy=args.strategy, images=_images(args.image),
        signing=args.signing, updates=args.updates,
        base=base, notes=left_out, branches=_platforms(args.branch), repo=repo,
    )
    for note in left_out:
        print(f"note: {note} (--platform chooses the platforms)")
    if base is None and args.bin is None:
        from rsdock.wizard.generate.defaults import default_selection

        summary = default_selection(ws).summary()
        if summary:
            print(summary)
    for note in ([] if base is not None else repository_notes(repo, plan)) + [
            platform_hint(ws, plan)] + context_notes(ws):
        if note:
            print(f"note: {note}")
    if args.registry is None and args.image and plan.registry != (
            base.registry if base else "dockerhub"):
        print(f"note: registry = {plan.registry!r}: the --image references are on "
              f"{REGISTRY_HOSTS[plan.registry]}, so the workflow logs in there")
    if not args.yes:
        plan = _ask(ws, plan)
        if plan is None:
            print("cancelled: nothing was written")
            return 1
    rendered = _render(plan)
    # Paths are relative to the git root: the workflow goes under its .github/workflows/.
    out = plan.workspace.repo_root(root)
    from rsdock.wizard.generate import upgrade

    def with_record(config_text: str | None):
        """The files to write (rsdock.toml with its record among them), what rsdock last
        wrote (rsdock.toml's record, the stored render: an upgrade of an untouched file is not
        the user's drift, and an edited one is merged, not overwritten) and the renders to
        store, all read from ``config_text``."""
        baseline = upgrade.load(out, config_text)
        record, renders = upgrade.renders_to_store(baseline, rendered)
        files = {**rendered, plan.workspace.repo_path(answers.CONFIG_NAME):
                 answers.dumps(plan, config_text, record)}
        return files, baseline, renders

    _print_notes(plan)
    if args.dry_run:
        files, baseline, _ = with_record(previous)
        return _dry_run(out, files, args.force, plan, baseline)
    # The write reads the baseline again under the workspace lock: a second `init --force`
    # that waited for the first must merge against what the first one wrote, never against
    # the render before it (that merge would mix both runs' files).
    return _write(out, plan, args.force, lambda: with_record(answers.read_text(root)))


def _check_flags(args: argparse.Namespace) -> None:
    if args.example and args.path is not None:
        raise UserError(f"--example and PATH {args.path!r} both name a workspace",
                        hint="give one of them")
    if args.check or args.keep:
        mode = "--check" if args.check else "--keep"
        chosen = [flag for flag, value in (
            ("--bin", args.bin), ("--platform", args.platform), ("--runtime", args.runtime),
            ("--cache", args.cache), ("--registry", args.registry), ("--debian", args.debian),
            ("--pin-actions", args.pin_actions), ("--strategy", args.strategy),
            ("--signing", args.signing), ("--updates", args.updates),
            ("--image", args.image), ("--force", args.force), ("--branch", args.branch),
        ) if value]
        if chosen:
            raise UserError(f"{mode} compares the files with rsdock.toml only; "
                            f"{', '.join(chosen)} cannot be used with it",
                            hint="edit rsdock.toml, or run `rsdock init --yes` with the flags")


def _start(args: argparse.Namespace) -> Path:
    if not args.example:
        return Path(args.path) if args.path is not None else Path(".")
    from rsdock import resources

    if args.dry_run:  # nothing is written, so the bundled example can be read where it is
        print(f"reading the bundled example workspace: {resources.example_workspace()}")
        return resources.example_workspace()
    copy = Path(tempfile.mkdtemp(prefix="rsdock-example-")) / "workspace"
    shutil.copytree(resources.example_workspace(), copy,
                    ignore=shutil.ignore_patterns("target", "__pycache__"))
    print(f"working on a copy of the example workspace: {copy}")
    return copy


def _scan(start: Path, given: bool):
    from rsdock.lint.model.cargo import scan

    try:
        return scan(start)
    except UserError as error:
        if given or "not a cargo project" not in error.message:
            raise
        raise UserError(error.message, path=error.path, line=error.line,
                        hint=f"{error.hint}; or try rsdock on its example: {_EXAMPLE_COMMAND}"
                        ) from None


def _check_images_exist(ws, base, text: str, path: str) -> None:
    """Refuse an rsdock.toml image whose name, package or kind the workspace does not have.

    A typo in ``package`` would otherwise render a Dockerfile building a package that does not
    exist (``cargo build -p srever`` fails only in CI); it is reported at its line instead.
    """
    from rsdock.wizard.generate import answers
    from rsdock.wizard.generate.defaults import workspace_images

    found = {image.name: image for image in workspace_images(ws)}
    real = list(found)
    for index, image in enumerate(base.images):
        if image.name not in found:
            raise UserError(
                f"image {image.name!r} is not a binary or web app of the workspace",
                path=path, line=answers.line_of(text, "image", "name", index),
                hint=f"remove or rename its [[image]] table, or choose with --bin; the workspace "
                     f"has: {', '.join(real) or 'nothing to package'}",
            )
        actual = found[image.name]
        for key, given, expected in (("package", image.package, actual.package),
                                     ("kind", image.kind, actual.kind)):
            if given != expected:
                raise UserError(
                    f"image {image.name!r} has {key} = {given!r}, but the workspace's "
                    f"{image.name} is {'in package' if key == 'package' else 'of kind'} "
                    f"{expected!r}",
                    path=path, line=answers.line_of(text, "image", key, index),
                    hint=f'write {key} = "{expected}" in its [[image]] table')


def _platforms(values: list[str] | None) -> list[str] | None:
    if values is None:
        return None
    return [p.strip() for value in values for p in value.split(",") if p.strip()]


def _images(values: list[str] | None) -> dict[str, str] | None:
    if not values:
        return None
    images = {}
    for value in values:
        name, sep, ref = value.partition("=")
        if not sep or not name.strip() or not ref.strip():
            raise UserError(f"--image {value!r} is not NAME=REF",
                            hint="write it like --image server=ghcr.io/acme/server")
        wrong = validate.image_repository_problem(ref)
        if wrong:
            raise UserError(f"--image {value!r}: {wrong}",
                            hint="write it like --image server=ghcr.io/acme/server")
        images[name.strip()] = ref.strip()
    return images


def _ask(ws, plan):
    if not sys.stdin.isatty():
        raise UserError("stdin is not a terminal, so rsdock init cannot ask its questions",
                        hint="pass --yes to take the defaults (and flags for other choices)")
    try:
        from rsdock.wizard.prompts.ask import ask_plan
    except ImportError as error:
        raise UserError(f"the interactive prompts are not available ({error})",
                        hint="pass --yes to take the defaults (and flags for other choices)"
                        ) from None
    return ask_plan(ws, plan)


def _render(plan) -> dict[str, str]:
    try:
        from rsdock.wizard.generate.render import render
    except ImportError as error:
        raise UserError(f"this rsdock installation cannot render files ({error})",
                        hint="reinstall rsdock") from None
    return dict(render(plan))


def _print_notes(plan) -> None:
    from rsdock.wizard.generate.render import notes

    for note in notes(plan):
        print(f"note: {note}")


def _dry_run(root: Path, files: dict[str, str], force: bool, plan, baseline) -> int:
    from rsdock.wizard.generate import upgrade, writer
    from rsdock.wizard.generate.cost_report import costs_of, report

    changes = writer.plan_changes(root, files, baseline=baseline)
    _baseline_notes(changes, baseline)
    for change in changes:
        if change.status == writer.NEW:
            print(f"==> {change.path} (new) <==")
            print(change.text, end="" if change.text.endswith("\n") else "\n")
        elif change.status == writer.DIFFERS:
            note = "would be overwritten (--force)" if force else "differs: --force to overwrite"
            if not change.needs_consent:
                note = f"would be {upgrade.verb(change.how)}"
            elif change.how == upgrade.CONFLICT:
                note = (f"{change.conflicts} conflict(s) between your edits and rsdock's "
                        "changes: --force writes them with <<<<<<< markers")
            print(f"==> {change.path} ({note}) <==")
            print(change.diff, end="")
        else:
            print(f"==> {change.path} (unchanged) <==")
    print(report(costs_of(files, plan)), end="")
    print(f"dry run: nothing was written ({_counts(changes)})")
    return 0


def _write(root: Path, plan, force: bool, prepare) -> int:
    """Write what ``prepare()`` gives (the files, the baseline, the renders to store), read and
    compared under one hold of the workspace lock."""
    from rsdock import fs
    from rsdock.wizard.generate import upgrade, writer

    notes: list[str] = []
    backups: list[Path] = []
    # Compare and write under one hold of the workspace lock: a second `init --force` waits,
    # then compares with what the first one wrote.
    with fs.locked(root):
        notes += fs.recover(root, dirs=tuple(filter(None, [plan.workspace.repo_prefix])))
        files, baseline, renders = prepare()
        changes = writer.plan_changes(root, files, baseline=baseline)
        _baseline_notes(changes, baseline)
        refused = writer.blocked(changes, force=force)
        for change in changes:  # merges and refusals are shown; an upgrade is in the summary
            if change in refused or change.how in (upgrade.MERGED, upgrade.CONFLICT):
                print(change.diff, end="")
        stored = upgrade.pack(renders)
        # Raises (exit 1) before writing anything when a differing file is not forced.
        written = writer.apply_changes(
            root, changes, force=force, notes=notes,
            extra={fs.RENDERS: stored} if stored != baseline.stored else None,
            backup=lambda base, paths, expect: backup_hook(base, paths, expect, backups))
    for note in notes:
        print(f"rsdock: {note}", file=sys.stderr)
    for change in changes:
        verb = {writer.NEW: "created", writer.DIFFERS: upgrade.verb(change.how, change.conflicts),
                writer.SAME: "unchanged"}[change.status]
        print(f"{verb}: {change.path}")
    for folder in backups:
        print(f"your previous versions are in {folder.relative_to(root)} "
              "(`rsdock edit --discard-backups` deletes them)")
    print(f"wrote {len(written)} file(s) in {root} ({_counts(changes)})")
    print()
    print(next_steps(root, plan))
    return 0


def backup_hook(root: Path, paths: list[str], expect: dict[str, str], folders: list[Path]):
    """Back up the files a write changes the user's text of, as ``rsdock edit`` does
    (:func:`rsdock.wizard.edit.backup.write_hook`); ``folders`` collects the folder."""
    from rsdock.wizard.edit.backup import write_hook

    confirm = write_hook(root, paths, expect)
    folders.append(confirm.folder)
    return confirm


def _baseline_notes(changes, baseline) -> None:
    """Say when rsdock cannot tell its own changes from the user's (no record, no render)."""
    from rsdock.wizard.generate import upgrade

    unknown = [c for c in changes if c.how == upgrade.UNKNOWN and c.status != "same"]
    if not unknown:
        return
    first = any(c.path.rsplit("/", 1)[-1] == upgrade.CONFIG_NAME and c.status == "new"
                for c in changes)
    if first:
        print(f"note: {upgrade.FIRST_WRITE} ({', '.join(c.path for c in unknown)})")
    elif not baseline.record.known:
        print(f"note: {upgrade.NO_RECORD}")
    else:
        print(f"note: {upgrade.MISSING_RENDERS} ({', '.join(c.path for c in unknown)})")


def _rendered_from_config(start: Path):
    """The workspace root, the folder the rendered paths are relative to (the git root), and
    the files ``rsdock.toml`` renders (rsdock.toml itself left out)."""
    from rsdock.lint.model.cargo import find_root
    from rsdock.wizard.generate import answers

    root = find_root(start)
    plan = answers.load(root)
    # The workspace is checked first: a typo in rsdock.toml must be reported as itself, not
    # as the drift it causes in the rendered files.
    ws = _scan(root, given=True)
    _check_images_exist(ws, plan, answers.read_text(root) or "", str(answers.config_path(root)))
    from rsdock.wizard.generate.defaults import validated, with_workspace

    # The workspace decides part of the files (toolchain, Cargo.lock, C libraries).
    plan = validated(with_workspace(plan, ws))
    files = _render(plan)
    files.pop(plan.workspace.repo_path(answers.CONFIG_NAME), None)  # not compared with itself
    return root, plan.workspace.repo_root(root), files


def _shown_path(args: argparse.Namespace) -> str:
    """The PATH argument as a hint repeats it (`` /srv/ws``), or "" for the current folder."""
    if args.path is None or args.example:
        return ""
    import shlex

    return " " + shlex.quote(fs.shown(args.path))


def _check(start: Path, path: str = "") -> int:
    """0 clean, 1 hand drift, 3 files only a newer rsdock (or rsdock.toml) renders differently."""
    from rsdock.wizard.generate import answers, keep, upgrade, writer

    root, out, files = _rendered_from_config(start)
    baseline = upgrade.load(out, answers.read_text(root))
    changes = writer.plan_changes(out, files, baseline=baseline)
    differing = [c for c in changes if c.status != writer.SAME]
    kept = [f"{c.path}:{b.line}" for c in changes for b in keep.blocks_of(c.old, c.path)]
    if not differing:
        also = f", with {len(kept)} kept block(s): {', '.join(kept)}" if kept else ""
        print(f"up to date: {len(files)} file(s) match {answers.config_path(root)}{also}")
        return 0
    ours = [c for c in differing if c.how == upgrade.UPGRADE or (
        c.status == writer.NEW and baseline.record.known
        and baseline.record.digest(c.path) is None)]
    drift = [c for c in differing if c not in ours]
    for change in differing:
        print(change.diff, end="")
    _baseline_notes(changes, baseline)
    if ours:
        print(upgrade.upgrade_message(baseline.record, [c.path for c in ours]), file=sys.stderr)
    if not drift:
        return errors.UPGRADE if baseline.record.version != upgrade.version() else 1
    both = [c.path for c in drift if c.how in (upgrade.MERGED, upgrade.CONFLICT)]
    print(f"{len(drift)} file(s) drift from rsdock.toml: {', '.join(c.path for c in drift)}",
          file=sys.stderr)
    if both:
        print(f"  ({', '.join(both)}: edited by hand, and rendered differently by rsdock "
              f"{upgrade.version()} too: `rsdock init` merges the two)", file=sys.stderr)
    # --force discards a plain edit, but merges a file rsdock also renders differently now.
    plain = [c.path for c in drift if c.path not in both]
    discard = (f"to discard the edits, `rsdock init{path} --yes --force`" if not both else
               (f"`rsdock init{path} --yes --force` discards the edits of {', '.join(plain)} "
                "and merges the others" if plain else
                f"`rsdock init{path} --yes --force` merges them (it does not discard them)")
               + " (overlaps between <<<<<<< and >>>>>>> lines, after a backup); to discard "
               f"the edits of {', '.join(both)}, delete {'it' if len(both) == 1 else 'them'} "
               f"and run `rsdock init{path} --yes`")
    print(f"  hint: change rsdock.toml and run `rsdock init{path} --yes` to regenerate them; to "
          f"keep a deliberate edit, run `rsdock init{path} --keep --yes` (it marks each "
          "difference with `# rsdock:keep` ... `# rsdock:end`, which regeneration keeps; "
          f"without --yes it shows them and asks first); {discard}", file=sys.stderr)
    return 1


def _keep(start: Path, yes: bool) -> int:
    """Mark every hand edit (a difference that is not rsdock's own) as a kept block."""
    from rsdock import fs
    from rsdock.wizard.generate import answers, keep, upgrade, writer

    config_root, root, files = _rendered_from_config(start)
    baseline = upgrade.load(root, answers.read_text(config_root))
    drift = []
    skipped = []
    against = {}
    for change in writer.plan_changes(root, files, baseline=baseline):
        if change.status != writer.DIFFERS:
            continue
        if change.how == upgrade.UPGRADE:
            skipped.append(change.path)  # rsdock's own change, for `rsdock init`, never kept
            continue
        if change.how in (upgrade.MERGED, upgrade.CONFLICT):
            # Only the user's edits are kept: the differences from what rsdock last wrote.
            base = baseline.render(change.path) or ""
            against[change.path] = keep.apply(base, change.old, change.path)
        elif change.how == upgrade.UNKNOWN and baseline.record.known:
            skipped.append(change.path)  # cannot tell the user's edits from rsdock's
            print(f"note: {change.path}: {upgrade.MISSING_RENDERS}; run `rsdock init` (it "
                  "shows the diff and asks) instead", file=sys.stderr)
            continue
        drift.append(change)
    if skipped:
        print(upgrade.upgrade_message(baseline.record, skipped) + " (--keep keeps only your "
              "edits, never rsdock's own changes)")
    if not drift:
        print("nothing to keep: the files match rsdock.toml (a missing file is written by "
              "`rsdock init --yes`)")
        return 0
    marked = {}
    where: list[str] = []
    for change in drift:
        text, lines = keep.mark(against.get(change.path, change.text), change.old or "",
                                change.path)
        marked[change.path] = text
        where += [f"{change.path}:{line}" for line in lines]
    for change in drift:
        print(writer.Change(change.path, writer.DIFFERS, marked[change.path], change.old).diff,
              end="")
    print(f"{len(where)} edit(s) to keep: {', '.join(where)}")
    if not yes:
        if not sys.stdin.isatty():
            raise UserError("stdin is not a terminal, so rsdock init --keep cannot ask before "
                            "marking the edits", hint="pass --yes to mark them")
        if input("Mark these edits as kept? [y/N] ").strip().lower() not in ("y", "yes"):
            print("cancelled: nothing was written")
            return 1
    # Each file is replaced only if it is still what was read (fs refuses it otherwise).
    with fs.Transaction(root) as tx:
        for change in drift:
            tx.stage(change.path, marked[change.path], expect=change.old)
        tx.commit()
    for note in tx.notes:
        print(f"rsdock: {note}", file=sys.stderr)
    print(f"marked {len(where)} kept block(s) in {len(drift)} file(s): `rsdock init --check` "
          "passes with them, and regeneration keeps them")
    return 0


def next_steps(root: Path, plan) -> str:
    """What to do after writing: registry secrets, a local build per image, then push.

    Args:
        root: the folder the files were written under (the git root).
        plan: the plan that was rendered.
    """
    lines = ["Next steps:"]
    if plan.registry == "dockerhub":
        lines += [
            "  1. In GitHub: Settings > Secrets and variables > Actions, create the secrets",
            "     DOCKERHUB_USERNAME (your Docker Hub user name) and DOCKERHUB_TOKEN (a Docker",
            "     Hub access token with read & write scope, never your password).",
        ]
    else:
        lines += [
            "  1. No secret to create: the workflow logs in to ghcr.io with its own GITHUB_TOKEN",
            "     (it asks for `packages: write`); allow it in Settings > Actions > General.",
        ]
    platform_list = ",".join(p.name for p in plan.platform_objects)
    lines.append(f"  2. Build locally from {root} (multi-platform builds need a docker-container "
                 "builder: docker buildx create --use):")
    for image in plan.images:
        target = f" --target {stage_name(image)}" if image.kind == "bin" else ""
        lines.append(f"       docker buildx build --platform {platform_list} "
                     f"-f {plan.workspace.repo_path(image.dockerfile)}{target} "
                     f"{plan.workspace.repo_prefix or '.'}")
    lines.append(f"  3. Commit the files and push: {plan.workflow} builds and pushes the images.")
    return "\n".join(lines)


def _counts(changes) -> str:
    from rsdock.wizard.generate.writer import DIFFERS, NEW, SAME

    counts = {NEW: 0, DIFFERS: 0, SAME: 0}
    for change in changes:
        counts[change.status] += 1
    return f"{counts[NEW]} new, {counts[DIFFERS]} changed, {counts[SAME]} unchanged"
