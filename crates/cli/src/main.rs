//! `taoscope`: the command line. `taoscope yuma --input CASE.json` runs Yuma epochs on a JSON
//! case and prints one JSON object; bad input exits with status 2 and a message naming the
//! field, never a panic. Argument parsing is by hand to keep the binary's dependencies to the
//! engine and JSON.

use std::process::ExitCode;

use yuma::Engine;

const USAGE: &str = "usage: taoscope yuma --input CASE.json [--engine fixed|f32] [--epochs N]

Runs Yuma consensus epochs on one subnet described by CASE.json (use - for stdin) and prints
the last epoch's results as one JSON object. With --epochs N, bonds and validator permits carry
over from epoch to epoch as chain storage does.";

/// A refusal: printed to stderr, exit status 2.
struct Usage(String);

struct YumaArgs {
    input: String,
    engine: Engine,
    epochs: u32,
}

fn parse_yuma_args(args: &[String]) -> Result<YumaArgs, Usage> {
    let mut input = None;
    let mut engine = Engine::Fixed;
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
                    "fixed" => Engine::Fixed,
                    "f32" => Engine::F32,
                    other => {
                        return Err(Usage(format!(
                            "--engine: unknown engine {other:?}; expected fixed or f32"
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
    let out = args.engine.run(&case.input, args.epochs);
    let mut json = yuma::case::output_json(&out, args.engine.name());
    json["epochs"] = args.epochs.into();
    Ok(json.to_string())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("yuma") => yuma(&args[1..]),
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
