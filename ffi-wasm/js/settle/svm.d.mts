// Types of pay402/settle, Solana: settle x402 `exact` Solana payments with your own fee payer and RPC URL(s).
import type { X402SettlementResult } from "../core.js";
import type { ReplayStore } from "../replay.js";
import type { MiddlewarePayment } from "./index.mjs";

/** The reference facilitator's duplicate-settlement window: 120 seconds. */
export declare const SVM_SETTLEMENT_CACHE_TTL_SECS: number;

/** Solana JSON-RPC over `fetch` with failover. */
export interface SolanaJsonRpc {
  readonly urls: string[];
  /** One call; throws an `RpcError` (`rpc_unreachable`, `rpc_error`, `rpc_send_unknown`, `rpc_malformed_response`). */
  request(method: string, params?: unknown[]): Promise<unknown>;
}

export interface SolanaJsonRpcOptions {
  /** Tried in order, for every method (a signed transaction executes at most once, whichever node gets it). */
  urls: string | string[];
  /** Per request. Default 10000. */
  timeoutMs?: number;
  /** Injectable for runtimes without a global fetch. */
  fetch?: typeof fetch;
}

export declare function solanaJsonRpc(options: SolanaJsonRpcOptions): SolanaJsonRpc;

export interface LocalSvmSettlementOptions {
  /** CAIP-2 `solana:<genesis hash>`; requirements on any other network are refused. */
  network: string;
  /** URLs, `solanaJsonRpc` options, or any `{ request(method, params) }`. */
  rpc: string | string[] | SolanaJsonRpcOptions | SolanaJsonRpc;
  /** The fee payer's 32-byte ed25519 seed: hex (64 digits, `0x` optional), bytes, or `{ env: "NAME" }` (read now). Never shown. */
  feePayer: string | Uint8Array | { env: string };
  /** The commitment a settlement waits for. Default `"confirmed"`. */
  commitment?: "confirmed" | "finalized";
  /** Between `getSignatureStatuses` polls. Default 1000. */
  pollIntervalMs?: number;
  /** Polls before `settlement_pending`. Default 30. */
  maxPolls?: number;
  /** The duplicate-settlement cache (default in-process; a `RedisReplayStore` shares it between processes, and with pay402's Python). */
  cache?: ReplayStore;
  /** Default 120. */
  cacheTtlSeconds?: number;
  /** Highest `SetComputeUnitPrice` accepted, µlamports. Default 5000000 (the reference's). */
  maxComputeUnitPrice?: number | bigint;
  /** Unix seconds the payment is verified at. Default: the clock. */
  now?: () => number;
}

export interface LocalSvmSettlement {
  readonly network: string;
  /** The fee payer's address (base58): the one `extra.feePayer` must name. */
  readonly feePayer: string;
  readonly rpc: SolanaJsonRpc;
  /**
   * The server's `settle` hook: the `/settle` body (`pay`, `paywall`, `withPayment`, `paymentGate`)
   * or the payment `x402Middleware` passes; resolves to the SettleResponse JSON.
   */
  settle(body: Uint8Array | string | MiddlewarePayment, ctx?: unknown): Promise<string>;
  /** Settles one payment; the core's result (`json`: the SettleResponse). Throws `RpcError` when no RPC answered before anything was sent. */
  settlePayment(paymentPayload: string | object, requirements: string | object): Promise<X402SettlementResult>;
  /** Signatures sent and not confirmed yet. */
  pending(): string[];
  toJSON(): { network: string; feePayer: string; rpc: string[] };
}

export declare function localSvmSettlement(options: LocalSvmSettlementOptions): LocalSvmSettlement;
