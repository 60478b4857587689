// The Fewsats offers server flow (pay402/offers-server) end to end over node:http on 127.0.0.1:
// 402 with the offers body → payment request → signed webhook → retry with the token gets the
// content. The client is `fetch` acting as the l402-protocol/l402 README (v0.2.2) says a client
// acts; the webhook is signed here with node:crypto from the README's rule
// `Fewsats-Signature: t=<unix>,v1=hex(HMAC-SHA256(secret, "<t>.<raw body>"))`; the offers are the
// go-example's. Expected values come from the spec, never from the code under test. Also runs the
// offers-server example of the package README (the ```js block after "<!-- offers-server example -->").
//   node offers-server.mjs      (in a project with pay402 installed)
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { writeFileSync, mkdtempSync } from "node:fs";
import { createOffersPaywall, offersListener } from "pay402/offers-server";

const WHSEC = "whsec_test_offers_server";
const SECRET = Uint8Array.from({ length: 32 }, (_, i) => i);
const NOW = 1_767_225_000; // 2025-12-31T23:50:00Z
const INVOICE = "lnbc170n1pnv7wrapp5perxlk25ywqwr05tpgzs0yyhswwg38jfmn9ec3qeqe92ujnpzyusdq024f5kgzgda6hx"; // provider's
const OFFERS = [
  { id: "offer_0001", title: "Pro", description: "2 credits for all the datasets", type: "top-up", balance: 2,
    amount: 10, currency: "USD", payment_methods: ["lightning", "fake-pay"] },
  { id: "offer_0003", title: "Unlimited", description: "Unlimited access to all the datasets", type: "subscription",
    duration: "30 days", amount: 500, currency: "USD", payment_methods: ["lightning", "onchain", "credit_card"] },
];
const CONTENT = { message: "Access granted to dataset 123", status: "success" };

const sign = (raw, t, secret = WHSEC) =>
  `t=${t},v1=${createHmac("sha256", secret).update(`${t}.`).update(raw).digest("hex")}`;

let passed = 0;
async function test(name, fn) {
  try {
    await fn();
    passed++;
    console.log(`ok ${name}`);
  } catch (e) {
    console.log(`FAIL ${name}: ${e?.stack ?? e}`);
    process.exitCode = 1;
  }
}

async function serve() {
  const clock = { now: NOW };
  const asks = [];
  let paywall;
  const server = createServer((req, res) => listener(req, res));
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const base = `http://127.0.0.1:${server.address().port}`;
  paywall = createOffersPaywall({
    offers: OFFERS, protect: ["/private-resource"], paymentRequestUrl: `${base}/payment-request`,
    webhookSecret: WHSEC, secret: SECRET, termsUrl: "https://example.com/terms", clock: () => clock.now,
    paymentDetails: async (ask) => {
      asks.push(ask);
      if (ask.methodKind === "lightning") return { lightningInvoice: INVOICE };
      if (ask.methodKind === "onchain") return { address: "0x209693Bc6afc0C5328bA36FaF03C514EF312287C", expiresAt: NOW + 120 };
      return { checkoutUrl: `https://checkout.test/${ask.offerId}?pct=${ask.token}` };
    },
  });
  const listener = offersListener(paywall, (req, res) => {
    if (req.url !== "/private-resource") { res.writeHead(404).end(); return; }
    assert.ok(req.pay402Offers.token.startsWith("pct_"));
    res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify(CONTENT));
  });
  const get = (token) => fetch(`${base}/private-resource`, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
  const post = (path, body, headers = {}) => fetch(base + path, {
    method: "POST", body: typeof body === "string" ? body : JSON.stringify(body),
    headers: { "Content-Type": "application/json", ...headers },
  });
  const webhook = (event, { t = NOW, signature = "sign", secret } = {}) => {
    const raw = JSON.stringify(event);
    const headers = {};
    if (signature === "sign") headers["Fewsats-Signature"] = sign(raw, t, secret);
    else if (signature) headers["Fewsats-Signature"] = signature;
    return post("/offers/webhook", raw, headers);
  };
  const challenge = async (token) => {
    const r = await get(token);
    assert.equal(r.status, 402);
    assert.equal(r.headers.get("content-type"), "application/json");
    assert.equal(r.headers.get("www-authenticate"), null);
    return r.json();
  };
  return { base, clock, asks, paywall, get, post, webhook, challenge, close: () => server.close() };
}

const paidEvent = (token, offer, over = {}) => ({
  offer_id: offer.id, payment_context_token: token, amount: offer.amount, currency: offer.currency,
  status: "paid", timestamp: NOW, ...over,
});

await test("top-up flow end to end", async () => {
  const s = await serve();
  try {
    const body = await s.challenge();
    assert.deepEqual(Object.keys(body).sort(), ["offers", "payment_context_token", "payment_request_url", "terms_url", "version"]);
    assert.equal(body.version, "0.2.2");
    assert.equal(body.payment_request_url, `${s.base}/payment-request`);
    assert.deepEqual(body.offers[0], OFFERS[0]);
    const token = body.payment_context_token;
    assert.ok(token.startsWith("pct_"));
    assert.notEqual((await s.challenge()).payment_context_token, token);

    let r = await s.post(new URL(body.payment_request_url).pathname,
      { offer_id: "offer_0001", payment_method: "lightning", payment_context_token: token });
    assert.equal(r.status, 200);
    assert.deepEqual(await r.json(), { version: "0.2.2", offer_id: "offer_0001",
      payment_request: { lightning_invoice: INVOICE }, expires_at: "2026-01-01T00:00:00Z" }); // NOW + 600 s
    assert.equal(s.asks.at(-1).amount, 10n);
    assert.equal((await s.challenge(token)).payment_context_token, token);

    const event = paidEvent(token, OFFERS[0]);
    r = await s.webhook(event, { signature: null });
    assert.deepEqual([r.status, (await r.json()).error], [401, "webhook_header_malformed"]);
    r = await s.webhook(event, { secret: "whsec_someone_else" });
    assert.deepEqual([r.status, (await r.json()).error], [401, "webhook_signature_mismatch"]);
    r = await s.webhook(event, { t: NOW - 301 });
    assert.deepEqual([r.status, (await r.json()).error], [401, "webhook_timestamp_out_of_tolerance"]);
    r = await s.webhook(paidEvent(token, OFFERS[0], { currency: "EUR" }));
    const j = await r.json();
    assert.deepEqual([r.status, j.error, j.detail], [400, "webhook_payment_mismatch", "currency"]);
    await s.challenge(token);
    r = await s.webhook(event);
    assert.deepEqual([r.status, await r.json()], [200, { received: true, result: "granted" }]);
    assert.equal((await (await s.webhook(event)).json()).result, "duplicate");
    s.clock.now += 30;
    assert.equal((await (await s.webhook(event, { t: s.clock.now })).json()).result, "duplicate");

    for (let i = 0; i < 2; i++) {
      r = await s.get(token);
      assert.deepEqual([r.status, await r.json()], [200, CONTENT]);
    }
    await s.challenge(token);
  } finally { s.close(); }
});

await test("subscription paid on chain, with its expiry", async () => {
  const s = await serve();
  try {
    const token = (await s.challenge()).payment_context_token;
    const r = await s.post("/payment-request", { offer_id: "offer_0003", payment_method: "onchain",
      payment_context_token: token, chain: "base-mainnet", asset: "usdc" });
    assert.deepEqual(await r.json(), { version: "0.2.2", offer_id: "offer_0003",
      payment_request: { address: "0x209693Bc6afc0C5328bA36FaF03C514EF312287C", asset: "usdc", chain: "base-mainnet" },
      expires_at: "2025-12-31T23:52:00Z" });
    assert.deepEqual(await (await s.webhook(paidEvent(token, OFFERS[1], { status: "pending" }))).json(),
      { received: true, result: "ignored" });
    assert.equal((await (await s.webhook(paidEvent(token, OFFERS[1]))).json()).result, "granted");
    for (let i = 0; i < 3; i++) assert.equal((await s.get(token)).status, 200);
    s.clock.now = NOW + 30 * 86_400 - 1;
    assert.equal((await s.get(token)).status, 200);
    s.clock.now = NOW + 30 * 86_400;
    await s.challenge(token);
  } finally { s.close(); }
});

await test("refusals are typed", async () => {
  const s = await serve();
  try {
    const token = (await s.challenge()).payment_context_token;
    for (const forged of ["demo-token-123", token.slice(0, -1) + (token.endsWith("0") ? "1" : "0")]) {
      let r = await s.get(forged);
      assert.deepEqual([r.status, (await r.json()).error], [401, "invalid_payment_context_token"]);
      r = await s.post("/payment-request", { offer_id: "offer_0001", payment_method: "lightning", payment_context_token: forged });
      assert.deepEqual([r.status, (await r.json()).error], [400, "invalid_payment_context_token"]);
    }
    for (const [req, code] of [
      [{ offer_id: "offer_9999", payment_method: "lightning" }, "unknown_offer"],
      [{ offer_id: "offer_0001", payment_method: "credit_card" }, "payment_method_not_offered"],
      [{ offer_id: "offer_0003", payment_method: "onchain" }, "missing_field"],
    ]) {
      const r = await s.post("/payment-request", { ...req, payment_context_token: token });
      assert.deepEqual([r.status, (await r.json()).error], [400, code]);
    }
    let r = await s.post("/payment-request", "{");
    assert.deepEqual([r.status, (await r.json()).error], [400, "invalid_json"]);
    r = await s.post("/payment-request", { offer_id: "offer_0001", payment_method: "fake-pay", payment_context_token: token });
    assert.deepEqual((await r.json()).payment_request, { checkout_url: `https://checkout.test/offer_0001?pct=${token}` });
    r = await s.webhook(paidEvent(token, { id: "offer_0042", amount: 10, currency: "USD" }));
    assert.deepEqual([r.status, (await r.json()).error], [400, "unknown_offer"]);
    r = await s.webhook(paidEvent("demo-token-123", OFFERS[0]));
    assert.deepEqual([r.status, (await r.json()).error], [400, "invalid_payment_context_token"]);
    assert.equal(await s.paywall.store.get(token), null);
    assert.equal((await fetch(`${s.base}/elsewhere`)).status, 404);
  } finally { s.close(); }
});

await test("a body over the core's limit is refused with 413 and nothing is credited", async () => {
  const { OffersServer } = await import("pay402");
  const limit = OffersServer.maxBodyBytes();
  assert.equal(limit, 64 * 1024);
  const s = await serve();
  try {
    const token = (await s.challenge()).payment_context_token;
    const request = JSON.stringify({ offer_id: "offer_0001", payment_method: "lightning", payment_context_token: token });
    const event = JSON.stringify(paidEvent(token, OFFERS[0]));
    for (const [path, raw] of [["/payment-request", request], ["/offers/webhook", event]]) {
      // Valid JSON padded with whitespace: only its length is wrong.
      const big = raw + " ".repeat(limit + 1 - raw.length);
      let r = await s.post(path, big, { "Fewsats-Signature": sign(big, NOW) });
      assert.deepEqual([r.status, (await r.json()).error], [413, "request_body_too_large"], path);
      assert.equal(await s.paywall.store.get(token), null);
      // At the limit the body is read and judged on its content.
      const fits = big.slice(0, limit);
      r = await s.post(path, fits, { "Fewsats-Signature": sign(fits, NOW) });
      assert.equal(r.status, 200, path);
    }
    assert.notEqual(await s.paywall.store.get(token), null); // credited once, by the body that fits
  } finally {
    s.close();
  }
});

await test("concurrent replays of one webhook grant once", async () => {
  const s = await serve();
  try {
    const token = (await s.challenge()).payment_context_token;
    const event = paidEvent(token, OFFERS[0]);
    const results = await Promise.all(Array.from({ length: 8 }, async () => (await (await s.webhook(event)).json()).result));
    assert.deepEqual(results.sort(), [...Array(7).fill("duplicate"), "granted"]);
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await s.get(token)).status);
    assert.deepEqual(statuses, [200, 200, 402]);
  } finally { s.close(); }
});

await test("the README's offers-server example runs", async () => {
  const require = createRequire(import.meta.url);
  const readme = readFileSync(join(dirname(require.resolve("pay402/package.json")), "README.md"), "utf8");
  const m = /<!-- offers-server example -->\s*```js\n([\s\S]*?)```/.exec(readme);
  assert.ok(m, "README has the offers-server example");
  const dir = mkdtempSync(join(process.cwd(), ".readme-"));
  const file = join(dir, "offers-readme.mjs");
  writeFileSync(file, m[1]);
  await import(pathToFileURL(file).href);
});

console.log(`offers-server: ${passed} passed`);
if (passed !== 6) process.exitCode = 1;
