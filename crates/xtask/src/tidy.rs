//! `cargo xtask tidy`: every Rust file opens with a `//!` header saying what it is for.
//!
//! Also runs as a unit test, so `cargo test` enforces it.

use std::path::{Path, PathBuf};

use crate::Result;

/// Folders holding the project's own Rust sources (third-party code lives in `vendor/`, with
/// its own conventions).
const ROOTS: &[&str] = &["crates", "web", "tests"];

/// Lists Rust files whose first non-blank line is not a `//!` module doc.
pub fn missing_headers(root: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for r in ROOTS {
        collect(&root.join(r), &mut files);
    }
    files
        .into_iter()
        .filter(|f| {
            let text = std::fs::read_to_string(f).unwrap_or_default();
            !text
                .lines()
                .find(|l| !l.trim().is_empty())
                .is_some_and(|l| l.starts_with("//!"))
        })
        .collect()
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        let name = e.file_name();
        let name = name.to_string_lossy();
        if p.is_dir() {
            if name != "target" && name != "node_modules" && !name.starts_with('.') {
                collect(&p, out);
            }
        } else if name.ends_with(".rs") {
            out.push(p);
        }
    }
}

/// `cargo xtask tidy`.
pub fn run() -> Result {
    let bad = missing_headers(&crate::project_root());
    if bad.is_empty() {
        println!("tidy: every .rs file has a //! header");
        return Ok(());
    }
    for f in &bad {
        eprintln!("missing //! header: {}", f.display());
    }
    Err(format!("{} file(s) without a //! module header", bad.len()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_rust_file_has_a_module_header() {
        let bad = super::missing_headers(&crate::project_root());
        assert!(bad.is_empty(), "files without a //! header: {bad:?}");
    }
}
