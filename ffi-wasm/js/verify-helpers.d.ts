// Types of the helpers of `pay402/verify` (`createVerifyHelpers`): reading a 402 and the x402
// server. The main entry `pay402` re-exports them (helpers.d.ts).
import type { X402Verified, X402SvmVerified, X402VerifyOptions } from "./verify/core";

/** Request headers: a Fetch `Headers`, a Node `IncomingHttpHeaders` or a plain object (names in any case). */
export type HeadersLike = Headers | Record<string, string | string[] | undefined>;

/** The decoded, canonically re-encoded `PaymentRequired` JSON of a 402 (v2 header, else v1 body), or `null`. */
export declare function readPaymentRequired(response: Response): Promise<string | null>;

export interface PaymentRequiredOptions {
  /** Default 2 (`PAYMENT-REQUIRED` header and body); 1 answers with the body only. */
  x402Version?: 1 | 2;
  /** v2: the resource named in the answer (default `{ url: resourceUrl }`). */
  resource?: { url: string; description?: string; mimeType?: string };
  /** v2: the resource URL when `resource` is absent (default `"/"`; the request's URL in the server helpers). */
  resourceUrl?: string;
  /** The `error` text of the body (default `"payment required"`). */
  error?: string;
}
export interface ServerOptions extends PaymentRequiredOptions {
  /** Verification policy passed to `x402Verify`. */
  policy?: X402VerifyOptions;
  /** Unix seconds (default: the clock). */
  now?: () => number;
}
/** A 402 answer: status, headers (`Content-Type`, v2 `PAYMENT-REQUIRED`) and JSON body. */
export interface PaymentRequiredAnswer { status: 402; headers: Record<string, string>; body: string }
/** A payment that verified against one of the offered requirements. */
export interface VerifySuccess { ok: true; verified: X402Verified | X402SvmVerified; requirements: object }
/** No payment, or none that verified: the facilitator's reason and the 402 to answer with. */
export interface VerifyFailure extends PaymentRequiredAnswer { ok: false; code: string; message: string }
export type VerifyResult = VerifySuccess | VerifyFailure;

/** The 402 answer for `accepts` (v2: `PAYMENT-REQUIRED` header and JSON body). */
export declare function paymentRequired(accepts: object[], options?: PaymentRequiredOptions): PaymentRequiredAnswer;
/** Verifies the payment header (`PAYMENT-SIGNATURE`, else `X-PAYMENT`) against each of `accepts`. */
export declare function verifyPayment(headers: HeadersLike, accepts: object[], options?: ServerOptions): VerifyResult;
/** Edge runtimes: verifies a Fetch `Request`; on failure `response` is the 402 to return. */
export declare function verifyRequest(
  request: Request,
  accepts: object[],
  options?: ServerOptions,
): Promise<VerifySuccess | (VerifyFailure & { response: Response })>;

/** Records a key once while it is alive: `true` the first time. */
export interface ReplayStore { insertIfAbsent(key: Uint8Array | string, ttlSeconds: number): boolean | Promise<boolean> }
/** An in-memory replay store with expiry (one process; use a shared store behind several). */
export declare function memoryReplayStore(): ReplayStore;
export interface MiddlewareOptions extends ServerOptions {
  /** Called after the handler answered below 400; must return the settlement with `success: true`, else the client gets 402. */
  settle?: (verified: X402Verified | X402SvmVerified, req: any) => Promise<object | undefined> | object | undefined;
  /** Default: an in-memory store (one process). */
  replayStore?: ReplayStore;
  /** Called with the error when sending the answer failed after the handler ran (the client got 500); a failed settlement is a 402 instead. */
  onError?: (e: unknown) => void;
}
/**
 * Express-style middleware (Node `req`/`res`): 402 without a valid payment; records the replay
 * key once; sets `req.x402` to the verified payment and calls `next()`; with `settle`, settles
 * after the handler succeeded and attaches `PAYMENT-RESPONSE` / `X-PAYMENT-RESPONSE`.
 */
export declare function x402Middleware(
  accepts: object[] | ((req: any) => object[] | Promise<object[]>),
  options?: MiddlewareOptions,
): (req: any, res: any, next: (err?: unknown) => void) => Promise<void>;
