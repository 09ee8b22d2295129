//! `I32F32` multiplication, division and `exp` bit for bit as substrate-fixed computes them,
//! without its 128-bit division and overflow-checked 128-bit multiplication.
//!
//! substrate-fixed divides two `I32F32` by widening to `i128`: the quotient's bits are
//! `((a as i128) << 32) / (b as i128)`, truncated toward zero, and the division fails (checked)
//! or saturates (saturating) when that quotient does not fit an `i64`. The 128-bit division is a
//! software routine and was the largest single arithmetic cost of a fixed-point epoch. Every
//! epoch value is far below the range where that width is needed, so the same quotient is found
//! here with one or two native `u64` divisions (and, for divisors above one, a 32-bit-digit
//! long-division step corrected with a 128-bit *multiplication*, which is one instruction).
//! Multiplication is `((a as i128) * ((b as i128) << 32)) >> 64` with a checked 128-bit product;
//! the same bits are the plain 64×64→128 product shifted by 32, overflowing exactly when that
//! does not fit an `i64` (built from 32-bit halves in wasm, which has no such product). The
//! equality with substrate-fixed is tested bit for bit on edge values and random operands
//! (`tests/fixed_arith.rs` and the unit tests below).

use substrate_fixed::types::I32F32;

/// `floor(a · 2^32 / d)` for `d ≠ 0`, or `None` when it is `2^64` or more.
///
/// Long division in base 2^32: `a = q1·d + r1` natively, then the next digit
/// `floor(r1 · 2^32 / d)`, which is below 2^32 because `r1 < d`.
#[inline]
fn shifted_quotient(a: u64, d: u64) -> Option<u64> {
    // A power of two dividing both leaves the quotient as it is, and whole numbers (raw weights,
    // stored bonds, their sums) then divide in the 64-bit fast path.
    let t = (a | d).trailing_zeros();
    let (a, d) = (a >> t, d >> t);
    if a >> 32 == 0 {
        // The common case (|a| below one): the dividend fits 64 bits.
        return Some((a << 32) / d);
    }
    let (q1, r1) = (a / d, a % d);
    if q1 >> 32 != 0 {
        return None;
    }
    let q2 = if d >> 32 == 0 {
        // r1 < d < 2^32, so r1 · 2^32 fits 64 bits.
        (r1 << 32) / d
    } else {
        next_digit(r1, d)
    };
    Some(q1 << 32 | q2)
}

/// `floor(r · 2^32 / d)` for `2^32 ≤ d` and `r < d` (so the result is below 2^32).
///
/// Knuth's algorithm D for one digit: with `d` shifted until its top bit is set, the estimate
/// from the divisor's top 32 bits is never below the true digit and at most 2 above it; the
/// estimate is lowered while its product with the divisor exceeds the dividend. The loop is
/// exact whatever the bound, since it starts at or above the answer.
#[inline]
fn next_digit(r: u64, d: u64) -> u64 {
    let s = d.leading_zeros();
    let (dn, rn) = (d << s, r << s);
    let top = dn >> 32;
    let mut q = (rn / top).min(u64::from(u32::MAX));
    let dividend = u128::from(rn) << 32;
    while u128::from(q) * u128::from(dn) > dividend {
        q -= 1;
    }
    q
}

/// The bits of `a / b` for `I32F32` bits `a`, `b`: `None` when `b` is zero or the quotient
/// overflows, as substrate-fixed's `checked_div`.
#[inline]
pub fn checked_div_bits(a: i64, b: i64) -> Option<i64> {
    if b == 0 {
        return None;
    }
    let q = shifted_quotient(a.unsigned_abs(), b.unsigned_abs())?;
    with_sign(q, (a < 0) != (b < 0))
}

/// The quotient of the magnitudes with the quotient's sign, or `None` where that leaves `i64`:
/// truncation toward zero is the negated quotient of the magnitudes, and -2^63 still fits.
#[inline]
fn with_sign(q: u64, negative: bool) -> Option<i64> {
    if negative {
        if q > 1 << 63 {
            None
        } else {
            Some((q as i64).wrapping_neg())
        }
    } else {
        i64::try_from(q).ok()
    }
}

/// The bits of `a / b` saturated at overflow toward the quotient's sign, as substrate-fixed's
/// `saturating_div`; `None` only for a zero divisor (which substrate-fixed panics on).
#[inline]
pub fn saturating_div_bits(a: i64, b: i64) -> Option<i64> {
    if b == 0 {
        return None;
    }
    Some(checked_div_bits(a, b).unwrap_or(if (a < 0) != (b < 0) {
        i64::MIN
    } else {
        i64::MAX
    }))
}

/// The bits of `a · b` for `I32F32` bits `a`, `b`, or `None` on overflow, as substrate-fixed's
/// `checked_mul`: the exact product floored to 2^-32 (an arithmetic shift), which overflows
/// exactly when substrate-fixed's `(a · b · 2^32)` overflows `i128`, i.e. when it leaves `i64`.
#[inline]
pub fn checked_mul_bits(a: i64, b: i64) -> Option<i64> {
    #[cfg(target_arch = "wasm32")]
    return mul_by_limbs(a, b);
    #[cfg(not(target_arch = "wasm32"))]
    return mul_wide(a, b);
}

/// [`checked_mul_bits`] through the 64×64→128 product: one instruction on 64-bit hosts.
#[inline]
#[cfg_attr(target_arch = "wasm32", allow(dead_code))]
fn mul_wide(a: i64, b: i64) -> Option<i64> {
    let p = (i128::from(a) * i128::from(b)) >> 32;
    i64::try_from(p).ok()
}

/// [`checked_mul_bits`] from 32-bit halves with 64-bit multiplications, for wasm: it has no
/// 64×64→128 multiply, and an `i128` product there is a call to a generic 128×128 software
/// routine (`__multi3`). Operands below one in magnitude (most of an epoch's) take one
/// multiplication. A test checks it against [`mul_wide`] bit for bit.
#[inline(always)]
#[cfg_attr(not(any(test, target_arch = "wasm32")), allow(dead_code))]
fn mul_by_limbs(a: i64, b: i64) -> Option<i64> {
    const LOW: u64 = u32::MAX as u64;
    let (x, y) = (a.unsigned_abs(), b.unsigned_abs());
    let (x1, x0, y1, y0) = (x >> 32, x & LOW, y >> 32, y & LOW);
    let low = x0 * y0;
    // floor(|a · b| / 2^32) from the halves' products, each of which fits 64 bits (a high half
    // of a magnitude is at most 2^31, a low half below 2^32); a quotient of 2^64 or more
    // overflows.
    let q = if x1 | y1 == 0 {
        low >> 32
    } else {
        let high = x1 * y1;
        if high >> 32 != 0 {
            return None;
        }
        (high << 32)
            .checked_add(x1 * y0)?
            .checked_add(x0 * y1)?
            .checked_add(low >> 32)?
    };
    let negative = (a < 0) != (b < 0);
    // The arithmetic shift of a negative product floors: -ceil(|a · b| / 2^32), and the bits
    // below 2^32 of |a · b| are those of the low halves' product.
    let magnitude = if negative {
        q.checked_add(u64::from(low & LOW != 0))?
    } else {
        q
    };
    with_sign(magnitude, negative)
}

/// The bits of `a · b` saturated toward the product's sign, as substrate-fixed's
/// `saturating_mul`.
#[inline]
pub fn saturating_mul_bits(a: i64, b: i64) -> i64 {
    checked_mul_bits(a, b).unwrap_or(if (a < 0) != (b < 0) {
        i64::MIN
    } else {
        i64::MAX
    })
}

/// `1 + x + x^2/2! + … + x^31/31!` for `x ≥ 0` as substrate-fixed's `exp` sums it: each term
/// from the last by a checked multiplication by `x` and a division by its index.
///
/// Written out term by term so that each division is by a constant (a multiplication and a
/// shift instead of a hardware division, on a chain where every term waits for the last), and
/// it stops at the first zero term: every later one is `0 · x / i = 0` and adds nothing.
#[inline]
fn series(x: i64) -> Option<i64> {
    let mut result = x.checked_add(1 << 32)?;
    let mut term = x;
    macro_rules! terms {
        ($($i:literal)*) => {$(
            term = checked_mul_bits(term, x)? / $i;
            if term == 0 {
                return Some(result);
            }
            result = result.checked_add(term)?;
        )*};
    }
    terms!(2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31);
    Some(result)
}

/// The bits of substrate-fixed's `transcendental::exp::<I32F32, I32F32>(x)`, or `None` where it
/// fails, by the same steps: the Taylor series to the term in `x^31` (one multiplication, one
/// division by the term's index and one addition per term, each checked), and for a negative
/// `x` the reciprocal of the series at `-x`.
///
/// Liquid alpha takes one `exp` per bond, and substrate-fixed's runs 30 of its 128-bit
/// divisions each; here the multiplication is the one above, and dividing a term by the whole
/// number `i` (bits `i · 2^32`) is `floor(a · 2^32 / (i · 2^32)) = floor(a / i)` (the terms
/// are non-negative), an integer division by a constant (see [`series`]).
pub fn exp_bits(x: i64) -> Option<i64> {
    const ONE: i64 = 1 << 32;
    if x == 0 {
        return Some(ONE);
    }
    if x == ONE {
        // substrate-fixed's shortcut: its `E` constant (23 fraction bits), widened.
        return Some(I32F32::from(substrate_fixed::transcendental::E).to_bits());
    }
    let negative = x < 0;
    let x = if negative { x.checked_neg()? } else { x };
    let result = series(x)?;
    if negative {
        checked_div_bits(ONE, result)
    } else {
        Some(result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference(a: i64, b: i64) -> Option<i64> {
        I32F32::from_bits(a)
            .checked_div(I32F32::from_bits(b))
            .map(I32F32::to_bits)
    }

    fn reference_mul(a: i64, b: i64) -> Option<i64> {
        I32F32::from_bits(a)
            .checked_mul(I32F32::from_bits(b))
            .map(I32F32::to_bits)
    }

    #[test]
    fn edge_operands_divide_and_multiply_as_substrate_fixed() {
        let mut edges = vec![
            0i64,
            1,
            -1,
            2,
            -2,
            3,
            i64::MAX,
            i64::MIN,
            i64::MAX - 1,
            i64::MIN + 1,
        ];
        for k in 0..63 {
            for v in [1i64 << k, (1i64 << k) - 1, (1i64 << k) + 1] {
                edges.extend([v, -v]);
            }
        }
        for &a in &edges {
            for &b in &edges {
                assert_eq!(checked_div_bits(a, b), reference(a, b), "{a} / {b}");
                assert_eq!(checked_mul_bits(a, b), reference_mul(a, b), "{a} * {b}");
                assert_eq!(
                    mul_by_limbs(a, b),
                    reference_mul(a, b),
                    "{a} * {b} by limbs"
                );
            }
        }
    }

    /// The wasm build's multiplication against the native one on random operands at every
    /// scale and sign (the edge test above compares both with substrate-fixed).
    #[test]
    fn multiplication_by_limbs_is_the_wide_products() {
        let mut rng = crate::synthetic::Rng::new(11);
        for _ in 0..1_000_000 {
            let a = (rng.next_u64() as i64) >> rng.below(64);
            let b = (rng.next_u64() as i64) >> rng.below(64);
            assert_eq!(mul_by_limbs(a, b), mul_wide(a, b), "{a} * {b}");
        }
    }

    fn reference_exp(x: i64) -> Option<i64> {
        substrate_fixed::transcendental::exp::<I32F32, I32F32>(I32F32::from_bits(x))
            .ok()
            .map(I32F32::to_bits)
    }

    #[test]
    fn exp_is_substrate_fixeds_bit_for_bit() {
        let one = 1i64 << 32;
        // Edges, the shortcuts and their neighbours, where the series starts to overflow
        // (about ±21.5), and the full range.
        let mut xs = vec![
            0,
            1,
            -1,
            one,
            one - 1,
            one + 1,
            -one,
            i64::MAX,
            i64::MIN,
            i64::MIN + 1,
        ];
        for k in -30i64..=30 {
            for d in [-1, 0, 1] {
                xs.push(k * one + d);
                xs.push(k * one / 2 + d);
            }
        }
        // A dense sweep of [-24, 24] (liquid alpha clamps to ±20) and random bits at every scale.
        let step = one / 4096 + 7;
        xs.extend((-24 * one..=24 * one).step_by(step as usize));
        let mut rng = crate::synthetic::Rng::new(5);
        for _ in 0..100_000 {
            let bits = rng.next_u64() as i64;
            xs.push(bits >> rng.below(64));
        }
        for x in xs {
            assert_eq!(exp_bits(x), reference_exp(x), "exp of bits {x}");
        }
    }
}
