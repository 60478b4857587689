// A typed CommonJS consumer: `require` resolves the published types through the "require"
// conditions (index.d.ts / verify/index.d.ts).
import pay402 = require("pay402");
import verify = require("pay402/verify");
import facilitator = require("pay402/facilitator");
import replay = require("pay402/replay");

const key = new Uint8Array(32).fill(0x11);
const offer = { scheme: "exact", network: "eip155:84532", amount: "10000", asset: "0x036CbD53842c5426634e7929541eC2318f3dCF7e",
  payTo: "0x209693Bc6afc0C5328bA36FaF03C514EF312287C", maxTimeoutSeconds: 60, extra: { name: "USDC", version: "2" } };
const signed = pay402.x402Sign({ x402Version: 2, resource: { url: "https://api.example.com/x" }, accepts: [offer] },
  { privateKey: key, now: 1740672100, nonce: new Uint8Array(32) });
const payer: string = verify.x402Verify(offer, signed.payment, 1740672100).payer;
const middleware: verify.NodeMiddleware = verify.x402Middleware([offer]);

const facilitators = new facilitator.FacilitatorClient("https://a.example", { timeoutMs: 1000 });
const isVerifyError = (e: unknown): boolean => e instanceof facilitator.VerifyError && typeof e.code === "string";
void facilitators;
void isVerifyError;
const reserved: boolean = new replay.MemoryReplayStore().reserve("k", 60);
export = { payer, middleware, reserved };
