//! Deterministic synthetic subnets for benchmarks, agreement tests and the lab's demos.
//!
//! Shaped like a real subnet rather than uniform noise: a few validators hold most stake
//! (heavy-tailed), miners have a hidden quality that honest validators estimate with noise, some
//! validators are lazy (stale `last_update`) and one may be an outlier that overrates a miner, so
//! consensus, clipping and bonds all have something to do. A small xorshift generator keeps the
//! crate free of `rand` and the output identical on every platform.

use crate::{EpochInput, EpochInputParts, EpochParams, YumaVersion};

/// xorshift64*: tiny, fast, and the same sequence everywhere.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed (0 is remapped, xorshift cannot leave it).
    pub fn new(seed: u64) -> Self {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15 | 1)
    }
    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Uniform integer in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
}

/// Shape of a synthetic subnet.
#[derive(Clone, Debug)]
pub struct Shape {
    /// Number of uids.
    pub n: u16,
    /// How many of them are validators (the first `validators` uids).
    pub validators: u16,
    /// Share of miners each validator scores (0..=1).
    pub density: f64,
    /// Bonds rule.
    pub yuma: YumaVersion,
    /// Liquid alpha on (Yuma3 only reads it).
    pub liquid_alpha: bool,
}

impl Shape {
    /// A full classic subnet: 256 uids, 64 validators, each scoring about half the miners.
    pub fn classic() -> Self {
        Shape {
            n: 256,
            validators: 64,
            density: 0.5,
            yuma: YumaVersion::Yuma1,
            liquid_alpha: false,
        }
    }
}

/// Builds a subnet of the given shape from `seed`.
pub fn subnet(shape: &Shape, seed: u64) -> EpochInput {
    let mut rng = Rng::new(seed);
    let n = usize::from(shape.n.max(1));
    let v = usize::from(shape.validators).min(n);
    let current_block = 10_000u64;
    let quality: Vec<f64> = (0..n).map(|_| rng.unit().powi(2)).collect();
    let mut alpha_stakes = vec![0u64; n];
    let mut last_update = vec![current_block; n];
    let mut weights: Vec<Vec<(u16, u16)>> = vec![Vec::new(); n];
    for i in 0..v {
        // Heavy tail: stake ~ 1e3..1e6 alpha, in rao.
        let exp = 3.0 + 3.0 * rng.unit().powi(3);
        alpha_stakes[i] = (10f64.powf(exp) * 1e9) as u64;
        if rng.unit() < 0.1 {
            last_update[i] = current_block - 6_000; // lazy: beyond the activity cutoff
        }
        let outlier = i == v / 2;
        let mut row: Vec<(u16, f64)> = Vec::new();
        for (j, &q) in quality.iter().enumerate().skip(v) {
            if rng.unit() < shape.density {
                let noisy = (q + 0.1 * (rng.unit() - 0.5)).max(0.0);
                let w = if outlier && j == v { 1.0 } else { noisy };
                row.push((j as u16, w));
            }
        }
        let max = row.iter().map(|&(_, w)| w).fold(0.0f64, f64::max);
        weights[i] = row
            .into_iter()
            .filter(|&(_, w)| w > 0.0 && max > 0.0)
            .map(|(j, w)| (j, ((w / max) * 65535.0).round() as u16))
            .filter(|&(_, w)| w > 0)
            .collect();
    }
    for s in alpha_stakes.iter_mut().skip(v) {
        *s = rng.below(1_000_000_000);
    }
    let block_at_registration: Vec<u64> = (0..n).map(|_| rng.below(5_000)).collect();
    let params = EpochParams {
        max_allowed_validators: shape.validators,
        yuma: shape.yuma,
        liquid_alpha: shape.liquid_alpha.then(Default::default),
        ..EpochParams::default()
    };
    let parts = EpochInputParts {
        weights,
        bonds: vec![Vec::new(); n],
        alpha_stakes,
        tao_stakes: vec![0; n],
        validator_permits: (0..n).map(|i| i < v).collect(),
        last_update,
        block_at_registration,
        owner_uid: None,
        current_block,
        last_mechanism_step_block: current_block - 361,
        rao_emission: 1_000_000_000,
        params,
    };
    // Every vector above has n entries and every target is below n.
    match EpochInput::new(parts) {
        Ok(input) => input,
        Err(e) => unreachable!("synthetic subnet is consistent by construction: {e}"),
    }
}
