// The smoke suite run in Node (CJS and ESM) and in headless Chromium (./web build): every
// module answers, errors carry name/code, and the client and server helpers pay each other.
// `smoke(p)` takes the package's exports and resolves to { passed, failed, lines }.
import { harness } from "./harness.mjs";
const HELPERS = ["privateKeySigner", "eip1193Signer", "readPaymentRequired", "createPayment", "wrapFetch",
  "wrapFetchL402", "paymentRequired", "verifyPayment", "verifyRequest", "x402Middleware", "memoryReplayStore", "verifyL402"];

export async function smoke(p) {
  const { t, eq, throwsCode, result } = harness();
  const key = new Uint8Array(32).fill(0x11);
  const USDC = "0x036CbD53842c5426634e7929541eC2318f3dCF7e";
  const offer = { scheme: "exact", network: "eip155:84532", amount: "10000", asset: USDC,
    payTo: "0x209693Bc6afc0C5328bA36FaF03C514EF312287C", maxTimeoutSeconds: 60, extra: { name: "USDC", version: "2" } };

  await t("every helper is exported", () => { for (const h of HELPERS) eq(typeof p[h], "function", h); });
  await t("privateKeyToAddress (key 0x11…11 → 0x19e7…ff2a, a k256 known vector)", () =>
    eq(p.privateKeyToAddress(key).toLowerCase(), "0x19e7e376e7c213b7e7e7e46cc70a5dd086daff2a", "address"));
  await t("keccak256('') ", () => {
    const h = Array.from(p.keccak256(new Uint8Array()), (b) => b.toString(16).padStart(2, "0")).join("");
    eq(h, "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470", "keccak");
  });
  await t("X402Error with code and detailCode", () => {
    const e = throwsCode(() => p.x402Verify(offer, "not base64!", 1), "X402Error", "invalid_payload");
    if (typeof e.detailCode !== "string") throw new Error("no detailCode");
  });
  await t("EvmError code", () => throwsCode(() => p.recoverAddress(new Uint8Array(32), new Uint8Array(64)), "EvmError", "signature_length"));
  await t("TypeError invalid_argument", () => throwsCode(() => p.recoverAddress(new Uint8Array(3), new Uint8Array(65)), "TypeError", "invalid_argument"));
  await t("sign then verify, amounts as bigint", () => {
    const required = { x402Version: 2, resource: { url: "https://api.example.com/x" }, accepts: [offer] };
    const now = 1740672100;
    const signed = p.x402Sign(required, { privateKey: key, now, nonce: new Uint8Array(32).fill(7) });
    eq(signed.headerName, "PAYMENT-SIGNATURE", "header");
    const v = p.x402Verify(offer, signed.payment, now);
    eq(v.amount, 10000n, "amount"); eq(v.payer, p.privateKeyToAddress(key), "payer"); eq(v.chainId, 84532, "chainId");
  });
  await t("wrapFetch pays a verifyRequest server", async () => {
    const server = async (input, init) => {
      const r = await p.verifyRequest(new Request(input, init), [offer], { resource: { url: "https://api.example.com/x" } });
      return r.ok ? new Response(r.verified.payer, { status: 200 }) : r.response;
    };
    const pay = p.wrapFetch(server, p.privateKeySigner(key), { networks: ["eip155:84532"], assets: [USDC], maxAmount: 10000n });
    const res = await pay("https://api.example.com/x");
    eq(res.status, 200, "status"); eq(await res.text(), p.privateKeyToAddress(key), "payer");
  });
  await t("x402Middleware answers 402 then next()", async () => {
    const mw = p.x402Middleware([offer]);
    const res = { headers: {}, setHeader(k, v) { this.headers[k] = v; }, end(b) { this.body = b; } };
    let nexted = false;
    await mw({ headers: {} }, res, () => { nexted = true; });
    eq(res.statusCode, 402, "status"); eq(nexted, false, "next");
    const paid = p.x402Sign(JSON.parse(atob(res.headers["PAYMENT-REQUIRED"])), { privateKey: key, now: Math.floor(Date.now() / 1000), nonce: new Uint8Array(32).fill(9) });
    const req = { headers: { "payment-signature": paid.payment } };
    await mw(req, res, () => { nexted = true; });
    eq(nexted, true, "next"); eq(req.x402.amount, 10000n, "amount");
    eq(req.x402.replayKey.length, 80, "replay key length");
    // The same payment again is a replay: 402, the handler does not run.
    const again = { headers: {}, setHeader(k, v) { this.headers[k] = v; }, end(b) { this.body = b; } };
    let nextedAgain = false;
    await mw({ headers: { "payment-signature": paid.payment } }, again, () => { nextedAgain = true; });
    eq(again.statusCode, 402, "replay status"); eq(nextedAgain, false, "replay next");
  });
  await t("Solana: svmBuildTransfer → x402Verify (exact_svm), SvmError", () => {
    eq(p.svmAssociatedTokenAddress("11111111111111111111111111111111", "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v"),
      "HJt8Tjdsc9ms9i4WCZEzhzr4oyf3ANcdzXrNdLPFqm3M", "ata");
    const feePayer = "J1cezW528jhuvQ5HqUVmLhVFre2PXkE6374HKgtCko5y";
    const sol = { scheme: "exact", network: "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1", amount: "10000",
      asset: "4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU", payTo: "AKSQxLCef2dEpkNCBccBzHxnL5NNBJNc3BeTMh5hp2P2",
      maxTimeoutSeconds: 60, extra: { feePayer } };
    const tx = p.svmBuildTransfer({ payerSeed: new Uint8Array(32).fill(5), feePayer, mint: sol.asset, payTo: sol.payTo,
      amount: 10000n, decimals: 6, memo: "nonce-1", recentBlockhash: "FGo9e4ecUBCHZhcmEP3MQ4nRzvrQwpKAfpH7zViMresy" });
    const header = p.x402EncodeHeader(JSON.stringify({ x402Version: 2, resource: { url: "https://api.example.com/x" },
      accepted: sol, payload: { transaction: tx.transaction } }));
    const v = p.x402Verify(sol, header, 0);
    eq(v.kind, "exact_svm", "kind"); eq(v.payer, tx.payer, "payer"); eq(v.amount, 10000n, "amount"); eq(v.feePayer, feePayer, "feePayer");
    throwsCode(() => p.x402Verify(sol, header, 0, { feePayers: [tx.payer] }), "X402Error", "invalid_exact_svm_fee_payer_not_managed_by_facilitator");
    throwsCode(() => p.svmBuildTransfer({ payerSeed: new Uint8Array(32), feePayer, mint: sol.asset, payTo: sol.payTo,
      tokenProgram: feePayer, amount: 1n, decimals: 6, recentBlockhash: feePayer }), "SvmError", "unsupported_token_program");
    throwsCode(() => p.svmAssociatedTokenAddress("0OIl", sol.asset), "SvmError", "pubkey_invalid_character");
  });
  await t("Solana: svmBuildTransfer → svmPaymentHeader (v2, v1) → x402Verify; refusals are X402Errors", () => {
    const feePayer = "J1cezW528jhuvQ5HqUVmLhVFre2PXkE6374HKgtCko5y";
    const sol = { scheme: "exact", network: "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1", amount: "10000",
      asset: "4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU", payTo: "AKSQxLCef2dEpkNCBccBzHxnL5NNBJNc3BeTMh5hp2P2",
      maxTimeoutSeconds: 60, extra: { feePayer } };
    const tx = p.svmBuildTransfer({ payerSeed: new Uint8Array(32).fill(5), feePayer, mint: sol.asset, payTo: sol.payTo,
      amount: 10000n, decimals: 6, memo: "nonce-2", recentBlockhash: "FGo9e4ecUBCHZhcmEP3MQ4nRzvrQwpKAfpH7zViMresy" });
    const resource = { url: "https://api.example.com/x", description: "", mimeType: "application/json" };
    const required = { x402Version: 2, resource, accepts: [offer, sol] };
    const paid = p.svmPaymentHeader(required, { transaction: tx.transaction, acceptIndex: 1 });
    eq(paid.headerName, "PAYMENT-SIGNATURE", "headerName");
    // x402 v2 `PAYMENT-SIGNATURE`: resource, the chosen entry as accepted, the scheme payload.
    eq(atob(paid.payment), JSON.stringify({ x402Version: 2, resource, accepted: sol, payload: { transaction: tx.transaction } }), "json");
    const v = p.x402Verify(sol, paid.payment, 0);
    eq(v.kind, "exact_svm", "kind"); eq(v.payer, tx.payer, "payer"); eq(v.amount, 10000n, "amount");
    // Wire bytes work as well as base64; v1 goes in X-PAYMENT.
    const wire = Uint8Array.from(atob(tx.transaction), (c) => c.charCodeAt(0));
    const solV1 = { scheme: "exact", network: "solana-devnet", maxAmountRequired: "10000", resource: resource.url,
      description: "", mimeType: "application/json", payTo: sol.payTo, maxTimeoutSeconds: 60, asset: sol.asset, extra: { feePayer } };
    const paidV1 = p.svmPaymentHeader(JSON.stringify({ x402Version: 1, accepts: [solV1] }), { transaction: wire });
    eq(paidV1.headerName, "X-PAYMENT", "v1 headerName");
    eq(p.x402Verify(solV1, paidV1.payment, 0).payer, tx.payer, "v1 payer");
    throwsCode(() => p.svmPaymentHeader(required, { transaction: tx.transaction, acceptIndex: 2 }), "X402Error", "accept_index_out_of_range");
    throwsCode(() => p.svmPaymentHeader(required, { transaction: tx.transaction }), "X402Error", "unsupported_network");
    throwsCode(() => p.svmPaymentHeader(required, { transaction: new Uint8Array(3), acceptIndex: 1 }), "X402Error", "transaction_truncated");
    throwsCode(() => p.svmPaymentHeader(required, { transaction: "not base64!", acceptIndex: 1 }), "TypeError", "invalid_argument");
  });
  await t("macaroon mint → verify → MacaroonError", () => {
    const root = new Uint8Array(32).fill(1);
    const m = p.macaroonMint(root, new Uint8Array([1, 2, 3]), "loc", ["a = 1"]);
    p.macaroonVerify(m.token, root, { accept: ["a = 1"] });
    throwsCode(() => p.macaroonVerify(m.token, new Uint8Array(32), { accept: ["a = 1"] }), "MacaroonError", "signature_mismatch");
  });
  await t("l402 mint → authorization → verify", () => {
    const root = new Uint8Array(32).fill(2);
    const preimage = new Uint8Array(32).fill(3);
    // sha256 of the preimage is the payment hash; derive it through a wrong-preimage probe is not possible,
    // so mint for the hash that l402ParseAuthorization/verify will check via the core.
    const m = p.l402Mint(root, new Uint8Array(32).fill(4), new Uint8Array(32).fill(5), { caveats: ["services=svc:0"] });
    const auth = `L402 ${m.token}:${Array.from(preimage, (b) => b.toString(16).padStart(2, "0")).join("")}`;
    eq(p.l402ParseAuthorization(auth).macaroons[0], m.token, "token");
    throwsCode(() => p.l402Verify(auth, root, { now: 1, service: "svc" }), "L402Error", "invalid_preimage");
  });
  await t("Ws402Meter record round trip", () => {
    const m = new p.Ws402Meter({ pricePerSecond: 10n, paid: 300n, maxSessionSeconds: 3600 }, 1000000);
    eq(m.onEvent(1001250, "tick").consumed, 12n, "consumed");
    const again = p.Ws402Meter.fromRecord(m.toRecord());
    const out = again.onEvent(1002500, "close");
    eq(out.state, "ended", "state"); eq(out.end.refund, 275n, "refund");
  });
  await t("Ws402TariffMeter: the core's documented example (suspend, resume, an unaffordable frame)", () => {
    const m = new p.Ws402TariffMeter({ perSecond: 10n, perByteOut: 1n, paid: 1000n, maxSessionSeconds: 3600 }, 0);
    eq(m.onEvent(2000, "bytes_out", 100).consumed, 120n, "10 × 2 s + 100 bytes");
    eq(m.onEvent(3000, "suspend").consumed, 130n, "suspended at 3 s");
    throwsCode(() => m.onEvent(3500, "bytes_in", 1), "Ws402Error", "session_suspended");
    throwsCode(() => m.onEvent(3500, "close"), "Ws402Error", "unknown_event"); // the v1 meter's name
    throwsCode(() => m.onEvent(3500, "bytes_out"), "Ws402Error", "event_count_required");
    eq(m.onEvent(60000, "resume").state, "running", "resumed; the drop is not billed");
    const out = m.maySend(60500, 900); // 35 + 100 + 900 > 1000: refused
    eq(out.state, "ended", "state"); eq(out.end.reason, "balance_exhausted", "reason"); eq(out.end.closeCode, 1000, "close code");
    eq(out.end.consumed, 135n, "consumed"); eq(out.end.refund, 865n, "refund"); eq(m.activeMs, 3500, "active ms");
    eq(m.onEvent(61000, "server_error").state, "already_ended", "ended once");
    m.free();
    const lost = new p.Ws402TariffMeter({ perMessage: 2n ** 200n, paid: 2n ** 201n + 7n, maxSessionSeconds: 10 }, 0);
    eq(lost.onEvent(1, "message", 2).consumed, 2n ** 201n, "a price above 2^64 stays exact");
    lost.onEvent(2, "suspend");
    const end = lost.onEvent(9000, "grace_expired").end;
    eq(end.reason, "connection_lost", "reason"); eq(end.atMs, 2, "dated at the suspend"); eq(end.closeCode, null, "no socket, no close code");
    eq(end.refund, 7n, "refund");
    lost.free();
  });
  return result();
}
