//! `cargo xtask <command>`: the project's chores as Rust instead of shell scripts.
//!
//! `demo` and `test` are the README's two set-up commands: each first installs what is missing
//! (idempotently) and then does its job. The crate has few dependencies (only `dist`'s
//! compression and hashes) so that it builds in seconds on a fresh machine, before anything
//! else is installed.

mod bench;
mod dist;
mod run;
mod serve;
mod setup;
mod test;
mod tidy;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask <command>

  demo [--port P] [--no-build] [--devnode-port P | --no-devnode]
                                install what is missing, build the dashboard, start a local
                                devnet node (default port 30333) for its /chain page and serve
                                it on http://127.0.0.1:8080 (offline)
  test [unit|e2e|all]           install what is missing and run every test (default: all)
  bench [light [--no-build]]    run the benchmarks and print ratios measured in one run
                                (light: only the /chain page's light client)
  setup [--browser]             only install what is missing
  build-web                     build the static dashboard into dist/ (for the demo and tests)
  dist [--public-url PATH] [--out DIR]
                                the release folder for any static host or IPFS (default
                                ./ and dist/): hashed names, integrity checks, gzip and
                                brotli variants, MANIFEST, and the folder's IPFS CID
  check                         cargo fmt --check, clippy -D warnings, wasm32 build check
  tidy                          check every .rs file opens with a //! module header";

/// The workspace root (two levels above this crate's manifest).
pub fn project_root() -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    here.ancestors()
        .nth(2)
        .map(Path::to_path_buf)
        .unwrap_or_else(|| here.to_path_buf())
}

/// A failed chore, with what to do about it.
pub type Result<T = ()> = std::result::Result<T, String>;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Err(e) = std::env::set_current_dir(project_root()) {
        eprintln!("xtask: cannot enter the project root: {e}");
        return ExitCode::FAILURE;
    }
    let rest = args.get(1..).unwrap_or_default();
    let result = match args.first().map(String::as_str) {
        Some("demo") => serve::demo(rest),
        Some("test") => test::run(rest),
        Some("bench") => bench::run(rest),
        Some("setup") => setup::run(rest),
        Some("dist") => dist::run(rest),
        Some("build-web") => setup::web_tools().and_then(|()| setup::build_web()),
        Some("check") => test::check(),
        Some("tidy") => tidy::run(),
        Some("help" | "--help" | "-h") | None => {
            println!("{USAGE}");
            Ok(())
        }
        Some(other) => Err(format!("unknown command {other:?}\n\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}
