// The selling side of the Fewsats offers flow (https://github.com/l402-protocol/l402, v0.2.2) for
// Node: a framework-neutral paywall and a `node:http` request listener around it.
//
// 1. a protected request without `Authorization: Bearer <payment_context_token>` gets 402 with
//    the offers body (a fresh, server-signed token);
// 2. `POST <paymentRequestPath>` {offer_id, payment_method, payment_context_token} is answered
//    with the details your provider returns (invoice, address or checkout URL) and `expires_at`;
// 3. `POST <webhookPath>` signed `Fewsats-Signature: t=…,v1=…` (HMAC-SHA256 of "<t>.<raw body>",
//    checked in constant time) credits the grant to the token's ledger record exactly once;
// 4. the retry with the token is decided by the ledger (one-time, credits, subscription).
//
// Every status, header, body, verdict and expiry comes from the core (`OffersServer`, wasm);
// this module only moves bytes, keeps records and replay keys, and calls your provider.
import { randomBytes } from "node:crypto";
import { OffersServer } from "./index.mjs";

/** An in-process store: records by token, single-use webhook keys, one async lock. */
export function memoryOffersStore() {
  const records = new Map();
  const keys = new Map();
  let tail = Promise.resolve();
  return {
    atomic(fn) {
      const run = tail.then(() => fn());
      tail = run.then(() => undefined, () => undefined);
      return run;
    },
    async get(token) {
      return records.get(token) ?? null;
    },
    async put(token, record) {
      records.set(token, Uint8Array.from(record));
    },
    async claim(key, expiresAt, now) {
      for (const [k, exp] of keys) if (exp <= now) keys.delete(k);
      if (keys.has(key)) return false;
      keys.set(key, expiresAt);
      return true;
    },
  };
}

const header = (headers, name) => {
  const v = headers?.[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v ?? undefined;
};

const response = (reply) => ({ status: reply.status, headers: reply.headers, body: reply.body, error: reply.error });

/**
 * The framework-neutral paywall. `handle({method, path, headers, body})` resolves to a response
 * `{status, headers, body}` to send, `{serve: true, token, access}` (serve the resource), or
 * `null` (not a route of this paywall). `headers` are lower-case keyed (as `node:http` gives them).
 */
export function createOffersPaywall(options) {
  const {
    offers, protect, paymentRequestUrl, webhookSecret, secret, paymentDetails,
    store = memoryOffersStore(), paymentRequestPath = "/payment-request", webhookPath = "/offers/webhook",
    termsUrl, webhookToleranceSeconds, paymentRequestLifetimeSeconds,
    clock = () => Date.now() / 1000, random = (n) => randomBytes(n),
  } = options ?? {};
  if (typeof paymentDetails !== "function") throw new TypeError("`paymentDetails`: expected a function");
  const server = new OffersServer({
    offers, paymentRequestUrl, webhookSecret, secret, termsUrl, webhookToleranceSeconds, paymentRequestLifetimeSeconds,
  });
  const protectedPaths = new Set(protect ?? []);
  const now = () => Math.floor(clock());

  async function request(authorization) {
    const account = server.account(authorization);
    if (account !== null && typeof account === "object") return response(account);
    return store.atomic(async () => {
      const record = account === null ? null : await store.get(account);
      const outcome = server.request(authorization, record ?? undefined, now(), random(16));
      if (outcome.kind === "reply") return response(outcome);
      if (outcome.record) await store.put(outcome.token, outcome.record);
      return { serve: true, token: outcome.token, access: outcome.access };
    });
  }

  async function paymentRequest(body) {
    const ask = server.paymentRequest(body);
    if (ask.kind === "reply") return response(ask);
    const details = await paymentDetails(ask);
    return response(server.paymentRequestReply(body, details ?? {}, now()));
  }

  async function webhook(signature, body) {
    const at = now();
    const verdict = server.webhook(signature, body, at);
    if (verdict.kind === "reply") return response(verdict);
    return store.atomic(async () => {
      const credited = OffersServer.credit((await store.get(verdict.token)) ?? undefined, verdict.grant, verdict.paidAt);
      if (!(credited instanceof Uint8Array)) return response(credited);
      if (!(await store.claim(verdict.replayKey, verdict.replayExpiresAt, at))) {
        return response(OffersServer.webhookAck("duplicate"));
      }
      await store.put(verdict.token, credited);
      return response(OffersServer.webhookAck("granted"));
    });
  }

  return {
    server,
    store,
    /** Whether `handle` needs the request body (payment requests and webhooks). */
    wantsBody(method, path) {
      return method.toUpperCase() === "POST" && (path === paymentRequestPath || path === webhookPath);
    },
    async handle({ method, path, headers, body }) {
      const post = method.toUpperCase() === "POST";
      const raw = body ?? new Uint8Array(0);
      if (post && path === paymentRequestPath) return paymentRequest(Buffer.from(raw).toString("utf8"));
      if (post && path === webhookPath) return webhook(header(headers, "fewsats-signature"), Uint8Array.from(raw));
      if (protectedPaths.has(path)) return request(header(headers, "authorization"));
      return null;
    },
  };
}

/**
 * A `node:http` request listener: the paywall's routes, then `handler(req, res)` for served and
 * unprotected requests (a served request carries `req.pay402Offers = {token, access}`).
 * Bodies of the paywall's POST routes are read up to one byte past the core's limit
 * (`OffersServer.maxBodyBytes()`); the server refuses a longer one (413). An exception of the
 * store or the provider is a 500 without detail (its text stays in the server's log).
 */
export function offersListener(paywall, handler) {
  const limit = OffersServer.maxBodyBytes();
  return (req, res) => {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    const send = (r) => {
      const body = Buffer.from(r.body, "utf8");
      res.writeHead(r.status, [...r.headers.flat(), "Content-Length", String(body.length)]);
      res.end(body);
    };
    const go = async (body) => {
      const decision = await paywall.handle({ method: req.method ?? "GET", path, headers: req.headers, body });
      if (decision === null) return handler(req, res);
      if (decision.serve) {
        req.pay402Offers = { token: decision.token, access: decision.access };
        return handler(req, res);
      }
      send(decision);
    };
    const fail = (e) => {
      console.error("pay402 offers:", e);
      if (!res.headersSent) {
        res.writeHead(500);
        res.end();
      }
    };
    if (!paywall.wantsBody(req.method ?? "GET", path)) {
      go(undefined).catch(fail);
      return;
    }
    const chunks = [];
    let size = 0;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      go(Buffer.concat(chunks)).catch(fail);
    };
    req.on("data", (c) => {
      if (done) return;
      chunks.push(c.subarray(0, limit + 1 - size));
      size += c.length;
      if (size > limit) {
        req.pause();
        finish();
      }
    });
    req.on("end", finish);
  };
}
