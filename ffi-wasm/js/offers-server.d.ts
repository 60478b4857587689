// Types of `pay402/offers-server` (Node, ES module): the Fewsats offers server flow.
import type {
  OffersServer, OffersAccess, OffersPaymentAsk, OffersPaymentDetails, OffersServerConfig,
} from "./core.js";

/** Records by token and single-use webhook keys; `atomic` serializes a read-decide-write. */
export interface OffersStore {
  atomic<T>(fn: () => Promise<T> | T): Promise<T>;
  get(token: string): Promise<Uint8Array | null>;
  put(token: string, record: Uint8Array): Promise<void>;
  /** Inserts `key` until `expiresAt` unless present; `true` when inserted. */
  claim(key: string, expiresAt: number, now: number): Promise<boolean>;
}

/** An answer the core decided. */
export interface OffersResponse { status: number; headers: [string, string][]; body: string; error: string | null }
export interface OffersServed { serve: true; token: string; access: OffersAccess }

export interface OffersPaywallOptions extends Omit<OffersServerConfig, "offers"> {
  offers: string | object[];
  /** The paths sold. */
  protect: Iterable<string>;
  /** Your provider: an invoice (`lightning`), an address (`onchain`) or a checkout URL. */
  paymentDetails: (ask: OffersPaymentAsk) => OffersPaymentDetails | Promise<OffersPaymentDetails>;
  store?: OffersStore;
  paymentRequestPath?: string;
  webhookPath?: string;
  /** Unix seconds (injectable for tests). */
  clock?: () => number;
  random?: (n: number) => Uint8Array;
}

export interface OffersRequest {
  method: string; path: string;
  headers: Record<string, string | string[] | undefined>;
  body?: Uint8Array;
}

export interface OffersPaywall {
  readonly server: OffersServer;
  readonly store: OffersStore;
  wantsBody(method: string, path: string): boolean;
  handle(request: OffersRequest): Promise<OffersResponse | OffersServed | null>;
}

export declare function memoryOffersStore(): OffersStore;
export declare function createOffersPaywall(options: OffersPaywallOptions): OffersPaywall;
/** A `node:http` request listener (typed structurally, so `@types/node` is not required). */
export declare function offersListener<Req extends object, Res>(
  paywall: OffersPaywall,
  handler: (req: Req & { pay402Offers?: { token: string; access: OffersAccess } }, res: Res) => void,
): (req: Req, res: Res) => void;
