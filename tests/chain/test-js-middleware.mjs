// JS half of the middleware settlement test: the npm package pay402's `x402Middleware` settles for real on the local chain.
//
// A `node:http` server on loopback, protected by pay402's `x402Middleware` (Express-style `(req, res, next)`, used
// on plain node:http as its docs allow: it reads `req.headers`/`req.url` and writes `res.statusCode`,
// `res.setHeader`, `res.end`), offers the project's EIP-3009 token on `eip155:31337`; its `settle` hook POSTs the
// payment to the reference TypeScript facilitator's `/settle` (`PAY402_FACILITATOR_URL`). A payer with tokens and
// no ETH pays through pay402's `wrapFetch` + `privateKeySigner`. The node is read over plain JSON-RPC
// (`PAY402_CHAIN_RPC`); the token comes from `PAY402_CHAIN_DEPLOYMENT`. Run by run.sh from a fresh project into
// which the packed pay402 tarball is installed:
//   node --test test-js-middleware.mjs
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import http from "node:http";
import { randomBytes } from "node:crypto";
import * as pay402 from "pay402";
import { chainNow, env, hex, receipt, rpc, word } from "./chain-rpc.mjs";

const { x402Middleware, wrapFetch, privateKeySigner, x402DecodeHeader, keccak256 } = pay402;

const FACILITATOR_URL = env("PAY402_FACILITATOR_URL");
const DEPLOYMENT = JSON.parse(fs.readFileSync(env("PAY402_CHAIN_DEPLOYMENT"), "utf8"));
const TOKEN = DEPLOYMENT.token;
const NETWORK = "eip155:31337";
const PRICE = 12_345n; // atomic units of the 6-decimal token
const FUNDING = 1_000_000n;
// Hardhat's public test accounts: #0 deploys and mints (unlocked on the node), #1 is the facilitator's gas wallet
const MINTER = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
const FACILITATOR_WALLET = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const TWA_SELECTOR = "0xe3ee160e"; // transferWithAuthorization(address,address,uint256,uint256,uint256,bytes32,uint8,bytes32,bytes32)
const TRANSFER_TOPIC = hex(keccak256(new TextEncoder().encode("Transfer(address,address,uint256)")));
const AUTH_USED_TOPIC = hex(keccak256(new TextEncoder().encode("AuthorizationUsed(address,bytes32)")));


// ------------------------------------------------------------------ reads of the node (JSON-RPC: ./chain-rpc.mjs)
const topicAddress = (t) => "0x" + t.slice(26);
const call = (data) => rpc("eth_call", { to: TOKEN, data }, "latest");
const balanceOf = async (who) => BigInt(await call("0x70a08231" + word(who)));
const authorizationState = async (who, nonce) => BigInt(await call("0xe94a0102" + word(who) + word(nonce))) === 1n;
const blockNumber = async () => Number(await rpc("eth_blockNumber"));
const txCount = async (who) => Number(await rpc("eth_getTransactionCount", who, "latest"));
async function mint(to, value) {
  const hash = await rpc("eth_sendTransaction", {
    from: MINTER, to: TOKEN, data: "0x40c10f19" + word(to) + word(value), gas: "0x493e0",
  });
  assert.equal((await receipt(hash)).status, "0x1", "mint");
}
const lower = (a) => a.toLowerCase();

// ------------------------------------------------------------------ the server
const payee = privateKeySigner(randomBytes(32)).address; // a fresh payee: its balance is ours alone
const accepts = [{
  scheme: "exact",
  network: NETWORK,
  amount: PRICE.toString(),
  asset: TOKEN,
  payTo: payee,
  maxTimeoutSeconds: 300,
  extra: { name: DEPLOYMENT.name, version: DEPLOYMENT.version },
}];
let clock = Math.floor(Date.now() / 1000); // chain time, refreshed before every request (the node may run ahead)
const calls = { premium: 0, refuses: 0, crashes: 0 };
const settles = [];

// The settle hook: the decoded PAYMENT-SIGNATURE and the offer go to the facilitator's /settle; a settlement that
// did not succeed throws (the middleware then calls next(err): the handler does not run, the client gets a 500).
async function settle(verified, req) {
  const header = req.headers["payment-signature"];
  const paymentPayload = JSON.parse(x402DecodeHeader("payment_payload", header).json);
  const r = await fetch(`${FACILITATOR_URL}/settle`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ x402Version: 2, paymentPayload, paymentRequirements: accepts[0] }),
  });
  const body = await r.json();
  settles.push({ path: req.url, payer: verified.payer, body });
  if (r.status !== 200 || !body.success) {
    throw Object.assign(new Error(`settlement failed: ${body.errorReason ?? r.status}`), { settlement: body });
  }
  return body;
}
const paywall = x402Middleware(accepts, { settle, now: () => clock });

const handlers = {
  "/premium": (req, res) => {
    calls.premium++;
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ data: "premium", payer: req.x402.payer }));
  },
  "/refuses": (req, res) => { // fails with a status it chooses
    calls.refuses++;
    res.statusCode = 409;
    res.end("conflict");
  },
  "/crashes": () => { // throws: the server answers 500
    calls.crashes++;
    throw new Error("handler crashed");
  },
};
const server = http.createServer((req, res) => {
  const handler = handlers[req.url];
  if (!handler) { res.statusCode = 404; res.end(); return; }
  const fail = (e) => { res.statusCode = 500; res.end(`error: ${e.message}`); };
  paywall(req, res, (err) => {
    if (err) return fail(err);
    try { handler(req, res); } catch (e) { fail(e); }
  });
});
await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
const BASE = `http://127.0.0.1:${server.address().port}`;
test.after(() => new Promise((ok) => server.close(ok)));

// ------------------------------------------------------------------ the payer
async function newPayer() {
  const signer = privateKeySigner(randomBytes(32));
  await mint(signer.address, FUNDING);
  const sent = [];
  // records what the payer sent: the signed header is what a replay re-sends
  const recording = async (request) => {
    const h = request.headers.get("PAYMENT-SIGNATURE");
    if (h) sent.push(h);
    return fetch(request);
  };
  const pay = wrapFetch(recording, signer, {
    networks: [NETWORK], assets: [TOKEN], maxAmount: PRICE, total: 10n * PRICE,
  }, { now: () => clock });
  return { signer, pay, sent };
}
async function snapshot(payer) {
  clock = await chainNow();
  return {
    block: await blockNumber(),
    gasNonce: await txCount(FACILITATOR_WALLET),
    payer: await balanceOf(payer),
    payee: await balanceOf(payee),
  };
}
function nonceOf(header) {
  return JSON.parse(x402DecodeHeader("payment_payload", header).json).payload.authorization.nonce;
}

// ------------------------------------------------------------------ the tests
test("an unpaid request gets the 402 offer; the handler does not run", async () => {
  const before = calls.premium;
  const r = await fetch(`${BASE}/premium`);
  assert.equal(r.status, 402);
  const required = JSON.parse(x402DecodeHeader("payment_required", r.headers.get("PAYMENT-REQUIRED")).json);
  assert.equal(required.x402Version, 2);
  assert.equal(required.accepts.length, 1);
  const offer = required.accepts[0];
  assert.deepEqual(
    [offer.scheme, offer.network, offer.amount, lower(offer.asset), lower(offer.payTo), offer.extra.name, offer.extra.version],
    ["exact", NETWORK, PRICE.toString(), lower(TOKEN), lower(payee), DEPLOYMENT.name, DEPLOYMENT.version],
  );
  assert.equal(calls.premium, before);
});

test("a paid request settles on chain: 200, PAYMENT-RESPONSE with a mined transferWithAuthorization", async () => {
  const { signer, pay, sent } = await newPayer();
  const before = await snapshot(signer.address);
  const handlerRuns = calls.premium;

  const r = await pay(`${BASE}/premium`);
  assert.equal(r.status, 200, await r.clone().text());
  assert.deepEqual(await r.json(), { data: "premium", payer: signer.address });
  assert.equal(calls.premium, handlerRuns + 1);

  const settlement = JSON.parse(x402DecodeHeader("settle_response", r.headers.get("PAYMENT-RESPONSE")).json);
  assert.equal(settlement.success, true);
  assert.equal(settlement.network, NETWORK);
  assert.equal(lower(settlement.payer), lower(signer.address));
  assert.match(settlement.transaction, /^0x[0-9a-f]{64}$/);

  const rc = await receipt(settlement.transaction);
  assert.equal(rc.status, "0x1");
  assert.equal(lower(rc.from), lower(FACILITATOR_WALLET));
  assert.equal(lower(rc.to), lower(TOKEN));
  const tx = await rpc("eth_getTransactionByHash", settlement.transaction);
  assert.equal(tx.input.slice(0, 10), TWA_SELECTOR);
  const logs = rc.logs.filter((l) => lower(l.address) === lower(TOKEN));
  const used = logs.filter((l) => l.topics[0] === AUTH_USED_TOPIC);
  const transfers = logs.filter((l) => l.topics[0] === TRANSFER_TOPIC);
  assert.equal(used.length, 1);
  assert.equal(sent.length, 1);
  assert.equal(used[0].topics[2], nonceOf(sent[0]));
  assert.equal(transfers.length, 1);
  assert.equal(topicAddress(transfers[0].topics[1]), lower(signer.address));
  assert.equal(topicAddress(transfers[0].topics[2]), lower(payee));
  assert.equal(BigInt(transfers[0].data), PRICE);

  const after = await snapshot(signer.address);
  assert.equal(after.payer, before.payer - PRICE);
  assert.equal(after.payee, before.payee + PRICE);
  assert.equal(after.gasNonce, before.gasNonce + 1, "the gas wallet sent exactly one transaction");
  assert.equal(await authorizationState(signer.address, nonceOf(sent[0])), true);
});

// The middleware holds the handler's response and settles only when its status is below 400: a handler that
// refuses or crashes is not charged.
for (const [path, status] of [["/refuses", 409], ["/crashes", 500]]) {
  test(`a failing handler (${path}: ${status}) is not settled`, async () => {
    const { signer, pay, sent } = await newPayer();
    const before = await snapshot(signer.address);
    const name = path.slice(1);
    const runs = calls[name];
    const r = await pay(`${BASE}${path}`);
    assert.equal(r.status, status);
    assert.equal(calls[name], runs + 1, "the payment was admitted and the handler ran once");
    assert.equal(r.headers.get("PAYMENT-RESPONSE"), null);
    const after = await snapshot(signer.address);
    assert.deepEqual(after, before, "no block, no gas-wallet transaction, balances unchanged");
    assert.equal(await authorizationState(signer.address, nonceOf(sent[0])), false);
  });
}

// The middleware records each payment's replay key (in-memory store by default) before the handler runs: the
// same PAYMENT-SIGNATURE again is refused with 402 before it reaches the facilitator or the chain.
test("a replayed PAYMENT-SIGNATURE is refused by the middleware's replay store", async () => {
  const { signer, pay, sent } = await newPayer();
  clock = await chainNow();
  const first = await pay(`${BASE}/premium`);
  assert.equal(first.status, 200);
  assert.equal(sent.length, 1);
  const before = await snapshot(signer.address);
  const runs = calls.premium;
  const settlesBefore = settles.length;

  const replay = await fetch(`${BASE}/premium`, { headers: { "PAYMENT-SIGNATURE": sent[0] } });
  assert.equal(replay.status, 402);
  assert.equal(calls.premium, runs, "the handler did not run");
  assert.equal(settles.length, settlesBefore, "the replay never reached the facilitator");
  const after = await snapshot(signer.address);
  assert.deepEqual(after, before, "no block, no gas-wallet transaction, balances unchanged");
});
