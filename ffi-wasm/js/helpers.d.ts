// Types of the hand-written helpers of the npm package `pay402`.
import type { X402Payment, X402Selection, X402Verified, X402SvmVerified, X402VerifyOptions, L402Payable, L402Verified, L402VerifyTarget, LightningNetwork } from "./core";

/** Signs x402 EIP-712 typed data. */
export interface Signer {
  address: string;
  /** Returns the 65-byte signature (bytes or `0x` hex). */
  signTypedData(typedData: any, digest: Uint8Array): Promise<Uint8Array | string>;
}
/** An EIP-1193 provider (`window.ethereum`, viem's transport, …). */
export interface Eip1193Provider { request(args: { method: string; params?: unknown[] }): Promise<any> }
/** What `wrapFetch` may spend. */
export interface Budget {
  /** Networks, v1 names (`base-sepolia`) or CAIP-2 (`eip155:84532`). */
  networks: string[];
  /** Token contracts. */
  assets: string[];
  /** Most for one request (atomic units). */
  maxAmount: bigint;
  /** Most over the wrapper's lifetime (atomic units). */
  total?: bigint;
}
/** L402 payment through the caller's Lightning node. */
export interface L402Payer {
  network: LightningNetwork;
  budgetMsat: bigint | number;
  /** Pays the invoice; resolves to the 32-byte preimage (bytes or hex). */
  payInvoice(invoice: string, payable: L402Payable): Promise<Uint8Array | string>;
  now?: () => number;
}
export interface WrapFetchOptions {
  l402?: L402Payer;
  /** Unix seconds (default: the clock). */
  now?: () => number;
  /** 32 random bytes (default: `crypto.getRandomValues`). */
  nonce?: () => Uint8Array;
}
export type Fetch = (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;

export declare function privateKeySigner(privateKey: Uint8Array | string): Signer;
export declare function eip1193Signer(provider: Eip1193Provider, address: string): Signer;
export declare function readPaymentRequired(response: Response): Promise<string | null>;
export declare function createPayment(paymentRequired: string | object, signer: Signer, budget: Budget, options?: WrapFetchOptions): Promise<X402Payment & { selection: X402Selection; amount: bigint }>;
export declare function wrapFetch(fetch: Fetch, signer: Signer | null, budget: Budget | null, options?: WrapFetchOptions): Fetch;
export declare function wrapFetchL402(fetch: Fetch, l402: L402Payer): Fetch;

/** Server side. */
export interface PaymentRequiredOptions { x402Version?: 1 | 2; resource?: { url: string; description?: string; mimeType?: string }; error?: string }
export interface ServerOptions extends PaymentRequiredOptions { policy?: X402VerifyOptions; now?: () => number }
export interface PaymentRequiredAnswer { status: 402; headers: Record<string, string>; body: string }
export type VerifyResult =
  | { ok: true; verified: X402Verified | X402SvmVerified; requirements: object }
  | ({ ok: false; code: string; message: string } & PaymentRequiredAnswer);
type HeadersLike = Headers | Record<string, string | string[] | undefined>;
export declare function paymentRequired(accepts: object[], options?: PaymentRequiredOptions): PaymentRequiredAnswer;
export declare function verifyPayment(headers: HeadersLike, accepts: object[], options?: ServerOptions): VerifyResult;
export declare function verifyRequest(request: Request, accepts: object[], options?: ServerOptions): Promise<VerifyResult & { response?: Response }>;
/** Records a key once while it is alive: `true` the first time. */
export interface ReplayStore { insertIfAbsent(key: Uint8Array | string, ttlSeconds: number): boolean | Promise<boolean> }
export declare function memoryReplayStore(): ReplayStore;
export declare function x402Middleware(
  accepts: object[] | ((req: any) => object[] | Promise<object[]>),
  options?: ServerOptions & {
    /** Called after the handler answered below 400; must return the settlement with `success: true`, else the client gets 402. */
    settle?: (verified: X402Verified | X402SvmVerified, req: any) => Promise<object | undefined> | object | undefined;
    /** Default: an in-memory store (one process). */
    replayStore?: ReplayStore;
    onError?: (e: unknown) => void;
  },
): (req: any, res: any, next: (err?: unknown) => void) => Promise<void>;
export declare function verifyL402(headers: HeadersLike, rootKey: Uint8Array, target: Omit<L402VerifyTarget, "now"> & { now?: number }): L402Verified;
