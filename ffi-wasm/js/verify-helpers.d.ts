// Types of the helpers of `pay402/verify` (`createVerifyHelpers`): reading a 402 and the x402
// server. The main entry `pay402` re-exports them (helpers.d.ts).
// Every server answer (status, headers, body, replay key and lifetime) is the core's
// `X402Server` (exported too, with `X402Offer`, `X402Reply`, `X402Step`).

/** Request headers: a Fetch `Headers`, a Node `IncomingHttpHeaders` or a plain object (names in any case). */
export type HeadersLike = Headers | Record<string, string | string[] | undefined>;

/** The decoded, canonically re-encoded `PaymentRequired` JSON of a 402 (v2 header, else v1 body), or `null`. */
export declare function readPaymentRequired(response: Response): Promise<string | null>;

export interface PaymentRequiredOptions {
  /** Default 2 (the core's `PAYMENT-REQUIRED` header and body); 1 leaves the v2 header out. */
  x402Version?: 1 | 2;
  /** v2: the resource named in the answer (default `{ url: resourceUrl }`). */
  resource?: { url: string; description?: string; mimeType?: string };
  /** v2: the resource URL when `resource` is absent (default `"/"`; the request's URL in the server helpers). */
  resourceUrl?: string;
  /** The code the challenge reports: the `error` of the header and the body (default none). */
  error?: string;
  /** A sentence for people: the body's `errorMessage` (needs `error`). */
  message?: string;
}
export interface ServerOptions extends PaymentRequiredOptions {
  /** Unix seconds (default: the clock). */
  now?: () => number;
}
/** A 402 answer: status, headers (v2 `PAYMENT-REQUIRED`, `Content-Type`) and the JSON body. */
export interface PaymentRequiredAnswer { status: 402; headers: Record<string, string>; body: string }
/** A payment the core admitted. */
export interface AdmittedPayment {
  x402Version: 1 | 2;
  payer: string;
  /** The signed amount (`upto`: the maximum). */
  amount: bigint;
  /** Index of the offer paid in `accepts`. */
  offerIndex: number;
  /** The key to reserve in the replay store, and for how long (seconds). */
  replayKey: Uint8Array;
  ttl: number;
  /** The decoded payment payload. */
  payload: Record<string, unknown>;
}
/** A payment that verified against one of the offered requirements. */
export interface VerifySuccess { ok: true; verified: AdmittedPayment; requirements: object }
/** No payment, or none that verified: the core's code and detail code, and its answer (402; 503 when the replay store failed). */
export interface VerifyFailure { ok: false; code: string; detailCode: string | null; status: number; headers: Record<string, string>; body: string }
export type VerifyResult = VerifySuccess | VerifyFailure;

/** The 402 answer for `accepts` (v2: `PAYMENT-REQUIRED` header and JSON body). */
export declare function paymentRequired(accepts: object[], options?: PaymentRequiredOptions): PaymentRequiredAnswer;
/** Verifies the payment header (`PAYMENT-SIGNATURE`, else `X-PAYMENT`) against each of `accepts`. */
export declare function verifyPayment(headers: HeadersLike, accepts: object[], options?: ServerOptions): VerifyResult;
/**
 * Edge runtimes: verifies a Fetch `Request` and reserves its replay key (`replayStore`, default
 * one in-memory store); a payment seen before is `payment_already_used`. On success `release()`
 * frees the key (when the request is not served); on failure `response` is the 402 to return.
 */
export declare function verifyRequest(
  request: Request,
  accepts: object[],
  options?: ServerOptions & { replayStore?: ReplayStore },
): Promise<(VerifySuccess & { release(): void | Promise<void> }) | (VerifyFailure & { response: Response })>;

/**
 * Replay reservations shared by every process that serves one resource: `reserve` inserts the
 * key if absent for `ttlSeconds` and is `true` when it was free (Redis `SET key 1 NX EX ttl`);
 * `release` deletes it (Redis `DEL`). A store that throws is answered with 503 (fail closed).
 */
export interface ReplayStore {
  reserve(key: Uint8Array | string, ttlSeconds: number): boolean | Promise<boolean>;
  release(key: Uint8Array | string): void | Promise<void>;
}
/** The in-memory store: one process only (use a shared store behind several). */
export interface MemoryReplayStore extends ReplayStore {
  reserve(key: Uint8Array | string, ttlSeconds: number): boolean;
  release(key: Uint8Array | string): void;
  /** @deprecated `reserve`. */
  insertIfAbsent(key: Uint8Array | string, ttlSeconds: number): boolean;
  /** Keys alive now. */
  size(): number;
}
/** An in-memory replay store with expiry (one process; use a shared store behind several). */
export declare function memoryReplayStore(): MemoryReplayStore;
export interface MiddlewareOptions<Req = NodeRequestLike> extends ServerOptions {
  /** Settles after the handler answered below 400: resolves to the facilitator's `SettleResponse` (the core decides what it means), `undefined` or a throw for no answer. Without it the middleware only admits and reserves. */
  settle?: (payment: Payment, req: Req) => Promise<object | undefined> | object | undefined;
  /** Default: an in-memory store (one process). */
  replayStore?: ReplayStore;
  /** @deprecated unused: a handler error goes to `next(error)`. */
  onError?: (e: unknown) => void;
  /**
   * An EVM RPC through which smart-wallet payers (EIP-1271, EIP-7702, undeployed ERC-6492 wallets whose factory is in
   * `allowedFactories`) are admitted: `getCode(address)`, then at most one `call(to, data)` (`null`: reverted); the core
   * decides. A read that throws is the core's 503 `smart_wallet_check_unavailable`, never an admission. Default: the
   * `chainReads` of the `localSettlement` whose `settle` is given (`settle: local.settle`); `null` turns it off. Without
   * one, smart-wallet payers get 402 (`smart_wallet_needs_rpc`).
   */
  rpc?: ServerConfig["rpc"];
  /** ERC-6492 factories an undeployed payer may be deployed through (default: the `localSettlement`'s; empty denies). */
  allowedFactories?: readonly string[];
  /** The paywall page browsers get instead of the JSON 402 (on by default); `false`: none. */
  page?: PaywallPageOption<Req> | boolean;
}
/** What a paywall page's `html` hook gets. */
export interface PaywallPageInfo {
  /** The core's page reply: the challenge's status and headers with the page's, the default page as body. */
  reply: { status: number; headers: [string, string][]; body: Uint8Array };
  /** The default page. */
  html: string;
  /** The page data as the core wrote it: a complete `<meta name="pay402-page" content="…">` element (base64 only). */
  meta: string;
  /** The challenge's `PAYMENT-REQUIRED` value (the offers), or null. */
  paymentRequired: string | null;
  /** Raw text: escape it in your markup. */
  resourceUrl: string;
  /** Raw text: escape it in your markup. */
  description: string;
}
/**
 * A paywall page's options: the theme (`colors` `#rrggbb`, text on background and accentText on accent at least
 * 4.5:1), `rpc` URLs by CAIP-2 network, `display` hints per offer, `messages` overriding the page's English strings,
 * `csp` (`"minimal"` default, `"strict"`), `template` (your own, with the five `{{pay402.*}}` slots), and `html`:
 * custom HTML for the page (`undefined`/`null` keeps the default page; status and challenge headers stay the core's).
 */
export interface PaywallPageOption<Req = unknown> {
  title?: string; logo?: string; lang?: string;
  colors?: { background?: string; text?: string; accent?: string; accentText?: string };
  rpc?: Record<string, string>;
  display?: { decimals: number; symbol: string }[];
  messages?: Record<string, string>;
  showReceipt?: boolean;
  csp?: "minimal" | "strict";
  requireMozillaUserAgent?: boolean;
  template?: string;
  html?: (info: PaywallPageInfo, request: Req) => string | Uint8Array | null | undefined | Promise<string | Uint8Array | null | undefined>;
}
/**
 * Express-style middleware (Node `req`/`res`): 402 without a valid payment; records the replay
 * key once; sets `req.x402` to the verified payment and calls `next()`; with `settle`, settles
 * after the handler succeeded and attaches `PAYMENT-RESPONSE` / `X-PAYMENT-RESPONSE`.
 */
export declare function x402Middleware<Req extends NodeRequestLike = NodeRequestLike, Res extends NodeResponseLike = NodeResponseLike>(
  accepts: object[] | ((req: Req) => object[] | Promise<object[]>),
  options?: MiddlewareOptions<Req>,
): NodeMiddleware<Req, Res>;

// ---------------------------------------------------------------- server adapters (./server)

/** A price: a string in display units of the asset (`"$0.01"`), or atomic units (`bigint`, integer). */
export type OfferPrice = string | bigint | number;
/**
 * One offer, as the seller's terms the core resolves: `exact` EIP-3009 (`eip712Name` +
 * `eip712Version`; filled for the network's default asset), `exact` Permit2
 * (`transferMethod: "permit2"`), `upto` Permit2 (`facilitator`: its address) or Solana `exact`
 * (`feePayer`). `price` is a display price (a string: `"$0.01"`, converted exactly by the core
 * with the asset's decimals) or atomic units (a `bigint` or an integer); `amount` is atomic units.
 * `amount`, `price` and `payTo` may be functions of the request (per-request price and payee).
 */
export interface ServerOffer<Req = unknown> {
  /** Default `exact`. */
  scheme?: "exact" | "upto";
  /** CAIP-2 (`eip155:8453`, `solana:…`) or a v1 name. */
  network: string;
  /** Default: the network's default asset (EVM; required on Solana). */
  asset?: string;
  /** The asset's decimals, for a display `price` of an asset that is not the network's default. */
  decimals?: number;
  /** Atomic units (upto: the maximum): a `bigint`, an integer or a decimal string (`"10000"`). */
  amount?: bigint | number | string | ((request: Req) => bigint | number | string | Promise<bigint | number | string>);
  /**
   * Instead of `amount`: a string is display units of the asset (`"$0.01"`, `"0.01"`: 10000 of
   * USDC's 6 decimals); a `bigint` or a safe integer is atomic units; a fractional number is
   * refused (`invalid_config`, `detailCode: "float_price"`), as are, by the core, digits below
   * the smallest unit (`sub_unit_amount`) and zero (`zero_price`).
   */
  price?: OfferPrice | ((request: Req) => OfferPrice | Promise<OfferPrice>);
  payTo: string | ((request: Req) => string | Promise<string>);
  /** Default 60 (the core's). */
  maxTimeoutSeconds?: number;
  eip712Name?: string;
  eip712Version?: string;
  transferMethod?: "eip3009" | "permit2";
  facilitator?: string;
  feePayer?: string;
}
/** The payment of a paid request: `req.x402` (Express), `paymentOf(request)` / `c.get("x402")` (Fetch, Hono). */
export interface Payment {
  payer: string;
  /** The signed amount (`upto`: the maximum). */
  amount: bigint;
  x402Version: 1 | 2;
  /** The offer paid, as sent in the challenge (requirements JSON). */
  offer: Record<string, unknown>;
  offerIndex: number;
  /** The decoded payment payload. */
  payload: Record<string, unknown>;
  /** `upto`: the amount to charge (at most `amount`); default the maximum. */
  settleAmount: bigint | undefined;
  /** The facilitator's settlement result, once there is one. */
  settlement: Record<string, unknown> | null;
  /** `upto`: charge `amount` (usage-based) instead of the signed maximum. */
  charge(amount: bigint | number | string): void;
}
export interface SettleContext<Req = unknown> {
  request: Req;
  /** The offer paid (requirements JSON). */
  offer: Record<string, unknown>;
  /** The decoded payment payload. */
  payload: Record<string, unknown>;
  payment: Payment;
  /** The `/settle` request body. */
  body: Uint8Array;
}
export interface ServerHooks<Req = unknown> {
  /** `true`: serve without payment (API keys, allow lists). */
  grantAccess?(ctx: { request: Req }): boolean | Promise<boolean>;
  /** `{ abort: true, reason, message }` answers the 402 challenge with `reason` as its code (default `aborted`) and `message` as the body's `errorMessage`. */
  beforeVerify?(ctx: { request: Req }): void | { abort: true; reason?: string; message?: string } | Promise<void | { abort: true; reason?: string; message?: string }>;
  afterVerify?(ctx: { request: Req; payment: Payment; offer: Record<string, unknown>; payload: Record<string, unknown> }): void | Promise<void>;
  /** `{ abort: true, reason, message }` refuses the settlement (402 with the failure receipt; `reason` its `errorReason` and the body's `error`, `message` its `errorMessage`). */
  beforeSettle?(ctx: SettleContext<Req>): void | { abort: true; reason?: string; message?: string } | Promise<void | { abort: true; reason?: string; message?: string }>;
  afterSettle?(ctx: SettleContext<Req> & { settlement: Record<string, unknown> | null }): void | Promise<void>;
  onFailure?(ctx: { request: Req; stage: "verify" | "reserve" | "handler" | "settle"; status: number; code: string; error?: unknown; settlement?: Record<string, unknown> | null }): void | Promise<void>;
}
/** What a custom unpaid / failure body is made from. */
export interface RefusalInfo { code: string | undefined; detailCode?: string | null; message?: string; settlement?: Record<string, unknown> | null }
export type CustomBody<Req = unknown> = string | object | ((info: RefusalInfo, request: Req) => string | object | undefined | Promise<string | object | undefined>);
/**
 * Server config (see README "Configuration"). Fields not given are read from `PAY402_*`
 * environment variables (`env`; `false` reads none); anything missing or invalid throws a
 * `TypeError` with code `invalid_config` when the middleware is created.
 */
export interface ServerConfig<Req = unknown> {
  offers?: ServerOffer<Req>[] | ((request: Req) => ServerOffer<Req>[] | Promise<ServerOffer<Req>[]>);
  /** Shorthand for one offer from the environment with this price (see `ServerOffer.price`). */
  price?: ServerOffer<Req>["price"];
  /** Shorthand for one offer from the environment with this amount (atomic units). */
  amount?: ServerOffer<Req>["amount"];
  payTo?: string | ((request: Req) => string | Promise<string>);
  scheme?: "exact" | "upto";
  network?: string;
  asset?: string;
  /** v2 `resource` (default: the request's URL; `mimeType` default `application/json`, the core's). */
  resource?: { url?: string; description?: string; mimeType?: string };
  /** A facilitator client (`new FacilitatorClient(…)` from `pay402/facilitator`: several facilitators, routing, retries); its `SettleError` verdicts are answers, other errors no answer. */
  facilitator?: { settle(paymentPayload: Record<string, unknown>, requirements: Record<string, unknown>): Promise<object> };
  /** The facilitator (`POST {url}/settle`); required unless `facilitator` or `settle` is given. */
  facilitatorUrl?: string;
  /** Default 10000. */
  facilitatorTimeoutMs?: number;
  facilitatorHeaders?: Record<string, string>;
  /** Settles instead of the facilitator URL: resolves to the facilitator's answer, or null when there is none. */
  settle?(body: Uint8Array, ctx: SettleContext<Req>): string | Uint8Array | object | null | undefined | Promise<string | Uint8Array | object | null | undefined>;
  /** Default: an in-memory store (one process). */
  replayStore?: ReplayStore;
  /**
   * An EVM RPC through which smart-wallet payers (EIP-1271, EIP-7702, undeployed ERC-6492 wallets whose factory is
   * in `allowedFactories`) are admitted: `getCode(address)` then at most one `call(to, data)` (`null`: reverted); the
   * core decides. A read that throws is the core's 503 `smart_wallet_check_unavailable`, never an admission. Default:
   * the `chainReads` of the `localSettlement` whose `settle` is given; without one, smart-wallet payers get 402
   * (`smart_wallet_needs_rpc`).
   */
  rpc?: { getCode(address: string): Promise<Uint8Array | string>; call(to: string, data: string): Promise<Uint8Array | string | null> } | null;
  /** ERC-6492 factories an undeployed payer may be deployed through (default: the `localSettlement`'s; empty denies). */
  allowedFactories?: readonly string[];
  /** Settle before the handler runs (default: after it succeeded). */
  settleBeforeHandler?: boolean;
  hooks?: ServerHooks<Req>;
  unpaidBody?: CustomBody<Req>;
  failureBody?: CustomBody<Req>;
  /** The paywall page browsers get instead of the JSON 402 (on by default; the core decides which requests); `false`: none. */
  page?: PaywallPageOption<Req> | boolean;
  /** Unix seconds (default: the clock). */
  now?: () => number;
  /** `PAY402_*` variables (default `process.env` where there is one); `false` reads none. */
  env?: Record<string, string | undefined> | false;
}
/** The `PAY402_*` variables as a config (see README "Configuration"). */
export declare function configFromEnv(env?: Record<string, string | undefined>): ServerConfig;
/** Checks a config (over `PAY402_*` unless `env` is false); throws `invalid_config`. */
export declare function serverConfig<Req = unknown>(options: ServerConfig<Req>, env?: Record<string, string | undefined> | false): ServerConfig<Req>;

/**
 * The request the Node adapters read: `node:http`'s `IncomingMessage`, Express's and Connect's
 * `req` fit it (typed structurally, so neither `@types/node` nor `@types/express` is needed).
 */
export interface NodeRequestLike {
  method?: string | undefined;
  url?: string | undefined;
  originalUrl?: string | undefined;
  path?: string | undefined;
  protocol?: string | undefined;
  headers: Record<string, string | string[] | undefined>;
  /** Set by the x402 adapters: the payment of a paid request. */
  x402?: Payment | null | undefined;
}
/** The response the Node adapters write: `node:http`'s `ServerResponse` and Express's `res` fit it. */
export interface NodeResponseLike {
  statusCode: number;
  setHeader(name: string, value: string | number | readonly string[]): unknown;
  removeHeader(name: string): void;
  getHeaderNames(): string[];
  writeHead(statusCode: number): unknown;
  write(chunk: string | Uint8Array, callback?: (error?: Error | null) => void): boolean;
  end(chunk?: string | Uint8Array, callback?: () => void): unknown;
}
/** Express / Connect / `node:http` middleware over `Req` and `Res` (default: the structural shapes). */
export type NodeMiddleware<Req extends NodeRequestLike = NodeRequestLike, Res extends NodeResponseLike = NodeResponseLike> =
  (req: Req, res: Res, next: (err?: unknown) => void) => Promise<void>;
/** `app.use(paywall(config))`; with `routes` (`{ "GET /premium": { price: "$0.01" } }`) only those routes pay. */
export declare function paywall<Req extends NodeRequestLike = NodeRequestLike, Res extends NodeResponseLike = NodeResponseLike>(
  config?: ServerConfig<Req> & { routes?: Record<string, ServerConfig<Req>> },
): NodeMiddleware<Req, Res>;
/** Per route: `app.get("/x", pay({ price: "$0.01" }), handler)`; the handler reads `req.x402`. */
export declare function pay<Req extends NodeRequestLike = NodeRequestLike, Res extends NodeResponseLike = NodeResponseLike>(
  config?: ServerConfig<Req>,
): NodeMiddleware<Req, Res>;
declare global {
  /**
   * Express's request (`@types/express` merges its `Request` with this interface when it is
   * installed; without it this declares only an empty namespace): `req.x402` is the payment.
   */
  namespace Express {
    interface Request {
      x402?: Payment | null | undefined;
    }
  }
}

/** The payment of a request inside a `withPayment` / `honoPaywall` handler, or null. */
export declare function paymentOf(request: Request): Payment | null;
/** Wraps a Fetch handler (Next.js route handlers, Workers, Hono `(c) => paid(c.req.raw)`). */
export declare function withPayment<Rest extends unknown[]>(
  handler: (request: Request, ...rest: Rest) => Response | Promise<Response>,
  config?: ServerConfig<Request>,
): (request: Request, ...rest: Rest) => Promise<Response>;
/** Hono middleware: `app.use("/premium/*", honoPaywall(config))`; handlers read `c.get("x402")`. */
/** The parts of a Hono `Context` the middleware uses (typed structurally: `hono` is not needed). */
export interface HonoContextLike {
  req: { raw: Request };
  res: Response | undefined;
  set(key: "x402", value: Payment): void;
}
export declare function honoPaywall(config?: ServerConfig<Request>): (c: HonoContextLike, next: () => Promise<void>) => Promise<void>;

/** The exchange driver under the adapters, for other frameworks. */
export interface PaymentGate {
  handle(
    request: { url: string; headers: HeadersLike; raw: unknown },
    run: (payment: Payment | null) => Promise<{ status: number }>,
  ): Promise<
    | { type: "serve"; status: number; headers: [string, string][]; result: unknown }
    | { type: "reply"; status: number; headers: [string, string][]; body: string | Uint8Array | null }
  >;
  config: ServerConfig;
  store: ReplayStore;
}
export declare function paymentGate<Req = unknown>(config: ServerConfig<Req>): PaymentGate;
