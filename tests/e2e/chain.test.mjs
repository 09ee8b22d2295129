// Browser test of the light client: the page's smoldot (in its Web Worker) dials a local devnode
// over /ws, syncs, and shows verified figures; the devnode is killed and restarted and the page
// recovers; broken specs and unreachable boot nodes are clear messages, never a hang.
//
// Run: node --test tests/e2e/   (after `trunk build` and `cargo build -p taoscope-cli`)
// The devnode is `taoscope devnode` (TAOSCOPE_BIN) with the tiny scenario. Timeouts below are
// hang guards, not speed targets (speed is in `cargo xtask bench light`).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { BASE_ARGS, CHROMIUM, GUARD_MS, OUTPUT, ROOT, chainPanel, freePort, startDevnode, startFixture, stopDevnode, waitFor } from './serve.mjs';

const SCENARIO = path.join(ROOT, 'tests', 'scenarios', 'tiny.json');

/** Polls the panel until `ok(state)`; fails with the last state after the guard. */
function waitPanel(page, what, ok, guard = GUARD_MS) {
  return waitFor(page, what, chainPanel, ok, guard);
}

describe('chain page: light client against a local devnode', () => {
  let fixture;
  let browser;
  let node;
  let port;
  const routes = {};

  before(async () => {
    fixture = await startFixture('taoscope-chain-', routes);
    port = await freePort();
    routes['/chainspecs/devnet.json'] = path.join(fixture.tmp, 'devnet.json');
    node = await startDevnode(port, routes['/chainspecs/devnet.json'], SCENARIO);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: BASE_ARGS });
  });

  after(async () => {
    if (node) await stopDevnode(node.child);
    await browser?.close();
    fixture?.server.close();
  });

  test('syncs, finalizes, reads the verified subnet count, and survives a devnode restart', async () => {
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${fixture.base}/#/chain`);

    const synced = await waitPanel(page, 'finalized #3 and TotalNetworks', (s) => s.finalized >= 3 && s.total !== null);
    assert.equal(synced.total, node.totalNetworks, 'TotalNetworks read through a proof equals the devnode');
    assert.equal(synced.peers, 1);
    assert.ok(synced.best >= synced.finalized);
    // The figure advances: the client keeps following.
    const later = await waitPanel(page, 'finalized advances', (s) => s.finalized > synced.finalized);
    assert.equal(later.phase, 'synced');
    await page.screenshot({ path: path.join(OUTPUT, 'chain-synced.png'), fullPage: true });

    // Kill the node: the page says so and keeps what it showed.
    await stopDevnode(node.child);
    const lost = await waitPanel(page, 'disconnected', (s) => s.phase === 'disconnected' || s.peers === 0);
    assert.ok(lost.finalized >= later.finalized, 'finalized block still shown');
    assert.equal(lost.total, node.totalNetworks, 'verified value still shown');
    await page.screenshot({ path: path.join(OUTPUT, 'chain-disconnected.png'), fullPage: true });

    // Same port, same flags: the devnode rebuilds the same chain, and the page follows again.
    node = await startDevnode(port, routes['/chainspecs/devnet.json'], SCENARIO);
    const back = await waitPanel(
      page,
      'recovered and past the old finalized block',
      (s) => s.phase === 'synced' && s.peers === 1 && s.finalized > lost.finalized,
    );
    assert.equal(back.total, node.totalNetworks);
    assert.deepEqual(errors, [], 'no uncaught page errors');
    await page.close();
  });

  test('a malformed or truncated chain spec is a clear message', async () => {
    const good = fs.readFileSync(routes['/chainspecs/devnet.json'], 'utf8');
    const cases = {
      'not-json.json': 'this is not a chain spec',
      'truncated.json': good.slice(0, Math.floor(good.length / 2)),
    };
    for (const [name, body] of Object.entries(cases)) {
      const file = path.join(fixture.tmp, name);
      fs.writeFileSync(file, body);
      routes[`/chainspecs/${name}`] = file;
      const page = await browser.newPage();
      await page.goto(`${fixture.base}/#/chain?spec=chainspecs/${name}`);
      const state = await waitPanel(page, `${name} refused`, (s) => s.phase === 'failed', 60_000);
      assert.match(state.error, /chain spec/i, `${name}: ${state.error}`);
      await page.close();
    }
    const page = await browser.newPage();
    await page.goto(`${fixture.base}/#/chain?spec=chainspecs/missing.json`);
    const missing = await waitPanel(page, 'missing spec refused', (s) => s.phase === 'failed', 60_000);
    assert.match(missing.error, /missing\.json/);
    await page.close();
  });

  test('an unreachable boot node or a peer that is not a node leaves the page connecting, not hung', async () => {
    const spec = JSON.parse(fs.readFileSync(routes['/chainspecs/devnet.json'], 'utf8'));
    const dead = await freePort();
    const httpPort = new URL(fixture.base).port;
    const peerId = spec.bootNodes[0].split('/p2p/')[1];
    const cases = {
      // Nothing listens there.
      'unreachable.json': `/ip4/127.0.0.1/tcp/${dead}/ws/p2p/${peerId}`,
      // The test's HTTP server: answers, but with garbage for a libp2p client.
      'garbage.json': `/ip4/127.0.0.1/tcp/${httpPort}/ws/p2p/${peerId}`,
    };
    for (const [name, bootNode] of Object.entries(cases)) {
      const file = path.join(fixture.tmp, name);
      fs.writeFileSync(file, JSON.stringify({ ...spec, bootNodes: [bootNode] }));
      routes[`/chainspecs/${name}`] = file;
      const page = await browser.newPage();
      const errors = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`${fixture.base}/#/chain?spec=chainspecs/${name}`);
      // The worker starts, says which chain, and waits for a peer.
      await waitPanel(page, `${name}: started`, (s) => s.phase === 'connecting' && s.peers === 0, 30_000);
      await page.waitForTimeout(5000);
      const state = await chainPanel(page);
      assert.equal(state.phase, 'connecting', `${name}: ${JSON.stringify(state)}`);
      assert.equal(state.peers, 0);
      assert.equal(state.finalized, null);
      // The page still responds.
      assert.equal(await page.evaluate(() => 1 + 1), 2);
      assert.deepEqual(errors, []);
      await page.close();
    }
  });
});
