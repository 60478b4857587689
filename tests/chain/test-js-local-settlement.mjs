// The npm package pay402 settles by itself on the local chain: `pay402/settle`'s `localSettlement` (the seller's
// key and RPC URLs, no facilitator) behind `x402Middleware` on a `node:http` server, paid by pay402's own
// `wrapFetch` client. Every expected value comes from the chain (balances, receipts, transactions, nonces, the
// token's authorization state), never from the code under test. The settler is a fresh key funded with
// `hardhat_setBalance`, so its nonces are this file's alone.
//   PAY402_CHAIN_RPC=… PAY402_CHAIN_DEPLOYMENT=… PAY402_JS_README=ffi-wasm/js/README.md node --test test-js-local-settlement.mjs
// (run by run.sh from the fresh project where the packed pay402 tarball is installed, after test-js-middleware.mjs)
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import path from "node:path";
import util from "node:util";
import { pathToFileURL } from "node:url";
import { randomBytes } from "node:crypto";
import * as pay402 from "pay402";
import { RPC, chainNow, env, hex, receipt, rpc, word } from "./chain-rpc.mjs";
import { localSettlement, privateKeySigner as settlerSigner, evmJsonRpc, RpcError, SettlementError } from "pay402/settle";

const { x402Middleware, wrapFetch, privateKeySigner, x402DecodeHeader, keccak256 } = pay402;

const DEPLOYMENT = JSON.parse(fs.readFileSync(env("PAY402_CHAIN_DEPLOYMENT"), "utf8"));
const README = fs.readFileSync(env("PAY402_JS_README"), "utf8");
const TOKEN = DEPLOYMENT.token;
const NETWORK = "eip155:31337";
const PRICE = 12_345n;
const FUNDING = 1_000_000n;
const MINTER = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"; // Hardhat account #0 (unlocked on the node): mints
const TWA_SELECTOR = "0xe3ee160e"; // transferWithAuthorization(…,uint8,bytes32,bytes32)
const TRANSFER_TOPIC = hex(keccak256(new TextEncoder().encode("Transfer(address,address,uint256)")));


// ------------------------------------------------------------------ reads of the node (JSON-RPC: ./chain-rpc.mjs)
const call = (data) => rpc("eth_call", { to: TOKEN, data }, "latest");
const balanceOf = async (who) => BigInt(await call("0x70a08231" + word(who)));
const authorizationState = async (who, nonce) => BigInt(await call("0xe94a0102" + word(who) + word(nonce))) === 1n;
const blockNumber = async () => Number(await rpc("eth_blockNumber"));
const txCount = async (who, tag = "latest") => Number(await rpc("eth_getTransactionCount", who, tag));
const lower = (a) => a.toLowerCase();
async function mint(to, value) {
  const hash = await rpc("eth_sendTransaction", { from: MINTER, to: TOKEN, data: "0x40c10f19" + word(to) + word(value), gas: "0x493e0" });
  assert.equal((await receipt(hash)).status, "0x1", "mint");
}
/** A loopback port nothing listens on (bound, then closed). */
async function deadUrl() {
  const s = net.createServer();
  await new Promise((ok) => s.listen(0, "127.0.0.1", ok));
  const { port } = s.address();
  await new Promise((ok) => s.close(ok));
  return `http://127.0.0.1:${port}`;
}

// ------------------------------------------------------------------ the settler and the servers
const SETTLER_KEY = hex(randomBytes(32));
const settler = settlerSigner(SETTLER_KEY);
await rpc("hardhat_setBalance", settler.address, "0x" + (10n ** 19n).toString(16));
const payee = privateKeySigner(randomBytes(32)).address;
const accepts = [{
  scheme: "exact", network: NETWORK, amount: PRICE.toString(), asset: TOKEN, payTo: payee, maxTimeoutSeconds: 300,
  extra: { name: DEPLOYMENT.name, version: DEPLOYMENT.version },
}];
let clock = Math.floor(Date.now() / 1000); // chain time, refreshed before every request (the node may run ahead)
const now = () => clock;
const DEAD = await deadUrl();
const settlements = {
  main: localSettlement({ network: NETWORK, rpc: [RPC], signer: settler, receiptTimeoutMs: 20_000, now }),
  failover: localSettlement({ network: NETWORK, rpc: { urls: [DEAD, RPC], timeoutMs: 5_000 }, signer: settler, now }),
  dead: localSettlement({ network: NETWORK, rpc: [DEAD, await deadUrl()], signer: settler, now }),
  slow: localSettlement({ network: NETWORK, rpc: [RPC], signer: settler, receiptTimeoutMs: 1_500, pollIntervalMs: 100, now }),
};
const answers = { main: [], failover: [], dead: [], slow: [] };
const served = { main: 0, failover: 0, dead: 0, slow: 0 };
const paywalls = Object.fromEntries(Object.entries(settlements).map(([name, local]) => [name, x402Middleware(accepts, {
  now,
  // the payment x402Middleware hands its hook goes to localSettlement as is; its answers are recorded
  settle: async (payment) => {
    const out = await local.settle(payment);
    answers[name].push(JSON.parse(out));
    return out;
  },
})]));
const server = http.createServer((req, res) => {
  const name = req.url.slice(1);
  if (!paywalls[name]) { res.statusCode = 404; res.end(); return; }
  paywalls[name](req, res, (err) => {
    if (err) { res.statusCode = 500; res.end(`error: ${err.message}`); return; }
    served[name]++;
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ data: "premium", route: name }));
  });
});
await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
const BASE = `http://127.0.0.1:${server.address().port}`;
test.after(() => new Promise((ok) => { server.closeAllConnections(); server.close(ok); }));

async function newPayer({ funded = true } = {}) {
  const signer = privateKeySigner(randomBytes(32));
  if (funded) await mint(signer.address, FUNDING);
  const sent = [];
  const recording = async (request) => {
    const h = request.headers.get("PAYMENT-SIGNATURE");
    if (h) sent.push(h);
    return fetch(request);
  };
  const pay = wrapFetch(recording, signer, { networks: [NETWORK], assets: [TOKEN], maxAmount: PRICE, total: 10n * PRICE }, { now });
  // a refused paid retry may come back as an X402PaymentRefused carrying the response
  const get = (route) => pay(`${BASE}/${route}`).catch((e) => { if (e?.response) return e.response; throw e; });
  return { signer, get, sent };
}
/** A PAYMENT-SIGNATURE for the offer, signed by `signer`'s key through pay402's client against a 402 (no server). */
async function payOnly(signer, sent = []) {
  const required = { x402Version: 2, resource: { url: `${BASE}/main` }, accepts };
  const challenge = async (request) => {
    const h = request.headers.get("PAYMENT-SIGNATURE");
    if (h) { sent.push(h); return new Response("{}", { status: 200 }); }
    return new Response("{}", { status: 402, headers: { "PAYMENT-REQUIRED": Buffer.from(JSON.stringify(required)).toString("base64") } });
  };
  const pay = wrapFetch(challenge, signer, { networks: [NETWORK], assets: [TOKEN], maxAmount: PRICE, total: PRICE }, { now });
  await pay(`${BASE}/main`);
  return sent.at(-1);
}
const paymentOf = (header) => JSON.parse(x402DecodeHeader("payment_payload", header).json);
const receiptOf = (r) => JSON.parse(x402DecodeHeader("settle_response", r.headers.get("PAYMENT-RESPONSE")).json);

// ------------------------------------------------------------------ the tests
test("the signer's key is never shown: toString, util.inspect, JSON, errors", () => {
  const digits = SETTLER_KEY.slice(2);
  for (const shown of [String(settler), util.inspect(settler, { showHidden: true, depth: 5 }), JSON.stringify(settler),
    JSON.stringify(settlements.main), util.inspect(settlements.main, { showHidden: true, depth: 5 })]) {
    assert.ok(!shown.toLowerCase().includes(digits), `key shown in ${shown}`);
    assert.ok(!shown.includes(Buffer.from(digits, "hex").toString("base64")), `key shown (base64) in ${shown}`);
  }
  assert.equal(String(settler), `PrivateKeySigner(${settler.address})`);
  assert.deepEqual(JSON.parse(JSON.stringify(settler)), { address: settler.address });
  // a wrong key and a missing variable: coded errors that do not repeat the input
  const bad = SETTLER_KEY.slice(0, -2) + "zz";
  assert.throws(() => settlerSigner(bad), (e) => e instanceof SettlementError && e.code === "invalid_signer_key"
    && !e.message.includes(bad.slice(2, 40)) && !util.inspect(e).includes(bad.slice(2, 40)));
  delete process.env.PAY402_SETTLER_KEY_UNSET;
  assert.throws(() => settlerSigner({ env: "PAY402_SETTLER_KEY_UNSET" }), (e) => e.code === "signer_key_missing");
  process.env.PAY402_TEST_SETTLER_KEY = SETTLER_KEY;
  assert.equal(settlerSigner({ env: "PAY402_TEST_SETTLER_KEY" }).address, settler.address);
  delete process.env.PAY402_TEST_SETTLER_KEY;
});

test("paid by wrapFetch, settled by the seller's own key: balances move by the price; the tx is the settler's transferWithAuthorization", async () => {
  const { signer, get, sent } = await newPayer();
  clock = await chainNow();
  const before = { payer: await balanceOf(signer.address), payee: await balanceOf(payee), nonce: await txCount(settler.address) };
  const r = await get("main");
  assert.equal(r.status, 200, await r.clone().text());
  assert.deepEqual(await r.json(), { data: "premium", route: "main" });
  const settled = receiptOf(r);
  assert.equal(settled.success, true);
  assert.equal(settled.network, NETWORK);
  assert.equal(lower(settled.payer), lower(signer.address));
  const rc = await receipt(settled.transaction);
  assert.equal(rc.status, "0x1");
  assert.equal(lower(rc.from), lower(settler.address));
  assert.equal(lower(rc.to), lower(TOKEN));
  const tx = await rpc("eth_getTransactionByHash", settled.transaction);
  assert.equal(tx.input.slice(0, 10), TWA_SELECTOR);
  assert.equal(tx.type, "0x2", "an EIP-1559 transaction");
  assert.equal(Number(tx.chainId), 31337);
  const block = await rpc("eth_getBlockByNumber", rc.blockNumber, false);
  assert.ok(BigInt(tx.maxFeePerGas) >= BigInt(block.baseFeePerGas), "the fee cap covers the base fee");
  const transfers = rc.logs.filter((l) => l.topics[0] === TRANSFER_TOPIC);
  assert.equal(transfers.length, 1);
  assert.equal(BigInt(transfers[0].data), PRICE);
  assert.equal(await balanceOf(signer.address), before.payer - PRICE);
  assert.equal(await balanceOf(payee), before.payee + PRICE);
  assert.equal(await txCount(settler.address), before.nonce + 1);
  assert.equal(await authorizationState(signer.address, paymentOf(sent[0]).payload.authorization.nonce), true);
});

test("5 concurrent settles from one key: distinct consecutive nonces, all mined", async () => {
  const payers = [];
  for (let i = 0; i < 5; i++) payers.push(await newPayer());
  clock = await chainNow();
  const start = await txCount(settler.address);
  const payeeBefore = await balanceOf(payee);
  const responses = await Promise.all(payers.map((p) => p.get("main")));
  for (const r of responses) assert.equal(r.status, 200, await r.clone().text());
  const hashes = responses.map((r) => receiptOf(r).transaction);
  assert.equal(new Set(hashes).size, 5);
  const nonces = [];
  for (const h of hashes) {
    assert.equal((await receipt(h)).status, "0x1");
    const tx = await rpc("eth_getTransactionByHash", h);
    assert.equal(lower(tx.from), lower(settler.address));
    nonces.push(Number(tx.nonce));
  }
  assert.deepEqual([...nonces].sort((a, b) => a - b), [start, start + 1, start + 2, start + 3, start + 4]);
  assert.equal(await txCount(settler.address), start + 5);
  assert.equal(await balanceOf(payee), payeeBefore + 5n * PRICE);
});

test("a payment whose simulation reverts is refused and nothing is sent (settler nonce unchanged)", async () => {
  const { signer, get } = await newPayer({ funded: false }); // a valid signature over tokens it does not have
  clock = await chainNow();
  const before = { block: await blockNumber(), nonce: await txCount(settler.address, "pending"), payee: await balanceOf(payee) };
  const runs = served.main;
  const n = answers.main.length;
  const r = await get("main");
  assert.equal(r.status, 402);
  assert.equal(served.main, runs + 1, "the handler ran (settlement comes after it) but its content was withheld");
  assert.doesNotMatch(await r.text(), /premium/);
  const answer = answers.main.at(-1);
  assert.equal(answers.main.length, n + 1);
  assert.deepEqual([answer.success, answer.transaction, answer.errorReason], [false, "", "invalid_exact_evm_insufficient_balance"]);
  assert.equal(lower(answer.payer), lower(signer.address));
  assert.equal(await blockNumber(), before.block, "no block: nothing was sent");
  assert.equal(await txCount(settler.address, "pending"), before.nonce);
  assert.equal(await balanceOf(payee), before.payee);
});

test("an authorization already used on chain is refused by simulation: nonce_already_used, no transaction", async () => {
  const { get, sent } = await newPayer();
  clock = await chainNow();
  assert.equal((await get("main")).status, 200);
  const nonce = await txCount(settler.address, "pending");
  const block = await blockNumber();
  const result = await settlements.main.settlePayment(paymentOf(sent[0]), accepts[0]);
  assert.deepEqual([result.success, result.verdict, result.errorReason, result.transaction],
    [false, "refused", "invalid_exact_evm_nonce_already_used", ""]);
  assert.match(result.errorMessage, /authorization is used/);
  assert.equal(await txCount(settler.address, "pending"), nonce);
  assert.equal(await blockNumber(), block);
});

test("first RPC URL dead: reads and the send fail over to the next; the payment settles", async () => {
  const { signer, get } = await newPayer();
  clock = await chainNow();
  const payerBefore = await balanceOf(signer.address);
  const r = await get("failover");
  assert.equal(r.status, 200, await r.clone().text());
  assert.equal((await receipt(receiptOf(r).transaction)).status, "0x1");
  assert.equal(await balanceOf(signer.address), payerBefore - PRICE);
  // the client: a read and a send on a dead URL are never answered there
  const only = evmJsonRpc({ urls: [DEAD] });
  await assert.rejects(only.request("eth_chainId"), (e) => e instanceof RpcError && e.code === "rpc_unreachable");
  await assert.rejects(only.request("eth_sendRawTransaction", ["0x02"]), (e) => e instanceof RpcError && e.code === "rpc_unreachable");
});

/** A JSON-RPC proxy to the node on loopback: `mode(method)` says "forward", "drop-answer" (forward, then close the
 * connection without answering) or "503" (answer 503, forward nothing); `seen` counts the methods it got. */
async function rpcProxy(mode) {
  const seen = {};
  const proxy = http.createServer(async (req, res) => {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const body = Buffer.concat(chunks).toString();
    const { method } = JSON.parse(body);
    seen[method] = (seen[method] ?? 0) + 1;
    const what = mode(method);
    if (what === "503") { res.statusCode = 503; res.end("unavailable"); return; }
    const upstream = await fetch(RPC, { method: "POST", headers: { "content-type": "application/json" }, body });
    const text = await upstream.text();
    if (what === "drop-answer") { req.socket.destroy(); return; }
    res.setHeader("content-type", "application/json");
    res.end(text);
  });
  await new Promise((ok) => proxy.listen(0, "127.0.0.1", ok));
  return { url: `http://127.0.0.1:${proxy.address().port}`, seen,
    close: () => new Promise((ok) => { proxy.closeAllConnections(); proxy.close(ok); }) };
}

test("a send whose answer is lost: not sent elsewhere, the settlement waits for the hash it computed and settles", async () => {
  const first = await rpcProxy((m) => (m === "eth_sendRawTransaction" ? "drop-answer" : "forward"));
  const second = await rpcProxy(() => "forward");
  try {
    const local = localSettlement({ network: NETWORK, rpc: [first.url, second.url], signer: settler, now });
    const { signer, sent } = await newPayer();
    clock = await chainNow();
    const before = { payer: await balanceOf(signer.address), nonce: await txCount(settler.address) };
    const result = await local.settlePayment(paymentOf(await payOnly(signer, sent)), accepts[0]);
    assert.equal(result.success, true, result.json);
    assert.equal(first.seen.eth_sendRawTransaction, 1);
    assert.equal(second.seen.eth_sendRawTransaction, undefined, "a send that may have arrived is not sent elsewhere");
    const tx = await rpc("eth_getTransactionByHash", result.transaction);
    assert.equal(lower(tx.from), lower(settler.address));
    assert.equal(await balanceOf(signer.address), before.payer - PRICE);
    assert.equal(await txCount(settler.address), before.nonce + 1);
  } finally {
    await first.close();
    await second.close();
  }
});

test("a send answered 503: reads fail over, the send does not; settlement_pending with the hash, nothing mined, the next settles", async () => {
  const first = await rpcProxy((m) => (m === "eth_sendRawTransaction" || m === "eth_chainId" ? "503" : "forward"));
  const second = await rpcProxy(() => "forward");
  try {
    const local = localSettlement({ network: NETWORK, rpc: [first.url, second.url], signer: settler, now, receiptTimeoutMs: 500, pollIntervalMs: 100 });
    const { signer, sent } = await newPayer();
    clock = await chainNow();
    const payment = paymentOf(await payOnly(signer, sent));
    const before = { block: await blockNumber(), payer: await balanceOf(signer.address), nonce: await txCount(settler.address, "pending") };
    const result = await local.settlePayment(payment, accepts[0]);
    assert.deepEqual([result.success, result.errorReason, result.verdict], [false, "settlement_pending", "pending"]);
    assert.match(result.transaction, /^0x[0-9a-f]{64}$/);
    assert.equal(first.seen.eth_chainId, 1);
    assert.equal(second.seen.eth_chainId, 1, "a read answered 503 goes to the next URL");
    assert.equal(first.seen.eth_sendRawTransaction, 1);
    assert.equal(second.seen.eth_sendRawTransaction, undefined);
    assert.equal(await rpc("eth_getTransactionByHash", result.transaction), null, "never broadcast");
    assert.equal(await blockNumber(), before.block);
    assert.equal(await txCount(settler.address, "pending"), before.nonce);
    assert.deepEqual(await local.reconcile(), []);
    // the nonce counter was re-read: the next settlement uses the same nonce and is mined
    const next = await newPayer();
    const ok = await settlements.main.settlePayment(paymentOf(await payOnly(next.signer, next.sent)), accepts[0]);
    assert.equal(ok.success, true, ok.json);
    assert.equal(Number((await rpc("eth_getTransactionByHash", ok.transaction)).nonce), before.nonce);
    assert.equal(await balanceOf(signer.address), before.payer, "the pending payment was not taken");
  } finally {
    await first.close();
    await second.close();
  }
});

test("every RPC URL dead: no verdict (502), the content is not served, the authorization stays unused", async () => {
  const { signer, get, sent } = await newPayer();
  clock = await chainNow();
  const before = { block: await blockNumber(), payer: await balanceOf(signer.address), nonce: await txCount(settler.address, "pending") };
  const answered = answers.dead.length;
  const r = await get("dead");
  // the hook threw (no answer, as from an unreachable facilitator): the core's status for an unavailable settlement
  assert.equal(r.status, 502);
  assert.doesNotMatch(await r.text(), /premium/);
  assert.equal(answers.dead.length, answered, "no SettleResponse was made up");
  await assert.rejects(settlements.dead.settlePayment(paymentOf(sent[0]), accepts[0]),
    (e) => e instanceof RpcError && e.code === "rpc_unreachable");
  assert.equal(await blockNumber(), before.block);
  assert.equal(await balanceOf(signer.address), before.payer);
  assert.equal(await txCount(settler.address, "pending"), before.nonce);
  assert.equal(await authorizationState(signer.address, paymentOf(sent[0]).payload.authorization.nonce), false);
  // the same authorization settles once the chain is reachable (nothing was lost)
  const later = await settlements.main.settlePayment(paymentOf(sent[0]), accepts[0]);
  assert.equal(later.success, true, later.json);
  assert.equal(await balanceOf(signer.address), before.payer - PRICE);
});

test("the RPC on another chain: chain_id_mismatch, nothing sent", async () => {
  const wrong = localSettlement({ network: "eip155:8453", rpc: [RPC], signer: settler, now });
  await assert.rejects(wrong.checkChain(), (e) => e instanceof SettlementError && e.code === "chain_id_mismatch");
  // a payment valid for the configured chain (signed for eip155:8453) is not sent to the RPC's chain
  clock = await chainNow();
  const offer = { ...accepts[0], network: "eip155:8453" };
  const signed = pay402.x402Sign({ x402Version: 2, resource: { url: `${BASE}/main` }, accepts: [offer] },
    { privateKey: randomBytes(32), now: clock, nonce: randomBytes(32) });
  const payment = JSON.parse(pay402.x402HeaderToJson(signed.headerValue));
  const nonce = await txCount(settler.address, "pending");
  await assert.rejects(wrong.settlePayment(payment, offer), (e) => e instanceof SettlementError && e.code === "chain_id_mismatch");
  assert.equal(await txCount(settler.address, "pending"), nonce);
});

test("receipt timeout: settlement_pending with the hash (settled once more: the same hash, one transaction); reconcile() reports it once", async () => {
  const { signer, get } = await newPayer();
  clock = await chainNow();
  const payerBefore = await balanceOf(signer.address);
  const nonce = await txCount(settler.address, "pending");
  await rpc("evm_setAutomine", false);
  let r;
  try {
    r = await get("slow");
  } finally {
    // nothing else may run without automine
    const pendingNonce = await txCount(settler.address, "pending");
    assert.equal(pendingNonce, nonce + 1, "exactly one transaction was sent");
    await rpc("evm_mine");
    await rpc("evm_setAutomine", true);
  }
  assert.notEqual(r.status, 200);
  assert.doesNotMatch(await r.text(), /premium/);
  assert.equal(answers.slow.length, 2, "settlement_pending is settled once more by the server, never a third time");
  const [first, second] = answers.slow;
  for (const a of [first, second]) {
    assert.deepEqual([a.success, a.errorReason], [false, "settlement_pending"]);
    assert.match(a.transaction, /^0x[0-9a-f]{64}$/);
  }
  assert.equal(second.transaction, first.transaction);
  assert.deepEqual(settlements.slow.pending(), [first.transaction]);
  const rc = await receipt(first.transaction);
  assert.equal(rc.status, "0x1");
  assert.equal(lower(rc.from), lower(settler.address));
  assert.equal(await balanceOf(signer.address), payerBefore - PRICE);
  const reconciled = await settlements.slow.reconcile();
  assert.equal(reconciled.length, 1);
  assert.equal(reconciled[0].transaction, first.transaction);
  assert.deepEqual([reconciled[0].result.success, reconciled[0].result.verdict, reconciled[0].result.transaction],
    [true, "settled", first.transaction]);
  assert.deepEqual(await settlements.slow.reconcile(), [], "reported once");
  assert.deepEqual(settlements.slow.pending(), []);
});

// The README's local-settlement example, run as written (its RPC URL and key come from the environment).
test("README: the local settlement example settles a payment on the chain", async () => {
  const m = /<!-- chain-example: local[^>]*-->\n```js\n([\s\S]*?)```/.exec(README);
  assert.ok(m, "the README has the local settlement example");
  process.env.PAY402_SETTLER_KEY = SETTLER_KEY;
  process.env.PAY402_RPC_URLS = `${DEAD},${RPC}`;
  process.env.PAY402_NETWORK = NETWORK;
  process.env.PAY402_ASSET = TOKEN;
  process.env.PAY402_PAY_TO = payee;
  process.env.PAY402_EIP712_NAME = DEPLOYMENT.name;
  process.env.PAY402_EIP712_VERSION = DEPLOYMENT.version;
  const file = path.resolve("readme-local-settlement.mjs");
  fs.writeFileSync(file, m[1]);
  const { default: app } = await import(pathToFileURL(file).href);
  const s = await new Promise((ok) => { const x = app.listen(0, "127.0.0.1", () => ok(x)); });
  try {
    const signer = privateKeySigner(randomBytes(32));
    await mint(signer.address, FUNDING);
    // the client signs at chain time (the node runs ahead of the clock after many blocks); the example's server
    // verifies at its own clock
    clock = await chainNow();
    const pay = wrapFetch(fetch, signer, { networks: [NETWORK], assets: [TOKEN], maxAmount: PRICE, total: PRICE }, { now });
    const url = `http://127.0.0.1:${s.address().port}/premium`;
    assert.equal((await fetch(url)).status, 402);
    const before = await balanceOf(signer.address);
    const r = await pay(url);
    assert.equal(r.status, 200, await r.clone().text());
    assert.deepEqual(await r.json(), { payer: signer.address });
    const settled = receiptOf(r);
    assert.equal(settled.success, true);
    assert.equal(lower((await receipt(settled.transaction)).from), lower(settler.address));
    assert.equal(await balanceOf(signer.address), before - 10_000n, "the example's price");
  } finally {
    s.closeAllConnections?.();
    await new Promise((ok) => s.close(ok));
  }
});
