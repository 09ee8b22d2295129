//! Unit tests for the chain arithmetic behind [`Scalar`]: clamps, saturations, truncations and
//! the divisions that yield zero, in both number types.

use substrate_fixed::types::I32F32;

use super::*;

#[test]
fn exp_safe_clamps_its_input_to_plus_minus_20() {
    use substrate_fixed::transcendental::exp;
    let at = |x: i32| exp::<I32F32, I32F32>(I32F32::from_num(x)).unwrap();
    // As subtensor's test_math_exp_safe: inside the range it is exp, outside the bound's exp.
    assert_eq!(I32F32::from_num(0).exp_safe(), at(0));
    assert_eq!(I32F32::from_num(1).exp_safe(), at(1));
    assert_eq!(I32F32::from_num(-21).exp_safe(), at(-20));
    assert_eq!(I32F32::min_value().exp_safe(), at(-20));
    assert_eq!(I32F32::from_num(21).exp_safe(), at(20));
    assert_eq!(I32F32::max_value().exp_safe(), at(20));
    assert_eq!(100.0f32.exp_safe(), 20.0f32.exp());
    assert_eq!(f32::NEG_INFINITY.exp_safe(), (-20.0f32).exp());
    assert!((1.0f32.exp_safe() - core::f32::consts::E).abs() < 1e-6);
}

#[test]
fn u16_proportions_truncate_and_saturate() {
    assert_eq!(I32F32::from_num(1).to_u16_proportion(), u16::MAX);
    assert_eq!(I32F32::from_num(0.5).to_u16_proportion(), 32_767);
    assert_eq!(I32F32::from_num(2).to_u16_proportion(), u16::MAX);
    assert_eq!(I32F32::from_num(-0.5).to_u16_proportion(), 0);
    assert_eq!(0.5f32.to_u16_proportion(), 32_767);
    assert_eq!(1.5f32.to_u16_proportion(), u16::MAX);
    assert_eq!((-1.0f32).to_u16_proportion(), 0);
    // from_u16_proportion is x / 65535, and back again loses nothing at the ends.
    assert_eq!(I32F32::from_u16_proportion(u16::MAX), I32F32::from_num(1));
    assert_eq!(<I32F32 as Scalar>::from_u16_proportion(0), I32F32::ZERO);
    assert_eq!(
        I32F32::from_u16_proportion(u16::MAX).to_u16_proportion(),
        u16::MAX
    );
}

#[test]
fn division_by_zero_is_zero() {
    assert_eq!(I32F32::from_num(3).safe_div(I32F32::ZERO), I32F32::ZERO);
    assert_eq!(3.0f32.safe_div(0.0), 0.0);
    assert_eq!(3.0f32.sat_div(0.0), 0.0);
    // An overflowing quotient is zero too (checked_div), not saturated.
    assert_eq!(
        I32F32::max_value().safe_div(I32F32::from_num(0.25)),
        I32F32::ZERO
    );
    assert_eq!(
        I32F32::max_value().sat_div(I32F32::from_num(0.25)),
        I32F32::max_value()
    );
}

#[test]
fn saturating_ops_saturate() {
    assert_eq!(
        I32F32::max_value().sat_add(I32F32::ONE),
        I32F32::max_value()
    );
    assert_eq!(
        I32F32::min_value().sat_sub(I32F32::ONE),
        I32F32::min_value()
    );
    assert_eq!(
        I32F32::max_value().sat_mul(I32F32::from_num(2)),
        I32F32::max_value()
    );
    // vec_mul's checked multiplication gives zero on overflow instead.
    assert_eq!(
        I32F32::max_value().checked_mul_or_zero(I32F32::from_num(2)),
        I32F32::ZERO
    );
}

#[test]
fn bonds_alpha_is_one_minus_the_moving_average() {
    // 1 - 900000/1e6 computed in I64F64 and narrowed, as compute_disabled_liquid_alpha.
    let a = I32F32::bonds_alpha(900_000);
    assert!((a.to_num::<f64>() - 0.1).abs() < 1e-9);
    assert_eq!(I32F32::bonds_alpha(1_000_000), I32F32::ZERO);
    assert_eq!(I32F32::bonds_alpha(0), I32F32::ONE);
    assert!((f32::bonds_alpha(975_000) - 0.025).abs() < 1e-7);
}

#[test]
fn rao_emission_floors() {
    assert_eq!(I32F32::from_num(0.5).times_rao(1_000_000_001), 500_000_000);
    assert_eq!(I32F32::ONE.times_rao(u64::MAX), u64::MAX);
    assert_eq!(I32F32::from_num(-0.5).times_rao(1000), 0);
    assert_eq!(0.25f32.times_rao(1000), 250);
    assert_eq!((-0.25f32).times_rao(1000), 0);
}

#[test]
fn stake_weights_filter_below_threshold_except_the_owner() {
    let alpha = [100, 50, 10, 0];
    let tao = [0; 4];
    let (w, raw) = I32F32::stake_weights(&alpha, &tao, 0, 20, Some(2));
    assert_eq!(raw, [100, 50, 10, 0]);
    // Uid 2 is under the threshold but owns the subnet; the total is 160.
    assert_eq!(w[1], I32F32::from_num(50) / I32F32::from_num(160));
    assert!(w[2] > I32F32::ZERO);
    assert_eq!(w[3], I32F32::ZERO);
    let (w, _) = I32F32::stake_weights(&alpha, &tao, 0, 20, None);
    assert_eq!(w[2], I32F32::ZERO);
    let (wf, _) = f32::stake_weights(&alpha, &tao, 0, 20, None);
    assert_eq!(wf, [100.0 / 150.0, 50.0 / 150.0, 0.0, 0.0]);
}

#[test]
fn f32_stake_weights_keep_the_chains_i32f32_truncation() {
    // A validator with a 1e-5 share among large ones: I32F32 keeps its weight only to 2^-32,
    // a relative error of about 1e-5, and the f32 path must carry the same value.
    let alpha = [9_079_664_821, 244_476_611_024, 496_000_000_000_000, 1];
    let tao = [0; 4];
    let (fixed, _) = I32F32::stake_weights(&alpha, &tao, 0, 0, None);
    let (float, _) = f32::stake_weights(&alpha, &tao, 0, 0, None);
    for (x, f) in fixed.iter().zip(&float) {
        assert_eq!(x.to_num::<f32>(), *f);
    }
    let exact = 9_079_664_821f64 / alpha.iter().map(|&a| a as f64).sum::<f64>();
    assert!((f64::from(float[0]) - exact).abs() > 1e-6 * exact);
    assert_eq!(float[3], 0.0);
}

#[test]
fn tao_weight_counts_root_stake() {
    // tao_weight u64::MAX counts TAO one for one; half of it, half.
    let alpha = [100, 0];
    let tao = [0, 100];
    let (_, raw) = I32F32::stake_weights(&alpha, &tao, u64::MAX, 0, None);
    assert_eq!(raw, [100, 100]);
    // (2^63 - 1) / (2^64 - 1) is just under one half in U96F32, so 100 TAO floors to 49 rao;
    // the f32 path's host-side f64 rounds it to exactly one half.
    let (_, raw) = I32F32::stake_weights(&alpha, &tao, u64::MAX / 2, 0, None);
    assert_eq!(raw, [100, 49]);
    let (_, raw) = f32::stake_weights(&alpha, &tao, u64::MAX / 2, 0, None);
    assert_eq!(raw, [100, 50]);
}
