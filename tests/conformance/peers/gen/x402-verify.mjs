// @x402/evm + @x402/core + viem → x402-verify.peers.json (op x402.verify)
//
// Positive payments are built by the reference client (x402Client + registerExactEvmScheme →
// createPaymentPayload, encoded with @x402/core's encodePaymentSignatureHeader), with its clock and
// nonce RNG injected. Payments that need a signed field changed are built as tests/conformance/vectors/README.md `x402.sign`
// describes (spec key order, validAfter = now − 600) and signed with viem signTypedData.
// Every case is cross-checked against the reference facilitator (@x402/evm ExactEvmScheme /
// ExactEvmSchemeV1 verify, with Date.now injected and a stub RPC that reports the asset as a
// contract and lets simulation pass) and, for v2, against @x402/core deepEqual for `accepted`.
// Where pay402's contract (tests/conformance/vectors/README.md) deliberately differs from the reference, the case's
// expected value follows tests/conformance/vectors/README.md and the difference is listed in KNOWN_DIVERGENCES.
import { getAddress, parseSignature, serializeCompactSignature, signatureToCompactSignature,
  verifyTypedData } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { x402Client } from "@x402/core/client";
import { encodePaymentSignatureHeader, decodePaymentSignatureHeader } from "@x402/core/http";
import { deepEqual } from "@x402/core/utils";
import { registerExactEvmScheme } from "@x402/evm/exact/client";
import { ExactEvmScheme as ExactEvmFacilitator } from "@x402/evm/exact/facilitator";
import { ExactEvmSchemeV1 as ExactEvmFacilitatorV1 } from "@x402/evm/exact/v1/facilitator";
import { Det, writeVectors, peerVersion, SECP256K1_N } from "./lib/det.mjs";
import { withClockAndNonce, withClock } from "./lib/clock.mjs";

const det = new Det("pay402/peers/x402/verify/v1");
const SOURCE = `@x402/evm ${peerVersion("@x402/evm")} (x402Client + registerExactEvmScheme → createPaymentPayload; ` +
  `facilitator ExactEvmScheme/ExactEvmSchemeV1 verify as cross-check), @x402/core ${peerVersion("@x402/core")} ` +
  `(encodePaymentSignatureHeader, deepEqual), viem ${peerVersion("viem")} (signTypedData for re-signed ` +
  `mutations); error codes and check order per tests/conformance/vectors/README.md; inputs from sha256 seed ` +
  `"pay402/peers/x402/verify/v1"`;

const TWA = { TransferWithAuthorization: [
  { name: "from", type: "address" }, { name: "to", type: "address" }, { name: "value", type: "uint256" },
  { name: "validAfter", type: "uint256" }, { name: "validBefore", type: "uint256" }, { name: "nonce", type: "bytes32" }] };

// v1 names present both in x402 v1 network table `EVM_NETWORK_CHAIN_ID_MAP` and in the @x402/evm table
const V1_NETWORKS = { "base-sepolia": 84532, base: 8453, polygon: 137, "polygon-amoy": 80002, "avalanche-fuji": 43113,
  avalanche: 43114, ethereum: 1, sepolia: 11155111, iotex: 4689, sei: 1329, "sei-testnet": 1328, peaq: 3338,
  story: 1514, educhain: 41923, abstract: 2741, "abstract-testnet": 11124, "skale-base-sepolia": 324705682,
  megaeth: 4326, monad: 143, stable: 988, "stable-testnet": 2201 };
const V1_NAMES = Object.keys(V1_NETWORKS);
const V2_CHAINS = [1, 10, 137, 8453, 84532, 42161, 421614, 43113, 11155111, 324705682];
const TOKEN_NAMES = ["USDC", "USD Coin", "Bridged USDC", "Bridged USDC (Stargate)", "USDT0", "Ünïcödé $",
  "円コイン", "💵", "q\"uote\\", ""];
const TOKEN_VERSIONS = ["2", "1", "3.1", "ü"];
const TIMEOUTS = [6, 10, 30, 60, 60, 120, 300, 600, 3600, 86400];
const DESCRIPTIONS = ["Access to premium market data", "", "Ünïcödé — “quoted” ✓", "line\nbreak\ttab",
  "emoji 🪙 and \"quotes\" and \\ backslash", "</script>&<>", "日本語の説明"];

const addr = (i, label) => getAddress(det.hex(i, label, 20));
const maybeLower = (i, label, a) => (det.below(i, label, 3) === 0 ? a.toLowerCase() : a);

function amount(i) {
  switch (det.below(i, "amt/kind", 6)) {
    case 0: return "1";
    case 1: return (det.big(i, "amt/big", 255) + 1n).toString(); // up to 2^255
    case 2: return "10000";
    default: return (det.big(i, "amt", 40) + 1n).toString();
  }
}

function extra(i) {
  const e = { name: det.pick(i, "tok/name", TOKEN_NAMES.slice(0, -1)), version: det.pick(i, "tok/ver", TOKEN_VERSIONS) };
  const k = det.below(i, "extra/kind", 5);
  if (k === 0) e.assetTransferMethod = "eip3009";
  if (k === 1) e.meta = { tier: det.below(i, "extra/tier", 4), tags: ["a", "ü", { deep: [1, 2.5, null, true] }] };
  return e;
}

/** A random offer (v1 requirements object or v2 PaymentRequired + chosen accepts). */
function offer(i, version) {
  const maxTimeoutSeconds = det.pick(i, "timeout", TIMEOUTS);
  const payTo = maybeLower(i, "payTo/case", addr(i, "payTo"));
  const asset = maybeLower(i, "asset/case", addr(i, "asset"));
  if (version === 1) {
    const req = { scheme: "exact", network: det.pick(i, "net1", V1_NAMES), maxAmountRequired: amount(i), asset, payTo,
      resource: `https://api.example.com/r/${det.hex(i, "res", 4).slice(2)}`, description: det.pick(i, "desc", DESCRIPTIONS),
      mimeType: "application/json" };
    if (det.below(i, "outputSchema", 3) === 0) req.outputSchema = null;
    req.maxTimeoutSeconds = maxTimeoutSeconds;
    req.extra = extra(i);
    return { paymentRequired: { x402Version: 1, error: "X-PAYMENT header is required", accepts: [req] }, req };
  }
  const chain = det.below(i, "chain/kind", 4) === 0 ? Number(det.big(i, "chain", 40)) + 1 : det.pick(i, "chain/pick", V2_CHAINS);
  const req = { scheme: "exact", network: `eip155:${chain}`, amount: amount(i), asset, payTo, maxTimeoutSeconds, extra: extra(i) };
  const others = [];
  const nOthers = det.below(i, "others", 3);
  for (let k = 0; k < nOthers; k++) others.push({ ...req, network: `eip155:${det.pick(i, `o${k}/chain`, V2_CHAINS)}`, payTo: addr(i, `o${k}/payTo`) });
  const resource = { url: `https://api.example.com/v2/${det.hex(i, "res", 4).slice(2)}`, description: det.pick(i, "desc", DESCRIPTIONS),
    mimeType: "application/json" };
  // the client picks accepts[0]; extra offers after it must be ignored
  return { paymentRequired: { x402Version: 2, error: "PAYMENT-SIGNATURE header is required", resource, accepts: [req, ...others] }, req };
}

const chainIdOf = (network) => (network.startsWith("eip155:") ? Number(network.slice(7)) : V1_NETWORKS[network]);
const enc = (obj) => encodePaymentSignatureHeader(obj);

/** The reference client's payment for this offer, created at client time t0. */
async function refPay(pk, paymentRequired, t0, nonce) {
  const client = new x402Client();
  registerExactEvmScheme(client, { signer: privateKeyToAccount("0x" + pk) });
  client.setSpendControls(false);
  return withClockAndNonce(t0, Buffer.from(nonce.slice(2), "hex"), () => client.createPaymentPayload(paymentRequired));
}

/**
 * tests/conformance/vectors/README.md `x402.sign` construction (spec key order, validAfter = t0 − 600), with optional changes to
 * what is signed (`auth`, `domain`) or what is sent (`sentAuth`).
 */
async function specPay(pk, paymentRequired, req, t0, nonce, { auth = {}, domain = {}, version } = {}) {
  const account = privateKeyToAccount("0x" + pk);
  const amt = req.amount ?? req.maxAmountRequired;
  const authorization = { from: account.address, to: getAddress(req.payTo), value: amt, validAfter: String(t0 - 600),
    validBefore: String(t0 + req.maxTimeoutSeconds), nonce, ...auth };
  const d = { name: req.extra?.name ?? "USDC", version: req.extra?.version ?? "2", chainId: chainIdOf(req.network),
    verifyingContract: getAddress(req.asset), ...domain };
  const signature = await account.signTypedData({ domain: d, types: TWA, primaryType: "TransferWithAuthorization",
    message: { ...authorization, value: BigInt(authorization.value), validAfter: BigInt(authorization.validAfter),
      validBefore: BigInt(authorization.validBefore) } });
  const v = version ?? paymentRequired.x402Version;
  if (v === 1) return { x402Version: 1, scheme: req.scheme, network: req.network, payload: { signature, authorization } };
  return { x402Version: v, resource: paymentRequired.resource, accepted: req, payload: { signature, authorization } };
}

// ---- reference facilitator cross-check ----
function stubSigner(asset) {
  return {
    getAddresses: () => ["0x000000000000000000000000000000000000dEaD"],
    getCode: async ({ address }) => (address.toLowerCase() === asset.toLowerCase() ? "0x6080604052" : "0x"),
    readContract: async () => undefined,
    verifyTypedData: async (args) => verifyTypedData(args),
  };
}
async function refVerify(req, header, now) {
  let payload;
  try {
    payload = decodePaymentSignatureHeader(header);
  } catch {
    return "invalid_payload";
  }
  if (typeof payload !== "object" || payload === null || !payload.payload?.authorization) return "invalid_payload";
  if (payload.x402Version !== 1 && payload.x402Version !== 2) return "invalid_x402_version";
  if (payload.x402Version === 2 && payload.accepted?.network === req.network && payload.accepted?.scheme === req.scheme
      && req.extra?.name && req.extra?.version && !deepEqual(payload.accepted, req)) {
    return "accepted_requirements_mismatch"; // resource-server matching (x402ResourceServer findMatchingRequirements)
  }
  const fac = payload.x402Version === 1 ? new ExactEvmFacilitatorV1(stubSigner(req.asset)) : new ExactEvmFacilitator(stubSigner(req.asset));
  let r;
  try {
    r = await withClock(now, () => fac.verify(payload, req));
  } catch (e) {
    return `throws: ${e.message.slice(0, 60)}`;
  }
  return r.isValid ? "ok" : r.invalidReason;
}

const cases = [];
const divergences = new Map();
let n = 0;
async function add(name, { req, header, now, policy }, expect, divergence) {
  const input = { requirements: req, payment: header, now };
  if (policy) input.policy = policy;
  const c = { name, op: "x402.verify", input, expect };
  const ours = expect.ok ? "ok" : expect.error;
  const ref = await refVerify(req, header, now);
  if (ref !== ours) {
    if (!divergence) throw new Error(`${name}: reference facilitator says ${ref}, expected ${ours}`);
    const key = `${divergence}: pay402 ${ours}, reference ${ref}`;
    divergences.set(key, (divergences.get(key) ?? 0) + 1);
  } else if (divergence && !divergence.startsWith("maybe")) {
    throw new Error(`${name}: declared divergence "${divergence}" but the reference agrees (${ref})`);
  }
  if (expect.ok) {
    // the signature in an ok case really verifies with viem for the requirement's domain
    const p = decodePaymentSignatureHeader(header);
    const a = p.payload.authorization;
    const good = await verifyTypedData({ address: a.from, domain: { name: req.extra.name, version: req.extra.version,
      chainId: chainIdOf(req.network), verifyingContract: getAddress(req.asset) }, types: TWA,
      primaryType: "TransferWithAuthorization", message: { ...a, value: BigInt(a.value), validAfter: BigInt(a.validAfter),
        validBefore: BigInt(a.validBefore) }, signature: normalizeSig(p.payload.signature) });
    if (!good) throw new Error(`${name}: ok case does not verify with viem`);
    if (expect.ok.payer !== a.from.toLowerCase() || expect.ok.nonce !== a.nonce) throw new Error(`${name}: ok fields`);
  }
  cases.push(c);
  n++;
}
function normalizeSig(sig) {
  if (sig.length === 130) { // ERC-2098 compact → 65 bytes
    const r = sig.slice(2, 66), vs = BigInt("0x" + sig.slice(66));
    const y = vs >> 255n, s = vs & ((1n << 255n) - 1n);
    return `0x${r}${s.toString(16).padStart(64, "0")}${y ? "1c" : "1b"}`;
  }
  return sig;
}
const okOf = (p) => ({ ok: { payer: p.payload.authorization.from.toLowerCase(), nonce: p.payload.authorization.nonce } });
const T_BASE = 1760000000;

// ---------------- positive cases from the reference client ----------------
for (let i = 0; i < 48; i++) {
  const version = i % 2 ? 2 : 1;
  const { paymentRequired, req } = offer(i, version);
  const pk = det.privateKey(i, "key");
  const t0 = T_BASE + det.below(i, "t0", 10_000_000);
  const nonce = det.hex(i, "nonce", 32);
  const p = await refPay(pk, paymentRequired, t0, nonce);
  const header = enc(p);
  const va = Number(p.payload.authorization.validAfter), vb = Number(p.payload.authorization.validBefore);
  // now anywhere in [validAfter, validBefore − 6], including both edges
  const lo = Math.max(va, t0 - 600), hi = vb - 6;
  const now = [lo, hi, t0][i % 3] ?? lo + det.below(i, "now", hi - lo + 1);
  await add(`v${version} reference client #${i} ok`, { req, header, now }, okOf(p));
}

// ---------------- mutations (each fails exactly one check) ----------------
for (let i = 100; i < 124; i++) {
  const version = i % 2 ? 2 : 1;
  const { paymentRequired, req } = offer(i, version);
  const tag = `v${version} #${i}`;
  const pk = det.privateKey(i, "key");
  const t0 = T_BASE + det.below(i, "t0", 10_000_000);
  const nonce = det.hex(i, "nonce", 32);
  const now = t0;
  const base = await specPay(pk, paymentRequired, req, t0, nonce);
  const va = t0 - 600, vb = t0 + req.maxTimeoutSeconds;
  const amt = BigInt(req.amount ?? req.maxAmountRequired);

  await add(`${tag} spec-built ok`, { req, header: enc(base), now }, okOf(base));

  // recipient: authorization.to is another address, correctly signed
  const other = addr(i, "other");
  const wrongTo = await specPay(pk, paymentRequired, req, t0, nonce, { auth: { to: other } });
  await add(`${tag} wrong payee`, { req, header: enc(wrongTo), now }, { error: "invalid_exact_evm_recipient_mismatch" });

  // time window
  await add(`${tag} expired (validBefore < now + 6)`, { req, header: enc(base), now: vb - 5 + det.below(i, "late", 3) * 1000 },
    { error: "invalid_exact_evm_payload_authorization_valid_before" });
  await add(`${tag} validBefore == now + 6 passes`, { req, header: enc(base), now: vb - 6 }, okOf(base));
  await add(`${tag} validBefore == now + 5 fails`, { req, header: enc(base), now: vb - 5 },
    { error: "invalid_exact_evm_payload_authorization_valid_before" });
  await add(`${tag} slack 0: validBefore == now passes`, { req, header: enc(base), now: vb, policy: { valid_before_slack: 0 } },
    okOf(base), "policy valid_before_slack");
  await add(`${tag} slack 60: validBefore == now + 59 fails`, { req, header: enc(base), now: vb - 59, policy: { valid_before_slack: 60 } },
    { error: "invalid_exact_evm_payload_authorization_valid_before" }, "policy valid_before_slack");
  await add(`${tag} not yet valid (now = validAfter − 1)`, { req, header: enc(base), now: va - 1 },
    { error: "invalid_exact_evm_payload_authorization_valid_after" });
  await add(`${tag} validAfter == now passes`, { req, header: enc(base), now: va }, okOf(base));
  const future = await specPay(pk, paymentRequired, req, t0, nonce, { auth: { validAfter: String(now + 1 + det.below(i, "fut", 5)) } });
  await add(`${tag} re-signed validAfter in the future`, { req, header: enc(future), now },
    { error: "invalid_exact_evm_payload_authorization_valid_after" });

  // value
  const over = await specPay(pk, paymentRequired, req, t0, nonce, { auth: { value: String(amt + 1n) } });
  await add(`${tag} value = amount + 1 (exact)`, { req, header: enc(over), now },
    { error: "invalid_exact_evm_payload_authorization_value_mismatch" }, version === 1 ? "v1 value-mismatch string" : undefined);
  await add(`${tag} value = amount + 1 (at_least)`, { req, header: enc(over), now, policy: { amount: "at_least" } },
    okOf(over), "policy amount at_least");
  await add(`${tag} value = amount (at_least)`, { req, header: enc(base), now, policy: { amount: "at_least" } }, okOf(base));
  const under = await specPay(pk, paymentRequired, req, t0, nonce, { auth: { value: String(amt - 1n) } });
  await add(`${tag} value = amount − 1 (exact)`, { req, header: enc(under), now },
    { error: "invalid_exact_evm_payload_authorization_value_mismatch" }, version === 1 ? "v1 value-mismatch string" : undefined);
  await add(`${tag} value = amount − 1 (at_least)`, { req, header: enc(under), now, policy: { amount: "at_least" } },
    { error: "invalid_exact_evm_payload_authorization_value_mismatch" }, version === 1 ? "v1 value-mismatch string" : undefined);

  // network
  if (version === 1) {
    const otherNet = V1_NAMES[(V1_NAMES.indexOf(req.network) + 1 + det.below(i, "net/o", V1_NAMES.length - 1)) % V1_NAMES.length];
    const p = { ...base, network: otherNet };
    await add(`${tag} payload network ${otherNet} ≠ ${req.network}`, { req, header: enc(p), now }, { error: "invalid_exact_evm_network_mismatch" });
  } else {
    const otherNet = `eip155:${chainIdOf(req.network) + 1}`;
    const p = { ...base, accepted: { ...req, network: otherNet } };
    await add(`${tag} accepted network ${otherNet} ≠ ${req.network}`, { req, header: enc(p), now }, { error: "invalid_exact_evm_network_mismatch" });
  }

  // domain: name in extra changed after signing (v2: echoed in accepted too)
  const renamed = { ...req, extra: { ...req.extra, name: req.extra.name + " v2" } };
  const pRen = version === 1 ? base : { ...base, accepted: renamed };
  await add(`${tag} extra.name changed → signature`, { req: renamed, header: enc(pRen), now }, { error: "invalid_exact_evm_signature" });
  const chainSigned = await specPay(pk, paymentRequired, req, t0, nonce, { domain: { chainId: chainIdOf(req.network) + 1 } });
  await add(`${tag} signed for another chainId → signature`, { req, header: enc(chainSigned), now }, { error: "invalid_exact_evm_signature" });
  const otherKey = privateKeyToAccount("0x" + det.privateKey(i, "key2")).address;
  const forged = await specPay(det.privateKey(i, "key2"), paymentRequired, req, t0, nonce);
  forged.payload.authorization.from = await (async () => privateKeyToAccount("0x" + pk).address)();
  if (otherKey === forged.payload.authorization.from) throw new Error("same key");
  await add(`${tag} signed by another key → signature`, { req, header: enc(forged), now }, { error: "invalid_exact_evm_signature" });

  // domain missing
  for (const [label, ex] of [["no name", { version: req.extra.version }], ["no version", { name: req.extra.name }],
    ["empty name", { name: "", version: req.extra.version }]]) {
    const r2 = { ...req, extra: ex };
    const p = version === 1 ? base : { ...base, accepted: r2 };
    await add(`${tag} extra ${label} → missing eip712 domain`, { req: r2, header: enc(p), now }, { error: "invalid_exact_evm_missing_eip712_domain" });
  }
  if (i % 4 < 2) {
    const { extra: _drop, ...noExtra } = req;
    const p = version === 1 ? base : { ...base, accepted: noExtra };
    await add(`${tag} no extra → missing eip712 domain`, { req: noExtra, header: enc(p), now }, { error: "invalid_exact_evm_missing_eip712_domain" });
  }

  // scheme
  if (version === 1) {
    await add(`${tag} payload scheme "deferred"`, { req, header: enc({ ...base, scheme: "deferred" }), now }, { error: "invalid_exact_evm_scheme" });
  } else {
    const r2 = { ...req, scheme: "deferred" };
    await add(`${tag} scheme "deferred"`, { req: r2, header: enc({ ...base, accepted: r2 }), now }, { error: "invalid_exact_evm_scheme" });
  }

  // v2 accepted must deep-equal the offer
  if (version === 2) {
    const variants = [
      ["maxTimeoutSeconds differs", { ...req, maxTimeoutSeconds: req.maxTimeoutSeconds + 1 }],
      ["payTo case differs", { ...req, payTo: req.payTo === req.payTo.toLowerCase() ? getAddress(req.payTo) : req.payTo.toLowerCase() }],
      ["asset case differs", { ...req, asset: req.asset === req.asset.toLowerCase() ? getAddress(req.asset) : req.asset.toLowerCase() }],
      ["extra has one more key", { ...req, extra: { ...req.extra, note: "x" } }],
      ["amount differs", { ...req, amount: String(amt + 1n) }],
    ];
    for (const [label, acc] of variants) {
      await add(`${tag} accepted ${label}`, { req, header: enc({ ...base, accepted: acc }), now }, { error: "accepted_requirements_mismatch" });
    }
    // key order is irrelevant to deep equality
    const reordered = Object.fromEntries(Object.entries(req).reverse());
    reordered.extra = Object.fromEntries(Object.entries(req.extra).reverse());
    await add(`${tag} accepted with keys reordered ok`, { req, header: enc({ ...base, accepted: reordered }), now }, okOf(base));
  }

  // signature encodings
  const ps = parseSignature(base.payload.signature);
  const r = ps.r.slice(2), s = BigInt(ps.s), v = Number(ps.v);
  const withSig = (sig) => ({ ...base, payload: { ...base.payload, signature: sig } });
  const twin = withSig(`0x${r}${(SECP256K1_N - s).toString(16).padStart(64, "0")}${v === 27 ? "1c" : "1b"}`);
  await add(`${tag} high-s twin (strict)`, { req, header: enc(twin), now }, { error: "invalid_exact_evm_signature" }, "strict signature policy");
  await add(`${tag} high-s twin (lenient)`, { req, header: enc(twin), now, policy: { signature: "lenient" } }, okOf(twin));
  const yp = withSig(`0x${r}${ps.s.slice(2)}${v === 27 ? "00" : "01"}`);
  await add(`${tag} v=${v - 27} (strict)`, { req, header: enc(yp), now }, { error: "invalid_exact_evm_signature" }, "strict signature policy");
  await add(`${tag} v=${v - 27} (lenient)`, { req, header: enc(yp), now, policy: { signature: "lenient" } }, okOf(yp));
  const compact = withSig(serializeCompactSignature(signatureToCompactSignature(ps)).toLowerCase());
  await add(`${tag} ERC-2098 64-byte (strict)`, { req, header: enc(compact), now }, { error: "invalid_exact_evm_signature" });
  await add(`${tag} ERC-2098 64-byte (lenient)`, { req, header: enc(compact), now, policy: { signature: "lenient" } }, okOf(compact),
    "lenient accepts ERC-2098");
}

// ---------------- decode-level failures ----------------
for (let i = 200; i < 206; i++) {
  const version = i % 2 ? 2 : 1;
  const { paymentRequired, req } = offer(i, version);
  const tag = `v${version} #${i}`;
  const pk = det.privateKey(i, "key");
  const t0 = T_BASE + det.below(i, "t0", 10_000_000);
  const base = await specPay(pk, paymentRequired, req, t0, det.hex(i, "nonce", 32));
  const h = enc(base);
  const b64 = (s) => Buffer.from(s, "utf8").toString("base64");
  const bad = [
    ["not base64", "%%%" + h.slice(3)],
    ["url-safe alphabet", h.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "") + (h.includes("+") || h.includes("/") ? "" : "-_")],
    ["base64 of non-JSON", b64("x402Version=1;scheme=exact")],
    ["base64 of truncated JSON", b64(JSON.stringify(base).slice(0, -2))],
    ["base64 of a JSON array", b64(JSON.stringify([base]))],
    ["empty header", ""],
    ["payload without authorization", enc({ ...base, payload: { signature: base.payload.signature } })],
    ["nonce not 32 bytes", enc({ ...base, payload: { ...base.payload, authorization: { ...base.payload.authorization, nonce: "0x1234" } } })],
    ["value not a decimal string", enc({ ...base, payload: { ...base.payload, authorization: { ...base.payload.authorization, value: "1e3" } } })],
  ];
  for (const [label, header] of bad) {
    await add(`${tag} ${label} → invalid_payload`, { req, header, now: t0 }, { error: "invalid_payload" },
      label.startsWith("nonce") || label.startsWith("value") || label.startsWith("payload") || label === "empty header" ? "maybe: pay402 rejects malformed fields at decode" : undefined);
  }
  await add(`${tag} x402Version 3`, { req, header: enc({ ...base, x402Version: 3 }), now: t0 }, { error: "invalid_x402_version" });
  // unknown network: both sides name it, so nothing else can fail first
  if (version === 1) {
    const r2 = { ...req, network: "base-goerli" };
    await add(`${tag} unknown v1 network name`, { req: r2, header: enc({ ...base, network: "base-goerli" }), now: t0 },
      { error: "invalid_network" }, "v1 unknown network");
  } else {
    const r2 = { ...req, network: "cosmos:cosmoshub-4" };
    await add(`${tag} unsupported CAIP-2 namespace`, { req: r2, header: enc({ ...base, accepted: r2 }), now: t0 },
      { error: "invalid_network" }, "v2 unsupported namespace");
  }
}

writeVectors("x402-verify.peers.json", "x402-verify-peers", SOURCE, cases);
console.log("divergences from the reference facilitator (expected values follow tests/conformance/vectors/README.md):");
for (const [k, c] of [...divergences].sort()) console.log(`  ${c} × ${k}`);
