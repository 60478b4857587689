// pay402/ws402 persistence, resumption and recovery over real sockets: `ws402Server` with a
// `secret` and a session store (memorySessionStore, and redisSessionStore on a real
// redis-server on 127.0.0.1 through node-redis and ioredis), paid with pay402's own signer. The
// clock and timers are injected, so the money is exact: expected amounts are computed here from
// price × active time (floor(pricePerSecond × ms / 1000), capped at what was paid), never read
// back from the code under test.
//   REDIS_PORT=<port> node ws402-resume.mjs   (inside a project where pay402, ws, redis, ioredis are installed)
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import http from "node:http";
import { test as nodeTest } from "node:test";
import { WebSocket, WebSocketServer } from "ws";
import * as p from "pay402";
import { memorySessionStore, redisSessionStore, ws402Connect, ws402Server } from "pay402/ws402";

const KEY = new Uint8Array(32).fill(0x11);
const PAYER = p.privateKeyToAddress(KEY);
const USDC = "0x036CbD53842c5426634e7929541eC2318f3dCF7e";
const PAY_TO = "0x209693Bc6afc0C5328bA36FaF03C514EF312287C";
const NETWORK = "eip155:84532";
const T = 1_800_000_000_000;
const PATH = "/ws402/video";
const SECRET = new Uint8Array(32).fill(0x5a);
const REDIS_PORT = process.env.REDIS_PORT;
// `node ws402-resume.mjs child …` is a server process of the restart tests (it registers no test).
const IN_CHILD = process.argv[2] === "child";
const test = IN_CHILD ? () => {} : nodeTest;

const exactOffer = (amount) => ({ scheme: "exact", network: NETWORK, asset: USDC, amount, payTo: PAY_TO,
  maxTimeoutSeconds: 300, eip712Name: "USDC", eip712Version: "2" });

/** WS402's charge: floor(price × ms / 1000), at most what was paid. */
const charge = (price, ms, paid) => {
  const c = (BigInt(price) * BigInt(ms)) / 1000n;
  return c < paid ? c : paid;
};
const refundKey = (sessionId) => createHash("sha256").update("pay402 ws402 refund").update(Buffer.from(sessionId, "hex")).digest("hex");

const settleDown = () => new Promise((r) => setTimeout(r, 30));
const until = async (fn) => {
  for (let i = 0; i < 300 && !fn(); i++) await settleDown();
  assert.ok(fn(), "timed out");
};

/** An injected clock and timers: `to(at)` moves the clock and fires what is due, in order. */
function fakeTime(start) {
  const clock = { t: start };
  const due = new Set();
  const timers = {
    set(fn, ms) {
      const h = { at: clock.t + ms, fn };
      due.add(h);
      return h;
    },
    clear(h) {
      due.delete(h);
    },
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
  return { clock, timers, now: () => clock.t, to };
}

/** The recording settlement: every /settle body and refund order, answered `success`. */
function recorder() {
  const settled = [];
  const refunds = [];
  return {
    settled, refunds,
    settle: (body) => {
      settled.push(JSON.parse(new TextDecoder().decode(body)));
      return { success: true, transaction: "0x" + "11".repeat(32), network: NETWORK, payer: PAYER };
    },
    refund: (order) => {
      refunds.push({ key: Buffer.from(order.key).toString("hex"), to: order.to, amount: order.amount });
      return { verdict: "refunded", success: true, transaction: "0x" + "22".repeat(32) };
    },
  };
}

async function serve(config) {
  const server = http.createServer();
  const gate = { open: true }; // closed: upgrades are refused (401), as by a server not back yet
  const sockets = [];
  const wss = new WebSocketServer({ noServer: true, verifyClient: () => gate.open });
  wss.on("connection", (ws) => sockets.push(ws));
  const paid = ws402Server(config);
  const statements = [];
  paid.attach(wss, { server, path: PATH }, (s) => { s.onEnd((st) => statements.push(st)); });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const base = `127.0.0.1:${server.address().port}${PATH}`;
  return {
    paid, statements, gate, sockets, wsUrl: `ws://${base}`, httpUrl: `http://${base}`,
    async close() {
      for (const c of wss.clients) c.terminate();
      wss.close();
      await new Promise((r) => server.close(r));
    },
  };
}

async function proofFor(httpUrl, nonce) {
  const schema = await (await fetch(httpUrl)).json();
  const header = p.x402Sign(JSON.stringify(schema.paymentDetails), { privateKey: KEY, now: T / 1000, nonce: new Uint8Array(32).fill(nonce) }).headerValue;
  return JSON.stringify({ type: "payment_proof", proof: header });
}

async function open(url) {
  const ws = new WebSocket(url);
  const frames = [];
  const waiters = [];
  const closed = new Promise((r) => ws.on("close", (code) => r(code)));
  ws.on("message", (data) => {
    frames.push(JSON.parse(data.toString()));
    for (const w of waiters.splice(0)) w();
  });
  await new Promise((r, j) => { ws.on("open", r); ws.on("error", j); });
  async function next(type) {
    for (;;) {
      const f = frames.find((x) => x.type === type);
      if (f) return f;
      await new Promise((r) => waiters.push(r));
    }
  }
  return { ws, frames, closed, next };
}

const resumeFrame = (started) => JSON.stringify({ type: "resume_session", sessionId: started.sessionId, resumeToken: started.resumeToken });

test("disconnect and resume within the grace: only active time is charged, one settlement, one refund", async () => {
  const price = 250n, paid = 1_000_000n, grace = 10_000;
  const time = fakeTime(T);
  const money = recorder();
  const srv = await serve({ offers: [exactOffer(paid)], pricePerSecond: price, maxSessionDuration: 3600, updateIntervalMs: 1000,
    settle: money.settle, refund: money.refund, now: time.now, timers: time.timers,
    secret: SECRET, store: memorySessionStore({ clock: time.now }), resumeGraceMs: grace });
  try {
    const a = await open(srv.wsUrl);
    await time.to(T + 100);
    a.ws.send(await proofFor(srv.httpUrl, 1));
    const started = await a.next("session_started");
    assert.equal(typeof started.resumeToken, "string");
    await time.to(T + 100 + 1500);
    a.ws.terminate(); // a drop: no close frame
    await a.closed;
    await settleDown();
    await time.to(T + 100 + 1500 + 4000); // suspended 4 s: not billed
    const b = await open(srv.wsUrl);
    b.ws.send(resumeFrame(started));
    const resumed = await b.next("session_resumed");
    assert.equal(resumed.sessionId, started.sessionId);
    await time.to(T + 100 + 1500 + 4000 + 2200);
    b.ws.close(1000);
    await b.closed;
    await settleDown();
    await time.to(T + 100 + 1500 + 4000 + 2200 + grace + 1000); // the old socket's grace ends too
    await until(() => money.refunds.length >= 1);
    const consumed = charge(price, 1500 + 2200, paid);
    assert.equal(money.settled.length, 1, "the prepayment, settled once");
    assert.deepEqual(money.refunds, [{ key: refundKey(started.sessionId), to: PAYER, amount: paid - consumed }]);
    const ended = srv.statements.filter((s) => s.finished);
    assert.equal(ended.length, 1);
    assert.deepEqual([ended[0].sessionId, ended[0].consumed, ended[0].refundAmount], [started.sessionId, consumed, paid - consumed]);
  } finally {
    await srv.close();
  }
});

test("resume after the grace is refused; the session ends connection_lost and settles once", async () => {
  const price = 100n, paid = 500_000n, grace = 3000;
  const time = fakeTime(T);
  const money = recorder();
  const ends = [];
  const srv = await serve({ offers: [exactOffer(paid)], pricePerSecond: price, maxSessionDuration: 3600, updateIntervalMs: 1000,
    settle: money.settle, refund: money.refund, now: time.now, timers: time.timers,
    secret: SECRET, store: memorySessionStore({ clock: time.now }), resumeGraceMs: grace });
  srv.paid.sessions; // (live sessions are listed; the statement comes through onEnd)
  try {
    const a = await open(srv.wsUrl);
    a.ws.send(await proofFor(srv.httpUrl, 2));
    const started = await a.next("session_started");
    for (const s of srv.paid.sessions()) s.onEnd((st) => ends.push(st));
    await time.to(T + 2000);
    a.ws.terminate();
    await a.closed;
    await settleDown();
    await time.to(T + 2000 + grace + 500);
    await until(() => money.refunds.length === 1);
    const consumed = charge(price, 2000, paid);
    assert.deepEqual(money.refunds, [{ key: refundKey(started.sessionId), to: PAYER, amount: paid - consumed }]);
    assert.equal(ends.length, 1);
    assert.deepEqual([ends[0].reason, ends[0].consumed], ["connection_lost", consumed]);
    const b = await open(srv.wsUrl);
    b.ws.send(resumeFrame(started));
    const refused = await b.next("resume_refused");
    assert.equal(typeof refused.reason, "string");
    await b.closed;
    await time.to(T + 60_000);
    assert.equal(money.settled.length, 1);
    assert.equal(money.refunds.length, 1);
  } finally {
    await srv.close();
  }
});

test("client resume: ws402Connect({ resume: true }) reconnects after a drop and goes on; billed active time only; a refusal is an error", async () => {
  const price = 300n, paid = 900_000n, grace = 8000;
  const time = fakeTime(T);
  const money = recorder();
  const srv = await serve({ offers: [exactOffer(paid)], pricePerSecond: price, maxSessionDuration: 3600, updateIntervalMs: 1000,
    settle: money.settle, refund: money.refund, now: time.now, timers: time.timers,
    secret: SECRET, store: memorySessionStore({ clock: time.now }), resumeGraceMs: grace });
  try {
    const connect = () => ws402Connect(srv.httpUrl, { signer: p.privateKeySigner(KEY), WebSocket, budget: { maxAmount: paid, networks: [NETWORK], assets: [USDC] },
      now: () => T / 1000, resume: true, resumeRetryMs: 50, resumeWithinMs: 5000 });
    // 1. a drop, 3 s unreachable, then the resume: the 3 s are not billed
    const conn = await connect();
    const id = conn.id;
    await time.to(T + 1200);
    srv.gate.open = false;
    srv.sockets.at(-1).terminate(); // no close frame
    await settleDown();
    await time.to(T + 1200 + 3000);
    const resumed = new Promise((r) => conn.addEventListener("resumed", r, { once: true }));
    srv.gate.open = true;
    await resumed;
    assert.equal(conn.id, id);
    await time.to(T + 1200 + 3000 + 2000);
    const st = await conn.end();
    const consumed = charge(price, 1200 + 2000, paid);
    assert.equal(st.ended.consumed, consumed);
    assert.equal(st.ended.refund, paid - consumed);
    assert.deepEqual(money.refunds, [{ key: refundKey(id), to: PAYER, amount: paid - consumed }]);
    assert.equal(money.settled.length, 1);
    // 2. unreachable past the grace: the session ends connection_lost; the resume is refused, an error
    const again = await connect();
    const errors = [];
    again.addEventListener("error", (e) => errors.push(e.error.code));
    const t0 = time.now();
    await time.to(t0 + 500);
    srv.gate.open = false;
    srv.sockets.at(-1).terminate();
    await settleDown();
    await time.to(t0 + 500 + grace + 1000);
    await until(() => money.refunds.length === 2);
    const end = new Promise((r) => again.addEventListener("end", r, { once: true }));
    srv.gate.open = true;
    await end;
    assert.equal(errors.length, 1);
    assert.equal(typeof errors[0], "string");
    assert.equal(money.refunds[1].amount, paid - charge(price, 500, paid));
    assert.equal(money.settled.length, 2);
  } finally {
    await srv.close();
  }
});

test("HTTP grants: grantMiddleware lets the core decide: 200, 402, 401, 403 wrong_resource, 403 after the end", async () => {
  const price = 100n, paid = 400_000n;
  const time = fakeTime(T);
  const money = recorder();
  const server = http.createServer();
  const wss = new WebSocketServer({ noServer: true });
  const paidServer = ws402Server({ offers: [exactOffer(paid)], pricePerSecond: price, maxSessionDuration: 3600, updateIntervalMs: 1000,
    settle: money.settle, refund: money.refund, now: time.now, timers: time.timers,
    secret: SECRET, store: memorySessionStore({ clock: time.now }), resumeGraceMs: 5000 });
  let token;
  let port;
  paidServer.attach(wss, { server, path: PATH }, (s) => { token = s.grant(`http://127.0.0.1:${port}/media/1`, { ttlMs: 600_000 }); });
  const guard = paidServer.grantMiddleware();
  server.on("request", (req, res) => {
    if (!req.url.startsWith("/media/")) return;
    guard(req, res, () => { res.writeHead(200, { "content-type": "text/plain" }); res.end(`media for ${req.ws402Grant.generation}`); });
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  port = server.address().port;
  const get = async (path, authorization) => {
    const r = await fetch(`http://127.0.0.1:${port}${path}`, { headers: authorization ? { authorization } : {} });
    return [r.status, r.status === 200 ? await r.text() : (await r.json()).code];
  };
  try {
    const c = await open(`ws://127.0.0.1:${port}${PATH}`);
    c.ws.send(await proofFor(`http://127.0.0.1:${port}${PATH}`, 31));
    await c.next("session_started");
    await until(() => token !== undefined);
    assert.deepEqual(await get("/media/1", `WS402 ${token}`), [200, "media for 0"]);
    assert.deepEqual(await get("/media/1"), [402, "grant_required"]);
    assert.equal((await get("/media/1", `WS402 ${"A".repeat(124)}`))[0], 401);
    assert.deepEqual(await get("/media/2", `WS402 ${token}`), [403, "wrong_resource"]);
    await time.to(T + 2000);
    c.ws.close(1000);
    await c.closed;
    await settleDown();
    await time.to(T + 3000);
    await until(() => money.refunds.length === 1);
    assert.deepEqual(await get("/media/1", `WS402 ${token}`), [403, "session_ended"]);
  } finally {
    for (const ws of wss.clients) ws.terminate();
    wss.close();
    await new Promise((r) => server.close(r));
  }
});

test("HTTP grants are metered: the body's bytes are charged to the session before it is sent; 402s carry the core's body", async () => {
  // A tariff with time, bytes out and messages: an HTTP response costs 3 per body byte + 7.
  const perSecond = 100n, perByteOut = 3n, perMessage = 7n, paid = 400_000n;
  const time = fakeTime(T);
  const shared = memorySessionStore({ clock: time.now });
  const paidStore = () => shared;
  const money = recorder();
  const server = http.createServer();
  const wss = new WebSocketServer({ noServer: true });
  const paidServer = ws402Server({ offers: [exactOffer(paid)], tariff: { perSecond, perByteOut, perMessage }, maxSessionDuration: 3600,
    updateIntervalMs: 1000, settle: money.settle, refund: money.refund, now: time.now, timers: time.timers,
    secret: SECRET, store: paidStore(), resumeGraceMs: 5000 });
  let session;
  let port;
  paidServer.attach(wss, { server, path: PATH }, (s) => { session = s; });
  const guard = paidServer.grantMiddleware();
  // Another process on the same store and secret: it runs no socket of the session, so it cannot charge.
  const elsewhere = ws402Server({ offers: [exactOffer(paid)], tariff: { perSecond, perByteOut, perMessage }, maxSessionDuration: 3600,
    settle: money.settle, refund: money.refund, now: time.now, timers: time.timers, secret: SECRET, store: paidStore(), resumeGraceMs: 5000 })
    .grantMiddleware({ resourceUrl: () => `http://127.0.0.1:${port}/media/1` });
  const N = 5000, BIG = 200_000;
  let handled = 0;
  server.on("request", (req, res) => {
    if (req.url === "/elsewhere") {
      elsewhere(req, res, () => { handled++; res.end(Buffer.alloc(N)); });
      return;
    }
    if (!req.url.startsWith("/media/")) return;
    guard(req, res, () => {
      handled++;
      res.writeHead(200, { "content-type": "application/octet-stream" });
      res.write(Buffer.alloc(req.url === "/media/big" ? BIG - 10 : N - 10, 0x61));
      res.end(Buffer.alloc(10, 0x62));
    });
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  port = server.address().port;
  const url = (path) => `http://127.0.0.1:${port}${path}`;
  try {
    const c = await open(`ws://127.0.0.1:${port}${PATH}`);
    c.ws.send(await proofFor(url(PATH), 33));
    await c.next("session_started");
    await until(() => session !== undefined);
    const token = session.grant(url("/media/1"), { ttlMs: 600_000 });
    // No token: the seed's 402 body, the pay402 code and the schema's URL.
    const none = await fetch(url("/media/1"));
    assert.equal(none.status, 402);
    assert.deepEqual(await none.json(), { error: "Payment Required", message: "Establish WS402 session first",
      code: "grant_required", schemaUrl: url(PATH) });
    // N bytes with the grant at T + 500: served whole, charged before.
    await time.to(T + 500);
    const ok = await fetch(url("/media/1"), { headers: { authorization: `WS402 ${token}` } });
    assert.equal(ok.status, 200);
    assert.equal((await ok.arrayBuffer()).byteLength, N);
    // The next usage_update (T + 1000) includes N × 3 + 7 on top of the time.
    await time.to(T + 1000);
    await until(() => c.frames.some((f) => f.type === "usage_update"));
    const atTick = (perSecond * 1000n) / 1000n + BigInt(N) * perByteOut + perMessage;
    const update = c.frames.filter((f) => f.type === "usage_update").at(-1);
    assert.equal(String(update.consumedAmount), atTick.toString());
    // A download the balance cannot pay (BIG × 3 > 400000): the core's 402, nothing served.
    // The same grant at another process: fail closed, 403 session_elsewhere, nothing served.
    const other = await fetch(url("/elsewhere"), { headers: { authorization: `WS402 ${token}` } });
    assert.deepEqual([other.status, (await other.json()).code], [403, "session_elsewhere"]);
    const bigToken = session.grant(url("/media/big"), { ttlMs: 600_000 });
    const before = handled;
    const refused = await fetch(url("/media/big"), { headers: { authorization: `WS402 ${bigToken}` } });
    assert.equal(refused.status, 402);
    assert.equal(handled, before + 1, "the handler ran; its response was held back");
    const body = await refused.json();
    assert.equal(body.code, "balance_insufficient");
    assert.equal(body.schemaUrl, url(PATH));
    // The session goes on; its client ends it at T + 2000: consumed = time + the one response.
    await time.to(T + 2000);
    c.ws.close(1000);
    const statement = await session.ended;
    const consumed = (perSecond * 2000n) / 1000n + BigInt(N) * perByteOut + perMessage;
    assert.equal(statement.consumed, consumed);
    await until(() => money.refunds.length === 1);
    assert.equal(money.refunds[0].amount, paid - consumed);
    // After the end: 403 session_ended, nothing served.
    const after = await fetch(url("/media/1"), { headers: { authorization: `WS402 ${token}` } });
    assert.deepEqual([after.status, (await after.json()).code], [403, "session_ended"]);
  } finally {
    for (const ws of wss.clients) ws.terminate();
    wss.close();
    await new Promise((r) => server.close(r));
  }
});

// The Python package's RedisSessionStore on the same Redis (PAY402_PEER_PYTHON: a Python with
// pay402 and redis; run.sh passes the venv of ffi-python/tests/run.sh): what one writes the other
// reads, and each one's compare-and-swap refuses the other's stale generation.
const PEER_PYTHON = process.env.PAY402_PEER_PYTHON;
const pythonStore = async (script) => {
  const { execFileSync } = await import("node:child_process");
  const code = `import asyncio, base64, json, sys, redis.asyncio as r
from pay402.ws402.store import RedisSessionStore
async def main():
    c = r.Redis(host="127.0.0.1", port=${Number(REDIS_PORT)})
    s = RedisSessionStore(c)
${script.split("\n").map((l) => "    " + l).join("\n")}
    await c.aclose()
asyncio.run(main())`;
  return JSON.parse(execFileSync(PEER_PYTHON, ["-c", code], { encoding: "utf8" }));
};
(REDIS_PORT && PEER_PYTHON ? test : nodeTest.skip)("redisSessionStore and Python's RedisSessionStore share one Redis: same keys, same encoding, one CAS", async () => {
  const redis = await redisFlush();
  try {
    const { createClient } = await import("redis");
    const client = createClient({ url: `redis://127.0.0.1:${REDIS_PORT}` });
    await client.connect();
    const store = redisSessionStore(client);
    const id = "0123456789abcdef0123456789abcdef";
    const record = Uint8Array.from({ length: 200 }, (_, i) => (i * 37) & 0xff);
    assert.equal(await store.create(id, record, 1, 60), true);
    const seen = await pythonStore(`got = await s.load("${id}")
print(json.dumps({"record": base64.b64encode(got.record).decode(), "generation": got.generation,
  "open": await s.open_ids(), "stale": await s.swap("${id}", b"x", 3, 0, 60),
  "swapped": await s.swap("${id}", bytes([9, 8, 7]), 2, 1, 60)}))`);
    assert.deepEqual(seen, { record: Buffer.from(record).toString("base64"), generation: 1, open: [id], stale: false, swapped: true });
    assert.deepEqual(await store.load(id), { record: Uint8Array.from([9, 8, 7]), generation: 2 });
    assert.equal(await store.swap(id, record, 3, 1, 60), false, "a stale generation loses");
    assert.equal(await store.delete(id, 2), true);
    assert.deepEqual(await pythonStore(`print(json.dumps({"open": await s.open_ids(), "gone": await s.load("${id}") is None}))`), { open: [], gone: true });
    await client.quit();
  } finally {
    await redis.quit();
  }
});

// ---- a server in a child process on Redis, killed with SIGKILL and restarted with the same secret

import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";

const PUBLIC = "ws://127.0.0.1/ws402/video";
const CHILD_PRICE = 250n, CHILD_PAID = 1_000_000n, CHILD_GRACE = 5000;

/** The child: a ws402Server on Redis (node-redis or ioredis) whose clock the parent moves. */
async function child(flavor, start, slowSwap) {
  const time = fakeTime(Number(start));
  let client;
  if (flavor === "ioredis") {
    const { Redis } = await import("ioredis");
    client = new Redis({ host: "127.0.0.1", port: Number(REDIS_PORT), lazyConnect: true });
    await client.connect();
  } else {
    const { createClient } = await import("redis");
    client = createClient({ url: `redis://127.0.0.1:${REDIS_PORT}` });
    await client.connect();
  }
  const srv = await serve({ offers: [exactOffer(CHILD_PAID)], pricePerSecond: CHILD_PRICE, maxSessionDuration: 3600, updateIntervalMs: 1000,
    resource: { url: PUBLIC }, publicUrl: PUBLIC, now: time.now, timers: time.timers,
    settle: (body) => { process.send({ settled: JSON.parse(new TextDecoder().decode(body)).paymentRequirements.amount }); return recorder().settle(body); },
    refund: (order) => { process.send({ refund: order.amount.toString(), key: Buffer.from(order.key).toString("hex") }); return { verdict: "refunded" }; },
    secret: SECRET, store: slowSwap ? slowed(redisSessionStore(client)) : redisSessionStore(client), resumeGraceMs: CHILD_GRACE });
  process.on("message", async (m) => {
    if (m.to !== undefined) {
      await time.to(m.to);
      process.send({ at: m.to });
    } else if (m.recover) {
      const out = await srv.paid.recover();
      process.send({ recovered: out });
    }
  });
  process.send({ port: new URL(srv.httpUrl).port });
}

/** A store whose compare-and-swap waits 500 ms first: two recovering processes both load the record before either writes. */
function slowed(store) {
  return { ...store, swap: async (...args) => { await new Promise((r) => setTimeout(r, 500)); return store.swap(...args); } };
}

if (process.argv[2] === "child") {
  await child(process.argv[3], process.argv[4], process.argv[5] === "slow");
}

/** Starts a child server; `money` collects what every child settled and refunded. */
async function spawn(flavor, start, money, slow = false) {
  const proc = fork(fileURLToPath(import.meta.url), ["child", flavor, String(start), slow ? "slow" : ""], { env: process.env, stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const replies = [];
  proc.on("message", (m) => {
    if (m.settled !== undefined) money.settled.push(m.settled);
    else if (m.refund !== undefined) money.refunds.push({ amount: BigInt(m.refund), key: m.key });
    else replies.push(m);
  });
  const reply = async (key) => {
    await until(() => replies.some((r) => key in r));
    return replies.splice(replies.findIndex((r) => key in r), 1)[0][key];
  };
  const port = await reply("port");
  const base = `127.0.0.1:${port}${PATH}`;
  return {
    proc, wsUrl: `ws://${base}`, httpUrl: `http://${base}`,
    to: async (at) => { proc.send({ to: at }); await reply("at"); },
    recover: async () => { proc.send({ recover: true }); return reply("recovered"); },
    kill: () => new Promise((r) => { proc.once("exit", r); proc.kill("SIGKILL"); }),
  };
}

async function redisFlush() {
  const { createClient } = await import("redis");
  const c = createClient({ url: `redis://127.0.0.1:${REDIS_PORT}` });
  await c.connect();
  await c.flushAll();
  return c;
}

/** Pays a session on `server` (at T) and runs it to T + 3500: checkpoints at 1, 2 and 3 s. */
async function paidSession(server, nonce) {
  const c = await open(server.wsUrl);
  c.ws.send(await proofFor(server.httpUrl, nonce));
  const started = await c.next("session_started");
  await server.to(T + 3500);
  return { c, started };
}

const redisTest = REDIS_PORT || IN_CHILD ? test : nodeTest.skip;

redisTest("killed mid-session (SIGKILL), restarted with the same secret: recover() lets the client resume; billed to the last checkpoint, then active time", async () => {
  const redis = await redisFlush();
  const money = { settled: [], refunds: [] };
  const a = await spawn("node-redis", T, money);
  let b;
  try {
    const { c, started } = await paidSession(a, 21);
    // the Python RedisSessionStore's layout: base64 record, decimal generation, the open set
    const id = started.sessionId;
    assert.match(await redis.get(`pay402:ws402:s:${id}`), /^[A-Za-z0-9+/]+={0,2}$/);
    assert.match(await redis.get(`pay402:ws402:g:${id}`), /^[1-9][0-9]*$/);
    assert.deepEqual(await redis.sMembers("pay402:ws402:open"), [id]);
    await a.kill();
    await c.closed;
    b = await spawn("ioredis", T + 6000, money); // after the lease (checkpoint 3000 + 2 × 1000), within the grace (3000 + 5000)
    assert.deepEqual(await b.recover(), [{ sessionId: id, kind: "await_resume" }]);
    const d = await open(b.wsUrl);
    d.ws.send(resumeFrame(started));
    const resumed = await d.next("session_resumed");
    assert.equal(resumed.consumedAmount, String(charge(CHILD_PRICE, 3000, CHILD_PAID)));
    await b.to(T + 6000 + 1800);
    d.ws.close(1000);
    await d.closed;
    await new Promise((r) => setTimeout(r, 300)); // the server sees the close before its clock moves on
    await b.to(T + 30_000);
    await until(() => money.refunds.length >= 1);
    const consumed = charge(CHILD_PRICE, 3000 + 1800, CHILD_PAID);
    assert.deepEqual(money.settled, [String(CHILD_PAID)]);
    assert.deepEqual(money.refunds, [{ amount: CHILD_PAID - consumed, key: refundKey(id) }]);
    assert.deepEqual(await b.recover(), [{ sessionId: id, kind: "done" }], "the done record is found done");
    assert.deepEqual(await redis.sMembers("pay402:ws402:open"), [], "and deleted");
  } finally {
    a.proc.kill("SIGKILL");
    b?.proc.kill("SIGKILL");
    await redis.quit();
  }
});

redisTest("killed mid-session, no resume: recover() ends at the last checkpoint and refunds once; two recovering processes, one wins the CAS", async () => {
  const redis = await redisFlush();
  const money = { settled: [], refunds: [] };
  const a = await spawn("node-redis", T, money);
  const others = [];
  try {
    const { c, started } = await paidSession(a, 22);
    await a.kill();
    await c.closed;
    c.ws.terminate();
    // two processes recover the same Redis after the grace: each asks, exactly one acts
    others.push(await spawn("node-redis", T + 20_000, money, true), await spawn("ioredis", T + 20_000, money, true));
    const kinds = await Promise.all(others.map((o) => o.recover()));
    // both found the orphan past its grace and asked to end it; the takeover write decides
    assert.deepEqual(kinds, [[{ sessionId: started.sessionId, kind: "end" }], [{ sessionId: started.sessionId, kind: "end" }]]);
    await Promise.all(others.map((o) => o.to(T + 40_000)));
    await until(() => money.refunds.length >= 1);
    await settleDown();
    await new Promise((r) => setTimeout(r, 300));
    const consumed = charge(CHILD_PRICE, 3000, CHILD_PAID);
    assert.deepEqual(money.settled, [String(CHILD_PAID)]);
    assert.deepEqual(money.refunds, [{ amount: CHILD_PAID - consumed, key: refundKey(started.sessionId) }]);
  } finally {
    a.proc.kill("SIGKILL");
    for (const o of others) o.proc.kill("SIGKILL");
    await redis.quit();
  }
});
