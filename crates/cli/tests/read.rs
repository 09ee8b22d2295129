//! The reading commands end to end: `taoscope devnode` serves the seeded devnet, and
//! `subnets`, `metagraph`, `replay`, `audit` and `snapshot` read it through the native light
//! client; a snapshot is read back with `--snapshot`. Checked against what the scenario put on
//! chain (its subnets, sizes and keys), and every replay must come out exact. Then bad input:
//! each refused with its exit status and a message naming the problem.

#![allow(clippy::unwrap_used)]

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_taoscope");

/// A `taoscope devnode` child serving the default scenario, killed on drop.
struct Devnode {
    child: Child,
    spec: PathBuf,
    /// `ws://…` of its JSON-RPC endpoint and the checkpoint it wrote, when started with RPC.
    rpc: Option<(String, PathBuf)>,
    _dir: TempDir,
}

struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn temp_dir(name: &str) -> TempDir {
    let dir = std::env::temp_dir().join(format!("taoscope-read-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    TempDir(dir)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Devnode {
    fn start() -> Devnode {
        Self::start_with(false)
    }

    /// With `rpc`, also serving JSON-RPC (justifications every 4 blocks, as a finney node keeps
    /// them every 512) and writing a checkpoint.
    fn start_with(rpc: bool) -> Devnode {
        let dir = temp_dir(if rpc { "rpc-node" } else { "node" });
        let spec = dir.0.join("devnet.json");
        let checkpoint = dir.0.join("checkpoint.json");
        let mut command = Command::new(BIN);
        command
            .args(["devnode", "--port", &free_port().to_string(), "--spec-out"])
            .arg(&spec);
        if rpc {
            command
                .args(["--rpc-port", "0", "--justification-period", "4"])
                .arg("--checkpoint-out")
                .arg(&checkpoint);
        }
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        // The spec line comes after the seeding, before the first block line.
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let (mut url, mut spec_seen) = (None, false);
        while !spec_seen || (rpc && url.is_none()) {
            let line = lines.next().unwrap().unwrap();
            if let Some(u) = line.strip_prefix("rpc: ") {
                url = Some(u.to_owned());
            }
            spec_seen |= line.starts_with("spec: ");
        }
        // Keep draining the node's output so it never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Devnode {
            child,
            spec,
            rpc: url.map(|u| (u, checkpoint)),
            _dir: dir,
        }
    }
}

impl Drop for Devnode {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn run(args: &[&str], spec: &Path) -> (Option<i32>, String, String) {
    let out = Command::new(BIN)
        .args(args)
        .arg("--chain")
        .arg(spec)
        .args(["--timeout", "240"])
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn json_of(args: &[&str], spec: &Path) -> Value {
    let (code, stdout, stderr) = run(args, spec);
    assert_eq!(code, Some(0), "{args:?}: {stderr}");
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{args:?}: {e}: {stdout}"))
}

#[test]
fn reading_commands_follow_the_devnet_and_replay_exactly() {
    let node = Devnode::start();
    let scenario = devnode::scenario::Scenario::default_scenario();

    let subnets = json_of(&["subnets", "--json"], &node.spec);
    let rows = subnets.as_array().unwrap();
    // Root, the genesis subnet, and the scenario's.
    assert_eq!(rows.len(), 2 + scenario.subnets.len());
    for (i, plan) in scenario.subnets.iter().enumerate() {
        let row = &rows[2 + i];
        assert_eq!(row["netuid"], 2 + i as u64);
        assert_eq!(row["neurons"], plan.neurons);
        assert_eq!(row["tempo"], plan.tempo);
        assert!(row["price"].as_u64().unwrap() > 0);
        assert!(row["emission_share"].as_f64().unwrap() > 0.0);
        assert!(row.get("name").is_some());
    }

    let metagraph = json_of(&["metagraph", "--netuid", "3", "--json"], &node.spec);
    assert_eq!(metagraph["netuid"], 3);
    assert!(metagraph["block"].as_u64().unwrap() > 0);
    let neurons = metagraph["neurons"].as_array().unwrap();
    assert_eq!(neurons.len(), usize::from(scenario.subnets[1].neurons));
    for (uid, n) in neurons.iter().enumerate() {
        let (coldkey, hotkey) = devnode::scenario::neuron_keys(1, uid as u16).unwrap();
        assert_eq!(n["uid"], uid as u64);
        assert_eq!(n["hotkey"], chain::ss58::encode(&hotkey.account_id()));
        assert_eq!(n["coldkey"], chain::ss58::encode(&coldkey.account_id()));
        for field in [
            "stake",
            "validator_permit",
            "consensus",
            "incentive",
            "dividends",
            "validator_trust",
            "emission",
        ] {
            assert!(n.get(field).is_some(), "{field} missing: {n}");
        }
    }
    let validators = usize::from(scenario.subnets[1].validators);
    assert!(
        neurons[..validators]
            .iter()
            .all(|n| n["validator_permit"] == true)
    );
    assert!(
        neurons[validators..]
            .iter()
            .any(|n| n["incentive"].as_f64().unwrap() > 0.0)
    );

    let replay = json_of(&["replay", "--netuid", "4", "--json"], &node.spec);
    assert_eq!(replay["netuid"], 4);
    assert_eq!(replay["verdict"], "exact", "{replay}");
    assert_eq!(replay["spec_version"], 293);
    assert_eq!(replay["rule"], "july-2025");
    assert_eq!(replay["mismatches"], Value::Array(vec![]));

    let audit = json_of(&["audit", "--json"], &node.spec);
    let verdicts: Vec<(u64, &str)> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["netuid"].as_u64().unwrap(),
                r["verdict"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        verdicts,
        vec![(1, "exact"), (2, "exact"), (3, "exact"), (4, "exact")]
    );

    // A subnet that does not exist: exit 1, named.
    let (code, _, stderr) = run(&["metagraph", "--netuid", "9"], &node.spec);
    assert_eq!(code, Some(1));
    assert!(stderr.contains("netuid 9 does not exist"), "{stderr}");

    // Human tables name the same things.
    let (code, table, _) = run(&["subnets"], &node.spec);
    assert_eq!(code, Some(0));
    assert!(
        table.contains("light-client") && table.contains("yuma3+liquid"),
        "{table}"
    );

    // A snapshot, read back without the node.
    let dir = temp_dir("snapshot");
    let file = dir.0.join("snapshot.json");
    let out = Command::new(BIN)
        .args(["snapshot", "--chain"])
        .arg(&node.spec)
        .arg("--out")
        .arg(&file)
        .args(["--timeout", "240"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    drop(node);
    let from_snapshot = |args: &[&str]| -> Value {
        let out = Command::new(BIN)
            .args(args)
            .arg("--snapshot")
            .arg(&file)
            .arg("--json")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let audit = from_snapshot(&["audit"]);
    assert!(
        audit
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["verdict"] == "exact"),
        "{audit}"
    );
    let metagraph = from_snapshot(&["metagraph", "--netuid", "2"]);
    assert_eq!(metagraph["provenance"], "snapshot");
    assert_eq!(metagraph["neurons"].as_array().unwrap().len(), 16);
}

#[test]
fn bad_input_is_refused_with_a_reason() {
    let dir = temp_dir("bad");
    let code = |args: &[&str]| {
        let out = Command::new(BIN).args(args).output().unwrap();
        (out.status.code(), String::from_utf8(out.stderr).unwrap())
    };
    // Arguments: exit 2 with the usage.
    let (c, e) = code(&["subnets"]);
    assert_eq!(c, Some(2));
    assert!(
        e.contains(
            "one of --chain SPEC.json, --rpc URL, --trusted-rpc URL, --snapshot FILE is required"
        ),
        "{e}"
    );
    let (c, e) = code(&["subnets", "--rpc", "http://127.0.0.1:9944"]);
    assert_eq!(c, Some(2));
    assert!(e.contains("expected a ws:// or wss:// URL"), "{e}");
    let (c, e) = code(&["head", "--rpc", "ws://127.0.0.1:1", "--snapshot", "x"]);
    assert_eq!(c, Some(2));
    assert!(e.contains("exclude each other"), "{e}");
    let (c, e) = code(&["head", "--checkpoint", "x.json", "--snapshot", "x"]);
    assert_eq!(c, Some(2));
    assert!(e.contains("--checkpoint goes with --rpc"), "{e}");
    let (c, e) = code(&[
        "head",
        "--bootnode",
        "/ip4/1.2.3.4/tcp/1/ws",
        "--snapshot",
        "x",
    ]);
    assert_eq!(c, Some(2));
    assert!(e.contains("--bootnode goes with --chain"), "{e}");
    let (c, e) = code(&["head", "--chain", "finney"]);
    assert_eq!(c, Some(1));
    assert!(
        e.contains("ships no finney chain spec")
            && e.contains("--checkpoint")
            && e.contains("--rpc wss://"),
        "{e}"
    );
    // Nothing listens on port 1: every endpoint tried, then exit 1.
    let (c, e) = code(&[
        "head",
        "--rpc",
        "ws://127.0.0.1:1",
        "--rpc",
        "ws://127.0.0.1:2",
    ]);
    assert_eq!(c, Some(1));
    assert!(
        e.contains("cannot reach ws://127.0.0.1:1, ws://127.0.0.1:2"),
        "{e}"
    );
    let bad_checkpoint = dir.0.join("checkpoint.json");
    std::fs::write(&bad_checkpoint, r#"{"finalizedBlockHeader":"0x00"}"#).unwrap();
    let (c, e) = code(&[
        "head",
        "--rpc",
        "ws://127.0.0.1:1",
        "--checkpoint",
        bad_checkpoint.to_str().unwrap(),
    ]);
    assert_eq!(c, Some(2));
    assert!(e.contains("checkpoint") && e.contains("header"), "{e}");
    let (c, e) = code(&["metagraph", "--snapshot", "x.json"]);
    assert_eq!(c, Some(2));
    assert!(e.contains("--netuid is required"), "{e}");
    let (c, e) = code(&["replay", "--netuid", "-1", "--snapshot", "x"]);
    assert_eq!(c, Some(2));
    assert!(e.contains("--netuid: expected a subnet id"), "{e}");
    let (c, e) = code(&["snapshot", "--chain", "x.json"]);
    assert_eq!(c, Some(2));
    assert!(e.contains("--out FILE is required"), "{e}");

    // Sources: exit 1 saying what is wrong with them.
    let bad_snapshot = dir.0.join("bad.json");
    std::fs::write(
        &bad_snapshot,
        r#"{"format":"taoscope-snapshot/1","chain":"x"}"#,
    )
    .unwrap();
    let (c, e) = code(&["subnets", "--snapshot", bad_snapshot.to_str().unwrap()]);
    assert_eq!(c, Some(1));
    assert!(e.contains("not a taoscope snapshot"), "{e}");
    std::fs::write(&bad_snapshot, "{").unwrap();
    let (c, e) = code(&["audit", "--snapshot", bad_snapshot.to_str().unwrap()]);
    assert_eq!(c, Some(1));
    assert!(e.contains("not a taoscope snapshot"), "{e}");
    let bad_spec = dir.0.join("spec.json");
    std::fs::write(&bad_spec, r#"{"name":"truncated"#).unwrap();
    let (c, e) = code(&["subnets", "--chain", bad_spec.to_str().unwrap()]);
    assert_eq!(c, Some(1));
    assert!(e.contains("chain spec"), "{e}");
    let (c, e) = code(&["subnets", "--chain", "/nonexistent/spec.json"]);
    assert_eq!(c, Some(2));
    assert!(e.contains("/nonexistent/spec.json"), "{e}");
}

/// Runs `taoscope` with `args` and returns its exit status, stdout and stderr.
fn taoscope(args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::new(BIN).args(args).output().unwrap();
    (
        out.status.code(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn verified_rpc_reads_what_the_light_client_reads() {
    let node = Devnode::start_with(true);
    let (url, checkpoint) = node.rpc.clone().unwrap();
    let checkpoint = checkpoint.to_str().unwrap();
    let rpc = |args: &[&str]| {
        let mut all = args.to_vec();
        all.extend([
            "--rpc",
            &url,
            "--checkpoint",
            checkpoint,
            "--json",
            "--timeout",
            "240",
        ]);
        let (code, stdout, stderr) = taoscope(&all);
        assert_eq!(code, Some(0), "{args:?}: {stderr}");
        serde_json::from_str::<Value>(&stdout).unwrap_or_else(|e| panic!("{args:?}: {e}: {stdout}"))
    };
    // The checkpoint is the block after seeding; wait for a justified block past it.
    let start: Value = serde_json::from_str(&std::fs::read_to_string(checkpoint).unwrap()).unwrap();
    // The node says where its endpoint keeps justifications; the client looks there.
    assert_eq!(start["justificationPeriod"], 4, "{start}");
    let start = start["blockNumber"].as_u64().unwrap();
    let mut head = rpc(&["head"]);
    for _ in 0..60 {
        if head["number"].as_u64().unwrap() > start {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(500));
        head = rpc(&["head"]);
    }
    let number = head["number"].as_u64().unwrap();
    assert!(number > start && number % 4 == 0, "{head}");
    assert_eq!(head["grandpa_set_id"], 0);
    assert_eq!(head["steps"][0]["checkpoint"], start);
    assert_eq!(head["steps"][1]["justified"], number);
    assert!(
        head["verified"]
            .as_str()
            .unwrap()
            .starts_with("verified RPC"),
        "{head}"
    );

    let subnets = rpc(&["subnets"]);
    let (code, light, stderr) = run(&["subnets", "--json"], &node.spec);
    assert_eq!(code, Some(0), "{stderr}");
    let light: Value = serde_json::from_str(&light).unwrap();
    // The two may read different blocks: compare what does not move from block to block.
    let shape = |v: &Value| -> Vec<(Value, Value, Value)> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|s| (s["netuid"].clone(), s["name"].clone(), s["tempo"].clone()))
            .collect()
    };
    assert_eq!(shape(&subnets), shape(&light));
    let metagraph = rpc(&["metagraph", "--netuid", "3"]);
    assert_eq!(metagraph["provenance"], "verified-rpc");
    assert_eq!(metagraph["neurons"].as_array().unwrap().len(), 24);
    let replay = rpc(&["replay", "--netuid", "2"]);
    assert_eq!(replay["verdict"], "exact", "{replay}");

    // A snapshot recorded through verified RPC, read back offline.
    let snap = node._dir.0.join("rpc-snapshot.json");
    let (code, _, stderr) = taoscope(&[
        "snapshot",
        "--rpc",
        &url,
        "--checkpoint",
        checkpoint,
        "--out",
        snap.to_str().unwrap(),
        "--timeout",
        "240",
    ]);
    assert_eq!(code, Some(0), "{stderr}");
    let recorded: Value = serde_json::from_str(&std::fs::read_to_string(&snap).unwrap()).unwrap();
    assert_eq!(recorded["recorded_from"], "verified-rpc");
    let (code, offline, stderr) = taoscope(&[
        "metagraph",
        "--netuid",
        "3",
        "--snapshot",
        snap.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(code, Some(0), "{stderr}");
    let offline: Value = serde_json::from_str(&offline).unwrap();
    assert_eq!(offline["provenance"], "snapshot");
    assert_eq!(offline["neurons"].as_array().unwrap().len(), 24);

    let (code, trusted, stderr) = taoscope(&["head", "--trusted-rpc", &url, "--json"]);
    assert_eq!(code, Some(0), "{stderr}");
    let trusted: Value = serde_json::from_str(&trusted).unwrap();
    assert!(
        trusted["verified"]
            .as_str()
            .unwrap()
            .contains("not verified"),
        "{trusted}"
    );
    let (code, _, stderr) = taoscope(&[
        "subnets",
        "--trusted-rpc",
        &url,
        "--json",
        "--timeout",
        "240",
    ]);
    assert_eq!(code, Some(0), "{stderr}");

    // finney's checkpoint (the default) against this chain: told apart by its genesis.
    let (code, _, stderr) = taoscope(&["head", "--rpc", &url]);
    assert_eq!(code, Some(1));
    assert!(stderr.contains("another chain: its genesis is"), "{stderr}");
}

/// The light client from a checkpoint on a finney-shaped devnet (runtime spec 300, GRANDPA set
/// moved at the checkpoint), with a spec that holds only the genesis state root and names no
/// boot node, the node given with `--bootnode`: `head` proves a block past the checkpoint and
/// says where it started; `subnets` reads as from any light client.
#[test]
fn the_light_client_starts_from_a_checkpoint() {
    let dir = temp_dir("checkpoint-node");
    let (light, bare, cp) = (
        dir.0.join("light.json"),
        dir.0.join("bare.json"),
        dir.0.join("cp.json"),
    );
    let mut child = Command::new(BIN)
        .args([
            "devnode",
            "--port",
            &free_port().to_string(),
            "--runtime",
            "300",
        ])
        .args(["--set-changes", "1", "--light-spec-out"])
        .arg(&light)
        .arg("--checkpoint-out")
        .arg(&cp)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    while !lines.next().unwrap().unwrap().starts_with("light spec: ") {}
    std::thread::spawn(move || for _ in lines {});
    let node = Devnode {
        child,
        spec: light.clone(),
        rpc: None,
        _dir: dir,
    };
    let mut spec: Value = serde_json::from_str(&std::fs::read_to_string(&light).unwrap()).unwrap();
    let boot_node = spec["bootNodes"][0].as_str().unwrap().to_owned();
    spec["bootNodes"] = serde_json::json!([]);
    std::fs::write(&bare, spec.to_string()).unwrap();
    let checkpoint: Value = serde_json::from_str(&std::fs::read_to_string(&cp).unwrap()).unwrap();
    let start = checkpoint["blockNumber"].as_u64().unwrap();

    let cp_arg = cp.to_str().unwrap();
    // A command on the bare spec, from the checkpoint, with the node given by address.
    let from_checkpoint = |command: &str| {
        json_of(
            &[
                command,
                "--json",
                "--checkpoint",
                cp_arg,
                "--bootnode",
                &boot_node,
            ],
            &bare,
        )
    };
    let head = from_checkpoint("head");
    assert!(head["number"].as_u64().unwrap() >= start, "{head}");
    assert!(
        head["verified"]
            .as_str()
            .unwrap()
            .contains("from the checkpoint"),
        "{head}"
    );
    let subnets = from_checkpoint("subnets");
    // Root, the genesis subnet and the scenario's three.
    let netuids: Vec<u64> = subnets
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["netuid"].as_u64().unwrap())
        .collect();
    assert_eq!(netuids, [0, 1, 2, 3, 4], "{subnets}");
    // Without the boot node the bare spec is refused, saying why.
    let (code, _, stderr) = run(&["head", "--checkpoint", cp_arg], &bare);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("no boot nodes"), "{stderr}");
    drop(node);
}
