// pay402/facilitator — an HTTP client of x402 facilitators (POST /verify, POST /settle,
// GET /supported), one facilitator or several, on the Fetch API (Node ≥ 18, Deno, Bun, edge
// runtimes, browsers). No WebAssembly: importing it loads nothing else.
//
// Several facilitators are routed by the kinds their GET /supported lists ({x402Version, scheme,
// network}): /verify and /settle go to the facilitators that support the payment's kind, in the
// order given (the first first, the others as failovers). /supported is fetched lazily and cached
// for `supportedTtlMs`. With one facilitator nothing is routed unless `route: true`.
//
// Retries: /verify and /supported are retried on the same facilitator with exponential back-off and
// jitter on connection errors, timeouts, 429 (waiting at least its Retry-After) and 5xx, then sent to
// the next facilitator. /settle moves money: a settle that may have reached a facilitator is never
// sent again, neither there nor elsewhere (two facilitators could both settle). It is retried, then
// failed over, ONLY when the connection could not be made (refused, DNS failure, connect timeout),
// which proves the request never arrived. Anything else without a verdict (timeout, 5xx, 429, a
// dropped connection, a malformed body) ends the call with `facilitator_unavailable`: the outcome is
// unknown, keep the payment's reservation. Every facilitator unreachable: `facilitator_unreachable`,
// nothing was settled.

export const DEFAULT_FACILITATOR_URL = "https://x402.org/facilitator";

/** A facilitator call failed; `code` is stable (see facilitator.d.ts). */
export class FacilitatorError extends Error {
  constructor(message, { code, status, body, detailCode } = {}) {
    super(message);
    this.name = "FacilitatorError";
    this.code = code;
    if (status !== undefined) this.status = status;
    if (body !== undefined) this.body = body;
    if (detailCode !== undefined) this.detailCode = detailCode;
  }
}
/** The facilitator answered `isValid: false`; `code` is its `invalidReason`. */
export class VerifyError extends FacilitatorError {
  constructor(message, init) { super(message, init); this.name = "VerifyError"; }
}
/** The facilitator answered `success: false`; `code` is its `errorReason`. */
export class SettleError extends FacilitatorError {
  constructor(message, init) { super(message, init); this.name = "SettleError"; }
}

// Internal: one facilitator is done with `error`; `failover` says whether the next may be tried.
class Stop {
  constructor(error, failover) { this.error = error; this.failover = failover; }
}

// Errors of the connect phase (Node's net/dns and undici): the request was never sent.
const NOT_SENT = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "EADDRNOTAVAIL",
  "UND_ERR_CONNECT_TIMEOUT"]);

function causeCodes(e) {
  const codes = [];
  for (let c = e, depth = 0; c && depth < 5; c = c.cause, depth++) {
    if (typeof c.code === "string") codes.push(c.code);
    if (Array.isArray(c.errors)) for (const x of c.errors) if (x && typeof x.code === "string") codes.push(x.code);
  }
  return codes;
}

/** RFC 9110 §10.2.3: delay-seconds or an HTTP-date, in ms (undefined when absent or unreadable). */
function retryAfterMs(value, nowMs) {
  if (value == null) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : Math.max(0, t - nowMs);
}

function normalise(entry, defaults) {
  const f = typeof entry === "string" ? { url: entry, headers: defaults.headers } : { ...entry };
  if (typeof f.url !== "string" || !/^https?:\/\//.test(f.url)) {
    throw new TypeError(`facilitator url must be http(s): ${f.url}`);
  }
  f.url = f.url.replace(/\/+$/, "");
  return f;
}

const checkers = {
  "/verify": (b) => typeof b.isValid === "boolean" && (b.payer === undefined || typeof b.payer === "string"),
  "/settle": (b) => typeof b.success === "boolean" && typeof b.transaction === "string" && typeof b.network === "string",
  "/supported": (b) => Array.isArray(b.kinds) && b.kinds.every((k) => k && typeof k.x402Version === "number"
    && typeof k.scheme === "string" && typeof k.network === "string"),
};
const VERDICT = { "/verify": "isValid", "/settle": "success", "/supported": "kinds" };

export class FacilitatorClient {
  /**
   * @param facilitators a URL, a `{ url, headers?, createAuthHeaders?, timeoutMs? }`, or a list of them
   * @param options `{ headers, timeoutMs, retry: { attempts, baseDelayMs, maxDelayMs, jitter }, route,
   *   supportedTtlMs, fetch, sleep, now, random }`
   */
  constructor(facilitators = DEFAULT_FACILITATOR_URL, options = {}) {
    const list = Array.isArray(facilitators) ? facilitators : [facilitators];
    if (list.length === 0) throw new TypeError("FacilitatorClient needs at least one facilitator");
    this.facilitators = list.map((f) => normalise(f, options));
    this.timeoutMs = options.timeoutMs ?? 20_000;
    const r = options.retry ?? {};
    this.retry = { attempts: r.attempts ?? 3, baseDelayMs: r.baseDelayMs ?? 200, maxDelayMs: r.maxDelayMs ?? 5_000,
      jitter: r.jitter ?? 0.5 };
    if (!(this.retry.attempts >= 1) || !(this.retry.baseDelayMs >= 0) || !(this.retry.maxDelayMs >= 0)
      || !(this.retry.jitter >= 0 && this.retry.jitter <= 1)) {
      throw new TypeError("retry: attempts >= 1, delays >= 0, 0 <= jitter <= 1");
    }
    this.route = options.route ?? this.facilitators.length > 1;
    this.supportedTtlMs = options.supportedTtlMs ?? 300_000;
    this._fetch = options.fetch ?? ((...a) => globalThis.fetch(...a));
    this._sleep = options.sleep ?? ((ms) => new Promise((res) => setTimeout(res, ms)));
    this._now = options.now ?? (() => Date.now());
    this._random = options.random ?? Math.random;
    this._supported = new Map(); // index → { kinds: Set<string>, at }
  }

  /** Milliseconds to wait before attempt `attempt + 1`, or undefined to stop trying this facilitator. */
  retryDelay(attempt, retryAfter) {
    const { attempts, baseDelayMs, maxDelayMs, jitter } = this.retry;
    if (attempt + 1 >= attempts) return undefined;
    if (retryAfter !== undefined && retryAfter > maxDelayMs) return undefined;
    const backoff = Math.min(maxDelayMs, baseDelayMs * 2 ** attempt) * (1 - jitter * this._random());
    return Math.max(backoff, retryAfter ?? 0);
  }

  async _headers(f, endpoint) {
    const h = {};
    if (typeof f.createAuthHeaders === "function") Object.assign(h, (await f.createAuthHeaders())?.[endpoint] ?? {});
    if (typeof f.headers === "function") Object.assign(h, (await f.headers(endpoint)) ?? {});
    else if (f.headers) Object.assign(h, f.headers);
    return h;
  }

  // One HTTP attempt, classified: { body } | { error, verdict?, notSent?, transient?, retryAfter? }
  async _send(i, endpoint, body) {
    const f = this.facilitators[i];
    const headers = { ...(await this._headers(f, endpoint.slice(1))) }; // a throwing headers function: nothing sent
    if (body !== undefined) headers["content-type"] = "application/json";
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => { timedOut = true; controller.abort(); }, f.timeoutMs ?? this.timeoutMs);
    let response, text;
    try {
      response = await this._fetch(f.url + endpoint, {
        method: body === undefined ? "GET" : "POST", headers,
        body: body === undefined ? undefined : JSON.stringify(body), signal: controller.signal,
      });
      text = await response.text();
    } catch (e) {
      if (timedOut) {
        return { error: new FacilitatorError(`${endpoint}: no answer within ${f.timeoutMs ?? this.timeoutMs} ms`,
          { code: "facilitator_timeout" }), transient: true };
      }
      const codes = causeCodes(e);
      if (codes.some((c) => NOT_SENT.has(c))) {
        return { error: new FacilitatorError(`${endpoint}: cannot connect (${codes.join(", ")})`,
          { code: "facilitator_unreachable" }), notSent: true, transient: true };
      }
      return { error: new FacilitatorError(`${endpoint}: connection failed: ${e.message}${codes.length ? ` (${codes.join(", ")})` : ""}`,
        { code: "facilitator_connection_error" }), transient: true };
    } finally {
      clearTimeout(timer);
    }
    const status = response.status;
    const ok = status >= 200 && status < 300;
    const transient = status === 429 || status >= 500;
    const retryAfter = status === 429 || status === 503 ? retryAfterMs(response.headers.get("retry-after"), this._now()) : undefined;
    let json;
    try { json = JSON.parse(text); } catch { json = undefined; }
    if (json === null || typeof json !== "object" || Array.isArray(json)) {
      const error = ok
        ? new FacilitatorError(`${endpoint}: response is not a JSON object`, { code: "facilitator_malformed_response", status })
        : new FacilitatorError(`${endpoint}: HTTP ${status}`, { code: "facilitator_http_error", status });
      return { error, transient, retryAfter };
    }
    const key = VERDICT[endpoint];
    if (key in json && (ok || endpoint !== "/supported")) {
      if (!checkers[endpoint](json)) {
        return { error: new FacilitatorError(`${endpoint}: malformed response`, { code: "facilitator_malformed_response", status, body: json }),
          transient, retryAfter };
      }
      if (endpoint === "/verify" && json.isValid !== true) {
        const reason = String(json.invalidReason || "invalid_payment");
        return { error: new VerifyError(`facilitator rejected the payment: ${reason}${json.invalidMessage ? ` (${json.invalidMessage})` : ""}`,
          { code: reason, status, body: json }), verdict: true };
      }
      if (endpoint === "/settle" && json.success !== true) {
        const reason = String(json.errorReason || "settle_failed");
        return { error: new SettleError(`facilitator did not settle: ${reason}${json.errorMessage ? ` (${json.errorMessage})` : ""}`,
          { code: reason, status, body: json }), verdict: true };
      }
      if (ok) return { body: json };
    }
    const error = ok
      ? new FacilitatorError(`${endpoint}: response has no "${key}"`, { code: "facilitator_malformed_response", status, body: json })
      : new FacilitatorError(`${endpoint}: HTTP ${status}`, { code: "facilitator_http_error", status, body: json });
    return { error, transient, retryAfter };
  }

  // The rules after one attempt: "return" | "raise" | ["retry", ms] | "next" (failover).
  _nextStep(endpoint, outcome, attempt) {
    if (outcome.body) return "return";
    if (outcome.verdict) return "raise";
    if (endpoint === "/settle" && !outcome.notSent) return "raise"; // may have arrived: never sent again
    if (outcome.transient) {
      const delay = this.retryDelay(attempt, outcome.retryAfter);
      if (delay !== undefined) return ["retry", delay];
    }
    return "next";
  }

  _final(endpoint, outcome) {
    const e = outcome.error;
    if (endpoint === "/settle" && !outcome.verdict && !outcome.notSent
      && (outcome.transient || e.code === "facilitator_malformed_response")) {
      const wrapped = new FacilitatorError(`/settle: outcome unknown, not retried: ${e.message}`,
        { code: "facilitator_unavailable", status: e.status, body: e.body, detailCode: e.code });
      wrapped.cause = e;
      return wrapped;
    }
    return e;
  }

  // One facilitator with retries: the body, or throws a Stop.
  async _callOne(i, endpoint, body) {
    for (let attempt = 0; ; attempt++) {
      const outcome = await this._send(i, endpoint, body);
      const step = this._nextStep(endpoint, outcome, attempt);
      if (step === "return") return outcome.body;
      if (!Array.isArray(step)) throw new Stop(this._final(endpoint, outcome), step === "next");
      await this._sleep(step[1]);
    }
  }

  async _refresh() {
    const failures = [];
    for (let i = 0; i < this.facilitators.length; i++) {
      const s = this._supported.get(i);
      if (s && this._now() - s.at < this.supportedTtlMs) continue;
      try {
        this._store(i, await this._callOne(i, "/supported"));
      } catch (e) {
        if (!(e instanceof Stop)) throw e;
        this._supported.delete(i);
        failures.push(e.error);
      }
    }
    return failures;
  }

  _store(i, body) {
    this._supported.set(i, { kinds: new Set(body.kinds.map((k) => `${k.x402Version} ${k.scheme} ${k.network}`)), at: this._now() });
  }

  _route(kind, failures) {
    const all = this.facilitators.map((_, i) => i);
    if (!this.route) return all;
    const chosen = all.filter((i) => this._supported.get(i)?.kinds.has(kind));
    if (chosen.length) return chosen;
    if (failures.length) throw failures[0]; // someone could not say what it supports
    const [v, scheme, network] = kind.split(" ");
    throw new FacilitatorError(`no facilitator supports x402Version ${v}, scheme "${scheme}", network "${network}"`,
      { code: "facilitator_unsupported_kind" });
  }

  static _body(paymentPayload, requirements) {
    const payload = typeof paymentPayload === "string" ? JSON.parse(paymentPayload) : paymentPayload;
    const reqs = typeof requirements === "string" ? JSON.parse(requirements) : requirements;
    if (!payload || typeof payload !== "object") throw new TypeError("paymentPayload must be a JSON object");
    if (!reqs || typeof reqs !== "object") throw new TypeError("requirements must be a JSON object");
    if (payload.x402Version !== 1 && payload.x402Version !== 2) {
      throw new TypeError(`payment payload has no valid x402Version: ${payload.x402Version}`);
    }
    return { x402Version: payload.x402Version, paymentPayload: payload, paymentRequirements: reqs };
  }

  async _call(endpoint, body) {
    const failures = this.route ? await this._refresh() : [];
    const kind = `${body.x402Version} ${body.paymentRequirements.scheme} ${body.paymentRequirements.network}`;
    let last;
    for (const i of this._route(kind, failures)) {
      try {
        return await this._callOne(i, endpoint, body);
      } catch (e) {
        if (!(e instanceof Stop)) throw e;
        if (!e.failover) throw e.error;
        last = e.error;
      }
    }
    throw last;
  }

  /** POST /verify; the VerifyResponse when `isValid` is true. */
  verify(paymentPayload, requirements) {
    return this._call("/verify", FacilitatorClient._body(paymentPayload, requirements));
  }

  /** POST /settle; the SettleResponse when `success` is true. Sent again only when it provably never arrived. */
  settle(paymentPayload, requirements) {
    return this._call("/settle", FacilitatorClient._body(paymentPayload, requirements));
  }

  /** GET /supported of the first facilitator that answers (and refreshes its cache entry). */
  async supported() {
    let last;
    for (let i = 0; i < this.facilitators.length; i++) {
      try {
        const body = await this._callOne(i, "/supported");
        this._store(i, body);
        return body;
      } catch (e) {
        if (!(e instanceof Stop)) throw e;
        last = e.error;
      }
    }
    throw last;
  }
}
