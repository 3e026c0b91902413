"""The build benchmark's own logic (benchmarks/build/, no lab): which stages run under QEMU,
what counts as a compiled crate, and that each peer Dockerfile is the shape it claims to be."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "benchmarks" / "build"))
bench = importlib.import_module("bench_build")
styles = importlib.import_module("styles")

SQLITE = bench.WORKSPACES["sqlite"]
PURE = bench.WORKSPACES["pure"]


def test_emulated_stages_follow_the_platform_of_each_stage():
    # cargo-chef's README recipe: every stage on the target platform, the compiler included.
    assert bench.emulated_stages(styles.chef_readme(PURE), None) == ["chef", "planner", "builder"]
    # The research: cross-compiled, but the runtime's apt-get runs on the target.
    assert bench.emulated_stages(styles.research(SQLITE), None) == ["runtime"]
    # docker init's style: the final stage's useradd (and the runtime library's apt-get).
    assert bench.emulated_stages(styles.cache_mounts(SQLITE, ["src"]), None) == ["final"]
    # A stage the target does not need does not count; FROM a $BUILDPLATFORM stage inherits it.
    text = ("FROM --platform=$BUILDPLATFORM rust AS b\nRUN make\n"
            "FROM b AS c\nRUN more\n"
            "FROM debian AS unused\nRUN apt-get install x\n"
            "FROM debian AS final\nCOPY --from=c /x /x\n")
    assert bench.emulated_stages(text, "final") == []
    assert bench.emulated_stages(text, "unused") == ["unused"]


def test_rsdock_dockerfile_runs_nothing_on_the_target(tmp_path):
    project = tmp_path / "sqlite"
    import shutil
    shutil.copytree(REPO / "tests/e2e/workspaces/sqlite", project)
    text, target = bench.dockerfile_for("rsdock", SQLITE, project)
    assert target == "labsqlite"
    assert not text.startswith("# syntax=")
    assert bench.emulated_stages(text, target) == []


def test_compiled_reads_buildkit_plain_logs():
    log = ("#12 3.1    Compiling serde v1.0.217\n#12 9.0    Compiling labdeps v0.1.0 (/app/x)\n"
           "#12 9.5 warning: Compiling is a word\n#13 CACHED\n")
    assert bench.compiled(log) == ["serde", "labdeps"]


def test_one_invocation_builds_every_target_in_one_cargo_call(tmp_path):
    project = tmp_path / "deps"
    import shutil
    shutil.copytree(REPO / "tests/e2e/workspaces/deps", project)
    text, target = bench.dockerfile_for("rsdock", bench.WORKSPACES["deps"], project)
    multi = styles.one_invocation(text, bench.WORKSPACES["deps"])
    cook = next(ln for ln in multi.splitlines() if "cargo chef cook" in ln)
    assert cook.count("--target ") == 3
    assert "TARGETPLATFORM" not in multi[multi.index("FROM chef AS builder"):multi.index("COPY . .")]
    assert "COPY --from=builder /out/${TARGETPLATFORM}/labdeps" in multi
    assert bench.emulated_stages(multi, target) == []
    with pytest.raises(ValueError):
        styles.one_invocation(text, SQLITE)


def test_cli_refuses_unknown_names():
    res = subprocess.run([sys.executable, str(REPO / "benchmarks/build/bench_build.py"),
                          "--workspaces", "nope", "--report"], capture_output=True, text=True)
    assert res.returncode == 2 and "unknown workspace 'nope'" in res.stderr


def test_compiled_by_step_tells_cook_from_build():
    log = ("#14 [builder 5/7] RUN cargo chef cook --release --recipe-path recipe.json\n"
           "#14 3.1    Compiling serde v1.0.217\n#14 DONE 50.0s\n"
           "#15 [builder 6/7] COPY . .\n"
           "#16 [builder 7/7] RUN cargo build --release --bin labdeps\n"
           "#16 5.0    Compiling labdeps v0.1.0 (/app/crates/app)\n")
    assert bench.compiled_by_step(log) == {"cook": ["serde"], "build": ["labdeps"]}
