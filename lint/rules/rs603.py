"""RS603: .dockerignore leaves .git out of the build context."""

from __future__ import annotations

from typing import Iterable

from rsdock import fs
from rsdock.errors import UserError
from rsdock.lint.analysis import images, needs
from rsdock.lint.model.dockerignore import DockerIgnore
from rsdock.lint.model.findings import Finding, Fix, Severity
from rsdock.lint.rules.rule import Context, DockerignoreRule


class RS603(DockerignoreRule):
    """Ignore ``.git``: history the build never needs, and a checkout token when one persists.

    ``COPY . .`` would put the repository's history (and, after an actions/checkout that
    persists credentials, the token in ``.git/config``) into a layer, and any commit changes the
    context, defeating the layer cache. Only a context holding ``.git`` (the repository root)
    that some Dockerfile takes whole (``COPY . .``, a bind mount of the context) is judged:
    BuildKit sends only the paths a build names, so ``COPY ./bin/app /app`` never reads it; an ignore file that re-includes ``.git`` (``!.git``) and a Dockerfile that copies
    it are taken as needing it, and so is a workspace whose build needs it (a build script
    running git, an unguarded ``git_version!``: RS604 asks to keep it). When a build script
    reads git but builds without it (vergen, shadow-rs, built), the message says so.

    Fails:
        # file: .dockerignore
        target/

    Fixed:
        # file: .dockerignore
        target/
        .git

    Passes:
        # file: .dockerignore
        target/
        .git
    """

    id = "RS603"
    name = "dockerignore-git"
    severity = Severity.WARNING
    message = "add `.git` to .dockerignore"
    fixable = "always"
    fix_note = ('When the build reads git (a build script calling git, a version from `git describe`), the '
                'fix is unsafe: check the build falls back without `.git`.')

    def check(self, file: DockerIgnore, ctx: Context) -> Iterable[Finding]:
        """Yield one finding when .git reaches a build context that holds it."""
        if file.excludes(".git/config") or file.excludes_but_for_comments(".git/config"):
            return
        contexts = images.ignore_contexts(ctx, file.path)
        if contexts is not None and "." not in contexts:
            return  # .git exists only at the repository root; other contexts have none
        if any(p.raw.strip().startswith("!") and ".git" in p.raw for p in file.patterns):
            return  # re-included on purpose: the build reads it
        if _copies_git(ctx):
            return
        served = [ctx.dockerfiles.get(b.dockerfile) for b in images.ignore_builds(ctx, file.path)]
        if served and all(m is not None and not images.reads_whole_context(m) for m in served):
            return  # no build copies or mounts the whole context: .git never reaches one
        found = needs.of(ctx)
        if found.git == "needs-git":
            return  # the build runs git on the repository: RS604 asks to keep .git
        reads = found.git_reason if found.git else _build_reads_git(ctx)
        fix = Fix("ignore .git", (file.append_line(".git"),), safe=not reads)
        reads, place = needs.placed(ctx, reads)
        message = self.message if not reads else (
            f"{self.message}, unless the build needs it: {reads}, so check "
            "that it falls back without .git")
        yield self.finding(file.path, 1, 0, message, fix=fix,
                           related=() if place is None else (place,))


# Crates whose build scripts read the git repository (the version, the commit).
GIT_READING_CRATES = ("vergen", "vergen-git2", "vergen-gitcl", "vergen-gix", "shadow-rs",
                      "built", "git-version", "git-testament", "build-info-build")


def _copies_git(ctx: Context) -> bool:
    """Whether a Dockerfile copies .git itself (``COPY .git .git``)."""
    for model in ctx.dockerfiles.values():
        for stage in model.stages:
            for copy in stage.copies():
                if copy.source_stage is None and any(
                        s.strip("/").split("/")[0] in (".git", "./.git") for s in copy.sources):
                    return True
    return False


def _build_reads_git(ctx: Context) -> str:
    """What in the workspace reads git at build time ("" for nothing known): a crate of
    :data:`GIT_READING_CRATES` in Cargo.lock, or a root build.rs that runs git."""
    lock = _read(ctx, "Cargo.lock")
    for crate in GIT_READING_CRATES:
        if f'name = "{crate}"' in lock:
            return crate
    return "build.rs" if "git" in _read(ctx, "build.rs") else ""


def _read(ctx: Context, rel: str) -> str:
    """A workspace file's text, "" when missing or refused (confined and bounded: rsdock.fs)."""
    try:
        data = fs.read_bytes(ctx.root, rel)
    except UserError:
        return ""
    return data.decode("utf-8", errors="replace") if data is not None else ""
