// Types of `pay402/replay` (replay.mjs / replay.cjs): the single-use record of verified payments.

/** A replay key: the verified payment's `replayKey` bytes, or a string. */
export type ReplayKey = Uint8Array | string;

/** What a server needs from a replay store (the core's reserve / keep / release rules). */
export interface ReplayStore {
  /** `true` if `key` was free (now reserved for `ttlSeconds`), `false` if it is held (a replay). */
  reserve(key: ReplayKey, ttlSeconds: number): boolean | Promise<boolean>;
  /** Deletes `key` so the same authorization can be retried (an absent key is fine). */
  release(key: ReplayKey): void | Promise<void>;
}

/** The store could not answer (unreachable, timed out, full). */
export declare class ReplayStoreError extends Error {
  constructor(message: string, options?: { cause?: unknown; detailCode?: string });
  readonly name: "ReplayStoreError";
  readonly code: "replay_store_unavailable";
  /** `"replay_store_full"` when a bounded memory store is full. */
  readonly detailCode: string | undefined;
}

export interface MemoryReplayStoreOptions {
  /** Live keys at most (default 100 000); past it `reserve` throws `ReplayStoreError`. */
  maxEntries?: number;
  /** The clock, in milliseconds (default `Date.now`). */
  now?: () => number;
}

/** In-process store with expiry: one process only. */
export declare class MemoryReplayStore implements ReplayStore {
  constructor(options?: MemoryReplayStoreOptions);
  reserve(key: ReplayKey, ttlSeconds: number): boolean;
  release(key: ReplayKey): void;
  /** Whether `key` is reserved and alive. */
  has(key: ReplayKey): boolean;
  /** The number of live keys. */
  readonly size: number;
  /** Another name of `reserve`. */
  insertIfAbsent(key: ReplayKey, ttlSeconds: number): boolean;
}

export type RedisFlavor = "node-redis" | "ioredis";

export interface RedisReplayStoreOptions {
  /** Prepended to the hex key (default `"pay402:replay:"`). */
  prefix?: string;
  /** Milliseconds to wait for Redis before rejecting with `ReplayStoreError` (default 2000). */
  timeoutMs?: number;
  /** Which client this is, when its shape does not tell. */
  flavor?: RedisFlavor;
}

export interface RedisReplayStoreUrlOptions extends Omit<RedisReplayStoreOptions, "flavor"> {
  /** The package to connect with (default: `redis` if installed, else `ioredis`). */
  client?: "redis" | "ioredis";
  /** Passed to `createClient` (redis) or `new Redis` (ioredis). */
  clientOptions?: Record<string, unknown>;
}

/** Structural view of the two supported clients (node-redis v4+ and ioredis). */
export interface RedisLikeClient {
  set(...args: never[]): Promise<unknown>;
  del(...args: never[]): Promise<unknown>;
}

/** `SET <prefix><hex key> 1 EX <ttl> NX` / `DEL` over a node-redis or ioredis client. */
export declare class RedisReplayStore implements ReplayStore {
  constructor(client: RedisLikeClient, options?: RedisReplayStoreOptions);
  /** Connects with the installed client; the store owns the connection (`close()`). */
  static fromUrl(url: string, options?: RedisReplayStoreUrlOptions): Promise<RedisReplayStore>;
  readonly flavor: RedisFlavor;
  /** The Redis key of a replay key. */
  redisKey(key: ReplayKey): string;
  reserve(key: ReplayKey, ttlSeconds: number): Promise<boolean>;
  release(key: ReplayKey): Promise<void>;
  /** Another name of `reserve`. */
  insertIfAbsent(key: ReplayKey, ttlSeconds: number): Promise<boolean>;
  /** Ends the connection when `fromUrl` opened it. */
  close(): Promise<void>;
}
