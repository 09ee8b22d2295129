//! GPU epochs against `yuma::float` (the CPU f32 path) on the same inputs: hand cases, random
//! subnets of every size class in one batch, Yuma1, Yuma3 and liquid alpha, multi-epoch runs
//! with bonds carried on the GPU, and parameter sweeps.
//!
//! These run on whatever adapter wgpu finds; CI and this machine have lavapipe (Mesa's Vulkan
//! on the CPU). No adapter is a failure, not a skip: the point is to run the kernels.
//!
//! Tolerances, and why:
//! - proportions (consensus, incentive, dividends, validator trust): |gpu − cpu| ≤ 1e-5, the
//!   agreement the issue asks for;
//! - stored `u16` values (consensus, incentive, dividends, trust, bonds): ≤ 1, since both are
//!   truncations of `x · 65535` and `x` may differ by a few ULP;
//! - rao (server, validator, combined emission): ≤ 1e-5 × rao_emission, the proportion
//!   tolerance in rao;
//! - host-computed values (stake, stake rao) and booleans (active, permits): exactly equal;
//! - ranking: uids whose CPU incentives differ by more than 2e-5 (twice the tolerance, so a
//!   tie within rounding cannot flip them) are ordered the same.
//!
//! The largest differences seen are printed (run with `--nocapture`).
#![allow(clippy::unwrap_used)]

use std::sync::OnceLock;

use yuma::{EpochInput, EpochOutput, EpochParams, LiquidAlpha, YumaVersion};

#[path = "support/synth.rs"]
#[allow(dead_code)] // test files share the generator and use different parts of it
mod synth;

use synth::SynthSubnet;
use yuma_gpu::{Batch, GpuEngine, GpuError, RunOptions, SelectedEngine};

const TOL: f64 = 1e-5;

fn engine() -> &'static GpuEngine {
    static ENGINE: OnceLock<GpuEngine> = OnceLock::new();
    ENGINE.get_or_init(|| match pollster::block_on(GpuEngine::new()) {
        Ok(engine) => {
            eprintln!("adapter: {}", engine.adapter_summary());
            engine
        }
        Err(e) => panic!("the GPU tests need an adapter (lavapipe in CI): {e}"),
    })
}

/// The largest differences seen in one comparison.
#[derive(Debug, Default, Clone, Copy)]
struct Diff {
    float: f64,
    u16: i64,
    rao: i64,
    bonds: i64,
}

impl Diff {
    fn max(self, o: Diff) -> Diff {
        Diff {
            float: self.float.max(o.float),
            u16: self.u16.max(o.u16),
            rao: self.rao.max(o.rao),
            bonds: self.bonds.max(o.bonds),
        }
    }
}

fn compare(what: &str, input: &EpochInput, cpu: &EpochOutput, gpu: &EpochOutput) -> Diff {
    let mut d = Diff::default();
    assert_eq!(gpu.active, cpu.active, "{what}: active");
    assert_eq!(
        gpu.validator_permits, cpu.validator_permits,
        "{what}: permits"
    );
    assert_eq!(
        gpu.stake_weight_u16, cpu.stake_weight_u16,
        "{what}: stake u16"
    );
    assert_eq!(gpu.stake_rao, cpu.stake_rao, "{what}: stake rao");
    assert_eq!(gpu.floats.stake, cpu.floats.stake, "{what}: stake");
    let floats = [
        ("consensus", &gpu.floats.consensus, &cpu.floats.consensus),
        ("incentive", &gpu.floats.incentive, &cpu.floats.incentive),
        ("dividends", &gpu.floats.dividends, &cpu.floats.dividends),
        (
            "validator_trust",
            &gpu.floats.validator_trust,
            &cpu.floats.validator_trust,
        ),
    ];
    for (name, g, c) in floats {
        assert_eq!(g.len(), c.len(), "{what}: {name} length");
        for (uid, (x, y)) in g.iter().zip(c.iter()).enumerate() {
            let diff = (x - y).abs();
            assert!(diff <= TOL, "{what}: {name}[{uid}] gpu {x} cpu {y}");
            d.float = d.float.max(diff);
        }
    }
    let u16s = [
        ("consensus_u16", &gpu.consensus_u16, &cpu.consensus_u16),
        ("incentive_u16", &gpu.incentive_u16, &cpu.incentive_u16),
        ("dividends_u16", &gpu.dividends_u16, &cpu.dividends_u16),
        (
            "validator_trust_u16",
            &gpu.validator_trust_u16,
            &cpu.validator_trust_u16,
        ),
    ];
    for (name, g, c) in u16s {
        for (uid, (&x, &y)) in g.iter().zip(c.iter()).enumerate() {
            let diff = (i64::from(x) - i64::from(y)).abs();
            assert!(diff <= 1, "{what}: {name}[{uid}] gpu {x} cpu {y}");
            d.u16 = d.u16.max(diff);
        }
    }
    let rao_tol = (TOL * input.rao_emission() as f64).ceil() as i64;
    let raos = [
        (
            "server_emission",
            &gpu.server_emission,
            &cpu.server_emission,
        ),
        (
            "validator_emission",
            &gpu.validator_emission,
            &cpu.validator_emission,
        ),
        ("emission", &gpu.emission, &cpu.emission),
    ];
    for (name, g, c) in raos {
        for (uid, (&x, &y)) in g.iter().zip(c.iter()).enumerate() {
            let diff = (x as i64 - y as i64).abs();
            assert!(diff <= rao_tol, "{what}: {name}[{uid}] gpu {x} cpu {y}");
            d.rao = d.rao.max(diff);
        }
    }
    assert_eq!(gpu.bonds.len(), cpu.bonds.len(), "{what}: bonds rows");
    for (i, (g, c)) in gpu.bonds.iter().zip(&cpu.bonds).enumerate() {
        let gj: Vec<u16> = g.iter().map(|&(j, _)| j).collect();
        let cj: Vec<u16> = c.iter().map(|&(j, _)| j).collect();
        assert_eq!(gj, cj, "{what}: bonds row {i} entries");
        for (&(j, x), &(_, y)) in g.iter().zip(c) {
            let diff = (i64::from(x) - i64::from(y)).abs();
            assert!(diff <= 1, "{what}: bonds[{i}][{j}] gpu {x} cpu {y}");
            d.bonds = d.bonds.max(diff);
        }
    }
    // Ranking, ties aside.
    let (gi, ci) = (&gpu.floats.incentive, &cpu.floats.incentive);
    for a in 0..ci.len() {
        for b in 0..ci.len() {
            if ci[a] > ci[b] + 2.0 * TOL {
                assert!(gi[a] > gi[b], "{what}: ranking of uids {a} and {b}");
            }
        }
    }
    d
}

/// The comparisons mean something only if the epochs did something: most subnets must pay
/// dividends through bonds and keep some stored bonds.
fn assert_nontrivial(what: &str, outputs: &[EpochOutput]) {
    let paying = outputs
        .iter()
        .filter(|o| o.floats.dividends.iter().any(|&d| d > 0.0))
        .count();
    let bonded = outputs
        .iter()
        .filter(|o| o.bonds.iter().any(|row| row.iter().any(|&(_, b)| b > 0)))
        .count();
    assert!(
        paying * 2 >= outputs.len() && bonded * 2 >= outputs.len(),
        "{what}: only {paying} of {} subnets pay dividends, {bonded} keep bonds",
        outputs.len()
    );
}

fn report(what: &str, d: Diff) {
    eprintln!(
        "{what}: max |diff| proportions {:.2e}, u16 {}, rao {}, bonds u16 {}",
        d.float, d.u16, d.rao, d.bonds
    );
}

fn case(json: &str) -> EpochInput {
    yuma::case::parse(json).unwrap().input
}

#[test]
fn hand_cases() {
    let cases = [
        // Two validators agree on miner 2 and split on miners 3 and 4.
        r#"{"weights": [[0,0,65535,65535,0],[0,0,65535,0,65535],[0,0,0,0,0],[0,0,0,0,0],[0,0,0,0,0]],
            "stakes": [600000000000, 400000000000, 0, 0, 0]}"#,
        // No weights at all: emission falls back to active stake.
        r#"{"weights": [[0,0,0],[0,0,0],[0,0,0]], "stakes": [5, 3, 0]}"#,
        // Everyone inactive: active stake is zero, emission falls back to stake.
        r#"{"weights": [[0,65535],[65535,0]], "stakes": [7, 9], "current_block": 100000,
            "last_update": [1, 1]}"#,
        // An owner weighting itself, a weight set before its target re-registered.
        r#"{"weights": [[65535,30000,65535],[0,65535,65535],[0,0,0]], "stakes": [10, 20, 0],
            "owner_uid": 0, "current_block": 1000, "last_update": [900, 900, 900],
            "block_at_registration": [0, 0, 950]}"#,
        // Yuma3 with liquid alpha and bonds, kappa as a proportion.
        r#"{"weights": [[0,0,65535,20000],[0,0,30000,65535],[0,0,0,0],[0,0,0,0]],
            "stakes": [3000, 1000, 0, 0], "yuma3": true, "liquid_alpha": true, "kappa": 0.5,
            "current_block": 10000,
            "bonds": [[0,0,40000,100],[0,0,0,65535],[0,0,0,0],[0,0,0,0]]}"#,
        // Explicit zero weights with bonds_penalty 0: present zeros reach liquid alpha's EMA.
        r#"{"weights_sparse": [[[2,0],[3,65535]],[[2,65535],[3,0]],[],[]],
            "stakes": [3000, 1000, 0, 0], "yuma3": true, "liquid_alpha": true,
            "bonds_penalty": 0, "bonds_sparse": [[[2,30000]],[[3,30000]],[],[]],
            "current_block": 10000}"#,
        // Yuma1 with bonds kept (registered before the last tempo) and a target that
        // registered since, whose bonds are dropped.
        r#"{"weights": [[0,0,65535,20000],[0,0,30000,65535],[0,0,0,0],[0,0,0,0]],
            "stakes": [3000, 1000, 0, 0], "current_block": 10000,
            "block_at_registration": [0, 0, 0, 9900],
            "last_update": [9950, 9950, 9950, 9950],
            "bonds": [[0,0,40000,100],[0,0,65535,65535],[0,0,0,0],[0,0,0,0]]}"#,
        // Liquid alpha's sigmoid on a stored consensus, in each consensus mode: previous
        // (always), auto (previous because bonds_penalty is 65535), auto with another penalty
        // (current), current; and previous with a short stored vector (missing uids read 0).
        r#"{"weights": [[0,0,65535,20000],[0,0,30000,65535],[0,0,0,0],[0,0,0,0]],
            "stakes": [3000, 1000, 0, 0], "yuma3": true, "liquid_alpha": true,
            "current_block": 10000, "liquid_alpha_consensus_mode": "previous",
            "previous_consensus": [0, 0, 60000, 1000],
            "bonds": [[0,0,40000,100],[0,0,0,65535],[0,0,0,0],[0,0,0,0]]}"#,
        r#"{"weights": [[0,0,65535,20000],[0,0,30000,65535],[0,0,0,0],[0,0,0,0]],
            "stakes": [3000, 1000, 0, 0], "yuma3": true, "liquid_alpha": true,
            "current_block": 10000, "previous_consensus": [0, 0, 60000, 1000],
            "bonds": [[0,0,40000,100],[0,0,0,65535],[0,0,0,0],[0,0,0,0]]}"#,
        r#"{"weights": [[0,0,65535,20000],[0,0,30000,65535],[0,0,0,0],[0,0,0,0]],
            "stakes": [3000, 1000, 0, 0], "yuma3": true, "liquid_alpha": true,
            "current_block": 10000, "previous_consensus": [0, 0, 60000, 1000],
            "bonds_penalty": 30000,
            "bonds": [[0,0,40000,100],[0,0,0,65535],[0,0,0,0],[0,0,0,0]]}"#,
        r#"{"weights": [[0,0,65535,20000],[0,0,30000,65535],[0,0,0,0],[0,0,0,0]],
            "stakes": [3000, 1000, 0, 0], "yuma3": true, "liquid_alpha": true,
            "current_block": 10000, "liquid_alpha_consensus_mode": "current",
            "previous_consensus": [0, 0, 60000, 1000],
            "bonds": [[0,0,40000,100],[0,0,0,65535],[0,0,0,0],[0,0,0,0]]}"#,
        r#"{"weights": [[0,0,65535,20000],[0,0,30000,65535],[0,0,0,0],[0,0,0,0]],
            "stakes": [3000, 1000, 0, 0], "yuma3": true, "liquid_alpha": true,
            "current_block": 10000, "liquid_alpha_consensus_mode": "previous",
            "previous_consensus": [0, 0, 60000],
            "bonds": [[0,0,40000,100],[0,0,0,65535],[0,0,0,0],[0,0,0,0]]}"#,
        // Equal stakes competing for two permits: the stable sort drops the lowest uid.
        r#"{"weights": [[0,0,0,65535],[0,0,0,65535],[0,0,0,65535],[0,0,0,0]],
            "stakes": [5, 5, 5, 0], "max_allowed_validators": 2,
            "validator_permits": [true, true, true, false]}"#,
    ];
    let inputs: Vec<EpochInput> = cases.iter().map(|c| case(c)).collect();
    let gpu = pollster::block_on(engine().run_batch(&inputs, 1)).unwrap();
    let mut worst = Diff::default();
    for (k, (input, g)) in inputs.iter().zip(&gpu).enumerate() {
        let cpu = yuma::float::epoch(input);
        worst = worst.max(compare(&format!("hand case {k}"), input, &cpu, g));
    }
    report("hand cases", worst);
}

fn random_subnet(n: u16, seed: u64) -> EpochInput {
    let mut s = SynthSubnet::new(n, seed);
    s.yuma = match seed % 3 {
        0 => YumaVersion::Yuma1,
        _ => YumaVersion::Yuma3,
    };
    s.liquid_alpha = seed % 3 == 2;
    s.density = [0.1, 0.5, 1.0][(seed / 3 % 3) as usize];
    s.build()
}

#[test]
fn random_subnets_of_every_size_in_one_batch() {
    let sizes: [u16; 16] = [
        1, 2, 3, 5, 8, 17, 31, 32, 33, 64, 100, 127, 128, 200, 255, 256,
    ];
    let inputs: Vec<EpochInput> = sizes
        .iter()
        .enumerate()
        .map(|(k, &n)| random_subnet(n, 1000 + k as u64))
        .collect();
    let gpu = pollster::block_on(engine().run_batch(&inputs, 1)).unwrap();
    assert_eq!(gpu.len(), inputs.len());
    let mut worst = Diff::default();
    for (input, g) in inputs.iter().zip(&gpu) {
        let cpu = yuma::float::epoch(input);
        worst = worst.max(compare(&format!("random n={}", input.n()), input, &cpu, g));
    }
    assert_nontrivial("random batch", &gpu);
    report("random batch", worst);
}

#[test]
fn yuma_variants_over_many_seeds() {
    let mut inputs = Vec::new();
    for seed in 0..24u64 {
        let n = [12u16, 40, 96][(seed % 3) as usize];
        let mut s = SynthSubnet::new(n, 7000 + seed);
        s.yuma = if seed % 2 == 0 {
            YumaVersion::Yuma1
        } else {
            YumaVersion::Yuma3
        };
        s.liquid_alpha = seed % 4 == 3;
        inputs.push(s.build());
    }
    let gpu = pollster::block_on(engine().run_batch(&inputs, 1)).unwrap();
    let mut worst = Diff::default();
    for (k, (input, g)) in inputs.iter().zip(&gpu).enumerate() {
        let cpu = yuma::float::epoch(input);
        worst = worst.max(compare(&format!("variant {k}"), input, &cpu, g));
    }
    assert_nontrivial("variants", &gpu);
    report("Yuma1/Yuma3/liquid alpha", worst);
}

#[test]
fn multi_epoch_bonds_stay_on_the_gpu() {
    let epochs = 6;
    // The last two run liquid alpha with bonds_penalty 65535, so from the second epoch on the
    // sigmoid reads the consensus the GPU stored the epoch before (ConsensusMode::Auto).
    let inputs: Vec<EpochInput> = [
        (YumaVersion::Yuma1, false, 48u16),
        (YumaVersion::Yuma3, false, 64),
        (YumaVersion::Yuma3, true, 80),
        (YumaVersion::Yuma1, false, 256),
        (YumaVersion::Yuma3, true, 40),
        (YumaVersion::Yuma3, true, 200),
    ]
    .iter()
    .enumerate()
    .map(|(k, &(yuma, liquid, n))| {
        let mut s = SynthSubnet::new(n, 31 + k as u64);
        s.yuma = yuma;
        s.liquid_alpha = liquid;
        let mut input = s.build();
        if k >= 4 {
            input.params_mut().bonds_penalty = u16::MAX;
        }
        input
    })
    .collect();
    let gpu = pollster::block_on(engine().run_batch(&inputs, epochs)).unwrap();
    let mut worst = Diff::default();
    for (k, (input, g)) in inputs.iter().zip(&gpu).enumerate() {
        let cpu = yuma::float::epochs(input, epochs);
        worst = worst.max(compare(&format!("multi-epoch {k}"), input, &cpu, g));
    }
    assert_nontrivial("multi-epoch", &gpu);
    report("6 epochs, bonds carried", worst);
}

#[test]
fn random_subnets_over_several_epochs() {
    // Sizes, validator counts, densities, Yuma versions and liquid alpha all drawn at random,
    // hazards on; three batches of 1, 2 and 3 epochs.
    let mut rng = synth::Rng::new(2024);
    let mut worst = Diff::default();
    for epochs in 1..=3u32 {
        let inputs: Vec<EpochInput> = (0..20)
            .map(|k| {
                let mut s = SynthSubnet::new(
                    1 + rng.below(256) as u16,
                    90_000 + 100 * u64::from(epochs) + k,
                );
                s.yuma = if rng.chance(0.5) {
                    YumaVersion::Yuma3
                } else {
                    YumaVersion::Yuma1
                };
                s.liquid_alpha = rng.chance(0.5);
                s.density = [0.05, 0.3, 0.9][rng.below(3) as usize];
                s.validators = (1 + rng.below(u64::from(s.n))) as u16;
                s.build()
            })
            .collect();
        let gpu = pollster::block_on(engine().run_batch(&inputs, epochs)).unwrap();
        for (k, (input, g)) in inputs.iter().zip(&gpu).enumerate() {
            let cpu = yuma::float::epochs(input, epochs);
            let what = format!("{epochs} epochs, job {k}, n={}", input.n());
            worst = worst.max(compare(&what, input, &cpu, g));
        }
    }
    report("random, 1-3 epochs", worst);
}

/// The engine skips rows that hold nothing (no permit, no stored bond), spreads consensus over
/// several workgroups per job, runs incentive, bonds and emission in one dispatch and reuses
/// the last run's buffers; running as before all four must give the same outputs bit for bit,
/// bonds carried included. The reusing engine runs a smaller batch in between, so its reused
/// buffers hold another run's values.
#[test]
fn the_speed_ups_change_no_bit() {
    let reusing = pollster::block_on(GpuEngine::new()).unwrap();
    let mut before = pollster::block_on(GpuEngine::new()).unwrap();
    before.run_as_before(true);
    let mut rng = synth::Rng::new(77);
    let inputs: Vec<EpochInput> = (0..24)
        .map(|k| {
            let mut s = SynthSubnet::new(1 + rng.below(256) as u16, 5_000 + k);
            s.yuma = if k % 2 == 0 {
                YumaVersion::Yuma1
            } else {
                YumaVersion::Yuma3
            };
            s.liquid_alpha = k % 4 == 3;
            s.density = [0.05, 0.3, 0.9][rng.below(3) as usize];
            s.build()
        })
        .collect();
    // The corner the skipping must keep: a row live only through its stored bonds.
    let bonds_without_permit = inputs.iter().any(|input| {
        (0..usize::from(input.n()))
            .any(|i| !input.bonds()[i].is_empty() && !input.validator_permits()[i])
    });
    assert!(bonds_without_permit, "no row holds bonds without a permit");
    for epochs in [3, 1, 3] {
        let fresh = pollster::block_on(before.run_batch(&inputs, epochs)).unwrap();
        let reused = pollster::block_on(reusing.run_batch(&inputs, epochs)).unwrap();
        assert_eq!(reused.len(), inputs.len());
        for (k, (a, b)) in reused.iter().zip(&fresh).enumerate() {
            assert_eq!(a, b, "{epochs} epoch(s), job {k}, n={}", inputs[k].n());
        }
        assert_nontrivial("skipping idle rows", &reused);
        // Something else in between, so that the next run reuses dirty buffers.
        pollster::block_on(reusing.run_batch(&inputs[..5], 2)).unwrap();
    }
}

#[test]
fn kappa_and_bonds_sweeps_in_one_submission() {
    let mut s = SynthSubnet::new(64, 4242);
    s.yuma = YumaVersion::Yuma3;
    s.liquid_alpha = true;
    let input = s.build();
    let mut params: Vec<EpochParams> = (0..40u32)
        .map(|k| {
            let mut p = input.params().clone();
            p.kappa = (k * 65535 / 39) as u16;
            p
        })
        .collect();
    for k in 0..10u64 {
        let mut p = input.params().clone();
        p.bonds_moving_average = 500_000 + k * 50_000;
        p.liquid_alpha = (k % 2 == 0).then(LiquidAlpha::default);
        p.yuma = if k < 5 {
            YumaVersion::Yuma1
        } else {
            YumaVersion::Yuma3
        };
        params.push(p);
    }
    // Stake settings: each distinct (tao weight, threshold) gets its own stake vector.
    for (tao_weight, threshold) in [(0, 0), (u64::MAX / 2, 0), (0, 500_000_000_000), (0, 0)] {
        let mut p = input.params().clone();
        p.tao_weight = tao_weight;
        p.stake_threshold = threshold;
        params.push(p);
    }
    let epochs = 3;
    let gpu = pollster::block_on(engine().run_sweep(&input, &params, epochs)).unwrap();
    assert_eq!(gpu.len(), params.len());
    let mut worst = Diff::default();
    for (k, (p, g)) in params.iter().zip(&gpu).enumerate() {
        let mut point = input.clone();
        *point.params_mut() = p.clone();
        let cpu = yuma::float::epochs(&point, epochs);
        worst = worst.max(compare(&format!("sweep point {k}"), &point, &cpu, g));
    }
    assert_nontrivial("sweep", &gpu);
    report("sweep (kappa, bonds)", worst);
}

#[test]
fn mixed_batch_without_bonds_readback() {
    let a = SynthSubnet::new(20, 1).build();
    let b = SynthSubnet::new(150, 2).build();
    let mut batch = Batch::new();
    let ia = batch.subnet(&a);
    let ib = batch.subnet(&b);
    let mut expected = Vec::new();
    for (id, input) in [(ia, &a), (ib, &b), (ia, &a)] {
        let mut p = input.params().clone();
        p.kappa = 20_000 + 5_000 * expected.len() as u16;
        batch.job(id, p.clone());
        let mut point = input.clone();
        *point.params_mut() = p;
        expected.push(point);
    }
    let options = RunOptions {
        epochs: 2,
        bonds: false,
    };
    let gpu = pollster::block_on(engine().run(&batch, &options)).unwrap();
    for (k, (point, g)) in expected.iter().zip(&gpu).enumerate() {
        assert!(g.bonds.is_empty(), "bonds were not asked for");
        let mut cpu = yuma::float::epochs(point, 2);
        cpu.bonds.clear();
        compare(&format!("mixed job {k}"), point, &cpu, g);
    }
}

#[test]
fn chunks_split_by_a_buffer_cap_still_agree() {
    let mut small = pollster::block_on(GpuEngine::new()).unwrap();
    // About two 100-uid jobs per buffer: five jobs make three chunks in one submission.
    small.limit_buffer_bytes(100_000);
    let inputs: Vec<EpochInput> = (0..5)
        .map(|k| {
            let mut s = SynthSubnet::new(100, 500 + k);
            s.yuma = if k % 2 == 0 {
                YumaVersion::Yuma1
            } else {
                YumaVersion::Yuma3
            };
            s.build()
        })
        .collect();
    let gpu = pollster::block_on(small.run_batch(&inputs, 3)).unwrap();
    let mut worst = Diff::default();
    for (k, (input, g)) in inputs.iter().zip(&gpu).enumerate() {
        let cpu = yuma::float::epochs(input, 3);
        worst = worst.max(compare(&format!("chunked job {k}"), input, &cpu, g));
    }
    report("chunked", worst);
}

#[test]
fn refuses_subnets_over_256_uids() {
    let big = SynthSubnet::new(257, 3).build();
    let small = SynthSubnet::new(4, 3).build();
    let err = pollster::block_on(engine().run_batch(&[small, big], 1)).unwrap_err();
    assert!(
        matches!(err, GpuError::SubnetTooLarge { index: 1, n: 257 }),
        "{err}"
    );
}

#[test]
fn selection_finds_the_adapter() {
    let selection = pollster::block_on(yuma_gpu::select_engine());
    assert!(
        matches!(selection.engine, SelectedEngine::Gpu(_)),
        "no GPU selected: {}",
        selection.reason
    );
    assert_eq!(selection.name(), "gpu");
    eprintln!("selection: {}", selection.reason);
}

/// The tests run on lavapipe, a software adapter: the automatic choice sets it aside for the
/// CPU path and says so, and keeps it for "use the GPU anyway".
#[test]
fn auto_prefers_the_cpu_over_a_software_adapter() {
    let selection = pollster::block_on(yuma_gpu::select_engine());
    let SelectedEngine::Gpu(gpu) = &selection.engine else {
        panic!("no GPU selected: {}", selection.reason);
    };
    let adapter = gpu.adapter_summary().clone();
    assert!(
        yuma_gpu::is_software(&adapter, false),
        "the test adapter is lavapipe: {adapter}"
    );
    let (auto, aside) = selection.prefer_cpu_over_software(false);
    assert_eq!(auto.name(), "f32");
    assert!(auto.reason.contains(&adapter.name), "{}", auto.reason);
    assert!(auto.reason.contains("software"), "{}", auto.reason);
    assert_eq!(aside.expect("the GPU kept aside").name(), "gpu");
}
