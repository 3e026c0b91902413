"""RS603: .dockerignore leaves .git out of the build context."""

from __future__ import annotations

from typing import Iterable

from rsdock.lint.model.dockerignore import DockerIgnore
from rsdock.lint.model.findings import Finding, Fix, Severity
from rsdock.lint.rules.rule import Context, Rule


class RS603(Rule):
    """Ignore ``.git``: history the build never needs, and a checkout token when one persists.

    ``COPY . .`` would put the repository's history (and, after an actions/checkout that
    persists credentials, the token in ``.git/config``) into a layer, and any commit changes the
    context, defeating the layer cache.

    Fails:
        # file: .dockerignore
        target/

    Passes:
        # file: .dockerignore
        target/
        .git
    """

    id = "RS603"
    name = "dockerignore-git"
    severity = Severity.WARNING
    message = "add `.git` to .dockerignore"
    target = "dockerignore"
    fix_safety = "sometimes"

    def check(self, file: DockerIgnore, ctx: Context) -> Iterable[Finding]:
        """Yield one finding when .git reaches the build context."""
        if file.excludes(".git/config") or file.excludes_but_for_comments(".git/config"):
            return
        yield self.finding(file.path, 1, 0, fix=Fix("ignore .git", (file.append_line(".git"),)))
