// The npm package pay402 settles x402 `exact` via Permit2 and `upto` for real: `pay402/settle`'s `localSettlement`
// against contracts/Permit2Lite.sol and the x402 Permit2 proxies, which deploy.mjs installs at their canonical
// addresses. Payers hold the project's token and have approved Permit2 once (the set-up, sent as the payer through
// an impersonated account). Payments are signed by pay402 (`permit2SignPayload`) and by the reference client
// (@x402/evm, permit2-sign.mjs in the chain directory: PAY402_CHAIN_DIR). The reference facilitator
// (PAY402_FACILITATOR_URL, facilitator.mjs) settles pay402-signed payments against the same contracts, and its mined
// input equals pay402's `x402SettleCalldata` byte for byte. Every expected value comes from the chain (balances, the
// `Transfer` log, Permit2's `nonceBitmap`, the custom errors the contracts revert with), never from the code under
// test. The settler is a fresh key funded with `hardhat_setBalance`, so its nonces are this file's alone.
//   PAY402_CHAIN_RPC=… PAY402_CHAIN_DEPLOYMENT=… PAY402_FACILITATOR_URL=… PAY402_CHAIN_DIR=tests/chain \
//     node --test test-js-permit2-settlement.mjs
// (run by run.sh from the fresh project where the packed pay402 tarball is installed)
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { randomBytes } from "node:crypto";
import * as pay402 from "pay402";
import { RPC, chainNow, env, hex, receipt, rpc, word } from "./chain-rpc.mjs";
import { localSettlement, privateKeySigner as settlerSigner } from "pay402/settle";

const { paywall, privateKeySigner, permit2SignPayload, wrapFetch, x402EncodeHeader, x402SettleCalldata, keccak256 } = pay402;

const DEPLOYMENT = JSON.parse(fs.readFileSync(env("PAY402_CHAIN_DEPLOYMENT"), "utf8"));
const REFERENCE = env("PAY402_FACILITATOR_URL").replace(/\/$/, "");
const SIGN_SCRIPT = path.join(env("PAY402_CHAIN_DIR"), "permit2-sign.mjs");
const TOKEN = DEPLOYMENT.token;
const NETWORK = "eip155:31337";
const PERMIT2 = "0x000000000022D473030F116dDEE9F6B43aC78BA3";
const EXACT_PROXY = "0x402085c248EeA27D92E8b30b2C58ed07f9E20001";
const UPTO_PROXY = "0x4020A4f3b7b90ccA423B9fabCc0CE57C6C240002";
const REFERENCE_SIGNER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"; // Hardhat account #1: facilitator.mjs
const MINTER = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"; // Hardhat account #0 (unlocked on the node): mints
const PRICE = 4_321n;
const MAXIMUM = 40_000n;
const FUNDING = 1_000_000n;
const TRANSFER_TOPIC = hex(keccak256(new TextEncoder().encode("Transfer(address,address,uint256)")));
const INVALID_NONCE = "0x756688fe"; // Permit2 InvalidNonce()
const UNAUTHORIZED_FACILITATOR = "0x0f6fae87"; // x402UptoPermit2Proxy UnauthorizedFacilitator()

// ------------------------------------------------------------------ reads of the node (JSON-RPC: ./chain-rpc.mjs)
const call = (to, data, from) => rpc("eth_call", { to, data, ...(from ? { from } : {}) }, "latest");
const balanceOf = async (who) => BigInt(await call(TOKEN, "0x70a08231" + word(who)));
const nonceUsed = async (owner, nonce) =>
  ((BigInt(await call(PERMIT2, "0x4fe02b44" + word(owner) + word(nonce >> 8n))) >> (nonce & 0xffn)) & 1n) === 1n; // nonceBitmap
const pendingNonce = async (who) => Number(await rpc("eth_getTransactionCount", who, "pending"));
const blockNumber = async () => Number(await rpc("eth_blockNumber"));
const lower = (a) => a.toLowerCase();
/** The custom error selector `data` reverts with when `from` calls `to`. */
async function revertSelector(to, data, from) {
  const e = await call(to, data, from).then(() => null, (err) => err);
  assert.ok(e, "expected a revert");
  const m = /"data":"(0x[0-9a-f]{8})/i.exec(e.message);
  assert.ok(m, e.message);
  return m[1];
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

/** A fresh payer: FUNDING of the token, Permit2 approved for everything (approve(PERMIT2, 2**256 - 1)). */
async function newPayer() {
  const key = hex(randomBytes(32));
  const { address } = privateKeySigner(key);
  const mint = await rpc("eth_sendTransaction", { from: MINTER, to: TOKEN, data: "0x40c10f19" + word(address) + word(FUNDING), gas: "0x493e0" });
  assert.equal((await receipt(mint)).status, "0x1", "mint");
  const approve = "0x095ea7b3" + word(PERMIT2) + "f".repeat(64);
  assert.equal((await sendAs(address, TOKEN, approve)).status, "0x1", "approve Permit2");
  assert.equal(BigInt(await call(TOKEN, "0xdd62ed3e" + word(address) + word(PERMIT2))), 2n ** 256n - 1n); // allowance
  return { key, address };
}
const newPayee = () => privateKeySigner(randomBytes(32)).address;

// ------------------------------------------------------------------ requirements and payments
const base = (payTo, amount) => ({
  scheme: "exact", network: NETWORK, amount: amount.toString(), asset: TOKEN, payTo, maxTimeoutSeconds: 300,
  extra: { name: DEPLOYMENT.name, version: DEPLOYMENT.version },
});
const exactRequirements = (payTo, amount = PRICE) => {
  const r = base(payTo, amount);
  r.extra.assetTransferMethod = "permit2";
  return r;
};
const uptoRequirements = (payTo, facilitator, maximum = MAXIMUM) => {
  const r = base(payTo, maximum);
  r.scheme = "upto";
  r.extra.facilitatorAddress = facilitator;
  return r;
};
const randomNonce = () => BigInt(hex(randomBytes(32)));
/** `payer`'s Permit2 payment for `req`, signed by pay402 at chain time. */
async function pay402Payment(req, payer, nonce = randomNonce()) {
  const signed = permit2SignPayload(req, payer.key, nonce, await chainNow());
  return { x402Version: 2, accepted: req, payload: JSON.parse(signed.payload) };
}
/** `payer`'s Permit2 payment for `req`, signed by the reference client (@x402/evm) at chain time. */
async function referencePayment(req, payer) {
  const now = String(await chainNow());
  return JSON.parse(execFileSync("node", [SIGN_SCRIPT, JSON.stringify(req), payer.key, now], { encoding: "utf8", timeout: 60_000 }));
}
const nonceOf = (payment) => BigInt(payment.payload.permit2Authorization.nonce);
const calldata = (req, payment, charge) =>
  hex(x402SettleCalldata(req, x402EncodeHeader(JSON.stringify(payment)), charge ?? null).data);

/** The mined transaction: `from` → `proxy`, status 1, one Transfer(payer, payee, amount) of the token. */
async function assertSettled(hash, { from, proxy, payer, payee, amount }) {
  const r = await receipt(hash);
  assert.equal(r.status, "0x1");
  const tx = await rpc("eth_getTransactionByHash", hash);
  assert.equal(lower(tx.from), lower(from));
  assert.equal(lower(tx.to), lower(proxy));
  const moved = r.logs.filter((l) => l.topics[0] === TRANSFER_TOPIC);
  assert.equal(moved.length, 1);
  assert.equal(lower(moved[0].address), lower(TOKEN));
  assert.deepEqual(moved[0].topics.slice(1).map(BigInt), [BigInt(payer), BigInt(payee)]);
  assert.equal(BigInt(moved[0].data), amount);
  return tx;
}

// ------------------------------------------------------------------ the settler
const settler = settlerSigner(hex(randomBytes(32)));
await rpc("hardhat_setBalance", settler.address, "0x" + (10n ** 19n).toString(16));
const local = localSettlement({ network: NETWORK, rpc: [RPC], signer: settler, receiptTimeoutMs: 20_000, now: () => Math.floor(Date.now() / 1000) });
const settleLocally = async (payment, req, charge) => JSON.parse((await local.settlePayment(payment, req, charge)).json);

async function reference(route, paymentPayload, paymentRequirements) {
  const r = await fetch(REFERENCE + route, {
    method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ x402Version: 2, paymentPayload, paymentRequirements }),
  });
  assert.equal(r.status, 200);
  return r.json();
}

// ------------------------------------------------------------------ exact via Permit2
for (const signer of ["pay402", "reference"]) {
  test(`exact via Permit2 (signed by ${signer}) settles through localSettlement`, async () => {
    const payer = await newPayer();
    const payee = newPayee();
    const req = exactRequirements(payee);
    const payment = signer === "pay402" ? await pay402Payment(req, payer) : await referencePayment(req, payer);
    assert.equal(await nonceUsed(payer.address, nonceOf(payment)), false);
    const out = await settleLocally(payment, req);
    assert.equal(out.success, true, JSON.stringify(out));
    assert.equal(out.payer, payer.address);
    const tx = await assertSettled(out.transaction, { from: settler.address, proxy: EXACT_PROXY, payer: payer.address, payee, amount: PRICE });
    assert.equal(tx.input, calldata(req, payment));
    assert.deepEqual([await balanceOf(payer.address), await balanceOf(payee)], [FUNDING - PRICE, PRICE]);
    assert.equal(await nonceUsed(payer.address, nonceOf(payment)), true);
  });
}

test("a replayed Permit2 nonce is refused before sending and the chain refuses it too", async () => {
  const payer = await newPayer();
  const payee = newPayee();
  const req = exactRequirements(payee);
  const payment = await pay402Payment(req, payer);
  assert.equal((await settleLocally(payment, req)).success, true);
  const [sent, block] = [await pendingNonce(settler.address), await blockNumber()];
  const other = exactRequirements(payee, PRICE + 1n);
  for (const [p, r] of [[payment, req], [await pay402Payment(other, payer, nonceOf(payment)), other]]) {
    const out = await settleLocally(p, r);
    assert.equal(out.success, false, JSON.stringify(out));
    assert.equal(out.transaction, "");
  }
  assert.deepEqual([await pendingNonce(settler.address), await blockNumber()], [sent, block]);
  assert.equal(await revertSelector(EXACT_PROXY, calldata(req, payment), settler.address), INVALID_NONCE);
  assert.deepEqual([await balanceOf(payer.address), await balanceOf(payee)], [FUNDING - PRICE, PRICE]);
});

// ------------------------------------------------------------------ upto
for (const [signer, charge] of [["pay402", PRICE], ["reference", PRICE], ["pay402", MAXIMUM]]) {
  test(`upto (signed by ${signer}) settles a charge of ${charge} of ${MAXIMUM} through localSettlement`, async () => {
    const payer = await newPayer();
    const payee = newPayee();
    const req = uptoRequirements(payee, settler.address);
    const payment = signer === "pay402" ? await pay402Payment(req, payer) : await referencePayment(req, payer);
    const out = await settleLocally(payment, req, charge);
    assert.deepEqual(out, { success: true, transaction: out.transaction, network: NETWORK, payer: payer.address, amount: charge.toString() });
    const tx = await assertSettled(out.transaction, { from: settler.address, proxy: UPTO_PROXY, payer: payer.address, payee, amount: charge });
    assert.equal(tx.input, calldata(req, payment, charge));
    assert.deepEqual([await balanceOf(payer.address), await balanceOf(payee)], [FUNDING - charge, charge]);
    assert.equal(await nonceUsed(payer.address, nonceOf(payment)), true);
    // settled once: the rest of the maximum cannot be taken with the same permit
    const again = await settleLocally(payment, req, 1n);
    assert.equal(again.success, false);
    assert.equal(again.transaction, "");
    assert.deepEqual([await balanceOf(payer.address), await balanceOf(payee)], [FUNDING - charge, charge]);
  });
}

test("upto: a zero charge settles without a transaction, as the reference answers it; a charge above the maximum and another facilitator's payment send nothing", async () => {
  const payer = await newPayer();
  const payee = newPayee();
  const req = uptoRequirements(payee, settler.address);
  const payment = await pay402Payment(req, payer);
  const foreign = uptoRequirements(payee, REFERENCE_SIGNER);
  const foreignPayment = await pay402Payment(foreign, payer);
  const [sent, block] = [await pendingNonce(settler.address), await blockNumber()];
  // settleUptoPermit2 (upto/facilitator/permit2.ts): success, transaction "", amount "0"
  const zero = await settleLocally(payment, req, 0n);
  assert.deepEqual(zero, { success: true, transaction: "", network: NETWORK, payer: payer.address, amount: "0" });
  const cases = [
    [payment, req, MAXIMUM + 1n, "invalid_upto_evm_payload_settlement_exceeds_amount"],
    [foreignPayment, foreign, PRICE, "upto_facilitator_mismatch"],
  ];
  for (const [p, r, charge, reason] of cases) {
    const out = await settleLocally(p, r, charge);
    assert.equal(out.success, false, JSON.stringify(out));
    assert.equal(out.transaction, "");
    assert.equal(out.errorReason, reason);
  }
  assert.deepEqual([await pendingNonce(settler.address), await blockNumber()], [sent, block]);
  assert.equal(await revertSelector(UPTO_PROXY, calldata(foreign, foreignPayment, PRICE), settler.address), UNAUTHORIZED_FACILITATOR);
  assert.equal(await balanceOf(payee), 0n);
  assert.equal(await nonceUsed(payer.address, nonceOf(payment)), false);
  // nothing lost: the same permit settles a real charge afterwards
  const later = await settleLocally(payment, req, PRICE);
  assert.equal(later.success, true, JSON.stringify(later));
  assert.deepEqual([await balanceOf(payer.address), await balanceOf(payee)], [FUNDING - PRICE, PRICE]);
});

// ------------------------------------------------------------------ the reference facilitator, byte for byte
test("the reference facilitator settles pay402's exact Permit2 payment with pay402's calldata", async () => {
  const payer = await newPayer();
  const payee = newPayee();
  const req = exactRequirements(payee);
  const payment = await pay402Payment(req, payer);
  assert.equal((await reference("/verify", payment, req)).isValid, true);
  const out = await reference("/settle", payment, req);
  assert.equal(out.success, true, JSON.stringify(out));
  const tx = await assertSettled(out.transaction, { from: REFERENCE_SIGNER, proxy: EXACT_PROXY, payer: payer.address, payee, amount: PRICE });
  assert.equal(tx.input, calldata(req, payment));
  assert.deepEqual([await balanceOf(payer.address), await balanceOf(payee)], [FUNDING - PRICE, PRICE]);
});

test("the reference facilitator settles pay402's upto payment with pay402's calldata", async () => {
  const payer = await newPayer();
  const payee = newPayee();
  const req = uptoRequirements(payee, REFERENCE_SIGNER);
  const payment = await pay402Payment(req, payer);
  assert.equal((await reference("/verify", payment, req)).isValid, true);
  const out = await reference("/settle", payment, { ...req, amount: PRICE.toString() }); // the charge, as its resource server sends it
  assert.deepEqual(out, { success: true, transaction: out.transaction, network: NETWORK, payer: payer.address, amount: PRICE.toString() });
  const tx = await assertSettled(out.transaction, { from: REFERENCE_SIGNER, proxy: UPTO_PROXY, payer: payer.address, payee, amount: PRICE });
  assert.equal(tx.input, calldata(req, payment, PRICE));
  assert.deepEqual([await balanceOf(payer.address), await balanceOf(payee)], [FUNDING - PRICE, PRICE]);
});

// ------------------------------------------------------------------ pay402's own client and server
test("pay402's wrapFetch pays paywall's exact Permit2 and upto routes, settled by localSettlement", async () => {
  const payer = await newPayer();
  const payee = newPayee();
  const charges = [PRICE, MAXIMUM, 0n];
  let clock = await chainNow(); // the chain's time for both sides, refreshed before each request (the node runs ahead)
  const now = () => clock;
  const pay = paywall({
    env: false, settle: local.settle, now,
    routes: {
      "GET /item": { offers: [{ network: NETWORK, asset: TOKEN, amount: PRICE.toString(), payTo: payee, decimals: 6,
        eip712Name: DEPLOYMENT.name, eip712Version: DEPLOYMENT.version, transferMethod: "permit2", maxTimeoutSeconds: 300 }] },
      "GET /metered": { offers: [{ scheme: "upto", network: NETWORK, asset: TOKEN, amount: MAXIMUM.toString(), payTo: payee,
        decimals: 6, eip712Name: DEPLOYMENT.name, eip712Version: DEPLOYMENT.version, facilitator: settler.address, maxTimeoutSeconds: 300 }] },
    },
  });
  const server = http.createServer((req, res) => pay(req, res, (err) => {
    if (err) { res.statusCode = 500; res.end(String(err?.message ?? err)); return; }
    if (req.url === "/metered") req.x402.charge(charges.shift());
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ data: req.url }));
  }));
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  const base = `http://127.0.0.1:${server.address().port}`;
  try {
    const client = wrapFetch(fetch, privateKeySigner(payer.key),
      { networks: [NETWORK], assets: [TOKEN], maxAmount: MAXIMUM, total: 10n * MAXIMUM }, { evmRpcUrl: RPC, now });
    let paid = 0n;
    for (const [route, proxy, amount] of [["/item", EXACT_PROXY, PRICE], ["/metered", UPTO_PROXY, PRICE], ["/metered", UPTO_PROXY, MAXIMUM]]) {
      clock = await chainNow();
      const r = await client(base + route);
      assert.equal(r.status, 200, await r.clone().text());
      const receiptHeader = JSON.parse(Buffer.from(r.headers.get("payment-response"), "base64").toString("utf8"));
      assert.equal(receiptHeader.success, true, JSON.stringify(receiptHeader));
      await assertSettled(receiptHeader.transaction, { from: settler.address, proxy, payer: payer.address, payee, amount });
      paid += amount;
      assert.deepEqual([await balanceOf(payer.address), await balanceOf(payee)], [FUNDING - paid, paid]);
    }
    // a zero charge: served, as the reference serves it, with the receipt of amount 0; nothing is sent
    const [sent, block] = [await pendingNonce(settler.address), await blockNumber()];
    clock = await chainNow();
    const r = await client(base + "/metered");
    assert.equal(r.status, 200, await r.clone().text());
    assert.deepEqual(await r.json(), { data: "/metered" });
    const receipt = JSON.parse(Buffer.from(r.headers.get("payment-response"), "base64").toString("utf8"));
    assert.deepEqual(receipt, { success: true, transaction: "", network: NETWORK, payer: payer.address, amount: "0" });
    assert.deepEqual([await pendingNonce(settler.address), await blockNumber()], [sent, block]);
    assert.deepEqual([await balanceOf(payer.address), await balanceOf(payee)], [FUNDING - paid, paid]);
  } finally {
    server.closeAllConnections();
    await new Promise((ok) => server.close(ok));
  }
});
