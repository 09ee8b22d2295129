//! The `taoscope` binary's commands: `--help` lists both, `taoscope devnode` is the devnode
//! command line (same output lines, same exit statuses), and `taoscope yuma` still refuses a
//! missing input with status 2. The devnode runs use `--no-scenario` to stay fast; the seeding
//! itself is tested in `crates/devnode/tests/cli.rs`.

#![allow(clippy::unwrap_used)]

use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_taoscope");

#[test]
fn help_lists_both_commands() {
    let out = Command::new(BIN).arg("--help").output().unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.contains("taoscope yuma --input CASE.json"),
        "{stdout}"
    );
    assert!(stdout.contains("taoscope devnode"), "{stdout}");
}

#[test]
fn devnode_help_names_the_subcommand() {
    let out = Command::new(BIN)
        .args(["devnode", "--help"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.starts_with("usage: taoscope devnode "), "{stdout}");
    assert!(stdout.contains("--scenario FILE"), "{stdout}");
}

#[test]
fn devnode_produces_blocks() {
    let out = Command::new(BIN)
        .args(["devnode", "--no-scenario", "--blocks", "1"])
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
}

#[test]
fn devnode_bad_arguments_exit_2() {
    let out = Command::new(BIN)
        .args(["devnode", "--blocks", "many"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.starts_with("taoscope devnode: --blocks"), "{stderr}");
    assert!(stderr.contains("usage: taoscope devnode"), "{stderr}");
}

#[test]
fn yuma_without_input_exits_2() {
    let out = Command::new(BIN).arg("yuma").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("--input is required"), "{stderr}");
}
