"""What a workspace's build reads and runs beyond ``Cargo.lock``, found from its files.

- **Compile inputs**: the paths ``include_str!``, ``include_bytes!`` and ``include!`` name
  (relative to the source file, or to the package with ``concat!(env!("CARGO_MANIFEST_DIR"),
  ...)``), ``sqlx::migrate!`` / ``embed_migrations!`` folders (``migrations`` by default),
  sqlx's offline data (``.sqlx/``, ``sqlx-data.json``) when the query macros are used,
  ``query_file!`` files, and the existing paths a build script names (``compile_protos``'s
  ``.proto`` files, ``rerun-if-changed`` paths, files it opens).
- **Programs the build runs**: ``Command::new("...")`` in a build script, ``protoc`` for
  rust-protobuf's protobuf-codegen (unless ``protoc-bin-vendored`` or ``protobuf-src`` is in
  the lock), a C++ compiler for ``cc::Build::cpp(true)`` in the workspace's own build scripts,
  Python for pyo3's build configuration (libpython itself is the C-crate table's pyo3-ffi).
  prost-build, tonic-build and cxx-build are the C-crate table's
  (:mod:`rsdock.lint.knowledge.ccrates`): one answer, there.
- **Git**: how the build reads the repository: a build script running ``git``, an unguarded
  ``git_version!`` or vergen with ``fail_on_error`` needs ``.git`` and git (``needs-git``);
  vergen otherwise builds without a repository (placeholder values) and the vergen 9 family
  (vergen-gitcl, -git2, -gix) takes ``VERGEN_GIT_*`` from the environment (``commit``: the
  generator passes the commit in); shadow-rs, built, git-testament and a ``git_version!`` with
  a ``fallback`` build without it (``optional``).
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

from rsdock.lint.model.cargo import Workspace
from rsdock.lint.analysis.cdeps import member_manifests
from rsdock.lint.model.cargo_features import resolve
from rsdock.lint.model.cargo_package import Package
from rsdock.lint.model.context import Context
from rsdock.lint.model.findings import Related
from rsdock.lint.model.rust_source import (IDENT, PUNCT, STR, SourceFiles, Token, mask,
                                          shared, tokens)
from rsdock.records import record

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
    ``package`` that provides it ("" when unknown), and why, at ``source``:``line``."""

    name: str
    package: str
    reason: str
    source: str
    line: int = 0


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
    for package in ws.members:
        crates = _crates(ws, package.name)
        files = _rust_files(root, package.dir, member_dirs, sources)
        query_at: tuple[str, int] | None = None
        for rel in files:
            query_at = _scan_source(root, rel, package.dir, git, inputs, sources) or query_at
        if query_at:
            _sqlx_offline(root, package, query_at, inputs, unmet)
        script = _build_script(ws, package)
        if script:
            _scan_build_script(root, package, script, crates, programs, git, inputs,
                               _vergen8(ws), guards, probes)
        _crate_needs(package, crates, script, programs, git, unmet)
    return Needs(inputs=_unique(inputs, lambda i: (i.path, i.how)),
                 programs=_unique(programs, lambda p: p.name),
                 git=_git_mode(git), git_reason=_git_reason(git),
                 git_unless=tuple(guards.get(r, ()) for m, r in git if m == "needs-git"),
                 steps=tuple(project_steps(root)), unmet=tuple(dict.fromkeys(unmet)),
                 pkg_config=_unique(probes, lambda p: (p[0], p[1])))


def _unique(items: Iterable[Any], key: Any) -> tuple[Any, ...]:
    seen: dict[Any, Any] = {}
    for item in items:
        seen.setdefault(key(item), item)
    return tuple(seen.values())


def _crates(ws: Workspace, package: str) -> dict[str, tuple[str, ...]]:
    """``{crate: path}`` for every crate the package's Linux build compiles (build-dependencies
    included), from Cargo.lock; empty without one."""
    if ws.lock is None or not any(ws.lock.named(name) for name in _TRIGGERS):
        return {}  # nothing the scan reports can be reached: no feature resolution needed
    return resolve(ws.lock, package, members=member_manifests(ws))


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


def _sqlx_offline(root: Path, package: Package, at: tuple[str, int], inputs: list[Input],
                  unmet: list[str]) -> None:
    """sqlx's query macros read ``.sqlx/`` (the package's or the workspace's) or, before 0.7,
    ``sqlx-data.json``; without either they connect to ``DATABASE_URL`` while compiling."""
    candidates = [posixpath.normpath(posixpath.join(package.dir, ".sqlx")), ".sqlx",
                  posixpath.normpath(posixpath.join(package.dir, "sqlx-data.json")),
                  "sqlx-data.json"]
    found = [c for c in dict.fromkeys(candidates) if (root / c).exists()]
    for path in found:
        inputs.append(Input(path, at[0], at[1], "sqlx offline data"))
    if not found:
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
    for i, tok in enumerate(toks):
        name_read = _env_read(toks, i)
        if name_read and name_read not in read_env:
            read_env.append(name_read)
        if tok.kind == STR:
            _build_script_path(root, package, script, tok, inputs)
        if tok.kind == IDENT and tok.value == "Command" and _is_new_call(toks, i):
            program = toks[i + 5].value
            name = posixpath.basename(program)
            reason = f"{script}:{tok.line} runs {name}"
            programs.append(Program(name, PROGRAM_PACKAGES.get(name, ""), reason, script,
                                    tok.line))
            if name == "git":
                reads, tolerant = _git_call(toks, i)
                if not reads:
                    pass  # `git clone URL`, or git run in another folder: not this repository
                elif tolerant:
                    git.append(("optional", f"{reason}, and builds when git fails"))
                else:
                    git.append(("needs-git", reason))
                    if guards is not None and read_env:
                        guards[reason] = tuple(read_env)
        if probes is not None and tok.kind == IDENT and tok.value in _PKG_CONFIG_PROBES \
                and i + 2 < len(toks) and toks[i - 1].value in (".", "::") \
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
                                    script, tok.line))
        if tok.kind == IDENT and tok.value == "cpp" and i + 3 < len(toks) and \
                toks[i - 1].value == "." and toks[i + 2].value == "true":
            programs.append(Program("c++", "g++", f"{script}:{tok.line} compiles C++ "
                                    "(cc::Build::cpp(true))", script, tok.line))
    idents = {t.value for t in toks if t.kind == IDENT}
    for crate in VERGEN:
        if crate in crates and any("git" in v.lower() for v in idents):
            if "fail_on_error" in idents:  # no placeholder values: the build fails without git
                git.append(("needs-git", f"{script} reads git through {crate} with "
                            "fail_on_error"))
            elif crate == "vergen" and vergen8:  # no environment overrides before vergen 9
                git.append(("optional", f"{script} reads git through vergen 8, which emits "
                            "placeholders without it"))
            else:
                git.append(("commit", f"{script} reads the commit through {crate}"))
            break


# pkg-config's lookups: `pkg_config::probe_library("x")`, `Config::new().probe("x")`.
_PKG_CONFIG_PROBES = frozenset({"probe", "probe_library"})
_MODULE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.+-]*$")


def _string_value(literal: str) -> str:
    """A string token's text when it can name a pkg-config module (``fuse3``), else ""."""
    return literal if _MODULE_RE.match(literal) else ""


# Variables cargo sets for every build script: reading one guards nothing.
_CARGO_SET_ENV = frozenset({"OUT_DIR", "TARGET", "HOST", "PROFILE", "OPT_LEVEL", "DEBUG",
                            "NUM_JOBS", "RUSTC", "RUSTDOC", "RUSTC_LINKER", "PATH", "HOME"})


def _env_read(toks: list[Token], i: int) -> str | None:
    """The variable ``toks[i]`` reads when it starts ``var("NAME")``/``var_os("NAME")`` (as in
    ``std::env::var``) or ``option_env!("NAME")``; None otherwise or for a variable cargo sets."""
    tok = toks[i]
    if tok.kind != IDENT or i + 2 >= len(toks):
        return None
    if tok.value in ("var", "var_os") and toks[i + 1].value == "(" and toks[i + 2].kind == STR:
        name = toks[i + 2].value
    elif tok.value == "option_env" and i + 3 < len(toks) and toks[i + 1].value == "!" and \
            toks[i + 2].value == "(" and toks[i + 3].kind == STR:
        name = toks[i + 3].value
    else:
        return None
    if name in _CARGO_SET_ENV or name.startswith(("CARGO_", "DEP_")):
        return None
    return name


_TOLERATES = frozenset({"ok", "unwrap_or", "unwrap_or_default", "unwrap_or_else", "is_ok",
                        "is_err"})


def _git_call(toks: list[Any], start: int) -> tuple[bool, bool]:
    """What the ``Command::new("git")`` statement at ``toks[start]`` does: whether it reads the
    workspace's repository (not ``git clone <url>``, not run with ``.current_dir(...)`` in a
    folder other than the package's), and whether the build goes on when git fails (its result is turned into
    an Option or given a default: ``.output().ok()``, ``unwrap_or_default()``)."""
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
                 unmet: list[str]) -> None:
    """Programs and git readers Cargo.lock shows the package's build reaches."""
    def via(crate: str) -> str:
        return " -> ".join(crates[crate])

    builder = next((c for c in PROTOC_BUILDERS if c in crates), None)
    if builder and not any(c in crates for c in PROTOC_VENDORED):
        programs.append(Program("protoc", "protobuf-compiler",
                                f"{via(builder)} runs protoc", script or package.manifest_path))
    cxx = next((c for c in CXX_BUILDERS if c in crates), None)
    if cxx:
        programs.append(Program("c++", "g++", f"{via(cxx)} compiles C++",
                                script or package.manifest_path))
    if "pyo3-build-config" in crates:
        # Unless PYO3_CONFIG_FILE is set (rsdock's builders write one): linking libpython is
        # the C-crate table's pyo3-ffi row.
        programs.append(Program("python3", "python3", f"{via('pyo3-build-config')} runs the "
                                "Python interpreter while building", package.manifest_path))
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
