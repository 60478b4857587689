// viem + @x402/evm → evm-permit2-digest.viem.json (op evm.permit2.digest) and
// x402-verify-permit2.peers.json (op x402.verify with Permit2 payloads: `exact` with
// assetTransferMethod "permit2", and `upto`).
//
// Digests: viem hashDomain / hashStruct / hashTypedData over random tokens, amounts, nonces and
// deadlines, both witness shapes.
// Payments: positive cases from the reference client (x402Client + ExactEvmScheme with
// assetTransferMethod "permit2", and UptoEvmScheme; clock and nonce RNG injected); mutations built
// as the reference client builds them and re-signed with viem signTypedData. Every case is
// cross-checked against the reference facilitator (@x402/evm ExactEvmScheme / UptoEvmScheme verify
// with Date.now injected and a stub RPC that reports the asset as a contract and lets simulation
// pass; settle-amount cases against UptoEvmScheme settle). Where pay402's contract (tests/conformance/vectors/README.md)
// deliberately differs, the expected value follows tests/conformance/vectors/README.md and the difference is counted in the
// divergence log.
import { getAddress, hashDomain, hashStruct, hashTypedData, parseSignature, verifyTypedData } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { x402Client } from "@x402/core/client";
import { encodePaymentSignatureHeader, decodePaymentSignatureHeader } from "@x402/core/http";
import { deepEqual } from "@x402/core/utils";
import { ExactEvmScheme as ExactEvmClient } from "@x402/evm/exact/client";
import { UptoEvmScheme as UptoEvmClient } from "@x402/evm/upto/client";
import { ExactEvmScheme as ExactEvmFacilitator } from "@x402/evm/exact/facilitator";
import { UptoEvmScheme as UptoEvmFacilitator } from "@x402/evm/upto/facilitator";
import { Det, writeVectors, peerVersion, SECP256K1_N } from "./lib/det.mjs";
import { withClockAndNonce, withClock } from "./lib/clock.mjs";

const PERMIT2 = "0x000000000022D473030F116dDEE9F6B43aC78BA3";
const EXACT_PROXY = "0x402085c248EeA27D92E8b30b2C58ed07f9E20001";
const UPTO_PROXY = "0x4020A4f3b7b90ccA423B9fabCc0CE57C6C240002";
const ED = [{ name: "name", type: "string" }, { name: "chainId", type: "uint256" }, { name: "verifyingContract", type: "address" }];
const WITNESS = {
  exact: [{ name: "to", type: "address" }, { name: "validAfter", type: "uint256" }],
  upto: [{ name: "to", type: "address" }, { name: "facilitator", type: "address" }, { name: "validAfter", type: "uint256" }],
};
const types = (shape) => ({
  PermitWitnessTransferFrom: [{ name: "permitted", type: "TokenPermissions" }, { name: "spender", type: "address" },
    { name: "nonce", type: "uint256" }, { name: "deadline", type: "uint256" }, { name: "witness", type: "Witness" }],
  TokenPermissions: [{ name: "token", type: "address" }, { name: "amount", type: "uint256" }],
  Witness: WITNESS[shape],
});
const domainOf = (chainId) => ({ name: "Permit2", chainId, verifyingContract: PERMIT2 });
const V2_CHAINS = [1, 10, 137, 8453, 84532, 42161, 421614, 43113, 11155111, 324705682];

// ---------------------------------------------------------------- digests
{
  const det = new Det("pay402/peers/evm/permit2/digest/v1");
  const addr = (i, l) => getAddress(det.hex(i, l, 20));
  const cases = [];
  for (let i = 0; i < 120; i++) {
    const shape = i % 2 ? "upto" : "exact";
    const chainId = det.below(i, "chain/kind", 3) === 0 ? Number(det.big(i, "chain", 40)) + 1 : det.pick(i, "chain/pick", V2_CHAINS);
    const spender = [EXACT_PROXY, UPTO_PROXY, addr(i, "spender")][det.below(i, "spender/kind", 3)];
    const permit = {
      permitted: { token: addr(i, "token"), amount: det.u256(i, "amount").toString() },
      spender,
      nonce: det.u256(i, "nonce").toString(),
      deadline: det.u256(i, "deadline").toString(),
      witness: shape === "upto"
        ? { to: addr(i, "to"), facilitator: addr(i, "facilitator"), validAfter: det.u256(i, "validAfter").toString() }
        : { to: addr(i, "to"), validAfter: det.u256(i, "validAfter").toString() },
    };
    const message = {
      ...permit, permitted: { ...permit.permitted, amount: BigInt(permit.permitted.amount) }, nonce: BigInt(permit.nonce),
      deadline: BigInt(permit.deadline), witness: { ...permit.witness, validAfter: BigInt(permit.witness.validAfter) },
    };
    const domain = domainOf(chainId);
    const ok = {
      domain_separator: hashDomain({ domain, types: { EIP712Domain: ED } }),
      struct_hash: hashStruct({ data: message, primaryType: "PermitWitnessTransferFrom", types: types(shape) }),
      digest: hashTypedData({ domain, types: types(shape), primaryType: "PermitWitnessTransferFrom", message }),
    };
    cases.push({ name: `${shape} #${i} chain ${chainId}`, op: "evm.permit2.digest", input: { chainId, permit }, expect: { ok } });
  }
  writeVectors("evm-permit2-digest.viem.json", "evm-permit2-digest-viem",
    `viem ${peerVersion("viem")} hashDomain / hashStruct / hashTypedData (PermitWitnessTransferFrom, ` +
    `exact and upto witnesses); inputs from sha256 seed "pay402/peers/evm/permit2/digest/v1"`, cases);
}

// ---------------------------------------------------------------- verification
const det = new Det("pay402/peers/x402/verify-permit2/v1");
const SOURCE = `@x402/evm ${peerVersion("@x402/evm")} (x402Client + ExactEvmScheme with assetTransferMethod "permit2" ` +
  `and UptoEvmScheme → createPaymentPayload; facilitator ExactEvmScheme / UptoEvmScheme verify and settle as ` +
  `cross-check), @x402/core ${peerVersion("@x402/core")} (encodePaymentSignatureHeader, deepEqual), viem ` +
  `${peerVersion("viem")} (signTypedData for re-signed mutations); error codes and order per tests/conformance/vectors/README.md ` +
  `"x402 with Permit2"; inputs from sha256 seed "pay402/peers/x402/verify-permit2/v1"`;

const addr = (i, label) => getAddress(det.hex(i, label, 20));
const maybeLower = (i, label, a) => (det.below(i, label, 3) === 0 ? a.toLowerCase() : a);
const TIMEOUTS = [10, 30, 60, 120, 300, 600, 3600];
const T_BASE = 1760000000;

function amount(i) {
  switch (det.below(i, "amt/kind", 5)) {
    case 0: return "1";
    case 1: return (det.big(i, "amt/big", 255) + 1n).toString();
    case 2: return "10000";
    default: return (det.big(i, "amt", 40) + 2n).toString();
  }
}

function offer(i, scheme) {
  const chain = det.below(i, "chain/kind", 4) === 0 ? Number(det.big(i, "chain", 40)) + 1 : det.pick(i, "chain/pick", V2_CHAINS);
  const extra = scheme === "exact" ? { assetTransferMethod: "permit2" } : { facilitatorAddress: addr(i, "facilitator") };
  if (det.below(i, "extra/domain", 2) === 0) Object.assign(extra, { name: "USDC", version: "2" });
  const req = { scheme, network: `eip155:${chain}`, amount: amount(i), asset: maybeLower(i, "asset/case", addr(i, "asset")),
    payTo: maybeLower(i, "payTo/case", addr(i, "payTo")), maxTimeoutSeconds: det.pick(i, "timeout", TIMEOUTS), extra };
  const resource = { url: `https://api.example.com/v2/${det.hex(i, "res", 4).slice(2)}`, description: "metered", mimeType: "application/json" };
  return { paymentRequired: { x402Version: 2, error: "PAYMENT-SIGNATURE header is required", resource, accepts: [req] }, req, chain };
}

async function refPay(pk, paymentRequired, scheme, t0, nonceBytes) {
  const client = new x402Client();
  const signer = privateKeyToAccount("0x" + pk);
  client.register("eip155:*", scheme === "upto" ? new UptoEvmClient(signer) : new ExactEvmClient(signer));
  client.setSpendControls(false);
  return withClockAndNonce(t0, nonceBytes, () => client.createPaymentPayload(paymentRequired));
}

/** The reference client's construction (validAfter 0, deadline t0 + timeout), signed with viem; `auth` and
 * `sign` override what is sent and what is signed. */
async function specPay(pk, paymentRequired, req, chain, t0, nonce, { auth = {}, witness = {}, sign = {}, key } = {}) {
  const account = privateKeyToAccount("0x" + (key ?? pk));
  const shape = req.scheme;
  const a = {
    from: privateKeyToAccount("0x" + pk).address,
    permitted: { token: getAddress(req.asset), amount: req.amount },
    spender: shape === "upto" ? UPTO_PROXY : EXACT_PROXY,
    nonce,
    deadline: String(t0 + req.maxTimeoutSeconds),
    witness: shape === "upto"
      ? { to: getAddress(req.payTo), facilitator: getAddress(req.extra.facilitatorAddress), validAfter: "0", ...witness }
      : { to: getAddress(req.payTo), validAfter: "0", ...witness },
    ...auth,
  };
  const m = { ...a, ...(sign.auth ?? {}) };
  const message = {
    permitted: { token: m.permitted.token, amount: BigInt(m.permitted.amount) }, spender: m.spender, nonce: BigInt(m.nonce),
    deadline: BigInt(m.deadline), witness: { ...m.witness, validAfter: BigInt(m.witness.validAfter) },
  };
  const signature = await account.signTypedData({ domain: domainOf(sign.chainId ?? chain), types: types(shape),
    primaryType: "PermitWitnessTransferFrom", message });
  return { x402Version: 2, resource: paymentRequired.resource, accepted: req, payload: { signature, permit2Authorization: a } };
}

function stubSigner(asset, facilitator) {
  return {
    getAddresses: () => (facilitator ? [facilitator] : []),
    getCode: async ({ address }) => (address.toLowerCase() === asset.toLowerCase() ? "0x6080604052" : "0x"),
    readContract: async () => undefined,
    verifyTypedData: async (args) => verifyTypedData(args),
  };
}

async function refVerify(req, header, now, facilitator, settleAmount) {
  let payload;
  try {
    payload = decodePaymentSignatureHeader(header);
  } catch {
    return "invalid_payload";
  }
  if (!payload?.payload?.permit2Authorization) return "invalid_payload";
  if (payload.accepted?.network === req.network && payload.accepted?.scheme === req.scheme && !deepEqual(payload.accepted, req)) {
    return "accepted_requirements_mismatch";
  }
  const signer = stubSigner(req.asset, facilitator);
  const fac = req.scheme === "upto" ? new UptoEvmFacilitator(signer) : new ExactEvmFacilitator(signer);
  try {
    const r = await withClock(now, () => fac.verify(payload, req));
    if (!r.isValid) return r.invalidReason;
    if (settleAmount !== undefined) {
      // settle with the charge as requirements.amount (x402 facilitator API, reference `core/src/http/httpFacilitatorClient.ts`); only the refusal is reached offline
      if (BigInt(settleAmount) > BigInt(payload.payload.permit2Authorization.permitted.amount)) {
        const s = await withClock(now, () => fac.settle(payload, { ...req, amount: settleAmount }));
        return s.success ? "settled" : s.errorReason;
      }
    }
    return "ok";
  } catch (e) {
    return `throws: ${e.message.slice(0, 60)}`;
  }
}

const cases = [];
const divergences = new Map();
async function add(name, { req, header, now, policy, facilitator, settle_amount }, expect, divergence) {
  const input = { requirements: req, payment: header, now };
  if (policy) input.policy = policy;
  if (settle_amount !== undefined) input.settle_amount = settle_amount;
  if (facilitator) input.facilitator = facilitator;
  const ours = expect.ok ? "ok" : expect.error;
  const ref = await refVerify(req, header, now, facilitator, settle_amount);
  if (ref !== ours) {
    if (!divergence) throw new Error(`${name}: reference facilitator says ${ref}, expected ${ours}`);
    const key = `${divergence}: pay402 ${ours}, reference ${ref}`;
    divergences.set(key, (divergences.get(key) ?? 0) + 1);
  } else if (divergence && !divergence.startsWith("maybe")) {
    throw new Error(`${name}: declared divergence "${divergence}" but the reference agrees (${ref})`);
  }
  if (expect.ok) {
    const p = decodePaymentSignatureHeader(header);
    const a = p.payload.permit2Authorization;
    const shape = req.scheme;
    const good = await verifyTypedData({ address: a.from, domain: domainOf(Number(req.network.slice(7))), types: types(shape),
      primaryType: "PermitWitnessTransferFrom", signature: p.payload.signature, message: {
        permitted: { token: a.permitted.token, amount: BigInt(a.permitted.amount) }, spender: a.spender, nonce: BigInt(a.nonce),
        deadline: BigInt(a.deadline), witness: { ...a.witness, validAfter: BigInt(a.witness.validAfter) } } });
    if (!good) throw new Error(`${name}: ok case does not verify with viem`);
    const want = settle_amount ?? a.permitted.amount;
    if (expect.ok.payer !== a.from.toLowerCase() || expect.ok.amount !== want) throw new Error(`${name}: ok fields`);
  }
  cases.push({ name, op: "x402.verify", input, expect });
}
const enc = (p) => encodePaymentSignatureHeader(p);
const okOf = (p, settle) => ({ ok: { payer: p.payload.permit2Authorization.from.toLowerCase(),
  amount: settle ?? p.payload.permit2Authorization.permitted.amount } });

// ---------------- positive cases from the reference client ----------------
for (let i = 0; i < 60; i++) {
  const scheme = i % 2 ? "upto" : "exact";
  const { paymentRequired, req } = offer(i, scheme);
  const pk = det.privateKey(i, "key");
  const t0 = T_BASE + det.below(i, "t0", 10_000_000);
  const p = await refPay(pk, paymentRequired, scheme, t0, det.bytes(i, "nonce", 32));
  const header = enc(p);
  const deadline = Number(p.payload.permit2Authorization.deadline);
  const now = [t0, deadline - 6, t0 + det.below(i, "now", req.maxTimeoutSeconds - 5)][i % 3];
  const facilitator = scheme === "upto" ? maybeLower(i, "fac/case", req.extra.facilitatorAddress) : undefined;
  if (scheme === "upto" && i % 4 === 1) {
    const settle = (BigInt(req.amount) * BigInt(det.below(i, "settle", 101)) / 100n).toString();
    await add(`upto reference client #${i} settle ${settle} ok`, { req, header, now, facilitator, settle_amount: settle }, okOf(p, settle));
  } else {
    await add(`${scheme} reference client #${i} ok`, { req, header, now, facilitator }, okOf(p));
  }
}

// ---------------- mutations (each fails exactly one check) ----------------
for (let i = 100; i < 116; i++) {
  const scheme = i % 2 ? "upto" : "exact";
  const { paymentRequired, req, chain } = offer(i, scheme);
  const tag = `${scheme} #${i}`;
  const pk = det.privateKey(i, "key");
  const t0 = T_BASE + det.below(i, "t0", 10_000_000);
  const nonce = det.big(i, "nonce", 256).toString();
  const now = t0;
  const facilitator = scheme === "upto" ? req.extra.facilitatorAddress : undefined;
  const ctx = (header, extra = {}) => ({ req, header, now, facilitator, ...extra });
  const base = await specPay(pk, paymentRequired, req, chain, t0, nonce);
  const deadline = t0 + req.maxTimeoutSeconds;
  const amt = BigInt(req.amount);
  const net = scheme === "upto" ? "upto network string" : undefined;

  await add(`${tag} spec-built ok`, ctx(enc(base)), okOf(base));

  // network (accepted names another chain)
  await add(`${tag} accepted network differs`, ctx(enc({ ...base, accepted: { ...req, network: `eip155:${chain + 1}` } })),
    { error: "invalid_exact_evm_network_mismatch" }, net);
  // accepted differs from the offer in another field
  await add(`${tag} accepted maxTimeoutSeconds differs`, ctx(enc({ ...base, accepted: { ...req, maxTimeoutSeconds: req.maxTimeoutSeconds + 1 } })),
    { error: "accepted_requirements_mismatch" });

  // spender: the other scheme's proxy, and a random address (re-signed)
  const otherProxy = scheme === "upto" ? EXACT_PROXY : UPTO_PROXY;
  for (const [label, spender] of [["other proxy", otherProxy], ["random spender", addr(i, "spender")]]) {
    const p = await specPay(pk, paymentRequired, req, chain, t0, nonce, { auth: { spender } });
    await add(`${tag} ${label}`, ctx(enc(p)), { error: "invalid_permit2_spender" });
  }

  // recipient
  const wrongTo = await specPay(pk, paymentRequired, req, chain, t0, nonce, { witness: { to: addr(i, "other") } });
  await add(`${tag} witness.to is not payTo`, ctx(enc(wrongTo)), { error: "invalid_permit2_recipient_mismatch" });

  // facilitator (upto)
  if (scheme === "upto") {
    await add(`${tag} configured facilitator differs`, ctx(enc(base), { facilitator: addr(i, "fac2") }), { error: "upto_facilitator_mismatch" });
    await add(`${tag} no facilitator configured`, ctx(enc(base), { facilitator: undefined }), { error: "upto_facilitator_mismatch" });
    const signedOther = await specPay(pk, paymentRequired, req, chain, t0, nonce, { witness: { facilitator: addr(i, "fac3") } });
    await add(`${tag} witness names another facilitator`, ctx(enc(signedOther)), { error: "upto_facilitator_mismatch" });
    await add(`${tag} facilitator configured in lowercase ok`, ctx(enc(base), { facilitator: facilitator.toLowerCase() }), okOf(base));
  }

  // deadline
  await add(`${tag} deadline == now + 6 passes`, ctx(enc(base), { now: deadline - 6 }), okOf(base));
  await add(`${tag} deadline == now + 5 fails`, ctx(enc(base), { now: deadline - 5 }), { error: "permit2_deadline_expired" });
  await add(`${tag} deadline long past`, ctx(enc(base), { now: deadline + 1000 }), { error: "permit2_deadline_expired" });
  await add(`${tag} slack 0: deadline == now passes`, ctx(enc(base), { now: deadline, policy: { valid_before_slack: 0 } }), okOf(base),
    "policy valid_before_slack");

  // validAfter
  const va = now + 1 + det.below(i, "fut", 5);
  const future = await specPay(pk, paymentRequired, req, chain, t0, nonce, { witness: { validAfter: String(va) } });
  await add(`${tag} validAfter in the future`, ctx(enc(future)), { error: "permit2_not_yet_valid" });
  if (va + 6 <= deadline) await add(`${tag} validAfter == now passes`, ctx(enc(future), { now: va }), okOf(future));

  // amount
  const over = await specPay(pk, paymentRequired, req, chain, t0, nonce, { auth: { permitted: { token: getAddress(req.asset), amount: String(amt + 1n) } } });
  await add(`${tag} permitted.amount = amount + 1`, ctx(enc(over)), { error: "permit2_amount_mismatch" });
  await add(`${tag} permitted.amount = amount + 1 (at_least)`, ctx(enc(over), { policy: { amount: "at_least" } }), okOf(over),
    "policy amount at_least");
  const under = await specPay(pk, paymentRequired, req, chain, t0, nonce, { auth: { permitted: { token: getAddress(req.asset), amount: String(amt - 1n) } } });
  await add(`${tag} permitted.amount = amount − 1`, ctx(enc(under)), { error: "permit2_amount_mismatch" });

  // token
  const otherToken = await specPay(pk, paymentRequired, req, chain, t0, nonce, { auth: { permitted: { token: addr(i, "token2"), amount: req.amount } } });
  await add(`${tag} permitted.token is not asset`, ctx(enc(otherToken)), { error: "permit2_token_mismatch" });

  // signature
  const chainSigned = await specPay(pk, paymentRequired, req, chain, t0, nonce, { sign: { chainId: chain + 1 } });
  await add(`${tag} signed for another chainId`, ctx(enc(chainSigned)), { error: "invalid_permit2_signature" });
  const forged = await specPay(pk, paymentRequired, req, chain, t0, nonce, { key: det.privateKey(i, "key2") });
  await add(`${tag} signed by another key`, ctx(enc(forged)), { error: "invalid_permit2_signature" });
  const nonceSigned = await specPay(pk, paymentRequired, req, chain, t0, nonce, { sign: { auth: { nonce: String(BigInt(nonce) ^ 1n) } } });
  await add(`${tag} nonce changed after signing`, ctx(enc(nonceSigned)), { error: "invalid_permit2_signature" });
  const ps = parseSignature(base.payload.signature);
  const s = BigInt(ps.s), v = Number(ps.v);
  const twin = { ...base, payload: { ...base.payload, signature: `0x${ps.r.slice(2)}${(SECP256K1_N - s).toString(16).padStart(64, "0")}${v === 27 ? "1c" : "1b"}` } };
  await add(`${tag} high-s twin (strict)`, ctx(enc(twin)), { error: "invalid_permit2_signature" }, "strict signature policy");
  await add(`${tag} high-s twin (lenient)`, ctx(enc(twin), { policy: { signature: "lenient" } }), okOf(twin));

  // nonce as 0x hex (the upto spec example's form) verifies the same
  const hexNonce = { ...base, payload: { ...base.payload, permit2Authorization: { ...base.payload.permit2Authorization, nonce: "0x" + BigInt(nonce).toString(16) } } };
  await add(`${tag} nonce written in hex ok`, ctx(enc(hexNonce)), okOf(hexNonce));

  // settle amount (upto)
  if (scheme === "upto") {
    await add(`${tag} settle amount == signed ok`, ctx(enc(base), { settle_amount: req.amount }), okOf(base, req.amount));
    await add(`${tag} settle amount 0 ok`, ctx(enc(base), { settle_amount: "0" }), okOf(base, "0"));
    await add(`${tag} settle amount = signed + 1`, ctx(enc(base), { settle_amount: String(amt + 1n) }),
      { error: "invalid_upto_evm_payload_settlement_exceeds_amount" });
    // an exact-shaped witness cannot be an upto payment
    const { facilitator: _f, ...exactWitness } = base.payload.permit2Authorization.witness;
    const noFac = { ...base, payload: { ...base.payload, permit2Authorization: { ...base.payload.permit2Authorization, witness: exactWitness } } };
    await add(`${tag} witness without facilitator`, ctx(enc(noFac)), { error: "invalid_payload" }, "maybe: reference shape check");
  } else {
    // the offer must name Permit2
    const { assetTransferMethod: _m, ...extra } = req.extra;
    const r2 = { ...req, extra };
    await add(`${tag} offer without assetTransferMethod permit2`, { req: r2, header: enc({ ...base, accepted: r2 }), now },
      { error: "unsupported_payload_type" }, "offer must name permit2");
    const r3 = { ...req, extra: { ...req.extra, assetTransferMethod: "eip3009" } };
    await add(`${tag} offer with assetTransferMethod eip3009`, { req: r3, header: enc({ ...base, accepted: r3 }), now },
      { error: "unsupported_payload_type" }, "offer must name permit2");
    // an upto witness in an exact payment: the facilitator is not part of the exact typed data
    const withFac = { ...base, payload: { ...base.payload, permit2Authorization: { ...base.payload.permit2Authorization,
      witness: { ...base.payload.permit2Authorization.witness, facilitator: addr(i, "fac4") } } } };
    await add(`${tag} extra witness.facilitator ignored ok`, ctx(enc(withFac)), okOf(withFac));
  }
}

// ---------------- the spec's placeholder example (x402 `exact` EVM scheme, Permit2: a placeholder signature) ----------------
{
  const req = { scheme: "exact", network: "eip155:84532", amount: "10000", asset: "0x036CbD53842c5426634e7929541eC2318f3dCF7e",
    payTo: "0x209693Bc6afc0C5328bA36FaF03C514EF312287C", maxTimeoutSeconds: 60, extra: { assetTransferMethod: "permit2" } };
  const payload = { signature: "0x2d6a7588d6acca505cbf0d9a4a227e0c52c6c34008c8e8986a1283259764173608a2ce6496642e377d6da8dbbf5836e9bd15092f9ecab05ded3d6293af148b571c",
    permit2Authorization: { from: "0x857b06519E91e3A54538791bDbb0E22373e36b66", permitted: { token: "0x036CbD53842c5426634e7929541eC2318f3dCF7e", amount: "10000" },
      spender: EXACT_PROXY, nonce: "33247007178036348590600198031289925668252061821958005840077069883511451257277", deadline: "1740672154",
      witness: { to: "0x209693Bc6afc0C5328bA36FaF03C514EF312287C", validAfter: "1740672089" } } };
  const header = enc({ x402Version: 2, accepted: req, payload });
  await add("spec Permit2 example: placeholder signature", { req, header, now: 1740672100 }, { error: "invalid_permit2_signature" });
}

writeVectors("x402-verify-permit2.peers.json", "x402-verify-permit2-peers", SOURCE, cases);
console.log("divergences from the reference facilitator (expected values follow tests/conformance/vectors/README.md):");
for (const [k, c] of [...divergences].sort()) console.log(`  ${c} × ${k}`);
