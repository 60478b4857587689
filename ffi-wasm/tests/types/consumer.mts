// A typed ESM consumer of the installed package (ffi-wasm/tests/run.sh compiles it with tsc,
// strict, against the published .d.ts, under a DOM and a Node-only lib): the main entry pays
// and serves, `pay402/verify` serves; every annotation here is a claim about the published
// types. The browser entries are in consumer-web.mts (DOM lib only).
import {
  x402Sign, x402Verify, wrapFetch, x402Middleware, privateKeySigner, svmBuildTransfer, svmPaymentHeader,
  ClientBudget, createPayment, X402Client, type X402ChosenOffer, type X402PayKind, type Permit2Approval, type X402PaidOutcome,
  type X402PaymentRefused, type BudgetReservation, type Budget, type X402Payment, type X402Verified, type X402SvmVerified, type SvmTransfer, type SvmPayment,
} from "pay402";
import { Ws402TariffMeter, type Ws402TariffOutcome, type Ws402TariffEnd } from "pay402";
import { Ws402ClientSession, type Ws402ClientEvent, type Ws402ClientPhase } from "pay402";
import * as verify from "pay402/verify";
import { verifyRequest, verifyPayment, paymentRequired, type VerifyResult, type ReplayStore } from "pay402/verify";
import { FacilitatorClient, FacilitatorError, type SettleResponse } from "pay402/facilitator";
import { MemoryReplayStore, RedisReplayStore, ReplayStoreError, type ReplayStore as ReservingStore } from "pay402/replay";

const key = new Uint8Array(32).fill(0x11);
const USDC = "0x036CbD53842c5426634e7929541eC2318f3dCF7e";
const offer = { scheme: "exact", network: "eip155:84532", amount: "10000", asset: USDC,
  payTo: "0x209693Bc6afc0C5328bA36FaF03C514EF312287C", maxTimeoutSeconds: 60, extra: { name: "USDC", version: "2" } };
const required = { x402Version: 2, resource: { url: "https://api.example.com/x" }, accepts: [offer] };
const now = 1740672100;

// main entry: sign, verify (options optional), narrow on kind
const signed: X402Payment = x402Sign(required, { privateKey: key, now, nonce: new Uint8Array(32) });
const header: string = signed.payment;
const verified: X402Verified | X402SvmVerified = x402Verify(offer, header, now);
if (verified.kind !== "exact_svm") {
  const amount: bigint = verified.amount;
  const chainId: number | undefined = verified.chainId;
  const replayKey: Uint8Array = verified.replayKey;
  void amount; void chainId; void replayKey;
}

// main entry: Solana, the transfer wrapped in the payment header (base64 text or wire bytes)
const feePayer = "J1cezW528jhuvQ5HqUVmLhVFre2PXkE6374HKgtCko5y";
const transfer: SvmTransfer = svmBuildTransfer({ payerSeed: key, feePayer, mint: "4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU",
  payTo: "AKSQxLCef2dEpkNCBccBzHxnL5NNBJNc3BeTMh5hp2P2", amount: 10_000n, decimals: 6, recentBlockhash: feePayer });
const solana: SvmPayment = svmPaymentHeader(required, { transaction: transfer.transaction, acceptIndex: 0 });
const solanaHeader: [string, string] = [solana.headerName, svmPaymentHeader(required, { transaction: new Uint8Array(0) }).payment];
void solanaHeader;

// main entry: the paying fetch and the middleware
const budget: Budget = { networks: ["eip155:84532"], assets: [USDC], maxAmount: 10_000n, total: 100_000n };
const pay = wrapFetch(fetch, privateKeySigner(key), budget);
const response: Promise<Response> = pay("https://api.example.com/x", { method: "POST" });
// a shared client budget with a window; createPayment hands back the reservation to end
const shared: ClientBudget = ClientBudget.anyAsset({ perRequest: 10_000n, total: 100_000n, window: { seconds: 3600, amount: 50_000n } });
const payShared = wrapFetch(fetch, privateKeySigner(key), { networks: ["eip155:84532"], assets: [USDC], clientBudget: shared });
void payShared;
const reserved: Promise<BudgetReservation> = createPayment(required, privateKeySigner(key), budget).then((p) => p.reservation);
// every scheme, one budget across EVM and Solana, the chain state and the Permit2 allowance
const both = new ClientBudget();
both.add("eip155:84532", USDC, { perRequest: 10_000n, total: 100_000n });
const payAll = wrapFetch(fetch, privateKeySigner(key), {
  networks: ["eip155:84532", "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1"],
  assets: [USDC, "4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU"], clientBudget: both, schemes: ["exact_eip3009", "exact_svm", "upto_permit2"],
}, {
  solana: { seed: key, recentBlockhash: async (network: string) => network, rpcUrl: "http://127.0.0.1:8899" },
  allowance: async (q: Permit2Approval & { owner: string }) => (q.amount > 0n ? q.amount : 0n),
  evmRpcUrl: { 84532: "http://127.0.0.1:8545" },
});
const refusedCode: Promise<string | null> = payAll("https://api.example.com/x").then(() => null, (e: X402PaymentRefused) => e.detailCode);
void refusedCode;
const client = new X402Client({ networks: ["eip155:84532"], evmAssets: [USDC] }, both);
const chosen: X402ChosenOffer = client.choose([["PAYMENT-REQUIRED", "e30="]], "", now);
const kind: X402PayKind = chosen.kind;
const approval: Permit2Approval | null = chosen.approval;
const outcome: X402PaidOutcome = client.complete(chosen, client.reserve(chosen, now), 402, [], "{}");
if (outcome.verdict === "refused") { const definitive: boolean = outcome.definitive; void definitive; }
void kind; void approval;

void reserved;
const middleware = x402Middleware([offer], {
  settle: async (v) => ({ success: true, payer: v.payer }),
  onError: (e) => console.error(e),
});
void response; void middleware;

// pay402/verify: the same verification from the verify-only module
const payer: string = verify.x402Verify(offer, header, BigInt(now), { amount: "at_least", signature: "lenient" }).payer;
const store: ReplayStore = verify.memoryReplayStore();
const serverMiddleware = verify.x402Middleware(async () => [offer], { replayStore: store, x402Version: 1 });
const recovered: string = verify.recoverAddress(verify.eip3009Digest(
  { name: "USDC", version: "2", chainId: 84532, verifyingContract: USDC },
  { from: payer, to: offer.payTo, value: 1n, validAfter: 0n, validBefore: 2n, nonce: new Uint8Array(32) },
).digest, signed.signature);
const checksummed: string = verify.checksumAddress(recovered.toLowerCase());
// @ts-expect-error the paying client is not part of pay402/verify
verify.x402Sign(required, { privateKey: key, now, nonce: new Uint8Array(32) });
// @ts-expect-error neither is Solana
verify.svmBuildTransfer;
// @ts-expect-error nor the Solana payment header
verify.svmPaymentHeader;
void serverMiddleware; void checksummed;

// edge handler: on failure `response` is always there
export async function handle(request: Request): Promise<Response> {
  const result = await verifyRequest(request, [offer], { resource: { url: request.url } });
  if (!result.ok) return result.response;
  return new Response(result.verified.payer);
}
const checked: VerifyResult = verifyPayment({ "payment-signature": header }, [offer], { now: () => now });
const answer = paymentRequired([offer], { resourceUrl: "/x" });
const status: 402 = answer.status;
void checked; void status;

// pay402/facilitator: several facilitators, per-facilitator headers, typed results and errors
const facilitators = new FacilitatorClient(["https://a.example", { url: "https://b.example", timeoutMs: 5000,
  headers: async (endpoint) => ({ authorization: `Bearer ${endpoint}` }) }], { retry: { attempts: 2 } });
export async function settleOnce(payload: Record<string, unknown>): Promise<string> {
  try {
    const settled: SettleResponse = await facilitators.settle(payload, offer);
    return settled.transaction;
  } catch (e) {
    if (e instanceof FacilitatorError && e.code === "facilitator_unavailable") return "";
    throw e;
  }
}
// pay402/replay: reserve / release; both stores also fit x402Middleware's replayStore
const memory = new MemoryReplayStore({ maxEntries: 10, now: () => 0 });
const fresh: boolean = memory.reserve(new Uint8Array(80), 60);
memory.release("k");
const redisShared: Promise<RedisReplayStore> = RedisReplayStore.fromUrl("redis://127.0.0.1:6379/0", { client: "ioredis", timeoutMs: 500 });
const redisReserved: Promise<boolean> = redisShared.then((s) => s.reserve("k", 1));
const reserving: ReservingStore = memory;
const middlewareStore: ReplayStore = memory;
x402Middleware([offer], { replayStore: memory });
const unavailable: "replay_store_unavailable" = new ReplayStoreError("down").code;
void fresh; void redisReserved; void reserving; void middlewareStore; void unavailable;


// server adapters: Express-style per route and paywall, Fetch wrapper, hooks, upto charge
import { pay as payRoute, paywall, withPayment, paymentOf, honoPaywall, configFromEnv, type ServerConfig, type Payment, type OfferPrice } from "pay402";
const sold: ServerConfig<Request> = {
  offers: [{ scheme: "upto", network: "eip155:84532", asset: USDC, amount: 50_000n, payTo: offer.payTo, facilitator: offer.payTo }],
  facilitatorUrl: "https://facilitator.example",
  hooks: { afterSettle: ({ settlement }) => void settlement, grantAccess: ({ request }) => request.headers.has("x-key") },
  unpaidBody: ({ code }) => ({ code }),
};
export const GET = withPayment(async (request: Request, context: { params: Promise<{ id: string }> }) => {
  const paid: Payment | null = paymentOf(request);
  paid?.charge(8_400n);
  return Response.json({ id: (await context.params).id });
}, sold);
const perRoute = payRoute({ price: "$0.01", env: { PAY402_NETWORK: "eip155:84532" } });
const wall = paywall({ routes: { "GET /premium": { price: 10_000 }, "GET /gold": { price: 20_000n }, "GET /tiered": { price: (req) => (req.url === "/gold" ? "$0.02" : 10_000n) } } });
const hono = honoPaywall(sold);
const fromEnv: ServerConfig = configFromEnv({ PAY402_AMOUNT: "1" });
const display: OfferPrice = "$0.01";
void perRoute; void wall; void hono; void fromEnv; void display;

// smart-wallet payers: the route on the payer's code; the route names are a closed union
import { routeSignature, type SignatureRoute } from "pay402";
const routed: SignatureRoute = routeSignature(new Uint8Array(65), "0x", [offer.payTo]);
const routedSignature: Uint8Array = routed.signature;
if (routed.route === "eip7702_eip1271") { const delegate: string | undefined = routed.delegate; void delegate; }
if (routed.route === "erc6492_counterfactual") { const calldata: Uint8Array | undefined = routed.factoryCalldata; void calldata; }
void routedSignature;

// The WS402 tariff meter: amounts are bigint, close codes may be null (connection_lost).
const tariff = new Ws402TariffMeter({ perSecond: 10n, perByteOut: 1n, paid: 1000n, maxSessionSeconds: 3600, deadlineMs: now * 1000 + 60_000 }, now * 1000);
const frame: Ws402TariffOutcome = tariff.maySend(now * 1000 + 500, 100);
if (frame.state === "running") tariff.onEvent(now * 1000 + 500, "bytes_out", 100);
const tariffEnd: Ws402TariffEnd | null = tariff.end;
const closeCode: number | null | undefined = tariffEnd?.closeCode;
const refund: bigint = tariff.remaining;
void closeCode; void refund;
tariff.free();

// The WS402 client tracker: events are a union on `kind`, amounts bigint.
const wsClient = new Ws402ClientSession(300n, 1n);
const proofFrame: string = wsClient.writePaymentProof("eyJ4NDAyVmVyc2lvbiI6Mn0=");
const wsEvent: Ws402ClientEvent = wsClient.onText('{"type":"session_started","sessionId":"s","balance":300,"pricePerSecond":1}');
if (wsEvent.kind === "started") { const b: bigint = wsEvent.balance; void b; }
if (wsEvent.kind === "ended") { const r: bigint = wsEvent.refund; const tx: string | null = wsEvent.refundTx; void r; void tx; }
const wsPhase: Ws402ClientPhase = wsClient.phase;
const wsRemaining: bigint = wsClient.remaining;
const wsToken: string | null = wsClient.resumeToken;
void proofFrame; void wsPhase; void wsRemaining; void wsToken;
wsClient.free();
