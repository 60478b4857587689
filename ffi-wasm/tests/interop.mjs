// Interop with the reference npm packages (pinned in package.json):
//  1. @x402/fetch + @x402/evm client payments (v1 and v2) verify with pay402's server helpers;
//  2. pay402's wrapFetch payments (private-key signer and EIP-1193 signer) pass @x402/evm's
//     facilitator verify (offline: stub RPC, viem signature check).
//   node interop.mjs   (run inside a project where `pay402` is installed)
import assert from "node:assert/strict";
import * as pay402 from "pay402";
import { privateKeyToAccount } from "viem/accounts";
import { verifyTypedData } from "viem";
import { x402Client } from "@x402/core/client";
import { decodePaymentSignatureHeader } from "@x402/core/http";
import { registerExactEvmScheme } from "@x402/evm/exact/client";
import { ExactEvmScheme as Facilitator } from "@x402/evm/exact/facilitator";
import { ExactEvmSchemeV1 as FacilitatorV1 } from "@x402/evm/exact/v1/facilitator";
import { wrapFetchWithPayment } from "@x402/fetch";

const PK = "0x" + "11".repeat(32);
const USDC = "0x036CbD53842c5426634e7929541eC2318f3dCF7e";
const PAY_TO = "0x209693Bc6afc0C5328bA36FaF03C514EF312287C";
const offerV2 = { scheme: "exact", network: "eip155:84532", amount: "10000", asset: USDC, payTo: PAY_TO, maxTimeoutSeconds: 60, extra: { name: "USDC", version: "2" } };
const offerV1 = { scheme: "exact", network: "base-sepolia", maxAmountRequired: "10000", resource: "https://api.example.com/v1", description: "", mimeType: "application/json", payTo: PAY_TO, maxTimeoutSeconds: 60, asset: USDC, extra: { name: "USDC", version: "2" } };
const resource = { url: "https://api.example.com/x", description: "x", mimeType: "application/json" };
let passed = 0;
const ok = (name) => { passed++; console.log(`ok  ${name}`); };

// A server built on pay402's edge helper.
function pay402Server(offer, version) {
  return async (input, init) => {
    const request = new Request(input, init);
    const result = await pay402.verifyRequest(request, [offer], { x402Version: version, resource });
    if (result.ok) return new Response(JSON.stringify({ payer: result.verified.payer }), { status: 200 });
    return result.response;
  };
}

for (const [version, offer] of [[2, offerV2], [1, offerV1]]) {
  const client = new x402Client();
  registerExactEvmScheme(client, { signer: privateKeyToAccount(PK) });
  const response = await wrapFetchWithPayment(pay402Server(offer, version), client)(resource.url);
  assert.equal(response.status, 200, `v${version}: ${await response.clone().text()}`);
  assert.equal((await response.json()).payer, privateKeyToAccount(PK).address);
  ok(`@x402/fetch v${version} payment verifies with pay402.verifyRequest`);
}

// A server built on the reference facilitator's verify (offline).
function stubSigner(asset) {
  return {
    getAddresses: () => ["0x000000000000000000000000000000000000dEaD"],
    getCode: async ({ address }) => (address.toLowerCase() === asset.toLowerCase() ? "0x6080604052" : "0x"),
    readContract: async () => undefined,
    verifyTypedData: async (args) => verifyTypedData(args),
  };
}
function referenceServer(offer, version) {
  return async (input, init) => {
    const request = new Request(input, init);
    const header = request.headers.get(version === 2 ? "PAYMENT-SIGNATURE" : "X-PAYMENT");
    if (!header) {
      const answer = pay402.paymentRequired([offer], { x402Version: version, resource });
      return new Response(answer.body, { status: 402, headers: answer.headers });
    }
    const payload = decodePaymentSignatureHeader(header);
    const fac = version === 2 ? new Facilitator(stubSigner(offer.asset)) : new FacilitatorV1(stubSigner(offer.asset));
    const verdict = await fac.verify(payload, offer);
    return new Response(JSON.stringify(verdict), { status: verdict.isValid ? 200 : 402 });
  };
}

const account = privateKeyToAccount(PK);
const provider = {
  async request({ method, params }) {
    assert.equal(method, "eth_signTypedData_v4");
    assert.equal(params[0].toLowerCase(), account.address.toLowerCase());
    const typed = JSON.parse(params[1]);
    const { EIP712Domain, ...types } = typed.types;
    return account.signTypedData({ domain: typed.domain, types, primaryType: typed.primaryType, message: typed.message });
  },
};
const budget = { networks: ["eip155:84532", "base-sepolia"], assets: [USDC], maxAmount: 10_000n };
for (const [version, offer] of [[2, offerV2], [1, offerV1]]) {
  for (const [kind, signer] of [["private key", pay402.privateKeySigner(PK)], ["EIP-1193", pay402.eip1193Signer(provider, account.address)]]) {
    const response = await pay402.wrapFetch(referenceServer(offer, version), signer, budget)(resource.url);
    const verdict = await response.json();
    assert.equal(response.status, 200, JSON.stringify(verdict));
    assert.equal(verdict.isValid, true);
    assert.equal(verdict.payer.toLowerCase(), account.address.toLowerCase());
    ok(`pay402.wrapFetch v${version} (${kind} signer) passes @x402/evm facilitator verify`);
  }
}

// Over budget: wrapFetch refuses with the core's code.
await assert.rejects(
  pay402.wrapFetch(referenceServer(offerV2, 2), pay402.privateKeySigner(PK), { ...budget, maxAmount: 9_999n })(resource.url),
  (e) => e.name === "BudgetExceeded" && e.code === "per_request_budget_exceeded" && e.amount === 10_000n,
);
ok("wrapFetch refuses an offer above maxAmount (per_request_budget_exceeded)");
console.log(`interop: ${passed} passed, 0 failed`);
