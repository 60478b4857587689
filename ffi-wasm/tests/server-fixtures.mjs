// Shared parts of the server adapter tests (server-express.mjs, server-fetch.mjs): the offers of
// every scheme, a facilitator on 127.0.0.1 that checks what it is asked to settle with the
// reference facilitator (@x402/evm verify, offline) and answers as the test tells it, and the
// paying clients — pay402's own client exports and @x402/fetch — never the server code under test.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { privateKeyToAccount } from "viem/accounts";
import { verifyTypedData } from "viem";
import { x402Client } from "@x402/core/client";
import { ExactEvmScheme as ExactClient } from "@x402/evm/exact/client";
import { UptoEvmScheme as UptoClient } from "@x402/evm/upto/client";
import { ExactEvmScheme as ExactFacilitator } from "@x402/evm/exact/facilitator";
import { UptoEvmScheme as UptoFacilitator } from "@x402/evm/upto/facilitator";
import { wrapFetchWithPayment } from "@x402/fetch";

export const PK = "0x" + "11".repeat(32);
export const PAYER = privateKeyToAccount(PK).address;
export const USDC = "0x036CbD53842c5426634e7929541eC2318f3dCF7e";
export const PAY_TO = "0x209693Bc6afc0C5328bA36FaF03C514EF312287C";
export const FACILITATOR_ADDRESS = "0x000000000000000000000000000000000000dEaD";
const SOL_MINT = "4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU";
const SOL_PAY_TO = "AKSQxLCef2dEpkNCBccBzHxnL5NNBJNc3BeTMh5hp2P2";
const FEE_PAYER = "J1cezW528jhuvQ5HqUVmLhVFre2PXkE6374HKgtCko5y";
const BLOCKHASH = "FGo9e4ecUBCHZhcmEP3MQ4nRzvrQwpKAfpH7zViMresy";

/** One offer per scheme, in the adapters' config format. */
export const OFFERS = {
  eip3009: { network: "eip155:84532", asset: USDC, amount: "10000", payTo: PAY_TO, eip712Name: "USDC", eip712Version: "2" },
  permit2: { network: "eip155:84532", asset: USDC, amount: "10000", payTo: PAY_TO, transferMethod: "permit2" },
  upto: { scheme: "upto", network: "eip155:84532", asset: USDC, amount: "50000", payTo: PAY_TO, facilitator: FACILITATOR_ADDRESS },
  solana: { network: "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1", asset: SOL_MINT, amount: "10000", payTo: SOL_PAY_TO, feePayer: FEE_PAYER },
};

function stubChain(asset) {
  return {
    getAddresses: () => [FACILITATOR_ADDRESS],
    getCode: async ({ address }) => (address.toLowerCase() === asset.toLowerCase() ? "0x6080604052" : "0x"),
    readContract: async () => undefined,
    verifyTypedData: async (args) => verifyTypedData(args),
  };
}

/**
 * A facilitator on 127.0.0.1: POST /settle checks the body (EVM: @x402/evm's facilitator
 * verify of paymentPayload against paymentRequirements; Solana: the transaction the client
 * sent) and answers by `mode`: "ok", "refuse", "pending" (settlement_pending once, then ok),
 * "hang" (never answers), "500".
 */
export async function startFacilitator() {
  const state = { mode: "ok", calls: [], sent: new Set() };
  const server = createServer((req, res) => {
    let text = "";
    req.on("data", (d) => (text += d));
    req.on("end", async () => {
      const body = JSON.parse(text);
      state.calls.push(body);
      const mode = state.mode;
      if (mode === "hang") return;
      if (mode === "500") { res.writeHead(500).end("oops"); return; }
      const req2 = body.paymentRequirements;
      const reply = (o) => res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify(o));
      let verdict = { isValid: true, payer: "" };
      if (req2.network.startsWith("eip155:")) {
        const fac = req2.scheme === "upto" ? new UptoFacilitator(stubChain(req2.asset)) : new ExactFacilitator(stubChain(req2.asset));
        // upto: the reference verifies against the signed maximum; the settle amount is the charge
        const signed = req2.scheme === "upto" ? { ...req2, amount: body.paymentPayload.payload.permit2Authorization.permitted.amount } : req2;
        verdict = await fac.verify(body.paymentPayload, signed).catch((e) => ({ isValid: false, invalidReason: String(e.message) }));
        if (verdict.isValid && BigInt(req2.amount) > BigInt(signed.amount)) verdict = { isValid: false, invalidReason: "amount_above_maximum" };
      } else {
        verdict = { isValid: state.sent.has(body.paymentPayload.payload.transaction), invalidReason: "unknown_transaction" };
      }
      if (!verdict.isValid) return reply({ success: false, errorReason: verdict.invalidReason, transaction: "", network: req2.network });
      if (mode === "refuse") return reply({ success: false, errorReason: "insufficient_funds", errorMessage: "the payer has no funds", transaction: "", network: req2.network });
      if (mode === "pending") {
        state.mode = "ok";
        return reply({ success: false, errorReason: "settlement_pending", transaction: "0x" + "cd".repeat(32), network: req2.network });
      }
      // x402 v2: an `upto` settlement reports the amount settled (the charge)
      reply({ success: true, transaction: "0x" + "ab".repeat(32), network: req2.network, payer: verdict.payer || PAYER,
        ...(req2.scheme === "upto" ? { amount: req2.amount } : {}) });
    });
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  state.url = `http://127.0.0.1:${server.address().port}`;
  state.close = () => { server.closeAllConnections(); server.close(); };
  return state;
}

/** @x402/fetch with @x402/evm's exact (EIP-3009 and Permit2) and upto clients. */
export function x402Fetch(fetchFn = fetch) {
  const client = new x402Client();
  const signer = privateKeyToAccount(PK);
  client.register("eip155:*", new ExactClient(signer));
  client.register("eip155:*", new UptoClient(signer));
  return wrapFetchWithPayment(fetchFn, client);
}

/** pay402's client: EIP-3009 through `wrapFetch`; Solana through `svmBuildTransfer` + `svmPaymentHeader`. */
export function pay402Fetch(p, fetchFn = fetch) {
  return p.wrapFetch(fetchFn, p.privateKeySigner(PK), { networks: ["eip155:84532"], assets: [USDC], maxAmount: 100_000n });
}
let memo = 0;
export async function payWithSolana(p, fac, url, fetchFn = fetch) {
  const first = await fetchFn(url);
  assert.equal(first.status, 402);
  const required = JSON.parse(atob(first.headers.get("PAYMENT-REQUIRED")));
  const index = required.accepts.findIndex((a) => a.network.startsWith("solana:"));
  const offer = required.accepts[index];
  const tx = p.svmBuildTransfer({ payerSeed: new Uint8Array(32).fill(5), feePayer: offer.extra.feePayer, mint: offer.asset,
    payTo: offer.payTo, amount: BigInt(offer.amount), decimals: 6, memo: `nonce-${Date.now()}-${memo++}`, recentBlockhash: BLOCKHASH });
  fac.sent.add(tx.transaction);
  const paid = p.svmPaymentHeader(required, { transaction: tx.transaction, acceptIndex: index });
  return fetchFn(url, { headers: { [paid.headerName]: paid.headerValue } });
}

/** A signed EIP-3009 payment header for the 402 `response` (pay402's createPayment). */
export async function paymentFor(p, response, nonceByte) {
  const header = typeof response.headers.get === "function" ? response.headers.get("PAYMENT-REQUIRED") : response.headers["payment-required"];
  const required = atob(header);
  const payment = await p.createPayment(required, p.privateKeySigner(PK),
    { networks: ["eip155:84532"], assets: [USDC], maxAmount: 100_000n },
    nonceByte === undefined ? {} : { nonce: () => new Uint8Array(32).fill(nonceByte) });
  return [payment.headerName, payment.headerValue];
}

export function receipt(response) {
  const h = typeof response.headers.get === "function"
    ? response.headers.get("PAYMENT-RESPONSE")
    : response.headers["payment-response"];
  return h ? JSON.parse(atob(h)) : null;
}

export function counter() {
  let passed = 0;
  const ok = (name) => { passed++; console.log(`ok  ${name}`); };
  return { ok, get passed() { return passed; } };
}
