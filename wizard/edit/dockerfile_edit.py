"""Targeted Dockerfile edits for adding or removing a platform: never a rewrite.

Adding a platform copies an existing ``case "$TARGETPLATFORM"`` arm in its own style, with every
platform fact of the copied platform (name, triples, packages, linker, variable names) swapped
for the new one's from :mod:`rsdock.lint.knowledge.platforms`; the cross packages go into the apt list in
its continuation style; a linker setting outside the arm (``ENV CARGO_TARGET_…_LINKER``) is
copied the same way. Comments, continuations and unrelated instructions are left alone. What has
no recognisable structure is refused with the lines to add by hand.
"""

from __future__ import annotations

import re
from typing import Callable

from rsdock.lint.knowledge import platforms
from rsdock.lint.model.dockerfile import Dockerfile, Instruction
from rsdock.lint.model.shell import Arm
from rsdock.lint.knowledge.platforms import Platform
from rsdock.wizard.edit.cases import (COMPILES, Editor, PlatformCase, arm_lines, arm_platform,
                                       compiles_on_build_platform, drop_continuation,
                                       find_platform_cases, has_word, only_words, rename_lists,
                                       spellings, substitute, token_re, verify_arm)
from rsdock.wizard.edit.outcome import Outcome

__all__ = ["add_platform", "compiles_on_build_platform", "find_platform_cases",
           "remove_platform", "rename_in_comments"]

# Tools that set the linker themselves: no CARGO_TARGET_*_LINKER is needed with them.
_SELF_LINKING = re.compile(r"\b(xx-cargo|zigbuild|cross\s+build)\b")


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
    ed = Editor(model, linkers or {})
    if not ed.cross_compiles() and not ed.cases:
        ed.out.notes.append(f"{model.path}: compiles nothing on $BUILDPLATFORM; only the "
                            "workflow decides its platforms")
        return ed.out
    if not ed.cases:
        ed.refuse(_builder_line(model), 'no `case "$TARGETPLATFORM"` maps platforms to Rust '
                  "triples here", _manual_lines(new))
        return ed.out
    # A second case (rsdock's tini stage: `linux/arm64) arch=arm64`) gets its arm too; the
    # first is the builder's, whose platform list the comments repeat.
    found = ed.cases[0]
    present = [p for p in (arm_platform(a) for a in found.case.arms) if p is not None]
    for number, case in enumerate(ed.cases):
        if new.name not in {p.name for p in (arm_platform(a) for a in case.case.arms) if p}:
            _add_arm(ed, case, new, facts_only=number > 0)
    for other in ed.triple_cases:  # e.g. the linker per triple, in the cargo RUN
        if new.name not in {p.name for p in (arm_platform(a) for a in other.case.arms) if p}:
            _add_arm(ed, other, new)
    if not ed.out.refusals:
        _add_packages(ed, new)
        _add_rustup_target(ed, new)
        if ed.cross_compiles():
            _add_linker(ed, new, found)
        for case in ed.cases:
            rename_lists(ed, case, [p.name for p in present],
                         [p.name for p in present] + [new.name])
    return ed.finish(lambda check: verify_arm(check, new, present=True))


def _add_arm(ed: Editor, found: PlatformCase, new: Platform, facts_only: bool = False) -> None:
    """Copy an arm of ``found`` for ``new``; ``facts_only`` for a case that maps platforms to
    facts other than the Rust triple (the Debian architecture of the tini stage)."""
    arms = [a for a in found.case.arms if arm_platform(a) is not None]
    if not arms:
        ed.refuse(found.case.line, "the case has no arm for a known platform to copy",
                  _manual_lines(new))
        return
    template = next((a for a in arms if getattr(arm_platform(a), "name", None)
                     != platforms.NATIVE_PLATFORM), arms[0])
    first, last = arm_lines(template)
    old = arm_platform(template)
    assert old is not None  # arms are the arms with a platform
    after = arm_lines(arms[-1])[1]
    shared = [a for a in found.case.arms if a is not template and (
        arm_lines(a)[0] <= last and arm_lines(a)[1] >= first
        or arm_lines(a)[0] <= after <= arm_lines(a)[1] and a is not arms[-1])]
    tail = ed.lines.line(last)[ed.lines.line(last).find(";;") + 2:] if ";;" in ed.lines.line(
        last) else "x"
    if shared or ed.lines.line(first)[:template.node.start_point[1]].strip() or \
            tail.strip() not in ("", ed.model.escape) or "esac" in ed.lines.line(after):
        ed.refuse(template.line, "the case arms share lines; rsdock copies an arm only when it "
                  "has lines of its own", _manual_lines(new))
        return
    substituted = [substitute(ed.lines.line(n), old, new) for n in range(first, last + 1)]
    copied = [line for line in substituted if line is not None]
    if len(copied) < len(substituted):
        ed.refuse(template.line, f"the arm for {old.name} uses a musl triple, and {new.name} has "
                  "no musl target with a rustup std")
        return
    wanted = [new.gnu_triple, new.musl_triple] if ed.cross_compiles() and not facts_only else [
        t for t, kind in spellings(new) if kind != "name"]
    body = [ed.lines.line(n) for n in range(first, last + 1)]
    body[0] = body[0][template.node.start_point[1]:].split(")", 1)[-1]
    bare = not "".join(body).replace(";;", "").replace(ed.model.escape, "").strip()
    if not bare and not any(has_word(line, t) for line in copied for t in wanted if t):
        ed.refuse(template.line, f"the arm for {old.name} does not spell a "
                  + ("Rust triple" if ed.cross_compiles() else "platform fact rsdock knows")
                  + ", so rsdock cannot tell what to write for the new platform",
                  _manual_lines(new))
        return
    ed.lines.insert_after(after, copied)
    ed.out.reasons.append(f"add a case arm for {new.name} (copied from {old.name}'s)")


def _add_packages(ed: Editor, new: Platform) -> None:
    """Put ``new``'s cross packages into the apt list that has other platforms' packages: each
    next to the same kind of package (gcc by gcc, libc by libc), or beside its platform's pair
    when the list is grouped by platform; on lines of their own when the list has them."""
    lists = []
    for inst in (i for i in ed.model.instructions if i.cmd == "RUN"):
        numbers = [n for n in range(inst.line, inst.end_line + 1) if n not in ed.arm_lines]
        if re.search(r"\bapt(-get)?\s", inst.original) and any(
                has_word(ed.lines.line(n), pkg) for n in numbers for p in platforms.PLATFORMS
                for pkg in p.apt_packages):
            lists.append(numbers)
    if not lists:
        return  # no cross packages to copy (xx, zigbuild, or packages inside the arms)
    numbers = lists[-1]
    added: list[str] = []
    for kind in (0, 1):  # gcc, then libc
        present = any(has_word(ed.lines.current(n) or "", new.apt_packages[kind])
                      for n in numbers)
        spots = [(n, p) for n in numbers for p in platforms.PLATFORMS
                 if p != new and has_word(ed.lines.line(n), p.apt_packages[kind])]
        if present or new.apt_packages[kind] in added or not spots:
            continue
        # A foreign platform's packages are what a cross build needs; the native one may lack
        # its libc package.
        number, source = ([s for s in spots if s[1].name != platforms.NATIVE_PLATFORM]
                          or spots)[-1]
        added += _copy_packages(ed, numbers, number, source, new)
    if added:
        ed.out.reasons.append(f"install {' '.join(added)} for {new.name}")


def _copy_packages(ed: Editor, numbers: list[int], number: int, source: Platform,
                   new: Platform) -> list[str]:
    pair = set(source.apt_packages)
    if only_words(ed, number, pair):
        block = sorted([number] + [m for m in (number - 1, number + 1)
                                   if m in numbers and only_words(ed, m, pair)])
        copies = [substitute(ed.lines.line(m), source, new) or "" for m in block]
        assert all(copies)  # lines of package names only: no musl triple to lack
        if ed.lines.line(block[-1]).rstrip().endswith(ed.model.escape):
            ed.lines.insert_after(block[-1], copies)
        else:  # the list's last line: the copies go before the block, continued
            ed.lines.insert_after(block[0] - 1, [c.rstrip() + " " + ed.model.escape
                                                 for c in copies])
        text = " ".join(copies)
        return [pkg for pkg in new.apt_packages if has_word(text, pkg)]
    text = ed.lines.current(number) or ""
    here = [i for i, pkg in enumerate(source.apt_packages) if has_word(text, pkg)]
    end = max(m.end() for i in here for m in token_re([source.apt_packages[i]]).finditer(text))
    insert = [new.apt_packages[i] for i in here]
    ed.lines.replace(number, text[:end] + " " + " ".join(insert) + text[end:])
    return insert


def _add_rustup_target(ed: Editor, new: Platform) -> None:
    for number in ed.outside_arms():
        text = ed.lines.current(number) or ""
        if "rustup target add" not in text:
            continue
        triples = [(m, platforms.by_triple(m[1])) for m in re.finditer(
            r"(?<![A-Za-z0-9_.-])([a-z0-9_]+-[a-z0-9_]+-[a-z0-9_]+(?:-[a-z0-9_]+)?)", text)]
        known = [(m, p) for m, p in triples if p is not None]
        if not known or any(p.name == new.name for _m, p in known):
            continue
        match, source = known[-1]
        triple = new.musl_triple if match[1] == source.musl_triple else new.gnu_triple
        if triple is None:
            ed.refuse(number, f"{new.name} has no musl target with a rustup std")
            return
        ed.lines.replace(number, text[:match.end()] + " " + triple + text[match.end():])
        ed.out.reasons.append(f"rustup target add {triple}")


def _add_linker(ed: Editor, new: Platform, found: PlatformCase) -> None:
    text = ed.lines.text()
    triples = [t for t in (new.gnu_triple, new.musl_triple) if t]
    if new.name == platforms.NATIVE_PLATFORM or _SELF_LINKING.search(text) or any(
            has_word(text, platforms.linker_env_var(t)) or t in ed.linkers for t in triples) \
            or re.search(rf"linker={re.escape(new.linker)}", text):
        return
    for inst in (i for i in ed.model.instructions if i.cmd == "ENV"):
        source = next((p for p in platforms.PLATFORMS if p != new and any(
            has_word(inst.original, platforms.linker_env_var(t))
            for t in (p.gnu_triple, p.musl_triple) if t)), None)
        if source is not None and _copy_env(ed, inst, source, new):
            ed.out.reasons.append(f"set {platforms.linker_env_var(new.gnu_triple)} like "
                                  f"{source.name}'s linker")
            return
    ed.refuse(found.inst.line, f"no linker setting for {new.name}, and none rsdock can copy "
              "(ENV or an export in the case arm)",
              [f"ENV {platforms.linker_env_var(new.gnu_triple)}={new.linker}"])


def _about(ed: Editor, number: int, platform: Platform) -> bool:
    """Whether every word of line ``number`` (past an ENV keyword) spells a fact of
    ``platform``: then a copy of the line, substituted, is the same setting for another one."""
    words = [w for w in ed.lines.line(number).strip().rstrip(ed.model.escape).split()
             if w != "ENV"]
    facts = [t for t, _kind in spellings(platform)]
    return bool(words) and all(any(has_word(w, t) for t in facts) for w in words)


def _copy_env(ed: Editor, inst: Instruction, source: Platform, new: Platform) -> bool:
    """Copy ``source``'s settings in an ENV instruction for ``new``: the whole instruction when
    it is only about ``source``, else its own continuation lines; False when neither fits."""
    numbers = list(range(inst.line, inst.end_line + 1))
    if all(_about(ed, n, source) for n in numbers):
        whole = [substitute(ed.lines.line(n), source, new) for n in numbers]
        if None not in whole:
            ed.lines.insert_after(inst.end_line, [c for c in whole if c is not None])
            return True
    own = [n for n in numbers[1:] if _about(ed, n, source)]
    substituted = [substitute(ed.lines.line(n), source, new) for n in own]
    copies = [c for c in substituted if c is not None]
    if not own or len(copies) < len(substituted):
        return False
    if ed.lines.line(own[-1]).rstrip().endswith(ed.model.escape):
        ed.lines.insert_after(own[-1], copies)
    else:  # the instruction's last line: the copies go before the first, continued
        ed.lines.insert_after(own[0] - 1, [c.rstrip(ed.model.escape).rstrip() + " "
                                           + ed.model.escape for c in copies])
    return True


def remove_platform(model: Dockerfile, old: Platform) -> Outcome:
    """Remove ``old`` from a Dockerfile: its case arm, cross packages, linker and rustup target.

    Lines that hold only ``old``'s settings are deleted (fixing the continuation of the line
    before when the last line of an instruction goes); ``old``'s packages, triples and linker
    pairs are cut out of mixed lines. Anything of ``old`` left elsewhere (a hard-coded path) is
    refused with its line, so nothing half-removed is ever written.

    Args:
        model: the parsed Dockerfile.
        old: the platform to remove.
    """
    ed = Editor(model, {})
    if not ed.cases:
        return ed.out
    for found in ed.cases + ed.triple_cases:
        for arm in found.case.arms:
            named = (platforms.get(x) or platforms.by_triple(x) for x in arm.patterns)
            if old.name in {p.name for p in named if p}:
                _remove_arm(ed, found, arm, old)
    facts = [t for t, kind in spellings(old) if kind in (
        "gnu", "musl", "gcc", "libc", "var_gnu", "var_musl")]
    whole: set[int] = set()
    for inst in (i for i in ed.model.instructions if i.cmd == "ENV"):
        numbers = range(inst.line, inst.end_line + 1)
        if all(_about(ed, n, old) for n in numbers):  # an ENV only about old: drop it whole
            whole.update(numbers)
            for number in numbers:
                ed.lines.delete(number)
            ed.out.reasons.append(f"remove the ENV on line {inst.line}")
    for number in ed.outside_arms():
        if number not in whole:
            _remove_from_line(ed, number, old, facts)
    for found in ed.cases:
        names = [p.name for p in (arm_platform(a) for a in found.case.arms) if p]
        rename_lists(ed, found, names, [n for n in names if n != old.name])
    _drop_empty_installs(ed, old)
    return ed.finish(lambda check: verify_arm(check, old, present=False))


_APT_ONLY = re.compile(r"^(apt-get|apt)\s+(update|install|clean)\b|^rm\s+-rf\s+/var/lib/apt/lists")


def _drop_empty_installs(ed: Editor, old: Platform) -> None:
    """A RUN whose ``apt-get install`` lost its last package: delete it with the comments
    right above it (they were about it) when the RUN only installs; otherwise refuse.

    ``apt-get install -y`` with nothing to install is not an error for apt, so it would
    silently stay behind, under a comment promising cross compilers.
    """
    for inst in (i for i in ed.model.instructions if i.cmd == "RUN"):
        numbers = range(inst.line, inst.end_line + 1)
        if not any(n in ed.lines._replace for n in numbers):
            continue
        current = [ed.lines.current(n) for n in numbers]
        joined = " ".join(c.strip().rstrip(ed.model.escape) for c in current if c is not None)
        joined = re.sub(r"^RUN\s+", "", joined.strip(), flags=re.IGNORECASE)
        commands = [c.strip() for c in re.split(r"&&|;", joined) if c.strip()]
        installs = [c for c in commands if re.match(r"(apt-get|apt)\s+install\b", c)]
        if not installs or any(
                [w for w in c.split()[2:] if not w.startswith("-")] for c in installs):
            continue
        if not all(_APT_ONLY.match(c) for c in commands):
            ed.refuse(inst.line, f"removing {old.name} leaves this RUN's apt-get install with no "
                      "package: remove the install by hand")
            continue
        first = inst.line
        while first > 1 and ed.lines.line(first - 1).lstrip().startswith("#"):
            first -= 1
        for number in range(first, inst.end_line + 1):
            ed.lines.delete(number)
        ed.out.reasons.append(f"remove the RUN on line {inst.line}: it installed only "
                              f"{old.name}'s packages")


def _remove_arm(ed: Editor, found: PlatformCase, arm: Arm, old: Platform) -> None:
    if arm_platform(arm) is None:
        ed.refuse(arm.line, f"this arm matches {old.name} and other platforms at once")
        return
    first, last = arm_lines(arm)
    shared = [a for a in found.case.arms if a is not arm and arm_lines(a)[0] <= last
              and arm_lines(a)[1] >= first]
    if shared or "esac" in ed.lines.line(last) or \
            ed.lines.line(first)[:arm.node.start_point[1]].strip():
        ed.refuse(arm.line, f"the arm for {old.name} shares its lines with another arm or esac")
        return
    for number in range(first, last + 1):
        ed.lines.delete(number)
    ed.out.reasons.append(f"remove the case arm for {old.name}")


def _remove_from_line(ed: Editor, number: int, old: Platform, facts: list[str]) -> None:
    text = ed.lines.line(number)
    if not any(has_word(text, t) for t in facts) or text.lstrip().startswith("#"):
        return
    inst = ed.instruction_of(number)
    assert inst is not None  # outside_arms() gives lines of RUN and ENV instructions
    words = [w for w in text.strip().rstrip(ed.model.escape).split()
             if w not in ("ENV", "RUN", "export", "&&")]
    if words and all(any(has_word(w, t) for t in facts) for w in words):
        if inst.line == inst.end_line or (number != inst.line and text.rstrip().endswith(
                ed.model.escape)) or (number != inst.line and drop_continuation(ed, number - 1)):
            ed.lines.delete(number)
            ed.out.reasons.append(f"remove line {number}: {text.strip()}")
            return
        ed.refuse(number, f"{old.name}'s settings start a continued instruction: remove them "
                  "by hand")
        return
    cut = token_re(facts)
    if re.search(r"\bapt(-get)?\s", inst.original) or "rustup target add" in text or \
            inst.cmd == "ENV" or "export" in text:
        # a package, a rustup target, or a VAR=value pair, with the blank before it
        removed = re.sub(rf"[ \t]+{cut.pattern}(=\S*)?", "", text)
        if not any(has_word(removed, t) for t in facts):
            ed.lines.replace(number, removed)
            ed.out.reasons.append(f"remove {old.name}'s settings from line {number}")
            return
    ed.refuse(number, f"this line still names {old.name} ({text.strip()}): change it by hand")

def rename_in_comments(model: Dockerfile, old: list[str], new: list[str]) -> Outcome:
    """Keep comments listing exactly the ``old`` platforms (a web image's header) true."""
    ed = Editor(model, {})
    rename_lists(ed, None, old, new)
    return ed.finish(lambda check: None)


def _builder_line(model: Dockerfile) -> int:
    """Where the platform mapping should be: a RUN with another ``case``, else the first
    compiling RUN."""
    runs = [i for i in model.instructions if i.cmd == "RUN"]
    tests: tuple[Callable[[Instruction], object], ...] = (
        lambda i: re.search(r"\bcase\b", i.original), lambda i: COMPILES.search(i.original))
    for test in tests:
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
