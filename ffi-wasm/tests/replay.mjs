// `pay402/replay` against a real redis-server on 127.0.0.1 (port in REDIS_PORT; run.sh starts one):
// the memory store (expiry on an injected clock, release, bound), RedisReplayStore over node-redis
// (`redis` 6 and 4) and ioredis (reserve = SET NX EX, release = DEL, expiry seen with Redis's own
// TTL, the key layout Python's RedisReplayStore uses, typed errors when Redis cannot answer),
// several Node processes racing on one key (exactly one wins; after a release exactly one more),
// two processes serving x402Middleware with one Redis store (one payment is accepted once), and
// the README's replay examples.
//   node replay.mjs           (the parent; forks itself with "child" / "server")
import { fork } from "node:child_process";
import { once } from "node:events";
import { readFileSync, writeFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { createServer as createHttpServer } from "node:http";
import { fileURLToPath } from "node:url";
import { MemoryReplayStore, RedisReplayStore, ReplayStoreError } from "pay402/replay";
import { harness } from "./harness.mjs";

const SELF = fileURLToPath(import.meta.url);
const PORT = Number(process.env.REDIS_PORT);
const URL_ = `redis://127.0.0.1:${PORT}/0`;
const require = createRequire(import.meta.url);

/** A connected client of one of the three installed packages. */
async function connect(kind, port = PORT) {
  if (kind === "ioredis") {
    const { Redis } = await import("ioredis");
    const client = new Redis({ host: "127.0.0.1", port, lazyConnect: true });
    await client.connect();
    return client;
  }
  const { createClient } = await import(kind === "redis-v4" ? "redis-v4" : "redis");
  const client = createClient({ url: `redis://127.0.0.1:${port}/0` });
  client.on("error", () => {});
  await client.connect();
  return client;
}

async function disconnect(kind, client) {
  if (kind === "ioredis" || kind === "redis-v4") await client.quit();
  else await client.close();
}

const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

// --- forked processes ------------------------------------------------------------------------

async function child() {
  const kind = process.argv[3];
  const client = await connect(kind);
  const store = new RedisReplayStore(client, { prefix: "race:" });
  process.on("message", async (m) => {
    if (m.go) process.send({ won: await store.reserve(m.key, 30), flavor: store.flavor });
    if (m.exit) { await disconnect(kind, client); process.exit(0); }
  });
  process.on("disconnect", () => process.exit(1)); // the parent is gone
  process.send({ ready: true });
}

async function server() {
  const pay402 = await import("pay402");
  const store = await RedisReplayStore.fromUrl(URL_, { client: process.argv[3], prefix: "mw:" });
  const offer = JSON.parse(process.argv[4]);
  const mw = pay402.x402Middleware([offer], { replayStore: store });
  const http = createHttpServer((req, res) => mw(req, res, () => { res.statusCode = 200; res.end("premium"); }));
  process.on("disconnect", () => process.exit(1)); // the parent is gone
  http.listen(0, "127.0.0.1", () => process.send({ port: http.address().port }));
  process.on("message", async (m) => {
    if (m.exit) { http.close(); await store.close(); process.exit(0); }
  });
}

// --- the parent ------------------------------------------------------------------------------

async function main() {
  const { t, eq, result } = harness();
  const rejects = async (promise, code) => {
    try { await promise; } catch (e) {
      if (!(e instanceof ReplayStoreError)) throw new Error(`not a ReplayStoreError: ${e?.stack ?? e}`);
      eq(e.name, "ReplayStoreError", "name"); eq(e.code, code, "code"); return e;
    }
    throw new Error("did not reject");
  };
  const throwsType = (fn) => {
    try { fn(); } catch (e) { eq(e instanceof TypeError, true, "TypeError"); eq(e.code, "invalid_argument", "code"); return; }
    throw new Error("did not throw");
  };

  await t("memory store: reserve once until expiry, on an injected clock", () => {
    let now = 1_000_000;
    const s = new MemoryReplayStore({ now: () => now });
    eq(s.reserve(new Uint8Array([1, 2]), 10), true, "first");
    eq(s.reserve(new Uint8Array([1, 2]), 10), false, "replay");
    eq(s.reserve("0102", 10), false, "bytes and their hex are one key");
    now += 9_999;
    eq(s.reserve(new Uint8Array([1, 2]), 10), false, "still held at 9.999 s");
    now += 1;
    eq(s.reserve(new Uint8Array([1, 2]), 10), true, "free at 10 s");
    eq(s.size, 1, "size");
    eq(s.insertIfAbsent("other", 1), true, "insertIfAbsent");
    eq(s.reserve("bigint ttl", 5n), true, "a bigint ttl (the core's u64) is seconds too");
    now += 4_999;
    eq(s.has("bigint ttl"), true, "held at 4.999 s");
    now += 1;
    eq(s.has("bigint ttl"), false, "expired at 5 s");
  });
  await t("memory store: release frees a key; a released key's old expiry spares a new reservation", () => {
    let now = 0;
    const s = new MemoryReplayStore({ now: () => now });
    eq(s.reserve("k", 10), true, "first");
    s.release("k");
    eq(s.has("k"), false, "released");
    s.release("never");
    now = 5_000;
    eq(s.reserve("k", 10), true, "again");
    now = 10_500;
    eq(s.has("k"), true, "the new reservation lives to 15 s");
    eq(s.reserve("k", 10), false, "still a replay");
    now = 15_000;
    eq(s.reserve("k", 10), true, "expired");
  });
  await t("memory store: bounded, full is an error rather than a forgotten key", () => {
    let now = 0;
    const s = new MemoryReplayStore({ maxEntries: 2, now: () => now });
    eq(s.reserve("a", 60) && s.reserve("b", 60), true, "two");
    try { s.reserve("c", 60); throw new Error("did not throw"); } catch (e) {
      eq(e instanceof ReplayStoreError, true, "ReplayStoreError");
      eq(e.code, "replay_store_unavailable", "code"); eq(e.detailCode, "replay_store_full", "detailCode");
    }
    eq(s.reserve("a", 60), false, "a held key is still a replay when full");
    s.release("a");
    eq(s.reserve("c", 60), true, "room after a release");
    now = 60_000;
    eq(s.reserve("d", 60) && s.reserve("e", 60), true, "room after expiry");
    const many = new MemoryReplayStore({ maxEntries: 10 });
    for (let i = 0; i < 10_000; i++) { eq(many.reserve(`k${i}`, 3600), true, `k${i}`); many.release(`k${i}`); }
    eq(many.size, 0, "size");
  });
  await t("memory store: bad arguments are TypeErrors", () => {
    const s = new MemoryReplayStore();
    throwsType(() => s.reserve(new Uint8Array(0), 1));
    throwsType(() => s.reserve(42, 1));
    throwsType(() => s.reserve("k", 0));
    throwsType(() => s.reserve("k", 1.5));
    throwsType(() => new MemoryReplayStore({ maxEntries: 0 }));
    throwsType(() => new RedisReplayStore({}));
    throwsType(() => new RedisReplayStore({ set() {}, del() {} }));
  });
  await t("require('pay402/replay') (CommonJS) is the same API", async () => {
    const cjs = require("pay402/replay");
    eq(typeof cjs.MemoryReplayStore, "function", "MemoryReplayStore");
    eq(typeof cjs.RedisReplayStore.fromUrl, "function", "fromUrl");
    const s = new cjs.MemoryReplayStore();
    eq(s.reserve("k", 5), true, "reserve"); eq(s.reserve("k", 5), false, "replay");
    const store = await cjs.RedisReplayStore.fromUrl(URL_, { client: "ioredis", prefix: "cjs:" });
    eq(await store.reserve("k", 5), true, "redis reserve");
    await store.close();
    try { s.reserve("x", 0); } catch (e) { eq(e.code, "invalid_argument", "code"); }
    eq(new cjs.ReplayStoreError("x").code, "replay_store_unavailable", "error code");
  });

  for (const [kind, flavor] of [["redis", "node-redis"], ["redis-v4", "node-redis"], ["ioredis", "ioredis"]]) {
    await t(`${kind}: SET NX EX to reserve, DEL to release, TTL as Redis reports it`, async () => {
      const client = await connect(kind);
      const store = new RedisReplayStore(client, { prefix: `t-${kind}:` });
      eq(store.flavor, flavor, "flavor");
      const key = new Uint8Array(80).map((_, i) => i);
      const name = `t-${kind}:${hex(key)}`;
      eq(store.redisKey(key), name, "redisKey");
      eq(await store.reserve(key, 30), true, "first");
      eq(await store.reserve(key, 30), false, "replay");
      eq(await store.insertIfAbsent(key, 30), false, "insertIfAbsent");
      eq(await client.get(name), "1", "value");
      const ttl = Number(await client.ttl(name));
      eq(ttl === 29 || ttl === 30, true, `TTL ${ttl}`);
      await store.release(key);
      eq(Number(await client.exists(name)), 0, "deleted");
      eq(await store.reserve(key, 30), true, "free again after release");
      await store.release("never reserved");
      await disconnect(kind, client);
    });
    await t(`${kind}: a reservation ends when Redis's TTL does`, async () => {
      const client = await connect(kind);
      const store = new RedisReplayStore(client, { prefix: `e-${kind}:` });
      eq(await store.reserve("x", 1), true, "first");
      eq(Number(await client.ttl(store.redisKey("x"))), 1, "TTL 1");
      eq(await store.reserve("x", 1), false, "replay");
      const deadline = Date.now() + 5000;
      while (Number(await client.ttl(store.redisKey("x"))) !== -2) {
        if (Date.now() > deadline) throw new Error("never expired");
        await new Promise((r) => setTimeout(r, 50));
      }
      eq(await store.reserve("x", 1), true, "free after expiry");
      await disconnect(kind, client);
    });
  }

  await t("one key layout for every client and for Python's RedisReplayStore: pay402:replay:<hex>", async () => {
    const a = await RedisReplayStore.fromUrl(URL_, { client: "redis" });
    const b = await RedisReplayStore.fromUrl(URL_, { client: "ioredis" });
    const key = new Uint8Array([0xde, 0xad, 0xbe, 0xef]);
    eq(a.redisKey(key), "pay402:replay:deadbeef", "layout");
    eq(await a.reserve(key, 30), true, "node-redis reserves");
    eq(await b.reserve(key, 30), false, "ioredis sees the reservation");
    await b.release(key);
    eq(await a.reserve(key, 30), true, "and its release");
    await a.close(); await b.close();
  });

  await t("fromUrl: the default client is redis; an unreachable Redis is a ReplayStoreError", async () => {
    const s = await RedisReplayStore.fromUrl(URL_);
    eq(s.flavor, "node-redis", "flavor");
    await s.close();
    const closed = await new Promise((resolve) => { const srv = createServer(); srv.listen(0, "127.0.0.1", () => { const p = srv.address().port; srv.close(() => resolve(p)); }); });
    for (const client of ["redis", "ioredis"]) {
      const started = Date.now();
      await rejects(RedisReplayStore.fromUrl(`redis://127.0.0.1:${closed}/0`, { client, timeoutMs: 500 }), "replay_store_unavailable");
      eq(Date.now() - started < 3000, true, `${client} gave up in time`);
    }
  });

  await t("a Redis that stops answering, or a closed client, is a ReplayStoreError (fail closed)", async () => {
    // a server that accepts connections and never answers
    const sockets = [];
    const silent = createServer((s) => sockets.push(s));
    silent.listen(0, "127.0.0.1");
    await once(silent, "listening");
    const port = silent.address().port;
    for (const client of ["redis", "ioredis"]) {
      const started = Date.now();
      const e = await rejects(RedisReplayStore.fromUrl(`redis://127.0.0.1:${port}/0`, { client, timeoutMs: 300 }), "replay_store_unavailable");
      eq(Date.now() - started < 3000, true, `${client} gave up in time (${e.message})`);
    }
    for (const s of sockets) s.destroy();
    silent.close();
    // a real Redis that stalls: CLIENT PAUSE holds every write command (SET, DEL) for 2 s
    const admin = await connect("redis");
    for (const kind of ["redis", "ioredis"]) {
      const client = await connect(kind);
      const store = new RedisReplayStore(client, { timeoutMs: 300, prefix: `pause-${kind}:` });
      await admin.sendCommand(["CLIENT", "PAUSE", "2000", "WRITE"]);
      const started = Date.now();
      await rejects(store.reserve("k", 10), "replay_store_unavailable");
      await rejects(store.release("k"), "replay_store_unavailable");
      eq(Date.now() - started < 1500, true, `${kind} gave up before Redis answered`);
      await admin.sendCommand(["CLIENT", "UNPAUSE"]);
      await disconnect(kind, client);
    }
    await admin.close();
    // a node-redis client that was closed
    const client = await connect("redis");
    const closedStore = new RedisReplayStore(client);
    await client.close();
    const err = await rejects(closedStore.reserve("k", 10), "replay_store_unavailable");
    eq(err.cause instanceof Error, true, "cause kept");
  });

  await t("8 Node processes (node-redis 6 and 4, ioredis) race on one key: one wins; after a release, one more", async () => {
    const kinds = ["redis", "ioredis", "redis-v4"];
    const children = [];
    try {
      for (let i = 0; i < 8; i++) {
        const c = fork(SELF, ["child", kinds[i % 3]], { stdio: "inherit" });
        children.push(c);
      }
      await Promise.all(children.map((c) => once(c, "message")));
      const key = hex(new Uint8Array(80).fill(0xa5));
      const round = () => Promise.all(children.map((c) => { const answer = once(c, "message"); c.send({ go: true, key }); return answer.then(([m]) => m.won); }));
      const first = await round();
      eq(first.filter(Boolean).length, 1, `winners of round 1 (${first})`);
      const client = await connect("redis");
      eq(Number(await client.exists(`race:${key}`)), 1, "reserved");
      await new RedisReplayStore(client, { prefix: "race:" }).release(key);
      const second = await round();
      eq(second.filter(Boolean).length, 1, `winners of round 2 (${second})`);
      const ttl = Number(await client.ttl(`race:${key}`));
      eq(ttl === 29 || ttl === 30, true, `TTL ${ttl}`);
      await client.close();
      await Promise.all(children.map((c) => { const exit = once(c, "exit"); c.send({ exit: true }); return exit; }));
    } finally {
      for (const c of children) if (c.exitCode === null) c.kill();
    }
  });

  await t("two Node processes serving x402Middleware on one Redis store accept one payment once", async () => {
    const pay402 = await import("pay402");
    const key = new Uint8Array(32).fill(0x11);
    const offer = { scheme: "exact", network: "eip155:84532", amount: "10000", asset: "0x036CbD53842c5426634e7929541eC2318f3dCF7e",
      payTo: "0x209693Bc6afc0C5328bA36FaF03C514EF312287C", maxTimeoutSeconds: 60, extra: { name: "USDC", version: "2" } };
    const servers = ["redis", "ioredis", "redis", "ioredis"].map((client) => fork(SELF, ["server", client, JSON.stringify(offer)], { stdio: "inherit" }));
    try {
      const ports = (await Promise.all(servers.map((s) => once(s, "message")))).map(([m]) => m.port);
      const required = { x402Version: 2, resource: { url: "http://127.0.0.1/premium" }, accepts: [offer] };
      const paid = pay402.x402Sign(required, { privateKey: key, now: Math.floor(Date.now() / 1000), nonce: crypto.getRandomValues(new Uint8Array(32)) });
      const answers = await Promise.all([...ports, ...ports].map((p) =>
        fetch(`http://127.0.0.1:${p}/premium`, { headers: { "PAYMENT-SIGNATURE": paid.payment } }).then(async (r) => [r.status, await r.text()])));
      eq(answers.filter(([s]) => s === 200).length, 1, `accepted (${answers.map(([s]) => s)})`);
      for (const [s, body] of answers.filter(([s]) => s !== 200)) {
        eq(s, 402, "status"); eq(JSON.parse(body).error, "payment_already_used", "error");
      }
      await Promise.all(servers.map((s) => { const exit = once(s, "exit"); s.send({ exit: true }); return exit; }));
    } finally {
      for (const s of servers) if (s.exitCode === null) s.kill();
    }
  });

  await t("README: the replay examples run against this Redis", async () => {
    const readme = readFileSync(require.resolve("pay402/package.json").replace(/package\.json$/, "README.md"), "utf8");
    const section = readme.split(/^## /m).find((s) => s.startsWith("Replay stores"));
    if (!section) throw new Error("README has no '## Replay stores' section");
    const blocks = [...section.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]);
    eq(blocks.length >= 2, true, "blocks");
    process.env.REDIS_URL = URL_;
    for (const [i, block] of blocks.entries()) {
      const file = `${SELF.replace(/replay\.mjs$/, "")}readme-replay-${i}.mjs`;
      writeFileSync(file, block);
      try { await import(file); } finally { rmSync(file); }
    }
  });

  const { passed, failed, lines } = result();
  for (const line of lines) console.log(line);
  console.log(`replay: ${passed} passed, ${failed} failed`);
  process.exit(failed === 0 && passed > 0 ? 0 : 1);
}

if (process.argv[2] === "child") await child();
else if (process.argv[2] === "server") await server();
else if (!Number.isInteger(PORT) || PORT <= 0) { console.error("REDIS_PORT is not set (ffi-wasm/tests/run.sh starts redis-server)"); process.exit(1); }
else await main();
