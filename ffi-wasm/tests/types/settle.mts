// A typed consumer of pay402/settle (strict, node16 ESM): local settlement as the middleware's hook.
import { paywall } from "pay402";
import {
  evmJsonRpc, localSettlement, privateKeySigner, RpcError, SettlementError,
  type LocalSettlement, type ReconciledSettlement, type TransactionSigner,
} from "pay402/settle";

const rpc = evmJsonRpc({ urls: ["http://127.0.0.1:8545", "http://127.0.0.1:8546"], timeoutMs: 5_000 });
const key = privateKeySigner({ env: "PAY402_SETTLER_KEY" });
// a KMS-backed signer: anything with an address and signTransaction
const kms: TransactionSigner = {
  address: key.address,
  signTransaction: async (tx) => `0x02${tx.chainId.toString(16)}`,
};
const local: LocalSettlement = localSettlement({ network: "eip155:8453", rpc, signer: kms, receiptTimeoutMs: 30_000 });
export const middleware = paywall({ routes: { "GET /x": { amount: "10000" } }, settle: local.settle });
const result = await local.settlePayment({ x402Version: 2 }, { scheme: "exact" }, 10n);
const reason: string | undefined = result.errorReason;
const done: ReconciledSettlement[] = await local.reconcile();
const hash: string | undefined = done[0]?.transaction;
try {
  await rpc.request("eth_chainId");
} catch (e) {
  if (e instanceof RpcError) { const code: string = e.code; void code; }
  if (e instanceof SettlementError) { const code: string = e.code; void code; }
}
void reason; void hash;

// Solana: our own fee payer co-signs and sends; the duplicate-settlement cache can be shared (a replay store).
import { localSvmSettlement, solanaJsonRpc, SVM_SETTLEMENT_CACHE_TTL_SECS, type LocalSvmSettlement } from "pay402/settle";
import { MemoryReplayStore } from "pay402/replay";
import { parsePayper402Challenge, payper402Challenge, type PayPer402Challenge } from "pay402";
const solana: LocalSvmSettlement = localSvmSettlement({
  network: "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1",
  rpc: solanaJsonRpc({ urls: ["http://127.0.0.1:8899"], timeoutMs: 5_000 }),
  feePayer: { env: "PAY402_SVM_FEE_PAYER" },
  cache: new MemoryReplayStore(),
  cacheTtlSeconds: SVM_SETTLEMENT_CACHE_TTL_SECS,
});
export const solanaMiddleware = paywall({ routes: { "GET /s": { amount: "10000" } }, settle: solana.settle });
const svmResult = await solana.settlePayment({ x402Version: 2 }, { scheme: "exact" });
const pendingSignatures: string[] = solana.pending();
const feePayerAddress: string = solana.feePayer;
// PayPer402: the challenge a server writes, the price a client reads (atomic units)
const header: string = payper402Challenge({ realm: "PayPer402", amount: 42_000n, decimals: 6, currency: "USDC", network: "Solana" });
const offer: PayPer402Challenge = parsePayper402Challenge(header, 6);
const price: bigint = offer.amount;
const realm: string | null = offer.realm;
void svmResult.verdict; void pendingSignatures; void feePayerAddress; void price; void realm;
// smart-wallet payers: admitted through the settlement's chain reads (the default), or an explicit rpc
export const smartWallets = paywall({
  routes: { "GET /y": { amount: "10000" } }, settle: local.settle, rpc: local.chainReads, allowedFactories: local.allowedFactories,
});
export const noChain = paywall({ routes: { "GET /z": { amount: "10000" } }, settle: local.settle, rpc: null });

// Refunds: a core RefundOrder paid back at most once, recorded in a pending store first.
import { refundOrderForSession, type RefundResult } from "pay402";
import { memoryPendingStore, type PendingStore, type RefundRecord } from "pay402/settle";
const store: PendingStore = memoryPendingStore();
const withStore: LocalSettlement = localSettlement({ network: "eip155:8453", rpc, signer: kms, pendingStore: store });
const refundOrder = refundOrderForSession(new Uint8Array(16), "eip155:8453", "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913",
  "0x857b06519E91e3A54538791bDbb0E22373e36b66", 2n ** 53n + 1n);
const refunded: RefundResult = await withStore.refund(refundOrder);
const verdict: "refunded" | "failed" | "pending" = refunded.verdict;
const record: RefundRecord | null = await store.get("refund:" + "00".repeat(32));
const refundAmount: bigint = refundOrder.amount;
refundOrder.free();
void verdict; void record; void refundAmount;
// a native-coin refund: the order's own transaction, a value transfer to the payer
const nativeOrder = refundOrderForSession(new Uint8Array(16), "eip155:8453", "native",
  "0x857b06519E91e3A54538791bDbb0E22373e36b66", 10n ** 15n);
const tx: { to: string; value: bigint; data: Uint8Array } = { to: nativeOrder.txTo, value: nativeOrder.txValue, data: nativeOrder.calldata };
const nativeAsset: string = nativeOrder.asset;
const nativeRefunded: RefundResult = await withStore.refund(nativeOrder);
nativeOrder.free();
void tx; void nativeAsset; void nativeRefunded;
