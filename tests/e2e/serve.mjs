// Shared by lab.test.mjs, gpu.test.mjs and tests/bench/browser-bench.mjs: a static server for dist/ and the
// Chromium flags. Not a test file (node --test only picks up *.test.mjs here).

import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DIST = path.resolve(process.env.TAOSCOPE_DIST ?? path.join(ROOT, 'dist'));
export const CASES = path.join(ROOT, 'public', 'cases');
export const OUTPUT = path.join(ROOT, 'tests', 'output');
export const BIN = process.env.TAOSCOPE_BIN ?? path.join(ROOT, 'target', 'debug', 'taoscope');
export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

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
 * the listening server. */
export function serveDist(routes = {}) {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://localhost');
    const rel = decodeURIComponent(url.pathname);
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
    res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' });
    fs.createReadStream(file).pipe(res);
  });
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
