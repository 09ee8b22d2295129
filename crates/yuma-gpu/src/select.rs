//! Engine selection: the GPU when an adapter exists, else the CPU `f32` path, with a reason a
//! person can read ("llvmpipe (Vulkan, Cpu)", or why there is no adapter). The fallback is
//! explicit: a caller always learns which engine ran and why. A software adapter (lavapipe,
//! SwiftShader) runs the kernels 20–50× slower than the CPU path (issue #12's measurements), so
//! an automatic choice sets it aside ([`EngineSelection::prefer_cpu_over_software`]) and keeps
//! it for a caller who asks for the GPU anyway.

use yuma::{EpochInput, EpochOutput, EpochParams};

use crate::engine::GpuEngine;
use crate::error::GpuError;

/// The engine that will run epochs.
#[derive(Debug)]
pub enum SelectedEngine {
    /// WGSL kernels on a GPU adapter.
    Gpu(Box<GpuEngine>),
    /// `yuma::float` on the CPU, because no adapter could be used.
    CpuF32,
}

/// The selected engine and why it was chosen.
#[derive(Debug)]
pub struct EngineSelection {
    /// The engine.
    pub engine: SelectedEngine,
    /// Human-readable: the adapter, or why there is none.
    pub reason: String,
}

/// Picks the GPU when [`GpuEngine::new`] succeeds, else the CPU `f32` path.
pub async fn select_engine() -> EngineSelection {
    match GpuEngine::new().await {
        Ok(gpu) => {
            let reason = format!("GPU adapter {}", gpu.adapter_summary());
            EngineSelection {
                engine: SelectedEngine::Gpu(Box::new(gpu)),
                reason,
            }
        }
        Err(e) => EngineSelection {
            engine: SelectedEngine::CpuF32,
            reason: format!("CPU f32 path: {e}"),
        },
    }
}

/// Whether an adapter is a software rasteriser: wgpu's device type `Cpu` natively (lavapipe,
/// llvmpipe, SwiftShader), or the browser's `isFallbackAdapter` (WebGPU reports no device type).
pub fn is_software(summary: &crate::AdapterSummary, browser_fallback: bool) -> bool {
    browser_fallback || summary.device_type == "Cpu"
}

impl EngineSelection {
    /// The automatic choice: when this selection's GPU is a software adapter, the CPU `f32`
    /// path (saying which adapter was set aside and why), with the GPU selection returned
    /// beside it for a "use the GPU anyway" switch; otherwise this selection and `None`.
    pub fn prefer_cpu_over_software(
        self,
        browser_fallback: bool,
    ) -> (EngineSelection, Option<EngineSelection>) {
        let software = match &self.engine {
            SelectedEngine::Gpu(gpu) => is_software(gpu.adapter_summary(), browser_fallback)
                .then(|| gpu.adapter_summary().to_string()),
            SelectedEngine::CpuF32 => None,
        };
        match software {
            Some(adapter) => (
                EngineSelection {
                    engine: SelectedEngine::CpuF32,
                    reason: format!(
                        "CPU f32 path: the only adapter, {adapter}, is a software one, slower \
                         than the CPU"
                    ),
                },
                Some(self),
            ),
            None => (self, None),
        }
    }

    /// `gpu` or `f32`, as the command line and the page name engines.
    pub fn name(&self) -> &'static str {
        match self.engine {
            SelectedEngine::Gpu(_) => "gpu",
            SelectedEngine::CpuF32 => "f32",
        }
    }

    /// [`GpuEngine::run_batch`], or `yuma::float::epochs` on each input.
    ///
    /// # Errors
    /// The GPU engine's errors; the CPU path does not fail.
    pub async fn run_batch(
        &self,
        inputs: &[EpochInput],
        epochs: u32,
    ) -> Result<Vec<EpochOutput>, GpuError> {
        match &self.engine {
            SelectedEngine::Gpu(gpu) => gpu.run_batch(inputs, epochs).await,
            SelectedEngine::CpuF32 => Ok(inputs
                .iter()
                .map(|input| yuma::float::epochs(input, epochs))
                .collect()),
        }
    }

    /// [`GpuEngine::run_sweep`], or `yuma::float::epochs` per parameter set.
    ///
    /// # Errors
    /// The GPU engine's errors; the CPU path does not fail.
    pub async fn run_sweep(
        &self,
        input: &EpochInput,
        params: &[EpochParams],
        epochs: u32,
    ) -> Result<Vec<EpochOutput>, GpuError> {
        match &self.engine {
            SelectedEngine::Gpu(gpu) => gpu.run_sweep(input, params, epochs).await,
            SelectedEngine::CpuF32 => Ok(params
                .iter()
                .map(|p| {
                    let mut point = input.clone();
                    *point.params_mut() = p.clone();
                    yuma::float::epochs(&point, epochs)
                })
                .collect()),
        }
    }
}
