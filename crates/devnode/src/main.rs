//! `devnode`: runs the development chain in the terminal, one block every `--interval-ms`,
//! finalizing each. With `--port` it also listens for libp2p peers (TCP and WebSocket on one
//! port) and writes a chain spec naming itself as boot node, so a light client can sync from it.
//!
//! This is the thin shell around [`devnode::Chain`] and [`devnode::network::Network`]: it owns
//! the clock and the loop. The clock is synthetic: it starts at `--clock-start` (a fixed date by
//! default, so a restarted node rebuilds the very same blocks) or `--backdate-secs` before now,
//! and advances one slot per block, so blocks can come faster than the runtime's slot duration
//! while staying in the past for clients that reject blocks from the future. SIGINT/SIGTERM end
//! the process; the chain lives in memory, so there is nothing to flush.

use std::process::ExitCode;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use devnode::net_io::{self, Listener, ServeConfig};
use devnode::network::Network;
use devnode::{Chain, DevKeys, DevSpec};

/// Default chain clock start: 2026-01-01T00:00:00Z. Fixed so that every run builds the same
/// chain (same timestamps, same hashes), which lets a light client resume after a restart.
const DEFAULT_CLOCK_START_SECS: u64 = 1_767_225_600;

/// Seed of the node's libp2p identity: fixed, so the boot node address survives restarts.
const IDENTITY_SEED: [u8; 32] = *b"taoscope devnode identity seed 1";

const USAGE: &str = "usage: devnode [--port P] [--blocks N] [--interval-ms MS] \
[--clock-start SECS | --backdate-secs S] [--key URI] [--spec-out PATH] [--print-spec]
  --port P            listen for libp2p peers on 127.0.0.1:P (TCP and /ws; 0 picks a port)
  --print-spec        print the development chain spec (JSON) on stdout and exit
  --blocks N          stop after N blocks (default: run forever)
  --interval-ms MS    wall-clock pause between blocks (default 0, or 1000 with --port)
  --clock-start SECS  chain clock of block 1, unix seconds (default 2026-01-01)
  --backdate-secs S   start the chain clock S seconds before now instead
  --key URI           authority secret URI (default //Alice)
  --spec-out PATH     write the development chain spec (JSON) to PATH";

struct Args {
    port: Option<u16>,
    blocks: Option<u64>,
    interval: Option<Duration>,
    clock_start: Duration,
    key: String,
    spec_out: Option<String>,
    print_spec: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        port: None,
        blocks: None,
        interval: None,
        clock_start: Duration::from_secs(DEFAULT_CLOCK_START_SECS),
        key: "//Alice".into(),
        spec_out: None,
        print_spec: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        let number = |v: String| v.parse::<u64>().map_err(|e| format!("{flag}: {e}"));
        match flag.as_str() {
            "--blocks" => args.blocks = Some(number(value()?)?),
            "--port" => {
                let port = number(value()?)?;
                args.port =
                    Some(u16::try_from(port).map_err(|_| format!("--port {port}: too large"))?);
            }
            "--interval-ms" => args.interval = Some(Duration::from_millis(number(value()?)?)),
            "--clock-start" => args.clock_start = Duration::from_secs(number(value()?)?),
            "--backdate-secs" => {
                let back = Duration::from_secs(number(value()?)?);
                let now = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map_err(|e| e.to_string())?;
                args.clock_start = now.saturating_sub(back);
            }
            "--key" => args.key = value()?,
            "--spec-out" => args.spec_out = Some(value()?),
            "--print-spec" => args.print_spec = true,
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(args)
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("devnode: {message}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("devnode: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Args) -> Result<(), String> {
    let started = Instant::now();
    let keys = DevKeys::from_secret_uri(&args.key).map_err(|e| e.to_string())?;
    let mut spec = DevSpec::raonet(&keys).map_err(|e| e.to_string())?;
    if args.print_spec && args.port.is_none() {
        println!("{}", spec.json());
        return Ok(());
    }
    let mut chain = Chain::new(&spec, keys).map_err(|e| e.to_string())?;
    println!(
        "genesis 0x{} ({} ms to load); slot {} ms; authority {:?}",
        hex::encode(chain.genesis_hash()),
        started.elapsed().as_millis(),
        chain.slot_duration(),
        chain.keys(),
    );

    if let Some(port) = args.port {
        let listener = Listener::bind(port).map_err(|e| format!("127.0.0.1:{port}: {e}"))?;
        let mut network = Network::new(&chain, IDENTITY_SEED, &[]);
        let boot_nodes = listener
            .multiaddrs(&network.peer_id())
            .map_err(|e| e.to_string())?;
        network.set_listen_addrs(&boot_nodes);
        spec = spec
            .with_boot_nodes(&boot_nodes)
            .map_err(|e| e.to_string())?;
        write_spec(&args, &spec)?;
        for addr in &boot_nodes {
            println!("listening on {addr}");
        }
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let config = ServeConfig {
            block_interval: args.interval.unwrap_or(Duration::from_secs(1)),
            clock: args.clock_start,
            max_blocks: args.blocks,
        };
        return net_io::serve(&mut chain, &mut network, listener, config, stop, |line| {
            println!("{line}");
        });
    }
    write_spec(&args, &spec)?;

    let mut clock = args.clock_start;
    let interval = args.interval.unwrap_or(Duration::ZERO);
    let slot = Duration::from_millis(chain.slot_duration().get());
    let mut produced = 0u64;
    let mut total = Duration::ZERO;
    while args.blocks.is_none_or(|n| produced < n) {
        let t = Instant::now();
        let block = chain.produce_block(clock).map_err(|e| e.to_string())?;
        let number = block.number;
        let (hash, extrinsics) = (block.hash, block.body.len());
        let produce = t.elapsed();
        chain.finalize(number).map_err(|e| e.to_string())?;
        let elapsed = t.elapsed();
        total += elapsed;
        produced += 1;
        println!(
            "#{number} 0x{} slot {} extrinsics {extrinsics} produce {} ms, finalize {} us",
            hex::encode(&hash[..8]),
            chain.best_block().slot,
            produce.as_millis(),
            (elapsed - produce).as_micros(),
        );
        clock += slot;
        std::thread::sleep(interval);
    }
    if produced > 0 {
        println!(
            "{produced} blocks in {} ms, {} ms per block",
            total.as_millis(),
            total.as_millis() / u128::from(produced)
        );
    }
    Ok(())
}

/// `--spec-out` and `--print-spec` (the latter, with `--port`, once the boot node is known).
fn write_spec(args: &Args, spec: &DevSpec) -> Result<(), String> {
    if let Some(path) = &args.spec_out {
        std::fs::write(path, spec.json()).map_err(|e| format!("{path}: {e}"))?;
    }
    if args.print_spec {
        println!("{}", spec.json());
    }
    Ok(())
}
