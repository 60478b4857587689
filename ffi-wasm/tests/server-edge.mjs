// The edge-runtime suite of the Fetch adapter: only web APIs (Request, Response, fetch,
// crypto, TextEncoder), run on `pay402/web` in Node (server-edge-node.mjs) and in headless
// Chromium (browser/server.html), where no Node API exists. The facilitator is the `settle`
// hook (an edge runtime's binding); pay402's own client pays: EIP-3009 through `wrapFetch`,
// Solana through `svmBuildTransfer` + `svmPaymentHeader`.
// `edgeSuite(p)` takes the package's exports and resolves to { passed, failed, lines }.
import { harness } from "./harness.mjs";

const KEY = new Uint8Array(32).fill(0x11);
const USDC = "0x036CbD53842c5426634e7929541eC2318f3dCF7e";
const PAY_TO = "0x209693Bc6afc0C5328bA36FaF03C514EF312287C";
const FEE_PAYER = "J1cezW528jhuvQ5HqUVmLhVFre2PXkE6374HKgtCko5y";
const EIP3009 = { network: "eip155:84532", asset: USDC, amount: "10000", payTo: PAY_TO, eip712Name: "USDC", eip712Version: "2" };
const SOLANA = { network: "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1", asset: "4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU",
  amount: "10000", payTo: "AKSQxLCef2dEpkNCBccBzHxnL5NNBJNc3BeTMh5hp2P2", feePayer: FEE_PAYER };

export async function edgeSuite(p) {
  const { t, eq, result } = harness();
  const settled = [];
  let mode = "ok";
  // the facilitator as an edge binding: answers /settle bodies
  const settle = async (body, { offer, payload }) => {
    const request = JSON.parse(new TextDecoder().decode(body));
    settled.push({ request, offer, payload });
    if (mode === "timeout") return null;
    if (mode === "refuse") return { success: false, errorReason: "insufficient_funds", transaction: "", network: offer.network };
    return { success: true, transaction: "0x" + "ab".repeat(32), network: offer.network, payer: "0x19E7E376E7C213B7E7e7e46cc70A5dD086DAff2A" };
  };
  let crash = false;
  const worker = {
    fetch: p.withPayment(async (request) => {
      if (crash) { crash = false; throw new Error("crashed"); }
      return Response.json({ payer: p.paymentOf(request).payer, secret: "gold" });
    }, { offers: [EIP3009, SOLANA], settle, env: false }),
  };
  const budget = { networks: ["eip155:84532"], assets: [USDC], maxAmount: 10000n };
  const receipt = (r) => JSON.parse(atob(r.headers.get("PAYMENT-RESPONSE")));
  const header = async () => {
    const unpaid = await worker.fetch(new Request("https://edge.example/x"));
    eq(unpaid.status, 402, "unpaid status");
    const pay = await p.createPayment(atob(unpaid.headers.get("PAYMENT-REQUIRED")), p.privateKeySigner(KEY), budget);
    return { [pay.headerName]: pay.headerValue };
  };

  await t("edge: unpaid 402 with PAYMENT-REQUIRED (both offers) and the v1 body (the offers with a v1 network name)", async () => {
    const r = await worker.fetch(new Request("https://edge.example/x"));
    eq(r.status, 402, "status");
    const required = JSON.parse(atob(r.headers.get("PAYMENT-REQUIRED")));
    eq(required.error, "payment_required", "code");
    eq(required.accepts.length, 2, "offers");
    const body = await r.json();
    eq(body.x402Version, 1, "v1 body");
    eq(body.accepts.map((a) => a.network).join(), "base-sepolia,solana-devnet", "v1 networks");
  });
  await t("edge: pay402 wrapFetch pays EIP-3009; the settle hook gets the offer and the decoded payload", async () => {
    const r = await p.wrapFetch(async (i, init) => worker.fetch(new Request(i, init)), p.privateKeySigner(KEY), budget)("https://edge.example/x");
    eq(r.status, 200, "status");
    eq(receipt(r).success, true, "receipt");
    const last = settled.at(-1);
    eq(last.offer.payTo, PAY_TO, "offer");
    eq(last.payload.payload.authorization.from, p.privateKeyToAddress(KEY), "payload");
    eq(last.request.paymentRequirements.amount, "10000", "settle body");
  });
  await t("edge: Solana exact with fee payer (svmBuildTransfer + svmPaymentHeader)", async () => {
    const unpaid = await worker.fetch(new Request("https://edge.example/x"));
    const required = JSON.parse(atob(unpaid.headers.get("PAYMENT-REQUIRED")));
    const tx = p.svmBuildTransfer({ payerSeed: new Uint8Array(32).fill(5), feePayer: FEE_PAYER, mint: SOLANA.asset, payTo: SOLANA.payTo,
      amount: 10000n, decimals: 6, memo: `edge-${Math.random()}`, recentBlockhash: "FGo9e4ecUBCHZhcmEP3MQ4nRzvrQwpKAfpH7zViMresy" });
    const paid = p.svmPaymentHeader(required, { transaction: tx.transaction, acceptIndex: 1 });
    const r = await worker.fetch(new Request("https://edge.example/x", { headers: { [paid.headerName]: paid.headerValue } }));
    eq(r.status, 200, "status");
    eq(settled.at(-1).request.paymentRequirements.extra.feePayer, FEE_PAYER, "fee payer");
  });
  await t("edge: crash after verify settles nothing; the retry is served", async () => {
    const h = await header();
    const before = settled.length;
    crash = true;
    let threw = false;
    try { await worker.fetch(new Request("https://edge.example/x", { headers: h })); } catch { threw = true; }
    eq(threw, true, "rethrown to the runtime");
    eq(settled.length, before, "nothing settled");
    const r = await worker.fetch(new Request("https://edge.example/x", { headers: h }));
    eq(r.status, 200, "retry");
  });
  await t("edge: refused settlement 402 + failure receipt, released; timeout 502, kept", async () => {
    const h = await header();
    mode = "refuse";
    const refused = await worker.fetch(new Request("https://edge.example/x", { headers: h }));
    eq(refused.status, 402, "refused");
    eq(receipt(refused).success, false, "failure receipt");
    eq((await refused.text()).includes("gold"), false, "withheld");
    mode = "timeout";
    const timedOut = await worker.fetch(new Request("https://edge.example/x", { headers: h }));
    eq(timedOut.status, 502, "timeout");
    mode = "ok";
    const again = await worker.fetch(new Request("https://edge.example/x", { headers: h }));
    eq(again.status, 402, "kept");
    eq((await again.json()).error, "payment_already_used", "replay code");
  });
  return result();
}
