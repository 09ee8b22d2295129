//! TAO's issuance schedule as pure functions of the chain's own numbers.
//!
//! TAO is capped at 21,000,000 (21e15 rao). The block reward started at 1 TAO and halves each
//! time issuance crosses another half of what remains: at 10.5M, 15.75M, 18.375M TAO and so on.
//! subtensor computes it from `TotalIssuance` (`get_block_emission_for_issuance`): the reward
//! is `1 TAO / 2^k` where `k = floor(log2(1 / (1 - issuance / 21M)))`. Crossing the next
//! threshold, not a date, triggers a halving, so the date is an estimate from the current
//! reward and block time; recycled or burned TAO lowers issuance and pushes it later.

use serde::{Deserialize, Serialize};

/// The supply cap in rao.
pub const TOTAL_SUPPLY: u64 = 21_000_000 * RAO_PER_TAO;
/// Rao in one TAO.
pub const RAO_PER_TAO: u64 = 1_000_000_000;
/// The block reward before any halving: 1 TAO.
pub const INITIAL_BLOCK_EMISSION: u64 = RAO_PER_TAO;

/// How many halvings have happened at `issuance`: `k` above.
pub fn halvings(issuance: u64) -> u32 {
    // Thresholds are exact in rao: 21e15 × (1 − 2^-k) is an integer for k ≤ 19 and the
    // reward is below one rao long before that matters.
    let mut k = 0;
    while k < 64 && issuance >= threshold(k + 1) {
        k += 1;
    }
    k
}

/// Issuance (rao) at which the `k`-th halving happens: `21M × (1 − 2^-k)`.
pub fn threshold(k: u32) -> u64 {
    if k >= 64 {
        return TOTAL_SUPPLY;
    }
    TOTAL_SUPPLY - (TOTAL_SUPPLY >> k)
}

/// The block reward (rao) at `issuance`, as the runtime computes it.
pub fn block_emission(issuance: u64) -> u64 {
    if issuance >= TOTAL_SUPPLY {
        return 0;
    }
    INITIAL_BLOCK_EMISSION >> halvings(issuance).min(63)
}

/// The next halving, estimated from now.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Halving {
    /// Which halving (1 = the reward becomes 0.5 TAO).
    pub number: u32,
    /// Issuance (rao) that triggers it.
    pub at_issuance: u64,
    /// Rao still to issue before it.
    pub remaining: u64,
    /// Blocks until then at the current reward.
    pub blocks: u64,
    /// The block number then (current block + blocks).
    pub block: u64,
    /// Seconds until then at `block_time_ms` per block.
    pub seconds: u64,
    /// The reward after it (rao per block).
    pub reward_after: u64,
}

/// The next halving after `issuance`, at block `now` with blocks every `block_time_ms`.
/// `None` once the reward is zero.
pub fn next_halving(issuance: u64, now: u64, block_time_ms: u64) -> Option<Halving> {
    let reward = block_emission(issuance);
    if reward == 0 {
        return None;
    }
    let number = halvings(issuance) + 1;
    let at_issuance = threshold(number);
    let remaining = at_issuance.saturating_sub(issuance);
    let blocks = remaining.div_ceil(reward);
    Some(Halving {
        number,
        at_issuance,
        remaining,
        blocks,
        block: now.saturating_add(blocks),
        seconds: blocks.saturating_mul(block_time_ms) / 1000,
        reward_after: reward / 2,
    })
}

/// TAO issued per day at `reward` rao per block and `block_time_ms` per block.
pub fn daily_emission(reward: u64, block_time_ms: u64) -> u64 {
    if block_time_ms == 0 {
        return 0;
    }
    reward.saturating_mul(86_400_000 / block_time_ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reward_halves_at_each_half_of_the_remaining_supply() {
        assert_eq!(block_emission(0), RAO_PER_TAO);
        assert_eq!(block_emission(10_500_000 * RAO_PER_TAO - 1), RAO_PER_TAO);
        assert_eq!(block_emission(10_500_000 * RAO_PER_TAO), RAO_PER_TAO / 2);
        assert_eq!(
            block_emission(15_750_000 * RAO_PER_TAO - 1),
            RAO_PER_TAO / 2
        );
        assert_eq!(block_emission(15_750_000 * RAO_PER_TAO), RAO_PER_TAO / 4);
        assert_eq!(block_emission(18_375_000 * RAO_PER_TAO), RAO_PER_TAO / 8);
        assert_eq!(block_emission(TOTAL_SUPPLY), 0);
    }

    #[test]
    fn one_tao_a_block_is_7200_a_day_at_12_seconds() {
        assert_eq!(daily_emission(RAO_PER_TAO, 12_000), 7_200 * RAO_PER_TAO);
    }

    #[test]
    fn next_halving_counts_blocks_at_the_current_reward() {
        let h = next_halving(10_000_000 * RAO_PER_TAO, 100, 12_000).unwrap();
        assert_eq!(h.number, 1);
        assert_eq!(h.remaining, 500_000 * RAO_PER_TAO);
        assert_eq!(h.blocks, 500_000);
        assert_eq!(h.block, 500_100);
        assert_eq!(h.seconds, 6_000_000);
        assert_eq!(h.reward_after, RAO_PER_TAO / 2);
        let second = next_halving(11_000_000 * RAO_PER_TAO, 0, 12_000).unwrap();
        assert_eq!(second.number, 2);
        assert_eq!(second.blocks, 4_750_000 * 2);
    }
}
