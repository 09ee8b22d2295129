//! One Yuma epoch for one subnet, written once for any [`Scalar`].
//!
//! The steps follow subtensor's `epoch_mechanism` (pallets/subtensor/src/epoch/run_epoch.rs) in
//! order: activity, stake, validator permits, active stake, weight masks, consensus, clipping,
//! validator trust, incentive, bonds (Yuma1 or Yuma3, liquid alpha), dividends, emission.
//! Commit-reveal masking is not modelled: a replay must supply weights as revealed.
//! The `Intermediates` returned alongside the output are what the lab page and the GPU
//! agreement tests inspect.

pub mod math;

use crate::input::{ConsensusMode, EpochInput, YumaVersion};
use crate::output::{EpochOutput, FloatViews};
use crate::scalar::Scalar;
use math::*;

/// Values computed on the way that are not stored on chain but worth showing or comparing.
#[derive(Clone, Debug, PartialEq)]
pub struct Intermediates<S> {
    /// Normalised stake weight after the threshold filter.
    pub stake: Vec<S>,
    /// Stake of active, permitted validators, normalised.
    pub active_stake: Vec<S>,
    /// Weights after masks and row normalisation.
    pub weights: Sparse<S>,
    /// Weights clipped to consensus.
    pub clipped_weights: Sparse<S>,
    /// Consensus per uid.
    pub consensus: Vec<S>,
    /// Validator trust per uid.
    pub validator_trust: Vec<S>,
    /// Incentive per uid.
    pub incentive: Vec<S>,
    /// Dividends per uid.
    pub dividends: Vec<S>,
    /// The new bonds before conversion to stored `u16`.
    pub bonds: Sparse<S>,
}

/// Runs one epoch on `input` in number type `S`.
pub fn run<S: Scalar>(input: &EpochInput) -> (EpochOutput, Intermediates<S>) {
    let n = input.n;
    let nu = usize::from(n);
    let p = &input.params;
    let current_block = input.current_block;

    // == Active & updated ==
    let inactive: Vec<bool> = input
        .last_update
        .iter()
        .map(|&u| u.saturating_add(p.activity_cutoff) < current_block)
        .collect();
    let active: Vec<bool> = inactive.iter().map(|&b| !b).collect();

    // == Stake ==
    let (stake, stake_rao) = S::stake_weights(
        &input.alpha_stakes,
        &input.tao_stakes,
        p.tao_weight,
        p.stake_threshold,
        input
            .owner_uid
            .filter(|_| p.rules.owner_exempt_from_threshold),
    );

    // == Validator permits ==
    let mut validator_permits = input.validator_permits.clone();
    let mut new_validator_permits = is_topk_nonzero(&stake, usize::from(p.max_allowed_validators));
    if let Some(owner) = input.owner_uid.filter(|_| p.rules.owner_keeps_permit) {
        validator_permits[usize::from(owner)] = true;
        new_validator_permits[usize::from(owner)] = true;
    }
    let validator_forbids: Vec<bool> = validator_permits.iter().map(|&b| !b).collect();

    // == Active stake ==
    let mut active_stake = stake.clone();
    inplace_mask_vector(&inactive, &mut active_stake);
    inplace_mask_vector(&validator_forbids, &mut active_stake);
    inplace_normalize(&mut active_stake);

    // == Weights ==
    let mut weights = masked_weights::<S>(input, &validator_forbids);
    inplace_row_normalize_sparse(&mut weights);

    // == Consensus, validator trust ==
    let kappa = S::from_u16_proportion(p.kappa);
    let consensus = weighted_median_col_sparse(&active_stake, &weights, n, kappa);
    let clipped_weights = col_clip_sparse(&weights, &consensus);
    let validator_trust = row_sum_sparse(&clipped_weights);

    // == Incentive ==
    let mut ranks = matmul_sparse(&clipped_weights, &active_stake, n);
    inplace_normalize(&mut ranks);
    let incentive = ranks;

    // == Bonds and dividends ==
    let bonds_penalty = S::from_u16_proportion(p.bonds_penalty);
    let weights_for_bonds = interpolate_sparse(&weights, &clipped_weights, bonds_penalty);
    let last_tempo = if input.last_mechanism_step_block == 0 || !p.rules.bond_mask_from_last_step {
        current_block.saturating_sub(u64::from(p.tempo))
    } else {
        input.last_mechanism_step_block.saturating_add(1)
    };
    let bonds_alpha = S::bonds_alpha(p.bonds_moving_average);

    let (dividends, stored_bonds) = match p.yuma {
        YumaVersion::Yuma3 => {
            // Stored bonds are u16 proportions of one.
            let bonds = masked_bonds(input, last_tempo, |b| {
                S::from_int(i64::from(b)).safe_div(u16_max::<S>())
            });
            // The on/off gate reads this epoch's consensus; only the sigmoid may read the stored
            // one (subtensor's consensus-modes branch, compute_bonds_sparse).
            let ema_bonds = match p.liquid_alpha {
                Some(la) if consensus.iter().any(|&c| c != S::ZERO) => {
                    let la_consensus = liquid_alpha_consensus(input, &consensus);
                    // compute_liquid_alpha_values_sparse then mat_ema_alpha_sparse, fused.
                    let sigmoid = Sigmoid::new(
                        S::from_u16_proportion(la.alpha_low),
                        S::from_u16_proportion(la.alpha_high),
                        S::from_int(i64::from(la.sigmoid_steepness)),
                        p.rules.sigmoid_exp_clamped,
                    );
                    mat_ema_liquid_alpha_sparse(&weights_for_bonds, &bonds, &la_consensus, &sigmoid)
                }
                _ => mat_ema_sparse(&weights_for_bonds, &bonds, bonds_alpha),
            };
            let mut ema_bonds_norm = ema_bonds.clone();
            inplace_col_normalize_sparse(&mut ema_bonds_norm, n);
            let per_validator = row_sum_sparse(&mat_vec_mul_sparse(&ema_bonds_norm, &incentive));
            let mut dividends = vec_mul(&per_validator, &active_stake);
            inplace_normalize(&mut dividends);
            (dividends, ema_bonds)
        }
        YumaVersion::Yuma1 => {
            let mut bonds = masked_bonds(input, last_tempo, |b| S::from_int(i64::from(b)));
            inplace_col_normalize_sparse(&mut bonds, n);
            let mut bonds_delta = row_hadamard_sparse(&weights_for_bonds, &active_stake);
            inplace_col_normalize_sparse(&mut bonds_delta, n);
            let mut ema_bonds = mat_ema_sparse(&bonds_delta, &bonds, bonds_alpha);
            inplace_col_normalize_sparse(&mut ema_bonds, n);
            let mut dividends = matmul_transpose_sparse(&ema_bonds, &incentive);
            inplace_normalize(&mut dividends);
            inplace_col_max_upscale_sparse(&mut ema_bonds, n);
            (dividends, ema_bonds)
        }
    };

    // == Emission ==
    let combined: Vec<S> = incentive
        .iter()
        .zip(&dividends)
        .map(|(&i, &d)| i.sat_add(d))
        .collect();
    let emission_sum = sum(&combined);
    let mut server = incentive.clone();
    let mut validator = dividends.clone();
    let mut combined_norm = combined;
    inplace_normalize_using_sum(&mut server, emission_sum);
    inplace_normalize_using_sum(&mut validator, emission_sum);
    inplace_normalize(&mut combined_norm);
    if emission_sum == S::ZERO {
        // No usable weights: emission follows stake (active stake when there is any).
        let fallback = if is_zero(&active_stake) {
            &stake
        } else {
            &active_stake
        };
        validator.clone_from(fallback);
        combined_norm.clone_from(fallback);
    }
    let rao = input.rao_emission;
    let to_rao = |v: &[S]| -> Vec<u64> { v.iter().map(|x| x.times_rao(rao)).collect() };
    let to_u16 = |v: &[S]| -> Vec<u16> { v.iter().map(|x| x.to_u16_proportion()).collect() };
    let to_f64 = |v: &[S]| -> Vec<f64> { v.iter().map(|x| x.to_f64()).collect() };

    // == Stored bonds: permitted validators keep theirs, everyone else's row is emptied ==
    let bonds_u16: Vec<Vec<(u16, u16)>> = (0..nu)
        .map(|i| {
            if new_validator_permits[i] {
                stored_bonds[i]
                    .iter()
                    .map(|&(j, v)| (j, v.to_u16_proportion()))
                    .collect()
            } else {
                Vec::new()
            }
        })
        .collect();

    let output = EpochOutput {
        active,
        validator_permits: new_validator_permits,
        stake_weight_u16: to_u16(&stake),
        consensus_u16: to_u16(&consensus),
        incentive_u16: to_u16(&incentive),
        dividends_u16: to_u16(&dividends),
        validator_trust_u16: to_u16(&validator_trust),
        bonds: bonds_u16,
        server_emission: to_rao(&server),
        validator_emission: to_rao(&validator),
        emission: to_rao(&combined_norm),
        stake_rao,
        floats: FloatViews {
            stake: to_f64(&stake),
            consensus: to_f64(&consensus),
            incentive: to_f64(&incentive),
            dividends: to_f64(&dividends),
            validator_trust: to_f64(&validator_trust),
        },
    };
    let inter = Intermediates {
        stake,
        active_stake,
        weights,
        clipped_weights,
        consensus,
        validator_trust,
        incentive,
        dividends,
        bonds: stored_bonds,
    };
    (output, inter)
}

/// The chain's raw weights with `mask_rows_sparse` (rows of uids without a permit),
/// `mask_diag_sparse` (self-weights, except the owner's) and `vec_mask_sparse_matrix` (weights
/// set before their target (re)registered refer to its previous holder) applied in one pass:
/// the masks only drop entries, so one filter gives the same rows without three copies.
fn masked_weights<S: Scalar>(input: &EpochInput, validator_forbids: &[bool]) -> Sparse<S> {
    input
        .weights
        .iter()
        .zip(validator_forbids)
        .zip(&input.last_update)
        .enumerate()
        .map(|(i, ((row, &forbidden), &updated))| {
            if forbidden {
                return Vec::new();
            }
            filter_row(row, |j, w| {
                let diagonal = usize::from(j) == i && input.owner_uid != Some(j);
                let stale = updated <= input.block_at_registration[usize::from(j)];
                (!diagonal && !stale).then(|| S::from_int(i64::from(w)))
            })
        })
        .collect()
}

/// Stored bonds read by `value`, without bonds to uids registered since `last_tempo` (the
/// chain's `scalar_vec_mask_sparse_matrix`), in one pass.
fn masked_bonds<S: Scalar>(
    input: &EpochInput,
    last_tempo: u64,
    value: impl Fn(u16) -> S,
) -> Sparse<S> {
    input
        .bonds
        .iter()
        .map(|row| {
            filter_row(row, |j, b| {
                (last_tempo > input.block_at_registration[usize::from(j)]).then(|| value(b))
            })
        })
        .collect()
}

fn u16_max<S: Scalar>() -> S {
    S::from_int(i64::from(u16::MAX))
}

/// The consensus liquid alpha reads: this epoch's, or the stored previous one (see
/// [`crate::ConsensusMode`]). Stored values are u16 proportions, read as `u16_proportion_to_fixed`.
fn liquid_alpha_consensus<S: Scalar>(input: &EpochInput, current: &[S]) -> Vec<S> {
    let use_previous = match input.consensus_mode {
        ConsensusMode::Current => false,
        ConsensusMode::Previous => true,
        ConsensusMode::Auto => input.params.bonds_penalty == u16::MAX,
    };
    match &input.previous_consensus {
        Some(prev) if use_previous && !prev.is_empty() => (0..current.len())
            .map(|j| S::from_u16_proportion(prev.get(j).copied().unwrap_or(0)))
            .collect(),
        _ => current.to_vec(),
    }
}

#[cfg(test)]
mod tests;
