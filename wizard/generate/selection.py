"""Which images the defaults choose: every one in a small workspace, the deployable ones in a
large workspace.

A workspace with more than :data:`HANDFUL` binaries is usually a product plus its tooling
(meilisearch has 11 binaries, vector 12, qdrant 10), and imaging every binary multiplies CI's
cost for images nobody deploys. There the defaults leave out what is clearly not deployed and
say why, so the user can add it back (``--bin``, or ticking it in the TUI's images step).

A binary is left out, first reason wins, when
1. its package or binary name is a tool's (``xtask``, fuzzers, benches, examples, tests,
   harnesses, fixtures, code and doc generators), or its source lives under such a directory;
2. a plain ``cargo build`` at the root does not build its package (``default-members``, or the
   root package of a non-virtual workspace);
3. it is a helper beside its package's main binary (the one named after the package: qdrant's
   ``wal_inspector`` beside ``qdrant``);
4. its package is a library another (non-tool) member depends on: its ``main.rs`` is then a
   developer's entry point (meilisearch's ``filter-parser``).
When the rules would leave nothing, every binary is kept: choosing is the user's call then.
Web apps are always kept: they are the deployable front end of the workspace.
"""

from __future__ import annotations

import re

from rsdock.records import record
from rsdock.wizard.generate.plan import Image

# More binaries than this and the defaults choose; up to it every binary is imaged.
HANDFUL = 4

_TOOL_WORDS = frozenset({
    "xtask", "fuzz", "fuzzer", "fuzzers", "fuzzing", "bench", "benches", "benchmark",
    "benchmarks", "example", "examples", "test", "tests", "testing", "harness", "fixture",
    "fixtures", "bindgen", "codegen", "generator", "generate", "snapshot", "snap",
})
_TOOL_DIRS = frozenset({"xtask", "fuzz", "fuzzers", "benches", "examples", "tests", "testing"})
_DOC_TOOL = re.compile(r"(^|[-_])docs?[-_](builder|renderer|gen|generator)([-_]|$)")


@record(frozen=True)
class LeftOut:
    """An image the defaults did not choose, and why."""

    image: Image
    reason: str


@record(frozen=True)
class Selection:
    """The images the defaults choose and the ones they leave out, in workspace order."""

    chosen: tuple[Image, ...]
    left_out: tuple[LeftOut, ...] = ()

    def summary(self) -> str:
        """What was left out and how to add it back, for people; "" when nothing was."""
        if not self.left_out:
            return ""
        lines = [f"left out {len(self.left_out)} of {len(self.chosen) + len(self.left_out)} "
                 f"binaries that look like tooling (more than {HANDFUL} in the workspace):"]
        lines += [f"  {entry.image.name}: {entry.reason}" for entry in self.left_out]
        kept = " ".join(f"--bin {image.name}" for image in self.chosen)
        lines.append(f"to image one of them too, name every image: rsdock init {kept} --bin NAME"
                     " (or tick it in rsdock-tui's images step)")
        return "\n".join(lines)


def select(ws, images: tuple[Image, ...]) -> Selection:
    """Choose the default images among ``images`` (all of ``ws``'s binaries and web apps).

    Args:
        ws: a scanned ``rsdock.lint.model.cargo.Workspace``.
        images: one image per binary and web app, in workspace order.
    """
    bins = [image for image in images if image.kind == "bin"]
    if len(bins) <= HANDFUL:
        return Selection(images)
    packages = {package.name: package for package in ws.members}
    reasons = {image.name: _reason(ws, packages, image) for image in bins}
    if all(reasons.values()):
        return Selection(images)
    return Selection(
        tuple(image for image in images if not reasons.get(image.name)),
        tuple(LeftOut(image, reasons[image.name]) for image in bins if reasons[image.name]),
    )


def is_tool_name(name: str) -> bool:
    """Whether a package or binary name says it is tooling (``xtask``, ``fuzz-indexing``...)."""
    lowered = name.lower()
    return bool(_TOOL_WORDS & set(re.split(r"[-_]", lowered))) or bool(_DOC_TOOL.search(lowered))


def _reason(ws, packages: dict, image: Image) -> str:
    package = packages.get(image.package)
    if package is None:
        return ""
    for name, what in ((package.name, "package"), (image.name, "binary")):
        if is_tool_name(name):
            return f"the {what} name {name!r} is a tool's"
    target = next((t for t in package.bins if t.name == image.name), None)
    source_dirs = set(package.dir.split("/")) | set((target.path if target else "").split("/")[:-1])
    tool_dir = sorted(_TOOL_DIRS & source_dirs)
    if tool_dir:
        return f"its source is under {tool_dir[0]}/"
    if _defaults_narrowed(ws) and package.dir not in ws.default_members:
        return ("a plain `cargo build` does not build its package (not in default-members)"
                if ws.virtual else "not the root package, which a plain `cargo build` builds")
    if image.name != package.name and any(t.name == package.name for t in package.bins):
        return f"a helper binary beside the package's main binary {package.name!r}"
    users = sorted(p.name for p in ws.members
                   if package.dir in p.uses and not is_tool_name(p.name))
    if users:
        return f"its package is a library {users[0]} depends on"
    return ""


def _defaults_narrowed(ws) -> bool:
    """Whether default-members (or a root package) names fewer packages than the members."""
    members = {package.dir for package in ws.members}
    return bool(ws.default_members) and set(ws.default_members) < members
