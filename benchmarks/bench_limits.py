"""Hostile-size inputs: how fast rsdock refuses them, and with how much memory.

Generates each input in a temporary directory, runs the command once as a subprocess under
GNU ``/usr/bin/time`` (for the peak resident memory), and prints the wall time, the peak memory
and the first line of the output::

    .venv/bin/python benchmarks/bench_limits.py

Targets (issue #12): each refusal within 2 s and 100 MB, naming the real cause.

Issue #27 adds :data:`HOSTILE`: for each format rsdock reads, a 10 MB file of one long flat
shape, one 10 MB file nested as deep as it goes, and a flat file just under that format's own
limit (the costliest input rsdock still reads). ``rsdock lint --no-hadolint`` must finish each
workspace within 10 s without a crash (tests/test_limits.py runs them)::

    .venv/bin/python benchmarks/bench_limits.py --hostile
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _workflow(root: Path) -> list[str]:
    workflows = root / ".github" / "workflows"
    workflows.mkdir(parents=True)
    steps = "".join(f"      - run: echo {i}\n" for i in range(100_000))
    (workflows / "ci.yml").write_text("on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n"
                                      "    steps:\n" + steps)
    return ["lint", str(root), "--no-hadolint"]


def _big_dockerfile(root: Path) -> list[str]:
    (root / "Dockerfile").write_bytes(b"RUN echo padding\n" * 3_000_000)  # 51 MB
    return ["lint", str(root)]  # hadolint included: it must not be started on this file


def _members(root: Path) -> list[str]:
    (root / "Cargo.toml").write_text('[workspace]\nmembers = ["crates/*"]\n')
    for i in range(10_000):
        crate = root / "crates" / f"c{i}"
        crate.mkdir(parents=True)
        (crate / "Cargo.toml").write_text(f'[package]\nname = "c{i}"\nversion = "0.1.0"\n')
    return ["init", str(root), "--yes", "--dry-run"]


def _deep_toml(root: Path) -> list[str]:
    (root / "Cargo.toml").write_text('[package]\nname = "x"\nversion = "0.1.0"\n'
                                     "deep = " + "[" * 5000 + "]" * 5000 + "\n")
    return ["init", str(root), "--yes", "--dry-run"]


MB = 10_000_000


def _fill(unit: str, size: int) -> str:
    return unit * max(size // len(unit), 1)


def _nest(head: str, size: int, opening: str = "[", closing: str = "]") -> str:
    half = max((size - len(head)) // 2 - 2, 1)
    return head + opening * half + closing * half + "\n"


# Each format: its path, then (10 MB flat, 10 MB deep, flat just under rsdock's limit for it).
HOSTILE_FORMATS = {
    "Dockerfile": (
        lambda n: "FROM rust:1.86\n" + _fill("RUN echo padding\n", n),
        lambda n: _nest("FROM rust:1.86\nRUN ", n // 2, "( ", " )"),
        lambda n: "FROM rust:1.86\n" + _fill("RUN echo padding\n", 17 * 19_900)),
    ".github/workflows/ci.yml": (
        lambda n: "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n" + _fill(
            "      - run: echo padding\n", n),
        lambda n: _nest("on: push\njobs:\n  a: ", n),
        lambda n: "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n" + _fill(
            "      - run: echo " + "x" * 30 + "\n", 990_000)),
    ".dockerignore": (
        lambda n: _fill("dir/file-name.txt\n", n),
        lambda n: _fill("*a", n - 3) + "*b\n",
        lambda n: "".join(f"dir{i}/*.tmp{i}\n" for i in range(4_900_000 // 24))),
    "Cargo.toml": (
        lambda n: '[package]\nname = "x"\nversion = "0.1.0"\n[dependencies]\n' + "".join(
            f'dep{i} = "1"\n' for i in range(n // 15)),
        lambda n: _nest('[package]\nname = "x"\nversion = "0.1.0"\ndeep = ', n),
        lambda n: '[package]\nname = "x"\nversion = "0.1.0"\n[metadata]\n'
        + _fill('k = ["v", "w"]\n', 1_900_000).replace("k =", "k0 =", 1)),
    "Cargo.lock": (
        lambda n: "version = 3\n" + "".join(f'[[package]]\nname = "c{i}"\nversion = "0.1.0"\n\n'
                                            for i in range(n // 42)),
        lambda n: _nest("version = 3\ndeep = ", n),
        lambda n: "version = 3\n" + "".join(f'[[package]]\nname = "c{i}"\nversion = "0.1.0"\n\n'
                                            for i in range(3_900_000 // 48))),
    "rust-toolchain.toml": (
        lambda n: '[toolchain]\nchannel = "1.86.0"\n' + _fill('k = "v"\n', n),
        lambda n: _nest('[toolchain]\nchannel = "1.86.0"\ndeep = ', n),
        lambda n: '[toolchain]\nchannel = "1.86.0"\nx = [' + _fill('"v", ', 1_900_000) + "]\n"),
    ".cargo/config.toml": (
        lambda n: "[env]\n" + "".join(f'K{i} = "v"\n' for i in range(n // 14)),
        lambda n: _nest("[env]\nDEEP = ", n),
        lambda n: '[env]\nK = [' + _fill('"v", ', 1_900_000) + "]\n"),
    "rsdock.toml": (
        lambda n: "[lint]\n" + _fill("# a comment line\n", n),
        lambda n: _nest("[lint]\ndeep = ", n),
        lambda n: "[lint]\n" + _fill("# a comment line\n", 1_900_000)),
}
SHAPES = ("10 MB flat", "10 MB deep", "flat, under the limit")


def hostile_workspace(root: Path, shape: str, formats: tuple[str, ...] = ()) -> None:
    """The example workspace at ``root`` with ``formats`` (default: every format rsdock reads
    but ``rsdock.toml``, whose refusal stops a lint before the others are read) in ``shape``
    (one of :data:`SHAPES`)."""
    import shutil

    from rsdock.resources import example_workspace

    shutil.copytree(example_workspace(), root, ignore=shutil.ignore_patterns("target"))
    index = SHAPES.index(shape)
    (root / "Dockerfile").write_text("FROM rust:1.86 AS build\nCOPY . .\nRUN cargo build\n")
    for rel in formats or [f for f in HOSTILE_FORMATS if f != "rsdock.toml"]:
        makers = HOSTILE_FORMATS[rel]
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(makers[index](MB))


CASES = {"100,000-line workflow": _workflow, "51 MB Dockerfile (hadolint on)": _big_dockerfile,
         "10,000 workspace members": _members, "TOML nested 5,000 deep": _deep_toml}


def hostile() -> int:
    """Lint each :data:`SHAPES` workspace once: wall time, peak memory, findings by rule."""
    import json
    from collections import Counter

    print("| workspace | wall | peak RSS | exit | findings |\n|---|---|---|---|---|")
    for shape, formats in [(s, f) for s in SHAPES for f in ((), ("rsdock.toml",))]:
        with tempfile.TemporaryDirectory(prefix="rsdock-hostile-") as tmp:
            root = Path(tmp) / "ws"
            hostile_workspace(root, shape, formats)
            shape = f"{shape}{', rsdock.toml only' if formats else ''}"
            report = Path(tmp) / "time.txt"
            started = time.monotonic()
            done = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", str(report), sys.executable,
                                   "-m", "rsdock", "lint", str(root), "--no-hadolint", "--format",
                                   "json"], capture_output=True, text=True)
            wall = time.monotonic() - started
            peak_kb = int(report.read_text().split()[-1])
            rules = Counter(f["rule"] for f in json.loads(done.stdout or "{}").get("findings", []))
            print(f"| {shape} | {wall:.2f} s | {peak_kb / 1024:.0f} MB | {done.returncode} | "
                  f"{', '.join(f'{r} x{n}' for r, n in sorted(rules.items()))} |")
    return 0


def main() -> int:
    if "--hostile" in sys.argv:
        return hostile()
    print("| input | wall | peak RSS | first line of the output |\n|---|---|---|---|")
    for name, make in CASES.items():
        with tempfile.TemporaryDirectory(prefix="rsdock-limits-") as tmp:
            argv = make(Path(tmp))
            report = Path(tmp) / "time.txt"
            started = time.monotonic()
            done = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", str(report), sys.executable,
                                   "-m", "rsdock", *argv], capture_output=True, text=True)
            wall = time.monotonic() - started
            peak_kb = int(report.read_text().split()[-1])
            first = (done.stdout + done.stderr).strip().splitlines()[0].replace(tmp, "…")
            print(f"| {name} | {wall:.2f} s | {peak_kb / 1024:.0f} MB | "
                  f"`{first[:110]}` (exit {done.returncode}) |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
