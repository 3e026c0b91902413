// rsdock build lab: a stand-in for cargo-chef (https://github.com/LukeMathWalker/cargo-chef),
// which no reachable registry serves here. Written from cargo-chef's README and its source
// (src/recipe.rs, src/skeleton/{mod,read,version_masking}.rs at 52669eb, March 2026), in Rust
// with the standard library only, so the builder stand-in compiles it with `rustc` alone, on
// every platform, with no crate to fetch.
//
//   cargo chef prepare [--recipe-path recipe.json]
//       `cargo metadata --no-deps` names the workspace's packages and their targets; the recipe
//       (JSON, cargo-chef's own shape: {"skeleton": {"manifests": [{"relative_path",
//       "contents", "targets": [{"path", "kind", "name"}]}], "config_file", "lock_file",
//       "rust_toolchain_file"}}) holds every manifest, the lock file, .cargo/config(.toml) and
//       rust-toolchain(.toml), with the local crates' versions masked to 0.0.1 (in
//       [package], [workspace.package], in path dependencies on members and in the lock's
//       local entries) and [lints] /
//       [workspace.lints] removed, as cargo-chef does: a version bump or a lint setting does not
//       change the recipe.
//   cargo chef cook [cargo build flags] [--recipe-path recipe.json]
//       writes that skeleton into the current directory: the files above, and for every target
//       a dummy source at its path (lib: empty, bin/example/build script: `fn main() {}`,
//       test/bench: empty, or `fn main() {}` with harness = false); runs `cargo build` (or
//       check/clippy) with the same flags cargo-chef passes on (--release, --profile,
//       --target (repeatable), --target-dir, --features, --no-default-features,
//       --all-features, --benches, --tests, --examples, --all-targets, --manifest-path,
//       -p/--package, --workspace, --offline, --locked, --frozen, -v, --timings, --bin
//       (repeatable), --bins, -j/--jobs); then deletes the dummies' compiled libraries
//       (lib<name>.* and lib<name>-* under target[/<triple>]/<profile>) and build-script
//       binaries, so the real `cargo build` after `COPY . .` compiles the workspace's crates
//       and nothing else.
//
// Where it differs from cargo-chef 0.1.77 (tests/e2e/README.md lists the same):
//   - manifests are kept as text (edited line by line), not re-serialised through a TOML
//     library: a comment or formatting change in a Cargo.toml changes our recipe, not cargo-chef's;
//     targets are not written into the manifests explicitly (the dummies sit at the paths cargo
//     discovers, which is what makes them build the same way);
//   - `prepare --bin B` (cargo-chef trims the workspace to B's closure) keeps every member;
//   - `cook --zigbuild` is refused (no cargo-zigbuild here); `--no-std` and `--no-build` work;
//   - the lock file is copied as text with only the local versions masked (cargo-chef
//     re-serialises it).

use std::collections::BTreeMap;
use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{exit, Command};

// ------------------------------------------------------------------------------------ JSON
#[allow(dead_code)]
#[derive(Clone, Debug)]
enum Json {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    Arr(Vec<Json>),
    Obj(BTreeMap<String, Json>),
}

impl Json {
    fn get(&self, key: &str) -> &Json {
        static NULL: Json = Json::Null;
        match self {
            Json::Obj(m) => m.get(key).unwrap_or(&NULL),
            _ => &NULL,
        }
    }
    fn str(&self) -> Option<&str> {
        match self {
            Json::Str(s) => Some(s),
            _ => None,
        }
    }
    fn arr(&self) -> &[Json] {
        match self {
            Json::Arr(a) => a,
            _ => &[],
        }
    }
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl<'a> Parser<'a> {
    fn ws(&mut self) {
        while self.i < self.s.len() && (self.s[self.i] as char).is_ascii_whitespace() {
            self.i += 1;
        }
    }
    fn fail<T>(&self, what: &str) -> Result<T, String> {
        Err(format!("invalid JSON at byte {}: {}", self.i, what))
    }
    fn value(&mut self) -> Result<Json, String> {
        self.ws();
        match self.s.get(self.i) {
            None => self.fail("unexpected end"),
            Some(b'{') => {
                self.i += 1;
                let mut m = BTreeMap::new();
                self.ws();
                if self.s.get(self.i) == Some(&b'}') {
                    self.i += 1;
                    return Ok(Json::Obj(m));
                }
                loop {
                    self.ws();
                    let k = match self.value()? {
                        Json::Str(k) => k,
                        _ => return self.fail("object key"),
                    };
                    self.ws();
                    if self.s.get(self.i) != Some(&b':') {
                        return self.fail("expected ':'");
                    }
                    self.i += 1;
                    let v = self.value()?;
                    m.insert(k, v);
                    self.ws();
                    match self.s.get(self.i) {
                        Some(b',') => self.i += 1,
                        Some(b'}') => {
                            self.i += 1;
                            return Ok(Json::Obj(m));
                        }
                        _ => return self.fail("expected ',' or '}'"),
                    }
                }
            }
            Some(b'[') => {
                self.i += 1;
                let mut a = Vec::new();
                self.ws();
                if self.s.get(self.i) == Some(&b']') {
                    self.i += 1;
                    return Ok(Json::Arr(a));
                }
                loop {
                    a.push(self.value()?);
                    self.ws();
                    match self.s.get(self.i) {
                        Some(b',') => self.i += 1,
                        Some(b']') => {
                            self.i += 1;
                            return Ok(Json::Arr(a));
                        }
                        _ => return self.fail("expected ',' or ']'"),
                    }
                }
            }
            Some(b'"') => {
                self.i += 1;
                let mut out: Vec<u8> = Vec::new();
                loop {
                    let c = match self.s.get(self.i) {
                        None => return self.fail("unterminated string"),
                        Some(c) => *c,
                    };
                    self.i += 1;
                    match c {
                        b'"' => break,
                        b'\\' => {
                            let e = *self.s.get(self.i).ok_or("unterminated escape")?;
                            self.i += 1;
                            match e {
                                b'n' => out.push(b'\n'),
                                b't' => out.push(b'\t'),
                                b'r' => out.push(b'\r'),
                                b'b' => out.push(8),
                                b'f' => out.push(12),
                                b'u' => {
                                    let mut code = self.hex4()?;
                                    if (0xD800..0xDC00).contains(&code) && self.s.get(self.i) == Some(&b'\\') {
                                        self.i += 2;
                                        let low = self.hex4()?;
                                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
                                    }
                                    let ch = char::from_u32(code).unwrap_or('\u{fffd}');
                                    let mut buf = [0u8; 4];
                                    out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                                }
                                other => out.push(other),
                            }
                        }
                        other => out.push(other),
                    }
                }
                String::from_utf8(out).map(Json::Str).map_err(|e| e.to_string())
            }
            Some(b't') if self.s[self.i..].starts_with(b"true") => {
                self.i += 4;
                Ok(Json::Bool(true))
            }
            Some(b'f') if self.s[self.i..].starts_with(b"false") => {
                self.i += 5;
                Ok(Json::Bool(false))
            }
            Some(b'n') if self.s[self.i..].starts_with(b"null") => {
                self.i += 4;
                Ok(Json::Null)
            }
            Some(_) => {
                let start = self.i;
                while self.i < self.s.len() && b"+-.eE0123456789".contains(&self.s[self.i]) {
                    self.i += 1;
                }
                let text = std::str::from_utf8(&self.s[start..self.i]).unwrap_or("");
                match text.parse::<f64>() {
                    Ok(n) if !text.is_empty() => Ok(Json::Num(n)),
                    _ => self.fail("unexpected character"),
                }
            }
        }
    }
    fn hex4(&mut self) -> Result<u32, String> {
        let h = self.s.get(self.i..self.i + 4).ok_or("short \\u escape")?;
        self.i += 4;
        u32::from_str_radix(std::str::from_utf8(h).map_err(|e| e.to_string())?, 16).map_err(|e| e.to_string())
    }
}

fn parse_json(text: &str) -> Result<Json, String> {
    let mut p = Parser { s: text.as_bytes(), i: 0 };
    let v = p.value()?;
    p.ws();
    if p.i != p.s.len() {
        return p.fail("trailing characters");
    }
    Ok(v)
}

fn quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn opt(s: &Option<String>) -> String {
    s.as_deref().map(quote).unwrap_or_else(|| "null".into())
}

// ------------------------------------------------------------------------------------ model
struct Target {
    path: String,
    kind: String, // lib, proc-macro, bin, test, bench, example, custom-build
    name: String,
}

struct Manifest {
    relative_path: String,
    contents: String,
    targets: Vec<Target>,
}

struct Skeleton {
    manifests: Vec<Manifest>,
    config_file: Option<String>,
    lock_file: Option<String>,
    rust_toolchain_file: Option<(String, String)>, // ("Bare" | "Toml", contents)
}

fn die(msg: &str) -> ! {
    eprintln!("error: {msg}");
    exit(101)
}

fn cargo() -> String {
    env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

fn read_opt(path: &Path) -> Option<String> {
    fs::read_to_string(path).ok()
}

/// The TOML table a line opens (`[a.b]` -> "a.b", `[[bin]]` -> "bin"), if it is a header.
fn header(line: &str) -> Option<String> {
    let t = line.trim();
    if !t.starts_with('[') {
        return None;
    }
    let inner = t.trim_start_matches('[');
    let end = inner.find(']')?;
    Some(inner[..end].trim().replace(['"', ' '], ""))
}

fn mask_version_value(line: &str) -> String {
    // `version = "1.2.3"` (a string, not `version.workspace = true`) -> "0.0.1".
    let t = line.trim_start();
    if let Some(rest) = t.strip_prefix("version") {
        let rest = rest.trim_start();
        if let Some(val) = rest.strip_prefix('=') {
            if val.trim_start().starts_with('"') {
                let indent = &line[..line.len() - t.len()];
                return format!("{indent}version = \"0.0.1\"");
            }
        }
    }
    line.to_string()
}

/// Mask `version = "..."` inside an inline table that also has `path = ...` and names a
/// workspace member (by its key, or by `package = "..."` when renamed), as cargo-chef does.
fn mask_inline_path_dep(line: &str, local: &[String]) -> String {
    if !(line.contains("path") && line.contains('{') && line.contains("version")) {
        return line.to_string();
    }
    let key = line.split('=').next().unwrap_or("").trim().trim_matches('"').to_string();
    let renamed = line.split_once("package").and_then(|(_, r)| {
        let r = r.trim_start().strip_prefix('=')?.trim_start().strip_prefix('"')?;
        Some(r[..r.find('"')?].to_string())
    });
    if !local.contains(renamed.as_ref().unwrap_or(&key)) {
        return line.to_string();
    }
    let mut out = String::new();
    let mut rest = line;
    while let Some(pos) = rest.find("version") {
        let (before, after) = rest.split_at(pos);
        out.push_str(before);
        let prev = before.chars().last();
        let tail = after["version".len()..].trim_start();
        if matches!(prev, Some('{') | Some(',') | Some(' ')) && tail.starts_with('=') {
            let val = tail[1..].trim_start();
            if let Some(body) = val.strip_prefix('"') {
                if let Some(endq) = body.find('"') {
                    out.push_str("version = \"0.0.1\"");
                    rest = &body[endq + 1..];
                    continue;
                }
            }
        }
        out.push_str("version");
        rest = &after["version".len()..];
    }
    out.push_str(rest);
    out
}

/// cargo-chef's manifest edits, line by line: drop [lints] and [workspace.lints] (and a
/// top-level `lints...` key), mask [package] version and path dependencies' versions.
fn edit_manifest(text: &str, local: &[String]) -> String {
    let mut out = Vec::new();
    let mut table = String::new();
    let mut skipping = false;
    let mut in_dep_table_of_local = false;
    for line in text.lines() {
        if let Some(h) = header(line) {
            table = h.clone();
            skipping = h == "lints" || h.starts_with("lints.") || h == "workspace.lints" || h.starts_with("workspace.lints.");
            // `[dependencies.foo]` with foo local: its `version` key is masked too.
            in_dep_table_of_local = ["dependencies.", "dev-dependencies.", "build-dependencies."]
                .iter()
                .any(|p| h.strip_prefix(p).map(|n| local.iter().any(|l| l == n)).unwrap_or(false))
                || h.contains(".dependencies.")
                    && local.iter().any(|l| h.ends_with(&format!(".dependencies.{l}")));
            if skipping {
                continue;
            }
            out.push(line.to_string());
            continue;
        }
        if skipping {
            continue;
        }
        let t = line.trim_start();
        if table.is_empty() && (t.starts_with("lints.") || t.starts_with("lints ") || t.starts_with("lints=")) {
            continue;
        }
        if table == "package" || table == "workspace.package" || in_dep_table_of_local {
            out.push(mask_version_value(line));
        } else if table.ends_with("dependencies") {
            out.push(mask_inline_path_dep(line, local));
        } else {
            out.push(line.to_string());
        }
    }
    let mut s = out.join("\n");
    s.push('\n');
    s
}

/// The lock file with the local crates' versions masked (entries with no `source`).
fn edit_lock(text: &str, local: &[String]) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut block: Vec<String> = Vec::new();
    let flush = |block: &mut Vec<String>, out: &mut Vec<String>| {
        let name = block.iter().find_map(|l| {
            l.strip_prefix("name = \"").and_then(|r| r.strip_suffix('"')).map(str::to_string)
        });
        let has_source = block.iter().any(|l| l.starts_with("source = "));
        let is_local = name.map(|n| local.contains(&n)).unwrap_or(false) && !has_source;
        for l in block.drain(..) {
            if is_local && l.starts_with("version = \"") {
                out.push("version = \"0.0.1\"".into());
            } else {
                out.push(l);
            }
        }
    };
    for line in text.lines() {
        if line.trim() == "[[package]]" {
            flush(&mut block, &mut out);
        }
        block.push(line.to_string());
    }
    flush(&mut block, &mut out);
    let mut s = out.join("\n");
    s.push('\n');
    s
}

fn relative(path: &Path, base: &Path) -> String {
    path.strip_prefix(base)
        .unwrap_or(path)
        .to_string_lossy()
        .into_owned()
}

fn prepare(recipe_path: &str) {
    let base = env::current_dir().unwrap_or_else(|e| die(&e.to_string()));
    let out = Command::new(cargo())
        .args(["metadata", "--no-deps", "--format-version", "1"])
        .output()
        .unwrap_or_else(|e| die(&format!("cannot run cargo metadata: {e}")));
    if !out.status.success() {
        eprint!("{}", String::from_utf8_lossy(&out.stderr));
        die("`cargo metadata` failed: cannot compute the recipe");
    }
    let meta = parse_json(&String::from_utf8_lossy(&out.stdout)).unwrap_or_else(|e| die(&e));
    let root = PathBuf::from(meta.get("workspace_root").str().unwrap_or("."));
    let members: Vec<&Json> = meta.get("packages").arr().iter().collect();
    let local: Vec<String> = members.iter().filter_map(|p| p.get("name").str().map(String::from)).collect();
    let mut manifests = Vec::new();
    let mut root_is_package = false;
    for pkg in &members {
        let mpath = PathBuf::from(pkg.get("manifest_path").str().unwrap_or(""));
        if mpath == root.join("Cargo.toml") {
            root_is_package = true;
        }
        let dir = mpath.parent().unwrap_or(&root).to_path_buf();
        let mut targets = Vec::new();
        for t in pkg.get("targets").arr() {
            let kinds: Vec<&str> = t.get("kind").arr().iter().filter_map(|k| k.str()).collect();
            let kind = if kinds.contains(&"proc-macro") {
                "proc-macro"
            } else if kinds.iter().any(|k| ["lib", "rlib", "dylib", "cdylib", "staticlib"].contains(k)) {
                "lib"
            } else {
                kinds.first().copied().unwrap_or("lib")
            };
            targets.push(Target {
                path: relative(Path::new(t.get("src_path").str().unwrap_or("")), &dir),
                kind: kind.to_string(),
                name: t.get("name").str().unwrap_or("").to_string(),
            });
        }
        targets.sort_by(|a, b| (&a.path, &a.kind, &a.name).cmp(&(&b.path, &b.kind, &b.name)));
        let text = fs::read_to_string(&mpath).unwrap_or_else(|e| die(&format!("{}: {e}", mpath.display())));
        manifests.push(Manifest {
            relative_path: relative(&mpath, &base),
            contents: edit_manifest(&text, &local),
            targets,
        });
    }
    if !root_is_package {
        let mpath = base.join("Cargo.toml");
        let text = fs::read_to_string(&mpath).unwrap_or_else(|e| die(&format!("{}: {e}", mpath.display())));
        manifests.push(Manifest { relative_path: "Cargo.toml".into(), contents: edit_manifest(&text, &local), targets: vec![] });
    }
    manifests.sort_by(|a, b| a.relative_path.cmp(&b.relative_path));
    let config_file = read_opt(&base.join(".cargo/config")).or_else(|| read_opt(&base.join(".cargo/config.toml")));
    let lock_file = read_opt(&base.join("Cargo.lock")).map(|l| edit_lock(&l, &local));
    let rust_toolchain_file = read_opt(&base.join("rust-toolchain"))
        .map(|c| ("Bare".to_string(), c))
        .or_else(|| read_opt(&base.join("rust-toolchain.toml")).map(|c| ("Toml".to_string(), c)));
    let skeleton = Skeleton { manifests, config_file, lock_file, rust_toolchain_file };
    let json = recipe_json(&skeleton);
    fs::write(recipe_path, json).unwrap_or_else(|e| die(&format!("{recipe_path}: {e}")));
}

fn recipe_json(s: &Skeleton) -> String {
    let manifests: Vec<String> = s
        .manifests
        .iter()
        .map(|m| {
            let targets: Vec<String> = m
                .targets
                .iter()
                .map(|t| format!("{{\"path\":{},\"kind\":{},\"name\":{}}}", quote(&t.path), quote(&t.kind), quote(&t.name)))
                .collect();
            format!(
                "{{\"relative_path\":{},\"contents\":{},\"targets\":[{}]}}",
                quote(&m.relative_path),
                quote(&m.contents),
                targets.join(",")
            )
        })
        .collect();
    let toolchain = match &s.rust_toolchain_file {
        Some((k, c)) => format!("[{},{}]", quote(k), quote(c)),
        None => "null".into(),
    };
    format!(
        "{{\"skeleton\":{{\"manifests\":[{}],\"config_file\":{},\"lock_file\":{},\"rust_toolchain_file\":{}}}}}\n",
        manifests.join(","),
        opt(&s.config_file),
        opt(&s.lock_file),
        toolchain
    )
}

fn read_recipe(path: &str) -> Skeleton {
    let text = fs::read_to_string(path).unwrap_or_else(|e| die(&format!("cannot read the recipe {path}: {e}")));
    let j = parse_json(&text).unwrap_or_else(|e| die(&format!("{path}: {e}")));
    let sk = j.get("skeleton");
    let manifests = sk
        .get("manifests")
        .arr()
        .iter()
        .map(|m| Manifest {
            relative_path: m.get("relative_path").str().unwrap_or("").into(),
            contents: m.get("contents").str().unwrap_or("").into(),
            targets: m
                .get("targets")
                .arr()
                .iter()
                .map(|t| Target {
                    path: t.get("path").str().unwrap_or("").into(),
                    kind: t.get("kind").str().unwrap_or("").into(),
                    name: t.get("name").str().unwrap_or("").into(),
                })
                .collect(),
        })
        .collect();
    let toolchain = match sk.get("rust_toolchain_file") {
        Json::Arr(a) if a.len() == 2 => Some((a[0].str().unwrap_or("").into(), a[1].str().unwrap_or("").into())),
        _ => None,
    };
    Skeleton {
        manifests,
        config_file: sk.get("config_file").str().map(String::from),
        lock_file: sk.get("lock_file").str().map(String::from),
        rust_toolchain_file: toolchain,
    }
}

/// `harness = false` declared for the [[test]]/[[bench]] named `name`?
fn harness_off(contents: &str, table: &str, name: &str) -> bool {
    let mut in_t = false;
    let mut cur_name = String::new();
    let mut off = false;
    for line in contents.lines().chain(std::iter::once("[end]")) {
        if let Some(h) = header(line) {
            if in_t && cur_name == name && off {
                return true;
            }
            in_t = line.trim().starts_with("[[") && h == table;
            cur_name.clear();
            off = false;
            continue;
        }
        if in_t {
            let t = line.trim().replace(' ', "");
            if let Some(v) = t.strip_prefix("name=") {
                cur_name = v.trim_matches('"').to_string();
            }
            if t == "harness=false" {
                off = true;
            }
        }
    }
    false
}

fn write(path: &Path, text: &str) {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).unwrap_or_else(|e| die(&format!("{}: {e}", dir.display())));
    }
    fs::write(path, text).unwrap_or_else(|e| die(&format!("{}: {e}", path.display())));
}

fn build_minimum_project(sk: &Skeleton, base: &Path, no_std: bool) {
    const NO_STD_MAIN: &str = "#![no_std]\n#![no_main]\n\n#[panic_handler]\nfn panic(_: &core::panic::PanicInfo) -> ! {\n    loop {}\n}\n";
    if let Some(lock) = &sk.lock_file {
        write(&base.join("Cargo.lock"), lock);
    }
    if let Some((kind, text)) = &sk.rust_toolchain_file {
        write(&base.join(if kind == "Bare" { "rust-toolchain" } else { "rust-toolchain.toml" }), text);
    }
    if let Some(cfg) = &sk.config_file {
        write(&base.join(".cargo/config.toml"), cfg);
    }
    for m in &sk.manifests {
        let mpath = base.join(&m.relative_path);
        write(&mpath, &m.contents);
        let dir = mpath.parent().unwrap_or(base).to_path_buf();
        for t in &m.targets {
            let text = match t.kind.as_str() {
                "custom-build" => "fn main() {}",
                "bin" | "example" => {
                    if no_std {
                        NO_STD_MAIN
                    } else {
                        "fn main() {}"
                    }
                }
                "lib" if no_std => "#![no_std]",
                "lib" | "proc-macro" => "",
                "test" | "bench" => {
                    let off = harness_off(&m.contents, t.kind.as_str(), &t.name);
                    if off { "fn main() {}" } else { "" }
                }
                _ => "",
            };
            write(&dir.join(&t.path), text);
        }
    }
}

fn remove_matching(dir: &Path, pred: &dyn Fn(&str, &Path) -> bool) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        let name = e.file_name().to_string_lossy().into_owned();
        let ft = match e.file_type() {
            Ok(ft) => ft,
            Err(_) => continue,
        };
        if pred(&name, &p) {
            if ft.is_dir() {
                let _ = fs::remove_dir_all(&p);
            } else {
                let _ = fs::remove_file(&p);
            }
        } else if ft.is_dir() {
            remove_matching(&p, pred);
        }
    }
}

fn remove_compiled_dummies(sk: &Skeleton, base: &Path, profile_dir: &str, targets: &[String], target_dir: Option<&str>) {
    let tdir = target_dir.map(PathBuf::from).unwrap_or_else(|| base.join("target"));
    let dirs: Vec<PathBuf> = if targets.is_empty() {
        vec![tdir.join(profile_dir)]
    } else {
        targets.iter().map(|t| tdir.join(t.trim_end_matches(".json")).join(profile_dir)).collect()
    };
    for m in &sk.manifests {
        let pkg_name = package_name(&m.contents);
        let Some(pkg_name) = pkg_name else { continue };
        for d in &dirs {
            for t in &m.targets {
                if t.kind == "lib" || t.kind == "proc-macro" {
                    let lib = t.name.replace('-', "_");
                    let (a, b) = (format!("lib{lib}."), format!("lib{lib}-"));
                    remove_matching(d, &|n: &str, _| n.starts_with(&a) || n.starts_with(&b));
                }
                if t.kind == "custom-build" {
                    let prefix = format!("{pkg_name}-");
                    let build = d.join("build");
                    let Ok(entries) = fs::read_dir(&build) else { continue };
                    for e in entries.flatten() {
                        if e.file_name().to_string_lossy().starts_with(&prefix) {
                            remove_matching(&e.path(), &|n: &str, p: &Path| {
                                p.is_file() && (n.starts_with("build-script-build") || n.starts_with("build_script_build"))
                            });
                        }
                    }
                }
            }
        }
    }
}

fn package_name(contents: &str) -> Option<String> {
    let mut in_pkg = false;
    for line in contents.lines() {
        if let Some(h) = header(line) {
            in_pkg = h == "package";
            continue;
        }
        if in_pkg {
            let t = line.trim().replace(' ', "");
            if let Some(v) = t.strip_prefix("name=") {
                return Some(v.trim_matches('"').to_string());
            }
        }
    }
    None
}

fn cook(args: &[String]) {
    let mut recipe = "recipe.json".to_string();
    let mut cmd = "build";
    let mut pass: Vec<String> = Vec::new();
    let mut profile_dir = "debug".to_string();
    let mut targets: Vec<String> = Vec::new();
    let mut target_dir: Option<String> = env::var("CARGO_TARGET_DIR").ok();
    let (mut no_std, mut no_build) = (false, false);
    let mut i = 0;
    let value = |i: &mut usize, flag: &str| -> String {
        *i += 1;
        args.get(*i).cloned().unwrap_or_else(|| die(&format!("{flag} needs a value")))
    };
    while i < args.len() {
        let a = args[i].as_str();
        let (flag, inline) = match a.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v.to_string())),
            _ => (a, None),
        };
        let mut val = |i: &mut usize| inline.clone().unwrap_or_else(|| value(i, flag));
        match flag {
            "--recipe-path" => recipe = val(&mut i),
            "--release" => {
                profile_dir = "release".into();
                pass.push("--release".into())
            }
            "--profile" => {
                let p = val(&mut i);
                profile_dir = match p.as_str() {
                    "release" | "bench" => "release".into(),
                    "dev" | "test" => "debug".into(),
                    other => other.into(),
                };
                pass.extend(["--profile".into(), p]);
            }
            "--check" => cmd = "check",
            "--clippy" => cmd = "clippy",
            "--zigbuild" => die("rsdock lab cargo-chef stand-in: --zigbuild is not supported (no cargo-zigbuild here)"),
            "--no-std" => no_std = true,
            "--no-build" => no_build = true,
            "--target" => {
                let t = val(&mut i);
                targets.push(t.clone());
                pass.extend(["--target".into(), t]);
            }
            "--target-dir" => {
                let t = val(&mut i);
                target_dir = Some(t.clone());
                pass.extend(["--target-dir".into(), t]);
            }
            "--features" | "-F" => {
                let f = val(&mut i).split(|c| c == ',' || c == ' ').filter(|s| !s.is_empty()).collect::<Vec<_>>().join(",");
                pass.extend(["--features".into(), f]);
            }
            "--manifest-path" | "-p" | "--package" | "--bin" | "-j" | "--jobs" | "-Z" => {
                let v = val(&mut i);
                let f = match flag {
                    "-p" => "--package",
                    "-j" => "--jobs",
                    f => f,
                };
                pass.extend([f.to_string(), v]);
            }
            "--no-default-features" | "--all-features" | "--benches" | "--tests" | "--examples" | "--all-targets"
            | "--workspace" | "--offline" | "--locked" | "--frozen" | "--timings" | "--bins" => pass.push(flag.into()),
            "-v" | "--verbose" => pass.push("--verbose".into()),
            other => die(&format!("rsdock lab cargo-chef stand-in: unknown cook argument '{other}'")),
        }
        i += 1;
    }
    let sk = read_recipe(&recipe);
    let base = env::current_dir().unwrap_or_else(|e| die(&e.to_string()));
    build_minimum_project(&sk, &base, no_std);
    if no_build {
        return;
    }
    let mut c = Command::new(cargo());
    c.arg(cmd).args(&pass);
    eprintln!("cargo-chef (rsdock lab stand-in): cargo {cmd} {}", pass.join(" "));
    let status = c.status().unwrap_or_else(|e| die(&format!("cannot run cargo: {e}")));
    if !status.success() {
        die(&format!("Exited with status code: {}", status.code().unwrap_or(-1)));
    }
    remove_compiled_dummies(&sk, &base, &profile_dir, &targets, target_dir.as_deref());
}

fn main() {
    let mut args: Vec<String> = env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("chef") {
        args.remove(0);
    }
    let sub = args.first().cloned().unwrap_or_default();
    let rest = if args.is_empty() { vec![] } else { args[1..].to_vec() };
    match sub.as_str() {
        "prepare" => {
            let mut recipe = "recipe.json".to_string();
            let mut i = 0;
            while i < rest.len() {
                match rest[i].as_str() {
                    "--recipe-path" => {
                        i += 1;
                        recipe = rest.get(i).cloned().unwrap_or_else(|| die("--recipe-path needs a value"));
                    }
                    a if a.starts_with("--recipe-path=") => recipe = a["--recipe-path=".len()..].to_string(),
                    "--bin" => i += 1, // see the header: the whole workspace is kept
                    a if a.starts_with("--bin=") => {}
                    other => die(&format!("rsdock lab cargo-chef stand-in: unknown prepare argument '{other}'")),
                }
                i += 1;
            }
            prepare(&recipe);
        }
        "cook" => cook(&rest),
        "--version" | "-V" => println!("cargo-chef 0.1.77 (rsdock lab stand-in)"),
        _ => die(&format!("rsdock lab cargo-chef stand-in: unsupported command '{sub}' (prepare, cook)")),
    }
}
