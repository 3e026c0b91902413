"""Benchmark: hadolint alone vs ``rsdock lint`` vs ``rsdock lint --no-hadolint``.

Two repositories: the bundled example workspace with the files ``rsdock init --yes`` generates,
and a generated monorepo (500 Dockerfiles, 200 workflows, copies of the example's files). Each
command runs several times in this one process after a warm-up, the three taking turns; the
medians and the ratios to hadolint alone are printed (and, with ``--json``, written as JSON).

Usage: ``.venv/bin/python benchmarks/bench_lint.py [--runs N] [--json FILE]``

Targets: ``rsdock lint`` at most 1.2x hadolint alone on the example, 1.1x on the monorepo, and
``--no-hadolint`` at most 0.75x hadolint alone.
"""

from __future__ import annotations

import argparse
import io
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import redirect_stdout
from pathlib import Path

from rsdock.lint.engine import discover, hadolint, report
from rsdock.lint.engine.settings import load_config
from rsdock.lint.engine.runner import lint_paths
from rsdock.resources import example_workspace

MONOREPO_DOCKERFILES = 500
MONOREPO_WORKFLOWS = 200
TARGETS = {"example": 1.2, "monorepo": 1.1, "no_hadolint": 0.75}


def generate_example(dest: Path) -> Path:
    """Copy the example workspace into ``dest`` and run ``rsdock init --yes`` in it."""
    shutil.copytree(example_workspace(), dest)
    subprocess.run([sys.executable, "-m", "rsdock", "init", "--yes", str(dest)], check=True,
                   stdout=subprocess.DEVNULL)
    return dest


def generate_monorepo(example: Path, dest: Path) -> Path:
    """A repository of copies of the example's Dockerfiles and workflow, in service folders."""
    shutil.copytree(example, dest, ignore=shutil.ignore_patterns(".github", "Dockerfile*"))
    dockerfiles = sorted(example.glob("Dockerfile*"))
    workflow = next((example / ".github" / "workflows").glob("*.y*ml")).read_text()
    for index in range(MONOREPO_DOCKERFILES):
        source = dockerfiles[index % len(dockerfiles)]
        target = dest / "services" / f"svc{index:03d}" / source.name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(source.read_text())
    flows = dest / ".github" / "workflows"
    flows.mkdir(parents=True)
    for index in range(MONOREPO_WORKFLOWS):
        (flows / f"svc{index:03d}.yml").write_text(workflow)
    return dest


def hadolint_alone(root: Path) -> None:
    """What a team runs today: hadolint on every Dockerfile, JSON out."""
    files = [p for p in discover.walk(root) if discover.kind_of(p) == "dockerfile"]
    subprocess.run([hadolint.find_executable(), "-f", "json", "--no-fail", *files], cwd=root,
                   stdout=subprocess.DEVNULL, check=True)


def rsdock_lint(root: Path, use_hadolint: bool) -> None:
    """``rsdock lint`` as the CLI runs it: discover, configure, lint, render."""
    root, targets = discover.resolve_targets([], cwd=root)
    config = load_config(root).merged(hadolint=use_hadolint)
    result = lint_paths(targets, root, config)
    with redirect_stdout(io.StringIO()):
        print(report.render_text(result))


def measure(root: Path, runs: int) -> dict:
    """Medians and ratios for one repository.

    The three commands take turns within each round, so a burst of load from elsewhere on the
    machine slows all of them rather than skewing one ratio.
    """
    actions = {
        "hadolint_s": lambda: hadolint_alone(root),
        "rsdock_s": lambda: rsdock_lint(root, True),
        "rsdock_no_hadolint_s": lambda: rsdock_lint(root, False),
    }
    times: dict[str, list[float]] = {name: [] for name in actions}
    for action in actions.values():  # warm-up: imports, caches, the file system
        action()
    for _ in range(runs):
        for name, action in actions.items():
            start = time.perf_counter()
            action()
            times[name].append(time.perf_counter() - start)
    medians = {name: statistics.median(values) for name, values in times.items()}
    base = medians["hadolint_s"]
    return {**{k: round(v, 4) for k, v in medians.items()},
            "ratio": round(medians["rsdock_s"] / base, 2),
            "ratio_no_hadolint": round(medians["rsdock_no_hadolint_s"] / base, 2)}


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="rounds on the example (default 15)")
    parser.add_argument("--json", metavar="FILE")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="rsdock-bench-") as tmp:
        example = generate_example(Path(tmp) / "example")
        monorepo = generate_monorepo(example, Path(tmp) / "monorepo")
        results = {"example": measure(example, args.runs),
                   "monorepo": measure(monorepo, max(3, args.runs // 5))}
    print("| repository | hadolint alone | rsdock lint | ratio | --no-hadolint | ratio |")
    print("|---|---|---|---|---|---|")
    for name, row in results.items():
        print(f"| {name} | {row['hadolint_s']:.3f} s | {row['rsdock_s']:.3f} s | "
              f"{row['ratio']}x (target {TARGETS[name]}x) | {row['rsdock_no_hadolint_s']:.3f} s | "
              f"{row['ratio_no_hadolint']}x (target {TARGETS['no_hadolint']}x) |")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
