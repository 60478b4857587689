// @x402/core → x402-codec.peers.json (ops x402.roundtrip and x402.decode)
//
// Random well-formed v1/v2 objects are built in the spec's key order (the examples of the x402 v1 and v2 HTTP transports)
// and encoded with @x402/core's header encoders (base64 of JSON.stringify). The expected `json` of a
// decode case is JSON.stringify of the object; the expected header of a roundtrip case is the input.
// Every header is also decoded back with @x402/core's decoders and compared.
import { getAddress } from "viem";
import { encodePaymentRequiredHeader, encodePaymentSignatureHeader, encodePaymentResponseHeader,
  decodePaymentRequiredHeader, decodePaymentSignatureHeader, decodePaymentResponseHeader } from "@x402/core/http";
import { Det, writeVectors, peerVersion } from "./lib/det.mjs";

const det = new Det("pay402/peers/x402/codec/v1");
const SOURCE = `@x402/core ${peerVersion("@x402/core")}: encodePaymentRequiredHeader / encodePaymentSignatureHeader / ` +
  `encodePaymentResponseHeader (base64 of JSON.stringify) and the matching decoders; objects built in the key ` +
  `order of the x402 v1/v2 HTTP transport examples; v1 PaymentRequired as a JSON body (JSON.stringify with 2-space indent ` +
  `as input, compact JSON.stringify as expected); inputs from sha256 seed "pay402/peers/x402/codec/v1"`;

const V1_NETS = ["base-sepolia", "base", "polygon", "avalanche-fuji", "avalanche", "sei", "iotex", "solana-devnet", "solana"];
const V2_NETS = ["eip155:84532", "eip155:8453", "eip155:137", "eip155:43113", "eip155:1", "eip155:324705682",
  "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp", "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1"];
const TEXT = ["", "Access to premium market data", "Ünïcödé — “quoted” ✓", "line\nbreak\ttab\r\n",
  "emoji 🪙💵 and \"quotes\" and \\ backslash", "</script>&<>'", "日本語の説明", "ctl \u0001\u001f\u007f del",
  "\u2028 line sep \u2029", "slash / and %2F", "ends with backslash \\", "\b\f form feed"];
const ERRORS = ["X-PAYMENT header is required", "PAYMENT-SIGNATURE header is required", "insufficient_funds",
  "invalid_exact_evm_payload_authorization_valid_before", "Ünïcödé error ✗"];
const MIMES = ["application/json", "text/html; charset=utf-8", "image/png", ""];
const B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

const address = (i, l) => { const a = getAddress(det.hex(i, l, 20)); return det.below(i, l + "/lc", 4) ? a : a.toLowerCase(); };
const text = (i, l) => det.pick(i, l, TEXT);
const b58 = (i, l, n) => Array.from(det.bytes(i, l, n), (b) => B58[b % 58]).join("");
const amount = (i, l) => (det.below(i, l + "/k", 4) === 0 ? det.big(i, l, 256) : det.big(i, l, 40)).toString();

function nested(i, l, depth = 0) {
  const k = det.below(i, `${l}/k${depth}`, depth > 1 ? 5 : 7);
  switch (k) {
    case 0: return det.below(i, `${l}/n${depth}`, 1000000) - 500;
    case 1: return text(i, `${l}/t${depth}`);
    case 2: return det.below(i, `${l}/b${depth}`, 2) === 1;
    case 3: return null;
    case 4: return 2.5;
    case 5: return [nested(i, `${l}/a0`, depth + 1), nested(i, `${l}/a1`, depth + 1)];
    default: return { "ключ": nested(i, `${l}/o0`, depth + 1), "a b": nested(i, `${l}/o1`, depth + 1), "": "empty key" };
  }
}

function extra(i, l, net) {
  if (net.startsWith("solana")) {
    const e = { feePayer: b58(i, l + "/fp", 44) };
    if (det.below(i, l + "/memo", 2)) e.memo = text(i, l + "/memo/t");
    return e;
  }
  const e = { name: det.pick(i, l + "/n", ["USDC", "USD Coin", "Bridged USDC", "円"]), version: det.pick(i, l + "/v", ["2", "1"]) };
  if (det.below(i, l + "/more", 3) === 0) e.nested = nested(i, l + "/nest");
  if (det.below(i, l + "/atm", 5) === 0) e.assetTransferMethod = "permit2";
  return e;
}

const evmPayload = (i, l) => ({
  signature: det.hex(i, l + "/sig", 65),
  authorization: { from: getAddress(det.hex(i, l + "/from", 20)), to: getAddress(det.hex(i, l + "/to", 20)),
    value: amount(i, l + "/value"), validAfter: String(1740000000 + det.below(i, l + "/va", 1e8)),
    validBefore: String(1740000000 + det.below(i, l + "/vb", 1e8)), nonce: det.hex(i, l + "/nonce", 32) },
});
const svmPayload = (i, l) => ({ transaction: det.bytes(i, l + "/tx", 150 + det.below(i, l + "/txn", 200)).toString("base64") });

function extensions(i, l) {
  if (det.below(i, l, 3)) return undefined;
  const e = { bazaar: { info: { input: { type: "http", method: "GET" }, output: nested(i, l + "/out") },
    schema: { $schema: "https://json-schema.org/draft/2020-12/schema", type: "object" } } };
  if (det.below(i, l + "/pid", 2)) e["payment-identifier"] = { info: { required: false, id: "pay_" + det.hex(i, l + "/id", 12).slice(2) } };
  return e;
}

function v1Requirement(i, l) {
  const network = det.pick(i, l + "/net", V1_NETS);
  const sol = network.startsWith("solana");
  const r = { scheme: "exact", network, maxAmountRequired: amount(i, l + "/amt"),
    asset: sol ? b58(i, l + "/asset", 44) : address(i, l + "/asset"), payTo: sol ? b58(i, l + "/payTo", 43) : address(i, l + "/payTo"),
    resource: `https://api.example.com/${encodeURIComponent(text(i, l + "/path"))}`, description: text(i, l + "/desc") };
  if (det.below(i, l + "/mime", 4)) r.mimeType = det.pick(i, l + "/mimev", MIMES);
  if (det.below(i, l + "/os", 3) === 0) r.outputSchema = { input: { type: "http", method: "GET" }, output: nested(i, l + "/os/o") };
  r.maxTimeoutSeconds = det.pick(i, l + "/mts", [1, 60, 300, 86400]);
  if (det.below(i, l + "/ex", 4)) r.extra = extra(i, l + "/extra", network);
  return r;
}
function v2Requirement(i, l) {
  const network = det.pick(i, l + "/net", V2_NETS);
  const sol = network.startsWith("solana");
  const r = { scheme: det.pick(i, l + "/scheme", ["exact", "exact", "exact", "upto"]), network, amount: amount(i, l + "/amt"),
    asset: sol ? b58(i, l + "/asset", 44) : address(i, l + "/asset"), payTo: sol ? b58(i, l + "/payTo", 43) : address(i, l + "/payTo"),
    maxTimeoutSeconds: det.pick(i, l + "/mts", [1, 60, 300, 86400]) };
  if (det.below(i, l + "/ex", 4)) r.extra = extra(i, l + "/extra", network);
  return r;
}
function resource(i, l) {
  const r = { url: `https://api.example.com/v2/${det.hex(i, l, 3).slice(2)}?q=${encodeURIComponent(text(i, l + "/q"))}` };
  if (det.below(i, l + "/d", 4)) r.description = text(i, l + "/desc");
  if (det.below(i, l + "/m", 4)) r.mimeType = det.pick(i, l + "/mime", MIMES);
  return r;
}
function paymentRequiredV2(i) {
  const o = { x402Version: 2 };
  if (det.below(i, "pr/err", 3)) o.error = det.pick(i, "pr/errv", ERRORS);
  o.resource = resource(i, "pr/res");
  o.accepts = Array.from({ length: 1 + det.below(i, "pr/n", 4) }, (_, k) => v2Requirement(i, `pr/acc${k}`));
  const ext = extensions(i, "pr/ext");
  if (ext) o.extensions = ext;
  return o;
}
function paymentRequiredV1(i) {
  return { x402Version: 1, error: det.pick(i, "pr1/err", ERRORS),
    accepts: Array.from({ length: 1 + det.below(i, "pr1/n", 3) }, (_, k) => v1Requirement(i, `pr1/acc${k}`)) };
}
function paymentPayload(i) {
  if (det.below(i, "pp/ver", 2) === 0) {
    const network = det.pick(i, "pp1/net", V1_NETS);
    return { x402Version: 1, scheme: "exact", network, payload: network.startsWith("solana") ? svmPayload(i, "pp1") : evmPayload(i, "pp1") };
  }
  const accepted = v2Requirement(i, "pp2/acc");
  const o = { x402Version: 2 };
  if (det.below(i, "pp2/res", 5)) o.resource = resource(i, "pp2/res");
  o.accepted = accepted;
  o.payload = accepted.network.startsWith("solana") ? svmPayload(i, "pp2") : evmPayload(i, "pp2");
  const ext = extensions(i, "pp2/ext");
  if (ext) o.extensions = ext;
  return o;
}
function settleResponse(i) {
  const v2 = det.below(i, "sr/v", 2) === 1;
  const network = v2 ? det.pick(i, "sr/net2", V2_NETS) : det.pick(i, "sr/net1", V1_NETS);
  const success = det.below(i, "sr/ok", 3) > 0;
  const o = { success };
  if (!success) o.errorReason = det.pick(i, "sr/reason", ["insufficient_funds", "invalid_exact_evm_transaction_failed", "settlement_pending"]);
  if (!success && det.below(i, "sr/msg", 2)) o.errorMessage = text(i, "sr/msgt");
  if (success || det.below(i, "sr/tx", 2)) o.transaction = success ? (network.startsWith("solana") ? b58(i, "sr/sig", 88) : det.hex(i, "sr/txh", 32)) : "";
  o.network = network;
  if (det.below(i, "sr/payer", 4)) o.payer = network.startsWith("solana") ? b58(i, "sr/payerb", 44) : getAddress(det.hex(i, "sr/payera", 20));
  if (v2 && det.below(i, "sr/amt", 3) === 0) o.amount = amount(i, "sr/amount");
  if (v2 && det.below(i, "sr/ext", 4) === 0) o.extensions = { "payment-identifier": { info: { id: "pay_" + det.hex(i, "sr/id", 10).slice(2) } } };
  return o;
}

const KINDS = {
  payment_required: [paymentRequiredV2, encodePaymentRequiredHeader, decodePaymentRequiredHeader],
  payment_payload: [paymentPayload, encodePaymentSignatureHeader, decodePaymentSignatureHeader],
  settle_response: [settleResponse, encodePaymentResponseHeader, decodePaymentResponseHeader],
};

const cases = [];
let i = 0;
for (const [kind, [make, encode, decode]] of Object.entries(KINDS)) {
  for (let k = 0; k < 40; k++, i++) {
    const obj = make(i);
    const header = encode(obj);
    const json = JSON.stringify(obj);
    if (JSON.stringify(decode(header)) !== json) throw new Error("peer decode mismatch");
    cases.push({ name: `roundtrip ${kind} #${k}`, op: "x402.roundtrip", input: { kind, header }, expect: { ok: { header } } });
    const ok = { json };
    if (obj.x402Version !== undefined) ok.x402Version = obj.x402Version;
    const dec = { name: `decode ${kind} header #${k}`, op: "x402.decode", input: { kind, header }, expect: { ok: kind === "settle_response" ? { json } : { x402Version: obj.x402Version, json } } };
    if (k % 2 === 0) cases.push(dec);
  }
}
for (let k = 0; k < 50; k++, i++) {
  const obj = paymentRequiredV1(i);
  const body = k % 2 ? JSON.stringify(obj, null, 2) : JSON.stringify(obj);
  cases.push({ name: `decode v1 payment_required body #${k}`, op: "x402.decode", input: { kind: "payment_required", body },
    expect: { ok: { x402Version: 1, json: JSON.stringify(obj) } } });
}
writeVectors("x402-codec.peers.json", "x402-codec-peers", SOURCE, cases);
