"""Write RESULTS.md from results.json (which ``python -m pytest -m e2e tests/e2e`` writes).

    python -m tests.e2e.report            # writes tests/e2e/RESULTS.md
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).parent
ORDER_RT = ["debian-slim", "distroless", "alpine", "scratch"]
ORDER_PF = ["linux/amd64", "linux/arm64", "linux/arm/v7"]

HEADER = """\
# Build lab results

Real builds of `rsdock init`'s output for the lab workspaces (`tests/e2e/workspaces/`), in the
offline build lab (`tests/e2e/lab.py`; stand-in base images, see the Dockerfiles under
`tests/e2e/images/`). Regenerate (as root; about {minutes} minutes here on 2 cores):

    python -m pytest -m e2e tests/e2e        # builds, writes tests/e2e/results.json
    python -m tests.e2e.report               # writes this file

Lab setup: {setup}.
Seconds are one `docker build` of one image for one platform, with the base images in the lab
registry and BuildKit's cache warm from earlier cases of the same session (the builder stage is
shared by the debian-slim and distroless cases of a workspace). Size is the image's uncompressed
size as `docker image inspect` reports it, and in brackets `docker save` gzipped (about what a
registry stores; the 100 MB limit for a small debian-slim server is checked on that).

"""


def _detail(row) -> str:
    d = (row.get("detail") or "").replace("\n", " ").replace("|", "\\|").strip()
    return d[:300] + ("..." if len(d) > 300 else "")


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
        out.append(
            f"| {r['workspace']} | {r.get('image') or '-'} | {r['runtime']} | {r['platform']} | "
            f"{r['result']} | {r.get('seconds') if r.get('seconds') is not None else '-'} | "
            f"{_size(r)} | {started} | {_detail(r)} |")
    counts: dict[str, int] = {}
    for r in rows:
        counts[r["result"]] = counts.get(r["result"], 0) + 1
    out.append("")
    out.append("Totals: " + ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))
               + f"; {total:.0f} s of builds.")
    notes = meta.get("notes")
    if notes:
        out.append("")
        out.extend(notes)
    return "\n".join(out) + "\n"


def main(argv=None) -> int:
    src = HERE / "results.json"
    if not src.exists():
        print(f"no {src}: run python -m pytest -m e2e tests/e2e first", file=sys.stderr)
        return 1
    (HERE / "RESULTS.md").write_text(render(json.loads(src.read_text())))
    print(HERE / "RESULTS.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
