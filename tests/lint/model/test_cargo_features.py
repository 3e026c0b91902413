"""Offline feature resolution: which Cargo.lock packages a build compiles (real-shaped locks
from ../analysis/field_locks, README there; small in-memory locks for each syntax)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from rsdock.lint.knowledge import crate_features, versions
from rsdock.lint.model.cargo_features import Request, normalise, resolve
from rsdock.lint.model.cargo_lock import lockfile_from_data, parse_lockfile

FIELD = Path(__file__).parents[1] / "analysis" / "field_locks"
C_CRATES = ("pq-sys", "mysqlclient-sys", "libsqlite3-sys", "openssl-sys")


def field(name: str, root: str, request: Request | None = None, manifest: str | None = None):
    lock = parse_lockfile(FIELD / name / "Cargo.lock")
    data = tomllib.loads(manifest or (FIELD / name / "Cargo.toml").read_text())
    paths = resolve(lock, root, request or Request(), {root: normalise(data)})
    return {c for c in C_CRATES if c in paths}, paths


@pytest.mark.parametrize("request_, reached", [
    (Request(), {"openssl-sys"}),
    (Request(("postgresql",)), {"openssl-sys", "pq-sys"}),
    (Request(("mysql",)), {"openssl-sys", "mysqlclient-sys"}),
    (Request(("sqlite",)), {"openssl-sys", "libsqlite3-sys"}),
    (Request(("sqlite", "mysql", "postgresql")), set(C_CRATES)),
    (Request(all_features=True), set(C_CRATES)),
])
def test_vaultwarden_links_a_database_library_only_when_its_feature_is_on(request_, reached):
    assert field("vaultwarden-optional-db", "vaultwarden", request_)[0] == reached


def test_the_path_to_an_optional_c_crate_goes_through_the_feature_that_turns_it_on():
    _found, paths = field("vaultwarden-optional-db", "vaultwarden", Request(("postgresql",)))
    assert paths["pq-sys"] == ("vaultwarden", "diesel", "pq-sys")


def test_sqlx_without_its_sqlite_feature_does_not_compile_libsqlite3_sys():
    found, paths = field("sqlx-postgres-only", "zero2prod")
    assert "libsqlite3-sys" not in found and "sqlx-sqlite" not in paths
    assert "sqlx-postgres" in paths and "ring" in paths


def test_sqlx_with_its_sqlite_feature_compiles_libsqlite3_sys():
    manifest = (FIELD / "sqlx-postgres-only" / "Cargo.toml").read_text().replace(
        '"postgres",', '"postgres", "sqlite",')
    found, paths = field("sqlx-postgres-only", "zero2prod", manifest=manifest)
    assert "libsqlite3-sys" in found
    assert paths["libsqlite3-sys"] == ("zero2prod", "sqlx", "sqlx-sqlite", "libsqlite3-sys")


@pytest.mark.parametrize("artefact", crate_features.LOCK_ARTEFACTS, ids=lambda a: a["crate"])
def test_each_known_lock_artefact_is_in_a_fixture_lock_and_not_compiled(artefact):
    fixture, root = {"libsqlite3-sys": ("sqlx-postgres-only", "zero2prod"),
                     "pq-sys": ("vaultwarden-optional-db", "vaultwarden")}[artefact["crate"]]
    lock = parse_lockfile(FIELD / fixture / "Cargo.lock")
    assert lock.named(artefact["crate"])
    _found, paths = field(fixture, root)
    assert artefact["crate"] not in paths


def lock(*packages):
    return lockfile_from_data({"package": [
        {"name": n, "version": v, **({"source": "registry+x"} if registry else {}),
         "dependencies": list(deps)} for n, v, registry, deps in packages]})


def test_a_registry_crate_the_table_does_not_cover_counts_with_every_dependency():
    # sqlx 0.6 is older than the crate-features table: its optional edges all count.
    graph = lock(("app", "0.1.0", False, ["sqlx"]),
                 ("sqlx", "0.6.3", True, ["sqlx-core"]),
                 ("sqlx-core", "0.6.3", True, ["libsqlite3-sys"]),
                 ("libsqlite3-sys", "0.24.2", True, []))
    manifest = normalise({"dependencies": {"sqlx": {"version": "0.6", "features": ["postgres"]}}})
    assert "libsqlite3-sys" in resolve(graph, "app", members={"app": manifest})


MEMBER_LOCK = (("app", "0.1.0", False, ["core", "zstd-sys", "pq-sys", "serde"]),
               ("core", "0.1.0", False, ["libsqlite3-sys"]),
               ("zstd-sys", "2.0.0", True, []), ("pq-sys", "0.6.0", True, []),
               ("libsqlite3-sys", "0.30.1", True, []), ("serde", "1.0.0", True, []))
CORE = normalise(tomllib.loads('''
[dependencies]
libsqlite3-sys = { version = "0.30", optional = true }
[features]
default = ["sqlite"]
sqlite = ["dep:libsqlite3-sys"]
'''))


@pytest.mark.parametrize("app, request_, expected", [
    # `dep:` and `x/feat` turn an optional dependency on; a plain feature name is followed.
    ('[dependencies]\nzstd = { package = "zstd-sys", version = "2", optional = true }\n'
     'serde = "1"\n[features]\ndefault = ["small"]\nsmall = ["zstd/legacy"]\n',
     Request(), {"zstd-sys", "serde"}),
    # `x?/feat` adds a feature only: it turns nothing on.
    ('[dependencies]\npq-sys = { version = "0.6", optional = true }\n[features]\n'
     'default = ["pq-sys?/bundled"]\n', Request(), set()),
    ('[dependencies]\npq-sys = { version = "0.6", optional = true }\n[features]\n'
     'default = ["pq-sys?/bundled"]\npg = ["dep:pq-sys"]\n', Request(("pg",)), {"pq-sys"}),
    # The implicit feature of an optional dependency, named on the command line.
    ('[dependencies]\npq-sys = { version = "0.6", optional = true }\n', Request(("pq-sys",)),
     {"pq-sys"}),
    # A member dependency with default-features = false does not get its `default`.
    ('[dependencies]\ncore = { path = "core", default-features = false }\n', Request(), set()),
    ('[dependencies]\ncore = { path = "core" }\n', Request(), {"libsqlite3-sys"}),
    ('[dependencies]\ncore = { path = "core", default-features = false, features = ["sqlite"] }'
     '\n', Request(), {"libsqlite3-sys"}),
    # --no-default-features and --all-features on the selected member.
    ('[dependencies]\nzstd-sys = { version = "2", optional = true }\n[features]\n'
     'default = ["z"]\nz = ["dep:zstd-sys"]\n', Request(default=False), set()),
    ('[dependencies]\nzstd-sys = { version = "2", optional = true }\n[features]\nz = '
     '["dep:zstd-sys"]\n', Request(all_features=True), {"zstd-sys"}),
    # A target table that cannot hold on Linux.
    ("[target.'cfg(windows)'.dependencies]\nzstd-sys = \"2\"\n", Request(), set()),
])
def test_member_feature_syntax(app, request_, expected):
    members = {"app": normalise(tomllib.loads(app)), "core": CORE}
    named = [d.package for d in members["app"].dependencies]  # the lock as cargo writes it
    graph = lock(("app", "0.1.0", False, named), *MEMBER_LOCK[1:])
    paths = resolve(graph, "app", request_, members)
    assert {n for n in ("zstd-sys", "pq-sys", "libsqlite3-sys", "serde") if n in paths} \
        == expected


def test_workspace_inheritance_merges_features_and_keeps_default_features_off():
    workspace = {"core": {"path": "core", "default-features": False}}
    graph = lock(("app", "0.1.0", False, ["core"]), *MEMBER_LOCK[1:])
    app = normalise(tomllib.loads('[dependencies]\ncore = { workspace = true }\n'), workspace)
    assert "libsqlite3-sys" not in resolve(graph, "app",
                                           members={"app": app, "core": CORE})
    app = normalise(tomllib.loads('[dependencies]\ncore = { workspace = true, features = '
                                  '["sqlite"] }\n'), workspace)
    assert "libsqlite3-sys" in resolve(graph, "app", members={"app": app, "core": CORE})


def test_a_lock_entry_the_manifest_does_not_name_still_counts():
    app = normalise({"dependencies": {"serde": "1"}})
    paths = resolve(lock(*MEMBER_LOCK), "app", members={"app": app})
    assert {"zstd-sys", "pq-sys", "core"} <= set(paths)  # a stale lock: conservative
    app = normalise({"dependencies": {"serde": "1"}, "dev-dependencies": {
        "zstd-sys": "2", "pq-sys": "0.6", "core": {"path": "core"}}})
    assert not {"zstd-sys", "pq-sys", "core"} & set(resolve(lock(*MEMBER_LOCK), "app",
                                                            members={"app": app}))


@pytest.mark.parametrize("version, spec, inside", [
    ("0.8.1", ">=0.8.1, <0.8.3", True),
    ("0.8.3", ">=0.8.1, <0.8.3", False),
    ("0.8.0-alpha.1", ">=0.8.0", False),
    ("0.8.0", ">=0.8.0-alpha.1", True),
    ("1.2.3+build", "=1.2.3", True),
    ("not-a-version", ">=0.1.0", False),
])
def test_version_ranges(version, spec, inside):
    assert versions.in_range(version, spec) is inside


def test_a_malformed_range_is_a_table_error():
    with pytest.raises(ValueError, match="not a version range"):
        versions.in_range("1.0.0", ">= one")


def test_every_table_row_covers_its_own_source_tags_and_no_two_rows_of_a_crate_overlap():
    rows = tomllib.loads(crate_features.DATA.read_text())["crate"]
    for row in rows:
        low = row["versions"].split(",")[0].removeprefix(">=")
        assert crate_features.manifest(row["name"], low) is not None
        same = [r for r in rows if r["name"] == row["name"] and r is not row]
        assert not any(versions.in_range(low, r["versions"]) for r in same)


def test_crates_reached_only_through_every_feature_of_an_unknown_crate_are_guessed():
    from rsdock.lint.analysis import cdeps
    from rsdock.lint.model import cargo
    root = Path(__file__).parents[2] / "fixtures" / "field" / "fp-RS309-feature-guessed-for-unknown-crate"
    workspace = cargo.scan(root)
    reached = {r.crate.name: r for r in cdeps.c_crates(workspace, "appflowy_cloud")}
    # pgvector (no feature table) is assumed to turn on every sqlx feature: sqlite is a guess
    assert reached["libsqlite3-sys"].guessed
