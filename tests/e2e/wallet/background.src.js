// The test wallet's service worker: the only place its key lives. It rebuilds the bytes to sign
// from the SignerPayloadJSON on its own (as polkadot{.js}-style signers do, from the field values
// and the extension names, without the page's code), signs them with sr25519, and records each
// payload it signed so a test can compare it with what the page's review showed.
//
// Test controls (set from Playwright through the service worker): `self.refuse = 'reason'` makes
// the next request fail as a user's "Cancel" would; `self.signed` lists what was signed.
import { blake2b } from '@noble/hashes/blake2.js';
import * as sr25519 from '@scure/sr25519';

// Substrate's well-known development seeds (subkey inspect //Alice, //Bob), by SS58 address.
const KEYS = {
  '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY': {
    name: 'Alice (test)',
    secret: sr25519.secretFromSeed(hexToBytes('e5be9a5092b81bca64be81d212e7f2f9eba183bb7a90954f7b76361f6edb5c0a')),
  },
  '5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty': {
    name: 'Bob (test)',
    secret: sr25519.secretFromSeed(hexToBytes('398f0c28f98885e046333d4a41c19cee4c37368a9832c6502f6cfd182e2aef89')),
  },
};

self.refuse = null;
self.signed = [];
self.publicKeys = Object.values(KEYS).map((k) => bytesToHex(sr25519.getPublicKey(k.secret)));

function hexToBytes(hex) {
  const clean = hex.replace(/^0x/, '');
  if (clean.length % 2) throw new Error(`odd-length hex: ${hex}`);
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function bytesToHex(bytes) {
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
}

function compact(n) {
  const v = BigInt(n);
  if (v < 64n) return [Number(v) << 2];
  if (v < 16384n) return [Number((v << 2n) | 1n) & 0xff, Number((v << 2n) | 1n) >> 8];
  if (v < 1073741824n) {
    const x = (v << 2n) | 2n;
    return [0, 1, 2, 3].map((i) => Number((x >> BigInt(8 * i)) & 0xffn));
  }
  const bytes = [];
  let rest = v;
  while (rest > 0n) {
    bytes.push(Number(rest & 0xffn));
    rest >>= 8n;
  }
  return [((bytes.length - 4) << 2) | 3, ...bytes];
}

function u32(hex) {
  const v = Number(BigInt(hex));
  return [v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >>> 24) & 0xff];
}

/** call ++ extra ++ additional, from the JSON alone. */
function payloadBytes(p) {
  const extra = [];
  const additional = [];
  for (const name of p.signedExtensions) {
    switch (name) {
      case 'CheckMortality':
      case 'CheckEra':
        extra.push(...hexToBytes(p.era));
        additional.push(...hexToBytes(p.blockHash));
        break;
      case 'CheckNonce':
        extra.push(...compact(BigInt(p.nonce)));
        break;
      case 'ChargeTransactionPayment':
        extra.push(...compact(BigInt(p.tip)));
        break;
      case 'CheckMetadataHash':
        extra.push(p.mode ?? 0);
        if (p.metadataHash) additional.push(1, ...hexToBytes(p.metadataHash));
        else additional.push(0);
        break;
      case 'CheckSpecVersion':
        additional.push(...u32(p.specVersion));
        break;
      case 'CheckTxVersion':
        additional.push(...u32(p.transactionVersion));
        break;
      case 'CheckGenesis':
        additional.push(...hexToBytes(p.genesisHash));
        break;
      default:
        // Extensions that carry nothing (subtensor's own checks, CheckWeight, ...).
        break;
    }
  }
  return new Uint8Array([...hexToBytes(p.method), ...extra, ...additional]);
}

async function handle(method, params) {
  if (self.refuse) {
    const why = self.refuse;
    self.refuse = null;
    throw new Error(why);
  }
  switch (method) {
    case 'enable':
      return true;
    case 'accounts':
      return Object.entries(KEYS).map(([address, k]) => ({ address, name: k.name, type: 'sr25519' }));
    case 'signPayload': {
      const key = KEYS[params.address];
      if (!key) throw new Error(`no key for ${params.address}`);
      const bytes = payloadBytes(params);
      const message = bytes.length > 256 ? blake2b256(bytes) : bytes;
      const signature = sr25519.sign(key.secret, message);
      self.signed.push({ payload: `0x${bytesToHex(bytes)}`, request: params });
      return { id: self.signed.length, signature: `0x01${bytesToHex(signature)}` };
    }
    default:
      throw new Error(`unknown wallet method ${method}`);
  }
}

function blake2b256(bytes) {
  return blake2b(bytes, { dkLen: 32 });
}

chrome.runtime.onMessage.addListener((message, _sender, reply) => {
  handle(message.method, message.params).then(
    (result) => reply({ result }),
    (e) => reply({ error: e.message }),
  );
  return true;
});
