//! What one epoch writes back, in the units the chain stores, plus float views for display.
//!
//! The stored form (`u16` proportions, rao, sparse `u16` bonds) is what a replay compares with
//! chain state bit for bit; the `f64` views are what the dashboard draws.

use crate::input::SparseRow;

/// One epoch's results for every uid of the subnet.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct EpochOutput {
    /// `Active`: set weights within the activity cutoff.
    pub active: Vec<bool>,
    /// `ValidatorPermit` after this epoch.
    pub validator_permits: Vec<bool>,
    /// `StakeWeight`: normalised stake as a u16 proportion.
    pub stake_weight_u16: Vec<u16>,
    /// `Consensus` as stored.
    pub consensus_u16: Vec<u16>,
    /// `Incentive` as stored.
    pub incentive_u16: Vec<u16>,
    /// `Dividends` as stored.
    pub dividends_u16: Vec<u16>,
    /// `ValidatorTrust` as stored.
    pub validator_trust_u16: Vec<u16>,
    /// `Bonds` rows as stored: the new bonds of permitted validators, empty rows for the rest.
    pub bonds: Vec<SparseRow>,
    /// Miner part of each uid's emission (rao): incentive share.
    pub server_emission: Vec<u64>,
    /// Validator part of each uid's emission (rao): dividend share.
    pub validator_emission: Vec<u64>,
    /// `Emission`: combined, as the chain records it.
    pub emission: Vec<u64>,
    /// Each uid's total stake weight (alpha plus weighted TAO), rounded down to rao.
    pub stake_rao: Vec<u64>,
    /// Float views of the unrounded proportions, for display.
    pub floats: FloatViews,
}

/// Unrounded proportions as `f64` (exact for the fixed path).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct FloatViews {
    /// Normalised stake weight.
    pub stake: Vec<f64>,
    /// Consensus (stake-weighted median weight) per uid.
    pub consensus: Vec<f64>,
    /// Incentive per uid (sums to 1 or 0).
    pub incentive: Vec<f64>,
    /// Dividends per uid (sums to 1 or 0).
    pub dividends: Vec<f64>,
    /// Validator trust per uid.
    pub validator_trust: Vec<f64>,
}

impl EpochOutput {
    /// Uids ordered by incentive, highest first; ties keep uid order.
    pub fn ranking(&self) -> Vec<u16> {
        ranking_by(&self.floats.incentive)
    }
}

/// Indices ordered by value, highest first, ties by index.
pub fn ranking_by(values: &[f64]) -> Vec<u16> {
    let mut uids: Vec<u16> = (0..values.len()).map(|i| i as u16).collect();
    uids.sort_by(|&a, &b| {
        values[usize::from(b)]
            .partial_cmp(&values[usize::from(a)])
            .unwrap_or(core::cmp::Ordering::Equal)
            .then(a.cmp(&b))
    });
    uids
}
