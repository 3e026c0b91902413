"""Hostile-size inputs: how fast rsdock refuses them, and with how much memory.

Generates each input in a temporary directory, runs the command once as a subprocess under
GNU ``/usr/bin/time`` (for the peak resident memory), and prints the wall time, the peak memory
and the first line of the output::

    .venv/bin/python benchmarks/bench_limits.py

Targets (issue #12): each refusal within 2 s and 100 MB, naming the real cause.
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


CASES = {"100,000-line workflow": _workflow, "51 MB Dockerfile (hadolint on)": _big_dockerfile,
         "10,000 workspace members": _members, "TOML nested 5,000 deep": _deep_toml}


def main() -> int:
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
