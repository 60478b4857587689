// Hand-written client and server helpers of the npm package `pay402`, on top of the wasm
// exports; every protocol decision is made by the core. Each factory binds the helpers to one
// build of the core (Node CJS, Node ESM, bundler or web):
//   createVerifyHelpers(core)  the helpers that call only the `x402` feature set (x402Verify,
//                              x402EncodeHeader, x402Decode*): the whole of `pay402/verify`;
//   createHelpers(core)        those plus the paying client and L402: the main entry `pay402`.
// The x402 server adapters (Express, Fetch API / Hono / Next.js / edge) are in ./server/.
import { configFromEnv, serverConfig } from "./server/config.mjs";
import { createGate, memoryReplayStore } from "./server/gate.mjs";
import { createExpressAdapters } from "./server/express.mjs";
import { createFetchAdapters, paymentOf } from "./server/fetch.mjs";

const PAYMENT_HEADERS = ["PAYMENT-SIGNATURE", "X-PAYMENT"];

function codedError(name, code, message) {
  const e = new Error(message);
  e.name = name;
  e.code = code;
  return e;
}

function hexToBytes(text) {
  const digits = text.startsWith("0x") ? text.slice(2) : text;
  if (digits.length % 2 !== 0 || /[^0-9a-fA-F]/.test(digits)) {
    throw codedError("TypeError", "invalid_argument", "expected hex text");
  }
  const out = new Uint8Array(digits.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(digits.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function randomBytes(n) {
  const bytes = new Uint8Array(n);
  globalThis.crypto.getRandomValues(bytes);
  return bytes;
}

const unixNow = () => Math.floor(Date.now() / 1000);

/** A header from a Fetch `Headers`, a Node `IncomingHttpHeaders` or a plain object. */
function headerValue(headers, name) {
  if (!headers) return undefined;
  if (typeof headers.get === "function") return headers.get(name) ?? undefined;
  const wanted = name.toLowerCase();
  for (const key of Object.keys(headers)) {
    if (key.toLowerCase() === wanted) {
      const v = headers[key];
      return Array.isArray(v) ? v.join(", ") : v;
    }
  }
  return undefined;
}

/**
 * The helpers that need only the `x402` feature set of the core (`x402Verify`,
 * `x402EncodeHeader`, `x402DecodeHeader`, `x402DecodeJson`): reading a 402 and the x402 server.
 * `pay402/verify` is exactly these on top of its wasm exports; `createHelpers` includes them.
 */
export function createVerifyHelpers(core) {
  // ------------------------------------------------------------------ x402: reading a 402
  /** The decoded PaymentRequired JSON of a 402 response (v2 header, else v1 body), or null. */
  async function readPaymentRequired(response) {
    const header = response.headers.get("PAYMENT-REQUIRED");
    try {
      if (header) return core.x402DecodeHeader("payment_required", header).json;
      const text = await response.clone().text();
      return core.x402DecodeJson("payment_required", text).json;
    } catch {
      return null;
    }
  }

  // ------------------------------------------------------------------ x402 server
  /** The 402 answer for `accepts` (v2: `PAYMENT-REQUIRED` header and JSON body). */
  function paymentRequired(accepts, options = {}) {
    const x402Version = options.x402Version ?? 2;
    const body = { x402Version, error: options.error ?? "payment required" };
    if (options.detailCode !== undefined) body.detailCode = options.detailCode;
    if (options.message !== undefined) body.message = options.message;
    // v2 names the resource; the request's URL when the caller gave none
    if (x402Version === 2) body.resource = options.resource ?? { url: options.resourceUrl || "/" };
    body.accepts = accepts;
    const json = JSON.stringify(body);
    const headers = { "Content-Type": "application/json" };
    if (x402Version === 2) headers["PAYMENT-REQUIRED"] = core.x402EncodeHeader(json);
    return { status: 402, headers, body: json };
  }

  /**
   * Verifies the payment a request carries against the offered `accepts`. Returns
   * `{ ok: true, verified, requirements }` or `{ ok: false, code, message, status, headers, body }`.
   */
  function verifyPayment(headers, accepts, options = {}) {
    let payment;
    for (const name of PAYMENT_HEADERS) {
      payment = headerValue(headers, name);
      if (payment) break;
    }
    const fail = (code, message, detailCode = null) => ({
      ok: false,
      code,
      detailCode,
      message,
      ...paymentRequired(accepts, { ...options, error: code, detailCode, message }),
    });
    if (!payment) return fail("payment_required", "no payment header");
    const now = (options.now ?? unixNow)();
    let first = null;
    for (const requirements of accepts) {
      try {
        const verified = core.x402Verify(requirements, payment, now, options.policy);
        return { ok: true, verified, requirements };
      } catch (e) {
        if (typeof e.code !== "string") throw e;
        const mismatch = /network_mismatch|accepted_requirements_mismatch|scheme/.test(e.code);
        if (first === null || (first.mismatch && !mismatch)) first = { e, mismatch };
      }
    }
    return fail(first.e.code, first.e.message, first.e.detailCode ?? null);
  }

  /**
   * Edge runtimes: verifies a Fetch `Request` and reserves its replay key in
   * `options.replayStore` (default: one in-memory store per package instance); a payment seen
   * before is refused with `payment_already_used`. On success `release()` frees the key again
   * (call it when the request is not served); on failure `response` is the 402 to return.
   */
  const defaultStore = memoryReplayStore();
  async function verifyRequest(request, accepts, options = {}) {
    const result = verifyPayment(request.headers, accepts, { resourceUrl: request.url, ...options });
    const refuse = (r) => ({ ...r, response: new Response(r.body, { status: 402, headers: r.headers }) });
    if (!result.ok) return refuse(result);
    const store = options.replayStore ?? defaultStore;
    const { verified } = result;
    const now = (options.now ?? unixNow)();
    const key = verified.replayKey ?? new TextEncoder().encode(`svm:${request.headers.get("PAYMENT-SIGNATURE") ?? request.headers.get("X-PAYMENT")}`);
    const ttl = verified.validBefore !== undefined ? Math.max(1, Number(verified.validBefore) + 7 - now) : 127;
    if (!(await store.reserve(key, ttl))) {
      const message = "this payment was already used";
      return refuse({ ok: false, code: "payment_already_used", detailCode: null, message,
        ...paymentRequired(accepts, { resourceUrl: request.url, x402Version: verified.x402Version, ...options, error: "payment_already_used", message }) });
    }
    return { ...result, release: () => store.release(key) };
  }

  /**
   * Express-style middleware (Node `req`/`res`): answers 402 without a valid payment; records the
   * payment's replay key once (`options.replayStore`, default in-memory) before the handler runs;
   * buffers the handler's response and, only when its status is below 400, calls
   * `options.settle(verified, req)` and attaches `PAYMENT-RESPONSE` / `X-PAYMENT-RESPONSE`. A
   * settlement that throws or does not report `success: true` is answered with 402 and the
   * handler's content is never sent (the reference server's behaviour). Without `settle` the
   * middleware only verifies and records (for hosts that settle elsewhere).
   */
  function x402Middleware(accepts, options = {}) {
    const store = options.replayStore ?? memoryReplayStore();
    return async function pay402Middleware(req, res, next) {
      let verified;
      let offered;
      try {
        offered = typeof accepts === "function" ? await accepts(req) : accepts;
        const result = verifyPayment(req.headers, offered, { resourceUrl: req.originalUrl ?? req.url, ...options });
        if (!result.ok) {
          res.statusCode = 402;
          for (const [k, v] of Object.entries(result.headers)) res.setHeader(k, v);
          res.end(result.body);
          return;
        }
        verified = result.verified;
        const header = headerValue(req.headers, "PAYMENT-SIGNATURE") ?? headerValue(req.headers, "X-PAYMENT") ?? "";
        const key = verified.replayKey ?? new TextEncoder().encode(header);
        const ttl = verified.validBefore !== undefined ? Number(verified.validBefore) - unixNow() + 60 : 120;
        let fresh;
        try {
          fresh = await (store.reserve ?? store.insertIfAbsent).call(store, key, Math.max(1, ttl));
        } catch {
          res.statusCode = 503;
          res.setHeader("Content-Type", "application/json");
          res.end(JSON.stringify({ error: "replay_store_unavailable" }));
          return;
        }
        if (!fresh) {
          const answer = paymentRequired(offered, { x402Version: verified.x402Version, ...options, error: "payment_already_used" });
          res.statusCode = 402;
          for (const [k, v] of Object.entries(answer.headers)) res.setHeader(k, v);
          res.end(answer.body);
          return;
        }
        req.x402 = verified;
      } catch (e) {
        next(e);
        return;
      }
      if (!options.settle) {
        next();
        return;
      }
      // Hold the handler's response until it is known whether it succeeded and settled.
      const chunks = [];
      const original = { writeHead: res.writeHead, write: res.write, end: res.end };
      let ended = false;
      res.writeHead = (status, reasonOrHeaders, maybeHeaders) => {
        res.statusCode = status;
        const headers = typeof reasonOrHeaders === "object" ? reasonOrHeaders : maybeHeaders;
        if (headers) for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
        return res;
      };
      res.write = (chunk, encoding, callback) => {
        if (chunk != null && typeof chunk !== "function") chunks.push(Buffer.from(chunk, typeof encoding === "string" ? encoding : undefined));
        if (typeof encoding === "function") encoding();
        else if (typeof callback === "function") callback();
        return true;
      };
      res.end = (chunk, encoding, callback) => {
        if (ended) return res;
        ended = true;
        if (chunk != null && typeof chunk !== "function") chunks.push(Buffer.from(chunk, typeof encoding === "string" ? encoding : undefined));
        finish().catch((e) => {
          res.writeHead = original.writeHead;
          res.write = original.write;
          res.end = original.end;
          if (!res.headersSent) res.statusCode = 500;
          res.end();
          if (typeof options.onError === "function") options.onError(e);
        });
        return res;
      };
      const finish = async () => {
        res.writeHead = original.writeHead;
        res.write = original.write;
        res.end = original.end;
        const body = Buffer.concat(chunks);
        if (res.statusCode >= 400) {
          res.end(body);
          return;
        }
        let settlement;
        try {
          settlement = await options.settle(verified, req);
        } catch (e) {
          settlement = { success: false, errorReason: e?.code ?? "settlement_failed", errorMessage: String(e?.message ?? e) };
        }
        const name = verified.x402Version === 2 ? "PAYMENT-RESPONSE" : "X-PAYMENT-RESPONSE";
        if (settlement) res.setHeader(name, core.x402EncodeHeader(JSON.stringify(settlement)));
        if (!settlement || settlement.success !== true) {
          for (const h of res.getHeaderNames()) if (h !== name.toLowerCase()) res.removeHeader(h);
          res.statusCode = 402;
          res.setHeader("Content-Type", "application/json");
          res.end("{}");
          return;
        }
        res.end(body);
      };
      next();
    };
  }

  const { paymentGate } = createGate(core);
  return {
    readPaymentRequired,
    paymentRequired,
    verifyPayment,
    verifyRequest,
    x402Middleware,
    memoryReplayStore,
    paymentGate,
    serverConfig,
    configFromEnv,
    paymentOf,
    ...createExpressAdapters(paymentGate),
    ...createFetchAdapters(paymentGate),
  };
}

/** The whole helper set of `pay402`: `createVerifyHelpers(core)` plus the client and L402. */
export function createHelpers(core) {
  const verifyHelpers = createVerifyHelpers(core);
  const { readPaymentRequired } = verifyHelpers;

  // ------------------------------------------------------------------ signers
  /** A signer holding a private key (32 bytes or hex text); signs in wasm. */
  function privateKeySigner(privateKey) {
    const key = typeof privateKey === "string" ? hexToBytes(privateKey) : privateKey;
    const address = core.privateKeyToAddress(key);
    return {
      address,
      async signTypedData(_typedData, digest) {
        return core.signDigest(key, digest);
      },
    };
  }

  /** A signer backed by an EIP-1193 wallet (`eth_signTypedData_v4`). */
  function eip1193Signer(provider, address) {
    const checksummed = core.checksumAddress(address);
    return {
      address: checksummed,
      async signTypedData(typedData) {
        return provider.request({
          method: "eth_signTypedData_v4",
          params: [checksummed, JSON.stringify(typedData)],
        });
      },
    };
  }

  // ------------------------------------------------------------------ x402 client
  function offerAmount(paymentRequired, index) {
    const offer = JSON.parse(paymentRequired).accepts[index];
    return BigInt(offer.amount ?? offer.maxAmountRequired);
  }

  /** Selects an offer within `budget`, has `signer` sign it, returns `{headerName, payment, …}`. */
  async function createPayment(paymentRequired, signer, budget, options = {}) {
    const selection = core.x402Select(paymentRequired, {
      networks: budget.networks,
      assets: budget.assets,
      maxAmount: budget.maxAmount,
    });
    const draft = {
      acceptIndex: selection.index,
      from: signer.address,
      now: (options.now ?? unixNow)(),
      nonce: options.nonce ? options.nonce() : randomBytes(32),
    };
    const typed = core.x402TypedData(paymentRequired, draft);
    const signature = await signer.signTypedData(typed.typedData, typed.digest);
    const payment = core.x402WalletSign(paymentRequired, { ...draft, signature });
    return { ...payment, selection, amount: offerAmount(paymentRequired, selection.index) };
  }

  /**
   * Wraps `fetch`: a 402 carrying x402 requirements is answered once by selecting an offer
   * within `budget`, signing it with `signer` and retrying with the payment header. With
   * `options.l402` a 402 carrying an L402 challenge is paid through `options.l402.payInvoice`.
   */
  function wrapFetch(fetchFn, signer, budget, options = {}) {
    let spent = 0n;
    return async function fetchWithPayment(input, init) {
      const request = new Request(input, init);
      const retry = request.clone();
      const response = await fetchFn(request);
      if (response.status !== 402) return response;
      const required = signer ? await readPaymentRequired(response) : null;
      if (required !== null) {
        const payment = await createPayment(required, signer, budget, options);
        if (budget.total !== undefined && spent + payment.amount > BigInt(budget.total)) {
          throw codedError("X402Error", "budget_exhausted", "the total budget does not cover this payment");
        }
        spent += payment.amount;
        retry.headers.set(payment.headerName, payment.headerValue);
        if (payment.headerName === "PAYMENT-SIGNATURE") {
          retry.headers.set("Access-Control-Expose-Headers", "PAYMENT-RESPONSE,X-PAYMENT-RESPONSE");
        }
        return fetchFn(retry);
      }
      if (options.l402) return payL402(fetchFn, response, retry, options.l402);
      return response;
    };
  }

  // ------------------------------------------------------------------ L402 client
  async function payL402(fetchFn, response, retry, l402) {
    const values = response.headers.get("WWW-Authenticate");
    if (!values) return response;
    let challenges;
    try {
      challenges = core.l402ParseChallenges(values);
    } catch {
      return response;
    }
    const challenge = challenges.find((c) => c.scheme === "L402") ?? challenges[0];
    if (!challenge) return response;
    const policy = {
      network: l402.network,
      budgetMsat: l402.budgetMsat,
      now: (l402.now ?? unixNow)(),
      scheme: challenge.scheme,
    };
    const payable = core.l402CheckChallenge(challenge, policy);
    let preimage = await l402.payInvoice(payable.invoice, payable);
    if (typeof preimage === "string") preimage = hexToBytes(preimage);
    retry.headers.set("Authorization", core.l402Authorization(challenge, preimage, policy));
    return fetchFn(retry);
  }

  /** Wraps `fetch` to pay L402 challenges with `payInvoice(invoice) → preimage`. */
  function wrapFetchL402(fetchFn, l402) {
    return wrapFetch(fetchFn, null, null, { l402 });
  }

  // ------------------------------------------------------------------ L402 server
  /** Verifies the `Authorization` of a request for `target` ({service, capability?, now?}). */
  function verifyL402(headers, rootKey, target) {
    const authorization = headerValue(headers, "Authorization");
    if (!authorization) throw codedError("L402Error", "invalid_credential", "no Authorization header");
    return core.l402Verify(authorization, rootKey, { now: unixNow(), ...target });
  }

  return {
    privateKeySigner,
    eip1193Signer,
    createPayment,
    wrapFetch,
    wrapFetchL402,
    ...verifyHelpers,
    verifyL402,
  };
}
