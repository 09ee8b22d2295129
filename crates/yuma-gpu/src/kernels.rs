//! The epoch as five compute stages, built once per device and dispatched per epoch.
//!
//! Each stage lives in its own module with its WGSL next to it (`kernels/<stage>/`), compiled
//! with `common.wgsl` (the job layout, bindings and shared helpers) in front, since WGSL has
//! no includes:
//!
//! 1. [`prep`]: activity, permits, active stake, masked and row-normalised weights;
//! 2. [`consensus`]: the stake-weighted median per miner;
//! 3. [`incentive`]: clipping, validator trust, incentive, weights for bonds;
//! 4. [`bonds`]: the bonds EMA (Yuma1, Yuma3, liquid alpha), dividends, stored bonds;
//! 5. [`emission`]: the emission split and what the next epoch reads.
//!
//! All stages share one bind group layout, so one bind group per chunk of jobs serves the
//! whole epoch:
//!
//! | binding | buffer | access |
//! |---|---|---|
//! | 0 | jobs: one record per (subnet, parameters), `engine/layout.rs` | read |
//! | 1 | data: u16 weights and bonds, presence bits, blocks, stake, stored consensus | read |
//! | 2 | state: bonds, permits, consensus and last epoch block, carried between epochs | read-write |
//! | 3 | scratch: per-epoch vectors and each job's n × n matrix | read-write |
//! | 4 | out: the epoch's vectors and flags | read-write |
//!
//! One workgroup of 256 invocations runs one job in every stage but consensus, which spreads a
//! job's miners over [`CONSENSUS_SLICES`] workgroups. Stages are ordered by separate dispatches
//! (wgpu inserts the barriers between dispatches that write storage).

mod bonds;
mod consensus;
mod emission;
mod incentive;
mod prep;

/// Invocations per workgroup, one per uid; the `@workgroup_size` in every stage but
/// consensus.
pub(crate) const WORKGROUP: u32 = 256;

/// Consensus spreads a job's miners over this many workgroups of [`CONSENSUS_GROUP`]
/// invocations (`consensus.wgsl`): its columns are independent, and a batch of one subnet
/// would otherwise run on one compute unit.
pub(crate) const CONSENSUS_SLICES: u32 = 4;
/// Consensus's `@workgroup_size` (`SLICE` in its WGSL; the host only needs the slice count,
/// a test checks the two agree).
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) const CONSENSUS_GROUP: u32 = WORKGROUP / CONSENSUS_SLICES;

/// The stages' pipelines and their shared bind group layout.
#[derive(Debug)]
pub(crate) struct Kernels {
    layout: wgpu::BindGroupLayout,
    stages: [wgpu::ComputePipeline; 5],
}

impl Kernels {
    /// Compiles every stage for `device`.
    pub(crate) fn new(device: &wgpu::Device) -> Self {
        let storage = |binding: u32, read_only: bool| wgpu::BindGroupLayoutEntry {
            binding,
            visibility: wgpu::ShaderStages::COMPUTE,
            ty: wgpu::BindingType::Buffer {
                ty: wgpu::BufferBindingType::Storage { read_only },
                has_dynamic_offset: false,
                min_binding_size: None,
            },
            count: None,
        };
        let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("yuma epoch"),
            entries: &[
                storage(0, true),
                storage(1, true),
                storage(2, false),
                storage(3, false),
                storage(4, false),
            ],
        });
        let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("yuma epoch"),
            bind_group_layouts: &[Some(&layout)],
            immediate_size: 0,
        });
        let stages = [
            compile(device, &pipeline_layout, "prep", prep::SOURCE),
            compile(device, &pipeline_layout, "consensus", consensus::SOURCE),
            compile(device, &pipeline_layout, "incentive", incentive::SOURCE),
            compile(device, &pipeline_layout, "bonds", bonds::SOURCE),
            compile(device, &pipeline_layout, "emission", emission::SOURCE),
        ];
        Kernels { layout, stages }
    }

    /// A bind group over one chunk's buffers, in binding order.
    pub(crate) fn bind_group(
        &self,
        device: &wgpu::Device,
        buffers: [&wgpu::Buffer; 5],
    ) -> wgpu::BindGroup {
        let entries: Vec<wgpu::BindGroupEntry<'_>> = buffers
            .iter()
            .enumerate()
            .map(|(binding, buffer)| wgpu::BindGroupEntry {
                binding: binding as u32,
                resource: buffer.as_entire_binding(),
            })
            .collect();
        device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("yuma epoch chunk"),
            layout: &self.layout,
            entries: &entries,
        })
    }

    /// Records one epoch for `jobs` jobs: the five stages in order (`one_group`: one
    /// consensus workgroup per job, as before the stage was spread).
    pub(crate) fn encode_epoch(
        &self,
        pass: &mut wgpu::ComputePass<'_>,
        bind_group: &wgpu::BindGroup,
        jobs: u32,
        one_group: bool,
    ) {
        pass.set_bind_group(0, bind_group, &[]);
        for (index, stage) in self.stages.iter().enumerate() {
            pass.set_pipeline(stage);
            // Stage 1 is consensus: several workgroups per job, unless run as before.
            let slices = if index == 1 && !one_group {
                CONSENSUS_SLICES
            } else {
                1
            };
            pass.dispatch_workgroups(jobs, slices, 1);
        }
    }
}

fn compile(
    device: &wgpu::Device,
    layout: &wgpu::PipelineLayout,
    name: &str,
    source: &'static str,
) -> wgpu::ComputePipeline {
    let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
        label: Some(name),
        source: wgpu::ShaderSource::Wgsl(source.into()),
    });
    device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
        label: Some(name),
        layout: Some(layout),
        module: &module,
        entry_point: Some("main"),
        compilation_options: wgpu::PipelineCompilationOptions::default(),
        cache: None,
    })
}

#[cfg(test)]
mod tests;
