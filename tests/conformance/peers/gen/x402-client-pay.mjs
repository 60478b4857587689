// @x402/core + @x402/evm → x402-client-pay.peers.json (op x402.client_pay): a 402 mixing `exact` EIP-3009,
// `exact` Permit2, `upto` and Solana offers, a payer's policy (networks, EVM and Solana assets, kinds, a
// maximum) → the chosen offer and its payment header, or the error.
//
// The chosen index follows tests/conformance/vectors/README.md `x402.client_pay` (first entry, in offer
// order, of a kind the policy signs, on a listed network, in a listed asset, within the maximum), computed
// here from the offers as that rule states it. The payment header of that entry is the reference client's:
// x402Client with ExactEvmScheme (EIP-3009 or, by extra.assetTransferMethod, Permit2) and UptoEvmScheme
// registered for eip155:*, a selector that returns that entry, the clock and the nonce RNG injected, spend
// controls off; the payload written in the spec's key order as x402.sign does. EIP-3009 entries are built as
// x402.sign specifies (the reference v2 client differs only in validAfter: "0"). Every header is checked with the
// reference facilitator's verify (ExactEvmScheme / UptoEvmScheme, stub RPC) before it is written.
import { getAddress, verifyTypedData } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { x402Client } from "@x402/core/client";
import { ExactEvmScheme as ExactEvmClient } from "@x402/evm/exact/client";
import { UptoEvmScheme as UptoEvmClient } from "@x402/evm/upto/client";
import { ExactEvmScheme as ExactEvmFacilitator } from "@x402/evm/exact/facilitator";
import { UptoEvmScheme as UptoEvmFacilitator } from "@x402/evm/upto/facilitator";
import { Det, writeVectors, peerVersion } from "./lib/det.mjs";
import { withClockAndNonce, withClock } from "./lib/clock.mjs";

const SEED = "pay402/peers/x402/client-pay/v1";
const det = new Det(SEED);
const SOURCE = `@x402/evm ${peerVersion("@x402/evm")} and @x402/core ${peerVersion("@x402/core")} (x402Client + ` +
  `ExactEvmScheme / UptoEvmScheme → createPaymentPayload with the chosen entry, clock and nonce injected, for ` +
  `Permit2 and upto; EIP-3009 as x402.sign specifies, viem ${peerVersion("viem")} signTypedData; header JSON in the ` +
  `spec key order); every header verified by the reference facilitator (stub RPC); the choice by the ` +
  `rule of tests/conformance/vectors/README.md x402.client_pay; inputs from sha256 seed "${SEED}"`;

const SOLANA_DEVNET = "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1";
const USDC_DEVNET = "4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU";
const CHAINS = [8453, 84532, 137, 42161];
const KINDS = ["exact_eip3009", "exact_permit2", "upto_permit2", "exact_svm"];
const T_BASE = 1760000000;
const addr = (i, label) => getAddress(det.hex(i, label, 20));

function entry(i, k, kind, assets, facilitator) {
  const l = `a${k}`;
  const amount = (det.big(i, `${l}/amt`, 24) + 1n).toString();
  const timeout = det.pick(i, `${l}/timeout`, [30, 60, 300]);
  if (kind === "exact_svm") {
    return { scheme: "exact", network: SOLANA_DEVNET, amount, asset: USDC_DEVNET,
      payTo: "2wmVCSfPxGPjrnMMn7rchp4uaeoTqN39mXFC2zhPdri9", maxTimeoutSeconds: timeout,
      extra: { feePayer: "J1cezW528jhuvQ5HqUVmLhVFre2PXkE6374HKgtCko5y" } };
  }
  const network = `eip155:${det.pick(i, `${l}/chain`, CHAINS)}`;
  const asset = det.pick(i, `${l}/asset`, assets);
  const payTo = addr(i, `${l}/payTo`);
  if (kind === "upto_permit2") {
    return { scheme: "upto", network, amount, asset, payTo, maxTimeoutSeconds: timeout, extra: { facilitatorAddress: facilitator } };
  }
  const extra = kind === "exact_permit2" ? { assetTransferMethod: "permit2" } : { name: "USD Coin", version: "2" };
  if (kind === "exact_permit2" && det.below(i, `${l}/domain`, 2) === 0) Object.assign(extra, { name: "USDC", version: "2" });
  return { scheme: "exact", network, amount, asset, payTo, maxTimeoutSeconds: timeout, extra };
}

const kindOf = (r) => (r.network.startsWith("solana:") ? "exact_svm" : r.scheme === "upto" ? "upto_permit2"
  : r.extra?.assetTransferMethod === "permit2" ? "exact_permit2" : "exact_eip3009");

/** The README rule: the first entry of a listed kind, network and asset within the maximum. */
function choose(accepts, policy) {
  let over = false;
  for (let i = 0; i < accepts.length; i++) {
    const r = accepts[i];
    const kind = kindOf(r);
    const listed = kind === "exact_svm" ? policy.svm_assets.includes(r.asset)
      : policy.evm_assets.some((a) => a.toLowerCase() === r.asset.toLowerCase());
    if (!policy.schemes.includes(kind) || !policy.networks.includes(r.network) || !listed) continue;
    if (BigInt(r.amount) > BigInt(policy.max_amount)) { over = true; continue; }
    return { index: i, kind };
  }
  return { error: over ? "amount_exceeds_budget" : "no_acceptable_requirements" };
}

async function refPay(pk, paymentRequired, chosen, now, nonce) {
  const signer = privateKeyToAccount("0x" + pk);
  const client = new x402Client((_, reqs) => reqs.find((r) => r === chosen));
  client.register("eip155:*", new ExactEvmClient(signer));
  client.register("eip155:*", new UptoEvmClient(signer));
  client.setSpendControls(false);
  return withClockAndNonce(now, nonce, () => client.createPaymentPayload(paymentRequired));
}

/** The header in the spec's key order ({x402Version, resource, accepted, payload, extensions?}; the reference
 * client writes payload first), JSON.stringify, base64 standard padded: tests/conformance/vectors/README.md x402.sign. */
function specOrder(p) {
  const o = { x402Version: p.x402Version, resource: p.resource, accepted: p.accepted, payload: p.payload };
  if (p.extensions) o.extensions = p.extensions;
  return Buffer.from(JSON.stringify(o), "utf8").toString("base64");
}

/** EIP-3009 as tests/conformance/vectors/README.md x402.sign builds it (validAfter = max(now − 600, 0); @x402/evm
 * 2.27's v2 client writes validAfter "0", its v1 client now − 600), signed with viem signTypedData. */
async function eip3009Pay(pk, paymentRequired, req, now, nonceBytes) {
  const account = privateKeyToAccount("0x" + pk);
  const authorization = { from: account.address, to: getAddress(req.payTo), value: req.amount,
    validAfter: String(Math.max(now - 600, 0)), validBefore: String(now + req.maxTimeoutSeconds),
    nonce: "0x" + Buffer.from(nonceBytes).toString("hex") };
  const signature = await account.signTypedData({
    domain: { name: req.extra.name, version: req.extra.version, chainId: Number(req.network.slice(7)), verifyingContract: getAddress(req.asset) },
    types: TWA, primaryType: "TransferWithAuthorization",
    message: { ...authorization, value: BigInt(authorization.value), validAfter: BigInt(authorization.validAfter),
      validBefore: BigInt(authorization.validBefore) },
  });
  return { x402Version: 2, resource: paymentRequired.resource, accepted: req, payload: { signature, authorization } };
}

const TWA = { TransferWithAuthorization: [
  { name: "from", type: "address" }, { name: "to", type: "address" }, { name: "value", type: "uint256" },
  { name: "validAfter", type: "uint256" }, { name: "validBefore", type: "uint256" }, { name: "nonce", type: "bytes32" }] };

/** The reference facilitator's RPC, stubbed as the other generators stub it: the asset is a contract. */
function stubSigner(asset, facilitator) {
  return {
    getAddresses: () => [facilitator],
    getCode: async ({ address }) => (address.toLowerCase() === asset.toLowerCase() ? "0x6080604052" : "0x"),
    readContract: async () => undefined,
    verifyTypedData: async (args) => verifyTypedData(args),
  };
}

async function refVerify(payload, requirements, now, facilitator) {
  const signer = stubSigner(requirements.asset, facilitator);
  const f = requirements.scheme === "upto" ? new UptoEvmFacilitator(signer) : new ExactEvmFacilitator(signer);
  return withClock(now, () => f.verify(payload, requirements));
}

const cases = [];
for (let i = 0; i < 120; i++) {
  const pk = det.privateKey(i, "key");
  const facilitator = addr(i, "facilitator");
  const assets = [addr(i, "asset0"), addr(i, "asset1")];
  const n = 1 + det.below(i, "n", 4);
  const accepts = [];
  for (let k = 0; k < n; k++) accepts.push(entry(i, k, det.pick(i, `a${k}/kind`, KINDS), assets, facilitator));
  const resource = { url: `https://api.example.com/v2/${det.hex(i, "res", 4).slice(2)}`, description: "paid", mimeType: "application/json" };
  const paymentRequired = { x402Version: 2, error: "PAYMENT-SIGNATURE header is required", resource, accepts };
  const schemes = KINDS.filter((_, k) => det.below(i, `policy/kind${k}`, 4) !== 0);
  const networks = [...new Set([...accepts.map((r) => r.network), "eip155:1"])].filter((_, k) => det.below(i, `policy/net${k}`, 5) !== 0);
  const policy = {
    networks,
    evm_assets: det.below(i, "policy/assets", 4) === 0 ? [assets[0].toLowerCase()] : assets.map((a) => a.toLowerCase()),
    svm_assets: [USDC_DEVNET],
    schemes,
    max_amount: (det.big(i, "policy/max", 25) + 1n).toString(),
  };
  const now = T_BASE + det.below(i, "now", 100000);
  const nonceBytes = det.bytes(i, "nonce", 32);
  const input = { payment_required: paymentRequired, policy, private_key_hex: pk, now, nonce: nonceBytes.toString("hex") };
  const c = choose(accepts, policy);
  let kindName = c.kind ?? "none";
  if (c.error) {
    cases.push({ name: `#${i} ${c.error}`, op: "x402.client_pay", input, expect: { error: c.error } });
    continue;
  }
  const chosen = accepts[c.index];
  if (c.kind === "exact_svm") continue; // Solana payments: the Solana generator (needs chain state and a Solana key)
  const payload = c.kind === "exact_eip3009"
    ? await eip3009Pay(pk, paymentRequired, chosen, now, nonceBytes)
    : await refPay(pk, paymentRequired, chosen, now, nonceBytes);
  const verdict = await refVerify(payload, chosen, now, facilitator);
  if (!verdict.isValid) throw new Error(`case ${i}: the reference facilitator refuses the reference payment: ${JSON.stringify(verdict)}`);
  const ok = { index: c.index, kind: c.kind, amount: chosen.amount, payment: specOrder(payload) };
  cases.push({ name: `#${i} ${kindName} of ${n}`, op: "x402.client_pay", input, expect: { ok } });
  if (c.kind !== "exact_eip3009") {
    // The host's allowance check: one unit short of the amount → the approval error; exactly the amount → paid.
    const short = (BigInt(chosen.amount) - 1n).toString();
    cases.push({ name: `#${i} ${kindName} allowance short`, op: "x402.client_pay",
      input: { ...input, permit2_allowance: short }, expect: { error: "permit2_allowance_required" } });
    cases.push({ name: `#${i} ${kindName} allowance exact`, op: "x402.client_pay",
      input: { ...input, permit2_allowance: chosen.amount }, expect: { ok } });
  }
}
const counts = {};
for (const c of cases) {
  const k = c.expect.ok?.kind ?? c.expect.error;
  counts[k] = (counts[k] ?? 0) + 1;
}
console.log(JSON.stringify(counts));
writeVectors("x402-client-pay.peers.json", "x402-client-pay-peers", SOURCE, cases);
