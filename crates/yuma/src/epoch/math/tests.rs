//! Unit tests for the epoch's vector and sparse-matrix steps on small inputs with known answers.
//!
//! Several cases are subtensor's own (`pallets/subtensor/src/tests/math.rs`:
//! `test_math_weighted_median`, `test_math_weighted_median_col_sparse`,
//! `test_math_col_clip_sparse`, `test_math_is_topk`), built the same way (`fixed(f32)`,
//! zero entries dropped from sparse rows) and asserted exactly; the rest pin edge cases of the
//! generic code. Whole-epoch behaviour is tested in `crates/yuma/tests/`.

use substrate_fixed::types::I32F32;

use super::*;

/// subtensor's `fixed(f32)`.
fn fixed(x: f32) -> I32F32 {
    I32F32::saturating_from_num(x)
}

fn fixed_vec(x: &[f32]) -> Vec<I32F32> {
    x.iter().map(|&v| fixed(v)).collect()
}

/// subtensor's `vec_to_sparse_mat_fixed(dense, rows, false)`: row-major, zeros dropped.
fn sparse(dense: &[f32], rows: usize) -> Sparse<I32F32> {
    let cols = dense.len() / rows;
    (0..rows)
        .map(|r| {
            (0..cols)
                .filter(|&c| dense[r * cols + c] > 0.0)
                .map(|c| (c as u16, I32F32::from_num(dense[r * cols + c])))
                .collect()
        })
        .collect()
}

/// `weighted_median` over the whole vector with `majority`, as subtensor's test calls it.
fn median(stake: &[I32F32], score: &[I32F32], majority: I32F32) -> I32F32 {
    let idx: Vec<usize> = (0..stake.len()).collect();
    let total = stake.iter().fold(I32F32::ZERO, |a, &s| a + s);
    weighted_median(
        stake,
        score,
        &idx,
        fixed(1.0) - majority,
        I32F32::ZERO,
        total,
    )
}

#[test]
fn weighted_median_matches_subtensor_cases() {
    let m = fixed(0.51);
    assert_eq!(median(&[], &[], m), fixed(0.0));
    // (stake, score, expected) from test_math_weighted_median.
    let cases: [(&[f32], &[f32], f32); 10] = [
        (&[0.49, 0.51], &[0.5, 1.0], 1.0),
        (&[0.51, 0.49], &[0.5, 1.0], 0.5),
        (&[0.49, 0.0, 0.51], &[0.5, 0.7, 1.0], 1.0),
        (&[0.49, 0.01, 0.5], &[0.5, 0.7, 1.0], 0.7),
        (&[0.49, 0.51, 0.0], &[0.5, 0.7, 1.0], 0.7),
        (&[0.0, 0.49, 0.51], &[0.5, 0.7, 1.0], 1.0),
        (&[0.0, 0.49, 0.0, 0.51], &[0.5, 0.5, 1.0, 1.0], 1.0),
        (
            &[0.0, 0.49, 0.0, 0.51, 0.0],
            &[0.5, 0.5, 1.0, 1.0, 0.5],
            1.0,
        ),
        (&[0.2, 0.2, 0.2, 0.2, 0.2], &[0.8, 0.2, 1.0, 0.6, 0.4], 0.6),
        (
            &[0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1],
            &[0.8, 0.8, 0.2, 0.2, 1.0, 1.0, 0.6, 0.6, 0.4, 0.4],
            0.6,
        ),
    ];
    for (stake, score, want) in cases {
        let got = median(&fixed_vec(stake), &fixed_vec(score), m);
        assert_eq!(got, fixed(want), "stake {stake:?} score {score:?}");
    }
}

#[test]
fn weighted_median_follows_kappa_in_both_number_types() {
    // Four equal stakes on 0.1..0.4: the stake below 0.3 is exactly one half.
    let stake = [0.25f32; 4];
    let score = [0.4f32, 0.1, 0.3, 0.2];
    for (majority, want) in [(0.5f32, 0.3f32), (0.75, 0.2), (0.25, 0.4), (1.0, 0.1)] {
        let got = median(&fixed_vec(&stake), &fixed_vec(&score), fixed(majority));
        assert_eq!(got, fixed(want), "fixed, majority {majority}");
        let idx = [0, 1, 2, 3];
        let got = weighted_median(&stake, &score, &idx, 1.0 - majority, 0.0, 1.0);
        assert_eq!(got, want, "f32, majority {majority}");
    }
}

#[test]
fn weighted_median_col_sparse_matches_subtensor_cases() {
    assert_eq!(
        weighted_median_col_sparse(
            &fixed_vec(&[0.0, 0.0]),
            &sparse(&[0.0; 4], 2),
            2,
            fixed(0.5)
        ),
        fixed_vec(&[0.0, 0.0])
    );
    let weights = sparse(&[0., 0.1, 0., 0., 0.2, 0.4, 0., 0.3, 0.1, 0., 0.4, 0.5], 4);
    let stake = fixed_vec(&[0., 0.75, 0.25, 0.]);
    for (majority, want) in [
        (0.24f32, [0.0f32, 0.3, 0.4]),
        (0.26, [0.0, 0.2, 0.4]),
        (0.76, [0.0, 0.2, 0.1]),
    ] {
        assert_eq!(
            weighted_median_col_sparse(&stake, &weights, 3, fixed(majority)),
            fixed_vec(&want),
            "majority {majority}"
        );
    }
    let weights = sparse(&[0., 0.1, 0., 0., 0.2, 0.4, 0., 0.3, 0.1, 0., 0., 0.5], 4);
    let stake = fixed_vec(&[0., 0.3, 0.2, 0.5]);
    assert_eq!(
        weighted_median_col_sparse(&stake, &weights, 3, fixed(0.51)),
        fixed_vec(&[0., 0., 0.4])
    );
}

#[test]
fn is_topk_nonzero_breaks_ties_towards_higher_uids() {
    // subtensor's test_math_is_topk vectors (all nonzero except the zeros noted).
    let v = fixed_vec(&[0., 1., 2., 3., 4., 5., 5., 5., 5., 6.]);
    assert_eq!(
        is_topk_nonzero(&v, 5),
        [
            false, false, false, false, false, true, true, true, true, true
        ]
    );
    let v = fixed_vec(&[9., 0., 8., 1., 7., 2., 6., 3., 5., 4.]);
    assert_eq!(
        is_topk_nonzero(&v, 5),
        [
            true, false, true, false, true, false, true, false, true, false
        ]
    );
    // Equal values at the cut: the stable ascending sort drops the lower uids first.
    let v = fixed_vec(&[1., 1., 1., 1.]);
    assert_eq!(is_topk_nonzero(&v, 2), [false, false, true, true]);
    let v = [3.0f32, 2.0, 2.0, 2.0, 1.0];
    assert_eq!(is_topk_nonzero(&v, 3), [true, false, true, true, false]);
    // Zero never gets a permit, even when k leaves room for it.
    let v = fixed_vec(&[0., 0., 3., 1.]);
    assert_eq!(is_topk_nonzero(&v, 3), [false, false, true, true]);
    assert_eq!(is_topk_nonzero(&v, 10), [false, false, true, true]);
    assert_eq!(is_topk_nonzero(&v, 0), [false; 4]);
    assert_eq!(is_topk_nonzero::<I32F32>(&[], 5), Vec::<bool>::new());
}

#[test]
fn col_clip_sparse_matches_subtensor_and_drops_at_zero_threshold() {
    let threshold = fixed_vec(&[0., 5., 12.]);
    let m = sparse(&[0., 2., 3., 4., 5., 6., 7., 8., 9., 10., 11., 12.], 4);
    // Column 0 has threshold 0: its entries are dropped, not clipped to an explicit zero.
    assert_eq!(
        col_clip_sparse(&m, &threshold),
        sparse(&[0., 2., 3., 0., 5., 6., 0., 5., 9., 0., 5., 12.], 4)
    );
    let m = sparse(&[0., 2., 3., 4., 5., 6., 0., 0., 0., 10., 11., 12.], 4);
    assert_eq!(
        col_clip_sparse(&m, &threshold),
        sparse(&[0., 2., 3., 0., 5., 6., 0., 0., 0., 0., 5., 12.], 4)
    );
    // A stored zero weight is not above a zero threshold, so it stays (as on chain).
    let m: Sparse<f32> = vec![vec![(0, 0.0), (1, 0.5)]];
    assert_eq!(
        col_clip_sparse(&m, &[0.0, 0.25]),
        vec![vec![(0, 0.0), (1, 0.25)]]
    );
}

#[test]
fn interpolate_sparse_returns_an_input_at_the_ends() {
    let a: Sparse<f32> = vec![vec![(0, 0.5), (2, 0.5)]];
    let b: Sparse<f32> = vec![vec![(0, 0.25)]];
    assert_eq!(interpolate_sparse(&a, &b, 0.0), a);
    assert_eq!(interpolate_sparse(&a, &b, 1.0), b);
    // Halfway: positive results only, column 1 (zero in both) absent.
    assert_eq!(
        interpolate_sparse(&a, &b, 0.5),
        vec![vec![(0, 0.375), (2, 0.25)]]
    );
}

#[test]
fn mat_ema_alpha_sparse_drops_bonds_without_current_weight() {
    // Square, as every epoch matrix is (the EMA densifies rows to n columns).
    let new: Sparse<f32> = vec![vec![(1, 1.0)], vec![]];
    let old: Sparse<f32> = vec![vec![(0, 0.5), (1, 0.5)], vec![]];
    let alpha = vec![vec![0.5f32, 0.5]; 2];
    // Column 0 has no weight this epoch: dropped, not decayed. Column 1: 0.5·0.5 + 0.5·1.
    assert_eq!(
        mat_ema_alpha_sparse(&new, &old, &alpha),
        vec![vec![(1, 0.75)], vec![]]
    );
    // The constant-alpha EMA decays it instead.
    assert_eq!(
        mat_ema_sparse(&new, &old, 0.5),
        vec![vec![(0, 0.25), (1, 0.75)], vec![]]
    );
}

#[test]
fn liquid_alpha_with_equal_bounds_is_the_constant_ema() {
    // subtensor's test_liquid_alpha_equal_values_against_itself, on the sparse path: with
    // alpha_low == alpha_high the sigmoid has no room, so every bond gets that alpha.
    let w = sparse(&[0., 0.1, 0., 0., 0.2, 0.4, 0., 0.3, 0.1, 0., 0.4, 0.5], 4);
    let b = sparse(
        &[0.1, 0.1, 0.5, 0., 0., 0.4, 0.5, 0.1, 0.1, 0., 0.4, 0.2],
        4,
    );
    let consensus = fixed_vec(&[0.3, 0.2, 0.1]);
    let a = I32F32::saturating_from_num(u16::MAX / 10) / I32F32::saturating_from_num(u16::MAX);
    let alphas = compute_liquid_alpha_values_sparse(&w, &b, &consensus, a, a, fixed(1000.0), true);
    assert!(alphas.iter().flatten().all(|&x| x == a));
    // Entries present in the new weights agree with the constant EMA exactly.
    let liquid = mat_ema_alpha_sparse(&w, &b, &alphas);
    let constant = mat_ema_sparse(&w, &b, a);
    for (l_row, c_row) in liquid.iter().zip(&constant) {
        for &(j, v) in l_row {
            let c = c_row.iter().find(|&&(k, _)| k == j).map(|&(_, v)| v);
            assert_eq!(c, Some(v), "column {j}");
        }
    }
}

#[test]
fn alpha_sigmoid_moves_between_the_bounds() {
    let (low, high) = (0.7f32, 0.9f32);
    // Far above consensus: buying fast (high alpha); at consensus: slow.
    let fast = alpha_sigmoid(0.1, 1.0, 0.0, low, high, 1000.0, true);
    let slow = alpha_sigmoid(0.5, 0.5, 0.0, low, high, 1000.0, true);
    // 1 / (1 + e^-4) and 1 / (1 + e^5) of the way up: within 5e-3 of the bounds.
    assert!(
        (fast - high).abs() < 5e-3 && (slow - low).abs() < 5e-3,
        "{fast} {slow}"
    );
    assert!(low <= slow && slow < fast && fast <= high);
    // Halfway (difference 0.5) sits in the middle.
    let mid = alpha_sigmoid(0.0, 0.5, 0.0, low, high, 1000.0, true);
    assert!((mid - 0.8).abs() < 1e-6, "{mid}");
}

#[test]
fn normalising_zero_leaves_it_alone() {
    let mut v = [0.0f32; 3];
    inplace_normalize(&mut v);
    assert_eq!(v, [0.0; 3]);
    let mut m: Sparse<f32> = vec![vec![(0, 0.0)], vec![]];
    inplace_row_normalize_sparse(&mut m);
    inplace_col_normalize_sparse(&mut m, 1);
    assert_eq!(m, vec![vec![(0, 0.0)], vec![]]);
}

/// A random sparse square matrix of proportions (some entries stored as zero, as the chain can).
fn random_sparse(rng: &mut crate::synthetic::Rng, n: u16) -> Sparse<I32F32> {
    (0..n)
        .map(|_| {
            let density = rng.unit();
            let mut row = Vec::new();
            for j in 0..n {
                if rng.unit() < density {
                    let v = if rng.below(8) == 0 {
                        0
                    } else {
                        rng.below(1 << 32)
                    };
                    row.push((j, I32F32::from_bits(v as i64)));
                }
            }
            row
        })
        .collect()
}

#[test]
fn fused_liquid_alpha_ema_is_the_two_chain_steps_bit_for_bit() {
    let mut rng = crate::synthetic::Rng::new(41);
    for case in 0..300 {
        let n = 1 + rng.below(24) as u16;
        let (new, old) = (random_sparse(&mut rng, n), random_sparse(&mut rng, n));
        let consensus: Vec<I32F32> = (0..n)
            .map(|_| I32F32::from_bits(rng.below(1 << 32) as i64))
            .collect();
        let low = I32F32::from_bits(rng.below(1 << 31) as i64);
        let high = low + I32F32::from_bits(rng.below(1 << 31) as i64);
        // Steepness past ±4000 is where the clamped and unclamped `exp` part.
        let steepness = I32F32::from_num(rng.below(20_001) as i64 - 10_000);
        let clamped = rng.below(2) == 0;
        let alphas = compute_liquid_alpha_values_sparse(
            &new, &old, &consensus, low, high, steepness, clamped,
        );
        let chain = mat_ema_alpha_sparse(&new, &old, &alphas);
        let sigmoid = Sigmoid::new(low, high, steepness, clamped);
        let fused = mat_ema_liquid_alpha_sparse(&new, &old, &consensus, &sigmoid);
        assert_eq!(fused, chain, "case {case} (fixed)");
        // The f32 path the GPU mirrors, on the same values.
        let float = |m: &Sparse<I32F32>| -> Sparse<f32> {
            m.iter()
                .map(|r| r.iter().map(|&(j, v)| (j, v.to_num::<f32>())).collect())
                .collect()
        };
        let (new, old) = (float(&new), float(&old));
        let consensus: Vec<f32> = consensus.iter().map(|c| c.to_num()).collect();
        let (low, high, steepness) = (low.to_num(), high.to_num(), steepness.to_num());
        let alphas = compute_liquid_alpha_values_sparse(
            &new, &old, &consensus, low, high, steepness, clamped,
        );
        let chain = mat_ema_alpha_sparse(&new, &old, &alphas);
        let sigmoid = Sigmoid::new(low, high, steepness, clamped);
        let fused = mat_ema_liquid_alpha_sparse(&new, &old, &consensus, &sigmoid);
        let bits = |m: &Sparse<f32>| -> Vec<Vec<(u16, u32)>> {
            m.iter()
                .map(|r| r.iter().map(|&(j, v)| (j, v.to_bits())).collect())
                .collect()
        };
        assert_eq!(bits(&fused), bits(&chain), "case {case} (f32)");
    }
}

#[test]
fn a_negative_score_below_a_heavy_zero_group_is_still_the_median() {
    // Scores are never negative in an epoch, but the column median is public: with kappa 0.8
    // the zero group's half of the stake exceeds the minority, and so does the stake at -1,
    // which is the smaller score and the chain's answer.
    let stake = fixed_vec(&[0.5, 0.5]);
    let kappa = fixed(0.8);
    let column: Sparse<I32F32> = vec![vec![(0, fixed(-1.0))], vec![]];
    let chain = median(&stake, &[fixed(-1.0), fixed(0.0)], kappa);
    assert_eq!(chain, fixed(-1.0));
    assert_eq!(
        weighted_median_col_sparse(&stake, &column, 1, kappa),
        vec![chain]
    );
}
