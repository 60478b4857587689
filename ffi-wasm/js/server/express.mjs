// Express (and Connect / plain Node `http`) adapters of the x402 server: `paywall(config)` for
// `app.use(...)`, optionally limited to `routes`, and `pay(route)` per route
// (`app.get("/x", pay({ price: "$0.01" }), handler)`). The handler's response is held until the
// exchange says what to send (gate.mjs); `req.x402` is the payment (`payer`, `amount`, `offer`,
// `payload`, `charge(amount)` for `upto`).

/** Binds the Express adapters to a gate (`createGate(core).paymentGate`). */
export function createExpressAdapters(paymentGate) {
  function requestUrl(req) {
    const host = req.headers?.host ?? "localhost";
    const proto = req.protocol ?? (req.socket?.encrypted ? "https" : "http");
    return `${proto}://${host}${req.originalUrl ?? req.url ?? "/"}`;
  }

  /** Runs the rest of the chain with `res` buffered; resolves when the handler ended the response. */
  function runBuffered(req, res, next, payment) {
    return new Promise((resolve) => {
      req.x402 = payment;
      const chunks = [];
      const original = { writeHead: res.writeHead, write: res.write, end: res.end };
      const toBytes = (chunk, encoding) =>
        typeof chunk === "string" ? Buffer.from(chunk, typeof encoding === "string" ? encoding : "utf8") : Buffer.from(chunk);
      res.writeHead = (status, reasonOrHeaders, maybeHeaders) => {
        res.statusCode = status;
        const headers = typeof reasonOrHeaders === "object" ? reasonOrHeaders : maybeHeaders;
        if (headers) for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
        return res;
      };
      res.write = (chunk, encoding, callback) => {
        if (chunk != null && typeof chunk !== "function") chunks.push(toBytes(chunk, encoding));
        const cb = typeof encoding === "function" ? encoding : callback;
        if (typeof cb === "function") cb();
        return true;
      };
      res.end = (chunk, encoding, callback) => {
        if (chunk != null && typeof chunk !== "function") chunks.push(toBytes(chunk, encoding));
        Object.assign(res, original);
        const cb = [chunk, encoding, callback].find((x) => typeof x === "function");
        resolve({ status: res.statusCode, body: Buffer.concat(chunks), callback: cb });
        return res;
      };
      next();
    });
  }

  function send(res, decision) {
    if (decision.type === "reply") {
      if (typeof res.getHeaderNames === "function") for (const name of res.getHeaderNames()) res.removeHeader(name);
      res.statusCode = decision.status;
      for (const [k, v] of decision.headers) res.setHeader(k, v);
      res.end(decision.body ?? "");
      return;
    }
    const { result } = decision;
    res.statusCode = decision.status;
    for (const [k, v] of decision.headers) res.setHeader(k, v);
    res.end(result.body, result.callback);
  }

  function middleware(gate) {
    return async function pay402(req, res, next) {
      let decision;
      try {
        decision = await gate.handle({ url: requestUrl(req), method: req.method, headers: req.headers, raw: req }, (payment) =>
          runBuffered(req, res, next, payment));
      } catch (e) {
        next(e);
        return;
      }
      send(res, decision);
    };
  }

  function routeMatches(pattern, req) {
    const space = pattern.indexOf(" ");
    const method = space > 0 ? pattern.slice(0, space).toUpperCase() : null;
    const path = space > 0 ? pattern.slice(space + 1).trim() : pattern;
    if (method && method !== req.method) return false;
    const actual = req.path ?? new URL(req.url ?? "/", "http://localhost").pathname;
    return path.endsWith("/*") ? actual.startsWith(path.slice(0, -1)) || actual === path.slice(0, -2) : actual === path;
  }

  /**
   * `app.use(paywall(config))`: every request pays, or with `config.routes`
   * (`{ "GET /premium": { price: "$0.01" }, "/reports/*": {…} }`, each merged over the rest of
   * the config) only those routes do. Config: see `serverConfig`.
   */
  function paywall(options = {}) {
    const { routes, ...base } = options;
    if (routes === undefined) return middleware(paymentGate(base));
    const table = Object.entries(routes).map(([pattern, route]) => [pattern, middleware(paymentGate({ ...base, ...route }))]);
    return function pay402Routes(req, res, next) {
      const hit = table.find(([pattern]) => routeMatches(pattern, req));
      if (!hit) return next();
      return hit[1](req, res, next);
    };
  }

  /** Per-route middleware: `app.get("/x", pay({ price: "$0.01" }), handler)`. */
  function pay(options = {}) {
    return middleware(paymentGate(options));
  }

  return { paywall, pay };
}
