// pay402/settle's Solana local settlement (localSvmSettlement: our own fee payer and RPC URLs, no facilitator)
// behind x402Middleware on a node:http server, paid by pay402's wrapFetch Solana client, on litesvm (the Solana
// runtime with the real SPL Token program) behind the test JSON-RPC server svm/rpc.mjs on loopback. Expected values
// come from the payment's own terms (amount, payee), the runtime (balances, fees, statuses, the server's call
// counts) and the x402 reference facilitator's behaviour (settlement-cache.ts: one settlement per transaction
// bytes; a fee payer it does not manage is refused), never from the code under test.
//
// Run by tests/chain/run.sh in a project with only the packed pay402 tarball installed; PAY402_SVM_DIR is
// tests/chain/svm (rpc.mjs is started from it on a free 127.0.0.1 port and stopped by its pid); the README's
// Solana settlement example (PAY402_JS_README) is run as written.
//   PAY402_SVM_DIR=…/tests/chain/svm PAY402_JS_README=…/ffi-wasm/js/README.md node --test test-js-svm-settlement.mjs
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import path from "node:path";
import { pathToFileURL } from "node:url";
import util from "node:util";
import { svmAssociatedTokenAddress, svmBuildTransfer, svmPaymentHeader, svmPublicKey, wrapFetch, x402DecodeHeader, x402Middleware } from "pay402";
import { MemoryReplayStore } from "pay402/replay";
import { RpcError, localSvmSettlement } from "pay402/settle";

const NETWORK = "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1"; // devnet's CAIP-2 id; the runtime is local
const AMOUNT = 10_000n;
const TOKEN_PROGRAM = "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA";

let rpcProc;
let rpcUrl;
const w = {};
const servers = [];

async function rpc(method, params = []) {
  const res = await fetch(rpcUrl, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  const body = await res.json();
  if (body.error) throw new Error(`${method}: ${JSON.stringify(body.error)}`);
  return body.result;
}
const tokenBalance = async (account) => BigInt((await rpc("getTokenAccountBalance", [account])).value.amount);
const balances = async () => [await tokenBalance(w.payerAta), await tokenBalance(w.payeeAta)];
const lamports = async (account) => BigInt((await rpc("getBalance", [account])).value);
const stats = () => rpc("pay402_stats");

/** A URL nothing listens on (a port bound, then closed). */
async function deadUrl() {
  const s = net.createServer();
  await new Promise((ok) => s.listen(0, "127.0.0.1", ok));
  const { port } = s.address();
  await new Promise((ok) => s.close(ok));
  return `http://127.0.0.1:${port}`;
}

const requirements = ({ feePayer = w.feePayer, amount = AMOUNT } = {}) => ({
  scheme: "exact", network: NETWORK, amount: amount.toString(), asset: w.mint, payTo: w.payee, maxTimeoutSeconds: 60,
  extra: { feePayer },
});

/** A payment signed by the payer only (pay402's client code), and the requirements it answers. */
async function payment(opts = {}) {
  const req = requirements(opts);
  const { value } = await rpc("getLatestBlockhash", [{ commitment: "confirmed" }]);
  const built = svmBuildTransfer({
    payerSeed: w.payerSeed, feePayer: req.extra.feePayer, mint: w.mint, payTo: w.payee, tokenProgram: TOKEN_PROGRAM,
    amount: BigInt(req.amount), decimals: 6, memo: randomBytes(8).toString("hex"), recentBlockhash: value.blockhash,
  });
  const required = { x402Version: 2, resource: { url: "http://127.0.0.1/x" }, accepts: [req] };
  const { headerValue } = svmPaymentHeader(required, { transaction: built.transaction });
  return [JSON.parse(x402DecodeHeader("payment_payload", headerValue).json), req];
}

/** Serves `handler` behind x402Middleware with `settlement` as its settle hook; the answers are recorded. */
async function shop(settlement) {
  const answers = [];
  let served = 0;
  const paywall = x402Middleware([requirements()], {
    settle: async (pay) => {
      const out = await settlement.settle(pay);
      answers.push(JSON.parse(out));
      return out;
    },
  });
  const server = http.createServer((req, res) => paywall(req, res, (err) => {
    if (err) { res.statusCode = 500; res.end(`error: ${err.message}`); return; }
    served++;
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ data: "premium" }));
  }));
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  servers.push(server);
  return { url: `http://127.0.0.1:${server.address().port}/premium`, answers, served: () => served };
}

before(async () => {
  const dir = process.env.PAY402_SVM_DIR;
  assert.ok(dir, "PAY402_SVM_DIR (tests/chain/svm) is not set: run tests/chain/run.sh");
  rpcProc = spawn(process.execPath, [path.join(dir, "rpc.mjs"), "0"], { cwd: dir, stdio: ["ignore", "pipe", "inherit"] });
  rpcUrl = await new Promise((resolve, reject) => {
    rpcProc.stdout.once("data", (d) => resolve(String(d).trim().split(" ")[1]));
    rpcProc.once("exit", (c) => reject(new Error(`rpc.mjs exited (${c})`)));
  });
  w.payerSeed = randomBytes(32);
  w.feeSeed = randomBytes(32);
  w.payer = svmPublicKey(w.payerSeed);
  w.feePayer = svmPublicKey(w.feeSeed);
  w.payee = svmPublicKey(randomBytes(32));
  const setup = await rpc("pay402_setup", [
    { decimals: 6, sol: { [w.feePayer]: 1_000_000_000 }, tokens: { [w.payer]: "1000000", [w.payee]: "0" } },
  ]);
  w.mint = setup.mint;
  w.payerAta = setup.accounts[w.payer];
  w.payeeAta = setup.accounts[w.payee];
  assert.equal(w.payeeAta, svmAssociatedTokenAddress(w.payee, w.mint));
});

after(async () => {
  for (const s of servers) { s.closeAllConnections(); await new Promise((ok) => s.close(ok)); }
  if (rpcProc) rpcProc.kill("SIGTERM");
});

const settler = (opts = {}) => localSvmSettlement({ network: NETWORK, rpc: [rpcUrl], feePayer: w.feeSeed.toString("hex"), ...opts });

test("paid by wrapFetch, settled by our own fee payer: balances move by exactly the amount, the fee payer pays the fee", async () => {
  const settlement = settler();
  const { url, answers, served } = await shop(settlement);
  const pay = wrapFetch(fetch, null, { networks: [NETWORK], assets: [w.mint], maxAmount: AMOUNT, total: 10n * AMOUNT },
    { solana: { seed: w.payerSeed, rpcUrl } });
  const [payerBefore, payeeBefore] = await balances();
  const feeBefore = await lamports(w.feePayer);
  const res = await pay(url);
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { data: "premium" });
  assert.equal(served(), 1);
  assert.equal(answers.length, 1);
  const [answer] = answers;
  assert.equal(answer.success, true, JSON.stringify(answer));
  assert.deepEqual([answer.network, answer.payer], [NETWORK, w.payer]);
  const receipt = JSON.parse(x402DecodeHeader("settle_response", res.headers.get("PAYMENT-RESPONSE")).json);
  assert.equal(receipt.transaction, answer.transaction);
  assert.deepEqual(await balances(), [payerBefore - AMOUNT, payeeBefore + AMOUNT]);
  const tx = await rpc("getTransaction", [answer.transaction, { encoding: "jsonParsed", commitment: "confirmed", maxSupportedTransactionVersion: 0 }]);
  assert.equal(tx.meta.err, null);
  assert.deepEqual(tx.transaction.message.accountKeys[0], { pubkey: w.feePayer, signer: true, source: "transaction", writable: true });
  // our fee payer paid the fee, and only it: 5000 lamports per signature (2) plus the priority fee, 1 micro-lamport
  // x 20000 compute units rounded up to 1 lamport (https://solana.com/docs/core/fees)
  assert.equal(feeBefore - (await lamports(w.feePayer)), BigInt(tx.meta.fee));
  assert.equal(tx.meta.fee, 2 * 5000 + 1);
});

test("the same transaction is settled once: a second settler sharing the cache answers duplicate_settlement and sends nothing", async () => {
  const cache = new MemoryReplayStore();
  const first = settler({ cache, maxPolls: 1, pollIntervalMs: 10 });
  const second = settler({ cache, maxPolls: 1, pollIntervalMs: 10 });
  const [payload, req] = await payment();
  const [payerBefore, payeeBefore] = await balances();
  await rpc("pay402_deferExecution", [true]); // sent, not landed yet: simulating it again still passes
  try {
    const sent = await first.settlePayment(payload, req);
    assert.deepEqual([sent.success, sent.errorReason], [false, "settlement_pending"]);
    assert.ok(sent.transaction, "pending names the signature");
    const s0 = await stats();
    const again = await second.settlePayment(payload, req);
    assert.deepEqual(JSON.parse(again.json), { success: false, errorReason: "duplicate_settlement", transaction: "", network: NETWORK, payer: w.payer });
    const s1 = await stats();
    assert.equal(s1.simulateTransaction, s0.simulateTransaction + 1, "it passed simulation");
    assert.equal(s1.sendTransaction, s0.sendTransaction, "and was not sent");
  } finally {
    await rpc("pay402_deferExecution", [false]);
  }
  assert.deepEqual(await balances(), [payerBefore - AMOUNT, payeeBefore + AMOUNT], "moved once");
});

test("a fee payer we do not hold is refused before any RPC call", async () => {
  const calls = [];
  const real = settler().rpc;
  const settlement = settler({ rpc: { urls: real.urls, request: (m, p) => { calls.push(m); return real.request(m, p); } } });
  const [payload, req] = await payment({ feePayer: svmPublicKey(randomBytes(32)) });
  const s0 = await stats();
  const before = await balances();
  const result = await settlement.settlePayment(payload, req);
  assert.deepEqual([result.success, result.errorReason, result.transaction],
    [false, "invalid_exact_svm_fee_payer_not_managed_by_facilitator", ""]);
  assert.deepEqual(calls, []);
  assert.deepEqual(await stats(), s0);
  assert.deepEqual(await balances(), before);
});

test("not confirmed in time: settlement_pending with the signature; the server's retry looks again, sends nothing, and settles", async () => {
  const settlement = settler({ maxPolls: 2, pollIntervalMs: 10 });
  const [payload, req] = await payment();
  const [payerBefore, payeeBefore] = await balances();
  await rpc("pay402_deferExecution", [true]);
  let pending;
  try {
    pending = await settlement.settlePayment(payload, req);
    assert.deepEqual([pending.success, pending.errorReason, pending.verdict], [false, "settlement_pending", "pending"]);
    assert.deepEqual(settlement.pending(), [pending.transaction]);
    const s0 = await stats();
    const still = await settlement.settlePayment(payload, req);
    assert.deepEqual([still.errorReason, still.transaction], ["settlement_pending", pending.transaction]);
    assert.equal((await stats()).sendTransaction, s0.sendTransaction, "a retry never sends again");
  } finally {
    await rpc("pay402_deferExecution", [false]); // the queued transaction lands now
  }
  const s1 = await stats();
  const settled = await settlement.settlePayment(payload, req);
  assert.deepEqual([settled.success, settled.transaction], [true, pending.transaction]);
  assert.deepEqual(await stats(), s1, "no simulation, no send: only its status was read");
  assert.deepEqual(settlement.pending(), []);
  assert.deepEqual(await balances(), [payerBefore - AMOUNT, payeeBefore + AMOUNT]);
});

test("a dead RPC URL fails over to the next; with none up nothing is sent and the payment stays usable", async () => {
  const [payload, req] = await payment();
  const dead = settler({ rpc: { urls: [await deadUrl(), await deadUrl()], timeoutMs: 2_000 } });
  const s0 = await stats();
  await assert.rejects(dead.settlePayment(payload, req), (e) => e instanceof RpcError && e.code === "rpc_unreachable");
  assert.deepEqual(await stats(), s0);
  const [payerBefore, payeeBefore] = await balances();
  const failover = settler({ rpc: { urls: [await deadUrl(), rpcUrl], timeoutMs: 5_000 } });
  const result = await failover.settlePayment(payload, req);
  assert.equal(result.success, true, result.json);
  assert.deepEqual(await balances(), [payerBefore - AMOUNT, payeeBefore + AMOUNT]);
});

/** A proxy to the RPC server that forwards everything, but drops the connection instead of answering a sendTransaction. */
async function lossyRpc() {
  const server = http.createServer(async (req, res) => {
    let body = "";
    for await (const chunk of req) body += chunk;
    const answer = await fetch(rpcUrl, { method: "POST", headers: { "content-type": "application/json" }, body });
    if (JSON.parse(body).method === "sendTransaction") { await answer.arrayBuffer(); req.socket.destroy(); return; }
    res.writeHead(answer.status, { "content-type": "application/json" });
    res.end(await answer.text());
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  servers.push(server);
  return `http://127.0.0.1:${server.address().port}`;
}

test("a send whose answer is lost, refused by the next URL as processed: its signature is awaited and settles, never failed", async () => {
  const settlement = settler({ rpc: { urls: [await lossyRpc(), rpcUrl], timeoutMs: 5_000 }, maxPolls: 2, pollIntervalMs: 10 });
  const [payload, req] = await payment();
  const [payerBefore, payeeBefore] = await balances();
  const s0 = await stats();
  const result = await settlement.settlePayment(payload, req);
  // the first node executed it and its answer was lost; the second one refused the same transaction
  assert.equal((await stats()).sendTransaction, s0.sendTransaction + 2);
  assert.equal(result.success, true, result.json);
  const status = (await rpc("getSignatureStatuses", [[result.transaction]])).value[0];
  assert.equal(status.err, null);
  assert.deepEqual(await balances(), [payerBefore - AMOUNT, payeeBefore + AMOUNT], "moved once");
  assert.deepEqual(settlement.pending(), []);
});

test("the fee payer's key is never shown; a wrong or missing key is a coded error", () => {
  const digits = w.feeSeed.toString("hex");
  const settlement = settler();
  for (const shown of [String(settlement), JSON.stringify(settlement), util.inspect(settlement, { showHidden: true, depth: 5 })]) {
    assert.ok(!shown.toLowerCase().includes(digits), `key shown in ${shown}`);
  }
  assert.equal(settlement.feePayer, w.feePayer);
  assert.throws(() => settler({ feePayer: digits.slice(0, -2) + "zz" }), (e) => e.code === "invalid_signer_key" && !e.message.includes(digits.slice(0, 40)));
  delete process.env.PAY402_SVM_FEE_PAYER_UNSET;
  assert.throws(() => settler({ feePayer: { env: "PAY402_SVM_FEE_PAYER_UNSET" } }), (e) => e.code === "signer_key_missing");
  process.env.PAY402_TEST_SVM_FEE_PAYER = digits;
  assert.equal(settler({ feePayer: { env: "PAY402_TEST_SVM_FEE_PAYER" } }).feePayer, w.feePayer);
  delete process.env.PAY402_TEST_SVM_FEE_PAYER;
  assert.throws(() => settler({ network: "eip155:8453" }), (e) => e.code === "invalid_config");
});

// The README's Solana settlement example, run as written (its RPC URLs, fee payer and offer come from the environment).
test("README: the Solana settlement example settles a payment on litesvm", async () => {
  const readme = process.env.PAY402_JS_README;
  assert.ok(readme, "PAY402_JS_README (ffi-wasm/js/README.md) is not set: run tests/chain/run.sh");
  const m = /<!-- chain-example: solana[^>]*-->\n```js\n([\s\S]*?)```/.exec(fs.readFileSync(readme, "utf8"));
  assert.ok(m, "the README has the Solana settlement example");
  Object.assign(process.env, {
    PAY402_NETWORK: NETWORK, PAY402_ASSET: w.mint, PAY402_PAY_TO: w.payee,
    PAY402_SOLANA_RPC_URLS: `${await deadUrl()},${rpcUrl}`, PAY402_SVM_FEE_PAYER: w.feeSeed.toString("hex"),
  });
  const file = path.resolve("readme-svm-settlement.mjs");
  fs.writeFileSync(file, m[1]);
  const { default: app } = await import(pathToFileURL(file).href);
  const s = await new Promise((ok) => { const x = app.listen(0, "127.0.0.1", () => ok(x)); });
  try {
    const url = `http://127.0.0.1:${s.address().port}/premium`;
    const challenge = await fetch(url);
    assert.equal(challenge.status, 402);
    await challenge.arrayBuffer();
    const pay = wrapFetch(fetch, null, { networks: [NETWORK], assets: [w.mint], maxAmount: AMOUNT, total: AMOUNT },
      { solana: { seed: w.payerSeed, rpcUrl } });
    const [payerBefore, payeeBefore] = await balances();
    const r = await pay(url);
    assert.equal(r.status, 200, await r.clone().text());
    assert.deepEqual(await r.json(), { payer: w.payer });
    const settled = JSON.parse(x402DecodeHeader("settle_response", r.headers.get("PAYMENT-RESPONSE")).json);
    assert.equal(settled.success, true);
    const tx = await rpc("getTransaction", [settled.transaction, { encoding: "jsonParsed", commitment: "confirmed", maxSupportedTransactionVersion: 0 }]);
    assert.equal(tx.transaction.message.accountKeys[0].pubkey, w.feePayer, "our fee payer signed and paid");
    assert.deepEqual(await balances(), [payerBefore - 10_000n, payeeBefore + 10_000n], "the example's price");
  } finally {
    s.closeAllConnections?.();
    await new Promise((ok) => s.close(ok));
  }
});
