//! The epoch as five compute stages, built once per device and dispatched per epoch.
//!
//! Each stage's WGSL lives in its own folder (`kernels/<stage>/`), compiled with `common.wgsl`
//! (the job layout, bindings and shared helpers) in front, since WGSL has no includes:
//!
//! 1. [`prep`]: activity, permits, active stake, masked and row-normalised weights;
//! 2. [`consensus`]: the stake-weighted median per miner;
//! 3. incentive: clipping, validator trust, incentive, weights for bonds;
//! 4. bonds: the bonds EMA (Yuma1, Yuma3, liquid alpha), dividends, stored bonds;
//! 5. emission: the emission split and what the next epoch reads.
//!
//! Stages 3–5 form one module, [`tail`], and run in one dispatch: each runs one workgroup per
//! job and reads only its own job's values from the stage before, so a barrier within the
//! workgroup orders them. Prep and consensus cannot join them: consensus spreads a job's
//! miners over [`CONSENSUS_SLICES`] workgroups, each reading the whole of prep's output, and
//! the tail reads every slice's. An epoch is three dispatches (five when run as before,
//! one per stage); wgpu inserts the barriers between dispatches that write storage.
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
//! One workgroup of 256 invocations runs one job in every stage but consensus.

mod consensus;
mod prep;
mod tail;

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
    prep: wgpu::ComputePipeline,
    consensus: wgpu::ComputePipeline,
    /// Stages 3–5 in one dispatch.
    tail: wgpu::ComputePipeline,
    /// Stages 3, 4 and 5 one dispatch each, as before they were merged: compiled only for an
    /// engine run as before ([`Kernels::compile_split`]), so that a page does not wait for
    /// three pipelines it never uses.
    split: Option<[wgpu::ComputePipeline; 3]>,
    pipeline_layout: wgpu::PipelineLayout,
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
        let pipeline = |name, source, entry| compile(device, &pipeline_layout, name, source, entry);
        Kernels {
            prep: pipeline("prep", prep::SOURCE, "main"),
            consensus: pipeline("consensus", consensus::SOURCE, "main"),
            tail: pipeline("tail", tail::SOURCE, "tail_main"),
            split: None,
            pipeline_layout,
            layout,
        }
    }

    /// Compiles stages 3–5 one pipeline each, for [`Kernels::encode_epoch`] run as before.
    pub(crate) fn compile_split(&mut self, device: &wgpu::Device) {
        if self.split.is_none() {
            let stage = |entry| compile(device, &self.pipeline_layout, "tail", tail::SOURCE, entry);
            self.split = Some(["incentive_main", "bonds_main", "emission_main"].map(stage));
        }
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

    /// Records one epoch for `jobs` jobs: prep, consensus and the merged tail, or (`as_before`)
    /// the five stages one dispatch each with one consensus workgroup per job, as before the
    /// stages were merged and consensus spread (the split stages once compiled, see
    /// [`Kernels::compile_split`]).
    pub(crate) fn encode_epoch(
        &self,
        pass: &mut wgpu::ComputePass<'_>,
        bind_group: &wgpu::BindGroup,
        jobs: u32,
        as_before: bool,
    ) {
        pass.set_bind_group(0, bind_group, &[]);
        pass.set_pipeline(&self.prep);
        pass.dispatch_workgroups(jobs, 1, 1);
        pass.set_pipeline(&self.consensus);
        let slices = if as_before { 1 } else { CONSENSUS_SLICES };
        pass.dispatch_workgroups(jobs, slices, 1);
        let tail = match (&self.split, as_before) {
            (Some(split), true) => &split[..],
            _ => core::slice::from_ref(&self.tail),
        };
        for stage in tail {
            pass.set_pipeline(stage);
            pass.dispatch_workgroups(jobs, 1, 1);
        }
    }
}

/// One pipeline: `entry` of the module `source`.
fn compile(
    device: &wgpu::Device,
    layout: &wgpu::PipelineLayout,
    name: &str,
    source: &'static str,
    entry: &str,
) -> wgpu::ComputePipeline {
    let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
        label: Some(name),
        source: wgpu::ShaderSource::Wgsl(source.into()),
    });
    device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
        label: Some(entry),
        layout: Some(layout),
        module: &module,
        entry_point: Some(entry),
        compilation_options: wgpu::PipelineCompilationOptions::default(),
        cache: None,
    })
}

#[cfg(test)]
mod tests;
