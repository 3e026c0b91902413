"""RS306: the runtime does not run as root."""

from __future__ import annotations

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
    user (``gosu``, ``su-exec``, ``setpriv``) and a base image that may set its own USER pass.

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
        if not users and images.opaque_base(final):
            return []  # the base image may set its own USER
        if not users:
            if "nonroot" in image or image.startswith("cgr.dev/"):
                return []
            return [self.finding(file.path, final.from_.line, message=(
                "the runtime runs as root: create a user (useradd --system --uid 10001 app) "
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
