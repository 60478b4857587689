// pay402's client pays a server no one here wrote: the @x402/express middleware (paymentMiddleware
// over x402ResourceServer + HTTPFacilitatorClient, express on 127.0.0.1).
//
// Its facilitator is a local node:http server on the reference's own facilitator (@x402/core
// x402Facilitator with @x402/evm's ExactEvmScheme): /supported and /verify are the peer's code —
// payload checks and the EIP-712 signature (viem verifyTypedData). There is no chain: the signer
// answers chain reads as a node would for a funded EOA paying a deployed USDC (getCode of the asset
// non-empty, the transfer simulation not reverting), and /settle answers honestly that nothing was
// settled (success: false). So the expected outcome: the peer verifies pay402's payment, runs the
// handler, fails to settle and withholds the content with a 402 whose PAYMENT-RESPONSE says why.
//   node peer-servers.mjs   (run inside a project where `pay402` is installed)
import assert from "node:assert/strict";
import { createServer } from "node:http";
import express from "express";
import { verifyTypedData } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { x402Facilitator } from "@x402/core/facilitator";
import { HTTPFacilitatorClient } from "@x402/core/server";
import { ExactEvmScheme as EvmFacilitatorScheme } from "@x402/evm/exact/facilitator";
import { ExactEvmScheme as EvmServerScheme } from "@x402/evm/exact/server";
import { paymentMiddleware, x402ResourceServer } from "@x402/express";
import * as pay402 from "pay402";

const PK = "0x" + "11".repeat(32);
const PAYER = privateKeyToAccount(PK).address;
const USDC = "0x036CbD53842c5426634e7929541eC2318f3dCF7e";
const PAY_TO = "0x209693Bc6afc0C5328bA36FaF03C514EF312287C";
const NETWORK = "eip155:84532";
const NOT_SETTLED = "settlement_not_attempted";

const listen = (server) => new Promise((res) => server.listen(0, "127.0.0.1", () => res(`http://127.0.0.1:${server.address().port}`)));
const close = (server) => new Promise((res) => { server.closeAllConnections?.(); server.close(res); });

// The facilitator signer's chain side, offline; the signature check is viem's.
const offlineChain = {
  getAddresses: () => ["0x000000000000000000000000000000000000dEaD"],
  getCode: async ({ address }) => (address.toLowerCase() === USDC.toLowerCase() ? "0x6080604052" : "0x"),
  readContract: async () => undefined,
  verifyTypedData: async (args) => verifyTypedData(args),
  writeContract: async () => { throw new Error("this facilitator never settles"); },
};
const facilitator = new x402Facilitator().register(NETWORK, new EvmFacilitatorScheme(offlineChain));
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
    reply({ success: false, errorReason: NOT_SETTLED, errorMessage: "test facilitator: no chain", transaction: "",
      network: body.paymentRequirements.network });
  });
});
const facilitatorUrl = await listen(facilitatorServer);

const served = [];
const app = express();
const resourceServer = new x402ResourceServer(new HTTPFacilitatorClient({ url: facilitatorUrl }))
  .register(NETWORK, new EvmServerScheme());
app.use(paymentMiddleware({ "GET /premium": { accepts: { scheme: "exact", payTo: PAY_TO, price: "$0.01", network: NETWORK } } },
  resourceServer));
app.get("/premium", (req, res) => { served.push("premium"); res.json({ data: "premium" }); });
const peer = createServer(app);
const base = await listen(peer);

let passed = 0;
try {
  const unpaid = await fetch(base + "/premium");
  assert.equal(unpaid.status, 402);
  assert.ok(unpaid.headers.get("payment-required"), "PAYMENT-REQUIRED header");
  passed++; console.log("ok  @x402/express answers an unpaid request with a v2 402");

  const pay = pay402.wrapFetch(fetch, pay402.privateKeySigner(PK), { networks: [NETWORK], assets: [USDC], maxAmount: 10_000n });
  let refusal;
  try {
    await pay(base + "/premium");
  } catch (e) {
    refusal = e;
  }
  assert.equal(refusal?.name, "X402PaymentRefused", String(refusal));
  assert.equal(refusal.code, NOT_SETTLED, "the peer's code");
  assert.equal(refusal.definitive, true);
  const response = refusal.response;
  const verifies = received.filter((r) => r.path === "/verify");
  const settles = received.filter((r) => r.path === "/settle");
  assert.equal(verifies.length, 1, JSON.stringify(received));
  assert.equal(verifies[0].verdict.isValid, true, JSON.stringify(verifies[0].verdict));
  assert.equal(verifies[0].verdict.payer.toLowerCase(), PAYER.toLowerCase());
  assert.equal(verifies[0].body.paymentRequirements.amount, "10000");
  assert.equal(verifies[0].body.paymentPayload.x402Version, 2);
  passed++; console.log("ok  pay402.wrapFetch's payment passes the reference facilitator's verify behind @x402/express");
  assert.deepEqual(served, ["premium"]);
  assert.equal(settles.length, 1);
  assert.deepEqual(settles[0].body.paymentPayload, verifies[0].body.paymentPayload);
  passed++; console.log("ok  the peer ran the handler once, then settled once");
  assert.equal(response.status, 402);
  assert.ok(!(await response.clone().text()).includes("premium"), "content withheld");
  const receipt = response.headers.get("payment-response");
  assert.ok(receipt, "PAYMENT-RESPONSE on the failure");
  const decoded = JSON.parse(Buffer.from(receipt, "base64").toString("utf8"));
  assert.equal(decoded.success, false);
  assert.equal(decoded.errorReason, NOT_SETTLED);
  passed++; console.log("ok  no chain: the peer withholds the content with its failure receipt (402, PAYMENT-RESPONSE); wrapFetch throws X402PaymentRefused with its code");
} finally {
  await close(peer);
  await close(facilitatorServer);
}
console.log(`peer-servers: ${passed} passed, 0 failed`);
