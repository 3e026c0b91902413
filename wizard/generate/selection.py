"""Which images the defaults choose: every deployable binary; in a large workspace the ones
that look deployed.

Every binary target is a candidate, whatever else its package is: a ``[[bin]]`` or
``src/main.rs`` of a package other members depend on is still a program (a web server whose
library the tests use, a build worker). By convention, in any workspace, the defaults leave out
dev tooling: a cargo ``xtask`` (a package or binary named ``xtask``, or under ``xtask/``) and a
``publish = false`` package named like a code generator, a benchmark or a fuzzer
(:func:`is_dev_tool`). The summary says so and how to add one back.

A workspace with more than :data:`HANDFUL` binaries is usually a product plus its tooling
(meilisearch has 11 binaries, vector 12, qdrant 10), and imaging every binary multiplies CI's
cost for images nobody deploys. There the defaults leave out what is clearly not deployed and
say why, so the user can add it back (``--bin``, or ticking it in the TUI's images step).

A binary is left out, first reason wins, when
0. (in any workspace) its ``[[bin]] required-features`` are not among its package's default
   features: a plain ``cargo build`` skips it too (shadowsocks-rust's Windows-only
   ``sswinservice``); chosen by hand, it is built with ``--features``;
1. its package or binary name is a tool's (``xtask``, fuzzers, benches, examples, tests,
   harnesses, fixtures, code and doc generators), or its source lives under such a directory;
2. a plain ``cargo build`` at the root does not build its package (``default-members``, or the
   root package of a non-virtual workspace);
3. it is a helper beside its package's main binary (the one named after the package: qdrant's
   ``wal_inspector`` beside ``qdrant``).
A cargo-fuzz target (``[package.metadata] cargo-fuzz = true``: opendal's ``fuzz_reader``) is
never a default image.
When the rules would leave nothing, every binary is kept: choosing is the user's call then.
Web apps are always kept: they are the deployable front end of the workspace.
"""

from __future__ import annotations

import re

from rsdock.lint.analysis.cdeps import member_manifests
from rsdock.lint.model.cargo_features import missing_required
from rsdock.records import record
from rsdock.wizard.generate.plan import Image

FEATURES_REASON = "its required-features"
# More binaries than this and the defaults choose; up to it every binary is imaged.
HANDFUL = 4

_TOOL_WORDS = frozenset({
    "xtask", "fuzz", "fuzzer", "fuzzers", "fuzzing", "bench", "benches", "benchmark",
    "benchmarks", "example", "examples", "test", "tests", "testing", "harness", "fixture",
    "fixtures", "bindgen", "codegen", "generator", "generate", "snapshot", "snap",
})
_TOOL_DIRS = frozenset({"xtask", "fuzz", "fuzzers", "benches", "examples", "tests", "testing"})
# Names that make a package that is never published dev tooling in a workspace of any size.
_DEV_TOOL_WORDS = frozenset({
    "xtask", "codegen", "bench", "benches", "benchmark", "benchmarks", "fuzz", "fuzzer",
    "fuzzers", "fuzzing",
})
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
    large: bool = True

    def summary(self) -> str:
        """What was left out and how to add it back, for people; "" when nothing was."""
        if not self.left_out:
            return ""
        why = f"more than {HANDFUL} in the workspace" if self.large else "dev tooling, by convention"
        featured = [e for e in self.left_out if e.reason.startswith(FEATURES_REASON)]
        what = ("binaries that need features the defaults leave off"
                if len(featured) == len(self.left_out) else
                f"binaries that look like tooling ({why}) or need features the defaults leave "
                "off" if featured else f"binaries that look like tooling ({why})")
        lines = [f"left out {len(self.left_out)} of {len(self.chosen) + len(self.left_out)} "
                 f"{what}:"]
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
    packages = {package.name: package for package in ws.members}
    # A cargo-fuzz target is never a default image, even when nothing else is left.
    fuzz = tuple(LeftOut(image, why) for image in images
                 if image.kind == "bin" and (why := fuzz_reason(ws, image)))
    images = tuple(image for image in images if image not in {f.image for f in fuzz})
    bins = [image for image in images if image.kind == "bin"]
    large = len(bins) > HANDFUL
    reasons = {image.name: (_features_reason(ws, packages, image)
                            or _dev_tool_reason(packages, image)
                            or (_reason(ws, packages, image) if large else ""))
               for image in bins}
    if all(reasons.values()) or not any(reasons.values()):
        return Selection(images, fuzz, large=large)
    return Selection(
        tuple(image for image in images if not reasons.get(image.name)),
        fuzz + tuple(LeftOut(image, reasons[image.name]) for image in bins if reasons[image.name]),
        large=large,
    )


def missing_features(ws, package, target) -> tuple[str, ...]:
    """The ``required-features`` of binary ``target`` that ``package``'s default features
    leave off: a plain ``cargo build`` skips the binary, ``--bin`` alone is refused."""
    if not getattr(target, "required_features", ()):
        return ()
    return missing_required(member_manifests(ws).get(package.name), target.required_features)


def _features_reason(ws, packages: dict, image: Image) -> str:
    """Why a binary cargo builds only with features the defaults leave off is left out (a
    plain ``cargo build`` skips it too: shadowsocks-rust's Windows-only ``sswinservice``)."""
    package = packages.get(image.package)
    target = next((t for t in package.bins if t.name == image.name), None) if package else None
    missing = missing_features(ws, package, target) if target is not None else ()
    if not missing or package is None:
        return ""
    listed = ", ".join(missing)
    return (f"{FEATURES_REASON} ({listed}) are not among the default features, so a "
            f"plain `cargo build` skips it too; named with --bin, it is built with --features "
            f"{','.join(f'{package.name}/{f}' for f in missing)}")


def fuzz_reason(ws, image: Image) -> str:
    """Why a cargo-fuzz target is never a default image ("" for other binaries): its package
    says ``[package.metadata] cargo-fuzz = true``, and such targets build with ``cargo fuzz
    build`` (sanitizer flags, a nightly toolchain); a plain build compiles libFuzzer's C++
    (libfuzzer-sys) to link a fuzzing harness nobody deploys."""
    manifest = (getattr(ws, "manifests", None) or {}).get(image.package, {})
    package = manifest.get("package", {}) if isinstance(manifest, dict) else {}
    metadata = package.get("metadata", {}) if isinstance(package, dict) else {}
    if isinstance(metadata, dict) and metadata.get("cargo-fuzz") is True:
        return f"a cargo-fuzz target of {image.package} (built by `cargo fuzz build`, not deployed)"
    return ""


def is_dev_tool(package, target_name: str) -> bool:
    """Whether a binary is dev tooling by convention (see the module docstring)."""
    return bool(_dev_tool_reason({package.name: package},
                                 Image(target_name, "bin", package.name, "", package.dir)))


def _dev_tool_reason(packages: dict, image: Image) -> str:
    package = packages.get(image.package)
    if package is None:
        return ""
    for name, what in ((package.name, "package"), (image.name, "binary")):
        if "xtask" in re.split(r"[-_]", name.lower()):
            return f"the {what} {name!r} is a cargo xtask (dev tooling, by convention)"
    if "xtask" in package.dir.split("/"):
        return "its source is under xtask/ (dev tooling, by convention)"
    if not package.publish:
        for name, what in ((package.name, "package"), (image.name, "binary")):
            words = _DEV_TOOL_WORDS & set(re.split(r"[-_]", name.lower()))
            if words:
                return (f"the unpublished {what} {name!r} is named like a "
                        f"{sorted(words)[0]} tool (dev tooling, by convention)")
    return ""


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
    # A package other members depend on keeps its binaries: a [[bin]] or src/main.rs of a
    # library is still a program (a web server whose library the tests use, a build worker).
    return ""


def _defaults_narrowed(ws) -> bool:
    """Whether default-members (or a root package) names fewer packages than the members."""
    members = {package.dir for package in ws.members}
    return bool(ws.default_members) and set(ws.default_members) < members
