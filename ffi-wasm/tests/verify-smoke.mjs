// The smoke suite of the entry `pay402/verify` (the `x402`-only .wasm and the helpers that need
// only it), run by node-verify.cjs (require) and node-verify.mjs (import, and `pay402/verify/web`).
// `verifySmoke(v, p)` takes the verify entry's exports and the main entry's (which signs the
// payments), and resolves to { passed, failed, lines }.
import { harness } from "./harness.mjs";

/** Everything `pay402/verify` exports: its wasm functions, then its helpers. */
export const VERIFY_EXPORTS = ["checksumAddress", "eip3009Digest", "keccak256", "permit2Digest", "recoverAddress",
  "x402DecodeHeader", "x402DecodeJson", "x402EncodeHeader", "x402HeaderToJson", "x402PaymentHeaderName", "x402Verify",
  "readPaymentRequired", "paymentRequired", "verifyPayment", "verifyRequest", "x402Middleware", "memoryReplayStore",
  "paymentGate", "serverConfig", "configFromEnv", "paymentOf", "paywall", "pay", "withPayment", "honoPaywall",
  "X402Server", "X402Admitted", "X402Exchange",
  // the paywall page's decisions (feature `page` of the x402 build: the server middleware serves the page)
  "pagePresentation", "pageThemeValidate", "PaywallPage", "paywallPageVary"];
/** Main-entry exports that need the client, Solana, L402, WS402 or offers features: absent here. */
const ABSENT = ["x402Sign", "x402Select", "x402TypedData", "x402WalletSign", "permit2SignPayload", "eip3009Sign", "signDigest",
  "privateKeyToAddress", "privateKeySigner", "eip1193Signer", "createPayment", "wrapFetch", "wrapFetchL402",
  "svmBuildTransfer", "svmAssociatedTokenAddress", "macaroonVerify", "l402Verify", "verifyL402", "bolt11Decode",
  "offersDecode", "Ws402Meter", "Ws402TariffMeter", "ClientBudget", "BudgetReservation"];

export async function verifySmoke(v, p) {
  const { t, eq, throwsCode, result } = harness();
  const fakeRes = () => ({ headers: {}, setHeader(k, val) { this.headers[k] = val; }, end(b) { this.body = b; } });
  const key = new Uint8Array(32).fill(0x11);
  const payer = p.privateKeyToAddress(key);
  const USDC = "0x036CbD53842c5426634e7929541eC2318f3dCF7e";
  const offer = { scheme: "exact", network: "eip155:84532", amount: "10000", asset: USDC,
    payTo: "0x209693Bc6afc0C5328bA36FaF03C514EF312287C", maxTimeoutSeconds: 60, extra: { name: "USDC", version: "2" } };
  const required = { x402Version: 2, resource: { url: "https://api.example.com/x" }, accepts: [offer] };

  await t("exports exactly the verify set", () => {
    const names = Object.keys(v).filter((k) => k !== "default" && k !== "initSync").sort();
    eq(names.join(","), [...VERIFY_EXPORTS].sort().join(","), "exports");
    for (const n of VERIFY_EXPORTS) eq(typeof v[n], "function", n);
  });
  await t("client, Solana, L402, WS402 and offers functions are absent", () => {
    for (const n of ABSENT) {
      eq(typeof p[n], "function", `main entry ${n}`);
      eq(v[n], undefined, n);
    }
  });
  await t("a payment signed with the main entry verifies (v2 header)", () => {
    const now = 1740672100;
    const signed = p.x402Sign(required, { privateKey: key, now, nonce: new Uint8Array(32).fill(7) });
    const r = v.x402Verify(offer, signed.payment, now);
    eq(r.payer, payer, "payer"); eq(r.amount, 10000n, "amount"); eq(r.chainId, 84532, "chainId");
    eq(r.kind, "exact_eip3009", "kind"); eq(r.replayKey.length, 80, "replay key length");
  });
  await t("X402Error with code and detailCode; EvmError; TypeError invalid_argument", () => {
    const e = throwsCode(() => v.x402Verify(offer, "not base64!", 1), "X402Error", "invalid_payload");
    if (typeof e.detailCode !== "string") throw new Error("no detailCode");
    throwsCode(() => v.recoverAddress(new Uint8Array(32), new Uint8Array(64)), "EvmError", "signature_length");
    throwsCode(() => v.recoverAddress(new Uint8Array(3), new Uint8Array(65)), "TypeError", "invalid_argument");
  });
  await t("EIP-3009 digest and recovery agree with the main entry's signature", () => {
    const domain = { name: "USDC", version: "2", chainId: 84532, verifyingContract: USDC };
    const message = { from: payer, to: offer.payTo, value: 10000n, validAfter: 0n, validBefore: 1740672160n, nonce: new Uint8Array(32).fill(3) };
    const signed = p.eip3009Sign(key, domain, message);
    eq(v.recoverAddress(v.eip3009Digest(domain, message).digest, signed.signature), payer, "recovered");
    eq(v.checksumAddress(payer.toLowerCase()), payer, "checksum");
  });
  await t("Solana requirements are refused without the svm feature (invalid_network)", () => {
    const sol = { scheme: "exact", network: "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1", amount: "10000",
      asset: "4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU", payTo: "AKSQxLCef2dEpkNCBccBzHxnL5NNBJNc3BeTMh5hp2P2",
      maxTimeoutSeconds: 60, extra: { feePayer: "J1cezW528jhuvQ5HqUVmLhVFre2PXkE6374HKgtCko5y" } };
    const tx = p.svmBuildTransfer({ payerSeed: new Uint8Array(32).fill(5), feePayer: sol.extra.feePayer, mint: sol.asset,
      payTo: sol.payTo, amount: 10000n, decimals: 6, memo: "nonce-1", recentBlockhash: "FGo9e4ecUBCHZhcmEP3MQ4nRzvrQwpKAfpH7zViMresy" });
    const header = p.x402EncodeHeader(JSON.stringify({ x402Version: 2, resource: required.resource, accepted: sol, payload: { transaction: tx.transaction } }));
    eq(p.x402Verify(sol, header, 0).kind, "exact_svm", "main entry kind");
    throwsCode(() => v.x402Verify(sol, header, 0), "X402Error", "invalid_network");
  });
  await t("main entry wrapFetch pays a verify-entry verifyRequest server; readPaymentRequired", async () => {
    let answered402 = null;
    const server = async (input, init) => {
      const r = await v.verifyRequest(new Request(input, init), [offer], { resource: required.resource });
      if (!r.ok) { answered402 = r.response.clone(); return r.response; }
      return new Response(r.verified.payer, { status: 200 });
    };
    const pay = p.wrapFetch(server, p.privateKeySigner(key), { networks: ["eip155:84532"], assets: [USDC], maxAmount: 10000n });
    const res = await pay("https://api.example.com/x");
    eq(res.status, 200, "status"); eq(await res.text(), payer, "payer");
    const read = await v.readPaymentRequired(answered402);
    eq(JSON.parse(read).accepts[0].payTo, offer.payTo, "readPaymentRequired");
  });
  await t("x402Middleware answers 402, accepts a paid request, refuses its replay", async () => {
    const mw = v.x402Middleware([offer]);
    const res = fakeRes();
    let nexted = false;
    await mw({ headers: {} }, res, () => { nexted = true; });
    eq(res.statusCode, 402, "status"); eq(nexted, false, "next");
    const paid = p.x402Sign(JSON.parse(atob(res.headers["PAYMENT-REQUIRED"])),
      { privateKey: key, now: Math.floor(Date.now() / 1000), nonce: new Uint8Array(32).fill(9) });
    const req = { headers: { "payment-signature": paid.payment } };
    await mw(req, fakeRes(), () => { nexted = true; });
    eq(nexted, true, "next"); eq(req.x402.payer, payer, "payer"); eq(req.x402.amount, 10000n, "amount");
    const again = fakeRes();
    let nextedAgain = false;
    await mw({ headers: { "payment-signature": paid.payment } }, again, () => { nextedAgain = true; });
    eq(again.statusCode, 402, "replay status"); eq(nextedAgain, false, "replay next");
    eq(JSON.parse(again.body).error, "payment_already_used", "replay error");
  });
  await t("x402Middleware settles after the handler and sends PAYMENT-RESPONSE", async () => {
    let settled = null;
    const mw = v.x402Middleware([offer], { settle: (verified) => { settled = verified; return { success: true, transaction: "0xabc", network: offer.network, payer: verified.payer }; } });
    const paid = p.x402Sign(required, { privateKey: key, now: Math.floor(Date.now() / 1000), nonce: new Uint8Array(32).fill(10) });
    const res = fakeRes();
    await new Promise((resolve, reject) => {
      res.end = (b) => { res.body = String(b); resolve(); };
      mw({ headers: { "payment-signature": paid.payment } }, res, (err) => {
        if (err) return reject(err);
        res.statusCode = 200;
        res.end("content");
      }).catch(reject);
    });
    eq(res.body, "content", "body"); eq(settled.payer, payer, "settled payer");
    const settlement = v.x402DecodeHeader("settle_response", res.headers["PAYMENT-RESPONSE"]);
    eq(JSON.parse(settlement.json).transaction, "0xabc", "PAYMENT-RESPONSE");
  });
  return result();
}
