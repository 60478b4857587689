// The reference x402 stack pays through pay402's facilitator: an @x402/express server (paymentMiddleware over
// x402ResourceServer + HTTPFacilitatorClient, express on 127.0.0.1) whose facilitator is `pay402 facilitator`
// (started by run.sh's facilitator block, bearer key in its Authorization header), and @x402/fetch paying with a
// fresh key holding the project's EIP-3009 token. Checked on the node: the paid response is served with a
// PAYMENT-RESPONSE naming a mined transferWithAuthorization sent by pay402's settler, one Transfer log, balances
// moved by exactly the price; a second request with the same payment is not served; a wrong bearer key makes the
// reference server fail closed (no content, nothing settled).
//   PAY402_CHAIN_RPC=… PAY402_CHAIN_DEPLOYMENT=build/deployment.json PAY402_OUR_FACILITATOR_URL=http://127.0.0.1:P \
//   PAY402_OUR_FACILITATOR_KEY=… PAY402_OUR_FACILITATOR_SIGNER=0x… node reference-paid.mjs
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { readFileSync } from "node:fs";
import express from "express";
import { createPublicClient, createWalletClient, http as viemHttp, parseAbi, parseEventLogs, decodeFunctionData } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { x402Client } from "@x402/core/client";
import { HTTPFacilitatorClient } from "@x402/core/server";
import { registerExactEvmScheme } from "@x402/evm/exact/client";
import { ExactEvmScheme as EvmServerScheme } from "@x402/evm/exact/server";
import { paymentMiddleware, x402ResourceServer } from "@x402/express";
import { wrapFetchWithPayment } from "@x402/fetch";
import { KEYS, NETWORK, localChain, rpcUrl } from "./lib.mjs";

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set (run tests/chain/run.sh)`);
  return v;
};
const url = rpcUrl();
const deployment = JSON.parse(readFileSync(env("PAY402_CHAIN_DEPLOYMENT"), "utf8"));
const FACILITATOR = env("PAY402_OUR_FACILITATOR_URL");
const API_KEY = env("PAY402_OUR_FACILITATOR_KEY");
const SETTLER = env("PAY402_OUR_FACILITATOR_SIGNER");
const PRICE = 34_567n;
const FUNDING = 1_000_000n;
const abi = parseAbi([
  "function mint(address to, uint256 value)",
  "function balanceOf(address who) view returns (uint256)",
  "function authorizationState(address authorizer, bytes32 nonce) view returns (bool)",
  "function transferWithAuthorization(address from, address to, uint256 value, uint256 validAfter, uint256 validBefore, bytes32 nonce, uint8 v, bytes32 r, bytes32 s)",
  "event Transfer(address indexed from, address indexed to, uint256 value)",
]);
const chain = localChain(url);
const pub = createPublicClient({ chain, transport: viemHttp(url) });
const deployer = createWalletClient({ account: privateKeyToAccount(KEYS.deployer), chain, transport: viemHttp(url) });
const balance = (who) => pub.readContract({ address: deployment.token, abi, functionName: "balanceOf", args: [who] });

const listen = (server) => new Promise((res) => server.listen(0, "127.0.0.1", () => res(`http://127.0.0.1:${server.address().port}`)));
const close = (server) => new Promise((res) => { server.closeAllConnections?.(); server.close(res); });

async function referenceServer(key, payTo) {
  const auth = { Authorization: `Bearer ${key}` };
  const facilitator = new HTTPFacilitatorClient({
    url: FACILITATOR,
    createAuthHeaders: async () => ({ verify: auth, settle: auth, supported: auth }),
  });
  const resourceServer = new x402ResourceServer(facilitator).register(NETWORK, new EvmServerScheme());
  const served = [];
  const app = express();
  const price = { amount: PRICE.toString(), asset: deployment.token, extra: { name: deployment.name, version: deployment.version } };
  app.use(paymentMiddleware({ "GET /premium": { accepts: { scheme: "exact", payTo, price, network: NETWORK, maxTimeoutSeconds: 300 } } },
    resourceServer));
  app.get("/premium", (req, res) => { served.push(req.url); res.json({ data: "premium" }); });
  const server = createServer(app);
  return { server, base: await listen(server), served };
}

async function fundedPayer() {
  const key = generatePrivateKey();
  const account = privateKeyToAccount(key);
  const hash = await deployer.writeContract({ address: deployment.token, abi, functionName: "mint", args: [account.address, FUNDING] });
  assert.equal((await pub.waitForTransactionReceipt({ hash })).status, "success");
  return account;
}

// the reference client pays only default assets unless told: allow the local token, capped at the price
function payingClient(payer) {
  const client = new x402Client().setSpendControls({
    allowedAssets: [{ network: NETWORK, asset: deployment.token, maxAmountPerPayment: PRICE.toString() }],
  });
  registerExactEvmScheme(client, { signer: payer });
  return client;
}

let passed = 0;
const ok = (what) => { passed++; console.log(`ok  ${what}`); };

// 1. @x402/fetch pays @x402/express; pay402's facilitator verifies and settles on the node
{
  const payer = await fundedPayer();
  const payee = privateKeyToAccount(generatePrivateKey()).address;
  const { server, base, served } = await referenceServer(API_KEY, payee);
  try {
    const unpaid = await fetch(base + "/premium");
    assert.equal(unpaid.status, 402);
    ok("@x402/express (facilitator: pay402) answers an unpaid request with a 402");

    const client = payingClient(payer);
    const seen = [];
    const recording = async (input, init) => {
      const request = new Request(input, init);
      seen.push(request.headers.get("payment-signature"));
      return fetch(request);
    };
    const before = [await balance(payer.address), await balance(payee)];
    const paid = await wrapFetchWithPayment(recording, client)(base + "/premium");
    assert.equal(paid.status, 200, await paid.clone().text());
    assert.deepEqual(await paid.json(), { data: "premium" });
    assert.deepEqual(served, ["/premium"]);
    const receiptHeader = paid.headers.get("payment-response");
    assert.ok(receiptHeader, "PAYMENT-RESPONSE");
    const settled = JSON.parse(Buffer.from(receiptHeader, "base64").toString("utf8"));
    assert.equal(settled.success, true, JSON.stringify(settled));
    assert.equal(settled.network, NETWORK);
    assert.equal(settled.payer.toLowerCase(), payer.address.toLowerCase());
    assert.match(settled.transaction, /^0x[0-9a-f]{64}$/);
    ok("@x402/fetch's payment is served with a successful PAYMENT-RESPONSE");

    const receipt = await pub.getTransactionReceipt({ hash: settled.transaction });
    const tx = await pub.getTransaction({ hash: settled.transaction });
    assert.equal(receipt.status, "success");
    assert.equal(tx.from.toLowerCase(), SETTLER.toLowerCase());
    assert.equal(tx.to.toLowerCase(), deployment.token.toLowerCase());
    const call = decodeFunctionData({ abi, data: tx.input });
    assert.equal(call.functionName, "transferWithAuthorization");
    assert.equal(call.args[0].toLowerCase(), payer.address.toLowerCase());
    assert.equal(call.args[1].toLowerCase(), payee.toLowerCase());
    assert.equal(call.args[2], PRICE);
    const transfers = parseEventLogs({ abi, logs: receipt.logs, eventName: "Transfer" });
    assert.equal(transfers.length, 1);
    assert.equal(transfers[0].address.toLowerCase(), deployment.token.toLowerCase());
    assert.deepEqual([transfers[0].args.from, transfers[0].args.to, transfers[0].args.value], [payer.address, payee, PRICE]);
    assert.deepEqual([await balance(payer.address), await balance(payee)], [before[0] - PRICE, before[1] + PRICE]);
    assert.equal(await pub.readContract({ address: deployment.token, abi, functionName: "authorizationState", args: [payer.address, call.args[5]] }), true);
    ok("the transaction is pay402's settler's transferWithAuthorization: mined, one Transfer, balances moved by exactly the price");

    // the same payment header again: not served, nothing moves
    const replay = await fetch(base + "/premium", { headers: { "PAYMENT-SIGNATURE": seen.find(Boolean) } });
    assert.notEqual(replay.status, 200);
    assert.deepEqual(served, ["/premium"]);
    assert.deepEqual([await balance(payer.address), await balance(payee)], [before[0] - PRICE, before[1] + PRICE]);
    ok(`the same payment again is refused (${replay.status}) and nothing moves`);
  } finally {
    await close(server);
  }
}

// 2. a wrong bearer key: pay402's facilitator answers 401, the reference server fails closed
{
  const payer = await fundedPayer();
  const payee = privateKeyToAccount(generatePrivateKey()).address;
  const { server, base, served } = await referenceServer("wrong-key", payee);
  try {
    const client = payingClient(payer);
    let status;
    try {
      status = (await wrapFetchWithPayment(fetch, client)(base + "/premium")).status;
    } catch (e) {
      status = `thrown: ${e?.message ?? e}`;
    }
    assert.notEqual(status, 200);
    assert.deepEqual(served, []);
    assert.equal(await balance(payer.address), FUNDING);
    assert.equal(await balance(payee), 0n);
    ok(`a wrong bearer key: no content (${String(status).slice(0, 60)}), nothing settled`);
  } finally {
    await close(server);
  }
}
console.log(`reference-paid: ${passed} passed`);
