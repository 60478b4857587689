// viem + @x402/core + @x402/evm → x402-sign.viem.json (ops x402.sign, x402.typed_data, x402.wallet_sign,
// x402.verify) and x402-select.json (op x402.select, hand-derived).
//
// Expected `x402.sign` headers are built here as tests/conformance/vectors/README.md `x402.sign` specifies: the authorization
// {from: signer (EIP-55), to: getAddress(payTo), value: required amount, validAfter: max(now − 600, 0),
// validBefore: now + maxTimeoutSeconds, nonce}, signed with viem privateKeyToAccount(k).signTypedData,
// the payload in the spec's key order ({x402Version, scheme, network, payload} / {x402Version, resource,
// accepted, payload, extensions?} with resource, accepted and extensions copied from the 402),
// JSON.stringify, base64 standard padded. Every ok header is checked with viem verifyTypedData and the
// reference facilitator (@x402/evm ExactEvmScheme / ExactEvmSchemeV1 verify, stub RPC) and, for v2, with
// @x402/core deepEqual(accepted, accepts[i]). `x402.typed_data` expects viem's own eth_signTypedData_v4
// parameter (serializeTypedData, as viem's wallet action builds it) and hashTypedData.
import { getAddress, hashTypedData, serializeTypedData, getTypesForEIP712Domain, parseSignature,
  serializeCompactSignature, signatureToCompactSignature, verifyTypedData } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { decodePaymentSignatureHeader } from "@x402/core/http";
import { deepEqual } from "@x402/core/utils";
import { ExactEvmScheme as ExactEvmFacilitator } from "@x402/evm/exact/facilitator";
import { ExactEvmSchemeV1 as ExactEvmFacilitatorV1 } from "@x402/evm/exact/v1/facilitator";
import { Det, writeVectors, peerVersion, SECP256K1_N } from "./lib/det.mjs";
import { withClock } from "./lib/clock.mjs";

const SEED = "pay402/peers/x402/sign/v1";
const det = new Det(SEED);
const SOURCE = `viem ${peerVersion("viem")} (privateKeyToAccount(k).signTypedData, serializeTypedData, hashTypedData, ` +
  `verifyTypedData); header JSON per tests/conformance/vectors/README.md x402.sign (spec key order, JSON.stringify, base64 standard padded); ` +
  `ok payments cross-checked with @x402/evm ${peerVersion("@x402/evm")} facilitator verify and @x402/core ` +
  `${peerVersion("@x402/core")} deepEqual; inputs from sha256 seed "${SEED}"`;

const TWA = { TransferWithAuthorization: [
  { name: "from", type: "address" }, { name: "to", type: "address" }, { name: "value", type: "uint256" },
  { name: "validAfter", type: "uint256" }, { name: "validBefore", type: "uint256" }, { name: "nonce", type: "bytes32" }] };
const V1_NETWORKS = { "base-sepolia": 84532, base: 8453, polygon: 137, "polygon-amoy": 80002, "avalanche-fuji": 43113,
  avalanche: 43114, ethereum: 1, sepolia: 11155111, iotex: 4689, sei: 1329, "sei-testnet": 1328, peaq: 3338,
  story: 1514, educhain: 41923, abstract: 2741, "abstract-testnet": 11124, "skale-base-sepolia": 324705682,
  megaeth: 4326, monad: 143, stable: 988, "stable-testnet": 2201 };
const V1_NAMES = Object.keys(V1_NETWORKS);
const V2_CHAINS = [1, 10, 137, 8453, 84532, 42161, 421614, 43113, 11155111, 324705682];
const TOKEN_NAMES = ["USDC", "USD Coin", "Bridged USDC", "Bridged USDC (Stargate)", "USDT0", "Ünïcödé $", "円コイン", "💵",
  "q\"uote\\", "tab\tname"];
const TOKEN_VERSIONS = ["2", "1", "3.1", "ü"];
const TIMEOUTS = [6, 30, 60, 120, 300, 600, 3600, 86400];
const DESCRIPTIONS = ["Access to premium market data", "", "Ünïcödé — “quoted” ✓", "line\nbreak\ttab",
  "emoji 🪙 and \"quotes\" and \\ backslash", "</script>&<>", "日本語の説明", "\u0001\u001f control"];
const EXTENSIONS = [
  { bazaar: { info: { input: { type: "http", method: "GET" }, output: { example: { price: 1.5 } } },
    schema: { type: "object", properties: { input: { type: "object" } }, required: ["input"] } } },
  { "payment-identifier": { info: { id: "pay_0123456789abcdef", required: false }, schema: { type: "object" } } },
  { "sign-in-with-x": { info: { domain: "api.example.com", statement: "Sign in — ✓" }, schema: {} }, note: [1, 2, null, true] },
];
const T_BASE = 1760000000;

const addr = (i, label) => getAddress(det.hex(i, label, 20));
const maybeLower = (i, label, a) => (det.below(i, label, 3) === 0 ? a.toLowerCase() : a);
const chainIdOf = (network) => (network.startsWith("eip155:") ? Number(network.slice(7)) : V1_NETWORKS[network]);
const b64 = (obj) => Buffer.from(JSON.stringify(obj), "utf8").toString("base64");

function amount(i) {
  switch (det.below(i, "amt/kind", 6)) {
    case 0: return "1";
    case 1: return (det.big(i, "amt/big", 255) + 1n).toString();
    case 2: return "10000";
    case 3: return "0";
    default: return (det.big(i, "amt", 40) + 1n).toString();
  }
}

function extra(i) {
  const e = { name: det.pick(i, "tok/name", TOKEN_NAMES), version: det.pick(i, "tok/ver", TOKEN_VERSIONS) };
  const k = det.below(i, "extra/kind", 5);
  if (k === 0) e.assetTransferMethod = "eip3009";
  if (k === 1) e.meta = { tier: det.below(i, "extra/tier", 4), tags: ["a", "ü", { deep: [1, 2.5, null, true] }] };
  if (k === 2) return { decimals: 6, ...e }; // domain fields not first
  return e;
}

/** A random 402 with 1–3 accepts; returns it and the index to pay. */
function offer(i, version) {
  const n = 1 + det.below(i, "n", 3);
  const index = det.below(i, "index", n);
  const accepts = [];
  for (let k = 0; k < n; k++) {
    const l = `a${k}`;
    const maxTimeoutSeconds = det.pick(i, `${l}/timeout`, TIMEOUTS);
    const payTo = maybeLower(i, `${l}/payTo/case`, addr(i, `${l}/payTo`));
    const asset = maybeLower(i, `${l}/asset/case`, addr(i, `${l}/asset`));
    if (version === 1) {
      const req = { scheme: "exact", network: det.pick(i, `${l}/net1`, V1_NAMES), maxAmountRequired: amount(i * 7 + k), asset,
        payTo, resource: `https://api.example.com/r/${det.hex(i, "res", 4).slice(2)}`,
        description: det.pick(i, `${l}/desc`, DESCRIPTIONS), mimeType: "application/json" };
      if (det.below(i, `${l}/outputSchema`, 3) === 0) req.outputSchema = { input: { type: "http", method: "GET" } };
      req.maxTimeoutSeconds = maxTimeoutSeconds;
      req.extra = extra(i * 7 + k);
      accepts.push(req);
    } else {
      const chain = det.below(i, `${l}/chain/kind`, 4) === 0 ? Number(det.big(i, `${l}/chain`, 40)) + 1
        : det.pick(i, `${l}/chain/pick`, V2_CHAINS);
      accepts.push({ scheme: "exact", network: `eip155:${chain}`, amount: amount(i * 7 + k), asset, payTo, maxTimeoutSeconds,
        extra: extra(i * 7 + k) });
    }
  }
  if (version === 1) return { paymentRequired: { x402Version: 1, error: "X-PAYMENT header is required", accepts }, index };
  const resource = { url: `https://api.example.com/v2/${det.hex(i, "res", 4).slice(2)}`, description: det.pick(i, "desc", DESCRIPTIONS),
    mimeType: "application/json" };
  if (det.below(i, "res/kind", 4) === 0) delete resource.mimeType;
  const paymentRequired = { x402Version: 2, error: "PAYMENT-SIGNATURE header is required", resource, accepts };
  if (det.below(i, "ext", 2) === 0) paymentRequired.extensions = det.pick(i, "ext/pick", EXTENSIONS);
  return { paymentRequired, index };
}

/** The authorization and typed data tests/conformance/vectors/README.md x402.sign prescribes. */
function build(from, paymentRequired, index, now, nonce) {
  const req = paymentRequired.accepts[index];
  const authorization = { from: getAddress(from), to: getAddress(req.payTo), value: req.amount ?? req.maxAmountRequired,
    validAfter: String(Math.max(now - 600, 0)), validBefore: String(now + req.maxTimeoutSeconds), nonce };
  const domain = { name: req.extra.name, version: req.extra.version, chainId: chainIdOf(req.network),
    verifyingContract: getAddress(req.asset) };
  const message = { ...authorization, value: BigInt(authorization.value), validAfter: BigInt(authorization.validAfter),
    validBefore: BigInt(authorization.validBefore) };
  return { req, authorization, domain, message };
}

function header(paymentRequired, req, signature, authorization) {
  const payload = { signature, authorization };
  if (paymentRequired.x402Version === 1) return b64({ x402Version: 1, scheme: req.scheme, network: req.network, payload });
  const p = { x402Version: 2, resource: paymentRequired.resource, accepted: req, payload };
  if (paymentRequired.extensions !== undefined) p.extensions = paymentRequired.extensions;
  return b64(p);
}

// ---- reference facilitator cross-check (as in x402-verify.mjs) ----
function stubSigner(asset) {
  return {
    getAddresses: () => ["0x000000000000000000000000000000000000dEaD"],
    getCode: async ({ address }) => (address.toLowerCase() === asset.toLowerCase() ? "0x6080604052" : "0x"),
    readContract: async () => undefined,
    verifyTypedData: async (args) => verifyTypedData(args),
  };
}
async function refVerify(req, hdr, now) {
  const payload = decodePaymentSignatureHeader(hdr);
  if (payload.x402Version === 2 && !deepEqual(payload.accepted, req)) return "accepted_requirements_mismatch";
  const fac = payload.x402Version === 1 ? new ExactEvmFacilitatorV1(stubSigner(req.asset)) : new ExactEvmFacilitator(stubSigner(req.asset));
  const r = await withClock(now, () => fac.verify(payload, req));
  return r.isValid ? "ok" : r.invalidReason;
}

const cases = [];
const add = (name, op, input, expect) => cases.push({ name, op, input, expect });

// ---------------- x402.sign, ok ----------------
for (let i = 0; i < 40; i++) {
  const version = i % 2 ? 2 : 1;
  const { paymentRequired, index } = offer(i, version);
  const pk = det.privateKey(i, "key");
  const account = privateKeyToAccount("0x" + pk);
  const now = i === 6 ? 599 : i === 9 ? 37 : T_BASE + det.below(i, "now", 100_000_000);
  const nonce = det.hex(i, "nonce", 32);
  const { req, authorization, domain, message } = build(account.address, paymentRequired, index, now, nonce);
  const signature = await account.signTypedData({ domain, types: TWA, primaryType: "TransferWithAuthorization", message });
  if (!(await verifyTypedData({ address: account.address, domain, types: TWA, primaryType: "TransferWithAuthorization", message, signature }))) {
    throw new Error(`#${i}: viem does not verify its own signature`);
  }
  const payment = header(paymentRequired, req, signature, authorization);
  const ref = await refVerify(req, payment, now);
  if (ref !== "ok") throw new Error(`#${i}: reference facilitator says ${ref}`);
  const input = { payment_required: paymentRequired, private_key_hex: pk, now, nonce };
  if (index !== 0 || det.below(i, "explicit", 2) === 0) input.accept_index = index;
  const label = `v${version} #${i} accepts[${index}] of ${paymentRequired.accepts.length} on ${req.network}`;
  add(`${label} signs as viem`, "x402.sign", input, { ok: { payment } });

  // pay402-signed payments through x402.verify (the header above is byte-identical to pay402's)
  if (i % 5 === 0) {
    add(`${label} verifies`, "x402.verify", { requirements: req, payment, now },
      { ok: { payer: account.address.toLowerCase(), nonce } });
  }

  // wallet path: typed data for eth_signTypedData_v4, and the header assembled from the wallet's signature
  if (i % 4 === 1 || i % 4 === 2) {
    const types = { EIP712Domain: getTypesForEIP712Domain({ domain }), ...TWA };
    const typedData = JSON.parse(serializeTypedData({ domain, message, primaryType: "TransferWithAuthorization", types }));
    const digest = hashTypedData({ domain, types: TWA, primaryType: "TransferWithAuthorization", message });
    const w = { payment_required: paymentRequired, accept_index: index, from: account.address, now, nonce };
    add(`${label} typed data`, "x402.typed_data", w, { ok: { digest, typed_data: typedData } });
    const ps = parseSignature(signature);
    const r = ps.r.slice(2), s = BigInt(ps.s), v = Number(ps.v);
    const sHex = ps.s.slice(2);
    add(`${label} wallet signature v=${v}`, "x402.wallet_sign", { ...w, signature }, { ok: { payment, signature } });
    add(`${label} wallet signature v=${v - 27} normalized`, "x402.wallet_sign",
      { ...w, signature: `0x${r}${sHex}${v === 27 ? "00" : "01"}` }, { ok: { payment, signature } });
    if (i % 4 === 1) {
      add(`${label} wallet signature uppercase hex`, "x402.wallet_sign", { ...w, signature: "0x" + signature.slice(2).toUpperCase() },
        { ok: { payment, signature } });
      add(`${label} wallet high-s twin rejected`, "x402.wallet_sign",
        { ...w, signature: `0x${r}${(SECP256K1_N - s).toString(16).padStart(64, "0")}${v === 27 ? "1c" : "1b"}` },
        { error: "signature_high_s" });
      add(`${label} wallet ERC-2098 64-byte rejected`, "x402.wallet_sign",
        { ...w, signature: serializeCompactSignature(signatureToCompactSignature(ps)).toLowerCase() }, { error: "signature_length" });
      add(`${label} wallet v=29 rejected`, "x402.wallet_sign", { ...w, signature: `0x${r}${sHex}1d` }, { error: "signature_v" });
    } else {
      const other = privateKeyToAccount("0x" + det.privateKey(i, "key2"));
      const forged = await other.signTypedData({ domain, types: TWA, primaryType: "TransferWithAuthorization", message });
      add(`${label} wallet signature by another key rejected`, "x402.wallet_sign", { ...w, signature: forged },
        { error: "signature_wrong_signer" });
      add(`${label} wallet signature for another nonce rejected`, "x402.wallet_sign",
        { ...w, nonce: det.hex(i, "nonce2", 32), signature }, { error: "signature_wrong_signer" });
    }
  }
}

// ---------------- x402.sign, errors (hand-derived from the construction rules) ----------------
{
  const i = 500;
  const pk = det.privateKey(i, "key");
  const now = T_BASE;
  const nonce = det.hex(i, "nonce", 32);
  const base = { scheme: "exact", network: "eip155:8453", amount: "10000", asset: "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913",
    payTo: "0x209693Bc6afc0C5328bA36FaF03C514EF312287C", maxTimeoutSeconds: 60, extra: { name: "USD Coin", version: "2" } };
  const v2 = (acc) => ({ x402Version: 2, resource: { url: "https://api.example.com/x" }, accepts: [acc] });
  const v1 = (acc) => ({ x402Version: 1, accepts: [acc] });
  const base1 = { scheme: "exact", network: "base", maxAmountRequired: "10000", asset: base.asset, payTo: base.payTo,
    resource: "https://api.example.com/x", description: "", maxTimeoutSeconds: 60, extra: base.extra };
  const bad = [
    ["accept_index past the end", v2(base), 1, "accept_index_out_of_range"],
    ["scheme upto", v2({ ...base, scheme: "upto" }), 0, "unsupported_scheme"],
    ["v1 scheme deferred", v1({ ...base1, scheme: "deferred" }), 0, "unsupported_scheme"],
    ["solana network", v2({ ...base, network: "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp" }), 0, "unsupported_network"],
    ["v1 solana network", v1({ ...base1, network: "solana" }), 0, "unsupported_network"],
    ["unknown v1 network name", v1({ ...base1, network: "base-goerli" }), 0, "unsupported_network"],
    ["CAIP-2 id in a v1 402", v1({ ...base1, network: "eip155:8453" }), 0, "unsupported_network"],
    ["v1 name in a v2 402", v2({ ...base, network: "base" }), 0, "unsupported_network"],
    ["permit2 transfer method", v2({ ...base, extra: { ...base.extra, assetTransferMethod: "permit2" } }), 0, "permit2_not_supported"],
    ["erc7710 transfer method", v2({ ...base, extra: { ...base.extra, assetTransferMethod: "erc7710" } }), 0, "unsupported_asset_transfer_method"],
    ["no extra", v2((({ extra, ...r }) => r)(base)), 0, "missing_eip712_domain"],
    ["extra null", v2({ ...base, extra: null }), 0, "missing_eip712_domain"],
    ["extra without version", v2({ ...base, extra: { name: "USD Coin" } }), 0, "missing_eip712_domain"],
    ["empty extra.name", v2({ ...base, extra: { name: "", version: "2" } }), 0, "missing_eip712_domain"],
    ["numeric extra.version", v2({ ...base, extra: { name: "USD Coin", version: 2 } }), 0, "missing_eip712_domain"],
    ["v1 no extra", v1((({ extra, ...r }) => r)(base1)), 0, "missing_eip712_domain"],
    ["payTo with a bad EIP-55 checksum", v2({ ...base, payTo: "0x209693Bc6afc0C5328bA36FaF03C514EF312287c" }), 0, "invalid_payment_requirements"],
    ["asset not an address", v2({ ...base, asset: "USDC" }), 0, "invalid_payment_requirements"],
    ["payTo a base58 key", v2({ ...base, payTo: "2wKupLR9q6wXYppw8Gr2NvWxKBUqm4PPJKkQfoxHDBg4" }), 0, "invalid_payment_requirements"],
  ];
  for (const [label, pr, index, code] of bad) {
    add(`rejects ${label}`, "x402.sign", { payment_required: pr, accept_index: index, private_key_hex: pk, now, nonce }, { error: code });
  }
  // a permit2 entry before an EIP-3009 one: signing accepts[1] directly works
  const mixed = v2({ ...base, extra: { ...base.extra, assetTransferMethod: "permit2" } });
  mixed.accepts.push(base);
  const account = privateKeyToAccount("0x" + pk);
  const { req, authorization, domain, message } = build(account.address, mixed, 1, now, nonce);
  const signature = await account.signTypedData({ domain, types: TWA, primaryType: "TransferWithAuthorization", message });
  const payment = header(mixed, req, signature, authorization);
  if ((await refVerify(req, payment, now)) !== "ok") throw new Error("mixed: reference facilitator disagrees");
  add("signs accepts[1] after a permit2 entry", "x402.sign", { payment_required: mixed, accept_index: 1, private_key_hex: pk, now, nonce },
    { ok: { payment } });
}

writeVectors("x402-sign.viem.json", "x402-sign-viem", SOURCE, cases);

// ---------------- x402.select (hand-derived from the selection rules, tests/conformance/vectors/README.md) ----------------
const SEL_SOURCE = "hand-derived from the selection rules in tests/conformance/vectors/README.md (x402.select): first acceptable " +
  "entry in offer order; exact + known EVM network + EIP-3009 (permit2 only when allowed) + extra.name/version + " +
  "address-valued asset/payTo + network and asset in the payer's lists + amount ≤ max_amount";
const BASE_USDC = "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913";
const SEP_USDC = "0x036CbD53842c5426634e7929541eC2318f3dCF7e";
const PAY = "0x209693Bc6afc0C5328bA36FaF03C514EF312287C";
const e2 = (network, amount, asset, extra = { name: "USDC", version: "2" }, scheme = "exact") =>
  ({ scheme, network, amount, asset, payTo: PAY, maxTimeoutSeconds: 60, extra });
const r2 = (...accepts) => ({ x402Version: 2, resource: { url: "https://api.example.com/x" }, accepts });
const e1 = (network, amount, asset, extra = { name: "USDC", version: "2" }) =>
  ({ scheme: "exact", network, maxAmountRequired: amount, asset, payTo: PAY, resource: "https://api.example.com/x",
    description: "", maxTimeoutSeconds: 60, extra });
const r1 = (...accepts) => ({ x402Version: 1, accepts });
const sel = [];
const s = (name, pr, networks, assets, max, expect, more = {}) =>
  sel.push({ name, op: "x402.select", input: { payment_required: pr, networks, assets, max_amount: max, ...more }, expect });
s("single offer within budget", r2(e2("eip155:84532", "10000", SEP_USDC)), ["eip155:84532"], [SEP_USDC], "10000",
  { ok: { index: 0, method: "eip3009", chainId: 84532 } });
s("amount equal to the budget is paid", r2(e2("eip155:84532", "10000", SEP_USDC)), ["eip155:84532"], [SEP_USDC], "10000", { ok: { index: 0 } });
s("one unit over budget", r2(e2("eip155:84532", "10001", SEP_USDC)), ["eip155:84532"], [SEP_USDC], "10000", { error: "amount_exceeds_budget" });
s("first acceptable in offer order", r2(e2("eip155:8453", "5", BASE_USDC), e2("eip155:84532", "1", SEP_USDC), e2("eip155:84532", "2", SEP_USDC)),
  ["eip155:84532"], [SEP_USDC], "10", { ok: { index: 1, chainId: 84532 } });
s("cheaper later offer is not preferred", r2(e2("eip155:84532", "9", SEP_USDC), e2("eip155:84532", "1", SEP_USDC)),
  ["eip155:84532"], [SEP_USDC], "10", { ok: { index: 0 } });
s("over-budget offer skipped for an affordable one", r2(e2("eip155:84532", "11", SEP_USDC), e2("eip155:84532", "10", SEP_USDC)),
  ["eip155:84532"], [SEP_USDC], "10", { ok: { index: 1 } });
s("unknown network only", r2(e2("eip155:8453", "1", BASE_USDC)), ["eip155:84532"], [BASE_USDC], "10", { error: "no_acceptable_requirements" });
s("asset not held", r2(e2("eip155:84532", "1", SEP_USDC)), ["eip155:84532"], [BASE_USDC], "10", { error: "no_acceptable_requirements" });
s("asset compared case-insensitively", r2(e2("eip155:84532", "1", SEP_USDC.toLowerCase())), ["eip155:84532"], [SEP_USDC], "10", { ok: { index: 0 } });
s("budget error only when the rest matched", r2(e2("eip155:8453", "1", BASE_USDC), e2("eip155:84532", "100", SEP_USDC)),
  ["eip155:84532"], [SEP_USDC], "10", { error: "amount_exceeds_budget" });
s("no budget error for an expensive offer on another network", r2(e2("eip155:8453", "100", BASE_USDC)),
  ["eip155:84532"], [BASE_USDC], "10", { error: "no_acceptable_requirements" });
s("permit2 skipped by default", r2(e2("eip155:84532", "1", SEP_USDC, { name: "USDC", version: "2", assetTransferMethod: "permit2" }),
  e2("eip155:84532", "1", SEP_USDC)), ["eip155:84532"], [SEP_USDC], "10", { ok: { index: 1, method: "eip3009" } });
s("permit2 only → nothing acceptable", r2(e2("eip155:84532", "1", SEP_USDC, { name: "USDC", version: "2", assetTransferMethod: "permit2" })),
  ["eip155:84532"], [SEP_USDC], "10", { error: "no_acceptable_requirements" });
s("permit2 chosen when allowed", r2(e2("eip155:84532", "1", SEP_USDC, { assetTransferMethod: "permit2" })),
  ["eip155:84532"], [SEP_USDC], "10", { ok: { index: 0, method: "permit2" } }, { allow_permit2: true });
s("explicit eip3009 method", r2(e2("eip155:84532", "1", SEP_USDC, { name: "USDC", version: "2", assetTransferMethod: "eip3009" })),
  ["eip155:84532"], [SEP_USDC], "10", { ok: { index: 0, method: "eip3009" } });
s("unknown transfer method skipped", r2(e2("eip155:84532", "1", SEP_USDC, { name: "USDC", version: "2", assetTransferMethod: "erc7710" })),
  ["eip155:84532"], [SEP_USDC], "10", { error: "no_acceptable_requirements" });
s("upto scheme skipped", r2(e2("eip155:84532", "1", SEP_USDC, undefined, "upto"), e2("eip155:84532", "2", SEP_USDC)),
  ["eip155:84532"], [SEP_USDC], "10", { ok: { index: 1 } });
s("missing EIP-712 domain skipped", r2(e2("eip155:84532", "1", SEP_USDC, { name: "USDC" }), e2("eip155:84532", "2", SEP_USDC)),
  ["eip155:84532"], [SEP_USDC], "10", { ok: { index: 1 } });
s("solana offer skipped", r2({ scheme: "exact", network: "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp", amount: "1",
  asset: "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v", payTo: "2wKupLR9q6wXYppw8Gr2NvWxKBUqm4PPJKkQfoxHDBg4", maxTimeoutSeconds: 60,
  extra: { feePayer: "2wKupLR9q6wXYppw8Gr2NvWxKBUqm4PPJKkQfoxHDBg4" } }, e2("eip155:8453", "1", BASE_USDC)),
  ["eip155:8453"], [BASE_USDC], "10", { ok: { index: 1, chainId: 8453 } });
s("v1 name matches the CAIP-2 policy entry", r1(e1("base", "10000", BASE_USDC)), ["eip155:8453"], [BASE_USDC], "10000",
  { ok: { index: 0, chainId: 8453 } });
s("v1 policy given by name", r1(e1("polygon-amoy", "1", SEP_USDC), e1("base-sepolia", "1", SEP_USDC)), ["base-sepolia"], [SEP_USDC], "1",
  { ok: { index: 1, chainId: 84532 } });
s("v1 over budget", r1(e1("base", "10001", BASE_USDC)), ["base"], [BASE_USDC], "10000", { error: "amount_exceeds_budget" });
s("v1 unknown network name skipped", r1(e1("base-goerli", "1", BASE_USDC), e1("base", "1", BASE_USDC)), ["base"], [BASE_USDC], "1",
  { ok: { index: 1 } });
s("huge amount against a huge budget", r2(e2("eip155:1", (2n ** 256n - 1n).toString(), BASE_USDC)), ["eip155:1"], [BASE_USDC],
  (2n ** 256n - 1n).toString(), { ok: { index: 0, chainId: 1 } });
s("zero budget pays only a zero amount", r2(e2("eip155:1", "1", BASE_USDC), e2("eip155:1", "0", BASE_USDC)), ["eip155:1"], [BASE_USDC], "0",
  { ok: { index: 1 } });
s("bad payTo checksum skipped", r2({ ...e2("eip155:1", "1", BASE_USDC), payTo: "0x209693Bc6afc0C5328bA36FaF03C514EF312287c" },
  e2("eip155:1", "2", BASE_USDC)), ["eip155:1"], [BASE_USDC], "2", { ok: { index: 1 } });
s("empty policy lists accept nothing", r2(e2("eip155:1", "1", BASE_USDC)), [], [], "10", { error: "no_acceptable_requirements" });
writeVectors("x402-select.json", "x402-select", SEL_SOURCE, sel);
