//! The `devnode` binary end to end: it produces and finalizes blocks, prints a spec smoldot
//! accepts, and rejects bad arguments with exit status 2.

#![allow(clippy::unwrap_used)]

use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_devnode");

#[test]
fn produces_blocks_and_reports_them() {
    let out = Command::new(BIN)
        .args(["--blocks", "2", "--backdate-secs", "600"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.starts_with("genesis 0x"), "{stdout}");
    assert!(stdout.lines().any(|l| l.starts_with("#1 0x")), "{stdout}");
    assert!(stdout.lines().any(|l| l.starts_with("#2 0x")), "{stdout}");
    assert!(stdout.contains("2 blocks in"), "{stdout}");
}

#[test]
fn prints_a_spec_smoldot_parses() {
    let out = Command::new(BIN).arg("--print-spec").output().unwrap();
    assert!(out.status.success());
    let spec = smoldot::chain_spec::ChainSpec::from_json_bytes(&out.stdout).unwrap();
    assert_eq!(spec.id(), devnode::spec::DEV_CHAIN_ID);
}

#[test]
fn bad_arguments_exit_2() {
    for args in [
        &["--bogus"][..],
        &["--blocks"],
        &["--blocks", "many"],
        &["--key", "//A/soft"],
    ] {
        let status = Command::new(BIN).args(args).output().unwrap().status;
        let expected = if args[0] == "--key" { 1 } else { 2 };
        assert_eq!(status.code(), Some(expected), "{args:?}");
    }
}
