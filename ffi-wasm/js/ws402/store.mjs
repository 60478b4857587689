// pay402/ws402 session stores: where a WS402 session's sealed record lives between events,
// processes and restarts.
//
// The core writes each session's record (sealed bytes) and numbers its versions with a
// generation; a store keeps the latest record per session id and applies every write as a
// compare-and-swap on the generation, so when two processes hold one session (a restart racing a
// slow owner, two servers recovering one Redis) exactly one write wins and the loser stops
// without settling. A store never reads a record: it moves bytes. A store that cannot answer
// rejects with `SessionStoreError` (`session_store_unavailable`), never with `false`: `false`
// means "another write came first" and abandons the session.
//
// `redisSessionStore` uses the Python package's `RedisSessionStore` layout, so a Python and a
// Node server share one Redis: the record as standard base64 text under `<prefix>s:<id>`, its
// generation (decimal) under `<prefix>g:<id>` (both expiring together), the open ids in the set
// `<prefix>open`; create, swap and delete are the same Lua scripts.

export class SessionStoreError extends Error {
  constructor(message, options) {
    super(message, options);
    this.name = "SessionStoreError";
    this.code = "session_store_unavailable";
  }
}

function invalid(message) {
  const e = new TypeError(message);
  e.code = "invalid_argument";
  return e;
}

function check(sessionId, ttlSeconds, ...generations) {
  if (typeof sessionId !== "string" || sessionId.length === 0 || sessionId.length > 128) {
    throw invalid("sessionId must be a non-empty string of at most 128 characters");
  }
  if (ttlSeconds !== undefined && !(Number.isSafeInteger(ttlSeconds) && ttlSeconds >= 1)) {
    throw invalid("ttlSeconds must be an integer >= 1");
  }
  for (const g of generations) {
    if (!(Number.isSafeInteger(g) && g >= 0 && g < 2 ** 32)) throw invalid("a generation is an integer in [0, 2^32)");
  }
}

/**
 * An in-process store with expiry: one process only, lost on restart (use `redisSessionStore` to
 * resume sessions across restarts or processes). `clock` returns milliseconds (default
 * `Date.now`).
 */
export function memorySessionStore({ clock = Date.now } = {}) {
  const items = new Map(); // id → { record, generation, until }
  const live = (id) => {
    const item = items.get(id);
    if (item && item.until <= clock()) {
      items.delete(id);
      return undefined;
    }
    return item;
  };
  return {
    async create(sessionId, record, generation, ttlSeconds) {
      check(sessionId, ttlSeconds, generation);
      if (live(sessionId)) return false;
      items.set(sessionId, { record: Uint8Array.from(record), generation, until: clock() + ttlSeconds * 1000 });
      return true;
    },
    async load(sessionId) {
      check(sessionId);
      const item = live(sessionId);
      return item ? { record: Uint8Array.from(item.record), generation: item.generation } : null;
    },
    async swap(sessionId, record, generation, expect, ttlSeconds) {
      check(sessionId, ttlSeconds, generation, expect);
      const item = live(sessionId);
      if (!item || item.generation !== expect) return false;
      items.set(sessionId, { record: Uint8Array.from(record), generation, until: clock() + ttlSeconds * 1000 });
      return true;
    },
    async openIds() {
      return [...items.keys()].filter((id) => live(id)).sort();
    },
    async delete(sessionId, expect) {
      check(sessionId, undefined, expect);
      const item = live(sessionId);
      if (!item || item.generation !== expect) return false;
      items.delete(sessionId);
      return true;
    },
  };
}

// KEYS: record, generation, open set. ARGV: id, record, generation, ttl ms.
const CREATE = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[4])
redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[4])
redis.call('SADD', KEYS[3], ARGV[1])
return 1
`;
// KEYS: record, generation. ARGV: record, generation, expected generation, ttl ms.
const SWAP = `
if redis.call('EXISTS', KEYS[1]) == 0 or redis.call('GET', KEYS[2]) ~= ARGV[3] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[4])
redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[4])
return 1
`;
// KEYS: record, generation, open set. ARGV: id, expected generation.
const DELETE = `
if redis.call('EXISTS', KEYS[1]) == 0 or redis.call('GET', KEYS[2]) ~= ARGV[2] then return 0 end
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('SREM', KEYS[3], ARGV[1])
return 1
`;

const b64 = (record) => Buffer.from(record).toString("base64");

/**
 * A Redis store over a connected node-redis (`redis` v4 or later) or ioredis client (told apart
 * by shape; `flavor` overrides), with the Python package's layout (see the head of this file).
 * Any client error, an unexpected reply, or no answer within `timeoutMs` (default 2000) rejects
 * with `SessionStoreError`.
 */
export function redisSessionStore(client, { prefix = "pay402:ws402:", flavor, timeoutMs = 2000 } = {}) {
  if (client == null || typeof client !== "object") throw invalid("client must be a connected node-redis or ioredis client");
  flavor ??= typeof client.isOpen === "boolean" ? "node-redis" : typeof client.status === "string" ? "ioredis" : undefined;
  if (flavor !== "node-redis" && flavor !== "ioredis") throw invalid('cannot tell node-redis from ioredis: pass { flavor: "node-redis" } or { flavor: "ioredis" }');
  if (!(timeoutMs > 0)) throw invalid("timeoutMs must be > 0");
  const keys = (id) => [`${prefix}s:${id}`, `${prefix}g:${id}`, `${prefix}open`];
  async function command(args) {
    const strings = args.map(String);
    let timer;
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new SessionStoreError(`redis: no answer to ${strings[0]} within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      const run = flavor === "ioredis" ? client.call(...strings) : client.sendCommand(strings);
      return await Promise.race([run, timeout]);
    } catch (e) {
      if (e instanceof SessionStoreError) throw e;
      throw new SessionStoreError(`redis: ${e?.message ?? e}`, { cause: e });
    } finally {
      clearTimeout(timer);
    }
  }
  const flag = (reply, what) => {
    if (reply === 1 || reply === 0) return reply === 1;
    throw new SessionStoreError(`redis: unexpected reply to ${what}: ${String(reply)}`);
  };
  return {
    flavor,
    async create(sessionId, record, generation, ttlSeconds) {
      check(sessionId, ttlSeconds, generation);
      const k = keys(sessionId);
      return flag(await command(["EVAL", CREATE, 3, ...k, sessionId, b64(record), generation, ttlSeconds * 1000]), "create");
    },
    async load(sessionId) {
      check(sessionId);
      const reply = await command(["MGET", ...keys(sessionId).slice(0, 2)]);
      if (!Array.isArray(reply) || reply.length !== 2) throw new SessionStoreError("redis: unexpected reply to MGET");
      const [record, generation] = reply.map((v) => (v === null || v === undefined ? null : String(v)));
      if (record === null || generation === null) return null;
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(record) || record.length % 4 !== 0 || !/^(0|[1-9][0-9]{0,9})$/.test(generation)) {
        throw new SessionStoreError(`redis: the stored record of ${JSON.stringify(sessionId)} is not base64 with a decimal generation`);
      }
      return { record: new Uint8Array(Buffer.from(record, "base64")), generation: Number(generation) };
    },
    async swap(sessionId, record, generation, expect, ttlSeconds) {
      check(sessionId, ttlSeconds, generation, expect);
      const k = keys(sessionId).slice(0, 2);
      return flag(await command(["EVAL", SWAP, 2, ...k, b64(record), generation, expect, ttlSeconds * 1000]), "swap");
    },
    async openIds() {
      const members = await command(["SMEMBERS", `${prefix}open`]);
      if (!Array.isArray(members)) throw new SessionStoreError("redis: unexpected reply to SMEMBERS");
      const alive = [];
      for (const id of members.map(String).sort()) {
        if (Number(await command(["EXISTS", `${prefix}s:${id}`])) === 1) alive.push(id);
        else await command(["SREM", `${prefix}open`, id]);
      }
      return alive;
    },
    async delete(sessionId, expect) {
      check(sessionId, undefined, expect);
      return flag(await command(["EVAL", DELETE, 3, ...keys(sessionId), sessionId, expect]), "delete");
    },
  };
}
