"""What a workspace binary does with the stop signal (rsdock.lint.analysis.signals), and RS304
on top of it: one small workspace a case."""

from __future__ import annotations

from pathlib import Path

import pytest

from rsdock.lint.analysis import signals
from rsdock.lint.engine import discover, runner
from rsdock.lint.engine.settings import LintConfig
from rsdock.lint.model.cargo import scan
from rsdock.lint.model.context import Context

MANIFEST = '[package]\nname = "app"\nversion = "0.1.0"\nedition = "2021"\n'
TERM = "use tokio::signal::unix::{signal, SignalKind};\n" \
       "async fn stop() { signal(SignalKind::terminate()).unwrap().recv().await; }\n"
ACTIX = "fn main() { let _ = actix_web::HttpServer::new(|| actix_web::App::new()); }\n"
SPAWN = "use std::process::Command;\nfn run() { Command::new(\"sh\").spawn().unwrap(); }\n"
WAIT = "use std::process::Command;\nfn v() { Command::new(\"git\").output().unwrap(); }\n"

CASES = {
    # (files under the package, stop signal) -> (handles, starts children)
    "tokio terminate": ({"src/main.rs": "mod s;\nfn main() { s::stop(); }\n", "src/s.rs": TERM},
                        "SIGTERM", (True, False)),
    # a handler counts where the binary's main reaches it (trieve: the library's actix `main`
    # serves the server binary, not the workers of src/bin/)
    "a handler main never calls": ({"src/main.rs": "mod s;\nfn main() {}\n", "src/s.rs": TERM},
                                   "SIGTERM", (False, False)),
    "reached through two calls": ({"src/main.rs": "mod s;\nfn main() { run(); }\n"
                                                  "fn run() { s::stop() }\n", "src/s.rs": TERM},
                                  "SIGTERM", (True, False)),
    # forest: main calls `forestd_main`, the name `pub use daemon::main as forestd_main` gives
    # a function that reaches the handler
    "reached through a use-as alias": (
        {"src/main.rs": "fn main() { app::serve_main() }\n",
         "src/lib.rs": "mod s;\nmod d;\npub use d::run as serve_main;\n",
         "src/d.rs": "pub fn run() { crate::s::stop() }\n", "src/s.rs": TERM},
        "SIGTERM", (True, False)),
    "an alias of a function that handles nothing": (
        {"src/main.rs": "fn main() { app::serve_main() }\n",
         "src/lib.rs": "mod s;\npub use s::idle as serve_main;\n",
         "src/s.rs": TERM + "pub fn idle() {}\n"}, "SIGTERM", (False, False)),
    "the library's server, called by main": (
        {"src/main.rs": "fn main() { app::serve() }\n",
         "src/lib.rs": "pub fn serve() {\n" + ACTIX + "main()\n}\n"}, "SIGTERM", (True, False)),
    "actix-web server": ({"src/main.rs": ACTIX}, "SIGTERM", (True, False)),
    "actix with disable_signals": (
        {"src/main.rs": ACTIX.replace("App::new())", "App::new()).disable_signals()")},
        "SIGTERM", (False, False)),
    "ctrl_c is SIGINT only": ({"src/main.rs": "async fn s() { tokio::signal::ctrl_c().await; }"},
                              "SIGTERM", (False, False)),
    "ctrl_c under STOPSIGNAL SIGINT": (
        {"src/main.rs": "async fn s() { tokio::signal::ctrl_c().await; }"}, "SIGINT",
        (True, False)),
    "spawns a child": ({"src/main.rs": TERM + SPAWN}, "SIGTERM", (True, True)),
    "waits for its child": ({"src/main.rs": TERM + WAIT}, "SIGTERM", (True, False)),
    "a build script is not the program": ({"src/main.rs": TERM, "build.rs": SPAWN}, "SIGTERM",
                                          (True, False)),
    # pingap (blind batch D): pingora's run_forever handles SIGTERM, SIGINT and SIGQUIT
    "pingora server": ({"src/main.rs": "use pingora::server;\nfn main() {\n"
                                       "    let mut s = server::Server::new(None).unwrap();\n"
                                       "    s.run_forever();\n}\n"}, "SIGTERM", (True, False)),
    "run_forever of something else": ({"src/main.rs": "fn main() { pool.run_forever(); }\n"},
                                      "SIGTERM", (False, False)),
    "no handler": ({"src/main.rs": "fn main() {}\n"}, "SIGTERM", (False, False)),
}


def _ctx(root: Path, files: dict[str, str]) -> Context:
    for rel, text in {"Cargo.toml": MANIFEST, **files}.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return Context(root=root, workspace=scan(root))


@pytest.mark.parametrize("case", sorted(CASES))
def test_stop_handling(case, tmp_path):
    files, stop, (handles, children) = CASES[case]
    found = signals.stop_handling(_ctx(tmp_path, files), "app", stop)
    assert found is not None
    assert (bool(found.handles), bool(found.children)) == (handles, children)


def test_a_worker_does_not_inherit_the_librarys_server(tmp_path):
    """src/bin/worker.rs is its own program: the actix `main` of lib.rs is the server's."""
    ctx = _ctx(tmp_path, {"src/main.rs": "fn main() { app::main() }\n",
                          "src/lib.rs": "pub fn main() {\n" + ACTIX + "}\n",
                          "src/bin/worker.rs": "fn main() { loop { app::poll(); } }\n",
                          "src/bin/drain.rs": "use signal_hook::consts::SIGTERM;\nfn main() {"
                                              " signal_hook::flag::register(SIGTERM, f); }\n"})
    assert signals.stop_handling(ctx, "app", "SIGTERM").handles == "src/lib.rs"
    assert signals.stop_handling(ctx, "worker", "SIGTERM").handles == ""
    assert signals.stop_handling(ctx, "drain", "SIGTERM").handles == "src/bin/drain.rs"


def test_the_call_search_follows_a_chain_through_files_met_later(tmp_path):
    """Files are walked for functions only when they spell a name being searched for: the
    chain main -> start (src/a.rs) -> serve (src/z.rs, which holds the handler) is found
    through a file that holds no handler, and the first file holding a handler is named."""
    ctx = _ctx(tmp_path, {"src/main.rs": "mod a;\nmod z;\nfn main() { a::start(); }\n",
                          "src/a.rs": "pub fn start() { crate::z::serve() }\n"
                                      "pub fn other() {}\n",
                          "src/y.rs": "fn unrelated() { let x = 1; }\n",
                          "src/z.rs": "pub fn serve() {\n" + ACTIX + "}\n"})
    assert signals.stop_handling(ctx, "app", "SIGTERM").handles == "src/z.rs"


def test_outside_blanks_every_function_span_once():
    """The text outside functions keeps its length and its other bytes; nested and
    overlapping spans are blanked as their union."""
    text = "#[launch]\nfn a() { fn b() { x } }\nstatic S: u8 = 1;\nfn c() { y }\n"
    functions = signals._functions(text)
    chars = list(text)
    for _name, begin, end in functions:
        chars[begin:end] = " " * (end - begin)
    assert signals._outside(text, functions) == "".join(chars)
    assert signals._outside(text, [("a", 2, 8), ("b", 4, 12), ("c", 5, 6)]) == \
        text[:2] + " " * 10 + text[12:]


def test_a_binary_outside_the_workspace_has_no_evidence(tmp_path):
    assert signals.stop_handling(_ctx(tmp_path, {"src/main.rs": TERM}), "tini", "SIGTERM") is None


DOCKERFILE = """\
FROM debian:bookworm-slim
COPY app /usr/local/bin/app
{extra}ENTRYPOINT [{entry}]
"""


@pytest.mark.parametrize(("source", "entry", "extra", "reported"), [
    (TERM, '"/usr/local/bin/app"', "", False),
    (TERM, '"sh", "-c", "ulimit -c 0 && exec /usr/local/bin/app"', "", False),
    (TERM + SPAWN, '"/usr/local/bin/app"', "", True),
    ("fn main() {}\n", '"/usr/local/bin/app"', "", True),
    ("async fn s() { tokio::signal::ctrl_c().await; }", '"/usr/local/bin/app"',
     "STOPSIGNAL SIGINT\n", False),
    ("async fn s() { tokio::signal::ctrl_c().await; }", '"/usr/local/bin/app"', "", True),
])
def test_rs304_reads_the_program(source, entry, extra, reported, tmp_path):
    files = {"Cargo.toml": MANIFEST, "src/main.rs": source,
             "Dockerfile": DOCKERFILE.format(entry=entry, extra=extra)}
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text, encoding="utf-8")
    found = [f for f in runner.lint_paths(discover.walk(tmp_path), tmp_path,
                                          LintConfig(hadolint=False)).findings
             if f.rule == "RS304"]
    assert bool(found) == reported, [f.message for f in found]
