//! `cargo xtask demo`: build the dashboard, start a local devnet node for its `/chain` page, and
//! serve the static folder on 127.0.0.1.
//!
//! A deliberately small static file server on std alone: GET and HEAD, a content type per
//! extension (browsers refuse streaming compilation of wasm without `application/wasm`), and the
//! single-page-app fallback that sends `index.html` for client-side routes such as `/lab`.
//! It binds loopback only: the page is a secure context there, which WebGPU requires.
//!
//! It sends what a good static host sends (issue #12): brotli or gzip when the browser takes
//! them, made once per file version (gzip at once, brotli at quality 11 in the background, so
//! the first load never waits for it), and an `ETag` with `no-cache`, so a returning visitor
//! revalidates instead of downloading; a response Chromium can take from its HTTP cache is also
//! one whose compiled wasm V8 may keep (its code cache serves only cacheable responses).
//!
//! # The devnode child
//!
//! The page's light client needs a chain to sync from, so the demo runs the release
//! `taoscope devnode` as a child process that writes its chain spec (naming its boot node) to
//! `dist/chainspecs/devnet.json`, where the page looks, with a checkpoint after its seeding and
//! the spec holding only the genesis state root beside it (`devnet.checkpoint.json`,
//! `devnet.light.json`), from which the page starts without the genesis state. Nothing is left
//! running when the demo ends, without a signal-handling dependency:
//! - Ctrl-C: the terminal sends SIGINT to the whole foreground process group, which the child
//!   shares (it is not put in a group of its own), so the node stops on its own (it prints
//!   `stopped` and exits 0) while this process dies of the signal;
//! - an error here (the web port in use...): the [`Devnode`] guard kills and reaps the child;
//! - the node stopping on its own (a crash, or SIGINT when this process ignores it, as a
//!   background job of a script does): the demo ends with it;
//! - this process killed alone (`kill PID`, SIGKILL): a watchdog `sh`, holding the read end of a
//!   pipe whose write end only this process has, sees end-of-file and sends the node SIGTERM.
//!
//! `--no-devnode` serves the app alone (the lab never needs the chain); the `/chain` page then
//! uses whatever spec is in `dist/chainspecs/`, for instance one written by a node started by
//! hand with `--spec-out dist/chainspecs/devnet.json`.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock, mpsc};
use std::time::Duration;

use crate::Result;
use crate::run::{cargo, show};
use crate::setup;

/// The devnode's default libp2p port (Substrate's usual one).
const DEVNODE_PORT: u16 = 30333;
/// Where the page loads its chain spec from (`web/src/light.rs`, `DEFAULT_SPEC_PATH`).
const SPEC_IN_DIST: &str = "chainspecs/devnet.json";
/// The same chain's spec with only its genesis state root, and the checkpoint after the
/// seeding: the page starts from these when both are there (`DEFAULT_LIGHT_SPEC_PATH`,
/// `DEFAULT_CHECKPOINT_PATH`), without fetching the genesis state.
const LIGHT_SPEC_IN_DIST: &str = "chainspecs/devnet.light.json";
const CHECKPOINT_IN_DIST: &str = "chainspecs/devnet.checkpoint.json";
/// Longest wait for the node's `spec:` line: the release node seeds the default scenario in
/// about a second; a minute means something is wrong.
const SPEC_TIMEOUT: Duration = Duration::from_secs(60);

/// `cargo xtask demo [--port P] [--no-build] [--devnode-port P | --no-devnode]`.
pub fn demo(args: &[String]) -> Result {
    let mut port: u16 = 8080;
    let mut devnode_port = Some(DEVNODE_PORT);
    let mut build = true;
    let mut it = args.iter();
    let number = |v: Option<&String>, flag: &str| -> Result<u16> {
        v.and_then(|p| p.parse().ok())
            .ok_or_else(|| format!("{flag} needs a number 0..=65535"))
    };
    while let Some(a) = it.next() {
        match a.as_str() {
            "--port" => port = number(it.next(), "--port")?,
            "--devnode-port" => devnode_port = Some(number(it.next(), "--devnode-port")?),
            "--no-devnode" => devnode_port = None,
            "--no-build" => build = false,
            other => return Err(format!("demo: unknown argument {other:?}")),
        }
    }
    if build {
        setup::web_tools()?;
        setup::build_web()?;
    }
    let root = PathBuf::from("dist");
    if !root.join("index.html").exists() {
        return Err("dist/index.html is missing: run without --no-build".into());
    }
    // Bound before the node starts, so that a web port in use leaves nothing behind.
    let listener = TcpListener::bind(("127.0.0.1", port))
        .map_err(|e| format!("cannot listen on 127.0.0.1:{port}: {e}"))?;
    let port = listener.local_addr().map(|a| a.port()).unwrap_or(port);
    // Kept alive until `serve` returns (never, short of an error or a signal): dropping it
    // stops the node.
    let node = match devnode_port {
        Some(p) => {
            let bin = release_cli()?;
            Some(Devnode::start(
                &bin,
                p,
                &root.join(SPEC_IN_DIST),
                Some((
                    &root.join(LIGHT_SPEC_IN_DIST),
                    &root.join(CHECKPOINT_IN_DIST),
                )),
            )?)
        }
        None => None,
    };
    println!("taoscope dashboard: http://127.0.0.1:{port}/  (Ctrl-C to stop)");
    match &node {
        Some(n) => println!(
            "chain page:         http://127.0.0.1:{port}/chain  (light client syncing from the \
             devnode: {})",
            n.boot_node
        ),
        None => println!(
            "chain page:         http://127.0.0.1:{port}/chain  (no devnode: --no-devnode)"
        ),
    }
    serve(listener, root)
}

/// Builds the command line in release (`taoscope-cli`) and returns the `taoscope` binary's
/// path as Cargo reports it, so that `CARGO_TARGET_DIR` or a configured target folder is
/// followed.
pub fn release_cli() -> Result<PathBuf> {
    let mut cmd = cargo();
    cmd.args([
        "build",
        "--release",
        "-p",
        "taoscope-cli",
        "--bin",
        "taoscope",
        "--message-format=json-render-diagnostics",
    ])
    .stderr(Stdio::inherit());
    eprintln!("$ {}", show(&cmd));
    let out = cmd
        .output()
        .map_err(|e| format!("cannot start `{}`: {e}", show(&cmd)))?;
    if !out.status.success() {
        return Err(format!("`{}` failed ({})", show(&cmd), out.status));
    }
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.contains("\"name\":\"taoscope\""))
        .find_map(|l| json_string_field(l, "executable"))
        .map(PathBuf::from)
        .ok_or_else(|| format!("`{}` named no taoscope executable", show(&cmd)))
}

/// The value of `"key":"..."` in one line of Cargo's JSON messages; `None` for a value with
/// escapes (a path with quotes or backslashes), which this parser does not decode.
fn json_string_field(line: &str, key: &str) -> Option<String> {
    let start = line.find(&format!("\"{key}\":\""))? + key.len() + 4;
    let rest = line.get(start..)?;
    let value = &rest[..rest.find('"')?];
    (!value.contains('\\')).then(|| value.to_owned())
}

/// The running devnode child and its watchdog; dropping it stops the node. While it runs, a
/// thread checks on the node: should it stop on its own (it crashed, or a signal this process
/// ignores stopped it), the demo ends too, rather than serve a page whose chain is gone.
pub struct Devnode {
    inner: Arc<Mutex<Inner>>,
    /// The node's `boot node:` address.
    pub boot_node: String,
}

struct Inner {
    child: Child,
    /// The watchdog and the write end of its stdin: `done` on an orderly stop, end-of-file
    /// when this process dies.
    watchdog: Option<(Child, ChildStdin)>,
    /// Set by an orderly stop, so that the checking thread does not take the node's exit for a
    /// crash.
    stopping: bool,
}

impl Inner {
    fn stop(&mut self) {
        self.stopping = true;
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.release_watchdog();
    }

    /// Tells the watchdog to exit without signalling: the node is reaped, its pid may be reused.
    fn release_watchdog(&mut self) {
        if let Some((mut watchdog, mut stdin)) = self.watchdog.take() {
            let _ = stdin.write_all(b"done\n");
            drop(stdin);
            let _ = watchdog.wait();
        }
    }
}

impl Devnode {
    /// Starts `bin devnode --port P --spec-out SPEC --interval-ms 1000` and waits for its
    /// `spec:` line. Fails with the node's stderr when it exits first (a port in use, a bad
    /// spec path).
    pub fn start(
        bin: &Path,
        port: u16,
        spec: &Path,
        light: Option<(&Path, &Path)>,
    ) -> Result<Devnode> {
        let mut cmd = Command::new(bin);
        cmd.arg("devnode")
            .args(["--port", &port.to_string()])
            .arg("--spec-out")
            .arg(spec)
            .args(["--interval-ms", "1000"]);
        // The light spec and checkpoint are written before the `spec:` line this waits for.
        if let Some((light_spec, checkpoint)) = light {
            cmd.arg("--light-spec-out")
                .arg(light_spec)
                .arg("--checkpoint-out")
                .arg(checkpoint);
        }
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        Devnode::spawn(cmd)
    }

    /// Spawns `cmd` (whose stdout and stderr must be piped) and waits for its `spec:` line.
    pub fn spawn(mut cmd: Command) -> Result<Devnode> {
        eprintln!("$ {}", show(&cmd));
        let mut child = cmd
            .spawn()
            .map_err(|e| format!("cannot start `{}`: {e}", show(&cmd)))?;
        let (stdout, stderr) = (child.stdout.take(), child.stderr.take());
        let watchdog = watchdog(child.id());
        let mut node = Devnode {
            inner: Arc::new(Mutex::new(Inner {
                child,
                watchdog,
                stopping: false,
            })),
            boot_node: String::new(),
        };
        let (Some(stdout), Some(stderr)) = (stdout, stderr) else {
            return Err("the devnode's output is not piped".into());
        };
        // Stderr is read to the end on its own thread (a full pipe would stall the node): kept
        // for the error message until the node is up, echoed after.
        let started = Arc::new(AtomicBool::new(false));
        let echo = started.clone();
        let stderr_thread = std::thread::spawn(move || {
            let mut early = String::new();
            for line in BufReader::new(stderr)
                .lines()
                .map_while(std::io::Result::ok)
            {
                if echo.load(Ordering::Relaxed) {
                    eprintln!("devnode: {line}");
                } else {
                    early.push_str(&line);
                    early.push('\n');
                }
            }
            early
        });
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || forward_stdout(stdout, &tx));
        loop {
            match rx.recv_timeout(SPEC_TIMEOUT) {
                Ok(line) => {
                    println!("devnode: {line}");
                    if let Some(addr) = line.strip_prefix("boot node: ") {
                        node.boot_node = addr.to_owned();
                    }
                    if line.starts_with("spec: ") {
                        started.store(true, Ordering::Relaxed);
                        let inner = node.inner.clone();
                        std::thread::spawn(move || end_with_node(&inner));
                        return Ok(node);
                    }
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    let status = match node.inner.lock() {
                        Ok(mut inner) => inner.child.wait().map_err(|e| e.to_string())?,
                        Err(_) => return Err("the devnode exited early".into()),
                    };
                    let stderr = stderr_thread.join().unwrap_or_default();
                    return Err(format!(
                        "the devnode exited ({status}) before writing its chain spec{}\n\
                         (another node on that port? pick one with --devnode-port P, or serve \
                         without the chain: --no-devnode)",
                        if stderr.is_empty() {
                            String::new()
                        } else {
                            format!(":\n{}", stderr.trim_end())
                        },
                    ));
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    return Err(format!(
                        "the devnode wrote no `spec:` line in {} s",
                        SPEC_TIMEOUT.as_secs()
                    ));
                }
            }
        }
    }
}

impl Drop for Devnode {
    fn drop(&mut self) {
        if let Ok(mut inner) = self.inner.lock() {
            inner.stop();
        }
    }
}

/// Ends this process when the node exits on its own (not through [`Inner::stop`]).
fn end_with_node(inner: &Mutex<Inner>) {
    loop {
        std::thread::sleep(Duration::from_millis(250));
        let Ok(mut inner) = inner.lock() else { return };
        if inner.stopping {
            return;
        }
        if let Ok(Some(status)) = inner.child.try_wait() {
            inner.release_watchdog();
            eprintln!("xtask: the devnode stopped ({status}), so does the demo");
            std::process::exit(if status.success() { 0 } else { 1 });
        }
    }
}

/// Sends the node's stdout lines to `tx` until its `spec:` line, then keeps reading (a full
/// pipe would stall the node) and echoes only peers coming and going: one line per block and
/// per request would bury the URLs.
fn forward_stdout(stdout: impl Read, tx: &mpsc::Sender<String>) {
    let mut lines = BufReader::new(stdout)
        .lines()
        .map_while(std::io::Result::ok);
    for line in lines.by_ref() {
        let done = line.starts_with("spec: ");
        if tx.send(line).is_err() || done {
            break;
        }
    }
    for line in lines {
        if line.starts_with("peer ") || line == "stopped" {
            println!("devnode: {line}");
        }
    }
}

/// `sh -c 'read _ || kill -TERM PID'` with its stdin a pipe from this process: when this
/// process ends without saying `done` (killed alone, by any signal), `read` meets end-of-file
/// and the node is stopped. `None` without `sh` (the other two ways still stop the node).
fn watchdog(pid: u32) -> Option<(Child, ChildStdin)> {
    let mut child = Command::new("sh")
        .args([
            "-c",
            "read _ || kill -TERM \"$0\" 2>/dev/null",
            &pid.to_string(),
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let stdin = child.stdin.take()?;
    Some((child, stdin))
}

/// Serves `root` on `listener` until the process ends, one thread per connection.
pub fn serve(listener: TcpListener, root: PathBuf) -> Result {
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        let root = root.clone();
        std::thread::spawn(move || {
            let _ = handle(stream, &root);
        });
    }
    Ok(())
}

fn handle(mut stream: TcpStream, root: &Path) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    // The two headers that change the answer; the rest are drained.
    let (mut accept_encoding, mut if_none_match) = (String::new(), String::new());
    let mut line = String::new();
    while reader.read_line(&mut line)? > 2 {
        if let Some((name, value)) = line.split_once(':') {
            match name.trim().to_ascii_lowercase().as_str() {
                "accept-encoding" => accept_encoding = value.trim().to_owned(),
                "if-none-match" => if_none_match = value.trim().to_owned(),
                _ => {}
            }
        }
        line.clear();
    }
    let mut parts = request_line.split_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or("/"));
    if method != "GET" && method != "HEAD" {
        return respond(
            &mut stream,
            "405 Method Not Allowed",
            "text/plain",
            b"",
            true,
        );
    }
    let path = target.split(['?', '#']).next().unwrap_or("/");
    let Some(file) = resolve(root, path) else {
        return respond(
            &mut stream,
            "404 Not Found",
            "text/plain",
            b"not found\n",
            true,
        );
    };
    match std::fs::read(&file) {
        Ok(body) => {
            let tag = etag(&body);
            let reply = Reply {
                status: "200 OK",
                content_type: content_type(&file),
                etag: Some(&tag),
                encoding: None,
            };
            if if_none_match.split(',').any(|t| t.trim() == tag) {
                let reply = Reply {
                    status: "304 Not Modified",
                    ..reply
                };
                return reply.send(&mut stream, b"", false);
            }
            match encoded(&file, &tag, &body, &accept_encoding) {
                Some((encoding, bytes)) => Reply {
                    encoding: Some(encoding),
                    ..reply
                }
                .send(&mut stream, &bytes, method == "GET"),
                None => reply.send(&mut stream, &body, method == "GET"),
            }
        }
        Err(_) => respond(
            &mut stream,
            "404 Not Found",
            "text/plain",
            b"not found\n",
            true,
        ),
    }
}

/// Maps a URL path to a file under `root`, refusing anything that leaves it. Paths without an
/// extension that name no file are client-side routes and get `index.html`.
fn resolve(root: &Path, url_path: &str) -> Option<PathBuf> {
    let decoded = url_path.replace("%20", " ");
    let rel = Path::new(decoded.trim_start_matches('/'));
    if rel.components().any(|c| !matches!(c, Component::Normal(_))) {
        return None;
    }
    let candidate = root.join(rel);
    if candidate.is_file() {
        return Some(candidate);
    }
    if candidate.is_dir() && candidate.join("index.html").is_file() {
        return Some(candidate.join("index.html"));
    }
    rel.extension().is_none().then(|| root.join("index.html"))
}

fn content_type(p: &Path) -> &'static str {
    match p.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "wasm" => "application/wasm",
        "css" => "text/css; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn respond(
    stream: &mut TcpStream,
    status: &str,
    content_type: &str,
    body: &[u8],
    with_body: bool,
) -> std::io::Result<()> {
    Reply {
        status,
        content_type,
        etag: None,
        encoding: None,
    }
    .send(stream, body, with_body)
}

/// A response's head.
struct Reply<'a> {
    status: &'a str,
    content_type: &'a str,
    etag: Option<&'a str>,
    /// `br` or `gzip` when the body is compressed.
    encoding: Option<&'static str>,
}

impl Reply<'_> {
    fn send(self, stream: &mut TcpStream, body: &[u8], with_body: bool) -> std::io::Result<()> {
        let mut head = format!(
            "HTTP/1.1 {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nCache-Control: no-cache\r\n\
             X-Content-Type-Options: nosniff\r\nVary: Accept-Encoding\r\nConnection: close\r\n",
            self.status,
            self.content_type,
            body.len()
        );
        if let Some(tag) = self.etag {
            head.push_str(&format!("ETag: {tag}\r\n"));
        }
        if let Some(encoding) = self.encoding {
            head.push_str(&format!("Content-Encoding: {encoding}\r\n"));
        }
        head.push_str("\r\n");
        stream.write_all(head.as_bytes())?;
        if with_body {
            stream.write_all(body)?;
        }
        stream.flush()
    }
}

/// A strong validator for this version of the file: its length and content hash (Trunk
/// rewrites files in place, and a rebuild may keep their length).
fn etag(body: &[u8]) -> String {
    let digest = crate::dist::sha256_hex(body);
    format!("\"{:x}-{}\"", body.len(), &digest[..16])
}

/// Compressed copies of one version of a file.
#[derive(Default)]
struct Variants {
    etag: String,
    gzip: Option<Arc<Vec<u8>>>,
    brotli: Option<Arc<Vec<u8>>>,
    brotli_started: bool,
}

fn variants() -> &'static Mutex<HashMap<PathBuf, Variants>> {
    static VARIANTS: OnceLock<Mutex<HashMap<PathBuf, Variants>>> = OnceLock::new();
    VARIANTS.get_or_init(Mutex::default)
}

/// The body in the best encoding the browser accepts (`accept_encoding`) that is ready: brotli
/// once its background job is done, gzip until then; `None` for a file not worth compressing
/// or a browser that takes neither.
fn encoded(
    file: &Path,
    tag: &str,
    body: &[u8],
    accept_encoding: &str,
) -> Option<(&'static str, Arc<Vec<u8>>)> {
    let ext = file.extension().and_then(|e| e.to_str()).unwrap_or("");
    if !crate::dist::COMPRESSIBLE.contains(&ext) || body.len() < 256 {
        return None;
    }
    let takes = |name: &str| {
        accept_encoding
            .split(',')
            .filter_map(|item| {
                let mut parts = item.split(';');
                let coding = parts.next()?.trim();
                // `q=0` refuses a coding.
                let refused = parts.any(|p| matches!(p.trim(), "q=0" | "q=0.0" | "q=0.00"));
                Some((coding, refused))
            })
            .any(|(coding, refused)| coding == name && !refused)
    };
    let (gzip_ok, brotli_ok) = (takes("gzip"), takes("br"));
    if !gzip_ok && !brotli_ok {
        return None;
    }
    {
        let mut all = variants().lock().ok()?;
        let entry = all.entry(file.to_owned()).or_default();
        if entry.etag != tag {
            *entry = Variants {
                etag: tag.to_owned(),
                ..Variants::default()
            };
        }
        if brotli_ok {
            if let Some(br) = &entry.brotli {
                return Some(("br", br.clone()));
            }
            if !entry.brotli_started {
                entry.brotli_started = true;
                let (file, tag, body) = (file.to_owned(), tag.to_owned(), body.to_vec());
                std::thread::spawn(move || {
                    let br = Arc::new(crate::dist::brotli(&body));
                    store(&file, &tag, |v| v.brotli = Some(br));
                });
            }
        }
        if !gzip_ok {
            return None;
        }
        if let Some(gz) = &entry.gzip {
            return Some(("gzip", gz.clone()));
        }
    }
    // Outside the lock: other files are served meanwhile.
    let gz = Arc::new(crate::dist::gzip(body));
    store(file, tag, |v| v.gzip = Some(gz.clone()));
    Some(("gzip", gz))
}

/// Sets a variant of `file`, unless the file changed since `tag`.
fn store(file: &Path, tag: &str, set: impl FnOnce(&mut Variants)) {
    if let Ok(mut all) = variants().lock()
        && let Some(entry) = all.get_mut(file)
        && entry.etag == tag
    {
        set(entry);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_string_field_reads_cargo_messages() {
        let line = r#"{"reason":"compiler-artifact","target":{"name":"taoscope"},"executable":"/t/release/taoscope","fresh":true}"#;
        assert_eq!(
            json_string_field(line, "executable").as_deref(),
            Some("/t/release/taoscope")
        );
        assert_eq!(json_string_field(line, "missing"), None);
        assert_eq!(
            json_string_field(r#"{"executable":null}"#, "executable"),
            None
        );
        assert_eq!(
            json_string_field(r#"{"executable":"a\\b"}"#, "executable"),
            None
        );
    }

    /// One raw HTTP/1.1 GET with `headers`: the head (lowercased) and the body.
    fn get(port: u16, path: &str, headers: &str) -> (String, Vec<u8>) {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        write!(stream, "GET {path} HTTP/1.1\r\nHost: x\r\n{headers}\r\n").unwrap();
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).unwrap();
        let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
        let head = String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase();
        (head, raw[split + 4..].to_vec())
    }

    fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
        head.lines()
            .find_map(|l| l.strip_prefix(&format!("{name}: ")))
    }

    /// gzip at once, brotli once its background job is done, the original to a browser that
    /// takes neither; an unchanged file revalidates with 304, a changed one does not.
    #[test]
    fn sends_compressed_variants_and_revalidates() {
        let root = std::env::temp_dir().join(format!("xtask-serve-enc-{}", std::process::id()));
        std::fs::create_dir_all(&root).unwrap();
        let original: Vec<u8> = (0..40_000u32)
            .flat_map(|i| (i % 251).to_le_bytes())
            .collect();
        std::fs::write(root.join("app.wasm"), &original).unwrap();
        std::fs::write(root.join("index.html"), "<!doctype html>").unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let served = root.clone();
        std::thread::spawn(move || serve(listener, served));

        let (head, body) = get(port, "/app.wasm", "Accept-Encoding: gzip, br\r\n");
        assert!(head.starts_with("http/1.1 200"), "{head}");
        assert_eq!(header(&head, "content-encoding"), Some("gzip"), "{head}");
        let mut plain = Vec::new();
        flate2::read::GzDecoder::new(&body[..])
            .read_to_end(&mut plain)
            .unwrap();
        assert_eq!(plain, original);
        let tag = header(&head, "etag").unwrap().to_owned();

        // brotli takes a moment in the background.
        let mut brotli = None;
        for _ in 0..200 {
            let (head, body) = get(port, "/app.wasm", "Accept-Encoding: gzip, br\r\n");
            if header(&head, "content-encoding") == Some("br") {
                brotli = Some(body);
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let mut plain = Vec::new();
        brotli::BrotliDecompress(&mut &brotli.expect("brotli within 10 s")[..], &mut plain)
            .unwrap();
        assert_eq!(plain, original);

        let (head, body) = get(port, "/app.wasm", "Accept-Encoding: identity, br;q=0\r\n");
        assert_eq!(header(&head, "content-encoding"), None, "{head}");
        assert_eq!(body, original);

        let (head, body) = get(port, "/app.wasm", &format!("If-None-Match: {tag}\r\n"));
        assert!(head.starts_with("http/1.1 304"), "{head}");
        assert!(body.is_empty());
        std::fs::write(
            root.join("app.wasm"),
            b"changed, and now too short to compress",
        )
        .unwrap();
        let (head, body) = get(port, "/app.wasm", &format!("If-None-Match: {tag}\r\n"));
        assert!(head.starts_with("http/1.1 200"), "{head}");
        assert_eq!(body, b"changed, and now too short to compress");
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn resolve_refuses_escapes_and_falls_back_for_routes() {
        let root = std::env::temp_dir().join(format!("xtask-serve-{}", std::process::id()));
        std::fs::create_dir_all(root.join("cases")).unwrap_or_default();
        std::fs::write(root.join("index.html"), "x").unwrap_or_default();
        std::fs::write(root.join("cases/a.json"), "{}").unwrap_or_default();
        assert_eq!(resolve(&root, "/../etc/passwd"), None);
        assert_eq!(
            resolve(&root, "/cases/a.json"),
            Some(root.join("cases/a.json"))
        );
        assert_eq!(resolve(&root, "/lab"), Some(root.join("index.html")));
        assert_eq!(resolve(&root, "/"), Some(root.join("index.html")));
        assert_eq!(resolve(&root, "/missing.js"), None);
        let _ = std::fs::remove_dir_all(&root);
    }
}
