//! The `devnode` command line end to end: the binary produces and finalizes blocks, seeds a
//! scenario before it serves, prints the lines scripts wait for (`boot node:`, `spec:`) before
//! any block line, stops cleanly on SIGTERM, and exits 2 for bad input and 1 for a port in use.
//! In process, [`devnode::cli::prepare`] run twice on the same flags builds the same chain.
//!
//! Spawned nodes use `--no-scenario` or `tests/scenarios/tiny.json` (one subnet of three
//! neurons, five blocks): the default scenario takes about 20 s in a debug build and is seeded
//! by `tests/scenario.rs` already.

#![allow(clippy::unwrap_used)]

use std::io::{BufRead as _, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};

use devnode::cli::{self, Options};

const BIN: &str = env!("CARGO_BIN_EXE_devnode");

fn tiny_scenario() -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/scenarios/tiny.json")
        .display()
        .to_string()
}

fn options(args: &[&str]) -> Options {
    match cli::parse_args(args.iter().map(|s| s.to_string())).unwrap() {
        cli::Command::Run(options) => *options,
        other => panic!("{other:?}"),
    }
}

#[test]
fn produces_blocks_and_reports_them() {
    let out = Command::new(BIN)
        .args(["--no-scenario", "--blocks", "2", "--backdate-secs", "600"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.starts_with("genesis 0x"), "{stdout}");
    assert!(!stdout.contains("seeded"), "{stdout}");
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

/// The order scripts rely on: genesis, the seeding summary, then `boot node:` and `spec:`,
/// then blocks numbered after the seeded ones; the spec file names the printed boot node.
#[test]
fn seeds_then_announces_the_boot_node_and_spec_before_blocks() {
    let spec_path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cli-seeded-spec.json");
    let _ = std::fs::remove_file(&spec_path);
    let out = Command::new(BIN)
        .args([
            "--scenario",
            &tiny_scenario(),
            "--port",
            "0",
            "--blocks",
            "1",
        ])
        .args(["--interval-ms", "0", "--spec-out"])
        .arg(&spec_path)
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(lines[0].starts_with("genesis 0x"), "{stdout}");
    assert!(
        lines[1].starts_with("seeded ")
            && lines[1].contains("1 subnets")
            && lines[1].contains("3 neurons"),
        "{stdout}"
    );
    let last_seeded: u64 = lines[1]
        .split("..=")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .unwrap()
        .parse()
        .unwrap();
    // The tiny scenario registers one subnet beside the genesis's two (root and netuid 1).
    assert_eq!(lines[2], "SubtensorModule.TotalNetworks = 3", "{stdout}");
    let boot_node = lines[3].strip_prefix("boot node: ").unwrap();
    assert!(
        boot_node.starts_with("/ip4/127.0.0.1/tcp/") && boot_node.contains("/ws/p2p/12D3KooW"),
        "{boot_node}"
    );
    assert_eq!(lines[4], format!("spec: {}", spec_path.display()));
    assert_eq!(
        lines
            .iter()
            .filter(|l| l.starts_with("boot node: "))
            .count(),
        1
    );
    assert!(
        // Finality trails best by one block (net_io::FINALITY_LAG).
        lines[5].starts_with(&format!(
            "#{} best, #{last_seeded} finalized",
            last_seeded + 1
        )),
        "{stdout}"
    );

    let spec = std::fs::read(&spec_path).unwrap();
    let parsed = smoldot::chain_spec::ChainSpec::from_json_bytes(&spec).unwrap();
    let boot_nodes: Vec<String> = parsed
        .boot_nodes()
        .map(|b| match b {
            smoldot::chain_spec::Bootnode::Parsed { multiaddr, peer_id } => {
                format!("{multiaddr}/p2p/{}", bs58_peer(&peer_id))
            }
            smoldot::chain_spec::Bootnode::UnrecognizedFormat(s) => s.to_string(),
        })
        .collect();
    assert_eq!(boot_nodes, [boot_node.to_string()]);
}

/// smoldot hands boot node peer ids back as bytes; the address form is base58.
fn bs58_peer(bytes: &[u8]) -> String {
    smoldot::libp2p::PeerId::from_bytes(bytes.to_vec())
        .unwrap()
        .to_base58()
}

/// Same flags, same chain: the seeded blocks and the first block after them have the same
/// hashes in two independent runs, and the seeded blocks are final.
#[test]
fn the_same_flags_build_the_same_chain() {
    let tiny = tiny_scenario();
    let build = || {
        let options = options(&["--scenario", &tiny]);
        let mut prepared = cli::prepare(&options, |_| {}).unwrap();
        let report = prepared.seeded.clone().unwrap();
        assert_eq!(prepared.chain.finalized_block().number, report.last_block);
        assert_eq!(prepared.clock, report.next_time);
        prepared.chain.produce_block(prepared.clock).unwrap();
        let hashes: Vec<[u8; 32]> = prepared.chain.blocks().iter().map(|b| b.hash).collect();
        (report, hashes)
    };
    let (first_report, first) = build();
    let (second_report, second) = build();
    assert_eq!(first_report, second_report);
    // Genesis, the seeded blocks, and one more.
    assert_eq!(first.len() as u64, first_report.last_block + 2);
    assert_eq!(first, second);
}

#[test]
fn bad_arguments_exit_2_with_usage() {
    for args in [
        &["--bogus"][..],
        &["--blocks"],
        &["--blocks", "many"],
        &["--blocks", "-1"],
        &["--port", "70000"],
        &["--no-scenario", "--scenario", "x.json"],
        &["--no-scenario", "--no-scenario"],
    ] {
        let out = Command::new(BIN).args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(stderr.starts_with("devnode: "), "{args:?}: {stderr}");
        assert!(stderr.contains("usage: devnode"), "{args:?}: {stderr}");
    }
}

#[test]
fn bad_values_exit_2_naming_the_problem() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let malformed = dir.join("cli-malformed-scenario.json");
    std::fs::write(
        &malformed,
        r#"{"subnets":[{"tempo":5,"neurons":3,"validators":3,"validator_stake_tao":[1,1,1]}]}"#,
    )
    .unwrap();
    let missing = dir.join("cli-no-such-scenario.json");
    let _ = std::fs::remove_file(&missing);
    for (args, expected) in [
        (
            vec!["--key".to_string(), "//A/soft".into()],
            "--key //A/soft: soft derivation",
        ),
        (
            vec!["--scenario".into(), malformed.display().to_string()],
            "--scenario: scenario field `subnets[0].validators`: 3 is out of range 1..=2",
        ),
        (
            vec!["--scenario".into(), missing.display().to_string()],
            &*format!("--scenario: scenario file {}: ", missing.display()),
        ),
    ] {
        let out = Command::new(BIN).args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(
            stderr.starts_with(&format!("devnode: {expected}")),
            "{args:?}: {stderr}"
        );
    }
}

#[test]
fn port_in_use_exits_1() {
    let taken = std::net::TcpListener::bind(("127.0.0.1", 0)).unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let out = Command::new(BIN)
        .args(["--no-scenario", "--port", &port, "--blocks", "1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.starts_with(&format!("devnode: cannot listen on 127.0.0.1:{port}: ")),
        "{stderr}"
    );
    // Refused before any block or seeding.
    assert!(!String::from_utf8(out.stdout).unwrap().contains('#'));
}

#[test]
fn help_exits_0() {
    let out = Command::new(BIN).arg("--help").output().unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.starts_with("usage: devnode"), "{stdout}");
    assert!(stdout.contains("--no-scenario"), "{stdout}");
}

/// SIGTERM while serving: the loop ends, `stopped` is printed and the exit status is 0.
#[cfg(unix)]
#[test]
fn sigterm_stops_cleanly() {
    let mut child = Command::new(BIN)
        .args(["--no-scenario", "--port", "0", "--interval-ms", "50"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    // Wait for a block, so the handler is installed and the loop runs.
    let mut seen = Vec::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        let block = line.starts_with("#1 ");
        seen.push(line);
        if block {
            break;
        }
    }
    assert!(seen.iter().any(|l| l.starts_with("#1 ")), "{seen:?}");
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let rest: Vec<String> = lines.map(Result::unwrap).collect();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "{rest:?}");
    assert_eq!(rest.last().map(String::as_str), Some("stopped"), "{rest:?}");
}
