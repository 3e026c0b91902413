"""Check that a speed change leaves every finding as it was: lint the same inputs with two
rsdock installs and compare the JSON reports byte for byte.

Usage: ``python benchmarks/same_findings.py OUT_DIR --rsdock VENV/bin/rsdock [--tree DIR]
[--compare OTHER_OUT_DIR]``. Run it once with the old install (the reference) and once with the
new one, the second time with ``--compare`` naming the first run's folder; it prints each input
whose report differs and exits 1 if any does.

The inputs are those of ``bench_process.py`` (the generated 16,000-line Dockerfile and, with
``--tree``, a large repository such as vector) and every field fixture under
``tests/fixtures/field`` (copied outside the checkout, as ``tests/lint/test_field_fixtures.py``
lints them, so that the repository's root is the fixture's). Each is linted by
``rsdock lint --no-hadolint --format json`` in a fresh process.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_process import long_dockerfile  # noqa: E402  (the same generated Dockerfile)

FIELD = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "field"


def inputs(scratch: Path, tree: Path | None) -> dict[str, tuple[Path, list[str]]]:
    """Name -> (folder to run in, paths to lint) of every input."""
    found: dict[str, tuple[Path, list[str]]] = {
        "16k-line-Dockerfile": (long_dockerfile(scratch / "long"), ["Dockerfile"])}
    if tree is not None:
        found[tree.name] = (tree.resolve(), [])
    for fixture in sorted(FIELD.iterdir()):
        root = scratch / "field" / fixture.name
        shutil.copytree(fixture, root, symlinks=True)
        if fixture.name == "crash-symlink-loop":  # a self-referencing symlink upstream
            link = root / "tests/fixtures/symlink/unknown.md"
            link.parent.mkdir(parents=True, exist_ok=True)
            os.symlink("unknown.md", link)
        found[f"field-{fixture.name}"] = (root, [])
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="folder for the JSON reports (created)")
    parser.add_argument("--rsdock", required=True, help="the rsdock console script to run")
    parser.add_argument("--tree", type=Path, help="a large repository to lint too (vector)")
    parser.add_argument("--compare", type=Path, help="a folder of reports to compare with")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    with tempfile.TemporaryDirectory(prefix="rsdock-same-") as tmp:
        for name, (cwd, paths) in inputs(Path(tmp), args.tree).items():
            run = subprocess.run([args.rsdock, "lint", "--no-hadolint", "--format", "json",
                                  *paths], cwd=cwd, capture_output=True, env=env)
            report = run.stdout + f"\nexit {run.returncode}\n".encode() + run.stderr
            # the scratch folder's name differs between runs (an error message may name it)
            (args.out / f"{name}.json").write_bytes(report.replace(tmp.encode(), b"<scratch>"))
    if args.compare is None:
        return 0
    differ = [p.name for p in sorted(args.out.iterdir())
              if not (args.compare / p.name).exists()
              or (args.compare / p.name).read_bytes() != p.read_bytes()]
    for name in differ:
        print(f"differs: {name}")
    print(f"{len(list(args.out.iterdir())) - len(differ)} reports identical, "
          f"{len(differ)} differ")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
