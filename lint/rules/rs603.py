"""RS603: .dockerignore leaves .git out of the build context."""

from __future__ import annotations

import re
from typing import Iterable

from rsdock.lint.dockerignore import DockerIgnore, parse_dockerignore
from rsdock.lint.findings import Edit, Finding, Fix, Severity
from rsdock.lint.rule import Context, Rule


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

    def check(self, file: DockerIgnore, ctx: Context) -> Iterable[Finding]:
        """Yield one finding when .git reaches the build context."""
        if file.excludes(".git/config") or _commented(file, ".git/config"):
            return
        end = len(file.text)
        text = ".git\n" if not file.text or file.text.endswith("\n") else "\n.git\n"
        yield self.finding(file.path, 1, 0, fix=Fix("ignore .git", (Edit(end, end, text),)))


def _commented(file: DockerIgnore, probe: str) -> bool:
    """Whether a line would exclude ``probe`` but for its trailing comment (RS601 fixes it)."""
    repaired = "\n".join(re.sub(r"\s+#.*$", "", p.raw) for p in file.patterns)
    return parse_dockerignore(file.path, repaired).excludes(probe)
