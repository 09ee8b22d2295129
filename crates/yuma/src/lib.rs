//! Yuma consensus, the rule by which a Bittensor subnet turns validators' weights into pay.
//!
//! A subnet (`netuid`) has up to 256 uids. Each uid is a hotkey with stake; the best-staked hold
//! validator permits and set *weights*: how useful they judge each miner. Every `tempo` blocks the
//! chain runs an *epoch*: it takes the stake-weighted median of the weights each miner received
//! (with majority `kappa`) as that miner's *consensus*, clips every weight above consensus so a
//! lone validator cannot inflate a miner, pays miners *incentive* in proportion to clipped,
//! stake-weighted support, and pays validators *dividends* through *bonds*, an exponential moving
//! average of their past support for miners that went on to earn. The subnet's emission is then
//! split between incentive and dividends.
//!
//! This crate computes one epoch as a pure function of the chain state it reads
//! ([`EpochInput`]), with no I/O, in two number types:
//! - [`fixed`] uses the chain's own fixed-point types (substrate-fixed `I32F32`, `I64F64`,
//!   `I96F32`) with the same saturations and truncations, so its stored outputs equal the chain's
//!   bit for bit;
//! - [`float`] runs the same algorithm in `f32`: the reference the GPU kernels must match.
//!
//! Both are one generic algorithm ([`epoch::run`]) over [`Scalar`], mirroring subtensor's
//! `epoch_mechanism`. The [`case`] module reads and writes the JSON case format shared by the
//! `taoscope yuma` command, the web lab and the tests.
#![deny(missing_docs, rustdoc::broken_intra_doc_links)]
#![cfg_attr(test, allow(clippy::unwrap_used))]

#[cfg(feature = "serde")]
pub mod case;
pub mod epoch;
pub mod fixed;
pub mod float;
mod input;
mod output;
pub mod scalar;
pub mod synthetic;

pub use input::{
    ConsensusMode, EpochInput, EpochInputError, EpochInputParts, EpochParams, LiquidAlpha, Rules,
    SparseRow, YumaVersion,
};
pub use output::{EpochOutput, FloatViews, ranking_by};
pub use scalar::Scalar;

/// Which number type runs the epoch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Engine {
    /// Bit-exact fixed point, as on chain.
    #[default]
    Fixed,
    /// `f32`, the GPU reference path.
    F32,
}

impl Engine {
    /// Runs `epochs` epochs (at least one), carrying bonds and permits between them, and
    /// returns the last epoch's output.
    pub fn run(self, input: &EpochInput, epochs: u32) -> EpochOutput {
        match self {
            Engine::Fixed => fixed::epochs(input, epochs),
            Engine::F32 => float::epochs(input, epochs),
        }
    }

    /// The name used on the command line and in the page.
    pub fn name(self) -> &'static str {
        match self {
            Engine::Fixed => "fixed",
            Engine::F32 => "f32",
        }
    }
}

/// Runs `epochs` epochs in number type `S`, carrying state between them.
pub(crate) fn run_epochs<S: Scalar>(input: &EpochInput, epochs: u32) -> EpochOutput {
    let mut state = input.clone();
    let mut out = epoch::run::<S>(&state).0;
    for _ in 1..epochs {
        state.carry(&out);
        out = epoch::run::<S>(&state).0;
    }
    out
}
