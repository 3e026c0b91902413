"""One answer to each question (issue #21): whether a platform, a runtime and the C libraries a
binary reaches can work together is decided once (``rsdock.lint.analysis.compat``), and
``rsdock init``, ``rsdock edit --add-platform``, the TUI's platforms and runtime steps and
``rsdock lint`` (RS506) give the same verdict, with the same refusal ids, for every case of the
table: a C-library shape x platform x runtime.

Each driver sees the case as it would in use:

- init: ``rsdock init --yes --dry-run --platform P --runtime R`` on the case's workspace;
- the TUI: the problems its platforms and runtime steps show (``steps.problems_for``, what
  ``StepPane`` lists) for the same choices;
- edit: files generated for a pure-Rust workspace on another platform with runtime R, then the
  case's ``Cargo.toml``/``Cargo.lock`` put in, then ``rsdock edit --add-platform P --yes``;
- lint: files generated for a pure-Rust workspace with P and R (what a project whose files
  claim that combination looks like), the case's manifests put in, ``rsdock lint``'s RS506.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import sys
from pathlib import Path

import pytest

from rsdock.cli import main
from rsdock.lint.model.cargo import scan
from rsdock.wizard.generate import answers, steps
from rsdock.wizard.generate.defaults import with_workspace

REG = 'source = "registry+https://github.com/rust-lang/crates.io-index"'
PLATFORMS = ("linux/amd64", "linux/arm64", "linux/arm/v7")
RUNTIMES = ("debian-slim", "distroless", "alpine", "scratch")


def _lock(*packages: tuple[str, str, tuple[str, ...]], app_deps: tuple[str, ...] = ()) -> str:
    deps = ", ".join(f'"{d}"' for d in app_deps)
    text = f'version = 3\n\n[[package]]\nname = "app"\nversion = "0.1.0"\ndependencies = [{deps}]\n'
    for name, version, dependencies in packages:
        listed = ", ".join(f'"{d}"' for d in dependencies)
        text += (f'\n[[package]]\nname = "{name}"\nversion = "{version}"\n{REG}\n'
                 f"dependencies = [{listed}]\n")
    return text


_HELPERS = (("cc", "1.2.0", ()), ("cmake", "0.1.54", ()), ("pkg-config", "0.3.31", ()))

# case: (the [dependencies] lines of Cargo.toml, Cargo.lock)
CASES: dict[str, tuple[str, str]] = {
    "pure": ("", _lock()),
    "openssl": ('openssl-sys = "0.9"\n', _lock(
        ("openssl-sys", "0.9.104", ("cc", "pkg-config")), *_HELPERS, app_deps=("openssl-sys",))),
    "aws-lc-old": ('aws-lc-rs = "1"\n', _lock(
        ("aws-lc-rs", "1.13.0", ("aws-lc-sys",)), ("aws-lc-sys", "0.29.0", ("cc", "cmake")),
        *_HELPERS, app_deps=("aws-lc-rs",))),
    "aws-lc-new": ('aws-lc-rs = "1"\n', _lock(
        ("aws-lc-rs", "1.15.2", ("aws-lc-sys",)), ("aws-lc-sys", "0.39.0", ("cc", "cmake")),
        *_HELPERS, app_deps=("aws-lc-rs",))),
    "pyo3": ('pyo3 = { version = "0.22", features = ["auto-initialize"] }\n', _lock(
        ("pyo3", "0.22.6", ("pyo3-ffi", "pyo3-build-config")),
        ("pyo3-build-config", "0.22.6", ()), ("pyo3-ffi", "0.22.6", ("pyo3-build-config",)),
        app_deps=("pyo3",))),
    "sqlite": ('libsqlite3-sys = { version = "0.30", features = ["bundled"] }\n', _lock(
        ("libsqlite3-sys", "0.30.1", ("cc", "pkg-config")), *_HELPERS,
        app_deps=("libsqlite3-sys",))),
}

_ID_RE = re.compile(r"rsdock refusal ([a-z0-9-]+)")


@pytest.fixture(autouse=True)
def no_terminal(monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))


def _workspace(root: Path, case: str = "pure") -> Path:
    deps, lock = CASES[case]
    (root / "src").mkdir(parents=True, exist_ok=True)
    (root / "src" / "main.rs").write_text("fn main() {}\n")
    (root / "Cargo.toml").write_text('[package]\nname = "app"\nversion = "0.1.0"\n'
                                     f'edition = "2021"\n\n[dependencies]\n{deps}')
    (root / "Cargo.lock").write_text(lock)
    return root


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """Files generated for the pure-Rust workspace, per (runtime, platform): made once."""
    made: dict[tuple[str, str], Path] = {}

    def get(runtime: str, platform: str) -> Path:
        if (runtime, platform) not in made:
            root = _workspace(tmp_path_factory.mktemp("pure"))
            code = main(["init", str(root), "--yes", "--platform", platform,
                         "--runtime", runtime])
            assert code == 0, f"pure Rust refused for {platform} on {runtime}"
            made[runtime, platform] = root
        return made[runtime, platform]

    return get


def _copy(source: Path, dest: Path, case: str) -> Path:
    shutil.copytree(source, dest)
    return _workspace(dest, case)


def _ids(text: str) -> frozenset[str]:
    return frozenset(_ID_RE.findall(text))


def _init(root: Path, platform: str, runtime: str, capsys) -> frozenset[str]:
    capsys.readouterr()
    code = main(["init", str(root), "--yes", "--dry-run", "--platform", platform,
                 "--runtime", runtime])
    err = capsys.readouterr().err
    ids = _ids(err)
    assert (code != 0) == bool(ids), (code, err)
    return ids


def _tui(root: Path, platform: str, runtime: str) -> frozenset[str]:
    plan = with_workspace(answers.load(root), scan(root)).with_changes(
        platforms=(platform,), runtime=runtime)
    shown = steps.problems_for(plan, "platforms") + steps.problems_for(plan, "runtime")
    assert all(p.refusal for p in shown), shown  # nothing but the question asked here
    return frozenset(p.refusal for p in shown)


def _edit(root: Path, platform: str, capsys) -> frozenset[str]:
    capsys.readouterr()
    code = main(["edit", str(root), "--add-platform", platform, "--yes"])
    err = capsys.readouterr().err
    ids = _ids(err)
    assert (code != 0) == bool(ids), (code, err)
    return ids


def _lint(root: Path, capsys) -> frozenset[str]:
    capsys.readouterr()
    main(["lint", str(root), "--format", "json", "--no-hadolint"])
    found = json.loads(capsys.readouterr().out)["findings"]
    return frozenset(i for f in found if f["rule"] == "RS506" for i in _ids(f["message"]))


# What the knowledge says today, for a reader (and so a table that agrees on "everything is
# allowed" or "everything refused" cannot pass): the refusal ids per case on armv7 debian-slim
# and on alpine amd64.
EXPECTED = {
    ("aws-lc-old", "linux/arm/v7", "debian-slim"): {"no-bindings"},
    ("aws-lc-new", "linux/arm/v7", "debian-slim"): set(),
    ("openssl", "linux/amd64", "alpine"): {"musl-system"},
    ("sqlite", "linux/amd64", "alpine"): {"musl-c"},
    ("openssl", "linux/arm/v7", "distroless"): set(),
    ("pure", "linux/arm/v7", "scratch"): set(),
    # pyo3 embedding Python links Debian's libpython (glibc only): every glibc runtime on
    # every platform, no static musl runtime.
    ("pyo3", "linux/arm/v7", "debian-slim"): set(),
    ("pyo3", "linux/arm64", "distroless"): set(),
    ("pyo3", "linux/amd64", "alpine"): {"musl-system"},
    ("pyo3", "linux/arm/v7", "scratch"): {"musl-system"},
}


@pytest.mark.parametrize("runtime", RUNTIMES)
@pytest.mark.parametrize("case", sorted(CASES))
def test_init_edit_the_tui_and_lint_give_one_answer(case, runtime, generated, tmp_path, capsys):
    disagree = []
    for platform in PLATFORMS:
        claimed = _copy(generated(runtime, platform), tmp_path / f"lint-{platform[6:]}", case)
        other = "linux/arm64" if platform == "linux/amd64" else "linux/amd64"
        edited = _copy(generated(runtime, other), tmp_path / f"edit-{platform[6:]}", case)
        verdicts = {
            "init": _init(claimed, platform, runtime, capsys),
            "tui": _tui(claimed, platform, runtime),
            "edit": _edit(edited, platform, capsys),
            "lint": _lint(claimed, capsys),
        }
        if len(set(verdicts.values())) != 1:
            disagree.append((platform, {k: sorted(v) for k, v in verdicts.items()}))
        expected = EXPECTED.get((case, platform, runtime))
        if expected is not None:
            assert verdicts["init"] == expected, (platform, verdicts)
    assert not disagree, disagree
