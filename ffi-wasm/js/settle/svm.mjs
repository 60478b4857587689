// pay402/settle, Solana: settle x402 `exact` Solana payments yourself. pay402 co-signs the client's
// partially signed transaction as its fee payer and sends it, over your RPC URL(s), with no facilitator.
//
// The flow is the x402 reference facilitator's (https://github.com/coinbase/x402,
// typescript/packages/mechanisms/svm/src/exact/facilitator/scheme.ts and settlement-cache.ts), and the
// same as the Python backend's (pay402.settle.svm):
// 1. the core's offline checks (`x402Verify` with our fee payer as the only managed one: a payment
//    naming another fee payer is refused before any RPC call);
// 2. co-signing (`svmCosign`: our signature in the fee payer's slot, and the transaction id);
// 3. `simulateTransaction` with `sigVerify: true`, `replaceRecentBlockhash: false`;
// 4. the duplicate-settlement cache: the same base64 transaction is settled once per window
//    (120 s), reserved after simulation and before sending;
// 5. `sendTransaction`;
// 6. `getSignatureStatuses` until the commitment is reached; still unconfirmed after `maxPolls`
//    polls: `settlement_pending` with the signature. Settling the same transaction again while it is
//    pending (the server's one retry) looks at its status again and sends nothing.
// The outcome of each step (the SettleResponse, its reason and which transaction it names) is the
// core's (`SvmSettlement`); this module does the I/O.
import { SvmSettlement, svmCosign, svmPublicKey, svmSettlementCacheTtlSeconds, x402EncodeHeader, x402Verify } from "pay402";
import { MemoryReplayStore } from "pay402/replay";
import { RpcError, SettlementError } from "./index.mjs";
import { postJsonRpc, rpcUrls } from "./jsonrpc.mjs";
import { jsonOf } from "./json-object.mjs";

/** The duplicate-settlement window, in seconds: the core's (the reference's 120 s). */
export const SVM_SETTLEMENT_CACHE_TTL_SECS = svmSettlementCacheTtlSeconds();

const RANK = { processed: 0, confirmed: 1, finalized: 2 };
const INSPECT = Symbol.for("nodejs.util.inspect.custom");
const SEED_TEXT = /^(0x)?[0-9a-fA-F]{64}$/;
/**
 * Solana JSON-RPC (https://solana.com/docs/rpc/http) over `fetch`, with failover across `urls`
 * in order: a connection error, a timeout, an HTTP 429/5xx or an answer that is not JSON-RPC moves
 * to the next URL, for every method. `sendTransaction` fails over too: a signed transaction is
 * executed at most once by its signature, so sending the same bytes to another node cannot pay
 * twice. A JSON-RPC `error` answer is the node's verdict (`rpc_error`, no failover), but for a
 * `sendTransaction` that an earlier URL may have received (it may have landed, and the next node
 * refuses it as processed): `rpc_send_unknown`. When every URL failed: `rpc_unreachable`, or for
 * `sendTransaction` `rpc_send_unknown` unless no URL could even be connected to (then nothing was
 * sent: `rpc_unreachable`).
 */
export function solanaJsonRpc({ urls, timeoutMs = 10_000, fetch: fetchFn } = {}) {
  const list = rpcUrls("solanaJsonRpc", urls, timeoutMs);
  const doFetch = fetchFn ?? ((...a) => globalThis.fetch(...a));
  let id = 0;

  // One attempt at one URL: { result } | { fatal } | { error, notSent }
  async function attempt(url, method, params) {
    const out = await postJsonRpc(doFetch, url, { jsonrpc: "2.0", id: ++id, method, params }, timeoutMs);
    if (out.rpcError) {
      const { code, message, data } = out.rpcError;
      return { fatal: new RpcError(`${method}: ${message ?? "JSON-RPC error"}`, { code: "rpc_error", url, rpcCode: code, data }) };
    }
    if (out.failure === undefined) return { result: out.result };
    const { why, code, notSent, cause } = out.failure;
    return { error: new RpcError(`${method} at ${url}: ${why}`, { code, url, cause }), notSent };
  }

  async function request(method, params = []) {
    const failures = [];
    let allNotSent = true;
    for (const url of list) {
      const outcome = await attempt(url, method, params);
      if (outcome.fatal) {
        // a node refusing a transaction an earlier node may have taken (it may have landed: "already
        // processed") says nothing about whether it was sent
        if (method === "sendTransaction" && !allNotSent) {
          throw new RpcError(`${method}: ${outcome.fatal.message}, after a failure that may have sent it`,
            { code: "rpc_send_unknown", url, cause: outcome.fatal });
        }
        throw outcome.fatal;
      }
      if (!outcome.error) return outcome.result;
      failures.push(outcome.error);
      if (!outcome.notSent) allNotSent = false;
    }
    const unknown = method === "sendTransaction" && !allNotSent;
    throw new RpcError(`${method}: every RPC URL failed${unknown ? "; it may have been sent" : ""}: ${failures.map((f) => f.message).join("; ")}`,
      { code: unknown ? "rpc_send_unknown" : "rpc_unreachable", cause: failures.at(-1) });
  }
  return { urls: [...list], request };
}

/** The fee payer's 32-byte ed25519 seed: bytes, hex text, or `{ env: "NAME" }` (read now). Never shown. */
function feePayerSeed(source) {
  let value = source;
  if (value && typeof value === "object" && !(value instanceof Uint8Array) && typeof value.env === "string") {
    value = globalThis.process?.env?.[source.env];
    if (!value) throw new SettlementError(`localSvmSettlement: the environment variable ${source.env} is not set`, { code: "signer_key_missing" });
  }
  if (value instanceof Uint8Array) {
    if (value.length !== 32) throw new SettlementError("localSvmSettlement: the fee payer seed is not 32 bytes", { code: "invalid_signer_key" });
    return Uint8Array.from(value);
  }
  if (typeof value !== "string") {
    throw new SettlementError("localSvmSettlement: `feePayer` must be a 32-byte seed (hex or bytes) or { env: \"NAME\" }", { code: "invalid_signer_key" });
  }
  const text = value.trim();
  if (!SEED_TEXT.test(text)) throw new SettlementError("localSvmSettlement: the fee payer seed is not 32 bytes of hex", { code: "invalid_signer_key" });
  const digits = text.startsWith("0x") ? text.slice(2) : text;
  return Uint8Array.from({ length: 32 }, (_, i) => parseInt(digits.slice(2 * i, 2 * i + 2), 16));
}

function base64Bytes(text) {
  if (typeof text !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) return null;
  const bin = atob(text);
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}
const base64Of = (bytes) => btoa(Array.from(bytes, (b) => String.fromCharCode(b)).join(""));

/** The duplicate-settlement cache key of a base64 transaction: `svm-settle:` ‖ SHA-256 of the text (the Python backend's). */
async function cacheKey(transaction) {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(transaction)));
  const prefix = new TextEncoder().encode("svm-settle:");
  const key = new Uint8Array(prefix.length + digest.length);
  key.set(prefix);
  key.set(digest, prefix.length);
  return key;
}
const hexOf = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

/** `fn(settlement)`'s result, the core's object freed after it (the results are plain objects). */
async function ended(settlement, fn) {
  try {
    return await fn(settlement);
  } finally {
    settlement.free();
  }
}

/**
 * Settles Solana `exact` payments on `network` (CAIP-2 `solana:<genesis hash>`) with our own fee
 * payer (`feePayer`: its 32-byte seed, hex or bytes, or `{ env: "NAME" }`) over `rpc`. The result
 * is the middleware's `settle` hook (`settle(body)`) and `settlePayment(payload, requirements)`.
 */
export function localSvmSettlement(options = {}) {
  const { network, commitment = "confirmed", pollIntervalMs = 1000, maxPolls = 30,
    cacheTtlSeconds = SVM_SETTLEMENT_CACHE_TTL_SECS, maxComputeUnitPrice = 5_000_000,
    now = () => Math.floor(Date.now() / 1000) } = options;
  if (typeof network !== "string" || !/^solana:[1-9A-HJ-NP-Za-km-z]{32,44}$/.test(network)) {
    throw new SettlementError(`localSvmSettlement: network must be CAIP-2 solana:<genesis hash>, got ${network}`, { code: "invalid_config" });
  }
  if (commitment !== "confirmed" && commitment !== "finalized") {
    throw new SettlementError("localSvmSettlement: `commitment` must be \"confirmed\" or \"finalized\"", { code: "invalid_config" });
  }
  if (!(Number.isSafeInteger(maxPolls) && maxPolls >= 1) || !(pollIntervalMs >= 0) || !(Number.isSafeInteger(cacheTtlSeconds) && cacheTtlSeconds >= 1)) {
    throw new SettlementError("localSvmSettlement: `maxPolls` >= 1, `pollIntervalMs` >= 0, `cacheTtlSeconds` >= 1 (integers)", { code: "invalid_config" });
  }
  const seed = feePayerSeed(options.feePayer);
  const feePayer = svmPublicKey(seed);
  const rpc = options.rpc && typeof options.rpc.request === "function" ? options.rpc
    : solanaJsonRpc(Array.isArray(options.rpc) || typeof options.rpc === "string" ? { urls: options.rpc } : options.rpc ?? {});
  const cache = options.cache ?? new MemoryReplayStore();
  if (typeof cache.reserve !== "function" || typeof cache.release !== "function") {
    throw new SettlementError("localSvmSettlement: `cache` must be a replay store (reserve, release)", { code: "invalid_config" });
  }
  // hex cache key → { signature, at } of a sent, unconfirmed transaction; kept for the cache window (the
  // transaction's blockhash has expired long before: it lands by then or never)
  const pending = new Map();
  const remember = (key, signature) => pending.set(key, { signature, at: Date.now() });

  // Polls the signature's status: confirmed, failed, or pending (remembered under `key`).
  async function confirm(settlement, key, signature) {
    let last = "";
    for (let i = 0; i < maxPolls; i++) {
      if (i) await new Promise((ok) => setTimeout(ok, pollIntervalMs));
      let result;
      try {
        result = await rpc.request("getSignatureStatuses", [[signature]]);
      } catch (e) {
        last = e.message;
        continue;
      }
      const status = Array.isArray(result?.value) ? result.value[0] : null;
      if (!status || typeof status !== "object") continue;
      if (status.err !== null && status.err !== undefined) {
        pending.delete(key);
        return settlement.failed(JSON.stringify(status.err));
      }
      if ((RANK[status.confirmationStatus] ?? -1) >= RANK[commitment]) {
        pending.delete(key);
        return settlement.confirmed();
      }
    }
    remember(key, signature);
    return settlement.confirmationTimeout(last || `not ${commitment} after ${maxPolls} polls`);
  }

  /** A settlement already sent: its signature, then the confirmation wait. */
  function submitted(settlement, key, signature) {
    const invalid = settlement.submitted(signature);
    if (invalid) return invalid;
    return confirm(settlement, key, signature);
  }

  /**
   * Settles one payment (the payment payload and the requirements it pays, objects or JSON
   * text). Resolves to the core's result (`json` is the SettleResponse). Throws an `RpcError`
   * when no RPC URL answered before anything was sent (then nothing was sent and the payment can
   * be settled again).
   */
  async function settlePayment(paymentPayload, requirements) {
    const payload = jsonOf(paymentPayload, "paymentPayload");
    const reqs = jsonOf(requirements, "requirements");
    const asked = typeof reqs.network === "string" ? reqs.network : "";
    let verified;
    try {
      verified = x402Verify(reqs, x402EncodeHeader(JSON.stringify(payload)), now(), { feePayers: [feePayer], maxComputeUnitPrice });
    } catch (e) {
      if (typeof e?.code !== "string") throw e;
      return ended(new SvmSettlement(asked, ""), (s) => s.refused(e.code, e.message));
    }
    // the core resolves the requirements' network (CAIP-2, or a v1 name) to its CAIP-2 id
    if (verified.kind !== "exact_svm" || verified.network !== network) {
      return ended(new SvmSettlement(asked, verified.payer ?? ""), (s) => s.refused("unsupported_network", `this settlement handles ${network}`));
    }
    return ended(new SvmSettlement(asked, verified.payer), (s) => settleVerified(s, payload.payload.transaction));
  }

  async function settleVerified(settlement, transaction) {
    const wireIn = base64Bytes(transaction);
    if (!wireIn) return settlement.refused("invalid_exact_svm_payload_transaction", "the transaction is not base64");
    const keyBytes = await cacheKey(transaction);
    const key = hexOf(keyBytes);
    // a retry of a transaction that was sent and is not confirmed yet: look at it again
    for (const [k, e] of pending) if (Date.now() - e.at > cacheTtlSeconds * 1000) pending.delete(k);
    const known = pending.get(key);
    if (known) return submitted(settlement, key, known.signature);

    let cosigned;
    try {
      cosigned = svmCosign(wireIn, seed);
    } catch (e) {
      if (typeof e?.code !== "string") throw e;
      return settlement.refused(e.code, e.message);
    }
    const wire = base64Of(cosigned.transaction);
    let sim;
    try {
      sim = await rpc.request("simulateTransaction",
        [wire, { sigVerify: true, replaceRecentBlockhash: false, commitment: "confirmed", encoding: "base64" }]);
    } catch (e) {
      if (e instanceof RpcError && e.code === "rpc_error") return settlement.simulationError(e.message);
      throw e; // no answer: nothing reserved, nothing sent
    }
    const value = sim && typeof sim === "object" ? sim.value : undefined;
    if (!value || typeof value !== "object") return settlement.simulationError("simulateTransaction: no value in the result");
    if (value.err !== null && value.err !== undefined) return settlement.simulationFailed(JSON.stringify(value.err));

    if (!(await cache.reserve(keyBytes, cacheTtlSeconds))) return settlement.duplicate();
    // the entry is kept whatever happens next, but for a send that reached no node
    let sent;
    try {
      sent = await rpc.request("sendTransaction", [wire, { encoding: "base64" }]);
    } catch (e) {
      if (e instanceof RpcError && e.code === "rpc_error") return settlement.sendFailed(e.message);
      // it may have reached a node: its signature is known, so wait for it (pending if it does not come), never fail it
      if (e instanceof RpcError && e.code === "rpc_send_unknown") return submitted(settlement, key, cosigned.signature);
      await cache.release(keyBytes); // never sent: the payment stays usable
      throw e;
    }
    if (sent !== cosigned.signature) return settlement.sendFailed(`the node returned another signature: ${JSON.stringify(sent)}`);
    return submitted(settlement, key, cosigned.signature);
  }

  /**
   * The server's `settle` hook: the `/settle` body (`{ paymentPayload, paymentRequirements }`,
   * bytes or text) or the payment `x402Middleware` hands its `settle(payment, request)`;
   * resolves to the SettleResponse JSON.
   */
  async function settle(body) {
    if (body instanceof Uint8Array || typeof body === "string") {
      const text = typeof body === "string" ? body : new TextDecoder().decode(body);
      const { paymentPayload, paymentRequirements } = jsonOf(text, "settle body");
      return (await settlePayment(paymentPayload, paymentRequirements)).json;
    }
    if (body && typeof body === "object" && body.payload && body.offer) {
      return (await settlePayment(body.payload, body.offer)).json;
    }
    throw new SettlementError("settle: expected the /settle body or the middleware's payment", { code: "invalid_argument" });
  }

  const shown = () => ({ network, feePayer, rpc: rpc.urls });
  return {
    network, feePayer, rpc, settle, settlePayment,
    /** Signatures sent and not confirmed yet. */
    pending: () => [...pending.values()].map((e) => e.signature),
    toString: () => `LocalSvmSettlement(${network}, fee payer ${feePayer})`,
    toJSON: shown,
    [INSPECT]: () => `LocalSvmSettlement ${JSON.stringify(shown())}`,
  };
}
