//! CPU epoch benchmark: the bit-exact fixed path against the f32 path, side by side in one run.
//!
//! No criterion: each case is timed in alternating batches of both engines (so drift in machine
//! load hits both alike), and the median batch time per epoch is reported with the ratio.
//! Target from the foundation issue: one 256-uid epoch well under a millisecond natively.

use std::hint::black_box;
use std::time::{Duration, Instant};

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
    let cases: [(&str, Shape); 4] = [
        (
            "64 uids, Yuma1",
            Shape {
                n: 64,
                validators: 16,
                ..Shape::classic()
            },
        ),
        ("256 uids, Yuma1", Shape::classic()),
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
        let input = subnet(&shape, 7);
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
}
