//! Prints the greeting compiled in from docs/api/greeting.txt and exits 0.
/// What the lab test reads back: program, version, CPU architecture and the uid it runs as.
pub fn ident(name: &str, extra: &str) -> String {
    let uid = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("Uid:")).map(|l| l[4..].trim().split_whitespace().next().unwrap_or("?").to_string()))
        .unwrap_or_else(|| "?".to_string());
    format!("{name} {} arch={} uid={uid} {extra}", env!("CARGO_PKG_VERSION"), std::env::consts::ARCH)
}

const GREETING: &str = include_str!("../docs/api/greeting.txt");

fn main() {
    println!("{}", ident("labdocs", &format!("docs={}", GREETING.trim())));
}
