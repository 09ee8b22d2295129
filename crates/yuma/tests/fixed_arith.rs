//! The fixed path's `I32F32` division and multiplication against substrate-fixed's own, bit for
//! bit.
//!
//! The epoch divides and multiplies without substrate-fixed's 128-bit division and checked
//! 128-bit product (they were the epoch's largest arithmetic cost), so a replay stays bit-exact
//! only if every quotient, product, overflow and zero divisor comes out exactly as the chain's
//! `checked_div` / `saturating_div` / `checked_mul` / `saturating_mul` give them. Checked here
//! on every pair of edge operands (zero, ±one bit, the extremes, powers of two and their
//! neighbours, the values where the result just overflows), on operands of every magnitude
//! drawn at random, and on proptest's own choices.

use proptest::prelude::*;
use substrate_fixed::types::I32F32;
use yuma::Scalar;
use yuma::synthetic::Rng;

fn assert_same(a: i64, b: i64) {
    let (x, y) = (I32F32::from_bits(a), I32F32::from_bits(b));
    let product = x.checked_mul(y).unwrap_or_default();
    assert_eq!(
        x.checked_mul_or_zero(y).to_bits(),
        product.to_bits(),
        "checked_mul {a} * {b}"
    );
    assert_eq!(
        x.sat_mul(y).to_bits(),
        x.saturating_mul(y).to_bits(),
        "sat_mul {a} * {b}"
    );
    let chain = x.checked_div(y).unwrap_or_default();
    assert_eq!(
        x.safe_div(y).to_bits(),
        chain.to_bits(),
        "safe_div {a} / {b}"
    );
    if b != 0 {
        assert_eq!(
            x.sat_div(y).to_bits(),
            x.saturating_div(y).to_bits(),
            "sat_div {a} / {b}"
        );
    }
}

/// Operand bits worth checking on their own: the corners of the range and every bit position.
fn edges() -> Vec<i64> {
    let mut v = vec![0, 1, 2, 3, i64::MAX, i64::MAX - 1, i64::MIN, i64::MIN + 1];
    for k in 0..63 {
        let p = 1i64 << k;
        v.extend([p, p - 1, p + 1, p | (p >> 1), p + (p >> 3)]);
    }
    // One, and the units just around it.
    v.extend([(1 << 32) - 1, 1 << 32, (1 << 32) + 1, 65_535 << 32, 65_535]);
    let negated: Vec<i64> = v.iter().map(|x| x.wrapping_neg()).collect();
    v.extend(negated);
    v.sort_unstable();
    v.dedup();
    v
}

#[test]
fn every_pair_of_edge_operands() {
    let e = edges();
    for &a in &e {
        for &b in &e {
            assert_same(a, b);
        }
    }
}

/// Products right at the top of the range: `a · b` near ±2^95, where the product's bits leave
/// `i64`.
#[test]
fn products_at_the_overflow_boundary() {
    let mut rng = Rng::new(5);
    for _ in 0..20_000 {
        let b = (rng.next_u64() >> (1 + rng.below(63) as u32)) as i64 | 1;
        // a ≈ 2^95 / b, and its neighbours.
        let a = ((1i128 << 95) / i128::from(b)).min(i128::from(i64::MAX)) as i64;
        for d in [-2i64, -1, 0, 1, 2] {
            let a = a.saturating_add(d);
            for (x, y) in [
                (a, b),
                (a.wrapping_neg(), b),
                (a, b.wrapping_neg()),
                (a.wrapping_neg(), b.wrapping_neg()),
            ] {
                assert_same(x, y);
            }
        }
    }
}

/// Quotients right at the top of the range: `b · q` and its neighbours for `q` near `i64::MAX`
/// and `i64::MIN`, where the checked division turns from a value into an overflow.
#[test]
fn quotients_at_the_overflow_boundary() {
    let mut rng = Rng::new(12);
    for _ in 0..20_000 {
        // a = b · 2^31 (quotient 2^63 bits) moved by a little, for b of every size.
        let b = (rng.next_u64() >> (rng.below(64) as u32)) as i64 | 1;
        let a = b.saturating_mul(1 << 31);
        for d in [-2i64, -1, 0, 1, 2] {
            let a = a.saturating_add(d);
            for (x, y) in [
                (a, b),
                (a.wrapping_neg(), b),
                (a, b.wrapping_neg()),
                (a.wrapping_neg(), b.wrapping_neg()),
            ] {
                assert_same(x, y);
            }
        }
    }
}

/// Operands of every bit length, both signs: each magnitude range exercises a different way
/// through the division (one native step, two, or the long-division digit).
#[test]
fn random_operands_of_every_magnitude() {
    let mut rng = Rng::new(7);
    let draw = |rng: &mut Rng| {
        let v = (rng.next_u64() >> rng.below(64)) as i64;
        if rng.next_u64() & 1 == 0 {
            v
        } else {
            v.wrapping_neg()
        }
    };
    let cases = if cfg!(debug_assertions) {
        300_000
    } else {
        3_000_000
    };
    for _ in 0..cases {
        let (a, b) = (draw(&mut rng), draw(&mut rng));
        assert_same(a, b);
    }
}

/// The operands an epoch divides: values in [0, 65535] (raw weights, stored bonds) by sums
/// of up to 256 of them, and proportions by their sums.
#[test]
fn epoch_shaped_operands() {
    let mut rng = Rng::new(3);
    for _ in 0..200_000 {
        let scale = if rng.next_u64() & 1 == 0 {
            65_535 << 32
        } else {
            1 << 32
        };
        let a = (rng.next_u64() % (scale + 1)) as i64;
        let b = a + (rng.next_u64() % (scale * (1 + rng.below(256)))) as i64;
        assert_same(a, b);
        assert_same(b, a);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(20_000))]
    #[test]
    fn any_operands(a in any::<i64>(), b in any::<i64>()) {
        assert_same(a, b);
    }

    #[test]
    fn small_divisors(a in any::<i64>(), b in -70_000i64..70_000) {
        assert_same(a, b);
    }
}
