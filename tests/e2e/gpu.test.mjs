// Browser test of the lab's batch engine: the kappa sweep on WebGPU (SwiftShader in headless
// Chromium with --enable-unsafe-webgpu) and, without that flag, on the CPU f32 fallback that the
// page must name on screen. Sweep values are compared with `taoscope yuma --engine f32` on a
// copy of the case at the same kappa, within 1e-5 (yuma-gpu's documented bound); the ranking
// table, with the new sliders moved, is compared exactly with the CLI's fixed engine.
//
// Run: node --test tests/e2e/   (after `trunk build --release` and `cargo build -p taoscope-cli`)
// Env: as lab.test.mjs. Needs dist/ and the CLI: a missing one fails the run, never skips it.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { BASE_ARGS, BIN, CASES, CHROMIUM, OUTPUT, startFixture } from './serve.mjs';

const TOLERANCE = 1e-5;

/** Runs the CLI on a case file with `engine` and returns its JSON. */
function cli(caseFile, engine) {
  const out = execFileSync(BIN, ['yuma', '--input', caseFile, '--engine', engine], { encoding: 'utf8' });
  return JSON.parse(out);
}

/** Writes a copy of a case with `fields` overridden and returns its path. */
function caseWith(file, fields, dir) {
  const json = JSON.parse(fs.readFileSync(path.join(CASES, file), 'utf8'));
  Object.assign(json.input ?? json, fields);
  const name = Object.entries(fields).map(([k, v]) => `${k}-${v}`).join('_');
  const out = path.join(dir, `${name}-${file}`);
  fs.writeFileSync(out, JSON.stringify(json));
  return out;
}

/** The sweep as the page exposes it. */
async function readSweep(page) {
  return page.$eval('#sweep', (el) => ({
    engine: el.dataset.engine,
    case: el.dataset.case,
    uid: Number(el.dataset.uid),
    output: el.dataset.output,
    ms: Number(el.dataset.ms),
    kappas: (el.dataset.kappas ?? '').split(',').filter(Boolean).map(Number),
    values: (el.dataset.values ?? '').split(',').filter(Boolean).map(Number),
  }));
}

/** Waits for a finished sweep of `caseId` with `points` points on `engine`. */
async function waitForSweep(page, caseId, engine, points) {
  await page.waitForSelector(
    `#sweep[data-case="${caseId}"][data-engine="${engine}"][data-points="${points}"][data-busy="false"]`,
    { state: 'attached', timeout: 120_000 },
  );
  return readSweep(page);
}

/** Compares sweep points with the CLI's f32 engine at the same kappa, within TOLERANCE. */
function assertSweepMatchesCli(sweep, file, key, indices, dir, extra = {}) {
  assert.equal(sweep.values.length, sweep.kappas.length, 'one value per kappa');
  for (const i of indices) {
    const kappa = sweep.kappas[i];
    const expected = cli(caseWith(file, { ...extra, kappa }, dir), 'f32')[key][sweep.uid];
    const got = sweep.values[i];
    assert.ok(
      Math.abs(got - expected) <= TOLERANCE,
      `${file} ${key} of uid ${sweep.uid} at kappa ${kappa}: page ${got}, CLI f32 ${expected}`,
    );
  }
}

/** Sets a range input the way a drag does. */
async function setRange(page, selector, value) {
  await page.$eval(
    selector,
    (el, v) => {
      el.value = String(v);
      el.dispatchEvent(new Event('input', { bubbles: true }));
    },
    value,
  );
}

function launch(webgpu) {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: webgpu ? [...BASE_ARGS, '--enable-unsafe-webgpu'] : BASE_ARGS,
  });
}

let server;
let base;
let tmp;
const pageErrors = [];

before(async () => {
  ({ server, base, tmp } = await startFixture('taoscope-gpu-'));
});

after(async () => {
  await new Promise((resolve) => (server ? server.close(resolve) : resolve()));
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  assert.deepEqual(pageErrors, [], 'no uncaught errors in any page');
});

/** A page in a fresh context; `gpuAnyway` sets the "use the GPU anyway" switch beforehand (the
 * only adapter here, SwiftShader, is a software one, which the page otherwise sets aside). */
async function newPage(browser, { gpuAnyway = false } = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US' });
  if (gpuAnyway) await context.addInitScript(() => localStorage.setItem('taoscope.gpu-anyway', '1'));
  const page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  return page;
}

describe('with WebGPU (--enable-unsafe-webgpu)', () => {
  let browser;
  before(async () => {
    browser = await launch(true);
  });
  after(async () => {
    await browser?.close();
  });

  test('the badge names the adapter; the sweep equals the CLI f32 engine within 1e-5', async (t) => {
    const page = await newPage(browser);
    await page.goto(`${base}/#/lab?case=subnet-256`);
    // SwiftShader is a software (fallback) adapter: the automatic choice is the CPU, named, with
    // a switch to use the GPU anyway, which the page remembers across a reload.
    const auto = await page.waitForSelector('.site-footer .batch-badge[data-engine="f32"]');
    assert.match(await auto.textContent(), /faster here than the software adapter SwiftShader \(fallback adapter\)/);
    await page.check('.site-footer input[data-gpu-anyway]');
    await page.waitForSelector('.site-footer .batch-badge[data-engine="gpu"]');
    await page.reload();
    const badge = await page.waitForSelector('.site-footer .batch-badge[data-engine="gpu"]');
    assert.equal(await page.isChecked('.site-footer input[data-gpu-anyway]'), true);
    const label = (await badge.textContent()).trim();
    assert.match(label, /^GPU · WebGPU · \S.+/, 'the badge names the backend and an adapter');
    assert.doesNotMatch(label, /unnamed adapter/);
    assert.match(
      await page.textContent('.site-footer .engine-badge'),
      /CPU · fixed point \(bit-exact\)/,
      'the exact engine is still named first',
    );
    assert.match(await page.textContent('#table-engine'), /fixed point/);
    t.diagnostic(`adapter: ${label}`);

    // The default sweep: 256 kappa points, the top-ranked uid's incentive.
    let sweep = await waitForSweep(page, 'subnet-256', 'gpu', 256);
    assert.equal(sweep.output, 'incentive');
    assert.equal(sweep.kappas[0], 0);
    assert.equal(sweep.kappas[255], 65535);
    const top = Number(await page.getAttribute('#ranking tbody tr', 'data-uid'));
    assert.equal(sweep.uid, top, 'the sweep starts on the top-ranked uid');
    assert.ok(new Set(sweep.values.map((v) => v.toFixed(6))).size > 3, 'incentive varies with kappa');
    assertSweepMatchesCli(sweep, 'subnet-256.json', 'incentive', [0, 40, 127, 128, 200, 255], tmp);
    t.diagnostic(`subnet-256: 256-point sweep on the GPU in ${sweep.ms.toFixed(1)} ms`);

    // Another output and another uid: the validator with the most dividends in the table.
    const validator = await page.$$eval('#ranking tbody tr[data-permit="true"]', (trs) =>
      trs.map((tr) => [Number(tr.dataset.dividends), tr.dataset.uid]).sort((a, b) => b[0] - a[0])[0][1],
    );
    await page.selectOption('#sweep-output', 'dividends');
    await page.selectOption('#sweep-uid', validator);
    await page.waitForSelector(`#sweep[data-output="dividends"][data-uid="${validator}"]`, { state: 'attached' });
    sweep = await readSweep(page);
    assert.ok(sweep.values.some((v) => v > 0), `uid ${validator} earns dividends`);
    assertSweepMatchesCli(sweep, 'subnet-256.json', 'dividends', [10, 100, 250], tmp);
    // 1,000 points run in the fallback test below: on SwiftShader they take about 35 s.
    await page.context().close();
  });

  test('sliders: the table equals the CLI fixed engine, the sweep the CLI f32 engine', async () => {
    const page = await newPage(browser, { gpuAnyway: true });
    await page.goto(`${base}/#/lab?case=yuma3-liquid-alpha`);
    await waitForSweep(page, 'yuma3-liquid-alpha', 'gpu', 256);
    assert.equal(await page.isChecked('#yuma3'), true, 'the case is Yuma3');
    assert.equal(await page.isChecked('#liquid-alpha'), true, 'with liquid alpha');

    // Bonds moving average, bonds penalty, liquid alpha off, back to Yuma1, kappa.
    await setRange(page, '#bonds-ma', 800000);
    await setRange(page, '#bonds-penalty', 30000);
    await page.click('#liquid-alpha');
    await setRange(page, '#kappa', 20000);
    await page.waitForFunction(() => document.querySelector('#bonds-ma-value')?.textContent.includes('800000'));
    const fields = { bonds_moving_average: 800000, bonds_penalty: 30000, liquid_alpha: false, kappa: 20000 };
    const expected = cli(caseWith('yuma3-liquid-alpha.json', fields, tmp), 'fixed');
    await page.waitForSelector('#results[data-kappa="20000"]', { state: 'attached' });
    const rows = await page.$$eval('#ranking tbody tr', (trs) =>
      trs.map((tr) => ({ uid: Number(tr.dataset.uid), dividends: Number(tr.dataset.dividends), incentive: Number(tr.dataset.incentive) })),
    );
    assert.deepEqual(rows.map((r) => r.uid), expected.ranking, 'ranking as the CLI');
    for (const r of rows) {
      assert.equal(r.dividends, expected.dividends[r.uid], `dividends of uid ${r.uid}`);
      assert.equal(r.incentive, expected.incentive[r.uid], `incentive of uid ${r.uid}`);
    }
    // The sweep reran with the new settings (debounced): compare a few points with the CLI.
    await page.selectOption('#sweep-output', 'dividends');
    await page.selectOption('#sweep-uid', '3');
    await page.waitForSelector('#sweep[data-output="dividends"][data-uid="3"][data-busy="false"]', { state: 'attached' });
    const { kappa: _k, ...sweepFields } = fields;
    assertSweepMatchesCli(await readSweep(page), 'yuma3-liquid-alpha.json', 'dividends', [0, 64, 200], tmp, sweepFields);

    // Yuma1: the table follows.
    await page.click('label.segment:has(#yuma1)');
    const yuma1 = cli(caseWith('yuma3-liquid-alpha.json', { ...fields, yuma3: false }, tmp), 'fixed');
    await page.waitForFunction(
      (d) => Number(document.querySelector('#ranking tr[data-uid="3"]')?.dataset.dividends) === d,
      yuma1.dividends[3],
    );
    await page.click('#reset-params');
    assert.equal(await page.isChecked('#yuma3'), true, 'reset brings the case back');
    await page.context().close();
  });

  test('the stress panel runs 128 subnets in one batch and shows the time', async (t) => {
    const page = await newPage(browser, { gpuAnyway: true });
    await page.goto(`${base}/#/lab?case=small-honest`);
    await waitForSweep(page, 'small-honest', 'gpu', 256);
    await page.click('#stress-toggle');
    await page.waitForSelector('#stress[data-ms][data-engine="gpu"]', { state: 'attached', timeout: 120_000 });
    await setRange(page, '#kappa', 10000);
    await page.waitForSelector('#stress[data-kappa="10000"]', { state: 'attached', timeout: 120_000 });
    const total = Number(await page.getAttribute('#stress', 'data-incentive-total'));
    assert.ok(total > 100 && total <= 128 + 1e-3, `incentive sums to about 1 per subnet (${total})`);
    const ms = Number(await page.getAttribute('#stress', 'data-ms'));
    t.diagnostic(`128 × 256-uid subnets on the GPU: ${ms.toFixed(1)} ms`);
    await page.goto(`${base}/#/lab?case=subnet-256`);
    await waitForSweep(page, 'subnet-256', 'gpu', 256);
    await page.click('#stress-toggle');
    await page.waitForSelector('#stress[data-ms]', { state: 'attached', timeout: 120_000 });
    await page.screenshot({ path: path.join(OUTPUT, 'lab-gpu.png'), fullPage: true });
    await page.context().close();
  });
});

describe('without WebGPU', () => {
  let browser;
  before(async () => {
    browser = await launch(false);
  });
  after(async () => {
    await browser?.close();
  });

  test('the badge says CPU f32 with a reason and the sweep still renders', async (t) => {
    const page = await newPage(browser);
    await page.goto(`${base}/#/lab?case=outlier-clipping`);
    const badge = await page.waitForSelector('.site-footer .batch-badge[data-engine="f32"]');
    assert.match(await badge.textContent(), /^CPU · f32 — no WebGPU adapter: \S.+/);
    assert.match(await page.textContent('#sweep .batch-badge'), /no WebGPU adapter/, 'said next to the sweep too');
    const sweep = await waitForSweep(page, 'outlier-clipping', 'f32', 256);
    assert.ok(sweep.values.length === 256);
    assert.ok(await page.$('#sweep path.series[d^="M"]'), 'the line is drawn');
    // Uid 12, the outlier's miner: clipped at high kappa, paid at low kappa.
    await page.selectOption('#sweep-uid', '12');
    await page.waitForSelector('#sweep[data-uid="12"]', { state: 'attached' });
    const s12 = await readSweep(page);
    assert.ok(s12.values[0] > 0 && s12.values[255] === 0, 'uid 12 earns only at low kappa');
    assertSweepMatchesCli(s12, 'outlier-clipping.json', 'incentive', [0, 10, 20, 128, 255], tmp);

    await page.selectOption('#case-select', 'subnet-256');
    const big = await waitForSweep(page, 'subnet-256', 'f32', 256);
    const top = Number(await page.getAttribute('#ranking tbody tr', 'data-uid'));
    assert.equal(big.uid, top, 'a new case starts on its top-ranked uid');
    assertSweepMatchesCli(big, 'subnet-256.json', 'incentive', [0, 128, 255], tmp);
    await page.selectOption('#sweep-points', '1000');
    const thousand = await waitForSweep(page, 'subnet-256', 'f32', 1000);
    assert.equal(thousand.kappas[500], 32800);
    assertSweepMatchesCli(thousand, 'subnet-256.json', 'incentive', [1, 500, 999], tmp);
    t.diagnostic(`subnet-256: 1000-point sweep on the CPU f32 path in ${thousand.ms.toFixed(1)} ms`);
    await page.screenshot({ path: path.join(OUTPUT, 'lab-fallback.png'), fullPage: true });
    await page.context().close();
  });
});
