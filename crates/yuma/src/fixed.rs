//! The bit-exact path: the epoch on substrate-fixed `I32F32`, as the runtime computes it.
//!
//! Outputs stored on chain (`u16` proportions, rao emission, `u16` bonds) equal the chain's
//! when the input equals the chain state the runtime read.

use substrate_fixed::types::I32F32;

use crate::epoch::{self, Intermediates};
use crate::{EpochInput, EpochOutput};

/// Runs one epoch in fixed point.
pub fn epoch(input: &EpochInput) -> EpochOutput {
    epoch::run::<I32F32>(input).0
}

/// Runs one epoch and also returns the unstored intermediates.
pub fn epoch_with_intermediates(input: &EpochInput) -> (EpochOutput, Intermediates<I32F32>) {
    epoch::run::<I32F32>(input)
}

/// Runs `n` epochs, carrying bonds and permits; returns the last output.
pub fn epochs(input: &EpochInput, n: u32) -> EpochOutput {
    crate::run_epochs::<I32F32>(input, n)
}
