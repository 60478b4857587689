// The paywall page served by the npm package's server adapters: Express (`pay`, `x402Middleware`,
// through supertest) and the Fetch handler (`withPayment`) on node:http (@hono/node-server's
// request listener, real HTTP on 127.0.0.1). Which request gets the page is the core's decision:
// the cases are the shared vectors tests/conformance/vectors/page.json (op `page.presentation`:
// RFC 9110 §12.5.1 Accept negotiation, Fetch Metadata Sec-Fetch-Dest), sent as real requests.
// The page reply's headers are typed here from the page's contract; the embedded offers are
// decoded with atob/JSON and compared with the JSON 402's PAYMENT-REQUIRED `accepts`. Also: the
// opt-out, theme and messages from the config, the `html` hook, escaping, config errors with the
// core's codes, the README's page examples, and the served page's gzip size.
//   node server-page.mjs <page.json> <README.md>   (inside a project where `pay402` is installed)
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import express from "express";
import request from "supertest";
import { getRequestListener } from "@hono/node-server";
import * as p from "pay402";
import { template as packagedTemplate } from "pay402/paywall-page";
import { OFFERS, counter } from "./server-fixtures.mjs";

const [vectorsPath, readmePath] = process.argv.slice(2);
const CASES = JSON.parse(readFileSync(vectorsPath, "utf8")).cases.filter((c) => c.op === "page.presentation");
const t = counter();

const PAGE_HEADERS = {
  "content-type": "text/html; charset=utf-8",
  "cache-control": "no-store",
  vary: "Accept, Sec-Fetch-Dest",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "content-security-policy": "frame-ancestors 'none'; object-src 'none'",
};
const BROWSER = [
  ["Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"],
  ["Sec-Fetch-Dest", "document"],
  ["User-Agent", "Mozilla/5.0 (X11; Linux x86_64) Chrome/140.0"],
];
const API = [["Accept", "application/json"]];
const DESCRIPTION = 'The <script>alert("x")</script> & report';
const base = { env: false, facilitatorUrl: "http://127.0.0.1:9/", resource: { description: DESCRIPTION } };
const TWO = [OFFERS.eip3009, { ...OFFERS.eip3009, network: "eip155:8453", asset: "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913" }];

// --- the servers -------------------------------------------------------------------------------
const routes = {
  "/paid": {},
  "/raw": { page: false },
  "/strict-ua": { page: { requireMozillaUserAgent: true } },
  "/themed": { page: { title: "Tom's <shop> & co", colors: { accent: "#005A9C", accentText: "#ffffff" }, messages: { pay: "Bezahlen" }, lang: "de" } },
  "/hook": {
    page: {
      html: (info, req) => {
        hookCalls.push({ info, url: req.url });
        return req.url.includes("default") ? undefined : `<!doctype html><title>Pay</title>${info.meta}<h1>Custom</h1>`;
      },
    },
  },
};
const hookCalls = [];

const app = express();
for (const [path, extra] of Object.entries(routes)) {
  app.all(path, p.pay({ ...base, offers: TWO, ...extra }), (req, res) => res.json({ ok: true }));
}
// x402Middleware (x402 payment requirements as the offers): admits without settling
const middlewareAccepts = [{
  scheme: "exact", network: "eip155:84532", asset: OFFERS.eip3009.asset, amount: "10000", payTo: OFFERS.eip3009.payTo,
  maxTimeoutSeconds: 60, extra: { name: "USDC", version: "2" },
}];
app.all("/mw", p.x402Middleware(middlewareAccepts, { resource: { url: "http://localhost/mw", description: DESCRIPTION } }), (req, res) => res.json({ ok: true }));
app.all("/mw-raw", p.x402Middleware(middlewareAccepts, { page: false }), (req, res) => res.json({ ok: true }));

const fetchHandlers = Object.fromEntries(Object.entries(routes).map(([path, extra]) =>
  [path, p.withPayment(() => Response.json({ ok: true }), { ...base, offers: TWO, ...extra })]));
const listener = getRequestListener((req) => {
  const handler = fetchHandlers[new URL(req.url).pathname];
  return handler ? handler(req) : new Response("not found", { status: 404 });
});
const server = createServer(listener);
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const origin = `http://127.0.0.1:${server.address().port}`;

/** `get(method, path, headers)` → `{ status, headers (lower-case names), body (Buffer) }`. */
const clients = {
  async express(method, path, headers) {
    let req = request(app)[method.toLowerCase()](path).buffer(true).parse((res, cb) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => cb(null, Buffer.concat(chunks)));
    });
    const merged = {};
    for (const [k, v] of headers) merged[k.toLowerCase()] = merged[k.toLowerCase()] ? `${merged[k.toLowerCase()]}, ${v}` : v;
    for (const [k, v] of Object.entries(merged)) req = req.set(k, v);
    const r = await req;
    return { status: r.status, headers: r.headers, body: Buffer.isBuffer(r.body) ? r.body : Buffer.from(r.text ?? "") };
  },
  async fetch(method, path, headers) {
    const h = new Headers();
    for (const [k, v] of headers) h.append(k, v);
    const r = await fetch(origin + path, { method, headers: h });
    return { status: r.status, headers: Object.fromEntries([...r.headers].map(([k, v]) => [k.toLowerCase(), v])), body: Buffer.from(await r.arrayBuffer()) };
  },
};

// --- reading the answers -----------------------------------------------------------------------
function pageData(body) {
  const m = body.toString("utf8").match(/<meta name="pay402-page" content="([A-Za-z0-9+/=]*)">/);
  assert.ok(m, body.toString("utf8").slice(0, 400));
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(m[1]), (c) => c.charCodeAt(0))));
}
const acceptsOf = (paymentRequired) => JSON.parse(atob(paymentRequired)).accepts;

function assertPage(r, method = "GET") {
  assert.equal(r.status, 402);
  for (const [name, value] of Object.entries(PAGE_HEADERS)) assert.equal(r.headers[name], value, name);
  assert.ok(r.headers["payment-required"]);
  if (method === "HEAD") return;
  assert.ok(r.body.toString("utf8").startsWith("<!doctype html>"), r.body.toString("utf8").slice(0, 100));
  assert.equal(pageData(r.body).paymentRequired, r.headers["payment-required"]);
}
function assertApi(r, vary) {
  assert.equal(r.status, 402, r.body.toString("utf8").slice(0, 200));
  assert.match(r.headers["content-type"] ?? "", /^application\/json/);
  JSON.parse(r.body.toString("utf8"));
  assert.equal(r.headers.vary, vary);
  assert.equal(r.headers["content-security-policy"], undefined);
}

// --- the tests ---------------------------------------------------------------------------------
for (const [name, get] of Object.entries(clients)) {
  let checked = 0;
  for (const c of CASES) {
    const { method, headers, policy = {} } = c.input;
    if (method !== method.toUpperCase()) continue; // clients upper-case methods; the core's runners cover it
    const path = policy.enabled === false ? "/raw" : policy.require_mozilla_user_agent ? "/strict-ua" : "/paid";
    const r = await get(method, path, headers);
    const isPage = (r.headers["content-type"] ?? "").startsWith("text/html");
    assert.equal(isPage, c.expect.ok.presentation === "page", `${name}: ${c.name}: ${r.status} ${r.headers["content-type"]}`);
    if (isPage) assertPage(r, method);
    else {
      assert.equal(r.status, 402, `${name}: ${c.name}`);
      assert.match(r.headers["content-type"] ?? "", /^application\/json/, `${name}: ${c.name}`);
    }
    checked++;
  }
  assert.equal(checked, CASES.length - 1);
  t.ok(`${name}: the core decides page or API for ${checked} page.presentation vectors`);

  const paths = name === "express" ? ["/paid", "/mw"] : ["/paid"];
  for (const path of paths) {
    const page = await get("GET", path, BROWSER);
    assertPage(page);
    const api = await get("GET", path, API);
    assertApi(api, "Accept, Sec-Fetch-Dest");
    const embedded = pageData(page.body).paymentRequired;
    assert.deepEqual(acceptsOf(embedded), acceptsOf(api.headers["payment-required"]));
    assert.equal(acceptsOf(embedded).length, path === "/paid" ? 2 : 1);
    const html = page.body.toString("utf8");
    assert.ok(html.includes("0.01 USDC"), "the server-rendered price");
    assert.ok(html.includes('&lt;script&gt;alert("x")&lt;/script&gt; &amp; report'));
    assert.ok(!html.includes('<script>alert("x")'));
    assert.equal(pageData(page.body).resource.description, DESCRIPTION);
  }
  t.ok(`${name}: the page and the JSON 402 carry the same offers (${paths.join(", ")}); the description is escaped`);

  for (const path of name === "express" ? ["/raw", "/mw-raw"] : ["/raw"]) assertApi(await get("GET", path, BROWSER), undefined);
  t.ok(`${name}: page: false gives the JSON 402 to a browser (no Vary)`);

  {
    const r = await get("GET", "/themed", BROWSER);
    assertPage(r);
    const html = r.body.toString("utf8");
    assert.ok(html.includes("<title>Tom's &lt;shop&gt; &amp; co</title>"));
    assert.ok(html.includes("--pay402-accent:#005a9c;"));
    assert.ok(html.includes('<html lang="de"'));
    assert.deepEqual(pageData(r.body).messages, { pay: "Bezahlen" });
  }
  t.ok(`${name}: title, colours, language and messages from the config`);

  {
    hookCalls.length = 0;
    const r = await get("GET", "/hook", BROWSER);
    assert.equal(r.status, 402);
    for (const [n, v] of Object.entries(PAGE_HEADERS)) assert.equal(r.headers[n], v, n);
    const html = r.body.toString("utf8");
    assert.ok(html.startsWith('<!doctype html><title>Pay</title><meta name="pay402-page" content="'), html.slice(0, 120));
    assert.ok(html.endsWith('"><h1>Custom</h1>'));
    assert.equal(pageData(r.body).paymentRequired, r.headers["payment-required"]);
    assert.equal(pageData(r.body).resource.description, DESCRIPTION);
    assert.equal(hookCalls[0].info.paymentRequired, r.headers["payment-required"]);
    assert.equal(hookCalls[0].info.description, DESCRIPTION);
    assertPage(await get("GET", "/hook?default", BROWSER)); // undefined keeps the page
    assertApi(await get("GET", "/hook", API), "Accept, Sec-Fetch-Dest"); // API clients never see the hook
    assert.equal(hookCalls.length, 2);
  }
  t.ok(`${name}: the html hook's page is served with the core's status and headers`);
}

{
  const bad = (page) => {
    try {
      p.pay({ ...base, offers: TWO, page });
    } catch (e) {
      assert.ok(e instanceof TypeError);
      assert.equal(e.code, "invalid_config");
      return e.detailCode ?? e.message;
    }
    throw new Error("no error");
  };
  assert.equal(bad({ colors: { text: "#777777" } }), "theme_low_contrast");
  assert.equal(bad({ template: "<title>{{pay402.title}}</title>" }), "template_slot_missing");
  assert.equal(bad({ rpc: { "eip155:8453": "javascript:alert(1)" } }), "page_rpc_invalid");
  assert.match(bad({ colour: "blue" }), /config\.page\.colour: unknown field/);
  assert.match(bad("yes"), /expected false, true or an object/);
  t.ok("config errors carry the core's codes (theme_low_contrast, template_slot_missing, page_rpc_invalid)");
}

{
  assert.ok(!/<script[^>]*\bsrc=/.test(packagedTemplate) && !/<link[^>]*\bhref=/.test(packagedTemplate));
  const r = await clients.fetch("GET", "/paid", BROWSER);
  console.log(`served page: ${r.body.length} B, gzip -9 ${gzipSync(r.body, { level: 9 }).length} B`);
  t.ok("pay402/paywall-page: one self-contained template (no external script or stylesheet)");
}

// --- L402: l402Paywall on node:http, withL402 on node:http via the Fetch listener ---------------
{
  // the fewsats-python README invoice, its payment hash, the clock one minute after it (as server-l402.mjs)
  const INVOICE = "lnbc170n1pnv7wrapp5perxlk25ywqwr05tpgzs0yyhswwg38jfmn9ec3qeqe92ujnpzyusdq024f5kgzgda6hxegcqzzsxqyz5vqsp54ceypjapjxntxrtnhkyfrds7m5u9stn8x6gkmf5dx6z56ksy6l3q9qxpqysgqnkxdtwqxhkvrav3d3wv83yxn45yrdywxu2mnyh4p7ecncuqsv4gn0xrfl6w57hd9lnc5eghdf536dqy5gf2uuly04nrtdjcwvezkt6cqtttnzj";
  const options = (extra = {}) => ({
    service: "weather", priceMsat: 17_000, network: "bitcoin", secret: new Uint8Array(32).fill(7), now: () => 1_724_856_505,
    invoiceProvider: () => ({ bolt11: INVOICE, paymentHash: "0e466fd9542380e1be8b0a05079097839c889e49dccb9c4419064aae4a611139" }),
    description: "Weather <now>", ...extra,
  });
  const node = (paywall) => createServer((req, res) => paywall(req, res, () => res.end("paid")));
  const fetchServer = (handler) => createServer(getRequestListener(handler));
  const servers = {
    "l402Paywall": [node(p.l402Paywall(options())), node(p.l402Paywall(options({ page: false })))],
    "withL402": [fetchServer(p.withL402(() => new Response("paid"), options())),
      fetchServer(p.withL402(() => new Response("paid"), options({ page: false })))],
  };
  for (const [name, [on, off]] of Object.entries(servers)) {
    const urls = [];
    for (const s of [on, off]) {
      await new Promise((r) => s.listen(0, "127.0.0.1", r));
      urls.push(`http://127.0.0.1:${s.address().port}/weather`);
    }
    const get = async (url, headers) => {
      const r = await fetch(url, { headers });
      return { status: r.status, headers: Object.fromEntries(r.headers), challenges: r.headers.get("www-authenticate"), body: Buffer.from(await r.arrayBuffer()) };
    };
    const r = await get(urls[0], BROWSER);
    assert.equal(r.status, 402);
    for (const [n, v] of Object.entries(PAGE_HEADERS)) assert.equal(r.headers[n], v, `${name} ${n}`);
    const chosen = p.l402ParseChallenges([r.challenges]).find((c) => c.scheme === "L402");
    const data = pageData(r.body);
    assert.equal(data.l402.invoice, INVOICE);
    assert.equal(chosen.invoice, INVOICE);
    assert.equal(data.l402.macaroon, chosen.macaroon);
    assert.equal(data.l402.amountMsat, 17_000);
    assert.equal(data.paymentRequired, undefined);
    assert.equal(data.resource.description, "Weather <now>");
    assert.ok(r.body.toString("utf8").includes("17 sat"));
    const api = await get(urls[0], API);
    assert.equal(api.status, 402);
    assert.ok(!(api.headers["content-type"] ?? "").startsWith("text/html"));
    assert.equal(api.headers.vary, "Accept, Sec-Fetch-Dest");
    const optedOut = await get(urls[1], BROWSER);
    assert.equal(optedOut.status, 402);
    assert.ok(!(optedOut.headers["content-type"] ?? "").startsWith("text/html"));
    assert.equal(optedOut.headers.vary, undefined);
    on.close();
    off.close();
    t.ok(`${name}: a browser gets the page with the invoice and the macaroon of the core's challenge; API and page: false the bare 402`);
  }
}

// --- a bundled server alone (no node_modules): the template given, or the JSON 402 --------------
{
  const { build } = await import("esbuild");
  const dir = mkdtempSync(join(tmpdir(), "pay402-page-bundle-"));
  const offer = JSON.stringify(OFFERS.eip3009);
  const app = (withTemplate) => `import { withPayment } from "pay402";
${withTemplate ? 'import { template } from "pay402/paywall-page";' : ""}
const handler = withPayment(() => new Response("ok"), { env: false, facilitatorUrl: "http://127.0.0.1:9/", offers: [${offer}],
  ${withTemplate ? "page: { template }," : ""} });
const r = await handler(new Request("http://x/r", { headers: { accept: "text/html", "sec-fetch-dest": "document" } }));
console.log(JSON.stringify({ status: r.status, type: r.headers.get("content-type"), vary: r.headers.get("vary") }));
`;
  for (const withTemplate of [true, false]) {
    const entry = resolve(`page-bundle-${withTemplate}.mjs`);
    writeFileSync(entry, app(withTemplate));
    const outfile = join(dir, `bundle-${withTemplate}.mjs`);
    await build({ entryPoints: [entry], bundle: true, platform: "node", format: "esm", outfile, logLevel: "silent" });
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [outfile], { cwd: dir });
    const got = JSON.parse(stdout.trim().split("\n").pop());
    assert.equal(got.status, 402);
    if (withTemplate) assert.equal(got.type, "text/html; charset=utf-8");
    else {
      assert.match(got.type, /^application\/json/);
      assert.match(stderr, /pay402: the paywall page template \(pay402\/paywall-page\) could not be loaded/);
    }
  }
  rmSync(dir, { recursive: true, force: true });
  t.ok("a bundled server alone: page: { template } serves the page; without it, the JSON 402 and one warning");
}

// --- the README's page examples, run as written ------------------------------------------------
{
  const readme = readFileSync(readmePath, "utf8");
  const examples = {};
  for (const m of readme.matchAll(/<!-- page-example: (\w+)[^>]*-->\n```js\n([\s\S]*?)```/g)) examples[m[1]] = m[2];
  assert.deepEqual(Object.keys(examples).sort(), ["hook", "theme"]);
  for (const [name, text] of Object.entries(examples)) {
    const file = resolve(`readme-page-${name}.mjs`);
    writeFileSync(file, text);
    const { default: exampleApp } = await import(pathToFileURL(file).href);
    const browser = await request(exampleApp).get("/report").set("Accept", "text/html").set("Sec-Fetch-Dest", "document");
    assert.equal(browser.status, 402);
    const api = await request(exampleApp).get("/report").set("Accept", "application/json");
    assert.equal(api.status, 402);
    assert.match(api.headers["content-type"], /^application\/json/);
    if (name === "theme") {
      assert.match(browser.text, /<title>Acme reports<\/title>/);
      const free = await request(exampleApp).get("/api/report").set("Accept", "text/html").set("Sec-Fetch-Dest", "document");
      assert.match(free.headers["content-type"], /^application\/json/); // opted out
    } else {
      assert.match(browser.text, /<h1>Acme: pay to read<\/h1>/);
      assert.match(browser.text, /<meta name="pay402-page" content="[A-Za-z0-9+/=]+">/);
    }
    assert.equal(browser.headers["content-security-policy"], PAGE_HEADERS["content-security-policy"]);
  }
  t.ok("the README's page examples (theme + opt-out, html hook) run as written");
}

server.close();
console.log(`server-page: ${t.passed} passed`);
