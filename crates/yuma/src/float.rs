//! The `f32` path: the same epoch in IEEE single precision, the reference for the GPU kernels.
//!
//! It agrees with [`crate::fixed`] to 1e-5 on proportions (measured: under 4e-7 on realistic
//! subnets) with three documented exceptions: a stake-weighted median sitting exactly on the
//! kappa boundary (rounding can pick the neighbouring weight); Yuma1 bonds of miners backed by
//! almost no stake, where the chain truncates each `W∘S` product to 2^-32 before column
//! normalisation magnifies it (up to ~6e-5; of order one below 2^-32 of total stake); and Yuma3
//! dividends when the incentive sits on miners bonded only by validators with tiny active stake
//! (the same truncation, of `per_validator ∘ active_stake`). Stake weights themselves are put on
//! the chain's I32F32 grid before this path runs, so small validators' truncated shares match.

use crate::epoch::{self, Intermediates};
use crate::{EpochInput, EpochOutput};

/// Runs one epoch in `f32`.
pub fn epoch(input: &EpochInput) -> EpochOutput {
    epoch::run::<f32>(input).0
}

/// Runs one epoch and also returns the unstored intermediates.
pub fn epoch_with_intermediates(input: &EpochInput) -> (EpochOutput, Intermediates<f32>) {
    epoch::run::<f32>(input)
}

/// Runs `n` epochs, carrying bonds and permits; returns the last output.
pub fn epochs(input: &EpochInput, n: u32) -> EpochOutput {
    crate::run_epochs::<f32>(input, n)
}
