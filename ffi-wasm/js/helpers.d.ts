// Types of the hand-written helpers of the npm package `pay402`: those of `pay402/verify`
// (reading a 402, the x402 server) and the paying client and L402.
import type { X402Payment, X402Selection, L402Payable, L402Verified, L402VerifyTarget, LightningNetwork, ClientBudget, BudgetReservation, L402ServerOptions, L402Admission } from "./core";
import type { HeadersLike } from "./verify-helpers";
export * from "./verify-helpers";

/** Signs x402 EIP-712 typed data. */
export interface Signer {
  address: string;
  /** Returns the 65-byte signature (bytes or `0x` hex). */
  signTypedData(typedData: any, digest: Uint8Array): Promise<Uint8Array | string>;
}
/** An EIP-1193 provider (`window.ethereum`, viem's transport, …). */
export interface Eip1193Provider { request(args: { method: string; params?: unknown[] }): Promise<any> }
/** A limit per fixed window of time (windows aligned on multiples of `seconds` since the epoch). */
export interface BudgetWindow { seconds: number; amount: bigint | number | string }
/**
 * What `wrapFetch` may spend; the limits are a `ClientBudget` (the core's rules). A payment that
 * does not fit throws an Error named `BudgetExceeded` with the core's `code`
 * (`per_request_budget_exceeded`, `total_budget_exceeded`, `window_budget_exceeded`).
 */
export interface Budget {
  /** Networks, v1 names (`base-sepolia`) or CAIP-2 (`eip155:84532`). */
  networks: string[];
  /** Token contracts. */
  assets: string[];
  /** Most for one request (atomic units). */
  maxAmount?: bigint;
  /** Most over the wrapper's lifetime (atomic units). */
  total?: bigint;
  /** Most within each window of time. */
  window?: BudgetWindow;
  /** A budget to reserve in instead (share one between wrappers); the limits above are then unused. */
  clientBudget?: ClientBudget;
}
/** L402 payment through the caller's Lightning node. */
export interface L402Payer {
  network: LightningNetwork;
  /** Most for one invoice (msat). */
  budgetMsat?: bigint | number;
  /** Most over the wrapper's lifetime (msat). */
  totalMsat?: bigint | number;
  /** Most within each window of time (msat). */
  window?: BudgetWindow;
  /** A budget to reserve in instead (asset `lightning`/`msat`, or any-asset); the limits above are then unused. */
  clientBudget?: ClientBudget;
  /** Pays the invoice; resolves to the 32-byte preimage (bytes or hex). */
  payInvoice(invoice: string, payable: L402Payable): Promise<Uint8Array | string>;
  now?: () => number;
}
export interface WrapFetchOptions {
  l402?: L402Payer;
  /** `createPayment`: the budget to reserve in (default: one made from the `Budget`'s limits). */
  clientBudget?: ClientBudget;
  /** Unix seconds (default: the clock). */
  now?: () => number;
  /** 32 random bytes (default: `crypto.getRandomValues`). */
  nonce?: () => Uint8Array;
}
export type Fetch = (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;

export declare function privateKeySigner(privateKey: Uint8Array | string): Signer;
export declare function eip1193Signer(provider: Eip1193Provider, address: string): Signer;
export declare function createPayment(paymentRequired: string | object, signer: Signer, budget: Budget, options?: WrapFetchOptions): Promise<X402Payment & { selection: X402Selection; amount: bigint; reservation: BudgetReservation }>;
export declare function wrapFetch(fetch: Fetch, signer: Signer | null, budget: Budget | null, options?: WrapFetchOptions): Fetch;
export declare function wrapFetchL402(fetch: Fetch, l402: L402Payer): Fetch;

/** Verifies the `Authorization` of a request for `target` (`now` defaults to the clock). */
export declare function verifyL402(headers: HeadersLike, rootKey: Uint8Array, target: Omit<L402VerifyTarget, "now"> & { now?: number }): L402Verified;

/** The L402 selling options: the core's `L402ServerOptions` plus the host's invoice, clock and checks. */
export interface L402PaywallOptions extends L402ServerOptions {
  /** Your Lightning node: an invoice for `priceMsat` and the payment hash it reported. */
  invoiceProvider: (priceMsat: number | bigint, request: unknown) => Promise<{ bolt11: string; paymentHash: Uint8Array | string }> | { bolt11: string; paymentHash: Uint8Array | string };
  /** A capability the token must grant. */
  capability?: string;
  /** Synchronous revocation check by root key id; a throw counts as revoked. */
  revoked?: (rootKeyId: Uint8Array) => boolean;
  /** Unix seconds (default: the clock). */
  now?: () => number;
  /** `n` random bytes for token ids (default: `crypto.getRandomValues`). */
  randomBytes?: (n: number) => Uint8Array;
}
/** Express / Connect / node:http middleware selling access with L402; `req.l402` is the admitted token. */
export declare function l402Paywall(options: L402PaywallOptions): (req: any, res: any, next?: (error?: unknown) => void) => Promise<void>;
/** Wraps a Fetch-API handler with L402; the handler's `context.l402` is the admitted token. */
export declare function withL402<C extends object>(
  handler: (request: Request, context: C & { l402: Extract<L402Admission, { admitted: true }> }) => Response | Promise<Response>,
  options: L402PaywallOptions,
): (request: Request, context?: C) => Promise<Response>;
