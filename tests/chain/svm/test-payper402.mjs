// PayPer402 end to end in Node on litesvm, with the packed pay402 npm package: a node:http server answers
// `POST /api/generate` with 402 and `WWW-Authenticate: Bearer realm="PayPer402", amount="0.042", currency="USDC",
// network="Solana"` (PayPer402's app/api/generate/route.ts), written by the core (payper402Challenge); the client
// reads the price from it with the core (parsePayper402Challenge), pays a real SPL transferChecked of that amount
// (built by pay402's svmBuildTransfer, fees paid by a second wallet of its own through svmCosign) and retries with
// the signature in `paymentSignature`; the server fetches getTransaction (jsonParsed), decides with the core's
// verifyPayper402 and records the transaction in a pay402/replay store so it buys one generation.
//
// Run by tests/chain/run.sh from a project with only the pay402 tarball installed; PAY402_SVM_DIR is this
// directory (rpc.mjs is started from it, on a free 127.0.0.1 port, and stopped by its pid).
//   node --test test-payper402.mjs
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import http from "node:http";
import path from "node:path";
import {
  parsePayper402Challenge, payper402Challenge, svmAssociatedTokenAddress, svmBuildTransfer, svmCosign, svmPublicKey,
  verifyPayper402,
} from "pay402";
import { MemoryReplayStore } from "pay402/replay";

const TOKEN_PROGRAM = "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA";
// The server's offer: 0.042 USDC is 42000 atomic units at 6 decimals. The header is the core's; the text is what
// PayPer402 itself sends (app/api/generate/route.ts), written here by hand.
const PRICE = 42000n;
const CHALLENGE = payper402Challenge({ realm: "PayPer402", amount: PRICE, decimals: 6, currency: "USDC", network: "Solana" });
const PAYPER402_SENDS = 'Bearer realm="PayPer402", amount="0.042", currency="USDC", network="Solana"';

let rpcProc;
let rpcUrl;
let server;
let shopUrl;
const w = {};

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

function shop({ mint, payTo }) {
  const used = new MemoryReplayStore();
  const refuse = (res, message, code) => {
    res.writeHead(402, { "content-type": "application/json", "www-authenticate": CHALLENGE });
    res.end(JSON.stringify({ error: code ? "Payment verification failed" : "Payment Required", message, code, paymentRequired: true }));
  };
  return http.createServer(async (req, res) => {
    let raw = "";
    for await (const chunk of req) raw += chunk;
    const body = JSON.parse(raw || "{}");
    if (!body.paymentSignature) return refuse(res, "pay, then send paymentSignature");
    let result;
    try {
      result = await rpc("getTransaction", [body.paymentSignature, { encoding: "jsonParsed", commitment: "confirmed", maxSupportedTransactionVersion: 0 }]);
    } catch (e) {
      res.writeHead(503, { "content-type": "application/json" });
      return res.end(JSON.stringify({ error: "payment verification unavailable", message: e.message }));
    }
    let paid;
    try {
      paid = verifyPayper402({
        challenge: CHALLENGE,
        decimals: 6,
        signature: body.paymentSignature,
        result: JSON.stringify(result),
        fetchedAt: "confirmed",
        mint,
        tokenProgram: TOKEN_PROGRAM,
        payTo,
        maxAgeSecs: 600,
        minCommitment: "confirmed",
        now: Math.floor(Date.now() / 1000),
      });
    } catch (e) {
      return refuse(res, e.message, e.code);
    }
    if (!(await used.reserve(paid.txKey, 86400))) return refuse(res, "this transaction was already used", "proof_already_used");
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ success: true, result: `generated: ${body.prompt}`, payer: paid.payer, paid: paid.amount.toString() }));
  });
}

async function pay(payTo, amount, { send = true } = {}) {
  const { value } = await rpc("getLatestBlockhash", [{ commitment: "confirmed" }]);
  const built = svmBuildTransfer({
    payerSeed: w.seed,
    feePayer: svmPublicKey(w.feeSeed),
    mint: w.mint,
    payTo,
    tokenProgram: TOKEN_PROGRAM,
    amount,
    decimals: 6,
    memo: randomBytes(8).toString("hex"),
    recentBlockhash: value.blockhash,
  });
  const signed = svmCosign(Buffer.from(built.transaction, "base64"), w.feeSeed);
  if (!send) return signed.signature;
  const sig = await rpc("sendTransaction", [Buffer.from(signed.transaction).toString("base64"), { encoding: "base64" }]);
  assert.equal(sig, signed.signature);
  return sig;
}

const ask = (paymentSignature) =>
  fetch(`${shopUrl}/api/generate`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: "gpt-image", prompt: "a lighthouse", type: "image", ...(paymentSignature ? { paymentSignature } : {}) }),
  });

before(async () => {
  const dir = process.env.PAY402_SVM_DIR;
  assert.ok(dir, "PAY402_SVM_DIR (tests/chain/svm) is not set: run tests/chain/run.sh");
  rpcProc = spawn(process.execPath, [path.join(dir, "rpc.mjs"), "0"], { cwd: dir, stdio: ["ignore", "pipe", "inherit"] });
  rpcUrl = await new Promise((resolve, reject) => {
    rpcProc.stdout.once("data", (d) => resolve(String(d).trim().split(" ")[1]));
    rpcProc.once("exit", (c) => reject(new Error(`rpc.mjs exited (${c})`)));
  });
  w.seed = randomBytes(32);
  w.feeSeed = randomBytes(32);
  w.buyer = svmPublicKey(w.seed);
  w.payee = svmPublicKey(randomBytes(32));
  w.stranger = svmPublicKey(randomBytes(32));
  const setup = await rpc("pay402_setup", [
    { decimals: 6, sol: { [svmPublicKey(w.feeSeed)]: 1_000_000_000 }, tokens: { [w.buyer]: "1000000", [w.payee]: "0", [w.stranger]: "0" } },
  ]);
  w.mint = setup.mint;
  w.payeeAta = setup.accounts[w.payee];
  assert.equal(w.payeeAta, svmAssociatedTokenAddress(w.payee, w.mint));
  server = shop({ mint: w.mint, payTo: w.payee });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  shopUrl = `http://127.0.0.1:${server.address().port}`;
});

after(async () => {
  if (server) await new Promise((r) => server.close(r));
  if (rpcProc) rpcProc.kill("SIGTERM");
});

test("402 with the PayPer402 challenge, paid on chain, served once for the signature", async () => {
  assert.equal(CHALLENGE, PAYPER402_SENDS);
  const first = await ask();
  assert.equal(first.status, 402);
  // the client reads the price from the challenge with the core, and pays that
  const offer = parsePayper402Challenge(first.headers.get("www-authenticate"), 6);
  assert.deepEqual(offer, { realm: "PayPer402", amount: PRICE, currency: "USDC", network: "Solana" });
  await first.arrayBuffer();
  const before = await tokenBalance(w.payeeAta);
  const sig = await pay(w.payee, offer.amount);
  assert.equal(await tokenBalance(w.payeeAta), before + PRICE);
  const paid = await ask(sig);
  assert.equal(paid.status, 200);
  assert.deepEqual(await paid.json(), { success: true, result: "generated: a lighthouse", payer: w.buyer, paid: "42000" });
  const replay = await ask(sig);
  assert.equal(replay.status, 402);
  assert.equal((await replay.json()).code, "proof_already_used");
});

test("too small a payment is refused with the core's code", async () => {
  const res = await ask(await pay(w.payee, PRICE - 1n));
  assert.equal(res.status, 402);
  assert.equal((await res.json()).code, "amount_too_low");
});

test("a payment to someone else is refused with the core's code", async () => {
  const res = await ask(await pay(w.stranger, PRICE));
  assert.equal(res.status, 402);
  assert.equal((await res.json()).code, "wrong_payee");
});

test("a signature the chain does not know is refused", async () => {
  const res = await ask(await pay(w.payee, PRICE, { send: false }));
  assert.equal(res.status, 402);
  assert.equal((await res.json()).code, "transaction_not_found");
});
