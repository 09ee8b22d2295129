//! `cargo xtask bench`: every benchmark, each printing its figures as ratios measured side by
//! side in one run (absolute times on these shared machines are noise; ratios travel).

use crate::Result;
use crate::run::{cargo, status};

/// `cargo xtask bench`.
pub fn run(_args: &[String]) -> Result {
    crate::setup::system_packages()?;
    status(cargo().args(["bench", "-p", "yuma", "--bench", "epoch"]))?;
    status(cargo().args(["bench", "-p", "yuma-gpu", "--bench", "compare"]))
}
