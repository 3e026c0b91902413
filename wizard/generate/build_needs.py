"""What the build reads and runs, in the generated files: the builder's packages for the
programs a build runs, and the notes ``rsdock init`` prints about it.

The facts come from :mod:`rsdock.lint.analysis.needs` through
:class:`rsdock.wizard.generate.plan.WorkspaceFacts`; the ``.dockerignore`` side is
:func:`rsdock.wizard.generate.render.dockerignore` with :mod:`.ignore_merge`.
"""

from __future__ import annotations

from rsdock.lint.model.dockerignore import parse_dockerignore
from rsdock.wizard.generate import ignore_merge
from rsdock.wizard.generate.plan import Plan

# What each program a build runs takes on the builder (Debian bookworm packages).
_TOOL_PACKAGES = {"protoc": ("protobuf-compiler", "libprotobuf-dev")}


def tool_packages(plan: Plan) -> tuple[str, ...]:
    """The packages for the programs the workspace's build runs that the builder image lacks
    (git, protoc with the well-known .proto files, Python...), the C++ compiler aside: it is
    per platform. From :mod:`rsdock.lint.analysis.needs`."""
    found: list[str] = []
    for name, package, _reason in plan.workspace.programs:
        if name != "c++":
            found += _TOOL_PACKAGES.get(name, (package,))
    return tuple(dict.fromkeys(found))


def tool_summary(plan: Plan) -> list[str]:
    """One line per program the build runs that the builder installs for it, with why."""
    lines = []
    for name, package, reason in plan.workspace.programs:
        what = "the target's g++" if name == "c++" else " + ".join(
            _TOOL_PACKAGES.get(name, (package,)))
        lines.append(f"{name} ({what}): {reason}")
    return lines


_GIT_NOTES = {
    "needs-git": ("so .git stays in the build context (.dockerignore does not leave it out) and "
                  "the builder installs git; actions/checkout fetches one commit without tags, "
                  "so set `fetch-depth: 0` on it if the script runs `git describe`"),
    "commit": ("so the commit comes in as the GIT_COMMIT build argument (the workflow passes "
               "github.sha), which vergen-gitcl, -git2 and -gix read as VERGEN_GIT_SHA; the "
               "other VERGEN_GIT_* values are vergen's placeholders, as .git is not in the "
               "build context"),
    "optional": ("but .git is not in the build context, so the values it embeds are its "
                 "fallbacks (empty or \"unknown\")"),
}


def notes(plan: Plan, ignore_text: str) -> list[str]:
    """What the generator did for what the build reads and runs, and what it could not do
    (``ignore_text``: the ``.dockerignore`` rendered for ``plan``)."""
    facts = plan.workspace
    found = []
    if facts.git:
        found.append(f"{facts.git_reason}, {_GIT_NOTES[facts.git]}")
    for name, package, reason in facts.programs:
        if name != "git":
            what = "the target's g++ (and CXX_<triple>)" if name == "c++" else " + ".join(
                _TOOL_PACKAGES.get(name, (package,)))
            found.append(f"{reason}: the builder installs {what}")
    ignore = parse_dockerignore(".dockerignore", ignore_text)
    hidden = [p.pattern for p in ignore.patterns if p.exclusion
              and p.pattern in facts.compile_inputs]
    if hidden:
        found.append(f".dockerignore re-includes {len(hidden)} path(s) the compile reads that "
                     f"a line above would leave out: {', '.join(hidden[:5])}"
                     + (", ..." if len(hidden) > 5 else ""))
    kept = [line for line in ignore_merge.project_lines(ignore_text)[0]
            if line.strip() and not line.startswith("#")]
    if kept and not facts.dockerignore_marked:
        found.append(f".dockerignore keeps the project's own {len(kept)} pattern(s) "
                     f"({', '.join(kept[:5])}{', ...' if len(kept) > 5 else ''}) between "
                     "`# rsdock:project` and `# rsdock:end-project`, where later runs keep them")
    return found + list(facts.build_notes)
