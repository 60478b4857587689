// Peer-client fixtures: @x402/fetch with @x402/evm (pinned in package.json; no one here wrote
// them) pays a pay402 server over real HTTP on loopback, for each EVM scheme the peer supports:
// `exact` EIP-3009, `exact` Permit2, `upto` Permit2. Framework-independent, so the server
// helpers' tests can reuse them:
//   payWithX402Fetch(url, scheme)   the peer's wrapFetchWithPayment pays `url` for `scheme`
//   facilitatorDouble(payer)        a node:http facilitator recording each POST /settle
//   minimalServer({...})            a node:http server selling one resource with pay402's
//                                   X402Server, driving the exactly-once exchange itself
// Run directly (`node peer-clients.mjs`, inside a project where `pay402` is installed) it tests
// them: expected values come from the peer (its payload, its decoders) and the x402 specs.
// `node peer-clients.mjs pay <url> <scheme name>` is a one-shot client for servers written in
// another language (the Python framework matrix): it pays `url` and prints one JSON line. This
// mode needs only the peers (package.json), not `pay402`.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { randomBytes } from "node:crypto";
import { pathToFileURL } from "node:url";
import { privateKeyToAccount } from "viem/accounts";
import { x402Client } from "@x402/core/client";
import { decodePaymentRequiredHeader, decodePaymentResponseHeader, decodePaymentSignatureHeader } from "@x402/core/http";
import { registerExactEvmScheme } from "@x402/evm/exact/client";
import { UptoEvmScheme } from "@x402/evm/upto/client";
import { ExactSvmScheme } from "@x402/svm/exact/client";
import { ExactSvmSchemeV1 } from "@x402/svm/exact/v1/client";
import { createKeyPairSignerFromPrivateKeyBytes, getBase58Decoder } from "@solana/kit";
import { wrapFetchWithPayment } from "@x402/fetch";

// A throwaway test key (never funded) and the parties of the offers.
export const KEY = "0x" + "4c".repeat(32);
export const NETWORK = "eip155:84532";
export const USDC_BASE_SEPOLIA = "0x036CbD53842c5426634e7929541eC2318f3dCF7e";
export const PAY_TO = "0x209693Bc6afc0C5328bA36FaF03C514EF312287C";
/** The facilitator that may settle `upto` payments (the witness's `facilitator`). */
export const FACILITATOR_ADDRESS = "0x1111111111111111111111111111111111111111";

const base = { network: NETWORK, asset: USDC_BASE_SEPOLIA, payTo: PAY_TO, maxTimeoutSeconds: 60 };
/** One scheme the peer pays: the pay402 offer selling it, and how the peer recognises it among
 * a 402's requirements (scheme, `extra.assetTransferMethod`, per the x402 spec). */
export const EXACT_EIP3009 = {
  name: "exact-eip3009", offer: { ...base, scheme: "exact", amount: 10_000n, eip712Name: "USDC", eip712Version: "2" },
  v1Network: "base-sepolia",
  matches: (r) => [NETWORK, "base-sepolia"].includes(r.network) && r.scheme === "exact" && r.extra?.assetTransferMethod === undefined,
};
export const EXACT_PERMIT2 = {
  name: "exact-permit2", offer: { ...base, scheme: "exact", amount: 20_000n, transferMethod: "permit2" },
  matches: (r) => r.network === NETWORK && r.scheme === "exact" && r.extra?.assetTransferMethod === "permit2",
};
export const UPTO = {
  name: "upto-permit2", upto: true, offer: { ...base, scheme: "upto", amount: 50_000n, facilitator: FACILITATOR_ADDRESS },
  matches: (r) => r.network === NETWORK && r.scheme === "upto", // Permit2 only
};
export const EVM_SCHEMES = [EXACT_EIP3009, EXACT_PERMIT2, UPTO];
/** Solana `exact` on devnet: USDC's devnet mint; the fee payer is the facilitator's key. */
export const SOLANA_DEVNET = "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1";
export const EXACT_SVM = {
  name: "exact-svm", solana: true,
  offer: {
    scheme: "exact", network: SOLANA_DEVNET, asset: "4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU", amount: 10_000n,
    payTo: "AKSQxLCef2dEpkNCBccBzHxnL5NNBJNc3BeTMh5hp2P2", maxTimeoutSeconds: 60, feePayer: "J1cezW528jhuvQ5HqUVmLhVFre2PXkE6374HKgtCko5y",
  },
  v1Network: "solana-devnet",
  matches: (r) => [SOLANA_DEVNET, "solana-devnet"].includes(r.network) && r.scheme === "exact",
};
/** A throwaway Solana key (never funded), as @solana/kit makes its signer. */
export const solanaSigner = (seed = new Uint8Array(32).fill(0x5a)) => createKeyPairSignerFromPrivateKeyBytes(seed);

/** The payer's address, as viem (a peer) derives it. */
export const payerAddress = (key = KEY) => privateKeyToAccount(key).address;

/** An x402Client with @x402/evm's exact (EIP-3009 + Permit2, v1 + v2) and upto clients (and,
 * given `solana: { signer, rpcUrl }`, @x402/svm's exact clients, v2 and v1 devnet), whose selector takes only
 * `scheme`'s requirements. */
export function peerClient(scheme, { key = KEY, solana } = {}) {
  const account = privateKeyToAccount(key);
  const client = new x402Client((version, requirements) => {
    const chosen = requirements.find(scheme.matches);
    assert.ok(chosen, `the 402 offers no ${scheme.name}: ${JSON.stringify(requirements)}`);
    return chosen;
  });
  registerExactEvmScheme(client, { signer: account });
  client.register("eip155:*", new UptoEvmScheme(account));
  if (solana) {
    client.register("solana:*", new ExactSvmScheme(solana.signer, { rpcUrl: solana.rpcUrl }));
    client.registerV1("solana-devnet", new ExactSvmSchemeV1(solana.signer, { rpcUrl: solana.rpcUrl }));
  }
  return client;
}

/** The peer's fetch requests `url`, pays the 402 with `scheme`, returns the final Response.
 * `options`: { init, key, solana: { signer, rpcUrl } }. */
export function payWithX402Fetch(url, scheme, options = {}) {
  return wrapFetchWithPayment(fetch, peerClient(scheme, options))(url, options.init);
}

/** A Solana JSON-RPC stand-in on loopback for what @x402/svm's client reads from the chain before
 * it signs: the mint account (`getAccountInfo`: an SPL Token mint, `decimals`, owned by the Token
 * program, in the SPL Mint layout) and a recent blockhash (`getLatestBlockhash`, random). Nothing
 * is sent to it; `calls` lists the methods asked. */
export async function solanaRpcStub({ decimals = 6 } = {}) {
  const TOKEN_PROGRAM = "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA";
  const mint = new Uint8Array(82); // COption<Pubkey> authority, u64 supply, u8 decimals, bool init, COption<Pubkey> freeze
  mint[44] = decimals;
  mint[45] = 1;
  const blockhash = getBase58Decoder().decode(randomBytes(32));
  const self = { calls: [], blockhash, url: "" };
  const server = createServer(async (req, res) => {
    const request = JSON.parse((await readBody(req)).toString("utf8"));
    self.calls.push(request.method);
    const context = { slot: 1 };
    let result;
    if (request.method === "getAccountInfo") {
      result = { context, value: { data: [Buffer.from(mint).toString("base64"), "base64"], executable: false, lamports: 1461600, owner: TOKEN_PROGRAM, rentEpoch: 0, space: 82 } };
    } else if (request.method === "getLatestBlockhash") {
      result = { context, value: { blockhash, lastValidBlockHeight: 1000 } };
    }
    const answer = result === undefined
      ? { jsonrpc: "2.0", id: request.id, error: { code: -32601, message: `not stubbed: ${request.method}` } }
      : { jsonrpc: "2.0", id: request.id, result };
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(answer));
  });
  self.url = await listen(server);
  self.close = () => new Promise((resolve) => server.close(resolve));
  return self;
}

export const decodeReceipt = decodePaymentResponseHeader;
export const decodePayment = decodePaymentSignatureHeader;
export const decodeChallenge = decodePaymentRequiredHeader;
/** A base64 JSON header value, decoded with Node alone. */
export const b64json = (value) => JSON.parse(Buffer.from(value, "base64").toString("utf8"));

async function listen(server) {
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${server.address().port}`;
}
const readBody = async (req) => {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  return Buffer.concat(chunks);
};

/** A facilitator on loopback: POST /settle records the JSON body in `settles` and answers a
 * success (x402 facilitator API: success, transaction, network, payer; upto adds `amount`, the
 * settled paymentRequirements.amount). `payer` is the address the test knows signed. */
export async function facilitatorDouble(payer) {
  const self = { settles: [], answers: [], url: "" };
  const server = createServer(async (req, res) => {
    const raw = await readBody(req);
    if (req.method !== "POST" || req.url !== "/settle") { res.writeHead(404).end(); return; }
    const body = JSON.parse(raw.toString("utf8"));
    self.settles.push(body);
    const requirements = body.paymentRequirements;
    const answer = { success: true, transaction: "0x" + randomBytes(32).toString("hex"), network: requirements.network, payer };
    if (requirements.scheme === "upto") answer.amount = requirements.amount;
    self.answers.push(answer);
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(answer));
  });
  self.url = await listen(server);
  self.close = () => new Promise((resolve) => server.close(resolve));
  return self;
}

/** POSTs a /settle body: the answer's bytes, or null for no answer (timeout, connection error,
 * 5xx), as X402Exchange.settled takes it. */
export async function postSettle(facilitatorUrl, body, timeoutMs = 10_000) {
  try {
    const r = await fetch(facilitatorUrl + "/settle", {
      method: "POST", body, headers: { "content-type": "application/json" }, signal: AbortSignal.timeout(timeoutMs),
    });
    if (r.status >= 500) return null;
    return new Uint8Array(await r.arrayBuffer());
  } catch {
    return null;
  }
}

/** One paid resource on loopback, sold by pay402's X402Server with no framework: the host I/O an
 * adapter does around admit and exchange (an in-memory replay store, the handler, /settle
 * through `facilitatorUrl`), nothing decided here. `handler(admitted)` answers
 * { status, body, charge } (charge: the upto amount, a bigint, or undefined). `v1Only` drops the
 * v2 PAYMENT-REQUIRED header from its 402s, so a client sees the x402 v1 body alone (a v1 server). */
export async function minimalServer({ offers, facilitatorUrl, handler, path = "/paid", v1Only = false }) {
  const { X402Server } = await import("pay402"); // loaded here: the `pay` CLI runs without it
  const self = { admitted: [], handled: [], payments: [], errors: [], url: "" };
  const reserved = new Map(); // hex replay key → unix ms until
  const reserve = (key, ttl) => {
    const now = Date.now();
    if ((reserved.get(key) ?? 0) > now) return false;
    reserved.set(key, now + ttl * 1000);
    return true;
  };
  let x402;
  const respond = async (headers) => {
    const reply = x402.admit(headers, Math.floor(Date.now() / 1000));
    if (!reply.admitted) return { status: reply.status, headers: reply.headers, body: reply.body ?? new Uint8Array() };
    self.admitted.push(reply);
    self.payments.push(...headers.filter(([n]) => ["payment-signature", "x-payment"].includes(n.toLowerCase())));
    const exchange = x402.exchange(reply);
    const key = Buffer.from(exchange.replayKey).toString("hex");
    let step = exchange.reserved(reserve(key, exchange.ttl));
    let body = new Uint8Array();
    let charge;
    while (!step.isFinal) {
      if (step.action === "run_handler") {
        self.handled.push(reply);
        let status;
        ({ status, body, charge } = await handler(reply));
        step = exchange.handled(status);
      } else if (step.action === "settle") {
        step = exchange.settled(await postSettle(facilitatorUrl, exchange.settleRequest(charge)));
      } else {
        throw new Error(`unknown step ${step.action}`);
      }
    }
    if (step.action === "release_reservation" || step.action === "withhold") reserved.delete(key);
    const out = [...step.headers];
    if (step.body === null && step.action === "serve") out.push(["content-type", "application/json"]);
    return { status: step.status, headers: out, body: step.body ?? body };
  };
  const server = createServer(async (req, res) => {
    await readBody(req);
    if (req.url.split("?")[0] !== path) { res.writeHead(404).end(); return; }
    const headers = [];
    for (let i = 0; i < req.rawHeaders.length; i += 2) headers.push([req.rawHeaders[i], req.rawHeaders[i + 1]]);
    let answer;
    try {
      answer = await respond(headers);
    } catch (e) { // recorded for the test; the client sees a 500
      self.errors.push(e);
      answer = { status: 500, headers: [], body: new Uint8Array() };
    }
    const sent = v1Only && answer.status === 402 ? answer.headers.filter(([n]) => n.toLowerCase() !== "payment-required") : answer.headers;
    res.writeHead(answer.status, sent.flat()).end(Buffer.from(answer.body));
  });
  self.url = (await listen(server)) + path;
  x402 = new X402Server(offers, { url: self.url, description: "peer test", mimeType: "application/json" });
  self.close = () => new Promise((resolve) => server.close(resolve));
  return self;
}

// --- the tests ------------------------------------------------------------------------------

const CONTENT = JSON.stringify({ report: "paid content" });

async function withServers(offers, charge, run, payer = payerAddress(), v1Only = false) {
  const calls = [];
  const facilitator = await facilitatorDouble(payer);
  const server = await minimalServer({
    offers, facilitatorUrl: facilitator.url, v1Only,
    handler: async (admitted) => { calls.push(admitted); return { status: 200, body: new TextEncoder().encode(CONTENT), charge }; },
  });
  try {
    await run({ facilitator, server, calls });
  } finally {
    await server.close();
    await facilitator.close();
  }
}

async function main() {
  let passed = 0;
  const ok = (name) => { passed++; console.log(`ok  ${name}`); };
  const rpc = await solanaRpcStub();
  const solana = { signer: await solanaSigner(), rpcUrl: rpc.url };
  const schemes = [...EVM_SCHEMES, EXACT_SVM];

  for (const [index, scheme] of schemes.entries()) {
    const charge = scheme.upto ? 12_345n : undefined;
    const payer = scheme.solana ? solana.signer.address : payerAddress();
    await withServers(schemes.map((s) => s.offer), charge, async ({ facilitator, server, calls }) => {
      const unpaid = await fetch(server.url);
      assert.equal(unpaid.status, 402);
      decodeChallenge(unpaid.headers.get("PAYMENT-REQUIRED")); // the peer reads it
      const challenge = b64json(unpaid.headers.get("PAYMENT-REQUIRED"));

      const response = await payWithX402Fetch(server.url, scheme, { solana });
      assert.equal(response.status, 200, await response.clone().text());
      assert.equal(await response.text(), CONTENT);
      if (scheme.solana) assert.deepEqual(rpc.calls.slice(-2).sort(), ["getAccountInfo", "getLatestBlockhash"]);

      // admitted once, for the offer the peer chose, from the peer's signer
      assert.equal(server.admitted.length, 1);
      assert.equal(server.admitted[0].offerIndex, index);
      assert.equal(server.admitted[0].payer, payer);
      assert.equal(calls.length, 1);

      // the payment the peer sent, read with the peer's decoder
      assert.equal(server.payments.length, 1);
      const [name, header] = server.payments[0];
      assert.equal(name.toLowerCase(), "payment-signature");
      decodePayment(header);
      const payment = b64json(header);
      assert.equal(payment.x402Version, 2);
      assert.deepEqual(payment.accepted, challenge.accepts[index]);
      assert.equal(payment.accepted.scheme, scheme.offer.scheme);

      // the /settle body: the peer's payload and the offer's requirements (upto: the charge)
      assert.equal(facilitator.settles.length, 1);
      const settle = facilitator.settles[0];
      assert.equal(settle.x402Version, 2);
      assert.deepEqual(settle.paymentPayload, payment);
      if (scheme.upto) {
        assert.equal(BigInt(payment.payload.permit2Authorization.permitted.amount), scheme.offer.amount);
        assert.deepEqual(settle.paymentRequirements, { ...payment.accepted, amount: String(charge) });
      } else {
        assert.deepEqual(settle.paymentRequirements, payment.accepted);
      }

      // the receipt, in the peer's own decoder, is the facilitator's answer
      const receipt = decodeReceipt(response.headers.get("PAYMENT-RESPONSE"));
      const answer = facilitator.answers[0];
      assert.equal(receipt.success, true);
      assert.equal(receipt.transaction, answer.transaction);
      assert.equal(receipt.network, scheme.offer.network);
      assert.equal(receipt.payer, payer);
      if (scheme.upto) assert.equal(receipt.amount, String(charge));

      // the same payment again: refused, nothing run or settled twice
      const again = await fetch(server.url, { headers: { [name]: header } });
      assert.equal(again.status, 402);
      assert.equal(decodeChallenge(again.headers.get("PAYMENT-REQUIRED")).error, "payment_already_used");
      assert.equal(calls.length, 1);
      assert.equal(facilitator.settles.length, 1);
      assert.deepEqual(server.errors, []);
    }, payer);
    ok(`@x402/fetch pays ${scheme.name}: admitted for offer ${index}, handler once, /settle carries its payload, receipt decodes, replay refused`);
  }

  // x402 v1 (X-PAYMENT, the 402 body alone): the schemes v1 has, exact EIP-3009 and Solana exact
  for (const scheme of schemes.filter((s) => s.v1Network)) {
    const index = schemes.indexOf(scheme);
    const payer = scheme.solana ? solana.signer.address : payerAddress();
    await withServers(schemes.map((s) => s.offer), undefined, async ({ facilitator, server, calls }) => {
      const unpaid = await fetch(server.url);
      assert.equal(unpaid.status, 402);
      const challenge = await unpaid.json();
      assert.equal(challenge.x402Version, 1);
      const accepts = challenge.accepts.filter((r) => r.network === scheme.v1Network);
      assert.equal(accepts.length, 1);

      const response = await payWithX402Fetch(server.url, scheme, { solana });
      assert.equal(response.status, 200, await response.clone().text());
      assert.equal(await response.text(), CONTENT);
      assert.equal(server.admitted.length, 1);
      assert.equal(server.admitted[0].offerIndex, index);
      assert.equal(server.admitted[0].x402Version, 1);
      assert.equal(server.admitted[0].payer, payer);
      assert.equal(calls.length, 1);

      const [name, header] = server.payments[0];
      assert.equal(name.toLowerCase(), "x-payment");
      decodePayment(header);
      const payment = b64json(header);
      assert.equal(payment.x402Version, 1);
      assert.equal(payment.network, scheme.v1Network);
      const settle = facilitator.settles[0];
      assert.equal(facilitator.settles.length, 1);
      assert.equal(settle.x402Version, 1);
      assert.deepEqual(settle.paymentPayload, payment);
      assert.deepEqual(settle.paymentRequirements, accepts[0]);

      const receipt = decodeReceipt(response.headers.get("X-PAYMENT-RESPONSE"));
      assert.equal(receipt.success, true);
      assert.equal(receipt.transaction, facilitator.answers[0].transaction);
      assert.equal(receipt.payer, payer);

      const again = await fetch(server.url, { headers: { [name]: header } });
      assert.equal(again.status, 402);
      assert.equal((await again.json()).error, "payment_already_used");
      assert.equal(calls.length, 1);
      assert.equal(facilitator.settles.length, 1);
      assert.deepEqual(server.errors, []);
    }, payer, true);
    ok(`@x402/fetch pays ${scheme.name} over x402 v1 (X-PAYMENT): admitted for offer ${index}, /settle carries its payload and the v1 requirements, X-PAYMENT-RESPONSE decodes, replay refused`);
  }

  const maximum = UPTO.offer.amount;
  await withServers([UPTO.offer], maximum, async ({ facilitator, server }) => {
    const response = await payWithX402Fetch(server.url, UPTO);
    assert.equal(response.status, 200, await response.clone().text());
    assert.equal(facilitator.settles[0].paymentRequirements.amount, String(maximum));
    assert.equal(decodeReceipt(response.headers.get("PAYMENT-RESPONSE")).amount, String(maximum));
  });
  ok("@x402/fetch upto: a charge of the whole signed maximum settles");

  await withServers([UPTO.offer], maximum + 1n, async ({ facilitator, server, calls }) => {
    const response = await payWithX402Fetch(server.url, UPTO);
    assert.notEqual(response.status, 200);
    assert.equal(response.headers.get("PAYMENT-RESPONSE"), null);
    assert.equal(calls.length, 1);
    assert.deepEqual(facilitator.settles, []);
    assert.equal(server.errors.length, 1);
    assert.equal(server.errors[0].name, "X402Error", String(server.errors[0]));
  });
  ok("@x402/fetch upto: a charge above the signed maximum is never settled");
  await rpc.close();

  console.log(`peer-clients: ${passed} passed`);
}

/** The `pay` CLI: @x402/fetch pays `url` for the scheme named `name` (Solana: against a
 * solanaRpcStub of its own) and prints { status, body, payment: [header name, value] as the peer
 * sent it, receiptHeader, receipt (the peer's decoder), payer }. */
async function payCli(url, name) {
  const scheme = [...EVM_SCHEMES, EXACT_SVM].find((s) => s.name === name);
  assert.ok(scheme, `unknown scheme ${name}`);
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
    const receiptHeader = ["PAYMENT-RESPONSE", "X-PAYMENT-RESPONSE"].find((h) => response.headers.has(h)) ?? null;
    const receipt = receiptHeader ? decodeReceipt(response.headers.get(receiptHeader)) : null;
    const payment = sent.at(-1) ?? null;
    if (payment) decodePayment(payment[1]); // the peer reads its own header back
    console.log(JSON.stringify({
      status: response.status, body: await response.text(), payment, payments: sent.length, receiptHeader, receipt,
      payer: scheme.solana ? solana.signer.address : payerAddress(), rpcCalls: rpc ? rpc.calls : [],
    }));
  } finally {
    if (rpc) await rpc.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (process.argv[2] === "pay") await payCli(process.argv[3], process.argv[4]);
  else await main();
}
