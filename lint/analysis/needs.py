"""What a workspace's build reads and runs beyond ``Cargo.lock``, found from its files.

- **Compile inputs**: the paths ``include_str!``, ``include_bytes!`` and ``include!`` name
  (relative to the source file, or to the package with ``concat!(env!("CARGO_MANIFEST_DIR"),
  ...)``), ``sqlx::migrate!`` / ``embed_migrations!`` folders (``migrations`` by default),
  sqlx's offline data (``.sqlx/``, ``sqlx-data.json``) when the query macros are used,
  ``query_file!`` files, and the existing paths a build script names (``compile_protos``'s
  ``.proto`` files, ``rerun-if-changed`` paths, files it opens).
- **Programs the build runs**: ``Command::new("...")`` in a build script, ``protoc`` for
  rust-protobuf's protobuf-codegen (unless ``protoc-bin-vendored`` or ``protobuf-src`` is in
  the lock), a C++ compiler for ``cc::Build::cpp(true)`` in the workspace's own build scripts
  and for a ``-sys`` crate outside the C-crate table that builds through ``cc`` (offline its
  build script is not there to read: C or C++, so the target's g++ comes too, in case),
  Python for pyo3's build configuration (libpython itself is the C-crate table's pyo3-ffi).
  prost-build, tonic-build and cxx-build are the C-crate table's
  (:mod:`rsdock.lint.knowledge.ccrates`): one answer, there.
- **Git**: how the build reads the repository: a build script running ``git``, an unguarded
  ``git_version!`` or vergen with ``fail_on_error`` needs ``.git`` and git (``needs-git``);
  vergen otherwise builds without a repository (placeholder values) and the vergen 9 family
  (vergen-gitcl, -git2, -gix) takes ``VERGEN_GIT_*`` from the environment (``commit``: the
  generator passes the commit in); shadow-rs, built, git-testament and a ``git_version!`` with
  a ``fallback`` build without it (``optional``), and so does a build script whose git calls
  wait for a tolerated ``git rev-parse --git-dir``. The variables a build script reads before
  it runs git or vergen (``env::var("GIT_SHA")``, or a ``let`` bound to the name) are kept: a
  build that sets one never reads the repository.
- **Steps before ``cargo build``** in the project's own Dockerfile, Makefile or justfile.

Everything is read from the files (a prefilter regex, then :mod:`rsdock.lint.model.rust_source`
on the files that may hold a macro), never guessed from names alone.
"""

from __future__ import annotations

import os
import posixpath
import re
from pathlib import Path
from typing import Any, Iterable, Iterator

from rsdock.lint.knowledge import ccrates, versions
from rsdock.lint.model.cargo import Workspace
from rsdock.lint.analysis.cdeps import member_manifests
from rsdock.lint.model.cargo_features import resolve
from rsdock.lint.model.cargo_lock import Lockfile
from rsdock.lint.model.cargo_package import Package
from rsdock.lint.model.context import Context
from rsdock.lint.model.findings import Related
from rsdock.lint.model.rust_source import (IDENT, PUNCT, STR, SourceFiles, Token, mask,
                                          shared, tokens)
from rsdock.records import record, replace

# Programs a build can run and the Debian package (bookworm) that provides each on the builder.
PROGRAM_PACKAGES = {
    "git": "git", "protoc": "protobuf-compiler", "python3": "python3", "python": "python3",
    "make": "make", "cmake": "cmake", "perl": "perl", "pkg-config": "pkg-config",
    "npm": "npm", "node": "nodejs", "c++": "g++", "g++": "g++", "clang": "clang",
}
# What rust:<version>-slim-bookworm (the builder rsdock writes) has besides cargo and rustc.
SLIM_BUILDER_PROGRAMS = frozenset({"gcc", "cc", "sh", "bash", "cp", "mkdir", "ls", "env",
                                   "uname", "sed", "grep", "tar", "wget", "cat", "rustc",
                                   "cargo", "rustup", "true", "echo"})

# Crates in Cargo.lock and what their build needs.
VERGEN = ("vergen", "vergen-gitcl", "vergen-git2", "vergen-gix")
GIT_OPTIONAL = ("shadow-rs", "built", "git-testament", "build-info-build")
# prost-build, tonic-build and cxx-build are rows of the C-crate table (lint/knowledge/ccrates):
# the C-library plan installs what they need and RS212 checks it, so they are not repeated here.
PROTOC_BUILDERS = ("protobuf-codegen",)
PROTOC_VENDORED = ("protoc-bin-vendored", "protobuf-src")
CXX_BUILDERS: tuple[str, ...] = ()
PYO3 = ("pyo3-build-config",)
# The crates whose presence makes the scan report something (a vendored protoc only cancels a
# protoc builder, so alone it asks for nothing).
_TRIGGERS = VERGEN + GIT_OPTIONAL + PROTOC_BUILDERS + CXX_BUILDERS + PYO3

# A test-only module in masked code, up to its opening brace.
# `#[cfg(test)]` or `#[cfg(all(test, ...))]`, then any other attributes (`#[expect(...)]`,
# another `#[cfg(feature = "x")]`) before the `mod`.
_TEST_MOD_RE = re.compile(r"#\s*\[\s*cfg\s*\(\s*(?:test|all\s*\(\s*test\b[^)]*\))\s*\)\s*\]\s*"
                          r"(?:#\s*\[[^\[\]]*(?:\[[^\[\]]*\][^\[\]]*)*\]\s*)*"
                          r"(?:pub(?:\([^)]*\))?\s+)?mod\s+\w+\s*\{")
# A macro call of interest in masked code: `name!(`, maybe `path::name!(`, never its definition.
_CALL_RE = re.compile(r"(?<!macro_rules!)(?:\b(?P<qualifier>\w+)\s*::\s*)?\b(?P<name>"
                      r"include_str|include_bytes|include|migrate|embed_migrations|query\w*|"
                      r"git_version)\s*!\s*[(\[{]")
# _CALL_RE's name part and what follows it (see _calls), and a word character
_NAME_RE = re.compile(r"(?:include_str|include_bytes|include|migrate|embed_migrations|query\w*|"
                      r"git_version)\s*!\s*[(\[{]")
_WORD_RE = re.compile(r"\w")
# Literal prefilters (a `name !` with a space slips through: cargo fmt never writes one).
_WORDS = ("include_str!", "include_bytes!", "include!", "migrate!", "embed_migrations!",
          "query!", "query_as!", "query_scalar!", "query_file", "_unchecked!", "git_version!")
# Four scans first, which most sources fail (four in five of vector's): a file without any of
# them has no call _CALL_RE can match, so skipping it changes nothing (0.09 -> 0.05 s there).
_COARSE = ("include", "migrat", "query", "git_version")
_INCLUDE_MACROS = ("include_str", "include_bytes", "include")
_QUERY_MACROS = ("query", "query_as", "query_scalar", "query_unchecked", "query_as_unchecked",
                 "query_scalar_unchecked", "query_file", "query_file_as", "query_file_scalar",
                 "query_file_unchecked", "query_file_as_unchecked")
_SKIP_DIRS = frozenset({"target", "node_modules", "tests", "benches", "examples", "fuzz"})
_RERUN = re.compile(r"^cargo::?rerun-if-changed=")
_MAX_FILE = 2_000_000


@record(frozen=True)
class Input:
    """A path the compile reads.

    Attributes:
        path: relative to the workspace root, ``/``-separated, cleaned (a file or a folder).
        source: the file that names it (workspace-relative) and ``line``, its line.
        how: what reads it (``include_str!``, ``sqlx::migrate!``, ``sqlx offline data``,
            ``build script``).
        exists: whether it is in the workspace now (a missing one is made before cargo runs).
    """

    path: str
    source: str
    line: int
    how: str
    exists: bool = True


@record(frozen=True)
class Program:
    """A program the build runs: ``name`` (``git``, ``protoc``, ``c++``, ``python3``), the Debian
    ``package`` that provides it ("" when unknown), and why, at ``source``:``line``;
    ``tolerant`` when the build script goes on if the program cannot be run (its result is
    turned into an Option or given a default: ``.output().ok()``, ``.map_or_else(|_| ...)``)."""

    name: str
    package: str
    reason: str
    source: str
    line: int = 0
    tolerant: bool = False
    # False when the build may not run it at all (an unknown ``-sys`` crate through ``cc`` may
    # compile C only): the generator installs it anyway, lint does not ask for it
    certain: bool = True
    # the workspace members whose build runs it (their build script, or crates they compile)
    members: tuple[str, ...] = ()
    # git run for something other than this repository (a clone, a fetch in a folder of its
    # own): installed whatever the build's git mode
    always: bool = False


@record(frozen=True)
class Step:
    """A command the project's own Dockerfile, Makefile or justfile runs before cargo build."""

    source: str
    line: int
    command: str


@record(frozen=True)
class Needs:
    """What a workspace's build reads and runs (see the module docstring).

    Attributes:
        git: ``needs-git``, ``commit``, ``optional`` or "" (nothing reads git).
        git_reason: what reads it, for messages (``crates/app/build.rs:4 runs git``).
        git_unless: for each source that needs git, the environment variables its build
            script reads before it runs git (``GIT_SHA``: a build that sets one never runs
            git); an empty tuple for a source with no such guard.
        unmet: facts no generated file can satisfy, each one sentence with the way out.
        pkg_config: the libraries members' own build scripts look up with pkg-config, as
            ``(package, module, where)``: ``("mountpoint-s3-fuser", "fuse3",
            "mountpoint-s3-fuser/build.rs:41")``; a cross build needs the target's ``-dev``
            package for each (the C-crate table's ``pkgconfig-<module>`` rows).
    """

    inputs: tuple[Input, ...] = ()
    programs: tuple[Program, ...] = ()
    git: str = ""
    git_reason: str = ""
    git_unless: tuple[tuple[str, ...], ...] = ()
    steps: tuple[Step, ...] = ()
    unmet: tuple[str, ...] = ()
    pkg_config: tuple[tuple[str, str, str], ...] = ()

    def program(self, name: str) -> Program | None:
        """The first reason the build runs ``name``, or None."""
        return next((p for p in self.programs if p.name == name), None)


def scan(ws: Workspace, sources: SourceFiles | None = None) -> Needs:
    """Read what ``ws``'s build needs (see the module docstring). Never raises on odd sources:
    an unreadable file is skipped. ``sources`` reads the Rust files (a lint run shares one
    between its analyses, so each file is read once)."""
    root = Path(ws.root)
    sources = sources if sources is not None else SourceFiles()
    inputs: list[Input] = []
    programs: list[Program] = []
    git: list[tuple[str, str]] = []
    guards: dict[str, tuple[str, ...]] = {}
    unmet: list[str] = []
    probes: list[tuple[str, str, str]] = []
    member_dirs = {m.dir for m in ws.members}
    scripts: list[tuple[str, str]] = []
    unknown_cc = unknown_cc_crates(ws.lock) if ws.lock is not None else frozenset()
    for package in ws.members:
        crates = _crates(ws, package.name, unknown_cc)
        files = _rust_files(root, package.dir, member_dirs, sources)
        query_at: tuple[str, int] | None = None
        for rel in files:
            query_at = _scan_source(root, rel, package.dir, git, inputs, sources) or query_at
        if query_at:
            _sqlx_offline(root, package, query_at, inputs, unmet, _sqlx_before_07(ws))
        script = _build_script(ws, package)
        if script:
            scripts.append((package.dir, script))
            _helper_programs(root, ws, package, script, member_dirs, sources, programs)
            _scan_build_script(root, package, script, crates, programs, git, inputs,
                               _vergen8(ws), guards, probes)
        _crate_needs(package, crates, script, programs, git, unmet, unknown_cc)
    inputs = [_made_by_script(root, i, scripts) for i in inputs]
    return Needs(inputs=_unique(inputs, lambda i: (i.path, i.how)),
                 # a program run whatever the git mode wins over one run only in some modes
                 programs=_merged(sorted(programs, key=lambda p: not p.always)),
                 git=_git_mode(git), git_reason=_git_reason(git),
                 git_unless=tuple(guards.get(r, ()) for m, r in git if m == "needs-git"),
                 steps=tuple(project_steps(root)), unmet=tuple(dict.fromkeys(unmet)),
                 pkg_config=_unique(probes, lambda p: (p[0], p[1])))


def _merged(programs: list[Program]) -> tuple[Program, ...]:
    """Each program once (its first reason), with every member whose build runs it; tolerated
    only when every build that runs it tolerates its absence, certain when any build surely runs
    it."""
    first: dict[str, Program] = {}
    members: dict[str, list[str]] = {}
    tolerant: dict[str, bool] = {}
    certain: dict[str, bool] = {}
    always: dict[str, bool] = {}
    for program in programs:
        name = program.name
        first.setdefault(name, program)
        members.setdefault(name, [])
        members[name] += [m for m in program.members if m not in members[name]]
        tolerant[name] = tolerant.get(name, True) and program.tolerant
        certain[name] = certain.get(name, False) or program.certain
        always[name] = always.get(name, False) or program.always
    return tuple(replace(p, members=tuple(members[n]), tolerant=tolerant[n], certain=certain[n],
                         always=always[n])
                 for n, p in first.items())


def _unique(items: Iterable[Any], key: Any) -> tuple[Any, ...]:
    seen: dict[Any, Any] = {}
    for item in items:
        seen.setdefault(key(item), item)
    return tuple(seen.values())


def _crates(ws: Workspace, package: str, unknown_cc: frozenset[str] = frozenset()
            ) -> dict[str, tuple[str, ...]]:
    """``{crate: path}`` for every crate the package's Linux build compiles (build-dependencies
    included), from Cargo.lock; empty without one."""
    if ws.lock is None or (not any(ws.lock.named(name) for name in _TRIGGERS)
                           and not unknown_cc):
        return {}  # nothing the scan reports can be reached: no feature resolution needed
    return resolve(ws.lock, package, members=member_manifests(ws))


def unknown_cc_crates(lock: Lockfile) -> frozenset[str]:
    """The registry ``-sys`` crates of ``lock`` that build through ``cc`` and that the C-crate
    table does not know (ckb-librocksdb-sys, unrar-ng-sys): what they compile, C or C++, is in
    their build scripts, which are not here offline."""
    known, other = ccrates.names(), ccrates.other_os_crates()
    return frozenset(
        p.name for p in lock.packages if p.source is not None
        and p.name.endswith(("-sys", "_sys")) and p.name not in known and p.name not in other
        and any(e.split(" ", 1)[0] == "cc" for e in p.dependencies))


def _rust_files(root: Path, package_dir: str, member_dirs: set[str],
                sources: SourceFiles) -> list[str]:
    """The package's ``.rs`` files (not its tests, benches, examples, nor nested members)."""
    top = os.fspath(root / package_dir)
    base = Path(os.path.relpath(top, root)).as_posix()
    found = []
    for current, dirs, files in sources.walk(top):
        # walk() names a sub-folder `current + "/" + name`, and a listed name is never "." or
        # "..", so the relative path is the package's plus that tail, normalised already
        tail = current[len(top):]
        rel_dir = base + tail if base != "." else tail[1:] or "."
        prefix = "" if rel_dir == "." else rel_dir + "/"
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and not (
            current == top and d in _SKIP_DIRS) and d not in ("target", "node_modules")
            and prefix + d not in member_dirs)
        found += [prefix + f for f in sorted(files) if f.endswith(".rs")]
    return found


def _read(root: Path, rel: str) -> str | None:
    try:
        path = root / rel
        if path.stat().st_size > _MAX_FILE:
            return None
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def _clean(path: str) -> str | None:
    """A workspace-relative path, or None when it leaves the workspace or is absolute."""
    if path.startswith("/"):
        return None
    cleaned = posixpath.normpath(path)
    return None if cleaned == ".." or cleaned.startswith("../") else cleaned


def _scan_source(root: Path, rel: str, package_dir: str, git: list[tuple[str, str]],
                 inputs: list[Input], sources: SourceFiles) -> tuple[str, int] | None:
    """Add the includes and migrations of one file to ``inputs``; the place of its first sqlx
    query macro (it makes sqlx read its offline data) or None."""
    path = os.path.join(root, rel)
    size = sources.size(path)
    text = sources.text(path) if size is not None and size <= _MAX_FILE else None
    if text is None or not any(w in text for w in _COARSE) \
            or not any(w in text for w in _WORDS):
        return None
    code = mask(text)
    tests = [(m.start(), _closing(code, m.end() - 1)) for m in _TEST_MOD_RE.finditer(code)]
    # cxx's bridges name C++ headers with include! inside `extern "C++"` (cozo's
    # `include!("bridge.h")`): cxx-build reads them from its include path, not rustc
    cxx = [(m.start(), _closing(code, m.end() - 1)) for m in _CXX_EXTERN_RE.finditer(text)
           if code[m.end() - 1] == "{"]
    here = posixpath.dirname(rel)
    query: tuple[str, int] | None = None
    mentions_sqlx = "sqlx" in code
    for found in _calls(code):
        start, close = found.start(), _closing(code, found.end() - 1)
        if any(a <= start < b for a, b in tests):
            continue  # a #[cfg(test)] module: not in a release build
        line = code.count("\n", 0, start) + 1
        toks = [Token(t.kind, t.value, t.line + line - 1) for t in tokens(text[start:close])]
        name, qualifier = found["name"], found["qualifier"] or ""
        opening = next(k for k, t in enumerate(toks) if t.kind == PUNCT and t.value in "([{")
        args = _call_args(toks, opening)
        if name in _INCLUDE_MACROS:
            if qualifier not in ("", "std", "core"):
                continue  # another crate's macro (grass::include! compiles Sass)
            if name == "include" and any(a <= start < b for a, b in cxx):
                continue
            target = _path_arg(args, here, package_dir)
            if target:
                inputs.append(_input(root, target, rel, line, f"{name}!"))
        elif name in ("migrate", "embed_migrations"):
            if name == "migrate" and not (qualifier == "sqlx" or (
                    not qualifier and mentions_sqlx)):
                continue  # some other crate's migrate!(...)
            literal = args[0].value if args and args[0].kind == STR else "migrations"
            target = _clean(posixpath.join(package_dir, literal))
            if target:
                how = "sqlx::migrate!" if name == "migrate" else "embed_migrations!"
                inputs.append(_input(root, target, rel, line, how))
        elif name in _QUERY_MACROS and (qualifier == "sqlx" or (not qualifier and mentions_sqlx)):
            query = query or (rel, line)
            if name.startswith("query_file") and args and args[0].kind == STR:
                target = _clean(posixpath.join(package_dir, args[0].value))
                if target:
                    inputs.append(_input(root, target, rel, line, f"sqlx::{name}!"))
        elif name == "git_version":
            guarded = any(a.kind == IDENT and a.value == "fallback" for a in args)
            git.append(("optional" if guarded else "needs-git",
                        f"{rel}:{line} calls git_version!"
                        + (" with a fallback" if guarded else " without a fallback")))
    return query


# An item compiled only for another system: `#[cfg(windows)] mod windows_rc { ... }` (helix's
# build script runs `reg` there), `#[cfg(target_os = "macos")] fn ...`.
_OTHER_OS_ITEM_RE = re.compile(
    r'#\s*\[\s*cfg\s*\(\s*(?:windows|target_os\s*=\s*"(?:windows|macos|ios)"|'
    r'target_family\s*=\s*"windows")\s*\)\s*\]\s*(?:#\s*\[[^\]]*\]\s*)*'
    r'(?:pub(?:\([^)]*\))?\s+)?(?:mod|fn|impl)\b[^;{]*\{')


def _other_os_lines(text: str) -> list[tuple[int, int]]:
    """The line spans of the items of ``text`` compiled only for Windows or Apple systems."""
    code = mask(text)
    spans = []
    for m in _OTHER_OS_ITEM_RE.finditer(text):
        if code[m.end() - 1] != "{":
            continue
        end = _closing(code, m.end() - 1)
        spans.append((text.count("\n", 0, m.start()) + 1, text.count("\n", 0, end) + 1))
    return spans


def _repository_script(root: Path, package: Package, program: str) -> str | None:
    """The repository path of the program a build script runs when it is a file of the
    repository (cargo runs build scripts in the package's folder), else None."""
    if "/" not in program or program.startswith("/"):
        return None
    path = _clean(posixpath.join(package.dir, program))
    try:
        return path if path and (root / path).is_file() else None
    except (OSError, ValueError):
        return None


def _interpreter(root: Path, rel: str) -> str:
    """The program a script's ``#!`` line names (``env``'s argument), or ""."""
    try:
        with open(root / rel, "rb") as handle:
            first = handle.readline(200).decode("utf-8", "replace")
    except OSError:
        return ""
    words = first[2:].split() if first.startswith("#!") else []
    if words and posixpath.basename(words[0]) == "env":
        words = [w for w in words[1:] if not w.startswith("-")]
    return posixpath.basename(words[0]) if words else ""


_CXX_EXTERN_RE = re.compile(r'\bextern\s+"C\+\+"\s*\{')


def _calls(code: str) -> Iterator[re.Match[str]]:
    """What ``_CALL_RE.finditer(code)`` yields, found through its name part.

    ``_CALL_RE`` opens with an optional ``\\b\\w+\\s*::`` qualifier, which Python's ``re``
    tries at every position of the file (70 ms over vector's 23 files of interest); the name
    and what follows it are found by a pattern without it 14 times faster. A match of
    ``_CALL_RE`` holds one of those, starting at a word boundary, with the qualifier (when
    there is one) the word just before ``::`` there: that is where ``_CALL_RE`` is tried, so
    each match is the one ``finditer`` finds (tests/lint/analysis/test_needs.py compares them).
    """
    at = 0
    while True:
        anchor = _NAME_RE.search(code, at)
        if anchor is None:
            return
        start = anchor.start()
        found = None
        if start == 0 or not _WORD_RE.match(code, start - 1):  # \b before the name
            qualifier = _qualifier_start(code, at, start)
            if qualifier is not None:
                found = _CALL_RE.match(code, qualifier)
            if found is None or found.start("name") != start:
                found = _CALL_RE.match(code, start)
        if found is not None:
            yield found
            at = found.end()
        else:
            at = anchor.end()


def _qualifier_start(code: str, at: int, name: int) -> int | None:
    """Where the word of ``word ::`` just before ``name`` starts (not before ``at``), or None.
    (``re``'s ``\\s`` and ``\\w`` are ``str.isspace`` and ``_WORD_RE``.)"""
    end = name
    while end > at and code[end - 1].isspace():
        end -= 1
    if end - 2 < at or code[end - 2:end] != "::":
        return None
    end -= 2
    while end > at and code[end - 1].isspace():
        end -= 1
    start = end
    while start > at and _WORD_RE.match(code, start - 1):
        start -= 1
    return start if start < end else None


def _helper_programs(root: Path, ws: Workspace, package: Package, script: str,
                     member_dirs: set[str], sources: SourceFiles,
                     programs: list[Program]) -> None:
    """Programs the workspace members a build script uses as build-dependencies run
    (helix-term's build.rs fetches grammars through helix-loader, whose grammar.rs runs git):
    the script may call that code, so the generator installs the programs it knows (lint does
    not ask for them: which functions the script calls is not read)."""
    raw = (ws.manifests or {}).get(package.name, {})
    table = raw.get("build-dependencies") if isinstance(raw, dict) else None
    names = set(table) if isinstance(table, dict) else set()
    for helper in ws.members:
        if helper.name not in names or helper.name == package.name:
            continue
        for rel in _rust_files(root, helper.dir, member_dirs, sources):
            text = sources.text(os.path.join(root, rel))
            if text is None or ("Command::new" not in text and ".cpp(" not in text):
                continue
            toks = tokens(text)
            for i, tok in enumerate(toks):
                if tok.kind == IDENT and tok.value == "cpp" and i + 3 < len(toks) and \
                        toks[i - 1].value == "." and toks[i + 2].value == "true":
                    programs.append(Program(  # helix-loader compiles grammars with cc's C++
                        "c++", "g++", f"{script} builds with {helper.name}, whose {rel}:"
                        f"{tok.line} compiles C++ (cc's cpp(true))", rel, tok.line,
                        certain=False))
                    continue
                if tok.kind != IDENT or tok.value != "Command" or not _is_new_call(toks, i):
                    continue
                name = posixpath.basename(toks[i + 5].value)
                if name not in PROGRAM_PACKAGES:
                    continue
                reads = _git_call(toks, i)[0] if name == "git" else True
                programs.append(Program(
                    name, PROGRAM_PACKAGES[name], f"{script} builds with {helper.name}, whose "
                    f"{rel}:{tok.line} runs {name}", rel, tok.line, certain=False,
                    always=name == "git" and not reads))


def _made_by_script(root: Path, item: Input, scripts: list[tuple[str, str]]) -> Input:
    """``item``, counted as there when it is missing but a member's build script names it
    (relative to its package, where cargo runs it): the script writes it before the compile
    (firecracker's cpu-template-helper/build.rs writes src/utils/mock_kernel/kernel.bin)."""
    if item.exists:
        return item
    for package_dir, script in scripts:
        rel = posixpath.relpath(item.path, package_dir) if package_dir != "." else item.path
        if rel.startswith("../"):
            continue
        text = _read(root, script)
        if text is not None and f'"{rel}"' in text:
            return Input(item.path, item.source, item.line, item.how, True)
    return item


def _input(root: Path, path: str, source: str, line: int, how: str) -> Input:
    return Input(path, source, line, how, (root / path).exists())


def _closing(code: str, open_at: int) -> int:
    """The index after the bracket matching the one at ``open_at`` in masked code (the end
    of the text when it is never closed)."""
    depth = 0
    for index in range(open_at, len(code)):
        ch = code[index]
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
            if depth == 0:
                return index + 1
    return len(code)


def _call_args(toks: list[Token], open_at: int) -> list[Token]:
    """The tokens between the bracket at ``open_at`` and its match."""
    pairs = {"(": ")", "[": "]", "{": "}"}
    depth = 0
    out: list[Token] = []
    for index in range(open_at, len(toks)):
        tok = toks[index]
        if tok.kind == PUNCT and tok.value in pairs:
            depth += 1
            if depth == 1:
                continue
        elif tok.kind == PUNCT and tok.value in pairs.values():
            depth -= 1
            if depth == 0:
                return out
        out.append(tok)
    return out


def _path_arg(args: list[Token], here: str, package_dir: str) -> str | None:
    """The workspace-relative path an include macro's argument names, or None when it is not
    a constant the workspace holds (``env!("OUT_DIR")``, a macro variable)."""
    if len(args) == 1 and args[0].kind == STR:
        return _clean(posixpath.join(here, args[0].value))
    values = [a for a in args if a.kind in (IDENT, STR)]
    if len(values) >= 3 and values[0].value == "concat" and values[1].value == "env":
        if values[2].kind == STR and values[2].value == "CARGO_MANIFEST_DIR":
            rest = "".join(v.value for v in values[3:] if v.kind == STR)
            return _clean(posixpath.join(package_dir, rest.lstrip("/")))
    return None


def _sqlx_before_07(ws: Workspace) -> bool:
    """Whether the lock's sqlx is older than 0.7 (offline data in ``sqlx-data.json``, read only
    with sqlx's ``offline`` feature)."""
    held = [versions.parse(p.version) for p in ws.lock.named("sqlx")] if ws.lock else []
    return any(v is not None and v[:2] < (0, 7) for v in held)


def _sqlx_offline(root: Path, package: Package, at: tuple[str, int], inputs: list[Input],
                  unmet: list[str], before_07: bool = False) -> None:
    """sqlx's query macros read ``.sqlx/`` (the package's or the workspace's) or, before 0.7,
    ``sqlx-data.json``; without either they connect to ``DATABASE_URL`` while compiling."""
    candidates = [posixpath.normpath(posixpath.join(package.dir, ".sqlx")), ".sqlx",
                  posixpath.normpath(posixpath.join(package.dir, "sqlx-data.json")),
                  "sqlx-data.json"]
    found = [c for c in dict.fromkeys(candidates) if (root / c).exists()]
    for path in found:
        inputs.append(Input(path, at[0], at[1], "sqlx offline data"))
    if not found and before_07:
        unmet.append(f"{at[0]}:{at[1]} uses sqlx's query macros and the workspace has no "
                     "offline data (sqlx-data.json): the image build cannot reach a database; "
                     "this sqlx (before 0.7) reads it only with its `offline` feature: enable "
                     "it, run `cargo sqlx prepare` (`-- --merged` for several crates) and "
                     "commit sqlx-data.json")
    elif not found:
        unmet.append(f"{at[0]}:{at[1]} uses sqlx's query macros and the workspace has no "
                     "offline data (.sqlx/): the image build cannot reach a database; run "
                     "`cargo sqlx prepare --workspace` and commit .sqlx/")


def _build_script(ws: Workspace, package: Package) -> str:
    """The package's build script, workspace-relative, or "" for none."""
    if not package.has_build_rs:
        return ""
    manifest = (ws.manifests or {}).get(package.name, {})
    declared = manifest.get("package", {}).get("build") if isinstance(manifest, dict) else None
    name = declared if isinstance(declared, str) else "build.rs"
    path = _clean(posixpath.join(package.dir, name))
    return path if path and (Path(ws.root) / path).is_file() else ""


def _scan_build_script(root: Path, package: Package, script: str,
                       crates: dict[str, tuple[str, ...]], programs: list[Program],
                       git: list[tuple[str, str]], inputs: list[Input],
                       vergen8: bool = False,
                       guards: dict[str, tuple[str, ...]] | None = None,
                       probes: list[tuple[str, str, str]] | None = None) -> None:
    text = _read(root, script)
    if text is None:
        return
    toks = tokens(text)
    read_env: list[str] = []  # the variables the script has read so far (`env::var("GIT_SHA")`)
    before_vergen: list[str] | None = None  # those read before vergen's `fail_on_error()`
    first_git = len(git)
    probes_repository = False  # a tolerated `git rev-parse --git-dir` guards the other calls
    constants = _string_constants(toks) if "var(" in text else {}
    elsewhere = _other_os_lines(text)
    for i, tok in enumerate(toks):
        if any(a <= tok.line <= b for a, b in elsewhere):
            continue  # a build script runs on the (Linux) build machine: never compiled
        name_read = _env_read(toks, i, constants)
        if name_read and name_read not in read_env:
            read_env.append(name_read)
        if before_vergen is None and tok.kind == IDENT and tok.value == "fail_on_error":
            before_vergen = list(read_env)
        if tok.kind == STR:
            _build_script_path(root, package, script, tok, inputs)
        if tok.kind == IDENT and tok.value == "Command" and _is_new_call(toks, i):
            program = toks[i + 5].value
            name = posixpath.basename(program)
            reason = f"{script}:{tok.line} runs {name}"
            own = _repository_script(root, package, program)
            if own is not None:
                # the project's own script (fish's build_tools/git_version_gen.sh): an input
                # (the path string above), and its interpreter must be there
                interpreter = _interpreter(root, own)
                if interpreter and interpreter not in SLIM_BUILDER_PROGRAMS:
                    programs.append(Program(interpreter, PROGRAM_PACKAGES.get(interpreter, ""),
                                            f"{reason}, a script run by {interpreter}", script,
                                            tok.line, members=(package.name,)))
                continue
            reads, tolerant = _git_call(toks, i)
            programs.append(Program(name, PROGRAM_PACKAGES.get(name, ""), reason, script,
                                    tok.line, tolerant, members=(package.name,),
                                    always=name == "git" and not reads))
            if name == "git":
                if not reads:
                    pass  # `git clone URL`, or git run in another folder: not this repository
                elif tolerant:
                    git.append(("optional", f"{reason}, and builds when git fails"))
                    probes_repository = probes_repository or _probes_repository(toks, i)
                else:
                    git.append(("needs-git", reason))
                    if guards is not None and read_env:
                        guards[reason] = tuple(read_env)
        if probes is not None and tok.kind == IDENT and tok.value in _PKG_CONFIG_PROBES \
                and i + 2 < len(toks) and toks[i - 1].value in (".", "::", ":") \
                and toks[i + 1].value == "(" and toks[i + 2].kind == STR:
            module = _string_value(toks[i + 2].value)
            if module and "pkg_config" in text:
                probes.append((package.name, module, f"{script}:{tok.line}"))
        if tok.kind == IDENT and tok.value == "cmake" and i + 3 < len(toks) and \
                toks[i + 1].value == toks[i + 2].value == ":" and toks[i + 3].value == "Config":
            # CMake's project() enables C and CXX unless it names its languages: configuring
            # checks for the target's C++ compiler (CMAKE_CXX_COMPILER from CXX_<triple>).
            programs.append(Program("c++", "g++", f"{script}:{tok.line} configures a CMake "
                                    "project (cmake::Config), and CMake enables C++ by default",
                                    script, tok.line, members=(package.name,)))
        if tok.kind == IDENT and tok.value == "cpp" and i + 3 < len(toks) and \
                toks[i - 1].value == "." and toks[i + 2].value == "true":
            programs.append(Program("c++", "g++", f"{script}:{tok.line} compiles C++ "
                                    "(cc::Build::cpp(true))", script, tok.line,
                                    members=(package.name,)))
    idents = {t.value for t in toks if t.kind == IDENT}
    for crate in VERGEN:
        if crate in crates and any("git" in v.lower() for v in idents):
            if "fail_on_error" in idents:  # no placeholder values: the build fails without git
                reason = f"{script} reads git through {crate} with fail_on_error"
                git.append(("needs-git", reason))
                if guards is not None and before_vergen:
                    guards[reason] = tuple(before_vergen)  # `if let Ok(v) = env::var(..)
                    # { return }` before the builder: a build that sets it never runs vergen
            elif crate == "vergen" and vergen8:  # no environment overrides before vergen 9
                git.append(("optional", f"{script} reads git through vergen 8, which emits "
                            "placeholders without it"))
            else:
                git.append(("commit", f"{script} reads the commit through {crate}"))
            break
    if probes_repository:
        # hermes: `git rev-parse --git-dir` with its failure tolerated decides whether the
        # script asks git anything else: without a repository it builds without git
        for index in range(first_git, len(git)):
            mode, why = git[index]
            if mode == "needs-git" and " runs git" in why:
                git[index] = ("optional", f"{why} once a tolerated `git rev-parse` has found "
                                          "a repository")


# pkg-config's lookups: `pkg_config::probe_library("x")`, `Config::new().probe("x")`.
_PKG_CONFIG_PROBES = frozenset({"probe", "probe_library"})
_MODULE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.+-]*$")


def _string_value(literal: str) -> str:
    """A string token's text when it can name a pkg-config module (``fuse3``), else ""."""
    return literal if _MODULE_RE.match(literal) else ""


# Variables cargo sets for every build script: reading one guards nothing.
_CARGO_SET_ENV = frozenset({"OUT_DIR", "TARGET", "HOST", "PROFILE", "OPT_LEVEL", "DEBUG",
                            "NUM_JOBS", "RUSTC", "RUSTDOC", "RUSTC_LINKER", "PATH", "HOME"})


def _string_constants(toks: list[Token]) -> dict[str, str]:
    """The names bound to a string literal: ``let NAME = "X";``, ``const NAME: &str = "X";``
    (pathfinder reads ``env::var(force_version_env_var_name)``)."""
    found: dict[str, str] = {}
    for i, tok in enumerate(toks[:-3]):
        if tok.kind != IDENT or tok.value not in ("let", "const", "static") or \
                toks[i + 1].kind != IDENT:
            continue
        j = i + 2
        while j < len(toks) and j < i + 8 and toks[j].value not in ("=", ";"):
            j += 1  # `: &str`, `: &'static str`
        if j + 2 < len(toks) and toks[j].value == "=" and toks[j + 1].kind == STR and \
                toks[j + 2].value == ";":
            found[toks[i + 1].value] = toks[j + 1].value
    return found


def _env_read(toks: list[Token], i: int, constants: dict[str, str] | None = None) -> str | None:
    """The variable ``toks[i]`` reads when it starts ``var("NAME")``/``var_os("NAME")`` (as in
    ``std::env::var``), or names it through a string constant (``constants``), or
    ``option_env!("NAME")``; None otherwise or for a variable cargo sets."""
    tok = toks[i]
    if tok.kind != IDENT or i + 2 >= len(toks):
        return None
    if tok.value in ("var", "var_os") and toks[i + 1].value == "(" and toks[i + 2].kind == STR:
        name = toks[i + 2].value
    elif tok.value in ("var", "var_os") and toks[i + 1].value == "(" and constants and \
            toks[i + 2].kind == IDENT and toks[i + 2].value in constants and \
            i + 3 < len(toks) and toks[i + 3].value == ")":
        name = constants[toks[i + 2].value]
    elif tok.value == "option_env" and i + 3 < len(toks) and toks[i + 1].value == "!" and \
            toks[i + 2].value == "(" and toks[i + 3].kind == STR:
        name = toks[i + 3].value
    else:
        return None
    if name in _CARGO_SET_ENV or name.startswith(("CARGO_", "DEP_")):
        return None
    return name


# What turns a spawn's Result into a value when the program is missing (spiceai's build.rs:
# `.output().map_or_else(|_| "unknown".to_string(), |o| ...)`).
_TOLERATES = frozenset({"ok", "unwrap_or", "unwrap_or_default", "unwrap_or_else", "is_ok",
                        "is_err", "is_ok_and", "map_or", "map_or_else"})
# `git rev-parse --git-dir` and the like: asks whether there is a repository at all
_REPOSITORY_PROBES = frozenset({"--git-dir", "--is-inside-work-tree", "--show-toplevel"})


def _probes_repository(toks: list[Any], start: int) -> bool:
    """Whether the ``Command::new("git")`` statement at ``toks[start]`` is ``git rev-parse``
    asking whether there is a repository (``--git-dir``, ``--is-inside-work-tree``)."""
    words = set(_statement_words(toks, start))
    return "rev-parse" in words and bool(words & _REPOSITORY_PROBES)


def _statement_words(toks: list[Any], start: int) -> list[str]:
    """The identifiers and strings of the statement that starts at ``toks[start]``."""
    words: list[str] = []
    depth = 0
    for tok in toks[start:start + 200]:
        if tok.kind == PUNCT and tok.value in "([{":
            depth += 1
        elif tok.kind == PUNCT and tok.value in ")]}":
            depth -= 1
            if depth < 0:
                break
        elif tok.kind == PUNCT and tok.value == ";" and depth == 0:
            break
        if tok.kind in (IDENT, STR):
            words.append(tok.value)
    return words


def _git_call(toks: list[Any], start: int) -> tuple[bool, bool]:
    """What the ``Command::new("git")`` statement at ``toks[start]`` does: whether it reads the
    workspace's repository (not ``git clone <url>``, not run with ``.current_dir(...)`` in a
    folder other than the package's), and whether the build goes on when git fails (its result is turned into
    an Option or given a default: ``.output().ok()``, ``unwrap_or_default()``)."""
    words = _statement_words(toks, start)
    # run in a folder of its own (`.current_dir(&build_dir)` under OUT_DIR), not the package's
    # (`.current_dir(env!("CARGO_MANIFEST_DIR"))` still reads the repository)
    elsewhere = "current_dir" in words and not any(
        w in ("CARGO_MANIFEST_DIR", "CARGO_WORKSPACE_DIR") or w.startswith(".") for w in words)
    reads = "clone" not in words and not elsewhere
    return reads, bool(_TOLERATES & set(words))


def git_skipped(found: Needs, env: dict[str, str | None]) -> bool:
    """Whether a build whose compile sees the variables ``env`` never runs git: every source
    that needs git reads a variable first, and ``env`` sets one of each."""
    return bool(found.git_unless) and all(
        any(name in env for name in names) for names in found.git_unless)


def _vergen8(ws: Workspace) -> bool:
    """Whether every ``vergen`` in Cargo.lock is older than 9 (its git instructions take no
    ``VERGEN_GIT_*`` overrides from the environment; 9 moved git to vergen-gitcl/-git2/-gix)."""
    found = ws.lock.named("vergen") if ws.lock is not None else ()
    return bool(found) and all(p.version.split(".")[0].isdigit()
                               and int(p.version.split(".")[0]) < 9 for p in found)


def _is_new_call(toks: list[Token], i: int) -> bool:
    """``Command::new("literal")`` at ``i``."""
    return (i + 6 < len(toks) and [t.value for t in toks[i + 1:i + 5]] == [":", ":", "new", "("]
            and toks[i + 5].kind == STR and toks[i + 6].value == ")")


def _build_script_path(root: Path, package: Package, script: str, tok: Token,
                       inputs: list[Input]) -> None:
    """A string literal of a build script that names an existing path of the package (a
    ``.proto`` file, a ``rerun-if-changed`` path, a file it opens)."""
    value = _RERUN.sub("", tok.value).strip()
    if not value or len(value) > 300 or "\n" in value or value in (".", "./", "src", "build.rs"):
        return
    target = _clean(posixpath.join(package.dir, value))
    if not target or target == posixpath.normpath(package.dir) or target.startswith(".git"):
        return
    try:
        if (root / target).exists():
            inputs.append(Input(target, script, tok.line, "build script"))
    except (OSError, ValueError):
        return


def _crate_needs(package: Package, crates: dict[str, tuple[str, ...]], script: str,
                 programs: list[Program], git: list[tuple[str, str]],
                 unmet: list[str], unknown_cc: frozenset[str] = frozenset()) -> None:
    """Programs and git readers Cargo.lock shows the package's build reaches."""
    def via(crate: str) -> str:
        return " -> ".join(crates[crate])

    builder = next((c for c in PROTOC_BUILDERS if c in crates), None)
    if builder and not any(c in crates for c in PROTOC_VENDORED):
        programs.append(Program("protoc", "protobuf-compiler",
                                f"{via(builder)} runs protoc", script or package.manifest_path,
                                members=(package.name,)))
    cxx = next((c for c in CXX_BUILDERS if c in crates), None)
    if cxx:
        programs.append(Program("c++", "g++", f"{via(cxx)} compiles C++",
                                script or package.manifest_path, members=(package.name,)))
    unknown = next((c for c in crates if c in unknown_cc), None)
    if unknown:
        programs.append(Program(
            "c++", "g++", f"{via(unknown)} compiles a library through cc, C or C++ (a -sys crate "
            "rsdock's C-crate table does not know, its build script unread offline)",
            script or package.manifest_path, certain=False, members=(package.name,)))
    if "pyo3-build-config" in crates:
        # Unless PYO3_CONFIG_FILE is set (rsdock's builders write one): linking libpython is
        # the C-crate table's pyo3-ffi row.
        programs.append(Program("python3", "python3", f"{via('pyo3-build-config')} runs the "
                                "Python interpreter while building", package.manifest_path,
                                members=(package.name,)))
    for crate in GIT_OPTIONAL:
        if crate in crates:
            git.append(("optional", f"{via(crate)} reads git and builds without it"))


def _git_mode(git: list[tuple[str, str]]) -> str:
    modes = [m for m, _ in git]
    for mode in ("needs-git", "commit", "optional"):
        if mode in modes:
            return mode
    return ""


def _git_reason(git: list[tuple[str, str]]) -> str:
    mode = _git_mode(git)
    return next((r for m, r in git if m == mode), "")


# ------------------------------------------------------------------ steps before cargo build

_CARGO_BUILD = re.compile(r"\bcargo\s+(?:\+\S+\s+)?(?:build|install|chef\s+cook)\b")
_SETUP = re.compile(r"^\s*(?:apt-get|apt|apk|yum|dnf|rustup|cargo|mkdir|cd|export|echo|set|"
                    r"rm|cp|mv|ln|chmod|chown|dpkg|curl|wget|source|\.|true|:|case|ls|test|"
                    r"\[|useradd|adduser|addgroup|groupadd)(?:\s|$|;)")


# Leading `NAME=value` words of a command (quoted values included).
_ASSIGNMENTS_RE = re.compile(r"""^(?:\s*[A-Za-z_][A-Za-z0-9_]*=(?:"[^"]*"|'[^']*'|\S*))+\s*""")


def project_steps(root: Path) -> list[Step]:
    """Commands the project's own build files run before ``cargo build``: RUN lines of an
    existing ``Dockerfile`` in the stage that builds, and recipe lines of the Makefile or
    justfile target that builds (setup commands like ``apt-get`` and ``rustup`` left out)."""
    steps: list[Step] = []
    for name in ("Makefile", "makefile", "GNUmakefile", "justfile", "Justfile", ".justfile"):
        text = _read(root, name)
        if text is not None:
            steps += _recipe_steps(name, text)
    text = _read(root, "Dockerfile")
    if text is not None and "rsdock" not in text:  # rsdock's own runs nothing of the project's
        steps += _dockerfile_steps("Dockerfile", text)
    return steps


def _recipe_steps(name: str, text: str) -> list[Step]:
    """Recipe lines before the first ``cargo build`` of the recipe that has one."""
    steps: list[Step] = []
    current: list[Step] = []
    for number, raw in enumerate(text.splitlines(), 1):
        if raw.strip().startswith("#") or not raw.strip():
            continue
        if not raw[:1].isspace():
            current = []  # a new target or recipe
            continue
        command = raw.strip().lstrip("@-+ ")
        if _CARGO_BUILD.search(command) or _is_setup(command):
            if _CARGO_BUILD.search(command):
                steps += current
                current = []
            continue
        current.append(Step(name, number, command))
    return steps


def _is_setup(command: str) -> bool:
    """Whether a command only prepares the build (apt, rustup, cd, variables...)."""
    rest = _ASSIGNMENTS_RE.sub("", command)
    return not rest.strip() or bool(_SETUP.match(rest))


def _dockerfile_steps(name: str, text: str) -> list[Step]:
    """RUNs before the ``cargo build`` of a stage, then the context ``COPY``s of the last stage
    (files the old image shipped: a config, static assets), as ``COPY ...`` steps."""
    steps: list[Step] = []
    current: list[Step] = []
    shipped: list[Step] = []
    joined, start = "", 0
    for number, raw in enumerate(text.splitlines(), 1):
        if not joined:
            if raw.lstrip().startswith("#") or not raw.strip():
                continue
            start = number
        joined += raw.rstrip().rstrip("\\").strip() + " "
        if raw.rstrip().endswith("\\"):
            continue
        line, joined = joined.strip(), ""
        head = line.split(" ", 1)[0].upper()
        if head == "FROM":
            current, shipped = [], []
        elif head == "RUN":
            command = line[3:].strip()
            if _CARGO_BUILD.search(command):
                steps += current
                current = []
            elif not _is_setup(command):
                current.append(Step(name, start, command))
        elif head in ("COPY", "ADD") and "--from" not in line:
            shipped.append(Step(name, start, line))
    return steps + shipped


# ------------------------------------------------------------------ for rules

def of(ctx: Context) -> Needs:
    """The needs of the run's workspace, scanned once per run (empty without a workspace)."""
    if "needs" not in ctx.memo:
        ctx.memo["needs"] = scan(ctx.workspace, shared(ctx)) if ctx.workspace is not None \
            else Needs()
    found: Needs = ctx.memo["needs"]
    return found


_PLACED = re.compile(r"(?P<path>[^\s:]+):(?P<line>\d+) (?P<what>.+)", re.S)


def placed(ctx: Context, reason: str) -> tuple[str, Related | None]:
    """A reason written with its place (``crates/app/build.rs:4 runs git``, as :class:`Program`
    and :attr:`Needs.git_reason` hold them) as words without the line (``crates/app/build.rs
    runs git``) and the place as a related location labelled with what happens there; a
    reason without a place as it is, with None. Findings name the place as a related location,
    never as "file:line" in their text."""
    match = _PLACED.fullmatch(reason)
    if match is None:
        return reason, None
    what = match["what"]
    return f"{match['path']} {what}", Related(repository_path(ctx, match["path"]),
                                              int(match["line"]), what)


def repository_path(ctx: Context, path: str) -> str:
    """A workspace-relative path as a repository-relative one (the workspace may be a folder
    of the repository)."""
    if ctx.workspace is None:
        return path
    base = Path(os.path.relpath(os.path.abspath(ctx.workspace.root),
                                os.path.abspath(ctx.root))).as_posix()
    return posixpath.normpath(posixpath.join(base, path)) if base != "." else path


# Programs the official rust images have before any RUN: the slim ones (Debian's gcc and
# libc6-dev) and the full ones (buildpack-deps: git, make, g++, patch, perl, curl).
_FULL_RUST_EXTRAS = frozenset({"git", "make", "g++", "c++", "perl", "curl", "patch", "xz",
                               "bzip2", "pkg-config", "autoconf"})


def image_programs(image: str) -> frozenset[str] | None:
    """The programs a builder base image has, or None when the image is not one rsdock knows
    (a custom or cross image may have anything)."""
    match = re.match(r"^(?:docker\.io/)?(?:library/)?rust(?::(?P<tag>[^@]+))?(?:@.*)?$", image)
    if not match:
        return None
    tag = match["tag"] or "latest"
    if "alpine" in tag:
        return None
    if "slim" in tag:
        return SLIM_BUILDER_PROGRAMS
    return SLIM_BUILDER_PROGRAMS | _FULL_RUST_EXTRAS
