// The L402 selling adapters on the core's L402Server: l402Paywall (node:http / Express) and
// withL402 (Fetch-API handlers, here served by Hono). The invoice is the fewsats-python README
// invoice with its published preimage, so a "paid" credential can be built as the L402
// specification describes (`Authorization: L402 <macaroon>:<preimage>`), without a node; the
// clock is pinned one minute after the invoice's timestamp. Root keys come from one secret:
// 10,000 unpaid requests leave the heap flat.
//   node server-l402.mjs     (in the npm test project; exits non-zero on the first failure)
import assert from "node:assert/strict";
import http from "node:http";
import v8 from "node:v8";
import vm from "node:vm";
import { Hono } from "hono";
import * as p from "pay402";

const INVOICE = "lnbc170n1pnv7wrapp5perxlk25ywqwr05tpgzs0yyhswwg38jfmn9ec3qeqe92ujnpzyusdq024f5kgzgda6hxegcqzzsxqyz5vqsp54ceypjapjxntxrtnhkyfrds7m5u9stn8x6gkmf5dx6z56ksy6l3q9qxpqysgqnkxdtwqxhkvrav3d3wv83yxn45yrdywxu2mnyh4p7ecncuqsv4gn0xrfl6w57hd9lnc5eghdf536dqy5gf2uuly04nrtdjcwvezkt6cqtttnzj";
const PREIMAGE = "b184b87e7a4f802bf41cd26c82d9d883b9cf7bb86f8dcfc4f394634ff711f628";
const PAYMENT_HASH = "0e466fd9542380e1be8b0a05079097839c889e49dccb9c4419064aae4a611139";
const NOW = 1_724_856_505;

let invoices = 0;
const options = (extra = {}) => ({
  service: "weather", priceMsat: 17_000, network: "bitcoin", secret: new Uint8Array(32).fill(7),
  now: () => NOW, invoiceProvider: () => { invoices++; return { bolt11: INVOICE, paymentHash: PAYMENT_HASH }; },
  ...extra,
});
/** The credential a client builds from the `L402 macaroon="…", invoice="…"` challenge once paid. */
const credential = (challenges, preimage = PREIMAGE) => {
  const l402 = challenges.find((v) => v.startsWith("L402 "));
  return `L402 ${/macaroon="([^"]+)"/.exec(l402)[1]}:${preimage}`;
};
let passed = 0;
const ok = (name) => { passed++; console.log(`ok   ${name}`); };

// ---------------------------------------------------------------- node:http
{
  const paywall = p.l402Paywall(options());
  const server = http.createServer((req, res) => paywall(req, res, () => {
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ forecast: "sunny", token: Buffer.from(req.l402.tokenId).toString("hex").slice(0, 8) }));
  }));
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${server.address().port}/weather`;

  const unpaid = await fetch(url);
  assert.equal(unpaid.status, 402);
  const challenges = unpaid.headers.get("www-authenticate").split(/, (?=L402 |LSAT )/);
  assert.deepEqual(challenges.map((c) => c.split(" ")[0]), ["LSAT", "L402"]);
  assert.ok(challenges[1].endsWith(`invoice="${INVOICE}"`));
  ok("unpaid request: 402 with LSAT and L402 challenges for the host's invoice");

  const paid = await fetch(url, { headers: { authorization: credential(challenges) } });
  assert.equal(paid.status, 200, await paid.clone().text());
  assert.equal((await paid.json()).forecast, "sunny");
  ok("paid credential (macaroon + preimage): 200, the handler sees the token");

  const wrong = await fetch(url, { headers: { authorization: credential(challenges, "00".repeat(32)) } });
  assert.equal(wrong.status, 402);
  assert.ok(wrong.headers.get("www-authenticate").includes("L402 macaroon="), "a fresh challenge");
  ok("wrong preimage: 402 with a fresh challenge");
  server.close();
}

// ---------------------------------------------------------------- withL402 (Hono, Fetch API)
{
  const revoked = new Set();
  const handler = p.withL402((request, context) => Response.json({ scheme: context.l402.scheme }), options({
    revoked: (rootKeyId) => revoked.has(Buffer.from(rootKeyId).toString("hex")),
  }));
  const app = new Hono();
  app.get("/weather", (c) => handler(c.req.raw));
  const first = await app.request("/weather");
  assert.equal(first.status, 402);
  const challenges = first.headers.get("www-authenticate").split(/, (?=L402 |LSAT )/);
  const paid = await app.request("/weather", { headers: { authorization: credential(challenges) } });
  assert.equal(paid.status, 200);
  assert.equal((await paid.json()).scheme, "L402");
  ok("withL402 on Hono: 402, then 200 with the admitted token");

  const strict = p.withL402(() => new Response("no"), options({ revoked: () => { throw new Error("store down"); } }));
  assert.equal((await strict(new Request("http://x/w", { headers: { authorization: credential(challenges) } }))).status, 402);
  ok("a revocation check that throws refuses (fail closed)");

  const unauthorized = p.withL402(() => new Response("no"), options({ unauthorizedForBadCredentials: true }));
  const bad = await unauthorized(new Request("http://x/w", { headers: { authorization: credential(challenges, "11".repeat(32)) } }));
  assert.equal(bad.status, 401);
  ok("bad credential with unauthorizedForBadCredentials: 401, decided by the core");

  assert.throws(() => p.withL402(() => new Response(""), options({ secret: new Uint8Array(31) })), (e) => e.code === "invalid_server_secret");
  assert.throws(() => p.withL402(() => new Response(""), { ...options(), invoiceProvider: undefined }), (e) => e.code === "invalid_config");
  ok("misconfiguration fails closed with the core's codes");

  // 10,000 unpaid requests: the server keeps nothing per token (root keys are derived).
  v8.setFlagsFromString("--expose_gc");
  const gc = vm.runInNewContext("gc");
  const unpaidOnce = () => handler(new Request("http://x/weather"));
  for (let i = 0; i < 500; i++) await unpaidOnce();
  gc(); gc();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < 10_000; i++) await unpaidOnce();
  gc(); gc();
  const growth = process.memoryUsage().heapUsed - before;
  assert.ok(growth < 4 * 1024 * 1024, `heap grew ${growth} B over 10,000 unpaid requests`);
  ok(`10,000 unpaid requests: heap growth ${Math.round(growth / 1024)} KiB (nothing kept per token)`);
}
assert.ok(invoices > 10_000);
console.log(`server-l402: ${passed} passed, 0 failed`);
