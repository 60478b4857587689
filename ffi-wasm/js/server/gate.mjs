// The x402 exchange driver of the npm package `pay402`, shared by every framework adapter
// (express.mjs, fetch.mjs). It does the I/O around the core's resource server (`X402Server`) —
// reading the request's headers, the replay store, the facilitator's `/settle`, the hooks, the
// handler — and follows its steps; the core decides the admission (status, headers, body of a
// refusal), the replay key and its lifetime, the `/settle` body, the verdict on the
// facilitator's answer and the receipt.
// Exactly once (the core's rules): the replay key is reserved before the handler runs; a handler that fails
// (exception or status >= 400) settles nothing and releases the reservation; a refused
// settlement withholds the content (402, failure receipt) and releases it; no answer from the
// facilitator withholds the content and keeps the reservation until its lifetime ends.
// No Node API: this runs in Node, browsers and edge runtimes.
import { serverConfig, offerConfig } from "./config.mjs";
import { createPage } from "./page.mjs";


function gateError(name, code, message) {
  // a config error is a real `TypeError` (`instanceof`), as the README promises
  const e = name === "TypeError" ? new TypeError(message) : new Error(message);
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
  const { pageFor } = createPage(core);
  // ---------------------------------------------------------------- the engine
  // The core's resource server (`X402Server`, pay402-host over `pay402::x402::server`) makes
  // every decision: the challenge, the admission and its refusal, the replay key and lifetime,
  // the `/settle` body, the verdict on the answer and the receipt. Here: its construction, with
  // a bad offer reported as a config error (fail closed), and the offer paid, read back from the
  // challenge the core wrote (`accepts`, in configuration order).
  function engine(offers, resource) {
    let server;
    try {
      server = new core.X402Server(offers, resource);
    } catch (e) {
      if (typeof e?.code !== "string") throw e;
      const error = gateError("TypeError", "invalid_config", `offers: ${e.message}`);
      error.detailCode = e.code;
      error.cause = e;
      throw error;
    }
    const challenge = server.challenge(null);
    const [, required] = challenge.headers.find(([name]) => name.toUpperCase() === "PAYMENT-REQUIRED");
    const accepts = JSON.parse(core.x402HeaderToJson(required)).accepts;
    return { server, accepts };
  }

  // ---------------------------------------------------------------- smart-wallet payers
  // Smart-wallet payers (EIP-1271, EIP-7702, ERC-6492) are admitted through an EVM RPC: the
  // config's `rpc` (`null` turns the default off), else the `chainReads` of a `localSettlement`
  // whose `settle` (or which, as `facilitator`) is given; without one the core refuses them
  // (`smart_wallet_needs_rpc`).
  function chainOf(config) {
    const from = config.settle?.chainReads ? config.settle : config.facilitator?.chainReads ? config.facilitator : null;
    const rpc = config.rpc !== undefined ? config.rpc : from?.chainReads ?? null;
    if (rpc !== null && !(typeof rpc?.getCode === "function" && typeof rpc?.call === "function")) {
      throw gateError("TypeError", "invalid_config", "config.rpc: expected { getCode(address), call(to, data) } (async)");
    }
    const allowedFactories = [...(config.allowedFactories ?? from?.allowedFactories ?? [])];
    return { rpc, allowedFactories };
  }

  // The core's admission, with the chain when there is an RPC: it asks for the payer's code,
  // then at most one eth_call, and decides; a read that fails (or answers no bytes) is its 503,
  // never a pass.
  async function admitWithChain(server, headers, now, { rpc, allowedFactories }) {
    if (!rpc) return server.admit(headers, now);
    const answers = {};
    for (;;) {
      let step;
      try {
        step = server.admitStep(headers, now, allowedFactories, answers);
      } catch (e) {
        if (e?.code === "invalid_rpc_result") return server.chainUnavailable();
        throw e;
      }
      if (step.step === undefined) return step; // X402Admitted or X402Reply
      try {
        if (step.step === "getCode" && !("code" in answers)) answers.code = (await rpc.getCode(step.address)) ?? null;
        else if (step.step === "call" && !answers.called) {
          answers.callResult = await rpc.call(step.to, step.data);
          answers.called = true;
        } else return server.chainUnavailable();
      } catch {
        return server.chainUnavailable();
      }
    }
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
    const dynamic = typeof config.offers === "function" ||
      config.offers.some((o) => ["amount", "price", "payTo"].some((k) => typeof o[k] === "function"));
    // static offers are built now (for a stand-in URL: the request's is known per request), so
    // a bad offer or resource fails when the middleware is created
    const standIn = { url: "http://localhost/", ...config.resource };
    if (!dynamic) engine(config.offers.map((o, i) => offerConfig(o, `offers[${i}]`)), standIn).server.free();
    else if (Array.isArray(config.offers) && !config.offers.some((o) => typeof o.payTo === "function")) {
      // a per-request price: the rest of the terms are checked now with a stand-in price of one
      // atomic unit (as the Python package does); a per-request payee is checked per request
      const probe = config.offers.map(({ price, amount, ...rest }, i) => {
        const perRequest = typeof price === "function" || typeof amount === "function";
        return offerConfig({ ...rest, ...(perRequest ? { amount: "1" } : { price, amount }) }, `offers[${i}]`);
      });
      engine(probe, standIn).server.free();
    }

    const chain = chainOf(config);
    // the paywall page for browsers (on unless `page: false`), checked by the core now
    const page = pageFor(config.page);

    async function engineFor(raw, url) {
      let offers = typeof config.offers === "function" ? await config.offers(raw) : config.offers;
      if (!Array.isArray(offers) || offers.length === 0) throw gateError("TypeError", "invalid_config", "offers(request): expected a non-empty array");
      offers = await Promise.all(offers.map(async (offer, i) => {
        const resolved = { ...offer };
        for (const field of ["amount", "price", "payTo"]) if (typeof offer[field] === "function") resolved[field] = await offer[field](raw);
        return offerConfig(resolved, `offers[${i}]`);
      }));
      const resource = { url, ...config.resource };
      const key = JSON.stringify([offers, resource]);
      let found = engines.get(key);
      if (!found) {
        if (engines.size >= 256) engines.clear();
        found = engine(offers, resource);
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
    const encoder = new TextEncoder();
    const decoder = new TextDecoder();

    async function settleOnce(bodyBytes, ctx) {
      let answer;
      if (config.facilitator) {
        // a facilitator client (`pay402/facilitator`): its verdict, or no answer
        const { paymentPayload, paymentRequirements } = JSON.parse(decoder.decode(bodyBytes));
        try {
          answer = await config.facilitator.settle(paymentPayload, paymentRequirements);
        } catch (e) {
          if (e?.body && typeof e.body === "object" && "success" in e.body) answer = e.body;
          else return null;
        }
        return encoder.encode(JSON.stringify(answer));
      }
      if (config.settle) {
        try {
          answer = await config.settle(bodyBytes, ctx);
        } catch {
          return null;
        }
        if (answer === null || answer === undefined) return null;
        if (!(answer instanceof Uint8Array) && typeof answer !== "string") answer = JSON.stringify(answer);
      } else {
        answer = await postSettle(config.facilitatorUrl, bodyBytes, config.facilitatorTimeoutMs ?? 10_000, config.facilitatorHeaders ?? {});
        if (answer === null) return null;
      }
      return typeof answer === "string" ? encoder.encode(answer) : answer;
    }
    const parsed = (bytes) => {
      try {
        return JSON.parse(decoder.decode(bytes));
      } catch {
        return null;
      }
    };

    async function handle(request, run) {
      const raw = request.raw;
      if (hooks.grantAccess && (await hooks.grantAccess({ request: raw }))) {
        const result = await run(null);
        return { type: "serve", status: result.status, headers: [], result };
      }
      const { server, accepts } = await engineFor(raw, request.url);
      const fail = async (stage, status, code, extra = {}) => {
        if (hooks.onFailure) await hooks.onFailure({ request: raw, stage, status, code, ...extra });
      };
      if (hooks.beforeVerify) {
        const verdict = await hooks.beforeVerify({ request: raw });
        if (verdict?.abort) {
          // The hook's reason is the code the challenge reports, its message the body's errorMessage.
          const code = verdict.reason ?? "aborted";
          const r = server.challenge(code, verdict.message ?? null);
          await fail("verify", r.status, code);
          return reply(await body(config.unpaidBody, { code, detailCode: null }, raw, r));
        }
      }
      const pairs = headerPairs(request.headers);
      const admitted = await admitWithChain(server, pairs, clock(), chain);
      if (!admitted.admitted) {
        await fail("verify", admitted.status, admitted.code, { detailCode: admitted.detailCode });
        if (page && admitted.status === 402 && admitted.code === "payment_required") {
          // a browser gets the page (the core decides; `unpaidBody` is for API clients)
          const html = await page.answer(admitted, {
            method: request.method, headers: pairs, url: request.url, description: config.resource?.description, raw,
          });
          if (html) return reply(html);
        }
        return reply(await body(config.unpaidBody, { code: admitted.code, detailCode: admitted.detailCode }, raw, admitted));
      }
      const ex = server.exchange(admitted, { settleBeforeHandler: config.settleBeforeHandler === true });
      try {
        return await exchange(raw, run, server, accepts, admitted, ex, fail);
      } finally {
        ex.free();
        admitted.free();
      }
    }

    async function exchange(raw, run, server, accepts, admitted, ex, fail) {
      const offer = accepts[admitted.offerIndex];
      const payload = JSON.parse(admitted.payment);
      const payment = {
        payer: admitted.payer, amount: admitted.amount, x402Version: admitted.x402Version,
        offer, offerIndex: admitted.offerIndex, payload, settleAmount: undefined, settlement: null,
        /** `upto`: charge `amount` (atomic units, at most the signed maximum) instead of the maximum. */
        charge(amount) { this.settleAmount = BigInt(amount); },
      };
      if (hooks.afterVerify) await hooks.afterVerify({ request: raw, payment, offer, payload });
      const key = ex.replayKey;
      let fresh;
      try {
        fresh = await store.reserve(key, ex.ttl);
      } catch (e) {
        const r = server.replayStoreUnavailable();
        await fail("reserve", r.status, r.code, { error: e });
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
              // the core refused the reported charge (above the signed maximum): nothing is settled
              await store.release(key);
              await fail("settle", 500, e.code ?? "settle_request_failed", { error: e });
              throw e;
            }
            const ctx = { request: raw, offer, payload, payment, body: settleBody };
            let answer;
            const verdict = hooks.beforeSettle ? await hooks.beforeSettle(ctx) : undefined;
            if (verdict?.abort) {
              answer = encoder.encode(JSON.stringify({ success: false, errorReason: verdict.reason ?? "aborted",
                ...(verdict.message ? { errorMessage: verdict.message } : {}), transaction: "", network: offer.network }));
            } else {
              answer = await settleOnce(settleBody, ctx);
            }
            payment.settlement = answer === null ? null : parsed(answer);
            if (hooks.afterSettle) await hooks.afterSettle({ ...ctx, settlement: payment.settlement });
            step = ex.settled(answer);
            break;
          }
          case "serve":
            if (thrown) {
              // settled before the handler, which then failed: the payment is taken, so the
              // client gets the receipt with the core's status
              await fail("handler", step.status, "handler_failed", { error: thrown });
              return reply(step);
            }
            return { type: "serve", status: step.status, headers: step.headers, result };
          case "release_reservation":
            await store.release(key);
            await fail("handler", step.status, "handler_failed", { error: thrown });
            if (thrown) throw thrown;
            return { type: "serve", status: step.status, headers: step.headers, result };
          case "withhold": {
            await store.release(key);
            const code = payment.settlement?.errorReason;
            await fail("settle", step.status, code, { settlement: payment.settlement });
            return reply(await body(config.failureBody, { code, settlement: payment.settlement }, raw, step));
          }
          case "keep_reservation": {
            const code = payment.settlement?.errorReason ?? "settlement_unavailable";
            await fail("settle", step.status, code, { settlement: payment.settlement });
            return reply(await body(config.failureBody, { code, settlement: payment.settlement }, raw, step));
          }
          case "refuse_replay":
            await fail("reserve", step.status, "payment_already_used");
            return reply(await body(config.unpaidBody, { code: "payment_already_used", detailCode: null }, raw, step));
          default:
            throw gateError("Error", "unknown_step", `unknown exchange step ${step.action}`);
        }
      }
    }

    return { handle, config, store, page };
  }

  /**
   * x402 payment requirements (v2 `amount` or v1 `maxAmountRequired`; `extra` per scheme) as
   * the offers `X402Server` takes: a conversion of field names, the core checks the values.
   */
  function offersFromAccepts(accepts) {
    if (!Array.isArray(accepts)) throw gateError("TypeError", "invalid_argument", "accepts: expected an array of payment requirements");
    return accepts.map((r) => {
      const extra = r.extra ?? {};
      const offer = { scheme: r.scheme, network: r.network, asset: r.asset, amount: r.amount ?? r.maxAmountRequired,
        payTo: r.payTo, maxTimeoutSeconds: r.maxTimeoutSeconds };
      if (extra.feePayer !== undefined) offer.feePayer = extra.feePayer;
      else if (extra.facilitatorAddress !== undefined) offer.facilitator = extra.facilitatorAddress;
      else if (extra.assetTransferMethod !== undefined) offer.transferMethod = extra.assetTransferMethod;
      else {
        offer.eip712Name = extra.name;
        offer.eip712Version = extra.version;
      }
      for (const k of Object.keys(offer)) if (offer[k] === undefined) delete offer[k];
      return offer;
    });
  }

  return { paymentGate, headerPairs, offersFromAccepts, chainOf, admitWithChain, pageFor };
}
