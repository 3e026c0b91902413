"""RS309 and the generator's C plan read the build's features (vaultwarden's optional
databases, trimmed in tests/lint/analysis/field_locks/vaultwarden-optional-db)."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from rsdock.lint.analysis.cdeps import c_crates
from rsdock.lint.model import cargo
from rsdock.lint.rules.rule import get_rule
from tests.lint.rules.test_rules_workflow import context

FIXTURE = Path(__file__).parents[1] / "analysis" / "field_locks" / "vaultwarden-optional-db"
DOCKERFILE = textwrap.dedent("""\
    FROM rust:1.95-slim-bookworm AS builder
    ARG DB=postgresql
    WORKDIR /app
    COPY . .
    RUN cargo build --release {features}

    FROM debian:bookworm-slim
    RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates \\
        && rm -rf /var/lib/apt/lists/*
    COPY --from=builder /app/target/release/vaultwarden /usr/local/bin/vaultwarden
""")


def project(root: Path, features: str):
    shutil.copy(FIXTURE / "Cargo.toml", root / "Cargo.toml")
    shutil.copy(FIXTURE / "Cargo.lock", root / "Cargo.lock")
    (root / "src").mkdir()
    (root / "src" / "main.rs").write_text("fn main() {}\n")
    ctx = context({"Dockerfile": DOCKERFILE.format(features=features)}, root)
    ctx.workspace = cargo.scan(root)
    return ctx


@pytest.mark.parametrize("features, message", [
    ("", None),  # vaultwarden's default features enable no database
    ("--features ${DB}", "libpq5 (for pq-sys)"),  # the ARG's default: postgresql
    ("--features postgresql,mysql", "libpq5 (for pq-sys), libmariadb3 (for mysqlclient-sys)"),
    ("--features vaultwarden/mysql", "libmariadb3 (for mysqlclient-sys)"),
    ("--all-features", "libpq5 (for pq-sys), libmariadb3 (for mysqlclient-sys)"),
    ("--features $UNSET", "libpq5 (for pq-sys), libmariadb3 (for mysqlclient-sys)"),
])
def test_rs309_asks_only_for_the_libraries_the_built_features_link(tmp_path, features, message):
    ctx = project(tmp_path, features)
    found = [f for m in ctx.dockerfiles.values() for f in get_rule("RS309")().check(m, ctx)]
    if message is None:
        assert found == []
    else:
        assert len(found) == 1 and f"lacks: {message};" in found[0].message


def test_the_generator_plans_the_default_features_only(tmp_path):
    ctx = project(tmp_path, "")
    names = {r.crate.name for r in c_crates(ctx.workspace, "vaultwarden")}
    assert not names & {"pq-sys", "mysqlclient-sys", "libsqlite3-sys"}
