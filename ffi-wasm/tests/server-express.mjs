// The Express adapters (`pay`, `paywall`) of pay402: every scheme sold and paid, through
// supertest (Express's own test means) and over real HTTP on 127.0.0.1 by @x402/fetch and
// pay402's client; the exactly-once rules (crash after verify, refused settlement, facilitator
// timeout, settlement_pending); hooks, dynamic price and payee, settle-before-handler, custom
// bodies, config from an object and from PAY402_* (failing closed), the 402 body's codes, and
// replay checks in verifyRequest.
//   node server-express.mjs   (run inside a project where `pay402` is installed)
import assert from "node:assert/strict";
import express from "express";
import request from "supertest";
import * as p from "pay402";
import { FacilitatorClient } from "pay402/facilitator";
import { OFFERS, PAY_TO, PAYER, USDC, startFacilitator, x402Fetch, pay402Fetch, payWithSolana, paymentFor, receipt, counter } from "./server-fixtures.mjs";

const t = counter();
const fac = await startFacilitator();
const base = { facilitatorUrl: fac.url, env: false };
const settles = () => fac.calls.length;

const app = express();
app.get("/eip3009", p.pay({ ...base, offers: [OFFERS.eip3009] }), (req, res) => res.json({ payer: req.x402.payer, secret: "gold" }));
app.get("/permit2", p.pay({ ...base, offers: [OFFERS.permit2] }), (req, res) => res.json({ payer: req.x402.payer }));
app.get("/upto", p.pay({ ...base, offers: [OFFERS.upto] }), (req, res) => {
  req.x402.charge(8400n);
  res.json({ used: "8400", max: req.x402.amount.toString() });
});
app.get("/upto-over", p.pay({ ...base, offers: [OFFERS.upto] }), (req, res) => {
  req.x402.charge(req.x402.amount + 1n);
  res.json({ used: "too much" });
});
app.get("/solana", p.pay({ ...base, offers: [OFFERS.solana] }), (req, res) => res.json({ payer: req.x402.payer }));
app.get("/client", p.pay({ env: false, offers: [OFFERS.permit2],
  facilitator: new FacilitatorClient([fac.url], { retry: { attempts: 1 }, timeoutMs: 2000 }) }),
(req, res) => res.json({ secret: "gold" }));
let crashes = 0;
app.get("/flaky", p.pay({ ...base, offers: [OFFERS.eip3009] }), (req, res) => {
  if (crashes-- > 0) throw new Error("handler crashed");
  res.json({ secret: "gold" });
});
app.get("/fails", p.pay({ ...base, offers: [OFFERS.eip3009] }), (req, res) => res.status(503).json({ error: "busy" }));
const seen = [];
app.get("/before", p.pay({ ...base, offers: [OFFERS.eip3009], settleBeforeHandler: true }), (req, res) => {
  seen.push(settles());
  res.json({ ok: true });
});
app.get("/before-crash", p.pay({ ...base, offers: [OFFERS.eip3009], settleBeforeHandler: true }), () => { throw new Error("after settle"); });
const hooked = [];
let settleArgs = null;
app.get("/hooks", p.pay({
  offers: [OFFERS.eip3009], env: false,
  settle: async (body, ctx) => {
    settleArgs = { body: new TextDecoder().decode(body), offer: ctx.offer, payload: ctx.payload };
    const r = await fetch(`${fac.url}/settle`, { method: "POST", headers: { "Content-Type": "application/json" }, body });
    return r.text();
  },
  hooks: {
    grantAccess: ({ request: req }) => req.headers["x-api-key"] === "friend",
    beforeVerify: () => { hooked.push("beforeVerify"); },
    afterVerify: ({ payment }) => { hooked.push(`afterVerify ${payment.payer}`); },
    beforeSettle: ({ offer }) => { hooked.push(`beforeSettle ${offer.amount}`); },
    afterSettle: ({ settlement }) => { hooked.push(`afterSettle ${settlement.success}`); },
    onFailure: ({ stage, code }) => { hooked.push(`onFailure ${stage} ${code}`); },
  },
}), (req, res) => { hooked.push("handler"); res.json({ free: req.x402 === null }); });
app.get("/custom", p.pay({ ...base, offers: [OFFERS.eip3009],
  unpaidBody: ({ code }) => ({ message: "pay first", code }),
  failureBody: ({ code }) => `settlement failed: ${code}` }), (req, res) => res.json({ secret: "gold" }));
app.get("/dynamic", p.pay({ ...base, offers: [{ ...OFFERS.eip3009,
  amount: (req) => (req.query.tier === "gold" ? "20000" : "10000"),
  payTo: (req) => (req.query.tier === "gold" ? "0x1111111111111111111111111111111111111111" : PAY_TO) }] }),
(req, res) => res.json({ paid: req.x402.offer.amount }));
const paywalled = express.Router();
paywalled.use(p.paywall({ ...base, routes: { "GET /report": { offers: [OFFERS.eip3009] }, "/files/*": { offers: [OFFERS.permit2] } } }));
paywalled.get("/report", (req, res) => res.json({ paid: true }));
paywalled.get("/files/a", (req, res) => res.json({ paid: true }));
paywalled.get("/free", (req, res) => res.json({ free: true }));
app.use("/pw", paywalled);

// the application's error handler (a handler's exception is a 500, as Express's default, without its log)
app.use((err, req, res, next) => res.status(500).json({ error: err.message }));

// ---------------------------------------------------------------- supertest (Express's own means)
{
  const unpaid = await request(app).get("/eip3009");
  assert.equal(unpaid.status, 402);
  const required = JSON.parse(atob(unpaid.headers["payment-required"]));
  assert.deepEqual(required.accepts, [{ scheme: "exact", network: "eip155:84532", amount: "10000", asset: OFFERS.eip3009.asset,
    payTo: PAY_TO, maxTimeoutSeconds: 60, extra: { name: "USDC", version: "2" } }]);
  assert.equal(required.error, "payment_required");
  // the core's v1 body: the same offer under its v1 network name, the code as `error`
  assert.equal(unpaid.body.x402Version, 1);
  assert.equal(unpaid.body.error, "payment_required");
  assert.equal(unpaid.body.accepts[0].network, "base-sepolia");
  const [name, value] = await paymentFor(p, unpaid);
  const paid = await request(app).get("/eip3009").set(name, value);
  assert.equal(paid.status, 200, paid.text);
  assert.equal(paid.body.payer, PAYER);
  assert.equal(receipt(paid).success, true);
  assert.equal(receipt(paid).transaction, "0x" + "ab".repeat(32));
  const again = await request(app).get("/eip3009").set(name, value);
  assert.equal(again.status, 402);
  assert.equal(again.body.error, "payment_already_used");
  t.ok("supertest: unpaid 402 (PAYMENT-REQUIRED and the v1 body, code payment_required), pay402 payment 200 with receipt, replay 402");
}
{
  const unpaid = await request(app).get("/eip3009");
  const [name, value] = await paymentFor(p, unpaid);
  const wrong = await request(app).get("/permit2").set(name, value);
  assert.equal(wrong.status, 402);
  const code = JSON.parse(atob(wrong.headers["payment-required"])).error;
  assert.equal(code, "invalid_exact_evm_missing_eip712_domain");
  t.ok(`supertest: an EIP-3009 payment on a Permit2 route is refused with the core's code (${code})`);
}

// ---------------------------------------------------------------- real HTTP on 127.0.0.1
const server = await new Promise((resolve) => { const s = app.listen(0, "127.0.0.1", () => resolve(s)); });
const url = (path) => `http://127.0.0.1:${server.address().port}${path}`;
const x402 = x402Fetch();
for (const route of ["/eip3009", "/permit2"]) {
  const before = settles();
  const r = await x402(url(route));
  assert.equal(r.status, 200, `${route}: ${await r.clone().text()}`);
  assert.equal((await r.json()).payer, PAYER);
  assert.equal(settles(), before + 1);
  assert.equal(receipt(r).success, true);
  t.ok(`HTTP: @x402/fetch pays ${route} (the facilitator's @x402/evm verify accepts the forwarded payment)`);
}
{
  const r = await x402(url("/upto"));
  assert.equal(r.status, 200, await r.clone().text());
  const settled = fac.calls.at(-1);
  assert.equal(settled.paymentRequirements.scheme, "upto");
  assert.equal(settled.paymentRequirements.amount, "8400");
  assert.equal(settled.paymentPayload.payload.permit2Authorization.permitted.amount, "50000");
  t.ok("HTTP: @x402/fetch pays upto; the handler reports 8400 of the signed 50000 and the facilitator is asked for 8400");
  const before = settles();
  const over = await x402(url("/upto-over"));
  assert.equal(over.status, 500);
  assert.equal(settles(), before);
  t.ok("HTTP: upto charge above the signed maximum settles nothing (500)");
}
{
  const r = await pay402Fetch(p)(url("/eip3009"));
  assert.equal(r.status, 200, await r.clone().text());
  t.ok("HTTP: pay402 wrapFetch pays exact EIP-3009");
  const s = await payWithSolana(p, fac, url("/solana"));
  assert.equal(s.status, 200, await s.clone().text());
  assert.equal(receipt(s).success, true);
  assert.equal(fac.calls.at(-1).paymentRequirements.extra.feePayer, OFFERS.solana.feePayer);
  t.ok("HTTP: pay402 svmBuildTransfer + svmPaymentHeader pays Solana exact with fee payer");
}

// ---------------------------------------------------------------- exactly once
{
  crashes = 1;
  const unpaid = await fetch(url("/flaky"));
  const [name, value] = await paymentFor(p, unpaid);
  const before = settles();
  const crashed = await fetch(url("/flaky"), { headers: { [name]: value } });
  assert.equal(crashed.status, 500);
  assert.equal(settles(), before, "nothing settled");
  const retry = await fetch(url("/flaky"), { headers: { [name]: value } });
  assert.equal(retry.status, 200, await retry.clone().text());
  assert.equal((await retry.json()).secret, "gold");
  assert.equal(settles(), before + 1);
  t.ok("crash after verify: 500, nothing settled, reservation released; the same payment retried gets 200 and settles once");
  const unpaid3 = await fetch(url("/eip3009"));
  const [n3, v3] = await paymentFor(p, unpaid3);
  const settledBefore = settles();
  const racing = await Promise.all(Array.from({ length: 6 }, () => fetch(url("/eip3009"), { headers: { [n3]: v3 } })));
  const statuses = racing.map((r) => r.status).sort();
  assert.deepEqual(statuses, [200, 402, 402, 402, 402, 402]);
  assert.equal(settles(), settledBefore + 1);
  t.ok("six concurrent requests with one payment: one served and settled, five payment_already_used");
  const unpaid2 = await fetch(url("/fails"));
  const [n2, v2] = await paymentFor(p, unpaid2);
  const beforeFails = settles();
  const failed = await fetch(url("/fails"), { headers: { [n2]: v2 } });
  assert.equal(failed.status, 503);
  const failedAgain = await fetch(url("/fails"), { headers: { [n2]: v2 } });
  assert.equal(failedAgain.status, 503, "released, so the handler ran again");
  assert.equal(settles(), beforeFails);
  t.ok("handler status >= 400: its response is passed on, nothing settled, reservation released");
}
{
  fac.mode = "refuse";
  const unpaid = await fetch(url("/eip3009"));
  const [name, value] = await paymentFor(p, unpaid);
  const refused = await fetch(url("/eip3009"), { headers: { [name]: value } });
  fac.mode = "ok";
  assert.equal(refused.status, 402);
  const text = await refused.text();
  assert.ok(!text.includes("gold"), "content withheld");
  assert.equal(receipt(refused).success, false);
  assert.equal(receipt(refused).errorReason, "insufficient_funds");
  assert.equal(JSON.parse(text).error, "insufficient_funds");
  const retry = await fetch(url("/eip3009"), { headers: { [name]: value } });
  assert.equal(retry.status, 200, "released after a definitive refusal");
  t.ok("refused settlement: 402 with the failure receipt, content withheld, reservation released");
}
{
  const slow = express();
  slow.get("/x", p.pay({ ...base, facilitatorTimeoutMs: 300, offers: [OFFERS.eip3009] }), (req, res) => res.json({ secret: "gold" }));
  const s = await new Promise((resolve) => { const h = slow.listen(0, "127.0.0.1", () => resolve(h)); });
  const u = `http://127.0.0.1:${s.address().port}/x`;
  fac.mode = "hang";
  const unpaid = await fetch(u);
  const [name, value] = await paymentFor(p, unpaid);
  const timedOut = await fetch(u, { headers: { [name]: value } });
  assert.equal(timedOut.status, 502);
  assert.ok(!(await timedOut.text()).includes("gold"), "content withheld");
  fac.mode = "ok";
  const retry = await fetch(u, { headers: { [name]: value } });
  assert.equal(retry.status, 402);
  assert.equal((await retry.json()).error, "payment_already_used");
  t.ok("facilitator timeout: 502, content withheld, reservation kept (the retry is payment_already_used)");
  fac.mode = "500";
  const unpaid2 = await fetch(u);
  const [n2, v2] = await paymentFor(p, unpaid2);
  assert.equal((await fetch(u, { headers: { [n2]: v2 } })).status, 502);
  fac.mode = "ok";
  t.ok("facilitator 5xx: 502, reservation kept");
  s.closeAllConnections();
  s.close();
}
{
  fac.mode = "pending";
  const before = settles();
  const r = await pay402Fetch(p)(url("/eip3009"));
  assert.equal(r.status, 200, await r.clone().text());
  assert.equal(settles(), before + 2);
  t.ok("settlement_pending: settled once more, then served");
}

{
  const before = settles();
  const r = await x402(url("/client"));
  assert.equal(r.status, 200, await r.clone().text());
  assert.equal(settles(), before + 1);
  fac.mode = "refuse";
  const refused = await x402(url("/client"));
  fac.mode = "ok";
  assert.equal(refused.status, 402);
  assert.equal(receipt(refused).errorReason, "insufficient_funds");
  t.ok("facilitator: with a pay402/facilitator FacilitatorClient the payment settles, and its SettleError verdict withholds (402, failure receipt)");
}

// ---------------------------------------------------------------- options
{
  seen.length = 0;
  const before = settles();
  const r = await pay402Fetch(p)(url("/before"));
  assert.equal(r.status, 200);
  assert.deepEqual(seen, [before + 1], "settled before the handler ran");
  const c = await pay402Fetch(p)(url("/before-crash"));
  assert.equal(c.status, 500);
  assert.equal(receipt(c).success, true, "the payment was taken: the receipt is sent");
  t.ok("settleBeforeHandler: the handler runs after settlement; a crash after it still gets the receipt");
}
{
  hooked.length = 0;
  const free = await fetch(url("/hooks"), { headers: { "x-api-key": "friend" } });
  assert.equal(free.status, 200);
  assert.deepEqual(await free.json(), { free: true });
  assert.deepEqual(hooked, ["handler"]);
  hooked.length = 0;
  await fetch(url("/hooks"));
  assert.deepEqual(hooked, ["beforeVerify", "onFailure verify payment_required"]);
  hooked.length = 0;
  const r = await pay402Fetch(p)(url("/hooks"));
  assert.equal(r.status, 200);
  assert.deepEqual(hooked, ["beforeVerify", "onFailure verify payment_required", "beforeVerify", `afterVerify ${PAYER}`,
    "handler", "beforeSettle 10000", "afterSettle true"]);
  assert.equal(settleArgs.offer.payTo, PAY_TO);
  assert.equal(settleArgs.payload.payload.authorization.from, PAYER);
  assert.deepEqual(JSON.parse(settleArgs.body).paymentPayload, settleArgs.payload);
  t.ok("hooks: grantAccess serves free, before/after verify and settle in order, onFailure; settle gets the offer and the decoded payload");
}
{
  const unpaid = await fetch(url("/custom"));
  assert.equal(unpaid.status, 402);
  assert.ok(unpaid.headers.get("PAYMENT-REQUIRED"));
  assert.deepEqual(await unpaid.json(), { message: "pay first", code: "payment_required" });
  fac.mode = "refuse";
  const [name, value] = await paymentFor(p, unpaid);
  const refused = await fetch(url("/custom"), { headers: { [name]: value } });
  fac.mode = "ok";
  assert.equal(refused.status, 402);
  assert.equal(await refused.text(), "settlement failed: insufficient_funds");
  assert.equal(receipt(refused).success, false);
  t.ok("custom unpaid and failure bodies (the challenge and receipt headers are kept)");
}
{
  const silver = JSON.parse(atob((await fetch(url("/dynamic"))).headers.get("PAYMENT-REQUIRED"))).accepts[0];
  const gold = JSON.parse(atob((await fetch(url("/dynamic?tier=gold"))).headers.get("PAYMENT-REQUIRED"))).accepts[0];
  assert.equal(silver.amount, "10000");
  assert.equal(silver.payTo, PAY_TO);
  assert.equal(gold.amount, "20000");
  assert.equal(gold.payTo, "0x1111111111111111111111111111111111111111");
  const r = await pay402Fetch(p)(url("/dynamic?tier=gold"));
  assert.equal(r.status, 200);
  assert.equal((await r.json()).paid, "20000");
  t.ok("per-request price and payee");
}
{
  assert.equal((await fetch(url("/pw/free"))).status, 200);
  assert.equal((await fetch(url("/pw/report"))).status, 402);
  assert.equal((await fetch(url("/pw/files/a"))).status, 402);
  assert.equal((await pay402Fetch(p)(url("/pw/report"))).status, 200);
  assert.equal((await x402(url("/pw/files/a"))).status, 200);
  t.ok("app.use(paywall({ routes })): listed routes pay (EIP-3009, Permit2), others pass");
}

// ---------------------------------------------------------------- config
{
  // refused by the core when the offers are built (its code as detailCode) …
  const badOffers = [
    { ...OFFERS.eip3009, payTo: undefined },
    { ...OFFERS.eip3009, network: "no-such-chain" },
    { ...OFFERS.eip3009, amount: "$0.01" },
    { ...OFFERS.eip3009, asset: "0x0000000000000000000000000000000000000001", eip712Name: undefined },
    { ...OFFERS.upto, facilitator: undefined },
    { ...OFFERS.solana, feePayer: undefined },
    { ...OFFERS.eip3009, payTo: "0x123" },
  ];
  const details = [];
  for (const offer of badOffers) {
    assert.throws(() => p.pay({ facilitatorUrl: fac.url, env: false, offers: [offer] }), (e) => {
      details.push(e.detailCode);
      return e.code === "invalid_config" && typeof e.detailCode === "string" && e.detailCode === e.cause?.code;
    });
  }
  // … and by the adapter's own options
  const bad = [
    [{ offers: [] }, /offers/],
    [{ offers: [{ ...OFFERS.eip3009, price: "1" }] }, /amount or price/],
    [{ offers: [OFFERS.eip3009], facilitatorUrl: undefined }, /facilitatorUrl/],
    [{ offers: [OFFERS.eip3009], facilitatorUrl: "ftp://x" }, /facilitatorUrl/],
    [{ offers: [OFFERS.eip3009], hooks: { onSuccess() {} } }, /unknown hook/],
    [{ offers: [OFFERS.eip3009], replayStore: { insertIfAbsent() {} } }, /reserve/],
    [{ offers: [OFFERS.eip3009], pricee: 1 }, /unknown field/],
  ];
  for (const [config, message] of bad) {
    assert.throws(() => p.pay({ facilitatorUrl: fac.url, env: false, ...config }), (e) => e.code === "invalid_config" && message.test(e.message));
  }
  assert.throws(() => p.pay({ price: "10000", env: {} }), (e) => e.code === "invalid_config");
  t.ok(`config: ${badOffers.length + bad.length + 1} missing or invalid configs throw invalid_config when the middleware is created (core: ${[...new Set(details)].join(", ")})`);
  const env = { PAY402_NETWORK: "eip155:84532", PAY402_ASSET: OFFERS.eip3009.asset, PAY402_PAY_TO: PAY_TO, PAY402_AMOUNT: "10000",
    PAY402_EIP712_NAME: "USDC", PAY402_EIP712_VERSION: "2", PAY402_FACILITATOR_URL: fac.url, PAY402_MAX_TIMEOUT_SECONDS: "120" };
  assert.deepEqual(p.configFromEnv(env).offers, [{ network: "eip155:84532", asset: OFFERS.eip3009.asset, payTo: PAY_TO, amount: "10000",
    eip712Name: "USDC", eip712Version: "2", maxTimeoutSeconds: 120 }]);
  assert.throws(() => p.configFromEnv({ ...env, PAY402_MAX_TIMEOUT_SECONDS: "2m" }), (e) => e.code === "invalid_config");
  Object.assign(process.env, env);
  const fromEnv = express();
  fromEnv.get("/x", p.pay({ price: "$0.007" }), (req, res) => res.json({ paid: req.x402.offer.amount }));
  for (const k of Object.keys(env)) delete process.env[k];
  const unpaid = await request(fromEnv).get("/x");
  const offer = JSON.parse(atob(unpaid.headers["payment-required"])).accepts[0];
  assert.equal(offer.amount, "7000");
  assert.equal(offer.maxTimeoutSeconds, 120);
  const [name, value] = await paymentFor(p, unpaid);
  const paid = await request(fromEnv).get("/x").set(name, value);
  assert.equal(paid.status, 200, paid.text);
  t.ok("config from PAY402_* (process.env) with a per-route price: challenge and payment");
}

// ---------------------------------------------------------------- price: display or atomic units
// The rule of the Python package (and of @x402/express's `price: "$0.001"`): a string is display
// units of the asset, a bigint or a safe integer atomic units, a fractional number is refused.
// Expected amounts by hand: Base Sepolia's USDC (0x036C…CF7e, the network's default asset) has
// 6 decimals, so $0.01 = 0.01 × 10^6 = 10000 atomic units.
{
  const sepolia = { network: "eip155:84532", payTo: PAY_TO };
  const challenge = async (config) => {
    const a = express();
    a.get("/x", p.pay({ facilitatorUrl: fac.url, env: false, ...config }), (req, res) => res.json({ paid: req.x402.offer.amount }));
    a.use((err, req, res, next) => res.status(500).json({ error: err.message, code: err.code, detailCode: err.detailCode }));
    const r = await request(a).get("/x?tier=gold");
    return { a, r, required: r.status === 402 ? JSON.parse(atob(r.headers["payment-required"])) : null };
  };
  const cases = [["$0.01", "10000"], ["0.01", "10000"], [10000n, "10000"], [10000, "10000"], ["$1.5", "1500000"],
    ["0.000001", "1"], ["25", "25000000"]];
  for (const [price, amount] of cases) {
    const { r, required } = await challenge({ offers: [{ ...sepolia, price }] });
    assert.equal(r.status, 402);
    assert.equal(required.accepts[0].amount, amount, `price ${typeof price} ${price}`);
    assert.equal(required.accepts[0].asset, USDC);
    assert.equal(r.body.accepts[0].maxAmountRequired, amount); // the v1 body too
  }
  t.ok(`price: ${cases.length} display prices ("$0.01", "0.01") and atomic units (10000n, 10000) become the challenge's amount`);

  // paid end to end: the facilitator is asked for 10000 atomic units
  const { a, r } = await challenge({ offers: [{ ...sepolia, price: "$0.01" }] });
  const [name, value] = await paymentFor(p, r);
  const paid = await request(a).get("/x").set(name, value);
  assert.equal(paid.status, 200, paid.text);
  assert.equal(paid.body.paid, "10000");
  assert.equal(fac.calls.at(-1).paymentRequirements.amount, "10000");
  t.ok("price: \"$0.01\" sold and paid; the facilitator settles 10000");

  // refused when the middleware is created: by the adapter (what JavaScript cannot hand over
  // exactly) and by the core (the same codes as the Python package)
  const refusals = [[0.01, "float_price"], [1e21, "float_price"], [Number.NaN, "float_price"], [-1, "invalid_price"],
    [-1n, "invalid_price"], [null, "invalid_price"], ["0.0000001", "sub_unit_amount"], ["$0", "zero_price"], [0n, "zero_price"],
    ["1e-2", "invalid_price"], ["-0.01", "invalid_price"], ["0,01", "invalid_price"]];
  for (const [price, detailCode] of refusals) {
    assert.throws(() => p.pay({ facilitatorUrl: fac.url, env: false, offers: [{ ...sepolia, price }] }),
      (e) => e instanceof TypeError && e.code === "invalid_config" && e.detailCode === detailCode, `price ${typeof price} ${price}`);
  }
  // the shorthand over the environment's offer, and a display price of an asset the core does not know
  const env = { PAY402_NETWORK: "eip155:84532", PAY402_PAY_TO: PAY_TO, PAY402_FACILITATOR_URL: fac.url };
  assert.throws(() => p.pay({ price: 0.01, env }), (e) => e.code === "invalid_config" && e.detailCode === "float_price");
  const other = { ...sepolia, asset: "0x0000000000000000000000000000000000000001", eip712Name: "T", eip712Version: "1" };
  assert.throws(() => p.pay({ facilitatorUrl: fac.url, env: false, offers: [{ ...other, price: "$0.01" }] }),
    (e) => e.code === "invalid_config" && e.detailCode === "missing_asset" && e.cause.detailCode === "missing_decimals");
  assert.equal((await challenge({ offers: [{ ...other, price: "$0.01", decimals: 18 }] })).required.accepts[0].amount, "10000000000000000");
  t.ok(`price: ${refusals.length + 2} bad prices refused at construction (float_price, invalid_price, sub_unit_amount, zero_price, missing_decimals)`);

  // PAY402_PRICE (display) and PAY402_AMOUNT (atomic); a route's price replaces either
  const fromEnv = async (vars, route) => {
    const app2 = express();
    app2.get("/x", p.pay({ ...route, env: { ...env, ...vars } }), (req, res) => res.json({}));
    return JSON.parse(atob((await request(app2).get("/x")).headers["payment-required"])).accepts[0].amount;
  };
  assert.equal(await fromEnv({ PAY402_PRICE: "$0.02" }, {}), "20000");
  assert.equal(await fromEnv({ PAY402_AMOUNT: "20000" }, {}), "20000");
  assert.equal(await fromEnv({ PAY402_AMOUNT: "20000" }, { price: "$0.03" }), "30000");
  assert.equal(await fromEnv({ PAY402_PRICE: "$0.02" }, { amount: 30000n }), "30000");
  assert.throws(() => p.pay({ env: { ...env, PAY402_PRICE: "$0.02", PAY402_AMOUNT: "20000" } }), (e) => e.code === "invalid_config");
  t.ok("price: PAY402_PRICE is display units, PAY402_AMOUNT atomic units; a route's price or amount replaces the environment's");

  // per request: the same rule, checked when the price is known
  const dynamic = await challenge({ offers: [{ ...sepolia, price: (req) => (req.query.tier === "gold" ? "$0.02" : 10000n) }] });
  assert.equal(dynamic.required.accepts[0].amount, "20000");
  assert.equal(JSON.parse(atob((await request(dynamic.a).get("/x")).headers["payment-required"])).accepts[0].amount, "10000");
  const inexact = await challenge({ offers: [{ ...sepolia, price: () => 0.02 }] });
  assert.equal(inexact.r.status, 500);
  assert.deepEqual([inexact.r.body.code, inexact.r.body.detailCode], ["invalid_config", "float_price"]);
  assert.equal(inexact.r.headers["payment-required"], undefined);
  const finer = await challenge({ offers: [{ ...sepolia, price: async () => "$0.0000001" }] });
  assert.deepEqual([finer.r.status, finer.r.body.detailCode], [500, "sub_unit_amount"]);
  // the rest of a per-request-priced offer is checked when the middleware is created (a stand-in price)
  for (const [offer, detailCode] of [[{ ...sepolia, network: "no-such-chain" }, "unknown_network"], [{ network: "eip155:84532" }, "missing_pay_to"],
    [{ ...sepolia, asset: "0x0000000000000000000000000000000000000001" }, "missing_asset"]]) {
    assert.throws(() => p.pay({ facilitatorUrl: fac.url, env: false, offers: [{ ...offer, price: () => "$0.01" }] }),
      (e) => e.code === "invalid_config" && e.detailCode === detailCode, detailCode);
  }
  t.ok("price: a per-request price function follows the same rule (display, atomic; float_price and sub_unit_amount fail closed); the offer's other terms fail at construction");
}

// ---------------------------------------------------------------- the resource's MIME type
{
  // none given: application/json, the default of the core (the Python package's too); given: as given
  const a = express();
  a.get("/x", p.pay({ ...base, offers: [OFFERS.eip3009] }), (req, res) => res.json({}));
  a.get("/csv", p.pay({ ...base, offers: [OFFERS.eip3009], resource: { mimeType: "text/csv", description: "a table" } }), (req, res) => res.json({}));
  const plain = await request(a).get("/x");
  const { resource } = JSON.parse(atob(plain.headers["payment-required"]));
  assert.deepEqual([new URL(resource.url).pathname, resource.description, resource.mimeType], ["/x", "", "application/json"]);
  assert.equal(plain.body.accepts[0].mimeType, "application/json");
  const csv = await request(a).get("/csv");
  assert.equal(JSON.parse(atob(csv.headers["payment-required"])).resource.mimeType, "text/csv");
  assert.equal(csv.body.accepts[0].mimeType, "text/csv");
  t.ok("resource mimeType: application/json when none is given (v2 resource and v1 entries), the configured one otherwise");
}

// ---------------------------------------------------------------- verifyRequest replay
{
  const accepts = [JSON.parse(atob((await fetch(url("/eip3009"))).headers.get("PAYMENT-REQUIRED"))).accepts[0]];
  const store = p.memoryReplayStore();
  const edge = async (req) => {
    const r = await p.verifyRequest(req, accepts, { replayStore: store });
    return r.ok ? new Response("ok") : r.response;
  };
  const wrapped = pay402Fetch(p, async (input, init) => edge(new Request(input, init)));
  const first = await wrapped("https://api.example.com/x");
  assert.equal(first.status, 200);
  const unpaid = await edge(new Request("https://api.example.com/x"));
  const [name, value] = await paymentFor(p, unpaid, 42);
  assert.equal((await edge(new Request("https://api.example.com/x", { headers: { [name]: value } }))).status, 200);
  const replay = await edge(new Request("https://api.example.com/x", { headers: { [name]: value } }));
  assert.equal(replay.status, 402);
  assert.equal((await replay.json()).error, "payment_already_used");
  t.ok("verifyRequest reserves the replay key: the same payment twice is payment_already_used");
}

server.closeAllConnections();
server.close();
fac.close();
console.log(`server-express: ${t.passed} passed, 0 failed`);
