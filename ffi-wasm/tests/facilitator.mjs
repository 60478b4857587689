// pay402/facilitator against facilitators on real loopback sockets (node:http): routing by
// /supported (fetched lazily, cached, refreshed), retries with back-off and Retry-After on /verify,
// failover, per-facilitator timeouts and auth headers, and the settle rule: a /settle that may
// have arrived is never sent again (each server counts what it received), one that was refused
// at connect time fails over. Also runs the README's facilitator example.
//   node facilitator.mjs      (in a project with pay402 installed)
import { createServer } from "node:http";
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { FacilitatorClient, FacilitatorError, VerifyError, SettleError } from "pay402/facilitator";
import { harness } from "./harness.mjs";

const { t, eq, result } = harness();
const TX = "0x" + "cd".repeat(32);
const PAYER = "0x19E7E376E7C213B7E7e7e46cc70A5dD086DAff2A";
const SEPOLIA = { x402Version: 2, scheme: "exact", network: "eip155:84532" };
const MAINNET = { x402Version: 2, scheme: "exact", network: "eip155:8453" };
const payload = { x402Version: 2, accepted: { scheme: "exact", network: "eip155:84532" }, payload: { signature: "0x00" } };
const requirements = { scheme: "exact", network: "eip155:84532", amount: "10000", asset: "0x036CbD53842c5426634e7929541eC2318f3dCF7e",
  payTo: "0x209693Bc6afc0C5328bA36FaF03C514EF312287C", maxTimeoutSeconds: 60, extra: { name: "USDC", version: "2" } };
const onMainnet = { ...requirements, network: "eip155:8453" };

// A facilitator answering from a script per path (one behaviour per request, the last repeating):
// "ok", "invalid", "fail", "500", "429:<Retry-After>", "hang". `received` records every request.
async function peer(name, kinds) {
  const p = { name, kinds, script: {}, received: [], hanging: [] };
  p.count = (path) => p.received.filter((r) => r.path === path).length;
  const server = createServer((req, res) => {
    let data = "";
    req.on("data", (c) => (data += c)).on("end", () => {
      const path = "/" + req.url.split("/").pop();
      const body = data ? JSON.parse(data) : undefined;
      p.received.push({ path, headers: req.headers, body });
      const steps = p.script[path] ?? ["ok"];
      const b = steps.length > 1 ? steps.shift() : steps[0];
      const send = (status, json, headers = {}) => {
        res.writeHead(status, { "content-type": "application/json", connection: "close", ...headers });
        res.end(typeof json === "string" ? json : JSON.stringify(json));
      };
      if (b === "hang") { p.hanging.push(res); return; }
      if (b === "500") return send(500, "internal error");
      if (b.startsWith("429:")) return send(429, { error: "rate limited" }, { "retry-after": b.slice(4) });
      if (path === "/supported") return send(200, { kinds: p.kinds, extensions: [], signers: {} });
      const network = body?.paymentRequirements?.network;
      if (path === "/verify") {
        return b === "invalid" ? send(200, { isValid: false, invalidReason: "insufficient_funds", payer: PAYER })
          : send(200, { isValid: true, payer: PAYER });
      }
      if (b === "fail") return send(200, { success: false, errorReason: "insufficient_funds", transaction: "", network });
      return send(200, { success: true, transaction: TX, network, payer: PAYER, by: name });
    });
  });
  await new Promise((res) => server.listen(0, "127.0.0.1", res));
  p.url = `http://127.0.0.1:${server.address().port}/facilitator`;
  p.close = () => new Promise((res) => { for (const h of p.hanging) h.destroy(); server.closeAllConnections?.(); server.close(res); });
  return p;
}
async function freeUrl() {
  const s = createServer();
  await new Promise((res) => s.listen(0, "127.0.0.1", res));
  const port = s.address().port;
  await new Promise((res) => s.close(res));
  return `http://127.0.0.1:${port}`;
}
async function withPeers(fn) {
  const a = await peer("a", [SEPOLIA]), b = await peer("b", [SEPOLIA, MAINNET]);
  try { await fn(a, b); } finally { await a.close(); await b.close(); }
}
const recording = (sleeps, attempts = 3) => ({
  retry: { attempts, baseDelayMs: 200, maxDelayMs: 5000, jitter: 0.5 },
  sleep: async (ms) => { sleeps.push(ms); }, random: () => 0,
});
async function rejects(promise, cls, code) {
  try { await promise; } catch (e) {
    if (!(e instanceof cls)) throw new Error(`expected ${cls.name}, got ${e && e.stack}`);
    eq(e.code, code, "code");
    return e;
  }
  throw new Error("did not throw");
}
const same = (a, b, what) => eq(JSON.stringify(a), JSON.stringify(b), what);

await t("routes by /supported kinds, fetched lazily, cached, refreshed after supportedTtlMs", () => withPeers(async (a, b) => {
  let now = 1_000_000;
  const client = new FacilitatorClient([a.url, b.url], { now: () => now, supportedTtlMs: 60_000 });
  eq(a.received.length + b.received.length, 0, "nothing fetched before it is needed");
  eq((await client.verify(payload, requirements)).isValid, true, "verify");
  eq((await client.settle(payload, onMainnet)).by, "b", "only b settles on eip155:8453");
  same(a.received.map((r) => r.path), ["/supported", "/verify"], "a received");
  same(b.received.map((r) => r.path), ["/supported", "/settle"], "b received");
  same(b.received[1].body, { x402Version: 2, paymentPayload: payload, paymentRequirements: onMainnet }, "settle body");
  now += 59_000;
  await client.verify(payload, requirements);
  eq(a.count("/supported") + b.count("/supported"), 2, "cached");
  now += 1_000;
  await client.verify(payload, requirements);
  eq(a.count("/supported") + b.count("/supported"), 4, "refreshed");
}));

await t("a kind nobody supports: facilitator_unsupported_kind, nothing sent", () => withPeers(async (a, b) => {
  const client = new FacilitatorClient([a.url, b.url]);
  await rejects(client.settle(payload, { ...requirements, network: "eip155:1" }), FacilitatorError, "facilitator_unsupported_kind");
  eq(a.count("/settle") + b.count("/settle"), 0, "settles");
}));

await t("verify waits a 429's Retry-After, then succeeds on the same facilitator", () => withPeers(async (a, b) => {
  a.script["/verify"] = ["429:2", "ok"];
  const sleeps = [];
  const client = new FacilitatorClient([a.url, b.url], recording(sleeps));
  eq((await client.verify(payload, requirements)).isValid, true, "verify");
  same(sleeps, [2000], "sleeps");
  eq(a.count("/verify"), 2, "a"); eq(b.count("/verify"), 0, "b");
}));

await t("verify backs off exponentially on 5xx, then fails over", () => withPeers(async (a, b) => {
  a.script["/verify"] = ["500"];
  const sleeps = [];
  const client = new FacilitatorClient([a.url, b.url], recording(sleeps));
  eq((await client.verify(payload, requirements)).isValid, true, "verify");
  same(sleeps, [200, 400], "sleeps");
  eq(a.count("/verify"), 3, "a"); eq(b.count("/verify"), 1, "b");
}));

await t("a Retry-After beyond maxDelayMs fails over at once", () => withPeers(async (a, b) => {
  a.script["/verify"] = ["429:3600"];
  const sleeps = [];
  const client = new FacilitatorClient([a.url, b.url], recording(sleeps));
  await client.verify(payload, requirements);
  same(sleeps, [], "sleeps"); eq(a.count("/verify"), 1, "a"); eq(b.count("/verify"), 1, "b");
}));

await t("verify times out per facilitator, then fails over", () => withPeers(async (a, b) => {
  a.script["/verify"] = ["hang"];
  const started = Date.now();
  const client = new FacilitatorClient([{ url: a.url, timeoutMs: 300 }, { url: b.url, timeoutMs: 5000 }], { retry: { attempts: 1 } });
  eq((await client.verify(payload, requirements)).isValid, true, "verify");
  if (Date.now() - started > 4000) throw new Error("waited past the timeout");
  eq(a.count("/verify"), 1, "a"); eq(b.count("/verify"), 1, "b");
}));

await t("a verdict (isValid false) is not retried nor sent elsewhere", () => withPeers(async (a, b) => {
  a.script["/verify"] = ["invalid"];
  const e = await rejects(new FacilitatorClient([a.url, b.url]).verify(payload, requirements), VerifyError, "insufficient_funds");
  eq(e.name, "VerifyError", "name"); eq(e.status, 200, "status"); eq(e instanceof FacilitatorError, true, "subclass");
  eq(a.count("/verify"), 1, "a"); eq(b.count("/verify"), 0, "b");
}));

await t("verify exhausted everywhere: the last error", () => withPeers(async (a, b) => {
  a.script["/verify"] = ["500"]; b.script["/verify"] = ["500"];
  const e = await rejects(new FacilitatorClient([a.url, b.url], recording([], 2)).verify(payload, requirements),
    FacilitatorError, "facilitator_http_error");
  eq(e.status, 500, "status"); eq(a.count("/verify"), 2, "a"); eq(b.count("/verify"), 2, "b");
}));

for (const [behaviour, detail] of [["500", "facilitator_http_error"], ["429:1", "facilitator_http_error"], ["hang", "facilitator_timeout"]]) {
  await t(`settle that may have arrived (${behaviour}) is never sent again: facilitator_unavailable`, () => withPeers(async (a, b) => {
    a.script["/settle"] = [behaviour];
    const sleeps = [];
    const client = new FacilitatorClient([{ url: a.url, timeoutMs: 500 }, b.url], recording(sleeps));
    const e = await rejects(client.settle(payload, requirements), FacilitatorError, "facilitator_unavailable");
    eq(e.detailCode, detail, "detailCode");
    eq(a.count("/settle"), 1, "a settles"); eq(b.count("/settle"), 0, "b settles (double settlement)");
    same(sleeps, [], "sleeps");
  }));
}

await t("settle refused (success false) is final", () => withPeers(async (a, b) => {
  a.script["/settle"] = ["fail"];
  const e = await rejects(new FacilitatorClient([a.url, b.url]).settle(payload, requirements), SettleError, "insufficient_funds");
  eq(e.body.success, false, "body");
  eq(a.count("/settle"), 1, "a"); eq(b.count("/settle"), 0, "b");
}));

await t("settle fails over only when the connection was refused", () => withPeers(async (a, b) => {
  const sleeps = [];
  const client = new FacilitatorClient([a.url, b.url], recording(sleeps));
  await client.verify(payload, requirements); // both /supported fetched: a is routed first
  await a.close();                            // a now refuses connections
  const r = await client.settle(payload, requirements);
  eq(r.by, "b", "settled by"); eq(r.transaction, TX, "transaction");
  same(sleeps, [200, 400], "a retried while refusing, then b");
  eq(a.count("/settle"), 0, "a"); eq(b.count("/settle"), 1, "b");
}));

await t("settle nowhere reachable: facilitator_unreachable", async () => {
  const client = new FacilitatorClient([await freeUrl(), await freeUrl()], { route: false, ...recording([], 2) });
  await rejects(client.settle(payload, requirements), FacilitatorError, "facilitator_unreachable");
});

await t("per-facilitator auth headers: static, per-request function, createAuthHeaders", () => withPeers(async (a, b) => {
  const calls = [];
  const client = new FacilitatorClient([
    { url: a.url, headers: { "x-api-key": "key-a" } },
    { url: b.url, headers: async (endpoint) => { calls.push(endpoint); return { authorization: `Bearer b-${endpoint}-${calls.length}` }; } },
  ]);
  await client.verify(payload, requirements);
  await client.settle(payload, onMainnet);
  same(a.received.map((r) => r.headers["x-api-key"]), ["key-a", "key-a"], "a");
  same(b.received.map((r) => r.headers.authorization), ["Bearer b-supported-1", "Bearer b-settle-2"], "b");
  eq(b.received.some((r) => "x-api-key" in r.headers), false, "a's key never sent to b");
  const reference = new FacilitatorClient({ url: a.url, createAuthHeaders: async () => ({
    verify: { authorization: "v" }, settle: { authorization: "s" }, supported: { authorization: "u" } }) });
  await reference.verify(payload, requirements);
  await reference.supported();
  same(a.received.slice(2).map((r) => r.headers.authorization), ["v", "u"], "createAuthHeaders");
}));

await t("retryDelay: exponential, capped, jittered", () => {
  const c = new FacilitatorClient("http://127.0.0.1:1", { retry: { attempts: 10, baseDelayMs: 1000, maxDelayMs: 8000, jitter: 0.5 }, random: () => 1 });
  same([0, 1, 2, 3, 4].map((n) => c.retryDelay(n)), [500, 1000, 2000, 4000, 4000], "delays");
  eq(c.retryDelay(0, 3000), 3000, "Retry-After"); eq(c.retryDelay(0, 9000), undefined, "too long");
  eq(c.retryDelay(9), undefined, "attempts");
  let threw = false;
  try { new FacilitatorClient("ftp://x"); } catch (e) { threw = e instanceof TypeError; }
  eq(threw, true, "non-http url");
});

await t("require('pay402/facilitator') exports the same classes", () => {
  const require = createRequire(import.meta.url);
  const cjs = require("pay402/facilitator");
  eq(typeof cjs.FacilitatorClient, "function", "FacilitatorClient");
  eq(new cjs.FacilitatorError("x", { code: "c" }).code, "c", "FacilitatorError");
});

await t("the README's facilitator example runs", () => withPeers(async (a, b) => {
  const require = createRequire(import.meta.url);
  const readme = readFileSync(join(dirname(require.resolve("pay402/package.json")), "README.md"), "utf8");
  const blocks = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]).filter((s) => s.includes("pay402/facilitator") && !s.includes("pay402/ws402")); // the WS402 server's block uses one too
  eq(blocks.length, 1, "facilitator blocks");
  process.env.FACILITATOR_A = a.url; process.env.FACILITATOR_B = b.url; process.env.FACILITATOR_B_TOKEN = "t0ken";
  const file = join(process.cwd(), "readme-facilitator.mjs");
  writeFileSync(file, `const payload = ${JSON.stringify(payload)};\nconst requirements = ${JSON.stringify(requirements)};\n${blocks[0]}`);
  await import(pathToFileURL(file).href);
  eq(a.count("/verify"), 1, "a verified"); eq(a.count("/settle"), 1, "a settled"); eq(b.count("/settle"), 0, "b settled");
  eq(b.received.find((r) => r.path === "/supported").headers.authorization, "Bearer t0ken", "b's auth");
}));

const r = result();
for (const l of r.lines) console.log(l);
console.log(`facilitator: ${r.passed} passed, ${r.failed} failed`);
process.exit(r.failed ? 1 : 0);
