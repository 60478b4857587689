// Several Node processes serving one Express `pay()` route share a real Redis replay store
// (`pay402/replay` RedisReplayStore on the redis-server run.sh starts on 127.0.0.1): one payment
// sent to all of them at once is served and settled once; a crash after verification in one
// process releases the key, so the same payment is then served by another.
//   REDIS_PORT=… node server-redis.mjs   (run inside a project where `pay402` is installed)
import assert from "node:assert/strict";
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";

const WORKERS = 3;
if (process.argv[2] === "worker") {
  const [, , , facilitatorUrl, redisPort] = process.argv;
  const express = (await import("express")).default;
  const p = await import("pay402");
  const { RedisReplayStore } = await import("pay402/replay");
  const { OFFERS } = await import("./server-fixtures.mjs");
  const replayStore = await RedisReplayStore.fromUrl(`redis://127.0.0.1:${redisPort}/0`, { prefix: `pay402:test:${process.ppid}:` });
  let crash = false;
  const app = express();
  app.post("/crash-next", (req, res) => { crash = true; res.end(); });
  app.get("/x", p.pay({ offers: [OFFERS.eip3009], facilitatorUrl, replayStore, env: false }), (req, res) => {
    if (crash) { crash = false; throw new Error("crashed"); }
    res.json({ pid: process.pid });
  });
  app.use((err, req, res, next) => res.status(500).json({ error: err.message }));
  const server = app.listen(0, "127.0.0.1", () => process.send(server.address().port));
  process.on("message", async () => { server.close(); await replayStore.close?.(); process.exit(0); });
} else {
  const p = await import("pay402");
  const { startFacilitator, paymentFor, counter } = await import("./server-fixtures.mjs");
  const t = counter();
  const fac = await startFacilitator();
  const port = process.env.REDIS_PORT;
  assert.ok(port, "REDIS_PORT is set by run.sh (start_redis)");
  const workers = [];
  const ports = [];
  for (let i = 0; i < WORKERS; i++) {
    const child = fork(fileURLToPath(import.meta.url), ["worker", fac.url, port]);
    workers.push(child);
    ports.push(await new Promise((resolve) => child.once("message", resolve)));
  }
  const url = (i) => `http://127.0.0.1:${ports[i]}/x`;
  try {
    const unpaid = await fetch(url(0));
    const [name, value] = await paymentFor(p, unpaid);
    const before = fac.calls.length;
    const answers = await Promise.all(ports.flatMap((_, i) => [0, 1].map(() => fetch(url(i), { headers: { [name]: value } }))));
    const statuses = answers.map((r) => r.status).sort();
    assert.deepEqual(statuses, [200, 402, 402, 402, 402, 402]);
    assert.equal(fac.calls.length, before + 1);
    for (const r of answers.filter((a) => a.status === 402)) assert.equal((await r.json()).error, "payment_already_used");
    t.ok(`${WORKERS} processes on one Redis, one payment sent twice to each at once: one 200, one settlement, five payment_already_used`);

    const unpaid2 = await fetch(url(1));
    const [n2, v2] = await paymentFor(p, unpaid2);
    await fetch(`http://127.0.0.1:${ports[1]}/crash-next`, { method: "POST" });
    const crashed = await fetch(url(1), { headers: { [n2]: v2 } });
    assert.equal(crashed.status, 500);
    const elsewhere = await fetch(url(2), { headers: { [n2]: v2 } });
    assert.equal(elsewhere.status, 200, await elsewhere.clone().text());
    const again = await fetch(url(0), { headers: { [n2]: v2 } });
    assert.equal(again.status, 402);
    t.ok("a crash after verification in one process releases the key in Redis: another process serves the retry, a third refuses it");
  } finally {
    for (const w of workers) w.send("stop");
    fac.close();
  }
  console.log(`server-redis: ${t.passed} passed, 0 failed`);
}
