// Fetch-API adapters of the x402 server, for Hono, Next.js route handlers and edge runtimes
// (Cloudflare Workers, Deno, Vercel Edge): only `Request`, `Response` and `fetch`, no Node API.
//   export const GET = withPayment(async (request) => Response.json(…), config);   // Next.js
//   app.get("/x", (c) => paid(c.req.raw));   or   app.use("/x", honoPaywall(config));  // Hono
// The handler reads its payment with `paymentOf(request)`.

const paymentsByRequest = new WeakMap();

/** The payment of a request inside a paid handler (`payer`, `amount`, `offer`, `payload`, `charge`), or `null`. */
export function paymentOf(request) {
  return paymentsByRequest.get(request) ?? null;
}

/** Binds the Fetch adapters to a gate (`createGate(core).paymentGate`). */
export function createFetchAdapters(paymentGate) {
  function toResponse(decision) {
    if (decision.type === "reply") return new Response(decision.body ?? null, { status: decision.status, headers: decision.headers });
    const response = decision.result.response;
    if (decision.headers.length === 0) return response;
    const headers = new Headers(response.headers);
    for (const [k, v] of decision.headers) headers.set(k, v);
    return new Response(response.body, { status: decision.status, statusText: response.statusText, headers });
  }

  /**
   * Wraps a `(request, ...rest) => Response` handler: unpaid requests get the 402, paid ones run
   * the handler and get the receipt. A handler that throws rethrows (after its reservation was
   * released) so the framework answers its error. Config: see `serverConfig`.
   */
  function withPayment(handler, options = {}) {
    if (typeof handler !== "function") {
      const e = new TypeError("withPayment: expected a handler function");
      e.code = "invalid_config";
      throw e;
    }
    const gate = paymentGate(options);
    return async function paidHandler(request, ...rest) {
      const decision = await gate.handle({ url: request.url, method: request.method, headers: request.headers, raw: request }, async (payment) => {
        if (payment) paymentsByRequest.set(request, payment);
        const response = await handler(request, ...rest);
        return { status: response.status, response };
      });
      return toResponse(decision);
    };
  }

  /** Hono middleware: `app.use("/premium/*", honoPaywall(config))`; `c.get("x402")` is the payment. */
  function honoPaywall(options = {}) {
    const gate = paymentGate(options);
    return async function pay402Hono(c, next) {
      const request = c.req.raw;
      const decision = await gate.handle({ url: request.url, method: request.method, headers: request.headers, raw: request }, async (payment) => {
        if (payment) {
          paymentsByRequest.set(request, payment);
          c.set("x402", payment);
        }
        await next();
        return { status: c.res.status, response: c.res };
      });
      // Hono merges the previous response's headers into an assigned one; start from none.
      c.res = undefined;
      c.res = toResponse(decision);
    };
  }

  return { withPayment, honoPaywall };
}
