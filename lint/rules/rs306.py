"""RS306: the runtime does not run as root."""

from __future__ import annotations

import re

from rsdock.lint.analysis import build, dockerfacts as facts, images
from rsdock.lint.model.dockerfile import expand, unquote, Stage
from rsdock.lint.model.dockerfile import Dockerfile
from rsdock.lint.model.findings import Finding, Severity
from rsdock.lint.rules.image_rule import ImageStageRule
from rsdock.lint.rules.rule import Context

_ROOT = {"root", "0", "0:0", "root:root", "root:0", "0:root"}


class RS306(ImageStageRule):
    """Switch to an unprivileged user in the runtime stage (``USER 10001:10001``).

    A process running as root inside the container is root on the host's kernel: any escape
    or mounted volume is exposed with full rights. Distroless ``:nonroot`` images already run
    as an unprivileged user.

    Only production images are judged; an entrypoint script that starts the program as another
    user (``gosu``, ``su-exec``, ``setpriv``), a command that hands the program an account to
    switch to (``ssserver -a nobody``, ``--user app``: ``nobody`` or a user the Dockerfile
    creates) and a base image that may set its own USER pass. A base image of unknown USER
    that the stage installs packages on (``RUN apk add``) runs as root: the install needs it.

    Fails:
        FROM debian:bookworm-slim
        COPY server /usr/local/bin/server
        ENTRYPOINT ["/usr/local/bin/server"]

    Passes:
        FROM debian:bookworm-slim
        RUN useradd --system --uid 10001 --no-create-home app
        COPY server /usr/local/bin/server
        USER app
        ENTRYPOINT ["/usr/local/bin/server"]
    """

    id = "RS306"
    name = "non-root"
    severity = Severity.WARNING
    message = "add `USER <unprivileged user>` to the runtime stage"

    def check_stage(self, file: Dockerfile, ctx: Context, final: Stage) -> list[Finding]:
        """The findings for one image stage (the last one, or a ``target:``)."""
        if final is None or build.is_build_image(file, final):
            return []
        if facts.is_artifact_image(final):
            return []  # files to export, no process runs as any user
        users = [i for s in reversed(final.ancestry()) for i in s.of("USER")]
        image = facts.root_image(final).lower()
        script = images.entrypoint_script(ctx, file)
        if script is not None and images.script_drops_privileges(script):
            return []  # the entrypoint starts the program as another user (gosu, su-exec...)
        account = _account_option(final)
        if account:
            return []  # the program switches to that account itself (`ssserver -a nobody`)
        installs = _root_install(final) if not users else None
        if not users and installs is None and (
                images.opaque_base(final) or "nonroot" in image or image.startswith("cgr.dev/")):
            return []  # the base image may set its own USER
        if not users:
            how = (f"the base runs as root (its `{installs}` needs root) and no USER follows"
                   if installs and (images.opaque_base(final) or image.startswith("cgr.dev/"))
                   else "the runtime runs as root")
            return [self.finding(file.path, final.from_.line, message=(
                f"{how}: create a user (useradd --system --uid 10001 app) "
                "and add `USER app`, or use a :nonroot distroless image"))]
        last = users[-1]
        written = unquote(last.value[0].strip()) if last.value else ""
        if written in _ROOT:
            return [self.finding(file.path, last.line, span=file.word_span(
                last.line, written), message=(
                "the runtime ends as root: switch to an unprivileged user with a final USER"))]
        owner = next((s for s in final.ancestry() if last in s.instructions), final)
        value = expand(written, owner.vars_before(last))
        if "$" in written and value in _ROOT:
            return [self.finding(file.path, last.line, span=file.word_span(
                last.line, written), message=(
                f"USER {written} is {value} unless the build passes another value: the image "
                "runs as root by default; give the ARG an unprivileged default (10001)"))]
        return []


# a package manager installing: only root may, so a base whose USER is unknown is root here
_INSTALL_RE = re.compile(r"(?:^|[\s;&|(])(?P<cmd>apk\s+(?:-\S+\s+)*add|apt-get\s+(?:-\S+\s+)*"
                         r"install|apt\s+install|(?:dnf|yum|microdnf|tdnf)\s+(?:-\S+\s+)*install|"
                         r"zypper\s+(?:in|install))\b")
_USER_ADD_RE = re.compile(r"(?:^|[\s;&|(])(?:useradd|adduser)\b(?P<args>[^;&|\n]*)")
# accounts every base has for dropping privileges
_SYSTEM_ACCOUNTS = frozenset({"nobody", "daemon"})


def _root_install(final: Stage) -> str | None:
    """The package install (``apk add``) a RUN of the image stage (or a stage it is built FROM)
    runs with no USER before it and no sudo: proof that the base image's user is root."""
    for stage in reversed(final.ancestry()):  # the base-most stage first
        for inst in stage.instructions:
            if inst.cmd == "USER":
                return None
            if inst.cmd != "RUN" or "sudo" in inst.original:
                continue
            found = _INSTALL_RE.search(inst.original.replace("\\\n", " "))
            if found:
                return " ".join(found["cmd"].split())
    return None


def _account_option(final: Stage) -> str:
    """The account the image's command tells the program to switch to (``-a nobody``,
    ``--user=app``): an option whose value is ``nobody`` or a user a RUN of the image creates;
    "" when there is none."""
    chain = final.ancestry()
    words: list[str] = []
    for cmd in ("ENTRYPOINT", "CMD"):
        last = next((i for s in chain for i in reversed(s.of(cmd))), None)
        if last is not None:
            words += [unquote(w) for w in " ".join(last.value).split()] if not last.json \
                else list(last.value)
    accounts = set(_SYSTEM_ACCOUNTS)
    for stage in chain:
        for inst in stage.runs():
            for found in _USER_ADD_RE.finditer(inst.original.replace("\\\n", " ")):
                names = [w for w in found["args"].split() if not w.startswith("-")]
                if names:
                    accounts.add(names[-1])
    accounts -= {"root"}
    for index, word in enumerate(words):
        if word.startswith("--") and "=" in word and word.split("=", 1)[1] in accounts:
            return word.split("=", 1)[1]
        if word.startswith("-") and index + 1 < len(words) and words[index + 1] in accounts:
            return words[index + 1]
    return ""
