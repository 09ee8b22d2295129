//! Installing what the build and the tests need, only when it is missing.
//!
//! Everything comes from the registries this project may use: rustup's wasm target, crates.io
//! (`trunk`, `wasm-bindgen-cli`), Debian packages (Chromium, its driver, lavapipe) and npm
//! (`binaryen`'s wasm-opt, `playwright-core`). Nothing is downloaded from anywhere else, and Trunk
//! runs offline with its tools pinned, so a missing tool is an error instead of a download.

use std::path::Path;
use std::process::Command;

use crate::Result;
use crate::run::{cargo, output, status};

/// Trunk 0.22 needs a newer rustc than the stable toolchain here; 0.21.14 is the last that fits.
const TRUNK_VERSION: &str = "0.21.14";
/// Debian packages: the browser and its driver for end-to-end tests, a Japanese font so the
/// Japanese screenshots are legible, and lavapipe (Vulkan on the CPU) so the wgpu engine has a
/// real adapter in CI.
const APT_PACKAGES: &[&str] = &[
    "chromium",
    "chromium-driver",
    "fonts-ipafont-gothic",
    "mesa-vulkan-drivers",
];

/// `cargo xtask setup`: everything, browser and GPU packages included.
pub fn run(_args: &[String]) -> Result {
    web_tools()?;
    system_packages()
}

/// What building the web app needs: the wasm target, trunk, wasm-bindgen-cli, npm tools.
pub fn web_tools() -> Result {
    wasm_target()?;
    trunk()?;
    wasm_bindgen()?;
    npm_packages()
}

fn wasm_target() -> Result {
    let installed = output("rustup", &["target", "list", "--installed"]).unwrap_or_default();
    if installed
        .lines()
        .any(|l| l.trim() == "wasm32-unknown-unknown")
    {
        return Ok(());
    }
    status(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))
}

fn trunk() -> Result {
    let have = output("trunk", &["--version"]).unwrap_or_default();
    if have.split_whitespace().nth(1) == Some(TRUNK_VERSION) {
        return Ok(());
    }
    status(cargo().args(["install", "--locked", "trunk", "--version", TRUNK_VERSION]))
}

/// The wasm-bindgen version that Cargo.lock resolved; the CLI must be exactly it.
pub fn locked_wasm_bindgen_version() -> Result<String> {
    let lock = std::fs::read_to_string("Cargo.lock")
        .map_err(|e| format!("reading Cargo.lock (run `cargo generate-lockfile`): {e}"))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == "name = \"wasm-bindgen\""
            && let Some(v) = lines
                .next()
                .and_then(|l| l.trim().strip_prefix("version = \""))
        {
            return Ok(v.trim_end_matches('"').to_owned());
        }
    }
    Err("Cargo.lock has no wasm-bindgen package".into())
}

fn wasm_bindgen() -> Result {
    let want = locked_wasm_bindgen_version()?;
    let have = output("wasm-bindgen", &["--version"]).unwrap_or_default();
    if have.split_whitespace().nth(1) == Some(want.as_str()) {
        return Ok(());
    }
    // Not --locked: the CLI's own lock pins a webpki-roots release the registry no longer serves.
    status(cargo().args(["install", "wasm-bindgen-cli", "--version", &want]))
}

/// npm packages of tests/package.json: binaryen 132 (Debian's wasm-opt 108 emits a wasm that
/// Chromium rejects) and playwright-core (its own browser download cannot work here).
fn npm_packages() -> Result {
    let dir = Path::new("tests");
    let marker = dir.join("node_modules/.package-lock.json");
    let lock = dir.join("package-lock.json");
    let fresh = match (modified(&marker), modified(&lock)) {
        (Some(m), Some(l)) => m >= l,
        _ => false,
    };
    if fresh {
        return Ok(());
    }
    let sub = if lock.exists() { "ci" } else { "install" };
    status(
        Command::new("npm")
            .args([sub, "--no-audit", "--no-fund"])
            .current_dir(dir),
    )
}

fn modified(p: &Path) -> Option<std::time::SystemTime> {
    std::fs::metadata(p).and_then(|m| m.modified()).ok()
}

/// Debian packages for browser and GPU tests.
pub fn system_packages() -> Result {
    let missing: Vec<&str> = APT_PACKAGES
        .iter()
        .copied()
        .filter(|p| {
            !output("dpkg-query", &["-W", "-f=${Status}", p])
                .is_some_and(|s| s.contains("install ok installed"))
        })
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let root = output("id", &["-u"]).is_some_and(|u| u.trim() == "0");
    let apt = |args: &[&str]| -> Result {
        let mut cmd = if root {
            Command::new("apt-get")
        } else {
            let mut c = Command::new("sudo");
            c.args(["-n", "apt-get"]);
            c
        };
        cmd.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        status(&mut cmd)
            .map_err(|e| format!("{e}\n(installing {missing:?} needs root or passwordless sudo)"))
    };
    apt(&["update", "-q"])?;
    let mut args = vec!["install", "-y", "-q", "--no-install-recommends"];
    args.extend(&missing);
    apt(&args)
}

/// PATH with the npm tools (wasm-opt 132) first.
pub fn path_with_npm_bin() -> String {
    let bin = std::env::current_dir()
        .map(|d| d.join("tests/node_modules/.bin"))
        .unwrap_or_default();
    let old = std::env::var("PATH").unwrap_or_default();
    format!("{}:{old}", bin.display())
}

/// Builds the static dashboard into `dist/` with Trunk, offline, release profile.
pub fn build_web() -> Result {
    trunk_build(&[])
}

/// `trunk build --release` with `extra` arguments, offline, with wasm-opt 132 first on PATH and
/// the wasm build's paths remapped (see [`wasm_rustflags`]).
pub fn trunk_build(extra: &[&str]) -> Result {
    status(
        Command::new("trunk")
            .args(["build", "--release"])
            .args(extra)
            .env("PATH", path_with_npm_bin())
            .env(
                "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS",
                wasm_rustflags(),
            )
            .env("TRUNK_OFFLINE", "true")
            .env("NO_COLOR", "true"),
    )
}

/// rustc flags for the wasm builds: panic messages carry source paths, so without these a build
/// in `/home/a/taoscope` and one in `/tmp/b` differ byte for byte. The checkout, cargo's home
/// (registry sources) and the target folder become fixed names, which makes the release's
/// hashes comparable between machines. The demo and the release use the same flags, so they
/// share one cargo build.
pub fn wasm_rustflags() -> String {
    let root = crate::project_root();
    let cargo_home = std::env::var("CARGO_HOME")
        .unwrap_or_else(|_| format!("{}/.cargo", std::env::var("HOME").unwrap_or_default()));
    let target = std::path::Path::new(&crate::test::target_dir())
        .canonicalize()
        .unwrap_or_else(|_| root.join("target"));
    // The last matching remap wins: the target folder may sit inside the checkout.
    format!(
        "--remap-path-prefix={}=/taoscope --remap-path-prefix={cargo_home}=/cargo \
         --remap-path-prefix={}=/target",
        root.display(),
        target.display()
    )
}
