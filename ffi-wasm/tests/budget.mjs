// Client budgets in the npm package: ClientBudget (the core's pay402::budget through pay402-host)
// and the budgets of createPayment / wrapFetch / wrapFetchL402. Per request, total and per window
// (aligned on multiples of the window since the epoch), reserved before signing, committed when
// the server took the payment, released on a 402 refusal or when the request never reached the
// server. Codes are the core's documented ones (core/src/budget.rs). x402 runs against a
// node:http server on loopback that verifies with the core's verifier.
//   node budget.mjs      (in a project with pay402 installed)
import { createServer } from "node:http";
import * as p from "pay402";
import { harness } from "./harness.mjs";

const { t, eq, throwsCode, result } = harness();
const NOW = 1_700_000_000; // 800 s into an hour
const HOUR = NOW - (NOW % 3600);
const KEY = new Uint8Array(32).fill(0x11);
const USDC = "0x036CbD53842c5426634e7929541eC2318f3dCF7e";
const OFFER = { scheme: "exact", network: "eip155:84532", amount: "10000", asset: USDC,
  payTo: "0x209693Bc6afc0C5328bA36FaF03C514EF312287C", maxTimeoutSeconds: 60, extra: { name: "USDC", version: "2" } };

// Fewsats' published invoice (fewsats-python README; 17 000 msat) and its preimage.
const INVOICE = "lnbc170n1pnv7wrapp5perxlk25ywqwr05tpgzs0yyhswwg38jfmn9ec3qeqe92ujnpzyusdq024f5kgzgda6hx" +
  "egcqzzsxqyz5vqsp54ceypjapjxntxrtnhkyfrds7m5u9stn8x6gkmf5dx6z56ksy6l3q9qxpqysgqnkxdtwqx" +
  "hkvrav3d3wv83yxn45yrdywxu2mnyh4p7ecncuqsv4gn0xrfl6w57hd9lnc5eghdf536dqy5gf2uuly04nrtdj" +
  "cwvezkt6cqtttnzj";
const PREIMAGE = "b184b87e7a4f802bf41cd26c82d9d883b9cf7bb86f8dcfc4f394634ff711f628";
const INVOICE_NOW = 1_724_856_445 + 60;

const exceeded = (fn, code) => throwsCode(fn, "BudgetExceeded", code);
async function rejects(promise, name, code) {
  try { await promise; } catch (e) { eq(e.name, name, "name"); eq(e.code, code, "code"); return e; }
  throw new Error("did not reject");
}

// --- ClientBudget ---------------------------------------------------------------------------
await t("per request: refused with amount and limit, nothing counted", () => {
  const b = p.ClientBudget.anyAsset({ perRequest: 100n, total: 1000n });
  const e = exceeded(() => b.reserve("", "", 101n, NOW), "per_request_budget_exceeded");
  eq(e.amount, 101n, "amount"); eq(e.remaining, 100n, "remaining");
  eq(b.allowance("", "", NOW), 100n, "allowance"); eq(b.spent("", ""), 0n, "spent");
});

await t("total: reservations and commits count, a release gives back, a partial commit the rest", () => {
  const b = p.ClientBudget.anyAsset({ perRequest: 100, total: "250" });
  b.reserve("", "", 100n, NOW).commit();
  const open = b.reserve("", "", 100n, NOW);
  eq(b.allowance("", "", NOW), 50n, "allowance");
  const e = exceeded(() => b.reserve("", "", 51n, NOW), "total_budget_exceeded");
  eq(e.remaining, 50n, "remaining");
  open.release();
  eq(b.allowance("", "", NOW), 100n, "after release");
  b.reserve("", "", 100n, NOW).commitPartial(60n);
  eq(b.spent("", ""), 160n, "spent"); eq(b.allowance("", "", NOW), 90n, "allowance");
});

await t("window: full until the next aligned window starts", () => {
  const b = p.ClientBudget.anyAsset({ perRequest: 1000n, total: 10_000n, window: { seconds: 3600, amount: 300n } });
  const r = b.reserve("", "", 300n, NOW);
  eq(r.windowStart, HOUR, "windowStart"); r.commit();
  const e = exceeded(() => b.reserve("", "", 1n, HOUR + 3599), "window_budget_exceeded");
  eq(e.remaining, 0n, "remaining");
  eq(b.allowance("", "", HOUR + 3600), 300n, "next window");
});

await t("a reservation ends once; a second end throws BudgetError unknown_reservation", () => {
  const b = p.ClientBudget.anyAsset({ perRequest: 10n, total: 10n });
  const r = b.reserve("", "", 10n, NOW);
  eq(r.isOpen, true, "open"); eq(r.amount, 10n, "amount");
  r.commit();
  eq(r.isOpen, false, "ended");
  throwsCode(() => r.release(), "BudgetError", "unknown_reservation");
  throwsCode(() => r.commit(), "BudgetError", "unknown_reservation");
  eq(b.spent("", ""), 10n, "spent");
});

await t("per-asset budgets: v1 names, CAIP-2 ids and address case name one asset", () => {
  const base = "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913";
  const b = new p.ClientBudget();
  eq(b.isAnyAsset, false, "isAnyAsset");
  b.add("base", base, { perRequest: 10n, total: 15n });
  b.add("lightning", "msat", { perRequest: 20_000n, total: 20_000n });
  b.reserve("eip155:8453", base.toLowerCase(), 10n, NOW).commit();
  eq(b.spent("base", base), 10n, "spent"); eq(b.allowance("eip155:8453", base, NOW), 5n, "allowance");
  exceeded(() => b.reserve("eip155:84532", base, 1n, NOW), "budget_asset_not_listed");
  throwsCode(() => b.add("eip155:8453", base.toLowerCase(), { perRequest: 1n, total: 1n }), "BudgetError", "duplicate_budget_asset");
  throwsCode(() => p.ClientBudget.anyAsset({ perRequest: 1n, total: 1n, window: { seconds: 0, amount: 1n } }), "BudgetError", "invalid_budget_window");
});

// --- wrapFetch over real HTTP ---------------------------------------------------------------
const required = { x402Version: 2, resource: { url: "http://127.0.0.1/premium" }, accepts: [OFFER] };
let paidAnswer = 200;
const server = createServer((req, res) => {
  const header = req.headers["payment-signature"];
  if (!header) {
    res.writeHead(402, { "PAYMENT-REQUIRED": p.x402EncodeHeader(JSON.stringify(required)) });
    return res.end();
  }
  p.x402Verify(OFFER, header, NOW);
  res.writeHead(paidAnswer, { "content-type": "application/json" });
  res.end(JSON.stringify({ paid: paidAnswer === 200 }));
});
await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
const url = `http://127.0.0.1:${server.address().port}/premium`;
const closed = createServer();
await new Promise((ok) => closed.listen(0, "127.0.0.1", ok));
const closedUrl = `http://127.0.0.1:${closed.address().port}/premium`;
await new Promise((ok) => closed.close(ok)); // nothing listens there any more

const budget = (more = {}) => ({ networks: ["eip155:84532"], assets: [USDC], maxAmount: 10_000n, total: 25_000n, ...more });
let clock = NOW;
const options = { now: () => clock };

try {
  await t("a paid answer commits; the total then refuses before signing", async () => {
    paidAnswer = 200;
    const cb = p.ClientBudget.anyAsset({ perRequest: 10_000n, total: 25_000n });
    const pay = p.wrapFetch(fetch, p.privateKeySigner(KEY), budget({ clientBudget: cb }), options);
    eq((await pay(url)).status, 200, "first"); eq((await pay(url)).status, 200, "second");
    eq(cb.spent("", ""), 20_000n, "spent");
    const e = await rejects(pay(url), "BudgetExceeded", "total_budget_exceeded");
    eq(e.remaining, 5_000n, "remaining");
  });

  await t("no per-request limit and no clientBudget: refused at wrap time (never unlimited by default)", () => {
    throwsCode(() => p.wrapFetch(fetch, p.privateKeySigner(KEY), budget({ maxAmount: undefined })), "TypeError", "invalid_argument");
    throwsCode(() => p.wrapFetchL402(fetch, { network: "bc", payInvoice: async () => PREIMAGE }), "TypeError", "invalid_argument");
  });

  await t("maxAmount below the price: per_request_budget_exceeded", async () => {
    const pay = p.wrapFetch(fetch, p.privateKeySigner(KEY), budget({ maxAmount: 9_999n }), options);
    const e = await rejects(pay(url), "BudgetExceeded", "per_request_budget_exceeded");
    eq(e.amount, 10_000n, "amount");
  });

  await t("a 402 refusal of the paid request throws X402PaymentRefused and releases", async () => {
    paidAnswer = 402;
    const cb = p.ClientBudget.anyAsset({ perRequest: 10_000n, total: 15_000n }); // an unreleased 10 000 would leave 5 000
    const pay = p.wrapFetch(fetch, p.privateKeySigner(KEY), budget({ clientBudget: cb }), options);
    const e = await rejects(pay(url), "X402PaymentRefused", "payment_refused"); // the server named no code
    eq(e.status, 402, "status"); eq(e.definitive, true, "definitive"); eq(e.response.status, 402, "response");
    eq(cb.spent("", ""), 0n, "spent"); eq(cb.allowance("", "", NOW), 10_000n, "allowance");
    paidAnswer = 200;
  });

  await t("a paid request that never reached the server (connection refused) releases", async () => {
    const cb = p.ClientBudget.anyAsset({ perRequest: 10_000n, total: 15_000n }); // an unreleased 10 000 would leave 5 000
    let first = true;
    const toClosed = (request) => {
      if (first) { first = false; return fetch(request); }
      return fetch(new Request(closedUrl, request));
    };
    const pay = p.wrapFetch(toClosed, p.privateKeySigner(KEY), budget({ clientBudget: cb }), options);
    await pay(url).then(() => { throw new Error("did not reject"); }, (e) => eq(e.cause?.code, "ECONNREFUSED", "cause"));
    eq(cb.allowance("", "", NOW), 10_000n, "allowance"); eq(cb.spent("", ""), 0n, "spent");
  });

  await t("a paid request with no answer stays counted (fail closed)", async () => {
    const cb = p.ClientBudget.anyAsset({ perRequest: 10_000n, total: 15_000n });
    let first = true;
    const lost = async (request) => {
      if (first) { first = false; return fetch(request); }
      await fetch(request); // the server received it
      throw new TypeError("network error");
    };
    const pay = p.wrapFetch(lost, p.privateKeySigner(KEY), budget({ clientBudget: cb }), options);
    await pay(url).then(() => { throw new Error("did not reject"); }, () => {});
    eq(cb.allowance("", "", NOW), 5_000n, "10 000 stay reserved"); eq(cb.spent("", ""), 0n, "spent");
  });

  await t("window: the next aligned window pays again", async () => {
    clock = NOW;
    const pay = p.wrapFetch(fetch, p.privateKeySigner(KEY), budget({ total: undefined, window: { seconds: 60, amount: 10_000n } }), options);
    eq((await pay(url)).status, 200, "first");
    await rejects(pay(url), "BudgetExceeded", "window_budget_exceeded");
    clock = NOW - (NOW % 60) + 60;
    eq((await pay(url)).status, 200, "next window");
    clock = NOW;
  });

  await t("createPayment returns the reservation and releases it when signing fails", async () => {
    const cb = p.ClientBudget.anyAsset({ perRequest: 10_000n, total: 10_000n });
    const payment = await p.createPayment(JSON.stringify(required), p.privateKeySigner(KEY), budget(), { ...options, clientBudget: cb });
    eq(payment.reservation.amount, 10_000n, "reserved"); eq(cb.allowance("", "", NOW), 0n, "held");
    payment.reservation.release();
    const broken = { address: p.privateKeyToAddress(KEY), signTypedData: async () => { throw new Error("wallet closed"); } };
    await p.createPayment(JSON.stringify(required), broken, budget(), { ...options, clientBudget: cb }).then(
      () => { throw new Error("did not reject"); }, (e) => eq(e.message, "wallet closed", "error"));
    eq(cb.allowance("", "", NOW), 10_000n, "released");
  });
} finally {
  server.close();
}

// --- wrapFetchL402 --------------------------------------------------------------------------

function l402Server() {
  const l402 = new p.L402Server({ service: "svc", priceMsat: 17_000, network: "bitcoin", secret: new Uint8Array(32).fill(7) });
  const challenge = l402.challenge(INVOICE, p.bolt11Decode(INVOICE).paymentHash, new Uint8Array(32).fill(1), INVOICE_NOW);
  return async (request) => request.headers.get("Authorization")
    ? new Response("paid", { status: 200 })
    : new Response(null, { status: challenge.status, headers: challenge.headers });
}

await t("L402: committed once the invoice is paid; the window then refuses with the core's code", async () => {
  const cb = new p.ClientBudget();
  cb.add("lightning", "msat", { perRequest: 20_000n, total: 100_000n, window: { seconds: 3600, amount: 20_000n } });
  const paid = [];
  const l402 = { network: "bc", clientBudget: cb, now: () => INVOICE_NOW, payInvoice: async (invoice) => { paid.push(invoice); return PREIMAGE; } };
  const pay = p.wrapFetchL402(l402Server(), l402);
  eq((await pay("https://a.example/premium")).status, 200, "status");
  eq(cb.spent("lightning", "msat"), 17_000n, "spent"); eq(paid.length, 1, "paid once");
  const e = await rejects(pay("https://a.example/premium"), "BudgetExceeded", "window_budget_exceeded");
  eq(e.amount, 17_000n, "amount"); eq(e.remaining, 3_000n, "remaining"); eq(paid.length, 1, "not paid again");
});

await t("L402: budgetMsat is the per-request limit; a failed payInvoice stays counted", async () => {
  const small = { network: "bc", budgetMsat: 16_999n, now: () => INVOICE_NOW, payInvoice: async () => PREIMAGE };
  await rejects(p.wrapFetchL402(l402Server(), small)("https://a.example/premium"), "BudgetExceeded", "per_request_budget_exceeded");
  const cb = p.ClientBudget.anyAsset({ perRequest: 20_000n, total: 30_000n });
  const failing = { network: "bc", clientBudget: cb, now: () => INVOICE_NOW, payInvoice: async () => { throw new Error("node timed out"); } };
  await p.wrapFetchL402(l402Server(), failing)("https://a.example/premium").then(() => { throw new Error("did not reject"); }, () => {});
  eq(cb.allowance("lightning", "msat", INVOICE_NOW), 13_000n, "17 000 msat stay reserved"); eq(cb.spent("", ""), 0n, "spent");
});

const { passed, failed, lines } = result();
console.log(lines.join("\n"));
console.log(`budget: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
