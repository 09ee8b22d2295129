//! `cargo bench -p yuma-gpu --bench compare`: the four workloads on the CPU fixed-point
//! path (`yuma::fixed`), the CPU f32 path (`yuma::float`) and the GPU, measured side by side in
//! one run on one machine, printed as a table with ratios and the adapter's name.
//!
//! GPU times are end to end: packing and uploading the inputs, every dispatch, the one
//! read-back and decoding into `EpochOutput`s (the engine and its pipelines are built once,
//! before timing, as an app would). CPU times are single-threaded, as the page runs them.
//! Each cell is the median of several runs, as many as fit a time budget (at least one).
//! On a software adapter (lavapipe, SwiftShader) the "GPU" is the same two or so CPU cores
//! running SIMD code, so the ratios say how the kernels compare there, not on a real GPU.
//! Not a timed test: nothing here fails on a slow machine. Without `--bench` (as under
//! `cargo test --benches`) or with `YUMA_BENCH_QUICK` set, it runs a tenth of each workload
//! once, to check that it works.
#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use yuma::synthetic::Shape;
use yuma::{EpochInput, EpochParams, YumaVersion};
use yuma_gpu::{Batch, GpuEngine, RunOptions};

/// `yuma::synthetic`'s classic subnet (256 uids, 64 validators scoring about half the
/// miners), as `yuma`'s own CPU benchmark uses.
fn subnet(seed: u64, yuma: YumaVersion) -> EpochInput {
    yuma::synthetic::subnet(
        &Shape {
            yuma,
            ..Shape::classic()
        },
        seed,
    )
}

/// Median seconds of `f` over as many runs as fit `budget` (one at least, eleven at most).
fn time(budget: Duration, mut f: impl FnMut()) -> f64 {
    let [t] = medians(budget, |_| f());
    t
}

/// Median seconds of `f(0)`, …, `f(K - 1)` run in turn (so drift in the machine's load hits
/// each alike), as many rounds as fit `budget` (one at least, eleven at most).
fn medians<const K: usize>(budget: Duration, mut f: impl FnMut(usize)) -> [f64; K] {
    let mut runs: [Vec<f64>; K] = std::array::from_fn(|_| Vec::new());
    let start = Instant::now();
    while runs[0].is_empty() || (start.elapsed() < budget && runs[0].len() < 11) {
        for (which, times) in runs.iter_mut().enumerate() {
            let t = Instant::now();
            f(which);
            times.push(t.elapsed().as_secs_f64());
        }
    }
    runs.map(|mut v| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    })
}

fn fmt_time(s: f64) -> String {
    if s >= 1.0 {
        format!("{s:.2} s")
    } else if s >= 1e-3 {
        format!("{:.2} ms", s * 1e3)
    } else {
        format!("{:.1} µs", s * 1e6)
    }
}

/// Other work on the machine skews every column, a software adapter's most (it wants every
/// core): say how busy the machine was.
fn print_load(when: &str) {
    if let Ok(load) = std::fs::read_to_string("/proc/loadavg") {
        let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
        println!("{when}: {} ({cores} cores)", load.trim());
    }
}

struct Row {
    name: String,
    fixed: f64,
    f32: f64,
    /// (as before the engine's speed-ups, `run_as_before`; as now)
    gpu: Option<(f64, f64)>,
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` does not and wants it short.
    let quick =
        std::env::var_os("YUMA_BENCH_QUICK").is_some() || !std::env::args().any(|a| a == "--bench");
    let budget = Duration::from_secs_f64(if quick { 0.0 } else { 2.0 });
    let (subnets, sweep_points, epochs) = if quick {
        (13, 100, 10)
    } else {
        (128, 1000, 100)
    };
    let engine = match pollster::block_on(GpuEngine::new()) {
        Ok(engine) => {
            println!("adapter: {}", engine.adapter_summary());
            Some(engine)
        }
        Err(e) => {
            println!("adapter: none ({e}); GPU column left empty");
            None
        }
    };
    // The same engine run as before its speed-ups (row skipping, consensus spread, merged stages,
    // buffer reuse).
    let before = match pollster::block_on(GpuEngine::new()) {
        Ok(mut engine) => {
            engine.run_as_before(true);
            Some(engine)
        }
        Err(_) => None,
    };
    let gpu_time = |f: &mut dyn FnMut(&GpuEngine)| {
        engine.as_ref().zip(before.as_ref()).map(|(e, old)| {
            if !quick {
                // warm-up: first-use allocations and driver caches
                f(old);
                f(e);
            }
            // Twice the budget: two engines share it.
            let [old, new] = medians(budget * 2, |which| f([old, e][which]));
            (old, new)
        })
    };
    let mut rows = Vec::new();

    // (a) one 256×256 epoch.
    let one = subnet(1, YumaVersion::Yuma1);
    rows.push(Row {
        name: "(a) one epoch, 256 uids".into(),
        fixed: time(budget, || drop(yuma::fixed::epoch(&one))),
        f32: time(budget, || drop(yuma::float::epoch(&one))),
        gpu: gpu_time(&mut |e| {
            drop(pollster::block_on(e.run_batch(std::slice::from_ref(&one), 1)).unwrap())
        }),
    });

    // (b) 128 subnets × 256 uids, one epoch each, one submission on the GPU.
    let many: Vec<EpochInput> = (0..subnets)
        .map(|k| {
            subnet(
                100 + k,
                if k % 2 == 0 {
                    YumaVersion::Yuma1
                } else {
                    YumaVersion::Yuma3
                },
            )
        })
        .collect();
    rows.push(Row {
        name: format!("(b) {subnets} subnets × 256 uids"),
        fixed: time(budget, || {
            many.iter().for_each(|i| drop(yuma::fixed::epoch(i)))
        }),
        f32: time(budget, || {
            many.iter().for_each(|i| drop(yuma::float::epoch(i)))
        }),
        gpu: gpu_time(&mut |e| drop(pollster::block_on(e.run_batch(&many, 1)).unwrap())),
    });

    // (c) a 1,000-point kappa sweep on one 256-uid subnet.
    let base = subnet(7, YumaVersion::Yuma3);
    let sweep: Vec<EpochParams> = (0..sweep_points)
        .map(|k| {
            let mut p = base.params().clone();
            p.kappa = (k * 65535 / (sweep_points - 1)) as u16;
            p
        })
        .collect();
    let points: Vec<EpochInput> = sweep
        .iter()
        .map(|p| {
            let mut point = base.clone();
            *point.params_mut() = p.clone();
            point
        })
        .collect();
    rows.push(Row {
        name: format!("(c) kappa sweep, {sweep_points} points"),
        fixed: time(budget, || {
            points.iter().for_each(|i| drop(yuma::fixed::epoch(i)))
        }),
        f32: time(budget, || {
            points.iter().for_each(|i| drop(yuma::float::epoch(i)))
        }),
        gpu: gpu_time(&mut |e| drop(pollster::block_on(e.run_sweep(&base, &sweep, 1)).unwrap())),
    });
    let sweep_batch = {
        let mut batch = Batch::new();
        let id = batch.subnet(&base);
        for p in &sweep {
            batch.job(id, p.clone());
        }
        batch
    };
    let lean = RunOptions {
        epochs: 1,
        bonds: false,
    };
    let lean_gpu = gpu_time(&mut |e| drop(pollster::block_on(e.run(&sweep_batch, &lean)).unwrap()));

    // (d) 100 epochs with bonds carried, one subnet.
    let long = subnet(9, YumaVersion::Yuma1);
    rows.push(Row {
        name: format!("(d) {epochs} epochs, bonds carried"),
        fixed: time(budget, || drop(yuma::fixed::epochs(&long, epochs))),
        f32: time(budget, || drop(yuma::float::epochs(&long, epochs))),
        gpu: gpu_time(&mut |e| {
            drop(pollster::block_on(e.run_batch(std::slice::from_ref(&long), epochs)).unwrap())
        }),
    });

    println!();
    println!(
        "{:<32} {:>11} {:>11} {:>11} {:>11} {:>10} {:>10} {:>10}",
        "workload",
        "CPU fixed",
        "CPU f32",
        "GPU before",
        "GPU",
        "fixed/f32",
        "before/GPU",
        "f32/GPU"
    );
    let gpu_cells = |gpu: Option<(f64, f64)>, f32: f64| match gpu {
        Some((old, new)) => [
            fmt_time(old),
            fmt_time(new),
            format!("{:.2}×", old / new),
            format!("{:.2}×", f32 / new),
        ],
        None => [
            "-".to_string(),
            "-".to_string(),
            "-".to_string(),
            "-".to_string(),
        ],
    };
    for r in &rows {
        let [old, new, speedup, ratio] = gpu_cells(r.gpu, r.f32);
        println!(
            "{:<32} {:>11} {:>11} {:>11} {:>11} {:>9.2}× {:>10} {:>10}",
            r.name,
            fmt_time(r.fixed),
            fmt_time(r.f32),
            old,
            new,
            r.fixed / r.f32,
            speedup,
            ratio
        );
    }
    if lean_gpu.is_some() {
        let [old, new, speedup, ratio] = gpu_cells(lean_gpu, rows[2].f32);
        println!(
            "{:<32} {:>11} {:>11} {:>11} {:>11} {:>10} {:>10} {:>10}",
            "(c) same, no bonds read back", "", "", old, new, "", speedup, ratio
        );
    }
    println!();
    println!(
        "ratios > 1: the right-hand engine is faster by that factor. \"GPU before\": the same \
         engine run as before four speed-ups (GpuEngine::run_as_before): every row visited, \
         one consensus workgroup per job, five dispatches per epoch instead of three, buffers \
         created afresh per run."
    );
    print_load("load average at end");
    if quick {
        println!("quick mode (no --bench, or YUMA_BENCH_QUICK): smaller workloads, one run each.");
    }
}
