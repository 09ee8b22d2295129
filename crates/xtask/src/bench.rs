//! `cargo xtask bench`: every benchmark, each printing its figures as ratios measured side by
//! side in one run (absolute times on these shared machines are noise; ratios travel).
//!
//! 1. CPU epoch, fixed vs f32 (`crates/yuma/benches/epoch.rs`);
//! 2. GPU vs CPU for one epoch, 128 subnets, a 1,000-point kappa sweep and 100 carried epochs
//!    (`crates/yuma-gpu/benches/compare.rs`, on whatever adapter wgpu finds: lavapipe in CI);
//! 3. the same engines inside the page, in headless Chromium with WebGPU
//!    (`tests/bench/browser-bench.mjs`);
//! 4. block production and verification on the devnet (`crates/devnode/benches/blocks.rs`).

use std::process::Command;

use crate::Result;
use crate::run::{cargo, status};
use crate::setup;

/// `cargo xtask bench`.
pub fn run(_args: &[String]) -> Result {
    setup::run(&[])?;
    status(cargo().args(["bench", "-p", "yuma", "--bench", "epoch"]))?;
    status(cargo().args(["bench", "-p", "yuma-gpu", "--bench", "compare"]))?;
    setup::build_web()?;
    status(
        Command::new("node")
            .args(["tests/bench/browser-bench.mjs", "1000"])
            .env("PATH", setup::path_with_npm_bin()),
    )?;
    status(cargo().args(["bench", "-p", "devnode", "--bench", "blocks"]))
}
