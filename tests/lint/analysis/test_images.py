"""What a Dockerfile is (lint/analysis/images.py), as the runtime rules see it."""

from __future__ import annotations

import pytest

from rsdock.lint.engine.runner import lint_texts
from rsdock.lint.engine.settings import LintConfig

COMPILER_IMAGE = "FROM rust:1.88-slim\nWORKDIR /app\nCOPY . .\nRUN cargo build --release\n{cmd}\n"


@pytest.mark.parametrize(("cmd", "judged"), [
    ('CMD ["cargo", "test"]', False),
    ('CMD cargo test --features it', False),
    ('ENTRYPOINT ["/usr/bin/tini", "--"]\nCMD ["cargo", "run"]', False),
    ('CMD ["sh", "-c", "cargo test"]', False),
    ('CMD ["/app/target/release/server"]', True),  # ships the program in the compiler image
])
def test_an_image_whose_command_runs_cargo_is_a_test_image(cmd, judged):
    files = {"Dockerfile": COMPILER_IMAGE.format(cmd=cmd)}
    rules = {f.rule for f in lint_texts(files, config=LintConfig(hadolint=False))}
    assert ("RS301" in rules) is judged
