//! The GPU-side engine of the page: picks WebGPU (`yuma_gpu`) or, without an adapter, the CPU
//! `f32` path, says which and why, and runs batches of epochs on it (sweeps, the stress panel,
//! the benchmark hook).
//!
//! The ranking table never runs here: it stays on `yuma::fixed`, the chain's arithmetic. What
//! runs here is `f32` (the GPU kernels agree with `yuma::float` within `1e-5`), so the badge of
//! this engine is shown next to the figures it computed, never in place of the fixed one. The
//! fallback is never silent: without an adapter the badge says "CPU · f32" with the browser's
//! reason. A software adapter (SwiftShader) is slower than the CPU path, so the automatic choice
//! is the CPU there too, named, with a "use the GPU anyway" switch that the page remembers. The CPU loop yields to the event loop between slices so the page keeps answering
//! input; results of a run that a newer one superseded are dropped by the caller.

use std::rc::Rc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use yuma::{EpochInput, EpochOutput, EpochParams};
use yuma_gpu::{Batch, EngineSelection, RunOptions, SelectedEngine};

use crate::i18n::Text;

/// What the page knows about the batch engine, for the badge and the data attributes.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum BatchEngine {
    /// Still asking the browser for an adapter.
    Detecting,
    /// WGSL kernels on a WebGPU adapter.
    Gpu {
        /// The adapter as the browser describes it, e.g. `SwiftShader (fallback adapter)`.
        adapter: String,
        /// The graphics API wgpu runs on (`WebGPU` in the browser).
        backend: String,
    },
    /// `yuma::float` on the CPU, because there is no usable adapter.
    CpuF32 {
        /// Why there is no adapter, from the browser and wgpu.
        reason: String,
    },
    /// `yuma::float` on the CPU, because the only adapter is a software one.
    CpuOverSoftware {
        /// The adapter set aside, as the browser describes it.
        adapter: String,
    },
}

impl BatchEngine {
    /// Stable name for `data-engine` attributes and tests: `detecting`, `gpu` or `f32`.
    pub fn id(&self) -> &'static str {
        match self {
            BatchEngine::Detecting => "detecting",
            BatchEngine::Gpu { .. } => "gpu",
            BatchEngine::CpuF32 { .. } | BatchEngine::CpuOverSoftware { .. } => "f32",
        }
    }

    /// The badge text in the current language.
    pub fn label(&self, t: &Text) -> String {
        match self {
            BatchEngine::Detecting => t.engine_detecting.to_owned(),
            BatchEngine::Gpu { adapter, backend } => format!("GPU · {backend} · {adapter}"),
            BatchEngine::CpuF32 { reason } => format!("{} {reason}", t.engine_cpu_f32),
            BatchEngine::CpuOverSoftware { adapter } => {
                format!("{} {adapter}", t.engine_cpu_software)
            }
        }
    }
}

/// Shared through context: the engine's description (a signal) and the engine itself (kept in
/// the page's thread: wgpu's browser objects cannot cross threads).
#[derive(Clone, Copy)]
pub struct BatchCtx {
    /// The badge's source.
    pub state: RwSignal<BatchEngine>,
    /// Whether a software adapter was set aside (the switch shows), and the user's choice to
    /// use it anyway.
    pub software: RwSignal<bool>,
    /// "Use the GPU anyway", remembered in local storage.
    pub force_gpu: RwSignal<bool>,
    engine: StoredValue<Option<Rc<EngineSelection>>, LocalStorage>,
    /// The software adapter's engine and its badge, kept for the switch.
    aside: StoredValue<Option<(Rc<EngineSelection>, BatchEngine, BatchEngine)>, LocalStorage>,
}

/// Local-storage key of the "use the GPU anyway" switch.
const FORCE_GPU_KEY: &str = "taoscope.gpu-anyway";

impl BatchCtx {
    /// Provides the context and starts asking for an adapter.
    pub fn provide() -> BatchCtx {
        let stored = crate::i18n::local_get(FORCE_GPU_KEY);
        let ctx = BatchCtx {
            state: RwSignal::new(BatchEngine::Detecting),
            software: RwSignal::new(false),
            force_gpu: RwSignal::new(stored.as_deref() == Some("1")),
            engine: StoredValue::new_local(None),
            aside: StoredValue::new_local(None),
        };
        provide_context(ctx);
        spawn_local(async move {
            let probe = probe_adapter().await;
            let browser_fallback = matches!(probe, Probe::Adapter(_, true));
            let selection = yuma_gpu::select_engine().await;
            let state = match &selection.engine {
                SelectedEngine::Gpu(gpu) => {
                    let summary = gpu.adapter_summary();
                    let adapter = match &probe {
                        Probe::Adapter(described, _) if !described.is_empty() => described.clone(),
                        _ if !summary.name.is_empty() => summary.name.clone(),
                        _ => summary.device_type.clone(),
                    };
                    BatchEngine::Gpu {
                        adapter,
                        backend: backend_name(&summary.backend),
                    }
                }
                SelectedEngine::CpuF32 => BatchEngine::CpuF32 {
                    reason: match probe {
                        Probe::NoApi => {
                            "this browser has no WebGPU (navigator.gpu is missing)".to_owned()
                        }
                        Probe::NoAdapter => "navigator.gpu.requestAdapter() gave no adapter \
                                             (WebGPU is off or unsupported here)"
                            .to_owned(),
                        Probe::Failed(message) => format!(
                            "navigator.gpu.requestAdapter() failed: {message}; {}",
                            selection.reason
                        ),
                        // The adapter exists but wgpu refused it: its reason says why.
                        Probe::Adapter(..) => selection.reason.clone(),
                    },
                },
            };
            let (auto, aside) = selection.prefer_cpu_over_software(browser_fallback);
            ctx.engine.set_value(Some(Rc::new(auto)));
            match (aside, state) {
                (Some(gpu), BatchEngine::Gpu { adapter, backend }) => {
                    let cpu_state = BatchEngine::CpuOverSoftware {
                        adapter: adapter.clone(),
                    };
                    let gpu_state = BatchEngine::Gpu { adapter, backend };
                    ctx.aside
                        .set_value(Some((Rc::new(gpu), cpu_state, gpu_state)));
                    ctx.software.set(true);
                    ctx.set_force_gpu(ctx.force_gpu.get_untracked());
                }
                (_, state) => ctx.state.set(state),
            }
        });
        ctx
    }

    /// The engine, once selected: the software adapter when the user asked for it.
    pub fn engine(&self) -> Option<Rc<EngineSelection>> {
        if self.force_gpu.get_untracked()
            && let Some(gpu) = self.aside.with_value(|a| a.as_ref().map(|a| a.0.clone()))
        {
            return Some(gpu);
        }
        self.engine.with_value(Clone::clone)
    }

    /// Sets "use the GPU anyway", remembers it and updates the badge.
    pub fn set_force_gpu(&self, on: bool) {
        self.force_gpu.set(on);
        crate::i18n::local_set(FORCE_GPU_KEY, if on { "1" } else { "0" });
        if let Some(state) = self.aside.with_value(|a| {
            a.as_ref()
                .map(|a| if on { a.2.clone() } else { a.1.clone() })
        }) {
            self.state.set(state);
        }
    }
}

/// The [`BatchCtx`] provided by the app root.
pub fn use_batch() -> BatchCtx {
    expect_context::<BatchCtx>()
}

fn backend_name(wgpu_backend: &str) -> String {
    match wgpu_backend {
        "BrowserWebGpu" => "WebGPU".to_owned(),
        other => other.to_owned(),
    }
}

/// What `navigator.gpu` says on its own, for a badge a person can read.
enum Probe {
    /// `navigator.gpu` is missing.
    NoApi,
    /// `requestAdapter()` resolved to null.
    NoAdapter,
    /// An adapter, described (vendor, architecture, description), and whether the browser
    /// calls it a fallback (software) adapter.
    Adapter(String, bool),
    /// The request threw.
    Failed(String),
}

fn get(obj: &JsValue, key: &str) -> JsValue {
    js_sys::Reflect::get(obj, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

async fn probe_adapter() -> Probe {
    let navigator = window().navigator();
    let gpu = get(&navigator, "gpu");
    if gpu.is_undefined() || gpu.is_null() {
        return Probe::NoApi;
    }
    let Ok(request) = get(&gpu, "requestAdapter").dyn_into::<js_sys::Function>() else {
        return Probe::NoApi;
    };
    let promise = match request.call0(&gpu) {
        Ok(p) => p,
        Err(e) => return Probe::Failed(format!("{e:?}")),
    };
    let adapter = match JsFuture::from(js_sys::Promise::resolve(&promise)).await {
        Ok(a) if !a.is_null() && !a.is_undefined() => a,
        Ok(_) => return Probe::NoAdapter,
        Err(e) => return Probe::Failed(format!("{e:?}")),
    };
    let info = get(&adapter, "info");
    let text = |key: &str| get(&info, key).as_string().unwrap_or_default();
    let fallback = get(&info, "isFallbackAdapter").as_bool().unwrap_or(false)
        || get(&adapter, "isFallbackAdapter")
            .as_bool()
            .unwrap_or(false);
    Probe::Adapter(
        describe_adapter(
            &text("vendor"),
            &text("architecture"),
            &text("description"),
            fallback,
        ),
        fallback,
    )
}

/// A short adapter name from `GPUAdapterInfo`: the description when there is one, else the
/// architecture (`swiftshader` → `SwiftShader`) and vendor; fallback adapters say so.
pub fn describe_adapter(
    vendor: &str,
    architecture: &str,
    description: &str,
    fallback: bool,
) -> String {
    let pretty = |s: &str| match s {
        "swiftshader" => "SwiftShader".to_owned(),
        "google" => "Google".to_owned(),
        other => other.to_owned(),
    };
    let name = if !description.is_empty() {
        description.to_owned()
    } else {
        [pretty(architecture), pretty(vendor)]
            .into_iter()
            .find(|s| !s.is_empty())
            .unwrap_or_else(|| "unnamed adapter".to_owned())
    };
    if fallback {
        format!("{name} (fallback adapter)")
    } else {
        name
    }
}

/// `performance.now()` in milliseconds (0 where there is no clock, e.g. in native unit tests).
pub fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or(0.0, |p| p.now())
}

/// Resolves on the next turn of the event loop, so input and paint can run between slices of
/// CPU work.
pub async fn next_tick() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        // Without a timer the promise would never resolve; a window always has one.
        let _ = window().set_timeout_with_callback(&resolve);
    });
    let _ = JsFuture::from(promise).await;
}

/// Resolves after `ms` milliseconds (at once where there is no window).
pub async fn sleep_ms(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        } else {
            let _ = resolve.call0(&wasm_bindgen::JsValue::NULL);
        }
    });
    let _ = JsFuture::from(promise).await;
}

/// Outputs of a batch and how long the engine took.
#[derive(Clone, Debug)]
pub struct Timed {
    /// One output per job, in job order.
    pub outputs: Vec<EpochOutput>,
    /// Engine time in milliseconds: submission to read-back on the GPU; the sum of the slices
    /// on the CPU (time spent yielding to the page is left out).
    pub ms: f64,
    /// `gpu` or `f32`.
    pub engine: &'static str,
}

/// Why a batch did not run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum BatchError {
    /// The engine is still being selected.
    #[error("the engine is not ready yet")]
    NotReady,
    /// A newer request replaced this one.
    #[error("superseded by a newer run")]
    Superseded,
    /// The GPU failed; the message is `yuma_gpu`'s.
    #[error("{0}")]
    Gpu(String),
}

/// CPU slices stop after this long and yield to the page.
const SLICE_MS: f64 = 12.0;

/// Runs `jobs` (subnet index, parameters) on `subnets` with the selected engine, reading back
/// no bonds. `current` is asked between CPU slices; once it says false the run stops with
/// [`BatchError::Superseded`].
///
/// # Errors
/// [`BatchError::NotReady`] before selection, [`BatchError::Gpu`] when the GPU fails (the page
/// shows it: the CPU is never substituted silently), [`BatchError::Superseded`].
pub async fn run_jobs(
    selection: &EngineSelection,
    subnets: &[EpochInput],
    jobs: &[(usize, EpochParams)],
    current: impl Fn() -> bool,
) -> Result<Timed, BatchError> {
    match &selection.engine {
        SelectedEngine::Gpu(gpu) => {
            let mut batch = Batch::new();
            let ids: Vec<_> = subnets.iter().map(|s| batch.subnet(s)).collect();
            for (subnet, params) in jobs {
                let id = *ids
                    .get(*subnet)
                    .ok_or_else(|| BatchError::Gpu(format!("job names subnet {subnet}")))?;
                batch.job(id, params.clone());
            }
            let start = now_ms();
            let outputs = gpu
                .run(
                    &batch,
                    &RunOptions {
                        epochs: 1,
                        bonds: false,
                    },
                )
                .await
                .map_err(|e| BatchError::Gpu(e.to_string()))?;
            Ok(Timed {
                outputs,
                ms: now_ms() - start,
                engine: "gpu",
            })
        }
        SelectedEngine::CpuF32 => {
            let mut outputs = Vec::with_capacity(jobs.len());
            let mut ms = 0.0;
            let mut slice_start = now_ms();
            for (subnet, params) in jobs {
                let Some(input) = subnets.get(*subnet) else {
                    return Err(BatchError::Gpu(format!("job names subnet {subnet}")));
                };
                let mut point = input.clone();
                *point.params_mut() = params.clone();
                outputs.push(yuma::float::epoch(&point));
                let t = now_ms();
                if t - slice_start > SLICE_MS {
                    ms += t - slice_start;
                    next_tick().await;
                    if !current() {
                        return Err(BatchError::Superseded);
                    }
                    slice_start = now_ms();
                }
            }
            ms += now_ms() - slice_start;
            Ok(Timed {
                outputs,
                ms,
                engine: "f32",
            })
        }
    }
}

/// The batch engine's badge.
#[component]
pub fn BatchBadge() -> impl IntoView {
    let i18n = crate::i18n::use_i18n();
    let ctx = use_batch();
    view! {
        <span
            class="engine-badge batch-badge"
            class:fallback=move || ctx.state.with(|s| s.id() == "f32")
            class:pending=move || ctx.state.with(|s| matches!(s, BatchEngine::Detecting))
            data-engine=move || ctx.state.with(|s| s.id())
            title=move || ctx.state.with(|s| s.label(i18n.t()))
        >
            {move || ctx.state.with(|s| s.label(i18n.t()))}
        </span>
    }
}

#[cfg(test)]
mod tests;

/// "Use the GPU anyway": shown only when a software adapter was set aside for the CPU path.
#[component]
pub fn GpuAnyway() -> impl IntoView {
    let i18n = crate::i18n::use_i18n();
    let ctx = use_batch();
    move || {
        ctx.software.get().then(|| {
            view! {
                <label class="gpu-anyway">
                    <input
                        type="checkbox"
                        data-gpu-anyway
                        prop:checked=move || ctx.force_gpu.get()
                        on:change=move |ev| ctx.set_force_gpu(event_target_checked(&ev))
                    />
                    " "
                    {move || i18n.t().gpu_anyway}
                </label>
            }
        })
    }
}
