// The selling examples of the package README (`<!-- example: NAME -->` blocks), run as written:
// each block becomes a module in this project, is imported, and is paid — by @x402/fetch
// (EIP-3009, upto) and pay402's client (EIP-3009, Solana) — against a facilitator on 127.0.0.1.
// Two substitutions, both of what a deployment provides: the Worker's bundler-provided .wasm
// import becomes a read of the file, and its placeholder facilitator URL the local one.
//   node server-readme.mjs <README.md>   (run inside a project where `pay402` is installed)
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import * as p from "pay402";
import { OFFERS, PAY_TO, PAYER, startFacilitator, x402Fetch, pay402Fetch, payWithSolana, receipt, counter } from "./server-fixtures.mjs";

const readme = readFileSync(process.argv[2], "utf8");
const examples = {};
for (const m of readme.matchAll(/<!-- example: (\w+)[^>]*-->\n```js\n([\s\S]*?)```/g)) examples[m[1]] = m[2];
assert.deepEqual(Object.keys(examples).sort(), ["edge", "express", "hono", "next"]);

const t = counter();
const fac = await startFacilitator();
Object.assign(process.env, {
  PAY402_NETWORK: "eip155:84532", PAY402_ASSET: OFFERS.eip3009.asset, PAY402_PAY_TO: PAY_TO,
  PAY402_EIP712_NAME: "USDC", PAY402_EIP712_VERSION: "2", PAY402_FACILITATOR_URL: fac.url,
});
const wasmPath = join(dirname(createRequire(import.meta.url).resolve("pay402/package.json")), "web", "pay402_bg.wasm");
async function load(name, text) {
  const file = resolve(`readme-${name}.mjs`);
  writeFileSync(file, text);
  return import(pathToFileURL(file).href);
}

{
  const app = (await load("express", examples.express)).default;
  const server = await new Promise((r) => { const s = app.listen(0, "127.0.0.1", () => r(s)); });
  const url = (path) => `http://127.0.0.1:${server.address().port}${path}`;
  const unpaid = await fetch(url("/premium"));
  assert.equal(unpaid.status, 402);
  assert.equal(JSON.parse(atob(unpaid.headers.get("PAYMENT-REQUIRED"))).accepts[0].amount, "10000");
  const x402 = x402Fetch();
  const premium = await x402(url("/premium"));
  assert.equal(premium.status, 200, await premium.clone().text());
  assert.equal((await premium.json()).payer, PAYER);
  const metered = await x402(url("/metered"));
  assert.equal(metered.status, 200, await metered.clone().text());
  assert.equal(fac.calls.at(-1).paymentRequirements.amount, "8400");
  assert.equal((await fetch(url("/reports/daily"))).status, 402);
  const report = await pay402Fetch(p)(url("/reports/daily"));
  assert.equal(report.status, 200);
  assert.equal(fac.calls.at(-1).paymentRequirements.amount, "50000");
  assert.equal(receipt(report).success, true);
  t.ok("README express: /premium (PAY402_* + price) and /metered (upto, 8400 charged) paid by @x402/fetch, /reports/* by pay402");
  server.closeAllConnections();
  server.close();
}
{
  const app = (await load("hono", examples.hono)).default;
  const via = async (input, init) => app.request(new Request(input, init));
  const r = await pay402Fetch(p, via)("http://localhost/premium/data");
  assert.equal(r.status, 200, await r.clone().text());
  assert.equal((await r.json()).payer, PAYER);
  const s = await payWithSolana(p, fac, "http://localhost/sol", via);
  assert.equal(s.status, 200, await s.clone().text());
  t.ok("README hono: honoPaywall route paid by pay402 (EIP-3009), wrapped Solana handler paid by pay402");
}
{
  const { GET } = await load("next", examples.next);
  const r = await pay402Fetch(p, async (input, init) => GET(new Request(input, init)))("https://shop.example/api/premium");
  assert.equal(r.status, 200, await r.clone().text());
  t.ok("README next: GET = withPayment(...) paid by pay402");
}
{
  const text = examples.edge
    .replace('import wasm from "pay402/web/pay402_bg.wasm";', `import { readFileSync } from "node:fs";\nconst wasm = readFileSync(${JSON.stringify(wasmPath)});`)
    .replace('"https://facilitator.example"', JSON.stringify(fac.url));
  assert.notEqual(text, examples.edge);
  const worker = (await load("edge", text)).default;
  const x402 = x402Fetch(async (input, init) => worker.fetch(new Request(input, init)));
  const r = await x402("https://edge.example/x");
  assert.equal(r.status, 200, await r.clone().text());
  assert.equal(receipt(r).success, true);
  t.ok("README edge: the Worker on pay402/web paid by @x402/fetch");
}
fac.close();
console.log(`server-readme: ${t.passed} passed, 0 failed`);
