// Smart-wallet payers through x402Middleware (a node:http server on loopback, paid with fetch):
// with `rpc` the middleware admits through the core's admission with the chain (getCode, then at
// most one call; X402Server.admitStep), without one it refuses saying why, and a read that fails
// is the core's 503, never an admission. The fake RPC answers with the specifications' constants,
// never values from pay402: EIP-1271's magic value 0x1626ba7e (https://eips.ethereum.org/EIPS/eip-1271),
// the ERC-6492 wrapper and suffix (https://eips.ethereum.org/EIPS/eip-6492), Multicall3's address,
// tryAggregate selector and Result[] encoding (https://github.com/mds1/multicall3). The payment is the
// x402 v2 specification's EIP-3009 example (https://github.com/coinbase/x402,
// specs/schemes/exact/scheme_exact_evm.md) with a wallet's signature. The twin of
// ffi-python/tests/test_paywall_smart_wallet.py.
//   node server-smart-wallet.mjs   (in a project with pay402 installed)
import http from "node:http";
import * as p from "pay402";
import { harness } from "./harness.mjs";

const { t, eq, result } = harness();

const ASSET = "0x036CbD53842c5426634e7929541eC2318f3dCF7e";
const PAY_TO = "0x209693Bc6afc0C5328bA36FaF03C514EF312287C";
const PAYER = "0x857b06519E91e3A54538791bDbb0E22373e36b66";
const NOW = 1740672100;
const bytes = (h) => new Uint8Array(Buffer.from(h.replace(/^0x/, ""), "hex"));
const cat = (...parts) => new Uint8Array(parts.flatMap((x) => [...x]));
const zeros = (n) => new Uint8Array(n);
const hex = (b) => Buffer.from(b).toString("hex");
const MAGIC = cat(bytes("1626ba7e"), zeros(28));
const MULTICALL3 = "0xcA11bde05977b3631167028862bE2a173976CA11";
const FACTORY = "0x" + "fa".repeat(20);
const FACTORY_CALLDATA = cat(bytes("5fbfb9cf"), zeros(64));
const WALLET_SIGNATURE = new Uint8Array(100).fill(0xab);
const word = (n) => { const w = zeros(32); new DataView(w.buffer).setBigUint64(24, BigInt(n)); return w; };
const padded = (b) => cat(word(b.length), b, zeros((32 - (b.length % 32)) % 32));
function erc6492(factory, calldata, inner) {
  const first = padded(calldata);
  return cat(zeros(12), bytes(factory), word(96), word(96 + first.length), first, padded(inner), bytes("6492".repeat(16)));
}
/** tryAggregate's Result[] of two calls: [(true, 0x), (second, 0x)]. */
const multicallResults = (second) => cat(...[0x20, 2, 0x40, 0xa0, 1, 0x40, 0, second ? 1 : 0, 0x40, 0].map(word));

function header(signature) {
  const accepted = { scheme: "exact", network: "eip155:84532", amount: "10000", asset: ASSET, payTo: PAY_TO,
    maxTimeoutSeconds: 60, extra: { name: "USDC", version: "2" } };
  return Buffer.from(JSON.stringify({ x402Version: 2, accepted, payload: {
    signature: "0x" + hex(signature),
    authorization: { from: PAYER, to: PAY_TO, value: "10000", validAfter: "1740672089", validBefore: "1740672154",
      nonce: "0xf3746613c2d920b5fdabc0856f2aeb2d4f88ee6037b8cc5d04a71a4462f13480" } } })).toString("base64");
}

function fakeRpc({ code, answer, fail = null }) {
  const rpc = {
    asked: [],
    async getCode(address) { rpc.asked.push(["getCode", address]); if (fail === "getCode") throw new Error("node down"); return code; },
    async call(to, data) { rpc.asked.push(["call", to, data]); if (fail === "call") throw new Error("node down"); return answer; },
  };
  return rpc;
}

const OFFER = { scheme: "exact", network: "eip155:84532", asset: ASSET, amount: "10000", payTo: PAY_TO, maxTimeoutSeconds: 60,
  extra: { name: "USDC", version: "2" } };

/** A node:http server behind x402Middleware(options); pays it once with `signature`. */
async function pay(options, signature) {
  const served = [], settled = [];
  const mw = p.x402Middleware([OFFER], {
    now: () => NOW,
    settle: async (payment) => { settled.push(payment); return { success: true, transaction: "0x" + "ab".repeat(32), network: "eip155:84532", payer: PAYER }; },
    ...options,
  });
  const server = http.createServer((req, res) => mw(req, res, (err) => {
    if (err) { res.statusCode = 500; res.end(String(err)); return; }
    served.push(req.x402?.payer);
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ payer: req.x402?.payer }));
  }));
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  try {
    const r = await fetch(`http://127.0.0.1:${server.address().port}/premium`, { headers: { "PAYMENT-SIGNATURE": header(signature) } });
    const text = await r.text();
    let body = null;
    try { body = JSON.parse(text); } catch { /* not JSON */ }
    return { status: r.status, body, headers: r.headers, served, settled };
  } finally {
    server.closeAllConnections();
    await new Promise((ok) => server.close(ok));
  }
}
const refusal = (r) => `${r.status} ${r.body?.error} ${r.body?.errorDetail}`;

await t("a deployed wallet is admitted through isValidSignature", async () => {
  const rpc = fakeRpc({ code: "0x6080604052", answer: MAGIC });
  const r = await pay({ rpc }, WALLET_SIGNATURE);
  eq(r.status, 200, "status");
  eq(r.served.join(), PAYER, "served");
  eq(r.settled.length, 1, "settled");
  eq(rpc.asked[0].join(), `getCode,${PAYER}`, "getCode");
  eq(rpc.asked.length, 2, "one call");
  eq(rpc.asked[1][1], PAYER, "call to");
  eq(rpc.asked[1][2].startsWith("0x1626ba7e"), true, "isValidSignature");
  eq(rpc.asked[1][2].includes(hex(WALLET_SIGNATURE)), true, "the signature");
});
await t("without an RPC a smart wallet is refused saying it needs one", async () => {
  const r = await pay({}, WALLET_SIGNATURE);
  eq(refusal(r), "402 invalid_exact_evm_signature smart_wallet_needs_rpc", "refusal");
  eq(r.headers.has("payment-required"), true, "challenge");
  eq(r.served.length + r.settled.length, 0, "nothing ran");
});
await t("a stranger's signature is eip1271_rejected (a revert eip1271_reverted), the handler never runs", async () => {
  for (const [answer, detail] of [[zeros(32), "eip1271_rejected"], [null, "eip1271_reverted"]]) {
    const r = await pay({ rpc: fakeRpc({ code: "0x60", answer }) }, WALLET_SIGNATURE);
    eq(refusal(r), `402 invalid_exact_evm_signature ${detail}`, "refusal");
    eq(r.served.length + r.settled.length, 0, "nothing ran");
  }
});
await t("an undeployed wallet needs its factory allow-listed, then the simulation decides", async () => {
  const signature = erc6492(FACTORY, FACTORY_CALLDATA, WALLET_SIGNATURE);
  let r = await pay({ rpc: fakeRpc({ code: "0x", answer: multicallResults(true) }) }, signature);
  eq(refusal(r), "402 eip6492_factory_not_allowed undefined", "not allowed");
  const rpc = fakeRpc({ code: "0x", answer: multicallResults(true) });
  r = await pay({ rpc, allowedFactories: [FACTORY] }, signature);
  eq(r.status, 200, "status");
  eq(rpc.asked[1][1], MULTICALL3, "to Multicall3");
  eq(rpc.asked[1][2].startsWith("0xbce38bd7"), true, "tryAggregate");
  r = await pay({ rpc: fakeRpc({ code: "0x", answer: multicallResults(false) }), allowedFactories: [FACTORY] }, signature);
  eq(refusal(r), "402 invalid_exact_evm_signature erc6492_simulation_failed", "simulation failed");
  eq(r.served.length, 0, "not served");
});
await t("a failed read (or an answer that is not bytes) is 503, never an admission", async () => {
  for (const rpc of [fakeRpc({ code: "0x60", answer: MAGIC, fail: "getCode" }), fakeRpc({ code: "0x60", answer: MAGIC, fail: "call" }),
    fakeRpc({ code: 42, answer: MAGIC })]) {
    const r = await pay({ rpc }, WALLET_SIGNATURE);
    eq(refusal(r), "503 smart_wallet_check_unavailable undefined", "refusal");
    eq(r.served.length + r.settled.length, 0, "nothing ran");
  }
});
await t("the rpc of a localSettlement's settle is the default; rpc: null turns it off", async () => {
  const { localSettlement, privateKeySigner } = await import("pay402/settle");
  const local = localSettlement({ network: "eip155:84532", rpc: ["http://127.0.0.1:9"], signer: privateKeySigner("0x" + "11".repeat(32)),
    allowedFactories: [FACTORY] });
  eq(typeof local.chainReads.getCode, "function", "chainReads");
  eq(local.settle.allowedFactories.join(), FACTORY, "allowedFactories");
  // its RPC is unreachable: admission through it is the 503
  let r = await pay({ settle: local.settle }, WALLET_SIGNATURE);
  eq(refusal(r), "503 smart_wallet_check_unavailable undefined", "through the settlement's RPC");
  r = await pay({ settle: local.settle, rpc: null }, WALLET_SIGNATURE);
  eq(refusal(r), "402 invalid_exact_evm_signature smart_wallet_needs_rpc", "rpc: null");
});
await t("an rpc without getCode and call is invalid_config", async () => {
  try { p.x402Middleware([OFFER], { settle: async () => null, rpc: {} }); } catch (e) {
    eq(e.code, "invalid_config", "code"); return;
  }
  throw new Error("did not throw");
});
await t("EvmSettlement.deploymentFailed carries the core's reason", () => {
  const s = new p.EvmSettlement("eip155:84532", PAYER, "eip3009", undefined);
  const r = s.deploymentFailed("the factory call reverts");
  eq(`${r.success} ${r.errorReason} ${r.transaction}`, "false smart_wallet_deployment_failed ", "result");
});

const { passed, failed, lines } = result();
for (const l of lines) console.log(l);
console.log(`server-smart-wallet: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
