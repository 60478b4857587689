// The payment effects over real HTTP on 127.0.0.1 (node:http): what the wallet signs is the core's
// typed data verbatim, the paid request carries exactly the core's header, once, and is never
// retried; refusals keep the core's sentence. The core here is a recording double per test: these
// tests check the page's plumbing, not the encoding (that is the paywall wasm's own test).
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { evmBalanceCovers, evmHeader, PayError, randomHex, rpcCall, sendPaid, svmHeader } from "../src/pay.mjs";
import { evmWallet } from "../src/wallets/eip1193.mjs";

const requests = [];
let answer = () => ({ status: 200, headers: {}, body: "" });
const server = createServer((req, res) => {
  let body = "";
  req.on("data", (c) => { body += c; });
  req.on("end", () => {
    requests.push({ method: req.method, url: req.url, headers: req.headers, body });
    const a = answer(req, body);
    if (a === "drop") { req.socket.destroy(); return; }
    res.writeHead(a.status, a.headers);
    res.end(a.body);
  });
});
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const base = `http://127.0.0.1:${server.address().port}`;
after(() => server.close());

function recordingCore(over = {}) {
  const calls = [];
  const rec = (name, fn) => (...a) => { calls.push([name, ...a]); return fn(...a); };
  return {
    calls,
    evmTypedData: rec("evmTypedData", () => '{"typed":"data from the core"}'),
    evmPaymentHeader: rec("evmPaymentHeader", () => ({ name: "PAYMENT-SIGNATURE", value: "header-from-core" })),
    evmBalanceCall: rec("evmBalanceCall", () => ({ to: "0xToken", data: "0x70a08231abcd" })),
    balanceCovers: rec("balanceCovers", (r) => r === "0x64"),
    svmMint: rec("svmMint", () => ({ decimals: 6, tokenProgram: "TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb" })),
    svmSourceAccount: rec("svmSourceAccount", () => "SourceAccount"),
    svmUnsignedTransfer: rec("svmUnsignedTransfer", () => Uint8Array.of(9, 9)),
    svmPaymentHeader: rec("svmPaymentHeader", () => ({ name: "PAYMENT-SIGNATURE", value: "svm-header" })),
    readReceipt: rec("readReceipt", (h) => ({ transaction: `tx of ${h}` })),
    readRefusal: rec("readRefusal", () => ({ code: "invalid_payment", detailCode: "invalid_exact_evm_payload_authorization_valid_before", message: "The authorization expired." })),
    ...over,
  };
}
const offer = { index: 2, asset: "0xToken", amount: "100", network: "eip155:31337" };

test("EVM: the wallet signs the core's typed data verbatim; the header is built from the same inputs and the wallet's signature", async () => {
  const core = recordingCore();
  const signed = [];
  const provider = { request: async ({ method, params }) => { signed.push([method, params]); return `0x${"11".repeat(65)}`; } };
  const h = await evmHeader({ core, wallet: evmWallet(provider), required: "REQ", offer, account: "0xPayer", now: 1700000000, nonceHex: "0xnonce" });
  assert.deepEqual(h, { name: "PAYMENT-SIGNATURE", value: "header-from-core" });
  assert.deepEqual(signed, [["eth_signTypedData_v4", ["0xPayer", '{"typed":"data from the core"}']]]);
  assert.deepEqual(core.calls, [
    ["evmTypedData", "REQ", 2, "0xPayer", 1700000000, "0xnonce"],
    ["evmPaymentHeader", "REQ", 2, "0xPayer", 1700000000, "0xnonce", `0x${"11".repeat(65)}`],
  ]);
});

test("EVM: a wallet refusal (4001) stops before any header or request", async () => {
  const core = recordingCore();
  const provider = { request: async () => { throw Object.assign(new Error("User rejected"), { code: 4001 }); } };
  const before = requests.length;
  await assert.rejects(evmHeader({ core, wallet: evmWallet(provider), required: "REQ", offer, account: "0xP", now: 1, nonceHex: "0x" }), { code: "wallet_rejected" });
  assert.deepEqual(core.calls.map((c) => c[0]), ["evmTypedData"]);
  assert.equal(requests.length, before);
});

test("balance: eth_call of the core's call over JSON-RPC; the result goes to balanceCovers", async () => {
  answer = (req, body) => ({ status: 200, headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: JSON.parse(body).id, result: "0x64" }) });
  const core = recordingCore();
  assert.equal(await evmBalanceCovers({ core, fetchImpl: fetch, rpcUrl: `${base}/rpc`, offer, account: "0xPayer" }), true);
  const rpc = JSON.parse(requests.at(-1).body);
  assert.equal(requests.at(-1).method, "POST");
  assert.deepEqual(rpc.params, [{ to: "0xToken", data: "0x70a08231abcd" }, "latest"]);
  assert.equal(rpc.method, "eth_call");
  assert.equal(rpc.jsonrpc, "2.0");
  assert.deepEqual(core.calls.at(-1), ["balanceCovers", "0x64", "100"]);
});

test("RPC errors and unreachable RPCs are rpc_unavailable", async () => {
  answer = () => ({ status: 200, headers: {}, body: JSON.stringify({ jsonrpc: "2.0", id: 1, error: { code: -32000, message: "boom" } }) });
  await assert.rejects(rpcCall(fetch, `${base}/rpc`, "eth_call", []), { code: "rpc_unavailable", message: "boom" });
  await assert.rejects(rpcCall(fetch, "http://127.0.0.1:1/", "eth_call", []), { code: "rpc_unavailable" });
});

test("Solana: blockhash and mint over RPC → the core's unsigned transfer → the wallet → the core's header", async () => {
  const mintData = Buffer.alloc(82).toString("base64");
  const heldAccounts = [{ pubkey: "Held", account: { data: ["AAAA", "base64"], owner: "TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb" } }];
  answer = (req, body) => {
    const { method, id } = JSON.parse(body);
    const result = method === "getLatestBlockhash"
      ? { context: { slot: 1 }, value: { blockhash: "EkSnNWid2cvwEVnVx9aBqawnmiCNiDgp3gUdkDPTKN1N", lastValidBlockHeight: 9 } }
      : method === "getTokenAccountsByOwner" ? { context: { slot: 1 }, value: heldAccounts }
      : { context: { slot: 1 }, value: { data: [mintData, "base64"], owner: "TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb", lamports: 1, executable: false } };
    return { status: 200, headers: {}, body: JSON.stringify({ jsonrpc: "2.0", id, result }) };
  };
  const core = recordingCore();
  const wallet = { signTransaction: async (tx) => Uint8Array.from([...tx, 1]) };
  const svmOffer = { index: 0, asset: "4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU", amount: "10", network: "solana:x",
    payToTokenAccounts: { TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA: "PayeeToken", TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb: "PayeeToken2022" } };
  const h = await svmHeader({ core, wallet, fetchImpl: fetch, rpcUrl: `${base}/rpc`, required: "REQ", offer: svmOffer, account: "Payer", memoHex: "00ff" });
  assert.deepEqual(h, { name: "PAYMENT-SIGNATURE", value: "svm-header" });
  assert.deepEqual(requests.slice(-2).map((r) => JSON.parse(r.body).params), [
    ["4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU", { encoding: "base64", commitment: "confirmed" }],
    ["Payer", { mint: "4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU" }, { encoding: "base64", commitment: "confirmed" }],
  ]);
  assert.deepEqual(core.calls, [
    ["svmMint", mintData, "TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb"],
    ["svmSourceAccount", "Payer", "4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU", "10", heldAccounts],
    ["svmUnsignedTransfer", "REQ", 0, "Payer", "SourceAccount", "PayeeToken2022", "EkSnNWid2cvwEVnVx9aBqawnmiCNiDgp3gUdkDPTKN1N", 6, "TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb", "00ff"],
    ["svmPaymentHeader", "REQ", 0, Uint8Array.of(9, 9, 1)],
  ]);
  await assert.rejects(svmHeader({ core, wallet, fetchImpl: fetch, rpcUrl: undefined, required: "REQ", offer: svmOffer, account: "P", memoHex: "" }), { code: "rpc_unavailable" });
  // an offer without the payee's account for the mint's program is refused before the wallet
  await assert.rejects(svmHeader({ core, wallet, fetchImpl: fetch, rpcUrl: `${base}/rpc`, required: "REQ", offer: { ...svmOffer, payToTokenAccounts: {} }, account: "P", memoHex: "" }), { code: "page_data_invalid" });
});

test("the paid request: same URL, exactly the core's header, once; 2xx → body, content type and the core's receipt", async () => {
  answer = () => ({ status: 200, headers: { "content-type": "text/plain; charset=utf-8", "payment-response": "RECEIPT" }, body: "the article" });
  const core = recordingCore();
  const before = requests.length;
  const r = await sendPaid({ core, fetchImpl: fetch, url: `${base}/article?x=1`, header: { name: "PAYMENT-SIGNATURE", value: "header-from-core" } });
  assert.equal(requests.length, before + 1);
  const req = requests.at(-1);
  assert.equal(req.method, "GET");
  assert.equal(req.url, "/article?x=1");
  assert.equal(req.headers["payment-signature"], "header-from-core");
  assert.equal(r.status, 200);
  assert.equal(r.contentType, "text/plain; charset=utf-8");
  assert.equal(await r.body.text(), "the article");
  assert.deepEqual(r.receipt, { transaction: "tx of RECEIPT" });
});

test("a refusal keeps the core's reading: its sentence, its detail code; expired → offer_expired", async () => {
  answer = () => ({ status: 402, headers: { "content-type": "application/json", "payment-required": "X" }, body: '{"error":"invalid_payment"}' });
  const core = recordingCore();
  const before = requests.length;
  await assert.rejects(sendPaid({ core, fetchImpl: fetch, url: `${base}/a`, header: { name: "PAYMENT-SIGNATURE", value: "h" } }),
    (e) => e instanceof PayError && e.code === "offer_expired" && e.fromServer && e.message === "The authorization expired." && e.detail === "invalid_exact_evm_payload_authorization_valid_before");
  assert.equal(requests.length, before + 1, "no retry");
  const [name, status, headers, body] = core.calls.at(-1);
  assert.equal(name, "readRefusal");
  assert.equal(status, 402);
  assert.ok(headers.some(([k, v]) => k === "payment-required" && v === "X"));
  assert.equal(body, '{"error":"invalid_payment"}');
  const replay = recordingCore({ readRefusal: () => ({ code: "payment_already_used", detailCode: null, message: "Used." }) });
  await assert.rejects(sendPaid({ core: replay, fetchImpl: fetch, url: `${base}/a`, header: { name: "A", value: "b" } }), { code: "payment_already_used", message: "Used." });
  const other = recordingCore({ readRefusal: () => ({ code: "invalid_exact_evm_signature", detailCode: null, message: "Bad signature." }) });
  await assert.rejects(sendPaid({ core: other, fetchImpl: fetch, url: `${base}/a`, header: { name: "A", value: "b" } }), { code: "refused", message: "Bad signature." });
});

test("a lost answer is answer_lost and the request is not sent again", async () => {
  answer = () => "drop";
  const before = requests.length;
  await assert.rejects(sendPaid({ core: recordingCore(), fetchImpl: fetch, url: `${base}/a`, header: { name: "A", value: "b" } }), { code: "answer_lost" });
  assert.equal(requests.length, before + 1);
});

test("nonces come from crypto.getRandomValues: 32 bytes, 64 hex digits, different each time", () => {
  const a = randomHex(globalThis.crypto, 32);
  assert.match(a, /^[0-9a-f]{64}$/);
  assert.notEqual(a, randomHex(globalThis.crypto, 32));
});
