// API safety of the installed package, in Node: (1) use after `free()` — for every class each
// entry exports (found by looking, so a new class without a maker here fails), every method,
// getter and the class as an argument throw a `TypeError` with code `object_freed` once the
// object is freed, and a second `free()` does nothing; (2) calls that type-check under the
// published types but are wrong (each row names the declared parameter type it satisfies):
// each either works or throws an `Error` with a string `code` (never an uncoded TypeError or
// SyntaxError).
//   node api-safety.mjs        (run in a project with pay402 installed; exits 1 on a failure)
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import * as main from "pay402";
import * as verify from "pay402/verify";
import * as web from "pay402/web";
import * as verifyWeb from "pay402/verify/web";
import * as settle from "pay402/settle";
import { harness } from "./harness.mjs";

const require = createRequire(import.meta.url);
const root = require.resolve("pay402/package.json").replace("package.json", "");
web.initSync({ module: readFileSync(root + "web/pay402_bg.wasm") });
verifyWeb.initSync({ module: readFileSync(root + "verify/web/pay402_bg.wasm") });
const cjs = require("pay402");
const verifyCjs = require("pay402/verify");

const { t, eq, result } = harness();
const KEY = new Uint8Array(32).fill(0x11);
const USDC = "0x036CbD53842c5426634e7929541eC2318f3dCF7e";
const PAY_TO = "0x209693Bc6afc0C5328bA36FaF03C514EF312287C";
const NOW = 1740672100;
const OFFER = { scheme: "exact", network: "eip155:84532", amount: "10000", asset: USDC, payTo: PAY_TO,
  maxTimeoutSeconds: 60, extra: { name: "USDC", version: "2" } };
const TERMS = { network: "eip155:84532", amount: 10000n, payTo: PAY_TO, eip712Name: "USDC", eip712Version: "2" };
const REQUIRED = { x402Version: 2, resource: { url: "https://api.example.com/x" }, accepts: [OFFER] };

// One live instance of each class, made through the entry `p`.
function admitted(p) {
  const server = new p.X402Server([TERMS], { url: "https://api.example.com/x" });
  const [, header] = server.challenge(null).headers.find(([n]) => n === "PAYMENT-REQUIRED");
  const required = JSON.parse(atob(header));
  const signed = main.x402Sign(required, { privateKey: KEY, now: NOW, nonce: new Uint8Array(32).fill(3) });
  const a = server.admit([[signed.headerName, signed.headerValue]], NOW);
  if (!a.admitted) throw new Error(`not admitted: ${a.code}`);
  return { server, a };
}
const makers = {
  X402Server: (p) => new p.X402Server([TERMS], { url: "https://api.example.com/x" }),
  X402Admitted: (p) => admitted(p).a,
  X402Exchange: (p) => { const { server, a } = admitted(p); return server.exchange(a); },
  ClientBudget: (p) => p.ClientBudget.anyAsset({ perRequest: 10n, total: 100n }),
  BudgetReservation: (p) => p.ClientBudget.anyAsset({ perRequest: 10n, total: 100n }).reserve("eip155:84532", USDC, 5n, NOW),
  X402Client: (p) => new p.X402Client({ networks: ["eip155:84532"], evmAssets: [USDC] }, p.ClientBudget.anyAsset({ perRequest: 10_000n, total: 100_000n })),
  X402ChosenOffer: (p) => {
    const client = new p.X402Client({ networks: ["eip155:84532"], evmAssets: [USDC] }, p.ClientBudget.anyAsset({ perRequest: 10_000n, total: 100_000n }));
    return client.choose([["PAYMENT-REQUIRED", btoa(JSON.stringify(REQUIRED))]], "", NOW);
  },
  L402Server: (p) => new p.L402Server({ service: "svc", priceMsat: 17_000, network: "bitcoin", secret: new Uint8Array(32).fill(7) }),
  OffersServer: (p) => new p.OffersServer({ offers: [{ id: "offer_0001", title: "Pro", description: "2 credits", type: "top-up",
    balance: 2, amount: 10, currency: "USD", payment_methods: ["lightning"] }], paymentRequestUrl: "https://a.example/pr",
    webhookSecret: "whsec", secret: new Uint8Array(32).fill(9) }),
  Ws402Meter: (p) => new p.Ws402Meter({ pricePerSecond: 10n, paid: 300n, maxSessionSeconds: 3600 }, 1_000_000),
  Ws402TariffMeter: (p) => new p.Ws402TariffMeter({ perSecond: 10n, perByteOut: 1n, paid: 300n, maxSessionSeconds: 3600 }, 1_000_000),
  Ws402Server: (p) => new p.Ws402Server([TERMS], { url: "wss://api.example.com/ws" }, { pricePerSecond: 10n, maxSessionSeconds: 3600 }),
  Ws402Session: (p) => makers.Ws402Server(p).accept(1_000_000, new Uint8Array(16).fill(7)),
  Ws402ClientSession: (p) => new p.Ws402ClientSession(300n, 1n),
  EvmSettlement: (p) => new p.EvmSettlement("eip155:84532", PAY_TO, "eip3009"),
  SvmSettlement: (p) => new p.SvmSettlement("solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1", "2wKupLR9q6wXYppw8Gr2NvWxKBUqm4PPJKkQfoxHDBg4"),
  RefundOrder: (p) => p.refundOrderForSession(new Uint8Array(16).fill(7), "eip155:84532", "0x036CbD53842c5426634e7929541eC2318f3dCF7e", PAY_TO, 5n),
  PaywallPage: (p) => new p.PaywallPage('<html lang="{{pay402.lang}}"><title>{{pay402.title}}</title>{{pay402.theme}}' +
    '<meta name="pay402-page" content="{{pay402.data}}">{{pay402.summary}}</html>', {}),
  Refund: (p) => new p.Refund(p.refundOrderForSession(new Uint8Array(16).fill(7), "eip155:84532", "0x036CbD53842c5426634e7929541eC2318f3dCF7e", PAY_TO, 5n)),
};
// A method or class taking an instance of another class, to pass a freed one to.
const takers = {
  X402Admitted: (p, freed) => makers.X402Server(p).exchange(freed),
  ClientBudget: (p, freed) => new p.X402Client({ networks: ["eip155:84532"], evmAssets: [USDC] }, freed),
  X402ChosenOffer: (p, freed) => makers.X402Client(p).reserve(freed, NOW),
};

function isFreedError(e) {
  return e instanceof TypeError && e.code === "object_freed";
}
function expectFreed(what, fn) {
  let threw;
  try {
    fn();
  } catch (e) {
    threw = e;
  }
  if (!threw) throw new Error(`${what}: did not throw`);
  if (!isFreedError(threw)) throw new Error(`${what}: threw ${threw?.name} ${threw?.code}: ${threw?.message}`);
}

const entries = [["pay402 (import)", main], ["pay402 (require)", cjs], ["pay402/web", web],
  ["pay402/verify (import)", verify], ["pay402/verify (require)", verifyCjs], ["pay402/verify/web", verifyWeb]];
let classesSeen = 0;
for (const [entry, p] of entries) {
  const classes = Object.entries(p).filter(([, v]) => typeof v === "function" && typeof v.prototype?.free === "function");
  await t(`${entry}: exports classes, each with a maker here`, () => {
    if (classes.length === 0) throw new Error("no class found");
    const missing = classes.map(([n]) => n).filter((n) => !makers[n]);
    if (missing.length) throw new Error(`no maker for ${missing.join(", ")}`);
  });
  for (const [name, cls] of classes) {
    if (!makers[name]) continue;
    classesSeen++;
    await t(`${entry}: ${name} after free() throws object_freed, for every member`, () => {
      const obj = makers[name](p);
      if (!(obj instanceof cls)) throw new Error("the maker did not make one");
      obj.free();
      let members = 0;
      for (const key of Object.getOwnPropertyNames(cls.prototype)) {
        if (key === "constructor" || key === "free" || key === "__destroy_into_raw" || key === "__wbg_ptr") continue;
        const d = Object.getOwnPropertyDescriptor(cls.prototype, key);
        if (typeof d.value === "function") expectFreed(`${name}.${key}()`, () => obj[key]());
        else if (d.get) expectFreed(`${name}.${key}`, () => obj[key]);
        else continue;
        members++;
      }
      if (members === 0) throw new Error("no member checked");
      obj.free(); // a second free is nothing
      if (typeof obj[Symbol.dispose] === "function") obj[Symbol.dispose]();
    });
    if (takers[name]) {
      await t(`${entry}: a freed ${name} as an argument throws object_freed`, () => {
        const obj = makers[name](p);
        obj.free();
        expectFreed(`passing a freed ${name}`, () => takers[name](p, obj));
      });
    }
  }
}
await t("Symbol.dispose: a `using`-style dispose frees once, then members throw object_freed", () => {
  const m = makers.Ws402Meter(main);
  m[Symbol.dispose]();
  expectFreed("Ws402Meter.toRecord()", () => m.toRecord());
  m.free();
});
await t("a live object still works after the guard (Ws402Meter record round trip)", () => {
  const m = makers.Ws402Meter(main);
  const again = main.Ws402Meter.fromRecord(m.toRecord());
  eq(again.consumed, m.consumed, "consumed");
  m.free(); again.free();
});

// ---------------------------------------------------------------- wrong but type-valid calls
// Each call satisfies the published declaration (the comment says which) and is wrong; it must
// work or throw an Error with a string `code`.
const signer = main.privateKeySigner(KEY);
const budget = { networks: ["eip155:84532"], assets: [USDC], maxAmount: 10_000n };
const fetch402 = async () => new Response("{}", { status: 402 });
/** A fetch answering every request with the 402 of an X402Server selling `terms`, or `paid` for a paid retry. */
function seller(terms, paid = () => new Response("{}", { status: 402 })) {
  const server = new main.X402Server([terms], { url: "http://127.0.0.1/x" });
  const { status, headers, body } = server.challenge(null);
  server.free();
  return async (request) => (request.headers.has("PAYMENT-SIGNATURE") ? paid(request)
    : new Response(body, { status, headers }));
}
const html = async () => new Response("<html>bad gateway</html>", { status: 502 });
const settleSigner = settle.privateKeySigner("0x" + "11".repeat(32));
const SIGNED_PAYLOAD = JSON.parse(main.x402HeaderToJson(main.x402Sign(REQUIRED,
  { privateKey: KEY, now: NOW, nonce: new Uint8Array(32).fill(5) }).headerValue));
/** A local settlement on eip155:84532 over `fetch` (default: a closed port), verifying at NOW. */
const settling = (fetchFn) => settle.localSettlement({ network: "eip155:84532", signer: settleSigner, now: () => NOW,
  rpc: { urls: ["http://127.0.0.1:1/"], timeoutMs: 2_000, ...(fetchFn ? { fetch: fetchFn } : {}) } });
const SOLANA = "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1";
const SVM_OFFER = { scheme: "exact", network: SOLANA, amount: "10000", asset: "4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU",
  payTo: "AKSQxLCef2dEpkNCBccBzHxnL5NNBJNc3BeTMh5hp2P2", maxTimeoutSeconds: 60, extra: { feePayer: main.svmPublicKey(KEY) } };
/** A Solana local settlement with KEY as its fee payer, over a closed port. */
const svmSettling = () => settle.localSvmSettlement({ network: SOLANA, feePayer: KEY, now: () => NOW,
  rpc: { urls: ["http://127.0.0.1:1/"], timeoutMs: 2_000 } });
const calls = {
  // wrapFetch(…)(input): the paying path, each failure coded
  "wrapFetch: a 402 whose PAYMENT-REQUIRED is junk": async () =>
    eq((await main.wrapFetch(async () => new Response("junk", { status: 402, headers: { "PAYMENT-REQUIRED": "%%%" } }), signer, budget)("http://127.0.0.1/x")).status, 402, "status"),
  "wrapFetch: the paid retry refused with an empty body": () => main.wrapFetch(seller(TERMS), signer, budget)("http://127.0.0.1/x"),
  "wrapFetch: an offer dearer than the budget": () => main.wrapFetch(seller({ ...TERMS, amount: 10_001n }), signer, budget)("http://127.0.0.1/x"),
  "wrapFetch: a Signer whose signTypedData returns junk": () =>
    main.wrapFetch(seller(TERMS), { address: signer.address, signTypedData: async () => "junk" }, budget)("http://127.0.0.1/x"),
  "wrapFetch: Permit2, the allowance over an RPC that answers HTML": () =>
    main.wrapFetch(seller({ ...TERMS, transferMethod: "permit2" }), signer, budget, { evmRpcUrl: "http://127.0.0.1:1/", rpcFetch: html })("http://127.0.0.1/x"),
  "wrapFetch: Permit2, the allowance over an RPC that answers null": () =>
    main.wrapFetch(seller({ ...TERMS, transferMethod: "permit2" }), signer, budget,
      { evmRpcUrl: "http://127.0.0.1:1/", rpcFetch: async () => Response.json(null) })("http://127.0.0.1/x"),
  "wrapFetch: Permit2, eth_call answers a result that is no number": () =>
    main.wrapFetch(seller({ ...TERMS, transferMethod: "permit2" }), signer, budget,
      { evmRpcUrl: "http://127.0.0.1:1/", rpcFetch: async () => Response.json({ jsonrpc: "2.0", id: 1, result: "lots" }) })("http://127.0.0.1/x"),
  "wrapFetch: Permit2, the allowance callback answers \"lots\"": () =>
    main.wrapFetch(seller({ ...TERMS, transferMethod: "permit2" }), signer, budget, { allowance: () => "lots" })("http://127.0.0.1/x"),
  // createPayment(paymentRequired: PaymentRequiredInput, …): the parsed object works
  "createPayment(object)": async () => {
    const pay = await main.createPayment(REQUIRED, signer, budget, { now: () => NOW });
    eq(pay.headerName, "PAYMENT-SIGNATURE", "headerName");
    pay.reservation.release();
  },
  "createPayment(text that is not JSON)": () => main.createPayment("not json", signer, budget),
  "createPayment({}) (a Record<string, unknown>)": () => main.createPayment({}, signer, budget),
  "createPayment(a 402 with an empty accepts)": () => main.createPayment({ x402Version: 2, accepts: [] }, signer, budget),
  "createPayment(…, Budget without maxAmount or clientBudget)": () => main.createPayment(REQUIRED, signer, { networks: [], assets: [] }),
  "createPayment(…, Budget with a network name nobody knows)": () => main.createPayment(REQUIRED, signer, { ...budget, networks: ["nowhere"] }),
  "createPayment(…, Signer whose signTypedData returns junk)": () =>
    main.createPayment(REQUIRED, { address: signer.address, signTypedData: async () => "0x1234" }, budget, { now: () => NOW }),
  "createPayment(…, Signer with a malformed address)": () =>
    main.createPayment(REQUIRED, { address: "0x12", signTypedData: signer.signTypedData }, budget, { now: () => NOW }),
  // wrapFetch(fetch, signer: Signer | null, budget: Budget | null): null budget answers the 402 unpaid
  "wrapFetch(fetch, signer, null)": async () => eq((await main.wrapFetch(fetch402, signer, null)("http://127.0.0.1/")).status, 402, "status"),
  "wrapFetch(fetch, null, budget)": async () => eq((await main.wrapFetch(fetch402, null, budget)("http://127.0.0.1/")).status, 402, "status"),
  "wrapFetch(fetch, signer, Budget without maxAmount)": () => main.wrapFetch(fetch402, signer, { networks: [], assets: [] }),
  "wrapFetch(fetch, signer, Budget with an unknown network)": () => main.wrapFetch(fetch402, signer, { ...budget, networks: ["nowhere"] }),
  "wrapFetch(fetch, signer, Budget with an asset that is no address)": () => main.wrapFetch(fetch402, signer, { ...budget, assets: ["0x12"] }),
  "wrapFetchL402(fetch, L402Payer without budgetMsat)": () =>
    main.wrapFetchL402(fetch402, { network: "bitcoin", payInvoice: async () => new Uint8Array(32) }),
  // privateKeySigner(privateKey: Uint8Array | string)
  "privateKeySigner(\"zz\")": () => main.privateKeySigner("zz"),
  "privateKeySigner(5 bytes)": () => main.privateKeySigner(new Uint8Array(5)),
  "privateKeySigner(32 zero bytes)": () => main.privateKeySigner(new Uint8Array(32)),
  // eip1193Signer(provider, address: string)
  "eip1193Signer(provider, \"not an address\")": () => main.eip1193Signer({ request: async () => "0x" }, "not an address"),
  // readPaymentRequired(response: Response): null for anything else
  "readPaymentRequired(200 with junk)": async () => eq(await main.readPaymentRequired(new Response("junk")), null, "result"),
  // paymentRequired(accepts: object[])
  "paymentRequired([])": () => main.paymentRequired([]),
  "paymentRequired([{}])": () => main.paymentRequired([{}]),
  "paymentRequired([offer], { x402Version: 1 })": () => main.paymentRequired([OFFER], { x402Version: 1 }),
  // verifyPayment(headers: HeadersLike, accepts: object[]): refusals are results
  "verifyPayment({}, [offer])": () => eq(main.verifyPayment({}, [OFFER]).ok, false, "ok"),
  "verifyPayment({ 'payment-signature': junk }, [offer])": () => eq(main.verifyPayment({ "payment-signature": "junk" }, [OFFER]).ok, false, "ok"),
  "verifyPayment({ 'payment-signature': header }, [{}])": () =>
    main.verifyPayment({ "payment-signature": main.x402Sign(REQUIRED, { privateKey: KEY, now: NOW, nonce: new Uint8Array(32) }).headerValue }, [{}]),
  "verifyRequest(request, [])": () => main.verifyRequest(new Request("http://127.0.0.1/"), []),
  // x402Middleware(accepts: object[] | …)
  "x402Middleware([{}])": () => main.x402Middleware([{}]),
  // the server adapters: a config that is wrong is `invalid_config` when the middleware is made
  "pay({})": () => main.pay({ env: false }),
  "paywall({ offers: [] })": () => main.paywall({ offers: [], env: false }),
  "withPayment(handler, { price: \"ten\" })": () => main.withPayment(async () => new Response(), { price: "ten", payTo: PAY_TO, network: "eip155:84532", env: false, facilitatorUrl: "http://127.0.0.1/" }),
  "honoPaywall({ offers: [{ network: \"nowhere\", … }] })": () =>
    main.honoPaywall({ offers: [{ network: "nowhere", amount: 1n, payTo: PAY_TO }], env: false, facilitatorUrl: "http://127.0.0.1/" }),
  "serverConfig({ facilitatorUrl: \"not a url\" })": () => main.serverConfig({ price: "$0.01", payTo: PAY_TO, network: "eip155:84532", facilitatorUrl: "not a url" }, false),
  "configFromEnv({ PAY402_AMOUNT: \"-1\" })": () => main.configFromEnv({ PAY402_AMOUNT: "-1" }),
  "paymentGate({})": () => main.paymentGate({ env: false }),
  // L402
  "verifyL402({}, key, { service })": () => main.verifyL402({}, KEY, { service: "svc" }),
  "verifyL402({ authorization: junk }, 5 bytes, { service })": () => main.verifyL402({ authorization: "L402 junk:junk" }, new Uint8Array(5), { service: "svc" }),
  "l402Paywall({ …, invoiceProvider missing at run time })": () =>
    main.l402Paywall({ service: "svc", priceMsat: 1, network: "bitcoin", secret: KEY, invoiceProvider: undefined }),
  "withL402(handler, { secret: 5 bytes })": () =>
    main.withL402(async () => new Response(), { service: "svc", priceMsat: 1, network: "bitcoin", secret: new Uint8Array(5), invoiceProvider: () => ({ bolt11: "", paymentHash: "" }) }),
  // the memory replay store
  "memoryReplayStore().reserve(key, -1)": () => main.memoryReplayStore().reserve("k", -1),
  // the wasm exports: numbers in range but wrong, text that is not the format
  "x402Verify(offer, junk, now)": () => main.x402Verify(OFFER, "junk", NOW),
  "x402Verify(offer, header, -1)": () => main.x402Verify(OFFER, "junk", -1),
  "x402Verify(offer, header, NaN)": () => main.x402Verify(OFFER, "junk", Number.NaN),
  "x402Select(\"{\", policy)": () => main.x402Select("{", { networks: [], assets: [], maxAmount: 1n }),
  "x402DecodeHeader(\"payment_required\", junk)": () => main.x402DecodeHeader("payment_required", "%%%"),
  "new Ws402Meter(config, -1)": () => new main.Ws402Meter({ pricePerSecond: 10n, paid: 300n, maxSessionSeconds: 3600 }, -1),
  "Ws402Meter.fromRecord(junk)": () => main.Ws402Meter.fromRecord(new Uint8Array(3)),
  "new Ws402TariffMeter({ perByteIn: -1n }, 0)": () => new main.Ws402TariffMeter({ perByteIn: -1n, paid: 300n, maxSessionSeconds: 3600 }, 0),
  "new Ws402TariffMeter({ deadlineMs: 1.5 }, 0)": () => new main.Ws402TariffMeter({ paid: 300n, maxSessionSeconds: 3600, deadlineMs: 1.5 }, 0),
  "Ws402TariffMeter.onEvent(0, \"resume\") while running": () => makers.Ws402TariffMeter(main).onEvent(0, "resume"),
  "Ws402TariffMeter.onEvent(0, \"bytes_out\") without n": () => makers.Ws402TariffMeter(main).onEvent(0, "bytes_out"),
  "Ws402TariffMeter.maySend(0, -1)": () => makers.Ws402TariffMeter(main).maySend(0, -1),
  "new Ws402Server(offers, resource, { pricePerSecond: -1n })": () => new main.Ws402Server([TERMS], { url: "wss://a/" }, { pricePerSecond: -1n, maxSessionSeconds: 60 }),
  "new Ws402Server(offers, resource, { unknown })": () => new main.Ws402Server([TERMS], { url: "wss://a/" }, { pricePerSecond: 1n, maxSessionSeconds: 60, pricePerHour: 1n }),
  "Ws402Server.accept(0, 3 bytes)": () => makers.Ws402Server(main).accept(0, new Uint8Array(3)),
  "Ws402Session.reserved(0, \"maybe\")": () => makers.Ws402Session(main).reserved(0, "maybe"),
  "Ws402Session.refunded(0, \"confirmed\") out of order": () => makers.Ws402Session(main).refunded(0, "confirmed"),
  "Ws402Session.closed(0, 70000)": () => makers.Ws402Session(main).closed(0, 70000),
  "Ws402Session.settled(0, 5)": () => makers.Ws402Session(main).settled(0, 5),
  "Ws402Server.withSecret(3 bytes)": () => makers.Ws402Server(main).withSecret(new Uint8Array(3)),
  "Ws402Server.recover(record, 0) without a secret": () => makers.Ws402Server(main).recover(new Uint8Array(64), 0),
  "Ws402Server.recover(junk record, 0)": () => makers.Ws402Server(main).withSecret(new Uint8Array(32).fill(5)).recover(new Uint8Array(7), 0),
  "Ws402Server.grantCheck(junk, url, null, 0)": () => makers.Ws402Server(main).withSecret(new Uint8Array(32).fill(5)).grantCheck("WS402 junk", "https://a/", null, 0),
  "Ws402Session.persisted(0, true) out of order": () => makers.Ws402Session(main).persisted(0, true),
  "Ws402Session.loaded(0, null) out of order": () => makers.Ws402Session(main).loaded(0, null),
  "Ws402Session.loaded(0, 5)": () => makers.Ws402Session(main).loaded(0, 5),
  "Ws402Session.rpcResponse(0, 5)": () => makers.Ws402Session(main).rpcResponse(0, 5),
  "Ws402Session.rpcResponse(0, null) out of order": () => makers.Ws402Session(main).rpcResponse(0, null),
  "Ws402Server.schemaAt(url, 0, 3 bytes)": () => makers.Ws402Server(main).schemaAt("wss://a/", 0, new Uint8Array(3)),
  "new Ws402Server(offers, resource, { chainProof: { unknown } })": () => new main.Ws402Server([TERMS], { url: "wss://a/" },
    { pricePerSecond: 1n, maxSessionSeconds: 60, chainProof: { chainId: 8453, payTo: "0x209693Bc6afc0C5328bA36FaF03C514EF312287C", rpc: "x" } }),
  "new Ws402Server(offers, resource, { chainProof: { payTo: junk } })": () => new main.Ws402Server([TERMS], { url: "wss://a/" },
    { pricePerSecond: 1n, maxSessionSeconds: 60, chainProof: { chainId: 8453, payTo: "0x12" } }),
  "new Ws402ClientSession(-1n, 1n)": () => new main.Ws402ClientSession(-1n, 1n),
  "new Ws402ClientSession(2n ** 256n, 1n)": () => new main.Ws402ClientSession(2n ** 256n, 1n),
  "Ws402ClientSession.onText(42)": () => makers.Ws402ClientSession(main).onText(42),
  "Ws402ClientSession.onText(usage before the start)": () => makers.Ws402ClientSession(main).onText('{"type":"balance_exhausted"}'),
  "Ws402ClientSession.onText(invalid UTF-8)": () => makers.Ws402ClientSession(main).onText(new Uint8Array([0x7b, 0xff, 0x7d])),
  "ClientBudget.add(network, asset, { perRequest: -1n })": () => new main.ClientBudget().add("eip155:84532", USDC, { perRequest: -1n }),
  "new X402Server([], resource)": () => new main.X402Server([], { url: "/" }),
  "new L402Server({ secret: 5 bytes })": () => new main.L402Server({ service: "svc", priceMsat: 1, network: "bitcoin", secret: new Uint8Array(5) }),
  // pay402/settle: wrong settings, wrong payments, an RPC answering junk (nothing listens on port 1)
  "settle: evmJsonRpc({ urls: [] })": () => settle.evmJsonRpc({ urls: [] }),
  "settle: privateKeySigner(\"0x12\")": () => settle.privateKeySigner("0x12"),
  "settle: privateKeySigner({ env: unset })": () => settle.privateKeySigner({ env: "PAY402_API_SAFETY_UNSET" }),
  "settle: localSettlement({ network: \"base\" })": () => settle.localSettlement({ network: "base", rpc: "http://127.0.0.1:1/", signer: settleSigner }),
  "settle: settlePayment(\"not json\", offer)": () => settling().settlePayment("not json", OFFER),
  "settle: settlePayment({}, offer)": () => settling().settlePayment({}, OFFER),
  "settle: settlePayment(payment, offer, \"lots\")": () => settling().settlePayment(SIGNED_PAYLOAD, OFFER, "lots"),
  "settle: settlePayment(payment, offer on another network)": () => settling().settlePayment(SIGNED_PAYLOAD, { ...OFFER, network: "eip155:1" }),
  "settle: settlePayment(payment, offer) over an RPC answering HTML": () => settling(html).settlePayment(SIGNED_PAYLOAD, OFFER),
  "settle: settlePayment(payment, offer) over an RPC answering \"lots\"": () =>
    settling(async () => Response.json({ jsonrpc: "2.0", id: 1, result: "lots" })).settlePayment(SIGNED_PAYLOAD, OFFER),
  "settle: settle(\"junk\")": () => settling().settle("junk"),
  "settle: settle(3 bytes)": () => settling().settle(new Uint8Array(3)),
  "settle: checkChain() over a closed port": () => settling().checkChain(),
  // pay402/settle, Solana: wrong settings and payments (refused offline, before any RPC call)
  "settle: localSvmSettlement({ network: \"solana\" })": () => settle.localSvmSettlement({ network: "solana", rpc: "http://127.0.0.1:1/", feePayer: KEY }),
  "settle: localSvmSettlement({ feePayer: \"0x12\" })": () => settle.localSvmSettlement({ network: SOLANA, rpc: "http://127.0.0.1:1/", feePayer: "0x12" }),
  "settle: solanaJsonRpc({ urls: [\"ftp://x\"] })": () => settle.solanaJsonRpc({ urls: ["ftp://x"] }),
  "settle: Solana settlePayment(\"not json\", offer)": () => svmSettling().settlePayment("not json", SVM_OFFER),
  "settle: Solana settlePayment(an EVM payment, Solana offer)": () => svmSettling().settlePayment(SIGNED_PAYLOAD, SVM_OFFER),
  "settle: Solana settle(3 bytes)": () => svmSettling().settle(new Uint8Array(3)),
  // PayPer402 challenges
  "payper402Challenge({ amount: -1n })": () => main.payper402Challenge({ realm: "r", amount: -1n, decimals: 6, currency: "USDC", network: "Solana" }),
  "payper402Challenge({ decimals: 300 })": () => main.payper402Challenge({ realm: "r", amount: 1n, decimals: 300, currency: "USDC", network: "Solana" }),
  "parsePayper402Challenge(\"Bearer amount=x\", 6)": () => main.parsePayper402Challenge("Bearer amount=x", 6),
  "parsePayper402Challenge(challenge, -1)": () => main.parsePayper402Challenge('Bearer amount="1"', -1),
};
const outcomes = [];
for (const [name, call] of Object.entries(calls)) {
  await t(`type-valid but wrong: ${name} works or throws a coded Error`, async () => {
    try {
      const out = call();
      if (out && typeof out.then === "function") await out;
      outcomes.push(`${name}: works`);
    } catch (e) {
      if (!(e instanceof Error)) throw new Error(`threw a non-Error: ${String(e)}`);
      if (typeof e.code !== "string" || e.code === "") throw new Error(`uncoded ${e.name}: ${e.message}`);
      outcomes.push(`${name}: ${e.name} ${e.code}`);
    }
  });
}

const r = result();
for (const line of r.lines) console.log(line);
for (const line of outcomes) console.log(`  ${line}`);
console.log(`api-safety: ${classesSeen} classes over ${entries.length} entries; ${r.passed} passed, ${r.failed} failed`);
process.exit(r.failed === 0 && classesSeen > 0 ? 0 : 1);
