// Next.js itself, not a Next.js-style module: an App Router project is generated next to this
// file (next-app/, its node_modules linked to the project's), built with `next build` (Turbopack)
// and served by `next start` on 127.0.0.1, then paid over real HTTP. Routes:
//   app/api/premium/route.js  the package README's `<!-- example: next … -->` block, as written
//                             (its offer and facilitator come from PAY402_*, as a user sets them)
//   app/api/{eip3009,permit2,upto,solana}/route.js  Node runtime, one scheme each (upto charges 8400)
//   app/api/edge/route.js     the README's `<!-- nextjs example: edge … -->` block, as written:
//                             `runtime = "edge"`, `pay402/web`, the .wasm imported with `?module`
//   app/api/edge-schemes/route.js  Edge runtime, every scheme (the offer chosen by `?scheme=`)
// @x402/fetch pays EIP-3009, Permit2 and upto; pay402's client pays Solana (and EIP-3009 for the
// replay); a facilitator on 127.0.0.1 (server-fixtures.mjs) checks each /settle with @x402/evm's
// verify and counts them: one per payment. The server is stopped on exit.
//   node nextjs.mjs <README.md>   (run inside a project where `pay402`, `next`, `react` are installed)
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import * as p from "pay402";
import { OFFERS, PAY_TO, PAYER, startFacilitator, x402Fetch, payWithSolana, paymentFor, receipt, counter } from "./server-fixtures.mjs";

const readme = readFileSync(process.argv[2], "utf8");
const example = (marker) => {
  const m = readme.match(new RegExp(`<!-- ${marker.replace(/[()/.]/g, "\\$&")}[^>]*-->\n\`\`\`js\n([\\s\\S]*?)\`\`\``));
  assert.ok(m, `README: no \`<!-- ${marker} -->\` block`);
  return m[1];
};
const nextExample = example("example: next (app/api/premium/route.js)");
const edgeExample = example("nextjs example: edge (app/api/edge/route.js");

const t = counter();
const fac = await startFacilitator();
const APP = resolve("next-app");
const NEXT = join(dirname(createRequire(import.meta.url).resolve("next/package.json")), "dist", "bin", "next");

// ---------------------------------------------------------------- the project
function commonRoot(a, b) {
  const x = a.split("/"), y = b.split("/");
  let i = 0;
  while (i < x.length && x[i] === y[i]) i++;
  return x.slice(0, i).join("/") || "/";
}
rmSync(APP, { recursive: true, force: true });
const files = {
  "package.json": JSON.stringify({ name: "pay402-next-app", private: true, type: "module" }, null, 2),
  // next, react and react-dom are linked from ffi-wasm/tests's lock (run.sh): Turbopack compiles
  // only files under its root, so the root is the common ancestor of the app and their real paths
  "next.config.mjs": `export default { turbopack: { root: ${JSON.stringify(commonRoot(APP, realpathSync(join(APP, "..", "node_modules", "next"))))} } };\n`,
  "app/layout.js": "export default function RootLayout({ children }) {\n  return <html lang=\"en\"><body>{children}</body></html>;\n}\n",
  "app/page.js": "export default function Page() {\n  return <p>pay402 on Next.js</p>;\n}\n",
  "app/api/premium/route.js": nextExample,
  "app/api/edge/route.js": edgeExample,
};
const schemeRoute = (offer, body) => `import { withPayment, paymentOf } from "pay402";

export const GET = withPayment(async (request) => {
  const payment = paymentOf(request);
${body}
}, { offers: [${JSON.stringify(offer)}] });
`;
files["app/api/eip3009/route.js"] = schemeRoute(OFFERS.eip3009, "  return Response.json({ payer: payment.payer, scheme: \"exact\" });");
files["app/api/permit2/route.js"] = schemeRoute(OFFERS.permit2, "  return Response.json({ payer: payment.payer, scheme: \"permit2\" });");
files["app/api/upto/route.js"] = schemeRoute(OFFERS.upto, "  payment.charge(8400n);\n  return Response.json({ payer: payment.payer, charged: \"8400\" });");
files["app/api/solana/route.js"] = schemeRoute(OFFERS.solana, "  return Response.json({ payer: payment.payer, scheme: \"solana\" });");
files["app/api/edge-schemes/route.js"] = `import init, { withPayment, paymentOf } from "pay402/web";
import wasm from "../../../node_modules/pay402/web/pay402_bg.wasm?module";
await init({ module_or_path: wasm });

const OFFERS = ${JSON.stringify(OFFERS)};
export const runtime = "edge";
export const GET = withPayment((request) => {
  const payment = paymentOf(request);
  if (payment.offer.scheme === "upto") payment.charge(8400n);
  return Response.json({ payer: payment.payer, runtime: typeof EdgeRuntime });
}, {
  offers: (request) => [OFFERS[new URL(request.url).searchParams.get("scheme")]],
  env: { PAY402_FACILITATOR_URL: process.env.PAY402_FACILITATOR_URL },
});
`;
for (const [name, text] of Object.entries(files)) {
  mkdirSync(dirname(join(APP, name)), { recursive: true });
  writeFileSync(join(APP, name), text);
}
symlinkSync(join("..", "node_modules"), join(APP, "node_modules"));

// what a deployment sets: the README route's offer (its price is the route's) and the facilitator
const env = {
  ...process.env,
  NEXT_TELEMETRY_DISABLED: "1",
  PAY402_NETWORK: "eip155:84532", PAY402_ASSET: OFFERS.eip3009.asset, PAY402_PAY_TO: PAY_TO,
  PAY402_EIP712_NAME: "USDC", PAY402_EIP712_VERSION: "2", PAY402_FACILITATOR_URL: fac.url,
};

function run(args, { timeoutMs }) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [NEXT, ...args], { cwd: APP, env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolvePromise(out);
      else reject(new Error(`next ${args.join(" ")}: exit ${code ?? signal}\n${out}`));
    });
  });
}

async function freePort() {
  const s = createServer();
  await new Promise((r) => s.listen(0, "127.0.0.1", r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

let server;
const stop = () => {
  if (!server || server.exitCode !== null) return;
  try { process.kill(-server.pid, "SIGTERM"); } catch { server.kill("SIGTERM"); }
};
process.on("exit", stop);
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => { stop(); process.exit(1); });

try {
  const started = Date.now();
  const build = await run(["build"], { timeoutMs: 600_000 });
  const buildSeconds = (Date.now() - started) / 1000;
  console.log(build.split("\n").filter((l) => /Route|api\/|Next\.js|ƒ|○/.test(l)).join("\n"));
  // every paid route is dynamic (ƒ): nothing prerendered at build time, no 402 cached
  for (const route of ["premium", "eip3009", "permit2", "upto", "solana", "edge", "edge-schemes"]) {
    assert.match(build, new RegExp(`ƒ /api/${route}\\b`), `/api/${route} is not a dynamic route`);
  }
  t.ok(`next build (${buildSeconds.toFixed(1)} s): seven route handlers, all dynamic`);

  const port = await freePort();
  // its own process group, so that stop() ends `next start` and whatever it forks
  server = spawn(process.execPath, [NEXT, "start", "-H", "127.0.0.1", "-p", String(port)], { cwd: APP, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
  let log = "";
  server.stdout.on("data", (d) => (log += d));
  server.stderr.on("data", (d) => (log += d));
  const url = (path) => `http://127.0.0.1:${port}${path}`;
  for (let i = 0; ; i++) {
    if (server.exitCode !== null) throw new Error(`next start exited ${server.exitCode}\n${log}`);
    try { await fetch(url("/")); break; } catch { /* not listening yet */ }
    if (i > 300) throw new Error(`next start: no answer after 30 s\n${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  console.log(`next start on 127.0.0.1:${port} (${((Date.now() - started) / 1000 - buildSeconds).toFixed(1)} s to first answer)`);

  // ------------------------------------------------------------ unpaid: the 402 challenge
  {
    const unpaid = await fetch(url("/api/premium"));
    assert.equal(unpaid.status, 402);
    const required = JSON.parse(atob(unpaid.headers.get("PAYMENT-REQUIRED")));
    assert.equal(required.x402Version, 2);
    assert.equal(required.error, "payment_required");
    // Next hands route handlers request.url with its own host name ("localhost"), not the Host header
    assert.equal(new URL(required.resource.url).pathname, "/api/premium");
    assert.equal(required.accepts.length, 1);
    assert.deepEqual(
      { ...required.accepts[0], extra: undefined, maxTimeoutSeconds: undefined },
      { scheme: "exact", network: "eip155:84532", asset: OFFERS.eip3009.asset, amount: "10000", payTo: PAY_TO, extra: undefined, maxTimeoutSeconds: undefined },
    );
    assert.deepEqual(required.accepts[0].extra, { name: "USDC", version: "2" });
    assert.equal(fac.calls.length, 0);
    t.ok("unpaid GET /api/premium (README route, PAY402_* + price): 402, PAYMENT-REQUIRED offers exact EIP-3009 10000 on eip155:84532, nothing settled");
  }

  // ------------------------------------------------------------ every scheme, paid over HTTP
  const x402 = x402Fetch();
  const paid = async (route, pay, check) => {
    const before = fac.calls.length;
    const r = await pay(url(route));
    assert.equal(r.status, 200, `${route}: ${r.status} ${await r.clone().text()}`);
    assert.equal(fac.calls.length, before + 1, `${route}: one /settle per payment`);
    const rec = receipt(r);
    assert.equal(rec.success, true, `${route}: receipt ${JSON.stringify(rec)}`);
    await check(await r.json(), fac.calls.at(-1));
  };
  await paid("/api/premium", x402, (body, settled) => {
    assert.equal(body.payer, PAYER);
    assert.equal(settled.paymentRequirements.amount, "10000");
    assert.equal(settled.paymentPayload.payload.authorization.from, PAYER);
  });
  t.ok("README route /api/premium: @x402/fetch pays exact EIP-3009 → 200 {payer}, receipt, one /settle");
  await paid("/api/eip3009", x402, (body, settled) => {
    assert.deepEqual(body, { payer: PAYER, scheme: "exact" });
    assert.ok(settled.paymentPayload.payload.authorization);
  });
  await paid("/api/permit2", x402, (body, settled) => {
    assert.deepEqual(body, { payer: PAYER, scheme: "permit2" });
    assert.ok(settled.paymentPayload.payload.permit2Authorization);
    assert.equal(settled.paymentRequirements.extra?.assetTransferMethod ?? "permit2", "permit2");
  });
  await paid("/api/upto", x402, (body, settled) => {
    assert.deepEqual(body, { payer: PAYER, charged: "8400" });
    assert.equal(settled.paymentRequirements.scheme, "upto");
    assert.equal(settled.paymentRequirements.amount, "8400");
    assert.equal(settled.paymentPayload.payload.permit2Authorization.permitted.amount, "50000");
  });
  t.ok("@x402/fetch pays exact EIP-3009, exact Permit2 and upto (8400 of the signed 50000 settled), one /settle each");
  await paid("/api/solana", (u) => payWithSolana(p, fac, u), (body, settled) => {
    assert.equal(body.scheme, "solana");
    assert.match(settled.paymentRequirements.network, /^solana:/);
    assert.equal(settled.paymentRequirements.extra.feePayer, OFFERS.solana.feePayer);
  });
  t.ok("pay402's client pays Solana exact with fee payer → 200, one /settle with the client's transaction");

  // ------------------------------------------------------------ replay refused
  {
    const unpaid = await fetch(url("/api/eip3009"));
    const [name, value] = await paymentFor(p, unpaid);
    const before = fac.calls.length;
    const first = await fetch(url("/api/eip3009"), { headers: { [name]: value } });
    assert.equal(first.status, 200, await first.clone().text());
    const again = await fetch(url("/api/eip3009"), { headers: { [name]: value } });
    assert.equal(again.status, 402);
    assert.equal(JSON.parse(atob(again.headers.get("PAYMENT-REQUIRED"))).error, "payment_already_used");
    assert.equal(fac.calls.length, before + 1);
    t.ok("a payment replayed to /api/eip3009: first 200, second 402 payment_already_used, settled once");
  }

  // ------------------------------------------------------------ the Edge runtime routes
  {
    const unpaid = await fetch(url("/api/edge"));
    assert.equal(unpaid.status, 402, await unpaid.clone().text());
    const accepts = JSON.parse(atob(unpaid.headers.get("PAYMENT-REQUIRED"))).accepts;
    assert.deepEqual(accepts.map((a) => `${a.scheme} ${a.network} ${a.amount}`), ["exact eip155:84532 10000"]);
    await paid("/api/edge", x402, (body) => assert.deepEqual(body, { payer: PAYER }));
    t.ok("README edge route (runtime = \"edge\", pay402/web, wasm?module, await init): 402 unpaid; @x402/fetch pays EIP-3009, one /settle");
    for (const scheme of ["eip3009", "permit2", "upto"]) {
      await paid(`/api/edge-schemes?scheme=${scheme}`, x402, (body, settled) => {
        assert.deepEqual(body, { payer: PAYER, runtime: "string" }); // EdgeRuntime is defined: Next's edge sandbox
        assert.equal(settled.paymentRequirements.amount, scheme === "upto" ? "8400" : "10000");
      });
    }
    await paid("/api/edge-schemes?scheme=solana", (u) => payWithSolana(p, fac, u), (body, settled) => {
      assert.equal(body.runtime, "string");
      assert.match(settled.paymentRequirements.network, /^solana:/);
    });
    t.ok("edge route, every scheme: @x402/fetch pays exact EIP-3009, exact Permit2, upto (8400 settled); pay402 pays Solana; one /settle each");
    const first = await fetch(url("/api/edge-schemes?scheme=eip3009"));
    const [name, value] = await paymentFor(p, first);
    const before = fac.calls.length;
    assert.equal((await fetch(url("/api/edge-schemes?scheme=eip3009"), { headers: { [name]: value } })).status, 200);
    const again = await fetch(url("/api/edge-schemes?scheme=eip3009"), { headers: { [name]: value } });
    assert.equal(again.status, 402);
    assert.equal(JSON.parse(atob(again.headers.get("PAYMENT-REQUIRED"))).error, "payment_already_used");
    assert.equal(fac.calls.length, before + 1);
    t.ok("edge route: a replayed payment is refused payment_already_used, settled once");
  }
  assert.ok(!/Error|⨯/.test(log), `next start logged an error:\n${log}`);
} finally {
  stop();
  fac.close();
}
console.log(`nextjs: ${t.passed} passed, 0 failed`);
