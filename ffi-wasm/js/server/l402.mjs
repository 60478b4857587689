// L402 adapters of the core's L402 server (`L402Server`): `l402Paywall(options)` for Express /
// Connect / node:http (`app.use(...)` or per route) and `withL402(handler, options)` for Fetch-API
// handlers (Hono, Next.js route handlers, edge runtimes). The core decides everything: the
// challenge (`WWW-Authenticate` values for the host's invoice), the verdict of a credential and its
// status (402, or 401 for a bad credential when configured). Root keys are derived from `secret`,
// so an unpaid request stores nothing. The host supplies the invoice (`invoiceProvider`), the
// clock, 32 random bytes per token id, and an optional synchronous `revoked(rootKeyId)` check
// (a throw counts as revoked). A browser asking unpaid gets the paywall page (server/page.mjs)
// with the L402 offer, unless `page: false`.

import { createPage } from "./page.mjs";

/** Binds the L402 adapters to the wasm core (`core.L402Server`). */
export function createL402Adapters(core) {
  const { pageFor } = createPage(core);
  const toBytes = (value, what) => {
    if (value instanceof Uint8Array) return value;
    if (typeof value === "string" && /^(0x)?[0-9a-fA-F]{64}$/.test(value)) {
      const hex = value.replace(/^0x/, "");
      return Uint8Array.from(hex.match(/../g), (b) => parseInt(b, 16));
    }
    const e = new TypeError(`${what}: expected 32 bytes (Uint8Array or hex)`);
    e.code = "invalid_argument";
    throw e;
  };

  /** One L402 gate: `decide(authorizationValues, request)` → `{admitted, token}` or the answer. */
  function l402Gate(allOptions) {
    // `page`, `description`: the paywall page for browsers (on unless `page: false`)
    const { page: pageOption, description = "", ...options } = allOptions ?? {};
    const { invoiceProvider } = options;
    if (typeof invoiceProvider !== "function") {
      const e = new TypeError("l402: `invoiceProvider(priceMsat, request) → {bolt11, paymentHash}` is required");
      e.name = "L402Error";
      e.code = "invalid_config";
      throw e;
    }
    const server = new core.L402Server(options);
    const page = pageFor(pageOption);
    const now = options.now ?? (() => Math.floor(Date.now() / 1000));
    const randomBytes = options.randomBytes ?? ((n) => globalThis.crypto.getRandomValues(new Uint8Array(n)));
    return async function decide(authorization, request, browser) {
      const at = now();
      const verdict = server.admit(authorization, at, { capability: options.capability, revoked: options.revoked });
      if (verdict.admitted) return { admitted: true, token: verdict };
      const invoice = await invoiceProvider(options.priceMsat, request);
      const challenge = server.challenge(invoice.bolt11, toBytes(invoice.paymentHash, "paymentHash"), randomBytes(32), at);
      const refused = { admitted: false, status: verdict.status, code: verdict.code, detailCode: verdict.detailCode, headers: challenge.headers, body: null };
      if (page && verdict.status === 402) {
        // the L402 offer the page shows: the macaroon of the core's own challenge, the host's invoice
        const values = challenge.headers.filter(([name]) => name.toLowerCase() === "www-authenticate").map(([, v]) => v);
        const [first] = core.l402ParseChallenges(values);
        const html = await page.answer(refused, { ...browser, description, raw: request },
          { macaroon: first.macaroon, invoice: invoice.bolt11, amountMsat: options.priceMsat });
        if (html) return { admitted: false, status: html.status, headers: html.headers, body: html.body };
      }
      return refused;
    };
  }

  // `[name, value]` pairs of a Node `IncomingHttpHeaders`
  const nodePairs = (headers) => Object.entries(headers).filter(([, v]) => v !== undefined)
    .map(([k, v]) => [k, Array.isArray(v) ? v.join(", ") : String(v)]);
  const authorizationOf = (headers) => {
    const value = typeof headers.get === "function" ? headers.get("authorization") : headers.authorization;
    if (value == null) return [];
    // node:http joins repeated fields with ", " for most headers but keeps `authorization` single;
    // the Fetch API joins with ", ". The core takes each field value; one value is the common case.
    return Array.isArray(value) ? value : [value];
  };

  /** Express / Connect / node:http middleware: `req.l402` is the admitted token. */
  function l402Paywall(options) {
    const decide = l402Gate(options);
    return async function pay402L402(req, res, next) {
      let verdict;
      try {
        verdict = await decide(authorizationOf(req.headers ?? {}), req, {
          method: req.method, headers: nodePairs(req.headers ?? {}),
          url: `http://${req.headers?.host ?? "localhost"}${req.originalUrl ?? req.url ?? "/"}`,
        });
      } catch (e) {
        return typeof next === "function" ? next(e) : res.writeHead(500).end();
      }
      if (verdict.admitted) {
        req.l402 = verdict.token;
        return typeof next === "function" ? next() : undefined;
      }
      res.statusCode = verdict.status;
      for (const [name, value] of verdict.headers) res.appendHeader ? res.appendHeader(name, value) : res.setHeader(name, value);
      res.end(verdict.body ?? undefined);
    };
  }

  /** Wraps a Fetch-API handler `(request, context) → Response`; the token is `context.l402`. */
  function withL402(handler, options) {
    const decide = l402Gate(options);
    return async function l402Handler(request, context = {}) {
      const verdict = await decide(authorizationOf(request.headers), request, {
        method: request.method, headers: [...request.headers.entries()], url: request.url,
      });
      if (verdict.admitted) return handler(request, { ...context, l402: verdict.token });
      const headers = new Headers();
      for (const [name, value] of verdict.headers) headers.append(name, value);
      return new Response(verdict.body ?? null, { status: verdict.status, headers });
    };
  }

  return { l402Paywall, withL402 };
}
