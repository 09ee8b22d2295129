// Browser test of staking through an extension: headless Chromium (new headless mode) with the
// test wallet of tests/e2e/wallet loaded by --load-extension. The wallet implements the
// injectedWeb3 interface with a development key (//Alice), rebuilds the bytes it signs from the
// JSON request on its own, and records them. On the devnet: connect, add stake with a limit,
// review, sign, follow the transaction to a finalized block, see the position change in the
// page and in the chain read natively (the command line's own light client); remove part of it;
// move part to another hotkey.
// Then a refusal in the extension, bad amounts, and a limit the pool cannot meet: each a clear
// message, nothing signed or sent that should not be.
//
// Run: node --test tests/e2e/staking.test.mjs (after `cargo xtask build-web` and
// `cargo build -p taoscope-cli`). Timeouts are hang guards, not speed targets.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import * as esbuild from 'esbuild';
import { chromium } from 'playwright-core';
import { BASE_ARGS, BIN, CHROMIUM, GUARD_MS, OUTPUT, ROOT, freePort, startDevnode, startFixture, stopDevnode } from './serve.mjs';

const SCENARIO = path.join(ROOT, 'tests', 'scenarios', 'tiny.json');
const WALLET_SRC = path.join(ROOT, 'tests', 'e2e', 'wallet');
const ALICE = '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY';
const BOB = '5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty';
const NETUID = 2;
const run = promisify(execFile);

/** The wallet folder Chromium loads: the manifest and scripts as they are, the service worker
 * bundled with its sr25519 library. */
async function buildWallet(dir) {
  fs.mkdirSync(dir, { recursive: true });
  for (const f of ['manifest.json', 'inject.js', 'relay.js']) fs.copyFileSync(path.join(WALLET_SRC, f), path.join(dir, f));
  await esbuild.build({
    entryPoints: [path.join(WALLET_SRC, 'background.src.js')],
    bundle: true,
    format: 'esm',
    outfile: path.join(dir, 'background.js'),
    nodePaths: [path.join(ROOT, 'tests', 'node_modules')],
    logLevel: 'silent',
  });
}

async function metagraph(spec) {
  const { stdout } = await run(BIN, ['metagraph', '--netuid', String(NETUID), '--chain', spec, '--json', '--timeout', '240'], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  return JSON.parse(stdout);
}

/** What the review table shows. */
function readReview(page) {
  return page.evaluate(() => {
    const table = document.querySelector('[data-review-table]');
    if (!table) return null;
    const args = {};
    for (const row of table.querySelectorAll('tr[data-arg]')) {
      args[row.dataset.arg] = {
        shown: row.querySelector('[data-shown]').textContent,
        raw: row.querySelector('[data-raw]').textContent,
      };
    }
    return {
      call: table.querySelector('[data-call]').dataset.call,
      args,
      nonce: Number(table.querySelector('[data-nonce]').dataset.nonce),
      payload: table.querySelector('[data-payload]').dataset.payload,
    };
  });
}

describe('staking through a browser extension, on the devnet', () => {
  let fixture;
  let node;
  let context;
  let wallet;
  let hotkey;
  let otherHotkey;
  const routes = {};
  const pageErrors = [];

  before(async () => {
    fixture = await startFixture('taoscope-stake-', routes);
    routes['/chainspecs/devnet.json'] = path.join(fixture.tmp, 'devnet.json');
    node = await startDevnode(await freePort(), routes['/chainspecs/devnet.json'], SCENARIO);
    const walletDir = path.join(fixture.tmp, 'wallet');
    await buildWallet(walletDir);
    context = await chromium.launchPersistentContext(path.join(fixture.tmp, 'profile'), {
      executablePath: CHROMIUM,
      headless: false, // the new headless mode comes from BASE_ARGS: extensions need it
      args: [...BASE_ARGS, `--disable-extensions-except=${walletDir}`, `--load-extension=${walletDir}`],
      viewport: { width: 1280, height: 1000 },
      locale: 'en-US',
    });
    [wallet] = context.serviceWorkers();
    wallet ??= await context.waitForEvent('serviceworker', { timeout: GUARD_MS });
    const graph = await metagraph(routes['/chainspecs/devnet.json']);
    hotkey = graph.neurons.find((n) => n.validator_permit)?.hotkey ?? graph.neurons[0].hotkey;
    otherHotkey = graph.neurons.find((n) => n.hotkey !== hotkey).hotkey;
  });

  after(async () => {
    if (node) await stopDevnode(node.child);
    await context?.close();
    fixture?.server.close();
    assert.deepEqual(pageErrors, [], 'no uncaught errors in any page');
  });

  async function accountPage(who = ALICE) {
    const page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    await page.goto(`${fixture.base}/#/account/${who}`);
    await page.waitForSelector('[data-stake-panel]', { timeout: GUARD_MS });
    // Connect, unless the page is already reconnecting the remembered wallet (then it offers no
    // button until that is settled).
    await page.waitForSelector('[data-wallet-connected], [data-wallet-connecting], button[data-connect="taoscope-test"]', {
      timeout: GUARD_MS,
    });
    if (await page.$('button[data-connect="taoscope-test"]')) await page.click('button[data-connect="taoscope-test"]');
    await page.waitForSelector('[data-wallet-connected="taoscope-test"]', { timeout: GUARD_MS });
    await page.waitForSelector('form[data-stake-form]', { timeout: GUARD_MS });
    return page;
  }

  async function fill(page, fields) {
    await page.selectOption('[data-stake-field="kind"]', fields.kind);
    for (const [name, value] of Object.entries(fields)) {
      if (name === 'partial') await page.setChecked('[data-stake-field="partial"]', value);
      else if (name !== 'kind') await page.fill(`[data-stake-field="${name}"]`, value);
    }
  }

  async function reviewed(page) {
    await page.click('button[data-review]');
    await page.waitForSelector('[data-review-table], [data-stake-error]', { timeout: GUARD_MS });
    const error = await page.$('[data-stake-error]');
    if (error) assert.fail(`review refused: ${await error.textContent()}`);
    return readReview(page);
  }

  async function signed() {
    return wallet.evaluate(() => self.signed);
  }

  test('add stake with a limit: the review is the signed payload, finalized, and the stake moves; remove; move', async () => {
    const before = (await metagraph(routes['/chainspecs/devnet.json'])).neurons.find((n) => n.hotkey === hotkey);
    const page = await accountPage();
    await fill(page, { kind: 'add', hotkey, netuid: String(NETUID), amount: '1.5', tolerance: '5' });
    const review = await reviewed(page);
    assert.equal(review.call, 'SubtensorModule.add_stake_limit');
    assert.equal(review.args.hotkey.shown, hotkey);
    assert.equal(review.args.netuid.shown, String(NETUID));
    assert.equal(review.args.amount_staked.shown, '1.5 τ');
    assert.equal(review.args.amount_staked.raw, '1500000000');
    assert.equal(review.args.allow_partial.shown, 'no');
    const limit = BigInt(review.args.limit_price.raw);
    const price = BigInt(await page.getAttribute('[data-price]', 'data-price'));
    assert.equal(limit, price + (price * 500n) / 10000n, 'the limit is the pool price plus 5%');
    await page.screenshot({ path: path.join(OUTPUT, 'staking-review.png'), fullPage: true });

    const signedBefore = (await signed()).length;
    await page.click('button[data-sign]');
    // The sign button is gone at once: one review, one signature.
    assert.equal(await page.$('button[data-sign]'), null);
    await page.waitForSelector('[data-outcome]', { timeout: GUARD_MS });
    const outcome = await page.getAttribute('[data-outcome]', 'data-outcome');
    assert.equal(outcome, 'success', await page.textContent('[data-stake-panel]'));
    // What the wallet signed, rebuilt from its JSON request by its own code, is the reviewed
    // payload byte for byte.
    const log = await signed();
    assert.equal(log.length, signedBefore + 1);
    assert.equal(log.at(-1).payload, review.payload);
    assert.equal(log.at(-1).request.address, ALICE);
    const steps = await page.$$eval('[data-tx-steps] li', (li) => li.map((l) => l.textContent));
    assert.ok(steps.some((s) => s.startsWith('validated')), steps.join(' | '));
    assert.ok(steps.some((s) => s.startsWith('in block')), steps.join(' | '));
    const received = await page.textContent('[data-received]');
    const alpha = Number(/^([\d.]+) α for 1\.5 τ/.exec(received)?.[1]);
    assert.ok(alpha > 0, received);
    const stakeNow = Number(await page.getAttribute('[data-stake-now]', 'data-stake-now'));
    assert.ok(stakeNow >= Math.round(alpha * 1e9) - 2, `stake now ${stakeNow}, received ${alpha}`);
    // The portfolio above reads again at once: the new position is in the table.
    await page.waitForSelector(`[data-account] tr[data-netuid="${NETUID}"]`, { timeout: GUARD_MS });
    await page.screenshot({ path: path.join(OUTPUT, 'staking-done.png'), fullPage: true });

    // The chain read natively, by the command line's own light client: the hotkey's stake grew
    // by at least what was bought (epochs add emissions on top).
    const after = (await metagraph(routes['/chainspecs/devnet.json'])).neurons.find((n) => n.hotkey === hotkey);
    assert.ok(after.stake >= before.stake + Math.floor(alpha * 1e9) - 2, `${before.stake} → ${after.stake}, bought ${alpha}`);

    // Remove part of it, with a limit below the price.
    await page.click('button[data-again]');
    await fill(page, { kind: 'remove', hotkey, netuid: String(NETUID), amount: '0.1', tolerance: '5' });
    const removal = await reviewed(page);
    assert.equal(removal.call, 'SubtensorModule.remove_stake_limit');
    assert.equal(removal.args.amount_unstaked.shown, '0.1 α');
    assert.equal(removal.nonce, review.nonce + 1);
    await page.click('button[data-sign]');
    await page.waitForSelector('[data-outcome]', { timeout: GUARD_MS });
    assert.equal(await page.getAttribute('[data-outcome]', 'data-outcome'), 'success', await page.textContent('[data-stake-panel]'));
    assert.equal((await signed()).at(-1).payload, removal.payload);
    const left = Number(await page.getAttribute('[data-stake-now]', 'data-stake-now'));
    assert.ok(left < stakeNow + 1e9, `${stakeNow} → ${left}`);

    // Move some to another hotkey on the same subnet: no swap, so no limit.
    await page.click('button[data-again]');
    await fill(page, { kind: 'move', hotkey, netuid: String(NETUID), 'to-hotkey': otherHotkey, 'to-netuid': String(NETUID), amount: '0.2' });
    const move = await reviewed(page);
    assert.equal(move.call, 'SubtensorModule.move_stake');
    assert.equal(move.args.destination_hotkey.shown, otherHotkey);
    assert.equal(move.args.alpha_amount.raw, '200000000');
    await page.click('button[data-sign]');
    await page.waitForSelector('[data-outcome]', { timeout: GUARD_MS });
    assert.equal(await page.getAttribute('[data-outcome]', 'data-outcome'), 'success', await page.textContent('[data-stake-panel]'));
    assert.equal((await signed()).at(-1).payload, move.payload);
    const moved = Number(await page.getAttribute('[data-stake-now]', 'data-stake-now'));
    assert.ok(moved > 0 && moved <= 200_000_002, `the other hotkey holds ${moved}`);
    await page.waitForFunction((n) => document.querySelectorAll(`[data-account] tr[data-netuid="${n}"]`).length === 2, NETUID, {
      timeout: GUARD_MS,
    });
    await page.close();
  });

  test('a refusal in the extension: a clear message, nothing sent', async () => {
    const page = await accountPage();
    await fill(page, { kind: 'add', hotkey, netuid: String(NETUID), amount: '1', tolerance: '5' });
    await reviewed(page);
    const count = (await signed()).length;
    await wallet.evaluate(() => {
      self.refuse = 'Cancelled by the user';
    });
    await page.click('button[data-sign]');
    await page.waitForSelector('[data-outcome="refused"]', { timeout: GUARD_MS });
    const text = await page.textContent('[data-outcome="refused"]');
    assert.match(text, /taoscope-test refused: Cancelled by the user/);
    assert.equal((await signed()).length, count, 'nothing signed');
    assert.equal(await page.$$eval('[data-tx-steps] li', (li) => li.length), 0, 'nothing sent');
    await page.close();
  });

  test('bad amounts are refused before anything is signed', async () => {
    const page = await accountPage();
    const count = (await signed()).length;
    const cases = [
      ['0', /more than zero/],
      ['abc', /not an amount/],
      ['1.0000000001', /at most 9 decimals/],
      ['18000000000', /more than the .* available/],
      ['', /enter an amount/],
    ];
    for (const [amount, message] of cases) {
      await fill(page, { kind: 'add', hotkey, netuid: String(NETUID), amount, tolerance: '5' });
      await page.click('button[data-review]');
      await page.waitForSelector('[data-stake-error]', { timeout: GUARD_MS });
      assert.match(await page.textContent('[data-stake-error]'), message, `amount "${amount}"`);
      assert.equal(await page.$('[data-review-table]'), null);
    }
    assert.equal((await signed()).length, count, 'nothing signed');
    await page.close();
  });

  test('a limit the pool cannot meet: refused with the reason, nothing bought', async () => {
    const page = await accountPage();
    await page.waitForSelector('[data-free]', { timeout: GUARD_MS });
    const freeBefore = Number(await page.getAttribute('[data-free]', 'data-free'));
    // No tolerance: buying moves the price above the limit at the first rao.
    await fill(page, { kind: 'add', hotkey, netuid: String(NETUID), amount: '50', tolerance: '0' });
    const review = await reviewed(page);
    assert.equal(Number(review.args.limit_price.raw), Number(await page.getAttribute('[data-price]', 'data-price')));
    await page.click('button[data-sign]');
    await page.waitForSelector('[data-outcome="refused"], [data-outcome="failed"]', { timeout: GUARD_MS });
    const text = await page.textContent('[data-stake-panel]');
    assert.match(text, /ZeroMaxAmount|SlippageTooHigh/, text);
    assert.equal(await page.$('[data-stake-now]'), null, 'not included: no new position');
    // Alice's free balance, read afresh by a new page after the refusal: a buy would have taken
    // 50 τ from it, a refusal at most the fee. (The hotkey's stake is no witness: epochs add
    // emissions to it meanwhile, 5.3 α in one 12 s run on a slow machine.)
    const later = await accountPage();
    await later.waitForSelector('[data-free]', { timeout: GUARD_MS });
    const freeAfter = Number(await later.getAttribute('[data-free]', 'data-free'));
    assert.ok(freeBefore - freeAfter < 1e9, `free ${freeBefore} → ${freeAfter}: 50 τ would have gone`);
    assert.ok(freeBefore - freeAfter >= 0, `free ${freeBefore} → ${freeAfter}`);
    await later.close();
    await page.close();
  });

  test('the price moves between review and signature: the limit holds, nothing is bought', async () => {
    // Alice funds Bob through the page (a transfer), then reviews a small buy with 0.5% room.
    const alice = await accountPage(ALICE);
    await fill(alice, { kind: 'transfer', dest: BOB, amount: '400' });
    const transfer = await reviewed(alice);
    assert.equal(transfer.call, 'Balances.transfer_keep_alive');
    assert.equal(transfer.args.dest.shown, BOB);
    assert.equal(transfer.args.value.shown, '400 τ');
    await alice.click('button[data-sign]');
    await alice.waitForSelector('[data-outcome]', { timeout: GUARD_MS });
    assert.equal(await alice.getAttribute('[data-outcome]', 'data-outcome'), 'success', await alice.textContent('[data-stake-panel]'));
    await alice.click('button[data-again]');
    await fill(alice, { kind: 'add', hotkey, netuid: String(NETUID), amount: '1', tolerance: '0.5', partial: false });
    const review = await reviewed(alice);
    const limit = BigInt(review.args.limit_price.raw);

    // Bob, in another tab, buys a lot of the same subnet's alpha (partly, up to +50%).
    const bob = await accountPage(BOB);
    await bob.waitForSelector('[data-free]', { timeout: GUARD_MS });
    await fill(bob, { kind: 'add', hotkey, netuid: String(NETUID), amount: '300', tolerance: '50', partial: true });
    const bobReview = await reviewed(bob);
    assert.equal(bobReview.args.allow_partial.shown, 'yes');
    await bob.click('button[data-sign]');
    await bob.waitForSelector('[data-outcome]', { timeout: GUARD_MS });
    assert.equal(await bob.getAttribute('[data-outcome]', 'data-outcome'), 'success', await bob.textContent('[data-stake-panel]'));
    // Bob's purchase pushed the pool's price past Alice's limit.
    await bob.click('button[data-again]');
    await fill(bob, { kind: 'add', hotkey, netuid: String(NETUID), amount: '1', tolerance: '5' });
    await reviewed(bob);
    const priceNow = BigInt(await bob.getAttribute('[data-price]', 'data-price'));
    assert.ok(priceNow > limit, `price ${priceNow} is past Alice's limit ${limit}`);

    // Alice signs the review she was shown: the chain refuses it, naming why.
    await alice.click('button[data-sign]');
    await alice.waitForSelector('[data-outcome="refused"], [data-outcome="failed"]', { timeout: GUARD_MS });
    const text = await alice.textContent('[data-stake-panel]');
    assert.match(text, /ZeroMaxAmount|SlippageTooHigh/, text);
    assert.equal((await signed()).at(-1).payload, review.payload, 'what was refused is what she reviewed');
    assert.equal(await alice.$('[data-stake-now]'), null, 'not included: no new position');
    await alice.close();
    await bob.close();
  });
});
