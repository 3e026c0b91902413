"""What a rule sees besides its own file: every parsed model of the run and the cargo workspace.

It lives with the models (not with the rules) so that analyses shared by several rules
(``rsdock.lint.analysis.images``) can take it too.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator, Mapping

from rsdock.lint.model.findings import Finding
from rsdock.records import field, record

if TYPE_CHECKING:  # the engine imports a parser only for the kinds at hand: types only here
    from rsdock.lint.model.cargo import Workspace
    from rsdock.lint.model.dockerfile import Dockerfile
    from rsdock.lint.model.dockerignore import DockerIgnore
    from rsdock.lint.model.workflow import Workflow


@record
class Context:
    """What every rule may look at besides its own file.

    Attributes:
        root: the repository (workspace) root; finding paths are relative to it.
        workspace: the scanned cargo workspace, or None when the repository has none or it could
            not be read (RS005 says why).
        dockerfiles: parsed Dockerfiles by relative path.
        workflows: parsed GitHub workflows GitHub runs, by relative path.
        other_workflows: workflow-like files GitHub does not run as workflows (local composite
            actions, nested ``.github/workflows`` copies): linted by the rules whose ``roles``
            name them, never context for the others.
        dockerignores: parsed ``.dockerignore`` files by relative path.
        build_files: docker compose and bake files (relative path -> text): they say which
            context and Dockerfile a build uses (``rsdock.lint.analysis.images``).

    The engine fills the three model maps lazily (a file is parsed when a rule first asks for
    it), so a rule that never looks at workflows costs no YAML parsing.
    """

    root: Path
    workspace: Workspace | None = None
    dockerfiles: Mapping[str, Dockerfile] = field(default_factory=dict)
    workflows: Mapping[str, Workflow] = field(default_factory=dict)
    other_workflows: Mapping[str, Workflow] = field(default_factory=dict)
    dockerignores: Mapping[str, DockerIgnore] = field(default_factory=dict)
    build_files: dict[str, str] = field(default_factory=dict)
    # Per-run memo for analyses several rules share (the image model): key -> value.
    memo: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def workspace_for(self, path: str) -> Workspace | None:
        """The cargo workspace a file at ``path`` (relative to :attr:`root`) belongs to.

        The nearest folder at or above the file, inside the root, with a ``Cargo.toml`` decides
        (cargo's own search then finds its workspace root): a Dockerfile beside a workspace in
        a sub-folder (``crates/Dockerfile`` building ``crates/Cargo.toml``) is judged against
        that workspace, not the repository root's. A workspace that cannot be scanned gives
        None (RS005 reports the root's).
        """
        folder = Path(path).parent
        while True:
            if folder == Path(".") or folder == Path(""):
                return self.workspace
            if (self.root / folder / "Cargo.toml").is_file():
                break
            folder = folder.parent
        key = f"workspace:{folder.as_posix()}"
        if key not in self.memo:
            self.memo[key] = _scan_quietly(self.root, folder, self.workspace)
        found: Workspace | None = self.memo[key]
        return found

    def models(self, kind: str) -> Mapping[str, Any]:
        """The parsed files of ``kind`` (``dockerfile``, ``workflow``, ``dockerignore``) by path.

        ``Any`` because the kind is only known at run time; rules use the typed fields.
        """
        models: Mapping[str, Any] = getattr(self, _MODEL_FIELDS[kind])
        return models

    def parse_errors(self) -> Iterator[Finding]:
        """The parse problems of every model, Dockerfiles first (parsing any not parsed yet)."""
        for models in (self.dockerfiles, self.workflows, self.other_workflows,
                       self.dockerignores):
            for model in models.values():
                yield from model.errors


def _scan_quietly(root: Path, folder: Path, at_root: Workspace | None) -> Workspace | None:
    """The workspace holding ``root / folder``: ``at_root`` when it is the root's own."""
    from rsdock.lint.model import cargo

    try:
        found = cargo.find_root(root / folder)
        if os.path.samefile(found, root):
            return at_root
        return cargo.scan(found)
    except Exception:  # an unreadable member workspace only costs its rules' precision
        return None


# Context's field for each kind of file (the same kinds as rsdock.lint.engine.discover.KINDS).
_MODEL_FIELDS = {"dockerfile": "dockerfiles", "workflow": "workflows",
                 "dockerignore": "dockerignores"}
# The kinds of file a rule may be given, in the engine's order.
KINDS = tuple(_MODEL_FIELDS)
