"""What platform edits of a Dockerfile stand on: its ``case "$TARGETPLATFORM"``, the spellings of
each platform's facts, and a line editor that verifies its result.

A platform shows up in a Dockerfile under many spellings: its name in a case pattern, its Rust
triples, its Debian packages, its linker and tool prefix, ``CARGO_TARGET_<TRIPLE>_LINKER`` and
cc-rs's ``CC_<triple>``. :func:`substitute` swaps every one of them for another platform's, from
:mod:`rsdock.lint.knowledge.platforms`, so a copied line keeps its style and gets the right facts.
"""

from __future__ import annotations

import re
from typing import Callable

from rsdock.lint.knowledge import ccrates, platforms
from rsdock.lint.model.dockerfile import Dockerfile, Instruction, Stage, parse_dockerfile
from rsdock.lint.knowledge.platforms import Platform
from rsdock.lint.model.shell import Arm, Case, parse_script
from rsdock.records import record
from rsdock.wizard.edit.outcome import LineEditor, Outcome, Refusal

# Commands that compile Rust for the target platform.
COMPILES = re.compile(r"\bcargo\s+(build|chef\s+cook|zigbuild|auditable\s+build)\b|xx-cargo")


@record(frozen=True)
class PlatformCase:
    """A ``case "$TARGETPLATFORM"`` in a RUN, with its stage and instruction."""

    stage: Stage
    inst: Instruction
    case: Case


def _all_cases(model: Dockerfile) -> list[PlatformCase]:
    found = []
    for stage in model.stages:
        for inst in stage.runs():
            script = model.script(inst)
            if script is None or script.form == "exec":
                continue
            for case in parse_script(script.text, script.first_line).cases:
                found.append(PlatformCase(stage, inst, case))
    return found


def _on_platform(candidate: PlatformCase) -> bool:
    return "TARGETPLATFORM" in candidate.case.subject_vars


def _on_triple(candidate: PlatformCase) -> bool:
    arms = [a for a in candidate.case.arms if "*" not in a.patterns]
    return not _on_platform(candidate) and bool(arms) and all(
        platforms.by_triple(p) for a in arms for p in a.patterns)


def find_platform_cases(model: Dockerfile) -> list[PlatformCase]:
    """Every ``case`` on ``$TARGETPLATFORM`` in the RUN scripts of ``model``, in file order."""
    return [c for c in _all_cases(model) if _on_platform(c)]


def find_triple_cases(model: Dockerfile) -> list[PlatformCase]:
    """Every other ``case`` whose arms are all keyed by Rust triples of known platforms (the
    research's ``case "$RUST_TARGET"`` that sets each triple's linker), in file order."""
    return [c for c in _all_cases(model) if _on_triple(c)]


def compiles_on_build_platform(model: Dockerfile) -> bool:
    """Whether a stage running on ``$BUILDPLATFORM`` compiles Rust for the target (so each
    target platform needs its triple, linker and packages)."""
    return any(any(a.platform and "BUILDPLATFORM" in a.platform for a in s.ancestry())
               and any(COMPILES.search(i.original) and "wasm32" not in i.original
                       for i in s.runs()) for s in model.stages)


def arm_platform(arm: Arm) -> Platform | None:
    """The one platform an arm's patterns name (by platform, alias or Rust triple), or None."""
    named = {p.name for p in (platforms.get(x) or platforms.by_triple(x) for x in arm.patterns)
             if p is not None}
    return platforms.get(next(iter(named))) if len(named) == 1 else None


def arm_lines(arm: Arm) -> tuple[int, int]:
    """The first and last file lines of a case arm (through its ``;;``)."""
    return arm.line, arm.line + arm.node.end_point[0] - arm.node.start_point[0]


def spellings(p: Platform) -> list[tuple[str, str]]:
    """(token, kind) pairs for every spelling of ``p``'s facts a Dockerfile may contain."""
    # The multiarch tuple before the cross prefix: on amd64 they are one token, and the
    # pkg-config directory every generated arm names is a multiarch path.
    pairs = [(p.name, "name"), (p.gnu_triple, "gnu"), (p.gcc_package, "gcc"),
             (p.libc_package, "libc"), (p.linker, "linker"), (p.gxx_package, "gxx"),
             (p.multiarch, "multiarch"), (p.linker[: -len("-gcc")], "prefix"),
             (ccrates.musl_cc(p).removesuffix("-gcc"), "musl_tuple"),
             (p.debian_arch, "arch"), (platforms.linker_env_var(p.gnu_triple), "var_gnu"),
             (platforms.cc_env_suffix(p.gnu_triple), "cc_gnu"),
             (platforms.cc_env_suffix(p.gnu_triple).upper(), "up_gnu")]
    if p.musl_triple:
        pairs += [(p.musl_triple, "musl"), (platforms.linker_env_var(p.musl_triple), "var_musl"),
                  (platforms.cc_env_suffix(p.musl_triple), "cc_musl"),
                  (platforms.cc_env_suffix(p.musl_triple).upper(), "up_musl")]
    return pairs


def token_re(tokens: list[str]) -> re.Pattern[str]:
    """A regex matching any of ``tokens`` as a whole word (``_``, ``-``, ``/`` may border it)."""
    alternatives = "|".join(re.escape(t) for t in sorted(set(tokens), key=len, reverse=True))
    return re.compile(rf"(?<![A-Za-z0-9])({alternatives})(?![A-Za-z0-9])")


def substitute(text: str, old: Platform, new: Platform) -> str | None:
    """``text`` with every fact of ``old`` replaced by ``new``'s; None when ``new`` lacks one
    (a musl triple of a platform without musl)."""
    mapping: dict[str, str | None] = {}
    new_by_kind = dict((kind, token) for token, kind in spellings(new))
    for token, kind in spellings(old):
        mapping.setdefault(token, new_by_kind.get(kind))
    missing = False

    def swap(match: re.Match[str]) -> str:
        nonlocal missing
        value = mapping[match[1]]
        if value is None:
            missing = True
            return match[0]
        return value

    result = token_re(list(mapping)).sub(swap, text)
    return None if missing else result


def has_word(text: str, word: str) -> bool:
    """Whether ``word`` occurs in ``text`` as a whole word."""
    return bool(token_re([word]).search(text))


class Editor:
    """One Dockerfile being edited: its cases, pending line edits and outcome."""

    def __init__(self, model: Dockerfile, linkers: dict[str, str]):
        self.model = model
        self.lines = LineEditor(model.text)
        self.out = Outcome(model.text)
        # One parse of the RUN scripts serves both kinds of case; the model never changes
        # while it is edited (edits are pending lines), so neither does what it compiles.
        every_case = _all_cases(model)
        self.cases = [c for c in every_case if _on_platform(c)]
        self.triple_cases = [c for c in every_case if _on_triple(c)]
        self._cross_compiles = compiles_on_build_platform(model)
        self.linkers = linkers
        self.arm_lines: set[int] = set()
        for found in self.cases + self.triple_cases:
            for arm in found.case.arms:
                first, last = arm_lines(arm)
                self.arm_lines.update(range(first, last + 1))

    def refuse(self, line: int, message: str, manual: list[str] | tuple[str, ...] = ()) -> None:
        """Record an edit that cannot be made safely."""
        self.out.refusals.append(Refusal(self.model.path, line, message, tuple(manual)))

    def cross_compiles(self) -> bool:
        """Whether a stage on $BUILDPLATFORM runs cargo (then every platform needs settings)."""
        return self._cross_compiles

    def instruction_of(self, line: int) -> Instruction | None:
        """The instruction that spans file line ``line``."""
        return next((i for i in self.model.instructions if i.line <= line <= i.end_line), None)

    def outside_arms(self) -> list[int]:
        """Lines of RUN and ENV instructions that are not inside a platform case arm."""
        numbers = []
        for inst in self.model.instructions:
            if inst.cmd in ("RUN", "ENV"):
                numbers += [n for n in range(inst.line, inst.end_line + 1)
                            if n not in self.arm_lines]
        return numbers

    def finish(self, verify: Callable[[Dockerfile], str | None]) -> Outcome:
        """The outcome: the edited text when it parses and ``verify(model)`` finds no problem,
        else a refusal (and the original text)."""
        if self.out.refusals or not self.lines.changed:
            return self.out
        text = self.lines.text()
        check = parse_dockerfile(self.model.path, text)
        problem = verify(check) if not check.errors else check.errors[0].message
        if problem:
            self.out.refusals.append(Refusal(self.model.path, 0, f"the edited file would be "
                                             f"wrong ({problem}); nothing was changed"))
            return self.out
        self.out.text = text
        return self.out


def only_words(ed: Editor, line: int, words: set[str]) -> bool:
    """Whether line ``line`` holds nothing but ``words`` (and a continuation)."""
    content = ed.lines.line(line).strip()
    if content.endswith(ed.model.escape):
        content = content[:-1]
    found = [w.strip("\"'") for w in content.split()]
    return bool(found) and all(w in words for w in found)


def rename_lists(ed: Editor, found: PlatformCase | None, old: list[str],
                  new: list[str]) -> None:
    """Keep "builds linux/amd64, linux/arm64" in comments and the unsupported-platform message
    true: the exact list of the case's platforms (table order) becomes the new list."""
    order = platforms.names()
    old = sorted(set(old), key=order.index)
    new = sorted(set(new), key=order.index)
    if len(old) < 2 or old == new:
        return
    default = [a for a in found.case.arms if "*" in a.patterns] if found else []
    numbers = {n for a in default for n in range(arm_lines(a)[0], arm_lines(a)[1] + 1)}
    numbers |= {n for n in range(1, len(ed.lines.lines) + 1)
                if ed.lines.line(n).lstrip().startswith("#")}
    for number in sorted(numbers):
        text = ed.lines.current(number)
        if text != ed.lines.line(number):
            continue  # renamed already (by the call for another case of the same file)
        if text and ", ".join(old) in text:
            ed.lines.replace(number, text.replace(", ".join(old), ", ".join(new)))
            ed.out.reasons.append(f"list {', '.join(new)} on line {number}")


def drop_continuation(ed: Editor, number: int) -> bool:
    """Remove the trailing continuation of line ``number``; False when it has none."""
    text = ed.lines.current(number)
    if text is None or not text.rstrip().endswith(ed.model.escape):
        return False
    ed.lines.replace(number, text.rstrip()[:-1].rstrip())
    return True


def verify_arm(check: Dockerfile, platform: Platform, present: bool) -> str | None:
    """Why ``check`` does not have (or still has) an arm for ``platform``; None when right."""
    cases = find_platform_cases(check)
    names = {p.name for c in cases for p in (arm_platform(a) for a in c.case.arms) if p}
    if cases and (platform.name in names) != present:
        return f"the case arm for {platform.name} is {'missing' if present else 'still there'}"
    return None
