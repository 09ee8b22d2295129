//! Running external commands with their output visible and failures turned into messages.

use std::ffi::OsStr;
use std::process::Command;

use crate::Result;

/// Prints and runs a command, failing with a message naming it when it exits non-zero.
pub fn status(cmd: &mut Command) -> Result {
    eprintln!("$ {}", show(cmd));
    let st = cmd
        .status()
        .map_err(|e| format!("cannot start `{}`: {e}", show(cmd)))?;
    if st.success() {
        Ok(())
    } else {
        Err(format!("`{}` failed ({st})", show(cmd)))
    }
}

/// Runs a command quietly and returns its stdout, or `None` if it cannot run or fails.
pub fn output(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// A command line as it would be typed.
pub fn show(cmd: &Command) -> String {
    let mut s = cmd.get_program().to_string_lossy().into_owned();
    for a in cmd.get_args() {
        s.push(' ');
        s.push_str(&quote(a));
    }
    s
}

fn quote(a: &OsStr) -> String {
    let s = a.to_string_lossy();
    if s.contains(' ') {
        format!("'{s}'")
    } else {
        s.into_owned()
    }
}

/// `cargo` as invoked by this xtask (the same toolchain).
///
/// Mesa's Vulkan loader (lavapipe, the GPU tests' adapter in CI) prints an error line for every
/// device it opens when `XDG_RUNTIME_DIR` is unset, as it is for root in CI; a private runtime
/// folder keeps test output about tests.
pub fn cargo() -> Command {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    if std::env::var_os("XDG_RUNTIME_DIR").is_none() {
        let dir = std::env::temp_dir().join("taoscope-xdg-runtime");
        if std::fs::create_dir_all(&dir).is_ok() {
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                let _ = std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700));
            }
            cmd.env("XDG_RUNTIME_DIR", dir);
        }
    }
    cmd
}
