"""Benchmark whole processes (start-up and imports included), as a user runs them.

Usage: ``.venv/bin/python benchmarks/bench_process.py [--runs N] [--tree DIR]``

Measures, medians of ``--runs`` rounds in which the commands take turns:
- the bundled example after ``rsdock init --yes``: hadolint alone on its Dockerfiles,
  ``rsdock lint`` (hadolint included) and ``rsdock lint --no-hadolint``;
- a 16,000-line Dockerfile (a builder and 4,000 RUN/ENV/WORKDIR/COPY lines): ``rsdock lint
  --no-hadolint``;
- ``--tree DIR`` (e.g. vector, 13,459 files and 46 workflows): ``rsdock lint --no-hadolint``.

Targets (issue #11): example ``--no-hadolint`` <= 0.75x hadolint alone, with hadolint <= 1.2x;
the 13,000-file tree and the 16k-line Dockerfile under 1 s without hadolint.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rsdock.lint.engine import discover, hadolint
from rsdock.resources import example_workspace

RSDOCK = [sys.executable, "-m", "rsdock"]


def timed(argv: list[str], cwd: Path) -> tuple[float, float]:
    """Wall time and CPU time (user + system of the process and its children) of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def long_dockerfile(dest: Path, lines: int = 16_000) -> Path:
    dest.mkdir(parents=True)
    body = ["FROM --platform=$BUILDPLATFORM rust:1.95-slim-bookworm AS builder", "ARG TARGETARCH"]
    index = 0
    while len(body) < lines - 3:
        body += [f"ENV STEP_{index % 20}=value{index}", f"WORKDIR /src/part{index % 50}",
                 f"COPY part{index}.txt ./", f"RUN echo \"$STEP_{index % 20}\" > out{index}.txt"]
        index += 1
    body += ["FROM debian:bookworm-slim", "COPY --from=builder /src/part0 /usr/local/bin/app",
             'ENTRYPOINT ["/usr/bin/tini", "--", "/usr/local/bin/app"]']
    (dest / "Dockerfile").write_text("\n".join(body) + "\n")
    (dest / ".dockerignore").write_text("target/\n.git\n")
    return dest


def rounds(commands: dict[str, tuple[list[str], Path]],
           runs: int) -> dict[str, tuple[float, float]]:
    """Median (wall, CPU) per command; the commands take turns in each round."""
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    for argv, cwd in commands.values():  # warm-up: the file system cache, .pyc files
        timed(argv, cwd)
    for _ in range(runs):
        for name, (argv, cwd) in commands.items():
            times[name].append(timed(argv, cwd))
    return {name: (statistics.median(w for w, _c in values),
                   statistics.median(c for _w, c in values))
            for name, values in times.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--tree", type=Path, help="a large repository to lint (e.g. vector)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="rsdock-bench-") as tmp:
        example = Path(tmp) / "example"
        shutil.copytree(example_workspace(), example)
        subprocess.run([*RSDOCK, "init", "--yes", str(example)], check=True,
                       stdout=subprocess.DEVNULL)
        dockerfiles = [p for p in discover.walk(example) if discover.kind_of(p) == "dockerfile"]
        big = long_dockerfile(Path(tmp) / "long")
        commands = {
            "hadolint alone (example)": ([hadolint.find_executable(), "-f", "json",
                                          "--no-fail", *dockerfiles], example),
            "rsdock lint (example)": ([*RSDOCK, "lint"], example),
            "rsdock lint --no-hadolint (example)": ([*RSDOCK, "lint", "--no-hadolint"], example),
            "rsdock lint --no-hadolint (16k-line Dockerfile)": (
                [*RSDOCK, "lint", "--no-hadolint", "Dockerfile"], big),
        }
        if args.tree:
            commands[f"rsdock lint --no-hadolint ({args.tree.name})"] = (
                [*RSDOCK, "lint", "--no-hadolint"], args.tree.resolve())
        medians = rounds(commands, args.runs)
    base_wall, base_cpu = medians["hadolint alone (example)"]
    print("| command | wall (median) | vs hadolint | CPU (median) | vs hadolint |")
    print("|---|---|---|---|---|")
    for name, (wall, cpu) in medians.items():
        example = "(example)" in name
        print(f"| {name} | {wall:.3f} s | {f'{wall / base_wall:.2f}x' if example else ''} | "
              f"{cpu:.3f} s | {f'{cpu / base_cpu:.2f}x' if example else ''} |")
    print(f"\nload average: {os.getloadavg()[0]:.1f} (2 cores)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
