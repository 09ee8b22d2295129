//! `cargo xtask dist [--public-url PATH] [--out DIR]`: the release folder any static host, a
//! USB stick or IPFS can serve.
//!
//! Trunk builds the app into a staging folder; this module turns it into the release in memory
//! (a map of path → bytes, so every step is a plain function the tests below can run) and
//! writes it out:
//! - the light client's worker files get content-hashed names like the app's own;
//! - the page checks every script and wasm it loads: an import map carries the integrity of the
//!   app's module, the wasm is fetched with `integrity`, and the worker starts from a boot script
//!   kept inside `index.html` that fetches its script and wasm the same way. Trunk's own
//!   `integrity` sits on preload links only, which Chromium does not hold the later fetch to;
//! - a refused file is named on screen with the hash served and the hash expected;
//! - `404.html` (and `ipfs-404.html`, the name IPFS gateways look for) turn old path-style links
//!   into the hash routes, for hosts that serve such a page;
//! - an offline copy after the first visit: `manifest.webmanifest` and `sw.js` (see `offline`);
//! - gzip and brotli variants next to every text and wasm file, for hosts that send them;
//! - `MANIFEST`: every file's SHA-256 in `sha256sum` format, headed by the commit it was built
//!   from, so two builds can be compared and a served copy checked.
//!
//! The default public URL is `./`: relative links make one folder work at a host's root, under
//! any sub-path and under an IPFS gateway's `/ipfs/<cid>/`, because every page is a hash route
//! of the one `index.html`. Finally `ipfs-car` (npm) packs the folder into a CAR file and prints
//! its root CID, offline.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use base64::Engine;
use sha2::{Digest, Sha256, Sha384};

use crate::Result;
use crate::run::output;
use crate::setup;

mod offline;

/// A release folder in memory: `/`-separated relative paths → contents.
pub type Tree = BTreeMap<String, Vec<u8>>;

/// The first path segment of every page the app routes (`web/src/route.rs`); the 404 page
/// recognises an old path-style link by it. The release test loads one link per name.
const PAGES: [&str; 6] = ["subnets", "subnet", "account", "audit", "lab", "chain"];

/// File types worth a compressed variant.
pub const COMPRESSIBLE: [&str; 8] = ["html", "js", "wasm", "css", "svg", "json", "md", "txt"];

/// `cargo xtask dist`.
pub fn run(args: &[String]) -> Result {
    let mut public_url = "./".to_owned();
    let mut out = PathBuf::from("dist");
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = || {
            it.next()
                .cloned()
                .ok_or_else(|| format!("dist: {arg} needs a value"))
        };
        match arg.as_str() {
            "--public-url" => public_url = value()?,
            "--out" => out = PathBuf::from(value()?),
            other => return Err(format!("dist: unknown argument {other:?}")),
        }
    }
    if !(public_url.starts_with("./") || public_url.starts_with('/')) || !public_url.ends_with('/')
    {
        return Err(format!(
            "dist: --public-url {public_url:?} must be `./` (relative, works anywhere) or an \
             absolute path ending in `/`, like `/taoscope/`"
        ));
    }
    setup::web_tools()?;
    let stage = PathBuf::from(crate::test::target_dir()).join("dist-stage");
    if stage.exists() {
        std::fs::remove_dir_all(&stage).map_err(|e| format!("{}: {e}", stage.display()))?;
    }
    let stage_arg = stage.display().to_string();
    setup::trunk_build(&["--public-url", &public_url, "--dist", &stage_arg])?;

    let built = read_tree(&stage)?;
    let commit = source_commit();
    let release = make_release(built, &commit, &public_url)?;
    write_tree(&out, &release)?;
    std::fs::remove_dir_all(&stage).ok();

    let car = out.with_extension("car");
    let cid = ipfs_cid(&out, &car)?;
    print_summary(&release, &out, &commit, &cid, &car);
    Ok(())
}

/// The release made from Trunk's output: hashed worker names, checked loading, 404 pages,
/// compressed variants and the MANIFEST.
pub fn make_release(mut tree: Tree, commit: &str, public_url: &str) -> Result<Tree> {
    // The cases' generator is a tool of the repository, not part of the page.
    tree.retain(|path, _| !path.ends_with(".py"));
    let worker = hash_worker(&mut tree)?;
    let index = tree
        .get("index.html")
        .ok_or("Trunk's output has no index.html")?;
    let index = String::from_utf8(index.clone()).map_err(|_| "index.html is not UTF-8")?;
    let index = checked_boot(&index, &tree, &worker)?;
    tree.insert("index.html".into(), index.into_bytes());
    let not_found = not_found_page().into_bytes();
    tree.insert("404.html".into(), not_found.clone());
    tree.insert("ipfs-404.html".into(), not_found);
    let web_manifest = offline::web_manifest(&tree);
    tree.insert("manifest.webmanifest".into(), web_manifest.into_bytes());
    let sw = offline::service_worker(&tree);
    tree.insert("sw.js".into(), sw.into_bytes());
    compress(&mut tree);
    let manifest = manifest(&tree, commit, public_url);
    tree.insert("MANIFEST".into(), manifest.into_bytes());
    Ok(tree)
}

/// Subresource Integrity value of `bytes` (`sha384-<base64>`), as browsers compute it.
pub fn sri(bytes: &[u8]) -> String {
    let digest = Sha384::digest(bytes);
    format!(
        "sha384-{}",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The light client's worker files under their release names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkerFiles {
    pub script: String,
    pub wasm: String,
}

/// Gives the worker's script and wasm content-hashed names (Trunk leaves a worker's names
/// plain, so a host's cache could mix two releases) and drops Trunk's loader shim: the release
/// page starts the worker from its own checked boot script instead.
fn hash_worker(tree: &mut Tree) -> Result<WorkerFiles> {
    let mut take = |name: &str, ext: &str| -> Result<String> {
        let bytes = tree
            .remove(&format!("{name}.{ext}"))
            .ok_or_else(|| format!("Trunk's output has no {name}.{ext} (the light worker)"))?;
        let hashed = format!("{name}-{}.{ext}", &sha256_hex(&bytes)[..16]);
        tree.insert(hashed.clone(), bytes);
        Ok(hashed)
    };
    let script = take("light_worker", "js")?;
    let wasm = take("light_worker_bg", "wasm")?;
    tree.remove("light_worker_loader.js");
    Ok(WorkerFiles { script, wasm })
}

/// What the page's and the worker's boot scripts share: fetch a file held to its integrity, and
/// when the browser refuses it, find out why (a different file, or none) and say so by name.
const FETCH_CHECKED: &str = r#"const releaseBase = typeof TAOSCOPE_BASE === 'string' ? TAOSCOPE_BASE : document.baseURI;
async function refused(file, integrity, cause) {
  let why;
  try {
    const r = await fetch(new URL(file, releaseBase), { cache: 'no-store' });
    if (!r.ok) {
      why = `could not be loaded: the host answers HTTP ${r.status}`;
    } else {
      const body = new Uint8Array(await r.arrayBuffer());
      const served = crypto.subtle
        ? 'sha384-' + btoa(String.fromCharCode(...new Uint8Array(await crypto.subtle.digest('SHA-384', body))))
        : 'another hash';
      why = served === integrity
        ? `could not be loaded (${cause})`
        : `does not match this release: the host serves ${served}, the release has ${integrity}`;
    }
  } catch (e) {
    why = `could not be fetched (${e.message})`;
  }
  throw new Error(`${file} ${why}`);
}
async function checked(file, integrity) {
  let r;
  try {
    r = await fetch(new URL(file, releaseBase), { integrity });
  } catch (e) {
    return refused(file, integrity, e.message);
  }
  return r.ok ? r : refused(file, integrity, `HTTP ${r.status}`);
}
"#;

/// Replaces Trunk's boot script (which imports the app's module and fetches its wasm with no
/// integrity check) with one that checks both, and adds the worker's checked boot script.
fn checked_boot(index: &str, tree: &Tree, worker: &WorkerFiles) -> Result<String> {
    let open = "<script type=\"module\">";
    let start = index
        .find(open)
        .ok_or("index.html: Trunk's module boot script is missing")?;
    let end = index[start..]
        .find("</script>")
        .map(|i| start + i + "</script>".len())
        .ok_or("index.html: Trunk's boot script is not closed")?;
    let trunk_boot = &index[start..end];
    let between = |from: &str, to: &str| -> Result<String> {
        let at = trunk_boot.find(from).ok_or_else(|| {
            format!("index.html: Trunk's boot script has no `{from}` (has its shape changed?)")
        })? + from.len();
        let len = trunk_boot[at..]
            .find(to)
            .ok_or_else(|| format!("index.html: no `{to}` after `{from}`"))?;
        Ok(trunk_boot[at..at + len].to_owned())
    };
    let module = between("from '", "'")?;
    let wasm = between("module_or_path: '", "'")?;
    let integrity_of = |url: &str| -> Result<String> {
        let path = url
            .trim_start_matches("./")
            .rsplit('/')
            .next()
            .unwrap_or(url);
        tree.get(path)
            .map(|b| sri(b))
            .ok_or_else(|| format!("index.html loads {url}, which the build does not have"))
    };
    let (module_sri, wasm_sri) = (integrity_of(&module)?, integrity_of(&wasm)?);
    let (wscript_sri, wwasm_sri) = (integrity_of(&worker.script)?, integrity_of(&worker.wasm)?);

    let page_boot = format!(
        r#"<script type="importmap">{{"integrity":{{"{module}":"{module_sri}"}}}}</script>
<script type="module">
{FETCH_CHECKED}try {{
  const bindings = await import('{module}').catch((e) => refused('{module}', '{module_sri}', e.message));
  const wasm = await bindings.default({{ module_or_path: checked('{wasm}', '{wasm_sri}') }});
  window.wasmBindings = bindings;
  dispatchEvent(new CustomEvent('TrunkApplicationStarted', {{ detail: {{ wasm }} }}));
  if ('serviceWorker' in navigator) {{
    // The offline copy (sw.js); without it the app still works online.
    navigator.serviceWorker.register('./sw.js').catch((e) => console.warn(`no offline copy: ${{e.message}}`));
  }}
}} catch (e) {{
  const note = document.createElement('p');
  note.className = 'boot-error';
  note.setAttribute('role', 'alert');
  note.textContent = `taoscope did not start: ${{e.message}}`;
  document.body.prepend(note);
}}
</script>
<script type="text/plain" id="taoscope-worker-boot">
{FETCH_CHECKED}(async () => {{
  const script = await (await checked('{wscript}', '{wscript_sri}')).text();
  importScripts(URL.createObjectURL(new Blob([script], {{ type: 'text/javascript' }})));
  await wasm_bindgen({{ module_or_path: checked('{wwasm}', '{wwasm_sri}') }});
}})().catch((e) => setTimeout(() => {{ throw e; }}));
</script>"#,
        wscript = worker.script,
        wwasm = worker.wasm,
    );
    let index = format!("{}{page_boot}{}", &index[..start], &index[end..]);
    // The web app manifest, so browsers offer to install the release.
    let head_end = index.rfind("</head>").ok_or("index.html has no </head>")?;
    Ok(format!(
        "{}<link rel=\"manifest\" href=\"./manifest.webmanifest\" />\n    <meta name=\"theme-color\" content=\"#0b1220\" />\n  {}",
        &index[..head_end],
        &index[head_end..]
    ))
}

/// The page a host serves for a missing path: an old path-style link (`/taoscope/lab?case=x`)
/// goes to its hash route (`/taoscope/#/lab?case=x`), as the app itself does when a host serves
/// `index.html` for every path. It finds the app's folder as what precedes the first segment
/// that names a page, so it works at any sub-path without knowing it.
fn not_found_page() -> String {
    let pages = PAGES
        .iter()
        .map(|p| format!("'{p}'"))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        r#"<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8" /><title>taoscope: page not found</title></head>
<body>
<p id="not-found">This address is not part of taoscope.</p>
<script>
(() => {{
  const pages = [{pages}];
  const parts = location.pathname.split('/');
  const at = parts.findIndex((p) => pages.includes(p));
  if (at < 1) return;
  const query = location.search.replace(/^\?/, '');
  const route = parts.slice(at).join('/') + (query ? `?${{query}}` : '');
  document.getElementById('not-found').textContent = 'Moving to the page\'s current address…';
  location.replace(`${{parts.slice(0, at).join('/')}}/#/${{route}}`);
}})();
</script>
</body>
</html>
"#
    )
}

/// Adds `FILE.gz` (gzip -9, no name or time in the header) and `FILE.br` (brotli, quality 11)
/// next to every compressible file where that is smaller; both are byte-for-byte reproducible.
fn compress(tree: &mut Tree) {
    let mut variants = Vec::new();
    for (path, bytes) in tree.iter() {
        let ext = path.rsplit('.').next().unwrap_or_default();
        if !COMPRESSIBLE.contains(&ext) || bytes.len() < 256 {
            continue;
        }
        let gz = gzip(bytes);
        if gz.len() < bytes.len() {
            variants.push((format!("{path}.gz"), gz));
        }
        let br = brotli(bytes);
        if br.len() < bytes.len() {
            variants.push((format!("{path}.br"), br));
        }
    }
    tree.extend(variants);
}

/// gzip at level 9; flate2's header carries no file name and a zero time.
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    // Writing to a Vec cannot fail.
    enc.write_all(bytes).expect("gzip into memory");
    enc.finish().expect("gzip into memory")
}

/// brotli at quality 11, window 2^22.
pub fn brotli(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        lgwin: 22,
        ..Default::default()
    };
    brotli::BrotliCompress(&mut &bytes[..], &mut out, &params).expect("brotli into memory");
    out
}

/// The MANIFEST: comment lines naming the build, then `sha256sum` lines for every other file,
/// sorted by path (`grep -v '^#' MANIFEST | sha256sum -c` checks a copy).
pub fn manifest(tree: &Tree, commit: &str, public_url: &str) -> String {
    let mut text = format!(
        "# taoscope release: every file with its SHA-256 (check: grep -v '^#' MANIFEST | sha256sum -c)\n\
         # commit {commit}\n\
         # public-url {public_url}\n"
    );
    for (path, bytes) in tree {
        if path != "MANIFEST" {
            text.push_str(&format!("{}  {path}\n", sha256_hex(bytes)));
        }
    }
    text
}

/// The commit the working tree is at, marked `-dirty` when it has uncommitted changes (such a
/// build cannot be reproduced from the commit alone).
fn source_commit() -> String {
    let head = output("git", &["rev-parse", "HEAD"])
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "unknown (not a git checkout)".into());
    let dirty = output("git", &["status", "--porcelain"]).is_some_and(|s| !s.trim().is_empty());
    if dirty { format!("{head}-dirty") } else { head }
}

fn read_tree(root: &Path) -> Result<Tree> {
    let mut tree = Tree::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        for entry in entries {
            let path = entry.map_err(|e| e.to_string())?.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let rel = path
                .strip_prefix(root)
                .map_err(|e| e.to_string())?
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            tree.insert(rel, bytes);
        }
    }
    Ok(tree)
}

fn write_tree(out: &Path, tree: &Tree) -> Result {
    if out.exists() {
        std::fs::remove_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
    }
    for (rel, bytes) in tree {
        let path = out.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        }
        std::fs::write(&path, bytes).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(())
}

/// Packs `folder` into `car` with ipfs-car (tests/node_modules) and returns the root CID: what
/// `ipfs dag import` of that CAR pins and a gateway serves as `/ipfs/<cid>/`. ipfs-car chunks
/// files at 1 MiB, so `ipfs add -r` with kubo's defaults (256 KiB) names the same folder with
/// another CID; importing the CAR keeps this one.
fn ipfs_cid(folder: &Path, car: &Path) -> Result<String> {
    let bin = crate::project_root().join("tests/node_modules/.bin/ipfs-car");
    let out = Command::new(&bin)
        .args(["pack", "--no-wrap", "--output"])
        .arg(car)
        .arg(folder)
        .output()
        .map_err(|e| format!("cannot run {}: {e}", bin.display()))?;
    let text = String::from_utf8_lossy(&out.stdout);
    let cid = text.split_whitespace().find(|w| w.starts_with("bafy"));
    match (out.status.success(), cid) {
        (true, Some(cid)) => Ok(cid.to_owned()),
        _ => Err(format!(
            "ipfs-car pack failed: {}{}",
            text.trim(),
            String::from_utf8_lossy(&out.stderr).trim()
        )),
    }
}

fn print_summary(tree: &Tree, out: &Path, commit: &str, cid: &str, car: &Path) {
    let kib = |n: usize| format!("{:.0} KiB", n as f64 / 1024.0);
    let originals: Vec<_> = tree
        .iter()
        .filter(|(p, _)| !p.ends_with(".gz") && !p.ends_with(".br"))
        .collect();
    println!("release folder {} (commit {commit})", out.display());
    println!(
        "  {} files, {} uncompressed; with variants {} files",
        originals.len(),
        kib(originals.iter().map(|(_, b)| b.len()).sum()),
        tree.len()
    );
    println!(
        "  {:<44} {:>10} {:>10} {:>10}",
        "file", "raw", "gzip", "brotli"
    );
    for (path, bytes) in &originals {
        if path.ends_with(".wasm") || path.ends_with(".js") || path.as_str() == "index.html" {
            let size = |suffix: &str| {
                tree.get(&format!("{path}{suffix}"))
                    .map_or("-".into(), |b| kib(b.len()))
            };
            println!(
                "  {path:<44} {:>10} {:>10} {:>10}",
                kib(bytes.len()),
                size(".gz"),
                size(".br")
            );
        }
    }
    // What each kind of page downloads (issue #12: the lab never fetches the light client).
    let app = |p: &str| {
        p == "index.html"
            || (p.starts_with("taoscope-web-") && (p.ends_with(".js") || p.ends_with(".wasm")))
            || (p.starts_with("style-") && p.ends_with(".css"))
    };
    let worker = |p: &str| p.starts_with("light_worker") && !p.contains('/');
    for (route, files) in [
        (
            "lab, and a page read from a snapshot",
            &app as &dyn Fn(&str) -> bool,
        ),
        (
            "a page that follows the chain (+ light client)",
            &|p: &str| app(p) || worker(p),
        ),
    ] {
        let total = |suffix: &str| {
            originals
                .iter()
                .filter(|(p, _)| files(p))
                .map(|(p, b)| tree.get(&format!("{p}{suffix}")).map_or(b.len(), Vec::len))
                .sum::<usize>()
        };
        println!(
            "  route: {route:<47} {:>10} {:>10} {:>10}",
            kib(total("")),
            kib(total(".gz")),
            kib(total(".br"))
        );
    }
    println!("  MANIFEST: {}/MANIFEST", out.display());
    println!(
        "  IPFS CID: {cid}  (CAR: {}; `ipfs dag import` it)",
        car.display()
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tree shaped like Trunk's output for `web/index.html`.
    fn trunk_like() -> Tree {
        let index = "<!DOCTYPE html><html><head><base href=\"./\" />\n\
            <script type=\"module\">\nimport init, * as bindings from './app-1.js';\n\
            const wasm = await init({ module_or_path: './app-1_bg.wasm' });\n</script>\n\
            </head><body></body></html>";
        Tree::from([
            ("index.html".into(), index.as_bytes().to_vec()),
            (
                "app-1.js".into(),
                b"export default async function init() {}".to_vec(),
            ),
            ("app-1_bg.wasm".into(), vec![0, 97, 115, 109, 1, 0, 0, 0]),
            ("light_worker.js".into(), b"let wasm_bindgen;".to_vec()),
            ("light_worker_bg.wasm".into(), vec![0, 97, 115, 109, 2]),
            (
                "light_worker_loader.js".into(),
                b"importScripts('x')".to_vec(),
            ),
            ("cases/generate.py".into(), b"print()".to_vec()),
            ("cases/a.json".into(), "{\"n\": 1}".repeat(100).into_bytes()),
        ])
    }

    #[test]
    fn sri_matches_the_browsers_format() {
        // `printf abc | openssl dgst -sha384 -binary | base64`
        assert_eq!(
            sri(b"abc"),
            "sha384-ywB1P0WjXou1oD1pmsZQBycsMqsO3tFjGotgWkP/W+2AhgcroefMI1i67KE0yCWn"
        );
    }

    #[test]
    fn the_release_checks_every_script_and_wasm() {
        let release = make_release(trunk_like(), "abc123", "./").unwrap();
        let index = String::from_utf8(release["index.html"].clone()).unwrap();
        let worker_js = release
            .keys()
            .find(|p| p.starts_with("light_worker-") && p.ends_with(".js"))
            .expect("the worker script under a hashed name")
            .clone();
        let worker_wasm = release
            .keys()
            .find(|p| p.starts_with("light_worker_bg-") && p.ends_with(".wasm"))
            .expect("the worker wasm under a hashed name")
            .clone();
        assert_eq!(
            worker_js,
            format!(
                "light_worker-{}.js",
                &sha256_hex(b"let wasm_bindgen;")[..16]
            )
        );
        for (file, served_as) in [
            ("app-1.js", "./app-1.js"),
            ("app-1_bg.wasm", "./app-1_bg.wasm"),
            (worker_js.as_str(), worker_js.as_str()),
            (worker_wasm.as_str(), worker_wasm.as_str()),
        ] {
            let pin = format!("'{served_as}', '{}'", sri(&release[file]));
            assert!(
                index.contains(&pin)
                    || index.contains(&format!("\"{served_as}\":\"{}\"", sri(&release[file]))),
                "{file} is loaded with its integrity"
            );
        }
        // The import map pins the module, and Trunk's unchecked boot is gone.
        assert!(index.contains(&format!(
            "{{\"integrity\":{{\"./app-1.js\":\"{}\"}}}}",
            sri(&release["app-1.js"])
        )));
        assert!(!index.contains("await init("));
        assert!(!release.contains_key("light_worker_loader.js"));
        assert!(!release.contains_key("light_worker.js"));
        assert!(!release.contains_key("cases/generate.py"));
        assert!(index.contains("id=\"taoscope-worker-boot\""));
    }

    #[test]
    fn variants_decompress_to_their_originals() {
        let release = make_release(trunk_like(), "abc123", "./").unwrap();
        let original = &release["cases/a.json"];
        let mut gz = Vec::new();
        std::io::Read::read_to_end(
            &mut flate2::read::GzDecoder::new(&release["cases/a.json.gz"][..]),
            &mut gz,
        )
        .unwrap();
        assert_eq!(&gz, original);
        let mut br = Vec::new();
        brotli::BrotliDecompress(&mut &release["cases/a.json.br"][..], &mut br).unwrap();
        assert_eq!(&br, original);
        // Too small to gain: no variant.
        assert!(!release.contains_key("app-1_bg.wasm.gz"));
    }

    #[test]
    fn the_manifest_lists_every_other_file_and_is_reproducible() {
        let a = make_release(trunk_like(), "abc123", "./").unwrap();
        let b = make_release(trunk_like(), "abc123", "./").unwrap();
        assert_eq!(a, b, "same input, same release, byte for byte");
        let manifest = String::from_utf8(a["MANIFEST"].clone()).unwrap();
        assert!(manifest.contains("# commit abc123\n"));
        let listed: Vec<(&str, &str)> = manifest
            .lines()
            .filter(|l| !l.starts_with('#'))
            .map(|l| l.split_once("  ").unwrap())
            .collect();
        assert_eq!(listed.len(), a.len() - 1);
        for (sum, path) in listed {
            assert_eq!(sum, sha256_hex(&a[path]), "{path}");
        }
    }

    #[test]
    fn a_changed_boot_script_is_an_error_not_a_silent_release() {
        let mut tree = trunk_like();
        tree.insert("index.html".into(), b"<html><body></body></html>".to_vec());
        let err = make_release(tree, "abc123", "./").unwrap_err();
        assert!(err.contains("boot script is missing"), "{err}");
    }
}
