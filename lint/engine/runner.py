"""The lint engine: files in, findings out.

One run: start hadolint on the Dockerfiles (it works while we do), read and parse every lintable
file of the repository (targets are reported on, the rest is context for cross-file rules), scan
the cargo workspace, run the rules, merge hadolint's findings, then apply the configuration
(select/ignore, per-file ignores) and inline suppressions.

The engine imports a parser only for the kinds at hand (no workflow, no workflow parser); rule
modules import what they need themselves, since the registry loads every rule.
"""

from __future__ import annotations

import fnmatch
import importlib
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Mapping

from rsdock import fs
from rsdock.errors import UserError
from rsdock.lint.engine import discover
from rsdock.lint.model.paths import workflow_role
from rsdock.lint.engine.settings import CONFIG_NAME, LintConfig, Selection, resolve
from rsdock.lint.model import suppressions
from rsdock.lint.model.context import Context
from rsdock.lint.model.findings import Finding, Severity, complete_span
from rsdock.lint.rules.rs001 import RS001
from rsdock.lint.rules.rs002 import RS002
from rsdock.lint.rules.rs004 import RS004
from rsdock.lint.rules.rs005 import RS005
from rsdock.lint.rules.rs009 import RS009
from rsdock.lint.rules.rule import AnyRule, EngineRule, all_rules
from rsdock.records import field, record, replace

PARSERS = {
    "dockerfile": ("rsdock.lint.model.dockerfile", "parse_dockerfile"),
    "workflow": ("rsdock.lint.model.workflow_reader", "parse_workflow"),
    "dockerignore": ("rsdock.lint.model.dockerignore", "parse_dockerignore"),
}
if TYPE_CHECKING:
    from rsdock.lint.engine import hadolint

MAX_BYTES = 5_000_000  # no real Dockerfile or workflow comes close; a bigger file is a mistake


@record
class Result:
    """What one lint run found.

    Attributes:
        root: the repository root; finding paths are relative to it.
        targets: the linted files (root-relative path -> kind).
        findings: the reported findings, sorted.
        texts: the text of every linted file that could be read (for source lines and fixes).
        hadolint_ran: whether hadolint's findings are included.
        skipped: folders of the repository that were not looked into (path, why).
    """

    root: Path
    targets: dict[str, str]
    findings: list[Finding]
    texts: dict[str, str] = field(default_factory=dict)
    hadolint_ran: bool = False
    skipped: list[tuple[str, str]] = field(default_factory=list)

    def failed(self, threshold: Severity) -> bool:
        """Whether any finding is at or above ``threshold`` (exit code 1)."""
        return any(f.severity >= threshold for f in self.findings)


class _Filter:
    """The configuration's selection, resolved once per run (resolving is not free).

    The one place that decides whether a code is reported: LintConfig holds the settings only.
    """

    def __init__(self, config: LintConfig):
        self.selected, self.ignored = config.selection()
        self.per_file: list[tuple[str, Selection]] = [
            (pattern, resolve(selectors)) for pattern, selectors in config.per_file_ignores.items()]
        self._cache: dict[str, bool] = {}

    def enabled(self, code: str) -> bool:
        """Whether ``code`` is selected and not ignored (per-file ignores aside)."""
        if code not in self._cache:
            self._cache[code] = ((self.selected is None or self.selected.matches(code))
                                 and not self.ignored.matches(code))
        return self._cache[code]

    def reports(self, path: str, code: str) -> bool:
        """Whether a finding of ``code`` in ``path`` is reported, per-file ignores included."""
        return self.enabled(code) and not any(
            fnmatch.fnmatch(path, pattern) and sel.matches(code) for pattern, sel in self.per_file)


def lint_paths(paths: Iterable[str | Path], root: Path,
               config: LintConfig | None = None, tree: discover.Tree | None = None) -> Result:
    """Lint files on disk.

    Args:
        paths: the files to report on, relative to ``root`` (or absolute inside it); the other
            lintable files of the repository are read as context.
        root: the repository root.
        config: the settings (default: :class:`LintConfig` defaults).
        tree: the walk of ``root`` when the caller already took one (``discover.resolve``).
    """
    root = Path(root).resolve()
    config = config or LintConfig()
    targets = {}
    for path in paths:
        rel = _relative(Path(path), root)
        if not config.excluded(rel):
            targets[rel] = discover.explicit_kind(rel) or "dockerfile"
    return _run(root, targets, {}, config, tree)


def lint_texts(files: dict[str, str], root: Path | None = None,
               config: LintConfig | None = None) -> list[Finding]:
    """Lint in-memory files, which override what is on disk.

    The wizard previews generated files with this, and the docs tests lint rule examples.

    Args:
        files: root-relative path -> text. Lintable files are reported on; others (``Cargo.toml``,
            ``src/main.rs``) are context, written over a temporary copy of ``root``.
        root: the repository the files belong to, or None for files standing alone.
        config: the settings (default: :class:`LintConfig` defaults, hadolint included).

    Returns:
        The findings, sorted.

    Raises:
        ValueError: for a path that is absolute or climbs out with ``..`` (a caller's bug).
    """
    config = config or LintConfig()
    targets = {p: k for p in files if (k := discover.explicit_kind(p))}
    # rsdock.toml is read by nobody here (``config`` is the settings): no need to copy the repo
    needs_disk = root is None or any(p not in targets and p != CONFIG_NAME for p in files)
    if root is not None and not needs_disk:
        return _run(Path(root).resolve(), targets, dict(files), config).findings
    for rel in files:
        if Path(rel).is_absolute() or ".." in Path(rel).parts:
            raise ValueError(f"{rel!r}: in-memory files need paths inside the repository")
    import tempfile

    with tempfile.TemporaryDirectory(prefix="rsdock-lint-") as tmp:
        scratch = Path(tmp)
        if root is not None:
            shutil.copytree(root, scratch, dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns(*discover.SKIPPED_DIRS))
        for rel, text in files.items():
            target = scratch / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        return _run(scratch.resolve(), targets, {}, config).findings


def _run(root: Path, targets: dict[str, str], overrides: dict[str, str],
         config: LintConfig, tree: discover.Tree | None = None) -> Result:
    run = None
    scratch = None  # where in-memory Dockerfiles are written for hadolint, which reads files
    if config.wants_hadolint():
        # hadolint never sees a file rsdock itself refuses to read (too big, outside the root)
        dockerfiles = [p for p, k in targets.items() if k == "dockerfile"
                       and (p in overrides or _readable(root, p))]
        if dockerfiles:
            from rsdock.lint.engine import hadolint

            if any(p in overrides for p in dockerfiles):
                import tempfile

                scratch = tempfile.TemporaryDirectory(prefix="rsdock-hadolint-")
            args = _hadolint_args(dockerfiles, overrides,
                                  Path(scratch.name) if scratch is not None else None)
            in_memory = {arg: overrides[rel] for arg, rel in args.items() if rel in overrides}
            run = hadolint.start(root, args, texts=in_memory)
    try:
        # Loading the rules imports the parsers (tree-sitter, ruamel.yaml): hadolint is
        # already running by then, so that time overlaps with its own.
        rules = all_rules()
        filt = _Filter(config)
        tree = tree or discover.scan(root)
        texts, findings = _read(root, targets, overrides, config, tree)
        ctx, crashes = _context(root, targets, texts)
        ctx.build_files = _build_files(root, tree, overrides, config)
        findings += _workspace(ctx)
        findings += _check(ctx, targets, rules, filt)
        findings += crashes
        checked_by_hadolint: set[str] = set()
        if run is not None:
            merged, checked_by_hadolint = _merge_hadolint(run, findings)
            findings += merged
    except BaseException:  # Ctrl-C or a bug: do not leave hadolint running behind us
        if run is not None:
            run.kill()
        raise
    finally:
        if scratch is not None:
            scratch.cleanup()
    findings = [f for f in findings
                if (f.path in targets or discover.kind_of(f.path) is None)
                and filt.reports(f.path, f.rule)]
    findings = _suppress(findings, targets, texts, filt, checked_by_hadolint)
    findings = _spans(root, set(findings), texts, ctx)
    return Result(root, targets, sorted(findings), texts, hadolint_ran=run is not None,
                  skipped=list(tree.skipped))


def _spans(root: Path, findings: set[Finding], texts: dict[str, str],
           ctx: Context) -> list[Finding]:
    """Every finding with its whole span (:func:`complete_span`): a Dockerfile finding without
    a column spans its instruction, continuation lines included."""
    known: dict[str, tuple[list[str], dict[int, tuple[int, int]], bool] | None] = {}

    def source(path: str) -> tuple[list[str], dict[int, tuple[int, int]], bool] | None:
        if path not in known:
            text = texts.get(path)
            if text is None and path not in ctx.dockerfiles:
                text = _context_text(root, path)
            ranges: dict[int, tuple[int, int]] = {}
            if path in texts and discover.kind_of(path) == "dockerfile" \
                    and path in ctx.dockerfiles:
                ranges = {i.line: (i.line, i.end_line)
                          for i in ctx.dockerfiles[path].instructions}
            yaml = path.endswith((".yml", ".yaml"))
            known[path] = None if text is None else (text.splitlines(), ranges, yaml)
        return known[path]

    # hadolint puts its DL findings at column 1 of the instruction: the instruction is the span
    return [complete_span(replace(f, column=0) if f.rule.startswith("DL") and f.column == 1
                          else f, source) for f in findings]


def _context_text(root: Path, path: str) -> str | None:
    """The text of a file a finding names that was not linted (a ``Cargo.toml``), to span it."""
    try:
        return fs.read_text(root, path)
    except (UserError, OSError, ValueError):
        return None


def _hadolint_args(dockerfiles: list[str], overrides: dict[str, str],
                   scratch: Path | None) -> dict[str, str]:
    args = {}
    for index, rel in enumerate(dockerfiles):
        if rel in overrides:
            assert scratch is not None  # made when an in-memory Dockerfile is to be checked
            # hadolint reads files only: give it the in-memory text as a scratch file
            tmp = scratch / str(index) / Path(rel).name
            tmp.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_text(overrides[rel], encoding="utf-8")
            args[str(tmp)] = rel
        else:
            args[rel] = rel
    return args


def _read(root: Path, targets: dict[str, str], overrides: dict[str, str],
          config: LintConfig, tree: discover.Tree) -> tuple[dict[str, str], list[Finding]]:
    """Every readable lintable file's text (targets and context) and RS001s for the rest."""
    texts: dict[str, str] = {}
    problems: list[Finding] = []
    context = [p for p in tree.lintable if not config.excluded(p)]
    paths = dict.fromkeys([*targets, *context, *overrides])
    rs001 = RS001()
    for rel in paths:
        if rel in overrides:
            texts[rel] = overrides[rel]
            continue
        try:
            # fs refuses what leads outside the root, loops, FIFOs and files over MAX_BYTES,
            # before reading a byte of them
            data = fs.read_bytes(root, rel, limit=MAX_BYTES)
        except UserError as error:
            why = error.message
            for prefix in ("this file is ", "this is "):
                if why.startswith(prefix):
                    why = "it is " + why[len(prefix):]
            problems.append(rs001.unreadable(rel, error.line or 1, why))
            continue
        if data is None:
            problems.append(rs001.unreadable(rel, 1, "it does not exist"))
            continue
        text, why, line = _decode(data)
        if text is None:
            problems.append(rs001.unreadable(rel, line, why))
        else:
            texts[rel] = text
    return texts, problems


def _readable(root: Path, rel: str) -> bool:
    try:
        real = fs.inside(root, rel)
        info = real.stat()
    except (UserError, OSError):
        return False
    return info.st_size <= MAX_BYTES and real.is_file()


def _decode(data: bytes) -> tuple[str | None, str, int]:
    if len(data) > MAX_BYTES:
        return None, f"it is {len(data):,} bytes; rsdock reads files up to {MAX_BYTES:,}", 1
    zero = data.find(b"\0")
    if zero >= 0:
        return None, "it is binary (contains NUL bytes)", data[:zero].count(b"\n") + 1
    try:
        return data.decode("utf-8").removeprefix("\ufeff"), "", 0
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        return None, f"it is not UTF-8 (byte {error.start}): save it as UTF-8", line


class LazyModels(Mapping[str, Any]):
    """Parsed files of one kind by path, each parsed the first time it is asked for.

    A parser crash is reported once as an RS009 finding (in ``crashes``) and the file is then
    absent, as if unreadable. Values are ``Any``: the parser of the kind decides the model type
    (Context's fields say which).
    """

    def __init__(self, kind: str, texts: dict[str, str], crashes: list[Finding]):
        self.kind = kind
        self._texts = texts
        self._models: dict[str, Any] = {}
        self._crashes = crashes
        self._parse: Callable[[str, str], Any] | None = None

    def __getitem__(self, rel: str) -> Any:
        if rel in self._models:
            model = self._models[rel]
        else:
            model = self._models[rel] = self._load(rel)
        if model is None:
            raise KeyError(rel)
        return model

    def _load(self, rel: str) -> Any:
        text = self._texts[rel]  # KeyError: not a file of this kind
        if self._parse is None:
            module, function = PARSERS[self.kind]
            self._parse = getattr(importlib.import_module(module), function)
        parse = self._parse
        try:
            return parse(rel, text)
        except Exception as error:  # parsers report problems as findings; this is a bug
            self._crashes.append(
                RS009().crashed(rel, f"the {self.kind} parser", error))
            return None

    def __iter__(self) -> Iterator[str]:
        for rel in self._texts:
            if self._models.get(rel, True) is not None and self.get(rel) is not None:
                yield rel

    def __len__(self) -> int:
        return sum(1 for _rel in self)

    def __contains__(self, rel: object) -> bool:
        return self.get(rel) is not None if isinstance(rel, str) else False


def _context(root: Path, targets: dict[str, str],
             texts: dict[str, str]) -> tuple[Context, list[Finding]]:
    """``ctx`` with every readable file ready to be parsed when a rule asks for it.

    A workflow that is only context (not linted) matters to the cross-file rules only when it
    builds images: one whose text never says "docker" is not even parsed.
    """
    crashes: list[Finding] = []
    by_kind: dict[str, dict[str, str]] = {kind: {} for kind in PARSERS}
    not_run: dict[str, str] = {}
    for rel, text in texts.items():
        kind = targets.get(rel) or discover.kind_of(rel)
        if kind is None:
            continue
        if kind == "workflow" and rel not in targets and "docker" not in text.lower():
            continue
        if kind == "workflow" and workflow_role(rel) != "runs":
            not_run[rel] = text  # composite actions, nested copies: no run of theirs to judge
            continue
        by_kind[kind][rel] = text
    ctx = Context(root=root,
                  dockerfiles=LazyModels("dockerfile", by_kind["dockerfile"], crashes),
                  workflows=LazyModels("workflow", by_kind["workflow"], crashes),
                  other_workflows=LazyModels("workflow", not_run, crashes),
                  dockerignores=LazyModels("dockerignore", by_kind["dockerignore"], crashes))
    return ctx, crashes


def _build_files(root: Path, tree: discover.Tree, overrides: dict[str, str],
                 config: LintConfig) -> dict[str, str]:
    """The text of each docker compose and bake file (unreadable ones are left out: they are
    context, not linted)."""
    found = {}
    for rel in tree.build_files:
        if config.excluded(rel):
            continue
        if rel in overrides:
            found[rel] = overrides[rel]
            continue
        try:
            text = fs.read_text(root, rel, limit=MAX_BYTES)  # confined, bounded
        except UserError:
            continue
        if text is not None:
            found[rel] = text
    return found


def _workspace(ctx: Context) -> list[Finding]:
    """Scan the cargo workspace into ``ctx``; its failure is a finding, never a crash."""
    if not (ctx.root / "Cargo.toml").is_file():
        return []
    from rsdock.lint.model import cargo

    try:
        ctx.workspace = cargo.scan(ctx.root)
    except cargo.ScanError as error:
        where = _relative(Path(error.path), ctx.root) if error.path else "Cargo.toml"
        return [RS005().scan_failed(where, error.line or 1, error.message)]
    except Exception as error:  # a scanner bug must not hide the other findings
        return [RS009().crashed("Cargo.toml", "the cargo scanner", error)]
    return []


def _check(ctx: Context, targets: dict[str, str], rules: dict[str, type[AnyRule]],
           filt: _Filter) -> list[Finding]:
    findings: list[Finding] = []
    crash = RS009()
    by_kind: dict[str, list[Any]] = {}
    for rel, kind in targets.items():
        model = ctx.models(kind).get(rel)
        if model is None and kind == "workflow":
            model = ctx.other_workflows.get(rel)
        if model is not None:
            by_kind.setdefault(kind, []).append(model)
    # a crash of a cross-file rule is reported on a linted file, so that it is shown
    anchor = min(targets) if targets else "Cargo.toml"
    for rule_id, rule_cls in rules.items():
        if not filt.enabled(rule_id) or issubclass(rule_cls, EngineRule):
            continue
        rule = rule_cls()
        if rule.target == "project":
            findings += _project_rule(rule, ctx, targets, crash, anchor)
            continue
        for model in by_kind.get(rule.target, ()):
            if rule.target == "workflow" and (
                    model.errors or workflow_role(model.path) not in getattr(rule, "roles", ())):
                continue  # unreadable (RS001 says why), or a file this rule does not judge
            findings += _safely(rule, model, ctx, crash, model.path)
    return findings


def _project_rule(rule: AnyRule, ctx: Context, targets: dict[str, str], crash: RS009,
                  anchor: str) -> list[Finding]:
    """A cross-file rule's findings; a crash caused by a file that is only context is not the
    linted files' problem.

    When the rule crashes, it runs again without the Dockerfiles, then the workflows, then both,
    that are context only (never a linted file): the first run that completes gives the
    findings, so a broken file elsewhere in the repository is not reported against the file the
    user named. Only when the rule crashes on the linted files alone is the crash reported.
    """
    try:
        return list(rule.check(None, ctx))
    except Exception as error:  # one broken rule must not hide every other finding
        failure = crash.crashed(anchor, rule.id, error)
    for kinds in (("dockerfiles",), ("workflows",), ("dockerfiles", "workflows")):
        narrowed = {kind: {rel: model for rel, model in getattr(ctx, kind).items()
                           if rel in targets} for kind in kinds}
        if all(len(narrowed[kind]) == len(getattr(ctx, kind)) for kind in kinds):
            continue  # nothing of these kinds is context only
        try:
            return list(rule.check(None, replace(ctx, memo={}, **narrowed)))
        except Exception:
            continue
    return [failure]


def _safely(rule: AnyRule, model: Any, ctx: Context, crash: RS009, path: str) -> list[Finding]:
    try:
        return list(rule.check(model, ctx))
    except Exception as error:  # one broken rule must not hide every other finding
        return [crash.crashed(path, rule.id, error)]


def _merge_hadolint(run: hadolint.HadolintRun,
                    ours: list[Finding]) -> tuple[list[Finding], set[str]]:
    """hadolint's findings as rsdock's, and the files hadolint really checked."""
    from rsdock.lint.engine import hadolint

    found, problem = run.collect()
    checked = set(run.paths.values()) if found or not problem else set()
    note = RS004()
    unreadable = {f.path for f in ours if f.rule == "RS001"}
    merged = []
    for finding in found:
        if finding.rule == hadolint.PARSE_ERROR_CODE:
            checked.discard(finding.path)
            if finding.path not in unreadable:  # RS001 already explains a truly broken file
                merged.append(note.parse_failure(finding.path, finding.line, finding.message))
        elif finding.rule == hadolint.TIMEOUT_CODE:
            checked.discard(finding.path)
            merged.append(note.timeout(finding.path, finding.message))
        else:
            merged.append(finding)
    first = next(iter(run.paths.values()), None)
    if problem and first is not None:
        # once per run, on the first Dockerfile: it is about hadolint, not the files
        merged.append(note.complaint(first, problem))
    return merged, checked


def _suppress(findings: list[Finding], targets: dict[str, str], texts: dict[str, str],
              filt: _Filter, checked_by_hadolint: set[str]) -> list[Finding]:
    known = all_rules().__contains__
    found: list[suppressions.Suppression] = []
    for rel, kind in targets.items():
        if rel in texts:
            found += suppressions.parse(kind, rel, texts[rel], known)[0]
    if not found:
        return findings
    kept = suppressions.apply(findings, found)

    def checked(path: str, code: str) -> bool:
        if code[:2] in ("DL", "SC") or code == "RS004":  # only hadolint produces these
            ran = path in checked_by_hadolint
        else:
            ran = True
        return ran and filt.reports(path, code)

    stale = RS002()
    for item, code in suppressions.unused(found, checked):
        if filt.reports(item.path, "RS002"):
            kept.append(stale.stale(item.path, item.line, item.column, code))
    return kept


def _relative(path: Path, root: Path) -> str:
    if not path.is_absolute():
        return path.as_posix()
    try:
        return Path(os.path.abspath(path)).relative_to(root).as_posix()
    except ValueError:
        pass
    try:
        return path.resolve().relative_to(root).as_posix()
    except (ValueError, RuntimeError, OSError):  # outside, or a symlink loop
        return path.as_posix()
