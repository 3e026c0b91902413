"""Workflow edits: the platforms and cache backends of docker's build steps.

Every change is a replacement of one YAML value in its own style (see :mod:`.yamltext`), so
comments, key order, quoting, anchors and every other job and step stay exactly as written; the
result is verified against ruamel's model of the original plus the intended change.
"""

from __future__ import annotations

import re
from typing import Any, Sequence

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from rsdock.lint.knowledge import platforms, runners
from rsdock.lint.model.workflow import Job, Step
from rsdock.lint.model.workflow_reader import Workflow
from rsdock.wizard.edit.outcome import Outcome, Refusal
from rsdock.wizard.edit.sources import BuildStep, env_value
from rsdock.wizard.edit.yamltext import (Unsupported, newline_at, offsets, render_scalar,
                                          scalar_span, verify)
from rsdock.wizard.generate.render import cache_values

_MATRIX_RE = re.compile(r"^\$\{\{\s*matrix\.([A-Za-z0-9_-]+)\s*\}\}$")


class WorkflowEditor:
    """Collects value replacements in one workflow, then verifies and applies them."""

    def __init__(self, workflow: Workflow):
        self.workflow = workflow
        self.text = workflow.text
        self.replacements: dict[int, tuple[int, str]] = {}
        self.changes: list[tuple[tuple[Any, ...], Any]] = []
        self.inserted: set[tuple[int, str]] = set()
        self.edited_matrices: set[str] = set()
        self.out = Outcome(workflow.text)

    def refuse(self, line: int, message: str, manual: tuple[str, ...] = ()) -> None:
        """Record an edit this workflow cannot take."""
        self.out.refusals.append(Refusal(self.workflow.path, line, message, manual))

    def set_value(self, mapping: CommentedMap, key: str, path: tuple[Any, ...], value: str) -> None:
        """Replace the scalar at ``mapping[key]`` (document path ``path``) with ``value``.

        Raises:
            Unsupported: when the value cannot be replaced in place.
        """
        try:
            line0, col0 = mapping.lc.value(key)
        except (KeyError, TypeError):
            raise Unsupported(f"`{key}` comes from a merged mapping (<<:)") from None
        span = scalar_span(self.text, line0, col0, flow=mapping.fa.flow_style())
        new = render_scalar(span, value, self.text)
        previous = self.replacements.get(span.start)
        if previous is not None and previous != (span.end, new):
            raise Unsupported(f"`{key}` is an anchor shared by steps that need different values")
        self.replacements[span.start] = (span.end, new)
        self.changes.append((path, value))

    def insert_key(self, mapping: CommentedMap, key: str, path: tuple[Any, ...], value: str) -> None:
        """Add ``key: value`` as the first entry of a block ``mapping``, in its indentation."""
        if not mapping or mapping.fa.flow_style():
            raise Unsupported(f"cannot add `{key}` to an empty or flow-style mapping")
        first = next(iter(mapping))
        line0, col0 = mapping.lc.key(first)
        start = offsets(self.text)[line0]
        if self.text[start:start + col0].strip():
            raise Unsupported(f"cannot add `{key}`: the mapping starts on its parent's line")
        rendered = render_scalar(scalar_span(f"{key}: x\n", 0, len(key) + 2), value, "")
        line_end = newline_at(self.text, start)
        self.changes.append((path, value))
        if (start, key) in self.inserted:
            return  # an anchored mapping reached again through an alias: one insert serves both
        self.inserted.add((start, key))
        prior = self.replacements.get(start)
        text = " " * col0 + f"{key}: {rendered}{line_end}"
        self.replacements[start] = (start, (prior[1] if prior else "") + text)

    def insert_block(self, mapping: CommentedMap, key: str, path: tuple[Any, ...],
                     value: dict[str, str]) -> None:
        """Add ``key:`` with a mapping of plain scalars as the first entry of ``mapping``."""
        first = next(iter(mapping))
        line0, col0 = mapping.lc.key(first)
        start = offsets(self.text)[line0]
        if self.text[start:start + col0].strip():
            raise Unsupported(f"cannot add `{key}`: the mapping starts on its parent's line")
        child = next((v for v in mapping.values() if isinstance(v, CommentedMap) and v), None)
        step = (child.lc.col - col0) if child is not None and child.lc.col > col0 else 2
        lines = [" " * col0 + f"{key}:"] + [" " * (col0 + step) + f"{k}: {v}"
                                            for k, v in value.items()]
        self.changes.append((path, dict(value)))
        if (start, key) in self.inserted:
            return
        self.inserted.add((start, key))
        prior = self.replacements.get(start)
        newline = newline_at(self.text, start)
        self.replacements[start] = (start, (prior[1] if prior else "")
                                    + "".join(line + newline for line in lines))

    def put_input(self, job_id: str, step: Step, key: str, value: str) -> None:
        """Give ``step``'s ``with:`` ``key: value`` (replacing the key's value, or adding the key
        when the step has none), and say so among the edit's reasons."""
        path = step_path(job_id, step.index, "with", key)
        if step.with_.get(key) is None:
            self.insert_key(step.data["with"], key, path, value)
        else:
            self.set_value(step.data["with"], key, path, value)
        self.out.reasons.append(f"{job_id}: {key}: {value}")

    def result(self) -> Outcome:
        """The outcome: the edited text, or a refusal when verification fails."""
        if self.out.refusals or not self.replacements:
            return self.out
        text = self.text
        for start in sorted(self.replacements, reverse=True):
            end, new = self.replacements[start]
            text = text[:start] + new + text[end:]
        problem = verify(self.text, text, self.changes)
        if problem:
            self.refuse(0, problem + "; nothing was changed")
            return self.out
        self.out.text = text
        return self.out


def step_path(job_id: str, index: int, *rest: Any) -> tuple[Any, ...]:
    """The document path of a step's value: ``("jobs", job, "steps", index, *rest)``."""
    return ("jobs", job_id, "steps", index, *rest)


def edit_list(value: str, add: list[str], remove: list[str]) -> str:
    """A platforms input with ``add`` appended and ``remove`` dropped, in the input's own
    separator style (commas with or without spaces, or one per line)."""
    multiline = "\n" in value.strip("\n")
    if multiline:
        items, sep = [i.strip() for i in value.strip("\n").split("\n")], "\n"
    else:
        match = re.search(r",\s*", value)
        items = [i.strip() for i in value.split(",") if i.strip()]
        sep = match[0] if match else ","
    removed = {platforms.normalize(r) for r in remove}
    kept = [i for i in items if platforms.normalize(i) not in removed]
    present = {platforms.normalize(i) for i in kept}
    kept += [a for a in add if a not in present]
    text = sep.join(kept)
    return text + "\n" if multiline or value.endswith("\n") else text


def edit_platforms(workflow: Workflow, builds: list[BuildStep], add: list[str],
                   remove: list[str], current: Sequence[str] = ()) -> Outcome:
    """Add and remove platforms in every build-push step of ``workflow``.

    Args:
        workflow: the parsed workflow.
        builds: its :class:`rsdock.wizard.edit.infer.BuildStep` entries.
        add: canonical platform names to add.
        remove: canonical platform names to remove.
        current: the platforms the workflow builds now (to update comments listing them).
    """
    ed = WorkflowEditor(workflow)
    for build in builds:
        step, job = build.step, build.job
        item = step.with_.get("platforms")
        where = item.line if item else step.line
        try:
            if item is None:
                ed.refuse(step.line, "this build step has no `platforms:` input (it builds only "
                          "the runner's platform)", (f"platforms: {','.join(add)}",))
                continue
            matrix = _MATRIX_RE.match(item.text.strip())
            if matrix:
                _edit_matrix(ed, job, matrix[1], add, remove, where)
                continue
            resolved = env_value(workflow, job, item.text)
            if resolved is not None:
                value, mapping, path = resolved
                new = edit_list(value, add, remove)
                if not new.strip():
                    ed.refuse(where, "that would leave this step without any platform")
                elif new != value:
                    ed.set_value(mapping, path[-1], path, new)
                    ed.out.reasons.append(f"{'.'.join(path)}: {new.strip()!r}")
                continue
            if "${{" in item.text:
                ed.refuse(where, "the platforms come from an expression rsdock cannot edit",
                          (f"platforms: {edit_list('', add, [])}",))
                continue
            new = edit_list(item.text, add, remove)
            if not new.strip():
                ed.refuse(where, "that would leave this step without any platform")
                continue
            if new != item.text:
                ed.set_value(step.data["with"], "platforms",
                             step_path(job.id, step.index, "with", "platforms"), new)
                ed.out.reasons.append(f"{job.id}: platforms {new.strip()!r}")
        except Unsupported as error:
            ed.refuse(where, str(error))
    _rename_comment_lists(ed, current, add, remove)
    return ed.result()


def _rename_comment_lists(ed: WorkflowEditor, current: Sequence[str], add: list[str],
                          remove: list[str]) -> None:
    """Keep a comment listing exactly the built platforms (``for linux/amd64, linux/arm64``)
    true; comments are not data, so this cannot change what the workflow does."""
    order = platforms.names()
    old = [p for p in order if p in current]
    new = [p for p in order if (p in current or p in add) and p not in remove]
    if len(old) < 2 or old == new:
        return
    starts = offsets(ed.text)
    for number, line in enumerate(ed.text.split("\n")):
        at = line.find(", ".join(old))
        if line.lstrip().startswith("#") and at >= 0:
            start = starts[number] + at
            ed.replacements[start] = (start + len(", ".join(old)), ", ".join(new))
            ed.out.reasons.append(f"comment on line {number + 1}: {', '.join(new)}")


def _edit_matrix(ed: WorkflowEditor, job: Job, axis: str, add: list[str], remove: list[str],
                 where: int) -> None:
    matrix = job.matrix
    values = matrix.get(axis) if isinstance(matrix, CommentedMap) else None
    if values is None and isinstance(matrix, CommentedMap) and "include" in matrix:
        if job.id not in ed.edited_matrices:
            ed.edited_matrices.add(job.id)
            _edit_include(ed, job, axis, add, remove)
        return
    if not isinstance(values, CommentedSeq) or any(not isinstance(v, str) for v in values):
        raise Unsupported(f"matrix.{axis} is not a literal list of platforms")
    items = list(values)
    new = [v for v in items if platforms.normalize(v) not in set(remove)]
    new += [a for a in add if a not in {platforms.normalize(v) for v in new}]
    if new == items:
        return
    if not new:
        raise Unsupported("that would leave the matrix without any platform")
    path = ("jobs", job.id, "strategy", "matrix", axis)
    starts = offsets(ed.text)
    flow = values.fa.flow_style()
    spans = [scalar_span(ed.text, values.lc.item(i)[0], values.lc.item(i)[1], flow=flow)
             for i in range(len(values))]
    if flow:
        for i, value in enumerate(items):
            if value not in new:
                start = spans[i - 1].end if i else spans[i].start
                end = spans[i].end if i else spans[i + 1].start
                ed.replacements[start] = (end, "")
        extra = [a for a in new if a not in items]
        if extra:
            end = spans[-1].end
            ed.replacements[end] = (end, "".join(", " + render_scalar(spans[-1], a, "")
                                                 for a in extra))
    else:
        for i, value in enumerate(items):
            line0 = values.lc.item(i)[0]
            if value not in new:
                line_end = ed.text.find("\n", starts[line0])
                ed.replacements[starts[line0]] = (line_end + 1 if line_end >= 0 else len(ed.text),
                                                  "")
        last0 = values.lc.item(len(items) - 1)[0]
        prefix = ed.text[starts[last0]: spans[-1].start]
        nl = ed.text.find("\n", starts[last0])
        at = nl + 1 if nl >= 0 else len(ed.text)
        lines = "".join(prefix + render_scalar(spans[-1], a, "") + newline_at(ed.text, at - 1)
                        for a in new if a not in items)
        if lines:
            prior = ed.replacements.get(at)
            ed.replacements[at] = (prior[0] if prior else at, lines + (prior[1] if prior else ""))
    ed.changes.append((path, new))
    ed.out.reasons.append(f"{job.id}: matrix.{axis} {', '.join(new)}")


def _edit_include(ed: WorkflowEditor, job: Job, axis: str, add: list[str], remove: list[str]) -> None:
    """Add and remove legs of a native-runner ``matrix.include`` (platform, runner, slug).

    A new leg takes the runner of its architecture, or cross-compiles on the amd64 runner with
    the comment rsdock writes; a removed leg takes its comment lines with it.
    """
    include = job.matrix["include"]
    entries = list(include)
    if not entries or any(not isinstance(e, CommentedMap) or not isinstance(e.get(axis), str)
                          for e in entries):
        raise Unsupported(f"matrix.include has a leg without a literal `{axis}`")
    keys = list(entries[0])
    unknown = [k for k in keys if k not in (axis, "runner", "slug")]
    if unknown or keys[0] != axis:
        raise Unsupported(f"matrix.include legs have keys rsdock does not write: "
                          f"{', '.join(unknown) or keys[0]}")
    lines = ed.text.split("\n")
    starts = offsets(ed.text)
    firsts = [include.lc.item(i)[0] for i in range(len(entries))]
    # A leg's own lines end where the next leg (or its comment) starts, or the list ends.
    end_of_list = firsts[-1] + 1
    indent = len(lines[firsts[-1]]) - len(lines[firsts[-1]].lstrip())
    while end_of_list < len(lines) and (
            not lines[end_of_list].strip()
            or len(lines[end_of_list]) - len(lines[end_of_list].lstrip()) > indent):
        end_of_list += 1
    while not lines[end_of_list - 1].strip():
        end_of_list -= 1

    def own_lines(i: int) -> tuple[int, int]:
        begin = firsts[i]
        while begin > 0 and lines[begin - 1].strip().startswith("#"):
            begin -= 1
        end = firsts[i + 1] if i + 1 < len(entries) else end_of_list
        while end > begin + 1 and lines[end - 1].strip().startswith("#"):
            end -= 1
        return begin, end

    removed = set(remove)
    kept = [e for e in entries if platforms.normalize(e[axis]) not in removed]
    present = {platforms.normalize(e[axis]) for e in kept}
    extra = [a for a in add if a not in present]
    if len(kept) == len(entries) and not extra:
        return
    if not kept and not extra:
        raise Unsupported("that would leave the matrix without any platform")
    for i, entry in enumerate(entries):
        if entry not in kept:
            begin, end = own_lines(i)
            ed.replacements[starts[begin]] = (starts[end] if end < len(starts) else len(ed.text),
                                              "")
    pad = " " * indent
    new_entries = [dict(e) for e in kept]
    text = ""
    for name in extra:
        where = runners.leg(name)
        values = {axis: name, "runner": where.runner, "slug": name.replace("/", "-")}
        if not where.native:
            text += (f"{pad}# No hosted runner is {name}: it is cross-compiled on the "
                     f"{where.runner_platform} runner.\n")
        text += f"{pad}- " + f"\n{pad}  ".join(f"{k}: {values[k]}" for k in keys) + "\n"
        new_entries.append({k: values[k] for k in keys})
    if text:
        at = starts[end_of_list] if end_of_list < len(starts) else len(ed.text)
        prior = ed.replacements.get(at)
        ed.replacements[at] = (prior[0] if prior else at, text + (prior[1] if prior else ""))
    ed.changes.append((("jobs", job.id, "strategy", "matrix", "include"), new_entries))
    ed.out.reasons.append(f"{job.id}: matrix legs "
                          f"{', '.join(e[axis] for e in new_entries)}")


def image_ref(workflow: Workflow, build: BuildStep) -> str | None:
    """The image a build step pushes, without tag: the metadata step's ``images`` input, else
    the first tag's repository; None when neither says."""
    # The metadata step whose outputs this build reads (a job building several images has
    # one per image), else the job's first.
    read = set(re.findall(r"steps\.([A-Za-z0-9_-]+)\.outputs", " ".join(
        build.step.input_text(key) or "" for key in ("tags", "labels"))))
    candidates = [s for s in build.job.steps if s.is_action("docker/metadata-action")]
    candidates.sort(key=lambda s: str(s.data.get("id", "")) not in read)
    for step in candidates:
        if "images" in step.with_:
            first = step.with_["images"].text.strip().split("\n")[0].split(",")[0].strip()
            return first or None
    for tag in build.build.tags:
        return _repository(tag.text.strip())
    return None


# `${{ env.IMAGE }}:latest`, the common shape: the repository is the whole expression.
_EXPRESSION_TAG_RE = re.compile(r"^(\$\{\{[^}]*\}\})(?::[A-Za-z0-9_][A-Za-z0-9_.-]*)?$")


def _repository(tag: str) -> str | None:
    """The repository of a ``tags:`` entry: a literal (``acme/api:latest`` -> ``acme/api``) or
    one whole expression before the tag (``${{ env.IMAGE }}:latest`` -> ``${{ env.IMAGE }}``,
    which a cache ref can use as it is); None for anything else (a list of tags from a step's
    outputs, a literal mixed with an expression)."""
    if "${{" in tag:
        match = _EXPRESSION_TAG_RE.match(tag)
        if match is None or tag == match[1]:  # no tag after it: it may hold whole tags
            return None
        return match[1]
    return tag.rsplit(":", 1)[0] if ":" in tag.rsplit("/", 1)[-1] else tag


def _leg_key(build: BuildStep) -> str | None:
    """The matrix key naming each leg of a matrix that builds one platform per leg (the native
    strategy: ``platforms: ${{ matrix.platform }}``): ``slug`` when every leg has one, which
    rsdock's workflows give for cache names; None for a build that is the same on every leg."""
    platforms = " ".join(item.text for item in build.build.platforms)
    if "matrix." not in platforms:
        return None
    combos = build.job.matrix_combinations() or []
    if combos and all("slug" in combo for combo in combos):
        return "slug"
    return None


def _per_leg_values(cache: str, scope: str, image: str | None, key: str
                    ) -> tuple[str, str] | None:
    """(cache-from, cache-to) giving every matrix leg a cache of its own (legs writing one
    scope or ref would overwrite each other's), as ``rsdock init --strategy native`` does."""
    leg = f"${{{{ matrix.{key} }}}}"
    if cache == "gha":
        return f"type=gha,scope={scope}-{leg}", f"type=gha,scope={scope}-{leg},mode=max"
    inner = _EXPRESSION.match(image or "")
    if inner is None:
        return None
    options = "mode=max,image-manifest=true,oci-mediatypes=true"
    return (f"type=registry,ref={image}:buildcache-{leg}",
            f"${{{{ github.event_name != 'pull_request' && format('type=registry,ref={{0}}:"
            f"buildcache-{{1}},{options}', {inner[1].strip()}, matrix.{key}) || '' }}}}")


_EXPRESSION = re.compile(r"^\$\{\{(.*)\}\}$")


def edit_cache(workflow: Workflow, builds: list[BuildStep], cache: str, scopes: dict[str, str]) -> Outcome:
    """Point every build step's ``cache-from``/``cache-to`` at the ``cache`` backend.

    Args:
        workflow: the parsed workflow.
        builds: its build steps.
        cache: gha, registry, local or inline.
        scopes: a cache scope name per build step ``where`` (the image name).
    """
    ed = WorkflowEditor(workflow)
    # One build for many images: a later step of a job building the same Dockerfile that only
    # reads the cache reads what the first step writes (its scope, its image's cache ref) and
    # keeps writing nothing; an inline cache lives in each image, so each step writes its own.
    writers: dict[tuple[str, tuple[str, ...]], tuple[str, str | None]] = {}
    for build in builds:
        step, job = build.step, build.job
        old = {s.options.get("scope") for s in build.build.cache_to + build.build.cache_from}
        scope = next((s for s in old if s), None) or scopes.get(build.where) or job.id
        image = image_ref(workflow, build)
        group = (job.id, tuple(build.dockerfiles or ()))
        reader = (cache != "inline" and bool(build.dockerfiles) and group in writers
                  and not build.build.cache_to)
        if reader:
            scope, image = writers[group]
        elif build.dockerfiles:
            writers.setdefault(group, (scope, image))
        leg = _leg_key(build)
        if leg and cache in ("gha", "registry"):
            values: tuple[str, ...] | None = _per_leg_values(cache, scope, image, leg)
        else:
            values = cache_values(cache, scope, image, workflow.runs_on_pull_request())
        if values is not None and reader:
            values = values[:1]
        if values is None:
            if cache == "local":
                manual: tuple[str, ...] = (
                    "cache-from: type=local,src=${{ runner.temp }}/buildx-cache",
                    "cache-to: type=local,dest=${{ runner.temp }}/buildx-cache-new,mode=max",
                    "plus actions/cache restore/save steps and a step moving -new into place")
                why = "type=local needs actions/cache steps around the build"
            else:
                # The lines to paste, with the one thing rsdock could not read left to fill in.
                placeholder = cache_values(cache, scope, "IMAGE", workflow.runs_on_pull_request())
                manual = (f"cache-from: {placeholder[0]}", f"cache-to: {placeholder[1]}",
                          "with IMAGE replaced by the image's repository, e.g. "
                          "ghcr.io/acme/server") if placeholder else ()
                why = ("the image name is unknown (no metadata images:, and the tags are not "
                       "a repository or ${{ env.NAME }} followed by a tag)")
            ed.refuse(step.line, why, manual)
            continue
        try:
            for key, value in zip(("cache-from", "cache-to"), values):
                current = step.with_.get(key)
                if current is not None and current.text.strip() == value:
                    continue
                ed.put_input(job.id, step, key, value)
        except Unsupported as error:
            ed.refuse(step.line, str(error))
    return ed.result()
