// The npm package's WS402 server (`pay402/ws402`) selling a WebSocket on the local chain, its money moved for real:
// `exact` EIP-3009 on the project's token (the prepayment settled before the session by `localSettlement`, the unused
// part refunded by `localSettlement().refund`), and `upto` through Permit2Lite and the x402 upto proxy (exactly what
// was consumed settled at the end). The sockets are real (`ws` on node:http, 127.0.0.1); the server's clock and timers
// are injected, so the charge is exact: it is computed here from price × time (WS402: floor(price × ms / 1000)), and
// every amount moved is read back from the chain (`Transfer` logs, `balanceOf`, Permit2's `nonceBitmap`), never from
// the code under test. The settler is a fresh key funded with `hardhat_setBalance`, so its nonces are this file's.
//   PAY402_CHAIN_RPC=… PAY402_CHAIN_DEPLOYMENT=… node --test test-js-ws402.mjs
// (run by run.sh's WS402 block from a fresh project where the packed pay402 tarball and `ws` are installed)
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import http from "node:http";
import { randomBytes } from "node:crypto";
import { WebSocket, WebSocketServer } from "ws";
import * as pay402 from "pay402";
import { ws402Server } from "pay402/ws402";
import { localSettlement, privateKeySigner as settlerSigner } from "pay402/settle";
import { RPC, chainNow, env, hex, receipt, rpc, word } from "./chain-rpc.mjs";
import { charge, fakeTime, pause } from "./ws402-time.mjs";

const { privateKeySigner, permit2SignPayload, x402EncodeHeader, x402Sign, keccak256 } = pay402;
const DEPLOYMENT = JSON.parse(fs.readFileSync(env("PAY402_CHAIN_DEPLOYMENT"), "utf8"));
const TOKEN = DEPLOYMENT.token;
const NETWORK = "eip155:31337";
const PERMIT2 = "0x000000000022D473030F116dDEE9F6B43aC78BA3";
const MINTER = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"; // Hardhat account #0 (unlocked on the node): mints
const FUNDING = 1_000_000n;
const TRANSFER_TOPIC = hex(keccak256(new TextEncoder().encode("Transfer(address,address,uint256)")));
const PATH = "/ws402/quotes";

// ------------------------------------------------------------------ reads of the node (plain JSON-RPC)
const call = (to, data) => rpc("eth_call", { to, data }, "latest");
const balanceOf = async (who) => BigInt(await call(TOKEN, "0x70a08231" + word(who)));
const nonceUsed = async (owner, nonce) =>
  ((BigInt(await call(PERMIT2, "0x4fe02b44" + word(owner) + word(nonce >> 8n))) >> (nonce & 0xffn)) & 1n) === 1n; // nonceBitmap
const blockNumber = async () => Number(await rpc("eth_blockNumber"));
/** Every token Transfer since block `from` (exclusive) touching `who`: [from, to, value]. */
async function transfersOf(who, from) {
  const range = { fromBlock: "0x" + (from + 1).toString(16), toBlock: "latest", address: TOKEN };
  const logs = [
    ...(await rpc("eth_getLogs", { ...range, topics: [TRANSFER_TOPIC, "0x" + word(who)] })),
    ...(await rpc("eth_getLogs", { ...range, topics: [TRANSFER_TOPIC, null, "0x" + word(who)] })),
  ];
  const seen = new Set();
  return logs.filter((l) => !seen.has(l.transactionHash + l.logIndex) && seen.add(l.transactionHash + l.logIndex))
    .sort((a, b) => Number(a.blockNumber) - Number(b.blockNumber) || Number(a.logIndex) - Number(b.logIndex))
    .map((l) => ["0x" + l.topics[1].slice(26), "0x" + l.topics[2].slice(26), BigInt(l.data)]);
}
const lower = (a) => a.toLowerCase();
async function mint(to, value) {
  const hash = await rpc("eth_sendTransaction", { from: MINTER, to: TOKEN, data: "0x40c10f19" + word(to) + word(value), gas: "0x493e0" });
  assert.equal((await receipt(hash)).status, "0x1", "mint");
}
async function sendAs(from, to, data) {
  await rpc("hardhat_impersonateAccount", from);
  try {
    await rpc("hardhat_setBalance", from, "0x" + (10n ** 18n).toString(16));
    return await receipt(await rpc("eth_sendTransaction", { from, to, data, gas: "0x493e0" }));
  } finally {
    await rpc("hardhat_stopImpersonatingAccount", from);
  }
}
/** A fresh payer holding FUNDING of the token (and, for upto, Permit2 approved once). */
async function newPayer({ permit2 = false, funding = FUNDING } = {}) {
  const key = hex(randomBytes(32));
  const { address } = privateKeySigner(key);
  await mint(address, funding);
  if (permit2) assert.equal((await sendAs(address, TOKEN, "0x095ea7b3" + word(PERMIT2) + "f".repeat(64))).status, "0x1", "approve Permit2");
  return { key, address };
}

// ------------------------------------------------------------------ the settler, the clock, the server
const settler = settlerSigner(hex(randomBytes(32)));
await rpc("hardhat_setBalance", settler.address, "0x" + (10n ** 19n).toString(16));


async function serve(config) {
  const server = http.createServer();
  const wss = new WebSocketServer({ noServer: true });
  const paid = ws402Server(config);
  const statements = [];
  const sessions = [];
  paid.attach(wss, { server, path: PATH }, (s) => {
    sessions.push(s);
    s.onEnd((st) => statements.push(st));
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const base = `127.0.0.1:${server.address().port}${PATH}`;
  return {
    statements, sessions, wsUrl: `ws://${base}`, httpUrl: `http://${base}`,
    async close() {
      await paid.close();
      for (const c of wss.clients) c.terminate();
      wss.close();
      await new Promise((r) => server.close(r));
    },
  };
}

async function open(url) {
  const ws = new WebSocket(url);
  const frames = [];
  const closed = new Promise((r) => ws.on("close", (code) => r(code)));
  ws.on("message", (data) => { try { frames.push(JSON.parse(data.toString())); } catch { frames.push(data.toString()); } });
  await new Promise((r, j) => { ws.on("open", r); ws.on("error", j); });
  const next = async (type) => {
    for (let i = 0; i < 600; i++) {
      const f = frames.find((x) => x.type === type);
      if (f) return f;
      await pause(50);
    }
    throw new Error(`no ${type} frame; got ${JSON.stringify(frames)}`);
  };
  return { ws, frames, closed, next };
}
const until = async (fn, what) => {
  for (let i = 0; i < 600; i++) {
    if (fn()) return;
    await pause(50);
  }
  throw new Error(`timed out waiting for ${what}`);
};

test("exact EIP-3009: the prepayment settled before the session, paid − consumed refunded once to the payer", async () => {
  const PRICE = 250n, PAID = 100_000n;
  const payer = await newPayer();
  const seconds = await chainNow();
  const time = fakeTime(seconds * 1000);
  const local = localSettlement({ network: NETWORK, rpc: [RPC], signer: settler, receiptTimeoutMs: 20_000, now: () => Math.floor(time.now() / 1000) });
  const srv = await serve({
    offers: [{ scheme: "exact", network: NETWORK, asset: TOKEN, amount: PAID, payTo: settler.address, maxTimeoutSeconds: 300,
      eip712Name: DEPLOYMENT.name, eip712Version: DEPLOYMENT.version }],
    pricePerSecond: PRICE, maxSessionDuration: 3600, updateIntervalMs: 1000, settle: local, now: time.now, timers: time.timers,
  });
  try {
    const before = await blockNumber();
    const settlerBefore = await balanceOf(settler.address);
    const required = (await (await fetch(srv.httpUrl)).json()).paymentDetails;
    const proof = x402Sign(required, { privateKey: Uint8Array.from(Buffer.from(payer.key.slice(2), "hex")), now: seconds, nonce: randomBytes(32) }).headerValue;
    const c = await open(srv.wsUrl);
    const start = time.now();
    c.ws.send(JSON.stringify({ type: "payment_proof", proof }));
    const started = await c.next("session_started");
    assert.equal(started.balance, PAID.toString());
    // settled before session_started: the prepayment is on chain already
    assert.deepEqual((await transfersOf(payer.address, before)).map(([f, t, v]) => [lower(f), lower(t), v]),
      [[lower(payer.address), lower(settler.address), PAID]]);
    await time.to(start + 1000);
    assert.equal((await c.next("usage_update")).consumedAmount, charge(PRICE, 1000, PAID).toString());
    await time.to(start + 2750);
    c.ws.close(1000);
    await c.closed;
    await until(() => srv.statements.length === 1, "the statement");
    const consumed = charge(PRICE, 2750, PAID);
    const st = srv.statements[0];
    assert.deepEqual([st.reason, st.plan, lower(st.payer), st.paid, st.consumed], ["client_close", "exact", lower(payer.address), PAID, consumed]);
    assert.deepEqual([st.settlementAmount, st.settlementStatus, st.refundAmount, st.refundStatus], [PAID, "settled", PAID - consumed, "confirmed"]);
    // the chain: one prepayment payer → payee, one refund back, nothing else
    assert.deepEqual((await transfersOf(payer.address, before)).map(([f, t, v]) => [lower(f), lower(t), v]),
      [[lower(payer.address), lower(settler.address), PAID], [lower(settler.address), lower(payer.address), PAID - consumed]]);
    assert.equal(await balanceOf(payer.address), FUNDING - consumed);
    assert.equal(await balanceOf(settler.address), settlerBefore + consumed);
  } finally {
    await srv.close();
  }
});

async function uptoSession(PRICE, MAXIMUM, FUNDED, MS) {
  const payer = await newPayer({ permit2: true, funding: FUNDED });
  const payee = privateKeySigner(randomBytes(32)).address;
  const seconds = await chainNow();
  const time = fakeTime(seconds * 1000);
  const local = localSettlement({ network: NETWORK, rpc: [RPC], signer: settler, receiptTimeoutMs: 20_000, now: () => Math.floor(time.now() / 1000) });
  const srv = await serve({
    offers: [{ scheme: "upto", network: NETWORK, asset: TOKEN, amount: MAXIMUM, payTo: payee, maxTimeoutSeconds: 3600, facilitator: settler.address }],
    pricePerSecond: PRICE, maxSessionDuration: 600, updateIntervalMs: 0, settle: local, now: time.now, timers: time.timers,
  });
  try {
    const before = await blockNumber();
    const required = (await (await fetch(srv.httpUrl)).json()).paymentDetails;
    const accepted = required.accepts[0];
    const nonce = BigInt(hex(randomBytes(16)));
    const signed = permit2SignPayload(JSON.stringify(accepted), payer.key, nonce, seconds);
    const proof = x402EncodeHeader(JSON.stringify({ x402Version: 2, resource: required.resource, accepted, payload: JSON.parse(signed.payload) }));
    const c = await open(srv.wsUrl);
    const start = time.now();
    c.ws.send(JSON.stringify({ type: "payment_proof", proof }));
    assert.equal((await c.next("session_started")).balance, MAXIMUM.toString());
    assert.deepEqual(await transfersOf(payer.address, before), [], "upto: nothing moves before the end");
    await until(() => srv.sessions.length === 1, "the session");
    await time.to(start + MS);
    const st = await srv.sessions[0].end();
    await c.closed;
    const consumed = charge(PRICE, MS, MAXIMUM);
    assert.deepEqual([st.reason, st.plan, st.paid, st.consumed, st.settlementAmount, st.settlementStatus, st.refundAmount],
      ["server_close", "upto", MAXIMUM, consumed, consumed, "settled", null]);
    assert.deepEqual((await transfersOf(payer.address, before)).map(([f, t, v]) => [lower(f), lower(t), v]),
      [[lower(payer.address), lower(payee), consumed]]);
    assert.equal(await balanceOf(payer.address), FUNDED - consumed);
    assert.equal(await balanceOf(payee), consumed);
    assert.equal(await nonceUsed(payer.address, nonce), true);
    return consumed;
  } finally {
    await srv.close();
  }
}

test("upto through Permit2Lite: exactly the consumed amount settled at the end, no refund transaction", async () => {
  await uptoSession(1_000n, 600_000n, FUNDING, 3500);
});

test("upto above 2^53: 10^16 per second, 3×10^18 authorized, the charge exact to the unit on chain", async () => {
  const consumed = await uptoSession(10n ** 16n, 3n * 10n ** 18n, 10n ** 19n, 2_345);
  assert.equal(consumed, 2_345n * 10n ** 13n); // 10^16 × 2.345 s
  assert.ok(consumed > 2n ** 53n);
});
