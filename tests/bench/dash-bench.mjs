// Dashboard benchmark (not a test): a full 256-uid subnet (tests/scenarios/bench.json) on a local
// release devnode, opened in fresh page loads (a fresh browser context each: nothing cached).
// Measures, from navigation start, when the subnets table is complete, when the subnet page shows
// its whole 256-row metagraph and when its replay verdict appears — through the page's light
// client, and again from a snapshot of the same chain (no network: what is left is download,
// decoding and rendering). Then re-sorting the 256-row table, from click to the new order on
// screen. Prints medians and maxima as ratios: against the 3 s page target and the 100 ms
// interaction target, and light client over snapshot, all measured in this one run.
//
// Run: node tests/bench/dash-bench.mjs [loads]   (after `trunk build --release` and
// `cargo build --release -p taoscope-cli`; `cargo xtask bench dash` does all three)
// Env: TAOSCOPE_BIN (default $CARGO_TARGET_DIR or target/, then release/taoscope).
//
// Times are read in the page (performance.now(), whose origin is the navigation start) by a
// MutationObserver installed before any script runs, so Playwright's polling adds nothing.

import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';
import { BASE_ARGS, CHROMIUM, ROOT, benchBin, freePort, serveDist, startDevnode, stopDevnode } from '../e2e/serve.mjs';

const loads = Number(process.argv[2] ?? 5);
const PAGE_TARGET_MS = 3000;
const SORT_TARGET_MS = 100;
const LOAD_TIMEOUT_MS = 180_000;
const SCENARIO = path.join(ROOT, 'tests', 'scenarios', 'bench.json');
const NETUID = 2;
const UIDS = JSON.parse(fs.readFileSync(SCENARIO, 'utf8')).subnets[0].neurons;
const run = promisify(execFile);

const NODE_BIN = benchBin();

/** Installed before the page's scripts: when each probe first holds. */
function recordMarks(uids) {
  const marks = {};
  window.__dashBench = marks;
  const probes = {
    subnets: () => document.querySelectorAll('tr[data-netuid]').length > 1 && !document.querySelector('.reading'),
    firstRow: () => document.querySelector('[data-panel="metagraph"] tr[data-uid]') !== null,
    metagraph: () => document.querySelectorAll('[data-panel="metagraph"] tr[data-uid]').length === uids,
    verdict: () => document.querySelector('[data-panel="replay"] .verdict[data-verdict]') !== null,
    error: () => document.querySelector('[role="alert"]') !== null,
  };
  new MutationObserver(() => {
    for (const [name, holds] of Object.entries(probes)) {
      if (marks[name] === undefined && holds()) marks[name] = performance.now();
    }
  }).observe(document, { childList: true, subtree: true, attributes: true });
}

/** One fresh page load of `url`, waiting for every mark in `want`. */
async function oneLoad(browser, url, want) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  try {
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.addInitScript(recordMarks, UIDS);
    await page.goto(url);
    await page.waitForFunction(
      (names) => {
        const m = window.__dashBench;
        return m && (m.error !== undefined || names.every((n) => m[n] !== undefined));
      },
      want,
      { timeout: LOAD_TIMEOUT_MS, polling: 50 },
    );
    const marks = await page.evaluate(() => window.__dashBench);
    if (marks.error !== undefined) {
      const text = await page.$eval('[role="alert"]', (e) => e.textContent);
      throw new Error(`the page shows an error: ${text}`);
    }
    if (errors.length > 0) throw new Error(`page errors: ${errors.join('; ')}`);
    let sort;
    if (want.includes('metagraph')) {
      // Click to sort by stake; time until the rows' order changed, after the next paint. The
      // first click may keep the order (uids already in stake order): then the second, which
      // reverses it, is the one timed. A click that changes nothing is reported, not waited on.
      sort = await page.evaluate(async () => {
        const panel = document.querySelector('[data-panel="metagraph"]');
        const order = () => [...panel.querySelectorAll('tr[data-uid]')].map((r) => r.dataset.uid).join(',');
        const timed = () =>
          new Promise((resolve) => {
            const before = order();
            const t0 = performance.now();
            const timer = setTimeout(() => {
              obs.disconnect();
              resolve(null);
            }, 5000);
            const obs = new MutationObserver(() => {
              if (order() !== before) {
                obs.disconnect();
                clearTimeout(timer);
                requestAnimationFrame(() => resolve(performance.now() - t0));
              }
            });
            obs.observe(panel, { childList: true, subtree: true });
            panel.querySelector('th[data-col="stake"] button').click();
          });
        return (await timed()) ?? (await timed());
      });
      if (sort === null) throw new Error('sorting by stake never changed the row order');
    }
    return { ...marks, sort };
  } finally {
    await context.close();
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'taoscope-dash-bench-'));
const specPath = path.join(tmp, 'devnet.json');
const snapshotPath = path.join(tmp, 'snapshot.json');
let node;
try {
  node = await startDevnode(await freePort(), specPath, SCENARIO, { bin: NODE_BIN, intervalMs: 1000 });
} catch (e) {
  fs.rmSync(tmp, { recursive: true, force: true });
  console.error(e.message);
  process.exit(1);
}
const server = await serveDist({ '/chainspecs/devnet.json': specPath, '/snapshots/bench.json': snapshotPath });
const browser = await chromium.launch({ executablePath: CHROMIUM, args: BASE_ARGS });
const base = `http://127.0.0.1:${server.address().port}`;
const results = { light: { subnets: [], subnet: [] }, snapshot: { subnets: [], subnet: [] } };
let failed = false;

async function series(label, urls) {
  for (let i = 0; i < loads; i++) {
    for (const [kind, url, want] of urls) {
      try {
        const r = await oneLoad(browser, url, want);
        results[label][kind].push(r);
        console.error(
          `${label} ${kind} ${i + 1}/${loads}: ` +
            want.map((w) => `${w} ${r[w].toFixed(0)} ms`).join(', ') +
            (r.sort !== undefined ? `, sort ${r.sort.toFixed(1)} ms` : ''),
        );
      } catch (e) {
        console.error(`${label} ${kind} ${i + 1}/${loads} failed: ${e.message}`);
        failed = true;
      }
    }
  }
}

try {
  await series('light', [
    ['subnets', `${base}/#/subnets`, ['subnets']],
    ['subnet', `${base}/#/subnet/${NETUID}`, ['firstRow', 'metagraph', 'verdict']],
  ]);
  const { stderr } = await run(NODE_BIN, ['snapshot', '--chain', specPath, '--out', snapshotPath, '--timeout', '300']);
  if (stderr.trim()) console.error(stderr.trim());
  await series('snapshot', [
    ['subnets', `${base}/?snapshot=snapshots/bench.json#/subnets`, ['subnets']],
    ['subnet', `${base}/?snapshot=snapshots/bench.json#/subnet/${NETUID}`, ['firstRow', 'metagraph', 'verdict']],
  ]);
} catch (e) {
  console.error(e.message);
  failed = true;
} finally {
  await browser.close();
  server.close();
  await stopDevnode(node.child);
}
const snapshotBytes = fs.existsSync(snapshotPath) ? fs.statSync(snapshotPath).size : 0;
fs.rmSync(tmp, { recursive: true, force: true });

const rows = [['devnode', `${NODE_BIN} (release), tests/scenarios/bench.json (netuid ${NETUID}: ${UIDS} uids), 1 s blocks`]];
const stat = (runs, key) => {
  const xs = runs.map((r) => r[key]).filter((v) => v !== undefined);
  return xs.length ? { med: median(xs), max: Math.max(...xs), n: xs.length } : null;
};
for (const [label, kind, key, what] of [
  ['light', 'subnets', 'subnets', 'navigation → subnets table complete'],
  ['light', 'subnet', 'firstRow', `navigation → first metagraph row`],
  ['light', 'subnet', 'metagraph', `navigation → all ${UIDS} metagraph rows`],
  // Includes waiting for the subnet's next epoch (up to tempo 20 × 1 s): the light client reads
  // only blocks it has followed, and the last epoch ran before the page opened.
  ['light', 'subnet', 'verdict', 'navigation → replay verdict (waits for the next epoch)'],
  ['snapshot', 'subnets', 'subnets', 'navigation → subnets table complete'],
  ['snapshot', 'subnet', 'metagraph', `navigation → all ${UIDS} metagraph rows`],
  ['snapshot', 'subnet', 'verdict', 'navigation → replay verdict'],
]) {
  const s = stat(results[label][kind], key);
  if (!s) continue;
  rows.push([
    `${label}: ${what} (${s.n} loads)`,
    `median ${s.med.toFixed(0)} ms, max ${s.max.toFixed(0)} ms; median/3 s target ${(s.med / PAGE_TARGET_MS).toFixed(2)}×, ` +
      `max/target ${(s.max / PAGE_TARGET_MS).toFixed(2)}×`,
  ]);
}
for (const key of ['metagraph', 'verdict']) {
  const l = stat(results.light.subnet, key);
  const s = stat(results.snapshot.subnet, key);
  if (l && s) rows.push([`light client / snapshot (${key}, medians)`, `${(l.med / s.med).toFixed(2)}×`]);
}
const sorts = [...results.light.subnet, ...results.snapshot.subnet].map((r) => r.sort).filter((v) => v !== undefined);
if (sorts.length) {
  const med = median(sorts);
  rows.push([
    `sort ${UIDS} rows by stake, click → painted (${sorts.length} runs)`,
    `median ${med.toFixed(1)} ms, max ${Math.max(...sorts).toFixed(1)} ms; median/100 ms target ${(med / SORT_TARGET_MS).toFixed(2)}×`,
  ]);
}
rows.push(['snapshot file', `${(snapshotBytes / 1024).toFixed(0)} KiB`]);
const width = Math.max(...rows.map(([k]) => k.length));
console.log(`taoscope dashboard benchmark (headless Chromium, ${loads} fresh page loads per figure, one run)`);
for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);
process.exit(failed ? 1 : 0);
