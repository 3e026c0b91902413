"""What a C dependency needs, added to a hand-written builder: RS212's fix, or the lines to add.

Given, per platform, the builder packages and environment a cargo build lacks (RS212 works
them out from Cargo.lock and the C-crate table), :func:`c_needs_fix` finds where each goes in
the Dockerfile the way the file already does it, and returns one :class:`~Fix` for the whole
file, or, when it cannot tell where something goes, a display-only one (no edits, not safe)
holding the exact lines to add by hand:

* packages go into the platform's own package list when the file has one (a ``case`` arm on
  ``$TARGETPLATFORM`` or ``$TARGETARCH`` naming the platform's cross gcc or libc, as in
  ``set -- gcc-aarch64-linux-gnu libc6-dev-arm64-cross``), else into the ``apt-get install``
  that installs the cross compilers (one list for every platform, or a single-platform
  builder), in that list's style (one per line, or on the line);
* a foreign architecture's packages (``libssl-dev:arm64``) need ``dpkg --add-architecture``
  before the ``apt-get update`` of the same RUN, unless the RUN already adds it (literally, or
  through a variable each arm sets, like rsdock's ``arch=arm64``);
* the environment goes into one ``ENV`` right before the first cargo build: every variable is
  per target (``PKG_CONFIG_LIBDIR_<triple>``, ``CXX_<triple>``) or the same for all.

Only builders on Debian (the ``rust`` images, ``debian``) are edited: elsewhere a multiarch
package may not exist (Ubuntu serves foreign architectures from another mirror).
"""

from __future__ import annotations

import re
import textwrap

from rsdock.lint.analysis import build
from rsdock.lint.knowledge import platforms
from rsdock.lint.knowledge.platforms import Platform
from rsdock.lint.model.dockerfile import Dockerfile, Instruction, Stage, image_name
from rsdock.lint.model.findings import Edit, Fix, line_offsets
from rsdock.lint.model.shell import Arm, parse_script
from rsdock.records import record

_PACKAGE = re.compile(r"[A-Za-z0-9][A-Za-z0-9.+~_-]*(:[a-z0-9]+)?")
# apt's own commands, not a wrapper's (xx-apt-get installs for the target by itself).
_INSTALL = re.compile(r"(?<![\w-])apt(?:-get)?\s+(?:-\S+\s+)*install\b")
_UPDATE = re.compile(r"(?<![\w-])apt(?:-get)?\s+(?:-\S+\s+)*update\b")
_ADD_ARCH = re.compile(r"\bdpkg\s+--add-architecture\s+(\"?\$\{?(\w+)\}?\"?|[a-z0-9]+)")
_SAFE_VALUE = re.compile(r"^[A-Za-z0-9_./:=+,@%-]*$")
# Where a package list ends: its RUN, line, column, whether it holds one package a line, and
# the platform case arm it is in (None: a list for every platform).
Spot = tuple[Instruction, int, int, bool, "Arm | None"]


@record(frozen=True)
class Lacking:
    """What one platform's cargo build lacks: packages (build tools, cross compilers and the
    target's ``PKG:<arch>``) and environment (name, value), in the order to add them."""

    platform: Platform
    packages: tuple[str, ...]
    env: tuple[tuple[str, str], ...]


def c_needs_fix(model: Dockerfile, stage: Stage, first_call: Instruction,
                lacking: list[Lacking], crates: str,
                single_arch: frozenset[str] = frozenset()) -> tuple[Fix, int]:
    """The fix adding everything ``lacking`` says to ``model``, or a display-only fix, and
    the line of the instruction a refusal is about (0 for none): the finding names it as a
    related place, as the refusal's text does not.

    Args:
        model: the Dockerfile (without parse errors).
        stage: the stage whose cargo builds lack something (its ancestry is searched).
        first_call: the first RUN of ``stage`` (or an ancestor) with such a build: the
            environment goes right before it.
        lacking: per platform, what is missing.
        crates: the crates' names, for the comment above the new ``ENV``.
        single_arch: ``-dev`` packages that are not Multi-Arch: same: one list may hold them
            for one architecture only.

    Returns:
        The fix: a safe :class:`Fix` when every addition has its place, else one with no edits,
        ``safe=False`` and ``manual`` holding the lines to add by hand (``description`` says
        why); and the refused instruction's line, or 0.
    """
    plan = _Plan(model, stage, single_arch)
    why = plan.base_refusal()
    if not why:
        for need in lacking:
            why = plan.add_packages(need)
            if why:
                break
    if not why:
        why = plan.add_architectures()
    env = _merged_env(lacking)
    if not why and env:
        plan.add_env(first_call, env, crates)
    if why:
        return Fix(f"cannot add what the C crates need safely: {why}", (), safe=False,
                   manual=manual_lines(lacking)), plan.refused_at
    names = ", ".join(n.platform.name for n in lacking)
    if not plan.edits():  # each is where rsdock would put it, yet the build lacks it
        return Fix("cannot tell what to add: the package lists already name what the build "
                   "lacks", (), safe=False, manual=manual_lines(lacking)), 0
    return Fix(f"add what the C crates need for {names}", plan.edits()), 0


def manual_lines(lacking: list[Lacking]) -> tuple[str, ...]:
    """The lines a builder needs for ``lacking``, to add by hand (in the research's style)."""
    lines = []
    arches = sorted({p.split(":", 1)[1] for n in lacking for p in n.packages if ":" in p})
    if arches:
        lines.append(" && ".join(f"dpkg --add-architecture {a}" for a in arches)
                     + "   # before apt-get update")
    for need in lacking:
        if need.packages:
            lines.append(f"apt-get install -y --no-install-recommends {' '.join(need.packages)}"
                         f"   # {need.platform.name}")
    env = _merged_env(lacking)
    if env:
        lines += _env_lines(env, "\\")
    return tuple(lines)


def _merged_env(lacking: list[Lacking]) -> list[tuple[str, str]]:
    merged: dict[str, str] = {}
    for need in lacking:
        for key, value in need.env:
            merged.setdefault(key, value)
    return sorted(merged.items())


def _quoted(value: str) -> str:
    return value if _SAFE_VALUE.match(value) else '"' + value.replace('"', '\\"') + '"'


def _env_lines(env: list[tuple[str, str]], escape: str) -> list[str]:
    lines = [f"ENV {env[0][0]}={_quoted(env[0][1])}"]
    lines += [f"    {key}={_quoted(value)}" for key, value in env[1:]]
    return [line + f" {escape}" for line in lines[:-1]] + [lines[-1]]


class _Plan:
    """The insertions a fix makes, by character offset into the original text."""

    def __init__(self, model: Dockerfile, stage: Stage, single_arch: frozenset[str]):
        self.model = model
        self.stage = stage
        self.single_arch = single_arch
        self.shared_arches: dict[str, set[str]] = {}  # single-arch package -> arches, shared
        self.lines = model.text.splitlines(keepends=True)
        self.offsets = line_offsets(model.text)
        self.inserts: dict[int, str] = {}
        self.added: dict[int, set[str]] = {}  # line -> packages its list has (or gets)
        self.arches: dict[int, list[tuple[str, Arm | None]]] = {}  # RUN line -> arches added
        self.runs = [i for s in reversed(stage.ancestry()) for i in s.runs()]
        self.refused_at = 0  # the line of the instruction a refusal is about

    # ------------------------------------------------------------------ helpers
    def text(self, inst: Instruction) -> str:
        """What a RUN executes (a heredoc's body too)."""
        script = self.model.script(inst)
        return inst.original if script is None else inst.original + "\n" + script.text

    def line(self, number: int) -> str:
        return self.lines[number - 1].rstrip("\r\n")

    def at(self, number: int, column: int) -> int:
        return self.offsets[number - 1] + column

    def insert(self, offset: int, text: str) -> None:
        self.inserts[offset] = self.inserts.get(offset, "") + text

    def edits(self) -> tuple[Edit, ...]:
        return tuple(Edit(at, at, text) for at, text in sorted(self.inserts.items()))

    def base_refusal(self) -> str:
        root = self.stage.ancestry()[-1].base.lower()
        name, tag = image_name(root)
        if name == "rust" and "alpine" not in tag or name == "debian":
            return ""
        return (f"the builder is based on {root}, not on Debian (a rust or debian image), so "
                "rsdock cannot tell whether its packages exist for the target")

    # ------------------------------------------------------------------ packages
    def add_packages(self, need: Lacking) -> str:
        """Put ``need``'s packages in the platform's list; a refusal reason, or ""."""
        if not need.packages:
            return ""
        spot = self._arm_spot(need.platform) or self._shared_spot()
        if spot is None:
            return ("no apt-get install in the builder has a package list rsdock can add to "
                    "(words it can read, after the cross compilers or any package)")
        inst, number, column, one_per_line, arm = spot
        if not _UPDATE.search(self.text(inst)):
            self.refused_at = number
            return ("an apt-get install has no apt-get update before it in its RUN, which dpkg "
                    "--add-architecture must precede")
        text = self.line(number)
        added = self.added.setdefault(number, set(text[:column].split()))
        new = [p for p in need.packages if p not in added]
        added.update(new)
        if not new:
            return ""
        if one_per_line:
            indent = text[: len(text) - len(text.lstrip())]
            escape = self.model.escape
            end = self.at(number, len(self.lines[number - 1]))
            ending = self.lines[number - 1][len(text):] or "\n"
            if text.rstrip().endswith(escape):
                self.insert(end, "".join(f"{indent}{p} {escape}{ending}" for p in new))
            else:  # the list's last line: the new ones go before it, continued
                start = self.at(number, 0)
                self.insert(start, "".join(f"{indent}{p} {escape}{ending}" for p in new))
        else:
            self.insert(self.at(number, column), "".join(f" {p}" for p in new))
        for package in new:
            name, _, arch = package.partition(":")
            if arch:
                self.arches.setdefault(inst.line, []).append((arch, arm))
            if arch and arm is None and name in self.single_arch:
                self.shared_arches.setdefault(name, set()).add(arch)
                if len(self.shared_arches[name]) > 1:
                    return (f"{name} is not Multi-Arch: same, so one apt-get install cannot hold "
                            f"it for {' and '.join(sorted(self.shared_arches[name]))}: the "
                            "builder needs a package list per platform (a case arm)")
        return ""

    def _arm_spot(self, platform: Platform) -> Spot | None:
        """Where the platform's own package list ends: in an arm of a platform case."""
        for inst in self.runs:
            script = self.model.script(inst)
            if script is None or script.form == "exec" or not _INSTALL.search(self.text(inst)):
                continue
            for case in parse_script(script.text, script.first_line).cases:
                if not case.subject_vars & {"TARGETPLATFORM", "TARGETARCH"}:
                    continue
                for arm in case.arms:
                    matched = build.arm_platforms(case, arm.patterns)
                    if platform not in matched:
                        continue
                    first = arm.line
                    last = first + arm.node.end_point[0] - arm.node.start_point[0]
                    for number in range(first, last + 1):
                        end = self._after_words(number, platform.apt_packages)
                        if end is not None:
                            if len(matched) > 1:
                                return None
                            return inst, number, end, False, arm
        return None

    def _shared_spot(self) -> Spot | None:
        """Where the last ``apt-get install`` of cross compilers (else of anything) ends."""
        cross = {pkg for p in platforms.PLATFORMS for pkg in p.apt_packages}
        candidates: list[tuple[bool, Spot]] = []
        for inst in self.runs:
            if self.model.script(inst) is None or not _INSTALL.search(self.text(inst)):
                continue
            for number in range(inst.line, inst.end_line + 1):
                match = _INSTALL.search(self.line(number))
                spot = match and self._install_end(inst, number, match.end())
                if spot:
                    installs_cross = any(w.split(":")[0] in cross for w in spot[3])
                    candidates.append((installs_cross, (inst, spot[0], spot[1], spot[2], None)))
        best = [c for cross_list, c in candidates if cross_list] or [c for _x, c in candidates]
        return best[-1] if best else None

    def _after_words(self, number: int, words: tuple[str, ...]) -> int | None:
        """The column after the package list holding one of ``words`` on line ``number``."""
        text = self.line(number)
        hits = [m for w in words for m in re.finditer(
            rf"(?<![A-Za-z0-9:.+_-]){re.escape(w)}(?![A-Za-z0-9:.+_-])", text)]
        if not hits:
            return None
        end = max(m.end() for m in hits)
        while True:
            match = re.match(r"[ \t]+", text[end:])
            if not match:
                return end
            word = _PACKAGE.match(text, end + match.end())
            if word is None or (word.end() < len(text) and text[word.end()] not in " \t"):
                return end
            end = word.end()

    def _install_end(self, inst: Instruction, number: int,
                     column: int) -> tuple[int, int, bool, list[str]] | None:
        """(line, column, one-per-line, packages) where ``apt-get install``'s arguments end."""
        escape = self.model.escape
        last: tuple[int, int] | None = None
        packages: list[str] = []
        one_per_line = False
        while number <= inst.end_line:
            text = self.line(number)
            body = text.rstrip()
            continued = body.endswith(escape)
            if continued:
                body = body[:-1]
            for match in re.finditer(r"\S+", body[column:]):
                word = match.group()
                if word in ("&&", "||", ";", "|") or word.startswith(("#", ")")) \
                        or word.endswith(";"):
                    return (last[0], last[1], one_per_line, packages) if last else None
                if word.startswith(("$(", '"$(', "`", '"`')):
                    return None  # a command substitution: its words are not known here
                if not word.startswith("-"):
                    if not _PACKAGE.fullmatch(word.strip("\"'")):
                        if not word.startswith(('"$', "$")):
                            return (last[0], last[1], one_per_line, packages) if last else None
                    packages.append(word.strip("\"'"))
                    last = (number, column + match.end())
                    one_per_line = body.strip() == word
            if not continued:
                break
            number, column = number + 1, 0
        return (last[0], last[1], one_per_line, packages) if last else None

    # ------------------------------------------------------------------ architectures
    def add_architectures(self) -> str:
        """``dpkg --add-architecture`` for each foreign architecture a RUN now installs."""
        for run_line, added in sorted(self.arches.items()):
            inst = next(i for i in self.runs if i.line == run_line)
            literal = {m[1] for m in _ADD_ARCH.finditer(self.text(inst)) if not m[2]}
            variables = {m[2] for m in _ADD_ARCH.finditer(self.text(inst)) if m[2]}
            missing = []
            for arch, arm in added:
                if arch in literal or arch in missing:
                    continue
                if arm is not None and any(arm.assigned.get(v) == arch for v in variables):
                    continue
                missing.append(arch)
            if not missing:
                continue
            for number in range(inst.line, inst.end_line + 1):
                match = _UPDATE.search(self.line(number))
                if match:
                    self.insert(self.at(number, match.start()), "".join(
                        f"dpkg --add-architecture {a} && " for a in missing))
                    break
            else:
                self.refused_at = run_line
                return ("a RUN that would install a foreign architecture's packages has no "
                        "apt-get update line for dpkg --add-architecture to precede")
        return ""

    # ------------------------------------------------------------------ environment
    def add_env(self, first_call: Instruction, env: list[tuple[str, str]], crates: str) -> None:
        number = first_call.line
        while number > 1 and self.line(number - 1).lstrip().startswith("#"):
            number -= 1
        ending = self.lines[first_call.line - 1][len(self.line(first_call.line)):] or "\n"
        comment = textwrap.wrap(f"What the build scripts of the C crates in Cargo.lock "
                                f"({crates}) read; added by rsdock edit (RS212).", 97,
                                initial_indent="# ", subsequent_indent="# ")
        block = comment + _env_lines(env, self.model.escape)
        self.insert(self.at(number, 0), "".join(line + ending for line in block))
