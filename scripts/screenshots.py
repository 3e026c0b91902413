"""Regenerate ``screenshots/``: one SVG per wizard step and per edit-mode view, drawn by the
snapshot tests' app.

Usage: ``python scripts/screenshots.py`` (rewrite) or ``python scripts/screenshots.py --check``
(exit 1 when a committed screenshot differs, for CI). ``tests/test_tui_screenshots.py`` runs the
check, so the screenshots in the docs never drift from the app.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SCREENSHOTS = REPO / "screenshots"
sys.path.insert(0, str(REPO))  # the snapshot tests' app is tests.wizard.tui.snapshot_app

from tests.wizard.tui.snapshot_app import (  # noqa: E402
    EDIT_VIEWS, SIZE, make_app, make_edit_app, press_settled, show_step,
)

from rsdock.wizard.generate import steps  # noqa: E402


def file_name(index: int, step_id: str) -> str:
    """``3-platforms.svg``: numbered so a directory listing shows the steps in order."""
    return f"{index}-{step_id}.svg"


#: The font Rich's SVG asks for, and the stack it gets instead. Rich names Fira Code (from a
#: CDN that image viewers and GitHub's SVG sandbox do not load) then the generic family,
#: which several renderers resolve to a proportional font: each run of text drawn narrower
#: than its cells left holes before the next run ("4 files (4 new) ·      0 findings") and
#: made block-glyph borders look like short ticks. Installed monospace fonts come first.
RICH_FONT = "font-family: Fira Code, monospace;"
PORTABLE_FONT = ('font-family: "DejaVu Sans Mono", Menlo, Consolas, "Liberation Mono", '
                 '"Fira Code", monospace;')


def portable(svg: str) -> str:
    """``svg`` with a font stack every renderer resolves to a monospace font."""
    if RICH_FONT not in svg:
        raise SystemExit("Rich's SVG no longer names its font as expected: update RICH_FONT")
    return svg.replace(RICH_FONT, PORTABLE_FONT)


#: A second set of the wizard's steps, drawn on a bigger terminal: layouts must hold at both.
WIDE = (120, 40)
WIDE_DIR = "120x40"


async def _draw(step_id: str, size: tuple[int, int] = SIZE) -> str:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await show_step(pilot, step_id)
        return portable(app.export_screenshot(title=f"rsdock-tui: {steps.step(step_id).title}"))


# Edit mode (``rsdock-tui`` on a project with files): file name -> (view of EDIT_VIEWS, title).
EDIT_SCREENSHOTS: dict[str, tuple[str, str]] = {
    "edit-1-plan": ("plan", "edit mode: the plan read from the files"),
    "edit-2-findings": ("findings", "edit mode: findings per file"),
    "edit-3-diff": ("platform-diff", "edit mode: a plan change as a diff"),
}


async def _draw_edit(view: str, title: str) -> str:
    fixture, keys = EDIT_VIEWS[view]
    app = make_edit_app(fixture)
    async with app.run_test(size=SIZE) as pilot:
        await press_settled(pilot, *keys)
        return portable(app.export_screenshot(title=f"rsdock-tui: {title}"))


def generate(out_dir: Path) -> list[Path]:
    """Draw every step, then every edit-mode view, into ``out_dir``; return the files written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for index, step in enumerate(steps.STEPS, 1):
        path = out_dir / file_name(index, step.id)
        path.write_text(asyncio.run(_draw(step.id)), encoding="utf-8")
        written.append(path)
    for name, (view, title) in EDIT_SCREENSHOTS.items():
        path = out_dir / f"{name}.svg"
        path.write_text(asyncio.run(_draw_edit(view, title)), encoding="utf-8")
        written.append(path)
    (out_dir / WIDE_DIR).mkdir(exist_ok=True)
    for index, step in enumerate(steps.STEPS, 1):
        path = out_dir / WIDE_DIR / file_name(index, step.id)
        path.write_text(asyncio.run(_draw(step.id, WIDE)), encoding="utf-8")
        written.append(path)
    return written


def differences(committed: Path, fresh: Path) -> list[str]:
    """Names of screenshots that are missing, extra or different in ``committed``."""
    wanted = {p.relative_to(fresh).as_posix(): p.read_text(encoding="utf-8")
              for p in fresh.rglob("*.svg")}
    have = {p.relative_to(committed).as_posix(): p.read_text(encoding="utf-8")
            for p in committed.rglob("*.svg")}
    return sorted(name for name in wanted.keys() | have.keys()
                  if wanted.get(name) != have.get(name))


def main(argv: list[str] | None = None) -> int:
    """Rewrite (or with ``--check``, verify) the screenshots; return the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail instead of writing")
    args = parser.parse_args(argv)
    # The pictures show the colours whatever the caller's terminal settings (Textual reads
    # NO_COLOR when an app starts).
    os.environ.pop("NO_COLOR", None)
    if not args.check:
        for stale in SCREENSHOTS.rglob("*.svg"):
            stale.unlink()
        for path in generate(SCREENSHOTS):
            print(path.relative_to(REPO))
        return 0
    with tempfile.TemporaryDirectory() as scratch:
        generate(Path(scratch))
        changed = differences(SCREENSHOTS, Path(scratch))
    if changed:
        print(f"screenshots out of date: {', '.join(changed)}; run python scripts/screenshots.py",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
