//! `window.taoscopeBench(points)`: a measurement hook for `tests/bench/browser-bench.mjs`, not
//! a test. It loads the bundled 256-uid case and times, in this page and in one call, one epoch
//! on the fixed and `f32` paths (as bundled, and under Yuma3 with liquid alpha), and a sweep of
//! `points` kappa values on the batch engine and on the CPU `f32` loop, so that the script can
//! print ratios measured side by side.
//!
//! It resolves to a JSON string (`{"engine", "adapter", "fixed_ms", ...}`). Nothing in the page
//! calls it; it costs one closure when idle. Timing in the page is `performance.now()`,
//! coarsened by the browser, so short operations are repeated and averaged.

use std::rc::Rc;

use leptos::prelude::WithUntracked;
use serde_json::json;
use wasm_bindgen::JsValue;
use wasm_bindgen::prelude::Closure;
use yuma::{EpochInput, EpochParams};
use yuma_gpu::{EngineSelection, SelectedEngine};

use crate::api::{self, CaseEntry};
use crate::engine::{BatchCtx, BatchEngine, now_ms, run_jobs};

/// Repeats `f` until `min_ms` have passed (at least `min_runs` times); mean milliseconds.
fn mean_ms(min_ms: f64, min_runs: u32, mut f: impl FnMut()) -> (f64, u32) {
    f();
    let start = now_ms();
    let mut runs = 0;
    while runs < min_runs || now_ms() - start < min_ms {
        f();
        runs += 1;
    }
    ((now_ms() - start) / f64::from(runs), runs)
}

fn sweep_jobs(input: &EpochInput, points: usize) -> Vec<(usize, EpochParams)> {
    crate::routes::lab::kappa_points(points)
        .into_iter()
        .map(|k| {
            let mut p = input.params().clone();
            p.kappa = k;
            (0, p)
        })
        .collect()
}

async fn run(ctx: BatchCtx, points: usize) -> Result<String, String> {
    // The engine is selected at start-up; wait for it (a few frames at most).
    let mut selection = ctx.engine();
    for _ in 0..500 {
        if selection.is_some() {
            break;
        }
        crate::engine::next_tick().await;
        selection = ctx.engine();
    }
    let selection: Rc<EngineSelection> =
        selection.ok_or_else(|| "no engine was selected".to_owned())?;
    let entry = CaseEntry {
        id: "subnet-256".into(),
        file: "subnet-256.json".into(),
        name_en: String::new(),
        name_ja: String::new(),
        summary_en: String::new(),
        summary_ja: String::new(),
    };
    let case = api::load_case(&entry).await.map_err(|e| e.to_string())?;
    let input = case.input;
    let (fixed_ms, fixed_runs) = mean_ms(300.0, 5, || {
        std::hint::black_box(yuma::fixed::epoch(std::hint::black_box(&input)));
    });
    let (f32_ms, f32_runs) = mean_ms(300.0, 5, || {
        std::hint::black_box(yuma::float::epoch(std::hint::black_box(&input)));
    });
    // The same subnet under Yuma3 with liquid alpha (a per-subnet switch on finney), a few
    // epochs in so that bonds exist: the sigmoid's `exp` per bond is the fixed path's costliest
    // step there.
    let mut liquid = input.clone();
    liquid.params_mut().yuma = yuma::YumaVersion::Yuma3;
    liquid.params_mut().liquid_alpha = Some(Default::default());
    for _ in 0..3 {
        let out = yuma::fixed::epoch(&liquid);
        liquid.carry(&out);
    }
    let (fixed_la_ms, fixed_la_runs) = mean_ms(300.0, 5, || {
        std::hint::black_box(yuma::fixed::epoch(std::hint::black_box(&liquid)));
    });
    let (f32_la_ms, f32_la_runs) = mean_ms(300.0, 5, || {
        std::hint::black_box(yuma::float::epoch(std::hint::black_box(&liquid)));
    });
    let jobs = sweep_jobs(&input, points);
    let subnets = std::slice::from_ref(&input);
    // The selected engine: a warm-up run (pipelines, buffers), then the median of three.
    run_jobs(&selection, subnets, &jobs, || true)
        .await
        .map_err(|e| e.to_string())?;
    let mut engine_ms = Vec::new();
    for _ in 0..3 {
        let t = run_jobs(&selection, subnets, &jobs, || true)
            .await
            .map_err(|e| e.to_string())?;
        engine_ms.push(t.ms);
    }
    engine_ms.sort_by(f64::total_cmp);
    // The CPU f32 loop on the same jobs, once (it is the slow side), without yielding.
    let cpu = EngineSelection {
        engine: SelectedEngine::CpuF32,
        reason: "benchmark".into(),
    };
    let start = now_ms();
    let cpu_run = run_jobs(&cpu, subnets, &jobs, || true)
        .await
        .map_err(|e| e.to_string())?;
    let cpu_wall = now_ms() - start;
    // The badge's words (the browser's adapter info), then wgpu's summary.
    let badge = ctx.state.with_untracked(|s| match s {
        BatchEngine::Gpu { adapter, backend } => format!("{backend} · {adapter}"),
        BatchEngine::CpuF32 { reason } => reason.clone(),
        _ => String::new(),
    });
    let (engine, adapter) = match &selection.engine {
        SelectedEngine::Gpu(gpu) => ("gpu", format!("{badge}; wgpu: {}", gpu.adapter_summary())),
        SelectedEngine::CpuF32 => ("f32", badge),
    };
    let value = json!({
        "engine": engine,
        "adapter": adapter,
        "uids": input.n(),
        "points": points,
        "fixed_ms": fixed_ms,
        "fixed_runs": fixed_runs,
        "f32_ms": f32_ms,
        "f32_runs": f32_runs,
        "fixed_la_ms": fixed_la_ms,
        "fixed_la_runs": fixed_la_runs,
        "f32_la_ms": f32_la_ms,
        "f32_la_runs": f32_la_runs,
        "sweep_engine_ms": engine_ms.get(1).copied().unwrap_or_default(),
        "sweep_engine_runs_ms": engine_ms,
        "sweep_cpu_f32_ms": cpu_run.ms,
        "sweep_cpu_f32_wall_ms": cpu_wall,
    });
    Ok(value.to_string())
}

/// Sets `window.taoscopeBench`. Called once by the app root.
pub fn install() {
    let Some(ctx) = leptos::prelude::use_context::<BatchCtx>() else {
        return;
    };
    let f = Closure::<dyn Fn(JsValue) -> js_sys::Promise>::new(move |points: JsValue| {
        let points = points
            .as_f64()
            .filter(|p| p.is_finite() && *p >= 2.0)
            .map_or(1000, |p| p.min(65536.0) as usize);
        wasm_bindgen_futures::future_to_promise(async move {
            run(ctx, points)
                .await
                .map(|s| JsValue::from_str(&s))
                .map_err(|e| JsValue::from_str(&e))
        })
    });
    let window = leptos::prelude::window();
    // Failing to set a property on window only loses the hook; the page is unaffected.
    let _ = js_sys::Reflect::set(&window, &JsValue::from_str("taoscopeBench"), f.as_ref());
    // The hook lives as long as the page.
    f.forget();
}
