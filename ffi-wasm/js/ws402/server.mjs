// pay402/ws402 — a pay-as-you-go WebSocket server (WS402) on the `ws` package's `WebSocketServer`.
//
// The core's WS402 session machine (`Ws402Server` / `Ws402Session`, pay402-host over
// `pay402::ws402::SessionMachine`) makes every decision: the admission of the `payment_proof`
// (any scheme of the offers), the replay key and its lifetime, every frame sent and when, the
// ends, their instants and close codes, the `/settle` body and its amount, the refund's amount,
// recipient, asset and key, and the statement. This module does the I/O the commands ask for, in
// their order: the socket, one timer at `timeout()`, the replay store, the settlement and the
// refund. One queue per session serialises every input (a frame, the timer, `error` then `close`,
// the application's `send` and `end`), so they reach the core one at a time, in order.
//
// Money cannot be doubled: the core reserves the prepayment's replay key before
// `session_started` (one prepayment, one session), settles `exact` before the session and refunds
// `paid − consumed` once to the verified payer; `upto` settles exactly what was consumed at the
// end. An `exact` offer without anything able to refund is a configuration error (fail closed).
//
// `chainProof` also admits the original WS402's on-chain prepayment (`{"txHash","reference","senderAddress"}`,
// a transaction the client sent itself): the core asks for JSON-RPC calls (`rpc` commands), which this module
// POSTs to `chainProof.rpcUrl` with a timeout and reports verbatim (a failure as `null`); the core decides the
// verdict, the amount received, the payer and the refund (to the transaction's payer, in the paid asset).
import { Ws402Server, ws402GrantIssue } from "pay402";
import { offerConfig } from "../server/config.mjs";
import { MemoryReplayStore } from "../replay.mjs";

function configError(message, code = "invalid_config") {
  const e = new TypeError(message);
  e.code = code;
  return e;
}

const SHORTHAND = ["scheme", "network", "asset", "amount", "price", "decimals", "payTo", "maxTimeoutSeconds",
  "eip712Name", "eip712Version", "transferMethod", "facilitator", "feePayer"];
const FIELDS = new Set([...SHORTHAND, "offers", "resource", "pricePerSecond", "tariff", "estimatedDuration",
  "maxSessionDuration", "updateIntervalMs", "proofTimeoutMs", "settleMarginS", "settle", "refund", "replayStore",
  "now", "timers", "publicUrl", "onError", "secret", "store", "resumeGraceMs", "leaseMs", "storeRetries", "chainProof"]);
const CHAIN_FIELDS = new Set(["chainId", "asset", "payTo", "rpcUrl", "rpcTimeoutMs", "minConfirmations", "maxAgeSeconds"]);

/** `chainProof` split: the core's terms (`chainId`, `asset`, `payTo`, `minConfirmations`, `maxAgeSeconds`) and the
 * transport's (`rpcUrl`, `rpcTimeoutMs`); `null` when absent. */
function chainProofOf(config) {
  const c = config.chainProof;
  if (c === undefined || c === null) return null;
  if (typeof c !== "object") throw configError("ws402Server: `chainProof` must be an object");
  for (const k of Object.keys(c)) if (!CHAIN_FIELDS.has(k)) throw configError(`ws402Server: chainProof.${k}: unknown field`);
  if (typeof c.rpcUrl !== "string" && !(c.rpcUrl instanceof URL)) throw configError("ws402Server: `chainProof.rpcUrl` (the chain's JSON-RPC URL) is required");
  let url;
  try {
    url = new URL(String(c.rpcUrl));
  } catch {
    throw configError("ws402Server: chainProof.rpcUrl is not a URL"); // not echoed: RPC URLs often carry an API key
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw configError("ws402Server: chainProof.rpcUrl must be http(s)");
  const timeoutMs = c.rpcTimeoutMs ?? 10_000;
  if (!Number.isSafeInteger(timeoutMs) || timeoutMs <= 0) throw configError("ws402Server: chainProof.rpcTimeoutMs must be a positive integer");
  const terms = { chainId: c.chainId, payTo: c.payTo };
  if (c.asset !== undefined && c.asset !== null) terms.asset = c.asset;
  if (c.minConfirmations !== undefined) terms.minConfirmations = c.minConfirmations;
  if (c.maxAgeSeconds !== undefined) terms.maxAgeSeconds = c.maxAgeSeconds;
  return { terms, rpcUrl: url.href, timeoutMs };
}

/**
 * One JSON-RPC call for the core: `{"jsonrpc":"2.0","id":1,"method":…,"params":<params verbatim>}` POSTed to `url`.
 * The whole response body, or `null` when the call failed (connection error, timeout, status ≠ 200). The body is
 * not looked into: the core reads `result` / `error`.
 */
async function rpcCall(url, timeoutMs, method, params) {
  try {
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: `{"jsonrpc":"2.0","id":1,"method":${JSON.stringify(method)},"params":${params}}`,
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (res.status !== 200) {
      await res.body?.cancel().catch(() => {});
      return null;
    }
    return new Uint8Array(await res.arrayBuffer());
  } catch {
    return null;
  }
}

/** The offers: `offers`, or one offer from the shorthand fields; none when only `chainProof` is sold. */
function offersOf(config) {
  const short = SHORTHAND.filter((k) => config[k] !== undefined);
  if (config.offers === undefined && short.length === 0 && config.chainProof != null) return [];
  if (config.offers !== undefined) {
    if (short.length) throw configError(`ws402Server: give \`offers\` or ${short.join(", ")}, not both`);
    if (!Array.isArray(config.offers) || config.offers.length === 0) throw configError("ws402Server: `offers` must be a non-empty array");
    return config.offers.map((o, i) => offerConfig(o, `offers[${i}]`));
  }
  const offer = {};
  for (const k of short) offer[k] = config[k];
  return [offerConfig(offer, "offer")];
}

/** The core's policy from the config's prices and limits (amounts as given: bigint or decimal text). */
function policyOf(config) {
  const text = (v) => (typeof v === "bigint" ? v.toString() : v);
  const tariff = config.tariff ?? {};
  if (config.tariff !== undefined && config.pricePerSecond !== undefined) {
    throw configError("ws402Server: give `pricePerSecond` or `tariff`, not both");
  }
  const perSecond = config.pricePerSecond ?? tariff.perSecond;
  if (perSecond === undefined) throw configError("ws402Server: `pricePerSecond` (or `tariff.perSecond`) is required");
  for (const k of Object.keys(tariff)) {
    if (!["perSecond", "perByteIn", "perByteOut", "perMessage"].includes(k)) throw configError(`ws402Server: tariff.${k}: unknown price`);
  }
  const policy = { pricePerSecond: text(perSecond) };
  if (config.maxSessionDuration === undefined && config.estimatedDuration === undefined) {
    throw configError("ws402Server: `maxSessionDuration` or `estimatedDuration` (seconds) is required");
  }
  policy.maxSessionSeconds = config.maxSessionDuration ?? config.estimatedDuration;
  if (config.estimatedDuration !== undefined) policy.estimatedDuration = config.estimatedDuration;
  if (tariff.perByteIn !== undefined) policy.pricePerByteIn = text(tariff.perByteIn);
  if (tariff.perByteOut !== undefined) policy.pricePerByteOut = text(tariff.perByteOut);
  if (tariff.perMessage !== undefined) policy.pricePerMessage = text(tariff.perMessage);
  for (const k of ["updateIntervalMs", "proofTimeoutMs", "settleMarginS", "resumeGraceMs", "leaseMs"]) if (config[k] !== undefined) policy[k] = config[k];
  const chain = chainProofOf(config);
  if (chain) policy.chainProof = chain.terms;
  return policy;
}

/**
 * The settlement I/O: `settle(body) → answer bytes | null` and `refund(order) → outcome`.
 * `config.settle` is a `localSettlement(...)` object (its `settle(body)` and `refund(order)`),
 * a facilitator client (`settle(paymentPayload, requirements)`), or a function of the `/settle`
 * body resolving to the SettleResponse (or `null`: no answer). `config.refund` (a function of the
 * `RefundOrder`) overrides the settlement's `refund`. A server selling only `chainProof` settles nothing (the
 * money is on chain already): it needs only `refund` (or a `settle` with a `refund`).
 */
function settlementOf(config, onlyChain) {
  const s = config.settle;
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  let settle;
  if (typeof s === "function") {
    settle = async (body) => s(body);
  } else if (s && typeof s.settlePayment === "function" && typeof s.settle === "function") {
    settle = async (body) => s.settle(body); // localSettlement: the /settle body as is
  } else if (s && typeof s.settle === "function") {
    settle = async (body) => { // a facilitator client
      const { paymentPayload, paymentRequirements } = JSON.parse(decoder.decode(body));
      try {
        return await s.settle(paymentPayload, paymentRequirements);
      } catch (e) {
        if (e?.body && typeof e.body === "object" && "success" in e.body) return e.body;
        return null;
      }
    };
  } else if (onlyChain && s === undefined) {
    settle = async () => null; // never asked: no offer to settle
  } else {
    throw configError("ws402Server: `settle` is required: a localSettlement(...), a facilitator client or a function of the /settle body");
  }
  const refundFn = config.refund ?? (typeof s?.refund === "function" ? s.refund.bind(s) : undefined);
  if (refundFn !== undefined && typeof refundFn !== "function") throw configError("ws402Server: `refund` must be a function of the RefundOrder");
  return {
    canRefund: refundFn !== undefined,
    async settle(body) {
      let answer;
      try {
        answer = await settle(body);
      } catch {
        return null; // the outcome is unknown: the core keeps the reservation
      }
      if (answer === null || answer === undefined) return null;
      if (answer instanceof Uint8Array) return answer;
      return encoder.encode(typeof answer === "string" ? answer : JSON.stringify(answer));
    },
    async refund(order) {
      let result;
      try {
        result = await refundFn(order);
      } catch {
        return "pending"; // not known to be paid nor refused: reported, never sent twice (the order's key)
      }
      const verdict = typeof result === "string" ? result : result?.verdict;
      if (verdict === "refunded" || verdict === "confirmed") return "confirmed";
      if (verdict === "failed") return "failed";
      return "pending";
    },
  };
}

const defaultTimers = {
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (handle) => clearTimeout(handle),
};

function randomId() {
  const id = new Uint8Array(16);
  globalThis.crypto.getRandomValues(id);
  return id;
}

function pathOf(req) {
  try {
    return new URL(req.url ?? "/", "http://x").pathname;
  } catch {
    return null;
  }
}

/**
 * A WS402 server. `config`:
 * - the offers: `offers` (as `x402Middleware`'s), or one offer's fields (`scheme`, `network`,
 *   `payTo`, `amount` (the prepayment; `upto`: the maximum) or `price`, `asset`, `facilitator`, …);
 * - the prices: `pricePerSecond` or `tariff: { perSecond, perByteIn, perByteOut, perMessage }`
 *   (atomic units, bigint or decimal text); `maxSessionDuration` and/or `estimatedDuration`
 *   (seconds); `updateIntervalMs`, `proofTimeoutMs`, `settleMarginS`;
 * - `settle` (see above), `refund`, `replayStore` (pay402/replay's; default `MemoryReplayStore`),
 *   `resource` (`{ url, description, mimeType }`), `publicUrl` (the schema's `websocketEndpoint`;
 *   default from the request's `Host`), `now` (ms clock), `timers` (`{ set(fn, ms), clear(h) }`),
 *   `onError(error)` (I/O failures the core did not ask about).
 * Throws a `TypeError` with `code` `invalid_config` (or `missing_refund`, or the core's offer
 * code as `detailCode`) when the config is wrong.
 */
export function ws402Server(config = {}) {
  if (config === null || typeof config !== "object") throw configError("ws402Server: expected a config object");
  for (const k of Object.keys(config)) if (!FIELDS.has(k)) throw configError(`ws402Server: config.${k}: unknown field`);
  const offers = offersOf(config);
  const policy = policyOf(config);
  const chain = chainProofOf(config);
  const settlement = settlementOf(config, chain !== null && offers.length === 0);
  const store = config.replayStore ?? new MemoryReplayStore();
  if (typeof store?.reserve !== "function" || typeof store?.release !== "function") {
    throw configError("ws402Server: `replayStore` must have reserve(key, ttlSeconds) and release(key)");
  }
  const now = config.now ?? Date.now;
  const timers = config.timers ?? defaultTimers;
  const onError = config.onError ?? (() => {});
  const resource = config.resource ?? {};
  // Persistence, resumption and recovery (the core's, under the server secret): `secret` and
  // `store` come together; a store answers create/swap/load/delete/openIds (./store.mjs).
  const secret = config.secret;
  const sessions = config.store;
  if ((secret === undefined) !== (sessions === undefined)) {
    throw configError("ws402Server: `secret` and `store` come together (a session store keeps the records the secret seals)");
  }
  if (secret !== undefined && !(secret instanceof Uint8Array)) throw configError("ws402Server: `secret` must be a Uint8Array of 32 to 64 random bytes");
  if (sessions !== undefined && !["create", "swap", "load", "delete", "openIds"].every((m) => typeof sessions?.[m] === "function")) {
    throw configError("ws402Server: `store` must have create, swap, load, delete and openIds (memorySessionStore() or redisSessionStore(client))");
  }
  if (config.resumeGraceMs && secret === undefined) throw configError("ws402Server: `resumeGraceMs` needs `secret` and `store`");
  const storeRetries = config.storeRetries ?? 3;
  // A store that cannot answer is retried (storeRetries more times, 100 ms apart); it is never
  // reported as `false` (that would abandon the session). If it still fails, the socket is
  // dropped and the session forgotten here: the stored record stays, and recover() (this
  // process or another) owns the money.
  async function storeCall(fn) {
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn();
      } catch (e) {
        if (attempt >= storeRetries) throw e;
        onError(e);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  const engines = new Map(); // resource url → Ws402Server
  function engine(url) {
    let found = engines.get(url);
    if (!found) {
      try {
        found = new Ws402Server(offers, { ...resource, url }, policy);
        if (secret !== undefined) {
          const plain = found;
          found = plain.withSecret(secret);
          plain.free();
        }
      } catch (e) {
        if (typeof e?.code !== "string") throw e;
        const error = configError(`ws402Server: ${e.message}`);
        error.detailCode = e.code;
        error.cause = e;
        throw error;
      }
      if (engines.size >= 64) engines.clear();
      engines.set(url, found);
    }
    return found;
  }
  // Built now, so a bad offer or price fails here; an exact offer needs something able to refund.
  const probe = engine(resource.url ?? "ws://localhost/");
  const accepts = JSON.parse(probe.schema("ws://localhost/")).paymentDetails?.accepts ?? [];
  if (!settlement.canRefund && accepts.some((a) => a.scheme === "exact")) {
    throw configError("ws402Server: an exact offer refunds the unused prepayment: give `settle` a localSettlement(...) (or `refund`), or sell with upto",
      "missing_refund");
  }
  if (!settlement.canRefund && chain !== null) {
    throw configError("ws402Server: an on-chain prepayment (chainProof) refunds its unused part: give `refund` (or `settle` a localSettlement(...))",
      "missing_refund");
  }

  const urlOf = (req, path) => {
    if (config.publicUrl) return config.publicUrl;
    const tls = req.socket?.encrypted === true;
    return `${tls ? "wss" : "ws"}://${req.headers?.host ?? "localhost"}${path}`;
  };
  const resourceUrl = (req, path) => resource.url ?? urlOf(req, path);

  const live = new Set();
  const httpServes = new WeakMap(); // session → its grantMiddleware charge
  const running = new WeakMap(); // session → () => its machine is running here (a resumed one, not its suspended predecessor)
  let wss = null;
  let routes = null;
  let onSessionFn = null;
  const detach = [];

  const session_ = (...args) => session(...args);
  function session(ws, req, path, recovered = null) {
    const openedAt = now();
    const core = recovered ?? engine(resourceUrl(req, path)).accept(openedAt, randomId());
    const target = new EventTarget();
    const endListeners = [];
    let tail = Promise.resolve();
    let timer = null;
    let started = false;
    let finished = null;
    let freed = false;
    let abandoned = false;
    let frame; // the client frame of the current input
    let outgoing; // the application frame of the current appSend
    let sent = false;
    let last = openedAt;
    let lastId = core.sessionId();
    // The time of an input: the instant its event happened (captured when it arrived, not when
    // the queue reaches it), never before an earlier input's: the meter's clock never runs back.
    const stamp = (at = now()) => (last = Math.max(last, at));
    let resolveEnd;
    const ended = new Promise((r) => { resolveEnd = r; });

    const enqueue = (fn) => {
      const run = tail.then(fn);
      tail = run.then(() => undefined, (e) => { if (!isCoreRefusal(e)) onError(e); });
      return run;
    };
    const isCoreRefusal = (e) => e?.name === "Ws402Error";

    async function run(commands) {
      for (const c of commands) {
        switch (c.kind) {
          case "send":
            if (ws.readyState === 1) ws.send(c.text);
            break;
          case "send_app_frame":
            if (ws.readyState === 1) {
              ws.send(outgoing);
              sent = true;
            }
            break;
          case "deliver_to_app":
            target.dispatchEvent(messageEvent(frame));
            break;
          case "serve_http":
            break; // the grantMiddleware sends the response once httpServe's verdict is 200

          case "close":
            if (ws.readyState === 0 || ws.readyState === 1) ws.close(c.code);
            break;
          case "reserve": {
            let answer;
            try {
              answer = (await store.reserve(c.key, c.ttl)) === true ? "fresh" : "already_used";
            } catch (e) {
              onError(e);
              answer = "unavailable";
            }
            await run(core.reserved(stamp(), answer));
            break;
          }
          case "release":
            try {
              await store.release(c.key);
            } catch (e) {
              onError(e); // the reservation expires at its ttl
            }
            break;
          case "settle":
            {
            const answer = await settlement.settle(c.body);
            await run(core.settled(stamp(), answer));
          }
            break;
          case "rpc": {
            const body = chain === null ? null : await rpcCall(chain.rpcUrl, chain.timeoutMs, c.method, c.params);
            await run(core.rpcResponse(stamp(), body));
            break;
          }
          case "refund":
            {
            const outcome = await settlement.refund(c.refund);
            await run(core.refunded(stamp(), outcome));
          }
            break;
          case "finished":
            // the done record stays until its ttl (HTTP grants are checked against it: 403
            // session_ended); recover() deletes done records it finds
            finish(c.statement);
            break;
          case "persist": {
            let ok;
            try {
              ok = await storeCall(() => (c.expect === null
                ? sessions.create(c.sessionId, c.record, c.generation, c.ttl)
                : sessions.swap(c.sessionId, c.record, c.generation, c.expect, c.ttl)));
            } catch (e) {
              drop(e);
              return;
            }
            await run(core.persisted(stamp(), ok === true));
            break;
          }
          case "load": {
            let stored;
            try {
              stored = await storeCall(() => sessions.load(c.sessionId));
            } catch (e) {
              drop(e);
              return;
            }
            await run(core.loaded(stamp(), stored?.record ?? null));
            break;
          }
          case "abandoned":
            // another process owns the session (a lost compare-and-swap): nothing more here
            drop(null);
            return;
          default:
            throw new Error(`ws402: unknown command ${c.kind}`);
        }
      }
    }

    function arm() {
      if (timer !== null) timers.clear(timer);
      timer = null;
      if (freed) return;
      const at = core.timeout();
      if (at === null) return;
      timer = timers.set(() => {
        timer = null;
        const t = now();
        enqueue(() => input(() => core.timer(stamp(t))));
      }, Math.max(0, at - now()));
    }

    // One input: the core's commands, done in order; then the timer, the start, the end.
    async function input(report) {
      if (freed) return;
      try {
        await run(report());
      } finally {
        if (!freed) {
          if (!started && !finished && core.phase() === "running") {
            started = true;
            app.payer = core.payer();
            queueMicrotask(() => startApp());
          }
          arm();
          if (finished || abandoned) {
            freed = true;
            core.free();
          }
        }
      }
    }

    // The session is forgotten here without a statement: abandoned (another process owns it),
    // or its store could not answer (the stored record stays for recover()).
    function drop(error) {
      if (error) onError(error);
      abandoned = true;
      live.delete(app);
      if (ws.readyState === 0 || ws.readyState === 1) ws.terminate();
      const event = Object.assign(new Event("abandoned"), { error });
      target.dispatchEvent(event);
      resolveEnd(null);
    }

    function finish(statement) {
      finished = statement;
      live.delete(app);
      for (const fn of endListeners) {
        try {
          fn(statement);
        } catch (e) {
          onError(e);
        }
      }
      target.dispatchEvent(Object.assign(new Event("end"), { statement }));
      resolveEnd(statement);
    }

    async function startApp() {
      try {
        if (onSessionFn) await onSessionFn(app);
      } catch (e) {
        onError(e);
        const t = now();
        enqueue(() => input(() => core.appEnded(stamp(t), true)));
      }
    }

    const app = {
      /** The wire `sessionId` (after a resume: the resumed session's). */
      get id() {
        return freed ? lastId : (lastId = core.sessionId());
      },
      /** The verified payer, once the session started. */
      payer: null,
      /** The statement once the session ended (else `null`). */
      get statement() {
        return finished;
      },
      /** `message` events (`event.data`: a string, or a Uint8Array for a binary frame); `end` (`event.statement`). */
      addEventListener: target.addEventListener.bind(target),
      removeEventListener: target.removeEventListener.bind(target),
      /** Calls `fn(statement)` once the session ended (settled and refunded). */
      onEnd(fn) {
        if (finished) queueMicrotask(() => fn(finished));
        else endListeners.push(fn);
      },
      /** Calls `fn(data)` for each application frame of the client. */
      onMessage(fn) {
        target.addEventListener("message", (e) => fn(e.data));
      },
      /**
       * Sends `data` (string or bytes) if the balance pays for it: resolves `true` when sent,
       * `false` when the core withheld it (the session then ends) or the session is over.
       */
      send(data) {
        const t = now();
        return enqueue(async () => {
          if (freed) return false;
          const bytes = typeof data === "string" ? new TextEncoder().encode(data).length : data.byteLength;
          outgoing = data;
          sent = false;
          try {
            await input(() => core.appSend(stamp(t), bytes));
          } catch (e) {
            if (isCoreRefusal(e)) return false;
            throw e;
          } finally {
            outgoing = undefined;
          }
          return sent;
        });
      },
      /** Ends the session (a server close) and resolves to its statement once settled. */
      end() {
        const t = now();
        let refused;
        const refusal = new Promise((r) => { refused = r; });
        enqueue(() => {
          if (!started) {
            // not paid yet: no session to end, the socket goes (the core rejects it on the close)
            if (ws.readyState === 0 || ws.readyState === 1) ws.close(1001);
            return undefined;
          }
          return input(() => core.appEnded(stamp(t), false));
        }).catch((e) => {
          // a suspended session (it ends at its grace) or one already over: no statement now
          if (isCoreRefusal(e)) refused(finished);
        });
        return Promise.race([ended, refusal]);
      },
      /** Resolves to the statement once the session ended. */
      ended,
      /**
       * An HTTP grant token for `resourceUrl` (exactly the URL the `grantMiddleware` checks),
       * valid `ttlMs` (default 60000) at the session's grant generation (a resume revokes it);
       * the client sends `Authorization: WS402 <token>`. Needs `secret`.
       */
      grant(resourceUrl, { ttlMs = 60_000 } = {}) {
        if (secret === undefined) throw configError("session.grant: HTTP grants need `secret` and `store`");
        if (freed) throw configError("session.grant: the session is over", "session_ended");
        return ws402GrantIssue(secret, core.sessionId(), String(resourceUrl), core.grantGeneration, now() + ttlMs);
      },
    };
    // The grantMiddleware's charge: the core's verdict on serving `bytes` body bytes now.
    // The verdict is given as soon as the core decided; the commands after `serve_http` (the end,
    // when the response took the last of the balance) run after it, in this session's queue.
    running.set(app, () => !freed && core.phase() === "running");
    httpServes.set(app, (bytes, schemaUrl) => {
      const t = now();
      return new Promise((resolve, reject) => {
        enqueue(async () => {
          if (freed) {
            resolve(Ws402Server.grantElsewhere(schemaUrl));
            return;
          }
          try {
            await input(() => {
              const verdict = core.httpServe(stamp(t), bytes, schemaUrl);
              resolve(verdict);
              return verdict.commands;
            });
          } catch (e) {
            reject(e); // no verdict yet: the middleware fails closed (a verdict given stays)
            throw e;
          }
        }).catch(() => {}); // reported by the queue (onError)
      });
    });
    live.add(app);

    ws.on("message", (data, isBinary) => {
      const t = now();
      const bytes = Array.isArray(data) ? Buffer.concat(data) : data;
      const text = isBinary ? null : bytes.toString();
      const binary = isBinary ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength).slice() : null;
      enqueue(() => {
        frame = isBinary ? binary : text;
        return input(() => (isBinary ? core.handleBinary(stamp(t), binary) : core.handleText(stamp(t), text)));
      });
    });
    ws.on("error", (e) => {
      const t = now();
      onError(e);
      enqueue(() => input(() => core.closed(stamp(t), null))); // a drop (no close frame)
    });
    ws.on("close", (code) => {
      const t = now();
      enqueue(() => input(() => core.closed(stamp(t), code)));
    });
    if (recovered) enqueue(() => input(() => core.pending())); // the takeover write first
    else enqueue(() => input(() => [])); // arm the proof timeout
    return app;
  }

  function messageEvent(data) {
    return typeof MessageEvent === "function" ? new MessageEvent("message", { data }) : Object.assign(new Event("message"), { data });
  }

  /**
   * Answers `GET` with the WS402 schema JSON (`paymentDetails`: the offers' x402 PaymentRequired; with `chainProof`,
   * the original WS402's on-chain fields too: `recipient`, `amountWei`, `chainId`, `reference`, `expiresAt`, …).
   */
  function handleSchema(req, res, path = routes?.path ?? pathOf(req) ?? "/") {
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET" });
      res.end();
      return;
    }
    let body;
    try {
      const reference = new Uint8Array(8);
      globalThis.crypto.getRandomValues(reference);
      body = engine(resourceUrl(req, path)).schemaAt(urlOf(req, path), now(), reference);
    } catch (e) {
      onError(e);
      res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: e?.code ?? "schema_failed" }));
      return;
    }
    res.writeHead(200, { "content-type": "application/json", "cache-control": "no-store" });
    res.end(req.method === "HEAD" ? undefined : body);
  }

  /** Upgrades `req` to a WS402 session on the attached `WebSocketServer`. */
  function handleUpgrade(req, socket, head) {
    if (!wss) throw configError("ws402Server: attach(wss, …) before handleUpgrade");
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit("connection", ws, req));
  }

  /**
   * Sells sessions on `wss` (a `ws` WebSocketServer): each connection at `path` (any path when
   * absent and no `server`) becomes a session; `onSession(session)` runs once it started (paid).
   * With `server` (a `node:http`/`https` server), its `upgrade` requests at `path` are routed to
   * `wss` and `GET schemaPath` (default `path`; or a predicate of the request's pathname, e.g.
   * the original WS402's `/ws402/schema/:resourceId`) answers the schema. The query string is
   * never read (the original clients' `?userId=&resourceId=` and `?duration=` change nothing).
   */
  function attach(target, { server, path, schemaPath = path } = {}, onSession) {
    if (typeof onSession !== "function") throw configError("attach: onSession must be a function");
    if (typeof target?.handleUpgrade !== "function" || typeof target?.on !== "function") {
      throw configError("attach: expected a ws WebSocketServer");
    }
    if (server && typeof path !== "string") throw configError("attach: `path` is required with `server`");
    if (server && typeof schemaPath !== "string" && typeof schemaPath !== "function") {
      throw configError("attach: `schemaPath` must be a path or a predicate of the pathname");
    }
    wss = target;
    onSessionFn = onSession;
    routes = { path, schemaPath };
    const onConnection = (ws, req) => {
      const at = pathOf(req);
      if (path !== undefined && at !== path) return;
      session(ws, req, at ?? "/");
    };
    wss.on("connection", onConnection);
    detach.push(() => wss.off("connection", onConnection));
    if (server) {
      const onUpgrade = (req, socket, head) => {
        if (pathOf(req) === path) handleUpgrade(req, socket, head);
      };
      const onRequest = (req, res) => {
        const at = pathOf(req);
        if (at !== null && (typeof schemaPath === "function" ? schemaPath(at) === true : at === schemaPath)) handleSchema(req, res, path);
      };
      server.on("upgrade", onUpgrade);
      server.on("request", onRequest);
      detach.push(() => server.off("upgrade", onUpgrade), () => server.off("request", onRequest));
    }
    return api;
  }

  /**
   * After a restart: recovers every session the store lists as open, once per id in this
   * process. Each record goes to the core (`Ws402Server.recover`), which decides: a live owner
   * elsewhere (tried again when its lease runs out), await a resume until the grace ends, end now
   * at the last checkpoint, ask the settle or refund again, or nothing left (the record is
   * deleted). Resolves to `[{ sessionId, kind }]`; each recovered session's `ended` resolves to
   * its statement (or `null` when another process took it over).
   */
  async function recover() {
    if (sessions === undefined) throw configError("ws402Server: recover() needs `secret` and `store`");
    const url = resource.url ?? config.publicUrl;
    if (url === undefined) throw configError("ws402Server: recover() needs `resource.url` or `publicUrl` (the sessions' resource)");
    const out = [];
    for (const id of await storeCall(() => sessions.openIds())) {
      if (recovering.has(id)) continue;
      out.push({ sessionId: id, kind: await recoverOne(id, url) });
    }
    return out;
  }
  const recovering = new Map(); // id → the recovered session, or a retry timer

  async function recoverOne(id, url) {
    const stored = await storeCall(() => sessions.load(id));
    if (!stored) return "gone";
    let session, recovery;
    try {
      ({ session, recovery } = engine(url).recover(stored.record, now()));
    } catch (e) {
      onError(e);
      return "unreadable";
    }
    if (recovery.kind === "done") {
      session.free();
      await storeCall(() => sessions.delete(id, stored.generation)).catch(onError);
      return "done";
    }
    if (recovery.kind === "still_owned") {
      session.free();
      const retry = timers.set(() => {
        recovering.delete(id);
        recoverOne(id, url).catch(onError);
      }, Math.max(0, recovery.atMs - now()));
      recovering.set(id, retry);
      return "still_owned";
    }
    const closedSocket = { readyState: 3, send() {}, close() {}, terminate() {}, on() {} };
    const app = session_(closedSocket, null, null, session);
    recovering.set(id, app);
    app.ended.then(() => recovering.delete(id));
    return recovery.kind;
  }

  /**
   * A node:http / Express middleware `(req, res, next)` for the HTTP resources a session's grant
   * opens: it reads `Authorization: WS402 <token>`, loads the named session's record from the
   * store and lets the core decide (`Ws402Server.grantCheck`). Refused: the core's status (402,
   * 401 or 403) and JSON body (the 402 `grant_required` carries the seed's `error`/`message`, the
   * `code` and `schemaUrl`). Granted: `req.ws402Grant` is set and `next()` runs; the response the
   * handler writes is held (buffered) until it ends, then its body's bytes are charged to the
   * live session in this process (`httpServe`: the tariff's `perByteOut` per byte and
   * `perMessage` per response) **before** it is sent; a response the balance cannot pay is
   * replaced by the core's 402 `balance_insufficient` (the session goes on), and a session with
   * no live socket in this process gets the core's 403 `session_elsewhere`: nothing is ever
   * served uncharged. `resourceUrl(req)` is the URL the grant must name (default:
   * `http(s)://<Host><req.originalUrl ?? req.url>`); `schemaUrl(req)` the WS402 schema's URL named
   * in the 402s (default: `http(s)://<Host><schemaPath>` of `attach`).
   */
  function grantMiddleware({ resourceUrl: urlFor, schemaUrl: schemaFor } = {}) {
    if (sessions === undefined) throw configError("grantMiddleware: HTTP grants need `secret` and `store`");
    const checker = engine(resource.url ?? config.publicUrl ?? "ws://localhost/");
    const origin = (req) => `${req.socket?.encrypted ? "https" : "http"}://${req.headers?.host ?? "localhost"}`;
    const defaultUrl = (req) => `${origin(req)}${req.originalUrl ?? req.url ?? "/"}`;
    const defaultSchema = (req) => `${origin(req)}${routes?.schemaPath ?? "/"}`;
    const answer = (res, status, body) => {
      res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
      res.end(body);
    };
    return async function ws402Grant(req, res, next) {
      const authorization = req.headers?.authorization ?? null;
      const schemaUrl = (schemaFor ?? defaultSchema)(req);
      let verdict;
      try {
        const id = Ws402Server.grantSessionId(authorization);
        const stored = id === null ? null : await storeCall(() => sessions.load(id));
        verdict = checker.grantCheck(authorization, (urlFor ?? defaultUrl)(req), stored?.record ?? null, now(), schemaUrl);
      } catch (e) {
        onError(e);
        answer(res, 503, JSON.stringify({ error: e?.code ?? "session_store_unavailable" }));
        return;
      }
      if (verdict.status !== 200) {
        answer(res, verdict.status, verdict.body);
        return;
      }
      req.ws402Grant = verdict;
      const hex = Buffer.from(verdict.sessionId).toString("hex");
      // A resumed session may still have its suspended predecessor here under the same id: the running one is charged.
      const owners = [...live].filter((s) => s.id === hex);
      const owner = owners.find((s) => running.get(s)?.()) ?? owners[0];
      const serve = owner === undefined ? null : httpServes.get(owner);
      // Hold the response: its length is charged before its first byte is sent.
      const chunks = [];
      const { write, end, writeHead } = res;
      res.writeHead = function (status, ...rest) {
        res.statusCode = status;
        const headers = rest.find((x) => x !== null && typeof x === "object");
        if (headers && !Array.isArray(headers)) for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
        return res;
      };
      res.write = function (chunk, encoding, cb) {
        if (typeof encoding === "function") [cb, encoding] = [encoding, undefined];
        if (chunk !== undefined && chunk !== null) chunks.push(Buffer.from(chunk, encoding));
        if (typeof cb === "function") queueMicrotask(cb);
        return true;
      };
      res.end = function (chunk, encoding, cb) {
        if (typeof chunk === "function") [cb, chunk] = [chunk, undefined];
        if (typeof encoding === "function") [cb, encoding] = [encoding, undefined];
        if (chunk !== undefined && chunk !== null) chunks.push(Buffer.from(chunk, encoding));
        Object.assign(res, { write, end, writeHead });
        const body = Buffer.concat(chunks);
        const bytes = req.method === "HEAD" ? 0 : body.length;
        (serve === null ? Promise.resolve(Ws402Server.grantElsewhere(schemaUrl)) : serve(bytes, schemaUrl))
          .catch((e) => {
            onError(e);
            return Ws402Server.grantElsewhere(schemaUrl);
          })
          .then((served) => {
            if (served.status === 200) {
              if (req.method !== "HEAD") res.setHeader("content-length", body.length);
              res.writeHead(res.statusCode);
              res.end(req.method === "HEAD" ? undefined : body, cb);
            } else {
              for (const h of res.getHeaderNames()) res.removeHeader(h);
              answer(res, served.status, served.body);
            }
          });
        return res;
      };
      if (typeof next === "function") next();
    };
  }

  /** Stops selling: detaches, ends every live session and resolves to their statements. */
  async function close() {
    for (const d of detach.splice(0)) d();
    return Promise.all([...live].map((s) => s.end()));
  }

  const api = { attach, handleUpgrade, handleSchema, close, recover, grantMiddleware, sessions: () => [...live] };
  return api;
}
