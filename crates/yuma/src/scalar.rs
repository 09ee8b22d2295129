//! The number type an epoch is computed in.
//!
//! Subtensor runs Yuma on `I32F32` fixed-point numbers with saturating arithmetic, a division that
//! yields zero instead of failing, and a few steps in wider types (`I64F64` for stake, `I96F32`
//! for rao). [`Scalar`] names exactly those operations so that one generic algorithm
//! ([`crate::epoch`]) serves both the bit-exact path ([`crate::fixed`], on the chain's own types)
//! and the `f32` path ([`crate::float`]) that the GPU kernels implement. Having one algorithm is
//! the point: the two paths cannot drift apart step by step, only in rounding.

use core::cmp::Ordering;

use substrate_fixed::types::{I32F32, I64F64, I96F32};

mod i32f32;

/// One proportion or intermediate value of the epoch, with the chain's arithmetic.
///
/// Every operation mirrors the call subtensor makes at that point (`saturating_add`,
/// `safe_div`, ...). The `f32` implementation follows the same shape with IEEE arithmetic.
pub trait Scalar: Copy + PartialOrd + PartialEq + core::fmt::Debug + Send + Sync + 'static {
    /// Zero.
    const ZERO: Self;
    /// Addition is exact and associative short of overflow (fixed point; not `f32`, which
    /// rounds). Where it is, a sum may be taken in any order and come out the same bits, which
    /// lets the consensus median skip the chain's partitioning order (see
    /// [`crate::epoch::math::weighted_median_col_sparse`]).
    const EXACT_ADDITION: bool = false;
    /// One.
    const ONE: Self;
    /// A whole number, as `saturating_from_num` of an integer does on chain.
    fn from_int(x: i64) -> Self;
    /// A `u16` proportion `x / 65535`, as `u16_proportion_to_fixed`.
    fn from_u16_proportion(x: u16) -> Self {
        Self::from_int(i64::from(x)).safe_div(Self::from_int(i64::from(u16::MAX)))
    }
    /// `saturating_add`.
    fn sat_add(self, rhs: Self) -> Self;
    /// `saturating_sub`.
    fn sat_sub(self, rhs: Self) -> Self;
    /// `saturating_mul`.
    fn sat_mul(self, rhs: Self) -> Self;
    /// `checked_mul(..).unwrap_or_default()`, as `vec_mul` does.
    fn checked_mul_or_zero(self, rhs: Self) -> Self;
    /// `safe_div`: the quotient, or zero when the divisor is zero or the quotient overflows.
    fn safe_div(self, rhs: Self) -> Self;
    /// `saturating_div`, used by the liquid-alpha sigmoid.
    fn sat_div(self, rhs: Self) -> Self;
    /// Plain (wrapping in release, as the runtime is built) addition used by `Iterator::sum`.
    fn plain_add(self, rhs: Self) -> Self;
    /// `exp_safe`: `exp` with the input clamped to [-20, 20].
    fn exp_safe(self) -> Self;
    /// `safe_exp` of July 2025 runtimes: `exp`, or zero when it fails (the result overflows).
    fn exp_or_zero(self) -> Self;
    /// `fixed_proportion_to_u16`: `(x * 65535)` saturated into `u16`, truncated.
    fn to_u16_proportion(self) -> u16;
    /// The value as `f64`, for display.
    fn to_f64(self) -> f64;
    /// `I96F32::saturating_from_num(x) * rao_emission`, saturated to `u64`.
    fn times_rao(self, rao_emission: u64) -> u64;
    /// The constant bonds EMA coefficient `1 − bonds_moving_average / 1e6`.
    fn bonds_alpha(bonds_moving_average: u64) -> Self;
    /// Normalised stake weights: `alpha + tao * tao_weight` per uid, uids below the threshold
    /// (except the owner) set to zero, normalised in the wide type, then narrowed.
    ///
    /// Returns the normalised weights and each uid's total stake rounded down to rao.
    fn stake_weights(
        alpha: &[u64],
        tao: &[u64],
        tao_weight: u64,
        threshold: u64,
        owner_uid: Option<u16>,
    ) -> (Vec<Self>, Vec<u64>);

    /// Total order that `sort_by_key` on chain values gives (NaN cannot occur on the f32 path
    /// because every division is guarded).
    fn cmp_total(&self, other: &Self) -> Ordering {
        self.partial_cmp(other).unwrap_or(Ordering::Equal)
    }
    /// The smaller of two values.
    fn min_of(self, other: Self) -> Self {
        if other < self { other } else { self }
    }
    /// The larger of two values.
    fn max_of(self, other: Self) -> Self {
        if other > self { other } else { self }
    }
}

impl Scalar for I32F32 {
    const ZERO: Self = I32F32::from_bits(0);
    const EXACT_ADDITION: bool = true;
    const ONE: Self = I32F32::from_bits(1 << 32);

    fn from_int(x: i64) -> Self {
        I32F32::saturating_from_num(x)
    }
    fn sat_add(self, rhs: Self) -> Self {
        self.saturating_add(rhs)
    }
    fn sat_sub(self, rhs: Self) -> Self {
        self.saturating_sub(rhs)
    }
    fn sat_mul(self, rhs: Self) -> Self {
        I32F32::from_bits(i32f32::saturating_mul_bits(self.to_bits(), rhs.to_bits()))
    }
    fn checked_mul_or_zero(self, rhs: Self) -> Self {
        I32F32::from_bits(i32f32::checked_mul_bits(self.to_bits(), rhs.to_bits()).unwrap_or(0))
    }
    fn safe_div(self, rhs: Self) -> Self {
        // `checked_div(..).unwrap_or_default()`, without the 128-bit division (see `i32f32`).
        I32F32::from_bits(i32f32::checked_div_bits(self.to_bits(), rhs.to_bits()).unwrap_or(0))
    }
    fn sat_div(self, rhs: Self) -> Self {
        match i32f32::saturating_div_bits(self.to_bits(), rhs.to_bits()) {
            Some(bits) => I32F32::from_bits(bits),
            // A zero divisor: substrate-fixed's own panic.
            None => self.saturating_div(rhs),
        }
    }
    fn plain_add(self, rhs: Self) -> Self {
        self.wrapping_add(rhs)
    }
    fn exp_safe(self) -> Self {
        let lo = I32F32::from_num(-20);
        let hi = I32F32::from_num(20);
        let x = if self < lo {
            lo
        } else if hi < self {
            hi
        } else {
            self
        };
        // substrate-fixed's `exp`, bit for bit (see `i32f32::exp_bits`).
        match i32f32::exp_bits(x.to_bits()) {
            Some(bits) => I32F32::from_bits(bits),
            None if x <= 0 => I32F32::ZERO,
            None => I32F32::max_value(),
        }
    }
    fn exp_or_zero(self) -> Self {
        I32F32::from_bits(i32f32::exp_bits(self.to_bits()).unwrap_or(0))
    }
    fn to_u16_proportion(self) -> u16 {
        self.sat_mul(I32F32::saturating_from_num(u16::MAX))
            .saturating_to_num::<u16>()
    }
    fn to_f64(self) -> f64 {
        self.to_num::<f64>()
    }
    fn times_rao(self, rao_emission: u64) -> u64 {
        I96F32::saturating_from_num(self)
            .saturating_mul(I96F32::saturating_from_num(rao_emission))
            .saturating_to_num::<u64>()
    }
    fn bonds_alpha(bonds_moving_average: u64) -> Self {
        // The quotient is taken in I64F64 and narrowed, as `compute_disabled_liquid_alpha`.
        let ma = I64F64::saturating_from_num(bonds_moving_average)
            .checked_div(I64F64::saturating_from_num(1_000_000))
            .unwrap_or_default();
        I32F32::from_num(1).saturating_sub(I32F32::saturating_from_num(ma))
    }
    fn stake_weights(
        alpha: &[u64],
        tao: &[u64],
        tao_weight: u64,
        threshold: u64,
        owner_uid: Option<u16>,
    ) -> (Vec<Self>, Vec<u64>) {
        // get_tao_weight() is U96F32(stored) / U96F32(u64::MAX), then widened to I64F64.
        let tw = substrate_fixed::types::U96F32::saturating_from_num(tao_weight);
        let tw = tw
            .checked_div(substrate_fixed::types::U96F32::saturating_from_num(
                u64::MAX,
            ))
            .unwrap_or_default();
        let tao_weight = I64F64::saturating_from_num(tw);
        let total: Vec<I64F64> = alpha
            .iter()
            .zip(tao)
            .map(|(&a, &t)| {
                I64F64::saturating_from_num(a)
                    .saturating_add(I64F64::saturating_from_num(t).saturating_mul(tao_weight))
            })
            .collect();
        let raw: Vec<u64> = total.iter().map(|s| s.saturating_to_num::<u64>()).collect();
        let mut filtered: Vec<I64F64> = total
            .iter()
            .zip(&raw)
            .enumerate()
            .map(|(uid, (&s, &floor))| {
                if owner_uid != Some(uid as u16) && floor < threshold {
                    I64F64::from_num(0)
                } else {
                    s
                }
            })
            .collect();
        // inplace_normalize_64; the sum fits because EpochInput bounds total stake.
        let sum = filtered
            .iter()
            .fold(I64F64::from_num(0), |acc, x| acc.wrapping_add(*x));
        if sum != I64F64::from_num(0) {
            for v in filtered.iter_mut() {
                *v = v.checked_div(sum).unwrap_or_default();
            }
        }
        let weights = filtered
            .into_iter()
            .map(I32F32::saturating_from_num)
            .collect();
        (weights, raw)
    }
}

impl Scalar for f32 {
    const ZERO: Self = 0.0;
    const ONE: Self = 1.0;

    fn from_int(x: i64) -> Self {
        x as f32
    }
    fn sat_add(self, rhs: Self) -> Self {
        self + rhs
    }
    fn sat_sub(self, rhs: Self) -> Self {
        self - rhs
    }
    fn sat_mul(self, rhs: Self) -> Self {
        self * rhs
    }
    fn checked_mul_or_zero(self, rhs: Self) -> Self {
        self * rhs
    }
    fn safe_div(self, rhs: Self) -> Self {
        if rhs == 0.0 { 0.0 } else { self / rhs }
    }
    fn sat_div(self, rhs: Self) -> Self {
        if rhs == 0.0 { 0.0 } else { self / rhs }
    }
    fn plain_add(self, rhs: Self) -> Self {
        self + rhs
    }
    fn exp_safe(self) -> Self {
        self.clamp(-20.0, 20.0).exp()
    }
    fn exp_or_zero(self) -> Self {
        // The fixed path fails past I32F32's range (2^31), and the chain then uses zero.
        let v = self.exp();
        if v.is_finite() && v < 2_147_483_648.0 {
            v
        } else {
            0.0
        }
    }
    fn to_u16_proportion(self) -> u16 {
        let v = self * 65535.0;
        if v <= 0.0 {
            0
        } else if v >= 65535.0 {
            u16::MAX
        } else {
            v as u16
        }
    }
    fn to_f64(self) -> f64 {
        f64::from(self)
    }
    fn times_rao(self, rao_emission: u64) -> u64 {
        let v = f64::from(self) * rao_emission as f64;
        if v <= 0.0 { 0 } else { v as u64 }
    }
    fn bonds_alpha(bonds_moving_average: u64) -> Self {
        (1.0 - bonds_moving_average as f64 / 1e6) as f32
    }
    fn stake_weights(
        alpha: &[u64],
        tao: &[u64],
        tao_weight: u64,
        threshold: u64,
        owner_uid: Option<u16>,
    ) -> (Vec<Self>, Vec<u64>) {
        // Stake is normalised in f64 on the host (the GPU receives the f32 result): rao
        // amounts do not fit f32's 24-bit mantissa.
        let tw = tao_weight as f64 / u64::MAX as f64;
        let total: Vec<f64> = alpha
            .iter()
            .zip(tao)
            .map(|(&a, &t)| a as f64 + t as f64 * tw)
            .collect();
        let raw: Vec<u64> = total.iter().map(|&s| s as u64).collect();
        let filtered: Vec<f64> = total
            .iter()
            .zip(&raw)
            .enumerate()
            .map(|(uid, (&s, &floor))| {
                if owner_uid != Some(uid as u16) && floor < threshold {
                    0.0
                } else {
                    s
                }
            })
            .collect();
        let sum: f64 = filtered.iter().sum();
        // The chain narrows its I64F64 stake weights to I32F32, dropping every bit under 2^-32.
        // Done here too: a validator holding a 10^-5 share carries a 2·10^-5 relative error
        // on chain, and active-stake normalisation and bond columns amplify it past what the
        // f32 path would otherwise reproduce.
        let to_i32f32_grid = |w: f64| (w * 2f64.powi(32)).floor() / 2f64.powi(32);
        let weights = filtered
            .iter()
            .map(|&s| {
                if sum > 0.0 {
                    to_i32f32_grid(s / sum) as f32
                } else {
                    s as f32
                }
            })
            .collect();
        (weights, raw)
    }
}

#[cfg(test)]
mod tests;
