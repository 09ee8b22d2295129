//! `devnode`: runs the development chain in the terminal, one block every `--interval-ms`,
//! finalizing each, and prints the chain spec a client needs to follow it.
//!
//! This is the thin shell around [`devnode::Chain`]: it owns the clock and the loop. It has no
//! networking yet, so a client cannot connect to it; that is the next stage (see the crate
//! README). The clock is synthetic: it starts `--backdate-secs` in the past and advances one
//! slot per block, so blocks can come faster than the runtime's slot duration while staying in
//! the past for clients that reject blocks from the future.

use std::process::ExitCode;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use devnode::{Chain, DevKeys, DevSpec};

const USAGE: &str = "usage: devnode [--blocks N] [--interval-ms MS] [--backdate-secs S] \
[--key URI] [--spec-out PATH] [--print-spec]
  --print-spec        print the development chain spec (JSON) on stdout and exit
  --blocks N          stop after N blocks (default: run forever)
  --interval-ms MS    wall-clock pause between blocks (default 0)
  --backdate-secs S   start the chain clock S seconds in the past (default 86400)
  --key URI           authority secret URI (default //Alice)
  --spec-out PATH     write the development chain spec (JSON) to PATH";

struct Args {
    blocks: Option<u64>,
    interval: Duration,
    backdate: Duration,
    key: String,
    spec_out: Option<String>,
    print_spec: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        blocks: None,
        interval: Duration::ZERO,
        backdate: Duration::from_secs(86_400),
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
            "--interval-ms" => args.interval = Duration::from_millis(number(value()?)?),
            "--backdate-secs" => args.backdate = Duration::from_secs(number(value()?)?),
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
    let spec = DevSpec::raonet(&keys).map_err(|e| e.to_string())?;
    if args.print_spec {
        println!("{}", spec.json());
        return Ok(());
    }
    if let Some(path) = &args.spec_out {
        std::fs::write(path, spec.json()).map_err(|e| format!("{path}: {e}"))?;
    }
    let mut chain = Chain::new(&spec, keys).map_err(|e| e.to_string())?;
    println!(
        "genesis 0x{} ({} ms to load); slot {} ms; authority {:?}",
        hex::encode(chain.genesis_hash()),
        started.elapsed().as_millis(),
        chain.slot_duration(),
        chain.keys(),
    );

    let wall_now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_err(|e| e.to_string())?;
    let mut clock = wall_now.saturating_sub(args.backdate);
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
        std::thread::sleep(args.interval);
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
