// tests/conformance/vectors/macaroon-peers.js-macaroon.json from npm `macaroon` (js-macaroon) 3.0.4.
// Deterministic: every random input is sha256(seed ‖ case ‖ label); tweetnacl's PRNG (used for
// third-party caveat nonces) is replaced by the same construction. Run: node gen/js_macaroon.mjs OUTDIR
import { createRequire } from 'node:module';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
const require = createRequire(import.meta.url);
const nacl = require('tweetnacl');
// js-macaroon 3.0.4 bug: ByteBuffer._grow compares with `this._capacity`, which is never set, so
// every append doubles the buffer and exportBinary() of a macaroon with ~8 fields or more asks for
// gigabytes (RangeError). Test-only workaround: give ByteBuffer a `_capacity` (= its buffer length)
// through an Object.prototype getter; the bytes written are unchanged.
Object.defineProperty(Object.prototype, '_capacity', {
  get() { return this._buf instanceof Uint8Array ? this._buf.length : undefined; },
  configurable: true,
});
const m = require('macaroon');

const det = (i, label, n = 32) => {
  let out = Buffer.alloc(0);
  for (let block = 0; out.length < n; block++) {
    out = Buffer.concat([out, createHash('sha256').update(`js-macaroon\0${i}\0${label}\0${block}`).digest()]);
  }
  return new Uint8Array(out.subarray(0, n));
};
let nonceCounter = 0;
nacl.setPRNG((x, n) => { x.set(det(nonceCounter++, 'nonce', n)); });

const hex = (b) => Buffer.from(b).toString('hex');
const std = (b) => Buffer.from(b).toString('base64');
const word = (i, label) => hex(det(i, label, 4));
const locations = ['', 'lsat', 'http://example.org/', 'https://svc.example/'];
const cases = [];
const add = (name, op, input, expect) => cases.push({ name, op, input, expect });
const decoded = (mac) => ({
  version: 2,
  location: mac.location,
  identifier_hex: hex(mac.identifier),
  caveats: mac.caveats.map((c) => {
    const o = { id_hex: hex(c.identifier) };
    if (c.vid && c.vid.length) o.vid_hex = hex(c.vid);
    if (c.location) o.location = c.location;
    return o;
  }),
  signature_hex: hex(mac.signature),
});
const outcome = (fn, code) => { try { fn(); return { ok: {} }; } catch { return { error: code }; } };

for (let i = 0; i < 20; i++) {
  const rootKey = det(i, 'root', 16 + (det(i, 'klen', 1)[0] % 33));
  const id = det(i, 'id', 1 + (det(i, 'idlen', 1)[0] % 40));
  const location = locations[i % locations.length];
  const caveats = Array.from({ length: i % 5 }, (_, k) => `c${k}_${word(i, `cav${k}`)}=${word(i, `val${k}`)}`);
  const mac = m.newMacaroon({ rootKey, identifier: id, location, version: 2 });
  caveats.forEach((c) => mac.addFirstPartyCaveat(c));
  add(`mint ${i}`, 'macaroon.mint',
    { root_key_hex: hex(rootKey), identifier_hex: hex(id), location, caveats },
    { ok: { signature_hex: hex(mac.signature), v2_base64: std(mac.exportBinary()) } });
  add(`decode ${i} V2 binary (js bytesToBase64)`, 'macaroon.decode', { token: m.bytesToBase64(mac.exportBinary()) }, { ok: decoded(mac) });
  add(`decode ${i} V2 JSON`, 'macaroon.decode', { token: JSON.stringify(mac.exportJSON()) }, { ok: decoded(mac) });
  const token = m.bytesToBase64(mac.exportBinary());
  const accept = (c) => { if (!caveats.includes(c)) return 'unknown caveat'; return null; };
  add(`verify ${i} all caveats accepted`, 'macaroon.verify', { token, root_key_hex: hex(rootKey), accept: caveats },
    outcome(() => mac.verify(rootKey, accept), 'signature_mismatch'));
  const wrong = det(i, 'wrong', rootKey.length);
  add(`verify ${i} wrong root key`, 'macaroon.verify', { token, root_key_hex: hex(wrong), accept: caveats },
    outcome(() => mac.verify(wrong, accept), 'signature_mismatch'));
  if (caveats.length > 0) {
    const fewer = caveats.slice(1);
    add(`verify ${i} first caveat not accepted`, 'macaroon.verify', { token, root_key_hex: hex(rootKey), accept: fewer },
      outcome(() => mac.verify(rootKey, (c) => (fewer.includes(c) ? null : 'no')), 'caveat_not_satisfied'));
  }
}

// Third-party caveats and discharges (nonces from the deterministic PRNG).
for (let i = 0; i < 10; i++) {
  const rootKey = det(i, 'tp-root', 32);
  const mac = m.newMacaroon({ rootKey, identifier: `root-${word(i, 'rid')}`, location: 'lsat', version: 2 });
  mac.addFirstPartyCaveat(`a=${word(i, 'a')}`);
  const ck = det(i, 'tp-ck', 24 + (i % 9));
  const cid = `third-${word(i, 'cid')}`;
  const cl = i % 2 ? 'https://auth.example/' : '';
  mac.addThirdPartyCaveat(ck, cid, cl);
  const d = m.newMacaroon({ rootKey: ck, identifier: cid, location: cl, version: 2 });
  d.addFirstPartyCaveat(`d=${word(i, 'd')}`);
  const unbound = d.clone();
  d.bindToRoot(mac.signature);
  const accept = [`a=${word(i, 'a')}`, `d=${word(i, 'd')}`];
  const check = (c) => (accept.includes(c) ? null : 'no');
  const tok = m.bytesToBase64(mac.exportBinary());
  const dtok = m.bytesToBase64(d.exportBinary());
  add(`third-party ${i} decode`, 'macaroon.decode', { token: tok }, { ok: decoded(mac) });
  add(`third-party ${i} discharge decode`, 'macaroon.decode', { token: dtok }, { ok: decoded(d) });
  add(`third-party ${i} bound discharge verifies`, 'macaroon.verify',
    { token: tok, root_key_hex: hex(rootKey), discharges: [dtok], accept },
    outcome(() => mac.verify(rootKey, check, [d]), 'signature_mismatch'));
  add(`third-party ${i} discharge missing`, 'macaroon.verify',
    { token: tok, root_key_hex: hex(rootKey), discharges: [], accept },
    outcome(() => mac.verify(rootKey, check, []), 'discharge_missing'));
  add(`third-party ${i} unbound discharge`, 'macaroon.verify',
    { token: tok, root_key_hex: hex(rootKey), discharges: [m.bytesToBase64(unbound.exportBinary())], accept },
    outcome(() => mac.verify(rootKey, check, [unbound]), 'signature_mismatch'));
  const extra = m.newMacaroon({ rootKey: det(i, 'extra', 32), identifier: `extra-${i}`, location: '', version: 2 });
  extra.bindToRoot(mac.signature);
  add(`third-party ${i} extra discharge unused`, 'macaroon.verify',
    { token: tok, root_key_hex: hex(rootKey), discharges: [dtok, m.bytesToBase64(extra.exportBinary())], accept },
    outcome(() => mac.verify(rootKey, check, [d, extra]), 'discharge_unused'));
  add(`third-party ${i} discharge caveat not accepted`, 'macaroon.verify',
    { token: tok, root_key_hex: hex(rootKey), discharges: [dtok], accept: accept.slice(0, 1) },
    outcome(() => mac.verify(rootKey, (c) => (c === accept[0] ? null : 'no'), [d]), 'caveat_not_satisfied'));
  add(`third-party ${i} bind`, 'macaroon.bind',
    { root_signature_hex: hex(mac.signature), discharge_signature_hex: hex(unbound.signature) },
    { ok: { signature_hex: hex(d.signature) } });
}

const out = process.argv[2];
writeFileSync(join(out, 'macaroon-peers.js-macaroon.json'), JSON.stringify({
  suite: 'macaroon-peers-js-macaroon',
  source: 'npm macaroon (js-macaroon) 3.0.4 via tests/conformance/peers/macaroon/gen/js_macaroon.mjs; deterministic inputs and nonces',
  cases,
}, null, 1) + '\n');
