// Must NOT compile (ffi-wasm/tests/run.sh asserts tsc fails here, and only here): x402Verify takes
// the header value (`signed.payment`, a string), not the whole X402Payment.
import { x402Sign } from "pay402";
import { x402Verify } from "pay402/verify";

const offer = { scheme: "exact", network: "eip155:84532", amount: "10000", asset: "0x036CbD53842c5426634e7929541eC2318f3dCF7e",
  payTo: "0x209693Bc6afc0C5328bA36FaF03C514EF312287C", maxTimeoutSeconds: 60, extra: { name: "USDC", version: "2" } };
const signed = x402Sign({ x402Version: 2, accepts: [offer] }, { privateKey: new Uint8Array(32), now: 0, nonce: new Uint8Array(32) });
x402Verify(offer, signed, 0);
