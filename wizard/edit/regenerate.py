"""Edits that go through the plan: ``rsdock.toml`` kept in step, runtimes regenerated.

A runtime switch rewrites a whole Dockerfile's runtime half (libc, init, copy paths), so it is
only made where nothing of the user's can be lost: files that are exactly what ``rsdock.toml``
renders. Hand-written files get a refusal showing the stages to use instead.
"""

from __future__ import annotations

import re
from pathlib import Path

from rsdock import fs
from rsdock.errors import UserError
from rsdock.lint.knowledge import platforms
from rsdock.wizard.edit.infer import InferredPlan
from rsdock.wizard.edit.outcome import Outcome, Refusal
from rsdock.wizard.edit.request import Proposal, Request
from rsdock.wizard.edit.sources import Sources
from rsdock.wizard.generate import answers, keep, upgrade
from rsdock.wizard.generate.plan import PlanError
from rsdock.wizard.generate.defaults import problem_lines, refusal_exit_code, validated
from rsdock.wizard.generate.render import dockerfile, render


def sync_config(root: Path, request: Request, inferred: InferredPlan,
                proposal: Proposal, config_path: str = answers.CONFIG_NAME) -> None:
    """Keep ``rsdock.toml`` (when there is one) saying what the edited files now do: its
    ``platforms``, ``cache``, ``registry``, ``runtime`` and ``signing`` lines are replaced in
    place.

    Args:
        root: the workspace root (where rsdock.toml is).
        config_path: rsdock.toml's path as the proposal names files (``crates/rsdock.toml``
            when the edit is made from the git root).
    """
    try:
        text = answers.read_text(root)
        if text is None:
            return
        plan = answers.loads(text, answers.CONFIG_NAME)
    except UserError:
        return  # no (valid) rsdock.toml: the files are the only truth
    order = platforms.names()
    chosen = [p for p in plan.platforms if p not in request.remove_platforms]
    chosen += [p for p in request.add_platforms if p not in chosen]
    values = {"platforms": answers.toml_array(sorted(chosen, key=order.index))}
    for key in ("cache", "registry", "runtime"):
        if getattr(request, key):
            values[key] = answers.toml_string(getattr(request, key))
    if request.sign:  # edit --sign adds cosign keyless signing, the `cosign` answer
        values["signing"] = answers.toml_string("cosign")
    new = text
    for key, value in values.items():
        pattern = re.compile(rf"^({re.escape(key)}\s*=\s*)[^\n#]*?(\s*(#[^\n]*)?)$", re.M)
        head = new.split("\n[", 1)
        # the replacement runs at once, with this round's value
        head[0], count = pattern.subn(lambda m: m[1] + value + m[2], head[0],  # noqa: B023
                                      count=1)
        if count:
            new = "\n[".join(head)
    if new != text:
        proposal.record(config_path, text, Outcome(new, ["keep rsdock.toml in step"]))


def _regenerate(sources: Sources, runtime: str, proposal: Proposal) -> bool:
    """Switch the runtime by regenerating, when the files are exactly what ``rsdock.toml``
    renders (unmodified generated files: regenerating them loses nothing of the user's)."""
    current = sources.texts()
    try:
        plan = answers.load_for_rendering(sources.workspace_root)
        # A file with `# rsdock:keep` blocks is still rsdock's: the blocks go back in.
        before = keep.apply_all(render(plan), current)
    except (UserError, PlanError):
        return False
    if any(current.get(i.dockerfile) != before.get(i.dockerfile) for i in plan.images):
        return False
    try:
        after = render(plan.with_changes(runtime=runtime))
    except PlanError as error:
        raise UserError(f"the {runtime} runtime does not fit this plan:\n"
                        f"{problem_lines(error.problems)}", path=answers.CONFIG_NAME,
                        hint="change the platforms first; nothing was written",
                        exit_code=refusal_exit_code(error.problems)) from None
    # A kept block the new runtime has no place for is an error at its line, never lost.
    after = keep.apply_all(after, current)
    for path in sorted(after):
        if current.get(path) == before.get(path) and after[path] != before.get(path, after[path]):
            proposal.record(path, current[path], Outcome(after[path], [
                f"regenerate for the {runtime} runtime (the file was rsdock's, unmodified)"]))
    return True


def runtime_edit(runtime: str, inferred: InferredPlan, proposal: Proposal,
                 sources: Sources) -> None:
    """Switch the runtime by regenerating rsdock's own unmodified files, else refuse each bin
    image's Dockerfile with the runtime stages ``runtime`` needs."""
    if _regenerate(sources, runtime, proposal):
        return
    manual: tuple[str, ...] = ()
    plan, _unknown = inferred.to_plan()
    bin_image = next((i for i in plan.images if i.kind == "bin"), None) if plan else None
    if plan is not None and bin_image is not None:
        try:
            text = dockerfile(plan.with_changes(runtime=runtime), bin_image)
            lines = text.splitlines()
            built = max(i for i, line in enumerate(lines) if "cargo build" in line)
            start = next(i for i, line in enumerate(lines) if i > built and line.startswith("FROM "))
            manual = tuple(lines[start:])
        except Exception:  # a plan the new runtime cannot render: say so without the lines
            manual = ()
    texts = sources.texts()
    for image in inferred.images:
        if image.kind == "bin":
            copy_lines = _own_copy_source(manual, texts.get(image.dockerfile, ""))
            proposal.refusals.append(Refusal(
                image.dockerfile, 0, f"switching the runtime to {runtime} changes the libc, the "
                f"init and the copy paths of the whole file; rsdock edits runtimes only in files "
                f"it can regenerate (`rsdock init --force --runtime {runtime}`)", copy_lines))


_COPY_FROM = re.compile(r"^\s*COPY\s+--from=(?P<stage>\S+)\s+(?P<src>\S+)\s+(?P<dest>\S+)\s*$",
                        re.IGNORECASE | re.MULTILINE)


def _own_copy_source(manual: tuple[str, ...], text: str) -> tuple[str, ...]:
    """``manual`` with its ``COPY --from=builder /out/<bin>`` line copying from where the
    user's own Dockerfile takes the binary (its stage and path), not from rsdock's layout."""
    generated = next((m for line in manual if (m := _COPY_FROM.match(line))
                      and m["src"].startswith("/out/")), None)
    if generated is None:
        return manual
    name = generated["src"].rsplit("/", 1)[-1]
    theirs = [m for m in _COPY_FROM.finditer(text) if m["src"].rsplit("/", 1)[-1] == name
              or m["dest"].rsplit("/", 1)[-1] == name]
    if not theirs:
        return manual
    own = theirs[-1]
    line = f"COPY --from={own['stage']} {own['src']} {generated['dest']}"
    return tuple(line if _COPY_FROM.match(x) and x.strip() == generated[0].strip() else x
                 for x in manual)


def follow_render(sources: Sources, proposal: Proposal) -> None:
    """Make an edit of rsdock's own files what ``rsdock init`` renders from the edited
    ``rsdock.toml``, and record it there: right after ``rsdock edit``, ``rsdock init --check``
    finds no drift.

    A file that was exactly rsdock's render of the old ``rsdock.toml`` (kept blocks aside)
    becomes the render of the new one: the minimal edit plus what it leaves behind (the header
    comment naming the platforms, the ``*)`` arm's list). A file edited by hand keeps the
    minimal edit and its old ``[generated]`` digest (``rsdock init`` merges it later, as for
    any hand edit). The ``[generated]`` record and the stored last render follow the new
    renders. Nothing happens unless the edit changed ``rsdock.toml``'s answers (platforms,
    cache, registry, runtime: ``--fix`` and ``--sign`` edits are not answers there, and a
    render would undo them, so the caller skips those), without a valid ``rsdock.toml`` the
    workspace renders, or when the new one does not render (the edit's own refusals said why).
    """
    config = sources.config_path
    edit = proposal.edits.get(config)
    try:
        old_text = answers.read_text(sources.workspace_root)
        if old_text is None:
            return
        old_plan = answers.load_for_rendering(sources.workspace_root)
        if edit is None or edit.new == old_text:
            return  # the answers did not change: neither do rsdock's renders
        new_text = edit.new
        new_plan = validated(answers.loads(new_text, answers.CONFIG_NAME).with_changes(
            workspace=old_plan.workspace))
        out = old_plan.workspace.repo_root(sources.workspace_root)
        if Path(out).resolve() != Path(sources.root).resolve():
            return  # the renders' paths would not be the edit's
        old_renders = render(old_plan)
        new_renders = render(new_plan)
    except (UserError, PlanError):
        return
    known = sources.texts()
    current: dict[str, str | None] = {}
    for rel in sorted(set(old_renders) | set(new_renders)):
        if rel in proposal.edits:  # ``sources`` may hold the edited text already
            current[rel] = proposal.edits[rel].old
        elif rel in known:
            current[rel] = known[rel]
        else:
            try:
                current[rel] = fs.read_text(out, rel)
            except (UserError, OSError):
                current[rel] = None
    try:
        before = keep.apply_all(old_renders, current)
        after = keep.apply_all(new_renders, current)
    except UserError:
        return  # a kept block out of place: init --check reports it at its line
    untouched = {rel for rel, text in before.items() if current.get(rel) == text}
    for rel in sorted(untouched & set(after)):
        old = current[rel]
        was = proposal.edits[rel].new if rel in proposal.edits else old
        if after[rel] != was and old is not None:
            proposal.record(rel, old, Outcome(after[rel], [
                "as rsdock renders it from the edited rsdock.toml (the file was rsdock's, "
                "unmodified)"]))
    declined = [rel for rel in new_renders if rel not in untouched]
    baseline = upgrade.load(out, old_text)
    record, renders = upgrade.renders_to_store(baseline, new_renders, declined)
    if record == baseline.record:
        return
    recorded = upgrade.with_record(new_text, record, answers.toml_string)
    if recorded != new_text:
        proposal.record(config, old_text, Outcome(recorded, [
            "record what rsdock now renders ([generated])"]))
    stored = upgrade.pack(renders)
    if stored != baseline.stored:
        proposal.extra[fs.RENDERS] = stored
