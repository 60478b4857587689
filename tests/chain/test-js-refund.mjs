// The npm package pays refunds back through the settlement layer on the local chain: `pay402/settle`'s
// `localSettlement().refund(order)` with a `RefundOrder` of the core (`refundOrderForSession`). The settler is a
// fresh key funded with `hardhat_setBalance` and minted the payee's tokens, so its nonces are this file's alone.
// Every expected value comes from the chain (balances, the transaction, its Transfer logs, eth_getLogs, nonces).
// Native-coin orders (`asset` "native") are value transfers to the payer: the settler's ETH falls by exactly the
// amount plus gasUsed × effectiveGasPrice from the receipt, the payer's rises by exactly the amount.
//   PAY402_CHAIN_RPC=… PAY402_CHAIN_DEPLOYMENT=… node --test test-js-refund.mjs
// (run by run.sh's refunds block from a fresh project where the packed pay402 tarball is installed)
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import { randomBytes } from "node:crypto";
import * as pay402 from "pay402";
import { RPC, env, hex, receipt, rpc, word } from "./chain-rpc.mjs";
import { localSettlement, memoryPendingStore, privateKeySigner as settlerSigner } from "pay402/settle";

const { refundOrderForSession, keccak256, privateKeySigner } = pay402;
const DEPLOYMENT = JSON.parse(fs.readFileSync(env("PAY402_CHAIN_DEPLOYMENT"), "utf8"));
const TOKEN = DEPLOYMENT.token;
const NETWORK = "eip155:31337";
const MINTER = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"; // Hardhat account #0 (unlocked on the node): mints
const TRANSFER_TOPIC = hex(keccak256(new TextEncoder().encode("Transfer(address,address,uint256)")));

const balanceOf = async (who) => BigInt(await rpc("eth_call", { to: TOKEN, data: "0x70a08231" + word(who) }, "latest"));
const txCount = async (who) => Number(await rpc("eth_getTransactionCount", who, "latest"));
const blockNumber = async () => Number(await rpc("eth_blockNumber"));
async function mint(to, value) {
  const hash = await rpc("eth_sendTransaction", { from: MINTER, to: TOKEN, data: "0x40c10f19" + word(to) + word(value), gas: "0x493e0" });
  assert.equal((await receipt(hash)).status, "0x1", "mint");
}
const freshAddress = () => privateKeySigner(randomBytes(32)).address;

const SETTLER_KEY = hex(randomBytes(32));
const settler = settlerSigner(SETTLER_KEY);
await rpc("hardhat_setBalance", settler.address, "0x" + (10n ** 19n).toString(16));
await mint(settler.address, 2n ** 60n);
const settlement = (options = {}) => localSettlement({ network: NETWORK, rpc: [RPC], signer: settler, ...options });
const order = (to, amount) => refundOrderForSession(randomBytes(16), NETWORK, TOKEN, to, amount);

/** `out` moved exactly `o.amount` from the settler to `o.to` in one Transfer, read back from the node. */
async function checkOneRefund(o, out, before, settlerBefore) {
  assert.equal(out.success, true, JSON.stringify(out));
  const result = JSON.parse(out.json);
  assert.deepEqual([result.network, result.asset, result.to, result.amount], [o.network, o.asset, o.to, o.amount.toString()]);
  const tx = await rpc("eth_getTransactionByHash", out.transaction);
  assert.equal(tx.from.toLowerCase(), settler.address.toLowerCase());
  assert.equal(tx.to.toLowerCase(), TOKEN.toLowerCase());
  assert.equal(tx.input, hex(o.calldata));
  const r = await receipt(out.transaction);
  const transfers = r.logs.filter((l) => l.address.toLowerCase() === TOKEN.toLowerCase() && l.topics[0] === TRANSFER_TOPIC);
  assert.deepEqual(transfers.map((l) => [l.topics[1], l.topics[2], BigInt(l.data)]),
    [["0x" + word(settler.address), "0x" + word(o.to), o.amount]]);
  const logs = await rpc("eth_getLogs", { fromBlock: "0x" + (before + 1).toString(16), toBlock: "latest", address: TOKEN,
    topics: [TRANSFER_TOPIC, null, "0x" + word(o.to)] });
  assert.deepEqual(logs.map((l) => [l.transactionHash, BigInt(l.data)]), [[out.transaction, o.amount]]);
  assert.equal(await balanceOf(o.to), o.amount);
  assert.equal(await balanceOf(settler.address), settlerBefore - o.amount);
}

test("one refund moves exactly the amount; a second call and a restart on the same store send nothing", async () => {
  const store = memoryPendingStore();
  const s = settlement({ pendingStore: store });
  const o = order(freshAddress(), 123_457n);
  const before = await blockNumber();
  const settlerBefore = await balanceOf(settler.address);
  const out = await s.refund(o);
  await checkOneRefund(o, out, before, settlerBefore);
  const nonce = await txCount(settler.address);
  assert.deepEqual(await s.refund(o), out);
  assert.deepEqual(await settlement({ pendingStore: store }).refund(o), out);
  assert.equal(await txCount(settler.address), nonce);
  await checkOneRefund(o, out, before, settlerBefore);
  assert.deepEqual(await s.reconcile(), []);
});

test("a crash between record and send: the next call broadcasts the recorded bytes, one Transfer", async () => {
  const store = memoryPendingStore();
  let crashed = false;
  const crashing = { // the node's RPC, except that the first eth_sendRawTransaction dies before reaching it
    async request(method, params) {
      if (method === "eth_sendRawTransaction" && !crashed) {
        crashed = true;
        throw new Error("the process died here");
      }
      return rpc(method, ...params);
    },
  };
  const o = order(freshAddress(), 5_000n);
  const before = await blockNumber();
  const settlerBefore = await balanceOf(settler.address);
  const nonce = await txCount(settler.address);
  await assert.rejects(settlement({ pendingStore: store, rpc: crashing }).refund(o), /the process died here/);
  const record = await store.get("refund:" + hex(o.key).slice(2));
  assert.equal(record.state, "signed");
  assert.equal(await rpc("eth_getTransactionByHash", record.hash), null); // recorded, never sent
  assert.equal(await txCount(settler.address), nonce);
  const out = await settlement({ pendingStore: store }).refund(o);
  assert.equal(out.transaction, record.hash);
  assert.equal(Number((await rpc("eth_getTransactionByHash", record.hash)).nonce), Number(record.nonce));
  await checkOneRefund(o, out, before, settlerBefore);
  assert.equal(await txCount(settler.address), nonce + 1);
});

test("eight concurrent calls with one key pay once", async () => {
  const store = memoryPendingStore();
  const o = order(freshAddress(), 777n);
  const before = await blockNumber();
  const settlerBefore = await balanceOf(settler.address);
  const nonce = await txCount(settler.address);
  // one localSettlement per call: only the store is shared
  const outs = await Promise.all(Array.from({ length: 8 }, () => settlement({ pendingStore: store }).refund(o)));
  for (const out of outs) assert.deepEqual(out, outs[0]);
  await checkOneRefund(o, outs[0], before, settlerBefore);
  assert.equal(await txCount(settler.address), nonce + 1);
});

test("an amount above 2^53 is exact to the unit", async () => {
  const amount = 2n ** 53n + 1n; // 9007199254740993: a Number would say …992
  const o = order(freshAddress(), amount);
  assert.equal(o.amount, amount);
  const before = await blockNumber();
  const settlerBefore = await balanceOf(settler.address);
  const out = await settlement().refund(o);
  assert.equal(JSON.parse(out.json).amount, "9007199254740993");
  await checkOneRefund(o, out, before, settlerBefore);
});

test("amount 0 is no order", () => {
  assert.throws(() => order(freshAddress(), 0n), (e) => e.code === "refund_amount_zero");
});

test("a settler without the tokens: refund_send_failed, nothing recorded or sent", async () => {
  const poor = settlerSigner(hex(randomBytes(32)));
  const store = memoryPendingStore();
  const s = localSettlement({ network: NETWORK, rpc: [RPC], signer: poor, pendingStore: store });
  const out = await s.refund(order(freshAddress(), 1n));
  assert.deepEqual([out.success, out.errorReason, out.transaction], [false, "refund_send_failed", ""]);
  assert.deepEqual(await store.keys(), []);
  assert.equal(await txCount(poor.address), 0);
});

/** A refund sent while blocks are not mined: `refund_pending`, a retry re-sends the same transaction, nothing
 * reconciled; once mined, reconcile() reports it once and a later refund() answers its result. Returns that result. */
async function pendingThenReconciled(s, o) {
  let out;
  await rpc("evm_setAutomine", false);
  try {
    out = await s.refund(o);
    assert.deepEqual([out.success, out.errorReason, out.verdict], [false, "refund_pending", "pending"]);
    assert.deepEqual(await s.reconcile(), []);
    const again = await s.refund(o);
    assert.deepEqual([again.errorReason, again.transaction], ["refund_pending", out.transaction]);
    await rpc("evm_mine");
  } finally {
    await rpc("evm_setAutomine", true);
  }
  const ended = await s.reconcile();
  assert.equal(ended.length, 1);
  assert.equal(ended[0].transaction, out.transaction);
  assert.equal(ended[0].result.success, true);
  assert.deepEqual(await s.reconcile(), []);
  assert.deepEqual(await s.refund(o), ended[0].result);
  return ended[0].result;
}

test("no receipt in time is refund_pending; a retry signs nothing; reconcile() reports the end once", async () => {
  const store = memoryPendingStore();
  const s = settlement({ pendingStore: store, receiptTimeoutMs: 500, pollIntervalMs: 100 });
  const o = order(freshAddress(), 4_242n);
  const before = await blockNumber();
  const settlerBefore = await balanceOf(settler.address);
  await checkOneRefund(o, await pendingThenReconciled(s, o), before, settlerBefore);
});

// ------------------------------------------------------------------ native-coin refunds
// `asset` "native" (a WS402 prepayment paid in ETH is paid back in ETH): a value transfer to the payer. Each test's
// settler is a fresh key holding exactly what `hardhat_setBalance` gave it, so every wei it spends is the test's.
const ETH = 10n ** 18n;
const ethBalance = async (who) => BigInt(await rpc("eth_getBalance", who, "latest"));
async function nativeSettler(wei) {
  const signer = settlerSigner(hex(randomBytes(32)));
  await rpc("hardhat_setBalance", signer.address, "0x" + wei.toString(16));
  return signer;
}
const nativeOrder = (to, amount) => refundOrderForSession(randomBytes(16), NETWORK, "native", to, amount);
const nativeSettlement = (signer, options = {}) => localSettlement({ network: NETWORK, rpc: [RPC], signer, ...options });

/** `out` moved exactly `o.amount` wei from `signer` to `o.to` in one value transfer; the signer paid that plus the
 * gas its receipt says (gasUsed × effectiveGasPrice). */
async function checkOneNativeRefund(signer, o, out, signerBefore) {
  assert.equal(out.success, true, JSON.stringify(out));
  const result = JSON.parse(out.json);
  assert.deepEqual([result.network, result.asset, result.to, result.amount], [o.network, "native", o.to, o.amount.toString()]);
  const tx = await rpc("eth_getTransactionByHash", out.transaction);
  assert.equal(tx.from.toLowerCase(), signer.address.toLowerCase());
  assert.equal(tx.to.toLowerCase(), o.to.toLowerCase());
  assert.equal(BigInt(tx.value), o.amount);
  assert.equal(tx.input, "0x");
  const r = await receipt(out.transaction);
  assert.equal(r.status, "0x1");
  assert.deepEqual(r.logs, []);
  const gasPaid = BigInt(r.gasUsed) * BigInt(r.effectiveGasPrice);
  assert.ok(gasPaid > 0n);
  assert.equal(await ethBalance(o.to), o.amount);
  assert.equal(await ethBalance(signer.address), signerBefore - o.amount - gasPaid);
}

test("native: the order is a value transfer to the payer, no calldata", () => {
  const to = freshAddress();
  const o = new pay402.RefundOrder(randomBytes(32), NETWORK, "native", to, 5n);
  try {
    assert.deepEqual([o.asset, o.txTo, o.txValue, o.calldata.length], ["native", to, 5n, 0]);
  } finally {
    o.free();
  }
});

test("native: one refund moves exactly the amount (plus the gas); a second call and a restart send nothing", async () => {
  const signer = await nativeSettler(10n * ETH);
  const store = memoryPendingStore();
  const s = nativeSettlement(signer, { pendingStore: store });
  const o = nativeOrder(freshAddress(), 123_456_789_012_345_679n); // above 2^53: exact to the wei
  const before = await ethBalance(signer.address);
  const out = await s.refund(o);
  assert.equal(JSON.parse(out.json).amount, "123456789012345679");
  await checkOneNativeRefund(signer, o, out, before);
  const record = await store.get("refund:" + hex(o.key).slice(2));
  assert.deepEqual([record.state, record.asset], ["refunded", "native"]);
  assert.deepEqual(await s.refund(o), out);
  assert.deepEqual(await nativeSettlement(signer, { pendingStore: store }).refund(o), out);
  assert.equal(await txCount(signer.address), 1);
  await checkOneNativeRefund(signer, o, out, before);
  assert.deepEqual(await s.reconcile(), []);
});

test("native: a crash between record and send; the next call broadcasts the recorded bytes once", async () => {
  const signer = await nativeSettler(10n * ETH);
  const store = memoryPendingStore();
  let crashed = false;
  const crashing = {
    async request(method, params) {
      if (method === "eth_sendRawTransaction" && !crashed) {
        crashed = true;
        throw new Error("the process died here");
      }
      return rpc(method, ...params);
    },
  };
  const o = nativeOrder(freshAddress(), 7n * 10n ** 15n);
  const before = await ethBalance(signer.address);
  await assert.rejects(nativeSettlement(signer, { pendingStore: store, rpc: crashing }).refund(o), /the process died here/);
  const record = await store.get("refund:" + hex(o.key).slice(2));
  assert.equal(record.state, "signed");
  assert.equal(await rpc("eth_getTransactionByHash", record.hash), null);
  assert.equal(await ethBalance(o.to), 0n);
  const out = await nativeSettlement(signer, { pendingStore: store }).refund(o);
  assert.equal(out.transaction, record.hash);
  await checkOneNativeRefund(signer, o, out, before);
  assert.deepEqual(await nativeSettlement(signer, { pendingStore: store }).refund(o), out);
  assert.equal(await txCount(signer.address), 1);
});

test("native: eight concurrent calls with one key pay once", async () => {
  const signer = await nativeSettler(10n * ETH);
  const store = memoryPendingStore();
  const o = nativeOrder(freshAddress(), 10n ** 15n);
  const before = await ethBalance(signer.address);
  const outs = await Promise.all(Array.from({ length: 8 }, () => nativeSettlement(signer, { pendingStore: store }).refund(o)));
  for (const out of outs) assert.deepEqual(out, outs[0]);
  await checkOneNativeRefund(signer, o, outs[0], before);
  assert.equal(await txCount(signer.address), 1);
});

test("native: a settler without the coin gets refund_send_failed; nothing recorded or sent", async () => {
  const signer = await nativeSettler(10n ** 15n); // 0.001 ETH: less than the refund
  const store = memoryPendingStore();
  const o = nativeOrder(freshAddress(), 10n ** 16n);
  const out = await nativeSettlement(signer, { pendingStore: store }).refund(o);
  assert.deepEqual([out.success, out.errorReason, out.transaction, JSON.parse(out.json).asset],
    [false, "refund_send_failed", "", "native"]);
  assert.ok(out.errorMessage, JSON.stringify(out));
  assert.deepEqual(await store.keys(), []);
  assert.equal(await txCount(signer.address), 0);
  assert.equal(await ethBalance(signer.address), 10n ** 15n);
  assert.equal(await ethBalance(o.to), 0n);
});

test("native: a recipient that refuses the coin gets refund_send_failed; nothing recorded or sent", async () => {
  const signer = await nativeSettler(10n * ETH);
  const store = memoryPendingStore();
  const before = await ethBalance(TOKEN); // a contract without a payable fallback: a value transfer to it reverts
  const out = await nativeSettlement(signer, { pendingStore: store }).refund(nativeOrder(TOKEN, 10n ** 15n));
  assert.deepEqual([out.success, out.errorReason, out.transaction], [false, "refund_send_failed", ""]);
  assert.deepEqual(await store.keys(), []);
  assert.equal(await txCount(signer.address), 0);
  assert.equal(await ethBalance(signer.address), 10n * ETH);
  assert.equal(await ethBalance(TOKEN), before);
});

test("native: no receipt in time is refund_pending; reconcile() reports the end once", async () => {
  const signer = await nativeSettler(10n * ETH);
  const store = memoryPendingStore();
  const s = nativeSettlement(signer, { pendingStore: store, receiptTimeoutMs: 500, pollIntervalMs: 100 });
  const o = nativeOrder(freshAddress(), 4_242n);
  const before = await ethBalance(signer.address);
  await checkOneNativeRefund(signer, o, await pendingThenReconciled(s, o), before);
});
