//! The devnode command line, shared by the `devnode` binary and `taoscope devnode`: argument
//! parsing, the scenario seeding at start, and the run loop that produces and finalizes one
//! block per interval (serving light clients with `--port`).
//!
//! # What a run does, in order
//!
//! 1. Builds the development chain (subtensor's `aura-dev` runtime, spec 293, or `--runtime 300`,
//!    with the `--key` authority) and prints `genesis 0x...`.
//! 2. With `--port`, binds `127.0.0.1:P` first, so that a port in use fails at once rather than
//!    after the seeding. Nothing is accepted yet: a peer that dials early waits in the kernel's
//!    backlog until step 5.
//! 3. Seeds the scenario (the embedded default unless `--scenario FILE` or `--no-scenario`),
//!    finalizes the seeded blocks and prints one `seeded ...` summary line, then
//!    `SubtensorModule.TotalNetworks = N` as the chain stores it.
//! 4. Prints `checkpoint: <path>` (with `--checkpoint-out`), `boot node: <multiaddr>` (with
//!    `--port` or `--rpc-port`), `spec: <path>` (with `--spec-out`) and `rpc: ws://…` (with
//!    `--rpc-port`), flushed, before any block line: scripts wait for these.
//! 5. Produces blocks from where the seeding left the clock, one slot apart.
//!
//! # Determinism
//!
//! The chain clock is synthetic: it starts at `--clock-start` (2026-01-01 by default) and moves
//! one Aura slot per block, whatever the wall clock does. Signatures are deterministic
//! ([`DevKeys::sign_sr25519`]) and the scenario's randomness is seeded, so the same flags build
//! the same chain, block hash for block hash, on every run: a light client that synced before
//! a restart finds its blocks again. `--backdate-secs` is the exception (it reads the clock).
//!
//! # Exit status
//!
//! 0 on success (also after SIGINT/SIGTERM, which print `stopped`); 2 for bad arguments (with
//! the usage), a bad `--key`, or a scenario file that cannot be read or names a bad field;
//! 1 when the node fails (port in use, a block or a scenario extrinsic the runtime refuses).
//!
//! Left out: persistence (the chain lives in memory; the same flags rebuild it) and config
//! files (a handful of flags suffice).

use std::io::Write as _;
use std::num::NonZero;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::jsonrpc::{Forge, RpcConfig};
use crate::net_io::{self, Listener, RpcServe, ServeConfig};
use crate::network::Network;
use crate::scenario::{Scenario, ScenarioError, SeedReport};
use crate::{Chain, DevKeys, DevRuntime, DevSpec, KeyError};

/// Default chain clock start: 2026-01-01T00:00:00Z. Fixed so that every run builds the same
/// chain (same timestamps, same hashes), which lets a light client resume after a restart.
pub const DEFAULT_CLOCK_START_SECS: u64 = 1_767_225_600;

/// Seed of the node's libp2p identity: fixed, so the boot node address survives restarts.
pub const IDENTITY_SEED: [u8; 32] = *b"taoscope devnode identity seed 1";

/// The flags, after the program name (`devnode` or `taoscope devnode`) in the first line.
const USAGE: &str = "[--port P] [--rpc-port P] [--blocks N] [--interval-ms MS] \
[--clock-start SECS | --backdate-secs S] [--key URI] [--spec-out PATH] [--print-spec]
       [--checkpoint-out PATH] [--justification-period N] [--rpc-forge WHAT]
       [--runtime 293|300] [--set-changes N] [--set-change-every K] [--light-spec-out PATH]
       [--scenario FILE | --no-scenario]
  --runtime 293|300   subtensor runtime: 293 (Aura only, default) or 300 (advertises Aura and
                      BABE, as finney's runtime does)
  --set-changes N     make N GRANDPA authority-set changes after the seeding, before the
                      checkpoint (finney's set id is past 0 too)
  --set-change-every K
                      while running, schedule a set change every K blocks
  --light-spec-out PATH
                      write the spec with its genesis as a state root hash only (a few KB):
                      a light client starts from it with the --checkpoint-out checkpoint
  --port P            listen for libp2p peers on 127.0.0.1:P (TCP and /ws; 0 picks a port)
  --rpc-port P        serve JSON-RPC over WebSocket on 127.0.0.1:P as finney's endpoints do
                      (chain_getBlock with justifications, state_getReadProof, state_call ...;
                      implies a libp2p port, --port or any free one)
  --justification-period N
                      chain_getBlock carries a justification every N blocks (default 1;
                      substrate nodes: 512)
  --rpc-forge WHAT    serve damaged data on purpose (proof | justification), for tests of
                      clients that must refuse it
  --checkpoint-out PATH
                      write a checkpoint (the finalized header after seeding and its GRANDPA
                      set, the JSON `taoscope head --checkpoint` reads) to PATH
  --print-spec        print the development chain spec (JSON) on stdout; without --port, exit
  --blocks N          stop after N blocks past the scenario (default: run forever)
  --interval-ms MS    wall-clock pause between blocks (default 0, or 1000 with --port)
  --clock-start SECS  chain clock of block 1, unix seconds (default 2026-01-01)
  --backdate-secs S   start the chain clock S seconds before now instead (not reproducible)
  --key URI           authority secret URI, hard junctions only (default //Alice)
  --spec-out PATH     write the development chain spec (JSON) to PATH
  --scenario FILE     seed this scenario (JSON, see tests/scenarios/) before serving
  --no-scenario       start from the bare genesis (default: the embedded default scenario)

Prints `boot node: <multiaddr>` and `spec: <path>` before the first block line. The same
flags build the same chain (same block hashes) on every run, except with --backdate-secs.";

/// What [`parse_args`] read.
#[derive(Debug)]
#[non_exhaustive]
pub enum Command {
    /// Run the node.
    Run(Box<Options>),
    /// Print the usage (`--help`).
    Help,
}

/// A node's settings, from the command line.
#[derive(Debug, Clone)]
pub struct Options {
    /// Listen for libp2p peers on this port of 127.0.0.1 (0: any free port).
    pub port: Option<u16>,
    /// Stop after this many blocks past the seeding (`None`: until stopped).
    pub blocks: Option<u64>,
    /// Wall-clock pause between blocks (`None`: 0, or 1 s with a port).
    pub interval: Option<Duration>,
    /// Chain clock of the first block.
    pub clock_start: Duration,
    /// The authority (Aura and GRANDPA) and sudo key.
    pub keys: DevKeys,
    /// Where to write the chain spec.
    pub spec_out: Option<PathBuf>,
    /// Print the chain spec on stdout.
    pub print_spec: bool,
    /// The scenario seeded before the first served block, and where it came from (`None`: the
    /// bare genesis).
    pub scenario: Option<(Scenario, String)>,
    /// Serve JSON-RPC on this port of 127.0.0.1 (0: any free port).
    pub rpc_port: Option<u16>,
    /// How often `chain_getBlock` carries a justification.
    pub justification_period: u64,
    /// Where to write the checkpoint JSON.
    pub checkpoint_out: Option<PathBuf>,
    /// Where to write the spec with only the genesis state root (for a checkpoint start).
    pub light_spec_out: Option<PathBuf>,
    /// Damage served on purpose (tests).
    pub rpc_forge: Option<Forge>,
    /// The subtensor runtime the chain runs.
    pub runtime: DevRuntime,
    /// GRANDPA authority-set changes made right after the seeding, before the checkpoint.
    pub set_changes: u64,
    /// Schedule a set change every this many blocks while running.
    pub set_change_every: Option<NonZero<u64>>,
}

impl Options {
    /// The defaults: no port, run forever, the default clock, `//Alice`, and the embedded
    /// default scenario.
    pub fn new() -> Self {
        Options {
            port: None,
            blocks: None,
            interval: None,
            clock_start: Duration::from_secs(DEFAULT_CLOCK_START_SECS),
            keys: DevKeys::alice(),
            spec_out: None,
            print_spec: false,
            scenario: Some((Scenario::default_scenario(), "default scenario".into())),
            rpc_port: None,
            runtime: DevRuntime::default(),
            light_spec_out: None,
            set_changes: 0,
            set_change_every: None,
            justification_period: 1,
            checkpoint_out: None,
            rpc_forge: None,
        }
    }
}

impl Default for Options {
    fn default() -> Self {
        Self::new()
    }
}

/// Why the node did not run, or stopped with an error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CliError {
    /// An unknown flag, a missing or malformed value (exit status 2, with the usage).
    #[error("{0}")]
    Usage(String),
    /// `--key` is not a usable secret URI (exit status 2).
    #[error("--key {uri}: {source}")]
    Key {
        /// The URI given.
        uri: String,
        /// Why it was refused.
        #[source]
        source: KeyError,
    },
    /// The `--scenario` file cannot be read or is malformed (exit status 2).
    #[error("--scenario: {0}")]
    ScenarioFile(#[source] ScenarioError),
    /// The port could not be bound (exit status 1).
    #[error("cannot listen on 127.0.0.1:{port}: {source}")]
    Bind {
        /// The port asked for.
        port: u16,
        /// The OS's reason (address in use, permission denied).
        #[source]
        source: std::io::Error,
    },
    /// Seeding the scenario failed: the runtime refused an extrinsic (exit status 1).
    #[error("seeding the scenario: {0}")]
    Seed(#[source] ScenarioError),
    /// The spec could not be written to `--spec-out` (exit status 1).
    #[error("--spec-out {path}: {source}")]
    SpecOut {
        /// The path.
        path: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The chain failed: genesis, a block, finality, or the network shell (exit status 1).
    #[error("{0}")]
    Node(String),
}

impl CliError {
    /// The process exit status for this error: 2 for input, 1 for the node.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Usage(_) | CliError::Key { .. } | CliError::ScenarioFile(_) => 2,
            _ => 1,
        }
    }
}

fn node_error(e: impl std::fmt::Display) -> CliError {
    CliError::Node(e.to_string())
}

/// Reads the flags (not the program name).
///
/// # Errors
///
/// [`CliError::Usage`] for an unknown flag or a bad value, [`CliError::Key`] for a bad
/// `--key`, [`CliError::ScenarioFile`] for a scenario file that does not read or parse.
pub fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Command, CliError> {
    let mut options = Options::new();
    let mut scenario_flag: Option<&str> = None;
    let mut it = args.into_iter();
    while let Some(flag) = it.next() {
        let mut value = || {
            it.next()
                .ok_or_else(|| CliError::Usage(format!("{flag} needs a value")))
        };
        let number = |v: String| {
            v.parse::<u64>()
                .map_err(|_| CliError::Usage(format!("{flag}: expected a whole number, got {v:?}")))
        };
        match flag.as_str() {
            "--blocks" => options.blocks = Some(number(value()?)?),
            "--port" | "--rpc-port" => {
                let v = value()?;
                let port = v.parse::<u16>().map_err(|_| {
                    CliError::Usage(format!("{flag}: expected a port 0..=65535, got {v:?}"))
                })?;
                if flag == "--port" {
                    options.port = Some(port);
                } else {
                    options.rpc_port = Some(port);
                }
            }
            "--justification-period" => {
                let n = number(value()?)?;
                if n == 0 {
                    return Err(CliError::Usage(
                        "--justification-period: expected at least 1".into(),
                    ));
                }
                options.justification_period = n;
            }
            "--checkpoint-out" => options.checkpoint_out = Some(value()?.into()),
            "--light-spec-out" => options.light_spec_out = Some(value()?.into()),
            "--runtime" => {
                let v = value()?;
                options.runtime = DevRuntime::parse(&v).ok_or_else(|| {
                    CliError::Usage(format!("--runtime: expected 293 or 300, got {v:?}"))
                })?;
            }
            "--set-changes" => options.set_changes = number(value()?)?,
            "--set-change-every" => {
                options.set_change_every =
                    Some(NonZero::new(number(value()?)?).ok_or_else(|| {
                        CliError::Usage("--set-change-every: expected at least 1".into())
                    })?);
            }
            "--rpc-forge" => {
                let v = value()?;
                options.rpc_forge = Some(Forge::parse(&v).ok_or_else(|| {
                    CliError::Usage(format!(
                        "--rpc-forge: expected proof or justification, got {v:?}"
                    ))
                })?);
            }
            "--interval-ms" => options.interval = Some(Duration::from_millis(number(value()?)?)),
            "--clock-start" => options.clock_start = Duration::from_secs(number(value()?)?),
            "--backdate-secs" => {
                let back = Duration::from_secs(number(value()?)?);
                let now = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map_err(|e| CliError::Usage(format!("--backdate-secs: system clock: {e}")))?;
                options.clock_start = now.saturating_sub(back);
            }
            "--key" => {
                let uri = value()?;
                options.keys = DevKeys::from_secret_uri(&uri)
                    .map_err(|source| CliError::Key { uri, source })?;
            }
            "--spec-out" => options.spec_out = Some(value()?.into()),
            "--print-spec" => options.print_spec = true,
            "--scenario" | "--no-scenario" => {
                if let Some(earlier) = scenario_flag {
                    return Err(CliError::Usage(format!(
                        "{flag}: {earlier} was given already; use one of --scenario, --no-scenario"
                    )));
                }
                if flag == "--scenario" {
                    scenario_flag = Some("--scenario");
                    let path = value()?;
                    let scenario =
                        Scenario::from_file(path.as_ref()).map_err(CliError::ScenarioFile)?;
                    options.scenario = Some((scenario, path));
                } else {
                    scenario_flag = Some("--no-scenario");
                    options.scenario = None;
                }
            }
            "-h" | "--help" => return Ok(Command::Help),
            other => return Err(CliError::Usage(format!("unknown argument {other:?}"))),
        }
    }
    Ok(Command::Run(Box::new(options)))
}

/// The chain as the run loop takes it over: genesis built, scenario seeded and finalized.
#[derive(Debug)]
pub struct Prepared {
    /// The chain spec (without boot nodes).
    pub spec: DevSpec,
    /// The chain, its seeded blocks finalized.
    pub chain: Chain,
    /// Chain clock of the next block.
    pub clock: Duration,
    /// What the seeding did (`None` with `--no-scenario`).
    pub seeded: Option<SeedReport>,
}

/// Builds the genesis and seeds `options.scenario` into it, finalizing the seeded blocks.
/// `log` sees the `genesis` and `seeded` lines.
///
/// # Errors
///
/// [`CliError::Node`] when the genesis does not load, [`CliError::Seed`] when the runtime
/// refuses the scenario.
pub fn prepare(options: &Options, mut log: impl FnMut(&str)) -> Result<Prepared, CliError> {
    let started = Instant::now();
    let spec = DevSpec::of(options.runtime, &options.keys).map_err(node_error)?;
    let mut chain = Chain::new(&spec, options.keys.clone()).map_err(node_error)?;
    log(&format!(
        "genesis 0x{} ({} ms to load); slot {} ms; authority {:?}",
        hex::encode(chain.genesis_hash()),
        started.elapsed().as_millis(),
        chain.slot_duration(),
        chain.keys(),
    ));
    let mut clock = options.clock_start;
    let mut seeded = None;
    if let Some((scenario, source)) = &options.scenario {
        let started = Instant::now();
        let report = scenario.seed(&mut chain, clock).map_err(CliError::Seed)?;
        chain.finalize(report.last_block).map_err(node_error)?;
        let neurons: u32 = scenario.subnets.iter().map(|s| u32::from(s.neurons)).sum();
        log(&format!(
            "seeded {source}: {} subnets (netuids {:?}), {neurons} neurons, {} extrinsics, \
             blocks {}..={} finalized, {:.1} s",
            report.netuids.len(),
            report.netuids,
            report.extrinsics,
            report.first_block,
            report.last_block,
            started.elapsed().as_secs_f64(),
        ));
        clock = report.next_time;
        seeded = Some(report);
    }
    // Set changes before the checkpoint, so that a client joining there starts past set 0, as
    // one joining finney does.
    let slot = Duration::from_millis(chain.slot_duration().get());
    for _ in 0..options.set_changes {
        chain.change_set_every(NonZero::new(1));
        let number = chain.produce_block(clock).map_err(node_error)?.number;
        chain.change_set_every(None);
        chain.finalize(number).map_err(node_error)?;
        clock += slot;
    }
    if options.set_changes > 0 {
        log(&format!(
            "GRANDPA set id {} after {} set changes (blocks {:?})",
            chain.grandpa_set_id(),
            options.set_changes,
            chain.set_changes()
        ));
    }
    chain.change_set_every(options.set_change_every);
    // The number of subnets as the chain stores it: what a light client must read back (the
    // browser tests compare the page with this line).
    let total_networks = chain
        .storage(&crate::spec::storage_value_key(
            "SubtensorModule",
            "TotalNetworks",
        ))
        .and_then(|v| <[u8; 2]>::try_from(v).ok())
        .map_or(0, u16::from_le_bytes);
    log(&format!("SubtensorModule.TotalNetworks = {total_networks}"));
    Ok(Prepared {
        spec,
        chain,
        clock,
        seeded,
    })
}

/// The flag SIGINT and SIGTERM set, installed once per process. `None` when a handler could
/// not be installed (another one was, by a program embedding this module): the signals then
/// end the process as usual, which loses nothing since the chain lives in memory.
fn stop_on_signal() -> Option<Arc<AtomicBool>> {
    static STOP: OnceLock<Option<Arc<AtomicBool>>> = OnceLock::new();
    STOP.get_or_init(|| {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        ctrlc::set_handler(move || flag.store(true, Ordering::Relaxed))
            .ok()
            .map(|()| stop)
    })
    .clone()
}

/// Prints a line and flushes, so that a script reading the pipe sees it at once.
fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    // A closed stdout (the reader went away) is no reason to stop the node.
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

/// Runs the node with `options` until `--blocks` are produced or a signal arrives. See the
/// module documentation for the order of the output lines.
///
/// # Errors
///
/// [`CliError`]: see [`CliError::exit_code`] for which are the caller's fault.
pub fn run(options: &Options) -> Result<(), CliError> {
    if options.print_spec && options.port.is_none() {
        let spec = DevSpec::of(options.runtime, &options.keys).map_err(node_error)?;
        say(spec.json());
        return Ok(());
    }
    // Bound before the seeding, so that a port in use fails at once. JSON-RPC runs inside the
    // serving loop, which also serves peers: a port for them is picked when none was asked.
    let bind = |port: u16| Listener::bind(port).map_err(|source| CliError::Bind { port, source });
    let listener = match (options.port, options.rpc_port) {
        (Some(port), _) => Some(bind(port)?),
        (None, Some(_)) => Some(bind(0)?),
        (None, None) => None,
    };
    let rpc_listener = options.rpc_port.map(bind).transpose()?;
    let Prepared {
        mut spec,
        mut chain,
        clock,
        ..
    } = prepare(options, say)?;
    write_checkpoint(options, &chain)?;

    let stop = stop_on_signal();
    let stopped = || stop.as_ref().is_some_and(|s| s.load(Ordering::Relaxed));
    if let Some(listener) = listener {
        let mut network = Network::new(&chain, IDENTITY_SEED, &[]);
        let boot_nodes = listener
            .multiaddrs(&network.peer_id())
            .map_err(node_error)?;
        network.set_listen_addrs(&boot_nodes);
        spec = spec.with_boot_nodes(&boot_nodes).map_err(node_error)?;
        // `multiaddrs` gives exactly one address (WebSocket) today; scripts read one line.
        if let Some(addr) = boot_nodes.first() {
            say(&format!("boot node: {addr}"));
        }
        write_spec(options, &spec, &chain)?;
        let rpc = match rpc_listener {
            Some(listener) => {
                let port = listener.port().map_err(node_error)?;
                say(&format!("rpc: ws://127.0.0.1:{port}"));
                Some(RpcServe {
                    listener,
                    config: RpcConfig {
                        justification_period: options.justification_period,
                        forge: options.rpc_forge,
                    },
                })
            }
            None => None,
        };
        let config = ServeConfig {
            block_interval: options.interval.unwrap_or(Duration::from_secs(1)),
            clock,
            max_blocks: options.blocks,
            rpc,
        };
        let flag = stop.clone().unwrap_or_default();
        net_io::serve(&mut chain, &mut network, listener, config, flag, say).map_err(node_error)?;
        if stopped() {
            say("stopped");
        }
        return Ok(());
    }
    write_spec(options, &spec, &chain)?;

    let mut clock = clock;
    let interval = options.interval.unwrap_or(Duration::ZERO);
    let slot = Duration::from_millis(chain.slot_duration().get());
    let mut produced = 0u64;
    let mut total = Duration::ZERO;
    while options.blocks.is_none_or(|n| produced < n) && !stopped() {
        let t = Instant::now();
        let block = chain.produce_block(clock).map_err(node_error)?;
        let number = block.number;
        let (hash, extrinsics) = (block.hash, block.body.len());
        let produce = t.elapsed();
        chain.finalize(number).map_err(node_error)?;
        let elapsed = t.elapsed();
        total += elapsed;
        produced += 1;
        say(&format!(
            "#{number} 0x{} slot {} extrinsics {extrinsics} produce {} ms, finalize {} us",
            hex::encode(&hash[..8]),
            chain.best_block().slot,
            produce.as_millis(),
            (elapsed - produce).as_micros(),
        ));
        clock += slot;
        std::thread::sleep(interval);
    }
    if produced > 0 {
        say(&format!(
            "{produced} blocks in {} ms, {} ms per block",
            total.as_millis(),
            total.as_millis() / u128::from(produced)
        ));
    }
    if stopped() {
        say("stopped");
    }
    Ok(())
}

/// `--checkpoint-out`: the finalized block after seeding and the GRANDPA set that finalizes
/// after it (and, with `--rpc-port`, the endpoint's justification period), announced by a
/// `checkpoint: <path>` line. A verified RPC client that starts here does not replay the chain
/// from genesis (as a finney client starts from the spec's checkpoint, not from block 0).
fn write_checkpoint(options: &Options, chain: &Chain) -> Result<(), CliError> {
    let Some(path) = &options.checkpoint_out else {
        return Ok(());
    };
    let mut json = chain.checkpoint();
    // What a verified RPC client needs to know of this node's endpoint: where it keeps
    // justifications (finney's nodes: every 512 blocks, the client's default).
    if options.rpc_port.is_some() {
        json["justificationPeriod"] = options.justification_period.into();
    }
    std::fs::write(path, format!("{json:#}\n")).map_err(|source| CliError::SpecOut {
        path: path.display().to_string(),
        source,
    })?;
    say(&format!("checkpoint: {}", path.display()));
    Ok(())
}

/// `--spec-out` (announced by a `spec: <path>` line) and `--print-spec`.
fn write_spec(options: &Options, spec: &DevSpec, chain: &Chain) -> Result<(), CliError> {
    let write = |path: &PathBuf, text: &str, what: &str| {
        std::fs::write(path, text).map_err(|source| CliError::SpecOut {
            path: path.display().to_string(),
            source,
        })?;
        say(&format!("{what}: {}", path.display()));
        Ok::<_, CliError>(())
    };
    // The light spec first: scripts wait for the `spec:` line, and both files exist then.
    if let Some(path) = &options.light_spec_out {
        let root = *chain
            .genesis_information()
            .as_ref()
            .finalized_block_header
            .state_root;
        let light = spec.with_state_root_only(&root).map_err(node_error)?;
        write(path, light.json(), "light spec")?;
    }
    if let Some(path) = &options.spec_out {
        write(path, spec.json(), "spec")?;
    }
    if options.print_spec {
        say(spec.json());
    }
    Ok(())
}

/// The usage text with `program` (`devnode`, `taoscope devnode`) as the command.
pub fn usage(program: &str) -> String {
    format!("usage: {program} {USAGE}")
}

/// Parses `args` (without the program name), runs the node and returns the exit status;
/// messages go to stderr prefixed with `program`.
pub fn main_with_args(program: &str, args: impl IntoIterator<Item = String>) -> ExitCode {
    let result = match parse_args(args) {
        Ok(Command::Help) => {
            say(&usage(program));
            return ExitCode::SUCCESS;
        }
        Ok(Command::Run(options)) => run(&options),
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{program}: {e}");
            if matches!(e, CliError::Usage(_)) {
                eprintln!("{}", usage(program));
            }
            ExitCode::from(e.exit_code())
        }
    }
}
