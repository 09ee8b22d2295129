//! What registering a subnet costs, now and as the cost decays.
//!
//! Registering a subnet locks TAO. After each registration the lock doubles; then it falls in a
//! straight line back toward the minimum over the reduction interval (14 days of blocks at the
//! start, halved with each halving of the block reward). subtensor computes it in integer rao
//! (`get_network_lock_cost`):
//!
//! ```text
//! cost(b) = max(min_lock, last_lock × mult − (last_lock / interval) × (b − last_registered))
//! mult    = 1 if nothing was ever registered (last_registered = 0), else 2
//! interval = NetworkLockReductionInterval × (block reward / 1 TAO)
//! ```
//!
//! [`LockCost::at`] is that formula, for the current block and for the decay plot; tests check
//! it against the runtime's own `SubnetRegistrationRuntimeApi` on the devnet.

use serde::{Deserialize, Serialize};

/// The stored inputs of the lock cost.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockCost {
    /// `NetworkLastLockCost` (rao).
    pub last_lock: u64,
    /// `NetworkMinLockCost` (rao).
    pub min_lock: u64,
    /// `NetworkLastRegistered` (block; 0 before the first registration).
    pub last_registered: u64,
    /// The reduction interval in blocks, already scaled by the block reward.
    pub interval: u64,
}

impl LockCost {
    /// Builds from storage: `reduction_interval` is `NetworkLockReductionInterval` as stored,
    /// scaled here by `block_emission / 1e9` in the runtime's `I64F64` arithmetic (truncated).
    pub fn new(
        last_lock: u64,
        min_lock: u64,
        last_registered: u64,
        reduction_interval: u64,
        block_emission: u64,
    ) -> Self {
        // interval × (emission / 1e9) in I64F64: the quotient keeps 64 fractional bits, then
        // the product truncates to an integer.
        let frac = (u128::from(block_emission) << 64) / 1_000_000_000;
        let scaled = (u128::from(reduction_interval) * frac) >> 64;
        LockCost {
            last_lock,
            min_lock,
            last_registered,
            interval: u64::try_from(scaled).unwrap_or(u64::MAX),
        }
    }

    /// The lock (rao) a registration in block `block` pays.
    pub fn at(&self, block: u64) -> u64 {
        let mult = if self.last_registered == 0 { 1 } else { 2 };
        // safe_div: zero when the interval is zero.
        let per_block = self.last_lock.checked_div(self.interval).unwrap_or(0);
        let cost = self
            .last_lock
            .saturating_mul(mult)
            .saturating_sub(per_block.saturating_mul(block.saturating_sub(self.last_registered)));
        cost.max(self.min_lock)
    }

    /// The first block at or after `from` where the cost has decayed to the minimum, if it
    /// ever does.
    pub fn floor_block(&self, from: u64) -> Option<u64> {
        if self.at(from) <= self.min_lock {
            return Some(from);
        }
        let per_block = self
            .last_lock
            .checked_div(self.interval)
            .filter(|p| *p > 0)?;
        let mult = if self.last_registered == 0 { 1 } else { 2 };
        let excess = self
            .last_lock
            .saturating_mul(mult)
            .saturating_sub(self.min_lock);
        Some(
            self.last_registered
                .saturating_add(excess.div_ceil(per_block)),
        )
    }

    /// `points` evenly spaced `(block, cost)` pairs from `from` to the floor (or `horizon`
    /// blocks ahead when it never reaches it), for the decay plot.
    pub fn curve(&self, from: u64, horizon: u64, points: usize) -> Vec<(u64, u64)> {
        let end = self
            .floor_block(from)
            .map_or(from.saturating_add(horizon), |b| {
                b.max(from.saturating_add(1))
                    .min(from.saturating_add(horizon))
            });
        let points = points.max(2);
        (0..points)
            .map(|i| {
                let block = from + (end - from) * i as u64 / (points as u64 - 1);
                (block, self.at(block))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TAO: u64 = 1_000_000_000;

    #[test]
    fn doubles_then_decays_to_the_minimum() {
        let c = LockCost::new(1_000 * TAO, 1_000 * TAO, 100, 100_800, TAO);
        assert_eq!(c.interval, 100_800);
        assert_eq!(c.at(100), 2_000 * TAO);
        let per_block = 1_000 * TAO / 100_800;
        assert_eq!(c.at(1_100), 2_000 * TAO - per_block * 1_000);
        assert_eq!(c.at(100 + 100_800 * 2), 1_000 * TAO);
        let floor = c.floor_block(100).unwrap();
        assert_eq!(c.at(floor), 1_000 * TAO);
        assert!(c.at(floor - 1) > 1_000 * TAO);
    }

    #[test]
    fn never_registered_costs_the_last_lock_once() {
        let c = LockCost::new(1_000 * TAO, 500 * TAO, 0, 100_800, TAO);
        assert_eq!(c.at(0), 1_000 * TAO);
    }

    #[test]
    fn the_interval_halves_with_the_reward() {
        assert_eq!(LockCost::new(1, 1, 1, 100_800, TAO / 2).interval, 50_400);
        assert_eq!(LockCost::new(1, 1, 1, 100_800, 0).interval, 0);
        // A zero interval never decays.
        let c = LockCost::new(1_000, 10, 5, 0, 0);
        assert_eq!(c.at(1_000_000), 2_000);
        assert_eq!(c.floor_block(6), None);
    }

    #[test]
    fn curve_spans_from_now_to_the_floor() {
        let c = LockCost::new(1_000 * TAO, 1_000 * TAO, 100, 1_000, TAO);
        let curve = c.curve(100, 1_000_000, 5);
        assert_eq!(curve.len(), 5);
        assert_eq!(curve[0], (100, 2_000 * TAO));
        assert_eq!(curve[4].1, 1_000 * TAO);
        assert!(curve.windows(2).all(|w| w[0].1 >= w[1].1));
    }
}
