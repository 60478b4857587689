// Types of pay402/settle: settle x402 EVM payments with your own key and RPC URL(s).
import type { Eip1559TransactionRequest, RefundOrder, RefundResult, X402SettlementResult } from "../core.js";

/**
 * A JSON-RPC call failed. `code`: `rpc_unreachable` (no URL answered; for
 * `eth_sendRawTransaction`: no connection could be made, so nothing was sent), `rpc_error` (the
 * node answered with a JSON-RPC error: `rpcCode`, `data`), `rpc_send_unknown` (a send that may
 * have reached the node: its outcome is unknown), `rpc_malformed_response`.
 */
export declare class RpcError extends Error {
  constructor(message: string, init?: { code?: string; url?: string; rpcCode?: number; data?: unknown; cause?: unknown });
  name: "RpcError";
  code: "rpc_unreachable" | "rpc_error" | "rpc_send_unknown" | "rpc_malformed_response";
  url?: string;
  rpcCode?: number;
  data?: unknown;
}

/**
 * A settlement could not be attempted. `code`: `invalid_config`, `chain_id_mismatch` (the RPC
 * serves another chain: nothing is sent), `network_not_configured`, `eip1559_unsupported`, `invalid_argument`,
 * `signer_key_missing`, `invalid_signer_key`, `invalid_pending_entry`.
 */
export declare class SettlementError extends Error {
  constructor(message: string, init?: { code?: string; cause?: unknown });
  name: "SettlementError";
  code: string;
}

/** JSON-RPC over `fetch` with failover. */
export interface EvmJsonRpc {
  readonly urls: string[];
  /** One call; throws an `RpcError`. */
  request(method: string, params?: unknown[]): Promise<unknown>;
}

export interface EvmJsonRpcOptions {
  /** Tried in order: reads move to the next on a connection error, timeout, 429/5xx or a malformed answer;
   * `eth_sendRawTransaction` only when the connection could not be made. */
  urls: string | string[];
  /** Per request. Default 10000. */
  timeoutMs?: number;
  /** Injectable for runtimes without a global fetch. */
  fetch?: typeof fetch;
}

export declare function evmJsonRpc(options: EvmJsonRpcOptions): EvmJsonRpc;

/** Signs the settlement transactions; a KMS can sit behind it. */
export interface TransactionSigner {
  /** The sender (EIP-55). */
  readonly address: string;
  /** The signed EIP-1559 transaction, as `eth_sendRawTransaction` takes it (bytes or `0x` hex). */
  signTransaction(tx: Eip1559TransactionRequest): Promise<Uint8Array | string>;
}

/** A key held in memory; only its address is ever shown (`toString`, `util.inspect`, JSON). */
export interface PrivateKeySigner extends TransactionSigner {
  toJSON(): { address: string };
}

/** A signer of a 32-byte key: `0x` + 64 hex digits, or `{ env: "PAY402_SETTLER_KEY" }` (read now). */
export declare function privateKeySigner(key: string | { env: string }): PrivateKeySigner;

export interface LocalSettlementOptions {
  /** CAIP-2 `eip155:<chain id>`; the RPC's `eth_chainId` must match. */
  network: string;
  /** URLs, `evmJsonRpc` options, or any `{ request(method, params) }`. */
  rpc: string | string[] | EvmJsonRpcOptions | EvmJsonRpc;
  signer: TransactionSigner;
  /** How long to wait for the receipt before answering `settlement_pending`. Default 30000. */
  receiptTimeoutMs?: number;
  /** Receipt polling interval. Default 250. */
  pollIntervalMs?: number;
  /** Unix seconds the payment is verified at. Default: the clock. */
  now?: () => number;
  /** Passed to the core's code-routed verification (`verifyPaymentWithRpc`: `amount`, `validBeforeSlack`). */
  verifyOptions?: { amount?: "exact" | "at_least"; validBeforeSlack?: number };
  /** ERC-6492 factories a counterfactual (undeployed) smart-wallet payer may be deployed through,
   * by this settler, before its transfer. Default none: such payers are refused
   * (`eip6492_factory_not_allowed`) and nothing is sent. */
  allowedFactories?: readonly string[];
  /** Where refunds are recorded before they are sent (default `memoryPendingStore()`: this
   * process only). Share one store (e.g. Redis with `SET NX` for `add`) between processes that
   * may pay the same refund. */
  pendingStore?: PendingStore;
}

/** A JSON-compatible record of one refund: the signed transaction (`raw`, `hash`, `nonce`) and
 * the order (`asset`: the token, or `"native"`), `state` `"signed"` until it ends (`"refunded"`,
 * `"reverted"`, with `result`). */
export interface RefundRecord {
  kind: "refund"; state: "signed" | "refunded" | "reverted"; raw: string; hash: string; nonce: string;
  key: string; network: string; asset: string; to: string; amount: string; signedAt: number; result?: RefundResult;
}

/** Where `localSettlement` records refunds before sending them. `add` stores only if the key is
 * absent and must be atomic across the processes sharing the store: the caller that gets `true`
 * signs, every other one uses its record. */
export interface PendingStore {
  get(key: string): Promise<RefundRecord | null> | RefundRecord | null;
  set(key: string, record: RefundRecord): Promise<void> | void;
  add(key: string, record: RefundRecord): Promise<boolean> | boolean;
  delete(key: string): Promise<boolean> | boolean;
  keys(): Promise<string[]> | string[];
}

/** The default `pendingStore`: a Map in this process (lost on restart). */
export declare function memoryPendingStore(): PendingStore;

/** What `x402Middleware` hands its `settle(payment, request)`: the payment payload, the offer paid, the `upto` charge. */
export interface MiddlewarePayment {
  payload: object;
  offer: object;
  settleAmount?: bigint;
}

/** A settlement that was pending and whose receipt arrived. */
export interface ReconciledSettlement {
  transaction: string;
  /** A settlement's result, or a refund's (`RefundResult`, recognisable by its `verdict`
   * `refunded` | `failed`). */
  result: X402SettlementResult | RefundResult;
}

export interface LocalSettlement {
  readonly network: string;
  /** The signer's address: the transactions' sender. */
  readonly address: string;
  readonly rpc: EvmJsonRpc;
  /**
   * The server's `settle` hook: the `/settle` body (`pay`, `paywall`, `withPayment`, `paymentGate`)
   * or the payment `x402Middleware` passes; resolves to the SettleResponse JSON.
   */
  settle: ((body: Uint8Array | string | MiddlewarePayment, ctx?: unknown) => Promise<string>) & {
    readonly chainReads: LocalSettlement["chainReads"]; readonly allowedFactories: readonly string[];
  };
  /** Settles one payment; the core's result (`json`: the SettleResponse). Throws `RpcError`/`SettlementError` when undecided. */
  settlePayment(paymentPayload: string | object, requirements: string | object, settleAmount?: bigint | number | string): Promise<X402SettlementResult>;
  /** Pending settlements whose receipts arrived since the last call, each reported once. */
  reconcile(): Promise<ReconciledSettlement[]>;
  /**
   * Pays `order` back from the signer with the order's transaction `{ to: order.txTo, value:
   * order.txValue, data: order.calldata }` (an ERC-20 `transfer` of `order.amount` to `order.to`
   * for a token; a value transfer of `order.amount` to `order.to`, no calldata, for `asset`
   * `"native"`), simulated first (a signer without the tokens or the coin: `refund_send_failed`,
   * nothing recorded), at most once per `order.key`: recorded in `pendingStore` before it is sent; a later call re-sends
   * the same bytes or awaits their hash and never signs again; an ended refund answers its stored
   * result. `refund_pending`: call again, or `reconcile()`. Throws `SettlementError`
   * (`network_not_configured`, `invalid_argument`) or `RpcError` when nothing was signed.
   */
  refund(order: RefundOrder): Promise<RefundResult>;
  /** Where refunds are recorded. */
  readonly pendingStore: PendingStore;
  /** Reads `eth_chainId` (once); throws `chain_id_mismatch`. */
  checkChain(): Promise<void>;
  /** Hashes of the settlements still waiting for their receipt. */
  pending(): string[];
  /** The two chain reads of smart-wallet admission (`x402Middleware`'s default `rpc` when `settle` is this settlement's). */
  readonly chainReads: { getCode(address: string): Promise<string>; call(to: string, data: string): Promise<string | null> };
  /** The ERC-6492 factory allow-list (`x402Middleware`'s default `allowedFactories`). */
  readonly allowedFactories: readonly string[];
}

export declare function localSettlement(options: LocalSettlementOptions): LocalSettlement;
export * from "./svm.mjs";
