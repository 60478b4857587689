// viem + @x402/evm → x402-settle-calldata.viem.json: the call the reference facilitator sends to
// settle an EVM x402 payment (`x402.settle.calldata`).
//
// The arguments are built as @x402/evm's facilitator builds them (exact/facilitator
// executeTransferWithAuthorization; shared/permit2 buildExactPermit2SettleArgs /
// buildUptoPermit2SettleArgs): parseErc6492Signature first; for EIP-3009 a 130-hex-digit signature
// goes to the (v, r, s) overload with `parseSignature(sig).v || yParity`, anything else to the
// `bytes` overload; Permit2 goes to the scheme's proxy with the `upto` charge. The data is viem's
// encodeFunctionData with @x402/evm's eip3009ABI and the proxies' `settle` ABI (its selectors are
// checked against x402{Exact,Upto}Permit2Proxy's published ones). Payments are the verified
// (`ok`) payments of the committed x402-verify.peers.json and x402-verify-permit2.peers.json,
// plus variants: v as 0/1, 64-byte, 66-byte and 1271-style long signatures, ERC-6492 wrappers
// (viem serializeErc6492Signature), and `upto` charges at 1, the maximum, zero and above it.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { encodeFunctionData, parseAbi, parseErc6492Signature, parseSignature, serializeErc6492Signature,
  getAddress, toFunctionSelector } from "viem";
import { eip3009ABI } from "@x402/evm";
import { Det, writeVectors, peerVersion, repoRoot } from "./lib/det.mjs";

const SOURCE_PEERS = `viem ${peerVersion("viem")}, @x402/evm ${peerVersion("@x402/evm")}`;
const SEED = "pay402/peers/viem/x402-settle-calldata/v1";
const det = new Det(SEED);

const EXACT_PROXY = "0x402085c248EeA27D92E8b30b2C58ed07f9E20001";
const UPTO_PROXY = "0x4020A4f3b7b90ccA423B9fabCc0CE57C6C240002";
const PROXY_ABI = {
  exact: parseAbi(["function settle(((address token, uint256 amount) permitted, uint256 nonce, uint256 deadline) permit, " +
    "address owner, (address to, uint256 validAfter) witness, bytes signature)"]),
  upto: parseAbi(["function settle(((address token, uint256 amount) permitted, uint256 nonce, uint256 deadline) permit, " +
    "uint256 amount, address owner, (address to, address facilitator, uint256 validAfter) witness, bytes signature)"]),
};
if (toFunctionSelector(PROXY_ABI.exact[0]) !== "0x13cd3b53" || toFunctionSelector(PROXY_ABI.upto[0]) !== "0xff11e7b4") {
  throw new Error("proxy settle selectors differ from x402{Exact,Upto}Permit2Proxy's");
}

const decodeHeader = (h) => JSON.parse(Buffer.from(h, "base64").toString("utf8"));
const encodeHeader = (o) => Buffer.from(JSON.stringify(o), "utf8").toString("base64");

/** The reference facilitator's call for `payment`, or throws the reference's refusal. */
function settleCall(requirements, payment, settleAmount) {
  const p = payment.payload;
  if (p.authorization) {
    const { signature } = parseErc6492Signature(p.signature);
    const a = p.authorization;
    const base = [getAddress(a.from), getAddress(a.to), BigInt(a.value), BigInt(a.validAfter), BigInt(a.validBefore), a.nonce];
    let args;
    if (signature.length - 2 === 130) {
      const s = parseSignature(signature);
      args = [...base, s.v || s.yParity, s.r, s.s];
    } else {
      args = [...base, signature];
    }
    return { to: getAddress(requirements.asset),
      data: encodeFunctionData({ abi: eip3009ABI, functionName: "transferWithAuthorization", args }) };
  }
  const { signature } = parseErc6492Signature(p.signature);
  const a = p.permit2Authorization;
  const permit = { permitted: { token: getAddress(a.permitted.token), amount: BigInt(a.permitted.amount) },
    nonce: BigInt(a.nonce), deadline: BigInt(a.deadline) };
  if (requirements.scheme === "upto") {
    const amount = BigInt(settleAmount ?? requirements.amount);
    if (amount === 0n) throw { code: "upto_settle_amount_zero" }; // no call: the reference answers success, no transaction
    if (amount > BigInt(a.permitted.amount)) throw { code: "invalid_upto_evm_payload_settlement_exceeds_amount" };
    const witness = { to: getAddress(a.witness.to), facilitator: getAddress(a.witness.facilitator),
      validAfter: BigInt(a.witness.validAfter) };
    return { to: UPTO_PROXY, data: encodeFunctionData({ abi: PROXY_ABI.upto, functionName: "settle",
      args: [permit, amount, getAddress(a.from), witness, signature] }) };
  }
  const witness = { to: getAddress(a.witness.to), validAfter: BigInt(a.witness.validAfter) };
  return { to: EXACT_PROXY, data: encodeFunctionData({ abi: PROXY_ABI.exact, functionName: "settle",
    args: [permit, getAddress(a.from), witness, signature] }) };
}

const cases = [];
function add(name, requirements, payment, settleAmount) {
  let expect;
  try {
    const call = settleCall(requirements, payment, settleAmount);
    expect = { ok: { to: call.to.toLowerCase(), data: call.data } };
  } catch (e) {
    if (!e?.code) throw e;
    expect = { error: e.code };
  }
  const input = { requirements, payment: encodeHeader(payment) };
  if (settleAmount !== undefined) input.settle_amount = settleAmount;
  cases.push({ name, op: "x402.settle.calldata", input, expect });
}

const vectors = join(repoRoot, "tests/conformance/vectors");
const verified = (file) => JSON.parse(readFileSync(join(vectors, file), "utf8")).cases.filter((c) => c.expect.ok);
const eip3009 = verified("x402-verify.peers.json");
const permit2 = verified("x402-verify-permit2.peers.json");

// Verified payments as they are.
for (const [k, c] of eip3009.slice(0, 64).entries()) {
  add(`eip3009 verified #${k} (${c.name})`, c.input.requirements, decodeHeader(c.input.payment));
}
for (const [k, c] of permit2.entries()) {
  if (k >= 64) break;
  add(`permit2 verified #${k} (${c.name})`, c.input.requirements, decodeHeader(c.input.payment), c.input.settle_amount);
}

// Signature variants of EIP-3009 payments.
const withSignature = (payment, signature) => ({ ...payment, payload: { ...payment.payload, signature } });
for (let k = 0; k < 16; k++) {
  const c = eip3009[k * 7 % eip3009.length];
  const payment = decodeHeader(c.input.payment);
  const sig = payment.payload.signature;
  const v = parseInt(sig.slice(130, 132), 16);
  const parity = (v === 28 || v === 1) ? "01" : "00";
  add(`eip3009 #${k}: v as parity ${parity}`, c.input.requirements, withSignature(payment, sig.slice(0, 130) + parity));
  add(`eip3009 #${k}: 64-byte signature (bytes overload)`, c.input.requirements, withSignature(payment, sig.slice(0, 130)));
  add(`eip3009 #${k}: 66-byte signature (bytes overload)`, c.input.requirements, withSignature(payment, sig + "00"));
  const long = det.hex(k, "long", 32 * (1 + det.below(k, "long/n", 12)) + det.below(k, "long/r", 32));
  add(`eip3009 #${k}: ${(long.length - 2) / 2}-byte contract signature`, c.input.requirements, withSignature(payment, long));
  const wrapped = serializeErc6492Signature({ address: det.hex(k, "factory", 20),
    data: det.hex(k, "factorydata", det.below(k, "factorydata/n", 200)), signature: k % 2 ? sig : long });
  add(`eip3009 #${k}: ERC-6492 wrapped ${k % 2 ? "65-byte" : "contract"} signature`, c.input.requirements,
    withSignature(payment, wrapped));
}

// Permit2 variants: wrapped and long signatures, upto charges.
const uptos = permit2.filter((c) => c.input.requirements.scheme === "upto");
const exacts = permit2.filter((c) => c.input.requirements.scheme === "exact");
for (let k = 0; k < 8; k++) {
  for (const [label, list] of [["exact", exacts], ["upto", uptos]]) {
    if (list.length === 0) continue;
    const c = list[k * 5 % list.length];
    const payment = decodeHeader(c.input.payment);
    const long = det.hex(k, `${label}/long`, 100 + det.below(k, `${label}/long/n`, 300));
    add(`permit2 ${label} #${k}: ${(long.length - 2) / 2}-byte contract signature`, c.input.requirements,
      withSignature(payment, long), c.input.settle_amount);
    const wrapped = serializeErc6492Signature({ address: det.hex(k, `${label}/factory`, 20),
      data: det.hex(k, `${label}/fd`, 68), signature: payment.payload.signature });
    add(`permit2 ${label} #${k}: ERC-6492 wrapped`, c.input.requirements, withSignature(payment, wrapped), c.input.settle_amount);
  }
}
for (let k = 0; k < Math.min(6, uptos.length); k++) {
  const c = uptos[k * 3 % uptos.length];
  const payment = decodeHeader(c.input.payment);
  const max = BigInt(payment.payload.permit2Authorization.permitted.amount);
  add(`upto #${k}: charge 1`, c.input.requirements, payment, "1");
  add(`upto #${k}: charge the signed maximum`, c.input.requirements, payment, max.toString());
  add(`upto #${k}: no charge given (the requirements' amount)`, c.input.requirements, payment);
  add(`upto #${k}: charge 0 (nothing to settle)`, c.input.requirements, payment, "0");
  add(`upto #${k}: charge above the maximum`, c.input.requirements, payment, (max + 1n).toString());
}

writeVectors("x402-settle-calldata.viem.json", "x402-settle-calldata-viem",
  `${SOURCE_PEERS}: the reference facilitator's settle arguments (parseErc6492Signature, parseSignature ` +
  `v || yParity, 130-hex-digit rule) encoded by encodeFunctionData with @x402/evm eip3009ABI and the ` +
  `x402{Exact,Upto}Permit2Proxy settle ABI; payments from the committed x402-verify*.peers.json and ` +
  `variants from sha256 seed "${SEED}"`, cases);
