// Keyboard-only smoke in Debian's chromium (playwright-core, no browser download): the page built
// against the real paywall wasm (PAY402_WASM_WEB_DIR, default target/npm/pay402/paywall/web as
// ffi-wasm/build.sh writes it; the test stub stays for the Node unit tests), served with a 402
// by a node:http server on 127.0.0.1, with injected test wallets: an EIP-1193 provider announced
// through EIP-6963, a Wallet-Standard Solana wallet, WebLN. Tab/Enter/typing only (any mouse call
// fails the run): EVM at 360 and 1280 px, Solana, L402 by WebLN and by a typed preimage, paid HTML
// replacing the document; refusals (4001, another network switched, insufficient balance, a bad
// preimage); focus on each screen's heading; visible focus ring; no horizontal scroll; no layout
// shift when the wallet answers late; markup in a wallet name or message stays text; axe-core
// (WCAG 2.x A/AA) finds no violation on any screenshotted state.
// Screenshots: <out dir>/<nn>-<state>-<width>.png (the directory is emptied first).
//   node ffi-wasm/page/browser/smoke.mjs target/paywall-shots
import { chromium } from "playwright-core";
import { createRequire } from "node:module";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { buildPage } from "../build.mjs";
import { fillTemplate } from "./fill-template.mjs";

const shots = resolve(process.argv[2] ?? "target/paywall-shots");
rmSync(shots, { recursive: true, force: true });
mkdirSync(shots, { recursive: true });
const WEB_DIR = resolve(process.env.PAY402_WASM_WEB_DIR ?? new URL("../../../target/npm/pay402/paywall/web", import.meta.url).pathname);
if (!existsSync(join(WEB_DIR, "paywall_bg.wasm"))) {
  console.log(`FAIL no paywall wasm in ${WEB_DIR}: build it with ffi-wasm/build.sh (or set PAY402_WASM_WEB_DIR)`);
  process.exit(1);
}
const build = mkdtempSync(join(tmpdir(), "pay402-page-smoke-"));
await buildPage(WEB_DIR, build);
const template = readFileSync(join(build, "page.html"), "utf8");
rmSync(build, { recursive: true, force: true });

const b64 = (o) => Buffer.from(JSON.stringify(o)).toString("base64");
const SIGNATURE = `0x${"1b".repeat(65)}`;
const EVIL = `<img src=x onerror="window.__pwned=1">`;
const required = {
  x402Version: 2,
  resource: { url: "http://127.0.0.1/article", description: "An article", mimeType: "text/plain" },
  accepts: [
    { scheme: "exact", network: "eip155:84532", amount: "10000", asset: "0x036CbD53842c5426634e7929541eC2318f3dCF7e", payTo: "0x209693Bc6afc0C5328bA36FaF03C514EF312287C", maxTimeoutSeconds: 60, extra: { name: "USDC", version: "2" } },
    { scheme: "exact", network: "eip155:8453", amount: "10000", asset: "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913", payTo: "0x209693Bc6afc0C5328bA36FaF03C514EF312287C", maxTimeoutSeconds: 60, extra: { name: "USD Coin", version: "2", assetTransferMethod: "permit2" } },
    { scheme: "exact", network: "eip155:8453", amount: "20000", asset: "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913", payTo: "0x209693Bc6afc0C5328bA36FaF03C514EF312287C", maxTimeoutSeconds: 60, extra: { name: "USD Coin", version: "2" } },
  ],
};
const PAYMENT_REQUIRED = b64(required);
const pageFor = (data) => fillTemplate(template, {
  title: "The article <b>not bold</b>", summary: { description: "A long read about HTTP 402 & paying with a wallet", price: "0.01 USDC" },
  colors: { background: "#fdfdf8", text: "#1b1b1b", accent: "#0b5394", accentText: "#ffffff" }, data,
});
const x402Page = pageFor({ v: 1, resource: { url: "/article", description: "An article" }, paymentRequired: PAYMENT_REQUIRED, display: [{ decimals: 6, symbol: "USDC" }, { decimals: 6, symbol: "USDC" }, { decimals: 6, symbol: "USDC" }], rpc: {}, messages: { wallets: `Choose a wallet ${EVIL}` } });
const l402Page = pageFor({ v: 1, resource: { url: "/l402" }, l402: { macaroon: "AgELbHNhdC50ZXN0", invoice: "lnbcrt10u1pjq0000qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypq", amountMsat: 10000000 } });

const SVM_REQUIRED = b64({
  x402Version: 2, resource: { url: "http://127.0.0.1/sol", description: "A Solana-paid article", mimeType: "text/plain" },
  accepts: [{ scheme: "exact", network: "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1", amount: "10000", asset: "4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU", payTo: "2wKupLR9q6wXYppw8Gr2NvWxKBUqm4PPJKkQfoxHDBg4", maxTimeoutSeconds: 60, extra: { feePayer: "2wKupLR9q6wXYppw8Gr2NvWxKBUqm4PPJKkQfoxHDBg4" } }],
});
// base58 (the Bitcoin alphabet Solana uses), for the test's token accounts
const B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
const b58 = (bytes) => {
  let n = BigInt(`0x${Buffer.from(bytes).toString("hex") || "0"}`), out = "";
  while (n > 0n) { out = B58[Number(n % 58n)] + out; n /= 58n; }
  for (const b of bytes) { if (b !== 0) break; out = `1${out}`; }
  return out;
};
const unb58 = (text) => {
  let n = 0n;
  for (const c of text) n = n * 58n + BigInt(B58.indexOf(c));
  return Buffer.from(n.toString(16).padStart(64, "0"), "hex");
};
// the payee's token accounts as the server lists them (stand-ins: the smoke checks the page puts
// the one of the mint's program into the transfer), and the payer's token account the RPC lists
const PAYEE_TOKEN = b58(Buffer.alloc(32, 0x21)), PAYEE_TOKEN_2022 = b58(Buffer.alloc(32, 0x22));
const PAYER_TOKEN = b58(Buffer.alloc(32, 0x33));
const svmPage = pageFor({ v: 1, resource: { url: "/sol" }, paymentRequired: SVM_REQUIRED, display: [{ decimals: 6, symbol: "USDC" }], rpc: { "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1": "/rpc" },
  svmPayTo: [{ index: 0, token: PAYEE_TOKEN, token2022: PAYEE_TOKEN_2022 }] });
// an SPL token account (165 bytes): mint, owner, amount (u64 LE) 20000, state 1 (initialized)
const tokenAccount = (owner) => {
  const a = Buffer.alloc(165);
  unb58("4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU").copy(a, 0);
  unb58(owner).copy(a, 32);
  a.writeBigUInt64LE(20000n, 64);
  a[108] = 1;
  return a;
};
const htmlPage = pageFor({ v: 1, resource: { url: "/html" }, paymentRequired: b64({ ...required, accepts: [required.accepts[0]] }), rpc: {} });
const receiptPage = pageFor({ v: 1, resource: { url: "/html-receipt" }, paymentRequired: b64({ ...required, accepts: [required.accepts[0]] }), rpc: {}, showReceipt: true });
const plainPage = fillTemplate(template, { title: "Plain", summary: { description: "No theme", price: "0.01 USDC" }, data: { v: 1, resource: { url: "/plain" }, paymentRequired: PAYMENT_REQUIRED, rpc: {} } });
const lowPage = pageFor({ v: 1, resource: { url: "/low" }, paymentRequired: b64({ ...required, accepts: [required.accepts[0]] }), rpc: { "eip155:84532": "/rpc" } });
const rpcCalls = [];
const mint = Buffer.alloc(82);
mint[44] = 6; // decimals (SPL Token Mint layout)
mint[45] = 1; // is_initialized

// Both loading paths of the real module (inline base64, hosted beside paywall.js) instantiate it
// and show the offers the core read.
const glue = {};
if (WEB_DIR) {
  const out = mkdtempSync(join(tmpdir(), "pay402-page-glue-"));
  await buildPage(WEB_DIR, out);
  const filled = fillTemplate(readFileSync(join(out, "page.html"), "utf8"), { title: "Glue", summary: { description: "", price: "" }, data: { v: 1, resource: { url: "/glue" }, paymentRequired: PAYMENT_REQUIRED } });
  glue.inline = filled;
  glue.hosted = filled.replace(/<script type="module">[\s\S]*<\/script>/, '<script type="module" src="/h/paywall.js"></script>');
  glue.js = readFileSync(join(out, "paywall.js"));
  glue.wasm = readFileSync(join(out, "paywall_bg.wasm"));
  rmSync(out, { recursive: true, force: true });
}
const served = [];

const paid = [];
const server = createServer((req, res) => {
  served.push(req.url);
  if (WEB_DIR && ["/glue", "/hosted", "/h/paywall.js", "/h/paywall_bg.wasm"].includes(req.url)) {
    const [type, body] = { "/glue": ["text/html", glue.inline], "/hosted": ["text/html", glue.hosted], "/h/paywall.js": ["text/javascript", glue.js], "/h/paywall_bg.wasm": ["application/wasm", glue.wasm] }[req.url];
    res.writeHead(req.url.startsWith("/h/") ? 200 : 402, { "content-type": type });
    res.end(body);
    return;
  }
  const sig = req.headers["payment-signature"];
  if (req.url === "/rpc") {
    let body = "";
    req.on("data", (c) => { body += c; });
    req.on("end", () => {
      const { id, method, params } = JSON.parse(body);
      rpcCalls.push({ method, params });
      // eth_call (balanceOf): 5000 atomic units, below the 10000 asked
      const result = method === "eth_call" ? `0x${(5000).toString(16).padStart(64, "0")}` : method === "getLatestBlockhash"
        ? { context: { slot: 1 }, value: { blockhash: "EkSnNWid2cvwEVnVx9aBqawnmiCNiDgp3gUdkDPTKN1N", lastValidBlockHeight: 100 } }
        : method === "getTokenAccountsByOwner"
        ? { context: { slot: 1 }, value: [{ pubkey: PAYER_TOKEN, account: { data: [tokenAccount(params[0]).toString("base64"), "base64"], owner: "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA", lamports: 1, executable: false, rentEpoch: 0 } }] }
        : { context: { slot: 1 }, value: { data: [mint.toString("base64"), "base64"], owner: "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA", lamports: 1, executable: false, rentEpoch: 0 } };
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ jsonrpc: "2.0", id, result }));
    });
    return;
  }
  if (req.url === "/html-receipt") {
    if (sig) {
      paid.push(JSON.parse(Buffer.from(sig, "base64").toString()));
      res.writeHead(200, { "content-type": "text/html; charset=utf-8", "payment-response": b64({ success: true, transaction: "0xbeef", network: "eip155:84532", payer: "0x00000000000000000000000000000000000000a1" }) });
      res.end("<!doctype html><title>Paid page</title><h1 id=paid>Paid HTML content</h1>");
    } else {
      res.writeHead(402, { "content-type": "text/html; charset=utf-8", "payment-required": PAYMENT_REQUIRED });
      res.end(receiptPage);
    }
    return;
  }
  if ((req.url === "/sol" || req.url === "/html") && sig) {
    paid.push(JSON.parse(Buffer.from(sig, "base64").toString()));
    if (req.url === "/html") {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      res.end("<!doctype html><title>Paid page</title><h1 id=paid>Paid HTML content</h1><a href=next>relative link</a>");
      return;
    }
    res.writeHead(200, { "content-type": "text/plain; charset=utf-8", "payment-response": b64({ success: true, transaction: "5VERYsoLANAsig", network: "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1", payer: "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin" }) });
    res.end("Paid with Solana.");
    return;
  }
  if (req.url === "/l402" && req.headers.authorization) {
    paid.push({ authorization: req.headers.authorization });
    res.writeHead(200, { "content-type": "text/plain; charset=utf-8" });
    res.end("Paid with Lightning.");
    return;
  }
  if (req.url === "/plain") {
    res.writeHead(402, { "content-type": "text/html; charset=utf-8", "payment-required": PAYMENT_REQUIRED });
    res.end(plainPage);
    return;
  }
  if (req.url === "/low") {
    res.writeHead(402, { "content-type": "text/html; charset=utf-8", "payment-required": PAYMENT_REQUIRED });
    res.end(lowPage);
    return;
  }
  if (req.url === "/sol" || req.url === "/html") {
    res.writeHead(402, { "content-type": "text/html; charset=utf-8", "payment-required": req.url === "/sol" ? SVM_REQUIRED : PAYMENT_REQUIRED });
    res.end(req.url === "/sol" ? svmPage : htmlPage);
    return;
  }
  if (req.url === "/article" && sig) {
    paid.push(JSON.parse(Buffer.from(sig, "base64").toString()));
    res.writeHead(200, { "content-type": "text/plain; charset=utf-8", "payment-response": b64({ success: true, transaction: "0xfeed", network: "eip155:84532", payer: "0x00000000000000000000000000000000000000a1" }) });
    res.end("The paid article text.");
    return;
  }
  const page = req.url === "/l402" ? l402Page : x402Page;
  res.writeHead(402, { "content-type": "text/html; charset=utf-8", "payment-required": PAYMENT_REQUIRED, "cache-control": "no-store" });
  res.end(page);
});
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const base = `http://127.0.0.1:${server.address().port}`;

// The injected wallet: EIP-6963 announcements, EIP-1193 request(); `mode` "ok" or "reject".
const injectWallet = ({ mode, evilName }) => {
  const calls = [];
  window.__calls = calls;
  let chain = mode === "wrong-chain" ? "0x1" : "0x14a34";
  const provider = {
    async request({ method, params }) {
      calls.push({ method, params });
      if (method === "eth_requestAccounts") {
        if (mode === "slow") await new Promise((r) => setTimeout(r, 700));
        return ["0x00000000000000000000000000000000000000a1"];
      }
      if (method === "eth_chainId") return chain;
      if (method === "wallet_switchEthereumChain") {
        chain = params[0].chainId;
        return null;
      }
      if (method === "eth_signTypedData_v4") {
        if (mode === "reject") throw Object.assign(new Error("User rejected the request."), { code: 4001 });
        return window.__SIG ?? "SIGNATURE";
      }
      throw Object.assign(new Error("unsupported"), { code: 4200 });
    },
    on() {}, removeListener() {},
  };
  const wallets = [{ uuid: "6f1e0e4e-1d7a-4a45-9a43-3e2f0c1b5a01", name: "pay402 test wallet", rdns: "dev.pay402.test" }, { uuid: "6f1e0e4e-1d7a-4a45-9a43-3e2f0c1b5a02", name: evilName, rdns: "dev.pay402.evil" }];
  const announce = () => {
    for (const info of wallets) {
      window.dispatchEvent(new CustomEvent("eip6963:announceProvider", { detail: Object.freeze({ info: { ...info, icon: "data:image/svg+xml;base64,PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciIHZpZXdCb3g9IjAgMCAxIDEiPjxyZWN0IHdpZHRoPSIxIiBoZWlnaHQ9IjEiIGZpbGw9IiMwYjUzOTQiLz48L3N2Zz4=" }, provider }) }));
    }
  };
  window.addEventListener("eip6963:requestProvider", announce);
  announce();
};

// A Wallet-Standard wallet as wallets register themselves (the protocol of @wallet-standard/wallet's
// registerWallet): dispatch register-wallet, and listen for app-ready. Signs by appending 0xee.
const injectSolanaWallet = () => {
  const account = { address: "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin", publicKey: new Uint8Array(32), chains: ["solana:devnet"], features: ["solana:signTransaction"] };
  window.__signed = [];
  const wallet = {
    version: "1.0.0", name: "pay402 test Solana wallet", icon: "data:image/svg+xml;base64,PHN2Zy8+", chains: ["solana:devnet"], accounts: [account],
    features: {
      "standard:connect": { version: "1.0.0", connect: async () => ({ accounts: [account] }) },
      "solana:signTransaction": {
        version: "1.0.0", supportedTransactionVersions: ["legacy", 0],
        // "signs" into the payer's slot (signature 1, after the fee payer's): 64 bytes of 0xee
        signTransaction: async (...inputs) => inputs.map((i) => {
          window.__signed.push({ chain: i.chain, account: i.account.address, length: i.transaction.length });
          const signedTransaction = Uint8Array.from(i.transaction);
          signedTransaction.fill(0xee, 65, 129);
          return { signedTransaction };
        }),
      },
    },
  };
  const callback = ({ register }) => register(wallet);
  window.dispatchEvent(Object.assign(new Event("wallet-standard:register-wallet"), { detail: callback }));
  window.addEventListener("wallet-standard:app-ready", ({ detail }) => callback(detail));
};

const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox"] });
let failures = 0;
let n = 0;
async function step(name, fn) {
  try {
    await fn();
    console.log(`PASS ${name}`);
  } catch (err) {
    failures++;
    console.log(`FAIL ${name}\n${err.stack}`);
  }
}
async function newPage(width, mode, { colorScheme = "light" } = {}) {
  const context = await browser.newContext({ viewport: { width, height: 740 }, colorScheme });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => { if (m.type() === "error") console.log("console:", m.text()); });
  await page.addInitScript(injectWallet, { mode, evilName: EVIL });
  await page.addInitScript(injectSolanaWallet);
  await page.addInitScript((sig) => { window.__SIG = sig; }, SIGNATURE);
  // keyboard only: any mouse call fails the run
  for (const m of ["click", "dblclick", "down", "up", "move", "wheel"]) page.mouse[m] = () => { throw new Error(`mouse.${m} used`); };
  return { page, context, errors };
}
const active = (page) => page.evaluate(() => {
  const a = document.activeElement;
  return { tag: a.tagName, text: a.textContent.trim(), screen: a.closest("[data-screen]")?.dataset.screen ?? null };
});
const screen = (page) => page.evaluate(() => document.querySelector("[data-screen].active").dataset.screen);
async function waitScreen(page, name) {
  try {
    await page.waitForFunction((s) => document.querySelector("[data-screen].active")?.dataset.screen === s, name, { timeout: 5000 });
  } catch (err) {
    const [now, alert, detail] = await page.evaluate(() => [document.querySelector("[data-screen].active")?.dataset.screen, document.querySelector('[role="alert"]')?.textContent, document.querySelector('[data-screen="error"] [data-field="detail"]')?.textContent]);
    throw new Error(`waited for ${name}, the page is on ${now} (${alert ?? ""} ${detail ?? ""})`, { cause: err });
  }
  const a = await active(page);
  assert.equal(a.tag, "H2", `focus on ${name}'s heading (is on ${a.tag} "${a.text}")`);
  assert.equal(a.screen, name);
}
// axe-core on the page as it is (WCAG 2.0/2.1/2.2 A and AA rules): no violation.
const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
const axeChecked = [];
async function axe(page, state) {
  if (!(await page.evaluate(() => typeof window.axe === "object"))) await page.addScriptTag({ content: AXE });
  const v = await page.evaluate(async () => (await window.axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"] } }))
    .violations.map((x) => `${x.id}: ${x.nodes.map((nd) => nd.target.join(" ")).join(", ")}`));
  assert.deepEqual(v, [], `axe violations on ${state}`);
  axeChecked.push(state);
}
async function shot(page, state, width, { checkAxe = true } = {}) {
  if (checkAxe) await axe(page, `${state}-${width}`);
  n++;
  await page.screenshot({ path: join(shots, `${String(n).padStart(2, "0")}-${state}-${width}.png`), fullPage: true });
}
async function noHorizontalScroll(page) {
  const [sw, cw] = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
  assert.ok(sw <= cw, `horizontal scroll: ${sw} > ${cw}`);
}
async function tabTo(page, text, max = 12) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press("Tab");
    const a = await active(page);
    if (a.text === text || a.text.endsWith(text)) return a;
  }
  throw new Error(`Tab never reached "${text}"`);
}

await step("axe-core finds violations where there are some (the check can fail)", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.setContent('<html><body><input type="text"><img src="data:image/png;base64,iVBORw0KGgo="></body></html>');
  await assert.rejects(axe(page, "known-bad"), /axe violations/);
  axeChecked.pop();
  await context.close();
});

for (const width of [360, 1280]) {
  await step(`EVM offer paid with the keyboard only at ${width} px`, async () => {
    const { page, context, errors } = await newPage(width, "ok");
    const before = paid.length;
    await page.goto(`${base}/article`);
    await waitScreen(page, "offers");
    assert.equal(await page.title(), "The article <b>not bold</b>");
    await noHorizontalScroll(page);
    await shot(page, "offers", width);
    const box = () => page.evaluate(() => { const r = document.querySelector(".screens").getBoundingClientRect(); return [r.top, r.height]; });
    const offersBox = await box();
    // the offers: a radio group; the permit2 offer is disabled ("pay with an agent")
    await page.keyboard.press("Tab");
    let a = await active(page);
    assert.equal(a.tag, "INPUT");
    const radios = await page.$$eval('input[name="offer"]', (rs) => rs.map((r) => [r.value, r.disabled, r.checked]));
    assert.deepEqual(radios, [["0", false, true], ["1", true, false], ["2", false, false]]);
    await tabTo(page, "Continue");
    await page.keyboard.press("Enter");
    await waitScreen(page, "wallets");
    const walletTexts = await page.$$eval('[data-list="wallets"] button', (bs) => bs.map((b) => b.textContent));
    assert.deepEqual(walletTexts, ["pay402 test wallet", EVIL], "the wallet name with markup is shown as text");
    assert.equal(await page.textContent('[data-screen="wallets"] h2'), `Choose a wallet ${EVIL}`);
    await noHorizontalScroll(page);
    await shot(page, "wallets", width);
    assert.deepEqual(await box(), offersBox, "no layout shift from offers to wallets");
    await tabTo(page, "pay402 test wallet");
    await page.keyboard.press("Enter");
    await waitScreen(page, "review");
    const facts = await page.$$eval('[data-list="review"] dd', (dd) => dd.map((d) => d.textContent));
    assert.deepEqual(facts, ["0.01 USDC", "eip155:84532", "0x209693Bc6afc0C5328bA36FaF03C514EF312287C", "pay402 test wallet", "0x00000000000000000000000000000000000000a1"]);
    await noHorizontalScroll(page);
    await shot(page, "review", width);
    assert.deepEqual(await box(), offersBox, "no layout shift when the wallet answers (review)");
    a = await tabTo(page, "Pay");
    const ring = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
    assert.equal(ring, "solid", "the focus ring is visible");
    await page.keyboard.press("Enter");
    await waitScreen(page, "paid");
    assert.equal(await page.textContent('[data-field="content"] pre'), "The paid article text.");
    const receipt = await page.$$eval('[data-list="receipt"] dd', (dd) => dd.map((d) => d.textContent));
    assert.deepEqual(receipt, ["0xfeed", "eip155:84532", "0x00000000000000000000000000000000000000a1"]);
    await noHorizontalScroll(page);
    await shot(page, "paid", width);
    assert.equal(paid.length, before + 1, "one paid request");
    assert.equal(paid.at(-1).payload.signature, SIGNATURE, "the header carries the wallet's signature");
    const calls = await page.evaluate(() => window.__calls.map((c) => c.method));
    assert.deepEqual(calls, ["eth_requestAccounts", "eth_chainId", "eth_signTypedData_v4"]);
    assert.equal(await page.evaluate(() => window.__pwned), undefined, "no markup ran");
    assert.deepEqual(errors, []);
    await context.close();
  });
}

// No layout shift: the card's screen box keeps its size from first paint through the wallet's
// late answer (the box check), and Chrome's layout-shift entries stay empty (CLS = 0). The box
// check is shown able to fail on a layout with inactive screens `display:none`.
for (const broken of [true, false]) await step(broken
  ? "the layout check can fail: with inactive screens display:none the box changes"
  : "no layout shift when the wallet answers 700 ms later (same box, CLS = 0)", async () => {
  const { page, context, errors } = await newPage(360, "slow");
  if (broken) await page.addInitScript(() => document.addEventListener("DOMContentLoaded", () => {
    const st = document.createElement("style");
    st.textContent = ".screens>section:not(.active){display:none}";
    document.head.append(st);
  }));
  await page.addInitScript(() => {
    window.__shifts = [];
    new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__shifts.push(e.value); }).observe({ type: "layout-shift", buffered: true });
  });
  const box = () => page.evaluate(() => { const r = document.querySelector(".screens").getBoundingClientRect(); return [r.top, r.height]; });
  await page.goto(`${base}/article`);
  await waitScreen(page, "offers");
  const first = await box();
  await tabTo(page, "Continue");
  await page.keyboard.press("Enter");
  await waitScreen(page, "wallets");
  await tabTo(page, "pay402 test wallet");
  await page.keyboard.press("Enter");
  await waitScreen(page, "connecting");
  const connecting = await box();
  if (!broken) await shot(page, "connecting", 360);
  await waitScreen(page, "review");
  await page.waitForTimeout(200);
  const review = await box();
  const shifts = await page.evaluate(() => window.__shifts);
  if (broken) {
    assert.notDeepEqual(connecting, review, "the broken layout changes size when the wallet answers");
  } else {
    assert.deepEqual([connecting, review], [first, first], "the screen box never changes");
    assert.deepEqual(shifts, [], "layout-shift entries");
  }
  assert.deepEqual(errors, []);
  await context.close();
});

for (const [path, themed] of [["/article", true], ["/plain", false]]) {
  await step(`dark colour scheme${themed ? " with the server's light theme" : ", default theme"}: axe (contrast included) passes on offers, wallets, error`, async () => {
    const { page, context, errors } = await newPage(360, "reject", { colorScheme: "dark" });
    await page.goto(`${base}${path}`);
    await waitScreen(page, "offers");
    await shot(page, `offers-dark${themed ? "-themed" : ""}`, 360);
    assert.equal(await page.evaluate(() => getComputedStyle(document.documentElement).colorScheme), themed ? "light" : "dark", "native controls follow the theme's background");
    await tabTo(page, "Continue");
    await page.keyboard.press("Enter");
    await waitScreen(page, "wallets");
    await shot(page, `wallets-dark${themed ? "-themed" : ""}`, 360);
    await tabTo(page, "pay402 test wallet");
    await page.keyboard.press("Enter");
    await waitScreen(page, "review");
    await tabTo(page, "Pay");
    await page.keyboard.press("Enter");
    await waitScreen(page, "error");
    await shot(page, `error-dark${themed ? "-themed" : ""}`, 360);
    assert.deepEqual(errors, []);
    await context.close();
  });
}

await step("a wallet refusal (4001) shows its message and sends no payment", async () => {
  const { page, context, errors } = await newPage(360, "reject");
  const before = paid.length;
  await page.goto(`${base}/article`);
  await waitScreen(page, "offers");
  await tabTo(page, "Continue");
  await page.keyboard.press("Enter");
  await waitScreen(page, "wallets");
  await tabTo(page, "pay402 test wallet");
  await page.keyboard.press("Enter");
  await waitScreen(page, "review");
  await tabTo(page, "Pay");
  await page.keyboard.press("Enter");
  await waitScreen(page, "error");
  assert.equal(await page.textContent('[role="alert"]'), "You declined the request in your wallet. Nothing was paid.");
  assert.deepEqual(await page.$$eval('[data-list="actions"] button', (bs) => bs.map((b) => b.textContent)), ["Try again", "Choose another offer"]);
  await shot(page, "error", 360);
  await tabTo(page, "Try again");
  await page.keyboard.press("Enter");
  await waitScreen(page, "review");
  assert.equal(paid.length, before);
  assert.deepEqual(errors, []);
  await context.close();
});

await step("a wallet on another network: the network screen switches it (EIP-3326), then review", async () => {
  const { page, context, errors } = await newPage(360, "wrong-chain");
  await page.goto(`${base}/html`);
  await waitScreen(page, "wallets");
  await tabTo(page, "pay402 test wallet");
  await page.keyboard.press("Enter");
  await waitScreen(page, "network");
  await shot(page, "network", 360);
  await tabTo(page, "Switch network");
  await page.keyboard.press("Enter");
  await waitScreen(page, "review");
  const calls = await page.evaluate(() => window.__calls);
  assert.deepEqual(calls.find((c) => c.method === "wallet_switchEthereumChain").params, [{ chainId: "0x14a34" }]);
  assert.deepEqual(errors, []);
  await context.close();
});

await step("insufficient balance (RPC configured): the message, Pay never offered, no payment", async () => {
  const { page, context, errors } = await newPage(360, "ok");
  const before = paid.length;
  await page.goto(`${base}/low`);
  await waitScreen(page, "wallets");
  await tabTo(page, "pay402 test wallet");
  await page.keyboard.press("Enter");
  await waitScreen(page, "error");
  assert.equal(await page.textContent('[role="alert"]'), "The balance of this account is below the price.");
  assert.equal(await page.textContent('[data-screen="error"] [data-field="detail"]'), "Price: 0.01 USDC");
  const call = rpcCalls.filter((c) => c.method === "eth_call").at(-1);
  assert.equal(call.params[0].to.toLowerCase(), required.accepts[0].asset.toLowerCase(), "addresses are case-insensitive in JSON-RPC");
  assert.deepEqual(await page.$$eval('[data-list="actions"] button', (bs) => bs.map((b) => b.textContent)), ["Try again"]);
  await shot(page, "insufficient-balance", 360);
  const calls = await page.evaluate(() => window.__calls.map((c) => c.method));
  assert.ok(!calls.includes("eth_signTypedData_v4"));
  assert.equal(paid.length, before);
  assert.deepEqual(errors, []);
  await context.close();
});

await step("L402: the invoice as text and a labelled QR code", async () => {
  const { page, context, errors } = await newPage(360, "ok");
  await page.goto(`${base}/l402`);
  await waitScreen(page, "invoice");
  assert.equal(await page.inputValue("#pay402-invoice"), "lnbcrt10u1pjq0000qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypq");
  assert.equal(await page.getAttribute("[data-qr]", "aria-label"), "QR code of the Lightning invoice");
  assert.ok((await page.getAttribute("[data-qr] path", "d")).length > 100);
  await noHorizontalScroll(page);
  await shot(page, "invoice", 360);
  assert.deepEqual(errors, []);
  await context.close();
});

await step("Solana offer paid with the keyboard only through a Wallet-Standard wallet", async () => {
  const { page, context, errors } = await newPage(360, "ok");
  const before = paid.length;
  await page.goto(`${base}/sol`);
  await waitScreen(page, "wallets");
  assert.deepEqual(await page.$$eval('[data-list="wallets"] button', (bs) => bs.map((b) => b.textContent)), ["pay402 test Solana wallet"], "only the Solana wallet for a Solana offer");
  await tabTo(page, "pay402 test Solana wallet");
  await page.keyboard.press("Enter");
  await waitScreen(page, "review");
  await shot(page, "review-solana", 360);
  await tabTo(page, "Pay");
  await page.keyboard.press("Enter");
  await waitScreen(page, "paid");
  assert.equal(await page.textContent('[data-field="content"] pre'), "Paid with Solana.");
  assert.deepEqual(rpcCalls.slice(-3).map((c) => c.method), ["getLatestBlockhash", "getAccountInfo", "getTokenAccountsByOwner"]);
  const signed = await page.evaluate(() => window.__signed);
  assert.equal(signed.length, 1);
  assert.equal(signed[0].chain, "solana:devnet");
  assert.equal(paid.length, before + 1);
  const tx = Buffer.from(paid.at(-1).payload.transaction, "base64");
  assert.equal(tx.length, signed[0].length);
  assert.ok(tx.subarray(65, 129).every((b) => b === 0xee), "the header carries what the wallet signed");
  assert.ok(tx.subarray(1, 65).every((b) => b === 0), "the fee payer's slot is left to the facilitator");
  assert.ok(tx.includes(unb58(PAYER_TOKEN)), "from the payer's token account the RPC listed");
  assert.ok(tx.includes(unb58(PAYEE_TOKEN)), "to the payee's account of the mint's program (SPL Token)");
  assert.ok(!tx.includes(unb58(PAYEE_TOKEN_2022)));
  await shot(page, "paid-solana", 360);
  assert.deepEqual(errors, []);
  await context.close();
});

await step("paid HTML replaces the document at the same URL", async () => {
  const { page, context, errors } = await newPage(360, "ok");
  await page.goto(`${base}/html`);
  await waitScreen(page, "wallets");
  await tabTo(page, "pay402 test wallet");
  await page.keyboard.press("Enter");
  await waitScreen(page, "review");
  await tabTo(page, "Pay");
  await page.keyboard.press("Enter");
  await page.waitForSelector("#paid", { timeout: 5000 });
  assert.equal(await page.title(), "Paid page");
  assert.equal(page.url(), `${base}/html`);
  assert.equal(await page.evaluate(() => new URL(document.querySelector("a").href).pathname), "/next", "relative links resolve against the paid URL");
  await shot(page, "paid-html", 360, { checkAxe: false }); // the seller's HTML, not the page
  assert.deepEqual(errors, []);
  await context.close();
});

const PREIMAGE = "0001020304050607080900010203040506070809000102030405060708090102";
await step("showReceipt: paid HTML waits behind the receipt and an 'Open the content' button", async () => {
  const { page, context, errors } = await newPage(360, "ok");
  await page.goto(`${base}/html-receipt`);
  await waitScreen(page, "wallets");
  await tabTo(page, "pay402 test wallet");
  await page.keyboard.press("Enter");
  await waitScreen(page, "review");
  await tabTo(page, "Pay");
  await page.keyboard.press("Enter");
  await waitScreen(page, "paid");
  assert.deepEqual(await page.$$eval('[data-list="receipt"] dd', (dd) => dd.map((d) => d.textContent)), ["0xbeef", "eip155:84532", "0x00000000000000000000000000000000000000a1"]);
  await shot(page, "paid-receipt", 360);
  await tabTo(page, "Open the content");
  await page.keyboard.press("Enter");
  await page.waitForSelector("#paid", { timeout: 5000 });
  assert.equal(page.url(), `${base}/html-receipt`);
  assert.deepEqual(errors, []);
  await context.close();
});

await step("L402 through WebLN: one button, the preimage in the Authorization header, the content", async () => {
  const { page, context, errors } = await newPage(360, "ok");
  await page.addInitScript((preimage) => {
    window.__webln = [];
    window.webln = { enable: async () => { window.__webln.push("enable"); }, sendPayment: async (inv) => { window.__webln.push(inv); return { preimage }; } };
  }, PREIMAGE);
  const before = paid.length;
  await page.goto(`${base}/l402`);
  await waitScreen(page, "invoice");
  await tabTo(page, "Pay with a WebLN wallet");
  await page.keyboard.press("Enter");
  await waitScreen(page, "paid");
  assert.equal(await page.textContent('[data-field="content"] pre'), "Paid with Lightning.");
  assert.deepEqual(await page.evaluate(() => window.__webln), ["enable", "lnbcrt10u1pjq0000qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypq"]);
  assert.equal(paid.length, before + 1);
  assert.ok(paid.at(-1).authorization.includes(PREIMAGE));
  assert.ok(paid.at(-1).authorization.includes("AgELbHNhdC50ZXN0"));
  assert.deepEqual(errors, []);
  await context.close();
});

await step("L402 without WebLN: a pasted preimage, typed with the keyboard; a malformed one is refused first", async () => {
  const { page, context, errors } = await newPage(360, "ok");
  const before = paid.length;
  await page.goto(`${base}/l402`);
  await waitScreen(page, "invoice");
  assert.equal(await page.isVisible('[data-action="webln"]'), false);
  await tabTo(page, "Copy invoice");
  await page.keyboard.press("Tab");
  await page.keyboard.type("not a preimage");
  await page.keyboard.press("Enter");
  await waitScreen(page, "error");
  assert.equal(await page.textContent('[role="alert"]'), "A preimage is 64 hexadecimal characters.");
  assert.equal(paid.length, before);
  await tabTo(page, "Try again");
  await page.keyboard.press("Enter");
  await waitScreen(page, "invoice");
  await page.fill("#pay402-preimage", "");
  await tabTo(page, "Copy invoice");
  await page.keyboard.press("Tab");
  await page.keyboard.type(PREIMAGE.toUpperCase());
  await page.keyboard.press("Enter");
  await waitScreen(page, "paid");
  assert.equal(paid.length, before + 1);
  assert.ok(paid.at(-1).authorization.includes(PREIMAGE), "normalized to lower case");
  await shot(page, "paid-l402", 360);
  assert.deepEqual(errors, []);
  await context.close();
});

if (WEB_DIR) {
  for (const path of ["/glue", "/hosted"]) {
    await step(`real wasm-bindgen glue (${WEB_DIR}) instantiates ${path === "/glue" ? "inline (base64)" : "hosted (paywall_bg.wasm beside paywall.js)"}`, async () => {
      const { page, context, errors } = await newPage(360, "ok");
      const before = served.length;
      await page.goto(`${base}${path}`);
      await waitScreen(page, "offers");
      assert.equal(await page.$$eval('[data-list="offers"] input:not([disabled])', (i) => i.length), 2, "two payable offers, the Permit2 one listed unpayable");
      assert.equal(served.slice(before).includes("/h/paywall_bg.wasm"), path === "/hosted");
      assert.deepEqual(errors, []);
      await context.close();
    });
  }
}

await browser.close();
server.close();
console.log(`screenshots: ${shots} (${n}); axe-core: 0 violations required on ${axeChecked.length} states`);
if (failures) {
  console.log(`FAIL ${failures} browser smoke step(s)`);
  process.exit(1);
}
