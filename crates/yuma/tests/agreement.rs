//! `yuma::float` (f32, the GPU reference) against `yuma::fixed` (bit-exact) on random realistic
//! subnets: up to 256 uids, sparse weights, log-normal-ish stakes (1 to 10^6 alpha), Yuma1 and
//! Yuma3, liquid alpha on and off, several epochs with bonds carried.
//!
//! Every epoch runs both engines on the same input (the next input carries the fixed path's
//! stored bonds and permits, as the chain would), so each comparison measures one epoch's
//! rounding, not drift between two diverging histories. Compared: every proportion output
//! (stake, consensus, incentive, dividends, validator trust) within 1e-5, the new bonds before
//! u16 storage within 1e-5, emission within 1e-5 of the budget, and the incentive ranking
//! wherever incentives differ by more than 1e-5. Permits are not compared: they are a top-k cut
//! on stake, and a stake below 2^-32 of the total is zero on chain but not in f32.
//!
//! Three exclusions, all where fixed point is coarser than the tolerance, each checked on the
//! fixed path's own intermediates:
//! - Kappa-boundary ties (`near_kappa_tie`): a miner whose cumulative stake below one of its
//!   weights lands within 1e-5 of the minority `1 − kappa`. The median is a step function there
//!   and either engine may pick the neighbouring weight (documented in `yuma::float`). The whole
//!   case is rejected.
//! - Yuma1 bonds of sub-resolution columns (`sub_resolution_columns`): Yuma1 column-normalises
//!   ΔB = weights_for_bonds ∘ active_stake. Each product is truncated to 2^-32 on chain, so a
//!   column of k products with total M carries a relative error up to (k+1)·2^-32/M after
//!   normalising; where that exceeds 1e-5 (M below ~2.3e-5·(k+1): miners nobody with real stake
//!   backs, e.g. consensus 0 under a high bonds penalty) the chain's bonds for that miner are
//!   rounding noise and f32 cannot match them. Only those bond columns are skipped; every other
//!   output of the case is still compared.
//! - Yuma3 dividends below resolution (`yuma3_dividends_below_resolution`): the same bound for
//!   the products `per_validator ∘ active_stake` that Yuma3 normalises into dividends. The whole
//!   case is rejected.
//!
//! One chain rounding is reproduced instead of excluded: stake weights narrowed from I64F64 to
//! I32F32 (see `f32::stake_weights`), which the host does before the f32 path runs.
#![allow(clippy::unwrap_used)]

#[path = "support/gen.rs"]
mod gen_;

use std::collections::BTreeMap;

use gen_::{Shape, config, input, subnet};
use proptest::prelude::*;
use substrate_fixed::types::I32F32;
use yuma::YumaVersion;
use yuma::epoch::Intermediates;

const TOLERANCE: f64 = 1e-5;
const EPOCHS: usize = 3;

/// True when some miner's consensus sits within [`TOLERANCE`] of the kappa boundary: the
/// stake below one of its distinct weights is that close to the minority `1 − kappa`.
fn near_kappa_tie(inter: &Intermediates<I32F32>, kappa: u16) -> bool {
    let stake: Vec<f64> = inter
        .active_stake
        .iter()
        .map(|s| s.to_num::<f64>())
        .collect();
    let total: f64 = stake.iter().filter(|&&s| s > 0.0).sum();
    if total == 0.0 {
        return false;
    }
    let minority = 1.0 - f64::from(kappa) / 65535.0;
    let n = inter.consensus.len();
    let mut columns: Vec<Vec<(f64, f64)>> = vec![Vec::new(); n];
    for (i, row) in inter.weights.iter().enumerate() {
        if stake[i] <= 0.0 {
            continue;
        }
        let mut dense = BTreeMap::new();
        for &(j, w) in row {
            dense.insert(usize::from(j), w.to_num::<f64>());
        }
        for (j, column) in columns.iter_mut().enumerate() {
            column.push((dense.get(&j).copied().unwrap_or(0.0), stake[i] / total));
        }
    }
    // The median compares the minority with the stake strictly below and at-or-below each
    // distinct weight, so only sums at the ends of runs of equal weights are boundaries.
    columns.iter_mut().any(|column| {
        column.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut below = 0.0;
        column.iter().enumerate().any(|(k, &(w, s))| {
            below += s;
            let run_ends = column.get(k + 1).is_none_or(|next| next.0 != w);
            run_ends && (below - minority).abs() < TOLERANCE
        })
    })
}

/// Miners whose Yuma1 ΔB column is too small for I32F32 to normalise within [`TOLERANCE`]:
/// `(k + 1) · 2^-32 / M > TOLERANCE`, with M and k the column's mass and entry count.
fn sub_resolution_columns(inter: &Intermediates<I32F32>, bonds_penalty: u16) -> Vec<bool> {
    let n = inter.consensus.len();
    let bp = f64::from(bonds_penalty) / 65535.0;
    let mut mass = vec![0.0f64; n];
    let mut count = vec![0usize; n];
    for (i, (w_row, c_row)) in inter.weights.iter().zip(&inter.clipped_weights).enumerate() {
        let s = inter.active_stake[i].to_num::<f64>();
        if s == 0.0 {
            continue;
        }
        let clipped: BTreeMap<u16, f64> =
            c_row.iter().map(|&(j, v)| (j, v.to_num::<f64>())).collect();
        for &(j, w) in w_row {
            let w = w.to_num::<f64>();
            let c = clipped.get(&j).copied().unwrap_or(0.0);
            let product = (w + bp * (c - w)) * s;
            if product > 0.0 {
                mass[usize::from(j)] += product;
                count[usize::from(j)] += 1;
            }
        }
    }
    let ulp = 2f64.powi(-32);
    mass.iter()
        .zip(&count)
        .map(|(&m, &k)| k > 0 && (k as f64 + 1.0) * ulp / m > TOLERANCE)
        .collect()
}

/// True when Yuma3's dividends are finer than I32F32 resolves: dividends normalise the products
/// `per_validator ∘ active_stake`, each truncated to 2^-32 on chain, so with k nonzero products
/// of total M every dividend carries an error up to (k + 1)·2^-32 / M. Where that exceeds
/// [`TOLERANCE`] (incentive on miners bonded only by validators with tiny active stake) the
/// chain's dividends are rounding noise.
fn yuma3_dividends_below_resolution(inter: &Intermediates<I32F32>) -> bool {
    let n = inter.consensus.len();
    let mut column_sum = vec![0.0f64; n];
    for row in &inter.bonds {
        for &(j, b) in row {
            column_sum[usize::from(j)] += b.to_num::<f64>();
        }
    }
    let (mut mass, mut count) = (0.0f64, 0usize);
    for (i, row) in inter.bonds.iter().enumerate() {
        let per_validator: f64 = row
            .iter()
            .filter(|&&(j, _)| column_sum[usize::from(j)] > 0.0)
            .map(|&(j, b)| {
                let j = usize::from(j);
                b.to_num::<f64>() / column_sum[j] * inter.incentive[j].to_num::<f64>()
            })
            .sum();
        let product = per_validator * inter.active_stake[i].to_num::<f64>();
        if product > 0.0 {
            mass += product;
            count += 1;
        }
    }
    count > 0 && (count as f64 + 1.0) * 2f64.powi(-32) / mass > TOLERANCE
}

fn dense_bonds<S: yuma::Scalar>(inter: &Intermediates<S>) -> BTreeMap<(usize, usize), f64> {
    let mut m = BTreeMap::new();
    for (i, row) in inter.bonds.iter().enumerate() {
        for &(j, v) in row {
            m.insert((i, usize::from(j)), v.to_f64());
        }
    }
    m
}

fn close(what: &str, epoch: usize, fixed: &[f64], float: &[f64]) -> Result<(), TestCaseError> {
    for (uid, (x, f)) in fixed.iter().zip(float).enumerate() {
        prop_assert!(
            (x - f).abs() <= TOLERANCE,
            "epoch {epoch}: {what}[{uid}] fixed {x} vs f32 {f}"
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { max_global_rejects: 4096, ..config(24) })]

    #[test]
    fn f32_agrees_with_fixed(parts in subnet(Shape { max_n: 256, distinct_stakes: false, realistic_stakes: true })) {
        let kappa = parts.params.kappa;
        let rao = parts.rao_emission as f64;
        let mut state = input(parts);
        for epoch in 0..EPOCHS {
            let (x, xi) = yuma::fixed::epoch_with_intermediates(&state);
            prop_assume!(!near_kappa_tie(&xi, kappa), "kappa-boundary tie");
            prop_assume!(
                state.params().yuma != YumaVersion::Yuma3 || !yuma3_dividends_below_resolution(&xi),
                "Yuma3 dividends below I32F32 resolution"
            );
            let (f, fi) = yuma::float::epoch_with_intermediates(&state);

            close("stake", epoch, &x.floats.stake, &f.floats.stake)?;
            close("consensus", epoch, &x.floats.consensus, &f.floats.consensus)?;
            close("incentive", epoch, &x.floats.incentive, &f.floats.incentive)?;
            close("dividends", epoch, &x.floats.dividends, &f.floats.dividends)?;
            close("validator_trust", epoch, &x.floats.validator_trust, &f.floats.validator_trust)?;

            let (xb, fb) = (dense_bonds(&xi), dense_bonds(&fi));
            let skip = match state.params().yuma {
                YumaVersion::Yuma1 => sub_resolution_columns(&xi, state.params().bonds_penalty),
                YumaVersion::Yuma3 => vec![false; xi.consensus.len()],
            };
            for key in xb.keys().chain(fb.keys()).filter(|&&(_, j)| !skip[j]) {
                let (a, b) = (xb.get(key).copied().unwrap_or(0.0), fb.get(key).copied().unwrap_or(0.0));
                prop_assert!((a - b).abs() <= TOLERANCE, "epoch {epoch}: bonds{key:?} fixed {a} vs f32 {b}");
            }

            for (uid, (&a, &b)) in x.emission.iter().zip(&f.emission).enumerate() {
                prop_assert!(
                    (a as f64 - b as f64).abs() <= TOLERANCE * rao + 1.0,
                    "epoch {epoch}: emission[{uid}] fixed {a} vs f32 {b}"
                );
            }

            let (xs, fs) = (&x.floats.incentive, &f.floats.incentive);
            for i in 0..xs.len() {
                for j in 0..xs.len() {
                    if xs[i] - xs[j] > TOLERANCE {
                        prop_assert!(fs[i] > fs[j], "epoch {epoch}: fixed ranks uid {i} over {j}, f32 does not");
                    }
                }
            }
            state.carry(&x);
        }
    }
}
