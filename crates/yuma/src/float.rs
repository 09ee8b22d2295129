//! The `f32` path: the same epoch in IEEE single precision, the reference for the GPU kernels.
//!
//! It agrees with [`crate::fixed`] to 1e-5 on proportions except where a stake-weighted median
//! sits exactly on the kappa boundary (there, rounding can pick the neighbouring weight).

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
