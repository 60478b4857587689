// The JSON-RPC transport the settlement clients share (`evmJsonRpc`, `solanaJsonRpc`): the URL list check and
// one POST to one URL, classified. Each client decides from the classification what fails over and what may
// have been sent; this module decides nothing.
import { SettlementError } from "./index.mjs"; // used at call time only: the import cycle is safe

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

/** `urls` (one URL or a non-empty list of http(s) URLs) as a list; `timeoutMs` checked. `name` names the caller. */
export function rpcUrls(name, urls, timeoutMs) {
  const list = typeof urls === "string" ? [urls] : urls;
  if (!Array.isArray(list) || list.length === 0 || !list.every((u) => typeof u === "string" && /^https?:\/\//.test(u))) {
    throw new SettlementError(`${name}: \`urls\` must be a non-empty list of http(s) URLs`, { code: "invalid_config" });
  }
  if (!(Number.isFinite(timeoutMs) && timeoutMs > 0)) {
    throw new SettlementError(`${name}: \`timeoutMs\` must be a positive number`, { code: "invalid_config" });
  }
  return list;
}

/**
 * POSTs one JSON-RPC request to `url` within `timeoutMs`. The answer is `{ result }`, `{ rpcError }` (the node's
 * JSON-RPC `error` object: it answered), or `{ failure }` with `why` (readable), `code` (`rpc_unreachable` for no
 * answer or an HTTP error status, `rpc_malformed_response` for a 2xx body that is not a JSON-RPC result),
 * `notSent` (true only when the connection could not be made: the request never left) and the thrown `cause`.
 */
export async function postJsonRpc(doFetch, url, request, timeoutMs) {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => { timedOut = true; controller.abort(); }, timeoutMs);
  let response, text;
  try {
    response = await doFetch(url, {
      method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(request), signal: controller.signal,
    });
    text = await response.text();
  } catch (e) {
    const codes = causeCodes(e);
    const notSent = !timedOut && codes.some((c) => NOT_SENT.has(c));
    const why = timedOut ? `no answer within ${timeoutMs} ms` : `${notSent ? "cannot connect" : "connection failed"}: ${e?.message ?? e}${codes.length ? ` (${codes.join(", ")})` : ""}`;
    return { failure: { why, code: "rpc_unreachable", notSent, cause: e } };
  } finally {
    clearTimeout(timer);
  }
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  if (json && typeof json === "object" && json.error && typeof json.error === "object") return { rpcError: json.error };
  if (!response.ok) return { failure: { why: `HTTP ${response.status}`, code: "rpc_unreachable", notSent: false } };
  if (!json || typeof json !== "object" || !("result" in json)) {
    return { failure: { why: "answer is not a JSON-RPC result", code: "rpc_malformed_response", notSent: false } };
  }
  return { result: json.result };
}
