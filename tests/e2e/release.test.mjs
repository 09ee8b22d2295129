// The release folder (`cargo xtask dist`) on plain static servers that know nothing of the app:
// at a host's root, under a sub-path with pre-compressed files and a 404 page, and under an
// IPFS-gateway-style `/ipfs/<cid>/`. Every route is reached by clicking, then its address loaded
// in a fresh page and reloaded; the MANIFEST matches the folder and a second build of the same
// commit; a byte changed in a served script or wasm is refused with a message naming the file;
// after one visit the release works offline.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';

import {
  BASE_ARGS, BIN, CHROMIUM, GUARD_MS, OUTPUT, ROOT, freePort, serveStatic, startDevnode, stopDevnode,
} from './serve.mjs';

const run = promisify(execFile);
const TARGET = process.env.CARGO_TARGET_DIR ?? path.join(ROOT, 'target');
const RELEASE = path.resolve(process.env.TAOSCOPE_RELEASE ?? path.join(TARGET, 'release-a'));
const RELEASE_B = path.resolve(process.env.TAOSCOPE_RELEASE_B ?? path.join(TARGET, 'release-b'));
const SNAPSHOT_QUERY = '?snapshot=snapshots/devnet.json';
const SUBNET = 3;

/** `MANIFEST` as [sha256, path] pairs, and its comment lines. */
function readManifest(folder) {
  const text = fs.readFileSync(path.join(folder, 'MANIFEST'), 'utf8');
  const lines = text.trim().split('\n');
  return {
    comments: lines.filter((l) => l.startsWith('#')),
    entries: lines.filter((l) => !l.startsWith('#')).map((l) => {
      const at = l.indexOf('  ');
      return [l.slice(0, at), l.slice(at + 2)];
    }),
  };
}

function filesUnder(folder) {
  return fs.readdirSync(folder, { recursive: true })
    .filter((f) => fs.statSync(path.join(folder, f)).isFile())
    .map((f) => f.split(path.sep).join('/'))
    .sort();
}

describe('the release folder on plain static hosts', () => {
  let browser;
  let node;
  let tmp;
  const pageErrors = [];
  const extra = {};

  before(async () => {
    for (const folder of [RELEASE, RELEASE_B]) {
      assert.ok(fs.existsSync(path.join(folder, 'MANIFEST')), `${folder}/MANIFEST is missing: run cargo xtask dist --out ${folder}`);
    }
    assert.ok(fs.existsSync(BIN), `${BIN} is missing: cargo build -p taoscope-cli`);
    fs.mkdirSync(OUTPUT, { recursive: true });
    tmp = fs.mkdtempSync(path.join(TARGET, 'release-test-'));
    // What a host adds to the folder: the devnet's chain spec and a snapshot of it.
    const spec = path.join(tmp, 'devnet.json');
    node = await startDevnode(await freePort(), spec);
    const snapshot = path.join(tmp, 'snapshot.json');
    await run(BIN, ['snapshot', '--chain', spec, '--out', snapshot, '--timeout', '240'], { timeout: 300_000 });
    extra['chainspecs/devnet.json'] = spec;
    extra['snapshots/devnet.json'] = snapshot;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: BASE_ARGS });
  });

  after(async () => {
    await browser?.close();
    if (node) await stopDevnode(node.child);
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    assert.deepEqual(pageErrors, [], 'no uncaught errors in any page');
  });

  /** A page in its own context; its uncaught errors fail the run unless `refusals` says the
   * test expects them (a refused worker's error reaches the page as one). */
  async function newPage({ refusals = false } = {}) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US' });
    const page = await context.newPage();
    page.on('pageerror', (e) => {
      if (!(refusals && / does not match this release/.test(String(e)))) pageErrors.push(String(e));
    });
    return page;
  }

  test('the MANIFEST lists every file with its SHA-256, and a second build of the commit is identical', async () => {
    const { comments, entries } = readManifest(RELEASE);
    assert.match(comments.join('\n'), /^# commit [0-9a-f]{40}/m);
    const listed = entries.map(([, p]) => p);
    assert.deepEqual(listed, filesUnder(RELEASE).filter((f) => f !== 'MANIFEST'), 'every file, and only those');
    for (const [sum, file] of entries) {
      const actual = crypto.createHash('sha256').update(fs.readFileSync(path.join(RELEASE, file))).digest('hex');
      assert.equal(actual, sum, file);
    }
    // Hashed names for everything the page runs. The service worker is the exception: it keeps
    // the one name its registration and the browser's update checks look for, and a
    // registration cannot carry an integrity value.
    const code = listed.filter((f) => /\.(js|wasm)$/.test(f) && f !== 'sw.js');
    for (const file of code) {
      // Trunk writes its 64-bit hash without leading zeros: 16 hex digits, fewer one time in 16.
      assert.match(file, /-[0-9a-f]{12,16}(_bg)?\.(js|wasm)$/, `${file} has a content-hashed name`);
    }    // Every integrity value index.html carries is the SHA-384 of the file it names: link
    // attributes, the import map, and the page's and the worker's checked fetches.
    const index = fs.readFileSync(path.join(RELEASE, 'index.html'), 'utf8');
    const pins = [
      ...[...index.matchAll(/href="\.\/([^"]+)"[^>]*integrity="(sha384-[^"]+)"/g)].map((m) => [m[1], m[2]]),
      ...[...index.matchAll(/"\.\/([^"]+)":"(sha384-[^"]+)"/g)].map((m) => [m[1], m[2]]),
      ...[...index.matchAll(/checked\('(?:\.\/)?([^']+)', '(sha384-[^']+)'\)/g)].map((m) => [m[1], m[2]]),
    ];
    const pinned = new Set(pins.map(([file]) => file));
    for (const file of [...code, ...listed.filter((f) => /\.css$/.test(f))].filter((f) => !f.includes('/'))) {
      assert.ok(pinned.has(file), `${file} is loaded with an integrity value`);
    }
    for (const [file, integrity] of pins) {
      const actual = `sha384-${crypto.createHash('sha384').update(fs.readFileSync(path.join(RELEASE, file))).digest('base64')}`;
      assert.equal(integrity, actual, `integrity of ${file}`);
    }
    // Installable: the page links a web app manifest that names its icon and scope.
    assert.match(index, /<link rel="manifest" href="\.\/manifest\.webmanifest" \/>/);
    const webManifest = JSON.parse(fs.readFileSync(path.join(RELEASE, 'manifest.webmanifest'), 'utf8'));
    assert.equal(webManifest.start_url, './');
    assert.ok(listed.includes(webManifest.icons[0].src.replace('./', '')), 'its icon is in the release');
    const b = readManifest(RELEASE_B);
    assert.deepEqual(b.comments, comments);
    assert.deepEqual(b.entries, entries, 'two dist runs of one commit: the same files, byte for byte');
    assert.ok(
      fs.readFileSync(`${RELEASE}.car`).equals(fs.readFileSync(`${RELEASE_B}.car`)),
      'and the same CAR, so the same IPFS CID',
    );
  });

  test('every file the page downloads fits its budget (tests/budgets.json), gzip and brotli', () => {
    const budgets = JSON.parse(fs.readFileSync(path.join(ROOT, 'tests', 'budgets.json'), 'utf8')).files;
    const files = fs.readdirSync(RELEASE);
    const report = [];
    for (const [pattern, limits] of Object.entries(budgets)) {
      const re = new RegExp(`^${pattern.replace(/[.]/g, '\\.').replace('*', '[0-9a-f]+')}$`);
      const matches = files.filter((f) => re.test(f));
      assert.equal(matches.length, 1, `exactly one ${pattern} in the release (found ${matches.join(', ') || 'none'})`);
      for (const [encoding, kib] of Object.entries(limits)) {
        const size = fs.statSync(path.join(RELEASE, `${matches[0]}.${encoding === 'gzip' ? 'gz' : 'br'}`)).size / 1024;
        report.push(`${matches[0]} ${encoding} ${size.toFixed(0)} KiB of ${kib}`);
        assert.ok(size <= kib, `${matches[0]} ${encoding}: ${size.toFixed(1)} KiB is over its budget of ${kib} KiB`);
      }
    }
    console.log(report.join('\n'));
  });

  // The route walk: each step clicks from where the last one left, and names what proves the
  // page it reached is really shown.
  const STEPS = [
    ['overview', null, '[data-stat="subnets"] [data-value]'],
    ['subnets', 'a[data-nav="subnets"]', `tr[data-netuid="${SUBNET}"]`],
    ['subnet', `tr[data-netuid="${SUBNET}"] a`, `[data-panel="metagraph"] tr[data-uid="1"]`],
    ['neuron', '[data-panel="metagraph"] tr[data-uid="1"] a[href*="/uid/1"]', '[data-hotkey]'],
    ['account', 'dd a[href*="#/account/"]', '[data-account] tr[data-netuid]'],
    ['audit', 'a[data-nav="audit"]', `tr[data-netuid="${SUBNET}"][data-verdict="exact"]`],
    ['lab of a subnet', `a[href*="lab?netuid=${SUBNET}"]`, `#results[data-case="live-${SUBNET}"]`],
    ['chain', 'a[data-nav="chain"]', '[data-panel="source"]'],
    ['lab', 'a[data-nav="lab"]', '#results[data-case]'],
  ];

  async function shows(page, selector, what) {
    await page.waitForSelector(selector, { state: 'attached', timeout: GUARD_MS }).catch((e) => {
      throw new Error(`${what} at ${page.url()}: ${selector} never appeared (${e.message})`);
    });
    assert.equal(await page.$('.boot-error'), null, `${what}: the app started`);
  }

  async function walk(server, base, label) {
    const page = await newPage();
    const origins = new Set();
    page.on('request', (r) => origins.add(new URL(r.url()).origin));
    await page.goto(`${base}${SNAPSHOT_QUERY}#/`);
    const visited = [];
    for (const [what, click, proof] of STEPS) {
      if (click) await page.click(click);
      await shows(page, proof, `${label}: ${what} by clicking`);
      visited.push([what, page.url(), proof]);
    }
    await page.screenshot({ path: path.join(OUTPUT, `release-${label}.png`) });
    await page.context().close();
    assert.deepEqual([...origins], [new URL(base).origin], 'no request leaves the host');
    // Every address the bar showed loads as-is in a fresh page, and again after a reload.
    for (const [what, url, proof] of visited) {
      const fresh = await newPage();
      const response = await fresh.goto(url);
      assert.equal(response.status(), 200, `${url} is served`);
      await shows(fresh, proof, `${label}: ${what} loaded directly`);
      await fresh.reload();
      await shows(fresh, proof, `${label}: ${what} reloaded`);
      await fresh.context().close();
    }
    assert.ok(!server.requests.some((p) => p.endsWith('light_worker_loader.js')), 'the release starts no unchecked worker');
    return visited;
  }

  test('at a host\'s root: every route by clicking, by direct load and by reload', async () => {
    const server = await serveStatic(RELEASE, { extra });
    try {
      // The lab alone never fetches the light client (4 MB of the folder's 6).
      const lab = await newPage();
      await lab.goto(`http://127.0.0.1:${server.address().port}/#/lab?case=small-honest`);
      await shows(lab, '#results[data-case="small-honest"]', 'root: the lab');
      await lab.context().close();
      assert.deepEqual(server.requests.filter((p) => p.includes('light_worker')), [], 'the lab fetched no light-client file');
      const visited = await walk(server, `http://127.0.0.1:${server.address().port}/`, 'root');
      assert.equal(visited.length, STEPS.length);
    } finally {
      server.close();
    }
  });

  test('under a sub-path with gzip/brotli files and a 404 page: routes, and old path links moved to the hash', async () => {
    const server = await serveStatic(RELEASE, { prefix: '/taoscope/', page404: true, precompressed: true, extra });
    const base = `http://127.0.0.1:${server.address().port}/taoscope/`;
    try {
      await walk(server, base, 'subpath');
      assert.ok(server.requests.length > 0);
      // Old path-style links: the host answers 404 with the release's 404.html, which moves
      // them into the hash route under the same sub-path.
      const page = await newPage();
      for (const [old, hash, proof] of [
        [`lab?case=small-honest`, '#/lab?case=small-honest', '#results[data-case="small-honest"]'],
        [`subnets`, '#/subnets', 'tr[data-netuid]'],
        [`subnet/${SUBNET}`, `#/subnet/${SUBNET}`, '[data-panel="metagraph"]'],
        [`subnet/${SUBNET}/uid/1`, `#/subnet/${SUBNET}/uid/1`, '[data-hotkey]'],
        [`audit`, '#/audit', '[data-page="audit"]'],
        [`chain`, '#/chain', '[data-panel="source"]'],
      ]) {
        await page.goto(`${base}${old}`);
        await page.waitForURL(`${base}${hash}`, { timeout: GUARD_MS });
        await shows(page, proof, `old link /taoscope/${old}`);
      }
      const account = await newPage();
      await account.goto(`${base}account/5C4hrfjw9DjXZTzV3MwzrrAr9P1MJhSrvWGWqi1eSuyUpnhM`);
      await account.waitForURL(/\/taoscope\/#\/account\/5C4hrfjw/, { timeout: GUARD_MS });
      await account.context().close();
      await page.context().close();
    } finally {
      server.close();
    }
  });

  test('under an IPFS gateway path, and the light client starts from the checked worker', async () => {
    const cid = 'bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi';
    const server = await serveStatic(RELEASE, { prefix: `/ipfs/${cid}/`, extra });
    const base = `http://127.0.0.1:${server.address().port}/ipfs/${cid}/`;
    try {
      await walk(server, base, 'ipfs');
      // With no snapshot the dashboard follows the devnet through the worker, started from the
      // boot script inside index.html.
      const page = await newPage();
      await page.goto(`${base}#/chain`);
      await page.waitForSelector('.sync-panel[data-phase="synced"]', { timeout: GUARD_MS });
      await page.context().close();
      const worker = fs.readdirSync(RELEASE).find((f) => /^light_worker_bg-.*\.wasm$/.test(f));
      assert.ok(server.requests.includes(`/ipfs/${cid}/${worker}`), 'the hashed worker wasm was fetched');
    } finally {
      server.close();
    }
  });

  test('after one visit the release works offline: a snapshot already read, the lab and its cases', async () => {
    const server = await serveStatic(RELEASE, { prefix: '/taoscope/', extra });
    const base = `http://127.0.0.1:${server.address().port}/taoscope/`;
    try {
      const page = await newPage();
      await page.goto(`${base}${SNAPSHOT_QUERY}#/subnets`);
      await shows(page, `tr[data-netuid="${SUBNET}"]`, 'online');
      // The service worker has installed (the shell is cached) and controls the page.
      await page.evaluate(async () => {
        await navigator.serviceWorker.ready;
        while (!navigator.serviceWorker.controller) await new Promise((r) => setTimeout(r, 100));
      });
      // The first load ran before the worker existed: what it fetched (the host's snapshot)
      // is cached from the next load on.
      await page.reload();
      await shows(page, `tr[data-netuid="${SUBNET}"]`, 'online, through the service worker');
      const served = server.requests.length;
      await page.context().setOffline(true);
      await page.reload();
      await shows(page, `tr[data-netuid="${SUBNET}"]`, 'offline: the subnets from the snapshot read before');
      await page.goto(`${base}#/lab?case=outlier-clipping`);
      await shows(page, '#results[data-case="outlier-clipping"]', 'offline: an example case never opened before');
      assert.equal(server.requests.length, served, 'nothing reached the host while offline');
      await page.screenshot({ path: path.join(OUTPUT, 'release-offline.png') });
      await page.context().close();
    } finally {
      server.close();
    }
  });

  test('a byte changed in a served script or wasm is refused, and the page names the file', async () => {
    const files = fs.readdirSync(RELEASE);
    const find = (re) => files.find((f) => re.test(f));
    const app = find(/^taoscope-web-[0-9a-f]+_bg\.wasm$/);
    const module = find(/^taoscope-web-[0-9a-f]+\.js$/);
    const worker = find(/^light_worker_bg-[0-9a-f]+\.wasm$/);
    const workerScript = find(/^light_worker-[0-9a-f]+\.js$/);
    for (const file of [app, module]) {
      const server = await serveStatic(RELEASE, { extra, tamper: { [file]: 200 } });
      try {
        const page = await newPage();
        await page.goto(`http://127.0.0.1:${server.address().port}/#/lab`);
        const note = await page.waitForSelector('.boot-error', { timeout: GUARD_MS });
        assert.match(await note.textContent(), new RegExp(`${file.replace('.', '\\.')} does not match this release`));
        assert.equal(await page.$('#results'), null, 'nothing of the app ran');
        await page.context().close();
      } finally {
        server.close();
      }
    }
    for (const file of [worker, workerScript]) {
      const server = await serveStatic(RELEASE, { extra, tamper: { [file]: 200 } });
      try {
        const page = await newPage({ refusals: true });
        await page.goto(`http://127.0.0.1:${server.address().port}/#/chain`);
        await page.waitForFunction(
          (f) => document.body.textContent.includes(`${f} does not match this release`),
          file,
          { timeout: GUARD_MS },
        );
        assert.equal(await page.$('.sync-panel[data-phase="synced"]'), null, 'the light client did not start');
        await page.screenshot({ path: path.join(OUTPUT, 'release-refused-worker.png') });
        await page.context().close();
      } finally {
        server.close();
      }
    }
  });
});
