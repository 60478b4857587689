// Every scheme sold by every Node integration of pay402, paid by both peer clients.
//
// The matrix: Express `pay()` (served with app.listen), Hono `honoPaywall` (served with
// @hono/node-server), a Next.js-style route handler `withPayment(handler)` and the edge build's
// (`pay402/web`) `withPayment`, both served by a small node:http bridge (IncomingMessage →
// WHATWG Request → Response) × `exact` EIP-3009, `exact` Permit2, `upto` Permit2 (the handler
// reports a charge below the signed maximum) and Solana `exact` × two clients no one here wrote:
// @x402/fetch (in process) and the PyPI `x402` SDK (httpx, in a Python subprocess through
// `python -m peer_clients pay` of ffi-python/tests/peer_clients.py). Everything runs over real
// HTTP on 127.0.0.1 and settles through a facilitator double on loopback (peer-clients.mjs).
//
// Each cell asserts, as ffi-python/tests/test_server_peer_matrix.py does: 200 with the handler's
// body; the handler ran once, for the peer's payer and the signed amount; the facilitator got one
// `/settle` carrying the peer's payload (`upto`: the reported charge); the receipt header decodes
// with the peer's own decoder and is the facilitator's answer; the same payment sent again gets
// 402 `payment_already_used` with nothing run or settled twice.
//
//   node server-peer-matrix.mjs <repository root>   (inside a project where `pay402` is installed)
// The PyPI half needs PAY402_PEER_PYTHON: a Python with x402 (and x402[svm] for Solana) and
// pytest installed, as the venvs of ffi-python/tests/run.sh are; without it that half is skipped
// with its reason (printed). A PAY402_PEER_PYTHON that cannot import the SDK fails the run.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import express from "express";
import { Hono } from "hono";
import { serve } from "@hono/node-server";
import { wrapFetchWithPayment } from "@x402/fetch";
import * as p from "pay402";
import * as web from "pay402/web";
import {
  EVM_SCHEMES, EXACT_SVM, b64json, decodeChallenge, decodePayment, decodeReceipt, facilitatorDouble, payerAddress,
  peerClient, solanaRpcStub, solanaSigner,
} from "./peer-clients.mjs";

const run = promisify(execFile);
const ROOT = resolve(process.argv[2] ?? process.env.PAY402_ROOT ?? "..");
const PY_TESTS = join(ROOT, "ffi-python", "tests");
const pkg = dirname(createRequire(import.meta.url).resolve("pay402/package.json"));
web.initSync({ module: readFileSync(join(pkg, "web", "pay402_bg.wasm")) });

const CONTENT = JSON.stringify({ report: "paid content" });
const CHARGE = 12_345n; // what the upto handler reports, below the signed maximum
const SCHEMES = [...EVM_SCHEMES, EXACT_SVM];
const REPORTED_PAYER = "facilitator-reported-payer"; // the double's answer; the receipt must carry it

// --- the four integrations, each as its users write it ---------------------------------------------
// Each `serve*(config, calls)` serves GET /item selling config.offers on 127.0.0.1 and resolves to
// { base, close }; the handler records the payment it saw in `calls` and charges `?charge=`.

const chargeOf = (url) => new URL(url, "http://x").searchParams.get("charge");
function handle(payment, url, calls) {
  calls.push(payment);
  const charge = chargeOf(url);
  if (charge !== null) payment.charge(BigInt(charge));
  return CONTENT;
}

const listening = (server) => new Promise((ok) => {
  if (server.listening) ok();
  else server.once("listening", ok);
});
const closing = (server) => () => new Promise((ok) => { server.closeAllConnections?.(); server.close(ok); });
const baseOf = (server) => `http://127.0.0.1:${server.address().port}`;

async function serveExpress(config, calls) {
  const app = express();
  app.get("/item", p.pay(config), (req, res) => res.type("application/json").send(handle(req.x402, req.originalUrl, calls)));
  const server = app.listen(0, "127.0.0.1");
  await listening(server);
  return { base: baseOf(server), close: closing(server) };
}

async function serveHono(config, calls) {
  const app = new Hono();
  app.use("/item", p.honoPaywall(config));
  app.get("/item", (c) => c.body(handle(c.get("x402"), c.req.url, calls), 200, { "content-type": "application/json" }));
  const server = await new Promise((ok) => { const s = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () => ok(s)); });
  return { base: baseOf(server), close: closing(server) };
}

/** A route module's `GET` served over node:http, as a Next.js / edge host does: a WHATWG Request
 * in, the handler's Response out (status, headers, body), nothing else done here. */
async function bridge(GET) {
  const server = createServer(async (req, res) => {
    const headers = new Headers();
    for (let i = 0; i < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i], req.rawHeaders[i + 1]);
    try {
      const response = await GET(new Request(`http://${req.headers.host}${req.url}`, { method: req.method, headers }),
        { params: Promise.resolve({}) });
      res.writeHead(response.status, [...response.headers].flat()).end(Buffer.from(await response.arrayBuffer()));
    } catch (e) {
      console.error(e);
      res.writeHead(500).end();
    }
  });
  server.listen(0, "127.0.0.1");
  await listening(server);
  return { base: baseOf(server), close: closing(server) };
}

function serveNext(config, calls) {
  // app/item/route.js:  export const GET = withPayment(async (request) => …, config)
  const GET = p.withPayment(async (request) => new Response(handle(p.paymentOf(request), request.url, calls),
    { headers: { "content-type": "application/json" } }), config);
  return bridge(GET);
}

function serveEdge(config, calls) {
  // the same route on the edge build (pay402/web, initSync): only Request, Response and fetch
  const GET = web.withPayment(async (request) => new Response(handle(web.paymentOf(request), request.url, calls),
    { headers: { "content-type": "application/json" } }), config);
  return bridge(GET);
}

const FRAMEWORKS = { express: serveExpress, hono: serveHono, "next-route": serveNext, "edge-web": serveEdge };

// --- the two peers -------------------------------------------------------------------------------
// Each resolves to what the peer saw: { status, body, payment: [header name, value] as it sent it,
// payments (how many it sent), receipt (its own decoder: success, transaction, network, payer,
// amount), payer (its signer's address) }.

async function payWithX402Fetch(url, scheme) {
  const rpc = scheme.solana ? await solanaRpcStub() : undefined;
  try {
    const solana = rpc && { signer: await solanaSigner(), rpcUrl: rpc.url };
    const sent = [];
    const recording = (input, init) => {
      const request = new Request(input, init);
      for (const [n, v] of request.headers) if (["payment-signature", "x-payment"].includes(n)) sent.push([n, v]);
      return fetch(request);
    };
    const response = await wrapFetchWithPayment(recording, peerClient(scheme, { solana }))(url);
    const header = response.headers.get("PAYMENT-RESPONSE");
    assert.ok(sent.length > 0, `@x402/fetch sent no payment: ${response.status} ${await response.clone().text()}`);
    decodePayment(sent.at(-1)[1]); // the peer reads its own header back
    return {
      status: response.status, body: await response.text(), payment: sent.at(-1), payments: sent.length,
      receipt: header ? decodeReceipt(header) : {}, payer: scheme.solana ? solana.signer.address : payerAddress(),
    };
  } finally {
    if (rpc) await rpc.close();
  }
}

async function payWithPypiX402(url, scheme) {
  const { stdout } = await run(PEER_PYTHON, ["-m", "peer_clients", "pay", url, scheme.name],
    { cwd: PY_TESTS, timeout: 120_000, maxBuffer: 1 << 20 });
  const out = JSON.parse(stdout.trim().split("\n").at(-1));
  assert.ok(out.payment, `the PyPI x402 SDK sent no payment: ${JSON.stringify(out)}`);
  assert.ok([null, "PAYMENT-RESPONSE"].includes(out.receiptHeader), JSON.stringify(out));
  return { ...out, receipt: out.receipt ?? {} };
}

// The PyPI peer: PAY402_PEER_PYTHON, probed once; its reason when it cannot run.
const PEER_PYTHON = process.env.PAY402_PEER_PYTHON || "";
const skipped = {}; // "peer" or "peer scheme" → reason
async function probePython() {
  if (!PEER_PYTHON) {
    skipped["pypi-x402"] = "PAY402_PEER_PYTHON is not set (a Python with the PyPI x402 SDK, e.g. a venv of ffi-python/tests/run.sh)";
    return;
  }
  // set but unable to import the SDK: a broken setup, not a skip
  const probe = "import json, importlib.util as u, x402, peer_clients; print(json.dumps(u.find_spec('solders') is not None))";
  const { stdout } = await run(PEER_PYTHON, ["-c", probe], { cwd: PY_TESTS, timeout: 60_000 });
  if (!JSON.parse(stdout.trim())) skipped["pypi-x402 exact-svm"] = "x402[svm] (solders) is not installed in PAY402_PEER_PYTHON";
}

const PEERS = { "x402-fetch": payWithX402Fetch, "pypi-x402": payWithPypiX402 };

// --- the matrix ----------------------------------------------------------------------------------

async function cell(framework, scheme, peer) {
  const facilitator = await facilitatorDouble(REPORTED_PAYER);
  const calls = [];
  const app = await FRAMEWORKS[framework]({ offers: [scheme.offer], facilitatorUrl: facilitator.url, env: false }, calls);
  try {
    const url = `${app.base}/item${scheme.upto ? `?charge=${CHARGE}` : ""}`;
    const paid = await PEERS[peer](url, scheme);

    // 200 with the handler's body; the handler ran once, for the peer's payer and the signed amount
    assert.equal(paid.status, 200, paid.body);
    assert.equal(paid.body, CONTENT);
    assert.equal(paid.payments, 1);
    assert.equal(calls.length, 1);
    assert.equal(calls[0].payer, paid.payer);
    assert.equal(BigInt(calls[0].amount), scheme.offer.amount);

    // one /settle, carrying the peer's payload (upto: the handler's charge)
    const [name, value] = paid.payment;
    assert.equal(name.toLowerCase(), "payment-signature");
    const payment = b64json(value);
    assert.equal(payment.x402Version, 2);
    assert.equal(payment.accepted.scheme, scheme.offer.scheme);
    assert.equal(facilitator.settles.length, 1);
    const settle = facilitator.settles[0];
    assert.deepEqual(settle.paymentPayload, payment);
    if (scheme.upto) {
      assert.equal(BigInt(payment.payload.permit2Authorization.permitted.amount), scheme.offer.amount);
      assert.deepEqual(settle.paymentRequirements, { ...payment.accepted, amount: String(CHARGE) });
    } else {
      assert.deepEqual(settle.paymentRequirements, payment.accepted);
    }

    // the receipt, through the peer's own decoder, is the facilitator's answer
    const answer = facilitator.answers[0];
    assert.equal(paid.receipt.success, true);
    assert.equal(paid.receipt.transaction, answer.transaction);
    assert.equal(paid.receipt.network, payment.accepted.network);
    assert.equal(paid.receipt.payer, answer.payer);
    if (scheme.upto) assert.equal(paid.receipt.amount, String(CHARGE));

    // the same payment again: 402 payment_already_used, nothing run or settled twice
    const again = await fetch(url, { headers: { [name]: value } });
    assert.equal(again.status, 402, await again.clone().text());
    assert.equal(decodeChallenge(again.headers.get("PAYMENT-REQUIRED")).error, "payment_already_used");
    assert.equal(calls.length, 1);
    assert.equal(facilitator.settles.length, 1);
  } finally {
    await app.close();
    await facilitator.close();
  }
}

await probePython();
const results = {}; // framework → scheme → peer → "pass" | "FAIL" | "skip"
let passed = 0;
let failed = 0;
let skippedCells = 0;
for (const framework of Object.keys(FRAMEWORKS)) {
  results[framework] = {};
  for (const scheme of SCHEMES) {
    results[framework][scheme.name] = {};
    for (const peer of Object.keys(PEERS)) {
      const label = `${framework} × ${scheme.name} × ${peer}`;
      const reason = skipped[peer] ?? skipped[`${peer} ${scheme.name}`];
      if (reason) {
        results[framework][scheme.name][peer] = "skip";
        skippedCells++;
        continue;
      }
      try {
        await cell(framework, scheme, peer);
        results[framework][scheme.name][peer] = "pass";
        passed++;
        console.log(`ok    ${label}: 200 + body, handler once, one /settle with the peer's payload, receipt decodes, replay refused`);
      } catch (e) {
        results[framework][scheme.name][peer] = "FAIL";
        failed++;
        console.log(`FAIL  ${label}: ${e.stack ?? e}`);
      }
    }
  }
}

// the summary: one row per integration, one column per scheme, "fetch/pypi" in each cell
console.log("\nmatrix (cell: @x402/fetch / PyPI x402)");
const width = 16;
console.log("".padEnd(12) + SCHEMES.map((s) => s.name.padEnd(width)).join(""));
for (const [framework, row] of Object.entries(results)) {
  console.log(framework.padEnd(12) + SCHEMES.map((s) => `${row[s.name]["x402-fetch"]}/${row[s.name]["pypi-x402"]}`.padEnd(width)).join(""));
}
for (const [what, reason] of Object.entries(skipped)) console.log(`skipped ${what}: ${reason}`);
console.log(`server-peer-matrix: ${passed} passed, ${failed} failed, ${skippedCells} skipped`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
