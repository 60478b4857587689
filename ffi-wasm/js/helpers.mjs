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
import { createL402Adapters } from "./server/l402.mjs";


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
 * Use after `free()`: a wasm-bindgen object keeps its Rust value's address in `__wbg_ptr`, and
 * `free()` (or `[Symbol.dispose]`, or a method that consumes the object) sets it to 0; any later
 * use would hand Rust a null pointer (an uncoded `Error`, "null pointer passed to rust"). For
 * every class the core exports (each class with a `free`, so a new one cannot be missed), the
 * address is kept behind an accessor that throws a `TypeError` with code `object_freed` once it
 * is 0 — as `this` of a method or getter, and as an argument of a function, method or
 * constructor — and a second `free()` does nothing.
 */
const FREED_GUARD = Symbol.for("pay402.objectFreedGuard");
function guardFreed(core) {
  for (const [name, cls] of Object.entries(core)) {
    const proto = typeof cls === "function" ? cls.prototype : undefined;
    if (!proto || typeof proto.free !== "function" || Object.prototype.hasOwnProperty.call(proto, FREED_GUARD)) continue;
    const addresses = new WeakMap();
    const freed = () => {
      const e = new TypeError(`${name} was used after free() (or after a call that consumed it)`);
      e.code = "object_freed";
      return e;
    };
    // `this` first: a method converts its arguments before it reads the address.
    const live = (f) => f && function (...args) {
      if (!addresses.get(this)) throw freed();
      return f.apply(this, args);
    };
    for (const key of Object.getOwnPropertyNames(proto)) {
      if (key === "constructor" || key === "free" || key === "__destroy_into_raw") continue;
      const d = Object.getOwnPropertyDescriptor(proto, key);
      if (typeof d.value === "function") d.value = Object.defineProperty(live(d.value), "name", { value: key });
      else { d.get = live(d.get); d.set = live(d.set); }
      Object.defineProperty(proto, key, d);
    }
    Object.defineProperty(proto, "__wbg_ptr", {
      configurable: true,
      get() {
        const ptr = addresses.get(this);
        if (!ptr) throw freed();
        return ptr;
      },
      set(ptr) {
        addresses.set(this, ptr);
      },
    });
    const freeNow = proto.free;
    const freeOnce = function free() {
      if (addresses.get(this)) freeNow.call(this);
    };
    proto.free = freeOnce;
    if (typeof Symbol.dispose === "symbol" && proto[Symbol.dispose]) proto[Symbol.dispose] = freeOnce;
    Object.defineProperty(proto, FREED_GUARD, { value: true });
  }
}

/**
 * The helpers that need only the `x402` feature set of the core (`x402Verify`,
 * `x402EncodeHeader`, `x402DecodeHeader`, `x402DecodeJson`): reading a 402 and the x402 server.
 * `pay402/verify` is exactly these on top of its wasm exports; `createHelpers` includes them.
 */
export function createVerifyHelpers(core) {
  guardFreed(core);
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
  // These helpers take `accepts` (x402 payment requirements, v2 or v1 JSON objects) and answer
  // through the core's resource server (`X402Server`): the challenge, the verdict, the replay
  // key and its lifetime, the refusal's status, headers and body are the core's.
  const { paymentGate, offersFromAccepts, chainOf, admitWithChain, pageFor } = createGate(core);
  const servers = new Map();
  function serverFor(accepts, resource) {
    const key = JSON.stringify([accepts, resource]);
    let server = servers.get(key);
    if (!server) {
      if (servers.size >= 256) servers.clear();
      server = new core.X402Server(offersFromAccepts(accepts), resource);
      servers.set(key, server);
    }
    return server;
  }
  const resourceOf = (options, url) => options.resource ?? { url: options.resourceUrl || url || "/" };
  const decoder = new TextDecoder();
  /** A core reply as `{ status, headers: {name: value}, body: text }`. */
  const answer = (r) => ({ status: r.status, headers: Object.fromEntries(r.headers), body: r.body ? decoder.decode(r.body) : "" });
  const refusal = (r) => ({ ok: false, code: r.code, detailCode: r.detailCode ?? null, ...answer(r) });
  const pairsOf = (headers) => (typeof headers?.get === "function" ? [...headers.entries()]
    : Object.entries(headers ?? {}).filter(([, v]) => v !== undefined).map(([k, v]) => [k, Array.isArray(v) ? v.join(", ") : String(v)]));
  /** The admitted payment as plain data (the wasm object is freed by the caller). */
  const paymentView = (a) => ({ x402Version: a.x402Version, payer: a.payer, amount: a.amount, offerIndex: a.offerIndex,
    replayKey: a.replayKey, ttl: a.ttl, payload: JSON.parse(a.payment) });

  /**
   * The 402 answer for `accepts`: the core's challenge (v2 `PAYMENT-REQUIRED` header; the v1
   * body, or `{}` when no offer has a v1 form and no `error` is given). `x402Version: 1` leaves the v2 header out, for
   * servers that speak v1 only.
   */
  function paymentRequired(accepts, options = {}) {
    const r = answer(serverFor(accepts, resourceOf(options)).challenge(options.error ?? null, options.message ?? null));
    if (options.x402Version === 1) delete r.headers["PAYMENT-REQUIRED"];
    return r;
  }

  /**
   * Verifies the payment a request carries against the offered `accepts` (the core's admission;
   * no replay check). Returns `{ ok: true, verified, requirements }` or
   * `{ ok: false, code, detailCode, status, headers, body }`.
   */
  function verifyPayment(headers, accepts, options = {}) {
    const a = serverFor(accepts, resourceOf(options)).admit(pairsOf(headers), (options.now ?? unixNow)());
    if (!a.admitted) return refusal(a);
    try {
      return { ok: true, verified: paymentView(a), requirements: accepts[a.offerIndex] };
    } finally {
      a.free();
    }
  }

  /**
   * Admits a payment and reserves its replay key (`store`) as the core's exchange says: the
   * admitted payment, or the refusal (402, 503 when the store cannot answer).
   */
  async function admitAndReserve(server, headers, now, store, chain = { rpc: null, allowedFactories: [] }) {
    const a = await admitWithChain(server, pairsOf(headers), now, chain);
    if (!a.admitted) return { refused: a };
    const ex = server.exchange(a);
    try {
      let fresh;
      try {
        fresh = await store.reserve(ex.replayKey, ex.ttl);
      } catch {
        return { refused: server.replayStoreUnavailable() };
      }
      const step = ex.reserved(fresh === true);
      if (step.action === "refuse_replay") return { refused: { ...step, code: "payment_already_used", detailCode: null } };
      const key = ex.replayKey;
      return { payment: paymentView(a), offerIndex: a.offerIndex, release: () => store.release(key) };
    } finally {
      ex.free();
      a.free();
    }
  }

  /**
   * Edge runtimes: verifies a Fetch `Request` and reserves its replay key in
   * `options.replayStore` (default: one in-memory store per package instance) for the core's
   * lifetime; a payment seen before is refused with `payment_already_used`. On success
   * `release()` frees the key (call it when the request is not served); on failure `response`
   * is the answer to return. Settling is the caller's (`withPayment` does all of it).
   */
  const defaultStore = memoryReplayStore();
  async function verifyRequest(request, accepts, options = {}) {
    const server = serverFor(accepts, resourceOf(options, request.url));
    const r = await admitAndReserve(server, request.headers, (options.now ?? unixNow)(), options.replayStore ?? defaultStore);
    if (r.refused) {
      const out = refusal(r.refused);
      return { ...out, response: new Response(out.body, { status: out.status, headers: out.headers }) };
    }
    return { ok: true, verified: r.payment, requirements: accepts[r.offerIndex], release: r.release };
  }

  /**
   * Express-style middleware over `accepts` (kept for existing users; `pay`/`paywall` are the
   * full adapters). With `options.settle(verified, req)`: the whole exchange of `pay` (handler
   * first, the settlement's answer decides; a throw or `undefined` counts as no answer). Without
   * it: the core's admission and replay reservation, then `next()` with `req.x402` (for hosts
   * that settle elsewhere).
   */
  function x402Middleware(accepts, options = {}) {
    // smart-wallet payers: `options.rpc` / `options.allowedFactories`, else a localSettlement's
    const chain = chainOf(options);
    const legacy = options.replayStore ?? memoryReplayStore();
    const store = typeof legacy.reserve === "function" ? legacy
      : { reserve: (k, ttl) => legacy.insertIfAbsent(k, ttl), release: () => {} };
    const send = (res, reply) => {
      const r = answer(reply);
      res.statusCode = r.status;
      for (const [k, v] of Object.entries(r.headers)) res.setHeader(k, v);
      res.end(r.body);
    };
    if (!options.settle) {
      // the paywall page for browsers (on unless `page: false`), checked by the core now
      const page = pageFor(options.page);
      return async function pay402Middleware(req, res, next) {
        try {
          const offered = typeof accepts === "function" ? await accepts(req) : accepts;
          const resource = resourceOf(options, req.originalUrl ?? req.url);
          const server = serverFor(offered, resource);
          const r = await admitAndReserve(server, req.headers, (options.now ?? unixNow)(), store, chain);
          if (r.refused && page && r.refused.status === 402 && r.refused.code === "payment_required") {
            const html = await page.answer(r.refused, {
              method: req.method, headers: pairsOf(req.headers), url: resource.url, description: resource.description, raw: req,
            });
            if (html) return send(res, html);
          }
          if (r.refused) return send(res, r.refused);
          req.x402 = r.payment;
        } catch (e) {
          return next(e);
        }
        next();
      };
    }
    const offers = typeof accepts === "function" ? async (req) => offersFromAccepts(await accepts(req)) : offersFromAccepts(accepts);
    return createExpressAdapters(paymentGate).pay({
      offers, replayStore: store, env: false, now: options.now, rpc: chain.rpc, allowedFactories: chain.allowedFactories,
      ...(options.resource ? { resource: options.resource } : {}),
      ...(options.page !== undefined ? { page: options.page } : {}),
      settle: (body, ctx) => options.settle(ctx.payment, ctx.request),
    });
  }

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

  // ------------------------------------------------------------------ budgets
  // Every limit is the core's ClientBudget (pay402::budget): reserved before anything is signed
  // or paid, committed when the payment was taken, released when it was not. A refusal throws
  // an Error named `BudgetExceeded` whose `code` is the core's.
  const MAX_U256 = (1n << 256n) - 1n;
  const MAX_U64 = (1n << 64n) - 1n;
  const LIGHTNING = "lightning";
  const MSAT = "msat";

  /** `given` (a ClientBudget shared between wrappers), else a new budget with the limits
   * `perRequest` (required: no limit is never the default), `total` and `window` counting every
   * payment whatever its asset. */
  function clientBudgetOf(given, perRequest, total, window, name) {
    if (given) return given;
    if (perRequest === undefined || perRequest === null) {
      throw codedError("TypeError", "invalid_argument", `\`${name}\` (or \`clientBudget\`) is required`);
    }
    return core.ClientBudget.anyAsset({ perRequest, total: total ?? MAX_U256, window });
  }

  /** The allowance to select an offer with: an any-asset budget's; none for a per-asset budget
   * (reserving the selected offer in its own asset decides). */
  function allowanceFor(clientBudget, now) {
    return clientBudget.isAnyAsset ? clientBudget.allowance("", "", now) : undefined;
  }

  const NOT_SENT = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "UND_ERR_CONNECT_TIMEOUT"]);

  // ------------------------------------------------------------------ x402 client
  function offerOf(paymentRequired, index) {
    const parsed = typeof paymentRequired === "string" ? JSON.parse(paymentRequired) : paymentRequired;
    return parsed.accepts[index];
  }

  function offerAmount(offer) {
    return BigInt(offer.amount ?? offer.maxAmountRequired);
  }

  /**
   * Selects an offer within `budget`, reserves its amount, has `signer` sign it, returns
   * `{headerName, headerValue, selection, amount, reservation}`: commit the reservation when the
   * payment was taken, release it when it was not (`wrapFetch` does). `options.clientBudget`
   * (or `budget.clientBudget`) is the budget to reserve in; else `budget.maxAmount`, `total` and
   * `window` make a new one for this payment.
   */
  async function createPayment(paymentRequired, signer, budget, options = {}) {
    const clientBudget =
      options.clientBudget ?? clientBudgetOf(budget.clientBudget, budget.maxAmount, budget.total, budget.window, "maxAmount");
    const now = (options.now ?? unixNow)();
    const select = (maxAmount) =>
      core.x402Select(paymentRequired, { networks: budget.networks, assets: budget.assets, maxAmount });
    const allowance = allowanceFor(clientBudget, now);
    let selection;
    try {
      selection = select(allowance ?? MAX_U256);
    } catch (first) {
      if (first?.code !== "amount_exceeds_budget") throw first;
      // An acceptable offer costs more than the budget allows: the budget says which limit.
      let dearer;
      try {
        dearer = select(MAX_U256);
      } catch {
        throw first;
      }
      const offer = offerOf(paymentRequired, dearer.index);
      clientBudget.reserve(offer.network, offer.asset, offerAmount(offer), now).release();
      throw first;
    }
    const offer = offerOf(paymentRequired, selection.index);
    const amount = offerAmount(offer);
    const reservation = clientBudget.reserve(offer.network, offer.asset, amount, now);
    try {
      const draft = {
        acceptIndex: selection.index,
        from: signer.address,
        now,
        nonce: options.nonce ? options.nonce() : randomBytes(32),
      };
      const typed = core.x402TypedData(paymentRequired, draft);
      const signature = await signer.signTypedData(typed.typedData, typed.digest);
      const payment = core.x402WalletSign(paymentRequired, { ...draft, signature });
      return { ...payment, selection, amount, reservation };
    } catch (e) {
      reservation.release(); // nothing was signed
      throw e;
    }
  }

  // Paying every scheme through the core's client (pay402-host X402Client): the choice, the
  // payload, the Permit2 approval and the verdict on the paid answer are the core's; this part
  // does the I/O (the allowance read, the Solana chain state, the HTTP requests) and throws.

  /** The error a refused paid retry throws: the server's code, detail code and message. */
  function refusedError(outcome, response) {
    const e = codedError("X402PaymentRefused", outcome.code,
      `the server refused the payment (${outcome.status}): ${outcome.code}` +
      (outcome.detailCode ? ` (${outcome.detailCode})` : "") + (outcome.message ? `: ${outcome.message}` : ""));
    Object.assign(e, { detailCode: outcome.detailCode, serverMessage: outcome.message, status: outcome.status,
      definitive: outcome.definitive, response });
    return e;
  }

  const rpcFetch = (options) => options.rpcFetch ?? globalThis.fetch;
  async function rpc(options, url, method, params) {
    const r = await rpcFetch(options)(url, { method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }) });
    let body;
    try {
      body = await r.json();
    } catch {
      throw codedError("X402Error", "rpc_failed", `${method} failed: the answer (${r.status}) is not JSON`);
    }
    if (body === null || typeof body !== "object" || body.error || body.result === undefined) {
      throw codedError("X402Error", "rpc_failed", `${method} failed: ${JSON.stringify(body?.error ?? body)}`);
    }
    return body.result;
  }

  /** The payer's ERC-20 allowance to Permit2: `options.allowance(…)`, else `allowance(owner,
   * spender)` over `options.evmRpcUrl` (a URL, or URLs by chain id); `undefined` when neither. */
  async function permit2Allowance(approval, owner, options) {
    if (options.allowance) {
      const given = await options.allowance({ ...approval, owner });
      try {
        return BigInt(given);
      } catch {
        throw codedError("TypeError", "invalid_argument", `\`allowance\`: expected an integer (bigint, number or decimal text), got ${String(given)}`);
      }
    }
    const url = typeof options.evmRpcUrl === "object" ? options.evmRpcUrl?.[approval.chainId] : options.evmRpcUrl;
    if (!url) return undefined;
    const word = (a) => a.toLowerCase().replace(/^0x/, "").padStart(64, "0");
    const data = "0xdd62ed3e" + word(owner) + word(approval.spender);
    const word256 = await rpc(options, url, "eth_call", [{ to: approval.token, data }, "latest"]);
    try {
      return BigInt(word256);
    } catch {
      throw codedError("X402Error", "rpc_failed", `eth_call allowance failed: ${JSON.stringify(word256)} is not a number`);
    }
  }

  /** The Solana chain state: the recent blockhash from `solana.recentBlockhash(network)` or
   * `getLatestBlockhash` over `solana.rpcUrl`; the mint's decimals and program from
   * `solana.mint(mint)`, the mints the core knows, or the mint account over `solana.rpcUrl`. */
  async function svmChain(chosen, solana, options) {
    const url = solana.rpcUrl;
    const need = (what) => codedError("X402Error", "solana_rpc_required", `a Solana payment needs ${what}: give solana.rpcUrl`);
    let recentBlockhash;
    if (solana.recentBlockhash) recentBlockhash = await solana.recentBlockhash(chosen.network);
    else if (url) recentBlockhash = (await rpc(options, url, "getLatestBlockhash", [{ commitment: "confirmed" }]))?.value?.blockhash;
    else throw need("a recent blockhash");
    let mint = solana.mint ? await solana.mint(chosen.asset) : core.svmKnownMint(chosen.asset);
    if (!mint) {
      if (!url) throw need(`the decimals and token program of mint ${chosen.asset}`);
      const account = (await rpc(options, url, "getAccountInfo", [chosen.asset, { encoding: "base64" }]))?.value;
      if (!account) throw codedError("X402Error", "unknown_mint", `mint ${chosen.asset} does not exist`);
      let data;
      try {
        data = Uint8Array.from(atob(account.data[0]), (c) => c.charCodeAt(0));
      } catch {
        throw codedError("X402Error", "rpc_failed", `getAccountInfo failed: mint ${chosen.asset}'s data is not base64`);
      }
      mint = { decimals: data[44], tokenProgram: account.owner };
    }
    return { recentBlockhash, decimals: mint.decimals, tokenProgram: mint.tokenProgram };
  }

  /** The x402 client of a `wrapFetch`: assets written `0x…` are EVM tokens, others Solana mints;
   * the payer pays only the kinds it has a key for (EVM: `signer`; Solana: `options.solana`). */
  function x402ClientOf(budget, clientBudget, signer, options) {
    const assets = budget.assets ?? [];
    return new core.X402Client({
      networks: budget.networks ?? [],
      evmAssets: signer ? assets.filter((a) => /^0x/i.test(a)) : [],
      svmAssets: options.solana ? [...assets.filter((a) => !/^0x/i.test(a)), ...(budget.svmAssets ?? [])] : [],
      ...(budget.schemes ? { schemes: budget.schemes } : {}),
    }, clientBudget);
  }

  /** Pays the 402 `response` (x402) and sends `retry`; returns the paid answer or throws. */
  async function payX402(fetchFn, client, response, retry, signer, options) {
    const now = (options.now ?? unixNow)();
    const headers = [...response.headers.entries()];
    const chosen = client.choose(headers, await response.clone().text(), now);
    try {
      const approval = chosen.approval;
      if (approval && signer) {
        const allowance = await permit2Allowance(approval, signer.address, options);
        if (allowance !== undefined) {
          try {
            client.checkAllowance(chosen, allowance);
          } catch (e) {
            e.approval = approval;
            throw e;
          }
        }
      }
      const reservation = client.reserve(chosen, now);
      let value;
      try {
        if (chosen.kind === "exact_svm") {
          const solana = options.solana;
          if (!solana?.seed) throw codedError("X402Error", "no_solana_signer", "a Solana offer was chosen but options.solana.seed is missing");
          const seed = typeof solana.seed === "string" ? hexToBytes(solana.seed) : solana.seed;
          value = client.buildSvm(chosen, seed, await svmChain(chosen, solana, options), randomBytes(16));
        } else {
          if (!signer) throw codedError("X402Error", "no_evm_signer", "an EVM offer was chosen but no signer was given");
          const nonce = options.nonce ? options.nonce() : randomBytes(32);
          const typed = client.typedData(chosen, signer.address, now, nonce);
          const signature = await signer.signTypedData(typed.typedData, typed.digest);
          value = client.finishEvm(chosen, signer.address, now, nonce, signature);
        }
      } catch (e) {
        reservation.release(); // nothing was sent
        throw e;
      }
      retry.headers.set(chosen.headerName, value);
      if (chosen.headerName === "PAYMENT-SIGNATURE") {
        retry.headers.set("Access-Control-Expose-Headers", "PAYMENT-RESPONSE,X-PAYMENT-RESPONSE");
      }
      let paid;
      try {
        paid = await fetchFn(retry);
      } catch (e) {
        if (NOT_SENT.has(e?.cause?.code ?? e?.code)) reservation.release(); // it never reached the server
        throw e; // else it may have: the amount stays counted
      }
      // Error answers are read for the server's words; a served body is left to the caller.
      const text = paid.status >= 400 ? await paid.clone().text() : "";
      const outcome = client.complete(chosen, reservation, paid.status, [...paid.headers.entries()], text);
      if (outcome.verdict === "refused") throw refusedError(outcome, paid);
      return paid;
    } finally {
      chosen.free();
    }
  }

  /**
   * Wraps `fetch`: a 402 carrying x402 requirements is answered once — the core chooses an
   * offer of any scheme it sells (EIP-3009, Permit2 `exact`, `upto`, Solana) within `budget`,
   * reserves it, `signer` signs EVM payments (`options.solana.seed` Solana ones), and the
   * request is retried with the payment. A refused paid retry throws `X402PaymentRefused`
   * (`code`, `detailCode`, `serverMessage`, `status`, `definitive`, `response`); a definitive
   * refusal gives the amount back to the budget. With `options.l402` a 402 carrying an L402
   * challenge is paid through `options.l402.payInvoice`.
   */
  function wrapFetch(fetchFn, signer, budget, options = {}) {
    const x402Budget = budget && (signer || options.solana)
      ? clientBudgetOf(budget.clientBudget, budget.maxAmount, budget.total, budget.window, "maxAmount")
      : null;
    const client = x402Budget ? x402ClientOf(budget, x402Budget, signer, options) : null;
    const l402 = options.l402;
    const l402Budget = l402
      ? clientBudgetOf(l402.clientBudget, l402.budgetMsat, l402.totalMsat, l402.window, "budgetMsat")
      : null;
    return async function fetchWithPayment(input, init) {
      const request = new Request(input, init);
      const retry = request.clone();
      const response = await fetchFn(request);
      if (response.status !== 402) return response;
      if (client && (await readPaymentRequired(response)) !== null) {
        return payX402(fetchFn, client, response, retry, signer, options);
      }
      if (l402) return payL402(fetchFn, response, retry, l402, l402Budget);
      return response;
    };
  }

  // ------------------------------------------------------------------ L402 client
  async function payL402(fetchFn, response, retry, l402, clientBudget) {
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
    const now = (l402.now ?? unixNow)();
    const allowance = clientBudget.allowance(LIGHTNING, MSAT, now);
    const policy = {
      network: l402.network,
      budgetMsat: allowance > MAX_U64 ? MAX_U64 : allowance,
      now,
      scheme: challenge.scheme,
    };
    let payable;
    try {
      payable = core.l402CheckChallenge(challenge, policy);
    } catch (first) {
      if (first?.code !== "invoice_over_budget") throw first;
      // The budget says which limit refuses the invoice.
      const dear = core.l402CheckChallenge(challenge, { ...policy, budgetMsat: MAX_U64 });
      clientBudget.reserve(LIGHTNING, MSAT, dear.amountMsat, now).release();
      throw first;
    }
    // Reserved before paying; a failed payInvoice leaves it counted (the node may have paid).
    const reservation = clientBudget.reserve(LIGHTNING, MSAT, payable.amountMsat, now);
    let preimage = await l402.payInvoice(payable.invoice, payable);
    reservation.commit(); // the preimage proves the invoice was paid
    if (typeof preimage === "string") preimage = hexToBytes(preimage);
    retry.headers.set("Authorization", core.l402Authorization(challenge, preimage, policy));
    return fetchFn(retry);
  }

  /** Wraps `fetch` to pay L402 challenges with `payInvoice(invoice) → preimage`. */
  function wrapFetchL402(fetchFn, l402) {
    return wrapFetch(fetchFn, null, null, { l402 });
  }

  // ------------------------------------------------------------------ smart-wallet payers
  /**
   * Verifies an x402 EVM payment like `verifyPayment`, with the signature checked the way its
   * payer's code requires, through `rpc.getCode(address)` and at most one `rpc.call(to, data)`
   * (`null`: reverted). The core decides each step (`x402SmartWalletStep`); an RPC that throws
   * is `rpc_unavailable` (the error as `cause`), never a pass.
   */
  async function verifyPaymentWithRpc(requirements, paymentHeader, rpc, options = {}) {
    const { now = unixNow(), ...policy } = options;
    const ask = async (method, ...args) => {
      try {
        return await rpc[method](...args);
      } catch (cause) {
        const e = codedError("X402Error", "rpc_unavailable", `rpc.${method} failed: ${cause?.message ?? cause}`);
        e.cause = cause;
        throw e;
      }
    };
    const answers = {};
    for (;;) {
      const step = core.x402SmartWalletStep(requirements, paymentHeader, now, policy, answers);
      if (step.step === "done") return step.result;
      // `undefined` means "not asked yet" to the step: an RPC answering it is `null` (not bytes).
      if (step.step === "getCode" && !("code" in answers)) answers.code = (await ask("getCode", step.address)) ?? null;
      else if (step.step === "call" && !answers.called) {
        answers.callResult = await ask("call", step.to, step.data);
        answers.called = true;
      } else throw codedError("X402Error", "invalid_rpc_result", `unexpected step ${step.step}`);
    }
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
    verifyPaymentWithRpc,
    ...createL402Adapters(core),
  };
}
