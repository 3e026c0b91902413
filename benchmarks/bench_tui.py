"""Benchmark rsdock-tui on the bundled example workspace.

Two figures, with their targets:

- **launch**: from starting a Python process to the wizard's first interactive screen (the
  workspace scanned, the default plan made, the step page mounted), headless at 80x24;
  target < 1 s. Measured in fresh processes, so interpreter start-up and imports count.
- **step change**: from Ctrl+N (or Ctrl+P) to the next step's page processed and drawn, for
  every one of the 7 transitions forward and back, headless at 80x24, starting 1 s after the
  first screen (a user reads it first; the other pages are mounted meanwhile); target < 150 ms
  for the median of each transition. The first round, when each page is drawn for the first
  time, is reported on its own line and counted in the medians.
- **refresh**: from a changed answer (the cache backend, chosen in the Cache step) to the
  refreshed preview shown: render, diff against disk and rsdock's own rules (the worker's first
  pass); target < 100 ms. Also reported: until the second pass with hadolint is shown, and
  ``review.preview`` called directly, without the UI, with and without hadolint.

Usage: ``.venv/bin/python benchmarks/bench_tui.py [--runs N]``
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rsdock.resources import example_workspace

_LAUNCH_CHILD = """
import asyncio, sys, time
from pathlib import Path
start = float(sys.argv[1])
from rsdock.wizard.tui.app import RsdockApp
from rsdock.wizard.tui.screens.wizard_screen import WizardScreen
from rsdock.wizard.tui.widgets.step_list import StepList

async def main():
    app = RsdockApp(Path(sys.argv[2]))
    async with app.run_test(size=(80, 24)) as pilot:
        while not (isinstance(app.screen, WizardScreen) and app.screen.query(StepList)):
            await asyncio.sleep(0.001)
        print(time.time() - start, time.process_time())

asyncio.run(main())
"""


def launch_times(root: Path, runs: int) -> tuple[list[float], list[float]]:
    """Seconds from process start to the first interactive screen, ``runs`` fresh processes:
    wall-clock times, and the CPU time each process had used by then (a figure a loaded
    machine changes much less)."""
    times, cpu = [], []
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", _LAUNCH_CHILD, repr(time.time()), str(root)],
                             capture_output=True, text=True)
        if out.returncode:
            raise SystemExit(f"the launch child failed:\n{out.stderr[-2000:]}")
        wall, used = out.stdout.strip().splitlines()[-1].split()
        times.append(float(wall))
        cpu.append(float(used))
    return times, cpu


async def _refresh_times(root: Path, runs: int) -> tuple[list[float], list[float]]:
    from rsdock.wizard.tui.app import RsdockApp
    from rsdock.wizard.tui.screens.wizard_screen import WizardScreen
    from rsdock.wizard.tui.widgets.choice_list import ChoiceList

    app = RsdockApp(root)
    first: list[float] = []
    full: list[float] = []
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, WizardScreen)
        while not screen.background_started:  # the first preview starts after the first screen
            await pilot.pause(0.01)
        await app.workers.wait_for_complete()
        shown = screen.show_preview
        done = asyncio.Event()
        marks: list[float] = []

        def timed_show(result):
            shown(result)
            if result.plan == screen.plan:
                marks.append(time.perf_counter())
                if result.complete:
                    done.set()

        screen.show_preview = timed_show
        screen.go("cache")
        await pilot.pause()
        cache_list = screen.query_one("#cache", ChoiceList)
        for run in range(runs + 1):  # the first round warms up caches and imports
            value = ("registry", "gha")[run % 2]
            done.clear()
            marks.clear()
            start = time.perf_counter()
            cache_list.post_message(ChoiceList.Chosen(cache_list, value))
            await done.wait()
            await pilot.pause()
            if run:
                first.append(marks[0] - start)
                full.append(marks[-1] - start)
    return first, full


async def _step_times(root: Path, runs: int
                      ) -> tuple[dict[str, list[float]], list[float], list[float]]:
    from rsdock.wizard.generate import steps
    from rsdock.wizard.tui.app import RsdockApp
    from rsdock.wizard.tui.screens.wizard_screen import WizardScreen

    app = RsdockApp(root)
    times: dict[str, list[float]] = {}
    first: list[float] = []
    cpu: list[float] = []
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await asyncio.sleep(1.0)
        screen = app.screen
        assert isinstance(screen, WizardScreen)
        ids = steps.STEP_IDS
        for run in range(runs):
            for key, order in (("ctrl+n", ids), ("ctrl+p", ids[::-1])):
                for before, after in zip(order, order[1:]):
                    assert screen.current == before
                    start, used = time.perf_counter(), time.process_time()
                    await pilot.press(key)
                    await pilot.pause()
                    elapsed = time.perf_counter() - start
                    cpu.append(time.process_time() - used)
                    assert screen.current == after
                    times.setdefault(f"{before}->{after}", []).append(elapsed)
                    if run == 0:
                        first.append(elapsed)
                await app.workers.wait_for_complete()
    return times, first, cpu


def direct_times(root: Path, runs: int, hadolint: bool) -> list[float]:
    """Seconds for ``review.preview`` alone (render, diff, lint), without the UI."""
    from rsdock.lint.model import cargo
    from rsdock.wizard.generate import defaults, review

    plan = defaults.default_plan(cargo.scan(root))
    review.preview(root, plan)
    times = []
    for run in range(runs):
        start = time.perf_counter()
        review.preview(root, plan.with_changes(cache=("registry", "gha")[run % 2]),
                       hadolint=hadolint)
        times.append(time.perf_counter() - start)
    return times


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks and print the medians against their targets."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch) / "workspace"
        shutil.copytree(example_workspace(), root)
        launch, launch_cpu = launch_times(root, args.runs)
        step_times, cold, step_cpu = asyncio.run(_step_times(root, args.runs))
        first, full = asyncio.run(_refresh_times(root, args.runs))
        fast = direct_times(root, args.runs, hadolint=False)
        slow = direct_times(root, args.runs, hadolint=True)
    worst = max(step_times, key=lambda k: statistics.median(step_times[k]))
    for name, values in step_times.items():
        print(f"  step {name:20} median {statistics.median(values) * 1000:6.1f} ms  "
              f"max {max(values) * 1000:6.1f} ms")
    print(f"load average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())} "
          f"({os.cpu_count()} cores)")
    for name, values, target in (("launch to first screen", launch, 1.0),
                                 (f"slowest step change ({worst})", step_times[worst], 0.15),
                                 ("step changes, first round", cold, None),
                                 ("launch, CPU time used", launch_cpu, None),
                                 ("step change, CPU time used", step_cpu, None),
                                 ("answer to preview+rsdock lint", first, 0.1),
                                 ("answer to preview+hadolint too", full, None),
                                 ("review.preview, no hadolint", fast, None),
                                 ("review.preview with hadolint", slow, None)):
        median = statistics.median(values)
        line = (f"{name:38} median {median * 1000:6.1f} ms  min {min(values) * 1000:6.1f} ms  "
                f"max {max(values) * 1000:6.1f} ms")
        if target is not None:
            verdict = "met" if median < target else "MISSED"
            line += f"  (target < {target * 1000:.0f} ms: {verdict})"
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
