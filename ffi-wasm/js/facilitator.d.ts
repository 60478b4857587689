// Types of pay402/facilitator: an HTTP client of one or several x402 facilitators.

export declare const DEFAULT_FACILITATOR_URL: string;

/** The facilitator API's endpoints, as passed to a `headers` function. */
export type FacilitatorEndpoint = "verify" | "settle" | "supported";

export type HeadersLike = Record<string, string>;

/** One facilitator. */
export interface FacilitatorConfig {
  /** Base URL; `/verify`, `/settle` and `/supported` are appended. */
  url: string;
  /** Sent with every request: a record, or a (sync or async) function of the endpoint called per request. */
  headers?: HeadersLike | ((endpoint: FacilitatorEndpoint) => HeadersLike | Promise<HeadersLike>);
  /** The reference client's shape (`@x402/core` `FacilitatorConfig.createAuthHeaders`): headers per endpoint, per request. */
  createAuthHeaders?: () => Promise<{ verify: HeadersLike; settle: HeadersLike; supported: HeadersLike }>;
  /** Per-request timeout of this facilitator (default: the client's `timeoutMs`). */
  timeoutMs?: number;
}

export interface RetryOptions {
  /** Tries per facilitator (1: no retry). Default 3. */
  attempts?: number;
  /** Attempt n waits min(maxDelayMs, baseDelayMs * 2^n) * (1 - jitter * random()). Default 200. */
  baseDelayMs?: number;
  /** Cap of one wait; a 429's Retry-After above it moves on to the next facilitator. Default 5000. */
  maxDelayMs?: number;
  /** 0..1, default 0.5. */
  jitter?: number;
}

export interface FacilitatorClientOptions {
  /** Headers of facilitators given as plain URLs. */
  headers?: FacilitatorConfig["headers"];
  /** Default per-request timeout. Default 20000. */
  timeoutMs?: number;
  retry?: RetryOptions;
  /** Route /verify and /settle by each facilitator's /supported kinds (default: when there are several). */
  route?: boolean;
  /** How long a /supported answer is trusted. Default 300000. */
  supportedTtlMs?: number;
  /** Injectable for tests and runtimes without a global fetch. */
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  /** Milliseconds (Date.now by default). */
  now?: () => number;
  random?: () => number;
}

/** The JSON of a payment payload and of one `accepts` entry, or their JSON text. */
export type Json = string | Record<string, unknown>;

export interface SupportedKind {
  x402Version: number;
  scheme: string;
  network: string;
  extra?: Record<string, unknown>;
}
export interface SupportedResponse {
  kinds: SupportedKind[];
  extensions?: string[];
  signers?: Record<string, string[]>;
  [key: string]: unknown;
}
export interface VerifyResponse {
  isValid: true;
  payer?: string;
  [key: string]: unknown;
}
export interface SettleResponse {
  success: true;
  transaction: string;
  network: string;
  payer?: string;
  amount?: string;
  [key: string]: unknown;
}

/**
 * Stable codes: `facilitator_unreachable` (no connection: the request was never sent),
 * `facilitator_timeout`, `facilitator_connection_error`, `facilitator_http_error` (`status` set),
 * `facilitator_malformed_response`, `facilitator_unsupported_kind`, and for /settle
 * `facilitator_unavailable` (may have arrived, no verdict: the outcome is unknown; `detailCode` is
 * the underlying code). VerifyError / SettleError carry the facilitator's reason as `code`.
 */
export declare class FacilitatorError extends Error {
  constructor(message: string, init?: { code?: string; status?: number; body?: unknown; detailCode?: string });
  code: string;
  status?: number;
  body?: unknown;
  detailCode?: string;
}
/** `isValid: false`; `code` is the `invalidReason`. */
export declare class VerifyError extends FacilitatorError {}
/** `success: false`; `code` is the `errorReason` (`settlement_pending` included). */
export declare class SettleError extends FacilitatorError {}

export declare class FacilitatorClient {
  constructor(
    facilitators?: string | FacilitatorConfig | Array<string | FacilitatorConfig>,
    options?: FacilitatorClientOptions,
  );
  readonly facilitators: FacilitatorConfig[];
  /** POST /verify (routed, retried, failed over); the response when `isValid` is true. */
  verify(paymentPayload: Json, requirements: Json): Promise<VerifyResponse>;
  /** POST /settle; sent again (same facilitator, then the next) only when the connection was never made. */
  settle(paymentPayload: Json, requirements: Json): Promise<SettleResponse>;
  /** GET /supported of the first facilitator that answers. */
  supported(): Promise<SupportedResponse>;
  /** Milliseconds before attempt `attempt + 1` (0-based), or undefined to stop trying this facilitator. */
  retryDelay(attempt: number, retryAfterMs?: number): number | undefined;
}
