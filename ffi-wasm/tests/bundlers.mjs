// The package as bundlers see it: one small app imports `pay402` and `pay402/verify` and is
// bundled with NO configuration beyond its entry and output by
//   esbuild  --bundle (browser, iife: its default)   esbuild --bundle --platform=node (cjs)
//   vite build (index.html → dist/)                    webpack (webpack-cli: --entry, --output-path;
//   rollup with @rollup/plugin-node-resolve            and --target node)
//   (--plugin: the standard way Rollup finds packages)
// (esbuild reporting any warning fails too). Every bundle is copied ALONE into an empty directory
// (no node_modules, no .wasm beside it) and run by node; the browser bundles are also loaded in
// headless Chromium from a node:http server on 127.0.0.1 (skipped with SKIP_BROWSER=1). Each run
// must compute the same answers as viem, which this script asks independently: an x402 v2
// EIP-3009 payment signed by viem verified by `x402Verify` of both entries (payer, amount,
// nonce), the same authorization signed by another key refused, the header decoded, a keccak256.
// Reported, not pass/fail: each bundle's size raw and gzip -9, and the cost of each loading
// strategy (the .wasm file vs the inlined base64: gzip size, Node import time).
//   node bundlers.mjs <README.md>  (inside a project where pay402, the bundlers and viem are installed)
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { dirname, extname, join, relative, resolve } from "node:path";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";
import { keccak256, toBytes } from "viem";
import { privateKeyToAccount } from "viem/accounts";

const run = promisify(execFile);
const APP = resolve("bundler-app");
const t = { passed: 0, failed: 0 };
const ok = (name) => { t.passed++; console.log(`ok   ${name}`); };
const fail = (name, e) => { t.failed++; console.log(`FAIL ${name}: ${String(e?.stack ?? e).slice(0, 3000)}`); };

// ------------------------------------------------ the case, and what viem says about it
const NOW = 1767225600;
const offer = { scheme: "exact", network: "eip155:84532", amount: "10000", asset: "0x036CbD53842c5426634e7929541eC2318f3dCF7e",
  payTo: "0x209693Bc6afc0C5328bA36FaF03C514EF312287C", maxTimeoutSeconds: 60, extra: { name: "USDC", version: "2" } };
const payer = privateKeyToAccount(`0x${"11".repeat(32)}`);
const other = privateKeyToAccount(`0x${"22".repeat(32)}`);
const authorization = { from: payer.address, to: offer.payTo, value: offer.amount, validAfter: String(NOW - 600),
  validBefore: String(NOW + 60), nonce: `0x${"42".repeat(32)}` };
// EIP-3009 TransferWithAuthorization, typed per EIP-712 (https://eips.ethereum.org/EIPS/eip-3009)
const typed = {
  domain: { name: "USDC", version: "2", chainId: 84532, verifyingContract: offer.asset },
  types: { TransferWithAuthorization: [
    { name: "from", type: "address" }, { name: "to", type: "address" }, { name: "value", type: "uint256" },
    { name: "validAfter", type: "uint256" }, { name: "validBefore", type: "uint256" }, { name: "nonce", type: "bytes32" }] },
  primaryType: "TransferWithAuthorization",
  message: { ...authorization, value: BigInt(authorization.value), validAfter: BigInt(authorization.validAfter), validBefore: BigInt(authorization.validBefore) },
};
// the x402 v2 PaymentPayload (<https://github.com/coinbase/x402/blob/main/specs/x402-specification-v2.md>, `PaymentPayload`)
const header = (signature) => Buffer.from(JSON.stringify({ x402Version: 2, resource: { url: "https://shop.example/premium" },
  accepted: offer, payload: { signature, authorization } })).toString("base64");
const CASE = {
  requirements: JSON.stringify(offer), now: NOW,
  payment: header(await payer.signTypedData(typed)),
  forged: header(await other.signTypedData(typed)), // signed by another key, still claiming `from: payer`
  text: "pay402 bundled",
};
const EXPECT = {
  payer: payer.address.toLowerCase(), amount: offer.amount, nonce: authorization.nonce,
  verifyPayer: payer.address.toLowerCase(), forged: "X402Error", decodedVersion: 2, decodedFrom: payer.address.toLowerCase(),
  keccak: keccak256(toBytes(CASE.text)),
};

// ------------------------------------------------ the apps
// app.mjs: `pay402` and `pay402/verify`, as a user imports them; web.mjs (vite only): the
// README's `pay402/web` example with the .wasm as a file (`?url`) before the same checks
const README = readFileSync(process.argv[2], "utf8");
const block = (marker, lang) => {
  const m = README.match(new RegExp(`<!-- ${marker}[^>]*-->\n\`\`\`${lang}\n([\\s\\S]*?)\`\`\``));
  assert.ok(m, `README: no \`<!-- ${marker} -->\` block`);
  return m[1];
};
const CHECKS = (imports) => `${imports}

const hex = (bytes) => "0x" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
let line;
try {
  const v = x402Verify(CASE.requirements, CASE.payment, CASE.now);
  const w = verifyOnly(CASE.requirements, CASE.payment, CASE.now);
  let forged = "accepted";
  try { x402Verify(CASE.requirements, CASE.forged, CASE.now); } catch (e) { forged = e.name; }
  const decoded = x402DecodeHeader("payment_payload", CASE.payment);
  line = "RESULT " + JSON.stringify({
    payer: v.payer.toLowerCase(), amount: v.amount.toString(), nonce: hex(v.nonce), verifyPayer: w.payer.toLowerCase(), forged,
    decodedVersion: decoded.x402Version, decodedFrom: JSON.parse(decoded.json).payload.authorization.from.toLowerCase(),
    keccak: hex(keccak256(new TextEncoder().encode(CASE.text))),
  });
} catch (e) {
  line = "ERROR " + (e && e.stack || e);
}
if (typeof document !== "undefined") document.getElementById("out").textContent = line;
else console.log(line);
`;
const APPS = {
  ".": CHECKS(`import { x402Verify, x402DecodeHeader, keccak256 } from "pay402";
import { x402Verify as verifyOnly } from "pay402/verify";
import CASE from "./case.mjs";`),
  "vite-web": CHECKS(`${block("vite example", "js")}import { x402Verify, x402Verify as verifyOnly, x402DecodeHeader, keccak256 } from "pay402/web";
import CASE from "./case.mjs";`),
  // CommonJS: require() cannot wait for a top-level await, so webpack gets bundler.mjs here
  "cjs": CHECKS(`const { x402Verify, x402DecodeHeader, keccak256 } = require("pay402");
const { x402Verify: verifyOnly } = require("pay402/verify");
const CASE = require("./case.cjs");`),
};
rmSync(APP, { recursive: true, force: true });
for (const [sub, source] of Object.entries(APPS)) {
  const dir = join(APP, sub);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "pay402-bundler-app", private: true, type: "module" }, null, 2));
  writeFileSync(join(dir, sub === "cjs" ? "app.cjs" : "app.mjs"), source);
  writeFileSync(join(dir, "case.mjs"), `export default ${JSON.stringify(CASE)};\n`);
  writeFileSync(join(dir, "case.cjs"), `module.exports = ${JSON.stringify(CASE)};\n`);
  writeFileSync(join(dir, "index.html"), '<!doctype html>\n<pre id="out">pending</pre>\n<script type="module" src="./app.mjs"></script>\n');
  symlinkSync(relative(dir, resolve("node_modules")), join(dir, "node_modules"));
}

// ------------------------------------------------ the bundlers, as their CLIs come
const pkgDir = (pkg) => resolve("node_modules", pkg); // the project's (some packages do not export ./package.json)
const node = process.execPath;
const CLI = {
  esbuild: [join(pkgDir("esbuild"), "bin", "esbuild")],
  vite: [node, join(pkgDir("vite"), "bin", "vite.js")],
  webpack: [node, join(pkgDir("webpack-cli"), "bin", "cli.js")],
  rollup: [node, join(pkgDir("rollup"), "dist", "bin", "rollup")],
};
// line: the command as the README shows it (after `npx `); expect: [.wasm files emitted, .wasm inlined]
const builds = [
  { name: "esbuild (browser, iife)", line: "esbuild app.mjs --bundle --outfile=dist/esbuild-browser.js",
    out: "dist/esbuild-browser.js", page: "classic", node: true, expect: [0, 2], noWarnings: true },
  { name: "esbuild --platform=node (cjs)", line: "esbuild app.mjs --bundle --platform=node --outfile=dist/esbuild-node.cjs",
    out: "dist/esbuild-node.cjs", page: null, node: true, expect: [0, 2], noWarnings: true },
  // vite's output is for browsers (its modulepreload polyfill reads `document`): Chromium only
  { name: "vite build", line: "vite build --outDir dist/vite", out: "dist/vite", page: "vite", node: false, expect: [0, 2] },
  // webpack for browsers gets the .wasm as a file (webpack.mjs: new URL + top-level await), which
  // its web runtime finds from the page's <script> (no `document` in node: Chromium only)
  { name: "webpack 5 (webpack-cli)", line: "webpack --entry ./app.mjs --output-path dist/webpack",
    out: "dist/webpack/main.js", page: "classic", node: false, expect: [2, 0] },
  { name: "webpack 5 --target node", line: "webpack --entry ./app.mjs --output-path dist/webpack-node --target node",
    out: "dist/webpack-node/main.js", page: null, node: true, expect: [0, 2] },
  { name: "rollup + @rollup/plugin-node-resolve (es)", line: "rollup app.mjs --file dist/rollup.mjs --plugin @rollup/plugin-node-resolve",
    out: "dist/rollup.mjs", page: "module", node: true, expect: [0, 2] },
  { name: "webpack 5, a CommonJS app (require)", dir: "cjs", line: "webpack --entry ./app.cjs --output-path dist/webpack",
    out: "cjs/dist/webpack/main.js", page: "classic", node: false, expect: [0, 2] },
  { name: "vite build, README's pay402/web + ?url example", dir: "vite-web", line: "vite build --outDir dist/vite",
    out: "vite-web/dist/vite", page: "vite", node: false, expect: [1, 0] },
];
const commands = block("bundler commands", "sh").trim().split("\n");
assert.deepEqual(commands, builds.filter((b) => !b.dir).map((b) => `npx ${b.line}`), "the README's bundler commands are the ones tested");
for (const b of builds) {
  const [tool, ...args] = b.line.split(" ");
  b.cmd = [CLI[tool][0], [...CLI[tool].slice(1), ...args]];
}
const versions = {};
for (const pkg of ["esbuild", "vite", "webpack", "webpack-cli", "rollup", "@rollup/plugin-node-resolve"]) {
  versions[pkg] = JSON.parse(readFileSync(join(pkgDir(pkg), "package.json"), "utf8")).version;
}
console.log(`bundlers: ${Object.entries(versions).map(([k, v]) => `${k} ${v}`).join(", ")}`);

// the file a built bundle's page loads (vite: the one .js it emitted)
function mainFile(b) {
  if (b.page !== "vite") return join(APP, b.out);
  const assets = join(APP, b.out, "assets");
  const js = readdirSync(assets).filter((f) => f.endsWith(".js"));
  assert.equal(js.length, 1, `vite emitted ${js.join(", ")}`);
  return join(assets, js[0]);
}

// runs a bundle alone: copied into an empty directory, nothing to resolve next to it
// (bare: without Buffer and Uint8Array.fromBase64, so the inlined bytes are decoded by atob, as
// in a browser that lacks fromBase64)
const BARE = "delete globalThis.Buffer; delete Uint8Array.fromBase64;";
async function runAlone(file, ext, { bare = false } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "pay402-bundle-"));
  try {
    const copy = join(dir, `bundle${ext}`);
    cpSync(file, copy);
    const args = bare ? ["-e", `${BARE} require(${JSON.stringify(copy)});`] : [copy];
    const { stdout } = await run(node, args, { cwd: dir, timeout: 60_000 });
    return stdout.trim().split("\n").pop();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
const expectLine = (line, where) => {
  assert.ok(line.startsWith("RESULT "), `${where}: ${line}`);
  assert.deepEqual(JSON.parse(line.slice(7)), EXPECT, where);
};

const sizes = [];
for (const b of builds) {
  try {
    const [cmd, args] = b.cmd;
    const { stdout, stderr } = await run(cmd, args, { cwd: join(APP, b.dir ?? "."), timeout: 300_000, env: { ...process.env, NO_COLOR: "1" } });
    if (b.noWarnings) assert.ok(!/warning/i.test(stderr), `${b.name} warned:\n${stderr}`);
    const file = mainFile(b);
    assert.ok(existsSync(file), `${b.name}: no ${file}\n${stdout}\n${stderr}`);
    // each .wasm the app uses is either inside the bundle (base64 of "\0asm" is AGFzbQ) or emitted
    // next to it, never both
    const emitted = readdirSync(dirname(file)).filter((f) => f.endsWith(".wasm"));
    const raw = readFileSync(file);
    const inlined = (raw.toString("latin1").match(/["'`]AGFzbQ/g) ?? []).length;
    assert.deepEqual([emitted.length, inlined], b.expect, `${b.name}: emitted ${emitted.join(", ") || "no .wasm"}, ${inlined} inlined`);
    const wasmBytes = emitted.map((f) => readFileSync(join(dirname(file), f)));
    b.assets = new Map(emitted.map((f, i) => [f, wasmBytes[i]]));
    const gzWasm = wasmBytes.reduce((n, w) => n + gzipSync(w, { level: 9 }).length, 0);
    sizes.push(`${b.name}: ${raw.length} B, gzip -9 ${gzipSync(raw, { level: 9 }).length} B` +
      (emitted.length ? ` + ${emitted.length} .wasm ${wasmBytes.reduce((n, w) => n + w.length, 0)} B, gzip -9 ${gzWasm} B` : " (both .wasm inlined)"));
    ok(`${b.name}: built with no configuration${b.noWarnings ? ", no warning" : ""}`);
    b.file = file;
  } catch (e) {
    fail(`${b.name}: build`, e);
    continue;
  }
  if (!b.node) continue;
  try {
    const ext = extname(b.file) === ".cjs" ? ".cjs" : b.page === "module" || b.page === "vite" ? ".mjs" : ".cjs";
    expectLine(await runAlone(b.file, ext), `${b.name} in node`);
    ok(`${b.name}: the bundle alone in node computes viem's answers (payer, amount, nonce, forged refused, decode, keccak256)`);
  } catch (e) {
    fail(`${b.name}: in node`, e);
  }
  if (b.page !== "classic") continue;
  try {
    expectLine(await runAlone(b.file, ".cjs", { bare: true }), `${b.name} in node without Buffer`);
    ok(`${b.name}: the same without Buffer and Uint8Array.fromBase64 (the inlined .wasm decoded by atob)`);
  } catch (e) {
    fail(`${b.name}: in node without Buffer`, e);
  }
}

// ------------------------------------------------ Chromium
async function chromium(url) {
  const profile = mkdtempSync(join(tmpdir(), "pay402-chromium-"));
  try {
    const child = spawn("chromium", ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
      "--disable-component-update", "--no-first-run", `--user-data-dir=${profile}`, "--virtual-time-budget=20000", "--dump-dom", url],
    { stdio: ["ignore", "pipe", "ignore"] });
    let dom = "";
    child.stdout.on("data", (d) => (dom += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 90_000);
    await new Promise((r) => child.on("exit", r));
    clearTimeout(timer);
    const m = dom.match(/<pre id="out">([^<]*)<\/pre>/);
    return m ? m[1].replaceAll("&quot;", '"').replaceAll("&amp;", "&").replaceAll("&lt;", "<").replaceAll("&gt;", ">") : `no output: ${dom.slice(0, 400)}`;
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}
if (process.env.SKIP_BROWSER) {
  console.log("skipped: Chromium (SKIP_BROWSER)");
} else {
  const TYPES = { ".js": "text/javascript", ".mjs": "text/javascript", ".html": "text/html", ".wasm": "application/wasm" };
  // each browser bundle's own page: the bundle and nothing else is served
  const pages = new Map();
  for (const b of builds.filter((x) => x.page && x.file)) {
    const slug = b.out.replace(/[^a-z]+/g, "-");
    const files = new Map();
    if (b.page === "vite") {
      const root = join(APP, b.out);
      files.set("/index.html", readFileSync(join(root, "index.html")));
      files.set(`/assets/${b.file.split("/").pop()}`, readFileSync(b.file));
      for (const [f, bytes] of b.assets) files.set(`/assets/${f}`, bytes);
    } else {
      const script = b.page === "module" ? '<script type="module" src="bundle.js"></script>' : '<script src="bundle.js"></script>';
      // a classic script runs before the <pre> exists unless it comes after it
      files.set("/index.html", Buffer.from(`<!doctype html>\n<pre id="out">pending</pre>\n${script}\n`));
      files.set("/bundle.js", readFileSync(b.file));
      for (const [f, bytes] of b.assets) files.set(`/${f}`, bytes);
    }
    pages.set(slug, { b, files });
  }
  const server = createServer((req, res) => {
    const path = new URL(req.url, "http://x").pathname;
    const [, slug, ...rest] = path.split("/");
    // vite's pages name their files /assets/<name>-<hash>.<ext> (its default base is "/")
    const body = path.startsWith("/assets/")
      ? [...pages.values()].map((pg) => pg.files.get(path)).find((f) => f !== undefined)
      : pages.get(slug)?.files.get(`/${rest.join("/")}`);
    if (!body) { res.writeHead(404).end(); return; }
    res.writeHead(200, { "content-type": TYPES[extname(path)] ?? "application/octet-stream" }).end(body);
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const base = `http://127.0.0.1:${server.address().port}`;
  try {
    for (const [slug, { b }] of pages) {
      try {
        expectLine(await chromium(`${base}/${slug}/index.html`), `${b.name} in Chromium`);
        ok(`${b.name}: the bundle in headless Chromium computes viem's answers`);
      } catch (e) {
        fail(`${b.name}: in Chromium`, e);
      }
    }
  } finally {
    server.close();
  }
}

// ------------------------------------------------ the cost of each loading strategy (report)
const PAY402 = pkgDir("pay402");
const gz = (buf) => gzipSync(buf, { level: 9 }).length;
console.log("---- loading strategies (report)");
for (const [entry, dir] of [["pay402", PAY402], ["pay402/verify", join(PAY402, "verify")]]) {
  const wasm = readFileSync(join(dir, "web", "pay402_bg.wasm"));
  const inline = readFileSync(join(dir, "pay402_bg.inline.mjs"));
  console.log(`${entry}: .wasm ${wasm.length} B, gzip -9 ${gz(wasm)} B; inlined base64 module ${inline.length} B, gzip -9 ${gz(inline)} B (+${gz(inline) - gz(wasm)} B, +${((gz(inline) / gz(wasm) - 1) * 100).toFixed(0)} %)`);
}
// Node import time of the entry, fresh process each, median of 7: the .wasm read from disk
// (index.mjs, Node's `import`) vs the inlined base64 (bundler.mjs, what bundlers get)
async function importMs(file) {
  const code = `const t0 = performance.now(); await import(${JSON.stringify(file)}); console.log(performance.now() - t0);`;
  const times = [];
  for (let i = 0; i < 7; i++) {
    const { stdout } = await run(node, ["--input-type=module", "-e", code]);
    times.push(Number(stdout));
  }
  return times.sort((a, b) => a - b)[3].toFixed(1);
}
// and the bytes alone: loading + decoding the base64 module vs reading the file
async function bytesMs(dir) {
  const code = `import { readFileSync } from "node:fs";
const t0 = performance.now(); await import(${JSON.stringify(join(dir, "pay402_bg.inline.mjs"))}); const t1 = performance.now();
readFileSync(${JSON.stringify(join(dir, "web", "pay402_bg.wasm"))}); console.log(t1 - t0, performance.now() - t1);`;
  const inline = [], file = [];
  for (let i = 0; i < 7; i++) {
    const [a, b] = (await run(node, ["--input-type=module", "-e", code])).stdout.trim().split(" ").map(Number);
    inline.push(a); file.push(b);
  }
  const med = (xs) => xs.sort((a, b) => a - b)[3].toFixed(1);
  return `the bytes: base64 module loaded and decoded ${med(inline)} ms, file read ${med(file)} ms`;
}
for (const [entry, dir] of [["pay402", PAY402], ["pay402/verify", join(PAY402, "verify")]]) {
  console.log(`${entry}: ${await bytesMs(dir)}`);
  console.log(`${entry}: Node ${process.version} import, median of 7: .wasm file (index.mjs) ${await importMs(join(dir, "index.mjs"))} ms, inlined (bundler.mjs) ${await importMs(join(dir, "bundler.mjs"))} ms`);
}
console.log("---- bundles (report)");
for (const s of sizes) console.log(s);

console.log(`bundlers: ${t.passed} passed, ${t.failed} failed`);
process.exit(t.failed === 0 && t.passed > 0 ? 0 : 1);
