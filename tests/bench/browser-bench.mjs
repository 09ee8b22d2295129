// Browser benchmark (not a test): in headless Chromium with WebGPU (SwiftShader on machines
// without a GPU), the wasm epoch time of the bundled 256-uid case on the fixed and f32 paths (as
// bundled and under Yuma3 with liquid alpha), and a sweep of 1,000 kappa points on that subnet on
// the GPU vs the CPU f32 loop, all measured in one page in one run so the ratios compare like
// with like. Prints a table.
//
// Run: node tests/bench/browser-bench.mjs [points]   (after `trunk build --release`)
// It calls `window.taoscopeBench(points)` (web/src/bench.rs). Env: as tests/e2e.

import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { BASE_ARGS, CHROMIUM, DIST, serveDist } from '../e2e/serve.mjs';

const points = Number(process.argv[2] ?? 1000);
if (!fs.existsSync(path.join(DIST, 'index.html'))) {
  console.error(`${DIST}/index.html is missing: build the app first (trunk build --release)`);
  process.exit(1);
}

const server = await serveDist();
const browser = await chromium.launch({ executablePath: CHROMIUM, args: [...BASE_ARGS, '--enable-unsafe-webgpu'] });
let failed = false;
try {
  const context = await browser.newContext();
  // Measure the GPU path even on a software adapter, which the page's automatic choice sets
  // aside for the CPU: the switch "use the GPU anyway", set before the app starts.
  await context.addInitScript(() => localStorage.setItem('taoscope.gpu-anyway', '1'));
  const page = await context.newPage();
  page.on('pageerror', (e) => {
    console.error(`page error: ${e}`);
    failed = true;
  });
  // The overview page: the app (and the engine selection) without the lab's own work.
  await page.goto(`http://127.0.0.1:${server.address().port}/`);
  await page.waitForFunction(() => typeof window.taoscopeBench === 'function');
  await page.waitForSelector('.site-footer .batch-badge:not([data-engine="detecting"])');
  const r = JSON.parse(await page.evaluate((n) => window.taoscopeBench(n), points));
  const ms = (v) => `${v.toFixed(3)} ms`;
  const rows = [
    ['engine', r.engine === 'gpu' ? `GPU: ${r.adapter}` : `CPU f32 (no adapter: ${r.adapter})`],
    [`epoch, ${r.uids} uids, fixed (wasm)`, `${ms(r.fixed_ms)}  (mean of ${r.fixed_runs})`],
    [`epoch, ${r.uids} uids, f32 (wasm)`, `${ms(r.f32_ms)}  (mean of ${r.f32_runs})`],
    ['fixed / f32', `${(r.fixed_ms / r.f32_ms).toFixed(2)}×`],
    [`epoch, Yuma3 + liquid alpha, fixed (wasm)`, `${ms(r.fixed_la_ms)}  (mean of ${r.fixed_la_runs})`],
    [`epoch, Yuma3 + liquid alpha, f32 (wasm)`, `${ms(r.f32_la_ms)}  (mean of ${r.f32_la_runs})`],
    ['fixed / f32, liquid alpha', `${(r.fixed_la_ms / r.f32_la_ms).toFixed(2)}×`],
    [`sweep ${r.points} kappa, ${r.engine} (median of 3)`, `${ms(r.sweep_engine_ms)}  [${r.sweep_engine_runs_ms.map((v) => v.toFixed(1)).join(', ')}]`],
    [`sweep ${r.points} kappa, CPU f32 loop`, ms(r.sweep_cpu_f32_ms)],
    [`CPU f32 loop / ${r.engine}`, `${(r.sweep_cpu_f32_ms / r.sweep_engine_ms).toFixed(2)}×  (above 1: the ${r.engine} engine is faster)`],
    ['per sweep point', `${r.engine}: ${ms(r.sweep_engine_ms / r.points)}, CPU f32: ${ms(r.sweep_cpu_f32_ms / r.points)}`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  console.log('taoscope browser benchmark (headless Chromium, one page, one run)');
  for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);
} finally {
  await browser.close();
  server.close();
}
process.exit(failed ? 1 : 0);
