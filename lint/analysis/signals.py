"""What a workspace binary does with the stop signal, read from its sources.

``docker stop`` sends the image's ``STOPSIGNAL`` (SIGTERM unless set) to PID 1, then SIGKILL
after ten seconds. The kernel gives PID 1 no default action for it: a program that installs no
handler ignores it. A program that handles the signal itself and starts no child processes
needs no init as PID 1 (an init would only forward the signal and reap zombies it never makes).

The evidence is read from the Rust sources of the package that builds the binary and of the
workspace path dependencies it uses (``src/`` and the like; not tests, benches or examples), in
the cargo workspace the image is built from (a monorepo keeps its workspaces in sub-folders,
with no ``Cargo.toml`` at the repository root). A handler counts when the binary's own main file
holds it or calls, by name through the package's functions (or by the name a ``use ... as``
gives one), one whose body holds it: a library's actix ``main`` serves the server binary that
calls it, not the workers of ``src/bin/`` beside it:

- a handler for the signal: tokio's ``SignalKind::terminate()`` (``interrupt()`` or
  ``ctrl_c()`` when the image stops with SIGINT), ``signal-hook`` or ``nix``/``libc`` naming
  ``SIGTERM``, the ``ctrlc`` crate's ``termination`` feature;
- actix-web's ``HttpServer``, which stops gracefully on SIGTERM, SIGINT and SIGQUIT unless
  ``disable_signals()`` is called (actix-server's documented default);
- a Rocket 0.5 server (``#[launch]``, ``rocket::build()``), whose ``Shutdown`` configuration
  stops gracefully on SIGTERM and SIGINT by default on Unix;
- a pingora server (``Server::run_forever()`` in a file that names pingora), which stops on
  SIGTERM (graceful), SIGINT (fast) and SIGQUIT (upgrade);
- child processes: a ``process::Command`` that is ``spawn``ed, in the binary's own package
  (``output()`` and ``status()`` wait for the child and reap it; build scripts, other binaries'
  sources, their ``[[bin]] path`` main files included, and dependencies are left out), reached
  from the binary's main file as a handler is; a method (``self`` receiver) is reached only
  from a file that names its ``impl`` type (linera-server's ``.build()`` on a builder does not
  call ``Project::build``, which runs cargo for the CLI).

Limits, on purpose: a handler inside a dependency that is not a workspace member (a framework
other than actix-web) is not seen; calls are matched by function name (a method of the same
name elsewhere counts), and a handler that is reached but does not stop the program counts as
handling; a child started by a dependency crate, or a grandchild a
waited-for child leaves behind, is not seen; a binary that is not a workspace member (a tool
installed from crates.io, a program copied from elsewhere) has no evidence, so the rule keeps
reporting.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Callable, Iterable

from rsdock.lint.model.cargo import Workspace
from rsdock.lint.model.context import Context
from rsdock.lint.model.rust_source import shared
from rsdock.records import record

_MAX_SOURCE_BYTES = 30_000_000
_SKIPPED = frozenset({"tests", "benches", "examples", "target", "fuzz", ".git"})

class _Search:
    """A regular expression and literals of which every match holds one, tried first.

    Python's ``re`` has no fast scan for a pattern that starts with ``\\b`` or an alternation:
    each of these took 0.6-1.5 s over vector's 14 MB of sources, where ``in`` takes 10 ms, and
    most files hold none of the literals (a file that holds one is searched as before).
    """

    def __init__(self, pattern: str, *literals: str):
        self.regex = re.compile(pattern)
        self.literals = literals

    def search(self, text: str) -> bool:
        return any(w in text for w in self.literals) and self.regex.search(text) is not None


_TERM_RE = _Search(r"SignalKind::terminate\s*\(|\bSIGTERM\b|TERM_SIGNALS",
                   "SignalKind::terminate", "SIGTERM", "TERM_SIGNALS")
_INT_RE = _Search(r"SignalKind::interrupt\s*\(|\bctrl_c\s*\(|\bSIGINT\b",
                  "SignalKind::interrupt", "ctrl_c", "SIGINT")
_ACTIX_RE = _Search(r"\bHttpServer::new\s*\(", "HttpServer::new")
_ACTIX_OFF_RE = _Search(r"\.disable_signals\s*\(", ".disable_signals")
# Rocket 0.5's launch (`#[launch]`, `rocket::build()`; 0.4 had `rocket::ignite()` and no signal
# handling): its Shutdown config stops gracefully on SIGTERM and SIGINT by default on Unix.
_ROCKET_RE = _Search(r"#\s*\[\s*(?:rocket\s*::\s*)?launch\s*\]|\brocket::build\s*\(",
                     "launch", "rocket::build")
_PROCESS_RE = _Search(r"\bprocess::(?:Command\b|\{[^}]*\bCommand\b)", "process::")
_COMMAND_NEW_RE = _Search(r"\bCommand::new\s*\(", "Command::new")
_SPAWN_RE = _Search(r"\.spawn\s*\(", ".spawn")
# pingora's Server::run_forever waits for SIGTERM (graceful terminate), SIGINT (fast shutdown)
# and SIGQUIT (graceful upgrade): pingora-core src/server/mod.rs, main_loop.
_PINGORA_RE = _Search(r"\.run_forever\s*\(\s*\)", ".run_forever")


@record(frozen=True)
class StopHandling:
    """What the sources say about one binary.

    Attributes:
        binary: the binary's name.
        handles: where the stop signal is handled (a file, relative to the repository), "" for
            nowhere found.
        children: where it starts child processes, "" for nowhere found.
    """

    binary: str
    handles: str
    children: str


def stop_handling(ctx: Context, binary: str, stop_signal: str = "SIGTERM",
                  workspaces: Iterable[Workspace | None] = ()) -> StopHandling | None:
    """What the workspace sources of ``binary`` do with ``stop_signal`` (``SIGTERM``,
    ``SIGINT``...), or None when ``binary`` is not a binary of any workspace asked.

    ``workspaces`` are the cargo workspaces the image is built from (a monorepo keeps them in
    sub-folders, with no ``Cargo.toml`` at the repository root), tried in order before the
    repository root's."""
    for workspace in [*workspaces, ctx.workspace]:
        if workspace is None:
            continue
        package = workspace.package_of(binary)
        if package is None:
            continue
        key = f"signals:{workspace.root}:{package.name}:{binary}:{stop_signal}"
        if key not in ctx.memo:
            ctx.memo[key] = _read(ctx, workspace, package, binary, _signal_name(stop_signal))
        found: StopHandling = ctx.memo[key]
        return found
    return None


def _signal_name(value: str) -> str:
    """``SIGTERM`` for ``SIGTERM``, ``TERM``, ``15``."""
    text = value.strip().upper()
    return {"15": "SIGTERM", "2": "SIGINT", "3": "SIGQUIT"}.get(text, text if
                                                                  text.startswith("SIG")
                                                                  else "SIG" + text)


def _read(ctx: Context, workspace: Workspace, package: object, binary: str,
          stop_signal: str) -> StopHandling:
    root = Path(ctx.root)
    spawning: set[str] = set()  # the package's own files that start child processes
    budget = _MAX_SOURCE_BYTES
    sources = shared(ctx)  # the build-needs scan has usually read these files already
    texts: list[tuple[str, str, bool]] = []  # (path shown, text, the binary's own main file)
    for path, is_own, is_main in _source_files(ctx, workspace, package, binary):
        size = sources.size(path)
        if size is None:
            continue
        if size > budget:
            break
        budget -= size
        text = sources.text(path)
        if text is None:
            continue
        rel = path.relative_to(root).as_posix()
        texts.append((rel, text, is_main))
        if is_own and _spawns_children(text):
            spawning.add(rel)
    children = _reached(texts, lambda rel, text: rel in spawning,
                        lambda body: _SPAWN_RE.search(body), typed=True) if spawning else ""
    return StopHandling(binary, _reached_handler(texts, stop_signal), children)


def _spawns_children(text: str) -> bool:
    """Whether a file starts child processes: ``process::Command::new(...)...spawn()``."""
    return bool(_PROCESS_RE.search(text) and _COMMAND_NEW_RE.search(text)
                and _SPAWN_RE.search(text))


_FN_RE = re.compile(r"\bfn\s+([A-Za-z_]\w*)")
# a function re-exported under another name: `use path::name as alias;` (a `{...}` list too)

_BRACE_RE = re.compile(r"[{}]")


def _reached_handler(texts: list[tuple[str, str, bool]], stop_signal: str) -> str:
    """The file of a stop-signal handler the binary reaches, or "".

    A package's library often serves several binaries (an actix server's ``main`` in
    ``lib.rs`` and workers in ``src/bin/``): a handler counts for a binary when its own main
    file holds it, or calls (by name, through any chain of the package's functions) a
    function whose body holds it; a handler outside any function body (Rocket's
    ``#[launch]``) counts as reached. Without the binary's own file at hand, any handler
    counts."""
    return _reached(texts, lambda _rel, text: _handler_at(text, stop_signal),
                    lambda body: _handler_at(body, stop_signal),
                    lambda rest: _ROCKET_RE.search(rest) and _handler_at(rest, stop_signal))


def _reached(texts: list[tuple[str, str, bool]], file_holds: Callable[[str, str], object],
             body_holds: Callable[[str], object],
             outside_holds: Callable[[str], object] | None = None,
             typed: bool = False) -> str:
    """The file of something (a handler, a child process) the binary's own main file holds or
    reaches by calling, by name through any chain of the package's functions, a function whose
    body holds it (``body_holds``), in a file that holds it (``file_holds(rel, text)``); or "".
    ``outside_holds`` finds it outside any function body (Rocket's ``#[launch]``). Without the
    binary's own file at hand, any file that holds it counts. When ``typed``, a method (a
    function with a ``self`` receiver in an ``impl Type``) is only reached from a file that
    names its type: ``.build()`` on some builder does not call ``Project::build``."""
    holding = [(rel, is_main) for rel, text, is_main in texts if file_holds(rel, text)]
    if not holding:
        return ""
    if not any(is_main for _rel, _text, is_main in texts):
        return holding[0][0]
    main_holding = [rel for rel, is_main in holding if is_main]
    if main_holding:
        return main_holding[0]
    handling: dict[str, str] = {}  # function name -> the file of the handler it reaches
    owner: dict[str, str] = {}  # a method's name -> its impl's type (when ``typed``)
    # file index -> its (fn name, where it begins, body)s
    walked: dict[int, list[tuple[str, int, str]]] = {}

    def mark(name: str, begin: int, source: str, methods: dict[int, str]) -> bool:
        """Record that function ``name`` (at ``begin``) reaches ``source``; whether it is new.
        A name stays typed only while every function of that name that reaches is a method."""
        kind = methods.get(begin)
        if name not in handling:
            handling[name] = source
            if kind is not None:
                owner[name] = kind
            return True
        if kind is None:
            owner.pop(name, None)
        return False

    for index, (rel, text, _is_main) in enumerate(texts):
        if (rel, False) not in holding:
            continue  # only a file that holds a handler can seed the search
        functions = _functions(text)
        walked[index] = [(name, begin, text[begin:end]) for name, begin, end in functions]
        methods = _methods(text) if typed else {}
        for name, begin, body in walked[index]:
            if body_holds(body):
                mark(name, begin, rel, methods)
        if outside_holds is not None and any(word in text for word in _ROCKET_RE.literals):
            rest = _outside(text, functions)  # blanking adds no literal
            if outside_holds(rest):
                return rel  # Rocket's #[launch] writes the program's main itself
    aliased: set[str] = set()
    for _round in range(8):  # calls through a few layers of the package's own functions
        for target in sorted(set(handling) - aliased):
            aliased.add(target)
            for alias in _aliases(texts, target):
                handling.setdefault(alias, handling[target])
        if not handling:
            break
        names = sorted(handling)
        calls = re.compile(r"(?<!fn )\b(" + "|".join(map(re.escape, names)) +
                           r")\s*(?:::<[^>]*>)?\s*\(")
        grew = False
        for index, (_rel, text, is_main) in enumerate(texts):
            # a body can only call a name its file spells: the others need no function walk
            if index not in walked:
                if not any(name in text for name in names):
                    continue
                walked[index] = [(name, begin, text[begin:end])
                                 for name, begin, end in _functions(text)]
            methods = _methods(text) if typed else {}
            for name, begin, body in walked[index]:
                found = next((m for m in calls.finditer(body)
                              if m.group(1) not in owner or owner[m.group(1)] in text), None)
                if found is None:
                    continue
                if is_main:
                    return handling[found.group(1)]
                grew = mark(name, begin, handling[found.group(1)], methods) or grew
        if not grew:
            break
    return ""


_IMPL_RE = re.compile(r"\bimpl\b(?:\s*<[^{;]*?>)?\s+(?:[\w:<>, &']+?\s+for\s+)?"
                      r"(?:[\w]+::)*(\w+)[^{;]*\{")


def _methods(text: str) -> dict[int, str]:
    """The methods of ``text`` (functions with a ``self`` receiver inside ``impl Type {...}``),
    by where they begin, each with its type's name."""
    found: dict[int, str] = {}
    if "impl" not in text:
        return found
    functions = _functions(text)
    for impl in _IMPL_RE.finditer(text):
        begin = impl.end() - 1
        end = _closing(text, begin)
        for _name, start, stop in functions:
            if begin < start and stop <= end + 1:
                signature = text[start:text.find("{", start)]
                if re.search(r"\(\s*(?:&\s*(?:'\w+\s+)?)?(?:mut\s+)?self\b", signature):
                    found.setdefault(start, impl.group(1))
    return found


def _closing(text: str, brace: int) -> int:
    """The index of the ``}`` that closes the ``{`` at ``brace`` (the end of text if none)."""
    depth = 0
    for mark in _BRACE_RE.finditer(text, brace):
        depth += 1 if mark.group() == "{" else -1
        if depth == 0:
            return mark.start()
    return len(text) - 1


def _outside(text: str, functions: list[tuple[str, int, int]]) -> str:
    """``text`` with every function's span blanked (spaces of the same length)."""
    pieces: list[str] = []
    at = 0
    for _name, begin, end in sorted(functions, key=lambda f: f[1]):
        if end <= at:
            continue
        begin = max(begin, at)
        pieces += [text[at:begin], " " * (end - begin)]
        at = end
    pieces.append(text[at:])
    return "".join(pieces)


def _aliases(texts: list[tuple[str, str, bool]], name: str) -> list[str]:
    """The names ``use ... name as alias;`` gives the function ``name`` (forest's
    ``pub use daemon::main::main as forestd_main;``): a call by the alias reaches it. Looked
    up by the literal ``name as`` first, as most files hold none."""
    pattern = re.compile(rf"(?<!\w){re.escape(name)}\s+as\s+([A-Za-z_]\w*)\s*[;,}}]")
    found: list[str] = []
    for _rel, text, _main in texts:
        if f"{name} as " not in text:
            continue
        for match in pattern.finditer(text):
            statement = text[max(text.rfind(";", 0, match.start()), 0):match.start()]
            if re.search(r"\buse\b", statement) and match.group(1) not in found:
                found.append(match.group(1))
    return found


def _functions(text: str) -> list[tuple[str, int, int]]:
    """Each ``fn`` of ``text`` with its body's span (signature to closing brace; nested
    functions lie inside their parent's); a declaration without a body is left out."""
    closing: dict[int, int] = {}
    stack: list[int] = []
    for mark in _BRACE_RE.finditer(text):
        if mark.group() == "{":
            stack.append(mark.start())
        elif stack:
            closing[stack.pop()] = mark.start()
    found: list[tuple[str, int, int]] = []
    for match in _FN_RE.finditer(text):
        brace = text.find("{", match.end())
        semicolon = text.find(";", match.end())
        if brace < 0 or 0 <= semicolon < brace:
            continue
        found.append((match.group(1), match.start(), closing.get(brace, len(text) - 1) + 1))
    return found


def _handler_at(text: str, stop_signal: str) -> bool:
    if _ACTIX_RE.search(text) and not _ACTIX_OFF_RE.search(text) and \
            stop_signal in ("SIGTERM", "SIGINT", "SIGQUIT"):
        return True
    if _ROCKET_RE.search(text) and stop_signal in ("SIGTERM", "SIGINT"):
        return True
    if _PINGORA_RE.search(text) and "pingora" in text and \
            stop_signal in ("SIGTERM", "SIGINT", "SIGQUIT"):
        return True
    if stop_signal == "SIGTERM":
        return _TERM_RE.search(text)
    if stop_signal == "SIGINT":
        return _INT_RE.search(text)
    return re.search(rf"\b{stop_signal}\b", text) is not None


def _source_files(ctx: Context, workspace: Workspace, package: object,
                  binary: str) -> list[tuple[Path, bool, bool]]:
    """The ``.rs`` files of ``package`` and of the member packages it uses (transitively),
    each with whether it is the package's own and whether it is the binary's own main file;
    build scripts and the sources of other binaries (``src/bin/``, a dependency's
    ``src/main.rs``) are left out."""
    root = Path(ctx.root) / workspace.root  # the workspace's folder (absolute stays absolute)
    dirs: list[str] = []
    todo = [getattr(package, "dir", ".")] + list(getattr(package, "uses", ()))
    by_dir = {p.dir: p for p in workspace.members}
    while todo:
        folder = todo.pop(0)
        if folder in dirs:
            continue
        dirs.append(folder)
        member = by_dir.get(folder)
        if member is not None:
            todo += [d for d in member.uses if d not in dirs]
    mine = {t.path for t in getattr(package, "bins", ()) if t.name == binary}
    # the main files of the package's other binaries (`[[bin]] path = "src/cli/main.rs"`)
    others = {t.path for t in getattr(package, "bins", ()) if t.name != binary} - mine
    files: list[tuple[Path, bool, bool]] = []
    for folder in dirs:
        own = folder == dirs[0]
        base = root / folder
        # a root package's sources are its src/ (the rest of the root is other members)
        start = base / "src" if folder in ("", ".") else base
        for current, subdirs, names in shared(ctx).walk(start):
            subdirs[:] = sorted(d for d in subdirs if d not in _SKIPPED)
            here = Path(current)  # the folder's paths once, its files' by joining names
            rel_dir = here.relative_to(root).as_posix()
            inner_dir = here.relative_to(base).as_posix()
            for name in sorted(names):
                if not name.endswith(".rs"):
                    continue
                rel = name if rel_dir == "." else f"{rel_dir}/{name}"
                inner = name if inner_dir == "." else f"{inner_dir}/{name}"
                if inner == "build.rs":
                    continue
                if (inner.startswith("src/bin/") or inner == "src/main.rs"
                        or own and rel in others) and rel not in mine:
                    continue
                files.append((here / name, own, own and rel in mine))
    return files
