"""The workflow value tracer: what a reference can be where a step reads it, through the job
graph, each case one workflow and the shapes expected per matrix combination."""

from __future__ import annotations

from rsdock.lint.model.partial import HOLE, Shape
from rsdock.lint.model.workflow_reader import parse_workflow
from rsdock.lint.model.workflow_values import TAG_OUTPUT, Tracer


def _read(text: str, reference: str, job: str, step: int = -1, script: str | None = None,
          ) -> list[list[str]]:
    workflow = parse_workflow(".github/workflows/w.yml", text)
    read_by = workflow.jobs[job]
    found = Tracer(workflow).shapes(reference, read_by, read_by.steps[step], script)
    return [[shape.marked() for shape in alternatives] for alternatives in found]


def test_job_outputs_are_read_into_the_job_graph():
    workflow = parse_workflow("w.yml", "on: push\njobs:\n  build:\n    runs-on: x\n    outputs:\n"
                              "      digest: ${{ steps.b.outputs.digest }}\n    steps: []\n")
    output = workflow.jobs["build"].outputs["digest"]
    assert (output.text, output.line) == ("${{ steps.b.outputs.digest }}", 6)


def test_a_needed_matrix_jobs_output_is_any_of_its_legs():
    text = """on: push
jobs:
  build:
    runs-on: x
    strategy:
      matrix:
        image: [acme/a, acme/b]
    outputs:
      ref: ${{ matrix.image }}:${{ steps.v.outputs.version }}
    steps:
      - id: v
        run: echo "version=1.$N" >> "$GITHUB_OUTPUT"
  sign:
    needs: build
    runs-on: x
    steps:
      - run: cosign sign ${{ needs.build.outputs.ref }}
"""
    assert _read(text, "${{ needs.build.outputs.ref }}", "sign") == [
        [f"acme/a:1.{HOLE}", f"acme/b:1.{HOLE}"]]


def test_an_output_of_a_job_not_needed_is_unknown():
    text = """on: push
jobs:
  build:
    runs-on: x
    outputs:
      ref: acme/a:1
    steps: []
  sign:
    runs-on: x
    steps:
      - run: cosign sign ${{ needs.build.outputs.ref }}
"""
    assert _read(text, "${{ needs.build.outputs.ref }}", "sign") == [[HOLE]]


def test_step_env_wins_and_a_script_assignment_wins_over_env():
    text = """on: push
env:
  IMAGE: acme/workflow
jobs:
  sign:
    runs-on: x
    env:
      IMAGE: acme/job
    steps:
      - id: meta
        uses: docker/metadata-action@v6
      - env:
          IMAGE: ${{ steps.meta.outputs.tags }}
        run: cosign sign $IMAGE
"""
    assert _read(text, "${{ env.IMAGE }}", "sign") == [[TAG_OUTPUT]]
    assert _read(text, "$IMAGE", "sign", script='IMAGE="acme/s:$V"\n') == [[f"acme/s:{HOLE}"]]


def test_a_hole_named_for_a_digest_may_pin_and_a_self_assignment_ends():
    text = """on: push
jobs:
  sign:
    runs-on: x
    steps:
      - run: cosign sign $IMAGE
"""
    assert _read(text, "$IMAGE", "sign", script="") == [[HOLE]]
    assert _read(text, "$IMAGE", "sign", script="# IMAGE=acme/a:latest\n") == [[HOLE]]
    assert _read(text, "${{ inputs.image-digest }}", "sign") == [[f"{HOLE}@{HOLE}"]]
    looping = _read(text, "$X", "sign", script='X="$X:a"\n')
    assert looping and all(value.endswith(":a") for value in looping[0])


def test_a_local_composite_actions_output_with_the_callers_inputs_and_defaults():
    text = """on: push
jobs:
  image:
    runs-on: x
    steps:
      - id: build
        uses: ./.github/actions/build
        with:
          tag: v${{ github.run_number }}
      - run: cosign sign ${{ steps.build.outputs.image }}
"""
    action = parse_workflow(".github/actions/build/action.yml", """name: build
inputs:
  registry:
    default: ghcr.io/acme
  tag:
    required: true
runs:
  using: composite
  steps:
    - run: make push
      shell: bash
outputs:
  image:
    value: ${{ inputs.registry }}/app:${{ inputs.tag }}
""")
    workflow = parse_workflow(".github/workflows/w.yml", text)
    job = workflow.jobs["image"]
    found = Tracer(workflow, {action.path: action}).shapes(
        "${{ steps.build.outputs.image }}", job, job.steps[-1])
    assert [[s.marked() for s in alternatives] for alternatives in found] == [
        [f"ghcr.io/acme/app:v{HOLE}"]]
    assert Tracer(workflow).shapes("${{ steps.build.outputs.image }}", job, job.steps[-1]) == [
        [Shape(("", ""))]]
