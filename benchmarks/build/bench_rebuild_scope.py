#!/usr/bin/env python3
"""Rebuild scope of a builder stage's layer shape, measured with cargo and the lab's cargo-chef
stand-in alone (no docker): which crates a rebuild compiles after a one-line change when the
layer cache is kept (what a CI runner importing a ``mode=max`` cache has).

A layer is simulated as a snapshot of the build directory (``cp -a``, mtimes kept, as a layer
restored from cache keeps them); its cache key is BuildKit's: the parent's key, the instruction,
and for a COPY the *content* of the files copied (BuildKit's content checksum leaves mtimes
out). A COPY from the context gives the files a fresh mtime, as a fresh checkout on a CI runner
does. The first run of a shape fills the cache (cold), the change is made, the second run
restores every layer whose key is unchanged and runs the rest.

Shapes:

- ``today``: cook, ``COPY . .``, one ``cargo build`` (rsdock's builder before issue #24's
  rebuild-scope change);
- ``members``: cook, then the context minus the ``.rs`` files of the workspace members the
  binaries need (manifests, the lock, assets: everything a build may read), then a ``COPY`` +
  ``cargo build`` layer for the libraries among those members (the ones another needed member
  depends on), then one for each leaf package (the binaries' own), each build touching the
  ``.rs`` files it copied (an earlier step compiled that member's cargo-chef dummy; a
  checkout's older mtime would otherwise look fresh). Every step builds the same binaries with
  the same flags, so features unify as in the final build (``-p lib`` alone could compile the
  dependencies with other features).

    python3 benchmarks/build/bench_rebuild_scope.py --workspace tests/e2e/workspaces/deps \\
        --bin labdeps --change crates/app/src/main.rs --change crates/core/src/lib.rs
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def sh(cmd: list[str], cwd: Path) -> str:
    res = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if res.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{res.stdout[-2000:]}{res.stderr[-3000:]}")
    return res.stderr


def files_of(root: Path) -> list[Path]:
    return sorted(p.relative_to(root) for p in root.rglob("*")
                  if p.is_file() and "target" not in p.relative_to(root).parts[:1])


def content_key(root: Path, rels: list[Path]) -> str:
    h = hashlib.sha256()
    for r in rels:
        h.update(str(r).encode() + b"\0" + (root / r).read_bytes() + b"\0")
    return h.hexdigest()


def copy_fresh(src: Path, rels: list[Path], dest: Path) -> None:
    """COPY from the context: the files land with a fresh mtime (a CI checkout's)."""
    for r in rels:
        (dest / r).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src / r, dest / r)
        os.utime(dest / r)


def layers(ws: Path, bins: list[str]) -> list[tuple[str, list[str]]]:
    """The member layers: ``(label, member directories)``: first every workspace member the
    binaries need that another of them depends on (the libraries, one layer), then each leaf
    package (one no other needed member depends on: the binaries' own) in a layer of its own."""
    meta = json.loads(subprocess.run(["cargo", "metadata", "--format-version", "1", "--offline"],
                                     cwd=ws, capture_output=True, text=True, check=True).stdout)
    pkgs = {p["id"]: p for p in meta["packages"] if p["id"] in meta["workspace_members"]}
    deps = {n["id"]: [d["pkg"] for d in n["deps"] if d["pkg"] in pkgs]
            for n in meta["resolve"]["nodes"] if n["id"] in pkgs}
    roots = [i for i, p in pkgs.items() if any(t["name"] in bins and "bin" in t["kind"] for t in p["targets"])]
    needed: list[str] = []

    def visit(i: str) -> None:
        if i in needed:
            return
        for d in deps[i]:
            visit(d)
        needed.append(i)
    for r in roots:
        visit(r)
    depended = {d for i in needed for d in deps[i]}

    def where(i: str) -> str:
        return str(Path(pkgs[i]["manifest_path"]).parent.relative_to(ws))
    libs = [where(i) for i in needed if i in depended]
    out = [("libraries " + " ".join(pkgs[i]["name"] for i in needed if i in depended), libs)] if libs else []
    return out + [(pkgs[i]["name"], [where(i)]) for i in needed if i not in depended]


class Cache:
    def __init__(self, root: Path):
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    def step(self, key: str, build: Path, run) -> tuple[bool, list[str]]:
        snap = self.root / key[:16]
        if snap.exists():
            shutil.rmtree(build)
            subprocess.run(["cp", "-a", str(snap), str(build)], check=True)
            return True, []
        out = run() or ""
        subprocess.run(["cp", "-a", str(build), str(snap)], check=True)
        return False, re.findall(r"^\s*Compiling (\S+) v", out, re.M)


def run_shape(shape: str, ws: Path, bins: list[str], cargo_args: list[str], cache: Cache,
              build: Path) -> dict:
    if build.exists():
        shutil.rmtree(build)
    build.mkdir(parents=True)
    plan = Path(tempfile.mkdtemp())
    sh(["cargo-chef", "chef", "prepare", "--recipe-path", str(plan / "recipe.json")], ws)
    recipe = (plan / "recipe.json").read_bytes()
    key = hashlib.sha256(b"cook" + recipe + " ".join(cargo_args).encode()).hexdigest()
    log: list[dict] = []
    t0 = time.monotonic()

    def cook():
        shutil.copyfile(plan / "recipe.json", build / "recipe.json")
        return sh(["cargo-chef", "chef", "cook", *cargo_args, "--recipe-path", "recipe.json"], build)
    hit, compiled = cache.step(key, build, cook)
    log.append({"step": "cook", "cached": hit, "compiled": compiled})
    every = files_of(ws)
    build_cmd = ["cargo", "build", *cargo_args]
    if shape == "today":
        key = hashlib.sha256((key + "COPY . .").encode() + content_key(ws, every).encode()).hexdigest()
        hit, _ = cache.step(key, build, lambda: copy_fresh(ws, every, build))
        log.append({"step": "COPY . .", "cached": hit})
        key = hashlib.sha256((key + "RUN build").encode()).hexdigest()
        hit, compiled = cache.step(key, build, lambda: sh(build_cmd, build))
        log.append({"step": "cargo build", "cached": hit, "compiled": compiled})
    else:
        groups = layers(ws, bins)
        dirs = [d for _label, ds in groups for d in ds]

        def rs_files(d: str) -> list[Path]:
            # a member's .rs files, not those of a member nested inside it
            return [f for f in every if f.suffix == ".rs" and (d == "." or Path(d) in f.parents)
                    and not any(o != d and (d == "." or Path(d) in Path(o).parents) and
                                Path(o) in f.parents for o in dirs)]
        own = {label: [f for d in ds for f in rs_files(d)] for label, ds in groups}
        mine = {f for fs in own.values() for f in fs}
        rest = [f for f in every if f not in mine]
        key = hashlib.sha256((key + "COPY rest").encode() + content_key(ws, rest).encode()).hexdigest()
        hit, _ = cache.step(key, build, lambda: copy_fresh(ws, rest, build))
        log.append({"step": "COPY the rest", "cached": hit})
        for label, _ds in groups:
            key = hashlib.sha256((key + f"COPY {label}").encode() + content_key(ws, own[label]).encode()).hexdigest()
            hit, _ = cache.step(key, build, lambda label=label: copy_fresh(ws, own[label], build))
            log.append({"step": f"COPY {label} (.rs)", "cached": hit})

            def step(label=label):
                for f in own[label]:
                    os.utime(build / f)
                return sh(build_cmd, build)
            key = hashlib.sha256((key + f"RUN touch {label} && build").encode()).hexdigest()
            hit, compiled = cache.step(key, build, step)
            log.append({"step": f"cargo build ({label} real)", "cached": hit, "compiled": compiled})
    shutil.rmtree(plan)
    return {"shape": shape, "wall_s": round(time.monotonic() - t0, 1), "steps": log,
            "compiled": [c for s in log for c in s.get("compiled", [])]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--workspace", type=Path, required=True)
    ap.add_argument("--bin", action="append", required=True)
    ap.add_argument("--change", action="append", required=True,
                    help="a file (relative to the workspace) that gets a one-line change; one rebuild each")
    ap.add_argument("--target", default="")
    ap.add_argument("--expect", required=True, help="what the first --bin prints (a dummy prints nothing)")
    ap.add_argument("--shapes", default="today,members")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    scratch = Path(tempfile.mkdtemp(prefix="rebuild-scope-"))
    ws = scratch / "ws"
    shutil.copytree(args.workspace, ws, ignore=shutil.ignore_patterns("target"))
    cargo_args = ["--release", "--locked", *(["--target", args.target] if args.target else []),
                  *[a for b in args.bin for a in ("--bin", b)]]
    rows = []
    for shape in args.shapes.split(","):
        cache = Cache(scratch / f"cache-{shape}")
        build = scratch / "app"
        cold = run_shape(shape, ws, args.bin, cargo_args, cache, build)
        rows.append({"run": "cold", **cold})
        print(json.dumps({k: cold[k] for k in ("shape", "wall_s")} | {"compiled": len(cold["compiled"])}), flush=True)
        for change in args.change:
            f = ws / change
            original = f.read_text()
            f.write_text(original + "// a one-line change\n")
            r = run_shape(shape, ws, args.bin, cargo_args, cache, build)
            r["changed"] = change
            exe = build / "target" / (args.target or "") / "release" / args.bin[0]
            ran = subprocess.run([str(exe)], capture_output=True, text=True, timeout=60)
            r["binary_real"] = args.expect in ran.stdout + ran.stderr
            rows.append({"run": "rebuild", **r})
            print(json.dumps({"shape": shape, "changed": change, "wall_s": r["wall_s"],
                              "compiled": r["compiled"], "binary_real": r["binary_real"],
                              "steps": [(s["step"], "cached" if s["cached"] else "ran") for s in r["steps"]]}),
                  flush=True)
            f.write_text(original)
            run_shape(shape, ws, args.bin, cargo_args, cache, build)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1) + "\n")
    shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
