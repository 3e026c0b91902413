"""RS437: a job runs on a GitHub-hosted runner image GitHub has retired."""

from __future__ import annotations

from typing import Any, Iterable

from rsdock.lint.knowledge.runners import RETIRED_IMAGES
from rsdock.lint.model import workflow_reader as wf
from rsdock.lint.model.findings import Finding, Severity
from rsdock.lint.rules.rule import Context, WorkflowRule


class RS437(WorkflowRule):
    """Run jobs on a runner image GitHub still provides: ``ubuntu-20.04`` is gone.

    GitHub keeps the latest two versions of each hosted runner image and retires the older ones
    (``ubuntu-20.04`` on 2025-04-15, ``windows-2019`` on 2025-06-30, ``macos-13`` on
    2025-12-04; the table with its sources is ``lint/knowledge/runners.py``). A job whose
    ``runs-on`` names a retired label fails at once, without running a step: the image that job
    builds or publishes is never made again, with nothing but a red run to say so. Labels of a
    matrix are checked one by one; a ``self-hosted`` runner may carry any label and is left
    alone. Use the label the message names (``ubuntu-24.04``).

    Fails:
        # file: .github/workflows/docker.yml
        on: push
        jobs:
          image:
            runs-on: ubuntu-20.04
            steps:
              - uses: docker/build-push-action@v7

    Passes:
        # file: .github/workflows/docker.yml
        on: push
        jobs:
          image:
            runs-on: ubuntu-24.04
            steps:
              - uses: docker/build-push-action@v7
    """

    id = "RS437"
    name = "retired-runner-image"
    severity = Severity.ERROR
    message = "use a runner image GitHub still provides"

    def check(self, file: wf.Workflow, ctx: Context) -> Iterable[Finding]:
        """Yield one finding per job whose ``runs-on`` names a retired hosted image."""
        for job in file.jobs.values():
            if job.runs_on is None:
                continue
            labels = [label for text in _label_texts(job.runs_on.value)
                      for label in (job.expand(text) or [])]
            lowered = [label.strip().lower() for label in labels]
            if "self-hosted" in lowered:
                continue
            retired = list(dict.fromkeys(label for label in lowered if label in RETIRED_IMAGES))
            if not retired:
                continue
            label = retired[0]
            more = f" (and {', '.join(retired[1:])})" if retired[1:] else ""
            when, instead = RETIRED_IMAGES[label]
            leg = " (a matrix leg)" if "${{" in job.runs_on.text else ""
            yield self.finding(file.path, job.runs_on.line, job.runs_on.column, (
                f"job {job.id}{leg} runs on {label}{more}, a GitHub-hosted runner image GitHub "
                f"retired on {when}: the job fails without running; use {instead}"))


def _label_texts(value: Any) -> list[str]:
    """The label strings of a ``runs-on`` value: a label, a list of labels, or a mapping with
    ``labels:`` (a ``group:`` alone names no image)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    if isinstance(value, dict):
        return _label_texts(value.get("labels"))
    return []
