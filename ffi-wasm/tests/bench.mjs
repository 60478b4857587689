// Speed: pay402's wasm x402Verify (decode + EIP-712 digest + ECDSA recovery + all checks) vs
// viem's recoverTypedDataAddress on the same authorization, same process, same run; medians of
// batches. Writes the "npm package (wasm)" section (between wasm:begin/end markers) into the file
// given (run.sh: target/reports/npm.md, which tests/bench/run.sh copies into REPORT.md), with the size table
// of both modules (`pay402`, `pay402/verify`) against the 60 KB gzip budget.
//   node bench.mjs <report.md> <pay402.size> <pay402-verify.size> [--size-only]
//   (in a project with pay402 and viem; a size file holds "raw gzip" in bytes)
// --size-only records the sizes and leaves the speed rows unmeasured (SKIP_BENCH, or a failed bench).
import { readFileSync, writeFileSync, existsSync } from "node:fs";
import * as pay402 from "pay402";
import { recoverTypedDataAddress } from "viem";

const [report, sizeFile, verifySizeFile, mode] = process.argv.slice(2);
const sizeOnly = mode === "--size-only";
const LIMIT = 61440;
const key = new Uint8Array(32).fill(0x11);
const offer = { scheme: "exact", network: "eip155:84532", amount: "10000", asset: "0x036CbD53842c5426634e7929541eC2318f3dCF7e",
  payTo: "0x209693Bc6afc0C5328bA36FaF03C514EF312287C", maxTimeoutSeconds: 60, extra: { name: "USDC", version: "2" } };
const required = { x402Version: 2, resource: { url: "https://api.example.com/x" }, accepts: [offer] };
const now = 1740672100;
const nonce = new Uint8Array(32).fill(0x42);
const from = pay402.privateKeyToAddress(key);
const typed = pay402.x402TypedData(required, { from, now, nonce });
const { payment, signature } = pay402.x402Sign(required, { privateKey: key, now, nonce });
const { EIP712Domain, ...types } = typed.typedData.types;
const viemArgs = { domain: typed.typedData.domain, types, primaryType: typed.typedData.primaryType,
  message: typed.typedData.message, signature: "0x" + Buffer.from(signature).toString("hex") };
const requirementsText = JSON.stringify(offer);

if (!sizeOnly) {
  if ((await recoverTypedDataAddress(viemArgs)).toLowerCase() !== from.toLowerCase()) throw new Error("viem disagrees");
  if (pay402.x402Verify(requirementsText, payment, now).payer !== from) throw new Error("pay402 disagrees");
}

async function median(fn, batch, rounds) {
  for (let i = 0; i < batch; i++) await fn(); // warm-up
  const per = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < batch; i++) await fn();
    per.push(Number(process.hrtime.bigint() - t0) / batch / 1000);
  }
  per.sort((a, b) => a - b);
  return per[Math.floor(per.length / 2)];
}
const wasmUs = sizeOnly ? NaN : await median(() => pay402.x402Verify(requirementsText, payment, now), 200, 15);
const viemUs = sizeOnly ? NaN : await median(() => recoverTypedDataAddress(viemArgs), 50, 15);
const ratio = viemUs / wasmUs;
const sizes = (file) => (existsSync(file) ? readFileSync(file, "utf8").trim().split(/\s+/).map(Number) : [NaN, NaN]);
const kb = (n) => (n / 1024).toFixed(1);
const us = (n) => (Number.isNaN(n) ? "not measured in this run" : n.toFixed(1));
const modules = [
  ["`pay402`", "the whole API (default features)", "web/pay402_bg.wasm", sizes(sizeFile)],
  ["`pay402/verify`", "x402 verification only (`--no-default-features --features x402`)", "verify/web/pay402_bg.wasm", sizes(verifySizeFile)],
];
const verdict = (gz) => (Number.isNaN(gz) ? "not measured" : gz <= LIMIT ? "MET" : "NOT MET");
const budgets = modules.map(([entry, , , [, gz]]) => `size budget 60 KB gzipped, ${entry.replaceAll("`", "")}: ${verdict(gz)} (${gz} B)`);
const rows = modules.map(([entry, what, file, [raw, gz]]) =>
  `| ${entry} | ${what} | \`${file}\` | ${raw} | ${gz} | ${kb(gz)} | **${verdict(gz)}**${gz > LIMIT ? ` (over by ${gz - LIMIT} B)` : ""} |`);
const section = `<!-- wasm:begin -->
## npm package \`pay402\` (wasm): size and verify speed

Measured by \`ffi-wasm/tests/run.sh\` (\`ffi-wasm/tests/bench.mjs\`) on ${new Date().toISOString().slice(0, 10)}, Node ${process.version},
both modules built by \`ffi-wasm/build.sh\` with profile \`wasm\` (opt-level z, LTO, panic abort; the secp256k1, Keccak
and base64 crates at opt-level 3), \`--cfg cpubits="32"\`, wasm-bindgen 0.2.130, wasm-opt 132 \`-Oz\`.

| entry | exports | file | raw B | gzip -9 B | gzip KiB | budget: 60 KB = ${LIMIT} B gzip |
|---|---|---|---:|---:|---:|---|
${rows.join("\n")}

The budget is reported, not a test gate. Servers and edge runtimes that only verify import \`pay402/verify\`.

| operation (same process, median of 15 batches) | µs per op |
|---|---:|
| pay402 \`x402Verify\`, main entry (base64 + JSON decode, all checks, EIP-712 digest, ECDSA recovery) | ${us(wasmUs)} |
| viem ${"`recoverTypedDataAddress`"} (EIP-712 digest + recovery only) | ${us(viemUs)} |
| **ratio viem / pay402** | ${sizeOnly ? "not measured" : `**${ratio.toFixed(1)}×** (target ≥ 12×: ${ratio >= 12 ? "met" : "not met"}; a report, not a gate)`} |
<!-- wasm:end -->`;
let text = existsSync(report) ? readFileSync(report, "utf8") : "";
text = /<!-- wasm:begin -->[\s\S]*<!-- wasm:end -->/.test(text)
  ? text.replace(/<!-- wasm:begin -->[\s\S]*<!-- wasm:end -->/, section)
  : `${text.trimEnd()}\n\n${section}\n`;
writeFileSync(report, text);
for (const line of budgets) console.log(line);
if (!sizeOnly) console.log(`x402Verify ${wasmUs.toFixed(1)} µs, viem recoverTypedDataAddress ${viemUs.toFixed(1)} µs, ratio ${ratio.toFixed(1)}x`);
