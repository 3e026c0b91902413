#!/usr/bin/env python3
"""The build benchmark (issue #24): rsdock's generated Dockerfile against what users write
instead, built for real in the e2e lab (tests/e2e/lab.py), side by side, in one run.

    sudo .venv/bin/python benchmarks/build/bench_build.py            # everything (hours on 2 cores)
    ... --workspaces pure,sqlite --platforms linux/arm64 --styles rsdock,research
    ... --skip-emulated deps        # leave out the QEMU-compiled cells of a workspace
    ... --report                    # results.json -> the table in benchmarks/README.md

Styles (README.md here says where each comes from): ``rsdock`` (``rsdock init --runtime
debian-slim``), ``research`` (the research document's cargo-chef + cross snippets),
``chef-readme`` (cargo-chef's README recipe, builder not on $BUILDPLATFORM), ``cache-mount``
(in the style of ``docker init``'s Rust template). Workspaces (tests/e2e/workspaces/): ``pure``
(no dependencies), ``sqlite`` (links the system libsqlite3), ``deps`` (~60 crates).

Each cell (workspace x style x platform), with the engine's whole build cache pruned first:
1. a cold build (seconds; crates compiled, from the build log's "Compiling" lines);
2. the image checked: its binary is an ELF for the platform and prints what it should under
   QEMU; its size (unpacked, and ``docker save`` gzipped);
3. a one-line change in the workspace's leaf crate, then ``docker builder prune --filter
   type=exec.cachemount`` (the layer cache stays, cache mounts go: what a fresh CI runner
   importing a ``mode=max`` cache sees), then the rebuild (seconds, crates compiled).
rsdock's builds for arm64 and arm/v7 run with every QEMU binfmt handler disabled (a RUN on the
target platform would fail), which proves no stage ran emulated; for the peers the "QEMU"
column names the stages whose RUNs execute on the target platform (read from the Dockerfile).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import os
import platform as host_platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path[:0] = [str(REPO), str(HERE)]

from styles import STYLES, Workspace, one_invocation  # noqa: E402

from tests.e2e import lab  # noqa: E402
from tests.e2e.test_build import (  # noqa: E402
    E_MACHINE, RUST_ARCH, build_error, compressed_size, elf_machine, lab_dockerfile,
    workflow_builds)

WORKSPACES = {
    "pure": Workspace("pure", "labcli", "crates/cli/src/main.rs", "labcli 0.1.0"),
    "sqlite": Workspace("sqlite", "labsqlite", "src/main.rs", "sqlite 3.",
                        c_dev="libsqlite3-dev", c_runtime="libsqlite3-0"),
    "deps": Workspace("deps", "labdeps", "crates/app/src/main.rs", 'labdeps {"matches"'),
}
STYLE_NAMES = ("rsdock", "research", "chef-readme", "cache-mount")
PLATFORMS = lab.PLATFORMS
RESULTS = HERE / "results.json"
README = REPO / "benchmarks" / "README.md"
START, END = "<!-- build-benchmark:start -->", "<!-- build-benchmark:end -->"


def docker(*args: str, check: bool = True, timeout: float | None = None):
    return lab.docker(*args, check=check, timeout=timeout)


# ------------------------------------------------------------------------------ the Dockerfile
def dockerfile_for(style: str, ws: Workspace, project: Path) -> tuple[str, str | None]:
    """(Dockerfile text as the lab builds it, --target or None) for one style."""
    if style == "rsdock":
        res = subprocess.run([sys.executable, "-m", "rsdock", "init", str(project), "--yes",
                              "--platform", ",".join(PLATFORMS), "--runtime", "debian-slim"],
                             capture_output=True, text=True, cwd=REPO)
        if res.returncode:
            raise RuntimeError(f"rsdock init failed: {res.stdout}{res.stderr}")
        builds = [b for b in workflow_builds(project) if ws.binary in (b["image"], b["target"])]
        if not builds:
            raise RuntimeError(f"the generated workflow builds no image {ws.binary!r}")
        b = builds[0]
        return lab_dockerfile((project / b["file"]).read_text()), b["target"]
    top = sorted(p.name for p in project.iterdir() if p.name not in ("target", ".git"))
    fn = STYLES[style]
    text = fn(ws, top) if style == "cache-mount" else fn(ws)
    return text, None


_FROM = re.compile(r"^FROM\s+(?:--platform=(\S+)\s+)?(\S+)(?:\s+AS\s+(\S+))?\s*$", re.I | re.M)


def emulated_stages(text: str, target: str | None) -> list[str]:
    """The stages built for ``target`` (or the last stage) that RUN on the target platform:
    not on --platform=$BUILDPLATFORM, nor FROM a stage that is."""
    stages: dict[str, dict] = {}
    order = []
    parts = re.split(r"(?im)^(?=FROM\s)", text)
    for part in parts:
        m = _FROM.match(part)
        if not m:
            continue
        plat, image, name = m.group(1), m.group(2), m.group(3) or f"#{len(order)}"
        parent = stages.get(image)
        on_build = (plat or "").upper() == "$BUILDPLATFORM" or (parent is not None and parent["build"])
        uses = set(re.findall(r"--from=(\S+)", part)) | ({image} if parent else set())
        stages[name] = {"build": on_build, "run": bool(re.search(r"(?im)^RUN\s", part)),
                        "uses": uses}
        order.append(name)
    want, seen = [target or order[-1]], set()
    while want:
        s = want.pop()
        if s in seen or s not in stages:
            continue
        seen.add(s)
        want.extend(stages[s]["uses"])
    return [s for s in order if s in seen and stages[s]["run"] and not stages[s]["build"]]


# ------------------------------------------------------------------------------ one build
def build(df: Path, context: Path, plat: str, tag: str, target: str | None, log: Path,
          emulation: bool) -> tuple[int, float, str]:
    cmd = [lab.DOCKER, "build", "--pull", "--network", "host", "--platform", plat,
           "--progress", "plain", "-f", str(df), "-t", tag,
           *(["--target", target] if target else []), str(context)]
    t0 = time.time()
    with contextlib.ExitStack() as stack:
        if not emulation:
            stack.enter_context(lab.binfmt_off())
        res = subprocess.run(cmd, capture_output=True, text=True, env=lab.docker_env(),
                             timeout=4 * 3600)
    seconds = round(time.time() - t0, 1)
    out = res.stdout + res.stderr
    log.write_text(out)
    return res.returncode, seconds, out


def cache_records() -> dict[str, int]:
    """BuildKit's cache records by type (``docker system df -v``)."""
    out = docker("system", "df", "-v", check=False).stdout
    counts: dict[str, int] = {}
    for line in out.split("Build cache usage", 1)[-1].splitlines()[2:]:
        fields = line.split()
        if len(fields) > 1 and fields[0] != "CACHE":
            counts[fields[1]] = counts.get(fields[1], 0) + 1
    return counts


def compiled(log: str) -> list[str]:
    """The crates cargo compiled in a build, from BuildKit's plain log."""
    return re.findall(r"\bCompiling (\S+) v\d", log)


def compiled_by_step(log: str) -> dict[str, list[str]]:
    """The crates each RUN step compiled ("cargo chef cook ..." / "cargo build ..."), from
    BuildKit's plain log: step headers are ``#N [stage i/n] RUN ...``, its lines ``#N ...``."""
    names: dict[str, str] = {}
    out: dict[str, list[str]] = {}
    for line in log.splitlines():
        m = re.match(r"#(\d+) \[[^\]]*\] RUN (.*)", line)
        if m:
            cmd = m.group(2)
            kind = ("cook" if "chef cook" in cmd else "build" if "cargo build" in cmd else None)
            if kind:
                names[m.group(1)] = kind
            continue
        m = re.match(r"#(\d+) \S+\s+Compiling (\S+) v\d", line)
        if m and m.group(1) in names:
            out.setdefault(names[m.group(1)], []).append(m.group(2))
    return out


def check(tag: str, plat: str, ws: Workspace) -> tuple[list[str], str]:
    """Problems with the image (ELF machine, output), and what it printed."""
    problems = []
    ep = json.loads(docker("image", "inspect", "--format", "{{json .Config.Entrypoint}}",
                           tag).stdout)
    binary = next((a for a in reversed(ep) if a.startswith("/") and "tini" not in a), None)
    cid = docker("create", "--platform", plat, tag).stdout.strip()
    try:
        with tempfile.TemporaryDirectory() as d:
            dest = Path(d) / "bin"
            if docker("cp", "-L", f"{cid}:{binary}", str(dest), check=False).returncode:
                problems.append(f"{binary} is not in the image")
            elif elf_machine(dest) != E_MACHINE[plat]:
                problems.append(f"{binary} has e_machine {elf_machine(dest)}")
    finally:
        docker("rm", "-f", cid, check=False)
    res = subprocess.run([lab.DOCKER, "run", "--rm", "--platform", plat, "--network", "host", tag],
                         capture_output=True, text=True, env=lab.docker_env(), timeout=300)
    out = (res.stdout + res.stderr).strip()
    if res.returncode or ws.expect not in out or f"arch={RUST_ARCH[plat]}" not in out:
        problems.append(f"exit {res.returncode}, printed {out[-300:]!r}")
    return problems, out[-200:]


def cell(ws: Workspace, style: str, plat: str, root: Path) -> dict:
    arch = lab.ARCHES[plat][0]
    row: dict = {"workspace": ws.name, "style": style, "platform": plat,
                 "load_before": round(os.getloadavg()[0], 1)}
    project = root / f"{ws.name}-{style}-{arch}"
    shutil.rmtree(project, ignore_errors=True)
    shutil.copytree(REPO / "tests/e2e/workspaces" / ws.name, project,
                    ignore=shutil.ignore_patterns("target"))
    aside = root / f"{project.name}.lab"
    aside.mkdir(exist_ok=True)
    text, target = dockerfile_for(style, ws, project)
    df = aside / "Dockerfile"
    df.write_text(text)
    # rsdock's Dockerfiles run nothing on the target platform: build them with QEMU off.
    emulation = not (style == "rsdock" and plat != "linux/amd64")
    stages = emulated_stages(text, target) if plat != "linux/amd64" else []
    row["qemu"] = ("no (built with binfmt off)" if not emulation else
                   "no (native)" if plat == "linux/amd64" else
                   ("yes: " + ", ".join(stages)) if stages else "no")
    tag = f"rsdock-bench/{ws.name}-{style}:{arch}"
    docker("builder", "prune", "-af", check=False, timeout=600)
    rc, secs, log = build(df, project, plat, tag, target, aside / "cold.log", emulation)
    row.update(cold_s=secs, cold_crates=len(compiled(log)), cold_steps=compiled_by_step(log))
    if rc:
        row.update(result="cold build failed", detail=build_error(log)[-800:])
        return row
    problems, printed = check(tag, plat, ws)
    row.update(size_mb=round(int(docker("image", "inspect", "--format", "{{.Size}}", tag)
                                 .stdout.strip()) / 1e6, 1),
               compressed_mb=round(compressed_size(tag) / 1e6, 1), printed=printed)
    # The one-line change in the leaf crate, then a builder that kept its layers but lost its
    # cache mounts.
    leaf = project / ws.leaf
    leaf.write_text(leaf.read_text() + "// build benchmark: a one-line change\n")
    before = cache_records()
    docker("builder", "prune", "-f", "--filter", "type=exec.cachemount", check=False)
    after = cache_records()
    # What the prune did, so the table can be trusted: cache mounts gone, layers kept.
    row["cache_records"] = {"before": before, "after": after}
    if after.get("exec.cachemount"):
        raise RuntimeError(f"cache mounts survived the prune: {after}")
    rc, secs, log = build(df, project, plat, tag, target, aside / "rebuild.log", emulation)
    row.update(rebuild_s=secs, rebuild_crates=len(compiled(log)), rebuild_steps=compiled_by_step(log),
               rebuild_compiled=compiled(log)[:80], load_after=round(os.getloadavg()[0], 1))
    if rc:
        row.update(result="rebuild failed", detail=build_error(log)[-800:])
    else:
        row.update(result="passed" if not problems else "image wrong",
                   detail="; ".join(problems))
    docker("rmi", "-f", tag, check=False)
    return row


# ------------------------------------------------------------------------------ item 3 of #24
def shapes(ws: Workspace, root: Path) -> list[dict]:
    """Three platforms, one after the other on one builder (build cache pruned once, before
    the first): rsdock's per-platform builder against the one-invocation shape
    (styles.one_invocation). Then the one-line change and the three rebuilds."""
    rows = []
    for shape in ("rsdock", "one-invocation"):
        project = root / f"{ws.name}-shape-{shape}"
        shutil.rmtree(project, ignore_errors=True)
        shutil.copytree(REPO / "tests/e2e/workspaces" / ws.name, project,
                        ignore=shutil.ignore_patterns("target"))
        aside = root / f"{project.name}.lab"
        aside.mkdir(exist_ok=True)
        text, target = dockerfile_for("rsdock", ws, project)
        if shape == "one-invocation":
            text = one_invocation(text, ws)
        (aside / "Dockerfile").write_text(text)
        row: dict = {"workspace": ws.name, "shape": shape, "load_before": round(os.getloadavg()[0], 1)}
        docker("builder", "prune", "-af", check=False, timeout=600)
        for phase in ("cold", "rebuild"):
            if phase == "rebuild":
                leaf = project / ws.leaf
                leaf.write_text(leaf.read_text() + "// build benchmark: a one-line change\n")
                docker("builder", "prune", "-f", "--filter", "type=exec.cachemount", check=False)
            total, crates = 0.0, 0
            for plat in PLATFORMS:
                arch = lab.ARCHES[plat][0]
                tag = f"rsdock-bench/{ws.name}-{shape}:{arch}"
                rc, secs, log = build(aside / "Dockerfile", project, plat, tag, target,
                                      aside / f"{phase}.{arch}.log", plat == "linux/amd64")
                row[f"{phase}_{arch}_s"] = secs
                row[f"{phase}_{arch}_crates"] = len(compiled(log))
                total += secs
                crates += len(compiled(log))
                if rc:
                    row.update(result=f"{phase} {plat} failed", detail=build_error(log)[-800:])
                    break
                if phase == "cold":
                    problems, _ = check(tag, plat, ws)
                    if problems:
                        row.setdefault("problems", []).append(f"{plat}: {'; '.join(problems)}")
                docker("rmi", "-f", tag, check=False)
            else:
                row[f"{phase}_total_s"] = round(total, 1)
                row[f"{phase}_crates"] = crates
                continue
            break
        row.setdefault("result", "passed" if not row.get("problems") else "image wrong")
        row["load_after"] = round(os.getloadavg()[0], 1)
        rows.append(row)
        lab.log(f"  shape -> {json.dumps(row)}")
    return rows


# ------------------------------------------------------------------------------ results
def load_results() -> dict:
    if RESULTS.exists():
        return json.loads(RESULTS.read_text())
    return {"runs": []}


def machine() -> str:
    cpus = os.cpu_count()
    mem = ""
    with contextlib.suppress(OSError):
        kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
        mem = f", {kb / 2**20:.0f} GiB RAM"
    model = ""
    with contextlib.suppress(OSError, AttributeError):
        model = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text()).group(1)
    return f"{host_platform.machine()} {model} x{cpus}{mem}, dockerd 20.10 (BuildKit) in the e2e lab"


def run(args) -> int:
    runs = load_results()
    current = {"started": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="minutes"),
               "machine": machine(), "command": " ".join(["benchmarks/build/bench_build.py",
                                                          *sys.argv[1:]]),
               "cells": [], "missing": []}
    runs["runs"].append(current)
    if args.shapes:
        current["shapes"] = []
        with lab.held(lab.lock_wait()):
            lab.setup()
            root = Path(tempfile.mkdtemp(prefix="rsdock-bench-"))
            for w in args.shapes.split(","):
                current["shapes"].extend(shapes(WORKSPACES[w], root))
                RESULTS.write_text(json.dumps(runs, indent=1) + "\n")
            current["ended"] = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="minutes")
            RESULTS.write_text(json.dumps(runs, indent=1) + "\n")
            docker("builder", "prune", "-af", check=False, timeout=600)
        return 0
    wss = [WORKSPACES[w] for w in args.workspaces.split(",")]
    styles = args.styles.split(",")
    plats = args.platforms.split(",")
    skip_emulated = set(filter(None, args.skip_emulated.split(",")))
    # The arm builders (built under QEMU, slow the first time) only when a cell pulls them.
    emulated_cells = "chef-readme" in styles and any(
        p != "linux/amd64" for p in plats) and any(w.name not in skip_emulated for w in wss)
    with lab.held(lab.lock_wait()):
        lab.setup(peer_builders=emulated_cells)
        root = Path(tempfile.mkdtemp(prefix="rsdock-bench-"))
        for ws in wss:
            for plat in plats:
                for style in styles:
                    if style == "chef-readme" and plat != "linux/amd64" and ws.name in skip_emulated:
                        current["missing"].append(
                            {"workspace": ws.name, "style": style, "platform": plat,
                             "why": "not run (--skip-emulated): the whole build under QEMU"})
                        RESULTS.write_text(json.dumps(runs, indent=1) + "\n")
                        continue
                    lab.log(f"bench {ws.name} {style} {plat}")
                    try:
                        row = cell(ws, style, plat, root)
                    except Exception as exc:  # a cell's failure must not lose the others
                        row = {"workspace": ws.name, "style": style, "platform": plat,
                               "result": "error", "detail": f"{type(exc).__name__}: {exc}"}
                    lab.log(f"  -> {json.dumps({k: row.get(k) for k in ('result', 'cold_s', 'rebuild_s', 'rebuild_crates', 'qemu')})}")
                    current["cells"].append(row)
                    RESULTS.write_text(json.dumps(runs, indent=1) + "\n")
        current["ended"] = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="minutes")
        RESULTS.write_text(json.dumps(runs, indent=1) + "\n")
        docker("builder", "prune", "-af", check=False, timeout=600)
    return 0


def table(cells: list[dict]) -> str:
    head = ("| workspace | platform | style | cold build | crates (cold) | rebuild after a one-line "
            "change, cache mounts lost | crates recompiled | rebuild / cold | QEMU | image "
            "(unpacked / gzip) | result |\n|---|---|---|---|---|---|---|---|---|---|---|")
    lines = [head]
    order = {s: i for i, s in enumerate(STYLE_NAMES)}
    for c in sorted(cells, key=lambda c: (list(WORKSPACES).index(c["workspace"]),
                                          PLATFORMS.index(c["platform"]), order[c["style"]])):
        def s(k, c=c):
            v = c.get(k)
            return f"{v:.0f} s" if isinstance(v, (int, float)) else "-"
        ratio = (f"{100 * c['rebuild_s'] / c['cold_s']:.0f} %"
                 if c.get("rebuild_s") and c.get("cold_s") else "-")
        size = (f"{c['size_mb']} / {c['compressed_mb']} MB" if c.get("size_mb") is not None else "-")
        result = c.get("result", "-")
        if c.get("detail") and result != "passed":
            result += ": " + c["detail"].replace("\n", " ").replace("|", "\\|")[:160]
        lines.append(f"| {c['workspace']} | {c['platform']} | {c['style']} | {s('cold_s')} | "
                     f"{c.get('cold_crates', '-')} | {s('rebuild_s')} | "
                     f"{c.get('rebuild_crates', '-')} | {ratio} | {c.get('qemu', '-')} | {size} | "
                     f"{result} |")
    return "\n".join(lines)


def report(_args) -> int:
    runs = load_results()["runs"]
    if not runs:
        print("no results yet: run the benchmark first", file=sys.stderr)
        return 1
    parts = [START, "", "Recorded by `benchmarks/build/bench_build.py --report` from "
             "benchmarks/build/results.json (newest cell of each workspace x style x platform)."]
    latest: dict[tuple, dict] = {}
    meta: dict[tuple, dict] = {}
    missing: dict[tuple, str] = {}
    for r in runs:
        for c in r["cells"]:
            key = (c["workspace"], c["style"], c["platform"])
            latest[key] = c
            meta[key] = r
            missing.pop(key, None)
        for m in r.get("missing", []):
            key = (m["workspace"], m["style"], m["platform"])
            if key not in latest:
                missing[key] = m["why"]
    for r in runs:
        if any(meta.get(k) is r for k in latest):
            loads = [c.get(k) for c in r["cells"] for k in ("load_before", "load_after")
                     if c.get(k) is not None]
            load = f"{min(loads)}-{max(loads)}" if loads else "?"
            parts.append(f"\n- Run {r['started']} to {r.get('ended', '(interrupted)')} UTC on "
                         f"{r['machine']}; 1-minute load average during the run {load} (the "
                         f"machine is shared); command `{r['command']}`.")
    parts += ["", table(list(latest.values()))]
    shape_rows: dict[tuple, tuple[dict, dict]] = {}
    for r in runs:
        for row in r.get("shapes", []):
            shape_rows[(row["workspace"], row["shape"])] = (row, r)
    if shape_rows:
        parts += ["", "Three platforms one after the other on one builder (build cache pruned "
                  "once, before the first): rsdock's per-platform builder against one cargo "
                  "invocation for all three targets (`--shapes`):", "",
                  "| workspace | shape | cold amd64 / arm64 / arm/v7 | cold total | crates "
                  "compiled (cold) | rebuild total | crates (rebuild) | result | run |",
                  "|---|---|---|---|---|---|---|---|---|"]
        for (w, shape), (row, r) in sorted(shape_rows.items()):
            per = " / ".join(f"{row.get(f'cold_{a}_s', '-')} s" for a in ("amd64", "arm64", "armhf"))
            res = row.get("result", "-") + (": " + row["detail"][:120].replace("|", "\\|").replace("\n", " ")
                                            if row.get("detail") else "")
            parts.append(f"| {w} | {shape} | {per} | {row.get('cold_total_s', '-')} s | "
                         f"{row.get('cold_crates', '-')} | {row.get('rebuild_total_s', '-')} s | "
                         f"{row.get('rebuild_crates', '-')} | {res} | {r['started']}, load "
                         f"{row.get('load_before')}-{row.get('load_after')} |")
    if missing:
        parts.append("\nNot measured:\n")
        for (w, s, p), why in sorted(missing.items()):
            parts.append(f"- {w} / {s} / {p}: {why}")
    parts += ["", END]
    block = "\n".join(parts)
    text = README.read_text()
    if START in text:
        text = text[:text.index(START)] + block + text[text.index(END) + len(END):]
    else:
        text = text.rstrip("\n") + "\n\n# Build benchmark\n\nSee benchmarks/build/README.md.\n\n" + block + "\n"
    README.write_text(text)
    print(f"wrote {len(latest)} cells to {README}")
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--workspaces", default=",".join(WORKSPACES))
    ap.add_argument("--styles", default=",".join(STYLE_NAMES))
    ap.add_argument("--platforms", default=",".join(PLATFORMS))
    ap.add_argument("--skip-emulated", default="",
                    help="workspaces whose chef-readme cells for arm64/arm/v7 (compiled under "
                         "QEMU) are left out and listed as not measured")
    ap.add_argument("--shapes", default="",
                    help="instead of the cells: the three platforms one after the other on one "
                         "builder, rsdock's per-platform builder against one cargo invocation "
                         "for all targets (pure-Rust workspaces, e.g. deps)")
    ap.add_argument("--report", action="store_true", help="write the table to benchmarks/README.md")
    args = ap.parse_args(argv)
    for w in args.workspaces.split(","):
        if w not in WORKSPACES:
            ap.error(f"unknown workspace {w!r} (choose from {', '.join(WORKSPACES)})")
    for s in args.styles.split(","):
        if s not in STYLE_NAMES:
            ap.error(f"unknown style {s!r} (choose from {', '.join(STYLE_NAMES)})")
    for p in args.platforms.split(","):
        if p not in PLATFORMS:
            ap.error(f"unknown platform {p!r} (choose from {', '.join(PLATFORMS)})")
    if args.report:
        return report(args)
    if os.geteuid() != 0:
        ap.error("the build lab needs root")
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
