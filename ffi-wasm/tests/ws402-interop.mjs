// WS402 across languages and in the browser, over real sockets on 127.0.0.1:
//   1. pay402/ws402's `ws402Connect` (Node) pays a Python `pay402.ws402.Ws402Endpoint` served by
//      uvicorn in a child process (ws402_interop_peer.py server);
//   2. Python's `pay402.ws402.connect` (a child process: ws402_interop_peer.py client) pays
//      `ws402Server(...).attach` on node:http + ws;
//   3. `ws402Connect` from `pay402/web` in Debian's Chromium (playwright-core, as
//      ffi-wasm/page/browser/smoke.mjs launches it) pays the Node server, signing with
//      `privateKeySigner` in the page.
// exact (settled first, `paid − consumed` refunded) and upto (settles `consumed` at the end). Each
// server's settlement and refund are recorders and its clock is injected (the Node server's
// `now`/`timers`; the Python server's `clock`, moved over the child's stdin), so every amount is
// exact: the expected values are computed here from price × time (WS402's rule, floor(price × ms /
// 1000), capped at what was paid), and the client's and the server's statements must agree.
//   PAY402_PEER_PYTHON=<python with pay402, uvicorn, websockets> node ws402-interop.mjs <repo root>
// Without PAY402_PEER_PYTHON the Python tests fail (never pass silently); SKIP_BROWSER=1 skips the
// browser test, saying so.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import http from "node:http";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { WebSocket, WebSocketServer } from "ws";
import * as p from "pay402";
import { ws402Connect, ws402Server } from "pay402/ws402";

const ROOT = process.argv[2];
assert.ok(ROOT, "usage: node ws402-interop.mjs <repo root>");
const PEER_PYTHON = process.env.PAY402_PEER_PYTHON || "";
const PEER_SCRIPT = join(ROOT, "ffi-wasm/tests/ws402_interop_peer.py");

const KEY = new Uint8Array(32).fill(0x11);
const PAYER = p.privateKeyToAddress(KEY);
const USDC = "0x036CbD53842c5426634e7929541eC2318f3dCF7e";
const PAY_TO = "0x209693Bc6afc0C5328bA36FaF03C514EF312287C";
const SETTLER = "0x000000000000000000000000000000000000dEaD";
const NETWORK = "eip155:84532";
const T = 1_800_000_000_000;
const PATH = "/ws402/video";

/** WS402's charge: floor(price × ms / 1000), at most what was paid. */
const charge = (price, ms, paid) => {
  const c = (BigInt(price) * BigInt(ms)) / 1000n;
  return c < paid ? c : paid;
};
const settleDown = () => new Promise((r) => setTimeout(r, 30));
const until = async (fn, what = "condition") => {
  for (let i = 0; i < 400 && !fn(); i++) await settleDown();
  assert.ok(fn(), `timed out waiting for ${what}`);
};

// ---- the Python peer: a child process speaking JSON lines ---------------------------------------

function needPython() {
  assert.ok(PEER_PYTHON, "PAY402_PEER_PYTHON is not set: a Python with pay402 (the wheel), uvicorn and websockets "
    + "(a venv of ffi-python/tests/run.sh) is needed for the Node ↔ Python half; it does not pass without one");
}

/** Starts ws402_interop_peer.py; `ask(cmd, key)` sends a line and awaits the reply that has `key`. */
async function python(...args) {
  needPython();
  const child = spawn(PEER_PYTHON, [PEER_SCRIPT, ...args], { stdio: ["pipe", "pipe", "inherit"] });
  const replies = [];
  let buffered = "", exited = null;
  child.stdout.setEncoding("utf8");
  child.stdout.on("data", (chunk) => {
    buffered += chunk;
    let nl;
    while ((nl = buffered.indexOf("\n")) >= 0) {
      replies.push(JSON.parse(buffered.slice(0, nl)));
      buffered = buffered.slice(nl + 1);
    }
  });
  child.on("exit", (code) => { exited = code; });
  const reply = async (key) => {
    for (let i = 0; i < 600 && !replies.some((r) => key in r); i++) {
      if (exited !== null) break;
      await settleDown();
    }
    const at = replies.findIndex((r) => key in r);
    assert.ok(at >= 0, `the Python peer (${args[0]}) gave no "${key}" (exit ${exited})`);
    return replies.splice(at, 1)[0][key];
  };
  return {
    reply,
    ask: (cmd, key) => { child.stdin.write(JSON.stringify(cmd) + "\n"); return reply(key); },
    stop: () => new Promise((r) => {
      if (exited !== null) return r();
      child.once("exit", r);
      child.stdin.end();
      setTimeout(() => child.kill("SIGKILL"), 5000).unref();
    }),
  };
}

// ---- the Node server (as ws402-server.mjs: a recording settlement, an injected clock) ----------

/** An injected clock and timers: `to(ms)` moves the clock and fires what is due, in order. */
function fakeTime(start) {
  const clock = { t: start };
  const due = new Set();
  const timers = {
    set(fn, ms) { const h = { at: clock.t + ms, fn }; due.add(h); return h; },
    clear(h) { due.delete(h); },
  };
  async function to(at) {
    for (;;) {
      const next = [...due].filter((h) => h.at <= at).sort((a, b) => a.at - b.at)[0];
      if (!next) break;
      due.delete(next);
      clock.t = Math.max(clock.t, next.at);
      next.fn();
      await settleDown();
    }
    clock.t = at;
    await settleDown();
  }
  return { timers, now: () => clock.t, to };
}

function recorder() {
  const settled = [], refunds = [];
  return {
    settled, refunds,
    settle: (body) => {
      settled.push(JSON.parse(new TextDecoder().decode(body)).paymentRequirements.amount);
      return { success: true, transaction: "0x" + "11".repeat(32), network: NETWORK, payer: PAYER };
    },
    refund: (order) => {
      refunds.push({ to: order.to, asset: order.asset, amount: BigInt(order.amount), network: order.network });
      return { verdict: "refunded", success: true, transaction: "0x" + "22".repeat(32) };
    },
  };
}

const exactOffer = (amount) => ({ scheme: "exact", network: NETWORK, asset: USDC, amount, payTo: PAY_TO,
  maxTimeoutSeconds: 300, eip712Name: "USDC", eip712Version: "2" });
const uptoOffer = (amount) => ({ scheme: "upto", network: NETWORK, asset: USDC, amount, payTo: PAY_TO,
  maxTimeoutSeconds: 3600, facilitator: SETTLER });

/** ws402Server(config).attach on node:http + ws at 127.0.0.1; its statements; CORS for the page. */
async function nodeServer(config) {
  const server = http.createServer((req, res) => {
    res.setHeader("access-control-allow-origin", "*");
    if (req.method === "OPTIONS") return res.writeHead(204, { "access-control-allow-headers": "accept" }).end();
    return undefined;
  });
  const wss = new WebSocketServer({ noServer: true });
  const paid = ws402Server(config);
  const statements = [];
  paid.attach(wss, { server, path: PATH }, async (s) => {
    s.onEnd((st) => statements.push(st));
    s.onMessage((msg) => s.send(`echo ${msg}`));
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return {
    statements, url: `http://127.0.0.1:${server.address().port}${PATH}`,
    async close() {
      await paid.close();
      for (const c of wss.clients) c.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

// ---- 1. Node client → Python server ----------------------------------------------------------

async function nodePaysPython(scheme, price, estimated, endMs) {
  const paid = BigInt(price * estimated);
  const py = await python("server", scheme, String(price), String(estimated), String(T));
  try {
    const url = await py.reply("url");
    const session = await ws402Connect(url, { signer: p.privateKeySigner(KEY), WebSocket, now: () => T / 1000,
      budget: { networks: [NETWORK], assets: [USDC], maxAmount: paid } });
    const usage = [], frames = [];
    session.addEventListener("usage", (e) => usage.push(e.consumed));
    session.addEventListener("message", (e) => frames.push(e.data));
    assert.equal(session.balance, paid);
    session.send("hello");
    await until(() => frames.length === 1, "the echo");
    assert.deepEqual(frames, ["echo hello"]);
    await py.ask({ clock: T + 1000 }, "at");
    await until(() => usage.length >= 1, "a usage_update");
    assert.equal(usage[0], charge(price, 1000, paid));
    await py.ask({ clock: T + endMs }, "at");
    const st = await session.end();
    const consumed = charge(price, endMs, paid);
    let report;
    for (let i = 0; i < 200; i++) {
      report = await py.ask({ report: true }, "report");
      if (report.statements.length && report.statements[0].finished) break;
      await settleDown();
    }
    const [server] = report.statements;
    // the server's side
    assert.equal(report.statements.length, 1);
    assert.deepEqual([server.ending, server.reason, server.plan, server.payer.toLowerCase()], ["ended", "client_close", scheme, PAYER.toLowerCase()]);
    assert.deepEqual([BigInt(server.paid), BigInt(server.consumed)], [paid, consumed]);
    // the client's side, and the two agree
    assert.equal(st.closeCode, 1000);
    assert.equal(session.id, server.sessionId);
    assert.deepEqual([st.balance, st.consumed, st.remaining], [paid, consumed, paid - consumed]);
    if (scheme === "exact") {
      assert.deepEqual(report.settled, [String(paid)], "exact: the prepayment settled once, before the session");
      assert.deepEqual(report.refunds.map((r) => [r.to.toLowerCase(), r.asset, BigInt(r.amount), r.network]),
        [[PAYER.toLowerCase(), USDC, paid - consumed, NETWORK]]);
      assert.deepEqual([BigInt(server.settlementAmount), BigInt(server.refundAmount), server.refundStatus], [paid, paid - consumed, "confirmed"]);
    } else {
      assert.deepEqual(report.settled, [String(consumed)], "upto: exactly consumed settled at the end");
      assert.deepEqual(report.refunds, []);
      assert.deepEqual([BigInt(server.settlementAmount), server.refundAmount], [consumed, null]);
    }
    // the server's session_ended, as the client's tracker accepted it, is the server's statement
    assert.ok(st.ended, "the client got the server's session_ended");
    assert.deepEqual([st.ended.sessionId, st.ended.endedBy, st.ended.payer.toLowerCase()], [server.sessionId, "client_close", PAYER.toLowerCase()]);
    assert.deepEqual([st.ended.paid, st.ended.consumed, st.ended.settled, st.ended.refund],
      [paid, consumed, scheme === "exact" ? paid : consumed, scheme === "exact" ? paid - consumed : 0n]);
  } finally {
    await py.stop();
  }
}

test("Node ws402Connect → Python Ws402Endpoint (uvicorn): exact, the prepayment settled, paid − consumed refunded once; both statements agree", () =>
  nodePaysPython("exact", 250, 40, 2750));

test("Node ws402Connect → Python Ws402Endpoint (uvicorn): upto, exactly consumed settled at the end, no refund; both statements agree", () =>
  nodePaysPython("upto", 1000, 60, 4321));

// ---- 2. Python client → Node server ----------------------------------------------------------

async function pythonPaysNode(scheme, price, paid, endMs) {
  needPython();
  const time = fakeTime(T);
  const money = recorder();
  const offers = [scheme === "exact" ? exactOffer(paid) : uptoOffer(paid)];
  const srv = await nodeServer({ offers, pricePerSecond: BigInt(price), maxSessionDuration: 600, updateIntervalMs: 1000,
    settle: money.settle, ...(scheme === "exact" ? { refund: money.refund } : {}), now: time.now, timers: time.timers });
  const py = await python("client", srv.url, String(paid), String(T));
  try {
    const started = await py.reply("started");
    assert.deepEqual([BigInt(started.balance), started.payer], [paid, PAYER]);
    await time.to(T + 1000);
    assert.equal(BigInt(await py.ask({ consumed: String(charge(price, 1000, paid)) }, "consumed")), charge(price, 1000, paid));
    await time.to(T + endMs);
    const ended = await py.ask({ end: true }, "ended");
    const consumed = charge(price, endMs, paid);
    await until(() => srv.statements.length === 1 && srv.statements[0].finished, "the Node server's statement");
    const server = srv.statements[0];
    assert.deepEqual([server.ending, server.reason, server.plan, server.payer], ["ended", "client_close", scheme, PAYER]);
    assert.deepEqual([server.paid, server.consumed], [paid, consumed]);
    assert.equal(ended.closeCode, 1000);
    assert.deepEqual([BigInt(ended.balance), BigInt(ended.consumed), BigInt(ended.remaining)], [paid, consumed, paid - consumed]);
    // the server's session_ended, as the Python client's tracker accepted it, is the server's statement
    const said = ended.statement;
    assert.ok(said, "the Python client got the server's session_ended");
    assert.deepEqual([said.session_id, said.ended_by, said.payer.toLowerCase()], [server.sessionId, "client_close", PAYER.toLowerCase()]);
    assert.deepEqual([said.paid, said.consumed, said.settled, said.refund].map(BigInt),
      [paid, consumed, scheme === "exact" ? paid : consumed, scheme === "exact" ? paid - consumed : 0n]);
    if (scheme === "exact") {
      assert.deepEqual(money.settled, [String(paid)]);
      assert.deepEqual(money.refunds, [{ to: PAYER, asset: USDC, amount: paid - consumed, network: NETWORK }]);
      assert.deepEqual([server.settlementAmount, server.refundAmount, server.refundStatus], [paid, paid - consumed, "confirmed"]);
      assert.equal(BigInt(ended.spent), paid, "exact: the client's budget spent the prepayment");
    } else {
      assert.deepEqual(money.settled, [String(consumed)]);
      assert.deepEqual(money.refunds, []);
      assert.deepEqual([server.settlementAmount, server.refundAmount], [consumed, null]);
      assert.equal(BigInt(ended.spent), consumed, "upto: the client's budget spent only what was consumed");
    }
  } finally {
    await py.stop();
    await srv.close();
  }
}

test("Python pay402.ws402.connect → Node ws402Server: exact, settled first, paid − consumed refunded once; both statements agree", () =>
  pythonPaysNode("exact", 250, 1_000_000n, 2750));

test("Python pay402.ws402.connect → Node ws402Server: upto, exactly consumed settled at the end, no refund; both statements agree", () =>
  pythonPaysNode("upto", 1000, 60_000n, 4321));

// ---- 3. the browser client -------------------------------------------------------------------

test("browser: ws402Connect from pay402/web in Chromium (privateKeySigner in the page) pays the Node server; end() returns the statement",
  { skip: process.env.SKIP_BROWSER ? "SKIP_BROWSER is set: the Chromium client is not run" : false }, async () => {
    // playwright-core as the paywall page's tests pin it (ffi-wasm/page's lock; run.sh's need_npm_build installs it)
    const { chromium } = createRequire(join(ROOT, "ffi-wasm/page/package.json"))("playwright-core");
    const price = 250n, paid = 1_000_000n;
    const time = fakeTime(T);
    const money = recorder();
    const srv = await nodeServer({ offers: [exactOffer(paid)], pricePerSecond: price, maxSessionDuration: 600, updateIntervalMs: 1000,
      settle: money.settle, refund: money.refund, now: time.now, timers: time.timers });
    // the page and the installed package, served from this project on another origin
    const pkg = dirname(createRequire(import.meta.url).resolve("pay402/package.json"));
    const files = http.createServer((req, res) => {
      const path = decodeURIComponent(new URL(req.url, "http://x").pathname);
      if (path === "/") return res.writeHead(200, { "content-type": "text/html" }).end(PAGE);
      if (!path.startsWith("/pay402/") || path.includes("..")) return res.writeHead(404).end();
      try {
        const body = readFileSync(join(pkg, path.slice("/pay402/".length)));
        const type = path.endsWith(".wasm") ? "application/wasm" : path.endsWith(".js") || path.endsWith(".mjs") ? "text/javascript" : "application/octet-stream";
        return res.writeHead(200, { "content-type": type }).end(body);
      } catch {
        return res.writeHead(404).end();
      }
    });
    await new Promise((r) => files.listen(0, "127.0.0.1", r));
    const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox"] });
    try {
      const page = await browser.newPage();
      const logs = [];
      page.on("console", (m) => logs.push(m.text()));
      page.on("pageerror", (e) => logs.push(String(e)));
      await page.goto(`http://127.0.0.1:${files.address().port}/`);
      await page.waitForFunction(() => window.ready === true || window.failed, null, { timeout: 60_000 });
      assert.equal(await page.evaluate(() => window.failed ?? null), null, logs.join("\n"));
      const started = await page.evaluate(({ url, key, paid }) => window.start(url, key, paid), { url: srv.url, key: Buffer.from(KEY).toString("hex"), paid: String(paid) });
      assert.deepEqual(started, { balance: String(paid), echo: "echo hello" }, logs.join("\n"));
      await time.to(T + 1000);
      await page.waitForFunction(() => window.usage.length >= 1, null, { timeout: 10_000 });
      assert.deepEqual(await page.evaluate(() => window.usage), [String(charge(price, 1000, paid))]);
      await time.to(T + 2750);
      const st = await page.evaluate(() => window.finish());
      const consumed = charge(price, 2750, paid);
      assert.deepEqual([st.closeCode, st.balance, st.consumed, st.remaining], [1000, String(paid), String(consumed), String(paid - consumed)]);
      await until(() => srv.statements.length === 1 && srv.statements[0].finished, "the Node server's statement");
      const server = srv.statements[0];
      assert.deepEqual([server.reason, server.payer, server.paid, server.consumed, server.refundAmount], ["client_close", PAYER, paid, consumed, paid - consumed]);
      assert.equal(st.id, server.sessionId);
      assert.deepEqual(st.ended, { sessionId: server.sessionId, endedBy: "client_close", payer: PAYER.toLowerCase(), paid: String(paid),
        consumed: String(consumed), refund: String(paid - consumed) }, "the page's tracker accepted the server's session_ended");
      assert.equal(st.node, false, "the client ran without Node's globals");
      assert.match(st.agent, /Chrome/);
      assert.deepEqual(money.settled, [String(paid)]);
      assert.deepEqual(money.refunds.map((r) => [r.to, r.amount]), [[PAYER, paid - consumed]]);
    } finally {
      await browser.close();
      files.closeAllConnections();
      await new Promise((r) => files.close(r));
      await srv.close();
    }
  });

// The page: pay402/web (initialized from its .wasm) and pay402/ws402 through an import map; the
// payment is signed in the page with privateKeySigner over a key the test passes in.
const T_S = T / 1000;
const PAGE = `<!doctype html><meta charset="utf-8"><title>ws402 interop</title>
<script type="importmap">{"imports":{"pay402":"/pay402/web.mjs","pay402/ws402":"/pay402/ws402/index.mjs"}}</script>
<script type="module">
try {
  const web = await import("pay402");
  await web.default({ module_or_path: "/pay402/web/pay402_bg.wasm" });
  const { ws402Connect } = await import("pay402/ws402");
  const hex = (s) => Uint8Array.from(s.match(/../g), (b) => parseInt(b, 16));
  let session;
  window.usage = [];
  window.start = async (url, key, paid) => {
    session = await ws402Connect(url, { signer: web.privateKeySigner(hex(key)), now: () => ${T_S},
      budget: { networks: ["${NETWORK}"], assets: ["${USDC}"], maxAmount: BigInt(paid) } });
    session.addEventListener("usage", (e) => window.usage.push(String(e.consumed)));
    const echo = new Promise((r) => session.addEventListener("message", (e) => r(e.data), { once: true }));
    session.send("hello");
    return { balance: String(session.balance), echo: await echo };
  };
  window.finish = async () => {
    const st = await session.end();
    const e = st.ended;
    return { id: session.id, closeCode: st.closeCode, balance: String(st.balance), consumed: String(st.consumed), remaining: String(st.remaining),
      ended: e && { sessionId: e.sessionId, endedBy: e.endedBy, payer: e.payer, paid: String(e.paid), consumed: String(e.consumed), refund: String(e.refund) },
      node: typeof process !== "undefined", agent: navigator.userAgent };
  };
  window.ready = true;
} catch (e) {
  window.failed = String(e && e.stack || e);
}
</script>`;
