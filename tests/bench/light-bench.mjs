// Light-client benchmark (not a test): how long the /chain page takes, from navigation start, to
// show the first finalized header and the first verified TotalNetworks value, syncing from a
// local release devnode, over N page loads (a fresh browser context each, so nothing is cached:
// neither the wasm nor smoldot's state). Prints median and max against the 3 s target, and the
// light client's share of the wasm/js download (gzip -9, as a server would send it).
//
// Two starts, loads alternating between them (issue #12, goal 3): from the spec's genesis
// (`?spec=` naming the full spec: the whole raw genesis state fetched and hashed), and the
// page's default, which starts from a checkpoint (the devnode's `--checkpoint-out`) with a spec
// holding only the genesis state root (`--light-spec-out`) when both are served, as the demo
// serves them; the ratio of their medians is printed. The default start's context then makes a
// second visit (after the first has saved its finalized block in the browser, and with the
// files revalidated from its HTTP cache as `cargo xtask demo` serves them): a returning
// visitor, who resumes from the saved block.
//
// Run: node tests/bench/light-bench.mjs [loads]   (after `trunk build --release` and
// `cargo build --release -p taoscope-cli`; `cargo xtask bench light` does all three)
// Env: TAOSCOPE_BIN (default $CARGO_TARGET_DIR or target/, then release/taoscope: a debug node
// seeds 20x slower), others as tests/e2e.
//
// The devnode writes its spec into a temp folder, served at /chainspecs/devnet.json by the shared
// serveDist's route map: dist/ itself is left alone, so this can run beside `cargo xtask demo`.
// The times are read in the page (performance.now(), whose origin is the navigation start) by a
// MutationObserver installed before any script runs, so Playwright's polling adds nothing to
// them. The breakdown adds when the wasm and the spec finished downloading and the worker
// started (resource timing, page and worker clocks aligned).

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import zlib from 'node:zlib';
import { chromium } from 'playwright-core';
import { BASE_ARGS, CHROMIUM, DIST, ROOT, benchBin, serveDist } from '../e2e/serve.mjs';

const loads = Number(process.argv[2] ?? 5);
const TARGET_MS = 3000;
// Longest wait for one page load's figures; a load past it counts as a failure.
const LOAD_TIMEOUT_MS = 120_000;

const NODE_BIN = benchBin();

/** Starts the devnode (tiny scenario, a block every 500 ms, any free port) and resolves once it
 * has written its spec, with the child and its boot node. */
function startNode(specPath) {
  const child = spawn(
    NODE_BIN,
    [
      'devnode',
      '--port', '0',
      '--scenario', path.join(ROOT, 'tests', 'scenarios', 'tiny.json'),
      '--interval-ms', '500',
      '--spec-out', specPath,
      '--light-spec-out', specPath.replace(/\.json$/, '.light.json'),
      '--checkpoint-out', specPath.replace(/\.json$/, '.checkpoint.json'),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    let bootNode = '';
    const lines = readline.createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      if (line.startsWith('boot node: ')) bootNode = line.slice('boot node: '.length);
      // The full spec's line comes last (after the light spec and the checkpoint).
      if (line.startsWith('spec: ')) resolve({ child, bootNode });
    });
    child.on('exit', (code, signal) =>
      reject(new Error(`devnode exited (${code ?? signal}) before its spec line:\n${stderr}`)),
    );
    child.on('error', reject);
  });
}

/** Installed before the page's scripts: records when each figure first appears. */
function recordFirstAppearance() {
  const marks = {};
  window.__lightBench = marks;
  const probes = {
    best: 'tr[data-field="best"] [data-number]',
    finalized: 'tr[data-field="finalized"] [data-number]',
    totalNetworks: 'tr[data-field="total-networks"] [data-value]',
    saved: 'tr[data-field="saved"] [data-number]',
    error: '[data-error="light"]',
  };
  const check = () => {
    // Phases (connecting, syncing, synced...) and the first peer, for the breakdown.
    const phase = document.querySelector('.sync-panel[data-phase]')?.getAttribute('data-phase');
    if (phase && marks[`phase:${phase}`] === undefined) marks[`phase:${phase}`] = performance.now();
    const peers = document.querySelector('tr[data-field="peers"] td.num')?.textContent;
    if (marks.peer === undefined && peers && Number(peers) > 0) marks.peer = performance.now();
    for (const [name, sel] of Object.entries(probes)) {
      if (marks[name] === undefined && document.querySelector(sel)) {
        marks[name] = performance.now();
        if (name === 'error') marks.errorText = document.querySelector(sel).textContent;
      }
    }
  };
  new MutationObserver(check).observe(document, {
    childList: true,
    subtree: true,
    attributes: true,
  });
}

/** One page load in a fresh context: the times in ms since navigation start. */
async function oneLoad(browser, url) {
  const context = await browser.newContext();
  try {
    return await visit(context, url);
  } finally {
    await context.close();
  }
}

/** A first visit and a second one in the same context (its HTTP cache, compiled wasm and the
 * light client's saved block kept, as a returning visitor has them): both visits' times. The
 * first waits until the page has saved its finalized block. */
async function twoVisits(browser, url) {
  const context = await browser.newContext();
  try {
    const first = await visit(context, url, { untilSaved: true });
    return [first, await visit(context, url)];
  } finally {
    await context.close();
  }
}

/** One page load in `context`, closed after: the times in ms since navigation start. */
async function visit(context, url, { untilSaved = false } = {}) {
  const page = await context.newPage();
  try {
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.addInitScript(recordFirstAppearance);
    await page.goto(url);
    await page.waitForFunction(
      (untilSaved) => {
        const m = window.__lightBench;
        return m && (m.error !== undefined ||
          (m.finalized !== undefined && m.totalNetworks !== undefined && (!untilSaved || m.saved !== undefined)));
      },
      untilSaved,
      { timeout: LOAD_TIMEOUT_MS, polling: 50 },
    );
    const marks = await page.evaluate(() => window.__lightBench);
    if (marks.error !== undefined) throw new Error(`the page shows an error: ${marks.errorText}`);
    if (errors.length > 0) throw new Error(`page errors: ${errors.join('; ')}`);
    // When the big downloads finished and the worker started, on the page's clock (a worker's
    // performance.now() counts from its own start).
    const origin = await page.evaluate(() => performance.timeOrigin);
    const timeline = () => ({
      origin: performance.timeOrigin,
      entries: performance.getEntriesByType('resource').map((e) => [e.name, e.responseEnd]),
      marks: performance.getEntriesByType('mark').map((e) => [e.name, e.startTime]),
    });
    for (const t of [await page.evaluate(timeline), ...(await Promise.all(page.workers().map((w) => w.evaluate(timeline))))]) {
      if (t.origin !== origin) marks['worker started'] = t.origin - origin;
      // The worker's own steps (`mark` in web/src/light/worker.rs).
      for (const [name, at] of t.marks) if (name.startsWith('worker: ')) marks[name] = t.origin - origin + at;
      for (const [name, end] of t.entries) {
        const file = new URL(name).pathname.split('/').pop();
        if (/\.(wasm|json)$/.test(file)) marks[`fetched ${file}`] = t.origin - origin + end;
      }
    }
    const totalNetworks = await page.$eval('tr[data-field="total-networks"] [data-value]', (e) =>
      e.getAttribute('data-value'),
    );
    return { ...marks, value: totalNetworks };
  } finally {
    await page.close();
  }
}

/** gzip -9 size of each file in dist/ whose name matches. */
function gzipSizes(match) {
  return fs
    .readdirSync(DIST)
    .filter((f) => match.test(f))
    .map((f) => {
      const raw = fs.readFileSync(path.join(DIST, f));
      return { file: f, raw: raw.length, gz: zlib.gzipSync(raw, { level: 9 }).length };
    });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const kb = (n) => `${(n / 1024).toFixed(0)} KiB`;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'taoscope-light-bench-'));
const specPath = path.join(tmp, 'devnet.json');
const { child, bootNode } = await startNode(specPath).catch(
  (e) => {
    fs.rmSync(tmp, { recursive: true, force: true });
    console.error(e.message);
    process.exit(1);
  },
);
// Sizes of what each start fetches besides the wasm (the temp folder is gone by the report).
const specSizes = (() => {
  const size = (f) => fs.statSync(f).size;
  const full = fs.readFileSync(specPath);
  return `genesis start ${kb(full.length)} (gzip ${kb(zlib.gzipSync(full, { level: 9 }).length)}), ` +
    `checkpoint start ${size(specPath.replace(/\.json$/, '.light.json'))} B + checkpoint ` +
    `${size(specPath.replace(/\.json$/, '.checkpoint.json'))} B`;
})();
// Served as the demo serves them (revalidated: a second visit's files come from its cache).
const server = await serveDist({
  '/chainspecs/devnet.json': specPath,
  '/chainspecs/devnet.light.json': specPath.replace(/\.json$/, '.light.json'),
  '/chainspecs/devnet.checkpoint.json': specPath.replace(/\.json$/, '.checkpoint.json'),
}, { revalidate: true });
const browser = await chromium.launch({ executablePath: CHROMIUM, args: BASE_ARGS });
const base = `http://127.0.0.1:${server.address().port}`;
// The default start is the quick one when the light spec and checkpoint are served (as the
// demo does); naming the full spec starts from genesis.
const starts = {
  genesis: `${base}/?spec=chainspecs/devnet.json#/chain`,
  checkpoint: `${base}/#/chain`,
};
const runs = [];
const checkpointRuns = [];
const secondRuns = [];
let failed = false;
const report = (i, start, r) =>
  console.error(
    `load ${i + 1}/${loads} from ${start}: best ${r.best.toFixed(0)} ms, finalized ${r.finalized.toFixed(0)} ms, ` +
      `TotalNetworks=${r.value} ${r.totalNetworks.toFixed(0)} ms`,
  );
try {
  for (let i = 0; i < loads; i++) {
    for (const [start, url] of Object.entries(starts)) {
      try {
        if (start === 'genesis') {
          const r = await oneLoad(browser, url);
          runs.push(r);
          report(i, start, r);
        } else {
          const [first, second] = await twoVisits(browser, url);
          checkpointRuns.push(first);
          secondRuns.push(second);
          report(i, start, first);
          report(i, 'the saved block (second visit)', second);
        }
      } catch (e) {
        console.error(`load ${i + 1}/${loads} from ${start} failed: ${e.message}`);
        failed = true;
      }
    }
  }
} finally {
  await browser.close();
  server.close();
  child.kill('SIGTERM');
  fs.rmSync(tmp, { recursive: true, force: true });
}

const light = gzipSizes(/^light_worker/);
const app = gzipSizes(/^taoscope-web-.*\.(js|wasm)$/);
const sum = (xs, k) => xs.reduce((a, x) => a + x[k], 0);
const rows = [['devnode', `${NODE_BIN} (release), tiny scenario, 500 ms blocks, ${bootNode}`]];
for (const [label, key] of [
  ['navigation → first finalized header', 'finalized'],
  ['navigation → first verified TotalNetworks', 'totalNetworks'],
  ['navigation → first best header', 'best'],
]) {
  if (runs.length === 0) break;
  const xs = runs.map((r) => r[key]);
  const med = median(xs);
  const max = Math.max(...xs);
  rows.push([
    `${label} (${runs.length} loads)`,
    `median ${med.toFixed(0)} ms, max ${max.toFixed(0)} ms; ` +
      `median/3 s target ${(med / TARGET_MS).toFixed(2)}×, max/target ${(max / TARGET_MS).toFixed(2)}×`,
  ]);
  if (checkpointRuns.length > 0) {
    const cmed = median(checkpointRuns.map((r) => r[key]));
    rows.push([
      `  default start: checkpoint + light spec (${checkpointRuns.length} loads)`,
      `median ${cmed.toFixed(0)} ms; checkpoint/genesis ${(cmed / med).toFixed(2)}×; median/1 s goal ${(cmed / 1000).toFixed(2)}×`,
    ]);
    if (secondRuns.length > 0) {
      const smed = median(secondRuns.map((r) => r[key]));
      rows.push([
        `  second visit: the block the first saved (${secondRuns.length} loads)`,
        `median ${smed.toFixed(0)} ms; second/first visit ${(smed / cmed).toFixed(2)}×; median/0.5 s goal ${(smed / 500).toFixed(2)}×`,
      ]);
    }
  }
}
rows.push(['chain spec fetched', specSizes]);
for (const [label, xs] of [['genesis start', runs], ['default start', checkpointRuns], ['second visit', secondRuns]]) {
  if (xs.length === 0) continue;
  const keys = [...new Set(xs.flatMap((r) => Object.keys(r)))].filter(
    (k) => k.startsWith('phase:') || k === 'peer' || k.startsWith('fetched ') || k.startsWith('worker'),
  );
  const at = keys
    .map((k) => [k, xs.map((r) => r[k]).filter((v) => v !== undefined)])
    .filter(([, vs]) => vs.length > 0)
    .map(([k, vs]) => [k, median(vs)])
    .sort((a, b) => a[1] - b[1]);
  rows.push([`breakdown, ${label} (medians)`, at.map(([k, v]) => `${k} ${v.toFixed(0)} ms`).join(', ')]);
}
const lightGz = sum(light, 'gz');
const appGz = sum(app, 'gz');
rows.push([
  'light client download (gzip -9)',
  `${kb(lightGz)} [${light.map((f) => `${f.file} ${kb(f.raw)} → ${kb(f.gz)}`).join(', ')}]`,
]);
rows.push([
  'app download (gzip -9)',
  `${kb(appGz)} [${app.map((f) => `${f.file} ${kb(f.raw)} → ${kb(f.gz)}`).join(', ')}]`,
]);
rows.push([
  'light client / app',
  `${(lightGz / appGz).toFixed(2)}× (light client ${((100 * lightGz) / (lightGz + appGz)).toFixed(0)}% of the wasm+js)`,
]);
const width = Math.max(...rows.map(([k]) => k.length));
console.log(`taoscope light-client benchmark (headless Chromium, ${loads} fresh page loads, one run)`);
for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);
process.exit(failed || runs.length === 0 ? 1 : 0);
