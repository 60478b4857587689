// Types of the hand-written helpers of the npm package `pay402`: those of `pay402/verify`
// (reading a 402, the x402 server) and the paying client and L402.
import type { X402RpcVerified, X402VerifyOptions, X402Payment, X402Selection, L402Payable, L402Verified, L402VerifyTarget, LightningNetwork, ClientBudget, BudgetReservation, L402ServerOptions, L402Admission, Permit2Approval, X402PayKind, Eip712TypedData } from "./core";
import type { HeadersLike, NodeRequestLike, NodeResponseLike, PaywallPageOption } from "./verify-helpers";
export * from "./verify-helpers";

/** Signs x402 EIP-712 typed data. */
export interface Signer {
  address: string;
  /** Returns the 65-byte signature (bytes or `0x` hex) over `typedData` (whose EIP-712 hash is `digest`). */
  signTypedData(typedData: Eip712TypedData, digest: Uint8Array): Promise<Uint8Array | string>;
}
/** An EIP-1193 provider (`window.ethereum`, viem's transport, …). */
export interface Eip1193Provider { request(args: { method: string; params?: unknown[] }): Promise<unknown> }
/** A limit per fixed window of time (windows aligned on multiples of `seconds` since the epoch). */
export interface BudgetWindow { seconds: number; amount: bigint | number | string }
/**
 * What `wrapFetch` may spend; the limits are a `ClientBudget` (the core's rules). A payment that
 * does not fit throws an Error named `BudgetExceeded` with the core's `code`
 * (`per_request_budget_exceeded`, `total_budget_exceeded`, `window_budget_exceeded`).
 */
export interface Budget {
  /** Networks, v1 names (`base-sepolia`) or CAIP-2 (`eip155:84532`, `solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1`), EVM and Solana together. */
  networks: string[];
  /** Assets: ERC-20 contracts (`0x…`) and SPL mints (base58) together. */
  assets: string[];
  /** More SPL mints (they may also be listed in `assets`). */
  svmAssets?: string[];
  /** The kinds paid (default all: `exact_eip3009`, `exact_permit2`, `upto_permit2`, `exact_svm`). */
  schemes?: X402PayKind[];
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
/** Solana payments: the payer's key and where the chain state comes from. */
export interface SolanaPayer {
  /** The payer's 32-byte ed25519 seed (the first half of a Solana keypair file), bytes or hex. */
  seed: Uint8Array | string;
  /** A recent blockhash (base58) for `network`; default: `getLatestBlockhash` over `rpcUrl`. */
  recentBlockhash?: (network: string) => Promise<string> | string;
  /** The mint's decimals and token program; default: the mints the core knows (USDC), else the mint account over `rpcUrl`. */
  mint?: (mint: string) => Promise<{ decimals: number; tokenProgram: string }> | { decimals: number; tokenProgram: string };
  /** A Solana JSON-RPC URL. */
  rpcUrl?: string;
}
/** The payer's ERC-20 allowance to the Permit2 contract, read by the caller. */
export type AllowanceReader = (query: Permit2Approval & { owner: string }) => Promise<bigint | number | string> | bigint | number | string;
/** A refused paid retry: the server's code (`code`), detail code and message. */
export interface X402PaymentRefused extends Error {
  name: "X402PaymentRefused";
  code: string;
  detailCode: string | null;
  serverMessage: string | null;
  status: number;
  /** Whether the payment is definitively not taken (the budget got the amount back). */
  definitive: boolean;
  response: Response;
}
export interface WrapFetchOptions {
  l402?: L402Payer;
  /** Solana payments (`exact_svm`). */
  solana?: SolanaPayer;
  /** Permit2: the payer's allowance to Permit2; a short one throws `X402Error` `permit2_allowance_required` with `approval`. */
  allowance?: AllowanceReader;
  /** Permit2: a JSON-RPC URL (or URLs by chain id) to read the allowance with `eth_call`. */
  evmRpcUrl?: string | Record<number, string>;
  /** The `fetch` used for JSON-RPC (default: the global one). */
  rpcFetch?: (input: string, init?: RequestInit) => Promise<Response>;
  /** `createPayment`: the budget to reserve in (default: one made from the `Budget`'s limits). */
  clientBudget?: ClientBudget;
  /** Unix seconds (default: the clock). */
  now?: () => number;
  /** 32 random bytes (default: `crypto.getRandomValues`). */
  nonce?: () => Uint8Array;
}
/** A `fetch` (the input types are spelled out: `RequestInfo` exists only in the DOM lib). */
export type Fetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

export declare function privateKeySigner(privateKey: Uint8Array | string): Signer;
export declare function eip1193Signer(provider: Eip1193Provider, address: string): Signer;
/** A 402's `PaymentRequired`: JSON text, or the parsed object (`{ x402Version, accepts, … }`). */
export type PaymentRequiredInput = string | object;
/** `paymentRequired`: the 402's `PaymentRequired` (see `readPaymentRequired`), as JSON text or the parsed object. */
export declare function createPayment(paymentRequired: PaymentRequiredInput, signer: Signer, budget: Budget, options?: WrapFetchOptions): Promise<X402Payment & { selection: X402Selection; amount: bigint; reservation: BudgetReservation }>;
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
  /** The paywall page browsers get instead of the bare 402, with the L402 invoice (on by default); `false`: none. */
  page?: PaywallPageOption | boolean;
  /** What is sold, shown on the page. */
  description?: string;
}
/** Express / Connect / node:http middleware selling access with L402; `req.l402` is the admitted token. */
export declare function l402Paywall<Req extends NodeRequestLike = NodeRequestLike, Res extends NodeResponseLike = NodeResponseLike>(
  options: L402PaywallOptions,
): (req: Req & { l402?: L402Admission }, res: Res, next?: (error?: unknown) => void) => Promise<void>;
/** Wraps a Fetch-API handler with L402; the handler's `context.l402` is the admitted token. */
export declare function withL402<C extends object>(
  handler: (request: Request, context: C & { l402: Extract<L402Admission, { admitted: true }> }) => Response | Promise<Response>,
  options: L402PaywallOptions,
): (request: Request, context?: C) => Promise<Response>;

/** The two chain reads smart-wallet verification needs, at the latest block. */
export interface EvmRpc {
  /** `eth_getCode(address, "latest")`: the code (`0x` / empty for none). */
  getCode(address: string): Promise<Uint8Array | string>;
  /** `eth_call({to, data}, "latest")`: the return data, or `null` when the call reverted. A transport failure must throw. */
  call(to: string, data: string): Promise<Uint8Array | string | null>;
}
/** `x402Verify`'s EVM options, `now` (default: the clock) and the ERC-6492 factory allow-list (absent or empty denies every counterfactual payer). */
export type VerifyWithRpcOptions = Omit<X402VerifyOptions, "signature"> & { now?: number | bigint; allowedFactories?: readonly string[] };
/**
 * Verifies an x402 EVM payment header against one `PaymentRequirements`, with the signature
 * checked the way its payer's code requires: EOA (ECDSA), EIP-1271 `isValidSignature` on a
 * contract or EIP-7702 delegated payer, or an undeployed ERC-6492 wallet of an allow-listed
 * factory (Multicall3 simulation). Rejects with an `X402Error` carrying the core's `code`; an
 * RPC that throws is `rpc_unavailable` (its error as `cause`), a non-bytes answer `invalid_rpc_result`.
 */
export declare function verifyPaymentWithRpc(requirements: string | object, paymentHeader: string, rpc: EvmRpc, options?: VerifyWithRpcOptions): Promise<X402RpcVerified>;
