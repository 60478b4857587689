// A peer server for the Kotlin client's tests: the reference @x402/express middleware
// (paymentMiddleware over x402ResourceServer + HTTPFacilitatorClient, express on 127.0.0.1)
// selling USDC with x402 v2: on Base Sepolia GET /exact (`exact`, EIP-3009, $0.01), GET /permit2
// (`exact`, Permit2, 10000) and GET /upto (`upto`, Permit2, $0.05); on Solana devnet GET /svm
// (`exact`, $0.01, the facilitator's fee payer); settling through a local facilitator on the
// reference's own code (@x402/core x402Facilitator with @x402/evm's exact and upto schemes and
// @x402/svm's exact scheme): /verify and /settle both run the peer's verification (payload checks and the
// EIP-712 signature with viem; the Solana transaction's instructions, amounts, accounts and
// signatures); /settle answers success with a made-up transaction only when
// that verification passes (there is no chain). The chain reads answer as a node would for a
// funded payer of a deployed USDC that approved Permit2 (ffi-wasm/tests/peer-servers.mjs does
// the same for EIP-3009); the Solana fee-payer signer has no chain either: its simulation passes
// and it never signs or sends. GET /unsettled sells `exact` EIP-3009 for $0.02, whose /settle answers
// honestly that nothing was settled, after the same verification.
//
// Prints one JSON line, {"url": …, "facilitator": …}, then serves until it is killed. GET <facilitator>/received lists what the facilitator got (path, payer, verdict).
//   node peer-server.mjs        (in a directory whose node_modules are ffi-wasm/tests's)
import { createServer } from "node:http";
import express from "express";
import { verifyTypedData } from "viem";
import { x402Facilitator } from "@x402/core/facilitator";
import { HTTPFacilitatorClient } from "@x402/core/server";
import { ExactEvmScheme as EvmFacilitatorScheme } from "@x402/evm/exact/facilitator";
import { ExactEvmScheme as EvmServerScheme } from "@x402/evm/exact/server";
import { UptoEvmScheme as UptoFacilitatorScheme } from "@x402/evm/upto/facilitator";
import { UptoEvmScheme as UptoServerScheme } from "@x402/evm/upto/server";
import { ExactSvmScheme as SvmFacilitatorScheme } from "@x402/svm/exact/facilitator";
import { ExactSvmScheme as SvmServerScheme } from "@x402/svm/exact/server";
import { paymentMiddleware, x402ResourceServer } from "@x402/express";

const USDC = "0x036CbD53842c5426634e7929541eC2318f3dCF7e";
const PAY_TO = "0x209693Bc6afc0C5328bA36FaF03C514EF312287C";
const NETWORK = "eip155:84532";
const SOLANA_DEVNET = "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1";
// The parties of the reference client's Solana transfer in tests/conformance/vectors (svm.build).
const FEE_PAYER = "J1cezW528jhuvQ5HqUVmLhVFre2PXkE6374HKgtCko5y";
const SVM_PAY_TO = "AKSQxLCef2dEpkNCBccBzHxnL5NNBJNc3BeTMh5hp2P2";
const UNSETTLED = "20000"; // the amount of GET /unsettled ($0.02 of 6-decimal USDC)

const listen = (server) => new Promise((res) => server.listen(0, "127.0.0.1", () => res(`http://127.0.0.1:${server.address().port}`)));

const offlineChain = {
  getAddresses: () => ["0x000000000000000000000000000000000000dEaD"],
  getCode: async ({ address }) => (address.toLowerCase() === USDC.toLowerCase() ? "0x6080604052" : "0x"),
  // A funded payer that approved Permit2: balanceOf and allowance are large; anything else unset.
  readContract: async ({ functionName }) => (["balanceOf", "allowance"].includes(functionName) ? 10n ** 24n : undefined),
  verifyTypedData: async (args) => verifyTypedData(args),
  writeContract: async () => { throw new Error("this facilitator never writes to a chain"); },
};
const facilitator = new x402Facilitator()
  .register(NETWORK, new EvmFacilitatorScheme(offlineChain))
  .register(NETWORK, new UptoFacilitatorScheme(offlineChain))
  .register(SOLANA_DEVNET, new SvmFacilitatorScheme({
    getAddresses: () => [FEE_PAYER],
    simulateTransaction: async () => undefined,
    signTransaction: async () => { throw new Error("this facilitator never signs"); },
    sendTransaction: async () => { throw new Error("this facilitator never sends"); },
    confirmTransaction: async () => { throw new Error("this facilitator never sends"); },
  }));
const received = [];
const facilitatorServer = createServer((req, res) => {
  let data = "";
  req.on("data", (c) => (data += c)).on("end", async () => {
    const path = "/" + req.url.split("/").pop();
    const reply = (json) => { res.writeHead(200, { "content-type": "application/json" }); res.end(JSON.stringify(json)); };
    if (path === "/supported") return reply(facilitator.getSupported());
    if (path === "/received") return reply(received);
    const body = JSON.parse(data);
    const verdict = await facilitator.verify(body.paymentPayload, body.paymentRequirements);
    received.push({ path, payer: verdict.payer ?? null, isValid: verdict.isValid, amount: body.paymentRequirements.amount });
    if (path === "/verify") return reply(verdict);
    const network = body.paymentRequirements.network;
    if (verdict.isValid && body.paymentRequirements.amount === UNSETTLED) {
      return reply({ success: false, errorReason: "settlement_not_attempted", errorMessage: "test facilitator: no chain",
        transaction: "", network });
    }
    reply(verdict.isValid
      ? { success: true, transaction: "0x" + "ef".repeat(32), network, payer: verdict.payer, amount: body.paymentRequirements.amount }
      : { success: false, errorReason: verdict.invalidReason, errorMessage: verdict.invalidMessage ?? "invalid", transaction: "", network });
  });
});
const facilitatorUrl = await listen(facilitatorServer);

const app = express();
const resourceServer = new x402ResourceServer(new HTTPFacilitatorClient({ url: facilitatorUrl }))
  .register(NETWORK, new EvmServerScheme())
  .register(NETWORK, new UptoServerScheme())
  .register(SOLANA_DEVNET, new SvmServerScheme());
const permit2Price = { amount: "10000", asset: USDC, extra: { assetTransferMethod: "permit2", name: "USDC", version: "2" } };
app.use(paymentMiddleware({
  "GET /exact": { accepts: { scheme: "exact", payTo: PAY_TO, price: "$0.01", network: NETWORK } },
  "GET /permit2": { accepts: { scheme: "exact", payTo: PAY_TO, price: permit2Price, network: NETWORK } },
  "GET /upto": { accepts: { scheme: "upto", payTo: PAY_TO, price: "$0.05", network: NETWORK } },
  "GET /svm": { accepts: { scheme: "exact", payTo: SVM_PAY_TO, price: "$0.01", network: SOLANA_DEVNET } },
  "GET /unsettled": { accepts: { scheme: "exact", payTo: PAY_TO, price: "$0.02", network: NETWORK } },
}, resourceServer));
for (const path of ["/exact", "/permit2", "/upto", "/svm", "/unsettled"]) app.get(path, (req, res) => res.json({ data: "premium", path }));
const base = await listen(createServer(app));

console.log(JSON.stringify({ url: base, facilitator: facilitatorUrl }));
