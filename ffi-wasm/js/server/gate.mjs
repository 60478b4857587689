// The x402 exchange driver of the npm package `pay402`, shared by every framework adapter
// (express.mjs, fetch.mjs). It does the I/O around the server engine — reading the request's
// headers, the replay store, the facilitator's `/settle`, the hooks, the handler — and follows
// the engine's steps: admission (status, headers, body of a refusal), the replay key and its
// lifetime, the `/settle` body, the verdict on the facilitator's answer and the receipt.
// Exactly once: the replay key is reserved before the handler runs; a handler that fails
// (exception or status >= 400) settles nothing and releases the reservation; a refused
// settlement withholds the content (402, failure receipt) and releases it; no answer from the
// facilitator withholds the content and keeps the reservation until its lifetime ends.
// No Node API: this runs in Node, browsers and edge runtimes.
import { serverConfig, checkOffer } from "./config.mjs";

const GATE_PAYMENT_HEADERS = ["PAYMENT-SIGNATURE", "X-PAYMENT"];

function gateError(name, code, message) {
  const e = new Error(message);
  e.name = name;
  e.code = code;
  return e;
}

const gateHex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

/** `[name, value]` pairs of a Fetch `Headers`, a Node `IncomingHttpHeaders` or a plain object. */
function headerPairs(headers) {
  if (!headers) return [];
  if (typeof headers.entries === "function" && typeof headers.get === "function") return [...headers.entries()];
  const out = [];
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined) continue;
    out.push([k, Array.isArray(v) ? v.join(", ") : String(v)]);
  }
  return out;
}

/**
 * An in-memory replay store with expiry, for one process: `reserve(key, ttlSeconds)` inserts
 * the key if absent and is `true` when it was free; `release(key)` deletes it. Behind several
 * processes use a shared store (Redis `SET key 1 NX EX ttl` / `DEL key`).
 */
export function memoryReplayStore() {
  const seen = new Map();
  const id = (key) => (typeof key === "string" ? key : gateHex(key));
  const reserve = (key, ttlSeconds) => {
    const now = Date.now();
    for (const [k, expiry] of seen) if (expiry <= now) seen.delete(k);
    const k = id(key);
    if (seen.has(k)) return false;
    seen.set(k, now + Math.max(1, Number(ttlSeconds)) * 1000);
    return true;
  };
  return {
    reserve,
    release(key) {
      seen.delete(id(key));
    },
    /** @deprecated `reserve`. */
    insertIfAbsent: reserve,
    /** Keys alive now (for tests and metrics). */
    size() {
      const now = Date.now();
      for (const [k, expiry] of seen) if (expiry <= now) seen.delete(k);
      return seen.size;
    },
  };
}

/** Binds the exchange driver to one build of the core. */
export function createGate(core) {
  // ---------------------------------------------------------------- the engine
  // The server engine over `offers` (checked, see config.mjs) and `resource`: challenge,
  // admission, exchange. Until the core's server is exported to JS this one is written here on
  // `x402Verify`; the driver below only follows its steps.
  function requirementsOf(offer) {
    const out = { scheme: offer.scheme, network: offer.network, amount: offer.amount, asset: offer.asset,
      payTo: offer.payTo, maxTimeoutSeconds: offer.maxTimeoutSeconds };
    if (offer.feePayer) out.extra = { feePayer: offer.feePayer };
    else if (offer.scheme === "upto") out.extra = { facilitatorAddress: offer.facilitator };
    else if (offer.transferMethod === "permit2") out.extra = { assetTransferMethod: "permit2" };
    else out.extra = { name: offer.eip712Name, version: offer.eip712Version };
    return out;
  }

  function engine(offers, resource) {
    const accepts = offers.map(requirementsOf);
    const res = { url: resource.url, description: resource.description ?? "", mimeType: resource.mimeType ?? "application/json" };
    const encoder = new TextEncoder();

    function challenge(error, detailCode = null, message = null) {
      const header = { x402Version: 2, error, resource: res, accepts };
      const body = { x402Version: 2, error, detailCode, message: message ?? error, resource: res, accepts };
      return {
        status: 402,
        headers: [["Content-Type", "application/json"], ["PAYMENT-REQUIRED", core.x402EncodeHeader(JSON.stringify(header))]],
        body: JSON.stringify(body),
      };
    }
    const refusal = (status, code, detailCode, message) => ({ admitted: false, status, code, detailCode, message, ...challenge(code, detailCode, message), status });

    function admit(headers, now) {
      let payment;
      for (const wanted of GATE_PAYMENT_HEADERS) {
        const hit = headers.find(([name]) => name.toLowerCase() === wanted.toLowerCase());
        if (hit && hit[1]) { payment = hit[1]; break; }
      }
      if (!payment) return refusal(402, "payment_required", null, "no payment header");
      let first = null;
      for (let i = 0; i < accepts.length; i++) {
        const policy = offers[i].scheme === "upto" ? { facilitator: offers[i].facilitator } : undefined;
        let verified;
        try {
          verified = core.x402Verify(accepts[i], payment, now, policy);
        } catch (e) {
          if (typeof e.code !== "string") throw e;
          const mismatch = /network_mismatch|accepted_requirements_mismatch|scheme/.test(e.code);
          if (first === null || (first.mismatch && !mismatch)) first = { e, mismatch };
          continue;
        }
        const decoded = core.x402DecodeHeader("payment_payload", payment).json;
        const solana = verified.kind === "exact_svm";
        const replayKey = solana ? encoder.encode(`svm:${JSON.parse(decoded).payload.transaction}`) : verified.replayKey;
        const ttl = solana
          ? Math.max(offers[i].maxTimeoutSeconds, 120) + 7
          : Math.max(1, Number(verified.validBefore) + 7 - now);
        return {
          admitted: true, offerIndex: i, x402Version: verified.x402Version, payer: verified.payer,
          amount: solana ? verified.amount : verified.authorizedAmount, replayKey, ttl,
          payment: decoded, requirements: JSON.stringify(accepts[i]),
        };
      }
      return refusal(402, first.e.code, first.e.detailCode ?? null, first.e.message);
    }

    function exchange(admitted, { settleBeforeHandler = false } = {}) {
      const receiptName = admitted.x402Version === 2 ? "PAYMENT-RESPONSE" : "X-PAYMENT-RESPONSE";
      const offer = offers[admitted.offerIndex];
      let attempt = 0;
      let handlerStatus = null;
      let receipt = null;
      const settle = () => { attempt++; return { action: "settle", status: null, headers: [], body: null }; };
      const receiptHeaders = (text) => [[receiptName, core.x402EncodeHeader(text)]];
      return {
        replayKey: admitted.replayKey,
        ttl: admitted.ttl,
        reserved(fresh) {
          if (!fresh) return { action: "refuse_replay", ...challenge("payment_already_used", null, "this payment was already used") };
          return settleBeforeHandler ? settle() : { action: "run_handler", status: null, headers: [], body: null };
        },
        handled(status) {
          if (receipt) return { action: "serve", status, headers: receipt, body: null };
          if (status >= 400) return { action: "release_reservation", status, headers: [], body: null };
          handlerStatus = status;
          return settle();
        },
        settleRequest(amount) {
          let charge = BigInt(offer.amount);
          if (amount !== undefined && amount !== null) {
            if (offer.scheme !== "upto") throw gateError("X402Error", "settle_amount_not_allowed", "an amount is reported only for upto");
            charge = BigInt(amount);
            if (charge < 0n || charge > BigInt(admitted.amount)) {
              throw gateError("X402Error", "settle_amount_exceeds_maximum", `charge ${charge} is above the signed maximum ${admitted.amount}`);
            }
          } else if (offer.scheme === "upto") {
            charge = BigInt(admitted.amount);
          }
          const requirements = { ...JSON.parse(admitted.requirements), amount: charge.toString() };
          return encoder.encode(`{"x402Version":${admitted.x402Version},"paymentPayload":${admitted.payment},"paymentRequirements":${JSON.stringify(requirements)}}`);
        },
        settled(response) {
          let parsed = null;
          let text = null;
          if (response !== null && response !== undefined) {
            try {
              text = core.x402DecodeJson("settle_response", typeof response === "string" ? response : new TextDecoder().decode(response)).json;
              parsed = JSON.parse(text);
            } catch {
              parsed = null;
            }
          }
          if (parsed === null) return { action: "keep_reservation", status: 502, headers: [["Content-Type", "application/json"]], body: JSON.stringify({ error: "settlement_unavailable" }) };
          if (parsed.success === true) {
            if (handlerStatus !== null) return { action: "serve", status: handlerStatus, headers: receiptHeaders(text), body: null };
            receipt = receiptHeaders(text);
            return { action: "run_handler", status: null, headers: [], body: null };
          }
          const pending = parsed.errorReason === "settlement_pending" && !!parsed.transaction;
          if (pending && attempt < 2) return settle();
          const c = challenge(parsed.errorReason ?? "settlement_failed", null, parsed.errorMessage ?? parsed.errorReason ?? "settlement failed");
          return { action: pending ? "keep_reservation" : "withhold", status: 402, headers: [...c.headers, ...receiptHeaders(text)], body: c.body };
        },
      };
    }
    return { challenge, admit, exchange };
  }

  // ---------------------------------------------------------------- the driver
  async function postSettle(url, body, timeoutMs, extraHeaders) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    try {
      const target = new URL("settle", url.endsWith("/") ? url : `${url}/`);
      const response = await fetch(target, {
        method: "POST", headers: { "Content-Type": "application/json", ...extraHeaders }, body, signal: controller.signal,
      });
      if (response.status >= 500) return null;
      return await response.text();
    } catch {
      return null; // timeout, connection refused: the outcome is unknown
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * The exchange driver for one config (see `serverConfig`). `handle(request, run)`:
   * `request` is `{ url, headers, raw }` (`raw` is what hooks and dynamic offers receive);
   * `run(payment)` runs the handler and resolves to `{ status, ...anything }` (it may throw).
   * Resolves to `{ type: "serve", status, headers, result }` (send the handler's response with
   * these extra headers) or `{ type: "reply", status, headers, body }` (send this instead);
   * a handler that threw is rethrown after its reservation was released.
   */
  function paymentGate(options) {
    const { env, ...given } = options ?? {};
    const config = serverConfig(given, env);
    const store = config.replayStore ?? memoryReplayStore();
    const hooks = config.hooks ?? {};
    const clock = config.now ?? (() => Math.floor(Date.now() / 1000));
    const engines = new Map();

    async function engineFor(raw, url) {
      let offers = typeof config.offers === "function" ? await config.offers(raw) : config.offers;
      if (!Array.isArray(offers) || offers.length === 0) throw gateError("TypeError", "invalid_config", "offers(request): expected a non-empty array");
      offers = await Promise.all(offers.map(async (offer, i) => {
        const resolved = { ...offer };
        for (const field of ["amount", "price", "payTo"]) if (typeof offer[field] === "function") resolved[field] = await offer[field](raw);
        return checkOffer(resolved, `offers[${i}]`);
      }));
      const resource = { url, ...config.resource };
      const key = JSON.stringify([offers, resource]);
      let found = engines.get(key);
      if (!found) {
        if (engines.size >= 256) engines.clear();
        found = { engine: engine(offers, resource), offers };
        engines.set(key, found);
      }
      return found;
    }

    async function body(custom, info, raw, fallback) {
      if (custom === undefined) return fallback;
      const value = typeof custom === "function" ? await custom(info, raw) : custom;
      if (value === undefined) return fallback;
      const text = typeof value === "string" ? value : JSON.stringify(value);
      const headers = fallback.headers.filter(([k]) => k.toLowerCase() !== "content-type");
      headers.push(["Content-Type", typeof value === "string" ? "text/plain; charset=utf-8" : "application/json"]);
      return { ...fallback, headers, body: text };
    }
    const reply = (r) => ({ type: "reply", status: r.status, headers: r.headers, body: r.body });

    async function settleOnce(bodyBytes, ctx) {
      if (config.settle) {
        try {
          const answer = await config.settle(bodyBytes, ctx);
          if (answer === null || answer === undefined) return null;
          return typeof answer === "string" || answer instanceof Uint8Array ? answer : JSON.stringify(answer);
        } catch {
          return null;
        }
      }
      return postSettle(config.facilitatorUrl, bodyBytes, config.facilitatorTimeoutMs ?? 10_000, config.facilitatorHeaders ?? {});
    }

    async function handle(request, run) {
      const raw = request.raw;
      if (hooks.grantAccess && (await hooks.grantAccess({ request: raw }))) {
        const result = await run(null);
        return { type: "serve", status: result.status, headers: [], result };
      }
      const { engine: server, offers } = await engineFor(raw, request.url);
      const fail = async (stage, step, extra = {}) => {
        if (hooks.onFailure) await hooks.onFailure({ request: raw, stage, status: step.status, code: step.code, ...extra });
      };
      if (hooks.beforeVerify) {
        const verdict = await hooks.beforeVerify({ request: raw });
        if (verdict?.abort) {
          const r = server.challenge(verdict.reason ?? "aborted", null, verdict.message ?? verdict.reason ?? "aborted");
          await fail("verify", { ...r, code: verdict.reason ?? "aborted" });
          return reply(await body(config.unpaidBody, { code: verdict.reason ?? "aborted" }, raw, r));
        }
      }
      const admitted = server.admit(headerPairs(request.headers), clock());
      if (!admitted.admitted) {
        await fail("verify", admitted);
        return reply(await body(config.unpaidBody, { code: admitted.code, detailCode: admitted.detailCode, message: admitted.message }, raw, admitted));
      }
      const offer = JSON.parse(admitted.requirements);
      const payload = JSON.parse(admitted.payment);
      const payment = {
        payer: admitted.payer, amount: BigInt(admitted.amount), x402Version: admitted.x402Version,
        offer, offerIndex: admitted.offerIndex, payload, settleAmount: undefined, settlement: null,
        /** `upto`: charge `amount` (atomic units, at most the signed maximum) instead of the maximum. */
        charge(amount) { this.settleAmount = BigInt(amount); },
      };
      if (hooks.afterVerify) await hooks.afterVerify({ request: raw, payment, offer, payload });
      const ex = server.exchange(admitted, { settleBeforeHandler: config.settleBeforeHandler === true });
      let fresh;
      try {
        fresh = await store.reserve(ex.replayKey, ex.ttl);
      } catch (e) {
        const r = { status: 503, headers: [["Content-Type", "application/json"]], body: JSON.stringify({ error: "replay_store_unavailable", message: String(e?.message ?? e) }) };
        await fail("reserve", { ...r, code: "replay_store_unavailable" });
        return reply(r);
      }
      let step = ex.reserved(fresh === true);
      let result = null;
      let thrown = null;
      for (;;) {
        switch (step.action) {
          case "run_handler": {
            try {
              result = await run(payment);
              step = ex.handled(result.status);
            } catch (e) {
              thrown = e;
              step = ex.handled(500);
            }
            break;
          }
          case "settle": {
            let settleBody;
            try {
              settleBody = ex.settleRequest(payment.settleAmount);
            } catch (e) {
              // the handler reported a charge the engine refuses: nothing is settled
              await store.release(ex.replayKey);
              await fail("settle", { status: 500, code: e.code ?? "settle_request_failed" }, { error: e });
              throw e;
            }
            const ctx = { request: raw, offer, payload, payment, body: settleBody, offers };
            let answer;
            const verdict = hooks.beforeSettle ? await hooks.beforeSettle(ctx) : undefined;
            if (verdict?.abort) {
              answer = JSON.stringify({ success: false, errorReason: verdict.reason ?? "aborted", transaction: "", network: offer.network });
            } else {
              answer = await settleOnce(settleBody, ctx);
            }
            payment.settlement = answer === null ? null : JSON.parse(typeof answer === "string" ? answer : new TextDecoder().decode(answer));
            if (hooks.afterSettle) await hooks.afterSettle({ ...ctx, settlement: payment.settlement });
            step = ex.settled(answer);
            break;
          }
          case "serve":
            if (thrown) {
              // settled before the handler, which then failed: the payment is taken, so the
              // client gets the receipt with the engine's status
              await fail("handler", { status: step.status, code: "handler_failed" }, { error: thrown });
              return { type: "reply", status: step.status, headers: [...step.headers, ["Content-Type", "application/json"]], body: JSON.stringify({ error: "handler_failed" }) };
            }
            return { type: "serve", status: step.status, headers: step.headers, result };
          case "release_reservation":
            await store.release(ex.replayKey);
            await fail("handler", { status: step.status, code: "handler_failed" }, { error: thrown });
            if (thrown) throw thrown;
            return { type: "serve", status: step.status, headers: [], result };
          case "withhold":
            await store.release(ex.replayKey);
            await fail("settle", { ...step, code: payment.settlement?.errorReason ?? "settlement_failed" }, { settlement: payment.settlement });
            return reply(await body(config.failureBody, { code: payment.settlement?.errorReason, settlement: payment.settlement }, raw, step));
          case "keep_reservation":
            await fail("settle", { ...step, code: payment.settlement ? "settlement_pending" : "settlement_unavailable" }, { settlement: payment.settlement });
            return reply(await body(config.failureBody, { code: payment.settlement ? "settlement_pending" : "settlement_unavailable", settlement: payment.settlement }, raw, step));
          case "refuse_replay":
            await fail("reserve", { ...step, code: "payment_already_used" });
            return reply(await body(config.unpaidBody, { code: "payment_already_used" }, raw, step));
          default:
            throw gateError("Error", "unknown_step", `unknown exchange step ${step.action}`);
        }
      }
    }

    return { handle, config, store };
  }

  return { paymentGate, engine, headerPairs };
}
