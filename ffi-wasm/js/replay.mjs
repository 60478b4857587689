// Replay stores of the pay402 server (`pay402/replay`): the single-use record of verified payments.
//
// The server reserves every verified payment's replay key (chain id ‖ asset ‖ payer ‖ nonce) for
// the lifetime the core gives it, before the handler runs: `reserve(key, ttlSeconds)` inserts the
// key if it is absent and answers whether it was. Afterwards the server keeps the reservation (the
// payment settled, or its outcome is unknown) or deletes it with `release(key)` (the handler failed,
// or the settlement was refused) so that the same authorization can be retried. A store that
// cannot answer rejects with `ReplayStoreError` and the server refuses the payment (503
// `replay_store_unavailable`): never a payment admitted without a reservation.
//
// Plain JavaScript without the WebAssembly core. `insertIfAbsent` is kept as another name of
// `reserve` (the store interface of `x402Middleware`'s `replayStore` option).

const DEFAULT_PREFIX = "pay402:replay:";

/** The store could not answer: `code` is `replay_store_unavailable`; `cause` the client's error. */
export class ReplayStoreError extends Error {
  constructor(message, options = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "ReplayStoreError";
    this.code = "replay_store_unavailable";
    this.detailCode = options.detailCode;
  }
}

function invalid(message) {
  const e = new TypeError(message);
  e.code = "invalid_argument";
  return e;
}

/** A replay key as text: lowercase hex of the bytes, or the string itself. */
function keyText(key) {
  if (typeof key === "string" && key.length > 0) return key;
  if (key instanceof Uint8Array && key.length > 0) {
    let hex = "";
    for (const b of key) hex += b.toString(16).padStart(2, "0");
    return hex;
  }
  throw invalid("key must be a non-empty Uint8Array or string");
}

function checkTtl(ttlSeconds) {
  if (typeof ttlSeconds === "bigint") ttlSeconds = Number(ttlSeconds);
  if (!Number.isSafeInteger(ttlSeconds) || ttlSeconds < 1) throw invalid("ttlSeconds must be an integer >= 1");
  return ttlSeconds;
}

/**
 * In-process store with expiry (one process only: behind several processes or hosts use
 * `RedisReplayStore`). Bounded: with `maxEntries` live keys (default 100 000) `reserve` throws
 * `ReplayStoreError` (`detailCode: "replay_store_full"`) rather than forget a key. `now()` returns
 * milliseconds (default `Date.now`), injectable for tests.
 */
export class MemoryReplayStore {
  #expiry = new Map();
  #heap = []; // [expiry ms, key text], smallest expiry first
  #max;
  #now;

  constructor(options = {}) {
    const max = options.maxEntries ?? 100_000;
    if (!Number.isSafeInteger(max) || max < 1) throw invalid("maxEntries must be an integer >= 1");
    this.#max = max;
    this.#now = options.now ?? Date.now;
  }

  #push(entry) {
    const h = this.#heap;
    h.push(entry);
    for (let i = h.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (h[parent][0] <= h[i][0]) break;
      [h[parent], h[i]] = [h[i], h[parent]];
      i = parent;
    }
  }

  #pop() {
    const h = this.#heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0) {
      h[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && h[l][0] < h[m][0]) m = l;
        if (r < h.length && h[r][0] < h[m][0]) m = r;
        if (m === i) break;
        [h[m], h[i]] = [h[i], h[m]];
        i = m;
      }
    }
    return top;
  }

  #purge(now) {
    while (this.#heap.length > 0 && this.#heap[0][0] <= now) {
      const [at, id] = this.#pop();
      if (this.#expiry.get(id) === at) this.#expiry.delete(id);
    }
  }

  /** `true` if `key` was free (now reserved for `ttlSeconds`), `false` if it is held. */
  reserve(key, ttlSeconds) {
    const id = keyText(key);
    const ttl = checkTtl(ttlSeconds);
    const now = this.#now();
    this.#purge(now);
    if (this.#expiry.has(id)) return false;
    if (this.#expiry.size >= this.#max) {
      throw new ReplayStoreError(`replay store full (${this.#max} live keys)`, { detailCode: "replay_store_full" });
    }
    const at = now + ttl * 1000;
    this.#expiry.set(id, at);
    this.#push([at, id]);
    return true;
  }

  /** Deletes `key` (an absent key is fine). */
  release(key) {
    this.#expiry.delete(keyText(key));
    if (this.#heap.length > 2 * this.#expiry.size + 64) {
      // released keys' heap entries: rebuild from the live keys
      const live = [...this.#expiry].map(([id, at]) => [at, id]);
      this.#heap = [];
      for (const entry of live) this.#push(entry);
    }
  }

  /** Whether `key` is reserved and alive. */
  has(key) {
    this.#purge(this.#now());
    return this.#expiry.has(keyText(key));
  }

  /** The number of live keys. */
  get size() {
    this.#purge(this.#now());
    return this.#expiry.size;
  }

  insertIfAbsent(key, ttlSeconds) {
    return this.reserve(key, ttlSeconds);
  }
}

/** "node-redis" (the `redis` package, v4 and later) or "ioredis", from the client's shape. */
function detectFlavor(client) {
  if (client == null || typeof client.set !== "function" || typeof client.del !== "function") {
    throw invalid("client must be a connected node-redis or ioredis client (set and del)");
  }
  if (typeof client.isOpen === "boolean") return "node-redis";
  if (typeof client.status === "string") return "ioredis";
  throw invalid('cannot tell node-redis from ioredis: pass { flavor: "node-redis" } or { flavor: "ioredis" }');
}

/**
 * Redis-backed store: `SET <prefix><hex key> 1 EX <ttl> NX` to reserve (atomic: of any number
 * of concurrent submissions from any process or host on the same Redis, exactly one wins),
 * `DEL` to release. `client` is a connected node-redis (`redis` v4 or later) or ioredis client,
 * told apart by shape (`flavor` overrides). Any client error, an unexpected reply, or no answer
 * within `timeoutMs` (default 2000) rejects with `ReplayStoreError`.
 */
export class RedisReplayStore {
  #client;
  #prefix;
  #timeoutMs;
  #owned;

  constructor(client, options = {}) {
    const flavor = options.flavor ?? detectFlavor(client);
    if (flavor !== "node-redis" && flavor !== "ioredis") throw invalid('flavor must be "node-redis" or "ioredis"');
    const timeoutMs = options.timeoutMs ?? 2000;
    if (!(timeoutMs > 0)) throw invalid("timeoutMs must be > 0");
    this.#client = client;
    this.#prefix = options.prefix ?? DEFAULT_PREFIX;
    this.#timeoutMs = timeoutMs;
    this.#owned = options.owned === true;
    /** "node-redis" or "ioredis". */
    this.flavor = flavor;
  }

  /**
   * Connects to `url` with the installed client (`options.client`: "redis" or "ioredis";
   * default: `redis` if it can be imported, else `ioredis`) and returns a store that owns the
   * connection (`close()` ends it). `options.clientOptions` go to the client.
   */
  static async fromUrl(url, options = {}) {
    const { client: which, clientOptions = {}, ...storeOptions } = options;
    const timeoutMs = storeOptions.timeoutMs ?? 2000;
    let client;
    let flavor;
    if (which === "ioredis" || (which === undefined && !(await importable("redis")))) {
      const { Redis } = await import("ioredis");
      client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: timeoutMs, ...clientOptions });
      flavor = "ioredis";
    } else if (which === undefined || which === "redis") {
      const { createClient } = await import("redis");
      client = createClient({ url, ...clientOptions, socket: { connectTimeout: timeoutMs, ...clientOptions.socket } });
      flavor = "node-redis";
    } else {
      throw invalid('options.client must be "redis" or "ioredis"');
    }
    let lastError;
    client.on("error", (e) => { lastError = e; }); // reported through the commands that fail
    try {
      await withTimeout(client.connect(), timeoutMs, "connect");
    } catch (e) {
      closeQuietly(client, flavor);
      throw new ReplayStoreError(`redis: cannot connect to ${redact(url)}: ${e?.message ?? lastError?.message ?? e}`, { cause: e });
    }
    return new RedisReplayStore(client, { ...storeOptions, flavor, owned: true });
  }

  /** The Redis key of a replay key. */
  redisKey(key) {
    return this.#prefix + keyText(key);
  }

  /** Resolves to `true` if `key` was free (now reserved for `ttlSeconds`), `false` if held. */
  async reserve(key, ttlSeconds) {
    const name = this.redisKey(key);
    const ttl = checkTtl(ttlSeconds);
    const command = this.flavor === "ioredis"
      ? () => this.#client.set(name, "1", "EX", ttl, "NX")
      : () => this.#client.set(name, "1", { EX: ttl, NX: true });
    const reply = await this.#run(command, "SET");
    if (reply === "OK") return true;
    if (reply === null || reply === undefined) return false;
    throw new ReplayStoreError(`redis: unexpected reply to SET NX: ${String(reply)}`);
  }

  /** Deletes `key` (an absent key is fine). */
  async release(key) {
    const name = this.redisKey(key);
    await this.#run(() => this.#client.del(name), "DEL");
  }

  insertIfAbsent(key, ttlSeconds) {
    return this.reserve(key, ttlSeconds);
  }

  /** Ends the connection when `fromUrl` opened it; a client you passed in is yours to close. */
  async close() {
    if (this.#owned) await closeClient(this.#client, this.flavor);
  }

  async #run(command, name) {
    try {
      return await withTimeout(Promise.resolve().then(command), this.#timeoutMs, name);
    } catch (e) {
      if (e instanceof ReplayStoreError) throw e;
      throw new ReplayStoreError(`redis: ${name} failed: ${e?.message ?? e}`, { cause: e });
    }
  }
}

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new ReplayStoreError(`redis: no answer to ${what} within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function importable(name) {
  try {
    await import(name);
    return true;
  } catch {
    return false;
  }
}

async function closeClient(client, flavor) {
  if (flavor === "ioredis") await client.quit();
  else if (typeof client.close === "function") await client.close(); // node-redis v5 and later
  else await client.quit(); // node-redis v4
}

function closeQuietly(client, flavor) {
  try {
    if (flavor === "ioredis") client.disconnect();
    else if (typeof client.destroy === "function") client.destroy();
    else client.disconnect?.().catch?.(() => {});
  } catch {
    // already closed
  }
}

function redact(url) {
  return String(url).replace(/\/\/[^@/]*@/, "//***@");
}
