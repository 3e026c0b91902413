"""The run's shared reader of source files (rust_source.SourceFiles): it lists and reads as
os.walk and Path.read_text do, and the analyses that read Rust sources share its reads."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from rsdock.lint.analysis import needs, signals
from rsdock.lint.model.cargo import scan
from rsdock.lint.model.context import Context
from rsdock.lint.model.rust_source import SourceFiles, shared

MANIFEST = '[package]\nname = "app"\nversion = "0.1.0"\nedition = "2021"\n'
TERM = "use tokio::signal::unix::{signal, SignalKind};\n" \
       "async fn stop() { signal(SignalKind::terminate()).unwrap().recv().await; }\n"


def _tree(root: Path, files: dict[str, str | bytes]) -> None:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            (root / rel).write_bytes(text)
        else:
            (root / rel).write_text(text, encoding="utf-8")


def test_walk_is_os_walk_with_pruning_and_links(tmp_path):
    _tree(tmp_path, {"a/x.rs": "", "a/b/y.rs": "", "a/skip/z.rs": "", "c/w.rs": "", "top.rs": ""})
    (tmp_path / "link").symlink_to(tmp_path / "a", target_is_directory=True)

    def listing(walk):
        out = []
        for current, dirs, files in walk:
            dirs[:] = sorted(d for d in dirs if d != "skip")
            out.append((current, list(dirs), sorted(files)))
        return out

    sources = SourceFiles()
    assert listing(sources.walk(tmp_path)) == listing(os.walk(tmp_path))
    assert listing(sources.walk(tmp_path)) == listing(os.walk(tmp_path))  # from its cache
    assert list(sources.walk(tmp_path / "missing")) == []


def test_text_reads_as_read_text(tmp_path):
    files: dict[str, str | bytes] = {"crlf.rs": b"a\r\nb\rc\n", "bad.rs": b"x\xff\xfey\n",
                                     "plain.rs": "fn main() {}\n"}
    _tree(tmp_path, files)
    sources = SourceFiles()
    for name in files:
        path = tmp_path / name
        assert sources.text(path) == path.read_text(encoding="utf-8", errors="replace")
        assert sources.size(path) == path.stat().st_size
    assert sources.text(tmp_path / "missing.rs") is None
    assert sources.size(tmp_path / "missing.rs") is None


def test_the_needs_scan_and_the_signal_reading_share_one_read_per_file(tmp_path):
    _tree(tmp_path, {"Cargo.toml": MANIFEST, "src/main.rs": "mod s;\nfn main() { s::stop(); }\n",
                     "src/s.rs": TERM + 'const X: &str = include_str!("x.txt");\n',
                     "src/x.txt": "x"})
    ctx = Context(root=tmp_path, workspace=scan(tmp_path))
    opened: list[str] = []
    recording = [True]

    def hook(event, args):
        if recording[0] and event == "open" and str(args[0]).endswith(".rs"):
            opened.append(os.path.basename(str(args[0])))

    sys.addaudithook(hook)  # hooks cannot be removed: this one only records .rs opens
    found = needs.of(ctx)
    handling = signals.stop_handling(ctx, "app")
    recording[0] = False
    reads = sorted(opened)
    assert [i.path for i in found.inputs] == ["src/x.txt"]
    assert handling is not None and handling.handles == "src/s.rs"
    assert reads == ["main.rs", "s.rs"]
    assert shared(ctx) is shared(ctx)
