//! CPU epoch benchmark: the bit-exact fixed path against the f32 path, side by side in one run.
//!
//! No criterion: each case is timed in alternating batches of both engines (so drift in machine
//! load hits both alike), and the median batch time per epoch is reported with the ratio.
//! Target from the foundation issue: one 256-uid epoch well under a millisecond natively.
//!
//! A second table times the fixed path's `I32F32` division, multiplication and `exp` against
//! substrate-fixed's own (the previous builds' arithmetic, which the epoch no longer calls), so
//! that part of the fixed path's speed-up shows as a ratio measured in the same run.

use std::hint::black_box;
use std::time::{Duration, Instant};

use substrate_fixed::types::I32F32;
use yuma::Scalar;

use yuma::synthetic::{Shape, subnet};
use yuma::{EpochInput, YumaVersion};

fn per_epoch(
    input: &EpochInput,
    run: fn(&EpochInput) -> yuma::EpochOutput,
    iters: u32,
) -> Duration {
    let start = Instant::now();
    for _ in 0..iters {
        black_box(run(black_box(input)));
    }
    start.elapsed() / iters
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    // `cargo bench` passes --bench; a plain `cargo test --benches` passes nothing and wants speed.
    let quick = !std::env::args().any(|a| a == "--bench");
    let rounds = if quick { 1 } else { 15 };
    let cases: [(&str, Shape); 5] = [
        (
            "64 uids, Yuma1",
            Shape {
                n: 64,
                validators: 16,
                ..Shape::classic()
            },
        ),
        ("256 uids, Yuma1", Shape::classic()),
        ("256 uids, Yuma1, carried bonds", Shape::classic()),
        (
            "256 uids, Yuma3",
            Shape {
                yuma: YumaVersion::Yuma3,
                ..Shape::classic()
            },
        ),
        (
            "256 uids, Yuma3 + liquid alpha",
            Shape {
                yuma: YumaVersion::Yuma3,
                liquid_alpha: true,
                ..Shape::classic()
            },
        ),
    ];
    println!("yuma CPU epoch (one subnet, one epoch; median of {rounds} alternating batches)");
    println!(
        "{:<34} {:>12} {:>12} {:>12}",
        "case", "fixed", "f32", "fixed/f32"
    );
    for (name, shape) in cases {
        let mut input = subnet(&shape, 7);
        if name.ends_with("carried bonds") {
            // A subnet a few epochs in: bonds stored by the epochs before.
            for _ in 0..3 {
                let out = yuma::fixed::epoch(&input);
                input.carry(&out);
            }
        }
        // Size batches to ~20 ms of the slower engine.
        let probe = per_epoch(&input, yuma::fixed::epoch, 3).max(Duration::from_micros(1));
        let iters = if quick {
            1
        } else {
            (20_000 / probe.as_micros().max(1)) as u32 + 1
        };
        let (mut fixed, mut float) = (Vec::new(), Vec::new());
        for _ in 0..rounds {
            fixed.push(per_epoch(&input, yuma::fixed::epoch, iters));
            float.push(per_epoch(&input, yuma::float::epoch, iters));
        }
        let (f, g) = (median(fixed), median(float));
        println!(
            "{name:<34} {:>9.1} µs {:>9.1} µs {:>11.2}x",
            f.as_secs_f64() * 1e6,
            g.as_secs_f64() * 1e6,
            f.as_secs_f64() / g.as_secs_f64()
        );
    }
    arithmetic(quick, rounds);
}

/// One `I32F32` operation over every pair of a batch of operands, as nanoseconds per operation.
fn per_op(xs: &[I32F32], ys: &[I32F32], op: fn(I32F32, I32F32) -> I32F32) -> f64 {
    let start = Instant::now();
    for &y in ys {
        for &x in xs {
            black_box(op(black_box(x), y));
        }
    }
    start.elapsed().as_secs_f64() * 1e9 / (xs.len() * ys.len()) as f64
}

/// The fixed path's division and multiplication against substrate-fixed's, on the operands an
/// epoch divides: proportions and whole-number weights by sums above one.
fn arithmetic(quick: bool, rounds: usize) {
    let mut rng = yuma::synthetic::Rng::new(11);
    let n = if quick { 16 } else { 512 };
    // Half proportions below one, half whole numbers (raw u16 weights and bonds, their sums).
    let draw = |rng: &mut yuma::synthetic::Rng, whole: u64| {
        if rng.next_u64() & 1 == 0 {
            I32F32::from_bits((rng.next_u64() >> 32) as i64 + 1)
        } else {
            I32F32::from_num(1 + rng.below(whole))
        }
    };
    let xs: Vec<I32F32> = (0..n).map(|_| draw(&mut rng, 65_535)).collect();
    let ys: Vec<I32F32> = (0..n).map(|_| draw(&mut rng, 256 * 65_535)).collect();
    type Op = fn(I32F32, I32F32) -> I32F32;
    let ops: [(&str, Op, Op); 3] = [
        (
            "checked_div",
            |x, y| x.checked_div(y).unwrap_or_default(),
            |x, y| x.safe_div(y),
        ),
        (
            "saturating_div",
            |x, y| x.saturating_div(y),
            |x, y| x.sat_div(y),
        ),
        (
            "saturating_mul",
            |x, y| x.saturating_mul(y),
            |x, y| x.sat_mul(y),
        ),
    ];
    println!();
    println!("I32F32 arithmetic (ns per operation; median of {rounds} alternating batches)");
    println!(
        "{:<34} {:>12} {:>12} {:>12}",
        "operation", "substrate", "yuma", "old/new"
    );
    for (name, old, new) in ops {
        let (mut a, mut b) = (Vec::new(), Vec::new());
        for _ in 0..rounds {
            a.push(per_op(&xs, &ys, old));
            b.push(per_op(&xs, &ys, new));
        }
        a.sort_by(f64::total_cmp);
        b.sort_by(f64::total_cmp);
        let (a, b) = (a[a.len() / 2], b[b.len() / 2]);
        println!("{name:<34} {a:>9.2} ns {b:>9.2} ns {:>11.2}x", a / b);
    }
    // `exp`, as liquid alpha's sigmoid takes it: exponents across its clamp to ±20.
    let es: Vec<I32F32> = (0..n * 8)
        .map(|_| I32F32::from_bits(((rng.next_u64() % (40 << 32)) as i64) - (20 << 32)))
        .collect();
    let per_exp = |f: fn(I32F32) -> I32F32| {
        let start = Instant::now();
        for &x in &es {
            black_box(f(black_box(x)));
        }
        start.elapsed().as_secs_f64() * 1e9 / es.len() as f64
    };
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        a.push(per_exp(|x| {
            substrate_fixed::transcendental::exp::<I32F32, I32F32>(x).unwrap_or(I32F32::ZERO)
        }));
        b.push(per_exp(Scalar::exp_or_zero));
    }
    a.sort_by(f64::total_cmp);
    b.sort_by(f64::total_cmp);
    let (a, b) = (a[a.len() / 2], b[b.len() / 2]);
    println!("{:<34} {a:>9.2} ns {b:>9.2} ns {:>11.2}x", "exp", a / b);
}
