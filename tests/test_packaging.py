"""The wheel ships every module, template and example file, and works installed outside the repo."""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest
from tests.tools import REPO

# Top-level folder -> where it lands in the wheel (pyproject.toml's package-dir).
PACKAGE_DIRS = {"rsdock": "rsdock", "lint": "rsdock/lint", "wizard": "rsdock/wizard"}
_IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", "target", ".pytest_cache", ".hypothesis")


def _copy_sources(dest: Path) -> Path:
    """The files a source distribution would hold, without build leftovers of the checkout.

    Building in a copy keeps a stale ``build/`` folder of the checkout out of the wheel and
    keeps parallel builds from sharing it.
    """
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        if (REPO / name).is_file():
            shutil.copy2(REPO / name, dest / name)
    for folder in (*PACKAGE_DIRS, "templates", "examples"):
        shutil.copytree(REPO / folder, dest / folder, ignore=_IGNORED)
    # What a cargo build of the example leaves behind must not ship.
    target = dest / "examples" / "workspace" / "target"
    (target / "debug" / ".fingerprint").mkdir(parents=True)
    (target / "debug" / "server").write_text("binary")
    (target / "debug" / ".fingerprint" / "hash").write_text("x")
    (target / ".rustc_info.json").write_text("{}")
    return dest


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    source = _copy_sources(tmp_path_factory.mktemp("src"))
    out = tmp_path_factory.mktemp("dist")
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(source)],
        capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr
    (built,) = out.glob("rsdock-*.whl")
    return built


@pytest.fixture(scope="module")
def names(wheel) -> set[str]:
    with zipfile.ZipFile(wheel) as archive:
        return set(archive.namelist())


def _files(folder: Path, pattern: str = "*"):
    for path in folder.rglob(pattern):
        parts = path.relative_to(folder).parts
        if path.is_file() and "__pycache__" not in parts and "target" not in parts:
            yield path


def test_every_module_ships(names):
    expected = {
        f"{dest}/{path.relative_to(REPO / src).as_posix()}"
        for src, dest in PACKAGE_DIRS.items() for path in _files(REPO / src, "*.py")
    }
    assert len(expected) > 20
    assert expected - names == set()


def test_every_knowledge_data_file_ships(names):
    """The knowledge tables that are data (the C-crate table, the crates' features, Debian's
    package dependencies) are read at run time: an installed rsdock without them cannot lint."""
    folder = REPO / "lint" / "knowledge"
    expected = {f"rsdock/lint/knowledge/{p.name}" for p in folder.iterdir()
                if p.is_file() and p.suffix in (".toml", ".json")}
    assert "rsdock/lint/knowledge/debian_deps.json" in expected
    assert expected - names == set()


def test_every_template_ships(names):
    expected = {f"rsdock/templates/{p.relative_to(REPO / 'templates').as_posix()}"
                for p in _files(REPO / "templates", "*.j2")}
    assert expected
    assert expected - names == set()


def test_tcss_ships(names):
    expected = {f"rsdock/wizard/{p.relative_to(REPO / 'wizard').as_posix()}"
                for p in _files(REPO / "wizard", "*.tcss")}
    assert expected - names == set()


def test_example_workspace_ships_with_dotfiles_and_without_target(names):
    expected = {f"rsdock/examples/{p.relative_to(REPO / 'examples').as_posix()}"
                for p in _files(REPO / "examples")}
    assert "rsdock/examples/workspace/Cargo.toml" in expected
    assert expected - names == set()
    dotfiles = {n for n in expected if "/." in n}
    assert dotfiles, "the example has dotfiles (.gitignore at least); they must ship"
    assert not [n for n in names if "/target/" in n]


def test_console_script_is_declared(wheel):
    with zipfile.ZipFile(wheel) as archive:
        entry = next(n for n in archive.namelist() if n.endswith("entry_points.txt"))
        assert "rsdock = rsdock.cli:entry" in archive.read(entry).decode()


def test_installed_wheel_runs_init_on_the_example(wheel, tmp_path):
    env_dir = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env_dir)], check=True,
                   timeout=120)
    python = env_dir / "bin" / "python"
    site = Path(subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True).stdout.strip())
    # The dependencies come from this test's venv: a plain path line adds its site-packages
    # without running its .pth files, so the checkout's editable install stays out of sight.
    (site / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    install = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet",
         "--no-deps", str(wheel)],
        capture_output=True, text=True, timeout=300,
    )
    assert install.returncode == 0, install.stderr
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    where = subprocess.run([str(python), "-c", "import rsdock; print(rsdock.__file__)"],
                           cwd=outside, capture_output=True, text=True, check=True)
    assert Path(where.stdout.strip()).is_relative_to(env_dir)
    result = subprocess.run(
        [str(env_dir / "bin" / "rsdock"), "init", "--example", "--yes", "--dry-run"],
        cwd=outside, capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stderr
    # the example read is the one the wheel installed, not the checkout's
    assert result.stdout.startswith(f"reading the bundled example workspace: {env_dir}")
    assert "==> Dockerfile (new) <==" in result.stdout
    assert "==> .github/workflows/docker.yml (new) <==" in result.stdout
    assert "dry run: nothing was written" in result.stdout
    assert list(outside.iterdir()) == []
