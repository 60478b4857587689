// Hand-written client and server helpers of the npm package `pay402`, on top of the wasm
// exports. `createHelpers(core)` binds them to one build of the core (Node CJS, Node ESM,
// bundler or web); every protocol decision is made by the core.

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

export function createHelpers(core) {
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
        retry.headers.set(payment.headerName, payment.payment);
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

  // ------------------------------------------------------------------ x402 server
  /** The 402 answer for `accepts` (v2: `PAYMENT-REQUIRED` header and JSON body). */
  function paymentRequired(accepts, options = {}) {
    const x402Version = options.x402Version ?? 2;
    const body = { x402Version, error: options.error ?? "payment required" };
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
    const fail = (code, message) => ({
      ok: false,
      code,
      message,
      ...paymentRequired(accepts, { ...options, error: code }),
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
    return fail(first.e.code, first.e.message);
  }

  /** Edge runtimes: verifies a Fetch `Request`; on failure `response` is the 402 to return. */
  async function verifyRequest(request, accepts, options = {}) {
    const result = verifyPayment(request.headers, accepts, { resourceUrl: request.url, ...options });
    if (result.ok) return result;
    return { ...result, response: new Response(result.body, { status: 402, headers: result.headers }) };
  }

  /**
   * Express-style middleware: answers 402 unless the request carries a payment that verifies
   * against `accepts` (an array, or `(req) => array`); sets `req.x402` and calls `next()`.
   * `options.settle(verified, req)` may settle and return a settlement JSON object, sent back
   * base64-encoded in `PAYMENT-RESPONSE` (v2) / `X-PAYMENT-RESPONSE` (v1).
   */
  function x402Middleware(accepts, options = {}) {
    return async function pay402Middleware(req, res, next) {
      try {
        const offered = typeof accepts === "function" ? await accepts(req) : accepts;
        const result = verifyPayment(req.headers, offered, { resourceUrl: req.originalUrl ?? req.url, ...options });
        if (!result.ok) {
          res.statusCode = 402;
          for (const [k, v] of Object.entries(result.headers)) res.setHeader(k, v);
          res.end(result.body);
          return;
        }
        req.x402 = result.verified;
        if (options.settle) {
          const settlement = await options.settle(result.verified, req);
          if (settlement) {
            const name = result.verified.x402Version === 2 ? "PAYMENT-RESPONSE" : "X-PAYMENT-RESPONSE";
            res.setHeader(name, core.x402EncodeHeader(JSON.stringify(settlement)));
          }
        }
        next();
      } catch (e) {
        next(e);
      }
    };
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
    readPaymentRequired,
    createPayment,
    wrapFetch,
    wrapFetchL402,
    paymentRequired,
    verifyPayment,
    verifyRequest,
    x402Middleware,
    verifyL402,
  };
}
