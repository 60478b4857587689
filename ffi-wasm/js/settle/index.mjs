// pay402/settle — settle x402 EVM payments yourself: your key, your RPC URL(s), no facilitator.
// Works wherever `fetch` does (Node ≥ 18, Deno, Bun, edge runtimes, browsers).
//
// The core decides: the payment's verification (`verifyPaymentWithRpc`: the signature checked
// the way the payer's code requires, so smart-wallet payers settle too), the settlement call
// (`x402SettleCalldata` for the payer's route: `transferWithAuthorization`, the `bytes` overload for
// a smart wallet, or the Permit2 proxy's `settle`), whether a counterfactual ERC-6492 wallet must
// be deployed first and through which factory (`routeSignature` on its code read again), the raw
// EIP-1559 transaction (`signEip1559Transaction`), the reason of a revert
// (`x402SettleRevertReason`) and every outcome and `SettleResponse` (`EvmSettlement`:
// built → submitted → confirmed | reverted | pending). This module does the I/O around them:
// JSON-RPC with failover, the chain id check, nonces, fees, simulation and the receipt wait.
//
// What the x402 reference facilitator does (`@x402/evm` with a viem wallet client) and what
// this module does the same way:
// - fees: `maxFeePerGas = latest baseFeePerGas × 1.2 + maxPriorityFeePerGas`, the tip from
//   `eth_maxPriorityFeePerGas` (viem's `estimateFeesPerGas`);
// - gas: `eth_estimateGas`, after an `eth_call` of the same call (a revert sends nothing);
// - counterfactual (ERC-6492) payers: the factory call sent first (simulated, the next nonce, its
//   receipt awaited; status 0 or a revert is `smart_wallet_deployment_failed` and the transfer is
//   not sent), skipped when the wallet has code by then; only factories in `allowedFactories`
//   (default none: `eip6492_factory_not_allowed`, nothing sent);
// - nonces: `eth_getTransactionCount(address, "pending")` once, then counted locally per signer
//   address and chain, re-read after any failed send (x402-rs's pending nonce manager);
// - receipt: polled until `receiptTimeoutMs` (default 30 s, x402-rs's default); none by then is
//   `settlement_pending` with the hash; the resource server settles once more with the same
//   payment, which waits for the same hash again instead of sending a second transaction (the
//   reference's pending-settlement store, 5 minutes); `reconcile()` later reports each pending
//   settlement whose receipt arrived, once.
// - refunds (`refund(order)`, a `RefundOrder` of the core): the order's own transaction from the
//   signer, `{ to: order.txTo, value: order.txValue, data: order.calldata }` (an ERC-20 `transfer`
//   for a token, a plain value transfer to the payer for the native coin, `asset` "native"; the
//   core decides, this module never branches on the asset), simulated first (`eth_call` and
//   `eth_estimateGas` with that value: a revert, such as a signer without the tokens or a recipient
//   that refuses the coin, is `refund_send_failed`, nothing recorded), the signer's balance checked
//   by the core (`Refund.checkBalance`: it must cover `value + gas × maxFeePerGas`, which a node's
//   simulation does not always check; short: `refund_send_failed`, nothing signed), at most once
//   per `order.key`: the signed transaction is stored in the `pendingStore` under
//   `refund:<key hex>` before `eth_sendRawTransaction`; a later call with the key (a retry, another
//   process sharing the store, a restart) re-sends those bytes or awaits their hash, never signs
//   again; an ended refund answers its stored result. Outcomes are the core's (`Refund`:
//   `refund_send_failed`, `refund_invalid_hash`, `refund_reverted`, `refund_pending`).
import { postJsonRpc, rpcUrls } from "./jsonrpc.mjs";
import { jsonOf } from "./json-object.mjs";
import {
  EvmSettlement, Refund, RefundOrder, keccak256, privateKeyToAddress, routeSignature, signEip1559Transaction, verifyPaymentWithRpc,
  x402EncodeHeader, x402SettleCalldata, x402SettleRevertReason, x402SettleTerms,
} from "pay402";

/** A JSON-RPC call failed; `code`: `rpc_unreachable`, `rpc_error`, `rpc_send_unknown`, `rpc_malformed_response`. */
export class RpcError extends Error {
  constructor(message, { code, url, rpcCode, data, cause } = {}) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = "RpcError";
    this.code = code;
    if (url !== undefined) this.url = url;
    if (rpcCode !== undefined) this.rpcCode = rpcCode;
    if (data !== undefined) this.data = data;
  }
}

/** A settlement could not be attempted (configuration, chain, signer); `code` says why. */
export class SettlementError extends Error {
  constructor(message, { code, cause } = {}) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = "SettlementError";
    this.code = code;
  }
}

const hex = (bytes) => "0x" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

/**
 * JSON-RPC over `fetch` with failover across `urls`, in order. Reads go to the next URL on a
 * connection error, a timeout, an HTTP 429/5xx or a malformed answer. `eth_sendRawTransaction`
 * goes to the next URL ONLY when the connection could not be made (refused, DNS failure, connect
 * timeout), which proves the transaction never reached that node; any other failure may have
 * broadcast it and ends the call with `rpc_send_unknown` (the caller knows the hash: the same
 * raw transaction always has the same one). A JSON-RPC `error` answer is `rpc_error` (the node
 * answered: no failover), with `rpcCode` and `data`.
 */
export function evmJsonRpc({ urls, timeoutMs = 10_000, fetch: fetchFn } = {}) {
  const list = rpcUrls("evmJsonRpc", urls, timeoutMs);
  const doFetch = fetchFn ?? ((...a) => globalThis.fetch(...a));
  let id = 0;

  // One attempt at one URL: { result } | { error, failover }
  async function attempt(url, method, params, send) {
    const out = await postJsonRpc(doFetch, url, { jsonrpc: "2.0", id: ++id, method, params }, timeoutMs);
    if (out.rpcError) {
      const { code, message, data } = out.rpcError;
      return { error: new RpcError(`${method}: ${message ?? "JSON-RPC error"}`, { code: "rpc_error", url, rpcCode: code, data }), failover: false };
    }
    if (out.failure === undefined) return { result: out.result };
    const { why, code, notSent, cause } = out.failure;
    if (send && !notSent) {
      return { error: new RpcError(`${method} at ${url}: ${why}; it may have been sent`, { code: "rpc_send_unknown", url, cause }), failover: false };
    }
    return { error: new RpcError(`${method} at ${url}: ${why}`, { code, url, cause }), failover: true };
  }

  async function request(method, params = []) {
    const send = method === "eth_sendRawTransaction";
    const failures = [];
    for (const url of list) {
      const outcome = await attempt(url, method, params, send);
      if (!outcome.error) return outcome.result;
      if (!outcome.failover) throw outcome.error;
      failures.push(outcome.error);
    }
    throw new RpcError(`${method}: every RPC URL failed: ${failures.map((f) => f.message).join("; ")}`,
      { code: "rpc_unreachable", cause: failures.at(-1) });
  }
  return { urls: [...list], request };
}

const KEY_TEXT = /^(0x)?[0-9a-fA-F]{64}$/;
const INSPECT = Symbol.for("nodejs.util.inspect.custom");

/**
 * A transaction signer holding a 32-byte secp256k1 key: `hexKey` (`0x` + 64 hex digits) or
 * `{ env: "NAME" }` (read from that environment variable now). The key is never shown: not in
 * errors, `toString`, `util.inspect` or JSON (only the address is).
 */
export function privateKeySigner(source) {
  let text;
  if (typeof source === "string") text = source;
  else if (source && typeof source === "object" && typeof source.env === "string") {
    text = globalThis.process?.env?.[source.env];
    if (!text) throw new SettlementError(`privateKeySigner: the environment variable ${source.env} is not set`, { code: "signer_key_missing" });
  } else {
    throw new SettlementError("privateKeySigner: expected a hex key or { env: \"NAME\" }", { code: "invalid_signer_key" });
  }
  text = text.trim();
  if (!KEY_TEXT.test(text)) throw new SettlementError("privateKeySigner: the key is not 32 bytes of hex", { code: "invalid_signer_key" });
  const digits = text.startsWith("0x") ? text.slice(2) : text;
  const key = new Uint8Array(32);
  for (let i = 0; i < 32; i++) key[i] = parseInt(digits.slice(2 * i, 2 * i + 2), 16);
  let address;
  try {
    address = privateKeyToAddress(key);
  } catch {
    throw new SettlementError("privateKeySigner: the key is not a valid secp256k1 private key", { code: "invalid_signer_key" });
  }
  return new PrivateKeySigner(address, key);
}

class PrivateKeySigner {
  #key;
  constructor(address, key) {
    this.address = address;
    this.#key = key;
    Object.freeze(this);
  }
  /** Signs an EIP-1559 transaction: the raw bytes for `eth_sendRawTransaction`. */
  async signTransaction(tx) {
    return signEip1559Transaction(tx, this.#key).raw;
  }
  toString() { return `PrivateKeySigner(${this.address})`; }
  toJSON() { return { address: this.address }; }
  [INSPECT]() { return `PrivateKeySigner { address: '${this.address}' }`; }
}

// ------------------------------------------------------------------ nonces
// One nonce counter per (chain, signer address), shared by every localSettlement of this
// process. `take(load)` runs `load(nonce)` (sign and send) under the address's lock, so the
// nonces are handed out and sent in order; a load that throws makes the next take re-read the
// pending count from the chain.
const nonceManagers = new Map();
function nonceManager(chainId, address) {
  const k = `${chainId}:${address.toLowerCase()}`;
  let m = nonceManagers.get(k);
  if (!m) {
    let next = null;
    let tail = Promise.resolve();
    m = {
      take(rpc, load) {
        const run = tail.then(async () => {
          if (next === null) next = big(await rpc.request("eth_getTransactionCount", [address, "pending"]), "eth_getTransactionCount");
          const nonce = next;
          try {
            const out = await load(nonce);
            next = nonce + 1n;
            return out;
          } catch (e) {
            next = null; // resync: the send failed or its outcome is unknown
            throw e;
          }
        });
        tail = run.then(() => undefined, () => undefined);
        return run;
      },
    };
    nonceManagers.set(k, m);
  }
  return m;
}

// ------------------------------------------------------------------ refund store
/**
 * The default `pendingStore` of `localSettlement` (refunds): a Map in this process, lost on
 * restart. A store is any object with async (or plain) `get(key) → record | null`,
 * `set(key, record)`, `add(key, record) → boolean` (set only if absent, atomically: the caller
 * that gets true signs; a shared store must make this atomic, e.g. Redis `SET NX`),
 * `delete(key) → boolean` and `keys() → string[]`. Records are JSON-compatible objects.
 */
export function memoryPendingStore() {
  const records = new Map();
  const copy = (r) => (r === undefined ? null : JSON.parse(JSON.stringify(r)));
  return {
    async get(key) { return copy(records.get(key)); },
    async set(key, record) { records.set(key, copy(record)); },
    async add(key, record) {
      if (records.has(key)) return false;
      records.set(key, copy(record));
      return true;
    },
    async delete(key) { return records.delete(key); },
    async keys() { return [...records.keys()]; },
  };
}

// ------------------------------------------------------------------ settlement
/** `fn(settlement)`'s result, the core's object freed after it (the results are plain objects). */
async function ended(settlement, fn) {
  try {
    return await fn(settlement);
  } finally {
    settlement.free();
  }
}

const PENDING_TTL_MS = 300_000; // the reference's PENDING_SETTLEMENT_TTL_MS
const ERROR_STRING = "08c379a0"; // Error(string)

/** The revert text of a JSON-RPC error: its message, and a decoded `Error(string)` in `data`. */
function revertText(e) {
  let text = e.message.replace(/^eth_\w+: /, "");
  const data = typeof e.data === "string" ? e.data : typeof e.data?.data === "string" ? e.data.data : undefined;
  if (data && data.slice(2, 10).toLowerCase() === ERROR_STRING && data.length >= 138) {
    try {
      const len = Number(BigInt("0x" + data.slice(74, 138)));
      const bytes = Uint8Array.from(data.slice(138, 138 + 2 * len).match(/../g) ?? [], (h) => parseInt(h, 16));
      const reason = new TextDecoder().decode(bytes);
      if (!text.includes(reason)) text += `: ${reason}`;
    } catch { /* the message alone */ }
  }
  return text;
}

/** A receipt's outcome: true (status 1), false (status 0), undefined (no receipt, or not one). */
function statusOf(receipt) {
  if (!receipt || typeof receipt !== "object") return undefined;
  if (receipt.status === "0x1") return true;
  if (receipt.status === "0x0") return false;
  return undefined;
}

/** A JSON-RPC quantity as a bigint; anything else is `rpc_malformed_response`. */
function big(value, method) {
  if (typeof value === "string" && /^0x[0-9a-fA-F]{1,64}$/.test(value)) return BigInt(value);
  throw new RpcError(`${method}: the result is not a quantity`, { code: "rpc_malformed_response" });
}

function caip2ChainId(network) {
  const m = /^eip155:([1-9][0-9]*)$/.exec(String(network));
  if (!m) throw new SettlementError(`localSettlement: network must be CAIP-2 eip155:<chain id>, got ${network}`, { code: "invalid_config" });
  return BigInt(m[1]);
}

/**
 * Settles x402 EVM payments with `signer` over `rpc` on `network` (CAIP-2 `eip155:<id>`).
 * The result is the middleware's `settle` hook (`settle(bodyBytes)`), `settlePayment`,
 * `reconcile` and `checkChain`.
 */
export function localSettlement(options = {}) {
  const { network, signer, receiptTimeoutMs = 30_000, pollIntervalMs = 250, now = () => Math.floor(Date.now() / 1000),
    verifyOptions = {}, allowedFactories = [] } = options;
  const chainId = caip2ChainId(network);
  if (!signer || typeof signer.address !== "string" || typeof signer.signTransaction !== "function") {
    throw new SettlementError("localSettlement: `signer` must be { address, signTransaction(tx) }", { code: "invalid_config" });
  }
  const rpc = options.rpc && typeof options.rpc.request === "function" ? options.rpc
    : evmJsonRpc(Array.isArray(options.rpc) || typeof options.rpc === "string" ? { urls: options.rpc } : options.rpc ?? {});
  if (!(receiptTimeoutMs >= 0) || !(pollIntervalMs > 0)) {
    throw new SettlementError("localSettlement: `receiptTimeoutMs` >= 0 and `pollIntervalMs` > 0", { code: "invalid_config" });
  }
  if (!Array.isArray(allowedFactories) || !allowedFactories.every((f) => typeof f === "string")) {
    throw new SettlementError("localSettlement: `allowedFactories` must be a list of addresses", { code: "invalid_config" });
  }
  const from = signer.address;
  const nonces = nonceManager(chainId, from);
  // the two reads of the code-routed verification, at the latest block
  const chainReads = {
    getCode: (address) => rpc.request("eth_getCode", [address, "latest"]),
    call: async (to, data) => {
      try {
        return await rpc.request("eth_call", [{ to, data }, "latest"]);
      } catch (e) {
        if (e instanceof RpcError && e.code === "rpc_error") return null; // the node answered: reverted
        throw e;
      }
    },
  };
  const pending = new Map(); // payment key → { hash, payer, method, amount, at }
  const pendingStore = options.pendingStore ?? memoryPendingStore(); // refunds
  if (!["get", "set", "add", "delete", "keys"].every((m) => typeof pendingStore?.[m] === "function")) {
    throw new SettlementError("localSettlement: `pendingStore` must have get, set, add, delete and keys", { code: "invalid_config" });
  }
  let chainChecked = null;

  /** Reads `eth_chainId` once; a mismatch throws `chain_id_mismatch` (and nothing is ever sent). */
  function checkChain() {
    if (!chainChecked) {
      chainChecked = (async () => {
        const got = big(await rpc.request("eth_chainId", []), "eth_chainId");
        if (got !== chainId) {
          throw new SettlementError(`localSettlement: the RPC serves chain ${got}, not ${network}`, { code: "chain_id_mismatch" });
        }
      })();
      chainChecked.catch(() => { chainChecked = null; });
    }
    return chainChecked;
  }

  async function fees() {
    const [block, tip] = await Promise.all([
      rpc.request("eth_getBlockByNumber", ["latest", false]),
      rpc.request("eth_maxPriorityFeePerGas", []),
    ]);
    if (!block || typeof block !== "object" || block.baseFeePerGas === undefined || block.baseFeePerGas === null) {
      throw new SettlementError(`localSettlement: ${network} has no EIP-1559 base fee`, { code: "eip1559_unsupported" });
    }
    const maxPriorityFeePerGas = big(tip, "eth_maxPriorityFeePerGas");
    return { maxPriorityFeePerGas, maxFeePerGas: (big(block.baseFeePerGas, "eth_getBlockByNumber") * 12n) / 10n + maxPriorityFeePerGas };
  }

  // The receipt of `hash` within `ms`: the receipt, or null (none yet); RPC failures are thrown.
  async function receiptWithin(hash, ms) {
    const deadline = Date.now() + ms;
    for (;;) {
      const receipt = await rpc.request("eth_getTransactionReceipt", [hash]);
      if (receipt) return receipt;
      const left = deadline - Date.now();
      if (left <= 0) return null;
      await new Promise((ok) => setTimeout(ok, Math.min(pollIntervalMs, left)));
    }
  }

  // Ends a submitted settlement with the receipt wait; a pending one is remembered under `key`.
  async function finish(settlement, key, entry) {
    let receipt;
    try {
      receipt = await receiptWithin(settlement.hash, receiptTimeoutMs);
    } catch (e) {
      receipt = e;
    }
    if (receipt && !(receipt instanceof Error)) {
      const status = statusOf(receipt);
      if (status !== undefined) {
        pending.delete(key);
        return status ? settlement.confirmed() : settlement.reverted();
      }
      receipt = new RpcError(`eth_getTransactionReceipt: no status 0x0 or 0x1`, { code: "rpc_malformed_response" });
    }
    const why = receipt instanceof Error ? `receipt unavailable: ${receipt.message}` : `no receipt within ${receiptTimeoutMs} ms`;
    pending.set(key, { ...entry, hash: settlement.hash, at: Date.now() });
    return settlement.receiptUnavailable(why);
  }

  const resume = (entry) => {
    const s = new EvmSettlement(network, entry.payer, entry.method, entry.amount);
    if (s.submitted(entry.hash)) {
      s.free();
      throw new SettlementError(`stored hash ${entry.hash} is not a transaction hash`, { code: "invalid_pending_entry" });
    }
    return s;
  };

  /**
   * Settles one payment (the payment payload and the requirements it pays, objects or JSON
   * text; `settleAmount`: the `upto` charge). Resolves to the core's `X402SettlementResult`
   * (`json` is the SettleResponse). Throws an `RpcError` or `SettlementError` when nothing
   * could be decided (no RPC, wrong chain): then nothing was sent, or the outcome is pending
   * under the same payment.
   */
  async function settlePayment(paymentPayload, requirements, settleAmount) {
    const payload = jsonOf(paymentPayload, "paymentPayload");
    const reqs = jsonOf(requirements, "requirements");
    let amount;
    try {
      amount = settleAmount === undefined || settleAmount === null ? undefined : BigInt(settleAmount);
    } catch {
      throw new SettlementError("settleAmount: expected an integer", { code: "invalid_argument" });
    }
    if (reqs.network !== network) {
      throw new SettlementError(`localSettlement for ${network} got a payment on ${reqs?.network}`, { code: "network_not_configured" });
    }
    const key = JSON.stringify(payload?.payload ?? null);
    for (const [k, e] of pending) if (Date.now() - e.at > PENDING_TTL_MS) pending.delete(k);
    const known = pending.get(key);
    if (known) return ended(resume(known), (s) => finish(s, key, known)); // settled once more: the same hash, never a second send

    const header = x402EncodeHeader(JSON.stringify(payload));
    const claimedFrom = payload.payload?.authorization?.from ?? payload.payload?.permit2Authorization?.from;
    const claimed = typeof claimedFrom === "string" ? claimedFrom : "";
    await checkChain();
    let verified;
    try {
      verified = await verifyPaymentWithRpc(reqs, header, chainReads, {
        ...verifyOptions, ...(amount === undefined ? {} : { settleAmount: amount }), facilitator: from, now: now(), allowedFactories,
      });
    } catch (e) {
      if (e?.code === "rpc_unavailable" && e.cause instanceof RpcError) throw e.cause; // nothing sent: no verdict
      if (typeof e?.code !== "string") throw e;
      const method = reqs?.extra?.assetTransferMethod === "permit2" || reqs?.scheme === "upto" ? "permit2" : "eip3009";
      return ended(new EvmSettlement(network, claimed, method), (s) => s.refused(e.code, e.message));
    }
    const method = verified.kind === "exact_eip3009" ? "eip3009" : "permit2";
    const charge = verified.kind === "upto_permit2" ? (amount ?? verified.amount) : undefined;
    return ended(new EvmSettlement(network, verified.payer, method, charge),
      (settlement) => settleVerified(settlement, verified, reqs, header, key, { payer: verified.payer, method, amount: charge },
        String(payload.payload?.signature ?? "")));
  }

  // A verified payment: its call, then `send`. An RPC that answered nothing before the send throws
  // (`rpc_unreachable`): no verdict, as with a facilitator that cannot be reached, so the middleware
  // answers what the core says of an unavailable settlement and the authorization stays unused
  // (the Python backend, pay402.settle, does the same).
  async function settleVerified(settlement, verified, reqs, header, key, entry, signature) {
    if (verified.kind === "other") return settlement.refused("unsupported_scheme", `cannot settle a ${reqs.scheme} payment`);
    const without = settlement.withoutTransaction(); // the core: an upto charge of 0 ends here, nothing sent
    if (without !== undefined) return without;
    let call;
    try {
      call = x402SettleCalldata(reqs, header, entry.amount, verified.route);
    } catch (e) {
      if (typeof e?.code !== "string") throw e;
      return settlement.refused(e.code, e.message);
    }
    if (verified.route === "erc6492_counterfactual") {
      const refusal = await deployWallet(settlement, verified.payer, signature);
      if (refusal) return refusal;
    }
    return await send(settlement, call, key, entry);
  }

  // A counterfactual ERC-6492 payer's wallet, deployed through its factory before the transfer as
  // the reference facilitator does. The core routes the payer's code as it is now: deployed
  // meanwhile → nothing to do (undefined); else the allow-listed factory and its call, simulated,
  // sent with the next nonce and awaited. A refusal is returned (nothing more is sent); an RPC that
  // cannot be reached before the deployment is sent throws.
  async function deployWallet(settlement, payer, signature) {
    let routed;
    try {
      routed = routeSignature(signature, await rpc.request("eth_getCode", [payer, "latest"]), allowedFactories);
    } catch (e) {
      if (typeof e?.code !== "string" || e instanceof RpcError) throw e;
      return settlement.refused(e.code, e.message);
    }
    if (routed.route !== "erc6492_counterfactual") return undefined;
    const tx = { from, to: routed.factory, data: hex(routed.factoryCalldata) };
    let gas;
    try {
      await rpc.request("eth_call", [tx, "latest"]);
      gas = big(await rpc.request("eth_estimateGas", [tx]), "eth_estimateGas");
    } catch (e) {
      if (e instanceof RpcError && e.code === "rpc_error") {
        return settlement.deploymentFailed(`the factory call reverts: ${revertText(e)}`);
      }
      throw e;
    }
    const { maxFeePerGas, maxPriorityFeePerGas } = await fees();
    let hash;
    try {
      hash = await nonces.take(rpc, async (nonce) => {
        const raw = await signer.signTransaction({ chainId, nonce, maxPriorityFeePerGas, maxFeePerGas, gas, to: routed.factory, value: 0n, data: routed.factoryCalldata });
        const rawHex = typeof raw === "string" ? raw : hex(raw);
        const local = hex(keccak256(Uint8Array.from(rawHex.slice(2).match(/../g), (h) => parseInt(h, 16))));
        try {
          await rpc.request("eth_sendRawTransaction", [rawHex]);
        } catch (e) {
          if (!(e instanceof RpcError && e.code === "rpc_send_unknown")) throw e;
        }
        return local;
      });
    } catch (e) {
      if (e instanceof RpcError && e.code === "rpc_error") {
        return settlement.deploymentFailed(`the deployment was not accepted: ${e.message}`);
      }
      throw e;
    }
    let receipt;
    try {
      receipt = await receiptWithin(hash, receiptTimeoutMs);
    } catch (e) {
      receipt = e;
    }
    if (statusOf(receipt) !== true) {
      const why = receipt instanceof Error ? receipt.message : receipt ? `deployment ${hash} reverted` : `no receipt for ${hash} within ${receiptTimeoutMs} ms`;
      return settlement.deploymentFailed(why);
    }
    return undefined;
  }

  // Chain check, simulation, fees, nonce, signature, broadcast and receipt of one built settlement.
  async function send(settlement, call, key, entry) {
    await checkChain();
    const tx = { from, to: call.to, data: hex(call.data) };
    // simulation: a revert here is the payment's fault and nothing is sent
    let gas;
    try {
      await rpc.request("eth_call", [tx, "latest"]);
      gas = big(await rpc.request("eth_estimateGas", [tx]), "eth_estimateGas");
    } catch (e) {
      if (e instanceof RpcError && e.code === "rpc_error") return settlement.transferReverted(revertText(e));
      throw e;
    }
    const { maxFeePerGas, maxPriorityFeePerGas } = await fees();
    let hash;
    try {
      hash = await nonces.take(rpc, async (nonce) => {
        const raw = await signer.signTransaction({ chainId, nonce, maxPriorityFeePerGas, maxFeePerGas, gas, to: call.to, value: 0n, data: call.data });
        const rawHex = typeof raw === "string" ? raw : hex(raw);
        const local = hex(keccak256(Uint8Array.from(rawHex.slice(2).match(/../g), (h) => parseInt(h, 16))));
        try {
          return await rpc.request("eth_sendRawTransaction", [rawHex]);
        } catch (e) {
          if (e instanceof RpcError && e.code === "rpc_send_unknown") {
            // it may be on its way: wait for its hash; the nonce is re-read for the next one
            e.hash = local;
          }
          throw e;
        }
      });
    } catch (e) {
      if (e instanceof RpcError && e.code === "rpc_send_unknown" && e.hash) hash = e.hash;
      else if (e instanceof RpcError && e.code === "rpc_error") return settlement.transferReverted(revertText(e));
      else throw e; // never sent (rpc_unreachable) or the signer failed
    }
    const invalid = settlement.submitted(hash);
    if (invalid) return invalid;
    return finish(settlement, key, entry);
  }

  /**
   * The pending settlements whose receipts arrived since: each reported once, as
   * `{ transaction, result }` (the core's result of its confirmation or revert).
   */
  async function reconcile() {
    const out = [];
    for (const [key, entry] of [...pending]) {
      let receipt;
      try {
        receipt = await rpc.request("eth_getTransactionReceipt", [entry.hash]);
      } catch {
        continue; // still pending
      }
      const status = statusOf(receipt);
      if (status === undefined || pending.get(key) !== entry) continue;
      pending.delete(key);
      out.push({ transaction: entry.hash, result: await ended(resume(entry), (s) => (status ? s.confirmed() : s.reverted())) });
    }
    for (const key of await pendingStore.keys()) {
      const record = await pendingStore.get(key);
      if (!record || record.kind !== "refund" || record.state !== "signed") continue; // ended and reported before
      let receipt;
      try {
        receipt = await rpc.request("eth_getTransactionReceipt", [record.hash]);
      } catch {
        continue;
      }
      if (statusOf(receipt) === undefined) {
        await rebroadcast(record);
        continue;
      }
      const order = new RefundOrder(record.key, record.network, record.asset, record.to, BigInt(record.amount));
      try {
        out.push({ transaction: record.hash, result: await endRefund(order, key, record, receipt) });
      } finally {
        order.free();
      }
    }
    return out;
  }

  // ---------------------------------------------------------------- refunds
  const refundTails = new Map(); // key → the tail of this process's attempts (one at a time)

  /** Re-sends a recorded transaction when no node knows its hash (the same bytes: the same hash). */
  async function rebroadcast(record) {
    try {
      if ((await rpc.request("eth_getTransactionByHash", [record.hash])) === null) {
        await rpc.request("eth_sendRawTransaction", [record.raw]);
      }
    } catch { /* the receipt wait decides */ }
  }

  // The refund's end from a receipt with a status, stored with the record (never paid again).
  async function endRefund(order, key, record, receipt) {
    const status = statusOf(receipt);
    const r = new Refund(order, record.hash);
    try {
      const out = status ? r.confirmed() : r.reverted();
      await pendingStore.set(key, { ...record, state: status ? "refunded" : "reverted", result: out });
      return out;
    } finally {
      r.free();
    }
  }

  // Simulates, signs and records the transfer under `key` before sending it. Resolves to
  // { result } (refused before signing: nothing recorded), or { record, fresh } (fresh: this call
  // sent it; else it is another caller's record, or a send that failed: re-broadcast it).
  async function signRefund(order, key) {
    const data = order.calldata;
    const to = order.txTo;
    const value = order.txValue;
    const tx = { from, to, value: "0x" + value.toString(16), data: hex(data) };
    let gas;
    try {
      await rpc.request("eth_call", [tx, "latest"]);
      gas = big(await rpc.request("eth_estimateGas", [tx]), "eth_estimateGas");
    } catch (e) {
      if (e instanceof RpcError && e.code === "rpc_error") {
        const r = new Refund(order);
        try {
          return { result: r.sendFailed(revertText(e)) };
        } finally {
          r.free();
        }
      }
      throw e;
    }
    const { maxFeePerGas, maxPriorityFeePerGas } = await fees();
    // the core's check: the signer's coin covers value + gas × maxFeePerGas (a node's simulation
    // may not check it); short: refund_send_failed, nothing signed or recorded
    const balance = big(await rpc.request("eth_getBalance", [from, "pending"]), "eth_getBalance");
    const check = new Refund(order);
    try {
      const short = check.checkBalance(balance, gas, maxFeePerGas);
      if (short !== undefined) return { result: short };
    } finally {
      check.free();
    }
    try {
      return await nonces.take(rpc, async (nonce) => {
        const raw = await signer.signTransaction({ chainId, nonce, maxPriorityFeePerGas, maxFeePerGas, gas, to, value, data });
        const rawHex = typeof raw === "string" ? raw : hex(raw);
        const record = {
          kind: "refund", state: "signed", raw: rawHex,
          hash: hex(keccak256(Uint8Array.from(rawHex.slice(2).match(/../g), (h) => parseInt(h, 16)))),
          nonce: nonce.toString(), key: hex(order.key).slice(2), network, asset: order.asset, to: order.to,
          amount: order.amount.toString(), signedAt: Date.now(),
        };
        if (!(await pendingStore.add(key, record))) {
          // another caller recorded it first: its record; this nonce was not used (re-read next time)
          throw Object.assign(new Error("refund recorded elsewhere"), { refundRecord: await pendingStore.get(key), fresh: false });
        }
        try {
          await rpc.request("eth_sendRawTransaction", [rawHex]);
        } catch (e) {
          if (e instanceof RpcError && e.code === "rpc_send_unknown") return { record, fresh: true };
          if (e instanceof RpcError) throw Object.assign(e, { refundRecord: record, fresh: false }); // recorded, not sent
          throw e; // the process is going down: the record stays, the next call sends it
        }
        return { record, fresh: true };
      });
    } catch (e) {
      if (e?.refundRecord) return { record: e.refundRecord, fresh: false };
      throw e;
    }
  }

  async function driveRefund(order, key, record, fresh) {
    if (record.state !== "signed" && record.result) return record.result;
    if (!fresh) await rebroadcast(record);
    let receipt;
    try {
      receipt = await receiptWithin(record.hash, receiptTimeoutMs);
    } catch (e) {
      receipt = e;
    }
    if (receipt instanceof Error || statusOf(receipt) === undefined) {
      const why = receipt instanceof Error ? `receipt unavailable: ${receipt.message}`
        : receipt ? "the receipt has no status 0x0 or 0x1" : `no receipt within ${receiptTimeoutMs} ms`;
      const r = new Refund(order, record.hash);
      try {
        return r.receiptUnavailable(why);
      } finally {
        r.free();
      }
    }
    return endRefund(order, key, record, receipt);
  }

  /**
   * Pays `order` (a `RefundOrder`: `amount` of `asset` back to `to`, the payer the payment
   * proved) with the order's transaction from the signer (`txTo`, `txValue`, `calldata`: an ERC-20
   * `transfer` for a token, a value transfer to `to` for `asset` "native"), at most once per
   * `order.key` (see the module comment). Resolves to the core's `RefundResult`; `refund_pending` means recorded and
   * sent (or to be re-sent): call again, or `reconcile()`. Throws `SettlementError`
   * (`network_not_configured`, `invalid_argument`) or an `RpcError` when nothing was signed.
   */
  async function refund(order) {
    if (!(order instanceof RefundOrder)) {
      throw new SettlementError("refund: expected a RefundOrder (refundOrderForSession or new RefundOrder)", { code: "invalid_argument" });
    }
    await checkChain();
    if (order.network !== network) {
      throw new SettlementError(`localSettlement for ${network} got a refund on ${order.network}`, { code: "network_not_configured" });
    }
    const key = "refund:" + hex(order.key).slice(2);
    const previous = refundTails.get(key) ?? Promise.resolve();
    const run = previous.then(async () => {
      let record = await pendingStore.get(key);
      let fresh = false;
      if (!record) {
        const signed = await signRefund(order, key);
        if (signed.result) return signed.result;
        ({ record, fresh } = signed);
      }
      return driveRefund(order, key, record, fresh);
    });
    const tail = run.then(() => undefined, () => undefined);
    refundTails.set(key, tail);
    tail.then(() => { if (refundTails.get(key) === tail) refundTails.delete(key); });
    return run;
  }

  /**
   * The server's `settle` hook: the `/settle` body (`{ paymentPayload, paymentRequirements }`,
   * bytes or text; `pay`, `paywall`, `withPayment`, `paymentGate`) or the payment `x402Middleware`
   * hands its `settle(payment, request)`; resolves to the SettleResponse JSON.
   */
  async function settle(body) {
    if (body instanceof Uint8Array || typeof body === "string") {
      const text = typeof body === "string" ? body : new TextDecoder().decode(body);
      const { paymentPayload, paymentRequirements } = jsonOf(text, "settle body");
      // The core reads the body as the reference facilitator does: an `upto` body carries the charge
      // as the requirements' `amount`, verified against the requirements with the signed maximum.
      let terms;
      try {
        terms = x402SettleTerms(text);
      } catch (e) {
        if (typeof e?.code !== "string") throw e;
        const claimed = paymentPayload?.payload?.permit2Authorization?.from;
        const asked = paymentRequirements?.network;
        return (await ended(new EvmSettlement(typeof asked === "string" ? asked : network, typeof claimed === "string" ? claimed : "", "permit2"),
          (s) => s.refused(e.code, e.message))).json;
      }
      return (await settlePayment(paymentPayload, terms.requirements, terms.charge ?? undefined)).json;
    }
    if (body && typeof body === "object" && body.payload && body.offer) {
      return (await settlePayment(body.payload, body.offer, body.settleAmount)).json;
    }
    throw new SettlementError("settle: expected the /settle body or the middleware's payment", { code: "invalid_argument" });
  }

  // what x402Middleware admits smart-wallet payers through by default (`settle: local.settle`)
  settle.chainReads = chainReads;
  settle.allowedFactories = [...allowedFactories];
  return {
    network, address: from, rpc, settle, settlePayment, reconcile, checkChain, refund,
    /** Where refunds are recorded before they are sent (`options.pendingStore`, default memory). */
    pendingStore,
    /** The two chain reads of smart-wallet admission (`x402Middleware`'s `rpc`). */
    chainReads,
    /** The ERC-6492 factory allow-list. */
    allowedFactories: [...allowedFactories],
    /** Settlements waiting for their receipt (their hashes). */
    pending: () => [...pending.values()].map((e) => e.hash),
  };
}
export * from "./svm.mjs";
