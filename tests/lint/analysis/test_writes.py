"""What a stage writes (lint/analysis/writes.py): the paths a COPY --from can take from it."""

from __future__ import annotations

import pytest

from rsdock.lint.analysis.writes import stage_writes
from rsdock.lint.model.dockerfile import parse_dockerfile


def writes_of(run: str, base: str = "debian:bookworm-slim"):
    model = parse_dockerfile("Dockerfile", f"FROM {base} AS s\nWORKDIR /w\nRUN {run}\n")
    return stage_writes(model, model.stages[0], None)


@pytest.mark.parametrize("run,there,absent", [
    ("mkdir -p /out/bin && cp a b /out/bin/", ["/out/bin/a", "/out/bin/b", "/out"],
     ["/out/bin/c", "/out/lib"]),
    ("mkdir /out && install -Dm755 app /out/sub/app", ["/out/sub/app"], ["/out/sub/x"]),
    ("mkdir /out && curl -fsSL -o /out/tool.tgz https://example.com/t.tgz "
     "&& tar -xzf /out/tool.tgz -C /out/tool", ["/out/tool.tgz", "/out/tool/bin/t"],
     ["/out/other"]),
    ("mkdir /out && cd /out && ln -s /usr/bin/tini", ["/out/tini"], ["/out/tiny"]),
    ("mkdir /out && cargo install --locked --root /out ripgrep", ["/out/bin/rg"], ["/outx"]),
    ("cargo build --release && mkdir /out && cp target/release/app /out/", ["/w/target/release/app",
     "/out/app"], ["/out/ap"]),
    ("mkdir /out && echo hi > /out/a && printf x 2> /out/err", ["/out/a", "/out/err"], ["/out/b"]),
    ("mkdir /out && apt-get download tini", ["/w/tini_0.19.0-1_arm64.deb"], ["/out/x"]),
])
def test_known_writes(run, there, absent):
    writes = writes_of(run)
    assert writes is not None
    assert [p for p in there if not writes.covers(p)] == []
    assert [p for p in absent if writes.covers(p)] == []


@pytest.mark.parametrize("run,base", [
    ("make && mkdir /out", "debian:bookworm-slim"),
    ("mkdir /out && ./build.sh", "debian:bookworm-slim"),
    ("mkdir /out && npm ci", "debian:bookworm-slim"),
    ("mkdir /out && cp a /out/$NAME", "debian:bookworm-slim"),
    ("mkdir /out && cargo run --bin gen", "rust:1.86"),
    ("mkdir /out && cp a /out/a || cp b /out/b", "debian:bookworm-slim"),
    ("mkdir /out", "ghcr.io/acme/base:1"),  # its /out may already hold files
])
def test_unknown_writes(run, base):
    assert writes_of(run, base) is None


def test_a_folder_is_judged_only_when_the_stage_made_it_outside_system_folders():
    writes = writes_of("mkdir -p /out /usr/local/out && touch /out/a")
    assert writes is not None
    assert writes.creator("/out/b") == ("/out", 3)
    assert writes.creator("/usr/local/out/b") is None  # the image may have it
    assert writes.creator("/srv/b") is None  # nothing made /srv
