//! The WGSL of every module parses and validates (naga, no adapter needed), and the `Job`
//! struct the kernels read has the fields the host writes, in the same order, with the flags
//! and scratch layout the host assumes.

use crate::engine::layout::{FLAGS, FLAGS_WORD, JOB_FIELDS, JOB_WORDS, SCRATCH_VECTORS};

/// Each module's name, source and entry points.
fn modules() -> [(&'static str, &'static str, &'static [&'static str]); 3] {
    [
        ("prep", super::prep::SOURCE, &["main"]),
        ("consensus", super::consensus::SOURCE, &["main"]),
        (
            "tail",
            super::tail::SOURCE,
            &["tail_main", "incentive_main", "bonds_main", "emission_main"],
        ),
    ]
}

fn parse(name: &str, source: &str) -> naga::Module {
    match naga::front::wgsl::parse_str(source) {
        Ok(module) => module,
        Err(e) => panic!("{name}: {}", e.emit_to_string(source)),
    }
}

#[test]
fn every_stage_validates() {
    for (name, source, entries) in modules() {
        let module = parse(name, source);
        let mut validator = naga::valid::Validator::new(
            naga::valid::ValidationFlags::all(),
            naga::valid::Capabilities::empty(),
        );
        if let Err(e) = validator.validate(&module) {
            panic!("{name}: {}", e.emit_to_string(source));
        }
        let size = if name == "consensus" {
            super::CONSENSUS_GROUP
        } else {
            super::WORKGROUP
        };
        for entry in entries {
            assert!(
                module
                    .entry_points
                    .iter()
                    .any(|ep| ep.name == *entry && ep.workgroup_size == [size, 1, 1]),
                "{name}: no `{entry}` with workgroup size {size}"
            );
        }
    }
}

/// Every module's workgroup memory (all its `var<workgroup>`s: the merged tail uses them all)
/// fits the limit the engine asks the device for, the downlevel default, which WebGPU in a
/// browser also grants without asking.
#[test]
fn workgroup_memory_fits_the_requested_limit() {
    let limit = wgpu::Limits::downlevel_defaults().max_compute_workgroup_storage_size;
    for (name, source, _) in modules() {
        let module = parse(name, source);
        let mut layouter = naga::proc::Layouter::default();
        layouter
            .update(module.to_ctx())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let bytes: u32 = module
            .global_variables
            .iter()
            .filter(|(_, var)| var.space == naga::AddressSpace::WorkGroup)
            .map(|(_, var)| layouter[var.ty].size)
            .sum();
        assert!(bytes > 0, "{name}: no workgroup memory found");
        assert!(
            bytes <= limit,
            "{name}: {bytes} bytes of workgroup memory, limit {limit}"
        );
        println!("{name}: {bytes} bytes of workgroup memory (limit {limit})");
    }
}

#[test]
fn job_struct_matches_the_host_layout() {
    let module = parse("prep", super::prep::SOURCE);
    let job = module
        .types
        .iter()
        .find(|(_, ty)| ty.name.as_deref() == Some("Job"))
        .map(|(_, ty)| ty.inner.clone());
    let Some(naga::TypeInner::Struct { members, span }) = job else {
        panic!("common.wgsl has no struct Job");
    };
    let names: Vec<&str> = members.iter().filter_map(|m| m.name.as_deref()).collect();
    assert_eq!(names, JOB_FIELDS);
    assert_eq!(
        span as usize,
        JOB_WORDS * 4,
        "every field is one 4-byte word"
    );
}

/// The value of `const NAME: u32 = Vu;` in a stage's WGSL.
fn wgsl_const(source: &str, name: &str) -> u32 {
    let at = source
        .find(&format!("const {name}: u32 = "))
        .unwrap_or_else(|| panic!("common.wgsl has no {name}"));
    let rest = &source[at..];
    let (Some(eq), Some(end)) = (rest.find('='), rest.find("u;")) else {
        panic!("{name} is not written `const {name}: u32 = <n>u;`");
    };
    rest[eq + 1..end]
        .trim()
        .parse()
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn constants_match_the_host() {
    for (name, value) in FLAGS {
        assert_eq!(wgsl_const(super::prep::SOURCE, name), value, "{name}");
    }
    assert_eq!(JOB_FIELDS[FLAGS_WORD], "flags");
    // The header follows the scratch vectors.
    assert_eq!(
        wgsl_const(super::prep::SOURCE, "S_HEADER") as usize,
        SCRATCH_VECTORS
    );
    // Consensus steps over a job's miners by its workgroup size.
    assert_eq!(
        wgsl_const(super::consensus::SOURCE, "SLICE"),
        super::CONSENSUS_GROUP
    );
}
