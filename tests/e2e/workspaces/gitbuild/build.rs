//! Embeds the commit, as vergen-style build scripts do: runs `git rev-parse`, and fails the
//! build when it cannot (no git, or no .git in the build context).
use std::process::Command;

fn main() {
    let out = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .output()
        .expect("the build script runs git, which is not installed");
    assert!(out.status.success(), "git rev-parse failed: {}", String::from_utf8_lossy(&out.stderr));
    let commit = String::from_utf8(out.stdout).unwrap();
    println!("cargo:rustc-env=LAB_GIT_COMMIT={}", commit.trim());
    println!("cargo:rerun-if-changed=.git/HEAD");
}
