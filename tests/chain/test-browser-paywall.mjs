// A person with a browser wallet pays a pay402 server on the local chain, in Debian's chromium (playwright-core, no
// browser download). The server is the npm package's `x402Middleware` on `node:http` (127.0.0.1), selling one
// resource with `exact` EIP-3009 on the Hardhat token and settling with `pay402/settle`'s `localSettlement`; the
// page it serves to a browser is the core's (`pay402/paywall-page`, filled by the core's PageServer), not a test
// template. The wallet is an EIP-1193 provider announced by EIP-6963 in the page; every request goes through one
// exposed binding to Node, where a Hardhat account's key (#12) signs with viem (`eth_signTypedData_v4`): the key never
// enters the page. Keyboard only (any mouse call throws). Every expected value comes from the chain (balanceOf,
// Transfer logs) and the offer, never from the code under test.
//   1. paid end to end: offer → wallet → Pay → content; balances moved by exactly the price, one Transfer, one
//      settlement seen by the server;
//   2. refusals against the same server, no money moved in each: the wallet rejects (4001); the page's clock
//      behind the server's by more than maxTimeoutSeconds (the server refuses with its code); an account without
//      tokens (the page's balance check through the RPC URL of the server's page config);
//   3. Solana: a Wallet-Standard wallet pays an `exact` offer on devnet's CAIP-2 id, settled in litesvm (svm/rpc.mjs,
//      PAY402_SVM_DIR) by `localSvmSettlement`: token balances moved by exactly the price, the signature known.
// Screenshots: $PAY402_SHOTS (default <repo>/target/paywall-shots/chain), emptied first.
//   PAY402_CHAIN_RPC=… PAY402_CHAIN_DEPLOYMENT=… PAY402_SVM_DIR=…/tests/chain/svm node --test test-browser-paywall.mjs
// (run by run.sh from a fresh project with the packed pay402 tarball installed and playwright-core and viem linked)
import { test, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { spawn } from "node:child_process";
import { createPrivateKey, createPublicKey, randomBytes, sign } from "node:crypto";
import { chromium } from "playwright-core";
import { mnemonicToAccount } from "viem/accounts";
import { x402Middleware, keccak256, privateKeySigner } from "pay402";
import { localSettlement, localSvmSettlement, privateKeySigner as settlerSigner } from "pay402/settle";
import { RPC, chainNow, env, hex, receipt, rpc, word } from "./chain-rpc.mjs";

const DEPLOYMENT = JSON.parse(fs.readFileSync(env("PAY402_CHAIN_DEPLOYMENT"), "utf8"));
const TOKEN = DEPLOYMENT.token;
const NETWORK = "eip155:31337";
const CHAIN_HEX = "0x7a69";
const PRICE = 23_456n;
const FUNDING = 1_000_000n;
const MAX_TIMEOUT = 120;
const MINTER = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"; // Hardhat account #0 (unlocked on the node): mints
const TRANSFER_TOPIC = hex(keccak256(new TextEncoder().encode("Transfer(address,address,uint256)")));
const SHOTS = path.resolve(process.env.PAY402_SHOTS ?? path.join(import.meta.dirname, "../../target/paywall-shots/chain"));
fs.rmSync(SHOTS, { recursive: true, force: true });
fs.mkdirSync(SHOTS, { recursive: true });

// Hardhat's default accounts (public test keys of the well-known mnemonic; a local node only). #12 pays; #13 never
// receives tokens (the insufficient-balance case). No other test here uses them.
const MNEMONIC = "test test test test test test test test test test test junk";
const PAYER = mnemonicToAccount(MNEMONIC, { addressIndex: 12 });
const UNFUNDED = mnemonicToAccount(MNEMONIC, { addressIndex: 13 });

// ------------------------------------------------------------------ reads of the node (plain JSON-RPC)
const balanceOf = async (who) => BigInt(await rpc("eth_call", { to: TOKEN, data: "0x70a08231" + word(who) }, "latest"));
const lower = (a) => a.toLowerCase();
async function mint(to, value) {
  const hash = await rpc("eth_sendTransaction", { from: MINTER, to: TOKEN, data: "0x40c10f19" + word(to) + word(value), gas: "0x493e0" });
  assert.equal((await receipt(hash)).status, "0x1", "mint");
}
/** The token's Transfer logs from `fromBlock` on. */
const transfers = async (fromBlock) => (await rpc("eth_getLogs", { address: TOKEN, fromBlock: "0x" + fromBlock.toString(16), toBlock: "latest", topics: [TRANSFER_TOPIC] }))
  .map((l) => ({ from: "0x" + l.topics[1].slice(26), to: "0x" + l.topics[2].slice(26), value: BigInt(l.data), tx: l.transactionHash }));
const blockNumber = async () => Number(await rpc("eth_blockNumber"));

// ------------------------------------------------------------------ the server: x402Middleware + localSettlement
const SETTLER_KEY = hex(randomBytes(32)); // a fresh settler key, funded for gas: its nonces are this file's alone
await rpc("hardhat_setBalance", settlerSigner(SETTLER_KEY).address, "0x" + (10n ** 19n).toString(16));
const payee = privateKeySigner(randomBytes(32)).address;
const accepts = [{
  scheme: "exact", network: NETWORK, amount: PRICE.toString(), asset: TOKEN, payTo: payee, maxTimeoutSeconds: MAX_TIMEOUT,
  extra: { name: DEPLOYMENT.name, version: DEPLOYMENT.version },
}];
let clock = await chainNow(); // the server's clock is the chain's, refreshed before each test
const now = () => clock;
const local = localSettlement({ network: NETWORK, rpc: [RPC], signer: settlerSigner(SETTLER_KEY), receiptTimeoutMs: 20_000, now });
const settled = []; // the settlements the server made (localSettlement's answers)
const paidRequests = []; // PAYMENT-SIGNATURE headers that reached the server
const refusals = []; // the server's 402s to paid requests: their PAYMENT-REQUIRED, decoded
const CONTENT = "The paid article, settled on the local chain.";
let svmRoute = null; // the Solana route, made by its test: { rpc(body) → text, paywall }
let paywall = null; // made once the server listens: the page's RPC URL is absolute (the core checks it)
const makePaywall = (base) => x402Middleware(accepts, {
  now,
  // the page's balance check: the RPC URL by CAIP-2 network, a same-origin path proxied to the node below
  page: { title: "pay402 on the local chain", rpc: { [NETWORK]: `${base}/rpc` }, display: [{ decimals: 6, symbol: "TOK" }] },
  settle: async (payment) => {
    const out = await local.settle(payment);
    settled.push(JSON.parse(out));
    return out;
  },
});
const server = http.createServer((req, res) => {
  if (req.url === "/rpc" && req.method === "POST") { // the node's JSON-RPC, same origin (no CORS needed)
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", async () => {
      const r = await fetch(RPC, { method: "POST", headers: { "content-type": "application/json" }, body: Buffer.concat(chunks) });
      res.writeHead(r.status, { "content-type": "application/json" });
      res.end(Buffer.from(await r.arrayBuffer()));
    });
    return;
  }
  if (req.url === "/svmrpc" && req.method === "POST" && svmRoute) {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", async () => {
      const text = await svmRoute.rpc(Buffer.concat(chunks).toString());
      res.writeHead(200, { "content-type": "application/json" });
      res.end(text);
    });
    return;
  }
  if (req.url === "/sol" && svmRoute) {
    svmRoute.paywall(req, res, (err) => {
      if (err) { res.statusCode = 500; res.end(`error: ${err.message}`); return; }
      res.setHeader("content-type", "text/plain; charset=utf-8");
      res.end(CONTENT);
    });
    return;
  }
  if (req.url !== "/article") { res.writeHead(404); res.end(); return; }
  const sig = req.headers["payment-signature"];
  if (sig) paidRequests.push(sig);
  res.on("finish", () => {
    if (sig && res.statusCode === 402) {
      const h = res.getHeader("payment-required");
      refusals.push(h ? JSON.parse(Buffer.from(String(h), "base64").toString()) : null);
    }
  });
  paywall(req, res, (err) => {
    if (err) { res.statusCode = 500; res.end(`error: ${err.message}`); return; }
    res.setHeader("content-type", "text/plain; charset=utf-8");
    res.end(CONTENT);
  });
});
await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
const BASE = `http://127.0.0.1:${server.address().port}`;
paywall = makePaywall(BASE);

const browser = await chromium.launch({ executablePath: process.env.PAY402_CHROMIUM ?? "/usr/bin/chromium", args: ["--no-sandbox"] });
after(async () => {
  await browser.close();
  server.closeAllConnections();
  await new Promise((ok) => server.close(ok));
});

// ------------------------------------------------------------------ the wallet
// In the page: an EIP-1193 provider announced by EIP-6963; request() forwards to Node (`__pay402Wallet`).
const injectWallet = () => {
  const provider = {
    request: async ({ method, params }) => {
      const out = await window.__pay402Wallet(method, params ?? []);
      if (out.error) throw Object.assign(new Error(out.error.message), { code: out.error.code });
      return out.result;
    },
    on() {}, removeListener() {},
  };
  const announce = () => window.dispatchEvent(new CustomEvent("eip6963:announceProvider", {
    detail: Object.freeze({ info: { uuid: "0d9c6f0e-7d43-4e0b-8a51-3a2b1c402402", name: "pay402 test wallet", rdns: "dev.pay402.test", icon: "data:image/svg+xml;base64,PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciIHZpZXdCb3g9IjAgMCAxIDEiPjxyZWN0IHdpZHRoPSIxIiBoZWlnaHQ9IjEiIGZpbGw9IiMwYjUzOTQiLz48L3N2Zz4=" }, provider }),
  }));
  window.addEventListener("eip6963:requestProvider", announce);
  announce();
};
/** In Node: the wallet of `account` (viem, the key stays here); `reject`: every signature request answers 4001. */
function walletBackend(account, { reject = false } = {}) {
  const calls = [];
  let chain = CHAIN_HEX;
  const handle = async (method, params) => {
    calls.push(method);
    switch (method) {
      case "eth_requestAccounts": case "eth_accounts": return [account.address];
      case "eth_chainId": return chain;
      case "wallet_switchEthereumChain": chain = params[0].chainId; return null;
      case "eth_call": return rpc("eth_call", ...params);
      case "eth_signTypedData_v4": {
        if (reject) throw Object.assign(new Error("User rejected the request."), { code: 4001 });
        assert.equal(lower(params[0]), lower(account.address), "asked to sign for the connected account");
        const { domain, types, primaryType, message } = JSON.parse(params[1]);
        const { EIP712Domain, ...rest } = types;
        return account.signTypedData({ domain, types: rest, primaryType, message });
      }
      default: throw Object.assign(new Error(`unsupported: ${method}`), { code: 4200 });
    }
  };
  const binding = async (method, params) => {
    try { return { result: await handle(method, params) }; } catch (e) { return { error: { code: e.code ?? -32603, message: e.message } }; }
  };
  return { calls, binding };
}

// ------------------------------------------------------------------ the browser, keyboard only
let shotNo = 0;
const shots = [];
async function shot(page, name) {
  const file = path.join(SHOTS, `${String(++shotNo).padStart(2, "0")}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  shots.push(path.basename(file));
}
async function openPage(wallet, { clockOffsetSeconds = 0 } = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  // The page's clock is the server's (the chain's: earlier tests of the chain run may have moved it ahead of
  // the wall clock), plus an offset; the page signs validBefore from it.
  await page.clock.install({ time: new Date((clock + clockOffsetSeconds) * 1000) });
  await page.exposeFunction("__pay402Wallet", wallet.binding);
  await page.addInitScript(injectWallet);
  for (const m of ["click", "dblclick", "down", "up", "move", "wheel"]) page.mouse[m] = () => { throw new Error(`mouse.${m} used`); };
  const documents = [];
  page.on("response", (r) => { if (r.url() === `${BASE}/article` && r.request().resourceType() === "document") documents.push(r); });
  // as a browser opens a link: a top-level navigation (Accept text/html, Sec-Fetch-Dest document)
  await page.goto(`${BASE}/article`);
  assert.equal(documents.length, 1);
  assert.equal(documents[0].status(), 402, "the unpaid document is a 402");
  assert.match(documents[0].headers()["content-type"], /^text\/html/);
  assert.ok(documents[0].headers()["payment-required"], "the challenge header stays on the page");
  return { page, context, errors, documents };
}
const active = (page) => page.evaluate(() => {
  const a = document.activeElement;
  return { tag: a.tagName, text: a.textContent.trim(), screen: a.closest("[data-screen]")?.dataset.screen ?? null };
});
async function waitScreen(page, name) {
  try {
    await page.waitForFunction((s) => document.querySelector("[data-screen].active")?.dataset.screen === s, name, { timeout: 30_000 });
  } catch (err) {
    const [at, alert] = await page.evaluate(() => [document.querySelector("[data-screen].active")?.dataset.screen, document.querySelector('[role="alert"]')?.textContent]);
    throw new Error(`waited for ${name}, the page is on ${at} (${alert ?? ""})`, { cause: err });
  }
}
async function tabTo(page, text, max = 15) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press("Tab");
    const a = await active(page);
    if (a.text === text || a.text.endsWith(text)) return a;
  }
  throw new Error(`Tab never reached "${text}"`);
}
/** Offers (when shown) → wallet → review; returns on the review screen, or on `stopAt`. */
async function toReview(page, prefix, stopAt = "review") {
  await page.waitForFunction(() => ["offers", "wallets"].includes(document.querySelector("[data-screen].active")?.dataset.screen), null, { timeout: 30_000 });
  if (await page.evaluate(() => document.querySelector("[data-screen].active").dataset.screen) === "offers") {
    await shot(page, `${prefix}offers`);
    await tabTo(page, "Continue");
    await page.keyboard.press("Enter");
  }
  await waitScreen(page, "wallets");
  await shot(page, `${prefix}wallets`);
  await tabTo(page, "pay402 test wallet");
  await page.keyboard.press("Enter");
  await waitScreen(page, stopAt);
}

async function snapshot(who) {
  return Promise.all([balanceOf(who), balanceOf(payee), blockNumber()]);
}
const refreshClock = async () => { clock = await chainNow(); };

await mint(PAYER.address, FUNDING);

test("EVM, end to end: a browser wallet pays x402Middleware, settled on the chain by localSettlement", async () => {
  await refreshClock();
  const wallet = walletBackend(PAYER);
  const [payerBefore, payeeBefore, fromBlock] = await snapshot(PAYER.address);
  const before = { settled: settled.length, paid: paidRequests.length };
  const { page, context, errors, documents } = await openPage(wallet);
  // the page is the core's: its data is the challenge's PAYMENT-REQUIRED byte for byte
  const fromB64 = (t) => JSON.parse(Buffer.from(t, "base64").toString());
  const meta = fromB64(await page.getAttribute('meta[name="pay402-page"]', "content"));
  const offered = fromB64(meta.paymentRequired);
  assert.deepEqual(offered.accepts, accepts, "the page offers exactly the route's offer");
  // the embedded challenge is the header's, byte for byte, and the one an API client gets as JSON
  assert.equal(meta.paymentRequired, documents[0].headers()["payment-required"], "page data = the PAYMENT-REQUIRED header");
  const api = await fetch(`${BASE}/article`, { headers: { accept: "application/json" } });
  assert.equal(api.status, 402);
  assert.match(api.headers.get("content-type") ?? "", /json/, "an API client gets the JSON 402, not the page");
  assert.equal(api.headers.get("payment-required"), meta.paymentRequired, "the same challenge for the API client");
  await toReview(page, "evm-");
  await shot(page, "evm-review");
  await tabTo(page, "Pay");
  await page.keyboard.press("Enter");
  await waitScreen(page, "paid");
  assert.equal((await page.textContent('[data-field="content"]')).trim(), CONTENT);
  await shot(page, "evm-paid");
  const receiptShown = await page.$$eval('[data-list="receipt"] dd', (dd) => dd.map((d) => d.textContent));
  assert.deepEqual(errors, []);
  await context.close();

  assert.deepEqual(wallet.calls.filter((m) => m === "eth_signTypedData_v4").length, 1, "one signature");
  assert.equal(paidRequests.length, before.paid + 1, "one paid request reached the server");
  assert.equal(settled.length, before.settled + 1, "the server saw one settlement");
  const answer = settled.at(-1);
  assert.equal(answer.success, true);
  const [payerAfter, payeeAfter] = await snapshot(PAYER.address);
  assert.equal(payerBefore - payerAfter, BigInt(accepts[0].amount), "the payer paid exactly the price");
  assert.equal(payeeAfter - payeeBefore, BigInt(accepts[0].amount), "the payee got exactly the price");
  const logs = await transfers(fromBlock + 1);
  assert.equal(logs.length, 1, "one Transfer");
  assert.deepEqual([lower(logs[0].from), lower(logs[0].to), logs[0].value], [lower(PAYER.address), lower(payee), BigInt(accepts[0].amount)]);
  assert.equal(lower(logs[0].tx), lower(answer.transaction), "the settlement's transaction is the Transfer's");
  assert.equal((await receipt(answer.transaction)).status, "0x1");
  assert.equal(lower(receiptShown[0]), lower(answer.transaction), "the page's receipt names the settlement's transaction");
});

test("refusal: the wallet rejects the signature (4001); nothing paid, no request sent", async () => {
  await refreshClock();
  const wallet = walletBackend(PAYER, { reject: true });
  const [payerBefore, payeeBefore, fromBlock] = await snapshot(PAYER.address);
  const before = { settled: settled.length, paid: paidRequests.length };
  const { page, context, errors } = await openPage(wallet);
  await toReview(page, "reject-");
  await tabTo(page, "Pay");
  await page.keyboard.press("Enter");
  await waitScreen(page, "error");
  assert.equal(await page.textContent('[role="alert"]'), "You declined the request in your wallet. Nothing was paid.");
  await shot(page, "reject-error");
  assert.deepEqual(errors, []);
  await context.close();
  assert.equal(paidRequests.length, before.paid, "no paid request");
  assert.equal(settled.length, before.settled);
  assert.deepEqual(await snapshot(PAYER.address).then(([a, b]) => [a, b]), [payerBefore, payeeBefore], "no money moved");
  assert.equal((await transfers(fromBlock + 1)).length, 0, "no Transfer");
});

test("refusal: an expired offer (the page's clock behind the server's by more than maxTimeoutSeconds)", async () => {
  await refreshClock();
  const wallet = walletBackend(PAYER);
  const [payerBefore, payeeBefore, fromBlock] = await snapshot(PAYER.address);
  const before = { settled: settled.length, paid: paidRequests.length, refusals: refusals.length };
  // the page signs validBefore = its now + maxTimeoutSeconds, already past on the server's clock
  const { page, context, errors } = await openPage(wallet, { clockOffsetSeconds: -2 * MAX_TIMEOUT });
  await toReview(page, "expired-");
  await tabTo(page, "Pay");
  await page.keyboard.press("Enter");
  await waitScreen(page, "error");
  await shot(page, "expired-error");
  const alert = await page.textContent('[role="alert"]');
  const actions = await page.$$eval('[data-list="actions"] button', (bs) => bs.map((b) => b.textContent));
  const detail = await page.textContent('[data-screen="error"] [data-field="detail"]');
  assert.deepEqual(errors, []);
  await context.close();
  assert.equal(paidRequests.length, before.paid + 1, "the paid request reached the server");
  assert.equal(refusals.length, before.refusals + 1, "the server refused it with a 402");
  const code = refusals.at(-1)?.error;
  // the server's code for a validBefore already past on its clock (x402 `exact` EVM scheme's error names)
  assert.equal(code, "invalid_exact_evm_payload_authorization_valid_before", "the server's code");
  assert.equal(detail, code, "the page shows the server's code");
  assert.equal(alert, "authorization expires too soon (validBefore)", "the page shows the refusal's message");
  assert.deepEqual(actions, ["Get a fresh offer"], "the only way on is a fresh offer");
  assert.equal(settled.length, before.settled, "no settlement");
  assert.deepEqual(await snapshot(PAYER.address).then(([a, b]) => [a, b]), [payerBefore, payeeBefore], "no money moved");
  assert.equal((await transfers(fromBlock + 1)).length, 0, "no Transfer");
});

test("refusal: an account without tokens; the page's balance check through the server's RPC URL", async () => {
  await refreshClock();
  assert.equal(await balanceOf(UNFUNDED.address), 0n, "the account holds no tokens (chain)");
  const wallet = walletBackend(UNFUNDED);
  const [payerBefore, payeeBefore, fromBlock] = await snapshot(UNFUNDED.address);
  const before = { settled: settled.length, paid: paidRequests.length };
  const rpcAsked = [];
  const { page, context, errors } = await openPage(wallet);
  page.on("request", (r) => { if (r.url() === `${BASE}/rpc`) rpcAsked.push(JSON.parse(r.postData())); });
  await toReview(page, "unfunded-", "error");
  assert.equal(await page.textContent('[role="alert"]'), "The balance of this account is below the price.");
  await shot(page, "unfunded-error");
  assert.deepEqual(errors, []);
  await context.close();
  const call = rpcAsked.find((c) => c.method === "eth_call");
  assert.ok(call, "the page read the balance through /rpc (the server's page config)");
  assert.equal(lower(call.params[0].to), lower(TOKEN));
  assert.ok(call.params[0].data.toLowerCase().includes(word(UNFUNDED.address)), "balanceOf(the account)");
  assert.ok(!wallet.calls.includes("eth_signTypedData_v4"), "never asked to sign");
  assert.equal(paidRequests.length, before.paid, "no paid request");
  assert.equal(settled.length, before.settled);
  assert.deepEqual(await snapshot(UNFUNDED.address).then(([a, b]) => [a, b]), [payerBefore, payeeBefore], "no money moved");
  assert.equal((await transfers(fromBlock + 1)).length, 0, "no Transfer");
});

// ------------------------------------------------------------------ Solana: a Wallet-Standard wallet, litesvm
// svm/rpc.mjs (litesvm behind JSON-RPC on 127.0.0.1, started here by its pid) holds a new SPL mint, the payer's and
// the payee's token accounts; the route sells `exact` on devnet's CAIP-2 id with a fresh fee payer, settled by
// `localSvmSettlement`. The page reads the chain through the config's RPC URL (a same-origin path proxied to
// rpc.mjs); rpc.mjs has no `getTokenAccountsByOwner`, so the proxy answers it from the runtime: the owner's token
// account from pay402_setup, read back by getAccountInfo. The wallet registers as Wallet-Standard wallets do and
// signs the message with Node's ed25519 (crypto), the seed never entering the page.
const SVM_NETWORK = "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1";
const B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
const b58decode = (text) => {
  let n = 0n;
  for (const c of text) n = n * 58n + BigInt(B58.indexOf(c));
  return Buffer.from(n.toString(16).padStart(64, "0"), "hex");
};
const b58 = (bytes) => {
  let n = BigInt(`0x${Buffer.from(bytes).toString("hex") || "0"}`), out = "";
  while (n > 0n) { out = B58[Number(n % 58n)] + out; n /= 58n; }
  for (const b of bytes) { if (b !== 0) break; out = `1${out}`; }
  return out;
};
/** An ed25519 key from a 32-byte seed (Node's crypto) and its base58 address. */
function ed25519(seed) {
  const key = createPrivateKey({ key: Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), seed]), format: "der", type: "pkcs8" });
  const pub = createPublicKey(key).export({ format: "der", type: "spki" }).subarray(-32);
  return { key, pub, address: b58(pub) };
}
const compactU16 = (buf, at) => { // [value, bytes]
  let v = 0, i = 0;
  for (; i < 3; i++) { const b = buf[at + i]; v |= (b & 0x7f) << (7 * i); if (!(b & 0x80)) return [v, i + 1]; }
  throw new Error("bad compact-u16");
};
/** Signs a wire transaction for `signer`: its slot among the required signers, the message after the signatures. */
function signWire(bytes, signer) {
  const tx = Buffer.from(bytes);
  const [count, n] = compactU16(tx, 0);
  const message = tx.subarray(n + 64 * count);
  let at = message[0] & 0x80 ? 1 : 0; // v0 prefix
  const required = message[at];
  at += 3;
  const [keys, m] = compactU16(message, at);
  at += m;
  let slot = -1;
  for (let i = 0; i < keys; i++) if (message.subarray(at + 32 * i, at + 32 * i + 32).equals(signer.pub)) slot = i;
  assert.ok(slot >= 0 && slot < required && slot < count, "the wallet's account is a required signer");
  sign(null, message, signer.key).copy(tx, n + 64 * slot);
  return tx;
}
const injectSolanaWallet = (address) => {
  const account = { address, publicKey: new Uint8Array(32), chains: ["solana:devnet"], features: ["solana:signTransaction"] };
  const wallet = {
    version: "1.0.0", name: "pay402 test Solana wallet", icon: "data:image/svg+xml;base64,PHN2Zy8+", chains: ["solana:devnet"], accounts: [account],
    features: {
      "standard:connect": { version: "1.0.0", connect: async () => ({ accounts: [account] }) },
      "solana:signTransaction": {
        version: "1.0.0", supportedTransactionVersions: ["legacy", 0],
        signTransaction: async (...inputs) => Promise.all(inputs.map(async (i) => {
          const out = await window.__pay402SolSign(i.chain, Array.from(i.transaction));
          if (out.error) throw Object.assign(new Error(out.error), { code: 4001 });
          return { signedTransaction: Uint8Array.from(out.signed) };
        })),
      },
    },
  };
  const callback = ({ register }) => register(wallet);
  window.dispatchEvent(Object.assign(new Event("wallet-standard:register-wallet"), { detail: callback }));
  window.addEventListener("wallet-standard:app-ready", ({ detail }) => callback(detail));
};

test("Solana: a Wallet-Standard wallet pays x402Middleware, settled in litesvm by localSvmSettlement", async (t) => {
  const dir = process.env.PAY402_SVM_DIR;
  assert.ok(dir, "PAY402_SVM_DIR (tests/chain/svm) is not set: run tests/chain/run.sh");
  const proc = spawn(process.execPath, [path.join(dir, "rpc.mjs"), "0"], { cwd: dir, stdio: ["ignore", "pipe", "inherit"] });
  t.after(() => proc.kill("SIGTERM"));
  const svmRpcUrl = await new Promise((ok, no) => {
    proc.stdout.once("data", (d) => ok(String(d).trim().split(" ")[1]));
    proc.once("exit", (c) => no(new Error(`rpc.mjs exited (${c})`)));
  });
  const svmRpc = async (method, params = []) => {
    const r = await (await fetch(svmRpcUrl, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }) })).json();
    if (r.error) throw new Error(`${method}: ${JSON.stringify(r.error)}`);
    return r.result;
  };
  const payer = ed25519(randomBytes(32)), feeSeed = randomBytes(32), fee = ed25519(feeSeed), payeeSvm = ed25519(randomBytes(32));
  const setup = await svmRpc("pay402_setup", [{ decimals: 6, sol: { [fee.address]: 1_000_000_000 }, tokens: { [payer.address]: "1000000", [payeeSvm.address]: "0" } }]);
  const amount = 10_000n;
  const offer = { scheme: "exact", network: SVM_NETWORK, amount: amount.toString(), asset: setup.mint, payTo: payeeSvm.address, maxTimeoutSeconds: 60, extra: { feePayer: fee.address } };
  const local = localSvmSettlement({ network: SVM_NETWORK, rpc: [svmRpcUrl], feePayer: feeSeed.toString("hex") });
  const answers = [];
  const tokenBalance = async (a) => BigInt((await svmRpc("getTokenAccountBalance", [a])).value.amount);
  const payerAta = setup.accounts[payer.address], payeeAta = setup.accounts[payeeSvm.address];
  svmRoute = {
    rpc: async (body) => {
      const { id, method, params } = JSON.parse(body);
      if (method !== "getTokenAccountsByOwner") return fetch(svmRpcUrl, { method: "POST", headers: { "content-type": "application/json" }, body }).then((r) => r.text());
      const ata = setup.accounts[params[0]];
      const info = ata ? await svmRpc("getAccountInfo", [ata, { encoding: "base64" }]) : { value: null };
      const mintOk = info.value && Buffer.from(info.value.data[0], "base64").subarray(0, 32).equals(Buffer.from(b58decode(params[1].mint)));
      return JSON.stringify({ jsonrpc: "2.0", id, result: { context: { slot: 1 }, value: mintOk ? [{ pubkey: ata, account: info.value }] : [] } });
    },
    paywall: x402Middleware([offer], {
      page: { title: "pay402 on litesvm", rpc: { [SVM_NETWORK]: `${BASE}/svmrpc` }, display: [{ decimals: 6, symbol: "TOK" }] },
      settle: async (payment) => { const out = await local.settle(payment); answers.push(JSON.parse(out)); return out; },
    }),
  };
  const signed = [];
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.exposeFunction("__pay402SolSign", (chain, bytes) => {
    try { signed.push(chain); return { signed: Array.from(signWire(bytes, payer)) }; } catch (e) { return { error: e.message }; }
  });
  await page.addInitScript(injectSolanaWallet, payer.address);
  for (const m of ["click", "dblclick", "down", "up", "move", "wheel"]) page.mouse[m] = () => { throw new Error(`mouse.${m} used`); };
  const [payerBefore, payeeBefore] = [await tokenBalance(payerAta), await tokenBalance(payeeAta)];
  const feeBefore = BigInt((await svmRpc("getBalance", [fee.address])).value);
  const res = await page.goto(`${BASE}/sol`);
  assert.equal(res.status(), 402);
  await waitScreen(page, "wallets");
  await shot(page, "svm-wallets");
  await tabTo(page, "pay402 test Solana wallet");
  await page.keyboard.press("Enter");
  await waitScreen(page, "review");
  await shot(page, "svm-review");
  await tabTo(page, "Pay");
  await page.keyboard.press("Enter");
  await waitScreen(page, "paid");
  assert.equal((await page.textContent('[data-field="content"]')).trim(), CONTENT);
  await shot(page, "svm-paid");
  const receiptShown = await page.$$eval('[data-list="receipt"] dd', (dd) => dd.map((d) => d.textContent));
  assert.deepEqual(errors, []);
  await context.close();
  assert.deepEqual(signed, ["solana:devnet"], "one signature, on devnet");
  assert.equal(answers.length, 1, "the server saw one settlement");
  assert.equal(answers[0].success, true);
  assert.equal(payerBefore - await tokenBalance(payerAta), amount, "the payer paid exactly the price");
  assert.equal(await tokenBalance(payeeAta) - payeeBefore, amount, "the payee got exactly the price");
  assert.ok(BigInt((await svmRpc("getBalance", [fee.address])).value) < feeBefore, "the fee payer paid the fee");
  const [status] = (await svmRpc("getSignatureStatuses", [[answers[0].transaction]])).value;
  assert.ok(status && status.err === null, "the settlement's signature is known to the runtime, without error");
  assert.equal(receiptShown[0], answers[0].transaction, "the page's receipt names the settlement's signature");
});

test("screenshots of each state", () => {
  console.log(`screenshots in ${SHOTS}: ${shots.join(" ")}`);
  // one offer: the page opens on the wallets (no offers screen)
  for (const s of ["evm-wallets", "evm-review", "evm-paid", "reject-error", "expired-error", "unfunded-error", "svm-wallets", "svm-review", "svm-paid"]) {
    assert.ok(shots.some((f) => f.endsWith(`-${s}.png`)) && fs.existsSync(path.join(SHOTS, shots.find((f) => f.endsWith(`-${s}.png`)))), `a screenshot of ${s}`);
  }
});
