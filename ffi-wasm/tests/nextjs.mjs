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
//   app/api/peer{,-edge}/route.js  Node and Edge runtime, every scheme of peer-clients.mjs (`?scheme=`)
// Both peer clients pay the peer routes, as server-peer-matrix.mjs does for the other integrations:
// @x402/fetch, and the PyPI x402 SDK when PAY402_PEER_PYTHON is set (else skipped, with the reason).
//   node nextjs.mjs <repository root>   (run inside a project where `pay402`, `next`, `react` are installed)
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import * as p from "pay402";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { wrapFetchWithPayment } from "@x402/fetch";
import { OFFERS, PAY_TO, PAYER, startFacilitator, x402Fetch, payWithSolana, paymentFor, receipt, counter } from "./server-fixtures.mjs";
import {
  EVM_SCHEMES, EXACT_SVM, b64json, decodePayment, decodeReceipt, facilitatorDouble, payerAddress, peerClient, solanaRpcStub, solanaSigner,
} from "./peer-clients.mjs";

const ROOT = resolve(process.argv[2] ?? "..");
const readme = readFileSync(join(ROOT, "ffi-wasm", "js", "README.md"), "utf8");
const example = (marker) => {
  const m = readme.match(new RegExp(`<!-- ${marker.replace(/[()/.]/g, "\\$&")}[^>]*-->\n\`\`\`js\n([\\s\\S]*?)\`\`\``));
  assert.ok(m, `README: no \`<!-- ${marker} -->\` block`);
  return m[1];
};
const nextExample = example("example: next (app/api/premium/route.js)");
const edgeExample = example("nextjs example: edge (app/api/edge/route.js");

const t = counter();
const fac = await startFacilitator();
// the peers' routes settle through peer-clients.mjs's double (it answers success, and the payer below)
const REPORTED_PAYER = "facilitator-reported-payer";
const peerFac = await facilitatorDouble(REPORTED_PAYER);
const PEER_SCHEMES = [...EVM_SCHEMES, EXACT_SVM];
const CHARGE = 12_345n; // what the upto handler reports, below the signed 50000
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
const schemeRoute = (offer, body, more = "") => `import { withPayment, paymentOf } from "pay402";

export const GET = withPayment(async (request) => {
  const payment = paymentOf(request);
${body}
}, { offers: [${JSON.stringify(offer)}]${more} });
`;
files["app/api/eip3009/route.js"] = schemeRoute(OFFERS.eip3009, "  return Response.json({ payer: payment.payer, scheme: \"exact\" });");
files["app/api/permit2/route.js"] = schemeRoute(OFFERS.permit2, "  return Response.json({ payer: payment.payer, scheme: \"permit2\" });");
files["app/api/upto/route.js"] = schemeRoute(OFFERS.upto, "  payment.charge(8400n);\n  return Response.json({ payer: payment.payer, charged: \"8400\" });");
// the resource URL as a deployment sets it (Next's request.url names its own host)
files["app/api/solana/route.js"] = schemeRoute(OFFERS.solana, "  return Response.json({ payer: payment.payer, scheme: \"solana\" });",
  ', resource: { url: "https://shop.example/api/solana" }');
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
// every scheme for the peers (peer-clients.mjs's offers, chosen by ?scheme=; upto charges ?charge=),
// on the Node runtime and on the Edge runtime
const peerOffers = JSON.stringify(Object.fromEntries(PEER_SCHEMES.map((s) => [s.name, s.offer])), (k, v) => (typeof v === "bigint" ? String(v) : v));
const peerRoute = (imports) => `${imports}
const OFFERS = ${peerOffers};
export const GET = withPayment((request) => {
  const payment = paymentOf(request);
  const charge = new URL(request.url).searchParams.get("charge");
  if (charge !== null) payment.charge(BigInt(charge));
  return Response.json({ content: "paid", payer: payment.payer, amount: String(payment.amount) });
}, {
  offers: (request) => [OFFERS[new URL(request.url).searchParams.get("scheme")]],
  facilitatorUrl: process.env.PEER_FACILITATOR_URL, env: false,
});
`;
files["app/api/peer/route.js"] = peerRoute(`import { withPayment, paymentOf } from "pay402";`);
files["app/api/peer-edge/route.js"] = peerRoute(`import init, { withPayment, paymentOf } from "pay402/web";
import wasm from "../../../node_modules/pay402/web/pay402_bg.wasm?module";
await init({ module_or_path: wasm });
export const runtime = "edge";`);
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
  PEER_FACILITATOR_URL: peerFac.url,
};

function run(args, { timeoutMs, environment = env }) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [NEXT, ...args], { cwd: APP, env: environment, stdio: ["ignore", "pipe", "pipe"] });
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

// ---------------------------------------------------------------- the peers
// @x402/fetch (in process) and the PyPI x402 SDK (`python -m peer_clients pay` of
// ffi-python/tests/peer_clients.py with PAY402_PEER_PYTHON; unset: skipped with the reason). Each
// resolves to what the peer saw: status, body, the payment header it sent, how many, its decoded receipt.
const run2 = promisify(execFile);
async function payWithX402Fetch(target, scheme) {
  const rpc = scheme.solana ? await solanaRpcStub() : undefined;
  try {
    const solana = rpc && { signer: await solanaSigner(), rpcUrl: rpc.url };
    const sent = [];
    const recording = (input, init) => {
      const request = new Request(input, init);
      for (const [n, v] of request.headers) if (["payment-signature", "x-payment"].includes(n)) sent.push([n, v]);
      return fetch(request);
    };
    const response = await wrapFetchWithPayment(recording, peerClient(scheme, { solana }))(target);
    assert.ok(sent.length > 0, `@x402/fetch sent no payment: ${response.status} ${await response.clone().text()}`);
    decodePayment(sent.at(-1)[1]);
    const header = response.headers.get("PAYMENT-RESPONSE");
    return { status: response.status, body: await response.text(), payment: sent.at(-1), payments: sent.length,
      receipt: header ? decodeReceipt(header) : {}, payer: scheme.solana ? solana.signer.address : payerAddress() };
  } finally {
    if (rpc) await rpc.close();
  }
}
const PEER_PYTHON = process.env.PAY402_PEER_PYTHON || "";
const PY_TESTS = join(ROOT, "ffi-python", "tests");
async function payWithPypiX402(target, scheme) {
  const { stdout } = await run2(PEER_PYTHON, ["-m", "peer_clients", "pay", target, scheme.name], { cwd: PY_TESTS, timeout: 120_000, maxBuffer: 1 << 20 });
  const out = JSON.parse(stdout.trim().split("\n").at(-1));
  assert.ok(out.payment, `the PyPI x402 SDK sent no payment: ${JSON.stringify(out)}`);
  return { ...out, receipt: out.receipt ?? {} };
}
const PEERS = { "x402-fetch": payWithX402Fetch, "pypi-x402": payWithPypiX402 };
const skipped = {};
async function probePython() {
  if (!PEER_PYTHON) {
    skipped["pypi-x402"] = "PAY402_PEER_PYTHON is not set (a Python with the PyPI x402 SDK, e.g. a venv of ffi-python/tests/run.sh)";
    return;
  }
  // set but unable to import the SDK: a broken setup, not a skip
  const probe = "import json, importlib.util as u, x402, peer_clients; print(json.dumps(u.find_spec('solders') is not None))";
  const { stdout } = await run2(PEER_PYTHON, ["-c", probe], { cwd: PY_TESTS, timeout: 60_000 });
  if (!JSON.parse(stdout.trim())) skipped["pypi-x402 exact-svm"] = "x402[svm] (solders) is not installed in PAY402_PEER_PYTHON";
}
/** One peer pays one route: 200 with the handler's body for the peer's payer and the signed
 * amount; one /settle carrying the peer's payload (upto: the charge); the receipt, through the
 * peer's decoder, is the facilitator's answer; the same payment again gets 402
 * payment_already_used and settles nothing. */
async function peerCell(target, scheme, pay) {
  const before = peerFac.settles.length;
  const paid = await pay(target, scheme);
  assert.equal(paid.status, 200, `${target}: ${paid.body}`);
  assert.deepEqual(JSON.parse(paid.body), { content: "paid", payer: paid.payer, amount: String(scheme.offer.amount) });
  assert.equal(paid.payments, 1);
  const [name, value] = paid.payment;
  assert.equal(name.toLowerCase(), "payment-signature");
  const payment = b64json(value);
  assert.equal(payment.accepted.scheme, scheme.offer.scheme);
  assert.equal(peerFac.settles.length, before + 1, `${target}: one /settle`);
  const settle = peerFac.settles.at(-1);
  assert.deepEqual(settle.paymentPayload, payment);
  assert.deepEqual(settle.paymentRequirements, scheme.upto ? { ...payment.accepted, amount: String(CHARGE) } : payment.accepted);
  const answer = peerFac.answers.at(-1);
  assert.equal(paid.receipt.success, true);
  assert.equal(paid.receipt.transaction, answer.transaction);
  assert.equal(paid.receipt.payer, REPORTED_PAYER);
  const again = await fetch(target, { headers: { [name]: value } });
  assert.equal(again.status, 402, await again.clone().text());
  assert.equal(b64json(again.headers.get("PAYMENT-REQUIRED")).error, "payment_already_used");
  assert.equal(peerFac.settles.length, before + 1);
}

let server;
const stop = () => {
  if (!server || server.exitCode !== null) return;
  try { process.kill(-server.pid, "SIGTERM"); } catch { server.kill("SIGTERM"); }
};
process.on("exit", stop);
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => { stop(); process.exit(1); });

try {
  // `next build` evaluates the route modules: without the facilitator's URL the configuration is
  // refused when the handler is created (invalid_config), so the build fails, closed
  const { PAY402_FACILITATOR_URL: _, ...noFacilitator } = env;
  const firstBuild = Date.now();
  const refused = await run(["build"], { timeoutMs: 600_000, environment: noFacilitator }).then(
    (out) => assert.fail(`next build passed without PAY402_FACILITATOR_URL:\n${out}`), (e) => e.message);
  assert.match(refused, /config\.facilitatorUrl: required/);
  assert.match(refused, /invalid_config/);
  t.ok(`next build without PAY402_FACILITATOR_URL fails (${((Date.now() - firstBuild) / 1000).toFixed(1)} s): invalid_config when a route module is evaluated`);

  const started = Date.now();
  const build = await run(["build"], { timeoutMs: 600_000 });
  const buildSeconds = (Date.now() - started) / 1000;
  console.log(build.split("\n").filter((l) => /Route|api\/|Next\.js|ƒ|○/.test(l)).join("\n"));
  // every paid route is dynamic (ƒ): nothing prerendered at build time, no 402 cached
  for (const route of ["premium", "eip3009", "permit2", "upto", "solana", "edge", "edge-schemes", "peer", "peer-edge"]) {
    assert.match(build, new RegExp(`ƒ /api/${route}\\b`), `/api/${route} is not a dynamic route`);
  }
  t.ok(`next build (${buildSeconds.toFixed(1)} s): nine route handlers, all dynamic`);

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
    const solana = await fetch(url("/api/solana"));
    assert.equal(solana.status, 402);
    assert.equal(JSON.parse(atob(solana.headers.get("PAYMENT-REQUIRED"))).resource.url, "https://shop.example/api/solana");
    t.ok("unpaid GET /api/premium (README route, PAY402_* + price): 402, PAYMENT-REQUIRED offers exact EIP-3009 10000 on eip155:84532, nothing settled; resource: { url } names the resource");
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
  // ------------------------------------------------------------ both peer clients, Node and Edge
  await probePython();
  const cells = { pass: 0, skip: [] };
  for (const route of ["peer", "peer-edge"]) {
    for (const scheme of PEER_SCHEMES) {
      for (const [peer, pay] of Object.entries(PEERS)) {
        const reason = skipped[peer] ?? skipped[`${peer} ${scheme.name}`];
        if (reason) { cells.skip.push(`${route} × ${scheme.name} × ${peer}: ${reason}`); continue; }
        await peerCell(url(`/api/${route}?scheme=${scheme.name}${scheme.upto ? `&charge=${CHARGE}` : ""}`), scheme, pay);
        cells.pass++;
      }
    }
  }
  for (const line of new Set(cells.skip.map((l) => l.replace(/^.*?: /, "")))) console.log(`skip  (${cells.skip.filter((l) => l.endsWith(line)).length} cells) ${line}`);
  assert.ok(cells.pass >= 8);
  t.ok(`peers × {Node, Edge} route × every scheme: ${cells.pass} cells paid (200 + body, one /settle with the peer's payload, receipt through the peer's decoder, replay refused), ${cells.skip.length} skipped`);
  assert.ok(!/Error|⨯/.test(log), `next start logged an error:\n${log}`);
} finally {
  stop();
  fac.close();
  await peerFac.close();
}
console.log(`nextjs: ${t.passed} passed, 0 failed`);
