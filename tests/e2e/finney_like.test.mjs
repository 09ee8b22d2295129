// Browser test of the p2p light client on a devnet shaped like finney (issue #10): runtime spec
// 300 (AuraApi and BabeApi both advertised, Aura seals: stock smoldot refuses it), the GRANDPA
// set id already 2 at the checkpoint and a set change every 4 blocks after it, and the page
// starting from that checkpoint with a chain spec that carries only the genesis state root (a
// few KB instead of the whole genesis state), so nothing before the checkpoint is fetched. The
// served light spec names no boot node: the node's address is given as `?bootnode=`, as a user
// points the page at a node the spec does not list.
//
// Run: node --test tests/e2e/finney_like.test.mjs (after `cargo xtask build-web` and
// `cargo build -p taoscope-cli`). Timeouts are hang guards, not speed targets.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { BASE_ARGS, CHROMIUM, OUTPUT, ROOT, chainPanel as panel, freePort, startDevnode, startFixture, stopDevnode, waitFor } from './serve.mjs';

const SCENARIO = path.join(ROOT, 'tests', 'scenarios', 'tiny.json');

describe('the light client in the page follows a finney-like devnet from a checkpoint', () => {
  let fixture;
  let browser;
  let node;
  let checkpoint;
  let bootNode;
  const routes = {};
  const requested = [];

  before(async () => {
    fixture = await startFixture('taoscope-finney-like-', routes);
    routes['/chainspecs/devnet.json'] = path.join(fixture.tmp, 'devnet.json');
    routes['/chainspecs/light.json'] = path.join(fixture.tmp, 'light.json');
    routes['/chainspecs/devnet.checkpoint.json'] = path.join(fixture.tmp, 'checkpoint.json');
    node = await startDevnode(await freePort(), routes['/chainspecs/devnet.json'], SCENARIO, {
      extra: [
        '--runtime', '300', '--set-changes', '2', '--set-change-every', '4',
        '--checkpoint-out', routes['/chainspecs/devnet.checkpoint.json'],
        '--light-spec-out', routes['/chainspecs/light.json'],
      ],
      waitFor: /^light spec: /m,
    });
    checkpoint = JSON.parse(fs.readFileSync(routes['/chainspecs/devnet.checkpoint.json'], 'utf8'));
    // The light spec without its boot node; the address goes in the link instead.
    const light = JSON.parse(fs.readFileSync(routes['/chainspecs/light.json'], 'utf8'));
    bootNode = light.bootNodes[0];
    routes['/chainspecs/bare.json'] = path.join(fixture.tmp, 'bare.json');
    fs.writeFileSync(routes['/chainspecs/bare.json'], JSON.stringify({ ...light, bootNodes: [] }));
    browser = await chromium.launch({ executablePath: CHROMIUM, args: BASE_ARGS });
  });

  after(async () => {
    if (node) await stopDevnode(node.child);
    await browser?.close();
    fixture?.server.close();
  });

  test('from the checkpoint past set changes, with a spec of only the genesis state root', async () => {
    const full = fs.statSync(routes['/chainspecs/devnet.json']).size;
    const light = fs.statSync(routes['/chainspecs/light.json']).size;
    assert.ok(light * 100 < full, `the light spec (${light} B) is a small part of the full one (${full} B)`);
    // Set 1 finalized the checkpoint block, which hands over to set 2.
    assert.ok(checkpoint.grandpaAuthoritySet.startsWith('0x0100000000000000'), checkpoint.grandpaAuthoritySet);

    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('request', (r) => requested.push(new URL(r.url()).pathname));
    // Without a boot node, the page says so.
    const bare = 'spec=chainspecs/bare.json&checkpoint=chainspecs/devnet.checkpoint.json';
    await page.goto(`${fixture.base}/?${bare}#/chain`);
    const refused = await waitFor(page, 'the no-boot-node error', panel, (s) => s.error !== null);
    assert.match(refused.error, /boot node/i);

    const query = `${bare}&bootnode=${bootNode}`;
    await page.goto(`${fixture.base}/?${query}#/chain`);
    // Two set changes at least after the checkpoint (one every 4 blocks).
    const state = await waitFor(page, 'finality 10 blocks past the checkpoint and the subnet count', panel,
      (s) => s.finalized >= checkpoint.blockNumber + 10 && s.total !== null);
    assert.equal(state.error, null);
    assert.equal(state.total, node.totalNetworks, 'TotalNetworks read through a proof equals the devnode');
    assert.ok(state.badges.length >= 3 && state.badges.every((b) => b === 'light-client'), JSON.stringify(state.badges));
    assert.match(state.detail, new RegExp(`from the checkpoint #${checkpoint.blockNumber}`));
    await page.screenshot({ path: path.join(OUTPUT, 'finney-like-chain.png'), fullPage: true });

    await page.goto(`${fixture.base}/?${query}#/subnets`);
    const rows = await waitFor(page, 'the subnets table', (p) => p.evaluate(() => ({
      rows: document.querySelectorAll('tr[data-netuid]').length,
      badges: [...document.querySelectorAll('.source-badge')].map((b) => b.dataset.source),
    })), (s) => s.rows > 0);
    assert.equal(rows.rows, node.totalNetworks);
    assert.ok(rows.badges.every((b) => b === 'light-client'), JSON.stringify(rows.badges));
    assert.ok(!requested.includes('/chainspecs/devnet.json'), 'the full spec (genesis state) is never fetched');
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('the default start is from the checkpoint when its pair is served, else from the full spec', async () => {
    // As `cargo xtask demo` serves them beside the full spec.
    routes['/chainspecs/devnet.light.json'] = routes['/chainspecs/light.json'];
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const fetched = [];
    page.on('request', (r) => fetched.push(new URL(r.url()).pathname));
    await page.goto(`${fixture.base}/#/chain`);
    const quick = await waitFor(page, 'the default start', panel, (s) => s.total !== null);
    assert.match(quick.detail, new RegExp(`from the checkpoint #${checkpoint.blockNumber}`));
    assert.ok(!fetched.includes('/chainspecs/devnet.json'), JSON.stringify(fetched));
    // The worker index.html started before the app loaded is the one the app uses: taken over,
    // not a second one beside it.
    assert.equal(page.workers().length, 1, 'one light-client worker');
    assert.equal(await page.evaluate(() => window.taoscopeEarlyWorker), undefined, 'the early worker was adopted');

    // A checkpoint of another chain beside the light spec (a pair from another run): not used.
    const stale = path.join(fixture.tmp, 'stale-checkpoint.json');
    fs.writeFileSync(stale, JSON.stringify({ ...checkpoint, genesisHash: `0x${'11'.repeat(32)}` }));
    const saved = routes['/chainspecs/devnet.checkpoint.json'];
    routes['/chainspecs/devnet.checkpoint.json'] = stale;
    try {
      fetched.length = 0;
      await page.goto(`${fixture.base}/?fresh=1#/chain`);
      const full = await waitFor(page, 'the start from the full spec', panel, (s) => s.total !== null);
      assert.match(full.detail, /from the chain spec/);
      assert.ok(fetched.includes('/chainspecs/devnet.json'), JSON.stringify(fetched));
    } finally {
      routes['/chainspecs/devnet.checkpoint.json'] = saved;
      delete routes['/chainspecs/devnet.light.json'];
    }
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('a second visit resumes from the block the first saved in the browser', async () => {
    routes['/chainspecs/devnet.light.json'] = routes['/chainspecs/light.json'];
    // One browser context: the returning visitor keeps what the first visit stored.
    const context = await browser.newContext();
    const errors = [];
    try {
      const first = await context.newPage();
      first.on('pageerror', (e) => errors.push(e.message));
      await first.goto(`${fixture.base}/#/chain`);
      const saved = await waitFor(first, 'a finalized block saved for the next visit', panel, (s) => s.saved !== null);
      assert.match(saved.detail, new RegExp(`from the checkpoint #${checkpoint.blockNumber}`));
      assert.ok(saved.saved > checkpoint.blockNumber, `saved #${saved.saved}`);
      assert.ok(saved.saved <= saved.finalized, `saved #${saved.saved}, finalized #${saved.finalized}`);
      await first.close();

      const second = await context.newPage();
      second.on('pageerror', (e) => errors.push(e.message));
      await second.goto(`${fixture.base}/#/chain`);
      const resumed = await waitFor(second, 'the second visit past its start, with the subnet count', panel,
        (s) => s.total !== null && s.finalized > saved.saved);
      const from = resumed.detail.match(/from block #(\d+), saved in this browser/);
      assert.ok(from, resumed.detail);
      // The block it starts from is the one saved last (the first visit may save again before
      // it closes), never the checkpoint.
      assert.ok(Number(from[1]) >= saved.saved, `${from[1]} vs ${saved.saved}`);
      assert.equal(resumed.total, node.totalNetworks, 'the subnet count through a proof');
      assert.equal(resumed.error, null);
      await second.close();
    } finally {
      delete routes['/chainspecs/devnet.light.json'];
      await context.close();
    }
    assert.deepEqual(errors, []);
  });
});
