"""Targeted Dockerfile edits for adding or removing a platform: never a rewrite.

Adding a platform copies an existing ``case "$TARGETPLATFORM"`` arm in its own style, with every
platform fact of the copied platform (name, triples, packages, linker, variable names) swapped
for the new one's from :mod:`rsdock.lint.platforms`; the cross packages go into the apt list in
its continuation style; a linker setting outside the arm (``ENV CARGO_TARGET_…_LINKER``) is
copied the same way. Comments, continuations and unrelated instructions are left alone. What has
no recognisable structure is refused with the lines to add by hand.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rsdock.lint import platforms
from rsdock.lint.dockerfile import Dockerfile, Instruction, Stage, parse_dockerfile
from rsdock.lint.platforms import Platform
from rsdock.lint.shell import Arm, Case, parse_script
from rsdock.wizard.edits.model import LineEditor, Outcome, Refusal

# Tools that set the linker themselves: no CARGO_TARGET_*_LINKER is needed with them.
_COMPILES = re.compile(r"\bcargo\s+(build|chef\s+cook|zigbuild|auditable\s+build)\b|xx-cargo")
_SELF_LINKING = re.compile(r"\b(xx-cargo|zigbuild|cross\s+build)\b")


@dataclass(frozen=True)
class PlatformCase:
    """A ``case "$TARGETPLATFORM"`` in a RUN, with its stage and instruction."""

    stage: Stage
    inst: Instruction
    case: Case


def find_platform_cases(model: Dockerfile) -> list[PlatformCase]:
    """Every ``case`` on ``$TARGETPLATFORM`` in the RUN scripts of ``model``, in file order."""
    found = []
    for stage in model.stages:
        for inst in stage.runs():
            script = model.script(inst)
            if script is None or script.form == "exec":
                continue
            for case in parse_script(script.text, script.first_line).cases:
                if "TARGETPLATFORM" in case.subject_vars:
                    found.append(PlatformCase(stage, inst, case))
    return found


def compiles_on_build_platform(model: Dockerfile) -> bool:
    """Whether a stage running on ``$BUILDPLATFORM`` compiles Rust for the target (so each
    target platform needs its triple, linker and packages)."""
    return any(any(a.platform and "BUILDPLATFORM" in a.platform for a in s.ancestry())
               and any(_COMPILES.search(i.original) and "wasm32" not in i.original
                       for i in s.runs()) for s in model.stages)


def arm_platform(arm: Arm) -> Platform | None:
    """The one platform an arm's patterns name (aliases allowed), or None."""
    named = {p.name for p in (platforms.get(x) for x in arm.patterns) if p is not None}
    return platforms.get(next(iter(named))) if len(named) == 1 else None


def _arm_lines(arm: Arm) -> tuple[int, int]:
    return arm.line, arm.line + arm.node.end_point[0] - arm.node.start_point[0]


def _tokens(p: Platform) -> list[tuple[str, str]]:
    """(token, kind) pairs for every spelling of ``p``'s facts a Dockerfile may contain."""
    pairs = [(p.name, "name"), (p.gnu_triple, "gnu"), (p.gcc_package, "gcc"),
             (p.libc_package, "libc"), (p.linker, "linker"), (p.linker[: -len("-gcc")], "prefix"),
             (p.debian_arch, "arch"), (platforms.linker_env_var(p.gnu_triple), "var_gnu"),
             (platforms.cc_env_suffix(p.gnu_triple), "cc_gnu"),
             (platforms.cc_env_suffix(p.gnu_triple).upper(), "up_gnu")]
    if p.musl_triple:
        pairs += [(p.musl_triple, "musl"), (platforms.linker_env_var(p.musl_triple), "var_musl"),
                  (platforms.cc_env_suffix(p.musl_triple), "cc_musl"),
                  (platforms.cc_env_suffix(p.musl_triple).upper(), "up_musl")]
    return pairs


def _token_re(tokens: list[str]) -> re.Pattern:
    alternatives = "|".join(re.escape(t) for t in sorted(set(tokens), key=len, reverse=True))
    return re.compile(rf"(?<![A-Za-z0-9])({alternatives})(?![A-Za-z0-9])")


def substitute(text: str, old: Platform, new: Platform) -> str | None:
    """``text`` with every fact of ``old`` replaced by ``new``'s; None when ``new`` lacks one
    (a musl triple of a platform without musl)."""
    mapping: dict[str, str | None] = {}
    new_by_kind = dict((kind, token) for token, kind in _tokens(new))
    for token, kind in _tokens(old):
        mapping.setdefault(token, new_by_kind.get(kind))
    missing = False

    def swap(match: re.Match) -> str:
        nonlocal missing
        value = mapping[match[1]]
        if value is None:
            missing = True
            return match[0]
        return value

    result = _token_re(list(mapping)).sub(swap, text)
    return None if missing else result


def _has_word(text: str, word: str) -> bool:
    return bool(_token_re([word]).search(text))


class _Editor:
    """One Dockerfile being edited for one platform."""

    def __init__(self, model: Dockerfile, linkers: dict[str, str]):
        self.model = model
        self.lines = LineEditor(model.text)
        self.out = Outcome(model.text)
        self.cases = find_platform_cases(model)
        self.linkers = linkers
        self.arm_lines: set[int] = set()
        for found in self.cases:
            for arm in found.case.arms:
                first, last = _arm_lines(arm)
                self.arm_lines.update(range(first, last + 1))

    def refuse(self, line: int, message: str, manual: list[str] | tuple[str, ...] = ()) -> None:
        self.out.refusals.append(Refusal(self.model.path, line, message, tuple(manual)))

    def cross_compiles(self) -> bool:
        """Whether a stage on $BUILDPLATFORM runs cargo (then every platform needs settings)."""
        return compiles_on_build_platform(self.model)

    def instruction_of(self, line: int) -> Instruction | None:
        return next((i for i in self.model.instructions if i.line <= line <= i.end_line), None)

    def outside_arms(self) -> list[int]:
        """Lines of RUN and ENV instructions that are not inside a platform case arm."""
        numbers = []
        for inst in self.model.instructions:
            if inst.cmd in ("RUN", "ENV"):
                numbers += [n for n in range(inst.line, inst.end_line + 1)
                            if n not in self.arm_lines]
        return numbers

    def finish(self, verify) -> Outcome:
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


def add_platform(model: Dockerfile, new: Platform, linkers: dict[str, str] | None = None
                 ) -> Outcome:
    """Add ``new`` to a Dockerfile: a case arm, its cross packages and linker, rustup target.

    Args:
        model: the parsed Dockerfile (without parse errors).
        new: the platform to add.
        linkers: ``[target.<triple>] linker`` from the workspace's ``.cargo/config.toml``.

    Returns:
        The outcome: the new text (unchanged when nothing was needed) or refusals.
    """
    ed = _Editor(model, linkers or {})
    if not ed.cross_compiles() and not ed.cases:
        ed.out.notes.append(f"{model.path}: compiles nothing on $BUILDPLATFORM; only the "
                            "workflow decides its platforms")
        return ed.out
    if not ed.cases:
        ed.refuse(_builder_line(model), 'no `case "$TARGETPLATFORM"` maps platforms to Rust '
                  "triples here", _manual_lines(new))
        return ed.out
    if len(ed.cases) > 1:
        ed.refuse(ed.cases[1].case.line, 'more than one `case "$TARGETPLATFORM"`: rsdock cannot '
                  "tell which one to extend", _manual_lines(new))
        return ed.out
    found = ed.cases[0]
    present = [p for p in (arm_platform(a) for a in found.case.arms) if p is not None]
    if new.name not in {p.name for p in present}:
        _add_arm(ed, found, new)
    if not ed.out.refusals:
        _add_packages(ed, new)
        _add_rustup_target(ed, new)
        if ed.cross_compiles():
            _add_linker(ed, new, found)
        _rename_lists(ed, found, [p.name for p in present], [p.name for p in present] + [new.name])
    return ed.finish(lambda check: _verify_arm(check, new, present=True))


def _add_arm(ed: _Editor, found: PlatformCase, new: Platform) -> None:
    arms = [a for a in found.case.arms if arm_platform(a) is not None]
    if not arms:
        ed.refuse(found.case.line, "the case has no arm for a known platform to copy",
                  _manual_lines(new))
        return
    template = next((a for a in arms if arm_platform(a).name != platforms.NATIVE_PLATFORM), arms[0])
    first, last = _arm_lines(template)
    old = arm_platform(template)
    after = _arm_lines(arms[-1])[1]
    shared = [a for a in found.case.arms if a is not template and (
        _arm_lines(a)[0] <= last and _arm_lines(a)[1] >= first
        or _arm_lines(a)[0] <= after <= _arm_lines(a)[1] and a is not arms[-1])]
    tail = ed.lines.line(last)[ed.lines.line(last).find(";;") + 2:] if ";;" in ed.lines.line(
        last) else "x"
    if shared or ed.lines.line(first)[:template.node.start_point[1]].strip() or \
            tail.strip() not in ("", ed.model.escape) or "esac" in ed.lines.line(after):
        ed.refuse(template.line, "the case arms share lines; rsdock copies an arm only when it "
                  "has lines of its own", _manual_lines(new))
        return
    copied = [substitute(ed.lines.line(n), old, new) for n in range(first, last + 1)]
    if any(line is None for line in copied):
        ed.refuse(template.line, f"the arm for {old.name} uses a musl triple, and {new.name} has "
                  "no musl target with a rustup std")
        return
    wanted = [new.gnu_triple, new.musl_triple] if ed.cross_compiles() else [
        t for t, kind in _tokens(new) if kind != "name"]
    body = [ed.lines.line(n) for n in range(first, last + 1)]
    body[0] = body[0][template.node.start_point[1]:].split(")", 1)[-1]
    bare = not "".join(body).replace(";;", "").replace(ed.model.escape, "").strip()
    if not bare and not any(_has_word(line, t) for line in copied for t in wanted if t):
        ed.refuse(template.line, f"the arm for {old.name} does not spell a "
                  + ("Rust triple" if ed.cross_compiles() else "platform fact rsdock knows")
                  + ", so rsdock cannot tell what to write for the new platform",
                  _manual_lines(new))
        return
    ed.lines.insert_after(after, copied)
    ed.out.reasons.append(f"add a case arm for {new.name} (copied from {old.name}'s)")


def _add_packages(ed: _Editor, new: Platform) -> None:
    lines = [n for n in ed.outside_arms() if re.search(r"\bapt(-get)? ", _inst_text(ed, n))]
    with_pkgs = {n: [p for p in platforms.PLATFORMS if _has_word(ed.lines.line(n), p.gcc_package)]
                 for n in lines}
    with_pkgs = {n: found for n, found in with_pkgs.items() if found}
    if not with_pkgs or any(new in found for found in with_pkgs.values()):
        return
    last = max(with_pkgs)
    source = [p for p in with_pkgs[last] if p != new][-1]
    own = [n for n in with_pkgs if _only_words(ed, n, set(source.apt_packages))] + [
        n for n in lines if n not in with_pkgs and _has_word(ed.lines.line(n), source.libc_package)
        and _only_words(ed, n, set(source.apt_packages))]
    if own:
        own = sorted(own)
        copies = [substitute(ed.lines.line(n), source, new) for n in own]
        anchor = own[-1]
        if not ed.lines.line(anchor).rstrip().endswith(ed.model.escape):
            # The list's last line has no continuation: put the copies before the first one.
            anchor = own[0] - 1
        ed.lines.insert_after(anchor, copies)
    else:
        text = ed.lines.current(last)
        spots = [m.end() for p in source.apt_packages for m in _token_re([p]).finditer(text)]
        end = max(spots)
        ed.lines.replace(last, text[:end] + " " + " ".join(new.apt_packages) + text[end:])
    ed.out.reasons.append(f"install {' '.join(new.apt_packages)} next to {source.name}'s packages")


def _inst_text(ed: _Editor, line: int) -> str:
    inst = ed.instruction_of(line)
    return inst.original if inst else ""


def _only_words(ed: _Editor, line: int, words: set[str]) -> bool:
    content = ed.lines.line(line).strip()
    if content.endswith(ed.model.escape):
        content = content[:-1]
    found = [w.strip("\"'") for w in content.split()]
    return bool(found) and all(w in words for w in found)


def _add_rustup_target(ed: _Editor, new: Platform) -> None:
    for number in ed.outside_arms():
        text = ed.lines.current(number) or ""
        if "rustup target add" not in text:
            continue
        triples = [(m, platforms.by_triple(m[1])) for m in re.finditer(
            r"(?<![A-Za-z0-9_.-])([a-z0-9_]+-[a-z0-9_]+-[a-z0-9_]+(?:-[a-z0-9_]+)?)", text)]
        triples = [(m, p) for m, p in triples if p is not None]
        if not triples or any(p.name == new.name for _m, p in triples):
            continue
        match, source = triples[-1]
        triple = new.musl_triple if match[1] == source.musl_triple else new.gnu_triple
        if triple is None:
            ed.refuse(number, f"{new.name} has no musl target with a rustup std")
            return
        ed.lines.replace(number, text[:match.end()] + " " + triple + text[match.end():])
        ed.out.reasons.append(f"rustup target add {triple}")


def _add_linker(ed: _Editor, new: Platform, found: PlatformCase) -> None:
    text = ed.lines.text()
    triples = [t for t in (new.gnu_triple, new.musl_triple) if t]
    if new.name == platforms.NATIVE_PLATFORM or _SELF_LINKING.search(text) or any(
            _has_word(text, platforms.linker_env_var(t)) or t in ed.linkers for t in triples) \
            or re.search(rf"linker={re.escape(new.linker)}", text):
        return
    for number in ed.outside_arms():
        line = ed.lines.line(number)
        for source in platforms.PLATFORMS:
            var = next((platforms.linker_env_var(t) for t in (source.gnu_triple, source.musl_triple)
                        if t and _has_word(line, platforms.linker_env_var(t))), None)
            if var is None or source == new:
                continue
            copy = substitute(line, source, new)
            inst = ed.instruction_of(number)
            if copy is None or inst is None or (inst.line != inst.end_line and number == inst.line):
                continue
            if inst.line == inst.end_line or line.rstrip().endswith(ed.model.escape):
                ed.lines.insert_after(number, [copy])
            else:  # the last line of a continued ENV: the copy goes before it, continued
                ed.lines.insert_after(number - 1, [copy.rstrip() + " " + ed.model.escape])
            ed.out.reasons.append(f"set {platforms.linker_env_var(new.gnu_triple)} like "
                                  f"{source.name}'s linker")
            return
    ed.refuse(found.inst.line, f"no linker setting for {new.name}, and none rsdock can copy "
              "(ENV or an export in the case arm)",
              [f"ENV {platforms.linker_env_var(new.gnu_triple)}={new.linker}"])


def remove_platform(model: Dockerfile, old: Platform) -> Outcome:
    """Remove ``old`` from a Dockerfile: its case arm, cross packages, linker and rustup target.

    Args:
        model: the parsed Dockerfile.
        old: the platform to remove.
    """
    ed = _Editor(model, {})
    if not ed.cases:
        return ed.out
    for found in ed.cases:
        for arm in found.case.arms:
            if old.name not in {p.name for p in (platforms.get(x) for x in arm.patterns) if p}:
                continue
            if arm_platform(arm) is None:
                ed.refuse(arm.line, "this arm matches several platforms at once")
                continue
            first, last = _arm_lines(arm)
            others = [a for a in found.case.arms if a is not arm and _arm_lines(a)[0] <= last
                      and _arm_lines(a)[1] >= first]
            if others or "esac" in ed.lines.line(last):
                ed.refuse(arm.line, "the arm shares its lines with another arm or esac")
                continue
            for number in range(first, last + 1):
                ed.lines.delete(number)
            ed.out.reasons.append(f"remove the case arm for {old.name}")
    tokens = [old.gcc_package, old.libc_package, old.gnu_triple] + (
        [old.musl_triple] if old.musl_triple else [])
    for number in ed.outside_arms():
        text = ed.lines.line(number)
        inst = ed.instruction_of(number)
        linker_var = any(_has_word(text, platforms.linker_env_var(t)) for t in tokens[2:])
        words = set(tokens) | {w for w in text.split() if "LINKER=" in w}
        if linker_var or (_only_words(ed, number, set(tokens)) and inst.cmd == "RUN"):
            if inst.line == inst.end_line:
                ed.lines.delete(number)
            elif number != inst.line and (text.rstrip().endswith(ed.model.escape)
                                          or _drop_continuation(ed, number - 1)):
                ed.lines.delete(number)
            elif _only_words(ed, number, words):
                ed.refuse(number, f"{old.name}'s setting starts a continued instruction")
            else:
                continue
            ed.out.reasons.append(f"remove {old.name}'s line: {text.strip()}")
            continue
        removed = _token_re([t for t in tokens if "-cross" in t or t.startswith("gcc-")]).sub(
            "", text) if "apt" in inst.original else text
        if "rustup target add" in text:
            removed = _token_re(tokens[2:]).sub("", removed)
        if removed != text:
            ed.lines.replace(number, re.sub(r"(?<=\S)  +", " ", removed).rstrip(" ")
                             if not removed.rstrip().endswith(ed.model.escape)
                             else re.sub(r"(?<=\S)  +(?=\S)", " ", removed))
            ed.out.reasons.append(f"remove {old.name}'s packages/target from line {number}")
    for found in ed.cases:
        names = [p.name for p in (arm_platform(a) for a in found.case.arms) if p]
        _rename_lists(ed, found, names, [n for n in names if n != old.name])
    return ed.finish(lambda check: _verify_arm(check, old, present=False))


def rename_in_comments(model: Dockerfile, old: list[str], new: list[str]) -> Outcome:
    """Keep comments listing exactly the ``old`` platforms (a web image's header) true."""
    ed = _Editor(model, {})
    _rename_lists(ed, None, old, new)
    return ed.finish(lambda check: None)


def _rename_lists(ed: _Editor, found: PlatformCase | None, old: list[str],
                  new: list[str]) -> None:
    """Keep "builds linux/amd64, linux/arm64" in comments and the unsupported-platform message
    true: the exact list of the case's platforms (table order) becomes the new list."""
    order = platforms.names()
    old = sorted(set(old), key=order.index)
    new = sorted(set(new), key=order.index)
    if len(old) < 2 or old == new:
        return
    default = [a for a in found.case.arms if "*" in a.patterns] if found else []
    numbers = {n for a in default for n in range(_arm_lines(a)[0], _arm_lines(a)[1] + 1)}
    numbers |= {n for n in range(1, len(ed.lines.lines) + 1)
                if ed.lines.line(n).lstrip().startswith("#")}
    for number in sorted(numbers):
        text = ed.lines.current(number)
        if text and ", ".join(old) in text:
            ed.lines.replace(number, text.replace(", ".join(old), ", ".join(new)))
            ed.out.reasons.append(f"list {', '.join(new)} on line {number}")


def _drop_continuation(ed: _Editor, number: int) -> bool:
    text = ed.lines.current(number)
    if text is None or not text.rstrip().endswith(ed.model.escape):
        return False
    ed.lines.replace(number, text.rstrip()[:-1].rstrip())
    return True


def _verify_arm(check: Dockerfile, platform: Platform, present: bool) -> str | None:
    cases = find_platform_cases(check)
    names = {p.name for c in cases for p in (arm_platform(a) for a in c.case.arms) if p}
    if cases and (platform.name in names) != present:
        return f"the case arm for {platform.name} is {'missing' if present else 'still there'}"
    return None


def _builder_line(model: Dockerfile) -> int:
    """Where the platform mapping should be: a RUN with another ``case``, else the first
    compiling RUN."""
    runs = [i for i in model.instructions if i.cmd == "RUN"]
    for test in (lambda i: re.search(r"\bcase\b", i.original), lambda i: _COMPILES.search(
            i.original)):
        found = next((i for i in runs if test(i)), None)
        if found:
            return found.line
    return 1


def _manual_lines(new: Platform) -> list[str]:
    """What a cross-compiling Dockerfile needs for ``new``, in the research's style."""
    return [
        f'{new.name}) triple={new.gnu_triple} ;;   # an arm of case "$TARGETPLATFORM"',
        f"apt-get install -y --no-install-recommends {' '.join(new.apt_packages)}",
        f"rustup target add {new.gnu_triple}",
        f"ENV {platforms.linker_env_var(new.gnu_triple)}={new.linker}",
    ]
