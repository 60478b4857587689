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
import { test } from "node:test";
import { WebSocket, WebSocketServer } from "ws";
import * as p from "pay402";
import { memorySessionStore, redisSessionStore, ws402Server } from "pay402/ws402";

const KEY = new Uint8Array(32).fill(0x11);
const PAYER = p.privateKeyToAddress(KEY);
const USDC = "0x036CbD53842c5426634e7929541eC2318f3dCF7e";
const PAY_TO = "0x209693Bc6afc0C5328bA36FaF03C514EF312287C";
const NETWORK = "eip155:84532";
const T = 1_800_000_000_000;
const PATH = "/ws402/video";
const SECRET = new Uint8Array(32).fill(0x5a);
const REDIS_PORT = process.env.REDIS_PORT;

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
  const wss = new WebSocketServer({ noServer: true });
  const paid = ws402Server(config);
  const statements = [];
  paid.attach(wss, { server, path: PATH }, (s) => { s.onEnd((st) => statements.push(st)); });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const base = `127.0.0.1:${server.address().port}${PATH}`;
  return {
    paid, statements, wsUrl: `ws://${base}`, httpUrl: `http://${base}`,
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
