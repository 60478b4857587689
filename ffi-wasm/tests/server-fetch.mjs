// The Fetch-API adapters of pay402 (`withPayment`, `honoPaywall`): Hono through its own test
// means (`app.request`) and over real HTTP (@hono/node-server on 127.0.0.1), and a Next.js-style
// route module (`export const GET = withPayment(…)`) called with WHATWG Requests and served over
// real HTTP. Every scheme is paid by @x402/fetch (EIP-3009, Permit2, upto) or pay402's client
// (EIP-3009, Solana); a crash after verification releases the reservation.
//   node server-fetch.mjs   (run inside a project where `pay402` is installed)
import assert from "node:assert/strict";
import { Hono } from "hono";
import { serve } from "@hono/node-server";
import * as p from "pay402";
import { OFFERS, PAYER, startFacilitator, x402Fetch, pay402Fetch, payWithSolana, paymentFor, receipt, counter } from "./server-fixtures.mjs";

const t = counter();
const fac = await startFacilitator();
const base = { facilitatorUrl: fac.url, env: false };
const payerOf = (request) => Response.json({ payer: p.paymentOf(request).payer, secret: "gold" });

// ---------------------------------------------------------------- Hono
const app = new Hono();
const paid = {
  eip3009: p.withPayment(payerOf, { ...base, offers: [OFFERS.eip3009] }),
  permit2: p.withPayment(payerOf, { ...base, offers: [OFFERS.permit2] }),
  solana: p.withPayment(payerOf, { ...base, offers: [OFFERS.solana] }),
};
for (const [name, handler] of Object.entries(paid)) app.get(`/${name}`, (c) => handler(c.req.raw));
app.use("/mw/*", p.honoPaywall({ ...base, offers: [OFFERS.upto] }));
app.get("/mw/upto", (c) => {
  c.get("x402").charge(8400n);
  return c.json({ used: "8400" });
});
let crashes = 0;
const flaky = p.withPayment(() => {
  if (crashes-- > 0) throw new Error("handler crashed");
  return Response.json({ secret: "gold" });
}, { ...base, offers: [OFFERS.eip3009] });
app.get("/flaky", (c) => flaky(c.req.raw));
app.onError((err, c) => c.json({ error: err.message }, 500));

const viaApp = async (input, init) => app.request(new Request(input, init));
{
  const unpaid = await app.request("http://localhost/eip3009");
  assert.equal(unpaid.status, 402);
  const body = await unpaid.json();
  assert.equal(body.error, "payment_required");
  assert.ok(unpaid.headers.get("PAYMENT-REQUIRED"));
  const r = await pay402Fetch(p, viaApp)("http://localhost/eip3009");
  assert.equal(r.status, 200, await r.clone().text());
  assert.equal((await r.json()).payer, PAYER);
  assert.equal(receipt(r).success, true);
  t.ok("Hono app.request: 402 unpaid, pay402 wrapFetch pays exact EIP-3009 (200 + receipt)");
  const x402 = x402Fetch(viaApp);
  for (const route of ["/eip3009", "/permit2", "/mw/upto"]) {
    const before = fac.calls.length;
    const res = await x402(`http://localhost${route}`);
    assert.equal(res.status, 200, `${route}: ${await res.clone().text()}`);
    assert.equal(fac.calls.length, before + 1);
    assert.equal(receipt(res).success, true);
  }
  assert.equal(fac.calls.at(-1).paymentRequirements.amount, "8400");
  t.ok("Hono app.request: @x402/fetch pays exact EIP-3009, exact Permit2 (withPayment) and upto (honoPaywall, charged 8400 of 50000)");
  const s = await payWithSolana(p, fac, "http://localhost/solana", viaApp);
  assert.equal(s.status, 200, await s.clone().text());
  t.ok("Hono app.request: pay402 pays Solana exact with fee payer");
  crashes = 1;
  const unpaidFlaky = await app.request("http://localhost/flaky");
  const [name, value] = await paymentFor(p, unpaidFlaky);
  const before = fac.calls.length;
  const crashed = await app.request("http://localhost/flaky", { headers: { [name]: value } });
  assert.equal(crashed.status, 500);
  assert.equal(fac.calls.length, before);
  const retry = await app.request("http://localhost/flaky", { headers: { [name]: value } });
  assert.equal(retry.status, 200);
  assert.equal(fac.calls.length, before + 1);
  t.ok("Hono: crash after verify settles nothing; the same payment retried gets 200");
}
{
  const server = await new Promise((resolve) => { const s = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(s)); });
  const url = (path) => `http://127.0.0.1:${server.address().port}${path}`;
  const x402 = x402Fetch();
  for (const route of ["/eip3009", "/permit2", "/mw/upto"]) {
    const res = await x402(url(route));
    assert.equal(res.status, 200, `${route}: ${await res.clone().text()}`);
    assert.equal(receipt(res).success, true);
  }
  assert.equal((await pay402Fetch(p)(url("/eip3009"))).status, 200);
  assert.equal((await payWithSolana(p, fac, url("/solana"))).status, 200);
  const unpaid = await fetch(url("/eip3009"));
  const [name, value] = await paymentFor(p, unpaid);
  assert.equal((await fetch(url("/eip3009"), { headers: { [name]: value } })).status, 200);
  const replay = await fetch(url("/eip3009"), { headers: { [name]: value } });
  assert.equal(replay.status, 402);
  assert.equal((await replay.json()).error, "payment_already_used");
  t.ok("Hono over HTTP (@hono/node-server, 127.0.0.1): @x402/fetch pays EIP-3009, Permit2, upto; pay402 pays EIP-3009 and Solana; replay refused");
  server.close();
}

// ---------------------------------------------------------------- Next.js-style route handler
// app/api/premium/route.js would be:  export const GET = withPayment(async (request) => …, config)
const route = {
  GET: p.withPayment(async (request, context) => Response.json({ payer: p.paymentOf(request).payer, params: await context?.params }),
    { ...base, offers: [OFFERS.eip3009, OFFERS.permit2, OFFERS.upto, OFFERS.solana] }),
};
{
  const unpaid = await route.GET(new Request("https://shop.example/api/premium"), { params: Promise.resolve({}) });
  assert.equal(unpaid.status, 402);
  const accepts = JSON.parse(atob(unpaid.headers.get("PAYMENT-REQUIRED"))).accepts;
  assert.deepEqual(accepts.map((a) => `${a.scheme}:${a.network.split(":")[0]}`), ["exact:eip155", "exact:eip155", "upto:eip155", "exact:solana"]);
  assert.equal(JSON.parse(atob(unpaid.headers.get("PAYMENT-REQUIRED"))).resource.url, "https://shop.example/api/premium");
  const call = async (input, init) => route.GET(new Request(input, init), { params: Promise.resolve({ slug: "premium" }) });
  const r = await pay402Fetch(p, call)("https://shop.example/api/premium");
  assert.equal(r.status, 200, await r.clone().text());
  assert.deepEqual(await r.json(), { payer: PAYER, params: { slug: "premium" } });
  t.ok("Next.js-style GET = withPayment(...): WHATWG Request in, 402 with four offers, pay402 pays, context passed through");
  const server = await new Promise((resolve) => { const s = serve({ fetch: (req) => route.GET(req, { params: Promise.resolve({}) }), port: 0, hostname: "127.0.0.1" }, () => resolve(s)); });
  const url = `http://127.0.0.1:${server.address().port}/api/premium`;
  const x402 = x402Fetch();
  const res = await x402(url);
  assert.equal(res.status, 200, await res.clone().text());
  assert.equal((await payWithSolana(p, fac, url)).status, 200);
  t.ok("Next.js-style GET over HTTP on 127.0.0.1: @x402/fetch and pay402 (Solana) pay the multi-offer route");
  server.close();
}

// ---------------------------------------------------------------- the 402 body says why
// The core writes the body: `error` (the code, also the PAYMENT-REQUIRED JSON's `error`),
// `errorDetail` when there is one, and `errorMessage`, inside the x402 v1 body (this offer has a
// v1 form). A hook's abort gives the code (`reason`) and the message.
{
  const why = p.withPayment(payerOf, { ...base, offers: [OFFERS.eip3009], hooks: {
    beforeVerify: ({ request }) => (request.headers.get("x-quota") === "0"
      ? { abort: true, reason: "quota_exceeded", message: "daily quota \"0\" left\n— retry tomorrow" } : undefined),
    beforeSettle: ({ request }) => (request.headers.get("x-stock") === "0"
      ? { abort: true, reason: "out_of_stock", message: "sold out; nothing was charged" } : undefined),
  } });
  const header = (r) => JSON.parse(atob(r.headers.get("PAYMENT-REQUIRED")));
  const unpaid = await why(new Request("http://localhost/why"));
  const body = await unpaid.json();
  assert.equal(unpaid.status, 402);
  assert.deepEqual(Object.keys(body), ["x402Version", "error", "errorMessage", "accepts"]);
  assert.equal(body.error, "payment_required");
  assert.ok(typeof body.errorMessage === "string" && body.errorMessage.length > 0);
  assert.equal(header(unpaid).error, "payment_required");
  assert.equal(header(unpaid).errorMessage, undefined);

  const aborted = await why(new Request("http://localhost/why", { headers: { "x-quota": "0" } }));
  const abortedBody = await aborted.json();
  assert.equal(aborted.status, 402);
  assert.deepEqual([abortedBody.error, abortedBody.errorMessage], ["quota_exceeded", "daily quota \"0\" left\n— retry tomorrow"]);
  assert.equal(header(aborted).error, "quota_exceeded");

  const [name, value] = await paymentFor(p, unpaid);
  const bad = await why(new Request("http://localhost/why", { headers: { [name]: value.slice(0, -8) + "AAAAAAA=" } }));
  const badBody = await bad.json();
  assert.equal(bad.status, 402);
  assert.ok(typeof badBody.errorMessage === "string" && badBody.errorMessage.length > 0);
  assert.equal(header(bad).error, badBody.error);

  const before = fac.calls.length;
  const withheld = await why(new Request("http://localhost/why", { headers: { [name]: value, "x-stock": "0" } }));
  const withheldBody = await withheld.json();
  assert.equal(withheld.status, 402);
  assert.equal(fac.calls.length, before, "the hook refused before the facilitator");
  assert.deepEqual([withheldBody.error, withheldBody.errorMessage], ["out_of_stock", "sold out; nothing was charged"]);
  assert.equal(receipt(withheld).errorMessage, "sold out; nothing was charged");
  t.ok("the 402 body says why: payment_required with a message; a hook's abort reason and message; a bad payment's code and message; a withheld settlement's reason and message");
}

fac.close();
console.log(`server-fetch: ${t.passed} passed, 0 failed`);
