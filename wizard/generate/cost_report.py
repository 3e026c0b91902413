"""What the generated CI will do per workflow run, for people: compiles, emulation, runners.

``rsdock init --dry-run`` prints it and the TUI's review step shows it; the numbers come from
:func:`rsdock.lint.analysis.ci_cost.ci_cost` reading the rendered files themselves.
"""

from __future__ import annotations

from collections import Counter

from rsdock.lint.analysis.ci_cost import LegCost, ci_cost
from rsdock.lint.model.dockerfile import parse_dockerfile
from rsdock.lint.model.workflow_reader import parse_workflow
from rsdock.records import replace
from rsdock.wizard.generate.plan import stage_name


def costs_of(files: dict[str, str], plan) -> list[LegCost]:
    """The cost of every leg of the plan's workflow among its rendered ``files``, each leg
    named by the plan's image (by Dockerfile and target)."""
    workflow = plan.workflow
    workflows = {workflow: parse_workflow(workflow, files[workflow])} if workflow in files else {}
    dockerfiles = {path: parse_dockerfile(path, text) for path, text in files.items()
                   if path.rsplit("/", 1)[-1].startswith("Dockerfile")}
    # A build step names its image by target (the image's final stage), else by Dockerfile.
    names = {image.dockerfile: image.name for image in plan.images}
    names.update({stage_name(image): image.name for image in plan.images})
    names.update({image.name: image.name for image in plan.images})
    return [replace(cost, image=names.get(cost.image, cost.image))
            for cost in ci_cost(workflows, dockerfiles)]


def report(costs: list[LegCost]) -> str:
    """A table: image, platform, runner, compiles, emulated stages; then the totals."""
    if not costs:
        return "CI per workflow run: no build step found\n"
    rows = [("image", "platform", "runner", "compiles", "emulated")]
    rows += [(c.image, c.platform, c.runner, str(c.compiles),
              ", ".join(c.emulated) if c.emulated else "no") for c in costs]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["CI per workflow run (compiles: how often the workspace is compiled, cargo or trunk "
             "build, 0 where an earlier build of the same job already did; emulated: stages that "
             "RUN under QEMU):"]
    lines += ["  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip()
              for row in rows]
    per_platform: Counter[str] = Counter()
    wasm: Counter[str] = Counter()
    for cost in costs:
        per_platform[cost.platform] += cost.compiles - cost.wasm
        wasm[cost.image] += cost.wasm
    spread = ", ".join(f"{platform} {count}" for platform, count in per_platform.items())
    emulated = sum(1 for cost in costs if cost.emulated)
    runners = sorted({cost.runner for cost in costs})
    total = f"  total: {sum(per_platform.values())} workspace compiles ({spread})"
    if sum(wasm.values()):
        total += (f" + {sum(wasm.values())} wasm build{'s' if sum(wasm.values()) > 1 else ''} "
                  f"({', '.join(f'{image} {n}' for image, n in wasm.items() if n)}: trunk; "
                  "WebAssembly is the same on every platform)")
    lines.append(f"{total}; {emulated} of {len(costs)} legs emulate a stage; "
                 f"runners: {', '.join(runners)}")
    return "\n".join(lines) + "\n"
