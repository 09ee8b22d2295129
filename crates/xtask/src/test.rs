//! `cargo xtask test [unit|e2e|all]` and `cargo xtask check`.
//!
//! `unit` runs every crate's Rust tests natively (the GPU engine on lavapipe, so a missing Vulkan
//! adapter fails instead of skipping). `e2e` builds the command line, the static dashboard and
//! two release folders (`dist`) and drives headless Chromium against them with node's test
//! runner. `all` (the default, and what CI runs) does both after installing whatever is missing.

use std::process::Command;

use crate::Result;
use crate::run::{cargo, output, status};
use crate::setup;

/// `cargo xtask test`.
pub fn run(args: &[String]) -> Result {
    let which = args.first().map(String::as_str).unwrap_or("all");
    match which {
        "unit" => {
            setup::system_packages()?;
            unit()
        }
        "e2e" => {
            setup::run(&[])?;
            e2e()
        }
        "all" => {
            setup::run(&[])?;
            unit()?;
            e2e()
        }
        other => Err(format!(
            "test: unknown layer {other:?}; expected unit, e2e or all"
        )),
    }
}

fn unit() -> Result {
    status(cargo().args(["test", "--workspace"]))
}

/// Where cargo puts build outputs (honours CARGO_TARGET_DIR and config).
pub fn target_dir() -> String {
    if let Ok(dir) = std::env::var("CARGO_TARGET_DIR") {
        return dir;
    }
    let meta = output(
        &std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()),
        &["metadata", "--format-version", "1", "--no-deps"],
    )
    .unwrap_or_default();
    meta.split("\"target_directory\":\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .map(str::to_owned)
        .unwrap_or_else(|| "target".into())
}

fn e2e() -> Result {
    status(cargo().args(["build", "-p", "taoscope-cli"]))?;
    setup::build_web()?;
    let target = target_dir();
    // Two release folders of this commit: the release test serves one and compares the two.
    let releases = [format!("{target}/release-a"), format!("{target}/release-b")];
    for out in &releases {
        crate::dist::run(&["--out".into(), out.clone()])?;
    }
    status(
        Command::new("node")
            .args(["--test", "--test-concurrency=1", "tests/e2e/"])
            .env("TAOSCOPE_BIN", format!("{target}/debug/taoscope"))
            .env("TAOSCOPE_RELEASE", &releases[0])
            .env("TAOSCOPE_RELEASE_B", &releases[1])
            .env("PATH", setup::path_with_npm_bin()),
    )
}

/// `cargo xtask check`: formatting, lints (native and wasm32), module headers.
pub fn check() -> Result {
    status(cargo().args(["fmt", "--all", "--", "--check"]))?;
    status(cargo().args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))?;
    status(cargo().args([
        "clippy",
        "-p",
        "taoscope-web",
        "--target",
        "wasm32-unknown-unknown",
        "--",
        "-D",
        "warnings",
    ]))?;
    crate::tidy::run()
}
