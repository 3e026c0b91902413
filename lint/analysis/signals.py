"""What a workspace binary does with the stop signal, read from its sources.

``docker stop`` sends the image's ``STOPSIGNAL`` (SIGTERM unless set) to PID 1, then SIGKILL
after ten seconds. The kernel gives PID 1 no default action for it: a program that installs no
handler ignores it. A program that handles the signal itself and starts no child processes
needs no init as PID 1 (an init would only forward the signal and reap zombies it never makes).

The evidence is read from the Rust sources of the package that builds the binary and of the
workspace path dependencies it uses (``src/`` and the like; not tests, benches or examples):

- a handler for the signal: tokio's ``SignalKind::terminate()`` (``interrupt()`` or
  ``ctrl_c()`` when the image stops with SIGINT), ``signal-hook`` or ``nix``/``libc`` naming
  ``SIGTERM``, the ``ctrlc`` crate's ``termination`` feature;
- actix-web's ``HttpServer``, which stops gracefully on SIGTERM, SIGINT and SIGQUIT unless
  ``disable_signals()`` is called (actix-server's documented default);
- a Rocket 0.5 server (``#[launch]``, ``rocket::build()``), whose ``Shutdown`` configuration
  stops gracefully on SIGTERM and SIGINT by default on Unix;
- child processes: a ``process::Command`` that is ``spawn``ed, in the binary's own package
  (``output()`` and ``status()`` wait for the child and reap it; build scripts, other binaries'
  sources and dependencies are left out).

Limits, on purpose: a handler inside a dependency that is not a workspace member (a framework
other than actix-web) is not seen; a handler that is written but never reached, or that does not
stop the program, counts as handling; a child started by a dependency crate, or a grandchild a
waited-for child leaves behind, is not seen; a binary that is not a workspace member (a tool
installed from crates.io, a program copied from elsewhere) has no evidence, so the rule keeps
reporting.
"""

from __future__ import annotations

import re
from pathlib import Path

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


def stop_handling(ctx: Context, binary: str, stop_signal: str = "SIGTERM") -> StopHandling | None:
    """What the workspace sources of ``binary`` do with ``stop_signal`` (``SIGTERM``,
    ``SIGINT``...), or None when ``binary`` is not a binary of the workspace."""
    workspace = ctx.workspace
    if workspace is None:
        return None
    package = workspace.package_of(binary)
    if package is None:
        return None
    key = f"signals:{package.name}:{stop_signal}"
    if key not in ctx.memo:
        ctx.memo[key] = _read(ctx, package, binary, _signal_name(stop_signal))
    found: StopHandling = ctx.memo[key]
    return found


def _signal_name(value: str) -> str:
    """``SIGTERM`` for ``SIGTERM``, ``TERM``, ``15``."""
    text = value.strip().upper()
    return {"15": "SIGTERM", "2": "SIGINT", "3": "SIGQUIT"}.get(text, text if
                                                                  text.startswith("SIG")
                                                                  else "SIG" + text)


def _read(ctx: Context, package: object, binary: str, stop_signal: str) -> StopHandling:
    root = Path(ctx.root)
    handles = children = ""
    budget = _MAX_SOURCE_BYTES
    sources = shared(ctx)  # the build-needs scan has usually read these files already
    for path, is_own in _source_files(ctx, package, binary):
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
        if not handles and _handles(text, stop_signal):
            handles = rel
        if is_own and not children and _PROCESS_RE.search(text) and \
                _COMMAND_NEW_RE.search(text) and _SPAWN_RE.search(text):
            children = rel
        if handles and children:
            break
    return StopHandling(binary, handles, children)


def _handles(text: str, stop_signal: str) -> bool:
    if _ACTIX_RE.search(text) and not _ACTIX_OFF_RE.search(text) and \
            stop_signal in ("SIGTERM", "SIGINT", "SIGQUIT"):
        return True
    if _ROCKET_RE.search(text) and stop_signal in ("SIGTERM", "SIGINT"):
        return True
    if stop_signal == "SIGTERM":
        return _TERM_RE.search(text)
    if stop_signal == "SIGINT":
        return _INT_RE.search(text)
    return re.search(rf"\b{stop_signal}\b", text) is not None


def _source_files(ctx: Context, package: object, binary: str) -> list[tuple[Path, bool]]:
    """The ``.rs`` files of ``package`` and of the member packages it uses (transitively),
    each with whether it is the package's own; build scripts and the sources of other binaries
    (``src/bin/``, a dependency's ``src/main.rs``) are left out."""
    workspace = ctx.workspace
    assert workspace is not None
    root = Path(ctx.root)
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
    files: list[tuple[Path, bool]] = []
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
                if (inner.startswith("src/bin/") or inner == "src/main.rs") and rel not in mine:
                    continue
                files.append((here / name, own))
    return files
