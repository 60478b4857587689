// A client written for the original WS402 (the "seed", ws402/ws402's Base provider and its example clients) against
// the npm package's WS402 server (`pay402/ws402` with `chainProof`), unchanged: it GETs the schema at the seed's
// route (`/ws402/schema/<resourceId>?duration=…`), reads `paymentDetails.{recipient, amountWei, chainId, reference}`,
// pays on the chain itself with viem from a Hardhat account (native ETH `value` to the recipient, or an ERC-20
// `transfer`), waits for the receipt, opens the socket at `/?userId=…&resourceId=…` and sends
// `{"type":"payment_proof","proof":{"txHash","reference","senderAddress"}}`, then reads `session_started` and
// `usage_update` and closes. The seed's defects are what these cases pin down (spec ws402-and-seeds.md §2.10): the
// refund goes to the payer the transaction shows, never to `senderAddress` (set here to an address that must receive
// nothing); the amount is what the payee received; a transaction hash admits one session.
//
// The server's clock and timers are injected, so the charge is computed here from price × time (WS402:
// floor(price × ms / 1000)); every amount moved is read back from the chain (balances, gas from receipts, the blocks'
// transactions, `Transfer` logs), never from the code under test. The server reaches the node through a recording
// JSON-RPC proxy (plain node:http in this file), so the test sees which calls it made and when.
//   PAY402_CHAIN_RPC=… PAY402_CHAIN_DEPLOYMENT=… PAY402_JS_README=ffi-wasm/js/README.md node --test test-js-ws402-seed.mjs
// (run by run.sh's WS402 block from a fresh project where the packed pay402 tarball is installed, `ws` and `viem` linked)
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import http from "node:http";
import { randomBytes } from "node:crypto";
import { WebSocket, WebSocketServer } from "ws";
import { createWalletClient, defineChain, getAddress, http as viemHttp, parseAbi } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { keccak256 } from "pay402";
import { ws402Server } from "pay402/ws402";
import { localSettlement, privateKeySigner } from "pay402/settle";
import { RPC, chainNow, env, hex, receipt, rpc, word } from "./chain-rpc.mjs";
import { charge, fakeTime, pause } from "./ws402-time.mjs";

const DEPLOYMENT = JSON.parse(fs.readFileSync(env("PAY402_CHAIN_DEPLOYMENT"), "utf8"));
const TOKEN = DEPLOYMENT.token;
const NETWORK = "eip155:31337";
const MINTER = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"; // Hardhat account #0 (unlocked on the node): mints
const TRANSFER_TOPIC = hex(keccak256(new TextEncoder().encode("Transfer(address,address,uint256)")));
const SCHEMA_PATH = "/ws402/schema/premium-resource"; // the seed's route (examples/base: /ws402/schema/:resourceId)
// Hardhat's default accounts (public test keys of the well-known mnemonic; a local node only): #15 to #18 pay here
const MNEMONIC = "test test test test test test test test test test test junk";
const account = (i) => mnemonicToAccount(MNEMONIC, { addressIndex: i });
const hardhat = defineChain({
  id: 31337, name: "Hardhat", nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
  rpcUrls: { default: { http: [RPC] } },
});
const walletOf = (acct) => createWalletClient({ account: acct, chain: hardhat, transport: viemHttp(RPC) });
const ERC20 = parseAbi(["function transfer(address to, uint256 amount) returns (bool)"]);

// ------------------------------------------------------------------ reads of the node (plain JSON-RPC)
const lower = (a) => a.toLowerCase();
const ethBalance = async (who) => BigInt(await rpc("eth_getBalance", who, "latest"));
const tokenBalance = async (who) => BigInt(await rpc("eth_call", { to: TOKEN, data: "0x70a08231" + word(who) }, "latest"));
const blockNumber = async () => Number(await rpc("eth_blockNumber"));
const gasOf = (r) => BigInt(r.gasUsed) * BigInt(r.effectiveGasPrice);
/** Every transaction mined after block `from` (exclusive) sent by or to `who`: [from, to, value, hash]. */
async function txsOf(who, from) {
  const out = [];
  for (let n = from + 1; n <= await blockNumber(); n++) {
    for (const tx of (await rpc("eth_getBlockByNumber", "0x" + n.toString(16), true)).transactions) {
      if (lower(tx.from) === lower(who) || (tx.to && lower(tx.to) === lower(who))) out.push([lower(tx.from), tx.to && lower(tx.to), BigInt(tx.value), tx.hash]);
    }
  }
  return out;
}
/** Every token Transfer mined after block `from` (exclusive) touching `who`: [from, to, value]. */
async function transfersOf(who, from) {
  const range = { fromBlock: "0x" + (from + 1).toString(16), toBlock: "latest", address: TOKEN };
  const logs = [
    ...(await rpc("eth_getLogs", { ...range, topics: [TRANSFER_TOPIC, "0x" + word(who)] })),
    ...(await rpc("eth_getLogs", { ...range, topics: [TRANSFER_TOPIC, null, "0x" + word(who)] })),
  ];
  const seen = new Set();
  return logs.filter((l) => !seen.has(l.transactionHash + l.logIndex) && seen.add(l.transactionHash + l.logIndex))
    .sort((a, b) => Number(a.blockNumber) - Number(b.blockNumber) || Number(a.logIndex) - Number(b.logIndex))
    .map((l) => [lower("0x" + l.topics[1].slice(26)), lower("0x" + l.topics[2].slice(26)), BigInt(l.data)]);
}
async function mint(to, value) {
  const hash = await rpc("eth_sendTransaction", { from: MINTER, to: TOKEN, data: "0x40c10f19" + word(to) + word(value), gas: "0x493e0" });
  assert.equal((await receipt(hash)).status, "0x1", "mint");
}
const freshAddress = () => privateKeySigner(hex(randomBytes(32))).address;


// ------------------------------------------------------------------ the settler (payee and refunder), the clock
// A fresh key funded with hardhat_setBalance: its nonces are this file's. It is the chain proofs' `payTo` and sends
// the refunds (localSettlement().refund), so every transaction it sends is a refund.
const settler = privateKeySigner(hex(randomBytes(32)));
await rpc("hardhat_setBalance", settler.address, "0x" + (10n ** 20n).toString(16));

const until = async (fn, what) => {
  for (let i = 0; i < 600; i++) {
    if (await fn()) return;
    await pause(50);
  }
  throw new Error(`timed out waiting for ${what}`);
};

/** A JSON-RPC proxy in front of the node that records each call the server makes: {body, method, params, result}. */
async function recordingRpc() {
  const calls = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", async () => {
      const text = Buffer.concat(chunks).toString();
      const body = JSON.parse(text);
      const r = await fetch(RPC, { method: "POST", headers: { "content-type": "application/json" }, body: text });
      const answer = await r.text();
      calls.push({ body, method: body.method, params: body.params, result: JSON.parse(answer).result });
      res.writeHead(r.status, { "content-type": "application/json" });
      res.end(answer);
    });
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return { calls, url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((r) => server.close(r)) };
}

/** pay402's WS402 server mounted where the seed's example server has its routes: the schema at
 * /ws402/schema/premium-resource, the socket at / (its ?userId=&resourceId= are the client's, not read). */
async function serveLikeTheSeed({ chainProof, time, ...rest }) {
  const proxy = await recordingRpc();
  const server = http.createServer();
  const wss = new WebSocketServer({ noServer: true });
  const local = localSettlement({ network: NETWORK, rpc: [RPC], signer: settler, receiptTimeoutMs: 20_000, now: () => Math.floor(time.now() / 1000) });
  const paid = ws402Server({
    ...(chainProof === null ? {} : { chainProof: { chainId: 31337, payTo: settler.address, rpcUrl: proxy.url, ...chainProof } }),
    refund: (order) => local.refund(order),
    now: time.now, timers: time.timers, ...rest,
  });
  const statements = [];
  paid.attach(wss, { server, path: "/", schemaPath: (p) => p.startsWith("/ws402/schema/") }, () => {});
  // every session's statement, the rejected ones too (`end` events; attach's listener made the session already)
  const watched = new Set();
  wss.on("connection", () => {
    for (const s of paid.sessions()) {
      if (watched.has(s)) continue;
      watched.add(s);
      s.addEventListener("end", (e) => statements.push(e.statement));
    }
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const host = `127.0.0.1:${server.address().port}`;
  return {
    proxy, statements, host,
    async close() {
      await paid.close();
      for (const c of wss.clients) c.terminate();
      wss.close();
      await new Promise((r) => server.close(r));
      await proxy.close();
    },
  };
}

// ------------------------------------------------------------------ the seed-style client (from its docs and examples)
/** Step 1: GET the schema, as the seed's Base clients do (`?duration=` is theirs; the server decides the price). */
async function getSchema(srv) {
  const res = await fetch(`http://${srv.host}${SCHEMA_PATH}?duration=10`);
  assert.equal(res.status, 200);
  return res.json();
}
/** Step 2: pay `paymentDetails` on the chain with the wallet of `acct`: native ETH `value` to `recipient`, or, when
 * it names a `tokenAddress`, an ERC-20 `transfer`; `to` and `amount` override the payee and the amount. The hash. */
async function pay(acct, details, { to = details.recipient, amount = BigInt(String(details.amountWei)) } = {}) {
  const wallet = walletOf(acct);
  if (details.tokenAddress) {
    return wallet.writeContract({ address: details.tokenAddress, abi: ERC20, functionName: "transfer", args: [to, amount] });
  }
  return wallet.sendTransaction({ to, value: amount });
}
/** Step 3: open the socket and send the proof on `open`; the frames as they come, and the close code. */
async function connect(srv, { txHash, reference, senderAddress }) {
  const ws = new WebSocket(`ws://${srv.host}/?userId=user_${randomBytes(4).toString("hex")}&resourceId=premium-resource`);
  const frames = [];
  const closed = new Promise((r) => ws.on("close", (code) => r(code)));
  ws.on("message", (data) => frames.push(JSON.parse(data.toString())));
  await new Promise((r, j) => { ws.on("open", r); ws.on("error", j); });
  ws.send(JSON.stringify({ type: "payment_proof", proof: { txHash, reference, senderAddress } }));
  const next = async (type) => {
    let f;
    await until(() => (f = frames.find((x) => x.type === type)), `a ${type} frame (got ${JSON.stringify(frames)})`);
    return f;
  };
  return { ws, frames, closed, next };
}

/** A session paid in full by `acct` and closed by the client after `ms`: what the chain and the server saw. */
async function paidSession({ asset, price, duration, acct, ms }) {
  const time = fakeTime((await chainNow()) * 1000);
  const srv = await serveLikeTheSeed({ chainProof: asset ? { asset } : {}, pricePerSecond: price, estimatedDuration: duration,
    maxSessionDuration: 3600, updateIntervalMs: 1000, time });
  try {
    const before = await blockNumber();
    const schema = await getSchema(srv);
    const details = schema.paymentDetails;
    const hash = await pay(acct, details);
    const paidReceipt = await receipt(hash);
    assert.equal(paidReceipt.status, "0x1");
    await time.to((await chainNow()) * 1000); // the server's clock: the chain's, after the payment was mined
    const sender = freshAddress(); // what the client claims as its address: never paid
    const c = await connect(srv, { txHash: hash, reference: details.reference, senderAddress: sender });
    const start = time.now();
    const started = await c.next("session_started");
    await time.to(start + 1000);
    const update = await c.next("usage_update");
    await time.to(start + ms);
    c.ws.close(1000);
    await c.closed;
    await until(() => srv.statements.length === 1, "the statement");
    return { srv, schema, details, hash, paidReceipt, sender, started, update, statement: srv.statements[0], before, time, start };
  } catch (e) {
    await srv.close();
    throw e;
  }
}

test("native ETH: the seed's client pays amountWei, paid − consumed comes back to the tx's sender, not to senderAddress; the hash replayed is refused", async () => {
  const PRICE = 10n ** 15n, DURATION = 10, MS = 2750;
  const PAID = PRICE * BigInt(DURATION); // 10^16 wei > 2^53: the schema writes it as a string
  const payer = account(15);
  const payerBefore = await ethBalance(payer.address);
  const settlerBefore = await ethBalance(settler.address);
  const s = await paidSession({ price: PRICE, duration: DURATION, acct: payer, ms: MS });
  try {
    const { details, statement: st } = s;
    // the seed's paymentDetails fields (API23, from the seed's BasePaymentProvider)
    assert.deepEqual([details.type, details.network, details.chainId, details.recipient, details.currency, details.tokenAddress],
      ["base", NETWORK, 31337, getAddress(settler.address), "ETH", undefined]);
    assert.equal(details.amountWei, PAID.toString());
    assert.equal(details.amountETH, "0.01");
    assert.match(details.reference, /^base_\d+_[0-9a-z]{9}$/);
    assert.deepEqual([s.schema.pricing.pricePerSecond, s.schema.pricing.estimatedDuration].map(String), [PRICE.toString(), String(DURATION)]);
    assert.equal(s.started.balance, PAID.toString());
    assert.equal(s.update.consumedAmount, charge(PRICE, 1000, PAID).toString());
    const consumed = charge(PRICE, MS, PAID);
    assert.deepEqual([st.ending, st.reason, lower(st.payer), st.paid, st.consumed, st.refundAmount, st.refundStatus],
      ["ended", "client_close", lower(payer.address), PAID, consumed, PAID - consumed, "confirmed"]);
    // the chain: the payment, then one refund of paid − consumed from the payee to the tx's `from`; nothing else
    const moves = await txsOf(settler.address, s.before);
    assert.deepEqual(moves.map(([f, t, v]) => [f, t, v]),
      [[lower(payer.address), lower(settler.address), PAID], [lower(settler.address), lower(payer.address), PAID - consumed]]);
    const refundReceipt = await receipt(moves[1][3]);
    assert.equal(refundReceipt.status, "0x1");
    assert.equal(await ethBalance(payer.address), payerBefore - gasOf(s.paidReceipt) - consumed);
    assert.equal(await ethBalance(settler.address), settlerBefore + consumed - gasOf(refundReceipt));
    assert.equal(await ethBalance(s.sender), 0n, "senderAddress receives nothing");
    // the server verified the hash over JSON-RPC 2.0 (receipt, block, head, the transaction for a native payment)
    const methods = new Set(s.srv.proxy.calls.map((c) => c.method));
    for (const m of ["eth_getTransactionReceipt", "eth_getBlockByNumber", "eth_blockNumber", "eth_getTransactionByHash"]) assert.ok(methods.has(m), m);
    assert.ok(s.srv.proxy.calls.every((c) => c.body.jsonrpc === "2.0" && Array.isArray(c.params)));

    // the same hash on a second socket (another reference, another claimed sender): refused, nothing refunded again
    const after = await blockNumber();
    const again = await connect(s.srv, { txHash: s.hash, reference: (await getSchema(s.srv)).paymentDetails.reference, senderAddress: freshAddress() });
    assert.equal((await again.next("payment_rejected")).reason, "payment_already_used");
    assert.equal(await again.closed, 1008);
    assert.equal(again.frames.some((f) => f.type === "session_started"), false);
    await s.time.to(s.time.now() + 60_000);
    await pause(300);
    assert.deepEqual(await txsOf(settler.address, after), [], "no second refund");
    assert.equal(await ethBalance(payer.address), payerBefore - gasOf(s.paidReceipt) - consumed);
  } finally {
    await s.srv.close();
  }
});

test("ERC-20: a token transfer to the recipient pays; paid − consumed refunded in the token to the Transfer's from", async () => {
  const PRICE = 250n, DURATION = 400, MS = 3500, FUNDING = 1_000_000n;
  const PAID = PRICE * BigInt(DURATION);
  const payer = account(16);
  await mint(payer.address, FUNDING);
  const payerTokens = await tokenBalance(payer.address);
  const settlerTokens = await tokenBalance(settler.address);
  const s = await paidSession({ asset: TOKEN, price: PRICE, duration: DURATION, acct: payer, ms: MS });
  try {
    const { details, statement: st } = s;
    assert.deepEqual([details.type, details.chainId, details.recipient, details.currency, lower(details.tokenAddress), details.amountWei],
      ["base", 31337, getAddress(settler.address), "ERC20", lower(TOKEN), Number(PAID)]);
    const consumed = charge(PRICE, MS, PAID);
    assert.deepEqual([st.ending, st.reason, lower(st.payer), st.paid, st.consumed, st.refundAmount, st.refundStatus],
      ["ended", "client_close", lower(payer.address), PAID, consumed, PAID - consumed, "confirmed"]);
    assert.deepEqual(await transfersOf(payer.address, s.before),
      [[lower(payer.address), lower(settler.address), PAID], [lower(settler.address), lower(payer.address), PAID - consumed]]);
    assert.deepEqual(await transfersOf(s.sender, s.before), [], "senderAddress receives nothing");
    assert.equal(await tokenBalance(payer.address), payerTokens - consumed);
    assert.equal(await tokenBalance(settler.address), settlerTokens + consumed);
    assert.equal(await ethBalance(s.sender), 0n);
  } finally {
    await s.srv.close();
  }
});

/** A payment that must be refused with `reason`: no session, no refund, the money where the payment put it. */
async function refused({ acct, payment, reason }) {
  const time = fakeTime((await chainNow()) * 1000);
  const srv = await serveLikeTheSeed({ chainProof: {}, pricePerSecond: 10n ** 12n, estimatedDuration: 60, maxSessionDuration: 3600, time });
  try {
    const before = await blockNumber();
    const details = (await getSchema(srv)).paymentDetails;
    const hash = await pay(acct, details, payment(details));
    assert.equal((await receipt(hash)).status, "0x1");
    await time.to((await chainNow()) * 1000);
    const c = await connect(srv, { txHash: hash, reference: details.reference, senderAddress: acct.address });
    assert.equal((await c.next("payment_rejected")).reason, reason);
    assert.equal(await c.closed, 1008);
    assert.equal(c.frames.some((f) => f.type === "session_started"), false);
    await until(() => srv.statements.length === 1, "the statement");
    assert.deepEqual([srv.statements[0].ending, srv.statements[0].reason, srv.statements[0].refundAmount], ["rejected", reason, null]);
    const fromSettler = (await txsOf(settler.address, before)).filter(([f]) => f === lower(settler.address));
    assert.deepEqual(fromSettler, [], "nothing sent back");
  } finally {
    await srv.close();
  }
}

test("a transaction paying one wei less than amountWei: payment_rejected amount_too_low, no session", async () => {
  await refused({ acct: account(17), payment: (d) => ({ amount: BigInt(String(d.amountWei)) - 1n }), reason: "amount_too_low" });
});

test("a transaction paying amountWei to another address: payment_rejected wrong_payee, no session", async () => {
  await refused({ acct: account(17), payment: () => ({ to: freshAddress() }), reason: "wrong_payee" });
});

test("a transaction not mined yet when the proof arrives: the server asks again and admits it once mined", async () => {
  const PRICE = 10n ** 12n, DURATION = 60, MS = 1500;
  const PAID = PRICE * BigInt(DURATION);
  const payer = account(18);
  const time = fakeTime((await chainNow()) * 1000);
  const srv = await serveLikeTheSeed({ chainProof: {}, pricePerSecond: PRICE, estimatedDuration: DURATION, maxSessionDuration: 3600,
    updateIntervalMs: 1000, time });
  const payerBefore = await ethBalance(payer.address);
  await rpc("evm_setAutomine", false);
  let automine = false;
  try {
    const before = await blockNumber();
    const details = (await getSchema(srv)).paymentDetails;
    const hash = await pay(payer, details);
    assert.equal(await rpc("eth_getTransactionReceipt", hash), null, "pending");
    const c = await connect(srv, { txHash: hash, reference: details.reference, senderAddress: freshAddress() });
    // the server's questions about the hash (the receipt, or the transaction for a native payment): the first answers
    // show it unmined (no receipt, or no block); no verdict while it is pending
    const hashCalls = () => srv.proxy.calls.filter((x) => x.params[0] === hash);
    await until(() => hashCalls().length >= 1, "the server's first question about the hash");
    await pause(500);
    const first = hashCalls()[0];
    assert.ok(first.result === null || first.result.blockNumber === null, `unmined: ${JSON.stringify(first.result)}`);
    assert.equal(c.frames.length, 0, "no verdict while the transaction is pending");
    const asked = hashCalls().length;
    await rpc("evm_mine");
    await rpc("evm_setAutomine", true);
    automine = true;
    const paidReceipt = await receipt(hash);
    // the retry is the server's timer: move its clock in steps until the session starts (within its proof timeout),
    // each step only once the server is quiet (no RPC call for 300 ms), so the clock stands still while it verifies
    const verdict = () => c.frames.some((f) => f.type === "session_started" || f.type === "payment_rejected");
    for (let i = 0; i < 36 && !verdict(); i++) {
      await time.to(time.now() + 250);
      for (let n = -1; n !== srv.proxy.calls.length && !verdict();) {
        n = srv.proxy.calls.length;
        await pause(300);
      }
    }
    assert.equal((await c.next("session_started")).balance, PAID.toString());
    assert.ok(hashCalls().length > asked, "asked again");
    assert.ok(hashCalls().some((x) => x.method === "eth_getTransactionReceipt" && x.result !== null), "the receipt, once mined");
    const start = time.now();
    await time.to(start + MS);
    c.ws.close(1000);
    await c.closed;
    await until(() => srv.statements.length === 1, "the statement");
    const consumed = charge(PRICE, MS, PAID);
    const st = srv.statements[0];
    assert.deepEqual([st.reason, lower(st.payer), st.paid, st.consumed, st.refundAmount, st.refundStatus],
      ["client_close", lower(payer.address), PAID, consumed, PAID - consumed, "confirmed"]);
    const moves = await txsOf(settler.address, before);
    assert.deepEqual(moves.map(([f, t, v]) => [f, t, v]),
      [[lower(payer.address), lower(settler.address), PAID], [lower(settler.address), lower(payer.address), PAID - consumed]]);
    assert.equal(await ethBalance(payer.address), payerBefore - gasOf(paidReceipt) - consumed);
  } finally {
    if (!automine) await rpc("evm_setAutomine", true);
    await srv.close();
  }
});

test("a server without chainProof refuses the seed's object proof, even for a real payment", async () => {
  const time = fakeTime((await chainNow()) * 1000);
  const local = localSettlement({ network: NETWORK, rpc: [RPC], signer: settler, now: () => Math.floor(time.now() / 1000) });
  const srv = await serveLikeTheSeed({ chainProof: null, time, settle: local, refund: undefined, pricePerSecond: 1n, maxSessionDuration: 60,
    offers: [{ scheme: "exact", network: NETWORK, asset: TOKEN, amount: 1000n, payTo: settler.address, maxTimeoutSeconds: 300,
      eip712Name: DEPLOYMENT.name, eip712Version: DEPLOYMENT.version }] });
  try {
    const schema = await getSchema(srv);
    assert.equal(schema.paymentDetails.recipient, undefined, "no seed fields without chainProof");
    const payer = account(17);
    const hash = await walletOf(payer).sendTransaction({ to: settler.address, value: 1000n });
    assert.equal((await receipt(hash)).status, "0x1");
    const c = await connect(srv, { txHash: hash, reference: "base_0_000000000", senderAddress: payer.address });
    assert.equal((await c.next("payment_rejected")).reason, "legacy_proof_unsupported");
    assert.equal(await c.closed, 1008);
    assert.deepEqual(srv.proxy.calls, [], "no RPC call");
  } finally {
    await srv.close();
  }
});

// The README's `<!-- ws402-seed example: server -->` block, run as written (its chain, key and RPC URL from the
// environment; the real clock, so the charge is checked within the instants measured around the session), paid by
// the seed-style client above: the refund is paid − consumed to the payer, to the wei.
const README = process.env.PAY402_JS_README;
test("README: the seed example server, paid by the seed's client on the chain, refunds the unused part to the payer", { skip: !README && "PAY402_JS_README not set" }, async () => {
  const { pathToFileURL } = await import("node:url");
  const { resolve } = await import("node:path");
  const m = /<!-- ws402-seed example: server -->\n```js\n([\s\S]*?)```/.exec(fs.readFileSync(README, "utf8"));
  assert.ok(m, "a `<!-- ws402-seed example: server -->` block");
  assert.ok(m[1].trim().split("\n").length <= 10, "the example is at most 10 lines");
  const payeeKey = hex(randomBytes(32));
  const payee = privateKeySigner(payeeKey).address;
  await rpc("hardhat_setBalance", payee, "0x" + (10n ** 18n).toString(16));
  Object.assign(process.env, { CHAIN_ID: "31337", PAY_TO_KEY: payeeKey, RPC_URL: RPC, PORT: "0" });
  const file = resolve("readme-ws402-seed-server.mjs");
  fs.writeFileSync(file, m[1]);
  const { server } = await import(pathToFileURL(file).href);
  try {
    if (!server.listening) await new Promise((r) => server.once("listening", r));
    const srv = { host: `127.0.0.1:${server.address().port}` };
    const payer = account(19);
    const payerBefore = await ethBalance(payer.address);
    const before = await blockNumber();
    const details = (await getSchema(srv)).paymentDetails;
    const PAID = 10n ** 12n * 300n;
    assert.deepEqual([details.recipient, BigInt(String(details.amountWei)), details.chainId], [getAddress(payee), PAID, 31337]);
    const hash = await pay(payer, details);
    const paidReceipt = await receipt(hash);
    const c = await connect(srv, { txHash: hash, reference: details.reference, senderAddress: freshAddress() });
    const sent = Date.now();
    assert.equal((await c.next("session_started")).balance, PAID.toString());
    const started = Date.now();
    await c.next("welcome"); // the application's frame
    await pause(1200);
    const closeFrom = Date.now();
    c.ws.close(1000);
    await c.closed;
    const closeTo = Date.now();
    let moves;
    await until(async () => (moves = await txsOf(payee, before)).length === 2, "the refund");
    const [, [from, to, refund, refundHash]] = moves;
    assert.deepEqual([from, to], [lower(payee), lower(payer.address)]);
    assert.equal((await receipt(refundHash)).status, "0x1");
    // the session ran from its start (between the proof and session_started) to the close
    const consumed = PAID - refund;
    assert.ok(consumed >= charge(10n ** 12n, closeFrom - started, PAID) && consumed <= charge(10n ** 12n, closeTo - sent, PAID),
      `${consumed} within [${charge(10n ** 12n, closeFrom - started, PAID)}, ${charge(10n ** 12n, closeTo - sent, PAID)}]`);
    assert.equal(await ethBalance(payer.address), payerBefore - gasOf(paidReceipt) - consumed);
  } finally {
    server.closeAllConnections?.();
    await new Promise((r) => server.close(r));
  }
});
