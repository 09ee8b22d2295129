//! Properties every epoch must have, checked with proptest on random subnets (`support::gen`):
//! normalisation, relabelling uids, clipping, inactivity and the emission budget.
//!
//! Case counts are small (the suite runs in debug builds); the subtensor vectors in
//! `subtensor_epoch.rs` pin exact values, these pin the shape of the math on inputs nobody
//! wrote by hand. Properties are checked on the bit-exact path; the f32 path is held to it by
//! `agreement.rs`.
#![allow(clippy::unwrap_used)]

#[path = "support/gen.rs"]
mod gen_;

use gen_::{Shape, config, input, permute, subnet};
use proptest::prelude::*;
use yuma::{EpochInputParts, EpochOutput, EpochParams, YumaVersion};

const SHAPE: Shape = Shape {
    max_n: 24,
    distinct_stakes: false,
    realistic_stakes: false,
};

/// Normalising n values in I32F32 truncates each quotient (< 2^-32 apiece), so a normalised
/// vector sums to 1 minus at most n ulps; 1e-6 covers every n the generator draws.
const SUM_TOLERANCE: f64 = 1e-6;

fn sums_to_one_or_zero(v: &[f64]) -> bool {
    let total: f64 = v.iter().sum();
    v.iter().all(|&x| x == 0.0) || ((total - 1.0).abs() <= SUM_TOLERANCE && total <= 1.0)
}

proptest! {
    #![proptest_config(config(64))]

    /// Incentive and dividends are each a distribution over uids, or all zero.
    #[test]
    fn incentive_and_dividends_are_normalised(parts in subnet(SHAPE)) {
        let out = yuma::fixed::epoch(&input(parts));
        prop_assert!(sums_to_one_or_zero(&out.floats.incentive), "incentive {:?}", out.floats.incentive);
        prop_assert!(sums_to_one_or_zero(&out.floats.dividends), "dividends {:?}", out.floats.dividends);
        prop_assert!(out.floats.incentive.iter().chain(&out.floats.dividends).all(|&x| x >= 0.0));
    }

    /// The emission budget: never more than `rao_emission`, and when anything is emitted (usable
    /// weights, or stake to fall back on) at most n·(1 + rao/2^32) rao short of it. Each uid
    /// loses under 1 rao to flooring and under rao·2^-32 to the truncated normalisation.
    #[test]
    fn emission_stays_within_budget(parts in subnet(SHAPE)) {
        let n = parts.weights.len() as u64;
        let rao = parts.rao_emission;
        let out = yuma::fixed::epoch(&input(parts));
        let total: u64 = out.emission.iter().sum();
        prop_assert!(total <= rao, "emitted {total} > {rao}");
        let anything = out.floats.incentive.iter().chain(&out.floats.stake).any(|&x| x > 0.0);
        if anything {
            let slack = n + (n * rao).div_ceil(1 << 32);
            prop_assert!(rao - total <= slack, "emitted {total}, {} short (slack {slack})", rao - total);
        }
        // Incentive and dividend shares are carved out of the same budget.
        let split: u64 = out.server_emission.iter().chain(&out.validator_emission).sum();
        prop_assert!(split <= rao);
    }

    /// Yuma3 pays dividends in proportion to active stake, so an inactive validator
    /// (`last_update + activity_cutoff < current_block`) earns none. Yuma1 pays from the bonds
    /// EMA, which keeps (1 − bonds_alpha) of old bonds, so there the rule only holds for a
    /// validator that holds no bonds (subtensor's own test_active_stake asserts a Yuma1
    /// dividend of 29490 to an inactive validator holding bonds).
    #[test]
    fn inactive_validators_earn_no_dividends(parts in subnet(SHAPE)) {
        let cutoff = parts.params.activity_cutoff;
        let block = parts.current_block;
        let yuma3 = parts.params.yuma == YumaVersion::Yuma3;
        let bonds = parts.bonds.clone();
        let last_update = parts.last_update.clone();
        let out = yuma::fixed::epoch(&input(parts));
        for (uid, &updated) in last_update.iter().enumerate() {
            if updated + cutoff < block {
                prop_assert!(!out.active[uid]);
                if yuma3 || bonds[uid].is_empty() {
                    prop_assert_eq!(out.dividends_u16[uid], 0, "inactive uid {} earned dividends", uid);
                    prop_assert_eq!(out.floats.dividends[uid], 0.0);
                }
            } else {
                prop_assert!(out.active[uid]);
            }
        }
    }
}

/// A subnet together with a relabelling of its uids.
fn permuted_subnet() -> impl Strategy<Value = (EpochInputParts, Vec<u16>)> {
    let shape = Shape {
        distinct_stakes: true,
        ..SHAPE
    };
    subnet(shape).prop_flat_map(|parts| {
        let n = parts.weights.len() as u16;
        (
            Just(parts),
            Just((0..n).collect::<Vec<u16>>()).prop_shuffle(),
        )
    })
}

fn moved<T: Copy + Default>(v: &[T], perm: &[u16]) -> Vec<T> {
    let mut out = vec![T::default(); v.len()];
    for (i, &x) in v.iter().enumerate() {
        out[usize::from(perm[i])] = x;
    }
    out
}

fn moved_rows(rows: &[Vec<(u16, u16)>], perm: &[u16]) -> Vec<Vec<(u16, u16)>> {
    let mut out = vec![Vec::new(); rows.len()];
    for (i, r) in rows.iter().enumerate() {
        let mut row: Vec<(u16, u16)> = r.iter().map(|&(j, v)| (perm[usize::from(j)], v)).collect();
        row.sort_unstable();
        out[usize::from(perm[i])] = row;
    }
    out
}

fn assert_relabelled(a: &EpochOutput, b: &EpochOutput, perm: &[u16]) -> Result<(), TestCaseError> {
    prop_assert_eq!(moved(&a.consensus_u16, perm), b.consensus_u16.clone());
    prop_assert_eq!(moved(&a.incentive_u16, perm), b.incentive_u16.clone());
    prop_assert_eq!(moved(&a.dividends_u16, perm), b.dividends_u16.clone());
    prop_assert_eq!(
        moved(&a.validator_trust_u16, perm),
        b.validator_trust_u16.clone()
    );
    prop_assert_eq!(moved(&a.emission, perm), b.emission.clone());
    prop_assert_eq!(moved(&a.server_emission, perm), b.server_emission.clone());
    prop_assert_eq!(
        moved(&a.validator_emission, perm),
        b.validator_emission.clone()
    );
    prop_assert_eq!(
        moved(&a.validator_permits, perm),
        b.validator_permits.clone()
    );
    prop_assert_eq!(moved(&a.floats.consensus, perm), b.floats.consensus.clone());
    prop_assert_eq!(moved(&a.floats.incentive, perm), b.floats.incentive.clone());
    prop_assert_eq!(moved(&a.floats.dividends, perm), b.floats.dividends.clone());
    prop_assert_eq!(moved_rows(&a.bonds, perm), b.bonds.clone());
    Ok(())
}

proptest! {
    #![proptest_config(config(48))]

    /// Relabelling uids relabels every output, exactly: fixed-point sums are exact, so no
    /// result may depend on uid order. Excluded: equal nonzero stake weights (after the
    /// chain's I32F32 narrowing, so distinct rao can still tie), because a tie at the top-k
    /// permit cut-off is broken by uid, which a relabelling legitimately changes.
    #[test]
    fn relabelling_uids_relabels_outputs((parts, perm) in permuted_subnet()) {
        let (a, inter) = yuma::fixed::epoch_with_intermediates(&input(parts.clone()));
        let mut staked: Vec<_> = inter.stake.iter().copied().filter(|s| *s != 0).collect();
        staked.sort();
        prop_assume!(staked.windows(2).all(|w| w[0] != w[1]), "tied stake weights");
        let b = yuma::fixed::epoch(&input(permute(&parts, &perm)));
        assert_relabelled(&a, &b, &perm)?;
    }
}

/// Honest validators holding most of the stake agree on a weight vector; one small validator
/// puts everything on a single miner.
fn cheater_subnet() -> impl Strategy<Value = (EpochInputParts, usize, usize, usize)> {
    (2usize..=5, 2usize..=8).prop_flat_map(|(honest, miners)| {
        (
            prop::collection::vec(1_000u64..=1_000_000, honest),
            1u64..=50,
            // At least two miners get honest weight, so no consensus reaches 1.
            prop::collection::vec(1u16..=u16::MAX, 2..=miners)
                .prop_flat_map(move |w| (Just(w), 0..miners)),
            any::<bool>(),
            any::<bool>(),
        )
            .prop_map(
                move |(stakes, cheater_stake, (weights, target), yuma3, liquid)| {
                    let n = honest + 1 + miners;
                    let cheater = honest;
                    let first_miner = honest + 1;
                    let honest_row: Vec<(u16, u16)> = weights
                        .iter()
                        .enumerate()
                        .map(|(k, &w)| ((first_miner + k) as u16, w))
                        .collect();
                    let mut rows = vec![Vec::new(); n];
                    for row in rows.iter_mut().take(honest) {
                        row.clone_from(&honest_row);
                    }
                    rows[cheater] = vec![((first_miner + target) as u16, u16::MAX)];
                    let mut alpha_stakes = vec![0; n];
                    alpha_stakes[..honest].copy_from_slice(&stakes);
                    alpha_stakes[cheater] = cheater_stake;
                    let parts = EpochInputParts {
                        weights: rows,
                        bonds: vec![Vec::new(); n],
                        alpha_stakes,
                        tao_stakes: vec![0; n],
                        validator_permits: (0..n).map(|i| i <= cheater).collect(),
                        last_update: vec![10; n],
                        block_at_registration: vec![0; n],
                        owner_uid: None,
                        current_block: 10,
                        last_mechanism_step_block: 0,
                        rao_emission: 1_000_000_000,
                        params: EpochParams {
                            yuma: if yuma3 {
                                YumaVersion::Yuma3
                            } else {
                                YumaVersion::Yuma1
                            },
                            liquid_alpha: liquid.then(Default::default),
                            ..EpochParams::default()
                        },
                    };
                    (parts, honest, cheater, first_miner + target)
                },
            )
    })
}

proptest! {
    #![proptest_config(config(64))]

    /// Weight above the stake-weighted median is clipped: the lone validator backing one miner
    /// beyond consensus keeps only that miner's consensus as validator trust (< 1), while the
    /// honest majority keeps ~1.
    #[test]
    fn weight_above_consensus_is_clipped((parts, honest, cheater, target) in cheater_subnet()) {
        let (out, inter) = yuma::fixed::epoch_with_intermediates(&input(parts));
        let vt = &out.floats.validator_trust;
        for (uid, &trust) in vt.iter().enumerate().take(honest) {
            prop_assert!(trust >= 1.0 - SUM_TOLERANCE, "honest uid {} trust {}", uid, trust);
        }
        let consensus = out.floats.consensus[target];
        prop_assert!(consensus < 1.0);
        prop_assert!(vt[cheater] < 1.0, "cheater trust {}", vt[cheater]);
        prop_assert!((vt[cheater] - consensus).abs() <= 1e-9, "cheater trust {} vs consensus {}", vt[cheater], consensus);
        // The honest normalised weight on the target (0 when they give it none) is its
        // consensus: the honest stake is above kappa.
        let honest_w = inter.weights[0]
            .iter()
            .find(|&&(j, _)| usize::from(j) == target)
            .map_or(0.0, |&(_, w)| w.to_num::<f64>());
        prop_assert_eq!(consensus, honest_w);
    }
}
