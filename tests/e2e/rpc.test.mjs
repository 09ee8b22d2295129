// Browser test of the verified RPC mode: the page's worker reads a devnode's JSON-RPC endpoint
// (shaped like finney's: justifications every 4 blocks, read proofs, no grandpa_* methods) from a
// checkpoint past genesis, and every figure says "verified · RPC"; the subnets page reads through
// it. An endpoint that serves damaged proofs is caught: an error on screen, no figure from it.
// The source settings persist in the browser and a trusted RPC is labelled as such.
//
// Run: node --test tests/e2e/rpc.test.mjs (after `cargo xtask build-web` and
// `cargo build -p taoscope-cli`). Timeouts are hang guards, not speed targets.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { BASE_ARGS, CHROMIUM, OUTPUT, ROOT, chainPanel as panel, freePort, startDevnode, startFixture, stopDevnode, waitFor } from './serve.mjs';

const SCENARIO = path.join(ROOT, 'tests', 'scenarios', 'tiny.json');

describe('verified RPC in the page, against a devnode that answers like finney', () => {
  let fixture;
  let browser;
  let honest;
  let liar;
  let checkpoint;
  const routes = {};

  before(async () => {
    fixture = await startFixture('taoscope-rpc-', routes);
    routes['/chainspecs/devnet.json'] = path.join(fixture.tmp, 'devnet.json');
    routes['/chainspecs/devnet.checkpoint.json'] = path.join(fixture.tmp, 'checkpoint.json');
    honest = await startDevnode(await freePort(), routes['/chainspecs/devnet.json'], SCENARIO, {
      rpc: { checkpointOut: routes['/chainspecs/devnet.checkpoint.json'], justificationPeriod: 4 },
    });
    checkpoint = JSON.parse(fs.readFileSync(routes['/chainspecs/devnet.checkpoint.json'], 'utf8'));
    // The page looks for justifications at the multiples the checkpoint names (finney's
    // nodes: 512, the default); without it, only a finalized head that is one would do.
    assert.equal(checkpoint.justificationPeriod, 4);
    // The same chain (same flags, same blocks) from an endpoint that damages every proof node.
    liar = await startDevnode(await freePort(), path.join(fixture.tmp, 'liar.json'), SCENARIO, {
      rpc: { checkpointOut: path.join(fixture.tmp, 'liar-checkpoint.json'), forge: 'proof' },
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: BASE_ARGS });
  });

  after(async () => {
    for (const node of [honest, liar]) if (node) await stopDevnode(node.child);
    await browser?.close();
    fixture?.server.close();
  });

  test('follows from the checkpoint by justifications, and the subnets page reads through it', async () => {
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const query = `rpc=${encodeURIComponent(honest.rpcUrl)}&checkpoint=chainspecs/devnet.checkpoint.json`;
    await page.goto(`${fixture.base}/?${query}#/chain`);
    const state = await waitFor(page, 'a justified block past the checkpoint and the subnet count', panel,
      (s) => s.finalized > checkpoint.blockNumber && s.total !== null);
    assert.equal(state.total, honest.totalNetworks, 'TotalNetworks read through a proof equals the devnode');
    assert.equal(state.finalized % 4, 0, 'proven by a periodic justification');
    assert.ok(state.badges.length >= 3 && state.badges.every((b) => b === 'verified-rpc'), JSON.stringify(state.badges));
    assert.match(state.detail, /GRANDPA justification of set 0/);
    assert.match(state.source, new RegExp(honest.rpcUrl.replace(/[/.:]/g, '\\$&')));
    await page.screenshot({ path: path.join(OUTPUT, 'rpc-chain.png'), fullPage: true });

    await page.goto(`${fixture.base}/?${query}#/subnets`);
    const rows = await waitFor(page, 'the subnets table', (p) => p.evaluate(() => ({
      rows: document.querySelectorAll('tr[data-netuid]').length,
      badges: [...document.querySelectorAll('.source-badge')].map((b) => b.dataset.source),
    })), (s) => s.rows > 0);
    assert.equal(rows.rows, honest.totalNetworks);
    assert.ok(rows.badges.length > 0 && rows.badges.every((b) => b === 'verified-rpc'), JSON.stringify(rows.badges));
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('an endpoint that serves damaged proofs is refused: an error, and no figure from it', async () => {
    const page = await browser.newPage();
    const query = `rpc=${encodeURIComponent(liar.rpcUrl)}&checkpoint=chainspecs/devnet.checkpoint.json`;
    await page.goto(`${fixture.base}/?${query}#/chain`);
    const state = await waitFor(page, 'the refusal', panel, (s) => s.error !== null && /does not verify/.test(s.error));
    assert.match(state.error, new RegExp(liar.rpcUrl.replace(/[/.:]/g, '\\$&')), 'the message names the endpoint');
    assert.equal(state.total, null, 'no value read through a damaged proof is shown');
    await page.goto(`${fixture.base}/?${query}#/subnets`);
    const shown = await waitFor(page, 'the subnets page error', (p) => p.evaluate(() => ({
      rows: document.querySelectorAll('tr[data-netuid]').length,
      error: document.querySelector('[role="alert"]')?.textContent ?? null,
    })), (s) => s.error !== null);
    assert.equal(shown.rows, 0);
    assert.match(shown.error, /does not verify/);
    await page.close();
  });

  test('with a second endpoint, the one that lies is left and the other answers; the badge says so', async () => {
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const both = `${encodeURIComponent(liar.rpcUrl)},${encodeURIComponent(honest.rpcUrl)}`;
    await page.goto(`${fixture.base}/?rpc=${both}&checkpoint=chainspecs/devnet.checkpoint.json#/chain`);
    const state = await waitFor(page, 'figures through the second endpoint', panel,
      (s) => s.total !== null && /Left for this session/.test(s.detail));
    assert.equal(state.total, honest.totalNetworks);
    assert.ok(state.badges.every((b) => b === 'verified-rpc'), JSON.stringify(state.badges));
    assert.match(state.detail, new RegExp(`endpoint ${honest.rpcUrl.replace(/[/.:]/g, '\\$&')}`));
    assert.match(state.detail, new RegExp(`${liar.rpcUrl.replace(/[/.:]/g, '\\$&')} served .* does not verify`));
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('the source settings persist in the browser; a trusted RPC is labelled on every figure', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${fixture.base}/#/chain`);
    await page.click('[data-source-kind="trusted-rpc"]');
    await page.fill('[data-source-endpoints]', `not-a-url, ${honest.rpcUrl}`);
    await page.click('[data-source-save]');
    await page.waitForLoadState('load');
    const state = await waitFor(page, 'trusted figures', panel, (s) => s.total !== null);
    assert.ok(state.badges.every((b) => b === 'trusted-rpc'), JSON.stringify(state.badges));
    assert.match(state.detail, /not verified/);
    const saved = await page.evaluate(() => JSON.parse(localStorage.getItem('taoscope.source')));
    assert.deepEqual(saved, { kind: 'trusted-rpc', endpoints: [honest.rpcUrl] });
    // Back to the default: the light client on the devnet's spec.
    await page.click('[data-source-reset]');
    await page.waitForLoadState('load');
    const back = await waitFor(page, 'the light client again', panel, (s) => s.total !== null);
    assert.ok(back.badges.every((b) => b === 'light-client'), JSON.stringify(back.badges));
    assert.equal(await page.evaluate(() => localStorage.getItem('taoscope.source')), null);
    await context.close();
  });
});
