// Smart-wallet payers pay through the npm package: `pay402/settle`'s `localSettlement` settles an EIP-1271 wallet's
// and a counterfactual ERC-6492 wallet's payment on the local chain (the twin of test_smart_wallet_settlement.py).
// The contracts are contracts/SmartWallet.sol as smart-wallet.mjs deployed them (SignatureCheckerToken has only the
// `bytes` overload of transferWithAuthorization). Each test makes its own wallets through the factory at a random salt
// and funds them by minting; the owner signs the EIP-3009 authorization (`eip3009Sign`, `from` = the wallet). Every
// expected value comes from the chain: the settler's transactions, receipts, the wallet's code, balances.
// Through the middleware: a node:http server behind `x402Middleware` with `settle: local.settle` admits through the
// settlement's RPC (the core's admission with the chain) a deployed and an undeployed (ERC-6492, factory allow-listed)
// wallet → 200, balances move; `rpc: null` → 402 (the offline detail); a stranger's signature → 402 `eip1271_rejected`,
// nothing sent; the RPC down during admission → 503 `smart_wallet_check_unavailable`, nothing sent.
//   PAY402_CHAIN_RPC=… PAY402_SMART_WALLET_DEPLOYMENT=… node --test test-js-smart-wallet-settlement.mjs
// (run by run.sh from the fresh project where the packed pay402 tarball is installed)
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import { randomBytes } from "node:crypto";
import http from "node:http";
import * as pay402 from "pay402";
import { RPC, chainNow, env, hex, receipt, rpc, word } from "./chain-rpc.mjs";
import { localSettlement, privateKeySigner as settlerSigner } from "pay402/settle";

const { eip3009Sign, keccak256, privateKeySigner, verifyPaymentWithRpc, x402EncodeHeader, x402Middleware } = pay402;

const SW = JSON.parse(fs.readFileSync(env("PAY402_SMART_WALLET_DEPLOYMENT"), "utf8"));
const NETWORK = "eip155:31337";
const PRICE = 10_000n;
const FUNDING = 1_000_000n;
const MINTER = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"; // Hardhat account #0 (unlocked on the node)
const BYTES_SELECTOR = "0xcf092995"; // transferWithAuthorization(address,address,uint256,uint256,uint256,bytes32,bytes)
const MAGIC_6492 = "64926492".repeat(8); // ERC-6492's 32-byte suffix (https://eips.ethereum.org/EIPS/eip-6492)
const sel = (signature) => hex(keccak256(new TextEncoder().encode(signature)).slice(0, 4));


// ------------------------------------------------------------------ reads of the node (JSON-RPC: ./chain-rpc.mjs)
const balanceOf = async (who) => BigInt(await rpc("eth_call", { to: SW.token, data: sel("balanceOf(address)") + word(who) }, "latest"));
const codeOf = (who) => rpc("eth_getCode", who, "latest");
const pendingNonce = async (who) => Number(await rpc("eth_getTransactionCount", who, "pending"));
const blockNumber = async () => Number(await rpc("eth_blockNumber"));
async function sendFrom(from, to, data) {
  const hash = await rpc("eth_sendTransaction", { from, to, data, gas: "0xf4240" });
  assert.equal((await receipt(hash)).status, "0x1", `transaction to ${to}`);
}

// ------------------------------------------------------------------ the settler and the wallets
const settler = settlerSigner(hex(randomBytes(32))); // a fresh key: its nonces are this file's alone
await rpc("hardhat_setBalance", settler.address, "0x" + (10n ** 19n).toString(16));
let clock = Math.floor(Date.now() / 1000); // chain time, refreshed when a payment is signed (the node may run ahead)
const settling = (allowedFactories) => localSettlement({ network: NETWORK, rpc: [RPC], signer: settler, now: () => clock, receiptTimeoutMs: 20_000,
  ...(allowedFactories ? { allowedFactories } : {}) });

/** An OwnerWallet of the factory at a random salt, funded; deployed unless `deploy` is false. */
async function newWallet({ deploy = true } = {}) {
  const salt = hex(randomBytes(32));
  const predicted = await rpc("eth_call", { to: SW.factory, data: sel("predict(address,bytes32)") + word(SW.owner) + word(salt) }, "latest");
  const address = "0x" + predicted.slice(-40);
  const deployCalldata = sel("deploy(address,bytes32)") + word(SW.owner) + word(salt);
  const wallet = { address, deployCalldata, deploy: () => sendFrom(MINTER, SW.factory, deployCalldata) };
  if (deploy) await wallet.deploy();
  await sendFrom(MINTER, SW.token, sel("mint(address,uint256)") + word(address) + word(FUNDING));
  return wallet;
}

/** abi.encode(address factory, bytes factoryCalldata, bytes innerSignature) ‖ magic (ERC-6492). */
function erc6492Wrap(factory, factoryCalldata, inner) {
  const tail = (h) => { const b = h.slice(2); return word(BigInt(b.length / 2)) + b.padEnd(Math.ceil(b.length / 64) * 64, "0"); };
  const first = tail(factoryCalldata);
  return "0x" + word(factory) + word(96n) + word(BigInt(96 + first.length / 2)) + first + tail(inner) + MAGIC_6492;
}

/** The x402 v2 payment of `wallet` signed with `key`; `wrap(innerHex)` wraps the signature. */
async function payment(req, wallet, key, wrap) {
  clock = await chainNow();
  const t = BigInt(clock);
  const message = { from: wallet, to: req.payTo, value: PRICE, validAfter: t - 600n, validBefore: t + 300n, nonce: randomBytes(32) };
  const { signature } = eip3009Sign(key, { name: SW.name, version: SW.version, chainId: SW.chainId, verifyingContract: SW.token }, message);
  const inner = hex(signature);
  const authorization = { from: wallet, to: req.payTo, value: String(PRICE), validAfter: String(message.validAfter),
    validBefore: String(message.validBefore), nonce: hex(message.nonce) };
  return { pay: { x402Version: 2, accepted: req, resource: { url: "http://127.0.0.1/premium" },
    payload: { signature: wrap ? wrap(inner) : inner, authorization } }, inner };
}
const requirements = (payTo) => ({ scheme: "exact", network: NETWORK, amount: String(PRICE), asset: SW.token, payTo,
  maxTimeoutSeconds: 300, extra: { name: SW.name, version: SW.version } });
const newPayee = () => privateKeySigner(randomBytes(32)).address;

/** The settler's transactions mined since block `first`, in order. */
async function settlerTxs(first) {
  const out = [];
  for (let n = first; n <= await blockNumber(); n++) {
    const block = await rpc("eth_getBlockByNumber", "0x" + n.toString(16), true);
    out.push(...block.transactions.filter((tx) => tx.from.toLowerCase() === settler.address.toLowerCase()));
  }
  return out;
}

async function assertPaid(out, wallet, payee, tx, inner) {
  assert.equal(out.success, true, JSON.stringify(out));
  assert.equal(out.payer.toLowerCase(), wallet.toLowerCase());
  assert.equal(tx.hash, out.transaction);
  assert.equal(tx.to.toLowerCase(), SW.token.toLowerCase());
  assert.equal(tx.input.slice(0, 10), BYTES_SELECTOR);
  // the bytes argument (its offset is word 6): the inner signature exactly, no ERC-6492 wrapper
  const data = tx.input.slice(10);
  const offset = Number(BigInt("0x" + data.slice(6 * 64, 7 * 64))) * 2;
  const length = Number(BigInt("0x" + data.slice(offset, offset + 64))) * 2;
  assert.equal("0x" + data.slice(offset + 64, offset + 64 + length), inner);
  assert.equal((await receipt(out.transaction)).status, "0x1");
  assert.deepEqual([await balanceOf(wallet), await balanceOf(payee)], [FUNDING - PRICE, PRICE]);
}

test("a deployed EIP-1271 wallet pays: one transaction, the bytes overload", async () => {
  const wallet = await newWallet();
  const payee = newPayee();
  const req = requirements(payee);
  const { pay, inner } = await payment(req, wallet.address, SW.ownerKey);
  const [nonce, first] = [await pendingNonce(settler.address), await blockNumber() + 1];
  const out = await settling().settlePayment(pay, req);
  const txs = await settlerTxs(first);
  assert.equal(txs.length, 1);
  assert.equal(Number(txs[0].nonce), nonce);
  await assertPaid(out, wallet.address, payee, txs[0], inner);
});

test("an undeployed wallet pays with an ERC-6492 signature: the factory deployment is mined first", async () => {
  const wallet = await newWallet({ deploy: false });
  assert.equal(await codeOf(wallet.address), "0x");
  const payee = newPayee();
  const req = requirements(payee);
  const { pay, inner } = await payment(req, wallet.address, SW.ownerKey, (s) => erc6492Wrap(SW.factory, wallet.deployCalldata, s));
  const [nonce, first] = [await pendingNonce(settler.address), await blockNumber() + 1];
  const out = await settling([SW.factory]).settlePayment(pay, req);
  const txs = await settlerTxs(first);
  assert.equal(txs.length, 2, JSON.stringify(out));
  const [deploy, transfer] = txs;
  assert.equal(deploy.to.toLowerCase(), SW.factory.toLowerCase());
  assert.equal(deploy.input, wallet.deployCalldata);
  assert.deepEqual([Number(deploy.nonce), Number(transfer.nonce)], [nonce, nonce + 1]);
  assert.equal((await receipt(deploy.hash)).status, "0x1");
  assert.ok(Number(deploy.blockNumber) < Number(transfer.blockNumber));
  assert.notEqual(await codeOf(wallet.address), "0x");
  await assertPaid(out, wallet.address, payee, transfer, inner);
});

test("a counterfactual wallet deployed meanwhile is not deployed again", async () => {
  const wallet = await newWallet({ deploy: false });
  const payee = newPayee();
  const req = requirements(payee);
  const { pay, inner } = await payment(req, wallet.address, SW.ownerKey, (s) => erc6492Wrap(SW.factory, wallet.deployCalldata, s));
  await wallet.deploy();
  const first = await blockNumber() + 1;
  const out = await settling([SW.factory]).settlePayment(pay, req);
  const txs = await settlerTxs(first);
  assert.equal(txs.length, 1);
  await assertPaid(out, wallet.address, payee, txs[0], inner);
});

test("the factory not allow-listed: refused, nothing sent", async () => {
  const wallet = await newWallet({ deploy: false });
  const payee = newPayee();
  const req = requirements(payee);
  const { pay } = await payment(req, wallet.address, SW.ownerKey, (s) => erc6492Wrap(SW.factory, wallet.deployCalldata, s));
  const nonce = await pendingNonce(settler.address);
  for (const allowed of [undefined, [newPayee()]]) {
    const out = await settling(allowed).settlePayment(pay, req);
    assert.equal(out.success, false);
    assert.equal(out.transaction, "");
    assert.equal(out.errorReason, "eip6492_factory_not_allowed");
  }
  assert.equal(await pendingNonce(settler.address), nonce);
  assert.equal(await codeOf(wallet.address), "0x");
  assert.deepEqual([await balanceOf(wallet.address), await balanceOf(payee)], [FUNDING, 0n]);
});

test("a stranger's signature: refused by the wallet (eip1271_rejected), nothing sent", async () => {
  const wallet = await newWallet();
  const payee = newPayee();
  const req = requirements(payee);
  const { pay } = await payment(req, wallet.address, hex(randomBytes(32)));
  const nonce = await pendingNonce(settler.address);
  const out = await settling().settlePayment(pay, req);
  assert.equal(out.success, false);
  assert.equal(out.transaction, "");
  assert.equal(out.errorReason, "invalid_exact_evm_signature");
  assert.equal(await pendingNonce(settler.address), nonce);
  assert.deepEqual([await balanceOf(wallet.address), await balanceOf(payee)], [FUNDING, 0n]);
  const reads = { getCode: codeOf, call: (to, data) => rpc("eth_call", { to, data }, "latest") };
  await assert.rejects(verifyPaymentWithRpc(req, x402EncodeHeader(JSON.stringify(pay)), reads, { now: await chainNow() }),
    (e) => e.code === "invalid_exact_evm_signature" && e.detailCode === "eip1271_rejected");
});

// ------------------------------------------------------------------ through x402Middleware
/** A node:http server behind x402Middleware (settled by `local`), paid once with `pay` in PAYMENT-SIGNATURE. */
async function payMiddleware(req, local, pay, options = {}) {
  const served = [];
  const mw = x402Middleware([req], { now: () => clock, settle: local.settle, ...options });
  const server = http.createServer((rq, rs) => mw(rq, rs, (err) => {
    if (err) { rs.statusCode = 500; rs.end(String(err)); return; }
    served.push(rq.x402?.payer);
    rs.end("premium");
  }));
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  try {
    const r = await fetch(`http://127.0.0.1:${server.address().port}/premium`,
      { headers: { "PAYMENT-SIGNATURE": x402EncodeHeader(JSON.stringify(pay)) } });
    const text = await r.text();
    let body = null;
    try { body = JSON.parse(text); } catch { /* the handler's text */ }
    return { status: r.status, body, text, served, receipt: r.headers.get("payment-response") };
  } finally {
    server.closeAllConnections();
    await new Promise((ok) => server.close(ok));
  }
}
const refusalOf = (r) => [r.status, r.body?.error, r.body?.errorDetail];

test("middleware: a deployed wallet pays through x402Middleware (admitted through the settlement's RPC)", async () => {
  const wallet = await newWallet();
  const payee = newPayee();
  const req = requirements(payee);
  const { pay, inner } = await payment(req, wallet.address, SW.ownerKey);
  const first = await blockNumber() + 1;
  const r = await payMiddleware(req, settling(), pay);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.text, "premium");
  assert.equal(r.served.length, 1);
  const out = JSON.parse(Buffer.from(r.receipt, "base64").toString());
  const txs = await settlerTxs(first);
  assert.equal(txs.length, 1);
  await assertPaid(out, wallet.address, payee, txs[0], inner);
});

test("middleware: an undeployed wallet pays (factory allow-listed in the settlement): deployment, then transfer", async () => {
  const wallet = await newWallet({ deploy: false });
  const payee = newPayee();
  const req = requirements(payee);
  const { pay, inner } = await payment(req, wallet.address, SW.ownerKey, (s) => erc6492Wrap(SW.factory, wallet.deployCalldata, s));
  const first = await blockNumber() + 1;
  const r = await payMiddleware(req, settling([SW.factory]), pay);
  assert.equal(r.status, 200, r.text);
  const out = JSON.parse(Buffer.from(r.receipt, "base64").toString());
  const [deploy, transfer, ...rest] = await settlerTxs(first);
  assert.equal(rest.length, 0);
  assert.equal(deploy.to.toLowerCase(), SW.factory.toLowerCase());
  assert.equal(deploy.input, wallet.deployCalldata);
  await assertPaid(out, wallet.address, payee, transfer, inner);
});

test("middleware: without an RPC a smart wallet is refused saying why; a stranger's signature is eip1271_rejected; nothing sent", async () => {
  const wallet = await newWallet({ deploy: false });
  const payee = newPayee();
  const req = requirements(payee);
  const { pay: wrapped } = await payment(req, wallet.address, SW.ownerKey, (s) => erc6492Wrap(SW.factory, wallet.deployCalldata, s));
  const nonce = await pendingNonce(settler.address);
  let r = await payMiddleware(req, settling([SW.factory]), wrapped, { rpc: null });
  assert.deepEqual(refusalOf(r), [402, "invalid_exact_evm_signature", "smart_wallet_needs_rpc"]);
  assert.equal(r.served.length, 0);
  const deployed = await newWallet();
  const { pay: stranger } = await payment(req, deployed.address, hex(randomBytes(32)));
  r = await payMiddleware(req, settling(), stranger);
  assert.deepEqual(refusalOf(r), [402, "invalid_exact_evm_signature", "eip1271_rejected"]);
  assert.equal(r.served.length, 0);
  assert.equal(await pendingNonce(settler.address), nonce);
  assert.deepEqual([await balanceOf(wallet.address), await balanceOf(deployed.address), await balanceOf(payee)], [FUNDING, FUNDING, 0n]);
});

test("middleware: the RPC down during admission is 503, the handler never runs, nothing sent", async () => {
  const wallet = await newWallet();
  const payee = newPayee();
  const req = requirements(payee);
  const { pay } = await payment(req, wallet.address, SW.ownerKey);
  const nonce = await pendingNonce(settler.address);
  const down = { getCode: async () => { throw new Error("connection refused"); }, call: async () => { throw new Error("connection refused"); } };
  const r = await payMiddleware(req, settling(), pay, { rpc: down });
  assert.deepEqual(refusalOf(r), [503, "smart_wallet_check_unavailable", undefined]);
  assert.equal(r.served.length, 0);
  assert.equal(await pendingNonce(settler.address), nonce);
  assert.deepEqual([await balanceOf(wallet.address), await balanceOf(payee)], [FUNDING, 0n]);
});
