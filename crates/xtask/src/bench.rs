//! `cargo xtask bench [light|dash]`: every benchmark, each printing its figures as ratios measured side
//! by side in one run (absolute times on these shared machines are noise; ratios travel).
//!
//! 1. CPU epoch, fixed vs f32 (`crates/yuma/benches/epoch.rs`);
//! 2. GPU vs CPU for one epoch, 128 subnets, a 1,000-point kappa sweep and 100 carried epochs
//!    (`crates/yuma-gpu/benches/compare.rs`, on whatever adapter wgpu finds: lavapipe in CI);
//! 3. the same engines inside the page, in headless Chromium with WebGPU
//!    (`tests/bench/browser-bench.mjs`);
//! 4. block production and verification on the devnet (`crates/devnode/benches/blocks.rs`);
//! 5. the `/chain` page against a release devnode: navigation to the first finalized header and
//!    to the first verified TotalNetworks value over fresh page loads, against the 3 s target,
//!    and the light client's share of the download (`tests/bench/light-bench.mjs`).
//!    `cargo xtask bench light` runs this one alone (`--no-build`: with dist/ as it is);
//! 6. the dashboard on a full 256-uid subnet: subnets table, metagraph and replay verdict over
//!    fresh page loads through the light client and from a snapshot, and re-sorting the metagraph,
//!    against the 3 s page and 100 ms interaction targets (`tests/bench/dash-bench.mjs`).
//!    `cargo xtask bench dash` runs this one alone.

use std::process::Command;

use crate::Result;
use crate::run::{cargo, status};
use crate::serve::release_cli;
use crate::setup;

/// Fresh page loads in the light-client benchmark: enough for a median and a max that mean
/// something, few enough to stay under a minute.
const LIGHT_LOADS: &str = "5";

/// Fresh page loads per source in the dashboard benchmark.
const DASH_LOADS: &str = "3";

/// `cargo xtask bench [light|dash [--no-build]]`.
pub fn run(args: &[String]) -> Result {
    match args.first().map(String::as_str) {
        None => {
            setup::run(&[])?;
            status(cargo().args(["bench", "-p", "yuma", "--bench", "epoch"]))?;
            status(cargo().args(["bench", "-p", "yuma-gpu", "--bench", "compare"]))?;
            setup::build_web()?;
            status(
                Command::new("node")
                    .args(["tests/bench/browser-bench.mjs", "1000"])
                    .env("PATH", setup::path_with_npm_bin()),
            )?;
            status(cargo().args(["bench", "-p", "devnode", "--bench", "blocks"]))?;
            page("light-bench.mjs", LIGHT_LOADS)?;
            page("dash-bench.mjs", DASH_LOADS)
        }
        Some(section @ ("light" | "dash")) => {
            setup::run(&[])?;
            match args.get(1).map(String::as_str) {
                None => setup::build_web()?,
                Some("--no-build") => {}
                Some(other) => return Err(format!("bench {section}: unknown argument {other:?}")),
            }
            match section {
                "light" => page("light-bench.mjs", LIGHT_LOADS),
                _ => page("dash-bench.mjs", DASH_LOADS),
            }
        }
        Some(other) => Err(format!(
            "bench: unknown section {other:?} (known: light, dash)"
        )),
    }
}

/// One of the page benchmarks against a release devnode; dist/ must be built.
fn page(script: &str, loads: &str) -> Result {
    let bin = release_cli()?;
    status(
        Command::new("node")
            .args([&format!("tests/bench/{script}"), loads])
            .env("PATH", setup::path_with_npm_bin())
            .env("TAOSCOPE_BIN", bin),
    )
}
