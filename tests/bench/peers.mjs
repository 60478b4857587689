// Times the Node peers on the inputs tests/bench/rust times, with the same method (warm-up,
// calibrated batches, median of the per-operation sample times); one JSON object per line.
// Uses the installs of tests/conformance/peers (viem), tests/conformance/peers/macaroon (macaroon = js-macaroon) and
// tests/conformance/peers/bolt11 (bolt11); run by tests/bench/run.sh:
//   node tests/bench/peers.mjs [samples] [sample_ms] [warmup_ms]
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const peers = join(here, '..', 'peers');
const fixtures = JSON.parse(readFileSync(join(here, 'fixtures.json'), 'utf8'));
const samples = Number(process.argv[2] ?? 21);
const sampleMs = Number(process.argv[3] ?? 20);
const warmupMs = Number(process.argv[4] ?? 1000);
const from = (dir) => createRequire(join(peers, dir, 'package.json'));
const version = (dir, name) => JSON.parse(readFileSync(join(peers, dir, 'node_modules', name, 'package.json'), 'utf8')).version;

/** Same method as tests/bench/rust: warm up, size a batch to one sample time, median of samples. */
async function measure(library, op, f, isAsync, extra = {}) {
  const now = () => Number(process.hrtime.bigint()) / 1e6; // ms
  let iters = 0;
  const warmStart = now();
  while (now() < warmStart + warmupMs) { if (isAsync) await f(); else f(); iters++; }
  const batch = Math.max(1, Math.floor((iters * sampleMs) / (now() - warmStart)));
  const times = [];
  for (let s = 0; s < samples; s++) {
    const start = now();
    if (isAsync) { for (let i = 0; i < batch; i++) await f(); } else { for (let i = 0; i < batch; i++) f(); }
    times.push(((now() - start) * 1e6) / batch);
  }
  times.sort((a, b) => a - b);
  console.log(JSON.stringify({ library, op, median_ns: +times[samples >> 1].toFixed(1), min_ns: +times[0].toFixed(1),
    max_ns: +times[samples - 1].toFixed(1), batch, samples, ...extra }));
}

const e = fixtures.eip3009;
const only = process.env.BENCH_ONLY ?? '';

// --- viem: recoverTypedDataAddress on the x402 spec's EIP-3009 example typed data
if (!only || only === 'viem') {
  const { recoverTypedDataAddress, hashTypedData } = from('.')('viem');
  const typedData = {
    domain: { name: e.domain.name, version: e.domain.version, chainId: e.domain.chainId, verifyingContract: e.domain.verifyingContract },
    types: { TransferWithAuthorization: [
      { name: 'from', type: 'address' }, { name: 'to', type: 'address' }, { name: 'value', type: 'uint256' },
      { name: 'validAfter', type: 'uint256' }, { name: 'validBefore', type: 'uint256' }, { name: 'nonce', type: 'bytes32' }] },
    primaryType: 'TransferWithAuthorization',
    message: { from: e.from, to: e.to, value: BigInt(e.value), validAfter: BigInt(e.validAfter), validBefore: BigInt(e.validBefore), nonce: e.nonce },
  };
  if (hashTypedData(typedData) !== e.digest) throw new Error('viem digest differs from the x402 spec EIP-3009 example');
  const recovered = await recoverTypedDataAddress({ ...typedData, signature: e.signature });
  if (recovered.toLowerCase() !== e.from.toLowerCase()) throw new Error(`viem recovered ${recovered}`);
  await measure('viem', 'evm.recover_typed_data', () => recoverTypedDataAddress({ ...typedData, signature: e.signature }), true,
    { version: version('.', 'viem') });
}

// --- js-macaroon: importMacaroon + verify with an exact-match checker (1 id + 5 caveats)
if (!only || only === 'js-macaroon') {
  const m = from('macaroon')('macaroon');
  const key = Uint8Array.from(Buffer.from(fixtures.macaroon.root_key_hex, 'hex'));
  const caveats = new Set(fixtures.macaroon.caveats);
  const check = (c) => (caveats.has(c) ? null : `caveat not satisfied: ${c}`);
  const decodeVerify = () => {
    const mac = m.importMacaroon(fixtures.macaroon.token);
    mac.verify(key, check, []);
    return mac;
  };
  if (decodeVerify().caveats.length !== 5) throw new Error('js-macaroon: expected 5 caveats');
  let forged = false;
  try { m.importMacaroon(fixtures.macaroon.token).verify(new Uint8Array(32), check, []); } catch { forged = true; }
  if (!forged) throw new Error('js-macaroon accepted a wrong root key');
  await measure('js-macaroon', 'macaroon.decode_verify', decodeVerify, false, { version: version('macaroon', 'macaroon') });
}

// --- bolt11: decode (recovers the payee: the spec example has no `n`)
if (!only || only === 'bolt11') {
  const bolt11 = from('bolt11')('bolt11');
  const decoded = bolt11.decode(fixtures.bolt11.invoice);
  if (decoded.payeeNodeKey !== fixtures.bolt11.payee_hex) throw new Error(`bolt11 payee ${decoded.payeeNodeKey}`);
  // bolt11 recovers through the `secp256k1` package: native addon if it loaded, else elliptic (JS).
  let backend = 'elliptic (JS)';
  try { from('bolt11')('secp256k1/bindings'); backend = 'native addon (libsecp256k1)'; } catch { /* JS fallback */ }
  await measure('bolt11', 'bolt11.decode_recover', () => bolt11.decode(fixtures.bolt11.invoice), false,
    { version: version('bolt11', 'bolt11'), secp256k1_backend: backend, secp256k1_version: version('bolt11', 'secp256k1') });
}
