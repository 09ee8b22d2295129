//! What can go wrong on the GPU path. Input shape errors are `yuma`'s (`EpochInput::new`
//! already checked them); these are the GPU's own refusals and failures.

/// Why the GPU engine could not start or could not run a batch.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GpuError {
    /// No adapter: no WebGPU in this browser, or no Vulkan/Metal/DX12 driver on this machine.
    #[error("no GPU adapter: {reason}")]
    NoAdapter {
        /// What wgpu said when asked for one.
        reason: String,
    },
    /// The adapter exists but lacks a limit the kernels need.
    #[error("adapter {adapter} cannot run the kernels: {reason}")]
    Unsupported {
        /// The adapter's name.
        adapter: String,
        /// The missing capability.
        reason: String,
    },
    /// The adapter refused to open a device.
    #[error("could not open a device: {0}")]
    RequestDevice(#[from] wgpu::RequestDeviceError),
    /// A subnet is larger than one workgroup can hold.
    #[error("subnet {index} has {n} uids; the GPU engine handles at most {max}", max = crate::MAX_UIDS)]
    SubnetTooLarge {
        /// Its position in the batch.
        index: usize,
        /// Its size.
        n: u16,
    },
    /// A job names a subnet that was never added to the batch.
    #[error("job {job} names subnet {subnet}, but the batch has {subnets} subnets")]
    UnknownSubnet {
        /// The job's position.
        job: usize,
        /// The subnet it names.
        subnet: usize,
        /// How many subnets the batch has.
        subnets: usize,
    },
    /// wgpu reported a validation, out-of-memory or internal error while the batch ran.
    #[error("GPU error: {0}")]
    Device(#[from] wgpu::Error),
    /// An error outside any error scope (for example the device was lost).
    #[error("GPU error outside the batch's error scope: {0}")]
    Uncaptured(String),
    /// Waiting for the GPU failed natively.
    #[error("waiting for the GPU failed: {0}")]
    Poll(#[from] wgpu::PollError),
    /// Mapping the results for reading failed.
    #[error("reading results back failed: {0}")]
    Map(#[from] wgpu::BufferAsyncError),
    /// The mapped results could not be viewed.
    #[error("viewing mapped results failed: {0}")]
    MapRange(#[from] wgpu::MapRangeError),
    /// The map callback was dropped without answering (the device went away).
    #[error("the GPU dropped the read-back before it finished")]
    ReadbackDropped,
    /// A job came back without an output: a batch answers every job or fails, never with fewer
    /// results than it was given.
    #[error("job {job} of {jobs} came back without an output")]
    MissingOutput {
        /// The first job without one.
        job: usize,
        /// How many jobs the batch had.
        jobs: usize,
    },
}
