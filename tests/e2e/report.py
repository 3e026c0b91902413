"""Write docs/e2e.md from results.json (which ``python -m pytest -m e2e tests/e2e`` writes).

    python -m tests.e2e.report            # writes docs/e2e.md
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).parent
OUT = HERE.parent.parent / "docs" / "e2e.md"
ORDER_RT = ["debian-slim", "distroless", "alpine", "scratch"]
ORDER_PF = ["linux/amd64", "linux/arm64", "linux/arm/v7"]

HEADER = """\
# The build lab: what was really built

Real builds of `rsdock init`'s output for the lab workspaces (`tests/e2e/workspaces/`), in the
offline build lab (`tests/e2e/lab.py`; stand-in base images, see the Dockerfiles under
`tests/e2e/images/`). Regenerate (as root; the builds below add up to {minutes} minutes):

    python -m pytest -m e2e tests/e2e        # builds, writes tests/e2e/results.json
    python -m tests.e2e.report               # writes this file (docs/e2e.md)

How the lab is set up and used: [tests/e2e/README.md](../tests/e2e/README.md). The rows with
workspace `broken` are `tests/e2e/test_broken.py`: a generated project broken one way on
purpose, built for linux/arm64, which must fail and which `rsdock lint` must have named first.

Lab setup: {setup}.
Seconds are one `docker build` of one image for one platform, with the base images in the lab
registry and BuildKit's cache from earlier cases of the same session: the toolchain and cross
package layers of the builder are shared by every workspace (so the first case of each platform
pays for them; since issue #24 no stage runs on the target, so none runs under QEMU), and a workspace's
builder is shared by its runtimes (the first runtime built for a platform pays the compile). Size is the image's uncompressed
size as `docker image inspect` reports it, and in brackets `docker save` gzipped (about what a
registry stores; the 100 MB limit for a small debian-slim server is checked on that).

"""


NOTES = """\
## What the results mean

{c_note}
- zstd builds and runs on every platform for debian-slim and distroless: the generator reads
  the lock's zstd-sys (Debian's: dependencies bindgen and pkg-config, no cc) as linking the
  system libzstd, so the builder installs pkg-config and `libzstd-dev:<arch>` (and libclang for
  its bindgen), and the runtime gets `libzstd1` (no longer xfail, `-k zstd`, 2026-12-02).
- One Dockerfile per workspace (#10): pure's `server` and `labcli` are two final stages of one
  Dockerfile, each built with `--target` as the workflow's one job builds them; the builder
  compiles both binaries once per platform, so the second image's seconds are its final stage.
- alpine and scratch with a C dependency are refused by rsdock, with the way out (a glibc
  runtime, or cargo-zigbuild); the test checks the refusal names it.
- The fifth broken variant, runtime library removed, was first tried with openssl's `libssl3`:
  the image still started, because ca-certificates depends on openssl, which brings libssl3. It
  removes sqlite's `libsqlite3-0`: the image builds and fails to start without it.
- zstd: Debian's `zstd-sys` always links the system libzstd (upstream's compiles its bundled copy
  with the target's C compiler), so the lab's zstd rows test the system-library path: the
  generated builder must install `libzstd-dev:<arch>` and the runtime `libzstd1`.
- Size: a debian-slim image for arm64 is over 100 MB unpacked whatever it holds, because
  `debian:bookworm-slim` for arm64 is 97 MB unpacked by itself (its libraries are aligned to
  64 KiB pages); the 100 MB check for a small debian-slim server uses the gzipped size.
- The generated `.dockerignore` leaves rsdock's own files (each Dockerfile, `.dockerignore`,
  `rsdock.toml`) out of the build context: before, they were in it, so a workspace's
  debian-slim and distroless projects differed in `COPY . .` and compiled twice; now the second
  runtime's builder comes from the cache and the row's seconds are mostly its runtime stage.
  (The lab still writes its Dockerfile copies and logs outside the context: any other file
  there would change `COPY . .`.)

## What each stand-in differs in

The lab is offline: every base image is made here from Debian's packages. Each stand-in's
Dockerfile (`tests/e2e/images/*/Dockerfile`) starts by saying what differs; in short:

- `debian:bookworm-slim`, `debian:trixie-slim`: `debootstrap --variant=minbase`, slimmed as
  debuerreotype does (no docs, man pages, locales; apt's docker-* settings). Made today from the
  mirror, not a dated snapshot; sizes within a few MB of the official images.
- `rust:<v>-slim-bookworm` (tags 1.85, 1.85.1, 1.86): Debian **trixie**'s rustc/cargo 1.85.1
  whatever the tag says, with Debian's std for aarch64/armv7 gnu (no musl std), Debian's packaged
  crates served as crates.io (hence the lab workspaces' lockfiles, resolved against them), a
  stand-in `rustup` (`target add` checks the std is there) and a stand-in `cargo-chef`. Like the
  real slim image: gcc, libc6-dev, no pkg-config, no lib*-dev. Its gcc 14 / glibc 2.41 and cross
  packages are trixie's; the binaries ran on the bookworm runtimes.
- `gcr.io/distroless/cc-debian12:nonroot`: bookworm's libc6, libgcc-s1, libgomp1, libstdc++6,
  libssl3, ca-certificates, tzdata, netbase unpacked for the target; user nonroot 65532, no
  shell. Differs: today's package versions, no `/var/lib/dpkg/status.d`, not trimmed file by file
  as distroless's Bazel rules do, other layers and digests. Served as
  `localhost:5000/gcr.io/...`: the test rewrites that FROM in its copy of the Dockerfile.
- `alpine:3.22`: Debian's busybox (static, glibc) and musl 1.2.5, a CA bundle, a stand-in `apk`
  that knows only what the templates add, `addgroup`/`adduser` scripts. Not exercised: see below.
- `busybox:1.37`: Debian's busybox-static 1.37.0 (static glibc), Debian's applet selection.
- alpine and busybox are made only by `python -m tests.e2e.lab setup --all-images`: no lab
  build uses them (musl runtimes and trunk web apps are skipped before building).
- The built copy of each Dockerfile drops the `# syntax=` line (its frontend image cannot be
  pulled; the engine's built-in frontend is used).

## What cannot be built here, and why

- **alpine and scratch (the `*-musl*` targets)**: the lab's Rust is Debian's, and Debian packages
  no musl std for Rust (checked: `apt-cache search --names-only musl` on bookworm and trixie
  lists no Rust package; trixie's std packages are `libstd-rust-dev`, `libstd-rust-dev-wasm32`
  and `libstd-rust-web-dev` only), and rustup cannot download one here. Those cases are
  reported as skipped (`lab has no musl std`), never as passed. rsdock refuses none of the
  4 runtimes x 3 platforms.
- **A trunk web app**: trunk and wasm-bindgen-cli are not packaged in Debian (bookworm or
  trixie: `apt-cache search` finds only the `librust-wasm-bindgen*-dev` library crates and
  `binaryen`), and neither is on PyPI (its `trunk` is an unrelated PostgreSQL package; there is
  no wasm-bindgen wheel) nor installable from npm as the Rust tool. The wasm32 std itself is
  there (`libstd-rust-dev-wasm32` 1.85.1 in trixie), so only the bundler is missing.
"""


def _detail(row) -> str:
    """The lines of a failure that say why, BuildKit's step prefixes and noise dropped."""
    lines = [re.sub(r"^#\d+ (?:[\d.]+ )?\s*", "", ln).strip()
             for ln in (row.get("detail") or "").splitlines()]
    lines = [ln for ln in lines if ln and "executor failed" not in ln and "warning" not in ln]
    if row.get("result") == "refused":  # rsdock's own message: the reason, not the header or hint
        lines = [ln for ln in lines if not ln.startswith(("error:", "hint:"))] or lines
        d = " / ".join(lines).replace("|", "\\|")
        return d[:400] + ("..." if len(d) > 400 else "")
    first = [ln for ln in lines if re.search(r"error:|cannot find|could not be found", ln)]
    d = " / ".join(dict.fromkeys(first or lines)).replace("|", "\\|")
    return d[:400] + ("..." if len(d) > 400 else "")


def _size(row) -> str:
    if row.get("size_mb") is None:
        return "-"
    return f"{row['size_mb']} ({row.get('compressed_mb', '?')})"


def render(data: dict) -> str:
    meta = data.get("meta", {})
    rows = data.get("rows", [])
    total = sum(r.get("seconds") or 0 for r in rows)
    setup = meta.get("setup_note") or (
        f"{meta.get('setup_seconds', '?')} s in the last run "
        f"({'engine already up' if meta.get('setup_engine_was_running') else 'engine started'})")
    last = meta.get("last_session")
    if last:
        setup += (f" Last session ({last['finished']}): {last['cases']} cases in "
                  f"{last['seconds']:.0f} s, lab setup and teardown included")
    out = [HEADER.format(minutes=max(1, round(total / 60)), setup=setup)]
    out.append("| workspace | image | runtime | platform | result | seconds | size MB (gzip MB) | started as | detail |")
    out.append("|---|---|---|---|---|---:|---:|---|---|")

    def key(r):
        return (r["workspace"], r.get("image", ""),
                ORDER_RT.index(r["runtime"]) if r["runtime"] in ORDER_RT else 9,
                ORDER_PF.index(r["platform"]) if r["platform"] in ORDER_PF else 9)

    for r in sorted(rows, key=key):
        started = r.get("started", "")
        if r.get("user"):
            started = f"{started}, USER {r['user']}"
        if r.get("elf"):
            started += ", e_machine " + "/".join(str(m) for m in dict.fromkeys(r["elf"].values()))
        out.append(
            f"| {r['workspace']} | {r.get('image') or '-'} | {r['runtime']} | {r['platform']} | "
            f"{r['result']} | {r.get('seconds') if r.get('seconds') is not None else '-'} | "
            f"{_size(r)} | {started} | {_detail(r)} |")
    counts: dict[str, int] = {}
    for r in rows:
        # "build failed as expected; lint RS207": counted as "...; lint named it"
        result = re.sub(r"; lint RS\S.*$", "; lint named it", r["result"])
        counts[result] = counts.get(result, 0) + 1
    out.append("")
    out.append("Totals: " + ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))
               + f"; {total:.0f} s of builds.")
    out.append("")
    broken = [r for r in rows if r["workspace"] == "broken"]
    c_rows = [r for r in rows if r["workspace"] in ("openssl", "sqlite", "zstd")
              and r["runtime"] in ("debian-slim", "distroless")]
    c_ok = sum(r["result"] == "passed" for r in c_rows)
    c_note = (f"- **C libraries (openssl, sqlite, zstd) on debian-slim and distroless**: {c_ok} of "
              f"{len(c_rows)} builds passed (the generator installs pkg-config, the target's "
              "`-dev` package after `dpkg --add-architecture`, sets `PKG_CONFIG_LIBDIR_<triple>`, "
              "and puts the runtime library in the image).")
    if broken:
        missed = sum("missed" in r["result"] for r in broken)
        named = ", ".join(f"{r['runtime']} {r['result'].rsplit('lint ', 1)[-1]}" for r in broken
                          if "missed" not in r["result"])
        c_note += (f"\n- **Broken on purpose** (`workspace` broken): {len(broken)} variants, each "
                   f"failing in the lab as intended; `rsdock lint` named {len(broken) - missed} "
                   f"of them first, at the broken line ({named})"
                   + (f", and missed {missed} (xfail: LINT_MISSES in test_broken.py)." if missed
                      else "."))
    c_note += _issue_notes(rows)
    out.append(NOTES.format(c_note=c_note))
    out.append(issue_21_matrix(rows))
    return "\n".join(out) + "\n"


def issue_21_matrix(rows: list[dict]) -> str:
    """Issue #21's cases x platform x glibc runtime: built and ran, refused (the way out), failed,
    or not built, from the recorded rows (a `debian-slim, binfmt off` row counts for debian-slim:
    the same Dockerfile, built with QEMU off)."""
    runtimes = ("debian-slim", "distroless")
    head = ["| case | " + " | ".join(f"{p.removeprefix('linux/')} {r}" for p in ORDER_PF
                                       for r in runtimes) + " |",
            "|---|" + "---|" * (len(ORDER_PF) * len(runtimes))]
    reasons: dict[str, int] = {}
    counts: dict[str, int] = {}
    for ws in ISSUE_21:
        cells = []
        for platform in ORDER_PF:
            for runtime in runtimes:
                mine = [r for r in rows if r["workspace"] == ws and r["platform"] == platform
                        and r["runtime"] in (runtime, f"{runtime}, binfmt off")]
                results = {r["result"] for r in mine}
                if "passed" in results:
                    cell = "built+ran"
                    if any(r["runtime"].endswith("binfmt off") and r["result"] == "passed"
                           for r in mine):
                        cell += " (also QEMU off)"
                elif any(r["result"].startswith("refused") for r in mine):
                    row = next(r for r in mine if r["result"].startswith("refused"))
                    number = reasons.setdefault(_detail(row), len(reasons) + 1)
                    cell = f"refused [{number}]"
                elif mine:
                    row = mine[0]
                    number = reasons.setdefault(f"{row['result']}: {_detail(row)}",
                                                len(reasons) + 1)
                    cell = f"{row['result']} [{number}]"
                else:
                    cell = "not built"
                counts[cell.split(" [")[0].split(" (")[0]] = \
                    counts.get(cell.split(" [")[0].split(" (")[0], 0) + 1
                cells.append(cell)
        head.append(f"| {ws} | " + " | ".join(cells) + " |")
    text = ["", "## Issue #21's cases: 7 x 3 platforms x 2 glibc runtimes", "",
            "Each cell is what the recorded rows above show for the case's image "
            "(`tests/e2e/workspaces/<case>`, `python -m pytest -m e2e tests/e2e` with "
            "`RSDOCK_LAB_MATRIX=full`): built+ran = the image built, its binary is an ELF for "
            "the platform and ran under QEMU as a non-root user printing what the case checks; "
            "not built = no row yet: no recorded session built it (the default CI matrix builds "
            "each case x runtime on one platform only, the rest is the on-demand full matrix, "
            "see tests/e2e/README.md). "
            + ", ".join(f"{n} {k}" for k, n in sorted(counts.items())) + ".", ""] + head
    if reasons:
        text.append("")
        text += [f"[{n}] {why}" for why, n in reasons.items()]
    return "\n".join(text)


# Issue #21's lab workspaces (tests/e2e/workspaces/), each one case of the acceptance.
ISSUE_21 = ("libpq", "libcurl", "ring", "gitbuild", "includedocs", "optionalc", "pyo3")


def _issue_notes(rows: list[dict]) -> str:
    """What the rows show for issue #21's workspaces and #24's no-emulation builds."""
    lines = []
    glibc = ("debian-slim", "distroless", "debian-slim, binfmt off")
    for ws in ISSUE_21:
        mine = [r for r in rows if r["workspace"] == ws and r["runtime"] in glibc]
        if not mine:
            lines.append(f"  - {ws}: not built yet")
            continue
        by = {}
        for r in mine:
            by.setdefault(r["result"], []).append(f"{r['runtime']} {r['platform']}")
        lines.append(f"  - {ws}: " + "; ".join(f"{k}: {', '.join(v)}" for k, v in by.items()))
    off = [r for r in rows if r["runtime"].endswith("binfmt off")]
    ok = sum(r["result"] == "passed" for r in off)
    return ("\n- **Issue #21's workspaces** (glibc runtimes; a platform missing from a line was "
            "not built in the last sessions):\n" + "\n".join(lines)
            + f"\n- **No emulation (issue #24)**: {ok} of {len(off)} debian-slim builds of "
            "C-library workspaces for arm64 and arm/v7 passed with every QEMU binfmt handler "
            "disabled (`debian-slim, binfmt off` rows): the libraries and their Debian "
            "dependencies are unpacked for the target on the build machine, so no stage runs "
            "on the target; the handlers are enabled again only to start the image. The "
            "control (`test_a_target_platform_run_fails_without_binfmt`) shows a `RUN` in an "
            "arm64 stage fails then with \"exec format error\".")


def main(argv=None) -> int:
    src = HERE / "results.json"
    if not src.exists():
        print(f"no {src}: run python -m pytest -m e2e tests/e2e first", file=sys.stderr)
        return 1
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(render(json.loads(src.read_text())))
    print(OUT)
    return 0


if __name__ == "__main__":
    sys.exit(main())
