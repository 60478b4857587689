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
//      tokens (the page's balance check through the RPC URL of the server's page config).
// Screenshots: $PAY402_SHOTS (default <repo>/target/paywall-shots/chain), emptied first.
//   PAY402_CHAIN_RPC=… PAY402_CHAIN_DEPLOYMENT=… node --test test-browser-paywall.mjs
// (run by run.sh from a fresh project with the packed pay402 tarball installed and playwright-core and viem linked)
import { test, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { chromium } from "playwright-core";
import { mnemonicToAccount } from "viem/accounts";
import { x402Middleware, keccak256, privateKeySigner } from "pay402";
import { localSettlement, privateKeySigner as settlerSigner } from "pay402/settle";
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
  if (clockOffsetSeconds) await page.clock.install({ time: new Date(Date.now() + clockOffsetSeconds * 1000) });
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
  return { page, context, errors };
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
  const { page, context, errors } = await openPage(wallet);
  // the page is the core's: its data is the challenge's PAYMENT-REQUIRED byte for byte
  const fromB64 = (t) => JSON.parse(Buffer.from(t, "base64").toString());
  const meta = fromB64(await page.getAttribute('meta[name="pay402-page"]', "content"));
  const offered = fromB64(meta.paymentRequired);
  assert.deepEqual(offered.accepts, accepts, "the page offers exactly the route's offer");
  await toReview(page, "evm-");
  await shot(page, "evm-review");
  await tabTo(page, "Pay");
  await page.keyboard.press("Enter");
  await waitScreen(page, "paid");
  assert.equal((await page.textContent('[data-field="content"]')).trim(), CONTENT);
  await shot(page, "evm-paid");
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
  const behind = clock - Math.floor(Date.now() / 1000) - 2 * MAX_TIMEOUT;
  const { page, context, errors } = await openPage(wallet, { clockOffsetSeconds: behind });
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

test("screenshots of each state", () => {
  console.log(`screenshots in ${SHOTS}: ${shots.join(" ")}`);
  // one offer: the page opens on the wallets (no offers screen)
  for (const s of ["evm-wallets", "evm-review", "evm-paid", "reject-error", "expired-error", "unfunded-error"]) {
    assert.ok(shots.some((f) => f.endsWith(`-${s}.png`)) && fs.existsSync(path.join(SHOTS, shots.find((f) => f.endsWith(`-${s}.png`)))), `a screenshot of ${s}`);
  }
});
