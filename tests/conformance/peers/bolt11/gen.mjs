// Writes tests/conformance/vectors/bolt11-spec.json and tests/conformance/vectors/bolt11-peers.json into the directory
// given as the first argument.
//
// bolt11-spec.json: every example of the BOLT11 spec (spec-examples.mjs, hand-copied), with the
// values the spec text states; fallback programs come from decoding the addresses the examples
// name (bitcoinjs-lib), description hashes from sha256 of the stated text. Each valid example is
// cross-checked here against the `bolt11` and `light-bolt11-decoder` decoders.
//
// bolt11-peers.json: invoices encoded and signed by the `bolt11` npm library (version pinned in
// package.json) from deterministic inputs, expected values from its own decoder; plus mutations
// whose expected error follows a BOLT11 rule applied to the peer's output (documented per case).
import { createHash } from 'node:crypto';
import { writeFileSync, readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import bolt11 from 'bolt11';
import { decode as lightDecode } from 'light-bolt11-decoder';
import bech32 from 'bech32';
import * as bitcoin from 'bitcoinjs-lib';
import secp256k1 from 'secp256k1';
import { VALID, INVALID, SPEC_PAYEE, DEFAULTS } from './spec-examples.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const out = process.argv[2];
if (!out) { console.error('usage: node gen.mjs OUTDIR'); process.exit(2); }
const version = (p) => JSON.parse(readFileSync(join(here, 'node_modules', p, 'package.json'))).version;
const V_BOLT11 = version('bolt11');
const V_LIGHT = version('light-bolt11-decoder');
const sha256 = (b) => createHash('sha256').update(b).digest();
const SEED = 'pay402-bolt11-v1';
const det = (i, label, n = 32) => {
  const chunks = [];
  for (let block = 0; Buffer.concat(chunks).length < n; block++) {
    const h = createHash('sha256');
    const ib = Buffer.alloc(4); ib.writeUInt32BE(i >>> 0);
    const bb = Buffer.alloc(4); bb.writeUInt32BE(block);
    h.update(SEED).update(Buffer.from([0])).update(ib).update(Buffer.from([0]))
      .update(label).update(Buffer.from([0])).update(bb);
    chunks.push(h.digest());
  }
  return Buffer.concat(chunks).subarray(0, n);
};
const u32 = (i, label) => det(i, label, 4).readUInt32BE(0);
const pick = (i, label, arr) => arr[u32(i, label) % arr.length];

const NETWORKS = {
  bc: bolt11 && { bech32: 'bc', pubKeyHash: 0x00, scriptHash: 0x05, validWitnessVersions: [0, 1] },
  tb: { bech32: 'tb', pubKeyHash: 0x6f, scriptHash: 0xc4, validWitnessVersions: [0, 1] },
  tbs: { bech32: 'tbs', pubKeyHash: 0x6f, scriptHash: 0xc4, validWitnessVersions: [0, 1] },
  bcrt: { bech32: 'bcrt', pubKeyHash: 0x6f, scriptHash: 0xc4, validWitnessVersions: [0, 1] },
  sb: { bech32: 'sb', pubKeyHash: 0x3f, scriptHash: 0x7b, validWitnessVersions: [0, 1] },
};
const FEATURE_NAMES = ['option_data_loss_protect', 'initial_routing_sync', 'option_upfront_shutdown_script',
  'gossip_queries', 'var_onion_optin', 'gossip_queries_ex', 'option_static_remotekey', 'payment_secret',
  'basic_mpp', 'option_support_large_channel'];
const KNOWN_EVEN = [8, 14, 16, 24, 48];

/** Minimal big-endian bytes of a feature bit list (bit 0 = LSB of the last byte). */
function featuresHex(bits) {
  if (bits.length === 0) return '';
  const len = Math.floor(Math.max(...bits) / 8) + 1;
  const b = Buffer.alloc(len);
  for (const bit of bits) b[len - 1 - Math.floor(bit / 8)] |= 1 << (bit % 8);
  return b.toString('hex');
}
/** Set bits of a `9` field's 5-bit words (big-endian, bit 0 = LSB of the last word). */
function bitsOfWords(words) {
  const bits = [];
  words.forEach((w, i) => { for (let j = 0; j < 5; j++) if ((w >> (4 - j)) & 1) bits.push((words.length - i) * 5 - 1 - j); });
  return bits.sort((a, b) => a - b);
}
function fallbackProgram(address, net) {
  try {
    const d = bitcoin.address.fromBech32(address);
    return { version: d.version, program_hex: Buffer.from(d.data).toString('hex') };
  } catch {
    const d = bitcoin.address.fromBase58Check(address);
    return { version: d.version === net.pubKeyHash ? 17 : 18, program_hex: Buffer.from(d.hash).toString('hex') };
  }
}
const write = (name, obj) => writeFileSync(join(out, name), JSON.stringify(obj, null, 2) + '\n');

// ------------------------------------------------------------------ spec file
function specCases() {
  const cases = [];
  for (const ex of VALID) {
    const ok = {
      network: ex.ok.network,
      amount_msat: ex.ok.amount_msat,
      timestamp: ex.ok.timestamp ?? DEFAULTS.TS,
      payment_hash_hex: ex.ok.payment_hash_hex ?? DEFAULTS.HASH,
      payment_secret_hex: DEFAULTS.SECRET,
    };
    if (ex.ok.description !== undefined) ok.description = ex.ok.description;
    if (ex.ok.description_hash_of !== undefined) ok.description_hash_hex = sha256(Buffer.from(ex.ok.description_hash_of, 'utf8')).toString('hex');
    ok.expiry = ex.ok.expiry ?? 3600;
    ok.min_final_cltv_expiry = ex.ok.min_final_cltv_expiry ?? 18;
    // The high-S example keeps the donation signature's recovery id (1) with s' = n − s, so raw
    // recovery (libsecp256k1 `ecdsa_recover`, as bolt11 ${V_BOLT11} does) yields another key than
    // the spec's node; the spec only states that the invoice decodes. Expected: the peer's key.
    ok.payee_hex = ex.ok.payee_from_peer ? bolt11.decode(ex.invoice, NETWORKS.bc).payeeNodeKey : SPEC_PAYEE;
    if (ex.ok.features) ok.features_hex = featuresHex(ex.ok.features);
    if (ex.ok.metadata_hex) ok.metadata_hex = ex.ok.metadata_hex;
    if (ex.ok.fallback_address) ok.fallbacks = [fallbackProgram(ex.ok.fallback_address, NETWORKS[ex.ok.network])];
    if (ex.ok.fallbacks) ok.fallbacks = ex.ok.fallbacks;
    if (ex.ok.route_hints) ok.route_hints = ex.ok.route_hints;
    crossCheckSpec(ex, ok);
    cases.push({ name: `valid: ${ex.name}`, op: 'bolt11.decode', input: { invoice: ex.invoice }, expect: { ok } });
  }
  for (const ex of INVALID) {
    cases.push({ name: `invalid: ${ex.name}`, op: 'bolt11.decode', input: { invoice: ex.invoice }, expect: { error: ex.error } });
  }
  return cases;
}

/** The peers must agree with the hand-written expectations of every valid spec example. */
function crossCheckSpec(ex, ok) {
  const text = ex.invoice.toLowerCase();
  const net = NETWORKS[ok.network];
  const fail = (what, a, b) => { throw new Error(`spec example "${ex.name}": ${what}: spec ${a}, bolt11 ${b}`); };
  let d;
  try {
    d = bolt11.decode(text, net);
  } catch (e) {
    // bolt11 reads the wrong-length `n`/`p` fields the spec says to skip; light-bolt11-decoder
    // below still checks this example.
    if (!ex.name.includes('must be ignored')) throw e;
    d = null;
  }
  if (d) checkWithBolt11(d, ok, fail);
  // Neither peer reads that example (both trip over the fields the spec says to skip).
  if (!d) return;
  const light = lightDecode(text);
  const sec = Object.fromEntries(light.sections.map((s) => [s.name, s.value]).reverse());
  if (sec.payment_hash !== ok.payment_hash_hex) fail('light payment hash', ok.payment_hash_hex, sec.payment_hash);
  if (ok.payment_secret_hex && sec.payment_secret !== ok.payment_secret_hex) fail('light secret', ok.payment_secret_hex, sec.payment_secret);
  if (ok.route_hints) {
    const hops = light.route_hints.flat();
    ok.route_hints.flat().forEach((h, i) => {
      if (hops[i].pubkey !== h.src_node_id_hex || hops[i].short_channel_id !== h.short_channel_id_hex ||
          hops[i].fee_base_msat !== h.fee_base_msat || hops[i].fee_proportional_millionths !== h.fee_proportional_millionths ||
          hops[i].cltv_expiry_delta !== h.cltv_expiry_delta) fail('route hint', JSON.stringify(h), JSON.stringify(hops[i]));
    });
  }
}

function checkWithBolt11(d, ok, fail) {
  const tags = Object.fromEntries(d.tags.map((t) => [t.tagName, t.data]).reverse());
  if (String(d.millisatoshis ?? null) !== String(ok.amount_msat)) fail('amount', ok.amount_msat, d.millisatoshis);
  if (d.timestamp !== ok.timestamp) fail('timestamp', ok.timestamp, d.timestamp);
  if (tags.payment_hash !== ok.payment_hash_hex) fail('payment hash', ok.payment_hash_hex, tags.payment_hash);
  if (ok.description !== undefined && tags.description !== ok.description) fail('description', ok.description, tags.description);
  if (ok.description_hash_hex && tags.purpose_commit_hash !== ok.description_hash_hex) fail('h', ok.description_hash_hex, tags.purpose_commit_hash);
  if (d.payeeNodeKey !== ok.payee_hex) fail('payee', ok.payee_hex, d.payeeNodeKey);
  if (ok.expiry !== (tags.expire_time ?? 3600)) fail('expiry', ok.expiry, tags.expire_time);
  if (ok.min_final_cltv_expiry !== (tags.min_final_cltv_expiry ?? 18)) fail('cltv', ok.min_final_cltv_expiry, tags.min_final_cltv_expiry);
}

// ------------------------------------------------------------------ peer file
const UNICODE = ['☕ coffee', 'ナンセンス 1杯', 'café – 10 sats', 'Ω≈ç√∫', '🙂 tip', 'Grüße', 'рубль', '', 'L402 api call #'];

/** Builds, encodes and signs invoice `i` with the bolt11 library; returns the inputs used. */
function makeInvoice(i) {
  const key = det(i, 'key');
  if (!secp256k1.privateKeyVerify(key)) return null;
  const netName = pick(i, 'net', ['bc', 'bc', 'bc', 'tb', 'tbs', 'bcrt', 'sb']);
  const net = NETWORKS[netName];
  const amountKind = pick(i, 'amount-kind', ['none', 'sat', 'msat', 'btc-round', 'small', 'big']);
  const r = det(i, 'amount', 8).readBigUInt64BE(0);
  let millisatoshis = null;
  if (amountKind === 'sat') millisatoshis = ((r % 100000000n) + 1n) * 1000n;
  if (amountKind === 'msat') millisatoshis = (r % 10000000000n) + 1n;
  if (amountKind === 'btc-round') millisatoshis = ((r % 20n) + 1n) * pick(i, 'unit', [100000000000n, 100000000n, 100000n, 100n]);
  if (amountKind === 'small') millisatoshis = (r % 999n) + 1n;
  if (amountKind === 'big') millisatoshis = ((r % 9000000000000n) + 1n) * 1000n;
  const timestamp = 1500000000 + (u32(i, 'ts') % 400000000);
  const tags = [{ tagName: 'payment_hash', data: det(i, 'hash').toString('hex') }];
  const withSecret = u32(i, 'has-secret') % 8 !== 0;
  if (withSecret) tags.push({ tagName: 'payment_secret', data: det(i, 'secret').toString('hex') });
  if (u32(i, 'desc-kind') % 3 === 0) {
    tags.push({ tagName: 'purpose_commit_hash', data: det(i, 'h').toString('hex') });
  } else {
    let text = pick(i, 'desc', UNICODE) + (u32(i, 'desc-n') % 1000);
    if (u32(i, 'long') % 10 === 0) text = text.repeat(20).slice(0, 300);
    tags.push({ tagName: 'description', data: text });
  }
  if (u32(i, 'has-x') % 2 === 0) tags.push({ tagName: 'expire_time', data: pick(i, 'x', [0, 1, 60, 600, 3600, 86400, 604800, 31536000, u32(i, 'xr') % 100000000]) });
  if (u32(i, 'has-c') % 2 === 0) tags.push({ tagName: 'min_final_cltv_expiry', data: pick(i, 'c', [9, 18, 40, 80, 144, 1008, u32(i, 'cr') % 65536]) });
  if (u32(i, 'has-n') % 4 === 0) tags.push({ tagName: 'payee_node_key', data: Buffer.from(secp256k1.publicKeyCreate(key)).toString('hex') });
  if (u32(i, 'has-f') % 6 === 0) {
    const h20 = det(i, 'f20', 20);
    const kind = pick(i, 'fkind', ['p2pkh', 'p2sh', 'p2wpkh', 'p2wsh']);
    const hrp = netName === 'tbs' ? 'tb' : netName;
    let address;
    if (kind === 'p2pkh') address = bitcoin.address.toBase58Check(h20, net.pubKeyHash);
    if (kind === 'p2sh') address = bitcoin.address.toBase58Check(h20, net.scriptHash);
    if (kind === 'p2wpkh') address = bitcoin.address.toBech32(h20, 0, hrp);
    if (kind === 'p2wsh') address = bitcoin.address.toBech32(det(i, 'f32'), 0, hrp);
    if (hrp === net.bech32 || kind.startsWith('p2pkh') || kind === 'p2sh') tags.push({ tagName: 'fallback_address', data: { address } });
  }
  const nHints = u32(i, 'has-r') % 5 === 0 ? 1 + (u32(i, 'nr') % 3) : 0;
  for (let k = 0; k < nHints; k++) {
    const hops = [];
    for (let j = 0; j <= u32(i, `hops${k}`) % 3; j++) {
      const hk = det(i, `hop${k}.${j}`);
      hops.push({
        pubkey: Buffer.from(secp256k1.publicKeyCreate(hk)).toString('hex'),
        short_channel_id: det(i, `scid${k}.${j}`, 8).toString('hex'),
        fee_base_msat: u32(i, `fb${k}.${j}`) % 100000,
        fee_proportional_millionths: u32(i, `fp${k}.${j}`) % 10000,
        cltv_expiry_delta: u32(i, `cd${k}.${j}`) % 65536,
      });
    }
    tags.push({ tagName: 'routing_info', data: hops });
  }
  // Features: var_onion_optin + payment_secret (odd or even), sometimes basic_mpp, unknown odd bits.
  const fb = { word_length: undefined };
  const mode = u32(i, 'feat') % 4;
  fb.var_onion_optin = mode === 1 ? { required: true, supported: false } : { required: false, supported: true };
  fb.payment_secret = mode >= 2 ? { required: true, supported: false } : { required: false, supported: true };
  if (u32(i, 'mpp') % 3 === 0) fb.basic_mpp = { required: false, supported: true };
  if (u32(i, 'extra') % 5 === 0) {
    const bits = new Array(30).fill(false);
    bits[(u32(i, 'xb') % 15) * 2 + 1] = true; // an unknown odd (optional) bit ≥ 20
    fb.extra_bits = { start_bit: 20, bits, has_required: false };
  }
  if (withSecret || u32(i, 'feat-anyway') % 2 === 0) tags.push({ tagName: 'feature_bits', data: fb });
  // Shuffle tag order deterministically.
  tags.sort((a, b) => u32(i, `o.${a.tagName}.${JSON.stringify(a.data).length}`) - u32(i, `o.${b.tagName}.${JSON.stringify(b.data).length}`));
  const input = { network: net, timestamp, tags };
  if (millisatoshis !== null) input.millisatoshis = millisatoshis.toString();
  const encoded = bolt11.encode(input, false);
  const signed = bolt11.sign(encoded, key.toString('hex'));
  return { text: signed.paymentRequest, netName, key, withSecret };
}

/** The expected `ok` fields, from the bolt11 library's decoder. */
function expectFromPeer(text, netName) {
  const d = bolt11.decode(text, NETWORKS[netName]);
  const first = (name) => { const t = d.tags.find((x) => x.tagName === name); return t ? t.data : undefined; };
  const ok = {
    network: netName,
    amount_msat: d.millisatoshis == null ? null : Number(d.millisatoshis),
    timestamp: d.timestamp,
    payment_hash_hex: first('payment_hash'),
  };
  if (ok.amount_msat !== null && !Number.isSafeInteger(ok.amount_msat)) throw new Error('amount beyond 2^53');
  if (first('payment_secret') !== undefined) ok.payment_secret_hex = first('payment_secret');
  if (first('description') !== undefined) ok.description = first('description');
  if (first('purpose_commit_hash') !== undefined) ok.description_hash_hex = first('purpose_commit_hash');
  ok.expiry = first('expire_time') ?? 3600;
  ok.min_final_cltv_expiry = first('min_final_cltv_expiry') ?? 18;
  ok.payee_hex = d.payeeNodeKey;
  const words = bech32.decode(text, 1e9).words;
  const fw = featureWords(words);
  if (fw) ok.features_hex = featuresHex(bitsOfWords(fw));
  const fa = d.tags.filter((t) => t.tagName === 'fallback_address').map((t) => ({ version: t.data.code, program_hex: t.data.addressHash }));
  ok.fallbacks = fa;
  ok.route_hints = d.tags.filter((t) => t.tagName === 'routing_info').map((t) => t.data.map((h) => ({
    src_node_id_hex: h.pubkey, short_channel_id_hex: h.short_channel_id, fee_base_msat: h.fee_base_msat,
    fee_proportional_millionths: h.fee_proportional_millionths, cltv_expiry_delta: h.cltv_expiry_delta })));
  return { ok, decoded: d };
}
/** The words of the first `9` field (walks the tagged fields of the peer's bech32 words). */
function featureWords(words) {
  let p = 7; const end = words.length - 104;
  while (p + 3 <= end) {
    const t = words[p]; const len = words[p + 1] * 32 + words[p + 2];
    if (t === 5) return words.slice(p + 3, p + 3 + len);
    p += 3 + len;
  }
  return null;
}
/** Re-encodes bech32 words under `hrp` with a fresh checksum. */
const reencode = (hrp, words) => bech32.encode(hrp, words, 1e9);
/** Replaces the signature words (after re-signing the data) — keeps the invoice valid. */
function resign(hrp, dataWords, key, { highS = false } = {}) {
  const msg = sha256(Buffer.concat([Buffer.from(hrp, 'utf8'), packPadded(dataWords)]));
  const sig = secp256k1.ecdsaSign(msg, key);
  let s = Buffer.from(sig.signature);
  let recid = sig.recid;
  if (highS) {
    const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
    const sv = BigInt('0x' + s.subarray(32).toString('hex'));
    s = Buffer.concat([s.subarray(0, 32), Buffer.from((N - sv).toString(16).padStart(64, '0'), 'hex')]);
    recid ^= 1;
  }
  return dataWords.concat(bech32.toWords(Buffer.concat([s, Buffer.from([recid])])));
}
/** 5-bit words → bytes, MSB first, zero bits appended to the last byte (BOLT11 signing data). */
function packPadded(words) {
  const out = []; let acc = 0; let bits = 0;
  for (const w of words) { acc = (acc << 5) | w; bits += 5; while (bits >= 8) { bits -= 8; out.push((acc >> bits) & 0xff); } acc &= (1 << bits) - 1; }
  if (bits > 0) out.push((acc << (8 - bits)) & 0xff);
  return Buffer.from(out);
}

function peerCases() {
  const cases = [];
  let made = 0;
  for (let i = 0; made < 140; i++) {
    const inv = makeInvoice(i);
    if (!inv) continue;
    made++;
    const { ok } = expectFromPeer(inv.text, inv.netName);
    const secretNote = inv.withSecret ? '' : ' (no s)';
    if (inv.withSecret) {
      cases.push({ name: `bolt11 ${made}: ${inv.text.slice(0, 24)}…`, op: 'bolt11.decode', input: { invoice: inv.text }, expect: { ok } });
    } else {
      // BOLT11 "Missing required `s` field" is invalid: rejected by default, read with the policy off.
      cases.push({ name: `bolt11 ${made}: no payment secret is rejected`, op: 'bolt11.decode', input: { invoice: inv.text }, expect: { error: 'bolt11_missing_payment_secret' } });
      cases.push({ name: `bolt11 ${made}: no payment secret, policy allows it${secretNote}`, op: 'bolt11.decode', input: { invoice: inv.text, policy: { require_payment_secret: false } }, expect: { ok } });
    }
    const { prefix: hrp, words } = bech32.decode(inv.text, 1e9);
    const data = words.slice(0, words.length - 104);
    // Mutations, one per invoice in rotation. Each states the BOLT11 rule that decides it.
    switch (made % 7) {
      case 0: { // flip one data character: the checksum no longer matches (BIP-173)
        const pos = inv.text.length - 10 - (u32(i, 'flip') % 50);
        const c = inv.text[pos];
        const alt = c === 'q' ? 'p' : 'q';
        const bad = inv.text.slice(0, pos) + alt + inv.text.slice(pos + 1);
        expectThrows(bad, inv.netName);
        cases.push({ name: `bolt11 ${made}: one character changed breaks the checksum`, op: 'bolt11.decode', input: { invoice: bad }, expect: { error: 'bolt11_bad_checksum' } });
        break;
      }
      case 1: { // uppercase is the same invoice (BIP-173 case rule)
        const upper = inv.text.toUpperCase();
        if (inv.withSecret) cases.push({ name: `bolt11 ${made}: all uppercase decodes the same`, op: 'bolt11.decode', input: { invoice: upper }, expect: { ok } });
        break;
      }
      case 2: { // high-S signature without `n`: recovery accepts it and finds the same payee
        if (!inv.withSecret || ok.payee_hex === undefined) break;
        const hasN = inv.text && bolt11.decode(inv.text, NETWORKS[inv.netName]).tags.some((t) => t.tagName === 'payee_node_key');
        const txt = reencode(hrp, resign(hrp, data, inv.key, { highS: true }));
        if (hasN) {
          cases.push({ name: `bolt11 ${made}: high-S signature with n is rejected`, op: 'bolt11.decode', input: { invoice: txt }, expect: { error: 'bolt11_high_s' } });
        } else {
          const peer = bolt11.decode(txt, NETWORKS[inv.netName]);
          if (peer.payeeNodeKey !== ok.payee_hex) throw new Error('high-S recovery differs');
          cases.push({ name: `bolt11 ${made}: high-S signature without n recovers the payee`, op: 'bolt11.decode', input: { invoice: txt }, expect: { ok } });
        }
        break;
      }
      case 3: { // signature by another key: recovery yields that key; with `n` verification fails
        if (!inv.withSecret) break;
        const other = det(i, 'other-key');
        const txt = reencode(hrp, resign(hrp, data, other));
        const hasN = bolt11.decode(inv.text, NETWORKS[inv.netName]).tags.some((t) => t.tagName === 'payee_node_key');
        if (hasN) {
          expectThrows(txt, inv.netName);
          cases.push({ name: `bolt11 ${made}: signed by another key than n is rejected`, op: 'bolt11.decode', input: { invoice: txt }, expect: { error: 'bolt11_invalid_signature' } });
        } else {
          const peer = bolt11.decode(txt, NETWORKS[inv.netName]);
          cases.push({ name: `bolt11 ${made}: signed by another key recovers that key`, op: 'bolt11.decode', input: { invoice: txt }, expect: { ok: { ...ok, payee_hex: peer.payeeNodeKey } } });
        }
        break;
      }
      case 4: { // recovery id 4..31 does not exist (BOLT11 "recovery ID (0, 1, 2, or 3)")
        if (!inv.withSecret) break;
        const sigWords = words.slice(words.length - 104);
        const bytes = Buffer.from(bech32.fromWords(sigWords));
        bytes[64] = 4 + (u32(i, 'recid') % 20);
        const txt = reencode(hrp, data.concat(bech32.toWords(bytes)));
        expectThrows(txt, inv.netName);
        cases.push({ name: `bolt11 ${made}: recovery id ${bytes[64]} is rejected`, op: 'bolt11.decode', input: { invoice: txt }, expect: { error: 'bolt11_invalid_recovery_id' } });
        break;
      }
      case 5: { // an unknown even feature bit (re-signed): "MUST fail the payment"
        if (!inv.withSecret) break;
        const fw = featureWords(words);
        if (!fw) break;
        const bit = 100 + 2 * (u32(i, 'evenbit') % 20);
        const nw = Math.max(fw.length, Math.floor(bit / 5) + 1);
        const newFw = new Array(nw - fw.length).fill(0).concat(fw);
        newFw[nw - 1 - Math.floor(bit / 5)] |= 1 << (bit % 5);
        const body = rebuildWithFeatures(data, newFw);
        const txt = reencode(hrp, resign(hrp, body, inv.key));
        const peer = bolt11.decode(txt, NETWORKS[inv.netName]);
        if (!peer.tags.find((t) => t.tagName === 'feature_bits').data.extra_bits.has_required) throw new Error('peer does not see the required bit');
        cases.push({ name: `bolt11 ${made}: unknown required feature ${bit} is rejected`, op: 'bolt11.decode', input: { invoice: txt }, expect: { error: 'bolt11_unknown_required_feature' } });
        break;
      }
      case 6: { // remove the payment hash field (re-signed): "MUST include exactly one p field"
        // (bolt11 itself decodes it; lnd and LDK reject an invoice without `p`.)
        const body = dropField(data, 1);
        const txt = reencode(hrp, resign(hrp, body, inv.key));
        cases.push({ name: `bolt11 ${made}: missing payment hash is rejected`, op: 'bolt11.decode', input: { invoice: txt }, expect: { error: 'bolt11_missing_payment_hash' } });
        break;
      }
      default:
    }
  }
  return cases;
}
function expectThrows(text, netName) {
  let threw = false;
  try { bolt11.decode(text, NETWORKS[netName]); } catch { threw = true; }
  if (!threw) throw new Error(`peer accepted a mutation: ${text}`);
}
function walk(data) {
  const fields = []; let p = 7;
  while (p + 3 <= data.length) { const len = data[p + 1] * 32 + data[p + 2]; fields.push(data.slice(p, p + 3 + len)); p += 3 + len; }
  return fields;
}
function dropField(data, tag) {
  return data.slice(0, 7).concat(...walk(data).filter((f) => f[0] !== tag));
}
function rebuildWithFeatures(data, fw) {
  return data.slice(0, 7).concat(...walk(data).map((f) => (f[0] === 5 ? [5, fw.length >> 5, fw.length & 31, ...fw] : f)));
}

write('bolt11-spec.json', {
  suite: 'bolt11-spec',
  source: `lightning/bolts:11-payment-encoding.md § Examples and § Examples of Invalid Invoices, hand-copied in tests/conformance/peers/bolt11/spec-examples.mjs; fallback programs decoded from the named addresses (bitcoinjs-lib); valid examples cross-checked against bolt11 ${V_BOLT11} and light-bolt11-decoder ${V_LIGHT}; error codes are pay402's (tests/conformance/vectors/README.md)`,
  cases: specCases(),
});
write('bolt11-peers.json', {
  suite: 'bolt11-peers',
  source: `bolt11 ${V_BOLT11} (npm) encode + sign + decode, seed "${SEED}"; mutations re-signed with secp256k1 (its dependency), expected errors per the BOLT11 rule named in each case`,
  cases: peerCases(),
});
