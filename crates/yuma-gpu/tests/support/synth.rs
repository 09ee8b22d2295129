//! Synthetic subnets with Yuma's edge cases, from a seed, for the GPU agreement tests.
//!
//! `yuma::synthetic` shapes realistic subnets (the benchmark uses it); this generator instead
//! aims at the corners where a GPU port could drift from the CPU path. A subnet has: validators with permits and
//! large stake among miners with little or none, rows max-upscaled to 65535 as `set_weights`
//! stores them, explicit zero weights, weights set before their target re-registered, inactive
//! uids, an owner uid, earlier bonds, root (TAO) stake, and varied hyperparameters. It is not a
//! model of a real subnet; replaying chain state belongs to the `chain` crate. The generator is
//! a fixed SplitMix64 so the same seed gives the same subnet everywhere (no `rand` dependency).

use yuma::{EpochInput, EpochInputParts, EpochParams, LiquidAlpha, SparseRow, YumaVersion};

/// SplitMix64: small, fast, deterministic.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator from `seed`.
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..bound` (`bound` > 0; 0 gives 0).
    pub fn below(&mut self, bound: u64) -> u64 {
        if bound == 0 {
            0
        } else {
            self.next_u64() % bound
        }
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
}

/// What kind of subnet to generate.
#[derive(Clone, Debug, PartialEq)]
pub struct SynthSubnet {
    /// Uids (1..=65535; the GPU handles up to 256).
    pub n: u16,
    /// Uids with validator stake (and `max_allowed_validators`).
    pub validators: u16,
    /// Share of uids each weight row names.
    pub density: f64,
    /// Bonds rule.
    pub yuma: YumaVersion,
    /// Liquid alpha on (read by Yuma3 only).
    pub liquid_alpha: bool,
    /// Whether to add the edge cases (inactive uids, outdated weights, zero stakes, an owner,
    /// odd hyperparameters). Off gives a plain, dense, well-behaved subnet for benchmarks.
    pub hazards: bool,
    /// The seed.
    pub seed: u64,
}

impl SynthSubnet {
    /// A subnet of `n` uids with about a quarter validators, hazards on.
    pub fn new(n: u16, seed: u64) -> Self {
        SynthSubnet {
            n,
            validators: (n / 4).max(1),
            density: 0.6,
            yuma: YumaVersion::Yuma1,
            liquid_alpha: false,
            hazards: true,
            seed,
        }
    }

    /// Generates the subnet.
    pub fn build(&self) -> EpochInput {
        let mut rng = Rng::new(self.seed);
        let n = usize::from(self.n.max(1));
        let v = usize::from(self.validators).clamp(1, n);
        let hazards = self.hazards;

        // Validators at random uids.
        let mut order: Vec<usize> = (0..n).collect();
        for i in (1..n).rev() {
            order.swap(i, rng.below(i as u64 + 1) as usize);
        }
        let mut is_validator = vec![false; n];
        for &u in &order[..v] {
            is_validator[u] = true;
        }

        let alpha_stakes: Vec<u64> = (0..n)
            .map(|u| {
                if is_validator[u] {
                    1_000_000_000_000 + rng.below(999_000_000_000_000)
                } else if hazards && rng.chance(0.4) {
                    0
                } else {
                    rng.below(2_000_000_000)
                }
            })
            .collect();
        let tao_stakes: Vec<u64> = (0..n)
            .map(|u| {
                if is_validator[u] && rng.chance(0.5) {
                    rng.below(100_000_000_000_000)
                } else {
                    0
                }
            })
            .collect();

        let current_block = 100_000 + rng.below(50_000);
        let block_at_registration: Vec<u64> = (0..n)
            .map(|_| {
                if hazards && rng.chance(0.08) {
                    current_block - rng.below(300)
                } else {
                    rng.below(current_block - 20_000)
                }
            })
            .collect();
        let last_update: Vec<u64> = (0..n)
            .map(|_| {
                if hazards && rng.chance(0.08) {
                    current_block - 6_000 - rng.below(10_000)
                } else {
                    current_block - rng.below(1_000)
                }
            })
            .collect();

        let weights: Vec<SparseRow> = (0..n)
            .map(|u| {
                // Validators set weights; with hazards, a few non-validators do too (masked).
                let sets_weights = is_validator[u] || (hazards && rng.chance(0.1));
                if !sets_weights {
                    return Vec::new();
                }
                let mut row: Vec<(u16, u16)> = Vec::new();
                for j in 0..n {
                    if rng.chance(self.density) {
                        let w = if hazards && rng.chance(0.05) {
                            0
                        } else {
                            1 + rng.below(65_535) as u16
                        };
                        row.push((j as u16, w));
                    }
                }
                // Stored rows are max-upscaled to u16::MAX by set_weights.
                let max = row.iter().map(|&(_, w)| w).max().unwrap_or(0);
                if max > 0 {
                    for (_, w) in row.iter_mut() {
                        *w = (u64::from(*w) * 65_535 / u64::from(max)) as u16;
                    }
                }
                row
            })
            .collect();
        let bonds: Vec<SparseRow> = (0..n)
            .map(|u| {
                if !is_validator[u] || rng.chance(0.2) {
                    return Vec::new();
                }
                let mut row = Vec::new();
                for j in 0..n {
                    if rng.chance(self.density * 0.8) {
                        row.push((j as u16, rng.below(65_536) as u16));
                    }
                }
                row
            })
            .collect();

        let mut validator_permits = is_validator.clone();
        if hazards {
            for p in validator_permits.iter_mut() {
                if rng.chance(0.05) {
                    *p = !*p;
                }
            }
        }
        let owner_uid = (hazards && rng.chance(0.5)).then(|| rng.below(n as u64) as u16);
        let tempo = 360;
        let last_mechanism_step_block = if rng.chance(0.5) {
            0
        } else {
            current_block - u64::from(tempo) - 1
        };

        let mut params = EpochParams {
            max_allowed_validators: v as u16,
            tempo,
            yuma: self.yuma,
            tao_weight: if rng.chance(0.5) {
                u64::MAX / 100 * 18
            } else {
                0
            },
            ..EpochParams::default()
        };
        if hazards {
            params.kappa = 20_000 + rng.below(25_000) as u16;
            params.bonds_penalty = match rng.below(3) {
                0 => 0,
                1 => u16::MAX,
                _ => rng.below(65_536) as u16,
            };
            params.bonds_moving_average = 800_000 + rng.below(175_000);
            if rng.chance(0.3) {
                params.stake_threshold = 1_000_000_000;
            }
        }
        if self.liquid_alpha {
            let low = rng.below(50_000) as u16;
            params.liquid_alpha = Some(LiquidAlpha {
                alpha_low: low,
                alpha_high: low + rng.below(u64::from(u16::MAX - low) + 1) as u16,
                sigmoid_steepness: 100 + rng.below(2_000) as i16,
            });
        }

        let parts = EpochInputParts {
            weights,
            bonds,
            alpha_stakes,
            tao_stakes,
            validator_permits,
            last_update,
            block_at_registration,
            owner_uid,
            current_block,
            last_mechanism_step_block,
            rao_emission: 1_000_000_000,
            params,
        };
        // Every vector has n entries, targets are below n and unique, stakes stay far below
        // the 2^62 limit and alpha_low <= alpha_high: EpochInput::new accepts it.
        match EpochInput::new(parts) {
            Ok(input) => input,
            Err(e) => unreachable!("synthetic subnet refused: {e}"),
        }
    }
}
