//! Yuma consensus epochs on the GPU: WGSL compute kernels on wgpu, for WebGPU in the browser
//! (wasm32) and Vulkan, Metal or DX12 natively.
//!
//! A Bittensor subnet (`netuid`) has up to 256 uids. Every `tempo` blocks the chain runs an
//! *epoch* of Yuma consensus: validators' weights on miners become consensus (a stake-weighted
//! median per miner with majority `kappa`), clipped weights become incentive, and bonds (an
//! EMA of validators' support) become dividends; the subnet's emission is split between them.
//! The [`yuma`] crate computes one epoch on the CPU, bit-exactly in fixed point and in `f32`.
//! This crate runs the same `f32` algorithm ([`yuma::float`], the reference) as compute
//! kernels, so that many epochs can run at once:
//!
//! - **batches**: many subnets of different sizes in one submission ([`GpuEngine::run_batch`]);
//! - **sweeps**: one subnet under many hyperparameter sets, e.g. 1,000 kappa values
//!   ([`GpuEngine::run_sweep`]);
//! - **multi-epoch runs**: bonds, permits and the last epoch's block stay on the GPU between
//!   epochs, and results are read back once, at the end;
//! - both mixed, through [`Batch`] and [`GpuEngine::run`].
//!
//! # Agreement with the CPU
//!
//! Every output equals [`yuma::float`]'s to within `1e-5` on proportions (consensus,
//! incentive, dividends, validator trust, emission shares), which gives the same ranking
//! except between uids whose incentives differ by less than that. The kernels sum in the CPU's
//! order, one invocation per sum, so most results are bit-identical; differences come from the
//! GPU's division and `exp` (WGSL allows 2.5 ULP for division and more for `exp`), and from
//! compilers that fuse a multiply and an add. Stored `u16` values (consensus, bonds, ...) are
//! the same truncation of values that agree to a few ULP, so they differ by at most 1; rao
//! amounts by at most `1e-5 × rao_emission`. `crates/yuma-gpu/tests/` checks these bounds on
//! lavapipe; there, over 2,000 random subnets of 1 to 256 uids and 1 to 3 epochs, proportions
//! differed by at most 1.8e-7 (only where liquid alpha's `exp` is involved; bit-identical
//! otherwise), stored `u16` vectors not at all and stored bonds by at most 1.
//!
//! # What runs where
//!
//! Every step of the epoch runs on the GPU (masks, permits, active stake, weighted median,
//! clipping, trust, incentive, bonds, dividends, emission split, stored `u16` bonds and
//! consensus), in five compute stages per epoch (`src/kernels/`, one folder per stage; the
//! last three run as one dispatch). The host does three things only:
//! it normalises stake exactly as `<f32 as yuma::Scalar>::stake_weights` does (in `f64`,
//! because rao amounts exceed `f32`'s 24-bit mantissa; the GPU receives the `f32` result), it
//! converts hyperparameters to `f32` with the same `yuma::Scalar` functions (`kappa / 65535`
//! and so on, bit-identical), and it turns the read-back `f32` results into `u16` proportions
//! and rao with the same functions `yuma::float` uses. Nothing falls back to the CPU
//! silently: [`select_engine`] picks the CPU `f32` path only when there is no adapter, and says
//! so.
//!
//! # Limits
//!
//! A subnet may have at most [`MAX_UIDS`] (256) uids: one workgroup of 256 invocations runs a
//! subnet, one invocation per uid. Larger subnets are refused with
//! [`GpuError::SubnetTooLarge`].
//!
//! # Features
//!
//! Exactly one of `native` (the default: Vulkan, Metal, DX12) and `web` (the browser's
//! WebGPU, for `wasm32-unknown-unknown`). The API is `async` on both and never blocks; a run
//! reads back once, at its end. Natively, drive it with any executor (`pollster::block_on` is
//! enough); in the browser, with `wasm_bindgen_futures::spawn_local`.
#![deny(missing_docs, rustdoc::broken_intra_doc_links)]

#[cfg(all(feature = "native", feature = "web"))]
compile_error!("yuma-gpu: enable exactly one of the features `native` and `web`, not both");
#[cfg(not(any(feature = "native", feature = "web")))]
compile_error!("yuma-gpu: enable one of the features `native` (default) or `web`");

mod engine;
mod error;
mod kernels;
mod select;

pub use engine::{AdapterSummary, Batch, GpuEngine, RunOptions, SubnetId};
pub use error::GpuError;
pub use select::{EngineSelection, SelectedEngine, is_software, select_engine};

/// The largest subnet the kernels handle: one workgroup of this many invocations per subnet.
pub const MAX_UIDS: u16 = 256;
