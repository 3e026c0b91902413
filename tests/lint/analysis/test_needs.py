"""What a workspace's build reads and runs, found from its files (lint/analysis/needs.py)."""

from pathlib import Path

import pytest

from rsdock.lint.analysis import needs
from rsdock.lint.model.cargo import scan


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def lock(*packages: tuple[str, tuple[str, ...]], member: str = "app",
         member_deps: tuple[str, ...] = ()) -> str:
    """A Cargo.lock: the member depends on ``member_deps``; each package on its own list."""
    parts = ['version = 3\n\n[[package]]\nname = "%s"\nversion = "0.1.0"\n' % member]
    if member_deps:
        parts[0] += "dependencies = [%s]\n" % ", ".join(f'"{d}"' for d in member_deps)
    for name, deps in packages:
        entry = (f'\n[[package]]\nname = "{name}"\nversion = "1.0.0"\n'
                 'source = "registry+https://github.com/rust-lang/crates.io-index"\n')
        if deps:
            entry += "dependencies = [%s]\n" % ", ".join(f'"{d}"' for d in deps)
        parts.append(entry)
    return "".join(parts)


def manifest(build_deps: tuple[str, ...] = (), deps: tuple[str, ...] = ()) -> str:
    text = '[package]\nname = "app"\nversion = "0.1.0"\nedition = "2021"\n'
    if deps:
        text += "[dependencies]\n" + "".join(f'{d} = "1"\n' for d in deps)
    if build_deps:
        text += "[build-dependencies]\n" + "".join(f'{d} = "1"\n' for d in build_deps)
    return text


def found(tmp_path: Path, files: dict[str, str]) -> needs.Needs:
    files.setdefault("Cargo.toml", manifest())
    files.setdefault("src/main.rs", "fn main() {}\n")
    return needs.scan(scan(write(tmp_path, files)))


def test_includes_resolve_against_the_file_or_the_manifest(tmp_path):
    result = found(tmp_path, {
        "docs/openapi.yaml": "x", "assets/logo.svg": "x",
        "src/main.rs": (
            'mod api;\n'
            '// include_str!("../docs/commented.md")\n'
            'static LOGO: &[u8] = include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), '
            '"/assets/logo.svg"));\n'
            'static GEN: &str = include_str!(concat!(env!("OUT_DIR"), "/gen.rs"));\n'
            'static CSS: &str = grass::include!("src/style.scss");\n'
            'static S: &str = "include_str!(\\"../docs/in-a-string.md\\")";\n'
            'fn main() {}\n'),
        "src/api.rs": 'pub const SPEC: &str = include_str!("../docs/openapi.yaml");\n'
                      'pub const GONE: &str = include_str!("../web/dist/app.js");\n',
    })
    got = {(i.path, i.how, i.source, i.line, i.exists) for i in result.inputs}
    assert got == {
        ("assets/logo.svg", "include_bytes!", "src/main.rs", 3, True),
        ("docs/openapi.yaml", "include_str!", "src/api.rs", 1, True),
        ("web/dist/app.js", "include_str!", "src/api.rs", 2, False),
    }


def test_tests_and_examples_are_not_compiled_by_a_release_build(tmp_path):
    result = found(tmp_path, {
        "tests/it.rs": 'const X: &str = include_str!("../docs/fixture.txt");\n',
        "examples/demo.rs": 'const X: &str = include_str!("../docs/demo.txt");\n',
    })
    assert result.inputs == ()


def test_sqlx_migrations_and_offline_data(tmp_path):
    result = found(tmp_path, {
        "Cargo.toml": manifest(deps=("sqlx",)),
        "migrations/0001_init.sql": "create table t();",
        "db/extra/0001.sql": "",
        ".sqlx/query-1.json": "{}",
        "src/main.rs": ('fn main() {\n  sqlx::migrate!();\n  sqlx::migrate!("db/extra");\n'
                        '  let r = sqlx::query!("select 1");\n}\n'),
    })
    got = {(i.path, i.how) for i in result.inputs}
    assert got == {("migrations", "sqlx::migrate!"), ("db/extra", "sqlx::migrate!"),
                   (".sqlx", "sqlx offline data")}
    assert result.unmet == ()


def test_sqlx_query_macros_without_offline_data_are_unmet(tmp_path):
    result = found(tmp_path, {"src/main.rs": 'use sqlx::query;\nfn main() { query!("x"); }\n'})
    assert len(result.unmet) == 1 and "cargo sqlx prepare" in result.unmet[0]
    assert "src/main.rs:2" in result.unmet[0]


def test_a_build_script_running_git_needs_git_and_dot_git(tmp_path):
    result = found(tmp_path, {
        "proto/api.proto": "syntax = \"proto3\";",
        "build.rs": ('use std::process::Command;\n'
                     '// Command::new("python3") in a comment\n'
                     'fn main() {\n'
                     '    let out = Command::new("git").args(["rev-parse", "HEAD"]).output().unwrap();\n'
                     '    println!("cargo:rerun-if-changed=proto/api.proto");\n'
                     '    cc::Build::new().cpp(true).file("src/x.cc").compile("x");\n'
                     '}\n'),
    })
    assert result.git == "needs-git" and result.git_reason == "build.rs:4 runs git"
    assert [(p.name, p.package, p.line) for p in result.programs] == [
        ("git", "git", 4), ("c++", "g++", 6)]
    assert [(i.path, i.how) for i in result.inputs] == [("proto/api.proto", "build script")]


@pytest.mark.parametrize("crates,script,git,programs", [
    ((("protobuf-codegen", ()),), "fn main() {}", "", ["protoc"]),
    ((("protobuf-codegen", ()), ("protoc-bin-vendored", ())), "fn main() {}", "", []),
    # the C-crate table's rows: the C-library plan and RS212 answer for them
    ((("prost-build", ()),), "fn main() {}", "", []),
    ((("cxx-build", ()),), "fn main() {}", "", []),
    ((("vergen-gitcl", ()),), "fn main() { vergen_gitcl::Emitter::default()"
     ".add_instructions(&GitclBuilder::all_git()); }", "commit", []),
    ((("vergen", ()),), "fn main() { vergen::Emitter::default().add_instructions(&BuildBuilder"
     "::all_build()); }", "", []),
    ((("vergen", ()),), "fn main() { vergen::EmitBuilder::builder().git_sha(true).emit(); }",
     "optional", []),  # vergen 8 (the lock says 1.0.0 here): placeholders, no overrides
    ((("vergen", ()),), "fn main() { EmitBuilder::builder().fail_on_error().git_sha(true)"
     ".emit(); }", "needs-git", []),
    ((("shadow-rs", ()),), "fn main() { shadow_rs::ShadowBuilder::builder().build(); }",
     "optional", []),
])
def test_build_dependencies_in_the_lock(tmp_path, crates, script, git, programs):
    names = tuple(name for name, _ in crates)
    result = found(tmp_path, {
        "Cargo.toml": manifest(build_deps=names),
        "Cargo.lock": lock(*crates, member_deps=tuple(n + " 1.0.0" for n in names)),
        "build.rs": script,
    })
    assert result.git == git
    assert [p.name for p in result.programs] == programs


def test_git_version_with_and_without_fallback(tmp_path):
    plain = found(tmp_path / "a", {"src/main.rs": 'const V: &str = git_version::git_version!();\n'
                                                  'fn main() {}\n'})
    assert plain.git == "needs-git"
    guarded = found(tmp_path / "b", {"src/main.rs": 'const V: &str = git_version!(fallback = '
                                                    '"unknown");\nfn main() {}\n'})
    assert guarded.git == "optional"


def test_steps_before_cargo_build(tmp_path):
    result = found(tmp_path, {
        "Makefile": ("lint:\n\tcargo clippy\n\nrelease: assets\n\tnpm ci --prefix web\n"
                     "\tnpm run build --prefix web\n\tcargo build --release\n"),
        "Dockerfile": ("FROM rust:1 AS build\nRUN apt-get update\nRUN ./scripts/gen-assets.sh \\\n"
                       "    --minify\nRUN cargo build --release\nFROM debian\n"
                       "RUN ./not-before-a-build.sh\n"),
    })
    assert [(s.source, s.line, s.command) for s in result.steps] == [
        ("Makefile", 5, "npm ci --prefix web"), ("Makefile", 6, "npm run build --prefix web"),
        ("Dockerfile", 3, "RUN ./scripts/gen-assets.sh --minify"[4:])]


def test_cfg_test_modules_are_not_compiled_by_a_release_build(tmp_path):
    result = found(tmp_path, {
        "fixtures/page.html": "x", "docs/real.md": "x",
        "src/main.rs": ('fn main() {}\nconst R: &str = include_str!("../docs/real.md");\n'
                        '#[cfg(test)]\nmod tests {\n    const P: &str = include_str!('
                        '"../fixtures/page.html");\n    fn t() { let x = { 1 }; }\n}\n'),
    })
    assert [i.path for i in result.inputs] == ["docs/real.md"]


def test_variables_and_setup_are_not_steps(tmp_path):
    result = found(tmp_path, {
        "justfile": ('image:\n    NAME="x-{{ os }}"\n    apt-get install -y protobuf-compiler\n'
                     '    ./gen.sh\n    cargo build --release\n'),
        "Dockerfile": "FROM rust:1\nRUN USER=root cargo new --bin app\nRUN cargo build\n",
    })
    assert [(s.source, s.line, s.command) for s in result.steps] == [("justfile", 4, "./gen.sh")]


def test_pyo3_runs_python_to_configure_and_is_no_longer_an_unmet_need(tmp_path):
    """pyo3-build-config runs python3 unless told not to (the program RS111 checks); linking
    libpython is the C-crate table's pyo3-ffi row, which the generator installs, so nothing is
    left for a note saying rsdock cannot."""
    crates = (("pyo3", ("pyo3-build-config 1.0.0",)), ("pyo3-build-config", ()))
    result = found(tmp_path, {
        "Cargo.toml": manifest(deps=("pyo3",)),
        "Cargo.lock": lock(*crates, member_deps=("pyo3 1.0.0",)),
        "src/bin/one.rs": "fn main() {}\n",
    })
    assert [p.name for p in result.programs] == ["python3"]
    assert result.unmet == ()


def test_files_the_old_image_shipped(tmp_path):
    result = found(tmp_path, {
        "Dockerfile": ("FROM rust:1 AS build\nCOPY . .\nRUN cargo build --release\n"
                       "FROM debian:bookworm-slim\n# the settings the server reads\n"
                       "COPY --from=build /app/target/release/app /usr/local/bin/\n"
                       "COPY config/default.toml \\\n     /etc/app/config.toml\n"),
    })
    assert [(s.line, s.command) for s in result.steps] == [
        (7, "COPY config/default.toml /etc/app/config.toml")]


# --- the macro-call search (needs._calls) finds what _CALL_RE.finditer finds ---------------

_CALL_CASES = [
    'let a = include_str!("a.txt"); let b = std::include_bytes!("b");',
    "core :: include ! ( \"x\" ) sqlx::query!(\"select\") sqlx ::\n  query_as !{x}",
    "macro_rules! include { } macro_rules!include!(x) fn f() { xinclude!(y); include!(z) }",
    "a::b::migrate!(\"m\") embed_migrations![] git_version!(fallback = \"x\") query_file_as!()",
    "foo::query_unchecked!(x) ::include!(y) ü::include!(z) include_str !(\n\"w\")",
    "include!include!(a)::include!(b) query!query!(c)",
    "",
]


@pytest.mark.parametrize("code", _CALL_CASES)
def test_the_call_search_finds_what_the_call_pattern_finds(code):
    from rsdock.lint.analysis.needs import _CALL_RE, _calls

    assert [(m.span(), m.groupdict()) for m in _calls(code)] == \
        [(m.span(), m.groupdict()) for m in _CALL_RE.finditer(code)]


def test_the_call_search_agrees_on_every_rust_source_of_the_tests():
    from rsdock.lint.analysis.needs import _CALL_RE, _calls
    from rsdock.lint.model.rust_source import mask

    sources = [p for p in Path(__file__).resolve().parents[2].glob("**/*.rs")]
    assert len(sources) > 20
    for path in sources:
        code = mask(path.read_text(encoding="utf-8", errors="replace"))
        assert [m.span() for m in _calls(code)] == [m.span() for m in _CALL_RE.finditer(code)], \
            path


def test_an_unknown_sys_crate_through_cc_gets_the_target_cxx_compiler_in_case(tmp_path):
    # ouch-org/ouch@80ed9cfcf121: the default feature `unrar` reaches unrar-ng-sys, which
    # compiles UnRAR's C++ through cc; rsdock's C-crate table does not know it, and offline its
    # build script cannot be read, so the target's g++ is installed (lint does not demand it)
    crates = (("unrar-ng", ("unrar-ng-sys 1.0.0",)), ("unrar-ng-sys", ("cc 1.0.0", "libc 1.0.0")),
              ("cc", ()), ("libc", ()))
    result = found(tmp_path, {
        "Cargo.toml": manifest(deps=("unrar-ng",)),
        "Cargo.lock": lock(*crates, member_deps=("unrar-ng 1.0.0",)),
        "src/main.rs": "fn main() {}\n",
    })
    (program,) = result.programs
    assert (program.name, program.package, program.certain) == ("c++", "g++", False)
    assert program.reason.startswith("app -> unrar-ng -> unrar-ng-sys compiles a library "
                                     "through cc, C or C++")


def test_known_and_non_cc_sys_crates_ask_for_no_cxx_compiler(tmp_path):
    crates = (("zstd-sys", ("cc 1.0.0",)), ("cc", ()), ("fuse-sys", ("pkg-config 1.0.0",)),
              ("pkg-config", ()))
    result = found(tmp_path, {
        "Cargo.toml": manifest(deps=("zstd-sys", "fuse-sys")),
        "Cargo.lock": lock(*crates, member_deps=("zstd-sys 1.0.0", "fuse-sys 1.0.0")),
        "src/main.rs": "fn main() {}\n",
    })
    assert result.programs == ()


def test_cxx_bridge_includes_are_cxx_headers_not_rust_includes(tmp_path):
    # cozodb/cozo@481af058abac cozo-core/src/storage/newrocks.rs: a cxx bridge's
    # `include!("bridge.h")` names a C++ header on cxx-build's include path; a real include!
    # after the bridge still counts
    result = found(tmp_path, {
        "src/main.rs": ('#[cxx::bridge]\nmod ffi {\n    unsafe extern "C++" {\n'
                        '        include!("bridge.h");\n        type Db;\n    }\n}\n'
                        'include!("gen.rs");\nfn main() {}\n'),
        "src/gen.rs": "const X: u8 = 1;\n",
    })
    assert [(i.path, i.how) for i in result.inputs] == [("src/gen.rs", "include!")]


def test_a_script_of_the_repository_is_an_input_not_a_program_to_install(tmp_path):
    # fish-shell/fish-shell@ff724192d035 build.rs runs build_tools/git_version_gen.sh; here a
    # second script needs python3, which the builder then installs
    result = found(tmp_path, {
        "Cargo.toml": manifest() + 'build = "build.rs"\n',
        "build.rs": ('use std::process::Command;\nfn main() {\n'
                     '    Command::new("build_tools/git_version_gen.sh").output().ok();\n'
                     '    Command::new("./tools/gen.py").status().unwrap();\n}\n'),
        "build_tools/git_version_gen.sh": "#!/bin/sh\necho 1.0\n",
        "tools/gen.py": "#!/usr/bin/env -S python3 -u\nprint(1)\n",
    })
    assert [(i.path, i.how) for i in result.inputs] == [
        ("build_tools/git_version_gen.sh", "build script"), ("tools/gen.py", "build script")]
    assert [(p.name, p.package) for p in result.programs] == [("python3", "python3")]


def test_commands_in_windows_only_build_script_code_are_never_run(tmp_path):
    # helix-editor/helix@079a789e8cb0 helix-term/build.rs: `reg` runs in a #[cfg(windows)] mod
    result = found(tmp_path, {
        "Cargo.toml": manifest() + 'build = "build.rs"\n',
        "build.rs": ('fn main() {\n    #[cfg(windows)]\n    windows_rc::link();\n}\n'
                     '#[cfg(windows)]\nmod windows_rc {\n    use std::process::Command;\n'
                     '    pub(crate) fn link() {\n        let s = "}";\n'
                     '        Command::new("reg").arg("query").output().ok();\n    }\n}\n'
                     'fn other() { std::process::Command::new("make").status().ok(); }\n'),
    })
    assert [p.name for p in result.programs] == ["make"]


def test_a_file_the_build_script_writes_is_not_missing(tmp_path):
    # firecracker-microvm/firecracker@81b38b9dad60 src/cpu-template-helper: build.rs compiles
    # src/utils/mock_kernel/kernel.bin, which src/utils/mod.rs include_bytes!
    result = found(tmp_path, {
        "Cargo.toml": manifest() + 'build = "build.rs"\n',
        "build.rs": ('const MOCK_KERNEL_PATH: &str = "src/utils/mock_kernel/kernel.bin";\n'
                     'fn main() { std::fs::write(MOCK_KERNEL_PATH, b"").unwrap(); }\n'),
        "src/main.rs": ('mod utils;\nfn main() {}\n'),
        "src/utils.rs": 'pub const K: &[u8] = include_bytes!("utils/mock_kernel/kernel.bin");\n'
                        'pub const G: &[u8] = include_bytes!("gone.bin");\n',
    })
    assert [(i.path, i.exists) for i in result.inputs] == [
        ("src/utils/mock_kernel/kernel.bin", True), ("src/gone.bin", False)]


def test_sqlx_before_0_7_is_told_its_own_offline_data(tmp_path):
    # launchbadge/realworld-axum-sqlx@f1b256547732: sqlx 0.5.9, query! macros, no
    # sqlx-data.json and no `offline` feature; init advised sqlx 0.7's .sqlx/
    result = found(tmp_path, {
        "Cargo.toml": manifest(deps=("sqlx",)),
        "Cargo.lock": lock(("sqlx", ()), member_deps=("sqlx 1.0.0",)).replace(
            'name = "sqlx"\nversion = "1.0.0"', 'name = "sqlx"\nversion = "0.5.9"'),
        "src/main.rs": 'fn main() { let r = sqlx::query!("select 1"); }\n',
    })
    (note,) = result.unmet
    assert "no offline data (sqlx-data.json)" in note
    assert "`offline` feature" in note and ".sqlx/" not in note


def test_programs_of_a_workspace_library_the_build_script_builds_with(tmp_path):
    # helix-editor/helix@079a789e8cb0: helix-term/build.rs calls helix_loader's
    # fetch_grammars (git in each grammar's folder) and build_grammars (cc's cpp(true))
    result = found(tmp_path, {
        "Cargo.toml": (manifest() + 'build = "build.rs"\n[build-dependencies]\n'
                       'loader = { path = "loader" }\n[workspace]\nmembers = ["loader"]\n'),
        "build.rs": "fn main() { loader::fetch(); }\n",
        "loader/Cargo.toml": '[package]\nname = "loader"\nversion = "0.1.0"\nedition = "2021"\n',
        "loader/src/lib.rs": ('use std::process::Command;\npub fn fetch() {\n'
                              '    Command::new("git").arg("fetch").current_dir("/tmp/g")'
                              '.output().unwrap();\n'
                              '    cc::Build::new().cpp(true).get_compiler();\n'
                              '    Command::new("tree-sitter").output().ok();\n}\n'),
    })
    programs = {p.name: p for p in result.programs}
    assert sorted(programs) == ["c++", "git"]
    assert programs["git"].always and not programs["git"].certain
    assert programs["git"].reason == ("build.rs builds with loader, whose loader/src/lib.rs:3 "
                                      "runs git")
    assert not programs["c++"].certain
