#!/usr/bin/env python3
"""Issue #24's one-invocation shape, measured with cargo alone (no docker, no lab).

Cold release builds of one workspace's binary for several targets, in three shapes:

- ``separate``: one ``cargo build --target T`` per target, one after the other (what three
  per-platform builders do when one machine builds them in turn);
- ``concurrent``: the same three invocations started at once, each with its own target
  directory (what BuildKit does with ``--platform a,b,c``: three builder stages side by side);
- ``one``: one ``cargo build --target a --target b --target c`` (stable since Rust 1.64):
  host-only crates (proc-macros, build scripts and their dependencies) compile once.

Each shape starts from an empty target directory. The shapes take turns within a round and the
order alternates between rounds, so a burst of load from other processes hits both. Each cargo
runs under ``/usr/bin/time -v`` (wall, user+system CPU of cargo and every rustc/cc/linker it
waited for, peak RSS); the crates compiled are cargo's ``Compiling`` lines.

    python3 benchmarks/build/bench_shapes.py --workspace tests/e2e/workspaces/deps --bin labdeps \\
        --rounds 2 --json shapes.json

It needs a cargo whose rustc has the std of every target and a linker for each (the README's
"one invocation" section says how the figures there were made: Debian trixie's rustc 1.85.1, the
lab's builder, in a chroot). It also measures the rebuild scope (``--rebuild``): after a cold
build, a line appended to one file, which crates the next build compiles.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGETS = ("x86_64-unknown-linux-gnu", "aarch64-unknown-linux-gnu", "armv7-unknown-linux-gnueabihf")


def timed(cmd: list[str], cwd: Path, env: dict[str, str]) -> subprocess.Popen:
    """Start ``cmd`` under /usr/bin/time -v; its report goes to the last lines of stderr."""
    return subprocess.Popen(["/usr/bin/time", "-v", *cmd], cwd=cwd, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def finish(proc: subprocess.Popen) -> dict:
    out, err = proc.communicate()
    if proc.returncode:
        raise SystemExit(f"cargo failed ({proc.returncode}):\n{err[-3000:]}")

    def field(name: str) -> str:
        m = re.search(rf"^\s*{re.escape(name)}: (.+)$", err, re.M)
        return m.group(1).strip() if m else ""

    wall = field("Elapsed (wall clock) time (h:mm:ss or m:ss)")
    parts = [float(p) for p in wall.split(":")]
    seconds = sum(p * 60 ** i for i, p in enumerate(reversed(parts)))
    return {"wall_s": round(seconds, 1),
            "cpu_s": round(float(field("User time (seconds)")) + float(field("System time (seconds)")), 1),
            "max_rss_mb": round(int(field("Maximum resident set size (kbytes)")) / 1024),
            "compiled": re.findall(r"^\s*Compiling (\S+) v", err, re.M)}


def cargo_build(targets: list[str], extra: list[str]) -> list[str]:
    return ["cargo", "build", "--release", "--locked", "--offline",
            *[a for t in targets for a in ("--target", t)], *extra]


def shape(name: str, ws: Path, targets: list[str], extra: list[str], scratch: Path) -> dict:
    base = scratch / name
    shutil.rmtree(base, ignore_errors=True)
    env = dict(os.environ)
    t0 = time.monotonic()
    if name == "one":
        env["CARGO_TARGET_DIR"] = str(base / "target")
        runs = [finish(timed(cargo_build(targets, extra), ws, env))]
    elif name == "separate":
        runs = []
        for t in targets:
            env["CARGO_TARGET_DIR"] = str(base / t)
            runs.append(finish(timed(cargo_build([t], extra), ws, env)))
    elif name == "concurrent":
        procs = []
        for t in targets:
            e = dict(env, CARGO_TARGET_DIR=str(base / t))
            procs.append(timed(cargo_build([t], extra), ws, e))
        runs = [finish(p) for p in procs]
    else:
        raise SystemExit(f"unknown shape {name!r}")
    wall = time.monotonic() - t0
    compiled = [c for r in runs for c in r["compiled"]]
    shutil.rmtree(base, ignore_errors=True)
    return {"shape": name, "wall_s": round(wall, 1), "cpu_s": round(sum(r["cpu_s"] for r in runs), 1),
            "max_rss_mb": max(r["max_rss_mb"] for r in runs), "crates_compiled": len(compiled),
            "distinct_crates": len(set(compiled)),
            "per_invocation": [{k: v for k, v in r.items() if k != "compiled"} | {
                "crates": len(r["compiled"])} for r in runs],
            "load_before": None, "compiled": sorted(compiled)}


def rebuild_scope(ws: Path, targets: list[str], extra: list[str], touch: str, scratch: Path) -> dict:
    """Cold build, then a one-line change in ``touch``, then the rebuild: what it compiles."""
    env = dict(os.environ, CARGO_TARGET_DIR=str(scratch / "rebuild"))
    shutil.rmtree(scratch / "rebuild", ignore_errors=True)
    finish(timed(cargo_build(targets, extra), ws, env))
    f = ws / touch
    original = f.read_text()
    try:
        f.write_text(original + "// one-line change\n")
        r = finish(timed(cargo_build(targets, extra), ws, env))
    finally:
        f.write_text(original)
    shutil.rmtree(scratch / "rebuild", ignore_errors=True)
    return {"touched": touch, "rebuild_compiled": r["compiled"], "rebuild_wall_s": r["wall_s"]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--workspace", type=Path, required=True)
    ap.add_argument("--bin", default="")
    ap.add_argument("--targets", default=",".join(TARGETS))
    ap.add_argument("--shapes", default="separate,one",
                    help="separate, concurrent, one (comma-separated, in the first round's order)")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--json", type=Path)
    ap.add_argument("--scratch", type=Path, default=None, help="where the target directories go")
    args = ap.parse_args(argv)
    ws = args.workspace.resolve()
    targets = args.targets.split(",")
    extra = ["--bin", args.bin] if args.bin else []
    scratch = args.scratch or Path(tempfile.mkdtemp(prefix="bench-shapes-"))
    shapes = args.shapes.split(",")
    env_info = {"rustc": subprocess.run(["rustc", "--version"], capture_output=True, text=True).stdout.strip(),
                "nproc": os.cpu_count(), "workspace": str(args.workspace), "targets": targets,
                "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    rows = []
    for rnd in range(args.rounds):
        order = shapes if rnd % 2 == 0 else list(reversed(shapes))
        for name in order:
            load = os.getloadavg()[0]
            row = shape(name, ws, targets, extra, scratch)
            row.update(round=rnd + 1, load_before=round(load, 1), load_after=round(os.getloadavg()[0], 1))
            rows.append(row)
            print(json.dumps({k: v for k, v in row.items() if k != "compiled"}), flush=True)
            if args.json:
                args.json.write_text(json.dumps({"env": env_info, "rows": rows}, indent=1) + "\n")
    env_info["ended"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    if args.json:
        args.json.write_text(json.dumps({"env": env_info, "rows": rows}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
