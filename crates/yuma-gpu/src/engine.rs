//! [`GpuEngine`]: the device, its pipelines, and runs of many epochs in one submission.
//!
//! A run uploads each chunk's inputs once (u16 weights and bonds, presence bits, blocks, stake),
//! records every epoch's three dispatches for every chunk into one command buffer, copies the
//! results to a staging buffer and maps it: one submission, one wait, one read-back, however
//! many subnets, parameter sets and epochs. Between epochs the bonds, permits and last epoch
//! block stay in the state buffer on the GPU. The only platform fork is the wait: natively the
//! device is polled; in the browser the map callback arrives from the event loop.

pub(crate) mod layout;

use std::sync::{Arc, Mutex};

use yuma::{EpochInput, EpochOutput, EpochParams};

use crate::error::GpuError;
use crate::kernels::{Kernels, WORKGROUP};
use layout::{ChunkLimits, JOB_WORDS};

/// What the engine runs on, for reports and the page's engine badge.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AdapterSummary {
    /// The adapter's name, e.g. `llvmpipe (LLVM 15.0.6, 256 bits)`.
    pub name: String,
    /// The graphics API, e.g. `Vulkan` or `BrowserWebGpu`.
    pub backend: String,
    /// The kind of device: `DiscreteGpu`, `IntegratedGpu`, `Cpu` (a software rasteriser such as
    /// lavapipe or SwiftShader), ...
    pub device_type: String,
    /// Driver name and version, where the platform tells.
    pub driver: String,
}

impl core::fmt::Display for AdapterSummary {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{} ({}, {})", self.name, self.backend, self.device_type)
    }
}

/// How a run reads its results back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunOptions {
    /// Epochs to run, bonds and permits carried between them; 0 counts as 1, as in
    /// `yuma::float::epochs`. Only the last epoch's results are read back.
    pub epochs: u32,
    /// Whether to read back stored bonds (`EpochOutput::bonds`). Without them the read-back is
    /// about 18 times smaller for 256-uid subnets, and `bonds` is an empty `Vec` (not one empty
    /// row per uid); a sweep view that plots incentive needs no bonds.
    pub bonds: bool,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            epochs: 1,
            bonds: true,
        }
    }
}

/// A subnet added to a [`Batch`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SubnetId(usize);

/// Subnets and the jobs to run on them: each job is one subnet under one set of parameters.
///
/// A batch of many subnets has one job per subnet; a sweep has one subnet and many jobs. Each
/// subnet's weights and bonds are uploaded once however many jobs use it.
#[derive(Clone, Debug, Default)]
pub struct Batch<'a> {
    subnets: Vec<&'a EpochInput>,
    jobs: Vec<(usize, EpochParams)>,
}

impl<'a> Batch<'a> {
    /// An empty batch.
    pub fn new() -> Self {
        Batch::default()
    }

    /// Adds a subnet (weights, bonds, stake, blocks); jobs then name it.
    pub fn subnet(&mut self, input: &'a EpochInput) -> SubnetId {
        self.subnets.push(input);
        SubnetId(self.subnets.len() - 1)
    }

    /// Adds a job: `subnet` under `params` (its own parameters are ignored for this job).
    pub fn job(&mut self, subnet: SubnetId, params: EpochParams) {
        self.jobs.push((subnet.0, params));
    }

    /// Jobs so far.
    pub fn len(&self) -> usize {
        self.jobs.len()
    }

    /// Whether there are no jobs.
    pub fn is_empty(&self) -> bool {
        self.jobs.is_empty()
    }
}

/// A GPU device with the epoch's pipelines compiled, ready to run batches.
///
/// # Usage
///
/// ```no_run
/// # async fn demo(input: yuma::EpochInput) -> Result<(), yuma_gpu::GpuError> {
/// let engine = yuma_gpu::GpuEngine::new().await?;
/// println!("running on {}", engine.adapter_summary());
/// let outputs = engine.run_batch(std::slice::from_ref(&input), 10).await?;
/// println!("{:?}", outputs[0].ranking());
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct GpuEngine {
    device: wgpu::Device,
    queue: wgpu::Queue,
    kernels: Kernels,
    adapter: AdapterSummary,
    limits: ChunkLimits,
    uncaptured: Arc<Mutex<Option<String>>>,
    /// Runs as before the engine's speed-ups (see [`GpuEngine::run_as_before`]).
    as_before: bool,
    /// Buffers the last run left, taken by the next (see [`Pool`]).
    pool: Mutex<Pool>,
}

/// Buffers kept between runs. Creating, zero-filling and freeing the tens of megabytes a batch
/// of full subnets needs (scratch alone is an n × n matrix per job) cost more than the kernels'
/// own work on a software adapter, and a browser's WebGPU allocates as dearly. A run takes the
/// smallest kept buffer of the right usage that is large enough, and gives back what it used
/// once it has read its results; a failed run drops its buffers. What is reused holds the last
/// run's values: `state` and `out` are cleared on the GPU before use (the kernels assume a
/// zeroed state: no epoch done yet), while scratch, job records, data and staging are
/// written before anything reads them.
#[derive(Debug, Default)]
struct Pool {
    kept: Vec<wgpu::Buffer>,
    /// Host vectors the inputs were packed into: tens of megabytes whose pages are already
    /// mapped, where a fresh allocation faults every page in again.
    host: Vec<Vec<u32>>,
}

/// The most the pool keeps between runs: a batch of 128 full subnets uses about 110 MiB; a
/// long sweep's many chunks are let go beyond this.
const POOL_BYTES: u64 = 256 << 20;

impl Pool {
    /// Keeps `buffers`, the largest first, up to [`POOL_BYTES`].
    fn keep(&mut self, mut buffers: Vec<wgpu::Buffer>) {
        buffers.sort_by_key(|b| core::cmp::Reverse(b.size()));
        let mut total = 0;
        buffers.retain(|b| {
            let fits = total + b.size() <= POOL_BYTES;
            if fits {
                total += b.size();
            }
            fits
        });
        self.kept = buffers;
    }

    /// Takes the smallest kept buffer with `usage` and at least `size` bytes.
    fn take(&mut self, size: u64, usage: wgpu::BufferUsages) -> Option<wgpu::Buffer> {
        let best = self
            .kept
            .iter()
            .enumerate()
            .filter(|(_, b)| b.usage() == usage && b.size() >= size)
            .min_by_key(|(_, b)| b.size())
            .map(|(i, _)| i)?;
        Some(self.kept.swap_remove(best))
    }
}

struct GpuChunk {
    bind_group: wgpu::BindGroup,
    jobs_buffer: wgpu::Buffer,
    data: wgpu::Buffer,
    state: wgpu::Buffer,
    out: wgpu::Buffer,
    staging: wgpu::Buffer,
    jobs: u32,
    out_bytes: u64,
    state_bytes: u64,
    /// What the run reads back: out, then (with bonds) state.
    staged_bytes: u64,
}

impl GpuEngine {
    /// Finds an adapter (high-performance preferred), opens a device and compiles the kernels.
    ///
    /// Natively the backends come from `WGPU_BACKEND` when set, else every compiled one
    /// (Vulkan first on Linux); in the browser it is WebGPU.
    ///
    /// # Errors
    /// [`GpuError::NoAdapter`] with wgpu's reason when there is none; [`GpuError::Unsupported`]
    /// when the adapter lacks a limit the kernels need; device or shader errors otherwise.
    pub async fn new() -> Result<Self, GpuError> {
        let instance =
            wgpu::Instance::new(wgpu::InstanceDescriptor::new_without_display_handle_from_env());
        let adapter = instance
            .request_adapter(&wgpu::RequestAdapterOptions {
                power_preference: wgpu::PowerPreference::HighPerformance,
                ..Default::default()
            })
            .await
            .map_err(|e| GpuError::NoAdapter {
                reason: e.to_string(),
            })?;
        Self::from_adapter(&adapter).await
    }

    /// Opens a device on an adapter the caller already has (the page may pick its own).
    ///
    /// # Errors
    /// As [`GpuEngine::new`], less the adapter search.
    pub async fn from_adapter(adapter: &wgpu::Adapter) -> Result<Self, GpuError> {
        let info = adapter.get_info();
        let summary = AdapterSummary {
            name: info.name.clone(),
            backend: format!("{:?}", info.backend),
            device_type: format!("{:?}", info.device_type),
            driver: format!("{} {}", info.driver, info.driver_info)
                .trim()
                .to_string(),
        };
        let available = adapter.limits();
        // What the kernels use: five storage buffers, workgroups of 256 invocations and about
        // 13 KiB of workgroup memory (the merged tail; a test keeps it within the downlevel
        // default); everything else at the downlevel minimum.
        let mut required = wgpu::Limits {
            max_storage_buffers_per_shader_stage: 5,
            max_compute_invocations_per_workgroup: WORKGROUP,
            max_compute_workgroup_size_x: WORKGROUP,
            ..wgpu::Limits::downlevel_defaults()
        };
        let mut missing = Vec::new();
        required.check_limits_with_fail_fn(&available, false, |name, want, have| {
            missing.push(format!("{name}: needs {want}, has {have}"));
        });
        if !missing.is_empty() {
            return Err(GpuError::Unsupported {
                adapter: summary.name,
                reason: missing.join("; "),
            });
        }
        // Larger buffers where the adapter allows them mean fewer chunks.
        required.max_storage_buffer_binding_size = available.max_storage_buffer_binding_size;
        required.max_buffer_size = available.max_buffer_size;
        let (device, queue) = adapter
            .request_device(&wgpu::DeviceDescriptor {
                label: Some("yuma-gpu"),
                required_limits: required.clone(),
                ..Default::default()
            })
            .await?;
        let uncaptured = Arc::new(Mutex::new(None));
        let slot = Arc::clone(&uncaptured);
        device.on_uncaptured_error(Arc::new(move |e: wgpu::Error| {
            if let Ok(mut slot) = slot.lock() {
                slot.get_or_insert_with(|| e.to_string());
            }
        }));

        let scope = device.push_error_scope(wgpu::ErrorFilter::Validation);
        let kernels = Kernels::new(&device);
        if let Some(e) = scope.pop().await {
            return Err(GpuError::Device(e));
        }

        let words = |bytes: u64| usize::try_from(bytes / 4).unwrap_or(usize::MAX);
        let limits = ChunkLimits {
            buffer_words: words(
                required
                    .max_storage_buffer_binding_size
                    .min(required.max_buffer_size),
            ),
            staging_words: words(required.max_buffer_size),
            jobs: usize::try_from(required.max_compute_workgroups_per_dimension).unwrap_or(65535),
        };
        Ok(GpuEngine {
            device,
            queue,
            kernels,
            adapter: summary,
            limits,
            uncaptured,
            as_before: false,
            pool: Mutex::default(),
        })
    }

    /// Runs as the engine did before four of its speed-ups: the kernels visit every row (not
    /// only live ones, `kernels/common.wgsl`), consensus runs one workgroup per job (not
    /// spread over several), incentive, bonds and emission run one dispatch each (not merged,
    /// `kernels/tail.rs`), and every run creates its buffers afresh (no [`Pool`]). The same
    /// results with more work: the benchmark's side-by-side baseline, and what a test
    /// compares bit for bit.
    #[doc(hidden)]
    pub fn run_as_before(&mut self, on: bool) {
        if on {
            self.kernels.compile_split(&self.device);
        }
        self.as_before = on;
    }

    /// The adapter the engine runs on.
    pub fn adapter_summary(&self) -> &AdapterSummary {
        &self.adapter
    }

    /// Caps every buffer a run allocates at `bytes` (never above the device's own limits).
    ///
    /// A run splits its jobs into chunks whose buffers fit; all chunks still go in one
    /// submission. A page with a memory budget can lower the cap; a chunk always takes at
    /// least one job, so a cap below one job's needs (about 400 KiB for 256 uids) just means
    /// one job per chunk.
    pub fn limit_buffer_bytes(&mut self, bytes: u64) {
        let words = usize::try_from(bytes / 4).unwrap_or(usize::MAX);
        self.limits.buffer_words = self.limits.buffer_words.min(words);
        self.limits.staging_words = self.limits.staging_words.min(words);
    }

    /// Runs each input under its own parameters for `epochs` epochs, all in one submission.
    ///
    /// # Errors
    /// [`GpuError::SubnetTooLarge`] for a subnet over 256 uids; GPU failures otherwise.
    pub async fn run_batch(
        &self,
        inputs: &[EpochInput],
        epochs: u32,
    ) -> Result<Vec<EpochOutput>, GpuError> {
        let mut batch = Batch::new();
        for input in inputs {
            let id = batch.subnet(input);
            batch.job(id, input.params().clone());
        }
        self.run(
            &batch,
            &RunOptions {
                epochs,
                bonds: true,
            },
        )
        .await
    }

    /// Runs one subnet under each parameter set (a sweep over kappa, bonds settings, ...),
    /// all in one submission; the subnet's weights are uploaded once.
    ///
    /// # Errors
    /// As [`GpuEngine::run_batch`].
    pub async fn run_sweep(
        &self,
        input: &EpochInput,
        params: &[EpochParams],
        epochs: u32,
    ) -> Result<Vec<EpochOutput>, GpuError> {
        let mut batch = Batch::new();
        let id = batch.subnet(input);
        for p in params {
            batch.job(id, p.clone());
        }
        self.run(
            &batch,
            &RunOptions {
                epochs,
                bonds: true,
            },
        )
        .await
    }

    /// Runs every job of `batch`; outputs come in job order.
    ///
    /// # Errors
    /// As [`GpuEngine::run_batch`].
    pub async fn run(
        &self,
        batch: &Batch<'_>,
        options: &RunOptions,
    ) -> Result<Vec<EpochOutput>, GpuError> {
        for (index, input) in batch.subnets.iter().enumerate() {
            if input.n() > crate::MAX_UIDS {
                return Err(GpuError::SubnetTooLarge {
                    index,
                    n: input.n(),
                });
            }
        }
        for (job, &(subnet, _)) in batch.jobs.iter().enumerate() {
            if subnet >= batch.subnets.len() {
                return Err(GpuError::UnknownSubnet {
                    job,
                    subnet,
                    subnets: batch.subnets.len(),
                });
            }
        }
        if batch.jobs.is_empty() {
            return Ok(Vec::new());
        }
        let mut pool = if self.as_before {
            Pool::default()
        } else {
            core::mem::take(&mut *self.pool.lock().unwrap_or_else(|e| e.into_inner()))
        };
        let (jobs, stakes) = layout::host_jobs(&batch.subnets, &batch.jobs);
        let mut chunks = layout::plan_into(&jobs, &stakes, self.limits, &mut pool.host);
        if self.as_before {
            chunks.iter_mut().for_each(layout::Chunk::visit_every_row);
        }

        let oom = self.device.push_error_scope(wgpu::ErrorFilter::OutOfMemory);
        let validation = self.device.push_error_scope(wgpu::ErrorFilter::Validation);
        // Scratch only lives within an epoch's stages and chunks run one after another, so one
        // scratch buffer, as large as the largest chunk needs, serves them all.
        let scratch_words = chunks.iter().map(|c| c.scratch_words).max().unwrap_or(0);
        let scratch = self.buffer(
            &mut pool,
            "yuma scratch",
            scratch_words,
            wgpu::BufferUsages::STORAGE,
        );
        let gpu: Vec<GpuChunk> = chunks
            .iter()
            .map(|c| self.upload(&mut pool, c, &scratch, options.bonds))
            .collect();
        // What the pool had and this run does not use stays with the pool, and the packed
        // inputs, uploaded now, become the next run's packing space.
        let mut unused = pool;
        unused
            .host
            .extend(chunks.iter_mut().map(|c| core::mem::take(&mut c.data)));
        let mut encoder = self
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("yuma epochs"),
            });
        for chunk in &gpu {
            // Reused buffers hold the last run's values; fresh ones are zero already.
            encoder.clear_buffer(&chunk.state, 0, Some(chunk.state_bytes));
            encoder.clear_buffer(&chunk.out, 0, Some(chunk.out_bytes));
        }
        for _ in 0..options.epochs.max(1) {
            let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
                label: Some("yuma epoch"),
                timestamp_writes: None,
            });
            for chunk in &gpu {
                self.kernels
                    .encode_epoch(&mut pass, &chunk.bind_group, chunk.jobs, self.as_before);
            }
        }
        for chunk in &gpu {
            encoder.copy_buffer_to_buffer(&chunk.out, 0, &chunk.staging, 0, chunk.out_bytes);
            if options.bonds {
                encoder.copy_buffer_to_buffer(
                    &chunk.state,
                    0,
                    &chunk.staging,
                    chunk.out_bytes,
                    chunk.state_bytes,
                );
            }
        }
        self.queue.submit([encoder.finish()]);
        let receivers: Vec<_> = gpu
            .iter()
            .map(|chunk| {
                let (tx, rx) = futures_channel::oneshot::channel();
                chunk.staging.slice(..chunk.staged_bytes).map_async(
                    wgpu::MapMode::Read,
                    move |result| {
                        // The receiver outlives the callback unless the run was abandoned.
                        let _ = tx.send(result);
                    },
                );
                rx
            })
            .collect();
        let validation = validation.pop();
        let oom = oom.pop();
        wait(&self.device)?;
        if let Some(e) = validation.await {
            return Err(GpuError::Device(e));
        }
        if let Some(e) = oom.await {
            return Err(GpuError::Device(e));
        }
        // Decoded straight from the mapped memory (a batch of full subnets reads back tens of
        // megabytes; copying them first cost as much as decoding).
        let mut outputs: Vec<Option<EpochOutput>> = vec![None; jobs.len()];
        for ((chunk, planned), rx) in gpu.iter().zip(&chunks).zip(receivers) {
            rx.await.map_err(|_| GpuError::ReadbackDropped)??;
            {
                let view = chunk
                    .staging
                    .slice(..chunk.staged_bytes)
                    .get_mapped_range()?;
                let copied: Vec<u32>;
                let words: &[u32] = match bytemuck::try_cast_slice(&view) {
                    Ok(words) => words,
                    // A mapping is aligned in practice; should one not be, copy it.
                    Err(_) => {
                        copied = bytemuck::pod_collect_to_vec(&view);
                        &copied
                    }
                };
                let (out, state) = words.split_at(planned.out_words);
                let state = options.bonds.then_some(state);
                for member in &planned.members {
                    let job = &jobs[member.job];
                    outputs[member.job] =
                        Some(layout::decode(job, &stakes[job.stake], member, out, state));
                }
            }
            chunk.staging.unmap();
        }
        if let Some(message) = self.uncaptured.lock().ok().and_then(|mut s| s.take()) {
            return Err(GpuError::Uncaptured(message));
        }
        // Read without error: the buffers go back for the next run.
        if let (false, Ok(mut pool)) = (self.as_before, self.pool.lock()) {
            let mut kept = unused.kept;
            pool.host = unused.host;
            // One packing vector is enough but for a batch split in chunks: keep the largest.
            pool.host.sort_by_key(|v| core::cmp::Reverse(v.capacity()));
            pool.host.truncate(1);
            kept.push(scratch);
            for chunk in gpu {
                kept.extend([
                    chunk.jobs_buffer,
                    chunk.data,
                    chunk.state,
                    chunk.out,
                    chunk.staging,
                ]);
            }
            pool.keep(kept);
        }

        // Every job is a member of exactly one chunk (layout::plan); should one ever be left
        // out, the batch fails rather than answer with fewer results than jobs.
        every_output(outputs)
    }

    /// A buffer of at least `words` words from the pool, else a new one.
    fn buffer(
        &self,
        pool: &mut Pool,
        label: &str,
        words: usize,
        usage: wgpu::BufferUsages,
    ) -> wgpu::Buffer {
        // A binding may not be empty (a chunk always has a subnet, but be safe).
        let size = bytes(words.max(1));
        pool.take(size, usage).unwrap_or_else(|| {
            self.device.create_buffer(&wgpu::BufferDescriptor {
                label: Some(label),
                size,
                usage,
                mapped_at_creation: false,
            })
        })
    }

    fn upload(
        &self,
        pool: &mut Pool,
        chunk: &layout::Chunk,
        scratch: &wgpu::Buffer,
        bonds: bool,
    ) -> GpuChunk {
        let storage = wgpu::BufferUsages::STORAGE;
        let copy_dst = wgpu::BufferUsages::COPY_DST;
        let copy_src = wgpu::BufferUsages::COPY_SRC;
        let written = |pool: &mut Pool, label: &str, words: &[u32]| {
            let buffer = self.buffer(pool, label, words.len(), storage | copy_dst);
            self.queue
                .write_buffer(&buffer, 0, bytemuck::cast_slice(words));
            buffer
        };
        let jobs = written(pool, "yuma jobs", &chunk.jobs);
        let data = written(pool, "yuma data", &chunk.data);
        let state = self.buffer(
            pool,
            "yuma state",
            chunk.state_words,
            storage | copy_src | copy_dst,
        );
        let out = self.buffer(
            pool,
            "yuma out",
            chunk.out_words,
            storage | copy_src | copy_dst,
        );
        let staged = chunk.out_words + if bonds { chunk.state_words } else { 0 };
        let staging = self.buffer(
            pool,
            "yuma staging",
            staged,
            wgpu::BufferUsages::MAP_READ | copy_dst,
        );
        let bind_group = self
            .kernels
            .bind_group(&self.device, [&jobs, &data, &state, scratch, &out]);
        GpuChunk {
            bind_group,
            jobs_buffer: jobs,
            data,
            state,
            out,
            staging,
            jobs: (chunk.jobs.len() / JOB_WORDS) as u32,
            out_bytes: bytes(chunk.out_words),
            state_bytes: bytes(chunk.state_words),
            staged_bytes: bytes(staged.max(1)),
        }
    }
}

fn bytes(words: usize) -> u64 {
    words as u64 * 4
}

/// Natively the map callbacks fire from `poll`; in the browser, from the event loop.
#[cfg(not(target_arch = "wasm32"))]
fn wait(device: &wgpu::Device) -> Result<(), GpuError> {
    device.poll(wgpu::PollType::wait_indefinitely())?;
    Ok(())
}

#[cfg(target_arch = "wasm32")]
fn wait(_device: &wgpu::Device) -> Result<(), GpuError> {
    Ok(())
}

const _: () = assert!(WORKGROUP == crate::MAX_UIDS as u32);

/// The outputs in job order, or [`GpuError::MissingOutput`] naming the first job without one.
fn every_output<T>(outputs: Vec<Option<T>>) -> Result<Vec<T>, GpuError> {
    let jobs = outputs.len();
    outputs
        .into_iter()
        .enumerate()
        .map(|(job, output)| output.ok_or(GpuError::MissingOutput { job, jobs }))
        .collect()
}

#[cfg(test)]
mod count_tests {
    use super::*;

    #[test]
    fn a_job_without_an_output_fails_the_batch() {
        assert_eq!(every_output(vec![Some(1), Some(2)]).ok(), Some(vec![1, 2]));
        match every_output(vec![Some(1), None, Some(3), None]) {
            Err(GpuError::MissingOutput { job: 1, jobs: 4 }) => {}
            other => panic!("expected job 1 of 4 missing, got {other:?}"),
        }
        assert_eq!(every_output::<u8>(Vec::new()).ok(), Some(Vec::new()));
    }
}
