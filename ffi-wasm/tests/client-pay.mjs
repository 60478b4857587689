// pay402's wrapFetch pays every scheme a server sells, over real HTTP on 127.0.0.1:
//  - pay402's own server (withPayment / honoPaywall behind @hono/node-server) selling `exact`
//    EIP-3009, `exact` Permit2, `upto` and `exact` Solana, settling through the test facilitator
//    of server-fixtures.mjs (the reference facilitator's verify for EVM);
//  - @x402/express (paymentMiddleware over the reference resource server) selling `exact`
//    EIP-3009, `exact` Permit2 and `upto`, whose /verify is the reference facilitator's.
// One ClientBudget lists EVM and Solana assets; a short Permit2 allowance (a caller function,
// or eth_call over a JSON-RPC server on loopback) throws the approval to make; the Solana
// blockhash comes from a caller function or getLatestBlockhash over JSON-RPC; a refused paid
// retry throws X402PaymentRefused with the server's code, detail and message, and the budget
// gets the amount back when the refusal is definitive.
//   node client-pay.mjs   (run inside a project where `pay402` is installed)
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { Hono } from "hono";
import { serve } from "@hono/node-server";
import express from "express";
import { verifyTypedData } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { x402Facilitator } from "@x402/core/facilitator";
import { HTTPFacilitatorClient } from "@x402/core/server";
import { ExactEvmScheme as ExactFacilitator } from "@x402/evm/exact/facilitator";
import { UptoEvmScheme as UptoFacilitator } from "@x402/evm/upto/facilitator";
import { ExactEvmScheme as ExactServer } from "@x402/evm/exact/server";
import { UptoEvmScheme as UptoServer } from "@x402/evm/upto/server";
import { paymentMiddleware, x402ResourceServer } from "@x402/express";
import * as p from "pay402";
import { OFFERS, PK, PAYER, USDC, PAY_TO, FACILITATOR_ADDRESS, startFacilitator, receipt, counter } from "./server-fixtures.mjs";

const t = counter();
const NETWORK = "eip155:84532";
const DEVNET = "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1";
const SOL_MINT = OFFERS.solana.asset;
const PERMIT2 = "0x000000000022D473030F116dDEE9F6B43aC78BA3";
const BLOCKHASH = "FGo9e4ecUBCHZhcmEP3MQ4nRzvrQwpKAfpH7zViMresy";
const SEED = new Uint8Array(32).fill(5);
const listen = (server) => new Promise((res) => server.listen(0, "127.0.0.1", () => res(`http://127.0.0.1:${server.address().port}`)));
const close = (server) => new Promise((res) => { server.closeAllConnections?.(); server.close(res); });
const refused = async (promise) => {
  try { await promise; } catch (e) { return e; }
  throw new Error("did not throw");
};

// ---------------------------------------------------------------- a JSON-RPC node on loopback
// Answers eth_call allowance(owner, spender) with `rpc.allowance`, getLatestBlockhash with
// BLOCKHASH; records what it was asked.
const rpc = { allowance: 0n, calls: [] };
const rpcServer = createServer((req, res) => {
  let data = "";
  req.on("data", (c) => (data += c)).on("end", () => {
    const { method, params, id } = JSON.parse(data);
    rpc.calls.push({ method, params });
    const result = method === "eth_call" ? "0x" + rpc.allowance.toString(16).padStart(64, "0")
      : method === "getLatestBlockhash" ? { context: { slot: 1 }, value: { blockhash: BLOCKHASH, lastValidBlockHeight: 100 } }
      : undefined;
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify(result === undefined ? { jsonrpc: "2.0", id, error: { code: -32601, message: "no" } } : { jsonrpc: "2.0", id, result }));
  });
});
const rpcUrl = await listen(rpcServer);

// ---------------------------------------------------------------- pay402's server
const fac = await startFacilitator();
const base = { facilitatorUrl: fac.url, env: false };
const payerOf = (request) => Response.json({ payer: p.paymentOf(request).payer });
const app = new Hono();
for (const name of ["eip3009", "permit2", "solana"]) {
  const handler = p.withPayment(payerOf, { ...base, offers: [OFFERS[name]] });
  app.get(`/${name}`, (c) => handler(c.req.raw));
}
app.use("/upto", p.honoPaywall({ ...base, offers: [OFFERS.upto] }));
app.get("/upto", (c) => { c.get("x402").charge(8400n); return c.json({ used: "8400" }); });
const both = p.withPayment(payerOf, { ...base, offers: [OFFERS.solana, OFFERS.eip3009] });
app.get("/both", (c) => both(c.req.raw));
const own = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" });
await new Promise((r) => own.once("listening", r));
const ownUrl = `http://127.0.0.1:${own.address().port}`;

// The test facilitator settles a Solana payment it was sent: the transaction is recorded as the
// client sends it (the server's own admission checks the transaction offline).
const recording = async (request) => {
  const header = request.headers.get("PAYMENT-SIGNATURE");
  if (header) {
    const payload = JSON.parse(atob(header)).payload;
    if (payload.transaction) fac.sent.add(payload.transaction);
  }
  return fetch(request);
};

/** One budget across networks: Base Sepolia USDC and Solana devnet USDC. */
function budget(total = 200_000n) {
  const b = new p.ClientBudget();
  b.add(NETWORK, USDC, { perRequest: 60_000n, total });
  b.add(DEVNET, SOL_MINT, { perRequest: 60_000n, total: 200_000n });
  return b;
}
const wrap = (cb, options = {}, more = {}) => p.wrapFetch(recording, p.privateKeySigner(PK),
  { networks: [NETWORK, DEVNET], assets: [USDC, SOL_MINT], clientBudget: cb, ...more },
  { allowance: async () => 1n << 128n, solana: { seed: SEED, recentBlockhash: async () => BLOCKHASH }, ...options });

try {
  for (const [route, kind, spent] of [["/eip3009", "exact_eip3009", 10_000n], ["/permit2", "exact_permit2", 10_000n], ["/upto", "upto_permit2", 8_400n]]) {
    const cb = budget();
    const before = fac.calls.length;
    const r = await wrap(cb, {}, { schemes: [kind] })(ownUrl + route);
    assert.equal(r.status, 200, await r.clone().text());
    assert.equal((await r.json()).payer ?? PAYER, PAYER);
    assert.equal(receipt(r).success, true);
    assert.equal(fac.calls.length, before + 1, "settled once");
    assert.equal(cb.spent(NETWORK, USDC), spent);
    t.ok(`pay402 server: wrapFetch pays ${kind} (200, receipt; budget spent ${spent})`);
  }

  {
    // An EIP-1193 wallet signs the typed data the core writes (viem's signTypedData over the JSON
    // parameter, as a browser wallet would): the server admits each EVM kind.
    const account = privateKeyToAccount(PK);
    const provider = {
      async request({ method, params }) {
        assert.equal(method, "eth_signTypedData_v4");
        const typed = JSON.parse(params[1]);
        const { EIP712Domain, ...types } = typed.types;
        assert.ok(EIP712Domain, "the domain's types are listed");
        return account.signTypedData({ domain: typed.domain, types, primaryType: typed.primaryType, message: typed.message });
      },
    };
    for (const [route, kind] of [["/eip3009", "exact_eip3009"], ["/permit2", "exact_permit2"], ["/upto", "upto_permit2"]]) {
      const r = await p.wrapFetch(recording, p.eip1193Signer(provider, PAYER),
        { networks: [NETWORK], assets: [USDC], clientBudget: budget(), schemes: [kind] }, { allowance: async () => 1n << 128n })(ownUrl + route);
      assert.equal(r.status, 200, `${route}: ${await r.clone().text()}`);
    }
    t.ok("an EIP-1193 wallet (viem signTypedData over the core's typed data) pays EIP-3009, Permit2 and upto");
  }

  {
    const cb = budget();
    const pay = wrap(cb, { solana: { seed: SEED, rpcUrl } });
    const r = await pay(ownUrl + "/solana");
    assert.equal(r.status, 200, await r.clone().text());
    assert.equal(receipt(r).success, true);
    assert.ok(rpc.calls.some((c) => c.method === "getLatestBlockhash"), "blockhash over JSON-RPC");
    assert.equal(cb.spent(DEVNET, SOL_MINT), 10_000n);
    // the same wrapper and budget pay EVM too
    const e = await pay(ownUrl + "/eip3009");
    assert.equal(e.status, 200);
    assert.equal(cb.spent(NETWORK, USDC), 10_000n);
    assert.equal(cb.spent(DEVNET, SOL_MINT), 10_000n);
    t.ok("pay402 server: one wrapFetch and one budget pay Solana (blockhash via getLatestBlockhash) and EVM");
  }

  {
    const cb = budget();
    cb.reserve(DEVNET, SOL_MINT, 60_000n, Math.floor(Date.now() / 1000)).commit();
    cb.reserve(DEVNET, SOL_MINT, 60_000n, Math.floor(Date.now() / 1000)).commit();
    cb.reserve(DEVNET, SOL_MINT, 60_000n, Math.floor(Date.now() / 1000)).commit(); // 20 000 left in Solana USDC
    const r = await wrap(cb)(ownUrl + "/both"); // Solana first, 10 000 fits
    assert.equal(r.status, 200);
    assert.equal(cb.spent(DEVNET, SOL_MINT), 190_000n);
    const again = await wrap(cb)(ownUrl + "/both"); // 10 000 left: still fits
    assert.equal(again.status, 200);
    const third = await wrap(cb)(ownUrl + "/both"); // Solana spent: the EVM offer is chosen
    assert.equal(third.status, 200);
    assert.equal(cb.spent(NETWORK, USDC), 10_000n);
    t.ok("one budget across networks: an exhausted Solana asset moves the payment to the EVM offer");
  }

  {
    const cb = budget();
    const before = fac.calls.length;
    const e = await refused(wrap(cb, { allowance: async () => 9_999n }, { schemes: ["exact_permit2"] })(ownUrl + "/permit2"));
    assert.equal(e.name, "X402Error");
    assert.equal(e.code, "permit2_allowance_required");
    assert.deepEqual({ ...e.approval }, { chainId: 84532, token: USDC, spender: PERMIT2, amount: 10_000n });
    assert.ok(e.message.includes(PERMIT2), e.message);
    assert.equal(fac.calls.length, before, "nothing sent");
    assert.equal(cb.allowance(NETWORK, USDC, Math.floor(Date.now() / 1000)), 60_000n, "nothing reserved");
    rpc.allowance = 5n;
    const viaRpc = await refused(wrap(cb, { allowance: undefined, evmRpcUrl: rpcUrl }, { schemes: ["exact_permit2"] })(ownUrl + "/permit2"));
    assert.equal(viaRpc.code, "permit2_allowance_required");
    const call = rpc.calls.find((c) => c.method === "eth_call");
    assert.equal(call.params[0].to.toLowerCase(), USDC.toLowerCase());
    assert.equal(call.params[0].data, "0xdd62ed3e" + PAYER.slice(2).toLowerCase().padStart(64, "0") + PERMIT2.slice(2).toLowerCase().padStart(64, "0"));
    rpc.allowance = 10_000n;
    const ok = await wrap(cb, { allowance: undefined, evmRpcUrl: rpcUrl }, { schemes: ["exact_permit2"] })(ownUrl + "/permit2");
    assert.equal(ok.status, 200);
    t.ok("Permit2: a short allowance (callback or eth_call over JSON-RPC) throws permit2_allowance_required with the approval; enough pays");
  }

  {
    const cb = budget(60_000n);
    fac.mode = "refuse";
    const e = await refused(wrap(cb, {}, { schemes: ["exact_eip3009"] })(ownUrl + "/eip3009"));
    fac.mode = "ok";
    assert.equal(e.name, "X402PaymentRefused");
    assert.equal(e.code, "insufficient_funds");
    assert.equal(e.serverMessage, "the payer has no funds");
    assert.equal(e.status, 402);
    assert.equal(e.definitive, true);
    assert.equal(e.response.status, 402);
    assert.equal(cb.spent(NETWORK, USDC), 0n);
    assert.equal(cb.allowance(NETWORK, USDC, Math.floor(Date.now() / 1000)), 60_000n, "the amount is back");
    t.ok("a refused paid retry throws X402PaymentRefused (code, message, status) and gives the budget back");
  }

  {
    const cb = budget(60_000n);
    fac.mode = "500";
    const r = await wrap(cb, {}, { schemes: ["exact_eip3009"] })(ownUrl + "/eip3009");
    fac.mode = "ok";
    assert.equal(r.status, 502, "the server could not settle");
    assert.equal(cb.spent(NETWORK, USDC), 0n);
    assert.equal(cb.allowance(NETWORK, USDC, Math.floor(Date.now() / 1000)), 50_000n, "10 000 stay reserved");
    t.ok("an undetermined settlement (502) is returned and the amount stays counted (fail closed)");
  }
} finally {
  await close(own);
  fac.close();
}

// ---------------------------------------------------------------- @x402/express
const offlineChain = {
  getAddresses: () => [FACILITATOR_ADDRESS],
  getCode: async ({ address }) => (address.toLowerCase() === USDC.toLowerCase() ? "0x6080604052" : "0x"),
  readContract: async () => undefined,
  verifyTypedData: async (args) => verifyTypedData(args),
  writeContract: async () => { throw new Error("this facilitator never settles"); },
};
const facilitator = new x402Facilitator()
  .register(NETWORK, new ExactFacilitator(offlineChain))
  .register(NETWORK, new UptoFacilitator(offlineChain));
const received = [];
const facilitatorServer = createServer((req, res) => {
  let data = "";
  req.on("data", (c) => (data += c)).on("end", async () => {
    const path = "/" + req.url.split("/").pop();
    const reply = (json) => { res.writeHead(200, { "content-type": "application/json" }); res.end(JSON.stringify(json)); };
    if (path === "/supported") return reply(facilitator.getSupported());
    const body = JSON.parse(data);
    if (path === "/verify") {
      const verdict = await facilitator.verify(body.paymentPayload, body.paymentRequirements);
      received.push({ path, body, verdict });
      return reply(verdict);
    }
    received.push({ path, body });
    // Settles what the reference verified: no chain here, so the receipt is the facilitator's word.
    reply({ success: true, transaction: "0x" + "ef".repeat(32), network: body.paymentRequirements.network, payer: PAYER });
  });
});
const facilitatorUrl = await listen(facilitatorServer);
const resourceServer = new x402ResourceServer(new HTTPFacilitatorClient({ url: facilitatorUrl }))
  .register(NETWORK, new ExactServer())
  .register(NETWORK, new UptoServer());
const peerApp = express();
const accepts = {
  "GET /eip3009": { accepts: { scheme: "exact", payTo: PAY_TO, price: { amount: "10000", asset: USDC, extra: { name: "USDC", version: "2" } }, network: NETWORK } },
  "GET /permit2": { accepts: { scheme: "exact", payTo: PAY_TO, price: { amount: "10000", asset: USDC, extra: { assetTransferMethod: "permit2" } }, network: NETWORK } },
  "GET /upto": { accepts: { scheme: "upto", payTo: PAY_TO, price: { amount: "50000", asset: USDC }, network: NETWORK } },
};
peerApp.use(paymentMiddleware(accepts, resourceServer));
for (const route of ["eip3009", "permit2", "upto"]) peerApp.get(`/${route}`, (req, res) => res.json({ route }));
const peer = createServer(peerApp);
const peerUrl = await listen(peer);
try {
  for (const [route, kind] of [["/eip3009", "exact_eip3009"], ["/permit2", "exact_permit2"], ["/upto", "upto_permit2"]]) {
    const unpaid = await fetch(peerUrl + route);
    if (unpaid.status !== 402) { console.log(`skip  @x402/express ${route}: ${unpaid.status} ${await unpaid.text()}`); continue; }
    const cb = budget();
    const before = received.length;
    const r = await p.wrapFetch(fetch, p.privateKeySigner(PK), { networks: [NETWORK], assets: [USDC], clientBudget: cb, schemes: [kind] },
      { allowance: async () => 1n << 128n })(peerUrl + route);
    const verify = received.slice(before).find((x) => x.path === "/verify");
    assert.ok(verify, `${route}: verified`);
    assert.equal(verify.verdict.isValid, true, JSON.stringify(verify.verdict));
    assert.equal(r.status, 200, await r.clone().text());
    assert.equal((await r.json()).route, route.slice(1));
    assert.ok(cb.spent(NETWORK, USDC) > 0n);
    t.ok(`@x402/express: wrapFetch pays ${kind}; the reference facilitator's verify accepts it (200)`);
  }
} finally {
  await close(peer);
  await close(facilitatorServer);
  await close(rpcServer);
}
console.log(`client-pay: ${t.passed} passed, 0 failed`);
