"""What ``rsdock edit`` is asked (:class:`Request`) and what it proposes (:class:`Proposal`).

Their own module, so that every edit phase (``propose``, ``regenerate``, ``session``) can use
them without importing the module that runs the phases.
"""

from __future__ import annotations


from rsdock.errors import UserError
from rsdock.lint.knowledge import platforms
from rsdock.records import field, record
from rsdock.wizard.edit.outcome import FileEdit, Outcome, Refusal
from rsdock.wizard.generate.plan import CACHES, REGISTRIES, RUNTIMES


@record(frozen=True)
class Request:
    """What the user asked to change (None / empty: leave as is)."""

    add_platforms: tuple[str, ...] = ()
    remove_platforms: tuple[str, ...] = ()
    runtime: str | None = None
    cache: str | None = None
    registry: str | None = None
    fix: bool = False
    sign: bool = False

    @property
    def empty(self) -> bool:
        """Whether nothing is asked."""
        return not (self.add_platforms or self.remove_platforms or self.runtime or self.cache
                    or self.registry or self.fix or self.sign)

    def validated(self) -> "Request":
        """The request with canonical platform names.

        Raises:
            UserError: (exit 2) for an unknown platform, runtime, cache or registry.
        """
        def canonical(names: tuple[str, ...], flag: str) -> tuple[str, ...]:
            """The table's spelling of each platform, once each."""
            out = []
            for name in names:
                platform = platforms.get(name)
                if platform is None:
                    raise UserError(f"{flag} {name}: not a platform rsdock can cross-compile for",
                                    hint="choose from " + ", ".join(platforms.names()))
                out.append(platform.name)
            return tuple(dict.fromkeys(out))

        for flag, value, allowed in (("--runtime", self.runtime, RUNTIMES),
                                     ("--cache", self.cache, CACHES),
                                     ("--registry", self.registry, REGISTRIES)):
            if value is not None and value not in allowed:
                raise UserError(f"{flag} {value}: unknown choice",
                                hint="choose one of " + ", ".join(allowed))
        add = canonical(self.add_platforms, "--add-platform")
        remove = canonical(self.remove_platforms, "--remove-platform")
        both = set(add) & set(remove)
        if both:
            raise UserError(f"{', '.join(sorted(both))} is both added and removed",
                            hint="pass each platform to one of the two flags")
        return Request(add, remove, self.runtime, self.cache, self.registry, self.fix, self.sign)


@record
class Proposal:
    """The edits a request leads to, file by file, and what rsdock refused to do."""

    edits: dict[str, FileEdit] = field(default_factory=dict)
    refusals: list[Refusal] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # Files written with the edits but not shown as a diff: rsdock's stored last render
    # (rsdock.fs.RENDERS), kept matching rsdock.toml's [generated] record.
    extra: dict[str, bytes] = field(default_factory=dict)

    @property
    def changed(self) -> list[FileEdit]:
        """The edits that change a file, in path order."""
        return [e for _p, e in sorted(self.edits.items()) if e.old != e.new]

    def diff(self) -> str:
        """The unified diff of every changed file."""
        return "".join(e.diff for e in self.changed)

    def record(self, path: str, old: str, outcome: Outcome) -> None:
        """Merge one phase's outcome for ``path`` (its text becomes the file's new text)."""
        self.refusals += outcome.refusals
        self.notes += [n for n in outcome.notes if n not in self.notes]
        if outcome.refusals:
            return
        first = self.edits.get(path)
        original = first.old if first else old
        reasons = (first.reasons if first else ()) + tuple(outcome.reasons)
        self.edits[path] = FileEdit(path, original, outcome.text, reasons)
