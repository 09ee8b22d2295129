// Shared by the browser tests and benchmarks: a static server for dist/, the Chromium flags, and a
// `taoscope devnode` child to sync from. Not a test file (node --test only picks up *.test.mjs).

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DIST = path.resolve(process.env.TAOSCOPE_DIST ?? path.join(ROOT, 'dist'));
export const CASES = path.join(ROOT, 'public', 'cases');
export const OUTPUT = path.join(ROOT, 'tests', 'output');
export const BIN = process.env.TAOSCOPE_BIN ?? path.join(ROOT, 'target', 'debug', 'taoscope');
export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
/** Hang guard for anything that waits on the chain. */
export const GUARD_MS = 120_000;

/** Chromium flags that work as root on a closed network; WebGPU tests add
 * `--enable-unsafe-webgpu`. */
export const BASE_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-dev-shm-usage',
];

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/** Serves dist/ on 127.0.0.1 (a secure context, so `navigator.gpu` exists): files as they are,
 * index.html for app routes. `routes` maps URL paths to other files (a test's chain spec at
 * `/chainspecs/devnet.json`); it is read on each request, so a test may change it. Resolves to
 * the listening server. With `revalidate`, dist/'s files go out as `cargo xtask demo` sends them
 * (`no-cache` with an ETag, 304 when unchanged), so that a second visit in the same browser
 * context finds them in its HTTP cache (and V8 its compiled wasm); otherwise `no-store`. */
export function serveDist(routes = {}, { revalidate = false } = {}) {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://localhost');
    const rel = decodeURIComponent(url.pathname);
    // The default devnet's quick-start files (`cargo xtask demo` writes them into dist/) are
    // served only when a test routes them: a pair left by a demo run names another node.
    if (!Object.hasOwn(routes, rel) && /^\/chainspecs\/devnet\.(light|checkpoint)\.json$/.test(rel)) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    if (Object.hasOwn(routes, rel)) {
      if (!fs.existsSync(routes[rel])) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        return;
      }
      const type = TYPES[path.extname(routes[rel])] ?? 'application/octet-stream';
      res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' });
      fs.createReadStream(routes[rel]).pipe(res);
      return;
    }
    let file = path.resolve(DIST, '.' + rel);
    if (!file.startsWith(DIST + path.sep) && file !== DIST) {
      res.writeHead(403).end('forbidden');
      return;
    }
    if (!fs.existsSync(file) || fs.statSync(file).isDirectory()) {
      if (path.extname(rel) !== '') {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        return;
      }
      file = path.join(DIST, 'index.html');
    }
    const type = TYPES[path.extname(file)] ?? 'application/octet-stream';
    if (revalidate) {
      const stat = fs.statSync(file);
      const etag = `"${stat.size.toString(16)}-${Math.floor(stat.mtimeMs).toString(16)}"`;
      const headers = { 'content-type': type, 'cache-control': 'no-cache', etag };
      if (req.headers['if-none-match'] === etag) {
        res.writeHead(304, headers).end();
        return;
      }
      res.writeHead(200, headers);
    } else {
      res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' });
    }
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

/** A plain static file server for a release folder, as a host that knows nothing of the app
 * would run it: files under `prefix` (`/`, `/taoscope/`, `/ipfs/<cid>/`), a folder's
 * index.html, and for anything else 404 — the release's own 404.html as its body when
 * `page404` (GitHub Pages and Netlify do that), plain text otherwise. With `precompressed` it
 * sends `FILE.br` or `FILE.gz` when the browser accepts them (as nginx's gzip_static does).
 * `extra` maps paths below the prefix to other files (what a host adds: a chain spec, a
 * snapshot); `tamper` names paths whose first byte after `offset` is flipped when served. Every
 * request's path is kept in `server.requests`. Resolves to the listening server. */
export function serveStatic(folder, { prefix = '/', page404 = false, precompressed = false, extra = {}, tamper = {} } = {}) {
  const root = path.resolve(folder);
  const requests = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://localhost');
    requests.push(url.pathname);
    const notFound = () => {
      const page = path.join(root, '404.html');
      if (page404 && fs.existsSync(page)) {
        res.writeHead(404, { 'content-type': TYPES['.html'] }).end(fs.readFileSync(page));
      } else {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      }
    };
    if (url.pathname === prefix.replace(/\/$/, '')) {
      res.writeHead(301, { location: prefix + url.search }).end();
      return;
    }
    if (!url.pathname.startsWith(prefix)) return notFound();
    const rel = decodeURIComponent(url.pathname.slice(prefix.length));
    let file = Object.hasOwn(extra, rel) ? extra[rel] : path.resolve(root, rel);
    if (!Object.hasOwn(extra, rel) && !file.startsWith(root)) return notFound();
    if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, 'index.html');
    if (!fs.existsSync(file)) return notFound();
    const headers = { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' };
    let body = fs.readFileSync(file);
    if (Object.hasOwn(tamper, rel)) {
      body = Buffer.from(body);
      body[tamper[rel]] ^= 0x01;
    } else if (precompressed) {
      const accepts = req.headers['accept-encoding'] ?? '';
      for (const [enc, ext] of [['br', '.br'], ['gzip', '.gz']]) {
        if (accepts.includes(enc) && fs.existsSync(file + ext)) {
          body = fs.readFileSync(file + ext);
          headers['content-encoding'] = enc;
          headers.vary = 'accept-encoding';
          break;
        }
      }
    }
    res.writeHead(200, headers).end(body);
  });
  server.requests = requests;
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

/** What every browser test needs first: dist/ and the CLI present (a missing one fails the
 * run, it is never skipped), the screenshot folder, a temp folder named after `tmpPrefix`, and
 * the server. Resolves to `{ server, base, tmp }`. */
export async function startFixture(tmpPrefix, routes = {}) {
  assert.ok(
    fs.existsSync(path.join(DIST, 'index.html')),
    `${DIST}/index.html is missing: build the app first (trunk build --release)`,
  );
  assert.ok(fs.existsSync(BIN), `${BIN} is missing: cargo build -p taoscope-cli`);
  fs.mkdirSync(OUTPUT, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), tmpPrefix));
  const server = await serveDist(routes);
  return { server, base: `http://127.0.0.1:${server.address().port}`, tmp };
}

/** A free TCP port on 127.0.0.1 (the devnode must come back on the same one after a restart,
 * since the spec names it). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Starts `taoscope devnode` (`bin`, the debug build by default) with `scenario` (a file; the
 * default scenario when null), a block every `intervalMs`, and resolves once it printed its spec
 * line, with the process and the `SubtensorModule.TotalNetworks` value it reported. Its output
 * is drained for as long as it runs: callers must not block the event loop (no `execFileSync`)
 * while it serves, or its stdout pipe fills and it stops answering. */
export function startDevnode(port, specPath, scenario = null, { bin = BIN, intervalMs = 1000, rpc = null, extra = [], waitFor = null } = {}) {
  const args = ['devnode', '--port', String(port), '--spec-out', specPath, '--interval-ms', String(intervalMs)];
  if (scenario) args.push('--scenario', scenario);
  // Further flags (`--runtime 300`, `--light-spec-out …`); `waitFor` is a line (RegExp) the
  // node must also have printed before it counts as started.
  args.push(...extra);
  // JSON-RPC as finney's endpoints serve it: `rpc` is { checkpointOut, justificationPeriod,
  // forge }; the resolved value then carries `rpcUrl`.
  if (rpc) {
    args.push('--rpc-port', '0', '--checkpoint-out', rpc.checkpointOut);
    args.push('--justification-period', String(rpc.justificationPeriod ?? 1));
    if (rpc.forge) args.push('--rpc-forge', rpc.forge);
  }
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => (err = (err + d).slice(-8192)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`devnode silent after ${GUARD_MS} ms:\n${out}\n${err}`)), GUARD_MS);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`devnode exited with ${code}:\n${out}\n${err}`));
    });
    let started = false;
    child.stdout.on('data', (d) => {
      // Once started, the block lines are read and dropped.
      if (started) return;
      out += d;
      const total = /SubtensorModule\.TotalNetworks = (\d+)/.exec(out);
      const rpcUrl = /^rpc: (\S+)/m.exec(out);
      if (/^spec: /m.test(out) && total && (!rpc || rpcUrl) && (!waitFor || waitFor.test(out))) {
        started = true;
        clearTimeout(timer);
        child.removeAllListeners('exit');
        resolve({ child, totalNetworks: Number(total[1]), rpcUrl: rpcUrl?.[1] ?? null });
      }
    });
  });
}

export function stopDevnode(child) {
  return new Promise((resolve) => {
    // A child killed by a signal has a null exitCode and a signalCode: both mean it is gone.
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

/** For the benchmarks: the release command line that runs their devnodes ($TAOSCOPE_BIN, else
 * release/taoscope under $CARGO_TARGET_DIR or target/), once it and the built app are known to
 * exist; otherwise exits naming the build step that is missing. */
export function benchBin() {
  if (!fs.existsSync(path.join(DIST, 'index.html'))) {
    console.error(`${DIST}/index.html is missing: build the app first (trunk build --release)`);
    process.exit(1);
  }
  const bin =
    process.env.TAOSCOPE_BIN ??
    path.join(process.env.CARGO_TARGET_DIR ?? path.join(ROOT, 'target'), 'release', 'taoscope');
  if (!fs.existsSync(bin)) {
    console.error(`${bin} is missing: cargo build --release -p taoscope-cli`);
    process.exit(1);
  }
  return bin;
}

/** The chain page's panel as a test reads it: phase, best and finalized heights, the subnet
 * count, peers, the error shown, the figures' source badges and the first badge's tooltip, and
 * the data-source line. */
export async function chainPanel(page) {
  return page.evaluate(() => {
    const num = (field) => {
      const el = document.querySelector(`tr[data-field="${field}"] [data-number]`);
      return el ? Number(el.dataset.number) : null;
    };
    const total = document.querySelector('tr[data-field="total-networks"] [data-value]');
    const peers = document.querySelector('tr[data-field="peers"] td');
    const error = document.querySelector('[data-error="light"]');
    const badges = [...document.querySelectorAll('.sync-table .source-badge')];
    return {
      phase: document.querySelector('.sync-panel')?.dataset.phase ?? null,
      best: num('best'),
      finalized: num('finalized'),
      saved: num('saved'),
      total: total ? Number(total.dataset.value) : null,
      peers: peers ? Number(peers.textContent) : null,
      error: error ? error.textContent : null,
      badges: badges.map((b) => b.dataset.source),
      detail: badges[0]?.title ?? '',
      source: document.querySelector('[data-source-state]')?.textContent ?? '',
    };
  });
}

/** Polls `read(page)` until `ok(state)`; fails with the last state after `guard` ms. A reload
 * (settings apply on one) destroys the context a read runs in: that read is simply retried. */
export async function waitFor(page, what, read, ok, guard = GUARD_MS) {
  const end = Date.now() + guard;
  let state;
  while (Date.now() < end) {
    state = await read(page).catch((e) => ({ reading: e.message }));
    if (!state.reading && ok(state)) return state;
    await page.waitForTimeout(250);
  }
  assert.fail(`${what}: not reached in ${guard} ms; last state ${JSON.stringify(state)}`);
}
