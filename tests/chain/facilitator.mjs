// The reference TypeScript facilitator (@x402/core x402Facilitator + @x402/evm ExactEvmScheme) served over HTTP on
// loopback, settling for real on the local node with Hardhat account #1 as the gas-paying facilitator wallet.
// Same API as the hosted facilitators (the x402 facilitator API): POST /verify, POST /settle, GET /supported.
//   PAY402_CHAIN_RPC=http://127.0.0.1:8545 PAY402_FACILITATOR_PORT=4021 node facilitator.mjs
// Prints "facilitator listening on http://127.0.0.1:PORT" once ready.
import http from "node:http";
import { createWalletClient, http as viemHttp, publicActions } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { x402Facilitator } from "@x402/core/facilitator";
import { toFacilitatorEvmSigner } from "@x402/evm";
import { ExactEvmScheme } from "@x402/evm/exact/facilitator";
import { UptoEvmScheme } from "@x402/evm/upto/facilitator";
import { KEYS, NETWORK, localChain, rpcUrl } from "./lib.mjs";

const url = rpcUrl();
const port = Number(process.env.PAY402_FACILITATOR_PORT ?? 0);
const account = privateKeyToAccount(KEYS.facilitator);
const client = createWalletClient({ account, chain: localChain(url), transport: viemHttp(url) }).extend(publicActions);
const signer = toFacilitatorEvmSigner({ ...client, address: account.address }, { confirmationTimeoutMs: 30_000 });

// v2 `exact` on the local chain only. The asset (our Eip3009Token) and its EIP-712 domain {name, version} travel in
// each request's paymentRequirements (`asset`, `extra`), exactly as for USDC on a public chain.
const facilitator = new x402Facilitator();
facilitator.register(NETWORK, new ExactEvmScheme(signer));
// `upto` (Permit2) too: it settles against the Permit2 proxies deploy.mjs installs (witness.facilitator: this signer)
facilitator.register(NETWORK, new UptoEvmScheme(signer));

function send(res, status, body) {
  const text = JSON.stringify(body, (_, v) => (typeof v === "bigint" ? v.toString() : v));
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

async function readJson(req) {
  const chunks = [];
  let size = 0;
  for await (const c of req) {
    size += c.length;
    if (size > 1 << 20) throw new Error("body too large");
    chunks.push(c);
  }
  return JSON.parse(Buffer.concat(chunks).toString("utf8"));
}

const server = http.createServer(async (req, res) => {
  try {
    if (req.method === "GET" && req.url === "/supported") return send(res, 200, facilitator.getSupported());
    if (req.method === "POST" && (req.url === "/verify" || req.url === "/settle")) {
      let body;
      try {
        body = await readJson(req);
      } catch (e) {
        return send(res, 400, { error: `malformed body: ${e.message}` });
      }
      const { paymentPayload, paymentRequirements } = body ?? {};
      if (!paymentPayload || !paymentRequirements) return send(res, 400, { error: "paymentPayload and paymentRequirements are required" });
      // As the TS example facilitator: an invalid payment is 200 + isValid:false / success:false; exceptions are 500.
      const out = req.url === "/verify"
        ? await facilitator.verify(paymentPayload, paymentRequirements)
        : await facilitator.settle(paymentPayload, paymentRequirements);
      console.log(`${req.url} -> ${JSON.stringify(out, (_, v) => (typeof v === "bigint" ? v.toString() : v))}`);
      return send(res, 200, out);
    }
    send(res, 404, { error: "not found" });
  } catch (e) {
    console.error(`${req.url} failed:`, e);
    send(res, 500, { error: String(e?.message ?? e) });
  }
});
server.listen(port, "127.0.0.1", () => {
  console.log(`facilitator listening on http://127.0.0.1:${server.address().port} (signer ${account.address}, ${NETWORK})`);
});
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => server.close(() => process.exit(0)));
