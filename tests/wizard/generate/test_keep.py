"""Kept blocks: `# rsdock:keep` ... `# rsdock:end` put back into regenerated text, or a located
error, never dropped; `mark` writes the markers for every difference."""

from __future__ import annotations

import re
import pytest

from rsdock.errors import UserError
from rsdock.wizard.generate import keep
from rsdock.wizard.generate.defaults import default_plan
from rsdock.wizard.generate.render import render
from rsdock.lint.model.cargo import scan
from rsdock.resources import example_workspace

DOCKERFILE = """FROM rust AS builder
RUN cargo build
FROM debian:bookworm-slim
COPY --from=builder /out/server /usr/local/bin/server
USER 10001:10001
ENTRYPOINT ["/usr/local/bin/server"]
"""

HEALTH = """FROM rust AS builder
RUN cargo build
FROM debian:bookworm-slim
COPY --from=builder /out/server /usr/local/bin/server
USER 10001:10001
# rsdock:keep
HEALTHCHECK CMD ["/usr/local/bin/server", "--health"]
# rsdock:end
ENTRYPOINT ["/usr/local/bin/server"]
"""

WORKFLOW = """jobs:
  server:
    name: server image
    runs-on: ubuntu-latest
    timeout-minutes: 90
    steps: []
  web:
    name: web image
    runs-on: ubuntu-latest
    timeout-minutes: 90
    steps: []
"""


def test_an_added_block_follows_its_anchor_in_the_new_text():
    new = DOCKERFILE.replace("bookworm", "trixie")
    assert keep.apply(new, HEALTH, "Dockerfile") == HEALTH.replace("bookworm", "trixie")


def test_a_file_without_blocks_or_no_file_changes_nothing():
    assert keep.apply(DOCKERFILE, None, "Dockerfile") == DOCKERFILE
    assert keep.apply(DOCKERFILE, DOCKERFILE.replace("USER", "# a note\nUSER"),
                      "Dockerfile") == DOCKERFILE


def test_a_replaced_value_repeated_in_each_job_is_placed_by_the_lines_before_it():
    # timeout-minutes: 90 is in both jobs; the block belongs to web's.
    on_disk = WORKFLOW.replace(
        "    runs-on: ubuntu-latest\n    timeout-minutes: 90\n    steps: []\n",
        "    runs-on: ubuntu-latest\n    # rsdock:keep\n    # rsdock:replaces timeout-minutes: 90\n"
        "    timeout-minutes: 120\n    # rsdock:end\n    steps: []\n")
    on_disk = WORKFLOW.split("  web:")[0] + "  web:" + on_disk.split("  web:")[1]
    new = WORKFLOW.replace("ubuntu-latest", "ubuntu-24.04")
    out = keep.apply(new, on_disk, "ci.yml")
    server, web = out.split("  web:")
    assert "timeout-minutes: 90" in server and "rsdock" not in server
    assert "timeout-minutes: 120" in web and "\n    timeout-minutes: 90\n" not in web
    assert "# rsdock:replaces timeout-minutes: 90" in web


def test_a_block_whose_anchor_vanished_is_an_error_at_its_line():
    new = DOCKERFILE.replace("USER 10001:10001", "USER 65532:65532").replace(
        'ENTRYPOINT ["/usr/local/bin/server"]', 'ENTRYPOINT ["/server"]')
    with pytest.raises(UserError) as raised:
        keep.apply(new, HEALTH, "Dockerfile")
    assert raised.value.line == 6
    assert "`USER 10001:10001`" in raised.value.message
    assert "no longer generates" in raised.value.message
    assert "delete it" in raised.value.hint


def test_a_block_whose_line_before_changed_stays_in_front_of_the_line_after():
    new = DOCKERFILE.replace("USER 10001:10001", "USER 65532:65532")
    out = keep.apply(new, HEALTH, "Dockerfile")
    assert out == HEALTH.replace("USER 10001:10001", "USER 65532:65532")


def test_a_replaced_line_rsdock_now_writes_differently_is_an_error():
    on_disk = WORKFLOW.replace(
        "    timeout-minutes: 90\n    steps: []\n  web:",
        "    # rsdock:keep\n    # rsdock:replaces timeout-minutes: 90\n    timeout-minutes: 120\n"
        "    # rsdock:end\n    steps: []\n  web:")
    new = WORKFLOW.replace("timeout-minutes: 90", "timeout-minutes: 60")
    with pytest.raises(UserError) as raised:
        keep.apply(new, on_disk, "ci.yml")
    assert raised.value.line == 5
    assert "`timeout-minutes: 90`" in raised.value.message


def test_a_block_whose_stage_was_removed_is_an_error_not_moved_to_a_twin_stage():
    # Two final stages end alike; the block belongs to api's, and api's stage goes away.
    api = "FROM base AS api\nCOPY /out/api /app\nUSER 10001:10001\n"
    worker = "FROM base AS worker\nCOPY /out/worker /app\nUSER 10001:10001\n"
    on_disk = api + "# rsdock:keep\nHEALTHCHECK CMD true\n# rsdock:end\n" + worker
    assert keep.apply(api + worker, on_disk, "f") == on_disk
    with pytest.raises(UserError) as raised:
        keep.apply(worker, on_disk, "f")
    assert raised.value.line == 4 and "`USER 10001:10001`" in raised.value.message


def test_blocks_at_the_start_and_the_end_and_side_by_side_keep_their_order():
    on_disk = ("# rsdock:keep\n# top\n# rsdock:end\nA\n# rsdock:keep\none\n# rsdock:end\n"
               "# rsdock:keep\ntwo\n# rsdock:end\nB\n# rsdock:keep\nlast\n# rsdock:end\n")
    out = keep.apply("A\nnew\nB\n", on_disk, "f")
    assert out == ("# rsdock:keep\n# top\n# rsdock:end\nA\n# rsdock:keep\none\n# rsdock:end\n"
                   "# rsdock:keep\ntwo\n# rsdock:end\nnew\nB\n# rsdock:keep\nlast\n"
                   "# rsdock:end\n")


def test_a_block_replacing_a_blank_line_and_a_deleting_block():
    on_disk = "A\n# rsdock:keep\n# rsdock:replaces\n# rsdock:end\nB\n# rsdock:keep\n" \
              "# rsdock:replaces C\n# rsdock:end\n"
    assert keep.apply("A\n\nB\nC\n", on_disk, "f") == on_disk


@pytest.mark.parametrize("text, line, words", [
    ("A\n# rsdock:end\n", 2, "no `# rsdock:keep` before it"),
    ("A\n# rsdock:keep\nB\n", 2, "never ends"),
    ("# rsdock:keep\n# rsdock:keep\n# rsdock:end\n", 2, "inside the block opened at line 1"),
    ("# rsdock:keep\nB\n# rsdock:replaces A\n# rsdock:end\n", 3, "after the block's own"),
    ("A\n# rsdock:replaces A\n", 2, "outside a kept block"),
])
def test_misplaced_markers_are_errors_at_their_line(text, line, words):
    with pytest.raises(UserError) as raised:
        keep.apply("A\n", text, "f")
    assert raised.value.line == line and words in raised.value.message
    assert raised.value.path == "f" and raised.value.hint


def test_the_suppression_comment_is_not_a_marker():
    text = "# rsdock: ignore=RS306 runs as root on purpose\nUSER root\n"
    assert keep.parse(text, "f").blocks == ()


def _example_files() -> dict[str, str]:
    return render(default_plan(scan(example_workspace())))


EDITS = {
    "insert": lambda lines: lines[:5] + ["HEALTHCHECK CMD true"] + lines[5:],
    "change": lambda lines: lines[:7] + [lines[7] + " # changed"] + lines[8:],
    "delete": lambda lines: lines[:3] + lines[5:],
    "start": lambda lines: ["# mine"] + lines,
    "end": lambda lines: lines + ["# mine at the end"],
    "several": lambda lines: lines[:2] + ["added"] + lines[2:9] + ["other"] + lines[10:],
}


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_marking_the_edits_then_regenerating_gives_back_the_marked_file(edit):
    for path, rendered in _example_files().items():
        edited = "\n".join(EDITS[edit](rendered.splitlines())) + "\n"
        marked, markers = keep.mark(rendered, edited, path)
        assert markers, path
        # The user's lines are all still there, in order, between the markers.
        # (.dockerignore's `# rsdock:project` section markers are rendered lines, not kept ones)
        assert [line for line in marked.splitlines() if not re.match(
            r"\s*# rsdock:(keep|replaces|end)(\s|$)", line)] == edited.splitlines()
        assert keep.apply(rendered, marked, path) == marked, path


def test_a_marked_edit_survives_a_change_elsewhere_in_the_file():
    rendered = _example_files()["Dockerfile"]
    edited = rendered.replace("USER 10001:10001\n", "USER 10001:10001\nHEALTHCHECK CMD true\n")
    marked, _ = keep.mark(rendered, edited, "Dockerfile")
    regenerated = rendered.replace("linux/arm/v7", "linux/riscv64")
    assert keep.apply(regenerated, marked, "Dockerfile") == marked.replace(
        "linux/arm/v7", "linux/riscv64")
