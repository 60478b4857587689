// pay402/ws402 over real sockets: `ws402Server` attached to a `ws` WebSocketServer on a
// `node:http` server on 127.0.0.1, paid by payments signed with pay402's own signers over the
// schema's `paymentDetails` (and, end to end, by `ws402Connect`). The settlement records every
// /settle body and refund order; the clock and the timers are injected, so every amount is
// exact: the expected values are computed here from price × time (WS402's rule,
// floor(pricePerSecond × ms / 1000), capped at what was paid), never read back from the code.
//   node ws402-server.mjs <README.md>   (run inside a project where `pay402` and `ws` are installed)
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import http from "node:http";
import { test } from "node:test";
import { WebSocket, WebSocketServer } from "ws";
import * as p from "pay402";
import { ws402Connect, ws402Server } from "pay402/ws402";

const KEY = new Uint8Array(32).fill(0x11);
const PAYER = p.privateKeyToAddress(KEY);
const USDC = "0x036CbD53842c5426634e7929541eC2318f3dCF7e";
const PAY_TO = "0x209693Bc6afc0C5328bA36FaF03C514EF312287C";
const SETTLER = "0x000000000000000000000000000000000000dEaD";
const NETWORK = "eip155:84532";
const T = 1_800_000_000_000;
const PATH = "/ws402/video";

const exactOffer = (amount) => ({ scheme: "exact", network: NETWORK, asset: USDC, amount, payTo: PAY_TO,
  maxTimeoutSeconds: 300, eip712Name: "USDC", eip712Version: "2" });
const uptoOffer = (amount) => ({ scheme: "upto", network: NETWORK, asset: USDC, amount, payTo: PAY_TO,
  maxTimeoutSeconds: 3600, facilitator: SETTLER });

/** WS402's charge: floor(price × ms / 1000), at most what was paid. */
const charge = (price, ms, paid) => {
  const c = (BigInt(price) * BigInt(ms)) / 1000n;
  return c < paid ? c : paid;
};

/** An injected clock and timers: `advance(ms)` moves the clock and fires what is due, in order. */
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
  }
  return { clock, timers, now: () => clock.t, to };
}

const settleDown = () => new Promise((r) => setTimeout(r, 30));
const until = async (fn) => {
  for (let i = 0; i < 400 && !fn(); i++) await settleDown();
  assert.ok(fn(), "timed out");
};

/** The recording settlement: every /settle body and refund order, answered `success`. */
function recorder() {
  const settled = [];
  const refunds = [];
  return {
    settled, refunds,
    settle: (body) => {
      const parsed = JSON.parse(new TextDecoder().decode(body));
      settled.push(parsed);
      return { success: true, transaction: "0x" + "11".repeat(32), network: NETWORK, payer: PAYER };
    },
    refund: (order) => {
      refunds.push({ key: Buffer.from(order.key).toString("hex"), to: order.to, asset: order.asset, amount: order.amount, network: order.network });
      return { verdict: "refunded", success: true, transaction: "0x" + "22".repeat(32) };
    },
  };
}

/** A server on 127.0.0.1: the schema URL, the sessions' statements, the server-side sockets. */
async function serve(config, onSession = () => {}) {
  const server = http.createServer();
  const wss = new WebSocketServer({ noServer: true });
  const paid = ws402Server(config);
  const statements = [];
  const sessions = [];
  paid.attach(wss, { server, path: PATH }, (s) => {
    sessions.push(s);
    s.onEnd((st) => statements.push(st));
    return onSession(s);
  });
  const sockets = [];
  wss.on("connection", (ws) => sockets.push(ws));
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const base = `127.0.0.1:${server.address().port}${PATH}`;
  return {
    paid, statements, sessions, sockets, wsUrl: `ws://${base}`, httpUrl: `http://${base}`,
    async close() {
      await paid.close();
      for (const c of wss.clients) c.terminate();
      wss.close();
      await new Promise((r) => server.close(r));
    },
  };
}

/** The `payment_proof` frame paying the server's schema with KEY (EIP-3009 or Permit2 upto). */
async function proofFor(httpUrl, nonce) {
  const schema = await (await fetch(httpUrl)).json();
  const required = schema.paymentDetails;
  const accepted = required.accepts[0];
  let header;
  if (accepted.scheme === "upto") {
    const signed = p.permit2SignPayload(JSON.stringify(accepted), KEY, BigInt(nonce), T / 1000);
    header = p.x402EncodeHeader(JSON.stringify({ x402Version: 2, resource: required.resource, accepted, payload: JSON.parse(signed.payload) }));
  } else {
    header = p.x402Sign(JSON.stringify(required), { privateKey: KEY, now: T / 1000, nonce: new Uint8Array(32).fill(nonce) }).headerValue;
  }
  return JSON.stringify({ type: "payment_proof", proof: header });
}

/** A client socket that records every frame and its close. */
async function open(url) {
  const ws = new WebSocket(url);
  const frames = [];
  const waiters = [];
  const closed = new Promise((r) => ws.on("close", (code) => r(code)));
  ws.on("message", (data, binary) => {
    let f = binary ? data : data.toString();
    try {
      if (!binary) f = JSON.parse(f);
    } catch { /* an application frame */ }
    frames.push(f);
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
  return { ws, frames, closed, next, of: (type) => frames.filter((x) => x.type === type) };
}

const refundKey = (sessionId) => createHash("sha256").update("pay402 ws402 refund").update(Buffer.from(sessionId, "hex")).digest("hex");

test("exact: settled before the session, usage updates, client close, refund of paid − consumed once", async () => {
  const price = 250n, paid = 1_000_000n;
  const time = fakeTime(T);
  const money = recorder();
  const srv = await serve({ offers: [exactOffer(paid)], pricePerSecond: price, maxSessionDuration: 3600, updateIntervalMs: 1000,
    settle: money.settle, refund: money.refund, now: time.now, timers: time.timers });
  try {
    const c = await open(srv.wsUrl);
    await time.to(T + 100);
    c.ws.send(await proofFor(srv.httpUrl, 1));
    const started = await c.next("session_started");
    const start = T + 100;
    assert.deepEqual(started, { type: "session_started", sessionId: started.sessionId, balance: String(paid), pricePerSecond: String(price) });
    assert.equal(money.settled.length, 1);
    assert.equal(money.settled[0].paymentRequirements.amount, String(paid));
    await time.to(start + 1000);
    const update = await c.next("usage_update");
    assert.equal(update.consumedAmount, String(charge(price, 1000, paid)));
    await time.to(start + 2750);
    c.ws.close(1000);
    assert.equal(await c.closed, 1000);
    await settleDown();
    await time.to(start + 3000);
    const consumed = charge(price, 2750, paid);
    assert.deepEqual(money.refunds, [{ key: refundKey(started.sessionId), to: PAYER, asset: USDC, amount: paid - consumed, network: NETWORK }]);
    assert.equal(srv.statements.length, 1);
    const st = srv.statements[0];
    assert.deepEqual([st.ending, st.reason, st.plan, st.payer], ["ended", "client_close", "exact", PAYER]);
    assert.deepEqual([st.paid, st.consumed, st.settlementAmount, st.settlementStatus], [paid, consumed, paid, "settled"]);
    assert.deepEqual([st.refundAmount, st.refundStatus, st.finished], [paid - consumed, "confirmed", true]);
    assert.equal(money.settled.length, 1);
    assert.equal(srv.sessions[0].payer, PAYER);
  } finally {
    await srv.close();
  }
});

test("upto above 2^53: the application ends, exactly consumed is settled, no refund", async () => {
  const price = 10n ** 16n, maximum = 3n * 10n ** 18n;
  const time = fakeTime(T);
  const money = recorder();
  let session;
  const srv = await serve({ offers: [uptoOffer(maximum)], pricePerSecond: price, maxSessionDuration: 600, updateIntervalMs: 0,
    settle: money.settle, now: time.now, timers: time.timers }, (s) => { session = s; });
  try {
    const c = await open(srv.wsUrl);
    c.ws.send(await proofFor(srv.httpUrl, 2));
    const started = await c.next("session_started");
    assert.equal(started.balance, String(maximum));
    assert.equal(money.settled.length, 0, "upto: nothing settled before the session");
    await settleDown();
    await time.to(T + 2500);
    const st = await session.end();
    const consumed = charge(price, 2500, maximum);
    assert.ok(consumed > 2n ** 53n);
    assert.equal(await c.closed, 1000);
    assert.equal(money.settled.length, 1);
    assert.equal(money.settled[0].paymentRequirements.amount, consumed.toString());
    assert.deepEqual([st.plan, st.paid, st.consumed, st.settlementAmount, st.settlementStatus, st.refundAmount],
      ["upto", maximum, consumed, consumed, "settled", null]);
    assert.equal(money.refunds.length, 0);
  } finally {
    await srv.close();
  }
});

test("double close and a late app end: one statement, one settlement, one refund", async () => {
  const price = 100n, paid = 50_000n;
  const time = fakeTime(T);
  const money = recorder();
  const srv = await serve({ offers: [exactOffer(paid)], pricePerSecond: price, maxSessionDuration: 3600,
    settle: money.settle, refund: money.refund, now: time.now, timers: time.timers });
  try {
    const c = await open(srv.wsUrl);
    c.ws.send(await proofFor(srv.httpUrl, 3));
    await c.next("session_started");
    await settleDown();
    await time.to(T + 1234);
    const server = srv.sockets[0];
    server.emit("close", 1000, Buffer.alloc(0)); // a close reported twice
    server.emit("close", 1000, Buffer.alloc(0));
    await srv.sessions[0].end();
    await settleDown();
    const consumed = charge(price, 1234, paid);
    assert.equal(srv.statements.length, 1);
    assert.deepEqual([srv.statements[0].reason, srv.statements[0].consumed], ["client_close", consumed]);
    assert.equal(money.settled.length, 1);
    assert.deepEqual(money.refunds.map((r) => r.amount), [paid - consumed]);
    c.ws.terminate();
  } finally {
    await srv.close();
  }
});

test("error then close: the drop ends the session at the error, once", async () => {
  const price = 100n, paid = 50_000n;
  const time = fakeTime(T);
  const money = recorder();
  const errors = [];
  const srv = await serve({ offers: [exactOffer(paid)], pricePerSecond: price, maxSessionDuration: 3600,
    settle: money.settle, refund: money.refund, now: time.now, timers: time.timers, onError: (e) => errors.push(e) });
  try {
    const c = await open(srv.wsUrl);
    c.ws.send(await proofFor(srv.httpUrl, 4));
    await c.next("session_started");
    await settleDown();
    await time.to(T + 777);
    srv.sockets[0].emit("error", new Error("ECONNRESET"));
    await time.to(T + 900);
    srv.sockets[0].terminate(); // then the close (1006)
    await c.closed;
    await settleDown();
    const consumed = charge(price, 777, paid);
    assert.equal(srv.statements.length, 1);
    assert.deepEqual([srv.statements[0].reason, srv.statements[0].atMs, srv.statements[0].consumed], ["connection_lost", T + 777, consumed]);
    assert.equal(money.settled.length, 1);
    assert.deepEqual(money.refunds.map((r) => r.amount), [paid - consumed]);
    assert.equal(errors.length, 1);
  } finally {
    await srv.close();
  }
});

test("balance exhaustion by time: ended at the exact ms the prepayment runs out, nothing refunded", async () => {
  const price = 1_000n, paid = 9_999n;
  const time = fakeTime(T);
  const money = recorder();
  const srv = await serve({ offers: [exactOffer(paid)], pricePerSecond: price, maxSessionDuration: 3600, updateIntervalMs: 0,
    settle: money.settle, refund: money.refund, now: time.now, timers: time.timers });
  try {
    const c = await open(srv.wsUrl);
    c.ws.send(await proofFor(srv.httpUrl, 5));
    await c.next("session_started");
    await settleDown();
    await time.to(T + 60_000);
    assert.equal(await c.closed, 1000);
    await c.next("balance_exhausted");
    // the first ms at which floor(price × ms / 1000) reaches paid: ceil(1000 × paid / price)
    const exhaustedAt = Number((1000n * paid + price - 1n) / price);
    const st = srv.statements[0];
    assert.deepEqual([st.reason, st.atMs, st.consumed, st.refundAmount], ["balance_exhausted", T + exhaustedAt, paid, null]);
    assert.equal(money.refunds.length, 0);
  } finally {
    await srv.close();
  }
});

test("balance exhaustion by an unaffordable send: the frame is never sent, the session ends", async () => {
  const perSecond = 1n, perByteOut = 10n, paid = 1_000n;
  const time = fakeTime(T);
  const money = recorder();
  const results = [];
  const srv = await serve({ offers: [exactOffer(paid)], tariff: { perSecond, perByteOut }, maxSessionDuration: 3600, updateIntervalMs: 0,
    settle: money.settle, refund: money.refund, now: time.now, timers: time.timers }, async (s) => {
    results.push(await s.send("a".repeat(50))); // 500 of 1000
    results.push(await s.send("b".repeat(60))); // 600 more: refused
  });
  try {
    const c = await open(srv.wsUrl);
    c.ws.send(await proofFor(srv.httpUrl, 6));
    await c.next("session_started");
    assert.equal(await c.closed, 1000);
    await settleDown();
    assert.deepEqual(results, [true, false]);
    // the first frame arrived, the refused one never did
    assert.deepEqual(c.frames.filter((f) => typeof f === "string"), ["a".repeat(50)]);
    const st = srv.statements[0];
    // no time passed on the injected clock: only the 50 bytes sent are owed
    const consumed = 50n * perByteOut;
    assert.deepEqual([st.reason, st.consumed, st.refundAmount], ["balance_exhausted", consumed, paid - consumed]);
    assert.deepEqual(money.refunds.map((r) => r.amount), [paid - consumed]);
  } finally {
    await srv.close();
  }
});

test("one prepayment on two sockets: exactly one session_started, the other payment_already_used + 1008", async () => {
  const time = fakeTime(T);
  const money = recorder();
  const srv = await serve({ offers: [exactOffer(10_000n)], pricePerSecond: 10n, maxSessionDuration: 60,
    settle: money.settle, refund: money.refund, now: time.now, timers: time.timers });
  try {
    const proof = await proofFor(srv.httpUrl, 7);
    const [a, b] = await Promise.all([open(srv.wsUrl), open(srv.wsUrl)]);
    a.ws.send(proof);
    b.ws.send(proof);
    await Promise.all([a, b].map((c) => Promise.race([c.next("session_started"), c.next("payment_rejected")])));
    await settleDown();
    const started = [a, b].filter((c) => c.of("session_started").length === 1);
    const rejected = [a, b].filter((c) => c.of("payment_rejected").length === 1);
    assert.equal(started.length, 1);
    assert.equal(rejected.length, 1);
    assert.equal(rejected[0].of("payment_rejected")[0].reason, "payment_already_used");
    assert.equal(await rejected[0].closed, 1008);
    assert.equal(money.settled.length, 1);
    started[0].ws.close(1000);
    await started[0].closed;
  } finally {
    await srv.close();
  }
});

test("one prepayment on two servers sharing Redis (RedisReplayStore): one session_started, one settlement", { skip: !process.env.REDIS_PORT && "REDIS_PORT not set (run.sh starts redis-server)" }, async () => {
  const { RedisReplayStore } = await import("pay402/replay");
  const prefix = `pay402:ws402-test:${process.pid}:`;
  const { createClient } = await import("redis");
  const clients_ = await Promise.all([0, 1].map(() => createClient({ url: `redis://127.0.0.1:${process.env.REDIS_PORT}/0` }).connect()));
  const stores = clients_.map((client) => new RedisReplayStore(client, { prefix })); // one connection per "process"
  const time = fakeTime(T);
  const money = recorder();
  const servers = await Promise.all(stores.map((replayStore) => serve({ offers: [exactOffer(10_000n)], pricePerSecond: 10n, maxSessionDuration: 60,
    settle: money.settle, refund: money.refund, replayStore, now: time.now, timers: time.timers })));
  try {
    const proof = await proofFor(servers[0].httpUrl, 8);
    const clients = await Promise.all(servers.map((srv) => open(srv.wsUrl)));
    for (const c of clients) c.ws.send(proof);
    await Promise.all(clients.map((c) => Promise.race([c.next("session_started"), c.next("payment_rejected")])));
    await settleDown();
    assert.equal(clients.filter((c) => c.of("session_started").length === 1).length, 1);
    const rejected = clients.filter((c) => c.of("payment_rejected").length === 1);
    assert.deepEqual(rejected.map((c) => c.of("payment_rejected")[0].reason), ["payment_already_used"]);
    assert.equal(await rejected[0].closed, 1008);
    assert.equal(money.settled.length, 1);
  } finally {
    for (const srv of servers) await srv.close();
    for (const client of clients_) await client.quit();
  }
});

test("close(): an unpaid connection is closed 1001 and rejected, nothing settled; the proof timeout rejects with 1008", async () => {
  const time = fakeTime(T);
  const money = recorder();
  const srv = await serve({ offers: [exactOffer(10_000n)], pricePerSecond: 10n, maxSessionDuration: 60, proofTimeoutMs: 5_000,
    settle: money.settle, refund: money.refund, now: time.now, timers: time.timers });
  const late = await open(srv.wsUrl);
  await settleDown();
  await time.to(T + 5_000);
  assert.deepEqual(await late.next("payment_rejected"), { type: "payment_rejected", reason: "payment_proof_timeout" });
  assert.equal(await late.closed, 1008);
  const idle = await open(srv.wsUrl);
  await settleDown();
  const statements = await srv.paid.close();
  assert.deepEqual(statements.map((st) => [st.ending, st.reason, st.paid]), [["rejected", "connection_closed", 0n]]);
  assert.equal(await idle.closed, 1001);
  assert.equal(money.settled.length, 0);
  await srv.close();
});

test("the schema endpoint: pricing from the tariff, paymentDetails the offers' x402 v2 PaymentRequired", async () => {
  const money = recorder();
  const srv = await serve({ offers: [exactOffer(30_000n)], pricePerSecond: 100n, estimatedDuration: 300, maxSessionDuration: 600,
    settle: money.settle, refund: money.refund });
  try {
    const res = await fetch(srv.httpUrl);
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type"), /application\/json/);
    const schema = await res.json();
    assert.equal(schema.websocketEndpoint, srv.wsUrl);
    assert.equal(schema.pricing.pricePerSecond, "100");
    assert.equal(schema.pricing.estimatedDuration, 300);
    assert.equal(schema.pricing.totalPrice, String(100n * 300n));
    assert.equal(schema.maxSessionDuration, 600);
    assert.equal(schema.paymentDetails.x402Version, 2);
    assert.deepEqual(schema.paymentDetails.accepts.map((a) => [a.scheme, a.amount, a.payTo]), [["exact", "30000", PAY_TO]]);
    assert.equal((await fetch(srv.httpUrl, { method: "POST" })).status, 405);
  } finally {
    await srv.close();
  }
});

test("configuration fails closed: an exact offer with nothing able to refund, a bad offer", () => {
  assert.throws(() => ws402Server({ offers: [exactOffer(10n)], pricePerSecond: 1n, maxSessionDuration: 60, settle: () => null }),
    (e) => e instanceof TypeError && e.code === "missing_refund");
  assert.throws(() => ws402Server({ offers: [exactOffer(10n)], pricePerSecond: 1n, maxSessionDuration: 60 }),
    (e) => e instanceof TypeError && e.code === "invalid_config");
  assert.throws(() => ws402Server({ offers: [{ ...exactOffer(10n), network: "nowhere" }], pricePerSecond: 1n, maxSessionDuration: 60, settle: () => null, refund: () => "failed" }),
    (e) => e instanceof TypeError && e.code === "invalid_config" && typeof e.detailCode === "string");
  // upto needs no refunder
  ws402Server({ offers: [uptoOffer(10n)], pricePerSecond: 1n, maxSessionDuration: 60, settle: () => null }).close();
});

// chainProof's transport: the core asks JSON-RPC calls (`rpc` commands), the server POSTs them and reports the whole
// body, or nothing when the call failed; what a failure means is the core's (API23: `rpc_unavailable`, close 1011).
// The RPC here is a node:http server on 127.0.0.1 that records each request and answers as told.
async function fakeRpc(answer) {
  const calls = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      calls.push({ method: req.method, type: req.headers["content-type"], body: Buffer.concat(chunks).toString() });
      answer(res);
    });
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return { calls, url: `http://127.0.0.1:${server.address().port}/rpc`, close: () => { server.closeAllConnections(); return new Promise((r) => server.close(r)); } };
}
const TX = "0x" + "ab".repeat(32);
const seedProof = JSON.stringify({ type: "payment_proof", proof: { txHash: TX, reference: "base_1_abcdefghi", senderAddress: PAYER } });

for (const [name, answer, extra] of [
  ["answers HTTP 500", (res) => { res.writeHead(500); res.end('{"jsonrpc":"2.0","id":1,"result":null}'); }, {}],
  ["does not answer within rpcTimeoutMs", () => {}, { rpcTimeoutMs: 300 }],
]) {
  test(`chainProof: an RPC that ${name} is reported as no answer: payment_rejected rpc_unavailable, 1011, nothing refunded`, async () => {
    const rpcServer = await fakeRpc(answer);
    const time = fakeTime(T);
    const money = recorder();
    const srv = await serve({ chainProof: { chainId: 84532, payTo: PAY_TO, rpcUrl: rpcServer.url, ...extra }, pricePerSecond: 10n,
      estimatedDuration: 300, refund: money.refund, now: time.now, timers: time.timers });
    try {
      const c = await open(srv.wsUrl);
      c.ws.send(seedProof);
      assert.equal((await c.next("payment_rejected")).reason, "rpc_unavailable");
      assert.equal(await c.closed, 1011);
      // one JSON-RPC 2.0 POST, the core's first question about the hash (its receipt, or for the native coin the
      // transaction), params verbatim
      assert.equal(rpcServer.calls.length, 1);
      assert.deepEqual([rpcServer.calls[0].method, rpcServer.calls[0].type], ["POST", "application/json"]);
      const body = JSON.parse(rpcServer.calls[0].body);
      assert.ok(["eth_getTransactionReceipt", "eth_getTransactionByHash"].includes(body.method), body.method);
      assert.deepEqual(body, { jsonrpc: "2.0", id: 1, method: body.method, params: [TX] });
      assert.deepEqual([money.settled, money.refunds], [[], []]);
      assert.equal(c.of("session_started").length, 0);
    } finally {
      await srv.close();
      await rpcServer.close();
    }
  });
}

test("chainProof: an object proof whose txHash is not 0x + 64 hex digits: payment_rejected invalid_transaction_hash, 1008, no RPC call", async () => {
  const rpcServer = await fakeRpc((res) => { res.writeHead(200); res.end('{"jsonrpc":"2.0","id":1,"result":null}'); });
  const time = fakeTime(T);
  const srv = await serve({ chainProof: { chainId: 84532, payTo: PAY_TO, rpcUrl: rpcServer.url }, pricePerSecond: 10n,
    estimatedDuration: 300, refund: recorder().refund, now: time.now, timers: time.timers });
  try {
    const c = await open(srv.wsUrl);
    c.ws.send(JSON.stringify({ type: "payment_proof", proof: { txHash: "0x12", reference: "base_1_abcdefghi", senderAddress: PAYER } }));
    assert.equal((await c.next("payment_rejected")).reason, "invalid_transaction_hash");
    assert.equal(await c.closed, 1008);
    assert.equal(rpcServer.calls.length, 0);
  } finally {
    await srv.close();
    await rpcServer.close();
  }
});

test("chainProof: the schema carries the original WS402's paymentDetails; fresh reference per GET; config fails closed", async () => {
  const time = fakeTime(T);
  const srv = await serve({ chainProof: { chainId: 84532, payTo: PAY_TO.toLowerCase(), rpcUrl: "http://127.0.0.1:1/" }, pricePerSecond: 10n ** 12n,
    estimatedDuration: 300, refund: recorder().refund, now: time.now, timers: time.timers });
  try {
    const [a, b] = [await (await fetch(srv.httpUrl)).json(), await (await fetch(srv.httpUrl)).json()];
    const d = a.paymentDetails;
    // API23: type, network, chainId, recipient (EIP-55), amountWei = totalPrice (3 × 10^14 ≤ 2^53: a number), amountETH,
    // currency, reference base_<ms>_<9 base36>, expiresAt = now + maxAgeSeconds (300 s)
    assert.deepEqual([d.type, d.network, d.chainId, d.recipient, d.amountWei, d.amountETH, d.currency, d.expiresAt],
      ["base", "base-sepolia", 84532, PAY_TO, 300_000_000_000_000, "0.0003", "ETH", T + 300_000]);
    assert.match(d.reference, new RegExp(`^base_${T}_[0-9a-z]{9}$`));
    assert.notEqual(b.paymentDetails.reference, d.reference);
  } finally {
    await srv.close();
  }
  // beside x402 offers: the PaymentRequired's members and the original's fields in one paymentDetails (a USDC token:
  // currency ERC20, tokenAddress, no amountETH). The chain proofs' payee is not the offers' (an x402 settlement to it
  // would pass as a prepayment): the same payee is refused.
  const SEED_PAY_TO = "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"; // EIP-55's first example, given lower case
  const chainProof = (payTo) => ({ chainId: 84532, asset: USDC, payTo, rpcUrl: "http://127.0.0.1:1/" });
  assert.throws(() => ws402Server({ offers: [uptoOffer(30_000n)], settle: recorder().settle, refund: recorder().refund,
    pricePerSecond: 100n, estimatedDuration: 300, chainProof: chainProof(PAY_TO) }),
    { code: "invalid_config", detailCode: "chain_proof_payee_shared" });
  const both = await serve({ offers: [uptoOffer(30_000n)], settle: recorder().settle, refund: recorder().refund, pricePerSecond: 100n,
    estimatedDuration: 300, chainProof: chainProof(SEED_PAY_TO), now: time.now, timers: time.timers });
  try {
    const d = (await (await fetch(both.httpUrl)).json()).paymentDetails;
    assert.deepEqual([d.x402Version, d.accepts.length, d.accepts[0].scheme, d.accepts[0].payTo, d.recipient, d.amountWei, d.currency,
      d.tokenAddress, d.amountETH], [2, 1, "upto", PAY_TO, "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", 30_000, "ERC20", USDC, undefined]);
  } finally {
    await both.close();
  }
  const base = { chainProof: { chainId: 84532, payTo: PAY_TO, rpcUrl: "http://127.0.0.1:1/" }, pricePerSecond: 1n, estimatedDuration: 60 };
  assert.throws(() => ws402Server(base), { code: "missing_refund" });
  assert.throws(() => ws402Server({ ...base, refund: () => "pending", chainProof: { chainId: 84532, payTo: PAY_TO } }), { code: "invalid_config" });
  assert.throws(() => ws402Server({ ...base, refund: () => "pending", chainProof: { ...base.chainProof, rpcUrl: "ftp://x/" } }), { code: "invalid_config" });
  assert.throws(() => ws402Server({ ...base, refund: () => "pending", chainProof: { ...base.chainProof, rpc: "x" } }), { code: "invalid_config" });
});

test("client end to end: ws402Connect pays the schema with pay402's signer, follows the usage, end() gives the statement", async () => {
  const price = 250n, paid = 1_000_000n;
  const time = fakeTime(T);
  const money = recorder();
  const srv = await serve({ offers: [exactOffer(paid)], pricePerSecond: price, maxSessionDuration: 3600, updateIntervalMs: 1000,
    settle: money.settle, refund: money.refund, now: time.now, timers: time.timers });
  try {
    const session = await ws402Connect(srv.httpUrl, { signer: p.privateKeySigner(KEY), WebSocket, now: () => T / 1000,
      budget: { networks: [NETWORK], assets: [USDC], maxAmount: paid } });
    const usage = [];
    session.addEventListener("usage", (e) => usage.push(e.consumed));
    assert.equal(session.balance, paid);
    assert.equal(money.settled.length, 1);
    await until(() => srv.sessions.length === 1);
    await time.to(T + 1000);
    await until(() => usage.length === 1);
    assert.deepEqual(usage, [charge(price, 1000, paid)]);
    await time.to(T + 2000);
    const st = await session.end();
    const consumed = charge(price, 2000, paid);
    assert.equal(st.closeCode, 1000);
    assert.equal(st.consumed, consumed);
    assert.equal(st.remaining, paid - consumed);
    if (st.ended) assert.deepEqual([st.ended.consumed, st.ended.refund], [consumed, paid - consumed]);
    await until(() => srv.statements.length === 1);
    assert.deepEqual([srv.statements[0].reason, srv.statements[0].consumed, srv.statements[0].refundAmount], ["client_close", consumed, paid - consumed]);
    assert.deepEqual(money.refunds.map((r) => [r.to, r.amount]), [[PAYER, paid - consumed]]);
  } finally {
    await srv.close();
  }
});

test("client: a server that claims more than was paid is refused by the core's tracker, and the client closes", async () => {
  const paid = 10_000n;
  const engine = new p.Ws402Server([exactOffer(paid)], { url: "ws://127.0.0.1/liar" }, { pricePerSecond: 10n, maxSessionSeconds: 60 });
  const server = http.createServer((req, res) => res.writeHead(200, { "content-type": "application/json" }).end(engine.schema("ws://127.0.0.1/liar")));
  const wss = new WebSocketServer({ server });
  const closes = [];
  wss.on("connection", (ws) => {
    ws.on("message", () => ws.send(JSON.stringify({ type: "session_started", sessionId: "liar", balance: String(paid + 1n), pricePerSecond: "10" })));
    ws.on("close", (code) => closes.push(code));
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  try {
    await assert.rejects(ws402Connect(`http://127.0.0.1:${server.address().port}/liar`, { signer: p.privateKeySigner(KEY), WebSocket,
      now: () => T / 1000, budget: { networks: [NETWORK], assets: [USDC], maxAmount: paid } }),
    (e) => e.name === "Ws402Error" && e.code === "balance_exceeds_authorized");
    await until(() => closes.length === 1);
    assert.deepEqual(closes, [1008]);
  } finally {
    engine.free();
    wss.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});

// The README's `<!-- ws402-session example: … -->` blocks, run as written (the README is argv[2]):
// the server on a free port, selling to a payment signed here (later: the README client), its
// facilitator the fixtures' one (the reference @x402/evm facilitator verifying, no chain). The
// clock is the real one, so the charge is checked within the instants measured around the session.
const README = process.argv[2];
test("README: the ws402-session server example paid by hand and by the README client, each settled once", { skip: !README && "no README path given" }, async () => {
  const { readFileSync, writeFileSync } = await import("node:fs");
  const { resolve } = await import("node:path");
  const { pathToFileURL } = await import("node:url");
  const { startFacilitator, FACILITATOR_ADDRESS } = await import("./server-fixtures.mjs");
  const blocks = Object.fromEntries([...readFileSync(README, "utf8").matchAll(/<!-- ws402-session example: (\w+)[^>]*-->\n```js\n([\s\S]*?)```/g)]
    .map((m) => [m[1], m[2]]));
  assert.ok(blocks.server, "a `<!-- ws402-session example: server -->` block");
  assert.ok(blocks.server.trim().split("\n").length <= 10, "the server example is at most 10 lines");
  const fac = await startFacilitator();
  Object.assign(process.env, { PAY_TO, SETTLER: FACILITATOR_ADDRESS, FACILITATOR_URL: fac.url, PORT: "0" });
  const file = resolve("readme-ws402-session-server.mjs");
  writeFileSync(file, blocks.server);
  const { server } = await import(pathToFileURL(file).href);
  try {
    if (!server.listening) await new Promise((r) => server.once("listening", r));
    const base = `127.0.0.1:${server.address().port}/quotes`;
    const schema = await (await fetch(`http://${base}`)).json();
    const accepted = schema.paymentDetails.accepts[0];
    assert.deepEqual([accepted.scheme, accepted.amount, schema.pricing.pricePerSecond], ["upto", "30000", "100"]);
    const signed = p.permit2SignPayload(JSON.stringify(accepted), KEY, 99n, Math.floor(Date.now() / 1000));
    const proof = p.x402EncodeHeader(JSON.stringify({ x402Version: 2, resource: schema.paymentDetails.resource, accepted, payload: JSON.parse(signed.payload) }));
    const c = await open(`ws://${base}`);
    const before = Date.now();
    c.ws.send(JSON.stringify({ type: "payment_proof", proof }));
    await c.next("session_started");
    const after = Date.now();
    while (!c.frames.some((f) => typeof f.quote === "number")) await settleDown();
    const closeFrom = Date.now();
    c.ws.close(1000);
    await c.closed;
    const closeTo = Date.now();
    while (!fac.calls.some((b) => b.paymentRequirements.amount !== "30000")) await settleDown();
    const settled = fac.calls.filter((b) => b.paymentRequirements.scheme === "upto").map((b) => BigInt(b.paymentRequirements.amount));
    assert.equal(settled.length, 1);
    // the session ran from its start (between sending the proof and session_started) to the close
    assert.ok(settled[0] >= charge(100n, closeFrom - after, 30_000n) && settled[0] <= charge(100n, closeTo - before, 30_000n),
      `${settled[0]} within [${charge(100n, closeFrom - after, 30_000n)}, ${charge(100n, closeTo - before, 30_000n)}]`);

    // the README client, as written, against the README server: its last consumed figure is what was settled
    assert.ok(blocks.client, "a `<!-- ws402-session example: client -->` block");
    assert.ok(blocks.client.trim().split("\n").length <= 10, "the client example is at most 10 lines");
    Object.assign(process.env, { QUOTES_URL: `http://${base}`, PAYER_KEY: "0x" + Buffer.from(KEY).toString("hex") });
    const printed = [];
    const log = console.log;
    console.log = (...args) => printed.push(args);
    const clientFile = resolve("readme-ws402-session-client.mjs");
    writeFileSync(clientFile, blocks.client);
    try {
      await import(pathToFileURL(clientFile).href);
      for (let i = 0; i < 300 && !printed.some(([x]) => x?.closeCode !== undefined); i++) await settleDown();
    } finally {
      console.log = log;
    }
    const quotes = printed.filter(([data]) => typeof data === "string");
    assert.ok(quotes.length >= 1, "at least one quote printed");
    for (const [data, remaining] of quotes) {
      assert.equal(typeof JSON.parse(data).quote, "number");
      assert.equal(typeof remaining, "bigint");
    }
    const [[statement]] = printed.filter(([x]) => x?.closeCode !== undefined);
    assert.equal(statement.closeCode, 1000);
    while (fac.calls.filter((b) => b.paymentRequirements.scheme === "upto").length < 2) await settleDown();
    const charged = BigInt(fac.calls.filter((b) => b.paymentRequirements.scheme === "upto")[1].paymentRequirements.amount);
    assert.equal(statement.consumed, charged, "the client's last consumed figure is the amount settled");
    assert.ok(charged >= charge(100n, 2_500, 30_000n), `${charged}: at least 2.5 s of 100/s`);
  } finally {
    server.closeAllConnections?.();
    await new Promise((r) => server.close(r));
    await fac.close?.();
  }
});
