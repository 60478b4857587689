// The browser entries (`pay402/web`, `pay402/verify/web`): init (async) or initSync, then the
// same functions. Compiled with the DOM lib only (their `init` takes `RequestInfo`,
// `BufferSource` and `WebAssembly.Module`, which a Node-only lib does not declare).
import initVerify, { initSync, x402Verify as verifyOnWeb } from "pay402/verify/web";
import init, { wrapFetch, privateKeySigner, eip1193Signer, type Eip1193Provider, type Eip712TypedData } from "pay402/web";

const offer = { scheme: "exact", network: "eip155:84532", amount: "10000", asset: "0x036CbD53842c5426634e7929541eC2318f3dCF7e",
  payTo: "0x209693Bc6afc0C5328bA36FaF03C514EF312287C", maxTimeoutSeconds: 60, extra: { name: "USDC", version: "2" } };
await initVerify();
initSync({ module: new Uint8Array(0) });
const webPayer: string = verifyOnWeb(offer, "e30=", 0).payer;
await init({ module_or_path: new URL("https://cdn.example/pay402_bg.wasm") });
// an EIP-1193 wallet (window.ethereum): the request's result is `unknown`, the typed data precise
const ethereum: Eip1193Provider = { request: async ({ method }) => (method === "eth_chainId" ? "0x14a34" : null) };
const wallet = eip1193Signer(ethereum, "0x209693Bc6afc0C5328bA36FaF03C514EF312287C");
const signed: Promise<Uint8Array | string> = wallet.signTypedData(
  { types: { EIP712Domain: [{ name: "name", type: "string" }] }, primaryType: "EIP712Domain", domain: { name: "x" }, message: {} },
  new Uint8Array(32),
);
const primaryType = (t: Eip712TypedData): string => t.primaryType;
const pay = wrapFetch(window.fetch.bind(window), privateKeySigner(new Uint8Array(32).fill(1)), null);
void webPayer; void signed; void primaryType; void pay;
