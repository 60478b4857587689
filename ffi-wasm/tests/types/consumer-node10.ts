// CommonJS with `moduleResolution: node10` (TypeScript 5.x; no `exports` map: the "types"
// field, the subpaths' own .d.ts): the same calls, imported the pre-`exports` way.
import { x402Sign, wrapFetch, privateKeySigner, pay, type Budget, type NodeMiddleware, type Eip712TypedData } from "pay402";
import { x402Verify, verifyPayment } from "pay402/verify";
import { FacilitatorClient } from "pay402/facilitator";
import { MemoryReplayStore } from "pay402/replay";
import { createOffersPaywall } from "pay402/offers-server";

const key = new Uint8Array(32).fill(0x11);
const USDC = "0x036CbD53842c5426634e7929541eC2318f3dCF7e";
const offer = { scheme: "exact", network: "eip155:84532", amount: "10000", asset: USDC,
  payTo: "0x209693Bc6afc0C5328bA36FaF03C514EF312287C", maxTimeoutSeconds: 60, extra: { name: "USDC", version: "2" } };
const signed = x402Sign({ x402Version: 2, resource: { url: "https://api.example.com/x" }, accepts: [offer] },
  { privateKey: key, now: 1740672100, nonce: new Uint8Array(32) });
export const payer: string = x402Verify(offer, signed.headerValue, 1740672100).payer;
const budget: Budget = { networks: ["eip155:84532"], assets: [USDC], maxAmount: 10_000n };
export const paying = wrapFetch(fetch, privateKeySigner(key), budget);
export const middleware: NodeMiddleware = pay({ price: "$0.01", env: false });
export const ok: boolean = verifyPayment({}, [offer]).ok;
export const client = new FacilitatorClient("https://a.example");
export const reserved: boolean = new MemoryReplayStore().reserve("k", 60);
export const primary = (t: Eip712TypedData): string => t.primaryType;
export const offers = createOffersPaywall;
