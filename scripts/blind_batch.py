#!/usr/bin/env python3
"""Score `rsdock lint` on a blind batch against its kept verdicts (docs/field-test/blind-*.jsonl).

The verdict file holds one JSON object a line: ``{"type": "repo", "name", "github", "commit"}``
for each repository of the batch, and ``{"type": "finding", "repo", "rule", "severity", "path",
"line", "verdict", "kind", "reason", "message"}`` for each RS finding at warning and above that
was judged (``verdict``: true, false or debatable).

Each repository is expected exported at its commit in ``FOLDER/<name>``, every file of
``git --git-dir=<mirror> ls-tree -r <commit>`` written out blob by blob (not ``git archive``:
it honours ``export-ignore``, which dropped paradedb's ``.github``, and stops at the first blob a
snapshot lacks). The script lints each
one (``rsdock lint --format json --no-hadolint`` at its root), matches the warning+ RS findings
to the verdicts by repository, rule, path and line, and prints the per-rule table, the precision
with and without RS410, the judged findings that are gone, the false ones still reported, and
the findings nobody judged yet
(judge those by hand before quoting a figure).

Usage: python scripts/blind_batch.py VERDICTS.jsonl FOLDER [--json-dir DIR]
    (--json-dir: read DIR/<name>.json instead of linting)
"""

from __future__ import annotations

import argparse
import collections
import json
import subprocess
import sys
from pathlib import Path

Key = tuple[str, str, str, int]


def load(path: Path) -> tuple[list[dict[str, str]], dict[Key, list[dict[str, object]]]]:
    """The repositories and the verdicts (several findings may share a key) of a verdict file."""
    repos: list[dict[str, str]] = []
    verdicts: dict[Key, list[dict[str, object]]] = collections.defaultdict(list)
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        item = json.loads(line)
        if item["type"] == "repo":
            repos.append(item)
        else:
            verdicts[(item["repo"], item["rule"], item["path"], int(item["line"]))].append(item)
    return repos, verdicts


def findings(folder: Path, name: str, json_dir: Path | None) -> list[dict[str, object]]:
    """The RS findings at warning and above of one repository."""
    if json_dir is not None:
        data = json.loads((json_dir / f"{name}.json").read_text(encoding="utf-8"))
    else:
        done = subprocess.run(["rsdock", "lint", "--format", "json", "--no-hadolint"],
                              cwd=folder / name, capture_output=True, text=True, check=False)
        data = json.loads(done.stdout)
    return [f for f in data["findings"] if str(f["rule"]).startswith("RS")
            and f["severity"] in ("warning", "error")]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("verdicts", type=Path)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--json-dir", type=Path)
    args = parser.parse_args()
    repos, verdicts = load(args.verdicts)
    table: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    seen: collections.Counter[Key] = collections.Counter()
    unjudged = []
    still_false = []
    for repo in repos:
        for f in findings(args.folder, repo["name"], args.json_dir):
            key = (repo["name"], str(f["rule"]), str(f["path"]), int(f["line"]))  # type: ignore[call-overload]
            kept = verdicts.get(key, [])
            if seen[key] < len(kept):
                table[key[1]][str(kept[seen[key]]["verdict"])] += 1
                if kept[seen[key]]["verdict"] == "false":
                    still_false.append((key, kept[seen[key]]))
            else:
                table[key[1]]["unjudged"] += 1
                unjudged.append((key, f["message"]))
            seen[key] += 1
    print("| rule | true | false | debatable | unjudged | total |")
    print("|---|---|---|---|---|---|")
    total: collections.Counter[str] = collections.Counter()
    for rule in sorted(table):
        row = table[rule]
        total.update(row)
        print(f"| {rule} | {row['true']} | {row['false']} | {row['debatable']} | "
              f"{row['unjudged']} | {sum(row.values())} |")
    print(f"| **all** | {total['true']} | {total['false']} | {total['debatable']} | "
          f"{total['unjudged']} | {sum(total.values())} |")
    no410 = collections.Counter()
    for rule, row in table.items():
        if rule != "RS410":
            no410.update(row)
    for label, row in (("including RS410", total), ("excluding RS410", no410)):
        judged = row["true"] + row["false"]
        share = 100.0 * row["true"] / judged if judged else 0.0
        print(f"precision {label}: {row['true']} / {judged} = {share:.1f} %")
    gone = [(k, v) for k, items in verdicts.items() for v in items[seen[k]:]]
    print(f"\ngone ({len(gone)}):")
    for key, item in sorted(gone, key=lambda kv: kv[0]):
        print(f"  {item['verdict']:9} {key[1]} {key[0]} {key[2]}:{key[3]}  ({item['reason']})")
    print(f"\nstill false ({len(still_false)}):")
    for key, item in still_false:
        print(f"  {key[1]} {key[0]} {key[2]}:{key[3]}  ({item['reason']})")
    print(f"\nunjudged ({len(unjudged)}):")
    for key, message in unjudged:
        print(f"  {key[1]} {key[0]} {key[2]}:{key[3]}  {message}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
