// viem → evm-eip3009-digest.viem.json, evm-eip3009-sign.viem.json, evm-recover.viem.json
//
// Expected values are whatever viem computes; this script only chooses deterministic inputs.
import { hashDomain, hashStruct, hashTypedData, getAddress, recoverAddress, parseSignature,
  serializeSignature, signatureToCompactSignature, serializeCompactSignature,
  parseCompactSignature, compactSignatureToSignature } from "viem";
import { privateKeyToAccount, sign } from "viem/accounts";
import { Det, writeVectors, peerVersion, SECP256K1_N, HALF_N, U256_MAX } from "./lib/det.mjs";

const VIEM = `viem ${peerVersion("viem")}`;
const det = new Det("pay402/peers/viem/evm/v1");

const EIP712_DOMAIN = [
  { name: "name", type: "string" },
  { name: "version", type: "string" },
  { name: "chainId", type: "uint256" },
  { name: "verifyingContract", type: "address" },
];
const TWA = [
  { name: "from", type: "address" },
  { name: "to", type: "address" },
  { name: "value", type: "uint256" },
  { name: "validAfter", type: "uint256" },
  { name: "validBefore", type: "uint256" },
  { name: "nonce", type: "bytes32" },
];
const TYPES = { EIP712Domain: EIP712_DOMAIN, TransferWithAuthorization: TWA };

const NAMES = ["", "USDC", "USD Coin", "Bridged USDC (Stargate)", "USDT0", "Mezo USD", "Ünïcödé Dollar",
  "日本円トークン", "🪙💵 coin", "tab\there", "quote\"and\\backslash", "line\nbreak", "\u0000nul",
  "e\u0301 combining", "𝔘𝔖𝔇ℭ astral", "x".repeat(300), "\u2028\u2029 separators", "ÿ\u00ad soft"];
const VERSIONS = ["", "1", "2", "2.0", "v3", "版本", "🚀", "\"", "0".repeat(70)];
const CHAIN_IDS = [0, 1, 10, 137, 8453, 84532, 43113, 11155111, 324705682, 4294967295, 4294967296,
  9007199254740991];

function chainId(i) {
  const r = det.below(i, "chain/kind", 3);
  if (r === 0) return det.pick(i, "chain/pick", CHAIN_IDS);
  if (r === 1) return det.below(i, "chain/small", 100000);
  return Number(det.big(i, "chain/big", 53));
}

function str(i, label, pool) {
  if (det.below(i, label + "/kind", 3) > 0) return det.pick(i, label + "/pick", pool);
  // a concatenation of two pool entries plus a code point from a wide range
  const cp = 0x20 + det.below(i, label + "/cp", 0x2ffff - 0x20);
  const ch = cp >= 0xd800 && cp <= 0xdfff ? "\ufffd" : String.fromCodePoint(cp);
  return det.pick(i, label + "/a", pool) + ch + det.pick(i, label + "/b", pool);
}

function address(i, label) {
  const r = det.below(i, label + "/kind", 16);
  let a;
  if (r === 0) a = "0x" + "00".repeat(20);
  else if (r === 1) a = "0x" + "ff".repeat(20);
  else a = det.hex(i, label, 20);
  // a quarter of the inputs are EIP-55 checksummed (addresses compare case-insensitively)
  return det.below(i, label + "/case", 4) === 0 ? getAddress(a) : a;
}

function u256(i, label) {
  const r = det.below(i, label + "/edge", 12);
  if (r === 0) return 0n;
  if (r === 1) return U256_MAX;
  if (r === 2) return 1n;
  return det.u256(i, label);
}

function domainMessage(i) {
  const domain = {
    name: str(i, "name", NAMES),
    version: str(i, "version", VERSIONS),
    chainId: chainId(i),
    verifyingContract: address(i, "contract"),
  };
  const message = {
    from: address(i, "from"),
    to: address(i, "to"),
    value: u256(i, "value").toString(),
    validAfter: u256(i, "validAfter").toString(),
    validBefore: u256(i, "validBefore").toString(),
    nonce: det.below(i, "nonce/edge", 10) === 0 ? "0x" + "00".repeat(32) : det.hex(i, "nonce", 32),
  };
  return { domain, message };
}

function viemMessage(m) {
  return { ...m, value: BigInt(m.value), validAfter: BigInt(m.validAfter), validBefore: BigInt(m.validBefore) };
}

// ---------- evm.eip3009.digest ----------
const digestCases = [];
for (let i = 0; i < 128; i++) {
  const { domain, message } = domainMessage(i);
  const domain_separator = hashDomain({ domain, types: TYPES });
  const struct_hash = hashStruct({ data: viemMessage(message), primaryType: "TransferWithAuthorization", types: TYPES });
  const digest = hashTypedData({ domain, types: { TransferWithAuthorization: TWA },
    primaryType: "TransferWithAuthorization", message: viemMessage(message) });
  digestCases.push({ name: `viem digest #${i}`, op: "evm.eip3009.digest", input: { domain, message },
    expect: { ok: { domain_separator, struct_hash, digest } } });
}
writeVectors("evm-eip3009-digest.viem.json", "evm-eip3009-digest-viem",
  `${VIEM}: hashDomain (EIP712Domain name,version,chainId,verifyingContract), hashStruct and hashTypedData ` +
  `(primaryType TransferWithAuthorization); inputs from sha256 seed "pay402/peers/viem/evm/v1"`, digestCases);

// ---------- evm.eip3009.sign ----------
const signCases = [];
for (let i = 0; i < 128; i++) {
  const { domain, message } = domainMessage(1000 + i);
  const pk = det.privateKey(i, "sign/key");
  const account = privateKeyToAccount("0x" + pk);
  // half of the cases sign from the key's own address, as a real client does
  if (i % 2 === 0) message.from = account.address.toLowerCase();
  const signature = await account.signTypedData({ domain, types: { TransferWithAuthorization: TWA },
    primaryType: "TransferWithAuthorization", message: viemMessage(message) });
  signCases.push({ name: `viem sign #${i}`, op: "evm.eip3009.sign",
    input: { private_key_hex: pk, domain, message }, expect: { ok: { signature: signature.toLowerCase() } } });
}
writeVectors("evm-eip3009-sign.viem.json", "evm-eip3009-sign-viem",
  `${VIEM}: privateKeyToAccount(key).signTypedData (RFC 6979, serialized r‖s‖v with v 27/28); ` +
  `inputs from sha256 seed "pay402/peers/viem/evm/v1"`, signCases);

// ---------- evm.recover ----------
const hex32 = (x) => x.toString(16).padStart(64, "0");
const recoverCases = [];
const add = (name, digest, signature, policy, expect) => {
  const input = { digest, signature };
  if (policy) input.policy = policy;
  recoverCases.push({ name, op: "evm.recover", input, expect });
};
const vByte = (v) => v.toString(16).padStart(2, "0");

for (let i = 0; i < 40; i++) {
  const pk = det.privateKey(i, "rec/key");
  const digest = det.hex(i, "rec/digest", 32);
  const sig = await sign({ hash: digest, privateKey: "0x" + pk, to: "hex" }); // v = 27/28
  const p = parseSignature(sig);
  const r = BigInt(p.r), s = BigInt(p.s);
  if (s > HALF_N) throw new Error("viem produced high s");
  const address = (await recoverAddress({ hash: digest, signature: sig })).toLowerCase();
  if (address !== privateKeyToAccount("0x" + pk).address.toLowerCase()) throw new Error("recover mismatch");
  const v = Number(p.v);
  const rHex = hex32(r), sHex = hex32(s);

  // canonical 65-byte form: ok in both policies
  add(`#${i} canonical v=${v} strict`, digest, sig, i % 2 ? "strict" : undefined, { ok: { address } });
  add(`#${i} canonical v=${v} lenient`, digest, sig, "lenient", { ok: { address } });

  // high-s twin: s' = n − s, v flipped; recovers the same key
  const twin = `0x${rHex}${hex32(SECP256K1_N - s)}${vByte(v === 27 ? 28 : 27)}`;
  const twinAddr = (await recoverAddress({ hash: digest, signature: twin })).toLowerCase();
  if (twinAddr !== address) throw new Error("high-s twin does not recover the same address");
  add(`#${i} high-s twin strict`, digest, twin, "strict", { error: "signature_high_s" });
  add(`#${i} high-s twin lenient`, digest, twin, "lenient", { ok: { address: twinAddr } });

  // v as 0/1 (yParity)
  const y = `0x${rHex}${sHex}${vByte(v - 27)}`;
  const yAddr = (await recoverAddress({ hash: digest, signature: y })).toLowerCase();
  if (yAddr !== address) throw new Error("v 0/1 form mismatch");
  add(`#${i} v=${v - 27} strict`, digest, y, "strict", { error: "signature_v" });
  add(`#${i} v=${v - 27} lenient`, digest, y, "lenient", { ok: { address: yAddr } });

  // ERC-2098 compact, 64 bytes
  const compact = serializeCompactSignature(signatureToCompactSignature(p)).toLowerCase();
  const back = serializeSignature(compactSignatureToSignature(parseCompactSignature(compact)));
  const cAddr = (await recoverAddress({ hash: digest, signature: back })).toLowerCase();
  if (cAddr !== address) throw new Error("compact form mismatch");
  add(`#${i} erc2098 compact strict`, digest, compact, "strict", { error: "signature_length" });
  add(`#${i} erc2098 compact lenient`, digest, compact, "lenient", { ok: { address: cAddr } });

  // the rest vary by case so every rejection kind appears several times
  switch (i % 8) {
    case 0: { // r = 0
      const bad = `0x${hex32(0n)}${sHex}${vByte(v)}`;
      add(`#${i} r=0 strict`, digest, bad, "strict", { error: "signature_invalid" });
      add(`#${i} r=0 lenient`, digest, bad, "lenient", { error: "signature_invalid" });
      break;
    }
    case 1: { // r = n and r = n + small (≥ n)
      const bad = `0x${hex32(SECP256K1_N + BigInt(i))}${sHex}${vByte(v)}`;
      add(`#${i} r>=n strict`, digest, bad, "strict", { error: "signature_invalid" });
      add(`#${i} r>=n lenient`, digest, bad, "lenient", { error: "signature_invalid" });
      break;
    }
    case 2: { // s = 0
      const bad = `0x${rHex}${hex32(0n)}${vByte(v)}`;
      add(`#${i} s=0 strict`, digest, bad, "strict", { error: "signature_invalid" });
      add(`#${i} s=0 lenient`, digest, bad, "lenient", { error: "signature_invalid" });
      break;
    }
    case 3: { // v outside every accepted set
      for (const badV of [2, 26, 29, 35]) {
        const bad = `0x${rHex}${sHex}${vByte(badV)}`;
        add(`#${i} v=${badV} lenient`, digest, bad, "lenient", { error: "signature_v" });
      }
      add(`#${i} v=29 strict`, digest, `0x${rHex}${sHex}${vByte(29)}`, "strict", { error: "signature_v" });
      break;
    }
    case 4: { // wrong lengths
      add(`#${i} 66 bytes strict`, digest, sig + "00", "strict", { error: "signature_length" });
      add(`#${i} 63 bytes lenient`, digest, sig.slice(0, 2 + 126), "lenient", { error: "signature_length" });
      add(`#${i} 0 bytes lenient`, digest, "0x", "lenient", { error: "signature_length" });
      add(`#${i} 65+32 bytes lenient`, digest, sig + "00".repeat(32), "lenient", { error: "signature_length" });
      break;
    }
    case 5: { // a different digest recovers some other address (peer-computed)
      const other = det.hex(i, "rec/other", 32);
      const oAddr = (await recoverAddress({ hash: other, signature: sig })).toLowerCase();
      add(`#${i} other digest recovers other address`, other, sig, "strict", { ok: { address: oAddr } });
      break;
    }
    default: { // r with a random value: either no curve point (viem throws) or some other address
      const rr = det.big(i, "rec/rr", 256) % SECP256K1_N;
      const bad = `0x${hex32(rr)}${sHex}${vByte(v)}`;
      let exp;
      try {
        exp = { ok: { address: (await recoverAddress({ hash: digest, signature: bad })).toLowerCase() } };
      } catch {
        exp = { error: "signature_invalid" };
      }
      add(`#${i} random r strict`, digest, bad, "strict", exp);
    }
  }
}
writeVectors("evm-recover.viem.json", "evm-recover-viem",
  `${VIEM}: sign({hash, privateKey}) for signatures, recoverAddress for every ok address (64-byte forms via ` +
  `signatureToCompactSignature/serializeCompactSignature and compactSignatureToSignature); high-s twin = (r, n−s, ` +
  `v flipped); strict-policy rejections per tests/conformance/vectors/README.md (length → signature_length, v → signature_v, s > n/2 → ` +
  `signature_high_s, r = 0, r ≥ n, s = 0, no curve point → signature_invalid); inputs from sha256 seed ` +
  `"pay402/peers/viem/evm/v1"`, recoverCases);
