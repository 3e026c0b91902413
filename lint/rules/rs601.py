"""RS601: a .dockerignore comment must be on its own line."""

from __future__ import annotations

from typing import Iterable

from rsdock.lint.model.dockerignore import TRAILING_COMMENT_RE, DockerIgnore
from rsdock.lint.model.findings import Edit, Finding, Fix, Severity, line_offsets
from rsdock.lint.rules.rule import Context, DockerignoreRule


class RS601(DockerignoreRule):
    """Put ``.dockerignore`` comments on their own line: a trailing ``# ...`` is part of the pattern.

    Docker treats a line as a comment only when it starts with ``#``. In ``target/  # build
    output`` the pattern is ``target/  # build output``, which matches nothing, so ``target/``
    is sent to the builder after all. The fix moves the comment to its own line above.

    Fails:
        # file: .dockerignore
        target/  # build output
        .git

    Fixed:
        # file: .dockerignore
        # build output
        target/
        .git

    Passes:
        # file: .dockerignore
        # build output
        target/
        .git
    """

    id = "RS601"
    name = "dockerignore-trailing-comment"
    severity = Severity.ERROR
    message = "move the comment to its own line: Docker reads it as part of the pattern"
    fixable = "always"

    def check(self, file: DockerIgnore, ctx: Context) -> Iterable[Finding]:
        """Yield a finding for each pattern line with a `` #`` in it."""
        offsets = line_offsets(file.text)
        for pattern in file.patterns:
            match = TRAILING_COMMENT_RE.search(pattern.raw)
            if not match:
                continue
            head, comment = pattern.raw[:match.start()], pattern.raw[match.end() - 1:]
            indent = pattern.raw[: len(pattern.raw) - len(pattern.raw.lstrip())]
            start = offsets[pattern.line - 1]
            fix = Fix("move the comment above the pattern",
                      (Edit(start, start + len(pattern.raw), f"{comment}\n{indent}{head.strip()}"),))
            yield self.finding(file.path, pattern.line, match.start() + 1,
                               f"{pattern.raw.strip()!r} is one pattern: {self.message}", fix)
