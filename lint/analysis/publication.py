"""Which images a repository builds, and which of them it publishes.

Read from every way a repository builds and pushes an image:

- build-push steps (``docker/build-push-action`` and forks with its inputs): ``push:``, and an
  ``outputs:`` exporter that pushes (``type=image,...,push=true``, ``type=registry``);
- bake: ``docker/bake-action`` (``files``, ``targets``, ``push``, ``set``) and ``docker buildx
  bake`` in a ``run:`` step (``-f``, targets, ``--push``, ``--set``), over the bake file's
  ``target`` blocks and ``group``\\ s;
- compose: ``docker compose push`` (or ``build --push``) in a ``run:`` step publishes the
  services it names that have a ``build:``; a compose file nothing pushes only builds;
- ``run:`` steps and the scripts they call, read with the shell model: ``docker build`` and
  ``docker buildx build`` (``-f``, ``-t``, ``--target``, ``--push``, ``--output``), and a
  ``docker push`` of one of the build's tags (through ``docker tag``) in the same job;
- ``elgohr/Publish-Docker-Github-Action`` (``dockerfile``, ``context``, ``workdir``, ``no_push``);
- local composite actions (``uses: ./.github/actions/x``), read as part of the job that calls
  them; a Docker container action's Dockerfile (``runs.using: docker``) is built by the runner
  and never pushed.

A push only to a registry on the runner (``localhost:5000``) publishes nothing. What the model
cannot read (an action it does not know, a tag computed at run time that no push names) is not
a publication: callers treat "built, never pushed" and "nothing builds it" differently.
"""

from __future__ import annotations

import posixpath
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

from rsdock.lint.model.context import Context
from rsdock.lint.model.rust_source import SourceFiles, shared
from rsdock.lint.model.shell import Command, simulate
from rsdock.records import record

if TYPE_CHECKING:  # the workflow model (ruamel) is loaded only for repositories with workflows
    from rsdock.lint.model.workflow import Job, Step, Workflow

BAKE_ACTION = "docker/bake-action"
# builds with `docker build` and pushes `name` (inputs: dockerfile, context, workdir, no_push)
PUBLISH_ACTION = "elgohr/publish-docker-github-action"
# Red Hat's buildah actions: build-only (inputs: containerfiles, context, image, tags,
# platforms, build-args), and a push of a local image by name (inputs: image, tags, registry)
BUILDAH_ACTION = "redhat-actions/buildah-build"
PUSH_TO_REGISTRY_ACTION = "redhat-actions/push-to-registry"
# what docker buildx bake reads when no file is given, in its order
BAKE_DEFAULT_FILES = ("compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml",
                      "docker-bake.json", "docker-bake.hcl")
COMPOSE_DEFAULT_FILES = ("compose.yaml", "compose.yml", "docker-compose.yml",
                         "docker-compose.yaml")
_MAX_SCRIPT_DEPTH = 2
_MAX_SCRIPT_BYTES = 200_000


@record(frozen=True)
class Image:
    """One build of a Dockerfile that the repository's automation runs.

    Attributes:
        dockerfile: the Dockerfile, relative to the repository root.
        context: the build context folder, relative to the repository root.
        target: the stage built (``--target``, ``target:``), "" for the last one.
        pushes: whether the build's image is pushed to a registry off the runner.
        how: ``build-push``, ``bake``, ``compose``, ``docker build``, ``buildah`` or
            ``container action``.
        where: the workflow, action or script that says so.
        tags: the image names it is tagged with, as written (``-t``, ``tags:``).
        args: the build-args it passes (``build-args: NAME=value``, ``--build-arg``), values as
            written (an expression stays ``${{ ... }}``: given, its value unknown).
    """

    dockerfile: str
    context: str
    target: str
    pushes: bool
    how: str
    where: str
    tags: tuple[str, ...] = ()
    args: tuple[tuple[str, str], ...] = ()


@record(frozen=True)
class Service:
    """A compose service's ``build:``: what it builds, and the image name it is tagged with."""

    name: str
    dockerfile: str
    context: str
    target: str
    image: str
    overrides_entrypoint: bool
    args: tuple[tuple[str, str], ...] = ()


def images(ctx: Context) -> list[Image]:
    """Every build the repository's workflows (and the actions and scripts they call) run."""
    if "publication" not in ctx.memo:
        ctx.memo["publication"] = _collect(ctx)
    found: list[Image] = ctx.memo["publication"]
    return found


def pushes_from(ctx: Context, where: str) -> bool:
    """Whether the workflow, action or script at ``where`` pushes any image it builds."""
    return any(image.pushes and image.where == where for image in images(ctx))


def _collect(ctx: Context) -> list[Image]:
    root = getattr(ctx, "root", None)
    found: list[Image] = []
    for workflow in ctx.workflows.values():
        if workflow.errors:
            continue
        readers = [_JobReader(ctx, root, workflow, job) for job in workflow.jobs.values()]
        images_of = [reader.read() for reader in readers]
        # an image exported as an archive (type=oci,dest=...) that a job of the same workflow
        # pushes from the archive (oras copy, skopeo copy, crane push...) is published
        pushes_archive = any(_PUSH_ARCHIVE_RE.search(str(step.run.value))
                             for job in workflow.jobs.values() for step in job.steps
                             if step.run is not None)
        for reader, built in zip(readers, images_of):
            found += [_replace_pushes(i, True) if pushes_archive and i in reader.archived else i
                      for i in built]
    found += _container_actions(root)
    return found


# --- one job -----------------------------------------------------------------------------------

class _JobReader:
    """The builds and pushes of one job, with its local composite actions read in place."""

    def __init__(self, ctx: Context, root: Path | None, workflow: Workflow, job: Job):
        # docker's action inputs (and ruamel) only for repositories with workflows
        from rsdock.lint.model import docker_steps

        self.steps = docker_steps
        self.ctx, self.root, self.workflow, self.job = ctx, root, workflow, job
        self.images: list[Image] = []
        self.tagged: list[tuple[Image, list[str]]] = []  # run-step builds and their tags
        self.aliases: dict[str, set[str]] = {}  # docker tag SRC DST: DST -> {SRC}
        self.pushed: set[str] = set()
        self.compose_pushed: list[tuple[str, tuple[str, ...]]] = []  # (compose file, services)
        self.archived: list[Image] = []  # builds exported as an image archive (oci, docker tar)

    def read(self) -> list[Image]:
        self._steps(self.job.steps, depth=0)
        sources = self._pushed_sources()
        for image, tags in self.tagged:
            pushes = image.pushes or any(_repo(t) in sources for t in tags)
            self.images.append(_replace_pushes(image, pushes))
        for compose_file, names in self.compose_pushed:
            for service in compose_services(compose_file, self._text(compose_file)):
                if service.dockerfile and (not names or service.name in names):
                    self.images.append(Image(service.dockerfile, service.context, service.target,
                                             True, "compose", self.workflow.path,
                                             args=service.args))
        return self.images

    def _pushed_sources(self) -> set[str]:
        """The repository names pushed, and every name they were tagged from."""
        seen: set[str] = set()
        todo = list(self.pushed)
        while todo:
            name = todo.pop()
            if name not in seen:
                seen.add(name)
                todo += self.aliases.get(name, ())
        return seen

    def _steps(self, steps: list[Step], depth: int) -> None:
        for step in steps:
            uses = step.uses
            if uses is not None and uses.text.startswith("./") and depth < 3:
                self._steps(self._composite(uses.text), depth + 1)
            elif uses is not None and uses.repo.lower().endswith("/build-push-action"):
                self._build_push(step)
            elif uses is not None and uses.repo.lower() == BAKE_ACTION:
                self._bake_action(step)
            elif uses is not None and uses.repo.lower() == PUBLISH_ACTION:
                self._publish_action(step)
            elif uses is not None and uses.repo.lower() == BUILDAH_ACTION:
                self._buildah_build(step)
            elif uses is not None and uses.repo.lower() == PUSH_TO_REGISTRY_ACTION:
                image = (step.input_text("image") or "").strip()
                if image:
                    self.pushed.add(_repo(image))  # pushes the local image named so
            elif step.run is not None and isinstance(step.run.value, str):
                workdir = self.steps.in_repository(
                    self.job, str(step.data.get("working-directory") or "."))
                self._script(step.run.value, "/" if workdir == "." else "/" + workdir,
                             self.workflow.path, 0)

    def _composite(self, uses: str) -> list[Step]:
        from rsdock.lint.model.workflow_reader import parse_action_steps

        folder = uses.split("@")[0].strip().rstrip("/")
        cache: dict[str, list[Step]] = self.ctx.memo.setdefault("publication:actions", {})
        if folder not in cache:
            cache[folder] = []
            for name in ("action.yml", "action.yaml"):
                text = self._text(posixpath.normpath(posixpath.join(folder, name)))
                if text:
                    cache[folder] = parse_action_steps(text)
                    break
        return cache[folder]

    # -- actions --------------------------------------------------------------------------------
    def _build_push(self, step: Step) -> None:
        build = self.steps.build_push(self.workflow, step)
        if _exports_files_only(step.input_text("outputs") or ""):
            return  # files exported from a stage (debug symbols, binaries): no image
        push = (step.input_text("push") or "").strip().lower()
        pushes = push not in ("", "false") or _output_pushes(step.input_text("outputs") or "")
        names = self.steps.pushed_images(self.workflow, self.job, build)
        if names and all(self.steps.on_runner(n) for n in names):
            pushes = False  # a test cluster's registry on the runner
        target = self._env((step.input_text("target") or "").strip(), step)
        context = self._env((build.context.text.strip() if build.context else ".") or ".", step)
        context = self.steps.git_context(context)
        contexts = self.job.expand(context) or []
        if build.file is not None:
            files = self.job.expand(self._env(build.file.text.strip(), step)) or []
        else:
            files = [posixpath.join(c, "Dockerfile") for c in contexts]
        archived = any(o.get("type") in ("oci", "docker") and "dest" in o
                       for o in _outputs(step.input_text("outputs") or ""))
        args = _build_args(a.text for a in build.build_args)
        for path in files:
            if "${{" in path or "$" in path:
                continue
            if archived:
                self.archived.append(Image(
                    self.steps.in_repository(self.job, posixpath.normpath(path)),
                    self.steps.in_repository(self.job, contexts[0] if len(contexts) == 1
                                             else "."),
                    "" if "$" in target else target, pushes, "build-push", self.workflow.path,
                    tuple(t.text for t in build.tags), args))
                self.images.append(self.archived[-1])
                continue
            self.images.append(Image(
                self.steps.in_repository(self.job, posixpath.normpath(path)),
                self.steps.in_repository(self.job, contexts[0] if len(contexts) == 1 else "."),
                "" if "$" in target else target, pushes, "build-push", self.workflow.path,
                tuple(t.text for t in build.tags), args))

    def _buildah_build(self, step: Step) -> None:
        """redhat-actions/buildah-build: builds each of ``containerfiles`` (or the older
        ``dockerfiles``) in ``context`` (default the workspace) into the local image ``image``
        (its ``tags`` are tags of that name); it never pushes: a
        ``redhat-actions/push-to-registry`` step of the job pushing that name publishes it."""
        listed = step.input_text("containerfiles") or step.input_text("dockerfiles") or ""
        files = [f.strip() for f in listed.splitlines() if f.strip()]
        if not files:
            return  # a build from `content:` (no Containerfile of the repository) or a base
        context = self._env((step.input_text("context") or ".").strip() or ".", step)
        image = (step.input_text("image") or "").strip()
        args = _build_args(line for line in (step.input_text("build-args") or "").splitlines()
                           if line.strip())
        for path in files:
            path = self._env(path, step)
            if "$" in path or "$" in context:
                continue
            self.tagged.append((Image(self.steps.in_repository(self.job, posixpath.normpath(path)),
                                      self.steps.in_repository(self.job, context), "", False,
                                      "buildah", self.workflow.path, (image,) if image else (),
                                      args), [image] if image else []))

    def _publish_action(self, step: Step) -> None:
        """elgohr/Publish-Docker-Github-Action: builds ``workdir``/``dockerfile`` (default
        ``Dockerfile``) in ``workdir``/``context`` and pushes ``name`` unless ``no_push``."""
        workdir = (step.input_text("workdir") or ".").strip() or "."
        dockerfile = (step.input_text("dockerfile") or "Dockerfile").strip()
        context = (step.input_text("context") or ".").strip() or "."
        if "$" in workdir + dockerfile + context:
            return
        no_push = (step.input_text("no_push") or "").strip().lower() not in ("", "false")
        name = (step.input_text("name") or "").strip()
        self.images.append(Image(
            self.steps.in_repository(self.job, posixpath.normpath(posixpath.join(workdir,
                                                                                 dockerfile))),
            self.steps.in_repository(self.job, posixpath.normpath(posixpath.join(workdir,
                                                                                 context))),
            "", not no_push, "publish action", self.workflow.path, (name,) if name else ()))

    def _env(self, text: str, step: Step) -> str:
        """``text`` with each ``${{ env.NAME }}`` whose value the workflow, job or step sets
        literally replaced by it."""
        if "env." not in text:
            return text
        scopes = [self.workflow.data, _job_data(self.workflow, self.job), step.data]
        values: dict[str, str] = {}
        for scope in scopes:
            env = scope.get("env") if isinstance(scope, dict) else None
            if isinstance(env, dict):
                values.update({str(k): str(v) for k, v in env.items()
                               if isinstance(v, (str, int, float)) and "${{" not in str(v)})
        return re.sub(r"\$\{\{\s*env\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}",
                      lambda m: values.get(m[1], m[0]), text)

    def _bake_action(self, step: Step) -> None:
        files = [i.text for i in self.steps.input_list(self.workflow, step.with_.get("files"))]
        targets = [i.text for i in self.steps.input_list(self.workflow, step.with_.get("targets"))]
        sets = [i.text for i in self.steps.input_list(self.workflow, step.with_.get("set"),
                                           split_commas=False)]
        workdir = self.steps.in_repository(self.job, (step.input_text("workdir") or ".").strip())
        push = (step.input_text("push") or "").strip().lower() not in ("", "false")
        self._bake(workdir, files, targets, push or any(_set_pushes(s) for s in sets))

    def _bake(self, workdir: str, files: list[str], targets: list[str], push: bool) -> None:
        if any("$" in f or "__expr__" in f for f in files):
            return  # a file named at run time
        paths = [posixpath.normpath(posixpath.join(workdir, f)) for f in files] or [
            posixpath.normpath(posixpath.join(workdir, f)) for f in BAKE_DEFAULT_FILES]
        for path in paths:
            text = self._text(path)
            if not text:
                continue
            for image in bake_images(path, text, targets, base=workdir):
                self.images.append(_replace_pushes(image, push, self.workflow.path))

    # -- run: steps and the scripts they call ----------------------------------------------------
    def _script(self, text: str, cwd: str, where: str, depth: int) -> None:
        """Read the builds and pushes of a script run in ``cwd`` (``/`` is the repository)."""
        if not _MAY_BUILD_RE.search(text) or not self._may_build(text, depth):
            return  # no docker, podman or compose, and no script it could call that has them
        for command in self._commands(text, cwd):
            self._command(command, where, depth)

    def _may_build(self, text: str, depth: int) -> bool:
        """Whether the script at ``depth`` can run docker or podman, itself or through the
        scripts it calls: the cheap test that spares simulating the long scripts (installers,
        environment set-up) that never build an image. Without either word a script matters
        only through a script it calls, and a called script's path ends in a name the text
        spells (``"$DIR"/ci/build.sh``, ``X=./tool; $X``): each repository file of such a name
        must itself pass. True (simulate) when a name is put together at run time
        (``./build-$ARCH.sh``) or the repository is too large to index. Not seen: a ``./``
        itself put together from variables (``D=.; $D/tool``, a name without ``.sh``)."""
        if _BUILDS_RE.search(text):
            return True
        if depth >= _MAX_SCRIPT_DEPTH:
            return False  # the scripts it calls are not followed
        memo: dict[tuple[str, int], bool] = self.ctx.memo.setdefault("publication:may_build", {})
        key = (text, depth)
        if key not in memo:
            memo[key] = False  # a script calling itself adds nothing
            memo[key] = self._may_call_builder(text, depth)
        return memo[key]

    def _may_call_builder(self, text: str, depth: int) -> bool:
        names = _repository_names(self.ctx, self.root)
        if names is None:
            return True
        if _MAKE_RE.search(text) and any(
                _BUILDS_RE.search(self._text(path)) for name in MAKEFILES
                for path in names.get(name, ())):
            return True  # `make docker-build`: a makefile's recipe may build or push
        for found in _CALLEE_RE.finditer(text):
            word = found.group().replace('"', "").replace("'", "")
            # what the shell model follows: a path ending in .sh or starting with ./ (one in
            # a variable is spelled where the variable is set: X=./tool)
            if not (word.endswith(".sh") or word.startswith("./")):
                continue
            name = word.rstrip("/").rsplit("/", 1)[-1]
            if name in ("", ".", "..", ".sh") or any(c in name for c in "$`*?[]{}\\"):
                return True  # a name made at run time: cannot tell without simulating
            for path in names.get(name, ()):
                callee = self._text(path)
                if callee and self._may_build(callee, depth + 1):
                    return True
        return False

    def _commands(self, text: str, cwd: str) -> list[Command]:
        """The commands a script runs on any of its paths, each once (memoised per run: a
        script several steps call is simulated once)."""
        cache: dict[tuple[str, str], list[Command]] = \
            self.ctx.memo.setdefault("publication:scripts", {})
        key = (text, cwd)
        if key not in cache:
            script = re.sub(r"\$\{\{.*?\}\}", "__expr__", text, flags=re.S)
            seen: set[tuple[int, tuple[str, ...]]] = set()
            found: list[Command] = []
            try:
                outcomes = simulate(script, cwd=cwd)
            except (RecursionError, ValueError):
                outcomes = []
            for outcome in outcomes:
                for command in outcome.commands:
                    if (command.line, command.argv) not in seen:
                        seen.add((command.line, command.argv))
                        found.append(command)
            cache[key] = found
        return cache[key]

    def _command(self, command: Command, where: str, depth: int) -> None:
        argv = _strip_wrappers(list(command.argv))
        if not argv:
            return
        cwd = command.cwd
        name = posixpath.basename(argv[0])
        if name == "docker-compose":
            self._compose(argv[1:], cwd)
        elif name in ("docker", "podman"):
            self._docker(argv[1:], cwd, where)
        elif name in ("make", "gmake") and depth < _MAX_SCRIPT_DEPTH:
            self._make(argv[1:], cwd, depth)
        elif depth < _MAX_SCRIPT_DEPTH:
            script = _script_argument(argv)
            if script is not None:
                path = _resolve(cwd, script)
                text = self._text(path) if path else ""
                if path and text:  # a script runs in its caller's directory
                    self._script(text, cwd, path, depth + 1)

    def _make(self, args: list[str], cwd: str, depth: int) -> None:
        """Read the recipes a ``make`` call runs (``-C dir``, ``-f file``, ``VAR=value``, its
        targets and the targets they depend on) as a script run in the makefile's folder."""
        folder, files, targets, variables = cwd, [], [], {}
        words = iter(args)
        for word in words:
            if word in ("-C", "--directory"):
                folder = posixpath.join(folder, next(words, "."))
            elif word in ("-f", "--file", "--makefile"):
                files.append(next(words, ""))
            elif word.startswith("-"):
                continue
            elif "=" in word:
                key, _, value = word.partition("=")
                variables[key] = value
            else:
                targets.append(word)
        for name in files or MAKEFILES:
            path = _resolve(folder, name)
            text = self._text(path) if path else ""
            if path and text:
                recipe = make_recipes(text, targets, variables)
                if recipe:
                    self._script(recipe, "/" + posixpath.dirname("/" + path).strip("/"), path,
                                 depth + 1)
                return

    def _docker(self, args: list[str], cwd: str, where: str) -> None:
        args = _skip_global_options(args)
        if args[:1] == ["image"] or args[:1] == ["builder"]:
            args = args[1:]
        if args[:1] == ["buildx"]:
            args = args[1:]
        if not args:
            return
        verb, rest = args[0], args[1:]
        if verb == "build":
            self._docker_build(rest, cwd, where)
        elif verb == "bake":
            files, targets, push = _bake_args(rest)
            self._bake(cwd.lstrip("/") or ".", files, targets, push)
        elif verb == "tag" and len(rest) >= 2:
            self.aliases.setdefault(_repo(rest[-1]), set()).add(_repo(rest[-2]))
        elif verb == "push":
            names = [a for a in rest if not a.startswith("-")]
            if names and not self.steps.on_runner(names[-1]):
                self.pushed.add(_repo(names[-1]))
        elif verb == "compose":
            self._compose(rest, cwd)

    def _docker_build(self, args: list[str], cwd: str, where: str) -> None:
        options, positional = _options(args)
        if not positional or positional[0] == "-" or "$" in positional[0]:
            return
        context = _resolve(cwd, positional[0])
        if context is None:
            return
        files = options.get("file", []) or options.get("f", [])
        dockerfile = _resolve(cwd, files[-1]) if files else posixpath.normpath(
            posixpath.join(context, "Dockerfile"))
        if dockerfile is None or "$" in dockerfile or "__expr__" in dockerfile:
            return
        targets = options.get("target", [])
        tags = options.get("tag", []) + options.get("t", [])
        outputs = options.get("output", []) + options.get("o", [])
        if outputs and all(_exports_files_only(o) for o in outputs):
            return
        pushes = "push" in options or any(_output_pushes(o) for o in outputs)
        if tags and all(self.steps.on_runner(t) for t in tags):
            pushes = False
        image = Image(self.steps.in_repository(self.job, dockerfile),
                      self.steps.in_repository(self.job, context),
                      targets[-1] if targets and "$" not in targets[-1] else "", pushes,
                      "docker build", where, tuple(tags),
                      _build_args(options.get("build-arg", [])))
        self.tagged.append((image, tags))

    def _compose(self, args: list[str], cwd: str) -> None:
        files: list[str] = []
        index = 0
        while index < len(args) and args[index].startswith("-"):
            option = args[index]
            if option in ("-f", "--file") and index + 1 < len(args):
                files.append(args[index + 1])
                index += 2
                continue
            if option.startswith("--file="):
                files.append(option.split("=", 1)[1])
            elif option in ("-p", "--project-name", "--profile", "--env-file",
                            "--project-directory") and index + 1 < len(args):
                index += 1
            index += 1
        if index >= len(args):
            return
        verb, rest = args[index], args[index + 1:]
        if not (verb == "push" or verb == "build" and "--push" in rest):
            return
        services = tuple(a for a in rest if not a.startswith("-"))
        paths = [_resolve(cwd, f) for f in files] or [
            _resolve(cwd, f) for f in COMPOSE_DEFAULT_FILES]
        for path in paths:
            if path and self._text(path):
                self.compose_pushed.append((path, services))
                if not files:
                    break

    def _text(self, path: str) -> str:
        """A repository file's text ("" when it is missing, outside the root or too big)."""
        return read_repository_file(self.root, path)


def _job_data(workflow: Workflow, job: Job) -> Any:
    jobs = workflow.data.get("jobs") if isinstance(workflow.data, dict) else None
    return jobs.get(job.id) if isinstance(jobs, dict) else None


# --- files -------------------------------------------------------------------------------------

def read_repository_file(root: Path | None, path: str) -> str:
    """The text of ``path`` (repository-relative), or "" when it cannot be read, climbs out of
    the repository, or is too big to be a build file."""
    if root is None or not path or path.startswith("/") or ".." in path.split("/"):
        return ""
    target = root / path
    try:
        if not target.is_file() or target.stat().st_size > _MAX_SCRIPT_BYTES:
            return ""
        return target.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def _container_actions(root: Path | None) -> list[Image]:
    """The Dockerfiles of the repository's Docker container actions (``runs.using: docker``,
    ``runs.image: Dockerfile``): the runner builds them for each run, nothing pushes them."""
    if root is None:
        return []
    found = []
    candidates = [Path("action.yml"), Path("action.yaml")]
    actions = root / ".github" / "actions"
    try:
        if actions.is_dir():
            candidates += [p.relative_to(root) for p in sorted(actions.glob("*/action.y*ml"))]
    except OSError:
        return []
    for rel in candidates:
        text = read_repository_file(root, rel.as_posix())
        match = re.search(r"(?m)^\s*using:\s*['\"]?docker['\"]?\s*$", text)
        image = re.search(r"(?m)^\s*image:\s*['\"]?([^'\"\s#]+)", text)
        if not match or not image or image[1].startswith("docker://"):
            continue
        folder = rel.parent.as_posix()
        folder = "" if folder == "." else folder
        found.append(Image(posixpath.normpath(posixpath.join(folder or ".", image[1])),
                           folder or ".", "", False, "container action", rel.as_posix()))
    return found


def compose_services(path: str, text: str) -> list[Service]:
    """The services of a docker compose file that have a ``build:`` (a context string, or a
    mapping with ``context``, ``dockerfile`` and ``target``), paths relative to the repository
    (a compose file resolves them against its own folder)."""
    if "build" not in text and "\\" not in text:
        # no `build` key can be spelled without the word or an escape (a multi-line scalar
        # folds its breaks into spaces): most compose files (32 of vector's 40) are not parsed
        return []
    data = _load_yaml(text)
    services = data.get("services") if isinstance(data, dict) else None
    if not isinstance(services, dict):
        return []
    here = posixpath.dirname(path)
    found = []
    for name, service in services.items():
        if not isinstance(service, dict) or "build" not in service:
            continue
        spec = service["build"]
        args: tuple[tuple[str, str], ...] = ()
        if isinstance(spec, str):
            context, dockerfile, target = spec, "Dockerfile", ""
        elif isinstance(spec, dict):
            context = str(spec.get("context") or ".")
            dockerfile = str(spec.get("dockerfile") or "Dockerfile")
            raw = spec.get("target")
            target = raw if isinstance(raw, str) and "$" not in raw else ""
            given = spec.get("args")  # a mapping, or a list of NAME=value
            if isinstance(given, dict):
                args = _build_args(str(k) if v is None else f"{k}={v}" for k, v in given.items())
            elif isinstance(given, list):
                args = _build_args(str(item) for item in given)
        else:
            continue
        if "://" in context or "$" in context or "$" in dockerfile:
            continue
        context_dir = _join(here, context)
        overrides = "entrypoint" in service or bool(service.get("init"))
        image = service.get("image")
        found.append(Service(str(name), _join(context_dir, dockerfile), context_dir, target,
                             image if isinstance(image, str) else "", overrides, args))
    return found


_HCL_HEAD_RE = re.compile(r'(?m)^\s*(?P<kind>target|group)\s+"(?P<name>[^"]+)"\s*\{')
_HCL_ATTR_RE = re.compile(r'(?m)^\s*(?P<key>context|dockerfile|target)\s*=\s*"(?P<value>[^"]*)"')
_HCL_LIST_RE = re.compile(r'(?ms)^\s*targets\s*=\s*\[(?P<items>[^\]]*)\]')


def _hcl_blocks(text: str) -> Iterable[tuple[str, str, str]]:
    """``(kind, name, body)`` of each top-level ``target``/``group`` block; nested blocks
    (``args = { ... }``) are left out of the body, so only the block's own attributes stay."""
    for head in _HCL_HEAD_RE.finditer(text):
        depth, index, quoted = 1, head.end(), False
        own: list[str] = []
        while index < len(text) and depth:
            char = text[index]
            if char == '"' and text[index - 1] != "\\":
                quoted = not quoted
            elif not quoted and char == "{":
                depth += 1
            elif not quoted and char == "}":
                depth -= 1
            if depth == 1 and char != "}":
                own.append(char)
            index += 1
        yield head["kind"], head["name"], "".join(own)


def bake_targets(path: str, text: str) -> tuple[dict[str, dict[str, str]], dict[str, list[str]]]:
    """The ``target``\\ s (name -> ``context``/``dockerfile``/``target``) and ``group``\\ s
    (name -> target names) of a bake file: JSON, or the literal attributes of HCL blocks."""
    targets: dict[str, dict[str, str]] = {}
    groups: dict[str, list[str]] = {}
    if path.lower().endswith(".json"):
        import json

        try:
            data = json.loads(text)
        except ValueError:
            return {}, {}
        if not isinstance(data, dict):
            return {}, {}
        for name, spec in (data.get("target") or {}).items():
            if isinstance(spec, dict):
                targets[str(name)] = {k: str(v) for k, v in spec.items()
                                      if k in ("context", "dockerfile", "target")
                                      and isinstance(v, str)}
        for name, spec in (data.get("group") or {}).items():
            if isinstance(spec, dict) and isinstance(spec.get("targets"), list):
                groups[str(name)] = [str(t) for t in spec["targets"]]
        return targets, groups
    for kind, name, body in _hcl_blocks(text):
        if kind == "target":
            targets[name] = {m["key"]: m["value"] for m in _HCL_ATTR_RE.finditer(body)}
        else:
            listed = _HCL_LIST_RE.search(body)
            groups[name] = re.findall(r'"([^"]+)"', listed["items"]) if listed else []
    return targets, groups


def bake_images(path: str, text: str, wanted: Iterable[str] = (),
                base: str | None = None, all_targets: bool = False) -> list[Image]:
    """The builds of a bake file (not pushed): the ``wanted`` targets or groups, else the
    ``default`` group, else every target. Paths are relative to ``base``, the folder bake runs
    in (buildx resolves them against its working directory, docker/buildx#1028), by default
    the bake file's own folder. ``all_targets``: every target, whatever the groups say."""
    here = posixpath.dirname(path) if base is None else ("" if base == "." else base)
    if posixpath.basename(path).lower().startswith(("compose", "docker-compose")):
        return [Image(s.dockerfile, s.context, s.target, False, "bake", path)
                for s in compose_services(path, text)]
    targets, groups = bake_targets(path, text)
    names = list(targets) if all_targets else list(wanted) or (
        ["default"] if "default" in groups or "default" in targets else list(targets))
    chosen: list[str] = []
    todo = list(names)
    while todo:
        name = todo.pop(0)
        if name in groups and name not in chosen:
            chosen.append(name)
            todo += groups[name]
        elif name in targets and name not in chosen:
            chosen.append(name)
    found = []
    for name in chosen:
        if name not in targets:
            continue
        spec = targets[name]
        context, dockerfile = spec.get("context", "."), spec.get("dockerfile", "Dockerfile")
        if "$" in context or "://" in context or "$" in dockerfile:
            continue
        context_dir = _join(here, context)
        found.append(Image(_join(context_dir, dockerfile), context_dir, spec.get("target", ""),
                           False, "bake", path))
    return found


# --- small helpers -----------------------------------------------------------------------------

def _replace_pushes(image: Image, pushes: bool, where: str | None = None) -> Image:
    return Image(image.dockerfile, image.context, image.target, pushes, image.how,
                 where if where is not None else image.where, image.tags, image.args)


def _build_args(items: Iterable[str]) -> tuple[tuple[str, str], ...]:
    """``NAME=value`` items as pairs; an item without ``=`` passes the runner's own variable,
    whose value is not known here (given as ``$NAME``)."""
    found: list[tuple[str, str]] = []
    for item in items:
        name, eq, value = item.strip().partition("=")
        if name and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            found.append((name, value if eq else "$" + name))
    return tuple(found)


def _outputs(text: str) -> list[dict[str, str]]:
    """The exporters of an ``outputs:``/``--output`` value, each as its options; a value an
    expression chooses counts each quoted literal it may yield (``${{ c && 'type=registry' ||
    '' }}``)."""
    items = [line for line in text.split("\n") if line.strip() and "${{" not in line]
    # an exporter whose other options are computed (`type=image,name=${{ env.IMAGE }},push=true`)
    items += [line for line in (re.sub(r"\$\{\{.*?\}\}", "__expr__", raw)
                                for raw in text.split("\n") if "${{" in raw)
              if re.match(r"\s*type=[a-z]+\s*(?:,|$)", line)]
    for expression in re.findall(r"\$\{\{(.*?)\}\}", text, flags=re.S):
        items += [literal for literal in re.findall(r"'([^']*)'", expression) if literal]
    found = []
    for item in items:
        options = {k.strip().lower(): v.strip().lower() for k, _, v in
                   (part.partition("=") for part in item.split(","))}
        if "type" not in options and options:  # `--output dir` is type=local,dest=dir
            options = {"type": "local"}
        found.append(options)
    return found


def _exports_files_only(text: str) -> bool:
    """Whether every exporter of a build writes files (``type=local``, ``type=tar``): the
    build makes no image."""
    outputs = _outputs(text)
    return bool(outputs) and all(o.get("type") in ("local", "tar") for o in outputs)


def _output_pushes(text: str) -> bool:
    """Whether a build output (``outputs:``, ``--output``) pushes: the registry exporter, or
    the image exporter with ``push=true`` (push by digest)."""
    for options in _outputs(text):
        kind = options.get("type", "")
        if kind == "registry" or kind in ("image", "oci", "docker") and \
                options.get("push") in ("true", "1"):
            return True
    return False


def _set_pushes(text: str) -> bool:
    """Whether a bake ``--set`` pushes: ``*.output=type=registry``, ``*.push=true``."""
    target, _, value = text.partition("=")
    field_name = target.rsplit(".", 1)[-1].strip().lower()
    if field_name == "push":
        return value.strip().lower() in ("true", "1")
    return field_name == "output" and _output_pushes(value)


def _repo(reference: str) -> str:
    """An image reference without its tag or digest, as docker names the repository
    (``docker.io/library/x`` is ``x``)."""
    name = reference.strip().split("@")[0]
    last = name.rsplit("/", 1)[-1]
    if ":" in last:
        name = name[: len(name) - len(last)] + last.split(":")[0]
    name = name.lower()
    for prefix in ("docker.io/", "index.docker.io/", "registry-1.docker.io/"):
        name = name.removeprefix(prefix)
    return name.removeprefix("library/")


# what a script must mention to build, push or call another script (most run: steps do not)
_MAY_BUILD_RE = re.compile(r"docker|podman|\.sh\b|\./|\b(?:ba|da|z)?sh\s|\bg?make\b")
_BUILDS_RE = re.compile(r"docker|podman")
# a shell word (or an assignment's value): what a path a script calls is spelled in
_CALLEE_RE = re.compile(r"[^\s;&|()<>=]+")
# repositories with more files than this are not indexed: their scripts are simulated
_MAX_INDEXED_FILES = 50_000


def _repository_names(ctx: Context, root: Path | None) -> dict[str, list[str]] | None:
    """``{file name: [repository-relative paths]}`` of every file under ``root`` (``.git``
    left out), listed once per run; None when there is no root or too many files."""
    if "publication:names" not in ctx.memo:
        ctx.memo["publication:names"] = _index_names(root, shared(ctx)) if root is not None \
            else None
    found: dict[str, list[str]] | None = ctx.memo["publication:names"]
    return found


def _index_names(root: Path, sources: SourceFiles | None = None) -> dict[str, list[str]] | None:
    """The index of :func:`_repository_names`, in :func:`os.walk`'s order (top-down, folders
    and files in the order the system lists them, symbolic links to folders not entered,
    unreadable folders left out), with the relative paths built from the walk's own names (a
    path computation per folder was half of this on vector's 1,023 folders). ``sources``: the
    run's listings (:func:`rust_source.shared`), so the folders the build-needs scan listed
    already are not listed again."""
    names: dict[str, list[str]] = {}
    count = 0
    top = str(root)
    for current, dirs, files in (sources or SourceFiles()).walk(top):
        dirs[:] = [d for d in dirs if d != ".git"]
        count += len(files)
        if count > _MAX_INDEXED_FILES:
            return None
        # walk() names a sub-folder `current + "/" + name`: the tail is the relative path
        prefix = current[len(top):].lstrip("/")
        prefix = prefix + "/" if prefix else ""
        for name in files:
            names.setdefault(name, []).append(prefix + name)
    return names
_PUSH_ARCHIVE_RE = re.compile(r"\b(?:oras\s+(?:copy|cp|push)|skopeo\s+copy|"
                              r"crane\s+(?:push|copy|cp)|regctl\s+image\s+(?:copy|import)|"
                              r"docker\s+push)\b")

_WRAPPERS = frozenset({"sudo", "time", "env", "nice", "nohup", "command", "exec"})


def _strip_wrappers(argv: list[str]) -> list[str]:
    while argv and (posixpath.basename(argv[0]) in _WRAPPERS or "=" in argv[0]
                    or argv[0].startswith("-") and len(argv) > 1 and argv[0] != "-"):
        argv = argv[1:]
    return argv


_DOCKER_GLOBAL_VALUE = frozenset({"-c", "--context", "-H", "--host", "--config", "-l",
                                  "--log-level"})


def _skip_global_options(args: list[str]) -> list[str]:
    index = 0
    while index < len(args) and args[index].startswith("-"):
        index += 2 if args[index] in _DOCKER_GLOBAL_VALUE else 1
    return args[index:]


# options of docker build / buildx build that take a value
_BUILD_VALUE_OPTIONS = frozenset({
    "f", "file", "t", "tag", "target", "o", "output", "platform", "build-arg", "cache-from",
    "cache-to", "secret", "ssh", "label", "progress", "network", "builder", "iidfile",
    "metadata-file", "build-context", "add-host", "shm-size", "ulimit", "cgroup-parent",
    "annotation", "attest", "allow", "call", "isolation", "memory", "memory-swap", "cpu-shares",
    "cpuset-cpus", "security-opt", "cache-ttl", "provenance", "sbom", "policy", "m"})


def _options(args: list[str]) -> tuple[dict[str, list[str]], list[str]]:
    """``docker build`` arguments as option -> values (a flag has ``[]``) and positionals."""
    options: dict[str, list[str]] = {}
    positional: list[str] = []
    index = 0
    while index < len(args):
        word = args[index]
        index += 1
        if word == "--":
            positional += args[index:]
            break
        if not word.startswith("-") or word == "-":
            positional.append(word)
            continue
        key, eq, value = word.lstrip("-").partition("=")
        if eq:
            options.setdefault(key, []).append(value)
        elif key in _BUILD_VALUE_OPTIONS and index < len(args):
            options.setdefault(key, []).append(args[index])
            index += 1
        else:
            options.setdefault(key, [])
    return options, positional


def _bake_args(args: list[str]) -> tuple[list[str], list[str], bool]:
    """``docker buildx bake`` arguments: the files, the targets, and whether it pushes."""
    files: list[str] = []
    targets: list[str] = []
    push = False
    index = 0
    while index < len(args):
        word = args[index]
        index += 1
        key, eq, value = word.lstrip("-").partition("=")
        if not word.startswith("-"):
            targets.append(word)
        elif key in ("f", "file"):
            if eq:
                files.append(value)
            elif index < len(args):
                files.append(args[index])
                index += 1
        elif key == "push":
            push = True
        elif key == "set":
            if not eq and index < len(args):
                value = args[index]
                index += 1
            push = push or _set_pushes(value)
        elif key in ("builder", "progress", "metadata-file", "allow", "call", "list") \
                and not eq:
            index += 1
    return files, targets, push


MAKEFILES = ("GNUmakefile", "makefile", "Makefile")
_MAKE_RE = re.compile(r"\bg?make\b")
_MAKE_VAR_RE = re.compile(r"^(?:override\s+|export\s+)?([A-Za-z_][\w.-]*)\s*([:+?!]?=|::=)\s*(.*)$")
_MAKE_RULE_RE = re.compile(r"^([^\s:=#][^:=]*?)\s*::?(?!=)\s*([^;]*)(?:;\s*(.*))?$")
_MAKE_REF_RE = re.compile(r"\$[({]([A-Za-z_][\w.-]*)[)}]")


def make_recipes(text: str, targets: list[str], variables: dict[str, str] | None = None,
                 ) -> str:
    """The shell lines ``make TARGETS`` runs with the makefile ``text``: each target's recipe
    after those of the prerequisites that are targets of the file (the first target when none
    is named), with ``$(VAR)``/``${VAR}`` from the file's simple assignments (and the command
    line's) expanded and ``$$`` turned into ``$``. Functions, pattern rules, conditionals and
    includes are not modelled: what they produce stays as written."""
    assigned: dict[str, str] = {}
    rules: dict[str, tuple[list[str], list[str]]] = {}
    order: list[str] = []
    current: list[str] | None = None
    for line in text.replace("\\\n", " ").splitlines():
        if line.startswith("\t"):
            if current is not None:
                current.append(line[1:])
            continue
        current = None
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        variable = _MAKE_VAR_RE.match(line)
        if variable:
            key, how, value = variable.groups()
            if how == "+=":
                assigned[key] = (assigned.get(key, "") + " " + value).strip()
            elif how != "?=" or key not in assigned:
                assigned[key] = value.strip()
            continue
        rule = _MAKE_RULE_RE.match(line)
        if rule:
            recipe: list[str] = [rule[3]] if rule[3] else []
            for name in rule[1].split():
                if name.startswith("."):
                    continue  # .PHONY and other special targets
                rules[name] = (rule[2].split(), recipe)
                order.append(name)
            current = recipe
    assigned.update(variables or {})

    def expand(value: str, depth: int = 0) -> str:
        if depth > 8:
            return value
        return _MAKE_REF_RE.sub(lambda m: expand(assigned[m[1]], depth + 1)
                                if m[1] in assigned else m[0], value)

    lines: list[str] = []
    done: set[str] = set()

    def run(target: str, depth: int = 0) -> None:
        if target in done or target not in rules or depth > 16:
            return
        done.add(target)
        prerequisites, recipe = rules[target]
        for prerequisite in prerequisites:
            run(expand(prerequisite), depth + 1)
        for line in recipe:
            line = expand(line.strip()).lstrip("@-+ ").replace("$$", "$")
            if line:
                lines.append(line)

    for target in targets or order[:1]:
        run(target)
    return "\n".join(lines)


def _script_argument(argv: list[str]) -> str | None:
    """The script file a command runs (``./build.sh``, ``bash ci/x.sh``), or None."""
    first = argv[0]
    if first in ("bash", "sh", "zsh", "dash"):
        rest = [a for a in argv[1:] if not a.startswith("-")]
        return rest[0] if rest and rest[0].endswith(".sh") else None
    if first.endswith(".sh") or first.startswith("./"):
        return first
    return None


def _resolve(cwd: str, path: str) -> str | None:
    """``path`` relative to the repository, for a command run in ``cwd`` (``/`` is the
    repository root); None for what is not a path in it."""
    if "$" in path or "__expr__" in path or "://" in path:
        return None
    joined = posixpath.normpath(posixpath.join(cwd or "/", path))
    if not joined.startswith("/"):
        return None
    relative = joined.lstrip("/")
    if relative.startswith(".."):
        return None
    return relative or "."


def _join(base: str, path: str) -> str:
    joined = posixpath.normpath(posixpath.join(base or ".", path))
    return "." if joined in ("", ".") else joined


def _load_yaml(text: str) -> Any:
    from ruamel.yaml.error import YAMLError

    from rsdock.lint.model.yaml_load import load_plain

    try:
        return load_plain(text)
    except (YAMLError, ValueError, TypeError, RecursionError):
        return None
