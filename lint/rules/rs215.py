"""RS215: ``~`` in an ``ENV PATH`` entry is never expanded."""

from __future__ import annotations

from typing import Iterable

from rsdock.lint.model.dockerfile import Dockerfile, unquote
from rsdock.lint.model.findings import Finding, Severity
from rsdock.lint.rules.rule import Context, DockerfileRule

# Variables whose value is a list of folders that programs are looked up in.
_SEARCH_PATHS = ("PATH", "LD_LIBRARY_PATH", "PKG_CONFIG_PATH", "LIBRARY_PATH")


class RS215(DockerfileRule):
    """Write the home folder out in ``ENV PATH``: ``~`` is not expanded there.

    Docker substitutes only ``$VAR`` and ``${VAR}`` in ``ENV``; a ``~`` stays a literal
    character. ``ENV PATH="${PATH}:~/.cargo/bin"`` adds a folder named ``~`` relative to the
    working directory, so exec-form commands (``CMD ["app"]``), ``docker exec`` and every RUN
    that does not start a login shell cannot find what was installed in the home folder. Use
    the absolute path (``/root/.cargo/bin``, or ``$HOME/...`` where the Dockerfile sets
    ``ENV HOME``). The same holds for ``LD_LIBRARY_PATH``, ``PKG_CONFIG_PATH`` and
    ``LIBRARY_PATH``.

    Fails:
        FROM ubuntu:24.04
        RUN curl -sSL https://example.com/install.sh | bash
        ENV PATH="${PATH}:~/.tailcall/bin"

    Passes:
        FROM ubuntu:24.04
        RUN curl -sSL https://example.com/install.sh | bash
        ENV PATH="${PATH}:/root/.tailcall/bin"
    """

    id = "RS215"
    name = "env-path-tilde"
    severity = Severity.WARNING
    message = "write the absolute folder (/root/...) instead of ~"

    def check(self, file: Dockerfile, ctx: Context) -> Iterable[Finding]:
        """Yield one finding per ``ENV`` search-path entry that starts with ``~``."""
        for stage in file.stages:
            for inst in stage.instructions:
                if inst.cmd != "ENV":
                    continue
                values = list(inst.value)
                for name, raw in zip(values[::2], values[1::2]):
                    if name not in _SEARCH_PATHS:
                        continue
                    entries = [e for e in unquote(raw).split(":") if e.startswith("~")]
                    if entries:
                        yield self.finding(file.path, inst.line, span=file.span(
                            inst.line, entries[0]), message=(
                            f"{name} entry {entries[0]} keeps its `~`: Docker does not expand "
                            f"it in ENV, so nothing is found there; {self.message}"))
