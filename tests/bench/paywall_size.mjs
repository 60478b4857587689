// The browser paywall's size beside @x402/paywall's (a report, not a test):
//   node tests/bench/paywall_size.mjs [pay402 npm dir, default target/npm/pay402]
// pay402: paywall.js + paywall_bg.wasm as ffi-wasm/build.sh writes them (the measure: script and
// wasm, gzip -9), and the served template (script and wasm inline). @x402/paywall 2.12.0: the HTML its
// evmPaywall / svmPaywall `generateHtml` return for the x402 v2 specification's example requirement
// (USDC on Base Sepolia; Solana devnet USDC), the package fetched with `npm pack` (its own dependency
// tree does not resolve from the registry here; the modules import only viem, taken from the pinned
// conformance peers). Sizes are gzip -9 by Node's zlib.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, symlinkSync, existsSync, cpSync } from "node:fs";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const ours = resolve(process.argv[2] ?? join(root, "target/npm/pay402"));
const gz = (b) => gzipSync(b, { level: 9 }).length;
const file = (p) => readFileSync(p);

const rows = [];
const script = file(join(ours, "paywall/paywall.js"));
const wasm = file(join(ours, "paywall/paywall_bg.wasm"));
rows.push(["pay402 paywall page: paywall.js + paywall_bg.wasm", script.length + wasm.length, gz(script) + gz(wasm)]);
const template = file(join(root, "ffi-python/python/pay402/server/paywall_page.html"));
rows.push(["pay402 paywall page: the served template (script and wasm inline)", template.length, gz(template)]);

const work = join(root, "target/bench/x402-paywall");
rmSync(work, { recursive: true, force: true });
mkdirSync(join(work, "node_modules/@x402"), { recursive: true });
execFileSync("npm", ["pack", "@x402/paywall@2.12.0", "--silent"], { cwd: work, stdio: ["ignore", "ignore", "inherit"] });
execFileSync("tar", ["xzf", "x402-paywall-2.12.0.tgz"], { cwd: work });
cpSync(join(work, "package"), join(work, "node_modules/@x402/paywall"), { recursive: true });
const viem = join(root, "tests/conformance/peers/node_modules/viem");
if (!existsSync(viem)) throw new Error("viem not installed: run tests/conformance/peers/regenerate.sh once");
symlinkSync(viem, join(work, "node_modules/viem"));
const load = (sub) => import(pathToFileURL(join(work, "node_modules/@x402/paywall/dist/esm", sub, "index.js")).href);
const { evmPaywall } = await load("evm");
const { svmPaywall } = await load("svm");
const resource = { url: "https://api.example.com/premium-data", description: "Access to premium market data", mimeType: "application/json" };
const evm = { scheme: "exact", network: "eip155:84532", amount: "10000", asset: "0x036CbD53842c5426634e7929541eC2318f3dCF7e",
  payTo: "0x209693Bc6afc0C5328bA36FaF03C514EF312287C", maxTimeoutSeconds: 60, extra: { name: "USDC", version: "2" } };
const svm = { scheme: "exact", network: "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1", amount: "10000", asset: "4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU",
  payTo: "AKSQxLCef2dEpkNCBccBzHxnL5NNBJNc3BeTMh5hp2P2", maxTimeoutSeconds: 60, extra: { feePayer: "J1cezW528jhuvQ5HqUVmLhVFre2PXkE6374HKgtCko5y" } };
for (const [name, paywall, req] of [["EVM", evmPaywall, evm], ["SVM", svmPaywall, svm]]) {
  const html = Buffer.from(paywall.generateHtml(req, { x402Version: 2, resource, accepts: [req] }, { testnet: true }));
  rows.push([`@x402/paywall 2.12.0: ${name} page as served`, html.length, gz(html)]);
}
console.log("| page | raw B | gzip -9 B |\n|---|---:|---:|");
for (const [name, raw, z] of rows) console.log(`| ${name} | ${raw} | ${z} |`);
