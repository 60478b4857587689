// Types of pay402/ws402: a pay-as-you-go WebSocket server (WS402) on `ws`, and its client.
import type { Signer } from "../helpers.js";
import type { ClientBudget, RefundOrder, RefundResult, Ws402Statement, X402Offer, X402Resource } from "../core.js";

/** What `ws402Server` needs of a replay store (pay402/replay's `MemoryReplayStore`, `RedisReplayStore`). */
export interface Ws402ReplayStore {
  reserve(key: Uint8Array, ttlSeconds: number): boolean | Promise<boolean>;
  release(key: Uint8Array): unknown;
}

/** A settlement that pays refunds: `localSettlement(...)` from pay402/settle. */
export interface Ws402LocalSettlement {
  settle(body: Uint8Array | string): Promise<unknown>;
  settlePayment(...args: never[]): Promise<unknown>;
  refund(order: RefundOrder): Promise<RefundResult>;
}
/** A facilitator client (pay402/facilitator's `FacilitatorClient`): `/settle` only, no refunds. */
export interface Ws402FacilitatorSettlement {
  settle(paymentPayload: unknown, requirements: unknown): Promise<unknown>;
}
/** The `/settle` body's answer: the SettleResponse (object, JSON text or bytes), or `null` for none. */
export type Ws402SettleFunction = (body: Uint8Array) => unknown;
/** A refund's outcome: `RefundResult` (its `verdict`), or `"confirmed" | "pending" | "failed"`. */
export type Ws402RefundFunction = (order: RefundOrder) => unknown;

/** Prices in atomic units of the paid asset (`bigint`, or decimal text). */
export interface Ws402Tariff {
  perSecond: bigint | string; perByteIn?: bigint | string; perByteOut?: bigint | string; perMessage?: bigint | string;
}

/** On-chain prepayments as the original WS402 takes them: the client pays `payTo` itself (native coin, or the ERC-20
 * `asset`) and sends `{"type":"payment_proof","proof":{"txHash","reference","senderAddress"}}`; the server verifies the
 * transaction over JSON-RPC at `rpcUrl` (POSTs with global `fetch`, `rpcTimeoutMs` each, default 10000). The price asked
 * is the schema's `totalPrice` (`pricePerSecond × estimatedDuration`, in the asset's atomic units); the unused part is
 * refunded to the transaction's payer (never to `senderAddress`) through `refund`. A transaction hash admits one session. */
export interface Ws402ChainProofConfig {
  chainId: number;
  /** The ERC-20 token paid; absent or `null`: the native coin (ETH). */
  asset?: string | null;
  payTo: string;
  rpcUrl: string | URL;
  rpcTimeoutMs?: number;
  /** Default 1 (included in a block). */
  minConfirmations?: number;
  /** The oldest block time accepted, seconds before the proof (default 300). */
  maxAgeSeconds?: number;
}

export interface Ws402ServerConfig {
  /** The offers (as x402Middleware's); or one offer's fields below; or none with `chainProof` alone. */
  offers?: X402Offer[];
  scheme?: "exact" | "upto"; network?: string; asset?: string;
  /** The prepayment (`exact`) or the maximum authorized (`upto`), atomic units. */
  amount?: bigint | number | string; price?: string; decimals?: number; payTo?: string;
  maxTimeoutSeconds?: number; eip712Name?: string; eip712Version?: string; transferMethod?: "eip3009" | "permit2";
  facilitator?: string; feePayer?: string;
  /** The price per second (or `tariff`). */
  pricePerSecond?: bigint | string;
  tariff?: Ws402Tariff;
  /** Seconds: the longest session (default `estimatedDuration`). */
  maxSessionDuration?: number;
  /** Seconds: the schema's `estimatedDuration` (`totalPrice = pricePerSecond × estimatedDuration`). */
  estimatedDuration?: number;
  updateIntervalMs?: number; proofTimeoutMs?: number; settleMarginS?: number;
  /** On-chain prepayments (the original WS402's proof), besides or instead of the offers. */
  chainProof?: Ws402ChainProofConfig;
  /** Settles the prepayment (`exact`) or the charge (`upto`); an `exact` offer also needs a refund. Not needed with
   * `chainProof` alone (then `refund` is). */
  settle?: Ws402LocalSettlement | Ws402FacilitatorSettlement | Ws402SettleFunction;
  /** Pays refunds (default: `settle.refund`). */
  refund?: Ws402RefundFunction;
  /** Default: a `MemoryReplayStore` (one process). */
  replayStore?: Ws402ReplayStore;
  /** The resource sold (default url: the socket's URL). */
  resource?: Partial<X402Resource>;
  /** The schema's `websocketEndpoint` (default: from the request's Host and path). */
  publicUrl?: string;
  /** Unix milliseconds (default `Date.now`). */
  now?: () => number;
  timers?: { set(fn: () => void, ms: number): unknown; clear(handle: unknown): void };
  /** I/O failures the core did not ask about (store, socket, application). */
  onError?: (error: unknown) => void;
  /** The server secret (32 to 64 random bytes, the same for every process sharing `store`): sessions are
   * persisted, resumable (`resumeToken`) and recoverable (`recover()`). Given with `store`. */
  secret?: Uint8Array;
  /** Where the sealed session records live (`memorySessionStore()` or `redisSessionStore(client)`). */
  store?: Ws402SessionStore;
  /** Milliseconds a dropped connection stays suspended, unbilled, for a `resume_session` (default 0). */
  resumeGraceMs?: number;
  /** Milliseconds a running record's last checkpoint proves a live owner to `recover()` (default: 2 × `updateIntervalMs`). */
  leaseMs?: number;
  /** Retries of a store call that failed (default 3, 100 ms apart); then the socket is dropped and the record left to `recover()`. */
  storeRetries?: number;
}

/** A stored record and its generation. */
export interface Ws402StoredSession { record: Uint8Array; generation: number }
/** Session records keyed by session id, every write a compare-and-swap on the generation. A store that
 * cannot answer rejects (`SessionStoreError`); `false` only means another write came first. */
export interface Ws402SessionStore {
  create(sessionId: string, record: Uint8Array, generation: number, ttlSeconds: number): Promise<boolean>;
  load(sessionId: string): Promise<Ws402StoredSession | null>;
  swap(sessionId: string, record: Uint8Array, generation: number, expect: number, ttlSeconds: number): Promise<boolean>;
  openIds(): Promise<string[]>;
  delete(sessionId: string, expect: number): Promise<boolean>;
}
/** A store that could not answer; `code` is `session_store_unavailable`. */
export declare class SessionStoreError extends Error {
  readonly code: "session_store_unavailable";
}
/** An in-process store with expiry (one process; lost on restart). `clock`: ms (default `Date.now`). */
export declare function memorySessionStore(options?: { clock?: () => number }): Ws402SessionStore;
/** A Redis store over a connected node-redis (v4+) or ioredis client, in the Python `RedisSessionStore`'s layout
 * (`<prefix>s:<id>` base64 record, `<prefix>g:<id>` decimal generation, the set `<prefix>open`; default prefix `pay402:ws402:`). */
export declare function redisSessionStore(client: unknown,
  options?: { prefix?: string; flavor?: "node-redis" | "ioredis"; timeoutMs?: number }): Ws402SessionStore & { readonly flavor: "node-redis" | "ioredis" };

/** One paid session, given to `onSession` once it started. */
export interface Ws402ServerSession {
  /** The wire `sessionId` (32 hex digits). */
  readonly id: string;
  /** The verified payer. */
  readonly payer: string | null;
  /** The statement once the session ended, else `null`. */
  readonly statement: Ws402Statement | null;
  /** Resolves to the statement once the session ended (settled, refunded); `null` when it was abandoned here
   * (another process took it over, or the store could not answer). */
  readonly ended: Promise<Ws402Statement | null>;
  /** Sends `data` if the balance pays for it: `true` when sent, `false` when withheld (the session then ends). */
  send(data: string | Uint8Array): Promise<boolean>;
  /** Ends the session (a server close); resolves to its statement (`null` for a suspended session: it ends at its grace). */
  end(): Promise<Ws402Statement | null>;
  onEnd(fn: (statement: Ws402Statement) => void): void;
  /** An HTTP grant token for `resourceUrl` (the exact URL `grantMiddleware` checks), valid `ttlMs` (default 60000)
   * at the session's grant generation (a resume revokes it); sent as `Authorization: WS402 <token>`. Needs `secret`. */
  grant(resourceUrl: string, options?: { ttlMs?: number }): string;
  onMessage(fn: (data: string | Uint8Array) => void): void;
  addEventListener(type: "message" | "end", listener: (event: Event & { data?: string | Uint8Array; statement?: Ws402Statement }) => void): void;
  removeEventListener(type: "message" | "end", listener: (event: Event) => void): void;
}

/** The parts of `ws`'s WebSocketServer the server uses (pass your own; pay402 does not import `ws`). */
export interface Ws402WebSocketServer {
  on(event: "connection", listener: (ws: unknown, req: unknown) => void): unknown;
  off(event: "connection", listener: (ws: unknown, req: unknown) => void): unknown;
  handleUpgrade(req: unknown, socket: unknown, head: unknown, done: (ws: unknown) => void): void;
  emit(event: "connection", ws: unknown, req: unknown): boolean;
}
/** The parts of a `node:http` server the server routes. */
export interface Ws402HttpServer {
  on(event: "upgrade" | "request", listener: (...args: unknown[]) => void): unknown;
  off(event: "upgrade" | "request", listener: (...args: unknown[]) => void): unknown;
}

/** The parts of a node:http / Express request `grantMiddleware` reads (and `ws402Grant`, which it sets). */
export interface Ws402GrantRequest {
  headers: { authorization?: string | undefined; host?: string | undefined };
  url?: string | undefined; originalUrl?: string | undefined; method?: string | undefined;
  ws402Grant?: { status: number; code: string | null; sessionId: Uint8Array | null; generation: number | null; expiresMs: number | bigint | null };
}
/** The parts of a node:http response `grantMiddleware` writes, and holds while a granted response is charged
 * (`write`/`end`/`writeHead` are wrapped until the body is complete). */
export interface Ws402GrantResponse {
  statusCode: number;
  writeHead(status: number, ...rest: unknown[]): unknown;
  write(chunk: unknown, ...rest: unknown[]): unknown;
  end(...args: unknown[]): unknown;
  setHeader(name: string, value: unknown): unknown;
  removeHeader(name: string): unknown;
  getHeaderNames(): string[];
}
export interface Ws402ServerApi {
  attach(wss: Ws402WebSocketServer, options: { server?: Ws402HttpServer; path?: string; schemaPath?: string | ((pathname: string) => boolean) },
    onSession: (session: Ws402ServerSession) => unknown): Ws402ServerApi;
  handleUpgrade(req: unknown, socket: unknown, head: unknown): void;
  handleSchema(req: unknown, res: unknown, path?: string): void;
  /** Detaches, ends every live session; resolves to their statements. */
  close(): Promise<(Ws402Statement | null)[]>;
  /** After a restart: recovers every session the store lists as open (once per id in this process); the core
   * decides each (`await_resume`, `end`, `continue`, `still_owned`: tried again at its lease's end, `done`: deleted). */
  recover(): Promise<{ sessionId: string; kind: string }[]>;
  /** node:http / Express middleware for a session's HTTP resources: `Authorization: WS402 <token>` checked by the core
   * against the stored record; refused: the core's 402/401/403 and JSON body (the 402 `grant_required`: the seed's
   * `error`/`message`, `code`, `schemaUrl`); granted: `req.ws402Grant` and `next()`, whose response is held until it
   * ends and its body bytes charged to the live session in this process before it is sent (`perByteOut` per byte,
   * `perMessage` per response): the core's 402 `balance_insufficient` when the balance cannot pay it, 403
   * `session_elsewhere` when this process has no socket of the session (nothing is served uncharged). */
  grantMiddleware(options?: { resourceUrl?: (req: Ws402GrantRequest) => string; schemaUrl?: (req: Ws402GrantRequest) => string }):
    (req: Ws402GrantRequest, res: Ws402GrantResponse, next?: () => void) => Promise<void>;
  sessions(): Ws402ServerSession[];
}

/** A WS402 server (see the module's README section). Throws `TypeError` (`invalid_config`, `missing_refund`). */
export declare function ws402Server(config: Ws402ServerConfig): Ws402ServerApi;

/** What `ws402Connect` pays with: an EVM signer (`privateKeySigner`, `eip1193Signer` of pay402). */
export type Ws402Signer = Signer;
/** The client's budget: at most `maxAmount` per session (atomic units), `total` over all. */
export interface Ws402Budget {
  maxAmount?: bigint | number | string; total?: bigint | number | string;
  networks?: string[]; assets?: string[]; schemes?: string[];
  clientBudget?: ClientBudget;
}
/** A WebSocket constructor (the browser's, Node's global, or the `ws` package's). */
export type Ws402WebSocketClass = new (url: string) => {
  readyState: number; binaryType: string;
  send(data: string | Uint8Array): void; close(code?: number): void;
  addEventListener(type: string, listener: (event: { data?: unknown; code?: number }) => void): void;
};
export interface Ws402ConnectOptions {
  signer?: Ws402Signer;
  budget?: Ws402Budget;
  /** Pays the schema's `paymentDetails` yourself: resolves to the payment header value. */
  payer?: (paymentDetails: unknown) => string | Promise<string>;
  WebSocket?: Ws402WebSocketClass;
  fetch?: typeof fetch;
  /** Unix seconds, for signing. */
  now?: () => number;
  /** Reconnect and send `resume_session` when the socket drops without a close frame (or 1012) after the start:
   * `resumed` event on `session_resumed`; `resume_refused` is an `error` event (`Ws402Error`, `code`: the reason). */
  resume?: boolean;
  /** Milliseconds to keep trying to reconnect (default 10000). */
  resumeWithinMs?: number;
  /** Milliseconds between reconnection attempts (default 250). */
  resumeRetryMs?: number;
}
/** The server's `session_ended` statement, as the core's client tracker accepted it. */
export interface Ws402ServerStatement {
  sessionId: string; endedBy: string; paid: bigint; consumed: bigint; settled: bigint; refund: bigint;
  payer: string | null; settlementTx: string | null; refundTx: string | null;
}
/** How a client session ended: the close code, the figures the tracker last accepted, the server's statement if sent. */
export interface Ws402ClientStatement {
  closeCode: number; balance: bigint; consumed: bigint; remaining: bigint; ended: Ws402ServerStatement | null;
}
/** A WS402 session, client side: `message` (`data`), `usage` (`consumed`, `remaining`), `end` (`statement`), `error` (`error`). */
export declare class Ws402Connection extends EventTarget {
  readonly id: string | null;
  readonly phase: string;
  readonly balance: bigint;
  readonly consumed: bigint;
  readonly remaining: bigint;
  readonly statement: Ws402ClientStatement | null;
  send(data: string | Uint8Array): void;
  /** Sends `end_session` and resolves to the statement once the socket closed. */
  end(): Promise<Ws402ClientStatement>;
  close(code?: number): Promise<Ws402ClientStatement>;
}
/** Reads the schema at `url`, pays it, opens the socket; resolves once `session_started` arrived. */
export declare function ws402Connect(url: string | URL, options: Ws402ConnectOptions): Promise<Ws402Connection>;
