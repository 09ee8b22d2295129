// Browser test of the consensus lab: the Trunk build in dist/ in headless Chromium, compared
// figure for figure with the `taoscope yuma` command on the same case files.
//
// Run: node --test tests/e2e/   (after `trunk build` and `cargo build -p taoscope-cli`)
// Env: TAOSCOPE_BIN (default target/debug/taoscope), TAOSCOPE_DIST (default dist),
// CHROMIUM (default /usr/bin/chromium).
// Needs dist/ and the CLI: a missing one fails the run, it is never skipped.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { BASE_ARGS, BIN, CASES, CHROMIUM, OUTPUT, startFixture } from './serve.mjs';

/** Runs the CLI on a case file and returns its JSON. */
function cli(caseFile) {
  const out = execFileSync(BIN, ['yuma', '--input', caseFile], { encoding: 'utf8' });
  return JSON.parse(out);
}

/** The ranking table as the page shows it: one object per row, numbers at full precision. */
async function readRows(page) {
  return page.$$eval('#ranking tbody tr', (trs) =>
    trs.map((tr) => ({
      rank: Number(tr.dataset.rank),
      uid: Number(tr.dataset.uid),
      stake: Number(tr.dataset.stake),
      consensus: Number(tr.dataset.consensus),
      incentive: Number(tr.dataset.incentive),
      incentiveU16: Number(tr.dataset.incentiveU16),
      dividends: Number(tr.dataset.dividends),
      validatorTrust: Number(tr.dataset.validatorTrust),
      permit: tr.dataset.permit === 'true',
      active: tr.dataset.active === 'true',
    })),
  );
}

/** Waits until the results show `caseId` at `kappa` (u16) with `n` rows. */
async function waitForResults(page, caseId, kappa, n) {
  const sel = `#results[data-case="${caseId}"]` + (kappa === undefined ? '' : `[data-kappa="${kappa}"]`);
  await page.waitForSelector(sel, { state: 'attached' });
  await page.waitForFunction(
    (count) => document.querySelectorAll('#ranking tbody tr').length === count,
    n,
  );
}

/** Asserts the page's rows equal the CLI's output, exactly, uid by uid and in ranking order. */
function assertSameAsCli(rows, expected, label) {
  const n = expected.incentive.length;
  assert.equal(rows.length, n, `${label}: one row per uid`);
  assert.deepEqual(
    rows.map((r) => r.uid),
    expected.ranking,
    `${label}: rows are in the CLI's ranking order`,
  );
  for (const r of rows) {
    const u = r.uid;
    assert.equal(r.incentive, expected.incentive[u], `${label}: incentive of uid ${u}`);
    assert.equal(r.incentiveU16, expected.incentive_u16[u], `${label}: incentive_u16 of uid ${u}`);
    assert.equal(r.consensus, expected.consensus[u], `${label}: consensus of uid ${u}`);
    assert.equal(r.dividends, expected.dividends[u], `${label}: dividends of uid ${u}`);
    assert.equal(r.validatorTrust, expected.validator_trust[u], `${label}: validator trust of uid ${u}`);
    assert.equal(r.stake, expected.stake[u], `${label}: stake of uid ${u}`);
    assert.equal(r.permit, expected.validator_permits[u], `${label}: permit of uid ${u}`);
    assert.equal(r.active, expected.active[u], `${label}: active of uid ${u}`);
  }
}

/** Moves the kappa slider the way a user's drag does: set the value, fire `input`. */
async function setKappa(page, value) {
  await page.$eval(
    '#kappa',
    (el, v) => {
      el.value = String(v);
      el.dispatchEvent(new Event('input', { bubbles: true }));
    },
    value,
  );
}

/** Writes a copy of a case with `kappa` (u16) and returns its path. */
function caseWithKappa(file, kappa, dir) {
  const json = JSON.parse(fs.readFileSync(path.join(CASES, file), 'utf8'));
  const target = json.input ?? json;
  target.kappa = kappa;
  const out = path.join(dir, `kappa-${kappa}-${file}`);
  fs.writeFileSync(out, JSON.stringify(json));
  return out;
}

describe('consensus lab', () => {
  let server;
  let base;
  let browser;
  let tmp;
  const pageErrors = [];
  const index = JSON.parse(fs.readFileSync(path.join(CASES, 'index.json'), 'utf8')).cases;

  before(async () => {
    ({ server, base, tmp } = await startFixture('taoscope-e2e-'));
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: BASE_ARGS,
    });
  });

  after(async () => {
    await browser?.close();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve()));
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    assert.deepEqual(pageErrors, [], 'no uncaught errors in any page');
  });

  async function newPage() {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US' });
    const page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    return page;
  }

  test('every bundled case: the page equals the CLI, uid by uid', async (t) => {
    const page = await newPage();
    await page.goto(`${base}/#/lab`);
    assert.ok(index.length >= 4, 'at least four bundled cases');
    for (const entry of index) {
      await page.selectOption('#case-select', entry.id);
      const expected = cli(path.join(CASES, entry.file));
      await waitForResults(page, entry.id, undefined, expected.incentive.length);
      assertSameAsCli(await readRows(page), expected, entry.id);
      const ms = await page.getAttribute('#results', 'data-epoch-ms');
      t.diagnostic(`${entry.id}: ${expected.incentive.length} uids, epoch ${Number(ms).toFixed(3)} ms in the page`);
    }
    await page.selectOption('#case-select', 'subnet-256');
    await waitForResults(page, 'subnet-256', undefined, 256);
    await page.screenshot({ path: path.join(OUTPUT, 'lab.png'), fullPage: true });
    await page.context().close();
  });

  test('moving kappa reruns the epoch; the page equals the CLI at the new kappa', async (t) => {
    const page = await newPage();
    await page.goto(`${base}/#/lab?case=subnet-256`);
    await waitForResults(page, 'subnet-256', 32767, 256);
    const before = await readRows(page);

    await setKappa(page, 16384);
    await waitForResults(page, 'subnet-256', 16384, 256);
    const rows = await readRows(page);
    assertSameAsCli(rows, cli(caseWithKappa('subnet-256.json', 16384, tmp)), 'subnet-256 at kappa 16384');
    assert.notDeepEqual(
      rows.map((r) => r.consensus),
      before.map((r) => r.consensus),
      'kappa changes consensus in this case',
    );
    // A drag: many input events in a row, each one a full epoch; the page keeps up.
    const times = [];
    for (let k = 20000; k <= 40000; k += 2000) {
      await setKappa(page, k);
      await waitForResults(page, 'subnet-256', k, 256);
      times.push(Number(await page.getAttribute('#results', 'data-epoch-ms')));
    }
    times.sort((a, b) => a - b);
    t.diagnostic(`subnet-256 while dragging kappa: median epoch ${times[times.length >> 1].toFixed(2)} ms in the page`);

    // The outlier case: at the default kappa the outlier's miner (uid 12) is clipped to nothing;
    // below the outlier's 8% stake its weight becomes consensus and the miner earns.
    await page.selectOption('#case-select', 'outlier-clipping');
    await waitForResults(page, 'outlier-clipping', 32767, 13);
    const clipped = (await readRows(page)).find((r) => r.uid === 12);
    assert.equal(clipped.incentive, 0, 'uid 12 is clipped at kappa 0.5');
    await setKappa(page, 4000);
    await waitForResults(page, 'outlier-clipping', 4000, 13);
    const low = await readRows(page);
    assertSameAsCli(low, cli(caseWithKappa('outlier-clipping.json', 4000, tmp)), 'outlier-clipping at kappa 4000');
    assert.ok(low.find((r) => r.uid === 12).incentive > 0, 'uid 12 earns once kappa is below 8%');
    assert.equal(
      await page.textContent('.kappa-value'),
      `${(4000 / 65535).toFixed(4)} (4000/65535)`,
      'the kappa read-out follows the slider',
    );
    await page.screenshot({ path: path.join(OUTPUT, 'lab-kappa.png'), fullPage: true });

    // Reset returns to the case's own kappa and its figures.
    await page.click('.kappa button');
    await waitForResults(page, 'outlier-clipping', 32767, 13);
    assertSameAsCli(await readRows(page), cli(path.join(CASES, 'outlier-clipping.json')), 'after reset');
    await page.context().close();
  });

  test('?lang=ja shows Japanese, the choice is remembered, the switch goes back', async () => {
    const page = await newPage();
    await page.goto(`${base}/#/lab?lang=ja&case=yuma3-liquid-alpha`);
    await waitForResults(page, 'yuma3-liquid-alpha', undefined, 12);
    assert.equal(await page.getAttribute('html', 'lang'), 'ja');
    assert.equal((await page.textContent('h1')).trim(), 'コンセンサス・ラボ');
    assert.match(await page.textContent('#ranking thead'), /インセンティブ/);
    assert.match(await page.textContent('.site-footer'), /固定小数点/);
    assert.match(await page.textContent('#case-select'), /Yuma3 \+ リキッドアルファ/);
    await page.screenshot({ path: path.join(OUTPUT, 'lab-ja.png'), fullPage: true });

    await page.goto(`${base}/#/lab`);
    await page.waitForSelector('#results[data-case]', { state: 'attached' });
    assert.equal((await page.textContent('h1')).trim(), 'コンセンサス・ラボ', 'kept in localStorage');

    await page.click('.lang-switch button[data-lang="en"]');
    await page.waitForFunction(() => document.querySelector('h1')?.textContent.trim() === 'Consensus lab');
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    assert.equal(
      await page.getAttribute('.lang-switch button[data-lang="en"]', 'aria-pressed'),
      'true',
    );
    await page.context().close();
  });

  test('a broken case shows an error and keeps the figures already shown', async () => {
    const page = await newPage();
    await page.route('**/cases/subnet-256.json', (route) =>
      route.fulfill({ status: 200, contentType: 'application/json', body: '{"stakes": [1, 2' }),
    );
    await page.route('**/cases/yuma3-liquid-alpha.json', (route) =>
      route.fulfill({
        status: 200,
        contentType: 'application/json',
        body: JSON.stringify({ layout: 'vm', weights: [[1, 2]], stakes: ['lots'] }),
      }),
    );
    await page.route('**/cases/outlier-clipping.json', (route) =>
      route.fulfill({ status: 404, contentType: 'text/plain', body: 'not found' }),
    );
    await page.goto(`${base}/#/lab?case=small-honest`);
    await waitForResults(page, 'small-honest', undefined, 10);
    const shown = await readRows(page);

    const cases = [
      ['subnet-256', /not valid JSON/],
      ['yuma3-liquid-alpha', /stakes\[0\]/],
      ['outlier-clipping', /HTTP 404/],
    ];
    for (const [id, message] of cases) {
      await page.selectOption('#case-select', id);
      const panel = await page.waitForSelector('[data-testid="lab-error"]');
      await page.waitForFunction(
        ([re]) => new RegExp(re).test(document.querySelector('[data-testid="lab-error"]')?.textContent ?? ''),
        [message.source],
      );
      assert.match(await panel.textContent(), /Could not load this case/);
      assert.equal(await page.getAttribute('#results', 'data-case'), 'small-honest', `${id}: figures kept`);
      assert.equal((await page.textContent('.case-name')).trim(), 'Small honest subnet', `${id}: named`);
      assert.deepEqual(await readRows(page), shown, `${id}: table unchanged`);
    }
    await page.screenshot({ path: path.join(OUTPUT, 'lab-error.png'), fullPage: true });

    // A good case clears the error.
    await page.selectOption('#case-select', 'small-honest');
    await page.waitForSelector('[data-testid="lab-error"]', { state: 'detached' });
    await page.context().close();

    // Broken on first load: an error, not a blank page.
    const fresh = await newPage();
    await fresh.route('**/cases/index.json', (route) => route.fulfill({ status: 500, body: 'boom' }));
    await fresh.goto(`${base}/#/lab`);
    const panel = await fresh.waitForSelector('[data-testid="lab-error"]');
    assert.match(await panel.textContent(), /HTTP 500/);
    assert.match(await fresh.textContent('header'), /taoscope/);
    await fresh.context().close();
  });

  test('the nav links to the lab; the engine badge names the CPU engine; old links still work', async () => {
    const page = await newPage();
    await page.goto(`${base}/`);
    await page.waitForSelector('.hero h1');
    assert.match(await page.textContent('.site-footer .engine-badge'), /CPU · fixed point \(bit-exact\)/);
    await page.screenshot({ path: path.join(OUTPUT, 'home.png'), fullPage: true });
    await page.click('a[data-nav="lab"]');
    await page.waitForURL(`${base}/#/lab`);
    await page.waitForSelector('#results[data-case]', { state: 'attached' });
    assert.equal(
      await page.getAttribute('.site-nav a[aria-current="page"]', 'href'),
      '#/lab',
      'the nav marks the lab as current',
    );
    // A link of the path-style releases (a host that rewrites to index.html serves it) moves
    // to the hash form with its query, and opens the same view.
    await page.goto(`${base}/lab?case=small-honest`);
    await page.waitForURL(`${base}/#/lab?case=small-honest`);
    await page.waitForSelector('#results[data-case="small-honest"]', { state: 'attached' });
    await page.goto(`${base}/#/no-such-page`);
    assert.match(await page.textContent('main'), /404/);
    await page.context().close();
  });
});
