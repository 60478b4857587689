// Smart-wallet payers through a JS RPC object: verifyPaymentWithRpc asks rpc.getCode for the
// payer's code, then (for a payer with code, or a counterfactual ERC-6492 wallet) makes one
// rpc.call, and the core decides each step. The fake RPC answers with the constants of the
// specifications, never with values taken from pay402: the EIP-1271 magic value 0x1626ba7e as
// an ABI-encoded bytes4 (https://eips.ethereum.org/EIPS/eip-1271), the 23-byte EIP-7702
// delegation designator 0xef0100 || address (https://eips.ethereum.org/EIPS/eip-7702), the
// ERC-6492 wrapper abi.encode(factory, factoryCalldata, signature) || 0x6492…6492
// (https://eips.ethereum.org/EIPS/eip-6492) and Multicall3 (https://github.com/mds1/multicall3).
// The payment is the x402 v2 specification's EIP-3009 example (https://github.com/coinbase/x402,
// specs/schemes/exact/scheme_exact_evm.md). The same cases as ffi-python/tests/test_smart_wallet.py.
//   node smart-wallet-rpc.mjs   (in a project with pay402 installed)
import * as p from "pay402";
import { harness } from "./harness.mjs";

const { t, eq, throwsCode, result } = harness();

const REQUIREMENTS = {
  scheme: "exact", network: "eip155:84532", amount: "10000", asset: "0x036CbD53842c5426634e7929541eC2318f3dCF7e",
  payTo: "0x209693Bc6afc0C5328bA36FaF03C514EF312287C", maxTimeoutSeconds: 60, extra: { name: "USDC", version: "2" },
};
const PAYER = "0x857b06519E91e3A54538791bDbb0E22373e36b66";
const EOA_SIGNATURE = "0x2d6a7588d6acca505cbf0d9a4a227e0c52c6c34008c8e8986a1283259764173608a2ce6496642e377d6da8dbbf5836e9bd" +
  "15092f9ecab05ded3d6293af148b571c";
const NOW = 1740672100;

const hex = (b) => Buffer.from(b).toString("hex");
const bytes = (h) => new Uint8Array(Buffer.from(h.replace(/^0x/, ""), "hex"));
const cat = (...parts) => new Uint8Array(parts.flatMap((x) => [...x]));
const zeros = (n) => new Uint8Array(n);
const MAGIC = cat(bytes("1626ba7e"), zeros(28)); // isValidSignature's success return
const IS_VALID_SIGNATURE = "1626ba7e"; // isValidSignature(bytes32,bytes)
const ERC6492_SUFFIX = bytes("6492".repeat(16));
const MULTICALL3 = "0xcA11bde05977b3631167028862bE2a173976CA11";
const TRY_AGGREGATE = "bce38bd7"; // tryAggregate(bool,(address,bytes)[])
const CONTRACT_CODE = bytes("6080604052");
const DELEGATE = "0x" + "22".repeat(20);
const DESIGNATOR = cat(bytes("ef0100"), bytes(DELEGATE));
const FACTORY = "0x" + "fa".repeat(20);
const FACTORY_CALLDATA = cat(bytes("5fbfb9cf"), zeros(64));
const SMART_SIGNATURE = new Uint8Array(100).fill(0xab); // a wallet's own format: not an EOA's 65 bytes

function header(signature) {
  const payment = {
    x402Version: 2, accepted: REQUIREMENTS,
    payload: {
      signature,
      authorization: {
        from: PAYER, to: REQUIREMENTS.payTo, value: "10000", validAfter: "1740672089", validBefore: "1740672154",
        nonce: "0xf3746613c2d920b5fdabc0856f2aeb2d4f88ee6037b8cc5d04a71a4462f13480",
      },
    },
  };
  return Buffer.from(JSON.stringify(payment)).toString("base64");
}
const word = (n) => { const w = zeros(32); new DataView(w.buffer).setBigUint64(24, BigInt(n)); return w; };
const padded = (b) => cat(word(b.length), b, zeros((32 - (b.length % 32)) % 32));
/** abi.encode(address, bytes, bytes) || magic suffix. */
function erc6492(factory, calldata, inner) {
  const first = padded(calldata);
  return cat(zeros(12), bytes(factory), word(96), word(96 + first.length), first, padded(inner), ERC6492_SUFFIX);
}
/** abi.encode(Result[]) with Result = (bool success, bytes returnData), empty return data. */
function tryAggregateResult(...successes) {
  const offsets = successes.map((_, i) => word(32 * successes.length + 96 * i));
  const items = successes.map((ok) => cat(word(ok ? 1 : 0), word(64), word(0)));
  return cat(word(32), word(successes.length), ...offsets, ...items);
}

/** Answers getCode and call from fixed values (asynchronously) and records what it was asked. */
function fakeRpc({ code = new Uint8Array(0), answer = MAGIC, raises = null } = {}) {
  const rpc = {
    asked: [], calls: [],
    async getCode(address) {
      rpc.asked.push(address);
      if (raises === "getCode") throw new Error("connection refused");
      return code;
    },
    async call(to, data) {
      rpc.calls.push([to, data]);
      if (raises === "call") throw new Error("read timed out");
      return answer;
    },
  };
  return rpc;
}
const verify = (rpc, signature = EOA_SIGNATURE, allowedFactories = []) =>
  p.verifyPaymentWithRpc(REQUIREMENTS, header(signature), rpc, { now: NOW, allowedFactories });
async function rejects(promise, code, detail) {
  try { await promise; } catch (e) {
    eq(e.name, "X402Error", "name"); eq(e.code, code, "code");
    if (detail !== undefined) eq(e.detailCode, detail, "detailCode");
    return e;
  }
  throw new Error("did not reject");
}
const smart = "0x" + hex(SMART_SIGNATURE);

await t("EOA payer without code is recovered and needs no call", async () => {
  const rpc = fakeRpc({ code: new Uint8Array(0) });
  const ok = await verify(rpc);
  eq(ok.route, null, "route");
  eq(ok.payer, PAYER, "payer");
  eq(ok.amount, 10000n, "amount");
  eq(ok.kind, "exact_eip3009", "kind");
  eq(JSON.stringify(rpc.asked), JSON.stringify([PAYER]), "asked");
  eq(rpc.calls.length, 0, "calls");
});
await t("\"0x\" hex text is no code", async () => {
  eq((await verify(fakeRpc({ code: "0x" }))).route, null, "route");
});
await t("strict offline verification keeps refusing a smart-wallet signature", () => {
  const e = throwsCode(() => p.x402Verify(REQUIREMENTS, header(smart), NOW), "X402Error", "invalid_exact_evm_signature");
  eq(e.detailCode, "smart_wallet_needs_rpc", "detailCode");
});
await t("contract payer is checked with EIP-1271 on the payer", async () => {
  const rpc = fakeRpc({ code: CONTRACT_CODE, answer: MAGIC });
  const ok = await verify(rpc, smart);
  eq(ok.route, "eip1271", "route");
  eq(ok.payer, PAYER, "payer");
  eq(rpc.calls.length, 1, "one call");
  const [to, data] = rpc.calls[0];
  eq(to, PAYER, "to");
  eq(typeof data, "string", "data is hex text");
  const d = bytes(data);
  eq(hex(d.slice(0, 4)), IS_VALID_SIGNATURE, "selector");
  // isValidSignature(bytes32 hash, bytes signature): the signature is the second argument
  eq(hex(d.slice(36, 68)), hex(word(64)), "offset");
  eq(hex(d.slice(68, 100)), hex(word(SMART_SIGNATURE.length)), "length");
  eq(hex(d.slice(100, 200)), hex(SMART_SIGNATURE), "signature");
});
await t("contract payer accepted with the magic value as hex text", async () => {
  eq((await verify(fakeRpc({ code: "0x" + hex(CONTRACT_CODE), answer: "0x" + hex(MAGIC) }), smart)).route, "eip1271", "route");
});
for (const [name, answer, detail] of [
  ["zero word", zeros(32), "eip1271_rejected"],
  ["another bytes4", cat(bytes("1626ba7f"), zeros(28)), "eip1271_rejected"],
  ["reverted", null, "eip1271_reverted"],
]) {
  await t(`contract payer refused unless the magic value comes back: ${name}`, async () => {
    await rejects(verify(fakeRpc({ code: CONTRACT_CODE, answer }), smart), "invalid_exact_evm_signature", detail);
  });
}
await t("EIP-7702 delegated EOA goes to EIP-1271 with no ECDSA fallback", async () => {
  const rpc = fakeRpc({ code: DESIGNATOR, answer: MAGIC });
  eq((await verify(rpc)).route, "eip7702_eip1271", "route");
  eq(rpc.calls[0][0], PAYER, "to");
  // its 65-byte signature would recover the payer, but a delegated EOA's answer decides
  await rejects(verify(fakeRpc({ code: DESIGNATOR, answer: zeros(32) })), "invalid_exact_evm_signature", "eip1271_rejected");
});
await t("counterfactual wallet needs an allow-listed factory", async () => {
  const signature = "0x" + hex(erc6492(FACTORY, FACTORY_CALLDATA, SMART_SIGNATURE));
  const rpc = fakeRpc({ answer: tryAggregateResult(true, true) });
  await rejects(verify(rpc, signature), "eip6492_factory_not_allowed");
  eq(rpc.calls.length, 0, "no call");
  const ok = await verify(rpc, signature, [FACTORY]);
  eq(ok.route, "erc6492_counterfactual", "route");
  eq(rpc.calls.length, 1, "one call");
  const [to, data] = rpc.calls[0];
  eq(to, MULTICALL3, "to");
  eq(data.slice(2, 10), TRY_AGGREGATE, "selector");
  eq(data.includes(hex(FACTORY_CALLDATA)) && data.includes(hex(SMART_SIGNATURE)), true, "factory calldata and signature");
});
for (const [name, answer] of [["transfer failed", tryAggregateResult(true, false)], ["undecodable", new Uint8Array(0)]]) {
  await t(`counterfactual wallet refused when the simulation fails: ${name}`, async () => {
    const signature = "0x" + hex(erc6492(FACTORY, FACTORY_CALLDATA, SMART_SIGNATURE));
    await rejects(verify(fakeRpc({ answer }), signature, [FACTORY]), "invalid_exact_evm_signature", "erc6492_simulation_failed");
  });
}
for (const where of ["getCode", "call"]) {
  await t(`an RPC that throws in ${where} fails closed with the error as cause`, async () => {
    const e = await rejects(verify(fakeRpc({ code: CONTRACT_CODE, raises: where }), smart), "rpc_unavailable");
    eq(e.cause instanceof Error, true, "cause");
  });
}
for (const [name, code] of [["null", null], ["undefined", undefined], ["a number", 7], ["bad hex", "0xzz"]]) {
  await t(`getCode must return bytes: ${name}`, async () => {
    const rpc = fakeRpc();
    rpc.getCode = async () => code;
    await rejects(verify(rpc), "invalid_rpc_result");
  });
}
await t("call must return bytes or null", async () => {
  await rejects(verify(fakeRpc({ code: CONTRACT_CODE, answer: 1 }), smart), "invalid_rpc_result");
});
await t("routeSignature is the pure routing", () => {
  let r = p.routeSignature(erc6492(FACTORY, FACTORY_CALLDATA, SMART_SIGNATURE), new Uint8Array(0), [FACTORY]);
  eq(r.route, "erc6492_counterfactual", "route");
  eq(hex(r.signature), hex(SMART_SIGNATURE), "signature");
  eq(hex(r.factoryCalldata), hex(FACTORY_CALLDATA), "factoryCalldata");
  eq(r.factory.toLowerCase(), FACTORY, "factory");
  r = p.routeSignature(EOA_SIGNATURE, DESIGNATOR, []);
  eq(r.route, "eip7702_eip1271", "route");
  eq(r.delegate, DELEGATE, "delegate");
  throwsCode(() => p.routeSignature(SMART_SIGNATURE, new Uint8Array(0), []), "X402Error", "invalid_exact_evm_payload_undeployed_smart_wallet");
});

const { passed, failed, lines } = result();
for (const l of lines) console.log(l);
console.log(`smart-wallet-rpc: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
