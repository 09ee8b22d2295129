//! Unit tests for the adapter description (the rest needs a browser: see tests/e2e/gpu.test.mjs).

use super::{BatchEngine, describe_adapter};
use crate::i18n::Lang;

#[test]
fn swiftshader_reads_as_a_fallback_adapter() {
    assert_eq!(
        describe_adapter("google", "swiftshader", "", true),
        "SwiftShader (fallback adapter)"
    );
    assert_eq!(describe_adapter("nvidia", "", "", false), "nvidia");
    assert_eq!(
        describe_adapter("apple", "metal-3", "Apple M2", false),
        "Apple M2"
    );
    assert_eq!(describe_adapter("", "", "", false), "unnamed adapter");
}

#[test]
fn badges_name_the_engine_and_the_reason() {
    let t = Lang::En.text();
    let gpu = BatchEngine::Gpu {
        adapter: "SwiftShader (fallback adapter)".into(),
        backend: "WebGPU".into(),
    };
    assert_eq!(
        gpu.label(t),
        "GPU · WebGPU · SwiftShader (fallback adapter)"
    );
    assert_eq!(gpu.id(), "gpu");
    let cpu = BatchEngine::CpuF32 {
        reason: "no adapter".into(),
    };
    assert!(cpu.label(t).starts_with("CPU · f32"), "{}", cpu.label(t));
    assert!(cpu.label(t).ends_with("no adapter"));
    assert!(Lang::Ja.text().engine_cpu_f32.contains("CPU"));
}

#[test]
fn a_software_adapter_set_aside_is_named_on_the_cpu_badge() {
    let t = Lang::En.text();
    let cpu = BatchEngine::CpuOverSoftware {
        adapter: "SwiftShader (fallback adapter)".into(),
    };
    assert_eq!(cpu.id(), "f32");
    assert_eq!(
        cpu.label(t),
        "CPU · f32 — faster here than the software adapter SwiftShader (fallback adapter)"
    );
    assert!(Lang::Ja.text().engine_cpu_software.contains("CPU"));
}
