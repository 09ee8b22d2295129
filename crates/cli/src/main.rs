//! `taoscope`: the command line. `taoscope yuma --input CASE.json` runs Yuma epochs on a JSON
//! case and prints one JSON object; bad input exits with status 2 and a message naming the
//! field, never a panic. `--engine gpu` runs the WGSL kernels (`yuma-gpu`) on the machine's
//! adapter and names it under `adapter`; with no adapter it exits 2 saying why, rather than
//! quietly running on the CPU.
//!
//! `taoscope devnode ...` runs the local development chain with the same flags, output and
//! exit statuses as the `devnode` binary: both are `devnode::cli`.
//!
//! `taoscope subnets|metagraph|replay|audit|snapshot|head` read a chain through the `chain`
//! crate's model: the native light client, verified or trusted JSON-RPC, or a snapshot
//! ([`read`]).
//!
//! Argument parsing is by hand to keep the binary's dependencies to the engines, the devnode
//! and JSON.

use std::io::Write as _;
use std::process::ExitCode;

use yuma::Engine;

mod read;
mod table;

const USAGE: &str = "usage: taoscope yuma|devnode|subnets|metagraph|replay|audit|snapshot|head ...

  taoscope yuma ...     Yuma consensus epochs on a JSON case (below)
  taoscope devnode ...  a local Bittensor development chain that light clients sync from
                        (`taoscope devnode --help` lists its flags)
  taoscope subnets|metagraph|replay|audit|snapshot|head ...
                        read a chain through the light client, a JSON-RPC endpoint (verified
                        or trusted) or a snapshot
                        (`taoscope subnets --help` lists their flags)

usage: taoscope yuma --input CASE.json [--engine fixed|f32|gpu] [--epochs N]

Runs Yuma consensus epochs on one subnet described by CASE.json (use - for stdin) and prints
the last epoch's results as one JSON object. With --epochs N, bonds and validator permits carry
over from epoch to epoch as chain storage does.

Engines: fixed (default) is the chain's fixed-point arithmetic, bit for bit; f32 the same
algorithm in f32; gpu the f32 algorithm as WGSL compute kernels on this machine's GPU adapter
(Vulkan, Metal or DX12; subnets up to 256 uids), printed under \"adapter\".";

/// Which engine runs the epochs.
enum EngineArg {
    /// One of the CPU engines of the `yuma` crate.
    Cpu(Engine),
    /// The WGSL kernels of `yuma-gpu`.
    Gpu,
}

/// A refusal: printed to stderr, exit status 2.
struct Usage(String);

struct YumaArgs {
    input: String,
    engine: EngineArg,
    epochs: u32,
}

fn parse_yuma_args(args: &[String]) -> Result<YumaArgs, Usage> {
    let mut input = None;
    let mut engine = EngineArg::Cpu(Engine::Fixed);
    let mut epochs = 1u32;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = |flag: &str| {
            it.next()
                .cloned()
                .ok_or_else(|| Usage(format!("{flag} needs a value")))
        };
        match arg.as_str() {
            "--input" | "-i" => input = Some(value("--input")?),
            "--engine" => {
                engine = match value("--engine")?.as_str() {
                    "fixed" => EngineArg::Cpu(Engine::Fixed),
                    "f32" => EngineArg::Cpu(Engine::F32),
                    "gpu" => EngineArg::Gpu,
                    other => {
                        return Err(Usage(format!(
                            "--engine: unknown engine {other:?}; expected fixed, f32 or gpu"
                        )));
                    }
                }
            }
            "--epochs" => {
                let v = value("--epochs")?;
                epochs = match v.parse::<u32>() {
                    Ok(n) if (1..=100_000).contains(&n) => n,
                    _ => {
                        return Err(Usage(format!(
                            "--epochs: expected a whole number 1..=100000, got {v:?}"
                        )));
                    }
                };
            }
            other => return Err(Usage(format!("unknown argument {other:?}\n\n{USAGE}"))),
        }
    }
    let input = input.ok_or_else(|| Usage(format!("--input is required\n\n{USAGE}")))?;
    Ok(YumaArgs {
        input,
        engine,
        epochs,
    })
}

fn yuma(args: &[String]) -> Result<String, Usage> {
    let args = parse_yuma_args(args)?;
    let text = if args.input == "-" {
        std::io::read_to_string(std::io::stdin())
            .map_err(|e| Usage(format!("reading stdin: {e}")))?
    } else {
        std::fs::read_to_string(&args.input)
            .map_err(|e| Usage(format!("reading {}: {e}", args.input)))?
    };
    let case = yuma::case::parse(&text).map_err(|e| Usage(format!("{}: {e}", args.input)))?;
    let mut json = match args.engine {
        EngineArg::Cpu(engine) => {
            let out = engine.run(&case.input, args.epochs);
            yuma::case::output_json(&out, engine.name())
        }
        EngineArg::Gpu => {
            let gpu_err = |e: yuma_gpu::GpuError| Usage(format!("--engine gpu: {e}"));
            let gpu = pollster::block_on(yuma_gpu::GpuEngine::new()).map_err(gpu_err)?;
            let outs =
                pollster::block_on(gpu.run_batch(std::slice::from_ref(&case.input), args.epochs))
                    .map_err(gpu_err)?;
            // run_batch returns one output per input, and there is one input.
            let out = outs
                .first()
                .ok_or_else(|| Usage("--engine gpu: the GPU returned no output".into()))?;
            let mut json = yuma::case::output_json(out, "gpu");
            json["adapter"] = gpu.adapter_summary().to_string().into();
            json
        }
    };
    json["epochs"] = args.epochs.into();
    Ok(json.to_string())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("yuma") => yuma(&args[1..]),
        Some("devnode") => {
            return devnode::cli::main_with_args("taoscope devnode", args.into_iter().skip(1));
        }
        Some(command @ ("subnets" | "metagraph" | "replay" | "audit" | "snapshot" | "head")) => {
            if args.iter().any(|a| a == "--help" || a == "-h") {
                println!("{}", read::USAGE);
                return ExitCode::SUCCESS;
            }
            return match read::run(command, &args[1..]) {
                Ok(text) => {
                    // A reader that went away (`| head`) is not an error of the command.
                    let mut out = std::io::stdout().lock();
                    let _ = writeln!(out, "{}", text.trim_end());
                    ExitCode::SUCCESS
                }
                Err(read::Failure::Usage(msg)) => {
                    eprintln!("taoscope {command}: {msg}");
                    ExitCode::from(2)
                }
                Err(read::Failure::Source(msg)) => {
                    eprintln!("taoscope {command}: {msg}");
                    ExitCode::from(1)
                }
            };
        }
        Some("--help" | "-h" | "help") | None => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Some(other) => Err(Usage(format!("unknown command {other:?}\n\n{USAGE}"))),
    };
    match result {
        Ok(json) => {
            println!("{json}");
            ExitCode::SUCCESS
        }
        Err(Usage(msg)) => {
            eprintln!("taoscope: {msg}");
            ExitCode::from(2)
        }
    }
}
