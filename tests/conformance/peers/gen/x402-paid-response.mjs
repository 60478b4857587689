// @x402/core → x402-paid-response.json (op x402.paid_response): answers to a paid retry, their headers
// encoded with @x402/core's encodePaymentRequiredHeader / encodePaymentResponseHeader (what a reference
// resource server sends), bodies as pay402 servers and the reference servers write them. The expected
// verdicts are hand-derived from the rule of tests/conformance/vectors/README.md x402.paid_response.
import { encodePaymentRequiredHeader, encodePaymentResponseHeader } from "@x402/core/http";
import { writeVectors, peerVersion } from "./lib/det.mjs";

const SOURCE = `headers encoded with @x402/core ${peerVersion("@x402/core")} encodePaymentRequiredHeader / ` +
  `encodePaymentResponseHeader; verdicts by the rule of tests/conformance/vectors/README.md x402.paid_response`;

const accepts = [{ scheme: "exact", network: "eip155:84532", amount: "10000", asset: "0x036CbD53842c5426634e7929541eC2318f3dCF7e",
  payTo: "0x209693Bc6afc0C5328bA36FaF03C514EF312287C", maxTimeoutSeconds: 60, extra: { name: "USDC", version: "2" } }];
const resource = { url: "https://api.example.com/premium-data", description: "", mimeType: "application/json" };
const required = (error) => encodePaymentRequiredHeader({ x402Version: 2, error, resource, accepts });
const receipt = (r) => encodePaymentResponseHeader({ network: "eip155:84532", payer: "0x857b06519E91e3A54538791bDbb0E22373e36b66", ...r });
const TX = "0x" + "ab".repeat(32);

const cases = [];
const add = (name, input, ok) => cases.push({ name, op: "x402.paid_response", input, expect: { ok } });

add("200 with a settled receipt is served", { status: 200, headers: [["PAYMENT-RESPONSE", receipt({ success: true, transaction: TX })]], body: "{}" },
  { verdict: "served", transaction: TX, settled_amount: null });
add("upto receipt carries the settled amount", { status: 200, headers: [["payment-response", receipt({ success: true, transaction: TX, amount: "1234" })]] },
  { verdict: "served", settled_amount: "1234" });
add("200 without a receipt is served", { status: 200, headers: [], body: "ok" }, { verdict: "served", transaction: null });
add("404 without a receipt is served (the server answered)", { status: 404 }, { verdict: "served" });
add("pay402 problem body: code, detail, message", {
  status: 402,
  headers: [["PAYMENT-REQUIRED", required("invalid_payment")]],
  body: JSON.stringify({ x402Version: 1, error: "invalid_payment", errorDetail: "invalid_exact_evm_signature",
    errorMessage: "the signature does not recover the payer", accepts: [] }),
}, { verdict: "refused", code: "invalid_payment", detail_code: "invalid_exact_evm_signature",
  message: "the signature does not recover the payer", definitive: true });
add("v2 header error wins over the body's", {
  status: 402, headers: [["Payment-Required", required("payment_already_used")]], body: JSON.stringify({ error: "other" }),
}, { verdict: "refused", code: "payment_already_used", detail_code: null, message: null, definitive: true });
add("reference v2 server: header only, empty body", { status: 402, headers: [["PAYMENT-REQUIRED", required("insufficient_funds")]], body: "{}" },
  { verdict: "refused", code: "insufficient_funds", detail_code: null, message: null, definitive: true });
add("failure receipt: errorReason and errorMessage", {
  status: 402, headers: [["PAYMENT-RESPONSE", receipt({ success: false, errorReason: "insufficient_funds", errorMessage: "balance 0", transaction: "" })]],
}, { verdict: "refused", code: "insufficient_funds", message: "balance 0", definitive: true });
add("pending receipt is not definitive", {
  status: 402, headers: [["PAYMENT-RESPONSE", receipt({ success: false, errorReason: "settlement_pending", transaction: TX })]],
}, { verdict: "refused", code: "settlement_pending", definitive: false });
add("pending code in the header is not definitive", { status: 402, headers: [["PAYMENT-REQUIRED", required("settlement_pending")]] },
  { verdict: "refused", code: "settlement_pending", definitive: false });
add("412 permit2_allowance_required", { status: 412, body: JSON.stringify({ error: "permit2_allowance_required" }) },
  { verdict: "refused", code: "permit2_allowance_required", definitive: true });
add("402 with nothing readable", { status: 402, headers: [["PAYMENT-REQUIRED", "%%%"]], body: "<html>pay</html>" },
  { verdict: "refused", code: "payment_refused", detail_code: null, message: null, definitive: true });
add("v1 body error", { status: 402, body: JSON.stringify({ x402Version: 1, error: "X-PAYMENT header is required", accepts }) },
  { verdict: "refused", code: "X-PAYMENT header is required", definitive: true });
add("502 without a receipt is undetermined", { status: 502, body: JSON.stringify({ error: "settle_unavailable" }) }, { verdict: "undetermined" });
add("500 with a settled receipt is served", { status: 500, headers: [["PAYMENT-RESPONSE", receipt({ success: true, transaction: TX })]] },
  { verdict: "served", transaction: TX });

writeVectors("x402-paid-response.json", "x402-paid-response", SOURCE, cases);
