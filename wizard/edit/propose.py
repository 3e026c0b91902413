"""Editing existing configs: requested changes -> per-file minimal edits -> diffs -> disk.

The API a front end (``rsdock edit``, a TUI) calls::

    sources = infer.load_sources(root)          # parse; bad files are located UserErrors
    plan = infer.infer(sources)                 # InferredPlan: known and unknown fields
    proposal = propose(sources, Request(add_platforms=("linux/arm/v7",)), plan)
    proposal.diff()                             # show it, ask
    apply(root, proposal)                       # backup, then write atomically

A proposal with refusals is never applied: each refusal says where, why, and what to change by
hand. Edits run in phases (platforms, cache, registry, fixes); each phase re-parses the text the
previous one produced, so later edits see earlier ones.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from rsdock import fs
from rsdock.errors import REFUSED, UserError
from rsdock.lint.engine import fix
from rsdock.lint.engine.runner import lint_texts
from rsdock.lint.engine.settings import load_config
from rsdock.lint.knowledge import platforms
from rsdock.lint.model.dockerfile import parse_dockerfile
from rsdock.lint.model.workflow_reader import parse_workflow
from rsdock.records import replace
from rsdock.wizard.generate.defaults import edit_plan, platform_problems, refusal_exit_code
from rsdock.wizard.generate.plan import Image
from rsdock.wizard.edit import dockerfile_edit, infer, regenerate, registry, sign_edit, workflow_edit
from rsdock.wizard.edit.backup import confirm_backup, make_backup
from rsdock.wizard.edit.infer import InferredPlan
from rsdock.wizard.edit.outcome import FileEdit, Outcome, Refusal
from rsdock.wizard.edit.request import Proposal, Request
from rsdock.wizard.edit.sources import BuildStep, Sources, build_steps


__all__ = ["FileEdit", "Proposal", "Refusal", "Request", "apply", "propose"]


def _reparse(sources: Sources, proposal: Proposal) -> Sources:
    """``sources`` with the proposal's new texts parsed in place of the originals."""
    def current(files: dict[str, str]) -> dict[str, str]:
        return {p: proposal.edits[p].new if p in proposal.edits else t for p, t in files.items()}

    fresh = Sources(sources.root, workspace=sources.workspace, prefix=sources.prefix,
                    dockerignores=current(sources.dockerignores), others=current(sources.others))
    for path, workflow in sources.workflows.items():
        text = proposal.edits[path].new if path in proposal.edits else workflow.text
        fresh.workflows[path] = workflow if text == workflow.text else parse_workflow(path, text)
    for path, model in sources.dockerfiles.items():
        text = proposal.edits[path].new if path in proposal.edits else model.text
        fresh.dockerfiles[path] = model if text == model.text else parse_dockerfile(path, text)
    fresh.builds = build_steps(fresh.workflows)
    return fresh


def propose(sources: Sources, request: Request,
            inferred: InferredPlan | None = None) -> Proposal:
    """The minimal edits that carry out ``request`` on the files in ``sources``.

    Args:
        sources: from :func:`rsdock.wizard.edit.infer.load_sources`.
        request: what to change (validated here).
        inferred: the inferred plan (computed when None).

    Raises:
        UserError: (exit 2) for an invalid request, or a workflow change asked of a workspace
            whose workflows have no build step.
    """
    request = request.validated()
    inferred = inferred or infer.infer(sources)
    proposal = Proposal()
    wants_workflow = bool(request.cache or request.registry)
    if (wants_workflow or request.add_platforms or request.remove_platforms) and not sources.builds:
        _no_build_step(sources, required=wants_workflow, proposal=proposal)
    if request.add_platforms or request.remove_platforms:
        _platforms(sources, request, inferred, proposal)
        sources = _reparse(sources, proposal)
    if request.cache:
        scopes = {b.where: _scope(inferred, b) for b in sources.builds}
        for path, workflow in sources.workflows.items():
            builds = [b for b in sources.builds if b.workflow.path == path]
            proposal.record(path, workflow.text,
                            workflow_edit.edit_cache(workflow, builds, request.cache, scopes))
        sources = _reparse(sources, proposal)
    if request.registry:
        for path, workflow in sources.workflows.items():
            proposal.record(path, workflow.text, registry.edit_registry(workflow, request.registry))
        sources = _reparse(sources, proposal)
    if request.sign:
        if not sources.builds:
            _no_build_step(sources, required=True, proposal=proposal)
        for path, workflow in sources.workflows.items():
            builds = [b for b in sources.builds if b.workflow.path == path]
            if builds:
                proposal.record(path, workflow.text, sign_edit.edit_sign(workflow, builds))
        sources = _reparse(sources, proposal)
    if request.runtime and request.runtime != inferred.runtime.value:
        regenerate.runtime_edit(request.runtime, inferred, proposal, sources)
    if request.fix and not proposal.refusals:
        _fix(sources, proposal)
    if proposal.changed and not proposal.refusals:
        regenerate.sync_config(sources.workspace_root, request, inferred, proposal,
                               sources.config_path)
        if not (request.fix or request.sign):  # their edits are not in rsdock.toml's answers
            regenerate.follow_render(sources, proposal)
    return proposal


def _no_build_step(sources: Sources, required: bool, proposal: Proposal) -> None:
    if sources.workflows:  # the first workflow (by path) that uses docker's actions
        path, workflow = min(sources.workflows.items())
        raise UserError("this workflow uses docker's actions but has no "
                        "docker/build-push-action step to edit", path=path,
                        line=workflow.jobs_line,
                        hint="add a build-push step (or run `rsdock init` to generate a "
                             "workflow); nothing was written", exit_code=REFUSED)
    if required:
        raise UserError("no workflow under .github/workflows builds an image",
                        path=str(sources.root),
                        hint="run `rsdock init` to generate one; nothing was written",
                        exit_code=REFUSED)
    proposal.notes.append("no workflow builds these images: only the Dockerfiles are edited")


def _scope(inferred: InferredPlan, build: BuildStep) -> str:
    """The cache scope of a build step: its image's name; the job's id for a Dockerfile that
    builds several images (one builder, one scope: what rsdock generates)."""
    files = set(build.dockerfiles or ())
    if sum(1 for image in inferred.images if image.dockerfile in files) > 1:
        return build.job.id
    for image in inferred.images:
        if build.dockerfiles and image.dockerfile in build.dockerfiles and image.name.known:
            return str(image.name.value)
    return build.job.id


def _platforms(sources: Sources, request: Request,
               inferred: InferredPlan, proposal: Proposal) -> None:
    current = set(inferred.platforms.value or ())
    if current and current <= set(request.remove_platforms) and not request.add_platforms:
        raise UserError("that would remove every platform the workflow builds",
                        hint="keep at least one platform; nothing was written",
                        exit_code=REFUSED)
    linkers = dict(getattr(sources.workspace, "linkers", {}) or {})
    if request.add_platforms:
        _refuse_unbuildable(sources, request, inferred)
    for path, workflow in sources.workflows.items():
        builds = [b for b in sources.builds if b.workflow.path == path]
        if builds:
            proposal.record(path, workflow.text, workflow_edit.edit_platforms(
                workflow, builds, list(request.add_platforms), list(request.remove_platforms),
                list(inferred.platforms.value or ())))
    old = list(inferred.platforms.value or ())
    new = [p for p in old if p not in request.remove_platforms] + list(request.add_platforms)
    seen: set[str] = set()
    for image in inferred.images:
        if image.dockerfile in seen:
            continue  # one build for many images: the file is edited once
        seen.add(image.dockerfile)
        model = sources.dockerfiles[image.dockerfile]
        text = model.text
        if not dockerfile_edit.find_platform_cases(model) and (
                image.kind == "web" or not dockerfile_edit.compiles_on_build_platform(model)):
            # Nothing maps platforms here (a wasm build, an emulated build): only comments
            # listing the platforms change.
            proposal.record(image.dockerfile, text, dockerfile_edit.rename_in_comments(model, old, new))
            proposal.notes.append(f"{image.dockerfile}: maps no platforms (it compiles nothing "
                                  "for the target); the workflow alone decides them")
            continue
        for name in request.add_platforms:
            platform = platforms.get(name)
            assert platform is not None  # Request.validated() made the names canonical
            outcome = dockerfile_edit.add_platform(model, platform, linkers)
            proposal.record(image.dockerfile, text, outcome)
            model = parse_dockerfile(model.path, outcome.text)
        for name in request.remove_platforms:
            platform = platforms.get(name)
            assert platform is not None  # Request.validated() made the names canonical
            outcome = dockerfile_edit.remove_platform(model, platform)
            proposal.record(image.dockerfile, text, outcome)
            model = parse_dockerfile(model.path, outcome.text)


def _refuse_unbuildable(sources: Sources, request: Request, inferred: InferredPlan) -> None:
    """Refuse a platform the images cannot be built or run on, by the validator ``rsdock init``
    and the TUI use (the runtime's images, the C libraries the binaries reach): an edit must
    never write a platform ``init --check`` then refuses."""
    images = [Image(i.name.value, i.kind, i.package or i.name.value, i.dockerfile)
              for i in inferred.images if i.name.known]
    runtime = inferred.runtime.value if inferred.runtime.known else None
    plan = edit_plan(sources.workspace, images, runtime, inferred.debian.value)
    for problems in platform_problems(plan, request.add_platforms).values():
        if problems:
            read = f" (the runtime read from {inferred.runtime.source})" if runtime else ""
            # Every reason, as init gives them: each with its way out and refusal id.
            more = "".join(f"; and {p.message}" for p in problems[1:])
            ways = "; ".join(dict.fromkeys(p.way_out for p in problems))
            raise UserError(f"{problems[0].message}{read}{more}",
                            hint=f"{ways}; nothing was written",
                            exit_code=refusal_exit_code(problems))


def _fix(sources: Sources, proposal: Proposal) -> None:
    config = replace(load_config(sources.root), hadolint=False)
    texts = sources.texts()
    findings = lint_texts(texts, sources.root, config)
    changed = fix.fix_texts(sources.root, texts, findings, config)
    for path, text in sorted(changed.items()):
        count = sum(1 for f in findings if f.path == path and f.fix is not None and f.fix.safe)
        proposal.record(path, texts[path], Outcome(text, [f"apply {count} safe lint fix(es)"]))
    # What a rule knows how to fix but not safely here (RS212 on a builder whose package
    # lists it cannot place): refused with the lines to add by hand.
    after = lint_texts({**texts, **changed}, sources.root, config) if changed else findings
    refused: set[tuple[str, str]] = set()
    for finding in after:
        if finding.fix is None or not finding.fix.display_only or not finding.fix.manual:
            continue
        if (finding.path, finding.fix.description) not in refused:
            refused.add((finding.path, finding.fix.description))
            proposal.refusals.append(Refusal(finding.path, finding.line,
                                             f"{finding.rule}: {finding.fix.description}",
                                             finding.fix.manual))


def apply(root: Path | str, proposal: Proposal, *, notes: list[str] | None = None) -> Path | None:
    """Back up, then write every changed file of ``proposal`` as one set.

    Under the workspace lock: each file is checked against the text it was read as when it is
    backed up and again right before the rename (and after it, through the old file), so a
    change another program makes meanwhile is never lost; the backup is complete and fsynced
    before anything is replaced; all files are replaced or none (:class:`rsdock.fs.Transaction`).

    Args:
        root: the workspace root.
        proposal: what to write.
        notes: collects what recovering an interrupted earlier write did, for the user.

    Returns:
        The backup folder, or None when nothing changed.

    Raises:
        UserError: (exit 1) when the proposal has refusals, or a file changed on disk since it
            was read; (exit 2) a file system error. Nothing is written then.
    """
    root = Path(root)
    if proposal.refusals:
        raise UserError("some edits cannot be made safely; nothing was written",
                        hint="make those changes by hand, then rerun", exit_code=REFUSED)
    changed = proposal.changed
    if not changed:
        return None
    with fs.Transaction(root) as tx:
        for edit in changed:
            # the Transaction keeps the file's BOM itself; the text must not carry a second one.
            tx.stage(edit.path, edit.new.removeprefix("\ufeff"), keep_bom=True, expect=edit.old)
        for rel, data in sorted(proposal.extra.items()):
            tx.stage(rel, data)
        # rsdock's stored render too (binary, no expected text): an undo that puts rsdock.toml's
        # old [generated] record back must put back the render it names
        folder = make_backup(root, [e.path for e in changed] + sorted(proposal.extra),
                             expect={e.path: e.old for e in changed}, pending=True)
        try:
            tx.commit()
        except fs.Changed:
            _discard_folder(folder)
            raise
        except UserError as error:
            _discard_folder(folder)
            raise UserError(error.message, path=error.path, hint=f"{error.hint}; nothing was "
                            "edited") from None
        confirm_backup(folder)
        if notes is not None:
            notes.extend(tx.notes)
    return folder


def _discard_folder(folder: Path) -> None:
    """A backup of an edit that did not happen would make undo put back the same text."""
    shutil.rmtree(folder, ignore_errors=True)
