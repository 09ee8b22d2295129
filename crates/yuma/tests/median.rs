//! Consensus on the fixed path against the chain's own median loop, column by column.
//!
//! On `I32F32` the consensus does not run subtensor's partitioning loop: it selects, per column,
//! the smallest weight whose stake at or below it exceeds the minority, which is what the loop
//! returns whenever stake sums are exact (the argument is at `exact_median` in
//! `src/epoch/math.rs`). Exact ties are where a slip would show (stake at or below a weight
//! equal to the minority to the last bit), so these columns are built to hit them: equal
//! stakes, thirds and halves of kappa, repeated weights, zero stakes and zero weights, single
//! rows, kappa zero and one. The reference below is subtensor's `weighted_median` as written
//! there, branch for branch.

use proptest::prelude::*;
use substrate_fixed::types::I32F32;
use yuma::Scalar;
use yuma::epoch::math::{Sparse, inplace_normalize, weighted_median_col_sparse};

/// subtensor's `weighted_median` (pallets/subtensor/src/epoch/math.rs), transcribed.
fn chain_weighted_median(
    stake: &[I32F32],
    score: &[I32F32],
    partition_idx: &[usize],
    minority: I32F32,
    mut partition_lo: I32F32,
    mut partition_hi: I32F32,
) -> I32F32 {
    let mut current = partition_idx.to_vec();
    let mut iterations = 0;
    loop {
        let n = current.len();
        if n == 0 {
            return I32F32::from_num(0);
        }
        if n == 1 {
            return score[current[0]];
        }
        let pivot = score[current[n / 2]];
        let mut lo_stake = I32F32::from_num(0);
        let mut hi_stake = I32F32::from_num(0);
        let mut lower = Vec::new();
        let mut upper = Vec::new();
        for &idx in &current {
            if score[idx] == pivot {
                continue;
            }
            if score[idx] < pivot {
                lo_stake = lo_stake.saturating_add(stake[idx]);
                lower.push(idx);
            } else {
                hi_stake = hi_stake.saturating_add(stake[idx]);
                upper.push(idx);
            }
        }
        if minority < partition_lo.saturating_add(lo_stake) && !lower.is_empty() {
            partition_hi = partition_lo.saturating_add(lo_stake);
            current = lower;
        } else if partition_hi.saturating_sub(hi_stake) <= minority && !upper.is_empty() {
            partition_lo = partition_hi.saturating_sub(hi_stake);
            current = upper;
        } else {
            return pivot;
        }
        iterations += 1;
        if iterations > partition_idx.len() {
            return I32F32::from_num(0);
        }
    }
}

/// subtensor's `weighted_median_col_sparse` over the chain's loop: dense columns of the rows
/// with positive stake.
fn chain_consensus(
    stake: &[I32F32],
    score: &Sparse<I32F32>,
    columns: u16,
    majority: I32F32,
) -> Vec<I32F32> {
    let mut use_stake: Vec<I32F32> = stake.iter().copied().filter(|&s| s > 0).collect();
    inplace_normalize(&mut use_stake);
    let stake_sum = use_stake
        .iter()
        .fold(I32F32::from_num(0), |a, &s| a.wrapping_add(s));
    let minority = stake_sum.saturating_sub(majority);
    let idx: Vec<usize> = (0..use_stake.len()).collect();
    let mut use_score = vec![vec![I32F32::from_num(0); use_stake.len()]; usize::from(columns)];
    let mut k = 0;
    for (&s, row) in stake.iter().zip(score) {
        if s > 0 {
            for &(c, v) in row {
                use_score[usize::from(c)][k] = v;
            }
            k += 1;
        }
    }
    use_score
        .iter()
        .map(|col| {
            chain_weighted_median(
                &use_stake,
                col,
                &idx,
                minority,
                I32F32::from_num(0),
                stake_sum,
            )
        })
        .collect()
}

/// A column set with ties: stakes from a few equal units (zero included), weights from a small
/// set of values (zero included), kappa on exact fractions of those units or anywhere.
fn case() -> impl Strategy<Value = (Vec<I32F32>, Sparse<I32F32>, u16, I32F32)> {
    (1usize..12, 1u16..10).prop_flat_map(|(rows, columns)| {
        let stake = prop::collection::vec(
            prop_oneof![Just(0i64), Just(1), Just(2), Just(3), 1i64..1_000],
            rows,
        );
        let weight = prop_oneof![
            Just(0i64),
            Just(1 << 32),
            Just(1 << 31),
            Just(1 << 30),
            Just(3 << 30),
            1i64..(1 << 33),
        ];
        let row = prop::collection::vec(prop::option::of(weight), usize::from(columns));
        let majority = prop_oneof![
            Just(0i64),
            Just(1 << 32),
            Just(1 << 31),
            Just(0x5555_5555),
            Just(0xAAAA_AAAA),
            Just(3 << 30),
            Just(1 << 30),
            0i64..(1 << 33),
            -(1i64 << 32)..0,
        ];
        (
            stake,
            prop::collection::vec(row, rows),
            Just(columns),
            majority,
        )
            .prop_map(|(stake, rows, columns, majority)| {
                let stake = stake.into_iter().map(I32F32::from_num).collect();
                let score = rows
                    .into_iter()
                    .map(|row| {
                        row.into_iter()
                            .enumerate()
                            .filter_map(|(c, w)| w.map(|w| (c as u16, I32F32::from_bits(w))))
                            .collect()
                    })
                    .collect();
                (stake, score, columns, I32F32::from_bits(majority))
            })
    })
}

proptest! {
    // Fewer in debug builds, where the chain's loop allocates slowly.
    #![proptest_config(ProptestConfig::with_cases(if cfg!(debug_assertions) { 2_000 } else { 20_000 }))]
    #[test]
    fn consensus_is_the_chains_median((stake, score, columns, majority) in case()) {
        prop_assert_eq!(
            weighted_median_col_sparse(&stake, &score, columns, majority),
            chain_consensus(&stake, &score, columns, majority)
        );
    }
}

/// Three equal stakes and kappa at one and two thirds: the minority is exactly one or two
/// stakes, so a weight's stake-at-or-below equals it and only a strict comparison is right.
#[test]
fn thirds_of_kappa_on_equal_stakes() {
    let third = I32F32::from_num(1).safe_div(I32F32::from_num(3));
    let stake = vec![I32F32::from_num(5); 3];
    for kappa in [21_845u16, 43_690, 32_767, 65_535, 0] {
        let majority = I32F32::from_u16_proportion(kappa);
        for a in 0..4 {
            for b in 0..4 {
                for c in 0..4 {
                    let w = |x: i64| third.sat_mul(I32F32::from_num(x));
                    let score: Sparse<I32F32> = [a, b, c]
                        .iter()
                        .map(|&x| if x == 0 { Vec::new() } else { vec![(0, w(x))] })
                        .collect();
                    assert_eq!(
                        weighted_median_col_sparse(&stake, &score, 1, majority),
                        chain_consensus(&stake, &score, 1, majority),
                        "kappa {kappa}, weights {a} {b} {c}"
                    );
                }
            }
        }
    }
}
