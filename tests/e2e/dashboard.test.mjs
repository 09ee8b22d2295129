// Browser test of the dashboard: every page against a devnode seeded with the default scenario,
// read through the page's own light client, and again from a snapshot file with no node at all.
// Numbers are checked against what the scenario put on chain (its subnets, sizes, keys) and
// against the command line's reading of the same chain; every replay must be exact. Deep links
// reload to the same view, the language switches, bad addresses are clear messages, and
// screenshots (desktop and phone width, English and Japanese) land in tests/output.
//
// Run: node --test tests/e2e/   (after `trunk build` and `cargo build -p taoscope-cli`)
// Timeouts are hang guards, not speed targets.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import {
  BASE_ARGS, BIN, CHROMIUM, GUARD_MS, OUTPUT, ROOT, freePort, startDevnode, startFixture, stopDevnode,
} from './serve.mjs';

const SCENARIO = JSON.parse(fs.readFileSync(path.join(ROOT, 'tests', 'scenarios', 'default.json'), 'utf8'));
/** The scenario's subnets are netuids 2.. (root and the genesis's netuid 1 come first). */
const FIRST_NETUID = 2;

/** Runs the command line without blocking the event loop: a synchronous child would stop this
 * process draining the devnode's output, and a devnode with a full stdout pipe stops answering. */
const run = promisify(execFile);

/** The command line's JSON reading of the same chain (its own light client). */
async function cli(args, spec) {
  const { stdout } = await run(BIN, [...args, '--chain', spec, '--json', '--timeout', '240'], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  return JSON.parse(stdout);
}

/** Waits until an alert on the page says `pattern`. */
async function waitAlert(page, pattern) {
  await page.waitForFunction(
    (source) => [...document.querySelectorAll('[role="alert"]')].some((e) => new RegExp(source).test(e.textContent)),
    pattern.source,
    { timeout: GUARD_MS },
  );
}

/** Waits until `selector` matches `count` elements (or at least one when `count` is null). */
async function waitCount(page, selector, count = null, guard = GUARD_MS) {
  try {
    await page.waitForFunction(
      ([sel, n]) => {
        const found = document.querySelectorAll(sel).length;
        return n === null ? found > 0 : found === n;
      },
      [selector, count],
      { timeout: guard },
    );
  } catch (e) {
    // Say what the page showed instead.
    const found = await page.$$eval(selector, (els) => els.length).catch(() => '?');
    const text = await page.evaluate(() => document.querySelector('main')?.innerText ?? '').catch(() => '');
    throw new Error(`${selector}: ${found} found, ${count ?? 'some'} expected, at ${page.url()}\n${text.slice(0, 1500)}`, {
      cause: e,
    });
  }
}

describe('dashboard against the seeded devnet', () => {
  let fixture;
  let browser;
  let node;
  const routes = {};
  const pageErrors = [];

  before(async () => {
    fixture = await startFixture('taoscope-dash-', routes);
    routes['/chainspecs/devnet.json'] = path.join(fixture.tmp, 'devnet.json');
    node = await startDevnode(await freePort(), routes['/chainspecs/devnet.json']);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: [...BASE_ARGS, '--enable-unsafe-webgpu'] });
  });

  after(async () => {
    if (node) await stopDevnode(node.child);
    await browser?.close();
    fixture?.server.close();
    assert.deepEqual(pageErrors, [], 'no uncaught errors in any page');
  });

  async function newPage(viewport = { width: 1280, height: 900 }) {
    const context = await browser.newContext({ viewport, locale: 'en-US', acceptDownloads: true });
    const page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    return page;
  }

  test('overview, subnets and a deep-linked view that survives a reload', async () => {
    const page = await newPage();
    await page.goto(`${fixture.base}/`);
    await page.waitForSelector('[data-stat="subnets"] [data-value]', { timeout: GUARD_MS });
    const subnets = Number(await page.getAttribute('[data-stat="subnets"] [data-value]', 'data-value'));
    assert.equal(subnets, node.totalNetworks, 'subnet count equals the devnode\'s TotalNetworks');
    assert.equal(Number(await page.getAttribute('[data-stat="reward"] [data-value]', 'data-value')), 1e9);
    assert.equal(await page.getAttribute('.provenance-line .source-badge', 'data-source'), 'light-client');
    await page.screenshot({ path: path.join(OUTPUT, 'dashboard-overview.png'), fullPage: true });

    await page.click('a[data-nav="subnets"]');
    await waitCount(page, 'tr[data-netuid]', node.totalNetworks);
    const expected = await cli(['subnets'], routes['/chainspecs/devnet.json']);
    for (const [i, plan] of SCENARIO.subnets.entries()) {
      const netuid = FIRST_NETUID + i;
      const row = `tr[data-netuid="${netuid}"]`;
      assert.equal(await page.textContent(`${row} td[data-col="neurons"]`), `${plan.neurons}/${plan.max_uids ?? 256}`);
      assert.equal(await page.textContent(`${row} td[data-col="tempo"]`), String(plan.tempo));
      const cliRow = expected.find((s) => s.netuid === netuid);
      assert.equal(
        await page.textContent(`${row} td[data-col="price"]`),
        (cliRow.price / 1e9).toFixed(6),
        `netuid ${netuid}: the page's price equals the CLI's`,
      );
    }
    // Sort by price, descending: the view goes into the address and survives a reload.
    await page.click('th[data-col="price"] button');
    await page.waitForFunction(() => location.hash.includes('sort=price'));
    const order = async () => page.$$eval('tr[data-netuid]', (rows) => rows.map((r) => r.dataset.netuid));
    const sorted = await order();
    const url = page.url();
    const fresh = await newPage();
    await fresh.goto(url);
    await waitCount(fresh, 'tr[data-netuid]', node.totalNetworks);
    assert.deepEqual(await fresh.$$eval('tr[data-netuid]', (r) => r.map((x) => x.dataset.netuid)), sorted);
    assert.equal(await fresh.getAttribute('th[data-col="price"]', 'aria-sort'), 'descending');
    await fresh.reload();
    await waitCount(fresh, 'tr[data-netuid]', node.totalNetworks);
    assert.equal(await fresh.getAttribute('th[data-col="price"]', 'aria-sort'), 'descending');

    // Filter, and export what is shown.
    await fresh.fill('input[data-filter=""]', 'Yuma3');
    await waitCount(fresh, 'tr[data-netuid]', 2);
    const [csv] = await Promise.all([fresh.waitForEvent('download'), fresh.click('button[data-export="csv"]')]);
    const csvText = fs.readFileSync(await csv.path(), 'utf8');
    assert.match(csvText, /^netuid,name,neurons,tempo,price/);
    assert.equal(csvText.trim().split('\n').length, 3, 'header and the two filtered rows');
    const [json] = await Promise.all([fresh.waitForEvent('download'), fresh.click('button[data-export="json"]')]);
    const rows = JSON.parse(fs.readFileSync(await json.path(), 'utf8'));
    assert.deepEqual(rows.map((r) => r.netuid).sort(), [FIRST_NETUID + 1, FIRST_NETUID + 2]);
    await page.screenshot({ path: path.join(OUTPUT, 'dashboard-subnets.png'), fullPage: true });
    await page.context().close();
    await fresh.context().close();
  });

  test('a subnet: metagraph, permits, replay exact, neuron and account pages', async () => {
    const netuid = FIRST_NETUID + 1;
    const plan = SCENARIO.subnets[1];
    const expected = await cli(['metagraph', '--netuid', String(netuid)], routes['/chainspecs/devnet.json']);
    const page = await newPage();
    await page.goto(`${fixture.base}/#/subnet/${netuid}`);
    const rowsOf = '[data-panel="metagraph"] tr[data-uid]';
    await waitCount(page, rowsOf, plan.neurons);
    for (const n of expected.neurons) {
      const title = await page.getAttribute(`[data-panel="metagraph"] tr[data-uid="${n.uid}"] td[data-col="hotkey"] code`, 'title');
      assert.equal(title, n.hotkey, `uid ${n.uid} hotkey`);
      const permit = (await page.textContent(`[data-panel="metagraph"] tr[data-uid="${n.uid}"] td[data-col="permit"]`)).trim();
      assert.equal(permit === '✓', n.validator_permit, `uid ${n.uid} permit`);
    }
    // The replay of the last epoch, in the page, is exact.
    await page.waitForSelector('[data-panel="replay"] .verdict[data-verdict]', { timeout: GUARD_MS });
    assert.equal(await page.getAttribute('[data-panel="replay"] .verdict', 'data-verdict'), 'exact');
    // Validators only: one click, in the address.
    await page.click('.role-filter button[data-role="validators"]');
    await waitCount(page, rowsOf, plan.validators);
    assert.match(page.url(), /role=validators/);
    await page.screenshot({ path: path.join(OUTPUT, 'dashboard-subnet.png'), fullPage: true });

    // A neuron, and its coldkey's account.
    const uid = 1;
    await page.goto(`${fixture.base}/#/subnet/${netuid}/uid/${uid}`);
    await page.waitForSelector('[data-hotkey]', { timeout: GUARD_MS });
    assert.equal(await page.getAttribute('[data-hotkey]', 'data-hotkey'), expected.neurons[uid].hotkey);
    assert.equal(await page.getAttribute('[data-permit]', 'data-permit'), 'true');
    await page.click('dd a[href^="#/account/"]');
    await waitCount(page, 'tr[data-netuid]', null);
    assert.equal(await page.getAttribute('[data-account]', 'data-account'), expected.neurons[uid].coldkey);
    assert.ok(await page.$(`tr[data-netuid="${netuid}"]`), 'the validator staked on its own subnet');
    await page.screenshot({ path: path.join(OUTPUT, 'dashboard-account.png'), fullPage: true });
    await page.context().close();
  });

  test('the audit replays every subnet exactly, and the batch engine ranks them the same', async () => {
    const page = await newPage();
    await page.goto(`${fixture.base}/#/audit`);
    await waitCount(page, 'tr[data-netuid][data-verdict]', node.totalNetworks - 1);
    const verdicts = await page.$$eval('tr[data-netuid]', (rows) => rows.map((r) => r.dataset.verdict));
    assert.deepEqual(verdicts, Array(node.totalNetworks - 1).fill('exact'));
    await page.waitForFunction(() => document.querySelectorAll('td[data-batch="true"]').length > 0, null, {
      timeout: GUARD_MS,
    });
    assert.equal(await page.$$eval('td[data-batch="false"]', (c) => c.length), 0);
    await page.screenshot({ path: path.join(OUTPUT, 'dashboard-audit.png'), fullPage: true });
    // From the audit into the lab: the real subnet's epoch, with the chain's own ranking.
    await page.click(`a[href="#/lab?netuid=${FIRST_NETUID}"]`);
    await page.waitForSelector(`#results[data-case="live-${FIRST_NETUID}"]`, { state: 'attached', timeout: GUARD_MS });
    await page.context().close();
  });

  test('Japanese, phone width, and bad addresses are clear messages', async () => {
    const page = await newPage({ width: 390, height: 844 });
    await page.goto(`${fixture.base}/#/subnets?lang=ja`);
    await waitCount(page, 'tr[data-netuid]', node.totalNetworks);
    assert.equal(await page.textContent('h1'), 'サブネット');
    await page.screenshot({ path: path.join(OUTPUT, 'dashboard-subnets-ja-phone.png'), fullPage: true });
    await page.click('button[data-lang="en"]');
    assert.equal(await page.textContent('h1'), 'Subnets');

    for (const [hash, message] of [
      ['#/subnet/99', /netuid 99 does not exist/],
      ['#/subnet/3/uid/999', /uid 999 does not exist on netuid 3/],
      ['#/account/not-an-address', /not a base58 address/],
    ]) {
      await page.goto(`${fixture.base}/${hash}`);
      await waitAlert(page, message);
      // The rest of the app still works.
      await page.click('a[data-nav="subnets"]');
      await waitCount(page, 'tr[data-netuid]', node.totalNetworks);
    }
    await page.context().close();
  });

  test('a snapshot shows the same dashboard with no node, labelled as a snapshot', async () => {
    const snapshot = path.join(fixture.tmp, 'snapshot.json');
    await run(BIN, ['snapshot', '--chain', routes['/chainspecs/devnet.json'], '--out', snapshot, '--timeout', '240']);
    routes['/snapshots/devnet.json'] = snapshot;
    await stopDevnode(node.child);
    const page = await newPage();
    await page.goto(`${fixture.base}/?snapshot=snapshots/devnet.json#/audit`);
    await waitCount(page, 'tr[data-netuid][data-verdict]', node.totalNetworks - 1);
    const verdicts = await page.$$eval('tr[data-netuid]', (rows) => rows.map((r) => r.dataset.verdict));
    assert.deepEqual(verdicts, Array(node.totalNetworks - 1).fill('exact'));
    await page.click('a[data-nav="subnets"]');
    await waitCount(page, 'tr[data-netuid]', node.totalNetworks);
    assert.equal(await page.getAttribute('.provenance-line .source-badge', 'data-source'), 'snapshot');
    // Links keep the page's query: the source survives navigation and a reload.
    assert.match(page.url(), /\?snapshot=snapshots\/devnet\.json#\/subnets$/);
    await page.reload();
    await waitCount(page, 'tr[data-netuid]', node.totalNetworks);
    await page.screenshot({ path: path.join(OUTPUT, 'dashboard-snapshot.png'), fullPage: true });

    // A damaged snapshot: a clear message, and the lab (no chain needed) still works.
    const bad = path.join(fixture.tmp, 'bad.json');
    fs.writeFileSync(bad, '{"format":"taoscope-snapshot/1"');
    routes['/snapshots/bad.json'] = bad;
    await page.goto(`${fixture.base}/?snapshot=snapshots/bad.json#/subnets`);
    await waitAlert(page, /not a taoscope snapshot/);
    await page.click('a[data-nav="lab"]');
    await page.waitForSelector('#results[data-case]', { state: 'attached', timeout: GUARD_MS });
    await page.context().close();
  });
});
