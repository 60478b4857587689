// Sanity checks over tests/conformance/vectors/*.json (run by regenerate.sh):
//  - format: suite, source, cases; each case has name, op, input, expect with exactly one of ok/error;
//    names unique per file; hex fields lowercase;
//  - cross-check of the hand-written spec file with the peers (viem, @x402/core decoders), so a typo
//    in a copied value shows up. The peers never supply the spec file's expected values.
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { hashDomain, hashTypedData, recoverAddress } from "viem";
import { decodePaymentSignatureHeader, decodePaymentRequiredHeader, decodePaymentResponseHeader } from "@x402/core/http";

const dir = process.argv[2];
let bad = 0;
const fail = (f, m) => { console.error(`${f}: ${m}`); bad++; };
const HEXFIELD = /(^|_)(digest|signature|nonce|domain_separator|struct_hash|address|payer)$/;
for (const f of readdirSync(dir).filter((n) => n.endsWith(".json")).sort()) {
  const d = JSON.parse(readFileSync(join(dir, f), "utf8"));
  if (typeof d.suite !== "string" || typeof d.source !== "string" || !Array.isArray(d.cases)) { fail(f, "top-level shape"); continue; }
  const names = new Set();
  for (const c of d.cases) {
    if (typeof c.name !== "string" || typeof c.op !== "string" || typeof c.input !== "object" || typeof c.expect !== "object") fail(f, `case shape ${c.name}`);
    if (names.has(c.name)) fail(f, `duplicate name ${c.name}`);
    names.add(c.name);
    const k = Object.keys(c.expect);
    if (k.length !== 1 || !["ok", "error"].includes(k[0])) fail(f, `expect of ${c.name}`);
    // Solana payers are base58 public keys, not 0x hex (tests/conformance/vectors/README.md, "x402 on Solana").
    const solana = /^solana/.test(String(c.input?.requirements?.network ?? ""))
      || (c.op === "server.admit" && /^solana/.test(String(c.input?.offers?.[c.expect.ok?.offer_index ?? 0]?.network ?? "")))
      || c.op === "onchain.svm.verify" || c.op === "onchain.payper402.verify";
    for (const [key, v] of Object.entries(c.expect.ok ?? {})) {
      if (solana && key === "payer") {
        if (typeof v !== "string" || !/^[1-9A-HJ-NP-Za-km-z]{32,44}$/.test(v)) fail(f, `${c.name}: payer not base58`);
        continue;
      }
      // A Solana transaction signature (svm.cosign) is base58 too: 64 bytes, 64 to 88 characters.
      if (c.op === "svm.cosign" && key === "signature") {
        if (typeof v !== "string" || !/^[1-9A-HJ-NP-Za-km-z]{64,88}$/.test(v)) fail(f, `${c.name}: signature not base58`);
        continue;
      }
      if (HEXFIELD.test(key) && (typeof v !== "string" || !/^0x[0-9a-f]*$/.test(v))) fail(f, `${c.name}: ${key} not 0x-lowercase`);
    }
    if (c.input.private_key_hex !== undefined && !/^[0-9a-f]{64}$/.test(c.input.private_key_hex)) fail(f, `${c.name}: key hex`);
    if (c.input.domain && typeof c.input.domain.chainId !== "number") fail(f, `${c.name}: chainId not a number`);
  }
}

// spec file cross-check
const TWA = { TransferWithAuthorization: [
  { name: "from", type: "address" }, { name: "to", type: "address" }, { name: "value", type: "uint256" },
  { name: "validAfter", type: "uint256" }, { name: "validBefore", type: "uint256" }, { name: "nonce", type: "bytes32" }] };
const ED = [{ name: "name", type: "string" }, { name: "version", type: "string" }, { name: "chainId", type: "uint256" },
  { name: "verifyingContract", type: "address" }];
const spec = JSON.parse(readFileSync(join(dir, "x402-spec.json"), "utf8"));
const DEC = { payment_payload: decodePaymentSignatureHeader, payment_required: decodePaymentRequiredHeader, settle_response: decodePaymentResponseHeader };
for (const c of spec.cases) {
  const ok = c.expect.ok;
  if (c.op === "evm.eip3009.digest") {
    const m = c.input.message;
    const msg = { ...m, value: BigInt(m.value), validAfter: BigInt(m.validAfter), validBefore: BigInt(m.validBefore) };
    if (ok.digest && hashTypedData({ domain: c.input.domain, types: TWA, primaryType: "TransferWithAuthorization", message: msg }) !== ok.digest) fail("x402-spec.json", `viem disagrees: ${c.name}`);
    if (ok.domain_separator && hashDomain({ domain: c.input.domain, types: { EIP712Domain: ED } }) !== ok.domain_separator) fail("x402-spec.json", `viem disagrees: ${c.name}`);
  } else if (c.op === "evm.recover") {
    if ((await recoverAddress({ hash: c.input.digest, signature: c.input.signature })).toLowerCase() !== ok.address) fail("x402-spec.json", `viem disagrees: ${c.name}`);
  } else if (c.op === "x402.roundtrip" && ok && ok.header === c.input.header) {
    if (c.input.header.length % 4 === 0 && Buffer.from(JSON.stringify(DEC[c.input.kind](c.input.header))).toString("base64") !== c.input.header) fail("x402-spec.json", `@x402/core disagrees: ${c.name}`);
  } else if (c.op === "x402.decode" && ok && c.input.header && !c.name.includes("x402-rs")) {
    if (JSON.stringify(DEC[c.input.kind](c.input.header)) !== ok.json) fail("x402-spec.json", `@x402/core disagrees: ${c.name}`);
  }
}
// the two EIP-712 peers agree with each other on every digest input
for (const f of ["evm-eip3009-digest.eth-account.json", "evm-eip3009-digest.viem.json"]) {
  for (const c of JSON.parse(readFileSync(join(dir, f), "utf8")).cases) {
    const m = c.input.message;
    const msg = { ...m, value: BigInt(m.value), validAfter: BigInt(m.validAfter), validBefore: BigInt(m.validBefore) };
    if (hashTypedData({ domain: c.input.domain, types: TWA, primaryType: "TransferWithAuthorization", message: msg }) !== c.expect.ok.digest) fail(f, `viem disagrees: ${c.name}`);
  }
}
if (bad) { console.error(`${bad} problem(s)`); process.exit(1); }
console.log("vector files well-formed; spec file agrees with viem and @x402/core");
