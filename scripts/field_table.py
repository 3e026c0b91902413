#!/usr/bin/env python3
"""Re-run `rsdock init --yes --dry-run` on the public workspaces of the C-dependency field study.

Each workspace comes from a stored snapshot (a bare git directory, MIRROR/<owner>+<name>/repo);
only what rsdock reads is extracted (manifests, Cargo.lock, toolchain and .cargo files, src/main.rs
and src/bin/, build.rs, index.html/Trunk.toml). For each binary, the generator's decision per C
crate is printed as a markdown table row: what the builder installs on linux/arm64 (the first
foreign default platform), what the runtime gets, and what is refused on which runtime and why.

Usage: python scripts/field_table.py [MIRROR] > rows.md  (docs/real-workspaces.md holds the output)
"""

from __future__ import annotations

import io
import re
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from rsdock.errors import UserError
from rsdock.lint.knowledge.platforms import DEFAULT_PLATFORMS
from rsdock.lint.model.cargo import scan
from rsdock.wizard.generate import render as render_module
from rsdock.wizard.generate.defaults import default_plan

# (repository, subdirectory of the workspace, binaries): the field study's choices (field.md).
FIELD = [
    ("meilisearch/meilisearch", "", ["meilisearch"]),
    ("vectordotdev/vector", "", ["vector"]),
    ("qdrant/qdrant", "", ["qdrant"]),
    ("lldap/lldap", "", ["lldap", "lldap_set_password"]),
    ("mozilla/sccache", "", ["sccache"]),
    ("dani-garcia/vaultwarden", "", ["vaultwarden"]),
    ("LemmyNet/lemmy", "", ["lemmy_server"]),
    ("atuinsh/atuin", "", ["atuin", "atuin-server"]),
    ("deuxfleurs-org/garage", "", ["garage"]),
    ("rustdesk/rustdesk-server", "", ["hbbs"]),
    ("surrealdb/surrealdb", "", ["surreal"]),
    ("nushell/nushell", "", ["nu"]),
    ("tikv/tikv", "", ["tikv-server"]),
    ("pgdogdev/pgdog", "", ["pgdog"]),
    ("influxdata/influxdb", "", ["influxdb3"]),
    ("neondatabase/neon", "", ["pageserver", "proxy"]),
    ("denoland/deno", "", ["deno"]),
    ("rust-lang/crates.io", "", ["crates-io"]),
    ("gitui-org/gitui", "", ["gitui"]),
    ("quickwit-oss/quickwit", "quickwit", ["quickwit"]),
    ("astral-sh/ruff", "", ["ruff"]),
    ("astral-sh/uv", "", ["uv"]),
    ("kanidm/kanidm", "", ["kanidmd"]),
    ("static-web-server/static-web-server", "", ["static-web-server"]),
]
_WANTED = re.compile(r"\.rs$|(^|/)(Cargo\.toml|Cargo\.lock|rust-toolchain(\.toml)?|build\.rs|index\.html|"
                     r"Trunk\.toml|\.cargo/config(\.toml)?)$|(^|/)src/(main\.rs|bin/.*\.rs)$")


def extract(git_dir: Path, dest: Path) -> str:
    """Extract what rsdock reads at HEAD into ``dest``; return the commit."""
    commit = subprocess.run(["git", "--git-dir", str(git_dir), "rev-parse", "HEAD"],
                            capture_output=True, text=True, check=True).stdout.strip()
    names = subprocess.run(["git", "--git-dir", str(git_dir), "ls-tree", "-r", "--name-only",
                            "HEAD"], capture_output=True, text=True, check=True).stdout.split("\n")
    wanted = [n for n in names if _WANTED.search(n)]
    archive = subprocess.run(["git", "--git-dir", str(git_dir), "archive", "HEAD", "--", *wanted],
                             capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(dest, filter="data")
    return commit


def decide(root: Path, binary: str) -> tuple[str, str, str]:
    """(C crates with what the builder installs for linux/arm64, runtime packages, refusals)."""
    ws = scan(root)
    plan = default_plan(ws, bins=[binary], platforms=["linux/amd64", "linux/arm64"],
                        runtime="debian-slim")
    crates = plan.workspace.crates_of(binary)
    image = next(i for i in plan.images if i.name == binary)
    arm64 = next(b for b in render_module.builds(plan, image)
                 if b.target.platform.name == "linux/arm64")
    extra = [p for p in arm64.packages if p not in arm64.target.platform.apt_packages]
    parts = []
    for crate in crates:
        parts.append(f"{crate.name} ({crate.links})")
    runtime = render_module.runtime_packages(plan, image)
    refused: dict[str, list[str]] = {}
    for runtime_name in ("debian-slim", "distroless", "alpine", "scratch"):
        try:
            default_plan(ws, bins=[binary], platforms=list(DEFAULT_PLATFORMS),
                         runtime=runtime_name)
        except UserError as error:
            for line in error.message.splitlines()[1:]:
                refused.setdefault(_short(line.strip()), []).append(runtime_name)
    refused_text = "; ".join(f"{'/'.join(r)}: {why}" for why, r in refused.items())
    return (", ".join(parts) or "none",
            " ".join(extra) or "nothing beyond the cross gcc and libc",
            ", ".join(runtime) or "nothing", refused_text or "nothing")


def _short(line: str) -> str:
    line = re.sub(r"^(runtime|platforms): image '[^']+': ", "", line)
    line = re.sub(r"^the (alpine|scratch) runtime needs a static musl binary, but ", "musl: ", line)
    line = line.replace(" and Cargo.lock shows no `bindgen` for it, so its build panics",
                        " (no bindgen in Cargo.lock)")
    return line.split(" (way out:")[0].split("; ")[0]


def main() -> int:
    mirror = Path(sys.argv[1] if len(sys.argv) > 1 else "/work/.mirror")
    print("| repository | commit | binary | C crates reached (mode) | arm64 builder adds | "
          "debian-slim runtime adds | refused |")
    print("|---|---|---|---|---|---|---|")
    for repo, sub, binaries in FIELD:
        git_dir = mirror / repo.replace("/", "+") / "repo"
        if not git_dir.is_dir():
            print(f"| {repo} | (no snapshot) | | | | | |")
            continue
        with tempfile.TemporaryDirectory() as tmp:
            commit = extract(git_dir, Path(tmp))
            root = Path(tmp) / sub if sub else Path(tmp)
            for binary in binaries:
                try:
                    crates, builder, runtime, refused = decide(root, binary)
                except UserError as error:
                    crates, builder, runtime, refused = ("-", "-", "-",
                                                         f"init failed: {error.message.splitlines()[0]}")
                print(f"| {repo} | `{commit[:12]}` | `{binary}` | {crates} | {builder} | "
                      f"{runtime} | {refused} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
